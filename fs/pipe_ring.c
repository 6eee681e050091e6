/* pipe_ring.c — the byte ring under a pipe: PIPE_SIZE (64 KiB, a power of
 * two) bytes with free-running head and tail counters, so used = head -
 * tail (modulo 2^32) and full/empty need no extra flag. Portable (hosted
 * tests drive it). Locking: the caller's (the pipe's lock). */
#include "internal.h"
#include <rayos/string.h>

_Static_assert((PIPE_SIZE & (PIPE_SIZE - 1)) == 0, "PIPE_SIZE is a power of two");

u32 pipe_ring_put(struct pipe_ring *r, const void *src, u32 n)
{
	n = MIN(n, pipe_ring_free(r));
	const u8 *s = src;
	u32 at = r->head % PIPE_SIZE;
	u32 first = MIN(n, PIPE_SIZE - at);
	memcpy(r->buf + at, s, first);
	memcpy(r->buf, s + first, n - first);
	r->head += n;
	return n;
}

u32 pipe_ring_get(struct pipe_ring *r, void *dst, u32 n)
{
	n = MIN(n, pipe_ring_used(r));
	u8 *d = dst;
	u32 at = r->tail % PIPE_SIZE;
	u32 first = MIN(n, PIPE_SIZE - at);
	memcpy(d, r->buf + at, first);
	memcpy(d + first, r->buf, n - first);
	r->tail += n;
	return n;
}
