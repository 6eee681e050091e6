/* bootmem.h — the boot-time page allocator (mm/bootmem.c), used until the
 * zones exist: page tables, the struct page arrays. */
#ifndef RAYOS_BOOTMEM_H
#define RAYOS_BOOTMEM_H
#include <rayos/types.h>

/* Zeroed physical pages; 0 when exhausted or closed. Before the direct map
 * exists only memory below 4 GiB is handed out. */
u64 bootmem_alloc_page(void);
u64 bootmem_alloc_contig(u64 npages);
/* Not zeroed: for memory the caller initialises entirely (struct page maps). */
u64 bootmem_alloc_contig_raw(u64 npages);
u64 bootmem_used_bytes(void);
bool bootmem_closed(void);
/* Tell bootmem that all RAM is now reachable through the direct map. */
void bootmem_direct_map_ready(void);
/* Calls fn for every piece of usable RAM not taken by the first MiB, the
 * kernel image, boot modules or bootmem itself. With close = true bootmem
 * hands out nothing more afterwards. */
void bootmem_for_each_free(void (*fn)(u64 base, u64 len, void *ctx), void *ctx, bool close);
#endif
