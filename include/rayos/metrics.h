/* metrics.h — the metrics registry (obs/metrics.c).
 *
 * Subsystems own their metric objects (static storage, no allocation) and
 * register them by family name and label set. A family is a Prometheus
 * metric name with one HELP/TYPE; each member has its own labels. Values are
 * either a counter/gauge word updated in place, or a read callback computing
 * the value from live state at export time. `scale` divides the raw value for
 * display (1e9 turns nanoseconds into seconds).
 *
 * Output is the Prometheus text exposition format, version 0.0.4. Room for
 * histograms is left in enum metric_type (the observability issue adds them).
 *
 * Locking: the registry list is protected by metrics_lock (IRQ-safe);
 * values are updated with atomics and read without the lock. */
#ifndef RAYOS_METRICS_H
#define RAYOS_METRICS_H
#include <rayos/types.h>

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM_RESERVED };

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

#endif
