/* idle.c — the idle class: the lowest rank, whose pick_next always returns
 * the run queue's idle thread, so rq_pick_next() has a thread to run when
 * no other class does (Linux kernel/sched/idle.c, idle_sched_class).
 *
 * Invariants: the idle thread is never queued (enqueue/dequeue of it are
 * core bugs and panic), is not counted in rq->nr_running, and runs only
 * when every other class is empty. Its tick asks for a reschedule while
 * anything is runnable (a safety net; wake-ups already preempt idle).
 *
 * Locking: hooks are called with rq->lock held by the core. */
#include <rayos/sched.h>
#include <rayos/panic.h>

static void idle_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	(void)wakeup;
	panic("sched: idle thread %u enqueued on CPU %u", t->tid, rq->cpu);
}

static void idle_dequeue(struct rq *rq, struct thread *t)
{
	panic("sched: idle thread %u dequeued on CPU %u", t->tid, rq->cpu);
}

static struct thread *idle_pick_next(struct rq *rq)
{
	return rq->idle;
}

static void idle_put_prev(struct rq *rq, struct thread *t)
{
	(void)rq;
	(void)t;
}

static void idle_set_next(struct rq *rq, struct thread *t)
{
	(void)rq;
	(void)t;
}

static bool idle_tick(struct rq *rq, struct thread *t, u64 delta)
{
	(void)t;
	(void)delta;
	return rq->nr_running > 0;
}

static bool idle_preempt(struct rq *rq, struct thread *curr, struct thread *w)
{
	(void)rq;
	(void)curr;
	(void)w;
	return false; /* there is one idle thread per run queue */
}

struct sched_class idle_sched_class = {
	.name = "idle",
	.enqueue = idle_enqueue,
	.dequeue = idle_dequeue,
	.pick_next = idle_pick_next,
	.put_prev = idle_put_prev,
	.set_next = idle_set_next,
	.tick = idle_tick,
	.preempt = idle_preempt,
};
