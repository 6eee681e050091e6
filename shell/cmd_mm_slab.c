/* cmd_mm_slab.c — the `slabinfo` shell command: one line per slab cache
 * (object size, active/total objects, slabs partial/full/empty, pages per
 * slab, objects cached in per-CPU magazines and in the depot, magazine
 * size, debugging, failures and error reports), then one line per object
 * pool. Every figure is a snapshot of live allocator state taken through
 * kmem_cache_info_at()/mempool_info_at() (mm/slab.c, mm/pool.c); no lock
 * is held while printing. */
#include <rayos/shell.h>
#include <rayos/mm.h>
#include <rayos/printf.h>
#include <rayos/string.h>

static int cmd_slabinfo(int argc, char **argv)
{
	bool all = argc == 2 && !strcmp(argv[1], "-a");
	if (argc > 2 || (argc == 2 && !all))
		return -EINVAL;
	struct kmem_cache_info i;
	u64 pages = 0, active_bytes = 0, hidden = 0;
	shell_printf("%-16s %7s %6s %8s %8s %15s %4s %7s %6s %4s %5s %5s %6s\n", "cache", "objsize", "slot",
		     "active", "total", "slabs p/f/e", "pg/s", "cpu-mag", "depot", "mag", "debug", "fail",
		     "errors");
	for (size_t k = 0; kmem_cache_info_at(k, &i) == 0; k++) {
		u64 slabs = i.slabs_partial + i.slabs_full + i.slabs_empty;
		pages += i.pages;
		active_bytes += i.active * i.object_size;
		if (!all && !slabs && !i.failures && !i.errors) {
			hidden++;
			continue;
		}
		char sl[32];
		snprintf(sl, sizeof(sl), "%llu/%llu/%llu", (unsigned long long)i.slabs_partial,
			 (unsigned long long)i.slabs_full, (unsigned long long)i.slabs_empty);
		shell_printf("%-16s %7zu %6zu %8llu %8llu %15s %4u %7llu %6llu %4u %5s %5llu %6llu\n", i.name,
			     i.object_size, i.slot_size, (unsigned long long)i.active,
			     (unsigned long long)i.total, sl, i.pages_per_slab,
			     (unsigned long long)i.cpu_cached, (unsigned long long)i.depot_cached, i.mag_size,
			     i.debug ? "on" : "off", (unsigned long long)i.failures,
			     (unsigned long long)i.errors);
	}
	if (hidden)
		shell_printf("(%llu caches without slabs not shown; slabinfo -a shows all)\n",
			     (unsigned long long)hidden);
	shell_printf("%llu KiB in slabs, %llu KiB in active objects; %llu error reports since boot\n",
		     (unsigned long long)(pages * PAGE_SIZE >> 10), (unsigned long long)(active_bytes >> 10),
		     (unsigned long long)slab_errors_total());

	struct mempool_info p;
	if (mempool_info_at(0, &p) == 0) {
		shell_printf("\n%-16s %7s %8s %8s %8s %7s %6s\n", "pool", "objsize", "total", "free", "reserve",
			     "fail", "errors");
		for (size_t k = 0; mempool_info_at(k, &p) == 0; k++)
			shell_printf("%-16s %7zu %8u %8u %8u %7llu %6llu\n", p.name, p.obj_size, p.total, p.free,
				     p.reserve, (unsigned long long)p.failures, (unsigned long long)p.errors);
	} else {
		shell_printf("no object pools\n");
	}
	return 0;
}
SHELL_CMD(slabinfo, "slabinfo", "slabinfo [-a]",
	  "slab caches (objects, slabs, per-CPU magazines, debugging) and object pools (-a: also unused caches)",
	  cmd_slabinfo);
