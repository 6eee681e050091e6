/* hpet.c — the HPET main counter, as a reference for calibrating the TSC
 * (tsc.c) and as the independent clock the time tests compare against.
 *
 * The ACPI HPET table gives the block's base; its 1 KiB of registers is
 * mapped uncached (arch_map_mmio). The general capabilities register gives
 * the tick period in femtoseconds (at most 100 ns, HPET 1.0a 2.3.9.2.1, else
 * the block is rejected) and whether the counter is 64 bits wide. The
 * counter is started (ENABLE_CNF) with legacy replacement routing left off;
 * no HPET timer (comparator) is used, so no HPET interrupt is ever raised.
 * A 64-bit count is read as high/low/high in 32-bit accesses, retried when
 * the high half moved, which works on hardware without 64-bit MMIO reads.
 *
 * Reference: IA-PC HPET Specification 1.0a, sections 2.3 and 3.2.
 * Locking: none; after probe the registers are only read. */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/log.h>
#include "devices.h"

#define HPET_CAP_LO   0x000
#define HPET_CAP_HI   0x004 /* COUNTER_CLK_PERIOD in femtoseconds */
#define HPET_CONFIG   0x010
#define HPET_COUNT_LO 0x0F0
#define HPET_COUNT_HI 0x0F4
#define CAP_COUNT_SIZE_64 (1u << 13)
#define CONFIG_ENABLE (1u << 0)
#define CONFIG_LEGACY (1u << 1)
#define HPET_MAX_PERIOD_FS 100000000u /* 100 ns */
#define FS_PER_SEC 1000000000000000ULL

static volatile u8 *regs;

static u32 rd(u32 off) { return *(volatile u32 *)(regs + off); }
static void wr(u32 off, u32 v) { *(volatile u32 *)(regs + off) = v; }

static u64 hpet_read64(void)
{
	u32 hi, lo, hi2 = rd(HPET_COUNT_HI);
	do {
		hi = hi2;
		lo = rd(HPET_COUNT_LO);
		hi2 = rd(HPET_COUNT_HI);
	} while (hi != hi2);
	return (u64)hi << 32 | lo;
}

static u64 hpet_read32(void) { return rd(HPET_COUNT_LO); }

static struct ref_counter hpet = { .name = "HPET", .freerunning = true };

const struct ref_counter *hpet_probe(void)
{
	const struct acpi_platform *p = acpi_platform();
	if (!p->have_hpet)
		return NULL;
	regs = arch_map_mmio(p->hpet.address, 1024);
	if (!regs) {
		pr_err("time", "HPET at %#llx cannot be mapped", (unsigned long long)p->hpet.address);
		return NULL;
	}
	u32 period = rd(HPET_CAP_HI), cap = rd(HPET_CAP_LO);
	if (!period || period > HPET_MAX_PERIOD_FS) {
		pr_err("time", "HPET at %#llx reports a tick of %u fs (must be 1..%u); not used",
		       (unsigned long long)p->hpet.address, period, HPET_MAX_PERIOD_FS);
		return NULL;
	}
	wr(HPET_CONFIG, (rd(HPET_CONFIG) & ~CONFIG_LEGACY) | CONFIG_ENABLE);
	bool wide = cap & CAP_COUNT_SIZE_64;
	hpet.hz = FS_PER_SEC / period;
	hpet.mask = wide ? ~0ULL : 0xFFFFFFFFULL;
	hpet.read = wide ? hpet_read64 : hpet_read32;
	u64 a = hpet.read(), b = a;
	for (int i = 0; i < 100000 && b == a; i++)
		b = hpet.read();
	if (a == b) {
		pr_err("time", "HPET at %#llx does not count; not used", (unsigned long long)p->hpet.address);
		return NULL;
	}
	pr_debug("time", "HPET at %#llx: %llu Hz, %u-bit counter, %u timers",
		(unsigned long long)p->hpet.address, (unsigned long long)hpet.hz, wide ? 64 : 32,
		((cap >> 8) & 0x1F) + 1);
	return &hpet;
}
