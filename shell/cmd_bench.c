/* cmd_bench.c — in-kernel benchmarks: `bench sched [RUNS]` measures the
 * scheduler and the locks on the running kernel. Benchmarks are not tests:
 * they pass or fail nothing, they print what they measured
 * (tools/bench-sched.py boots QEMU and collects the figures for
 * `make bench-sched`).
 *
 * Figures (every one measured here and now, with the cycle counter,
 * arch_cycles, converted by cycles_to_ns; each run gives one value, the
 * mean over its iterations, and the figure is the median, min and max over
 * RUNS runs, default 7):
 *  - ctxsw_same_cpu: two threads pinned to one CPU pass the turn through
 *    two completions (wait queues): one hand-off = wake the other + block +
 *    switch; total time / number of hand-offs;
 *  - ctxsw_cross_cpu: the same with the threads pinned to two CPUs: each
 *    hand-off is a cross-CPU wake-up (IPI) of an idle CPU;
 *  - wake_timer: a thread sleeps on a one-shot timer (500 us); time from the
 *    timer callback (which calls thread_wake) to the thread running;
 *    timer_late: from the deadline to the callback (interrupt latency);
 *  - wake_explicit_same_cpu / _cross_cpu: a thread asleep (off its CPU) is
 *    woken by thread_wake from another thread on the same / another CPU;
 *    time from just before thread_wake to the woken thread running. On the
 *    same CPU the waker then blocks, so that includes its switch away;
 *  - spin_pair, spin_irqsave_pair, mutex_pair: one uncontended lock+unlock,
 *    over many iterations with interrupts off (no interrupt in the figure).
 * Cross-CPU times compare cycle counters of two CPUs (synchronised on
 * QEMU and on invariant-TSC hardware). With the lock checker compiled in
 * (CONFIG_LOCKDEP) every figure includes its cost; the header says so.
 *
 * Output, one line per figure, for tools/bench-sched.py:
 *   BENCH name=NAME unit=ns median=X min=X max=X runs=N iters=N [worst=X]
 *   BENCH name=NAME skipped="why"
 * Locking: each measurement owns its threads, completions and locks; the
 * command waits for (joins) every thread it starts. */
#include <rayos/shell.h>
#include <rayos/metrics.h>
#include <rayos/arch.h>
#include <rayos/lockdep.h>
#include <rayos/string.h>
#include <rayos/sync.h>
#include <rayos/thread.h>
#include <rayos/time.h>

#define RUNS_DEFAULT 7
#define RUNS_MAX 31
#define PINGPONG_ROUNDS 1000   /* 2 hand-offs each */
#define PINGPONG_WARMUP 20
#define WAKE_SAMPLES 100
#define TIMER_SLEEP_NS (500 * NSEC_PER_USEC)
#define LOCK_ITERS 100000
#define MUTEX_ITERS 50000

/* A figure: per-run values in tenths of a nanosecond. */
struct figure {
	const char *name;
	u32 runs, iters;
	u64 v[RUNS_MAX];
	u64 worst; /* largest single sample (0: not tracked) */
	const char *skipped;
};

static void put_deci(const char *key, u64 d)
{
	shell_printf(" %s=%llu.%llu", key, (unsigned long long)(d / 10), (unsigned long long)(d % 10));
}

static void report(struct figure *f)
{
	if (f->skipped) {
		shell_printf("BENCH name=%s skipped=\"%s\"\n", f->name, f->skipped);
		return;
	}
	if (!f->runs) {
		shell_printf("BENCH name=%s skipped=\"no run completed\"\n", f->name);
		return;
	}
	u64 s[RUNS_MAX];
	memcpy(s, f->v, f->runs * sizeof(u64));
	sort(s, f->runs, sizeof(u64), sort_cmp_u64);
	u64 med = f->runs % 2 ? s[f->runs / 2] : (s[f->runs / 2 - 1] + s[f->runs / 2]) / 2;
	shell_printf("BENCH name=%s unit=ns", f->name);
	put_deci("median", med);
	put_deci("min", s[0]);
	put_deci("max", s[f->runs - 1]);
	shell_printf(" runs=%u iters=%u", f->runs, f->iters);
	if (f->worst)
		put_deci("worst", f->worst);
	shell_printf("\n");
}

/* Mean in tenths of a ns of `count` events taking `cycles` in all. */
static u64 deci_ns(u64 cycles, u64 count)
{
	return count ? cycles_to_ns(cycles) * 10 / count : 0;
}

static u32 other_cpu(u32 cpu)
{
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (c != cpu && cpus[c].online)
			return c;
	return cpu;
}

/* ---- context switch: ping-pong through two completions ---- */

struct pingpong {
	struct completion to_a, to_b;
	u64 cycles;
};

static int pp_a(void *arg)
{
	struct pingpong *p = arg;
	for (int i = 0; i < PINGPONG_WARMUP; i++) {
		complete(&p->to_b);
		wait_for_completion(&p->to_a);
	}
	u64 t0 = arch_cycles();
	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		complete(&p->to_b);
		wait_for_completion(&p->to_a);
	}
	p->cycles = arch_cycles() - t0;
	return 0;
}

static int pp_b(void *arg)
{
	struct pingpong *p = arg;
	for (int i = 0; i < PINGPONG_WARMUP + PINGPONG_ROUNDS; i++) {
		wait_for_completion(&p->to_b);
		complete(&p->to_a);
	}
	return 0;
}

static int run_pingpong(u32 cpu_a, u32 cpu_b, u64 *out)
{
	static struct pingpong p;
	completion_init(&p.to_a);
	completion_init(&p.to_b);
	p.cycles = 0;
	struct thread *b = kthread_create_on(pp_b, &p, "bench-pong", 1ULL << cpu_b);
	struct thread *a = b ? kthread_create_on(pp_a, &p, "bench-ping", 1ULL << cpu_a) : NULL;
	if (!a) {
		if (b) { /* let it finish: it waits for the turns a would give */
			for (int i = 0; i < PINGPONG_WARMUP + PINGPONG_ROUNDS; i++)
				complete(&p.to_b);
			thread_join(b, NULL);
		}
		return -ENOMEM;
	}
	thread_join(a, NULL);
	thread_join(b, NULL);
	*out = deci_ns(p.cycles, 2ULL * PINGPONG_ROUNDS);
	return 0;
}

/* ---- wake-up latency ---- */

struct wake_ctx {
	struct thread *sleeper;
	struct completion ack;
	struct timer_event ev;
	volatile u32 go;
	volatile u64 t_wake, t_run, fire_ns, deadline_ns;
	volatile bool valid;     /* the sleeper was off its CPU when woken */
	u64 sum, worst, late_sum;
	u32 n;
};

/* Sleep until w->go is set (by a waker or the timer). */
static void sleep_until_go(struct wake_ctx *w)
{
	struct thread *self = current_thread();
	for (;;) {
		WRITE_ONCE(self->state, THREAD_SLEEPING);
		if (READ_ONCE(w->go))
			break;
		schedule();
	}
	WRITE_ONCE(self->state, THREAD_RUNNABLE);
}

static bool is_asleep(struct thread *t)
{
	return READ_ONCE(t->state) == THREAD_SLEEPING && !READ_ONCE(t->on_rq) && !READ_ONCE(t->on_cpu);
}

static void timer_fired(struct timer_event *ev)
{
	struct wake_ctx *w = container_of(ev, struct wake_ctx, ev);
	w->fire_ns = clock_monotonic_ns();
	w->valid = is_asleep(w->sleeper);
	w->t_wake = arch_cycles();
	WRITE_ONCE(w->go, 1);
	thread_wake(w->sleeper);
}

static void account_sample(struct wake_ctx *w, u64 cycles)
{
	u64 d = deci_ns(cycles, 1);
	w->sum += cycles;
	w->worst = MAX(w->worst, d);
	w->n++;
}

static int timer_sleeper(void *arg)
{
	struct wake_ctx *w = arg;
	w->sleeper = current_thread();
	w->ev.fn = timer_fired;
	for (int i = 0; i < WAKE_SAMPLES; i++) {
		w->go = 0;
		w->valid = false;
		w->deadline_ns = clock_monotonic_ns() + TIMER_SLEEP_NS;
		timer_arm(&w->ev, w->deadline_ns);
		sleep_until_go(w);
		u64 t_run = arch_cycles();
		if (w->valid && t_run > w->t_wake) {
			account_sample(w, t_run - w->t_wake);
			w->late_sum += w->fire_ns > w->deadline_ns ? w->fire_ns - w->deadline_ns : 0;
		}
	}
	return 0;
}

static int explicit_sleeper(void *arg)
{
	struct wake_ctx *w = arg;
	for (int i = 0; i < WAKE_SAMPLES; i++) {
		sleep_until_go(w);
		w->t_run = arch_cycles();
		WRITE_ONCE(w->go, 0);
		complete(&w->ack);
	}
	return 0;
}

/* Waker: runs on the command's thread, pinned to cpu for the duration. */
static int run_explicit(u32 cpu_waker, u32 cpu_sleeper, struct wake_ctx *w)
{
	struct thread *self = current_thread();
	cpumask_t saved = self->affinity;
	if (thread_set_affinity(self, 1ULL << cpu_waker))
		return -EINVAL;
	completion_init(&w->ack);
	w->go = 0;
	struct thread *s = kthread_create_on(explicit_sleeper, w, "bench-sleep", 1ULL << cpu_sleeper);
	if (!s) {
		thread_set_affinity(self, saved);
		return -ENOMEM;
	}
	for (int i = 0; i < WAKE_SAMPLES; i++) {
		while (!is_asleep(s)) {
			if (cpu_waker == cpu_sleeper)
				thread_yield();
			else
				arch_cpu_relax();
		}
		w->t_wake = arch_cycles();
		WRITE_ONCE(w->go, 1);
		thread_wake(s);
		wait_for_completion(&w->ack);
		if (w->t_run > w->t_wake)
			account_sample(w, w->t_run - w->t_wake);
	}
	thread_join(s, NULL);
	thread_set_affinity(self, saved);
	return 0;
}

static int run_timer(u32 cpu, struct wake_ctx *w)
{
	struct thread *s = kthread_create_on(timer_sleeper, w, "bench-timer", 1ULL << cpu);
	if (!s)
		return -ENOMEM;
	thread_join(s, NULL);
	timer_cancel(&w->ev);
	return 0;
}

/* ---- uncontended lock pairs, interrupts off ---- */

static spinlock_t bench_spin = SPINLOCK_INIT;
static struct mutex bench_mutex = MUTEX_INIT(bench_mutex, "bench");

static u64 spin_pairs(void)
{
	irqflags_t f = arch_irq_save();
	u64 t0 = arch_cycles();
	for (u32 i = 0; i < LOCK_ITERS; i++) {
		spin_lock(&bench_spin);
		spin_unlock(&bench_spin);
	}
	u64 c = arch_cycles() - t0;
	arch_irq_restore(f);
	return deci_ns(c, LOCK_ITERS);
}

static u64 spin_irqsave_pairs(void)
{
	irqflags_t f = arch_irq_save();
	u64 t0 = arch_cycles();
	for (u32 i = 0; i < LOCK_ITERS; i++) {
		irqflags_t g = spin_lock_irqsave(&bench_spin);
		spin_unlock_irqrestore(&bench_spin, g);
	}
	u64 c = arch_cycles() - t0;
	arch_irq_restore(f);
	return deci_ns(c, LOCK_ITERS);
}

static u64 mutex_pairs(void)
{
	irqflags_t f = arch_irq_save();
	u64 t0 = arch_cycles();
	for (u32 i = 0; i < MUTEX_ITERS; i++) {
		mutex_lock(&bench_mutex);
		mutex_unlock(&bench_mutex);
	}
	u64 c = arch_cycles() - t0;
	arch_irq_restore(f);
	return deci_ns(c, MUTEX_ITERS);
}

/* The observability hot paths the issue asks to price: one counter
 * increment, one histogram record (a standalone histogram, so the kernel's
 * own figures are not disturbed). */
static struct metric bench_counter;
static struct histogram bench_hist;

static u64 counter_incs(void)
{
	irqflags_t f = arch_irq_save();
	u64 t0 = arch_cycles();
	for (u32 i = 0; i < LOCK_ITERS; i++)
		metric_inc(&bench_counter);
	u64 c = arch_cycles() - t0;
	arch_irq_restore(f);
	return deci_ns(c, LOCK_ITERS);
}

static u64 hist_records(void)
{
	irqflags_t f = arch_irq_save();
	u64 t0 = arch_cycles();
	for (u32 i = 0; i < LOCK_ITERS; i++)
		hist_record(&bench_hist, (u64)i * 37);
	u64 c = arch_cycles() - t0;
	arch_irq_restore(f);
	return deci_ns(c, LOCK_ITERS);
}

/* ---- bench sched ---- */

enum { F_CTX_SAME, F_CTX_CROSS, F_WAKE_TIMER, F_TIMER_LATE, F_WAKE_SAME, F_WAKE_CROSS,
       F_SPIN, F_SPIN_IRQ, F_MUTEX, F_COUNTER, F_HIST, F_NR };

static struct figure figs[F_NR];

static void add_wake(struct figure *f, struct wake_ctx *w)
{
	if (!w->n)
		return;
	f->v[f->runs++] = deci_ns(w->sum, w->n);
	f->iters = w->n;
	f->worst = MAX(f->worst, w->worst);
}

static int bench_sched(u32 runs)
{
	static const char *const names[F_NR] = {
		"ctxsw_same_cpu", "ctxsw_cross_cpu", "wake_timer", "timer_late",
		"wake_explicit_same_cpu", "wake_explicit_cross_cpu",
		"spin_pair", "spin_irqsave_pair", "mutex_pair", "counter_inc", "hist_record",
	};
	static struct wake_ctx w;
	if (!clock_cycle_rate()) {
		shell_printf("bench: the cycle counter is not calibrated\n");
		return -ENODEV;
	}
	memset(figs, 0, sizeof(figs));
	for (int i = 0; i < F_NR; i++)
		figs[i].name = names[i];
	u32 here = this_cpu()->id, there = other_cpu(here);
	bool smp = there != here;
#ifdef CONFIG_LOCKDEP
	const char *checker = "on (figures include its cost)";
#else
	const char *checker = "off";
#endif
	u64 mhz10 = clock_cycle_rate() / 100000;
	shell_printf("bench sched: %u runs per figure; %u CPU(s) online; CPUs %u and %u; cycle counter "
		     "%llu.%llu MHz; lock checker %s\n", runs, nr_cpus_online, here, there,
		     (unsigned long long)(mhz10 / 10), (unsigned long long)(mhz10 % 10), checker);
	if (!smp) {
		figs[F_CTX_CROSS].skipped = figs[F_WAKE_CROSS].skipped = "1 CPU online";
	}
	for (u32 r = 0; r < runs; r++) {
		u64 v;
		int err = run_pingpong(here, here, &v);
		if (err)
			return err;
		figs[F_CTX_SAME].v[figs[F_CTX_SAME].runs++] = v;
		figs[F_CTX_SAME].iters = 2 * PINGPONG_ROUNDS;
		if (smp) {
			if ((err = run_pingpong(here, there, &v)))
				return err;
			figs[F_CTX_CROSS].v[figs[F_CTX_CROSS].runs++] = v;
			figs[F_CTX_CROSS].iters = 2 * PINGPONG_ROUNDS;
		}

		memset(&w, 0, sizeof(w));
		if ((err = run_timer(here, &w)))
			return err;
		add_wake(&figs[F_WAKE_TIMER], &w);
		if (w.n) {
			figs[F_TIMER_LATE].v[figs[F_TIMER_LATE].runs++] = w.late_sum * 10 / w.n;
			figs[F_TIMER_LATE].iters = w.n;
		}

		memset(&w, 0, sizeof(w));
		if ((err = run_explicit(here, here, &w)))
			return err;
		add_wake(&figs[F_WAKE_SAME], &w);
		if (smp) {
			memset(&w, 0, sizeof(w));
			if ((err = run_explicit(here, there, &w)))
				return err;
			add_wake(&figs[F_WAKE_CROSS], &w);
		}

		figs[F_SPIN].v[figs[F_SPIN].runs++] = spin_pairs();
		figs[F_SPIN].iters = LOCK_ITERS;
		figs[F_SPIN_IRQ].v[figs[F_SPIN_IRQ].runs++] = spin_irqsave_pairs();
		figs[F_SPIN_IRQ].iters = LOCK_ITERS;
		figs[F_MUTEX].v[figs[F_MUTEX].runs++] = mutex_pairs();
		figs[F_MUTEX].iters = MUTEX_ITERS;
		figs[F_COUNTER].v[figs[F_COUNTER].runs++] = counter_incs();
		figs[F_COUNTER].iters = LOCK_ITERS;
		figs[F_HIST].v[figs[F_HIST].runs++] = hist_records();
		figs[F_HIST].iters = LOCK_ITERS;
	}
	for (int i = 0; i < F_NR; i++)
		report(&figs[i]);
	return 0;
}

static int cmd_bench(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || strcmp(argv[1], "sched"))
		return -EINVAL;
	u32 runs = RUNS_DEFAULT;
	if (argc == 3) {
		u64 n;
		if (parse_u64(argv[2], &n) || n < 1 || n > RUNS_MAX)
			return -EINVAL;
		runs = (u32)n;
	}
	return bench_sched(runs);
}
SHELL_CMD(bench, "bench", "bench sched [RUNS]",
	  "measure context switch, wake-up latency, lock, counter and histogram costs (median/min/max of RUNS runs, default 7)",
	  cmd_bench);
