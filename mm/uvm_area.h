/* uvm_area.h — the ordered set of areas of one address space (private to
 * mm/: mm/uvm_area.c implements it, mm/uvm.c and tests/host/test_uvm_areas.c
 * use it). Portable: no page tables, no locking (the uvm mutex). */
#ifndef MM_UVM_AREA_H
#define MM_UVM_AREA_H
#include <rayos/types.h>
#include <rayos/list.h>

#define AREA_SHARED 0x1u /* MAP_SHARED: pages shared, not copied, by fork */
#define AREA_STACK  0x2u
#define AREA_HEAP   0x4u /* the brk area */

struct uvm_area {
	struct list_head node; /* in area_set.list, by start */
	u64 start, end;        /* [start, end), page aligned, start < end */
	int prot;              /* PROT_* */
	unsigned flags;        /* AREA_* */
};

struct area_set {
	struct list_head list; /* sorted by start, never overlapping */
	u64 nr;
};

void area_set_init(struct area_set *s);
/* The area containing addr, or NULL. */
struct uvm_area *area_find(struct area_set *s, u64 addr);
/* The first area that ends above addr (contains it or lies after it), or NULL. */
struct uvm_area *area_next(struct area_set *s, u64 addr);
/* [start, end) overlaps no area. */
bool area_range_free(struct area_set *s, u64 start, u64 end);
/* Every address of [start, end) lies in some area. */
bool area_range_covered(struct area_set *s, u64 start, u64 end);
/* Insert a new area for the free range [start, end), merged with equal
 * neighbours: 0, -ENOMEM, -EEXIST (not free), -EINVAL (empty/misaligned). */
int area_insert(struct area_set *s, u64 start, u64 end, int prot, unsigned flags);
/* Split so that no area crosses addr: 0 or -ENOMEM. */
int area_split_at(struct area_set *s, u64 addr);
/* Remove [start, end) from the set (areas split as needed): 0 or -ENOMEM
 * (nothing changed then). */
int area_remove_range(struct area_set *s, u64 start, u64 end);
/* Set prot of every area in [start, end) (split at both ends, merged
 * afterwards): 0 or -ENOMEM (nothing changed); the caller checked that the
 * range is covered. */
int area_protect_range(struct area_set *s, u64 start, u64 end, int prot);
/* Merge every pair of adjacent areas with the same prot and flags. */
void area_merge_all(struct area_set *s);
/* Highest address a with [a, a+len) free and low <= a, a+len <= high, or 0. */
u64 area_gap_topdown(struct area_set *s, u64 len, u64 low, u64 high);
void area_set_clear(struct area_set *s); /* free every area */
u64 area_total(struct area_set *s);      /* bytes in all areas */
/* Invariants: sorted, aligned, non-empty, non-overlapping, nr right.
 * 0 or -EINVAL with why. */
int area_set_check(struct area_set *s, char *why, size_t why_size);
#endif
