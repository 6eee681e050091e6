/* numa.c — NUMA topology from ACPI SRAT: memory ranges and CPUs with their
 * proximity domains, renumbered to dense node ids 0..n-1 in order of first
 * appearance. Without SRAT (or with an SRAT that lists no memory) there is
 * one node. */
#include <rayos/numa.h>
#include <rayos/mm.h>
#include <rayos/acpi.h>
#include <rayos/log.h>

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

static int node_of_domain(u32 *domains, int *n, u32 domain)
{
	for (int i = 0; i < *n; i++)
		if (domains[i] == domain)
			return i;
	if (*n == MAX_NUMNODES)
		return -1;
	domains[*n] = domain;
	return (*n)++;
}

void numa_init(void)
{
	const struct acpi_platform *ap = acpi_platform();
	u32 domains[MAX_NUMNODES];
	int nd = 0;
	nodes = 1;
	nr_ranges = nr_cpu_nodes = 0;
	if (!ap || !ap->have_srat || !ap->srat.nr_mem) {
		pr_info("numa", "no SRAT memory affinity: one node");
		return;
	}
	const struct acpi_srat *srat = &ap->srat;
	for (u32 i = 0; i < srat->nr_mem && nr_ranges < MAX_RANGES; i++) {
		const struct acpi_srat_mem *m = &srat->mem[i];
		int node = node_of_domain(domains, &nd, m->domain);
		if (node < 0 || !m->length) {
			pr_warn("numa", "SRAT memory range %#llx+%#llx (domain %u) ignored",
				(unsigned long long)m->base, (unsigned long long)m->length, m->domain);
			continue;
		}
		int k = nr_ranges++; /* insertion by base */
		while (k > 0 && ranges[k - 1].base > m->base) {
			ranges[k] = ranges[k - 1];
			k--;
		}
		ranges[k] = (struct range){ m->base, m->base + m->length, node };
	}
	for (u32 i = 0; i < srat->nr_cpus && nr_cpu_nodes < MAX_CPUS; i++) {
		int node = node_of_domain(domains, &nd, srat->cpus[i].domain);
		if (node < 0)
			continue;
		cpu_nodes[nr_cpu_nodes].apic_id = srat->cpus[i].apic_id;
		cpu_nodes[nr_cpu_nodes].node = node;
		nr_cpu_nodes++;
	}
	nodes = nd ? nd : 1;
	for (int i = 0; i < nr_ranges; i++)
		pr_info("numa", "node %d (proximity domain %u): %#llx-%#llx", ranges[i].node,
			domains[ranges[i].node], (unsigned long long)ranges[i].base,
			(unsigned long long)ranges[i].end);
	pr_info("numa", "%d node(s), %d CPU affinity entries", nodes, nr_cpu_nodes);
}
