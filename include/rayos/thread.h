/* thread.h — kernel threads and the scheduler entry points
 * (kernel/sched/core.c), wait queues and sleeping locks (kernel/sync/).
 *
 * A thread is created runnable, runs entry(arg), and ends by returning or
 * calling thread_exit(). Unless detached, somebody must thread_join() it,
 * which frees it. thread_stop() asks a thread to stop (it must poll
 * thread_should_stop()); kernel threads are never killed asynchronously. */
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
bool thread_wake(struct thread *t);
void thread_stop(struct thread *t);
bool thread_should_stop(void);
int thread_set_affinity(struct thread *t, cpumask_t mask);
int thread_set_nice(struct thread *t, int nice);
int thread_set_rt(struct thread *t, int policy, int prio);
/* SCHED_DEADLINE (see sched_set_deadline in sched.h for the rules and
 * errors); callable from interrupt context. */
int thread_set_deadline(struct thread *t, u64 runtime, u64 deadline, u64 period, unsigned flags);
/* Parameters and counters of a deadline thread; -EINVAL for others. */
int thread_get_deadline(struct thread *t, struct sched_dl_info *info);
/* Policy of CPU cpu's deadline class ("edf", "llf", or one registered by
 * sched_dl_policy_register): 0, -ENOENT (unknown), -ENODEV (bad CPU). */
int sched_dl_set_policy(u32 cpu, const char *name);
const char *thread_state_name(enum thread_state s);

/* Look a thread up by id and call fn on it with the thread list locked;
 * -ENOENT when there is none. */
int thread_with(u32 tid, int (*fn)(struct thread *t, void *ctx), void *ctx);
/* Visit every thread (thread list locked: fn must not sleep). */
void thread_for_each(void (*fn)(struct thread *t, void *ctx), void *ctx);

void schedule(void);
/* Called by the arch on the way out of an interrupt. */
void sched_irq_exit(void);
static inline void preempt_disable(void) { this_cpu()->preempt_count++; barrier(); }
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
