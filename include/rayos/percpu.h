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

/* preempt_count++ for spin_lock and preempt_disable: one instruction on
 * this CPU's own struct cpu. As this_cpu()->preempt_count++ it was a load
 * of the cpu pointer and then an add; a thread interrupted in between with
 * the count still 0 may be preempted and moved, and then raised the count
 * of the CPU it left (racing that CPU's own updates) while its new CPU
 * stayed preemptible with the lock held. (The decrement is safe as it is:
 * a count above 0 keeps the thread where it is.) */
static inline void this_cpu_preempt_inc(void)
{
#ifdef RAYOS_HOSTED
	cpus[0].preempt_count++;
#else
	__asm__ volatile("incl %%gs:%c0" ::"i"(__builtin_offsetof(struct cpu, preempt_count)) : "memory");
#endif
}

#endif
