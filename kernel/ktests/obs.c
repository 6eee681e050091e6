/* ktests/obs.c — in-kernel tests of observability (suite obs): the kernel
 * histograms (rayos_sched_wakeup_latency_seconds,
 * rayos_irq_duration_seconds, rayos_kmalloc_duration_seconds,
 * rayos_timer_irq_lateness_seconds) gain counts under load (threads that
 * sleep and are joined; a sleep spanning timer interrupts; kmalloc calls,
 * timed 1 in 16; a sleep ended by its timer) with quantiles inside
 * [min, max]; the histograms appear in the Prometheus export; klog_kv
 * records keep their typed fields. Also measures (and prints as a KTAP
 * diagnostic) the cost of one hist_record and of a sampled-out
 * hist_sample_begin/end pair, from arch_cycles over many iterations. */
#include <rayos/ktest.h>
#include <rayos/arch.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/mm.h>
#include <rayos/printf.h>
#include <rayos/thread.h>
#include <rayos/time.h>

static u64 count_of(struct histogram *h)
{
	struct hist_summary s;
	hist_summarize(h, &s);
	return s.count;
}

static void expect_sane(struct ktest_ctx *t, struct histogram *h)
{
	static const u32 q[] = { 500000, 990000 };
	u64 v[2];
	struct hist_summary s;
	hist_summarize(h, &s);
	hist_quantiles(h, q, 2, v);
	KT_EXPECT(s.count > 0);
	KT_EXPECT(s.min <= v[0] && v[0] <= v[1] && v[1] <= s.max);
	KT_EXPECT(s.sum >= s.min * s.count || s.count == 0);
}

static int sleeper(void *arg)
{
	thread_sleep_ns((u64)(uintptr_t)arg);
	return 0;
}

KTEST(obs, wakeup_latency_counts_under_load)
{
	u64 before = count_of(&hist_sched_wakeup);
	struct thread *th[8];
	for (int i = 0; i < 8; i++) {
		th[i] = kthread_create(sleeper, (void *)(uintptr_t)(5 * NSEC_PER_MSEC * (i + 1)), "obs-sleep");
		KT_ASSERT(th[i] != NULL);
	}
	for (int i = 0; i < 8; i++)
		KT_EXPECT_EQ(thread_join(th[i], NULL), 0);
	/* the sleepers are woken by their timers, the joiner by their exits (a
	 * wake-up that finds its thread not yet switched out is not timed, so
	 * under a loaded host not every one counts) */
	KT_EXPECT(count_of(&hist_sched_wakeup) > before);
	expect_sane(t, &hist_sched_wakeup);
}

KTEST(obs, irq_duration_counts_under_load)
{
	u64 before = count_of(&hist_irq_duration);
	thread_sleep_ns(5 * NSEC_PER_MSEC); /* the timer interrupt wakes us */
	KT_EXPECT(count_of(&hist_irq_duration) > before);
	expect_sane(t, &hist_irq_duration);
}

KTEST(obs, kmalloc_duration_counts_under_load)
{
	u64 before = count_of(&hist_kmalloc_duration);
	for (int i = 0; i < 256; i++) {
		void *p = kmalloc(16 + (size_t)i * 8, GFP_KERNEL);
		KT_ASSERT(p != NULL);
		kfree(p);
	}
	/* 1 in 16 per CPU slot: 256 calls give at least 256/16 - 1 samples
	 * even if we moved between CPUs once */
	KT_EXPECT(count_of(&hist_kmalloc_duration) >= before + 256 / 16 - 1);
	expect_sane(t, &hist_kmalloc_duration);
}

/* A timed sleep is ended by a timer interrupt that finds its deadline due:
 * one lateness record (idle or busy) of at most the sleep's overshoot as
 * measured here (the interrupt comes after the deadline, which is at least
 * t0 + 5 ms, and before the sleeper reads t1), so the smallest record since
 * the reset is within it even if other CPUs recorded too. */
KTEST(obs, timer_irq_lateness_counts)
{
	struct histogram *hs[2] = { &hist_timer_late_idle, &hist_timer_late_busy };
	hist_reset(hs[0]);
	hist_reset(hs[1]);
	u64 t0 = clock_monotonic_ns();
	thread_sleep_ns(5 * NSEC_PER_MSEC);
	u64 over = clock_monotonic_ns() - t0 - 5 * NSEC_PER_MSEC;
	KT_EXPECT(count_of(hs[0]) + count_of(hs[1]) > 0);
	u64 min = ~0ULL;
	for (int i = 0; i < 2; i++) {
		struct hist_summary s;
		hist_summarize(hs[i], &s);
		if (s.count) {
			expect_sane(t, hs[i]);
			min = s.min < min ? s.min : min;
		}
	}
	KT_EXPECT(min <= over);
}

struct buf {
	char text[8192];
	size_t len;
};
static struct buf out;

static void sink(void *ctx, const char *s, size_t n)
{
	struct buf *b = ctx;
	if (b->len + n >= sizeof(b->text))
		return;
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = 0;
}

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return true;
	return false;
}

KTEST(obs, histograms_exported)
{
	static const char *const names[] = { "rayos_sched_wakeup_latency_seconds",
		"rayos_irq_duration_seconds", "rayos_kmalloc_duration_seconds",
		"rayos_timer_irq_lateness_seconds" };
	for (int i = 0; i < 4; i++) {
		out.len = 0;
		out.text[0] = 0;
		KT_EXPECT_EQ(metrics_export_family(names[i], sink, &out), 0);
		char line[96];
		snprintf(line, sizeof(line), "# TYPE %s histogram\n", names[i]);
		KT_EXPECT(contains(out.text, line));
		if (i == 3) /* two members, by cpu_state */
			snprintf(line, sizeof(line), "%s_bucket{cpu_state=\"idle\",le=\"+Inf\"} ", names[i]);
		else
			snprintf(line, sizeof(line), "%s_bucket{le=\"+Inf\"} ", names[i]);
		KT_EXPECT(contains(out.text, line));
		if (i == 3)
			snprintf(line, sizeof(line), "%s_count{cpu_state=\"busy\"} ", names[i]);
		else
			snprintf(line, sizeof(line), "%s_count ", names[i]);
		KT_EXPECT(contains(out.text, line));
	}
}

struct find_ctx {
	u64 min_seq;
	bool found, ok;
};

static void find_kv(const struct log_record *r, void *ctx)
{
	struct find_ctx *f = ctx;
	if (r->seq < f->min_seq || strcmp(r->subsys, "ktest") || strcmp(r->text, "obs kv record"))
		return;
	const char *k, *v;
	bool str;
	f->found = true;
	f->ok = r->level == LOG_DEBUG && r->nfields == 3 &&
		log_field(r, 0, &k, &v, &str) && !strcmp(k, "n") && !strcmp(v, "-42") && !str &&
		log_field(r, 1, &k, &v, &str) && !strcmp(k, "big") && !strcmp(v, "18446744073709551615") &&
		log_field(r, 2, &k, &v, &str) && !strcmp(k, "who") && !strcmp(v, "obs test") && str;
}

static void last_seq(const struct log_record *r, void *ctx) { *(u64 *)ctx = r->seq; }

KTEST(obs, klog_kv_fields)
{
	u64 seq = 0;
	log_for_each(last_seq, &seq);
	klog_kv(LOG_DEBUG, "ktest", "obs kv record", KV("n", -42), KV("big", ~0ULL), KV("who", "obs test"));
	struct find_ctx f = { seq, false, false };
	log_for_each(find_kv, &f);
	KT_EXPECT(f.found);
	KT_EXPECT(f.ok);
}

static struct histogram bench_hist;

KTEST(obs, record_overhead)
{
	enum { ITER = 200000 };
	u64 t0 = arch_cycles();
	for (u32 i = 0; i < ITER; i++)
		hist_record(&bench_hist, i & 0xfffff);
	u64 t1 = arch_cycles();
	bench_hist.sample_mask = ~0u; /* never sampled after the first call */
	for (u32 i = 0; i < ITER; i++)
		hist_sample_end(&bench_hist, hist_sample_begin(&bench_hist));
	u64 t2 = arch_cycles();
	for (u32 i = 0; i < ITER; i++)
		(void)arch_cycles();
	u64 t3 = arch_cycles();
	u64 rec = cycles_to_ns(t1 - t0), samp = cycles_to_ns(t2 - t1), clk = cycles_to_ns(t3 - t2);
	kprintf("    # obs: hist_record %llu.%02llu ns, unsampled begin/end %llu.%02llu ns, "
		"arch_cycles %llu.%02llu ns (mean of %u)\n",
		(unsigned long long)(rec / ITER), (unsigned long long)(rec * 100 / ITER % 100),
		(unsigned long long)(samp / ITER), (unsigned long long)(samp * 100 / ITER % 100),
		(unsigned long long)(clk / ITER), (unsigned long long)(clk * 100 / ITER % 100), ITER);
	struct hist_summary s;
	hist_summarize(&bench_hist, &s);
	KT_EXPECT_EQ(s.count, ITER + 1);
}
