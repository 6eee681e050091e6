/* test_string.c — tests lib/string.c: the kernel's own mem and str routines
 * (compiled here under k_ names, since hosted builds use the libc ones),
 * checked against the host libc on many sizes, alignments and overlaps;
 * strlcpy, str_starts_with, and parse_u64/parse_s64 including overflow
 * boundaries and junk. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rayos/string.h>

/* The freestanding half of lib/string.c, under other names. */
#define memcpy k_memcpy
#define memmove k_memmove
#define memset k_memset
#define memcmp k_memcmp
#define strlen k_strlen
#define strnlen k_strnlen
#define strcmp k_strcmp
#define strncmp k_strncmp
#define strchr k_strchr
#define strlcpy k_strlcpy
#define str_starts_with k_str_starts_with
#define parse_u64 k_parse_u64
#define parse_s64 k_parse_s64
#undef RAYOS_HOSTED
#include "../../lib/string.c"
#define RAYOS_HOSTED 1
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy
#undef str_starts_with
#undef parse_u64
#undef parse_s64

static int sign(int x) { return (x > 0) - (x < 0); }

/* Deterministic generator (xorshift64*), fixed seed. */
static u64 rng = 0x9e3779b97f4a7c15ULL;
static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void fill(u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)rnd();
}

#define BUF 512
#define GUARD 16

static void test_memcpy_memset(void **state)
{
	(void)state;
	u8 a[BUF + 2 * GUARD], b[BUF + 2 * GUARD], src[BUF];
	for (int iter = 0; iter < 2000; iter++) {
		size_t off = rnd() % 16, n = rnd() % (BUF - 16);
		fill(src, sizeof(src));
		fill(a, sizeof(a));
		memcpy(b, a, sizeof(a));
		assert_ptr_equal(k_memcpy(a + GUARD + off, src, n), a + GUARD + off);
		memcpy(b + GUARD + off, src, n);
		assert_memory_equal(a, b, sizeof(a));

		int c = (int)(rnd() & 0x1ff); /* also values > 255: only the low byte counts */
		assert_ptr_equal(k_memset(a + GUARD + off, c, n), a + GUARD + off);
		memset(b + GUARD + off, c, n);
		assert_memory_equal(a, b, sizeof(a));
	}
	/* zero length touches nothing */
	memset(a, 0x5a, sizeof(a));
	k_memcpy(a, src, 0);
	k_memset(a, 0, 0);
	for (size_t i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0x5a);
}

static void test_memmove_overlap(void **state)
{
	(void)state;
	u8 a[BUF], b[BUF];
	for (int iter = 0; iter < 4000; iter++) {
		fill(a, sizeof(a));
		memcpy(b, a, sizeof(a));
		size_t n = rnd() % 200, from = rnd() % (BUF - 200), to = rnd() % (BUF - 200);
		if (iter % 4 == 0)
			to = from + 1 + rnd() % 8; /* short forward overlap */
		else if (iter % 4 == 1 && from > 8)
			to = from - 1 - rnd() % 8; /* short backward overlap */
		assert_ptr_equal(k_memmove(a + to, a + from, n), a + to);
		memmove(b + to, b + from, n);
		assert_memory_equal(a, b, sizeof(a));
	}
	char s[] = "abcdef";
	k_memmove(s + 1, s, 5);
	assert_string_equal(s, "aabcde");
	k_memmove(s, s + 1, 5);
	assert_string_equal(s, "abcdee");
}

static void test_memcmp(void **state)
{
	(void)state;
	u8 a[64], b[64];
	for (int iter = 0; iter < 4000; iter++) {
		fill(a, sizeof(a));
		memcpy(b, a, sizeof(a));
		size_t n = rnd() % sizeof(a);
		if (n && (iter & 1))
			b[rnd() % n] = (u8)rnd();
		assert_int_equal(sign(k_memcmp(a, b, n)), sign(memcmp(a, b, n)));
	}
	/* bytes compare unsigned */
	u8 x = 0x80, y = 0x01;
	assert_true(k_memcmp(&x, &y, 1) > 0);
	assert_true(k_memcmp(&y, &x, 1) < 0);
	assert_int_equal(k_memcmp("abc", "abd", 2), 0);
	assert_int_equal(k_memcmp(NULL, NULL, 0), 0);
}

static void test_strlen_strnlen(void **state)
{
	(void)state;
	assert_int_equal(k_strlen(""), 0);
	assert_int_equal(k_strlen("a"), 1);
	assert_int_equal(k_strlen("hello, world"), 12);
	assert_int_equal(k_strnlen("hello", 0), 0);
	assert_int_equal(k_strnlen("hello", 3), 3);
	assert_int_equal(k_strnlen("hello", 5), 5);
	assert_int_equal(k_strnlen("hello", 100), 5);
	/* strnlen must not read past max: the array has no terminator */
	char raw[4] = { 'a', 'b', 'c', 'd' };
	assert_int_equal(k_strnlen(raw, sizeof(raw)), 4);
	char *heap = malloc(3);
	memcpy(heap, "xyz", 3);
	assert_int_equal(k_strnlen(heap, 3), 3);
	free(heap);
}

static void test_strcmp_strncmp(void **state)
{
	(void)state;
	static const char *const words[] = { "", "a", "ab", "abc", "abd", "b", "B", "\x80", "\x7f",
					     "a\xff", "ab\x01", "zzz" };
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(words); j++) {
			assert_int_equal(sign(k_strcmp(words[i], words[j])), sign(strcmp(words[i], words[j])));
			for (size_t n = 0; n < 5; n++)
				assert_int_equal(sign(k_strncmp(words[i], words[j], n)),
						 sign(strncmp(words[i], words[j], n)));
		}
	}
	assert_int_equal(k_strncmp("abcX", "abcY", 3), 0);
	assert_true(k_strcmp("a", "ab") < 0);
	assert_true(k_strcmp("ab", "a") > 0);
}

static void test_strchr(void **state)
{
	(void)state;
	const char *s = "hello world";
	assert_ptr_equal(k_strchr(s, 'h'), s);
	assert_ptr_equal(k_strchr(s, 'o'), s + 4);
	assert_ptr_equal(k_strchr(s, 'd'), s + 10);
	assert_null(k_strchr(s, 'z'));
	assert_ptr_equal(k_strchr(s, 0), s + 11); /* the terminator is found */
	const char hi[] = "a\xe9z";
	assert_ptr_equal(k_strchr(hi, 0xe9), hi + 1); /* c converts to char */
	assert_ptr_equal(k_strchr(hi, 0x100 + 'z'), hi + 2);
}

static void test_strlcpy(void **state)
{
	(void)state;
	char buf[8];
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abc", sizeof(buf)), 3);
	assert_string_equal(buf, "abc");

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abcdefghij", sizeof(buf)), 10); /* source length */
	assert_string_equal(buf, "abcdefg");

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abcdefg", sizeof(buf)), 7); /* exactly fits */
	assert_string_equal(buf, "abcdefg");

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abc", 1), 3);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abc", 0), 3); /* size 0 writes nothing */
	assert_int_equal(buf[0], 'X');

	assert_int_equal(strlcpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");

	/* exact-size heap buffer: ASan catches a write past the end */
	char *h = malloc(4);
	assert_int_equal(strlcpy(h, "overflow", 4), 8);
	assert_string_equal(h, "ove");
	free(h);
	/* the k_ copy behaves the same */
	assert_int_equal(k_strlcpy(buf, "abcdefghij", sizeof(buf)), 10);
	assert_string_equal(buf, "abcdefg");
}

static void test_str_starts_with(void **state)
{
	(void)state;
	assert_true(str_starts_with("rayos_x", "rayos_"));
	assert_true(str_starts_with("abc", ""));
	assert_true(str_starts_with("", ""));
	assert_true(str_starts_with("abc", "abc"));
	assert_false(str_starts_with("ab", "abc"));
	assert_false(str_starts_with("", "a"));
	assert_false(str_starts_with("xbc", "abc"));
}

struct u64_case {
	const char *s;
	int ret;
	u64 v;
};

static void test_parse_u64(void **state)
{
	(void)state;
	static const struct u64_case cases[] = {
		{ "0", 0, 0 },
		{ "7", 0, 7 },
		{ "42", 0, 42 },
		{ "007", 0, 7 },
		{ "0x0", 0, 0 },
		{ "0x1f", 0, 31 },
		{ "0X1F", 0, 31 },
		{ "0xDeadBeef", 0, 0xdeadbeef },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "18446744073709551620", -ERANGE, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "184467440737095516150", -ERANGE, 0 },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "0x0000000000000000ffffffffffffffff", 0, UINT64_MAX },
		{ "0x10000000000000000", -ERANGE, 0 },
		{ "0x1ffffffffffffffff", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "x10", -EINVAL, 0 },
		{ "12a", -EINVAL, 0 },
		{ "a12", -EINVAL, 0 },
		{ "0xg", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ "1.5", -EINVAL, 0 },
		{ "0x-1", -EINVAL, 0 },
		{ "ff", -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0x1234;
		int r = parse_u64(cases[i].s, &v);
		if (r != cases[i].ret || (r == 0 && v != cases[i].v))
			fail_msg("parse_u64(\"%s\") = %d, %llu; want %d, %llu", cases[i].s, r,
				 (unsigned long long)v, cases[i].ret, (unsigned long long)cases[i].v);
		if (r)
			assert_int_equal(v, 0x1234); /* output untouched on error */
	}
	u64 v;
	assert_int_equal(parse_u64(NULL, &v), -EINVAL);

	/* every value round-trips through decimal and hex text */
	char buf[32];
	for (int iter = 0; iter < 20000; iter++) {
		u64 x = rnd() >> (rnd() % 64);
		sprintf(buf, "%llu", (unsigned long long)x);
		assert_int_equal(parse_u64(buf, &v), 0);
		assert_int_equal(v, x);
		sprintf(buf, iter & 1 ? "0x%llx" : "0X%llX", (unsigned long long)x);
		assert_int_equal(parse_u64(buf, &v), 0);
		assert_int_equal(v, x);
	}
}

struct s64_case {
	const char *s;
	int ret;
	s64 v;
};

static void test_parse_s64(void **state)
{
	(void)state;
	static const struct s64_case cases[] = {
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "+5", 0, 5 },
		{ "-5", 0, -5 },
		{ "-0x10", 0, -16 },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "9223372036854775808", -ERANGE, 0 },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "-9223372036854775809", -ERANGE, 0 },
		{ "-0x8000000000000000", 0, INT64_MIN },
		{ "0x8000000000000000", -ERANGE, 0 },
		{ "-18446744073709551615", -ERANGE, 0 },
		{ "-99999999999999999999", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "-", -EINVAL, 0 },
		{ "+", -EINVAL, 0 },
		{ "--1", -EINVAL, 0 },
		{ "+-1", -EINVAL, 0 },
		{ "- 1", -EINVAL, 0 },
		{ "1-", -EINVAL, 0 },
		{ "12x", -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		s64 v = 0x1234;
		int r = parse_s64(cases[i].s, &v);
		if (r != cases[i].ret || (r == 0 && v != cases[i].v))
			fail_msg("parse_s64(\"%s\") = %d, %lld; want %d, %lld", cases[i].s, r,
				 (long long)v, cases[i].ret, (long long)cases[i].v);
		if (r)
			assert_int_equal(v, 0x1234);
	}
	s64 v;
	assert_int_equal(parse_s64(NULL, &v), -EINVAL);
	char buf[32];
	for (int iter = 0; iter < 20000; iter++) {
		s64 x = (s64)(rnd() >> (rnd() % 64));
		if (iter & 1)
			x = -x;
		sprintf(buf, "%lld", (long long)x);
		assert_int_equal(parse_s64(buf, &v), 0);
		assert_int_equal(v, x);
	}
}

/* sort(): random u64 and int arrays (fixed seed) come out ascending and a
 * permutation of the input; records with equal keys keep their order. */
static void test_sort(void **state)
{
	(void)state;
	u64 seed = 12345;
	for (int round = 0; round < 50; round++) {
		u64 v[64], orig[64];
		int n = round % 64;
		for (int i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			v[i] = orig[i] = (seed >> 33) % (round < 25 ? 8 : 1000000);
		}
		sort(v, (size_t)n, sizeof(u64), sort_cmp_u64);
		for (int i = 1; i < n; i++)
			assert_true(v[i - 1] <= v[i]);
		u64 sa = 0, sb = 0, xa = 0, xb = 0;
		for (int i = 0; i < n; i++) {
			sa += v[i];
			sb += orig[i];
			xa ^= v[i] * 0x9e3779b97f4a7c15ULL;
			xb ^= orig[i] * 0x9e3779b97f4a7c15ULL;
		}
		assert_true(sa == sb && xa == xb);
	}
	int a[] = { 5, -3, 9, 0, -3, 7, 2 };
	sort(a, 7, sizeof(int), sort_cmp_int);
	int want[] = { -3, -3, 0, 2, 5, 7, 9 };
	assert_memory_equal(a, want, sizeof(want));
	struct rec { int key, id; } r[] = { { 2, 0 }, { 1, 1 }, { 2, 2 }, { 1, 3 }, { 0, 4 } };
	sort(r, 5, sizeof(r[0]), sort_cmp_int); /* key is the first member */
	int ids[] = { 4, 1, 3, 0, 2 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(r[i].id, ids[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_memset),
		cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_memcmp),
		cmocka_unit_test(test_strlen_strnlen),
		cmocka_unit_test(test_strcmp_strncmp),
		cmocka_unit_test(test_strchr),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_str_starts_with),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_s64),
		cmocka_unit_test(test_sort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
