/* vmalloc.c — kernel virtual areas backed by individually allocated pages,
 * each with an unmapped guard page below and above, so running off either
 * end (a kernel stack overflowing, a buffer overrun) faults at once and the
 * fault report can say which area it was (vm_explain_fault).
 *
 * Areas are kept in a list sorted by address; allocation is first fit over
 * the gaps of [vmalloc start, end). Descriptors come from a static table
 * (vmalloc must work before and without the slab allocator). The virtual
 * range is reserved under vmalloc_lock, then pages are allocated and mapped
 * without the lock; the area is visible to vmalloc_areas() only when ready.
 *
 * Freeing unmaps first (arch_vm_unmap flushes every CPU's TLB) and only
 * then returns the pages, and releases the virtual range last: an address
 * is handed out again only when no CPU still translates it to an old page.
 *
 * Locking: vmalloc_lock (IRQ-safe) protects the list and descriptors; it is
 * never held while allocating pages. */
#include <rayos/mm.h>
#include <rayos/vm.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/string.h>

#define MAX_AREAS 512

struct vm_area {
	u64 start, size;     /* mapped part; guard pages at start-4K and start+size */
	const char *tag;
	bool used, ready;
	struct list_head node;
};

static spinlock_t vmalloc_lock = SPINLOCK_INIT;
/* vmalloc_lock protects: */
static struct vm_area areas[MAX_AREAS];
static struct list_head area_list = LIST_HEAD_INIT(area_list);
static u64 mapped_bytes;

static s64 read_bytes(const struct metric *m) { (void)m; return (s64)READ_ONCE(mapped_bytes); }
static s64 read_areas(const struct metric *m)
{
	(void)m;
	return (s64)vmalloc_areas(NULL, 0);
}
static struct metric_family fam_bytes = { .name = "rayos_vmalloc_bytes",
	.help = "Bytes mapped in vmalloc areas.", .type = METRIC_GAUGE };
static struct metric_family fam_areas = { .name = "rayos_vmalloc_areas",
	.help = "vmalloc areas in use.", .type = METRIC_GAUGE };
static struct metric m_bytes = { .read = read_bytes };
static struct metric m_areas = { .read = read_areas };
static bool metrics_done;

/* Reserve size bytes plus guards; returns the descriptor or NULL. */
static struct vm_area *reserve(u64 size, const char *tag)
{
	u64 lo, hi;
	arch_vmalloc_range(&lo, &hi);
	u64 need = size + 2 * PAGE_SIZE;
	irqflags_t f = spin_lock_irqsave(&vmalloc_lock);
	struct vm_area *a = NULL;
	for (int i = 0; i < MAX_AREAS; i++)
		if (!areas[i].used) {
			a = &areas[i];
			break;
		}
	if (!a)
		goto out;
	u64 cursor = lo;
	struct list_head *pos, *before = &area_list;
	list_for_each(pos, &area_list) {
		struct vm_area *v = list_entry(pos, struct vm_area, node);
		if (v->start - PAGE_SIZE - cursor >= need)
			break;
		cursor = v->start + v->size + PAGE_SIZE;
		before = pos;
	}
	if (cursor + need > hi || cursor + need < cursor) {
		a = NULL;
		goto out;
	}
	a->start = cursor + PAGE_SIZE;
	a->size = size;
	a->tag = tag;
	a->used = true;
	a->ready = false;
	list_add(&a->node, before);
out:
	spin_unlock_irqrestore(&vmalloc_lock, f);
	return a;
}

static void release(struct vm_area *a)
{
	irqflags_t f = spin_lock_irqsave(&vmalloc_lock);
	list_del(&a->node);
	a->used = a->ready = false;
	spin_unlock_irqrestore(&vmalloc_lock, f);
}

/* Unmap and free the pages of [start, start+len): a batch at a time, each
 * page freed only after arch_vm_unmap has flushed it from every CPU's TLB,
 * so no CPU can reach a page through this area once it has a new owner. */
#define UNMAP_BATCH 32
static void unmap_free(u64 start, u64 len)
{
	for (u64 base = 0; base < len; base += UNMAP_BATCH * PAGE_SIZE) {
		u64 chunk = len - base < UNMAP_BATCH * PAGE_SIZE ? len - base : UNMAP_BATCH * PAGE_SIZE;
		struct page *batch[UNMAP_BATCH];
		u32 n = 0;
		for (u64 off = 0; off < chunk; off += PAGE_SIZE) {
			u64 pa;
			if (arch_vm_query(start + base + off, &pa, NULL, NULL))
				continue;
			struct page *p = pfn_to_page(pa >> PAGE_SHIFT);
			if (p)
				batch[n++] = p;
		}
		arch_vm_unmap(start + base, chunk);
		for (u32 i = 0; i < n; i++)
			free_pages(batch[i], 0);
	}
}

void *vmalloc_tagged(size_t size, const char *tag)
{
	if (!metrics_done) {
		metrics_done = true;
		metric_register(&fam_bytes, &m_bytes);
		metric_register(&fam_areas, &m_areas);
	}
	if (!size || size > (1ULL << 40)) {
		mm_note_alloc_failure("vmalloc", GFP_KERNEL, size);
		return NULL;
	}
	u64 len = ALIGN_UP((u64)size, PAGE_SIZE);
	struct vm_area *a = reserve(len, tag ? tag : "vmalloc");
	if (!a) {
		mm_note_alloc_failure("vmalloc", GFP_KERNEL, size);
		return NULL;
	}
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		struct page *p = alloc_page(GFP_KERNEL | GFP_ZERO | GFP_NOWARN);
		int r = p ? arch_vm_map(a->start + off, page_to_pfn(p) << PAGE_SHIFT, PAGE_SIZE,
					VM_READ | VM_WRITE) : -ENOMEM;
		if (r) {
			if (p)
				free_pages(p, 0);
			unmap_free(a->start, off);
			release(a);
			mm_note_alloc_failure("vmalloc", GFP_KERNEL, size);
			return NULL;
		}
	}
	__atomic_fetch_add(&mapped_bytes, len, __ATOMIC_RELAXED);
	a->ready = true;
	return (void *)a->start;
}

void *vmalloc(size_t size)
{
	return vmalloc_tagged(size, "vmalloc");
}

void vfree(void *addr)
{
	if (!addr)
		return;
	struct vm_area *a = NULL;
	irqflags_t f = spin_lock_irqsave(&vmalloc_lock);
	struct list_head *pos;
	list_for_each(pos, &area_list) {
		struct vm_area *v = list_entry(pos, struct vm_area, node);
		if (v->start == (u64)addr && v->ready) {
			a = v;
			a->ready = false; /* a second vfree now finds nothing */
			break;
		}
	}
	spin_unlock_irqrestore(&vmalloc_lock, f);
	if (!a) {
		pr_err("mm", "vfree(%p): not the start of a vmalloc area (double free?)", addr);
		return;
	}
	unmap_free(a->start, a->size);
	__atomic_fetch_sub(&mapped_bytes, a->size, __ATOMIC_RELAXED);
	release(a);
}

size_t vmalloc_areas(struct vmalloc_info *out, size_t max)
{
	size_t n = 0;
	irqflags_t f = spin_lock_irqsave(&vmalloc_lock);
	struct list_head *pos;
	list_for_each(pos, &area_list) {
		struct vm_area *v = list_entry(pos, struct vm_area, node);
		if (!v->ready)
			continue;
		if (n < max && out)
			out[n] = (struct vmalloc_info){ v->start, v->size, v->tag };
		n++;
	}
	spin_unlock_irqrestore(&vmalloc_lock, f);
	return n;
}

const char *vm_explain_fault(u64 addr, char *buf, size_t size)
{
	u64 lo, hi;
	arch_vmalloc_range(&lo, &hi);
	if (addr < 0x10000) {
		snprintf(buf, size, "in the first 64 KiB: a NULL pointer dereference");
		return buf;
	}
	if (addr >= 0x0000800000000000ULL && addr < 0xffff800000000000ULL) {
		snprintf(buf, size, "non-canonical");
		return buf;
	}
	if (addr >= lo && addr < hi) {
		/* no lock: we may be reporting a fault taken with it held */
		struct list_head *pos;
		list_for_each(pos, &area_list) {
			struct vm_area *v = list_entry(pos, struct vm_area, node);
			if (addr >= v->start - PAGE_SIZE && addr < v->start) {
				snprintf(buf, size, "in the guard page below vmalloc area %#llx-%#llx (%s): "
					 "stack overflow or buffer underrun",
					 (unsigned long long)v->start, (unsigned long long)(v->start + v->size),
					 v->tag);
				return buf;
			}
			if (addr >= v->start + v->size && addr < v->start + v->size + PAGE_SIZE) {
				snprintf(buf, size, "in the guard page above vmalloc area %#llx-%#llx (%s): "
					 "overrun past its end",
					 (unsigned long long)v->start, (unsigned long long)(v->start + v->size),
					 v->tag);
				return buf;
			}
		}
		snprintf(buf, size, "in the vmalloc range but in no area (use after vfree?)");
		return buf;
	}
	struct vm_layout_entry l[8];
	size_t n = arch_vm_layout(l, ARRAY_SIZE(l));
	for (size_t i = 0; i < n; i++) {
		if (addr >= l[i].start && addr < l[i].end) {
			snprintf(buf, size, "in %s", l[i].name);
			return buf;
		}
	}
	return NULL;
}
