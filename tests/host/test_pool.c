/* test_pool.c — hosted tests of the fixed-size object pools (mm/pool.c)
 * on the real page allocator over a 16 MiB arena (mm_arena.h): reserve
 * semantics (ordinary callers stop at the reserve, POOL_RESERVE callers
 * may empty the pool), exhaustion and recovery, distinct non-overlapping
 * objects (a data pattern in each), double-free and foreign-pointer
 * detection (reported with pool name and address, counted, ignored),
 * pools spanning several chunks and the fallback to smaller chunks under
 * fragmentation, metrics, destruction returning every page, and
 * mempool_verify after every operation of a randomized sequence. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mm_arena.h"

static void pverify(struct mempool *p)
{
	char why[256];
	if (mempool_verify(p, why, sizeof(why))) {
		print_error("mempool_verify: %s\n", why);
		fail();
	}
}

static struct mempool_info pinfo(struct mempool *p)
{
	struct mempool_info i;
	mempool_get_info(p, &i);
	return i;
}

static void expect_log(const char *fmt, const void *obj)
{
	char want[200];
	snprintf(want, sizeof(want), fmt, obj);
	if (shim_output_count(want) != 1) {
		print_error("expected once in the log: \"%s\"\nlog:\n%s\n", want, shim_output());
		fail();
	}
}

static void test_reserve_semantics(void **state)
{
	(void)state;
	struct mempool *p = mempool_create("net-rx", 2048, 64, 8);
	assert_non_null(p);
	pverify(p);
	void *o[64];
	for (int i = 0; i < 56; i++) { /* ordinary callers get all but the reserve */
		assert_non_null(o[i] = mempool_alloc(p, GFP_ATOMIC));
		pverify(p);
	}
	assert_null(mempool_alloc(p, GFP_ATOMIC));
	assert_int_equal(pinfo(p).failures, 1);
	assert_int_equal(shim_output_count("pool allocation of 2048 bytes failed"), 1);
	for (int i = 56; i < 64; i++) { /* the reserve is there for POOL_RESERVE */
		assert_non_null(o[i] = mempool_alloc(p, GFP_ATOMIC | POOL_RESERVE));
		pverify(p);
	}
	assert_null(mempool_alloc(p, GFP_ATOMIC | POOL_RESERVE | GFP_NOWARN));
	assert_int_equal(pinfo(p).failures, 2);
	assert_int_equal(pinfo(p).free, 0);
	/* one back: still inside the reserve, so only POOL_RESERVE may take it */
	mempool_free(p, o[10]);
	assert_null(mempool_alloc(p, GFP_ATOMIC | GFP_NOWARN));
	void *again = mempool_alloc(p, POOL_RESERVE);
	assert_ptr_equal(again, o[10]); /* LIFO */
	/* nine back: one above the reserve */
	for (int i = 0; i < 9; i++)
		mempool_free(p, o[i]);
	assert_non_null(o[0] = mempool_alloc(p, GFP_KERNEL));
	assert_null(mempool_alloc(p, GFP_KERNEL | GFP_NOWARN));
	assert_int_equal(pinfo(p).free, 8);
	pverify(p);
	for (int i = 9; i < 64; i++)
		mempool_free(p, o[i]);
	mempool_free(p, o[0]);
	assert_int_equal(pinfo(p).free, 64);
	pverify(p);
	assert_int_equal(mempool_errors_total(), 0);
	assert_int_equal(mempool_destroy(p), 0);
	assert_arena_back_to_start();
}

static void test_objects_distinct(void **state)
{
	(void)state;
	struct mempool *p = mempool_create("t-distinct", 100, 500, 0);
	assert_non_null(p);
	static unsigned char *o[500];
	for (int i = 0; i < 500; i++) {
		o[i] = mempool_alloc(p, GFP_KERNEL);
		assert_non_null(o[i]);
		assert_int_equal((uintptr_t)o[i] % 64, 0); /* cache-line aligned stride */
		memset(o[i], i & 0xff, 100);
	}
	for (int i = 0; i < 500; i++)
		for (int k = 0; k < 100; k++)
			assert_int_equal(o[i][k], i & 0xff);
	/* LIFO: the most recently freed object comes back first */
	mempool_free(p, o[17]);
	assert_ptr_equal(mempool_alloc(p, GFP_KERNEL), o[17]);
	/* zeroing */
	mempool_free(p, o[3]);
	unsigned char *z = mempool_alloc(p, GFP_ZERO);
	assert_ptr_equal(z, o[3]);
	for (int k = 0; k < 100; k++)
		assert_int_equal(z[k], 0);
	for (int i = 0; i < 500; i++)
		mempool_free(p, o[i]);
	pverify(p);
	assert_int_equal(mempool_destroy(p), 0);
	assert_arena_back_to_start();
}

static void test_double_free_and_foreign(void **state)
{
	(void)state;
	struct mempool *p = mempool_create("t-bad", 256, 32, 4);
	struct mempool *q = mempool_create("t-other", 256, 32, 0);
	unsigned char *a = mempool_alloc(p, GFP_KERNEL), *b = mempool_alloc(q, GFP_KERNEL);
	mempool_free(p, a);
	mempool_free(p, a);
	expect_log("pool: t-bad: object %p double free", a);
	assert_int_equal(pinfo(p).free, 32); /* counted once */
	pverify(p);
	mempool_free(p, b); /* another pool's object */
	expect_log("pool: t-bad: object %p free of a pointer not allocated from this pool", b);
	a = mempool_alloc(p, GFP_KERNEL);
	mempool_free(p, a + 1); /* inside an object */
	expect_log("pool: t-bad: object %p free of a pointer not allocated from this pool", a + 1);
	int on_stack;
	mempool_free(p, &on_stack);
	expect_log("pool: t-bad: object %p free of a pointer not allocated from this pool", &on_stack);
	void *k = kmalloc(256, GFP_KERNEL);
	mempool_free(p, k);
	expect_log("pool: t-bad: object %p free of a pointer not allocated from this pool", k);
	kfree(k);
	assert_int_equal(pinfo(p).errors, 5);
	assert_int_equal(mempool_errors_total(), 5);
	assert_int_equal(pinfo(p).free, 31); /* a is still out */
	pverify(p);
	/* destroying with an object out is refused */
	assert_int_equal(mempool_destroy(p), -EBUSY);
	assert_int_equal(shim_output_count("pool: t-bad: mempool_destroy refused: 1 objects still allocated (pool kept)"), 1);
	mempool_free(p, a);
	mempool_free(q, b);
	assert_int_equal(mempool_destroy(p), 0);
	assert_int_equal(mempool_destroy(q), 0);
	assert_arena_back_to_start();
}

static void test_many_chunks_random(void **state)
{
	(void)state;
	/* 3000 objects of 200 bytes (stride 256): 750 KiB, several chunks */
	struct mempool *p = mempool_create("t-chunks", 200, 3000, 100);
	assert_non_null(p);
	pverify(p);
	static unsigned char *live[3000];
	static unsigned char tag[3000];
	int n = 0;
	uint64_t r = 0x1234567;
	for (int i = 0; i < 20000; i++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		bool reserve = r % 5 == 0;
		if (n == 0 || (r >> 8) % 100 < 55) {
			unsigned char *o = mempool_alloc(p, GFP_NOWARN | (reserve ? POOL_RESERVE : 0));
			u32 free_before = pinfo(p).free;
			if (!o) {
				/* only ever at the reserve (or empty for reserve callers) */
				assert_true(reserve ? free_before == 0 : free_before <= 100);
			} else {
				live[n] = o;
				tag[n] = (unsigned char)(r >> 24) | 1;
				memset(o, tag[n], 200);
				n++;
			}
		} else {
			int k = (int)((r >> 16) % (uint64_t)n);
			for (int b = 0; b < 200; b += 37)
				assert_int_equal(live[k][b], tag[k]);
			assert_int_equal(live[k][199], tag[k]);
			mempool_free(p, live[k]);
			live[k] = live[--n];
			tag[k] = tag[n];
		}
		if (i % 16 == 0 || n < 8)
			pverify(p);
		assert_int_equal(pinfo(p).free, 3000 - n);
	}
	while (n)
		mempool_free(p, live[--n]);
	pverify(p);
	assert_int_equal(mempool_errors_total(), 0);
	assert_int_equal(mempool_destroy(p), 0);
	assert_arena_back_to_start();
}

static void test_fragmented_memory_smaller_chunks(void **state)
{
	(void)state;
	/* take every page, give back every other one: no free block above order 0 */
	static struct page *pg[ARENA_PAGES];
	size_t n = 0;
	struct page *x;
	while ((x = alloc_pages(GFP_KERNEL | GFP_NOWARN, 0)))
		pg[n++] = x;
	for (size_t i = 0; i < n; i += 2) {
		free_pages(pg[i], 0);
		pg[i] = NULL;
	}
	zone_drain_pcp(&arena_zone, 0);
	assert_null(alloc_pages(GFP_KERNEL | GFP_NOWARN, 1));
	/* 64 KiB of objects, yet it works: one-page chunks */
	struct mempool *p = mempool_create("t-frag", 512, 128, 0);
	assert_non_null(p);
	pverify(p);
	static void *o[128];
	for (int i = 0; i < 128; i++) {
		assert_non_null(o[i] = mempool_alloc(p, GFP_KERNEL));
		memset(o[i], i, 512);
	}
	for (int i = 0; i < 128; i++)
		mempool_free(p, o[i]);
	pverify(p);
	assert_int_equal(mempool_destroy(p), 0);
	/* a pool whose object does not fit the free blocks cannot be made */
	assert_null(mempool_create("t-frag-big", 3 * PAGE_SIZE, 2, 0));
	for (size_t i = 1; i < n; i += 2)
		free_pages(pg[i], 0);
	assert_arena_back_to_start();
}

static void test_exhausted_memory(void **state)
{
	(void)state;
	/* more than the arena holds: creation fails, counted; nothing leaks */
	assert_null(mempool_create("t-huge", 4096, ARENA_PAGES + 1, 0));
	assert_int_equal(shim_output_count("pool allocation of"), 1);
	assert_arena_back_to_start();
	struct mempool *p = mempool_create("t-after", 4096, 100, 0);
	assert_non_null(p);
	assert_int_equal(mempool_destroy(p), 0);
	assert_arena_back_to_start();
}

static void test_invalid_and_irqs(void **state)
{
	(void)state;
	assert_null(mempool_create("t-x", 64, 10, 11)); /* reserve above nr */
	assert_null(mempool_create("t-x", 64, 0, 0));
	assert_null(mempool_create("t-x", 0, 10, 0));
	assert_null(mempool_create("", 64, 10, 0));
	assert_null(mempool_alloc(NULL, GFP_KERNEL));
	struct mempool *p = mempool_create("t-x", 64, 10, 1);
	assert_null(mempool_create("t-x", 64, 10, 1)); /* names are unique */
	/* from an interrupt handler: interrupts stay off, state balanced */
	shim_irq_reset(false);
	void *o = mempool_alloc(p, GFP_ATOMIC);
	assert_non_null(o);
	mempool_free(p, o);
	assert_false(shim_irq_state());
	assert_int_equal(shim_irq_nesting(), 0);
	shim_irq_reset(true);
	assert_int_equal(mempool_destroy(p), 0);
	assert_int_equal(mempool_destroy(NULL), 0);
	assert_arena_back_to_start();
}

static void test_metrics_and_info(void **state)
{
	(void)state;
	struct mempool *p = mempool_create("t-metrics", 1500, 20, 2);
	void *o[3];
	for (int i = 0; i < 3; i++)
		o[i] = mempool_alloc(p, GFP_KERNEL);
	assert_int_equal(metric_read("rayos_pool_objects_free", "pool=\"t-metrics\""), 17);
	assert_int_equal(metric_read("rayos_pool_objects_total", "pool=\"t-metrics\""), 20);
	struct mempool_info i;
	assert_int_equal(mempool_info_at(0, &i), 0);
	assert_string_equal(i.name, "t-metrics");
	assert_int_equal(i.obj_size, 1500);
	assert_int_equal(i.total, 20);
	assert_int_equal(i.free, 17);
	assert_int_equal(i.reserve, 2);
	assert_int_equal(mempool_info_at(1, &i), -ENOENT);
	for (int k = 0; k < 3; k++)
		mempool_free(p, o[k]);
	assert_int_equal(metric_read("rayos_pool_objects_free", "pool=\"t-metrics\""), 20);
	assert_int_equal(mempool_destroy(p), 0);
	assert_int_equal(metric_read("rayos_pool_objects_free", "pool=\"t-metrics\""), -1);
	assert_int_equal(mempool_info_at(0, &i), -ENOENT);
	assert_arena_back_to_start();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reserve_semantics, arena_setup),
		cmocka_unit_test_setup(test_objects_distinct, arena_setup),
		cmocka_unit_test_setup(test_double_free_and_foreign, arena_setup),
		cmocka_unit_test_setup(test_many_chunks_random, arena_setup),
		cmocka_unit_test_setup(test_fragmented_memory_smaller_chunks, arena_setup),
		cmocka_unit_test_setup(test_exhausted_memory, arena_setup),
		cmocka_unit_test_setup(test_invalid_and_irqs, arena_setup),
		cmocka_unit_test_setup(test_metrics_and_info, arena_setup),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, arena_free_all);
}
