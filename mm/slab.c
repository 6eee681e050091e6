/* slab.c — object caches (kmem_cache_*) and the kernel heap (kmalloc).
 *
 * Algorithm: Bonwick's slab allocator (J. Bonwick, "The Slab Allocator: An
 * Object-Caching Kernel Memory Allocator", USENIX Summer 1994) with the
 * per-CPU magazine layer of Bonwick & Adams, "Magazines and Vmem: Extending
 * the Slab Allocator to Many CPUs and Arbitrary Resources" (USENIX 2001).
 *
 *  - Slab layer. A slab is 2^order pages from alloc_pages(), cut into equal
 *    slots; free objects are kept on the slab's own free list (a link word
 *    per object). Every page of a slab has PG_slab and page->owner = the
 *    slab, so kfree() finds the slab (and its cache) through virt_to_page().
 *    The slab descriptor lives at the end of the slab for small objects and
 *    comes from the internal "kmem_slab" cache for slots of PAGE_SIZE/8 and
 *    more (§3.2 of the 1994 paper); leftover space colours the slabs (§4.1).
 *    Each cache keeps partial, full and empty slab lists; allocation prefers
 *    partial slabs; at most SLAB_KEEP_EMPTY empty slabs (one if a slab is
 *    several pages) stay around, the rest go back to the page allocator at
 *    once, and the shrinker releases all of them under memory pressure.
 *    When 2^order contiguous pages cannot be had, a smaller slab will do
 *    (down to the smallest order that holds one object).
 *  - Constructors run once per object when its slab is created; objects go
 *    back to the cache constructed (in that case the free-list link lives
 *    after the object, so it never overwrites constructed state).
 *  - Magazine layer (2001 §3). A magazine is an M-element stack of object
 *    pointers. Each CPU has a loaded and a previous magazine per cache; the
 *    fast paths are: interrupts off, pop from (push to) the loaded
 *    magazine, interrupts on. When the loaded one is empty (full) and the
 *    previous one is full (empty) they are swapped; otherwise a full
 *    (empty) magazine is exchanged with the per-cache depot under the cache
 *    lock; when the depot has none, the slab layer fills the loaded
 *    magazine in one hold of the cache lock (one lock round trip per M
 *    objects, not per object). Empty magazines come from the internal
 *    "kmem_magazine" cache.
 *    M depends on the object size (30 up to 256 B, 15 up to 1 KiB, else 7).
 *    The depot keeps its working set (2001 §3.5): the fewest full (empty)
 *    magazines it held during a period were not needed, so at the end of
 *    the period that many are emptied into the slabs (freed). The period
 *    is DEPOT_REAP_PERIOD depot exchanges rather than Solaris's 15 s, so
 *    an idle cache keeps its depot until the shrinker runs; and beyond
 *    DEPOT_MAX_FULL full magazines a full one is emptied into the slabs at
 *    once.
 *  - Debug mode (per cache at creation; default from the `slab_debug`
 *    command-line word): red zones before and after each object, poisoning
 *    of free objects, per-object state and last alloc/free sites after the
 *    right red zone. Debug caches bypass the magazines, so every free and
 *    allocation passes the checks. As in §6.2 of the 1994 paper, a debug
 *    cache with a constructor constructs each object when it is allocated
 *    (after checking the poison) rather than once per slab.
 *    Reports name the cache and the object, are counted and never stop the
 *    kernel: the offending free is refused (double or foreign free) or the
 *    damage is repaired (red zones, poison) after reporting.
 *
 * Invariants (kmem_cache_verify checks them all):
 *  - every slot of every slab of a cache is exactly one of: on its slab's
 *    free list, in a magazine (loaded/previous of a CPU, or the depot), or
 *    allocated; slab->inuse = slots not on the free list; a slab is on the
 *    empty, partial or full list as inuse is 0, in between, or all;
 *    c->slab_inuse is the sum of inuse; c->depot_rounds the objects in the
 *    depot's full magazines;
 *  - magazines in the depot are full (depot_full) or empty (depot_empty);
 *    a CPU's previous magazine is full or empty; rounds <= cap;
 *  - every page of a slab carries PG_slab with owner = the slab; pages go
 *    back to the page allocator with neither (the buddy checker insists);
 *  - debug caches: free objects hold the poison pattern and state FREE,
 *    allocated ones state ALLOC; red zones hold the red-zone pattern.
 *
 * Locking. Lock order: caches_lock -> cache lock (c->lock) -> zone lock;
 * metrics_lock -> c->lock (the metric read callbacks). A cache lock is
 * never held while calling the page allocator (it may run the shrinker,
 * which takes cache locks), while taking another cache's lock, or while
 * freeing a magazine. Per-CPU magazines are touched only by their own CPU
 * with interrupts off; the exceptions are kmem_cache_destroy and
 * kmem_cache_verify, whose callers guarantee that no other CPU is using the
 * cache, and the statistics, which read other CPUs' counts without
 * synchronisation. All locks are taken with interrupts saved, so caches
 * may be used from interrupt context with GFP_ATOMIC. Portable: compiled
 * unchanged into the hosted unit tests and the benchmark. */
#include <rayos/mm.h>
#include <rayos/arch.h>
#include <rayos/cmdline.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/string.h>

#define SLAB_NAME_MAX 32
#define MAG_ROUNDS_MAX 30      /* struct magazine is 256 bytes */
#define DEPOT_MAX_FULL 64      /* full magazines a depot may hold at most */
#define DEPOT_REAP_PERIOD 256  /* depot exchanges per working-set period */
#define SLAB_MAX_PREF_ORDER 3  /* slabs grow past 32 KiB only for huge objects */
#define SLAB_MIN_OBJS 8        /* wanted objects per slab */
#define SLAB_KEEP_EMPTY 2      /* empty order-0 slabs kept; 1 for larger slabs */
#define REDZONE 16             /* bytes of red zone on each side (at least) */
#define RZ_BYTE 0xbb
#define POISON_BYTE 0x6b
#define SLAB_MAGIC 0x51ab51abu
#define ERRORS_LOGGED 100      /* per cache, then every 1000th */

/* internal flags (the public ones are SLAB_DEBUG / SLAB_NODEBUG) */
#define SLAB_NOMAG    0x100u   /* no magazine layer */
#define SLAB_STATIC   0x200u   /* statically allocated, never destroyed */
#define SLAB_ONSLAB   0x400u   /* descriptor always on the slab */
#define SLAB_DEBUGGED 0x800u   /* resolved: this cache debugs */

#define OBJ_FREE  0xf4eef4eef4eef4eeULL
#define OBJ_ALLOC 0xa11c0a11c0a11c0aULL
#define MAG_MARK  0x4d41470000000001ULL /* odd, non-canonical: verify's mark */

struct magazine {
	struct magazine *next; /* depot list */
	u32 rounds;            /* objects held: objs[0 .. rounds) */
	u32 cap;               /* capacity; 0 only for mag_none */
	void *objs[MAG_ROUNDS_MAX];
};

/* One CPU's magazines of one cache: touched only by that CPU, interrupts
 * off. Not padded to a cache line: the fast paths only read these pointers
 * (the count they change is in the CPU's own magazine), which are written
 * on a magazine exchange, once per M operations at most. */
struct kmem_cpu {
	struct magazine *loaded, *prev;
};

struct slab {
	struct list_head list;     /* partial/full/empty list (cache lock) */
	struct kmem_cache *cache;
	char *base;                /* first slot (page address + colour) */
	void *free;                /* free list of objects (cache lock) */
	struct page *page;         /* head page */
	u32 inuse;                 /* objects off the free list (cache lock) */
	u32 nobjs;                 /* objects in this slab */
	u32 order;                 /* 2^order pages */
	u32 magic;
	u32 verify_gen, verify_mag; /* scratch for kmem_cache_verify */
};

/* Debug caches: after each object's right red zone. */
struct obj_meta {
	void *next;        /* free-list link */
	u64 state;         /* OBJ_FREE or OBJ_ALLOC, xor the object's address */
	void *alloc_site, *free_site;
};

struct kmem_cache {
	/* constant after creation */
	char name[SLAB_NAME_MAX];
	size_t object_size;  /* usable bytes */
	size_t slot_size;    /* stride in the slab */
	size_t obj_offset;   /* object within its slot (the left red zone) */
	size_t link_offset;  /* free-list link, from the object */
	size_t meta_offset;  /* debug: struct obj_meta, from the object */
	size_t align;
	u32 order, objs_per_slab;  /* preferred slab size and its objects */
	u32 min_order;             /* fallback when 2^order pages cannot be had */
	u32 color_step, color_max; /* bytes */
	u32 mag_cap;
	unsigned flags;
	bool offslab;
	void (*ctor)(void *obj);
	struct list_head cache_list; /* caches_lock */
	/* lock protects: */
	spinlock_t lock;
	struct list_head partial, full, empty;
	u64 nr_partial, nr_full, nr_empty;
	u64 nr_objs;          /* objects in all slabs */
	u64 nr_pages;         /* pages in all slabs */
	u64 slab_inuse;
	u32 color_next;
	struct magazine *depot_full, *depot_empty;
	u32 nr_depot_full, nr_depot_empty;
	u64 depot_rounds;
	u32 depot_ops, ws_min_full, ws_min_empty; /* working set of this period */
	/* atomic */
	u64 failures, errors;
	/* per CPU, see struct kmem_cpu */
	struct kmem_cpu cpu[MAX_CPUS];
	struct metric m_active, m_total;
};

/* The magazine every CPU starts with: empty and full at once (cap 0), so
 * both fast paths fall through to the slow path. Never written. */
static struct magazine mag_none;

#define CPU_INIT { [0 ... MAX_CPUS - 1] = { &mag_none, &mag_none } }
#define CACHE_INIT { .cpu = CPU_INIT }

static const u32 kmalloc_sizes[] = { 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512,
				     768, 1024, 1536, 2048, 3072, 4096 };
#define NR_KMALLOC ARRAY_SIZE(kmalloc_sizes)
static struct kmem_cache kmalloc_caches[NR_KMALLOC] = { [0 ... NR_KMALLOC - 1] = CACHE_INIT };

static struct kmem_cache mag_cache = CACHE_INIT;   /* "kmem_magazine" */
static struct kmem_cache cache_cache = CACHE_INIT; /* "kmem_cache" */
static struct kmem_cache desc_cache = CACHE_INIT;  /* "kmem_slab" */

static spinlock_t caches_lock = SPINLOCK_INIT;
static struct list_head caches = LIST_HEAD_INIT(caches); /* caches_lock */
static bool slab_ready;
static u64 errors_total;
static u32 verify_gen;

static struct metric_family fam_active = { .name = "rayos_slab_objects_active",
	.help = "Objects allocated from a slab cache and not freed.", .type = METRIC_GAUGE };
static struct metric_family fam_total = { .name = "rayos_slab_objects_capacity",
	.help = "Objects in a slab cache's slabs (allocated, cached in magazines, or free).",
	.type = METRIC_GAUGE };

/* Callers: the public entry points pass CALLER (their caller's address,
 * taken only on the slow path, for debug records and failure counting),
 * internal allocations INTERNAL (no site; a failure is not counted as the
 * caller's: the internal user handles it). */
#define CALLER true
#define INTERNAL false
static void *cache_alloc(struct kmem_cache *c, gfp_t gfp, bool external);
static void cache_free(struct kmem_cache *c, void *obj, bool external);

/* ---- object layout helpers ---- */

static inline void **obj_link(const struct kmem_cache *c, void *obj)
{
	return (void **)((char *)obj + c->link_offset);
}

static inline struct obj_meta *obj_meta(const struct kmem_cache *c, void *obj)
{
	return (struct obj_meta *)((char *)obj + c->meta_offset);
}

static inline void *slot_obj(const struct kmem_cache *c, const struct slab *s, u32 i)
{
	return s->base + (size_t)i * c->slot_size + c->obj_offset;
}

static inline bool is_debug(const struct kmem_cache *c) { return c->flags & SLAB_DEBUGGED; }

/* Index of obj in s, or -1 if obj is not the start of one of s's objects. */
static long obj_index(const struct kmem_cache *c, const struct slab *s, const void *obj)
{
	uintptr_t first = (uintptr_t)s->base + c->obj_offset, p = (uintptr_t)obj;
	if (p < first)
		return -1;
	uintptr_t off = p - first;
	if (off % c->slot_size || off / c->slot_size >= s->nobjs)
		return -1;
	return (long)(off / c->slot_size);
}

/* The slab holding p, if p is in a slab page; NULL otherwise. */
static struct slab *slab_of(const void *p)
{
	struct page *pg = virt_to_page(p);
	if (!pg || !(pg->flags & PG_slab))
		return NULL;
	struct slab *s = pg->owner;
	return s && s->magic == SLAB_MAGIC ? s : NULL;
}

/* ---- reports ---- */

static void __printf(3, 4) report(struct kmem_cache *c, const void *obj, const char *fmt, ...)
{
	u64 n = __atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&errors_total, 1, __ATOMIC_RELAXED);
	if (n > ERRORS_LOGGED && n % 1000)
		return;
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *more = n == ERRORS_LOGGED ? " (further reports: every 1000th)" : "";
	if (obj)
		pr_err("slab", "%s: object %p %s%s", c->name, obj, msg, more);
	else
		pr_err("slab", "%s: %s%s", c->name, msg, more);
}

/* First byte in [p, p+n) that is not v, or NULL. */
static const u8 *find_not(const void *p, u8 v, size_t n)
{
	const u8 *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return b + i;
	return NULL;
}

static size_t right_rz_len(const struct kmem_cache *c)
{
	return c->meta_offset - c->object_size;
}

/* Red zones of a debug object: 0 if intact; else reports (when asked),
 * repairs them and returns -EINVAL. */
static int check_redzones(struct kmem_cache *c, void *obj, bool do_report, char *why, size_t wsize)
{
	int bad = 0;
	u8 *o = obj;
	const u8 *b = find_not(o - c->obj_offset, RZ_BYTE, c->obj_offset);
	if (b) {
		if (do_report)
			report(c, obj, "red zone overwritten before the object (byte 0x%02x at offset -%zu)",
			       *b, (size_t)(o - b));
		if (why)
			snprintf(why, wsize, "%s: object %p red zone overwritten before the object (offset -%zu)",
				 c->name, obj, (size_t)(o - b));
		bad = -EINVAL;
	}
	b = find_not(o + c->object_size, RZ_BYTE, right_rz_len(c));
	if (b) {
		if (do_report)
			report(c, obj, "red zone overwritten after the object (byte 0x%02x at offset +%zu)",
			       *b, (size_t)(b - o));
		if (why && !bad)
			snprintf(why, wsize, "%s: object %p red zone overwritten after the object (offset +%zu)",
				 c->name, obj, (size_t)(b - o));
		bad = -EINVAL;
	}
	if (bad && do_report) {
		memset(o - c->obj_offset, RZ_BYTE, c->obj_offset);
		memset(o + c->object_size, RZ_BYTE, right_rz_len(c));
	}
	return bad;
}

/* Poison of a free debug object: 0 if intact; else reports, re-poisons
 * and returns -EINVAL. */
static int check_poison(struct kmem_cache *c, void *obj, bool do_report, char *why, size_t wsize)
{
	const u8 *b = find_not(obj, POISON_BYTE, c->object_size);
	if (!b)
		return 0;
	size_t off = (size_t)(b - (u8 *)obj);
	if (do_report) {
		report(c, obj, "use after free (byte 0x%02x at offset +%zu written after the free at %p)",
		       *b, off, obj_meta(c, obj)->free_site);
		memset(obj, POISON_BYTE, c->object_size);
	}
	if (why)
		snprintf(why, wsize, "%s: object %p use after free (offset +%zu)", c->name, obj, off);
	return -EINVAL;
}

/* ---- the slab layer ---- */

static void slab_init_object(struct kmem_cache *c, void *obj)
{
	if (is_debug(c)) {
		u8 *o = obj;
		memset(o - c->obj_offset, RZ_BYTE, c->obj_offset);
		memset(o, POISON_BYTE, c->object_size);
		memset(o + c->object_size, RZ_BYTE, right_rz_len(c));
		struct obj_meta *m = obj_meta(c, obj);
		m->state = OBJ_FREE ^ (uintptr_t)obj;
		m->alloc_site = m->free_site = NULL;
	} else if (c->ctor) {
		c->ctor(obj);
	}
}

static u32 objs_in_order(const struct kmem_cache *c, unsigned order)
{
	size_t avail = (PAGE_SIZE << order) - (c->offslab ? 0 : sizeof(struct slab));
	return (u32)(avail / c->slot_size);
}

/* A new slab with all objects free and constructed; no locks held. When
 * 2^order contiguous pages cannot be had (fragmentation), a smaller slab
 * down to min_order will do (as SLUB does). */
static struct slab *slab_new(struct kmem_cache *c, gfp_t gfp)
{
	unsigned order = c->order;
	struct page *pg;
	for (;;) {
		gfp_t g = gfp & ~GFP_ZERO;
		if (order > c->min_order)
			g |= GFP_NOWARN; /* not a failure yet */
		pg = alloc_pages(g, order);
		if (pg)
			break;
		if (order == c->min_order)
			return NULL;
		order--;
	}
	char *mem = page_address(pg);
	size_t bytes = PAGE_SIZE << order;
	struct slab *s;
	if (c->offslab) {
		s = cache_alloc(&desc_cache, gfp & ~GFP_ZERO, INTERNAL);
		if (!s) {
			free_pages(pg, order);
			return NULL;
		}
	} else {
		s = (struct slab *)(mem + bytes - sizeof(struct slab));
	}
	u32 color = 0;
	if (c->color_max && order == c->order) {
		u32 k = __atomic_fetch_add(&c->color_next, 1, __ATOMIC_RELAXED);
		color = k % (c->color_max / c->color_step + 1) * c->color_step;
	}
	list_init(&s->list);
	s->cache = c;
	s->base = mem + color;
	s->page = pg;
	s->inuse = 0;
	s->order = order;
	s->nobjs = objs_in_order(c, order);
	s->magic = SLAB_MAGIC;
	s->verify_gen = s->verify_mag = 0;
	for (size_t i = 0; i < (1UL << order); i++) {
		pg[i].flags |= PG_slab;
		pg[i].owner = s;
	}
	s->free = NULL;
	for (u32 i = s->nobjs; i-- > 0;) {
		void *obj = slot_obj(c, s, i);
		slab_init_object(c, obj);
		*obj_link(c, obj) = s->free;
		s->free = obj;
	}
	return s;
}

/* Give a slab (off every list, all objects free) back; no locks held. */
static void slab_release(struct kmem_cache *c, struct slab *s)
{
	if (is_debug(c)) {
		/* a write into a free object that was never handed out again */
		for (u32 i = 0; i < s->nobjs; i++) {
			void *obj = slot_obj(c, s, i);
			check_poison(c, obj, true, NULL, 0);
			check_redzones(c, obj, true, NULL, 0);
		}
	}
	struct page *pg = s->page;
	unsigned order = s->order;
	for (size_t i = 0; i < (1UL << order); i++) {
		pg[i].flags &= ~PG_slab;
		pg[i].owner = NULL;
	}
	s->magic = 0;
	if (c->offslab)
		cache_free(&desc_cache, s, INTERNAL);
	free_pages(pg, order);
}

/* Release the slabs on l; returns pages released. */
static u64 release_list(struct kmem_cache *c, struct list_head *l)
{
	u64 n = 0;
	struct list_head *pos, *next;
	list_for_each_safe(pos, next, l) {
		struct slab *s = list_entry(pos, struct slab, list);
		list_del(pos);
		n += 1ULL << s->order;
		slab_release(c, s);
	}
	return n;
}

/* Debug caches: the free list of s is damaged; rebuild it from the object
 * states. Objects whose state is unreadable stay out (leaked, reported). */
static void slab_rebuild_locked(struct kmem_cache *c, struct slab *s)
{
	u32 nfree = 0;
	s->free = NULL;
	for (u32 i = s->nobjs; i-- > 0;) {
		void *obj = slot_obj(c, s, i);
		struct obj_meta *m = obj_meta(c, obj);
		if (m->state == (OBJ_FREE ^ (uintptr_t)obj)) {
			m->next = s->free;
			s->free = obj;
			nfree++;
		} else if (m->state != (OBJ_ALLOC ^ (uintptr_t)obj)) {
			report(c, obj, "metadata overwritten (state %#llx); the object is taken out of use",
			       (unsigned long long)m->state);
			m->state = OBJ_ALLOC ^ (uintptr_t)obj;
		}
	}
	u32 inuse = s->nobjs - nfree;
	c->slab_inuse += inuse;
	c->slab_inuse -= s->inuse;
	s->inuse = inuse;
}

static void slab_place_locked(struct kmem_cache *c, struct slab *s, struct list_head *from)
{
	struct list_head *to = s->inuse == 0 ? &c->empty :
			       s->inuse == s->nobjs ? &c->full : &c->partial;
	if (to == from)
		return;
	if (from == &c->empty)
		c->nr_empty--;
	else if (from == &c->full)
		c->nr_full--;
	else if (from == &c->partial)
		c->nr_partial--;
	if (to == &c->empty)
		c->nr_empty++;
	else if (to == &c->full)
		c->nr_full++;
	else
		c->nr_partial++;
	list_del(&s->list);
	list_add(&s->list, to);
}

/* One object off a partial (else empty) slab's free list, or NULL. */
static void *slab_take_locked(struct kmem_cache *c)
{
	for (;;) {
		struct list_head *from = !list_empty(&c->partial) ? &c->partial :
					 !list_empty(&c->empty) ? &c->empty : NULL;
		if (!from)
			return NULL;
		struct slab *s = list_first_entry(from, struct slab, list);
		void *obj = s->free;
		if (is_debug(c)) {
			/* validate before following anything: never dereference a wild link */
			bool ok = obj && obj_index(c, s, obj) >= 0;
			void *next = ok ? obj_meta(c, obj)->next : NULL;
			if (!ok || obj_meta(c, obj)->state != (OBJ_FREE ^ (uintptr_t)obj) ||
			    (next && obj_index(c, s, next) < 0)) {
				report(c, obj, "free list of slab %p damaged (link %p); rebuilt from the object states",
				       (void *)s->base, next);
				slab_rebuild_locked(c, s);
				slab_place_locked(c, s, from);
				continue;
			}
			s->free = next;
		} else {
			s->free = *obj_link(c, obj);
		}
		s->inuse++;
		c->slab_inuse++;
		slab_place_locked(c, s, from);
		return obj;
	}
}

/* Up to n objects off the slabs' free lists (partial slabs first), popped
 * a slab at a time; magazine caches only (no debug checks). */
static u32 slab_take_bulk_locked(struct kmem_cache *c, void **objs, u32 n)
{
	u32 got = 0;
	while (got < n) {
		struct list_head *from = !list_empty(&c->partial) ? &c->partial :
					 !list_empty(&c->empty) ? &c->empty : NULL;
		if (!from)
			break;
		struct slab *s = list_first_entry(from, struct slab, list);
		u32 before = got;
		while (got < n && s->free) {
			void *obj = s->free;
			s->free = *obj_link(c, obj);
			objs[got++] = obj;
		}
		if (got == before) { /* on a list with free objects, yet none: counts damaged */
			report(c, NULL, "slab %p has no free object but %u of %u in use; left alone",
			       (void *)s->base, s->inuse, s->nobjs);
			list_del(&s->list);
			list_add_tail(&s->list, &c->full);
			c->nr_full++;
			if (from == &c->partial)
				c->nr_partial--;
			else
				c->nr_empty--;
			c->slab_inuse += s->nobjs - s->inuse;
			s->inuse = s->nobjs;
			break;
		}
		s->inuse += got - before;
		c->slab_inuse += got - before;
		slab_place_locked(c, s, from);
	}
	return got;
}

/* Put obj back on slab s; returns true when s became an empty slab beyond
 * the ones kept, now off the lists: the caller releases it. */
static bool slab_put_locked(struct kmem_cache *c, struct slab *s, void *obj)
{
	struct list_head *from = s->inuse == s->nobjs ? &c->full : &c->partial;
	if (is_debug(c))
		obj_meta(c, obj)->next = s->free;
	else
		*obj_link(c, obj) = s->free;
	s->free = obj;
	s->inuse--;
	c->slab_inuse--;
	slab_place_locked(c, s, from);
	u32 keep = c->order == 0 ? SLAB_KEEP_EMPTY : 1;
	if (s->inuse == 0 && c->nr_empty > keep) {
		list_del(&s->list);
		c->nr_empty--;
		c->nr_objs -= s->nobjs;
		c->nr_pages -= 1ULL << s->order;
		return true;
	}
	return false;
}

/* An object from the slab layer, growing the cache if needed. */
static void *slab_alloc(struct kmem_cache *c, gfp_t gfp)
{
	irqflags_t f = spin_lock_irqsave(&c->lock);
	void *obj = slab_take_locked(c);
	spin_unlock_irqrestore(&c->lock, f);
	if (obj)
		return obj;
	struct slab *s = slab_new(c, gfp);
	if (!s)
		return NULL;
	f = spin_lock_irqsave(&c->lock);
	list_add(&s->list, &c->empty);
	c->nr_empty++;
	c->nr_objs += s->nobjs;
	c->nr_pages += 1ULL << s->order;
	obj = slab_take_locked(c);
	spin_unlock_irqrestore(&c->lock, f);
	return obj;
}

/* Cache lock held, no debugging: obj back to its slab after checking it
 * is one of this cache's objects (a foreign pointer, or a double free
 * that finds its slab with nothing in use, is reported and dropped);
 * a slab to release is added to rel. */
static void slab_put_checked_locked(struct kmem_cache *c, void *obj, struct list_head *rel)
{
	struct slab *s = slab_of(obj);
	if (!s || s->cache != c || obj_index(c, s, obj) < 0) {
		report(c, obj, "free of a pointer not allocated from this cache");
		return;
	}
	if (!s->inuse) {
		report(c, obj, "double free (its slab has no object in use)");
		return;
	}
	if (slab_put_locked(c, s, obj))
		list_add(&s->list, rel);
}

/* Return objects to their slabs; returns pages released. */
static u64 slab_free_many(struct kmem_cache *c, void **objs, u32 n)
{
	struct list_head rel = LIST_HEAD_INIT(rel);
	irqflags_t f = spin_lock_irqsave(&c->lock);
	for (u32 i = 0; i < n; i++)
		slab_put_checked_locked(c, objs[i], &rel);
	spin_unlock_irqrestore(&c->lock, f);
	return release_list(c, &rel);
}

/* ---- debug allocation and free ---- */

static void debug_on_alloc(struct kmem_cache *c, void *obj, void *site)
{
	check_poison(c, obj, true, NULL, 0);
	check_redzones(c, obj, true, NULL, 0);
	struct obj_meta *m = obj_meta(c, obj);
	m->state = OBJ_ALLOC ^ (uintptr_t)obj;
	m->alloc_site = site;
	if (c->ctor)
		c->ctor(obj);
}

static bool on_free_list(struct kmem_cache *c, struct slab *s, void *obj)
{
	u32 n = 0;
	for (void *p = s->free; p && n <= s->nobjs; p = obj_meta(c, p)->next, n++) {
		if (p == obj)
			return true;
		if (obj_index(c, s, p) < 0)
			break;
	}
	return false;
}

static void debug_free(struct kmem_cache *c, void *obj, void *site)
{
	struct slab *s = slab_of(obj);
	if (!s || s->cache != c || obj_index(c, s, obj) < 0) {
		report(c, obj, "free of a pointer not allocated from this cache");
		return;
	}
	struct obj_meta *m = obj_meta(c, obj);
	irqflags_t f = spin_lock_irqsave(&c->lock);
	if (slab_of(obj) != s) { /* its slab was released meanwhile: it was free */
		spin_unlock_irqrestore(&c->lock, f);
		report(c, obj, "double free (the object's slab was released)");
		return;
	}
	if (m->state == (OBJ_FREE ^ (uintptr_t)obj)) {
		spin_unlock_irqrestore(&c->lock, f);
		report(c, obj, "double free (first freed at %p, again at %p)", m->free_site, site);
		return;
	}
	if (m->state != (OBJ_ALLOC ^ (uintptr_t)obj)) {
		bool dup = on_free_list(c, s, obj);
		report(c, obj, "metadata overwritten (state %#llx)%s", (unsigned long long)m->state,
		       dup ? "; the object is already free: double free" : "");
		if (dup) {
			spin_unlock_irqrestore(&c->lock, f);
			return;
		}
	}
	check_redzones(c, obj, true, NULL, 0);
	memset(obj, POISON_BYTE, c->object_size);
	m->state = OBJ_FREE ^ (uintptr_t)obj;
	m->free_site = site;
	bool rel = slab_put_locked(c, s, obj);
	spin_unlock_irqrestore(&c->lock, f);
	if (rel)
		slab_release(c, s);
}

/* ---- the magazine layer ---- */

static inline bool mag_real(const struct magazine *m) { return m->cap != 0; }

/* Cache lock held: the objects of magazine m go back to their slabs
 * (foreign pointers are reported and dropped); slabs to release are
 * added to rel. */
static void mag_to_slabs_locked(struct kmem_cache *c, struct magazine *m, struct list_head *rel)
{
	for (u32 i = 0; i < m->rounds; i++)
		slab_put_checked_locked(c, m->objs[i], rel);
	m->rounds = 0;
}

/* What a depot operation leaves to do after the cache lock is dropped. */
struct depot_left {
	struct list_head slabs;  /* slabs to release */
	struct magazine *mags;   /* magazines to free */
};

/* Cache lock held, after a depot exchange: track the period's working set
 * and at its end reap what the period did not need. */
static void depot_account_locked(struct kmem_cache *c, struct depot_left *left)
{
	c->ws_min_full = MIN(c->ws_min_full, c->nr_depot_full);
	c->ws_min_empty = MIN(c->ws_min_empty, c->nr_depot_empty);
	if (++c->depot_ops < DEPOT_REAP_PERIOD)
		return;
	for (u32 n = c->ws_min_full; n; n--) {
		struct magazine *m = c->depot_full;
		c->depot_full = m->next;
		c->nr_depot_full--;
		c->depot_rounds -= m->rounds;
		mag_to_slabs_locked(c, m, &left->slabs);
		m->next = left->mags;
		left->mags = m;
	}
	for (u32 n = c->ws_min_empty; n; n--) {
		struct magazine *m = c->depot_empty;
		c->depot_empty = m->next;
		c->nr_depot_empty--;
		m->next = left->mags;
		left->mags = m;
	}
	c->depot_ops = 0;
	c->ws_min_full = c->nr_depot_full;
	c->ws_min_empty = c->nr_depot_empty;
}

static void depot_finish(struct kmem_cache *c, struct depot_left *left)
{
	if (!list_empty(&left->slabs))
		release_list(c, &left->slabs);
	while (left->mags) {
		struct magazine *m = left->mags;
		left->mags = m->next;
		cache_free(&mag_cache, m, INTERNAL);
	}
}

/* Interrupts off. The loaded magazine is empty: reload it from the previous
 * one or the depot. Returns an object, or NULL if neither has any. */
static void *mag_alloc_refill(struct kmem_cache *c, struct kmem_cpu *cc)
{
	if (cc->prev->rounds) {
		struct magazine *t = cc->loaded;
		cc->loaded = cc->prev;
		cc->prev = t;
		return cc->loaded->objs[--cc->loaded->rounds];
	}
	struct depot_left left = { LIST_HEAD_INIT(left.slabs), NULL };
	spin_lock(&c->lock);
	struct magazine *full = c->depot_full;
	if (!full) {
		spin_unlock(&c->lock);
		return NULL;
	}
	c->depot_full = full->next;
	c->nr_depot_full--;
	c->depot_rounds -= full->rounds;
	if (mag_real(cc->prev)) {
		cc->prev->next = c->depot_empty;
		c->depot_empty = cc->prev;
		c->nr_depot_empty++;
	}
	depot_account_locked(c, &left);
	spin_unlock(&c->lock);
	cc->prev = cc->loaded;
	cc->loaded = full;
	void *obj = full->objs[--full->rounds];
	depot_finish(c, &left);
	return obj;
}

/* Interrupts off. The loaded magazine is full: make room from the previous
 * magazine or the depot and push obj. Returns false if no empty magazine
 * could be found without allocating one. */
static bool mag_free_exchange(struct kmem_cache *c, struct kmem_cpu *cc, void *obj)
{
	if (mag_real(cc->prev) && cc->prev->rounds == 0) {
		struct magazine *t = cc->loaded;
		cc->loaded = cc->prev;
		cc->prev = t;
		cc->loaded->objs[cc->loaded->rounds++] = obj;
		return true;
	}
	struct depot_left left = { LIST_HEAD_INIT(left.slabs), NULL };
	spin_lock(&c->lock);
	struct magazine *empty = c->depot_empty;
	if (empty) {
		c->depot_empty = empty->next;
		c->nr_depot_empty--;
	} else if (mag_real(cc->prev) && c->nr_depot_full >= DEPOT_MAX_FULL) {
		/* the depot is at its limit: empty the previous magazine into the slabs */
		empty = cc->prev;
		mag_to_slabs_locked(c, empty, &left.slabs);
		cc->prev = &mag_none;
	} else {
		spin_unlock(&c->lock);
		return false;
	}
	if (mag_real(cc->prev)) {
		/* the previous magazine is full here: into the depot */
		cc->prev->next = c->depot_full;
		c->depot_full = cc->prev;
		c->nr_depot_full++;
		c->depot_rounds += cc->prev->rounds;
	}
	depot_account_locked(c, &left);
	spin_unlock(&c->lock);
	cc->prev = cc->loaded;
	cc->loaded = empty;
	empty->objs[empty->rounds++] = obj;
	/* releasing pages and magazines with interrupts off is fine: neither
	 * sleeps, and the locks they take are IRQ-safe */
	depot_finish(c, &left);
	return true;
}

/* ---- allocation and free entry points ---- */

/* Interrupts off; the CPU's magazines and the depot are empty: fill the
 * loaded magazine from the slabs in one hold of the cache lock (an empty
 * magazine from the depot if the CPU has none yet) and pop an object.
 * NULL when the slabs have no free object: the caller grows the cache. */
static void *mag_fill_from_slabs(struct kmem_cache *c, struct kmem_cpu *cc)
{
	spin_lock(&c->lock);
	struct magazine *m = cc->loaded;
	if (!mag_real(m) && c->depot_empty) {
		m = c->depot_empty;
		c->depot_empty = m->next;
		c->nr_depot_empty--;
		cc->loaded = m;
	}
	void *obj = NULL;
	if (mag_real(m)) {
		m->rounds = slab_take_bulk_locked(c, m->objs, m->cap);
		if (m->rounds)
			obj = m->objs[--m->rounds];
	} else {
		obj = slab_take_locked(c);
	}
	spin_unlock(&c->lock);
	return obj;
}

static __attribute__((noinline)) void *cache_alloc_slow(struct kmem_cache *c, gfp_t gfp, irqflags_t f,
							 void *site)
{
	void *obj = NULL;
	if (!(c->flags & SLAB_NOMAG) && slab_ready) {
		struct kmem_cpu *cc = &c->cpu[this_cpu()->id];
		obj = mag_alloc_refill(c, cc);
		if (!obj)
			obj = mag_fill_from_slabs(c, cc);
	}
	arch_irq_restore(f);
	if (!obj) {
		if (unlikely(!slab_ready || !c->objs_per_slab)) {
			pr_err("slab", "allocation from %s before slab_init", c->name[0] ? c->name : "a cache");
			obj = NULL;
		} else {
			obj = slab_alloc(c, gfp);
		}
		if (!obj) {
			__atomic_fetch_add(&c->failures, 1, __ATOMIC_RELAXED);
			if (site)
				mm_note_alloc_failure("slab", gfp, c->object_size);
			return NULL;
		}
		if (is_debug(c))
			debug_on_alloc(c, obj, site);
	}
	if (gfp & GFP_ZERO)
		memset(obj, 0, c->object_size);
	return obj;
}

/* The fast path: a pop from this CPU's loaded magazine. Inlined into the
 * public entry points, so __builtin_return_address(0) is their caller. */
static inline __attribute__((always_inline)) void *cache_alloc(struct kmem_cache *c, gfp_t gfp,
								bool external)
{
	irqflags_t f = arch_irq_save();
	struct magazine *m = c->cpu[this_cpu()->id].loaded;
	if (likely(m->rounds)) {
		void *obj = m->objs[--m->rounds];
		arch_irq_restore(f);
		if (unlikely(gfp & GFP_ZERO))
			memset(obj, 0, c->object_size);
		return obj;
	}
	return cache_alloc_slow(c, gfp, f, external ? __builtin_return_address(0) : NULL);
}

static __attribute__((noinline)) void cache_free_slow(struct kmem_cache *c, void *obj, irqflags_t f,
						       void *site)
{
	if (c->flags & SLAB_NOMAG) {
		arch_irq_restore(f);
		if (is_debug(c))
			debug_free(c, obj, site);
		else
			slab_free_many(c, &obj, 1);
		return;
	}
	for (;;) {
		struct kmem_cpu *cc = &c->cpu[this_cpu()->id];
		struct magazine *m = cc->loaded;
		if (m->rounds < m->cap) { /* an interrupt may have made room */
			m->objs[m->rounds++] = obj;
			arch_irq_restore(f);
			return;
		}
		if (mag_free_exchange(c, cc, obj)) {
			arch_irq_restore(f);
			return;
		}
		arch_irq_restore(f);
		/* no empty magazine anywhere: make one (never sleeps) */
		struct magazine *e = cache_alloc(&mag_cache, GFP_ATOMIC | GFP_NOWARN, INTERNAL);
		if (!e) {
			slab_free_many(c, &obj, 1);
			return;
		}
		e->rounds = 0;
		e->cap = c->mag_cap;
		f = spin_lock_irqsave(&c->lock);
		e->next = c->depot_empty;
		c->depot_empty = e;
		c->nr_depot_empty++;
		spin_unlock(&c->lock); /* interrupts stay off for the retry */
	}
}

static inline __attribute__((always_inline)) void cache_free(struct kmem_cache *c, void *obj,
							      bool external)
{
	irqflags_t f = arch_irq_save();
	struct magazine *m = c->cpu[this_cpu()->id].loaded;
	if (likely(m->rounds < m->cap)) {
		m->objs[m->rounds++] = obj;
		arch_irq_restore(f);
		return;
	}
	cache_free_slow(c, obj, f, external ? __builtin_return_address(0) : NULL);
}

void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	if (unlikely(!c)) {
		mm_note_alloc_failure("slab", gfp, 0);
		return NULL;
	}
	return cache_alloc(c, gfp, CALLER);
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	if (unlikely(!obj || !c))
		return;
	cache_free(c, obj, CALLER);
}

/* ---- kmalloc ---- */

static __attribute__((noinline)) void *kmalloc_large(size_t size, gfp_t gfp)
{
	unsigned order = 0;
	while (order <= MAX_ORDER && (PAGE_SIZE << order) < size)
		order++;
	struct page *pg = order <= MAX_ORDER ? alloc_pages(gfp, order) : NULL;
	if (!pg) {
		mm_note_alloc_failure("slab", gfp, size);
		return NULL;
	}
	pg->flags |= PG_large;
	return page_address(pg);
}

/* The size class of a request in one load: kmalloc_cache_of[(size + 7) / 8]
 * (filled by slab_init; before it, every entry is the first cache, whose
 * allocations fail cleanly until then). */
static struct kmem_cache *kmalloc_cache_of[KMALLOC_MAX_CACHE_SIZE / 8 + 1] = {
	[0 ... KMALLOC_MAX_CACHE_SIZE / 8] = &kmalloc_caches[0]
};

void *kmalloc(size_t size, gfp_t gfp)
{
	u64 t0 = hist_sample_begin(&hist_kmalloc_duration); /* obs: 1 in 16 timed */
	void *p = likely(size <= KMALLOC_MAX_CACHE_SIZE) ?
		cache_alloc(kmalloc_cache_of[(size + 7) >> 3], gfp, CALLER) : kmalloc_large(size, gfp);
	hist_sample_end(&hist_kmalloc_duration, t0);
	return p;
}

void *kzalloc(size_t size, gfp_t gfp)
{
	if (likely(size <= KMALLOC_MAX_CACHE_SIZE))
		return cache_alloc(kmalloc_cache_of[(size + 7) >> 3], gfp | GFP_ZERO, CALLER);
	return kmalloc_large(size, gfp | GFP_ZERO);
}

struct kmem_cache *kmalloc_cache(size_t size)
{
	return size <= KMALLOC_MAX_CACHE_SIZE ? kmalloc_cache_of[(size + 7) >> 3] : NULL;
}

static __attribute__((noinline)) void kfree_other(const void *p, struct page *pg, void *site)
{
	if (pg && (pg->flags & PG_large) && (pg->flags & PG_head) && page_address(pg) == p) {
		pg->flags &= ~PG_large;
		free_pages(pg, pg->order);
		return;
	}
	__atomic_add_fetch(&errors_total, 1, __ATOMIC_RELAXED);
	pr_err("slab", "kfree of %p, which kmalloc did not hand out (%s; caller %p)", p,
	       !pg ? "not in the direct map of any memory zone" :
	       (pg->flags & PG_large) ? "inside a large allocation" : "not a heap page", site);
}

void kfree(const void *p)
{
	if (unlikely(!p))
		return;
	struct page *pg = virt_to_page(p);
	if (likely(pg && (pg->flags & PG_slab))) {
		struct slab *s = pg->owner;
		cache_free(s->cache, (void *)p, CALLER);
		return;
	}
	kfree_other(p, pg, __builtin_return_address(0));
}

size_t ksize(const void *p)
{
	if (!p)
		return 0;
	struct page *pg = virt_to_page(p);
	if (!pg)
		return 0;
	if (pg->flags & PG_slab) {
		struct slab *s = pg->owner;
		return obj_index(s->cache, s, p) >= 0 ? s->cache->object_size : 0;
	}
	if ((pg->flags & PG_large) && page_address(pg) == p)
		return PAGE_SIZE << pg->order;
	return 0;
}

/* ---- cache creation, destruction, shrinking ---- */

static u32 mag_cap_for(size_t slot)
{
	return slot <= 256 ? MAG_ROUNDS_MAX : slot <= 1024 ? 15 : 7;
}

/* Computes the layout of c; 0 or -EINVAL (size or alignment impossible). */
static int cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align,
		       void (*ctor)(void *), unsigned flags)
{
	if (!name || !*name || !size || (align & (align - 1)) || align > PAGE_SIZE)
		return -EINVAL;
	if (size > (PAGE_SIZE << MAX_ORDER))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	strlcpy(c->name, name, sizeof(c->name));
	c->align = MAX(align, (size_t)8);
	c->ctor = ctor;
	bool debug = (flags & SLAB_DEBUG) || (!(flags & SLAB_NODEBUG) && kopt.slab_debug);
	c->flags = flags & ~(SLAB_DEBUG | SLAB_NODEBUG);
	if (debug)
		c->flags |= SLAB_DEBUGGED | SLAB_NOMAG;
	c->object_size = size;
	if (debug) {
		c->obj_offset = ALIGN_UP((size_t)REDZONE, c->align);
		c->meta_offset = ALIGN_UP(size, 8) + REDZONE;
		c->link_offset = c->meta_offset + offsetof(struct obj_meta, next);
		c->slot_size = ALIGN_UP(c->obj_offset + c->meta_offset + sizeof(struct obj_meta), c->align);
	} else if (ctor) {
		c->link_offset = ALIGN_UP(size, 8); /* keep constructed state intact */
		c->slot_size = ALIGN_UP(c->link_offset + sizeof(void *), c->align);
	} else {
		c->slot_size = ALIGN_UP(MAX(size, sizeof(void *)), c->align);
	}
	c->offslab = !(flags & SLAB_ONSLAB) && c->slot_size >= PAGE_SIZE / 8;

	/* smallest order with >= SLAB_MIN_OBJS objects and <= 1/8 waste; else
	 * the least wasteful order up to SLAB_MAX_PREF_ORDER; else the first
	 * order that holds an object at all */
	int best = -1;
	u64 best_waste_pm = ~0ULL;
	for (unsigned o = 0; o <= MAX_ORDER; o++) {
		size_t bytes = PAGE_SIZE << o;
		size_t avail = bytes - (c->offslab ? 0 : sizeof(struct slab));
		size_t n = avail / c->slot_size;
		if (!n)
			continue;
		size_t waste = avail - n * c->slot_size;
		if (o <= SLAB_MAX_PREF_ORDER && n >= SLAB_MIN_OBJS && waste * 8 <= bytes) {
			best = (int)o;
			break;
		}
		if (o <= SLAB_MAX_PREF_ORDER) {
			u64 pm = (u64)waste * 1000 / bytes;
			if (pm < best_waste_pm) {
				best_waste_pm = pm;
				best = (int)o;
			}
		} else if (best < 0) {
			best = (int)o;
			break;
		} else {
			break;
		}
	}
	if (best < 0)
		return -EINVAL;
	c->order = (u32)best;
	size_t bytes = PAGE_SIZE << c->order;
	size_t avail = bytes - (c->offslab ? 0 : sizeof(struct slab));
	c->objs_per_slab = (u32)(avail / c->slot_size);
	c->min_order = 0;
	while (!objs_in_order(c, c->min_order))
		c->min_order++;
	c->color_step = (u32)MAX(c->align, (size_t)64);
	size_t waste = avail - c->objs_per_slab * c->slot_size;
	c->color_max = (u32)(waste / c->color_step * c->color_step);
	c->mag_cap = mag_cap_for(c->slot_size);

	spinlock_t init = SPINLOCK_INIT;
	c->lock = init;
	list_init(&c->partial);
	list_init(&c->full);
	list_init(&c->empty);
	list_init(&c->cache_list);
	for (u32 i = 0; i < MAX_CPUS; i++)
		c->cpu[i].loaded = c->cpu[i].prev = &mag_none;
	return 0;
}

/* Objects in this cache's magazines: CPUs (read without their
 * cooperation: a statistic) and the depot. Cache lock held. */
static u64 cpu_cached_locked(struct kmem_cache *c)
{
	u64 n = 0;
	for (u32 i = 0; i < MAX_CPUS; i++) {
		struct magazine *a = READ_ONCE(c->cpu[i].loaded), *b = READ_ONCE(c->cpu[i].prev);
		n += READ_ONCE(a->rounds) + READ_ONCE(b->rounds);
	}
	return n;
}

static s64 read_active(const struct metric *m)
{
	struct kmem_cache_info i;
	kmem_cache_get_info(m->ctx, &i);
	return (s64)i.active;
}

static s64 read_total(const struct metric *m)
{
	struct kmem_cache *c = m->ctx;
	irqflags_t f = spin_lock_irqsave(&c->lock);
	u64 n = c->nr_objs;
	spin_unlock_irqrestore(&c->lock, f);
	return (s64)n;
}

/* cache="name" with the label value escaped */
static void cache_label(char *buf, size_t size, const char *key, const char *name)
{
	size_t n = 0;
	int k = snprintf(buf, size, "%s=\"", key);
	n = (size_t)k;
	for (const char *p = name; *p && n + 4 < size; p++) {
		if (*p == '"' || *p == '\\')
			buf[n++] = '\\';
		buf[n++] = *p == '\n' ? ' ' : *p;
	}
	buf[n++] = '"';
	buf[n] = 0;
}

static void cache_register_metrics(struct kmem_cache *c)
{
	c->m_active.read = read_active;
	c->m_total.read = read_total;
	c->m_active.ctx = c->m_total.ctx = c;
	cache_label(c->m_active.labels, sizeof(c->m_active.labels), "cache", c->name);
	cache_label(c->m_total.labels, sizeof(c->m_total.labels), "cache", c->name);
	if (metric_register(&fam_active, &c->m_active) || metric_register(&fam_total, &c->m_total))
		pr_warn("slab", "%s: metrics not registered (label clash?)", c->name);
}

static void cache_unregister_metrics(struct kmem_cache *c)
{
	metric_unregister(&c->m_active);
	metric_unregister(&c->m_total);
}

struct kmem_cache *kmem_cache_create_flags(const char *name, size_t size, size_t align,
					   void (*ctor)(void *obj), unsigned flags)
{
	if (!slab_ready) {
		pr_err("slab", "kmem_cache_create(%s) before slab_init", name ? name : "?");
		return NULL;
	}
	struct kmem_cache *c = cache_alloc(&cache_cache, GFP_KERNEL, CALLER);
	if (!c)
		return NULL;
	if (cache_setup(c, name, size, align, ctor, flags & (SLAB_DEBUG | SLAB_NODEBUG))) {
		pr_err("slab", "kmem_cache_create(%s): object size %zu / alignment %zu not possible",
		       name ? name : "?", size, align);
		cache_free(&cache_cache, c, INTERNAL);
		return NULL;
	}
	irqflags_t f = spin_lock_irqsave(&caches_lock);
	struct list_head *pos;
	list_for_each(pos, &caches) {
		if (!strcmp(list_entry(pos, struct kmem_cache, cache_list)->name, c->name)) {
			spin_unlock_irqrestore(&caches_lock, f);
			pr_err("slab", "kmem_cache_create: a cache named %s exists already", c->name);
			cache_free(&cache_cache, c, INTERNAL);
			return NULL;
		}
	}
	/* before the internal caches, which are shrunk last */
	list_add_tail(&c->cache_list, &mag_cache.cache_list);
	spin_unlock_irqrestore(&caches_lock, f);
	cache_register_metrics(c);
	return c;
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     void (*ctor)(void *obj))
{
	return kmem_cache_create_flags(name, size, align, ctor, 0);
}

/* Take magazines out of service: those of CPU `cpu` (all CPUs when
 * cpu < 0) and the depot's; their objects go back to the slabs and the
 * magazines to the magazine cache. Returns pages released on the way
 * (slabs that became empty beyond the ones kept). */
static u64 flush_magazines(struct kmem_cache *c, int cpu)
{
	struct magazine *list = NULL;
	u32 first = cpu < 0 ? 0 : (u32)cpu, last = cpu < 0 ? MAX_CPUS - 1 : (u32)cpu;
	irqflags_t f = arch_irq_save();
	for (u32 i = first; i <= last; i++) {
		struct kmem_cpu *cc = &c->cpu[i];
		struct magazine *ms[2] = { cc->loaded, cc->prev };
		cc->loaded = cc->prev = &mag_none;
		for (int k = 0; k < 2; k++) {
			if (mag_real(ms[k])) {
				ms[k]->next = list;
				list = ms[k];
			}
		}
	}
	spin_lock(&c->lock);
	for (struct magazine **d = &c->depot_full; d == &c->depot_full || d == &c->depot_empty;
	     d = d == &c->depot_full ? &c->depot_empty : NULL) {
		while (*d) {
			struct magazine *m = *d;
			*d = m->next;
			m->next = list;
			list = m;
		}
	}
	c->nr_depot_full = c->nr_depot_empty = 0;
	c->depot_rounds = 0;
	spin_unlock(&c->lock);
	arch_irq_restore(f);
	u64 pages = 0;
	while (list) {
		struct magazine *m = list;
		list = m->next;
		pages += slab_free_many(c, m->objs, m->rounds);
		cache_free(&mag_cache, m, INTERNAL);
	}
	return pages;
}

static u64 release_empty(struct kmem_cache *c)
{
	struct list_head rel = LIST_HEAD_INIT(rel);
	irqflags_t f = spin_lock_irqsave(&c->lock);
	while (!list_empty(&c->empty)) {
		struct list_head *e = c->empty.next;
		list_del(e);
		list_add(e, &rel);
		c->nr_objs -= list_entry(e, struct slab, list)->nobjs;
		c->nr_pages -= 1ULL << list_entry(e, struct slab, list)->order;
	}
	c->nr_empty = 0;
	spin_unlock_irqrestore(&c->lock, f);
	return release_list(c, &rel);
}

u64 kmem_cache_shrink(struct kmem_cache *c)
{
	if (!c || !c->objs_per_slab)
		return 0;
	u64 pages = flush_magazines(c, (int)this_cpu()->id);
	return pages + release_empty(c);
}

u64 slab_shrink_all(void)
{
	u64 pages = 0;
	irqflags_t f = spin_lock_irqsave(&caches_lock);
	struct list_head *pos;
	list_for_each(pos, &caches)
		pages += kmem_cache_shrink(list_entry(pos, struct kmem_cache, cache_list));
	spin_unlock_irqrestore(&caches_lock, f);
	return pages;
}

static struct shrinker slab_shrinker = { .name = "slab", .shrink = slab_shrink_all };

void kmem_cache_destroy(struct kmem_cache *c)
{
	if (!c)
		return;
	if (c->flags & SLAB_STATIC) {
		report(c, NULL, "kmem_cache_destroy of a built-in cache refused");
		return;
	}
	/* the caller guarantees nobody uses the cache: every CPU's magazines */
	flush_magazines(c, -1);
	irqflags_t f = spin_lock_irqsave(&c->lock);
	u64 live = c->slab_inuse;
	spin_unlock_irqrestore(&c->lock, f);
	if (live) {
		report(c, NULL, "kmem_cache_destroy refused: %llu objects still allocated (cache kept)",
		       (unsigned long long)live);
		return;
	}
	release_empty(c);
	f = spin_lock_irqsave(&caches_lock);
	list_del(&c->cache_list);
	spin_unlock_irqrestore(&caches_lock, f);
	cache_unregister_metrics(c);
	c->objs_per_slab = 0;
	cache_free(&cache_cache, c, INTERNAL);
}

/* ---- statistics ---- */

void kmem_cache_get_info(struct kmem_cache *c, struct kmem_cache_info *i)
{
	memset(i, 0, sizeof(*i));
	strlcpy(i->name, c->name, sizeof(i->name));
	i->object_size = c->object_size;
	i->slot_size = c->slot_size;
	i->objs_per_slab = c->objs_per_slab;
	i->pages_per_slab = 1u << c->order;
	i->debug = is_debug(c);
	i->has_ctor = c->ctor != NULL;
	i->mag_size = (c->flags & SLAB_NOMAG) ? 0 : c->mag_cap;
	irqflags_t f = spin_lock_irqsave(&c->lock);
	i->slabs_partial = c->nr_partial;
	i->slabs_full = c->nr_full;
	i->slabs_empty = c->nr_empty;
	i->total = c->nr_objs;
	i->pages = c->nr_pages;
	i->cpu_cached = cpu_cached_locked(c);
	i->depot_cached = c->depot_rounds;
	i->depot_full = c->nr_depot_full;
	i->depot_empty = c->nr_depot_empty;
	u64 cached = i->cpu_cached + i->depot_cached;
	i->active = c->slab_inuse > cached ? c->slab_inuse - cached : 0;
	spin_unlock_irqrestore(&c->lock, f);
	i->failures = __atomic_load_n(&c->failures, __ATOMIC_RELAXED);
	i->errors = __atomic_load_n(&c->errors, __ATOMIC_RELAXED);
}

int kmem_cache_info_at(size_t idx, struct kmem_cache_info *info)
{
	int r = -ENOENT;
	irqflags_t f = spin_lock_irqsave(&caches_lock);
	struct list_head *pos;
	size_t k = 0;
	list_for_each(pos, &caches) {
		if (k++ == idx) {
			kmem_cache_get_info(list_entry(pos, struct kmem_cache, cache_list), info);
			r = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&caches_lock, f);
	return r;
}

u64 slab_errors_total(void)
{
	return __atomic_load_n(&errors_total, __ATOMIC_RELAXED);
}

/* ---- verification ---- */

#define VCHECK(cond, ...) do { if (!(cond)) { snprintf(why, wsize, __VA_ARGS__); goto bad; } } while (0)

/* Is obj on s's free list, whose links verify has marked (low bit)? */
static bool on_marked_free_list(struct kmem_cache *c, struct slab *s, void *obj)
{
	void *p = s->free;
	for (u32 n = 0; p && n <= s->nobjs && obj_index(c, s, p) >= 0; n++) {
		if (p == obj)
			return true;
		uintptr_t link = (uintptr_t)*obj_link(c, p);
		if (!(link & 1))
			break;
		p = (void *)(link & ~(uintptr_t)1);
	}
	return false;
}

/* A magazine object: mark it (link word := mark) once; count it on its slab. */
static int verify_mag_obj(struct kmem_cache *c, void *obj, u64 mark, u32 gen, char *why, size_t wsize)
{
	struct slab *s = slab_of(obj);
	if (!s || s->cache != c || s->verify_gen != gen || obj_index(c, s, obj) < 0) {
		snprintf(why, wsize, "%s: a magazine holds %p, which is not an object of this cache's slabs",
			 c->name, obj);
		return -EINVAL;
	}
	uintptr_t link = (uintptr_t)*obj_link(c, obj);
	if (link == mark) {
		snprintf(why, wsize, "%s: object %p is in two magazine slots", c->name, obj);
		return -EINVAL;
	}
	/* An odd link word is a free-list mark, or (objects without a
	 * constructor keep the link inside the object) stale user data:
	 * only the slab's free list can tell. */
	if ((link & 1) && on_marked_free_list(c, s, obj)) {
		snprintf(why, wsize, "%s: object %p is both on its slab's free list and in a magazine",
			 c->name, obj);
		return -EINVAL;
	}
	*obj_link(c, obj) = (void *)(uintptr_t)mark;
	s->verify_mag++;
	return 0;
}

static int verify_mag(struct kmem_cache *c, struct magazine *m, const char *where, int want_state,
		      u64 mark, u32 gen, u64 *rounds, char *why, size_t wsize)
{
	if (!mag_real(m))
		return 0;
	if (m->cap != c->mag_cap || m->rounds > m->cap) {
		snprintf(why, wsize, "%s: %s magazine has %u rounds, capacity %u (cache: %u)", c->name,
			 where, m->rounds, m->cap, c->mag_cap);
		return -EINVAL;
	}
	/* want_state: 1 full, 0 empty, 2 full or empty, -1 anything */
	if ((want_state == 1 && m->rounds != m->cap) || (want_state == 0 && m->rounds) ||
	    (want_state == 2 && m->rounds && m->rounds != m->cap)) {
		snprintf(why, wsize, "%s: %s magazine is partly filled (%u of %u)", c->name, where,
			 m->rounds, m->cap);
		return -EINVAL;
	}
	for (u32 k = 0; k < m->rounds; k++)
		if (verify_mag_obj(c, m->objs[k], mark, gen, why, wsize))
			return -EINVAL;
	*rounds += m->rounds;
	return 0;
}

static void unmark_mag(struct kmem_cache *c, struct magazine *m, u64 mark, u32 gen)
{
	for (u32 k = 0; k < m->rounds && k < MAG_ROUNDS_MAX; k++) {
		void *obj = m->objs[k];
		struct slab *s = slab_of(obj);
		if (s && s->cache == c && s->verify_gen == gen && obj_index(c, s, obj) >= 0 &&
		    (uintptr_t)*obj_link(c, obj) == mark)
			*obj_link(c, obj) = NULL;
	}
}

/* Undo verify's marks: free-list links (low bit) and magazine objects. */
static void verify_unmark(struct kmem_cache *c, u64 mark, u32 gen)
{
	struct list_head *lists[3] = { &c->partial, &c->full, &c->empty };
	for (int l = 0; l < 3; l++) {
		struct list_head *pos;
		list_for_each(pos, lists[l]) {
			struct slab *s = list_entry(pos, struct slab, list);
			void *obj = s->free;
			while (obj && obj_index(c, s, obj) >= 0) {
				uintptr_t link = (uintptr_t)*obj_link(c, obj);
				if (!(link & 1) || link == mark)
					break;
				*obj_link(c, obj) = (void *)(link & ~(uintptr_t)1);
				obj = (void *)(link & ~(uintptr_t)1);
			}
		}
	}
	for (u32 i = 0; i < MAX_CPUS; i++) {
		unmark_mag(c, c->cpu[i].loaded, mark, gen);
		unmark_mag(c, c->cpu[i].prev, mark, gen);
	}
	u32 guard = 0;
	for (struct magazine *m = c->depot_full; m && guard <= c->nr_depot_full; m = m->next, guard++)
		unmark_mag(c, m, mark, gen);
	guard = 0;
	for (struct magazine *m = c->depot_empty; m && guard <= c->nr_depot_empty; m = m->next, guard++)
		unmark_mag(c, m, mark, gen);
}

int kmem_cache_verify(struct kmem_cache *c, char *why, size_t wsize)
{
	if (!c || !c->objs_per_slab) {
		snprintf(why, wsize, "no such cache");
		return -EINVAL;
	}
	irqflags_t f = spin_lock_irqsave(&c->lock);
	u32 gen = __atomic_add_fetch(&verify_gen, 1, __ATOMIC_RELAXED);
	if (!gen)
		gen = __atomic_add_fetch(&verify_gen, 1, __ATOMIC_RELAXED);
	u64 mark = MAG_MARK | ((u64)gen << 8);
	u64 inuse_sum = 0, objs_sum = 0, pages_sum = 0, mag_rounds = 0, depot_rounds = 0;

	/* slabs, list placement, pages, free lists (marked as walked) */
	struct list_head *lists[3] = { &c->partial, &c->full, &c->empty };
	const char *lname[3] = { "partial", "full", "empty" };
	u64 counts[3] = { c->nr_partial, c->nr_full, c->nr_empty };
	for (int l = 0; l < 3; l++) {
		u64 cnt = 0;
		struct list_head *pos;
		list_for_each(pos, lists[l]) {
			struct slab *s = list_entry(pos, struct slab, list);
			VCHECK(s->magic == SLAB_MAGIC && s->cache == c, "%s: %s list holds %p, not a slab of this cache",
			       c->name, lname[l], (void *)s);
			VCHECK(++cnt <= counts[l] + 1, "%s: %s list longer than its count %llu", c->name,
			       lname[l], (unsigned long long)counts[l]);
			const u32 n = s->nobjs;
			VCHECK(s->order >= c->min_order && s->order <= c->order && n == objs_in_order(c, s->order),
			       "%s: slab %p of order %u claims %u objects", c->name, (void *)s->base, s->order, n);
			bool placed = l == 0 ? (s->inuse > 0 && s->inuse < n) : l == 1 ? s->inuse == n : s->inuse == 0;
			VCHECK(placed, "%s: slab %p with %u of %u objects in use is on the %s list", c->name,
			       (void *)s->base, s->inuse, n, lname[l]);
			for (size_t i = 0; i < (1UL << s->order); i++)
				VCHECK((s->page[i].flags & PG_slab) && s->page[i].owner == s,
				       "%s: page %zu of slab %p lacks PG_slab/owner (flags %#x)", c->name, i,
				       (void *)s->base, s->page[i].flags);
			VCHECK(slab_of(s->base + c->obj_offset) == s, "%s: slab %p is not found from its objects",
			       c->name, (void *)s->base);
			s->verify_gen = gen;
			s->verify_mag = 0;
			u32 nfree = 0;
			void *obj = s->free;
			while (obj) {
				VCHECK(obj_index(c, s, obj) >= 0, "%s: free list of slab %p holds %p, not one of its objects",
				       c->name, (void *)s->base, obj);
				uintptr_t link = (uintptr_t)*obj_link(c, obj);
				VCHECK(!(link & 1), "%s: object %p is twice on the free list of slab %p", c->name, obj,
				       (void *)s->base);
				VCHECK(++nfree <= n, "%s: free list of slab %p is too long", c->name, (void *)s->base);
				*obj_link(c, obj) = (void *)(link | 1);
				obj = (void *)link;
			}
			VCHECK(nfree + s->inuse == n, "%s: slab %p: %u free + %u in use != %u objects", c->name,
			       (void *)s->base, nfree, s->inuse, n);
			inuse_sum += s->inuse;
			objs_sum += n;
			pages_sum += 1ULL << s->order;
		}
		VCHECK(cnt == counts[l], "%s: %llu slabs on the %s list, count says %llu", c->name,
		       (unsigned long long)cnt, lname[l], (unsigned long long)counts[l]);
	}
	VCHECK(pages_sum == c->nr_pages, "%s: slabs span %llu pages, the cache says %llu", c->name,
	       (unsigned long long)pages_sum, (unsigned long long)c->nr_pages);
	VCHECK(objs_sum == c->nr_objs, "%s: slabs hold %llu objects, the cache says %llu", c->name,
	       (unsigned long long)objs_sum, (unsigned long long)c->nr_objs);
	VCHECK(inuse_sum == c->slab_inuse, "%s: slabs have %llu objects in use, the cache says %llu", c->name,
	       (unsigned long long)inuse_sum, (unsigned long long)c->slab_inuse);

	/* magazines: each object once, in a slab of this cache, not free there */
	for (u32 i = 0; i < MAX_CPUS; i++) {
		VCHECK(c->cpu[i].loaded && c->cpu[i].prev, "%s: cpu %u has no magazine pointers", c->name, i);
		VCHECK(!mag_real(c->cpu[i].loaded) || c->cpu[i].loaded != c->cpu[i].prev,
		       "%s: cpu %u has the same magazine loaded and previous", c->name, i);
		if (verify_mag(c, c->cpu[i].loaded, "a loaded", -1, mark, gen, &mag_rounds, why, wsize) ||
		    verify_mag(c, c->cpu[i].prev, "a previous", 2, mark, gen, &mag_rounds, why, wsize))
			goto bad;
	}
	u32 nf = 0, ne = 0;
	for (struct magazine *m = c->depot_full; m; m = m->next) {
		VCHECK(++nf <= c->nr_depot_full, "%s: depot full list longer than %u", c->name, c->nr_depot_full);
		if (verify_mag(c, m, "a depot full", 1, mark, gen, &depot_rounds, why, wsize))
			goto bad;
	}
	for (struct magazine *m = c->depot_empty; m; m = m->next) {
		VCHECK(++ne <= c->nr_depot_empty, "%s: depot empty list longer than %u", c->name, c->nr_depot_empty);
		if (verify_mag(c, m, "a depot empty", 0, mark, gen, &depot_rounds, why, wsize))
			goto bad;
	}
	VCHECK(nf == c->nr_depot_full && ne == c->nr_depot_empty, "%s: depot counts %u/%u, lists %u/%u",
	       c->name, c->nr_depot_full, c->nr_depot_empty, nf, ne);
	VCHECK(depot_rounds == c->depot_rounds, "%s: depot holds %llu objects, the cache says %llu", c->name,
	       (unsigned long long)depot_rounds, (unsigned long long)c->depot_rounds);
	VCHECK(!(c->flags & SLAB_NOMAG) || mag_rounds + depot_rounds + nf + ne == 0,
	       "%s: a cache without magazines has magazines", c->name);

	/* per slab: magazine objects are among those in use; debug states */
	for (int l = 0; l < 3; l++) {
		struct list_head *pos;
		list_for_each(pos, lists[l]) {
			struct slab *s = list_entry(pos, struct slab, list);
			VCHECK(s->verify_mag <= s->inuse, "%s: slab %p: %u objects in magazines but %u in use",
			       c->name, (void *)s->base, s->verify_mag, s->inuse);
			if (!is_debug(c))
				continue;
			for (u32 k = 0; k < s->nobjs; k++) {
				void *obj = slot_obj(c, s, k);
				struct obj_meta *m = obj_meta(c, obj);
				bool free = (uintptr_t)m->next & 1;
				if (free) {
					VCHECK(m->state == (OBJ_FREE ^ (uintptr_t)obj),
					       "%s: object %p is on the free list but its state is %#llx", c->name, obj,
					       (unsigned long long)m->state);
					if (check_poison(c, obj, false, why, wsize))
						goto bad;
				} else {
					VCHECK(m->state == (OBJ_ALLOC ^ (uintptr_t)obj),
					       "%s: object %p is allocated but its state is %#llx (free and lost?)", c->name,
					       obj, (unsigned long long)m->state);
				}
				if (check_redzones(c, obj, false, why, wsize))
					goto bad;
			}
		}
	}
	verify_unmark(c, mark, gen);
	spin_unlock_irqrestore(&c->lock, f);
	return 0;
bad:
	verify_unmark(c, mark, gen);
	spin_unlock_irqrestore(&c->lock, f);
	return -EINVAL;
}

int slab_verify_all(char *why, size_t wsize)
{
	int r = 0;
	irqflags_t f = spin_lock_irqsave(&caches_lock);
	struct list_head *pos;
	list_for_each(pos, &caches) {
		r = kmem_cache_verify(list_entry(pos, struct kmem_cache, cache_list), why, wsize);
		if (r)
			break;
	}
	spin_unlock_irqrestore(&caches_lock, f);
	return r;
}

/* ---- boot ---- */

void slab_init(void)
{
	static bool shrinker_done;
	/* hosted tests initialise again over a fresh zone: forget the old caches */
	if (slab_ready) {
		struct list_head *pos;
		list_for_each(pos, &caches)
			cache_unregister_metrics(list_entry(pos, struct kmem_cache, cache_list));
	}
	slab_ready = false;
	errors_total = 0;
	list_init(&caches);
	struct { struct kmem_cache *c; const char *name; size_t size, align; unsigned flags; } internal[] = {
		{ &mag_cache, "kmem_magazine", sizeof(struct magazine), 64, SLAB_NODEBUG },
		{ &cache_cache, "kmem_cache", sizeof(struct kmem_cache), 64, SLAB_NODEBUG },
		{ &desc_cache, "kmem_slab", sizeof(struct slab), 8, SLAB_NODEBUG | SLAB_ONSLAB },
	};
	for (u32 i = 0; i < NR_KMALLOC; i++) {
		char name[SLAB_NAME_MAX];
		snprintf(name, sizeof(name), "kmalloc-%u", kmalloc_sizes[i]);
		cache_setup(&kmalloc_caches[i], name, kmalloc_sizes[i], KMALLOC_MIN_ALIGN, NULL, 0);
		kmalloc_caches[i].flags |= SLAB_STATIC;
		list_add_tail(&kmalloc_caches[i].cache_list, &caches);
	}
	/* internal caches last, in the order the shrinker must visit them:
	 * magazines are freed while flushing the others, slab descriptors
	 * while releasing off-slab slabs (also kmem_cache's) */
	for (u32 i = 0; i < ARRAY_SIZE(internal); i++) {
		cache_setup(internal[i].c, internal[i].name, internal[i].size, internal[i].align, NULL,
			    internal[i].flags);
		internal[i].c->flags |= SLAB_STATIC | SLAB_NOMAG;
		list_add_tail(&internal[i].c->cache_list, &caches);
	}
	for (size_t s = 0, k = 0; s <= KMALLOC_MAX_CACHE_SIZE; s += 8) {
		while (kmalloc_sizes[k] < s)
			k++;
		kmalloc_cache_of[s >> 3] = &kmalloc_caches[k];
	}
	struct list_head *pos;
	list_for_each(pos, &caches)
		cache_register_metrics(list_entry(pos, struct kmem_cache, cache_list));
	if (!shrinker_done) {
		shrinker_register(&slab_shrinker);
		shrinker_done = true;
	}
	mempool_init();
	slab_ready = true;
	pr_info("slab", "%u kmalloc caches (%u..%u bytes), debugging %s", (unsigned)NR_KMALLOC,
		kmalloc_sizes[0], kmalloc_sizes[NR_KMALLOC - 1], kopt.slab_debug ? "on (slab_debug)" : "off");
}
