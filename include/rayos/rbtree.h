/* rbtree.h — intrusive red-black trees (lib/rbtree.c).
 *
 * The node (struct rb_node) lives inside the object; rb_entry()/container_of
 * recovers the object. The tree never allocates. Algorithm: the classic
 * red-black tree of Guibas and Sedgewick as given in Cormen, Leiserson,
 * Rivest, Stein, "Introduction to Algorithms" (3rd ed.), ch. 13, with NULL
 * leaves instead of a sentinel and parent pointers; the API follows Linux's
 * <linux/rbtree.h> (rb_root_cached caches the leftmost node so the minimum
 * is O(1); rb_add_cached() takes a "less" function like Linux's rb_add()).
 *
 * Invariants (checked by rb_validate()):
 *   1. every node is red or black; the root is black;
 *   2. a red node has no red child;
 *   3. every path from a node down to a NULL leaf has the same number of
 *      black nodes, so the height is at most 2*log2(n+1);
 *   4. child->parent points at the parent, root->parent is NULL;
 *   5. in-order traversal is sorted by the tree's "less" (equal keys are
 *      allowed: rb_add_cached() puts a new node after its equals, so they
 *      come out in insertion order);
 *   6. rb_root_cached.leftmost is the first node in order (NULL if empty).
 * Costs: insert/erase O(log n), first O(1) (cached), next/prev amortised O(1).
 *
 * Locking: none; the owner of the tree serialises access (e.g. rq->lock). */
#ifndef RAYOS_RBTREE_H
#define RAYOS_RBTREE_H
#include <rayos/types.h>

#define RB_RED   0
#define RB_BLACK 1

struct rb_node {
	struct rb_node *parent; /* points to itself when the node is in no tree */
	struct rb_node *left, *right;
	int color;
};

struct rb_root {
	struct rb_node *node;
};

struct rb_root_cached {
	struct rb_root root;
	struct rb_node *leftmost;
};

#define RB_ROOT_INIT        { NULL }
#define RB_ROOT_CACHED_INIT { { NULL }, NULL }

static inline void rb_root_init(struct rb_root *r) { r->node = NULL; }
static inline void rb_root_cached_init(struct rb_root_cached *t)
{
	t->root.node = NULL;
	t->leftmost = NULL;
}
static inline bool rb_empty(const struct rb_root *r) { return r->node == NULL; }
static inline bool rb_empty_cached(const struct rb_root_cached *t) { return t->root.node == NULL; }

/* A node not in any tree: RB_CLEAR_NODE marks it, RB_EMPTY_NODE tests it.
 * rb_erase*() clears the node it removes. */
#define RB_CLEAR_NODE(n) ((n)->parent = (n))
#define RB_EMPTY_NODE(n) ((n)->parent == (n))

#define rb_entry(ptr, type, member) container_of(ptr, type, member)

/* Strict weak order: true when a sorts before b. */
typedef bool (*rb_less_fn)(const struct rb_node *a, const struct rb_node *b);

/* Low level, as in Linux: link node as child *link of parent (found by the
 * caller's own descent), then rebalance. */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->parent = parent;
	node->left = node->right = NULL;
	node->color = RB_RED;
	*link = node;
}
void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);

/* Insert node after all nodes not greater than it; returns true if it
 * became the leftmost. */
bool rb_add_cached(struct rb_node *node, struct rb_root_cached *tree, rb_less_fn less);
void rb_add(struct rb_node *node, struct rb_root *root, rb_less_fn less);
void rb_erase_cached(struct rb_node *node, struct rb_root_cached *tree);

struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
static inline struct rb_node *rb_first_cached(const struct rb_root_cached *t) { return t->leftmost; }
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/* Check invariants 1-5 (rb_validate) or 1-6 (rb_validate_cached).
 * Returns 0, or -EINVAL with *why (if why is non-NULL) naming the first
 * violation. *nr (if non-NULL) receives the node count. Recursion
 * depth is bounded (a tree deeper than 128 is reported as corrupt). */
int rb_validate(const struct rb_root *root, rb_less_fn less, size_t *nr, const char **why);
int rb_validate_cached(const struct rb_root_cached *tree, rb_less_fn less, size_t *nr,
		       const char **why);

#endif
