/* mm_arena.h — shared fixture of the hosted heap tests (test_slab.c,
 * test_pool.c): one memory zone over an aligned malloc'd arena, installed
 * as the machine's only NUMA node (zones[0], nr_nodes = 1) so that
 * alloc_pages(), page_address() and virt_to_page() from mm/page_alloc.c
 * work unchanged (physical address == host virtual address: the shim's
 * arch_phys_to_virt/arch_virt_to_phys are the identity), then slab_init().
 * Each test starts from a fresh zone and a fresh heap; the arena itself is
 * allocated once per program. Also provides what the linked kernel sources
 * need beyond tests/host/shim.c: the command-line options (slab debugging
 * on, as in every hosted test), a one-node NUMA topology and the kernel
 * image range for mm/bootmem.c. */
#ifndef RAYOS_TESTS_MM_ARENA_H
#define RAYOS_TESTS_MM_ARENA_H
#include <stdlib.h>
#include <rayos/cmdline.h>
#include <rayos/log.h>
#include <rayos/mm.h>
#include <rayos/metrics.h>
#include <rayos/numa.h>
#include "shim.h"

#define ARENA_PAGES 4096 /* 16 MiB */

struct kernel_options kopt = { .loglevel = LOG_INFO, .slab_debug = true };

/* mm/bootmem.c (linked because mm/page_alloc.c calls it at boot) wants it;
 * weak in case the shim grows one. */
__attribute__((weak)) void arch_kernel_phys_range(u64 *start, u64 *end)
{
	*start = *end = 0;
}

/* The NUMA topology mm/page_alloc.c asks about: one node, no affinity
 * ranges (mm/numa.c itself reads ACPI, which the hosted tests lack). */
__attribute__((weak)) int numa_nr_nodes(void) { return 1; }
__attribute__((weak)) int numa_node_of_addr(u64 addr) { (void)addr; return 0; }
__attribute__((weak)) u64 numa_range_end(u64 addr) { (void)addr; return ~0ULL; }
__attribute__((weak)) int numa_node_of_cpu(u32 apic_id) { (void)apic_id; return 0; }

static struct zone arena_zone;
static struct page arena_map[ARENA_PAGES];
static unsigned char *arena;
static u64 arena_free_start; /* free pages right after slab_init */

static void arena_check(void)
{
	char why[256];
	if (zone_check(&arena_zone, why, sizeof(why))) {
		print_error("zone_check: %s\n", why);
		fail();
	}
}

static int arena_setup(void **state)
{
	(void)state;
	if (!arena) {
		arena = aligned_alloc(PAGE_SIZE << MAX_ORDER, (size_t)ARENA_PAGES * PAGE_SIZE);
		assert_non_null(arena);
	}
	u64 pfn = (uintptr_t)arena >> PAGE_SHIFT;
	assert_int_equal(zone_init(&arena_zone, 0, pfn, ARENA_PAGES, arena_map), 0);
	zone_add_free_range(&arena_zone, pfn, ARENA_PAGES);
	zones[0] = &arena_zone;
	nr_nodes = 1;
	shim_irq_reset(true);
	slab_init();
	zone_drain_pcp(&arena_zone, 0);
	arena_free_start = zone_free_total(&arena_zone);
	shim_output_reset();
	return 0;
}

static int arena_free_all(void **state)
{
	(void)state;
	free(arena);
	arena = NULL;
	return 0;
}

/* Everything the test allocated is back in the buddy lists. */
static void assert_arena_back_to_start(void)
{
	slab_shrink_all();
	zone_drain_pcp(&arena_zone, 0);
	arena_check();
	assert_int_equal(zone_free_total(&arena_zone), arena_free_start);
	assert_int_equal(arena_zone.free_pages, arena_zone.managed_pages);
	assert_int_equal(shim_irq_nesting(), 0);
	assert_true(shim_irq_state());
}

/* Value of family{label} from the metrics registry; -1 if absent. */
struct metric_find {
	const char *line;
	long long value;
	int found;
};

static void metric_scan(void *ctx, const char *s, size_t n)
{
	struct metric_find *mf = ctx;
	size_t k = strlen(mf->line);
	if (n > k && !strncmp(s, mf->line, k) && s[k] == ' ') {
		mf->value = strtoll(s + k + 1, NULL, 10);
		mf->found = 1;
	}
}

static long long metric_read(const char *family, const char *labels)
{
	char line[200];
	snprintf(line, sizeof(line), "%s{%s}", family, labels);
	struct metric_find mf = { line, -1, 0 };
	if (metrics_export_family(family, metric_scan, &mf))
		return -1;
	return mf.found ? mf.value : -1;
}

#endif
