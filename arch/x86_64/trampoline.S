/* trampoline.S — where a secondary CPU starts (INIT-SIPI-SIPI, Intel SDM
 * vol. 3A 8.4.4): 16-bit real mode at physical TRAMP_BASE. It loads its own
 * small GDT, enters protected mode, turns on PAE, loads the kernel's page
 * tables (CR3 below 4 GiB), sets EFER.LME (and NXE as the boot CPU has it),
 * enables paging, enters long mode and jumps to the kernel entry in the
 * parameter block with its stack. smp.c copies this code to TRAMP_BASE,
 * fills the parameter block at the end, and maps the first 2 MiB by
 * identity while CPUs are starting (the code runs there with paging on). */
#define TRAMP_BASE 0x8000
#define REL(x) (TRAMP_BASE + ((x) - smp_trampoline_start))

	.section .rodata
	.balign 16
	.globl smp_trampoline_start, smp_trampoline_end, smp_trampoline_params
	.code16
smp_trampoline_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	lgdtl REL(tramp_gdt_ptr)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $REL(tramp_pm32)

	.code32
tramp_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $((1 << 5) | (1 << 7)), %eax        /* PAE, PGE */
	mov %eax, %cr4
	mov REL(tp_cr3), %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx                  /* EFER */
	rdmsr
	or $(1 << 8), %eax                     /* LME */
	or REL(tp_efer_extra), %eax            /* NXE if the boot CPU uses it */
	wrmsr
	mov %cr0, %eax
	or $0x80010000, %eax                   /* PG, WP */
	mov %eax, %cr0
	ljmp $0x18, $REL(tramp_long)

	.code64
tramp_long:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov REL(tp_stack), %rsp
	mov REL(tp_cpu), %edi
	mov REL(tp_entry), %rax
	xor %ebp, %ebp
	jmp *%rax

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff                 /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff                 /* 0x10: data */
	.quad 0x00af9a000000ffff                 /* 0x18: 64-bit code */
tramp_gdt_ptr:
	.short tramp_gdt_ptr - tramp_gdt - 1
	.long REL(tramp_gdt)

	.balign 8
smp_trampoline_params:                   /* filled by smp.c: */
tp_cr3:        .long 0
tp_efer_extra: .long 0
tp_stack:      .quad 0
tp_entry:      .quad 0
tp_cpu:        .long 0
	.long 0
smp_trampoline_end:
