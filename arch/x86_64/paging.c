/* paging.c — the kernel's final page tables and the early page allocator.
 *
 * paging_init() replaces the boot tables (boot.S) with:
 *  - the kernel image at KERNEL_VMA by section permission, 4 KiB pages:
 *    .text R+X, .rodata R+NX, .data/.bss R+W+NX (W^X holds for every page);
 *  - a direct map of physical memory at DIRECT_MAP_BASE with 2 MiB pages,
 *    R+W+NX: [0, end of RAM below 4 GiB) — which takes in the firmware
 *    tables and legacy areas below it — plus every RAM range above 4 GiB;
 *  - a window for device memory at MMIO_BASE, mapped 4 KiB at a time,
 *    uncached (PCD|PWT), NX, on request (arch_map_mmio).
 * The identity map of the boot tables is gone afterwards, so a stray
 * low pointer faults instead of silently working.
 *
 * Page-table pages come from bootmem (mm/bootmem.c) during boot and from the
 * page allocator once mm_init() has closed bootmem.
 *
 * Reference: Intel SDM vol. 3A ch. 4.5 (4-level paging). */
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/log.h>
#include <rayos/string.h>
#include <rayos/panic.h>
#include <rayos/bootmem.h>
#include <rayos/mm.h>
#include "x86.h"

#define PTE_P   (1ULL << 0)
#define PTE_W   (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS  (1ULL << 7)
#define PTE_G   (1ULL << 8)
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[], __kernel_end[];
extern char __boot_start[];

static bool direct_map_ready;
static u64 kernel_pml4;
static u64 nx_bit;
static u64 mmio_next = MMIO_BASE; /* next free address in the MMIO window */

void *arch_phys_to_virt(u64 phys)
{
	if (direct_map_ready)
		return (void *)(DIRECT_MAP_BASE + phys);
	return (void *)phys; /* boot identity map, first 4 GiB */
}

u64 arch_virt_to_phys(const void *v)
{
	u64 a = (u64)v;
	if (a >= KERNEL_VMA)
		return a - KERNEL_VMA;
	if (a >= DIRECT_MAP_BASE)
		return a - DIRECT_MAP_BASE;
	return a;
}

void arch_kernel_phys_range(u64 *start, u64 *end)
{
	*start = (u64)__boot_start;
	*end = (u64)__kernel_end - KERNEL_VMA;
}

/* Page-table pages: from bootmem until mm_init closes it, then from the
 * page allocator. */
u64 early_alloc_page(void)
{
	if (!bootmem_closed())
		return bootmem_alloc_page();
	struct page *p = alloc_page(GFP_ATOMIC | GFP_ZERO);
	return p ? page_to_pfn(p) << PAGE_SHIFT : 0;
}

/* Returns the entry for va at the level whose pages are `page` bytes,
 * creating intermediate tables. */
static u64 *walk(u64 pml4, u64 va, u64 page)
{
	u64 *table = arch_phys_to_virt(pml4);
	int shifts[3] = { 39, 30, 21 };
	int levels = page == (1ULL << 30) ? 1 : page == (2ULL << 20) ? 2 : 3;
	for (int l = 0; l < levels; l++) {
		u64 *e = &table[(va >> shifts[l]) & 511];
		if (!(*e & PTE_P)) {
			u64 t = early_alloc_page();
			if (!t)
				panic("paging: out of memory for page tables");
			*e = t | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			panic("paging: %llx already mapped by a large page", (unsigned long long)va);
		}
		table = arch_phys_to_virt(*e & PTE_ADDR);
	}
	int idx_shift = page == (1ULL << 30) ? 30 : page == (2ULL << 20) ? 21 : 12;
	return &table[(va >> idx_shift) & 511];
}

static void map_range(u64 va, u64 pa, u64 len, u64 flags, u64 page)
{
	u64 extra = page > 4096 ? PTE_PS : 0;
	for (u64 off = 0; off < len; off += page)
		*walk(kernel_pml4, va + off, page) = (pa + off) | flags | extra | PTE_P;
}

void *arch_map_mmio(u64 phys, size_t size)
{
	u64 base = ALIGN_DOWN(phys, 4096);
	u64 len = ALIGN_UP(phys + size, 4096) - base;
	if (!size || mmio_next + len > MMIO_BASE + MMIO_SIZE || !kernel_pml4)
		return NULL;
	u64 va = mmio_next;
	mmio_next += len;
	map_range(va, base, len, PTE_W | PTE_PCD | PTE_PWT | nx_bit, 4096);
	for (u64 off = 0; off < len; off += 4096)
		invlpg(va + off);
	return (void *)(va + (phys - base));
}

static void map_kernel_section(char *start, char *end, u64 flags)
{
	u64 va = (u64)start;
	map_range(va, va - KERNEL_VMA, ALIGN_UP((u64)end, 4096) - va, flags | PTE_G, 4096);
}

void paging_init(void)
{
	nx_bit = cpu_has_nx ? PTE_NX : 0;
	kernel_pml4 = early_alloc_page();
	if (!kernel_pml4)
		panic("paging: no memory for the kernel page tables");

	map_kernel_section(__text_start, __text_end, 0);
	map_kernel_section(__rodata_start, __rodata_end, nx_bit);
	map_kernel_section(__data_start, __bss_end, PTE_W | nx_bit);

	/* direct map: everything below the end of low RAM, then high RAM */
	u64 low_end = 0;
	for (u32 i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_USABLE || r->type == MEM_ACPI_RECLAIM || r->type == MEM_ACPI_NVS) {
			u64 end = r->base + r->length;
			if (r->base < (4ULL << 30) && end > low_end)
				low_end = MIN(end, 4ULL << 30);
		}
	}
	const u64 big = 2ULL << 20;
	low_end = ALIGN_UP(low_end, big);
	map_range(DIRECT_MAP_BASE, 0, low_end, PTE_W | nx_bit, big);
	for (u32 i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_USABLE || r->base + r->length <= low_end)
			continue;
		u64 s = MAX(ALIGN_DOWN(r->base, big), low_end);
		u64 e = ALIGN_UP(r->base + r->length, big);
		/* skip pieces an earlier high region already mapped */
		for (u64 p = s; p < e; p += big) {
			u64 *pde = walk(kernel_pml4, DIRECT_MAP_BASE + p, big);
			if (!(*pde & PTE_P))
				*pde = p | PTE_P | PTE_W | PTE_PS | nx_bit;
		}
	}

	write_cr4(read_cr4() | (1 << 7)); /* PGE */
	write_cr3(kernel_pml4);
	direct_map_ready = true;
	bootmem_direct_map_ready();
	pr_info("mm", "paging: kernel text RX, rodata R, data RW (NX %s); direct map of %llu MiB low memory",
		cpu_has_nx ? "on" : "unsupported", (unsigned long long)(low_end >> 20));
}
