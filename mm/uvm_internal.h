/* uvm_internal.h — struct uvm and the helpers mm/uvm.c gives the program
 * loader (mm/elf.c) and the tests. Private to mm/ and kernel/ktests/uvm.c. */
#ifndef MM_UVM_INTERNAL_H
#define MM_UVM_INTERNAL_H
#include <rayos/uvm.h>
#include <rayos/uaccess.h>
#include <rayos/sync.h>
#include "uvm_area.h"

/* The user layout (no randomization): the stack's 8 MiB area ends at
 * STACK_TOP; mmap places areas top-down below MMAP_BASE (Linux's mmap_base:
 * 128 MiB below the stack top), never below MMAP_MIN (vm.mmap_min_addr). */
#define STACK_TOP   USER_TOP
#define STACK_SIZE  (8ULL << 20)
#define STACK_GAP   (1ULL << 20)   /* Linux's stack_guard_gap: kept free below the stack */
#define MMAP_BASE   (STACK_TOP - (128ULL << 20))
#define MMAP_MIN    0x10000ULL

struct uvm {
	struct mutex lock;
	/* lock protects: */
	struct area_set areas;
	u64 brk_start, brk;   /* heap: [brk_start, PAGE_ALIGN(brk)) is the AREA_HEAP area */
	bool exec_stack;      /* PT_GNU_STACK asked for an executable stack */
	u64 rss;              /* present leaves (read without the lock) */
	/* constant after uvm_create */
	u64 root;             /* top-level table (arch) */
	/* atomic */
	u64 refs;
	u64 cpumask;          /* CPUs that may hold its translations (upaging.c) */
};

/* Add the area [start, end) to vm (it must be free: -EEXIST otherwise),
 * -EINVAL outside [MMAP_MIN, USER_TOP) or misaligned, -ENOMEM. Pages are
 * demand-faulted. */
int uvm_map_fixed(struct uvm *vm, u64 start, u64 end, int prot, unsigned flags);
/* uvm_mmap with the file read through src (NULL for MAP_ANONYMOUS):
 * uvm_mmap wraps kernel_read in one; the tests map in-memory files. */
long uvm_mmap_from(struct uvm *vm, u64 addr, u64 len, int prot, int flags,
		   const struct elf_reader *src, u64 off);
/* The heap starts (and the break is) at start, page aligned (elf.c). */
void uvm_set_brk(struct uvm *vm, u64 start);
/* Faults counted so far of kind 0 demand, 1 cow, 2 invalid (tests). */
u64 uvm_fault_count(int kind);
/* User pages plus user page-table pages in use, all address spaces. */
u64 uvm_pages_in_use(void);
/* The area invariants (area_set_check) under the lock: 0 or -EINVAL. */
int uvm_check(struct uvm *vm, char *why, size_t why_size);
#endif
