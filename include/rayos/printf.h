/* printf.h — kernel formatted output (lib/printf.c).
 * Supports %d %i %u %x %X %o %c %s %p %% with flags "-0+ #", width, precision
 * (also '*') and length modifiers hh h l ll z t j. No floating point. */
#ifndef RAYOS_PRINTF_H
#define RAYOS_PRINTF_H
#include <rayos/types.h>

#ifdef RAYOS_HOSTED /* keep clear of the host libc in unit tests */
#define vsnprintf rayos_vsnprintf
#define snprintf rayos_snprintf
#endif

/* Returns the length the full output would have (C99 semantics);
 * always NUL-terminates when size > 0. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Formats through a character sink; returns characters emitted. */
typedef void (*putc_fn)(void *ctx, char c);
int vcbprintf(putc_fn out, void *ctx, const char *fmt, va_list ap);

/* Console output (kernel only): goes to every registered console. */
int kprintf(const char *fmt, ...) __printf(1, 2);
int vkprintf(const char *fmt, va_list ap);

#endif
