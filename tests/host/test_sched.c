/* test_sched.c — hosted tests of the portable scheduler (kernel/sched/:
 * core_rq.c, fair.c, rt.c, idle.c) driven by a discrete-event simulator.
 *
 * The simulator is sched_sim.h's (a fake clock in ns, up to SIM_NCPU
 * fake CPUs each with its own struct rq and idle thread, fake threads that
 * are CPU-bound, or alternate run bursts and sleeps, or yield or exit
 * after a burst), here with a periodic tick (tick_ns, default 1 ms) and
 * with or without the one-shot slice timer armed from rq_slice_left():
 * sched_reset(). It calls the run-queue API exactly as the real core does:
 * wake-up = set rq->clock, rq_enqueue(wakeup) then rq_wakeup_preempts();
 * block/exit = rq_dequeue(curr); yield = rq_yield(); timer interrupt =
 * rq_tick(); then rq_pick_next() on every CPU with need_resched (or whose
 * curr blocked). After every event time sim_check() checks invariants:
 * nr_running and the class counters/load against the simulator's own
 * bookkeeping, the fair red-black tree (rb_validate_cached), the rt
 * bitmap, monotonic min_vruntime, class order (curr's class is never below
 * a queued thread's, an rt curr has the top rt priority) and the CPU time
 * accounting (sum_exec equals the simulator's own measurement, exactly).
 *
 * Tests: class registry, nice weights, sched_set_* validation and class
 * moves, POSIX rt priority-change positions, pick order across classes, FIFO
 * run-to-completion, RR quanta and rotation, rt wake-up preemption, fair
 * shares (equal and by nice, within 5%), sleeper share, new threads, fair
 * latency bound, sleeper credit bound, wake-up preemption granularity,
 * yield (fair and rt), slice_left, several CPUs, migration between run
 * queues, a core that leaves rq->clock stale around enqueue/dequeue, idle.
 * Every test was checked to fail when the code it covers is broken
 * (mutation runs). Figures are printed with print_message. */
#include "sched_sim.h"

/* ---- a test-only class above the deadline class (one slot per CPU) ---- */

#define TEST_TOP_RANK (SCHED_RANK_DEADLINE - 5)

static struct thread *dl_slot[SIM_NCPU];

static void dl_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	(void)wakeup;
	assert_null(dl_slot[rq->cpu]);
	dl_slot[rq->cpu] = t;
}
static void dl_dequeue(struct rq *rq, struct thread *t)
{
	assert_ptr_equal(dl_slot[rq->cpu], t);
	dl_slot[rq->cpu] = NULL;
}
static struct thread *dl_pick_next(struct rq *rq) { return dl_slot[rq->cpu]; }
static void dl_noop(struct rq *rq, struct thread *t) { (void)rq; (void)t; }
static bool dl_tick(struct rq *rq, struct thread *t, u64 d) { (void)rq; (void)t; (void)d; return false; }
static bool dl_preempt(struct rq *rq, struct thread *c, struct thread *w)
{
	(void)rq; (void)c; (void)w;
	return false;
}
static struct thread *null_pick(struct rq *rq) { (void)rq; return NULL; }

/* no optional hooks: exercises the core's fallbacks */
static struct sched_class test_dl_class = {
	.name = "test-dl", .enqueue = dl_enqueue, .dequeue = dl_dequeue,
	.pick_next = dl_pick_next, .put_prev = dl_noop, .set_next = dl_noop,
	.tick = dl_tick, .preempt = dl_preempt,
};

/* ---- the simulator (sched_sim.h) with this file's options ---- */

/* A periodic tick of tick_ns, with or without the one-shot slice timer. */
static void sched_reset(int ncpu, u64 tick_ns, bool slice_timer)
{
	memset(dl_slot, 0, sizeof(dl_slot));
	sim_reset(ncpu);
	sim_periodic_tick(tick_ns);
	SIM.slice_timer = slice_timer;
}

static s64 lag_of(struct sim_thread *st)
{
	return (s64)(st->t.fair.vruntime - SIM.cpu[st->t.cpu].rq.fair.min_vruntime);
}

static int group_setup(void **state)
{
	(void)state;
	if (sched_classes_init() != 0)
		return -1;
	if (sched_class_register(&test_dl_class, TEST_TOP_RANK) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_free();
	memset(dl_slot, 0, sizeof(dl_slot));
	return 0;
}

/* ================================ tests ================================ */

static void test_nice_to_weight(void **state)
{
	(void)state;
	assert_int_equal(sched_nice_to_weight(0), 1024);
	assert_int_equal(sched_nice_to_weight(-20), 88761);
	assert_int_equal(sched_nice_to_weight(19), 15);
	assert_int_equal(sched_nice_to_weight(5), 335);
	assert_int_equal(sched_nice_to_weight(1), 820);
	assert_int_equal(sched_nice_to_weight(-1), 1277);
	assert_int_equal(sched_nice_to_weight(-10), 9548);
	assert_int_equal(sched_nice_to_weight(10), 110);
	for (int n = NICE_MIN; n < NICE_MAX; n++) {
		double r = (double)sched_nice_to_weight(n) / (double)sched_nice_to_weight(n + 1);
		assert_true(r >= 1.19 && r <= 1.3); /* ~10% CPU per nice step */
	}
	assert_int_equal(sched_nice_to_weight(-100), 88761); /* clamped */
	assert_int_equal(sched_nice_to_weight(100), 15);
}

static struct sched_class *good_class(struct sched_class *c, const char *name)
{
	*c = (struct sched_class){
		.name = name, .enqueue = dl_enqueue, .dequeue = dl_dequeue,
		.pick_next = null_pick, .put_prev = dl_noop, .set_next = dl_noop,
		.tick = dl_tick, .preempt = dl_preempt,
	};
	return c;
}

static void test_registry(void **state)
{
	(void)state;
	static struct sched_class bad, mid;
	const struct sched_class *c = sched_class_first();

	/* the test class goes first, then deadline above rt */
	assert_ptr_equal(c, &test_dl_class);
	assert_int_equal(c->rank, TEST_TOP_RANK);
	assert_ptr_equal(c->next, &dl_sched_class);
	assert_int_equal(dl_sched_class.rank, SCHED_RANK_DEADLINE);
	assert_ptr_equal(dl_sched_class.next, &rt_sched_class);
	assert_ptr_equal(rt_sched_class.next, &share_sched_class);
	assert_ptr_equal(share_sched_class.next, &fair_sched_class);
	assert_ptr_equal(fair_sched_class.next, &idle_sched_class);
	assert_null(idle_sched_class.next);
	assert_true(SCHED_RANK_DEADLINE < SCHED_RANK_RT && SCHED_RANK_RT < SCHED_RANK_SHARE &&
		    SCHED_RANK_SHARE < SCHED_RANK_FAIR && SCHED_RANK_FAIR < SCHED_RANK_IDLE);
	assert_ptr_equal(sched_class_find("share"), &share_sched_class);
	assert_ptr_equal(sched_class_find("fair"), &fair_sched_class);
	assert_ptr_equal(sched_class_find("rt"), &rt_sched_class);
	assert_ptr_equal(sched_class_find("idle"), &idle_sched_class);
	assert_ptr_equal(sched_class_find("deadline"), &dl_sched_class);
	assert_null(sched_class_find(NULL));

	/* missing mandatory hooks */
	assert_int_equal(sched_class_register(NULL, 25), -EINVAL);
	for (int h = 0; h < 9; h++) {
		good_class(&bad, "bad");
		switch (h) {
		case 0: bad.enqueue = NULL; break;
		case 1: bad.dequeue = NULL; break;
		case 2: bad.pick_next = NULL; break;
		case 3: bad.put_prev = NULL; break;
		case 4: bad.set_next = NULL; break;
		case 5: bad.tick = NULL; break;
		case 6: bad.preempt = NULL; break;
		case 7: bad.name = NULL; break;
		case 8: bad.name = ""; break;
		}
		assert_int_equal(sched_class_register(&bad, 25), -EINVAL);
	}
	assert_null(sched_class_find("bad"));
	/* duplicates: name, rank, the same object, the whole set again */
	assert_int_equal(sched_class_register(good_class(&bad, "fair"), 35), -EEXIST);
	assert_int_equal(sched_class_register(good_class(&bad, "other"), SCHED_RANK_FAIR), -EEXIST);
	assert_int_equal(sched_class_register(&fair_sched_class, 36), -EEXIST);
	assert_int_equal(sched_classes_init(), -EEXIST);
	assert_ptr_equal(share_sched_class.next, &fair_sched_class); /* unchanged */
	assert_int_equal(fair_sched_class.rank, SCHED_RANK_FAIR);

	/* a valid class goes between share and fair by its rank */
	assert_int_equal(sched_class_register(good_class(&mid, "test-mid"), 27), 0);
	assert_ptr_equal(share_sched_class.next, &mid);
	assert_ptr_equal(mid.next, &fair_sched_class);
	assert_ptr_equal(sched_class_find("test-mid"), &mid);
	int last = -1000, n = 0;
	for (c = sched_class_first(); c; c = c->next, n++) {
		assert_true(c->rank > last);
		last = c->rank;
	}
	assert_int_equal(n, 7);
	/* (test-mid's pick_next returns NULL: later tests check that such a
	 * class is skipped) */
}

static void test_set_validation(void **state)
{
	(void)state;
	sched_reset(1, MS, false);
	struct sim_thread *st = sim_new("t");
	struct thread *t = &st->t;

	assert_int_equal(sched_set_fair(t, NICE_MIN - 1), -EINVAL);
	assert_int_equal(sched_set_fair(t, NICE_MAX + 1), -EINVAL);
	assert_int_equal(sched_set_fair(NULL, 0), -EINVAL);
	static const int bad_policies[] = { SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE, 4, 7, -1 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_policies); i++)
		assert_int_equal(sched_set_rt(t, bad_policies[i], 50), -EINVAL);
	assert_int_equal(sched_set_rt(t, SCHED_FIFO, 0), -EINVAL);
	assert_int_equal(sched_set_rt(t, SCHED_RR, RT_PRIO_MAX + 1), -EINVAL);
	assert_int_equal(sched_set_rt(t, SCHED_FIFO, -5), -EINVAL);
	assert_int_equal(sched_set_rt(NULL, SCHED_FIFO, 5), -EINVAL);
	assert_null(t->class); /* failures change nothing */

	assert_int_equal(sched_set_fair(t, 19), 0);
	assert_ptr_equal(t->class, &fair_sched_class);
	assert_int_equal(t->policy, SCHED_NORMAL);
	assert_int_equal(t->nice, 19);
	assert_int_equal(t->fair.weight, 15);
	assert_int_equal(sched_set_fair(t, -20), 0);
	assert_int_equal(t->fair.weight, 88761);
	assert_int_equal(sched_set_rt(t, SCHED_RR, RT_PRIO_MAX), 0);
	assert_ptr_equal(t->class, &rt_sched_class);
	assert_int_equal(t->policy, SCHED_RR);
	assert_int_equal(t->rt_prio, RT_PRIO_MAX);
	assert_int_equal(t->rt.time_slice, RR_QUANTUM_NS);
	assert_int_equal(sched_set_rt(t, SCHED_FIFO, 1), 0);
	assert_int_equal(t->policy, SCHED_FIFO);
	assert_int_equal(t->rt_prio, 1);
	assert_int_equal(t->nice, -20); /* kept for a return to fair */

	/* invalid calls on a queued thread leave the queues alone */
	sim_start(st, 0, 0);
	sim_run_for(MS);
	assert_int_equal(sched_set_fair(t, 20), -EINVAL);
	assert_int_equal(sched_set_rt(t, SCHED_RR, 0), -EINVAL);
	assert_int_equal(sched_set_rt(t, SCHED_BATCH, 10), -EINVAL);
	assert_ptr_equal(t->class, &rt_sched_class);
	assert_int_equal(t->rt_prio, 1);
	assert_false(SIM.cpu[0].rq.need_resched);
	sim_run_for(MS);

	/* the idle thread keeps its class */
	assert_int_equal(sched_set_fair(&SIM.cpu[0].idle, 0), -EPERM);
	assert_int_equal(sched_set_rt(&SIM.cpu[0].idle, SCHED_FIFO, 5), -EPERM);
	assert_ptr_equal(SIM.cpu[0].idle.class, &idle_sched_class);
}

static void test_set_moves_between_classes(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *a = sim_fair("A", 0), *b = sim_fair("B", 0), *c = sim_fair("C", 0);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(c, 0, 0);
	sim_run_for(10 * MS);
	assert_int_equal(rq->nr_running, 3);
	assert_int_equal(rq->fair.nr, 3);

	/* a queued, not running fair thread becomes rt: runs at once */
	struct sim_thread *q = rq->curr == &b->t ? c : b;
	assert_int_equal(sched_set_rt(&q->t, SCHED_FIFO, 10), 0);
	sim_check(false);
	assert_true(rq->need_resched);
	assert_int_equal(rq->nr_running, 3);
	assert_int_equal(rq->fair.nr, 2);
	assert_int_equal(rq->rt.nr, 1);
	assert_int_equal(rq->fair.load, 2048);
	sim_run_for(0);
	assert_ptr_equal(rq->curr, &q->t);
	sim_run_for(5 * MS);
	assert_ptr_equal(rq->curr, &q->t); /* FIFO keeps the CPU */

	/* the running rt thread goes back to fair */
	assert_int_equal(sched_set_fair(&q->t, 0), 0);
	sim_check(false); /* consistent at once, before the reschedule */
	assert_int_equal(rq->fair.nr, 3);
	assert_int_equal(rq->rt.nr, 0);
	sim_run_for(30 * MS);
	assert_int_equal(rq->fair.load, 3 * 1024);

	/* the running fair thread becomes RR: keeps running */
	struct sim_thread *r = sim_of(rq->curr);
	assert_int_equal(sched_set_rt(&r->t, SCHED_RR, 5), 0);
	sim_check(false);
	assert_int_equal(rq->fair.nr, 2);
	assert_int_equal(rq->rt.nr, 1);
	sim_run_for(20 * MS);
	assert_ptr_equal(rq->curr, &r->t);
	assert_int_equal(r->t.rt.time_slice, RR_QUANTUM_NS - 20 * MS);

	/* renice a queued fair thread: load follows, tree stays valid */
	struct sim_thread *f = r == a ? b : a;
	assert_int_equal(sched_set_fair(&f->t, 10), 0);
	sim_check(false);
	assert_int_equal(rq->fair.load, 1024 + 110);
	assert_int_equal(f->t.fair.weight, 110);
	/* and renice the running one */
	assert_int_equal(sched_set_rt(&r->t, SCHED_RR, 5), 0);
	assert_int_equal(sched_set_fair(&r->t, -5), 0);
	sim_check(false);
	assert_int_equal(rq->fair.load, 1024 + 110 + 3121);
	sim_run_for(50 * MS);
	assert_int_equal(sched_set_fair(rq->curr == &r->t ? &r->t : &f->t, 3), 0);
	sim_run_for(50 * MS);

	/* a thread of a class without prio_changed/yield/slice_left */
	struct sim_thread *d = sim_new("D");
	d->t.class = &test_dl_class;
	sim_start(d, 0, SIM.now);
	sim_run_for(MS);
	assert_ptr_equal(rq->curr, &d->t); /* deadline rank beats all */
	assert_int_equal(rq_slice_left(rq), 0);
	rq->clock = SIM.now;
	rq_yield(rq);
	sim_run_for(0);
	assert_ptr_equal(rq->curr, &d->t);
	assert_int_equal(sched_set_fair(&d->t, 0), 0);
	sim_check(false);
	assert_int_equal(rq->fair.nr, 4);
	assert_null(dl_slot[0]);
	sim_run_for(100 * MS);
	for (int i = 0; i < SIM.nth; i++)
		assert_true(SIM.th[i]->nr_runs > 0);
}

/* Threads queued at an rt level, in list order. */
static int level_order(struct rq *rq, int prio, struct thread **out, int max)
{
	int n = 0;
	struct list_head *pos;
	list_for_each(pos, &rq->rt.queue[prio]) {
		assert_true(n < max);
		out[n++] = list_entry(pos, struct thread, rt.node);
	}
	return n;
}

static void expect_level(struct rq *rq, int prio, struct sim_thread *x0, struct sim_thread *x1, struct sim_thread *x2,
			 struct sim_thread *x3, struct sim_thread *x4)
{
	struct sim_thread *want[5] = { x0, x1, x2, x3, x4 };
	struct thread *got[8];
	int n = level_order(rq, prio, got, 8), k = 0;
	for (; k < 5 && want[k]; k++) {
		assert_true(k < n);
		assert_ptr_equal(got[k], &want[k]->t);
	}
	assert_int_equal(n, k);
}

static void test_rt_prio_change_position(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *h = sim_rt("H", SCHED_FIFO, 50);
	struct sim_thread *a = sim_rt("A", SCHED_FIFO, 10), *b = sim_rt("B", SCHED_FIFO, 10);
	struct sim_thread *c = sim_rt("C", SCHED_FIFO, 10), *d = sim_rt("D", SCHED_FIFO, 5);
	sim_start(h, 0, 0);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(c, 0, 0);
	sim_start(d, 0, 0);
	sim_run_for(MS);
	assert_ptr_equal(rq->curr, &h->t);
	expect_level(rq, 10, a, b, c, NULL, NULL);

	assert_int_equal(sched_set_rt(&b->t, SCHED_FIFO, 10), 0); /* unchanged: stays */
	expect_level(rq, 10, a, b, c, NULL, NULL);
	assert_int_equal(sched_set_rt(&c->t, SCHED_FIFO, 5), 0);  /* lowered: head */
	expect_level(rq, 5, c, d, NULL, NULL, NULL);
	assert_int_equal(sched_set_rt(&d->t, SCHED_FIFO, 10), 0); /* raised: tail */
	expect_level(rq, 10, a, b, d, NULL, NULL);
	assert_int_equal(sched_set_rt(&c->t, SCHED_FIFO, 10), 0); /* raised: tail */
	expect_level(rq, 10, a, b, d, c, NULL);
	expect_level(rq, 5, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(rq->rt.bitmap[0] & (1ULL << 5), 0);
	/* policy change at the same priority keeps the place, fills the quantum */
	assert_int_equal(sched_set_rt(&b->t, SCHED_RR, 10), 0);
	expect_level(rq, 10, a, b, d, c, NULL);
	assert_int_equal(b->t.rt.time_slice, RR_QUANTUM_NS);
	/* the running thread lowered to 10 goes to the head and keeps running */
	sim_run_for(0);
	assert_int_equal(sched_set_rt(&h->t, SCHED_FIFO, 10), 0);
	expect_level(rq, 10, h, a, b, d, c);
	sim_run_for(MS);
	assert_ptr_equal(rq->curr, &h->t);
	/* a queued thread raised above the running one preempts it */
	assert_int_equal(sched_set_rt(&c->t, SCHED_FIFO, 60), 0);
	sim_run_for(0);
	assert_ptr_equal(rq->curr, &c->t);
	expect_level(rq, 10, h, a, b, d, NULL); /* H still first at its level */
}

/* Direct walk of the class list: highest rank with a thread wins. */
static void test_pick_walk_direct(void **state)
{
	(void)state;
	sched_reset(1, MS, false);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *f = sim_fair("F", 0), *r = sim_rt("R", SCHED_RR, 1), *d = sim_new("D");
	d->t.class = &test_dl_class;

	assert_ptr_equal(rq_pick_next(rq, 0), &SIM.cpu[0].idle);
	assert_int_equal(rq->nr_switches, 0);
	rq_enqueue(rq, &f->t, false);
	rq_enqueue(rq, &r->t, false);
	rq_enqueue(rq, &d->t, false);
	assert_int_equal(rq->nr_running, 3);
	assert_true(f->t.on_rq && r->t.on_rq && d->t.on_rq);
	/* nobody asked for preemption: the idle tick does (here already
	 * during the later enqueues, which charge the idle thread first) */
	rq->need_resched = false;
	assert_true(rq_tick(rq, 10));
	assert_true(rq->need_resched);
	assert_ptr_equal(rq_pick_next(rq, 10), &d->t);
	assert_int_equal(rq->nr_switches, 1);
	assert_int_equal(SIM.cpu[0].idle.sum_exec, 10);
	rq_dequeue(rq, &d->t);
	assert_false(d->t.on_rq);
	assert_ptr_equal(rq_pick_next(rq, 20), &r->t);
	assert_int_equal(d->t.sum_exec, 10);
	rq_dequeue(rq, &r->t);
	assert_ptr_equal(rq_pick_next(rq, 30), &f->t);
	rq_dequeue(rq, &f->t);
	assert_int_equal(rq->nr_running, 0);
	assert_ptr_equal(rq_pick_next(rq, 45), &SIM.cpu[0].idle);
	assert_int_equal(f->t.sum_exec, 15);
	assert_int_equal(r->t.sum_exec, 10);
	assert_int_equal(rq->nr_switches, 4);
	assert_int_equal(f->t.nr_switches, 1);
	/* the same thread picked again is not a switch */
	rq_enqueue(rq, &f->t, true);
	assert_true(rq_wakeup_preempts(rq, &f->t)); /* idle is always preempted */
	rq_pick_next(rq, 50);
	rq_tick(rq, 51);
	assert_ptr_equal(rq_pick_next(rq, 52), &f->t);
	assert_int_equal(rq->nr_switches, 5);
	assert_int_equal(f->t.nr_switches, 2);
	/* rt wake-up vs fair curr and back */
	rq_enqueue(rq, &r->t, true);
	assert_true(rq_wakeup_preempts(rq, &r->t));
	rq_pick_next(rq, 53);
	rq_dequeue(rq, &f->t);
	rq_enqueue(rq, &f->t, true);
	assert_false(rq_wakeup_preempts(rq, &f->t)); /* fair never preempts rt */
	assert_false(rq->need_resched);
	/* the rt tick notices a higher level queued without a wake-up check */
	struct sim_thread *r2 = sim_rt("R2", SCHED_FIFO, 2);
	rq_enqueue(rq, &r2->t, true);
	assert_true(rq_tick(rq, 54));
	assert_ptr_equal(rq_pick_next(rq, 55), &r2->t);
}

/* rt always runs before fair, fair before idle, checked at every event by
 * check_invariants(); plus rt latencies and the CPU split. */
static void test_pick_order_classes(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct sim_thread *r1 = sim_rt("R1", SCHED_FIFO, 10), *r2 = sim_rt("R2", SCHED_RR, 5);
	struct sim_thread *f1 = sim_fair("F1", 0), *f2 = sim_fair("F2", 0);
	sim_bursts(r1, 3 * MS, 7 * MS);
	sim_bursts(r2, 2 * MS + 300 * US, 11 * MS);
	sim_start(f1, 0, 0);
	sim_start(f2, 0, 0);
	sim_start(r1, 0, 500 * US);
	sim_start(r2, 0, 1700 * US);
	sim_run_until(2 * SEC);
	/* R1 is the top priority: never waits */
	assert_int_equal(r1->max_wait, 0);
	/* R2 waits at most for one R1 burst */
	assert_true(r2->max_wait <= 3 * MS);
	u64 rt = r1->sim_exec + r2->sim_exec, fair = f1->sim_exec + f2->sim_exec;
	assert_int_equal(rt + fair + SIM.cpu[0].idle.sum_exec, SIM.now);
	assert_int_equal(SIM.cpu[0].idle.sum_exec, 0); /* fair threads are CPU-bound */
	expect_within((double)f1->sim_exec, (double)f2->sim_exec, 0.05, "F1 vs F2");
	print_message("  classes: R1 %.1f%% R2 %.1f%% F1 %.1f%% F2 %.1f%%, R2 max wait %.2f ms\n",
		      100.0 * r1->sim_exec / SIM.now, 100.0 * r2->sim_exec / SIM.now,
		      100.0 * f1->sim_exec / SIM.now, 100.0 * f2->sim_exec / SIM.now, r2->max_wait / 1e6);

	/* when everything sleeps, idle runs; when rt wakes, it runs at once */
	sched_reset(1, MS, true);
	struct sim_thread *s = sim_rt("S", SCHED_FIFO, 1);
	sim_bursts(s, 1 * MS, 9 * MS);
	sim_start(s, 0, 250 * US);
	sim_run_until(SEC);
	assert_int_equal(s->sim_exec, 100 * MS);
	assert_int_equal(SIM.cpu[0].idle.sum_exec, SEC - 100 * MS);
	assert_int_equal(s->max_wait, 0);
}

static void test_fifo_run_to_completion(void **state)
{
	(void)state;
	for (int timer = 0; timer < 2; timer++) {
		sched_reset(1, MS, timer);
		struct sim_thread *a = sim_rt("A", SCHED_FIFO, 50), *b = sim_rt("B", SCHED_FIFO, 50);
		struct sim_thread *c = sim_rt("C", SCHED_FIFO, 50), *d = sim_rt("D", SCHED_FIFO, 50);
		struct sim_thread *f = sim_fair("F", -20);
		sim_runs_then(a, 30 * MS, SIM_END_EXIT);
		sim_runs_then(b, 20 * MS, SIM_END_EXIT);
		sim_runs_then(c, 10 * MS, SIM_END_EXIT);
		sim_runs_then(d, 5 * MS, SIM_END_EXIT);
		sim_start(f, 0, 0);
		sim_start(a, 0, 0);
		sim_start(b, 0, 0);
		sim_start(c, 0, 0);
		sim_start(d, 0, 5 * MS + 123); /* equal priority: no preemption */
		sim_run_until(100 * MS);
		struct sim_span seg[16];
		size_t n = sim_spans(0, seg, 16);
		/* A, B, C, D in queueing order, each to completion, then F */
		assert_int_equal(n, 5);
		assert_ptr_equal(seg[0].who, &a->t);
		assert_int_equal(seg[0].start, 0);
		assert_int_equal(seg[0].end, 30 * MS);
		assert_ptr_equal(seg[1].who, &b->t);
		assert_int_equal(seg[1].end, 50 * MS);
		assert_ptr_equal(seg[2].who, &c->t);
		assert_int_equal(seg[2].end, 60 * MS);
		assert_ptr_equal(seg[3].who, &d->t);
		assert_int_equal(seg[3].end, 65 * MS);
		assert_ptr_equal(seg[4].who, &f->t);
		assert_int_equal(a->nr_runs + b->nr_runs + c->nr_runs + d->nr_runs, 4);
		assert_int_equal(d->max_wait, 60 * MS - (5 * MS + 123));
		assert_int_equal(f->sim_exec, 35 * MS);
	}
}

static void check_rr_rotation(u64 tick, bool timer)
{
	sched_reset(1, tick, timer);
	struct sim_thread *t[3] = { sim_rt("A", SCHED_RR, 10), sim_rt("B", SCHED_RR, 10), sim_rt("C", SCHED_RR, 10) };
	struct sim_thread *f = sim_fair("F", 0);
	sim_start(f, 0, 0);
	for (int i = 0; i < 3; i++)
		sim_start(t[i], 0, 0);
	sim_run_until(15 * RR_QUANTUM_NS + RR_QUANTUM_NS / 2);
	struct sim_span seg[64];
	size_t n = sim_spans(0, seg, 64);
	/* A, B, C, A, ... each a full quantum; the fair thread never runs */
	assert_int_equal(n, 16);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(seg[i].who, &t[i % 3]->t);
		if (i < n - 1)
			assert_int_equal(seg[i].end - seg[i].start, RR_QUANTUM_NS);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(t[i]->nr_runs, i == 0 ? 6 : 5);
	assert_int_equal(f->sim_exec, 0);
}

static void test_rr_quanta(void **state)
{
	(void)state;
	check_rr_rotation(MS, false);        /* quantum a multiple of the tick */
	check_rr_rotation(MS, true);
	check_rr_rotation(3 * MS, true);     /* only the slice timer is exact */
	check_rr_rotation(7 * MS + 1, true);
}

static void test_rr_preempted_keeps_quantum(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct sim_thread *a = sim_rt("A", SCHED_RR, 10), *b = sim_rt("B", SCHED_RR, 10);
	struct sim_thread *h = sim_rt("H", SCHED_FIFO, 20);
	sim_runs_then(h, 10 * MS, SIM_END_EXIT);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(h, 0, 40 * MS + 500 * US);
	sim_run_until(400 * MS);
	struct sim_span seg[16];
	size_t n = sim_spans(0, seg, 16);
	assert_true(n >= 5);
	assert_ptr_equal(seg[0].who, &a->t);
	assert_int_equal(seg[0].end, 40 * MS + 500 * US); /* preempted at once */
	assert_ptr_equal(seg[1].who, &h->t);
	assert_int_equal(seg[1].end, 50 * MS + 500 * US);
	assert_ptr_equal(seg[2].who, &a->t);               /* A resumes first... */
	assert_int_equal(seg[2].end, 110 * MS);            /* ...for the rest of its quantum */
	assert_ptr_equal(seg[3].who, &b->t);
	assert_int_equal(seg[3].end, 210 * MS);
	assert_ptr_equal(seg[4].who, &a->t);
	assert_int_equal(seg[4].end, 310 * MS);
}

static void test_rt_wakeup_preemption(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct sim_thread *l = sim_rt("L", SCHED_FIFO, 10), *e = sim_rt("E", SCHED_FIFO, 10);
	struct sim_thread *h = sim_rt("H", SCHED_FIFO, 50), *m = sim_rt("M", SCHED_RR, 30);
	struct sim_thread *f = sim_fair("F", -20);
	sim_bursts(h, 2 * MS, 7 * MS + 300 * US);
	sim_bursts(m, 1 * MS, 4 * MS + 100 * US);
	sim_runs_then(e, MS, SIM_END_EXIT);
	sim_start(f, 0, 0);
	sim_start(l, 0, 0);
	sim_start(h, 0, 3 * MS + 17);
	sim_start(m, 0, 1 * MS + 555);
	sim_start(e, 0, 5 * MS);
	sim_run_until(SEC);
	assert_int_equal(h->max_wait, 0);           /* top priority: immediate */
	assert_true(h->nr_runs > 100);
	assert_true(m->max_wait <= 2 * MS);         /* only H can delay it */
	assert_true(m->nr_runs > 150);
	assert_int_equal(e->nr_runs, 0);            /* equal priority never preempts */
	assert_true(e->t.on_rq);
	assert_int_equal(f->nr_runs, 0);            /* fair never beats rt */
	assert_int_equal(l->sim_exec + h->sim_exec + m->sim_exec, SEC);
	print_message("  rt: H %u runs, max wait 0; M %u runs, max wait %.2f ms\n",
		      (unsigned)h->nr_runs, (unsigned)m->nr_runs, m->max_wait / 1e6);

	/* directly: equal priority does not even ask for a reschedule, one
	 * level up does; also for RR */
	sched_reset(1, MS, true);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *c = sim_rt("C", SCHED_RR, 40);
	sim_start(c, 0, 0);
	sim_run_until(MS);
	for (int policy = SCHED_FIFO; policy <= SCHED_RR; policy++) {
		struct sim_thread *eq = sim_rt("eq", policy, 40), *up = sim_rt("up", policy, 41);
		rq->clock = SIM.now;
		rq_enqueue(rq, &eq->t, true);
		assert_false(rq_wakeup_preempts(rq, &eq->t));
		assert_false(rq->need_resched);
		rq_enqueue(rq, &up->t, true);
		assert_true(rq_wakeup_preempts(rq, &up->t));
		assert_true(rq->need_resched);
		rq->need_resched = false;
		rq_dequeue(rq, &up->t);
		rq_dequeue(rq, &eq->t);
	}
	sim_run_for(MS);
}

/* Run n CPU-bound fair threads with the given nices on one CPU. */
static void run_fair_mix(const int *nice, int n, u64 duration, bool timer, struct sim_thread **out)
{
	sched_reset(1, MS, timer);
	for (int i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d", i);
		out[i] = sim_fair(name, nice[i]);
		sim_start(out[i], 0, 0);
	}
	sim_run_until(duration);
}

static void test_fair_equal_share(void **state)
{
	(void)state;
	static const int nice[8] = { 0 };
	struct sim_thread *t[8];
	for (int timer = 0; timer < 2; timer++) {
		for (int n = 2; n <= 8; n += 2) {
			run_fair_mix(nice, n, 10 * SEC, timer, t);
			double worst = 0;
			for (int i = 0; i < n; i++) {
				double share = (double)t[i]->sim_exec / (double)SIM.now;
				expect_within(share, 1.0 / n, 0.05, "equal-nice share");
				double e = sim_rel_err(share, 1.0 / n);
				worst = MAX(worst, e < 0 ? -e : e);
			}
			print_message("  fair equal nice: %d threads, %s, worst share error %.3f%%\n",
				      n, timer ? "tick+slice timer" : "tick only", 100 * worst);
		}
	}
}

static void test_fair_nice_weights(void **state)
{
	(void)state;
	struct sim_thread *t[4];
	static const int two[2] = { 0, 5 };
	run_fair_mix(two, 2, 10 * SEC, true, t);
	double ratio = (double)t[0]->sim_exec / (double)t[1]->sim_exec;
	expect_within(ratio, 1024.0 / 335.0, 0.05, "nice 0 : nice 5");
	print_message("  fair nice 0 vs 5: ratio %.3f (weights %.3f)\n", ratio, 1024.0 / 335.0);

	static const int four[4] = { -5, 0, 5, 10 };
	for (int timer = 0; timer < 2; timer++) {
		run_fair_mix(four, 4, 10 * SEC, timer, t);
		double sum = 0;
		for (int i = 0; i < 4; i++)
			sum += (double)sched_nice_to_weight(four[i]);
		for (int i = 0; i < 4; i++) {
			double want = sched_nice_to_weight(four[i]) / sum;
			double got = (double)t[i]->sim_exec / (double)SIM.now;
			expect_within(got, want, 0.05, "share by weight");
			print_message("  fair nice %3d: share %.4f, weight share %.4f (%+.2f%%)\n",
				      four[i], got, want, 100 * sim_rel_err(got, want));
		}
	}
}

static void test_fair_sleeper_gets_share(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct sim_thread *s = sim_fair("S", 0), *a = sim_fair("A", 0), *b = sim_fair("B", 0);
	sim_bursts(s, 2 * MS, 2 * MS);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(s, 0, 0);
	sim_run_until(10 * SEC);
	double ss = (double)s->sim_exec / SIM.now;
	print_message("  sleeper (2 ms run / 2 ms sleep) vs 2 CPU-bound: S %.3f A %.3f B %.3f, "
		      "S max wait %.2f ms\n", ss, (double)a->sim_exec / SIM.now,
		      (double)b->sim_exec / SIM.now, s->max_wait / 1e6);
	assert_true(ss >= 0.95 / 3);   /* at least its fair share */
	assert_true(ss <= 0.5);        /* never more than it asks */
	expect_within((double)a->sim_exec, (double)b->sim_exec, 0.05, "A vs B");

	/* many short sleepers: their combined demand (~68%) makes them wait
	 * for each other, so compare with a run without the hogs. Each
	 * sleeper asks for less than a tenth (its equal share among 10): two
	 * hogs must not cost the sleepers more than 5% of their throughput,
	 * and the hogs share the rest equally. */
	double base[8];
	u64 maxw = 0;
	double worst = 10;
	for (int hogs = 0; hogs < 2; hogs++) {
		sched_reset(1, MS, true);
		struct sim_thread *w[8], *h[2] = { NULL, NULL };
		for (int i = 0; i < 8; i++) {
			w[i] = sim_fair("w", 0);
			sim_bursts(w[i], 300 * US, 3 * MS + (u64)i * 100 * US);
			sim_start(w[i], 0, (u64)i * 37 * US);
		}
		if (hogs) {
			h[0] = sim_fair("h0", 0);
			h[1] = sim_fair("h1", 0);
			sim_start(h[0], 0, 0);
			sim_start(h[1], 0, 0);
		}
		sim_run_until(100 * MS);
		for (int i = 0; i < SIM.nth; i++)
			SIM.th[i]->max_wait = 0; /* after start-up */
		sim_run_until(10 * SEC);
		for (int i = 0; i < 8; i++) {
			double share = (double)w[i]->sim_exec / SIM.now;
			if (!hogs) {
				base[i] = share;
				continue;
			}
			worst = MIN(worst, share / base[i]);
			maxw = MAX(maxw, w[i]->max_wait);
			assert_true(share >= 0.95 * base[i]);
		}
		if (hogs) {
			expect_within((double)h[0]->sim_exec, (double)h[1]->sim_exec, 0.05, "hog vs hog");
			print_message("  8 sleepers + 2 hogs: sleepers keep >= %.1f%% of their "
				      "hog-free throughput, max wait %.2f ms; hogs %.3f / %.3f\n",
				      100 * worst, maxw / 1e6, (double)h[0]->sim_exec / SIM.now,
				      (double)h[1]->sim_exec / SIM.now);
			/* a woken sleeper waits for the other sleepers at most */
			assert_true(maxw <= 8 * 300 * US + SCHED_FAIR_WAKEUP_GRAN_NS);
		}
	}
}

static void test_fair_new_thread(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *a = sim_fair("A", 0), *b = sim_fair("B", 0);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_run_until(2 * SEC);
	struct sim_thread *n = sim_fair("N", 0);
	sim_start(n, 0, SIM.now + 100 * US);
	u64 a0 = a->sim_exec, b0 = b->sim_exec, t0 = SIM.now;
	sim_run_for(300 * MS);
	/* placed just behind min_vruntime (start debit), not at its 0 vruntime */
	assert_int_equal(n->wake_lag, SCHED_FAIR_MIN_GRAN_NS);
	double d = (double)(SIM.now - t0);
	double sa = (a->sim_exec - a0) / d, sb = (b->sim_exec - b0) / d, sn = n->sim_exec / d;
	print_message("  new thread: first wait %.2f ms; next 300 ms: A %.3f B %.3f N %.3f\n",
		      n->max_wait / 1e6, sa, sb, sn);
	expect_within(sa, 1.0 / 3, 0.05, "A after N");
	expect_within(sb, 1.0 / 3, 0.05, "B after N");
	expect_within(sn, 1.0 / 3, 0.05, "N");
	assert_true(n->max_wait <= SCHED_FAIR_LATENCY_NS + SIM.tick_ns);
	(void)rq;

	/* a burst of 20 new threads while 2 run: none monopolises, the old
	 * ones keep running within the latency bound */
	for (int i = 0; i < 20; i++)
		sim_start(sim_fair("new", 0), 0, SIM.now + (u64)i * 10 * US);
	a->max_wait = b->max_wait = 0;
	sim_run_for(2 * SEC);
	/* a thread that had just run can be up to a slice ahead of the new
	 * ones (placed one virtual slice after min_vruntime): two periods */
	u64 bound = 2 * 22 * SCHED_FAIR_MIN_GRAN_NS + SIM.tick_ns, maxw = 0;
	for (int i = 0; i < SIM.nth; i++) {
		maxw = MAX(maxw, SIM.th[i]->max_wait);
		assert_true(SIM.th[i]->max_wait <= bound);
		assert_true(SIM.th[i]->nr_runs > 10);
	}
	print_message("  20 new threads next to 3: max wait %.2f ms (bound %.2f ms)\n", maxw / 1e6,
		      bound / 1e6);
}

static void test_fair_latency_bound(void **state)
{
	(void)state;
	static const int nice[32] = { 0 };
	struct sim_thread *t[32];
	static const int ns[] = { 2, 3, 4, 8, 9, 16, 32 };
	for (int timer = 0; timer < 2; timer++) {
		for (size_t k = 0; k < ARRAY_SIZE(ns); k++) {
			int n = ns[k];
			run_fair_mix(nice, n, 100 * MS, timer, t);
			/* start-up: threads created together run in creation
			 * order, the last waits for all the others' slices */
			u64 startw = 0;
			for (int i = 0; i < n; i++) {
				startw = MAX(startw, t[i]->max_wait);
				t[i]->max_wait = 0;
			}
			sim_run_until(3 * SEC);
			u64 period = MAX(SCHED_FAIR_LATENCY_NS, (u64)n * SCHED_FAIR_MIN_GRAN_NS);
			/* wait for all the others' slices, each rounded up to
			 * the tick when there is no slice timer */
			u64 slice = MAX(period / n, SCHED_FAIR_MIN_GRAN_NS);
			u64 bound = timer ? period : (u64)(n - 1) * ((slice + MS - 1) / MS * MS);
			u64 maxw = 0;
			for (int i = 0; i < n; i++)
				maxw = MAX(maxw, t[i]->max_wait);
			print_message("  fair latency: %2d threads, %s: max wait %.3f ms (bound %.3f ms), "
				      "start-up %.3f ms\n", n, timer ? "slice timer" : "1 ms tick  ",
				      maxw / 1e6, bound / 1e6, startw / 1e6);
			assert_true(maxw <= bound);
			assert_true(startw <= bound);
		}
	}
}

static void test_fair_sleeper_credit_bounded(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct sim_thread *a = sim_fair("A", 0), *b = sim_fair("B", 0), *s = sim_fair("S", 0);
	sim_add_phase(s, 1 * MS, 5 * SEC); /* then CPU-bound */
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(s, 0, 0);
	sim_run_until(5 * SEC);
	u64 a0 = a->sim_exec, b0 = b->sim_exec, s0 = s->sim_exec, t0 = SIM.now;
	sim_run_for(200 * MS);
	/* credit is bounded by the bonus, it does not grow with the sleep */
	assert_true(s->wake_lag >= -(s64)SCHED_FAIR_SLEEPER_BONUS_NS);
	double d = (double)(SIM.now - t0);
	double sa = (a->sim_exec - a0) / d, sb = (b->sim_exec - b0) / d, ss = (s->sim_exec - s0) / d;
	print_message("  5 s sleeper woken: lag %.2f ms; next 200 ms: S %.3f A %.3f B %.3f\n",
		      s->wake_lag / 1e6, ss, sa, sb);
	/* S can be ahead by at most its bonus (3 ms) plus a slice */
	assert_true(ss <= 1.0 / 3 + (double)(SCHED_FAIR_SLEEPER_BONUS_NS + SCHED_FAIR_LATENCY_NS) / d);
	assert_true(sa >= 0.3 && sb >= 0.3);
	assert_true(a->max_wait <= SCHED_FAIR_LATENCY_NS + SCHED_FAIR_SLEEPER_BONUS_NS);
}

static void test_fair_wakeup_preemption(void **state)
{
	(void)state;
	sched_reset(1, MS, true);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *a = sim_fair("A", 0);
	sim_start(a, 0, 0);
	sim_run_until(100 * MS);
	assert_ptr_equal(rq->curr, &a->t);
	u64 va = a->t.fair.vruntime;
	static const struct {
		int nice;
		s64 behind;   /* ns of vruntime behind A */
		bool preempts;
	} cases[] = {
		{ 0, 500 * 1000, false },     /* within the 1 ms granularity */
		{ 0, 2 * 1000 * 1000, true },
		{ 2, 1300 * 1000, false },    /* nice 2: granularity 1 ms * 1024/655 */
		{ 2, 2000 * 1000, true },
		{ 5, 2900 * 1000, false },    /* nice 5: 3.06 ms > the 3 ms bonus */
		{ 5, 90 * 1000 * 1000, false },
		{ 0, 100 * 1000 * 1000, true }, /* long sleeper: clamped, still preempts */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sim_thread *w = sim_fair("W", cases[i].nice);
		/* as if it had slept on this CPU at this vruntime */
		w->t.fair.placed = true;
		w->t.fair.last_rq = rq;
		w->t.fair.vruntime = va - (u64)cases[i].behind;
		rq->clock = SIM.now;
		rq_enqueue(rq, &w->t, true);
		s64 lag = (s64)(w->t.fair.vruntime - rq->fair.min_vruntime);
		assert_true(lag >= -(s64)SCHED_FAIR_SLEEPER_BONUS_NS);
		assert_int_equal(rq_wakeup_preempts(rq, &w->t), cases[i].preempts);
		assert_int_equal(rq->need_resched, cases[i].preempts);
		rq->need_resched = false;
		rq_dequeue(rq, &w->t);
		SIM.nth--; /* forget it */
		free(w);
	}

	/* in the simulation: a sleeper preempts the hog as soon as it wakes */
	struct sim_thread *s = sim_fair("S", 0);
	sim_bursts(s, 500 * US, 20 * MS);
	sim_start(s, 0, SIM.now + 333 * US);
	sim_run_for(50 * MS);
	/* new: behind A, which first finishes a slice (3 ms: two queued) */
	assert_true(s->max_wait <= SCHED_FAIR_LATENCY_NS / 2 + 1);
	s->max_wait = 0;
	sim_run_for(SEC);
	assert_true(s->nr_runs >= 45);
	assert_int_equal(s->max_wait, 0); /* every wake-up preempts A at once */
	/* the equal vruntime case: no preemption of the running thread */
	struct sim_thread *e = sim_fair("E", 0);
	e->t.fair.placed = true;
	e->t.fair.last_rq = rq;
	e->t.fair.vruntime = rq->curr->fair.vruntime;
	rq->clock = SIM.now;
	rq_enqueue(rq, &e->t, true);
	e->created = true;
	e->ready_since = SIM.now;
	assert_false(rq_wakeup_preempts(rq, &e->t));
	sim_run_for(100 * MS);

	/* no wake-up preemption (nice 5 needs 3.06 ms), but once curr has
	 * run min_gran and is more than its slice ahead of the queued thread
	 * the tick preempts it, before the slice (4.52 ms) is over */
	sched_reset(1, MS, true);
	rq = &SIM.cpu[0].rq;
	struct sim_thread *p = sim_fair("P", 0);
	sim_start(p, 0, 0);
	sim_run_until(50 * MS + 300 * US);
	rq->need_resched = true;
	sim_run_for(0); /* P picked again: its slice starts now */
	struct sim_thread *q = sim_fair("Q", 5);
	q->t.fair.placed = true;
	q->t.fair.last_rq = rq;
	q->t.fair.vruntime = p->t.fair.vruntime - 2900 * US;
	rq->clock = SIM.now;
	q->t.state = THREAD_RUNNABLE;
	rq_enqueue(rq, &q->t, true);
	q->created = true;
	q->ready_since = SIM.now;
	assert_false(rq_wakeup_preempts(rq, &q->t));
	assert_int_equal(rq_slice_left(rq), SCHED_FAIR_LATENCY_NS * 1024 / 1359);
	sim_run_for(2 * MS);
	/* ticks at +0.7 ms (< min_gran) and +1.7 ms (2.9 + 1.7 > 4.52) */
	assert_int_equal(q->nr_runs, 1);
	assert_int_equal(q->max_wait, 1700 * US);
	sim_run_for(20 * MS);
}

static void test_fair_yield(void **state)
{
	(void)state;
	/* A yields after every 1 ms of CPU: B runs next each time */
	sched_reset(1, MS, true);
	struct sim_thread *a = sim_fair("A", 0), *b = sim_fair("B", 0);
	sim_runs_then(a, MS, SIM_END_YIELD);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_run_until(SEC);
	struct sim_span seg[2048];
	size_t n = sim_spans(0, seg, 2048);
	size_t yields = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (seg[i].who == &a->t && seg[i].end - seg[i].start == MS) {
			/* a whole burst: it ended in a yield, which hands
			 * over to B */
			assert_ptr_equal(seg[i + 1].who, &b->t);
			yields++;
		}
		assert_ptr_not_equal(seg[i].who, seg[i + 1].who);
	}
	assert_true(yields > 50);
	assert_true(a->sim_exec <= b->sim_exec);
	print_message("  fair yield: A (yields every 1 ms) %.3f, B %.3f, %zu hand-overs\n",
		      (double)a->sim_exec / SIM.now, (double)b->sim_exec / SIM.now, yields);

	/* alone: yield returns to the same thread, no switch */
	sched_reset(1, MS, true);
	struct sim_thread *c = sim_fair("C", 0);
	sim_runs_then(c, 2 * MS, SIM_END_YIELD);
	sim_start(c, 0, 0);
	sim_run_until(100 * MS);
	assert_int_equal(SIM.cpu[0].rq.nr_switches, 1);
	assert_int_equal(c->sim_exec, 100 * MS);

	/* rt FIFO: yield moves to the tail of the level */
	sched_reset(1, MS, true);
	struct sim_thread *r[3] = { sim_rt("A", SCHED_FIFO, 10), sim_rt("B", SCHED_FIFO, 10),
			     sim_rt("C", SCHED_FIFO, 10) };
	for (int i = 0; i < 3; i++) {
		sim_runs_then(r[i], 5 * MS, SIM_END_YIELD);
		sim_start(r[i], 0, 0);
	}
	sim_run_until(302 * MS);
	n = sim_spans(0, seg, 2048);
	assert_int_equal(n, 61);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(seg[i].who, &r[i % 3]->t);
		assert_int_equal(seg[i].end - seg[i].start, i < 60 ? 5 * MS : 2 * MS);
	}
	/* FIFO alone: yield keeps running */
	sched_reset(1, MS, true);
	struct sim_thread *z = sim_rt("Z", SCHED_FIFO, 10);
	sim_runs_then(z, 5 * MS, SIM_END_YIELD);
	sim_start(z, 0, 0);
	sim_run_until(100 * MS);
	assert_int_equal(SIM.cpu[0].rq.nr_switches, 1);
}

static void test_slice_left(void **state)
{
	(void)state;
	sched_reset(1, MS, false);
	struct rq *rq = &SIM.cpu[0].rq;
	assert_int_equal(rq_slice_left(rq), 0); /* idle */
	struct sim_thread *a = sim_fair("A", 0), *b = sim_fair("B", 0);
	sim_start(a, 0, 0);
	sim_run_for(0);
	assert_int_equal(rq_slice_left(rq), 0); /* alone: no end */
	sim_start(b, 0, 500 * US);
	sim_run_until(500 * US);
	/* A has run 0.5 ms of its 3 ms (6 ms period / 2) */
	assert_ptr_equal(rq->curr, &a->t);
	assert_int_equal(rq_slice_left(rq), 2500 * US);
	sim_run_until(1500 * US);   /* tick at 1 ms accounted, 0.5 ms pending */
	rq->clock = SIM.now;
	assert_int_equal(rq_slice_left(rq), 1500 * US);
	sim_run_until(2 * MS);
	rq->clock = SIM.now + 900 * US;
	assert_int_equal(rq_slice_left(rq), 100 * US);
	rq->clock = SIM.now + 1200 * US;
	assert_int_equal(rq_slice_left(rq), 1); /* used up, tick pending */

	/* weights: nice 0 next to nice 5 gets 6 ms * 1024 / 1359 */
	sched_reset(1, MS, false);
	rq = &SIM.cpu[0].rq;
	struct sim_thread *x = sim_fair("X", 0), *y = sim_fair("Y", 5);
	sim_start(x, 0, 0);
	sim_start(y, 0, 0);
	sim_run_for(0);
	struct sim_thread *cur = sim_of(rq->curr);
	u64 want = SCHED_FAIR_LATENCY_NS * cur->t.fair.weight / 1359;
	assert_int_equal(rq_slice_left(rq), MAX(want, SCHED_FAIR_MIN_GRAN_NS));

	/* RR: the rest of the quantum; FIFO: none */
	sched_reset(1, MS, false);
	rq = &SIM.cpu[0].rq;
	struct sim_thread *r = sim_rt("R", SCHED_RR, 3), *ff = sim_rt("F", SCHED_FIFO, 3);
	sim_start(r, 0, 0);
	sim_start(ff, 0, 0);
	sim_run_until(30 * MS);
	assert_int_equal(rq_slice_left(rq), RR_QUANTUM_NS - 30 * MS);
	sim_run_until(100 * MS);
	assert_ptr_equal(rq->curr, &ff->t);
	assert_int_equal(rq_slice_left(rq), 0);
}

static void test_multi_cpu(void **state)
{
	(void)state;
	sched_reset(4, MS, true);
	struct sim_thread *p[4], *q[4], *r = sim_rt("R", SCHED_RR, 7), *s = sim_fair("S", 0);
	sim_bursts(r, 1 * MS, 3 * MS);
	sim_bursts(s, 2 * MS, 5 * MS);
	for (int i = 0; i < 4; i++) {
		p[i] = sim_fair("p", 0);
		q[i] = sim_fair("q", i);
		sim_start(p[i], i, (u64)i * 100 * US);
		sim_start(q[i], i, 0);
	}
	sim_start(r, 3, 2 * MS);
	sim_start(s, 2, 10 * MS);
	sim_run_until(5 * SEC);
	for (int i = 0; i < 4; i++) {
		double want = 1024.0 / (double)sched_nice_to_weight(i);
		double got = (double)p[i]->sim_exec / (double)q[i]->sim_exec;
		expect_within(got, want, 0.05, "per-CPU nice ratio");
		print_message("  cpu %d: nice 0 / nice %d = %.3f (weights %.3f)\n", i, i, got, want);
		assert_int_equal(SIM.cpu[i].idle.sum_exec, 0); /* q[i] runs from time 0 */
	}
	assert_int_equal(r->max_wait, 0);
	/* every CPU's time adds up */
	for (int i = 0; i < 4; i++) {
		u64 sum = SIM.cpu[i].idle.sum_exec;
		for (int k = 0; k < SIM.nth; k++)
			if (SIM.th[k]->home == i)
				sum += SIM.th[k]->sim_exec;
		assert_int_equal(sum, SIM.now);
	}
}

static void test_migration_normalised(void **state)
{
	(void)state;
	sched_reset(2, MS, true);
	/* CPU 0: X alone for 1 s, so its min_vruntime runs 4x faster than
	 * that of CPU 1 with four threads */
	struct sim_thread *x = sim_fair("X", 0), *o[4];
	sim_add_phase(x, SEC, MS);
	sim_start(x, 0, 0);
	for (int i = 0; i < 4; i++) {
		o[i] = sim_fair("o", 0);
		sim_start(o[i], 1, 0);
	}
	sim_run_until(SEC + 500 * US);
	assert_false(x->t.on_rq);
	x->home = 1; /* it wakes up on CPU 1 */
	sim_run_until(SEC + 2 * MS);
	assert_int_equal(x->t.cpu, 1);
	/* its lag relative to CPU 1 is what it had on CPU 0 (about zero) */
	assert_true(x->wake_lag >= -(s64)SCHED_FAIR_SLEEPER_BONUS_NS);
	assert_true(x->wake_lag <= (s64)MS);
	u64 x0 = x->sim_exec, t0 = SIM.now;
	sim_run_for(500 * MS);
	double share = (double)(x->sim_exec - x0) / (double)(SIM.now - t0);
	print_message("  migrated thread: wake lag %.3f ms, share on new CPU %.3f (fair 0.2), "
		      "max wait %.2f ms\n", x->wake_lag / 1e6, share, x->max_wait / 1e6);
	expect_within(share, 0.2, 0.05, "migrated share");
	assert_true(x->max_wait <= SCHED_FAIR_LATENCY_NS + MS);

	/* a queued thread moved without sleeping keeps its lag (>= 0) */
	struct rq *rq0 = &SIM.cpu[0].rq, *rq1 = &SIM.cpu[1].rq;
	struct sim_thread *m = NULL;
	for (int i = 0; i < 4; i++)
		if (rq1->curr != &o[i]->t)
			m = o[i];
	s64 before = lag_of(m);
	rq1->clock = SIM.now;
	rq_dequeue(rq1, &m->t);
	rq0->clock = SIM.now;
	rq_enqueue(rq0, &m->t, false);
	m->home = 0;
	s64 after = lag_of(m);
	print_message("  moved queued thread: lag %.3f ms -> %.3f ms\n", before / 1e6, after / 1e6);
	assert_true(after >= 0);
	assert_true(after <= (before > 0 ? before : 0) + 1);
	assert_true(after >= before - 1 || before < 0);
	rq_wakeup_preempts(rq0, &m->t);
	/* ready_since stays as it was (it was waiting); sim_exec stays exact */
	sim_run_for(200 * MS);
	assert_true(m->nr_runs > 0);
	assert_true(o[0]->t.on_rq);
}

/* A core that does not bring rq->clock up to date before rq_dequeue() /
 * rq_enqueue() (only rq_tick and rq_pick_next set it) still charges every
 * ns to vruntime and to the RR quantum. */
static void test_stale_clock_accounting(void **state)
{
	(void)state;
	for (int stale = 0; stale < 2; stale++) {
		sched_reset(1, MS, true);
		SIM.stale_clock = stale;
		struct sim_thread *a = sim_fair("A", 0), *b = sim_fair("B", 0);
		sim_bursts(a, 1500 * US, MS); /* blocks between ticks */
		sim_start(a, 0, 0);
		sim_start(b, 0, 0);
		sim_run_until(0);
		u64 va = a->t.fair.vruntime, vb = b->t.fair.vruntime;
		sim_run_until(SEC + 250 * US);
		/* nice 0: vruntime advances exactly with CPU time (A asks for
		 * more than half, so it is never placed forward on wake-up) */
		assert_int_equal(a->t.fair.vruntime - va, a->t.sum_exec);
		assert_int_equal(b->t.fair.vruntime - vb, b->t.sum_exec);
		print_message("  %s rq->clock: A %.3f B %.3f\n", stale ? "stale" : "fresh",
			      (double)a->sim_exec / SIM.now, (double)b->sim_exec / SIM.now);

		sched_reset(1, MS, true);
		SIM.stale_clock = stale;
		struct sim_thread *r = sim_rt("R", SCHED_RR, 5);
		sim_bursts(r, 1500 * US, MS);
		sim_start(r, 0, 0);
		sim_run_until(2 * MS);
		assert_false(r->t.on_rq);
		assert_int_equal(r->t.rt.time_slice, RR_QUANTUM_NS - 1500 * US);
	}
}

static void test_idle_and_blocking(void **state)
{
	(void)state;
	sched_reset(1, MS, false);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *a = sim_fair("A", 0);
	sim_bursts(a, 300 * US, 700 * US); /* wakes between ticks */
	sim_start(a, 0, 100 * US);
	sim_run_until(100 * MS);
	assert_int_equal(a->sim_exec, 30 * MS);
	assert_int_equal(SIM.cpu[0].idle.sum_exec, 70 * MS);
	assert_int_equal(a->max_wait, 0);
	assert_int_equal(rq->nr_switches, 200); /* idle <-> A, 100 times */
	assert_int_equal(a->t.nr_switches, 100);
	assert_int_equal(rq->nr_running, a->t.on_rq ? 1 : 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_nice_to_weight, teardown),
		cmocka_unit_test_teardown(test_registry, teardown),
		cmocka_unit_test_teardown(test_set_validation, teardown),
		cmocka_unit_test_teardown(test_set_moves_between_classes, teardown),
		cmocka_unit_test_teardown(test_rt_prio_change_position, teardown),
		cmocka_unit_test_teardown(test_pick_walk_direct, teardown),
		cmocka_unit_test_teardown(test_pick_order_classes, teardown),
		cmocka_unit_test_teardown(test_fifo_run_to_completion, teardown),
		cmocka_unit_test_teardown(test_rr_quanta, teardown),
		cmocka_unit_test_teardown(test_rr_preempted_keeps_quantum, teardown),
		cmocka_unit_test_teardown(test_rt_wakeup_preemption, teardown),
		cmocka_unit_test_teardown(test_fair_equal_share, teardown),
		cmocka_unit_test_teardown(test_fair_nice_weights, teardown),
		cmocka_unit_test_teardown(test_fair_sleeper_gets_share, teardown),
		cmocka_unit_test_teardown(test_fair_new_thread, teardown),
		cmocka_unit_test_teardown(test_fair_latency_bound, teardown),
		cmocka_unit_test_teardown(test_fair_sleeper_credit_bounded, teardown),
		cmocka_unit_test_teardown(test_fair_wakeup_preemption, teardown),
		cmocka_unit_test_teardown(test_fair_yield, teardown),
		cmocka_unit_test_teardown(test_slice_left, teardown),
		cmocka_unit_test_teardown(test_multi_cpu, teardown),
		cmocka_unit_test_teardown(test_migration_normalised, teardown),
		cmocka_unit_test_teardown(test_stale_clock_accounting, teardown),
		cmocka_unit_test_teardown(test_idle_and_blocking, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
