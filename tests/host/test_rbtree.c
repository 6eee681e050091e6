/* test_rbtree.c — hosted tests of the intrusive red-black tree
 * (lib/rbtree.c): long randomized insert/erase sequences with fixed seeds
 * and rb_validate_cached() after every operation, checked against a
 * reference multiset (in-order contents, leftmost cache, node count);
 * ascending/descending/duplicate insertion (height bound, stable order of
 * equal keys); next/prev/last walks; draining by leftmost (priority-queue
 * use); the plain (uncached) API; and that rb_validate() detects each kind
 * of corruption (so the other tests' checks can fail). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <rayos/rbtree.h>

struct item {
	u64 key;
	u32 seq;          /* insertion sequence number, for stability checks */
	bool in_tree;
	struct rb_node node;
};

static bool item_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct item, node)->key < rb_entry(b, struct item, node)->key;
}

static struct item *item_of(const struct rb_node *n)
{
	return n ? rb_entry(n, struct item, node) : NULL;
}

static u64 rng;
static u64 next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check_tree(const struct rb_root_cached *t, size_t want_nr)
{
	const char *why = NULL;
	size_t nr = 0;
	int err = rb_validate_cached(t, item_less, &nr, &why);
	if (err) {
		print_error("rb_validate_cached: %s\n", why ? why : "?");
		fail();
	}
	assert_int_equal(nr, want_nr);
}

static int height(const struct rb_node *n)
{
	if (!n)
		return 0;
	int l = height(n->left), r = height(n->right);
	return 1 + (l > r ? l : r);
}

static int cmp_item_ptr(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* In-order contents must equal the reference set sorted by (key, seq):
 * equal keys come out in insertion order. */
static void check_contents(const struct rb_root_cached *t, struct item *pool, size_t n)
{
	struct item **ref = calloc(n, sizeof(*ref));
	size_t k = 0;
	assert_non_null(ref);
	for (size_t i = 0; i < n; i++)
		if (pool[i].in_tree)
			ref[k++] = &pool[i];
	qsort(ref, k, sizeof(*ref), cmp_item_ptr);
	size_t i = 0;
	for (struct rb_node *nd = rb_first_cached(t); nd; nd = rb_next(nd), i++) {
		assert_true(i < k);
		assert_ptr_equal(item_of(nd), ref[i]);
	}
	assert_int_equal(i, k);
	/* and backwards */
	for (struct rb_node *nd = rb_last(&t->root); nd; nd = rb_prev(nd)) {
		assert_true(i > 0);
		assert_ptr_equal(item_of(nd), ref[--i]);
	}
	assert_int_equal(i, 0);
	free(ref);
}

static void run_random(u64 seed, size_t pool_size, size_t ops, u64 key_range)
{
	struct item *pool = calloc(pool_size, sizeof(*pool));
	struct rb_root_cached t = RB_ROOT_CACHED_INIT;
	size_t nr = 0;
	u32 seq = 0;

	assert_non_null(pool);
	rng = seed;
	for (size_t i = 0; i < pool_size; i++)
		RB_CLEAR_NODE(&pool[i].node);
	for (size_t op = 0; op < ops; op++) {
		struct item *it = &pool[next_rand() % pool_size];
		if (it->in_tree) {
			rb_erase_cached(&it->node, &t);
			assert_true(RB_EMPTY_NODE(&it->node));
			it->in_tree = false;
			nr--;
		} else {
			it->key = next_rand() % key_range;
			it->seq = seq++;
			bool leftmost = rb_add_cached(&it->node, &t, item_less);
			assert_int_equal(leftmost, rb_first_cached(&t) == &it->node);
			it->in_tree = true;
			nr++;
		}
		check_tree(&t, nr);
		if (op % 64 == 0)
			check_contents(&t, pool, pool_size);
	}
	check_contents(&t, pool, pool_size);
	/* empty it in random order */
	for (size_t i = 0; i < pool_size; i++) {
		struct item *it = &pool[(i * 7919 + seed) % pool_size];
		if (it->in_tree) {
			rb_erase_cached(&it->node, &t);
			it->in_tree = false;
			check_tree(&t, --nr);
		}
	}
	assert_int_equal(nr, 0);
	assert_null(t.root.node);
	assert_null(rb_first_cached(&t));
	free(pool);
}

static void test_random_seeds(void **state)
{
	(void)state;
	static const u64 seeds[] = { 1, 2, 3, 0xdeadbeefULL, 0x9e3779b97f4a7c15ULL };
	for (size_t i = 0; i < ARRAY_SIZE(seeds); i++) {
		run_random(seeds[i], 512, 20000, 1000000);   /* mostly distinct keys */
		run_random(seeds[i] * 31 + 7, 300, 8000, 8); /* many duplicates */
	}
}

static void test_sequential_height(void **state)
{
	(void)state;
	enum { N = 4096 };
	struct item *pool = calloc(N, sizeof(*pool));
	assert_non_null(pool);
	for (int dir = 0; dir < 2; dir++) {
		struct rb_root_cached t = RB_ROOT_CACHED_INIT;
		for (u32 i = 0; i < N; i++) {
			pool[i].key = dir ? N - i : i;
			pool[i].seq = i;
			pool[i].in_tree = true;
			rb_add_cached(&pool[i].node, &t, item_less);
		}
		check_tree(&t, N);
		/* red-black bound: height <= 2 log2(n + 1) = 24 for 4096 */
		assert_true(height(t.root.node) <= 24);
		assert_ptr_equal(rb_first_cached(&t), &pool[dir ? N - 1 : 0].node);
		check_contents(&t, pool, N);
		/* drain by leftmost: keys come out sorted */
		u64 last = 0;
		for (u32 i = 0; i < N; i++) {
			struct item *it = item_of(rb_first_cached(&t));
			assert_non_null(it);
			assert_true(it->key >= last);
			last = it->key;
			rb_erase_cached(&it->node, &t);
			it->in_tree = false;
			if (i % 97 == 0)
				check_tree(&t, N - 1 - i);
		}
		assert_null(rb_first_cached(&t));
	}
	free(pool);
}

static void test_duplicates_stable(void **state)
{
	(void)state;
	enum { N = 200 };
	struct item pool[N];
	struct rb_root_cached t = RB_ROOT_CACHED_INIT;
	memset(pool, 0, sizeof(pool));
	for (u32 i = 0; i < N; i++) {
		pool[i].key = i % 3; /* three keys, interleaved */
		pool[i].seq = i;
		pool[i].in_tree = true;
		bool lm = rb_add_cached(&pool[i].node, &t, item_less);
		/* only the very first key-0 node becomes leftmost */
		assert_int_equal(lm, i == 0);
		check_tree(&t, i + 1);
	}
	check_contents(&t, pool, N); /* equal keys in insertion order */
	/* erase every second node: order of the rest unchanged */
	for (u32 i = 0; i < N; i += 2) {
		rb_erase_cached(&pool[i].node, &t);
		pool[i].in_tree = false;
	}
	check_tree(&t, N / 2);
	check_contents(&t, pool, N);
}

static void test_plain_root_api(void **state)
{
	(void)state;
	enum { N = 300 };
	struct item pool[N];
	struct rb_root r = RB_ROOT_INIT;
	const char *why;
	size_t nr;
	memset(pool, 0, sizeof(pool));
	rng = 42;
	for (u32 i = 0; i < N; i++) {
		pool[i].key = next_rand() % 50;
		rb_add(&pool[i].node, &r, item_less);
	}
	assert_int_equal(rb_validate(&r, item_less, &nr, &why), 0);
	assert_int_equal(nr, N);
	assert_true(rb_prev(rb_first(&r)) == NULL);
	assert_true(rb_next(rb_last(&r)) == NULL);
	for (u32 i = 0; i < N; i += 3) {
		rb_erase(&pool[i].node, &r);
		assert_int_equal(rb_validate(&r, item_less, &nr, &why), 0);
	}
	assert_int_equal(nr, N - (N + 2) / 3);
	assert_false(rb_empty(&r));
	/* a cleared node has no neighbours */
	assert_null(rb_next(&pool[0].node));
	assert_null(rb_prev(&pool[0].node));
}

/* Each corruption must be reported: the validator is what the other tests
 * (and the scheduler tests) rely on. */
static void build(struct rb_root_cached *t, struct item *pool, u32 n)
{
	rb_root_cached_init(t);
	memset(pool, 0, n * sizeof(*pool));
	for (u32 i = 0; i < n; i++) {
		pool[i].key = i * 10;
		rb_add_cached(&pool[i].node, t, item_less);
	}
	check_tree(t, n);
}

static void expect_invalid(const struct rb_root_cached *t, const char *what)
{
	const char *why = NULL;
	assert_int_equal(rb_validate_cached(t, item_less, NULL, &why), -EINVAL);
	assert_non_null(why);
	if (!strstr(why, what)) {
		print_error("expected '%s', got '%s'\n", what, why);
		fail();
	}
}

/* A red node below depth 1 (its parent is not the root). */
static struct rb_node *find_red(struct rb_node *n, int depth)
{
	if (!n)
		return NULL;
	if (n->color == RB_RED && depth >= 2)
		return n;
	struct rb_node *r = find_red(n->left, depth + 1);
	return r ? r : find_red(n->right, depth + 1);
}

static void test_validate_detects_corruption(void **state)
{
	(void)state;
	enum { N = 100 }; /* not a full tree: has red nodes deep down */
	struct item pool[N];
	struct rb_root_cached t;

	build(&t, pool, N);
	t.root.node->color = RB_RED;
	expect_invalid(&t, "root is not black");

	build(&t, pool, N);
	struct rb_node *red = find_red(t.root.node, 0);
	assert_non_null(red);
	/* a red node under a red node */
	red->parent->color = RB_RED;
	expect_invalid(&t, "red");

	build(&t, pool, N);
	red = find_red(t.root.node, 0);
	red->color = RB_BLACK; /* one path gets an extra black */
	expect_invalid(&t, "black heights");

	build(&t, pool, N);
	item_of(t.root.node)->key = 1000000; /* root now larger than its right subtree */
	expect_invalid(&t, "not sorted");

	build(&t, pool, N);
	t.root.node->left->parent = t.root.node->right;
	expect_invalid(&t, "parent pointer");

	build(&t, pool, N);
	t.leftmost = rb_next(t.leftmost);
	expect_invalid(&t, "leftmost");

	build(&t, pool, N);
	t.root.node->left->color = 7;
	expect_invalid(&t, "neither red nor black");

	build(&t, pool, N);
	t.root.node->parent = &pool[0].node;
	expect_invalid(&t, "root has a parent");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_seeds),
		cmocka_unit_test(test_sequential_height),
		cmocka_unit_test(test_duplicates_stable),
		cmocka_unit_test(test_plain_root_api),
		cmocka_unit_test(test_validate_detects_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
