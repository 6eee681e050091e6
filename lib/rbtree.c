/* rbtree.c — intrusive red-black trees (see include/rayos/rbtree.h).
 *
 * Algorithm: CLRS ("Introduction to Algorithms", 3rd ed., ch. 13:
 * RB-INSERT-FIXUP, RB-TRANSPLANT, RB-DELETE, RB-DELETE-FIXUP) with NULL
 * leaves instead of the sentinel T.nil, so the delete fixup carries the
 * parent of the (possibly NULL) replacement node explicitly, as Linux's
 * lib/rbtree.c does. Insert does at most 2 rotations, erase at most 3.
 *
 * Invariants: those listed in rbtree.h; every public function preserves
 * them, rb_validate() checks them.
 *
 * Locking: none here; callers serialise access to a tree. No allocation,
 * no recursion except in rb_validate() (bounded depth). Portable: used by
 * the kernel and by the hosted tests. */
#include <rayos/rbtree.h>

#define RB_VALIDATE_MAX_DEPTH 128

static inline bool is_red(const struct rb_node *n) { return n && n->color == RB_RED; }
static inline bool is_black(const struct rb_node *n) { return !n || n->color == RB_BLACK; }

/* Make new take old's place as a child of parent (or as the root). */
static void change_child(struct rb_root *root, struct rb_node *parent,
			 struct rb_node *old, struct rb_node *new)
{
	if (!parent)
		root->node = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/*     x              y
 *    / \            / \
 *   a   y    =>    x   c
 *      / \        / \
 *     b   c      a   b       */
static void rotate_left(struct rb_root *root, struct rb_node *x)
{
	struct rb_node *y = x->right;
	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->parent = x->parent;
	change_child(root, x->parent, x, y);
	y->left = x;
	x->parent = y;
}

static void rotate_right(struct rb_root *root, struct rb_node *x)
{
	struct rb_node *y = x->left;
	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->parent = x->parent;
	change_child(root, x->parent, x, y);
	y->right = x;
	x->parent = y;
}

void rb_insert_color(struct rb_node *z, struct rb_root *root)
{
	struct rb_node *p, *g, *u;

	while ((p = z->parent) && p->color == RB_RED) {
		g = p->parent; /* exists: a red node is never the root */
		if (p == g->left) {
			u = g->right;
			if (is_red(u)) {         /* case 1: recolour, move up */
				p->color = RB_BLACK;
				u->color = RB_BLACK;
				g->color = RB_RED;
				z = g;
				continue;
			}
			if (z == p->right) {     /* case 2: turn into case 3 */
				rotate_left(root, p);
				z = p;
				p = z->parent;
			}
			p->color = RB_BLACK;     /* case 3 */
			g->color = RB_RED;
			rotate_right(root, g);
		} else {
			u = g->left;
			if (is_red(u)) {
				p->color = RB_BLACK;
				u->color = RB_BLACK;
				g->color = RB_RED;
				z = g;
				continue;
			}
			if (z == p->left) {
				rotate_right(root, p);
				z = p;
				p = z->parent;
			}
			p->color = RB_BLACK;
			g->color = RB_RED;
			rotate_left(root, g);
		}
	}
	root->node->color = RB_BLACK;
}

/* x (possibly NULL) took the place of a removed black node under parent:
 * x's side is one black short. */
static void erase_fixup(struct rb_root *root, struct rb_node *x, struct rb_node *parent)
{
	struct rb_node *w;

	while (x != root->node && is_black(x)) {
		if (x == parent->left) {
			w = parent->right; /* non-NULL: its side has black height >= 1 */
			if (is_red(w)) {           /* case 1: make the sibling black */
				w->color = RB_BLACK;
				parent->color = RB_RED;
				rotate_left(root, parent);
				w = parent->right;
			}
			if (is_black(w->left) && is_black(w->right)) { /* case 2 */
				w->color = RB_RED;
				x = parent;
				parent = x->parent;
				continue;
			}
			if (is_black(w->right)) {  /* case 3: red nephew outside */
				w->left->color = RB_BLACK;
				w->color = RB_RED;
				rotate_right(root, w);
				w = parent->right;
			}
			w->color = parent->color;  /* case 4 */
			parent->color = RB_BLACK;
			w->right->color = RB_BLACK;
			rotate_left(root, parent);
			x = root->node;
			break;
		} else {
			w = parent->left;
			if (is_red(w)) {
				w->color = RB_BLACK;
				parent->color = RB_RED;
				rotate_right(root, parent);
				w = parent->left;
			}
			if (is_black(w->left) && is_black(w->right)) {
				w->color = RB_RED;
				x = parent;
				parent = x->parent;
				continue;
			}
			if (is_black(w->left)) {
				w->right->color = RB_BLACK;
				w->color = RB_RED;
				rotate_left(root, w);
				w = parent->left;
			}
			w->color = parent->color;
			parent->color = RB_BLACK;
			w->left->color = RB_BLACK;
			rotate_right(root, parent);
			x = root->node;
			break;
		}
	}
	if (x)
		x->color = RB_BLACK;
}

void rb_erase(struct rb_node *z, struct rb_root *root)
{
	struct rb_node *child, *parent;
	int removed_color;

	if (!z->left || !z->right) {
		/* z has at most one child: splice it out */
		child = z->left ? z->left : z->right;
		parent = z->parent;
		removed_color = z->color;
		if (child)
			child->parent = parent;
		change_child(root, parent, z, child);
	} else {
		/* two children: the successor y (leftmost of the right subtree,
		 * no left child) takes z's place and colour; y's old position
		 * is the one that loses a node */
		struct rb_node *y = z->right;
		while (y->left)
			y = y->left;
		removed_color = y->color;
		child = y->right;
		if (y->parent == z) {
			parent = y;
		} else {
			parent = y->parent;
			if (child)
				child->parent = parent;
			parent->left = child;
			y->right = z->right;
			z->right->parent = y;
		}
		y->parent = z->parent;
		change_child(root, z->parent, z, y);
		y->left = z->left;
		z->left->parent = y;
		y->color = z->color;
	}
	if (removed_color == RB_BLACK)
		erase_fixup(root, child, parent);
	z->left = z->right = NULL;
	RB_CLEAR_NODE(z);
}

bool rb_add_cached(struct rb_node *node, struct rb_root_cached *tree, rb_less_fn less)
{
	struct rb_node **link = &tree->root.node, *parent = NULL;
	bool leftmost = true;

	while (*link) {
		parent = *link;
		if (less(node, parent)) {
			link = &parent->left;
		} else {
			link = &parent->right;
			leftmost = false;
		}
	}
	rb_link_node(node, parent, link);
	rb_insert_color(node, &tree->root);
	if (leftmost)
		tree->leftmost = node;
	return leftmost;
}

void rb_add(struct rb_node *node, struct rb_root *root, rb_less_fn less)
{
	struct rb_node **link = &root->node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = less(node, parent) ? &parent->left : &parent->right;
	}
	rb_link_node(node, parent, link);
	rb_insert_color(node, root);
}

void rb_erase_cached(struct rb_node *node, struct rb_root_cached *tree)
{
	if (tree->leftmost == node)
		tree->leftmost = rb_next(node);
	rb_erase(node, &tree->root);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->node;
	if (!n)
		return NULL;
	while (n->left)
		n = n->left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->node;
	if (!n)
		return NULL;
	while (n->right)
		n = n->right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *p;

	if (RB_EMPTY_NODE(node))
		return NULL;
	if (node->right) {
		node = node->right;
		while (node->left)
			node = node->left;
		return (struct rb_node *)node;
	}
	/* climb while we are a right child; the first ancestor we reach
	 * from its left side is the successor */
	while ((p = node->parent) && node == p->right)
		node = p;
	return p;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *p;

	if (RB_EMPTY_NODE(node))
		return NULL;
	if (node->left) {
		node = node->left;
		while (node->right)
			node = node->right;
		return (struct rb_node *)node;
	}
	while ((p = node->parent) && node == p->left)
		node = p;
	return p;
}

/* ---- validation ---- */

struct rb_check {
	const struct rb_node *prev; /* previous node in order */
	rb_less_fn less;
	size_t nr;
	const char *why;
};

/* In-order walk: returns the black height of the subtree, or -1. */
static int check_subtree(const struct rb_node *n, const struct rb_node *parent,
			 int depth, struct rb_check *c)
{
	int lh, rh;

	if (!n)
		return 1;
	if (depth > RB_VALIDATE_MAX_DEPTH) {
		c->why = "tree too deep (cycle?)";
		return -1;
	}
	if (n->parent != parent) {
		c->why = "child's parent pointer does not point at its parent";
		return -1;
	}
	if (n->color != RB_RED && n->color != RB_BLACK) {
		c->why = "node is neither red nor black";
		return -1;
	}
	if (n->color == RB_RED && is_red(parent)) {
		c->why = "red node has a red parent";
		return -1;
	}
	lh = check_subtree(n->left, n, depth + 1, c);
	if (lh < 0)
		return -1;
	if (c->prev && c->less && c->less(n, c->prev)) {
		c->why = "in-order sequence is not sorted";
		return -1;
	}
	c->prev = n;
	c->nr++;
	rh = check_subtree(n->right, n, depth + 1, c);
	if (rh < 0)
		return -1;
	if (lh != rh) {
		c->why = "black heights of the two subtrees differ";
		return -1;
	}
	return lh + (n->color == RB_BLACK);
}

static int validate(const struct rb_root *root, struct rb_check *c)
{
	c->prev = NULL;
	c->nr = 0;
	c->why = NULL;
	if (root->node) {
		if (root->node->parent) {
			c->why = "root has a parent";
			return -EINVAL;
		}
		if (root->node->color != RB_BLACK) {
			c->why = "root is not black";
			return -EINVAL;
		}
	}
	if (check_subtree(root->node, NULL, 0, c) < 0)
		return -EINVAL;
	return 0;
}

int rb_validate(const struct rb_root *root, rb_less_fn less, size_t *nr, const char **why)
{
	struct rb_check c = { .less = less };
	int err = validate(root, &c);

	if (nr)
		*nr = c.nr;
	if (why)
		*why = c.why;
	return err;
}

int rb_validate_cached(const struct rb_root_cached *tree, rb_less_fn less, size_t *nr,
		       const char **why)
{
	struct rb_check c = { .less = less };
	int err = validate(&tree->root, &c);

	if (!err && tree->leftmost != rb_first(&tree->root)) {
		c.why = "cached leftmost is not the first node";
		err = -EINVAL;
	}
	if (nr)
		*nr = c.nr;
	if (why)
		*why = c.why;
	return err;
}
