/* thread.c — x86_64 thread contexts: the saved stack pointer and the
 * FPU/SSE state (FXSAVE format, 512 bytes, 16-byte aligned), saved and
 * restored eagerly on every switch between threads. The kernel itself is
 * built without SSE; the state belongs to user code (user-mode issue) and
 * is kept correct from now on. New threads start from a clean FPU image
 * taken at boot after FNINIT (MXCSR = 0x1F80, all exceptions masked).
 *
 * Reference: Intel SDM vol. 1 ch. 10.5 (FXSAVE/FXRSTOR), vol. 3A 13.1. */
#include <rayos/arch_thread.h>
#include <rayos/sched.h>
#include <rayos/string.h>
#include "x86.h"

struct arch_ctx {
	u8 fpu[512];  /* FXSAVE area; first: offset 0 must be 16-aligned */
	u64 rsp;
};

static struct arch_ctx clean_fpu __attribute__((aligned(64)));
extern void arch_switch_stack(u64 *save_rsp, u64 load_rsp);
extern void thread_start_asm(void);

size_t arch_thread_ctx_size(void) { return sizeof(struct arch_ctx); }
size_t arch_thread_ctx_align(void) { return 64; }

/* Turn on SSE for the FPU context (CR0.MP, CR4.OSFXSR/OSXMMEXCPT) and
 * record the clean image; called once per CPU at boot. */
void fpu_init_cpu(void)
{
	u64 cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 &= ~(1ULL << 2); /* EM */
	cr0 |= 1ULL << 1;    /* MP */
	cr0 &= ~(1ULL << 3); /* TS */
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
	write_cr4(read_cr4() | (1ULL << 9) | (1ULL << 10));
	__asm__ volatile("fninit");
	u32 mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
	__asm__ volatile("fxsave64 %0" : "=m"(clean_fpu.fpu));
}

void arch_thread_init(struct thread *t, void *vctx, void *stack, size_t size,
		      int (*entry)(void *), void *arg)
{
	struct arch_ctx *ctx = vctx;
	memcpy(ctx->fpu, clean_fpu.fpu, sizeof(ctx->fpu));
	u64 *sp = (u64 *)ALIGN_DOWN((u64)stack + size, 16);
	*--sp = (u64)thread_start_asm; /* "return" address of the first switch */
	*--sp = 0;                     /* rbp: ends backtraces */
	*--sp = 0;                     /* rbx */
	*--sp = (u64)entry;            /* r12 */
	*--sp = (u64)arg;              /* r13 */
	*--sp = 0;                     /* r14 */
	*--sp = 0;                     /* r15 */
	ctx->rsp = (u64)sp;
	t->arch = ctx;
}

void arch_thread_adopt(struct thread *t, void *vctx)
{
	struct arch_ctx *ctx = vctx;
	memcpy(ctx->fpu, clean_fpu.fpu, sizeof(ctx->fpu));
	ctx->rsp = 0;
	t->arch = ctx;
}

void arch_context_switch(struct thread *prev, struct thread *next)
{
	struct arch_ctx *p = prev->arch, *n = next->arch;
	__asm__ volatile("fxsave64 %0" : "=m"(p->fpu));
	__asm__ volatile("fxrstor64 %0" ::"m"(n->fpu));
	arch_switch_stack(&p->rsp, n->rsp);
}
