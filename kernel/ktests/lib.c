/* ktests/lib.c — in-kernel tests of lib/ (suite lib), as the kernel build
 * compiles it (freestanding, -mno-sse, the rep-string mem* routines):
 * snprintf formatting and truncation, the mem and str functions including
 * overlapping memmove, strlcpy, parse_u64/parse_s64 and errno_text. The
 * hosted tests (tests/host/test_string.c, test_printf.c) go deeper; these
 * check that the kernel's own build behaves the same. */
#include <rayos/ktest.h>
#include <rayos/errno.h>
#include <rayos/printf.h>
#include <rayos/string.h>

/* snprintf into a buffer: the text and the returned length. */
#define FMT(t, want, ...) do { char _b[96]; int _n = snprintf(_b, sizeof(_b), __VA_ARGS__); \
	KT_EXPECT_STR(_b, want); KT_EXPECT_EQ(_n, (int)strlen(want)); } while (0)

KTEST(lib, printf_integers)
{
	FMT(t, "42", "%d", 42);
	FMT(t, "-2147483648", "%d", (int)0x80000000);
	FMT(t, "2147483647", "%i", 0x7fffffff);
	FMT(t, "-9223372036854775808", "%lld", (long long)0x8000000000000000ULL);
	FMT(t, "18446744073709551615", "%llu", 0xffffffffffffffffULL);
	FMT(t, "18446744073709551615", "%zu", (size_t)-1);
	FMT(t, "[   -7|-7   |-0007|+7| 7]", "[%5d|%-5d|%05d|%+d|% 2d]", -7, -7, -7, 7, 7);
	FMT(t, "[  007|007|]", "[%5.3d|%.3d|%.0d]", 7, 7, 0);
	FMT(t, "ff FF 0xff 0XFF 377 0377", "%x %X %#x %#X %o %#o", 255, 255, 255, 255, 255, 255);
	FMT(t, "0 0 0", "%#x %#o %#.0o", 0, 0, 0);
	/* hh and h convert an int argument; the format is hidden from the
	 * compiler's checker, which rejects int for them */
	const char *volatile hfmt = "%hhd %hhu %hd %hu";
	FMT(t, "-56 200 -1 65535", hfmt, 200, 200, 0xffff, 0xffff);
	FMT(t, "0x00ff|0000ff", "%#06x|%06x", 255, 255);
	FMT(t, "[    42|42    ]", "[%*d|%-*d]", 6, 42, 6, 42);
	FMT(t, "[42    |  0042]", "[%*d|%6.*d]", -6, 42, 4, 42);
}

KTEST(lib, printf_strings_chars_pointers)
{
	FMT(t, "abc|  abc|abc  |ab", "%s|%5s|%-5s|%.2s", "abc", "abc", "abc", "abc");
	const char *volatile null_str = NULL; /* hidden from the format checker */
	FMT(t, "(null)", "%s", null_str);
	FMT(t, "x|  y|z  ", "%c|%3c|%-3c", 'x', 'y', 'z');
	FMT(t, "100%", "100%%");
	FMT(t, "0xffffffff80000000", "%p", (void *)0xffffffff80000000ULL);
	char raw[3] = { 'p', 'q', 'r' }; /* no terminator: precision bounds the read */
	FMT(t, "pqr", "%.3s", raw);
}

KTEST(lib, printf_truncation)
{
	char b[8];
	memset(b, 'X', sizeof(b));
	KT_EXPECT_EQ(snprintf(b, 5, "%d", 123456789), 9);
	KT_EXPECT_STR(b, "1234");
	KT_EXPECT_EQ(b[5], 'X');
	memset(b, 'X', sizeof(b));
	KT_EXPECT_EQ(snprintf(b, 1, "abc"), 3);
	KT_EXPECT_EQ(b[0], 0);
	KT_EXPECT_EQ(b[1], 'X');
	memset(b, 'X', sizeof(b));
	KT_EXPECT_EQ(snprintf(b, 0, "abc"), 3);
	KT_EXPECT_EQ(b[0], 'X');
	KT_EXPECT_EQ(snprintf(NULL, 0, "%5d", 1), 5);
	KT_EXPECT_EQ(snprintf(b, sizeof(b), "1234567"), 7); /* exactly fits */
	KT_EXPECT_STR(b, "1234567");
}

KTEST(lib, mem_functions)
{
	static u8 a[300], c[300];
	for (int i = 0; i < 300; i++)
		a[i] = (u8)(i * 7 + 1);
	/* memcpy at every small offset and length */
	for (int off = 0; off < 8; off++) {
		for (int n = 0; n < 64; n++) {
			memset(c, 0xee, sizeof(c));
			KT_ASSERT(memcpy(c + off, a, (size_t)n) == c + off);
			bool ok = c[off + n] == 0xee && (off == 0 || c[off - 1] == 0xee);
			for (int i = 0; i < n; i++)
				ok &= c[off + i] == a[i];
			KT_ASSERT(ok);
		}
	}
	/* memset: low byte of c, bounds kept */
	memset(c, 0, sizeof(c));
	KT_ASSERT(memset(c + 3, 0x1ab, 100) == c + 3);
	KT_EXPECT_EQ(c[2], 0);
	KT_EXPECT_EQ(c[3], 0xab);
	KT_EXPECT_EQ(c[102], 0xab);
	KT_EXPECT_EQ(c[103], 0);
	/* memmove both ways over overlapping ranges */
	char s[] = "0123456789";
	KT_ASSERT(memmove(s + 2, s, 6) == s + 2);
	KT_EXPECT_STR(s, "0101234589");
	memmove(s, s + 3, 5);
	KT_EXPECT_STR(s, "1234534589");
	memmove(s, s, 10);
	KT_EXPECT_STR(s, "1234534589");
	/* memcmp compares bytes unsigned */
	u8 hi = 0x80, lo = 0x01;
	KT_EXPECT(memcmp(&hi, &lo, 1) > 0);
	KT_EXPECT(memcmp("abc", "abd", 3) < 0);
	KT_EXPECT_EQ(memcmp("abc", "abd", 2), 0);
	KT_EXPECT_EQ(memcmp(a, a, 0), 0);
}

KTEST(lib, str_functions)
{
	KT_EXPECT_EQ(strlen(""), 0);
	KT_EXPECT_EQ(strlen("kernel"), 6);
	KT_EXPECT_EQ(strnlen("kernel", 3), 3);
	KT_EXPECT_EQ(strnlen("kernel", 64), 6);
	KT_EXPECT(strcmp("a", "b") < 0);
	KT_EXPECT(strcmp("b", "a") > 0);
	KT_EXPECT(strcmp("ab", "a") > 0);
	KT_EXPECT(strcmp("\x80", "\x01") > 0); /* unsigned */
	KT_EXPECT_EQ(strcmp("same", "same"), 0);
	KT_EXPECT_EQ(strncmp("abcX", "abcY", 3), 0);
	KT_EXPECT(strncmp("abcX", "abcY", 4) < 0);
	KT_EXPECT_EQ(strncmp("ab", "ab", 10), 0);
	const char *h = "hello";
	KT_EXPECT(strchr(h, 'l') == h + 2);
	KT_EXPECT(strchr(h, 0) == h + 5);
	KT_EXPECT(strchr(h, 'z') == NULL);
	KT_EXPECT(str_starts_with("rayos_uptime", "rayos_"));
	KT_EXPECT(!str_starts_with("ray", "rayos"));

	char b[6];
	KT_EXPECT_EQ(strlcpy(b, "abc", sizeof(b)), 3);
	KT_EXPECT_STR(b, "abc");
	KT_EXPECT_EQ(strlcpy(b, "abcdefgh", sizeof(b)), 8);
	KT_EXPECT_STR(b, "abcde");
	b[0] = 'Q';
	KT_EXPECT_EQ(strlcpy(b, "xyz", 0), 3);
	KT_EXPECT_EQ(b[0], 'Q');
}

KTEST(lib, parse_numbers)
{
	u64 u = 0;
	KT_EXPECT_EQ(parse_u64("0", &u), 0);
	KT_EXPECT_EQ(u, 0);
	KT_EXPECT_EQ(parse_u64("1234567890", &u), 0);
	KT_EXPECT_EQ(u, 1234567890);
	KT_EXPECT_EQ(parse_u64("0xFfFf", &u), 0);
	KT_EXPECT_EQ(u, 0xffff);
	KT_EXPECT_EQ(parse_u64("18446744073709551615", &u), 0);
	KT_EXPECT(u == 0xffffffffffffffffULL);
	u = 77;
	KT_EXPECT_EQ(parse_u64("18446744073709551616", &u), -ERANGE);
	KT_EXPECT_EQ(parse_u64("0x10000000000000000", &u), -ERANGE);
	KT_EXPECT_EQ(parse_u64("", &u), -EINVAL);
	KT_EXPECT_EQ(parse_u64("0x", &u), -EINVAL);
	KT_EXPECT_EQ(parse_u64("12ab", &u), -EINVAL);
	KT_EXPECT_EQ(parse_u64(" 1", &u), -EINVAL);
	KT_EXPECT_EQ(parse_u64("-1", &u), -EINVAL);
	KT_EXPECT_EQ(parse_u64(NULL, &u), -EINVAL);
	KT_EXPECT_EQ(u, 77); /* untouched on error */

	s64 s = 0;
	KT_EXPECT_EQ(parse_s64("-42", &s), 0);
	KT_EXPECT_EQ(s, -42);
	KT_EXPECT_EQ(parse_s64("+0x10", &s), 0);
	KT_EXPECT_EQ(s, 16);
	KT_EXPECT_EQ(parse_s64("-9223372036854775808", &s), 0);
	KT_EXPECT(s == (s64)0x8000000000000000ULL);
	KT_EXPECT_EQ(parse_s64("9223372036854775807", &s), 0);
	KT_EXPECT_EQ(s, 0x7fffffffffffffffLL);
	KT_EXPECT_EQ(parse_s64("9223372036854775808", &s), -ERANGE);
	KT_EXPECT_EQ(parse_s64("-9223372036854775809", &s), -ERANGE);
	KT_EXPECT_EQ(parse_s64("-", &s), -EINVAL);
	KT_EXPECT_EQ(parse_s64("--1", &s), -EINVAL);
}

KTEST(lib, errno_text)
{
	KT_EXPECT_STR(errno_text(0), "success");
	KT_EXPECT_STR(errno_text(-ENOENT), "no such entry");
	KT_EXPECT_STR(errno_text(EINVAL), "invalid argument");
	KT_EXPECT_STR(errno_text(-9999), "unknown error");
}
