/* test_rtanalysis.c — hosted tests of kernel/sched/analysis.c, the
 * schedulability analysis library (include/rayos/rtanalysis.h).
 *
 * Textbook examples, with the expected numbers recomputed by hand in the
 * comments (tuples are (C, T) or (C, T, D)):
 *   - Burns & Wellings, "Real-Time Systems and Programming Languages"
 *     (4th ed., 2009), ch. 11: the utilization-test task sets A
 *     (12,50) (10,40) (10,30), B (32,80) (5,40) (4,16), C (40,80) (10,40)
 *     (5,20), and the response-time example (3,7) (3,12) (5,20) with
 *     R = 3, 6, 20;
 *   - Buttazzo, "Hard Real-Time Computing Systems" (3rd ed., 2011), ch. 4,
 *     and "Rate Monotonic vs. EDF: Judgment Day" (RTS 2005), fig. 1:
 *     (2,5) (4,7) misses under RM (R2 = 8 > 7) and not under EDF; the
 *     issue's 20/50 40/70 is the same set in ms;
 *   - Lipari, EDF lecture notes (Scuola Superiore Sant'Anna): (1,4) (2,6)
 *     (3,8), U = 23/24, misses under RM, not under EDF;
 *   - Liu & Layland's bound n(2^(1/n) - 1) = 0.828427124746190097..,
 *     0.779763149684619494.., 0.756828460010884266.. for n = 2, 3, 4.
 * Constructed cases: the hyperbolic bound accepting exactly at 2 a set the
 * LL bound rejects; constrained-deadline sets with U <= 1 that fail the
 * demand criterion (first failing deadline checked); blocking terms that
 * flip a verdict at the exact boundary; first-fit vs worst-fit differing;
 * hour-long periods in ns, a hyperperiod that overflows 64 bits, and
 * utilizations that differ from 1 by about 2^-64 (exactness). Random sets
 * are checked against brute force: EDF against dbf at every deadline of the
 * hyperperiod, response times against a simulated fixed-priority schedule.
 * Mutation-checked (each mutant fails at least one test here): `<` for
 * `<=` in the RTA loop, blocking ignored, equal priorities not interfering,
 * hyperbolic `<=` made `<`, the LL bisection cut to 32 bits, LL compared
 * with 2^-40 slack, EDF U compared in fixed point instead of exactly, the
 * implicit-deadline shortcut taken for constrained sets, demand checked with
 * an off-by-one, the next deadline advanced by D instead of T, QPA's fail
 * test off by one and its stop test made `h < t`, La computed without the
 * (T - D) factor, La or the busy period never chosen as L, the hyperperiod
 * overflow check removed, worst-fit picking the most loaded CPU, the sort by
 * utilization made unstable, partitioning admitting by U <= 1 alone. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rayos/rtanalysis.h>
#include <rayos/printf.h>

#define NS_PER_HOUR (3600ULL * 1000 * 1000 * 1000)

static struct rt_task tk(u64 C, u64 T, u64 D)
{
	struct rt_task t = { .C = C, .T = T, .D = D ? D : T, .B = 0, .prio = 0 };
	return t;
}

static const char *fmt(rta_frac x, unsigned digits)
{
	static char buf[4][40];
	static int k;
	k = (k + 1) % 4;
	rta_frac_format(buf[k], sizeof(buf[k]), x, digits);
	return buf[k];
}

/* ---- validation and priorities ---- */

static void test_validate(void **state)
{
	(void)state;
	struct rt_task ok[2] = { tk(1, 4, 2), tk(2, 2, 2) }; /* C = D = T is fine */
	assert_int_equal(rta_validate(ok, 2), 0);
	struct rt_task bad[] = { tk(0, 4, 4), tk(1, 4, 5), tk(3, 4, 2) };
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(rta_validate(&bad[i], 1), -EINVAL);
	struct rt_task z = tk(1, 4, 4);
	z.T = 0;
	assert_int_equal(rta_validate(&z, 1), -EINVAL);
	z = tk(1, 4, 4);
	z.D = 0;
	assert_int_equal(rta_validate(&z, 1), -EINVAL);
	assert_int_equal(rta_validate(ok, 0), -EINVAL);
	struct rt_task many[RTA_MAX_TASKS + 1];
	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = tk(1, 1000, 0);
	assert_int_equal(rta_validate(many, RTA_MAX_TASKS), 0);
	assert_int_equal(rta_validate(many, RTA_MAX_TASKS + 1), -E2BIG);
	/* every entry point validates */
	struct rta_bound_result b;
	struct rta_fp_result f;
	struct rta_edf_result e;
	struct rta_partition_result p;
	assert_int_equal(rta_liu_layland(bad, 3, &b), -EINVAL);
	assert_int_equal(rta_hyperbolic(bad, 3, &b), -EINVAL);
	assert_int_equal(rta_response_time(bad, 3, &f), -EINVAL);
	assert_int_equal(rta_edf(bad, 3, &e), -EINVAL);
	assert_int_equal(rta_partition_edf(bad, 3, 2, RTA_FIRST_FIT, &p), -EINVAL);
	assert_int_equal(rta_assign_rm(bad, 3), -EINVAL);
	assert_int_equal(rta_partition_edf(ok, 2, 0, RTA_FIRST_FIT, &p), -EINVAL);
	assert_int_equal(rta_partition_edf(ok, 2, RTA_MAX_CPUS + 1, RTA_FIRST_FIT, &p), -EINVAL);
	/* EDF does not model blocking */
	ok[0].B = 1;
	assert_int_equal(rta_edf(ok, 2, &e), -EINVAL);
}

static void test_assign(void **state)
{
	(void)state;
	struct rt_task t[4] = { tk(1, 20, 10), tk(1, 10, 10), tk(1, 20, 5), tk(1, 10, 9) };
	assert_int_equal(rta_assign_rm(t, 4), 0);
	/* by T, ties in input order: 1 (10), 3 (10), 0 (20), 2 (20) */
	assert_int_equal(t[1].prio, 1);
	assert_int_equal(t[3].prio, 2);
	assert_int_equal(t[0].prio, 3);
	assert_int_equal(t[2].prio, 4);
	assert_true(rta_is_rm_order(t, 4));
	assert_int_equal(rta_assign_dm(t, 4), 0);
	/* by D: 2 (5), 3 (9), 0 (10), 1 (10) */
	assert_int_equal(t[2].prio, 1);
	assert_int_equal(t[3].prio, 2);
	assert_int_equal(t[0].prio, 3);
	assert_int_equal(t[1].prio, 4);
	assert_false(rta_is_rm_order(t, 4));
	assert_int_equal(rta_assign_fp(t, 4), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(t[i].prio, i + 1);
}

/* ---- utilization bounds ---- */

static void test_ll_bound_values(void **state)
{
	(void)state;
	/* floor(n(2^(1/n) - 1) * 2^62), from a 60-digit decimal computation */
	static const struct { u32 n; u64 exact; const char *text; } v[] = {
		{ 2, 3820445788478006404ULL, "0.828427125" },
		{ 3, 3596022815085462169ULL, "0.779763150" },
		{ 4, 3490255227380126430ULL, "0.756828460" },
		{ 32, 3231448777331711347ULL, "0.700708757" },
	};
	struct rt_task t[32];
	for (int i = 0; i < 32; i++)
		t[i] = tk(1, 1000, 0);
	for (unsigned k = 0; k < ARRAY_SIZE(v); k++) {
		struct rta_bound_result r;
		assert_int_equal(rta_liu_layland(t, v[k].n, &r), 0);
		assert_string_equal(fmt(r.bound, 9), v[k].text);
		/* a lower bound, within 2^-55 (2^7 units of 2^-62) */
		assert_true(r.bound <= v[k].exact);
		assert_true(v[k].exact - r.bound <= 128);
		print_message("LL bound n=%u: %s (exact - computed = %llu * 2^-62)\n", v[k].n,
			      fmt(r.bound, 18), (unsigned long long)(v[k].exact - r.bound));
	}
	struct rta_bound_result r;
	assert_int_equal(rta_liu_layland(t, 1, &r), 0);
	assert_true(r.bound == RTA_FRAC_ONE);
	t[0] = tk(7, 7, 0);
	assert_int_equal(rta_liu_layland(t, 1, &r), 0);
	assert_int_equal(r.verdict, RTA_PASS); /* U = 1 = bound for n = 1 */
}

static void test_ll_precision(void **state)
{
	(void)state;
	/* T = 10^15: U = 0.828427124746190 passes, 0.828427124746191 does not
	 * (the bound is 0.8284271247461900976..., 2^-53 above the first). */
	const u64 T = 1000000000000000ULL;
	struct rt_task t[2] = { tk(414213562373095ULL, T, 0), tk(414213562373095ULL, T, 0) };
	struct rta_bound_result r;
	assert_int_equal(rta_liu_layland(t, 2, &r), 0);
	assert_int_equal(r.verdict, RTA_PASS);
	t[1].C++;
	assert_int_equal(rta_liu_layland(t, 2, &r), 0);
	assert_int_equal(r.verdict, RTA_INCONCLUSIVE);
}

/* Burns & Wellings, utilization-based test, task sets A, B, C
 * (n = 3, bound 0.7798). */
static void test_burns_wellings_sets(void **state)
{
	(void)state;
	struct rta_bound_result b;
	struct rta_fp_result f;
	/* A: (12,50) (10,40) (10,30): U = 0.24 + 0.25 + 0.3333 = 0.8233 > 0.7798.
	 * RTA (RM: c, b, a): R_c = 10, R_b = 10 + 10 = 20,
	 * R_a: 12 -> 32 -> 42 -> 52 > 50: misses (the book's time line shows
	 * a's deadline missed at 50). 52 is the fixed point: 12+20+20. */
	struct rt_task A[3] = { tk(12, 50, 0), tk(10, 40, 0), tk(10, 30, 0) };
	rta_assign_rm(A, 3);
	assert_int_equal(rta_liu_layland(A, 3, &b), 0);
	assert_int_equal(b.verdict, RTA_INCONCLUSIVE);
	assert_string_equal(fmt(b.U, 4), "0.8233");
	assert_string_equal(fmt(b.bound, 4), "0.7798");
	assert_int_equal(rta_response_time(A, 3, &f), 0);
	assert_int_equal(f.verdict, RTA_FAIL);
	assert_int_equal(f.first_fail, 0);
	assert_int_equal(f.task[2].R, 10);
	assert_int_equal(f.task[1].R, 20);
	assert_int_equal(f.task[0].R, 52);
	assert_true(f.task[0].R_exact);
	/* B: (32,80) (5,40) (4,16): U = 0.4 + 0.125 + 0.25 = 0.775 <= 0.7798.
	 * R_c = 4, R_b = 5 + 4 = 9, R_a: 32 -> 45 -> 54 -> 58 -> 58. */
	struct rt_task B[3] = { tk(32, 80, 0), tk(5, 40, 0), tk(4, 16, 0) };
	rta_assign_rm(B, 3);
	assert_int_equal(rta_liu_layland(B, 3, &b), 0);
	assert_int_equal(b.verdict, RTA_PASS);
	assert_string_equal(fmt(b.U, 4), "0.7750");
	assert_int_equal(rta_response_time(B, 3, &f), 0);
	assert_int_equal(f.verdict, RTA_PASS);
	assert_int_equal(f.task[2].R, 4);
	assert_int_equal(f.task[1].R, 9);
	assert_int_equal(f.task[0].R, 58);
	/* C: (40,80) (10,40) (5,20): U = 1 > 0.7798, yet schedulable
	 * (harmonic): R_c = 5, R_b = 15, R_a: 40 -> 60 -> 75 -> 80 -> 80 = D. */
	struct rt_task C[3] = { tk(40, 80, 0), tk(10, 40, 0), tk(5, 20, 0) };
	rta_assign_rm(C, 3);
	assert_int_equal(rta_liu_layland(C, 3, &b), 0);
	assert_int_equal(b.verdict, RTA_INCONCLUSIVE);
	assert_string_equal(fmt(b.U, 4), "1.0000");
	assert_int_equal(rta_response_time(C, 3, &f), 0);
	assert_int_equal(f.verdict, RTA_PASS);
	assert_int_equal(f.first_fail, -1);
	assert_int_equal(f.task[2].R, 5);
	assert_int_equal(f.task[1].R, 15);
	assert_int_equal(f.task[0].R, 80);
	assert_int_equal(f.task[0].iterations, 4);
}

/* Burns & Wellings' response-time example: (3,7) (3,12) (5,20), R = 3, 6,
 * 20; U = 0.9286 is above the LL bound 0.7798 and the hyperbolic product
 * (10/7)(15/12)(25/20) = 2.2321 is above 2: only RTA accepts it. */
static void test_burns_wellings_rta(void **state)
{
	(void)state;
	struct rt_task t[3] = { tk(3, 7, 0), tk(3, 12, 0), tk(5, 20, 0) };
	rta_assign_rm(t, 3);
	struct rta_bound_result b;
	struct rta_fp_result f;
	assert_int_equal(rta_liu_layland(t, 3, &b), 0);
	assert_int_equal(b.verdict, RTA_INCONCLUSIVE);
	assert_string_equal(fmt(b.U, 4), "0.9286");
	assert_int_equal(rta_hyperbolic(t, 3, &b), 0);
	assert_int_equal(b.verdict, RTA_INCONCLUSIVE);
	assert_string_equal(fmt(b.prod, 4), "2.2321");
	assert_int_equal(rta_response_time(t, 3, &f), 0);
	assert_int_equal(f.verdict, RTA_PASS);
	assert_int_equal(f.task[0].R, 3);
	assert_int_equal(f.task[1].R, 6);
	assert_int_equal(f.task[2].R, 20);
	for (int i = 0; i < 3; i++)
		assert_true(f.task[i].R_exact);
}

/* Hyperbolic bound (Bini, Buttazzo & Buttazzo 2003) accepting what LL does
 * not: (5,10) (5,15): U = 0.8333 > 0.8284, but (1.5)(4/3) = 2 exactly. */
static void test_hyperbolic(void **state)
{
	(void)state;
	struct rt_task t[2] = { tk(5, 10, 0), tk(5, 15, 0) };
	rta_assign_rm(t, 2);
	struct rta_bound_result b;
	assert_int_equal(rta_liu_layland(t, 2, &b), 0);
	assert_int_equal(b.verdict, RTA_INCONCLUSIVE);
	assert_int_equal(rta_hyperbolic(t, 2, &b), 0);
	assert_int_equal(b.verdict, RTA_PASS);
	assert_string_equal(fmt(b.prod, 4), "2.0000");
	/* (5,10) (5,14): (1.5)(19/14) = 2.0357 > 2: inconclusive; RTA: 10 <= 14 */
	t[1].T = t[1].D = 14;
	assert_int_equal(rta_hyperbolic(t, 2, &b), 0);
	assert_int_equal(b.verdict, RTA_INCONCLUSIVE);
	assert_string_equal(fmt(b.prod, 4), "2.0357");
	struct rta_fp_result f;
	assert_int_equal(rta_response_time(t, 2, &f), 0);
	assert_int_equal(f.verdict, RTA_PASS);
	assert_int_equal(f.task[1].R, 10);
	/* the bounds do not apply with constrained deadlines or blocking */
	t[1].D = 13;
	assert_int_equal(rta_hyperbolic(t, 2, &b), 0);
	assert_int_equal(b.verdict, RTA_NA);
	assert_non_null(b.why_na);
	t[1].D = 14;
	t[1].B = 1;
	assert_int_equal(rta_liu_layland(t, 2, &b), 0);
	assert_int_equal(b.verdict, RTA_NA);
}

/* Buttazzo's RM vs EDF example (2,5) (4,7), and the 20/50 40/70 */
static void test_buttazzo_rm_vs_edf(void **state)
{
	(void)state;
	for (u64 scale = 1; scale <= 10000; scale *= 10) {
		struct rt_task t[2] = { tk(2 * scale, 5 * scale, 0), tk(4 * scale, 7 * scale, 0) };
		rta_assign_rm(t, 2);
		struct rta_fp_result f;
		assert_int_equal(rta_response_time(t, 2, &f), 0);
		assert_int_equal(f.verdict, RTA_FAIL);
		assert_int_equal(f.first_fail, 1);
		assert_int_equal(f.task[0].R, 2 * scale);
		/* 4 -> 6 -> 8 > 7; 8 = 4 + ceil(8/5) 2 is the fixed point */
		assert_int_equal(f.task[1].R, 8 * scale);
		assert_true(f.task[1].R_exact);
		struct rta_edf_result e;
		assert_int_equal(rta_edf(t, 2, &e), 0);
		assert_int_equal(e.verdict, RTA_PASS);
		assert_true(e.implicit);
		assert_int_equal(e.u_cmp, -1);
		assert_false(e.demand);
		assert_string_equal(fmt(e.U, 4), "0.9714");
	}
}

/* Lipari: (1,4) (2,6) (3,8), U = 23/24: RM misses (task 3: 3 -> 6 -> 7 ->
 * 9 > 8; 9 is not the fixed point: 3 + 3 + 4 = 10), EDF does not. */
static void test_lipari(void **state)
{
	(void)state;
	struct rt_task t[3] = { tk(1, 4, 0), tk(2, 6, 0), tk(3, 8, 0) };
	rta_assign_rm(t, 3);
	struct rta_fp_result f;
	assert_int_equal(rta_response_time(t, 3, &f), 0);
	assert_int_equal(f.verdict, RTA_FAIL);
	assert_int_equal(f.first_fail, 2);
	assert_int_equal(f.task[1].R, 3);
	assert_int_equal(f.task[2].R, 9);
	assert_false(f.task[2].R_exact);
	assert_int_equal(f.task[2].iterations, 3);
	struct rta_edf_result e;
	assert_int_equal(rta_edf(t, 3, &e), 0);
	assert_int_equal(e.verdict, RTA_PASS);
	assert_string_equal(fmt(e.U, 4), "0.9583");
}

/* DM is optimal for constrained deadlines, RM is not: (2,10,3) (2,5,5) */
static void test_dm_vs_rm(void **state)
{
	(void)state;
	struct rt_task t[2] = { tk(2, 10, 3), tk(2, 5, 5) };
	struct rta_fp_result f;
	rta_assign_rm(t, 2); /* task 1 first: task 0 gets 2 + 2 = 4 > 3 */
	assert_int_equal(rta_response_time(t, 2, &f), 0);
	assert_int_equal(f.verdict, RTA_FAIL);
	assert_int_equal(f.first_fail, 0);
	assert_int_equal(f.task[0].R, 4);
	rta_assign_dm(t, 2); /* task 0 first: 2 <= 3; task 1: 2 + 2 = 4 <= 5 */
	assert_int_equal(rta_response_time(t, 2, &f), 0);
	assert_int_equal(f.verdict, RTA_PASS);
	assert_int_equal(f.task[0].R, 2);
	assert_int_equal(f.task[1].R, 4);
}

/* Blocking: Burns & Wellings' (3,7) (3,12) (5,20) with B on the middle task:
 * B = 3: 6 -> 9 -> 12 -> 12 <= 12; B = 4: 7 -> 10 -> 13 > 12. */
static void test_blocking(void **state)
{
	(void)state;
	struct rt_task t[3] = { tk(3, 7, 0), tk(3, 12, 0), tk(5, 20, 0) };
	rta_assign_rm(t, 3);
	struct rta_fp_result f;
	t[1].B = 3;
	assert_int_equal(rta_response_time(t, 3, &f), 0);
	assert_int_equal(f.verdict, RTA_PASS);
	assert_int_equal(f.task[1].R, 12);
	assert_int_equal(f.task[2].R, 20); /* B of a higher task does not count */
	t[1].B = 4;
	assert_int_equal(rta_response_time(t, 3, &f), 0);
	assert_int_equal(f.verdict, RTA_FAIL);
	assert_int_equal(f.first_fail, 1);
	assert_int_equal(f.task[1].R, 13);
	/* blocking alone past the deadline: C + B = 3 + 10 > 12, no iteration */
	t[1].B = 10;
	assert_int_equal(rta_response_time(t, 3, &f), 0);
	assert_int_equal(f.task[1].verdict, RTA_FAIL);
	assert_int_equal(f.task[1].R, 13);
	assert_int_equal(f.task[1].iterations, 0);
	/* equal priorities interfere both ways: (1,4) (1,4) at one level */
	struct rt_task e[2] = { tk(1, 4, 0), tk(1, 4, 0) };
	e[0].prio = e[1].prio = 1;
	assert_int_equal(rta_response_time(e, 2, &f), 0);
	assert_int_equal(f.task[0].R, 2);
	assert_int_equal(f.task[1].R, 2);
}

/* The iteration guard: a higher-priority task of U = 0.99999 makes the
 * iterates creep up by a factor 0.99999 of the remaining distance; D is
 * about 230000 iterations away: UNKNOWN, not PASS and not a miss. */
static void test_rta_iteration_guard(void **state)
{
	(void)state;
	struct rt_task t[2] = { tk(99999, 100000, 0), tk(100000000, 9000000000000ULL, 0) };
	rta_assign_rm(t, 2);
	struct rta_fp_result f;
	assert_int_equal(rta_response_time(t, 2, &f), 0);
	assert_int_equal(f.verdict, RTA_UNKNOWN);
	assert_int_equal(f.first_fail, 1);
	assert_int_equal(f.task[1].verdict, RTA_UNKNOWN);
	assert_int_equal(f.task[1].iterations, RTA_RESP_MAX_ITER);
	assert_true(f.task[1].R < t[1].D);
	/* one proven miss outranks an unknown */
	struct rt_task u[3] = { t[0], t[1], tk(2, 3, 0) };
	rta_assign_fp(u, 3); /* (2,3) last: 2 + 99999 + ... > 3 */
	assert_int_equal(rta_response_time(u, 3, &f), 0);
	assert_int_equal(f.verdict, RTA_FAIL);
	assert_int_equal(f.task[1].verdict, RTA_UNKNOWN);
	assert_int_equal(f.task[2].verdict, RTA_FAIL);
	assert_int_equal(f.first_fail, 2);
}

/* ---- EDF ---- */

static void test_edf_utilization_exact(void **state)
{
	(void)state;
	struct rta_edf_result e;
	/* (1,2) (1,3) (1,6): U = 1 exactly; each term rounded up would be > 1 */
	struct rt_task t[3] = { tk(1, 2, 0), tk(1, 3, 0), tk(1, 6, 0) };
	assert_int_equal(rta_edf(t, 3, &e), 0);
	assert_int_equal(e.u_cmp, 0);
	assert_int_equal(e.verdict, RTA_PASS);
	t[2] = tk(1, 5, 0); /* U = 31/30 */
	assert_int_equal(rta_edf(t, 3, &e), 0);
	assert_int_equal(e.u_cmp, 1);
	assert_int_equal(e.verdict, RTA_FAIL);
	/* U - 1 of about +-2^-64: 2^63/(2^64-1) + (2^63-1)/(2^64-2) */
	const u64 big = ~0ULL;
	struct rt_task h[2] = { tk(1ULL << 63, big, 0), tk((1ULL << 63) - 1, big - 1, 0) };
	assert_int_equal(rta_edf(h, 2, &e), 0);
	assert_int_equal(e.u_cmp, 1);
	assert_int_equal(e.verdict, RTA_FAIL);
	h[0].C--;
	assert_int_equal(rta_edf(h, 2, &e), 0);
	assert_int_equal(e.u_cmp, -1);
	assert_int_equal(e.verdict, RTA_PASS);
}

/* Constrained deadlines: U <= 1 but the demand criterion fails. */
static void test_edf_demand(void **state)
{
	(void)state;
	struct rta_edf_result e;
	/* (2,4,3) (2,8,3): U = 0.75; dbf(3) = 4 > 3 */
	struct rt_task a[2] = { tk(2, 4, 3), tk(2, 8, 3) };
	assert_int_equal(rta_edf(a, 2, &e), 0);
	assert_int_equal(e.u_cmp, -1);
	assert_true(e.demand);
	assert_int_equal(e.verdict, RTA_FAIL);
	assert_int_equal(e.fail_t, 3);
	assert_int_equal(e.fail_dbf, 4);
	assert_true(e.fail_first);
	/* (1,10,2) (3,4,4) (1,7,5): U = 139/140; deadlines 2 4 5 8 12: dbf =
	 * 1 4 5 8 13 > 12, the first failure. H = 140, La = (8/10 + 2/7) * 140
	 * = 152, busy period 5 -> 8 -> 9 -> 12 -> 13 -> 16 -> 17 -> 20 -> 20. */
	struct rt_task b[3] = { tk(1, 10, 2), tk(3, 4, 4), tk(1, 7, 5) };
	assert_int_equal(rta_edf(b, 3, &e), 0);
	assert_int_equal(e.verdict, RTA_FAIL);
	assert_int_equal(e.fail_t, 12);
	assert_int_equal(e.fail_dbf, 13);
	assert_int_equal(e.points, 5);
	assert_true(e.H_ok && e.La_ok && e.Lb_ok);
	assert_int_equal(e.H, 140);
	assert_int_equal(e.La, 152);
	assert_int_equal(e.Lb, 20);
	assert_int_equal(e.L_kind, RTA_L_BUSY);
	assert_int_equal(e.L, 20);
	/* passing: (1,4,2) (2,6,5) (1,8,8): U = 1/4 + 1/3 + 1/8 = 0.7083;
	 * deadlines <= L with demand 1 (t=2), 3 (5), 4 (6), 5 (8), ... */
	struct rt_task c[3] = { tk(1, 4, 2), tk(2, 6, 5), tk(1, 8, 8) };
	assert_int_equal(rta_edf(c, 3, &e), 0);
	assert_int_equal(e.verdict, RTA_PASS);
	assert_true(e.points > 0);
	assert_int_equal(e.scanned_to, e.L);
	/* H = 24; La = (2/4 + 1/3) / (7/24) = 20/7, rounded up 3; the busy
	 * period (4) is not sought past min(H, La). L = La = 3: one deadline
	 * (2, dbf 1). */
	assert_int_equal(e.H, 24);
	assert_int_equal(e.La, 3);
	assert_false(e.Lb_ok);
	assert_int_equal(e.L_kind, RTA_L_LA);
	assert_int_equal(e.points, 1);
}

static void test_edf_demand_utilization_one(void **state)
{
	(void)state;
	/* U = 1 with constrained deadlines: La is unavailable, H or Lb bound it.
	 * (1,2,1) (1,2,2): dbf(1) = 1, dbf(2) = 2: schedulable. */
	struct rt_task t[2] = { tk(1, 2, 1), tk(1, 2, 2) };
	struct rta_edf_result e;
	assert_int_equal(rta_edf(t, 2, &e), 0);
	assert_int_equal(e.u_cmp, 0);
	assert_false(e.La_ok);
	assert_int_equal(e.verdict, RTA_PASS);
	assert_int_equal(e.L, 2);
	t[1].D = 1; /* dbf(1) = 2 > 1 */
	assert_int_equal(rta_edf(t, 2, &e), 0);
	assert_int_equal(e.verdict, RTA_FAIL);
	assert_int_equal(e.fail_t, 1);
}

/* lcm of the periods (small sets only: no overflow check) */
static u64 naive_hyperperiod(const struct rt_task *t, u32 n)
{
	u64 H = 1;
	for (u32 i = 0; i < n; i++) {
		u64 a = H, b = t[i].T;
		while (b) {
			u64 r = a % b;
			a = b;
			b = r;
		}
		H = H / a * t[i].T;
	}
	return H;
}

/* naive dbf at every deadline up to the hyperperiod */
static bool naive_dbf_ok(const struct rt_task *t, u32 n, u64 *first_fail)
{
	u64 H = naive_hyperperiod(t, n);
	for (u64 x = 1; x <= H; x++) {
		bool is_deadline = false;
		u64 h = 0;
		for (u32 i = 0; i < n; i++) {
			if (x >= t[i].D) {
				h += ((x - t[i].D) / t[i].T + 1) * t[i].C;
				is_deadline |= (x - t[i].D) % t[i].T == 0;
			}
		}
		if (is_deadline && h > x) {
			*first_fail = x;
			return false;
		}
	}
	return true;
}

/* Long scans go to QPA: (1,4,2) (700000,1000000,D2). Busy period ~933334,
 * about 233000 deadlines of task 0 below it. D2 = 900000: dbf(900000) =
 * 225000 + 700000 > 900000; D2 = 950000: schedulable. */
static void test_edf_qpa(void **state)
{
	(void)state;
	struct rt_task t[2] = { tk(1, 4, 2), tk(700000, 1000000, 900000) };
	struct rta_edf_result e;
	u64 ff = 0;
	assert_int_equal(rta_edf(t, 2, &e), 0);
	print_message("QPA fail: L %llu (%s), %llu points, %u QPA steps, t %llu dbf %llu\n",
		      (unsigned long long)e.L, rta_lkind_name(e.L_kind), (unsigned long long)e.points,
		      e.qpa_steps, (unsigned long long)e.fail_t, (unsigned long long)e.fail_dbf);
	assert_int_equal(e.verdict, RTA_FAIL);
	assert_int_equal(e.points, RTA_SCAN_MAX_POINTS);
	assert_true(e.qpa_steps > 0);
	assert_false(e.fail_first);
	assert_true(e.fail_t >= 900000 && e.fail_dbf > e.fail_t);
	assert_false(naive_dbf_ok(t, 2, &ff));
	assert_int_equal(ff, 900000);
	t[1].D = 950000;
	assert_int_equal(rta_edf(t, 2, &e), 0);
	print_message("QPA pass: L %llu (%s), %llu points, %u QPA steps\n", (unsigned long long)e.L,
		      rta_lkind_name(e.L_kind), (unsigned long long)e.points, e.qpa_steps);
	assert_int_equal(e.verdict, RTA_PASS);
	assert_true(e.qpa_steps > 0);
	assert_true(naive_dbf_ok(t, 2, &ff));
	/* a third task stretches the busy period (~946667) past the failing
	 * stretch [900000, 933333]: QPA walks down several steps to it */
	struct rt_task u[3] = { tk(1, 4, 2), tk(700000, 1000000, 900000), tk(10000, 2000000, 1900000) };
	assert_int_equal(rta_edf(u, 3, &e), 0);
	print_message("QPA walk: L %llu (%s), %u QPA steps, t %llu dbf %llu\n", (unsigned long long)e.L,
		      rta_lkind_name(e.L_kind), e.qpa_steps, (unsigned long long)e.fail_t,
		      (unsigned long long)e.fail_dbf);
	assert_int_equal(e.verdict, RTA_FAIL);
	assert_true(e.qpa_steps > 2);
	assert_true(e.fail_t >= 900000 && e.fail_t <= 933333 && e.fail_dbf > e.fail_t);
	assert_false(naive_dbf_ok(u, 3, &ff));
	assert_int_equal(ff, 900000);
}

/* ---- large values ---- */

static void test_hours_in_ns(void **state)
{
	(void)state;
	const u64 h = NS_PER_HOUR;
	/* (0.5h, 1h) (0.5h, 2h): R2 = 0.5h + 0.5h = 1h; U = 0.75 */
	struct rt_task t[2] = { tk(h / 2, h, 0), tk(h / 2, 2 * h, 0) };
	rta_assign_rm(t, 2);
	struct rta_fp_result f;
	assert_int_equal(rta_response_time(t, 2, &f), 0);
	assert_int_equal(f.verdict, RTA_PASS);
	assert_int_equal(f.task[1].R, h);
	struct rta_bound_result b;
	assert_int_equal(rta_liu_layland(t, 2, &b), 0);
	assert_int_equal(b.verdict, RTA_PASS);
	assert_string_equal(fmt(b.U, 4), "0.7500");
	/* Buttazzo's set in hours: R2 = 8/7 h > 1 h */
	struct rt_task u[2] = { tk(2 * h, 5 * h, 0), tk(4 * h, 7 * h, 0) };
	rta_assign_rm(u, 2);
	assert_int_equal(rta_response_time(u, 2, &f), 0);
	assert_int_equal(f.verdict, RTA_FAIL);
	assert_int_equal(f.task[1].R, 8 * h);
	/* coprime periods of about an hour: the hyperperiod (~2^125) does not
	 * fit in 64 bits, La and the busy period bound the demand check */
	struct rt_task c[3] = { tk(h / 4, h + 1, h / 2), tk(h / 4, h + 3, h / 2 + 7), tk(h / 8, h + 7, h / 3) };
	struct rta_edf_result e;
	assert_int_equal(rta_edf(c, 3, &e), 0);
	assert_false(e.H_ok);
	assert_true(e.La_ok || e.Lb_ok);
	assert_true(e.L_kind == RTA_L_LA || e.L_kind == RTA_L_BUSY);
	print_message("hour periods: La %llu ok %d, Lb %llu ok %d, L %s, %llu points\n",
		      (unsigned long long)e.La, e.La_ok, (unsigned long long)e.Lb, e.Lb_ok,
		      rta_lkind_name(e.L_kind), (unsigned long long)e.points);
	/* demand at t = h/3: h/8; at h/2: 3h/8; at h/2 + 7: 5h/8 > h/2 + 7 */
	assert_int_equal(e.verdict, RTA_FAIL);
	assert_int_equal(e.fail_t, h / 2 + 7);
	assert_int_equal(e.fail_dbf, h / 4 + h / 4 + h / 8);
	c[1].D = h / 2 + h / 4;
	c[1].C = h / 8;
	assert_int_equal(rta_edf(c, 3, &e), 0);
	assert_int_equal(e.verdict, RTA_PASS);
	/* periods near 2^64 in RTA: sums stay exact */
	const u64 big = ~0ULL;
	struct rt_task g[2] = { tk(big / 2, big, 0), tk(big / 2, big, 0) };
	rta_assign_fp(g, 2);
	assert_int_equal(rta_response_time(g, 2, &f), 0);
	assert_int_equal(f.verdict, RTA_PASS);
	assert_int_equal(f.task[1].R, big / 2 * 2);
	g[1].C = big / 2 + 2; /* R = big/2 + big/2 + 2 = big + 1 > T */
	g[1].D = g[1].T = big;
	assert_int_equal(rta_response_time(g, 2, &f), 0);
	assert_int_equal(f.verdict, RTA_FAIL);
	assert_int_equal(f.task[1].R, big); /* saturated */
}

/* ---- partitioning ---- */

static void test_partition_ff_wf(void **state)
{
	(void)state;
	/* utilizations 0.3 0.5 0.3 0.5 0.3 on 2 CPUs; decreasing: tasks 1 3 0 2 4.
	 * first-fit: 1,3 -> cpu 0 (1.0); 0,2,4 -> cpu 1 (0.9): all placed.
	 * worst-fit: 1 -> 0, 3 -> 1, 0 -> 0 (0.8), 2 -> 1 (0.8), 4 fits nowhere.
	 * best-fit:  like first-fit here. */
	struct rt_task t[5] = { tk(3, 10, 0), tk(5, 10, 0), tk(3, 10, 0), tk(5, 10, 0), tk(3, 10, 0) };
	struct rta_partition_result r;
	assert_int_equal(rta_partition_edf(t, 5, 2, RTA_FIRST_FIT, &r), 0);
	static const u32 order[5] = { 1, 3, 0, 2, 4 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(r.order[i], order[i]);
	assert_int_equal(r.verdict, RTA_PASS);
	static const int ff[5] = { 1, 0, 1, 0, 1 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(r.cpu[i], ff[i]);
	assert_int_equal(r.cpu_tasks[0], 2);
	assert_int_equal(r.cpu_tasks[1], 3);
	assert_string_equal(fmt(r.cpu_util[0], 4), "1.0000");
	assert_string_equal(fmt(r.cpu_util[1], 4), "0.9000");
	assert_int_equal(rta_partition_edf(t, 5, 2, RTA_WORST_FIT, &r), 0);
	assert_int_equal(r.verdict, RTA_FAIL);
	assert_int_equal(r.failed_task, 4);
	static const int wf[5] = { 0, 0, 1, 1, -1 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(r.cpu[i], wf[i]);
	assert_int_equal(rta_partition_edf(t, 5, 2, RTA_BEST_FIT, &r), 0);
	assert_int_equal(r.verdict, RTA_PASS);
	for (int i = 0; i < 5; i++)
		assert_int_equal(r.cpu[i], ff[i]);
	/* three CPUs, worst-fit: 1 -> 0, 3 -> 1, 0 -> 2, 2 -> 2 (0.3 is the
	 * least), 4 -> 0 (0.5, 0.5, 0.6: the tie goes to the lower number) */
	assert_int_equal(rta_partition_edf(t, 5, 3, RTA_WORST_FIT, &r), 0);
	assert_int_equal(r.verdict, RTA_PASS);
	static const int wf3[5] = { 2, 0, 2, 1, 0 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(r.cpu[i], wf3[i]);
}

/* Constrained deadlines: a CPU accepts a task only if the demand test still
 * passes, not just U <= 1. (2,4,3) and (2,8,3) cannot share a CPU. */
static void test_partition_constrained(void **state)
{
	(void)state;
	struct rt_task t[2] = { tk(2, 4, 3), tk(2, 8, 3) };
	struct rta_partition_result r;
	assert_int_equal(rta_partition_edf(t, 2, 1, RTA_FIRST_FIT, &r), 0);
	assert_int_equal(r.verdict, RTA_FAIL);
	assert_int_equal(r.failed_task, 1);
	assert_int_equal(rta_partition_edf(t, 2, 2, RTA_FIRST_FIT, &r), 0);
	assert_int_equal(r.verdict, RTA_PASS);
	assert_int_equal(r.cpu[0], 0);
	assert_int_equal(r.cpu[1], 1);
}

/* ---- brute force on random sets ---- */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;
static u64 rnd(u64 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

/* First-job response times of a synchronous fixed-priority schedule
 * (the critical instant), unit steps, over the hyperperiod; 0 = not done
 * by its deadline. Lower prio value runs first. */
static void simulate_fp(const struct rt_task *t, u32 n, u64 *resp)
{
	u64 left[8] = { 0 }, H = naive_hyperperiod(t, n);
	for (u32 i = 0; i < n; i++)
		resp[i] = 0;
	for (u64 x = 0; x < H; x++) {
		for (u32 i = 0; i < n; i++)
			if (x % t[i].T == 0)
				left[i] += t[i].C; /* a late job's work carries over */
		int run = -1;
		for (u32 i = 0; i < n; i++)
			if (left[i] && (run < 0 || t[i].prio < t[run].prio))
				run = (int)i;
		if (run >= 0 && --left[run] == 0 && x + 1 <= t[run].T && !resp[run])
			resp[run] = x + 1;
	}
}

static void test_random_against_brute_force(void **state)
{
	(void)state;
	int edf_pass = 0, edf_fail = 0, fp_pass = 0, fp_fail = 0;
	for (int iter = 0; iter < 3000; iter++) {
		u32 n = 1 + (u32)rnd(4);
		struct rt_task t[4];
		for (u32 i = 0; i < n; i++) {
			u64 T = 2 + rnd(14), D = 1 + rnd(T), C = 1 + rnd(D < 4 ? D : D / 2 + 1);
			t[i] = tk(C, T, D);
		}
		struct rta_edf_result e;
		u64 ff = 0;
		assert_int_equal(rta_edf(t, n, &e), 0);
		if (e.u_cmp <= 0) {
			bool ok = naive_dbf_ok(t, n, &ff);
			assert_int_equal(e.verdict, ok ? RTA_PASS : RTA_FAIL);
			if (!ok) {
				assert_int_equal(e.fail_t, ff);
				edf_fail++;
			} else {
				edf_pass++;
			}
		}
		rta_assign_dm(t, n);
		struct rta_fp_result f;
		u64 resp[4];
		assert_int_equal(rta_response_time(t, n, &f), 0);
		simulate_fp(t, n, resp);
		for (u32 i = 0; i < n; i++) {
			/* the least fixed point is the first job's completion in
			 * the synchronous schedule, whatever the others do */
			bool sim_ok = resp[i] && resp[i] <= t[i].D;
			assert_int_equal(f.task[i].verdict, sim_ok ? RTA_PASS : RTA_FAIL);
			if (sim_ok)
				assert_int_equal(f.task[i].R, resp[i]);
		}
		if (f.verdict == RTA_PASS)
			fp_pass++;
		else
			fp_fail++;
	}
	print_message("random: EDF %d pass %d fail, DM %d pass %d fail\n", edf_pass, edf_fail, fp_pass, fp_fail);
	assert_true(edf_pass > 100 && edf_fail > 100 && fp_pass > 100 && fp_fail > 100);
}

static void test_format(void **state)
{
	(void)state;
	char buf[32];
	rta_frac_format(buf, sizeof(buf), RTA_FRAC_ONE - 1, 4);
	assert_string_equal(buf, "1.0000");
	rta_frac_format(buf, sizeof(buf), RTA_FRAC_ONE / 3, 4);
	assert_string_equal(buf, "0.3333");
	rta_frac_format(buf, sizeof(buf), 2 * RTA_FRAC_ONE / 3, 2);
	assert_string_equal(buf, "0.67");
	rta_frac_format(buf, sizeof(buf), 5 * RTA_FRAC_ONE / 2, 0);
	assert_string_equal(buf, "3");
	assert_string_equal(rta_verdict_name(RTA_PASS), "schedulable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_assign),
		cmocka_unit_test(test_ll_bound_values),
		cmocka_unit_test(test_ll_precision),
		cmocka_unit_test(test_burns_wellings_sets),
		cmocka_unit_test(test_burns_wellings_rta),
		cmocka_unit_test(test_hyperbolic),
		cmocka_unit_test(test_buttazzo_rm_vs_edf),
		cmocka_unit_test(test_lipari),
		cmocka_unit_test(test_dm_vs_rm),
		cmocka_unit_test(test_blocking),
		cmocka_unit_test(test_rta_iteration_guard),
		cmocka_unit_test(test_edf_utilization_exact),
		cmocka_unit_test(test_edf_demand),
		cmocka_unit_test(test_edf_demand_utilization_one),
		cmocka_unit_test(test_edf_qpa),
		cmocka_unit_test(test_hours_in_ns),
		cmocka_unit_test(test_partition_ff_wf),
		cmocka_unit_test(test_partition_constrained),
		cmocka_unit_test(test_random_against_brute_force),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
