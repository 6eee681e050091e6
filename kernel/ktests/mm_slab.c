/* mm_slab.c — in-kernel tests (suite `mm`) of the slab allocator, kmalloc
 * and object pools on the machine's real memory: randomized stress over
 * every size class with a data pattern and cache verification, custom
 * caches with constructors and magazines, the debug checks that can be
 * provoked without harming the kernel (red-zone overflow and underflow,
 * use after free, double and foreign frees: reported and counted), large
 * kmalloc, pools with their reserve, and free memory (mm_stats, i.e.
 * rayos_mem_free_bytes) back where it was after each test once the slab
 * shrinker has run. Runs on one CPU with nothing else allocating. */
#include <rayos/ktest.h>
#include <rayos/arch.h>
#include <rayos/mm.h>
#include <rayos/string.h>

static u64 rng_state;
static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u64 free_bytes(void)
{
	struct mem_stats s;
	slab_shrink_all();
	mm_stats(&s);
	return s.free_bytes;
}

static bool verified(struct ktest_ctx *t, struct kmem_cache *c)
{
	char why[160];
	int r = c ? kmem_cache_verify(c, why, sizeof(why)) : slab_verify_all(why, sizeof(why));
	if (r)
		ktest_fail(t, __FILE__, __LINE__, "verify: %s", why);
	return r == 0;
}

struct blob {
	u8 *p;
	size_t size;
	u8 tag;
};

static bool intact(const struct blob *b)
{
	for (size_t i = 0; i < b->size; i++)
		if (b->p[i] != b->tag)
			return false;
	return true;
}

KTEST(mm, kmalloc_stress_all_sizes)
{
	static struct blob live[512];
	u64 before = free_bytes();
	int n = 0, bad = 0;
	rng_state = 0x2545f4914f6cdd1dULL;
	for (int i = 0; i < 20000; i++) {
		if (n == 0 || (n < 512 && rnd() % 100 < 52)) {
			u64 r = rnd() % 100;
			size_t size = r < 3 ? KMALLOC_MAX_CACHE_SIZE + 1 + rnd() % (8 * PAGE_SIZE)
					    : 1 + rnd() % ((size_t)8 << (rnd() % 10));
			if (size > KMALLOC_MAX_CACHE_SIZE && r >= 3)
				size = KMALLOC_MAX_CACHE_SIZE;
			u8 *p = kmalloc(size, GFP_KERNEL);
			KT_ASSERT(p != NULL);
			KT_EXPECT(ksize(p) >= size);
			live[n] = (struct blob){ p, size, (u8)(rnd() | 1) };
			memset(p, live[n].tag, size);
			n++;
		} else {
			int k = (int)(rnd() % (u64)n);
			if (!intact(&live[k]))
				bad++;
			kfree(live[k].p);
			live[k] = live[--n];
		}
		if (i % 2000 == 0 && !verified(t, NULL))
			return;
	}
	while (n) {
		if (!intact(&live[n - 1]))
			bad++;
		kfree(live[--n].p);
	}
	KT_EXPECT_EQ(bad, 0);
	KT_ASSERT(verified(t, NULL));
	KT_EXPECT_EQ(free_bytes(), before);
}

static u32 ctor_runs;
struct tobj {
	u32 magic;
	u32 state;
	u64 payload[6];
};

static void tobj_ctor(void *p)
{
	struct tobj *o = p;
	o->magic = 0x7e57c7e5;
	o->state = 0;
	ctor_runs++;
}

KTEST(mm, slab_custom_cache_ctor_and_magazines)
{
	u64 before = free_bytes();
	struct kmem_cache *c = kmem_cache_create_flags("ktest-tobj", sizeof(struct tobj), 16, tobj_ctor,
						       SLAB_NODEBUG);
	KT_ASSERT(c != NULL);
	struct kmem_cache_info info;
	static struct tobj *objs[600];
	ctor_runs = 0;
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 600; i++) {
			objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
			KT_ASSERT(objs[i] != NULL);
			KT_EXPECT((uintptr_t)objs[i] % 16 == 0);
			KT_EXPECT(objs[i]->magic == 0x7e57c7e5 && objs[i]->state == 0);
			objs[i]->state = 1;
			objs[i]->payload[0] = (u64)i;
		}
		KT_ASSERT(verified(t, c));
		for (int i = 0; i < 600; i++) {
			KT_EXPECT_EQ(objs[i]->payload[0], i);
			objs[i]->state = 0;
			kmem_cache_free(c, objs[i]);
		}
		KT_ASSERT(verified(t, c));
	}
	kmem_cache_get_info(c, &info);
	KT_EXPECT_EQ(info.active, 0);
	KT_EXPECT(info.cpu_cached > 0); /* the magazines hold objects now */
	/* constructed once per object of each slab, not per allocation */
	KT_EXPECT(ctor_runs >= 600 && ctor_runs < 3000);
	kmem_cache_destroy(c);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(mm, slab_debug_detects_misuse)
{
	u64 before = free_bytes();
	struct kmem_cache *c = kmem_cache_create_flags("ktest-debug", 40, 0, NULL, SLAB_DEBUG);
	KT_ASSERT(c != NULL);
	struct kmem_cache *other = kmem_cache_create_flags("ktest-other", 40, 0, NULL, SLAB_DEBUG);
	KT_ASSERT(other != NULL);
	u64 e0 = slab_errors_total();
	struct kmem_cache_info info;

	u8 *p = kmem_cache_alloc(c, GFP_KERNEL);
	KT_ASSERT(p != NULL);
	p[40] = 0xaa; /* overflow by one byte */
	kmem_cache_free(c, p);
	KT_EXPECT_EQ(slab_errors_total(), e0 + 1);

	p = kmem_cache_alloc(c, GFP_KERNEL);
	p[-3] = 0xaa; /* underflow */
	kmem_cache_free(c, p);
	KT_EXPECT_EQ(slab_errors_total(), e0 + 2);

	p = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, p);
	p[7] = 0x11; /* use after free: caught when handed out again */
	u8 *q = kmem_cache_alloc(c, GFP_KERNEL);
	KT_EXPECT(q == p);
	KT_EXPECT_EQ(slab_errors_total(), e0 + 3);

	kmem_cache_free(c, q);
	kmem_cache_free(c, q); /* double free */
	KT_EXPECT_EQ(slab_errors_total(), e0 + 4);

	u8 *r = kmem_cache_alloc(other, GFP_KERNEL);
	kmem_cache_free(c, r); /* wrong cache */
	kmem_cache_free(c, r + 4); /* not an object boundary */
	KT_EXPECT_EQ(slab_errors_total(), e0 + 6);
	kmem_cache_get_info(c, &info);
	KT_EXPECT_EQ(info.errors, 6);
	KT_ASSERT(verified(t, c)); /* no damage left behind */
	KT_ASSERT(verified(t, other));
	kmem_cache_free(other, r);

	u8 *k = kmalloc(100, GFP_KERNEL);
	kfree(k + 1); /* caught at once by a debug cache; without slab_debug */
	kmem_cache_shrink(kmalloc_cache(100)); /* when its magazine is flushed */
	static u8 not_heap[16];
	kfree(not_heap);
	KT_EXPECT_EQ(slab_errors_total(), e0 + 8);
	kfree(k);
	kmem_cache_destroy(c);
	kmem_cache_destroy(other);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(mm, kmalloc_large_and_zeroed)
{
	u64 before = free_bytes();
	u8 *p = kmalloc(3 * PAGE_SIZE + 5, GFP_KERNEL);
	KT_ASSERT(p != NULL);
	KT_EXPECT((uintptr_t)p % PAGE_SIZE == 0);
	KT_EXPECT_EQ(ksize(p), 4 * PAGE_SIZE);
	KT_EXPECT(virt_to_page(p)->flags & PG_large);
	memset(p, 0xcd, 4 * PAGE_SIZE);
	u8 *z = kzalloc(20000, GFP_KERNEL);
	KT_ASSERT(z != NULL);
	bool zero = true;
	for (size_t i = 0; i < 20000; i++)
		zero &= z[i] == 0;
	KT_EXPECT(zero);
	u8 *s = kzalloc(700, GFP_KERNEL);
	zero = true;
	for (size_t i = 0; i < ksize(s); i++)
		zero &= s[i] == 0;
	KT_EXPECT(zero);
	KT_EXPECT(kmalloc((PAGE_SIZE << MAX_ORDER) + 1, GFP_KERNEL | GFP_NOWARN) == NULL);
	kfree(p);
	kfree(z);
	kfree(s);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(mm, kmalloc_with_interrupts_off)
{
	u64 before = free_bytes();
	irqflags_t f = arch_irq_save();
	void *a = kmalloc(64, GFP_ATOMIC), *b = kmalloc(2000, GFP_ATOMIC), *c = kmalloc(9000, GFP_ATOMIC);
	KT_EXPECT(a && b && c);
	KT_EXPECT(!arch_irq_enabled());
	kfree(a);
	kfree(b);
	kfree(c);
	KT_EXPECT(!arch_irq_enabled());
	arch_irq_restore(f);
	KT_EXPECT(arch_irq_enabled());
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(mm, slab_shrinker_returns_memory)
{
	u64 before = free_bytes();
	static void *p[2048];
	struct kmem_cache *c = kmem_cache_create_flags("ktest-shrink", 1000, 0, NULL, SLAB_NODEBUG);
	KT_ASSERT(c != NULL);
	for (int i = 0; i < 2048; i++)
		KT_ASSERT((p[i] = kmem_cache_alloc(c, GFP_KERNEL)) != NULL);
	struct mem_stats s;
	mm_stats(&s);
	KT_EXPECT(s.free_bytes + 2048 * 1000 <= before);
	for (int i = 0; i < 2048; i++)
		kmem_cache_free(c, p[i]);
	mm_stats(&s);
	KT_EXPECT(s.free_bytes < before); /* magazines and kept slabs */
	KT_EXPECT(slab_shrink_all() > 0);
	struct kmem_cache_info info;
	kmem_cache_get_info(c, &info);
	KT_EXPECT_EQ(info.total, 0);
	kmem_cache_destroy(c);
	KT_EXPECT_EQ(free_bytes(), before);
}

KTEST(mm, pool_reserve_and_misuse)
{
	u64 before = free_bytes();
	struct mempool *p = mempool_create("ktest-pool", 1536, 32, 4);
	KT_ASSERT(p != NULL);
	void *o[32];
	int got = 0;
	while (got < 32 && (o[got] = mempool_alloc(p, GFP_ATOMIC | GFP_NOWARN)))
		got++;
	KT_EXPECT_EQ(got, 28); /* the reserve stays */
	while (got < 32 && (o[got] = mempool_alloc(p, GFP_ATOMIC | POOL_RESERVE)))
		got++;
	KT_EXPECT_EQ(got, 32);
	KT_EXPECT(mempool_alloc(p, POOL_RESERVE | GFP_NOWARN) == NULL);
	u64 e0 = mempool_errors_total();
	mempool_free(p, o[0]);
	mempool_free(p, o[0]); /* double free */
	mempool_free(p, (u8 *)o[1] + 8); /* inside an object */
	KT_EXPECT_EQ(mempool_errors_total(), e0 + 2);
	KT_EXPECT_EQ(mempool_destroy(p), -EBUSY);
	char why[160];
	KT_EXPECT_EQ(mempool_verify(p, why, sizeof(why)), 0);
	for (int i = 1; i < 32; i++)
		mempool_free(p, o[i]);
	KT_EXPECT_EQ(mempool_destroy(p), 0);
	KT_EXPECT_EQ(free_bytes(), before);
}
