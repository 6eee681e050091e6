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
