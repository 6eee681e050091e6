/* cmd_rt_run.c — the run-time half of the `rt` command: `rt run` (a
 * periodic task set under a policy, with per-task jobs, misses and worst
 * response), `rt latency` (cyclictest-style wake-up latency per CPU), `rt
 * status` (isolation, admission caps, real-time threads and counters) and
 * `rt isolate/unisolate`. Everything printed comes from the run's own
 * measurements (rt.h) or live scheduler state. */
#include <rayos/shell.h>
#include <rayos/rt.h>
#include <rayos/thread.h>
#include <rayos/sched.h>
#include <rayos/cmdline.h>
#include <rayos/console.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/percpu.h>
#include "cmd_rt.h"

/* Milliseconds (the analysis's parser, cmd_rt.c) -> ns. */
int rt_parse_ms(const char *s, u64 *ns)
{
	u64 us;
	int r = rt_parse_ms_us(s, strlen(s), &us);
	if (r)
		return r;
	if (us > ~0ULL / NSEC_PER_USEC)
		return -ERANGE;
	*ns = us * NSEC_PER_USEC;
	return 0;
}

/* "C/T[/D][:soft|:firm|:hard]" */
static int parse_task(const char *arg, struct rt_task_spec *t, enum rt_crit dflt)
{
	char buf[64], *f[3] = { 0 };
	int n = 0;
	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	t->crit = dflt;
	char *colon = strchr(buf, ':');
	if (colon) {
		*colon++ = 0;
		if (!strcmp(colon, "soft"))
			t->crit = RT_SOFT;
		else if (!strcmp(colon, "firm"))
			t->crit = RT_FIRM;
		else if (!strcmp(colon, "hard"))
			t->crit = RT_HARD;
		else
			return -EINVAL;
	}
	char *p = buf;
	while (n < 3) {
		f[n++] = p;
		char *slash = strchr(p, '/');
		if (!slash)
			break;
		*slash = 0;
		p = slash + 1;
	}
	if (n < 2 || strchr(p, '/'))
		return -EINVAL;
	if (rt_parse_ms(f[0], &t->C) || rt_parse_ms(f[1], &t->T))
		return -EINVAL;
	t->D = t->T;
	if (n == 3 && rt_parse_ms(f[2], &t->D))
		return -EINVAL;
	return 0;
}

static void print_ms(u64 ns)
{
	shell_printf("%llu.%03llu", (unsigned long long)(ns / NSEC_PER_MSEC),
		     (unsigned long long)(ns % NSEC_PER_MSEC / NSEC_PER_USEC));
}

static const char *crit_name(enum rt_crit c)
{
	return c == RT_HARD ? "hard" : c == RT_FIRM ? "firm" : "soft";
}

int rt_cmd_run(int argc, char **argv)
{
	static struct rt_run_spec spec;
	static struct rt_run_result res;
	char err[160];
	enum rt_crit crit = RT_SOFT;
	int i = 1;

	memset(&spec, 0, sizeof(spec));
	spec.cpu = -1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--hard"))
			crit = RT_HARD;
		else if (!strcmp(argv[i], "--firm"))
			crit = RT_FIRM;
		else if (!strcmp(argv[i], "--soft"))
			crit = RT_SOFT;
		else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			u64 c;
			if (parse_u64(argv[++i], &c) || c >= MAX_CPUS) {
				shell_printf("rt run: bad CPU '%s'\n", argv[i]);
				return -EINVAL;
			}
			spec.cpu = (int)c;
		} else {
			shell_printf("rt run: unknown option '%s'\n", argv[i]);
			return -EINVAL;
		}
	}
	if (argc - i < 3) {
		shell_printf("usage: rt run [--soft|--firm|--hard] [-c CPU] POLICY SECONDS C/T[/D][:crit] ...\n"
			     "       POLICY: %s; times in milliseconds\n", rt_run_policies());
		return -EINVAL;
	}
	if (strlcpy(spec.policy, argv[i], sizeof(spec.policy)) >= sizeof(spec.policy)) {
		shell_printf("rt run: unknown policy '%s' (one of: %s)\n", argv[i], rt_run_policies());
		return -EINVAL;
	}
	u64 secs;
	if (parse_u64(argv[i + 1], &secs) || !secs || secs > 3600) {
		shell_printf("rt run: SECONDS must be 1..3600, not '%s'\n", argv[i + 1]);
		return -EINVAL;
	}
	spec.duration_ns = secs * NSEC_PER_SEC;
	for (i += 2; i < argc; i++) {
		if (spec.n == RT_RUN_MAX_TASKS) {
			shell_printf("rt run: at most %d tasks\n", RT_RUN_MAX_TASKS);
			return -EINVAL;
		}
		if (parse_task(argv[i], &spec.task[spec.n], crit)) {
			shell_printf("rt run: bad task '%s' (C/T[/D] in ms, optional :soft/:firm/:hard)\n", argv[i]);
			return -EINVAL;
		}
		spec.n++;
	}
	int r = rt_run(&spec, &res, err, sizeof(err));
	if (r) {
		shell_printf("%s\n", err);
		return r == -EBUSY ? r : -EINVAL;
	}
	shell_printf("policy %s on CPU %u%s, %llu s, utilization %llu.%04llu (cap %llu.%04llu)\n", spec.policy,
		     res.cpu, res.isolated_for_run ? " (isolated for the run)" : "", (unsigned long long)secs,
		     (unsigned long long)(res.util_ppm / 1000000), (unsigned long long)(res.util_ppm % 1000000 / 100),
		     (unsigned long long)(res.cap_ppm / 1000000), (unsigned long long)(res.cap_ppm % 1000000 / 100));
	shell_printf("task  C/T/D (ms)            crit  prio  jobs  misses  dropped  worst resp (ms)  max tardiness (ms)\n");
	for (u32 k = 0; k < spec.n; k++) {
		const struct rt_task_spec *t = &spec.task[k];
		const struct rt_task_result *x = &res.task[k];
		char ctd[48];
		snprintf(ctd, sizeof(ctd), "%llu.%03llu/%llu.%03llu/%llu.%03llu",
			 (unsigned long long)(t->C / NSEC_PER_MSEC), (unsigned long long)(t->C % NSEC_PER_MSEC / 1000),
			 (unsigned long long)(t->T / NSEC_PER_MSEC), (unsigned long long)(t->T % NSEC_PER_MSEC / 1000),
			 (unsigned long long)(t->D / NSEC_PER_MSEC), (unsigned long long)(t->D % NSEC_PER_MSEC / 1000));
		shell_printf("%-5u %-21s %-5s ", k + 1, ctd, crit_name(t->crit));
		if (x->prio)
			shell_printf("%-5d ", x->prio);
		else
			shell_printf("%-5s ", "-");
		shell_printf("%-5llu %-7llu %-8llu ", (unsigned long long)x->jobs, (unsigned long long)x->misses,
			     (unsigned long long)x->dropped);
		print_ms(x->worst_response);
		shell_printf("%*s", 11, "");
		print_ms(x->max_tardiness);
		if (x->throttled)
			shell_printf("  (throttled %llu times, max overrun %llu us)", (unsigned long long)x->throttled,
				     (unsigned long long)(x->max_overrun / NSEC_PER_USEC));
		shell_printf("%s\n", x->stopped ? "  (stopped: hard miss)" : "");
	}
	u64 stalls = 0, stall_ns = 0, max_stall = 0;
	for (u32 k = 0; k < spec.n; k++) {
		stalls += res.task[k].stalls;
		stall_ns += res.task[k].stall_ns;
		max_stall = MAX(max_stall, res.task[k].max_stall);
	}
	shell_printf("CPU stalls during jobs (>= %llu us of CPU time charged between two reads of a job's loop): %llu",
		     RT_STALL_NS / NSEC_PER_USEC, (unsigned long long)stalls);
	if (stalls) {
		shell_printf(", ");
		print_ms(stall_ns);
		shell_printf(" ms in all, longest ");
		print_ms(max_stall);
		shell_printf(" ms");
	}
	shell_printf("\nmisses: %llu\n", (unsigned long long)res.misses);
	return 0;
}

int rt_cmd_latency(int argc, char **argv)
{
	static struct rt_latency_result res;
	u64 secs = 0, interval_us = 1000;
	bool load = false;
	int pos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--load")) {
			load = true;
		} else if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			if (parse_u64(argv[++i], &interval_us) || interval_us < 100 || interval_us > 1000000) {
				shell_printf("rt latency: interval must be 100..1000000 us\n");
				return -EINVAL;
			}
		} else if (!pos++ && !parse_u64(argv[i], &secs) && secs && secs <= 3600) {
			continue;
		} else {
			shell_printf("usage: rt latency SECONDS [--load] [-i INTERVAL_US]\n");
			return -EINVAL;
		}
	}
	if (!secs) {
		shell_printf("usage: rt latency SECONDS [--load] [-i INTERVAL_US]\n");
		return -EINVAL;
	}
	int r = rt_latency(secs * NSEC_PER_SEC, interval_us * NSEC_PER_USEC, load, &res);
	if (r) {
		shell_printf("rt latency: %s\n", r == -EBUSY ? "a real-time run is in progress" : "failed");
		return r;
	}
	shell_printf("wake-up latency, SCHED_FIFO 99 thread per CPU, every %llu us for %llu s%s\n",
		     (unsigned long long)interval_us, (unsigned long long)secs,
		     load ? ", a busy SCHED_NORMAL thread on every CPU" : "");
	u64 all_min = ~0ULL, all_max = 0, all_sum = 0, all_n = 0, hist[RT_LAT_BUCKETS] = { 0 };
	shell_printf("CPU  samples   min (us)  avg (us)  max (us)\n");
	for (u32 i = 0; i < res.ncpu; i++) {
		struct rt_latency_cpu *c = &res.cpu[i];
		u64 avg = c->samples ? c->sum_ns / c->samples : 0;
		shell_printf("%-4u %-9llu %-9llu %-9llu %llu\n", res.cpu_id[i], (unsigned long long)c->samples,
			     (unsigned long long)(c->min_ns / 1000), (unsigned long long)(avg / 1000),
			     (unsigned long long)(c->max_ns / 1000));
		if (c->samples) {
			all_min = MIN(all_min, c->min_ns);
			all_max = MAX(all_max, c->max_ns);
			all_sum += c->sum_ns;
			all_n += c->samples;
		}
		for (int b = 0; b < RT_LAT_BUCKETS; b++)
			hist[b] += c->hist[b];
	}
	if (!all_n) {
		shell_printf("no samples\n");
		return -EIO;
	}
	shell_printf("histogram (all CPUs):\n");
	for (int b = 0; b < RT_LAT_BUCKETS; b++) {
		if (!hist[b])
			continue;
		shell_printf("  %6llu..%-6llu us %llu\n", b ? 1ULL << b : 0ULL, (1ULL << (b + 1)) - 1,
			     (unsigned long long)hist[b]);
	}
	shell_printf("latency: min %llu us, avg %llu us, max %llu us\n", (unsigned long long)(all_min / 1000),
		     (unsigned long long)(all_sum / all_n / 1000), (unsigned long long)(all_max / 1000));
	return 0;
}

struct status_ctx {
	u32 n;
};

static void status_thread(struct thread *t, void *vctx)
{
	struct status_ctx *c = vctx;
	struct sched_dl_info dl;
	if (t->state == THREAD_DEAD)
		return;
	bool is_dl = t->policy == SCHED_DEADLINE && !sched_dl_get(t, &dl);
	if (!is_dl && t->policy != SCHED_FIFO && t->policy != SCHED_RR && t->policy != SCHED_SPORADIC &&
	    !t->pi_base.active)
		return;
	if (!c->n++)
		shell_printf("real-time threads:\n  tid   name             cpu  class     parameters\n");
	shell_printf("  %-5u %-16s %-4u ", t->tid, t->name, t->cpu);
	if (is_dl) {
		shell_printf("deadline  runtime %llu us, deadline %llu us, period %llu us; %s%lld us left, "
			     "throttled %llu times, max overrun %llu us\n",
			     (unsigned long long)(dl.runtime / 1000), (unsigned long long)(dl.deadline / 1000),
			     (unsigned long long)(dl.period / 1000), dl.throttled ? "throttled, " : "",
			     (long long)(dl.remaining / 1000), (unsigned long long)dl.nr_throttled,
			     (unsigned long long)(dl.max_overrun / 1000));
	} else if (t->policy == SCHED_SPORADIC) {
		shell_printf("rt        sporadic server: prio %d (high %d, low %d), budget %llu us per %llu us, "
			     "%llu exhaustions\n", t->rt_prio, t->ss.high, t->ss.low,
			     (unsigned long long)(t->ss.budget / 1000), (unsigned long long)(t->ss.period / 1000),
			     (unsigned long long)t->ss.nr_exhausted);
	} else {
		shell_printf("rt        %s %d%s\n", t->policy == SCHED_RR ? "SCHED_RR" : "SCHED_FIFO", t->rt_prio,
			     t->pi_base.active ? " (inherited through a mutex)" : "");
	}
}

int rt_cmd_status(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		shell_printf("usage: rt status\n");
		return -EINVAL;
	}
	cpumask_t iso = sched_isolated_cpus();
	shell_printf("deadline class: %s mode\n", sched_dl_global() ? "global" : "partitioned");
	shell_printf("CPU  isolated  deadline policy  admitted  cap\n");
	for (u32 c = 0; c < MAX_CPUS; c++) {
		if (!cpus[c].online)
			continue;
		u32 adm = 0, cap = 0;
		sched_dl_bw(c, &adm, &cap);
		shell_printf("%-4u %-9s %-16s %3u.%02u%%   %3u.%02u%%\n", c, (iso & (1ULL << c)) ? "yes" : "no",
			     dl_rq_policy_name(cpu_rq(c)), adm / 10000, adm % 10000 / 100, cap / 10000,
			     cap % 10000 / 100);
	}
	struct status_ctx ctx = { 0 };
	thread_for_each(status_thread, &ctx);
	if (!ctx.n)
		shell_printf("real-time threads: none\n");
	shell_printf("deadline misses:");
	static const char *const pols[] = { "edf", "llf", "rm", "dm", "fp", "deadline" };
	for (size_t i = 0; i < ARRAY_SIZE(pols); i++)
		shell_printf(" %s %llu", pols[i], (unsigned long long)rt_misses(pols[i]));
	shell_printf("\nthrottled (CBS runtime exhausted): %llu\n", (unsigned long long)sched_dl_throttled_total());
	return 0;
}

int rt_cmd_isolate(int argc, char **argv)
{
	bool on = !strcmp(argv[0], "isolate");
	u64 mask;
	if (argc != 2 || cpulist_parse(argv[1], &mask)) {
		shell_printf("usage: rt %s CPULIST   (e.g. 1 or 1,3 or 2-3)\n", argv[0]);
		return -EINVAL;
	}
	for (u32 c = 0; c < MAX_CPUS; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		int r = sched_isolate_cpu(c, on);
		if (r) {
			shell_printf("rt %s: CPU %u: %s\n", argv[0], c,
				     r == -EBUSY ? "it is the last housekeeping CPU" : "not online");
			return r;
		}
		shell_printf("CPU %u %s\n", c, on ? "isolated" : "back in general use");
	}
	return 0;
}

