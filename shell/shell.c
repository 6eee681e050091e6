/* shell.c — the kernel shell: command registry, argument splitting,
 * dispatch, help, and the read-eval loop on the console.
 *
 * Commands come from the rayos_cmds linker section (SHELL_CMD in shell.h),
 * so every subsystem registers its own and this file knows none of them.
 * The sorted view is built once, on first use. Portable except shell_run(),
 * which waits for console input. */
#include <rayos/shell.h>
#include <rayos/lineedit.h>
#include <rayos/console.h>
#include <rayos/errno.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/trace.h>
#include <rayos/arch.h>
#include <rayos/init.h>

extern const struct shell_cmd __start_rayos_cmds[], __stop_rayos_cmds[];

#define MAX_CMDS 128
static const struct shell_cmd *sorted[MAX_CMDS];
static size_t nr_sorted;
static bool sorted_ready;

static void build_sorted(void)
{
	if (sorted_ready)
		return;
	for (const struct shell_cmd *c = __start_rayos_cmds; c < __stop_rayos_cmds; c++) {
		if (nr_sorted == MAX_CMDS)
			break;
		size_t i = nr_sorted++;
		while (i > 0 && strcmp(sorted[i - 1]->name, c->name) > 0) {
			sorted[i] = sorted[i - 1];
			i--;
		}
		sorted[i] = c;
	}
	sorted_ready = true;
}

size_t shell_cmd_count(void)
{
	build_sorted();
	return nr_sorted;
}

const struct shell_cmd *shell_cmd_at(size_t i)
{
	build_sorted();
	return i < nr_sorted ? sorted[i] : NULL;
}

const struct shell_cmd *shell_find(const char *name)
{
	build_sorted();
	for (size_t i = 0; i < nr_sorted; i++)
		if (!strcmp(sorted[i]->name, name))
			return sorted[i];
	return NULL;
}

/* Bytes the shell has written; tells whether a command printed anything. */
static u64 shell_out_bytes;

void shell_write(const char *s, size_t n)
{
	shell_out_bytes += n;
	/* turn \n into \r\n for the terminal */
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			console_write(s + start, i - start);
			console_write("\r\n", 2);
			start = i + 1;
		}
	}
	console_write(s + start, n - start);
}

int shell_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	shell_out_bytes += (u64)(n > 0 ? n : 0);
	return n;
}

int shell_poll_char(void)
{
	return console_poll_char();
}

int shell_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *r = line, *w = line;
	for (;;) {
		while (*r == ' ' || *r == '\t')
			r++;
		if (!*r)
			break;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = w;
		char quote = 0;
		while (*r && (quote || (*r != ' ' && *r != '\t'))) {
			if (!quote && (*r == '"' || *r == '\'')) {
				quote = *r++;
				continue;
			}
			if (quote && *r == quote) {
				quote = 0;
				r++;
				continue;
			}
			*w++ = *r++;
		}
		if (*r)
			r++;
		*w++ = 0;
	}
	if (argc < max)
		argv[argc] = NULL;
	return argc;
}

int shell_execute(char *line)
{
	char *argv[SHELL_MAX_ARGS + 1];
	int argc = shell_split(line, argv, SHELL_MAX_ARGS);
	if (argc == -E2BIG) {
		shell_printf("error: too many arguments (at most %d)\n", SHELL_MAX_ARGS - 1);
		return -E2BIG;
	}
	if (argc <= 0)
		return 0;
	argv[argc] = NULL; /* shell_split leaves it unset when argc == SHELL_MAX_ARGS */
	const struct shell_cmd *c = shell_find(argv[0]);
	if (!c) {
		shell_printf("unknown command: %s (try help)\n", argv[0]);
		return -ENOENT;
	}
	u64 out_before = shell_out_bytes;
	struct span sp = span_begin(c->name, NULL); /* a root span per command */
	int r = c->fn(argc, argv);
	span_end(&sp);
	if (r == -EINVAL)
		shell_printf("usage: %s\n", c->usage);
	else if (r < 0 && shell_out_bytes == out_before) /* it said nothing itself */
		shell_printf("%s: %s\n", c->name, errno_text(r));
	return r;
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return -EINVAL;
	if (argc == 2) {
		const struct shell_cmd *c = shell_find(argv[1]);
		if (!c) {
			shell_printf("help: no command named %s (try help)\n", argv[1]);
			return -ENOENT;
		}
		shell_printf("usage: %s\n%s\n", c->usage, c->summary);
		return 0;
	}
	size_t width = 0;
	for (size_t i = 0; i < shell_cmd_count(); i++)
		width = MAX(width, strlen(shell_cmd_at(i)->name));
	for (size_t i = 0; i < shell_cmd_count(); i++) {
		const struct shell_cmd *c = shell_cmd_at(i);
		shell_printf("%-*s  %s\n", (int)width, c->name, c->summary);
	}
	return 0;
}
SHELL_CMD(help, "help", "help [COMMAND]", "list commands, or show one command's usage", cmd_help);

static const char *complete_cmd(const char *prefix, size_t len, size_t idx)
{
	for (size_t i = 0; i < shell_cmd_count(); i++) {
		const char *n = shell_cmd_at(i)->name;
		if (!strncmp(n, prefix, len) && idx-- == 0)
			return n;
	}
	return NULL;
}

static void le_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

static struct lineedit editor;

void shell_run(void)
{
	le_init(&editor, "rayos> ", le_out, NULL, complete_cmd);
	shell_printf("\nRayOS shell. Type 'help' for the commands.\n");
	for (;;) {
		le_begin(&editor);
		boot_mark_prompt();
		enum le_status st;
		do
			st = le_feed(&editor, (u8)console_getc());
		while (st == LE_PENDING);
		if (st == LE_TOO_LONG)
			shell_printf("error: line too long (at most %d characters); discarded\n",
				     LE_LINE_MAX - 1);
		else if (st == LE_DONE)
			shell_execute(editor.line);
	}
}
