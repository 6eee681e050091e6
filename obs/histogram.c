/* histogram.c — lock-free, per-CPU, log-linear (HDR-style) histograms for
 * the metrics registry, and the kernel's latency histograms.
 *
 * Algorithm: the bucket layout of HdrHistogram (Gil Tene,
 * http://hdrhistogram.org): values below HIST_SUB have a bucket each; each
 * power of two [2^k, 2^(k+1)) above is cut into HIST_SUB linear sub-buckets
 * of width 2^(k - HIST_SUB_BITS). hist_bucket_of() (metrics.h) is a count of
 * leading zeros, a shift and a subtraction. Bucket i's bounds are
 * hist_bucket_lo(i)..hist_bucket_hi(i), contiguous and increasing in i.
 * A quantile is found by nearest rank (rank = ceil(q * count)) over the
 * summed buckets and answered with its bucket's midpoint clamped to the
 * exact [min, max]: relative error at most 1/(2 * HIST_SUB) = 0.78%.
 *
 * Invariants: per slot, sum(counts) is the number of records that slot made;
 * counts, sum and max only grow, min_inv only grows (min only shrinks).
 * Locking: none for recording (relaxed atomic adds into the recording CPU's
 * slot; CPUs with equal id modulo HIST_CPUS share a slot correctly). Readers
 * sum slots without stopping writers, so a snapshot racing writers mixes
 * instants; cumulative counts and their total come from one pass, so the
 * exported +Inf bucket always equals _count. hist_lock (IRQ-safe) protects
 * the list of registered histograms. Portable: the hosted tests compile
 * this file unchanged. */
#include <rayos/metrics.h>
#include <rayos/arch.h>
#include <rayos/log.h>
#include <rayos/spinlock.h>
#include <rayos/time.h>

u64 hist_bucket_lo(u32 i)
{
	if (i < HIST_SUB)
		return i;
	u32 g = i / HIST_SUB, s = i % HIST_SUB;
	return (u64)(HIST_SUB + s) << (g - 1);
}

u64 hist_bucket_hi(u32 i)
{
	if (i < HIST_SUB)
		return i;
	if (i == HIST_NBUCKETS - 1)
		return ~0ULL; /* the top bucket also takes everything beyond */
	return hist_bucket_lo(i) + (1ULL << (i / HIST_SUB - 1)) - 1;
}

void hist_record_cycles(struct histogram *h, u64 dt)
{
	u64 ns = cycles_to_ns(dt);
	if (!ns && dt)
		return; /* counter not calibrated yet */
	hist_record(h, ns);
}

static u64 load(const u64 *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

static u64 bucket_total(const struct histogram *h, u32 i)
{
	u64 n = 0;
	for (u32 c = 0; c < HIST_CPUS; c++)
		n += load(&h->cpu[c].counts[i]);
	return n;
}

u64 hist_sum(const struct histogram *h)
{
	u64 s = 0;
	for (u32 c = 0; c < HIST_CPUS; c++)
		s += load(&h->cpu[c].sum);
	return s;
}

void hist_summarize(const struct histogram *h, struct hist_summary *s)
{
	s->count = 0;
	s->sum = hist_sum(h);
	u64 max = 0, min_inv = 0;
	for (u32 i = 0; i < HIST_NBUCKETS; i++)
		s->count += bucket_total(h, i);
	for (u32 c = 0; c < HIST_CPUS; c++) {
		u64 m = load(&h->cpu[c].max), mi = load(&h->cpu[c].min_inv);
		max = m > max ? m : max;
		min_inv = mi > min_inv ? mi : min_inv;
	}
	s->max = s->count ? max : 0;
	s->min = s->count ? ~min_inv : 0;
}

void hist_quantiles(const struct histogram *h, const u32 *q_ppm, u32 n, u64 *out)
{
	struct hist_summary s;
	hist_summarize(h, &s);
	for (u32 j = 0; j < n; j++) {
		out[j] = 0;
		if (!s.count)
			continue;
		/* nearest rank: the smallest r with r >= q * count, at least 1 */
		u64 q = q_ppm[j] > 1000000 ? 1000000 : q_ppm[j];
		u64 rank = s.count / 1000000 * q + (s.count % 1000000 * q + 999999) / 1000000;
		if (rank < 1)
			rank = 1;
		u64 seen = 0;
		u32 i = 0;
		for (; i < HIST_NBUCKETS; i++) {
			seen += bucket_total(h, i);
			if (seen >= rank)
				break;
		}
		if (i == HIST_NBUCKETS) {
			out[j] = s.max;
			continue;
		}
		u64 lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
		if (i == HIST_NBUCKETS - 1)
			hi = s.max > lo ? s.max : lo;
		u64 v = lo + (hi - lo) / 2;
		v = v < s.min ? s.min : v > s.max ? s.max : v;
		out[j] = v;
	}
}

void hist_cumulative(const struct histogram *h, const u64 *bounds, u32 n, u64 *cum, u64 *count)
{
	u64 seen = 0;
	u32 j = 0;
	for (u32 i = 0; i < HIST_NBUCKETS; i++) {
		while (j < n && hist_bucket_hi(i) > bounds[j])
			cum[j++] = seen;
		seen += bucket_total(h, i);
	}
	while (j < n)
		cum[j++] = seen;
	*count = seen;
}

void hist_reset(struct histogram *h)
{
	for (u32 c = 0; c < HIST_CPUS; c++) {
		struct hist_cpu *p = &h->cpu[c];
		for (u32 i = 0; i < HIST_NBUCKETS; i++)
			__atomic_store_n(&p->counts[i], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&p->sum, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&p->max, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&p->min_inv, 0, __ATOMIC_RELAXED);
	}
}

const u64 hist_export_bounds_ns[] = {
	100, 200, 500,
	1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
	1000000, 2000000, 5000000, 10000000, 20000000, 50000000, 100000000, 200000000, 500000000,
	1000000000, 2000000000, 5000000000ULL, 10000000000ULL,
};
const u32 hist_export_nbounds = sizeof(hist_export_bounds_ns) / sizeof(hist_export_bounds_ns[0]);

static spinlock_t hist_lock = SPINLOCK_INIT;
static struct histogram *hists; /* hist_lock; registration order */

static void hist_read(const struct metric *m, const u64 **bounds, u32 *n, u64 *cum,
		      u64 *count, u64 *sum)
{
	const struct histogram *h = m->ctx;
	*bounds = hist_export_bounds_ns;
	*n = hist_export_nbounds < 32 ? hist_export_nbounds : 32;
	hist_cumulative(h, *bounds, *n, cum, count);
	*sum = hist_sum(h);
}

int hist_register(struct metric_family *fam, struct histogram *h)
{
	if (fam->type != METRIC_HISTOGRAM)
		return -EINVAL;
	h->m.ctx = h;
	h->m.hist_read = hist_read;
	h->m.scale = 1000000000; /* nanoseconds shown as seconds */
	int r = metric_register(fam, &h->m);
	if (r)
		return r;
	irqflags_t f = spin_lock_irqsave(&hist_lock);
	struct histogram **pp = &hists;
	while (*pp)
		pp = &(*pp)->next_hist;
	h->next_hist = NULL;
	*pp = h;
	spin_unlock_irqrestore(&hist_lock, f);
	return 0;
}

struct histogram *hist_next(struct histogram *prev)
{
	irqflags_t f = spin_lock_irqsave(&hist_lock);
	struct histogram *h = prev ? prev->next_hist : hists;
	spin_unlock_irqrestore(&hist_lock, f);
	return h;
}

/* ---- the kernel's histograms ---- */

struct histogram hist_sched_wakeup;
struct histogram hist_irq_duration;
struct histogram hist_kmalloc_duration = { .sample_mask = 15 };
struct histogram hist_timer_late_idle = { .m.labels = "cpu_state=\"idle\"" };
struct histogram hist_timer_late_busy = { .m.labels = "cpu_state=\"busy\"" };

static struct metric_family fam_wakeup = {
	.name = "rayos_sched_wakeup_latency_seconds",
	.help = "Time from thread_wake() making a thread runnable to the thread being picked to run.",
	.type = METRIC_HISTOGRAM,
};
static struct metric_family fam_irq = {
	.name = "rayos_irq_duration_seconds",
	.help = "Time spent handling one hardware interrupt (dispatch and EOI).",
	.type = METRIC_HISTOGRAM,
};
static struct metric_family fam_kmalloc = {
	.name = "rayos_kmalloc_duration_seconds",
	.help = "Time taken by kmalloc(), sampled in 1 of 16 calls.",
	.type = METRIC_HISTOGRAM,
};

static struct metric_family fam_timer_late = {
	.name = "rayos_timer_irq_lateness_seconds",
	.help = "Time from the earliest due timer deadline to the timer interrupt reading the clock, "
		"by what the CPU was doing (idle: halted; busy: running a thread).",
	.type = METRIC_HISTOGRAM,
};

void obs_histograms_init(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	hist_register(&fam_wakeup, &hist_sched_wakeup);
	hist_register(&fam_irq, &hist_irq_duration);
	hist_register(&fam_kmalloc, &hist_kmalloc_duration);
	hist_register(&fam_timer_late, &hist_timer_late_idle);
	hist_register(&fam_timer_late, &hist_timer_late_busy);
	klog_kv(LOG_INFO, "obs", "histograms registered", KV("buckets", HIST_NBUCKETS),
		KV("sub_buckets", HIST_SUB), KV("max_rel_error_ppm", HIST_MAX_REL_ERROR_PPM),
		KV("cpu_slots", HIST_CPUS));
}
