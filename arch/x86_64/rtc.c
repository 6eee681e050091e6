/* rtc.c — the CMOS real-time clock (MC146818-compatible): the wall-clock
 * time at boot, arch_rtc_read() for later checks, and its second boundaries
 * as the calibration reference of last resort.
 *
 * Algorithm: wait for status A's update-in-progress bit to clear, read
 * seconds .. year (and the century from the CMOS index the FADT names, if
 * any), and repeat until two consecutive readings agree, so no field is
 * torn by an update. Status B says BCD or binary (bit 2) and 12- or 24-hour
 * (bit 1; in 12-hour mode bit 7 of the hour is PM). Without a century
 * register, years 70-99 are 19xx and 00-69 20xx. The RTC is taken to keep
 * UTC (QEMU's default, -rtc base=utc). The FADT's IA-PC boot flag "CMOS RTC
 * not present" skips the device; a missing device is recognised by status
 * register D reading other than "valid RAM and time" (0x80) and reported
 * as absent before any waiting; out-of-range fields give -EIO.
 *
 * Seconds reference (no HPET, PM timer or PIT, e.g. microvm with pit=off):
 * the calibration counts changes of the seconds register (see sec_read);
 * it costs 1-2 s of boot. The periodic flag (status C) would be quicker
 * but is useless under emulation: QEMU sets it from a host timer that
 * fires late and merges ticks while the guest polls, whereas the time of
 * day is computed when read (measured: TSC rates 20-100% off).
 *
 * Reference: Motorola MC146818A data sheet; ACPI 6.5 5.2.9 (CENTURY,
 * IAPC_BOOT_ARCH). Locking: cmos_lock (IRQ-safe) around every index/data
 * pair, since the index port is shared state. */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/log.h>
#include <rayos/spinlock.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include "devices.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_MDAY 0x07
#define RTC_MON 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0A
#define RTC_STATUS_B 0x0B
#define RTC_STATUS_D 0x0D
#define STATUS_A_UIP 0x80
#define STATUS_B_BINARY 0x04
#define STATUS_B_24H 0x02
#define STATUS_D_VRT 0x80
#define HOUR_PM 0x80

static spinlock_t cmos_lock = SPINLOCK_INIT;

struct rtc_regs {
	u8 sec, min, hour, mday, mon, year, century, status_b;
};

static u8 cmos_read(u8 reg)
{
	irqflags_t f = spin_lock_irqsave(&cmos_lock);
	arch_outb(CMOS_INDEX, reg);
	u8 v = arch_inb(CMOS_DATA);
	spin_unlock_irqrestore(&cmos_lock, f);
	return v;
}

/* Status D reads 0x80 (valid RAM and time, other bits zero) on a working
 * RTC; an absent one floats to 0xFF. */
static bool rtc_present(void)
{
	const struct acpi_platform *p = acpi_platform();
	if (p->have_fadt && (p->fadt.iapc_boot_arch & ACPI_IAPC_NO_CMOS_RTC))
		return false;
	return cmos_read(RTC_STATUS_D) == STATUS_D_VRT;
}

static void wait_update_done(void)
{
	/* an update takes under 2 ms; the bound only guards a stuck bit */
	for (int i = 0; i < 100000 && (cmos_read(RTC_STATUS_A) & STATUS_A_UIP); i++)
		arch_cpu_relax();
}

static void read_regs(struct rtc_regs *r, u8 century_reg)
{
	wait_update_done();
	r->sec = cmos_read(RTC_SEC);
	r->min = cmos_read(RTC_MIN);
	r->hour = cmos_read(RTC_HOUR);
	r->mday = cmos_read(RTC_MDAY);
	r->mon = cmos_read(RTC_MON);
	r->year = cmos_read(RTC_YEAR);
	r->century = century_reg ? cmos_read(century_reg) : 0;
	r->status_b = cmos_read(RTC_STATUS_B);
}

static int from_bcd(u8 v, bool binary)
{
	if (binary)
		return v;
	if ((v & 0x0F) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0F);
}

int arch_rtc_read(s64 *unix_seconds)
{
	const struct acpi_platform *p = acpi_platform();
	if (!rtc_present())
		return -ENODEV;
	u8 century_reg = p->have_fadt ? p->fadt.century : 0;
	struct rtc_regs a, b;
	read_regs(&a, century_reg);
	int tries = 0;
	for (;;) {
		read_regs(&b, century_reg);
		if (!memcmp(&a, &b, sizeof(a)))
			break;
		if (++tries == 5)
			return -EIO;
		a = b;
	}
	bool bin = a.status_b & STATUS_B_BINARY;
	struct tm_simple tm;
	tm.sec = from_bcd(a.sec, bin);
	tm.min = from_bcd(a.min, bin);
	tm.hour = from_bcd(a.hour & (u8)~HOUR_PM, bin);
	tm.mday = from_bcd(a.mday, bin);
	tm.mon = from_bcd(a.mon, bin);
	int yy = from_bcd(a.year, bin);
	int cc = century_reg ? from_bcd(a.century, bin) : (yy < 70 ? 20 : 19);
	if (!(a.status_b & STATUS_B_24H)) {
		if (tm.hour < 1 || tm.hour > 12)
			return -EIO;
		tm.hour = tm.hour % 12 + ((a.hour & HOUR_PM) ? 12 : 0);
	}
	if (tm.sec < 0 || tm.sec > 59 || tm.min < 0 || tm.min > 59 || tm.hour < 0 || tm.hour > 23 ||
	    tm.mday < 1 || tm.mday > 31 || tm.mon < 1 || tm.mon > 12 || yy < 0 || yy > 99 ||
	    cc < 19 || cc > 99)
		return -EIO;
	tm.year = cc * 100 + yy;
	*unix_seconds = time_tm_to_unix(&tm);
	return 0;
}

void rtc_init(void)
{
	s64 t;
	int r = arch_rtc_read(&t);
	if (r == -ENODEV) {
		pr_info("time", "no CMOS RTC: wall-clock time unknown");
		return;
	}
	if (r) {
		pr_warn("time", "CMOS RTC reads inconsistent or out-of-range values: wall-clock time unknown");
		return;
	}
	clock_set_wall_base(t);
	struct tm_simple tm;
	time_unix_to_tm(t, &tm);
	const struct acpi_platform *p = acpi_platform();
	pr_info("time", "RTC %04d-%02d-%02d %02d:%02d:%02d UTC%s", tm.year, tm.mon, tm.mday, tm.hour,
		tm.min, tm.sec, p->have_fadt && p->fadt.century ? "" : " (no century register)");
}

/* ---- the seconds edge as a calibration reference ---- */
static u8 last_sec;
static u64 sec_edges;

/* Counts changes of the seconds register. A new value counts only when a
 * second read confirms it, so a transient value read during a hardware
 * update cycle is not an edge. UIP is deliberately not consulted: QEMU
 * keeps it set for milliseconds around the boundary, which would delay
 * the edge by a variable amount. */
static u64 sec_read(void)
{
	u8 s = cmos_read(RTC_SEC);
	if (s != last_sec && cmos_read(RTC_SEC) == s) {
		last_sec = s;
		sec_edges++;
	}
	return sec_edges;
}

/* One tick is one second: slow (1-2 s of boot), but exact to the poll
 * latency; only used when there is no HPET, PM timer or PIT. */
static const struct ref_counter rtc_seconds = {
	.name = "RTC seconds", .hz = 1, .mask = ~0ULL, .min_ticks = 1, .read = sec_read,
};

const struct ref_counter *rtc_seconds_probe(void)
{
	if (!rtc_present())
		return NULL;
	last_sec = cmos_read(RTC_SEC);
	pr_warn("time", "calibrating against RTC second boundaries: this takes up to 2 s");
	return &rtc_seconds;
}
