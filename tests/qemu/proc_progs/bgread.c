/* bgread: leave a child behind that reads the console after the parent
 * exits; the kernel shell has the terminal back by then, so the child's
 * read must fail with EIO (and the shell must get the input). The child
 * records what its read returned in /tmp/bgread.out. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
	pid_t p = fork();
	if (p < 0) { perror("fork"); return 1; }
	if (p == 0) {
		usleep(200000); /* the parent has exited: `run` returned */
		char c;
		ssize_t n = read(0, &c, 1);
		int e = errno;
		FILE *f = fopen("/tmp/bgread.out", "w");
		if (!f) return 1;
		if (n < 0) fprintf(f, "read: %s\n", strerror(e));
		else fprintf(f, "read returned %zd\n", n);
		fclose(f);
		_exit(0);
	}
	printf("bgread: child %d left reading the console\n", (int)p);
	return 0;
}
