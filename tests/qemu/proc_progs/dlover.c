/* dlover.c — SCHED_DEADLINE with SCHED_FLAG_DL_OVERRUN: a thread that keeps
 * running past its runtime (2 ms every 20 ms) is throttled by the CBS and
 * gets SIGXCPU each time. Also sched_getattr returns the parameters.
 * Prints "dlover: N SIGXCPU, cpu X ms in Y ms" and exits 0 when N >= 1. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static volatile int got;

static void on_xcpu(int sig)
{
	(void)sig;
	got++;
}

static uint64_t ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(void)
{
	struct sched_attr a, b;
	signal(SIGXCPU, on_xcpu);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_policy = 6; /* SCHED_DEADLINE */
	a.sched_flags = 0x04; /* SCHED_FLAG_DL_OVERRUN */
	a.sched_runtime = 2000000;
	a.sched_deadline = a.sched_period = 20000000;
	if (syscall(SYS_sched_setattr, 0, &a, 0)) {
		perror("dlover: sched_setattr");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	if (syscall(SYS_sched_getattr, 0, &b, sizeof(b), 0) || b.sched_policy != 6 ||
	    b.sched_runtime != a.sched_runtime || b.sched_period != a.sched_period) {
		fprintf(stderr, "dlover: sched_getattr gave policy %u runtime %llu period %llu\n",
			b.sched_policy, (unsigned long long)b.sched_runtime, (unsigned long long)b.sched_period);
		return 3;
	}
	uint64_t w0 = ns(CLOCK_MONOTONIC), c0 = ns(CLOCK_THREAD_CPUTIME_ID);
	while (ns(CLOCK_MONOTONIC) - w0 < 200000000ull)
		;
	uint64_t cpu = ns(CLOCK_THREAD_CPUTIME_ID) - c0, wall = ns(CLOCK_MONOTONIC) - w0;
	printf("dlover: %d SIGXCPU, cpu %llu ms in %llu ms\n", got, (unsigned long long)(cpu / 1000000),
	       (unsigned long long)(wall / 1000000));
	return got >= 1 ? 0 : 1;
}
