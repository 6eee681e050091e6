/* ktests/shell.c — in-kernel tests of the shell core (suite shell):
 * shell_split on quotes, blanks and its argument limit; every built-in
 * command is registered (shell_find) with a usage that names it and a
 * summary; the sorted view (shell_cmd_at) is strictly increasing and ends
 * with NULL. Nothing here runs a command or writes to the console. */
#include <rayos/ktest.h>
#include <rayos/shell.h>
#include <rayos/string.h>

KTEST(shell, split)
{
	char line[64];
	char *argv[8];
	strlcpy(line, "  echo \"hello world\" 'it''s'\tx  ", sizeof(line));
	KT_ASSERT(shell_split(line, argv, 7) == 4);
	KT_EXPECT_STR(argv[0], "echo");
	KT_EXPECT_STR(argv[1], "hello world");
	KT_EXPECT_STR(argv[2], "its");
	KT_EXPECT_STR(argv[3], "x");
	KT_EXPECT(argv[4] == NULL);

	strlcpy(line, "a\"b c\"d \"\"", sizeof(line));
	KT_ASSERT(shell_split(line, argv, 7) == 2);
	KT_EXPECT_STR(argv[0], "ab cd");
	KT_EXPECT_STR(argv[1], "");

	strlcpy(line, " \t ", sizeof(line));
	KT_EXPECT_EQ(shell_split(line, argv, 7), 0);
	KT_EXPECT(argv[0] == NULL);

	strlcpy(line, "a b c", sizeof(line));
	KT_EXPECT_EQ(shell_split(line, argv, 3), 3);
	strlcpy(line, "a b c d", sizeof(line));
	KT_EXPECT_EQ(shell_split(line, argv, 3), -E2BIG);
}

KTEST(shell, builtin_commands_registered)
{
	static const char *const builtins[] = {
		"help", "uptime", "dmesg", "metrics", "cpuinfo", "mem",
		"cmdline", "ktest", "echo", "clear", "poweroff", "reboot",
	};
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		const struct shell_cmd *c = shell_find(builtins[i]);
		if (!c) {
			ktest_fail(t, __FILE__, __LINE__, "no command %s", builtins[i]);
			continue;
		}
		KT_EXPECT_STR(c->name, builtins[i]);
		KT_EXPECT(c->fn != NULL);
		KT_EXPECT(c->summary && c->summary[0]);
		/* the usage starts with the name */
		size_t n = strlen(c->name);
		KT_EXPECT(c->usage && !strncmp(c->usage, c->name, n) && (c->usage[n] == 0 || c->usage[n] == ' '));
	}
	KT_EXPECT(shell_find("no-such-command") == NULL);
	KT_EXPECT(shell_find("hel") == NULL);
	KT_EXPECT(shell_find("") == NULL);
}

KTEST(shell, sorted_view)
{
	size_t n = shell_cmd_count();
	KT_ASSERT(n >= 12);
	for (size_t i = 0; i < n; i++) {
		const struct shell_cmd *c = shell_cmd_at(i);
		KT_ASSERT(c != NULL);
		KT_EXPECT(shell_find(c->name) == c);
		if (i > 0 && strcmp(shell_cmd_at(i - 1)->name, c->name) >= 0)
			ktest_fail(t, __FILE__, __LINE__, "%s listed after %s", c->name, shell_cmd_at(i - 1)->name);
	}
	KT_EXPECT(shell_cmd_at(n) == NULL);
}
