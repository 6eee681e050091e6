/* thread.c — x86_64 thread contexts: the saved stack pointer and the
 * FPU/SSE state (FXSAVE format, 512 bytes, 16-byte aligned), saved and
 * restored eagerly on every switch between threads. The kernel itself is
 * built without SSE; the state belongs to user code (user-mode issue) and
 * is kept correct from now on. New threads start from a clean FPU image
 * taken at boot after FNINIT (MXCSR = 0x1F80, all exceptions masked).
 *
 * User mode: the switch also points TSS.rsp0 and cpu->kstack_top at the
 * next thread's kernel stack top, and loads its user FS and GS bases
 * (invariant: MSR_FS_BASE and MSR_KERNEL_GS_BASE hold the current thread's
 * values while it runs in the kernel; only arch_set_user_fs/gs change them).
 *
 * Reference: Intel SDM vol. 1 ch. 10.5 (FXSAVE/FXRSTOR), vol. 3A 13.1. */
#include <rayos/arch_thread.h>
#include <rayos/sched.h>
#include <rayos/string.h>
#include <rayos/thread.h>
#include "x86.h"

void fpu_user_init(void);

struct arch_ctx {
	u8 fpu[512];  /* FXSAVE area; first: offset 0 must be 16-aligned */
	u64 rsp;
	u64 fs_base;  /* user FS base (arch_prctl); the MSR holds current's */
	u64 gs_base;  /* user GS base: MSR_KERNEL_GS_BASE while in the kernel */
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
	fpu_user_init();
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

void arch_set_kernel_stack(u64 top); /* gdt.c */

void arch_context_switch(struct thread *prev, struct thread *next)
{
	struct arch_ctx *p = prev->arch, *n = next->arch;
	if (next->stack)
		arch_set_kernel_stack((u64)next->stack + next->stack_size);
	if (p->fs_base != n->fs_base)
		wrmsr(MSR_FS_BASE, n->fs_base);
	if (p->gs_base != n->gs_base)
		wrmsr(MSR_KERNEL_GS_BASE, n->gs_base);
	__asm__ volatile("fxsave64 %0" : "=m"(p->fpu));
	__asm__ volatile("fxrstor64 %0" ::"m"(n->fpu));
	arch_switch_stack(&p->rsp, n->rsp);
}

/* ---- user-mode state ---- */

static u32 mxcsr_mask = 0xffbf; /* from the FXSAVE image when it gives one */

void fpu_user_init(void)
{
	u32 m;
	memcpy(&m, clean_fpu.fpu + 28, 4);
	if (m)
		mxcsr_mask = m;
}

void arch_set_user_fs(struct thread *t, u64 base)
{
	struct arch_ctx *c = t->arch;
	irqflags_t f = arch_irq_save();
	c->fs_base = base;
	if (t == current_thread())
		wrmsr(MSR_FS_BASE, base);
	arch_irq_restore(f);
}

u64 arch_get_user_fs(struct thread *t) { return ((struct arch_ctx *)t->arch)->fs_base; }

void arch_set_user_gs(struct thread *t, u64 base)
{
	struct arch_ctx *c = t->arch;
	irqflags_t f = arch_irq_save();
	c->gs_base = base;
	if (t == current_thread())
		wrmsr(MSR_KERNEL_GS_BASE, base);
	arch_irq_restore(f);
}

u64 arch_get_user_gs(struct thread *t) { return ((struct arch_ctx *)t->arch)->gs_base; }

/* The kernel runs without SSE, so the live FPU registers are the user's. */
void arch_fpu_save(void *buf)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*(u8 (*)[512])buf));
}

void arch_fpu_restore(const void *buf)
{
	u8 tmp[512] __attribute__((aligned(16)));
	memcpy(tmp, buf, sizeof(tmp));
	u32 mxcsr;
	memcpy(&mxcsr, tmp + 24, 4);
	mxcsr &= mxcsr_mask; /* a reserved bit set would #GP in FXRSTOR */
	memcpy(tmp + 24, &mxcsr, 4);
	__asm__ volatile("fxrstor64 %0" ::"m"(tmp));
}

void arch_fpu_reset(void)
{
	__asm__ volatile("fxrstor64 %0" ::"m"(clean_fpu.fpu));
}
