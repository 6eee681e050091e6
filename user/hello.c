/* hello.c — the smallest user program: prints one line and exits 0 (the
 * init=/bin/hello boot test). */
#include <stdio.h>

int main(void)
{
	puts("hello from user space");
	return 0;
}
