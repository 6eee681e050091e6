/* buddy.c — one zone's binary buddy allocator with per-CPU page caches.
 *
 * Algorithm: Knuth's binary buddy system (TAOCP vol. 1, 2.5), as in Linux's
 * mm/page_alloc.c. A free block of 2^k pages starts at a pfn aligned to 2^k;
 * its buddy is pfn ^ 2^k. Allocation takes the smallest free block of at
 * least the wanted order and splits it, returning the upper halves to the
 * free lists; freeing merges with the buddy while the buddy is a free block
 * of the same order inside the zone.
 *
 * Per-CPU caches (struct per_cpu_pages) hold order-0 pages in front of the
 * buddy lists. A refill or a drain moves `batch` pages under the zone lock;
 * the cache is resized from its own miss rate over windows of 256
 * operations: above 1/8 misses the batch doubles (up to 64), below 1/64 it
 * halves (down to 2); high = 4 * batch.
 *
 * Invariants (checked by zone_check, after every operation in the hosted
 * tests): every free block is on the list of its order, aligned, inside the
 * zone, and its pages other than the head carry no flags; no free block's
 * buddy is a free block of the same order (coalescing is complete);
 * nr_free[] and free_pages match the lists; every PG_pcp page is on its
 * CPU's list and the counts match; managed_pages = buddy free + per-CPU
 * cached + allocated pages.
 *
 * Locking: z->lock (IRQ-safe) protects the free lists and counters. A CPU's
 * per_cpu_pages is touched only by that CPU with interrupts off. Lock order:
 * callers' locks (slab) -> z->lock. Portable: compiled unchanged into the
 * hosted tests. */
#include <rayos/mm.h>
#include <rayos/log.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/trace.h>

#define PCP_BATCH_MIN 2
#define PCP_BATCH_MAX 64
#define PCP_WINDOW 256

static void set_free_block(struct zone *z, struct page *p, unsigned order)
{
	p->flags = PG_buddy;
	p->order = (u8)order;
	list_add(&p->lru, &z->free_area[order]);
	z->nr_free[order]++;
	z->free_pages += 1ULL << order;
}

static void take_free_block(struct zone *z, struct page *p, unsigned order)
{
	list_del(&p->lru);
	p->flags = 0;
	p->order = 0;
	z->nr_free[order]--;
	z->free_pages -= 1ULL << order;
}

/* Put [pfn, pfn + 2^order) back, merging with free buddies. */
static void buddy_free_locked(struct zone *z, u64 pfn, unsigned order)
{
	while (order < MAX_ORDER) {
		u64 bpfn = pfn ^ (1ULL << order);
		struct page *b = zone_pfn_to_page(z, bpfn);
		if (!b || !(b->flags & PG_buddy) || b->order != order)
			break;
		take_free_block(z, b, order);
		pfn &= ~(1ULL << order);
		order++;
	}
	set_free_block(z, zone_pfn_to_page(z, pfn), order);
}

static struct page *buddy_alloc_locked(struct zone *z, unsigned order)
{
	for (unsigned o = order; o <= MAX_ORDER; o++) {
		if (list_empty(&z->free_area[o]))
			continue;
		struct page *p = list_first_entry(&z->free_area[o], struct page, lru);
		take_free_block(z, p, o);
		while (o > order) {
			o--;
			set_free_block(z, p + (1ULL << o), o);
		}
		return p;
	}
	return NULL;
}

static bool watermark_ok(struct zone *z, unsigned order, u64 mark)
{
	u64 need = 1ULL << order;
	return z->free_pages >= need && z->free_pages - need >= mark;
}

int zone_init(struct zone *z, int node, u64 start_pfn, u64 spanned, struct page *map)
{
	if (!z || !map || !spanned)
		return -EINVAL;
	memset(z, 0, sizeof(*z));
	spinlock_t init = SPINLOCK_INIT;
	z->lock = init;
	z->node = node;
	z->start_pfn = start_pfn;
	z->spanned_pages = spanned;
	z->map = map;
	for (unsigned o = 0; o < NR_ORDERS; o++)
		list_init(&z->free_area[o]);
	for (u64 i = 0; i < spanned; i++) {
		/* every field: the map may come uninitialised (bootmem raw) */
		map[i] = (struct page){ .flags = PG_reserved, .node = (u8)node };
		list_init(&map[i].lru);
	}
	for (u32 c = 0; c < MAX_CPUS; c++) {
		list_init(&z->pcp[c].list);
		z->pcp[c].batch = 8;
		z->pcp[c].high = 32;
	}
	return 0;
}

void zone_add_free_range(struct zone *z, u64 pfn, u64 n)
{
	irqflags_t f = spin_lock_irqsave(&z->lock);
	u64 end = pfn + n;
	if (pfn < z->start_pfn)
		pfn = z->start_pfn;
	if (end > z->start_pfn + z->spanned_pages)
		end = z->start_pfn + z->spanned_pages;
	while (pfn < end) {
		unsigned o = MAX_ORDER;
		while (o && ((pfn & ((1ULL << o) - 1)) || pfn + (1ULL << o) > end))
			o--;
		bool all_reserved = true;
		for (u64 i = 0; i < (1ULL << o); i++)
			if (!(zone_pfn_to_page(z, pfn + i)->flags & PG_reserved))
				all_reserved = false;
		if (all_reserved) {
			for (u64 i = 0; i < (1ULL << o); i++)
				zone_pfn_to_page(z, pfn + i)->flags = 0;
			z->managed_pages += 1ULL << o;
			buddy_free_locked(z, pfn, o);
		} else {
			/* already managed: fall back to single pages */
			o = 0;
			struct page *p = zone_pfn_to_page(z, pfn);
			if (p->flags & PG_reserved) {
				p->flags = 0;
				z->managed_pages++;
				buddy_free_locked(z, pfn, 0);
			}
		}
		pfn += 1ULL << o;
	}
	spin_unlock_irqrestore(&z->lock, f);
}

static u64 isqrt(u64 n)
{
	if (n < 2)
		return n;
	u64 x = n, y = (x + 1) / 2; /* Newton's method, decreasing to floor(sqrt) */
	while (y < x) {
		x = y;
		y = (x + n / x) / 2;
	}
	return x;
}

/* Linux's default: min_free_kbytes = sqrt(16 * managed KiB), clamped to
 * [128 KiB, 64 MiB]; low = min * 5/4, high = min * 3/2. */
void zone_set_watermarks(struct zone *z)
{
	u64 r = isqrt(z->managed_pages * (PAGE_SIZE / 1024) * 16);
	u64 min_kib = r < 128 ? 128 : r > 65536 ? 65536 : r;
	u64 min = min_kib / (PAGE_SIZE / 1024);
	if (min > z->managed_pages / 8)
		min = z->managed_pages / 8;
	z->wmark_min = min;
	z->wmark_low = min + min / 4;
	z->wmark_high = min + min / 2;
}

static void pcp_account(struct per_cpu_pages *pcp, bool hit)
{
	if (hit) {
		pcp->hits++;
	} else {
		pcp->misses++;
		pcp->window_miss++;
	}
	if (++pcp->window < PCP_WINDOW)
		return;
	if (pcp->window_miss * 8 > pcp->window && pcp->batch < PCP_BATCH_MAX)
		pcp->batch *= 2;
	else if (pcp->window_miss * 64 < pcp->window && pcp->batch > PCP_BATCH_MIN)
		pcp->batch /= 2;
	pcp->high = pcp->batch * 4;
	pcp->window = pcp->window_miss = 0;
}

/* Move up to n pages from the per-CPU list back to the buddy lists. */
static void pcp_drain(struct zone *z, struct per_cpu_pages *pcp, u32 n)
{
	spin_lock(&z->lock);
	while (n-- && !list_empty(&pcp->list)) {
		struct page *p = list_entry(pcp->list.prev, struct page, lru);
		list_del(&p->lru);
		pcp->count--;
		p->flags = 0;
		buddy_free_locked(z, zone_page_to_pfn(z, p), 0);
	}
	spin_unlock(&z->lock);
}

void zone_drain_pcp(struct zone *z, u32 cpu)
{
	irqflags_t f = arch_irq_save();
	pcp_drain(z, &z->pcp[cpu], ~0u);
	arch_irq_restore(f);
}

static struct page *alloc_order0(struct zone *z, u64 mark)
{
	irqflags_t f = arch_irq_save();
	struct per_cpu_pages *pcp = &z->pcp[this_cpu()->id];
	bool hit = !list_empty(&pcp->list);
	pcp_account(pcp, hit);
	if (!hit) {
		spin_lock(&z->lock);
		for (u32 i = 0; i < pcp->batch && watermark_ok(z, 0, mark); i++) {
			struct page *p = buddy_alloc_locked(z, 0);
			if (!p)
				break;
			p->flags = PG_pcp;
			list_add_tail(&p->lru, &pcp->list);
			pcp->count++;
		}
		spin_unlock(&z->lock);
	}
	struct page *p = NULL;
	if (!list_empty(&pcp->list)) {
		p = list_first_entry(&pcp->list, struct page, lru);
		list_del(&p->lru);
		pcp->count--;
		p->flags = PG_head;
		p->order = 0;
	}
	arch_irq_restore(f);
	return p;
}

struct page *zone_alloc_wmark(struct zone *z, unsigned order, u64 mark)
{
	struct page *p = NULL;
	if (order > MAX_ORDER)
		return NULL;
	if (order == 0) {
		p = alloc_order0(z, mark);
	} else {
		irqflags_t f = spin_lock_irqsave(&z->lock);
		if (watermark_ok(z, order, mark))
			p = buddy_alloc_locked(z, order);
		if (p) {
			p->flags = PG_head;
			p->order = (u8)order;
		}
		spin_unlock_irqrestore(&z->lock, f);
	}
	if (p) {
		__atomic_fetch_add(&z->alloc_ok, 1, __ATOMIC_RELAXED);
		trace_page_alloc(zone_page_to_pfn(z, p), order, z->node);
	}
	return p;
}

struct page *zone_alloc(struct zone *z, unsigned order, gfp_t gfp)
{
	u64 mark = (gfp & GFP_ATOMIC) ? z->wmark_min / 2 : z->wmark_min;
	return zone_alloc_wmark(z, order, mark);
}

int zone_free(struct zone *z, struct page *p, unsigned order)
{
	const char *why = NULL;
	if (!p || p < z->map || p >= z->map + z->spanned_pages)
		why = "page outside the zone";
	else if (p->flags & (PG_buddy | PG_pcp))
		why = "double free";
	else if (p->flags & (PG_slab | PG_large))
		why = "page still owned by the heap";
	else if (!(p->flags & PG_head))
		why = "free of a page that was never allocated";
	else if (p->order != order)
		why = "free with the wrong order";
	if (why) {
		__atomic_fetch_add(&z->bad_free, 1, __ATOMIC_RELAXED);
		pr_err("mm", "bad page free: %s (pfn %#llx, order %u, node %d)", why,
		       p && p >= z->map && p < z->map + z->spanned_pages ?
			       (unsigned long long)zone_page_to_pfn(z, p) : 0ULL,
		       order, z->node);
		return -EINVAL;
	}
	trace_page_free(zone_page_to_pfn(z, p), order, z->node);
	if (order == 0) {
		irqflags_t f = arch_irq_save();
		struct per_cpu_pages *pcp = &z->pcp[this_cpu()->id];
		p->flags = PG_pcp;
		list_add(&p->lru, &pcp->list);
		pcp->count++;
		bool over = pcp->count > pcp->high;
		pcp_account(pcp, !over);
		if (over)
			pcp_drain(z, pcp, pcp->count - pcp->high + pcp->batch / 2);
		arch_irq_restore(f);
		return 0;
	}
	irqflags_t f = spin_lock_irqsave(&z->lock);
	p->flags = 0;
	buddy_free_locked(z, zone_page_to_pfn(z, p), order);
	spin_unlock_irqrestore(&z->lock, f);
	return 0;
}

u64 zone_pcp_total(struct zone *z)
{
	u64 n = 0;
	for (u32 c = 0; c < MAX_CPUS; c++)
		n += READ_ONCE(z->pcp[c].count);
	return n;
}

u64 zone_free_total(struct zone *z)
{
	return READ_ONCE(z->free_pages) + zone_pcp_total(z);
}

int zone_frag_index(struct zone *z, unsigned order)
{
	u64 blocks = 0, suitable = 0, pages = 0;
	irqflags_t f = spin_lock_irqsave(&z->lock);
	for (unsigned o = 0; o < NR_ORDERS; o++) {
		blocks += z->nr_free[o];
		pages += z->nr_free[o] << o;
		if (o >= order)
			suitable += z->nr_free[o] << (o - order);
	}
	spin_unlock_irqrestore(&z->lock, f);
	if (!blocks)
		return 0;
	if (suitable)
		return -1000;
	return (int)(1000 - (1000 + pages * 1000 / (1ULL << order)) / blocks);
}

#define CHECK(cond, ...) do { if (!(cond)) { snprintf(why, size, __VA_ARGS__); goto bad; } } while (0)

int zone_check(struct zone *z, char *why, size_t size)
{
	irqflags_t f = spin_lock_irqsave(&z->lock);
	u64 listed = 0, pcp_listed = 0, allocated = 0, buddy_heads = 0, pcp_pages = 0;
	for (unsigned o = 0; o < NR_ORDERS; o++) {
		u64 n = 0;
		struct list_head *pos;
		list_for_each(pos, &z->free_area[o]) {
			struct page *p = list_entry(pos, struct page, lru);
			CHECK(p >= z->map && p < z->map + z->spanned_pages, "order %u: entry outside the map", o);
			u64 pfn = zone_page_to_pfn(z, p);
			CHECK(p->flags == PG_buddy && p->order == o,
			      "pfn %#llx on order-%u list has flags %#x order %u",
			      (unsigned long long)pfn, o, p->flags, p->order);
			CHECK(!(pfn & ((1ULL << o) - 1)), "pfn %#llx misaligned for order %u",
			      (unsigned long long)pfn, o);
			CHECK(pfn + (1ULL << o) <= z->start_pfn + z->spanned_pages,
			      "block at %#llx runs past the zone", (unsigned long long)pfn);
			for (u64 i = 1; i < (1ULL << o); i++)
				CHECK(p[i].flags == 0, "pfn %#llx inside free block %#llx has flags %#x (overlap)",
				      (unsigned long long)(pfn + i), (unsigned long long)pfn, p[i].flags);
			if (o < MAX_ORDER) {
				struct page *b = zone_pfn_to_page(z, pfn ^ (1ULL << o));
				CHECK(!b || !(b->flags & PG_buddy) || b->order != o,
				      "blocks %#llx and its buddy are both free at order %u (not coalesced)",
				      (unsigned long long)pfn, o);
			}
			n++;
			listed += 1ULL << o;
		}
		CHECK(n == z->nr_free[o], "order %u: %llu blocks listed, nr_free says %llu", o,
		      (unsigned long long)n, (unsigned long long)z->nr_free[o]);
	}
	CHECK(listed == z->free_pages, "free lists hold %llu pages, free_pages says %llu",
	      (unsigned long long)listed, (unsigned long long)z->free_pages);
	for (u32 c = 0; c < MAX_CPUS; c++) {
		u64 n = 0;
		struct list_head *pos;
		list_for_each(pos, &z->pcp[c].list) {
			struct page *p = list_entry(pos, struct page, lru);
			CHECK(p >= z->map && p < z->map + z->spanned_pages && p->flags == PG_pcp,
			      "cpu %u cache holds a page with flags %#x", c, p->flags);
			n++;
		}
		CHECK(n == z->pcp[c].count, "cpu %u cache: %llu listed, count %u", c,
		      (unsigned long long)n, z->pcp[c].count);
		pcp_listed += n;
	}
	for (u64 i = 0; i < z->spanned_pages; i++) {
		struct page *p = &z->map[i];
		if (p->flags & PG_buddy)
			buddy_heads++;
		if (p->flags & PG_pcp)
			pcp_pages++;
		if (p->flags & PG_head) {
			CHECK(!(p->flags & (PG_buddy | PG_pcp | PG_reserved)), "allocated pfn %#llx has flags %#x",
			      (unsigned long long)(z->start_pfn + i), p->flags);
			CHECK(i + (1ULL << p->order) <= z->spanned_pages, "allocation at %#llx runs past the zone",
			      (unsigned long long)(z->start_pfn + i));
			for (u64 k = 1; k < (1ULL << p->order); k++)
				CHECK(!(p[k].flags & (PG_buddy | PG_pcp | PG_head | PG_reserved)), "pfn %#llx inside allocation %#llx has flags %#x (overlap)",
				      (unsigned long long)(z->start_pfn + i + k),
				      (unsigned long long)(z->start_pfn + i), p[k].flags);
			allocated += 1ULL << p->order;
		}
	}
	u64 heads = 0;
	for (unsigned o = 0; o < NR_ORDERS; o++)
		heads += z->nr_free[o];
	CHECK(buddy_heads == heads, "%llu pages marked free-block heads, %llu on lists",
	      (unsigned long long)buddy_heads, (unsigned long long)heads);
	CHECK(pcp_pages == pcp_listed, "%llu pages marked per-CPU, %llu on lists",
	      (unsigned long long)pcp_pages, (unsigned long long)pcp_listed);
	CHECK(z->managed_pages == listed + pcp_listed + allocated,
	      "managed %llu != free %llu + cached %llu + allocated %llu",
	      (unsigned long long)z->managed_pages, (unsigned long long)listed,
	      (unsigned long long)pcp_listed, (unsigned long long)allocated);
	spin_unlock_irqrestore(&z->lock, f);
	return 0;
bad:
	spin_unlock_irqrestore(&z->lock, f);
	return -EINVAL;
}
