/* threads: a process with two extra threads that sleep, for the per-thread
 * /proc/PID/task listing (busybox ps -T, top -H). Prints its pid and the
 * tids of its three threads, then sleeps argv[1] seconds (default 30) and
 * exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ready[2];

static void *thr(void *a)
{
	int *slot = a;
	__atomic_store_n(slot, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 30;
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thr, &ready[i])) {
			perror("pthread_create");
			return 1;
		}
	for (int i = 0; i < 2; i++)
		while (!__atomic_load_n(&ready[i], __ATOMIC_ACQUIRE))
			usleep(1000);
	printf("threads: pid %d tids %d %d %d\n", (int)getpid(), (int)syscall(SYS_gettid), ready[0],
	       ready[1]);
	fflush(stdout);
	sleep(secs);
	return 0;
}
