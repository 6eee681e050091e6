/* rt.c — the real-time class: SCHED_FIFO and SCHED_RR.
 *
 * Semantics: POSIX.1-2017 "Scheduling Policies" (XSH 2.8.4) as implemented
 * by Linux (kernel/sched/rt.c, man 7 sched):
 *   - priorities 1..RT_PRIO_MAX (99); a higher number runs first; the
 *     highest non-empty level's first thread runs;
 *   - one FIFO list per level; a woken or newly queued thread goes to the
 *     tail; a running thread stays at the head of its level, also when a
 *     higher-priority thread preempts it (it resumes first afterwards);
 *   - a woken higher-priority thread preempts a lower one at once; equal
 *     priority never preempts (preempt hook);
 *   - SCHED_FIFO runs until it blocks, yields or is preempted; yield moves
 *     it to the tail of its level;
 *   - SCHED_RR additionally has a quantum of RR_QUANTUM_NS of CPU time;
 *     when used up the quantum is refilled and, if other threads wait at
 *     its level, it moves to their tail and tick asks for a reschedule
 *     (Linux task_tick_rt()); a preempted RR thread keeps the rest of its
 *     quantum; slice_left reports it for the one-shot timer;
 *   - priority change of a queued thread (prio_changed): raised -> tail of
 *     the new level, lowered -> head, unchanged -> stays (sched(7)).
 * Pick is O(1): bit p of the 128-bit bitmap is set while level p is not
 * empty; the highest set bit (count-leading-zeros on the high word, then
 * the low word) is the level to run. No RT throttling.
 *
 * Invariants (rq->lock held): rt_rq.nr = threads with rt.queued set;
 * bitmap bit p <=> !list_empty(queue[p]); a queued thread is on
 * queue[t->rt.prio]; t->rt.time_slice in 1..RR_QUANTUM_NS for RR threads.
 *
 * Locking: hooks are called with rq->lock held by the core; they never
 * sleep, allocate or read a clock. */
#include <rayos/sched.h>
#include <rayos/panic.h>
#include "internal.h"

static inline void bitmap_set(struct rt_rq *r, int p) { r->bitmap[p >> 6] |= 1ULL << (p & 63); }
static inline void bitmap_clear(struct rt_rq *r, int p) { r->bitmap[p >> 6] &= ~(1ULL << (p & 63)); }

/* Highest non-empty level, or 0 when none (level 0 is never used). */
static inline int highest_prio(const struct rt_rq *r)
{
	if (r->bitmap[1])
		return 64 + 63 - __builtin_clzll(r->bitmap[1]);
	if (r->bitmap[0])
		return 63 - __builtin_clzll(r->bitmap[0]);
	return 0;
}

static void list_put(struct rt_rq *r, struct thread *t, bool head)
{
	int p = t->rt_prio;

	BUG_ON(p < 1 || p > RT_PRIO_MAX);
	t->rt.prio = p;
	if (head)
		list_add(&t->rt.node, &r->queue[p]);
	else
		list_add_tail(&t->rt.node, &r->queue[p]);
	bitmap_set(r, p);
}

static void list_take(struct rt_rq *r, struct thread *t)
{
	list_del(&t->rt.node);
	if (list_empty(&r->queue[t->rt.prio]))
		bitmap_clear(r, t->rt.prio);
}

void rt_rq_init(struct rt_rq *r)
{
	for (int p = 0; p <= RT_PRIO_MAX; p++)
		list_init(&r->queue[p]);
	r->bitmap[0] = r->bitmap[1] = 0;
	r->nr = 0;
}

void rt_entity_init(struct thread *t)
{
	t->rt.time_slice = RR_QUANTUM_NS;
	list_init(&t->rt.node);
	t->rt.prio = 0;
	t->rt.queued = false;
}

static void rt_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	(void)wakeup;
	BUG_ON(t->rt.queued);
	list_put(&rq->rt, t, false);
	if (!t->rt.time_slice)
		t->rt.time_slice = RR_QUANTUM_NS;
	t->rt.queued = true;
	rq->rt.nr++;
}

static void rt_dequeue(struct rq *rq, struct thread *t)
{
	BUG_ON(!t->rt.queued);
	list_take(&rq->rt, t);
	t->rt.queued = false;
	rq->rt.nr--;
}

static struct thread *rt_pick_next(struct rq *rq)
{
	int p = highest_prio(&rq->rt);
	return p ? list_first_entry(&rq->rt.queue[p], struct thread, rt.node) : NULL;
}

/* The running thread stays in its list: nothing to do when it stops or
 * starts running. */
static void rt_put_prev(struct rq *rq, struct thread *t)
{
	(void)rq;
	(void)t;
}

static void rt_set_next(struct rq *rq, struct thread *t)
{
	(void)rq;
	(void)t;
}

/* Move t to the tail of its level; true if someone else is now first. */
static bool requeue_tail(struct rt_rq *r, struct thread *t)
{
	struct list_head *q = &r->queue[t->rt.prio];

	if (q->next == q->prev) /* alone at its level */
		return false;
	list_del(&t->rt.node);
	list_add_tail(&t->rt.node, q);
	return true;
}

static bool rt_tick(struct rq *rq, struct thread *t, u64 delta)
{
	if (!t->rt.queued) {
		/* its last run time, charged after it blocked */
		if (t->policy == SCHED_RR)
			t->rt.time_slice = delta < t->rt.time_slice ? t->rt.time_slice - delta
								    : RR_QUANTUM_NS;
		return false;
	}
	/* safety net: a higher level became non-empty without a wake-up
	 * preemption check */
	if (highest_prio(&rq->rt) > t->rt.prio)
		return true;
	if (t->policy != SCHED_RR)
		return false;
	if (delta < t->rt.time_slice) {
		t->rt.time_slice -= delta;
		return false;
	}
	t->rt.time_slice = RR_QUANTUM_NS;
	return requeue_tail(&rq->rt, t);
}

static bool rt_preempt(struct rq *rq, struct thread *curr, struct thread *w)
{
	(void)rq;
	return w->rt_prio > curr->rt_prio;
}

static void rt_yield(struct rq *rq, struct thread *t)
{
	if (t->rt.queued)
		requeue_tail(&rq->rt, t);
}

static u64 rt_slice_left(struct rq *rq, struct thread *t)
{
	(void)rq;
	return t->policy == SCHED_RR ? t->rt.time_slice : 0;
}

/* t->rt_prio (or policy) changed while queued; t->rt.prio is the old level. */
static void rt_prio_changed(struct rq *rq, struct thread *t)
{
	int old = t->rt.prio;

	if (!t->rt.queued || t->rt_prio == old)
		return;
	list_take(&rq->rt, t);
	list_put(&rq->rt, t, t->rt_prio < old);
}

struct sched_class rt_sched_class = {
	.name = "rt",
	.enqueue = rt_enqueue,
	.dequeue = rt_dequeue,
	.pick_next = rt_pick_next,
	.put_prev = rt_put_prev,
	.set_next = rt_set_next,
	.tick = rt_tick,
	.preempt = rt_preempt,
	.yield = rt_yield,
	.slice_left = rt_slice_left,
	.prio_changed = rt_prio_changed,
};
