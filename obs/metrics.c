/* metrics.c — the metrics registry and its Prometheus text exporter.
 *
 * Families are kept in a list sorted by name (so output is stable and each
 * family's HELP/TYPE is printed once); members in registration order.
 * Registration validates the family name ([a-zA-Z_:][a-zA-Z0-9_:]*), the
 * label set (name="value" pairs with distinct names, comma-separated, values
 * escaped by the caller as the text format requires) and the scale, and
 * refuses a duplicate label set in a family. The exporter escapes HELP text
 * and never truncates a line. A histogram member (ctx: struct histogram,
 * obs/histogram.c, which sets m->hist_read) exports as cumulative
 * NAME_bucket{le="..."} lines at the bounds hist_read gives plus le="+Inf"
 * (equal to NAME_count, both from one pass over the buckets), then NAME_sum
 * and NAME_count; le values and the sum are in seconds (the member's
 * scale). This file does not link against histogram.c.
 *
 * Locking: metrics_lock protects both lists. Exporting holds it while
 * formatting, so read callbacks must not register metrics. Portable: the
 * hosted unit tests compile this file unchanged. */
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/spinlock.h>
#include <rayos/string.h>

static spinlock_t metrics_lock = SPINLOCK_INIT;
static struct metric_family *families; /* metrics_lock */

bool metric_name_valid(const char *n)
{
	if (!n || !*n)
		return false;
	for (const char *p = n; *p; p++) {
		char c = *p;
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
		if (!alpha && !(p != n && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

/* True if the label name at s (length n) occurs earlier in the set. */
static bool label_name_seen(const char *set, const char *s, size_t n)
{
	for (const char *p = set; p < s;) {
		const char *eq = p;
		while (*eq != '=')
			eq++;
		if ((size_t)(eq - p) == n && !strncmp(p, s, n))
			return true;
		p = eq + 2; /* skip =" and the value */
		while (*p != '"')
			p += *p == '\\' ? 2 : 1;
		p += 2; /* closing quote and comma */
	}
	return false;
}

/* name="value"(,name="value")* with distinct names; inside values only the
 * escapes the text format knows (\\ \" \n) and no raw newline. */
static bool labels_valid(const char *s)
{
	const char *set = s;
	if (!*s)
		return true;
	for (;;) {
		const char *start = s;
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
		       (s != start && *s >= '0' && *s <= '9'))
			s++;
		if (s == start || label_name_seen(set, start, (size_t)(s - start)))
			return false;
		if (*s++ != '=' || *s++ != '"')
			return false;
		while (*s && *s != '"') {
			if (*s == '\n')
				return false;
			if (*s == '\\' && (s[1] != '\\' && s[1] != '"' && s[1] != 'n'))
				return false;
			s += *s == '\\' ? 2 : 1;
		}
		if (*s++ != '"')
			return false;
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

/* 0 or 1 (an integer), or a power of ten: the number of decimals shown. */
static bool scale_valid(u64 scale)
{
	while (scale > 1 && scale % 10 == 0)
		scale /= 10;
	return scale <= 1;
}

int metric_register(struct metric_family *fam, struct metric *m)
{
	if (!metric_name_valid(fam->name) || !fam->help || !labels_valid(m->labels) ||
	    !scale_valid(m->scale) || (fam->type == METRIC_HISTOGRAM && !m->hist_read))
		return -EINVAL;
	irqflags_t f = spin_lock_irqsave(&metrics_lock);
	struct metric_family **pp = &families;
	while (*pp && *pp != fam && strcmp((*pp)->name, fam->name) < 0)
		pp = &(*pp)->next;
	if (*pp != fam) {
		if (*pp && !strcmp((*pp)->name, fam->name)) {
			/* another family object with the same name */
			spin_unlock_irqrestore(&metrics_lock, f);
			return -EEXIST;
		}
		fam->next = *pp;
		fam->members = NULL;
		*pp = fam;
	}
	struct metric **mp = &fam->members;
	for (; *mp; mp = &(*mp)->next) {
		if (*mp == m || !strcmp((*mp)->labels, m->labels)) {
			spin_unlock_irqrestore(&metrics_lock, f);
			return -EEXIST;
		}
	}
	m->family = fam;
	m->next = NULL;
	*mp = m;
	spin_unlock_irqrestore(&metrics_lock, f);
	return 0;
}

void metric_unregister(struct metric *m)
{
	irqflags_t f = spin_lock_irqsave(&metrics_lock);
	struct metric_family *fam = m->family;
	if (fam) {
		for (struct metric **mp = &fam->members; *mp; mp = &(*mp)->next) {
			if (*mp == m) {
				*mp = m->next;
				break;
			}
		}
		if (!fam->members) {
			for (struct metric_family **pp = &families; *pp; pp = &(*pp)->next) {
				if (*pp == fam) {
					*pp = fam->next;
					break;
				}
			}
		}
		m->family = NULL;
	}
	spin_unlock_irqrestore(&metrics_lock, f);
}

s64 metric_value(const struct metric *m)
{
	if (m->read)
		return m->read(m);
	return __atomic_load_n(&m->value, __ATOMIC_RELAXED);
}

struct metric_family *metrics_find(const char *name)
{
	irqflags_t f = spin_lock_irqsave(&metrics_lock);
	struct metric_family *fam = families;
	while (fam && strcmp(fam->name, name))
		fam = fam->next;
	spin_unlock_irqrestore(&metrics_lock, f);
	return fam;
}

static const char *type_name(enum metric_type t)
{
	return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" :
	       t == METRIC_HISTOGRAM ? "histogram" : "untyped";
}

/* Output is gathered a line at a time, so a sink sees whole lines (a line
 * longer than the buffer comes in pieces; nothing is ever truncated). */
struct line_out {
	metrics_out_fn out;
	void *ctx;
	size_t n;
	char buf[256];
};

static void lo_flush(struct line_out *lo)
{
	if (lo->n)
		lo->out(lo->ctx, lo->buf, lo->n);
	lo->n = 0;
}

static void lo_write(struct line_out *lo, const char *s, size_t n)
{
	if (lo->n + n > sizeof(lo->buf))
		lo_flush(lo);
	if (n > sizeof(lo->buf)) {
		lo->out(lo->ctx, s, n);
		return;
	}
	memcpy(lo->buf + lo->n, s, n);
	lo->n += n;
}

static void lo_str(struct line_out *lo, const char *s) { lo_write(lo, s, strlen(s)); }
static void lo_end_line(struct line_out *lo) { lo_write(lo, "\n", 1); lo_flush(lo); }

/* value / scale with as many decimals as scale has zeros */
static void format_value(char *buf, size_t size, s64 v, u64 scale)
{
	if (scale <= 1) {
		snprintf(buf, size, "%lld", (long long)v);
		return;
	}
	int digits = 0;
	for (u64 s = scale; s > 1; s /= 10)
		digits++;
	u64 mag = v < 0 ? 0 - (u64)v : (u64)v;
	snprintf(buf, size, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(mag / scale),
		 digits, (unsigned long long)(mag % scale));
}

/* HELP text escapes backslash and newline. */
static void lo_help(struct line_out *lo, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			lo_str(lo, "\\\\");
		else if (*s == '\n')
			lo_str(lo, "\\n");
		else
			lo_write(lo, s, 1);
	}
}

/* value / scale in decimal without trailing zeros: 100 ns -> 0.0000001 */
static void format_trimmed(char *buf, size_t size, u64 v, u64 scale)
{
	format_value(buf, size, (s64)v, scale);
	if (scale <= 1)
		return;
	size_t n = strlen(buf);
	while (n && buf[n - 1] == '0')
		buf[--n] = 0;
	if (n && buf[n - 1] == '.')
		buf[--n] = 0;
}

static void lo_sample(struct line_out *lo, const char *name, const char *suffix,
		      const char *labels, const char *le, const char *val)
{
	lo_str(lo, name);
	lo_str(lo, suffix);
	if (labels[0] || le) {
		lo_str(lo, "{");
		lo_str(lo, labels);
		if (le) {
			lo_str(lo, labels[0] ? ",le=\"" : "le=\"");
			lo_str(lo, le);
			lo_str(lo, "\"");
		}
		lo_str(lo, "}");
	}
	lo_str(lo, " ");
	lo_str(lo, val);
	lo_end_line(lo);
}

static void export_histogram(struct line_out *lo, const char *name, const struct metric *m)
{
	const u64 *bounds;
	u64 cum[32], count, sum;
	u32 nb;
	m->hist_read(m, &bounds, &nb, cum, &count, &sum);
	char le[48], val[48];
	for (u32 j = 0; j < nb; j++) {
		format_trimmed(le, sizeof(le), bounds[j], m->scale);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)cum[j]);
		lo_sample(lo, name, "_bucket", m->labels, le, val);
	}
	snprintf(val, sizeof(val), "%llu", (unsigned long long)count);
	lo_sample(lo, name, "_bucket", m->labels, "+Inf", val);
	format_trimmed(le, sizeof(le), sum, m->scale);
	lo_sample(lo, name, "_sum", m->labels, NULL, le);
	lo_sample(lo, name, "_count", m->labels, NULL, val);
}

static void export_family(struct metric_family *fam, metrics_out_fn out, void *ctx)
{
	struct line_out lo = { .out = out, .ctx = ctx, .n = 0 };
	lo_str(&lo, "# HELP ");
	lo_str(&lo, fam->name);
	lo_str(&lo, " ");
	lo_help(&lo, fam->help);
	lo_end_line(&lo);
	lo_str(&lo, "# TYPE ");
	lo_str(&lo, fam->name);
	lo_str(&lo, " ");
	lo_str(&lo, type_name(fam->type));
	lo_end_line(&lo);
	for (struct metric *m = fam->members; m; m = m->next) {
		if (fam->type == METRIC_HISTOGRAM) {
			export_histogram(&lo, fam->name, m);
			continue;
		}
		char val[48];
		format_value(val, sizeof(val), metric_value(m), m->scale);
		lo_str(&lo, fam->name);
		if (m->labels[0]) {
			lo_str(&lo, "{");
			lo_str(&lo, m->labels);
			lo_str(&lo, "}");
		}
		lo_str(&lo, " ");
		lo_str(&lo, val);
		lo_end_line(&lo);
	}
}

void metrics_export(metrics_out_fn out, void *ctx)
{
	irqflags_t f = spin_lock_irqsave(&metrics_lock);
	for (struct metric_family *fam = families; fam; fam = fam->next)
		if (fam->members)
			export_family(fam, out, ctx);
	spin_unlock_irqrestore(&metrics_lock, f);
}

int metrics_export_family(const char *name, metrics_out_fn out, void *ctx)
{
	int ret = -ENOENT;
	irqflags_t f = spin_lock_irqsave(&metrics_lock);
	for (struct metric_family *fam = families; fam; fam = fam->next) {
		if (!strcmp(fam->name, name) && fam->members) {
			export_family(fam, out, ctx);
			ret = 0;
		}
	}
	spin_unlock_irqrestore(&metrics_lock, f);
	return ret;
}
