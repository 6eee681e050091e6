/* metrics.c — the metrics registry and its Prometheus text exporter.
 *
 * Families are kept in a list sorted by name (so output is stable and each
 * family's HELP/TYPE is printed once); members in registration order.
 * Registration validates the family name ([a-zA-Z_:][a-zA-Z0-9_:]*) and the
 * label set (name="value" pairs, comma-separated, values escaped by the
 * caller) and refuses a duplicate label set in a family.
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

/* name="value"(,name="value")* with backslash escapes inside values. */
static bool labels_valid(const char *s)
{
	if (!*s)
		return true;
	for (;;) {
		const char *start = s;
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
		       (s != start && *s >= '0' && *s <= '9'))
			s++;
		if (s == start || *s++ != '=' || *s++ != '"')
			return false;
		while (*s && *s != '"') {
			if (*s == '\n')
				return false;
			if (*s == '\\' && !*++s)
				return false;
			s++;
		}
		if (*s++ != '"')
			return false;
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

int metric_register(struct metric_family *fam, struct metric *m)
{
	if (!metric_name_valid(fam->name) || !fam->help || !labels_valid(m->labels))
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
	return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" : "untyped";
}

static void out_str(metrics_out_fn out, void *ctx, const char *s)
{
	out(ctx, s, strlen(s));
}

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

static void export_family(struct metric_family *fam, metrics_out_fn out, void *ctx)
{
	char line[256];
	snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help,
		 fam->name, type_name(fam->type));
	out_str(out, ctx, line);
	for (struct metric *m = fam->members; m; m = m->next) {
		char val[48];
		format_value(val, sizeof(val), metric_value(m), m->scale);
		if (m->labels[0])
			snprintf(line, sizeof(line), "%s{%s} %s\n", fam->name, m->labels, val);
		else
			snprintf(line, sizeof(line), "%s %s\n", fam->name, val);
		out_str(out, ctx, line);
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
