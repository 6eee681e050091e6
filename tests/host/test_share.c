/* test_share.c — hosted tests of the share class (kernel/sched/stride.c):
 * stride and lottery scheduling and ticket transfers, on the simulator of
 * sched_sim.h (fake clock, one-shot slice timer; its checker runs after
 * every event: the pass tree, queued counts and global tickets, effective
 * tickets and strides of every thread, transfer sums, exact accounting).
 *
 * Tests: registry and validation; stride shares within 1% over long runs
 * (3:2:1, 100:1, 7:5:3:1) with the absolute error bounded at every event;
 * fractional quanta charged by actual time; dynamic join/leave (a sleeper
 * gets no credit and its share back at once); ticket changes (running,
 * queued and sleeping); lottery within a statistical bound with fixed
 * seeds, deterministic per seed, with compensation tickets; ticket transfer
 * (moves the share, composes along a chain, refuses cycles, and returns
 * exactly); the class order (rt above share above fair); migration between
 * run queues; switching the policy with threads queued.
 * The key tests were checked to fail under mutations of stride.c. */
#include "sched_sim.h"

static u64 rng_state;
static u64 xorshift(void)
{
	/* xorshift64* (Vigna): a fixed, seedable sequence */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Square root by Newton's method (no libm in the hosted link). */
static double sqrt_d(double x)
{
	double r = x > 1 ? x : 1;
	for (int i = 0; i < 100; i++)
		r = 0.5 * (r + x / r);
	return r;
}

static struct sim_thread *share(const char *name, u32 tickets)
{
	struct sim_thread *st = sim_new(name);
	assert_int_equal(sched_set_share(&st->t, tickets), 0);
	return st;
}

static int group_setup(void **state)
{
	(void)state;
	share_set_random(xorshift);
	return sched_classes_init();
}

static int teardown(void **state)
{
	(void)state;
	sim_free();
	return 0;
}

/* CPU time of st in [a, b) as a fraction of b - a. */
static double frac_in(struct sim_thread *st, u64 a, u64 b)
{
	return (double)sim_exec_in(st, -1, a, b) / (double)(b - a);
}

/* ---- absolute error bound, checked after every event ---- */
static struct sim_thread *bound_th[8];
static int bound_n;
static u64 bound_tickets, bound_from, bound_max_err;
static void bound_hook(void)
{
	u64 total = 0;
	for (int i = 0; i < bound_n; i++)
		total += bound_th[i]->sim_exec;
	if (SIM.now < bound_from)
		return;
	for (int i = 0; i < bound_n; i++) {
		double ideal = (double)total * bound_th[i]->t.share.tickets / (double)bound_tickets;
		double err = (double)bound_th[i]->sim_exec - ideal;
		u64 e = (u64)(err < 0 ? -err : err);
		bound_max_err = MAX(bound_max_err, e);
	}
}

/* ================================ tests ================================ */

static void test_registry_and_validation(void **state)
{
	(void)state;
	static struct share_policy bad, dup, extra;
	sim_reset(1);
	struct sim_thread *st = sim_new("t");

	assert_int_equal(sched_set_share(&st->t, 0), -EINVAL);
	assert_int_equal(sched_set_share(&st->t, SHARE_TICKETS_MAX + 1), -EINVAL);
	assert_int_equal(sched_set_share(NULL, 1), -EINVAL);
	assert_null(st->t.class);
	/* the policy is kernel-internal: the other setters refuse it */
	assert_int_equal(sched_set_rt(&st->t, SCHED_STRIDE, 5), -EINVAL);
	assert_int_equal(sched_set_share(&st->t, SHARE_TICKETS_MAX), 0);
	assert_int_equal(st->t.policy, SCHED_STRIDE);
	assert_ptr_equal(st->t.class, &share_sched_class);
	assert_int_equal(share_effective_tickets(&st->t), SHARE_TICKETS_MAX);

	assert_non_null(share_policy_find("stride"));
	assert_non_null(share_policy_find("lottery"));
	assert_null(share_policy_find("edf"));
	assert_null(share_policy_find(NULL));
	assert_int_equal(share_policy_register(NULL), -EINVAL);
	bad = (struct share_policy){ .name = "bad" };
	assert_int_equal(share_policy_register(&bad), -EINVAL); /* no pick */
	bad = (struct share_policy){ .name = "", .pick = share_policy_find("stride")->pick };
	assert_int_equal(share_policy_register(&bad), -EINVAL);
	dup = (struct share_policy){ .name = "lottery", .pick = share_policy_find("stride")->pick };
	assert_int_equal(share_policy_register(&dup), -EEXIST);
	extra = (struct share_policy){ .name = "test-extra", .pick = share_policy_find("stride")->pick };
	assert_int_equal(share_policy_register(&extra), 0);
	assert_int_equal(share_policy_register(&extra), -EEXIST);

	struct rq *rq = &SIM.cpu[0].rq;
	assert_string_equal(rq->share.policy->name, "stride"); /* default */
	assert_int_equal(rq->share.quantum, SHARE_QUANTUM_NS);
	assert_int_equal(share_rq_set_policy(rq, "nope"), -ENOENT);
	assert_int_equal(share_rq_set_policy(rq, "lottery"), 0);
	assert_string_equal(rq->share.policy->name, "lottery");
	assert_int_equal(share_rq_set_quantum(rq, 999), -EINVAL);
	assert_int_equal(share_rq_set_quantum(rq, SHARE_QUANTUM_MAX_NS + 1), -EINVAL);
	assert_int_equal(share_rq_set_quantum(rq, 2 * MS), 0);
	assert_int_equal(rq->share.quantum, 2 * MS);
}

static void run_ratio(const u32 *tickets, int n, u64 secs, double tol)
{
	sim_reset(1);
	u64 sum = 0;
	bound_n = n;
	for (int i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "T%d", i);
		bound_th[i] = share(name, tickets[i]);
		sim_start(bound_th[i], 0, 0);
		sum += tickets[i];
	}
	bound_tickets = sum;
	bound_from = 0;
	bound_max_err = 0;
	SIM.hook = bound_hook;
	sim_run_until(secs * SEC);
	for (int i = 0; i < n; i++)
		expect_within((double)bound_th[i]->sim_exec / (double)SIM.now, (double)tickets[i] / (double)sum,
			      tol, bound_th[i]->t.name);
	print_message("  stride %d threads over %llu s: max absolute error %.2f quanta\n", n,
		      (unsigned long long)secs, (double)bound_max_err / (double)SHARE_QUANTUM_NS);
	/* deterministic: never more than n quanta from the ideal, at any time */
	assert_true(bound_max_err <= (u64)n * SHARE_QUANTUM_NS);
}

static void test_stride_ratios(void **state)
{
	(void)state;
	static const u32 r321[] = { 3, 2, 1 }, r1001[] = { 100, 1 }, r7531[] = { 7, 5, 3, 1 };
	static const u32 big[] = { SHARE_TICKETS_MAX, 500000, 100000 };
	run_ratio(r321, 3, 30, 0.01);
	run_ratio(r1001, 2, 30, 0.01);
	run_ratio(r7531, 4, 20, 0.01);
	run_ratio(big, 3, 60, 0.01);
}

/* Threads that use part of their quantum pay for what they use: a thread
 * running 200 us bursts keeps its proportional share (stride charges the
 * actual time, and a woken thread behind in pass preempts). */
static void test_fractional_quanta(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *a = share("A", 1), *b = share("B", 1);
	sim_bursts(a, 200 * US, 1 * US);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_run_until(10 * SEC);
	expect_within(frac_in(a, 0, SIM.now), 0.5, 0.01, "A (200 us bursts)");
	expect_within(frac_in(b, 0, SIM.now), 0.5, 0.01, "B");
}

/* Join/leave: a thread that sleeps keeps only its remain (no credit for
 * the time away); the others share in their ratio while it is away, and
 * it gets its share back at once when it returns. */
static void test_join_leave(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *a = share("A", 3), *b = share("B", 1), *c = share("C", 2);
	sim_bursts(c, 1 * SEC, 2 * SEC); /* 1 s of CPU (3 s at 1/3), then 2 s away */
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(c, 0, 0);
	sim_run_until(9 * SEC);
	expect_within(frac_in(a, 0, 2900 * MS), 0.5, 0.01, "A with C");
	expect_within(frac_in(b, 0, 2900 * MS), 1.0 / 6, 0.01, "B with C");
	expect_within(frac_in(c, 0, 2900 * MS), 1.0 / 3, 0.01, "C");
	expect_within(frac_in(a, 3100 * MS, 4900 * MS), 0.75, 0.01, "A without C");
	expect_within(frac_in(b, 3100 * MS, 4900 * MS), 0.25, 0.01, "B without C");
	assert_int_equal(sim_exec_in(c, -1, 3100 * MS, 4900 * MS), 0);
	/* back at ~5 s: its share at once, no catching up */
	expect_within(frac_in(c, 5100 * MS, 7900 * MS), 1.0 / 3, 0.01, "C after rejoining");
	expect_within(frac_in(a, 5100 * MS, 7900 * MS), 0.5, 0.01, "A after C rejoined");
	expect_within(frac_in(c, 5000 * MS, 5300 * MS), 1.0 / 3, 0.02, "C's first 300 ms back");
}

/* A thread that blocks and comes back keeps its position relative to the
 * global pass (remain): blocking does not wipe out what it ran ahead of
 * the others (nor what it is owed). */
static void test_leave_keeps_position(void **state)
{
	(void)state;
	static const u64 bursts[] = { 1000 * US, 2500 * US, 700 * US };
	for (size_t i = 0; i < ARRAY_SIZE(bursts); i++) {
		sim_reset(1);
		struct sim_thread *a = share("A", 1), *b = share("B", 100);
		sim_bursts(a, bursts[i], 0); /* blocks and is back at once */
		sim_start(a, 0, 0);
		sim_start(b, 0, 0);
		sim_run_until(30 * SEC);
		expect_within(frac_in(a, 0, SIM.now), 1.0 / 101, 0.01, "A (blocking often)");
	}
}

/* Ticket changes: of the running thread, of a queued one, of a sleeper. */
static void test_ticket_changes(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *a = share("A", 1), *b = share("B", 1), *c = share("C", 4);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(c, 0, 5 * SEC); /* sleeping until 5 s */
	sim_run_until(2 * SEC);
	expect_within(frac_in(a, 0, 2 * SEC), 0.5, 0.01, "A 1:1");
	sim_sync_clocks();
	struct sim_thread *run = sim_of(SIM.cpu[0].rq.curr), *other = run == a ? b : a;
	assert_int_equal(sched_set_share(&run->t, 3), 0);   /* running */
	sim_run_until(4 * SEC);
	expect_within(frac_in(run, 2 * SEC, 4 * SEC), 0.75, 0.01, "raised, running");
	sim_sync_clocks();
	run = sim_of(SIM.cpu[0].rq.curr);
	other = run == a ? b : a;
	assert_int_equal(sched_set_share(&other->t, 9), 0); /* queued */
	assert_int_equal(sched_set_share(&c->t, 2), 0);     /* sleeping (not started) */
	sim_run_until(5 * SEC);
	u32 ta = a->t.share.tickets, tb = b->t.share.tickets;
	expect_within(frac_in(a, 4 * SEC + 10 * MS, 5 * SEC), (double)ta / (ta + tb), 0.01, "A after queued change");
	sim_run_until(8 * SEC);
	expect_within(frac_in(c, 5 * SEC, 8 * SEC), 2.0 / (2 + ta + tb), 0.01, "C after sleeping change");
	/* remain rescaled: a queued thread's distance to the global pass
	 * scales with its stride */
	sim_sync_clocks();
	run = sim_of(SIM.cpu[0].rq.curr);
	struct sim_thread *q = run == c ? a : c;
	struct rq *rq = &SIM.cpu[0].rq;
	s64 before = (s64)(q->t.share.pass - rq->share.pass);
	u64 old_stride = q->t.share.stride;
	assert_int_equal(sched_set_share(&q->t, q->t.share.tickets * 4), 0);
	s64 after = (s64)(q->t.share.pass - rq->share.pass);
	double want = (double)before * (double)q->t.share.stride / (double)old_stride;
	assert_true(after - want < 2 && want - after < 2);
	sim_run_until(9 * SEC);
}

static void lottery_run(u64 seed, const u32 *tickets, int n, u64 secs, struct sim_thread **out)
{
	sim_reset(1);
	rng_state = seed;
	assert_int_equal(share_rq_set_policy(&SIM.cpu[0].rq, "lottery"), 0);
	for (int i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "L%d", i);
		out[i] = share(name, tickets[i]);
		sim_start(out[i], 0, 0);
	}
	sim_run_until(secs * SEC);
}

/* Lottery: each quantum a random ticket; over N quanta a thread with
 * fraction p of the tickets gets p of the CPU within 4 standard deviations
 * of the binomial (sqrt(p(1-p)/N)), for several fixed seeds; the same seed
 * gives the same schedule. */
static void test_lottery(void **state)
{
	(void)state;
	static const u32 t31[] = { 3, 1 }, t321[] = { 3, 2, 1 };
	struct sim_thread *th[3];
	u64 first = 0;
	for (u64 seed = 1; seed <= 4; seed++) {
		lottery_run(seed * 0x9E3779B97F4A7C15ULL, t31, 2, 20, th);
		double n = 20.0 * SEC / SHARE_QUANTUM_NS, p = 0.75, sd = sqrt_d(p * (1 - p) / n);
		double got = (double)th[0]->sim_exec / (double)SIM.now;
		print_message("  lottery 3:1 seed %llu: %.4f (want 0.75 +- %.4f)\n", (unsigned long long)seed,
			      got, 4 * sd);
		assert_true(got > p - 4 * sd && got < p + 4 * sd);
		if (seed == 1)
			first = th[0]->sim_exec;
	}
	lottery_run(1 * 0x9E3779B97F4A7C15ULL, t31, 2, 20, th);
	assert_int_equal(th[0]->sim_exec, first); /* deterministic per seed */

	lottery_run(42, t321, 3, 30, th);
	double n = 30.0 * SEC / SHARE_QUANTUM_NS;
	for (int i = 0; i < 3; i++) {
		double p = t321[i] / 6.0, sd = sqrt_d(p * (1 - p) / n);
		double got = (double)th[i]->sim_exec / (double)SIM.now;
		assert_true(got > p - 4 * sd && got < p + 4 * sd);
	}
}

/* Compensation tickets: a thread using 1/5 of its quanta draws with 5x
 * its tickets, so 1:1 tickets still give it half the CPU (without them it
 * would get 1/6). */
static void test_lottery_compensation(void **state)
{
	(void)state;
	sim_reset(1);
	rng_state = 7;
	assert_int_equal(share_rq_set_policy(&SIM.cpu[0].rq, "lottery"), 0);
	struct sim_thread *a = share("A", 1), *b = share("B", 1);
	sim_bursts(a, 200 * US, 0); /* back by the next draw */
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_run_until(20 * SEC);
	double got = frac_in(a, 0, SIM.now);
	print_message("  lottery with compensation: I/O-bound 1:1 thread gets %.4f\n", got);
	assert_true(got > 0.46 && got < 0.54);
}

/* Transfers move the share, compose, refuse cycles and return exactly. */
static void test_transfer(void **state)
{
	(void)state;
	sim_reset(1);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *a = share("A", 2), *b = share("B", 1), *c = share("C", 1), *d = share("D", 4);
	struct sim_thread *f = sim_new("F");
	assert_int_equal(sched_set_fair(&f->t, 0), 0);
	/* A and D never run: waiting for something B holds */
	sim_start(b, 0, 0);
	sim_start(c, 0, 0);
	sim_run_until(2 * SEC);
	expect_within(frac_in(b, 0, 2 * SEC), 0.5, 0.01, "B 1:1");
	u64 b_stride = b->t.share.stride, tickets = rq->share.tickets;

	sim_sync_clocks();
	assert_int_equal(sched_share_transfer(&a->t, &b->t), 0);
	assert_int_equal(share_effective_tickets(&a->t), 0);
	assert_int_equal(share_effective_tickets(&b->t), 3);
	sim_run_until(5 * SEC);
	expect_within(frac_in(b, 2 * SEC + 10 * MS, 5 * SEC), 0.75, 0.01, "B with A's tickets");

	/* errors */
	assert_int_equal(sched_share_transfer(&a->t, &c->t), -EBUSY);
	assert_int_equal(sched_share_transfer(&b->t, &a->t), -EDEADLK);
	assert_int_equal(sched_share_transfer(&b->t, &b->t), -EINVAL);
	assert_int_equal(sched_share_transfer(&f->t, &b->t), -EINVAL);
	assert_int_equal(sched_share_transfer(&b->t, &f->t), -EINVAL);
	assert_int_equal(sched_share_return(&c->t), -EINVAL);

	/* a chain: D lends to A, which lends to B: B gets 1 + 2 + 4 */
	sim_sync_clocks();
	assert_int_equal(sched_share_transfer(&d->t, &a->t), 0);
	assert_int_equal(share_effective_tickets(&b->t), 7);
	assert_int_equal(share_effective_tickets(&a->t), 0);
	assert_int_equal(sched_share_transfer(&b->t, &d->t), -EDEADLK);
	sim_run_until(8 * SEC);
	expect_within(frac_in(b, 5 * SEC + 10 * MS, 8 * SEC), 7.0 / 8, 0.01, "B via the chain");
	/* a ticket change of a lender moves along the chain */
	sim_sync_clocks();
	assert_int_equal(sched_set_share(&d->t, 8), 0);
	assert_int_equal(share_effective_tickets(&b->t), 11);
	/* returns, in another order than the loans */
	assert_int_equal(sched_share_return(&a->t), 0);
	assert_int_equal(share_effective_tickets(&b->t), 1);
	assert_int_equal(share_effective_tickets(&a->t), 10); /* 2 + D's 8 */
	assert_int_equal(sched_share_return(&d->t), 0);
	assert_int_equal(sched_share_return(&d->t), -EINVAL);
	assert_int_equal(share_effective_tickets(&a->t), 2);
	assert_int_equal(sched_set_share(&d->t, 4), 0);
	/* exactly as before */
	struct sim_thread *all[4] = { a, b, c, d };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(all[i]->t.share.recv, 0);
		assert_int_equal(all[i]->t.share.lent, 0);
		assert_null(all[i]->t.share.lent_to);
	}
	assert_int_equal(b->t.share.stride, b_stride);
	assert_int_equal(rq->share.tickets, tickets);
	sim_run_until(11 * SEC);
	expect_within(frac_in(b, 8 * SEC + 10 * MS, 11 * SEC), 0.5, 0.01, "B after the returns");
	assert_int_equal(f->sim_exec, 0); /* share runs above fair */
}

/* The lender is not blocked for good: it wakes every millisecond for a
 * moment (as a thread polling for the resource would). Its loan still
 * holds: it runs with one ticket's stride and counts 0 tickets. */
static void test_transfer_from_a_polling_lender(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *a = share("A", 2), *b = share("B", 1), *c = share("C", 1);
	sim_bursts(a, 10 * US, 1 * MS);
	assert_int_equal(sched_share_transfer(&a->t, &b->t), 0);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(c, 0, 0);
	sim_run_until(3 * SEC);
	double rb = (double)b->sim_exec, rc = (double)c->sim_exec;
	print_message("  polling lender: B/C = %.3f, lender %.2f%%\n", rb / rc, 100.0 * a->sim_exec / SIM.now);
	expect_within(rb / rc, 3.0, 0.02, "B/C with a polling lender");
}

/* A transfer to a thread on another run queue (every run queue locked by
 * the kernel wrapper): the receiver's run queue accounts the tickets. */
static void test_transfer_across_cpus(void **state)
{
	(void)state;
	sim_reset(2);
	struct sim_thread *a = share("A", 3), *b = share("B", 1), *c = share("C", 1);
	struct sim_thread *x = share("X", 1);
	sim_bursts(a, 10 * MS, 10 * MS);
	sim_start(a, 0, 0);
	sim_start(x, 0, 0);
	sim_start(b, 1, 0);
	sim_start(c, 1, 0);
	sim_run_until(1 * SEC + 5 * MS);
	sim_sync_clocks();
	assert_int_equal(sched_share_transfer(&a->t, &b->t), 0); /* A on CPU 0 (queued or not) */
	assert_int_equal(SIM.cpu[1].rq.share.tickets, 5);
	sim_run_until(4 * SEC);
	expect_within(frac_in(b, 1 * SEC + 10 * MS, 4 * SEC), 0.8, 0.01, "B with A's tickets on CPU 1");
	sim_sync_clocks();
	assert_int_equal(sched_share_return(&a->t), 0);
	assert_int_equal(SIM.cpu[1].rq.share.tickets, 2);
	sim_run_until(6 * SEC);
	expect_within(frac_in(b, 4 * SEC + 10 * MS, 6 * SEC), 0.5, 0.01, "B after the return");
}

/* rt preempts share threads; fair threads run only when no share thread
 * is runnable. */
static void test_class_order(void **state)
{
	(void)state;
	sim_reset(1);
	struct sim_thread *a = share("A", 1), *b = share("B", 2);
	struct sim_thread *r = sim_new("R"), *f = sim_new("F");
	assert_int_equal(sched_set_rt(&r->t, SCHED_FIFO, 10), 0);
	assert_int_equal(sched_set_fair(&f->t, -20), 0);
	sim_bursts(r, 3 * MS, 7 * MS);
	sim_bursts(b, 5 * MS, 5 * MS);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(r, 0, 0);
	sim_start(f, 0, 0);
	sim_run_until(5 * SEC);
	assert_int_equal(f->sim_exec, 0);
	assert_int_equal(r->max_wait, 0);
	expect_within(frac_in(r, 0, SIM.now), 0.3, 0.01, "R");
	/* A and B share the remaining 70%: B only wants half of it, but
	 * whenever both are runnable B gets 2/3 */
	assert_true(a->sim_exec + b->sim_exec + r->sim_exec == SIM.now);
}

/* A queued thread moved between run queues keeps its remain. */
static void test_migration(void **state)
{
	(void)state;
	sim_reset(2);
	struct sim_thread *a = share("A", 1), *b = share("B", 1), *c = share("C", 1);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_start(c, 1, 0);
	sim_run_until(1 * SEC + 500 * US);
	sim_sync_clocks();
	struct rq *r0 = &SIM.cpu[0].rq, *r1 = &SIM.cpu[1].rq;
	struct sim_thread *q = r0->curr == &a->t ? b : a;
	s64 remain = (s64)(q->t.share.pass - r0->share.pass);
	rq_dequeue(r0, &q->t);
	assert_int_equal(q->t.share.remain, remain);
	rq_enqueue(r1, &q->t, false);
	q->home = 1;
	assert_int_equal((s64)(q->t.share.pass - r1->share.pass), remain);
	sim_run_until(3 * SEC);
	expect_within(frac_in(q, 1 * SEC + 10 * MS, 3 * SEC), 0.5, 0.01, "moved thread");
	expect_within(frac_in(c, 1 * SEC + 10 * MS, 3 * SEC), 0.5, 0.01, "its new neighbour");
}

/* The policy can be switched with threads queued, both ways. */
static void test_policy_switch(void **state)
{
	(void)state;
	sim_reset(1);
	rng_state = 99;
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *a = share("A", 3), *b = share("B", 1);
	sim_start(a, 0, 0);
	sim_start(b, 0, 0);
	sim_run_until(5 * SEC);
	assert_int_equal(share_rq_set_policy(rq, "lottery"), 0);
	sim_run_until(25 * SEC);
	double got = frac_in(a, 5 * SEC, 25 * SEC), sd = sqrt_d(0.75 * 0.25 / 20000.0);
	assert_true(got > 0.75 - 4 * sd && got < 0.75 + 4 * sd);
	assert_int_equal(share_rq_set_policy(rq, "stride"), 0);
	sim_run_until(30 * SEC);
	expect_within(frac_in(a, 25 * SEC, 30 * SEC), 0.75, 0.01, "A back under stride");
	expect_within(frac_in(a, 0, 5 * SEC), 0.75, 0.01, "A under stride");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_registry_and_validation, teardown),
		cmocka_unit_test_teardown(test_stride_ratios, teardown),
		cmocka_unit_test_teardown(test_fractional_quanta, teardown),
		cmocka_unit_test_teardown(test_join_leave, teardown),
		cmocka_unit_test_teardown(test_leave_keeps_position, teardown),
		cmocka_unit_test_teardown(test_ticket_changes, teardown),
		cmocka_unit_test_teardown(test_lottery, teardown),
		cmocka_unit_test_teardown(test_lottery_compensation, teardown),
		cmocka_unit_test_teardown(test_transfer, teardown),
		cmocka_unit_test_teardown(test_transfer_from_a_polling_lender, teardown),
		cmocka_unit_test_teardown(test_transfer_across_cpus, teardown),
		cmocka_unit_test_teardown(test_class_order, teardown),
		cmocka_unit_test_teardown(test_migration, teardown),
		cmocka_unit_test_teardown(test_policy_switch, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
