/* exitcode.c — exits with the status given as its argument (0..255), so the
 * shell's report of a non-zero exit status can be tested. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: exitcode N\n");
		return 2;
	}
	return atoi(argv[1]) & 255;
}
