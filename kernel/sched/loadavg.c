/* loadavg.c — the 1/5/15-minute load averages (include/rayos/loadavg.h),
 * sampled every 5 s by a timer event that re-arms itself, in fixed point
 * exactly as Linux's calc_load() (see the header for the formula).
 * It reads nothing of the scheduler but cpu_rq(cpu)->nr_running of each
 * online CPU (a word read without the run-queue lock: a sample).
 * Locking: avenrun[] is written only by the timer callback (one CPU at a
 * time) and read with relaxed atomic loads. */
#include <rayos/loadavg.h>
#include <rayos/percpu.h>
#include <rayos/sched.h>
#include <rayos/thread.h>
#include <rayos/time.h>

static u64 avenrun[3];
static struct timer_event load_timer;

u64 loadavg_calc(u64 load, u64 exp, u64 active)
{
	u64 n = load * exp + active * (LOAD_FIXED_1 - exp);
	if (active >= load)
		n += LOAD_FIXED_1 - 1;
	return n / LOAD_FIXED_1;
}

void loadavg_fold(u64 avg[3], u64 nr)
{
	u64 active = nr * LOAD_FIXED_1;
	avg[0] = loadavg_calc(avg[0], LOAD_EXP_1, active);
	avg[1] = loadavg_calc(avg[1], LOAD_EXP_5, active);
	avg[2] = loadavg_calc(avg[2], LOAD_EXP_15, active);
}

static void load_sample(struct timer_event *ev)
{
	u64 nr = 0;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (cpus[c].online && cpu_rq(c))
			nr += READ_ONCE(cpu_rq(c)->nr_running);
	u64 avg[3];
	for (int i = 0; i < 3; i++)
		avg[i] = __atomic_load_n(&avenrun[i], __ATOMIC_RELAXED);
	loadavg_fold(avg, nr);
	for (int i = 0; i < 3; i++)
		__atomic_store_n(&avenrun[i], avg[i], __ATOMIC_RELAXED);
	timer_arm(ev, ev->deadline_ns + LOAD_FREQ_NS);
}

void loadavg_init(void)
{
	load_timer.fn = load_sample;
	timer_arm(&load_timer, clock_monotonic_ns() + LOAD_FREQ_NS);
}

void loadavg_get(u64 out[3])
{
	for (int i = 0; i < 3; i++)
		out[i] = __atomic_load_n(&avenrun[i], __ATOMIC_RELAXED);
}
