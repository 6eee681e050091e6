/* pmtimer.c — the ACPI power-management timer: a 3.579545 MHz counter,
 * 24 bits wide or 32 with the FADT's TMR_VAL_EXT flag, read from the port
 * the FADT gives (X_PM_TMR_BLK, else PM_TMR_BLK). Used to calibrate the TSC
 * when there is no HPET, and as the tests' independent clock.
 * Hardware-reduced platforms have none; a timer in memory space is not
 * supported (no known x86 firmware does that) and is reported.
 *
 * Reference: ACPI 6.5 section 4.8.3.3. Locking: none (reads only). */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/log.h>
#include "devices.h"

#define PM_TIMER_HZ 3579545

static u16 port;
static u32 width_mask;

static u64 pm_read(void) { return arch_inl(port) & width_mask; }

static struct ref_counter pmt = { .name = "ACPI PM timer", .hz = PM_TIMER_HZ, .freerunning = true };

const struct ref_counter *pmtimer_probe(void)
{
	const struct acpi_platform *p = acpi_platform();
	if (!p->have_fadt || p->fadt.hw_reduced || !p->fadt.pm_tmr.address)
		return NULL;
	const struct acpi_gas *g = &p->fadt.pm_tmr;
	if (g->space != ACPI_GAS_IO || g->address > 0xFFFC) {
		pr_warn("time", "ACPI PM timer in address space %u at %#llx: unsupported", g->space,
			(unsigned long long)g->address);
		return NULL;
	}
	port = (u16)g->address;
	width_mask = p->fadt.pm_tmr_32bit ? 0xFFFFFFFFu : 0xFFFFFFu;
	pmt.mask = width_mask;
	pmt.read = pm_read;
	u64 a = pm_read(), b = a;
	for (int i = 0; i < 100000 && b == a; i++)
		b = pm_read();
	if (a == b) {
		pr_err("time", "ACPI PM timer at port %#x does not count; not used", port);
		return NULL;
	}
	pr_debug("time", "ACPI PM timer at port %#x, %u-bit", port, p->fadt.pm_tmr_32bit ? 32 : 24);
	return &pmt;
}
