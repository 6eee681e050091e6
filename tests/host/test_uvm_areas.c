/* test_uvm_areas.c — hosted tests of the area set of user address spaces
 * (mm/uvm_area.c): a randomized sequence (fixed seeds) of inserts, range
 * removals, protection changes and gap searches over a small address
 * window, checked after every operation against a reference model (one
 * (prot, flags) cell per page) and area_set_check(); equal neighbours are
 * always merged (the list is the canonical run-length form of the model);
 * allocation failures (injected) change nothing; the top-down gap search
 * returns the highest fitting gap; and area_set_check detects corruption. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../mm/uvm_area.h"
#include <rayos/mm.h>

/* kmalloc for the area code, with failure injection */
static int fail_after = -1; /* allocations left before failing; -1 never */
static long live_allocs;
void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	live_allocs++;
	return malloc(size);
}
void kfree(const void *p)
{
	if (p)
		live_allocs--;
	free((void *)p);
}

#define NPAGES 64
#define BASE 0x100000ULL
#define PG 4096ULL

struct cell {
	bool used;
	int prot;
	unsigned flags;
};
static struct cell model[NPAGES];

static u64 rng;
static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u64 addr_of(int i) { return BASE + (u64)i * PG; }

/* The set equals the model's run-length form: every maximal run of equal
 * used cells is exactly one area. */
static void check(struct area_set *s)
{
	char why[160];
	if (area_set_check(s, why, sizeof(why))) {
		print_error("area_set_check: %s\n", why);
		fail();
	}
	struct list_head *pos = s->list.next;
	int i = 0;
	while (i < NPAGES) {
		if (!model[i].used) {
			i++;
			continue;
		}
		int j = i;
		while (j + 1 < NPAGES && model[j + 1].used && model[j + 1].prot == model[i].prot &&
		       model[j + 1].flags == model[i].flags)
			j++;
		assert_true(pos != &s->list);
		struct uvm_area *a = list_entry(pos, struct uvm_area, node);
		assert_int_equal(a->start, addr_of(i));
		assert_int_equal(a->end, addr_of(j + 1));
		assert_int_equal(a->prot, model[i].prot);
		assert_int_equal(a->flags, model[i].flags);
		pos = pos->next;
		i = j + 1;
	}
	assert_true(pos == &s->list);
	for (int k = 0; k < NPAGES; k++) {
		struct uvm_area *a = area_find(s, addr_of(k) + 5);
		assert_int_equal(a != NULL, model[k].used);
	}
}

static bool model_free(int i, int n)
{
	for (int k = i; k < i + n; k++)
		if (model[k].used)
			return false;
	return true;
}

static void random_ops(u64 seed, int steps, bool inject)
{
	struct area_set s;
	area_set_init(&s);
	memset(model, 0, sizeof(model));
	rng = seed;
	for (int step = 0; step < steps; step++) {
		int i = (int)(rnd() % NPAGES);
		int n = 1 + (int)(rnd() % 8);
		if (i + n > NPAGES)
			n = NPAGES - i;
		int prot = (int)(rnd() % 3) + 1;
		unsigned flags = rnd() % 4 == 0 ? AREA_SHARED : 0;
		if (inject)
			fail_after = (int)(rnd() % 3);
		int r;
		switch (rnd() % 4) {
		case 0:
			r = area_insert(&s, addr_of(i), addr_of(i + n), prot, flags);
			if (!model_free(i, n)) {
				assert_int_equal(r, -EEXIST);
			} else if (r == 0) {
				for (int k = i; k < i + n; k++)
					model[k] = (struct cell){ true, prot, flags };
			} else {
				assert_int_equal(r, -ENOMEM);
			}
			break;
		case 1:
			r = area_remove_range(&s, addr_of(i), addr_of(i + n));
			if (r == 0)
				for (int k = i; k < i + n; k++)
					model[k].used = false;
			else
				assert_int_equal(r, -ENOMEM);
			break;
		case 2: {
			bool covered = true;
			for (int k = i; k < i + n; k++)
				covered &= model[k].used;
			assert_int_equal(area_range_covered(&s, addr_of(i), addr_of(i + n)), covered);
			if (!covered)
				break;
			r = area_protect_range(&s, addr_of(i), addr_of(i + n), prot);
			if (r == 0)
				for (int k = i; k < i + n; k++)
					model[k].prot = prot;
			else
				assert_int_equal(r, -ENOMEM);
			break;
		}
		case 3: {
			u64 got = area_gap_topdown(&s, (u64)n * PG, BASE, addr_of(NPAGES));
			int want = -1;
			for (int k = NPAGES - n; k >= 0; k--)
				if (model_free(k, n)) {
					want = k;
					break;
				}
			if (want < 0 || (want == 0 && BASE == 0))
				assert_int_equal(got, 0);
			else
				assert_int_equal(got, addr_of(want));
			assert_int_equal(area_range_free(&s, addr_of(i), addr_of(i + n)), model_free(i, n));
			break;
		}
		}
		fail_after = -1;
		check(&s);
	}
	u64 total = 0;
	for (int k = 0; k < NPAGES; k++)
		total += model[k].used ? PG : 0;
	assert_int_equal(area_total(&s), total);
	area_set_clear(&s);
	assert_int_equal(live_allocs, 0);
}

static void test_random(void **state)
{
	(void)state;
	for (u64 seed = 1; seed <= 20; seed++)
		random_ops(seed * 0x9E3779B97F4A7C15ULL, 2000, false);
}

static void test_random_with_allocation_failures(void **state)
{
	(void)state;
	for (u64 seed = 1; seed <= 10; seed++)
		random_ops(seed * 0xC2B2AE3D27D4EB4FULL, 2000, true);
}

static void test_split_and_merge(void **state)
{
	(void)state;
	struct area_set s;
	area_set_init(&s);
	assert_int_equal(area_insert(&s, BASE, BASE + 8 * PG, 3, 0), 0);
	assert_int_equal(s.nr, 1);
	assert_int_equal(area_protect_range(&s, BASE + 2 * PG, BASE + 4 * PG, 1), 0);
	assert_int_equal(s.nr, 3);
	assert_int_equal(area_protect_range(&s, BASE + 2 * PG, BASE + 4 * PG, 3), 0);
	assert_int_equal(s.nr, 1); /* merged back */
	assert_int_equal(area_remove_range(&s, BASE + 3 * PG, BASE + 5 * PG), 0);
	assert_int_equal(s.nr, 2);
	assert_int_equal(area_insert(&s, BASE + 3 * PG, BASE + 5 * PG, 3, 0), 0);
	assert_int_equal(s.nr, 1);
	assert_int_equal(area_insert(&s, BASE + 9 * PG, BASE + 10 * PG, 3, AREA_STACK), 0);
	assert_int_equal(area_insert(&s, BASE + 8 * PG, BASE + 9 * PG, 3, 0), 0);
	assert_int_equal(s.nr, 2); /* different flags do not merge */
	assert_int_equal(area_insert(&s, BASE, BASE + PG, 3, 0), -EEXIST);
	assert_int_equal(area_insert(&s, BASE + 1, BASE + PG, 3, 0), -EINVAL);
	area_set_clear(&s);
}

static void test_gap_topdown(void **state)
{
	(void)state;
	struct area_set s;
	area_set_init(&s);
	u64 lo = BASE, hi = BASE + 16 * PG;
	assert_int_equal(area_gap_topdown(&s, 2 * PG, lo, hi), hi - 2 * PG);
	assert_int_equal(area_insert(&s, hi - 2 * PG, hi + 4 * PG, 3, 0), 0); /* straddles the top */
	assert_int_equal(area_gap_topdown(&s, 2 * PG, lo, hi), hi - 4 * PG);
	assert_int_equal(area_insert(&s, lo + 4 * PG, lo + 13 * PG, 3, AREA_SHARED), 0);
	assert_int_equal(area_gap_topdown(&s, 2 * PG, lo, hi), 0 + lo + 2 * PG);
	assert_int_equal(area_gap_topdown(&s, PG, lo, hi), lo + 13 * PG);
	assert_int_equal(area_gap_topdown(&s, 5 * PG, lo, hi), 0);
	assert_int_equal(area_gap_topdown(&s, 0, lo, hi), 0);
	/* an area below the window does not widen the lowest gap */
	assert_int_equal(area_insert(&s, lo - 8 * PG, lo - 7 * PG, 3, 0), 0);
	assert_int_equal(area_gap_topdown(&s, 5 * PG, lo, hi), 0);
	area_set_clear(&s);
}

static void test_check_detects_corruption(void **state)
{
	(void)state;
	struct area_set s;
	char why[160];
	area_set_init(&s);
	assert_int_equal(area_insert(&s, BASE, BASE + PG, 3, 0), 0);
	assert_int_equal(area_insert(&s, BASE + 4 * PG, BASE + 5 * PG, 3, AREA_SHARED), 0);
	struct uvm_area *first = list_first_entry(&s.list, struct uvm_area, node);
	first->end = BASE + 6 * PG; /* overlaps the next */
	assert_int_equal(area_set_check(&s, why, sizeof(why)), -EINVAL);
	first->end = BASE + PG + 1; /* misaligned */
	assert_int_equal(area_set_check(&s, why, sizeof(why)), -EINVAL);
	first->end = BASE + PG;
	s.nr = 5;
	assert_int_equal(area_set_check(&s, why, sizeof(why)), -EINVAL);
	s.nr = 2;
	assert_int_equal(area_set_check(&s, why, sizeof(why)), 0);
	area_set_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_and_merge),
		cmocka_unit_test(test_gap_topdown),
		cmocka_unit_test(test_check_detects_corruption),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_random_with_allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
