/* devices.h — x86_64 platform devices shared between files of arch/x86_64/
 * only: the interrupt controllers (apic.c, ioapic.c) and the time devices
 * (tsc.c, hpet.c, pmtimer.c, pit.c, rtc.c). Nothing outside arch/ sees this. */
#ifndef ARCH_DEVICES_H
#define ARCH_DEVICES_H
#include <rayos/types.h>

/* ---- local APIC (apic.c) ---- */
/* Timer calibration: start the LAPIC timer counting down from its maximum
 * (masked, divide by 1); lapic_timer_count() reads the current count. Only
 * used when the TSC-deadline mode is unavailable. */
void lapic_timer_calib_start(void);
u32 lapic_timer_count(void);
/* Sets up the timer on vector VEC_LAPIC_TIMER and registers it as the timer
 * device: TSC-deadline mode when the CPU has it, else one-shot mode with
 * lapic_hz ticks per second. */
void lapic_timer_init(u64 lapic_hz);
/* Secondary CPUs (smp.c): their own local APIC and timer; IPIs. */
void lapic_init_ap(void);
void lapic_send_ipi(u32 apic_id, u8 vector);
void lapic_send_init(u32 apic_id);
void lapic_send_startup(u32 apic_id, u32 page);

/* ---- IOAPICs (ioapic.c) ---- */
void ioapic_init(void);

/* ---- reference counters for calibration (hpet.c, pmtimer.c, pit.c,
 * rtc.c) ----
 * A counter of known frequency; `mask` is its width, `down` says it counts
 * down. read() may be called with interrupts off. A calibration window
 * spans at least min_ticks ticks; stop(), if set, returns the device to
 * rest when calibration is over. `freerunning` counters keep counting
 * without being read (the RTC seconds counter only counts edges it sees). */
struct ref_counter {
	const char *name;     /* "HPET", "ACPI PM timer", "PIT", ... */
	u64 hz;
	u64 mask;
	bool down;
	bool freerunning;
	u32 min_ticks;
	u64 (*read)(void);
	void (*stop)(void);
};
const struct ref_counter *hpet_probe(void);
const struct ref_counter *pmtimer_probe(void);
const struct ref_counter *pit_probe(void);
const struct ref_counter *rtc_seconds_probe(void);

/* ---- CMOS real-time clock (rtc.c) ---- */
void rtc_init(void); /* sets the wall clock base if an RTC answers */

#endif
