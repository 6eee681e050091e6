/* switch.S — kernel thread context switch and the first frames of a new
 * thread. arch_switch_stack saves the callee-saved registers of the System V
 * ABI on the old stack, stores the stack pointer, loads the new one and
 * restores the new thread's registers; everything else was saved by the C
 * caller's convention. A new thread's stack is prepared by
 * arch_thread_init (thread.c) so that the first switch "returns" into
 * thread_start_asm with the entry in %r12 and its argument in %r13. */
	.text
	.globl arch_switch_stack
arch_switch_stack:              /* (u64 *save_rsp, u64 load_rsp) */
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

	.globl thread_start_asm
thread_start_asm:
	call sched_finish_switch     /* drop the run-queue lock, interrupts on */
	mov %r13, %rdi
	call *%r12                   /* int entry(void *arg) */
	mov %eax, %edi
	call thread_exit             /* does not return */
	ud2
