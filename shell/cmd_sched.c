/* cmd_sched.c — scheduler commands: ps, top, spin (a CPU load generator),
 * kill, nice, taskset. All figures come from the threads' and run queues'
 * live accounting. */
#include <rayos/shell.h>
#include <rayos/thread.h>
#include <rayos/console.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/mm.h>
#include <rayos/printf.h>
#include <rayos/proc.h>

static u64 cpu_ns_snapshot(struct thread *t)
{
	u64 ns = READ_ONCE(t->sum_exec);
	if (READ_ONCE(t->on_cpu) && t->state == THREAD_RUNNABLE) {
		u64 now = clock_monotonic_ns(), start = READ_ONCE(t->exec_start);
		if (now > start)
			ns += now - start;
	}
	return ns;
}

/* ns in the largest unit that divides it: 10ms, 250us, 1500ns */
static int short_ns(char *buf, size_t n, u64 ns)
{
	if (ns && ns % NSEC_PER_MSEC == 0)
		return snprintf(buf, n, "%llums", (unsigned long long)(ns / NSEC_PER_MSEC));
	if (ns && ns % NSEC_PER_USEC == 0)
		return snprintf(buf, n, "%lluus", (unsigned long long)(ns / NSEC_PER_USEC));
	return snprintf(buf, n, "%lluns", (unsigned long long)ns);
}

/* Scheduling parameters: deadline runtime/period, rt priority, nice, share policy (of the thread's
 * CPU) and effective tickets ("->ID" while lending them to thread ID), or
 * a sporadic server's high/low priorities ("lo" while at the low one). */
static void prio_text(struct thread *t, char *buf, size_t n)
{
	struct sched_dl_info dl;
	if (t->policy == SCHED_DEADLINE && !sched_dl_get(t, &dl)) {
		/* dl RUNTIME/PERIOD, or RUNTIME/DEADLINE/PERIOD when D < P */
		char q[16], d[16], p[16];
		short_ns(q, sizeof(q), dl.runtime);
		short_ns(d, sizeof(d), dl.deadline);
		short_ns(p, sizeof(p), dl.period);
		if (dl.deadline != dl.period)
			snprintf(buf, n, "dl %s/%s/%s", q, d, p);
		else
			snprintf(buf, n, "dl %s/%s", q, p);
	} else if (t->policy == SCHED_STRIDE) {
		const char *pol = sched_share_policy_name(t->cpu);
		struct thread *to = READ_ONCE(t->share.lent_to);
		if (to)
			snprintf(buf, n, "%s ->%u", pol ? pol : "?", to->tid);
		else
			snprintf(buf, n, "%s %llu", pol ? pol : "?",
				 (unsigned long long)share_effective_tickets(t));
	} else if (t->policy == SCHED_SPORADIC) {
		snprintf(buf, n, "ss %d/%d%s", t->ss.high, t->ss.low,
			 READ_ONCE(t->rt_prio) == t->ss.high ? "" : " lo");
	} else if (t->policy == SCHED_FIFO || t->policy == SCHED_RR)
		snprintf(buf, n, "rt %d", t->rt_prio);
	else if (t->policy == SCHED_IDLE)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "nice %d", t->nice);
}

static void ps_line(struct thread *t, void *ctx)
{
	(void)ctx;
	char prio[48], pid[12] = "-";
	prio_text(t, prio, sizeof(prio));
	u64 ns = cpu_ns_snapshot(t);
	/* a thread's process outlives it (freed after its threads are joined) */
	if (t->proc)
		snprintf(pid, sizeof(pid), "%d", proc_pid_of(t->proc));
	shell_printf("%5s ", pid);
	shell_printf("%5u %-15s %-9s %-8s %-15s %3u %16llx %7llu.%03llu\n", t->tid, t->name,
		     thread_state_name(t->state), t->class ? t->class->name : "?", prio, t->cpu,
		     (unsigned long long)t->affinity, (unsigned long long)(ns / NSEC_PER_SEC),
		     (unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_MSEC));
}

static int cmd_ps(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	shell_printf("%5s %5s %-15s %-9s %-8s %-15s %3s %16s %11s\n", "PID", "TID", "NAME", "STATE", "CLASS",
		     "PRIO", "CPU", "AFFINITY", "CPU TIME s");
	thread_for_each(ps_line, NULL);
	return 0;
}
SHELL_CMD(ps, "ps", "ps",
	  "list threads: process id (- for kernel threads), thread id, name, state, class, priority, nice, deadline, share policy and tickets or sporadic priorities, CPU, affinity, CPU time",
	  cmd_ps);

/* ---- top ---- */

#define TOP_MAX 128
struct top_snap {
	u32 n;
	u32 tid[TOP_MAX];
	u64 ns[TOP_MAX];
	u64 cpu_busy[MAX_CPUS], cpu_all[MAX_CPUS];
};

static void snap_thread(struct thread *t, void *ctx)
{
	struct top_snap *s = ctx;
	if (s->n < TOP_MAX) {
		s->tid[s->n] = t->tid;
		s->ns[s->n] = cpu_ns_snapshot(t);
		s->n++;
	}
}

static void take_snap(struct top_snap *s)
{
	s->n = 0;
	thread_for_each(snap_thread, s);
	for (u32 c = 0; c < MAX_CPUS; c++) {
		struct rq *rq = cpu_rq(c);
		s->cpu_busy[c] = rq->time_kernel + rq->time_user + rq->time_irq;
		s->cpu_all[c] = s->cpu_busy[c] + rq->time_idle;
	}
}

struct top_print {
	const struct top_snap *a, *b;
	u64 interval;
};

static void top_line(struct thread *t, void *ctx)
{
	struct top_print *p = ctx;
	u64 before = 0, after = 0;
	for (u32 i = 0; i < p->a->n; i++)
		if (p->a->tid[i] == t->tid)
			before = p->a->ns[i];
	for (u32 i = 0; i < p->b->n; i++)
		if (p->b->tid[i] == t->tid)
			after = p->b->ns[i];
	u64 d = after > before ? after - before : 0;
	u64 pm = p->interval ? d * 1000 / p->interval : 0; /* per mille of one CPU */
	char prio[48];
	prio_text(t, prio, sizeof(prio));
	shell_printf("%5u %-15s %-9s %-15s %3u %4llu.%llu%%\n", t->tid, t->name, thread_state_name(t->state),
		     prio, t->cpu, (unsigned long long)(pm / 10), (unsigned long long)(pm % 10));
}

static int cmd_top(int argc, char **argv)
{
	u64 iterations = ~0ULL;
	if (argc == 3 && !strcmp(argv[1], "-n")) {
		if (parse_u64(argv[2], &iterations) || !iterations)
			return -EINVAL;
	} else if (argc != 1) {
		return -EINVAL;
	}
	static struct top_snap a, b;
	take_snap(&a);
	u64 t0 = clock_monotonic_ns();
	for (u64 it = 0; it < iterations; it++) {
		/* one second, in steps, watching for a key */
		bool key = false;
		for (int i = 0; i < 10 && !key; i++) {
			thread_sleep_ns(100 * NSEC_PER_MSEC);
			key = console_poll_char() >= 0;
		}
		take_snap(&b);
		u64 t1 = clock_monotonic_ns();
		struct mem_stats ms;
		mm_stats(&ms);
		shell_printf("\x1b[2J\x1b[H");
		u64 up = t1 / NSEC_PER_SEC;
		shell_printf("top - up %llu s, %u CPU(s), memory %llu/%llu MiB free%s\n", (unsigned long long)up,
			     nr_cpus_online, (unsigned long long)(ms.free_bytes >> 20),
			     (unsigned long long)(ms.total_bytes >> 20),
			     iterations == ~0ULL ? "   (any key quits)" : "");
		for (u32 c = 0; c < MAX_CPUS; c++) {
			if (!cpus[c].online)
				continue;
			u64 all = b.cpu_all[c] - a.cpu_all[c], busy = b.cpu_busy[c] - a.cpu_busy[c];
			u64 pm = all ? busy * 1000 / all : 0;
			shell_printf("cpu %u: %3llu.%llu%% busy, %u runnable\n", c, (unsigned long long)(pm / 10),
				     (unsigned long long)(pm % 10), cpu_rq(c)->nr_running);
		}
		shell_printf("%5s %-15s %-9s %-15s %3s %6s\n", "TID", "NAME", "STATE", "PRIO", "CPU", "CPU%");
		struct top_print p = { &a, &b, t1 - t0 };
		thread_for_each(top_line, &p);
		a = b;
		t0 = t1;
		if (key)
			break;
	}
	return 0;
}
SHELL_CMD(top, "top", "top [-n COUNT]", "live CPU use per CPU and per thread, every second until a key (-n: COUNT times)", cmd_top);

/* ---- spin ---- */

struct spin_arg {
	u64 until;
	u64 loops;
};

static int spin_fn(void *varg)
{
	struct spin_arg *a = varg;
	while (clock_monotonic_ns() < a->until && !thread_should_stop())
		a->loops++;
	return 0;
}

#define SPIN_MAX 64

static int cmd_spin(int argc, char **argv)
{
	u64 n, secs;
	if (argc != 3 || parse_u64(argv[1], &n) || parse_u64(argv[2], &secs) || !n || n > SPIN_MAX ||
	    secs > 3600)
		return -EINVAL;
	static struct spin_arg args[SPIN_MAX];
	static struct thread *th[SPIN_MAX];
	u64 until = clock_monotonic_ns() + secs * NSEC_PER_SEC;
	u32 made = 0;
	for (u32 i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "spin/%u", i);
		args[i].until = until;
		args[i].loops = 0;
		th[i] = kthread_create(spin_fn, &args[i], name);
		if (!th[i]) {
			shell_printf("spin: could not create thread %u (out of memory)\n", i);
			break;
		}
		made++;
	}
	for (u32 i = 0; i < made; i++) {
		u32 tid = th[i]->tid, cpu;
		u64 ns;
		thread_join_stats(th[i], &ns, &cpu);
		shell_printf("spin/%u (thread %u): %llu.%03llu s of CPU, last on CPU %u\n", i, tid,
			     (unsigned long long)(ns / NSEC_PER_SEC),
			     (unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_MSEC), cpu);
	}
	return made == n ? 0 : -ENOMEM;
}
SHELL_CMD(spin, "spin", "spin THREADS SECONDS",
	  "start THREADS CPU-bound kernel threads for SECONDS and wait for them (a load generator)", cmd_spin);

/* ---- share: the share class's policy per CPU and tickets ---- */

static int parse_tid(const char *s, u32 *tid);

static void share_line(struct thread *t, void *ctx)
{
	(void)ctx;
	if (t->policy != SCHED_STRIDE)
		return;
	struct thread *to = READ_ONCE(t->share.lent_to);
	char lend[16] = "-";
	if (to)
		snprintf(lend, sizeof(lend), "%u", to->tid);
	shell_printf("%5u %-15s %3u %8u %8llu %8llu %6s\n", t->tid, t->name, t->cpu, t->share.tickets,
		     (unsigned long long)READ_ONCE(t->share.recv),
		     (unsigned long long)share_effective_tickets(t), lend);
}

static int set_share_fn(struct thread *t, void *ctx)
{
	if (t->policy == SCHED_IDLE)
		return -EPERM;
	return thread_set_share(t, (u32)(uintptr_t)ctx);
}

static int cmd_share(int argc, char **argv)
{
	if (argc == 1) {
		shell_printf("%3s %-8s %10s %7s %8s\n", "CPU", "POLICY", "QUANTUM us", "QUEUED", "TICKETS");
		for (u32 c = 0; c < MAX_CPUS; c++) {
			if (!cpus[c].online)
				continue;
			struct rq *rq = cpu_rq(c);
			const char *pol = sched_share_policy_name(c);
			shell_printf("%3u %-8s %10llu %7u %8llu\n", c, pol ? pol : "?",
				     (unsigned long long)(READ_ONCE(rq->share.quantum) / NSEC_PER_USEC),
				     READ_ONCE(rq->share.nr), (unsigned long long)READ_ONCE(rq->share.tickets));
		}
		shell_printf("%5s %-15s %3s %8s %8s %8s %6s\n", "TID", "NAME", "CPU", "TICKETS", "RECEIVED",
			     "EFFECT", "LENDS");
		thread_for_each(share_line, NULL);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "policy")) {
		u64 cpu;
		if (parse_u64(argv[2], &cpu) || cpu >= MAX_CPUS)
			return -EINVAL;
		int r = sched_share_set_policy((u32)cpu, argv[3]);
		if (r == -ENOENT)
			shell_printf("share: no policy '%s' (stride, lottery)\n", argv[3]);
		else if (r == -EINVAL)
			shell_printf("share: CPU %llu is not online\n", (unsigned long long)cpu);
		return r == -EINVAL ? -ENOENT : r;
	}
	if (argc == 4 && !strcmp(argv[1], "set")) {
		u32 tid;
		u64 tickets;
		if (parse_tid(argv[2], &tid) || parse_u64(argv[3], &tickets) || !tickets ||
		    tickets > SHARE_TICKETS_MAX)
			return -EINVAL;
		int r = thread_with(tid, set_share_fn, (void *)(uintptr_t)tickets);
		if (r == -ENOENT)
			shell_printf("share: no thread %u\n", tid);
		else if (r == -EPERM)
			shell_printf("share: thread %u keeps its class\n", tid);
		return r;
	}
	return -EINVAL;
}
SHELL_CMD(share, "share", "share [policy CPU stride|lottery | set ID TICKETS]",
	  "proportional share: policy per CPU and threads' tickets; select a CPU's policy; give thread ID tickets",
	  cmd_share);

/* ---- kill, nice, taskset ---- */

static int parse_tid(const char *s, u32 *tid)
{
	u64 v;
	if (parse_u64(s, &v) || !v || v > 0xffffffffu)
		return -EINVAL;
	*tid = (u32)v;
	return 0;
}

static int do_stop(struct thread *t, void *ctx)
{
	(void)ctx;
	if (t->proc) /* a user thread: its process gets SIGKILL (found by
		      * id: the process may be reaped while we hold t) */
		return proc_kill_thread_group(t->tid, 9) ? -ENOENT : 0;
	if (t == current_thread() || t->policy == SCHED_IDLE)
		return -EPERM;
	thread_stop(t);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	u32 tid;
	if (argc != 2 || parse_tid(argv[1], &tid))
		return -EINVAL;
	int r = thread_with(tid, do_stop, NULL);
	if (r == -ENOENT)
		shell_printf("kill: no thread %u\n", tid);
	else if (r == -EPERM)
		shell_printf("kill: thread %u cannot be stopped\n", tid);
	else
		shell_printf("kill: asked thread %u to stop\n", tid);
	return r == 0 ? 0 : r == -EPERM ? -EPERM : -ENOENT;
}
SHELL_CMD(kill, "kill", "kill ID", "ask kernel thread ID to stop (a user thread: SIGKILL to its process)", cmd_kill);

static int do_nice(struct thread *t, void *ctx)
{
	if (t->policy == SCHED_IDLE)
		return -EPERM;
	return thread_set_nice(t, (int)(intptr_t)ctx);
}

static int cmd_nice(int argc, char **argv)
{
	u32 tid;
	s64 n;
	if (argc != 3 || parse_tid(argv[1], &tid) || parse_s64(argv[2], &n) || n < NICE_MIN || n > NICE_MAX)
		return -EINVAL;
	int r = thread_with(tid, do_nice, (void *)(intptr_t)n);
	if (r == -ENOENT)
		shell_printf("nice: no thread %u\n", tid);
	return r;
}
SHELL_CMD(nice, "nice", "nice ID N", "set thread ID's nice value (-20..19; fair class)", cmd_nice);

static int do_taskset(struct thread *t, void *ctx)
{
	if (t->policy == SCHED_IDLE)
		return -EPERM;
	return thread_set_affinity(t, *(cpumask_t *)ctx);
}

static int cmd_taskset(int argc, char **argv)
{
	u32 tid;
	u64 mask;
	if (argc != 3 || parse_tid(argv[1], &tid))
		return -EINVAL;
	const char *m = argv[2];
	char buf[24];
	if (!str_starts_with(m, "0x") && strlen(m) < 20) { /* the mask is hex, like Linux taskset */
		snprintf(buf, sizeof(buf), "0x%s", m);
		m = buf;
	}
	if (parse_u64(m, &mask) || !mask)
		return -EINVAL;
	int r = thread_with(tid, do_taskset, &mask);
	if (r == -ENOENT)
		shell_printf("taskset: no thread %u\n", tid);
	else if (r == -EINVAL)
		shell_printf("taskset: mask %#llx has no online CPU\n", (unsigned long long)mask);
	return r == -EINVAL ? -ERANGE : r;
}
SHELL_CMD(taskset, "taskset", "taskset ID MASK", "set thread ID's CPU affinity (hex mask, e.g. 3 = CPUs 0 and 1)", cmd_taskset);
