/* test_obslog.c — tests the structured log (kernel/log.c klog_kv: typed
 * key=value fields, logfmt quoting, JSON rendering, fields that do not fit
 * dropped and counted, pr_* records unchanged) and the shell commands of
 * shell/cmd_obs.c: `log [--json] [LEVEL] [SUBSYSTEM]` filtering by level and
 * subsystem, and `hist [NAME]` printing live count/min/max/mean/quantiles. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/shell.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include "shim.h"
#undef snprintf

static int setup(void **state)
{
	(void)state;
	log_set_console_level(LOG_CRIT);
	shim_output_reset();
	return 0;
}

static int run(const char *line)
{
	char buf[256];
	strlcpy(buf, line, sizeof(buf));
	shim_output_reset();
	return shell_execute(buf);
}

static struct log_record lastrec;
static void keep_last(const struct log_record *r, void *ctx)
{
	(void)ctx;
	lastrec = *r;
}

static void test_kv_fields(void **state)
{
	(void)state;
	unsigned int u = 7;
	const char *name = "idle thread";
	klog_kv(LOG_WARN, "sched", "thread woke", KV("tid", 12), KV("cpu", u), KV("name", name),
		KV("neg", -5LL), KV("eq", "a=b"), KV("empty", ""));
	log_for_each(keep_last, NULL);
	assert_string_equal(lastrec.subsys, "sched");
	assert_string_equal(lastrec.text, "thread woke");
	assert_int_equal(lastrec.level, LOG_WARN);
	assert_int_equal(lastrec.nfields, 6);
	const char *k, *v;
	bool str;
	assert_true(log_field(&lastrec, 2, &k, &v, &str));
	assert_string_equal(k, "name");
	assert_string_equal(v, "idle thread");
	assert_true(str);
	assert_true(log_field(&lastrec, 0, &k, &v, &str));
	assert_false(str);
	assert_false(log_field(&lastrec, 6, &k, &v, &str));
	char buf[256];
	log_format_fields(&lastrec, buf, sizeof(buf));
	assert_string_equal(buf, " tid=12 cpu=7 name=\"idle thread\" neg=-5 eq=\"a=b\" empty=\"\"");
	log_format_json(&lastrec, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"level\":\"warn\",\"subsys\":\"sched\",\"msg\":\"thread woke\","
				    "\"fields\":{\"tid\":12,\"cpu\":7,\"name\":\"idle thread\",\"neg\":-5,"
				    "\"eq\":\"a=b\",\"empty\":\"\"}}"));
	/* snprintf-style: the length wanted even when it does not fit */
	size_t want = log_format_json(&lastrec, buf, 10);
	assert_int_equal(strlen(buf), 9);
	assert_true(want > 100);
}

static void test_kv_overflow_and_echo(void **state)
{
	(void)state;
	static char big[200];
	memset(big, 'x', sizeof(big) - 1);
	log_set_console_level(LOG_INFO);
	shim_output_reset();
	klog_kv(LOG_INFO, "mm", "many", KV("a", 1), KV("huge", big), KV("b", 2));
	log_for_each(keep_last, NULL);
	assert_int_equal(lastrec.nfields, 2); /* huge did not fit */
	assert_int_equal(lastrec.fields_dropped, 1);
	/* the console echo carries the fields */
	assert_non_null(strstr(shim_output(), "mm: many a=1 b=2 fields_dropped=1\n"));
	/* plain records unchanged */
	pr_info("mm", "plain %d", 5);
	assert_non_null(strstr(shim_output(), "mm: plain 5\n"));
	log_for_each(keep_last, NULL);
	assert_int_equal(lastrec.nfields, 0);
}

static void test_log_command_filters(void **state)
{
	(void)state;
	klog_kv(LOG_DEBUG, "alpha", "dbg-a", KV("k", 1));
	klog_kv(LOG_ERROR, "alpha", "err-a", KV("k", 2));
	klog_kv(LOG_ERROR, "beta", "err-b", KV("k", 3));
	klog_kv(LOG_CRIT, "beta", "crit-b", KV("k", 4));
	assert_int_equal(run("log"), 0);
	assert_int_equal(shim_output_count("dbg-a k=1\n"), 1);
	assert_int_equal(shim_output_count("crit-b k=4\n"), 1);
	assert_int_equal(run("log error"), 0);
	assert_int_equal(shim_output_count("dbg-a"), 0);
	assert_int_equal(shim_output_count("err-a k=2"), 1);
	assert_int_equal(shim_output_count("err-b k=3"), 1);
	assert_int_equal(shim_output_count("crit-b k=4"), 1);
	assert_non_null(strstr(shim_output(), "] cpu0 error    alpha: err-a k=2\n"));
	assert_int_equal(run("log error beta"), 0);
	assert_int_equal(shim_output_count("err-a"), 0);
	assert_int_equal(shim_output_count("err-b k=3"), 1);
	assert_int_equal(shim_output_count("crit-b k=4"), 1);
	assert_int_equal(run("log critical alpha"), 0);
	assert_int_equal(shim_output_len(), 0);
	assert_int_equal(run("log --json crit beta"), 0);
	assert_non_null(strstr(shim_output(), "\"level\":\"critical\",\"subsys\":\"beta\",\"msg\":\"crit-b\",\"fields\":{\"k\":4}}\n"));
	assert_int_equal(shim_output_count("\n"), 1);
	assert_int_equal(run("log bogus"), -EINVAL);
	assert_int_equal(run("log info a b"), -EINVAL);
}

static struct histogram th;
static struct metric_family fam = {
	.name = "rayos_obslog_test_seconds", .help = "test", .type = METRIC_HISTOGRAM,
};

static void test_hist_command(void **state)
{
	(void)state;
	assert_int_equal(hist_register(&fam, &th), 0);
	assert_int_equal(run("hist rayos_obslog_test_seconds"), 0);
	assert_string_equal(shim_output(), "rayos_obslog_test_seconds\n  count 0\n");
	for (u64 v = 1; v <= 1000; v++)
		hist_record(&th, v * 1000); /* 1 us .. 1 ms */
	assert_int_equal(run("hist rayos_obslog_test_seconds"), 0);
	assert_string_equal(shim_output(), "rayos_obslog_test_seconds\n"
			    "  count 1000  min 1.000 us  max 1.000 ms  mean 500.500 us\n"
			    "  p50 501.759 us p90 897.023 us p99 987.135 us p99.9 995.327 us\n");
	/* (bucket midpoints: 500 us lies in 499712..503807 ns, within 0.78%) */
	assert_int_equal(run("hist nosuch"), -ENOENT);
	assert_int_equal(run("hist"), 0);
	assert_non_null(strstr(shim_output(), "rayos_obslog_test_seconds\n  count 1000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_kv_fields, setup),
		cmocka_unit_test_setup(test_kv_overflow_and_echo, setup),
		cmocka_unit_test_setup(test_log_command_filters, setup),
		cmocka_unit_test_setup(test_hist_command, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
