/* test_log.c — tests kernel/log.c: log_level_parse and log_level_name;
 * records kept in order with their level, CPU, subsystem, text (trailing
 * newlines dropped, long text and names truncated) and timestamps from the
 * fake cycle counter; ring overwrite and the dropped count; console echo
 * only at or above the console level, in the documented format; time order
 * kept when an interrupt logs in the middle of a record; and the
 * rayos_log_messages_total counters, read directly and through the metrics
 * export. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rayos/bootinfo.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include "shim.h"

#define LOG_SLOTS 512 /* kernel/log.c's ring size */

/* The last records in the ring (up to LOG_SLOTS), oldest first. */
static struct log_record recs[LOG_SLOTS];
static size_t nrecs;

static void collect(const struct log_record *r, void *ctx)
{
	(void)ctx;
	assert_true(nrecs < LOG_SLOTS);
	recs[nrecs++] = *r;
}

/* Collects the ring; checks order, and time order unless a test moved the
 * fake counter back on purpose. */
static void snapshot_checked(bool time_ordered)
{
	nrecs = 0;
	log_for_each(collect, NULL);
	assert_int_equal(shim_irq_nesting(), 0);
	for (size_t i = 1; i < nrecs; i++) {
		assert_int_equal(recs[i].seq, recs[i - 1].seq + 1); /* in order, no gaps */
		if (time_ordered)
			assert_true(recs[i].time_ns >= recs[i - 1].time_ns);
	}
}

static void snapshot(void) { snapshot_checked(true); }

static const struct log_record *last(size_t back)
{
	assert_true(back < nrecs);
	return &recs[nrecs - 1 - back];
}

static u64 total_written(void)
{
	u64 n = 0;
	for (int l = 0; l < LOG_NR_LEVELS; l++)
		n += log_count(l);
	return n;
}

static int group_setup(void **state)
{
	(void)state;
	clock_set_cycle_rate(1000000000ULL, "test"); /* 1 GHz: cycles are nanoseconds */
	boot_info.boot_tsc = 1000;
	shim_cycles_set(1000);
	log_init();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	clock_set_cycle_rate(1000000000ULL, "test");
	shim_output_reset();
	log_set_console_level(LOG_INFO);
	return 0;
}

static void test_level_parse_and_name(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int level;
	} cases[] = {
		{ "trace", LOG_TRACE }, { "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "warn", LOG_WARN },
		{ "warning", LOG_WARN }, { "error", LOG_ERROR }, { "err", LOG_ERROR }, { "critical", LOG_CRIT },
		{ "crit", LOG_CRIT }, { "0", 0 }, { "1", 1 }, { "2", 2 }, { "3", 3 }, { "4", 4 }, { "5", 5 },
		{ "", -EINVAL }, { "6", -EINVAL }, { "9", -EINVAL }, { "10", -EINVAL }, { "-1", -EINVAL },
		{ "00", -EINVAL }, { "INFO", -EINVAL }, { "Info", -EINVAL }, { "inf", -EINVAL },
		{ "infos", -EINVAL }, { " info", -EINVAL }, { "info ", -EINVAL }, { "warnings", -EINVAL },
		{ "5x", -EINVAL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (log_level_parse(cases[i].s) != cases[i].level)
			fail_msg("log_level_parse(\"%s\") = %d, want %d", cases[i].s, log_level_parse(cases[i].s),
				 cases[i].level);
	static const char *const names[] = { "trace", "debug", "info", "warn", "error", "critical" };
	for (int l = 0; l < LOG_NR_LEVELS; l++) {
		assert_string_equal(log_level_name(l), names[l]);
		assert_int_equal(log_level_parse(log_level_name(l)), l); /* names round-trip */
	}
	assert_string_equal(log_level_name(LOG_NR_LEVELS), "?");
	assert_string_equal(log_level_name((enum log_level)-1), "?");
	log_set_console_level(LOG_ERROR);
	assert_int_equal(log_console_level(), LOG_ERROR);
}

static void test_records_in_order(void **state)
{
	(void)state;
	log_set_console_level(LOG_CRIT);
	shim_cycles_set(1000 + 5 * NSEC_PER_SEC);
	shim_cycles_step(250);
	u64 before = total_written();
	klog(LOG_INFO, "alpha", "first %d", 1);
	klog(LOG_DEBUG, "beta", "second %s", "two");
	pr_warn("gamma", "third\n\n"); /* trailing newlines dropped */
	pr_trace(NULL, "no subsystem");
	pr_err("a_very_long_subsystem_name", "x");
	shim_cycles_step(0);
	assert_int_equal(total_written(), before + 5);
	assert_int_equal(shim_irq_nesting(), 0);
	assert_true(shim_irq_state());
	snapshot();
	assert_true(nrecs >= 5);
	const struct log_record *r = last(4);
	assert_string_equal(r->subsys, "alpha");
	assert_string_equal(r->text, "first 1");
	assert_int_equal(r->level, LOG_INFO);
	assert_int_equal(r->cpu, 0);
	assert_int_equal(r->time_ns, 5 * NSEC_PER_SEC);
	assert_string_equal(last(3)->text, "second two");
	assert_int_equal(last(3)->level, LOG_DEBUG);
	assert_int_equal(last(3)->time_ns, 5 * NSEC_PER_SEC + 250);
	assert_string_equal(last(2)->text, "third");
	assert_string_equal(last(1)->subsys, "");
	assert_string_equal(last(1)->text, "no subsystem");
	assert_int_equal(last(1)->level, LOG_TRACE);
	assert_string_equal(last(0)->subsys, "a_very_long_s"); /* 13 characters kept */
	assert_int_equal(last(0)->seq, last(4)->seq + 4);
	assert_string_equal(shim_output(), ""); /* all below the console level */
}

static void test_truncation_and_bad_level(void **state)
{
	(void)state;
	log_set_console_level(LOG_CRIT);
	char big[400];
	memset(big, 'L', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	klog(LOG_INFO, "t", "%s", big);
	u64 errors = log_count(LOG_ERROR);
	klog((enum log_level)42, "t", "out of range"); /* counted as an error */
	assert_int_equal(log_count(LOG_ERROR), errors + 1);
	assert_int_equal(log_count((enum log_level)42), 0);
	snapshot();
	assert_int_equal(strlen(last(1)->text), sizeof(last(1)->text) - 1);
	assert_int_equal(last(0)->level, LOG_ERROR);
	assert_string_equal(last(0)->text, "out of range");
}

static void test_timestamps(void **state)
{
	(void)state;
	log_set_console_level(LOG_CRIT);
	/* before the boot timestamp: clamped to 0 */
	shim_cycles_set(10);
	pr_info("ts", "early");
	shim_cycles_set(1000 + 1234567890);
	pr_info("ts", "later");
	/* uncalibrated counter readings get their true time once a rate is known */
	clock_set_cycle_rate(2000000000ULL, "test");
	snapshot_checked(false);
	assert_int_equal(last(1)->time_ns, 0);
	assert_int_equal(last(0)->time_ns, 617283945); /* 1234567890 cycles at 2 GHz */
	clock_set_cycle_rate(1000000000ULL, "test");
	snapshot_checked(false);
	assert_int_equal(last(0)->time_ns, 1234567890);
}

static void test_console_echo(void **state)
{
	(void)state;
	shim_cycles_set(1000 + 12 * NSEC_PER_SEC + 345678000);
	log_set_console_level(LOG_WARN);
	pr_info("net", "quiet");
	pr_debug("net", "quieter");
	assert_string_equal(shim_output(), "");
	pr_warn("net", "link down");
	assert_string_equal(shim_output(), "[   12.345678] warn: net: link down\n");
	shim_output_reset();
	pr_crit(NULL, "on fire");
	assert_string_equal(shim_output(), "[   12.345678] critical: on fire\n");
	shim_output_reset();
	log_set_console_level(LOG_INFO);
	pr_info("boot", "hello %s", "world");
	assert_string_equal(shim_output(), "[   12.345678] boot: hello world\n");
	shim_output_reset();
	pr_debug("boot", "not shown");
	assert_string_equal(shim_output(), "");
	log_set_console_level(LOG_TRACE);
	pr_trace("", "everything");
	assert_string_equal(shim_output(), "[   12.345678] everything\n");
	shim_output_reset();
	/* wide timestamps keep their width at least */
	shim_cycles_set(1000 + 123456 * NSEC_PER_SEC + 1000);
	pr_err("x", "y");
	assert_string_equal(shim_output(), "[123456.000001] error: x: y\n");
	assert_int_equal(shim_panic_writes(), 0);
}

static void test_ring_overwrite_and_dropped(void **state)
{
	(void)state;
	log_set_console_level(LOG_CRIT);
	u64 total = total_written();
	u64 dropped = log_dropped();
	assert_int_equal(dropped, total > LOG_SLOTS ? total - LOG_SLOTS : 0);
	/* the boundary: exactly one record overwritten */
	assert_true(total < LOG_SLOTS);
	while (total < LOG_SLOTS + 1) {
		pr_debug("fill", "filler");
		total++;
	}
	assert_int_equal(log_dropped(), 1);
	snapshot_checked(false); /* still holds test_timestamps' records */
	assert_int_equal(nrecs, LOG_SLOTS);
	assert_int_equal(recs[0].seq, 1);
	assert_int_equal(last(0)->seq, LOG_SLOTS);
	for (int i = 0; i < 2 * LOG_SLOTS + 37; i++)
		pr_debug("ring", "record %d", i);
	total += 2 * LOG_SLOTS + 37;
	assert_int_equal(total_written(), total);
	assert_int_equal(log_dropped(), total - LOG_SLOTS);
	snapshot();
	assert_int_equal(nrecs, LOG_SLOTS); /* exactly the newest LOG_SLOTS */
	assert_int_equal(last(0)->seq, total - 1);
	assert_int_equal(recs[0].seq, total - LOG_SLOTS);
	char want[32];
	for (size_t i = 0; i < LOG_SLOTS; i++) {
		snprintf(want, sizeof(want), "record %zu", 2 * LOG_SLOTS + 37 - LOG_SLOTS + i);
		assert_string_equal(recs[i].text, want);
	}
	assert_string_equal(shim_output(), "");
}

static void interrupt_logs(void)
{
	pr_debug("irq", "from the interrupt");
}

/* An interrupt may log while a record is being written (the shim raises one
 * at the first counter read made with interrupts enabled): the ring must
 * not end up with a timestamp older than the record before it. */
static void test_interrupt_keeps_time_order(void **state)
{
	(void)state;
	log_set_console_level(LOG_CRIT);
	shim_cycles_set(1000 + 200 * NSEC_PER_SEC);
	shim_cycles_step(10);
	pr_debug("task", "before");
	shim_interrupt_hook = interrupt_logs;
	pr_debug("task", "interrupted");
	pr_debug("task", "after");
	shim_interrupt_hook = NULL;
	shim_cycles_step(0);
	assert_int_equal(shim_irq_nesting(), 0);
	snapshot_checked(false);
	size_t from = nrecs;
	while (from > 0 && strcmp(recs[from - 1].text, "before"))
		from--;
	assert_true(from > 0);
	for (size_t i = from; i < nrecs; i++)
		if (recs[i].time_ns < recs[i - 1].time_ns)
			fail_msg("\"%s\" at %llu ns after \"%s\" at %llu ns", recs[i].text,
				 (unsigned long long)recs[i].time_ns, recs[i - 1].text,
				 (unsigned long long)recs[i - 1].time_ns);
	assert_string_equal(last(0)->text, "after");
}

static char mout[4096];
static size_t mlen;
static void msink(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	assert_true(mlen + n < sizeof(mout));
	memcpy(mout + mlen, s, n);
	mlen += n;
	mout[mlen] = 0;
}

static void test_message_counters(void **state)
{
	(void)state;
	log_set_console_level(LOG_CRIT);
	u64 before[LOG_NR_LEVELS];
	for (int l = 0; l < LOG_NR_LEVELS; l++)
		before[l] = log_count(l);
	for (int l = 0; l < LOG_NR_LEVELS; l++)
		for (int k = 0; k <= l; k++)
			klog(l, "count", "level %d #%d", l, k);
	shim_output_reset();
	for (int l = 0; l < LOG_NR_LEVELS; l++)
		assert_int_equal(log_count(l), before[l] + (u64)l + 1);

	mlen = 0;
	assert_int_equal(metrics_export_family("rayos_log_messages_total", msink, NULL), 0);
	char want[1024];
	int n = snprintf(want, sizeof(want), "# HELP rayos_log_messages_total Kernel log records written, by level.\n"
					   "# TYPE rayos_log_messages_total counter\n");
	static const char *const names[] = { "trace", "debug", "info", "warn", "error", "critical" };
	for (int l = 0; l < LOG_NR_LEVELS; l++)
		n += snprintf(want + n, sizeof(want) - (size_t)n, "rayos_log_messages_total{level=\"%s\"} %llu\n",
			      names[l], (unsigned long long)log_count(l));
	assert_string_equal(mout, want);
	assert_ptr_not_equal(metrics_find("rayos_log_messages_total"), NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_level_parse_and_name, setup),
		cmocka_unit_test_setup(test_records_in_order, setup),
		cmocka_unit_test_setup(test_truncation_and_bad_level, setup),
		cmocka_unit_test_setup(test_timestamps, setup),
		cmocka_unit_test_setup(test_console_echo, setup),
		cmocka_unit_test_setup(test_ring_overwrite_and_dropped, setup),
		cmocka_unit_test_setup(test_interrupt_keeps_time_order, setup),
		cmocka_unit_test_setup(test_message_counters, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
