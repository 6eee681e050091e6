/* sched_dl_glue.c — where SCHED_DEADLINE parameters from sched_setattr
 * (already validated by sys_sched_setattr: runtime <= deadline <= period,
 * runtime >= 1024 ns) reach the deadline scheduling class. The class lives
 * on another branch: until the integrator wires it here, -EINVAL (what
 * Linux answers for a policy it does not support). Should return 0, or
 * -EBUSY when admission control refuses the bandwidth. */
#include <rayos/proc.h>

int proc_set_deadline(struct thread *t, u64 runtime, u64 deadline, u64 period)
{
	(void)t;
	(void)runtime;
	(void)deadline;
	(void)period;
	return -EINVAL;
}
