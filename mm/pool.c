/* pool.c — fixed-size object pools, preallocated at creation, for
 * interrupt context and hot paths (network buffers, request structures).
 *
 * Algorithm: a pool owns nr objects carved from equal chunks of 2^order
 * pages taken from the page allocator at creation (the chunk order is the
 * smallest that holds every object, at most POOL_CHUNK_MAX_ORDER; when the
 * page allocator cannot give chunks that large, smaller ones are tried).
 * Free objects are a LIFO stack of object indices (hot objects are reused
 * first); a bitmap records which objects are handed out. Allocation pops,
 * free pushes: O(1), no allocation, never sleeps. Freeing maps the address
 * to its chunk by binary search over the chunks sorted by address, which
 * also rejects foreign and misaligned pointers; the bitmap rejects double
 * frees. Both are reported (pool name, object address), counted, and the
 * free is ignored.
 *
 * Reserve (the forward-progress guarantee, as in Linux's mempool_t): the
 * last `reserve` free objects are only handed to callers passing
 * POOL_RESERVE (e.g. the path that frees memory or finishes I/O), so
 * ordinary callers failing never starves them.
 *
 * Invariants (mempool_verify): every object is either on the free stack
 * exactly once (bit clear) or handed out (bit set); nr_free = stack depth.
 *
 * Locking: p->lock (IRQ-safe) protects nr_free, the stack and the bitmap.
 * The chunk table is constant after creation. pools_lock protects the list
 * of pools; lock order pools_lock -> p->lock, metrics_lock -> p->lock (the
 * read callbacks read nr_free without the lock). Portable. */
#include <rayos/mm.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/string.h>

#define POOL_NAME_MAX 32
#define POOL_CHUNK_MAX_ORDER 6 /* 256 KiB */

struct pool_chunk {
	char *base;
	struct page *page;
	u32 first; /* index of its first object */
};

struct mempool {
	/* constant after creation */
	char name[POOL_NAME_MAX];
	size_t obj_size, stride;
	u32 nr, reserve;
	u32 per_chunk, nr_chunks;
	unsigned chunk_order;
	struct pool_chunk *chunks;      /* in index order */
	struct pool_chunk **by_addr;    /* sorted by base */
	struct list_head list;          /* pools_lock */
	/* lock protects: */
	spinlock_t lock;
	u32 nr_free;
	u32 *stack;                     /* free indices: stack[0 .. nr_free) */
	u64 *allocated;                 /* bit i: object i handed out */
	/* atomic */
	u64 failures, errors;
	struct metric m_free, m_total;
};

static spinlock_t pools_lock = SPINLOCK_INIT;
static struct list_head pools = LIST_HEAD_INIT(pools);
static u64 pool_errors_total;

static struct metric_family fam_free = { .name = "rayos_pool_objects_free",
	.help = "Free objects in an object pool (including the reserve).", .type = METRIC_GAUGE };
static struct metric_family fam_total = { .name = "rayos_pool_objects_total",
	.help = "Objects preallocated in an object pool.", .type = METRIC_GAUGE };

static inline void *obj_addr(const struct mempool *p, u32 idx)
{
	const struct pool_chunk *ch = &p->chunks[idx / p->per_chunk];
	return ch->base + (size_t)(idx % p->per_chunk) * p->stride;
}

/* Index of obj, or -1 if it is not the start of one of p's objects. */
static long obj_index(const struct mempool *p, const void *obj)
{
	uintptr_t a = (uintptr_t)obj;
	u32 lo = 0, hi = p->nr_chunks;
	while (lo < hi) { /* the last chunk with base <= a */
		u32 mid = (lo + hi) / 2;
		if ((uintptr_t)p->by_addr[mid]->base <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	const struct pool_chunk *ch = p->by_addr[lo - 1];
	uintptr_t off = a - (uintptr_t)ch->base;
	u32 in_chunk = MIN(p->per_chunk, p->nr - ch->first);
	if (off % p->stride || off / p->stride >= in_chunk)
		return -1;
	return (long)(ch->first + off / p->stride);
}

static void __printf(3, 4) pool_report(struct mempool *p, const void *obj, const char *fmt, ...)
{
	u64 n = __atomic_add_fetch(&p->errors, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&pool_errors_total, 1, __ATOMIC_RELAXED);
	if (n > 100 && n % 1000)
		return;
	char msg[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (obj)
		pr_err("pool", "%s: object %p %s", p->name, obj, msg);
	else
		pr_err("pool", "%s: %s", p->name, msg);
}

void *mempool_alloc(struct mempool *p, gfp_t gfp)
{
	if (unlikely(!p)) {
		mm_note_alloc_failure("pool", gfp, 0);
		return NULL;
	}
	u32 floor = (gfp & POOL_RESERVE) ? 0 : p->reserve;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	if (unlikely(p->nr_free <= floor)) {
		spin_unlock_irqrestore(&p->lock, f);
		__atomic_fetch_add(&p->failures, 1, __ATOMIC_RELAXED);
		mm_note_alloc_failure("pool", gfp, p->obj_size);
		return NULL;
	}
	u32 idx = p->stack[--p->nr_free];
	p->allocated[idx / 64] |= 1ULL << (idx % 64);
	spin_unlock_irqrestore(&p->lock, f);
	void *obj = obj_addr(p, idx);
	if (gfp & GFP_ZERO)
		memset(obj, 0, p->obj_size);
	return obj;
}

void mempool_free(struct mempool *p, void *obj)
{
	if (unlikely(!p || !obj))
		return;
	long idx = obj_index(p, obj);
	if (idx < 0) {
		pool_report(p, obj, "free of a pointer not allocated from this pool");
		return;
	}
	u64 bit = 1ULL << (idx % 64);
	irqflags_t f = spin_lock_irqsave(&p->lock);
	if (!(p->allocated[idx / 64] & bit)) {
		spin_unlock_irqrestore(&p->lock, f);
		pool_report(p, obj, "double free");
		return;
	}
	p->allocated[idx / 64] &= ~bit;
	p->stack[p->nr_free++] = (u32)idx;
	spin_unlock_irqrestore(&p->lock, f);
}

static s64 read_free(const struct metric *m)
{
	const struct mempool *p = m->ctx;
	return READ_ONCE(p->nr_free);
}

static s64 read_total(const struct metric *m)
{
	const struct mempool *p = m->ctx;
	return p->nr;
}

static void free_chunks(struct mempool *p, u32 n)
{
	for (u32 i = 0; i < n; i++)
		free_pages(p->chunks[i].page, p->chunk_order);
}

/* Chunks of 2^order pages for all objects; 0 or -ENOMEM (none kept). */
static int alloc_chunks(struct mempool *p, unsigned order)
{
	p->chunk_order = order;
	p->per_chunk = (u32)MIN((u64)((PAGE_SIZE << order) / p->stride), (u64)p->nr);
	p->nr_chunks = (p->nr + p->per_chunk - 1) / p->per_chunk;
	p->chunks = kzalloc(p->nr_chunks * sizeof(*p->chunks), GFP_KERNEL | GFP_NOWARN);
	p->by_addr = kzalloc(p->nr_chunks * sizeof(*p->by_addr), GFP_KERNEL | GFP_NOWARN);
	if (!p->chunks || !p->by_addr)
		goto fail;
	for (u32 i = 0; i < p->nr_chunks; i++) {
		struct page *pg = alloc_pages(GFP_KERNEL | GFP_NOWARN, order);
		if (!pg) {
			free_chunks(p, i);
			goto fail;
		}
		p->chunks[i] = (struct pool_chunk){ page_address(pg), pg, i * p->per_chunk };
		/* insertion into the address order */
		u32 k = i;
		while (k && p->by_addr[k - 1]->base > p->chunks[i].base) {
			p->by_addr[k] = p->by_addr[k - 1];
			k--;
		}
		p->by_addr[k] = &p->chunks[i];
	}
	return 0;
fail:
	kfree(p->chunks);
	kfree(p->by_addr);
	p->chunks = NULL;
	p->by_addr = NULL;
	return -ENOMEM;
}

static void pool_label(char *buf, size_t size, const char *name)
{
	size_t n = (size_t)snprintf(buf, size, "pool=\"");
	for (const char *c = name; *c && n + 4 < size; c++) {
		if (*c == '"' || *c == '\\')
			buf[n++] = '\\';
		buf[n++] = *c == '\n' ? ' ' : *c;
	}
	buf[n++] = '"';
	buf[n] = 0;
}

struct mempool *mempool_create(const char *name, size_t obj_size, u32 nr, u32 reserve)
{
	if (!name || !*name || !obj_size || !nr || reserve > nr || obj_size > (PAGE_SIZE << MAX_ORDER)) {
		pr_err("pool", "mempool_create(%s, %zu bytes, %u objects, reserve %u): invalid",
		       name ? name : "?", obj_size, nr, reserve);
		return NULL;
	}
	struct mempool *p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		goto nomem;
	strlcpy(p->name, name, sizeof(p->name));
	p->obj_size = obj_size;
	p->stride = ALIGN_UP(obj_size, obj_size >= 64 ? (size_t)64 : (size_t)8);
	p->nr = nr;
	p->reserve = reserve;
	spinlock_t init = SPINLOCK_INIT;
	p->lock = init;
	list_init(&p->list);
	p->stack = kmalloc((size_t)nr * sizeof(u32), GFP_KERNEL);
	p->allocated = kzalloc(((size_t)nr + 63) / 64 * sizeof(u64), GFP_KERNEL);
	if (!p->stack || !p->allocated)
		goto nomem;
	/* smallest order holding everything, capped; smaller if memory is fragmented */
	unsigned min_order = 0, order = 0;
	while ((PAGE_SIZE << min_order) < p->stride)
		min_order++;
	while (order < POOL_CHUNK_MAX_ORDER && (PAGE_SIZE << order) < p->stride * nr)
		order++;
	order = MAX(order, min_order);
	if (min_order > MAX_ORDER)
		goto nomem;
	while (alloc_chunks(p, order)) {
		if (order == min_order)
			goto nomem;
		order--;
	}
	/* lowest index on top: objects come out in address order at first */
	for (u32 i = 0; i < nr; i++)
		p->stack[i] = nr - 1 - i;
	p->nr_free = nr;

	irqflags_t f = spin_lock_irqsave(&pools_lock);
	struct list_head *pos;
	list_for_each(pos, &pools) {
		if (!strcmp(list_entry(pos, struct mempool, list)->name, p->name)) {
			spin_unlock_irqrestore(&pools_lock, f);
			pr_err("pool", "mempool_create: a pool named %s exists already", p->name);
			free_chunks(p, p->nr_chunks);
			kfree(p->chunks);
			kfree(p->by_addr);
			kfree(p->stack);
			kfree(p->allocated);
			kfree(p);
			return NULL;
		}
	}
	list_add_tail(&p->list, &pools);
	spin_unlock_irqrestore(&pools_lock, f);
	p->m_free.read = read_free;
	p->m_total.read = read_total;
	p->m_free.ctx = p->m_total.ctx = p;
	pool_label(p->m_free.labels, sizeof(p->m_free.labels), p->name);
	pool_label(p->m_total.labels, sizeof(p->m_total.labels), p->name);
	if (metric_register(&fam_free, &p->m_free) || metric_register(&fam_total, &p->m_total))
		pr_warn("pool", "%s: metrics not registered", p->name);
	return p;
nomem:
	mm_note_alloc_failure("pool", GFP_KERNEL, (u64)obj_size * nr);
	if (p) {
		kfree(p->stack);
		kfree(p->allocated);
		kfree(p);
	}
	return NULL;
}

int mempool_destroy(struct mempool *p)
{
	if (!p)
		return 0;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	u32 out = p->nr - p->nr_free;
	spin_unlock_irqrestore(&p->lock, f);
	if (out) {
		pool_report(p, NULL, "mempool_destroy refused: %u objects still allocated (pool kept)", out);
		return -EBUSY;
	}
	f = spin_lock_irqsave(&pools_lock);
	list_del(&p->list);
	spin_unlock_irqrestore(&pools_lock, f);
	metric_unregister(&p->m_free);
	metric_unregister(&p->m_total);
	free_chunks(p, p->nr_chunks);
	kfree(p->chunks);
	kfree(p->by_addr);
	kfree(p->stack);
	kfree(p->allocated);
	kfree(p);
	return 0;
}

void mempool_get_info(struct mempool *p, struct mempool_info *i)
{
	memset(i, 0, sizeof(*i));
	strlcpy(i->name, p->name, sizeof(i->name));
	i->obj_size = p->obj_size;
	i->total = p->nr;
	i->reserve = p->reserve;
	i->free = READ_ONCE(p->nr_free);
	i->failures = __atomic_load_n(&p->failures, __ATOMIC_RELAXED);
	i->errors = __atomic_load_n(&p->errors, __ATOMIC_RELAXED);
}

int mempool_info_at(size_t idx, struct mempool_info *info)
{
	int r = -ENOENT;
	size_t k = 0;
	irqflags_t f = spin_lock_irqsave(&pools_lock);
	struct list_head *pos;
	list_for_each(pos, &pools) {
		if (k++ == idx) {
			mempool_get_info(list_entry(pos, struct mempool, list), info);
			r = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&pools_lock, f);
	return r;
}

u64 mempool_errors_total(void)
{
	return __atomic_load_n(&pool_errors_total, __ATOMIC_RELAXED);
}

int mempool_verify(struct mempool *p, char *why, size_t wsize)
{
	int r = 0;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	u32 out = 0, i;
	for (i = 0; i < p->nr; i++)
		out += (p->allocated[i / 64] >> (i % 64)) & 1;
	if (p->nr_free > p->nr || out != p->nr - p->nr_free) {
		snprintf(why, wsize, "%s: %u objects marked allocated, %u free of %u", p->name, out,
			 p->nr_free, p->nr);
		r = -EINVAL;
		goto out;
	}
	/* each stacked index: in range, not allocated, not seen (bits set as we go) */
	for (i = 0; i < p->nr_free; i++) {
		u32 idx = p->stack[i];
		if (idx >= p->nr || (p->allocated[idx / 64] >> (idx % 64)) & 1) {
			snprintf(why, wsize, "%s: free stack slot %u holds object %u, which is %s", p->name, i, idx,
				 idx >= p->nr ? "out of range" : "allocated or already on the stack");
			r = -EINVAL;
			break;
		}
		p->allocated[idx / 64] |= 1ULL << (idx % 64);
	}
	for (u32 k = 0; k < i; k++)
		p->allocated[p->stack[k] / 64] &= ~(1ULL << (p->stack[k] % 64));
	for (u32 k = 0; !r && k < p->nr; k++) {
		if (obj_index(p, obj_addr(p, k)) != (long)k) {
			snprintf(why, wsize, "%s: object %u does not map back to itself", p->name, k);
			r = -EINVAL;
		}
	}
out:
	spin_unlock_irqrestore(&p->lock, f);
	return r;
}

void mempool_init(void)
{
	/* hosted tests initialise again: drop the metrics of old pools */
	irqflags_t f = spin_lock_irqsave(&pools_lock);
	struct list_head *pos;
	list_for_each(pos, &pools) {
		struct mempool *p = list_entry(pos, struct mempool, list);
		metric_unregister(&p->m_free);
		metric_unregister(&p->m_total);
	}
	list_init(&pools);
	pool_errors_total = 0;
	spin_unlock_irqrestore(&pools_lock, f);
}
