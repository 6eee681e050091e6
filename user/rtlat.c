/* rtlat.c — a cyclictest equivalent (after rt-tests' cyclictest), the
 * Linux-side baseline of `make bench-rt` for RayOS's `rt latency`
 * (kernel/sched/periodic.c): the same measurement, the same output.
 *
 * Usage: rtlat [SECONDS] [--load] [-i INTERVAL_US]   (default 5 s, 1000 us)
 *
 * Method: one thread per online CPU, pinned there (sched_setaffinity) and
 * running SCHED_FIFO 99; each sleeps to the absolute instants start +
 * k * interval (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)) and
 * records now - instant on waking (min, sum, max, a log2 histogram in us).
 * With --load, one SCHED_OTHER process per CPU, pinned there, busy-loops
 * meanwhile (killed at the end). The memory is locked first (mlockall,
 * ignored when refused) so that page faults do not show as latency.
 * Output: "CPU samples min avg max" per CPU, the histogram, then
 *   latency: min X us, avg Y us, max Z us
 * exactly as RayOS's `rt latency` prints it (integer microseconds,
 * truncated). Exit status 1 on a setup failure (it says which).
 *
 * Locking: each measuring thread writes only its own struct lat, read by
 * main after pthread_join. */
#include "ucommon.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define MAX_CPUS 64
#define BUCKETS 20

struct lat {
	int cpu;
	int64_t start, end, interval;
	uint64_t samples, sum, min, max;
	uint64_t hist[BUCKETS];
	int err; /* what setup failed, 0 if none */
};

static int pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void *measure(void *arg)
{
	struct lat *l = arg;
	struct sched_param sp = { .sched_priority = 99 };
	if ((l->err = pin_self(l->cpu)))
		return NULL;
	if ((l->err = -pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)))
		return NULL;
	l->min = UINT64_MAX;
	for (int64_t k = 1;; k++) {
		int64_t at = l->start + k * l->interval;
		if (at > l->end)
			break;
		struct timespec ts = { at / 1000000000, at % 1000000000 };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		int64_t late = now_ns() - at;
		uint64_t d = late > 0 ? (uint64_t)late : 0, us = d / 1000;
		l->samples++;
		l->sum += d;
		if (d < l->min)
			l->min = d;
		if (d > l->max)
			l->max = d;
		int b = us ? 63 - __builtin_clzll(us) : 0;
		l->hist[b < BUCKETS ? b : BUCKETS - 1]++;
	}
	if (!l->samples)
		l->min = 0;
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: rtlat [SECONDS] [--load] [-i INTERVAL_US]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct lat lat[MAX_CPUS];
	pthread_t th[MAX_CPUS];
	pid_t hog[MAX_CPUS] = { 0 };
	long secs = 5, interval_us = 1000;
	int load = 0, pos = 0;
	for (int i = 1; i < argc; i++) {
		char *end;
		if (!strcmp(argv[i], "--load")) {
			load = 1;
		} else if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			interval_us = strtol(argv[++i], &end, 10);
			if (*end || interval_us < 100 || interval_us > 1000000)
				usage();
		} else if (!pos++) {
			secs = strtol(argv[i], &end, 10);
			if (*end || secs < 1 || secs > 3600)
				usage();
		} else {
			usage();
		}
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > MAX_CPUS)
		ncpu = MAX_CPUS;
	mlockall(MCL_CURRENT | MCL_FUTURE); /* best effort */
	if (load) {
		for (int c = 0; c < ncpu; c++) {
			hog[c] = fork();
			if (hog[c] < 0) {
				perror("rtlat: fork");
				return 1;
			}
			if (!hog[c]) {
				pin_self(c);
				for (volatile unsigned long n = 0;; n++)
					;
			}
		}
	}
	int64_t start = now_ns() + 10 * 1000000LL; /* let every thread get ready */
	for (int c = 0; c < ncpu; c++) {
		lat[c] = (struct lat){ .cpu = c, .start = start, .end = start + secs * 1000000000LL,
				       .interval = interval_us * 1000 };
		int r = pthread_create(&th[c], NULL, measure, &lat[c]);
		if (r) {
			fprintf(stderr, "rtlat: pthread_create: %s\n", strerror(r));
			return 1;
		}
	}
	for (int c = 0; c < ncpu; c++)
		pthread_join(th[c], NULL);
	for (int c = 0; c < ncpu; c++) {
		if (hog[c] > 0) {
			kill(hog[c], SIGKILL);
			waitpid(hog[c], NULL, 0);
		}
	}
	for (int c = 0; c < ncpu; c++) {
		if (lat[c].err) {
			fprintf(stderr, "rtlat: CPU %d: %s (SCHED_FIFO 99 pinned thread)\n", c,
				strerror(-lat[c].err));
			return 1;
		}
	}
	printf("wake-up latency, SCHED_FIFO 99 thread per CPU, every %ld us for %ld s%s\n", interval_us,
	       secs, load ? ", a busy SCHED_OTHER process on every CPU" : "");
	printf("CPU  samples   min (us)  avg (us)  max (us)\n");
	uint64_t all_min = UINT64_MAX, all_max = 0, all_sum = 0, all_n = 0, hist[BUCKETS] = { 0 };
	for (int c = 0; c < ncpu; c++) {
		struct lat *l = &lat[c];
		printf("%-4d %-9llu %-9llu %-9llu %llu\n", c, (unsigned long long)l->samples,
		       (unsigned long long)(l->min / 1000),
		       (unsigned long long)(l->samples ? l->sum / l->samples / 1000 : 0),
		       (unsigned long long)(l->max / 1000));
		if (l->samples) {
			all_min = l->min < all_min ? l->min : all_min;
			all_max = l->max > all_max ? l->max : all_max;
			all_sum += l->sum;
			all_n += l->samples;
		}
		for (int b = 0; b < BUCKETS; b++)
			hist[b] += l->hist[b];
	}
	if (!all_n) {
		printf("no samples\n");
		return 1;
	}
	printf("histogram (all CPUs):\n");
	for (int b = 0; b < BUCKETS; b++)
		if (hist[b])
			printf("  %6llu..%-6llu us %llu\n", b ? 1ULL << b : 0ULL, (1ULL << (b + 1)) - 1,
			       (unsigned long long)hist[b]);
	printf("latency: min %llu us, avg %llu us, max %llu us\n", (unsigned long long)(all_min / 1000),
	       (unsigned long long)(all_sum / all_n / 1000), (unsigned long long)(all_max / 1000));
	return 0;
}
