/* tsc.c — the cycle counter as RayOS's clock, and arch_time_init().
 *
 * Calibration: the TSC is counted against the first reference that
 * answers — HPET, else the ACPI PM timer, else the PIT (channel 0), else the
 * RTC's second boundaries — over CAL_WINDOW_US, stretched to the
 * reference's min_ticks for coarse ones (1 ms for the HPET and PM timer,
 * 3.4 ms for the PIT, 1 s for the RTC). Each end of the window is a (TSC,
 * reference) pair read just after the reference ticks; it is taken three
 * times (once for counters slower than SLOW_HZ) and the pair whose TSC
 * bracket around the reference read is narrowest wins, with the bracket's
 * midpoint as its TSC time. That bounds the error to a fraction of one
 * device read at each end (measured under QEMU TCG: ~40 ppm against the
 * HPET over 1 ms, ~80 ppm against the PIT over 3.4 ms).
 * hz = dTSC * ref_hz / dref. When the local APIC timer has no TSC-deadline
 * mode, its count is sampled in the same window, so its rate costs no extra
 * time. With no reference at all, CPUID leaf 0x15/0x16 is used if the CPU
 * reports a frequency, and the APIC timer is then measured against the TSC.
 *
 * Clocksource "tsc": read_ns = cycles_to_ns(rdtsc - boot_info.boot_tsc), so
 * uptime counts from the first kernel instruction (boot.S reads the TSC
 * there). The HPET or PM timer also becomes the reference clock
 * (clock_reference(), time.h) the tests compare the TSC with; its count is
 * extended past the counter width by accumulating deltas, which is exact
 * while reads are less than one wrap apart (4.6 s for a 24-bit PM timer).
 *
 * Watchdog: a timer event every WATCHDOG_PERIOD_NS (1 s) compares the TSC's
 * elapsed time with the reference clock's over the period and publishes the
 * relative difference as rayos_clock_drift_ratio{reference=...} (warning
 * once past 0.1%), and how late the event itself fired as
 * rayos_timer_lateness_seconds. Its reads also keep the reference
 * accumulator within one wrap. It is the only periodic timer event; the
 * kernel is otherwise tickless.
 *
 * Then the timer device (apic.c) and the wall clock (rtc.c) are set up.
 * Reference: Intel SDM vol. 3B 18.17 (time-stamp counter), vol. 2 CPUID.
 * Locking: calibration runs once at boot, interrupts off, one CPU; the
 * reference clock's accumulator is under ref_lock (IRQ-safe). */
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/init.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/spinlock.h>
#include <rayos/time.h>
#include "x86.h"
#include "devices.h"

#define CAL_WINDOW_US 1000
#define SLOW_HZ 100000 /* below this a tick costs more than a careful sample */
/* Bound on polls while waiting for a tick: only a counter that stopped
 * after its probe saw it move can hit it (a 1 Hz tick needs ~10^5). */
#define MAX_SPINS 50000000ULL
#define TSC_MIN_HZ 50000000ULL      /* sanity bounds for a measured rate */
#define TSC_MAX_HZ 20000000000ULL

static u64 tsc_read_ns(void)
{
	return cycles_to_ns(arch_cycles() - boot_info.boot_tsc);
}

static const struct clocksource tsc_clock = { .name = "tsc", .read_ns = tsc_read_ns };

struct sample {
	u64 tsc, ref;
	u32 lapic;
};

static void take_sample(const struct ref_counter *rc, bool lapic, struct sample *s)
{
	u64 best = ~0ULL;
	/* slow counters: each try costs a tick, and a tick dwarfs the bracket */
	int tries = rc->hz >= SLOW_HZ ? 3 : 1;
	for (int i = 0; i < tries; i++) {
		/* wait for the counter to tick, so the sample sits at the start
		 * of a tick rather than anywhere in it (matters for the PIT) */
		u64 r0 = rc->read(), r, t0, t1;
		u32 l;
		u64 n = 0;
		do {
			t0 = arch_cycles();
			r = rc->read();
			l = lapic ? lapic_timer_count() : 0;
			t1 = arch_cycles();
		} while (r == r0 && ++n < MAX_SPINS);
		if (t1 - t0 < best) {
			best = t1 - t0;
			s->tsc = t0 + (t1 - t0) / 2;
			s->ref = r;
			s->lapic = l;
		}
	}
}

static u64 ref_delta(const struct ref_counter *rc, u64 from, u64 to)
{
	return (rc->down ? from - to : to - from) & rc->mask;
}

struct calibration {
	u64 tsc_hz, lapic_hz, window_us;
};

static bool calibrate(const struct ref_counter *rc, bool lapic, struct calibration *c)
{
	u64 target = MAX(rc->hz * CAL_WINDOW_US / 1000000, (u64)rc->min_ticks);
	struct sample a, b;
	if (lapic)
		lapic_timer_calib_start();
	take_sample(rc, lapic, &a);
	/* the first read past the target is itself just after a tick: for a
	 * slow counter it is the end sample (waiting for more ticks costs) */
	u64 spins = 0, t0, t1, r;
	u32 l;
	do {
		t0 = arch_cycles();
		r = rc->read();
		l = lapic ? lapic_timer_count() : 0;
		t1 = arch_cycles();
	} while (ref_delta(rc, a.ref, r) < target && ++spins < MAX_SPINS);
	if (rc->hz >= SLOW_HZ)
		take_sample(rc, lapic, &b);
	else
		b = (struct sample){ .tsc = t0 + (t1 - t0) / 2, .ref = r, .lapic = l };
	u64 dref = ref_delta(rc, a.ref, b.ref), dtsc = b.tsc - a.tsc;
	if (dref < target || !dtsc || dtsc >= (~0ULL) / rc->hz) {
		pr_warn("time", "%s did not advance as expected while calibrating; not used", rc->name);
		return false;
	}
	c->tsc_hz = dtsc * rc->hz / dref;
	c->lapic_hz = lapic ? (u64)(u32)(a.lapic - b.lapic) * rc->hz / dref : 0;
	c->window_us = dref * 1000000 / rc->hz;
	if (c->tsc_hz < TSC_MIN_HZ || c->tsc_hz > TSC_MAX_HZ) {
		pr_warn("time", "TSC measured at %llu Hz against %s: implausible; not used",
			(unsigned long long)c->tsc_hz, rc->name);
		return false;
	}
	return true;
}

/* The TSC itself as a reference, once its rate is known some other way. */
static u64 tsc_counter_read(void) { return arch_cycles(); }
static struct ref_counter tsc_counter = {
	.name = "TSC", .mask = ~0ULL, .freerunning = true, .read = tsc_counter_read,
};

/* CPUID 0x15 (TSC/crystal ratio and crystal Hz) or 0x16 (base MHz). */
static u64 cpuid_tsc_hz(void)
{
	u32 a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	u32 max = a;
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c)
			return (u64)c * b / a;
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a & 0xFFFF)
			return (u64)(a & 0xFFFF) * 1000000;
	}
	return 0;
}

/* ---- the reference clock (HPET or PM timer) for tests ---- */
static spinlock_t ref_lock = SPINLOCK_INIT;
static const struct ref_counter *ref_rc;
static u64 ref_last, ref_acc, ref_mult; /* ref_lock; ns per tick, 32.32 */

static u64 ref_read_ns(void)
{
	irqflags_t f = spin_lock_irqsave(&ref_lock);
	u64 v = ref_rc->read();
	ref_acc += ref_delta(ref_rc, ref_last, v);
	ref_last = v;
	u64 ns = (u64)(((unsigned __int128)ref_acc * ref_mult) >> 32);
	spin_unlock_irqrestore(&ref_lock, f);
	return ns;
}

static struct clocksource ref_clock = { .read_ns = ref_read_ns };

static void register_reference(const struct ref_counter *rc)
{
	ref_rc = rc;
	ref_last = rc->read();
	ref_mult = (NSEC_PER_SEC << 32) / rc->hz;
	ref_clock.name = rc->name;
	clock_register_reference(&ref_clock);
}

/* ---- watchdog ---- */
#define WATCHDOG_PERIOD_NS NSEC_PER_SEC
#define DRIFT_WARN_PPB 1000000 /* 0.1% */

static struct timer_event watchdog;
static u64 wd_tsc_ns, wd_ref_ns; /* touched only by the watchdog callback */
static bool wd_warned;
static struct metric_family fam_drift = { .name = "rayos_clock_drift_ratio",
	.help = "Relative difference between the TSC clock and the reference counter over the last second.",
	.type = METRIC_GAUGE };
static struct metric_family fam_late = { .name = "rayos_timer_lateness_seconds",
	.help = "How late the last watchdog timer event ran after its deadline.", .type = METRIC_GAUGE };
static struct metric m_drift = { .scale = 1000000000 }; /* parts per billion */
static struct metric m_late = { .scale = 1000000000 };  /* nanoseconds */

/* TSC time and reference time read as close together as possible. */
static void read_pair(u64 *tsc_ns, u64 *ref_ns)
{
	u64 a = clock_monotonic_ns();
	*ref_ns = ref_read_ns();
	*tsc_ns = a + (clock_monotonic_ns() - a) / 2;
}

static void watchdog_fire(struct timer_event *ev)
{
	u64 now = clock_monotonic_ns();
	metric_set(&m_late, (s64)(now - ev->deadline_ns));
	if (ref_rc) {
		u64 t, r;
		read_pair(&t, &r);
		s64 dt = (s64)(t - wd_tsc_ns), dr = (s64)(r - wd_ref_ns);
		if (dr > 0) {
			s64 ppb = (dt - dr) * 1000000000 / dr;
			metric_set(&m_drift, ppb);
			if ((ppb > DRIFT_WARN_PPB || ppb < -DRIFT_WARN_PPB) && !wd_warned) {
				wd_warned = true;
				pr_warn("time", "TSC and %s disagree by %lld ppm over %lld ms", ref_rc->name,
					(long long)(ppb / 1000), (long long)(dr / 1000000));
			}
		}
		wd_tsc_ns = t;
		wd_ref_ns = r;
	}
	timer_arm(ev, now + WATCHDOG_PERIOD_NS);
}

static void watchdog_start(void)
{
	if (!timer_device_current())
		return;
	if (ref_rc) {
		snprintf(m_drift.labels, sizeof(m_drift.labels), "reference=\"%s\"", ref_rc->name);
		metric_register(&fam_drift, &m_drift);
		read_pair(&wd_tsc_ns, &wd_ref_ns);
	}
	metric_register(&fam_late, &m_late);
	watchdog.fn = watchdog_fire;
	timer_arm(&watchdog, clock_monotonic_ns() + WATCHDOG_PERIOD_NS);
}

void arch_time_init(void)
{
	bool lapic = !cpu_has_tsc_deadline;
	const struct ref_counter *(*const probes[])(void) = {
		hpet_probe, pmtimer_probe, pit_probe, rtc_seconds_probe,
	};
	const struct ref_counter *used = NULL;
	struct calibration cal = { 0 };
	for (size_t i = 0; i < ARRAY_SIZE(probes) && !used; i++) {
		const struct ref_counter *rc = probes[i]();
		if (rc && calibrate(rc, lapic, &cal))
			used = rc;
		if (rc && rc->stop)
			rc->stop();
	}
	if (used) {
		clock_set_cycle_rate(cal.tsc_hz, used->name);
		pr_info("time", "TSC %llu.%03llu MHz calibrated against %s over %llu.%03llu ms%s",
			(unsigned long long)(cal.tsc_hz / 1000000),
			(unsigned long long)(cal.tsc_hz % 1000000 / 1000), used->name,
			(unsigned long long)(cal.window_us / 1000), (unsigned long long)(cal.window_us % 1000),
			cpu_has_invariant_tsc ? " (invariant)" : "");
		if (used->freerunning && !used->down)
			register_reference(used);
	} else {
		u64 hz = cpuid_tsc_hz();
		if (hz) {
			clock_set_cycle_rate(hz, "CPUID");
			pr_warn("time", "no HPET, PM timer or PIT to calibrate against: TSC %llu MHz as CPUID reports",
				(unsigned long long)(hz / 1000000));
		} else {
			hz = 1000000000;
			clock_set_cycle_rate(hz, "nothing (assumed 1 GHz)");
			pr_crit("time", "TSC frequency unknown (no timer to measure it, CPUID silent): assuming 1 GHz, time will be wrong");
		}
		/* the APIC timer, at least, can be measured against the TSC */
		tsc_counter.hz = hz;
		struct calibration c2;
		if (lapic && calibrate(&tsc_counter, true, &c2))
			cal.lapic_hz = c2.lapic_hz;
	}
	clock_register(&tsc_clock);
	lapic_timer_init(cal.lapic_hz);
	watchdog_start();
	rtc_init();
}
