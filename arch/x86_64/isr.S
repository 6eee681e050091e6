/* isr.S — interrupt entry stubs for all 256 vectors.
 * Each stub pushes a dummy error code where the CPU pushes none, then the
 * vector, saves the general registers into struct trap_frame (trap.h) and
 * calls trap_entry(frame). Frame pointer is chained so backtraces from a
 * trap walk into the interrupted code. */
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
	mov %rsp, %rdi
	/* chain a frame: [rbp] = interrupted rbp, [rbp+8] = interrupted rip */
	pushq 17*8(%rsp)          /* rip from the hardware frame */
	pushq 9*8(%rsp)           /* saved rbp (slot 8, one push ago) */
	mov %rsp, %rbp
	call trap_entry
	add $16, %rsp
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
