/* ktest.h — in-kernel tests: KTEST(suite, name) puts a test in the
 * rayos_ktests linker section; ktest_run() prints KTAP version 1. */
#ifndef RAYOS_KTEST_H
#define RAYOS_KTEST_H
#include <rayos/types.h>
#include <rayos/string.h> /* KT_EXPECT_STR */

struct ktest_ctx {
	bool failed;
	bool skipped;
	const char *skip_reason;
	u32 checks;
};

struct ktest {
	const char *suite;
	const char *name;
	void (*fn)(struct ktest_ctx *t);
};

#define KTEST(suite_, name_)                                                  \
	static void __ktest_fn_##suite_##_##name_(struct ktest_ctx *t);        \
	static const struct ktest __ktest_##suite_##_##name_ __used            \
	__section("rayos_ktests") __attribute__((aligned(8))) = {              \
		.suite = #suite_, .name = #name_,                              \
		.fn = __ktest_fn_##suite_##_##name_ };                         \
	static void __ktest_fn_##suite_##_##name_(struct ktest_ctx *t)

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...) __printf(4, 5);

#define KT_EXPECT(cond) do { t->checks++; if (!(cond)) \
	ktest_fail(t, __FILE__, __LINE__, "expected %s", #cond); } while (0)
#define KT_ASSERT(cond) do { t->checks++; if (!(cond)) { \
	ktest_fail(t, __FILE__, __LINE__, "assertion %s", #cond); return; } } while (0)
#define KT_EXPECT_EQ(a, b) do { t->checks++; long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) ktest_fail(t, __FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, _a, _b); } while (0)
#define KT_EXPECT_STR(a, b) do { t->checks++; const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b)) ktest_fail(t, __FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
		#a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); } while (0)
#define KT_SKIP(reason) do { t->skipped = true; t->skip_reason = (reason); return; } while (0)

/* Runs suite (NULL or "all" = every suite). Returns the number of failed
 * tests, or -ENOENT when no suite matches. Output goes to kprintf. */
int ktest_run(const char *suite);

#endif
