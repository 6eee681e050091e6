/* test_histogram.c — tests obs/histogram.c and the histogram export of
 * obs/metrics.c: bucket bounds contiguous and monotonic, every value in its
 * own bucket, bucket width within 1/HIST_SUB of its lower bound; quantiles
 * against the exact nearest-rank quantiles of random data (fixed seeds;
 * uniform, exponential and Pareto (alpha 1, heavy-tailed)) within the
 * stated relative error (1/128); counts recorded on different CPU slots
 * merging to the same answers as one slot; min/max/sum/count; sampling one
 * in (mask + 1) and nothing before the clock is calibrated; and the
 * Prometheus output (cumulative buckets, +Inf equal to _count, _sum in
 * seconds, HELP/TYPE histogram). CPU slots are chosen by setting the shim's
 * cpus[0].id, which this_cpu() returns on the host. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rayos/metrics.h>
#include <rayos/percpu.h>
#include <rayos/time.h>
#include <rayos/string.h>
#include "shim.h"
#undef snprintf

static struct histogram h1, h2;

static int setup(void **state)
{
	(void)state;
	hist_reset(&h1);
	hist_reset(&h2);
	h1.sample_mask = h2.sample_mask = 0;
	cpus[0].id = 0;
	clock_set_cycle_rate(1000000000, "test"); /* 1 cycle = 1 ns */
	shim_cycles_set(1000);
	shim_cycles_step(0);
	return 0;
}

/* ---- random data, fixed seeds ---- */

static u64 rng;
static u64 next_u64(void)
{
	/* xorshift64* (Vigna, 2016) */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}
static double uniform01(void) { return ((next_u64() >> 11) + 1) * (1.0 / 9007199254740993.0); } /* (0, 1] */

/* natural log without libm: u = m * 2^e, ln m = 2 atanh((m - 1) / (m + 1)) */
static double ln(double u)
{
	int e = 0;
	while (u < 0.5) {
		u *= 2;
		e--;
	}
	double z = (u - 1) / (u + 1), z2 = z * z, t = z, s = 0;
	for (int k = 1; k < 80; k += 2) {
		s += t / k;
		t *= z2;
	}
	return 2 * s + e * 0.69314718055994530942;
}

enum dist { UNIFORM, EXPONENTIAL, PARETO };

static u64 sample(enum dist d)
{
	for (;;) {
		double x;
		switch (d) {
		case UNIFORM: x = 1 + uniform01() * 10e6; break;        /* 1 ns .. 10 ms */
		case EXPONENTIAL: x = -ln(uniform01()) * 50000; break;  /* mean 50 us */
		default: x = 1000 / uniform01(); break;                  /* Pareto, xm 1 us, alpha 1 */
		}
		if (x < (double)(1ULL << HIST_MAX_BITS))
			return (u64)x;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return x < y ? -1 : x > y;
}

/* Runs first, before any test calibrates the clock: nothing is recorded. */
static void test_uncalibrated(void **state)
{
	(void)state;
	hist_record_cycles(&h1, 1000);
	u64 t0 = hist_sample_begin(&h1);
	shim_cycles_set(5000);
	hist_sample_end(&h1, t0);
	struct hist_summary s;
	hist_summarize(&h1, &s);
	assert_int_equal(s.count, 0);
}

/* ---- bucket layout ---- */

static void test_bucket_bounds(void **state)
{
	(void)state;
	assert_int_equal(hist_bucket_lo(0), 0);
	for (u32 i = 0; i < HIST_NBUCKETS; i++) {
		u64 lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
		assert_true(lo <= hi);
		assert_int_equal(hist_bucket_of(lo), i);
		if (i + 1 < HIST_NBUCKETS) {
			assert_int_equal(hist_bucket_of(hi), i);
			assert_int_equal(hist_bucket_lo(i + 1), hi + 1); /* contiguous, increasing */
			/* width within 1/HIST_SUB of the lower bound */
			if (lo >= HIST_SUB)
				assert_true((hi - lo + 1) * HIST_SUB <= lo);
		}
	}
	assert_int_equal(hist_bucket_of(~0ULL), HIST_NBUCKETS - 1);
	assert_int_equal(hist_bucket_of(1ULL << HIST_MAX_BITS), HIST_NBUCKETS - 1);
	assert_int_equal(hist_bucket_of((1ULL << HIST_MAX_BITS) - 1), HIST_NBUCKETS - 1);
	assert_true(HIST_MAX_REL_ERROR_PPM < 10000); /* under 1% */
	/* random values land in a bucket containing them */
	rng = 42;
	for (int n = 0; n < 100000; n++) {
		u64 v = next_u64() >> (next_u64() % 64);
		u32 i = hist_bucket_of(v);
		assert_true(i < HIST_NBUCKETS);
		assert_true(hist_bucket_lo(i) <= v && v <= hist_bucket_hi(i));
	}
}

/* ---- quantiles against exact ---- */

#define N 200000
static u64 data[N];
static const u32 qs[] = { 0, 1000, 100000, 250000, 500000, 750000, 900000, 990000, 999000, 999900, 1000000 };
#define NQ (sizeof(qs) / sizeof(qs[0]))

static void check_quantiles(enum dist d, u64 seed)
{
	rng = seed;
	hist_reset(&h1);
	u64 sum = 0;
	for (int i = 0; i < N; i++) {
		data[i] = sample(d);
		sum += data[i];
		cpus[0].id = (u32)(next_u64() % 8); /* spread over CPU slots */
		hist_record(&h1, data[i]);
	}
	cpus[0].id = 0;
	qsort(data, N, sizeof(data[0]), cmp_u64);
	u64 est[NQ];
	hist_quantiles(&h1, qs, NQ, est);
	for (size_t j = 0; j < NQ; j++) {
		u64 rank = ((u64)N * qs[j] + 999999) / 1000000;
		if (rank < 1)
			rank = 1;
		u64 exact = data[rank - 1];
		u64 diff = est[j] > exact ? est[j] - exact : exact - est[j];
		if (diff * 1000000 > exact * (u64)HIST_MAX_REL_ERROR_PPM) {
			print_error("dist %d q=%u ppm: estimate %llu, exact %llu\n", d, qs[j],
				    (unsigned long long)est[j], (unsigned long long)exact);
			fail();
		}
	}
	struct hist_summary s;
	hist_summarize(&h1, &s);
	assert_int_equal(s.count, N);
	assert_int_equal(s.sum, sum);
	assert_int_equal(s.min, data[0]);
	assert_int_equal(s.max, data[N - 1]);
}

static void test_quantiles_uniform(void **state) { (void)state; check_quantiles(UNIFORM, 1); check_quantiles(UNIFORM, 7); }
static void test_quantiles_exponential(void **state) { (void)state; check_quantiles(EXPONENTIAL, 2); check_quantiles(EXPONENTIAL, 8); }
static void test_quantiles_pareto(void **state) { (void)state; check_quantiles(PARETO, 3); check_quantiles(PARETO, 9); }

static void test_empty_and_small(void **state)
{
	(void)state;
	u64 est[NQ];
	struct hist_summary s;
	hist_quantiles(&h1, qs, NQ, est);
	for (size_t j = 0; j < NQ; j++)
		assert_int_equal(est[j], 0);
	hist_summarize(&h1, &s);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.min, 0);
	assert_int_equal(s.max, 0);
	/* small values are exact */
	for (u64 v = 0; v < HIST_SUB; v++)
		hist_record(&h1, v);
	u32 q50 = 500000;
	hist_quantiles(&h1, &q50, 1, est);
	assert_int_equal(est[0], 31); /* rank 32 of 0..63 */
	/* one huge value beyond the bucket range: exact max, and quantile max */
	hist_reset(&h1);
	hist_record(&h1, 100ULL << HIST_MAX_BITS);
	hist_quantiles(&h1, &q50, 1, est);
	assert_int_equal(est[0], 100ULL << HIST_MAX_BITS);
}

/* Per-CPU slots merge into the same answers as one slot. */
static void test_merge_cpus(void **state)
{
	(void)state;
	rng = 5;
	for (int i = 0; i < 50000; i++) {
		u64 v = sample(EXPONENTIAL);
		cpus[0].id = (u32)(i % 37); /* more CPUs than slots: they share */
		hist_record(&h1, v);
		cpus[0].id = 0;
		hist_record(&h2, v);
	}
	u32 used = 0;
	for (u32 c = 0; c < HIST_CPUS; c++) {
		u64 n = 0;
		for (u32 i = 0; i < HIST_NBUCKETS; i++)
			n += h1.cpu[c].counts[i];
		used += n > 0;
		if (c)
			assert_int_equal(h2.cpu[c].sum, 0);
	}
	assert_int_equal(used, HIST_CPUS);
	struct hist_summary a, b;
	hist_summarize(&h1, &a);
	hist_summarize(&h2, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	u64 ea[NQ], eb[NQ];
	hist_quantiles(&h1, qs, NQ, ea);
	hist_quantiles(&h2, qs, NQ, eb);
	assert_memory_equal(ea, eb, sizeof(ea));
	u64 ca[32], cb[32], na, nb;
	hist_cumulative(&h1, hist_export_bounds_ns, hist_export_nbounds, ca, &na);
	hist_cumulative(&h2, hist_export_bounds_ns, hist_export_nbounds, cb, &nb);
	assert_int_equal(na, 50000);
	assert_int_equal(nb, 50000);
	assert_memory_equal(ca, cb, hist_export_nbounds * sizeof(u64));
	/* min lives in one slot, max in another */
	hist_reset(&h1);
	cpus[0].id = 3;
	hist_record(&h1, 500);
	cpus[0].id = 4;
	hist_record(&h1, 7);
	cpus[0].id = 5;
	hist_record(&h1, 90000);
	cpus[0].id = 0;
	hist_summarize(&h1, &a);
	assert_int_equal(a.min, 7);
	assert_int_equal(a.max, 90000);
	assert_int_equal(a.sum, 90507);
	assert_int_equal(a.count, 3);
}

static void test_sampling_and_calibration(void **state)
{
	(void)state;
	h1.sample_mask = 3;
	shim_cycles_step(250);
	for (int i = 0; i < 40; i++) {
		u64 t0 = hist_sample_begin(&h1);
		hist_sample_end(&h1, t0);
	}
	struct hist_summary s;
	hist_summarize(&h1, &s);
	assert_int_equal(s.count, 10);          /* 1 in 4 */
	assert_int_equal(s.min, 250);           /* one step between begin and end */
	assert_int_equal(s.max, 250);
	hist_record_cycles(&h1, 0);
	hist_summarize(&h1, &s);
	assert_int_equal(s.count, 11);
	assert_int_equal(s.min, 0);
}

/* ---- Prometheus export ---- */

static char out[1 << 14];
static size_t out_len;
static void sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	assert_true(out_len + n < sizeof(out));
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
}

static struct metric_family fam_t = {
	.name = "rayos_test_latency_seconds",
	.help = "A test histogram.",
	.type = METRIC_HISTOGRAM,
};

static u64 bucket_line(const char *le)
{
	char key[96];
	snprintf(key, sizeof(key), "rayos_test_latency_seconds_bucket{le=\"%s\"} ", le);
	const char *p = strstr(out, key);
	if (!p) {
		print_error("no line %s in:\n%s", key, out);
		fail();
	}
	return strtoull(p + strlen(key), NULL, 10);
}

static void test_prometheus_export(void **state)
{
	(void)state;
	static const u64 vals[] = { 50, 150, 1000, 1007, 3000, 20000000000ULL };
	struct metric bad = { .labels = "" };
	assert_int_equal(metric_register(&fam_t, &bad), -EINVAL); /* a histogram needs hist_read */
	assert_int_equal(hist_register(&fam_t, &h1), 0);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		cpus[0].id = (u32)i;
		hist_record(&h1, vals[i]);
	}
	cpus[0].id = 0;
	out_len = 0;
	assert_int_equal(metrics_export_family(fam_t.name, sink, NULL), 0);
	assert_true(!strncmp(out, "# HELP rayos_test_latency_seconds A test histogram.\n"
				  "# TYPE rayos_test_latency_seconds histogram\n", 96));
	/* every line after the header: cumulative, non-decreasing, le ascending */
	const char *p = strchr(strchr(out, '\n') + 1, '\n') + 1;
	u64 prev = 0;
	double prev_le = -1;
	int nbuckets = 0;
	while (!strncmp(p, "rayos_test_latency_seconds_bucket{le=\"", 38)) {
		const char *q = p + 38;
		double le = !strncmp(q, "+Inf", 4) ? 1e300 : strtod(q, NULL);
		assert_true(le > prev_le);
		prev_le = le;
		u64 n = strtoull(strstr(q, "} ") + 2, NULL, 10);
		assert_true(n >= prev);
		prev = n;
		nbuckets++;
		p = strchr(p, '\n') + 1;
	}
	assert_int_equal(nbuckets, hist_export_nbounds + 1);
	assert_true(nbuckets <= 40); /* bounded */
	assert_string_equal(p, "rayos_test_latency_seconds_sum 20.000005207\n"
			       "rayos_test_latency_seconds_count 6\n");
	assert_int_equal(bucket_line("+Inf"), 6);
	assert_int_equal(bucket_line("0.0000001"), 1);  /* 50 ns */
	assert_int_equal(bucket_line("0.0000002"), 2);  /* + 150 ns */
	/* 1000 ns sits in the fine bucket 1000..1007, counted from the next bound */
	assert_int_equal(bucket_line("0.000001"), 2);
	assert_int_equal(bucket_line("0.000002"), 4);
	assert_int_equal(bucket_line("0.000005"), 5);
	assert_int_equal(bucket_line("10"), 5);         /* 20 s only in +Inf */
	/* the next hist_next lists it */
	bool listed = false;
	for (struct histogram *h = hist_next(NULL); h; h = hist_next(h))
		listed |= h == &h1;
	assert_true(listed);
	metric_unregister(&h1.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncalibrated),
		cmocka_unit_test_setup(test_bucket_bounds, setup),
		cmocka_unit_test_setup(test_quantiles_uniform, setup),
		cmocka_unit_test_setup(test_quantiles_exponential, setup),
		cmocka_unit_test_setup(test_quantiles_pareto, setup),
		cmocka_unit_test_setup(test_empty_and_small, setup),
		cmocka_unit_test_setup(test_merge_cpus, setup),
		cmocka_unit_test_setup(test_sampling_and_calibration, setup),
		cmocka_unit_test_setup(test_prometheus_export, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
