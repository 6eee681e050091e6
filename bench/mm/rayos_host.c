/* rayos_host.c — what the RayOS heap and page allocator (mm/slab.c,
 * mm/pool.c, mm/page_alloc.c, mm/buddy.c, mm/bootmem.c, obs/metrics.c,
 * compiled unchanged at -O2) need to run as a Linux user program for the
 * microbenchmark (bench_mm.c).
 *
 * Each benchmark thread is a RayOS CPU: bench_cpu_enter() points the
 * thread's GS base at its struct cpu (arch_prctl(ARCH_SET_GS)), so the
 * kernel's own this_cpu() (mov %gs:0) works unchanged and per-CPU
 * magazines and page caches are per thread, as on real hardware. The
 * interrupt flag is a thread-local variable (user code cannot cli), saved
 * and restored through out-of-line calls as in arch/x86_64/cpu.c.
 * Physical address == virtual address (the arena is ordinary memory).
 * What the observability code linked with them needs comes from the host:
 * the TSC for arch_cycles(), calloc for the tracer's vmalloc'd rings. */
#include <asm/prctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/cmdline.h>
#include <rayos/log.h>
#include <rayos/mm.h>
#include <rayos/percpu.h>
#include <rayos/vm.h>
#include "rayos_host.h"

struct cpu cpus[MAX_CPUS];
u32 nr_cpus_online;
struct boot_info boot_info;
struct kernel_options kopt = { .loglevel = LOG_WARN, .slab_debug = false };

static __thread irqflags_t irq_on = 1;

irqflags_t arch_irq_save(void)
{
	irqflags_t f = irq_on;
	irq_on = 0;
	__asm__ volatile("" ::: "memory");
	return f;
}

void arch_irq_restore(irqflags_t f)
{
	__asm__ volatile("" ::: "memory");
	irq_on = f;
}

void arch_cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
void *arch_phys_to_virt(u64 phys) { return (void *)(uintptr_t)phys; }
u64 arch_virt_to_phys(const void *v) { return (u64)(uintptr_t)v; }
void arch_kernel_phys_range(u64 *start, u64 *end) { *start = *end = 0; }

/* one NUMA node (mm/numa.c reads ACPI) */
int numa_nr_nodes(void) { return 1; }
int numa_node_of_addr(u64 addr) { (void)addr; return 0; }
u64 numa_range_end(u64 addr) { (void)addr; return ~0ULL; }
int numa_node_of_cpu(u32 apic_id) { (void)apic_id; return 0; }

void vklog(enum log_level lvl, const char *subsys, const char *fmt, va_list ap)
{
	if (lvl < LOG_WARN)
		return;
	fprintf(stderr, "%s: ", subsys);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void klog(enum log_level lvl, const char *subsys, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vklog(lvl, subsys, fmt, ap);
	va_end(ap);
}

void klog_kvs(enum log_level lvl, const char *subsys, const char *msg, const struct log_kv *kv, size_t n)
{
	(void)kv;
	if (lvl >= LOG_WARN)
		fprintf(stderr, "%s: %s (%zu fields)\n", subsys, msg, n);
}

int vkprintf(const char *fmt, va_list ap) { return vfprintf(stderr, fmt, ap); }

/* the cycle counter (kernel/time.c, obs/histogram.c): the real TSC */
u64 arch_cycles(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/* kernel virtual areas (the tracer's rings): the host heap */
void *vmalloc_tagged(size_t size, const char *tag)
{
	(void)tag;
	return calloc(1, size);
}

void vfree(void *addr) { free(addr); }

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

void bench_cpu_enter(u32 id)
{
	cpus[id].self = &cpus[id];
	cpus[id].id = id;
	cpus[id].online = true;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, &cpus[id])) {
		perror("arch_prctl(ARCH_SET_GS)");
		_exit(2);
	}
	__atomic_fetch_add(&nr_cpus_online, 1, __ATOMIC_RELAXED);
}

static struct zone zone;

int bench_rayos_init(void *arena, size_t pages, struct page *map)
{
	u64 pfn = (uintptr_t)arena >> PAGE_SHIFT;
	if (zone_init(&zone, 0, pfn, pages, map))
		return -1;
	zone_add_free_range(&zone, pfn, pages);
	zone_set_watermarks(&zone);
	zones[0] = &zone;
	nr_nodes = 1;
	slab_init();
	return 0;
}
