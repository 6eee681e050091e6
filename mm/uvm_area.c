/* uvm_area.c — the areas (VMAs) of a user address space: a list sorted by
 * start address, of page-aligned, non-empty, non-overlapping ranges, each
 * with its protection and kind. Insertion, splitting at an address, removal
 * and protection change of a range (splitting the areas at its ends),
 * merging of equal neighbours, and a top-down first-fit gap search like
 * Linux's unmapped_area_topdown (without its augmented-tree speed-up: the
 * list is walked, O(areas), fine for the tens of areas static programs
 * have). area_set_check() states the invariants; the hosted test
 * (tests/host/test_uvm_areas.c) runs it after every operation.
 *
 * Portable, allocation through kmalloc, no locking: the owner (mm/uvm.c)
 * holds the address space's mutex. Operations that can fail for memory
 * allocate everything they need first, so a failure changes nothing. */
#include "uvm_area.h"
#include <rayos/mm.h>
#include <rayos/printf.h>

void area_set_init(struct area_set *s)
{
	list_init(&s->list);
	s->nr = 0;
}

static struct uvm_area *entry(struct list_head *n) { return list_entry(n, struct uvm_area, node); }

struct uvm_area *area_next(struct area_set *s, u64 addr)
{
	struct list_head *pos;
	list_for_each(pos, &s->list) {
		struct uvm_area *a = entry(pos);
		if (a->end > addr)
			return a;
	}
	return NULL;
}

struct uvm_area *area_find(struct area_set *s, u64 addr)
{
	struct uvm_area *a = area_next(s, addr);
	return a && a->start <= addr ? a : NULL;
}

bool area_range_free(struct area_set *s, u64 start, u64 end)
{
	struct uvm_area *a = area_next(s, start);
	return !a || a->start >= end;
}

bool area_range_covered(struct area_set *s, u64 start, u64 end)
{
	u64 at = start;
	for (struct uvm_area *a = area_next(s, start); a && at < end;
	     a = a->node.next == &s->list ? NULL : entry(a->node.next)) {
		if (a->start > at)
			return false;
		at = a->end;
	}
	return at >= end;
}

static bool mergeable(const struct uvm_area *a, const struct uvm_area *b)
{
	return a->end == b->start && a->prot == b->prot && a->flags == b->flags;
}

/* Merge a with the area after it when they are equal neighbours. */
static void merge_next(struct area_set *s, struct uvm_area *a)
{
	if (a->node.next == &s->list)
		return;
	struct uvm_area *b = entry(a->node.next);
	if (!mergeable(a, b))
		return;
	a->end = b->end;
	list_del(&b->node);
	kfree(b);
	s->nr--;
}

int area_insert(struct area_set *s, u64 start, u64 end, int prot, unsigned flags)
{
	if (start >= end || (start | end) & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!area_range_free(s, start, end))
		return -EEXIST;
	struct uvm_area *n = kmalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	n->start = start;
	n->end = end;
	n->prot = prot;
	n->flags = flags;
	struct uvm_area *after = area_next(s, start);
	list_add_tail(&n->node, after ? &after->node : &s->list);
	s->nr++;
	merge_next(s, n);
	if (n->node.prev != &s->list)
		merge_next(s, entry(n->node.prev));
	return 0;
}

int area_split_at(struct area_set *s, u64 addr)
{
	struct uvm_area *a = area_find(s, addr);
	if (!a || a->start == addr)
		return 0;
	struct uvm_area *n = kmalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	*n = *a;
	n->start = addr;
	a->end = addr;
	list_add(&n->node, &a->node);
	s->nr++;
	return 0;
}

/* Split at start and end; on failure undo the first split. */
static int split_both(struct area_set *s, u64 start, u64 end)
{
	int r = area_split_at(s, start);
	if (r)
		return r;
	r = area_split_at(s, end);
	if (r)
		area_merge_all(s);
	return r;
}

int area_remove_range(struct area_set *s, u64 start, u64 end)
{
	if (start >= end)
		return 0;
	int r = split_both(s, start, end);
	if (r)
		return r;
	struct list_head *pos, *nx;
	list_for_each_safe(pos, nx, &s->list) {
		struct uvm_area *a = entry(pos);
		if (a->start >= start && a->end <= end) {
			list_del(&a->node);
			kfree(a);
			s->nr--;
		}
	}
	return 0;
}

int area_protect_range(struct area_set *s, u64 start, u64 end, int prot)
{
	int r = split_both(s, start, end);
	if (r)
		return r;
	struct list_head *pos;
	list_for_each(pos, &s->list) {
		struct uvm_area *a = entry(pos);
		if (a->start >= start && a->end <= end)
			a->prot = prot;
	}
	area_merge_all(s);
	return 0;
}

void area_merge_all(struct area_set *s)
{
	struct list_head *pos = s->list.next;
	while (pos != &s->list) {
		struct uvm_area *a = entry(pos);
		if (a->node.next != &s->list && mergeable(a, entry(a->node.next)))
			merge_next(s, a); /* stay: it may merge again */
		else
			pos = pos->next;
	}
}

u64 area_gap_topdown(struct area_set *s, u64 len, u64 low, u64 high)
{
	if (!len || high < low || high - low < len)
		return 0;
	u64 gap_end = high; /* the gap under consideration ends here */
	for (struct list_head *pos = s->list.prev; pos != &s->list; pos = pos->prev) {
		struct uvm_area *a = entry(pos);
		if (a->start >= high)
			continue; /* wholly above the window */
		u64 gap_start = MAX(a->end, low);
		if (gap_end > gap_start && gap_end - gap_start >= len)
			return gap_end - len;
		gap_end = MIN(gap_end, a->start);
		if (gap_end <= low)
			return 0;
	}
	return gap_end > low && gap_end - low >= len ? gap_end - len : 0;
}

void area_set_clear(struct area_set *s)
{
	struct list_head *pos, *nx;
	list_for_each_safe(pos, nx, &s->list) {
		list_del(pos);
		kfree(entry(pos));
	}
	s->nr = 0;
}

u64 area_total(struct area_set *s)
{
	u64 t = 0;
	struct list_head *pos;
	list_for_each(pos, &s->list)
		t += entry(pos)->end - entry(pos)->start;
	return t;
}

int area_set_check(struct area_set *s, char *why, size_t why_size)
{
	u64 n = 0, prev_end = 0;
	struct list_head *pos;
	list_for_each(pos, &s->list) {
		struct uvm_area *a = entry(pos);
		if (a->start >= a->end || (a->start | a->end) & (PAGE_SIZE - 1)) {
			snprintf(why, why_size, "area [%llx, %llx) empty or misaligned",
				 (unsigned long long)a->start, (unsigned long long)a->end);
			return -EINVAL;
		}
		if (n && a->start < prev_end) {
			snprintf(why, why_size, "area [%llx, %llx) overlaps or precedes the one before (end %llx)",
				 (unsigned long long)a->start, (unsigned long long)a->end,
				 (unsigned long long)prev_end);
			return -EINVAL;
		}
		prev_end = a->end;
		n++;
	}
	if (n != s->nr) {
		snprintf(why, why_size, "%llu areas listed, count says %llu",
			 (unsigned long long)n, (unsigned long long)s->nr);
		return -EINVAL;
	}
	return 0;
}
