/* bench_pick.c — the scheduler's cost per decision, hosted (`make bench-rt`,
 * issue 6 item 13). The kernel's portable scheduler (kernel/sched/core_rq.c,
 * deadline.c, rt.c, stride.c, fair.c, idle.c, lib/rbtree.c, lib/string.c,
 * lib/random.c) is compiled unchanged, -O2, no sanitizers, into this host
 * program (bench/sched/bench.mk); one struct rq (CPU 0) and fake threads
 * run on a fake clock.
 *
 * A decision is what the core (kernel/sched/core.c) does at a switch, in
 * order: the class timer if it is due (rq_class_timers, armed from the
 * previous rq_next_event), rq_tick (charge curr: update_curr), a blocking
 * curr leaves (rq_dequeue) and due sleepers wake (rq_enqueue +
 * rq_wakeup_preempts) — mixed scenario only —, rq_pick_next (curr is put
 * back and the classes are asked in rank order), then the one-shot timers
 * are re-armed from rq_slice_left and rq_next_event. The clock advances by
 * STEP_NS (100 us) per decision, so vruntimes, passes, deadlines, laxities
 * and budgets move and the choice changes as it would in a running system.
 *
 * Scenarios, N = 4, 16, 64 threads, always runnable unless said:
 *   fair-N     fair class, nice 0 (the baseline: CFS-like)
 *   rt-N       rt class, SCHED_FIFO, priorities 1..N (spread over 1..99)
 *   edf-N      deadline class, EDF; CBS servers with periods 5..22.5 ms and
 *              runtimes filling 90% of the CPU (so they throttle and are
 *              replenished: the idle thread runs the other 10%)
 *   llf-N      the same set under LLF
 *   stride-N   share class, stride policy, tickets 1..10 (quantum 1 ms)
 *   mixed-N    N/16 EDF servers (20% in all), N/16 SCHED_FIFO threads
 *              that run 100 us and sleep (15% in all), N/4 stride threads
 *              that run 100 us and sleep (15% in all), the rest fair
 * Output: per scenario, ns per decision (median over ROUNDS rounds, every
 * round runs every scenario once in a rotated order, after a warm-up) with
 * the min-max range and the ratio to fair-N; and one machine-readable line
 * "RESULT NAME N NS_MEDIAN DECISIONS" each. `--insns NAME` runs one
 * scenario once (for valgrind --toggle-collect=run_decisions: the measured
 * loop only) and prints its RESULT line.
 *
 * Single-threaded; the rq lock the kernel code would hold is not needed.
 * The GS base points at cpus[0] (arch_prctl), so this_cpu() works as in
 * the kernel (like bench/mm/rayos_host.c).
 * Figures depend on the host: compare the ratios, not absolute numbers. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rayos/arch.h>
#include <rayos/panic.h>
#include <rayos/percpu.h>
#include <rayos/sched.h>

#define US 1000ULL
#define MS (1000ULL * US)
#define STEP_NS (100 * US)
#define START_NS (1000 * MS)
#define DECISIONS 200000ULL      /* per measured pass */
#define WARMUP 20000ULL
#define INSNS_DECISIONS 20000ULL
#define MAX_ROUNDS 51

enum kind { FAIR, RT, EDF, LLF, STRIDE, MIXED, NKINDS };
static const char *const kind_name[NKINDS] = { "fair", "rt", "edf", "llf", "stride", "mixed" };
static const int sizes[] = { 4, 16, 64 };
#define NSIZES ((int)(sizeof(sizes) / sizeof(sizes[0])))

struct bthread {
	struct thread t;
	u32 run_steps;   /* 0: never blocks; else runs this many decisions, then sleeps */
	u32 left;        /* decisions left in the current burst */
	int grp;         /* its sleep group (B.grp), if it blocks */
	u64 wake_at;     /* while sleeping */
	struct bthread *next_sleeper;
};

/* Sleepers of one group all sleep the same time, so they wake in the order
 * they slept: a FIFO list (O(1) per decision). */
struct sleep_group {
	u64 sleep_ns;
	struct bthread *head, *tail;
};

static struct {
	struct rq rq;
	struct thread idle;
	struct bthread *th;
	int n;
	u64 now, ev;
	struct sleep_group grp[2];
	int ngrp;
} B;

static struct bthread *bt_of(struct thread *t) { return container_of(t, struct bthread, t); }

static void must(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "bench_pick: %s: error %d\n", what, err);
		exit(1);
	}
}

static int group_of(u64 sleep_ns)
{
	for (int g = 0; g < B.ngrp; g++)
		if (B.grp[g].sleep_ns == sleep_ns)
			return g;
	if (B.ngrp == 2)
		must(-1, "more than two sleep groups");
	B.grp[B.ngrp].sleep_ns = sleep_ns;
	return B.ngrp++;
}

/* sleep_steps 0: always runnable. */
static struct bthread *add(int i, u32 run_steps, u32 sleep_steps)
{
	struct bthread *b = &B.th[i];
	b->t.tid = (u32)i + 1;
	snprintf(b->t.name, sizeof(b->t.name), "b%d", i);
	b->t.state = THREAD_SLEEPING;
	b->t.affinity = 1;
	b->t.cpu = 0;
	b->run_steps = run_steps;
	b->left = run_steps;
	if (run_steps)
		b->grp = group_of(sleep_steps * STEP_NS);
	return b;
}

static void dl_params(struct bthread *b, int i, int n, u32 util_ppm)
{
	u64 period = 5 * MS + (u64)(i % 8) * 2500 * US;
	u64 runtime = period * util_ppm / 1000000 / (u64)n;
	must(sched_set_deadline(&b->t, runtime, period, period, 0), "sched_set_deadline");
}

static void setup(enum kind k, int n)
{
	sched_dl_reset();
	memset(&B.rq, 0, sizeof(B.rq));
	memset(&B.idle, 0, sizeof(B.idle));
	rq_init(&B.rq, 0, &B.idle);
	B.now = START_NS;
	B.rq.clock = B.now;
	B.idle.exec_start = B.now;
	B.ngrp = 0;
	memset(B.grp, 0, sizeof(B.grp));
	B.th = calloc((size_t)n, sizeof(*B.th));
	if (!B.th)
		must(-1, "calloc");
	B.n = n;
	if (k == LLF)
		must(dl_rq_set_policy(&B.rq, "llf"), "dl_rq_set_policy llf");
	int ndl = n / 16 ? n / 16 : 1, nrt = ndl, nsh = n / 4;
	for (int i = 0; i < n; i++) {
		struct bthread *b;
		switch (k) {
		case FAIR:
			must(sched_set_fair(&add(i, 0, 0)->t, 0), "sched_set_fair");
			break;
		case RT:
			must(sched_set_rt(&add(i, 0, 0)->t, SCHED_FIFO, 1 + i * 98 / (n - 1)), "sched_set_rt");
			break;
		case EDF:
		case LLF:
			dl_params(add(i, 0, 0), i, n, 900000);
			break;
		case STRIDE:
			must(sched_set_share(&add(i, 0, 0)->t, 1 + (u32)(i % 10)), "sched_set_share");
			break;
		case MIXED:
			/* a sleeper of a group of m uses 1 / (1 + sleep) of the
			 * CPU: sleep = m / 15% - 1 for 15% in all */
			if (i < ndl) {
				dl_params(add(i, 0, 0), i, ndl, 200000);
			} else if (i < ndl + nrt) {
				b = add(i, 1, (u32)(nrt * 100 / 15 - 1));
				must(sched_set_rt(&b->t, SCHED_FIFO, 10 + i), "sched_set_rt");
			} else if (i < ndl + nrt + nsh) {
				b = add(i, 1, (u32)(nsh * 100 / 15 - 1));
				must(sched_set_share(&b->t, 1 + (u32)(i % 10)), "sched_set_share");
			} else {
				must(sched_set_fair(&add(i, 0, 0)->t, 0), "sched_set_fair");
			}
			break;
		default:
			break;
		}
	}
	for (int i = 0; i < n; i++) {
		B.th[i].t.state = THREAD_RUNNABLE;
		rq_enqueue(&B.rq, &B.th[i].t, false);
	}
	rq_pick_next(&B.rq, B.now);
	B.ev = rq_next_event(&B.rq);
}

static void teardown(void)
{
	free(B.th);
	B.th = NULL;
}

static inline __attribute__((always_inline)) void decide(void)
{
	struct rq *rq = &B.rq;
	struct thread *prev = rq->curr;

	B.now += STEP_NS;
	if (B.ev && (s64)(B.ev - B.now) <= 0)
		rq_class_timers(rq, B.now);
	rq_tick(rq, B.now);
	if (prev != rq->idle && prev->on_rq) {
		struct bthread *b = bt_of(prev);
		if (b->run_steps && !--b->left) {
			/* it blocks: off the run queue, into its sleep group */
			struct sleep_group *g = &B.grp[b->grp];
			rq_dequeue(rq, prev);
			prev->state = THREAD_SLEEPING;
			b->left = b->run_steps;
			b->next_sleeper = NULL;
			b->wake_at = B.now + g->sleep_ns;
			if (g->tail)
				g->tail->next_sleeper = b;
			else
				g->head = b;
			g->tail = b;
		}
	}
	for (int gi = 0; gi < B.ngrp; gi++) {
		struct sleep_group *g = &B.grp[gi];
		while (g->head && (s64)(g->head->wake_at - B.now) <= 0) {
			struct bthread *b = g->head;
			g->head = b->next_sleeper;
			if (!g->head)
				g->tail = NULL;
			b->t.state = THREAD_RUNNABLE;
			rq->clock = B.now;
			rq_enqueue(rq, &b->t, true);
			rq_wakeup_preempts(rq, &b->t);
		}
	}
	rq_pick_next(rq, B.now);
	(void)rq_slice_left(rq);
	B.ev = rq_next_event(rq);
}

/* Two loops over decide(): valgrind counts only inside run_decisions.
 * noipa keeps the compiler from folding the two identical functions into
 * one symbol (identical code folding), which callgrind could not tell apart. */
#if defined(__has_attribute) && __has_attribute(noipa)
#define NOFOLD __attribute__((noipa))
#else
#define NOFOLD __attribute__((noinline))
#endif
static NOFOLD void warm_up(u64 n)
{
	for (u64 i = 0; i < n; i++)
		decide();
}

static NOFOLD void run_decisions(u64 n)
{
	for (u64 i = 0; i < n; i++)
		decide();
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What the measured pass did, from the run queue's own counters: the
 * share of decisions that switched threads, and of the time that went to
 * the idle thread. */
struct pass_stats {
	double switched, idle;
};

/* ns per decision of one warmed-up pass of `decisions`. */
static double measure(enum kind k, int n, u64 decisions, struct pass_stats *st)
{
	setup(k, n);
	warm_up(WARMUP);
	u64 sw0 = B.rq.nr_switches, idle0 = B.idle.sum_exec, now0 = B.now;
	double t0 = now_s();
	run_decisions(decisions);
	double t1 = now_s();
	rq_tick(&B.rq, B.now); /* charge the last decision's thread */
	if (st) {
		st->switched = (double)(B.rq.nr_switches - sw0) / (double)decisions;
		st->idle = (double)(B.idle.sum_exec - idle0) / (double)(B.now - now0);
	}
	teardown();
	return (t1 - t0) * 1e9 / (double)decisions;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int parse_name(const char *s, enum kind *k, int *n)
{
	for (int i = 0; i < NKINDS; i++) {
		size_t l = strlen(kind_name[i]);
		if (!strncmp(s, kind_name[i], l) && s[l] == '-') {
			*k = (enum kind)i;
			*n = atoi(s + l + 1);
			return *n >= 2 && *n <= 1024 ? 0 : -1;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	int rounds = 9;
	const char *insns = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--insns") && i + 1 < argc)
			insns = argv[++i];
		else
			rounds = -1;
	}
	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench_pick [--rounds 1..%d] [--insns KIND-N]\n", MAX_ROUNDS);
		return 2;
	}
	/* this_cpu() (the spinlocks' preempt count) reads %gs:0, as in the
	 * kernel: point the GS base at cpus[0] */
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, &cpus[0])) {
		perror("bench_pick: arch_prctl(ARCH_SET_GS)");
		return 1;
	}
	must(sched_classes_init(), "sched_classes_init");
	if (insns) {
		enum kind k;
		int n;
		if (parse_name(insns, &k, &n)) {
			fprintf(stderr, "bench_pick: unknown scenario %s\n", insns);
			return 2;
		}
		measure(k, n, INSNS_DECISIONS, NULL);
		printf("RESULT %s %d 0 %llu\n", insns, n, INSNS_DECISIONS);
		return 0;
	}
	enum { NSC = NKINDS * NSIZES };
	static double v[NSC][MAX_ROUNDS];
	struct pass_stats st[NSC];
	for (int r = 0; r < rounds; r++) {
		fprintf(stderr, "bench_pick: round %d of %d\r", r + 1, rounds);
		for (int j = 0; j < NSC; j++) {
			int s = (j + r * 5) % NSC; /* a rotated order every round */
			v[s][r] = measure((enum kind)(s % NKINDS), sizes[s / NKINDS], DECISIONS, &st[s]);
		}
	}
	fprintf(stderr, "\n");
	double med[NSC], lo[NSC], hi[NSC];
	for (int s = 0; s < NSC; s++) {
		qsort(v[s], (size_t)rounds, sizeof(double), cmp_double);
		med[s] = rounds % 2 ? v[s][rounds / 2] : (v[s][rounds / 2 - 1] + v[s][rounds / 2]) / 2;
		lo[s] = v[s][0];
		hi[s] = v[s][rounds - 1];
	}
	printf("Scheduler cost per decision (class timer, tick, pick with curr put back, timer re-arm;\n"
	       "clock +%llu us per decision): ns, median of %d rounds [min-max]; x = / fair at the same N;\n"
	       "switched: decisions that changed the running thread; idle: time the idle thread ran\n",
	       (unsigned long long)(STEP_NS / US), rounds);
	printf("%-10s %6s %26s %8s %9s %6s\n", "scenario", "N", "ns per decision", "x fair", "switched", "idle");
	for (int s = 0; s < NSC; s++) {
		int k = s % NKINDS, n = sizes[s / NKINDS];
		char cell[64];
		snprintf(cell, sizeof(cell), "%.1f [%.1f-%.1f]", med[s], lo[s], hi[s]);
		printf("%-10s %6d %26s %8.2f %8.1f%% %5.1f%%\n", kind_name[k], n, cell, med[s] / med[s - k],
		       100 * st[s].switched, 100 * st[s].idle);
	}
	for (int s = 0; s < NSC; s++)
		printf("RESULT %s-%d %d %.2f %llu\n", kind_name[s % NKINDS], sizes[s / NKINDS],
		       sizes[s / NKINDS], med[s], DECISIONS);
	return 0;
}

/* ---- what the scheduler sources need from the host ---- */

struct cpu cpus[MAX_CPUS] = { [0] = { .self = &cpus[0], .id = 0, .online = true } };
u32 nr_cpus_online = 1;

irqflags_t arch_irq_save(void) { return 1; }
void arch_irq_restore(irqflags_t f) { (void)f; }
void arch_cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
void preempt_check_resched(void) {}

u64 arch_cycles(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/* lib/random.c's seed: a fixed sequence (splitmix64), so runs repeat */
u64 arch_entropy_u64(void)
{
	static u64 x = 0x5eed;
	u64 z = (x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench_pick: kernel panic: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}
