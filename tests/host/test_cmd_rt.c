/* test_cmd_rt.c — tests shell/cmd_rt.c, the `rt` command, through
 * shell_execute() with the console captured by the shim: the exact lines
 * `rt analyze` prints for the examples (20/50 40/70 under rm and
 * edf), dm against rm on a constrained set, fp, llf, constrained EDF with
 * the first failing deadline, partitioned EDF (-m) where first-fit and
 * worst-fit differ, millisecond parsing (decimals to the µs), every input
 * error and the rt subcommand table against the usage line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rayos/shell.h>
#include <rayos/string.h>
#include "shim.h"

static char line[SHELL_LINE_MAX];

/* Runs one command line; returns its result, output in shim_output(). */
static int run(const char *cmd)
{
	shim_output_reset();
	strlcpy(line, cmd, sizeof(line));
	return shell_execute(line);
}

/* The last non-empty output line. */
static const char *last_line(void)
{
	static char buf[512];
	const char *out = shim_output();
	size_t len = strlen(out);
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		len--;
	size_t start = len;
	while (start && out[start - 1] != '\n')
		start--;
	size_t n = len - start;
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, out + start, n);
	buf[n] = 0;
	if (n && buf[n - 1] == '\r')
		buf[n - 1] = 0;
	return buf;
}

static bool has(const char *s)
{
	return strstr(shim_output(), s) != NULL;
}

#define EXPECT_HAS(s) do { if (!has(s)) fail_msg("missing %s in:\n%s", s, shim_output()); } while (0)

static void test_rm_vs_edf(void **state)
{
	(void)state;
	assert_int_equal(run("rt analyze rm 20/50 40/70"), 0);
	EXPECT_HAS("  task 1: C=20 T=50 D=50 U=0.4000 prio 1\n");
	EXPECT_HAS("  task 2: C=40 T=70 D=70 U=0.5714 prio 2\n");
	EXPECT_HAS("Liu-Layland bound: U = 0.9714 > 0.8284 (n = 2): inconclusive\n");
	EXPECT_HAS("hyperbolic bound: prod(U_i + 1) = 2.2000 > 2: inconclusive\n");
	EXPECT_HAS("response time: task 1 (C=20 T=50 D=50 prio 1) R = 20 <= D = 50: ok\n");
	EXPECT_HAS("response time: task 2 (C=40 T=70 D=70 prio 2) R = 80 > D = 70: miss\n");
	assert_string_equal(last_line(), "verdict: not schedulable");
	assert_int_equal(run("rt analyze edf 20/50 40/70"), 0);
	EXPECT_HAS("EDF utilization: U = 0.9714 <= 1: schedulable (implicit deadlines: exact, Liu & Layland 1973)\n");
	assert_string_equal(last_line(), "verdict: schedulable");
	assert_int_equal(run("rt analyze llf 20/50 40/70"), 0);
	EXPECT_HAS("LLF: on one CPU least-laxity-first is optimal like EDF (Mok 1983)");
	assert_string_equal(last_line(), "verdict: schedulable");
}

static void test_bounds_and_rta(void **state)
{
	(void)state;
	/* Burns & Wellings: (3,7) (3,12) (5,20): R = 3, 6, 20 */
	assert_int_equal(run("rt analyze rm 3/7 3/12 5/20"), 0);
	EXPECT_HAS("Liu-Layland bound: U = 0.9286 > 0.7798 (n = 3): inconclusive\n");
	EXPECT_HAS("R = 3 <= D = 7: ok");
	EXPECT_HAS("R = 6 <= D = 12: ok");
	EXPECT_HAS("R = 20 <= D = 20: ok");
	assert_string_equal(last_line(), "verdict: schedulable");
	/* hyperbolic accepts exactly at 2 */
	assert_int_equal(run("rt analyze rm 5/10 5/15"), 0);
	EXPECT_HAS("Liu-Layland bound: U = 0.8333 > 0.8284 (n = 2): inconclusive\n");
	EXPECT_HAS("hyperbolic bound: prod(U_i + 1) = 2.0000 <= 2: schedulable\n");
	assert_string_equal(last_line(), "verdict: schedulable");
	/* LL accepts: Burns & Wellings set B */
	assert_int_equal(run("rt analyze rm 32/80 5/40 4/16"), 0);
	EXPECT_HAS("Liu-Layland bound: U = 0.7750 <= 0.7798 (n = 3): schedulable\n");
	/* response time order is by priority: task 3 (T=16) first */
	EXPECT_HAS("response time: task 3 (C=4 T=16 D=16 prio 1) R = 4 <= D = 16: ok\n");
	/* a lower bound when the iterate above D is not the fixed point */
	assert_int_equal(run("rt analyze rm 1/4 2/6 3/8"), 0);
	EXPECT_HAS("response time: task 3 (C=3 T=8 D=8 prio 3) R >= 9 > D = 8: miss\n");
	assert_string_equal(last_line(), "verdict: not schedulable");
	/* the iteration guard: U_hp = 0.99999, about 230000 iterations to D */
	assert_int_equal(run("rt analyze rm 99.999/100 100000/9000000000"), 0);
	EXPECT_HAS("after 100000 iterations: unknown (analysis limit)\n");
	assert_string_equal(last_line(), "verdict: not schedulable");
}

static void test_dm_vs_rm_and_fp(void **state)
{
	(void)state;
	assert_int_equal(run("rt analyze rm 2/10/3 2/5"), 0);
	EXPECT_HAS("Liu-Layland bound: not applicable (deadlines shorter than periods)\n");
	EXPECT_HAS("response time: task 1 (C=2 T=10 D=3 prio 2) R = 4 > D = 3: miss\n");
	assert_string_equal(last_line(), "verdict: not schedulable");
	assert_int_equal(run("rt analyze dm 2/10/3 2/5"), 0);
	EXPECT_HAS("response time: task 1 (C=2 T=10 D=3 prio 1) R = 2 <= D = 3: ok\n");
	EXPECT_HAS("response time: task 2 (C=2 T=5 D=5 prio 2) R = 4 <= D = 5: ok\n");
	assert_string_equal(last_line(), "verdict: schedulable");
	/* fp: the order given; the bounds need rate-monotonic order */
	assert_int_equal(run("rt analyze fp 4/7 2/5"), 0);
	EXPECT_HAS("Liu-Layland bound: not applicable (priorities not rate-monotonic)\n");
	EXPECT_HAS("response time: task 2 (C=2 T=5 D=5 prio 2) R = 6 > D = 5: miss\n");
	assert_string_equal(last_line(), "verdict: not schedulable");
	assert_int_equal(run("rt analyze fp 2/5 4/7"), 0);
	EXPECT_HAS("Liu-Layland bound: U = 0.9714 > 0.8284 (n = 2): inconclusive\n");
}

static void test_edf_constrained(void **state)
{
	(void)state;
	assert_int_equal(run("rt analyze edf 2/4/3 2/8/3"), 0);
	EXPECT_HAS("EDF utilization: U = 0.7500 <= 1: necessary only (constrained deadlines)\n");
	EXPECT_HAS("processor demand: L = ");
	EXPECT_HAS("processor demand: dbf(3) = 4 > t = 3 (first failing deadline): not schedulable\n");
	assert_string_equal(last_line(), "verdict: not schedulable");
	/* (1,10,2) (3,4,4) (1,7,5): H 140, La 152, busy period 20 */
	assert_int_equal(run("rt analyze edf 1/10/2 3/4 1/7/5"), 0);
	EXPECT_HAS("processor demand: L = 20 = min(hyperperiod 140, La 152, busy period 20)\n");
	EXPECT_HAS("processor demand: dbf(12) = 13 > t = 12 (first failing deadline): not schedulable\n");
	assert_int_equal(run("rt analyze edf 1/4/2 2/6/5 1/8"), 0);
	EXPECT_HAS("processor demand: L = 2.858 = min(hyperperiod 24, La 2.858, busy period: not below the others)\n");
	EXPECT_HAS("processor demand: dbf(t) <= t at every deadline t <= 2.858 (1 checked): schedulable\n");
	assert_string_equal(last_line(), "verdict: schedulable");
	assert_int_equal(run("rt analyze edf 2/5 4/7 1/10"), 0);
	EXPECT_HAS("EDF utilization: U = 1.0714 > 1: not schedulable\n");
	assert_string_equal(last_line(), "verdict: not schedulable");
}

static void test_partitioned(void **state)
{
	(void)state;
	assert_int_equal(run("rt analyze -m 2 edf 3/10 5/10 3/10 5/10 3/10"), 0);
	EXPECT_HAS("partitioned EDF on 2 CPUs: total U = 1.9000;");
	EXPECT_HAS("first-fit: task 2 -> cpu 0, task 4 -> cpu 0, task 1 -> cpu 1, task 3 -> cpu 1, task 5 -> cpu 1\n");
	EXPECT_HAS("first-fit: cpu 0 U = 1.0000 (2 tasks), cpu 1 U = 0.9000 (3 tasks): schedulable\n");
	EXPECT_HAS("worst-fit: task 2 -> cpu 0, task 4 -> cpu 1, task 1 -> cpu 0, task 3 -> cpu 1, task 5 fits on no CPU\n");
	EXPECT_HAS("worst-fit: cpu 0 U = 0.8000 (2 tasks), cpu 1 U = 0.8000 (2 tasks): not schedulable\n");
	assert_string_equal(last_line(), "verdict: schedulable");
	/* -m after the policy, and llf */
	assert_int_equal(run("rt analyze llf -m 2 9/10 9/10 9/10"), 0);
	EXPECT_HAS("task 3 fits on no CPU");
	assert_string_equal(last_line(), "verdict: not schedulable");
	assert_int_equal(run("rt analyze -m 3 edf 9/10 9/10 9/10"), 0);
	assert_string_equal(last_line(), "verdict: schedulable");
}

static void test_decimals(void **state)
{
	(void)state;
	/* the largest time: 18446744073709 ms = (2^64 - 1) / 1000 µs, rounded down */
	assert_int_equal(run("rt analyze rm 1/18446744073709"), 0);
	EXPECT_HAS("R = 1 <= D = 18446744073709: ok\n");
	assert_int_equal(run("rt analyze edf .5/2.25 0.001/1.000 2.5/10/7.5000"), 0);
	EXPECT_HAS("  task 1: C=0.5 T=2.25 D=2.25 U=0.2222\n");
	EXPECT_HAS("  task 2: C=0.001 T=1 D=1 U=0.0010\n");
	EXPECT_HAS("  task 3: C=2.5 T=10 D=7.5 U=0.2500\n");
	assert_string_equal(last_line(), "verdict: schedulable");
}

static void test_errors(void **state)
{
	(void)state;
	static const struct { const char *cmd; const char *msg; int err; } cases[] = {
		{ "rt analyze", "rt analyze: no policy given", -EINVAL },
		{ "rt analyze rm", "rt analyze: no tasks given", -EINVAL },
		{ "rt analyze xyz 1/2", "rt analyze: unknown policy 'xyz' (rm, dm, fp, edf or llf)", -EINVAL },
		{ "rt analyze rm 3/5/7", "rt analyze: task 1 (3/5/7): D > T (deadlines longer than periods are not supported)", -EINVAL },
		{ "rt analyze rm 1/5 4/5/3", "rt analyze: task 2 (4/5/3): C > D (it can never meet its deadline)", -EINVAL },
		{ "rt analyze edf 0/5", "rt analyze: task 1 (0/5): C, T and D must be above 0", -EINVAL },
		{ "rt analyze edf 1/0", "rt analyze: task 1 (1/0): C, T and D must be above 0", -EINVAL },
		{ "rt analyze edf 1/5/0", "rt analyze: task 1 (1/5/0): C, T and D must be above 0", -EINVAL },
		{ "rt analyze edf 1", "rt analyze: task 1: '1' is not C/T or C/T/D in ms (at most 3 decimals)", -EINVAL },
		{ "rt analyze edf 1/2/3/4", "rt analyze: task 1: '1/2/3/4' is not C/T or C/T/D in ms", -EINVAL },
		{ "rt analyze edf 1/x", "rt analyze: task 1: '1/x' is not C/T", -EINVAL },
		{ "rt analyze edf 1./2", "rt analyze: task 1: '1./2' is not C/T", -EINVAL },
		{ "rt analyze edf ./2", "rt analyze: task 1: './2' is not C/T", -EINVAL },
		{ "rt analyze edf 1/2/", "rt analyze: task 1: '1/2/' is not C/T", -EINVAL },
		{ "rt analyze edf 1//2", "rt analyze: task 1: '1//2' is not C/T", -EINVAL },
		{ "rt analyze edf 0.0001/2", "rt analyze: task 1: '0.0001/2' is not C/T", -EINVAL },
		{ "rt analyze -1/2", "rt analyze: unknown policy '-1/2'", -EINVAL },
		{ "rt analyze edf 1/2 -1/2", "rt analyze: task 2: '-1/2' is not C/T", -EINVAL },
		{ "rt analyze edf 99999999999999999999/2", "rt analyze: task 1: '99999999999999999999/2': a time is too large", -EINVAL },
		{ "rt analyze edf 1/18446744073709551", "rt analyze: task 1: '1/18446744073709551': a time is too large", -EINVAL },
		{ "rt analyze -m 0 edf 1/2", "rt analyze: -m needs a CPU count from 1 to 32", -EINVAL },
		{ "rt analyze -m 33 edf 1/2", "rt analyze: -m needs a CPU count from 1 to 32", -EINVAL },
		{ "rt analyze edf 1/2 -m", "rt analyze: -m needs a CPU count", -EINVAL },
		{ "rt analyze -m 2 rm 1/2", "rt analyze: -m (partitioned analysis) is for edf and llf", -EINVAL },
		{ "rt frobnicate", "rt: unknown subcommand frobnicate (rt help lists them)", -EINVAL },
		{ "rt", "usage: rt analyze", -EINVAL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = run(cases[i].cmd);
		if (r != cases[i].err || !has(cases[i].msg))
			fail_msg("%s: got %d, output:\n%s", cases[i].cmd, r, shim_output());
		if (cases[i].err == -EINVAL)
			assert_true(has("usage: rt analyze [-m CPUS] rm|dm|fp|edf|llf C/T[/D] ... | run"));
		assert_false(has("verdict:"));
	}
	/* too many tasks: 25 */
	char cmd[SHELL_LINE_MAX] = "rt analyze edf";
	for (int i = 0; i < 25; i++)
		strcat(cmd, " 1/100");
	assert_int_equal(run(cmd), -E2BIG);
	EXPECT_HAS("rt analyze: too many tasks (at most 24)");
	assert_false(has("verdict:"));
	cmd[strlen(cmd) - strlen(" 1/100")] = 0; /* 24 are fine */
	assert_int_equal(run(cmd), 0);
	assert_string_equal(last_line(), "verdict: schedulable");
}

static void test_help_and_table(void **state)
{
	(void)state;
	assert_int_equal(run("rt help"), 0);
	EXPECT_HAS("rt analyze [-m CPUS] rm|dm|fp|edf|llf C/T[/D] ...\n");
	EXPECT_HAS("rt help\n");
	/* every subcommand `rt help` lists appears in the shell's usage line */
	const struct shell_cmd *c = shell_find("rt");
	assert_non_null(c);
	char out[1024];
	strlcpy(out, shim_output(), sizeof(out));
	int rows = 0;
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		if (strncmp(l, "rt ", 3))
			continue;
		char *name = l + 3;
		name[strcspn(name, " ")] = 0;
		if (!strstr(c->usage, name))
			fail_msg("rt usage line lacks subcommand %s: %s", name, c->usage);
		rows++;
	}
	assert_int_equal(rows, 7);
}

/* the run-time subcommands need kernel threads: stand-ins */
int rt_cmd_run(int argc, char **argv) { (void)argc; (void)argv; return -ENOSYS; }
int rt_cmd_latency(int argc, char **argv) { (void)argc; (void)argv; return -ENOSYS; }
int rt_cmd_status(int argc, char **argv) { (void)argc; (void)argv; return -ENOSYS; }
int rt_cmd_isolate(int argc, char **argv) { (void)argc; (void)argv; return -ENOSYS; }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rm_vs_edf),
		cmocka_unit_test(test_bounds_and_rta),
		cmocka_unit_test(test_dm_vs_rm_and_fp),
		cmocka_unit_test(test_edf_constrained),
		cmocka_unit_test(test_partitioned),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_and_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
