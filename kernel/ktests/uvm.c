/* ktests/uvm.c — in-kernel tests of user address spaces (suite uvm), all
 * in kernel mode through the uaccess routines: the test thread adopts an
 * address space (thread->uvm, as a process thread would have it) and
 * touches it with copy_to_user/copy_from_user, so demand paging and
 * copy-on-write go through the real #PF path and bad pointers through the
 * exception fixups. Covered: demand paging, -EFAULT for unmapped, kernel
 * and wrapping ranges, mprotect (read-only, PROT_NONE), munmap splitting,
 * brk, fork's copy-on-write with the fault counters, MADV_DONTNEED, the
 * ELF loader on images built here (ET_EXEC, ET_DYN, malformed variants),
 * the initial stack field by field, SMEP/SMAP. Every test runs pinned to
 * one CPU and checks that no user page or page-table page is left over
 * (uvm_pages_in_use) and that free memory is back where it was. */
#include <rayos/ktest.h>
#include <rayos/arch.h>
#include <rayos/mm.h>
#include <rayos/sched.h>
#include <rayos/string.h>
#include <rayos/thread.h>
#include <rayos/uaccess.h>
#include <rayos/uvm.h>
#include <rayos/vm.h>
#include <rayos/printf.h>
#include <rayos/time.h>
#include "../../mm/uvm_internal.h"

#define P PAGE_SIZE

struct env {
	u64 free_before, pages_before;
	cpumask_t affinity;
};

static u64 free_now(void)
{
	struct mem_stats s;
	slab_shrink_all();
	for (int n = 0; n < nr_nodes; n++)
		zone_drain_pcp(zones[n], this_cpu()->id);
	mm_stats(&s);
	return s.free_bytes;
}

static void env_begin(struct env *e)
{
	struct thread *t = this_cpu()->current;
	e->affinity = t->affinity;
	thread_set_affinity(t, 1ULL << this_cpu()->id); /* kfree on the CPU that allocated */
	e->pages_before = uvm_pages_in_use();
	e->free_before = free_now();
}

static void env_end_free(struct ktest_ctx *t, struct env *e, bool exact_free)
{
	KT_EXPECT_EQ(uvm_pages_in_use(), e->pages_before);
	u64 after = free_now();
	if (exact_free && after != e->free_before)
		ktest_fail(t, __FILE__, __LINE__, "free memory %llu before, %llu after",
			   (unsigned long long)e->free_before, (unsigned long long)after);
	thread_set_affinity(this_cpu()->current, e->affinity);
}

static void env_end(struct ktest_ctx *t, struct env *e) { env_end_free(t, e, true); }

/* The test thread runs in vm (NULL: none). */
static void enter(struct uvm *vm)
{
	this_cpu()->current->uvm = vm;
	uvm_activate(vm);
}

/* A test in a fresh address space the thread runs in; finish() leaves
 * it, frees it and checks nothing leaked. */
static struct uvm *begin(struct env *e)
{
	env_begin(e);
	struct uvm *vm = uvm_create();
	enter(vm);
	return vm;
}

static void finish(struct ktest_ctx *t, struct env *e, struct uvm *vm)
{
	enter(NULL);
	uvm_put(vm);
	env_end(t, e);
}

static void *U(u64 a) { return (void *)(uintptr_t)a; }

static bool checked(struct ktest_ctx *t, struct uvm *vm)
{
	char why[160];
	if (uvm_check(vm, why, sizeof(why))) {
		ktest_fail(t, __FILE__, __LINE__, "areas: %s", why);
		return false;
	}
	return true;
}

KTEST(uvm, demand_paging_on_first_touch)
{
	struct env e;
	struct uvm *vm = begin(&e);
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_EXPECT(a > 0 && !(a & (P - 1)));
	KT_EXPECT_EQ(uvm_rss_pages(vm), 0);
	KT_EXPECT_EQ(uvm_size(vm), 4 * P);
	u64 demand0 = uvm_fault_count(0);
	const char msg[] = "hello, user page";
	KT_EXPECT_EQ(copy_to_user(U(a + P + 5), msg, sizeof(msg)), 0);
	KT_EXPECT_EQ(uvm_rss_pages(vm), 1);
	KT_EXPECT_EQ(uvm_fault_count(0), demand0 + 1);
	char back[sizeof(msg)];
	KT_EXPECT_EQ(copy_from_user(back, U(a + P + 5), sizeof(back)), 0);
	KT_EXPECT_STR(back, msg);
	u64 z = 1;
	KT_EXPECT_EQ(get_user_u64(&z, U(a + 3 * P)), 0); /* untouched: reads zero */
	KT_EXPECT_EQ(z, 0);
	KT_EXPECT_EQ(uvm_rss_pages(vm), 2);
	KT_EXPECT_EQ(put_user_u32(U(a + 3 * P + 8), 0xdeadbeef), 0);
	u32 v = 0;
	KT_EXPECT_EQ(get_user_u32(&v, U(a + 3 * P + 8)), 0);
	KT_EXPECT_EQ(v, 0xdeadbeef);
	KT_EXPECT_EQ(clear_user(U(a + P + 5), 6), 0);
	KT_EXPECT_EQ(copy_from_user(back, U(a + P + 5), sizeof(back)), 0);
	KT_EXPECT_STR(back + 6, msg + 6);
	KT_EXPECT_EQ(back[0], 0);
	char s[32];
	KT_EXPECT_EQ(copy_to_user(U(a), "path/name", 10), 0);
	KT_EXPECT_EQ(strncpy_from_user(s, U(a), sizeof(s)), 9);
	KT_EXPECT_STR(s, "path/name");
	KT_EXPECT_EQ(strncpy_from_user(s, U(a), 5), -ENAMETOOLONG);
	finish(t, &e, vm);
}

KTEST(uvm, bad_user_pointers_fault)
{
	struct env e;
	struct uvm *vm = begin(&e);
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0);
	char buf[64] = "data";
	u64 inval0 = uvm_fault_count(2);
	KT_EXPECT_EQ(copy_to_user(U(0x1000), buf, 8), -EFAULT);          /* no area */
	KT_EXPECT_EQ(copy_from_user(buf, U(0x40000000), 8), -EFAULT);
	KT_EXPECT(uvm_fault_count(2) >= inval0 + 2);
	KT_EXPECT_EQ(copy_to_user((void *)buf, buf, 8), -EFAULT);        /* kernel address */
	KT_EXPECT_EQ(copy_from_user(buf, (void *)&e, 8), -EFAULT);
	KT_EXPECT_EQ(copy_to_user(U(USER_TOP - 8), buf, 16), -EFAULT);   /* across the top */
	KT_EXPECT_EQ(copy_from_user(buf, U(~0ULL - 3), 8), -EFAULT);     /* wraps */
	KT_EXPECT_EQ(copy_to_user(U(a + P - 8), buf, 16), -EFAULT);      /* runs off the area */
	KT_EXPECT_EQ(strncpy_from_user(buf, U(0x2000), sizeof(buf)), -EFAULT);
	KT_EXPECT_EQ(clear_user(U(0x3000), 8), -EFAULT);
	u64 x;
	KT_EXPECT_EQ(get_user_u64(&x, U(USER_TOP)), -EFAULT);
	/* a string running into an unmapped page */
	memset(buf, 'x', sizeof(buf));
	KT_EXPECT_EQ(copy_to_user(U(a + P - 16), buf, 16), 0);
	KT_EXPECT_EQ(strncpy_from_user(buf, U(a + P - 16), sizeof(buf)), -EFAULT);
	/* single-instruction get/put: a word straddling the end of the area */
	KT_EXPECT_EQ(put_user_u64(U(a + P - 4), 1), -EFAULT);
	KT_EXPECT_EQ(put_user_u32(U(a + P - 2), 1), -EFAULT);
	u32 w32 = 7;
	KT_EXPECT_EQ(get_user_u32(&w32, U(a + P - 2)), -EFAULT);
	KT_EXPECT_EQ(w32, 7); /* untouched on failure */
	KT_EXPECT_EQ(put_user_u64(U(a + P - 12), 0x1122334455667788ULL), 0); /* misaligned, inside */
	KT_EXPECT_EQ(get_user_u64(&x, U(a + P - 12)), 0);
	KT_EXPECT_EQ(x, 0x1122334455667788ULL);
	/* with no address space at all */
	enter(NULL);
	KT_EXPECT_EQ(copy_to_user(U(a), buf, 8), -EFAULT);
	uvm_put(vm);
	env_end(t, &e);
}

KTEST(uvm, mprotect_read_only_and_none)
{
	struct env e;
	struct uvm *vm = begin(&e);
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0);
	u64 v = 42;
	KT_EXPECT_EQ(put_user_u64(U(a + P), v), 0);
	KT_EXPECT_EQ(uvm_mprotect(vm, a + P, P, PROT_READ), 0);
	KT_EXPECT(checked(t, vm));
	KT_EXPECT_EQ(put_user_u64(U(a + P), 7), -EFAULT);
	KT_EXPECT_EQ(put_user_u64(U(a + P + 8), 7), -EFAULT);
	KT_EXPECT_EQ(get_user_u64(&v, U(a + P)), 0);
	KT_EXPECT_EQ(v, 42);
	KT_EXPECT_EQ(put_user_u64(U(a), 1), 0);          /* neighbours still writable */
	KT_EXPECT_EQ(put_user_u64(U(a + 2 * P), 1), 0);
	KT_EXPECT_EQ(uvm_mprotect(vm, a + P, P, PROT_NONE), 0);
	KT_EXPECT_EQ(get_user_u64(&v, U(a + P)), -EFAULT);
	KT_EXPECT_EQ(uvm_mprotect(vm, a + P, P, PROT_READ | PROT_WRITE), 0);
	KT_EXPECT_EQ(get_user_u64(&v, U(a + P)), 0);
	KT_EXPECT_EQ(v, 42);                              /* kept through PROT_NONE */
	KT_EXPECT_EQ(put_user_u64(U(a + P), 43), 0);
	KT_EXPECT_EQ(uvm_mprotect(vm, a + P, 100 * P, PROT_READ), -ENOMEM); /* hole */
	KT_EXPECT_EQ(uvm_mprotect(vm, a + 1, P, PROT_READ), -EINVAL);
	KT_EXPECT(checked(t, vm));
	finish(t, &e, vm);
}

KTEST(uvm, munmap_splits_areas)
{
	struct env e;
	struct uvm *vm = begin(&e);
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, 8 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0);
	for (u64 i = 0; i < 8; i++)
		KT_EXPECT_EQ(put_user_u64(U(a + i * P), 100 + i), 0);
	KT_EXPECT_EQ(uvm_rss_pages(vm), 8);
	KT_EXPECT_EQ(uvm_munmap(vm, a + 3 * P, 2 * P), 0);
	KT_EXPECT(checked(t, vm));
	KT_EXPECT_EQ(uvm_size(vm), 6 * P);
	KT_EXPECT_EQ(uvm_rss_pages(vm), 6);
	for (u64 i = 0; i < 8; i++) {
		u64 v = 0;
		int r = get_user_u64(&v, U(a + i * P));
		if (i == 3 || i == 4) {
			KT_EXPECT_EQ(r, -EFAULT);
		} else {
			KT_EXPECT_EQ(r, 0);
			KT_EXPECT_EQ(v, 100 + i);
		}
	}
	/* MAP_FIXED into the hole and over a mapped page; NOREPLACE refuses */
	KT_EXPECT_EQ(uvm_mmap(vm, a + 3 * P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0), a + 3 * P);
	KT_EXPECT_EQ(uvm_mmap(vm, a + 2 * P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0), -EEXIST);
	KT_EXPECT_EQ(uvm_mmap(vm, a + 2 * P, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), a + 2 * P);
	u64 v = 1;
	KT_EXPECT_EQ(get_user_u64(&v, U(a + 2 * P)), 0);
	KT_EXPECT_EQ(v, 0); /* replaced: a fresh zero page */
	/* a hint that is free is taken; errors */
	KT_EXPECT_EQ(uvm_mmap(vm, 0x10000000, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0), 0x10000000);
	KT_EXPECT_EQ(uvm_mmap(vm, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0), -EINVAL);
	KT_EXPECT_EQ(uvm_mmap(vm, 0, P, PROT_READ, MAP_ANONYMOUS, NULL, 0), -EINVAL);
	KT_EXPECT_EQ(uvm_mmap(vm, 0x1000, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), -EPERM);
	KT_EXPECT_EQ(uvm_munmap(vm, a + 1, P), -EINVAL);
	KT_EXPECT_EQ(uvm_munmap(vm, 0x20000000, P), 0); /* nothing there: fine */
	/* unmapping everything, in pieces that cross areas */
	KT_EXPECT_EQ(uvm_munmap(vm, a, 5 * P), 0);
	KT_EXPECT_EQ(uvm_munmap(vm, a + 5 * P, 3 * P), 0);
	KT_EXPECT_EQ(uvm_munmap(vm, 0x10000000, P), 0);
	KT_EXPECT_EQ(uvm_size(vm), 0);
	KT_EXPECT_EQ(uvm_rss_pages(vm), 0);
	KT_EXPECT(checked(t, vm));
	finish(t, &e, vm);
}

KTEST(uvm, mmap_top_down_below_the_stack)
{
	struct env e;
	env_begin(&e);
	struct uvm *vm = uvm_create();
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	long b = uvm_mmap(vm, 0, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_EXPECT_EQ(a, MMAP_BASE - P);
	KT_EXPECT_EQ(b, MMAP_BASE - 3 * P);
	KT_EXPECT_EQ(uvm_munmap(vm, a, P), 0);
	long c = uvm_mmap(vm, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_EXPECT_EQ(c, a); /* the gap is reused */
	KT_EXPECT_EQ(uvm_mmap(vm, 0, USER_TOP, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0), -ENOMEM);
	KT_EXPECT(checked(t, vm));
	uvm_put(vm);
	env_end(t, &e);
}

KTEST(uvm, brk_grows_and_shrinks)
{
	struct env e;
	struct uvm *vm = begin(&e);
	KT_ASSERT(vm);
	const u64 start = 0x601000;
	KT_EXPECT_EQ(uvm_brk(vm, 0), 0); /* no heap before a program is loaded */
	uvm_set_brk(vm, start);
	KT_EXPECT_EQ(uvm_brk(vm, 0), start);
	KT_EXPECT_EQ(uvm_brk(vm, start + 10000), start + 10000);
	KT_EXPECT_EQ(put_user_u64(U(start + 9992), 5), 0);
	KT_EXPECT_EQ(put_user_u64(U(start + 3 * P), 5), -EFAULT); /* above the page-rounded break */
	KT_EXPECT_EQ(uvm_size(vm), 3 * P);
	KT_EXPECT_EQ(uvm_brk(vm, start + 100), start + 100);
	KT_EXPECT_EQ(put_user_u64(U(start + 5000), 5), -EFAULT);
	KT_EXPECT_EQ(put_user_u64(U(start + 8), 5), 0);
	KT_EXPECT_EQ(uvm_brk(vm, start - P), start + 100);   /* below the start: refused */
	/* growth stops at another area */
	KT_EXPECT_EQ(uvm_mmap(vm, start + 16 * P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), start + 16 * P);
	KT_EXPECT_EQ(uvm_brk(vm, start + 20 * P), start + 100);
	KT_EXPECT_EQ(uvm_brk(vm, start + 16 * P), start + 16 * P);
	KT_EXPECT_EQ(uvm_brk(vm, start), start);
	KT_EXPECT_EQ(uvm_size(vm), P);
	KT_EXPECT(checked(t, vm));
	finish(t, &e, vm);
}

KTEST(uvm, fork_copy_on_write)
{
	struct env e;
	env_begin(&e);
	struct uvm *parent = uvm_create();
	KT_ASSERT(parent);
	enter(parent);
	long a = uvm_mmap(parent, 0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	long s = uvm_mmap(parent, 0, P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0 && s > 0);
	KT_EXPECT_EQ(put_user_u64(U(a), 0x1111), 0);
	KT_EXPECT_EQ(put_user_u64(U(a + P), 0x2222), 0);
	KT_EXPECT_EQ(put_user_u64(U(a + 2 * P), 0x3333), 0);
	KT_EXPECT_EQ(put_user_u64(U(s), 0x5555), 0);
	u64 user_pages_before = uvm_pages_in_use();
	struct uvm *child = uvm_clone(parent);
	KT_ASSERT(child);
	KT_EXPECT_EQ(uvm_rss_pages(child), uvm_rss_pages(parent));
	u64 cow0 = uvm_fault_count(1);
	u64 v = 0;

	/* the child writes: its copy changes, the parent's does not */
	enter(child);
	KT_EXPECT_EQ(get_user_u64(&v, U(a)), 0);
	KT_EXPECT_EQ(v, 0x1111);
	KT_EXPECT_EQ(put_user_u64(U(a), 0xc1), 0);
	KT_EXPECT_EQ(uvm_fault_count(1), cow0 + 1);
	KT_EXPECT_EQ(put_user_u64(U(s), 0x5656), 0); /* shared: seen by both */
	enter(parent);
	KT_EXPECT_EQ(get_user_u64(&v, U(a)), 0);
	KT_EXPECT_EQ(v, 0x1111);
	KT_EXPECT_EQ(get_user_u64(&v, U(s)), 0);
	KT_EXPECT_EQ(v, 0x5656);
	/* the parent writes a page the child never touched */
	KT_EXPECT_EQ(put_user_u64(U(a + P), 0xa1), 0);
	KT_EXPECT_EQ(uvm_fault_count(1), cow0 + 2);
	enter(child);
	KT_EXPECT_EQ(get_user_u64(&v, U(a + P)), 0);
	KT_EXPECT_EQ(v, 0x2222);
	KT_EXPECT_EQ(get_user_u64(&v, U(a)), 0);
	KT_EXPECT_EQ(v, 0xc1);
	/* two copies were made */
	KT_EXPECT_EQ(uvm_pages_in_use() - user_pages_before >= 2, 1);
	enter(NULL);
	uvm_put(child);
	/* the parent is the only user of the third page now: taken over, no copy */
	enter(parent);
	u64 in_use = uvm_pages_in_use();
	KT_EXPECT_EQ(put_user_u64(U(a + 2 * P), 0xa2), 0);
	KT_EXPECT_EQ(uvm_fault_count(1), cow0 + 3);
	KT_EXPECT_EQ(uvm_pages_in_use(), in_use);
	KT_EXPECT_EQ(get_user_u64(&v, U(a + 2 * P)), 0);
	KT_EXPECT_EQ(v, 0xa2);
	enter(NULL);
	uvm_put(parent);
	env_end(t, &e);
}

KTEST(uvm, madvise_dontneed_zeroes)
{
	struct env e;
	struct uvm *vm = begin(&e);
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0);
	for (u64 i = 0; i < 4; i++)
		KT_EXPECT_EQ(put_user_u64(U(a + i * P), 9), 0);
	KT_EXPECT_EQ(uvm_madvise(vm, a + P, 2 * P, MADV_DONTNEED), 0);
	KT_EXPECT_EQ(uvm_rss_pages(vm), 2);
	u64 v = 1;
	KT_EXPECT_EQ(get_user_u64(&v, U(a + P)), 0);
	KT_EXPECT_EQ(v, 0);
	KT_EXPECT_EQ(get_user_u64(&v, U(a)), 0);
	KT_EXPECT_EQ(v, 9);
	KT_EXPECT_EQ(get_user_u64(&v, U(a + 3 * P)), 0);
	KT_EXPECT_EQ(v, 9);
	KT_EXPECT_EQ(uvm_madvise(vm, a, 8 * P, MADV_DONTNEED), -ENOMEM); /* runs off the area */
	KT_EXPECT_EQ(uvm_madvise(vm, a, P, 999), -EINVAL);
	finish(t, &e, vm);
}

/* ---- ELF images built here ---- */

struct image {
	u8 *buf;
	size_t size;
};

static long image_read(void *ctx, void *buf, size_t n, u64 off)
{
	struct image *im = ctx;
	if (off >= im->size)
		return 0;
	size_t k = MIN(n, im->size - off);
	memcpy(buf, im->buf + off, k);
	return (long)k;
}

struct ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

#define IMG_SIZE (3 * P)
#define TEXT_MARK 0xC3C3C3C3u
/* A small static executable: a text segment with the headers (file
 * offset 0), a data segment with 16 bytes of data and a page of bss. */
static void build_image(u8 *b, u16 type, u64 base)
{
	memset(b, 0, IMG_SIZE);
	struct ehdr *eh = (struct ehdr *)b;
	memcpy(eh->ident, "\177ELF\2\1\1", 7);
	eh->type = type;
	eh->machine = 62;
	eh->version = 1;
	eh->entry = base + 0x100;
	eh->phoff = sizeof(*eh);
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(struct phdr);
	eh->phnum = 3;
	struct phdr *ph = (struct phdr *)(b + sizeof(*eh));
	ph[0] = (struct phdr){ 1, 5, 0, base, base, P, P, P };                 /* R X */
	ph[1] = (struct phdr){ 1, 6, P + 0x10, base + 2 * P + 0x10, 0, 16, P + 100, P }; /* R W, bss */
	ph[2] = (struct phdr){ 0x6474e551, 6, 0, 0, 0, 0, 0, 16 };             /* GNU_STACK RW */
	*(u32 *)(b + 0x100) = TEXT_MARK;
	memcpy(b + P + 0x10, "data-segment-16b", 16);
	memset(b + P + 0x20, 0xee, P - 0x20); /* file bytes past p_filesz: must not show */
}

static int load(struct uvm *vm, u8 *b, size_t size, struct elf_info *ei)
{
	struct image im = { b, size };
	struct elf_reader r = { image_read, &im };
	return elf_load_from(vm, &r, ei);
}

static void check_loaded(struct ktest_ctx *t, struct uvm *vm, const struct elf_info *ei, u64 base)
{
	enter(vm);
	u32 w = 0;
	KT_EXPECT_EQ(get_user_u32(&w, U(ei->entry)), 0);
	KT_EXPECT_EQ(w, TEXT_MARK);
	KT_EXPECT_EQ(ei->phdr, base + sizeof(struct ehdr));
	KT_EXPECT_EQ(ei->phnum, 3);
	KT_EXPECT_EQ(ei->phent, sizeof(struct phdr));
	u16 ptype = 0;
	KT_EXPECT_EQ(copy_from_user(&ptype, U(ei->phdr), 2), 0);
	KT_EXPECT_EQ(ptype, 1);
	KT_EXPECT_EQ(put_user_u32(U(ei->entry), 0), -EFAULT); /* text is read-only */
	char d[17] = { 0 };
	KT_EXPECT_EQ(copy_from_user(d, U(base + 2 * P + 0x10), 16), 0);
	KT_EXPECT_STR(d, "data-segment-16b");
	u64 z = 1;
	KT_EXPECT_EQ(get_user_u64(&z, U(base + 2 * P + 0x20)), 0); /* bss */
	KT_EXPECT_EQ(z, 0);
	KT_EXPECT_EQ(get_user_u64(&z, U(base + 3 * P + 0x60)), 0);
	KT_EXPECT_EQ(z, 0);
	KT_EXPECT_EQ(put_user_u64(U(base + 2 * P + 0x20), 1), 0); /* data is writable */
	KT_EXPECT_EQ(ei->brk, base + 4 * P);
	KT_EXPECT_EQ(uvm_brk(vm, 0), base + 4 * P);
	KT_EXPECT_EQ(get_user_u64(&z, U(base + P)), -EFAULT); /* the hole between */
	enter(NULL);
}

KTEST(uvm, elf_load_exec_and_dyn)
{
	struct env e;
	env_begin(&e);
	u8 *b = kmalloc(IMG_SIZE, GFP_KERNEL);
	KT_ASSERT(b);
	struct elf_info ei;
	struct uvm *vm = uvm_create();
	build_image(b, 2, 0x400000);
	KT_EXPECT_EQ(load(vm, b, 2 * P, &ei), 0);
	KT_EXPECT_EQ(ei.entry, 0x400100);
	KT_EXPECT_EQ(ei.base, 0);
	check_loaded(t, vm, &ei, 0x400000);
	uvm_put(vm);

	vm = uvm_create();
	build_image(b, 3, 0);
	KT_EXPECT_EQ(load(vm, b, 2 * P, &ei), 0);
	KT_EXPECT(ei.base >= 0x555555554000ULL && !(ei.base & (P - 1)));
	KT_EXPECT_EQ(ei.entry, ei.base + 0x100);
	check_loaded(t, vm, &ei, ei.base);
	uvm_put(vm);
	kfree(b);
	env_end(t, &e);
}

KTEST(uvm, elf_malformed_refused)
{
	struct env e;
	env_begin(&e);
	u8 *b = kmalloc(IMG_SIZE, GFP_KERNEL);
	KT_ASSERT(b);
	struct elf_info ei;
	struct ehdr *eh = (struct ehdr *)b;
	struct phdr *ph = (struct phdr *)(b + sizeof(*eh));
	static const struct { const char *what; int expect; } cases[] = {
		{ "truncated header", -ENOEXEC }, { "bad magic", -ENOEXEC },
		{ "wrong machine", -ENOEXEC }, { "ET_REL", -ENOEXEC },
		{ "phoff beyond the file", -EINVAL }, { "phentsize", -EINVAL },
		{ "filesz > memsz", -EINVAL }, { "segment data beyond the file", -EINVAL },
		{ "overlapping segments", -EINVAL }, { "W+X segment", -EINVAL },
		{ "vaddr above user space", -EINVAL }, { "offset/vaddr not congruent", -EINVAL },
		{ "PT_INTERP", -ENOEXEC }, { "no PT_LOAD", -EINVAL },
		{ "wrapping memsz", -EINVAL }, { "below mmap_min_addr", -EINVAL },
		{ "phnum huge", -EINVAL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		build_image(b, 2, 0x400000);
		size_t size = 2 * P;
		switch (i) {
		case 0: size = 40; break;
		case 1: b[1] = 'X'; break;
		case 2: eh->machine = 3; break;
		case 3: eh->type = 1; break;
		case 4: eh->phoff = 5 * P; break;
		case 5: eh->phentsize = 32; break;
		case 6: ph[1].filesz = ph[1].memsz + 1; break;
		case 7: ph[1].filesz = 3 * P; ph[1].memsz = 3 * P; break;
		case 8: ph[1].vaddr = 0x400000 + 0x800; ph[1].offset = 0x800; break;
		case 9: ph[1].flags = 7; break;
		case 10: ph[1].vaddr = USER_TOP + 0x10; break;
		case 11: ph[1].offset = P + 8; break;
		case 12: ph[2].type = 3; break;
		case 13: ph[0].type = 4; ph[1].type = 4; break;
		case 14: ph[1].memsz = ~0ULL - 0x100; break;
		case 15: ph[0].vaddr = 0x1000; ph[1].vaddr = 0x3010; eh->entry = 0x1100; break;
		case 16: eh->phnum = 0xffff; break;
		}
		struct uvm *vm = uvm_create();
		int r = load(vm, b, size, &ei);
		if (r != cases[i].expect)
			ktest_fail(t, __FILE__, __LINE__, "%s: %d, expected %d", cases[i].what, r,
				   cases[i].expect);
		t->checks++;
		uvm_put(vm);
	}
	kfree(b);
	env_end(t, &e);
}

/* ---- the initial stack ---- */

static u64 auxv_get(const u64 *aux, u64 n, u64 type, bool *found)
{
	for (u64 i = 0; i + 1 < n && aux[i] != 0; i += 2)
		if (aux[i] == type) {
			*found = true;
			return aux[i + 1];
		}
	*found = false;
	return 0;
}

KTEST(uvm, initial_stack_layout)
{
	struct env e;
	env_begin(&e);
	u8 *b = kmalloc(IMG_SIZE, GFP_KERNEL);
	KT_ASSERT(b);
	struct elf_info ei;
	struct uvm *vm = uvm_create();
	build_image(b, 2, 0x400000);
	KT_ASSERT(load(vm, b, 2 * P, &ei) == 0);
	const char *argv[] = { "prog", "-x", "hello world", NULL };
	const char *envp[] = { "A=1", "PATH=/bin", NULL };
	u64 sp = 0;
	KT_ASSERT(uvm_setup_stack(vm, argv, envp, "/bin/prog", &ei, &sp) == 0);
	KT_EXPECT_EQ(sp & 15, 0);
	KT_EXPECT(sp < USER_TOP && sp > USER_TOP - P);
	enter(vm);
	u64 w[64] = { 0 };
	KT_ASSERT(USER_TOP - sp >= 8 * 40);
	KT_ASSERT(copy_from_user(w, U(sp), MIN(sizeof(w), USER_TOP - sp)) == 0);
	KT_EXPECT_EQ(w[0], 3);
	char s[64];
	for (int i = 0; i < 3; i++) {
		KT_EXPECT_EQ(strncpy_from_user(s, U(w[1 + i]), sizeof(s)), (long)strlen(argv[i]));
		KT_EXPECT_STR(s, argv[i]);
	}
	KT_EXPECT_EQ(w[4], 0);
	for (int i = 0; i < 2; i++) {
		KT_EXPECT_EQ(strncpy_from_user(s, U(w[5 + i]), sizeof(s)), (long)strlen(envp[i]));
		KT_EXPECT_STR(s, envp[i]);
	}
	KT_EXPECT_EQ(w[7], 0);
	const u64 *aux = &w[8];
	u64 naux = ARRAY_SIZE(w) - 8;
	bool found;
	KT_EXPECT_EQ(auxv_get(aux, naux, 6, &found), 4096); /* AT_PAGESZ */
	KT_EXPECT(found);
	KT_EXPECT_EQ(auxv_get(aux, naux, 9, &found), ei.entry); /* AT_ENTRY */
	KT_EXPECT(found);
	KT_EXPECT_EQ(auxv_get(aux, naux, 3, &found), 0x400000 + sizeof(struct ehdr)); /* AT_PHDR */
	KT_EXPECT(found);
	KT_EXPECT_EQ(auxv_get(aux, naux, 5, &found), 3); /* AT_PHNUM */
	KT_EXPECT_EQ(auxv_get(aux, naux, 4, &found), 56); /* AT_PHENT */
	KT_EXPECT_EQ(auxv_get(aux, naux, 17, &found), 100); /* AT_CLKTCK */
	KT_EXPECT_EQ(auxv_get(aux, naux, 23, &found), 0); /* AT_SECURE */
	KT_EXPECT(found);
	u64 rnd = auxv_get(aux, naux, 25, &found); /* AT_RANDOM */
	KT_EXPECT(found && rnd > sp && rnd + 16 <= USER_TOP);
	u64 r16[2] = { 0, 0 };
	KT_EXPECT_EQ(copy_from_user(r16, U(rnd), 16), 0);
	KT_EXPECT(r16[0] | r16[1]);
	u64 fn = auxv_get(aux, naux, 31, &found); /* AT_EXECFN */
	KT_EXPECT(found);
	KT_EXPECT_EQ(strncpy_from_user(s, U(fn), sizeof(s)), 9);
	KT_EXPECT_STR(s, "/bin/prog");
	u64 plat = auxv_get(aux, naux, 15, &found);
	KT_EXPECT_EQ(strncpy_from_user(s, U(plat), sizeof(s)), 6);
	KT_EXPECT_STR(s, "x86_64");
	/* auxv ends with AT_NULL */
	u64 i = 0;
	while (i + 1 < naux && aux[i])
		i += 2;
	KT_EXPECT(i + 1 < naux && aux[i] == 0);
	/* the stack is writable below sp (demand-paged) and not executable */
	KT_EXPECT_EQ(put_user_u64(U(sp - 1024 * 1024), 1), 0);
	KT_EXPECT_EQ(put_user_u64(U(USER_TOP - (8ULL << 20) - 8), 1), -EFAULT); /* below the area */
	enter(NULL);
	uvm_put(vm);

	/* too much: -E2BIG */
	vm = uvm_create();
	char *big = kmalloc(200 * 1024, GFP_KERNEL);
	KT_ASSERT(big);
	memset(big, 'a', 200 * 1024 - 1);
	big[200 * 1024 - 1] = 0;
	const char *argv2[] = { "prog", big, NULL };
	KT_EXPECT_EQ(uvm_setup_stack(vm, argv2, envp, NULL, &ei, &sp), -E2BIG);
	kfree(big);
	uvm_put(vm);
	kfree(b);
	env_end(t, &e);
}

KTEST(uvm, smep_smap)
{
	struct arch_cpu_desc d;
	arch_cpu_describe(&d);
	KT_EXPECT_EQ(arch_smep_enabled(), d.smep);
	KT_EXPECT_EQ(arch_smap_enabled(), d.smap);
	if (!d.smep && !d.smap)
		KT_SKIP("the CPU has neither SMEP nor SMAP (QEMU: -cpu max)");
	struct env e;
	struct uvm *vm = begin(&e);
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, P, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0);
	u8 ret = 0xc3;
	KT_EXPECT_EQ(uvm_write(vm, a, &ret, 1), 0);
	u8 v = 0;
	KT_EXPECT_EQ(copy_from_user(&v, U(a), 1), 0); /* through uaccess: fine */
	KT_EXPECT_EQ(v, 0xc3);
	if (d.smap) /* a plain kernel read of a user page faults */
		KT_EXPECT_EQ(probe_read_u8(U(a), &v), -EFAULT);
	if (d.smep) /* the kernel never runs user code */
		KT_EXPECT_EQ(probe_exec(U(a)), -EFAULT);
	finish(t, &e, vm);
}

/* A page replaced while another CPU still has the address space loaded
 * (lazily, under its idle thread) and a translation of it cached: the
 * shootdown must reach that CPU. And once freed, no CPU keeps it loaded. */
KTEST(uvm, tlb_shootdown_across_cpus)
{
	if (nr_cpus_online < 2)
		KT_SKIP("needs two CPUs");
	struct env e;
	env_begin(&e);
	struct thread *self = this_cpu()->current;
	u32 a_cpu = this_cpu()->id, b_cpu = a_cpu;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (c != a_cpu && cpus[c].online) {
			b_cpu = c;
			break;
		}
	struct uvm *vm = uvm_create();
	KT_ASSERT(vm);
	enter(vm);
	long a = uvm_mmap(vm, 0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0);
	u64 v = 0;
	KT_EXPECT_EQ(put_user_u64(U(a), 111), 0);
	KT_EXPECT_EQ(get_user_u64(&v, U(a)), 0); /* cached in this CPU's TLB */
	thread_set_affinity(self, 1ULL << b_cpu);
	KT_EXPECT_EQ(this_cpu()->id, b_cpu);
	KT_EXPECT_EQ(arch_upt_loaded(b_cpu), vm->root); /* the switch activated it */
	KT_EXPECT_EQ(arch_upt_loaded(a_cpu), vm->root); /* kept there, lazily */
	KT_EXPECT(vm->cpumask & (1ULL << a_cpu));
	/* write-protected here: the other CPU's cached writable entry must go */
	KT_EXPECT_EQ(uvm_mprotect(vm, a, P, PROT_READ), 0);
	thread_set_affinity(self, 1ULL << a_cpu);
	KT_EXPECT_EQ(this_cpu()->id, a_cpu);
	KT_EXPECT_EQ(put_user_u64(U(a), 333), -EFAULT);
	KT_EXPECT_EQ(get_user_u64(&v, U(a)), 0);
	KT_EXPECT_EQ(v, 111);
	/* replaced there (the old page kept alive by a fork, so the new one is
	 * another frame): this CPU must see the new page */
	KT_EXPECT_EQ(uvm_mprotect(vm, a, P, PROT_READ | PROT_WRITE), 0);
	KT_EXPECT_EQ(put_user_u64(U(a), 111), 0); /* cached writable again */
	struct uvm *child = uvm_clone(vm);
	KT_ASSERT(child);
	KT_EXPECT_EQ(get_user_u64(&v, U(a)), 0);
	thread_set_affinity(self, 1ULL << b_cpu);
	KT_EXPECT_EQ(uvm_munmap(vm, a, P), 0);
	KT_EXPECT_EQ(uvm_mmap(vm, a, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), a);
	KT_EXPECT_EQ(put_user_u64(U(a), 222), 0);
	thread_set_affinity(self, 1ULL << a_cpu);
	KT_EXPECT_EQ(this_cpu()->id, a_cpu);
	KT_EXPECT_EQ(get_user_u64(&v, U(a)), 0);
	KT_EXPECT_EQ(v, 222);
	uvm_put(child);
	enter(NULL);
	u64 root = vm->root;
	KT_EXPECT_EQ(arch_upt_loaded(a_cpu), 0);
	KT_EXPECT_EQ(arch_upt_loaded(b_cpu), root);
	uvm_put(vm);
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (cpus[c].online)
			KT_EXPECT(arch_upt_loaded(c) != root);
	env_end(t, &e);
}

/* Not a pass/fail bound (TCG on a shared host): prints the median cost of
 * a demand fault, a copy-on-write fault and a 4 KiB copy_to_user, each
 * measured around one put_user/copy through the real #PF path, and checks
 * only that each fault did happen. */
KTEST(uvm, fault_costs)
{
	enum { N = 64 };
	static u64 demand[N], cow[N], copy[N];
	struct env e;
	struct uvm *vm = begin(&e);
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, N * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0);
	u64 d0 = uvm_fault_count(0), c0 = uvm_fault_count(1);
	for (int i = 0; i < N; i++) {
		u64 t0 = arch_cycles();
		put_user_u64(U(a + (u64)i * P), 1);
		demand[i] = arch_cycles() - t0;
	}
	static u64 clone_c[8], put_c[8];
	for (int i = 0; i < 8; i++) { /* fork and exit of a 64-page space */
		u64 t0 = arch_cycles();
		struct uvm *c = uvm_clone(vm);
		u64 t1 = arch_cycles();
		uvm_put(c);
		clone_c[i] = t1 - t0;
		put_c[i] = arch_cycles() - t1;
		KT_ASSERT(c);
	}
	struct uvm *child = uvm_clone(vm);
	KT_ASSERT(child);
	for (int i = 0; i < N; i++) {
		u64 t0 = arch_cycles();
		put_user_u64(U(a + (u64)i * P), 2);
		cow[i] = arch_cycles() - t0;
	}
	static u8 buf[P];
	for (int i = 0; i < N; i++) {
		u64 t0 = arch_cycles();
		copy_to_user(U(a + (u64)i * P), buf, P);
		copy[i] = arch_cycles() - t0;
	}
	KT_EXPECT_EQ(uvm_fault_count(0) - d0, N);
	KT_EXPECT_EQ(uvm_fault_count(1) - c0, N);
	sort(demand, N, sizeof(u64), sort_cmp_u64);
	sort(cow, N, sizeof(u64), sort_cmp_u64);
	sort(copy, N, sizeof(u64), sort_cmp_u64);
	kprintf("    # uvm: median over %d: demand fault %llu ns, copy-on-write fault %llu ns, "
		"copy_to_user 4 KiB (mapped) %llu ns\n", N,
		(unsigned long long)cycles_to_ns(demand[N / 2]), (unsigned long long)cycles_to_ns(cow[N / 2]),
		(unsigned long long)cycles_to_ns(copy[N / 2]));
	sort(clone_c, 8, sizeof(u64), sort_cmp_u64);
	sort(put_c, 8, sizeof(u64), sort_cmp_u64);
	kprintf("    # uvm: median over 8: uvm_clone of %d resident pages %llu ns, its uvm_put %llu ns\n",
		N, (unsigned long long)cycles_to_ns(clone_c[4]), (unsigned long long)cycles_to_ns(put_c[4]));
	enter(NULL);
	uvm_put(child);
	uvm_put(vm);
	env_end(t, &e);
}

/* MAP_PRIVATE of a file (an in-memory one here): the file's bytes, zeros
 * past its end, private writes, offsets; a read-only MAP_SHARED reads the
 * same; a writable one is refused. */
KTEST(uvm, mmap_private_file)
{
	struct env e;
	env_begin(&e);
	u8 *file = kmalloc(3 * P, GFP_KERNEL);
	KT_ASSERT(file);
	for (u64 i = 0; i < 3 * P; i++)
		file[i] = (u8)(i * 7 + 3);
	struct image im = { file, 2 * P + 100 }; /* the file ends inside page 2 */
	struct elf_reader r = { image_read, &im };
	struct uvm *vm = uvm_create();
	KT_ASSERT(vm);
	enter(vm);
	long a = uvm_mmap_from(vm, 0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, &r, 0);
	KT_ASSERT(a > 0);
	/* filled at mmap time up to the end of the file; page 3 (past it)
	 * is demand-zero */
	KT_EXPECT_EQ(uvm_rss_pages(vm), 3);
	u8 v[8];
	KT_EXPECT_EQ(copy_from_user(v, U(a + P + 13), 1), 0);
	KT_EXPECT_EQ(v[0], file[P + 13]);
	KT_EXPECT_EQ(copy_from_user(v, U(a + 2 * P + 99), 2), 0);
	KT_EXPECT_EQ(v[0], file[2 * P + 99]);
	KT_EXPECT_EQ(v[1], 0); /* past the end of the file */
	KT_EXPECT_EQ(copy_from_user(v, U(a + 3 * P), 1), 0);
	KT_EXPECT_EQ(v[0], 0);
	KT_EXPECT_EQ(uvm_rss_pages(vm), 4);
	KT_EXPECT_EQ(put_user_u32(U(a + 16), 0xabcdef01), 0);
	KT_EXPECT_EQ(file[16], (u8)(16 * 7 + 3)); /* private: the file is unchanged */
	long b = uvm_mmap_from(vm, 0, P, PROT_READ, MAP_SHARED, &r, P);
	KT_ASSERT(b > 0);
	KT_EXPECT_EQ(copy_from_user(v, U(b + 5), 1), 0);
	KT_EXPECT_EQ(v[0], file[P + 5]);
	KT_EXPECT_EQ(uvm_mmap_from(vm, 0, P, PROT_READ | PROT_WRITE, MAP_SHARED, &r, 0), -ENODEV);
	KT_EXPECT_EQ(uvm_mmap_from(vm, 0, P, PROT_READ, MAP_PRIVATE, &r, 5), -EINVAL);
	KT_EXPECT_EQ(uvm_mmap_from(vm, 0, P, PROT_READ, MAP_PRIVATE, NULL, 0), -EBADF);
	KT_EXPECT_EQ(uvm_mmap(vm, 0, P, PROT_READ, MAP_PRIVATE, NULL, 0), -EBADF);
	enter(NULL);
	uvm_put(vm);
	kfree(file);
	env_end(t, &e);
}

/* Two threads of one address space on two CPUs fault the same pages at
 * once (demand, then copy-on-write after a fork): every write lands, each
 * page is mapped once, the child keeps the values from before the fork,
 * and nothing is left over. (Free memory is not compared exactly here: the
 * second thread's stack and slab objects are freed on another CPU.) */
#define RACE_PAGES 48
struct racer {
	struct uvm *vm;
	u64 base;
	u64 id;
	u64 round;
	int errors;
};

static int racer_fn(void *arg)
{
	struct racer *r = arg;
	enter(r->vm);
	for (u64 i = 0; i < RACE_PAGES; i++)
		if (put_user_u64(U(r->base + i * P + r->id * 8), (r->round << 32) | (i << 8) | r->id))
			r->errors++;
	for (u64 i = 0; i < RACE_PAGES; i++) {
		u64 v = 0;
		if (get_user_u64(&v, U(r->base + i * P + r->id * 8)) ||
		    v != ((r->round << 32) | (i << 8) | r->id))
			r->errors++;
	}
	enter(NULL);
	return 0;
}

KTEST(uvm, concurrent_faults_two_cpus)
{
	if (nr_cpus_online < 2)
		KT_SKIP("needs two CPUs");
	struct env e;
	env_begin(&e);
	u32 me = this_cpu()->id, other = me;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (c != me && cpus[c].online) {
			other = c;
			break;
		}
	struct uvm *vm = uvm_create();
	KT_ASSERT(vm);
	long a = uvm_mmap(vm, 0, RACE_PAGES * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	KT_ASSERT(a > 0);
	struct uvm *child = NULL;
	for (u64 round = 1; round <= 2; round++) {
		if (round == 2) {
			child = uvm_clone(vm);
			KT_ASSERT(child);
		}
		struct racer r0 = { vm, (u64)a, 0, round, 0 }, r1 = { vm, (u64)a, 1, round, 0 };
		uvm_get(vm); /* the second thread's reference, as CLONE_VM takes one */
		struct thread *th = kthread_create_on(racer_fn, &r1, "uvm-racer", 1ULL << other);
		KT_ASSERT(th);
		racer_fn(&r0);
		thread_join(th, NULL);
		uvm_put(vm);
		KT_EXPECT_EQ(r0.errors, 0);
		KT_EXPECT_EQ(r1.errors, 0);
		KT_EXPECT_EQ(uvm_rss_pages(vm), RACE_PAGES);
	}
	/* the child still has round 1's values, in pages of its own */
	for (u64 i = 0; i < RACE_PAGES; i++) {
		u64 v[2] = { 0, 0 };
		KT_EXPECT_EQ(uvm_read(child, a + i * P, v, sizeof(v)), 0);
		KT_EXPECT_EQ(v[0], (1ULL << 32) | (i << 8) | 0);
		KT_EXPECT_EQ(v[1], (1ULL << 32) | (i << 8) | 1);
	}
	uvm_put(child);
	uvm_put(vm);
	env_end_free(t, &e, false);
}
