/* sched_dl_glue.c — where SCHED_DEADLINE parameters from sched_setattr
 * (already validated by sys_sched_setattr: runtime <= deadline <= period,
 * runtime >= 1024 ns) reach the deadline scheduling class
 * (kernel/sched/deadline.c through thread_set_deadline): 0, -EINVAL (the
 * class's own checks, e.g. a period outside 100 us .. 4.19 s), or -EBUSY
 * when admission control refuses the bandwidth — Linux's answers. */
#include <rayos/proc.h>
#include <rayos/thread.h>

int proc_set_deadline(struct thread *t, u64 runtime, u64 deadline, u64 period)
{
	return thread_set_deadline(t, runtime, deadline, period, 0);
}

void proc_set_dl_overrun_signal(struct thread *t, bool on)
{
	WRITE_ONCE(t->dl.overrun_signal, on);
	if (!on)
		WRITE_ONCE(t->dl.overrun_pending, false);
}

int proc_get_deadline(struct thread *t, u64 *runtime, u64 *deadline, u64 *period)
{
	struct sched_dl_info i;
	int r = thread_get_deadline(t, &i);
	if (!r) {
		*runtime = i.runtime;
		*deadline = i.deadline;
		*period = i.period;
	}
	return r;
}
