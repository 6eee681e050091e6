/* arch_thread.h — what the scheduler core needs from the architecture for
 * threads (arch/x86_64/thread.c, switch.S): the saved context and its FPU/SSE
 * state, preparing a new thread's stack, and the switch itself. */
#ifndef RAYOS_ARCH_THREAD_H
#define RAYOS_ARCH_THREAD_H
#include <rayos/types.h>

struct thread;

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
