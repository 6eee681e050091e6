/* numa.h — NUMA topology as the memory and scheduler code need it
 * (mm/numa.c, filled from ACPI SRAT). Without SRAT there is one node, 0. */
#ifndef RAYOS_NUMA_H
#define RAYOS_NUMA_H
#include <rayos/types.h>

int numa_nr_nodes(void);
/* Node holding physical address addr; -1 if SRAT says nothing about it. */
int numa_node_of_addr(u64 addr);
/* End (exclusive) of the affinity range containing addr, or of the gap
 * before the next range; ~0 when there is none. */
u64 numa_range_end(u64 addr);
/* Node of a CPU by APIC id; -1 if unknown. */
int numa_node_of_cpu(u32 apic_id);
void numa_init(void);
#endif
