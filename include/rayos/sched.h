/* sched.h — threads and the scheduler core (kernel/sched/).
 *
 * The core owns per-CPU run queues, their locks, accounting and the context
 * switch. Policies are scheduling classes (struct sched_class), walked in
 * priority order exactly like Linux's sched_class list:
 *     deadline (real-time issue) > rt (SCHED_FIFO/SCHED_RR/SCHED_SPORADIC)
 *     > share (SCHED_STRIDE: stride or lottery) > fair > idle.
 * The first class whose pick_next returns a thread wins. A class keeps its
 * queue inside struct rq (rq->rt, rq->fair, ...) and its per-thread state in
 * struct thread (t->rt, t->fair, ...).
 *
 * Locking: rq->lock (IRQ-safe) protects everything in struct rq and the
 * scheduling fields of the threads queued on it. Lock order when two run
 * queues are needed (migration): lower CPU number first. Class hooks are
 * called with rq->lock held and must not sleep or allocate.
 *
 * Time: classes are handed `now` (monotonic ns) by the core; they never
 * read a clock themselves, so the hosted tests drive them with a fake one.
 * rq_tick() and rq_pick_next() take `now` and store it in rq->clock;
 * rq_enqueue(), rq_dequeue(), rq_yield() and the sched_set_*() calls use
 * rq->clock as "now", so the caller updates rq->clock first.
 *
 * Thread set-up: a new struct thread starts zeroed (class NULL) and gets
 * its class from sched_set_fair(), sched_set_rt(), sched_set_deadline(),
 * sched_set_share() or sched_set_sporadic() before its first rq_enqueue().
 * Implementation: kernel/sched/core_rq.c (registry, run-queue operations),
 * deadline.c (SCHED_DEADLINE: EDF/LLF with CBS), rt.c (SCHED_FIFO/SCHED_RR,
 * sporadic servers), stride.c (proportional share), fair.c (CFS), idle.c.
 *
 * Throttling: a class may hold a queued thread (on_rq) unable to run (the
 * deadline class, when its runtime is exhausted): t->throttled is then set
 * and the thread is not counted in rq->nr_running (as in Linux, where a
 * throttled SCHED_DEADLINE task is on_rq but not in dl_rq->dl_nr_running
 * nor rq->nr_running). Classes change it only through rq_throttle() and
 * rq_unthrottle(). */
#ifndef RAYOS_SCHED_H
#define RAYOS_SCHED_H
#include <rayos/types.h>
#include <rayos/list.h>
#include <rayos/spinlock.h>
#include <rayos/percpu.h>
#include <rayos/time.h>
#include <rayos/rbtree.h>

/* Policies (Linux numbering, for sched_setscheduler later). */
#define SCHED_NORMAL 0
#define SCHED_FIFO   1
#define SCHED_RR     2
#define SCHED_BATCH  3
#define SCHED_IDLE   5
#define SCHED_DEADLINE 6
/* Kernel-internal policies: not Linux numbers, never accepted from user
 * space (the syscall layer must refuse them). */
#define SCHED_STRIDE   16      /* share class: stride/lottery (stride.c) */
#define SCHED_SPORADIC 17      /* rt class: POSIX sporadic server (rt.c) */

#define RT_PRIO_MAX 99         /* rt priorities 1..99, higher runs first */
#define RR_QUANTUM_NS (100ULL * 1000 * 1000) /* Linux's sched_rr_timeslice_ms */
#define NICE_MIN (-20)
#define NICE_MAX 19

/* Class ranks (lower runs first). */
#define SCHED_RANK_DEADLINE 10
#define SCHED_RANK_RT       20
#define SCHED_RANK_SHARE    25
#define SCHED_RANK_FAIR     30
#define SCHED_RANK_IDLE     40

/* Fair-class tunables (CFS defaults, Linux's unscaled sysctl values). */
#define SCHED_FAIR_LATENCY_NS     (6ULL * 1000 * 1000) /* period for <= 8 threads */
#define SCHED_FAIR_MIN_GRAN_NS    (750ULL * 1000)      /* shortest slice */
#define SCHED_FAIR_WAKEUP_GRAN_NS (1ULL * 1000 * 1000) /* wake-up preemption margin */
/* Most virtual time a waking sleeper is placed before min_vruntime. */
#define SCHED_FAIR_SLEEPER_BONUS_NS (SCHED_FAIR_LATENCY_NS / 2)

/* Share class (kernel/sched/stride.c). Pass advances by stride per quantum
 * of CPU time; stride = SHARE_STRIDE1 / tickets. */
#define SHARE_TICKETS_MAX  (1U << 20)
#define SHARE_STRIDE1      (1ULL << 32)
#define SHARE_QUANTUM_NS   (1ULL * 1000 * 1000)   /* default quantum */
#define SHARE_QUANTUM_MAX_NS (1ULL * 1000 * 1000 * 1000)
#define SHARE_POLICY_NAME_MAX 16

/* Sporadic servers (kernel/sched/rt.c): most pending replenishments. */
#define SS_MAX_REPL 16

typedef u64 cpumask_t; /* bit n = CPU n; MAX_CPUS <= 64 */
#define CPUMASK_ALL (~0ULL)

enum thread_state {
	THREAD_RUNNABLE,   /* on a run queue or running */
	THREAD_SLEEPING,   /* waiting: wait queue, timer, join */
	THREAD_STOPPED,
	THREAD_DEAD,       /* exited, not yet reaped */
	THREAD_NR_STATES
};

struct rq;
struct thread;
struct process;
struct uvm;
struct uthread;

/* Per-thread state of the fair class (kernel/sched/fair.c). vruntime is
 * compared wrap-safely ((s64)(a - b)); it is meaningful relative to the
 * min_vruntime of the run queue it was last queued on. */
struct fair_entity {
	u64 vruntime;      /* virtual runtime, ns scaled by 1024 / weight */
	u64 weight;        /* from nice: 1024 at nice 0 (Linux's table) */
	u64 slice_start;   /* sum_exec when this turn began */
	struct rb_node node; /* in rq->fair.tree while queued and not running */
	const struct rq *last_rq; /* where it was last dequeued */
	bool queued;       /* counted in rq->fair (in the tree, or fair.curr) */
	bool placed;       /* has been enqueued before (false: new thread) */
};

/* Per-thread state of the rt class (kernel/sched/rt.c). */
struct rt_entity {
	u64 time_slice;    /* SCHED_RR: ns left in the quantum; refilled when it
			    * runs out and when the policy becomes SCHED_RR */
	struct list_head node; /* in rq->rt.queue[prio] while queued */
	int prio;          /* level it is queued at (t->rt_prio at enqueue) */
	bool queued;
};

/* POSIX sched_param's sporadic-server members (times in ns). */
struct sched_sporadic_param {
	int sched_priority;        /* high priority, 2..RT_PRIO_MAX */
	int sched_ss_low_priority; /* 1..sched_priority-1 */
	u64 sched_ss_repl_period;  /* ns, > 0 */
	u64 sched_ss_init_budget;  /* ns, 1..repl_period */
	int sched_ss_max_repl;     /* 1..SS_MAX_REPL */
};

/* Per-thread sporadic-server state (rt.c), valid while policy is
 * SCHED_SPORADIC. Times are absolute rq-clock ns. */
struct ss_repl {
	u64 at, amount;
};
struct ss_entity {
	/* parameters */
	u64 period, budget;
	int high, low;
	u32 max_repl;
	/* state */
	s64 capacity;          /* available execution capacity; < 0 after an
				* overrun (carried, not forgotten) */
	u64 chunk;             /* CPU time used at high priority since the last
				* replenishment was scheduled */
	u64 seg_start;         /* start of the last contiguous run at high priority */
	u64 last_stop;         /* rq clock when it last stopped running */
	bool seg_valid;        /* seg_start/last_stop belong to the open chunk */
	bool linked;           /* on rq->rt.ss_queued */
	u32 head, nr;          /* pending replenishments: repl[head..head+nr) mod SS_MAX_REPL */
	struct ss_repl repl[SS_MAX_REPL];
	struct list_head node; /* in rq->rt.ss_queued while queued */
	/* statistics */
	u64 nr_exhausted, nr_replenished, nr_scheduled;
	struct ss_repl last;   /* the last replenishment scheduled */
};

/* Per-thread state of the share class (kernel/sched/stride.c). pass is
 * compared wrap-safely and is meaningful relative to the global pass of
 * the run queue it is queued on; remain keeps its position while it is
 * not queued. */
struct share_entity {
	u32 tickets;           /* its own tickets, 1..SHARE_TICKETS_MAX */
	u64 recv;              /* tickets lent to it (sched_share_transfer) */
	struct thread *lent_to; /* whom it lends all it has, or NULL */
	u64 lent;              /* tickets credited down the lending chain */
	u64 acct;              /* effective tickets counted in its rq's total */
	u64 stride;            /* SHARE_STRIDE1 / effective tickets (>= 1) */
	u64 pass;
	s64 remain;            /* pass - global pass when it left (paper's remain) */
	u64 quantum_used;      /* ns of the current quantum used */
	u64 lottery;           /* lottery compensation tickets for the next draw (0 = none) */
	struct rb_node node;   /* in rq->share.tree while queued and not running */
	bool queued, placed;
};

/* Per-thread state of the deadline class (kernel/sched/deadline.c).
 * Times are rq-clock ns; absolute ones are compared wrap-safely. */
struct dl_entity {
	/* parameters (sched_set_deadline), constant while admitted */
	u64 dl_runtime, dl_deadline, dl_period; /* Q <= D <= P */
	u64 dl_bw;         /* Q / P << SCHED_DL_BW_SHIFT, rounded down */
	/* CBS server state */
	u64 deadline;      /* absolute deadline of the current job/period */
	s64 runtime;       /* runtime left; <= 0 when exhausted (debt) */
	u64 repl_at;       /* throttled: replenishment instant */
	u64 key;           /* the policy's key while in the ready tree */
	struct rb_node node;  /* in rq->dl.ready, or rq->dl.timers if throttled */
	bool queued;       /* counted in rq->dl.nr (t->on_rq, dl class) */
	bool in_ready, in_timers;
	bool is_new;       /* next enqueue starts a fresh period */
	bool changed;      /* new parameters: next enqueue fits the state to them */
	bool yielded;      /* job done: rest of the runtime given up */
	/* admission (dl_bw_lock) */
	bool admitted;
	u32 bw_cpu;        /* partitioned: the CPU whose bandwidth it holds */
	/* statistics */
	u64 nr_throttled;  /* times its runtime ran out (or it yielded) */
	u64 nr_replenished;
	u64 max_overrun;   /* most run time charged beyond the budget (ns) */
	u64 exec;          /* run time charged to the server since it started */
	u64 since;         /* rq clock when it entered the class */
	/* priority inheritance (sched_boost_dl): while pi_boosted it runs with
	 * pi_deadline, the absolute deadline of the waiter it inherits from,
	 * and is never throttled (its run time is still charged) */
	bool pi_boosted;
	u64 pi_deadline;
	u64 own_deadline;  /* a deadline thread's own deadline while boosted */
	/* SCHED_FLAG_DL_OVERRUN (sched_setattr): an exhausted runtime sets
	 * overrun_pending, and the return to user mode sends SIGXCPU */
	bool overrun_signal;
	bool overrun_pending;
};

struct sched_class {
	const char *name;
	/* mandatory */
	void (*enqueue)(struct rq *rq, struct thread *t, bool wakeup);
	void (*dequeue)(struct rq *rq, struct thread *t);
	struct thread *(*pick_next)(struct rq *rq);     /* does not dequeue */
	void (*put_prev)(struct rq *rq, struct thread *t); /* t stops running */
	void (*set_next)(struct rq *rq, struct thread *t); /* t starts running */
	/* t ran delta ns; returns true when t should be preempted. Also called
	 * for a t just dequeued (blocking) to charge its last run time. */
	bool (*tick)(struct rq *rq, struct thread *t, u64 delta);
	/* should woken w preempt curr (both of this class)? */
	bool (*preempt)(struct rq *rq, struct thread *curr, struct thread *w);
	/* optional */
	void (*yield)(struct rq *rq, struct thread *t);
	/* t moves from src to dst (neither running it): renormalise */
	void (*migrate)(struct rq *src, struct rq *dst, struct thread *t);
	/* ns until curr's turn ends (0 = no limit), for the one-shot timer */
	u64 (*slice_left)(struct rq *rq, struct thread *t);
	void (*prio_changed)(struct rq *rq, struct thread *t);
	/* Timed events of the class (CBS replenishment, sporadic-server
	 * replenishment...): next_event returns the absolute rq-clock ns of
	 * the earliest one, 0 for none; the core arms rq->class_timer for the
	 * earliest over all classes and, when it fires (rq_class_timers),
	 * calls timer_fired with rq->clock up to date. timer_fired handles
	 * every event due at rq->clock and sets rq->need_resched when what it
	 * changed should preempt curr. Both or neither must be set. */
	u64 (*next_event)(struct rq *rq);
	void (*timer_fired)(struct rq *rq);
	/* registry-owned */
	const struct sched_class *next;
	int rank; /* lower runs first */
};

struct fair_rq {
	struct rb_root_cached tree; /* queued threads except curr, by vruntime;
				     * equal vruntimes in queueing order */
	struct thread *curr;    /* the running fair thread (not in the tree) */
	u64 min_vruntime;       /* monotonic; <= vruntime of curr and leftmost
				 * when it last advanced */
	u64 load;               /* sum of weights queued (incl. current) */
	u32 nr;                 /* threads queued (incl. current) */
};

struct rt_rq {
	struct list_head queue[RT_PRIO_MAX + 1]; /* FIFO per priority (1..99);
						  * the running thread stays in it */
	u64 bitmap[2];          /* bit p set when queue[p] is not empty */
	u32 nr;
	struct list_head ss_queued; /* queued SCHED_SPORADIC threads */
	u64 ss_exhausted, ss_replenished; /* counters (this run queue) */
};

struct share_policy;
struct share_rq {
	struct rb_root_cached tree; /* queued threads except curr, by pass */
	struct thread *curr;    /* the running share thread (not in the tree) */
	u64 tickets;            /* global tickets: sum of acct of queued threads */
	u64 pass;               /* global pass (advances with the class's CPU time) */
	u64 quantum;            /* ns */
	u32 nr;                 /* threads queued (incl. current) */
	const struct share_policy *policy;
	u64 nr_picks;
};

struct dl_policy_ops;
struct dl_rq {
	struct rb_root_cached ready;  /* runnable, not running: by (key, deadline) */
	struct rb_root_cached timers; /* throttled and queued: by repl_at */
	struct thread *curr;    /* the running deadline thread (in no tree) */
	struct thread *last;    /* the deadline thread that ran last (ties) */
	const struct dl_policy_ops *policy; /* edf by default */
	u32 nr;                 /* threads queued in the class (incl. throttled) */
	u32 nr_throttled;       /* of those, throttled */
	/* for lock-free readers (global placement): deadline of the running
	 * deadline thread, valid when curr_dl_valid */
	u64 curr_dl;
	bool curr_dl_valid;
	/* and the deadline of the first ready one, valid when next_dl_valid */
	u64 next_dl;
	bool next_dl_valid;
};

struct rq {
	spinlock_t lock;
	/* rq->lock protects: */
	u32 cpu;
	u32 nr_running;        /* runnable threads incl. the current one, excl. idle */
	struct thread *curr, *idle;
	u64 clock;             /* ns, updated by the core */
	struct dl_rq dl;
	struct fair_rq fair;
	struct rt_rq rt;
	struct share_rq share;
	bool need_resched;
	u64 nr_switches;
	/* accounting (ns) by mode */
	u64 time_user, time_kernel, time_irq, time_idle;
	u64 acct_last;         /* clock of the last accounting */
	u64 irq_seen;          /* cpu->irq_time_ns already accounted */
	u64 user_seen;         /* cpu->user_cycles already accounted */
	/* hand-over from schedule() to the thread that runs next */
	struct thread *prev_thread, *migrate_thread;
	struct timer_event slice_timer, balance_timer, class_timer;
	u64 nr_migrations;
	struct list_head threads; /* every thread on this rq (on_rq), for balancing */
};

struct thread {
	/* constant after creation */
	u32 tid;
	char name[16];
	void *stack;            /* vmalloc'd, guard pages around it */
	size_t stack_size;
	/* protected by the thread's rq->lock */
	enum thread_state state;
	const struct sched_class *class;
	int policy;
	int rt_prio;            /* 1..99 for SCHED_FIFO/RR */
	int nice;
	u32 cpu;                /* CPU whose run queue holds it, or last ran on */
	cpumask_t affinity;
	bool on_rq;
	bool migrating;         /* dequeued by schedule() to move to a CPU it may
				 * run on (rq->migrate_thread), not queued again
				 * yet: a wake-up only makes it runnable */
	bool throttled;         /* queued but held by its class: not counted in
				 * nr_running (rq_throttle/rq_unthrottle) */
	struct dl_entity dl;
	struct fair_entity fair;
	struct rt_entity rt;
	struct share_entity share;
	struct ss_entity ss;
	/* accounting */
	u64 sum_exec;           /* ns of CPU time */
	u64 exec_start;         /* rq clock when it last started running */
	u64 nr_switches;
	bool on_cpu;            /* its stack is in use by a CPU (until switched out) */
	struct list_head rq_node; /* in rq->threads while on_rq (core) */
	/* arch context; opaque to portable code */
	void *arch;
	/* user mode (issue 7): NULL for kernel threads */
	struct process *proc;   /* the process it belongs to (kernel/proc) */
	struct uvm *uvm;        /* the address space it runs in (mm/uvm.c);
				 * the switch activates it when it differs */
	struct uthread *uthread;/* per-thread user state (kernel/proc), or NULL */
	struct timer_event sleep_timer;
	bool detached;
	bool stop_requested;
	u64 created_ns;
	u64 wake_ns;            /* obs: clock when thread_wake() enqueued it; 0 once picked */
	/* lifetime */
	int exit_code;
	struct list_head all;   /* in the list of all threads (thread_lock) */
	/* references (atomic, __atomic builtins; thread_get/thread_put): one
	 * owned by its joiner (the reaper for a detached thread), dropped by
	 * join/reap, plus one per thread_get(). A thread on the list of all
	 * threads always holds the owner's, so a lookup under thread_lock
	 * may take one; the struct, arch context and stack are freed by the
	 * last put. */
	u32 refs;
	void *wait_private;     /* owned by whatever the thread sleeps on */
	/* priority inheritance (kernel/sync/mutex.c): pi_lock protects */
	struct mutex *pi_blocked_on;  /* PI/ceiling mutex it waits for */
	struct list_head pi_held;     /* PI/ceiling mutexes it owns */
	/* its own parameters while boosted (rq->lock; sched_boost()) */
	struct {
		bool active;
		const struct sched_class *class;
		int policy, rt_prio, nice;
	} pi_base;
};

/* ---- class registry ---- */
/* Refuses missing mandatory hooks (-EINVAL) and duplicate names (-EEXIST). */
int sched_class_register(struct sched_class *c, int rank);
const struct sched_class *sched_class_first(void);
const struct sched_class *sched_class_find(const char *name);
extern struct sched_class dl_sched_class, fair_sched_class, rt_sched_class, idle_sched_class,
	share_sched_class;
/* Registers deadline, rt, share, fair and idle at SCHED_RANK_* (and the
 * share policies "stride" and "lottery"); 0 or the first error. */
int sched_classes_init(void);

/* ---- run queue operations (core; portable, used by the hosted sim) ---- */
/* Also gives idle the idle class and records rq as CPU cpu's run queue
 * (sched_set_*() find a queued thread's run queue from t->cpu). */
void rq_init(struct rq *rq, u32 cpu, struct thread *idle);
/* wakeup: t was sleeping (fair: sleeper placement); false for a new thread,
 * a migration or a class change. Sets t->on_rq and t->cpu. */
void rq_enqueue(struct rq *rq, struct thread *t, bool wakeup);
void rq_dequeue(struct rq *rq, struct thread *t);
/* Account curr's run time up to now; returns true if curr should yield. */
bool rq_tick(struct rq *rq, u64 now);
/* Decide who runs next: puts curr back (if runnable), picks, makes it curr.
 * Returns the new curr (may be the same). */
struct thread *rq_pick_next(struct rq *rq, u64 now);
/* Would waking t (already rq_enqueue()d) preempt rq->curr? If so, also
 * sets rq->need_resched. */
bool rq_wakeup_preempts(struct rq *rq, struct thread *t);
/* Earliest ns from now at which curr's slice ends (0 = none). Changes when
 * threads are queued (a lone fair thread has no slice end): re-arm the
 * one-shot timer after rq_enqueue() as well as after rq_pick_next(). */
u64 rq_slice_left(struct rq *rq);
/* curr gives up the CPU (sched_yield): the class requeues it behind its
 * equals, rq->need_resched is set; the caller then calls rq_pick_next(). */
void rq_yield(struct rq *rq);
/* Earliest absolute rq-clock time of any class's timed event (0 = none):
 * arm a timer for it after every rq operation, as for rq_slice_left(). */
u64 rq_next_event(const struct rq *rq);
/* The class timer fired: charge curr up to now and let every class handle
 * its due events. Returns rq->need_resched. */
bool rq_class_timers(struct rq *rq, u64 now);

/* A class stops (rq_throttle) or resumes (rq_unthrottle) counting queued
 * thread t in rq->nr_running; sets/clears t->throttled. t may be off the
 * run queue (blocking): then only the flag changes. */
void rq_throttle(struct rq *rq, struct thread *t);
void rq_unthrottle(struct rq *rq, struct thread *t);

/* nice -> weight (Linux's sched_prio_to_weight); nice outside -20..19 is
 * clamped. */
u64 sched_nice_to_weight(int nice);
/* Set t's class and parameters: -EINVAL for nice outside -20..19, a policy
 * other than SCHED_FIFO/SCHED_RR or prio outside 1..RT_PRIO_MAX, -EPERM
 * for an idle thread. A queued thread is moved between classes (or within
 * its class) on its run queue and rq->need_resched is set; the caller holds
 * that run queue's lock. rt priority changes follow POSIX/Linux sched(7):
 * raised -> tail of the new level, lowered -> head, unchanged -> stays. */
int sched_set_fair(struct thread *t, int nice);
int sched_set_rt(struct thread *t, int policy, int prio);
/* Priority inheritance: run t as SCHED_FIFO at rt_prio while that is above
 * its own parameters, which are kept in t->pi_base (rt_prio 0: back to its
 * own). While boosted, sched_set_fair/sched_set_rt change the kept
 * parameters, and the caller re-evaluates the boost. Same locking as
 * sched_set_rt. */
int sched_boost(struct thread *t, int rt_prio);
/* Deadline inheritance: run t in the deadline class with donor's
 * parameters and current absolute deadline, unthrottled and outside
 * admission control, while that is earlier than what t has (a deadline
 * thread keeps its own deadline when it is earlier); donor NULL ends it.
 * Same locking as sched_set_rt. */
int sched_boost_dl(struct thread *t, const struct thread *donor);
/* SCHED_STRIDE in the share class with `tickets` (1..SHARE_TICKETS_MAX,
 * else -EINVAL). A queued thread keeps its position (remain is rescaled,
 * Waldspurger & Weihl's client_modify). Same locking as sched_set_rt. */
int sched_set_share(struct thread *t, u32 tickets);
/* SCHED_SPORADIC in the rt class: -EINVAL unless 1 <= low < high <=
 * RT_PRIO_MAX, 0 < budget <= period and 1 <= max_repl <= SS_MAX_REPL.
 * Starts with full capacity at the high priority and no replenishment
 * pending (also when it already was a sporadic server). */
int sched_set_sporadic(struct thread *t, const struct sched_sporadic_param *p);

/* ---- share class (stride.c); callers hold the run queue's lock ---- */
/* A selection policy of the share class: pick chooses among the queued
 * threads (the current one is back in the tree when pick runs); left is
 * called when a thread leaves the run queue (its quantum_used is that of
 * its last turn).
 * Registration refuses a missing name/pick (-EINVAL) or a duplicate name
 * (-EEXIST); "stride" and "lottery" are built in. */
struct share_policy {
	const char *name;
	struct thread *(*pick)(struct rq *rq);
	void (*left)(struct rq *rq, struct thread *t); /* optional: t blocked */
	/* optional: should woken w preempt curr (both share)? default no */
	bool (*preempt)(struct rq *rq, struct thread *curr, struct thread *w);
	const struct share_policy *next; /* registry-owned */
};
int share_policy_register(struct share_policy *p);
const struct share_policy *share_policy_find(const char *name);
/* Select rq's policy by name (-ENOENT if unknown). */
int share_rq_set_policy(struct rq *rq, const char *name);
/* rq's quantum: 1 us .. SHARE_QUANTUM_MAX_NS, else -EINVAL. */
int share_rq_set_quantum(struct rq *rq, u64 ns);
/* The lottery's random source (NULL: get_random_u64). Hosted tests inject
 * a seeded generator. */
void share_set_random(u64 (*fn)(void));
/* Effective tickets: 0 while lending, else own + received. */
u64 share_effective_tickets(const struct thread *t);
/* `from` lends all its tickets (own + received) to `to` until
 * sched_share_return(from); `to` may lend onward, and what it received
 * moves along. -EINVAL unless both are SCHED_STRIDE threads and from != to,
 * -EBUSY if from already lends, -EDEADLK if to's chain leads back to from.
 * The caller holds the run-queue locks of every thread on the chain. */
int sched_share_transfer(struct thread *from, struct thread *to);
/* Undo from's loan exactly; -EINVAL if it lends nothing. */
int sched_share_return(struct thread *from);

/* ---- the deadline class (kernel/sched/deadline.c) ----
 *
 * SCHED_DEADLINE semantics (Linux Documentation/scheduler/sched-deadline.rst):
 * a thread reserves runtime Q every period P, to be used within relative
 * deadline D (Q <= D <= P). A constant bandwidth server (CBS) enforces the
 * reservation: a thread that uses up Q is throttled until its next period.
 * Admission control keeps the sum of Q/P per CPU (partitioned, default) or
 * per root domain (global) under a cap, default 95%. */
#define SCHED_DL_BW_SHIFT 20                 /* Linux's BW_SHIFT */
#define SCHED_DL_BW_UNIT (1ULL << SCHED_DL_BW_SHIFT)
#define SCHED_DL_RUNTIME_MIN 1024ULL         /* 1 << DL_SCALE */
#define SCHED_DL_PERIOD_MIN (100ULL * 1000)  /* sysctl_sched_dl_period_min: 100 us */
#define SCHED_DL_PERIOD_MAX ((1ULL << 22) * 1000) /* sysctl_sched_dl_period_max: ~4.19 s */
#define SCHED_DL_CAP_DEFAULT_PPM 950000u     /* 95% */
#define SCHED_DL_LLF_GRAN_DEFAULT_NS (500ULL * 1000)

/* Set t's class to deadline with runtime Q, relative deadline D and period
 * P in ns (P = 0 means P = D); flags are reserved and must be 0.
 * -EINVAL: t NULL, flags, Q < 1024, D = 0, Q > D, D > P, a value >= 2^63,
 * P outside [SCHED_DL_PERIOD_MIN, SCHED_DL_PERIOD_MAX] (Linux
 * __checkparam_dl); -EPERM: idle thread; -EBUSY: admission control refuses
 * the bandwidth Q/P. On error nothing changes. On success the bandwidth is
 * admitted (replacing t's old one). A thread new to the class starts a
 * fresh period (deadline = now + D, runtime = Q); one already in it keeps
 * its server state (as Linux does): deadline, throttling and debt, runtime
 * cut to the new Q, so re-setting parameters never buys budget. A queued t is requeued at once and
 * rq->need_resched is set. Partitioned mode: t's bandwidth is charged to
 * one CPU (t->dl.bw_cpu): the CPU it already holds bandwidth on, else its
 * only allowed online CPU, else the allowed online CPU with the most free
 * bandwidth (ties: the CPU t is on, then the lowest). If that is not t->cpu
 * and t is queued, the caller moves it (sched_dl_cpu_allowed() says where it
 * may run). The caller holds the lock of t's run queue if t is queued.
 * Safe in interrupt context: no allocation, no sleeping. */
int sched_set_deadline(struct thread *t, u64 runtime, u64 deadline, u64 period, unsigned flags);
/* May t run on cpu as far as the deadline class is concerned? (A
 * partitioned deadline thread only on its bw_cpu.) */
bool sched_dl_cpu_allowed(const struct thread *t, u32 cpu);
/* A deadline thread leaves the class (other class, exit): its bandwidth is
 * released and its server state cleared. Called by the core with t off the
 * run queue. No-op for other threads. */
void sched_dl_leave(struct thread *t);

/* Parameters and counters of a deadline thread (caller holds its rq lock
 * or accepts a torn snapshot); -EINVAL if t is not in the deadline class. */
struct sched_dl_info {
	u64 runtime, deadline, period; /* parameters, ns */
	u64 abs_deadline;             /* current absolute deadline (rq clock) */
	s64 remaining;                /* runtime left in this period */
	u64 nr_throttled, nr_replenished;
	u64 max_overrun;              /* ns run beyond the budget, worst case */
	u64 exec, since;              /* CPU time as a deadline thread, and since when */
	u32 bw_ppm;                   /* Q/P in parts per million */
	u32 cpu;                      /* partitioned: CPU holding its bandwidth */
	bool throttled;
};
int sched_dl_get(const struct thread *t, struct sched_dl_info *out);

/* Admission control. cap in ppm of one CPU (0..1000000): -EINVAL beyond,
 * -EBUSY below what that CPU (partitioned) or the root domain (global)
 * already admitted, -ENODEV for a CPU outside MAX_CPUS. sched_dl_bw gives
 * the CPU's admitted bandwidth and cap in ppm (global mode: the root
 * domain's total shared evenly by the online CPUs). */
int sched_dl_set_cap(u32 cpu, u32 ppm);
int sched_dl_bw(u32 cpu, u32 *admitted_ppm, u32 *cap_ppm);
/* Global EDF: admission per root domain (all online CPUs: sum <= the sum of
 * their caps) and the core migrates deadline threads between CPUs.
 * -EBUSY while any deadline thread exists. */
int sched_dl_set_global(bool on);
bool sched_dl_global(void);
u32 sched_dl_nr_threads(void);           /* admitted deadline threads */
u64 sched_dl_throttled_total(void);      /* rayos_sched_throttled_total */

/* Policies inside the class: an ops table registered by name, chosen per
 * run queue. key() orders the ready tree (wrap-safe, ties by deadline, then
 * queueing order); preempt_after(rq, curr, w) is how many more ns curr may
 * run before waiting w should take over: 0 = now, ~0 = never while nothing
 * else changes. Built in: "edf" (key = absolute deadline, never preempt on
 * a tie) and "llf" (key = deadline - remaining runtime, the latest start
 * time: laxity = key - now; w takes over when its laxity is lower by more
 * than the LLF granularity). Registration: -EINVAL missing name or hook,
 * -EEXIST duplicate name, -ENOSPC table full. */
struct dl_policy_ops {
	const char *name;
	u64 (*key)(const struct thread *t);
	u64 (*preempt_after)(const struct rq *rq, const struct thread *curr, const struct thread *w);
};
int sched_dl_policy_register(const struct dl_policy_ops *ops);
const struct dl_policy_ops *sched_dl_policy_find(const char *name);
/* Switch rq's policy (caller holds rq->lock): the ready tree is rebuilt
 * with the new keys. -ENOENT for an unknown name. */
int dl_rq_set_policy(struct rq *rq, const char *name);
const char *dl_rq_policy_name(const struct rq *rq);
void sched_dl_set_llf_gran(u64 ns);
u64 sched_dl_llf_gran(void);
/* Forget all admission state (hosted tests, between simulations). */
void sched_dl_reset(void);

#endif
