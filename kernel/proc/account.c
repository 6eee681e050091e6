/* account.c — user-mode CPU time. The arch calls proc_user_exit() as the
 * very last thing before returning to user mode and proc_user_entry() as
 * the first thing after coming from it (system call, interrupt or
 * exception), both with interrupts off, so that no switch can fall
 * between the two halves on one CPU. The cycles in between are added to
 * the CPU's user_cycles (the scheduler's account() turns them into
 * rq->time_user: /proc/stat, rayos_cpu_seconds_total{mode="user"}) and to
 * the thread's (utime in /proc/PID/stat, getrusage, wait4's rusage). Raw
 * cycles on the hot path; conversion to ns happens when read.
 * proc_thread_times() adds the stretch a thread is in at the moment of
 * reading (procfs): a thread that spins in user mode alone on its CPU may
 * take no interrupt and so be charged by nobody for a long time. */
#include <rayos/arch.h>
#include <rayos/time.h>
#include "internal.h"

void proc_user_entry(void)
{
	struct cpu *c = this_cpu();
	u64 since = c->user_since;
	if (!since)
		return;
	WRITE_ONCE(c->user_since, 0); /* before the add: proc_thread_times */
	u64 now = arch_cycles();
	u64 d = now > since ? now - since : 0;
	c->user_cycles += d;
	struct uthread *ut = c->current->uthread;
	if (ut)
		WRITE_ONCE(ut->user_cycles, ut->user_cycles + d);
}

void proc_user_exit(void)
{
	this_cpu()->user_since = arch_cycles() | 1; /* never 0: 0 means "in the kernel" */
}

/* proc_lock held: user-mode ns of p's threads, live and ended. */
u64 proc_user_ns(struct process *p)
{
	u64 cyc = p->dead_user_cycles;
	struct list_head *pos;
	list_for_each(pos, &p->threads) {
		struct uthread *ut = list_entry(pos, struct uthread, node);
		if (!ut->dead)
			cyc += READ_ONCE(ut->user_cycles);
	}
	return cycles_to_ns(cyc);
}

/* proc_lock held: ut's CPU time and its user-mode part (ns), each with the
 * stretch it is in now: thread_cpu_ns() adds the run since the scheduler
 * last charged it, and when ut is in user mode on a CPU this instant the
 * cycles since that CPU's user_since are added. A snapshot of another
 * CPU's words: while that CPU moves a stretch into user_cycles the user
 * part may miss it for that instant (never counts it twice: the entry code
 * clears user_since before adding, and user_cycles is read first). */
void proc_thread_times(struct uthread *ut, u64 *cpu_ns, u64 *user_ns)
{
	struct thread *t = ut->t;
	u64 cyc = READ_ONCE(ut->user_cycles);
	u32 cpu = READ_ONCE(t->cpu);
	if (cpu < MAX_CPUS) {
		struct cpu *c = &cpus[cpu];
		u64 since = READ_ONCE(c->user_since);
		if (since && READ_ONCE(c->current) == t) {
			u64 now = arch_cycles();
			if (now > since)
				cyc += now - since;
		}
	}
	*cpu_ns = thread_cpu_ns(t);
	*user_ns = cycles_to_ns(cyc);
}
