/* sort.c — sort(): an in-place insertion sort over an array of fixed-size
 * elements with a comparison function, in the shape of Linux's lib/sort.c.
 * Its users sort a few dozen to a few thousand nearly ordered items (pid
 * lists, benchmark samples), where insertion sort is simple and fast;
 * O(n^2) comparisons in the worst case, stable, no allocation.
 * Invariant after pass i: base[0..i] is sorted. */
#include <rayos/string.h>

static void swap_bytes(u8 *a, u8 *b, size_t size)
{
	for (size_t k = 0; k < size; k++) {
		u8 t = a[k];
		a[k] = b[k];
		b[k] = t;
	}
}

void sort(void *base, size_t num, size_t size, int (*cmp)(const void *a, const void *b))
{
	u8 *v = base;
	for (size_t i = 1; i < num; i++)
		for (size_t j = i; j > 0 && cmp(v + (j - 1) * size, v + j * size) > 0; j--)
			swap_bytes(v + (j - 1) * size, v + j * size, size);
}

int sort_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return x < y ? -1 : x > y;
}

int sort_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}
