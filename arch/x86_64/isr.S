/* isr.S — interrupt entry stubs for all 256 vectors.
 * Each stub pushes a dummy error code where the CPU pushes none, then the
 * vector, saves the general registers into struct trap_frame (trap.h) and
 * calls trap_entry(frame). Frame pointer is chained so backtraces from a
 * trap walk into the interrupted code.
 *
 * GS: an entry from user mode (CS RPL 3) does swapgs so that %gs:0 is the
 * CPU's struct cpu again, and leaves through user_return (syscall.S:
 * signals, rescheduling, swapgs, iretq). NMI, double fault and machine
 * check may arrive between a swapgs and the iretq/sysretq of kernel code:
 * for them the GS base MSR decides (a user GS base is below the kernel
 * half); they only report and halt, so they never swap back. */
	.text
	.altmacro

.macro STUB n
	.align 16
isr_stub_\n:
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp isr_common
.endm

	.align 16
	.globl isr_stubs_start
isr_stubs_start:
.set i, 0
.rept 256
	STUB %i
	.set i, i + 1
.endr

.macro STUB_ADDR n
	.quad isr_stub_\n
.endm

isr_common:
	cld
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	testb $3, 18*8(%rsp)      /* cs of the interrupted code */
	jz 1f
	swapgs
	jmp 3f
1:	mov 15*8(%rsp), %rax      /* vector */
	cmp $2, %rax
	je 2f
	cmp $8, %rax
	je 2f
	cmp $18, %rax
	jne 3f
2:	mov $0xC0000101, %ecx     /* MSR_GS_BASE */
	rdmsr
	test %edx, %edx
	js 3f                     /* a kernel address: GS is already ours */
	swapgs
3:
	mov %rsp, %rdi
	/* chain a frame: [rbp] = interrupted rbp, [rbp+8] = interrupted rip */
	pushq 17*8(%rsp)          /* rip from the hardware frame */
	pushq 9*8(%rsp)           /* saved rbp (slot 8, one push ago) */
	mov %rsp, %rbp
	call trap_entry
	add $16, %rsp
	testb $3, 18*8(%rsp)
	jnz user_return           /* back to user mode (syscall.S) */
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp             /* vector, error code */
	iretq

	.section .rodata
	.align 8
	.globl isr_stub_table
isr_stub_table:
.set i, 0
.rept 256
	STUB_ADDR %i
	.set i, i + 1
.endr
