/* printf.c — vsnprintf and a callback printf for the kernel.
 * One formatter (vcbprintf) drives every output path: buffers, the console
 * and the panic console. Conversions: d i u x X o c s p %, flags "-+ #0",
 * width and precision (with '*'), lengths hh h l ll z t j. No floats. */
#include <rayos/printf.h>
#include <rayos/string.h>

struct out {
	putc_fn put;
	void *ctx;
	int count;
};

static void emit(struct out *o, char c)
{
	o->put(o->ctx, c);
	o->count++;
}

static void emit_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		emit(o, c);
}

enum { F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16 };

static void emit_number(struct out *o, unsigned long long v, bool neg, unsigned base,
			bool upper, int flags, int width, int prec)
{
	char digits[24];
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	if (!(v == 0 && prec == 0)) {
		do {
			digits[n++] = set[v % base];
			v /= base;
		} while (v);
	}
	char sign = neg ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
	const char *prefix = "";
	if (flags & F_ALT) {
		if (base == 16 && n && !(n == 1 && digits[0] == '0'))
			prefix = upper ? "0X" : "0x";
		else if (base == 8 && prec <= n && !(n == 1 && digits[0] == '0'))
			prefix = "0"; /* unless the number already starts with 0 */
	}
	int zeros = prec > n ? prec - n : 0;
	int len = n + zeros + (sign ? 1 : 0) + (int)strlen(prefix);
	if (!(flags & F_LEFT) && (flags & F_ZERO) && prec < 0) {
		zeros += width > len ? width - len : 0;
		len = width > len ? width : len;
	}
	if (!(flags & F_LEFT))
		emit_pad(o, ' ', width - len);
	if (sign)
		emit(o, sign);
	for (const char *p = prefix; *p; p++)
		emit(o, *p);
	emit_pad(o, '0', zeros);
	while (n)
		emit(o, digits[--n]);
	if (flags & F_LEFT)
		emit_pad(o, ' ', width - len);
}

int vcbprintf(putc_fn put, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { put, ctx, 0 };
	va_list args;
	va_copy(args, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		const char *start = fmt++;
		int flags = 0, width = 0, prec = -1;
		for (;; fmt++) {
			if (*fmt == '-') flags |= F_LEFT;
			else if (*fmt == '+') flags |= F_PLUS;
			else if (*fmt == ' ') flags |= F_SPACE;
			else if (*fmt == '#') flags |= F_ALT;
			else if (*fmt == '0') flags |= F_ZERO;
			else break;
		}
		if (*fmt == '*') {
			width = va_arg(args, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(args, int);
				if (prec < 0)
					prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		int len = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/ptrdiff/intmax */
		if (*fmt == 'h') {
			len = -1;
			if (*++fmt == 'h') { len = -2; fmt++; }
		} else if (*fmt == 'l') {
			len = 1;
			if (*++fmt == 'l') { len = 2; fmt++; }
		} else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') {
			len = 3;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v;
			if (len == 2 || len == 3) v = va_arg(args, long long);
			else if (len == 1) v = va_arg(args, long);
			else v = va_arg(args, int);
			if (len == -1) v = (short)v;
			if (len == -2) v = (signed char)v;
			unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			emit_number(&o, u, v < 0, 10, false, flags, width, prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			unsigned long long v;
			if (len == 2 || len == 3) v = va_arg(args, unsigned long long);
			else if (len == 1) v = va_arg(args, unsigned long);
			else v = va_arg(args, unsigned int);
			if (len == -1) v = (unsigned short)v;
			if (len == -2) v = (unsigned char)v;
			unsigned base = *fmt == 'o' ? 8 : *fmt == 'u' ? 10 : 16;
			emit_number(&o, v, false, base, *fmt == 'X', flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		}
		case 'p': {
			void *p = va_arg(args, void *);
			emit_number(&o, (uintptr_t)p, false, 16, false, F_ALT | (flags & F_LEFT), width, prec);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);
			if (!(flags & F_LEFT)) emit_pad(&o, ' ', width - 1);
			emit(&o, c);
			if (flags & F_LEFT) emit_pad(&o, ' ', width - 1);
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);
			if (!s)
				s = "(null)";
			int n = (int)(prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s));
			if (!(flags & F_LEFT)) emit_pad(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				emit(&o, s[i]);
			if (flags & F_LEFT) emit_pad(&o, ' ', width - n);
			break;
		}
		case '%':
			emit(&o, '%');
			break;
		default:
			/* unknown conversion: print it as it stands */
			for (const char *p = start; p <= fmt && *p; p++)
				emit(&o, *p);
			if (!*fmt)
				fmt--;
			break;
		}
	}
	va_end(args);
	return o.count;
}

struct bufctx {
	char *buf;
	size_t size, pos;
};

static void buf_put(void *ctx, char c)
{
	struct bufctx *b = ctx;
	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct bufctx b = { buf, size, 0 };
	int n = vcbprintf(buf_put, &b, fmt, ap);
	if (size)
		buf[b.pos < size ? b.pos : size - 1] = 0;
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
