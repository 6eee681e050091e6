/* cmd_basic.c — shell commands with no subsystem behind them: echo, clear. */
#include <rayos/shell.h>
#include <rayos/string.h>

static int cmd_echo(int argc, char **argv)
{
	int first = 1;
	bool newline = true;
	if (argc > 1 && !strcmp(argv[1], "-n")) {
		newline = false;
		first = 2;
	}
	for (int i = first; i < argc; i++)
		shell_printf("%s%s", i > first ? " " : "", argv[i]);
	if (newline)
		shell_printf("\n");
	return 0;
}
SHELL_CMD(echo, "echo", "echo [-n] [TEXT...]", "print the arguments (-n: no newline)", cmd_echo);

static int cmd_clear(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	shell_printf("\x1b[2J\x1b[H");
	return 0;
}
SHELL_CMD(clear, "clear", "clear", "clear the terminal screen", cmd_clear);
