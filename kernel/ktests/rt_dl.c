/* ktests/rt_dl.c — in-kernel tests of the deadline class (suite rt; other
 * files add their own rt tests, the runner groups a suite across files):
 * CBS throttling of a thread that spins forever (it gets about runtime /
 * period of its CPU, measured from its accounted CPU time, and is throttled
 * at least once per period), admission refusal with nothing changed, the
 * bandwidth released at exit and on a class change, and deadline parameters
 * set from interrupt context (a timer callback). Works with any number of
 * CPUs; the spinners are pinned to the last online CPU so the CPU running
 * the tests keeps most of its time. */
#include <rayos/ktest.h>
#include <rayos/thread.h>
#include <rayos/time.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>

#define MS NSEC_PER_MSEC

static u32 last_cpu(void)
{
	u32 c = 0;
	for (u32 i = 0; i < MAX_CPUS; i++)
		if (cpus[i].online)
			c = i;
	return c;
}

/* The CBS guarantee, whatever the timer lateness (TCG vCPUs of a loaded
 * host take interrupts milliseconds late): each Q of runtime granted moves
 * the deadline P later, and running past the budget is debt, so the time
 * charged to the server is at most Q/P of the time from entering the class
 * to its current deadline, plus the debt not yet covered. */
static bool cbs_bound_holds(struct ktest_ctx *t, const char *who, const struct sched_dl_info *i)
{
	u64 debt = i->remaining < 0 ? (u64)-i->remaining : 0;
	u64 span = i->abs_deadline - i->since;
	t->checks++;
	if (i->exec * i->period <= i->runtime * span + debt * i->period)
		return true;
	ktest_fail(t, __FILE__, __LINE__, "%s: ran %llu us as a %llu/%llu us server over %llu us (debt %llu us)",
		   who, (unsigned long long)(i->exec / 1000), (unsigned long long)(i->runtime / 1000),
		   (unsigned long long)(i->period / 1000), (unsigned long long)(span / 1000),
		   (unsigned long long)(debt / 1000));
	return false;
}

/* Every stretch of running ends in a throttle (the thread never blocks)
 * and uses at most Q + the worst overrun: at least exec / (Q + overrun)
 * throttles, less the stretch still running. */
static void throttles_hold(struct ktest_ctx *t, const char *who, const struct sched_dl_info *i)
{
	u64 min = i->exec / (i->runtime + i->max_overrun);
	t->checks++;
	if (i->nr_throttled + 1 < min)
		ktest_fail(t, __FILE__, __LINE__, "%s: throttled %llu times for %llu us of runtime %llu us",
			   who, (unsigned long long)i->nr_throttled, (unsigned long long)(i->exec / 1000),
			   (unsigned long long)(i->runtime / 1000));
}

static int spin_until_stopped(void *arg)
{
	(void)arg;
	while (!thread_should_stop())
		__asm__ volatile("pause");
	return 0;
}

static int sleep_until_stopped(void *arg)
{
	(void)arg;
	while (!thread_should_stop())
		thread_sleep_ns(5 * MS);
	return 0;
}

KTEST(rt, dl_cbs_throttles_a_spinner)
{
	u32 cpu = last_cpu();
	const u64 Q = 10 * MS, P = 100 * MS;
	u64 thr0 = sched_dl_throttled_total();
	struct thread *th = kthread_create_on(spin_until_stopped, NULL, "dl-spin", 1ULL << cpu);
	KT_ASSERT(th != NULL);
	int r = thread_set_deadline(th, Q, P, P, 0);
	KT_EXPECT_EQ(r, 0);
	if (r) {
		thread_stop(th);
		thread_join(th, NULL);
		return;
	}
	u64 t0 = clock_monotonic_ns();
	thread_sleep_ns(1000 * MS);
	struct sched_dl_info info;
	KT_EXPECT_EQ(thread_get_deadline(th, &info), 0);
	u64 seen_periods = (clock_monotonic_ns() - t0) / P;
	thread_stop(th);
	u64 cpu_ns = 0;
	u32 ran_on = ~0u;
	thread_join_stats(th, &cpu_ns, &ran_on);
	u64 elapsed = clock_monotonic_ns() - t0;
	u64 periods = elapsed / P;
	kprintf("        # dl spinner %llu/%llu us: ran %llu us of %llu us, throttled %llu times in %llu periods, "
		"worst overrun %llu us\n", (unsigned long long)(Q / 1000), (unsigned long long)(P / 1000),
		(unsigned long long)(cpu_ns / 1000), (unsigned long long)(elapsed / 1000),
		(unsigned long long)info.nr_throttled, (unsigned long long)seen_periods,
		(unsigned long long)(info.max_overrun / 1000));
	KT_EXPECT_EQ(ran_on, cpu);
	KT_EXPECT_EQ(info.runtime, Q);
	KT_EXPECT_EQ(info.period, P);
	KT_EXPECT_EQ(info.cpu, cpu);
	cbs_bound_holds(t, "spinner", &info);
	throttles_hold(t, "spinner", &info);
	/* and it is not starved: replenished and run again (a share would
	 * measure the host: TCG vCPUs stall for hundreds of ms here) */
	t->checks++;
	if (info.nr_replenished < 2 || info.exec < 2 * Q)
		ktest_fail(t, __FILE__, __LINE__, "spinner ran %llu us in %llu us (%llu periods of %llu us/%llu us)",
			   (unsigned long long)(cpu_ns / 1000), (unsigned long long)(elapsed / 1000),
			   (unsigned long long)periods, (unsigned long long)(Q / 1000),
			   (unsigned long long)(P / 1000));
	/* throttled once per period it ran out its runtime */
	KT_EXPECT(sched_dl_throttled_total() - thr0 >= info.nr_throttled);
	/* the exit released its bandwidth */
	u32 adm = 1;
	KT_EXPECT_EQ(sched_dl_bw(cpu, &adm, NULL), 0);
	KT_EXPECT_EQ(adm, 0);
	struct metric_family *f = metrics_find("rayos_sched_throttled_total");
	KT_EXPECT(f != NULL);
}

KTEST(rt, dl_admission_refused)
{
	u32 cpu = last_cpu();
	u32 base = 0, cap = 0, adm = 0;
	KT_ASSERT(sched_dl_bw(cpu, &base, &cap) == 0);
	KT_EXPECT_EQ(cap, SCHED_DL_CAP_DEFAULT_PPM);
	struct thread *a = kthread_create_on(sleep_until_stopped, NULL, "dl-a", 1ULL << cpu);
	struct thread *b = kthread_create_on(sleep_until_stopped, NULL, "dl-b", 1ULL << cpu);
	KT_ASSERT(a && b);
	/* 60% then 40% on one CPU: the second exceeds the 95% cap */
	KT_EXPECT_EQ(thread_set_deadline(a, 6 * MS, 10 * MS, 10 * MS, 0), 0);
	KT_EXPECT_EQ(thread_set_deadline(b, 40 * MS, 100 * MS, 100 * MS, 0), -EBUSY);
	KT_EXPECT(b->class == &fair_sched_class);
	KT_EXPECT_EQ(thread_set_deadline(b, 500, 10 * MS, 10 * MS, 0), -EINVAL);   /* runtime < 1024 */
	KT_EXPECT_EQ(thread_set_deadline(b, 2 * MS, 1 * MS, 10 * MS, 0), -EINVAL); /* runtime > deadline */
	KT_EXPECT_EQ(thread_set_deadline(b, 1 * MS, 10 * MS, 5 * MS, 0), -EINVAL); /* deadline > period */
	KT_EXPECT(sched_dl_set_cap(cpu, 500000) == -EBUSY);
	KT_EXPECT(sched_dl_set_global(true) == -EBUSY);
	KT_EXPECT_EQ(sched_dl_bw(cpu, &adm, NULL), 0);
	KT_EXPECT(adm >= base + 599998 && adm <= base + 600000);
	/* partitioned: its affinity may not leave the CPU holding it */
	if (cpu > 0)
		KT_EXPECT_EQ(thread_set_affinity(a, 1), -EBUSY);
	/* a class change releases the bandwidth: now b fits */
	KT_EXPECT_EQ(thread_set_nice(a, 0), 0);
	KT_EXPECT_EQ(thread_set_deadline(b, 40 * MS, 100 * MS, 100 * MS, 0), 0);
	KT_EXPECT_EQ(sched_dl_bw(cpu, &adm, NULL), 0);
	KT_EXPECT(adm >= base + 399998 && adm <= base + 400000);
	thread_stop(a);
	thread_stop(b);
	thread_join(a, NULL);
	thread_join(b, NULL);
	KT_EXPECT_EQ(sched_dl_bw(cpu, &adm, NULL), 0);
	KT_EXPECT_EQ(adm, base);
}

struct irq_set {
	struct timer_event ev;
	struct thread *th;
	u64 runtime, period;
	volatile int result;
	volatile u32 irq_depth;
	volatile bool done;
};

static void set_from_irq(struct timer_event *ev)
{
	struct irq_set *s = container_of(ev, struct irq_set, ev);
	s->irq_depth = this_cpu()->irq_depth;
	s->result = thread_set_deadline(s->th, s->runtime, s->period, s->period, 0);
	WRITE_ONCE(s->done, true);
}

static bool wait_done(struct irq_set *s)
{
	for (int i = 0; i < 500 && !READ_ONCE(s->done); i++)
		thread_sleep_ns(MS);
	return READ_ONCE(s->done);
}

KTEST(rt, dl_set_from_interrupt)
{
	u32 cpu = last_cpu();
	static struct irq_set s;
	struct sched_dl_info info;
	u64 t_create = clock_monotonic_ns();
	struct thread *th = kthread_create_on(spin_until_stopped, NULL, "dl-irq", 1ULL << cpu);
	KT_ASSERT(th != NULL);
	/* fair -> deadline from a timer callback while it spins */
	s = (struct irq_set){ .ev.fn = set_from_irq, .th = th, .runtime = 2 * MS, .period = 20 * MS };
	timer_arm(&s.ev, clock_monotonic_ns() + 5 * MS);
	KT_ASSERT(wait_done(&s));
	u64 t_dl = clock_monotonic_ns(); /* spinning as a fair thread until about here */
	KT_EXPECT(s.irq_depth > 0); /* really in interrupt context */
	KT_EXPECT_EQ(s.result, 0);
	KT_EXPECT(th->class == &dl_sched_class);
	thread_sleep_ns(100 * MS);
	KT_EXPECT_EQ(thread_get_deadline(th, &info), 0);
	KT_EXPECT_EQ(info.runtime, 2 * MS);
	KT_EXPECT(info.nr_throttled >= 2);
	/* new parameters while it is running or throttled */
	s = (struct irq_set){ .ev.fn = set_from_irq, .th = th, .runtime = 3 * MS, .period = 30 * MS };
	timer_arm(&s.ev, clock_monotonic_ns() + 7 * MS);
	KT_ASSERT(wait_done(&s));
	KT_EXPECT_EQ(s.result, 0);
	/* and a refused one (more than the cap) changes nothing */
	s = (struct irq_set){ .ev.fn = set_from_irq, .th = th, .runtime = 29 * MS, .period = 30 * MS };
	timer_arm(&s.ev, clock_monotonic_ns() + 3 * MS);
	KT_ASSERT(wait_done(&s));
	KT_EXPECT_EQ(s.result, -EBUSY);
	thread_sleep_ns(100 * MS);
	KT_EXPECT_EQ(thread_get_deadline(th, &info), 0);
	KT_EXPECT_EQ(info.runtime, 3 * MS);
	KT_EXPECT_EQ(info.period, 30 * MS);
	KT_EXPECT(info.nr_throttled >= 4);
	thread_stop(th);
	u64 cpu_ns = 0;
	thread_join_stats(th, &cpu_ns, NULL);
	u64 el = clock_monotonic_ns() - t_dl;
	/* 10% of a CPU under 2/20 then 3/30 (debt paid back, see above),
	 * besides the time it spun as a fair thread */
	kprintf("        # set from IRQ: ran %llu us in %llu us (%llu us as fair), worst overrun %llu us\n",
		(unsigned long long)(cpu_ns / 1000), (unsigned long long)((el + t_dl - t_create) / 1000),
		(unsigned long long)((t_dl - t_create) / 1000), (unsigned long long)(info.max_overrun / 1000));
	cbs_bound_holds(t, "set from IRQ", &info);
	throttles_hold(t, "set from IRQ", &info);
	KT_EXPECT(info.exec <= cpu_ns);
	u32 adm = 1;
	KT_EXPECT_EQ(sched_dl_bw(cpu, &adm, NULL), 0);
	KT_EXPECT_EQ(adm, 0);
}

/* EDF on one CPU through the real core: two spinners with 30% and 20%
 * each get their share, neither more. */
KTEST(rt, dl_two_servers_share)
{
	u32 cpu = last_cpu();
	struct thread *a = kthread_create_on(spin_until_stopped, NULL, "dl-30", 1ULL << cpu);
	struct thread *b = kthread_create_on(spin_until_stopped, NULL, "dl-20", 1ULL << cpu);
	KT_ASSERT(a && b);
	KT_EXPECT_EQ(thread_set_deadline(a, 6 * MS, 20 * MS, 20 * MS, 0), 0);
	KT_EXPECT_EQ(thread_set_deadline(b, 10 * MS, 50 * MS, 50 * MS, 0), 0);
	u64 t0 = clock_monotonic_ns();
	thread_sleep_ns(1000 * MS);
	struct sched_dl_info ia, ib;
	KT_EXPECT_EQ(thread_get_deadline(a, &ia), 0);
	KT_EXPECT_EQ(thread_get_deadline(b, &ib), 0);
	thread_stop(a);
	thread_stop(b);
	u64 ca = 0, cb = 0;
	thread_join_stats(a, &ca, NULL);
	thread_join_stats(b, &cb, NULL);
	u64 el = clock_monotonic_ns() - t0;
	t->checks++;
	/* upper bounds: the reservation, plus the worst overrun (paid back) */
	kprintf("        # EDF 6/20 and 10/50 ms servers: %llu us and %llu us of %llu us, worst overruns %llu us, %llu us\n",
		(unsigned long long)(ca / 1000), (unsigned long long)(cb / 1000), (unsigned long long)(el / 1000),
		(unsigned long long)(ia.max_overrun / 1000), (unsigned long long)(ib.max_overrun / 1000));
	cbs_bound_holds(t, "6/20 server", &ia);
	cbs_bound_holds(t, "10/50 server", &ib);
	throttles_hold(t, "6/20 server", &ia);
	throttles_hold(t, "10/50 server", &ib);
	t->checks++;
	if (ia.nr_replenished < 2 || ib.nr_replenished < 2 || ia.exec < 12 * MS || ib.exec < 20 * MS)
		ktest_fail(t, __FILE__, __LINE__, "30%% server ran %llu us, 20%% server %llu us in %llu us",
			   (unsigned long long)(ca / 1000), (unsigned long long)(cb / 1000),
			   (unsigned long long)(el / 1000));
}

struct both_ctx {
	struct thread *a, *b;
};

/* Global EDF through the real core: two 70% servers exceed one CPU but fit
 * two. Started on CPU c0 while a fair spinner keeps CPU c1 busy (so the
 * load balancer, which only feeds idle CPUs, would leave them there), they
 * must end up running at the same time on c0 and c1: the one left waiting
 * asks c1, which runs lower-priority work, to pull it. Admission is per
 * root domain. Needs a third CPU for the observer. */
KTEST(rt, dl_global_spreads)
{
	if (nr_cpus_online < 3)
		KT_SKIP("needs 3 CPUs");
	u32 c1 = last_cpu(), c0 = c1 - 1;
	KT_ASSERT(cpus[c0].online);
	KT_ASSERT(sched_dl_nr_threads() == 0);
	KT_ASSERT(sched_dl_set_global(true) == 0);
	struct thread *f = kthread_create_on(spin_until_stopped, NULL, "fair-c1", 1ULL << c1);
	KT_ASSERT(f != NULL);
	struct thread *a = kthread_create_on(spin_until_stopped, NULL, "dl-g1", 1ULL << c0);
	struct thread *b = kthread_create_on(spin_until_stopped, NULL, "dl-g2", 1ULL << c0);
	KT_ASSERT(a && b);
	KT_EXPECT_EQ(thread_set_deadline(a, 14 * MS, 20 * MS, 20 * MS, 0), 0);
	KT_EXPECT_EQ(thread_set_deadline(b, 21 * MS, 30 * MS, 30 * MS, 0), 0);
	u32 adm = 0;
	sched_dl_bw(c0, &adm, NULL);
	u32 expect = 1400000 / nr_cpus_online; /* the root domain's share */
	KT_EXPECT(adm + 2 >= expect && adm <= expect + 2);
	/* admission per root domain: 90% servers until the sum would pass
	 * 95% of every online CPU */
	struct thread *c[8];
	u32 fits = (950000 * nr_cpus_online - 1400000) / 900000, nc = 0;
	for (; nc < 8; nc++) {
		c[nc] = kthread_create(sleep_until_stopped, NULL, "dl-g90");
		KT_ASSERT(c[nc] != NULL);
		int r = thread_set_deadline(c[nc], 9 * MS, 10 * MS, 10 * MS, 0);
		if (r) {
			KT_EXPECT_EQ(r, -EBUSY);
			nc++;
			break;
		}
	}
	KT_EXPECT_EQ(nc, fits + 1);
	for (u32 i = 0; i < nc; i++) {
		thread_stop(c[i]);
		thread_join(c[i], NULL);
	}
	KT_EXPECT_EQ(sched_dl_set_global(false), -EBUSY);
	KT_EXPECT_EQ(thread_set_affinity(a, (1ULL << c0) | (1ULL << c1)), 0);
	KT_EXPECT_EQ(thread_set_affinity(b, (1ULL << c0) | (1ULL << c1)), 0);
	u32 both = 0, samples = 0;
	for (int i = 0; i < 300; i++) {
		thread_sleep_ns(3 * MS);
		samples++;
		if (READ_ONCE(a->on_cpu) && READ_ONCE(b->on_cpu) && READ_ONCE(a->cpu) != READ_ONCE(b->cpu))
			both++;
	}
	kprintf("        # global EDF: two 70%% servers ran at once in %u of %u samples\n", both, samples);
	KT_EXPECT(both > 0);
	struct sched_dl_info ia, ib;
	KT_EXPECT_EQ(thread_get_deadline(a, &ia), 0);
	KT_EXPECT_EQ(thread_get_deadline(b, &ib), 0);
	cbs_bound_holds(t, "global 14/20", &ia);
	cbs_bound_holds(t, "global 21/30", &ib);
	thread_stop(a);
	thread_stop(b);
	thread_stop(f);
	thread_join(a, NULL);
	thread_join(b, NULL);
	thread_join(f, NULL);
	KT_EXPECT_EQ(sched_dl_nr_threads(), 0);
	KT_EXPECT_EQ(sched_dl_set_global(false), 0);
}
