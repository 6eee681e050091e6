/* core.c — threads and the scheduler core: per-CPU run queues, schedule(),
 * wake-ups, sleeping, exit and join, affinity and migration, preemption
 * from the one-shot timer, load balancing, CPU-time accounting and the
 * scheduler metrics. The policies live in the classes (core_rq.c walks
 * them; fair.c, rt.c, idle.c).
 *
 * Switching: schedule() takes this CPU's rq->lock with interrupts off,
 * lets the classes pick, and switches stacks with the lock held; the thread
 * that runs next finishes the switch (finish_switch) by clearing
 * prev->on_cpu and dropping the lock. A thread's stack is never used by two
 * CPUs: only threads with on_cpu clear are moved between run queues, and a
 * thread woken while on_cpu is still set goes back on its own CPU's queue.
 * __schedule never drops rq->lock between dequeuing prev and the switch.
 *
 * Sleeping: a thread sets its state to SLEEPING and calls schedule(); a
 * wake-up between the two only turns it RUNNABLE again (it is still on the
 * run queue), so no wake-up is lost.
 *
 * Preemption: every CPU arms slice_timer at the end of the current thread's
 * turn (rq_slice_left) and only then: an idle CPU, or one with a single
 * runnable thread, has no timer tick at all. The timer sets need_resched;
 * sched_irq_exit() switches on the way out of the interrupt when nothing
 * holds preemption off (preempt_count == 0).
 *
 * Load balancing: an idle CPU's idle thread pulls a queued thread from the
 * busiest CPU before it halts (idle balance); a CPU with more than one runnable thread
 * pushes one to an idle CPU every 20 ms (periodic balance). Both honour
 * affinity. Wake-ups prefer an idle allowed CPU.
 *
 * Lock order: two run queues by ascending CPU number; rq->lock before
 * timer locks; thread_lock is never taken inside rq->lock.
 * Accounting: rq->time_* by mode (idle, kernel, irq, user: the cycles the
 * user-mode entry and exit code count in cpu->user_cycles),
 * thread->sum_exec for each thread. */
#include <rayos/thread.h>
#include <rayos/arch.h>
#include <rayos/arch_thread.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/mm.h>
#include <rayos/panic.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/trace.h>
#include <rayos/vm.h>
#include <rayos/uvm.h>

#define BALANCE_PERIOD_NS (20ULL * NSEC_PER_MSEC)

static struct rq runqueues[MAX_CPUS];
static spinlock_t thread_lock = SPINLOCK_INIT;
/* thread_lock protects: */
static struct list_head all_threads = LIST_HEAD_INIT(all_threads);
static u32 next_tid = 1;
static u32 nr_threads;

static struct kmem_cache *thread_cache, *ctx_cache;
static struct wait_queue join_wq = WAIT_QUEUE_INIT(join_wq);
static bool sched_ready;

void arch_smp_send_resched(u32 cpu);

struct rq *cpu_rq(u32 cpu) { return &runqueues[cpu]; }
struct thread *current_thread(void) { return this_cpu()->current; }

const char *thread_state_name(enum thread_state s)
{
	static const char *const names[THREAD_NR_STATES] = { "runnable", "sleeping", "stopped", "dead" };
	return (unsigned)s < THREAD_NR_STATES ? names[s] : "?";
}

/* ---- accounting ---- */

static void account(struct rq *rq, u64 now)
{
	struct cpu *c = &cpus[rq->cpu];
	u64 delta = now > rq->acct_last ? now - rq->acct_last : 0;
	u64 irq = READ_ONCE(c->irq_time_ns) - rq->irq_seen;
	rq->irq_seen += irq;
	if (irq > delta)
		irq = delta;
	rq->acct_last = now;
	rq->time_irq += irq;
	/* user mode: the cycles the entry code counted (cpu->user_cycles) */
	u64 uc = READ_ONCE(c->user_cycles) - rq->user_seen;
	rq->user_seen += uc;
	u64 user = uc ? cycles_to_ns(uc) : 0;
	if (user > delta - irq)
		user = delta - irq;
	if (rq->curr == rq->idle) {
		rq->time_idle += delta - irq;
	} else {
		rq->time_user += user;
		rq->time_kernel += delta - irq - user;
	}
}

/* ---- run-queue locking helpers ---- */

/* Lock the run queue that holds t, following it if it moves. */
static struct rq *lock_thread_rq(struct thread *t)
{
	for (;;) {
		struct rq *rq = &runqueues[READ_ONCE(t->cpu)];
		spin_lock(&rq->lock);
		if (rq == &runqueues[READ_ONCE(t->cpu)])
			return rq;
		spin_unlock(&rq->lock);
	}
}

static void double_lock(struct rq *a, struct rq *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a->cpu < b->cpu) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void double_unlock(struct rq *a, struct rq *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

static bool allowed(struct thread *t, u32 cpu)
{
	return cpus[cpu].online && (t->affinity & (1ULL << cpu));
}

/* Prefer t's CPU if idle, then any idle allowed CPU, then the allowed CPU
 * with the fewest runnable threads. -1 if no allowed CPU is online. */
static int select_cpu(struct thread *t)
{
	int best = -1;
	u32 best_n = ~0u;
	if (allowed(t, t->cpu) && READ_ONCE(runqueues[t->cpu].nr_running) == 0)
		return (int)t->cpu;
	for (u32 c = 0; c < MAX_CPUS; c++) {
		if (!allowed(t, c))
			continue;
		u32 n = READ_ONCE(runqueues[c].nr_running);
		if (n < best_n || (n == best_n && c == t->cpu)) {
			best = (int)c;
			best_n = n;
		}
	}
	return best;
}

/* The classes' timed events (rq_next_event) share one timer per CPU; it
 * is re-armed wherever the slice timer is. */
static void arm_class_timer(struct rq *rq)
{
	u64 at = rq_next_event(rq);
	if (at)
		timer_arm(&rq->class_timer, at);
	else if (rq->class_timer.armed)
		timer_cancel(&rq->class_timer);
}

static void arm_slice_timer(struct rq *rq)
{
	u64 left = rq->nr_running > 1 || rq->curr->policy == SCHED_RR ? rq_slice_left(rq) : 0;
	if (left)
		timer_arm(&rq->slice_timer, clock_monotonic_ns() + left);
	else
		timer_cancel(&rq->slice_timer);
	if (rq->nr_running > 1 && !rq->balance_timer.armed)
		timer_arm(&rq->balance_timer, clock_monotonic_ns() + BALANCE_PERIOD_NS);
	arm_class_timer(rq);
}

static void core_enqueue(struct rq *rq, struct thread *t, bool wakeup)
{
	rq->clock = clock_monotonic_ns(); /* placement and preemption decide on it */
	t->cpu = rq->cpu;
	rq_enqueue(rq, t, wakeup);
	list_add_tail(&t->rq_node, &rq->threads);
}

static void core_dequeue(struct rq *rq, struct thread *t)
{
	rq->clock = clock_monotonic_ns();
	rq_dequeue(rq, t);
	list_del(&t->rq_node);
}

/* A thread queued on rq, not running, allowed on cpu; NULL if none. */
static struct thread *pick_migratable(struct rq *rq, u32 cpu)
{
	struct list_head *pos;
	list_for_each(pos, &rq->threads) {
		struct thread *t = list_entry(pos, struct thread, rq_node);
		if (t != rq->curr && !t->on_cpu && allowed(t, cpu))
			return t;
	}
	return NULL;
}

/* Enqueue t on rq (locked) and preempt rq's current thread if t should run
 * first: here at the next schedule point, on another CPU through an IPI. */
static void enqueue_and_preempt(struct rq *rq, struct thread *t, bool wakeup)
{
	core_enqueue(rq, t, wakeup);
	bool local = rq->cpu == this_cpu()->id;
	if (rq->curr == rq->idle || rq_wakeup_preempts(rq, t))
		rq->need_resched = true;
	else if (local)
		arm_slice_timer(rq); /* more runnable threads: time slices */
	else
		rq->need_resched = true; /* that CPU re-arms its own timer */
	if (rq->need_resched && !local)
		arch_smp_send_resched(rq->cpu);
}

/* Move a queued, not running thread from src to dst (both locked). */
static void move_thread(struct rq *src, struct rq *dst, struct thread *t)
{
	core_dequeue(src, t);
	if (t->class->migrate)
		t->class->migrate(src, dst, t);
	enqueue_and_preempt(dst, t, false);
	src->nr_migrations++;
}

/* ---- the switch ---- */

/* Runs on the thread that just got the CPU, rq->lock held, IRQs off. */
static void finish_switch(void)
{
	struct rq *rq = this_cpu()->rq;
	struct thread *prev = rq->prev_thread, *mig = rq->migrate_thread;
	rq->prev_thread = rq->migrate_thread = NULL;
	if (prev)
		WRITE_ONCE(prev->on_cpu, false);
	bool prev_dead = prev && prev->state == THREAD_DEAD;
	arm_slice_timer(rq);
	spin_unlock(&rq->lock);
	if (mig) {
		/* it may not run here any more: put it where it may */
		int target = select_cpu(mig);
		struct rq *dst = &runqueues[target >= 0 ? target : (int)rq->cpu];
		spin_lock(&dst->lock);
		enqueue_and_preempt(dst, mig, false);
		rq->nr_migrations++;
		spin_unlock(&dst->lock);
	}
	if (prev_dead)
		wake_up_all(&join_wq);
}

/* For new threads: called first thing by thread_start_asm. */
void sched_finish_switch(void)
{
	finish_switch();
	arch_irq_enable();
}

/* Called by the idle thread (curr = idle, rq->lock held, IRQs off): pull
 * one queued thread from the busiest CPU. Never called inside __schedule:
 * the lock is dropped here, which is only safe while no thread is half
 * switched on this CPU. */
static void idle_balance(struct rq *rq)
{
	struct rq *busiest = NULL;
	for (u32 c = 0; c < MAX_CPUS; c++) {
		struct rq *o = &runqueues[c];
		if (!cpus[c].online || o == rq || READ_ONCE(o->nr_running) < 2)
			continue;
		if (!busiest || o->nr_running > busiest->nr_running)
			busiest = o;
	}
	if (!busiest)
		return;
	/* keep the lock order: drop ours, take both, keep ours */
	spin_unlock(&rq->lock);
	double_lock(rq, busiest);
	struct thread *t = busiest->nr_running >= 2 ? pick_migratable(busiest, rq->cpu) : NULL;
	if (t) {
		core_dequeue(busiest, t);
		if (t->class->migrate)
			t->class->migrate(busiest, rq, t);
		core_enqueue(rq, t, false);
		busiest->nr_migrations++;
	}
	spin_unlock(&busiest->lock);
}

/* preempt: called on the way out of an interrupt, not by the thread. A
 * preempted thread stays queued whatever its state: it may have marked
 * itself sleeping and not yet tested its wait condition, and dequeuing it
 * then would lose a wake-up that already happened (Linux's PREEMPT_ACTIVE
 * rule). Only a thread that calls schedule() itself goes to sleep. */
static void __schedule(bool preempt)
{
	struct cpu *c = this_cpu();
	struct rq *rq = c->rq;
	spin_lock(&rq->lock);
	struct thread *prev = rq->curr;
	u64 now = clock_monotonic_ns();
	account(rq, now);
	if (prev != rq->idle && prev->on_rq) {
		if (prev->state != THREAD_RUNNABLE && !preempt) {
			core_dequeue(rq, prev);
		} else if (!(prev->affinity & (1ULL << rq->cpu))) {
			core_dequeue(rq, prev);
			rq->migrate_thread = prev;
		}
	}
	rq->need_resched = false;
	struct thread *next = rq_pick_next(rq, now);
	if (next->wake_ns) { /* obs: rayos_sched_wakeup_latency_seconds */
		u64 t = clock_monotonic_ns();
		hist_record(&hist_sched_wakeup, t > next->wake_ns ? t - next->wake_ns : 0);
		next->wake_ns = 0;
	}
	if (next != prev) {
		next->on_cpu = true; /* rq_pick_next counted the switch */
		rq->prev_thread = prev;
		trace_sched_switch(prev, next);
		c->current = next;
		if (next->uvm) /* kernel threads keep the user half loaded (uvm.c) */
			uvm_activate(next->uvm);
		arch_context_switch(prev, next);
		/* back on prev's stack, possibly on another CPU */
	}
	finish_switch();
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	if (unlikely(c->preempt_count || c->irq_depth)) {
		might_sleep();
		return; /* reported; refusing beats deadlocking */
	}
	irqflags_t f = arch_irq_save();
	__schedule(false);
	arch_irq_restore(f);
}

void sched_irq_exit(void)
{
	struct cpu *c = this_cpu();
	if (!sched_ready || c->irq_depth || c->preempt_count || !c->rq || !c->rq->need_resched)
		return;
	__schedule(true); /* interrupts are off here */
}

void might_sleep(void)
{
	struct cpu *c = this_cpu();
	if (!c->preempt_count && !c->irq_depth)
		return;
	static u32 reported;
	lockdep_sleep_in_atomic(); /* counts it (no-op without CONFIG_LOCKDEP) */
	if (reported++ < 5) {
		pr_err("sched", "sleeping function called from atomic context (preempt_count %d, irq depth %u)",
		       c->preempt_count, c->irq_depth);
		lockdep_print_held_locks(); /* names the spinlocks held */
		panic_backtrace(arch_frame_pointer(), 0);
	}
}

/* ---- timers ---- */

static void slice_expired(struct timer_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, slice_timer);
	spin_lock(&rq->lock);
	account(rq, clock_monotonic_ns());
	if (rq_tick(rq, clock_monotonic_ns()))
		rq->need_resched = true;
	else
		arm_slice_timer(rq);
	spin_unlock(&rq->lock);
}

static void class_timer_fired(struct timer_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, class_timer);
	spin_lock(&rq->lock);
	u64 now = clock_monotonic_ns();
	account(rq, now);
	if (!rq_class_timers(rq, now))
		arm_slice_timer(rq); /* also re-arms this timer */
	spin_unlock(&rq->lock);
}

/* Periodic balance: push one queued thread to an idle CPU. */
static void balance_tick(struct timer_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, balance_timer);
	for (u32 c = 0; c < MAX_CPUS && READ_ONCE(rq->nr_running) >= 2; c++) {
		struct rq *dst = &runqueues[c];
		if (!cpus[c].online || dst == rq || READ_ONCE(dst->nr_running))
			continue;
		double_lock(rq, dst);
		struct thread *t = rq->nr_running >= 2 && dst->nr_running == 0 ? pick_migratable(rq, c) : NULL;
		if (t)
			move_thread(rq, dst, t);
		double_unlock(rq, dst);
	}
	if (READ_ONCE(rq->nr_running) >= 2)
		timer_arm(&rq->balance_timer, clock_monotonic_ns() + BALANCE_PERIOD_NS);
}

/* ---- threads ---- */

static void sleep_timer_fired(struct timer_event *ev)
{
	thread_wake(container_of(ev, struct thread, sleep_timer));
}

static struct thread *thread_alloc(const char *name)
{
	struct thread *t = kmem_cache_alloc(thread_cache, GFP_KERNEL | GFP_ZERO);
	if (!t)
		return NULL;
	void *ctx = kmem_cache_alloc(ctx_cache, GFP_KERNEL | GFP_ZERO);
	if (!ctx) {
		kmem_cache_free(thread_cache, t);
		return NULL;
	}
	t->arch = ctx;
	strlcpy(t->name, name ? name : "thread", sizeof(t->name));
	t->state = THREAD_RUNNABLE;
	t->affinity = CPUMASK_ALL;
	t->policy = SCHED_NORMAL;
	t->class = &fair_sched_class;
	t->fair.weight = sched_nice_to_weight(0);
	t->sleep_timer.fn = sleep_timer_fired;
	t->created_ns = clock_monotonic_ns();
	list_init(&t->rq_node);
	irqflags_t f = spin_lock_irqsave(&thread_lock);
	t->tid = next_tid++;
	list_add_tail(&t->all, &all_threads);
	nr_threads++;
	spin_unlock_irqrestore(&thread_lock, f);
	return t;
}

static void thread_free(struct thread *t)
{
	irqflags_t f = spin_lock_irqsave(&thread_lock);
	list_del(&t->all);
	nr_threads--;
	spin_unlock_irqrestore(&thread_lock, f);
	timer_cancel(&t->sleep_timer);
	if (t->stack)
		vfree(t->stack);
	kmem_cache_free(ctx_cache, t->arch);
	kmem_cache_free(thread_cache, t);
}

struct thread *kthread_create_on(int (*entry)(void *), void *arg, const char *name, cpumask_t mask)
{
	if (!entry || !sched_ready)
		return NULL;
	struct thread *t = thread_alloc(name);
	if (!t)
		return NULL;
	t->stack = vmalloc_tagged(THREAD_STACK_SIZE, "kernel stack");
	if (!t->stack) {
		thread_free(t);
		return NULL;
	}
	t->stack_size = THREAD_STACK_SIZE;
	arch_thread_init(t, t->arch, t->stack, t->stack_size, entry, arg);
	t->affinity = mask;
	t->cpu = this_cpu()->id;
	int target = select_cpu(t);
	if (target < 0) {
		thread_free(t);
		return NULL;
	}
	trace_thread_create(t); /* before it can run, exit and be freed */
	irqflags_t f = arch_irq_save();
	struct rq *rq = &runqueues[target];
	spin_lock(&rq->lock);
	enqueue_and_preempt(rq, t, false); /* the fair class places new threads */
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	return t;
}

struct thread *kthread_create(int (*entry)(void *), void *arg, const char *name)
{
	return kthread_create_on(entry, arg, name, CPUMASK_ALL);
}

void thread_detach(struct thread *t)
{
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	bool dead = t->state == THREAD_DEAD && !t->on_cpu;
	t->detached = true;
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	if (dead)
		thread_free(t);
}

void thread_exit(int code)
{
	struct thread *t = current_thread();
	arch_irq_disable();
	t->exit_code = code;
	trace_thread_exit(t, code);
	WRITE_ONCE(t->state, THREAD_DEAD);
	this_cpu()->preempt_count = 0;
	__schedule(false);
	panic("thread_exit: dead thread %u scheduled again", t->tid);
}

/* Reaper for detached threads: joins them from the joiner's side. */
static bool reap_detached(void)
{
	struct thread *victim = NULL;
	irqflags_t f = spin_lock_irqsave(&thread_lock);
	struct list_head *pos;
	list_for_each(pos, &all_threads) {
		struct thread *t = list_entry(pos, struct thread, all);
		if (t->detached && READ_ONCE(t->state) == THREAD_DEAD && !READ_ONCE(t->on_cpu)) {
			victim = t;
			break;
		}
	}
	spin_unlock_irqrestore(&thread_lock, f);
	if (victim)
		thread_free(victim);
	return victim != NULL;
}

static int join(struct thread *t, int *exit_code, u64 *cpu_ns, u32 *last_cpu)
{
	if (!t || t == current_thread() || t->detached)
		return -EINVAL;
	wait_event(join_wq, READ_ONCE(t->state) == THREAD_DEAD && !READ_ONCE(t->on_cpu));
	if (exit_code)
		*exit_code = t->exit_code;
	if (cpu_ns)
		*cpu_ns = t->sum_exec;
	if (last_cpu)
		*last_cpu = t->cpu;
	thread_free(t);
	while (reap_detached())
		;
	return 0;
}

int thread_join(struct thread *t, int *exit_code) { return join(t, exit_code, NULL, NULL); }
int thread_join_stats(struct thread *t, u64 *cpu_ns, u32 *last_cpu) { return join(t, NULL, cpu_ns, last_cpu); }

bool thread_wake(struct thread *t)
{
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	if (t->state != THREAD_SLEEPING) {
		spin_unlock(&rq->lock);
		arch_irq_restore(f);
		return false;
	}
	t->state = THREAD_RUNNABLE;
	if (t->on_rq) { /* it has not switched out yet */
		spin_unlock(&rq->lock);
		arch_irq_restore(f);
		return true;
	}
	/* Still on its CPU's stack (that CPU is inside __schedule and dropped
	 * the lock for idle balancing): it may only go back on its own run
	 * queue, whose lock we hold; moving it could start it on a second CPU
	 * while the first still runs on its stack. */
	int target = READ_ONCE(t->on_cpu) ? (int)rq->cpu : select_cpu(t);
	if (target >= 0 && (u32)target != rq->cpu) {
		spin_unlock(&rq->lock);
		rq = &runqueues[target];
		spin_lock(&rq->lock);
	}
	t->wake_ns = clock_monotonic_ns(); /* obs: wake-up latency starts */
	enqueue_and_preempt(rq, t, true);
	trace_sched_wakeup(t, rq->cpu);
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	return true;
}

void thread_yield(void)
{
	irqflags_t f = arch_irq_save();
	struct rq *rq = this_cpu()->rq;
	spin_lock(&rq->lock);
	rq->clock = clock_monotonic_ns();
	rq_yield(rq); /* accounts, then the class's yield */
	spin_unlock(&rq->lock);
	__schedule(false);
	arch_irq_restore(f);
}

void thread_sleep_ns(u64 ns)
{
	struct thread *t = current_thread();
	u64 deadline = clock_monotonic_ns() + ns;
	might_sleep();
	while (clock_monotonic_ns() < deadline && !READ_ONCE(t->stop_requested)) {
		WRITE_ONCE(t->state, THREAD_SLEEPING);
		timer_arm(&t->sleep_timer, deadline);
		schedule();
		timer_cancel(&t->sleep_timer);
		WRITE_ONCE(t->state, THREAD_RUNNABLE);
	}
}

void thread_stop(struct thread *t)
{
	WRITE_ONCE(t->stop_requested, true);
	thread_wake(t);
}

bool thread_should_stop(void)
{
	return READ_ONCE(current_thread()->stop_requested);
}

int thread_set_affinity(struct thread *t, cpumask_t mask)
{
	bool any = false;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if ((mask & (1ULL << c)) && cpus[c].online)
			any = true;
	if (!any)
		return -EINVAL;
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	t->affinity = mask;
	if (!(mask & (1ULL << rq->cpu))) {
		if (t == rq->curr) {
			rq->need_resched = true; /* schedule() moves it */
			if (rq->cpu != this_cpu()->id)
				arch_smp_send_resched(rq->cpu);
		} else if (t->on_rq) {
			int target = select_cpu(t);
			struct rq *dst = &runqueues[target];
			spin_unlock(&rq->lock);
			double_lock(rq, dst);
			if (t->on_rq && t->cpu == rq->cpu && t != rq->curr)
				move_thread(rq, dst, t);
			spin_unlock(&dst->lock);
		}
	}
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	if (t == current_thread() && !(mask & (1ULL << this_cpu()->id)))
		schedule();
	return 0;
}

static int set_sched(struct thread *t, bool rt, int policy, int value)
{
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	rq->clock = clock_monotonic_ns();
	int r = rt ? sched_set_rt(t, policy, value) : sched_set_fair(t, value);
	if (!r && t != rq->curr && t->on_rq && rq_wakeup_preempts(rq, t))
		rq->need_resched = true;
	if (!r && t == rq->curr)
		rq->need_resched = true;
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	return r;
}

int thread_set_nice(struct thread *t, int nice) { return set_sched(t, false, SCHED_NORMAL, nice); }
int thread_set_rt(struct thread *t, int policy, int prio) { return set_sched(t, true, policy, prio); }

int thread_with(u32 tid, int (*fn)(struct thread *t, void *ctx), void *ctx)
{
	int r = -ENOENT;
	irqflags_t f = spin_lock_irqsave(&thread_lock);
	struct list_head *pos;
	list_for_each(pos, &all_threads) {
		struct thread *t = list_entry(pos, struct thread, all);
		if (t->tid == tid && t->state != THREAD_DEAD) {
			spin_unlock_irqrestore(&thread_lock, f);
			/* threads are freed only by their joiner: safe for
			 * the short call, as long as nobody joins it concurrently */
			return fn(t, ctx);
		}
	}
	spin_unlock_irqrestore(&thread_lock, f);
	return r;
}

void thread_for_each(void (*fn)(struct thread *t, void *ctx), void *ctx)
{
	irqflags_t f = spin_lock_irqsave(&thread_lock);
	struct list_head *pos;
	list_for_each(pos, &all_threads)
		fn(list_entry(pos, struct thread, all), ctx);
	spin_unlock_irqrestore(&thread_lock, f);
}

/* ---- idle ---- */

static int idle_loop(void *arg)
{
	(void)arg;
	for (;;) {
		arch_irq_disable();
		struct rq *rq = this_cpu()->rq;
		if (!READ_ONCE(rq->need_resched) && !READ_ONCE(rq->nr_running)) {
			spin_lock(&rq->lock);
			idle_balance(rq); /* may queue a thread here */
			spin_unlock(&rq->lock);
		}
		if (READ_ONCE(rq->need_resched) || READ_ONCE(rq->nr_running)) {
			__schedule(false);
			arch_irq_enable();
			continue;
		}
		arch_wait_for_interrupt(); /* sti; hlt: wakes for any interrupt */
	}
	return 0;
}

/* ---- metrics ---- */

enum { M_IDLE, M_KERNEL, M_USER, M_IRQ, M_MODES };
static const char *const mode_names[M_MODES] = { "idle", "kernel", "user", "irq" };
static struct metric m_cpu_secs[MAX_CPUS][M_MODES], m_switches[MAX_CPUS], m_rqlen[MAX_CPUS];
static struct metric m_online, m_migrations, m_threads[THREAD_NR_STATES];

static s64 read_cpu_secs(const struct metric *m)
{
	uintptr_t v = (uintptr_t)m->ctx;
	struct rq *rq = &runqueues[v >> 4];
	switch (v & 15) {
	case M_IDLE: return (s64)READ_ONCE(rq->time_idle);
	case M_KERNEL: return (s64)READ_ONCE(rq->time_kernel);
	case M_USER: return (s64)READ_ONCE(rq->time_user);
	default: return (s64)READ_ONCE(rq->time_irq);
	}
}
static s64 read_switches(const struct metric *m) { return (s64)READ_ONCE(((struct rq *)m->ctx)->nr_switches); }
static s64 read_rqlen(const struct metric *m) { return (s64)READ_ONCE(((struct rq *)m->ctx)->nr_running); }
static s64 read_online(const struct metric *m) { (void)m; return nr_cpus_online; }
static s64 read_migrations(const struct metric *m)
{
	(void)m;
	u64 n = 0;
	for (u32 c = 0; c < MAX_CPUS; c++)
		n += READ_ONCE(runqueues[c].nr_migrations);
	return (s64)n;
}
struct count_ctx { enum thread_state s; s64 n; };
static void count_state(struct thread *t, void *vctx)
{
	struct count_ctx *c = vctx;
	if (t->state == c->s)
		c->n++;
}
static s64 read_threads(const struct metric *m)
{
	struct count_ctx c = { (enum thread_state)(uintptr_t)m->ctx, 0 };
	thread_for_each(count_state, &c);
	return c.n;
}

static struct metric_family fam_cpu_secs = { .name = "rayos_cpu_seconds_total",
	.help = "CPU time by CPU and mode.", .type = METRIC_COUNTER };
static struct metric_family fam_switches = { .name = "rayos_context_switches_total",
	.help = "Context switches per CPU.", .type = METRIC_COUNTER };
static struct metric_family fam_rqlen = { .name = "rayos_runqueue_length",
	.help = "Runnable threads per CPU, the running one included (idle excluded).", .type = METRIC_GAUGE };
static struct metric_family fam_online = { .name = "rayos_cpu_online",
	.help = "CPUs online.", .type = METRIC_GAUGE };
static struct metric_family fam_migr = { .name = "rayos_migrations_total",
	.help = "Threads moved between CPUs by the scheduler.", .type = METRIC_COUNTER };
static struct metric_family fam_threads = { .name = "rayos_threads",
	.help = "Threads by state.", .type = METRIC_GAUGE };

static void register_cpu_metrics(u32 cpu)
{
	for (int m = 0; m < M_MODES; m++) {
		struct metric *x = &m_cpu_secs[cpu][m];
		x->read = read_cpu_secs;
		x->scale = 1000000000;
		x->ctx = (void *)(uintptr_t)((cpu << 4) | m);
		snprintf(x->labels, sizeof(x->labels), "cpu=\"%u\",mode=\"%s\"", cpu, mode_names[m]);
		metric_register(&fam_cpu_secs, x);
	}
	m_switches[cpu].read = read_switches;
	m_switches[cpu].ctx = &runqueues[cpu];
	snprintf(m_switches[cpu].labels, sizeof(m_switches[cpu].labels), "cpu=\"%u\"", cpu);
	metric_register(&fam_switches, &m_switches[cpu]);
	m_rqlen[cpu].read = read_rqlen;
	m_rqlen[cpu].ctx = &runqueues[cpu];
	snprintf(m_rqlen[cpu].labels, sizeof(m_rqlen[cpu].labels), "cpu=\"%u\"", cpu);
	metric_register(&fam_rqlen, &m_rqlen[cpu]);
}

/* ---- boot ---- */

static void rq_setup(u32 cpu, struct thread *idle)
{
	struct rq *rq = &runqueues[cpu];
	rq_init(rq, cpu, idle);
	list_init(&rq->threads);
	rq->slice_timer.fn = slice_expired;
	rq->balance_timer.fn = balance_tick;
	rq->class_timer.fn = class_timer_fired;
	rq->acct_last = clock_monotonic_ns();
	rq->irq_seen = cpus[cpu].irq_time_ns;
	rq->user_seen = cpus[cpu].user_cycles;
	cpus[cpu].rq = rq;
	idle->class = &idle_sched_class;
	idle->policy = SCHED_IDLE;
	idle->cpu = cpu;
	idle->affinity = 1ULL << cpu;
	register_cpu_metrics(cpu);
}

static struct thread *make_idle(u32 cpu)
{
	char name[16];
	snprintf(name, sizeof(name), "idle/%u", cpu);
	struct thread *t = thread_alloc(name);
	if (!t)
		panic("sched: no memory for the idle thread of CPU %u", cpu);
	t->stack = vmalloc_tagged(THREAD_STACK_SIZE, "idle stack");
	if (!t->stack)
		panic("sched: no memory for the idle stack of CPU %u", cpu);
	t->stack_size = THREAD_STACK_SIZE;
	arch_thread_init(t, t->arch, t->stack, t->stack_size, idle_loop, NULL);
	return t;
}

void sched_init(void)
{
	thread_cache = kmem_cache_create("thread", sizeof(struct thread), 16, NULL);
	ctx_cache = kmem_cache_create("thread_ctx", arch_thread_ctx_size(), arch_thread_ctx_align(), NULL);
	if (!thread_cache || !ctx_cache || sched_classes_init())
		panic("sched: cannot initialise");
	sched_ready = true;
	struct thread *idle = make_idle(0);
	rq_setup(0, idle);
	/* the boot context becomes thread "kmain" (it runs the shell) */
	struct thread *boot = thread_alloc("kmain");
	if (!boot)
		panic("sched: no memory for the boot thread");
	arch_thread_adopt(boot, boot->arch);
	struct rq *rq = &runqueues[0];
	irqflags_t f = spin_lock_irqsave(&rq->lock);
	core_enqueue(rq, boot, false);
	rq->curr = boot;
	boot->on_cpu = true;
	boot->exec_start = clock_monotonic_ns();
	cpus[0].current = boot;
	if (boot->class->set_next)
		boot->class->set_next(rq, boot);
	spin_unlock_irqrestore(&rq->lock, f);

	m_online.read = read_online;
	metric_register(&fam_online, &m_online);
	m_migrations.read = read_migrations;
	metric_register(&fam_migr, &m_migrations);
	for (int s = 0; s < THREAD_NR_STATES; s++) {
		m_threads[s].read = read_threads;
		m_threads[s].ctx = (void *)(uintptr_t)s;
		snprintf(m_threads[s].labels, sizeof(m_threads[s].labels), "state=\"%s\"",
			 thread_state_name((enum thread_state)s));
		metric_register(&fam_threads, &m_threads[s]);
	}
	pr_info("sched", "scheduler up: classes %s; thread stacks %u KiB with guard pages",
		"rt > fair > idle", THREAD_STACK_SIZE / 1024);
}

/* A secondary CPU, on its boot stack, after its arch setup: the stack it
 * runs on becomes its idle thread. */
void sched_start_ap(u32 cpu)
{
	struct thread *idle = thread_alloc("idle");
	if (!idle)
		panic("sched: no memory for the idle thread of CPU %u", cpu);
	snprintf(idle->name, sizeof(idle->name), "idle/%u", cpu);
	arch_thread_adopt(idle, idle->arch);
	rq_setup(cpu, idle);
	struct rq *rq = &runqueues[cpu];
	irqflags_t f = spin_lock_irqsave(&rq->lock);
	rq->curr = idle;
	idle->on_cpu = true;
	cpus[cpu].current = idle;
	spin_unlock_irqrestore(&rq->lock, f);
	idle_loop(NULL);
	arch_halt_forever();
}
