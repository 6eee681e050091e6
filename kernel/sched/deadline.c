/* deadline.c — the deadline scheduling class (SCHED_DEADLINE): EDF or LLF
 * over constant bandwidth servers, with admission control.
 *
 * Semantics: Linux SCHED_DEADLINE (Documentation/scheduler/sched-deadline.rst;
 * concepts of kernel/sched/deadline.c), the CBS of Abeni and Buttazzo,
 * "Integrating Multimedia Applications in Hard Real-Time Systems" (RTSS
 * 1998), with the revised wake-up rule for constrained deadlines (Abeni,
 * Lipari, Parri, Sun, "Constant Bandwidth Server Revisited", 2015).
 *   - Parameters: runtime Q <= deadline D <= period P, checked like Linux's
 *     __checkparam_dl (Q >= 1024 ns, D > 0, values < 2^63, P in [100 us,
 *     ~4.19 s]). Bandwidth Q/P is kept as a fixed-point fraction of
 *     SCHED_DL_BW_UNIT (2^20, Linux's BW_SHIFT), rounded down: n admitted
 *     threads may exceed the cap by less than n / 2^20.
 *   - Server state per thread: absolute deadline d and runtime left r.
 *     A new (or re-parametrised) thread starts with d = now + D, r = Q.
 *   - Wake-up rule (update_dl_entity): if d has passed, or r / (d - now) >
 *     Q / D (using the rest of the runtime before d would exceed the
 *     reserved density), d = now + D, r = Q. For a constrained deadline
 *     (D < P) whose d has not passed, r = Q * (d - now) / D instead (the
 *     revised rule); and a constrained thread waking after d but before its
 *     next period (d - D + P) is throttled until then (dl_check_constrained_dl).
 *     Both keep it within Q per P.
 *   - Accounting (tick): r -= run time. When r <= 0 the thread is throttled:
 *     not pickable, not counted in rq->nr_running, until its replenishment
 *     instant d - D + P, when d += P and r += Q (repeated while r <= 0, so
 *     an overrun is paid back from the next budget); if d is then still in
 *     the past the thread lags and restarts with d = now + D, r = Q. The
 *     instant is the class's timed event (next_event/timer_fired). A thread
 *     that blocks while throttled is replenished when it wakes.
 *   - Yield = the job is done: the rest of the runtime is given up until
 *     the next replenishment (Linux's dl_yielded).
 *   - New parameters for a thread already in the class keep its server
 *     state (deadline, throttling, debt; runtime cut to the new Q), as
 *     Linux does: re-parametrising never buys budget. A thread new to the
 *     class starts a period at its next enqueue.
 *   - A throttled thread still running (its switch pending) is charged
 *     too: nothing it runs escapes the budget.
 *   - slice_left is the runtime left (or sooner, the LLF crossing), so the
 *     core's one-shot timer enforces the budget to the nanosecond.
 * Policies inside the class (struct dl_policy_ops, registered by name,
 * chosen per run queue): "edf" orders the ready tree by absolute deadline;
 * "llf" by the latest start time d - r, i.e. laxity + now. A running job's
 * laxity stays constant while a waiting job's shrinks, so the crossing
 * instant is computed (preempt_after) and handed to the one-shot timer. To
 * avoid thrashing on ties a waiting job takes over only when its laxity is
 * lower by more than the LLF granularity (default 500 us; less when the
 * running job's laxity is under twice that, see llf_preempt_after); the ready tree
 * breaks equal keys by earlier deadline, and pick_next keeps the thread
 * that was running unless a waiting one should preempt it.
 * Admission: per CPU (partitioned EDF, the default) the sum of admitted
 * Q/P stays <= that CPU's cap (default 95%); globally (sched_dl_set_global)
 * the sum over all threads stays <= the sum of the online CPUs' caps.
 * All bandwidth and overflow arithmetic is in 128 bits; all absolute times
 * are compared wrap-safely ((s64)(a - b)).
 *
 * Invariants (rq->lock held):
 *   - rq->dl.nr = threads with dl.queued; each is in exactly one of: the
 *     ready tree (in_ready), the timers tree (in_timers, t->throttled), or
 *     rq->dl.curr (running, or throttled but not yet switched out);
 *   - rq->dl.nr_throttled = nodes in the timers tree; those threads have
 *     t->throttled set and are not counted in rq->nr_running;
 *   - a thread in the ready tree has key == policy->key(t) as of insertion;
 *   - an admitted thread's dl_bw is counted once: in dl_bw[bw_cpu].total
 *     (partitioned) or dl_global_total (global).
 *
 * Locking: class hooks and dl_rq_* run with rq->lock held by the core and
 * never sleep, allocate or read a clock. dl_bw_lock (IRQ-safe, innermost:
 * taken inside rq->lock, never the other way round) protects the admission
 * state: dl_bw[], dl_global, dl_global_total, nr_dl and each thread's
 * dl.admitted/bw_cpu/dl_bw. The policy table is filled at boot (no lock). */
#include <rayos/sched.h>
#include <rayos/panic.h>
#include <rayos/spinlock.h>
#include <rayos/string.h>
#include "internal.h"

typedef unsigned __int128 u128;

#define NEVER (~0ULL)
#define PPM 1000000u

/* a * b / c for a quotient below 2^64: the product in 128 bits, then
 * long division (no __udivti3 in a freestanding kernel). */
u64 dl_mul_div(u64 a, u64 b, u64 c)
{
	u128 p = (u128)a * b;
	u64 hi = (u64)(p >> 64), lo = (u64)p, r, q = 0;

	if (!hi)
		return lo / c;
	BUG_ON(hi >= c); /* the quotient would not fit */
	r = hi;
	for (int i = 63; i >= 0; i--) {
		bool carry = r >> 63;
		r = (r << 1) | ((lo >> i) & 1);
		q <<= 1;
		if (carry || r >= c) {
			r -= c;
			q |= 1;
		}
	}
	return q;
}

static inline s64 tdiff(u64 a, u64 b) { return (s64)(a - b); }
static inline bool before(u64 a, u64 b) { return tdiff(a, b) < 0; }
static inline struct thread *dl_thread(const struct rb_node *n)
{
	return rb_entry(n, struct thread, dl.node);
}

static u64 dl_throttled_total; /* atomic */

/* ---- policies ---- */

static u64 llf_gran = SCHED_DL_LLF_GRAN_DEFAULT_NS;

static u64 edf_key(const struct thread *t)
{
	return t->dl.deadline;
}

static u64 edf_preempt_after(const struct rq *rq, const struct thread *curr, const struct thread *w)
{
	(void)rq;
	return before(w->dl.deadline, curr->dl.deadline) ? 0 : NEVER;
}

/* Latest start time: d - r = laxity + now. */
static u64 llf_key(const struct thread *t)
{
	return t->dl.deadline - (u64)(t->dl.runtime > 0 ? t->dl.runtime : 0);
}

/* curr's key grows by its run time, w's stays: w takes over once
 * key(curr) - key(w) > margin, i.e. after margin - (key(curr) - key(w)) + 1
 * ns. The margin is the granularity, or half curr's laxity when that is
 * smaller (curr's laxity is constant while it runs: key - exec_start, the
 * instant it was last charged), so a waiting job is not held past the
 * point where curr could no longer absorb the wait; as laxities approach
 * zero the margins halve, which bounds the extra switches by log2(gran). */
static u64 llf_preempt_after(const struct rq *rq, const struct thread *curr, const struct thread *w)
{
	s64 margin = (s64)READ_ONCE(llf_gran);
	s64 lax = tdiff(llf_key(curr), curr->exec_start);
	s64 diff = tdiff(llf_key(curr), llf_key(w));

	(void)rq;
	if (lax / 2 < margin)
		margin = lax > 0 ? lax / 2 : 0;
	if (diff > margin)
		return 0;
	return (u64)(margin - diff) + 1;
}

static const struct dl_policy_ops edf_policy = {
	.name = "edf", .key = edf_key, .preempt_after = edf_preempt_after,
};
static const struct dl_policy_ops llf_policy = {
	.name = "llf", .key = llf_key, .preempt_after = llf_preempt_after,
};

#define DL_POLICIES_MAX 8
static const struct dl_policy_ops *dl_policies[DL_POLICIES_MAX] = { &edf_policy, &llf_policy };

const struct dl_policy_ops *sched_dl_policy_find(const char *name)
{
	if (!name)
		return NULL;
	for (int i = 0; i < DL_POLICIES_MAX; i++)
		if (dl_policies[i] && !strcmp(dl_policies[i]->name, name))
			return dl_policies[i];
	return NULL;
}

int sched_dl_policy_register(const struct dl_policy_ops *ops)
{
	if (!ops || !ops->name || !ops->name[0] || !ops->key || !ops->preempt_after)
		return -EINVAL;
	if (sched_dl_policy_find(ops->name))
		return -EEXIST;
	for (int i = 0; i < DL_POLICIES_MAX; i++) {
		if (!dl_policies[i]) {
			dl_policies[i] = ops;
			return 0;
		}
	}
	return -ENOSPC;
}

void sched_dl_set_llf_gran(u64 ns)
{
	WRITE_ONCE(llf_gran, ns > (u64)INT64_MAX / 2 ? (u64)INT64_MAX / 2 : ns);
}

u64 sched_dl_llf_gran(void)
{
	return READ_ONCE(llf_gran);
}

/* ---- trees ---- */

static bool ready_less(const struct rb_node *a, const struct rb_node *b)
{
	const struct thread *x = dl_thread(a), *y = dl_thread(b);
	s64 d = tdiff(x->dl.key, y->dl.key);

	if (d)
		return d < 0;
	return before(x->dl.deadline, y->dl.deadline);
}

static bool timer_less(const struct rb_node *a, const struct rb_node *b)
{
	return before(dl_thread(a)->dl.repl_at, dl_thread(b)->dl.repl_at);
}

static void note_ready(struct rq *rq)
{
	struct rb_node *n = rb_first_cached(&rq->dl.ready);

	WRITE_ONCE(rq->dl.next_dl, n ? dl_thread(n)->dl.deadline : 0);
	WRITE_ONCE(rq->dl.next_dl_valid, n != NULL);
}

static void ready_add(struct rq *rq, struct thread *t)
{
	BUG_ON(t->dl.in_ready || t->dl.in_timers);
	t->dl.key = rq->dl.policy->key(t);
	rb_add_cached(&t->dl.node, &rq->dl.ready, ready_less);
	t->dl.in_ready = true;
	note_ready(rq);
}

static void ready_del(struct rq *rq, struct thread *t)
{
	rb_erase_cached(&t->dl.node, &rq->dl.ready);
	t->dl.in_ready = false;
	note_ready(rq);
}

static void timers_add(struct rq *rq, struct thread *t)
{
	BUG_ON(t->dl.in_ready || t->dl.in_timers);
	rb_add_cached(&t->dl.node, &rq->dl.timers, timer_less);
	t->dl.in_timers = true;
	rq->dl.nr_throttled++;
}

static void timers_del(struct rq *rq, struct thread *t)
{
	rb_erase_cached(&t->dl.node, &rq->dl.timers);
	t->dl.in_timers = false;
	rq->dl.nr_throttled--;
}

static struct thread *ready_first(const struct rq *rq)
{
	struct rb_node *n = rb_first_cached(&rq->dl.ready);
	return n ? dl_thread(n) : NULL;
}

static void note_curr(struct rq *rq)
{
	struct thread *c = rq->dl.curr;

	WRITE_ONCE(rq->dl.curr_dl, c ? c->dl.deadline : 0);
	WRITE_ONCE(rq->dl.curr_dl_valid, c && !c->throttled);
}

void dl_rq_init(struct dl_rq *d)
{
	rb_root_cached_init(&d->ready);
	rb_root_cached_init(&d->timers);
	d->curr = NULL;
	d->policy = &edf_policy;
	d->nr = 0;
	d->nr_throttled = 0;
	d->curr_dl = d->next_dl = 0;
	d->curr_dl_valid = d->next_dl_valid = false;
}

void dl_entity_init(struct thread *t)
{
	memset(&t->dl, 0, sizeof(t->dl));
	RB_CLEAR_NODE(&t->dl.node);
}

int dl_rq_set_policy(struct rq *rq, const char *name)
{
	const struct dl_policy_ops *p = sched_dl_policy_find(name);
	struct rb_node *n;
	struct thread *list = NULL;

	if (!p)
		return -ENOENT;
	if (p == rq->dl.policy)
		return 0;
	/* rebuild the ready tree with the new keys (the node's left pointer
	 * chains the threads while they are out of the tree) */
	while ((n = rb_first_cached(&rq->dl.ready))) {
		struct thread *t = dl_thread(n);
		ready_del(rq, t);
		t->dl.node.left = list ? &list->dl.node : NULL;
		list = t;
	}
	rq->dl.policy = p;
	while (list) {
		struct thread *t = list;
		list = t->dl.node.left ? dl_thread(t->dl.node.left) : NULL;
		ready_add(rq, t);
	}
	rq->need_resched = true;
	return 0;
}

const char *dl_rq_policy_name(const struct rq *rq)
{
	return rq->dl.policy->name;
}

/* ---- the CBS ---- */

static void charge(struct dl_entity *dl, u64 delta)
{
	const s64 floor = -(s64)(1ULL << 62);

	if (delta > (1ULL << 62))
		delta = 1ULL << 62;
	dl->exec += delta;
	dl->runtime -= (s64)delta;
	if (dl->runtime < floor)
		dl->runtime = floor;
}

static void start_period(struct rq *rq, struct dl_entity *dl)
{
	dl->deadline = rq->clock + dl->dl_deadline;
	dl->runtime = (s64)dl->dl_runtime;
}

/* replenish_dl_entity: the periods the debt covers, at once. */
static void replenish(struct rq *rq, struct thread *t)
{
	struct dl_entity *dl = &t->dl;

	if (dl->yielded && dl->runtime > 0)
		dl->runtime = 0;
	if (dl->runtime <= 0) {
		u64 n = (u64)(-dl->runtime) / dl->dl_runtime + 1;
		dl->deadline += n * dl->dl_period;
		dl->runtime += (s64)(n * dl->dl_runtime);
	}
	if (before(dl->deadline, rq->clock))
		start_period(rq, dl); /* lagging behind: restart */
	dl->yielded = false;
	dl->nr_replenished++;
}

/* Would running r more ns before d exceed the density Q / D? */
static bool overflows(const struct dl_entity *dl, u64 now)
{
	u64 laxity = dl->deadline - now;

	if (dl->runtime <= 0)
		return false;
	return (u128)(u64)dl->runtime * dl->dl_deadline > (u128)laxity * dl->dl_runtime;
}

static void wakeup_rule(struct rq *rq, struct thread *t)
{
	struct dl_entity *dl = &t->dl;
	u64 now = rq->clock;

	if (!before(dl->deadline, now) && !overflows(dl, now))
		return;
	if (dl->dl_deadline < dl->dl_period && !before(dl->deadline, now)) {
		/* revised rule: keep d, cut r to the density */
		dl->runtime = (s64)dl_mul_div(dl->dl_runtime, dl->deadline - now, dl->dl_deadline);
		if (dl->runtime > 0)
			return;
	}
	start_period(rq, dl);
}

/* The runtime is used up (or given up): throttle t until d - D + P.
 * Returns false when that instant has already come (replenished now). */
static bool throttle(struct rq *rq, struct thread *t)
{
	struct dl_entity *dl = &t->dl;

	dl->repl_at = dl->deadline - dl->dl_deadline + dl->dl_period;
	dl->nr_throttled++;
	if (dl->overrun_signal && !dl->yielded)
		WRITE_ONCE(dl->overrun_pending, true); /* SIGXCPU on the way to user mode */
	if (dl->runtime < 0 && (u64)-dl->runtime > dl->max_overrun)
		dl->max_overrun = (u64)-dl->runtime;
	__atomic_fetch_add(&dl_throttled_total, 1, __ATOMIC_RELAXED);
	if (!before(rq->clock, dl->repl_at)) {
		replenish(rq, t);
		return false;
	}
	rq_throttle(rq, t);
	if (dl->queued)
		timers_add(rq, t);
	return true;
}

static bool should_preempt(struct rq *rq, const struct thread *w)
{
	struct thread *c = rq->curr;

	if (c == rq->idle || !c->on_rq || c->throttled)
		return true;
	if (c->class != &dl_sched_class)
		return c->class->rank > dl_sched_class.rank;
	if (rq->dl.curr != c)
		return true;
	return rq->dl.policy->preempt_after(rq, c, w) == 0;
}

/* ---- class hooks ---- */

static void dl_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	struct dl_entity *dl = &t->dl;

	BUG_ON(dl->queued);
	dl->queued = true;
	rq->dl.nr++;
	if (dl->changed) {
		/* new parameters for a thread already in the class: no new
		 * budget, only the state cut to fit them */
		dl->changed = false;
		if (dl->runtime > (s64)dl->dl_runtime)
			dl->runtime = (s64)dl->dl_runtime;
		/* the deadline stays, even far ahead (periods of overrun debt
		 * already paid for): pulling it in would forgive the debt */
		if (t->throttled)
			dl->repl_at = dl->deadline - dl->dl_deadline + dl->dl_period;
	}
	if (dl->is_new) {
		dl->is_new = false;
		dl->yielded = false;
		dl->since = rq->clock;
		dl->exec = 0;
		start_period(rq, dl);
		if (t->throttled)
			rq_unthrottle(rq, t);
	}
	if (dl->pi_boosted) {
		/* inherited deadline, no CBS rules while it lasts */
		dl->deadline = dl->pi_deadline;
		if (t->throttled)
			rq_unthrottle(rq, t);
	} else if (t->throttled) {
		if (before(rq->clock, dl->repl_at)) {
			timers_add(rq, t);
			return;
		}
		replenish(rq, t);
		rq_unthrottle(rq, t);
		if (wakeup)
			wakeup_rule(rq, t);
	} else if (wakeup) {
		/* dl_check_constrained_dl: woken after d, before the next
		 * period: using the density from now on would exceed Q / P */
		if (dl->dl_deadline < dl->dl_period && before(dl->deadline, rq->clock) &&
		    before(rq->clock, dl->deadline - dl->dl_deadline + dl->dl_period)) {
			if (dl->runtime > 0)
				dl->runtime = 0;
			if (throttle(rq, t))
				return;
		}
		wakeup_rule(rq, t);
	}
	ready_add(rq, t);
}

static void dl_dequeue(struct rq *rq, struct thread *t)
{
	struct dl_entity *dl = &t->dl;

	BUG_ON(!dl->queued);
	if (dl->in_ready)
		ready_del(rq, t);
	if (dl->in_timers)
		timers_del(rq, t);
	if (rq->dl.curr == t) {
		rq->dl.curr = NULL;
		note_curr(rq);
	}
	dl->queued = false;
	rq->dl.nr--;
}

static struct thread *dl_pick_next(struct rq *rq)
{
	struct thread *w = ready_first(rq), *prev = rq->curr;

	if (!w)
		return NULL;
	/* ties (and, for LLF, laxities within the granularity) go to the
	 * thread that was running */
	if (prev != w && prev->class == &dl_sched_class && prev->dl.in_ready &&
	    rq->dl.policy->preempt_after(rq, prev, w) != 0)
		return prev;
	return w;
}

static void dl_put_prev(struct rq *rq, struct thread *t)
{
	if (rq->dl.curr != t)
		return;
	rq->dl.curr = NULL;
	if (!t->throttled)
		ready_add(rq, t);
	note_curr(rq);
}

static void dl_set_next(struct rq *rq, struct thread *t)
{
	BUG_ON(rq->dl.curr);
	if (t->throttled) {
		/* only sched_set_*() on the running thread, which has just
		 * been throttled: it stays in the timers tree */
		rq->dl.curr = t;
		note_curr(rq);
		return;
	}
	BUG_ON(!t->dl.in_ready);
	ready_del(rq, t);
	rq->dl.curr = t;
	note_curr(rq);
}

static bool dl_tick(struct rq *rq, struct thread *t, u64 delta)
{
	struct dl_entity *dl = &t->dl;
	struct thread *w;

	if (!dl->queued) {
		/* its last run time, charged after it blocked */
		charge(dl, delta);
		if (dl->runtime <= 0 && !t->throttled && !dl->pi_boosted)
			throttle(rq, t);
		return false;
	}
	charge(dl, delta);
	if (t->throttled)
		return true; /* still running until the switch: charged too */
	if (dl->runtime <= 0 && !dl->pi_boosted && throttle(rq, t))
		return true;
	note_curr(rq); /* a replenishment may have moved d */
	w = ready_first(rq);
	return w && rq->dl.curr == t && rq->dl.policy->preempt_after(rq, t, w) == 0;
}

static bool dl_preempt(struct rq *rq, struct thread *curr, struct thread *w)
{
	if (curr->throttled || rq->dl.curr != curr)
		return true;
	return rq->dl.policy->preempt_after(rq, curr, w) == 0;
}

static void dl_yield(struct rq *rq, struct thread *t)
{
	if (!t->dl.queued || t->throttled || t->dl.pi_boosted)
		return;
	t->dl.yielded = true;
	throttle(rq, t);
	note_curr(rq);
}

static u64 dl_slice_left(struct rq *rq, struct thread *t)
{
	struct thread *w;
	u64 left, pa;

	if (t->throttled || rq->dl.curr != t || t->dl.pi_boosted)
		return 0;
	if (t->dl.runtime <= 0)
		return 1;
	left = (u64)t->dl.runtime;
	w = ready_first(rq);
	if (w) {
		pa = rq->dl.policy->preempt_after(rq, t, w);
		left = MIN(left, pa ? pa : 1);
	}
	return left;
}

static u64 dl_next_event(struct rq *rq)
{
	struct rb_node *n = rb_first_cached(&rq->dl.timers);
	u64 at;

	if (!n)
		return 0;
	at = dl_thread(n)->dl.repl_at;
	return at ? at : 1; /* 0 means "none" */
}

static void dl_timer_fired(struct rq *rq)
{
	struct rb_node *n;

	while ((n = rb_first_cached(&rq->dl.timers)) && !before(rq->clock, dl_thread(n)->dl.repl_at)) {
		struct thread *t = dl_thread(n);
		timers_del(rq, t);
		replenish(rq, t);
		rq_unthrottle(rq, t);
		if (rq->dl.curr == t) {
			/* throttled but not yet switched out: runs on */
			note_curr(rq);
			continue;
		}
		ready_add(rq, t);
		if (should_preempt(rq, t))
			rq->need_resched = true;
	}
}

struct sched_class dl_sched_class = {
	.name = "deadline",
	.enqueue = dl_enqueue,
	.dequeue = dl_dequeue,
	.pick_next = dl_pick_next,
	.put_prev = dl_put_prev,
	.set_next = dl_set_next,
	.tick = dl_tick,
	.preempt = dl_preempt,
	.yield = dl_yield,
	.slice_left = dl_slice_left,
	.next_event = dl_next_event,
	.timer_fired = dl_timer_fired,
};

/* ---- parameters and admission ---- */

static spinlock_t dl_bw_lock = SPINLOCK_INIT;
/* dl_bw_lock protects: */
static struct {
	u64 total;   /* admitted bandwidth (partitioned), SCHED_DL_BW_UNIT = 1 CPU */
	u32 cap_ppm;
} dl_bw[MAX_CPUS] = { [0 ... MAX_CPUS - 1] = { 0, SCHED_DL_CAP_DEFAULT_PPM } };
static bool dl_global;
static u64 dl_global_total;
static u32 nr_dl;

static u64 cap_bw(u32 ppm)
{
	return (u64)ppm * SCHED_DL_BW_UNIT / PPM;
}

static u32 bw_ppm(u64 bw)
{
	return (u32)((bw * PPM + SCHED_DL_BW_UNIT / 2) >> SCHED_DL_BW_SHIFT); /* bw <= 2^26 */
}

static u64 to_ratio(u64 runtime, u64 period)
{
	return dl_mul_div(runtime, SCHED_DL_BW_UNIT, period);
}

int dl_check_params(u64 runtime, u64 deadline, u64 period, unsigned flags)
{
	const u64 top = 1ULL << 63;

	if (flags)
		return -EINVAL;
	if (!deadline || runtime < SCHED_DL_RUNTIME_MIN)
		return -EINVAL;
	if ((deadline & top) || (period & top) || (runtime & top))
		return -EINVAL;
	if (!period)
		period = deadline;
	if (period < deadline || deadline < runtime)
		return -EINVAL;
	if (period < SCHED_DL_PERIOD_MIN || period > SCHED_DL_PERIOD_MAX)
		return -EINVAL;
	return 0;
}

static u64 global_cap_locked(void)
{
	u64 cap = 0;

	for (u32 c = 0; c < MAX_CPUS; c++)
		if (cpus[c].online)
			cap += cap_bw(dl_bw[c].cap_ppm);
	return cap;
}

int dl_admit(struct thread *t, u64 runtime, u64 period)
{
	u64 bw = to_ratio(runtime, period), old = t->dl.admitted ? t->dl.dl_bw : 0;
	int cpu = -1, err = 0;
	irqflags_t f = spin_lock_irqsave(&dl_bw_lock);

	if (dl_global) {
		if (dl_global_total - old + bw > global_cap_locked()) {
			err = -EBUSY;
			goto out;
		}
		dl_global_total = dl_global_total - old + bw;
		cpu = (int)t->cpu;
	} else if (t->dl.admitted) {
		u32 c = t->dl.bw_cpu;
		if (dl_bw[c].total - old + bw > cap_bw(dl_bw[c].cap_ppm)) {
			err = -EBUSY;
			goto out;
		}
		dl_bw[c].total = dl_bw[c].total - old + bw;
		cpu = (int)c;
	} else {
		u64 best_free = 0;
		for (u32 c = 0; c < MAX_CPUS; c++) {
			u64 cap = cap_bw(dl_bw[c].cap_ppm), free;
			if (!cpus[c].online || !(t->affinity & (1ULL << c)))
				continue;
			free = cap > dl_bw[c].total ? cap - dl_bw[c].total : 0;
			if (free < bw)
				continue;
			if (cpu < 0 || free > best_free || (free == best_free && c == t->cpu)) {
				cpu = (int)c;
				best_free = free;
			}
		}
		if (cpu < 0) {
			err = -EBUSY;
			goto out;
		}
		dl_bw[cpu].total += bw;
	}
	if (!t->dl.admitted)
		nr_dl++;
	t->dl.admitted = true;
	t->dl.bw_cpu = (u32)cpu;
	t->dl.dl_bw = bw;
out:
	spin_unlock_irqrestore(&dl_bw_lock, f);
	return err;
}

void dl_pi_set(struct rq *rq, struct thread *t, bool boosted, u64 deadline)
{
	struct dl_entity *dl = &t->dl;
	bool queued = rq && dl->queued;
	bool running = queued && rq->dl.curr == t;

	if (queued && dl->in_ready)
		ready_del(rq, t);
	if (queued && dl->in_timers)
		timers_del(rq, t);
	if (boosted && !dl->pi_boosted)
		dl->own_deadline = dl->deadline;
	if (boosted) {
		dl->pi_deadline = deadline;
		dl->deadline = deadline;
	} else if (dl->pi_boosted) {
		dl->deadline = dl->own_deadline;
	}
	dl->pi_boosted = boosted;
	if (!queued)
		return;
	if (boosted && t->throttled)
		rq_unthrottle(rq, t);
	if (!boosted && dl->runtime <= 0 && !t->throttled && !running) {
		/* the boost ran on credit: pay the debt now */
		if (throttle(rq, t))
			return;
	}
	if (running)
		note_curr(rq);
	else if (t->throttled)
		timers_add(rq, t);
	else
		ready_add(rq, t);
}

void dl_apply_params(struct thread *t, u64 runtime, u64 deadline, u64 period)
{
	struct dl_entity *dl = &t->dl;

	dl->dl_runtime = runtime;
	dl->dl_deadline = deadline;
	dl->dl_period = period ? period : deadline;
	BUG_ON(dl->queued);
	if (t->class == &dl_sched_class) {
		dl->changed = true;
		return;
	}
	dl->is_new = true;
	dl->yielded = false;
	t->throttled = false; /* off the run queue: only the flag */
}

void sched_dl_leave(struct thread *t)
{
	irqflags_t f;

	if (!t->dl.admitted)
		return;
	f = spin_lock_irqsave(&dl_bw_lock);
	if (dl_global)
		dl_global_total -= t->dl.dl_bw;
	else
		dl_bw[t->dl.bw_cpu].total -= t->dl.dl_bw;
	nr_dl--;
	t->dl.admitted = false;
	spin_unlock_irqrestore(&dl_bw_lock, f);
	BUG_ON(t->dl.queued);
	t->throttled = false;
	t->dl.yielded = false;
}

bool sched_dl_cpu_allowed(const struct thread *t, u32 cpu)
{
	return READ_ONCE(t->class) != &dl_sched_class || !READ_ONCE(t->dl.admitted) ||
	       READ_ONCE(dl_global) || READ_ONCE(t->dl.bw_cpu) == cpu;
}

int sched_dl_get(const struct thread *t, struct sched_dl_info *out)
{
	if (!t || !out || t->class != &dl_sched_class)
		return -EINVAL;
	out->runtime = t->dl.dl_runtime;
	out->deadline = t->dl.dl_deadline;
	out->period = t->dl.dl_period;
	out->abs_deadline = t->dl.deadline;
	out->remaining = t->dl.runtime;
	out->nr_throttled = t->dl.nr_throttled;
	out->nr_replenished = t->dl.nr_replenished;
	out->max_overrun = t->dl.max_overrun;
	out->exec = t->dl.exec;
	out->since = t->dl.since;
	out->bw_ppm = bw_ppm(t->dl.dl_bw);
	out->cpu = t->dl.bw_cpu;
	out->throttled = t->throttled;
	return 0;
}

int sched_dl_set_cap(u32 cpu, u32 ppm)
{
	int err = 0;
	irqflags_t f;

	if (cpu >= MAX_CPUS)
		return -ENODEV;
	if (ppm > PPM)
		return -EINVAL;
	f = spin_lock_irqsave(&dl_bw_lock);
	if (dl_global) {
		u64 cap = global_cap_locked();
		if (cpus[cpu].online)
			cap = cap - cap_bw(dl_bw[cpu].cap_ppm) + cap_bw(ppm);
		if (dl_global_total > cap)
			err = -EBUSY;
	} else if (dl_bw[cpu].total > cap_bw(ppm)) {
		err = -EBUSY;
	}
	if (!err)
		dl_bw[cpu].cap_ppm = ppm;
	spin_unlock_irqrestore(&dl_bw_lock, f);
	return err;
}

int sched_dl_bw(u32 cpu, u32 *admitted_ppm, u32 *cap_ppm)
{
	irqflags_t f;
	u64 bw;

	if (cpu >= MAX_CPUS)
		return -ENODEV;
	f = spin_lock_irqsave(&dl_bw_lock);
	if (dl_global) {
		u32 n = 0;
		for (u32 c = 0; c < MAX_CPUS; c++)
			n += cpus[c].online;
		bw = n ? dl_global_total / n : 0;
	} else {
		bw = dl_bw[cpu].total;
	}
	if (admitted_ppm)
		*admitted_ppm = bw_ppm(bw);
	if (cap_ppm)
		*cap_ppm = dl_bw[cpu].cap_ppm;
	spin_unlock_irqrestore(&dl_bw_lock, f);
	return 0;
}

int sched_dl_set_global(bool on)
{
	int err = 0;
	irqflags_t f = spin_lock_irqsave(&dl_bw_lock);

	if (nr_dl)
		err = -EBUSY;
	else
		WRITE_ONCE(dl_global, on);
	spin_unlock_irqrestore(&dl_bw_lock, f);
	return err;
}

bool sched_dl_global(void)
{
	return READ_ONCE(dl_global);
}

u32 sched_dl_nr_threads(void)
{
	return READ_ONCE(nr_dl);
}

u64 sched_dl_throttled_total(void)
{
	return __atomic_load_n(&dl_throttled_total, __ATOMIC_RELAXED);
}

void sched_dl_reset(void)
{
	irqflags_t f = spin_lock_irqsave(&dl_bw_lock);

	for (u32 c = 0; c < MAX_CPUS; c++) {
		dl_bw[c].total = 0;
		dl_bw[c].cap_ppm = SCHED_DL_CAP_DEFAULT_PPM;
	}
	dl_global = false;
	dl_global_total = 0;
	nr_dl = 0;
	spin_unlock_irqrestore(&dl_bw_lock, f);
	llf_gran = SCHED_DL_LLF_GRAN_DEFAULT_NS;
}
