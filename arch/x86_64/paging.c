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
 * arch_map_firmware() returns the direct-map address of firmware memory
 * (ACPI tables) when the low direct map covers it, else maps it like MMIO.
 * The identity map of the boot tables is gone afterwards, so a stray
 * low pointer faults instead of silently working.
 *
 * Page-table pages come from bootmem (mm/bootmem.c) during boot and from the
 * page allocator once mm_init() has closed bootmem.
 *
 * Locking: kpt_lock serialises changes to the kernel page tables after
 * boot (arch_vm_map/unmap/protect, arch_map_mmio): two CPUs that found the
 * same table missing would each install one, and the mappings made through
 * the table that lost would vanish. Readers (arch_vm_query, the MMU) need
 * no lock: entries are written whole. TLB flushes run after it is dropped,
 * except the one after splitting a 2 MiB page, which flush_range does with
 * interrupts off; CPUs spinning on kpt_lock keep theirs on, so they answer
 * the shootdown. Not for interrupt context.
 *
 * Reference: Intel SDM vol. 3A ch. 4.5 (4-level paging). */
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/log.h>
#include <rayos/string.h>
#include <rayos/panic.h>
#include <rayos/bootmem.h>
#include <rayos/mm.h>
#include <rayos/spinlock.h>
#include <rayos/vm.h>
#include "x86.h"

#define PTE_P   (1ULL << 0)
#define PTE_W   (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS  (1ULL << 7)
#define PTE_G   (1ULL << 8)
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

static spinlock_t kpt_lock = SPINLOCK_INIT;

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_end[], __kernel_end[];
extern char __boot_start[];

static bool direct_map_ready;
static u64 direct_low_end; /* the low direct map covers [0, direct_low_end) */
static u64 kernel_pml4;
static u64 nx_bit;
static u64 mmio_next = MMIO_BASE; /* next free address in the MMIO window */

u64 paging_kernel_root(void) { return kernel_pml4; }

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
	spin_lock(&kpt_lock);
	u64 va = mmio_next;
	mmio_next += len;
	map_range(va, base, len, PTE_W | PTE_PCD | PTE_PWT | nx_bit, 4096);
	spin_unlock(&kpt_lock);
	for (u64 off = 0; off < len; off += 4096)
		invlpg(va + off);
	return (void *)(va + (phys - base));
}

void *arch_map_firmware(u64 phys, size_t size)
{
	if (!size)
		return NULL;
	if (direct_map_ready && phys < direct_low_end && size <= direct_low_end - phys)
		return arch_phys_to_virt(phys);
	if (!direct_map_ready && phys < (4ULL << 30) && size <= (4ULL << 30) - phys)
		return (void *)phys; /* boot identity map */
	return arch_map_mmio(phys, size);
}

static void map_kernel_section(char *start, char *end, u64 flags)
{
	u64 va = (u64)start;
	map_range(va, va - KERNEL_VMA, ALIGN_UP((u64)end, 4096) - va, flags | PTE_G, 4096);
}

/* ---- the page-table API (vm.h) ---- */

static void (*tlb_shootdown)(u64 va, u64 len);
static u64 direct_map_end;

void arch_vm_set_tlb_shootdown(void (*fn)(u64 va, u64 len)) { tlb_shootdown = fn; }

/* Flush [va, va+len) here and, through tlb_shootdown, on every other CPU.
 * Interrupts stay off throughout (the shootdown services incoming calls
 * while it waits, as arch_upt_flush does): the caller is preemptible, and
 * migrating between the local flush and the shootdown would make the CPU
 * it lands on "this CPU" to the shootdown, which skips it although it never
 * flushed — it would keep translations of pages already freed (a reused
 * vmalloc address, e.g. a new thread's stack, then reads the old page). */
static void flush_range(u64 va, u64 len)
{
	irqflags_t f = arch_irq_save();
	if (len <= 64 * 4096) {
		for (u64 off = 0; off < len; off += 4096)
			invlpg(va + off);
	} else {
		/* kernel pages are global: toggling CR4.PGE flushes them all */
		u64 cr4 = read_cr4();
		write_cr4(cr4 & ~(1ULL << 7));
		write_cr4(cr4);
	}
	if (tlb_shootdown)
		tlb_shootdown(va, len);
	arch_irq_restore(f);
}

static u64 prot_bits(unsigned prot)
{
	u64 b = 0;
	if (prot & VM_WRITE)
		b |= PTE_W;
	if (!(prot & VM_EXEC))
		b |= nx_bit;
	if (prot & VM_NOCACHE)
		b |= PTE_PCD | PTE_PWT;
	return b;
}

static unsigned bits_prot(u64 e)
{
	unsigned p = VM_READ;
	if (e & PTE_W)
		p |= VM_WRITE;
	if (!(e & PTE_NX) || !nx_bit)
		p |= VM_EXEC;
	if (e & PTE_PCD)
		p |= VM_NOCACHE;
	return p;
}

/* Find the 4 KiB PTE for va. With create, missing tables are allocated and
 * 2 MiB pages on the way are split into 512 4 KiB entries with the same
 * rights. NULL if absent (or, with create, out of memory). */
static u64 *pte_lookup(u64 va, bool create)
{
	u64 *table = arch_phys_to_virt(kernel_pml4);
	const int shifts[3] = { 39, 30, 21 };
	for (int l = 0; l < 3; l++) {
		u64 *e = &table[(va >> shifts[l]) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			u64 t = early_alloc_page();
			if (!t)
				return NULL;
			*e = t | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			if (l != 2 || !create)
				return NULL; /* 1 GiB pages are never used */
			u64 t = early_alloc_page();
			if (!t)
				return NULL;
			u64 *pt = arch_phys_to_virt(t);
			u64 base = *e & 0x000fffffffe00000ULL;
			u64 flags = (*e & ~0x000fffffffe00000ULL & ~PTE_PS) | PTE_P;
			for (int i = 0; i < 512; i++)
				pt[i] = (base + ((u64)i << 12)) | flags;
			*e = t | PTE_P | PTE_W; /* rights are decided at the leaves */
			flush_range(va & ~((2ULL << 20) - 1), 2ULL << 20);
		}
		table = arch_phys_to_virt(*e & PTE_ADDR);
	}
	return &table[(va >> 12) & 511];
}

static bool kernel_va(u64 va, u64 len)
{
	return va >= DIRECT_MAP_BASE && va + len > va && !(va & 4095);
}

int arch_vm_map(u64 va, u64 pa, size_t len, unsigned prot)
{
	if (!kernel_va(va, len) || (pa & 4095) || !len)
		return -EINVAL;
	if ((prot & VM_WRITE) && (prot & VM_EXEC))
		return -EINVAL; /* W^X */
	len = ALIGN_UP(len, 4096);
	for (u64 off = 0; off < len; off += 4096)
		if (!arch_vm_query(va + off, NULL, NULL, NULL))
			return -EEXIST;
	spin_lock(&kpt_lock);
	for (u64 off = 0; off < len; off += 4096) {
		u64 *pte = pte_lookup(va + off, true);
		if (!pte) {
			spin_unlock(&kpt_lock);
			arch_vm_unmap(va, off);
			return -ENOMEM;
		}
		*pte = (pa + off) | PTE_P | prot_bits(prot);
	}
	spin_unlock(&kpt_lock);
	return 0;
}

int arch_vm_unmap(u64 va, size_t len)
{
	if (!kernel_va(va, len))
		return -EINVAL;
	len = ALIGN_UP(len, 4096);
	spin_lock(&kpt_lock);
	for (u64 off = 0; off < len; off += 4096) {
		u64 *pte = pte_lookup(va + off, false);
		if (pte)
			*pte = 0;
	}
	spin_unlock(&kpt_lock);
	flush_range(va, len);
	return 0;
}

int arch_vm_protect(u64 va, size_t len, unsigned prot)
{
	if (!kernel_va(va, len))
		return -EINVAL;
	if ((prot & VM_WRITE) && (prot & VM_EXEC))
		return -EINVAL;
	len = ALIGN_UP(len, 4096);
	for (u64 off = 0; off < len; off += 4096) {
		u64 pa;
		if (arch_vm_query(va + off, &pa, NULL, NULL))
			return -ENOENT;
	}
	spin_lock(&kpt_lock);
	for (u64 off = 0; off < len; off += 4096) {
		u64 *pte = pte_lookup(va + off, true);
		if (!pte) {
			spin_unlock(&kpt_lock);
			return -ENOMEM;
		}
		*pte = (*pte & PTE_ADDR) | PTE_P | prot_bits(prot) | (*pte & PTE_G);
	}
	spin_unlock(&kpt_lock);
	flush_range(va, len);
	return 0;
}

int arch_vm_query(u64 va, u64 *pa, unsigned *prot, u64 *page_size)
{
	u64 *table = arch_phys_to_virt(kernel_pml4);
	const int shifts[4] = { 39, 30, 21, 12 };
	for (int l = 0; l < 4; l++) {
		u64 e = table[(va >> shifts[l]) & 511];
		if (!(e & PTE_P))
			return -ENOENT;
		if (l == 3 || (e & PTE_PS)) {
			u64 size = 1ULL << shifts[l];
			if (pa)
				*pa = (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			if (prot)
				*prot = bits_prot(e);
			if (page_size)
				*page_size = size;
			return 0;
		}
		table = arch_phys_to_virt(e & PTE_ADDR);
	}
	return -ENOENT;
}

/* The first 2 MiB mapped by identity, read+execute, while secondary CPUs
 * run their trampoline (smp.c); removed afterwards. */
void identity_map_low(bool on)
{
	u64 *pml4 = arch_phys_to_virt(kernel_pml4);
	if (on) {
		u64 pdpt = early_alloc_page(), pd = early_alloc_page();
		if (!pdpt || !pd)
			panic("paging: no memory for the trampoline mapping");
		((u64 *)arch_phys_to_virt(pd))[0] = 0 | PTE_P | PTE_PS;
		((u64 *)arch_phys_to_virt(pdpt))[0] = pd | PTE_P | PTE_W;
		pml4[0] = pdpt | PTE_P | PTE_W;
		return;
	}
	u64 pdpt = pml4[0] & PTE_ADDR;
	if (!(pml4[0] & PTE_P))
		return;
	u64 pd = ((u64 *)arch_phys_to_virt(pdpt))[0] & PTE_ADDR;
	pml4[0] = 0;
	write_cr3(read_cr3()); /* the mapping is not global: this flushes it here */
	free_pages(pfn_to_page(pd >> PAGE_SHIFT), 0);
	free_pages(pfn_to_page(pdpt >> PAGE_SHIFT), 0);
}

#define VMALLOC_START 0xffffc90000000000ULL
#define VMALLOC_END   0xffffe90000000000ULL

void arch_vmalloc_range(u64 *start, u64 *end)
{
	*start = VMALLOC_START;
	*end = VMALLOC_END;
}

size_t arch_vm_layout(struct vm_layout_entry *out, size_t max)
{
	struct vm_layout_entry all[] = {
		{ "direct map (RAM, RW NX, 2 MiB pages)", DIRECT_MAP_BASE, direct_map_end },
		{ "vmalloc (guard-paged areas)", VMALLOC_START, VMALLOC_END },
		{ "kernel text (R X)", (u64)__text_start, ALIGN_UP((u64)__text_end, 4096) },
		{ "kernel rodata (R NX)", (u64)__rodata_start, ALIGN_UP((u64)__rodata_end, 4096) },
		{ "kernel data+bss (RW NX)", (u64)__data_start, (u64)__bss_end },
		{ "device MMIO (RW NX uncached)", MMIO_BASE, mmio_next },
	};
	size_t n = MIN(max, ARRAY_SIZE(all));
	for (size_t i = 0; i < n; i++)
		out[i] = all[i];
	return n;
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
	direct_map_end = DIRECT_MAP_BASE + low_end;
	direct_low_end = low_end;
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
			direct_map_end = MAX(direct_map_end, DIRECT_MAP_BASE + p + big);
		}
	}

	/* Every kernel-half top-level entry (256..511) gets its table now, so
	 * that the entries never change: user address spaces (upaging.c) copy
	 * them once and still see every kernel mapping made later. */
	u64 *top = arch_phys_to_virt(kernel_pml4);
	for (int i = 256; i < 512; i++) {
		if (!(top[i] & PTE_P)) {
			u64 t = early_alloc_page();
			if (!t)
				panic("paging: no memory for the kernel-half tables");
			top[i] = t | PTE_P | PTE_W;
		}
	}

	write_cr4(read_cr4() | (1 << 7)); /* PGE */
	write_cr3(kernel_pml4);
	direct_map_ready = true;
	bootmem_direct_map_ready();
	pr_info("mm", "paging: kernel text RX, rodata R, data RW (NX %s); direct map of %llu MiB low memory",
		cpu_has_nx ? "on" : "unsupported", (unsigned long long)(low_end >> 20));
}
