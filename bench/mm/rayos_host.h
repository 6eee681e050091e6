/* rayos_host.h — the benchmark's side of rayos_host.c: making a thread a
 * RayOS CPU and setting up one memory zone over an arena. */
#ifndef RAYOS_BENCH_HOST_H
#define RAYOS_BENCH_HOST_H
#include <rayos/mm.h>

/* The calling thread becomes CPU id (GS base -> cpus[id]). */
void bench_cpu_enter(u32 id);
/* One zone over [arena, arena + pages * PAGE_SIZE) (aligned to 2^MAX_ORDER
 * pages), map has `pages` entries; then slab_init(). 0 or -1. */
int bench_rayos_init(void *arena, size_t pages, struct page *map);

#endif
