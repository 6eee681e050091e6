/* cmd_proc.c — running user programs from the kernel shell: `run PATH
 * [ARGS...]` starts PATH as a new process in the foreground of the console
 * (fds 0-2 on /dev/console, its own process group and session, made the
 * tty's foreground group so that ^C sends it SIGINT), waits for it and
 * reports how it ended when that is not a zero exit status. A program
 * that stops is killed (no job control here). When it returns the shell
 * has the terminal back, even if the program left children running that
 * hold the console open: their reads from it fail with EIO (fs/tty.c). */
#include <rayos/errno.h>
#include <rayos/proc.h>
#include <rayos/shell.h>
#include <rayos/vfs.h>

static int cmd_run(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] != '/')
		return -EINVAL;
	const char *args[SHELL_MAX_ARGS + 1];
	for (int i = 1; i < argc; i++)
		args[i - 1] = argv[i];
	args[argc - 1] = NULL;
	struct proc_spawn a = { .path = argv[1], .argv = args, .console = true, .foreground = true };
	int pid = proc_spawn(&a);
	if (pid < 0) {
		tty_set_foreground(0);
		shell_printf("run: %s: %s\n", argv[1], errno_text(pid));
		return pid;
	}
	int status = 0;
	int r = proc_wait_kernel_stopped(pid, &status, 0);
	tty_set_foreground(0);
	if (r) {
		shell_printf("run: waiting for pid %d: %s\n", pid, errno_text(r));
		return r;
	}
	if ((status & 0xff) == 0x7f) {
		/* stopped: the kernel shell has no job control, and a stopped
		 * program holding the console would keep its input from the
		 * shell: end it */
		shell_printf("pid %d stopped by signal %s: the kernel shell has no job control; killing it\n",
			     pid, signal_name((status >> 8) & 0xff));
		proc_kill(pid, 9);
		r = proc_wait_kernel(pid, &status, 0);
		if (r)
			return r;
	}
	int sig = status & 0x7f;
	if (sig)
		shell_printf("killed by signal %s%s\n", signal_name(sig), status & 0x80 ? " (core dumped)" : "");
	else if ((status >> 8) & 0xff)
		shell_printf("exit status %d\n", (status >> 8) & 0xff);
	return 0;
}
SHELL_CMD(run, "run", "run PATH [ARGS...]",
	  "run a user program in the foreground on the console (^C interrupts it); reports a non-zero exit status or the signal that ended it",
	  cmd_run);
