/* analysis.c — schedulability analysis of task sets (include/rayos/rtanalysis.h):
 * utilization bounds, response-time analysis, the EDF demand criterion and
 * partitioning heuristics, in integers only (the kernel has no FPU state).
 *
 * Algorithms and references:
 *   - Liu & Layland, "Scheduling algorithms for multiprogramming in a
 *     hard-real-time environment", JACM 1973: RM is schedulable if
 *     U <= n(2^(1/n) - 1); EDF with implicit deadlines iff U <= 1.
 *     The bound is irrational for n >= 2: y = 2^(1/n) is found by bisection
 *     in Q62 with y^n rounded up, so y is a lower bound of 2^(1/n) within
 *     2^-60, the bound n(y - 1) is within n*2^-60 <= 2^-55 below the exact
 *     value, and U (each C_i/T_i rounded up) is compared with it: a PASS is
 *     never wrong; a set within 2^-55 of the bound may be INCONCLUSIVE.
 *   - Bini, Buttazzo & Buttazzo, "Rate monotonic analysis: the hyperbolic
 *     bound", IEEE TC 2003: prod(U_i + 1) <= 2, decided exactly as
 *     prod(C_i + T_i) <= 2 prod(T_i) on big integers.
 *   - Joseph & Pandya, "Finding response times in a real-time system",
 *     Computer Journal 1986; Audsley, Burns, Richardson, Tindell & Wellings,
 *     "Applying new scheduling theory to static priority pre-emptive
 *     scheduling", SEJ 1993 (blocking term B_i): the least fixed point of
 *     R = C_i + B_i + sum_{hp(i)} ceil(R/T_j) C_j, iterated from C_i + B_i;
 *     iterates increase monotonically, so the first one above D_i proves a
 *     miss. Sums are 128-bit and saturate at 2^64 (R is then reported as
 *     2^64 - 1), so nothing overflows.
 *   - Baruah, Rosier & Howell, "Algorithms and complexity concerning the
 *     preemptive scheduling of periodic, real-time tasks on one processor",
 *     Real-Time Systems 1990: with D_i <= T_i, EDF meets every deadline iff
 *     U <= 1 and dbf(t) <= t for every absolute deadline t in (0, L]. Valid
 *     L: the hyperperiod H (dbf(t + H) = dbf(t) + H U); La = sum (T_i - D_i)
 *     U_i / (1 - U) when U < 1 (dbf(t) <= t U + sum (T_i - D_i) U_i, so a
 *     violation needs t < La; computed exactly on big integers); the synchronous
 *     busy period, the least fixed point of w = sum ceil(w/T_i) C_i from
 *     sum C_i (Spuri 1996; Ripoll, Crespo & Mok 1996). The smallest
 *     available is used. Deadlines are walked in increasing order with the
 *     demand accumulated incrementally (the first failing deadline is the
 *     one reported); past RTA_SCAN_MAX_POINTS the rest is done with QPA
 *     (Zhang & Burns, "Schedulability analysis for real-time systems with
 *     EDF scheduling", IEEE TC 2009), walking down from L.
 *   - Mok 1983 (PhD thesis, MIT): least-laxity-first is optimal on one CPU,
 *     so its test is the EDF test (the caller says so).
 *   - Partitioning: first-fit, worst-fit, best-fit bin packing with the
 *     exact EDF test as the admission test per CPU, tasks in decreasing
 *     utilization (e.g. Lopez, Diaz & Garcia, "Utilization bounds for EDF
 *     scheduling on real-time multiprocessor systems", RTS 2004).
 *
 * Invariants: every exported function validates its task set first
 * (rta_validate) and writes its whole result struct; no function divides by
 * zero (T, C, D > 0) or overflows (128-bit sums with early exits, big
 * integers of RTA_MAX_TASKS + 2 limbs, checked LCM); every loop is bounded
 * by a RTA_*_MAX constant.
 *
 * Locking: none; no global state. Pure functions of their arguments. */
#include <rayos/rtanalysis.h>
#include <rayos/printf.h>
#include <rayos/string.h>

typedef unsigned __int128 u128;
#define U64_MAX (~(u64)0)

/* ---- 128-bit helpers (portable: no __udivti3 in a freestanding kernel) ---- */

/* n / d for any n and d > 0, by restoring shift-subtract division. */
static u128 udiv128(u128 n, u128 d, u128 *rem)
{
	u128 q = 0, r = 0;
	for (int i = 127; i >= 0; i--) {
		bool carry = (r >> 127) != 0;
		r = (r << 1) | ((n >> i) & 1);
		if (carry || r >= d) {
			r -= d;
			q |= (u128)1 << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

static u128 udiv128_up(u128 n, u128 d)
{
	u128 rem;
	u128 q = udiv128(n, d, &rem);
	return q + (rem != 0);
}

/* a * b >> 62 rounded up, for a < 2^100 and b < 2^64. */
static rta_frac frac_mul_up(rta_frac a, rta_frac b)
{
	u128 ah = a >> 64, al = (u64)a;
	u128 lo = al * b;
	u128 r = ((ah * b) << (64 - RTA_FRAC_SHIFT)) + (lo >> RTA_FRAC_SHIFT);
	return r + ((lo & (RTA_FRAC_ONE - 1)) != 0);
}

/* ---- big unsigned integers for exact rational comparisons ---- */

#define BN_LIMBS (RTA_MAX_TASKS + 3)
struct bn {
	u32 len;            /* limbs in use; l[len-1] != 0 unless len == 0 */
	u64 l[BN_LIMBS];
};

static void bn_set(struct bn *a, u64 v)
{
	a->len = v ? 1 : 0;
	a->l[0] = v;
}

/* a *= v; a holds at most (RTA_MAX_TASKS + 2) * 64 bits in every use here. */
static void bn_mul(struct bn *a, u64 v)
{
	u64 carry = 0;
	for (u32 i = 0; i < a->len; i++) {
		u128 p = (u128)a->l[i] * v + carry;
		a->l[i] = (u64)p;
		carry = (u64)(p >> 64);
	}
	if (carry && a->len < BN_LIMBS)
		a->l[a->len++] = carry;
	while (a->len && !a->l[a->len - 1])
		a->len--;
}

static void bn_add(struct bn *a, const struct bn *b)
{
	u64 carry = 0;
	u32 len = MAX(a->len, b->len);
	for (u32 i = 0; i < len; i++) {
		u64 x = i < a->len ? a->l[i] : 0, y = i < b->len ? b->l[i] : 0;
		u128 s = (u128)x + y + carry;
		a->l[i] = (u64)s;
		carry = (u64)(s >> 64);
	}
	a->len = len;
	if (carry && a->len < BN_LIMBS)
		a->l[a->len++] = carry;
}

/* a -= b, for a >= b */
static void bn_sub(struct bn *a, const struct bn *b)
{
	u64 borrow = 0;
	for (u32 i = 0; i < a->len; i++) {
		u64 y = i < b->len ? b->l[i] : 0;
		u128 d = (u128)a->l[i] - y - borrow;
		a->l[i] = (u64)d;
		borrow = (u64)(d >> 127); /* wrapped: the top bit is set */
	}
	while (a->len && !a->l[a->len - 1])
		a->len--;
}

static int bn_cmp(const struct bn *a, const struct bn *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	for (u32 i = a->len; i-- > 0;)
		if (a->l[i] != b->l[i])
			return a->l[i] < b->l[i] ? -1 : 1;
	return 0;
}

/* ---- validation, priorities, utilization ---- */

const char *rta_verdict_name(enum rta_verdict v)
{
	switch (v) {
	case RTA_NA: return "not applicable";
	case RTA_PASS: return "schedulable";
	case RTA_FAIL: return "not schedulable";
	case RTA_INCONCLUSIVE: return "inconclusive";
	case RTA_UNKNOWN: return "unknown (analysis limit)";
	}
	return "?";
}

int rta_validate(const struct rt_task *t, u32 n)
{
	if (n > RTA_MAX_TASKS)
		return -E2BIG;
	if (!n || !t)
		return -EINVAL;
	for (u32 i = 0; i < n; i++)
		if (!t[i].C || !t[i].T || !t[i].D || t[i].C > t[i].D || t[i].D > t[i].T)
			return -EINVAL;
	return 0;
}

/* Ranks 1..n by key (stable: equal keys keep input order). */
static int assign_by(struct rt_task *t, u32 n, int key)
{
	int err = rta_validate(t, n);
	if (err)
		return err;
	for (u32 i = 0; i < n; i++) {
		int rank = 1;
		for (u32 j = 0; j < n; j++) {
			u64 ki = key == 'T' ? t[i].T : key == 'D' ? t[i].D : i;
			u64 kj = key == 'T' ? t[j].T : key == 'D' ? t[j].D : j;
			if (kj < ki || (kj == ki && j < i))
				rank++;
		}
		t[i].prio = rank;
	}
	return 0;
}

int rta_assign_rm(struct rt_task *t, u32 n) { return assign_by(t, n, 'T'); }
int rta_assign_dm(struct rt_task *t, u32 n) { return assign_by(t, n, 'D'); }
int rta_assign_fp(struct rt_task *t, u32 n) { return assign_by(t, n, 'I'); }

bool rta_is_rm_order(const struct rt_task *t, u32 n)
{
	for (u32 i = 0; i < n; i++)
		for (u32 j = 0; j < n; j++)
			if (t[j].prio < t[i].prio && t[j].T > t[i].T)
				return false;
	return true;
}

rta_frac rta_task_util(const struct rt_task *t)
{
	return udiv128_up((u128)t->C << RTA_FRAC_SHIFT, t->T);
}

rta_frac rta_total_util(const struct rt_task *t, u32 n)
{
	rta_frac u = 0;
	for (u32 i = 0; i < n; i++)
		u += rta_task_util(&t[i]);
	return u;
}

/* sum C_i prod_{j != i} T_j  versus  prod T_j */
int rta_util_cmp_one(const struct rt_task *t, u32 n)
{
	struct bn num, den, term;
	bn_set(&num, 0);
	bn_set(&den, 1);
	for (u32 i = 0; i < n; i++) {
		bn_mul(&den, t[i].T);
		bn_set(&term, t[i].C);
		for (u32 j = 0; j < n; j++)
			if (j != i)
				bn_mul(&term, t[j].T);
		bn_add(&num, &term);
	}
	return bn_cmp(&num, &den);
}

static bool all_implicit(const struct rt_task *t, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (t[i].D != t[i].T)
			return false;
	return true;
}

static bool any_blocking(const struct rt_task *t, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (t[i].B)
			return true;
	return false;
}

/* ---- utilization bounds ---- */

/* y^n in Q62 rounded up; returns 2^63 + 1 (> 2) as soon as it passes 2. */
static rta_frac pow_up_capped(rta_frac y, u32 n)
{
	rta_frac p = RTA_FRAC_ONE, two = 2 * RTA_FRAC_ONE;
	for (u32 i = 0; i < n; i++) {
		p = frac_mul_up(p, y);
		if (p > two)
			return two + 1;
	}
	return p;
}

/* n(2^(1/n) - 1) rounded down (see the header comment for the error). */
static rta_frac ll_bound(u32 n)
{
	if (n == 1)
		return RTA_FRAC_ONE;
	rta_frac lo = RTA_FRAC_ONE, hi = 2 * RTA_FRAC_ONE; /* lo^n <= 2 < hi^n */
	while (hi - lo > 1) {
		rta_frac mid = lo + (hi - lo) / 2;
		if (pow_up_capped(mid, n) <= 2 * RTA_FRAC_ONE)
			lo = mid;
		else
			hi = mid;
	}
	return (lo - RTA_FRAC_ONE) * n;
}

static int bound_prepare(const struct rt_task *t, u32 n, struct rta_bound_result *r)
{
	memset(r, 0, sizeof(*r));
	int err = rta_validate(t, n);
	if (err)
		return err;
	r->n = n;
	r->U = rta_total_util(t, n);
	if (!all_implicit(t, n))
		r->why_na = "deadlines shorter than periods";
	else if (any_blocking(t, n))
		r->why_na = "blocking terms";
	r->verdict = r->why_na ? RTA_NA : RTA_INCONCLUSIVE;
	return 0;
}

int rta_liu_layland(const struct rt_task *t, u32 n, struct rta_bound_result *r)
{
	int err = bound_prepare(t, n, r);
	if (err)
		return err;
	r->bound = ll_bound(n);
	if (r->verdict != RTA_NA && r->U <= r->bound)
		r->verdict = RTA_PASS;
	return 0;
}

int rta_hyperbolic(const struct rt_task *t, u32 n, struct rta_bound_result *r)
{
	int err = bound_prepare(t, n, r);
	if (err)
		return err;
	struct bn lhs, rhs, part;
	bn_set(&lhs, 1);
	bn_set(&rhs, 2);
	r->prod = RTA_FRAC_ONE;
	for (u32 i = 0; i < n; i++) {
		/* lhs *= C_i + T_i (up to 65 bits): lhs*T_i + lhs*C_i */
		part = lhs;
		bn_mul(&lhs, t[i].T);
		bn_mul(&part, t[i].C);
		bn_add(&lhs, &part);
		bn_mul(&rhs, t[i].T);
		r->prod = frac_mul_up(r->prod, RTA_FRAC_ONE + rta_task_util(&t[i]));
	}
	if (r->verdict != RTA_NA && bn_cmp(&lhs, &rhs) <= 0)
		r->verdict = RTA_PASS;
	return 0;
}

/* ---- response-time analysis ---- */

/* True when j delays i: a higher priority, or the same one (conservative:
 * either may have been queued first). */
static bool interferes(const struct rt_task *t, u32 i, u32 j)
{
	return j != i && t[j].prio <= t[i].prio;
}

/* One step: C_i + B_i + sum ceil(R/T_j) C_j, saturated at 2^64. */
static u128 rta_step(const struct rt_task *t, u32 n, u32 i, u64 R)
{
	const u128 cap = U64_MAX;
	u128 w = (u128)t[i].C + t[i].B;
	for (u32 j = 0; j < n && w <= cap; j++)
		if (interferes(t, i, j))
			w += (u128)(R / t[j].T + (R % t[j].T != 0)) * t[j].C;
	return w > cap ? cap + 1 : w;
}

static void rta_one(const struct rt_task *t, u32 n, u32 i, struct rta_resp *out)
{
	u128 R = (u128)t[i].C + t[i].B;
	out->iterations = 0;
	out->R_exact = false;
	while (R <= t[i].D) {
		if (out->iterations == RTA_RESP_MAX_ITER) {
			out->verdict = RTA_UNKNOWN;
			out->R = (u64)R;
			return;
		}
		out->iterations++;
		u128 next = rta_step(t, n, i, (u64)R);
		if (next == R) {
			out->verdict = RTA_PASS;
			out->R = (u64)R;
			out->R_exact = true;
			return;
		}
		R = next; /* increasing: next > R */
	}
	/* R > D: a miss. R is an iterate (a lower bound of the response time);
	 * one more step tells whether it is the fixed point itself. Past 2^64
	 * it is reported saturated. */
	out->verdict = RTA_FAIL;
	if (R > U64_MAX) {
		out->R = U64_MAX;
		return;
	}
	out->R = (u64)R;
	out->R_exact = rta_step(t, n, i, (u64)R) == R;
}

int rta_response_time(const struct rt_task *t, u32 n, struct rta_fp_result *r)
{
	memset(r, 0, sizeof(*r));
	r->first_fail = -1;
	int err = rta_validate(t, n);
	if (err)
		return err;
	r->n = n;
	bool fail = false, unknown = false;
	for (u32 i = 0; i < n; i++) {
		rta_one(t, n, i, &r->task[i]);
		fail |= r->task[i].verdict == RTA_FAIL;
		unknown |= r->task[i].verdict == RTA_UNKNOWN;
	}
	/* one proven miss settles it; else a guard leaves it unknown */
	r->verdict = fail ? RTA_FAIL : unknown ? RTA_UNKNOWN : RTA_PASS;
	if (r->verdict == RTA_PASS)
		return 0;
	for (u32 i = 0; i < n; i++)
		if (r->task[i].verdict == r->verdict &&
		    (r->first_fail < 0 || t[i].prio < t[r->first_fail].prio))
			r->first_fail = (int)i;
	return 0;
}

/* ---- EDF ---- */

const char *rta_lkind_name(enum rta_lkind k)
{
	switch (k) {
	case RTA_L_HYPERPERIOD: return "hyperperiod";
	case RTA_L_LA: return "La";
	case RTA_L_BUSY: return "busy period";
	case RTA_L_NONE: break;
	}
	return "none";
}

static u64 gcd64(u64 a, u64 b)
{
	while (b) {
		u64 r = a % b;
		a = b;
		b = r;
	}
	return a;
}

/* lcm of the periods; false when it does not fit in 64 bits */
static bool hyperperiod(const struct rt_task *t, u32 n, u64 *H)
{
	u64 h = 1;
	for (u32 i = 0; i < n; i++) {
		u128 l = (u128)(h / gcd64(h, t[i].T)) * t[i].T;
		if (l > U64_MAX)
			return false;
		h = (u64)l;
	}
	*H = h;
	return true;
}

/* La = sum (T_i - D_i) U_i / (1 - U), exactly, rounded up: with
 * Q = prod T_j, La = num / den where num = sum (T_i - D_i) C_i Q / T_i and
 * den = Q - sum C_i Q / T_i; the smallest x with x * den >= num is found by
 * bisection over u64. Needs U < 1 (den > 0). */
static bool la_bound(const struct rt_task *t, u32 n, u64 *La)
{
	struct bn num, den, used, term, prod;
	bn_set(&num, 0);
	bn_set(&den, 1);
	bn_set(&used, 0);
	for (u32 i = 0; i < n; i++) {
		bn_mul(&den, t[i].T);
		bn_set(&term, t[i].C);
		for (u32 j = 0; j < n; j++)
			if (j != i)
				bn_mul(&term, t[j].T);
		bn_add(&used, &term);
		bn_mul(&term, t[i].T - t[i].D);
		bn_add(&num, &term);
	}
	if (bn_cmp(&den, &used) <= 0)
		return false;
	bn_sub(&den, &used);
	prod = den;
	bn_mul(&prod, U64_MAX);
	if (bn_cmp(&prod, &num) < 0)
		return false; /* La > 2^64 - 1 */
	u64 lo = 0, hi = U64_MAX; /* lo * den < num unless num == 0; hi * den >= num */
	if (!num.len) {
		*La = 0;
		return true;
	}
	while (hi - lo > 1) {
		u64 mid = lo + (hi - lo) / 2;
		prod = den;
		bn_mul(&prod, mid);
		if (bn_cmp(&prod, &num) >= 0)
			hi = mid;
		else
			lo = mid;
	}
	*La = hi;
	return true;
}

/* Least fixed point of w = sum ceil(w/T_i) C_i from sum C_i, if <= cap. */
static bool busy_period(const struct rt_task *t, u32 n, u64 cap, u64 *Lb)
{
	u128 w = 0;
	for (u32 i = 0; i < n; i++)
		w += t[i].C;
	for (u32 it = 0; it < RTA_BUSY_MAX_ITER && w <= cap; it++) {
		u128 next = 0;
		for (u32 i = 0; i < n && next <= cap; i++)
			next += (u128)((u64)w / t[i].T + ((u64)w % t[i].T != 0)) * t[i].C;
		if (next == w) {
			*Lb = (u64)w;
			return true;
		}
		w = next;
	}
	return false;
}

/* dbf(t), or cap + 1 as soon as it passes cap */
static u128 dbf(const struct rt_task *tk, u32 n, u64 t, u128 cap)
{
	u128 h = 0;
	for (u32 i = 0; i < n && h <= cap; i++)
		if (t >= tk[i].D)
			h += (u128)((t - tk[i].D) / tk[i].T + 1) * tk[i].C;
	return h > cap ? cap + 1 : h;
}

/* The latest absolute deadline <= t, or 0 when there is none. */
static u64 deadline_at_or_before(const struct rt_task *tk, u32 n, u64 t)
{
	u64 best = 0;
	for (u32 i = 0; i < n; i++) {
		if (t < tk[i].D)
			continue;
		u64 d = tk[i].D + (t - tk[i].D) / tk[i].T * tk[i].T;
		best = MAX(best, d);
	}
	return best;
}

/* Demand criterion over (0, L]: incremental scan in deadline order, then QPA. */
static void edf_demand(const struct rt_task *tk, u32 n, struct rta_edf_result *r)
{
	u128 next[RTA_MAX_TASKS];
	u128 demand = 0;
	u64 L = r->L;
	for (u32 i = 0; i < n; i++)
		next[i] = tk[i].D;
	r->scanned_to = 0;
	for (;;) {
		u128 t = ~(u128)0;
		for (u32 i = 0; i < n; i++)
			t = MIN(t, next[i]);
		if (t > L) {
			r->scanned_to = L;
			r->verdict = RTA_PASS;
			return;
		}
		if (r->points == RTA_SCAN_MAX_POINTS)
			break;
		for (u32 i = 0; i < n; i++) {
			if (next[i] == t) {
				demand += tk[i].C;
				next[i] += tk[i].T;
			}
		}
		r->points++;
		r->scanned_to = (u64)t;
		if (demand > t) {
			r->verdict = RTA_FAIL;
			r->fail_t = (u64)t;
			r->fail_dbf = demand > U64_MAX ? U64_MAX : (u64)demand;
			r->fail_first = true;
			return;
		}
	}
	/* QPA over (scanned_to, L]: invariant: no deadline in (t, L] fails */
	u64 dmin = U64_MAX;
	for (u32 i = 0; i < n; i++)
		dmin = MIN(dmin, tk[i].D);
	u64 t = deadline_at_or_before(tk, n, L);
	for (;;) {
		if (t <= r->scanned_to) {
			r->verdict = RTA_PASS;
			return;
		}
		if (r->qpa_steps == RTA_QPA_MAX_ITER) {
			r->verdict = RTA_UNKNOWN;
			return;
		}
		r->qpa_steps++;
		u128 h = dbf(tk, n, t, t);
		if (h > t) {
			r->verdict = RTA_FAIL;
			r->fail_t = deadline_at_or_before(tk, n, t);
			r->fail_dbf = (u64)dbf(tk, n, r->fail_t, U64_MAX - 1);
			r->fail_first = false;
			return;
		}
		if (h <= dmin) {
			r->verdict = RTA_PASS;
			return;
		}
		/* every t' in [h, t] has dbf(t') <= dbf(t) = h <= t' */
		t = h < t ? deadline_at_or_before(tk, n, (u64)h) : deadline_at_or_before(tk, n, t - 1);
	}
}

int rta_edf(const struct rt_task *t, u32 n, struct rta_edf_result *r)
{
	memset(r, 0, sizeof(*r));
	int err = rta_validate(t, n);
	if (err)
		return err;
	if (any_blocking(t, n))
		return -EINVAL;
	r->implicit = all_implicit(t, n);
	r->u_cmp = rta_util_cmp_one(t, n);
	r->U = rta_total_util(t, n);
	if (r->u_cmp > 0) {
		r->verdict = RTA_FAIL;
		return 0;
	}
	if (r->implicit) {
		r->verdict = RTA_PASS;
		return 0;
	}
	r->demand = true;
	r->H_ok = hyperperiod(t, n, &r->H);
	r->La_ok = r->u_cmp < 0 && la_bound(t, n, &r->La);
	u64 cap = U64_MAX;
	if (r->H_ok)
		cap = r->H;
	if (r->La_ok)
		cap = MIN(cap, r->La);
	r->Lb_ok = busy_period(t, n, cap, &r->Lb);
	r->L_kind = RTA_L_NONE;
	if (r->H_ok) {
		r->L = r->H;
		r->L_kind = RTA_L_HYPERPERIOD;
	}
	if (r->La_ok && (r->L_kind == RTA_L_NONE || r->La < r->L)) {
		r->L = r->La;
		r->L_kind = RTA_L_LA;
	}
	if (r->Lb_ok && (r->L_kind == RTA_L_NONE || r->Lb < r->L)) {
		r->L = r->Lb;
		r->L_kind = RTA_L_BUSY;
	}
	if (r->L_kind == RTA_L_NONE) {
		r->verdict = RTA_UNKNOWN;
		return 0;
	}
	edf_demand(t, n, r);
	return 0;
}

/* ---- partitioned EDF ---- */

const char *rta_fit_name(enum rta_fit f)
{
	switch (f) {
	case RTA_FIRST_FIT: return "first-fit";
	case RTA_WORST_FIT: return "worst-fit";
	case RTA_BEST_FIT: return "best-fit";
	}
	return "?";
}

/* a's utilization is greater than b's (exact: C_a T_b > C_b T_a) */
static bool util_greater(const struct rt_task *a, const struct rt_task *b)
{
	return (u128)a->C * b->T > (u128)b->C * a->T;
}

/* -1, 0, 1 with sums within RTA_MAX_TASKS units (rounding) counting as equal */
static int util_cmp_approx(rta_frac a, rta_frac b)
{
	if (a > b + RTA_MAX_TASKS)
		return 1;
	if (b > a + RTA_MAX_TASKS)
		return -1;
	return 0;
}

int rta_partition_edf(const struct rt_task *t, u32 n, u32 m, enum rta_fit fit,
		      struct rta_partition_result *r)
{
	memset(r, 0, sizeof(*r));
	r->failed_task = -1;
	int err = rta_validate(t, n);
	if (err)
		return err;
	if (!m || m > RTA_MAX_CPUS || fit > RTA_BEST_FIT || any_blocking(t, n))
		return -EINVAL;
	r->n = n;
	r->m = m;
	r->fit = fit;
	/* decreasing utilization, stable (insertion sort) */
	for (u32 i = 0; i < n; i++) {
		u32 k = i;
		while (k > 0 && util_greater(&t[i], &t[r->order[k - 1]])) {
			r->order[k] = r->order[k - 1];
			k--;
		}
		r->order[k] = i;
		r->cpu[i] = -1;
	}
	struct rt_task set[RTA_MAX_TASKS];
	struct rta_edf_result er;
	for (u32 k = 0; k < n; k++) {
		u32 i = r->order[k];
		int chosen = -1;
		for (u32 c = 0; c < m; c++) {
			/* the tasks already on c, then i */
			u32 cnt = 0;
			for (u32 j = 0; j < n; j++)
				if (r->cpu[j] == (int)c)
					set[cnt++] = t[j];
			set[cnt++] = t[i];
			if (rta_edf(set, cnt, &er) || er.verdict != RTA_PASS)
				continue;
			if (chosen < 0) {
				chosen = (int)c;
				if (fit == RTA_FIRST_FIT)
					break;
				continue;
			}
			int d = util_cmp_approx(r->cpu_util[c], r->cpu_util[chosen]);
			if ((fit == RTA_WORST_FIT && d < 0) || (fit == RTA_BEST_FIT && d > 0))
				chosen = (int)c;
		}
		if (chosen < 0) {
			r->failed_task = (int)i;
			r->verdict = RTA_FAIL;
			return 0;
		}
		r->cpu[i] = chosen;
		r->cpu_tasks[chosen]++;
		r->cpu_util[chosen] += rta_task_util(&t[i]);
	}
	r->verdict = RTA_PASS;
	return 0;
}

/* ---- formatting ---- */

int rta_frac_format(char *buf, size_t size, rta_frac x, unsigned digits)
{
	if (digits > 9)
		digits = 9;
	u64 scale = 1;
	for (unsigned i = 0; i < digits; i++)
		scale *= 10;
	u128 ip = x >> RTA_FRAC_SHIFT;
	u128 frac = x & (RTA_FRAC_ONE - 1);
	u128 f = (frac * scale + RTA_FRAC_ONE / 2) >> RTA_FRAC_SHIFT;
	if (f >= scale) {
		ip++;
		f -= scale;
	}
	u64 ipart = ip > U64_MAX ? U64_MAX : (u64)ip;
	if (!digits)
		return snprintf(buf, size, "%llu", (unsigned long long)ipart);
	return snprintf(buf, size, "%llu.%0*llu", (unsigned long long)ipart, (int)digits,
			(unsigned long long)f);
}
