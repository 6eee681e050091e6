/* bench.c — the side-by-side kernel benchmark of issue 7, item 9: the same
 * static musl binary runs on RayOS and on Debian's Linux in the same QEMU
 * configuration (tools/bench-user.py).
 *
 * Figures, each measured REPS times (default 5), the median printed:
 *   syscall_getppid     ns per getppid() in a tight loop (raw syscall)
 *   pipe_roundtrip      us per 1-byte ping-pong between two processes
 *                       over two pipes
 *   fork_exit_wait      us per fork() + child _exit(0) + wait4()
 *   sleep_1ms_avg/max   us of wake-up latency of a relative 1 ms
 *                       clock_nanosleep(CLOCK_MONOTONIC): time slept
 *                       minus 1 ms, average and maximum within a repetition
 * Usage: bench [REPS] [SCALE]  (SCALE multiplies the iteration counts, for
 * slow emulators; default 1).
 * Output: one machine-readable line per figure, "bench NAME VALUE UNIT",
 * then "bench: done" (or "bench: FAILED what" and exit status 1).
 *
 * Times come from CLOCK_MONOTONIC (now_ns); single-threaded, no locking. */
#include "ucommon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define MAX_REPS 31

static int reps = 5;
static double scale = 1.0;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long iters(long base)
{
	long n = (long)(base * scale);
	return n < 1 ? 1 : n;
}

static void fail(const char *what)
{
	printf("bench: FAILED %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ns per getppid */
static double run_syscall(void)
{
	long n = iters(200000);
	int64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (double)(now_ns() - t0) / n;
}

/* us per round trip */
static double run_pipe(void)
{
	long n = iters(5000);
	int ab[2], ba[2];
	if (pipe(ab) || pipe(ba))
		fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		char c;
		close(ab[1]);
		close(ba[0]);
		while (read(ab[0], &c, 1) == 1)
			if (write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ab[0]);
	close(ba[1]);
	char c = 'x';
	/* one warm-up round trip */
	if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
		fail("pipe warm-up");
	int64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			fail("pipe ping-pong");
	int64_t dt = now_ns() - t0;
	close(ab[1]);
	close(ba[0]);
	waitpid(pid, NULL, 0);
	return (double)dt / n / 1000.0;
}

/* us per fork + exit + wait */
static double run_fork(void)
{
	long n = iters(300);
	int64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0)
			_exit(0);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			fail("wait");
	}
	return (double)(now_ns() - t0) / n / 1000.0;
}

/* us of latency beyond 1 ms: average and maximum */
static void run_sleep(double *avg, double *max)
{
	long n = iters(200);
	double sum = 0, mx = 0;
	struct timespec req = { 0, 1000000 };
	for (long i = 0; i < n; i++) {
		int64_t t0 = now_ns();
		long r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL);
		int64_t late = now_ns() - t0 - 1000000;
		if (r != 0)
			fail("clock_nanosleep");
		if (late < 0) {
			printf("bench: FAILED clock_nanosleep woke %lld ns early\n", (long long)-late);
			exit(1);
		}
		sum += late / 1000.0;
		if (late / 1000.0 > mx)
			mx = late / 1000.0;
	}
	*avg = sum / n;
	*max = mx;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		reps = atoi(argv[1]);
	if (argc > 2)
		scale = atof(argv[2]);
	if (reps < 1 || reps > MAX_REPS || !(scale > 0 && scale <= 100)) {
		fprintf(stderr, "usage: bench [REPS 1..%d] [SCALE (0,100]]\n", MAX_REPS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	double sc[MAX_REPS], pp[MAX_REPS], fk[MAX_REPS], sa[MAX_REPS], sm[MAX_REPS];
	for (int r = 0; r < reps; r++) {
		sc[r] = run_syscall();
		pp[r] = run_pipe();
		fk[r] = run_fork();
		run_sleep(&sa[r], &sm[r]);
	}
	printf("bench: %d repetitions, scale %g, medians\n", reps, scale);
	printf("bench syscall_getppid %.1f ns\n", median(sc, reps));
	printf("bench pipe_roundtrip %.2f us\n", median(pp, reps));
	printf("bench fork_exit_wait %.1f us\n", median(fk, reps));
	printf("bench sleep_1ms_avg %.1f us\n", median(sa, reps));
	printf("bench sleep_1ms_max %.1f us\n", median(sm, reps));
	printf("bench: done\n");
	return 0;
}
