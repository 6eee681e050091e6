/* proc_user.S — tiny user programs for the proc ktest suite, assembled into
 * the kernel image as data and copied into a user address space at
 * UPROG_BASE by kernel/ktests/proc.c. Position-independent; Linux x86_64
 * system-call numbers. Each ends with exit_group(0) on success, a
 * non-zero status naming the failed check otherwise. */
#define SYS_write 1
#define SYS_rt_sigaction 13
#define SYS_rt_sigreturn 15
#define SYS_clone 56
#define SYS_fork 57
#define SYS_exit 60
#define SYS_wait4 61
#define SYS_kill 62
#define SYS_getpid 39
#define SYS_futex 202
#define SYS_exit_group 231

.macro EXIT code
	mov $SYS_exit_group, %eax
	mov $\code, %edi
	syscall
	ud2
.endm

	.section .rodata.uprog, "a"

/* write(1, "hello from ring 3\n") then exit_group(42), or 43 if the write
 * did not return its length */
	.globl uprog_hello, uprog_hello_end
uprog_hello:
	mov $SYS_write, %eax
	mov $1, %edi
	lea 1f(%rip), %rsi
	mov $(2f - 1f), %edx
	syscall
	cmp $(2f - 1f), %rax
	jne 3f
	EXIT 42
3:	EXIT 43
1:	.ascii "# hello from ring 3\n"
2:
uprog_hello_end:

/* store to an unmapped address: SIGSEGV */
	.globl uprog_fault, uprog_fault_end
uprog_fault:
	movq $1, 0x10
	EXIT 0
uprog_fault_end:

/* an unimplemented system call returns -ENOSYS */
	.globl uprog_enosys, uprog_enosys_end
uprog_enosys:
	mov $335, %eax
	syscall
	cmp $-38, %rax
	jne 1f
	EXIT 0
1:	EXIT 1
uprog_enosys_end:

/* fork; the child exits with 7; the parent's wait4 must see it */
	.globl uprog_fork, uprog_fork_end
uprog_fork:
	mov $SYS_fork, %eax
	syscall
	test %rax, %rax
	js 9f
	jnz 1f
	EXIT 7
1:	mov %rax, %rbx
	sub $16, %rsp
	movq $0, (%rsp)
	mov $SYS_wait4, %eax
	mov $-1, %rdi
	mov %rsp, %rsi
	xor %edx, %edx
	xor %r10d, %r10d
	syscall
	cmp %rbx, %rax
	jne 8f
	cmpl $0x700, (%rsp)
	jne 7f
	EXIT 0
7:	EXIT 3
8:	EXIT 2
9:	EXIT 1
uprog_fork_end:

/* a SIGUSR1 handler (SA_SIGINFO | SA_RESTORER) runs on kill(getpid()) and
 * returns through rt_sigreturn with the interrupted registers intact */
	.globl uprog_signal, uprog_signal_end
uprog_signal:
	sub $64, %rsp
	mov %rsp, %r13
	lea 5f(%rip), %rax
	mov %rax, 0(%r13)            /* handler */
	movq $0x04000004, 8(%r13)    /* SA_RESTORER | SA_SIGINFO */
	lea 6f(%rip), %rax
	mov %rax, 16(%r13)           /* restorer */
	movq $0, 24(%r13)            /* mask */
	movq $0, 32(%r13)            /* flag the handler sets */
	mov $SYS_rt_sigaction, %eax
	mov $10, %edi
	mov %r13, %rsi
	xor %edx, %edx
	mov $8, %r10d
	syscall
	test %rax, %rax
	jnz 1f
	mov $0x1234, %rbx
	mov $SYS_getpid, %eax
	syscall
	mov %rax, %rdi
	mov $SYS_kill, %eax
	mov $10, %esi
	syscall
	test %rax, %rax              /* rax of kill survives the handler */
	jnz 2f
	cmpq $1, 32(%r13)
	jne 3f
	cmp $0x1234, %rbx
	jne 4f
	EXIT 0
1:	EXIT 1
2:	EXIT 2
3:	EXIT 3
4:	EXIT 4
5:	cmp $10, %edi                /* handler(sig, info, uc) */
	jne 7f
	cmpl $10, (%rsi)             /* info->si_signo */
	jne 7f
	movq $1, 32(%r13)
	mov $0x5555, %rbx            /* clobbered: rt_sigreturn restores it */
7:	ret
6:	mov $SYS_rt_sigreturn, %eax  /* the restorer */
	syscall
	ud2
uprog_signal_end:

/* a thread (clone with CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|
 * PARENT_SETTID|CHILD_CLEARTID) sets a flag and exits; the parent waits on
 * the cleared tid with FUTEX_WAIT */
	.globl uprog_thread, uprog_thread_end
uprog_thread:
	sub $64, %rsp
	mov %rsp, %r13
	movl $-1, 0(%r13)            /* the tid word */
	movq $0, 8(%r13)             /* the flag */
	mov $SYS_clone, %eax
	mov $0x350f00, %edi
	lea -8192(%r13), %rsi        /* the child's stack */
	lea 0(%r13), %rdx
	lea 0(%r13), %r10
	xor %r8d, %r8d
	syscall
	test %rax, %rax
	js 9f
	jz 5f
1:	mov 0(%r13), %edx
	test %edx, %edx
	jz 2f
	mov $SYS_futex, %eax
	lea 0(%r13), %rdi
	mov $0x80, %esi              /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
	xor %r10d, %r10d
	syscall
	jmp 1b
2:	cmpq $1, 8(%r13)
	jne 8f
	EXIT 0
5:	movq $1, 8(%r13)             /* the thread */
	mov $SYS_exit, %eax
	xor %edi, %edi
	syscall
	ud2
8:	EXIT 2
9:	EXIT 1
uprog_thread_end:

/* rt_sigreturn with a forged frame whose rip is non-canonical: the kernel
 * must not IRETQ to it (a fault in ring 0); the program gets SIGSEGV */
	.globl uprog_badreturn, uprog_badreturn_end
uprog_badreturn:
	sub $1024, %rsp
	mov %rsp, %rdi
	xor %eax, %eax
	mov $128, %ecx
	rep stosq                    /* a zeroed ucontext at rsp */
	movabs $0x800000000000, %rax
	mov %rax, 168(%rsp)          /* uc_mcontext.rip */
	mov $SYS_rt_sigreturn, %eax
	syscall
	EXIT 1                       /* not reached */
uprog_badreturn_end:

/* spins until killed (proc.kill_thread_group_by_tid) */
	.globl uprog_spin, uprog_spin_end
uprog_spin:
	pause
	jmp uprog_spin
uprog_spin_end:
