/* time.c — the clock interface and one-shot timer events.
 *
 * Monotonic time comes from the registered clocksource. Cycle-to-nanosecond
 * conversion uses a 32.32 fixed-point multiplier: ns = cycles * mult >> 32,
 * with a 128-bit product, so it neither overflows nor loses precision over
 * years of uptime (mult = 2^32 * 1e9 / hz fits 64 bits for hz >= 1 Hz).
 *
 * Timer events are kept in a list sorted by deadline. timer_arm/cancel
 * reprogram the device when the head changes; timer_expire runs from the
 * timer interrupt. Callbacks run with the base lock released and may re-arm.
 *
 * Wall clock: the RTC gives Unix seconds at a known monotonic instant;
 * later readings add monotonic time. Calendar conversion follows the
 * days-from-civil algorithm (H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms"). Portable: hosted tests drive it with a fake clocksource.
 *
 * Timer events live in per-CPU bases (an event fires on the CPU that armed
 * it). Locking: each base's lock (IRQ-safe) protects its list; leaf lock,
 * never two at once. A base's running names the event whose callback it is
 * running (set before the event is unlinked, cleared after the callback
 * returns), so timer_cancel_sync can wait for a callback in flight before
 * the event's owner frees it (Linux: hrtimer_cancel). */
#include <rayos/time.h>
#include <rayos/arch.h>
#include <rayos/spinlock.h>
#include <rayos/percpu.h>

static const struct clocksource *cur_cs;
static const struct clocksource *ref_cs;
static u64 cycle_hz;
static u64 cycle_mult; /* ns per cycle, 32.32 fixed point */
static const char *cal_source = "none";
static s64 wall_base = -1;        /* Unix seconds at monotonic wall_base_ns */
static u64 wall_base_ns;

static const struct timer_device *tdev;

void clock_register(const struct clocksource *cs) { cur_cs = cs; }
const struct clocksource *clock_current(void) { return cur_cs; }
void clock_register_reference(const struct clocksource *cs) { ref_cs = cs; }
const struct clocksource *clock_reference(void) { return ref_cs; }

u64 clock_monotonic_ns(void)
{
	return cur_cs ? cur_cs->read_ns() : 0;
}

void clock_set_cycle_rate(u64 hz, const char *src)
{
	if (!hz)
		return;
	cycle_mult = (NSEC_PER_SEC << 32) / hz; /* 1e9 * 2^32 < 2^64 */
	cycle_hz = hz;
	cal_source = src;
}

u64 clock_cycle_rate(void) { return cycle_hz; }
const char *clock_calibration_source(void) { return cal_source; }

u64 cycles_to_ns(u64 cycles)
{
	return (u64)(((unsigned __int128)cycles * cycle_mult) >> 32);
}

void clock_set_wall_base(s64 unix_seconds)
{
	wall_base = unix_seconds;
	wall_base_ns = clock_monotonic_ns();
}

s64 clock_realtime_ns(void)
{
	if (wall_base < 0)
		return (s64)clock_monotonic_ns();
	return wall_base * (s64)NSEC_PER_SEC + (s64)(clock_monotonic_ns() - wall_base_ns);
}

s64 clock_wall_seconds(void)
{
	if (wall_base < 0)
		return -1;
	return wall_base + (s64)((clock_monotonic_ns() - wall_base_ns) / NSEC_PER_SEC);
}

s64 time_tm_to_unix(const struct tm_simple *tm)
{
	s64 y = tm->year - (tm->mon <= 2);
	s64 era = (y >= 0 ? y : y - 399) / 400;
	s64 yoe = y - era * 400;
	s64 mp = (tm->mon + 9) % 12;
	s64 doy = (153 * mp + 2) / 5 + tm->mday - 1;
	s64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	s64 days = era * 146097 + doe - 719468;
	return days * 86400 + tm->hour * 3600 + tm->min * 60 + tm->sec;
}

void time_unix_to_tm(s64 t, struct tm_simple *tm)
{
	s64 days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	s64 rem = t - days * 86400;
	tm->hour = (int)(rem / 3600);
	tm->min = (int)(rem % 3600 / 60);
	tm->sec = (int)(rem % 60);
	days += 719468;
	s64 era = (days >= 0 ? days : days - 146096) / 146097;
	s64 doe = days - era * 146097;
	s64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	s64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	s64 mp = (5 * doy + 2) / 153;
	tm->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = (int)(yoe + era * 400 + (tm->mon <= 2));
}

void timer_device_register(const struct timer_device *dev) { tdev = dev; }
const struct timer_device *timer_device_current(void) { return tdev; }

/* Per-CPU timer bases: an event is armed on the CPU that arms it and fires
 * there, from that CPU's own timer device. */
struct timer_base {
	spinlock_t lock;
	struct timer_event *head; /* lock; sorted by deadline */
	struct timer_event *running; /* __atomic: its callback runs now */
};
static struct timer_base bases[MAX_CPUS];

/* Reprogram this CPU's device for its base's head (base locked). Another
 * CPU's device cannot be reached from here: when its head is cancelled
 * remotely, it takes one early interrupt that finds nothing due. */
static void program_head(struct timer_base *b)
{
	if (tdev && b == &bases[this_cpu()->id])
		tdev->program(b->head ? b->head->deadline_ns : 0);
}

static void unlink_event(struct timer_base *b, struct timer_event *ev)
{
	for (struct timer_event **pp = &b->head; *pp; pp = &(*pp)->next) {
		if (*pp == ev) {
			*pp = ev->next;
			break;
		}
	}
	ev->armed = false;
	ev->next = NULL;
}

/* Lock the base ev is armed on (following it if it moves); NULL if it is
 * not armed. Returns with IRQs saved in *f. */
static struct timer_base *lock_armed(struct timer_event *ev, irqflags_t *f)
{
	for (;;) {
		*f = arch_irq_save();
		if (!READ_ONCE(ev->armed)) {
			arch_irq_restore(*f);
			return NULL;
		}
		struct timer_base *b = &bases[READ_ONCE(ev->cpu)];
		spin_lock(&b->lock);
		if (ev->armed && b == &bases[ev->cpu])
			return b;
		spin_unlock(&b->lock);
		arch_irq_restore(*f);
	}
}

void timer_cancel(struct timer_event *ev)
{
	irqflags_t f;
	struct timer_base *b = lock_armed(ev, &f);
	if (!b)
		return;
	bool was_head = b->head == ev;
	unlink_event(b, ev);
	if (was_head)
		program_head(b);
	spin_unlock(&b->lock);
	arch_irq_restore(f);
}

void timer_arm(struct timer_event *ev, u64 deadline_ns)
{
	irqflags_t f = arch_irq_save();
	u32 cpu = this_cpu()->id;
	if (READ_ONCE(ev->armed) && READ_ONCE(ev->cpu) != cpu)
		timer_cancel(ev); /* armed elsewhere: take it off that CPU first */
	struct timer_base *b = &bases[cpu];
	spin_lock(&b->lock);
	bool was_head = b->head == ev;
	if (ev->armed)
		unlink_event(b, ev);
	ev->deadline_ns = deadline_ns;
	ev->cpu = cpu;
	struct timer_event **pp = &b->head;
	while (*pp && (*pp)->deadline_ns <= deadline_ns)
		pp = &(*pp)->next;
	ev->next = *pp;
	*pp = ev;
	ev->armed = true;
	if (b->head == ev || was_head) /* the head changed (re-arming it may move it back) */
		program_head(b);
	spin_unlock(&b->lock);
	arch_irq_restore(f);
}

u64 timer_expire(u64 now)
{
	struct timer_base *b = &bases[this_cpu()->id];
	for (;;) {
		irqflags_t f = spin_lock_irqsave(&b->lock);
		struct timer_event *ev = b->head;
		if (!ev || ev->deadline_ns > now) {
			u64 next = ev ? ev->deadline_ns : 0;
			spin_unlock_irqrestore(&b->lock, f);
			return next;
		}
		/* running first: whoever sees ev unarmed then sees it running */
		__atomic_store_n(&b->running, ev, __ATOMIC_SEQ_CST);
		unlink_event(b, ev);
		spin_unlock_irqrestore(&b->lock, f);
		ev->fn(ev);
		__atomic_store_n(&b->running, NULL, __ATOMIC_RELEASE);
	}
}

void timer_cancel_sync(struct timer_event *ev)
{
	timer_cancel(ev);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (u32 c = 0; c < MAX_CPUS; c++)
		while (__atomic_load_n(&bases[c].running, __ATOMIC_ACQUIRE) == ev)
			arch_cpu_relax();
}

u64 timer_first_deadline(void)
{
	struct timer_base *b = &bases[this_cpu()->id];
	irqflags_t f = spin_lock_irqsave(&b->lock);
	u64 d = b->head ? b->head->deadline_ns : 0;
	spin_unlock_irqrestore(&b->lock, f);
	return d;
}

void udelay(u64 us)
{
	u64 end = clock_monotonic_ns() + us * NSEC_PER_USEC;
	while (clock_monotonic_ns() < end)
		arch_cpu_relax();
}
