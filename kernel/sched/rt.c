/* rt.c — the real-time class: SCHED_FIFO, SCHED_RR and sporadic servers
 * (SCHED_SPORADIC).
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
 *
 * Sporadic servers: POSIX.1-2017 XSH 2.8.4 "SCHED_SPORADIC". A server is a
 * FIFO thread whose assigned priority (t->rt_prio) is its high priority
 * while its available execution capacity is > 0 and fewer than max_repl
 * replenishments are pending, else its low priority. Capacity starts at
 * the initial budget. Running at high priority consumes capacity; its
 * execution is limited to the capacity (slice_left: the one-shot timer);
 * on exhaustion it goes to the tail of the low level (rule 5); when it
 * blocks (any dequeue) or exhausts, a replenishment of the time consumed
 * is scheduled (rules 4-6), carried out at once if already due; at its
 * time the amount is added back, capped at the budget, and a runnable
 * server that becomes eligible goes to the tail of the high level (rule
 * 7). A preempted server stays at the head of its level (rule 3).
 * Replenishments are kept per server in a FIFO ring (their times never
 * decrease), at most max_repl of them; the class timer (next_event /
 * timer_fired) serves the earliest over the queued servers of this run
 * queue (a linear scan of rt_rq.ss_queued: servers per CPU are few); a
 * blocked server's due replenishments are applied when it wakes up, which
 * is equivalent because its priority only matters while it is runnable.
 * Two corrections to the POSIX text, after Stanovich, Baker, Wang and
 * Gonzalez Harbour, "Defects of the POSIX Sporadic Server and How to
 * Correct Them" (RTAS 2010), so that a server never runs more than its
 * budget at high priority in any window of length repl_period, also when
 * higher-priority work (other servers) preempts it:
 *   - premature replenishment: POSIX posts activation_time when the server
 *     is queued at high priority and replenishes at activation_time +
 *     period; a server delayed or preempted after that would get its
 *     budget back early. Here the replenishment time is the start of the
 *     LAST contiguous run at high priority of the consumed amount, plus
 *     the period (seg_start + period; later than POSIX's, never earlier),
 *     and the amount is everything consumed since the previous
 *     replenishment was scheduled (chunk), so no capacity is lost;
 *   - budget amplification: POSIX clamps the capacity at 0 after an
 *     overrun (the timer fired late) but replenishes the whole time
 *     consumed, so pending amounts can add up to more than the budget.
 *     Here the capacity goes negative instead, so capacity + pending
 *     amounts + unscheduled time stays exactly the budget: in a window of
 *     one period a server gets at most its budget plus one timer lateness,
 *     and overruns never accumulate.
 * The sum capacity + pending amounts + chunk equals the budget at all times
 * (capped replenishments never lose anything because of that).
 * A replenishment of 0 (blocked without running) is not scheduled.
 *
 * Invariants (rq->lock held): rt_rq.nr = threads with rt.queued set;
 * bitmap bit p <=> !list_empty(queue[p]); a queued thread is on
 * queue[t->rt.prio]; t->rt.time_slice in 1..RR_QUANTUM_NS for RR threads;
 * a queued SCHED_SPORADIC thread is on rt_rq.ss_queued (ss.linked), its
 * rt_prio is its POSIX assigned priority, ss.nr <= ss.max_repl, and
 * capacity + pending + chunk == budget.
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
	list_init(&r->ss_queued);
	r->ss_exhausted = r->ss_replenished = 0;
}

void rt_entity_init(struct thread *t)
{
	t->rt.time_slice = RR_QUANTUM_NS;
	list_init(&t->rt.node);
	t->rt.prio = 0;
	t->rt.queued = false;
	t->ss.linked = false;
	list_init(&t->ss.node);
}

/* ---- sporadic servers ---- */

static inline bool is_ss(const struct thread *t) { return t->policy == SCHED_SPORADIC; }

void rt_sporadic_setup(struct thread *t, const struct sched_sporadic_param *p)
{
	struct ss_entity *ss = &t->ss;

	/* node and linked belong to the queue and stay as they are */
	ss->period = p->sched_ss_repl_period;
	ss->budget = p->sched_ss_init_budget;
	ss->high = p->sched_priority;
	ss->low = p->sched_ss_low_priority;
	ss->max_repl = (u32)p->sched_ss_max_repl;
	ss->capacity = (s64)ss->budget;
	ss->chunk = 0;
	ss->seg_start = ss->last_stop = 0;
	ss->seg_valid = false;
	ss->head = ss->nr = 0;
	t->rt_prio = ss->high;
}

/* POSIX's assigned priority. */
static int ss_prio(const struct thread *t)
{
	return t->ss.capacity > 0 && t->ss.nr < t->ss.max_repl ? t->ss.high : t->ss.low;
}

/* Carry out the replenishments due at now (rule 7's amount part). */
static void ss_apply_due(struct rq *rq, struct thread *t, u64 now)
{
	struct ss_entity *ss = &t->ss;

	while (ss->nr && (s64)(ss->repl[ss->head].at - now) <= 0) {
		ss->capacity += (s64)ss->repl[ss->head].amount;
		if (ss->capacity > (s64)ss->budget)
			ss->capacity = (s64)ss->budget;
		ss->head = (ss->head + 1) % SS_MAX_REPL;
		ss->nr--;
		ss->nr_replenished++;
		rq->rt.ss_replenished++;
	}
}

/* Schedule the replenishment of what was consumed since the last one
 * (rules 4-6, corrected time: see the header). */
static void ss_close_chunk(struct rq *rq, struct thread *t, u64 now)
{
	struct ss_entity *ss = &t->ss;
	u64 at = ss->seg_start + ss->period;

	if (!ss->chunk)
		return;
	ss->last = (struct ss_repl){ at, ss->chunk };
	ss->nr_scheduled++;
	if (ss->nr >= ss->max_repl) {
		/* only after a late charge of a blocked server: merge into
		 * the last one, at the later time (delaying is safe) */
		struct ss_repl *last = &ss->repl[(ss->head + ss->nr - 1) % SS_MAX_REPL];
		last->amount += ss->chunk;
		if ((s64)(at - last->at) > 0)
			last->at = at;
	} else {
		ss->repl[(ss->head + ss->nr) % SS_MAX_REPL] = (struct ss_repl){ at, ss->chunk };
		ss->nr++;
	}
	ss->chunk = 0;
	ss->seg_valid = false;
	ss_apply_due(rq, t, now); /* "before the current time: at once" */
}

/* Queued t gets assigned priority prio: tail of that level (rules 5, 7). */
static void ss_requeue(struct rq *rq, struct thread *t, int prio)
{
	t->rt_prio = prio;
	list_take(&rq->rt, t);
	list_put(&rq->rt, t, false);
}

static void ss_link(struct rq *rq, struct thread *t)
{
	if (is_ss(t) && !t->ss.linked) {
		list_add_tail(&t->ss.node, &rq->rt.ss_queued);
		t->ss.linked = true;
	} else if (!is_ss(t) && t->ss.linked) {
		list_del(&t->ss.node);
		t->ss.linked = false;
	}
}

static void ss_unlink(struct thread *t)
{
	if (t->ss.linked) {
		list_del(&t->ss.node);
		t->ss.linked = false;
	}
}

/* t starts running at high priority: a new contiguous run begins unless
 * it stopped at this very instant. */
static void ss_run_starts(struct rq *rq, struct thread *t)
{
	struct ss_entity *ss = &t->ss;

	if (t->rt_prio != ss->high)
		return;
	if (!ss->seg_valid || ss->last_stop != rq->clock)
		ss->seg_start = rq->clock;
	ss->seg_valid = true;
	ss->last_stop = ~0ULL; /* running */
}

static void rt_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	(void)wakeup;
	BUG_ON(t->rt.queued);
	if (is_ss(t)) {
		ss_close_chunk(rq, t, rq->clock); /* a late charge after it left */
		ss_apply_due(rq, t, rq->clock);
		t->rt_prio = ss_prio(t);
		ss_link(rq, t);
	}
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
	if (t->ss.linked) {
		ss_close_chunk(rq, t, rq->clock); /* rule 4 */
		ss_unlink(t);
	}
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
	if (is_ss(t))
		t->ss.last_stop = rq->clock; /* preempted: stays at the head (rule 3) */
}

static void rt_set_next(struct rq *rq, struct thread *t)
{
	if (is_ss(t))
		ss_run_starts(rq, t);
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

/* Charge a running server; on exhaustion apply rule 5 (and 7 at once if
 * the replenishment is already due). True if t moved to another level. */
static bool ss_charge(struct rq *rq, struct thread *t, u64 delta)
{
	struct ss_entity *ss = &t->ss;

	if (t->rt_prio != ss->high)
		return false; /* low priority: not charged */
	ss->capacity -= (s64)delta;
	ss->chunk += delta;
	if (ss->capacity > 0)
		return false;
	ss->nr_exhausted++;
	rq->rt.ss_exhausted++;
	ss_close_chunk(rq, t, rq->clock);
	ss_requeue(rq, t, ss->low);
	if (ss_prio(t) == ss->high) { /* replenished at once */
		ss_requeue(rq, t, ss->high);
		ss_run_starts(rq, t);
	}
	return true;
}

static bool rt_tick(struct rq *rq, struct thread *t, u64 delta)
{
	if (is_ss(t)) {
		if (!t->rt.queued) {
			/* charged after it left: counted in the next chunk */
			if (t->rt_prio == t->ss.high) {
				t->ss.capacity -= (s64)delta;
				t->ss.chunk += delta;
			}
			return false;
		}
		if (ss_charge(rq, t, delta) && rt_pick_next(rq) != t)
			return true;
	}
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
	if (is_ss(t) && t->rt_prio == t->ss.high) /* rule 1 */
		return t->ss.capacity > 0 ? (u64)t->ss.capacity : 1;
	return t->policy == SCHED_RR ? t->rt.time_slice : 0;
}

/* t->rt_prio (or policy) changed while queued; t->rt.prio is the old level. */
static void rt_prio_changed(struct rq *rq, struct thread *t)
{
	int old = t->rt.prio;

	if (!t->rt.queued)
		return;
	ss_link(rq, t);
	if (is_ss(t) && rq->curr == t)
		ss_run_starts(rq, t); /* a fresh server, running */
	if (t->rt_prio == old)
		return;
	list_take(&rq->rt, t);
	list_put(&rq->rt, t, t->rt_prio < old);
}

/* Earliest pending replenishment of the queued servers (0: none). */
static u64 rt_next_event(struct rq *rq)
{
	u64 best = 0;
	struct list_head *pos;

	list_for_each(pos, &rq->rt.ss_queued) {
		struct thread *t = list_entry(pos, struct thread, ss.node);
		u64 at;
		if (!t->ss.nr)
			continue;
		at = t->ss.repl[t->ss.head].at;
		if (!best || (s64)(at - best) < 0)
			best = at;
	}
	return best;
}

static void rt_timer_fired(struct rq *rq)
{
	struct list_head *pos;
	struct thread *c = rq->curr, *best;

	list_for_each(pos, &rq->rt.ss_queued) {
		struct thread *t = list_entry(pos, struct thread, ss.node);
		int before = t->rt_prio;
		ss_apply_due(rq, t, rq->clock);
		if (before != t->ss.high && ss_prio(t) == t->ss.high) {
			ss_requeue(rq, t, t->ss.high); /* rule 7: tail of high */
			if (t == c)
				ss_run_starts(rq, t);
		}
	}
	/* a server back at high priority preempts lower work at once */
	best = rt_pick_next(rq);
	if (!best || best == c)
		return;
	/* best != c: c is idle, blocking, of a lower class, or an rt thread
	 * that is no longer first (a higher level, or it went to a tail) */
	if (c == rq->idle || !c->on_rq || c->class->rank >= rt_sched_class.rank)
		rq->need_resched = true;
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
	.next_event = rt_next_event,
	.timer_fired = rt_timer_fired,
};
