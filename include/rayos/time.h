/* time.h — the clock interface (kernel/time.c).
 *
 * All time in RayOS comes through here so tests can drive it: a clocksource
 * (the calibrated TSC at run time; a fake in hosted tests) gives monotonic
 * nanoseconds; the wall clock is the RTC reading at boot plus monotonic time.
 * Timer events are one-shot callbacks kept sorted by deadline; the arch
 * programs the hardware for the earliest one (tickless). */
#ifndef RAYOS_TIME_H
#define RAYOS_TIME_H
#include <rayos/types.h>

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC  1000000000ULL

struct clocksource {
	const char *name;
	u64 (*read_ns)(void);   /* monotonic nanoseconds since boot */
};

void clock_register(const struct clocksource *cs);
const struct clocksource *clock_current(void);
u64 clock_monotonic_ns(void);
/* A second, independent counter (HPET or ACPI PM timer) the arch registers
 * so tests can check the calibrated clock against it; NULL when none. Its
 * read_ns has an arbitrary origin: only differences are meaningful. */
void clock_register_reference(const struct clocksource *cs);
const struct clocksource *clock_reference(void);

/* Cycle counter conversion: set once the counter is calibrated. */
void clock_set_cycle_rate(u64 hz, const char *calibrated_against);
u64 clock_cycle_rate(void);
const char *clock_calibration_source(void);
u64 cycles_to_ns(u64 cycles);

/* Wall clock: seconds since the Unix epoch, from the RTC at boot. */
void clock_set_wall_base(s64 unix_seconds_at_boot_ns_zero);
s64 clock_wall_seconds(void); /* -1 if no RTC */
/* Wall clock in ns since the epoch (monotonic time when there is no RTC). */
s64 clock_realtime_ns(void);
struct tm_simple { int year, mon, mday, hour, min, sec; };
void time_unix_to_tm(s64 t, struct tm_simple *tm);
s64 time_tm_to_unix(const struct tm_simple *tm);

/* One-shot timer events. */
struct timer_event {
	u64 deadline_ns;
	void (*fn)(struct timer_event *ev);
	/* the lock of the per-CPU base it is armed on */
	struct timer_event *next;
	bool armed;
	u32 cpu;
};
void timer_arm(struct timer_event *ev, u64 deadline_ns);
void timer_cancel(struct timer_event *ev);
/* timer_cancel, then wait until a run of ev's callback that had already
 * begun (on any CPU) has returned: afterwards ev's memory may be freed, as
 * long as nothing arms it again. Thread context; never from ev's callback. */
void timer_cancel_sync(struct timer_event *ev);
/* Called by the arch timer interrupt: runs expired events, returns the next
 * deadline (0 = none) for the arch to program. */
u64 timer_expire(u64 now_ns);
/* This CPU's earliest armed deadline, 0 if none (for lateness figures). */
u64 timer_first_deadline(void);

/* The arch's one-shot timer device. */
struct timer_device {
	const char *name;
	void (*program)(u64 deadline_ns); /* 0 = stop */
};
void timer_device_register(const struct timer_device *dev);
const struct timer_device *timer_device_current(void);

/* Busy-wait; only for early init and drivers with tiny delays. */
void udelay(u64 us);

#endif
