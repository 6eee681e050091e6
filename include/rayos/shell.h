/* shell.h — the kernel shell's command registry and I/O (shell/).
 *
 * Each subsystem registers its own commands with SHELL_CMD(); the shell core
 * knows no subsystem. Commands write through shell_printf() and return 0 on
 * success or a negative errno; -EINVAL makes the shell print the usage. */
#ifndef RAYOS_SHELL_H
#define RAYOS_SHELL_H
#include <rayos/types.h>

#define SHELL_MAX_ARGS 32
#define SHELL_LINE_MAX 256

struct shell_cmd {
	const char *name;
	const char *usage;    /* "uptime" or "ktest [SUITE]" */
	const char *summary;  /* one line for `help` */
	int (*fn)(int argc, char **argv);
};

#define SHELL_CMD(ident, nm, us, sm, f)                                      \
	static const struct shell_cmd __shell_cmd_##ident __used             \
	__section("rayos_cmds") __attribute__((aligned(8))) = {                \
		.name = nm, .usage = us, .summary = sm, .fn = f }

const struct shell_cmd *shell_find(const char *name);
/* Commands sorted by name: index 0..n-1; NULL past the end. */
const struct shell_cmd *shell_cmd_at(size_t i);
size_t shell_cmd_count(void);

int shell_printf(const char *fmt, ...) __printf(1, 2);
void shell_write(const char *s, size_t n);
/* Non-blocking read of one input byte; -1 when none. */
int shell_poll_char(void);
/* Runs one command line; returns the command's result. */
int shell_execute(char *line);
/* Split a line into argv in place; returns argc or -E2BIG. */
int shell_split(char *line, char **argv, int max);

__noreturn void shell_run(void);

#endif
