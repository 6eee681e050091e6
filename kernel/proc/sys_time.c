/* sys_time.c — clocks and sleeps: clock_gettime, clock_getres,
 * clock_nanosleep, nanosleep, gettimeofday, time.
 *
 * Clocks: MONOTONIC, MONOTONIC_RAW and BOOTTIME read the kernel's monotonic
 * clock (the machine never suspends, so BOOTTIME = MONOTONIC); REALTIME is
 * the RTC time at boot plus monotonic time (clock_realtime_ns). The
 * *_COARSE variants read the same clocks (so clock_getres reports the
 * same 1 ns resolution: that is what they deliver). PROCESS_CPUTIME_ID and
 * THREAD_CPUTIME_ID are the scheduler's sum_exec (plus the running
 * thread's current turn). Sleeps are interruptible by signals (-EINTR,
 * with the remaining time for relative sleeps). */
#include <rayos/time.h>
#include <rayos/uaccess.h>
#include "internal.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1

/* The clock's value in ns, or -EINVAL. */
static s64 clock_read(u64 id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return clock_realtime_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return (s64)clock_monotonic_ns();
	case CLOCK_THREAD_CPUTIME_ID:
		return (s64)thread_cpu_ns(current_thread());
	case CLOCK_PROCESS_CPUTIME_ID: {
		struct process *p = current_process();
		irqflags_t f = spin_lock_irqsave(&proc_lock);
		u64 ns = proc_cpu_ns(p);
		spin_unlock_irqrestore(&proc_lock, f);
		/* the running thread's current turn */
		return (s64)(ns - READ_ONCE(current_thread()->sum_exec) + thread_cpu_ns(current_thread()));
	}
	default:
		return -EINVAL;
	}
}

static int put_timespec(u64 uts, s64 ns)
{
	s64 ts[2] = { ns / (s64)NSEC_PER_SEC, ns % (s64)NSEC_PER_SEC };
	return copy_to_user((void __user *)uts, ts, sizeof(ts));
}

static int get_timespec(u64 uts, u64 *ns)
{
	s64 ts[2];
	if (copy_from_user(ts, (const void __user *)uts, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	if ((u64)ts[0] > (~0ULL / 2) / NSEC_PER_SEC)
		*ns = ~0ULL / 2;
	else
		*ns = (u64)ts[0] * NSEC_PER_SEC + (u64)ts[1];
	return 0;
}

static long sys_clock_gettime(u64 id, u64 uts)
{
	s64 ns = clock_read(id);
	if (ns < 0)
		return -EINVAL;
	return put_timespec(uts, ns) ? -EFAULT : 0;
}
SYSCALL(clock_gettime, sys_clock_gettime);

static long sys_clock_getres(u64 id, u64 uts)
{
	if (clock_read(id) < 0)
		return -EINVAL;
	if (uts && put_timespec(uts, 1))
		return -EFAULT;
	return 0;
}
SYSCALL(clock_getres, sys_clock_getres);

/* Sleep until the monotonic deadline; on -EINTR, write what is left of a
 * relative sleep to urem. */
static long sleep_common(u64 deadline, u64 urem)
{
	long r = sleep_interruptible_until(deadline);
	if (r == -EINTR && urem) {
		u64 now = clock_monotonic_ns();
		if (put_timespec(urem, deadline > now ? (s64)(deadline - now) : 0))
			return -EFAULT;
	}
	/* restarted (with the full time again) only when no handler runs */
	return r == -EINTR ? -ERESTARTNOHAND : r;
}

static u64 add_sat(u64 a, u64 b) { return a + b < a ? ~0ULL : a + b; }

static long sys_nanosleep(u64 ureq, u64 urem)
{
	u64 ns;
	int r = get_timespec(ureq, &ns);
	if (r)
		return r;
	return sleep_common(add_sat(clock_monotonic_ns(), ns), urem);
}
SYSCALL(nanosleep, sys_nanosleep);

static long sys_clock_nanosleep(u64 id, u64 flags, u64 ureq, u64 urem)
{
	if (id == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (clock_read(id) < 0 || id == CLOCK_PROCESS_CPUTIME_ID)
		return id == CLOCK_PROCESS_CPUTIME_ID ? -EOPNOTSUPP : -EINVAL;
	u64 ns;
	int r = get_timespec(ureq, &ns);
	if (r)
		return r;
	u64 deadline;
	if (flags & TIMER_ABSTIME) {
		if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) {
			s64 rel = (s64)ns - clock_realtime_ns();
			deadline = clock_monotonic_ns() + (rel > 0 ? (u64)rel : 0);
		} else {
			deadline = ns;
		}
		return sleep_common(deadline, 0); /* no remaining time for absolute sleeps */
	}
	return sleep_common(add_sat(clock_monotonic_ns(), ns), urem);
}
SYSCALL(clock_nanosleep, sys_clock_nanosleep);

static long sys_gettimeofday(u64 utv, u64 utz)
{
	if (utv) {
		s64 ns = clock_realtime_ns();
		s64 tv[2] = { ns / (s64)NSEC_PER_SEC, (ns % (s64)NSEC_PER_SEC) / 1000 };
		if (copy_to_user((void __user *)utv, tv, sizeof(tv)))
			return -EFAULT;
	}
	if (utz) {
		s32 tz[2] = { 0, 0 };
		if (copy_to_user((void __user *)utz, tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}
SYSCALL(gettimeofday, sys_gettimeofday);

static long sys_time(u64 utloc)
{
	s64 t = clock_realtime_ns() / (s64)NSEC_PER_SEC;
	if (utloc && put_user_u64((u64 __user *)utloc, (u64)t))
		return -EFAULT;
	return t;
}
SYSCALL(time, sys_time);
