/* sched.h — threads and the scheduler core (kernel/sched/).
 *
 * The core owns per-CPU run queues, their locks, accounting and the context
 * switch. Policies are scheduling classes (struct sched_class), walked in
 * priority order exactly like Linux's sched_class list:
 *     deadline (real-time issue) > rt (SCHED_FIFO/SCHED_RR) > fair > idle.
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
 * its class from sched_set_fair() or sched_set_rt() before its first
 * rq_enqueue(). Implementation: kernel/sched/core_rq.c (registry, run-queue
 * operations), fair.c (CFS), rt.c (SCHED_FIFO/SCHED_RR), idle.c. */
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

#define RT_PRIO_MAX 99         /* rt priorities 1..99, higher runs first */
#define RR_QUANTUM_NS (100ULL * 1000 * 1000) /* Linux's sched_rr_timeslice_ms */
#define NICE_MIN (-20)
#define NICE_MAX 19

/* Class ranks (lower runs first), with room for the deadline class. */
#define SCHED_RANK_DEADLINE 10
#define SCHED_RANK_RT       20
#define SCHED_RANK_FAIR     30
#define SCHED_RANK_IDLE     40

/* Fair-class tunables (CFS defaults, Linux's unscaled sysctl values). */
#define SCHED_FAIR_LATENCY_NS     (6ULL * 1000 * 1000) /* period for <= 8 threads */
#define SCHED_FAIR_MIN_GRAN_NS    (750ULL * 1000)      /* shortest slice */
#define SCHED_FAIR_WAKEUP_GRAN_NS (1ULL * 1000 * 1000) /* wake-up preemption margin */
/* Most virtual time a waking sleeper is placed before min_vruntime. */
#define SCHED_FAIR_SLEEPER_BONUS_NS (SCHED_FAIR_LATENCY_NS / 2)

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
};

struct rq {
	spinlock_t lock;
	/* rq->lock protects: */
	u32 cpu;
	u32 nr_running;        /* runnable threads incl. the current one, excl. idle */
	struct thread *curr, *idle;
	u64 clock;             /* ns, updated by the core */
	struct fair_rq fair;
	struct rt_rq rt;
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
	struct fair_entity fair;
	struct rt_entity rt;
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
	void *wait_private;     /* owned by whatever the thread sleeps on */
};

/* ---- class registry ---- */
/* Refuses missing mandatory hooks (-EINVAL) and duplicate names (-EEXIST). */
int sched_class_register(struct sched_class *c, int rank);
const struct sched_class *sched_class_first(void);
const struct sched_class *sched_class_find(const char *name);
extern struct sched_class fair_sched_class, rt_sched_class, idle_sched_class;
/* Registers rt, fair and idle at SCHED_RANK_*; 0 or the first error. */
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

#endif
