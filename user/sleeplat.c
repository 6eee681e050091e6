/* sleeplat.c — where the 1 ms sleep wake-up maxima of bench come from: the
 * raw material for tools/sleep-trace.py (run on RayOS under `trace`) and
 * for side-by-side runs on Debian's Linux.
 *
 * Phase 1: N relative 1 ms clock_nanosleep(CLOCK_MONOTONIC) calls (the
 * same call as bench's sleep_1ms figures); every lateness (time slept
 * minus 1 ms) is kept. Prints the average, a histogram in fixed bounds,
 * and the 8 latest wake-ups with the CLOCK_MONOTONIC time their sleep
 * started (so a kernel trace can be searched around them).
 * Phase 2: a busy loop reading CLOCK_MONOTONIC for SECONDS; a gap between
 * two readings longer than 500 us is time the running program lost (an
 * interrupt, another thread, or the host not running the machine). Prints
 * the number of gaps over 100 and 500 us, the longest, the fraction of
 * the time lost in gaps over 100 us, and the first 16 gaps over 500 us.
 *
 * Usage: sleeplat [N 1..4000 (1000)] [SECONDS 0..60 (1)]
 * Output: "sleeplat ..." lines, then "sleeplat: done".
 * Single-threaded, no locking; times from now_ns (ucommon.h). */
#include "ucommon.h"

#include <stdlib.h>

#define MAX_N 4000
#define WORST 8
#define MAX_GAPS 16

static int64_t late[MAX_N], start[MAX_N];
static const int64_t bounds_us[] = { 50, 100, 200, 500, 1000, 2000, 5000 };
#define NB (int)(sizeof(bounds_us) / sizeof(bounds_us[0]))

static void sleeps(int n)
{
	struct timespec req = { 0, 1000000 };
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();
		if (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL)) {
			printf("sleeplat: FAILED clock_nanosleep: %s\n", strerror(errno));
			exit(1);
		}
		late[i] = now_ns() - t0 - 1000000;
		start[i] = t0;
	}
	long counts[NB + 1] = { 0 };
	double sum = 0;
	for (int i = 0; i < n; i++) {
		int b = 0;
		while (b < NB && late[i] >= bounds_us[b] * 1000)
			b++;
		counts[b]++;
		sum += late[i];
	}
	printf("sleeplat sleeps %d avg %.1f us; counts below", n, sum / n / 1000.0);
	for (int b = 0; b < NB; b++)
		printf(" %lld:%ld", (long long)bounds_us[b], counts[b]);
	printf(" more:%ld\n", counts[NB]);
	for (int w = 0; w < WORST && w < n; w++) {
		int k = -1;
		for (int i = 0; i < n; i++)
			if (late[i] >= 0 && (k < 0 || late[i] > late[k]))
				k = i;
		if (k < 0)
			break;
		printf("sleeplat worst %d: sleep %d started %lld ns, late %.1f us\n", w, k,
		       (long long)start[k], late[k] / 1000.0);
		late[k] = -1;
	}
}

static void gaps(double secs)
{
	int64_t gs[MAX_GAPS], gd[MAX_GAPS];
	long over100 = 0, over500 = 0, loops = 0;
	int ng = 0;
	int64_t lost = 0, longest = 0;
	int64_t prev = now_ns(), end = prev + (int64_t)(secs * 1e9);
	for (int64_t t = prev; t < end; prev = t) {
		t = now_ns();
		int64_t d = t - prev;
		loops++;
		if (d > longest)
			longest = d;
		if (d > 100000) {
			over100++;
			lost += d;
		}
		if (d > 500000) {
			over500++;
			if (ng < MAX_GAPS) {
				gs[ng] = prev;
				gd[ng++] = d;
			}
		}
	}
	printf("sleeplat gaps %.1f s: readings %ld, over 100 us %ld, over 500 us %ld, longest %.1f us, "
	       "lost %.2f%%\n", secs, loops, over100, over500, longest / 1000.0,
	       secs > 0 ? lost / (secs * 1e9) * 100 : 0.0);
	for (int i = 0; i < ng; i++)
		printf("sleeplat gap at %lld ns: %.1f us\n", (long long)gs[i], gd[i] / 1000.0);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	if (n < 1 || n > MAX_N || !(secs >= 0 && secs <= 60)) {
		fprintf(stderr, "usage: sleeplat [N 1..%d] [SECONDS 0..60]\n", MAX_N);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sleeps(n);
	if (secs > 0)
		gaps(secs);
	printf("sleeplat: done\n");
	return 0;
}
