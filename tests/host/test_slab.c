/* test_slab.c — hosted tests of the slab allocator and kmalloc (mm/slab.c)
 * on the real page allocator (mm/page_alloc.c + mm/buddy.c) over a 16 MiB
 * arena (mm_arena.h). Long randomized alloc/free sequences with fixed
 * seeds over every kmalloc size class and several custom caches (with and
 * without constructors, debug and magazine caches), with the cache
 * verification (every object accounted for exactly once) and the zone
 * check after every operation and a data pattern in every object (two
 * objects sharing memory would corrupt each other's pattern); constructor
 * semantics; red-zone overflow/underflow, use-after-free, double-free and
 * foreign-pointer detection (reported with cache name and address,
 * counted, no crash); large kmalloc; exhaustion and recovery; the shrinker
 * returning every page to the buddy lists; metrics; cache destruction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mm_arena.h"

static const size_t classes[] = { 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512,
				  768, 1024, 1536, 2048, 3072, 4096 };
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

static uint64_t rng;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void verify_cache(struct kmem_cache *c)
{
	char why[256];
	if (kmem_cache_verify(c, why, sizeof(why))) {
		print_error("kmem_cache_verify: %s\n", why);
		fail();
	}
}

static void verify_all(void)
{
	char why[256];
	if (slab_verify_all(why, sizeof(why))) {
		print_error("slab_verify_all: %s\n", why);
		fail();
	}
	arena_check();
}

static struct kmem_cache_info info_of(struct kmem_cache *c)
{
	struct kmem_cache_info i;
	kmem_cache_get_info(c, &i);
	return i;
}

static size_t class_of(size_t size)
{
	for (size_t i = 0; i < NCLASSES; i++)
		if (classes[i] >= size)
			return classes[i];
	return 0;
}

static int setup_nodebug(void **state)
{
	kopt.slab_debug = false;
	return arena_setup(state);
}

static int teardown_nodebug(void **state)
{
	(void)state;
	kopt.slab_debug = true;
	return 0;
}

/* ---- size classes ---- */

static void test_size_classes(void **state)
{
	(void)state;
	for (size_t s = 0; s <= KMALLOC_MAX_CACHE_SIZE; s++) {
		size_t want = class_of(s ? s : 1);
		struct kmem_cache *c = kmalloc_cache(s);
		assert_non_null(c);
		assert_int_equal(info_of(c).object_size, want);
		unsigned char *p = kmalloc(s, GFP_KERNEL);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % KMALLOC_MIN_ALIGN, 0);
		assert_int_equal(ksize(p), want);
		memset(p, 0x5a, want); /* all of ksize is usable */
		kfree(p);
	}
	assert_null(kmalloc_cache(KMALLOC_MAX_CACHE_SIZE + 1));
	/* the caches are listed: kmalloc first, internal ones last */
	struct kmem_cache_info i;
	assert_int_equal(kmem_cache_info_at(0, &i), 0);
	assert_string_equal(i.name, "kmalloc-8");
	assert_int_equal(kmem_cache_info_at(NCLASSES - 1, &i), 0);
	assert_string_equal(i.name, "kmalloc-4096");
	assert_true(i.debug);
	assert_int_equal(kmem_cache_info_at(NCLASSES, &i), 0);
	assert_string_equal(i.name, "kmem_magazine");
	assert_int_equal(kmem_cache_info_at(NCLASSES + 3, &i), -ENOENT);
	verify_all();
	assert_int_equal(slab_errors_total(), 0);
	assert_arena_back_to_start();
}

/* ---- randomized kmalloc ---- */

struct live {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

static void fill(const struct live *l)
{
	memset(l->p, l->tag, l->size);
}

static void check_fill(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++) {
		if (l->p[i] != l->tag) {
			print_error("object %p (%zu bytes): byte %zu is %#x, want %#x (overlap?)\n", (void *)l->p,
				    l->size, i, l->p[i], l->tag);
			fail();
		}
	}
}

static size_t random_size(void)
{
	uint64_t r = next_rand() % 100;
	if (r < 4) /* large: straight from the page allocator */
		return KMALLOC_MAX_CACHE_SIZE + 1 + next_rand() % (12 * PAGE_SIZE);
	if (r < 20) /* exactly a class size */
		return classes[next_rand() % NCLASSES];
	unsigned bits = (unsigned)(next_rand() % 12); /* log-uniform 1 .. 4095 */
	return ((size_t)1 << bits) + next_rand() % ((size_t)1 << bits);
}

static u64 small_active(void)
{
	u64 n = 0;
	for (size_t i = 0; i < NCLASSES; i++)
		n += info_of(kmalloc_cache(classes[i])).active;
	return n;
}

#define MAX_LIVE 400

static void run_random_kmalloc(uint64_t seed, int ops)
{
	static struct live live[MAX_LIVE];
	int n = 0;
	u64 small = 0;
	rng = seed;
	for (int i = 0; i < ops; i++) {
		size_t touched;
		if (n == 0 || (n < MAX_LIVE && next_rand() % 100 < 52)) {
			size_t size = random_size();
			gfp_t gfp = next_rand() % 8 == 0 ? GFP_ZERO : GFP_KERNEL;
			unsigned char *p = kmalloc(size, gfp);
			assert_non_null(p);
			if (gfp & GFP_ZERO)
				for (size_t k = 0; k < size; k++)
					assert_int_equal(p[k], 0);
			if (size <= KMALLOC_MAX_CACHE_SIZE) {
				assert_int_equal(ksize(p), class_of(size));
				assert_int_equal((uintptr_t)p % KMALLOC_MIN_ALIGN, 0);
				small++;
			} else {
				assert_int_equal((uintptr_t)p % PAGE_SIZE, 0);
				assert_true(ksize(p) >= size && ksize(p) < 2 * size + PAGE_SIZE);
			}
			live[n] = (struct live){ p, size, (unsigned char)(next_rand() | 1) };
			fill(&live[n]);
			touched = size;
			n++;
		} else {
			int k = (int)(next_rand() % (uint64_t)n);
			check_fill(&live[k]);
			touched = live[k].size;
			if (touched <= KMALLOC_MAX_CACHE_SIZE)
				small--;
			kfree(live[k].p);
			live[k] = live[--n];
		}
		/* after every operation: the cache it touched, the zone, the counts */
		if (touched <= KMALLOC_MAX_CACHE_SIZE)
			verify_cache(kmalloc_cache(touched));
		arena_check();
		assert_int_equal(small_active(), small);
		if (i % 128 == 0)
			verify_all();
	}
	while (n) {
		check_fill(&live[n - 1]);
		kfree(live[--n].p);
		verify_all();
	}
	assert_int_equal(small_active(), 0);
	assert_int_equal(slab_errors_total(), 0);
	assert_arena_back_to_start();
}

static void test_random_kmalloc_seed1(void **state) { (void)state; run_random_kmalloc(1, 6000); }
static void test_random_kmalloc_seed2(void **state) { (void)state; run_random_kmalloc(0xdeadbeef, 6000); }
static void test_random_kmalloc_seed3(void **state) { (void)state; run_random_kmalloc(42, 6000); }
/* the same without debugging: the magazine layer in front of every class */
static void test_random_kmalloc_magazines(void **state)
{
	(void)state;
	assert_false(info_of(kmalloc_cache(64)).debug);
	assert_int_equal(info_of(kmalloc_cache(64)).mag_size, 30);
	run_random_kmalloc(7, 8000);
}

/* ---- randomized custom caches ---- */

#define CTOR_MAGIC 0xc0ffee01u
struct hdr {
	u32 magic;
	u32 refs;
};
static unsigned long ctor_calls;

static void ctor_hdr(void *p)
{
	struct hdr *h = p;
	h->magic = CTOR_MAGIC;
	h->refs = 0;
	ctor_calls++;
}

struct cache_spec {
	const char *name;
	size_t size, align;
	bool ctor;
	unsigned flags;
	struct kmem_cache *c;
	u64 live;
};

struct cobj {
	struct cache_spec *spec;
	unsigned char *p;
	unsigned char tag;
};

static void cobj_fill(const struct cobj *o)
{
	size_t skip = o->spec->ctor ? sizeof(struct hdr) : 0;
	memset(o->p + skip, o->tag, o->spec->size - skip);
	if (o->spec->ctor)
		((struct hdr *)o->p)->refs = 1; /* in use: constructed state changed */
}

static void cobj_check_and_restore(const struct cobj *o)
{
	size_t skip = o->spec->ctor ? sizeof(struct hdr) : 0;
	for (size_t i = skip; i < o->spec->size; i++)
		if (o->p[i] != o->tag) {
			print_error("%s object %p: byte %zu is %#x, want %#x\n", o->spec->name, (void *)o->p, i,
				    o->p[i], o->tag);
			fail();
		}
	if (o->spec->ctor) {
		struct hdr *h = (struct hdr *)o->p;
		assert_int_equal(h->magic, CTOR_MAGIC);
		h->refs = 0; /* freed in the constructed state */
	}
}

static void run_random_caches(uint64_t seed, int ops)
{
	struct cache_spec specs[] = {
		{ "t-ctor-debug", 40, 8, true, SLAB_DEBUG, NULL, 0 },
		{ "t-ctor-fast", 72, 16, true, SLAB_NODEBUG, NULL, 0 },
		{ "t-plain-fast", 24, 0, false, SLAB_NODEBUG, NULL, 0 },
		{ "t-align64", 100, 64, false, SLAB_NODEBUG, NULL, 0 },
		{ "t-odd-debug", 13, 0, false, SLAB_DEBUG, NULL, 0 },
		{ "t-big-fast", 5000, 8, true, SLAB_NODEBUG, NULL, 0 },
		{ "t-big-debug", 9000, 32, false, SLAB_DEBUG, NULL, 0 },
		{ "t-default", 200, 0, true, 0, NULL, 0 },
	};
	const size_t nspecs = sizeof(specs) / sizeof(specs[0]);
	for (size_t i = 0; i < nspecs; i++) {
		specs[i].c = kmem_cache_create_flags(specs[i].name, specs[i].size, specs[i].align,
						     specs[i].ctor ? ctor_hdr : NULL, specs[i].flags);
		assert_non_null(specs[i].c);
		struct kmem_cache_info ci = info_of(specs[i].c);
		assert_int_equal(ci.debug, specs[i].flags != SLAB_NODEBUG); /* default: debug in tests */
		assert_int_equal(ci.object_size, specs[i].size);
	}
	static struct cobj live[MAX_LIVE];
	int n = 0;
	rng = seed;
	for (int i = 0; i < ops; i++) {
		struct cache_spec *s;
		if (n == 0 || (n < MAX_LIVE && next_rand() % 100 < 53)) {
			s = &specs[next_rand() % nspecs];
			gfp_t gfp = !s->ctor && next_rand() % 8 == 0 ? GFP_ZERO : GFP_KERNEL;
			unsigned char *p = kmem_cache_alloc(s->c, gfp);
			assert_non_null(p);
			size_t align = s->align ? s->align : 8;
			assert_int_equal((uintptr_t)p % align, 0);
			if (gfp & GFP_ZERO)
				for (size_t k = 0; k < s->size; k++)
					assert_int_equal(p[k], 0);
			if (s->ctor) { /* handed out constructed */
				assert_int_equal(((struct hdr *)p)->magic, CTOR_MAGIC);
				assert_int_equal(((struct hdr *)p)->refs, 0);
			}
			assert_int_equal(ksize(p), s->size);
			live[n] = (struct cobj){ s, p, (unsigned char)(next_rand() | 1) };
			cobj_fill(&live[n]);
			n++;
			s->live++;
		} else {
			int k = (int)(next_rand() % (uint64_t)n);
			s = live[k].spec;
			cobj_check_and_restore(&live[k]);
			if (next_rand() % 4 == 0)
				kfree(live[k].p); /* kfree takes any cache's object */
			else
				kmem_cache_free(s->c, live[k].p);
			live[k] = live[--n];
			s->live--;
		}
		verify_cache(s->c);
		arena_check();
		assert_int_equal(info_of(s->c).active, s->live);
		if (i % 128 == 0)
			verify_all();
		if (i % 1000 == 999) /* now and then: magazines back, empty slabs out */
			kmem_cache_shrink(specs[next_rand() % nspecs].c);
	}
	while (n) {
		cobj_check_and_restore(&live[n - 1]);
		kmem_cache_free(live[n - 1].spec->c, live[n - 1].p);
		n--;
		verify_all();
	}
	for (size_t i = 0; i < nspecs; i++) {
		assert_int_equal(info_of(specs[i].c).active, 0);
		kmem_cache_destroy(specs[i].c);
	}
	verify_all();
	assert_int_equal(slab_errors_total(), 0);
	assert_arena_back_to_start();
}

static void test_random_caches_seed1(void **state) { (void)state; run_random_caches(3, 8000); }
static void test_random_caches_seed2(void **state) { (void)state; run_random_caches(0x5eed5eed, 8000); }

/* ---- constructors ---- */

static void test_ctor_once_per_object(void **state)
{
	(void)state;
	struct kmem_cache *c = kmem_cache_create_flags("t-ctor", 64, 0, ctor_hdr, SLAB_NODEBUG);
	assert_non_null(c);
	ctor_calls = 0;
	struct hdr *p = kmem_cache_alloc(c, GFP_KERNEL);
	assert_non_null(p);
	u32 per_slab = info_of(c).objs_per_slab;
	assert_true(per_slab >= 8);
	assert_int_equal(ctor_calls, per_slab); /* the whole slab, once */
	assert_int_equal(p->magic, CTOR_MAGIC);
	/* private data beyond the constructed header survives free and reuse */
	memset((char *)(p + 1), 0x77, 64 - sizeof(*p));
	p->refs = 0;
	kmem_cache_free(c, p);
	/* through the slab free list too (the link lives after the object) */
	kmem_cache_shrink(c);
	assert_int_equal(info_of(c).total, 0);
	ctor_calls = 0;
	p = kmem_cache_alloc(c, GFP_KERNEL);
	assert_int_equal(ctor_calls, per_slab); /* a new slab: constructed again */
	p->refs = 3;
	p->refs = 0;
	kmem_cache_free(c, p);
	for (int i = 0; i < 1000; i++) {
		struct hdr *q = kmem_cache_alloc(c, GFP_KERNEL);
		assert_int_equal(q->magic, CTOR_MAGIC);
		assert_int_equal(q->refs, 0);
		q->refs = 9;
		q->refs = 0;
		kmem_cache_free(c, q);
	}
	assert_int_equal(ctor_calls, per_slab); /* reuse never constructs */
	static void *objs[512];
	for (u32 i = 0; i <= per_slab; i++)
		assert_non_null(objs[i] = kmem_cache_alloc(c, GFP_KERNEL));
	assert_int_equal(ctor_calls, 2 * per_slab); /* exactly one more slab */
	for (u32 i = 0; i <= per_slab; i++)
		kmem_cache_free(c, objs[i]);
	verify_cache(c);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

static void test_ctor_debug_constructs_on_alloc(void **state)
{
	(void)state;
	struct kmem_cache *c = kmem_cache_create_flags("t-ctor-dbg", 48, 0, ctor_hdr, SLAB_DEBUG);
	assert_non_null(c);
	ctor_calls = 0;
	for (int i = 0; i < 100; i++) {
		struct hdr *p = kmem_cache_alloc(c, GFP_KERNEL);
		assert_int_equal(p->magic, CTOR_MAGIC);
		assert_int_equal(p->refs, 0);
		p->refs = 1;
		kmem_cache_free(c, p); /* poisoned on free: */
		assert_int_equal(p->magic, 0x6b6b6b6bu);
	}
	/* debugging destroys freed objects and constructs on each allocation */
	assert_int_equal(ctor_calls, 100);
	verify_cache(c);
	assert_int_equal(slab_errors_total(), 0);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

/* ---- debug detection ---- */

static void expect_report(const char *fmt, const void *obj)
{
	char want[200];
	snprintf(want, sizeof(want), fmt, obj);
	if (shim_output_count(want) != 1) {
		print_error("expected once in the log: \"%s\"\nlog:\n%s\n", want, shim_output());
		fail();
	}
}

static void test_redzone_overflow_underflow(void **state)
{
	(void)state;
	struct kmem_cache *k64 = kmalloc_cache(64);
	unsigned char *p = kmalloc(64, GFP_KERNEL);
	p[64] = 0x41; /* one byte past the end */
	char why[256];
	assert_int_equal(kmem_cache_verify(k64, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "red zone overwritten after the object"));
	kfree(p);
	expect_report("slab: kmalloc-64: object %p red zone overwritten after the object (byte 0x41 at offset +64)", p);
	assert_int_equal(slab_errors_total(), 1);
	assert_int_equal(info_of(k64).errors, 1);
	verify_all(); /* repaired and freed */

	p = kmalloc(64, GFP_KERNEL);
	p[-1] = 0x42; /* underflow */
	kfree(p);
	expect_report("slab: kmalloc-64: object %p red zone overwritten before the object (byte 0x42 at offset -1)", p);

	p = kmalloc(60, GFP_KERNEL); /* the class is 64: bytes 60..63 are usable */
	p[63] = 1;
	p[64 + 15] = 0x43; /* the far end of the right red zone */
	kfree(p);
	expect_report("slab: kmalloc-64: object %p red zone overwritten after the object (byte 0x43 at offset +79)", p);

	/* odd-sized custom cache: the red zone starts right after byte 12 */
	struct kmem_cache *c = kmem_cache_create_flags("t-odd", 13, 0, NULL, SLAB_DEBUG);
	unsigned char *q = kmem_cache_alloc(c, GFP_KERNEL);
	memset(q, 0, 13);
	q[13] = 0x44;
	kmem_cache_free(c, q);
	expect_report("slab: t-odd: object %p red zone overwritten after the object (byte 0x44 at offset +13)", q);
	assert_int_equal(slab_errors_total(), 4);
	assert_int_equal(info_of(c).errors, 1);
	verify_all();
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

static void test_use_after_free(void **state)
{
	(void)state;
	struct kmem_cache *k128 = kmalloc_cache(128);
	unsigned char *p = kmalloc(128, GFP_KERNEL);
	kfree(p);
	p[5] = 0x55; /* write after free */
	char why[256];
	assert_int_equal(kmem_cache_verify(k128, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "use after free"));
	unsigned char *q = kmalloc(128, GFP_KERNEL);
	assert_ptr_equal(q, p); /* the same object is handed out next ... */
	char want[160];
	snprintf(want, sizeof(want), "slab: kmalloc-128: object %p use after free (byte 0x55 at offset +5 written after the free", (void *)p);
	assert_int_equal(shim_output_count(want), 1); /* ... and the write is caught */
	assert_int_equal(info_of(k128).errors, 1);
	kfree(q);
	verify_all();

	/* caught when the slab is released, if the object is never reused */
	struct kmem_cache *c = kmem_cache_create_flags("t-uaf", 256, 0, NULL, SLAB_DEBUG);
	unsigned char *r = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, r);
	r[255] = 0;
	kmem_cache_shrink(c);
	expect_report("slab: t-uaf: object %p use after free (byte 0x00 at offset +255", r);
	assert_int_equal(slab_errors_total(), 2);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

static void test_double_free(void **state)
{
	(void)state;
	unsigned char *p = kmalloc(32, GFP_KERNEL);
	kfree(p);
	kfree(p);
	expect_report("slab: kmalloc-32: object %p double free", p);
	assert_int_equal(info_of(kmalloc_cache(32)).errors, 1);
	verify_all(); /* on the free list once */
	unsigned char *a = kmalloc(32, GFP_KERNEL), *b = kmalloc(32, GFP_KERNEL);
	assert_ptr_not_equal(a, b); /* not handed out twice */
	kfree(a);
	kfree(b);

	struct kmem_cache *c = kmem_cache_create_flags("t-df", 100, 0, ctor_hdr, SLAB_DEBUG);
	void *q = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, q);
	kmem_cache_free(c, q);
	expect_report("slab: t-df: object %p double free", q);
	assert_int_equal(slab_errors_total(), 2);
	verify_all();
	kmem_cache_destroy(c);

	/* without debugging a double free lands in a magazine twice: the
	 * verification finds it */
	struct kmem_cache *f = kmem_cache_create_flags("t-df-fast", 64, 0, NULL, SLAB_NODEBUG);
	void *x = kmem_cache_alloc(f, GFP_KERNEL);
	kmem_cache_free(f, x);
	kmem_cache_free(f, x);
	char why[256];
	assert_int_equal(kmem_cache_verify(f, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "two magazine slots"));
	void *y = kmem_cache_alloc(f, GFP_KERNEL), *z = kmem_cache_alloc(f, GFP_KERNEL);
	assert_ptr_equal(y, x);
	assert_ptr_equal(z, x);
	kmem_cache_free(f, x);
	verify_cache(f);
	kmem_cache_destroy(f);
	assert_arena_back_to_start();
}

static void test_foreign_pointers(void **state)
{
	(void)state;
	struct kmem_cache *a = kmem_cache_create_flags("t-a", 64, 0, NULL, SLAB_DEBUG);
	struct kmem_cache *b = kmem_cache_create_flags("t-b", 64, 0, NULL, SLAB_DEBUG);
	unsigned char *pa = kmem_cache_alloc(a, GFP_KERNEL), *pb = kmem_cache_alloc(b, GFP_KERNEL);
	kmem_cache_free(a, pb); /* another cache's object */
	expect_report("slab: t-a: object %p free of a pointer not allocated from this cache", pb);
	kmem_cache_free(a, pa + 8); /* inside an object */
	expect_report("slab: t-a: object %p free of a pointer not allocated from this cache", pa + 8);
	int on_stack;
	kmem_cache_free(a, &on_stack); /* not heap memory at all */
	expect_report("slab: t-a: object %p free of a pointer not allocated from this cache", &on_stack);
	assert_int_equal(info_of(a).errors, 3);

	kfree(&on_stack);
	expect_report("slab: kfree of %p, which kmalloc did not hand out", &on_stack);
	struct page *pg = alloc_pages(GFP_KERNEL, 0);
	kfree(page_address(pg)); /* a page from the page allocator */
	expect_report("slab: kfree of %p, which kmalloc did not hand out (not a heap page", page_address(pg));
	free_pages(pg, 0);
	unsigned char *big = kmalloc(3 * PAGE_SIZE, GFP_KERNEL);
	kfree(big + 8);
	expect_report("slab: kfree of %p, which kmalloc did not hand out (inside a large allocation", big + 8);
	kfree(big + PAGE_SIZE);
	expect_report("slab: kfree of %p, which kmalloc did not hand out (not a heap page", big + PAGE_SIZE);
	unsigned char *k = kmalloc(64, GFP_KERNEL);
	kfree(k + 16);
	expect_report("slab: kmalloc-64: object %p free of a pointer not allocated from this cache", k + 16);
	assert_int_equal(slab_errors_total(), 8);
	verify_all(); /* nothing was damaged */

	/* without debugging, a foreign pointer sits in a magazine until the
	 * verification or the flush to the slabs catches it */
	struct kmem_cache *f = kmem_cache_create_flags("t-f-fast", 64, 0, NULL, SLAB_NODEBUG);
	void *pf = kmem_cache_alloc(f, GFP_KERNEL);
	kmem_cache_free(f, pb);
	char why[256];
	assert_int_equal(kmem_cache_verify(f, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not an object of this cache"));
	kmem_cache_shrink(f);
	expect_report("slab: t-f-fast: object %p free of a pointer not allocated from this cache", pb);
	verify_all();

	kmem_cache_free(f, pf);
	kfree(k);
	kfree(big);
	kmem_cache_free(a, pa);
	kmem_cache_free(b, pb);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
	kmem_cache_destroy(f);
	assert_arena_back_to_start();
}

/* ---- large kmalloc ---- */

static void test_large_kmalloc(void **state)
{
	(void)state;
	u64 free0 = zone_free_total(&arena_zone);
	unsigned char *p = kmalloc(5000, GFP_KERNEL);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % PAGE_SIZE, 0);
	assert_int_equal(ksize(p), 2 * PAGE_SIZE);
	assert_true(virt_to_page(p)->flags & PG_large);
	assert_int_equal(virt_to_page(p)->order, 1);
	memset(p, 0xee, 2 * PAGE_SIZE);
	unsigned char *z = kzalloc(3 * PAGE_SIZE + 1, GFP_KERNEL);
	assert_int_equal(ksize(z), 4 * PAGE_SIZE);
	for (size_t i = 0; i < 4 * PAGE_SIZE; i++)
		assert_int_equal(z[i], 0);
	unsigned char *huge = kmalloc(PAGE_SIZE << MAX_ORDER, GFP_KERNEL);
	assert_non_null(huge);
	assert_int_equal(ksize(huge), PAGE_SIZE << MAX_ORDER);
	assert_int_equal(zone_free_total(&arena_zone), free0 - 2 - 4 - (1u << MAX_ORDER));
	assert_null(kmalloc((PAGE_SIZE << MAX_ORDER) + 1, GFP_KERNEL));
	char want[80];
	snprintf(want, sizeof(want), "slab allocation of %lu bytes failed", (PAGE_SIZE << MAX_ORDER) + 1);
	assert_int_equal(shim_output_count(want), 1);
	arena_check();
	kfree(p);
	kfree(z);
	kfree(huge);
	assert_false(virt_to_page(p)->flags & PG_large); /* cleared before the pages went back */
	assert_int_equal(zone_free_total(&arena_zone), free0);
	assert_int_equal(slab_errors_total(), 0);
	assert_arena_back_to_start();
}

/* ---- exhaustion ---- */

static void *held[ARENA_PAGES * 64];

static void test_exhaustion_and_recovery(void **state)
{
	(void)state;
	struct kmem_cache *k2k = kmalloc_cache(2048), *k8 = kmalloc_cache(8);
	size_t n = 0;
	void *p;
	while ((p = kmalloc(2048, GFP_KERNEL))) {
		memset(p, (int)(n & 0xff) | 1, 2048);
		held[n++] = p;
	}
	size_t n2k = n;
	assert_true(n2k > 1000);
	assert_int_equal(info_of(k2k).failures, 1);
	assert_int_equal(shim_output_count("slab allocation of 2048 bytes failed"), 1);
	/* the rest of memory in the smallest objects, down to the last page */
	while ((p = kmalloc(8, GFP_KERNEL)))
		held[n++] = p;
	assert_int_equal(zone_free_total(&arena_zone), 0);
	assert_int_equal(info_of(k8).failures, 1);
	/* every kind of allocation now fails, cleanly and counted */
	assert_null(kmalloc(8, GFP_KERNEL | GFP_NOWARN));
	assert_int_equal(info_of(k8).failures, 2);
	assert_int_equal(shim_output_count("slab allocation of 8 bytes failed"), 1); /* NOWARN: not logged */
	assert_null(kmalloc(100000, GFP_ATOMIC));
	assert_null(kmem_cache_create("t-late", 32, 0, NULL));
	verify_all();
	/* free everything (checking the data), and it all comes back */
	for (size_t i = 0; i < n; i++) {
		if (i < n2k) {
			unsigned char *b = held[i];
			assert_int_equal(b[0], (int)(i & 0xff) | 1);
			assert_int_equal(b[2047], (int)(i & 0xff) | 1);
		}
		kfree(held[i]);
	}
	verify_all();
	assert_int_equal(slab_errors_total(), 0);
	assert_arena_back_to_start();
	/* and works again */
	for (int i = 0; i < 100; i++)
		assert_non_null(held[i] = kmalloc(2048, GFP_KERNEL));
	for (int i = 0; i < 100; i++)
		kfree(held[i]);
	assert_arena_back_to_start();
}

/* ---- shrinking ---- */

static void test_shrinker_returns_all_pages(void **state)
{
	(void)state;
	struct kmem_cache *c = kmem_cache_create_flags("t-shrink", 512, 0, NULL, SLAB_NODEBUG);
	u64 with_cache = zone_free_total(&arena_zone); /* c itself lives in a slab */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 3000; i++)
			assert_non_null(held[i] = kmem_cache_alloc(c, GFP_KERNEL));
		for (int i = 0; i < 2000; i++)
			assert_non_null(held[3000 + i] = kmalloc(8 + (size_t)i % 3000, GFP_KERNEL));
		for (int i = 0; i < 3000; i++)
			kmem_cache_free(c, held[i]);
		for (int i = 0; i < 2000; i++)
			kfree(held[3000 + i]);
		verify_all();
	}
	/* freed, but magazines and the kept empty slabs still hold pages */
	struct kmem_cache_info i = info_of(c);
	assert_int_equal(i.active, 0);
	assert_true(i.cpu_cached + i.depot_cached > 0);
	assert_true(zone_free_total(&arena_zone) < with_cache);
	/* memory pressure: take every page; the page allocator runs the slab
	 * shrinker when it runs dry, so every cached page is found */
	static struct page *pages[ARENA_PAGES];
	size_t got = 0;
	struct page *pg;
	while ((pg = alloc_pages(GFP_KERNEL | GFP_NOWARN, 0)))
		pages[got++] = pg;
	assert_int_equal(got, with_cache);
	i = info_of(c);
	assert_int_equal(i.total, 0);
	assert_int_equal(i.cpu_cached + i.depot_cached, 0);
	verify_all();
	for (size_t k = 0; k < got; k++)
		free_pages(pages[k], 0);
	/* the explicit shrinker reports what it releases */
	for (int k = 0; k < 100; k++)
		held[k] = kmem_cache_alloc(c, GFP_KERNEL);
	for (int k = 0; k < 100; k++)
		kmem_cache_free(c, held[k]);
	u64 before = zone_free_total(&arena_zone);
	u64 released = slab_shrink_all();
	assert_true(released > 0);
	zone_drain_pcp(&arena_zone, 0);
	assert_int_equal(zone_free_total(&arena_zone), before + released);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

static void test_empty_slabs_beyond_few_released(void **state)
{
	(void)state;
	struct kmem_cache *c = kmem_cache_create_flags("t-empty", 256, 0, NULL, SLAB_DEBUG);
	for (int i = 0; i < 600; i++)
		held[i] = kmem_cache_alloc(c, GFP_KERNEL);
	struct kmem_cache_info i = info_of(c);
	u64 slabs = i.slabs_full + i.slabs_partial;
	assert_true(slabs >= 10);
	for (int k = 0; k < 600; k++)
		kmem_cache_free(c, held[k]);
	i = info_of(c);
	assert_int_equal(i.active, 0);
	assert_true(i.slabs_empty >= 1 && i.slabs_empty <= 2); /* the rest went back at once */
	assert_int_equal(i.slabs_full + i.slabs_partial, 0);
	verify_cache(c);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

static void test_fragmented_smaller_slabs(void **state)
{
	(void)state;
	/* every other page taken: plenty of memory, no block above order 0 */
	static struct page *pg[ARENA_PAGES];
	size_t n = 0;
	struct page *x;
	while ((x = alloc_pages(GFP_KERNEL | GFP_NOWARN, 0)))
		pg[n++] = x;
	for (size_t i = 0; i < n; i += 2)
		free_pages(pg[i], 0);
	zone_drain_pcp(&arena_zone, 0);
	assert_null(alloc_pages(GFP_KERNEL | GFP_NOWARN, 1));
	struct kmem_cache *k1k = kmalloc_cache(1024);
	assert_true(info_of(k1k).pages_per_slab > 1);
	/* the preferred order-1+ slabs cannot be had: one-page slabs instead */
	for (int i = 0; i < 100; i++) {
		assert_non_null(held[i] = kmalloc(1000, GFP_KERNEL));
		memset(held[i], i, 1000);
	}
	struct kmem_cache_info ci = info_of(k1k);
	assert_int_equal(ci.active, 100);
	assert_true(ci.total >= 100 && ci.total < 100 + ci.objs_per_slab);
	verify_all();
	for (int i = 0; i < 100; i++) {
		assert_int_equal(((unsigned char *)held[i])[999], i);
		kfree(held[i]);
	}
	verify_all();
	/* an object larger than every free block still fails cleanly */
	struct kmem_cache *big = kmem_cache_create("t-8k", 8192, 0, NULL);
	assert_null(kmem_cache_alloc(big, GFP_KERNEL | GFP_NOWARN));
	assert_int_equal(info_of(big).failures, 1);
	kmem_cache_destroy(big);
	for (size_t i = 1; i < n; i += 2)
		free_pages(pg[i], 0);
	assert_int_equal(slab_errors_total(), 0);
	assert_arena_back_to_start();
}

/* ---- magazines ---- */

static void test_magazine_layer(void **state)
{
	(void)state;
	struct kmem_cache *c = kmem_cache_create_flags("t-mag", 64, 0, NULL, SLAB_NODEBUG);
	struct kmem_cache_info i = info_of(c);
	assert_int_equal(i.mag_size, 30);
	void *p = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, p);
	assert_ptr_equal(kmem_cache_alloc(c, GFP_KERNEL), p); /* LIFO through the magazine */
	kmem_cache_free(c, p);
	for (int k = 0; k < 1000; k++)
		held[k] = kmem_cache_alloc(c, GFP_KERNEL);
	verify_cache(c);
	for (int k = 0; k < 1000; k++) {
		kmem_cache_free(c, held[k]);
		verify_cache(c);
	}
	i = info_of(c);
	assert_int_equal(i.active, 0);
	assert_true(i.cpu_cached <= 60);
	assert_true(i.depot_full <= 64);
	assert_int_equal(i.depot_cached, (u64)i.depot_full * 30);
	assert_true(i.cpu_cached + i.depot_cached >= 30);
	/* reallocation drains the magazines before touching the slabs */
	u64 cached = i.cpu_cached + i.depot_cached;
	for (u64 k = 0; k < cached; k++)
		held[k] = kmem_cache_alloc(c, GFP_KERNEL);
	i = info_of(c);
	assert_int_equal(i.cpu_cached + i.depot_cached, 0);
	assert_int_equal(i.active, cached);
	verify_cache(c);
	for (u64 k = 0; k < cached; k++)
		kmem_cache_free(c, held[k]);
	kmem_cache_shrink(c);
	i = info_of(c);
	assert_int_equal(i.total, 0);
	assert_int_equal(i.cpu_cached + i.depot_cached + i.depot_full + i.depot_empty, 0);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

static void test_depot_working_set(void **state)
{
	(void)state;
	struct kmem_cache *c = kmem_cache_create_flags("t-depot", 64, 0, NULL, SLAB_NODEBUG);
	/* a burst fills the depot (up to its limit: the rest goes to the slabs) */
	for (int k = 0; k < 4000; k++)
		held[k] = kmem_cache_alloc(c, GFP_KERNEL);
	for (int k = 0; k < 4000; k++)
		kmem_cache_free(c, held[k]);
	verify_cache(c);
	struct kmem_cache_info i = info_of(c);
	assert_int_equal(i.depot_full, 64);
	assert_int_equal(i.depot_cached, 64 * 30);
	/* then a small working set for a while: the depot is trimmed to it */
	for (int round = 0; round < 300; round++) {
		for (int k = 0; k < 100; k++)
			held[k] = kmem_cache_alloc(c, GFP_KERNEL);
		for (int k = 0; k < 100; k++)
			kmem_cache_free(c, held[k]);
	}
	verify_cache(c);
	i = info_of(c);
	assert_true(i.depot_full <= 6);
	assert_true(i.depot_empty <= 6);
	assert_int_equal(i.active, 0);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

static void test_gfp_zero_and_irqs(void **state)
{
	(void)state;
	struct kmem_cache *c = kmem_cache_create_flags("t-zero", 300, 0, NULL, SLAB_NODEBUG);
	unsigned char *p = kmem_cache_alloc(c, GFP_KERNEL);
	memset(p, 0xff, 300);
	kmem_cache_free(c, p);
	unsigned char *q = kmem_cache_alloc(c, GFP_ZERO);
	assert_ptr_equal(q, p);
	for (int i = 0; i < 300; i++)
		assert_int_equal(q[i], 0);
	kmem_cache_free(c, q);
	unsigned char *z = kzalloc(100, GFP_KERNEL);
	for (int i = 0; i < 128; i++)
		assert_int_equal(z[i], 0);
	kfree(z);
	assert_int_equal(ksize(NULL), 0);
	void *zero = kmalloc(0, GFP_KERNEL); /* a valid smallest object */
	assert_non_null(zero);
	assert_int_equal(ksize(zero), 8);
	kfree(zero);
	kfree(NULL);
	/* as from an interrupt handler: interrupts stay off, nothing leaks */
	shim_irq_reset(false);
	void *ia = kmalloc(64, GFP_ATOMIC), *ib = kmem_cache_alloc(c, GFP_ATOMIC);
	assert_non_null(ia);
	assert_non_null(ib);
	kfree(ia);
	kmem_cache_free(c, ib);
	assert_false(shim_irq_state());
	assert_int_equal(shim_irq_nesting(), 0);
	shim_irq_reset(true);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

/* ---- creation, destruction, metrics ---- */

static void test_create_destroy(void **state)
{
	(void)state;
	assert_null(kmem_cache_create("t-zero-size", 0, 0, NULL));
	assert_null(kmem_cache_create("t-bad-align", 32, 3, NULL));
	assert_null(kmem_cache_create("t-huge-align", 32, 2 * PAGE_SIZE, NULL));
	assert_null(kmem_cache_create("t-too-big", (PAGE_SIZE << MAX_ORDER) + 1, 0, NULL));
	assert_null(kmem_cache_create("", 32, 0, NULL));
	assert_null(kmem_cache_alloc(NULL, GFP_KERNEL));
	struct kmem_cache *c = kmem_cache_create("t-live", 32, 0, NULL);
	assert_non_null(c);
	assert_null(kmem_cache_create("t-live", 64, 0, NULL)); /* names are unique */
	void *p = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_destroy(c); /* refused: an object is out */
	assert_int_equal(shim_output_count("slab: t-live: kmem_cache_destroy refused: 1 objects still allocated (cache kept)"), 1);
	assert_int_equal(info_of(c).errors, 1);
	void *q = kmem_cache_alloc(c, GFP_KERNEL); /* still a working cache */
	assert_non_null(q);
	verify_cache(c);
	kmem_cache_free(c, p);
	kmem_cache_free(c, q);
	kmem_cache_destroy(c);
	struct kmem_cache_info i;
	for (size_t k = 0; kmem_cache_info_at(k, &i) == 0; k++)
		assert_string_not_equal(i.name, "t-live");
	kmem_cache_destroy(kmalloc_cache(64)); /* built-in: refused */
	assert_int_equal(shim_output_count("kmem_cache_destroy of a built-in cache refused"), 1);
	assert_non_null(p = kmalloc(64, GFP_KERNEL));
	kfree(p);
	/* a huge-object cache: slabs of more than 8 pages */
	c = kmem_cache_create("t-40k", 40000, 0, NULL);
	assert_non_null(c);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	assert_non_null(p);
	memset(p, 1, 40000);
	assert_true(info_of(c).pages_per_slab >= 16);
	kmem_cache_free(c, p);
	verify_cache(c);
	kmem_cache_destroy(c);
	assert_arena_back_to_start();
}

static void test_metrics(void **state)
{
	(void)state;
	struct kmem_cache *c = kmem_cache_create_flags("t-metrics", 100, 0, NULL, SLAB_NODEBUG);
	void *p[5];
	for (int k = 0; k < 5; k++)
		p[k] = kmem_cache_alloc(c, GFP_KERNEL);
	u32 per_slab = info_of(c).objs_per_slab;
	assert_int_equal(metric_read("rayos_slab_objects_active", "cache=\"t-metrics\""), 5);
	assert_int_equal(metric_read("rayos_slab_objects_capacity", "cache=\"t-metrics\""), per_slab);
	for (int k = 0; k < 5; k++)
		kmem_cache_free(c, p[k]);
	/* in the magazines now: not active, still in the slab */
	assert_int_equal(metric_read("rayos_slab_objects_active", "cache=\"t-metrics\""), 0);
	assert_int_equal(metric_read("rayos_slab_objects_capacity", "cache=\"t-metrics\""), per_slab);
	void *k = kmalloc(64, GFP_KERNEL);
	assert_int_equal(metric_read("rayos_slab_objects_active", "cache=\"kmalloc-64\""), 1);
	kfree(k);
	assert_int_equal(metric_read("rayos_slab_objects_active", "cache=\"kmalloc-64\""), 0);
	kmem_cache_destroy(c);
	assert_int_equal(metric_read("rayos_slab_objects_active", "cache=\"t-metrics\""), -1);
	assert_int_equal(metric_read("rayos_slab_objects_capacity", "cache=\"t-metrics\""), -1);
	assert_arena_back_to_start();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_size_classes, arena_setup),
		cmocka_unit_test_setup(test_random_kmalloc_seed1, arena_setup),
		cmocka_unit_test_setup(test_random_kmalloc_seed2, arena_setup),
		cmocka_unit_test_setup(test_random_kmalloc_seed3, arena_setup),
		cmocka_unit_test_setup_teardown(test_random_kmalloc_magazines, setup_nodebug, teardown_nodebug),
		cmocka_unit_test_setup(test_random_caches_seed1, arena_setup),
		cmocka_unit_test_setup(test_random_caches_seed2, arena_setup),
		cmocka_unit_test_setup(test_ctor_once_per_object, arena_setup),
		cmocka_unit_test_setup(test_ctor_debug_constructs_on_alloc, arena_setup),
		cmocka_unit_test_setup(test_redzone_overflow_underflow, arena_setup),
		cmocka_unit_test_setup(test_use_after_free, arena_setup),
		cmocka_unit_test_setup(test_double_free, arena_setup),
		cmocka_unit_test_setup(test_foreign_pointers, arena_setup),
		cmocka_unit_test_setup(test_large_kmalloc, arena_setup),
		cmocka_unit_test_setup(test_exhaustion_and_recovery, arena_setup),
		cmocka_unit_test_setup(test_shrinker_returns_all_pages, arena_setup),
		cmocka_unit_test_setup(test_empty_slabs_beyond_few_released, arena_setup),
		cmocka_unit_test_setup(test_fragmented_smaller_slabs, arena_setup),
		cmocka_unit_test_setup(test_magazine_layer, arena_setup),
		cmocka_unit_test_setup(test_depot_working_set, arena_setup),
		cmocka_unit_test_setup(test_gfp_zero_and_irqs, arena_setup),
		cmocka_unit_test_setup(test_create_destroy, arena_setup),
		cmocka_unit_test_setup(test_metrics, arena_setup),
	};
	return cmocka_run_group_tests_name("slab", tests, NULL, arena_free_all);
}
