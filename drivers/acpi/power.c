/* power.c — ACPI power-off (S5) and reset, registered with power_register().
 *
 * Power-off (ACPI 6.5 sections 4.8.3.2, 7.4.2, 16.1.7):
 *  - fixed hardware (PM1a/PM1b control blocks): ACPI mode is entered first
 *    if SCI_EN is clear and the FADT gives an SMI command; then for each
 *    block, SLP_TYPx (from \_S5) goes into bits 12:10 with SLP_EN (bit 13),
 *    other bits preserved, PM1a before PM1b;
 *  - hardware-reduced platforms (no PM1 blocks, e.g. QEMU microvm): the
 *    FADT sleep control register gets (SLP_TYP << 2) | SLP_EN (0x20), with
 *    SLP_TYP from \_S5, or 5 when the firmware has no \_S5 (QEMU's generic
 *    event device powers off on exactly that value).
 * Reset: the FADT reset register (ACPI 4.8.3.6), I/O or memory space, gets
 * RESET_VALUE; if the machine is still running 50 ms later the method
 * fails and power_reboot() goes on to arch_reboot().
 *
 * Memory-space registers are mapped at init, so the shutdown path neither
 * allocates nor builds page tables. Runs with interrupts disabled; no lock
 * (called once, on the way down). Portable: hardware only via arch_*. */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/log.h>
#include <rayos/power.h>
#include <rayos/printf.h>
#include <rayos/time.h>
#include "internal.h"

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK  (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN        (1u << 13)
#define PM1_SCI_EN        (1u << 0)
#define SLEEP_CTL_SLP_EN  0x20
#define SLEEP_CTL_TYP_SHIFT 2
#define HW_REDUCED_S5_DEFAULT 5

static const struct acpi_platform *plat;
static volatile void *sleep_ctl_mmio, *reset_mmio;

/* Register width in bits: access size when given, else the bit width. */
static u32 gas_bits(const struct acpi_gas *g)
{
	if (g->access_size >= 1 && g->access_size <= 4)
		return 8u << (g->access_size - 1);
	return g->bit_width ? g->bit_width : 8;
}

static int gas_write(const struct acpi_gas *g, volatile void *mmio, u32 v)
{
	u32 bits = gas_bits(g);
	if (g->space == ACPI_GAS_IO && g->address <= 0xFFFF) {
		u16 port = (u16)g->address;
		if (bits <= 8)
			arch_outb(port, (u8)v);
		else if (bits <= 16)
			arch_outw(port, (u16)v);
		else
			arch_outl(port, v);
		return 0;
	}
	if (g->space == ACPI_GAS_MEMORY && mmio) {
		if (bits <= 8)
			*(volatile u8 *)mmio = (u8)v;
		else if (bits <= 16)
			*(volatile u16 *)mmio = (u16)v;
		else
			*(volatile u32 *)mmio = v;
		return 0;
	}
	return -ENODEV;
}

static u32 io_read(const struct acpi_gas *g)
{
	u32 bits = gas_bits(g);
	u16 port = (u16)g->address;
	return bits <= 8 ? arch_inb(port) : bits <= 16 ? arch_inw(port) : arch_inl(port);
}

/* Waits about ms milliseconds: the calibrated clock when there is one,
 * else a bounded spin (early in boot). */
static void wait_ms(u32 ms)
{
	if (clock_current() && clock_cycle_rate()) {
		udelay((u64)ms * 1000);
		return;
	}
	for (u32 i = 0; i < ms * 100000u; i++)
		arch_cpu_relax();
}

static bool pm1_usable(const struct acpi_gas *g)
{
	return g->address && g->space == ACPI_GAS_IO && g->address <= 0xFFFF;
}

/* ACPI mode: the SMI handler hands the fixed hardware to the OS. */
static void enter_acpi_mode(void)
{
	const struct acpi_fadt *f = &plat->fadt;
	if ((io_read(&f->pm1a_cnt) & PM1_SCI_EN) || !f->smi_cmd || !f->acpi_enable)
		return;
	arch_outb((u16)f->smi_cmd, f->acpi_enable);
	for (int i = 0; i < 300 && !(io_read(&f->pm1a_cnt) & PM1_SCI_EN); i++)
		wait_ms(1);
}

static int acpi_poweroff(void)
{
	const struct acpi_fadt *f = &plat->fadt;
	arch_irq_disable();
	if (pm1_usable(&f->pm1a_cnt) && !f->hw_reduced) {
		if (!plat->have_s5)
			return -ENODATA;
		enter_acpi_mode();
		u32 a = io_read(&f->pm1a_cnt) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);
		gas_write(&f->pm1a_cnt, NULL, a | (u32)plat->s5.slp_typa << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
		if (pm1_usable(&f->pm1b_cnt)) {
			u32 b = io_read(&f->pm1b_cnt) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);
			gas_write(&f->pm1b_cnt, NULL,
				  b | (u32)plat->s5.slp_typb << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
		}
	} else if (f->sleep_control.address) {
		u32 typ = plat->have_s5 ? plat->s5.slp_typa : HW_REDUCED_S5_DEFAULT;
		int r = gas_write(&f->sleep_control, sleep_ctl_mmio,
				  typ << SLEEP_CTL_TYP_SHIFT | SLEEP_CTL_SLP_EN);
		if (r)
			return r;
	} else {
		return -ENODEV;
	}
	wait_ms(100);
	return -ETIMEDOUT;
}

static int acpi_reset(void)
{
	const struct acpi_fadt *f = &plat->fadt;
	arch_irq_disable();
	int r = gas_write(&f->reset_reg, reset_mmio, f->reset_value);
	if (r)
		return r;
	wait_ms(50);
	return -ETIMEDOUT;
}

static struct power_method acpi_method = { .name = "ACPI" };

void acpi_power_init(const struct acpi_platform *p)
{
	plat = p;
	if (!p->have_fadt)
		return;
	const struct acpi_fadt *f = &p->fadt;
	char off[96] = "", rst[64] = "";
	if (pm1_usable(&f->pm1a_cnt) && !f->hw_reduced) {
		if (p->have_s5)
			snprintf(off, sizeof(off), "PM1a_CNT port %#llx, \\_S5 SLP_TYP %u/%u",
				 (unsigned long long)f->pm1a_cnt.address, p->s5.slp_typa, p->s5.slp_typb);
		else
			pr_warn("acpi", "PM1 control block but no \\_S5: ACPI power-off unavailable");
	} else if (f->sleep_control.address) {
		if (f->sleep_control.space == ACPI_GAS_MEMORY)
			sleep_ctl_mmio = arch_map_mmio(f->sleep_control.address, 1);
		if (f->sleep_control.space == ACPI_GAS_IO ||
		    (f->sleep_control.space == ACPI_GAS_MEMORY && sleep_ctl_mmio))
			snprintf(off, sizeof(off), "sleep control %s %#llx, SLP_TYP %u%s",
				 f->sleep_control.space == ACPI_GAS_IO ? "port" : "mmio",
				 (unsigned long long)f->sleep_control.address,
				 p->have_s5 ? p->s5.slp_typa : HW_REDUCED_S5_DEFAULT,
				 p->have_s5 ? " (\\_S5)" : " (no \\_S5: default)");
		else
			pr_warn("acpi", "sleep control register in address space %u: unsupported",
				f->sleep_control.space);
	} else {
		pr_warn("acpi", "FADT has neither PM1 control nor a sleep control register: no ACPI power-off");
	}
	if (f->reset_supported) {
		if (f->reset_reg.space == ACPI_GAS_MEMORY)
			reset_mmio = arch_map_mmio(f->reset_reg.address, 1);
		if (f->reset_reg.space == ACPI_GAS_IO ||
		    (f->reset_reg.space == ACPI_GAS_MEMORY && reset_mmio))
			snprintf(rst, sizeof(rst), "%s %#llx <- %#x",
				 f->reset_reg.space == ACPI_GAS_IO ? "port" : "mmio",
				 (unsigned long long)f->reset_reg.address, f->reset_value);
		else
			pr_warn("acpi", "reset register in address space %u: unsupported; legacy reset used",
				f->reset_reg.space);
	}
	if (off[0])
		acpi_method.poweroff = acpi_poweroff;
	if (rst[0])
		acpi_method.reboot = acpi_reset;
	if (off[0] || rst[0]) {
		power_register(&acpi_method);
		pr_info("acpi", "power-off via %s; reset via %s", off[0] ? off : "(none)",
			rst[0] ? rst : "legacy methods");
	}
}
