/* account.c — user-mode CPU time. The arch calls proc_user_exit() as the
 * very last thing before returning to user mode and proc_user_entry() as
 * the first thing after coming from it (system call, interrupt or
 * exception), both with interrupts off, so that no switch can fall
 * between the two halves on one CPU. The cycles in between are added to
 * the CPU's user_cycles (the scheduler's account() turns them into
 * rq->time_user: /proc/stat, rayos_cpu_seconds_total{mode="user"}) and to
 * the thread's (utime in /proc/PID/stat, getrusage, wait4's rusage). Raw
 * cycles on the hot path; conversion to ns happens when read. */
#include <rayos/arch.h>
#include <rayos/time.h>
#include "internal.h"

void proc_user_entry(void)
{
	struct cpu *c = this_cpu();
	u64 since = c->user_since;
	if (!since)
		return;
	c->user_since = 0;
	u64 now = arch_cycles();
	u64 d = now > since ? now - since : 0;
	c->user_cycles += d;
	struct uthread *ut = c->current->uthread;
	if (ut)
		ut->user_cycles += d;
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
