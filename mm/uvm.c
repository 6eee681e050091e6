/* uvm.c — user address spaces: areas, demand paging, copy-on-write fork,
 * mmap/munmap/mprotect/brk/madvise with Linux semantics (uvm.h).
 *
 * An address space is a set of areas (mm/uvm_area.c: sorted, merged,
 * non-overlapping) and a page table (arch_upt_*, arch/x86_64/upaging.c).
 * Private anonymous memory is demand-paged: the first touch of a page maps
 * a zeroed page (kind "demand"). File mappings (MAP_PRIVATE, and read-only
 * MAP_SHARED) are filled from the file at mmap time — read before the
 * address space's mutex is taken, so that no file-system lock is ever
 * taken under it — and are plain private memory afterwards; their pages
 * past the end of the file are demand-zero (Linux: SIGBUS there). Shared
 * anonymous areas are populated at mmap time, so that fork can share every
 * page of them.
 *
 * Copy-on-write (Linux's do_wp_page): every user page counts the leaves
 * that map it (struct page refs, atomic: two address spaces share it
 * under two different mutexes). Fork maps each page of the parent into the
 * child, refs + 1, and takes W away from private pages in both. A write
 * fault on a private page without W copies it when refs > 1 or takes it
 * over (W back) when refs = 1 (kind "cow"). A page is freed when refs
 * drops to 0 — after the TLB flush that follows clearing its leaves (pages
 * collected on a local list through page->lru, like Linux's mmu_gather).
 *
 * Protection follows Linux: PROT_WRITE|PROT_EXEC is allowed in mmap and
 * mprotect (JITs); the W^X rule of vm.h is the kernel's own mappings' (the
 * ELF loader refuses W+X segments, see elf.c). MADV_DONTNEED/MADV_FREE
 * drop private pages, which come back zeroed — also in file-backed private
 * areas (Linux would re-read the file; those areas were filled at mmap
 * time and have no file behind them here); shared areas keep theirs.
 *
 * Faults: uvm_fault checks the area and its protection (write needs
 * PROT_WRITE, instruction fetch PROT_EXEC, a read any access; x86 cannot
 * express write-only or exec-only pages), then resolves. A fault on a page
 * already mapped with the rights asked is spurious (another thread
 * resolved it, a stale TLB entry): flushed and retried.
 *
 * Lock order: uvm->lock -> (page allocator, slab). uvm->lock is a mutex:
 * never taken with a spinlock held or interrupts off (idt.c only calls
 * uvm_fault when the fault came with interrupts on and no spinlock held).
 * rss is written under the lock and read without it; refs and cpumask are
 * atomic. A uvm is freed by its last uvm_put; the caller must have taken it
 * out of every thread->uvm first (the scheduler activates thread->uvm). */
#include "uvm_internal.h"
#include <rayos/arch.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/mm.h>
#include <rayos/sched.h>
#include <rayos/string.h>
#include <rayos/vfs.h>
#include <rayos/vm.h>

/* From the VFS work (vfs.h); absent until it is merged. */
extern long kernel_read(struct file *f, void *buf, size_t n, u64 off) __attribute__((weak));

/* ---- metrics ---- */
enum { FAULT_DEMAND, FAULT_COW, FAULT_INVALID, FAULT_KINDS };
static struct metric_family fam_faults = { .name = "rayos_page_faults_total",
	.help = "Page faults at user addresses: demand (a zeroed page mapped), cow (copy-on-write resolved), invalid (no area or access not allowed).",
	.type = METRIC_COUNTER };
static struct metric m_faults[FAULT_KINDS];
static struct metric_family fam_pages = { .name = "rayos_uvm_pages",
	.help = "Pages held by user address spaces: user (mapped memory, each counted once however many share it) and table (their page tables).",
	.type = METRIC_GAUGE };
static s64 read_pages(const struct metric *m);
static struct metric m_pages[2] = {
	{ .labels = "kind=\"user\"", .read = read_pages, .ctx = NULL },
	{ .labels = "kind=\"table\"", .read = read_pages, .ctx = (void *)1 },
};
static const char *const fault_kind_names[FAULT_KINDS] = { "demand", "cow", "invalid" };

void uvm_init(void)
{
	for (int i = 0; i < FAULT_KINDS; i++) {
		snprintf(m_faults[i].labels, sizeof(m_faults[i].labels), "kind=\"%s\"",
			 fault_kind_names[i]);
		metric_register(&fam_faults, &m_faults[i]);
	}
	metric_register(&fam_pages, &m_pages[0]);
	metric_register(&fam_pages, &m_pages[1]);
}

u64 uvm_fault_count(int kind)
{
	return kind >= 0 && kind < FAULT_KINDS ? (u64)metric_value(&m_faults[kind]) : 0;
}

/* ---- pages ---- */

static u64 user_pages; /* user pages allocated and not freed (atomic) */

static struct page *user_page_alloc(bool zero)
{
	struct page *p = alloc_page(GFP_KERNEL | GFP_NOWARN | (zero ? GFP_ZERO : 0));
	if (p) {
		p->refs = 1;
		__atomic_add_fetch(&user_pages, 1, __ATOMIC_RELAXED);
	}
	return p;
}

static void user_page_free(struct page *p)
{
	p->owner = NULL;
	__atomic_sub_fetch(&user_pages, 1, __ATOMIC_RELAXED);
	free_pages(p, 0);
}

static s64 read_pages(const struct metric *m)
{
	return (s64)(m->ctx ? arch_upt_table_pages() : __atomic_load_n(&user_pages, __ATOMIC_RELAXED));
}

u64 uvm_pages_in_use(void)
{
	return __atomic_load_n(&user_pages, __ATOMIC_RELAXED) + arch_upt_table_pages();
}

static void page_ref(struct page *p) { __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED); }

/* Drop one reference; at 0 the page goes on *batch, freed after the flush. */
static void page_unref(struct page *p, struct list_head *batch)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
		list_add(&p->lru, batch);
}

static void batch_free(struct list_head *batch)
{
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, batch) {
		struct page *p = list_entry(pos, struct page, lru);
		list_del(pos);
		user_page_free(p);
	}
}

static unsigned vm_prot(int prot)
{
	unsigned v = 0;
	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		v |= VM_READ;
	if (prot & PROT_WRITE)
		v |= VM_WRITE;
	if (prot & PROT_EXEC)
		v |= VM_EXEC;
	return v;
}

/* The rights a leaf of area a gets for page p: W only when not shared
 * copy-on-write. */
static unsigned leaf_prot(const struct uvm_area *a, struct page *p)
{
	unsigned v = vm_prot(a->prot);
	if (!(a->flags & AREA_SHARED) && __atomic_load_n(&p->refs, __ATOMIC_ACQUIRE) > 1)
		v &= ~VM_WRITE;
	return v;
}

/* ---- create, clone, free ---- */

struct uvm *uvm_create(void)
{
	struct uvm *vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return NULL;
	vm->root = arch_upt_create();
	if (!vm->root) {
		kfree(vm);
		return NULL;
	}
	mutex_init(&vm->lock, "uvm");
	area_set_init(&vm->areas);
	vm->refs = 1;
	return vm;
}

void uvm_get(struct uvm *vm) { __atomic_add_fetch(&vm->refs, 1, __ATOMIC_RELAXED); }

struct zap_ctx {
	struct uvm *vm;
	struct list_head batch;
	u64 cleared;
};

static int zap_fn(void *vctx, u64 va, u64 pfn, unsigned *prot)
{
	struct zap_ctx *z = vctx;
	(void)va;
	(void)prot;
	page_unref(pfn_to_page(pfn), &z->batch);
	z->vm->rss--;
	z->cleared++;
	return UPT_CLEAR;
}

/* Clear every leaf in [s, e), flush, free what nobody maps any more. */
static void zap_range(struct uvm *vm, u64 s, u64 e)
{
	struct zap_ctx z = { vm, LIST_HEAD_INIT(z.batch), 0 };
	arch_upt_walk(vm->root, s, e, zap_fn, &z);
	if (z.cleared) /* nothing was mapped: no CPU can cache any of it */
		arch_upt_flush(&vm->cpumask, s, e - s);
	batch_free(&z.batch);
}

void uvm_put(struct uvm *vm)
{
	if (!vm || __atomic_sub_fetch(&vm->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	/* The caller should have cleared it; if it is the calling thread's
	 * own, do it here so the next switch does not load a freed table. */
	struct thread *cur = this_cpu()->current;
	if (cur && cur->uvm == vm)
		cur->uvm = NULL;
	struct zap_ctx z = { vm, LIST_HEAD_INIT(z.batch), 0 };
	arch_upt_walk(vm->root, 0, USER_TOP, zap_fn, &z);
	arch_upt_release(vm->root, &vm->cpumask); /* unloaded everywhere, TLBs with it */
	batch_free(&z.batch);
	arch_upt_destroy(vm->root);
	area_set_clear(&vm->areas);
	kfree(vm);
}

void uvm_activate(struct uvm *vm)
{
	arch_upt_activate(vm ? vm->root : 0, vm ? &vm->cpumask : NULL);
}

struct clone_ctx {
	struct uvm *child;
	const struct uvm_area *a;
	int err;
};

static int clone_fn(void *vctx, u64 va, u64 pfn, unsigned *prot)
{
	struct clone_ctx *c = vctx;
	if (c->err)
		return UPT_KEEP;
	struct page *p = pfn_to_page(pfn);
	unsigned cp = *prot;
	bool cow = !(c->a->flags & AREA_SHARED) && (cp & VM_WRITE);
	if (cow)
		cp &= ~VM_WRITE;
	if (arch_upt_map(c->child->root, va, pfn, cp)) {
		c->err = -ENOMEM;
		return UPT_KEEP;
	}
	page_ref(p);
	c->child->rss++;
	if (cow) {
		*prot = cp;
		return UPT_PROT;
	}
	return UPT_KEEP;
}

struct uvm *uvm_clone(struct uvm *src)
{
	struct uvm *vm = uvm_create();
	if (!vm)
		return NULL;
	mutex_lock(&src->lock);
	int err = 0;
	struct list_head *pos;
	list_for_each(pos, &src->areas.list) {
		struct uvm_area *a = list_entry(pos, struct uvm_area, node);
		err = area_insert(&vm->areas, a->start, a->end, a->prot, a->flags);
		if (err)
			break;
		struct clone_ctx c = { vm, a, 0 };
		arch_upt_walk(src->root, a->start, a->end, clone_fn, &c);
		if ((err = c.err))
			break;
	}
	vm->brk_start = src->brk_start;
	vm->brk = src->brk;
	vm->exec_stack = src->exec_stack;
	/* the parent's writable private pages lost W: no CPU may keep it */
	arch_upt_flush(&src->cpumask, 0, USER_TOP);
	mutex_unlock(&src->lock);
	if (err) {
		uvm_put(vm);
		return NULL;
	}
	return vm;
}

/* ---- faults ---- */

/* Make the page at va (page aligned, inside area a) present and, for a
 * write, private to vm; *kind tells what was done (-1 nothing). 0 with
 * *out, or -ENOMEM. Lock held. */
static int resolve(struct uvm *vm, struct uvm_area *a, u64 va, bool write,
		   struct page **out, int *kind)
{
	u64 pfn;
	unsigned prot;
	unsigned want = vm_prot(a->prot);
	*kind = -1;
	if (arch_upt_query(vm->root, va, &pfn, &prot)) {
		struct page *p = user_page_alloc(true);
		if (!p)
			return -ENOMEM;
		if (arch_upt_map(vm->root, va, page_to_pfn(p), want)) {
			user_page_free(p);
			return -ENOMEM;
		}
		vm->rss++;
		*kind = FAULT_DEMAND;
		*out = p;
		return 0;
	}
	struct page *p = pfn_to_page(pfn);
	if (write && !(a->flags & AREA_SHARED) &&
	    __atomic_load_n(&p->refs, __ATOMIC_ACQUIRE) > 1) {
		struct page *n = user_page_alloc(false);
		if (!n)
			return -ENOMEM;
		memcpy(page_address(n), page_address(p), PAGE_SIZE);
		/* replacing a present leaf of the same frame count cannot fail */
		arch_upt_map(vm->root, va, page_to_pfn(n), want);
		struct list_head batch = LIST_HEAD_INIT(batch);
		page_unref(p, &batch);
		arch_upt_flush(&vm->cpumask, va, PAGE_SIZE);
		batch_free(&batch);
		*kind = FAULT_COW;
		*out = n;
		return 0;
	}
	if (write && !(prot & VM_WRITE) && (want & VM_WRITE)) {
		/* the last one sharing it: take it over */
		arch_upt_map(vm->root, va, pfn, want);
		*kind = FAULT_COW;
	}
	*out = p;
	return 0;
}

static bool prot_allows(int prot, bool write, bool exec)
{
	if (write)
		return prot & PROT_WRITE;
	if (exec)
		return prot & PROT_EXEC;
	return prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

int uvm_fault(struct uvm *vm, u64 addr, u32 err)
{
	if (!vm || addr >= USER_TOP || (err & 8)) {
		metric_inc(&m_faults[FAULT_INVALID]);
		return -EFAULT;
	}
	bool write = err & 2, exec = err & 16;
	u64 va = addr & ~(PAGE_SIZE - 1);
	mutex_lock(&vm->lock);
	struct uvm_area *a = area_find(&vm->areas, addr);
	int r = -EFAULT, kind = FAULT_INVALID;
	if (a && prot_allows(a->prot, write, exec)) {
		struct page *p;
		r = resolve(vm, a, va, write, &p, &kind);
		if (!r && kind < 0)
			arch_upt_flush(&vm->cpumask, va, PAGE_SIZE); /* spurious: stale TLB */
	}
	mutex_unlock(&vm->lock);
	if (kind >= 0)
		metric_inc(&m_faults[kind]);
	return r;
}

/* ---- forced access (loader, /proc) ---- */

static int access_vm(struct uvm *vm, u64 va, void *buf, size_t n, bool write)
{
	if (!access_ok((const void *)(uintptr_t)va, n))
		return -EFAULT;
	int r = 0;
	mutex_lock(&vm->lock);
	while (n) {
		u64 page_va = va & ~(PAGE_SIZE - 1), off = va - page_va;
		size_t chunk = MIN(n, PAGE_SIZE - off);
		struct uvm_area *a = area_find(&vm->areas, va);
		struct page *p;
		int kind;
		if (!a) {
			r = -EFAULT;
			break;
		}
		if ((r = resolve(vm, a, page_va, write, &p, &kind)))
			break;
		u8 *k = (u8 *)page_address(p) + off;
		if (write)
			memcpy(k, buf, chunk);
		else
			memcpy(buf, k, chunk);
		buf = (u8 *)buf + chunk;
		va += chunk;
		n -= chunk;
	}
	mutex_unlock(&vm->lock);
	return r;
}

int uvm_write(struct uvm *vm, u64 va, const void *buf, size_t n)
{
	return access_vm(vm, va, (void *)buf, n, true);
}

int uvm_read(struct uvm *vm, u64 va, void *buf, size_t n)
{
	return access_vm(vm, va, buf, n, false);
}

/* ---- mmap, munmap, mprotect, brk, madvise ---- */

static int munmap_locked(struct uvm *vm, u64 s, u64 e)
{
	int r = area_remove_range(&vm->areas, s, e);
	if (!r)
		zap_range(vm, s, e);
	return r;
}

int uvm_map_fixed(struct uvm *vm, u64 start, u64 end, int prot, unsigned flags)
{
	if (start < MMAP_MIN || end > USER_TOP || start >= end || (start | end) & (PAGE_SIZE - 1))
		return -EINVAL;
	mutex_lock(&vm->lock);
	int r = area_insert(&vm->areas, start, end, prot, flags);
	mutex_unlock(&vm->lock);
	return r;
}

/* Pages holding [off, off + len) of f: an array of len/PAGE_SIZE slots,
 * filled (refs 1) up to the page holding the end of the file (zero past
 * it) and NULL after it: those pages are demand-zero, so that the memory
 * taken is bounded by the file, not by len. NULL with *err. */
static struct page **read_file_pages(const struct elf_reader *src, u64 off, u64 len, int *err)
{
	u64 n = len / PAGE_SIZE;
	struct page **pages = kzalloc(n * sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		*err = -ENOMEM;
		return NULL;
	}
	bool eof = false;
	for (u64 i = 0; i < n && !eof; i++) {
		pages[i] = user_page_alloc(true);
		if (!pages[i]) {
			*err = -ENOMEM;
			goto fail;
		}
		long got = src->read(src->ctx, page_address(pages[i]), PAGE_SIZE, off + i * PAGE_SIZE);
		if (got < 0) {
			*err = (int)got;
			goto fail;
		}
		if (got < (long)PAGE_SIZE)
			eof = true;
	}
	return pages;
fail:
	for (u64 i = 0; i < n && pages[i]; i++)
		user_page_free(pages[i]);
	kfree(pages);
	return NULL;
}

static long file_read(void *ctx, void *buf, size_t n, u64 off)
{
	return kernel_read(ctx, buf, n, off);
}

long uvm_mmap(struct uvm *vm, u64 addr, u64 len, int prot, int flags, struct file *f, u64 off)
{
	if (flags & MAP_ANONYMOUS)
		return uvm_mmap_from(vm, addr, len, prot, flags, NULL, off);
	if (!f)
		return -EBADF;
	if (!kernel_read)
		return -ENODEV;
	struct elf_reader r = { file_read, f };
	return uvm_mmap_from(vm, addr, len, prot, flags, &r, off);
}

long uvm_mmap_from(struct uvm *vm, u64 addr, u64 len, int prot, int flags,
		   const struct elf_reader *src, u64 off)
{
	int type = flags & (MAP_SHARED | MAP_PRIVATE);
	bool anon = flags & MAP_ANONYMOUS;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (!len || !type || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (fixed && (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	bool shared = type != MAP_PRIVATE; /* MAP_SHARED or MAP_SHARED_VALIDATE */
	if (!anon) {
		if (!src)
			return -EBADF;
		if (shared && (prot & PROT_WRITE))
			return -ENODEV; /* writable shared file mappings: not supported */
		if (off + len < off)
			return -EOVERFLOW;
		shared = false; /* read-only shared file: a private copy reads the same */
	}
	struct page **pages = NULL;
	if (!anon) {
		int err = 0;
		pages = read_file_pages(src, off, len, &err);
		if (!pages)
			return err;
	}
	long r;
	mutex_lock(&vm->lock);
	if (fixed) {
		if (addr < MMAP_MIN) {
			r = -EPERM;
			goto out;
		}
		if (addr > USER_TOP - len) {
			r = -ENOMEM;
			goto out;
		}
		if (!area_range_free(&vm->areas, addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE) {
				r = -EEXIST;
				goto out;
			}
			if ((r = munmap_locked(vm, addr, addr + len)))
				goto out;
		}
	} else {
		u64 hint = ALIGN_DOWN(addr, PAGE_SIZE);
		/* len first: the bound below must not wrap (a hint at or above
		 * USER_TOP was taken with a length near USER_TOP) */
		if (hint >= MMAP_MIN && len <= STACK_TOP - STACK_SIZE - STACK_GAP &&
		    hint <= STACK_TOP - STACK_SIZE - STACK_GAP - len &&
		    area_range_free(&vm->areas, hint, hint + len)) {
			addr = hint;
		} else {
			addr = area_gap_topdown(&vm->areas, len, MMAP_MIN, MMAP_BASE);
			if (!addr)
				addr = area_gap_topdown(&vm->areas, len, MMAP_BASE,
							STACK_TOP - STACK_SIZE - STACK_GAP);
			if (!addr) {
				r = -ENOMEM;
				goto out;
			}
		}
	}
	if ((r = area_insert(&vm->areas, addr, addr + len, prot, shared ? AREA_SHARED : 0)))
		goto out;
	r = (long)addr;
	if (pages) {
		unsigned v = vm_prot(prot);
		for (u64 i = 0; i < len / PAGE_SIZE && pages[i]; i++) {
			if (arch_upt_map(vm->root, addr + i * PAGE_SIZE, page_to_pfn(pages[i]), v)) {
				munmap_locked(vm, addr, addr + len);
				r = -ENOMEM;
				break;
			}
			pages[i] = NULL; /* the leaf owns it now */
			vm->rss++;
		}
	} else if (shared) {
		/* shared anonymous: every page now, so that fork shares them all */
		struct uvm_area *a = area_find(&vm->areas, addr);
		for (u64 va = addr; va < addr + len; va += PAGE_SIZE) {
			struct page *p;
			int kind;
			if (resolve(vm, a, va, false, &p, &kind)) {
				munmap_locked(vm, addr, addr + len);
				r = -ENOMEM;
				break;
			}
		}
	}
out:
	mutex_unlock(&vm->lock);
	if (pages) {
		for (u64 i = 0; i < len / PAGE_SIZE; i++) {
			if (pages[i])
				user_page_free(pages[i]);
		}
		kfree(pages);
	}
	return r;
}

/* A user range [addr, addr+len) rounded to pages: false when it is not
 * page-aligned at the start or leaves [0, USER_TOP). */
static bool user_range(u64 addr, u64 len, u64 *end)
{
	if (addr & (PAGE_SIZE - 1) || addr >= USER_TOP || len > USER_TOP - addr)
		return false;
	*end = ALIGN_UP(addr + len, PAGE_SIZE);
	return true;
}

int uvm_munmap(struct uvm *vm, u64 addr, u64 len)
{
	u64 end;
	if (!len || !user_range(addr, len, &end))
		return -EINVAL;
	mutex_lock(&vm->lock);
	int r = munmap_locked(vm, addr, end);
	mutex_unlock(&vm->lock);
	return r;
}

struct prot_ctx {
	const struct uvm_area *a;
};

static int protect_fn(void *vctx, u64 va, u64 pfn, unsigned *prot)
{
	struct prot_ctx *c = vctx;
	(void)va;
	*prot = leaf_prot(c->a, pfn_to_page(pfn));
	return UPT_PROT;
}

int uvm_mprotect(struct uvm *vm, u64 addr, u64 len, int prot)
{
	u64 end;
	if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) || !user_range(addr, len, &end))
		return -EINVAL;
	if (!len)
		return 0;
	mutex_lock(&vm->lock);
	int r = -ENOMEM;
	if (area_range_covered(&vm->areas, addr, end))
		r = area_protect_range(&vm->areas, addr, end, prot);
	if (!r) {
		for (struct uvm_area *a = area_next(&vm->areas, addr); a && a->start < end;
		     a = a->node.next == &vm->areas.list ? NULL :
			 list_entry(a->node.next, struct uvm_area, node)) {
			struct prot_ctx c = { a };
			arch_upt_walk(vm->root, MAX(a->start, addr), MIN(a->end, end), protect_fn, &c);
		}
		arch_upt_flush(&vm->cpumask, addr, end - addr);
	}
	mutex_unlock(&vm->lock);
	return r;
}

int uvm_madvise(struct uvm *vm, u64 addr, u64 len, int advice)
{
	u64 end;
	if (!user_range(addr, len, &end))
		return -EINVAL;
	switch (advice) {
	case 0: case 1: case 2: case 3: /* NORMAL, RANDOM, SEQUENTIAL, WILLNEED: hints */
		return 0;
	case MADV_DONTNEED:
	case 8: /* MADV_FREE: dropping now is one valid outcome */
		break;
	default:
		return -EINVAL;
	}
	if (!len)
		return 0;
	mutex_lock(&vm->lock);
	int r = -ENOMEM;
	if (area_range_covered(&vm->areas, addr, end)) {
		r = 0;
		for (struct uvm_area *a = area_next(&vm->areas, addr); a && a->start < end;
		     a = a->node.next == &vm->areas.list ? NULL :
			 list_entry(a->node.next, struct uvm_area, node))
			if (!(a->flags & AREA_SHARED)) /* shared pages have no other copy: kept */
				zap_range(vm, MAX(a->start, addr), MIN(a->end, end));
	}
	mutex_unlock(&vm->lock);
	return r;
}

u64 uvm_brk(struct uvm *vm, u64 newbrk)
{
	mutex_lock(&vm->lock);
	u64 cur = vm->brk;
	if (!vm->brk_start || newbrk < vm->brk_start || newbrk >= USER_TOP)
		goto out;
	u64 old_end = ALIGN_UP(cur, PAGE_SIZE), new_end = ALIGN_UP(newbrk, PAGE_SIZE);
	if (new_end > old_end) {
		/* keep the stack's guard gap free, like Linux's check_brk_limits */
		struct uvm_area *next = area_next(&vm->areas, old_end);
		u64 limit = next ? next->start : USER_TOP;
		if (next && (next->flags & AREA_STACK))
			limit = next->start > STACK_GAP ? next->start - STACK_GAP : 0;
		if (new_end > limit)
			goto out;
		if (area_insert(&vm->areas, old_end, new_end, PROT_READ | PROT_WRITE, AREA_HEAP))
			goto out;
	} else if (new_end < old_end) {
		if (munmap_locked(vm, new_end, old_end))
			goto out;
	}
	vm->brk = cur = newbrk;
out:
	mutex_unlock(&vm->lock);
	return cur;
}

void uvm_set_brk(struct uvm *vm, u64 start)
{
	mutex_lock(&vm->lock);
	vm->brk_start = vm->brk = ALIGN_UP(start, PAGE_SIZE);
	mutex_unlock(&vm->lock);
}

u64 uvm_rss_pages(const struct uvm *vm)
{
	return vm ? READ_ONCE(vm->rss) : 0;
}

u64 uvm_size(const struct uvm *vm)
{
	if (!vm)
		return 0;
	struct uvm *w = (struct uvm *)vm; /* the lock is not part of the value */
	mutex_lock(&w->lock);
	u64 t = area_total(&w->areas);
	mutex_unlock(&w->lock);
	return t;
}

int uvm_check(struct uvm *vm, char *why, size_t why_size)
{
	mutex_lock(&vm->lock);
	int r = area_set_check(&vm->areas, why, why_size);
	mutex_unlock(&vm->lock);
	return r;
}
