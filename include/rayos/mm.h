/* mm.h — physical page allocation (mm/page_alloc.c), the kernel heap
 * (mm/slab.c: kmalloc and object caches), object pools (mm/pool.c) and
 * kernel virtual areas (mm/vmalloc.c).
 *
 * Physical memory is split into one zone per NUMA node; each zone is a
 * binary buddy allocator (orders 0..MAX_ORDER) with per-CPU caches of
 * order-0 pages in front. Every page frame has a struct page.
 *
 * Lock order: slab cache lock -> zone lock. Per-CPU caches (page and slab
 * magazines) are touched only by their own CPU with interrupts disabled. */
#ifndef RAYOS_MM_H
#define RAYOS_MM_H
#include <rayos/types.h>
#include <rayos/list.h>
#include <rayos/spinlock.h>
#include <rayos/percpu.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define MAX_ORDER 10 /* largest block: 2^10 pages = 4 MiB */
#define NR_ORDERS (MAX_ORDER + 1)
#define MAX_NUMNODES 8

/* Allocation flags. */
typedef unsigned gfp_t;
#define GFP_KERNEL   0x0u  /* may sleep: reclaim (shrinkers) may run */
#define GFP_ATOMIC   0x1u  /* must not sleep; may dip into half the min reserve */
#define GFP_ZERO     0x2u  /* zero the memory */
#define GFP_NOWARN   0x4u  /* do not log a failure (it is still counted) */
#define GFP_THISNODE 0x8u  /* no fallback to other nodes */

/* struct page flags */
#define PG_reserved 0x01u /* not managed (hole, firmware, kernel image) */
#define PG_buddy    0x02u /* head of a free block in a buddy free list */
#define PG_pcp      0x04u /* free, in a per-CPU page cache */
#define PG_head     0x08u /* head of an allocated block of 2^order pages */
#define PG_slab     0x10u /* owned by a slab cache (page->owner) */
#define PG_large    0x20u /* a kmalloc allocation larger than the size classes */

struct page {
	u32 flags;
	u8 order;  /* PG_buddy: block order; PG_head: allocation order */
	u8 node;
	u16 pad;
	struct list_head lru; /* buddy free list, per-CPU list or slab list */
	union {
		void *owner;  /* PG_slab: the slab */
		u64 refs;     /* a user page (mm/uvm.c): page-table entries mapping
			       * it (copy-on-write sharing); freed at 0 */
	};
};

/* One per CPU per zone; only its CPU touches it, with interrupts off. */
struct per_cpu_pages {
	struct list_head list;
	u32 count;  /* pages in list */
	u32 high;   /* drain back to the buddy lists above this */
	u32 batch;  /* pages moved per refill or drain */
	u32 window; /* operations since the last resize */
	u32 window_miss;
	u64 hits, misses;
};

struct zone {
	spinlock_t lock;
	/* zone->lock protects: */
	struct list_head free_area[NR_ORDERS];
	u64 nr_free[NR_ORDERS];  /* blocks per order */
	u64 free_pages;          /* pages in the buddy lists */
	/* constant after zone_init: */
	int node;
	u64 start_pfn, spanned_pages, managed_pages;
	struct page *map;        /* spanned_pages entries */
	u64 wmark_min, wmark_low, wmark_high;
	/* per-CPU, see struct per_cpu_pages */
	struct per_cpu_pages pcp[MAX_CPUS];
	/* statistics (atomic) */
	u64 alloc_ok, alloc_fail, bad_free;
};

/* ---- zone core: portable, also driven by the hosted tests ---- */
int zone_init(struct zone *z, int node, u64 start_pfn, u64 spanned, struct page *map);
/* Hand [pfn, pfn+n) to the buddy lists (boot: usable RAM). */
void zone_add_free_range(struct zone *z, u64 pfn, u64 n);
void zone_set_watermarks(struct zone *z);
struct page *zone_alloc(struct zone *z, unsigned order, gfp_t gfp);
/* The same against an explicit watermark (the page allocator's policy). */
struct page *zone_alloc_wmark(struct zone *z, unsigned order, u64 mark);
/* 0, or -EINVAL for a double free / never-allocated page / wrong order
 * (reported and counted; the memory is left alone). */
int zone_free(struct zone *z, struct page *p, unsigned order);
/* Full consistency check; returns 0 or -EINVAL and writes why into why. */
int zone_check(struct zone *z, char *why, size_t why_size);
u64 zone_free_total(struct zone *z); /* buddy + per-CPU cached */
u64 zone_pcp_total(struct zone *z);
/* Linux's extfrag index (mm/vmstat.c) for an order, times 1000:
 * -1000 = the allocation would succeed; 0..1000 = failure would be due to
 * lack of memory (0) .. fragmentation (1000). */
int zone_frag_index(struct zone *z, unsigned order);
void zone_drain_pcp(struct zone *z, u32 cpu);
static inline struct page *zone_pfn_to_page(struct zone *z, u64 pfn)
{
	return pfn >= z->start_pfn && pfn - z->start_pfn < z->spanned_pages ?
		&z->map[pfn - z->start_pfn] : NULL;
}
static inline u64 zone_page_to_pfn(const struct zone *z, const struct page *p)
{
	return z->start_pfn + (u64)(p - z->map);
}

/* ---- the machine's memory ---- */
extern struct zone *zones[MAX_NUMNODES];
extern int nr_nodes;

/* Reclaim callbacks run when a zone falls below its low watermark. */
struct shrinker {
	const char *name;
	u64 (*shrink)(void); /* returns pages released */
	struct shrinker *next;
};
void shrinker_register(struct shrinker *s);

struct page *alloc_pages_node(int node, gfp_t gfp, unsigned order);
struct page *alloc_pages(gfp_t gfp, unsigned order); /* this CPU's node first */
void free_pages(struct page *p, unsigned order);
static inline struct page *alloc_page(gfp_t gfp) { return alloc_pages(gfp, 0); }

struct page *pfn_to_page(u64 pfn);   /* NULL if not in any zone */
u64 page_to_pfn(const struct page *p);
struct zone *page_zone(const struct page *p);
void *page_address(const struct page *p);
struct page *virt_to_page(const void *addr); /* direct-map addresses */

/* Convenience: virtual addresses of 2^order pages. */
void *get_free_pages(gfp_t gfp, unsigned order);
void free_pages_addr(void *addr, unsigned order);

int cpu_to_node(u32 cpu);
void mm_note_alloc_failure(const char *allocator, gfp_t gfp, u64 size);

/* Boot: build zones from the memory map and NUMA information. */
void mm_init(void);
struct mem_stats {
	u64 total_bytes, free_bytes;
};
void mm_stats(struct mem_stats *s);

/* ---- heap ---- */
/* kmalloc: size classes 8 B .. 4 KiB from object caches (8-byte aligned;
 * kmalloc(0) gives a smallest object), larger sizes straight from the page
 * allocator (page aligned). kfree(NULL) is a no-op; kfree also takes
 * objects of any kmem_cache. GFP_ATOMIC for interrupt context. A cache
 * with a constructor hands out constructed objects and must get them back
 * in that state (GFP_ZERO overwrites it). */
#define KMALLOC_MAX_CACHE_SIZE 4096
#define KMALLOC_MIN_ALIGN 8
void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
void kfree(const void *p);
size_t ksize(const void *p); /* usable size */

struct kmem_cache;
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     void (*ctor)(void *obj));
void kmem_cache_destroy(struct kmem_cache *c);
void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *c, void *obj);

/* Cache flags for kmem_cache_create_flags(). Without SLAB_DEBUG or
 * SLAB_NODEBUG a cache debugs when the command line says slab_debug. A
 * debug cache has red zones around each object, poisons free objects,
 * tracks each object's state and bypasses the per-CPU magazines, so that
 * overflows, use after free, double and foreign frees are reported. */
#define SLAB_DEBUG   0x1u
#define SLAB_NODEBUG 0x2u
struct kmem_cache *kmem_cache_create_flags(const char *name, size_t size, size_t align,
					   void (*ctor)(void *obj), unsigned flags);
/* Return this CPU's magazines and the depot to the slabs, then release
 * every empty slab to the page allocator; returns the pages released. */
u64 kmem_cache_shrink(struct kmem_cache *c);
/* The slab shrinker (registered with shrinker_register): shrinks every cache. */
u64 slab_shrink_all(void);
/* Full consistency check of a cache that no other CPU is using: every
 * object of every slab is on its slab's free list, in a magazine or
 * allocated, exactly once; counts and list placement match; in debug
 * caches the red zones, poison and object states are intact. Returns 0 or
 * -EINVAL with the first problem in why. */
int kmem_cache_verify(struct kmem_cache *c, char *why, size_t why_size);
int slab_verify_all(char *why, size_t why_size);
/* The kmalloc cache serving size bytes; NULL above KMALLOC_MAX_CACHE_SIZE. */
struct kmem_cache *kmalloc_cache(size_t size);

struct kmem_cache_info {
	char name[32];
	size_t object_size;   /* usable bytes per object */
	size_t slot_size;     /* bytes per object in the slab, with red zones and metadata */
	u32 objs_per_slab, pages_per_slab;
	u64 active;           /* objects handed out and not freed */
	u64 total;            /* objects in all slabs */
	u64 pages;            /* pages in all slabs */
	u64 slabs_partial, slabs_full, slabs_empty;
	u64 cpu_cached;       /* objects in the CPUs' loaded and previous magazines */
	u64 depot_cached;     /* objects in full magazines in the depot */
	u32 depot_full, depot_empty, mag_size;
	bool debug, has_ctor;
	u64 failures;         /* allocations that returned NULL */
	u64 errors;           /* corruption and misuse reports */
};
void kmem_cache_get_info(struct kmem_cache *c, struct kmem_cache_info *info);
/* Snapshot of the i-th cache (creation order); -ENOENT past the end. */
int kmem_cache_info_at(size_t i, struct kmem_cache_info *info);
u64 slab_errors_total(void); /* reports by every cache since boot */
void slab_init(void);        /* after mm_init: the kmalloc caches */

/* ---- pools ---- */
struct mempool;
/* nr objects preallocated; `reserve` of them only for POOL_RESERVE callers */
struct mempool *mempool_create(const char *name, size_t obj_size, u32 nr, u32 reserve);
#define POOL_RESERVE 0x100u
void *mempool_alloc(struct mempool *p, gfp_t gfp);
void mempool_free(struct mempool *p, void *obj);
/* Refused (reported, -EBUSY) while objects are out; then frees everything. */
int mempool_destroy(struct mempool *p);
struct mempool_info {
	char name[32];
	size_t obj_size;
	u32 total, free, reserve;
	u64 failures, errors;
};
void mempool_get_info(struct mempool *p, struct mempool_info *info);
int mempool_info_at(size_t i, struct mempool_info *info);
/* Free stack, allocation bitmap and counts agree; 0 or -EINVAL with why. */
int mempool_verify(struct mempool *p, char *why, size_t why_size);
u64 mempool_errors_total(void);
/* Forget all pools (called by slab_init; hosted tests re-initialise). */
void mempool_init(void);

/* ---- kernel virtual areas ---- */
void *vmalloc(size_t size);
void vfree(void *addr);

#endif
