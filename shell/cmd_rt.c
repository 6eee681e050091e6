/* cmd_rt.c — the `rt` command: real-time scheduling from the shell.
 *
 * `rt` dispatches to a table of subcommands (rt_subcmds[]: name, handler,
 * usage, help); adding one (run, latency, status) is adding a row, plus its
 * name in the SHELL_CMD usage line, which a hosted test keeps in step.
 * A handler gets argv starting at the subcommand's name and returns 0 or a
 * negative errno; on -EINVAL the shell prints the rt usage line, so handlers
 * print what exactly was wrong first.
 *
 * rt analyze [-m CPUS] POLICY C/T[/D] ...: schedulability analysis with
 * kernel/sched/analysis.c. Times are milliseconds with up to three
 * decimals (held in µs); D defaults to T. POLICY is rm, dm, fp (priorities
 * in the order given), edf or llf. Each test applied prints one line with
 * its numbers and result; the last line is exactly `verdict: schedulable`
 * or `verdict: not schedulable`. -m CPUS (edf, llf) analyses partitioned
 * EDF with first-fit and worst-fit. Integer formatting only (no floats in
 * the kernel).
 *
 * Locking: none; the results live in static storage because the shell runs
 * one command at a time (they are too big for comfort on a 16 KiB stack). */
#include <rayos/shell.h>
#include "cmd_rt.h"
#include <rayos/rtanalysis.h>
#include <rayos/printf.h>
#include <rayos/string.h>

/* The shell line holds at most SHELL_MAX_ARGS words; 24 tasks leave room
 * for "rt analyze -m N POLICY" and keep the limit below RTA_MAX_TASKS. */
#define RT_ANALYZE_MAX_TASKS 24
#define US_PER_MS 1000

struct rt_subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage; /* after "rt " */
	const char *help;
};

/* ---- formatting ---- */

/* µs as milliseconds: "20", "0.5", "2.25", "0.001" */
static const char *ms_text(char *buf, size_t n, u64 us)
{
	u64 frac = us % US_PER_MS;
	if (!frac) {
		snprintf(buf, n, "%llu", (unsigned long long)(us / US_PER_MS));
		return buf;
	}
	int digits = 3;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, n, "%llu.%0*llu", (unsigned long long)(us / US_PER_MS), digits,
		 (unsigned long long)frac);
	return buf;
}

/* Separate buffers so several can appear in one printf. */
#define MS(slot, v) ms_text(msbuf[slot], sizeof(msbuf[slot]), (v))
#define FR(slot, v) (rta_frac_format(frbuf[slot], sizeof(frbuf[slot]), (v), 4), frbuf[slot])
static char msbuf[6][24];
static char frbuf[3][32];

/* Parse milliseconds ("20", "0.5", ".25", "2.250") with up to three
 * significant decimals into µs; 0 or -EINVAL (empty, junk, "1.", finer
 * than 1 µs) / -ERANGE (too big). */
int rt_parse_ms_us(const char *s, size_t len, u64 *us)
{
	u64 ip = 0, frac = 0;
	size_t i = 0, nd = 0, fd = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
		if (ip > (~0ULL / US_PER_MS - 9) / 10)
			return -ERANGE;
		ip = ip * 10 + (u64)(s[i] - '0');
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, fd++) {
			if (fd >= 3) {
				if (s[i] != '0')
					return -EINVAL; /* finer than a microsecond */
				continue;
			}
			frac = frac * 10 + (u64)(s[i] - '0');
		}
		if (!fd)
			return -EINVAL;
	}
	if (i != len || (!nd && !fd))
		return -EINVAL;
	for (size_t k = fd; k < 3; k++)
		frac *= 10;
	*us = ip * US_PER_MS + frac;
	return 0;
}

/* "C/T" or "C/T/D" */
static int parse_task(const char *arg, struct rt_task *t)
{
	u64 v[3];
	int n = 0;
	const char *p = arg;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 3)
			return -EINVAL;
		int err = rt_parse_ms_us(p, len, &v[n++]);
		if (err)
			return err;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (n < 2)
		return -EINVAL;
	t->C = v[0];
	t->T = v[1];
	t->D = n == 3 ? v[2] : v[1];
	t->B = 0;
	t->prio = 0;
	return 0;
}

/* ---- rt analyze ---- */

enum policy { P_RM, P_DM, P_FP, P_EDF, P_LLF };
static const char *const policy_names[] = { "rm", "dm", "fp", "edf", "llf" };
static const char *const policy_desc[] = {
	"rate-monotonic priorities", "deadline-monotonic priorities",
	"fixed priorities in the order given", "EDF", "LLF",
};

static struct rt_task tasks[RT_ANALYZE_MAX_TASKS];
static struct rta_fp_result fp_res;
static struct rta_partition_result part_res[2];

static void print_tasks(u32 n, bool fixed)
{
	for (u32 i = 0; i < n; i++) {
		const struct rt_task *t = &tasks[i];
		shell_printf("  task %u: C=%s T=%s D=%s U=%s", i + 1, MS(0, t->C), MS(1, t->T), MS(2, t->D),
			     FR(0, rta_task_util(t)));
		if (fixed)
			shell_printf(" prio %d", t->prio);
		shell_printf("\n");
	}
}

static bool bound_line(const char *name, const struct rta_bound_result *b, bool rm_order, bool hyper)
{
	if (!rm_order) {
		shell_printf("%s: not applicable (priorities not rate-monotonic)\n", name);
		return false;
	}
	if (b->verdict == RTA_NA) {
		shell_printf("%s: not applicable (%s)\n", name, b->why_na);
		return false;
	}
	bool pass = b->verdict == RTA_PASS;
	if (hyper)
		shell_printf("%s: prod(U_i + 1) = %s %s 2: %s\n", name, FR(0, b->prod), pass ? "<=" : ">",
			     pass ? "schedulable" : "inconclusive");
	else
		shell_printf("%s: U = %s %s %s (n = %u): %s\n", name, FR(0, b->U), pass ? "<=" : ">",
			     FR(1, b->bound), b->n, pass ? "schedulable" : "inconclusive");
	return pass;
}

static bool analyze_fixed(u32 n)
{
	struct rta_bound_result ll, hb;
	bool rm_order = rta_is_rm_order(tasks, n);
	rta_liu_layland(tasks, n, &ll);
	rta_hyperbolic(tasks, n, &hb);
	bool by_bound = bound_line("Liu-Layland bound", &ll, rm_order, false);
	by_bound |= bound_line("hyperbolic bound", &hb, rm_order, true);
	rta_response_time(tasks, n, &fp_res);
	for (int prio = 1; prio <= (int)n; prio++) {
		for (u32 i = 0; i < n; i++) {
			const struct rt_task *t = &tasks[i];
			const struct rta_resp *r = &fp_res.task[i];
			if (t->prio != prio)
				continue;
			shell_printf("response time: task %u (C=%s T=%s D=%s prio %d) ", i + 1, MS(0, t->C),
				     MS(1, t->T), MS(2, t->D), t->prio);
			if (r->verdict == RTA_PASS)
				shell_printf("R = %s <= D = %s: ok\n", MS(3, r->R), MS(2, t->D));
			else if (r->verdict == RTA_FAIL)
				shell_printf("R %s %s > D = %s: miss\n", r->R_exact ? "=" : ">=", MS(3, r->R),
					     MS(2, t->D));
			else
				shell_printf("R >= %s after %u iterations: unknown (analysis limit)\n",
					     MS(3, r->R), r->iterations);
		}
	}
	if (fp_res.verdict == RTA_UNKNOWN)
		return by_bound;
	return fp_res.verdict == RTA_PASS;
}

static void demand_bound_line(const struct rta_edf_result *e)
{
	shell_printf("processor demand: L = %s = min(", MS(0, e->L));
	if (e->H_ok)
		shell_printf("hyperperiod %s", MS(1, e->H));
	else
		shell_printf("hyperperiod: overflows");
	if (e->La_ok)
		shell_printf(", La %s", MS(2, e->La));
	else
		shell_printf(", La: %s", e->u_cmp == 0 ? "n/a (U = 1)" : "too big");
	if (e->Lb_ok)
		shell_printf(", busy period %s", MS(3, e->Lb));
	else
		shell_printf(", busy period: not below the others");
	shell_printf(")\n");
}

static bool analyze_edf(u32 n, bool llf)
{
	struct rta_edf_result e;
	if (llf)
		shell_printf("LLF: on one CPU least-laxity-first is optimal like EDF (Mok 1983): the EDF tests apply\n");
	rta_edf(tasks, n, &e);
	bool ok_u = e.u_cmp <= 0;
	shell_printf("EDF utilization: U = %s %s 1: ", FR(0, e.U), ok_u ? "<=" : ">");
	if (!ok_u) {
		shell_printf("not schedulable\n");
		return false;
	}
	if (e.implicit) {
		shell_printf("schedulable (implicit deadlines: exact, Liu & Layland 1973)\n");
		return true;
	}
	shell_printf("necessary only (constrained deadlines)\n");
	if (e.L_kind == RTA_L_NONE) {
		shell_printf("processor demand: no bound L within reach (hyperperiod overflows, busy period too long): unknown\n");
		return false;
	}
	demand_bound_line(&e);
	if (e.verdict == RTA_FAIL) {
		shell_printf("processor demand: dbf(%s) = %s > t = %s (%s): not schedulable\n", MS(0, e.fail_t),
			     MS(1, e.fail_dbf), MS(0, e.fail_t),
			     e.fail_first ? "first failing deadline" : "a failing deadline, found by QPA");
		return false;
	}
	if (e.verdict == RTA_UNKNOWN) {
		shell_printf("processor demand: checked every deadline up to %s, then QPA stopped after %u steps: unknown\n",
			     MS(0, e.scanned_to), e.qpa_steps);
		return false;
	}
	shell_printf("processor demand: dbf(t) <= t at every deadline t <= %s (%llu checked", MS(0, e.L),
		     (unsigned long long)e.points);
	if (e.qpa_steps)
		shell_printf(" one by one up to %s, the rest by QPA in %u steps", MS(1, e.scanned_to), e.qpa_steps);
	shell_printf(")");
	shell_printf(": schedulable\n");
	return true;
}

static bool analyze_partitioned(u32 n, u32 m, bool llf)
{
	if (llf)
		shell_printf("LLF: on one CPU least-laxity-first is optimal like EDF (Mok 1983): each CPU gets the EDF tests\n");
	rta_frac U = rta_total_util(tasks, n);
	shell_printf("partitioned EDF on %u CPUs: total U = %s; tasks by decreasing utilization, each CPU must pass the EDF test\n",
		     m, FR(0, U));
	bool any = false;
	static const enum rta_fit fits[2] = { RTA_FIRST_FIT, RTA_WORST_FIT };
	for (int k = 0; k < 2; k++) {
		struct rta_partition_result *r = &part_res[k];
		rta_partition_edf(tasks, n, m, fits[k], r);
		shell_printf("%s:", rta_fit_name(fits[k]));
		for (u32 j = 0; j < n; j++) {
			u32 i = r->order[j];
			if (r->cpu[i] >= 0)
				shell_printf("%s task %u -> cpu %d", j ? "," : "", i + 1, r->cpu[i]);
			else if ((int)i == r->failed_task)
				shell_printf("%s task %u fits on no CPU", j ? "," : "", i + 1);
		}
		shell_printf("\n%s:", rta_fit_name(fits[k]));
		for (u32 c = 0; c < m; c++)
			shell_printf(" cpu %u U = %s (%u task%s)%s", c, FR(0, r->cpu_util[c]), r->cpu_tasks[c],
				     r->cpu_tasks[c] == 1 ? "" : "s", c + 1 < m ? "," : "");
		bool ok = r->verdict == RTA_PASS;
		shell_printf(": %s\n", ok ? "schedulable" : "not schedulable");
		any |= ok;
	}
	return any;
}

static int rt_analyze(int argc, char **argv)
{
	u32 m = 0;
	int policy = -1;
	u32 n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-m")) {
			u64 v;
			if (i + 1 >= argc || parse_u64(argv[i + 1], &v) || v < 1 || v > RTA_MAX_CPUS) {
				shell_printf("rt analyze: -m needs a CPU count from 1 to %u\n", RTA_MAX_CPUS);
				return -EINVAL;
			}
			m = (u32)v;
			i++;
			continue;
		}
		if (policy < 0) {
			for (int p = 0; p < (int)ARRAY_SIZE(policy_names); p++)
				if (!strcmp(a, policy_names[p]))
					policy = p;
			if (policy < 0) {
				shell_printf("rt analyze: unknown policy '%s' (rm, dm, fp, edf or llf)\n", a);
				return -EINVAL;
			}
			continue;
		}
		if (n == RT_ANALYZE_MAX_TASKS) {
			shell_printf("rt analyze: too many tasks (at most %u)\n", RT_ANALYZE_MAX_TASKS);
			return -E2BIG;
		}
		struct rt_task *t = &tasks[n];
		int err = parse_task(a, t);
		if (err == -ERANGE) {
			shell_printf("rt analyze: task %u: '%s': a time is too large\n", n + 1, a);
			return -EINVAL;
		}
		if (err) {
			shell_printf("rt analyze: task %u: '%s' is not C/T or C/T/D in ms (at most 3 decimals)\n",
				     n + 1, a);
			return -EINVAL;
		}
		const char *why = !t->C || !t->T || !t->D ? "C, T and D must be above 0"
				  : t->D > t->T ? "D > T (deadlines longer than periods are not supported)"
				  : t->C > t->D ? "C > D (it can never meet its deadline)" : NULL;
		if (why) {
			shell_printf("rt analyze: task %u (%s): %s\n", n + 1, a, why);
			return -EINVAL;
		}
		n++;
	}
	if (policy < 0 || !n) {
		shell_printf("rt analyze: %s\n", policy < 0 ? "no policy given" : "no tasks given");
		return -EINVAL;
	}
	if (m && policy != P_EDF && policy != P_LLF) {
		shell_printf("rt analyze: -m (partitioned analysis) is for edf and llf\n");
		return -EINVAL;
	}
	bool fixed = policy == P_RM || policy == P_DM || policy == P_FP;
	int err = policy == P_RM ? rta_assign_rm(tasks, n)
		: policy == P_DM ? rta_assign_dm(tasks, n) : rta_assign_fp(tasks, n);
	if (err)
		return err; /* validated above; not reached */
	shell_printf("%u task%s, times in ms, %s%s:\n", n, n == 1 ? "" : "s", policy_desc[policy],
		     fixed ? " (prio 1 = highest)" : "");
	print_tasks(n, fixed);
	bool ok;
	if (fixed)
		ok = analyze_fixed(n);
	else if (m)
		ok = analyze_partitioned(n, m, policy == P_LLF);
	else
		ok = analyze_edf(n, policy == P_LLF);
	shell_printf("verdict: %s\n", ok ? "schedulable" : "not schedulable");
	return 0;
}

/* ---- the rt command ---- */

static int rt_help(int argc, char **argv);

static const struct rt_subcmd rt_subcmds[] = {
	{ "analyze", rt_analyze, "analyze [-m CPUS] rm|dm|fp|edf|llf C/T[/D] ...",
	  "schedulability tests for periodic tasks (times in ms, up to 3 decimals; -m: partitioned EDF)" },
	{ "run", rt_cmd_run, "run [--soft|--firm|--hard] [-c CPU] rm|dm|fp|edf|llf SECONDS C/T[/D][:soft|:firm|:hard] ...",
	  "run periodic tasks (times in ms) under a policy: jobs, misses, worst response per task, then misses: N" },
	{ "latency", rt_cmd_latency, "latency SECONDS [--load] [-i INTERVAL_US]",
	  "wake-up latency of a SCHED_FIFO 99 thread per CPU (cyclictest-like); --load keeps every CPU busy" },
	{ "status", rt_cmd_status, "status",
	  "isolation, admitted bandwidth and cap per CPU, real-time threads, miss and throttle counters" },
	{ "isolate", rt_cmd_isolate, "isolate CPULIST",
	  "keep CPUs for pinned work: no load balancing, no unbound threads, no device interrupts" },
	{ "unisolate", rt_cmd_isolate, "unisolate CPULIST", "return isolated CPUs to general use" },
	{ "help", rt_help, "help", "list the rt subcommands" },
};

static int rt_help(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(rt_subcmds); i++)
		shell_printf("rt %s\n    %s\n", rt_subcmds[i].usage, rt_subcmds[i].help);
	return 0;
}

static int cmd_rt(int argc, char **argv)
{
	if (argc < 2)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(rt_subcmds); i++)
		if (!strcmp(argv[1], rt_subcmds[i].name))
			return rt_subcmds[i].fn(argc - 1, argv + 1);
	shell_printf("rt: unknown subcommand %s (rt help lists them)\n", argv[1]);
	return -EINVAL;
}

SHELL_CMD(rt, "rt", "rt analyze [-m CPUS] rm|dm|fp|edf|llf C/T[/D] ... | run | latency | status | isolate | unisolate | help",
	  "real-time: schedulability analysis of a task set (rt help)", cmd_rt);
