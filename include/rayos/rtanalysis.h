/* rtanalysis.h — schedulability analysis of periodic/sporadic task sets on
 * one CPU (and partitioned EDF on several), kernel/sched/analysis.c.
 *
 * Portable and integer-only (the kernel has no floating point): times are
 * u64 in any one unit the caller chooses (the `rt analyze` command uses µs,
 * the hosted tests also ns); utilizations are fixed point, rta_frac, with
 * RTA_FRAC_SHIFT fractional bits. Where a test is exact the library decides
 * it exactly (big-integer cross-multiplication), where the bound is
 * irrational (Liu & Layland) it decides conservatively: never "pass" for a
 * set that does not meet the bound.
 *
 * Task model: struct rt_task, C ≤ D ≤ T (constrained deadlines; D = T is
 * implicit), all of C, D, T > 0; B is a blocking term (the longest a job can
 * be blocked by lower-priority work, e.g. under a priority ceiling); prio is
 * a fixed priority rank, 1 = highest, set by rta_assign_*(). Everything else
 * is rejected with -EINVAL; more than RTA_MAX_TASKS tasks with -E2BIG.
 *
 * Nothing here allocates, sleeps, locks or reads a clock: callers pass
 * their own arrays and result structs (the results are a few hundred bytes;
 * rta_partition_edf() needs about 3.5 KiB of stack, gcc -fstack-usage). */
#ifndef RAYOS_RTANALYSIS_H
#define RAYOS_RTANALYSIS_H
#include <rayos/types.h>

#define RTA_MAX_TASKS 32
#define RTA_MAX_CPUS 32

/* Fixed point: value = x / 2^RTA_FRAC_SHIFT (precision 2^-62). */
typedef unsigned __int128 rta_frac;
#define RTA_FRAC_SHIFT 62
#define RTA_FRAC_ONE ((rta_frac)1 << RTA_FRAC_SHIFT)

/* Iteration guards: an analysis that needs more gives RTA_UNKNOWN. */
#define RTA_RESP_MAX_ITER 100000u     /* response-time fixed-point iterations per task */
#define RTA_BUSY_MAX_ITER 100000u    /* synchronous busy-period iterations */
#define RTA_SCAN_MAX_POINTS 100000u  /* deadlines checked one by one, then QPA */
#define RTA_QPA_MAX_ITER 100000u     /* QPA steps */

struct rt_task {
	u64 C;    /* worst-case execution time */
	u64 T;    /* period (minimum inter-arrival time) */
	u64 D;    /* relative deadline, C <= D <= T */
	u64 B;    /* blocking term (fixed-priority response time only) */
	int prio; /* fixed priority rank: 1 highest; equal ranks interfere both ways */
};

enum rta_verdict {
	RTA_NA = 0,   /* the test does not apply to this set (why_na says why) */
	RTA_PASS,     /* schedulable by this test */
	RTA_FAIL,     /* not schedulable (exact and necessary tests only) */
	RTA_INCONCLUSIVE, /* a sufficient test is not met: no conclusion */
	RTA_UNKNOWN,  /* an iteration or overflow guard stopped the analysis */
};
const char *rta_verdict_name(enum rta_verdict v);

/* 0, -EINVAL (C, D or T zero; C > D; D > T; n == 0), -E2BIG (n too big). */
int rta_validate(const struct rt_task *t, u32 n);

/* Priority assignment (prio = 1..n, 1 highest):
 *   rm: shorter period first (Liu & Layland 1973), ties in input order;
 *   dm: shorter relative deadline first (Leung & Whitehead 1982), ties in
 *       input order;
 *   fp: the input order (first = highest). */
int rta_assign_rm(struct rt_task *t, u32 n);
int rta_assign_dm(struct rt_task *t, u32 n);
int rta_assign_fp(struct rt_task *t, u32 n);
/* True when the priorities are rate-monotonic (a higher priority never has
 * a longer period), the order the utilization bounds assume. */
bool rta_is_rm_order(const struct rt_task *t, u32 n);

/* U_i = C_i/T_i rounded up, and U = sum of them (each rounded up). */
rta_frac rta_task_util(const struct rt_task *t);
rta_frac rta_total_util(const struct rt_task *t, u32 n);
/* Exact comparison of U = sum C_i/T_i with 1: -1, 0 or 1. */
int rta_util_cmp_one(const struct rt_task *t, u32 n);

/* Utilization bounds for rate-monotonic priorities, implicit deadlines,
 * no blocking (otherwise RTA_NA with why_na set). Sufficient only:
 * RTA_PASS or RTA_INCONCLUSIVE. */
struct rta_bound_result {
	enum rta_verdict verdict;
	const char *why_na;
	u32 n;
	rta_frac U;     /* sum of C_i/T_i, each term rounded up */
	rta_frac bound; /* Liu-Layland: n(2^(1/n) - 1), rounded down (within 2^-55) */
	rta_frac prod;  /* hyperbolic: prod(U_i + 1), rounded up (display only) */
};
/* Liu & Layland 1973: U <= n(2^(1/n) - 1). */
int rta_liu_layland(const struct rt_task *t, u32 n, struct rta_bound_result *r);
/* Bini, Buttazzo & Buttazzo 2003: prod(U_i + 1) <= 2, decided exactly. */
int rta_hyperbolic(const struct rt_task *t, u32 n, struct rta_bound_result *r);

/* Exact response-time analysis for fixed priorities with blocking
 * (Joseph & Pandya 1986; Audsley, Burns, Richardson, Tindell & Wellings
 * 1993): R_i = C_i + B_i + sum_{j in hp(i)} ceil(R_i / T_j) C_j, iterated
 * from C_i + B_i to the least fixed point or until R_i > D_i. */
struct rta_resp {
	enum rta_verdict verdict; /* PASS (R <= D), FAIL (R > D), UNKNOWN (guard) */
	u64 R;          /* the fixed point; on FAIL the first iterate above D
			 * (a lower bound of the response time), saturated */
	bool R_exact;   /* R is the fixed point (also on FAIL when it is one) */
	u32 iterations;
};
struct rta_fp_result {
	enum rta_verdict verdict; /* PASS, FAIL or UNKNOWN */
	int first_fail;           /* input index of the highest-priority task
				   * that misses (or is UNKNOWN), -1 */
	u32 n;
	struct rta_resp task[RTA_MAX_TASKS]; /* by input index */
};
int rta_response_time(const struct rt_task *t, u32 n, struct rta_fp_result *r);

/* EDF on one CPU (also the test for LLF, optimal like EDF on one CPU,
 * Mok 1983). Blocking terms are not modelled: B != 0 gives -EINVAL.
 *   - implicit deadlines: U <= 1 is exact (Liu & Layland 1973);
 *   - constrained deadlines: U <= 1 and dbf(t) <= t at every absolute
 *     deadline t <= L (Baruah, Rosier & Howell 1990), where
 *     dbf(t) = sum_i max(0, floor((t - D_i)/T_i) + 1) C_i and L is the
 *     smallest available of: the hyperperiod H (when it fits in 64 bits),
 *     La = sum (T_i - D_i) U_i / (1 - U) (when U < 1), and the synchronous
 *     busy period Lb (Spuri 1996; Ripoll, Crespo & Mok 1996). Deadlines are
 *     checked in increasing order (so the first failing deadline is found)
 *     up to RTA_SCAN_MAX_POINTS, the rest of (t, L] with QPA (Zhang & Burns
 *     2009), which finds a failing deadline but not necessarily the first. */
enum rta_lkind { RTA_L_NONE = 0, RTA_L_HYPERPERIOD, RTA_L_LA, RTA_L_BUSY };
struct rta_edf_result {
	enum rta_verdict verdict; /* PASS, FAIL or UNKNOWN */
	bool implicit;            /* every D == T */
	int u_cmp;                /* exact sign of U - 1 */
	rta_frac U;               /* rounded up, for display */
	/* processor demand, constrained deadlines with U <= 1 only */
	bool demand;              /* the demand criterion was applied */
	bool H_ok, La_ok, Lb_ok;  /* which bounds are available */
	u64 H, La, Lb;
	enum rta_lkind L_kind;
	u64 L;
	u64 points;               /* deadlines checked one by one */
	u64 scanned_to;           /* every deadline <= this was checked */
	u32 qpa_steps;            /* QPA steps for the rest (0: not used) */
	u64 fail_t, fail_dbf;     /* a deadline t with dbf(t) > t (verdict FAIL) */
	bool fail_first;          /* fail_t is the first failing deadline */
};
int rta_edf(const struct rt_task *t, u32 n, struct rta_edf_result *r);
const char *rta_lkind_name(enum rta_lkind k);

/* Partitioned EDF on m CPUs: tasks taken in decreasing utilization (ties in
 * input order); each goes to a CPU on which rta_edf() still passes with it:
 *   first-fit: the lowest-numbered such CPU;
 *   worst-fit: the least utilized such CPU (ties: lowest number);
 *   best-fit:  the most utilized such CPU (ties: lowest number).
 * Stops at the first task that fits nowhere. CPU utilizations are compared
 * in 2^-62 fixed point; sums within RTA_MAX_TASKS units count as equal. */
enum rta_fit { RTA_FIRST_FIT, RTA_WORST_FIT, RTA_BEST_FIT };
struct rta_partition_result {
	enum rta_verdict verdict; /* PASS (all placed) or FAIL (failed_task) */
	enum rta_fit fit;
	u32 n, m;
	u32 order[RTA_MAX_TASKS]; /* input indices in the order tried */
	int cpu[RTA_MAX_TASKS];   /* by input index: CPU, or -1 if not placed */
	int failed_task;          /* input index of the task that fit nowhere, -1 */
	u32 cpu_tasks[RTA_MAX_CPUS];
	rta_frac cpu_util[RTA_MAX_CPUS];
};
int rta_partition_edf(const struct rt_task *t, u32 n, u32 m, enum rta_fit fit,
		      struct rta_partition_result *r);
const char *rta_fit_name(enum rta_fit f);

/* Writes x as a decimal with `digits` decimals (0..9), rounded to nearest,
 * e.g. "0.9714". Returns snprintf's length. */
int rta_frac_format(char *buf, size_t size, rta_frac x, unsigned digits);

#endif
