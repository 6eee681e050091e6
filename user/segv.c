/* segv.c — faults on purpose (a write through a NULL pointer): the kernel
 * must deliver SIGSEGV and end this process, never fault itself. */
#include <stdio.h>

int main(void)
{
	volatile int *volatile p = NULL;
	printf("segv: writing through a NULL pointer\n");
	fflush(stdout);
	*p = 42;
	printf("segv: still alive after the fault\n");
	return 1;
}
