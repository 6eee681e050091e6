/* test_deadline.c — hosted tests of the deadline class (kernel/sched/
 * deadline.c through the run-queue API of core_rq.c), driven by a
 * discrete-event simulator with a fake clock.
 *
 * The simulator is sched_sim.h's, with its periodic jobs (sim_jobs): a
 * thread releases a job of C ns of work every T ns (its jobs queue up if
 * it falls behind); when it has no work left it blocks until the next
 * release (SIM_JOB_SLEEP), or yields (SIM_JOB_YIELD: "job done" to the
 * CBS), or it never runs out of work (SIM_JOB_GREEDY: an overrunning
 * task); completed jobs, misses and response times are counted. A fair
 * thread can soak up what is left. Events: job releases and completions,
 * the optional periodic tick, the one-shot slice timer armed from
 * rq_slice_left() (as the core arms it for a deadline thread; off in the
 * tick-only runs), and the class timer armed from rq_next_event(). The
 * simulator's clock (SIM.now) starts at 0 and is handed to the kernel as
 * SIM.base + SIM.now, so a base near 2^64 makes the kernel's absolute
 * times wrap during a run. dl_reset() adds this file's CPU set-up (online
 * CPUs, the class's admission state).
 *
 * After every event time sched_sim's checker verifies, besides the other
 * classes' invariants: nr_running counts exactly the queued, unthrottled
 * threads; dl.nr / dl.nr_throttled; both red-black trees
 * (rb_validate_cached) with their sizes; a throttled thread is never
 * running once the CPU settled; class order and (EDF) the running thread
 * has the earliest deadline, (LLF) the least laxity within the
 * granularity; every server has runtime <= Q and deadline <= now + D; CPU
 * time accounting is exact; and no server consumes more than Q per server
 * period (per absolute deadline it was given) — exactly, when the one-shot
 * timer enforces budgets; within one tick when only a periodic tick does.
 *
 * Tests: parameter validation (-EINVAL, like __checkparam_dl), admission
 * (-EBUSY, caps, release on class change, partitioned placement, global
 * root domain), 128-bit bandwidth arithmetic, EDF at utilisation exactly 1
 * on several implicit-deadline task sets (thousands of jobs, no miss), CBS
 * isolation of a greedy task, exact throttling and replenishment instants,
 * overrun debt with a coarse tick, yield, constrained deadlines (the
 * revised wake-up rule and throttling until the next period), LLF on a
 * feasible set and its thrash guard, policy registry and run-time switch,
 * and long runs: across the u64 wrap and over two simulated months. */
#include "sched_sim.h"
#include <rayos/percpu.h>
#include "../../kernel/sched/internal.h"

#define DAY (86400ULL * SEC)

/* ---- the simulator (sched_sim.h) with this file's options ---- */

static void dl_free(void)
{
	sim_free();
	sched_dl_reset();
	for (int c = 1; c < MAX_CPUS; c++)
		cpus[c].online = false;
}

/* ncpu online CPUs, the kernel's clock from base; tick_ns 0: no periodic
 * tick; slice_timer: the one-shot timer enforces budgets. */
static void dl_reset(int ncpu, u64 base, u64 tick_ns, bool slice_timer)
{
	dl_free();
	sim_reset_at(ncpu, base);
	sim_periodic_tick(tick_ns);
	SIM.slice_timer = slice_timer;
	for (int i = 0; i < ncpu; i++)
		cpus[i].online = true;
	nr_cpus_online = (u32)ncpu;
}

/* A thread pinned to cpu, not started. */
static struct sim_thread *dl_thread(const char *name, int cpu)
{
	struct sim_thread *d = sim_new(name);
	d->t.affinity = 1ULL << cpu;
	d->t.cpu = (u32)cpu;
	d->home = cpu;
	return d;
}

/* A deadline thread with server (Q, D, P) running jobs of C every T from
 * `at`, each due D after its release. */
static struct sim_thread *sim_dl(const char *name, int cpu, u64 Q, u64 D, u64 P, u64 C, u64 T, u64 at)
{
	struct sim_thread *d = dl_thread(name, cpu);
	assert_int_equal(sched_set_deadline(&d->t, Q, D, P, 0), 0);
	d->home = (int)d->t.dl.bw_cpu;
	sim_jobs(d, SIM_JOB_SLEEP, C, T, D, at);
	return d;
}

static struct sim_thread *sim_greedy_dl(const char *name, int cpu, u64 Q, u64 D, u64 P, u64 at)
{
	struct sim_thread *d = sim_dl(name, cpu, Q, D, P, 0, 0, at);
	d->job.end = SIM_JOB_GREEDY;
	return d;
}

static struct sim_thread *sim_fair_hog(const char *name, int cpu, u64 at)
{
	struct sim_thread *d = dl_thread(name, cpu);
	assert_int_equal(sched_set_fair(&d->t, 0), 0);
	sim_jobs(d, SIM_JOB_GREEDY, 0, 0, 0, at);
	return d;
}

static u64 total_misses(void)
{
	u64 m = 0;
	for (int k = 0; k < SIM.nth; k++)
		m += SIM.th[k]->misses;
	return m;
}

static u64 total_jobs(void)
{
	u64 m = 0;
	for (int k = 0; k < SIM.nth; k++)
		m += SIM.th[k]->jobs;
	return m;
}

/* admitted bandwidth in ppm: the sum of values rounded down to 2^-20 */
#define assert_ppm(got, want) assert_in_range((got), (want) - 2, (want))

static int teardown(void **state)
{
	(void)state;
	dl_free();
	return 0;
}

/* ================================ tests ================================ */

static void test_param_validation(void **state)
{
	(void)state;
	dl_reset(1, 0, 0, true);
	struct sim_thread *d = dl_thread("t", 0);
	struct thread *t = &d->t;
	static const struct { u64 q, d, p; unsigned f; } bad[] = {
		{ 1023, 1 * MS, 10 * MS, 0 },          /* runtime < 1024 ns */
		{ 0, 1 * MS, 10 * MS, 0 },
		{ 1 * MS, 0, 10 * MS, 0 },             /* deadline 0 */
		{ 2 * MS, 1 * MS, 10 * MS, 0 },        /* runtime > deadline */
		{ 1 * MS, 20 * MS, 10 * MS, 0 },       /* deadline > period */
		{ 10 * US, 50 * US, 50 * US, 0 },      /* period < 100 us */
		{ 10 * US, 50 * US, 0, 0 },            /* period = deadline < 100 us */
		{ 1 * MS, 1 * MS, SCHED_DL_PERIOD_MAX + 1, 0 }, /* period too long */
		{ 1 * MS, 1ULL << 63, 1ULL << 63, 0 }, /* bit 63 */
		{ 1 * MS, 10 * MS, 1ULL << 63, 0 },
		{ 1ULL << 63, 1ULL << 63, 0, 0 },
		{ 1 * MS, 10 * MS, 10 * MS, 1 },       /* flags reserved */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(sched_set_deadline(t, bad[i].q, bad[i].d, bad[i].p, bad[i].f), -EINVAL);
	assert_int_equal(sched_set_deadline(NULL, MS, MS, MS, 0), -EINVAL);
	assert_null(t->class);
	assert_int_equal(sched_dl_nr_threads(), 0);
	assert_int_equal(sched_set_deadline(&SIM.cpu[0].idle, MS, 10 * MS, 10 * MS, 0), -EPERM);
	u32 adm = 1;
	assert_int_equal(sched_dl_bw(0, &adm, NULL), 0);
	assert_int_equal(adm, 0);

	/* limits that pass */
	assert_int_equal(sched_set_deadline(t, 1024, 100 * US, 0, 0), 0);
	assert_ptr_equal(t->class, &dl_sched_class);
	assert_int_equal(t->policy, SCHED_DEADLINE);
	assert_int_equal(t->dl.dl_period, 100 * US); /* period 0 = deadline */
	assert_int_equal(sched_set_deadline(t, 1 * MS, 1 * MS, SCHED_DL_PERIOD_MAX, 0), 0);
	assert_int_equal(sched_set_deadline(t, SCHED_DL_PERIOD_MAX / 2, SCHED_DL_PERIOD_MAX, 0, 0), 0);
	struct sched_dl_info info;
	assert_int_equal(sched_dl_get(t, &info), 0);
	assert_int_equal(info.runtime, SCHED_DL_PERIOD_MAX / 2);
	assert_int_equal(info.period, SCHED_DL_PERIOD_MAX);
	assert_int_equal(info.bw_ppm, 500000);
	assert_int_equal(sched_dl_nr_threads(), 1);
	assert_int_equal(sched_dl_get(&SIM.cpu[0].idle, &info), -EINVAL);
	/* failures leave the old parameters */
	assert_int_equal(sched_set_deadline(t, 2 * MS, 1 * MS, 10 * MS, 0), -EINVAL);
	assert_int_equal(t->dl.dl_runtime, SCHED_DL_PERIOD_MAX / 2);
}

static void test_bandwidth_arithmetic(void **state)
{
	(void)state;
	dl_reset(1, 0, 0, true);
	assert_int_equal(sched_dl_set_cap(0, 1000000), 0);
	struct sim_thread *d = dl_thread("t", 0);
	/* Q/P in 2^-20 units, rounded down, computed in 128 bits */
	static const struct { u64 q, p, bw; } v[] = {
		{ SCHED_DL_PERIOD_MAX, SCHED_DL_PERIOD_MAX, 1ULL << 20 },
		{ SCHED_DL_PERIOD_MAX - 1, SCHED_DL_PERIOD_MAX, (1ULL << 20) - 1 },
		{ 1024, SCHED_DL_PERIOD_MAX, 0 },      /* < 2^-20: rounds to 0 */
		{ 1 * MS, 3 * MS, 349525 },            /* 2^20 / 3 = 349525.33 */
		{ 2 * MS, 3 * MS, 699050 },
		{ 3999999999ULL, 4000000000ULL, 1048575 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		assert_int_equal(sched_set_deadline(&d->t, v[i].q, v[i].p, v[i].p, 0), 0);
		assert_int_equal(d->t.dl.dl_bw, v[i].bw);
	}
	/* the kernel's 128-by-64 division against the compiler's */
	u64 x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		u64 a = x, b = x * 0x2545f4914f6cdd1dULL >> (i % 64), c = (x >> (i % 61)) | 1;
		if (i % 3 == 0)
			c |= 1ULL << 63; /* remainders with the top bit set */
		unsigned __int128 q = (unsigned __int128)a * b / c;
		if (q >> 64)
			continue;
		assert_int_equal(dl_mul_div(a, b, c), (u64)q);
	}
	assert_int_equal(dl_mul_div(~0ULL, ~0ULL, ~0ULL), ~0ULL);
	assert_int_equal(dl_mul_div(1ULL << 63, 4, 1ULL << 62), 8);

	/* three thirds fit in 100% despite rounding, a fourth 1/1000 not */
	assert_int_equal(sched_set_fair(&d->t, 0), 0);
	struct sim_thread *a = dl_thread("a", 0), *b = dl_thread("b", 0), *c = dl_thread("c", 0);
	assert_int_equal(sched_set_deadline(&a->t, MS, 3 * MS, 3 * MS, 0), 0);
	assert_int_equal(sched_set_deadline(&b->t, MS, 3 * MS, 3 * MS, 0), 0);
	assert_int_equal(sched_set_deadline(&c->t, MS, 3 * MS, 3 * MS, 0), 0);
	assert_int_equal(sched_set_deadline(&d->t, 10 * US, 10 * MS, 10 * MS, 0), -EBUSY);
	u32 adm, cap;
	assert_int_equal(sched_dl_bw(0, &adm, &cap), 0);
	assert_ppm(adm, 1000000);
	assert_int_equal(cap, 1000000);
}

static void test_admission(void **state)
{
	(void)state;
	dl_reset(1, 0, 0, true);
	u32 adm, cap;
	assert_int_equal(sched_dl_bw(0, &adm, &cap), 0);
	assert_int_equal(cap, SCHED_DL_CAP_DEFAULT_PPM);
	struct sim_thread *a = dl_thread("a", 0), *b = dl_thread("b", 0), *c = dl_thread("c", 0);
	assert_int_equal(sched_set_deadline(&a->t, 5 * MS, 10 * MS, 10 * MS, 0), 0);   /* 50% */
	assert_int_equal(sched_set_deadline(&b->t, 40 * MS, 100 * MS, 100 * MS, 0), 0); /* 40% */
	/* 50 + 40 + 6 > 95: refused, nothing changes */
	assert_int_equal(sched_set_deadline(&c->t, 6 * MS, 100 * MS, 100 * MS, 0), -EBUSY);
	assert_null(c->t.class);
	assert_false(c->t.dl.admitted);
	assert_int_equal(sched_dl_nr_threads(), 2);
	assert_int_equal(sched_dl_bw(0, &adm, NULL), 0);
	assert_ppm(adm, 900000);
	assert_int_equal(sched_set_deadline(&c->t, 5 * MS, 100 * MS, 100 * MS, 0), 0); /* exactly 95% */
	assert_int_equal(sched_dl_bw(0, &adm, NULL), 0);
	assert_ppm(adm, 950000);
	/* growing an admitted thread counts its old bandwidth out */
	assert_int_equal(sched_set_deadline(&a->t, 6 * MS, 10 * MS, 10 * MS, 0), -EBUSY);
	assert_int_equal(a->t.dl.dl_runtime, 5 * MS);
	assert_int_equal(sched_set_deadline(&a->t, 4 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(sched_set_deadline(&a->t, 5 * MS, 10 * MS, 10 * MS, 0), 0);
	/* caps */
	assert_int_equal(sched_dl_set_cap(0, 1000001), -EINVAL);
	assert_int_equal(sched_dl_set_cap(MAX_CPUS, 500000), -ENODEV);
	assert_int_equal(sched_dl_set_cap(0, 900000), -EBUSY); /* below what is admitted */
	assert_int_equal(sched_dl_bw(0, NULL, &cap), 0);
	assert_int_equal(cap, 950000);
	/* leaving the class releases the bandwidth */
	assert_int_equal(sched_set_fair(&b->t, 0), 0);
	assert_false(b->t.dl.admitted);
	assert_int_equal(sched_dl_nr_threads(), 2);
	assert_int_equal(sched_dl_bw(0, &adm, NULL), 0);
	assert_ppm(adm, 550000);
	assert_int_equal(sched_dl_set_cap(0, 550000), 0);
	assert_int_equal(sched_set_deadline(&b->t, 1 * MS, 100 * MS, 100 * MS, 0), -EBUSY);
	assert_int_equal(sched_set_rt(&c->t, SCHED_FIFO, 10), 0);
	assert_int_equal(sched_dl_bw(0, &adm, NULL), 0);
	assert_ppm(adm, 500000);
	/* the global option is refused while deadline threads exist */
	assert_int_equal(sched_dl_set_global(true), -EBUSY);
	assert_false(sched_dl_global());
	assert_int_equal(sched_set_fair(&a->t, 0), 0);
	assert_int_equal(sched_dl_nr_threads(), 0);
	assert_int_equal(sched_dl_set_global(true), 0);
	assert_true(sched_dl_global());
	assert_int_equal(sched_dl_set_global(false), 0);

	/* a queued thread: leaving the class while throttled counts it
	 * as runnable again */
	dl_reset(1, 0, 0, true);
	struct sim_thread *g = sim_greedy_dl("g", 0, 2 * MS, 10 * MS, 10 * MS, 0);
	sim_run_for(5 * MS);
	assert_true(g->t.throttled);
	assert_int_equal(SIM.cpu[0].rq.nr_running, 0);
	SIM.cpu[0].rq.clock = sim_clock();
	assert_int_equal(sched_set_fair(&g->t, 0), 0);
	assert_false(g->t.throttled);
	assert_int_equal(SIM.cpu[0].rq.nr_running, 1);
	assert_int_equal(SIM.cpu[0].rq.dl.nr, 0);
	assert_int_equal(sched_dl_nr_threads(), 0);
	sim_run_for(5 * MS);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &g->t);
}

static void test_partitioned_placement(void **state)
{
	(void)state;
	dl_reset(3, 0, 0, true);
	struct sim_thread *th[6];
	u32 adm[3];
	/* affinity over all three CPUs: most free bandwidth first */
	for (int i = 0; i < 6; i++) {
		th[i] = dl_thread("p", 0);
		th[i]->t.affinity = 7;
	}
	assert_int_equal(sched_set_deadline(&th[0]->t, 5 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(th[0]->t.dl.bw_cpu, 0); /* tie: the CPU it is on */
	assert_int_equal(sched_set_deadline(&th[1]->t, 3 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(th[1]->t.dl.bw_cpu, 1);
	assert_int_equal(sched_set_deadline(&th[2]->t, 2 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(th[2]->t.dl.bw_cpu, 2);
	assert_int_equal(sched_set_deadline(&th[3]->t, 6 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(th[3]->t.dl.bw_cpu, 2); /* 73% free there */
	/* 50% fits only on CPU 0 (45%)? no: 0 has 45, 1 has 65, 2 has 15 */
	assert_int_equal(sched_set_deadline(&th[4]->t, 5 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(th[4]->t.dl.bw_cpu, 1);
	assert_int_equal(sched_set_deadline(&th[5]->t, 5 * MS, 10 * MS, 10 * MS, 0), -EBUSY);
	/* pinned to one CPU: that CPU or nothing */
	th[5]->t.affinity = 1;
	assert_int_equal(sched_set_deadline(&th[5]->t, 45 * MS / 10, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(th[5]->t.dl.bw_cpu, 0);
	for (u32 c = 0; c < 3; c++)
		assert_int_equal(sched_dl_bw(c, &adm[c], NULL), 0);
	assert_ppm(adm[0], 950000);
	assert_ppm(adm[1], 800000);
	assert_ppm(adm[2], 800000);
	assert_true(sched_dl_cpu_allowed(&th[1]->t, 1));
	assert_false(sched_dl_cpu_allowed(&th[1]->t, 0));
	/* an offline CPU is never chosen */
	struct sim_thread *x = dl_thread("x", 0);
	x->t.affinity = 6;
	cpus[1].online = false;
	assert_int_equal(sched_set_deadline(&x->t, 1 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(x->t.dl.bw_cpu, 2);
	cpus[1].online = true;

	/* the placed threads meet their deadlines on their CPUs */
	for (int i = 0; i < 6; i++) {
		struct sim_thread *d = th[i];
		d->home = (int)d->t.dl.bw_cpu;
		sim_jobs(d, SIM_JOB_SLEEP, d->t.dl.dl_runtime, d->t.dl.dl_period, d->t.dl.dl_period, 0);
	}
	x->home = 2;
	sim_jobs(x, SIM_JOB_SLEEP, MS, 10 * MS, 10 * MS, 0);
	sim_run_for(2 * SEC);
	assert_int_equal(total_misses(), 0);
	assert_int_equal(total_jobs(), 7 * 200);
}

static void test_global_admission(void **state)
{
	(void)state;
	dl_reset(2, 0, 0, true);
	assert_int_equal(sched_dl_set_global(true), 0);
	struct sim_thread *a = dl_thread("a", 0), *b = dl_thread("b", 0), *c = dl_thread("c", 0);
	/* 90% + 90% fits in 2 x 95%, 15% more does not */
	assert_int_equal(sched_set_deadline(&a->t, 9 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(sched_set_deadline(&b->t, 9 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(sched_set_deadline(&c->t, 15 * MS / 10, 10 * MS, 10 * MS, 0), -EBUSY);
	assert_int_equal(sched_set_deadline(&c->t, 1 * MS, 10 * MS, 10 * MS, 0), 0);
	/* full now; changing an admitted thread counts its old share out */
	assert_int_equal(sched_set_deadline(&a->t, 9 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_int_equal(sched_set_deadline(&a->t, 91 * MS / 10, 10 * MS, 10 * MS, 0), -EBUSY);
	assert_int_equal(a->t.dl.dl_runtime, 9 * MS);
	u32 adm;
	assert_int_equal(sched_dl_bw(1, &adm, NULL), 0);
	assert_ppm(adm, 950000); /* 190% shared by two CPUs */
	/* global: no CPU restriction from the class */
	assert_true(sched_dl_cpu_allowed(&a->t, 0) && sched_dl_cpu_allowed(&a->t, 1));
	assert_int_equal(sched_dl_set_cap(1, 800000), -EBUSY);
	assert_int_equal(sched_dl_set_global(false), -EBUSY);
	assert_int_equal(sched_set_fair(&a->t, 0), 0);
	assert_int_equal(sched_dl_set_cap(1, 800000), 0);
	assert_int_equal(sched_dl_bw(0, &adm, NULL), 0);
	assert_ppm(adm, 500000);
}

struct task { u64 c, t; };

static void run_edf_set(const struct task *ts, int n, u64 base, u64 tick, bool timer, u64 dur)
{
	dl_reset(1, base, tick, timer);
	assert_int_equal(sched_dl_set_cap(0, 1000000), 0);
	u64 sum = 0;
	for (int i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "T%d", i);
		sim_dl(name, 0, ts[i].c, ts[i].t, ts[i].t, ts[i].c, ts[i].t, 0);
		sum += (u64)(((unsigned __int128)ts[i].c << 20) / ts[i].t);
	}
	sim_run_for(dur);
	for (int i = 0; i < n; i++)
		assert_int_equal(SIM.th[i]->sim_exec, SIM.th[i]->jobs * ts[i].c + (SIM.th[i]->qn ? ts[i].c - SIM.th[i]->burst_left : 0));
	/* utilisation 1: the CPU never idles once they start */
	assert_int_equal(SIM.cpu[0].idle.sum_exec, 0);
}

static void test_edf_utilization_one(void **state)
{
	(void)state;
	static const struct task s1[] = { { 1 * MS, 2 * MS }, { 1 * MS, 3 * MS }, { 1 * MS, 6 * MS } };
	static const struct task s2[] = { { 2 * MS, 4 * MS }, { 3 * MS, 12 * MS }, { 1 * MS, 6 * MS }, { 1 * MS, 12 * MS } };
	static const struct task s3[] = { { 10 * MS, 20 * MS }, { 10 * MS, 40 * MS }, { 5 * MS, 20 * MS } };
	static const struct task s4[] = { { 3 * MS, 7 * MS }, { 4 * MS, 7 * MS } };
	static const struct task s5[] = { { 700 * US, 2100 * US }, { 700 * US, 2100 * US }, { 700 * US, 2100 * US } };
	static const struct task s6[] = { { 1 * MS, 5 * MS }, { 2 * MS, 10 * MS }, { 3 * MS, 15 * MS },
					  { 4 * MS, 20 * MS }, { 5 * MS, 25 * MS }, { 1 * MS, 10 * MS },
					  { 3 * MS, 300 * MS }, { 1 * MS, 3 * MS } };
	static const struct { const struct task *t; int n; } sets[] = {
		{ s1, 3 }, { s2, 4 }, { s3, 3 }, { s4, 2 }, { s5, 3 },
	};
	/* s6: 0.2+0.2+0.2+0.2+0.2 = 1.0 (the last three are left out) */
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		for (int timer = 1; timer >= 0; timer--) {
			/* without the one-shot timer a 100 us tick accounts:
			 * every C and T here is a multiple of it */
			run_edf_set(sets[i].t, sets[i].n, 0, timer ? 0 : 100 * US, timer,
				    timer ? 60 * SEC : 6 * SEC);
			u64 jobs = total_jobs(), misses = total_misses();
			assert_true(jobs >= (timer ? 5000 : 500));
			if (misses)
				fail_msg("set %zu (%s): %llu misses of %llu jobs", i, timer ? "timer" : "tick",
					 (unsigned long long)misses, (unsigned long long)jobs);
			if (timer)
				print_message("  EDF U=1 set %zu: %llu jobs, 0 misses, %llu switches\n", i,
					      (unsigned long long)jobs, (unsigned long long)SIM.switches);
		}
	}
	run_edf_set(s6, 5, 0, 0, true, 20 * SEC);
	assert_int_equal(total_misses(), 0);
	assert_true(total_jobs() >= 5000);
}

static void test_cbs_isolation(void **state)
{
	(void)state;
	for (int timer = 1; timer >= 0; timer--) {
		dl_reset(1, 0, timer ? 0 : 1 * MS, timer);
		struct sim_thread *a = sim_dl("A", 0, 2 * MS, 10 * MS, 10 * MS, 2 * MS, 10 * MS, 0);
		struct sim_thread *b = sim_dl("B", 0, 9 * MS, 30 * MS, 30 * MS, 9 * MS, 30 * MS, 3 * MS);
		/* G reserved 30% but wants the whole CPU */
		struct sim_thread *g = sim_greedy_dl("G", 0, 3 * MS, 10 * MS, 10 * MS, 0);
		struct sim_thread *f = sim_fair_hog("F", 0, 0);
		sim_run_for(20 * SEC);
		double share = (double)g->sim_exec / (double)(20 * SEC);
		double fshare = (double)f->sim_exec / (double)(20 * SEC);
		print_message("  CBS (%s): greedy G %.4f of the CPU (reserved 0.30), fair %.4f, "
			      "misses A %llu B %llu, G throttled %llu times\n",
			      timer ? "one-shot timer" : "1 ms tick", share, fshare,
			      (unsigned long long)a->misses, (unsigned long long)b->misses,
			      (unsigned long long)g->t.dl.nr_throttled);
		assert_int_equal(a->misses + b->misses, 0);
		assert_true(a->jobs >= 1999 && b->jobs >= 666);
		assert_true(share <= 0.30 + (timer ? 1e-6 : 1e-3));
		assert_true(share >= 0.30 - 1e-3);
		/* the rest is not stolen: the fair thread gets it */
		assert_true(fshare >= 0.2 - 1e-3);
		assert_true(g->t.dl.nr_throttled >= 1999);
	}
}

static void test_throttle_timing(void **state)
{
	(void)state;
	const u64 base = (u64)-(7 * MS); /* the deadlines wrap on the way */
	dl_reset(1, base, 0, true);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *g = sim_greedy_dl("G", 0, 3 * MS, 10 * MS, 10 * MS, 1 * MS);
	u64 thr0 = sched_dl_throttled_total();
	sim_run_until(1 * MS);
	assert_ptr_equal(rq->curr, &g->t);
	assert_int_equal(g->t.dl.deadline, base + 11 * MS);
	assert_int_equal(rq_slice_left(rq), 3 * MS);
	for (int k = 0; k < 50; k++) {
		u64 p0 = 1 * MS + (u64)k * 10 * MS;
		/* runs exactly Q, then throttled exactly until the period ends */
		sim_run_until(p0 + 3 * MS - 1);
		assert_ptr_equal(rq->curr, &g->t);
		sim_run_until(p0 + 3 * MS);
		assert_true(g->t.throttled);
		assert_ptr_equal(rq->curr, &SIM.cpu[0].idle);
		assert_int_equal(rq->nr_running, 0);
		assert_int_equal(rq_next_event(rq), base + p0 + 10 * MS);
		assert_int_equal(g->sim_exec, (u64)(k + 1) * 3 * MS);
		sim_run_until(p0 + 10 * MS - 1);
		assert_true(g->t.throttled);
		sim_run_until(p0 + 10 * MS);
		assert_false(g->t.throttled);
		assert_ptr_equal(rq->curr, &g->t);
		assert_int_equal(g->t.dl.deadline, base + p0 + 20 * MS);
		assert_int_equal(g->t.dl.runtime, 3 * MS);
	}
	assert_int_equal(g->t.dl.nr_throttled, 50);
	assert_int_equal(sched_dl_throttled_total() - thr0, 50);
	struct sched_dl_info info;
	assert_int_equal(sched_dl_get(&g->t, &info), 0);
	assert_int_equal(info.nr_throttled, 50);
	assert_int_equal(info.nr_replenished, 50);
	assert_int_equal(info.abs_deadline, base + 511 * MS);

	/* coarse tick only: the overrun is paid back from the next budget */
	dl_reset(1, 0, 1 * MS, false);
	g = sim_greedy_dl("G", 0, 2500 * US, 10 * MS, 10 * MS, 0);
	sim_run_until(3 * MS);
	/* charged at the 3 ms tick: 0.5 ms over */
	assert_true(g->t.throttled);
	assert_int_equal(g->t.dl.runtime, -(s64)(500 * US));
	sim_run_until(10 * MS);
	assert_int_equal(g->t.dl.runtime, 2 * MS);
	sim_run_for(10 * SEC);
	/* long-run share is exactly Q/P despite the coarse accounting */
	u64 exec = g->sim_exec;
	assert_true(exec >= 2500 * US * 1000 && exec <= 2500 * US * 1001 + MS);
}

/* New parameters for a thread already in the class buy no budget: its
 * deadline, throttling and debt stay, the runtime is only cut. */
static void test_reparam_keeps_state(void **state)
{
	(void)state;
	dl_reset(1, 0, 0, true);
	struct rq *rq = &SIM.cpu[0].rq;
	struct sim_thread *g = sim_greedy_dl("G", 0, 3 * MS, 10 * MS, 10 * MS, 0);
	sim_run_until(5 * MS);
	assert_true(g->t.throttled);
	rq->clock = sim_clock();
	assert_int_equal(sched_set_deadline(&g->t, 2 * MS, 10 * MS, 10 * MS, 0), 0);
	assert_true(g->t.throttled);
	assert_int_equal(rq->nr_running, 0);
	assert_int_equal(rq_next_event(rq), 10 * MS);
	rq->need_resched = false;
	sim_run_until(10 * MS);
	assert_int_equal(g->t.dl.runtime, 2 * MS);
	assert_int_equal(g->t.dl.deadline, 20 * MS);
	sim_run_until(11 * MS);
	/* running, 1 ms left: a bigger reservation does not refill it */
	rq->clock = sim_clock();
	assert_int_equal(sched_set_deadline(&g->t, 5 * MS, 20 * MS, 20 * MS, 0), 0);
	assert_ptr_equal(rq->curr, &g->t);
	assert_int_equal(g->t.dl.runtime, 1 * MS);
	assert_int_equal(g->t.dl.deadline, 20 * MS);
	sim_run_until(12 * MS);
	assert_true(g->t.throttled);
	assert_int_equal(rq_next_event(rq), 20 * MS); /* d - D + P, new D and P */
	sim_run_until(20 * MS);
	assert_int_equal(g->t.dl.deadline, 40 * MS);
	assert_int_equal(g->t.dl.runtime, 5 * MS);
	assert_int_equal(g->sim_exec, 3 * MS + 2 * MS);
	/* a smaller runtime cuts what is left */
	sim_run_until(21 * MS);
	rq->clock = sim_clock();
	assert_int_equal(sched_set_deadline(&g->t, 2 * MS, 20 * MS, 20 * MS, 0), 0);
	assert_int_equal(g->t.dl.runtime, 2 * MS);
	sim_run_until(23 * MS);
	assert_true(g->t.throttled);
	assert_int_equal(g->sim_exec, 3 * MS + 2 * MS + 3 * MS);
}

static void test_yield_gives_up_runtime(void **state)
{
	(void)state;
	dl_reset(1, 0, 0, true);
	struct rq *rq = &SIM.cpu[0].rq;
	/* jobs of 1 ms in a 4 ms / 10 ms server; yield when done */
	struct sim_thread *y = sim_dl("Y", 0, 4 * MS, 10 * MS, 10 * MS, 1 * MS, 10 * MS, 0);
	y->job.end = SIM_JOB_YIELD;
	struct sim_thread *f = sim_fair_hog("F", 0, 0);
	sim_run_until(1 * MS);
	assert_true(y->t.throttled);       /* the job is done: no more this period */
	assert_true(y->t.dl.yielded);
	assert_ptr_equal(rq->curr, &f->t);
	assert_int_equal(rq_next_event(rq), 10 * MS);
	sim_run_until(10 * MS);
	assert_ptr_equal(rq->curr, &y->t);
	assert_int_equal(y->t.dl.runtime, 4 * MS); /* the rest was given up */
	assert_int_equal(y->t.dl.deadline, 20 * MS);
	sim_run_for(SEC);
	assert_int_equal(y->jobs, 101);
	assert_int_equal(y->misses, 0);
	assert_int_equal(y->sim_exec, 101 * MS);
	assert_int_equal(y->t.dl.nr_throttled, 101);
}

static void test_constrained_deadline(void **state)
{
	(void)state;
	dl_reset(1, 0, 0, true);
	struct rq *rq = &SIM.cpu[0].rq;
	/* Q 2 ms, D 5 ms, P 10 ms */
	struct sim_thread *d = sim_dl("D", 0, 2 * MS, 5 * MS, 10 * MS, 1 * MS, 7 * MS, 0);
	/* job 0 at 0: d = 5, runs 1 ms, r = 1 ms left; job 1 at 7 ms: after
	 * d, before the next period (10 ms): throttled until 10 ms */
	sim_run_until(7 * MS);
	assert_true(d->t.throttled);
	assert_int_equal(rq_next_event(rq), 10 * MS);
	assert_int_equal(rq->nr_running, 0);
	sim_run_until(10 * MS);
	assert_false(d->t.throttled);
	assert_int_equal(d->t.dl.deadline, 15 * MS);
	assert_int_equal(d->t.dl.runtime, 2 * MS);
	sim_run_until(11 * MS);
	assert_int_equal(d->jobs, 2);
	/* job 2 at 14 ms: d = 15 ms not passed, r = 1 ms over 1 ms of
	 * laxity exceeds the density 2/5: revised rule, r = 2 * 1 / 5 ms */
	sim_run_until(14 * MS);
	assert_int_equal(d->t.dl.deadline, 15 * MS);
	assert_true(d->t.throttled || d->t.dl.runtime <= (s64)(400 * US));
	sim_run_for(2 * SEC);
	/* never more than Q per P (the checker), and the density holds */
	assert_true(d->sim_exec <= (SIM.now / (10 * MS) + 1) * 2 * MS);
}

static void test_wakeup_rule(void **state)
{
	(void)state;
	dl_reset(1, 0, 0, true);
	/* implicit deadline: a sleeper keeps its deadline and runtime while
	 * they still fit the bandwidth, and gets new ones when not */
	struct sim_thread *d = sim_dl("W", 0, 4 * MS, 10 * MS, 10 * MS, 1 * MS, NEVER / 4, 0);
	sim_run_until(1 * MS);
	assert_false(d->t.on_rq);
	assert_int_equal(d->t.dl.deadline, 10 * MS);
	assert_int_equal(d->t.dl.runtime, 3 * MS);
	/* at 2 ms: 3 ms in 8 ms < 4/10: kept */
	d->next_release = 2 * MS;
	sim_run_until(2 * MS);
	assert_int_equal(d->t.dl.deadline, 10 * MS);
	sim_run_until(3 * MS);
	assert_int_equal(d->t.dl.runtime, 2 * MS);
	/* at 6 ms: 2 ms in 4 ms > 4/10: new deadline 16 ms, runtime 4 ms */
	d->next_release = 6 * MS;
	sim_run_until(6 * MS);
	assert_int_equal(d->t.dl.deadline, 16 * MS);
	assert_int_equal(d->t.dl.runtime, 4 * MS);
	sim_run_until(7 * MS);
	/* long after the deadline: new period */
	d->next_release = 100 * MS + 3;
	sim_run_until(100 * MS + 3);
	assert_int_equal(d->t.dl.deadline, 110 * MS + 3);
	assert_int_equal(d->t.dl.runtime, 4 * MS);
}

static void test_llf(void **state)
{
	(void)state;
	/* a feasible set (U = 0.9) with constrained job deadlines */
	dl_reset(1, 0, 0, true);
	assert_int_equal(dl_rq_set_policy(&SIM.cpu[0].rq, "llf"), 0);
	SIM.cpu[0].rq.need_resched = false;
	assert_string_equal(dl_rq_policy_name(&SIM.cpu[0].rq), "llf");
	sim_dl("A", 0, 2 * MS, 10 * MS, 10 * MS, 2 * MS, 10 * MS, 0);
	sim_dl("B", 0, 6 * MS, 20 * MS, 20 * MS, 6 * MS, 20 * MS, 0);
	sim_dl("C", 0, 12 * MS, 40 * MS, 40 * MS, 12 * MS, 40 * MS, 0);
	sim_dl("D", 0, 6 * MS, 60 * MS, 60 * MS, 6 * MS, 60 * MS, 0);
	sim_run_for(10 * SEC);
	print_message("  LLF U=0.9: %llu jobs, %llu misses, %llu switches\n",
		      (unsigned long long)total_jobs(), (unsigned long long)total_misses(),
		      (unsigned long long)SIM.switches);
	assert_int_equal(total_misses(), 0);
	assert_true(total_jobs() >= 1900);

	/* the thrash guard: two identical jobs tie on laxity; with a
	 * granularity g each runs at least ~2g before the other takes over */
	static const u64 grans[] = { 500 * US, 100 * US, 2 * MS };
	for (size_t i = 0; i < ARRAY_SIZE(grans); i++) {
		dl_reset(1, 0, 0, true);
		sched_dl_set_llf_gran(grans[i]);
		assert_int_equal(dl_rq_set_policy(&SIM.cpu[0].rq, "llf"), 0);
		SIM.cpu[0].rq.need_resched = false;
		struct sim_thread *a = sim_dl("A", 0, 40 * MS, 100 * MS, 100 * MS, 40 * MS, 100 * MS, 0);
		struct sim_thread *b = sim_dl("B", 0, 40 * MS, 100 * MS, 100 * MS, 40 * MS, 100 * MS, 0);
		sim_run_for(SEC);
		u64 per_period = SIM.switches / 10;
		print_message("  LLF tie, granularity %llu us: %llu switches per 100 ms period\n",
			      (unsigned long long)(grans[i] / US), (unsigned long long)per_period);
		assert_int_equal(a->misses + b->misses, 0);
		assert_int_equal(a->jobs + b->jobs, 20);
		/* 80 ms of work per period, a switch at most every 2g */
		assert_true(SIM.switches <= 10 * (80 * MS / (2 * grans[i]) + 3));
		assert_true(SIM.switches >= 10 * (80 * MS / (2 * grans[i]) / 2)); /* it does alternate */
	}
	sched_dl_set_llf_gran(SCHED_DL_LLF_GRAN_DEFAULT_NS);

	/* LLF schedules a set EDF would too, but where laxities differ it
	 * runs the least laxity first: A (C 8, D 10) before B (C 1, D 9) */
	dl_reset(1, 0, 0, true);
	assert_int_equal(dl_rq_set_policy(&SIM.cpu[0].rq, "llf"), 0);
	SIM.cpu[0].rq.need_resched = false;
	struct sim_thread *a = sim_dl("A", 0, 8 * MS, 10 * MS, 10 * MS, 8 * MS, 100 * MS, 0);
	struct sim_thread *b = sim_dl("B", 0, 1 * MS, 9 * MS, 10 * MS, 1 * MS, 100 * MS, 0);
	sim_run_until(1 * MS);
	assert_ptr_equal(SIM.cpu[0].rq.curr, &a->t);
	sim_run_for(20 * MS);
	assert_int_equal(a->misses + b->misses, 0);
	assert_int_equal(a->jobs + b->jobs, 2);
}

static u64 test_key(const struct thread *t) { return t->dl.deadline; }
static u64 test_pa(const struct rq *rq, const struct thread *c, const struct thread *w)
{
	(void)rq; (void)c; (void)w;
	return ~0ULL;
}

static void test_policy_registry(void **state)
{
	(void)state;
	static const struct dl_policy_ops bad1 = { .name = "x", .key = NULL, .preempt_after = test_pa };
	static const struct dl_policy_ops bad2 = { .name = "", .key = test_key, .preempt_after = test_pa };
	static const struct dl_policy_ops dup = { .name = "edf", .key = test_key, .preempt_after = test_pa };
	static const struct dl_policy_ops fifo = { .name = "test-np", .key = test_key, .preempt_after = test_pa };
	assert_int_equal(sched_dl_policy_register(NULL), -EINVAL);
	assert_int_equal(sched_dl_policy_register(&bad1), -EINVAL);
	assert_int_equal(sched_dl_policy_register(&bad2), -EINVAL);
	assert_int_equal(sched_dl_policy_register(&dup), -EEXIST);
	assert_int_equal(sched_dl_policy_register(&fifo), 0);
	assert_int_equal(sched_dl_policy_register(&fifo), -EEXIST);
	assert_ptr_equal(sched_dl_policy_find("test-np"), &fifo);
	assert_non_null(sched_dl_policy_find("llf"));
	assert_null(sched_dl_policy_find("nope"));

	/* switching at run time rebuilds the queue with the new keys */
	dl_reset(1, 0, 0, true);
	struct rq *rq = &SIM.cpu[0].rq;
	assert_int_equal(dl_rq_set_policy(rq, "nope"), -ENOENT);
	assert_string_equal(dl_rq_policy_name(rq), "edf");
	sim_dl("A", 0, 3 * MS, 10 * MS, 10 * MS, 3 * MS, 10 * MS, 0);
	sim_dl("B", 0, 1 * MS, 5 * MS, 10 * MS, 1 * MS, 10 * MS, 0);
	sim_dl("C", 0, 2 * MS, 8 * MS, 20 * MS, 2 * MS, 20 * MS, 0);
	sim_dl("E", 0, 1 * MS, 9 * MS, 30 * MS, 1 * MS, 30 * MS, 0);
	const char *names[] = { "llf", "edf", "test-np", "llf", "edf" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		sim_run_for(97 * MS + 13);
		rq->clock = sim_clock();
		assert_int_equal(dl_rq_set_policy(rq, names[i]), 0);
		assert_string_equal(dl_rq_policy_name(rq), names[i]);
		if (strcmp(names[i], "test-np")) {
			/* the checker verifies the new order at once */
			rq_pick_next(rq, sim_clock());
			sim_check(false);
		} else {
			rq_pick_next(rq, sim_clock());
		}
		rq->need_resched = false;
	}
	sim_run_for(SEC);
	assert_int_equal(total_misses(), 0);
}

/* Simulated time across the u64 wrap, then two months with sparse jobs. */
static void test_long_runs(void **state)
{
	(void)state;
	static const struct task s[] = { { 1 * MS, 2 * MS }, { 1 * MS, 3 * MS }, { 1 * MS, 6 * MS } };
	/* the kernel's clock wraps 5 s into the run */
	run_edf_set(s, 3, (u64)-(5 * SEC), 0, true, 10 * SEC);
	assert_int_equal(total_misses(), 0);
	assert_true(total_jobs() > 9000);
	assert_true(SIM.cpu[0].rq.clock < 6 * SEC); /* it did wrap */

	/* two months: periods of seconds, a greedy server, a fair hog and a
	 * thread that sleeps for days between jobs, from 1 day before the
	 * wrap point */
	dl_reset(1, (u64)-DAY, 0, true);
	assert_int_equal(sched_dl_set_cap(0, 1000000), 0);
	struct sim_thread *a = sim_dl("A", 0, 1 * SEC, 4 * SEC, 4 * SEC, 1 * SEC, 4 * SEC, 0);
	struct sim_thread *b = sim_dl("B", 0, 1200 * MS, 3 * SEC, 3 * SEC, 1200 * MS, 3 * SEC, 0);
	struct sim_thread *g = sim_greedy_dl("G", 0, 500 * MS, 2 * SEC, 2 * SEC, 7);
	struct sim_thread *w = sim_dl("W", 0, 100 * MS, 1 * SEC, 1 * SEC, 100 * MS, 3 * DAY + 17, 5);
	struct sim_thread *f = sim_fair_hog("F", 0, 0);
	(void)g;
	(void)f;
	sim_run_for(61 * DAY);
	u64 months = SIM.now;
	print_message("  61 days from 1 day before the wrap: %llu jobs, %llu misses, %llu events; "
		      "G %.6f of the CPU (reserved 0.25)\n",
		      (unsigned long long)total_jobs(), (unsigned long long)total_misses(),
		      (unsigned long long)SIM.events, (double)g->sim_exec / (double)months);
	assert_int_equal(a->misses + b->misses + w->misses, 0);
	assert_int_equal(a->jobs, 61 * DAY / (4 * SEC));
	assert_int_equal(w->jobs, 21);
	assert_true(g->sim_exec <= months / 4 + 500 * MS);
	assert_true(g->sim_exec >= months / 4 - 2 * SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_param_validation, teardown),
		cmocka_unit_test_teardown(test_bandwidth_arithmetic, teardown),
		cmocka_unit_test_teardown(test_admission, teardown),
		cmocka_unit_test_teardown(test_partitioned_placement, teardown),
		cmocka_unit_test_teardown(test_global_admission, teardown),
		cmocka_unit_test_teardown(test_edf_utilization_one, teardown),
		cmocka_unit_test_teardown(test_cbs_isolation, teardown),
		cmocka_unit_test_teardown(test_throttle_timing, teardown),
		cmocka_unit_test_teardown(test_reparam_keeps_state, teardown),
		cmocka_unit_test_teardown(test_yield_gives_up_runtime, teardown),
		cmocka_unit_test_teardown(test_constrained_deadline, teardown),
		cmocka_unit_test_teardown(test_wakeup_rule, teardown),
		cmocka_unit_test_teardown(test_llf, teardown),
		cmocka_unit_test_teardown(test_policy_registry, teardown),
		cmocka_unit_test_teardown(test_long_runs, teardown),
	};
	return cmocka_run_group_tests(tests, sim_group_setup, NULL);
}
