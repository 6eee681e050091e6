/* upaging.c — page tables of user address spaces (the arch half of
 * mm/uvm.c, interface in vm.h "user page tables").
 *
 * Each address space has its own top-level table (PML4). Entries 0..255
 * (the lower canonical half, [0, 2^47)) are its own; entries 256..511 are
 * copied from the kernel's table when it is created. paging_init() gives
 * every kernel-half entry its third-level table before any address space
 * exists, so those 256 entries never change afterwards and every kernel
 * mapping made later is seen through every address space.
 *
 * Leaves are 4 KiB pages with U/S set, W only when asked (uvm.c leaves W
 * off copy-on-write pages), NX unless VM_EXEC (when the CPU has NX). A
 * page with no access (PROT_NONE) keeps its frame in a leaf with P clear
 * and the software bit PTE_SWNONE, so mprotect can give it back.
 * Intermediate entries of the user half are P|W|U: rights are decided at
 * the leaves. No large pages in the user half.
 *
 * Loaded tables and TLBs: loaded[cpu] records the root this CPU has in CR3
 * and the cpumask of that address space. Activation sets the CPU's bit in
 * the new mask before loading CR3 and clears it in the old mask after, so a
 * CPU that could hold TLB entries of a table is always in its mask. A
 * change that removes or narrows a leaf is followed by arch_upt_flush(),
 * which flushes here and on every other CPU of the mask (smp_call_on).
 * Kernel threads keep whatever user half was loaded (lazy, as Linux's lazy
 * TLB mode): they never touch user memory. Before an address space is
 * freed, arch_upt_release() makes every CPU that still has it loaded switch
 * to the kernel-only table, so a freed table is never live in any CR3.
 *
 * Locking: the caller (uvm.c) serializes changes of one table with its
 * mutex; loaded[] of a CPU is changed only by that CPU with interrupts off.
 *
 * Reference: Intel SDM vol. 3A 4.5 (4-level paging), 4.10.4 (TLB
 * invalidation), 4.6 (access rights: U/S, SMEP, SMAP). */
#include <rayos/arch.h>
#include <rayos/mm.h>
#include <rayos/percpu.h>
#include <rayos/string.h>
#include <rayos/vm.h>
#include "x86.h"

#define PTE_P   (1ULL << 0)
#define PTE_W   (1ULL << 1)
#define PTE_U   (1ULL << 2)
#define PTE_SWNONE (1ULL << 9) /* software: a PROT_NONE page, P clear, frame kept */
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

struct loaded_root {
	u64 root;   /* 0: the kernel-only table */
	u64 *mask;  /* cpumask of the address space loaded, or NULL */
};
static struct loaded_root loaded[MAX_CPUS];

static u64 *tab(u64 phys) { return arch_phys_to_virt(phys & PTE_ADDR); }

static u64 table_pages; /* in use by every user table (atomic) */

u64 arch_upt_table_pages(void) { return __atomic_load_n(&table_pages, __ATOMIC_RELAXED); }

static u64 alloc_table(void)
{
	struct page *p = alloc_page(GFP_KERNEL | GFP_ZERO | GFP_NOWARN);
	if (!p)
		return 0;
	__atomic_add_fetch(&table_pages, 1, __ATOMIC_RELAXED);
	return page_to_pfn(p) << PAGE_SHIFT;
}

static void free_table(u64 phys)
{
	__atomic_sub_fetch(&table_pages, 1, __ATOMIC_RELAXED);
	free_pages(pfn_to_page(phys >> PAGE_SHIFT), 0);
}

u64 arch_upt_create(void)
{
	u64 root = alloc_table();
	if (!root)
		return 0;
	u64 *k = tab(paging_kernel_root()), *u = tab(root);
	for (int i = 256; i < 512; i++)
		u[i] = k[i];
	return root;
}

void arch_upt_destroy(u64 root)
{
	u64 *l4 = tab(root);
	for (int i = 0; i < 256; i++) {
		if (!(l4[i] & PTE_P))
			continue;
		u64 *l3 = tab(l4[i]);
		for (int j = 0; j < 512; j++) {
			if (!(l3[j] & PTE_P))
				continue;
			u64 *l2 = tab(l3[j]);
			for (int k = 0; k < 512; k++)
				if (l2[k] & PTE_P)
					free_table(l2[k] & PTE_ADDR);
			free_table(l3[j] & PTE_ADDR);
		}
		free_table(l4[i] & PTE_ADDR);
	}
	free_table(root);
}

/* The leaf entry for va; with create, missing tables are allocated (NULL
 * when out of memory), else NULL when a table is missing. */
static u64 *leaf(u64 root, u64 va, bool create)
{
	u64 *t = tab(root);
	static const int shifts[3] = { 39, 30, 21 };
	for (int l = 0; l < 3; l++) {
		u64 *e = &t[(va >> shifts[l]) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			u64 n = alloc_table();
			if (!n)
				return NULL;
			*e = n | PTE_P | PTE_W | PTE_U;
		}
		t = tab(*e);
	}
	return &t[(va >> 12) & 511];
}

static bool leaf_present(u64 e) { return e & (PTE_P | PTE_SWNONE); }

static u64 leaf_bits(unsigned prot)
{
	if (!prot)
		return PTE_SWNONE; /* not present to the CPU: every access faults */
	u64 b = PTE_P | PTE_U;
	if (prot & VM_WRITE)
		b |= PTE_W;
	if (!(prot & VM_EXEC) && cpu_has_nx)
		b |= PTE_NX;
	return b;
}

static unsigned leaf_prot(u64 e)
{
	if (!(e & PTE_P))
		return 0;
	unsigned p = VM_READ;
	if (e & PTE_W)
		p |= VM_WRITE;
	if (!(e & PTE_NX))
		p |= VM_EXEC;
	return p;
}

int arch_upt_map(u64 root, u64 va, u64 pfn, unsigned prot)
{
	if (va >= (1ULL << 47) || (va & 4095))
		return -EINVAL;
	u64 *e = leaf(root, va, true);
	if (!e)
		return -ENOMEM;
	*e = (pfn << PAGE_SHIFT) | leaf_bits(prot);
	return 0;
}

int arch_upt_query(u64 root, u64 va, u64 *pfn, unsigned *prot)
{
	if (va >= (1ULL << 47))
		return -ENOENT;
	u64 *e = leaf(root, va, false);
	if (!e || !leaf_present(*e))
		return -ENOENT;
	if (pfn)
		*pfn = (*e & PTE_ADDR) >> PAGE_SHIFT;
	if (prot)
		*prot = leaf_prot(*e);
	return 0;
}

/* The entries of table t (level 3 = PML4 .. 0 = page table) that cover
 * [start, end), t itself covering [base, base + 512 entries). */
static void walk_level(u64 *t, int level, u64 base, u64 start, u64 end, upt_walk_fn fn, void *ctx)
{
	int shift = 12 + 9 * level;
	u64 span = 1ULL << shift;
	u64 first = (MAX(start, base) - base) >> shift;
	u64 last = (MIN(end, base + 512 * span) - 1 - base) >> shift;
	for (u64 i = first; i <= last; i++) {
		u64 va = base + i * span;
		u64 *e = &t[i];
		if (level) {
			if (*e & PTE_P)
				walk_level(tab(*e), level - 1, va, start, end, fn, ctx);
			continue;
		}
		if (!leaf_present(*e))
			continue;
		unsigned prot = leaf_prot(*e);
		int r = fn(ctx, va, (*e & PTE_ADDR) >> PAGE_SHIFT, &prot);
		if (r == UPT_CLEAR)
			*e = 0;
		else if (r == UPT_PROT)
			*e = (*e & PTE_ADDR) | leaf_bits(prot);
	}
}

void arch_upt_walk(u64 root, u64 start, u64 end, upt_walk_fn fn, void *ctx)
{
	end = MIN(end, 1ULL << 47);
	start &= ~4095ULL;
	if (start < end)
		walk_level(tab(root), 3, 0, start, end, fn, ctx);
}

void arch_upt_activate(u64 root, u64 *mask)
{
	irqflags_t f = arch_irq_save();
	u32 cpu = this_cpu()->id;
	struct loaded_root *l = &loaded[cpu];
	if (l->root != root) {
		if (mask)
			__atomic_fetch_or(mask, 1ULL << cpu, __ATOMIC_SEQ_CST);
		write_cr3(root ? root : paging_kernel_root());
		if (l->mask)
			__atomic_fetch_and(l->mask, ~(1ULL << cpu), __ATOMIC_SEQ_CST);
		l->root = root;
		l->mask = root ? mask : NULL;
	}
	arch_irq_restore(f);
}

u64 arch_upt_loaded(u32 cpu)
{
	return cpu < MAX_CPUS ? READ_ONCE(loaded[cpu].root) : 0;
}

struct upt_flush {
	u64 va, len;
};

static void flush_here(void *arg)
{
	struct upt_flush *r = arg;
	if (r->len <= 32 * 4096) {
		for (u64 off = 0; off < r->len; off += 4096)
			invlpg(r->va + off);
	} else {
		write_cr3(read_cr3()); /* user pages are not global: all of them */
	}
}

void arch_upt_flush(u64 *mask, u64 va, u64 len)
{
	struct upt_flush r = { va & ~4095ULL, ALIGN_UP(va + len, 4096) - (va & ~4095ULL) };
	irqflags_t f = arch_irq_save();
	u32 me = this_cpu()->id;
	u64 m = __atomic_load_n(mask, __ATOMIC_SEQ_CST);
	if (m & (1ULL << me))
		flush_here(&r);
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (c != me && (m & (1ULL << c)))
			smp_call_on(c, flush_here, &r);
	arch_irq_restore(f);
}

static void drop_here(void *arg)
{
	u64 root = *(u64 *)arg;
	struct loaded_root *l = &loaded[this_cpu()->id];
	if (l->root == root)
		arch_upt_activate(0, NULL);
}

void arch_upt_release(u64 root, u64 *mask)
{
	irqflags_t f = arch_irq_save();
	u64 m = __atomic_load_n(mask, __ATOMIC_SEQ_CST);
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (m & (1ULL << c))
			smp_call_on(c, drop_here, &root);
	arch_irq_restore(f);
}
