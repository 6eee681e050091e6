/* test_time.c — tests kernel/time.c: cycles_to_ns against exact 128-bit
 * arithmetic for rates from 1 Hz to 4 GHz and cycle counts up to 2^64-1;
 * the monotonic and wall clocks with a fake clocksource; calendar
 * conversion (round trips over +-10000 years, a day-by-day walk over
 * 1600..2400, leap days, negative times, and the host's timegm/gmtime_r as
 * a second opinion); timer events with a fake timer_device that records
 * every programmed deadline: deadline order, never early, the device always
 * programmed for the current head, callbacks that re-arm or cancel, and a
 * randomized sequence (fixed seed) against a model; timer_cancel_sync
 * waiting for a callback running in another thread; udelay. */
#define _GNU_SOURCE /* timegm */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include <rayos/time.h>
#include <rayos/string.h>
#include "shim.h"

static u64 rng = 0x7153a4b3c2d1e0f9ULL;
static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* ---- fake clocksource ---- */

static u64 fake_now, fake_step;
static u64 fake_read(void)
{
	u64 t = fake_now;
	fake_now += fake_step;
	return t;
}
static const struct clocksource fake_cs = { .name = "fake", .read_ns = fake_read };

/* Runs first: the state before any clock exists. */
static void test_uncalibrated_defaults(void **state)
{
	(void)state;
	assert_null(clock_current());
	assert_int_equal(clock_monotonic_ns(), 0);
	assert_int_equal(clock_cycle_rate(), 0);
	assert_string_equal(clock_calibration_source(), "none");
	assert_int_equal(cycles_to_ns(123456789), 0); /* no rate yet */
	assert_int_equal(clock_wall_seconds(), -1);   /* no RTC reading yet */
	clock_set_cycle_rate(0, "bogus");             /* ignored */
	assert_int_equal(clock_cycle_rate(), 0);
	assert_string_equal(clock_calibration_source(), "none");
	assert_null(timer_device_current());
}

/* ---- cycles_to_ns ---- */

static void check_rate(u64 hz)
{
	clock_set_cycle_rate(hz, "test");
	assert_int_equal(clock_cycle_rate(), hz);
	assert_string_equal(clock_calibration_source(), "test");
	/* the largest count whose time still fits 64 bits */
	unsigned __int128 maxc = ((unsigned __int128)UINT64_MAX * hz) / NSEC_PER_SEC;
	u64 limit = maxc > UINT64_MAX ? UINT64_MAX : (u64)maxc;
	u64 samples[4 + 64 + 4000];
	size_t n = 0;
	samples[n++] = 0;
	samples[n++] = 1;
	samples[n++] = hz;
	samples[n++] = limit;
	for (int s = 0; s < 64; s++)
		samples[n++] = (1ULL << s) <= limit ? 1ULL << s : limit;
	for (int i = 0; i < 4000; i++) {
		u64 bound = limit / (1 + rnd() % 4), x = rnd() >> (rnd() % 64);
		samples[n++] = bound == UINT64_MAX ? x : x % (bound + 1);
	}
	for (size_t i = 0; i < n; i++) {
		u64 c = samples[i];
		u64 got = cycles_to_ns(c);
		unsigned __int128 exact = (unsigned __int128)c * NSEC_PER_SEC / hz;
		/* 32.32 fixed point: never above the exact value, and below it by
		 * at most c / 2^32 ns (one part in 2^32 of the rate) plus rounding */
		if (got > exact || exact - got > (c >> 32) + 1)
			fail_msg("hz %llu cycles %llu: %llu ns, exact %llu", (unsigned long long)hz,
				 (unsigned long long)c, (unsigned long long)got, (unsigned long long)exact);
	}
	/* one second of cycles is one second, to the nanosecond for these rates */
	u64 one = cycles_to_ns(hz);
	assert_true(one <= NSEC_PER_SEC && NSEC_PER_SEC - one <= 1);
	/* monotonic in the count */
	u64 prev = 0;
	for (u64 c = 0; c < 100000; c += 1 + c / 7) {
		u64 t = cycles_to_ns(c);
		assert_true(t >= prev);
		prev = t;
	}
}

static void test_cycles_to_ns(void **state)
{
	(void)state;
	static const u64 rates[] = {
		1, 1000, 32768, 1193182, 3579545, 14318180, 19200000, 100000000, 999999999,
		1000000000, 1000000001, 1500000000, 2112003000, 2400000000ULL, 2893437000ULL,
		3000000000ULL, 3333333333ULL, 3999999999ULL, 4000000000ULL, 4294967296ULL, 5000000000ULL,
	};
	for (size_t i = 0; i < ARRAY_SIZE(rates); i++)
		check_rate(rates[i]);
	/* concrete values */
	clock_set_cycle_rate(3000000000ULL, "test");
	assert_int_equal(cycles_to_ns(3000000000ULL), 1000000000ULL - 1); /* mult rounds down */
	assert_int_equal(cycles_to_ns(3), 0);
	/* ten years of a 3 GHz counter: no overflow, error below one part in 10^9 */
	clock_set_cycle_rate(3000000000ULL, "test");
	u64 ten_years = 3000000000ULL * 86400 * 3653;
	u64 ns = cycles_to_ns(ten_years);
	u64 exact = 1000000000ULL * 86400 * 3653;
	assert_true(ns <= exact && exact - ns < exact / 1000000000ULL);
	clock_set_cycle_rate(1000000000ULL, "test");
	assert_int_equal(cycles_to_ns(UINT64_MAX), UINT64_MAX); /* 1 GHz: identity */
}

/* ---- monotonic and wall clock ---- */

static void test_monotonic_and_wall(void **state)
{
	(void)state;
	fake_now = 5 * NSEC_PER_SEC;
	fake_step = 0;
	clock_register(&fake_cs);
	assert_ptr_equal(clock_current(), &fake_cs);
	assert_int_equal(clock_monotonic_ns(), 5 * NSEC_PER_SEC);

	clock_set_wall_base(1700000000);
	assert_int_equal(clock_wall_seconds(), 1700000000);
	fake_now += NSEC_PER_SEC - 1;
	assert_int_equal(clock_wall_seconds(), 1700000000); /* whole seconds only */
	fake_now += 1;
	assert_int_equal(clock_wall_seconds(), 1700000001);
	fake_now += 86400 * NSEC_PER_SEC;
	assert_int_equal(clock_wall_seconds(), 1700000001 + 86400);
	clock_set_wall_base(0); /* the epoch itself is a valid reading */
	assert_int_equal(clock_wall_seconds(), 0);
}

static void test_udelay(void **state)
{
	(void)state;
	fake_now = 1000;
	fake_step = 100; /* each read advances 100 ns */
	clock_register(&fake_cs);
	udelay(5);
	assert_true(fake_now >= 1000 + 5000);
	assert_true(fake_now <= 1000 + 5000 + 300);
	u64 before = fake_now;
	udelay(0);
	assert_true(fake_now - before <= 200);
	fake_step = 0;
}

/* ---- calendar ---- */

static void tm_of(s64 t, struct tm_simple *tm) { time_unix_to_tm(t, tm); }

#define ASSERT_TM(t, y, mo, d, h, mi, s) do { struct tm_simple _tm; tm_of((t), &_tm);          \
	if (_tm.year != (y) || _tm.mon != (mo) || _tm.mday != (d) || _tm.hour != (h) ||          \
	    _tm.min != (mi) || _tm.sec != (s))                                                   \
		fail_msg("%lld -> %d-%02d-%02d %02d:%02d:%02d, want %d-%02d-%02d %02d:%02d:%02d", \
			 (long long)(t), _tm.year, _tm.mon, _tm.mday, _tm.hour, _tm.min, _tm.sec,    \
			 (y), (mo), (d), (h), (mi), (s));                                             \
	assert_int_equal(time_tm_to_unix(&_tm), (t)); } while (0)

static void test_calendar_fixed_points(void **state)
{
	(void)state;
	ASSERT_TM(0, 1970, 1, 1, 0, 0, 0);
	ASSERT_TM(-1, 1969, 12, 31, 23, 59, 59);
	ASSERT_TM(-86400, 1969, 12, 31, 0, 0, 0);
	ASSERT_TM(-86401, 1969, 12, 30, 23, 59, 59);
	ASSERT_TM(951782400, 2000, 2, 29, 0, 0, 0);    /* 2000 is a leap year (÷400) */
	ASSERT_TM(951868800, 2000, 3, 1, 0, 0, 0);
	ASSERT_TM(4107542400LL, 2100, 3, 1, 0, 0, 0);  /* 2100 is not (÷100) */
	ASSERT_TM(4107542399LL, 2100, 2, 28, 23, 59, 59);
	ASSERT_TM(-2203891200LL, 1900, 3, 1, 0, 0, 0); /* nor 1900 */
	ASSERT_TM(-2203891201LL, 1900, 2, 28, 23, 59, 59);
	ASSERT_TM(1078012800, 2004, 2, 29, 0, 0, 0);
	ASSERT_TM(2147483647, 2038, 1, 19, 3, 14, 7);
	ASSERT_TM(2147483648LL, 2038, 1, 19, 3, 14, 8);
	ASSERT_TM(-2147483648LL, 1901, 12, 13, 20, 45, 52);
	ASSERT_TM(1700000000, 2023, 11, 14, 22, 13, 20);
	ASSERT_TM(253402300799LL, 9999, 12, 31, 23, 59, 59);
	ASSERT_TM(-62135596800LL, 1, 1, 1, 0, 0, 0);
	ASSERT_TM(-62167219200LL, 0, 1, 1, 0, 0, 0);    /* year 0 (1 BC), a leap year */
	ASSERT_TM(-62162035200LL, 0, 3, 1, 0, 0, 0);
	ASSERT_TM(-62162035201LL, 0, 2, 29, 23, 59, 59);
	ASSERT_TM(-62167305600LL, -1, 12, 31, 0, 0, 0);
}

/* Walks day by day from 1600-01-01 to 2400-12-31 with a calendar of its own. */
static void test_calendar_walk(void **state)
{
	(void)state;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm_simple start = { 1600, 1, 1, 0, 0, 0 };
	s64 t = time_tm_to_unix(&start);
	int leap_days = 0;
	for (int y = 1600; y <= 2400; y++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (int m = 1; m <= 12; m++) {
			int nd = mdays[m - 1] + (m == 2 && leap);
			for (int d = 1; d <= nd; d++) {
				struct tm_simple tm;
				s64 when = t + (s64)(rnd() % 86400);
				time_unix_to_tm(when, &tm);
				if (tm.year != y || tm.mon != m || tm.mday != d)
					fail_msg("%lld: %d-%d-%d, want %d-%d-%d", (long long)when, tm.year, tm.mon,
						 tm.mday, y, m, d);
				assert_int_equal(tm.hour * 3600 + tm.min * 60 + tm.sec, when - t);
				struct tm_simple midnight = { y, m, d, 0, 0, 0 };
				assert_int_equal(time_tm_to_unix(&midnight), t);
				leap_days += m == 2 && d == 29;
				t += 86400;
			}
		}
	}
	assert_int_equal(leap_days, 195); /* 201 multiples of 4, minus 1700 1800 1900 2100 2200 2300 */
	struct tm_simple end = { 2401, 1, 1, 0, 0, 0 };
	assert_int_equal(time_tm_to_unix(&end), t);
}

static void test_calendar_random_vs_libc(void **state)
{
	(void)state;
	const s64 span = 10000LL * 366 * 86400; /* +-10000 years */
	for (int i = 0; i < 200000; i++) {
		s64 t = (s64)(rnd() % (u64)(2 * span)) - span;
		if (i % 4 == 0)
			t = (s64)(rnd() % (200LL * 366 * 86400)) - 100LL * 366 * 86400; /* near 1970 */
		struct tm_simple tm;
		time_unix_to_tm(t, &tm);
		assert_int_equal(time_tm_to_unix(&tm), t);
		assert_true(tm.mon >= 1 && tm.mon <= 12 && tm.mday >= 1 && tm.mday <= 31);
		assert_true(tm.hour >= 0 && tm.hour < 24 && tm.min >= 0 && tm.min < 60 && tm.sec >= 0 && tm.sec < 60);
		time_t tt = (time_t)t;
		struct tm ref;
		assert_non_null(gmtime_r(&tt, &ref));
		if (tm.year != ref.tm_year + 1900 || tm.mon != ref.tm_mon + 1 || tm.mday != ref.tm_mday ||
		    tm.hour != ref.tm_hour || tm.min != ref.tm_min || tm.sec != ref.tm_sec)
			fail_msg("%lld: %d-%d-%d %d:%d:%d, libc %d-%d-%d %d:%d:%d", (long long)t, tm.year, tm.mon,
				 tm.mday, tm.hour, tm.min, tm.sec, ref.tm_year + 1900, ref.tm_mon + 1, ref.tm_mday,
				 ref.tm_hour, ref.tm_min, ref.tm_sec);
		assert_int_equal((s64)timegm(&ref), t);
	}
}

/* ---- timer events ---- */

#define MAX_PROG 4096
static u64 programmed[MAX_PROG];
static size_t nprog;
static void fake_program(u64 deadline)
{
	assert_true(nprog < MAX_PROG);
	programmed[nprog++] = deadline;
}
static const struct timer_device fake_dev = { .name = "fake-oneshot", .program = fake_program };

static u64 last_programmed(void)
{
	assert_true(nprog > 0);
	return programmed[nprog - 1];
}

struct probe {
	struct timer_event ev;
	int id;
	int fired;
	u64 fired_at;       /* "now" of the timer_expire that ran it */
	u64 rearm_delta;    /* re-arm this far past its deadline, this many times */
	int rearm_count;
	struct probe *cancel_other;
	struct probe *arm_other;
	u64 arm_other_at;
};

static int order[64];
static int norder;
static u64 expire_now;

static void probe_fn(struct timer_event *ev)
{
	struct probe *p = container_of(ev, struct probe, ev);
	assert_false(ev->armed);                      /* unlinked before the call */
	assert_true(ev->deadline_ns <= expire_now);   /* never early */
	assert_int_equal(shim_irq_nesting(), 0);      /* timer lock released */
	p->fired++;
	p->fired_at = expire_now;
	if (norder < (int)ARRAY_SIZE(order))
		order[norder++] = p->id;
	if (p->rearm_count > 0) {
		p->rearm_count--;
		timer_arm(ev, ev->deadline_ns + p->rearm_delta);
	}
	if (p->cancel_other)
		timer_cancel(&p->cancel_other->ev);
	if (p->arm_other)
		timer_arm(&p->arm_other->ev, p->arm_other_at);
}

static struct probe probes[8];

static int timer_setup(void **state)
{
	(void)state;
	memset(probes, 0, sizeof(probes));
	for (int i = 0; i < 8; i++) {
		probes[i].id = i;
		probes[i].ev.fn = probe_fn;
	}
	norder = 0;
	nprog = 0;
	timer_device_register(&fake_dev);
	shim_irq_reset(true);
	return 0;
}

static int timer_teardown(void **state)
{
	(void)state;
	expire_now = UINT64_MAX;
	for (int i = 0; i < 8; i++)
		timer_cancel(&probes[i].ev);
	assert_int_equal(timer_expire(UINT64_MAX), 0);
	return 0;
}

/* What the arch does in its timer interrupt. */
static u64 expire(u64 now)
{
	expire_now = now;
	u64 next = timer_expire(now);
	fake_program(next);
	assert_int_equal(shim_irq_nesting(), 0);
	assert_true(shim_irq_state());
	return next;
}

static void test_timer_order_and_programming(void **state)
{
	(void)state;
	assert_ptr_equal(timer_device_current(), &fake_dev);
	timer_arm(&probes[0].ev, 300);
	assert_int_equal(last_programmed(), 300);
	timer_arm(&probes[1].ev, 100); /* new head */
	assert_int_equal(last_programmed(), 100);
	size_t before = nprog;
	timer_arm(&probes[2].ev, 200); /* not the head: no reprogramming needed */
	assert_int_equal(nprog, before);
	assert_int_equal(last_programmed(), 100);
	timer_arm(&probes[3].ev, 200); /* same deadline: after the first */
	assert_true(probes[3].ev.armed);
	assert_int_equal(shim_irq_nesting(), 0);

	/* nothing fires early */
	assert_int_equal(expire(99), 100);
	assert_int_equal(norder, 0);
	assert_int_equal(expire(100), 200);
	assert_int_equal(norder, 1);
	assert_int_equal(order[0], 1);
	assert_false(probes[1].ev.armed);
	/* late interrupt: everything due runs, in deadline order, FIFO on ties */
	assert_int_equal(expire(1000), 0);
	assert_int_equal(norder, 4);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 3);
	assert_int_equal(order[3], 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(probes[i].fired, 1);
	assert_int_equal(expire(5000), 0); /* nothing left */
	assert_int_equal(norder, 4);
}

static void test_timer_cancel(void **state)
{
	(void)state;
	timer_arm(&probes[0].ev, 100);
	timer_arm(&probes[1].ev, 200);
	timer_arm(&probes[2].ev, 300);
	size_t before = nprog;
	timer_cancel(&probes[1].ev); /* not the head: no reprogramming */
	assert_int_equal(nprog, before);
	assert_false(probes[1].ev.armed);
	timer_cancel(&probes[0].ev); /* the head: the device moves to the next */
	assert_int_equal(last_programmed(), 300);
	timer_cancel(&probes[0].ev); /* twice: harmless */
	timer_cancel(&probes[7].ev); /* never armed: harmless */
	timer_cancel(&probes[2].ev); /* the last: the device stops */
	assert_int_equal(last_programmed(), 0);
	assert_int_equal(expire(10000), 0);
	assert_int_equal(norder, 0);
	assert_int_equal(shim_irq_nesting(), 0);
}

/* timer_cancel_sync against a callback in flight: one thread runs
 * timer_expire, whose callback holds on until released; a second thread's
 * timer_cancel_sync must not return before the callback has (its owner
 * frees the event right after: a thread's sleep timer). */
static int sync_in_cb, sync_release, sync_cb_done, sync_returned, sync_saw_done;
static void slow_cb(struct timer_event *ev)
{
	(void)ev;
	__atomic_store_n(&sync_in_cb, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sync_release, __ATOMIC_SEQ_CST))
		usleep(100);
	__atomic_store_n(&sync_cb_done, 1, __ATOMIC_SEQ_CST);
}

static struct timer_event sync_ev = { .fn = slow_cb };

static void *run_expire(void *arg)
{
	(void)arg;
	timer_expire(1000);
	return NULL;
}

static void *run_cancel_sync(void *arg)
{
	(void)arg;
	timer_cancel_sync(&sync_ev);
	__atomic_store_n(&sync_saw_done, __atomic_load_n(&sync_cb_done, __ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);
	__atomic_store_n(&sync_returned, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_timer_cancel_sync_waits_for_callback(void **state)
{
	(void)state;
	timer_cancel_sync(&probes[7].ev); /* never armed, never ran: returns */
	timer_arm(&probes[0].ev, 100);
	timer_cancel_sync(&probes[0].ev); /* armed: cancelled, like timer_cancel */
	assert_false(probes[0].ev.armed);
	assert_int_equal(expire(10000), 0);
	assert_int_equal(probes[0].fired, 0);

	timer_arm(&sync_ev, 500);
	pthread_t ex, ca;
	assert_int_equal(pthread_create(&ex, NULL, run_expire, NULL), 0);
	for (int i = 0; i < 20000 && !__atomic_load_n(&sync_in_cb, __ATOMIC_SEQ_CST); i++)
		usleep(100);
	assert_true(__atomic_load_n(&sync_in_cb, __ATOMIC_SEQ_CST));
	assert_false(sync_ev.armed); /* unlinked: timer_cancel alone returns at once */
	assert_int_equal(pthread_create(&ca, NULL, run_cancel_sync, NULL), 0);
	usleep(50000);
	assert_false(__atomic_load_n(&sync_returned, __ATOMIC_SEQ_CST)); /* still waiting */
	__atomic_store_n(&sync_release, 1, __ATOMIC_SEQ_CST);
	pthread_join(ex, NULL);
	pthread_join(ca, NULL);
	assert_true(sync_returned);
	assert_true(sync_saw_done); /* returned only after the callback did */
	timer_cancel_sync(&sync_ev); /* nothing in flight any more: at once */
	shim_irq_reset(true); /* two threads shared the shim's IRQ counters */
}

static void test_timer_rearm_moves_head(void **state)
{
	(void)state;
	timer_arm(&probes[0].ev, 100);
	timer_arm(&probes[1].ev, 200);
	assert_int_equal(last_programmed(), 100);
	/* re-arming the head later: the head is now probe 1 */
	timer_arm(&probes[0].ev, 500);
	assert_int_equal(last_programmed(), 200);
	/* re-arming a later event earlier: it becomes the head */
	timer_arm(&probes[0].ev, 50);
	assert_int_equal(last_programmed(), 50);
	/* re-arming in place keeps one entry */
	timer_arm(&probes[0].ev, 50);
	assert_int_equal(expire(1000), 0);
	assert_int_equal(norder, 2);
	assert_int_equal(probes[0].fired, 1);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
}

static void test_timer_callbacks_rearm_and_cancel(void **state)
{
	(void)state;
	/* periodic: re-arms itself 3 times, 100 ns apart */
	probes[0].rearm_delta = 100;
	probes[0].rearm_count = 3;
	timer_arm(&probes[0].ev, 100);
	assert_int_equal(expire(100), 200);
	assert_int_equal(last_programmed(), 200);
	assert_int_equal(expire(250), 300);
	assert_int_equal(probes[0].fired, 2);
	/* late by several periods: catches up within one expire, in order */
	assert_int_equal(expire(10000), 0);
	assert_int_equal(probes[0].fired, 4);
	assert_false(probes[0].ev.armed);

	/* a callback cancels a later event that is also due: it does not run */
	norder = 0;
	probes[1].cancel_other = &probes[2];
	timer_arm(&probes[1].ev, 10);
	timer_arm(&probes[2].ev, 20);
	timer_arm(&probes[3].ev, 30);
	assert_int_equal(expire(30), 0);
	assert_int_equal(probes[1].fired, 1);
	assert_int_equal(probes[2].fired, 0);
	assert_int_equal(probes[3].fired, 1);

	/* a callback arms another event: due ones run now, others later */
	norder = 0;
	probes[4].arm_other = &probes[5];
	probes[4].arm_other_at = 45;
	timer_arm(&probes[4].ev, 40);
	probes[6].arm_other = &probes[7];
	probes[6].arm_other_at = 5000;
	timer_arm(&probes[6].ev, 41);
	assert_int_equal(expire(50), 5000);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 4);
	assert_int_equal(order[1], 6);
	assert_int_equal(order[2], 5);
	assert_int_equal(probes[7].fired, 0);
	assert_true(probes[7].ev.armed);
	assert_int_equal(expire(4999), 5000);
	assert_int_equal(expire(5000), 0);
	assert_int_equal(probes[7].fired, 1);
}

static void test_timer_without_device(void **state)
{
	(void)state;
	timer_device_register(NULL);
	timer_arm(&probes[0].ev, 10);
	timer_cancel(&probes[0].ev);
	timer_arm(&probes[0].ev, 10);
	expire_now = 10;
	assert_int_equal(timer_expire(10), 0);
	assert_int_equal(probes[0].fired, 1);
	assert_int_equal(nprog, 0);
	timer_device_register(&fake_dev);
}

/* Random arm/cancel/expire against a model: the device always holds the
 * earliest armed deadline, events fire in (deadline, arm order) order. */
#define RN 24
static struct probe rprobes[RN];
static u64 model_deadline[RN];
static u64 model_seq[RN];
static bool model_armed[RN];
static int rorder[RN * 4];
static int nrorder;

static void rprobe_fn(struct timer_event *ev)
{
	struct probe *p = container_of(ev, struct probe, ev);
	assert_true(ev->deadline_ns <= expire_now);
	p->fired++;
	if (nrorder < (int)ARRAY_SIZE(rorder))
		rorder[nrorder++] = p->id;
}

static u64 model_head(void)
{
	u64 best = 0;
	bool any = false;
	for (int i = 0; i < RN; i++)
		if (model_armed[i] && (!any || model_deadline[i] < best))
			best = model_deadline[i], any = true;
	return any ? best : 0;
}

static void test_timer_random_vs_model(void **state)
{
	(void)state;
	memset(rprobes, 0, sizeof(rprobes));
	memset(model_armed, 0, sizeof(model_armed));
	for (int i = 0; i < RN; i++) {
		rprobes[i].id = i;
		rprobes[i].ev.fn = rprobe_fn;
	}
	u64 now = 1000, seq = 0;
	for (int step = 0; step < 20000; step++) {
		u64 r = rnd();
		int i = (int)(r % RN);
		switch ((r >> 8) % 4) {
		case 0:
		case 1: {
			u64 d = now + (r >> 16) % 2000; /* often equal deadlines */
			if ((r >> 40) % 4 == 0)
				d = now + 500;
			timer_arm(&rprobes[i].ev, d);
			model_deadline[i] = d;
			model_seq[i] = seq++;
			model_armed[i] = true;
			break;
		}
		case 2:
			timer_cancel(&rprobes[i].ev);
			model_armed[i] = false;
			break;
		default: {
			now += (r >> 16) % 700;
			/* what must fire, in order */
			int want[RN], nwant = 0;
			for (;;) {
				int best = -1;
				for (int k = 0; k < RN; k++)
					if (model_armed[k] && model_deadline[k] <= now &&
					    (best < 0 || model_deadline[k] < model_deadline[best] ||
					     (model_deadline[k] == model_deadline[best] && model_seq[k] < model_seq[best])))
						best = k;
				if (best < 0)
					break;
				want[nwant++] = best;
				model_armed[best] = false;
			}
			nrorder = 0;
			assert_int_equal(expire(now), model_head());
			assert_int_equal(nrorder, nwant);
			for (int k = 0; k < nwant; k++)
				assert_int_equal(rorder[k], want[k]);
		}
		}
		for (int k = 0; k < RN; k++)
			assert_int_equal(rprobes[k].ev.armed, model_armed[k]);
		if (nprog)
			assert_int_equal(last_programmed(), model_head());
		if (nprog > MAX_PROG - 16)
			nprog = 1, programmed[0] = model_head();
		assert_int_equal(shim_irq_nesting(), 0);
	}
	for (int i = 0; i < RN; i++)
		timer_cancel(&rprobes[i].ev);
	assert_int_equal(last_programmed(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncalibrated_defaults),
		cmocka_unit_test(test_cycles_to_ns),
		cmocka_unit_test(test_monotonic_and_wall),
		cmocka_unit_test(test_udelay),
		cmocka_unit_test(test_calendar_fixed_points),
		cmocka_unit_test(test_calendar_walk),
		cmocka_unit_test(test_calendar_random_vs_libc),
		cmocka_unit_test_setup_teardown(test_timer_order_and_programming, timer_setup, timer_teardown),
		cmocka_unit_test_setup_teardown(test_timer_cancel, timer_setup, timer_teardown),
		cmocka_unit_test_setup_teardown(test_timer_cancel_sync_waits_for_callback, timer_setup,
						timer_teardown),
		cmocka_unit_test_setup_teardown(test_timer_rearm_moves_head, timer_setup, timer_teardown),
		cmocka_unit_test_setup_teardown(test_timer_callbacks_rearm_and_cancel, timer_setup, timer_teardown),
		cmocka_unit_test_setup_teardown(test_timer_without_device, timer_setup, timer_teardown),
		cmocka_unit_test_setup_teardown(test_timer_random_vs_model, timer_setup, timer_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
