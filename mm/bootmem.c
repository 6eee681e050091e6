/* bootmem.c — the boot-time page allocator.
 *
 * A bump allocator over the usable regions of the memory map, in address
 * order, that skips the first MiB (firmware, real-mode structures), the
 * kernel image and the boot modules. What it hands out is remembered as a
 * short list of spans (consecutive allocations extend the last span), so
 * that bootmem_for_each_free() can give the page allocator exactly the RAM
 * nobody holds. Single-threaded: it runs before other CPUs start and is
 * closed by mm_init(). */
#include <rayos/bootmem.h>
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/string.h>

#define PAGE 4096ULL
#define MAX_SPANS 32
#define LOW_4G (4ULL << 30)

struct span {
	u64 start, end;
};

static struct span used[MAX_SPANS];
static u32 nr_used;
static u32 region;  /* current memory-map region */
static u64 cursor;  /* next candidate address */
static bool closed, direct_ready;
static u64 used_bytes;

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Ranges nobody may take: [0, 1 MiB), the kernel, modules. */
static bool reserved_range(u64 p, u64 len)
{
	u64 ks, ke;
	if (p < 0x100000)
		return true;
	arch_kernel_phys_range(&ks, &ke);
	if (overlaps(p, len, ks, ke - ks))
		return true;
	for (u32 i = 0; i < boot_info.nr_modules; i++)
		if (overlaps(p, len, boot_info.modules[i].start,
			     boot_info.modules[i].end - boot_info.modules[i].start))
			return true;
	if (!direct_ready && p + len > LOW_4G)
		return true;
	return false;
}

static void note_used(u64 p, u64 len)
{
	used_bytes += len;
	if (nr_used && used[nr_used - 1].end == p) {
		used[nr_used - 1].end = p + len;
		return;
	}
	if (nr_used < MAX_SPANS) {
		used[nr_used++] = (struct span){ p, p + len };
		return;
	}
	/* out of span slots: widen the last span; the gap between is lost to
	 * the page allocator, never double-used */
	used[nr_used - 1].end = p + len;
}

static u64 alloc_contig(u64 npages, bool zero)
{
	u64 len = npages * PAGE;
	if (closed || !npages)
		return 0;
	while (region < boot_info.nr_regions) {
		const struct mem_region *r = &boot_info.regions[region];
		u64 start = ALIGN_UP(r->base, PAGE), end = ALIGN_DOWN(r->base + r->length, PAGE);
		if (r->type != MEM_USABLE || end <= start) {
			region++;
			continue;
		}
		if (cursor < start)
			cursor = start;
		while (cursor + len <= end) {
			if (reserved_range(cursor, len)) {
				cursor += PAGE;
				continue;
			}
			u64 p = cursor;
			cursor += len;
			if (zero)
				memset(arch_phys_to_virt(p), 0, len);
			note_used(p, len);
			return p;
		}
		/* does not fit in the rest of this region: try the next one */
		region++;
	}
	return 0;
}

u64 bootmem_alloc_contig(u64 npages) { return alloc_contig(npages, true); }
u64 bootmem_alloc_contig_raw(u64 npages) { return alloc_contig(npages, false); }

u64 bootmem_alloc_page(void)
{
	return alloc_contig(1, true);
}

u64 bootmem_used_bytes(void) { return used_bytes; }
bool bootmem_closed(void) { return closed; }
void bootmem_direct_map_ready(void) { direct_ready = true; }

void bootmem_for_each_free(void (*fn)(u64 base, u64 len, void *ctx), void *ctx, bool close)
{
	struct span ex[MAX_SPANS + BOOT_MAX_MODULES + 3];
	u32 n = 0;
	u64 ks, ke;
	if (close)
		closed = true;
	arch_kernel_phys_range(&ks, &ke);
	ex[n++] = (struct span){ 0, 0x100000 };
	ex[n++] = (struct span){ ALIGN_DOWN(ks, PAGE), ALIGN_UP(ke, PAGE) };
	for (u32 i = 0; i < boot_info.nr_modules; i++)
		ex[n++] = (struct span){ ALIGN_DOWN(boot_info.modules[i].start, PAGE),
					 ALIGN_UP(boot_info.modules[i].end, PAGE) };
	for (u32 i = 0; i < nr_used; i++)
		ex[n++] = used[i];
	if (!direct_ready)
		ex[n++] = (struct span){ LOW_4G, ~0ULL };
	for (u32 i = 1; i < n; i++) { /* insertion sort by start */
		struct span t = ex[i];
		u32 j = i;
		while (j && ex[j - 1].start > t.start) {
			ex[j] = ex[j - 1];
			j--;
		}
		ex[j] = t;
	}
	for (u32 i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_USABLE)
			continue;
		u64 p = ALIGN_UP(r->base, PAGE), end = ALIGN_DOWN(r->base + r->length, PAGE);
		for (u32 k = 0; k < n && p < end; k++) {
			if (ex[k].end <= p)
				continue;
			if (ex[k].start >= end)
				break;
			if (ex[k].start > p)
				fn(p, ex[k].start - p, ctx);
			p = MAX(p, ex[k].end);
		}
		if (p < end)
			fn(p, end - p, ctx);
	}
}
