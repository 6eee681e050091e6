/* segv: store through a null pointer; the process must die of SIGSEGV. */
int main(void)
{
	*(volatile int *)0 = 1;
	return 0;
}
