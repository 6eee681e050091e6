/* periodic.c — run-time real-time task sets (rt.h): periodic kernel tasks
 * with per-job deadline accounting under a chosen policy, miss counters,
 * and the wake-up latency measurement behind `rt latency`.
 *
 * rt_run(): every task is a kernel thread pinned to one CPU. All tasks
 * release their first job at the same instant t0 (synchronous release, the
 * critical instant of Liu & Layland 1973, so a fixed-priority set that
 * response-time analysis rejects really misses). Job k of a task is
 * released at t0 + k*T with absolute deadline t0 + k*T + D; the task sleeps
 * until the release, then consumes C ns of its own CPU time
 * (thread_cpu_ns, i.e. what the scheduler charges it, so preemption does
 * not shorten a job), and records its response time. Its busy loop also
 * notices stalls of the CPU (rt_task_result.stalls): under emulation a
 * vCPU the host does not run for a while still charges that time to the
 * job, which can exhaust its budget (the CBS then throttles it) and make
 * it late through no fault of the scheduler. Only jobs whose
 * deadline falls inside the run are counted. The policy decides how the
 * threads are scheduled (a table of run policies):
 *   rm / dm / fp — SCHED_FIFO priorities by period, by relative deadline,
 *                  or in the order given (first = highest), on the rt class;
 *   edf / llf    — SCHED_DEADLINE threads (runtime = C scaled so the set
 *                  fills the CPU's admission cap, see dl_runtime; deadline
 *                  D; period T) on the deadline class, whose policy on
 *                  that CPU is set to edf or llf for the run.
 * Admission: fixed priorities — the sum of C/T on the CPU, plus what the
 * deadline class has already admitted there, must stay within the CPU's
 * cap (rt_cap_ppm); deadline — the deadline class's own admission control
 * (same cap). The cap is 95% normally and 100% on an isolated CPU, where no
 * other work needs the reserve (rt_isolation_changed keeps the deadline
 * class's cap in step). A fixed-priority set within the cap is admitted
 * even when the analysis says it will miss: showing the misses is the
 * point of running it.
 *
 * rt_latency(): a cyclictest equivalent (after rt-tests' cyclictest): per
 * online CPU a SCHED_FIFO 99 thread pinned there sleeps to absolute
 * instants start + k*interval and records now - instant on waking.
 *
 * Locking: run_lock (a mutex) serialises rt_run() and rt_latency(); the
 * per-task results are written by their own thread only and read after
 * thread_join(); miss counters are atomic metrics. */
#include <rayos/rt.h>
#include <rayos/sched.h>
#include <rayos/thread.h>
#include <rayos/sync.h>
#include <rayos/time.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/percpu.h>
#include "internal.h"

#define START_DELAY_NS (5 * NSEC_PER_MSEC) /* to wake the tasks and let them sleep again */
#define RT_CAP_DEFAULT_PPM 950000ULL

static struct mutex run_lock = MUTEX_INIT(run_lock, "rt_run");

/* ---- miss counters ---- */

static const char *const miss_policies[] = { "edf", "llf", "rm", "dm", "fp", "deadline" };
static struct metric_family fam_misses = {
	.name = "rayos_sched_deadline_misses_total",
	.help = "Jobs of real-time tasks that missed their deadline, by policy",
	.type = METRIC_COUNTER,
};
static struct metric m_misses[ARRAY_SIZE(miss_policies)];

static struct metric *miss_metric(const char *policy)
{
	for (size_t i = 0; i < ARRAY_SIZE(miss_policies); i++)
		if (!strcmp(policy, miss_policies[i]))
			return &m_misses[i];
	return NULL;
}

void rt_count_miss(const char *policy)
{
	struct metric *m = miss_metric(policy);
	if (m)
		metric_inc(m);
}

u64 rt_misses(const char *policy)
{
	struct metric *m = miss_metric(policy);
	return m ? (u64)READ_ONCE(m->value) : 0;
}

void rt_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(miss_policies); i++) {
		snprintf(m_misses[i].labels, sizeof(m_misses[i].labels), "policy=\"%s\"", miss_policies[i]);
		metric_register(&fam_misses, &m_misses[i]);
	}
}

u64 rt_cap_ppm(u32 cpu)
{
	return (sched_isolated_cpus() & (1ULL << cpu)) ? 1000000ULL : RT_CAP_DEFAULT_PPM;
}

void rt_isolation_changed(u32 cpu)
{
	int r = sched_dl_set_cap(cpu, (u32)rt_cap_ppm(cpu));
	if (r == -EBUSY)
		pr_warn("rt", "CPU %u: deadline bandwidth admitted above the %llu ppm cap; the cap stays higher until it is released",
			cpu, (unsigned long long)rt_cap_ppm(cpu));
}

/* ---- run policies ---- */

struct run_task;
struct run_policy {
	const char *name;
	/* give each task its priority (fixed-priority policies) */
	void (*assign)(const struct rt_run_spec *s, int *prio);
	/* put the task's thread under the policy: 0 or -errno */
	int (*setup)(struct thread *t, const struct rt_task_spec *ts, int prio);
	const char *dl_policy; /* deadline class policy on the CPU, or NULL */
};

/* Priorities 90, 89, ... in the order given by key (ties: input order). */
static void assign_by(const struct rt_run_spec *s, int *prio, u64 (*key)(const struct rt_task_spec *))
{
	for (u32 i = 0; i < s->n; i++) {
		int rank = 0;
		for (u32 j = 0; j < s->n; j++) {
			u64 kj = key(&s->task[j]), ki = key(&s->task[i]);
			if (kj < ki || (kj == ki && j < i))
				rank++;
		}
		prio[i] = 90 - rank;
	}
}

static u64 key_period(const struct rt_task_spec *t) { return t->T; }
static u64 key_deadline(const struct rt_task_spec *t) { return t->D; }
static u64 key_none(const struct rt_task_spec *t) { (void)t; return 0; }
static void assign_rm(const struct rt_run_spec *s, int *p) { assign_by(s, p, key_period); }
static void assign_dm(const struct rt_run_spec *s, int *p) { assign_by(s, p, key_deadline); }
static void assign_fp(const struct rt_run_spec *s, int *p) { assign_by(s, p, key_none); }

static int setup_fifo(struct thread *t, const struct rt_task_spec *ts, int prio)
{
	(void)ts;
	return thread_set_rt(t, SCHED_FIFO, prio);
}

/* The reservation of a task under edf/llf: C scaled up so that the set's
 * reservations fill the CPU's cap (at least C + 50 us, at most D). The
 * slack then absorbs transient overruns of a job (its loop's overhead, or
 * an emulated CPU stalled by its host while the job runs, which the
 * scheduler charges as run time) instead of throttling the job until its
 * next period; the order of execution is still by deadline (or laxity). */
static u64 dl_scale_ppm = 1000000; /* cap / utilization, set by rt_run */

static u64 dl_runtime(const struct rt_task_spec *ts)
{
	u64 r = dl_mul_div(ts->C, dl_scale_ppm, 1000000);
	r = MAX(r, ts->C + 50 * NSEC_PER_USEC);
	return MIN(r, ts->D);
}

static int setup_dl(struct thread *t, const struct rt_task_spec *ts, int prio)
{
	(void)prio;
	return thread_set_deadline(t, dl_runtime(ts), ts->D, ts->T, 0);
}

static const struct run_policy run_policies[] = {
	{ "rm", assign_rm, setup_fifo, NULL },
	{ "dm", assign_dm, setup_fifo, NULL },
	{ "fp", assign_fp, setup_fifo, NULL },
	{ "edf", NULL, setup_dl, "edf" },
	{ "llf", NULL, setup_dl, "llf" },
};

const char *rt_run_policies(void)
{
	return "rm dm fp edf llf";
}

static const struct run_policy *find_policy(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(run_policies); i++)
		if (!strcmp(run_policies[i].name, name))
			return &run_policies[i];
	return NULL;
}

/* ---- the periodic task ---- */

struct run_task {
	u32 *arrived;           /* tasks about to wait for go */
	const struct rt_task_spec *spec;
	struct rt_task_result *res;
	const char *policy;
	struct completion *go;  /* t0 and end are set when it completes */
	u64 t0, end;
	u32 index;
};

static int periodic_task(void *arg)
{
	struct run_task *rt = arg;
	const struct rt_task_spec *s = rt->spec;
	struct rt_task_result *r = rt->res;
	struct thread *self = current_thread();
	__atomic_add_fetch(rt->arrived, 1, __ATOMIC_RELEASE);
	wait_for_completion(rt->go); /* every task exists and has its policy */
	u64 cpu0 = thread_cpu_ns(self);

	for (u64 k = 0;; k++) {
		u64 release = rt->t0 + k * s->T, deadline = release + s->D;
		if (deadline > rt->end || thread_should_stop())
			break;
		r->jobs++;
		u64 now = clock_monotonic_ns();
		if (now < release)
			thread_sleep_until(release);
		else if (s->crit == RT_FIRM && now >= deadline) {
			r->dropped++; /* released too late to start in time */
			r->misses++;
			rt_count_miss(rt->policy);
			continue;
		}
		/* the job: C ns of this thread's CPU time */
		u64 start = thread_cpu_ns(self), prev = start;
		bool dropped = false;
		for (;;) {
			u64 used = thread_cpu_ns(self);
			if (used - prev >= RT_STALL_NS) { /* see struct rt_task_result */
				r->stalls++;
				r->stall_ns += used - prev;
				r->max_stall = MAX(r->max_stall, used - prev);
			}
			prev = used;
			if (used - start >= s->C)
				break;
			if (s->crit == RT_FIRM && clock_monotonic_ns() >= deadline) {
				dropped = true; /* late: abandon it */
				break;
			}
		}
		u64 done = clock_monotonic_ns();
		if (s->crit == RT_FIRM && done > deadline)
			dropped = true; /* finished, but too late to be of use */
		if (dropped) {
			r->dropped++;
			r->misses++;
			rt_count_miss(rt->policy);
			continue;
		}
		u64 resp = done - release;
		r->completed++;
		r->total_response += resp;
		if (resp > r->worst_response)
			r->worst_response = resp;
		if (done > deadline) {
			r->misses++;
			rt_count_miss(rt->policy);
			if (done - deadline > r->max_tardiness)
				r->max_tardiness = done - deadline;
			if (s->crit == RT_HARD) {
				pr_warn("rt", "hard task %u (%s) missed job %llu by %llu us: stopped", rt->index + 1,
					rt->policy, (unsigned long long)k,
					(unsigned long long)((done - deadline) / NSEC_PER_USEC));
				r->stopped = true;
				break;
			}
		}
	}
	r->cpu_ns = thread_cpu_ns(self) - cpu0;
	struct sched_dl_info dl;
	if (!thread_get_deadline(self, &dl)) {
		r->throttled = dl.nr_throttled;
		r->max_overrun = dl.max_overrun;
	}
	return 0;
}

static int choose_cpu(const struct rt_run_spec *s, bool *isolate)
{
	cpumask_t iso = sched_isolated_cpus();
	*isolate = false;
	if (s->cpu >= 0) {
		if (s->cpu >= MAX_CPUS || !cpus[s->cpu].online)
			return -EINVAL;
		return s->cpu;
	}
	for (int c = MAX_CPUS - 1; c >= 0; c--)
		if (cpus[c].online && (iso & (1ULL << c)))
			return c;
	for (int c = MAX_CPUS - 1; c > 0; c--)
		if (cpus[c].online) {
			*isolate = true;
			return c;
		}
	return 0;
}

int rt_run(const struct rt_run_spec *spec, struct rt_run_result *res, char *err, size_t errsz)
{
	static struct run_task tasks[RT_RUN_MAX_TASKS];
	static struct completion go;
	static u32 arrived;
	struct thread *th[RT_RUN_MAX_TASKS] = { 0 };
	int prio[RT_RUN_MAX_TASKS] = { 0 };
	const struct run_policy *pol = find_policy(spec->policy);
	int r = 0;

	memset(res, 0, sizeof(*res));
	if (!pol) {
		snprintf(err, errsz, "unknown policy '%s' (one of: %s)", spec->policy, rt_run_policies());
		return -EINVAL;
	}
	if (!spec->n || spec->n > RT_RUN_MAX_TASKS || !spec->duration_ns) {
		snprintf(err, errsz, "need 1..%d tasks and a duration", RT_RUN_MAX_TASKS);
		return -EINVAL;
	}
	u64 util = 0;
	for (u32 i = 0; i < spec->n; i++) {
		const struct rt_task_spec *t = &spec->task[i];
		if (!t->C || t->C > t->D || t->D > t->T) {
			snprintf(err, errsz, "task %u: need 0 < C <= D <= T", i + 1);
			return -EINVAL;
		}
		util += (t->C * 1000000ULL + t->T - 1) / t->T; /* rounded up */
	}
	if (!mutex_trylock(&run_lock)) {
		snprintf(err, errsz, "another real-time run is in progress");
		return -EBUSY;
	}
	bool isolate;
	int cpu = choose_cpu(spec, &isolate);
	if (cpu < 0) {
		snprintf(err, errsz, "CPU %d is not online", spec->cpu);
		r = -EINVAL;
		goto out_unlock;
	}
	res->cpu = (u32)cpu;
	res->util_ppm = util;
	if (isolate && sched_isolate_cpu((u32)cpu, true) == 0)
		res->isolated_for_run = true;
	res->cap_ppm = rt_cap_ppm((u32)cpu);
	u32 dl_admitted = 0, dl_cap = 0;
	sched_dl_bw((u32)cpu, &dl_admitted, &dl_cap);
	if (pol->dl_policy) { /* what the deadline class will be asked for */
		u64 room = res->cap_ppm > dl_admitted ? res->cap_ppm - dl_admitted : 0;
		/* scale reservations to fill the room, 1/4096 short of it for
		 * the rounding of each bandwidth */
		dl_scale_ppm = util && room > util ? (room - room / 4096) * 1000000ULL / util : 1000000;
		util = 0;
		for (u32 i = 0; i < spec->n; i++)
			util += (dl_runtime(&spec->task[i]) * 1000000ULL + spec->task[i].T - 1) / spec->task[i].T;
		res->util_ppm = util;
	}
	if (util + dl_admitted > res->cap_ppm) {
		util += dl_admitted;
		snprintf(err, errsz, "not admitted: %s %llu.%04llu > cap %llu.%04llu on CPU %d",
			 pol->dl_policy ? "bandwidth with this set" : "utilization with this set",
			 (unsigned long long)(util / 1000000), (unsigned long long)(util % 1000000 / 100),
			 (unsigned long long)(res->cap_ppm / 1000000),
			 (unsigned long long)(res->cap_ppm % 1000000 / 100), cpu);
		r = -EBUSY;
		goto out_unisolate;
	}
	if (pol->assign)
		pol->assign(spec, prio);
	if (pol->dl_policy && sched_dl_set_policy((u32)cpu, pol->dl_policy)) {
		snprintf(err, errsz, "the deadline class has no policy %s", pol->dl_policy);
		r = -EINVAL;
		goto out_unisolate;
	}
	completion_init(&go);
	arrived = 0;
	for (u32 i = 0; i < spec->n; i++) {
		tasks[i] = (struct run_task){ .spec = &spec->task[i], .res = &res->task[i],
					     .policy = spec->policy, .go = &go, .index = i,
					     .arrived = &arrived };
		res->task[i].prio = prio[i];
		th[i] = kthread_create_on(periodic_task, &tasks[i], "rt-task", 1ULL << cpu);
		if (!th[i]) {
			snprintf(err, errsz, "out of memory creating task %u", i + 1);
			r = -ENOMEM;
			break;
		}
		int e = pol->setup(th[i], &spec->task[i], prio[i]);
		if (e) {
			snprintf(err, errsz, e == -EBUSY ? "not admitted: task %u: bandwidth refused by admission control"
							 : "task %u: policy setup failed (%d)", i + 1, e);
			r = e;
			break;
		}
	}
	if (r) { /* stop what was started before it runs a job */
		for (u32 i = 0; i < spec->n; i++)
			if (th[i])
				thread_stop(th[i]);
		complete_all(&go);
	} else {
		/* every task has run and is about to wait for go (a new thread's
		 * first run can take a while under emulation): up to 2 s */
		for (int w = 0; w < 2000 && __atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < spec->n; w++)
			thread_sleep_ns(NSEC_PER_MSEC);
		thread_sleep_ns(NSEC_PER_MSEC); /* and is asleep */
		/* the common first release: soon enough that every task is
		 * asleep waiting for it (a wake-up and a timer set-up each).
		 * No preemption between reading the clock and the wake-ups: the
		 * caller is an ordinary thread, and a turn lost here would
		 * make the first release late. */
		preempt_disable();
		u64 t0 = clock_monotonic_ns() + START_DELAY_NS;
		for (u32 i = 0; i < spec->n; i++) {
			tasks[i].t0 = t0;
			tasks[i].end = t0 + spec->duration_ns;
		}
		complete_all(&go);
		preempt_enable();
	}
	for (u32 i = 0; i < spec->n; i++)
		if (th[i])
			thread_join(th[i], NULL);
	if (!r)
		for (u32 i = 0; i < spec->n; i++)
			res->misses += res->task[i].misses;
	if (pol->dl_policy)
		sched_dl_set_policy((u32)cpu, "edf"); /* the default again */
out_unisolate:
	if (res->isolated_for_run)
		sched_isolate_cpu((u32)cpu, false);
out_unlock:
	mutex_unlock(&run_lock);
	return r;
}

/* ---- wake-up latency ---- */

struct lat_thread {
	struct rt_latency_cpu *out;
	u64 start, end, interval;
	volatile bool *stop_load;
};

static int latency_thread(void *arg)
{
	struct lat_thread *l = arg;
	struct rt_latency_cpu *o = l->out;
	o->min_ns = ~0ULL;
	for (u64 k = 1;; k++) {
		u64 at = l->start + k * l->interval;
		if (at > l->end)
			break;
		thread_sleep_until(at);
		u64 late = clock_monotonic_ns() - at;
		o->samples++;
		o->sum_ns += late;
		if (late < o->min_ns)
			o->min_ns = late;
		if (late > o->max_ns)
			o->max_ns = late;
		u64 us = late / NSEC_PER_USEC;
		int b = us ? 63 - __builtin_clzll(us) : 0;
		o->hist[b < RT_LAT_BUCKETS ? b : RT_LAT_BUCKETS - 1]++;
	}
	if (!o->samples)
		o->min_ns = 0;
	return 0;
}

static int load_thread(void *arg)
{
	volatile bool *stop = arg;
	while (!*stop && !thread_should_stop())
		;
	return 0;
}

int rt_latency(u64 duration_ns, u64 interval_ns, bool load, struct rt_latency_result *res)
{
	static struct lat_thread lt[MAX_CPUS];
	static struct thread *th[MAX_CPUS], *ld[MAX_CPUS];
	static volatile bool stop_load;
	if (!duration_ns || interval_ns < 10 * NSEC_PER_USEC || interval_ns > NSEC_PER_SEC)
		return -EINVAL;
	if (!mutex_trylock(&run_lock))
		return -EBUSY;
	memset(res, 0, sizeof(*res));
	stop_load = false;
	u64 start = clock_monotonic_ns() + START_DELAY_NS;
	u32 n = 0;
	for (u32 c = 0; c < MAX_CPUS; c++) {
		if (!cpus[c].online)
			continue;
		res->cpu_id[n] = c;
		lt[n] = (struct lat_thread){ &res->cpu[n], start, start + duration_ns, interval_ns, &stop_load };
		th[n] = kthread_create_on(latency_thread, &lt[n], "rt-latency", 1ULL << c);
		if (th[n])
			thread_set_rt(th[n], SCHED_FIFO, RT_PRIO_MAX);
		ld[n] = load ? kthread_create_on(load_thread, (void *)&stop_load, "rt-load", 1ULL << c) : NULL;
		n++;
	}
	res->ncpu = n;
	for (u32 i = 0; i < n; i++)
		if (th[i])
			thread_join(th[i], NULL);
	stop_load = true;
	for (u32 i = 0; i < n; i++)
		if (ld[i])
			thread_join(ld[i], NULL);
	mutex_unlock(&run_lock);
	for (u32 i = 0; i < n; i++)
		if (!th[i])
			return -ENOMEM;
	return 0;
}
