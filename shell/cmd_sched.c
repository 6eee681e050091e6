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

static u64 thread_cpu_ns(struct thread *t)
{
	u64 ns = READ_ONCE(t->sum_exec);
	if (READ_ONCE(t->on_cpu) && t->state == THREAD_RUNNABLE) {
		u64 now = clock_monotonic_ns(), start = READ_ONCE(t->exec_start);
		if (now > start)
			ns += now - start;
	}
	return ns;
}

static void prio_text(struct thread *t, char *buf, size_t n)
{
	if (t->policy == SCHED_FIFO || t->policy == SCHED_RR)
		snprintf(buf, n, "rt %d", t->rt_prio);
	else if (t->policy == SCHED_IDLE)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "nice %d", t->nice);
}

static void ps_line(struct thread *t, void *ctx)
{
	(void)ctx;
	char prio[16], pid[12] = "-";
	prio_text(t, prio, sizeof(prio));
	u64 ns = thread_cpu_ns(t);
	/* a thread's process outlives it (freed after its threads are joined) */
	if (t->proc)
		snprintf(pid, sizeof(pid), "%d", proc_pid_of(t->proc));
	shell_printf("%5s ", pid);
	shell_printf("%5u %-15s %-9s %-5s %-8s %3u %16llx %7llu.%03llu\n", t->tid, t->name,
		     thread_state_name(t->state), t->class ? t->class->name : "?", prio, t->cpu,
		     (unsigned long long)t->affinity, (unsigned long long)(ns / NSEC_PER_SEC),
		     (unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_MSEC));
}

static int cmd_ps(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	shell_printf("%5s %5s %-15s %-9s %-5s %-8s %3s %16s %11s\n", "PID", "TID", "NAME", "STATE", "CLASS",
		     "PRIO", "CPU", "AFFINITY", "CPU TIME s");
	thread_for_each(ps_line, NULL);
	return 0;
}
SHELL_CMD(ps, "ps", "ps", "list threads: process id (- for kernel threads), thread id, name, state, class, priority or nice, CPU, affinity, CPU time", cmd_ps);

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
		s->ns[s->n] = thread_cpu_ns(t);
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
	char prio[16];
	prio_text(t, prio, sizeof(prio));
	shell_printf("%5u %-15s %-9s %-8s %3u %4llu.%llu%%\n", t->tid, t->name, thread_state_name(t->state),
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
		shell_printf("%5s %-15s %-9s %-8s %3s %6s\n", "TID", "NAME", "STATE", "PRIO", "CPU", "CPU%");
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
	if (t->proc) /* a user thread: its process gets SIGKILL */
		return proc_kill(proc_pid_of(t->proc), 9) ? -ENOENT : 0;
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
