/* string.h — freestanding memory and string routines (lib/string.c). */
#ifndef RAYOS_STRING_H
#define RAYOS_STRING_H
#include <rayos/types.h>

#ifndef RAYOS_HOSTED
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
#else
#include <string.h>
#endif

/* RayOS helpers (always ours, also in hosted builds). */
size_t strlcpy(char *dst, const char *src, size_t size);
bool str_starts_with(const char *s, const char *prefix);
/* Parse an unsigned decimal or 0x-prefixed hex number occupying all of s.
 * Returns 0 or -EINVAL (empty, junk) / -ERANGE (overflow). */
int parse_u64(const char *s, u64 *out);
int parse_s64(const char *s, s64 *out);

/* lib/sort.c: sort num elements of size bytes in place, ascending by cmp
 * (stable insertion sort, for small nearly ordered arrays); comparators
 * for u64 and int arrays. */
void sort(void *base, size_t num, size_t size, int (*cmp)(const void *a, const void *b));
int sort_cmp_u64(const void *a, const void *b);
int sort_cmp_int(const void *a, const void *b);

#endif
