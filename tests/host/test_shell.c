/* test_shell.c — tests shell/shell.c (with shell/cmd_basic.c): shell_split
 * with blanks and quotes and its argument limit, the command registry
 * (sorted view, shell_find), shell_execute's messages for unknown commands,
 * usage on -EINVAL, errno text for other errors a command did not explain
 * itself, too many arguments; help listing every command once in order,
 * echo and clear, shell_write's newline translation and shell_poll_char.
 * Test commands are registered here with SHELL_CMD, like any subsystem's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rayos/shell.h>
#include <rayos/string.h>
#include "shim.h"

/* ---- test commands ---- */

static int last_argc = -1;
static char last_argv[SHELL_MAX_ARGS + 1][64];
static bool last_argv_terminated;

static int cmd_record(int argc, char **argv)
{
	last_argc = argc;
	for (int i = 0; i < argc && i <= SHELL_MAX_ARGS; i++)
		strlcpy(last_argv[i], argv[i], sizeof(last_argv[i]));
	last_argv_terminated = argv[argc] == NULL;
	return 0;
}
SHELL_CMD(t_record, "zz_record", "zz_record [ARG...]", "record the arguments", cmd_record);

static int cmd_inval(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return -EINVAL;
}
SHELL_CMD(t_inval, "aa_inval", "aa_inval NUMBER", "always rejects its arguments", cmd_inval);

static int cmd_io(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		shell_printf("trying\n");
	return -EIO;
}
SHELL_CMD(t_io, "mm_io", "mm_io [-v]", "always fails with an I/O error", cmd_io);

static int cmd_value(int argc, char **argv)
{
	(void)argv;
	return argc; /* positive results are passed through silently */
}
SHELL_CMD(t_value, "a_value", "a_value", "returns argc", cmd_value);

static int setup(void **state)
{
	(void)state;
	shim_output_reset();
	shim_input_reset();
	last_argc = -1;
	return 0;
}

/* Runs a command line (copied: shell_execute edits it in place). */
static int run(const char *line)
{
	char buf[SHELL_LINE_MAX * 2];
	strlcpy(buf, line, sizeof(buf));
	shim_output_reset();
	return shell_execute(buf);
}

/* ---- shell_split ---- */

struct split_case {
	const char *line;
	int argc;
	const char *argv[8];
};

static void test_split(void **state)
{
	(void)state;
	static const struct split_case cases[] = {
		{ "", 0, { 0 } },
		{ "   \t  ", 0, { 0 } },
		{ "ls", 1, { "ls" } },
		{ "  a b\tc  ", 3, { "a", "b", "c" } },
		{ "a\t\tb", 2, { "a", "b" } },
		{ "echo \"hello world\"", 2, { "echo", "hello world" } },
		{ "echo 'single quoted'", 2, { "echo", "single quoted" } },
		{ "a\"b c\"d", 1, { "ab cd" } },
		{ "\"it's\" 'say \"hi\"'", 2, { "it's", "say \"hi\"" } },
		{ "x \"\" ''", 3, { "x", "", "" } },
		{ "\"unterminated quote", 1, { "unterminated quote" } },
		{ "a \"\tb\" c", 3, { "a", "\tb", "c" } },
		{ "'a'\"b\"c", 1, { "abc" } },
		{ "\"\"", 1, { "" } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[64];
		char *argv[10];
		strlcpy(buf, cases[i].line, sizeof(buf));
		int argc = shell_split(buf, argv, 9);
		if (argc != cases[i].argc)
			fail_msg("split(\"%s\") = %d, want %d", cases[i].line, argc, cases[i].argc);
		for (int k = 0; k < argc; k++)
			if (strcmp(argv[k], cases[i].argv[k]))
				fail_msg("split(\"%s\"): argv[%d] = \"%s\", want \"%s\"", cases[i].line, k,
					 argv[k], cases[i].argv[k]);
		assert_null(argv[argc]);
		/* every argument lies inside the line buffer */
		for (int k = 0; k < argc; k++)
			assert_true(argv[k] >= buf && argv[k] + strlen(argv[k]) < buf + sizeof(buf));
	}
}

static void test_split_limit(void **state)
{
	(void)state;
	char buf[64];
	char *argv[4] = { (char *)1, (char *)1, (char *)1, (char *)1 };
	strlcpy(buf, "a b c", sizeof(buf));
	assert_int_equal(shell_split(buf, argv, 3), 3); /* exactly max: fine */
	assert_string_equal(argv[2], "c");
	assert_ptr_equal(argv[3], (char *)1);           /* no room for NULL: untouched */
	strlcpy(buf, "a b c d", sizeof(buf));
	assert_int_equal(shell_split(buf, argv, 3), -E2BIG);
	strlcpy(buf, "a b c   ", sizeof(buf));
	assert_int_equal(shell_split(buf, argv, 3), 3); /* trailing blanks are no argument */
	strlcpy(buf, "   ", sizeof(buf));
	assert_int_equal(shell_split(buf, argv, 0), 0);
	strlcpy(buf, "a", sizeof(buf));
	assert_int_equal(shell_split(buf, argv, 0), -E2BIG);
}

/* ---- registry ---- */

static void test_registry_sorted(void **state)
{
	(void)state;
	static const char *const want[] = { "a_value", "aa_inval", "clear", "echo", "help", "mm_io", "zz_record" };
	assert_int_equal(shell_cmd_count(), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct shell_cmd *c = shell_cmd_at(i);
		assert_non_null(c);
		assert_string_equal(c->name, want[i]);
		assert_ptr_equal(shell_find(want[i]), c);
	}
	assert_null(shell_cmd_at(ARRAY_SIZE(want)));
	assert_null(shell_cmd_at((size_t)-1));
	assert_null(shell_find("nosuch"));
	assert_null(shell_find(""));
	assert_null(shell_find("hel"));   /* no prefix matching */
	assert_null(shell_find("help ")); /* exact names only */
	assert_string_equal(shell_find("echo")->usage, "echo [-n] [TEXT...]");
}

/* ---- shell_execute ---- */

static void test_execute_unknown(void **state)
{
	(void)state;
	assert_int_equal(run("nosuch a b"), -ENOENT);
	assert_string_equal(shim_output(), "unknown command: nosuch (try help)\n");
	assert_int_equal(run("  \"quoted name\"  "), -ENOENT);
	assert_string_equal(shim_output(), "unknown command: quoted name (try help)\n");
	assert_int_equal(run(""), 0);
	assert_string_equal(shim_output(), "");
	assert_int_equal(run("   \t "), 0);
	assert_string_equal(shim_output(), "");
}

static void test_execute_args(void **state)
{
	(void)state;
	assert_int_equal(run("zz_record one 'two three' \"\" four"), 0);
	assert_string_equal(shim_output(), "");
	assert_int_equal(last_argc, 5);
	assert_string_equal(last_argv[0], "zz_record");
	assert_string_equal(last_argv[2], "two three");
	assert_string_equal(last_argv[3], "");
	assert_true(last_argv_terminated);
	assert_int_equal(run("a_value x y"), 3);
	assert_string_equal(shim_output(), "");
}

static void test_execute_errors(void **state)
{
	(void)state;
	assert_int_equal(run("aa_inval 12"), -EINVAL);
	assert_string_equal(shim_output(), "usage: aa_inval NUMBER\n");
	/* a silent failure gets the error's text; one the command explained not */
	assert_int_equal(run("mm_io"), -EIO);
	assert_string_equal(shim_output(), "mm_io: input/output error\n");
	assert_int_equal(run("mm_io -v"), -EIO);
	assert_string_equal(shim_output(), "trying\n");
	assert_int_equal(run("clear extra"), -EINVAL);
	assert_string_equal(shim_output(), "usage: clear\n");
}

static void test_execute_too_many_args(void **state)
{
	(void)state;
	char line[SHELL_LINE_MAX * 2] = "zz_record";
	/* the command name and SHELL_MAX_ARGS - 1 arguments: the most allowed */
	for (int i = 1; i < SHELL_MAX_ARGS; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " a%d", i);
	assert_int_equal(run(line), 0);
	assert_int_equal(last_argc, SHELL_MAX_ARGS);
	assert_string_equal(last_argv[SHELL_MAX_ARGS - 1], "a31");
	assert_true(last_argv_terminated);
	/* one more */
	last_argc = -1;
	strcat(line, " extra");
	assert_int_equal(run(line), -E2BIG);
	assert_int_equal(last_argc, -1); /* not run */
	char want[80];
	/* "arguments" counts those after the command name */
	snprintf(want, sizeof(want), "error: too many arguments (at most %d)\n", SHELL_MAX_ARGS - 1);
	assert_string_equal(shim_output(), want);
}

/* ---- help ---- */

static void test_help_lists_every_command_once_sorted(void **state)
{
	(void)state;
	assert_int_equal(run("help"), 0);
	const char *outp = shim_output();
	/* one line per command: name padded to the longest name, two blanks, summary */
	size_t width = 0;
	for (size_t i = 0; i < shell_cmd_count(); i++)
		width = MAX(width, strlen(shell_cmd_at(i)->name));
	const char *line = outp;
	size_t lines = 0;
	char prev[64] = "";
	while (*line) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		char name[64];
		size_t n = strcspn(line, " ");
		assert_true(n < sizeof(name));
		memcpy(name, line, n);
		name[n] = 0;
		const struct shell_cmd *c = shell_find(name);
		if (!c)
			fail_msg("help lists \"%s\", which is no command", name);
		assert_true(strcmp(prev, name) < 0); /* strictly increasing: sorted, no repeats */
		strlcpy(prev, name, sizeof(prev));
		char want[256];
		snprintf(want, sizeof(want), "%-*s  %s\n", (int)width, c->name, c->summary);
		assert_int_equal((size_t)(nl + 1 - line), strlen(want));
		assert_memory_equal(line, want, strlen(want));
		lines++;
		line = nl + 1;
	}
	assert_int_equal(lines, shell_cmd_count());
	assert_int_equal(shim_output_count("zz_record "), 1);
	assert_int_equal(shim_output_count("help "), 1);

	assert_int_equal(run("help echo"), 0);
	assert_string_equal(shim_output(), "usage: echo [-n] [TEXT...]\nprint the arguments (-n: no newline)\n");
	assert_int_equal(run("help nosuch"), -ENOENT);
	assert_string_equal(shim_output(), "help: no command named nosuch (try help)\n");
	assert_int_equal(run("help a b"), -EINVAL);
	assert_string_equal(shim_output(), "usage: help [COMMAND]\n");
}

/* ---- echo, I/O ---- */

static void test_echo(void **state)
{
	(void)state;
	assert_int_equal(run("echo hello   world"), 0);
	assert_string_equal(shim_output(), "hello world\n");
	assert_int_equal(run("echo"), 0);
	assert_string_equal(shim_output(), "\n");
	assert_int_equal(run("echo -n 'a  b' c"), 0);
	assert_string_equal(shim_output(), "a  b c");
	assert_int_equal(run("echo -n"), 0);
	assert_string_equal(shim_output(), "");
	assert_int_equal(run("echo x -n"), 0);
	assert_string_equal(shim_output(), "x -n\n");
	assert_int_equal(run("clear"), 0);
	assert_string_equal(shim_output(), "\x1b[2J\x1b[H");
}

static void test_write_and_poll(void **state)
{
	(void)state;
	shell_write("a\nb\n\nc", 6);
	assert_string_equal(shim_output(), "a\r\nb\r\n\r\nc");
	shim_output_reset();
	shell_write("x\ny", 1); /* only n bytes */
	assert_string_equal(shim_output(), "x");
	shim_output_reset();
	shell_write("", 0);
	assert_int_equal(shim_output_len(), 0);
	assert_int_equal(shell_printf("%d-%s", 42, "z"), 4);
	assert_string_equal(shim_output(), "42-z");

	assert_int_equal(shell_poll_char(), -1);
	shim_input_push("hi\xff", 3);
	assert_int_equal(shell_poll_char(), 'h');
	assert_int_equal(shell_poll_char(), 'i');
	assert_int_equal(shell_poll_char(), 0xff); /* bytes are unsigned */
	assert_int_equal(shell_poll_char(), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_split, setup),
		cmocka_unit_test_setup(test_split_limit, setup),
		cmocka_unit_test_setup(test_registry_sorted, setup),
		cmocka_unit_test_setup(test_execute_unknown, setup),
		cmocka_unit_test_setup(test_execute_args, setup),
		cmocka_unit_test_setup(test_execute_errors, setup),
		cmocka_unit_test_setup(test_execute_too_many_args, setup),
		cmocka_unit_test_setup(test_help_lists_every_command_once_sorted, setup),
		cmocka_unit_test_setup(test_echo, setup),
		cmocka_unit_test_setup(test_write_and_poll, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
