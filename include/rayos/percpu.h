/* percpu.h — per-CPU data, reached through the GS base on x86_64.
 * Only CPU 0 exists until the SMP issue; the pointer is there from the start. */
#ifndef RAYOS_PERCPU_H
#define RAYOS_PERCPU_H
#include <rayos/types.h>

#define MAX_CPUS 64

struct cpu {
	struct cpu *self;      /* must stay first: this_cpu() loads gs:0 */
	u32 id;                /* logical CPU number */
	u32 apic_id;
	bool online;
	u32 irq_depth;         /* nesting of interrupt handlers */
	u64 irq_count;
	/* scheduler (kernel/sched/core.c) */
	struct thread *current;
	struct rq *rq;
	int preempt_count;     /* > 0: no preemption (spinlocks, IRQs, explicit) */
	u64 irq_time_ns;       /* time spent in interrupt handlers */
	u64 irq_enter_cycles;
	/* user mode (arch/x86_64/syscall.S reads these at fixed offsets,
	 * checked in arch/x86_64/usermode.c) */
	u64 kstack_top;        /* top of the running thread's kernel stack */
	u64 user_rsp;          /* scratch: user %rsp during syscall entry */
	/* user-time accounting (kernel/proc/account.c; the scheduler's
	 * account() moves user_cycles into rq->time_user) */
	u64 user_since;        /* cycle counter at the last return to user mode; 0 in the kernel */
	u64 user_cycles;       /* cycles spent in user mode, ever */
};

extern struct cpu cpus[MAX_CPUS];
extern u32 nr_cpus_online;

static inline struct cpu *this_cpu(void)
{
#ifdef RAYOS_HOSTED
	return &cpus[0];
#else
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
#endif
}

#endif
