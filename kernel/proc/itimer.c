/* itimer.c — the real-time interval timer of a process: setitimer(2),
 * getitimer(2) and alarm(2) with ITIMER_REAL (Linux semantics).
 *
 * Each process has one ITIMER_REAL: a one-shot kernel timer event armed
 * for the next expiry. When it fires, SIGALRM (si_code SI_KERNEL) goes to
 * the process; with a non-zero interval the next expiry is the previous
 * one plus a whole number of intervals, the first after now (expiries
 * missed while the CPU was busy are not queued: one SIGALRM, as Linux).
 * A zero it_value disarms. getitimer reports the time left rounded up to
 * a microsecond (an armed timer never reads as zero). The timer survives
 * execve and is not inherited by fork (the child starts disarmed). The
 * CPU-time timers ITIMER_VIRTUAL and ITIMER_PROF are not implemented:
 * -EINVAL, like an unknown timer.
 *
 * Invariant: it_real.expires != 0 exactly when the setting is armed; the
 * event may still fire for a setting that has since changed (it had left
 * the timer list when setitimer ran): the callback ignores it unless the
 * current setting is due and the event is not armed again.
 * Locking: proc_lock protects p->it_real (expires, interval) and orders
 * setitimer against the callback; lock order proc_lock -> timer base
 * lock (timer_arm/timer_cancel under proc_lock). At exit the setting is
 * cleared under proc_lock, then timer_cancel_sync (without proc_lock,
 * which the callback takes) waits out a callback already running, so the
 * process can be freed. */
#include <rayos/time.h>
#include <rayos/uaccess.h>
#include "internal.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct utimeval {
	s64 sec, usec;
};
struct uitimerval {
	struct utimeval interval, value;
};

static void it_real_fire(struct timer_event *ev)
{
	struct process *p = container_of(ev, struct process, it_real.ev);
	u64 now = clock_monotonic_ns();
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	u64 exp = p->it_real.expires;
	if (exp && exp <= now && !ev->armed && p->state == PROC_ALIVE) {
		struct ksiginfo si = { .signo = SIGALRM, .code = SI_KERNEL };
		signal_send(p, NULL, SIGALRM, &si);
		u64 iv = p->it_real.interval;
		if (iv) {
			exp += ((now - exp) / iv + 1) * iv;
			p->it_real.expires = exp;
			timer_arm(ev, exp);
		} else {
			p->it_real.expires = 0;
		}
	}
	spin_unlock_irqrestore(&proc_lock, f);
}

static u64 tv_to_ns(const struct utimeval *tv)
{
	return (u64)tv->sec * NSEC_PER_SEC + (u64)tv->usec * 1000;
}

static void ns_to_tv(u64 ns, struct utimeval *tv)
{
	tv->sec = (s64)(ns / NSEC_PER_SEC);
	tv->usec = (s64)(ns % NSEC_PER_SEC / 1000);
}

/* The current setting of p's ITIMER_REAL (proc_lock held). */
static void it_real_get_locked(struct process *p, u64 now, struct uitimerval *out)
{
	u64 left = 0;
	if (p->it_real.expires) {
		left = p->it_real.expires > now ? p->it_real.expires - now : 0;
		left = (left + 999) / 1000 * 1000; /* up to a microsecond */
		if (!left)
			left = 1000;
	}
	ns_to_tv(left, &out->value);
	ns_to_tv(p->it_real.interval, &out->interval);
}

/* Replace p's ITIMER_REAL setting by (value, interval) ns, value 0 =
 * disarm; the old setting in *old. */
static void it_real_set(struct process *p, u64 value, u64 interval, struct uitimerval *old)
{
	u64 now = clock_monotonic_ns();
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	it_real_get_locked(p, now, old);
	if (!p->it_real.ev.fn)
		p->it_real.ev.fn = it_real_fire;
	timer_cancel(&p->it_real.ev);
	p->it_real.interval = value ? interval : 0;
	p->it_real.expires = value ? now + value : 0;
	if (value)
		timer_arm(&p->it_real.ev, p->it_real.expires);
	spin_unlock_irqrestore(&proc_lock, f);
}

void itimer_exit(struct process *p)
{
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	p->it_real.expires = 0;
	p->it_real.interval = 0;
	spin_unlock_irqrestore(&proc_lock, f);
	if (p->it_real.ev.fn)
		timer_cancel_sync(&p->it_real.ev);
}

static bool tv_valid(const struct utimeval *tv)
{
	/* sec bounded so that ns arithmetic cannot overflow (about 292 years) */
	return tv->sec >= 0 && tv->sec <= (s64)(~0ULL / 2 / NSEC_PER_SEC) - 1 && tv->usec >= 0 &&
	       tv->usec < 1000000;
}

static long sys_setitimer(u64 which, u64 unew, u64 uold)
{
	struct uitimerval nv = { 0 }, ov = { 0 };
	if (unew && copy_from_user(&nv, (const void __user *)unew, sizeof(nv)))
		return -EFAULT;
	if (which != ITIMER_REAL)
		return -EINVAL;
	if (!tv_valid(&nv.value) || !tv_valid(&nv.interval))
		return -EINVAL;
	/* the old value's buffer must be writable before anything changes */
	if (uold && copy_to_user((void __user *)uold, &ov, sizeof(ov)))
		return -EFAULT;
	it_real_set(current_process(), tv_to_ns(&nv.value), tv_to_ns(&nv.interval), &ov);
	if (uold && copy_to_user((void __user *)uold, &ov, sizeof(ov)))
		return -EFAULT;
	return 0;
}
SYSCALL(setitimer, sys_setitimer);

static long sys_getitimer(u64 which, u64 ucur)
{
	if (which != ITIMER_REAL)
		return -EINVAL;
	struct uitimerval cur;
	struct process *p = current_process();
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	it_real_get_locked(p, clock_monotonic_ns(), &cur);
	spin_unlock_irqrestore(&proc_lock, f);
	return copy_to_user((void __user *)ucur, &cur, sizeof(cur)) ? -EFAULT : 0;
}
SYSCALL(getitimer, sys_getitimer);

/* alarm(seconds): ITIMER_REAL without interval; returns the seconds that
 * were left, rounded to the nearest second but never 0 for an armed timer
 * (Linux's alarm_setitimer). */
static long sys_alarm(u64 secs)
{
	struct uitimerval ov;
	it_real_set(current_process(), (u64)(u32)secs * NSEC_PER_SEC, 0, &ov);
	long left = ov.value.sec;
	if ((!left && ov.value.usec) || ov.value.usec >= 500000)
		left++;
	return left;
}
SYSCALL(alarm, sys_alarm);
