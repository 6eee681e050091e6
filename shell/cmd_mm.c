/* cmd_mm.c — memory commands: mem (boot memory map, totals, zones per
 * node with free lists per order, watermarks and per-CPU page caches) and
 * vmmap (the kernel's virtual layout and vmalloc areas). All live state. */
#include <rayos/shell.h>
#include <rayos/bootinfo.h>
#include <rayos/bootmem.h>
#include <rayos/mm.h>
#include <rayos/vm.h>
#include <rayos/string.h>

static void print_map(void)
{
	u64 by_type[MEM_BAD + 1] = { 0 };
	shell_printf("boot memory map (%s):\n", boot_info.loader_name);
	for (u32 i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		shell_printf("  %016llx-%016llx %10llu KiB  %s\n", (unsigned long long)r->base,
			     (unsigned long long)(r->base + r->length - 1),
			     (unsigned long long)(r->length >> 10), mem_type_name(r->type));
		if (r->type <= MEM_BAD)
			by_type[r->type] += r->length;
	}
	shell_printf("usable %llu KiB, reserved %llu KiB, ACPI data %llu KiB, ACPI NVS %llu KiB\n",
		     (unsigned long long)(by_type[MEM_USABLE] >> 10),
		     (unsigned long long)(by_type[MEM_RESERVED] >> 10),
		     (unsigned long long)(by_type[MEM_ACPI_RECLAIM] >> 10),
		     (unsigned long long)(by_type[MEM_ACPI_NVS] >> 10));
	for (u32 i = 0; i < boot_info.nr_modules; i++)
		shell_printf("module %u: %016llx-%016llx %llu KiB %s\n", i,
			     (unsigned long long)boot_info.modules[i].start,
			     (unsigned long long)boot_info.modules[i].end,
			     (unsigned long long)((boot_info.modules[i].end - boot_info.modules[i].start) >> 10),
			     boot_info.modules[i].cmdline);
	u64 ks, ke;
	arch_kernel_phys_range(&ks, &ke);
	shell_printf("kernel image %llu KiB at %#llx; boot allocations %llu KiB (page maps, page tables)\n",
		     (unsigned long long)((ke - ks) >> 10), (unsigned long long)ks,
		     (unsigned long long)(bootmem_used_bytes() >> 10));
}

static void print_zone(struct zone *z)
{
	u64 total = z->managed_pages, free = zone_free_total(z), pcp = zone_pcp_total(z);
	shell_printf("node %d: pfn %#llx-%#llx, %llu KiB managed, %llu KiB free (%llu KiB in per-CPU caches)\n",
		     z->node, (unsigned long long)z->start_pfn,
		     (unsigned long long)(z->start_pfn + z->spanned_pages),
		     (unsigned long long)(total * 4), (unsigned long long)(free * 4),
		     (unsigned long long)(pcp * 4));
	shell_printf("  watermarks (pages): min %llu low %llu high %llu; allocations %llu ok, %llu failed; bad frees %llu\n",
		     (unsigned long long)z->wmark_min, (unsigned long long)z->wmark_low,
		     (unsigned long long)z->wmark_high, (unsigned long long)z->alloc_ok,
		     (unsigned long long)z->alloc_fail, (unsigned long long)z->bad_free);
	shell_printf("  order   free blocks   free KiB   frag index\n");
	for (unsigned o = 0; o < NR_ORDERS; o++) {
		int fi = zone_frag_index(z, o);
		shell_printf("  %5u %13llu %10llu   %s%d.%03d\n", o, (unsigned long long)z->nr_free[o],
			     (unsigned long long)((z->nr_free[o] << o) * 4), fi < 0 ? "-" : " ",
			     (fi < 0 ? -fi : fi) / 1000, (fi < 0 ? -fi : fi) % 1000);
	}
	for (u32 c = 0; c < MAX_CPUS; c++) {
		struct per_cpu_pages *p = &z->pcp[c];
		if (!cpus[c].online)
			continue;
		shell_printf("  cpu %u page cache: %u pages (batch %u, high %u), %llu hits, %llu misses\n", c,
			     p->count, p->batch, p->high, (unsigned long long)p->hits,
			     (unsigned long long)p->misses);
	}
}

static int cmd_mem(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-m")))
		return -EINVAL;
	struct mem_stats s;
	mm_stats(&s);
	shell_printf("total %llu KiB, free %llu KiB, used %llu KiB, %d NUMA node(s)\n",
		     (unsigned long long)(s.total_bytes >> 10), (unsigned long long)(s.free_bytes >> 10),
		     (unsigned long long)((s.total_bytes - s.free_bytes) >> 10), nr_nodes);
	for (int n = 0; n < nr_nodes; n++)
		print_zone(zones[n]);
	if (argc == 1)
		print_map();
	return 0;
}
SHELL_CMD(mem, "mem", "mem [-m]",
	  "memory: totals, per node free lists, watermarks, per-CPU caches; the boot memory map (-m: omit it)",
	  cmd_mem);

static int cmd_vmmap(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	struct vm_layout_entry l[8];
	size_t n = arch_vm_layout(l, ARRAY_SIZE(l));
	shell_printf("kernel virtual layout:\n");
	for (size_t i = 0; i < n; i++)
		shell_printf("  %016llx-%016llx %10llu KiB  %s\n", (unsigned long long)l[i].start,
			     (unsigned long long)l[i].end, (unsigned long long)((l[i].end - l[i].start) >> 10),
			     l[i].name);
	struct vmalloc_info v[32];
	size_t k = vmalloc_areas(v, ARRAY_SIZE(v));
	shell_printf("vmalloc areas: %zu\n", k);
	for (size_t i = 0; i < k && i < ARRAY_SIZE(v); i++)
		shell_printf("  %016llx-%016llx %8llu KiB  %s (guard pages on both sides)\n",
			     (unsigned long long)v[i].start, (unsigned long long)(v[i].start + v[i].size),
			     (unsigned long long)(v[i].size >> 10), v[i].tag);
	if (k > ARRAY_SIZE(v))
		shell_printf("  ... %zu more\n", k - ARRAY_SIZE(v));
	return 0;
}
SHELL_CMD(vmmap, "vmmap", "vmmap", "the kernel's virtual memory layout and vmalloc areas", cmd_vmmap);
