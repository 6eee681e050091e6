/* boot.S — first instructions of RayOS on x86_64.
 *
 * Two ways in, one way on:
 *  - PVH (QEMU -kernel): a XEN_ELFNOTE_PHYS32_ENTRY note names _start_pvh;
 *    we arrive in 32-bit protected mode, paging off, %ebx = hvm_start_info.
 *  - Multiboot2 (GRUB, BIOS or UEFI): the header's entry-address tag names
 *    _start_mb2; %eax = 0x36d76289, %ebx = the boot information.
 * Both read the TSC first (rayos_boot_seconds starts here), check for long
 * mode, build boot page tables that map the first 4 GiB by identity and the
 * first GiB at KERNEL_VMA (the higher-half kernel), enable PAE, LME, NXE, paging,
 * and jump to boot64_high in the higher half with (protocol, info) in
 * (%rdi, %rsi). The boot page tables are replaced by mm's in paging_init().
 *
 * Everything in the .boot* sections is linked at its physical address. */

#define KERNEL_VMA 0xffffffff80000000
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC 0x36d76289

	.section .multiboot2, "a"
	.align 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0                               /* i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.align 8
	.short 3, 0                           /* entry address */
	.long 12
	.long _start_mb2
	.align 8
	.short 6, 0                           /* page-align modules */
	.long 8
	.align 8
	.short 0, 0                           /* end */
	.long 8
mb2_header_end:

	.section .note.Xen, "a", @note
	.align 4
	.long 4                               /* name size: "Xen\0" */
	.long 4                               /* descriptor size */
	.long 18                              /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.align 4
	.long _start_pvh

	.section .boot.text, "ax"
	.code32
	.globl _start_pvh
_start_pvh:
	rdtsc
	mov %eax, boot_tsc_lo
	mov %edx, boot_tsc_hi
	mov $1, %edi
	mov %ebx, %esi
	jmp common32

	.globl _start_mb2
_start_mb2:
	mov %eax, %esi
	rdtsc
	mov %eax, boot_tsc_lo
	mov %edx, boot_tsc_hi
	cmp $MB2_BOOT_MAGIC, %esi
	jne bad_magic
	mov $2, %edi
	mov %ebx, %esi
	jmp common32

common32:
	cli
	cld
	mov $boot_stack32_top, %esp
	/* long mode available? */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc no_long_mode
	mov %edx, %ebp                        /* bit 20: NX */

	/* zero the seven boot page-table pages */
	push %edi
	mov $boot_pml4, %edi
	mov $(4096 * 7 / 4), %ecx
	xor %eax, %eax
	rep stosl
	pop %edi

	/* boot_pd: 4 pages of 512 x 2 MiB pages = the first 4 GiB, so the
	 * boot information can be read wherever the loader put it */
	mov $boot_pd, %ebx
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax                        /* present, writable, 2 MiB */
	mov %eax, (%ebx, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 1b

	xor %ecx, %ecx
7:	mov %ecx, %eax
	shl $12, %eax
	add $boot_pd, %eax
	or $3, %eax
	mov %eax, boot_pdpt_low(, %ecx, 8)    /* PDPT[0..3]: identity */
	inc %ecx
	cmp $4, %ecx
	jne 7b
	mov $boot_pd, %eax
	or $3, %eax
	mov %eax, boot_pdpt_high + 510 * 8    /* PDPT[510]: -2 GiB -> first GiB */
	mov $boot_pdpt_low, %eax
	or $3, %eax
	mov %eax, boot_pml4
	mov $boot_pdpt_high, %eax
	or $3, %eax
	mov %eax, boot_pml4 + 511 * 8

	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $(1 << 5), %eax                    /* PAE */
	mov %eax, %cr4
	mov $0xC0000080, %ecx                 /* EFER */
	rdmsr
	or $(1 << 8), %eax                    /* LME */
	bt $20, %ebp
	jnc 2f
	or $(1 << 11), %eax                   /* NXE */
2:	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax                  /* PG, WP, PE */
	mov %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $0x08, $long64

bad_magic:
no_long_mode:
	/* Say so on COM1 and stop. */
	mov $msg_nolm, %esi
3:	lodsb
	test %al, %al
	jz 5f
	mov %al, %bl
	mov $0x3fd, %dx
4:	inb %dx, %al
	test $0x20, %al
	jz 4b
	mov %bl, %al
	mov $0x3f8, %dx
	outb %al, %dx
	jmp 3b
5:	hlt
	jmp 5b

	.code64
long64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	movabs $boot64_high, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff                /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff                /* 0x10: data */
boot_gdt_ptr:
	.short boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
	.globl boot_tsc_lo, boot_tsc_hi
boot_tsc_lo: .long 0
boot_tsc_hi: .long 0
msg_nolm:
	.asciz "RayOS: bad boot magic or no 64-bit long mode; halting.\r\n"

	.section .boot.bss, "aw", @nobits
	.align 4096
	.globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096 * 4
boot_stack32:   .skip 1024
boot_stack32_top:

	/* ---- higher half ---- */
	.text
	.globl boot64_high
boot64_high:
	mov %edi, %r12d                       /* protocol */
	mov %esi, %r13d                       /* info (physical) */
	/* zero .bss (the loaders do it too; we do not rely on them) */
	movabs $__bss_start, %rdi
	movabs $__bss_end, %rcx
	sub %rdi, %rcx
	shr $3, %rcx
	xor %eax, %eax
	rep stosq
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp                        /* ends backtraces */
	/* per-CPU pointer (this_cpu) valid before any C code runs */
	movabs $cpus, %rax
	mov %rax, (%rax)                      /* cpus[0].self = &cpus[0] */
	mov %rax, %rdx
	shr $32, %rdx
	mov $0xC0000101, %ecx                 /* IA32_GS_BASE */
	wrmsr
	mov %r12, %rdi
	mov %r13, %rsi
	movabs $boot_tsc_lo, %rax
	mov (%rax), %edx                      /* lo */
	movabs $boot_tsc_hi, %rax
	mov (%rax), %eax
	shl $32, %rax
	or %rax, %rdx
	call kmain
6:	cli
	hlt
	jmp 6b

	.bss
	.align 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip 32768
boot_stack_top:
