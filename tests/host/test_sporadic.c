/* test_sporadic.c — hosted tests of the sporadic servers of the rt class
 * (kernel/sched/rt.c, SCHED_SPORADIC) on the simulator of sched_sim.h,
 * whose checker runs after every event: pending replenishments <=
 * max_repl, capacity + pending + unscheduled = budget, the POSIX assigned
 * priority of every queued server, no overdue replenishment on a queued
 * server (each happens at its instant), and every scheduled replenishment
 * against an independent model (time = start of the last contiguous run
 * at high priority + period, amount = high-priority time since the last).
 *
 * Tests: parameter validation; one server against a FIFO hog (budget per
 * period, replenishment instants, exhaustion hands over at once); wake-up
 * with capacity preempts lower work at once; the premature-replenishment
 * case of plain POSIX (a server delayed by higher-priority work); three
 * and four servers with FIFO threads and CPU hogs (no server above its
 * budget at high priority in any window of its period); the max_repl
 * limit (low priority while max_repl are pending, POSIX); a sleeping
 * server gets its budget back; policy changes in and out while queued;
 * a server moved between run queues.
 * The key tests were checked to fail under mutations of rt.c (listed in
 * the report of the change that added them). */
#include "sched_sim.h"

static struct sim_thread *server(const char *name, int high, int low, u64 budget, u64 period, int max_repl)
{
	struct sim_thread *st = sim_new(name);
	struct sched_sporadic_param p = {
		.sched_priority = high, .sched_ss_low_priority = low,
		.sched_ss_repl_period = period, .sched_ss_init_budget = budget,
		.sched_ss_max_repl = max_repl,
	};
	assert_int_equal(sched_set_sporadic(&st->t, &p), 0);
	return st;
}

static struct sim_thread *fifo(const char *name, int prio)
{
	struct sim_thread *st = sim_new(name);
	assert_int_equal(sched_set_rt(&st->t, SCHED_FIFO, prio), 0);
	return st;
}

static void expect_window_budget(struct sim_thread *st)
{
	u64 at = 0, w = sim_max_in_window(st, st->t.ss.high, st->t.ss.period, &at);
	if (w > st->t.ss.budget) {
		print_error("%s ran %llu ns at high priority in [%llu, +%llu): budget %llu\n", st->t.name,
			    (unsigned long long)w, (unsigned long long)at,
			    (unsigned long long)st->t.ss.period, (unsigned long long)st->t.ss.budget);
		fail();
	}
}

/* ================================ tests ================================ */

static void test_validation(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *st = sim_new("s");
	struct thread *t = &st->t;
	struct sched_sporadic_param ok = { 50, 10, 10 * MS, 2 * MS, 4 }, p;

	assert_int_equal(sched_set_sporadic(NULL, &ok), -EINVAL);
	assert_int_equal(sched_set_sporadic(t, NULL), -EINVAL);
	p = ok; p.sched_ss_init_budget = 11 * MS;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL); /* budget > period */
	p = ok; p.sched_ss_init_budget = 0;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL);
	p = ok; p.sched_ss_repl_period = 0;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL);
	p = ok; p.sched_ss_low_priority = 50;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL); /* low == high */
	p = ok; p.sched_ss_low_priority = 60;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL);
	p = ok; p.sched_ss_low_priority = 0;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL);
	p = ok; p.sched_priority = RT_PRIO_MAX + 1;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL);
	p = ok; p.sched_ss_max_repl = 0;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL);
	p = ok; p.sched_ss_max_repl = SS_MAX_REPL + 1;
	assert_int_equal(sched_set_sporadic(t, &p), -EINVAL);
	assert_null(t->class); /* failures change nothing */
	/* the policy is kernel-internal: sched_set_rt refuses it */
	assert_int_equal(sched_set_rt(t, SCHED_SPORADIC, 50), -EINVAL);

	p = ok; p.sched_ss_init_budget = p.sched_ss_repl_period; p.sched_ss_max_repl = SS_MAX_REPL;
	assert_int_equal(sched_set_sporadic(t, &p), 0);
	assert_int_equal(sched_set_sporadic(t, &ok), 0);
	assert_ptr_equal(t->class, &rt_sched_class);
	assert_int_equal(t->policy, SCHED_SPORADIC);
	assert_int_equal(t->rt_prio, 50);
	assert_int_equal(t->ss.capacity, 2 * MS);
	assert_int_equal(t->ss.nr, 0);
	assert_int_equal(t->ss.max_repl, 4);
}

/* One CPU-bound server over a FIFO hog between its priorities: exactly
 * budget per period at high priority, from each replenishment instant. */
static void test_server_against_hog(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *s = server("S", 50, 10, 2 * MS, 10 * MS, 4);
	struct sim_thread *m = fifo("M", 30);
	sim_start(s, 0, 0);
	sim_start(m, 0, 0);
	sim_run_until(SEC);

	assert_int_equal(sim_exec_in(s, 50, 0, SEC), 100 * 2 * MS);
	assert_int_equal(sim_exec_in(s, 10, 0, SEC), 0);     /* M always above low */
	assert_int_equal(m->sim_exec, SEC - 100 * 2 * MS);
	for (u64 k = 0; k < 100; k++) {
		/* replenished at k*10 ms and runs at once: [k*10, k*10+2) */
		assert_int_equal(sim_exec_in(s, 50, k * 10 * MS, k * 10 * MS + 2 * MS), 2 * MS);
	}
	assert_int_equal(s->t.ss.nr_exhausted, 100);
	assert_int_equal(s->t.ss.nr_replenished, 100); /* the last at 1 s itself */
	assert_int_equal(SIM.cpu[0].rq.rt.ss_exhausted, 100);
	expect_window_budget(s);
	/* replenished at 1 s and running; exhausted at 1.002 s: low level */
	assert_int_equal(s->t.rt_prio, 50);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &s->t);
	sim_run_until(SEC + 2 * MS);
	assert_int_equal(s->t.rt_prio, 10);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &m->t);
	assert_int_equal(m->max_wait, 2 * MS);
}

/* After every event: the server, queued at high priority, is running. */
static struct sim_thread *watched;
static u64 woke_low, high_waits;
static void watch_hook(void)
{
	struct thread *t = &watched->t;
	if (!t->on_rq)
		return;
	if (t->rt_prio == t->ss.high && SIM.cpu[t->cpu].rq.curr != t)
		high_waits++;
	if (t->rt_prio != t->ss.high && watched->ready_since == SIM.now)
		woke_low++;
}

/* A server with capacity preempts lower work at once: on wake-up, and
 * when a replenishment brings it back to high priority. */
static void test_preempts_at_once(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *s = server("S", 50, 10, 3 * MS, 20 * MS, 4);
	struct sim_thread *m = fifo("M", 30);
	struct sim_thread *f = sim_new("F");
	assert_int_equal(sched_set_fair(&f->t, 0), 0);
	sim_bursts(s, 1 * MS, 4 * MS + 123);
	sim_start(m, 0, 0);
	sim_start(f, 0, 0);
	sim_start(s, 0, 500 * US);
	watched = s;
	woke_low = high_waits = 0;
	SIM.hook = watch_hook;
	sim_run_until(2 * SEC);
	assert_int_equal(high_waits, 0); /* never waited at high priority */
	assert_true(woke_low > 10);      /* and it did wake up exhausted */
	/* 1 ms bursts every 5 ms need 4 ms per 20 ms period: it gets 3 */
	expect_within((double)sim_exec_in(s, 50, 0, SIM.now), 0.15 * (double)SIM.now, 0.01, "S high share");
	assert_true(f->sim_exec == 0);    /* M and S: the fair thread never runs */
	expect_window_budget(s);
	assert_true(s->t.ss.nr_scheduled > 100);
}

/* Plain POSIX posts activation_time when the server is queued at high
 * priority; a server delayed by higher-priority work after that would get
 * its budget back early and run more than its budget in a window. */
static void test_delayed_server_not_replenished_early(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *h = fifo("H", 60);
	struct sim_thread *s = server("S", 40, 1, 2 * MS, 10 * MS, 8);
	struct sim_thread *m = fifo("M", 20);
	sim_bursts(h, 9 * MS, 11 * MS);
	sim_start(h, 0, 0);
	sim_start(s, 0, 0);
	sim_start(m, 0, 0);
	sim_run_until(SEC);
	expect_window_budget(s);
	/* the first exhaustion at 11 ms is replenished at 9 + 10 ms */
	assert_int_equal(sim_exec_in(s, 40, 9 * MS, 11 * MS), 2 * MS);
	assert_int_equal(sim_exec_in(s, 40, 11 * MS, 19 * MS), 0);
	assert_int_equal(sim_exec_in(s, 40, 19 * MS, 20 * MS), MS);
	/* preempted by H at 20 ms, resumes at 29, exhausts at 30; the chunk
	 * is replenished at 29 + 10 ms, not at 19 + 10 (which is past) */
	assert_int_equal(sim_exec_in(s, 40, 29 * MS, 30 * MS), MS);
	assert_int_equal(sim_exec_in(s, 40, 30 * MS, 39 * MS), 0);
}

/* Three and four servers at different priorities with FIFO threads and
 * CPU hogs on one CPU, bursty and CPU-bound: no server ever runs more than
 * its budget at high priority in any window of its period. */
static void test_several_servers(void **state)
{
	(void)state;
	for (int variant = 0; variant < 3; variant++) {
		sim_reset(1);
		struct sim_thread *s1 = server("S1", 70, 5, 1 * MS, 5 * MS, 3);
		struct sim_thread *s2 = server("S2", 50, 15, 3 * MS, 12 * MS, 4);
		struct sim_thread *s3 = server("S3", 40, 2, 5 * MS, 30 * MS, 2);
		struct sim_thread *s4 = server("S4", 40, 25, 2 * MS, 7 * MS, SS_MAX_REPL);
		struct sim_thread *hi = fifo("HI", 80), *mid = fifo("MID", 45);
		struct sim_thread *hog = fifo("HOG", 20);
		struct sim_thread *fair = sim_new("FAIR");
		assert_int_equal(sched_set_fair(&fair->t, 0), 0);
		sim_bursts(hi, 700 * US, 9 * MS + 300 * US);
		sim_bursts(mid, 2 * MS, 13 * MS + 7);
		if (variant == 0) {
			/* all CPU-bound */
		} else if (variant == 1) {
			sim_bursts(s1, 300 * US, 1 * MS + 11);
			sim_bursts(s2, 1 * MS + 500 * US, 2 * MS + 3);
			sim_bursts(s3, 4 * MS, 3 * MS);
			sim_bursts(s4, 250 * US, 500 * US + 1);
		} else {
			sim_bursts(s1, 2 * MS, 1 * MS);
			sim_bursts(s3, 700 * US, 100 * US);
			sim_bursts(hog, 5 * MS, 5 * MS);
		}
		sim_start(s1, 0, 0);
		sim_start(s2, 0, 100 * US);
		sim_start(s3, 0, 200 * US);
		sim_start(s4, 0, 3 * MS);
		sim_start(hi, 0, 1 * MS);
		sim_start(mid, 0, 2 * MS + 17);
		sim_start(hog, 0, 0);
		sim_start(fair, 0, 0);
		sim_run_until(3 * SEC);
		struct sim_thread *sv[4] = { s1, s2, s3, s4 };
		for (int i = 0; i < 4; i++) {
			expect_window_budget(sv[i]);
			/* each got real service at high priority */
			assert_true(sim_exec_in(sv[i], sv[i]->t.ss.high, 0, SIM.now) > 0);
			assert_true(sv[i]->m_scheduled > 10);
		}
		if (variant == 1) /* the max_repl limit is reached and honoured */
			assert_int_equal(s3->m_max_pending, 2);
		print_message("  variant %d: high-priority CPU S1 %.1f%% S2 %.1f%% S3 %.1f%% S4 %.1f%%, "
			      "replenishments %llu/%llu/%llu/%llu, max pending %u/%u/%u/%u\n", variant,
			      100.0 * sim_exec_in(s1, 70, 0, SIM.now) / SIM.now,
			      100.0 * sim_exec_in(s2, 50, 0, SIM.now) / SIM.now,
			      100.0 * sim_exec_in(s3, 40, 0, SIM.now) / SIM.now,
			      100.0 * sim_exec_in(s4, 40, 0, SIM.now) / SIM.now,
			      (unsigned long long)s1->m_scheduled, (unsigned long long)s2->m_scheduled,
			      (unsigned long long)s3->m_scheduled, (unsigned long long)s4->m_scheduled,
			      s1->m_max_pending, s2->m_max_pending, s3->m_max_pending, s4->m_max_pending);
	}
}

/* POSIX: with max_repl replenishments pending the server runs at its low
 * priority even with capacity left; the first one to arrive brings it
 * back. */
static void test_max_repl_limit(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *s = server("S", 50, 10, 4 * MS, 20 * MS, 2);
	struct sim_thread *m = fifo("M", 30);
	sim_bursts(s, 500 * US, 1 * MS);
	sim_start(m, 0, 0);
	sim_start(s, 0, 0);
	/* 0.5 ms at high, sleep 1 ms (replenishment 1 pending), 0.5 ms at
	 * high, sleep (2 pending = max): wakes at 3 ms at low priority */
	sim_run_until(3 * MS);
	assert_int_equal(s->t.ss.nr, 2);
	assert_int_equal(s->t.ss.capacity, 3 * MS);
	assert_int_equal(s->t.rt_prio, 10);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &m->t);
	/* the first replenishment (0 + 20 ms) lifts it at once */
	sim_run_until(20 * MS - 1);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &m->t);
	assert_int_equal(sim_exec_in(s, 50, 2 * MS, 20 * MS), 0);
	sim_run_until(20 * MS);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &s->t);
	assert_int_equal(s->t.rt_prio, 50);
	sim_run_until(2 * SEC);
	assert_int_equal(s->m_max_pending, 2);
	expect_window_budget(s);
}

/* A server that sleeps across its replenishment times has its budget back
 * when it wakes (never more), and runs it at high priority at once. */
static void test_sleeper_gets_budget_back(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *s = server("S", 50, 10, 2 * MS, 10 * MS, 4);
	struct sim_thread *m = fifo("M", 30);
	sim_bursts(s, 1500 * US, 45 * MS);
	sim_start(m, 0, 0);
	sim_start(s, 0, 0);
	sim_run_until(46 * MS + 500 * US); /* woke at 46.5 ms */
	assert_int_equal(s->t.ss.nr, 0);
	assert_int_equal(s->t.ss.capacity, 2 * MS);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &s->t);
	sim_run_until(SEC);
	expect_window_budget(s);
	assert_int_equal(sim_exec_in(s, 10, 0, SEC), 0);
}

/* Policy changes while queued: FIFO -> sporadic (running), sporadic ->
 * FIFO (queued, replenishments pending), -> fair, -> sporadic again. */
static void test_policy_changes(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *a = fifo("A", 40), *m = fifo("M", 30);
	struct sched_sporadic_param p = { 50, 10, 10 * MS, 2 * MS, 4 };
	sim_start(a, 0, 0);
	sim_start(m, 0, 0);
	sim_run_until(5 * MS);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &a->t);
	sim_sync_clocks();
	assert_int_equal(sched_set_sporadic(&a->t, &p), 0); /* running */
	sim_run_until(5 * MS);
	a->m_seg_start = 5 * MS; /* the model starts with the server */
	sim_run_until(7 * MS);
	assert_int_equal(a->t.rt_prio, 10); /* exhausted at 7 ms */
	assert_ptr_equal(SIM.cpu[0].rq.curr, &m->t);
	sim_sync_clocks();
	assert_int_equal(sched_set_rt(&a->t, SCHED_FIFO, 35), 0); /* queued */
	sim_run_until(8 * MS);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &a->t);
	assert_true(list_empty(&SIM.cpu[0].rq.rt.ss_queued));
	assert_int_equal(rq_next_event(&SIM.cpu[0].rq), 0);
	sim_sync_clocks();
	assert_int_equal(sched_set_fair(&a->t, 0), 0);
	sim_run_until(9 * MS);
	sim_sync_clocks();
	assert_int_equal(sched_set_sporadic(&a->t, &p), 0); /* from fair, queued */
	sim_run_until(9 * MS);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &a->t);
	a->m_seg_start = 9 * MS;
	a->m_chunk = 0;
	a->m_scheduled = a->t.ss.nr_scheduled;
	sim_run_until(SEC);
	/* 2 ms from 9 ms on in every 10 ms, the last cut at 1 s */
	assert_int_equal(sim_exec_in(a, 50, 9 * MS, SEC), 99 * 2 * MS + MS);
}

/* The budget timer fires late (an overrun on every exhaustion): the
 * capacity goes negative and is paid back, nothing accumulates (plain
 * POSIX clamps it at 0 and replenishes the whole time used, so a server
 * that overruns gains budget+overrun in every later period as well as
 * amplified pending amounts). Per window of a period: budget + lateness. */
static void test_overrun_does_not_accumulate(void **state)
{
	(void)state;
	sim_reset(1);
	SIM.slice_late = 300 * US;
	struct sim_thread *s = server("S", 50, 10, 2 * MS, 10 * MS, 4);
	struct sim_thread *h = fifo("H", 60), *m = fifo("M", 30);
	sim_bursts(h, 1 * MS + 7, 6 * MS + 3); /* preempts the server now and then */
	sim_start(s, 0, 0);
	sim_start(h, 0, 4 * MS);
	sim_start(m, 0, 0);
	sim_run_until(2 * SEC);
	u64 w = sim_max_in_window(s, 50, 10 * MS, NULL);
	print_message("  overrun 300 us: most at high priority in a 10 ms window %llu us\n",
		      (unsigned long long)(w / US));
	assert_true(w <= 2 * MS + 300 * US);
	/* over the whole run no more than budget + lateness per period */
	assert_true(sim_exec_in(s, 50, 0, SIM.now) <= 200 * (2 * MS + 300 * US));
	assert_true(s->t.ss.nr_exhausted > 100);
}

/* A queued server moved to another run queue (as load balancing does)
 * takes its replenishments along; the class timer follows it. */
static void test_migration(void **state)
{
	(void)state;
	sim_reset(2);
	struct sim_thread *s = server("S", 50, 10, 2 * MS, 10 * MS, 4);
	struct sim_thread *m0 = fifo("M0", 30), *m1 = fifo("M1", 30);
	sim_start(m0, 0, 0);
	sim_start(m1, 1, 0);
	sim_start(s, 0, 0);
	sim_run_until(5 * MS); /* exhausted at 2 ms, queued at low on CPU 0 */
	assert_int_equal(s->t.rt_prio, 10);
	assert_int_equal(s->t.ss.nr, 1);
	sim_sync_clocks();
	rq_dequeue(&SIM.cpu[0].rq, &s->t);
	rq_enqueue(&SIM.cpu[1].rq, &s->t, false);
	s->home = 1;
	assert_int_equal(rq_next_event(&SIM.cpu[0].rq), 0);
	assert_int_equal(rq_next_event(&SIM.cpu[1].rq), 10 * MS);
	sim_run_until(10 * MS);
	assert_ptr_equal(SIM.cpu[1].rq.curr, &s->t);
	sim_run_until(SEC);
	expect_window_budget(s);
	assert_int_equal(sim_exec_in(s, 50, 0, SEC), 100 * 2 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_validation, sim_teardown),
		cmocka_unit_test_teardown(test_server_against_hog, sim_teardown),
		cmocka_unit_test_teardown(test_preempts_at_once, sim_teardown),
		cmocka_unit_test_teardown(test_delayed_server_not_replenished_early, sim_teardown),
		cmocka_unit_test_teardown(test_several_servers, sim_teardown),
		cmocka_unit_test_teardown(test_max_repl_limit, sim_teardown),
		cmocka_unit_test_teardown(test_sleeper_gets_budget_back, sim_teardown),
		cmocka_unit_test_teardown(test_policy_changes, sim_teardown),
		cmocka_unit_test_teardown(test_overrun_does_not_accumulate, sim_teardown),
		cmocka_unit_test_teardown(test_migration, sim_teardown),
	};
	return cmocka_run_group_tests(tests, sim_group_setup, NULL);
}
