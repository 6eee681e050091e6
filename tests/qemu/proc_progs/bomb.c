/* bomb: fork until fork fails (with argv[1]: under RLIMIT_NPROC = 16),
 * report the error, then SIGTERM the process group. */
#include <stdio.h>
#include <unistd.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
int main(int argc, char **argv) {
	struct rlimit rl = { 16, 16 };
	if (argc > 1 && setrlimit(RLIMIT_NPROC, &rl)) { perror("setrlimit"); return 2; }
	int n = 0;
	for (;;) {
		pid_t p = fork();
		if (p < 0) { printf("fork failed: %s after %d children\n", strerror(errno), n); break; }
		if (p == 0) { pause(); _exit(0); }
		n++;
		if (n > 100000) break;
	}
	kill(0, SIGTERM);
	return 0;
}
