/* internal.h — what the scheduler's own files (kernel/sched/) share beyond
 * include/rayos/sched.h: initialisers of the class-private parts of struct
 * rq and struct thread. Same locking as the class hooks: the caller holds
 * the run queue's lock, or the object is not yet visible to anyone else. */
#ifndef RAYOS_KERNEL_SCHED_INTERNAL_H
#define RAYOS_KERNEL_SCHED_INTERNAL_H
#include <rayos/sched.h>

/* Empty queues; min_vruntime starts just below the u64 wrap point so the
 * wrap-safe comparisons are exercised early (as Linux does). */
void fair_rq_init(struct fair_rq *frq);
void rt_rq_init(struct rt_rq *rrq);
void dl_rq_init(struct dl_rq *drq);
/* A thread that has never been queued: not in any queue, fresh (the fair
 * class places it as a new thread), full RR quantum. */
void fair_entity_init(struct thread *t);
void rt_entity_init(struct thread *t);
void share_rq_init(struct rq *rq);
void share_entity_init(struct thread *t);
/* Store sporadic-server parameters (validated by the caller) and reset the
 * server: full capacity, nothing pending, high priority (t->rt_prio). */
void rt_sporadic_setup(struct thread *t, const struct sched_sporadic_param *p);
/* The run queue a queued thread is on (t->cpu's). */
struct rq *sched_rq_of(struct thread *t);
/* A share thread that is not queued got new tickets: rescale its remain,
 * pass the change down its lending chain. */
void share_tickets_set(struct thread *t);
/* Register the built-in share policies (stride, lottery). */
int share_policies_init(void);
void dl_entity_init(struct thread *t);

/* deadline.c, for sched_set_deadline() in core_rq.c: check the parameters
 * (0 or -EINVAL, like Linux __checkparam_dl); admit t's new bandwidth
 * runtime/period, replacing its old one (0 or -EBUSY, nothing changed;
 * takes dl_bw_lock); store the parameters of an admitted t that is off
 * the run queue (starts a fresh period at its next enqueue). */
int dl_check_params(u64 runtime, u64 deadline, u64 period, unsigned flags);
int dl_admit(struct thread *t, u64 runtime, u64 period);
void dl_apply_params(struct thread *t, u64 runtime, u64 deadline, u64 period);
/* a * b / c in 128 bits; the quotient must fit in 64 (BUG otherwise). */
u64 dl_mul_div(u64 a, u64 b, u64 c);
/* Priority inheritance: start (boosted, with the donor's absolute deadline)
 * or end t's boost inside the deadline class; t's run-queue lock held if
 * it is queued (rq is its run queue, or NULL when it is not queued). */
void dl_pi_set(struct rq *rq, struct thread *t, bool boosted, u64 deadline);

#endif
