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
 * A prev that may no longer run here (affinity) is dequeued and handed to
 * finish_switch as rq->migrate_thread with migrating set; it is queued on
 * an allowed CPU under both run-queue locks, and a wake-up in between
 * (it may have been preempted while marking itself sleeping) only makes it
 * runnable instead of queueing it twice.
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
 * Deadline threads (deadline.c): a partitioned one may only run on the CPU
 * holding its bandwidth (allowed() asks sched_dl_cpu_allowed), so neither
 * balancing nor wake-up placement moves it; its budget is enforced by the
 * slice timer even when it runs alone. Under global EDF a waking deadline
 * thread goes to the allowed CPU running the lowest-priority work
 * (select_cpu_dl: idle, then not deadline, then the latest deadline), one
 * left waiting behind an earlier deadline asks that CPU to reschedule
 * (dl_push_hint), and a CPU without a ready deadline thread pulls the
 * earliest-deadline one queued elsewhere at the start of schedule() and
 * before idling (dl_pull). A thread's bandwidth is released when it exits.
 *
 * Lifetime: a thread is reference counted (thread->refs, atomic). Its
 * joiner owns the first reference; join takes the thread off all_threads
 * under thread_lock and drops it. A dead detached thread is reaped by
 * whichever joiner (or thread_detach) claims it first: the claim is the
 * removal from all_threads, under thread_lock, so exactly one party drops
 * the owner's reference (claim_locked). A thread on all_threads therefore always has
 * a reference, so a lookup under thread_lock may take another
 * (thread_find, thread_with) and use the thread after dropping the lock;
 * the last thread_put frees the struct, arch context and stack. A thread
 * found dead under its rq->lock refuses scheduling changes (-ESRCH).
 * Freeing a dead thread waits for the CPU to be off it: join and the
 * reapers claim it only once on_cpu is clear, and finish_switch reads prev
 * before clearing on_cpu, its last touch of prev; release_owner waits for
 * a sleep-timer callback still in thread_wake (timer_cancel_sync). The
 * stack's vmalloc area is unmapped and flushed from every CPU's TLB before
 * its pages or its address are reused (mm/vmalloc.c): a CPU that kept an
 * old translation would start the next thread given that address on the
 * old page (once seen as a new thread starting on zeros, RIP 0).
 *
 * Lock order: two run queues by ascending CPU number; rq->lock before
 * timer locks and before deadline.c's dl_bw_lock (innermost); thread_lock
 * is never taken inside rq->lock.
 * Accounting: rq->time_* by mode (idle, kernel, irq, user: the cycles the
 * user-mode entry and exit code count in cpu->user_cycles),
 * thread->sum_exec for each thread. */
#include <rayos/thread.h>
#include <rayos/sync.h>
#include <rayos/rt.h>
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
/* thread_lock protects (a thread's refs is atomic, not under it): */
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

/* CPU isolation (isolcpus=, sched_isolate_cpu): an isolated CPU runs only
 * threads whose affinity has no other choice than isolated CPUs; the load
 * balancer never moves threads to or from it; device interrupts are
 * steered to the housekeeping CPUs (online and not isolated). */
static cpumask_t isolated_mask;

static cpumask_t housekeeping_mask(void)
{
	cpumask_t m = 0;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (cpus[c].online && !(isolated_mask & (1ULL << c)))
			m |= 1ULL << c;
	return m;
}

static bool allowed(struct thread *t, u32 cpu)
{
	cpumask_t bit = 1ULL << cpu;
	if (!cpus[cpu].online || !(t->affinity & bit) || !sched_dl_cpu_allowed(t, cpu))
		return false;
	/* on an isolated CPU only what is pinned to isolated CPUs */
	return !(READ_ONCE(isolated_mask) & bit) || !(t->affinity & housekeeping_mask());
}

static bool cpu_isolated(u32 cpu)
{
	return READ_ONCE(isolated_mask) & (1ULL << cpu);
}

/* How much lower-priority the work on rq is than a deadline thread with
 * absolute deadline dl (global EDF placement, Linux find_later_rq): 3 idle,
 * 2 not running a deadline thread, 1 running one with a later deadline
 * (then *later says how much later), 0 none of these. Lock-free reads. */
static int dl_lower_work(struct rq *rq, u64 dl, u64 *later)
{
	if (READ_ONCE(rq->curr) == rq->idle && !READ_ONCE(rq->nr_running))
		return 3;
	if (!READ_ONCE(rq->dl.curr_dl_valid))
		return 2;
	*later = READ_ONCE(rq->dl.curr_dl) - dl;
	return (s64)*later > 0 ? 1 : 0;
}

/* Global EDF: the allowed CPU running the lowest-priority work; t's own
 * CPU on ties. -1 when every allowed CPU runs an earlier deadline. */
static int select_cpu_dl(struct thread *t)
{
	int best = -1, best_score = 0;
	u64 best_later = 0;
	for (u32 c = 0; c < MAX_CPUS; c++) {
		u64 later = 0;
		if (!allowed(t, c))
			continue;
		int score = dl_lower_work(&runqueues[c], t->dl.deadline, &later);
		if (!score)
			continue;
		if (score > best_score || (score == best_score && score == 1 && (s64)(later - best_later) > 0) ||
		    (score == best_score && c == t->cpu)) {
			best = (int)c;
			best_score = score;
			best_later = later;
		}
	}
	return best;
}

/* Prefer t's CPU if idle, then any idle allowed CPU, then the allowed CPU
 * with the fewest runnable threads. -1 if no allowed CPU is online. A
 * deadline thread under global EDF goes where the lowest-priority work
 * runs (select_cpu_dl) when there is such a CPU. */
static int select_cpu(struct thread *t)
{
	int best = -1;
	if (t->class == &dl_sched_class && sched_dl_global()) {
		best = select_cpu_dl(t);
		if (best >= 0)
			return best;
	}
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
	/* sporadic servers and deadline threads: the budget is enforced
	 * also when the thread runs alone */
	u64 left = rq->nr_running > 1 || rq->curr->policy == SCHED_RR ||
		   rq->curr->policy == SCHED_SPORADIC || rq->curr->policy == SCHED_DEADLINE
		   ? rq_slice_left(rq) : 0;
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
		if (t != rq->curr && !t->on_cpu && !t->throttled && allowed(t, cpu))
			return t;
	}
	return NULL;
}

/* Enqueue t on rq (locked) and preempt rq's current thread if t should run
 * first: here at the next schedule point, on another CPU through an IPI. */
/* Global EDF push: deadline thread t waits on rq behind an earlier
 * deadline; ask the allowed CPU running the lowest-priority work to
 * reschedule, and it pulls t (dl_pull). need_resched is set without that
 * run queue's lock: a hint, at worst lost to a concurrent schedule(),
 * which pulls anyway. */
static void dl_push_hint(struct rq *rq, struct thread *t)
{
	int c = select_cpu_dl(t);
	if (c < 0 || (u32)c == rq->cpu)
		return;
	WRITE_ONCE(runqueues[c].need_resched, true);
	arch_smp_send_resched((u32)c);
}

/* Global EDF: a deadline thread waits on rq (locked) while rq runs
 * something else: ask a CPU running lower-priority work to pull it. */
static void dl_push_waiting(struct rq *rq)
{
	if (!sched_dl_global() || !rq->dl.next_dl_valid || rq->curr == rq->idle)
		return;
	struct rb_node *n = rb_first_cached(&rq->dl.ready);
	if (n)
		dl_push_hint(rq, rb_entry(n, struct thread, dl.node));
}

static void enqueue_and_preempt(struct rq *rq, struct thread *t, bool wakeup)
{
	core_enqueue(rq, t, wakeup);
	bool local = rq->cpu == this_cpu()->id;
	if (t->class == &dl_sched_class && !t->throttled && sched_dl_global() &&
	    rq->curr != rq->idle && !rq_wakeup_preempts(rq, t))
		dl_push_hint(rq, t);
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
	/* read before on_cpu goes: a dead prev may be freed from then on */
	bool prev_dead = prev && prev->state == THREAD_DEAD;
	if (prev)
		__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	arm_slice_timer(rq);
	dl_push_waiting(rq);
	spin_unlock(&rq->lock);
	if (mig) {
		/* it may not run here any more: put it where it may. Both
		 * locks: mig->cpu is still this CPU, so a waker holds our
		 * rq->lock while it looks at mig (and sees migrating). */
		int target = select_cpu(mig);
		struct rq *dst = &runqueues[target >= 0 ? target : (int)rq->cpu];
		double_lock(rq, dst);
		mig->migrating = false;
		enqueue_and_preempt(dst, mig, false);
		rq->nr_migrations++;
		double_unlock(rq, dst);
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

/* Global EDF pull (rq->lock held, IRQs off, nothing half switched): when
 * rq has no deadline thread ready, take the earliest-deadline queued (not
 * running) deadline thread another CPU has, if it may run here. Drops and
 * retakes rq->lock to lock both run queues in order (lower CPU first). */
static void dl_pull(struct rq *rq)
{
	struct rq *src = NULL;
	u64 best = 0;
	if (!sched_dl_global() || rq->dl.next_dl_valid ||
	    (rq->dl.curr && rq->curr == rq->dl.curr && rq->curr->state == THREAD_RUNNABLE))
		return;
	for (u32 c = 0; c < MAX_CPUS; c++) {
		struct rq *o = &runqueues[c];
		if (o == rq || !cpus[c].online || !READ_ONCE(o->dl.next_dl_valid))
			continue;
		u64 d = READ_ONCE(o->dl.next_dl);
		if (!src || (s64)(d - best) < 0) {
			src = o;
			best = d;
		}
	}
	if (!src)
		return;
	spin_unlock(&rq->lock);
	double_lock(rq, src);
	struct rb_node *n = rb_first_cached(&src->dl.ready);
	struct thread *t = n ? rb_entry(n, struct thread, dl.node) : NULL;
	if (t && !t->on_cpu && !t->throttled && allowed(t, rq->cpu) && !rq->dl.next_dl_valid) {
		core_dequeue(src, t);
		core_enqueue(rq, t, false);
		src->nr_migrations++;
		rq->need_resched = true;
	}
	spin_unlock(&src->lock);
}

/* Called by the idle thread (curr = idle, rq->lock held, IRQs off): pull
 * one queued thread from the busiest CPU. Never called inside __schedule:
 * the lock is dropped here, which is only safe while no thread is half
 * switched on this CPU. */
static void idle_balance(struct rq *rq)
{
	struct rq *busiest = NULL;
	if (cpu_isolated(rq->cpu))
		return;
	for (u32 c = 0; c < MAX_CPUS; c++) {
		struct rq *o = &runqueues[c];
		if (!cpus[c].online || o == rq || READ_ONCE(o->nr_running) < 2 || cpu_isolated(c))
			continue;
		if (!busiest || o->nr_running > busiest->nr_running)
			busiest = o;
	}
	dl_pull(rq);
	if (rq->nr_running || !busiest)
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
	dl_pull(rq); /* may drop and retake rq->lock: before anything changes */
	struct thread *prev = rq->curr;
	u64 now = clock_monotonic_ns();
	account(rq, now);
	if (prev != rq->idle && prev->on_rq) {
		if (prev->state != THREAD_RUNNABLE && !preempt) {
			core_dequeue(rq, prev);
			if (prev->state == THREAD_DEAD)
				sched_dl_leave(prev); /* releases its bandwidth */
		} else if (!allowed(prev, rq->cpu)) {
			/* off every queue until finish_switch requeues it: it
			 * may be a preempted sleeper, and a wake-up meanwhile
			 * must not queue it a second time (migrating) */
			core_dequeue(rq, prev);
			prev->migrating = true;
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

void preempt_check_resched(void)
{
	struct cpu *c = this_cpu();
	if (!sched_ready || c->preempt_count || c->irq_depth || !c->rq ||
	    !READ_ONCE(c->rq->need_resched) || !arch_irq_enabled())
		return;
	arch_irq_disable();
	__schedule(true); /* as if an interrupt had arrived here */
	arch_irq_enable();
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
	dl_push_waiting(rq); /* a replenished thread may have to wait here */
	spin_unlock(&rq->lock);
}

/* Periodic balance: push one queued thread to an idle CPU. */
static void balance_tick(struct timer_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, balance_timer);
	for (u32 c = 0; c < MAX_CPUS && READ_ONCE(rq->nr_running) >= 2 && !cpu_isolated(rq->cpu); c++) {
		struct rq *dst = &runqueues[c];
		if (!cpus[c].online || dst == rq || READ_ONCE(dst->nr_running) || cpu_isolated(c))
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
	list_init(&t->pi_held);
	t->refs = 1; /* the owner's: its joiner, or the reaper */
	irqflags_t f = spin_lock_irqsave(&thread_lock);
	t->tid = next_tid++;
	list_add_tail(&t->all, &all_threads);
	nr_threads++;
	spin_unlock_irqrestore(&thread_lock, f);
	return t;
}

static void share_forget(struct thread *t);

void thread_get(struct thread *t)
{
	u32 old = __atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
	if (!old)
		panic("thread_get: thread %u already freed", t->tid);
}

void thread_put(struct thread *t)
{
	u32 old = __atomic_fetch_sub(&t->refs, 1, __ATOMIC_ACQ_REL);
	if (old == 1) {
		if (t->stack)
			vfree(t->stack);
		kmem_cache_free(ctx_cache, t->arch);
		kmem_cache_free(thread_cache, t);
	} else if (!old) {
		panic("thread_put: thread %u has no reference left", t->tid);
	}
}

/* thread_lock held: claim the owner's reference of t by taking it off the
 * list of all threads (so no lookup finds it any more) and settling its
 * share loans; false if somebody claimed it already. Exactly one claim
 * succeeds, so join, detach and the reapers of detached threads (any
 * joiner reaps them) never free a thread twice. */
static bool claim_locked(struct thread *t)
{
	if (list_empty(&t->all))
		return false;
	if (t->share.lent_to || t->share.recv)
		share_forget(t);
	list_del(&t->all);
	list_init(&t->all); /* empty: claimed */
	nr_threads--;
	return true;
}

/* After a successful claim: drop the owner's reference. Only t arms its
 * sleep timer, so once dead it stays unarmed, but a firing may still be in
 * thread_wake(t) on another CPU: wait for it before t can be freed. */
static void release_owner(struct thread *t)
{
	timer_cancel_sync(&t->sleep_timer);
	thread_put(t);
}

/* The owner is done with t (joined, or never started). */
static void thread_free(struct thread *t)
{
	irqflags_t f = spin_lock_irqsave(&thread_lock);
	bool claimed = claim_locked(t);
	spin_unlock_irqrestore(&thread_lock, f);
	if (claimed)
		release_owner(t);
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
	/* once detached, any joiner may reap t: keep it until we are done */
	thread_get(t);
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	bool dead = t->state == THREAD_DEAD && !t->on_cpu;
	t->detached = true;
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	if (dead)
		thread_free(t); /* unless a reaper claimed it first */
	thread_put(t);
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
	/* claimed under the lock: two joiners reaping at once (or a
	 * thread_detach of a dead thread) must not both free it */
	if (victim)
		claim_locked(victim);
	spin_unlock_irqrestore(&thread_lock, f);
	if (victim)
		release_owner(victim);
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
	if (t->on_rq || t->migrating) { /* not switched out yet, or being moved:
					 * whoever holds it queues it */
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
	preempt_check_resched(); /* t may have to run before us, now */
	return true;
}

void thread_kick(struct thread *t)
{
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	bool remote = rq->curr == t && rq->cpu != this_cpu()->id;
	u32 cpu = rq->cpu;
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	if (remote)
		arch_smp_send_resched(cpu); /* its way out of the IPI passes the kernel's checks */
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
	thread_sleep_until(clock_monotonic_ns() + ns);
}

void thread_sleep_until(u64 deadline)
{
	struct thread *t = current_thread();
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
	if (t->state == THREAD_DEAD) { /* exited: only a reference keeps it */
		spin_unlock(&rq->lock);
		arch_irq_restore(f);
		return -ESRCH;
	}
	if (t->class == &dl_sched_class && t->dl.admitted && !sched_dl_global() &&
	    !(mask & (1ULL << t->dl.bw_cpu))) {
		/* partitioned: its bandwidth is reserved on bw_cpu (Linux
		 * refuses such a change for a deadline task with -EBUSY) */
		spin_unlock(&rq->lock);
		arch_irq_restore(f);
		return -EBUSY;
	}
	t->affinity = mask;
	if (!allowed(t, rq->cpu)) {
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
	if (t == current_thread() && !allowed(t, this_cpu()->id))
		schedule();
	return 0;
}

cpumask_t sched_isolated_cpus(void)
{
	return READ_ONCE(isolated_mask);
}

static void collect_tid(struct thread *t, void *ctx)
{
	u32 *v = ctx; /* v[0] = cpu, v[1] = count, tids from v[2] */
	if (t->cpu == v[0] && t->state != THREAD_DEAD && v[1] < 256)
		v[2 + v[1]++] = t->tid;
}

static int reaffine(struct thread *t, void *ctx)
{
	(void)ctx;
	return thread_set_affinity(t, t->affinity); /* moves it if it may not stay */
}

int sched_isolate_cpu(u32 cpu, bool on)
{
	static u32 tids[2 + 256];
	static struct mutex isolate_lock = MUTEX_INIT(isolate_lock, "isolate");
	if (cpu >= MAX_CPUS || !cpus[cpu].online)
		return -EINVAL;
	mutex_lock(&isolate_lock);
	cpumask_t bit = 1ULL << cpu;
	if (on && !(housekeeping_mask() & ~bit)) {
		mutex_unlock(&isolate_lock);
		return -EBUSY; /* the last housekeeping CPU */
	}
	if (on)
		__atomic_or_fetch(&isolated_mask, bit, __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&isolated_mask, ~bit, __ATOMIC_SEQ_CST);
	arch_irq_steer(housekeeping_mask());
	rt_isolation_changed(cpu);
	if (on) {
		/* move every thread that may no longer run there */
		tids[0] = cpu;
		tids[1] = 0;
		thread_for_each(collect_tid, tids);
		for (u32 i = 0; i < tids[1]; i++)
			thread_with(tids[2 + i], reaffine, NULL);
	}
	mutex_unlock(&isolate_lock);
	pr_debug("sched", "CPU %u %s", cpu, on ? "isolated" : "back in general use");
	return 0;
}

enum set_kind { SET_FAIR, SET_RT, SET_SHARE, SET_SPORADIC, SET_BOOST, SET_BOOST_DL };

static int set_sched(struct thread *t, enum set_kind kind, int policy, int value, const void *param)
{
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	rq->clock = clock_monotonic_ns();
	bool boosted = t->pi_base.active;
	int r;
	if (t->state == THREAD_DEAD) { /* exited (its bandwidth is released) */
		spin_unlock(&rq->lock);
		arch_irq_restore(f);
		return -ESRCH;
	}
	switch (kind) {
	case SET_RT: r = sched_set_rt(t, policy, value); break;
	case SET_SHARE: r = sched_set_share(t, (u32)value); break;
	case SET_SPORADIC: r = sched_set_sporadic(t, param); break;
	case SET_BOOST: r = sched_boost(t, value); break;
	case SET_BOOST_DL: r = sched_boost_dl(t, param); break;
	default: r = sched_set_fair(t, value); break;
	}
	if (!r && t != rq->curr && t->on_rq && rq_wakeup_preempts(rq, t))
		rq->need_resched = true;
	if (!r && t == rq->curr) {
		rq->need_resched = true;
		if (rq->cpu != this_cpu()->id)
			arch_smp_send_resched(rq->cpu);
	}
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	preempt_check_resched();
	/* a boosted thread's own parameters changed: the boost may no longer
	 * be needed, or must stay above them; a thread waiting for a PI
	 * mutex passes its new priority down the chain of owners */
	(void)boosted;
	if (!r && kind != SET_BOOST && kind != SET_BOOST_DL)
		mutex_pi_reevaluate(t);
	return r;
}

int thread_set_nice(struct thread *t, int nice) { return set_sched(t, SET_FAIR, SCHED_NORMAL, nice, NULL); }
int thread_set_rt(struct thread *t, int policy, int prio) { return set_sched(t, SET_RT, policy, prio, NULL); }

int thread_set_share(struct thread *t, u32 tickets)
{
	if (tickets > SHARE_TICKETS_MAX)
		return -EINVAL;
	return set_sched(t, SET_SHARE, SCHED_STRIDE, (int)tickets, NULL);
}

int thread_set_sporadic(struct thread *t, const struct sched_sporadic_param *p)
{
	return set_sched(t, SET_SPORADIC, SCHED_SPORADIC, 0, p);
}

int sched_share_set_policy(u32 cpu, const char *name)
{
	if (cpu >= MAX_CPUS || !cpus[cpu].online)
		return -EINVAL;
	struct rq *rq = &runqueues[cpu];
	irqflags_t f = spin_lock_irqsave(&rq->lock);
	int r = share_rq_set_policy(rq, name);
	if (!r)
		rq->need_resched = true; /* the next pick uses it */
	spin_unlock_irqrestore(&rq->lock, f);
	return r;
}

const char *sched_share_policy_name(u32 cpu)
{
	if (cpu >= MAX_CPUS)
		return NULL;
	const struct share_policy *p = READ_ONCE(runqueues[cpu].share.policy);
	return p ? p->name : NULL;
}

/* A transfer may touch threads on any CPU: every run queue is locked, in
 * CPU order (transfers are rare; the chain is walked under the locks). */
static void lock_all_rqs(void)
{
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (cpus[c].online)
			spin_lock(&runqueues[c].lock);
}

static void unlock_all_rqs(void)
{
	for (u32 c = MAX_CPUS; c-- > 0;)
		if (cpus[c].online)
			spin_unlock(&runqueues[c].lock);
}

static int share_locked(struct thread *from, struct thread *to, bool give)
{
	irqflags_t f = arch_irq_save();
	lock_all_rqs();
	int r = give ? sched_share_transfer(from, to) : sched_share_return(from);
	unlock_all_rqs();
	arch_irq_restore(f);
	return r;
}

/* A thread being freed takes back what it lends and gives back what it
 * was lent (thread_lock held: the list of threads is stable). */
static void share_forget(struct thread *t)
{
	lock_all_rqs();
	if (t->share.lent_to)
		sched_share_return(t);
	struct list_head *pos;
	list_for_each(pos, &all_threads) {
		struct thread *x = list_entry(pos, struct thread, all);
		if (x->share.lent_to == t)
			sched_share_return(x);
	}
	unlock_all_rqs();
}

int thread_share_transfer(struct thread *from, struct thread *to) { return share_locked(from, to, true); }
int thread_share_return(struct thread *from) { return share_locked(from, NULL, false); }
int thread_boost(struct thread *t, int rt_prio) { return set_sched(t, SET_BOOST, 0, rt_prio, NULL); }
int thread_boost_dl(struct thread *t, const struct thread *donor)
{
	return set_sched(t, SET_BOOST_DL, 0, 0, donor);
}

u64 thread_cpu_ns(struct thread *t)
{
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	u64 ns = t->sum_exec;
	if (rq->curr == t) {
		u64 now = clock_monotonic_ns();
		if ((s64)(now - t->exec_start) > 0)
			ns += now - t->exec_start;
	}
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	return ns;
}

/* Interrupt-safe: IRQ-saving locks only, no allocation, no sleeping. The
 * partitioned placement may give t a CPU other than the one it is queued
 * on: a waiting t is moved at once (both run queues locked in order), a
 * running one at its next schedule() (allowed() no longer holds), a
 * sleeping one when it wakes (select_cpu). */
int thread_set_deadline(struct thread *t, u64 runtime, u64 deadline, u64 period, unsigned flags)
{
	if (!t)
		return -EINVAL;
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	rq->clock = clock_monotonic_ns();
	/* an exited thread's bandwidth is released: never admit it again */
	int r = t->state == THREAD_DEAD ? -ESRCH : sched_set_deadline(t, runtime, deadline, period, flags);
	bool self = t == current_thread();
	if (!r && t->on_rq) {
		if (t == rq->curr) {
			rq->need_resched = true;
			if (rq->cpu != this_cpu()->id)
				arch_smp_send_resched(rq->cpu);
		} else if (!allowed(t, rq->cpu)) {
			int target = select_cpu(t);
			if (target >= 0) {
				struct rq *dst = &runqueues[target];
				spin_unlock(&rq->lock);
				double_lock(rq, dst);
				if (t->on_rq && t->cpu == rq->cpu && t != rq->curr && !t->on_cpu)
					move_thread(rq, dst, t);
				spin_unlock(&dst->lock);
			}
		} else if (rq_wakeup_preempts(rq, t) && rq->cpu != this_cpu()->id) {
			arch_smp_send_resched(rq->cpu);
		}
	}
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	/* in a thread: act on it now (the slice timer is re-armed there);
	 * in an interrupt, sched_irq_exit does */
	struct cpu *c = this_cpu();
	if (!r && !c->irq_depth && !c->preempt_count && (self || READ_ONCE(c->rq->need_resched)))
		schedule();
	return r;
}

int thread_get_deadline(struct thread *t, struct sched_dl_info *info)
{
	irqflags_t f = arch_irq_save();
	struct rq *rq = lock_thread_rq(t);
	int r = sched_dl_get(t, info);
	spin_unlock(&rq->lock);
	arch_irq_restore(f);
	return r;
}

int sched_dl_set_policy(u32 cpu, const char *name)
{
	if (cpu >= MAX_CPUS || !cpus[cpu].online)
		return -ENODEV;
	struct rq *rq = &runqueues[cpu];
	irqflags_t f = spin_lock_irqsave(&rq->lock);
	rq->clock = clock_monotonic_ns();
	int r = dl_rq_set_policy(rq, name);
	if (!r && cpu != this_cpu()->id)
		arch_smp_send_resched(cpu);
	spin_unlock_irqrestore(&rq->lock, f);
	return r;
}

struct thread *thread_find(u32 tid)
{
	struct thread *found = NULL;
	irqflags_t f = spin_lock_irqsave(&thread_lock);
	struct list_head *pos;
	list_for_each(pos, &all_threads) {
		struct thread *t = list_entry(pos, struct thread, all);
		if (t->tid == tid && READ_ONCE(t->state) != THREAD_DEAD) {
			/* on the list: the owner's reference keeps it */
			thread_get(t);
			found = t;
			break;
		}
	}
	spin_unlock_irqrestore(&thread_lock, f);
	return found;
}

int thread_with(u32 tid, int (*fn)(struct thread *t, void *ctx), void *ctx)
{
	struct thread *t = thread_find(tid);
	if (!t)
		return -ENOENT;
	int r = fn(t, ctx); /* t may exit or be joined meanwhile: it stays */
	thread_put(t);
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
static struct metric m_dl_throttled, m_dl_bw[MAX_CPUS];

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
static s64 read_dl_throttled(const struct metric *m) { (void)m; return (s64)sched_dl_throttled_total(); }
static s64 read_dl_bw(const struct metric *m)
{
	u32 ppm = 0;
	sched_dl_bw((u32)(uintptr_t)m->ctx, &ppm, NULL);
	return ppm;
}
static struct metric_family fam_dl_throttled = { .name = "rayos_sched_throttled_total",
	.help = "Times a deadline thread used up its runtime (or yielded) and was throttled until its next period.",
	.type = METRIC_COUNTER };
static struct metric_family fam_dl_bw = { .name = "rayos_rt_bandwidth_admitted",
	.help = "Deadline bandwidth admitted per CPU (runtime/period summed; global EDF: the root domain's share per CPU), ratio of one CPU.",
	.type = METRIC_GAUGE };
static struct metric_family fam_threads = { .name = "rayos_threads",
	.help = "Threads by state.", .type = METRIC_GAUGE };

/* real-time issue: sporadic servers and the share class, per CPU */
enum { RT_SS_EXHAUSTED, RT_SS_REPLENISHED, SHARE_PICKS, SHARE_TICKETS, RT_NR };
static struct metric m_rtshare[MAX_CPUS][RT_NR];
static s64 read_rtshare(const struct metric *m)
{
	uintptr_t v = (uintptr_t)m->ctx;
	struct rq *rq = &runqueues[v >> 4];
	switch (v & 15) {
	case RT_SS_EXHAUSTED: return (s64)READ_ONCE(rq->rt.ss_exhausted);
	case RT_SS_REPLENISHED: return (s64)READ_ONCE(rq->rt.ss_replenished);
	case SHARE_PICKS: return (s64)READ_ONCE(rq->share.nr_picks);
	default: return (s64)READ_ONCE(rq->share.tickets);
	}
}
static struct metric_family fam_rtshare[RT_NR] = {
	{ .name = "rayos_sched_sporadic_exhaustions_total",
	  .help = "Sporadic servers that used up their budget and dropped to their low priority.",
	  .type = METRIC_COUNTER },
	{ .name = "rayos_sched_sporadic_replenishments_total",
	  .help = "Sporadic-server replenishments carried out.", .type = METRIC_COUNTER },
	{ .name = "rayos_sched_share_picks_total",
	  .help = "Share-class threads picked to run (stride or lottery decisions).", .type = METRIC_COUNTER },
	{ .name = "rayos_sched_share_tickets",
	  .help = "Effective tickets of the share threads queued per CPU.", .type = METRIC_GAUGE },
};

static void register_cpu_metrics(u32 cpu)
{
	for (int i = 0; i < RT_NR; i++) {
		struct metric *x = &m_rtshare[cpu][i];
		x->read = read_rtshare;
		x->ctx = (void *)(uintptr_t)((cpu << 4) | (u32)i);
		snprintf(x->labels, sizeof(x->labels), "cpu=\"%u\"", cpu);
		metric_register(&fam_rtshare[i], x);
	}
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
	m_dl_bw[cpu].read = read_dl_bw;
	m_dl_bw[cpu].scale = 1000000; /* ppm -> ratio */
	m_dl_bw[cpu].ctx = (void *)(uintptr_t)cpu;
	snprintf(m_dl_bw[cpu].labels, sizeof(m_dl_bw[cpu].labels), "cpu=\"%u\"", cpu);
	metric_register(&fam_dl_bw, &m_dl_bw[cpu]);
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
	m_dl_throttled.read = read_dl_throttled;
	metric_register(&fam_dl_throttled, &m_dl_throttled);
	for (int s = 0; s < THREAD_NR_STATES; s++) {
		m_threads[s].read = read_threads;
		m_threads[s].ctx = (void *)(uintptr_t)s;
		snprintf(m_threads[s].labels, sizeof(m_threads[s].labels), "state=\"%s\"",
			 thread_state_name((enum thread_state)s));
		metric_register(&fam_threads, &m_threads[s]);
	}
	pr_info("sched", "scheduler up: classes %s; thread stacks %u KiB with guard pages",
		"deadline > rt > share > fair > idle", THREAD_STACK_SIZE / 1024);
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
