/* sched_sim.h — a discrete-event simulator of the portable scheduler
 * (kernel/sched/core_rq.c and the classes) for the hosted scheduler tests:
 * test_sched.c, test_deadline.c, test_share.c and test_sporadic.c.
 *
 * Model: a fake clock (ns) and up to SIM_NCPU CPUs, each a struct rq with
 * its idle thread, a one-shot slice timer armed from rq_slice_left() and a
 * class timer armed from rq_next_event(), exactly as kernel/sched/core.c
 * arms them. Options (set after sim_reset()): a periodic tick as well
 * (sim_periodic_tick), no slice timer (SIM.slice_timer = false: only the
 * tick preempts), a slice timer that fires late (SIM.slice_late), and a
 * core that leaves rq->clock stale around enqueue/dequeue (SIM.stale_clock:
 * only rq_tick/rq_pick_next and the re-arming set it), and a kernel clock
 * that starts at a base (sim_reset_at: SIM.base + SIM.now, so it can wrap
 * during a run). Fake threads first go through up to four (run, sleep)
 * phases, then are CPU-bound or run bursts that each end in a sleep, a
 * yield (rq_yield) or an exit; or they run periodic jobs (sim_jobs:
 * releases of c ns of work every t ns, queued when it falls behind; with
 * none left it sleeps to the next release, yields, or is greedy; completed
 * jobs, deadline misses and the worst response time are counted). At every
 * event time: burst or job ends (block/exit: rq_dequeue), wake-ups and
 * releases (rq_enqueue + rq_wakeup_preempts), due timers (rq_class_timers,
 * rq_tick for the periodic tick and for the slice timer), then
 * rq_pick_next() where needed (a yielding periodic thread without work
 * yields again), then the timers are re-armed and the invariant checker
 * runs (sim_check: run-queue counters (throttled threads are not runnable) and the fair
 * load, class order (an rt curr has the top rt priority; a ready deadline
 * thread never waits behind lower work, by EDF or LLF order), the fair,
 * deadline ready and deadline timer trees, monotonic min_vruntime, the rt
 * bitmap, exact CPU-time accounting (sum_exec equals the simulator's own
 * measurement), every deadline server's runtime <= Q, deadline <= now + D
 * and at most Q of CPU per server period (plus one tick of debt when no
 * slice timer enforces it), the share class's tree, tickets and transfer
 * sums, every sporadic server's conservation of budget, replenishment
 * bound, POSIX priority and timeliness, and an independent model of when
 * and how much it must replenish).
 *
 * The timeline: per CPU, segments of (thread, rt priority) with start and
 * end; a segment ends whenever the running thread or its priority changes.
 * sim_spans() gives a CPU's history as switches see it (idle included).
 *
 * Everything is static: include it in exactly one test file. */
#ifndef RAYOS_TEST_SCHED_SIM_H
#define RAYOS_TEST_SCHED_SIM_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <rayos/sched.h>

#define US 1000ULL
#define MS (1000ULL * 1000)
#define SEC (1000ULL * MS)
#define NEVER UINT64_MAX
#define SIM_NCPU 4
#define SIM_NTH 64
#define SIM_RING 64            /* pending jobs of a periodic thread */

enum sim_end { SIM_END_SLEEP, SIM_END_YIELD, SIM_END_EXIT };
/* a periodic thread without work: blocks until the next release, yields
 * ("job done" to the CBS), or never runs out of work (an overrun) */
enum sim_job_end { SIM_JOB_SLEEP, SIM_JOB_YIELD, SIM_JOB_GREEDY };
struct sim_job {
	enum sim_job_end end;
	u64 c, t, d;           /* work, release period, relative deadline */
};

struct sim_thread {
	struct thread t;
	/* behaviour: the phases first (run, then sleep), then either
	 * CPU-bound or bursts of run_ns each ending with `end` (sleeping
	 * sleep_ns) */
	struct { u64 run, sleep; } phases[4];
	int nphases, phase;
	bool cpu_bound;
	u64 run_ns, sleep_ns;
	enum sim_end end;
	int home;              /* CPU it is woken on */
	/* or periodic jobs (sim_jobs): job.c of work released every job.t
	 * from next_release, each due job.d after its release; the jobs
	 * queue up if it falls behind, burst_left is the head job's work */
	bool periodic;
	struct sim_job job;
	u64 next_release;      /* NEVER: no (more) jobs */
	u64 rel_q[SIM_RING];   /* release times of pending jobs */
	int qh, qn;
	u64 jobs, misses, max_resp; /* completed, late, worst response */
	/* deadline class: CPU time since the server's deadline last changed */
	u64 srv_dl, srv_exec, srv_q;
	bool srv_valid;
	/* state */
	bool created;
	u64 burst_left;        /* NEVER: no end */
	u64 wake_at;           /* NEVER unless sleeping/not started */
	u64 ready_since;       /* runnable, not running, since (NEVER otherwise) */
	u64 max_wait;
	u64 nr_runs;           /* times switched in after waiting */
	s64 wake_lag;          /* fair: vruntime - min_vruntime after the last enqueue */
	u64 sim_exec;          /* CPU time measured by the simulator */
	/* sporadic-server model (independent of rt.c's bookkeeping) */
	u64 m_chunk;           /* high-priority time since the last scheduled replenishment */
	u64 m_seg_start;       /* start of its last contiguous high-priority run */
	u64 m_high_end;        /* when it last stopped running at high priority */
	u64 m_scheduled;       /* replenishments scheduled so far (checked) */
	u64 m_replenished;
	u32 m_max_pending;     /* most replenishments ever pending */
};

struct sim_seg {
	struct sim_thread *who;
	int prio;              /* rt_prio while running (0 for non-rt) */
	int cpu;
	u64 start, end;        /* end NEVER while open */
};

struct sim_cpu {
	struct rq rq;
	struct thread idle;
	u64 slice_at, class_at, next_tick;
	u64 last_min;          /* fair.min_vruntime at the last check */
	long open;             /* index of the open segment, -1 if idle */
};

static struct {
	u64 now;
	u64 base;              /* the kernel's clock is base + now (it may wrap) */
	int ncpu;
	u64 tick_ns;           /* periodic tick; 0: none */
	bool slice_timer;      /* the one-shot slice timer (on by default) */
	bool stale_clock;      /* do not update rq->clock before enqueue/dequeue */
	struct sim_cpu cpu[SIM_NCPU];
	struct sim_thread *th[SIM_NTH];
	int nth;
	u32 next_tid;
	struct sim_seg *seg;
	size_t nseg, seg_cap;
	u64 events, switches;
	u64 slice_late;        /* the one-shot slice timer fires this late */
	void (*hook)(void);    /* extra per-event check of a test */
} SIM;

static struct sim_thread *sim_of(struct thread *t) { return container_of(t, struct sim_thread, t); }

/* The kernel's clock now. */
static inline u64 sim_clock(void) { return SIM.base + SIM.now; }

static bool sim_is_idle(const struct thread *t)
{
	for (int i = 0; i < SIM.ncpu; i++)
		if (t == &SIM.cpu[i].idle)
			return true;
	return false;
}

static void sim_free(void)
{
	for (int i = 0; i < SIM.nth; i++)
		free(SIM.th[i]);
	free(SIM.seg);
	memset(&SIM, 0, sizeof(SIM));
}

/* ncpu CPUs whose kernel clock starts at base. */
static inline void sim_reset_at(int ncpu, u64 base)
{
	sim_free();
	assert_true(ncpu <= SIM_NCPU);
	SIM.base = base;
	SIM.ncpu = ncpu;
	SIM.next_tid = 1;
	SIM.slice_timer = true;
	for (int i = 0; i < ncpu; i++) {
		struct sim_cpu *c = &SIM.cpu[i];
		c->idle.tid = 1000 + (u32)i;
		strcpy(c->idle.name, "idle");
		rq_init(&c->rq, (u32)i, &c->idle);
		c->rq.clock = base;
		c->idle.exec_start = base;
		c->slice_at = c->class_at = c->next_tick = NEVER;
		c->last_min = c->rq.fair.min_vruntime;
		c->open = -1;
	}
}

static inline void sim_reset(int ncpu) { sim_reset_at(ncpu, 0); }

/* cmocka group set-up and per-test teardown for tests that need nothing
 * more: the classes registered once, the simulator freed after each. */
static inline int sim_group_setup(void **state)
{
	(void)state;
	return sched_classes_init();
}

static inline int sim_teardown(void **state)
{
	(void)state;
	sim_free();
	return 0;
}

/* A periodic tick every tick_ns on every CPU, from time tick_ns. */
static inline void sim_periodic_tick(u64 tick_ns)
{
	SIM.tick_ns = tick_ns;
	for (int i = 0; i < SIM.ncpu; i++)
		SIM.cpu[i].next_tick = tick_ns ? SIM.now + tick_ns : NEVER;
}

static struct sim_thread *sim_new(const char *name)
{
	struct sim_thread *st = calloc(1, sizeof(*st));
	assert_non_null(st);
	assert_true(SIM.nth < SIM_NTH);
	SIM.th[SIM.nth++] = st;
	st->t.tid = SIM.next_tid++;
	strncpy(st->t.name, name, sizeof(st->t.name) - 1);
	st->t.state = THREAD_SLEEPING;
	st->cpu_bound = true;
	st->burst_left = NEVER;
	st->wake_at = NEVER;
	st->ready_since = NEVER;
	st->next_release = NEVER;
	st->m_high_end = NEVER;
	return st;
}

static inline struct sim_thread *sim_fair(const char *name, int nice)
{
	struct sim_thread *st = sim_new(name);
	assert_int_equal(sched_set_fair(&st->t, nice), 0);
	return st;
}

static inline struct sim_thread *sim_rt(const char *name, int policy, int prio)
{
	struct sim_thread *st = sim_new(name);
	assert_int_equal(sched_set_rt(&st->t, policy, prio), 0);
	return st;
}

/* Behaviour setters: bursts of run each followed by a sleep; bursts of
 * run each ending in `end`; a (run, sleep) phase before the rest. */
static inline void sim_bursts(struct sim_thread *st, u64 run, u64 sleep)
{
	st->cpu_bound = false;
	st->run_ns = run;
	st->sleep_ns = sleep;
	st->end = SIM_END_SLEEP;
}

static inline void sim_runs_then(struct sim_thread *st, u64 run, enum sim_end end)
{
	st->cpu_bound = false;
	st->run_ns = run;
	st->end = end;
}

/* Periodic jobs of c every t from `first`, each due d after its release
 * (SIM_JOB_GREEDY: one job that never ends, released at `first`). */
static inline void sim_jobs(struct sim_thread *st, enum sim_job_end end, u64 c, u64 t, u64 d, u64 first)
{
	st->periodic = true;
	st->job = (struct sim_job){ end, c, t, d };
	st->next_release = first;
}

static inline void sim_add_phase(struct sim_thread *st, u64 run, u64 sleep)
{
	assert_true(st->nphases < 4);
	st->phases[st->nphases].run = run;
	st->phases[st->nphases].sleep = sleep;
	st->nphases++;
}

static inline void sim_start(struct sim_thread *st, int cpu, u64 at)
{
	st->home = cpu;
	st->wake_at = at;
}

/* ---- timeline ---- */

static int seg_prio(const struct thread *t)
{
	return t->class == &rt_sched_class ? t->rt_prio : 0;
}

static void seg_close(struct sim_cpu *c)
{
	if (c->open < 0)
		return;
	struct sim_seg *s = &SIM.seg[c->open];
	s->end = SIM.now;
	if (s->who->t.policy == SCHED_SPORADIC && s->prio == s->who->t.ss.high)
		s->who->m_high_end = SIM.now;
	c->open = -1;
}

static void seg_open(int cpu, struct sim_thread *who)
{
	struct sim_cpu *c = &SIM.cpu[cpu];
	if (SIM.nseg == SIM.seg_cap) {
		SIM.seg_cap = SIM.seg_cap ? 2 * SIM.seg_cap : 4096;
		SIM.seg = realloc(SIM.seg, SIM.seg_cap * sizeof(*SIM.seg));
		assert_non_null(SIM.seg);
	}
	SIM.seg[SIM.nseg] = (struct sim_seg){ who, seg_prio(&who->t), cpu, SIM.now, NEVER };
	c->open = (long)SIM.nseg++;
	if (who->t.policy == SCHED_SPORADIC && seg_prio(&who->t) == who->t.ss.high &&
	    who->m_high_end != SIM.now)
		who->m_seg_start = SIM.now; /* a new contiguous high run */
}

static void timeline_update(void)
{
	for (int i = 0; i < SIM.ncpu; i++) {
		struct sim_cpu *c = &SIM.cpu[i];
		struct thread *cur = c->rq.curr;
		bool idle = sim_is_idle(cur);
		if (c->open >= 0) {
			struct sim_seg *s = &SIM.seg[c->open];
			if (!idle && &s->who->t == cur && s->prio == seg_prio(cur))
				continue;
			seg_close(c);
		}
		if (!idle)
			seg_open(i, sim_of(cur));
	}
}

/* A CPU's history as the switches see it: who ran from start to end, the
 * idle thread in the gaps after the first thread ran, a thread's segments
 * at several priorities merged into one. Returns how many (at most max). */
struct sim_span {
	struct thread *who;
	u64 start, end;
};

static inline size_t sim_spans(int cpu, struct sim_span *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < SIM.nseg; i++) {
		const struct sim_seg *s = &SIM.seg[i];
		if (s->cpu != cpu)
			continue;
		if (n && out[n - 1].end != s->start) {
			if (n == max)
				return n;
			out[n] = (struct sim_span){ &SIM.cpu[cpu].idle, out[n - 1].end, s->start };
			n++;
		}
		u64 e = s->end == NEVER ? SIM.now : s->end;
		if (n && out[n - 1].who == &s->who->t) {
			out[n - 1].end = e;
			continue;
		}
		if (n == max)
			return n;
		out[n++] = (struct sim_span){ &s->who->t, s->start, e };
	}
	if (n && n < max && out[n - 1].end != SIM.now) {
		out[n] = (struct sim_span){ &SIM.cpu[cpu].idle, out[n - 1].end, SIM.now };
		n++;
	}
	return n;
}

/* CPU time of st in [from, to) (at priority prio; -1 = any). */
static inline u64 sim_exec_in(const struct sim_thread *st, int prio, u64 from, u64 to)
{
	u64 sum = 0;
	for (size_t i = 0; i < SIM.nseg; i++) {
		const struct sim_seg *s = &SIM.seg[i];
		u64 e = s->end == NEVER ? SIM.now : s->end;
		if (s->who != st || (prio >= 0 && s->prio != prio))
			continue;
		u64 a = MAX(s->start, from), b = MIN(e, to);
		if (b > a)
			sum += b - a;
	}
	return sum;
}

/* The most CPU time st got at priority prio in any window of length w
 * (a window starting at a segment start is a worst case). */
static inline u64 sim_max_in_window(const struct sim_thread *st, int prio, u64 w, u64 *at)
{
	u64 best = 0;
	size_t j = 0, n = 0;
	/* indices of st's segments at prio, in time order (single CPU or
	 * not: segments are appended in time order of their start) */
	size_t *idx = malloc((SIM.nseg + 1) * sizeof(*idx));
	assert_non_null(idx);
	for (size_t i = 0; i < SIM.nseg; i++)
		if (SIM.seg[i].who == st && SIM.seg[i].prio == prio)
			idx[n++] = i;
	u64 full = 0; /* sum of whole segments idx[i..j) */
	for (size_t i = 0; i < n; i++) {
		const struct sim_seg *si = &SIM.seg[idx[i]];
		u64 w_end = si->start + w;
		if (j < i) {
			j = i;
			full = 0;
		}
		while (j < n) {
			const struct sim_seg *sj = &SIM.seg[idx[j]];
			u64 e = sj->end == NEVER ? SIM.now : sj->end;
			if (e > w_end)
				break;
			full += e - sj->start;
			j++;
		}
		u64 sum = full;
		if (j < n && SIM.seg[idx[j]].start < w_end)
			sum += w_end - SIM.seg[idx[j]].start;
		if (sum > best) {
			best = sum;
			if (at)
				*at = si->start;
		}
		if (j > i) {
			u64 e = si->end == NEVER ? SIM.now : si->end;
			full -= e - si->start;
		}
	}
	free(idx);
	return best;
}

/* ---- invariants ---- */

static bool sim_vruntime_less(const struct rb_node *a, const struct rb_node *b)
{
	return (s64)(rb_entry(a, struct thread, fair.node)->fair.vruntime -
		     rb_entry(b, struct thread, fair.node)->fair.vruntime) < 0;
}

static bool sim_dl_ready_less(const struct rb_node *a, const struct rb_node *b)
{
	const struct thread *x = rb_entry(a, struct thread, dl.node), *y = rb_entry(b, struct thread, dl.node);
	s64 d = (s64)(x->dl.key - y->dl.key);
	return d ? d < 0 : (s64)(x->dl.deadline - y->dl.deadline) < 0;
}

static bool sim_dl_timer_less(const struct rb_node *a, const struct rb_node *b)
{
	return (s64)(rb_entry(a, struct thread, dl.node)->dl.repl_at -
		     rb_entry(b, struct thread, dl.node)->dl.repl_at) < 0;
}

/* Laxity now: for a running thread its runtime was charged up to
 * exec_start, and its laxity has not changed since. */
static s64 sim_laxity(const struct thread *t, bool running)
{
	u64 at = running ? t->exec_start : sim_clock();
	return (s64)(t->dl.deadline - at) - t->dl.runtime;
}

/* A deadline thread t queued on rq (curr cur): the queues it is on and,
 * once the CPU settled, that the policy runs the right one. */
static void check_dl_queued(struct rq *rq, struct thread *cur, struct thread *t, bool settled)
{
	assert_true(t->dl.queued);
	if (t->throttled) {
		assert_true(t->dl.in_timers);
		assert_true((s64)(t->dl.repl_at - sim_clock()) > 0);
		return;
	}
	assert_int_equal(t->dl.in_ready, t != rq->dl.curr);
	if (!settled || sim_is_idle(cur) || t == cur)
		return;
	/* a ready deadline thread never waits behind lower work */
	assert_ptr_equal(cur->class, &dl_sched_class);
	if (!strcmp(dl_rq_policy_name(rq), "edf"))
		assert_true((s64)(cur->dl.deadline - t->dl.deadline) <= 0);
	else if (!strcmp(dl_rq_policy_name(rq), "llf"))
		if (sim_laxity(cur, true) > sim_laxity(t, false) + (s64)sched_dl_llf_gran())
			fail_msg("at %llu: %s laxity %lld runs, %s laxity %lld waits (exec_start %llu)",
				 (unsigned long long)SIM.now, cur->name, (long long)sim_laxity(cur, true),
				 t->name, (long long)sim_laxity(t, false),
				 (unsigned long long)(cur->exec_start - SIM.base));
}

static bool sim_pass_less(const struct rb_node *a, const struct rb_node *b)
{
	return (s64)(rb_entry(a, struct thread, share.node)->share.pass -
		     rb_entry(b, struct thread, share.node)->share.pass) < 0;
}

static u64 ss_pending(const struct thread *t)
{
	u64 sum = 0;
	for (u32 k = 0; k < t->ss.nr; k++)
		sum += t->ss.repl[(t->ss.head + k) % SS_MAX_REPL].amount;
	return sum;
}

static void check_sporadic(struct sim_thread *st)
{
	struct thread *t = &st->t;
	const struct ss_entity *ss = &t->ss;

	assert_true(ss->nr <= ss->max_repl);
	st->m_max_pending = MAX(st->m_max_pending, ss->nr);
	/* budget is conserved: capacity + pending + unscheduled chunk */
	assert_int_equal((s64)ss_pending(t) + (s64)ss->chunk + ss->capacity, (s64)ss->budget);
	assert_true(ss->capacity <= (s64)ss->budget);
	for (u32 k = 1; k < ss->nr; k++)
		assert_true(ss->repl[(ss->head + k) % SS_MAX_REPL].at >=
			    ss->repl[(ss->head + k - 1) % SS_MAX_REPL].at);
	if (t->on_rq) {
		int want = ss->capacity > 0 && ss->nr < ss->max_repl ? ss->high : ss->low;
		assert_true(ss->linked);
		assert_int_equal(t->rt_prio, want);
		/* a queued server's replenishments happen at their instant */
		if (ss->nr)
			assert_true(ss->repl[ss->head].at > sim_clock());
	} else {
		assert_false(ss->linked);
	}
	/* the model: every replenishment scheduled at the start of the last
	 * contiguous high run plus the period, for what was used since */
	u64 done = ss->nr_replenished;
	assert_true(done >= st->m_replenished);
	st->m_replenished = done;
	assert_true(ss->nr_scheduled <= st->m_scheduled + 1);
	if (ss->nr_scheduled == st->m_scheduled + 1) {
		if (ss->last.at != st->m_seg_start + ss->period || ss->last.amount != st->m_chunk) {
			print_error("%s: replenishment of %llu at %llu, model says %llu at %llu (now %llu)\n",
				    t->name, (unsigned long long)ss->last.amount,
				    (unsigned long long)ss->last.at, (unsigned long long)st->m_chunk,
				    (unsigned long long)(st->m_seg_start + ss->period),
				    (unsigned long long)SIM.now);
			fail();
		}
		st->m_chunk = 0;
		st->m_scheduled++;
		/* a run that goes on after an exhaustion starts a new chunk */
		if (t->on_rq && SIM.cpu[t->cpu].rq.curr == t && t->rt_prio == ss->high)
			st->m_seg_start = SIM.now;
	}
}

static void sim_check(bool settled)
{
	for (int i = 0; i < SIM.ncpu; i++) {
		struct sim_cpu *c = &SIM.cpu[i];
		struct rq *rq = &c->rq;
		struct thread *cur = rq->curr;
		u32 nr = 0, nrt = 0, nshare = 0, nss = 0, nfair = 0, ndl = 0, nthr = 0;
		u64 tickets = 0, load = 0;
		size_t n = 0;
		const char *why = NULL;

		if (settled)
			assert_false(rq->need_resched);
		for (int k = 0; k < SIM.nth; k++) {
			struct thread *t = &SIM.th[k]->t;
			if (!t->on_rq || t->cpu != (u32)i)
				continue;
			if (t->throttled)
				assert_ptr_equal(t->class, &dl_sched_class);
			else
				nr++; /* a throttled thread is not runnable */
			if (t->class == &dl_sched_class) {
				ndl++;
				nthr += t->throttled;
				check_dl_queued(rq, cur, t, settled);
			} else if (t->class == &fair_sched_class) {
				nfair++;
				load += t->fair.weight;
				assert_true(t->fair.queued);
			} else if (t->class == &rt_sched_class) {
				nrt++;
				assert_true(t->rt.queued);
				assert_int_equal(t->rt.prio, t->rt_prio);
				nss += t->policy == SCHED_SPORADIC;
			} else if (t->class == &share_sched_class) {
				nshare++;
				tickets += t->share.acct;
				assert_true(t->share.queued);
			}
			if (settled && !sim_is_idle(cur) && !t->throttled) {
				assert_true(cur->class->rank <= t->class->rank);
				if (cur->class == &rt_sched_class && t->class == &rt_sched_class)
					assert_true(cur->rt_prio >= t->rt_prio);
			}
		}
		assert_int_equal(rq->nr_running, nr);
		assert_int_equal(rq->fair.nr, nfair);
		assert_int_equal(rq->fair.load, load);
		assert_int_equal(rq->rt.nr, nrt);
		assert_int_equal(rq->dl.nr, ndl);
		assert_int_equal(rq->dl.nr_throttled, nthr);
		assert_int_equal(rq->share.nr, nshare);
		assert_int_equal(rq->share.tickets, tickets);
		u32 nlinked = 0;
		struct list_head *pos;
		list_for_each(pos, &rq->rt.ss_queued)
			nlinked++;
		assert_int_equal(nlinked, nss);
		if (settled)
			assert_false(cur->throttled); /* throttled threads never run */
		if (sim_is_idle(cur)) {
			assert_ptr_equal(cur, &c->idle);
			assert_int_equal(nr, 0);
		} else {
			assert_true(cur->on_rq);
			assert_int_equal(cur->cpu, i);
		}
		assert_ptr_equal(rq->fair.curr, cur->class == &fair_sched_class ? cur : NULL);
		n = 0;
		if (rb_validate_cached(&rq->fair.tree, sim_vruntime_less, &n, &why)) {
			print_error("cpu %d fair tree: %s\n", i, why);
			fail();
		}
		assert_int_equal(n, nfair - (rq->fair.curr ? 1 : 0));
		assert_true((s64)(rq->fair.min_vruntime - c->last_min) >= 0);
		c->last_min = rq->fair.min_vruntime;
		n = 0;
		if (rb_validate_cached(&rq->dl.ready, sim_dl_ready_less, &n, &why)) {
			print_error("cpu %d ready tree: %s\n", i, why);
			fail();
		}
		assert_int_equal(n, ndl - nthr - (rq->dl.curr && !rq->dl.curr->throttled ? 1 : 0));
		n = 0;
		if (rb_validate_cached(&rq->dl.timers, sim_dl_timer_less, &n, &why)) {
			print_error("cpu %d timer tree: %s\n", i, why);
			fail();
		}
		assert_int_equal(n, nthr);
		n = 0;
		assert_ptr_equal(rq->share.curr, cur->class == &share_sched_class ? cur : NULL);
		if (rb_validate_cached(&rq->share.tree, sim_pass_less, &n, &why)) {
			print_error("cpu %d share tree: %s\n", i, why);
			fail();
		}
		assert_int_equal(n, nshare - (rq->share.curr ? 1 : 0));
		for (int p = 0; p <= RT_PRIO_MAX; p++) {
			bool bit = (rq->rt.bitmap[p >> 6] >> (p & 63)) & 1;
			assert_int_equal(bit, !list_empty(&rq->rt.queue[p]));
		}
		if (c->class_at != NEVER)
			assert_true(c->class_at > SIM.now);
	}
	for (int k = 0; k < SIM.nth; k++) {
		struct sim_thread *st = SIM.th[k];
		struct thread *t = &st->t;
		u64 acc = t->sum_exec;
		if (t->on_rq && SIM.cpu[t->cpu].rq.curr == t)
			acc += sim_clock() - t->exec_start;
		assert_int_equal(acc, st->sim_exec); /* exact accounting */
		if (t->class == &share_sched_class && t->policy == SCHED_STRIDE) {
			u64 eff = share_effective_tickets(t), recv = 0;
			u64 stride = SHARE_STRIDE1 / (eff ? eff : 1);
			assert_int_equal(t->share.acct, eff);
			assert_int_equal(t->share.stride, stride ? stride : 1);
			for (int j = 0; j < SIM.nth; j++)
				if (SIM.th[j]->t.share.lent_to == t)
					recv += SIM.th[j]->t.share.lent;
			assert_int_equal(t->share.recv, recv);
			if (t->share.lent_to)
				assert_int_equal(t->share.lent, (u64)t->share.tickets + t->share.recv);
			else
				assert_int_equal(t->share.lent, 0);
		}
		if (t->policy == SCHED_SPORADIC)
			check_sporadic(st);
		if (t->class == &dl_sched_class) {
			assert_true(t->dl.runtime <= (s64)t->dl.dl_runtime);
			if (t->on_rq)
				assert_true((s64)(t->dl.deadline - sim_clock()) <= (s64)t->dl.dl_deadline);
			/* a new server period: its budget starts again */
			if (!st->srv_valid || t->dl.deadline != st->srv_dl) {
				st->srv_valid = true;
				st->srv_dl = t->dl.deadline;
				st->srv_exec = 0;
				st->srv_q = 0;
			}
			st->srv_q = MAX(st->srv_q, t->dl.dl_runtime); /* Q may change mid-period */
		}
	}
	if (SIM.hook)
		SIM.hook();
}

/* ---- events ---- */

static void begin_burst(struct sim_thread *st)
{
	if (st->phase < st->nphases)
		st->burst_left = st->phases[st->phase].run;
	else if (st->cpu_bound)
		st->burst_left = NEVER;
	else
		st->burst_left = st->run_ns;
	assert_true(st->burst_left > 0);
}

static void do_wake(struct sim_thread *st)
{
	struct rq *rq = &SIM.cpu[st->home].rq;
	st->wake_at = NEVER;
	st->t.state = THREAD_RUNNABLE;
	if (!SIM.stale_clock)
		rq->clock = sim_clock();
	rq_enqueue(rq, &st->t, st->created);
	/* it blocked at this very instant and is still rq->curr: the real
	 * core would have switched it out before anyone could wake it */
	if (rq->curr == &st->t)
		rq->need_resched = true;
	if (st->t.class == &fair_sched_class)
		st->wake_lag = (s64)(st->t.fair.vruntime - rq->fair.min_vruntime);
	st->created = true;
	if (!st->periodic) /* a periodic thread's work comes from its releases */
		begin_burst(st);
	st->ready_since = SIM.now;
	rq_wakeup_preempts(rq, &st->t);
}

/* A periodic thread's next job is released (and wakes it if it sleeps). */
static void do_release(struct sim_thread *st)
{
	if (st->job.end == SIM_JOB_GREEDY) {
		st->next_release = NEVER;
		st->burst_left = NEVER;
	} else {
		assert_true(st->qn < SIM_RING); /* a backlog this deep is a bug */
		st->rel_q[(st->qh + st->qn) % SIM_RING] = SIM.now;
		if (st->qn++ == 0)
			st->burst_left = st->job.c;
		st->next_release += st->job.t;
	}
	if (st->t.state == THREAD_SLEEPING)
		do_wake(st);
}

/* The running periodic thread st finished its head job: the next one, or
 * sleep or yield when there is none. */
static void do_job_done(struct sim_cpu *c, struct sim_thread *st)
{
	u64 resp = SIM.now - st->rel_q[st->qh];

	st->jobs++;
	st->max_resp = MAX(st->max_resp, resp);
	if (resp > st->job.d)
		st->misses++;
	st->qh = (st->qh + 1) % SIM_RING;
	if (--st->qn) {
		st->burst_left = st->job.c;
		return;
	}
	st->burst_left = NEVER;
	c->rq.clock = sim_clock();
	if (st->job.end == SIM_JOB_SLEEP) {
		rq_dequeue(&c->rq, &st->t);
		st->t.state = THREAD_SLEEPING;
	} else {
		rq_yield(&c->rq);
	}
}

/* The running thread st used up its burst: sleep, yield or exit. */
static void do_burst_end(struct sim_cpu *c, struct sim_thread *st)
{
	u64 sleep;

	if (!SIM.stale_clock)
		c->rq.clock = sim_clock();
	if (st->phase < st->nphases) {
		sleep = st->phases[st->phase++].sleep;
	} else if (st->end == SIM_END_YIELD) {
		rq_yield(&c->rq);
		begin_burst(st);
		return;
	} else if (st->end == SIM_END_EXIT) {
		rq_dequeue(&c->rq, &st->t);
		st->t.state = THREAD_DEAD;
		st->burst_left = NEVER;
		return;
	} else {
		sleep = st->sleep_ns;
	}
	rq_dequeue(&c->rq, &st->t);
	st->t.state = THREAD_SLEEPING;
	st->burst_left = NEVER;
	st->wake_at = SIM.now + sleep;
}

static void sim_schedule_cpu(int i)
{
	struct sim_cpu *c = &SIM.cpu[i];

	for (int k = 0; k < 3; k++) {
		struct thread *prev = c->rq.curr, *next;
		next = rq_pick_next(&c->rq, sim_clock());
		assert_ptr_equal(c->rq.curr, next);
		if (next != prev) {
			SIM.switches++;
			if (!sim_is_idle(prev) && prev->on_rq)
				sim_of(prev)->ready_since = SIM.now; /* preempted */
		}
		if (sim_is_idle(next))
			return;
		struct sim_thread *st = sim_of(next);
		if (st->ready_since != NEVER) {
			st->max_wait = MAX(st->max_wait, SIM.now - st->ready_since);
			st->ready_since = NEVER;
			st->nr_runs++;
		}
		/* a periodic thread that yields without work yields again */
		if (!st->periodic || st->job.end != SIM_JOB_YIELD || st->qn)
			return;
		rq_yield(&c->rq);
	}
}

static void sim_rearm(void)
{
	for (int i = 0; i < SIM.ncpu; i++) {
		struct sim_cpu *c = &SIM.cpu[i];
		u64 left, ev;
		if (SIM.slice_timer) {
			c->rq.clock = sim_clock();
			left = rq_slice_left(&c->rq);
			c->slice_at = left ? SIM.now + left + SIM.slice_late : NEVER;
		}
		ev = rq_next_event(&c->rq);
		c->class_at = ev ? SIM.now + (u64)MAX((s64)(ev - sim_clock()), 0) : NEVER;
	}
}

static void process_events(void)
{
	SIM.events++;
	for (int i = 0; i < SIM.ncpu; i++) {
		struct thread *cur = SIM.cpu[i].rq.curr;
		if (sim_is_idle(cur) || !cur->on_rq || sim_of(cur)->burst_left != 0)
			continue;
		if (sim_of(cur)->periodic)
			do_job_done(&SIM.cpu[i], sim_of(cur));
		else
			do_burst_end(&SIM.cpu[i], sim_of(cur));
	}
	for (int k = 0; k < SIM.nth; k++) {
		if (SIM.th[k]->wake_at == SIM.now)
			do_wake(SIM.th[k]);
		if (SIM.th[k]->next_release == SIM.now)
			do_release(SIM.th[k]);
	}
	for (int i = 0; i < SIM.ncpu; i++) {
		struct sim_cpu *c = &SIM.cpu[i];
		if (c->class_at <= SIM.now) {
			c->class_at = NEVER;
			rq_class_timers(&c->rq, sim_clock());
		}
		if (c->next_tick == SIM.now) {
			rq_tick(&c->rq, sim_clock());
			c->next_tick += SIM.tick_ns;
		}
		if (c->slice_at <= SIM.now) {
			c->slice_at = NEVER;
			rq_tick(&c->rq, sim_clock());
		}
	}
	for (int i = 0; i < SIM.ncpu; i++) {
		struct sim_cpu *c = &SIM.cpu[i];
		struct thread *prev = c->rq.curr;
		if (c->rq.need_resched || (!sim_is_idle(prev) && !prev->on_rq))
			sim_schedule_cpu(i);
	}
	sim_rearm();
	timeline_update();
	sim_check(true);
}

static void sim_run_until(u64 end)
{
	/* a broken scheduler can make the simulation crawl (a slice timer
	 * firing every ns): allow one event per simulated us on average */
	u64 budget = (end - SIM.now) / US + 100000;
	for (;;) {
		if (!budget--)
			fail_msg("simulation runaway at %llu ns", (unsigned long long)SIM.now);
		process_events();
		if (SIM.now >= end)
			break;
		u64 next = end;
		for (int i = 0; i < SIM.ncpu; i++) {
			struct sim_cpu *c = &SIM.cpu[i];
			struct thread *cur = c->rq.curr;
			next = MIN(next, c->slice_at);
			next = MIN(next, c->class_at);
			next = MIN(next, c->next_tick);
			if (!sim_is_idle(cur) && sim_of(cur)->burst_left != NEVER)
				next = MIN(next, SIM.now + sim_of(cur)->burst_left);
		}
		for (int k = 0; k < SIM.nth; k++) {
			next = MIN(next, SIM.th[k]->wake_at);
			next = MIN(next, SIM.th[k]->next_release);
		}
		assert_true(next >= SIM.now);
		u64 delta = next - SIM.now;
		for (int i = 0; i < SIM.ncpu; i++) {
			struct thread *cur = SIM.cpu[i].rq.curr;
			if (sim_is_idle(cur))
				continue;
			struct sim_thread *st = sim_of(cur);
			st->sim_exec += delta;
			if (st->burst_left != NEVER)
				st->burst_left -= delta;
			if (cur->policy == SCHED_SPORADIC && cur->rt_prio == cur->ss.high)
				st->m_chunk += delta;
			if (cur->class == &dl_sched_class) {
				/* at most Q per server period; one tick of debt
				 * when only the tick enforces it */
				u64 slack = SIM.slice_timer ? 0 : SIM.tick_ns;
				st->srv_exec += delta;
				if (st->srv_exec > MAX(st->srv_q, cur->dl.dl_runtime) + slack) {
					print_error("%s ran %llu ns in one server period (Q %llu)\n", cur->name,
						    (unsigned long long)st->srv_exec,
						    (unsigned long long)cur->dl.dl_runtime);
					fail();
				}
			}
		}
		SIM.now = next;
	}
}

static inline void sim_run_for(u64 d) { sim_run_until(SIM.now + d); }

/* Before calling a sched_set_*() / transfer API from a test. */
static inline void sim_sync_clocks(void)
{
	for (int i = 0; i < SIM.ncpu; i++)
		SIM.cpu[i].rq.clock = sim_clock();
}

static inline double sim_rel_err(double got, double want) { return (got - want) / want; }

static inline void expect_within(double got, double want, double tol, const char *what)
{
	double e = sim_rel_err(got, want);
	if (e > tol || e < -tol) {
		print_error("%s: got %.5f, want %.5f (error %.3f%% > %.3f%%)\n", what, got, want,
			    100 * e, 100 * tol);
		fail();
	}
}

#endif
