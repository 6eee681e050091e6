/* ktest.c — the in-kernel test runner. Tests live in the rayos_ktests
 * section (KTEST macro, ktest.h), grouped by suite in link order. Output is
 * KTAP version 1 (Documentation/dev-tools/ktap.rst in Linux): a top-level
 * plan over suites, each suite a subtest with its own plan, then
 * "ok N name" / "not ok N name" lines and a "# ktest: pass X fail Y skip Z"
 * summary that the pytest harness reads. */
#include <rayos/ktest.h>
#include <rayos/printf.h>
#include <rayos/string.h>

extern const struct ktest __start_rayos_ktests[], __stop_rayos_ktests[];

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[200];
	t->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("        # %s:%d: %s\n", file, line, msg);
}

static bool first_of_suite(const struct ktest *t)
{
	for (const struct ktest *p = __start_rayos_ktests; p < t; p++)
		if (!strcmp(p->suite, t->suite))
			return false;
	return true;
}

static bool suite_matches(const char *want, const char *suite)
{
	return !want || !*want || !strcmp(want, "all") || !strcmp(want, suite);
}

int ktest_run(const char *want)
{
	u32 nsuites = 0;
	for (const struct ktest *t = __start_rayos_ktests; t < __stop_rayos_ktests; t++)
		if (first_of_suite(t) && suite_matches(want, t->suite))
			nsuites++;
	if (!nsuites)
		return -ENOENT;

	u32 pass = 0, fail = 0, skip = 0, suite_no = 0;
	kprintf("KTAP version 1\n1..%u\n", nsuites);
	for (const struct ktest *s = __start_rayos_ktests; s < __stop_rayos_ktests; s++) {
		if (!first_of_suite(s) || !suite_matches(want, s->suite))
			continue;
		u32 n = 0, k = 0;
		bool suite_failed = false;
		for (const struct ktest *t = s; t < __stop_rayos_ktests; t++)
			if (!strcmp(t->suite, s->suite))
				n++;
		kprintf("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", s->suite, n);
		for (const struct ktest *t = s; t < __stop_rayos_ktests; t++) {
			if (strcmp(t->suite, s->suite))
				continue;
			struct ktest_ctx ctx = { 0 };
			t->fn(&ctx);
			k++;
			if (ctx.failed) {
				fail++;
				suite_failed = true;
				kprintf("    not ok %u %s\n", k, t->name);
			} else if (ctx.skipped) {
				skip++;
				kprintf("    ok %u %s # SKIP %s\n", k, t->name,
					ctx.skip_reason ? ctx.skip_reason : "");
			} else {
				pass++;
				kprintf("    ok %u %s\n", k, t->name);
			}
		}
		kprintf("%sok %u %s\n", suite_failed ? "not " : "", ++suite_no, s->suite);
	}
	kprintf("# ktest: pass %u fail %u skip %u\n", pass, fail, skip);
	return (int)fail;
}
