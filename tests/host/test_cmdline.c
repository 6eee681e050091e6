/* test_cmdline.c — tests kernel/cmdline.c (cmdline_parse): loglevel by name
 * and digit, quiet, ktest=, init= with a quoted value containing spaces,
 * unknown and invalid options recorded for the boot log, empty and NULL
 * lines, over-long tokens and values, and more tokens than the report
 * arrays hold. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include <rayos/cmdline.h>
#include <rayos/log.h>
#include <rayos/string.h>

static struct kernel_options o;

static void parse(const char *line)
{
	memset(&o, 0xa5, sizeof(o)); /* the parser must initialise everything */
	cmdline_parse(line, &o);
}

static void assert_defaults_except_lists(void)
{
	assert_int_equal(o.loglevel, LOG_INFO);
	assert_false(o.loglevel_set);
	assert_string_equal(o.ktest, "");
	assert_string_equal(o.init, "");
}

static void test_empty_and_null(void **state)
{
	(void)state;
	const char *lines[] = { NULL, "", " ", "\t \n\r  " };
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		parse(lines[i]);
		assert_defaults_except_lists();
		assert_int_equal(o.nr_unknown, 0);
		assert_int_equal(o.nr_invalid, 0);
	}
}

static void test_loglevel_names_and_digits(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		int level;
	} ok[] = {
		{ "loglevel=trace", LOG_TRACE }, { "loglevel=debug", LOG_DEBUG },
		{ "loglevel=info", LOG_INFO },   { "loglevel=warn", LOG_WARN },
		{ "loglevel=warning", LOG_WARN }, { "loglevel=error", LOG_ERROR },
		{ "loglevel=err", LOG_ERROR },   { "loglevel=critical", LOG_CRIT },
		{ "loglevel=crit", LOG_CRIT },   { "loglevel=0", LOG_TRACE },
		{ "loglevel=1", LOG_DEBUG },     { "loglevel=2", LOG_INFO },
		{ "loglevel=3", LOG_WARN },      { "loglevel=4", LOG_ERROR },
		{ "loglevel=5", LOG_CRIT },      { "loglevel=\"debug\"", LOG_DEBUG },
		{ "quiet", LOG_WARN },           { "loglevel=debug quiet", LOG_WARN },
		{ "quiet loglevel=trace", LOG_TRACE }, { "loglevel=error loglevel=1", LOG_DEBUG },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		parse(ok[i].line);
		if (o.loglevel != ok[i].level || !o.loglevel_set || o.nr_invalid || o.nr_unknown)
			fail_msg("\"%s\": level %d set %d invalid %u unknown %u; want level %d", ok[i].line,
				 o.loglevel, o.loglevel_set, o.nr_invalid, o.nr_unknown, ok[i].level);
	}
	static const char *const bad[] = { "loglevel=6", "loglevel=-1", "loglevel=05", "loglevel=INFO",
					   "loglevel=", "loglevel", "loglevel=info2", "loglevel=10" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		parse(bad[i]);
		assert_int_equal(o.loglevel, LOG_INFO);
		assert_false(o.loglevel_set);
		assert_int_equal(o.nr_invalid, 1);
		assert_string_equal(o.invalid[0], bad[i]);
		assert_int_equal(o.nr_unknown, 0);
	}
	/* a bad value does not undo an earlier good one */
	parse("loglevel=debug loglevel=bogus");
	assert_int_equal(o.loglevel, LOG_DEBUG);
	assert_true(o.loglevel_set);
	assert_int_equal(o.nr_invalid, 1);
}

static void test_ktest(void **state)
{
	(void)state;
	parse("ktest=all");
	assert_string_equal(o.ktest, "all");
	parse("ktest=lib loglevel=warn");
	assert_string_equal(o.ktest, "lib");
	assert_int_equal(o.loglevel, LOG_WARN);
	parse("ktest=\"metrics\"");
	assert_string_equal(o.ktest, "metrics");
	parse("ktest=a ktest=b");
	assert_string_equal(o.ktest, "b");
	parse("ktest=");
	assert_string_equal(o.ktest, "");
	assert_int_equal(o.nr_invalid, 1);
	assert_string_equal(o.invalid[0], "ktest=");
	parse("ktest");
	assert_string_equal(o.ktest, "");
	assert_int_equal(o.nr_invalid, 1);
	assert_string_equal(o.invalid[0], "ktest");
}

static void test_init_quoted(void **state)
{
	(void)state;
	parse("init=\"/bin/sh -l\" loglevel=debug");
	assert_string_equal(o.init, "/bin/sh -l");
	assert_int_equal(o.loglevel, LOG_DEBUG);
	assert_int_equal(o.nr_unknown + o.nr_invalid, 0);

	parse("console=ttyS0 init=\"/sbin/my init\"\tktest=all");
	assert_string_equal(o.init, "/sbin/my init");
	assert_string_equal(o.ktest, "all");
	assert_int_equal(o.nr_unknown, 1);
	assert_string_equal(o.unknown[0], "console=ttyS0");

	parse("init=/bin/\"a b\"c");     /* quotes may sit anywhere in the value */
	assert_string_equal(o.init, "/bin/a bc");
	parse("init=\"/x=y z\"");        /* '=' inside the value */
	assert_string_equal(o.init, "/x=y z");
	parse("init=\"/bin/unterminated quote");
	assert_string_equal(o.init, "/bin/unterminated quote");

	/* init must be an absolute path */
	parse("init=sh");
	assert_string_equal(o.init, "");
	assert_int_equal(o.nr_invalid, 1);
	assert_string_equal(o.invalid[0], "init=sh");
	parse("init=");
	assert_string_equal(o.init, "");
	assert_int_equal(o.nr_invalid, 1);
	/* a later bad init clears an earlier good one */
	parse("init=/bin/a init=b");
	assert_string_equal(o.init, "");
}

static void test_unknown_and_invalid_recorded(void **state)
{
	(void)state;
	parse("foo bar=1 loglevel=nope =x ktest=lib init=rel baz=\"q r\"");
	assert_int_equal(o.nr_unknown, 4);
	assert_string_equal(o.unknown[0], "foo");
	assert_string_equal(o.unknown[1], "bar=1");
	assert_string_equal(o.unknown[2], "=x");
	assert_string_equal(o.unknown[3], "baz=q r");
	assert_int_equal(o.nr_invalid, 2);
	assert_string_equal(o.invalid[0], "loglevel=nope");
	assert_string_equal(o.invalid[1], "init=rel");
	assert_string_equal(o.ktest, "lib");
	/* names are case-sensitive */
	parse("LOGLEVEL=debug Quiet");
	assert_int_equal(o.nr_unknown, 2);
	assert_false(o.loglevel_set);
}

static void test_overlong(void **state)
{
	(void)state;
	char line[2048], v[600];
	/* the longest value that fits, and one more */
	memset(v, 'k', CMDLINE_VALUE_MAX - 1);
	v[CMDLINE_VALUE_MAX - 1] = 0;
	snprintf(line, sizeof(line), "ktest=%s", v);
	parse(line);
	assert_string_equal(o.ktest, v);
	assert_int_equal(o.nr_invalid, 0);

	memset(v, 'k', CMDLINE_VALUE_MAX);
	v[CMDLINE_VALUE_MAX] = 0;
	snprintf(line, sizeof(line), "ktest=%s loglevel=warn", v);
	parse(line);
	assert_string_equal(o.ktest, "");
	assert_int_equal(o.nr_invalid, 1);
	assert_int_equal(strlen(o.invalid[0]), CMDLINE_VALUE_MAX - 1); /* truncated report */
	assert_true(str_starts_with(o.invalid[0], "ktest=kkk"));
	assert_int_equal(o.loglevel, LOG_WARN); /* parsing went on */

	/* far longer than the token buffer: nothing overflows, parsing goes on */
	memset(v, '/', sizeof(v) - 1);
	v[sizeof(v) - 1] = 0;
	snprintf(line, sizeof(line), "init=\"%s\" %s=%s ktest=tail", v, v + 10, v);
	parse(line);
	assert_string_equal(o.init, "");
	assert_int_equal(o.nr_invalid, 1);
	assert_int_equal(o.nr_unknown, 1);
	assert_int_equal(strlen(o.unknown[0]), CMDLINE_VALUE_MAX - 1);
	assert_string_equal(o.ktest, "tail");
}

static void test_isolcpus_and_cpulist(void **state)
{
	(void)state;
	struct kernel_options o;
	u64 m = 0;
	assert_int_equal(cpulist_parse("1,3-5", &m), 0);
	assert_int_equal(m, 0x3a);
	assert_int_equal(cpulist_parse("0", &m), 0);
	assert_int_equal(m, 1);
	assert_int_equal(cpulist_parse("63", &m), 0);
	assert_true(m == 1ULL << 63);
	m = 7;
	assert_int_equal(cpulist_parse("64", &m), -EINVAL);
	assert_int_equal(cpulist_parse("", &m), -EINVAL);
	assert_int_equal(cpulist_parse("3-1", &m), -EINVAL);
	assert_int_equal(cpulist_parse("1,", &m), 0); /* trailing comma tolerated */
	assert_int_equal(cpulist_parse("1,,2", &m), -EINVAL);
	assert_int_equal(cpulist_parse("a", &m), -EINVAL);
	assert_int_equal(cpulist_parse("1-", &m), -EINVAL);
	assert_int_equal(cpulist_parse("1 2", &m), -EINVAL);
	cmdline_parse("isolcpus=2-3 quiet", &o);
	assert_int_equal(o.isolcpus, 0xc);
	assert_int_equal(o.nr_invalid, 0);
	cmdline_parse("isolcpus=x", &o);
	assert_int_equal(o.isolcpus, 0);
	assert_int_equal(o.nr_invalid, 1);
	assert_string_equal(o.invalid[0], "isolcpus=x");
}

static void test_many_tokens(void **state)
{
	(void)state;
	char line[4096] = "";
	size_t n = 0;
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "opt%d=%d ", i, i);
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "init=bad%d ", i);
	snprintf(line + n, sizeof(line) - n, "ktest=last");
	parse(line);
	assert_int_equal(o.nr_unknown, CMDLINE_MAX_UNKNOWN);
	assert_string_equal(o.unknown[0], "opt0=0");
	assert_string_equal(o.unknown[CMDLINE_MAX_UNKNOWN - 1], "opt15=15");
	assert_int_equal(o.nr_invalid, CMDLINE_MAX_UNKNOWN);
	assert_string_equal(o.invalid[CMDLINE_MAX_UNKNOWN - 1], "init=bad15");
	assert_string_equal(o.ktest, "last");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_loglevel_names_and_digits),
		cmocka_unit_test(test_ktest),
		cmocka_unit_test(test_init_quoted),
		cmocka_unit_test(test_unknown_and_invalid_recorded),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_many_tokens),
		cmocka_unit_test(test_isolcpus_and_cpulist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
