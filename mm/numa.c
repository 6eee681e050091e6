/* numa.c — NUMA topology from ACPI SRAT: memory ranges and CPUs with their
 * proximity domains, renumbered to dense node ids 0..n-1 in order of first
 * appearance. Without SRAT (or with an SRAT that lists no memory) there is
 * one node. */
#include <rayos/numa.h>
#include <rayos/mm.h>

#define MAX_RANGES 32

struct range {
	u64 base, end;
	int node;
};

static struct range ranges[MAX_RANGES];
static int nr_ranges;
static int nodes = 1;
static struct {
	u32 apic_id;
	int node;
} cpu_nodes[MAX_CPUS];
static int nr_cpu_nodes;

int numa_nr_nodes(void) { return nodes; }

int numa_node_of_addr(u64 addr)
{
	for (int i = 0; i < nr_ranges; i++)
		if (addr >= ranges[i].base && addr < ranges[i].end)
			return ranges[i].node;
	return -1;
}

u64 numa_range_end(u64 addr)
{
	u64 next = ~0ULL;
	for (int i = 0; i < nr_ranges; i++) {
		if (addr >= ranges[i].base && addr < ranges[i].end)
			return ranges[i].end;
		if (ranges[i].base > addr && ranges[i].base < next)
			next = ranges[i].base;
	}
	return next;
}

int numa_node_of_cpu(u32 apic_id)
{
	for (int i = 0; i < nr_cpu_nodes; i++)
		if (cpu_nodes[i].apic_id == apic_id)
			return cpu_nodes[i].node;
	return -1;
}

void numa_init(void)
{
	/* SRAT is read here once ACPI provides it; until then one node. */
	nodes = 1;
	nr_ranges = 0;
	nr_cpu_nodes = 0;
}
