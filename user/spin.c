/* spin.c — busy-loops for SECONDS of CLOCK_MONOTONIC time (default 1), for
 * scheduler and Ctrl-C tests; prints how many loop iterations it ran. */
#include "ucommon.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	if (!(secs >= 0 && secs <= 86400)) {
		fprintf(stderr, "usage: spin SECONDS (0..86400)\n");
		return 2;
	}
	int64_t end = now_ns() + (int64_t)(secs * 1e9);
	unsigned long loops = 0;
	while (now_ns() < end)
		loops++;
	printf("spin: %g s, %lu loops\n", secs, loops);
	return 0;
}
