/* test_printf.c — tests lib/printf.c: rayos_vsnprintf against the host
 * libc's vsnprintf for flags, width, precision, '*', length modifiers,
 * extreme values, %p, strings, truncation and return values; the kernel's
 * own choices where C leaves the result undefined (NULL %s and %p, unknown
 * conversions); vcbprintf counting; and a randomized differential test of
 * generated conversions with a fixed seed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <cmocka.h>

#include <rayos/printf.h>
#include <rayos/string.h>
/* Call each implementation by its own name below. */
#undef vsnprintf
#undef snprintf

#define GUARD 8

/* Formats with both implementations into exact-size heap buffers of `size`
 * bytes (ASan checks the bounds) and compares the bytes and return values. */
static void vcheck_size(size_t size, const char *fmt, va_list ap)
{
	va_list a1, a2;
	va_copy(a1, ap);
	va_copy(a2, ap);
	char *mine = malloc(size + GUARD), *ref = malloc(size + GUARD);
	memset(mine, 0x7e, size + GUARD);
	memset(ref, 0x7e, size + GUARD);
	int n_mine = rayos_vsnprintf(size ? mine : NULL, size, fmt, a1);
	int n_ref = vsnprintf(size ? ref : NULL, size, fmt, a2);
	va_end(a1);
	va_end(a2);
	char msg[512] = "";
	if (n_mine != n_ref)
		snprintf(msg, sizeof(msg), "format \"%s\" size %zu: returned %d, libc %d", fmt, size,
			 n_mine, n_ref);
	else if (memcmp(mine, ref, size + GUARD))
		snprintf(msg, sizeof(msg), "format \"%s\" size %zu: got \"%.*s\", libc \"%.*s\"", fmt,
			 size, (int)(size ? size - 1 : 0), mine, (int)(size ? size - 1 : 0), ref);
	free(mine);
	free(ref);
	if (msg[0])
		fail_msg("%s", msg);
}

/* Compares at full size and at every shorter buffer size (truncation). */
static void vcheck(const char *fmt, va_list ap)
{
	char probe[1024];
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(probe, sizeof(probe), fmt, aq);
	va_end(aq);
	assert_true(n >= 0 && n < (int)sizeof(probe));
	for (size_t size = 0; size <= (size_t)n + 2; size++) {
		va_copy(aq, ap);
		vcheck_size(size, fmt, aq);
		va_end(aq);
	}
}

static void check(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vcheck(fmt, ap);
	va_end(ap);
}

/* Expected text for behaviour the kernel defines itself. */
static void expect(const char *want, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = rayos_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_plain_and_percent(void **state)
{
	(void)state;
	check("");
	check("hello, world");
	check("100%%");
	check("%%d%%");
	check("a%cb", 'x');
	check("%c%c%c", 'a', 0x7f, ' ');
	check("[%5c|%-5c]", 'q', 'r');
	expect("", "");
	/* a NUL character counts and is stored */
	char buf[8];
	assert_int_equal(rayos_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	assert_memory_equal(buf, "a\0b", 4);
}

static void test_signed(void **state)
{
	(void)state;
	static const int vals[] = { 0, 1, -1, 7, -7, 42, -42, 1000, -1000, INT_MAX, INT_MIN, INT_MAX - 1,
				    INT_MIN + 1 };
	static const char *const fmts[] = {
		"%d", "%i", "%+d", "% d", "%-d", "%05d", "%-5d|", "%+05d", "% 05d", "%5d", "%12d",
		"%.0d", "%.1d", "%.5d", "%8.3d", "%-8.3d|", "%08.3d", "%+.3d", "% .0d", "%+.0d",
		"%-+8d|", "%- 8d|", "%0-8d|", "%+ d", "%012.0d", "%1d",
	};
	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(vals); v++)
			check(fmts[f], vals[v]);
	check("%d %i %d", INT_MIN, INT_MAX, 0);
	check("%ld %li", LONG_MIN, LONG_MAX);
	check("%lld|%+lld|%30lld|%-30lld|", LLONG_MIN, LLONG_MAX, LLONG_MIN, LLONG_MAX);
	check("%.25lld", LLONG_MIN);
	check("%025lld", LLONG_MIN);
	check("%zd %td %jd", (ssize_t)-5, (ptrdiff_t)-77, (intmax_t)INTMAX_MIN);
	check("%hd %hd %hd", (short)-32768, 32767, 70000);   /* 70000 converts to short */
	check("%hhd %hhd %hhd %hhd", -128, 127, 200, 0x1ff); /* and to signed char */
	check("%hi|%5hhi|", -1, -1);
}

static void test_unsigned(void **state)
{
	(void)state;
	static const unsigned vals[] = { 0, 1, 7, 8, 9, 15, 16, 255, 256, 0xdeadbeef, UINT_MAX };
	static const char *const fmts[] = {
		"%u", "%x", "%X", "%o", "%#x", "%#X", "%#o", "%08x", "%#08x", "%-#8x|", "%.0x", "%#.0x",
		"%.0o", "%#.0o", "%#.3o", "%#.1o", "%#5o", "%#.6x", "%#10.6X", "%-10.6u|", "%010u",
		"%+u", "% u", "%+x", "%1o", "%#1o", "%#01x",
	};
	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(vals); v++)
			check(fmts[f], vals[v]);
	check("%lu %lx %lo", ULONG_MAX, ULONG_MAX, ULONG_MAX);
	check("%llu %llx %#llX %#llo", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	check("%zu %zx %tx %ju", SIZE_MAX, (size_t)0x1234, (ptrdiff_t)0x7fff, UINTMAX_MAX);
	check("%hu %hx %ho", 70000, 0x12345, 65535);
	check("%hhu %hhx %hho %hhX", 256 + 255, 0x1ab, 0x100, 0xff);
}

static void test_width_precision_star(void **state)
{
	(void)state;
	check("%*d|", 6, 42);
	check("%*d|", -6, 42);              /* negative width: left-justify */
	check("%-*d|", -6, 42);
	check("%.*d|", 4, 42);
	check("%.*d|", -1, 42);             /* negative precision: as if omitted */
	check("%0*.*d|", 8, -3, 42);        /* so the 0 flag applies again */
	check("%*.*x|", 10, 6, 0xabc);
	check("%*.*s|", -10, 3, "abcdef");
	check("%*s|%*c|", 7, "ab", -3, 'z');
	check("%.*s|", 0, "abc");
	check("%0*d", 0, 5);
	check("%*d", 0, -5);
}

static void test_strings(void **state)
{
	(void)state;
	const char *ws[] = { "", "a", "hello", "a longer string than the width" };
	const char *fmts[] = { "%s", "%10s|", "%-10s|", "%.0s|", "%.3s|", "%10.3s|", "%-10.3s|", "%.100s|",
			       "%1s|" };
	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++)
		for (size_t w = 0; w < ARRAY_SIZE(ws); w++)
			check(fmts[f], ws[w]);
	/* precision bounds the read: no terminator needed */
	char raw[3] = { 'x', 'y', 'z' };
	check("%.3s|", raw);
	char *h = malloc(2);
	memcpy(h, "pq", 2);
	expect("pq|", "%.2s|", h);
	free(h);
	/* NULL %s: "(null)" (glibc agrees when no precision cuts it) */
	check("%s|%10s|%-8s|", (char *)NULL, (char *)NULL, (char *)NULL);
	expect("(null)", "%s", (char *)NULL);
	expect("(nu", "%.3s", (char *)NULL);
}

static void test_pointer(void **state)
{
	(void)state;
	int x;
	void *ps[] = { &x, (void *)0x1, (void *)0xffffffff80001000ULL, (void *)UINTPTR_MAX, test_pointer };
	for (size_t i = 0; i < ARRAY_SIZE(ps); i++) {
		check("%p", ps[i]);
		check("[%20p]", ps[i]);
		check("[%-20p]", ps[i]);
	}
	expect("0x1", "%p", (void *)1);
	expect("0xffffffff80001000", "%p", (void *)0xffffffff80001000ULL);
	/* the kernel prints NULL as 0 (glibc says "(nil)") */
	expect("0", "%p", NULL);
	expect("    0", "%5p", NULL);
}

static void test_unknown_conversion(void **state)
{
	(void)state;
	/* unknown conversions are copied as they stand and consume nothing */
	expect("a%yb 5", "a%yb %d", 5);
	expect("%-5q", "%-5q");
	expect("%l", "%l");
	expect("x%", "x%");
	expect("%hhw|7", "%hhw|%d", 7);
}

static void test_truncation_and_return(void **state)
{
	(void)state;
	char buf[16];
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(rayos_snprintf(buf, 5, "%d", 123456789), 9);
	assert_string_equal(buf, "1234");
	assert_int_equal(buf[5], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(rayos_snprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(rayos_snprintf(buf, 0, "abc%s", "defg"), 7);
	assert_int_equal(buf[0], 'X');
	assert_int_equal(rayos_snprintf(NULL, 0, "%5d", 1), 5);

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(rayos_snprintf(buf, 4, "abc"), 3); /* exactly fits */
	assert_string_equal(buf, "abc");

	/* long output: counted in full, stored up to the buffer */
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	check("<%s>", big);
	check("%200d|%-200x|", 1, 0xff);
	check("%.300d", 7);
}

struct countctx {
	size_t n;
	char buf[64];
};

static void count_put(void *ctx, char c)
{
	struct countctx *cc = ctx;
	if (cc->n < sizeof(cc->buf) - 1)
		cc->buf[cc->n] = c;
	cc->n++;
}

static int cb(struct countctx *cc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vcbprintf(count_put, cc, fmt, ap);
	va_end(ap);
	cc->buf[MIN(cc->n, sizeof(cc->buf) - 1)] = 0;
	return n;
}

static void test_vcbprintf(void **state)
{
	(void)state;
	struct countctx cc = { 0 };
	assert_int_equal(cb(&cc, "x=%d y=%s%c", -3, "ab", '!'), 10);
	assert_int_equal(cc.n, 10);
	assert_string_equal(cc.buf, "x=-3 y=ab!");
	cc.n = 0;
	assert_int_equal(cb(&cc, "%100s", ""), 100); /* every character goes to the sink */
	assert_int_equal(cc.n, 100);
}

/* ---- randomized differential test ---- */

static u64 rng = 0x0123456789abcdefULL;
static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static u64 interesting_value(void)
{
	static const u64 special[] = { 0, 1, 7, 8, 9, 10, 15, 16, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff,
				       0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
				       0x8000000000000000ULL, 0xffffffffffffffffULL };
	switch (rnd() % 3) {
	case 0: return special[rnd() % ARRAY_SIZE(special)];
	case 1: return rnd() >> (rnd() % 64);
	default: return 0 - (rnd() % 1000);
	}
}

enum argkind { A_INT, A_LONG, A_LLONG, A_SIZE, A_PTRDIFF, A_INTMAX, A_STR, A_PTR };

struct spec {
	char fmt[64];
	enum argkind kind;
	int star_w, star_p; /* how many '*' arguments come first */
	int w, p;
};

/* Builds one conversion that C defines fully: no flag or length the
 * conversion does not take, no precision on %c/%p, no 0 flag on c/s/p. */
static void gen_spec(struct spec *s)
{
	static const char convs[] = "diuxXocsp";
	char conv = convs[rnd() % (sizeof(convs) - 1)];
	char *f = s->fmt;
	bool numeric = strchr("diuxXo", conv) != NULL;
	int nflags = (int)(rnd() % 4);
	*f++ = '%';
	for (int i = 0; i < nflags; i++) {
		char fl = "-+ #0"[rnd() % 5];
		if (fl == '#' && !strchr("xXo", conv))
			continue;
		if (fl == '0' && !numeric)
			continue;
		if ((fl == '+' || fl == ' ') && !numeric)
			continue;
		*f++ = fl;
	}
	s->star_w = s->star_p = 0;
	switch (rnd() % 4) {
	case 0: break;
	case 1: f += sprintf(f, "%d", (int)(rnd() % 25)); break;
	case 2: s->star_w = 1; s->w = (int)(rnd() % 41) - 20; *f++ = '*'; break;
	default: f += sprintf(f, "%d", 1 + (int)(rnd() % 4)); break;
	}
	if (conv != 'c' && conv != 'p') {
		switch (rnd() % 5) {
		case 0: case 1: break;
		case 2: *f++ = '.'; f += sprintf(f, "%d", (int)(rnd() % 22)); break;
		case 3: *f++ = '.'; break;
		default: s->star_p = 1; s->p = (int)(rnd() % 30) - 5; *f++ = '.'; *f++ = '*'; break;
		}
	}
	s->kind = A_INT;
	if (numeric) {
		static const char *const lens[] = { "", "", "hh", "h", "l", "ll", "z", "t", "j" };
		static const enum argkind kinds[] = { A_INT, A_INT, A_INT, A_INT, A_LONG, A_LLONG,
						      A_SIZE, A_PTRDIFF, A_INTMAX };
		size_t l = rnd() % ARRAY_SIZE(lens);
		f += sprintf(f, "%s", lens[l]);
		s->kind = kinds[l];
	} else if (conv == 's') {
		s->kind = A_STR;
	} else if (conv == 'p') {
		s->kind = A_PTR;
	}
	*f++ = conv;
	*f = 0;
}

/* Random literal text around the conversion (no '%'). */
static void gen_text(char *t, size_t max)
{
	size_t n = rnd() % max;
	for (size_t i = 0; i < n; i++) {
		char c = (char)(' ' + 1 + rnd() % 94);
		t[i] = c == '%' ? '#' : c;
	}
	t[n] = 0;
}

static void check_generated(const char *fmt, const struct spec *s, u64 v, const char *str)
{
	/* every kind is passed with its promoted type */
	switch (s->kind) {
#define CALL(T, x)                                                                            \
	do {                                                                                  \
		if (s->star_w && s->star_p) check(fmt, s->w, s->p, (T)(x));                   \
		else if (s->star_w) check(fmt, s->w, (T)(x));                                 \
		else if (s->star_p) check(fmt, s->p, (T)(x));                                 \
		else check(fmt, (T)(x));                                                      \
	} while (0)
	case A_INT: CALL(int, v); break;
	case A_LONG: CALL(long, v); break;
	case A_LLONG: CALL(long long, v); break;
	case A_SIZE: CALL(size_t, v); break;
	case A_PTRDIFF: CALL(ptrdiff_t, v); break;
	case A_INTMAX: CALL(intmax_t, v); break;
	case A_STR: CALL(const char *, str); break;
	case A_PTR: CALL(void *, (uintptr_t)(v | 1)); break; /* non-NULL: glibc prints "(nil)" */
#undef CALL
	}
}

static void test_random_differential(void **state)
{
	(void)state;
	static const char *const strs[] = { "", "x", "abc", "hello world", "0123456789abcdefghij" };
	char fmt[160], pre[16], post[16];
	for (int iter = 0; iter < 4000; iter++) {
		struct spec s;
		gen_spec(&s);
		gen_text(pre, sizeof(pre));
		gen_text(post, sizeof(post));
		snprintf(fmt, sizeof(fmt), "%s%s%s", pre, s.fmt, post);
		check_generated(fmt, &s, interesting_value(), strs[rnd() % ARRAY_SIZE(strs)]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_percent),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_width_precision_star),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_truncation_and_return),
		cmocka_unit_test(test_vcbprintf),
		cmocka_unit_test(test_random_differential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
