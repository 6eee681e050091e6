/* syscall.S — the system-call entry (SYSCALL, MSR_LSTAR), the common way
 * back to user mode, and the first entry into user mode.
 *
 * Entry: SYSCALL leaves the user %rip in %rcx and %rflags in %r11, masks
 * IF/DF/TF/AC (MSR_FMASK) and does not switch stacks: swapgs gives the
 * per-CPU struct cpu, whose kstack_top (the running thread's kernel stack
 * top, kept equal to TSS.rsp0 by the context switch) becomes %rsp. The
 * frame built there has the layout of struct trap_frame (arch_thread.h),
 * the same an interrupt from user mode produces at the same place, with
 * vector = ARCH_VEC_SYSCALL and error = the original %rax.
 *
 * Exit: exit_to_user() (usermode.c) runs with interrupts off and returns
 * with them off, after rescheduling and delivering signals. SYSRETQ is used
 * only when the frame is one it can restore exactly (rcx == rip, r11 ==
 * rflags, canonical user rip, no TF/RF, user selectors); otherwise IRETQ
 * (after execve, signal delivery and rt_sigreturn). SYSRET with a
 * non-canonical %rcx would fault in ring 0 on the user stack on Intel CPUs:
 * the check excludes that.
 *
 * Offsets into struct cpu (CPU_KSTACK_TOP, CPU_USER_RSP) are checked by
 * static assertions in usermode.c. */
#define CPU_KSTACK_TOP 72
#define CPU_USER_RSP   80
#define USER_CS 0x2b
#define USER_SS 0x23
#define FRAME_SIZE (22 * 8)

	.text
	.globl syscall_entry
	.align 16
syscall_entry:
	swapgs
	mov %rsp, %gs:CPU_USER_RSP
	mov %gs:CPU_KSTACK_TOP, %rsp
	pushq $USER_SS
	pushq %gs:CPU_USER_RSP
	pushq %r11
	pushq $USER_CS
	pushq %rcx
	pushq %rax                 /* error slot: orig_rax */
	pushq $0x100               /* vector: ARCH_VEC_SYSCALL */
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
	xor %ebp, %ebp             /* backtraces end here */
	mov %rsp, %rdi
	call syscall_dispatch         /* turns interrupts on after accounting */
	cli
	mov %rsp, %rdi
	call exit_to_user
	mov %rsp, %rdi
	call syscall_can_sysret
	test %eax, %eax
	jz restore_iret
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11                   /* == rflags (checked) */
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx                   /* == rip (checked) */
	pop %rbx
	pop %rax
	mov 40(%rsp), %rsp         /* user rsp: vector, error, rip, cs, rflags, rsp */
	swapgs
	sysretq

/* Return to user mode from the frame at %rsp, interrupts off or on. */
	.globl user_return
user_return:
	cli
	mov %rsp, %rdi
	call exit_to_user
restore_iret:
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
	add $16, %rsp              /* vector, error */
	swapgs
	iretq

/* void arch_enter_user(const struct trap_frame *f): copy *f to the top of
 * this thread's kernel stack (backwards: the source may lie just below, on
 * this very stack) and leave through user_return. */
	.globl arch_enter_user
arch_enter_user:
	cli
	mov %gs:CPU_KSTACK_TOP, %rax
	sub $FRAME_SIZE, %rax
	lea (FRAME_SIZE - 8)(%rdi), %rsi
	lea (FRAME_SIZE - 8)(%rax), %rdi
	mov $22, %ecx
	std
	rep movsq
	cld
	mov %rax, %rsp
	xor %ebp, %ebp
	jmp user_return
