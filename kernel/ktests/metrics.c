/* ktests/metrics.c — in-kernel tests of the metrics registry (suite
 * metrics): a test family registered, exported into a buffer exactly as
 * the Prometheus text format wants it, found by name, refused when
 * duplicated or invalid, computed by a read callback, scaled, then
 * unregistered; and the live registry's full export checked for the
 * format's structure (sorted families, HELP then TYPE once each, every
 * line complete). */
#include <rayos/ktest.h>
#include <rayos/metrics.h>
#include <rayos/string.h>

struct buf {
	char text[65536]; /* the whole export: grows with every subsystem */
	size_t len;
	bool overflow;
};

static void sink(void *ctx, const char *s, size_t n)
{
	struct buf *b = ctx;
	if (b->len + n >= sizeof(b->text)) {
		b->overflow = true;
		return;
	}
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = 0;
}

static struct buf out; /* too big for the stack */

/* First occurrence of needle in hay (lib/ has no strstr). */
static const char *find_str(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return hay;
	return NULL;
}

static struct metric_family fam = {
	.name = "rayos_ktest_things_total",
	.help = "Things counted by the metrics ktest.",
	.type = METRIC_COUNTER,
};
static struct metric m_a = { .labels = "kind=\"a\"" };
static struct metric m_b = { .labels = "kind=\"b\",cpu=\"0\"" };

static s64 read_seven(const struct metric *m)
{
	return *(const s64 *)m->ctx;
}

static s64 seven = 7;
static struct metric_family fam_g = {
	.name = "rayos_ktest_gauge_seconds",
	.help = "A computed gauge.",
	.type = METRIC_GAUGE,
};
static struct metric m_g = { .scale = 1000000000, .read = read_seven, .ctx = &seven };

KTEST(metrics, register_export_unregister)
{
	KT_ASSERT(metrics_find(fam.name) == NULL);
	KT_ASSERT(metric_register(&fam, &m_a) == 0);
	KT_EXPECT_EQ(metric_register(&fam, &m_b), 0);
	metric_add(&m_a, 40);
	metric_inc(&m_a);
	metric_inc(&m_a);
	metric_set(&m_b, -5);
	KT_EXPECT_EQ(metric_value(&m_a), 42);
	KT_EXPECT(metrics_find(fam.name) == &fam);

	memset(&out, 0, sizeof(out));
	KT_EXPECT_EQ(metrics_export_family(fam.name, sink, &out), 0);
	KT_EXPECT_STR(out.text, "# HELP rayos_ktest_things_total Things counted by the metrics ktest.\n"
				"# TYPE rayos_ktest_things_total counter\n"
				"rayos_ktest_things_total{kind=\"a\"} 42\n"
				"rayos_ktest_things_total{kind=\"b\",cpu=\"0\"} -5\n");

	/* it is in the full export too, once */
	memset(&out, 0, sizeof(out));
	metrics_export(sink, &out);
	KT_EXPECT(!out.overflow);
	const char *p = find_str(out.text, "# TYPE rayos_ktest_things_total counter\n");
	KT_EXPECT(p != NULL);
	KT_EXPECT(p && find_str(p + 1, "# TYPE rayos_ktest_things_total") == NULL);

	metric_unregister(&m_a);
	memset(&out, 0, sizeof(out));
	KT_EXPECT_EQ(metrics_export_family(fam.name, sink, &out), 0);
	KT_EXPECT(find_str(out.text, "kind=\"a\"") == NULL);
	metric_unregister(&m_b);
	KT_EXPECT(metrics_find(fam.name) == NULL);
	KT_EXPECT_EQ(metrics_export_family(fam.name, sink, &out), -ENOENT);
}

KTEST(metrics, duplicates_and_invalid)
{
	static struct metric dup = { .labels = "kind=\"a\"" };
	static struct metric bad_labels = { .labels = "kind=a" };
	static struct metric bad_escape = { .labels = "kind=\"\\q\"" };
	static struct metric any = { .labels = "" };
	static struct metric_family bad_name = { .name = "9lives", .help = "x", .type = METRIC_GAUGE };
	static struct metric_family twin = { .name = "rayos_ktest_things_total", .help = "Twin.",
					     .type = METRIC_COUNTER };
	KT_ASSERT(metric_register(&fam, &m_a) == 0);
	KT_EXPECT_EQ(metric_register(&fam, &dup), -EEXIST);
	KT_EXPECT_EQ(metric_register(&fam, &m_a), -EEXIST);
	KT_EXPECT_EQ(metric_register(&twin, &any), -EEXIST);
	KT_EXPECT_EQ(metric_register(&fam, &bad_labels), -EINVAL);
	KT_EXPECT_EQ(metric_register(&fam, &bad_escape), -EINVAL);
	KT_EXPECT_EQ(metric_register(&bad_name, &any), -EINVAL);
	KT_EXPECT(!metric_name_valid(""));
	KT_EXPECT(metric_name_valid("rayos_x:y_total"));
	metric_unregister(&m_a);
	KT_EXPECT(metrics_find(fam.name) == NULL);
	KT_EXPECT(metrics_find(bad_name.name) == NULL);
}

KTEST(metrics, read_callback_and_scale)
{
	KT_ASSERT(metric_register(&fam_g, &m_g) == 0);
	seven = 1234567890;
	memset(&out, 0, sizeof(out));
	KT_EXPECT_EQ(metrics_export_family(fam_g.name, sink, &out), 0);
	KT_EXPECT_STR(out.text, "# HELP rayos_ktest_gauge_seconds A computed gauge.\n"
				"# TYPE rayos_ktest_gauge_seconds gauge\n"
				"rayos_ktest_gauge_seconds 1.234567890\n");
	seven = -1500000;
	memset(&out, 0, sizeof(out));
	metrics_export_family(fam_g.name, sink, &out);
	KT_EXPECT(find_str(out.text, "rayos_ktest_gauge_seconds -0.001500000\n") != NULL);
	metric_unregister(&m_g);
	KT_EXPECT(metrics_find(fam_g.name) == NULL);
}

/* The whole live export: families sorted, each "# HELP n", "# TYPE n t",
 * then samples of n only (of a histogram: n_bucket, n_sum, n_count, each
 * with the member's labels if it has any);
 * every line ends in a newline. */
KTEST(metrics, live_export_structure)
{
	memset(&out, 0, sizeof(out));
	metrics_export(sink, &out);
	KT_ASSERT(!out.overflow);
	KT_ASSERT(out.len > 0);
	KT_EXPECT_EQ(out.text[out.len - 1], '\n');
	char prev[96] = "", cur[96] = "";
	int families = 0, samples = 0;
	bool want_type = false, is_hist = false;
	for (const char *line = out.text; *line;) {
		const char *nl = strchr(line, '\n');
		KT_ASSERT(nl != NULL);
		size_t len = (size_t)(nl - line);
		if (str_starts_with(line, "# HELP ")) {
			KT_ASSERT(!want_type);
			size_t n = 0;
			while (7 + n < len && line[7 + n] != ' ' && n + 1 < sizeof(cur))
				n++;
			memcpy(cur, line + 7, n);
			cur[n] = 0;
			KT_EXPECT(metric_name_valid(cur));
			if (strcmp(prev, cur) >= 0)
				ktest_fail(t, __FILE__, __LINE__, "family %s after %s", cur, prev);
			strlcpy(prev, cur, sizeof(prev));
			families++;
			want_type = true;
		} else if (str_starts_with(line, "# TYPE ")) {
			KT_ASSERT(want_type);
			size_t n = strlen(cur);
			KT_EXPECT(len > 8 + n && !strncmp(line + 7, cur, n) && line[7 + n] == ' ');
			is_hist = !strncmp(line + 8 + n, "histogram\n", 10);
			want_type = false;
		} else {
			size_t n = strlen(cur);
			KT_ASSERT(!want_type && n);
			KT_EXPECT(!strncmp(line, cur, n));
			const char *rest = line + n; /* histograms: _bucket, _sum, _count samples */
			if (is_hist)
				rest += str_starts_with(rest, "_bucket{") ? 7 :
					(str_starts_with(rest, "_sum ") || str_starts_with(rest, "_sum{")) ? 4 :
					(str_starts_with(rest, "_count ") || str_starts_with(rest, "_count{")) ? 6 : 0;
			KT_EXPECT((*rest == ' ' && !is_hist) || *rest == '{' || (is_hist && rest != line + n));
			KT_EXPECT(line[len - 1] != ' ');
			samples++;
		}
		line = nl + 1;
	}
	KT_EXPECT(!want_type);
	KT_EXPECT(families >= 3); /* log messages, uptime, boot time at least */
	KT_EXPECT(samples >= families);
	KT_EXPECT(metrics_find("rayos_log_messages_total") != NULL);
	KT_EXPECT(metrics_find("rayos_uptime_seconds") != NULL);
}
