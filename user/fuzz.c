/* fuzz.c — a bounded system-call fuzzer for the Linux x86_64 ABI.
 *
 * Usage: fuzz SEED ITERATIONS [BATCH]
 *
 * Calls random system-call numbers (0..463 and out-of-range ones) with
 * arguments drawn from interesting values: 0, -1, small integers, the fds of
 * its own scratch files, pointers into its own scratch buffers (aligned,
 * unaligned, at the end), NULL, a low page, kernel-half addresses, huge
 * lengths and random 64-bit words. The calls run in batches of BATCH
 * (default 100), each batch in a forked child, so a child killed by a signal
 * is counted, not fatal; a child that blocks is killed by the parent after
 * WATCHDOG_MS and counted as a timeout. Deterministic for a given seed
 * (xorshift64*, Vigna 2016, one stream per batch).
 *
 * Safety on a real host (the program runs on Debian's Linux too): calls
 * that would end or hang the run or reach outside the scratch directory are
 * excluded or have their arguments clamped (table `deny` and clamp_args()):
 * no exit/exit_group, signals to other processes, reboot, pause, vfork/fork/
 * clone, rt_sigreturn, ptrace, mount, swap, modules, kexec, setuid family,
 * network sockets, time setting, SysV IPC, keyrings, hostname, syslog; pid
 * arguments of scheduling calls are forced to 0 (self); memory calls are
 * confined to the scratch mapping; ioctl and fcntl commands come from a
 * harmless set; madvise cannot poison pages; nothing is ever mapped
 * executable (no PROT_EXEC, no personality), so a signal handler pointing
 * into the scratch buffer faults instead of running random bytes, which
 * could make any system call. Every path a call can see
 * comes from the scratch buffers, which never contain '/' or '.' (they are
 * re-sanitised before every call), so paths resolve inside the scratch
 * directory, the child's cwd. The child's fds 0-2 are scratch files, every
 * inherited fd is closed, and RLIMIT_AS/RLIMIT_FSIZE bound memory and disk.
 *
 * Output: "fuzz: N calls, S children killed by signals, T timeouts,
 * E ENOSYS, OK ok, ERR errors (seed X, B batches)" and a line per signal
 * seen; exit status 0 (1 only when the setup fails).
 *
 * No locking: the parent and one child at a time share a counters page,
 * written only by the child while the parent waits. */
#include "ucommon.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MAX_NR 464          /* numbers tried: 0..MAX_NR-1, plus out of range */
#define PAGE 4096
#define SCRATCH_PAGES 4     /* writable buffer, target of memory calls */
#define WATCHDOG_MS 3000

struct counters {
	unsigned long calls, ok, err, enosys;
};

static struct counters *ctr;
static unsigned char *scratch;   /* SCRATCH_PAGES, read-write, guard pages around */
static unsigned char *names;     /* one page, read-only: NUL-separated names */
static struct timespec *short_ts; /* 1 ms, inside the names page */
static int fds[8], nfds;
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static long raw_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Calls never made, by number (Linux x86_64), with the reason. */
static const struct {
	int nr;
	const char *why;
} deny[] = {
	{ 15, "rt_sigreturn" },
	{ 23, "select: blocks" },
	{ 29, "shmget: SysV IPC outlives the run" }, { 30, "shmat" }, { 31, "shmctl" },
	{ 34, "pause" },
	{ 40, "sendfile: unbounded copies" },
	{ 41, "socket" }, { 42, "connect" }, { 43, "accept" }, { 44, "sendto" },
	{ 45, "recvfrom" }, { 46, "sendmsg" }, { 47, "recvmsg" }, { 48, "shutdown" },
	{ 49, "bind" }, { 50, "listen" }, { 51, "getsockname" }, { 52, "getpeername" },
	{ 53, "socketpair" }, { 54, "setsockopt" }, { 55, "getsockopt" },
	{ 56, "clone" }, { 57, "fork" }, { 58, "vfork" }, { 59, "execve" },
	{ 60, "exit" }, { 62, "kill" },
	{ 64, "semget" }, { 65, "semop" }, { 66, "semctl" }, { 67, "shmdt" },
	{ 68, "msgget" }, { 69, "msgsnd" }, { 70, "msgrcv" }, { 71, "msgctl" },
	{ 101, "ptrace" }, { 103, "syslog" },
	{ 105, "setuid" }, { 106, "setgid" }, { 113, "setreuid" }, { 114, "setregid" },
	{ 116, "setgroups" }, { 117, "setresuid" }, { 119, "setresgid" },
	{ 122, "setfsuid" }, { 123, "setfsgid" }, { 126, "capset" },
	{ 128, "rt_sigtimedwait: blocks" }, { 129, "rt_sigqueueinfo" }, { 130, "rt_sigsuspend" },
	{ 133, "mknod: device nodes" }, { 141, "setpriority: other processes" },
	{ 135, "personality: READ_IMPLIES_EXEC would make scratch executable" },
	{ 153, "vhangup" }, { 155, "pivot_root" }, { 159, "adjtimex" },
	{ 160, "setrlimit: would lift the fuzzer's own bounds" },
	{ 161, "chroot" }, { 162, "sync: slow on a host" }, { 163, "acct" }, { 164, "settimeofday" },
	{ 165, "mount" }, { 166, "umount2" }, { 167, "swapon" }, { 168, "swapoff" },
	{ 169, "reboot" }, { 170, "sethostname" }, { 171, "setdomainname" },
	{ 172, "iopl" }, { 173, "ioperm" }, { 175, "init_module" }, { 176, "delete_module" },
	{ 179, "quotactl" }, { 200, "tkill" }, { 208, "io_getevents: blocks" },
	{ 212, "lookup_dcookie" }, { 216, "remap_file_pages" }, { 220, "semtimedop" },
	{ 227, "clock_settime" }, { 231, "exit_group" }, { 232, "epoll_wait: blocks" },
	{ 234, "tgkill" }, { 240, "mq_open" }, { 241, "mq_unlink" }, { 242, "mq_timedsend" },
	{ 243, "mq_timedreceive" }, { 244, "mq_notify" }, { 245, "mq_getsetattr" },
	{ 246, "kexec_load" }, { 248, "add_key" }, { 249, "request_key" }, { 250, "keyctl" },
	{ 251, "ioprio_set: other processes" }, { 256, "migrate_pages" }, { 259, "mknodat" },
	{ 270, "pselect6: blocks" }, { 272, "unshare" }, { 275, "splice" }, { 276, "tee" },
	{ 278, "vmsplice" }, { 279, "move_pages" }, { 281, "epoll_pwait: blocks" },
	{ 285, "fallocate: disk space" }, { 288, "accept4" }, { 297, "rt_tgsigqueueinfo" },
	{ 298, "perf_event_open" }, { 299, "recvmmsg" }, { 300, "fanotify_init" },
	{ 301, "fanotify_mark" }, { 304, "open_by_handle_at: any file" }, { 305, "clock_adjtime" },
	{ 307, "sendmmsg" }, { 308, "setns" }, { 310, "process_vm_readv" },
	{ 311, "process_vm_writev" }, { 312, "kcmp" }, { 313, "finit_module" },
	{ 320, "kexec_file_load" }, { 321, "bpf" }, { 322, "execveat" }, { 323, "userfaultfd" },
	{ 326, "copy_file_range: unbounded copies" }, { 333, "io_pgetevents: blocks" },
	{ 335, "uretprobe (Linux 6.11+): SIGILL outside its trampoline" },
	{ 424, "pidfd_send_signal" }, { 425, "io_uring_setup" }, { 426, "io_uring_enter" },
	{ 427, "io_uring_register" }, { 428, "open_tree" }, { 429, "move_mount" },
	{ 430, "fsopen" }, { 431, "fsconfig" }, { 432, "fsmount" }, { 433, "fspick" },
	{ 434, "pidfd_open" }, { 435, "clone3" }, { 438, "pidfd_getfd" },
	{ 440, "process_madvise" }, { 441, "epoll_pwait2: blocks" }, { 442, "mount_setattr" },
	{ 443, "quotactl_fd" }, { 448, "process_mrelease" }, { 449, "futex_waitv: blocks" },
	{ 455, "futex_wait: blocks" },
};

static unsigned char denied[MAX_NR];

/* Harmless ioctl requests: terminal queries and settings, FIONREAD, FIONBIO. */
static const unsigned long ioctl_ok[] = { TCGETS, TCSETS, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP,
					  TIOCSPGRP, FIONREAD, FIONBIO, 0, 1, 0x5401ff };

static void sanitize(void)
{
	for (int i = 0; i < SCRATCH_PAGES * PAGE; i++)
		if (scratch[i] == '/' || scratch[i] == '.')
			scratch[i] = 'x';
}

/* Re-establish the scratch mapping after a memory call changed it. */
static void remap_scratch(void)
{
	mmap(scratch, SCRATCH_PAGES * PAGE, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static long interesting(void)
{
	switch (rnd() % 24) {
	case 0: return 0;
	case 1: return -1;
	case 2: return 1;
	case 3: return 2 + rnd() % 15;                  /* small ints */
	case 4: case 5: return fds[rnd() % nfds];       /* valid fds */
	case 6: return -100;                             /* AT_FDCWD */
	case 7: case 8: return (long)(scratch + (rnd() % SCRATCH_PAGES) * PAGE); /* aligned */
	case 9: return (long)(scratch + rnd() % (SCRATCH_PAGES * PAGE));        /* unaligned */
	case 10: return (long)(scratch + SCRATCH_PAGES * PAGE - 1 - rnd() % 8); /* at the end */
	case 11: case 12: {                               /* a name */
		const unsigned char *p = names + rnd() % 200;
		while (p > names && p[-1])
			p--;
		return (long)p;
	}
	case 13: return 0;                               /* NULL */
	case 14: return 16;                              /* low page */
	case 15: return (long)0xffff800000000000UL;      /* kernel half */
	case 16: return (long)0xffffffff80000000UL;      /* kernel image */
	case 17: return (long)0x0000800000000000UL;      /* non-canonical edge */
	case 18: return 1L << 31;                        /* huge lengths */
	case 19: return 0x7fffffffffffffffL;
	case 20: return PAGE;
	case 21: return (long)(rnd() & 0xffff);
	case 22: return (long)rnd();
	default: return (long)(scratch + 1);             /* odd pointer */
	}
}

static int in_scratch(long a)
{
	return (unsigned long)a >= (unsigned long)scratch &&
	       (unsigned long)a < (unsigned long)scratch + SCRATCH_PAGES * PAGE;
}

/* Clamp the arguments of calls that are fuzzed but must stay local.
 * Returns 1 when the call touched the scratch mapping (to restore it). */
static int clamp_args(long nr, long *a)
{
	long span = SCRATCH_PAGES * PAGE;
	switch (nr) {
	case 9: /* mmap: MAP_FIXED only inside the scratch mapping */
		if ((a[3] & 0x10) || (a[3] & 0x100000)) {
			a[0] = (long)(scratch + (rnd() % SCRATCH_PAGES) * PAGE);
			if ((unsigned long)a[1] > (unsigned long)(scratch + span - (unsigned char *)a[0]))
				a[1] = PAGE;
		}
		a[3] &= ~0x8000L; /* no MAP_POPULATE of huge lengths */
		a[2] &= ~4L;      /* never PROT_EXEC: random bytes must not run */
		return 1;
	case 10: case 11: case 25: case 28: case 149: case 150: case 329: /* mprotect munmap mremap madvise mlock munlock pkey_mprotect */
		if (!in_scratch(a[0]))
			a[0] = (long)(scratch + (rnd() % SCRATCH_PAGES) * PAGE);
		if ((unsigned long)a[1] > (unsigned long)(scratch + span - (unsigned char *)a[0]))
			a[1] = scratch + span - (unsigned char *)a[0];
		if (nr == 25) { /* mremap: no MREMAP_FIXED, bounded new size */
			a[3] &= 1;
			if ((unsigned long)a[2] > (unsigned long)span)
				a[2] = PAGE;
		}
		if (nr == 10 || nr == 329) /* never PROT_EXEC */
			a[2] &= ~4L;
		if (nr == 28 && (unsigned long)a[2] >= 100) /* no MADV_HWPOISON/SOFT_OFFLINE */
			a[2] = 0;
		return 1;
	case 12: /* brk: query, or a small step up */
		a[0] = (rnd() & 1) ? 0 : raw_syscall(12, 0, 0, 0, 0, 0, 0) + (long)(rnd() % (1 << 20));
		return 0;
	case 16: /* ioctl */
		a[1] = (long)ioctl_ok[rnd() % (sizeof(ioctl_ok) / sizeof(ioctl_ok[0]))];
		return 0;
	case 72: /* fcntl: no F_SETOWN(_EX)/F_SETSIG (signals to other processes) */
		if (a[1] == 8 || a[1] == 10 || a[1] == 15 || a[1] == 1031 /* F_SETLEASE */)
			a[1] = 3;
		return 0;
	case 7: /* poll: at most 4 ms */
		a[2] = (long)(rnd() % 5);
		return 0;
	case 35: /* nanosleep */
		a[0] = (long)short_ts;
		return 0;
	case 230: /* clock_nanosleep */
		a[2] = (long)short_ts;
		return 0;
	case 202: /* futex: waits end after 1 ms */
		a[3] = (long)short_ts;
		return 0;
	case 271: /* ppoll */
		a[2] = (long)short_ts;
		return 0;
	case 142: case 144: case 203: case 314: /* sched_set*: self only */
		a[0] = 0;
		return 0;
	case 302: /* prlimit64: self, read only */
		a[0] = 0;
		a[2] = 0;
		return 0;
	case 37: /* alarm: at most 1 s */
		a[0] &= 1;
		return 0;
	case 38: /* setitimer: fine, the child is bounded anyway */
		return 0;
	}
	return 0;
}

static void child_setup(const char *dir)
{
	/* only scratch fds: close everything inherited, 0-2 become scratch files */
	for (int fd = 0; fd < 1024; fd++)
		close(fd);
	if (chdir(dir) != 0)
		_exit(120);
	for (int i = 0; i < 3; i++)
		if (open(i == 0 ? "in" : "out", O_RDWR | O_CREAT, 0644) != i)
			_exit(121);
	nfds = 0;
	fds[nfds++] = 0;
	fds[nfds++] = 1;
	fds[nfds++] = open("f0", O_RDWR | O_CREAT, 0644);
	fds[nfds++] = open("f1", O_RDONLY | O_CREAT, 0644);
	mkdir("d0", 0755);
	fds[nfds++] = open("d0", O_RDONLY | O_DIRECTORY);
	fds[nfds++] = open(".", O_RDONLY | O_DIRECTORY);
	int p[2];
	if (pipe2(p, O_NONBLOCK) == 0) {
		fds[nfds++] = p[0];
		fds[nfds++] = p[1];
	}
	struct rlimit as = { 256UL << 20, 256UL << 20 }, fsz = { 1 << 20, 1 << 20 }, core = { 0, 0 };
	setrlimit(RLIMIT_AS, &as);
	setrlimit(RLIMIT_FSIZE, &fsz);
	setrlimit(RLIMIT_CORE, &core);
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

static void run_batch(uint64_t seed, int n, const char *dir)
{
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	child_setup(dir);
	for (int i = 0; i < SCRATCH_PAGES * PAGE; i++)
		scratch[i] = (unsigned char)rnd();
	for (int i = 0; i < n; i++) {
		long nr;
		uint64_t pick = rnd() % 100;
		if (pick < 93) {
			do /* redraw a denied number: every iteration makes a call */
				nr = (long)(rnd() % MAX_NR);
			while (denied[nr]);
		} else {
			static const long out_of_range[] = { -1, 0x7fffffff, 0x80000000L, 99999, 1000 };
			nr = pick < 97 ? MAX_NR + (long)(rnd() % 600)
				       : out_of_range[rnd() % (sizeof(out_of_range) / sizeof(out_of_range[0]))];
		}
		long a[6];
		for (int k = 0; k < 6; k++)
			a[k] = interesting();
		int mem = nr >= 0 && nr < MAX_NR ? clamp_args(nr, a) : 0;
		sanitize();
		long r = raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		ctr->calls++;
		if (r == -ENOSYS)
			ctr->enosys++;
		else if (r < 0 && r > -4096)
			ctr->err++;
		else
			ctr->ok++;
		if (mem)
			remap_scratch();
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fuzz SEED ITERATIONS [BATCH]\n");
		return 2;
	}
	uint64_t seed = strtoull(argv[1], NULL, 0);
	long iters = strtol(argv[2], NULL, 0);
	int batch = argc > 3 ? atoi(argv[3]) : 100;
	if (iters < 0 || iters > 100000000 || batch < 1 || batch > 1000000) {
		fprintf(stderr, "fuzz: ITERATIONS 0..1e8, BATCH 1..1e6\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		denied[deny[i].nr] = 1;

	ctr = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* the scratch buffer between two PROT_NONE guard pages: a huge length
	 * starting near its end stops at the guard (EFAULT) instead of
	 * overwriting the counters page */
	unsigned char *g = mmap(NULL, (SCRATCH_PAGES + 2) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	scratch = g == MAP_FAILED ? MAP_FAILED : g + PAGE;
	if (g != MAP_FAILED)
		mprotect(scratch, SCRATCH_PAGES * PAGE, PROT_READ | PROT_WRITE);
	names = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ctr == MAP_FAILED || scratch == MAP_FAILED || names == MAP_FAILED) {
		perror("fuzz: mmap");
		return 1;
	}
	static const char namelist[] = "f0\0f1\0d0\0l0\0f2\0d0\0in\0out\0zz\0";
	memcpy(names, namelist, sizeof(namelist));
	short_ts = (struct timespec *)(names + 256);
	short_ts->tv_sec = 0;
	short_ts->tv_nsec = 1000000;
	mprotect(names, PAGE, PROT_READ);

	char cwd[2048], dir[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	snprintf(dir, sizeof(dir), "%s/fuzz.%d", strcmp(cwd, "/") ? cwd : "", getpid());
	if (mkdir(dir, 0755) != 0) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz.%d", getpid());
		if (mkdir(dir, 0755) != 0) {
			perror("fuzz: scratch directory");
			return 1;
		}
	}

	unsigned long killed = 0, timeouts = 0, forkfail = 0, batches = 0;
	unsigned long by_sig[65] = { 0 };
	for (long done = 0; done < iters; done += batch) {
		int n = iters - done < batch ? (int)(iters - done) : batch;
		pid_t pid = fork();
		if (pid < 0) {
			forkfail++;
			sleep_ns(10 * 1000 * 1000);
			if (forkfail > 100)
				break;
			continue;
		}
		if (pid == 0)
			run_batch(seed * 1000003ULL + (uint64_t)batches, n, dir);
		batches++;
		int st = 0;
		int64_t t0 = now_ns();
		for (;;) {
			pid_t r = waitpid(pid, &st, WNOHANG);
			if (r == pid)
				break;
			if (r < 0 && errno != EINTR)
				break;
			if (now_ns() - t0 > WATCHDOG_MS * 1000000LL) {
				kill(pid, SIGKILL); /* our own child */
				waitpid(pid, &st, 0);
				timeouts++;
				st = 0;
				break;
			}
			sleep_ns(1000 * 1000);
		}
		if (WIFSIGNALED(st)) {
			killed++;
			if (WTERMSIG(st) < 65)
				by_sig[WTERMSIG(st)]++;
		}
	}
	rm_rf(dir);
	printf("fuzz: %lu calls, %lu children killed by signals, %lu timeouts, %lu ENOSYS, "
	       "%lu ok, %lu errors (seed %llu, %lu batches of %d)\n",
	       ctr->calls, killed, timeouts, ctr->enosys, ctr->ok, ctr->err,
	       (unsigned long long)seed, batches, batch);
	for (int s = 1; s < 65; s++)
		if (by_sig[s])
			printf("fuzz: signal %d (%s): %lu children\n", s, strsignal(s), by_sig[s]);
	if (forkfail)
		printf("fuzz: %lu forks failed\n", forkfail);
	return 0;
}
