/* test_buddy.c — hosted tests of the buddy zone core (mm/buddy.c): long
 * randomized alloc/free sequences with fixed seeds over a malloc'd arena,
 * zone_check() after every operation, a data pattern in every allocation
 * (overlapping blocks would corrupt it), bad-free detection, exhaustion and
 * full recovery, the extfrag index, and per-CPU cache resizing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <rayos/mm.h>

#define NPAGES 2048
#define BASE_PFN 0x1000 /* aligned to 2^MAX_ORDER so whole blocks exist */

static struct zone zone;
static struct page map[NPAGES];
static unsigned char *arena;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static u64 initial_nr_free[NR_ORDERS]; /* block layout right after setup */

/* Everything freed again must coalesce back to exactly the initial blocks. */
static void assert_fully_coalesced(void)
{
	for (unsigned o = 0; o < NR_ORDERS; o++)
		assert_int_equal(zone.nr_free[o], initial_nr_free[o]);
}

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned char *addr_of(struct page *p)
{
	return arena + (zone_page_to_pfn(&zone, p) - BASE_PFN) * PAGE_SIZE;
}

static void check(void)
{
	char why[256];
	if (zone_check(&zone, why, sizeof(why))) {
		print_error("zone_check: %s\n", why);
		fail();
	}
}

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(PAGE_SIZE, (size_t)NPAGES * PAGE_SIZE);
	assert_non_null(arena);
	assert_int_equal(zone_init(&zone, 0, BASE_PFN, NPAGES, map), 0);
	/* usable memory with two holes, like a real memory map */
	zone_add_free_range(&zone, BASE_PFN, 100);
	zone_add_free_range(&zone, BASE_PFN + 130, 900);
	zone_add_free_range(&zone, BASE_PFN + 1100, NPAGES - 1100);
	check();
	memcpy(initial_nr_free, zone.nr_free, sizeof(initial_nr_free));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static void test_init_counts(void **state)
{
	(void)state;
	assert_int_equal(zone.managed_pages, 100 + 900 + (NPAGES - 1100));
	assert_int_equal(zone.free_pages, zone.managed_pages);
	/* reserved holes are never handed out */
	assert_true(map[100].flags & PG_reserved);
	assert_true(map[1099].flags & PG_reserved);
}

struct alloc {
	struct page *p;
	unsigned order;
	unsigned char tag;
};

static void fill(struct alloc *a)
{
	memset(addr_of(a->p), a->tag, PAGE_SIZE << a->order);
}

static void verify(struct alloc *a)
{
	unsigned char *m = addr_of(a->p);
	for (size_t i = 0; i < (PAGE_SIZE << a->order); i += 512)
		assert_int_equal(m[i], a->tag);
}

static void run_random(uint64_t seed, int ops)
{
	static struct alloc live[4096];
	int n = 0;
	rng = seed;
	for (int i = 0; i < ops; i++) {
		bool do_alloc = n == 0 || (n < 4096 && next_rand() % 100 < 55);
		if (do_alloc) {
			/* mostly small orders, sometimes large */
			uint64_t r = next_rand() % 100;
			unsigned order = r < 60 ? 0 : r < 85 ? (unsigned)(next_rand() % 3) + 1
						   : (unsigned)(next_rand() % (MAX_ORDER + 1));
			struct page *p = zone_alloc(&zone, order, GFP_KERNEL);
			if (p) {
				assert_true(p->flags & PG_head);
				assert_int_equal(p->order, order);
				assert_int_equal(zone_page_to_pfn(&zone, p) & ((1u << order) - 1), 0);
				live[n] = (struct alloc){ p, order, (unsigned char)(next_rand() | 1) };
				fill(&live[n]);
				n++;
			}
		} else {
			int k = (int)(next_rand() % (uint64_t)n);
			verify(&live[k]);
			assert_int_equal(zone_free(&zone, live[k].p, live[k].order), 0);
			live[k] = live[--n];
		}
		check();
	}
	while (n) {
		verify(&live[n - 1]);
		assert_int_equal(zone_free(&zone, live[n - 1].p, live[n - 1].order), 0);
		n--;
		check();
	}
	zone_drain_pcp(&zone, 0);
	check();
	assert_int_equal(zone.free_pages, zone.managed_pages);
	assert_fully_coalesced();
}

static void test_random_seed1(void **state) { (void)state; run_random(1, 20000); }
static void test_random_seed2(void **state) { (void)state; run_random(0xdeadbeef, 20000); }
static void test_random_seed3(void **state) { (void)state; run_random(42, 20000); }

static void test_full_coalescing(void **state)
{
	(void)state;
	run_random(7, 3000);
	/* pfns 0x1600-0x17ff are one aligned free run: a whole order-9 block */
	assert_true(zone.nr_free[9] >= 1);
	assert_int_equal(zone_frag_index(&zone, 9), -1000);
	/* the holes leave no aligned 1024-page run: order 10 cannot succeed */
	assert_int_equal(zone.nr_free[MAX_ORDER], 0);
	assert_null(zone_alloc(&zone, MAX_ORDER, GFP_KERNEL));
}

static void test_bad_frees(void **state)
{
	(void)state;
	struct page *p = zone_alloc(&zone, 2, GFP_KERNEL);
	assert_non_null(p);
	assert_int_equal(zone_free(&zone, p, 1), -EINVAL);   /* wrong order */
	assert_int_equal(zone_free(&zone, p + 1, 0), -EINVAL); /* tail page */
	assert_int_equal(zone_free(&zone, p, 2), 0);
	assert_int_equal(zone_free(&zone, p, 2), -EINVAL);   /* double free */
	assert_int_equal(zone_free(&zone, &map[100], 0), -EINVAL); /* reserved */
	struct page *q = zone_alloc(&zone, 0, GFP_KERNEL);
	assert_int_equal(zone_free(&zone, q, 0), 0);
	assert_int_equal(zone_free(&zone, q, 0), -EINVAL);   /* double free into the cache */
	assert_int_equal(zone.bad_free, 5);
	check();
	zone_drain_pcp(&zone, 0);
	assert_int_equal(zone.free_pages, zone.managed_pages);
}

static void test_exhaustion_and_recovery(void **state)
{
	(void)state;
	static struct page *got[NPAGES];
	int n = 0;
	struct page *p;
	while ((p = zone_alloc(&zone, 0, GFP_KERNEL)))
		got[n++] = p;
	assert_int_equal(n, zone.managed_pages);
	assert_null(zone_alloc(&zone, 3, GFP_KERNEL));
	assert_int_equal(zone_frag_index(&zone, 0), 0); /* nothing free at all */
	check();
	/* free every other page: lots of free memory, no order-1 block */
	for (int i = 0; i < n; i += 2)
		assert_int_equal(zone_free(&zone, got[i], 0), 0);
	zone_drain_pcp(&zone, 0);
	check();
	int fi = zone_frag_index(&zone, 3);
	assert_true(fi > 800); /* failure would be due to fragmentation */
	assert_null(zone_alloc(&zone, 3, GFP_KERNEL));
	for (int i = 1; i < n; i += 2)
		assert_int_equal(zone_free(&zone, got[i], 0), 0);
	zone_drain_pcp(&zone, 0);
	check();
	assert_int_equal(zone.free_pages, zone.managed_pages);
	assert_fully_coalesced();
	assert_non_null(p = zone_alloc(&zone, 9, GFP_KERNEL));
	assert_int_equal(zone_free(&zone, p, 9), 0);
}

static void test_watermarks(void **state)
{
	(void)state;
	zone_set_watermarks(&zone);
	assert_true(zone.wmark_min > 0);
	assert_true(zone.wmark_low > zone.wmark_min && zone.wmark_high > zone.wmark_low);
	static struct page *got[NPAGES];
	int n = 0;
	struct page *p;
	while ((p = zone_alloc(&zone, 0, GFP_KERNEL)))
		got[n++] = p;
	/* ordinary allocations stop at the min watermark ... */
	assert_true(zone.free_pages <= zone.wmark_min + 64);
	assert_true(zone.free_pages + zone_pcp_total(&zone) >= zone.wmark_min);
	/* ... atomic ones may go further */
	int extra = 0;
	while ((p = zone_alloc(&zone, 0, GFP_ATOMIC)))
		got[n++] = p, extra++;
	assert_true(extra > 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(zone_free(&zone, got[i], 0), 0);
	zone_drain_pcp(&zone, 0);
	check();
	zone.wmark_min = zone.wmark_low = zone.wmark_high = 0;
}

static void test_pcp_adapts(void **state)
{
	(void)state;
	struct per_cpu_pages *pcp = &zone.pcp[0];
	u32 before = pcp->batch;
	static struct page *got[1024];
	/* allocation bursts larger than the cache: misses, so the batch grows */
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 512; i++)
			assert_non_null(got[i] = zone_alloc(&zone, 0, GFP_KERNEL));
		for (int i = 0; i < 512; i++)
			assert_int_equal(zone_free(&zone, got[i], 0), 0);
		check();
	}
	assert_true(pcp->batch > before);
	u32 grown = pcp->batch;
	/* alternating alloc/free hits every time: the batch shrinks back */
	for (int i = 0; i < 4096; i++) {
		struct page *p = zone_alloc(&zone, 0, GFP_KERNEL);
		assert_int_equal(zone_free(&zone, p, 0), 0);
	}
	assert_true(pcp->batch < grown);
	assert_int_equal(pcp->high, pcp->batch * 4);
	check();
	zone_drain_pcp(&zone, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_seed1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_seed2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_seed3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_coalescing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_and_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watermarks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcp_adapts, setup, teardown),
	};
	return cmocka_run_group_tests_name("buddy", tests, NULL, NULL);
}
