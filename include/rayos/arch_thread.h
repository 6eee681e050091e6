/* arch_thread.h — what the scheduler core needs from the architecture for
 * threads (arch/x86_64/thread.c, switch.S): the saved context and its FPU/SSE
 * state, preparing a new thread's stack, and the switch itself. */
#ifndef RAYOS_ARCH_THREAD_H
#define RAYOS_ARCH_THREAD_H
#include <rayos/types.h>

struct thread;

/* The register frame isr.S builds on every interrupt and exception and
 * syscall.S on every system call; for a thread in user mode it lies at the
 * top of its kernel stack (arch_user_regs). For a system call, vector is
 * ARCH_VEC_SYSCALL and error holds the original %rax (Linux's orig_rax). */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
#define ARCH_VEC_SYSCALL 0x100

/* ---- user mode (arch/x86_64/usermode.c, syscall.S) ---- */
/* The user frame of thread t (valid while t is in a system call or an
 * exception from user mode). */
struct trap_frame *arch_user_regs(struct thread *t);
/* Fill f for a first entry at rip with stack sp (user selectors, IF on). */
void arch_user_frame_init(struct trap_frame *f, u64 rip, u64 sp);
/* Enter user mode with the registers *f (copied to the stack top). */
__noreturn void arch_enter_user(const struct trap_frame *f);
/* The thread's user FS/GS base (arch_prctl); applied at once for current. */
void arch_set_user_fs(struct thread *t, u64 base);
u64 arch_get_user_fs(struct thread *t);
void arch_set_user_gs(struct thread *t, u64 base);
u64 arch_get_user_gs(struct thread *t);
/* FXSAVE image (512 bytes, 16-aligned buffer) of the current thread's
 * live FPU state, and loading one (sanitized: reserved MXCSR bits cleared)
 * or the clean boot image. */
#define ARCH_FPU_SIZE 512
void arch_fpu_save(void *buf);
void arch_fpu_restore(const void *buf);
void arch_fpu_reset(void);
/* Make a frame built from user input safe to return with: user selectors,
 * a rip below USER_TOP (a higher one becomes USER_TOP, which faults in user
 * mode), rflags with IF on, IOPL 0 and only user-changeable bits from *f. */
void arch_user_frame_sanitize(struct trap_frame *f);

/* Size and alignment of the per-thread arch context (FPU area included). */
size_t arch_thread_ctx_size(void);
size_t arch_thread_ctx_align(void);
/* Prepare ctx so that the first switch to t runs entry(arg) on the stack
 * [stack, stack + size). */
void arch_thread_init(struct thread *t, void *ctx, void *stack, size_t size,
		      int (*entry)(void *), void *arg);
/* Adopt the running boot context as thread t (the boot CPU's first thread,
 * and each secondary CPU's idle thread). */
void arch_thread_adopt(struct thread *t, void *ctx);
/* Save prev's registers and FPU state, resume next. Returns when something
 * switches back to prev. Interrupts are off. */
void arch_context_switch(struct thread *prev, struct thread *next);
#endif
