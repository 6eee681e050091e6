/* mutex.c — sleeping mutexes with owner tracking, and semaphores,
 * completions and reader-writer spinlocks.
 *
 * Mutex: everything happens under m->wait_lock (IRQ-safe, a leaf apart
 * from the run-queue lock that thread_wake takes). Unlock hands the mutex
 * straight to the first waiter, so waiters are served in FIFO order and a
 * thread that keeps re-locking cannot starve them. Lock order:
 * wait_lock -> rq->lock.
 *
 * Semaphore: count under its lock; down() sleeps on the wait queue while
 * the count is zero. Completion: a done counter; complete_all() saturates it.
 * rwlock: a single word, readers > 0 or -1 for a writer, with a count of
 * waiting writers that holds new readers back.
 *
 * Lock checker (CONFIG_LOCKDEP, lockdep.h): mutex_lock reports to it before
 * it can block, a successful trylock after, unlock once ownership is
 * given up; spinlocks report from spinlock.h. */
#include <rayos/sync.h>
#include <rayos/log.h>
#include <rayos/panic.h>

void (*mutex_pi_hook)(struct mutex *m, struct thread *waiter);

/* (mutex_init): mutex_init is also a macro with CONFIG_LOCKDEP */
void (mutex_init)(struct mutex *m, const char *name)
{
	spinlock_t init = SPINLOCK_INIT;
	m->wait_lock = init;
	m->owner = NULL;
	list_init(&m->waiters);
	m->name = name;
	m->contended = 0;
#ifdef CONFIG_LOCKDEP
	lockdep_init_map(&m->dep_map, name, NULL);
#endif
}

#ifdef CONFIG_LOCKDEP
void mutex_init_key(struct mutex *m, const char *name, const char *site,
		    const struct lock_class_key *key)
{
	(mutex_init)(m, name);
	lockdep_init_map(&m->dep_map, name ? name : site, key);
}
#endif

bool mutex_trylock(struct mutex *m)
{
	irqflags_t f = spin_lock_irqsave(&m->wait_lock);
	bool got = !m->owner;
	if (got)
		m->owner = current_thread();
	spin_unlock_irqrestore(&m->wait_lock, f);
#ifdef CONFIG_LOCKDEP
	if (got)
		lockdep_mutex_acquire(&m->dep_map, true, LOCKDEP_CALLER);
#endif
	return got;
}

void mutex_lock(struct mutex *m)
{
	struct thread *self = current_thread();
	struct waiter w = { 0 };
	might_sleep();
#ifdef CONFIG_LOCKDEP
	lockdep_mutex_acquire(&m->dep_map, false, LOCKDEP_CALLER);
#endif
	irqflags_t f = spin_lock_irqsave(&m->wait_lock);
	if (!m->owner) {
		m->owner = self;
		spin_unlock_irqrestore(&m->wait_lock, f);
		return;
	}
	if (m->owner == self) {
		spin_unlock_irqrestore(&m->wait_lock, f);
		panic("mutex %s: recursive lock by thread %u (%s)", m->name ? m->name : "?",
		      self->tid, self->name);
	}
	m->contended++;
	w.t = self;
	list_add_tail(&w.node, &m->waiters);
	if (mutex_pi_hook)
		mutex_pi_hook(m, self);
	while (m->owner != self) {
		WRITE_ONCE(self->state, THREAD_SLEEPING);
		spin_unlock_irqrestore(&m->wait_lock, f);
		schedule();
		f = spin_lock_irqsave(&m->wait_lock);
	}
	WRITE_ONCE(self->state, THREAD_RUNNABLE);
	spin_unlock_irqrestore(&m->wait_lock, f);
}

int mutex_unlock(struct mutex *m)
{
	struct thread *self = current_thread();
	irqflags_t f = spin_lock_irqsave(&m->wait_lock);
	if (m->owner != self) {
		struct thread *o = m->owner;
		spin_unlock_irqrestore(&m->wait_lock, f);
		pr_err("sync", "mutex %s unlocked by thread %u, but owned by %s%u",
		       m->name ? m->name : "?", self ? self->tid : 0, o ? "thread " : "nobody/",
		       o ? o->tid : 0);
		return -EPERM;
	}
	if (list_empty(&m->waiters)) {
		m->owner = NULL;
	} else {
		struct waiter *w = list_first_entry(&m->waiters, struct waiter, node);
		list_del(&w->node);
		m->owner = w->t; /* hand-off */
		thread_wake(w->t);
	}
	spin_unlock_irqrestore(&m->wait_lock, f);
#ifdef CONFIG_LOCKDEP
	lockdep_mutex_release(&m->dep_map);
#endif
	return 0;
}

bool mutex_is_owner(struct mutex *m)
{
	return READ_ONCE(m->owner) == current_thread();
}

/* ---- semaphores ---- */

void sema_init(struct semaphore *s, s64 count)
{
	spinlock_t init = SPINLOCK_INIT;
	s->lock = init;
	s->count = count;
	wait_queue_init(&s->wq);
}

bool down_trylock(struct semaphore *s)
{
	irqflags_t f = spin_lock_irqsave(&s->lock);
	bool got = s->count > 0;
	if (got)
		s->count--;
	spin_unlock_irqrestore(&s->lock, f);
	return got;
}

void down(struct semaphore *s)
{
	might_sleep();
	wait_event(s->wq, down_trylock(s));
}

void up(struct semaphore *s)
{
	irqflags_t f = spin_lock_irqsave(&s->lock);
	s->count++;
	spin_unlock_irqrestore(&s->lock, f);
	wake_up_one(&s->wq);
}

/* ---- completions ---- */

void completion_init(struct completion *c)
{
	c->done = 0;
	wait_queue_init(&c->wq);
}

void complete(struct completion *c)
{
	irqflags_t f = spin_lock_irqsave(&c->wq.lock);
	if (c->done != ~0u)
		c->done++;
	spin_unlock_irqrestore(&c->wq.lock, f);
	wake_up_one(&c->wq);
}

void complete_all(struct completion *c)
{
	irqflags_t f = spin_lock_irqsave(&c->wq.lock);
	c->done = ~0u;
	spin_unlock_irqrestore(&c->wq.lock, f);
	wake_up_all(&c->wq);
}

static bool try_consume(struct completion *c)
{
	irqflags_t f = spin_lock_irqsave(&c->wq.lock);
	bool ok = c->done > 0;
	if (ok && c->done != ~0u)
		c->done--;
	spin_unlock_irqrestore(&c->wq.lock, f);
	return ok;
}

void wait_for_completion(struct completion *c)
{
	might_sleep();
	wait_event(c->wq, try_consume(c));
}

/* ---- reader-writer spinlocks ---- */

void read_lock(rwlock_t *l)
{
	preempt_disable();
	for (;;) {
		s32 r = __atomic_load_n(&l->readers, __ATOMIC_RELAXED);
		if (r >= 0 && !__atomic_load_n(&l->writers_waiting, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&l->readers, &r, r + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		arch_cpu_relax();
	}
}

void read_unlock(rwlock_t *l)
{
	__atomic_fetch_sub(&l->readers, 1, __ATOMIC_RELEASE);
	preempt_enable();
}

void write_lock(rwlock_t *l)
{
	preempt_disable();
	__atomic_fetch_add(&l->writers_waiting, 1, __ATOMIC_RELAXED);
	for (;;) {
		s32 zero = 0;
		if (__atomic_compare_exchange_n(&l->readers, &zero, -1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		arch_cpu_relax();
	}
	__atomic_fetch_sub(&l->writers_waiting, 1, __ATOMIC_RELAXED);
}

void write_unlock(rwlock_t *l)
{
	__atomic_store_n(&l->readers, 0, __ATOMIC_RELEASE);
	preempt_enable();
}
