/* cmd_obs.c — shell commands for observability: `hist [NAME]` summarizes
 * the registered histograms (count, min, max, mean, p50/p90/p99/p99.9, all
 * computed from the live per-CPU buckets by obs/histogram.c), and
 * `log [--json] [LEVEL] [SUBSYSTEM]` prints the kernel log's records at or
 * above LEVEL (default: all), optionally of one subsystem, with their
 * key=value fields (or one JSON object per record). No locking here: the
 * histogram and log readers do their own. */
#include <rayos/shell.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/time.h>

/* nanoseconds as "123 ns", "12.345 us", "1.234 ms" or "1.234 s" */
static void fmt_ns(char *buf, size_t n, u64 ns)
{
	if (ns < 1000)
		snprintf(buf, n, "%llu ns", (unsigned long long)ns);
	else if (ns < NSEC_PER_MSEC)
		snprintf(buf, n, "%llu.%03llu us", (unsigned long long)(ns / 1000),
			 (unsigned long long)(ns % 1000));
	else if (ns < NSEC_PER_SEC)
		snprintf(buf, n, "%llu.%03llu ms", (unsigned long long)(ns / NSEC_PER_MSEC),
			 (unsigned long long)(ns % NSEC_PER_MSEC / 1000));
	else
		snprintf(buf, n, "%llu.%03llu s", (unsigned long long)(ns / NSEC_PER_SEC),
			 (unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_MSEC));
}

static void print_hist(struct histogram *h)
{
	static const u32 q[] = { 500000, 900000, 990000, 999000 };
	static const char *const qn[] = { "p50", "p90", "p99", "p99.9" };
	struct hist_summary s;
	u64 v[4];
	char a[24], b[24], c[24];
	hist_summarize(h, &s);
	hist_quantiles(h, q, 4, v);
	shell_printf("%s%s%s%s\n", h->m.family ? h->m.family->name : "(unregistered)",
		     h->m.labels[0] ? "{" : "", h->m.labels, h->m.labels[0] ? "}" : "");
	if (!s.count) {
		shell_printf("  count 0\n");
		return;
	}
	fmt_ns(a, sizeof(a), s.min);
	fmt_ns(b, sizeof(b), s.max);
	fmt_ns(c, sizeof(c), s.sum / s.count);
	shell_printf("  count %llu  min %s  max %s  mean %s\n", (unsigned long long)s.count, a, b, c);
	shell_printf(" ");
	for (int i = 0; i < 4; i++) {
		fmt_ns(a, sizeof(a), v[i]);
		shell_printf(" %s %s", qn[i], a);
	}
	shell_printf("\n");
}

static int cmd_hist(int argc, char **argv)
{
	if (argc > 2)
		return -EINVAL;
	bool found = false;
	for (struct histogram *h = hist_next(NULL); h; h = hist_next(h)) {
		if (argc == 2 && (!h->m.family || strcmp(h->m.family->name, argv[1])))
			continue;
		print_hist(h);
		found = true;
	}
	if (argc == 2 && !found) {
		shell_printf("hist: no histogram named %s\n", argv[1]);
		return -ENOENT;
	}
	return 0;
}
SHELL_CMD(hist, "hist", "hist [NAME]",
	  "summarize latency histograms: count, min, max, mean, p50/p90/p99/p99.9", cmd_hist);

struct log_filter {
	int min_level;
	const char *subsys; /* NULL: all */
	bool json;
	u32 shown;
};

static void log_visit(const struct log_record *r, void *ctx)
{
	struct log_filter *f = ctx;
	if (r->level < f->min_level || (f->subsys && strcmp(r->subsys, f->subsys)))
		return;
	f->shown++;
	static char buf[LOG_FIELDS_SIZE * 2 + 512]; /* one reader: the shell */
	if (f->json) {
		log_format_json(r, buf, sizeof(buf));
		shell_printf("%s\n", buf);
		return;
	}
	log_format_fields(r, buf, sizeof(buf));
	shell_printf("[%5llu.%06llu] cpu%u %-8s %s%s%s%s\n",
		     (unsigned long long)(r->time_ns / NSEC_PER_SEC),
		     (unsigned long long)(r->time_ns % NSEC_PER_SEC / 1000), r->cpu,
		     log_level_name(r->level), r->subsys, r->subsys[0] ? ": " : "", r->text, buf);
}

static int cmd_log(int argc, char **argv)
{
	struct log_filter f = { LOG_TRACE, NULL, false, 0 };
	int i = 1;
	if (i < argc && !strcmp(argv[i], "--json")) {
		f.json = true;
		i++;
	}
	if (i < argc) {
		f.min_level = log_level_parse(argv[i]);
		if (f.min_level < 0) {
			shell_printf("log: unknown level %s (trace debug info warn error critical)\n", argv[i]);
			return -EINVAL;
		}
		i++;
	}
	if (i < argc)
		f.subsys = argv[i++];
	if (i < argc)
		return -EINVAL;
	log_for_each(log_visit, &f);
	return 0;
}
SHELL_CMD(log, "log", "log [--json] [LEVEL] [SUBSYSTEM]",
	  "print log records at or above LEVEL (of SUBSYSTEM) with their key=value fields", cmd_log);
