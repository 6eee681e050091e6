/* demo.c — one static musl program exercising what issue 7 asks a user
 * program to be able to do: files, pipes, fork/exec/wait, mmap (with
 * copy-on-write across fork), threads, signals (a handler, and a SIGSEGV on
 * a read-only page caught and recovered), clocks, and SCHED_DEADLINE
 * (sched_setattr through syscall(), a deadline thread that runs jobs).
 * Prints one line per check ("demo: CHECK ... ok" or "... FAILED why") and
 * "demo: all ok" at the end; exit status = number of failed checks.
 *
 * Internal: demo --upper (the exec target: copies stdin to stdout in upper
 * case). Scratch files go in the cwd when writable, else /tmp. */
#include "ucommon.h"

#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int failures;
static char self[4096];

static void report(const char *what, const char *err)
{
	if (err) {
		printf("demo: %-10s FAILED: %s\n", what, err);
		failures++;
	} else {
		printf("demo: %-10s ok\n", what);
	}
}

static const char *check_files(char *detail, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "demo.%d", getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/demo.%d", getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	}
	if (fd < 0)
		return "open";
	const char msg[] = "the quick brown fox";
	char buf[64] = { 0 };
	if (write(fd, msg, sizeof(msg)) != sizeof(msg))
		return "write";
	if (lseek(fd, 4, SEEK_SET) != 4 || read(fd, buf, 5) != 5 || memcmp(buf, "quick", 5))
		return "lseek/read";
	struct stat st;
	if (fstat(fd, &st) || st.st_size != sizeof(msg))
		return "fstat size";
	close(fd);
	if (unlink(path) || access(path, F_OK) == 0)
		return "unlink";
	snprintf(detail, n, "wrote, read back and removed %s (%d bytes)", path, (int)sizeof(msg));
	return NULL;
}

/* parent -> pipe -> child (exec'd "demo --upper") -> pipe -> parent */
static const char *check_pipes_exec(char *detail, size_t n)
{
	int in[2], out[2];
	if (pipe(in) || pipe(out))
		return "pipe";
	pid_t pid = fork();
	if (pid < 0)
		return "fork";
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		char *av[] = { "demo", "--upper", NULL };
		execv(self, av);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	const char msg[] = "hello through a pipe";
	if (write(in[1], msg, strlen(msg)) != (ssize_t)strlen(msg))
		return "write";
	close(in[1]);
	char buf[64] = { 0 };
	size_t got = 0;
	ssize_t r;
	while (got < sizeof(buf) - 1 && (r = read(out[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += r;
	close(out[0]);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return "waitpid";
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return "child exit status";
	if (strcmp(buf, "HELLO THROUGH A PIPE"))
		return "wrong reply";
	snprintf(detail, n, "child pid %d (execve %s) answered \"%s\", exit 0", pid, self, buf);
	return NULL;
}

static const char *check_mmap(char *detail, size_t n)
{
	size_t sz = 4 << 20;
	unsigned char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return "mmap";
	unsigned long sum = 0;
	for (size_t i = 0; i < sz; i += 4096) {
		p[i] = (unsigned char)(i >> 12);
		sum += p[i];
	}
	pid_t pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < sz; i += 4096)
			p[i] = 0xff; /* copy-on-write: the parent must not see this */
		_exit(0);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return "fork";
	unsigned long sum2 = 0;
	for (size_t i = 0; i < sz; i += 4096)
		sum2 += p[i];
	if (sum2 != sum)
		return "the child's writes leaked into the parent";
	if (munmap(p, sz))
		return "munmap";
	snprintf(detail, n, "4 MiB anonymous, %zu pages touched, copy-on-write across fork", sz / 4096);
	return NULL;
}

#define NTHREADS 4
static unsigned long thread_sums[NTHREADS];
static void *sum_part(void *arg)
{
	long k = (long)arg;
	unsigned long s = 0;
	for (unsigned long i = k * 250000; i < (unsigned long)(k + 1) * 250000; i++)
		s += i;
	thread_sums[k] = s;
	return NULL;
}

static const char *check_threads(char *detail, size_t n)
{
	pthread_t t[NTHREADS];
	for (long k = 0; k < NTHREADS; k++)
		if (pthread_create(&t[k], NULL, sum_part, (void *)k))
			return "pthread_create";
	unsigned long total = 0;
	for (int k = 0; k < NTHREADS; k++) {
		if (pthread_join(t[k], NULL))
			return "pthread_join";
		total += thread_sums[k];
	}
	unsigned long want = 999999UL * 1000000UL / 2;
	if (total != want)
		return "wrong sum";
	snprintf(detail, n, "%d threads summed 0..999999 = %lu", NTHREADS, total);
	return NULL;
}

static volatile sig_atomic_t got_usr1;
static sigjmp_buf jb;
static volatile void *fault_addr;
static void on_usr1(int s) { (void)s; got_usr1 = 1; }
static void on_segv(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	fault_addr = si->si_addr;
	siglongjmp(jb, 1);
}

static const char *check_signals(char *detail, size_t n)
{
	signal(SIGUSR1, on_usr1);
	kill(getpid(), SIGUSR1);
	if (!got_usr1)
		return "SIGUSR1 handler did not run";
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return "mmap";
	if (!sigsetjmp(jb, 1)) {
		*(volatile char *)p = 1;
		return "write to a read-only page did not fault";
	}
	if (fault_addr != p)
		return "wrong si_addr";
	signal(SIGSEGV, SIG_DFL);
	/* a child killed by a signal is reported as such */
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
		return "child not killed by SIGTERM";
	snprintf(detail, n, "handler ran, SIGSEGV at %p caught and recovered, child killed by SIGTERM", p);
	return NULL;
}

static const char *check_clocks(char *detail, size_t n)
{
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	if (rt.tv_sec < 1577836800)
		return "realtime before 2020";
	int64_t t0 = now_ns();
	struct timespec req = { 0, 10 * 1000 * 1000 };
	if (nanosleep(&req, NULL))
		return "nanosleep";
	int64_t slept = now_ns() - t0;
	if (slept < 10 * 1000 * 1000)
		return "nanosleep returned early";
	int64_t prev = now_ns();
	for (int i = 0; i < 10000; i++) {
		int64_t t = now_ns();
		if (t < prev)
			return "CLOCK_MONOTONIC went back";
		prev = t;
	}
	snprintf(detail, n, "realtime %lld, a 10 ms nanosleep took %.3f ms, monotonic never went back",
		 (long long)rt.tv_sec, slept / 1e6);
	return NULL;
}

static atomic_long dl_jobs;
static atomic_int dl_stop;
static long dl_rc;
static void *dl_thread(void *arg)
{
	struct sched_attr *a = arg;
	dl_rc = syscall(SYS_sched_setattr, 0, a, 0) ? -errno : 0;
	while (!atomic_load(&dl_stop)) {
		volatile unsigned long x = 0;
		for (int i = 0; i < 20000; i++)
			x += i;
		atomic_fetch_add(&dl_jobs, 1);
		sched_yield(); /* ends this job; the next one starts next period */
	}
	return NULL;
}

static const char *check_deadline(char *detail, size_t n)
{
	struct sched_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_policy = SCHED_DEADLINE;
	a.sched_runtime = 5 * 1000 * 1000;
	a.sched_deadline = 20 * 1000 * 1000;
	a.sched_period = 20 * 1000 * 1000;
	struct sched_attr bad = a;
	bad.sched_runtime = 30 * 1000 * 1000;
	if (syscall(SYS_sched_setattr, 0, &bad, 0) == 0 || errno != EINVAL)
		return "runtime > deadline was not refused with EINVAL";
	pthread_t t;
	atomic_store(&dl_jobs, 0);
	if (pthread_create(&t, NULL, dl_thread, &a))
		return "pthread_create";
	sleep_ns(300 * 1000 * 1000);
	atomic_store(&dl_stop, 1);
	pthread_join(t, NULL);
	if (dl_rc == -EBUSY) {
		snprintf(detail, n, "admission control refused (EBUSY), which Linux allows");
		return NULL;
	}
	if (dl_rc)
		return strerror((int)-dl_rc);
	long jobs = atomic_load(&dl_jobs);
	if (jobs < 1)
		return "the deadline thread never ran";
	snprintf(detail, n, "runtime 5 ms / period 20 ms: %ld jobs in 300 ms, invalid parameters refused", jobs);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--upper")) {
		int c;
		while ((c = getchar()) != EOF)
			putchar(toupper(c));
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argv[0][0] == '/' || !strchr(argv[0], '/')) {
		snprintf(self, sizeof(self), "%s", argv[0][0] == '/' ? argv[0] : "/bin/demo");
	} else {
		char cwd[2048];
		snprintf(self, sizeof(self), "%s/%s", getcwd(cwd, sizeof(cwd)) ? cwd : "", argv[0]);
	}
	static const struct {
		const char *name;
		const char *(*fn)(char *, size_t);
	} checks[] = {
		{ "files", check_files },	{ "pipes+exec", check_pipes_exec },
		{ "mmap", check_mmap },		{ "threads", check_threads },
		{ "signals", check_signals },	{ "clocks", check_clocks },
		{ "deadline", check_deadline },
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		char detail[256] = "";
		const char *err = checks[i].fn(detail, sizeof(detail));
		report(checks[i].name, err);
		if (!err && detail[0])
			printf("demo:            %s\n", detail);
	}
	if (failures) {
		printf("demo: %d FAILED\n", failures);
		return failures;
	}
	printf("demo: all ok\n");
	return 0;
}
