/* test_metrics.c — tests obs/metrics.c: registration, duplicate and invalid
 * names and label sets, family ordering with HELP/TYPE once per family,
 * scaled and negative values, read callbacks, unregistering, single-family
 * export; every export is checked line by line against the Prometheus text
 * exposition format 0.0.4 by validate_exposition() below, including a
 * randomized register/unregister sequence (fixed seed) checked against a
 * model after each step. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include "shim.h"
#undef snprintf
#undef vsnprintf

/* ---- export capture ---- */

static char out[1 << 16];
static size_t out_len;

static void sink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	assert_true(out_len + n < sizeof(out));
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
}

static const char *export_all(void)
{
	out_len = 0;
	out[0] = 0;
	metrics_export(sink, NULL);
	assert_int_equal(shim_irq_nesting(), 0); /* lock released, IRQ state restored */
	return out;
}

/* ---- Prometheus text format 0.0.4 validator ---- */

static bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
static bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
static bool is_label_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_label_char(char c) { return is_label_start(c) || (c >= '0' && c <= '9'); }

/* Reads a metric name at *p; returns its length (0 if none). */
static size_t scan_name(const char *p)
{
	size_t n = 0;
	if (!is_name_start(p[0]))
		return 0;
	while (is_name_char(p[n]))
		n++;
	return n;
}

#define MAX_SEEN 512
struct vstate {
	char families[MAX_SEEN][256]; /* names with a TYPE line, in order */
	int nfam;
	char series[MAX_SEEN][512];   /* name{labels} seen */
	int nseries;
	char cur[256];                /* family of the current group */
	bool cur_has_type, cur_has_help, cur_has_samples;
	int lineno;
};

static char verr[1024];

#define VFAIL(...) do { snprintf(verr, sizeof(verr), __VA_ARGS__); return false; } while (0)

static bool seen_family(struct vstate *v, const char *name)
{
	for (int i = 0; i < v->nfam; i++)
		if (!strcmp(v->families[i], name))
			return true;
	return false;
}

/* A finished group must have had its HELP, TYPE and samples. */
static bool group_complete(struct vstate *v)
{
	if (v->cur[0] && (!v->cur_has_help || !v->cur_has_type || !v->cur_has_samples))
		VFAIL("line %d: family %s lacks HELP, TYPE or samples", v->lineno, v->cur);
	return true;
}

/* Starts the group for `name`; a family may not come back after another. */
static bool enter_family(struct vstate *v, const char *name)
{
	if (!strcmp(v->cur, name))
		return true;
	if (!group_complete(v))
		return false;
	if (seen_family(v, name))
		VFAIL("line %d: family %s is split into several groups", v->lineno, name);
	if (v->nfam && strcmp(v->families[v->nfam - 1], name) > 0)
		VFAIL("line %d: family %s is out of order after %s", v->lineno, name, v->families[v->nfam - 1]);
	assert_true(v->nfam < MAX_SEEN);
	strlcpy(v->families[v->nfam++], name, sizeof(v->families[0]));
	strlcpy(v->cur, name, sizeof(v->cur));
	v->cur_has_type = v->cur_has_help = v->cur_has_samples = false;
	return true;
}

/* HELP text: any bytes but newline; backslash only as \\ or \n. */
static bool valid_help_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\') {
			if (i + 1 >= n || (s[i + 1] != '\\' && s[i + 1] != 'n'))
				return false;
			i++;
		}
	}
	return true;
}

/* Sample value: a Go ParseFloat number, NaN, +Inf or -Inf. */
static bool valid_value(const char *s, size_t n)
{
	char buf[64];
	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (!strcmp(buf, "NaN") || !strcmp(buf, "+Inf") || !strcmp(buf, "-Inf"))
		return true;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789+-.eE", buf[i]))
			return false;
	char *end;
	strtod(buf, &end);
	return *end == 0;
}

static bool validate_sample(struct vstate *v, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	size_t nl = scan_name(p);
	char name[256];
	if (!nl || nl >= sizeof(name))
		VFAIL("line %d: bad metric name in \"%.*s\"", v->lineno, (int)len, line);
	memcpy(name, p, nl);
	name[nl] = 0;
	p += nl;
	if (strcmp(name, v->cur) || !v->cur_has_type)
		VFAIL("line %d: sample of %s outside its family group (TYPE first)", v->lineno, name);
	char labels[16][64];
	int nlabels = 0;
	const char *lstart = p;
	if (p < end && *p == '{') {
		p++;
		while (p < end && *p != '}') {
			const char *ln = p;
			if (!is_label_start(*p))
				VFAIL("line %d: bad label name", v->lineno);
			while (p < end && is_label_char(*p))
				p++;
			if ((size_t)(p - ln) >= sizeof(labels[0]) || nlabels == 16)
				VFAIL("line %d: label too long or too many", v->lineno);
			for (int i = 0; i < nlabels; i++)
				if (strlen(labels[i]) == (size_t)(p - ln) && !memcmp(labels[i], ln, (size_t)(p - ln)))
					VFAIL("line %d: duplicate label name %.*s", v->lineno, (int)(p - ln), ln);
			memcpy(labels[nlabels], ln, (size_t)(p - ln));
			labels[nlabels++][p - ln] = 0;
			if (p + 1 >= end || p[0] != '=' || p[1] != '"')
				VFAIL("line %d: expected =\" after label name", v->lineno);
			p += 2;
			while (p < end && *p != '"') {
				if (*p == '\\') {
					if (p + 1 >= end || !strchr("\\\"n", p[1]))
						VFAIL("line %d: bad escape in label value", v->lineno);
					p++;
				}
				p++;
			}
			if (p >= end)
				VFAIL("line %d: unterminated label value", v->lineno);
			p++;
			if (p < end && *p == ',')
				p++;
			else if (p < end && *p != '}')
				VFAIL("line %d: expected , or } after label value", v->lineno);
		}
		if (p >= end)
			VFAIL("line %d: unterminated label set", v->lineno);
		p++;
	}
	/* the same name and label set may appear only once */
	char key[512];
	snprintf(key, sizeof(key), "%s%.*s", name, (int)(p - lstart), lstart);
	for (int i = 0; i < v->nseries; i++)
		if (!strcmp(v->series[i], key))
			VFAIL("line %d: duplicate series %s", v->lineno, key);
	assert_true(v->nseries < MAX_SEEN);
	strlcpy(v->series[v->nseries++], key, sizeof(v->series[0]));

	if (p >= end || *p != ' ')
		VFAIL("line %d: expected one space before the value", v->lineno);
	p++;
	const char *vs = p;
	while (p < end && *p != ' ')
		p++;
	if (!valid_value(vs, (size_t)(p - vs)))
		VFAIL("line %d: bad value \"%.*s\"", v->lineno, (int)(p - vs), vs);
	if (p < end) { /* optional timestamp: an integer */
		p++;
		if (p < end && *p == '-')
			p++;
		if (p == end)
			VFAIL("line %d: empty timestamp", v->lineno);
		for (; p < end; p++)
			if (*p < '0' || *p > '9')
				VFAIL("line %d: bad timestamp", v->lineno);
	}
	v->cur_has_samples = true;
	return true;
}

static bool validate_comment(struct vstate *v, const char *line, size_t len)
{
	bool help = len > 7 && !memcmp(line, "# HELP ", 7);
	bool type = len > 7 && !memcmp(line, "# TYPE ", 7);
	if (!help && !type)
		return true; /* other comments are allowed and ignored */
	const char *p = line + 7, *end = line + len;
	size_t nl = scan_name(p);
	char name[256];
	if (!nl || nl >= sizeof(name) || (p + nl < end && p[nl] != ' '))
		VFAIL("line %d: bad metric name after # %s", v->lineno, help ? "HELP" : "TYPE");
	memcpy(name, p, nl);
	name[nl] = 0;
	if (!enter_family(v, name))
		return false;
	p += nl;
	if (help) {
		if (v->cur_has_help)
			VFAIL("line %d: second HELP for %s", v->lineno, name);
		if (v->cur_has_type || v->cur_has_samples)
			VFAIL("line %d: HELP for %s after its TYPE or samples", v->lineno, name);
		v->cur_has_help = true;
		if (p < end && !valid_help_text(p + 1, (size_t)(end - p - 1)))
			VFAIL("line %d: bad escape in HELP of %s", v->lineno, name);
		return true;
	}
	if (v->cur_has_type)
		VFAIL("line %d: second TYPE for %s", v->lineno, name);
	if (v->cur_has_samples)
		VFAIL("line %d: TYPE for %s after its samples", v->lineno, name);
	if (p >= end)
		VFAIL("line %d: TYPE without a type", v->lineno);
	p++;
	static const char *const types[] = { "counter", "gauge", "histogram", "summary", "untyped" };
	bool ok = false;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		ok |= (size_t)(end - p) == strlen(types[i]) && !memcmp(p, types[i], strlen(types[i]));
	if (!ok)
		VFAIL("line %d: unknown type \"%.*s\"", v->lineno, (int)(end - p), p);
	v->cur_has_type = true;
	return true;
}

/* Checks a whole exposition. Beyond the format's own rules it insists on
 * what RayOS promises: HELP and TYPE for every family, families sorted,
 * no empty lines. */
static bool validate_exposition(const char *text)
{
	static struct vstate v;
	memset(&v, 0, sizeof(v));
	verr[0] = 0;
	size_t n = strlen(text);
	if (n && text[n - 1] != '\n')
		VFAIL("output does not end with a newline");
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = (size_t)(nl - line);
		v.lineno++;
		if (!len)
			VFAIL("line %d: empty line", v.lineno);
		for (size_t i = 0; i < len; i++)
			if (line[i] == '\r' || line[i] == 0)
				VFAIL("line %d: stray control character", v.lineno);
		bool ok = line[0] == '#' ? validate_comment(&v, line, len) : validate_sample(&v, line, len);
		if (!ok)
			return false;
		line = nl + 1;
	}
	return group_complete(&v);
}

#define assert_valid(text) do { const char *_t = (text); if (!validate_exposition(_t)) \
	fail_msg("invalid exposition: %s\n----\n%s----", verr, _t); } while (0)

/* The validator itself must reject broken text, or it proves nothing. */
static void test_validator_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"a 1\n",                                                   /* no TYPE */
		"# HELP a x\n# TYPE a gauge\na 1",                         /* no final newline */
		"# HELP a x\n# TYPE a gauge\na{b=\"1\"} 1\na{b=\"1\"} 2\n", /* duplicate series */
		"# HELP a x\n# TYPE a gauge\na{b=\"1\",b=\"2\"} 1\n",        /* duplicate label name */
		"# HELP a x\n# TYPE a gauge\na{b=\"\\q\"} 1\n",              /* bad escape */
		"# HELP a x\n# TYPE a gauge\na{b=1} 1\n",                    /* unquoted value */
		"# HELP a x\n# TYPE a gauge\na 1.2.3\n",                     /* bad value */
		"# HELP a x\n# TYPE a gauge\na\n",                           /* no value */
		"# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n",         /* TYPE twice */
		"# HELP a x\n# TYPE a gauge\n# HELP a y\na 1\n",             /* HELP twice */
		"# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\n# HELP a x\n",
		"# HELP b x\n# TYPE b gauge\nb 1\n# HELP a x\n# TYPE a gauge\na 1\n", /* unsorted */
		"# HELP a x\n# TYPE a gauge\nb 1\n",                         /* sample of another */
		"# HELP a x\n# TYPE a gauge\n\na 1\n",                       /* empty line */
		"# HELP a x\n# TYPE a wrong\na 1\n",                         /* unknown type */
		"# HELP a back\\slash\n# TYPE a gauge\na 1\n",               /* bad HELP escape */
		"# HELP 1a x\n# TYPE 1a gauge\n1a 1\n",                      /* bad name */
		"# HELP a x\n# TYPE a gauge\na  1\n",                        /* two spaces */
		"# HELP a x\n# TYPE a gauge\n",                              /* no samples */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (validate_exposition(bad[i]))
			fail_msg("validator accepted bad text #%zu:\n%s", i, bad[i]);
	assert_true(validate_exposition(""));
	assert_true(validate_exposition("# HELP a x\\\\y\\n\n# TYPE a counter\na{b=\"q\\\"\\\\\\n\",c=\"\"} -1.5e3 123\n"));
}

/* ---- registry tests ---- */

static struct metric_family fam_b = { .name = "rayos_test_b_total", .help = "B things.", .type = METRIC_COUNTER };
static struct metric_family fam_a = { .name = "rayos_test_a", .help = "A gauge.", .type = METRIC_GAUGE };
static struct metric_family fam_c = { .name = "rayos_test_c_seconds", .help = "C time.", .type = METRIC_GAUGE };

/* Every metric a test registers is unregistered after it, pass or fail,
 * so one failure does not leave the registry pointing at stale objects
 * (test metrics are static for the same reason). */
static struct metric *tracked[256];
static size_t ntracked;

static int reg(struct metric_family *fam, struct metric *m)
{
	int r = metric_register(fam, m);
	if (r == 0 && ntracked < ARRAY_SIZE(tracked))
		tracked[ntracked++] = m;
	return r;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < ntracked; i++)
		metric_unregister(tracked[i]);
	ntracked = 0;
	shim_irq_reset(true);
	return 0;
}

static void reset_metric(struct metric *m, const char *labels)
{
	memset(m, 0, sizeof(*m));
	strlcpy(m->labels, labels, sizeof(m->labels));
}

static void test_register_and_export(void **state)
{
	(void)state;
	static struct metric b1, b2, a1, c1;
	reset_metric(&b1, "cpu=\"0\"");
	reset_metric(&b2, "cpu=\"1\"");
	reset_metric(&a1, "");
	reset_metric(&c1, "kind=\"x\",cpu=\"0\"");
	assert_string_equal(export_all(), "");
	/* registered out of name order */
	assert_int_equal(reg(&fam_b, &b1), 0);
	assert_int_equal(reg(&fam_c, &c1), 0);
	assert_int_equal(reg(&fam_a, &a1), 0);
	assert_int_equal(reg(&fam_b, &b2), 0);
	metric_add(&b1, 5);
	metric_inc(&b1);
	metric_set(&b2, 7);
	metric_set(&a1, -3);
	metric_set(&c1, 0);
	assert_int_equal(metric_value(&b1), 6);
	const char *want =
		"# HELP rayos_test_a A gauge.\n"
		"# TYPE rayos_test_a gauge\n"
		"rayos_test_a -3\n"
		"# HELP rayos_test_b_total B things.\n"
		"# TYPE rayos_test_b_total counter\n"
		"rayos_test_b_total{cpu=\"0\"} 6\n"
		"rayos_test_b_total{cpu=\"1\"} 7\n"
		"# HELP rayos_test_c_seconds C time.\n"
		"# TYPE rayos_test_c_seconds gauge\n"
		"rayos_test_c_seconds{kind=\"x\",cpu=\"0\"} 0\n";
	assert_string_equal(export_all(), want);
	assert_valid(out);
	assert_ptr_equal(metrics_find("rayos_test_b_total"), &fam_b);
	assert_null(metrics_find("rayos_test_missing"));
	assert_ptr_equal(b1.family, &fam_b);

	/* one family */
	out_len = 0;
	out[0] = 0;
	assert_int_equal(metrics_export_family("rayos_test_b_total", sink, NULL), 0);
	assert_string_equal(out, "# HELP rayos_test_b_total B things.\n"
				 "# TYPE rayos_test_b_total counter\n"
				 "rayos_test_b_total{cpu=\"0\"} 6\n"
				 "rayos_test_b_total{cpu=\"1\"} 7\n");
	assert_int_equal(metrics_export_family("rayos_test_nope", sink, NULL), -ENOENT);

	/* unregister a member, then the last one: the family goes */
	metric_unregister(&b1);
	assert_null(b1.family);
	assert_int_equal(shim_irq_nesting(), 0);
	export_all();
	assert_null(strstr(out, "cpu=\"0\"} 6"));
	assert_non_null(strstr(out, "rayos_test_b_total{cpu=\"1\"} 7\n"));
	metric_unregister(&b2);
	metric_unregister(&b2); /* twice is harmless */
	assert_null(metrics_find("rayos_test_b_total"));
	assert_int_equal(metrics_export_family("rayos_test_b_total", sink, NULL), -ENOENT);
	export_all();
	assert_null(strstr(out, "rayos_test_b_total"));
	assert_valid(out);
	/* and it can come back */
	assert_int_equal(reg(&fam_b, &b1), 0);
	assert_non_null(strstr(export_all(), "# TYPE rayos_test_b_total counter\nrayos_test_b_total{cpu=\"0\"} 6\n"));
	assert_valid(out);

	metric_unregister(&b1);
	metric_unregister(&a1);
	metric_unregister(&c1);
	assert_string_equal(export_all(), "");
	assert_int_equal(shim_irq_nesting(), 0);
}

static void test_duplicates(void **state)
{
	(void)state;
	static struct metric m1, m2, m3, m4;
	reset_metric(&m1, "irq=\"4\"");
	reset_metric(&m2, "irq=\"4\"");
	reset_metric(&m3, "");
	reset_metric(&m4, "");
	assert_int_equal(reg(&fam_a, &m1), 0);
	assert_int_equal(reg(&fam_a, &m2), -EEXIST); /* same labels */
	assert_int_equal(reg(&fam_a, &m1), -EEXIST); /* same object */
	assert_int_equal(reg(&fam_a, &m3), 0);
	assert_int_equal(reg(&fam_a, &m4), -EEXIST); /* two unlabelled */
	/* a second family object under a registered name */
	static struct metric_family twin = { .name = "rayos_test_a", .help = "Twin.", .type = METRIC_GAUGE };
	static struct metric t;
	reset_metric(&t, "irq=\"5\"");
	assert_int_equal(reg(&twin, &t), -EEXIST);
	assert_null(t.family);
	export_all();
	assert_valid(out);
	metric_unregister(&m1);
	metric_unregister(&m3);
	assert_null(metrics_find("rayos_test_a"));
	/* the twin may register once the name is free */
	assert_int_equal(reg(&twin, &t), 0);
	metric_unregister(&t);
	assert_int_equal(shim_irq_nesting(), 0);
}

static void test_invalid(void **state)
{
	(void)state;
	static const char *const bad_names[] = { "", "1abc", "a-b", "a b", "a.b", "a\n", "\xc3\xa9", "a{", "rayos_é" };
	static const char *const good_names[] = { "a", "_", ":", "a1", "rayos:x_y_total", "A_B9", "_9" };
	static struct metric m;
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		static struct metric_family f;
		f = (struct metric_family){ .name = bad_names[i], .help = "h", .type = METRIC_GAUGE };
		reset_metric(&m, "");
		assert_false(metric_name_valid(bad_names[i]));
		assert_int_equal(reg(&f, &m), -EINVAL);
	}
	assert_false(metric_name_valid(NULL));
	for (size_t i = 0; i < ARRAY_SIZE(good_names); i++)
		assert_true(metric_name_valid(good_names[i]));
	static struct metric_family nohelp = { .name = "rayos_test_nohelp", .help = NULL };
	reset_metric(&m, "");
	assert_int_equal(reg(&nohelp, &m), -EINVAL);

	static const char *const bad_labels[] = {
		"a", "a=", "a=1", "a=\"1", "=\"1\"", "1a=\"x\"", "a-b=\"x\"", "a=\"x\",", ",a=\"x\"",
		"a=\"x\"b=\"y\"", "a=\"x\" ", " a=\"x\"", "a=\"line\nbreak\"", "a=\"x\\\"", "a=\"\\q\"",
		"a=\"1\",a=\"2\"", "a:b=\"x\"", "a=\"x\",,b=\"y\"",
	};
	static const char *const good_labels[] = {
		"", "a=\"\"", "a=\"x\"", "_a9=\"x y\"", "a=\"q\\\"uote\"", "a=\"back\\\\slash\"", "a=\"nl\\n\"",
		"a=\"1\",b=\"2\",c=\"3\"", "cpu=\"0\",irq=\"timer\"", "a=\"{},=\"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_labels); i++) {
		reset_metric(&m, bad_labels[i]);
		if (reg(&fam_c, &m) != -EINVAL)
			fail_msg("label set '%s' was accepted", bad_labels[i]);
	}
	assert_null(metrics_find(fam_c.name));
	for (size_t i = 0; i < ARRAY_SIZE(good_labels); i++) {
		reset_metric(&m, good_labels[i]);
		if (reg(&fam_c, &m) != 0)
			fail_msg("label set '%s' was refused", good_labels[i]);
		assert_valid(export_all());
		metric_unregister(&m);
	}
	/* scale must be a power of ten (it sets the number of decimals) */
	static const u64 bad_scales[] = { 2, 1024, 1001, 999999999, 3000 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_scales); i++) {
		reset_metric(&m, "");
		m.scale = bad_scales[i];
		assert_int_equal(reg(&fam_c, &m), -EINVAL);
	}
	assert_int_equal(shim_irq_nesting(), 0);
}

static s64 read_ctx(const struct metric *m)
{
	return *(const s64 *)m->ctx;
}

static int reads;
static s64 read_counting(const struct metric *m)
{
	(void)m;
	return ++reads;
}

static void test_scaled_negative_and_callbacks(void **state)
{
	(void)state;
	static const struct {
		s64 v;
		u64 scale;
		const char *text;
	} cases[] = {
		{ 1234567890, 1000000000, "1.234567890" },
		{ 5, 1000000000, "0.000000005" },
		{ 0, 1000000000, "0.000000000" },
		{ -1500000000, 1000000000, "-1.500000000" },
		{ -1, 1000000000, "-0.000000001" },
		{ INT64_MIN, 1000000000, "-9223372036.854775808" },
		{ INT64_MAX, 1000000000, "9223372036.854775807" },
		{ 1500, 1000, "1.500" },
		{ -1, 1000, "-0.001" },
		{ 7, 10, "0.7" },
		{ 42, 0, "42" },
		{ -42, 1, "-42" },
		{ INT64_MIN, 0, "-9223372036854775808" },
		{ INT64_MAX, 1, "9223372036854775807" },
		{ 123, 10000000000000000000ULL, "0.0000000000000000123" },
	};
	static struct metric_family fam = { .name = "rayos_test_scaled", .help = "Scaled.", .type = METRIC_GAUGE };
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		static struct metric m;
		reset_metric(&m, "");
		m.scale = cases[i].scale;
		metric_set(&m, cases[i].v);
		assert_int_equal(reg(&fam, &m), 0);
		char want[128];
		snprintf(want, sizeof(want), "# HELP rayos_test_scaled Scaled.\n# TYPE rayos_test_scaled gauge\n"
			 "rayos_test_scaled %s\n", cases[i].text);
		assert_string_equal(export_all(), want);
		assert_valid(out);
		metric_unregister(&m);
	}

	/* read callbacks: computed at export time from live state */
	s64 live = 10;
	static struct metric r1, r2;
	reset_metric(&r1, "src=\"ctx\"");
	r1.read = read_ctx;
	r1.ctx = &live;
	r1.scale = 1000;
	reset_metric(&r2, "src=\"count\"");
	r2.read = read_counting;
	assert_int_equal(reg(&fam, &r1), 0);
	assert_int_equal(reg(&fam, &r2), 0);
	metric_set(&r1, 999999); /* ignored: the callback wins */
	assert_int_equal(metric_value(&r1), 10);
	live = -2500;
	reads = 0;
	export_all();
	assert_non_null(strstr(out, "rayos_test_scaled{src=\"ctx\"} -2.500\n"));
	assert_non_null(strstr(out, "rayos_test_scaled{src=\"count\"} 1\n"));
	assert_int_equal(reads, 1);
	export_all();
	assert_non_null(strstr(out, "rayos_test_scaled{src=\"count\"} 2\n"));
	assert_valid(out);
	metric_unregister(&r1);
	metric_unregister(&r2);
	assert_null(metrics_find("rayos_test_scaled"));
}

static void test_long_help_names_and_escapes(void **state)
{
	(void)state;
	static char name[201], help[401];
	memset(name, 'n', sizeof(name) - 1);
	memcpy(name, "rayos_", 6);
	for (size_t i = 0; i < sizeof(help) - 1; i++)
		help[i] = "Long help text. "[i % 16];
	static struct metric_family fam = { .name = name, .help = help, .type = METRIC_COUNTER };
	static struct metric m;
	char labels[96];
	memset(labels, 0, sizeof(labels));
	strcpy(labels, "l=\"");
	memset(labels + 3, 'v', sizeof(labels) - 5);
	labels[sizeof(labels) - 2] = '"'; /* longest label set that fits */
	reset_metric(&m, labels);
	assert_int_equal(strlen(m.labels), sizeof(m.labels) - 1);
	metric_set(&m, INT64_MIN);
	m.scale = 1000000000;
	assert_int_equal(reg(&fam, &m), 0);
	export_all();
	assert_valid(out);
	char want[2048];
	snprintf(want, sizeof(want), "# HELP %s %s\n# TYPE %s counter\n%s{%s} -9223372036.854775808\n", name,
		 help, name, name, labels);
	assert_string_equal(out, want);
	metric_unregister(&m);

	/* HELP text is escaped as the format requires */
	static struct metric_family esc = { .name = "rayos_test_escape", .help = "path C:\\dir\nsecond line",
				     .type = METRIC_GAUGE };
	reset_metric(&m, "p=\"a\\\\b\\\"c\\n\"");
	assert_int_equal(reg(&esc, &m), 0);
	export_all();
	assert_valid(out);
	assert_string_equal(out, "# HELP rayos_test_escape path C:\\\\dir\\nsecond line\n"
				 "# TYPE rayos_test_escape gauge\n"
				 "rayos_test_escape{p=\"a\\\\b\\\"c\\n\"} 0\n");
	metric_unregister(&m);
}

/* ---- randomized sequence against a model ---- */

static u64 rng = 0x5eed0f0123456789ULL;
static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

#define RF 6
#define RM 8
static struct metric_family rfam[RF];
static char rfam_names[RF][32];
static struct metric rmet[RF][RM];
static bool rreg[RF][RM];

static void test_random_sequence(void **state)
{
	(void)state;
	static const char *const suffix[] = { "zeta", "alpha", "mid", "alpha_total", "b", "alpha:x" };
	for (int f = 0; f < RF; f++) {
		snprintf(rfam_names[f], sizeof(rfam_names[f]), "rayos_rnd_%s", suffix[f]);
		rfam[f] = (struct metric_family){ .name = rfam_names[f], .help = "Random family.",
						  .type = f & 1 ? METRIC_COUNTER : METRIC_GAUGE };
	}
	for (int step = 0; step < 3000; step++) {
		int f = (int)(rnd() % RF), i = (int)(rnd() % RM);
		struct metric *m = &rmet[f][i];
		if (!rreg[f][i]) {
			memset(m, 0, sizeof(*m));
			/* label i%4 == 0 is unlabelled, others distinct */
			if (i)
				snprintf(m->labels, sizeof(m->labels), "i=\"%d\",q=\"a\\\"b\"", i);
			m->scale = rnd() & 1 ? 1 : 1000000;
			metric_set(m, (s64)(rnd() % 2000000) - 1000000);
			assert_int_equal(reg(&rfam[f], m), 0);
			rreg[f][i] = true;
		} else if (rnd() % 3) {
			metric_unregister(m);
			rreg[f][i] = false;
		} else {
			/* duplicate label set under a fresh object */
			static struct metric dup;
			memset(&dup, 0, sizeof(dup));
			strlcpy(dup.labels, m->labels, sizeof(dup.labels));
			assert_int_equal(reg(&rfam[f], &dup), -EEXIST);
		}
		export_all();
		assert_valid(out);
		/* the model: which families and members must appear */
		for (int g = 0; g < RF; g++) {
			int members = 0;
			for (int k = 0; k < RM; k++)
				members += rreg[g][k];
			char type_line[64];
			snprintf(type_line, sizeof(type_line), "# TYPE %s ", rfam_names[g]);
			size_t n = 0;
			for (const char *p = out; (p = strstr(p, type_line)); p++)
				n++;
			assert_int_equal(n, members ? 1 : 0);
			assert_int_equal(metrics_find(rfam_names[g]) != NULL, members != 0);
		}
		size_t samples = 0, want = 0;
		for (const char *p = out; *p; p = strchr(p, '\n') + 1)
			samples += *p != '#';
		for (int g = 0; g < RF; g++)
			for (int k = 0; k < RM; k++)
				want += rreg[g][k];
		assert_int_equal(samples, want);
	}
	for (int f = 0; f < RF; f++)
		for (int i = 0; i < RM; i++)
			if (rreg[f][i])
				metric_unregister(&rmet[f][i]);
	assert_string_equal(export_all(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_validator_rejects, teardown),
		cmocka_unit_test_teardown(test_register_and_export, teardown),
		cmocka_unit_test_teardown(test_duplicates, teardown),
		cmocka_unit_test_teardown(test_invalid, teardown),
		cmocka_unit_test_teardown(test_scaled_negative_and_callbacks, teardown),
		cmocka_unit_test_teardown(test_long_help_names_and_escapes, teardown),
		cmocka_unit_test_teardown(test_random_sequence, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
