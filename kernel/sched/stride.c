/* stride.c — the share class (SCHED_STRIDE): proportional-share
 * scheduling by tickets, with stride scheduling or lottery scheduling as
 * the per-run-queue selection policy, and ticket transfers.
 *
 * Algorithm: C. A. Waldspurger and W. E. Weihl, "Stride Scheduling:
 * Deterministic Proportional-Share Resource Management", MIT/LCS/TM-528
 * (1995), the dynamic variant of its section 3:
 *   - each thread has tickets; stride = SHARE_STRIDE1 / tickets; pass
 *     advances by stride for every quantum of CPU it uses, and by the
 *     fraction used for partial quanta (pass += stride * used / quantum:
 *     the actual time is charged, so a thread that blocks early pays less);
 *   - the stride policy runs the thread with the minimum pass (ties in
 *     queueing order) for one quantum (rq->share.quantum, default
 *     SHARE_QUANTUM_NS), enforced through slice_left and the one-shot timer;
 *     a thread that wakes with a pass below the running thread's preempts
 *     it (the running one is charged up to then; with fractional charging
 *     this keeps the shares of threads that block often, which would
 *     otherwise lose the rest of every quantum they wait through);
 *   - the run queue has global tickets (sum over its queued threads) and a
 *     global pass, which advances by global stride (SHARE_STRIDE1 / global
 *     tickets) per quantum of CPU time the class uses;
 *   - join/leave: a thread that leaves (blocks, migrates) keeps
 *     remain = pass - global pass, and rejoins at global pass + remain; a
 *     new thread starts at remain = stride (client_init);
 *   - ticket modification rescales remain by new stride / old stride
 *     (client_modify), also for a queued thread, which is requeued.
 * The lottery policy (Waldspurger & Weihl, "Lottery Scheduling: Flexible
 * Proportional-Share Resource Management", OSDI 1994) draws a random
 * ticket among the queued threads' tickets at every quantum; a thread that
 * blocked after using a fraction f of its quantum gets compensation
 * tickets (its tickets / f) for its next draw (section 4.5 of that paper).
 * The draw walks the queue: O(n) per decision. Pass keeps being charged
 * under lottery too, so switching the policy back to stride is seamless.
 * The random source is get_random_u64() unless share_set_random() injects
 * another (the hosted tests use a seeded generator).
 *
 * Ticket transfer: sched_share_transfer(from, to) lends everything `from`
 * has (own + received) to `to`: from's effective tickets become 0 and
 * every thread down to's lending chain gets them (a chain member that
 * lends passes them on). Each lender remembers what it credited (lent), so
 * sched_share_return() subtracts exactly that along the chain, and later
 * changes of a lender's funding propagate as deltas. Effective tickets
 * change through the same path as a ticket modification (remain rescaled).
 * A lender that is still runnable is scheduled with the stride of one
 * ticket (it counts 0 in the global tickets).
 *
 * Invariants (rq->lock held): share_rq.nr / .tickets count exactly the
 * threads with share.queued set on this run queue (acct summed); a queued
 * thread is in the tree iff it is not share_rq.curr; acct equals
 * share_effective_tickets() and stride = SHARE_STRIDE1 / max(acct, 1)
 * (at least 1) for every thread (updated on every change); for every
 * lender, lent = its own tickets + recv, and recv of every thread equals
 * the sum of `lent` of the threads lending to it directly.
 *
 * Locking: class hooks run under rq->lock, like the other classes; ticket
 * changes of a thread (and transfers) need the lock of the run queue of
 * every thread whose effective tickets change (the kernel wrappers in
 * core.c take all run-queue locks for a transfer). The policy registry is
 * built at boot (no lock). Nothing here sleeps, allocates or reads a clock. */
#include <rayos/sched.h>
#include <rayos/panic.h>
#include <rayos/random.h>
#include <rayos/string.h>
#include "internal.h"

static u64 (*share_random)(void);
static struct share_policy stride_policy;

void share_set_random(u64 (*fn)(void))
{
	share_random = fn;
}

static u64 draw(void)
{
	return share_random ? share_random() : get_random_u64();
}

static inline s64 pdiff(u64 a, u64 b) { return (s64)(a - b); }

static inline struct thread *node_thread(const struct rb_node *n)
{
	return rb_entry(n, struct thread, share.node);
}

static bool pass_less(const struct rb_node *a, const struct rb_node *b)
{
	return pdiff(node_thread(a)->share.pass, node_thread(b)->share.pass) < 0;
}

/* stride * used / quantum, without overflow: stride <= 2^32 and
 * quantum <= 2^30, so (used % q) * stride < 2^62. */
static u64 charge(u64 used, u64 stride, u64 q)
{
	return (used / q) * stride + (used % q) * stride / q;
}

static u64 stride_of(u64 tickets)
{
	u64 s = SHARE_STRIDE1 / (tickets ? tickets : 1);
	return s ? s : 1;
}

/* v * num / den for a signed v, without overflow for num, den <= 2^32. */
static s64 rescale(s64 v, u64 num, u64 den)
{
	u64 m = v < 0 ? (u64)-v : (u64)v;
	u64 r = (m / den) * num + (m % den) * num / den;
	return v < 0 ? -(s64)r : (s64)r;
}

u64 share_effective_tickets(const struct thread *t)
{
	return t->share.lent_to ? 0 : (u64)t->share.tickets + t->share.recv;
}

void share_rq_init(struct rq *rq)
{
	struct share_rq *s = &rq->share;

	rb_root_cached_init(&s->tree);
	s->curr = NULL;
	s->tickets = 0;
	s->pass = 0;
	s->quantum = SHARE_QUANTUM_NS;
	s->nr = 0;
	s->policy = &stride_policy;
	s->nr_picks = 0;
}

void share_entity_init(struct thread *t)
{
	struct share_entity *se = &t->share;

	memset(se, 0, sizeof(*se));
	RB_CLEAR_NODE(&se->node);
}

/* ---- join / leave (paper: client_join, client_leave) ---- */

static void join(struct rq *rq, struct thread *t)
{
	struct share_rq *s = &rq->share;
	struct share_entity *se = &t->share;

	se->acct = share_effective_tickets(t);
	se->stride = stride_of(se->acct);
	if (!se->placed) {
		se->remain = (s64)se->stride; /* client_init: one stride behind */
		se->placed = true;
	}
	se->pass = s->pass + (u64)se->remain;
	rb_add_cached(&se->node, &s->tree, pass_less);
	se->queued = true;
	s->nr++;
	s->tickets += se->acct;
}

static void leave(struct rq *rq, struct thread *t)
{
	struct share_rq *s = &rq->share;
	struct share_entity *se = &t->share;

	if (s->curr == t)
		s->curr = NULL;
	else
		rb_erase_cached(&se->node, &s->tree);
	se->remain = pdiff(se->pass, s->pass);
	se->queued = false;
	s->nr--;
	s->tickets -= se->acct;
}

/* t's effective tickets may have changed: rescale remain (client_modify)
 * and requeue it in place. rq is t's run queue if t is queued, else NULL. */
static void reaccount(struct rq *rq, struct thread *t)
{
	struct share_entity *se = &t->share;
	u64 eff = share_effective_tickets(t), ns = stride_of(eff);

	if (!se->queued) {
		if (se->placed)
			se->remain = rescale(se->remain, ns, se->stride);
		se->acct = eff;
		se->stride = ns;
		return;
	}
	struct share_rq *s = &rq->share;
	bool running = s->curr == t;
	if (!running)
		rb_erase_cached(&se->node, &s->tree);
	se->remain = rescale(pdiff(se->pass, s->pass), ns, se->stride);
	s->tickets = s->tickets - se->acct + eff;
	se->acct = eff;
	se->stride = ns;
	se->pass = s->pass + (u64)se->remain;
	if (!running)
		rb_add_cached(&se->node, &s->tree, pass_less);
}

static void reaccount_any(struct thread *t)
{
	reaccount(t->share.queued ? sched_rq_of(t) : NULL, t);
}

static void propagate(struct thread *x);

void share_tickets_set(struct thread *t)
{
	reaccount(NULL, t);
	propagate(t);
}

/* x's funding (own + received) may differ from what it credited down its
 * lending chain: pass the difference on, link by link. */
static void propagate(struct thread *x)
{
	for (; x->share.lent_to; x = x->share.lent_to) {
		struct thread *to = x->share.lent_to;
		u64 f = (u64)x->share.tickets + x->share.recv;
		if (f == x->share.lent)
			break;
		to->share.recv = to->share.recv - x->share.lent + f;
		x->share.lent = f;
		reaccount_any(to);
	}
}

/* ---- class hooks ---- */

static void share_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	(void)wakeup;
	BUG_ON(t->share.queued);
	join(rq, t);
}

static void share_dequeue(struct rq *rq, struct thread *t)
{
	BUG_ON(!t->share.queued);
	leave(rq, t);
	if (rq->share.policy && rq->share.policy->left)
		rq->share.policy->left(rq, t);
}

static struct thread *share_pick_next(struct rq *rq)
{
	if (rb_empty_cached(&rq->share.tree))
		return NULL;
	return rq->share.policy->pick(rq);
}

static void share_put_prev(struct rq *rq, struct thread *t)
{
	struct share_rq *s = &rq->share;

	if (s->curr != t)
		return;
	s->curr = NULL;
	rb_add_cached(&t->share.node, &s->tree, pass_less);
}

static void share_set_next(struct rq *rq, struct thread *t)
{
	struct share_rq *s = &rq->share;

	BUG_ON(!t->share.queued || s->curr);
	rb_erase_cached(&t->share.node, &s->tree);
	s->curr = t;
	t->share.quantum_used = 0; /* a new quantum */
	t->share.lottery = 0;      /* compensation used up */
	s->nr_picks++;
}

static bool share_tick(struct rq *rq, struct thread *t, u64 delta)
{
	struct share_rq *s = &rq->share;
	struct share_entity *se = &t->share;
	u64 q = s->quantum;

	if (!se->queued) {
		/* its last run time, charged after it left */
		se->remain += (s64)charge(delta, se->stride, q);
		return false;
	}
	if (s->curr != t)
		return false;
	se->pass += charge(delta, se->stride, q);
	if (s->tickets)
		s->pass += charge(delta, stride_of(s->tickets), q);
	se->quantum_used += delta;
	if (se->quantum_used < q)
		return false;
	se->quantum_used = 0; /* quantum over: a new one if it keeps the CPU */
	return !rb_empty_cached(&s->tree);
}

/* Wake-up preemption is the policy's: stride preempts when the woken
 * thread's pass is below the running one's (both charged up to now), so a
 * thread that blocks often still gets its share; lottery waits for the
 * next draw at the end of the quantum (its compensation tickets do that
 * job). */
static bool share_preempt(struct rq *rq, struct thread *curr, struct thread *w)
{
	const struct share_policy *p = rq->share.policy;
	return p->preempt ? p->preempt(rq, curr, w) : false;
}

/* sched_yield: move behind the thread with the smallest pass. */
static void share_yield(struct rq *rq, struct thread *t)
{
	struct rb_node *left = rb_first_cached(&rq->share.tree);

	if (rq->share.curr != t || !left)
		return;
	if (pdiff(node_thread(left)->share.pass, t->share.pass) > 0)
		t->share.pass = node_thread(left)->share.pass;
}

static u64 share_slice_left(struct rq *rq, struct thread *t)
{
	struct share_rq *s = &rq->share;

	if (s->curr != t || rb_empty_cached(&s->tree))
		return 0;
	return t->share.quantum_used < s->quantum ? s->quantum - t->share.quantum_used : 1;
}

/* t->share.tickets changed (sched_set_share on a share thread). */
static void share_prio_changed(struct rq *rq, struct thread *t)
{
	reaccount(t->share.queued ? rq : NULL, t);
	propagate(t); /* a lender's funding changed */
}

struct sched_class share_sched_class = {
	.name = "share",
	.enqueue = share_enqueue,
	.dequeue = share_dequeue,
	.pick_next = share_pick_next,
	.put_prev = share_put_prev,
	.set_next = share_set_next,
	.tick = share_tick,
	.preempt = share_preempt,
	.yield = share_yield,
	.slice_left = share_slice_left,
	.prio_changed = share_prio_changed,
};

/* ---- ticket transfer ---- */

static bool is_share(const struct thread *t)
{
	return t && t->class == &share_sched_class && t->policy == SCHED_STRIDE;
}

int sched_share_transfer(struct thread *from, struct thread *to)
{
	if (!is_share(from) || !is_share(to) || from == to)
		return -EINVAL;
	if (from->share.lent_to)
		return -EBUSY;
	for (struct thread *x = to; x; x = x->share.lent_to)
		if (x == from)
			return -EDEADLK;
	from->share.lent_to = to;
	from->share.lent = 0;
	reaccount_any(from); /* effective tickets 0 */
	propagate(from); /* credit from's funding down the chain */
	return 0;
}

int sched_share_return(struct thread *from)
{
	struct thread *to;

	if (!from || !from->share.lent_to)
		return -EINVAL;
	to = from->share.lent_to;
	to->share.recv -= from->share.lent;
	from->share.lent = 0;
	from->share.lent_to = NULL;
	reaccount_any(from);
	reaccount_any(to);
	propagate(to); /* to's own loan (if any) shrinks accordingly */
	return 0;
}

/* ---- policies ---- */

static struct thread *stride_pick(struct rq *rq)
{
	return node_thread(rb_first_cached(&rq->share.tree));
}

static bool stride_preempt(struct rq *rq, struct thread *curr, struct thread *w)
{
	(void)rq;
	return pdiff(w->share.pass, curr->share.pass) < 0;
}

static u64 lottery_tickets(const struct thread *t)
{
	if (t->share.lottery)
		return t->share.lottery;
	return t->share.acct ? t->share.acct : 1;
}

static struct thread *lottery_pick(struct rq *rq)
{
	u64 total = 0, r;
	struct rb_node *n;

	for (n = rb_first_cached(&rq->share.tree); n; n = rb_next(n))
		total += lottery_tickets(node_thread(n));
	r = draw() % total;
	for (n = rb_first_cached(&rq->share.tree); n; n = rb_next(n)) {
		u64 k = lottery_tickets(node_thread(n));
		if (r < k)
			return node_thread(n);
		r -= k;
	}
	BUG_ON(1);
	return NULL;
}

/* Compensation tickets: used a fraction f < 1 of its quantum, it draws
 * with tickets / f next time (1/f at most LOTTERY_COMP_MAX). */
#define LOTTERY_COMP_MAX 1024
static void lottery_left(struct rq *rq, struct thread *t)
{
	struct share_entity *se = &t->share;
	u64 q = rq->share.quantum, base = se->acct ? se->acct : 1;

	if (se->quantum_used && se->quantum_used < q / LOTTERY_COMP_MAX)
		se->lottery = base * LOTTERY_COMP_MAX; /* keeps the sum far from overflow */
	else if (se->quantum_used && se->quantum_used < q)
		se->lottery = base * (q / se->quantum_used) +
			      base * (q % se->quantum_used) / se->quantum_used;
	else
		se->lottery = 0;
}

static struct share_policy stride_policy = { .name = "stride", .pick = stride_pick,
					     .preempt = stride_preempt };
static struct share_policy lottery_policy = { .name = "lottery", .pick = lottery_pick, .left = lottery_left };

static struct share_policy *policy_head;

int share_policy_register(struct share_policy *p)
{
	if (!p || !p->name || !p->name[0] || strlen(p->name) >= SHARE_POLICY_NAME_MAX || !p->pick)
		return -EINVAL;
	for (const struct share_policy *x = policy_head; x; x = x->next)
		if (x == p || !strcmp(x->name, p->name))
			return -EEXIST;
	p->next = policy_head;
	policy_head = p;
	return 0;
}

const struct share_policy *share_policy_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct share_policy *x = policy_head; x; x = x->next)
		if (!strcmp(x->name, name))
			return x;
	return NULL;
}

int share_policies_init(void)
{
	int err = share_policy_register(&stride_policy);
	if (!err)
		err = share_policy_register(&lottery_policy);
	return err;
}

int share_rq_set_policy(struct rq *rq, const char *name)
{
	const struct share_policy *p = share_policy_find(name);

	if (!p)
		return -ENOENT;
	rq->share.policy = p;
	/* compensation tickets belong to the lottery */
	for (struct rb_node *n = rb_first_cached(&rq->share.tree); n; n = rb_next(n))
		node_thread(n)->share.lottery = 0;
	return 0;
}

int share_rq_set_quantum(struct rq *rq, u64 ns)
{
	if (ns < 1000 || ns > SHARE_QUANTUM_MAX_NS)
		return -EINVAL;
	rq->share.quantum = ns;
	return 0;
}
