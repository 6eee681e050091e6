/* page_alloc.c — the machine's physical memory: one zone per NUMA node,
 * built at boot from the memory map, and the allocation policy on top of
 * the zone core (mm/buddy.c).
 *
 * Policy (after Linux's get_page_from_freelist): try the zones in node
 * order, local node first, against the low watermark; if none can give,
 * run the shrinkers (reclaim: empty slabs, this CPU's page caches) and try
 * again against the min watermark (GFP_ATOMIC: half of it). GFP_THISNODE
 * never falls back. A failure is counted in
 * rayos_alloc_failures_total{allocator="page"} and logged (rate-limited).
 *
 * Totals: rayos_mem_total_bytes is the RAM the firmware reported usable;
 * rayos_mem_free_bytes the pages free in the buddy lists and per-CPU caches.
 * The difference is the kernel image, boot modules, struct page arrays, page
 * tables and what is allocated.
 *
 * Locking: zones[] and nr_nodes are written once in mm_init. The shrinker
 * list is built at init. Failure-log state is atomic. */
#include <rayos/mm.h>
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/bootmem.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/numa.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/time.h>

struct zone *zones[MAX_NUMNODES];
int nr_nodes;
static u64 node_usable_bytes[MAX_NUMNODES];
static struct shrinker *shrinkers;

static struct metric_family fam_fail = { .name = "rayos_alloc_failures_total",
	.help = "Allocations that failed, by allocator.", .type = METRIC_COUNTER };
enum { FAIL_PAGE, FAIL_SLAB, FAIL_VMALLOC, FAIL_POOL, FAIL_NR };
static const char *const fail_names[FAIL_NR] = { "page", "slab", "vmalloc", "pool" };
static struct metric m_fail[FAIL_NR];

void shrinker_register(struct shrinker *s)
{
	s->next = shrinkers;
	shrinkers = s;
}

void mm_note_alloc_failure(const char *allocator, gfp_t gfp, u64 size)
{
	static u64 logged;
	int i;
	for (i = 0; i < FAIL_NR; i++)
		if (!strcmp(fail_names[i], allocator))
			break;
	if (i < FAIL_NR)
		metric_inc(&m_fail[i]);
	if (gfp & GFP_NOWARN)
		return;
	/* the first 20 failures, then every 1000th: a log, not a flood */
	u64 n = __atomic_add_fetch(&logged, 1, __ATOMIC_RELAXED);
	if (n <= 20 || n % 1000 == 0)
		pr_warn("mm", "%s allocation of %llu bytes failed (%s; failure #%llu)", allocator,
			(unsigned long long)size, gfp & GFP_ATOMIC ? "atomic" : "may sleep",
			(unsigned long long)n);
}

int cpu_to_node(u32 cpu)
{
	int n = numa_node_of_cpu(cpus[cpu].apic_id);
	return n >= 0 && n < nr_nodes ? n : 0;
}

static u64 run_shrinkers(void)
{
	u64 got = 0;
	for (struct shrinker *s = shrinkers; s; s = s->next)
		got += s->shrink();
	for (int n = 0; n < nr_nodes; n++)
		zone_drain_pcp(zones[n], this_cpu()->id);
	return got;
}


static struct page *try_zones(int node, gfp_t gfp, unsigned order, int pass)
{
	for (int i = 0; i < nr_nodes; i++) {
		int n = (node + i) % nr_nodes;
		if (i && (gfp & GFP_THISNODE))
			break;
		struct zone *z = zones[n];
		u64 mark = pass == 0 ? z->wmark_low : (gfp & GFP_ATOMIC) ? z->wmark_min / 2 : z->wmark_min;
		struct page *p = zone_alloc_wmark(z, order, mark);
		if (p)
			return p;
	}
	return NULL;
}

struct page *alloc_pages_node(int node, gfp_t gfp, unsigned order)
{
	if (order > MAX_ORDER || !nr_nodes) {
		mm_note_alloc_failure("page", gfp, (u64)PAGE_SIZE << MIN(order, 63u));
		return NULL;
	}
	if (node < 0 || node >= nr_nodes)
		node = cpu_to_node(this_cpu()->id);
	struct page *p = try_zones(node, gfp, order, 0);
	if (!p) {
		if (!(gfp & GFP_ATOMIC))
			run_shrinkers();
		p = try_zones(node, gfp, order, 1);
	}
	if (!p) {
		__atomic_fetch_add(&zones[node]->alloc_fail, 1, __ATOMIC_RELAXED);
		mm_note_alloc_failure("page", gfp, (u64)PAGE_SIZE << order);
		return NULL;
	}
	if (gfp & GFP_ZERO)
		memset(page_address(p), 0, PAGE_SIZE << order);
	return p;
}

struct page *alloc_pages(gfp_t gfp, unsigned order)
{
	return alloc_pages_node(-1, gfp, order);
}

struct zone *page_zone(const struct page *p)
{
	for (int n = 0; n < nr_nodes; n++) {
		struct zone *z = zones[n];
		if (p >= z->map && p < z->map + z->spanned_pages)
			return z;
	}
	return NULL;
}

void free_pages(struct page *p, unsigned order)
{
	struct zone *z = p ? page_zone(p) : NULL;
	if (!z) {
		pr_err("mm", "free_pages: %p is not a page of any zone", (void *)p);
		return;
	}
	zone_free(z, p, order);
}

struct page *pfn_to_page(u64 pfn)
{
	for (int n = 0; n < nr_nodes; n++) {
		struct page *p = zone_pfn_to_page(zones[n], pfn);
		if (p)
			return p;
	}
	return NULL;
}

u64 page_to_pfn(const struct page *p)
{
	struct zone *z = page_zone(p);
	return z ? zone_page_to_pfn(z, p) : 0;
}

void *page_address(const struct page *p)
{
	return arch_phys_to_virt(page_to_pfn(p) << PAGE_SHIFT);
}

struct page *virt_to_page(const void *addr)
{
	return pfn_to_page(arch_virt_to_phys(addr) >> PAGE_SHIFT);
}

void *get_free_pages(gfp_t gfp, unsigned order)
{
	struct page *p = alloc_pages(gfp, order);
	return p ? page_address(p) : NULL;
}

void free_pages_addr(void *addr, unsigned order)
{
	struct page *p = virt_to_page(addr);
	if (!p) {
		pr_err("mm", "free_pages_addr: %p is not in the direct map", addr);
		return;
	}
	free_pages(p, order);
}

void mm_stats(struct mem_stats *s)
{
	s->total_bytes = s->free_bytes = 0;
	for (int n = 0; n < nr_nodes; n++) {
		s->total_bytes += node_usable_bytes[n];
		s->free_bytes += zone_free_total(zones[n]) * PAGE_SIZE;
	}
}

/* ---- metrics ---- */

static s64 read_total(const struct metric *m)
{
	(void)m;
	struct mem_stats s;
	mm_stats(&s);
	return (s64)s.total_bytes;
}

static s64 read_free(const struct metric *m)
{
	(void)m;
	struct mem_stats s;
	mm_stats(&s);
	return (s64)s.free_bytes;
}

static s64 read_node_total(const struct metric *m)
{
	return (s64)node_usable_bytes[(uintptr_t)m->ctx];
}

static s64 read_node_free(const struct metric *m)
{
	return (s64)(zone_free_total(zones[(uintptr_t)m->ctx]) * PAGE_SIZE);
}

static s64 read_free_order(const struct metric *m)
{
	uintptr_t v = (uintptr_t)m->ctx;
	return (s64)READ_ONCE(zones[v >> 8]->nr_free[v & 0xff]);
}

static s64 read_frag(const struct metric *m)
{
	uintptr_t v = (uintptr_t)m->ctx;
	return zone_frag_index(zones[v >> 8], v & 0xff);
}

static struct metric_family fam_total = { .name = "rayos_mem_total_bytes",
	.help = "RAM the firmware reported usable.", .type = METRIC_GAUGE };
static struct metric_family fam_free = { .name = "rayos_mem_free_bytes",
	.help = "Free RAM: buddy free lists plus per-CPU page caches.", .type = METRIC_GAUGE };
static struct metric_family fam_ntotal = { .name = "rayos_mem_node_total_bytes",
	.help = "Usable RAM per NUMA node.", .type = METRIC_GAUGE };
static struct metric_family fam_nfree = { .name = "rayos_mem_node_free_bytes",
	.help = "Free RAM per NUMA node.", .type = METRIC_GAUGE };
static struct metric_family fam_order = { .name = "rayos_mem_free_pages",
	.help = "Free blocks in the buddy lists per node and order (a block of order k is 2^k pages).",
	.type = METRIC_GAUGE };
static struct metric_family fam_frag = { .name = "rayos_mem_fragmentation_index",
	.help = "Linux extfrag index per node and order: -1 = an allocation would succeed; 0..1 = failure due to lack of memory (0) or fragmentation (1).",
	.type = METRIC_GAUGE };
static struct metric m_total = { .read = read_total };
static struct metric m_free = { .read = read_free };
static struct metric m_ntotal[MAX_NUMNODES], m_nfree[MAX_NUMNODES];
static struct metric m_order[MAX_NUMNODES][NR_ORDERS], m_frag[MAX_NUMNODES][NR_ORDERS];

static void register_metrics(void)
{
	metric_register(&fam_total, &m_total);
	metric_register(&fam_free, &m_free);
	for (int i = 0; i < FAIL_NR; i++) {
		snprintf(m_fail[i].labels, sizeof(m_fail[i].labels), "allocator=\"%s\"", fail_names[i]);
		metric_register(&fam_fail, &m_fail[i]);
	}
	for (int n = 0; n < nr_nodes; n++) {
		m_ntotal[n].read = read_node_total;
		m_nfree[n].read = read_node_free;
		m_ntotal[n].ctx = m_nfree[n].ctx = (void *)(uintptr_t)n;
		snprintf(m_ntotal[n].labels, sizeof(m_ntotal[n].labels), "node=\"%d\"", n);
		snprintf(m_nfree[n].labels, sizeof(m_nfree[n].labels), "node=\"%d\"", n);
		metric_register(&fam_ntotal, &m_ntotal[n]);
		metric_register(&fam_nfree, &m_nfree[n]);
		for (unsigned o = 0; o < NR_ORDERS; o++) {
			struct metric *a = &m_order[n][o], *b = &m_frag[n][o];
			a->read = read_free_order;
			b->read = read_frag;
			b->scale = 1000;
			a->ctx = b->ctx = (void *)(uintptr_t)((n << 8) | o);
			snprintf(a->labels, sizeof(a->labels), "node=\"%d\",order=\"%u\"", n, o);
			snprintf(b->labels, sizeof(b->labels), "node=\"%d\",order=\"%u\"", n, o);
			metric_register(&fam_order, a);
			metric_register(&fam_frag, b);
		}
	}
}

/* ---- boot ---- */

struct node_span {
	u64 start, end; /* pfns */
};

/* Node of a physical range from NUMA affinity; node 0 without NUMA. */
static int node_of(u64 base)
{
	int n = numa_node_of_addr(base);
	return n >= 0 && n < nr_nodes ? n : 0;
}

struct handoff_ctx {
	struct node_span span[MAX_NUMNODES];
	int pass; /* 0: measure spans, 1: free */
};

/* Called for each piece of free RAM (split at NUMA boundaries). */
static void handoff_range(u64 base, u64 len, void *vctx)
{
	struct handoff_ctx *c = vctx;
	u64 pfn = ALIGN_UP(base, PAGE_SIZE) >> PAGE_SHIFT;
	u64 end = ALIGN_DOWN(base + len, PAGE_SIZE) >> PAGE_SHIFT;
	while (pfn < end) {
		int n = node_of(pfn << PAGE_SHIFT);
		u64 stop = end;
		u64 boundary = numa_range_end(pfn << PAGE_SHIFT) >> PAGE_SHIFT;
		if (boundary > pfn && boundary < stop)
			stop = boundary;
		if (c->pass == 0) {
			struct node_span *s = &c->span[n];
			if (s->end == 0 || pfn < s->start)
				s->start = pfn;
			if (stop > s->end)
				s->end = stop;
		} else {
			zone_add_free_range(zones[n], pfn, stop - pfn);
		}
		pfn = stop;
	}
}

void mm_init(void)
{
	static struct handoff_ctx ctx;
	nr_nodes = numa_nr_nodes();
	if (nr_nodes < 1 || nr_nodes > MAX_NUMNODES)
		nr_nodes = 1;

	/* usable RAM per node, from the memory map */
	for (u32 i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_USABLE)
			continue;
		u64 p = r->base, end = r->base + r->length;
		while (p < end) {
			u64 stop = MIN(end, numa_range_end(p));
			if (stop <= p)
				stop = end;
			node_usable_bytes[node_of(p)] += stop - p;
			p = stop;
		}
	}

	/* spans of the RAM that will be free, per node; then the maps */
	ctx.pass = 0;
	bootmem_for_each_free(handoff_range, &ctx, false);
	int present = 0;
	for (int n = 0; n < nr_nodes; n++) {
		struct node_span *s = &ctx.span[n];
		if (s->end <= s->start)
			s->start = s->end = 0;
		u64 spanned = s->end - s->start;
		size_t zbytes = ALIGN_UP(sizeof(struct zone), PAGE_SIZE);
		size_t mbytes = ALIGN_UP(MAX(spanned, 1ULL) * sizeof(struct page), PAGE_SIZE);
		/* not zeroed: zone_init writes the zone and every struct page */
		u64 zphys = bootmem_alloc_contig_raw((zbytes + mbytes) / PAGE_SIZE);
		if (!zphys) {
			pr_crit("mm", "no memory for node %d's page map (%llu KiB)", n,
				(unsigned long long)(mbytes >> 10));
			continue;
		}
		zones[n] = arch_phys_to_virt(zphys);
		zone_init(zones[n], n, s->start, MAX(spanned, 1ULL),
			  (struct page *)((char *)zones[n] + zbytes));
		present++;
	}
	if (present != nr_nodes) {
		/* a node without its map cannot be used; keep the ones we have */
		int k = 0;
		for (int n = 0; n < nr_nodes; n++)
			if (zones[n])
				zones[k++] = zones[n];
		nr_nodes = k;
	}

	/* close the early allocator and give everything else to the zones */
	ctx.pass = 1;
	bootmem_for_each_free(handoff_range, &ctx, true);
	for (int n = 0; n < nr_nodes; n++) {
		zone_set_watermarks(zones[n]);
		pr_info("mm", "node %d: %llu MiB usable, %llu pages managed, pfn %#llx-%#llx, "
			"watermarks min %llu low %llu high %llu pages",
			n, (unsigned long long)(node_usable_bytes[n] >> 20),
			(unsigned long long)zones[n]->managed_pages,
			(unsigned long long)zones[n]->start_pfn,
			(unsigned long long)(zones[n]->start_pfn + zones[n]->spanned_pages),
			(unsigned long long)zones[n]->wmark_min, (unsigned long long)zones[n]->wmark_low,
			(unsigned long long)zones[n]->wmark_high);
	}
	register_metrics();
}
