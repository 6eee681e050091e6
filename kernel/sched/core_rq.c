/* core_rq.c — the portable core of the scheduler: the scheduling-class
 * registry and the run-queue operations the arch-facing core (context
 * switch, timer, wake-ups) calls. No clock reads, no arch code: the hosted
 * simulator in tests/host/test_sched.c drives exactly these functions.
 *
 * Model (after Linux kernel/sched/core.c): each CPU has a struct rq; a
 * runnable thread is queued in its class's part of the rq (rq_enqueue),
 * including while it runs; rq_pick_next() walks the classes in rank order
 * and the first class whose pick_next returns a thread wins; the idle
 * thread runs when no class has one. Accounting ("update_curr"): every
 * operation that needs up-to-date state first charges the running thread
 * for the time since exec_start (sum_exec += delta) and hands the delta to
 * its class's tick hook (fair: vruntime; rt: RR quantum); a true return
 * there sets rq->need_resched.
 *
 * Invariants (with rq->lock held):
 *   - rq->nr_running = number of threads with on_rq set whose cpu is
 *     rq->cpu (the running one included, the idle thread never counted),
 *     except those their class holds throttled (t->throttled; changed only
 *     by rq_throttle/rq_unthrottle, so the count follows);
 *   - rq->curr is the last thread returned by rq_pick_next (or the idle
 *     thread); it may have been dequeued since (it is blocking), in which
 *     case rq_pick_next() does not put it back;
 *   - a thread's class hooks are only called while t->class is that class;
 *     class->set_next was called on rq->curr after it was last queued.
 * Registry: a singly linked list sorted by rank, built at boot before any
 * scheduling (no lock; registration is not allowed once CPUs schedule).
 *
 * Locking: every rq_* function and sched_set_*() on a queued thread runs
 * with the rq->lock held by the caller; nothing here takes locks, sleeps or
 * allocates. */
#include <rayos/sched.h>
#include <rayos/panic.h>
#include <rayos/string.h>
#include "internal.h"

/* ---- class registry ---- */

static struct sched_class *class_head; /* sorted by rank, ascending */

int sched_class_register(struct sched_class *c, int rank)
{
	struct sched_class *prev = NULL, *cur;

	if (!c || !c->name || !c->name[0])
		return -EINVAL;
	if (!c->enqueue || !c->dequeue || !c->pick_next || !c->put_prev ||
	    !c->set_next || !c->tick || !c->preempt)
		return -EINVAL;
	if (!c->next_event != !c->timer_fired)
		return -EINVAL;
	for (cur = class_head; cur; cur = (struct sched_class *)cur->next) {
		/* the same object twice, a name or a rank taken: ordering
		 * among equal ranks would be arbitrary */
		if (cur == c || !strcmp(cur->name, c->name) || cur->rank == rank)
			return -EEXIST;
	}
	for (cur = class_head; cur && cur->rank < rank; cur = (struct sched_class *)cur->next)
		prev = cur;
	c->rank = rank;
	c->next = cur;
	if (prev)
		prev->next = c;
	else
		class_head = c;
	return 0;
}

const struct sched_class *sched_class_first(void)
{
	return class_head;
}

const struct sched_class *sched_class_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct sched_class *c = class_head; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int sched_classes_init(void)
{
	int err = sched_class_register(&dl_sched_class, SCHED_RANK_DEADLINE);
	if (!err)
		err = sched_class_register(&rt_sched_class, SCHED_RANK_RT);
	if (!err)
		err = sched_class_register(&share_sched_class, SCHED_RANK_SHARE);
	if (!err)
		err = share_policies_init();
	if (!err)
		err = sched_class_register(&fair_sched_class, SCHED_RANK_FAIR);
	if (!err)
		err = sched_class_register(&idle_sched_class, SCHED_RANK_IDLE);
	return err;
}

/* ---- nice -> weight ---- */

/* Linux kernel/sched/core.c sched_prio_to_weight[]: each nice step is ~10%
 * of CPU (ratio ~1.25 between neighbours), 1024 at nice 0. */
static const u32 prio_to_weight[NICE_MAX - NICE_MIN + 1] = {
	/* -20 */ 88761, 71755, 56483, 46273, 36291,
	/* -15 */ 29154, 23254, 18705, 14949, 11916,
	/* -10 */  9548,  7620,  6100,  4904,  3906,
	/*  -5 */  3121,  2501,  1991,  1586,  1277,
	/*   0 */  1024,   820,   655,   526,   423,
	/*   5 */   335,   272,   215,   172,   137,
	/*  10 */   110,    87,    70,    56,    45,
	/*  15 */    36,    29,    23,    18,    15,
};

u64 sched_nice_to_weight(int nice)
{
	if (nice < NICE_MIN)
		nice = NICE_MIN;
	if (nice > NICE_MAX)
		nice = NICE_MAX;
	return prio_to_weight[nice - NICE_MIN];
}

/* ---- run queues ---- */

/* CPU number -> its run queue, recorded by rq_init(); used to find the run
 * queue of a queued thread (t->cpu) in sched_set_*(). */
static struct rq *rq_of_cpu[MAX_CPUS];

static struct rq *rq_of(struct thread *t)
{
	struct rq *rq = t->cpu < MAX_CPUS ? rq_of_cpu[t->cpu] : NULL;
	if (!rq)
		panic("sched: thread %u queued on CPU %u, which has no run queue", t->tid, t->cpu);
	return rq;
}

struct rq *sched_rq_of(struct thread *t)
{
	return rq_of(t);
}

void rq_init(struct rq *rq, u32 cpu, struct thread *idle)
{
	BUG_ON(!idle);
	rq->lock = (spinlock_t)SPINLOCK_INIT;
	rq->cpu = cpu;
	rq->nr_running = 0;
	rq->curr = idle;
	rq->idle = idle;
	rq->clock = 0;
	dl_rq_init(&rq->dl);
	fair_rq_init(&rq->fair);
	rt_rq_init(&rq->rt);
	share_rq_init(rq);
	rq->need_resched = false;
	rq->nr_switches = 0;
	rq->time_user = rq->time_kernel = rq->time_irq = rq->time_idle = 0;

	idle->class = &idle_sched_class;
	idle->state = THREAD_RUNNABLE;
	idle->on_rq = false;
	idle->cpu = cpu;
	idle->exec_start = 0;
	if (cpu < MAX_CPUS)
		rq_of_cpu[cpu] = rq;
}

static void set_clock(struct rq *rq, u64 now)
{
	if ((s64)(now - rq->clock) > 0)
		rq->clock = now;
}

/* Charge curr up to rq->clock and hand the delta to its class. curr may
 * already be dequeued (it is blocking): if rq->clock was not brought up to
 * date before that rq_dequeue(), the rest of its run time is charged here,
 * from rq_pick_next(), and the class's tick accounts it (fair: vruntime,
 * rt: RR quantum) without requeueing anything. */
static void update_curr(struct rq *rq)
{
	struct thread *c = rq->curr;
	u64 delta = 0;

	if ((s64)(rq->clock - c->exec_start) > 0)
		delta = rq->clock - c->exec_start;
	c->sum_exec += delta;
	c->exec_start = rq->clock;
	if (c->on_rq || c == rq->idle || delta) {
		if (c->class->tick(rq, c, delta))
			rq->need_resched = true;
	}
}

void rq_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	if (t->on_rq)
		panic("sched: thread %u enqueued twice", t->tid);
	if (!t->class)
		panic("sched: thread %u enqueued without a class", t->tid);
	update_curr(rq);
	t->cpu = rq->cpu;
	t->class->enqueue(rq, t, wakeup); /* may leave it throttled */
	t->on_rq = true;
	if (!t->throttled)
		rq->nr_running++;
}

void rq_dequeue(struct rq *rq, struct thread *t)
{
	bool counted;

	if (!t->on_rq || t->cpu != rq->cpu)
		panic("sched: thread %u dequeued from CPU %u but not queued there", t->tid, rq->cpu);
	if (t == rq->curr)
		update_curr(rq); /* may throttle it */
	counted = !t->throttled;
	t->class->dequeue(rq, t);
	t->on_rq = false;
	if (counted)
		rq->nr_running--;
}

void rq_throttle(struct rq *rq, struct thread *t)
{
	BUG_ON(t->throttled);
	t->throttled = true;
	if (t->on_rq)
		rq->nr_running--;
}

void rq_unthrottle(struct rq *rq, struct thread *t)
{
	BUG_ON(!t->throttled);
	t->throttled = false;
	if (t->on_rq)
		rq->nr_running++;
}

bool rq_tick(struct rq *rq, u64 now)
{
	set_clock(rq, now);
	update_curr(rq);
	return rq->need_resched;
}

struct thread *rq_pick_next(struct rq *rq, u64 now)
{
	struct thread *prev = rq->curr, *next = NULL;

	set_clock(rq, now);
	update_curr(rq);
	if (prev->on_rq)
		prev->class->put_prev(rq, prev);
	for (const struct sched_class *c = class_head; c && !next; c = c->next)
		next = c->pick_next(rq);
	if (!next)
		next = rq->idle; /* no idle class registered */
	next->class->set_next(rq, next);
	next->exec_start = rq->clock;
	rq->curr = next;
	rq->need_resched = false;
	if (next != prev) {
		rq->nr_switches++;
		next->nr_switches++;
	}
	return next;
}

bool rq_wakeup_preempts(struct rq *rq, struct thread *t)
{
	struct thread *c = rq->curr;
	bool preempt;

	if (c == t || t->throttled)
		return false; /* a throttled thread cannot run anyway */
	if (c == rq->idle || !c->on_rq)
		preempt = true;  /* idle, or curr is blocking anyway */
	else if (t->class->rank != c->class->rank)
		preempt = t->class->rank < c->class->rank;
	else
		preempt = c->class->preempt(rq, c, t);
	if (preempt)
		rq->need_resched = true;
	return preempt;
}

u64 rq_slice_left(struct rq *rq)
{
	struct thread *c = rq->curr;
	u64 left, pending;

	if (c == rq->idle || !c->on_rq || !c->class->slice_left)
		return 0;
	left = c->class->slice_left(rq, c);
	if (!left)
		return 0;
	/* time curr has run since it was last charged */
	pending = (s64)(rq->clock - c->exec_start) > 0 ? rq->clock - c->exec_start : 0;
	return left > pending ? left - pending : 1;
}

void rq_yield(struct rq *rq)
{
	struct thread *c = rq->curr;

	if (c == rq->idle || !c->on_rq)
		return;
	update_curr(rq);
	if (c->class->yield)
		c->class->yield(rq, c);
	rq->need_resched = true;
}

u64 rq_next_event(const struct rq *rq)
{
	u64 best = 0;

	for (const struct sched_class *c = class_head; c; c = c->next) {
		u64 e = c->next_event ? c->next_event((struct rq *)rq) : 0;
		if (e && (!best || (s64)(e - best) < 0))
			best = e;
	}
	return best;
}

bool rq_class_timers(struct rq *rq, u64 now)
{
	set_clock(rq, now);
	update_curr(rq);
	for (const struct sched_class *c = class_head; c; c = c->next) {
		u64 e = c->next_event ? c->next_event(rq) : 0;
		if (e && (s64)(e - rq->clock) <= 0)
			c->timer_fired(rq);
	}
	return rq->need_resched;
}

/* ---- changing a thread's class or parameters ---- */

struct sched_params {
	int policy, prio, nice;
	u32 tickets;                             /* SCHED_STRIDE */
	const struct sched_sporadic_param *ss;   /* SCHED_SPORADIC */
	u64 runtime, deadline, period; /* SCHED_DEADLINE */
};

/* Store the new parameters; the fair weight is left to the caller (a
 * queued fair thread's weight is part of its run queue's load). */
static void set_fields(struct thread *t, const struct sched_params *p)
{
	if (p->policy == SCHED_RR && t->policy != SCHED_RR)
		t->rt.time_slice = RR_QUANTUM_NS; /* a new RR thread starts full */
	t->policy = p->policy;
	t->rt_prio = p->prio;
	t->nice = p->nice;
	if (p->policy == SCHED_STRIDE)
		t->share.tickets = p->tickets;
	if (p->policy == SCHED_SPORADIC)
		rt_sporadic_setup(t, p->ss); /* sets t->rt_prio to the high priority */
	if (p->policy == SCHED_DEADLINE)
		dl_apply_params(t, p->runtime, p->deadline, p->period);
}

static int set_params(struct thread *t, const struct sched_class *nc, const struct sched_params *p)
{
	struct rq *rq;
	bool running;

	if (t->class == &idle_sched_class)
		return -EPERM;
	if (!t->class) {
		/* first assignment: the thread was zeroed and never queued */
		fair_entity_init(t);
		rt_entity_init(t); /* (t->dl is zero: not admitted, in no tree) */
		share_entity_init(t);
	}
	if (!t->on_rq) {
		if (t->class == &dl_sched_class && nc != &dl_sched_class)
			sched_dl_leave(t); /* releases its bandwidth */
		set_fields(t, p);
		t->fair.weight = sched_nice_to_weight(p->nice);
		t->class = nc;
		if (nc == &share_sched_class)
			share_tickets_set(t);
		return 0;
	}
	rq = rq_of(t);
	running = rq->curr == t;
	if (t->class == nc && nc->prio_changed) {
		/* same class: it adjusts its queue in place (fair: load and
		 * weight; rt: POSIX list position), so t keeps its place */
		if (running)
			update_curr(rq); /* charge past run time at the old weight */
		set_fields(t, p);
		if (nc != &fair_sched_class)
			t->fair.weight = sched_nice_to_weight(p->nice);
		nc->prio_changed(rq, t);
	} else {
		rq_dequeue(rq, t);
		if (t->class == &dl_sched_class && nc != &dl_sched_class)
			sched_dl_leave(t);
		set_fields(t, p);
		t->fair.weight = sched_nice_to_weight(p->nice);
		t->class = nc;
		rq_enqueue(rq, t, false);
		if (running)
			nc->set_next(rq, t);
	}
	rq->need_resched = true;
	return 0;
}

/* A boosted thread's own parameters change: keep them for later. */
static void set_base(struct thread *t, const struct sched_class *c, const struct sched_params *p)
{
	t->pi_base.class = c;
	t->pi_base.policy = p->policy;
	t->pi_base.rt_prio = p->prio;
	t->pi_base.nice = p->nice;
}

int sched_set_fair(struct thread *t, int nice)
{
	struct sched_params p = { .policy = SCHED_NORMAL, .prio = 0, .nice = nice };

	if (!t || nice < NICE_MIN || nice > NICE_MAX)
		return -EINVAL;
	if (t->pi_base.active) {
		set_base(t, &fair_sched_class, &p);
		return 0;
	}
	return set_params(t, &fair_sched_class, &p);
}

int sched_set_rt(struct thread *t, int policy, int prio)
{
	struct sched_params p = { .policy = policy, .prio = prio, .nice = 0 };

	if (!t || (policy != SCHED_FIFO && policy != SCHED_RR))
		return -EINVAL;
	if (prio < 1 || prio > RT_PRIO_MAX)
		return -EINVAL;
	if (t->class)
		p.nice = t->nice; /* kept for a later return to the fair class */
	if (t->pi_base.active) {
		p.nice = t->pi_base.nice;
		set_base(t, &rt_sched_class, &p);
		return 0;
	}
	return set_params(t, &rt_sched_class, &p);
}

int sched_boost(struct thread *t, int rt_prio)
{
	struct sched_params p;
	const struct sched_class *c;

	if (!t || rt_prio < 0 || rt_prio > RT_PRIO_MAX || !t->class)
		return -EINVAL;
	if (t->class == &idle_sched_class)
		return -EPERM;
	if (t->dl.pi_boosted) {
		if (t->class == &dl_sched_class && t->pi_base.class == &dl_sched_class) {
			/* a deadline thread's inherited deadline ends */
			dl_pi_set(t->on_rq ? rq_of(t) : NULL, t, false, 0);
			if (t->on_rq)
				rq_of(t)->need_resched = true;
		} else {
			t->dl.pi_boosted = false; /* it leaves the class below */
		}
	}
	if (!t->pi_base.active) {
		if (!rt_prio)
			return 0;
		t->pi_base.class = t->class;
		t->pi_base.policy = t->policy;
		t->pi_base.rt_prio = t->rt_prio;
		t->pi_base.nice = t->nice;
		t->pi_base.active = true;
	}
	/* its own parameters when they are at least as high as the boost: a
	 * class ranked above rt, or rt at rt_prio or higher */
	c = t->pi_base.class;
	if (!rt_prio || c->rank < rt_sched_class.rank ||
	    (c == &rt_sched_class && t->pi_base.rt_prio >= rt_prio)) {
		struct sched_sporadic_param ssp = {
			.sched_priority = t->ss.high, .sched_ss_low_priority = t->ss.low,
			.sched_ss_repl_period = t->ss.period, .sched_ss_init_budget = t->ss.budget,
			.sched_ss_max_repl = (int)t->ss.max_repl,
		};
		p = (struct sched_params){ .policy = t->pi_base.policy, .prio = t->pi_base.rt_prio,
					   .nice = t->pi_base.nice, .tickets = t->share.tickets, .ss = &ssp };
		t->pi_base.active = false; /* running with its own again */
		if (t->class == c && t->policy == p.policy && t->rt_prio == p.prio && t->nice == p.nice)
			return 0;
		/* a sporadic server restarts with a full budget (its budget was
		 * not accounted while it ran boosted as SCHED_FIFO) */
		return set_params(t, c, &p);
	}
	p = (struct sched_params){ .policy = SCHED_FIFO, .prio = rt_prio, .nice = t->pi_base.nice };
	if (t->class == &rt_sched_class && t->policy == SCHED_FIFO && t->rt_prio == rt_prio)
		return 0;
	return set_params(t, &rt_sched_class, &p);
}

int sched_boost_dl(struct thread *t, const struct thread *donor)
{
	if (!t || !t->class)
		return -EINVAL;
	if (t->class == &idle_sched_class)
		return -EPERM;
	if (!donor)
		return sched_boost(t, 0);
	if (donor->class != &dl_sched_class)
		return -EINVAL;
	u64 dd = donor->dl.deadline;
	if (!t->pi_base.active) {
		t->pi_base.class = t->class;
		t->pi_base.policy = t->policy;
		t->pi_base.rt_prio = t->rt_prio;
		t->pi_base.nice = t->nice;
		t->pi_base.active = true;
	}
	struct rq *rq = t->on_rq ? rq_of(t) : NULL;
	if (t->pi_base.class == &dl_sched_class) {
		/* a deadline thread: only an earlier deadline boosts it */
		u64 own = t->dl.pi_boosted ? t->dl.own_deadline : t->dl.deadline;
		if ((s64)(dd - own) >= 0) {
			if (t->dl.pi_boosted)
				dl_pi_set(rq, t, false, 0);
			t->pi_base.active = false;
		} else {
			dl_pi_set(rq, t, true, dd);
		}
		if (rq)
			rq->need_resched = true;
		return 0;
	}
	if (t->class == &dl_sched_class && t->dl.pi_boosted) {
		dl_pi_set(rq, t, true, dd); /* a new donor, or its new deadline */
		if (rq)
			rq->need_resched = true;
		return 0;
	}
	/* from another class into the deadline class with the donor's
	 * parameters, outside admission control (t holds no bandwidth) */
	struct sched_params p = { .policy = SCHED_DEADLINE, .prio = 0, .nice = t->pi_base.nice,
				  .tickets = t->share.tickets, .runtime = donor->dl.dl_runtime,
				  .deadline = donor->dl.dl_deadline, .period = donor->dl.dl_period };
	t->dl.pi_boosted = true;
	t->dl.pi_deadline = dd;
	return set_params(t, &dl_sched_class, &p);
}

int sched_set_share(struct thread *t, u32 tickets)
{
	struct sched_params p = { .policy = SCHED_STRIDE, .prio = 0, .nice = 0, .tickets = tickets };

	if (!t || tickets < 1 || tickets > SHARE_TICKETS_MAX)
		return -EINVAL;
	if (t->class)
		p.nice = t->nice;
	return set_params(t, &share_sched_class, &p);
}

int sched_set_sporadic(struct thread *t, const struct sched_sporadic_param *sp)
{
	struct sched_params p = { .policy = SCHED_SPORADIC, .nice = 0, .ss = sp };

	if (!t || !sp)
		return -EINVAL;
	if (sp->sched_ss_low_priority < 1 || sp->sched_priority > RT_PRIO_MAX ||
	    sp->sched_ss_low_priority >= sp->sched_priority)
		return -EINVAL;
	if (!sp->sched_ss_repl_period || !sp->sched_ss_init_budget ||
	    sp->sched_ss_init_budget > sp->sched_ss_repl_period ||
	    sp->sched_ss_repl_period > (1ULL << 62))
		return -EINVAL;
	if (sp->sched_ss_max_repl < 1 || sp->sched_ss_max_repl > SS_MAX_REPL)
		return -EINVAL;
	p.prio = sp->sched_priority;
	if (t->class)
		p.nice = t->nice;
	return set_params(t, &rt_sched_class, &p);
}

int sched_set_deadline(struct thread *t, u64 runtime, u64 deadline, u64 period, unsigned flags)
{
	struct sched_params p = { .policy = SCHED_DEADLINE, .prio = 0, .nice = 0,
				  .runtime = runtime, .deadline = deadline,
				  .period = period ? period : deadline };
	int err;

	if (!t)
		return -EINVAL;
	err = dl_check_params(runtime, deadline, period, flags);
	if (err)
		return err;
	if (t->class == &idle_sched_class)
		return -EPERM;
	if (t->class)
		p.nice = t->nice; /* kept for a later return to the fair class */
	/* decide completely (admission), then perform what cannot fail */
	err = dl_admit(t, runtime, p.period);
	if (err)
		return err;
	return set_params(t, &dl_sched_class, &p);
}
