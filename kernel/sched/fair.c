/* fair.c — the fair scheduling class (SCHED_NORMAL), CFS style.
 *
 * Algorithm: the Completely Fair Scheduler as in Linux 2.6.23 .. 6.5
 * (kernel/sched/fair.c before EEVDF; see also Documentation/scheduler/
 * sched-design-CFS.rst). Each thread has a virtual runtime that advances
 * at delta * 1024 / weight (weight from nice, Linux's table), so over time
 * every runnable thread receives CPU in proportion to its weight; the
 * thread with the smallest vruntime runs next.
 *   - Queue: a red-black tree (lib/rbtree.c) keyed by vruntime, leftmost
 *     cached: enqueue/dequeue O(log n), pick O(1). The running thread is
 *     taken out of the tree (fair_rq.curr) and put back by put_prev, as in
 *     Linux's set_next_entity/put_prev_entity. Equal keys keep FIFO order.
 *   - min_vruntime: monotonic, max(min_vruntime, min(curr, leftmost)); the
 *     reference point for placing threads.
 *   - Slice: period = SCHED_FAIR_LATENCY_NS for up to latency/min_gran (8)
 *     threads, else nr * SCHED_FAIR_MIN_GRAN_NS; a thread's slice is
 *     period * weight / load, at least SCHED_FAIR_MIN_GRAN_NS
 *     (sched_slice()). tick returns true when the slice is used up, or
 *     (after min_gran) when curr is more than a slice of vruntime ahead of
 *     the leftmost (check_preempt_tick()). A thread alone has no slice end.
 *   - Placement (place_entity()): a new thread starts at min_vruntime plus
 *     one minimum-granularity slice in virtual time (START_DEBIT: it cannot
 *     take over the CPU, and its lag is not negative). CFS debits the full
 *     virtual slice, which is the same once 8 or more threads are queued,
 *     but with fewer it debits the first of several threads created
 *     together up to a whole period more than the later ones, so their
 *     first waits grow like nr * period; a fixed debit keeps threads
 *     created together in creation order (first wait <= (nr-1) slices).
 *     A waking thread gets max(vruntime, min_vruntime -
 *     SCHED_FAIR_SLEEPER_BONUS_NS)
 *     (GENTLE_FAIR_SLEEPERS: bounded sleeper credit, no hoarding); other
 *     enqueues (migration, class change) at least min_vruntime. A thread
 *     enqueued on a different run queue than it was dequeued from first
 *     has its vruntime rebased from that queue's current min_vruntime to
 *     this one's (as Linux's migrate_task_rq_fair() + ENQUEUE_MIGRATED), so
 *     vruntimes of different CPUs never mix and a sleeper woken elsewhere
 *     gets the same bounded credit. The other queue's min_vruntime is read
 *     without its lock: an aligned u64 load, at worst slightly stale.
 *     So the optional migrate hook is not needed and left NULL.
 *   - Wake-up preemption: the woken thread preempts curr when its vruntime
 *     is more than SCHED_FAIR_WAKEUP_GRAN_NS (scaled to its weight) behind
 *     curr's (wakeup_preempt_entity()).
 *   - Yield: curr's vruntime is raised to the leftmost queued thread's (if
 *     behind it) and, being inserted after its equals, it runs after it;
 *     the yielder pays at most that gap. (CFS used a "skip buddy"; this is
 *     the deterministic variant.)
 * All vruntime comparisons are wrap-safe ((s64)(a - b)); min_vruntime
 * starts 2^20 below the wrap point so this is exercised at once.
 *
 * The tick hook is also called for a thread just dequeued (blocking) to
 * charge its last run time to its vruntime (see core_rq.c update_curr).
 *
 * Invariants (rq->lock held): fair_rq.nr / .load count exactly the threads
 * with fair.queued set (running one included); a queued thread is in the
 * tree iff it is not fair_rq.curr; fair_rq.curr is rq->curr when rq->curr
 * is a queued fair thread that was picked, else NULL.
 *
 * Locking: hooks are called with rq->lock held by the core; they never
 * sleep, allocate or read a clock. */
#include <rayos/sched.h>
#include <rayos/panic.h>
#include "internal.h"

#define NICE_0_WEIGHT 1024
#define FAIR_MIN_VRUNTIME_INIT ((u64)-(1LL << 20))
#define FAIR_NR_LATENCY (SCHED_FAIR_LATENCY_NS / SCHED_FAIR_MIN_GRAN_NS)

static inline struct thread *node_thread(const struct rb_node *n)
{
	return rb_entry(n, struct thread, fair.node);
}

static inline s64 vdiff(u64 a, u64 b) { return (s64)(a - b); }

static bool vruntime_less(const struct rb_node *a, const struct rb_node *b)
{
	return vdiff(node_thread(a)->fair.vruntime, node_thread(b)->fair.vruntime) < 0;
}

/* delta * 1024 / weight without overflow for any delta. */
static u64 calc_delta_fair(u64 delta, u64 weight)
{
	if (weight == NICE_0_WEIGHT)
		return delta;
	return (delta / weight) * NICE_0_WEIGHT + (delta % weight) * NICE_0_WEIGHT / weight;
}

static u64 sched_period(u64 nr)
{
	return nr > FAIR_NR_LATENCY ? nr * SCHED_FAIR_MIN_GRAN_NS : SCHED_FAIR_LATENCY_NS;
}

/* Wall-clock slice of t, counting t as queued even if it is not yet. */
static u64 sched_slice(const struct fair_rq *frq, const struct thread *t)
{
	u64 nr = frq->nr, load = frq->load, slice;

	if (!t->fair.queued) {
		nr++;
		load += t->fair.weight;
	}
	/* period <= nr * 750 us and weight <= 88761: no overflow for any
	 * realistic nr (< 2^28 threads) */
	slice = sched_period(nr) * t->fair.weight / load;
	return MAX(slice, SCHED_FAIR_MIN_GRAN_NS);
}

static void update_min_vruntime(struct fair_rq *frq)
{
	struct rb_node *left = rb_first_cached(&frq->tree);
	u64 v;

	if (frq->curr)
		v = frq->curr->fair.vruntime;
	else if (left)
		v = node_thread(left)->fair.vruntime;
	else
		return;
	if (frq->curr && left && vdiff(node_thread(left)->fair.vruntime, v) < 0)
		v = node_thread(left)->fair.vruntime;
	if (vdiff(v, frq->min_vruntime) > 0)
		frq->min_vruntime = v;
}

void fair_rq_init(struct fair_rq *frq)
{
	rb_root_cached_init(&frq->tree);
	frq->curr = NULL;
	frq->min_vruntime = FAIR_MIN_VRUNTIME_INIT;
	frq->load = 0;
	frq->nr = 0;
}

void fair_entity_init(struct thread *t)
{
	struct fair_entity *fe = &t->fair;

	fe->vruntime = 0;
	fe->weight = sched_nice_to_weight(t->nice);
	fe->slice_start = 0;
	RB_CLEAR_NODE(&fe->node);
	fe->node.left = fe->node.right = NULL;
	fe->last_rq = NULL;
	fe->queued = false;
	fe->placed = false;
}

static void place(struct rq *rq, struct thread *t, bool wakeup)
{
	struct fair_rq *frq = &rq->fair;
	struct fair_entity *fe = &t->fair;
	u64 floor;

	if (!fe->placed) {
		/* new thread: one minimum slice of virtual time behind */
		fe->vruntime = frq->min_vruntime + calc_delta_fair(SCHED_FAIR_MIN_GRAN_NS, fe->weight);
		fe->placed = true;
		return;
	}
	if (fe->last_rq && fe->last_rq != rq) /* rebase: keep its lag */
		fe->vruntime = fe->vruntime - READ_ONCE(fe->last_rq->fair.min_vruntime) +
			       frq->min_vruntime;
	floor = frq->min_vruntime - (wakeup ? SCHED_FAIR_SLEEPER_BONUS_NS : 0);
	if (vdiff(fe->vruntime, floor) < 0)
		fe->vruntime = floor;
}

static void fair_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	struct fair_rq *frq = &rq->fair;
	struct fair_entity *fe = &t->fair;

	BUG_ON(fe->queued);
	if (!fe->weight) /* class assigned by hand on a zeroed thread */
		fe->weight = sched_nice_to_weight(t->nice);
	place(rq, t, wakeup);
	rb_add_cached(&fe->node, &frq->tree, vruntime_less);
	fe->queued = true;
	frq->nr++;
	frq->load += fe->weight;
}

static void fair_dequeue(struct rq *rq, struct thread *t)
{
	struct fair_rq *frq = &rq->fair;
	struct fair_entity *fe = &t->fair;

	BUG_ON(!fe->queued);
	if (frq->curr == t)
		frq->curr = NULL;
	else
		rb_erase_cached(&fe->node, &frq->tree);
	fe->queued = false;
	frq->nr--;
	frq->load -= fe->weight;
	update_min_vruntime(frq);
	fe->last_rq = rq;
}

static struct thread *fair_pick_next(struct rq *rq)
{
	struct rb_node *left = rb_first_cached(&rq->fair.tree);
	return left ? node_thread(left) : NULL;
}

static void fair_put_prev(struct rq *rq, struct thread *t)
{
	struct fair_rq *frq = &rq->fair;

	if (frq->curr != t)
		return;
	frq->curr = NULL;
	rb_add_cached(&t->fair.node, &frq->tree, vruntime_less);
}

static void fair_set_next(struct rq *rq, struct thread *t)
{
	struct fair_rq *frq = &rq->fair;

	BUG_ON(!t->fair.queued || frq->curr);
	rb_erase_cached(&t->fair.node, &frq->tree);
	frq->curr = t;
	t->fair.slice_start = t->sum_exec;
}

static bool fair_tick(struct rq *rq, struct thread *t, u64 delta)
{
	struct fair_rq *frq = &rq->fair;
	struct fair_entity *fe = &t->fair;
	struct rb_node *left;
	u64 ran, slice;

	if (!fe->queued) {
		/* its last run time, charged after it blocked */
		fe->vruntime += calc_delta_fair(delta, fe->weight);
		return false;
	}
	if (frq->curr != t)
		return false;
	fe->vruntime += calc_delta_fair(delta, fe->weight);
	update_min_vruntime(frq);

	left = rb_first_cached(&frq->tree);
	if (!left)
		return false; /* alone: nothing to switch to */
	ran = t->sum_exec - fe->slice_start;
	slice = sched_slice(frq, t);
	if (ran >= slice)
		return true;
	if (ran < SCHED_FAIR_MIN_GRAN_NS)
		return false;
	return vdiff(fe->vruntime, node_thread(left)->fair.vruntime) > (s64)slice;
}

static bool fair_preempt(struct rq *rq, struct thread *curr, struct thread *w)
{
	s64 d = vdiff(curr->fair.vruntime, w->fair.vruntime);

	(void)rq;
	if (d <= 0)
		return false;
	return d > (s64)calc_delta_fair(SCHED_FAIR_WAKEUP_GRAN_NS, w->fair.weight);
}

static void fair_yield(struct rq *rq, struct thread *t)
{
	struct rb_node *left = rb_first_cached(&rq->fair.tree);

	if (rq->fair.curr != t || !left)
		return;
	if (vdiff(node_thread(left)->fair.vruntime, t->fair.vruntime) > 0)
		t->fair.vruntime = node_thread(left)->fair.vruntime;
	update_min_vruntime(&rq->fair);
}

static u64 fair_slice_left(struct rq *rq, struct thread *t)
{
	struct fair_rq *frq = &rq->fair;
	u64 ran, slice;

	if (frq->curr != t || rb_empty_cached(&frq->tree))
		return 0;
	ran = t->sum_exec - t->fair.slice_start;
	slice = sched_slice(frq, t);
	return ran < slice ? slice - ran : 1;
}

/* t->nice changed; vruntime is kept, weight and load follow. */
static void fair_prio_changed(struct rq *rq, struct thread *t)
{
	struct fair_entity *fe = &t->fair;
	u64 w = sched_nice_to_weight(t->nice);

	if (fe->queued)
		rq->fair.load = rq->fair.load - fe->weight + w;
	fe->weight = w;
}

struct sched_class fair_sched_class = {
	.name = "fair",
	.enqueue = fair_enqueue,
	.dequeue = fair_dequeue,
	.pick_next = fair_pick_next,
	.put_prev = fair_put_prev,
	.set_next = fair_set_next,
	.tick = fair_tick,
	.preempt = fair_preempt,
	.yield = fair_yield,
	.slice_left = fair_slice_left,
	.prio_changed = fair_prio_changed,
};
