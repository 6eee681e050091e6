/* hello: a static musl program exercising stdio, fork/waitpid, a pthread,
 * a signal handler, nanosleep, malloc and (with a second argument) execve;
 * exits 5 when argv[1] is "five". */
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
static volatile int got;
static void h(int s) { got = s; }
static void *thr(void *a) { return (char *)a + 1; }
int main(int argc, char **argv) {
	printf("hello from musl, argc=%d argv[1]=%s pid=%d\n", argc, argc > 1 ? argv[1] : "-", getpid());
	pid_t p = fork();
	if (p == 0) { printf("child %d\n", getpid()); _exit(3); }
	int st; pid_t w = waitpid(p, &st, 0);
	printf("waited %d == %d status exited=%d code=%d\n", w, p, WIFEXITED(st), WEXITSTATUS(st));
	pthread_t t; void *r;
	pthread_create(&t, 0, thr, (void *)41);
	pthread_join(t, &r);
	printf("thread returned %ld\n", (long)r);
	signal(SIGUSR1, h); raise(SIGUSR1);
	printf("signal handler got %d\n", got);
	struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
	struct timespec d = {0, 20000000}; nanosleep(&d, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("slept %ld ms\n", (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
	char *m = malloc(1 << 20); memset(m, 1, 1 << 20); printf("malloc ok %d\n", m[12345]);
	if (argc > 2) { execl("/bin/hello", "hello", "exec'd", (char *)0); perror("exec"); }
	return argc > 1 && !strcmp(argv[1], "five") ? 5 : 0;
}
