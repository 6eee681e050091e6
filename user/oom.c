/* oom.c — allocates memory 1 MiB at a time (anonymous mmap) and touches
 * every page, until mmap fails (prints ENOMEM and exits 0) or the kernel's
 * OOM killer ends it. Optional argument: a cap in MiB (default none), to
 * run it safely on a host. Prints progress every 16 MiB. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	long cap = argc > 1 ? atol(argv[1]) : 0;
	long mib = 0;
	setvbuf(stdout, NULL, _IONBF, 0);
	for (;;) {
		if (cap > 0 && mib >= cap) {
			printf("oom: reached the cap of %ld MiB\n", cap);
			return 0;
		}
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			printf("oom: mmap failed after %ld MiB: %s\n", mib, strerror(errno));
			return 0;
		}
		for (long off = 0; off < (1 << 20); off += 4096)
			p[off] = (char)off;
		mib++;
		if (mib % 16 == 0)
			printf("oom: %ld MiB touched\n", mib);
	}
}
