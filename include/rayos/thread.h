/* thread.h — kernel threads and the scheduler entry points
 * (kernel/sched/core.c), wait queues and sleeping locks (kernel/sync/).
 *
 * A thread is created runnable, runs entry(arg), and ends by returning or
 * calling thread_exit(). Unless detached, somebody must thread_join() it,
 * which frees it. thread_stop() asks a thread to stop (it must poll
 * thread_should_stop()); kernel threads are never killed asynchronously.
 *
 * Lifetime: a thread is reference counted (struct thread.refs). Its joiner
 * (or, for a detached thread, the reaper) owns one reference and drops it
 * at join/reap, which also takes the thread off the list of all threads
 * (so no lookup by id finds it any more). Anyone else who keeps a pointer
 * past a lock takes a reference with thread_get() (thread_find() for a
 * lookup by id) and drops it with thread_put(); the memory goes with the
 * last reference. A referenced thread may have exited or been joined:
 * scheduling calls on it fail with -ESRCH, reads see its last state. */
#ifndef RAYOS_THREAD_H
#define RAYOS_THREAD_H
#include <rayos/sched.h>

#define THREAD_STACK_SIZE (16 * 1024)

struct thread *kthread_create(int (*entry)(void *), void *arg, const char *name);
/* Like kthread_create, pinned to the CPUs in mask. */
struct thread *kthread_create_on(int (*entry)(void *), void *arg, const char *name, cpumask_t mask);
void thread_detach(struct thread *t);
int thread_join(struct thread *t, int *exit_code);
/* Join, reporting the thread's CPU time and the CPU it last ran on. */
int thread_join_stats(struct thread *t, u64 *cpu_ns, u32 *last_cpu);
__noreturn void thread_exit(int code);
struct thread *current_thread(void);
void thread_yield(void);
void thread_sleep_ns(u64 ns);
/* Sleep until clock_monotonic_ns() >= deadline (absolute). */
void thread_sleep_until(u64 deadline);
bool thread_wake(struct thread *t);
/* Make t, if it runs on another CPU now, enter the kernel soon (an IPI;
 * a CPU running one thread has no tick): a user thread then sees a kill
 * or a signal on its way back to user mode (Linux: kick_process). */
void thread_kick(struct thread *t);
void thread_stop(struct thread *t);
bool thread_should_stop(void);
int thread_set_affinity(struct thread *t, cpumask_t mask);
/* CPU isolation: an isolated CPU runs only threads pinned to isolated CPUs,
 * is left alone by load balancing and gets no device interrupts. Threads
 * that may run elsewhere are moved off when a CPU is isolated. 0, -EINVAL
 * (not an online CPU), -EBUSY (it is the last housekeeping CPU). */
int sched_isolate_cpu(u32 cpu, bool on);
cpumask_t sched_isolated_cpus(void);
int thread_set_nice(struct thread *t, int nice);
int thread_set_rt(struct thread *t, int policy, int prio);
/* Priority inheritance (kernel/sync/mutex.c calls it): run t as SCHED_FIFO
 * at rt_prio while that is above its own parameters; 0 ends the boost. */
int thread_boost(struct thread *t, int rt_prio);
/* Deadline inheritance: run t with donor's deadline (see sched_boost_dl);
 * NULL ends it. */
int thread_boost_dl(struct thread *t, const struct thread *donor);
/* CPU time t has used, including its current run: ns. */
u64 thread_cpu_ns(struct thread *t);
/* Share class (SCHED_STRIDE) with tickets 1..SHARE_TICKETS_MAX. */
int thread_set_share(struct thread *t, u32 tickets);
/* Sporadic server (SCHED_SPORADIC); see sched_set_sporadic(). */
int thread_set_sporadic(struct thread *t, const struct sched_sporadic_param *p);
/* Select CPU cpu's share policy by name ("stride", "lottery"): -ENOENT
 * for an unknown name, -EINVAL for a CPU that is not online. */
int sched_share_set_policy(u32 cpu, const char *name);
const char *sched_share_policy_name(u32 cpu);
/* Ticket transfer between share threads (sched_share_transfer/return,
 * with every run queue locked). */
int thread_share_transfer(struct thread *from, struct thread *to);
int thread_share_return(struct thread *from);
/* SCHED_DEADLINE (see sched_set_deadline in sched.h for the rules and
 * errors); callable from interrupt context. */
int thread_set_deadline(struct thread *t, u64 runtime, u64 deadline, u64 period, unsigned flags);
/* Parameters and counters of a deadline thread; -EINVAL for others. */
int thread_get_deadline(struct thread *t, struct sched_dl_info *info);
/* Policy of CPU cpu's deadline class ("edf", "llf", or one registered by
 * sched_dl_policy_register): 0, -ENOENT (unknown), -ENODEV (bad CPU). */
int sched_dl_set_policy(u32 cpu, const char *name);
const char *thread_state_name(enum thread_state s);

/* Take a reference: the caller must already hold one (or hold the list
 * of threads locked with t on it, as thread_find does). */
void thread_get(struct thread *t);
/* Drop a reference; the last one frees the thread. Thread context. */
void thread_put(struct thread *t);
/* The live (not exited) thread with id tid, referenced (thread_put it),
 * or NULL. */
struct thread *thread_find(u32 tid);
/* Look a live thread up by id and call fn on it, holding a reference for
 * the call (no lock held: fn may sleep); fn's result, or -ENOENT when
 * there is none. The thread may exit or be joined while fn runs. */
int thread_with(u32 tid, int (*fn)(struct thread *t, void *ctx), void *ctx);
/* Visit every thread (thread list locked: fn must not sleep). */
void thread_for_each(void (*fn)(struct thread *t, void *ctx), void *ctx);

void schedule(void);
/* Called by the arch on the way out of an interrupt. */
void sched_irq_exit(void);
static inline void preempt_disable(void) { this_cpu_preempt_inc(); barrier(); }
static inline void preempt_enable(void) { barrier(); this_cpu()->preempt_count--; }
/* Report (once per call site class) a sleep in atomic context. */
void might_sleep(void);

/* Boot: the boot CPU becomes thread 1; secondary CPUs join later. */
void sched_init(void);
__noreturn void sched_start_ap(u32 cpu);
struct rq *cpu_rq(u32 cpu);

/* ---- wait queues ---- */
struct wait_queue {
	spinlock_t lock;
	struct list_head waiters; /* of struct waiter, FIFO */
};
struct waiter {
	struct thread *t;
	struct list_head node;
	bool queued;
};
#define WAIT_QUEUE_INIT(name) { SPINLOCK_INIT, LIST_HEAD_INIT((name).waiters) }
void wait_queue_init(struct wait_queue *wq);
/* Queue w on wq and mark the caller sleeping; then test the condition and
 * schedule() if it does not hold; wait_finish() when done. */
void wait_prepare(struct wait_queue *wq, struct waiter *w);
void wait_finish(struct wait_queue *wq, struct waiter *w);
int wake_up_one(struct wait_queue *wq);
int wake_up_all(struct wait_queue *wq);
#define wait_event(wq, cond)                                  \
	do {                                                  \
		struct waiter __w = { 0 };                    \
		for (;;) {                                    \
			wait_prepare(&(wq), &__w);            \
			if (cond)                             \
				break;                        \
			schedule();                           \
		}                                             \
		wait_finish(&(wq), &__w);                     \
	} while (0)

#endif
