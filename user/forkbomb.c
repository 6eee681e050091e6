/* forkbomb.c — a fork bomb bounded by RLIMIT_NPROC: sets the limit (default
 * 32), then forks children that wait on a pipe until fork fails, reports how
 * many it got and the error (EAGAIN expected), and cleans up (closing the
 * pipe ends every child; all are reaped). At most 4*LIMIT+64 forks are
 * tried, so it stays bounded even where the limit is not enforced.
 * On Linux as root the limit does not apply (CAP_SYS_RESOURCE), so there it
 * first drops to uid 65534 (RayOS also says "Linux" in uname: where
 * setresuid fails it goes on as root, and RayOS enforces the limit for
 * root too). Exit status 0 when fork failed with EAGAIN. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long limit = argc > 1 ? atol(argv[1]) : 32;
	if (limit < 1 || limit > 4096) {
		fprintf(stderr, "usage: forkbomb [LIMIT 1..4096]\n");
		return 2;
	}
	struct utsname u;
	if (uname(&u) == 0 && !strcmp(u.sysname, "Linux") && geteuid() == 0 &&
	    syscall(SYS_setresuid, 65534, 65534, 65534) != 0)
		printf("forkbomb: cannot drop root (%s); relying on the kernel enforcing RLIMIT_NPROC for root\n",
		       strerror(errno));
	struct rlimit rl = { (rlim_t)limit, (rlim_t)limit };
	if (setrlimit(RLIMIT_NPROC, &rl) != 0) {
		perror("forkbomb: setrlimit(RLIMIT_NPROC)");
		return 1;
	}
	int p[2];
	if (pipe(p) != 0) {
		perror("forkbomb: pipe");
		return 1;
	}
	long max = 4 * limit + 64, n = 0;
	int err = 0;
	while (n < max) {
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			(void)!read(p[0], &c, 1); /* returns at EOF: the parent closed */
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		n++;
	}
	close(p[1]);
	long reaped = 0;
	while (wait(NULL) > 0)
		reaped++;
	printf("forkbomb: RLIMIT_NPROC %ld: %ld children forked, then fork failed: %s; %ld reaped\n",
	       limit, n, err ? strerror(err) : "never (stopped at the cap)", reaped);
	return err == EAGAIN && reaped == n ? 0 : 1;
}
