/* metrics.h — the metrics registry (obs/metrics.c).
 *
 * Subsystems own their metric objects (static storage, no allocation) and
 * register them by family name and label set. A family is a Prometheus
 * metric name with one HELP/TYPE; each member has its own labels. Values are
 * either a counter/gauge word updated in place, or a read callback computing
 * the value from live state at export time. `scale` divides the raw value for
 * display (1e9 turns nanoseconds into seconds).
 *
 * Output is the Prometheus text exposition format, version 0.0.4.
 * Histograms (obs/histogram.c) are members whose ctx is a struct histogram;
 * they export as NAME_bucket{le=...}, NAME_sum and NAME_count.
 *
 * Locking: the registry list is protected by metrics_lock (IRQ-safe);
 * values are updated with atomics and read without the lock. */
#ifndef RAYOS_METRICS_H
#define RAYOS_METRICS_H
#include <rayos/types.h>
#include <rayos/arch.h>
#include <rayos/percpu.h>

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metric_family {
	const char *name;  /* full name, "rayos_" prefix, base units */
	const char *help;
	enum metric_type type;
	/* registry-owned */
	struct metric_family *next;
	struct metric *members;
};

struct metric {
	struct metric_family *family;
	char labels[96];  /* rendered label set: irq="4",cpu="0" or "" */
	u64 scale;        /* 0 or 1 = integer; else a power of ten: raw/scale */
	s64 (*read)(const struct metric *m); /* NULL: use value */
	void *ctx;        /* for read callbacks */
	volatile s64 value;
	/* histograms: fills cum[] (cumulative counts at the n bounds of
	 * *bounds, at most 32), *count and *sum (raw units) */
	void (*hist_read)(const struct metric *m, const u64 **bounds, u32 *n, u64 *cum,
			  u64 *count, u64 *sum);
	/* registry-owned */
	struct metric *next;
};

/* Register one member of a family (the family registers itself on first
 * use). Returns 0, -EINVAL (bad name/labels), or -EEXIST (same labels). */
int metric_register(struct metric_family *fam, struct metric *m);
void metric_unregister(struct metric *m);

static inline void metric_add(struct metric *m, s64 d)
{
	__atomic_fetch_add(&m->value, d, __ATOMIC_RELAXED);
}
static inline void metric_inc(struct metric *m) { metric_add(m, 1); }
static inline void metric_set(struct metric *m, s64 v)
{
	__atomic_store_n(&m->value, v, __ATOMIC_RELAXED);
}
s64 metric_value(const struct metric *m);

/* Render every family into a sink. */
typedef void (*metrics_out_fn)(void *ctx, const char *s, size_t n);
void metrics_export(metrics_out_fn out, void *ctx);
/* Render one family by name; returns -ENOENT if none. */
int metrics_export_family(const char *name, metrics_out_fn out, void *ctx);
struct metric_family *metrics_find(const char *name);
/* Checks a name against [a-zA-Z_:][a-zA-Z0-9_:]* */
bool metric_name_valid(const char *name);

/* ---- histograms (obs/histogram.c) ----
 *
 * HDR-style log-linear buckets over integer values (nanoseconds for the
 * kernel's histograms): values below HIST_SUB get a bucket each; above,
 * every power of two [2^k, 2^(k+1)) is cut into HIST_SUB equal sub-buckets
 * of width 2^(k-HIST_SUB_BITS). A bucket's width is at most 1/HIST_SUB of its
 * lower bound, so reporting its midpoint is off by at most 1/(2*HIST_SUB) =
 * 0.78% (HIST_MAX_REL_ERROR_PPM). Values of 2^HIST_MAX_BITS (68.7 s) and more
 * land in the top bucket (sum, max and count stay exact).
 *
 * Recording is lock-free: each CPU adds to its own slot (CPU id modulo
 * HIST_CPUS; CPUs sharing a slot stay correct, the adds being atomic) with
 * relaxed atomics; readers sum the slots. A reader racing writers sees each
 * bucket at some point during its pass; counts never go down. */
#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_BITS 36
#define HIST_NBUCKETS ((HIST_MAX_BITS - HIST_SUB_BITS + 1) * HIST_SUB)
#define HIST_CPUS 16
#define HIST_MAX_REL_ERROR_PPM (1000000u / (2 * HIST_SUB))
#define HIST_NOT_SAMPLED (~0ULL)

struct hist_cpu {
	u64 counts[HIST_NBUCKETS];
	u64 sum;
	u64 max;
	u64 min_inv;   /* ~min, so that zero-initialized means "no minimum" */
	u64 tick;      /* sampling counter (racy increments are harmless) */
} __attribute__((aligned(64)));

struct histogram {
	struct metric m;     /* registry member; m.ctx points back here */
	u32 sample_mask;     /* hist_sample_begin times 1 in (mask + 1) calls */
	struct histogram *next_hist; /* registered histograms (hist_lock) */
	struct hist_cpu cpu[HIST_CPUS];
};

static inline u32 hist_bucket_of(u64 v)
{
	if (v < HIST_SUB)
		return (u32)v;
	u32 k = 63 - (u32)__builtin_clzll(v);
	if (k >= HIST_MAX_BITS)
		return HIST_NBUCKETS - 1;
	u32 shift = k - HIST_SUB_BITS;
	return (k - HIST_SUB_BITS + 1) * HIST_SUB + (u32)((v >> shift) - HIST_SUB);
}
u64 hist_bucket_lo(u32 i);  /* smallest value in bucket i */
u64 hist_bucket_hi(u32 i);  /* largest value in bucket i */

static inline u32 hist_cpu_slot(void) { return this_cpu()->id % HIST_CPUS; }

static inline void hist_atomic_max(u64 *p, u64 v)
{
	u64 cur = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (v > cur && !__atomic_compare_exchange_n(p, &cur, v, true, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

/* Record one value (lock-free, any context including interrupts). */
static inline void hist_record(struct histogram *h, u64 v)
{
	struct hist_cpu *c = &h->cpu[hist_cpu_slot()];
	__atomic_fetch_add(&c->counts[hist_bucket_of(v)], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->sum, v, __ATOMIC_RELAXED);
	hist_atomic_max(&c->max, v);
	hist_atomic_max(&c->min_inv, ~v);
}

/* Timing 1 in (sample_mask + 1) calls: begin returns a cycle reading or
 * HIST_NOT_SAMPLED; end records the elapsed nanoseconds (nothing before the
 * cycle counter is calibrated). */
/* Record the nanoseconds of dt cycles (nothing if not calibrated yet). */
void hist_record_cycles(struct histogram *h, u64 dt);
/* Inline: the unsampled calls (all but 1 in mask + 1) cost a counter
 * increment and a branch on hot paths such as kmalloc. */
static inline u64 hist_sample_begin(struct histogram *h)
{
	struct hist_cpu *c = &h->cpu[hist_cpu_slot()];
	if (likely(c->tick++ & h->sample_mask))
		return HIST_NOT_SAMPLED;
	return arch_cycles();
}
static inline void hist_sample_end(struct histogram *h, u64 t0)
{
	if (likely(t0 == HIST_NOT_SAMPLED))
		return;
	u64 t1 = arch_cycles();
	hist_record_cycles(h, t1 > t0 ? t1 - t0 : 0);
}

/* Register a histogram as the member of a METRIC_HISTOGRAM family. */
int hist_register(struct metric_family *fam, struct histogram *h);
/* Forget every recorded value (tests). */
void hist_reset(struct histogram *h);

struct hist_summary {
	u64 count, sum, min, max; /* min = max = 0 when count == 0 */
};
void hist_summarize(const struct histogram *h, struct hist_summary *s);
/* Nearest-rank quantiles, q in parts per million (999000 = p99.9); each
 * answer is its bucket's midpoint clamped to [min, max]; 0 if empty. */
void hist_quantiles(const struct histogram *h, const u32 *q_ppm, u32 n, u64 *out);
/* Cumulative counts at each of the n export bounds (ascending): values in
 * buckets whose largest value is <= bound (so the fine bucket straddling a
 * bound, at most bound/HIST_SUB wide, counts at the next bound); *count is
 * the total of the same pass (the +Inf bucket). */
void hist_cumulative(const struct histogram *h, const u64 *bounds, u32 n, u64 *cum, u64 *count);
u64 hist_sum(const struct histogram *h);

/* The export boundaries (nanoseconds: 1-2-5 steps from 100 ns to 10 s). */
extern const u64 hist_export_bounds_ns[];
extern const u32 hist_export_nbounds;

/* The kernel's histograms (nanoseconds, exported in seconds). */
extern struct histogram hist_sched_wakeup;    /* thread_wake() to running */
extern struct histogram hist_irq_duration;    /* trap_entry around irq_dispatch */
extern struct histogram hist_kmalloc_duration;/* kmalloc, sampled 1 in 16 */
/* Timer interrupt lateness: the clock read in the timer interrupt minus the
 * earliest due deadline, split by what the CPU was doing when it came:
 * idle (halted, interrupts on: the delay is outside the kernel, in the
 * timer hardware or the hypervisor/emulator) or busy (a thread ran: the
 * delay may include the kernel's interrupts-off sections). */
extern struct histogram hist_timer_late_idle, hist_timer_late_busy;
/* Iterate the registered histograms (the `hist` command): NULL after last. */
struct histogram *hist_next(struct histogram *prev);
void obs_histograms_init(void);

#endif
