/* vm.h — kernel virtual memory: the page-table API (arch/x86_64/paging.c),
 * the vmalloc area allocator with guard pages (mm/vmalloc.c), and safe
 * probes of kernel addresses (arch/x86_64/probe.S) that return -EFAULT
 * instead of faulting.
 *
 * W^X: no mapping is ever both writable and executable; arch_vm_map and
 * arch_vm_protect refuse such a request with -EINVAL. */
#ifndef RAYOS_VM_H
#define RAYOS_VM_H
#include <rayos/types.h>

#define VM_READ    0x1u
#define VM_WRITE   0x2u
#define VM_EXEC    0x4u
#define VM_NOCACHE 0x8u

/* Map [va, va+len) to [pa, pa+len) with 4 KiB pages. 0, -EINVAL (W+X,
 * misaligned, not a kernel address), -EEXIST (already mapped), -ENOMEM. */
int arch_vm_map(u64 va, u64 pa, size_t len, unsigned prot);
/* Unmap; pages not mapped are skipped. Flushes the TLB (and shoots down
 * other CPUs' TLBs through the hook, once SMP provides it). */
int arch_vm_unmap(u64 va, size_t len);
/* Change protection; large pages are split as needed. */
int arch_vm_protect(u64 va, size_t len, unsigned prot);
/* Look up a kernel address: 0 with *pa, *prot, *page_size set, or -ENOENT. */
int arch_vm_query(u64 va, u64 *pa, unsigned *prot, u64 *page_size);
/* SMP installs this; called after every local flush of [va, va+len). */
void arch_vm_set_tlb_shootdown(void (*fn)(u64 va, u64 len));

/* Read or write one byte/word at a kernel address; -EFAULT if it faults. */
int probe_read_u8(const void *addr, u8 *out);
int probe_write_u8(void *addr, u8 val);
/* Call code at addr (which must `ret`); -EFAULT if fetching it faults. */
int probe_exec(const void *addr);

/* ---- user page tables (arch/x86_64/upaging.c), used by mm/uvm.c ----
 * A root is the physical address of an address space's top-level table;
 * its kernel half is the kernel's (shared). Leaves are 4 KiB user pages;
 * prot is VM_READ|VM_WRITE|VM_EXEC (W implies R on x86); prot 0 keeps the
 * frame in a leaf no access goes through (PROT_NONE). The caller
 * serializes changes to one root (uvm mutex) and flushes TLBs after
 * removing or narrowing leaves (arch_upt_flush). */
u64 arch_upt_create(void);      /* new root, 0 when out of memory */
void arch_upt_destroy(u64 root);/* frees the table pages, not the leaves' pages */
/* Map (or replace) the leaf of va: 0, -ENOMEM (a table), -EINVAL. */
int arch_upt_map(u64 root, u64 va, u64 pfn, unsigned prot);
int arch_upt_query(u64 root, u64 va, u64 *pfn, unsigned *prot); /* 0 or -ENOENT */
/* Calls fn for every present leaf in [start, end), skipping missing
 * tables; fn returns UPT_KEEP, UPT_CLEAR (unmap the leaf) or UPT_PROT
 * (rewrite it with *prot). No TLB flush. */
enum { UPT_KEEP, UPT_CLEAR, UPT_PROT };
typedef int (*upt_walk_fn)(void *ctx, u64 va, u64 pfn, unsigned *prot);
void arch_upt_walk(u64 root, u64 start, u64 end, upt_walk_fn fn, void *ctx);
/* Load root on this CPU (0: the kernel-only table); this CPU's bit is set
 * in *mask (the address space's cpumask) and cleared in the previous one. */
void arch_upt_activate(u64 root, u64 *mask);
u64 arch_upt_loaded(u32 cpu);   /* the root cpu has loaded, 0: the kernel's */
u64 arch_upt_table_pages(void); /* pages of all user tables in use */
/* Flush [va, va+len) on every CPU in *mask (this one included). */
void arch_upt_flush(u64 *mask, u64 va, u64 len);
/* Every CPU that still has root loaded switches to the kernel-only table
 * (before the root is freed); *mask is 0 afterwards. */
void arch_upt_release(u64 root, u64 *mask);

/* The kernel's virtual layout, for vmmap. */
struct vm_layout_entry {
	const char *name;
	u64 start, end;
};
size_t arch_vm_layout(struct vm_layout_entry *out, size_t max);
void arch_vmalloc_range(u64 *start, u64 *end);

/* vmalloc areas: each mapping has an unmapped guard page on both sides. */
void *vmalloc_tagged(size_t size, const char *tag);
struct vmalloc_info {
	u64 start, size; /* mapped part */
	const char *tag;
};
/* Fills out up to max areas; returns the number in use. */
size_t vmalloc_areas(struct vmalloc_info *out, size_t max);
/* Explain a faulting kernel address (guard page, unmapped, ...) into buf;
 * returns buf, or NULL when there is nothing to say. */
const char *vm_explain_fault(u64 addr, char *buf, size_t size);

#endif
