/* mutex.c — sleeping mutexes with owner tracking, and semaphores,
 * completions and reader-writer spinlocks.
 *
 * Mutex: everything happens under m->wait_lock (IRQ-safe, a leaf apart
 * from the run-queue lock that thread_wake takes). Unlock hands the mutex
 * straight to the first waiter, so waiters are served in FIFO order and a
 * thread that keeps re-locking cannot starve them.
 *
 * Priority inheritance (MUTEX_PRIO_INHERIT) and immediate priority ceiling
 * (MUTEX_PRIO_PROTECT), after POSIX's PTHREAD_PRIO_INHERIT/PROTECT and Sha,
 * Rajkumar, Lehoczky, "Priority Inheritance Protocols" (IEEE ToC 1990):
 * every PI/ceiling mutex a thread owns is on its pi_held list; a thread
 * waiting for one has pi_blocked_on set and sits in the mutex's waiter
 * list ordered by its effective priority. A thread's wanted priority is the
 * highest of its own, the first waiter of each PI mutex it owns and the
 * ceiling of each ceiling mutex it owns; pi_apply() boosts it to that
 * (thread_boost) or returns it to its own. When a thread starts waiting,
 * the chain owner -> mutex the owner waits for -> its owner ... is walked
 * and every thread on it re-evaluated (transitive inheritance), at most
 * PI_MAX_DEPTH steps; a cycle (deadlock) or a longer chain is reported and
 * counted, not followed. Unlock hands the mutex to the highest-priority
 * waiter, which may inherit from those still waiting; the old owner drops
 * to what it still needs.
 * A SCHED_STRIDE waiter of a PI mutex owned by a SCHED_STRIDE thread also
 * lends it its tickets while it waits (ticket transfer).
 * Priorities compare as SCHED_FIFO levels; a deadline waiter counts as
 * level 100, and among deadline waiters the earlier absolute deadline
 * first: the owner then inherits that waiter's deadline (it runs in the
 * deadline class with the waiter's parameters and absolute deadline, not
 * throttled, outside admission control: sched_boost_dl), as Linux's
 * rt_mutex does with its pi_se.
 * All PI state of all mutexes (pi_held, pi_blocked_on, PI waiter lists and
 * owners) is also protected by one global pi_lock, so a chain walk sees a
 * consistent picture without taking other mutexes' wait_locks.
 * Lock order: wait_lock -> pi_lock -> rq->lock.
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

#define PI_MAX_DEPTH 32

static spinlock_t pi_lock = SPINLOCK_INIT;
static u64 pi_chain_errors;

static inline bool is_pi(const struct mutex *m)
{
	return m->protocol != MUTEX_PRIO_NONE;
}

/* The SCHED_FIFO level a thread runs at: 0 below rt, 100 above it. */
static int level_of(const struct sched_class *c, int rt_prio)
{
	if (!c || c->rank > SCHED_RANK_RT)
		return 0;
	return c->rank < SCHED_RANK_RT ? RT_PRIO_MAX + 1 : rt_prio;
}

static int eff_level(const struct thread *t)
{
	return level_of(READ_ONCE(t->class), READ_ONCE(t->rt_prio));
}

/* Its own level, without any boost. */
static int own_level(const struct thread *t)
{
	if (READ_ONCE(t->pi_base.active))
		return level_of(t->pi_base.class, t->pi_base.rt_prio);
	return eff_level(t);
}

#define DL_LEVEL (RT_PRIO_MAX + 1)

/* Does a run before b? By level; deadline threads by absolute deadline. */
static bool runs_before(const struct thread *a, const struct thread *b)
{
	int la = eff_level(a), lb = eff_level(b);
	if (la != lb)
		return la > lb;
	return la == DL_LEVEL && (s64)(READ_ONCE(a->dl.deadline) - READ_ONCE(b->dl.deadline)) < 0;
}

/* The level t needs, and for DL_LEVEL the deadline thread to inherit from
 * (pi_lock held). */
static int wanted_level(struct thread *t, struct thread **donor)
{
	int lvl = own_level(t);
	struct list_head *pos;
	*donor = NULL;
	list_for_each(pos, &t->pi_held) {
		struct mutex *m = list_entry(pos, struct mutex, pi_node);
		struct thread *w = NULL;
		int l = 0;
		if (m->protocol == MUTEX_PRIO_PROTECT)
			l = m->ceiling;
		else if (!list_empty(&m->waiters))
			l = eff_level(w = list_first_entry(&m->waiters, struct waiter, node)->t);
		if (l == DL_LEVEL && (!*donor || runs_before(w, *donor)))
			*donor = w;
		if (l > lvl)
			lvl = l;
	}
	return lvl;
}

/* Boost t to what it needs, or return it to its own (pi_lock held): a
 * deadline waiter lends its deadline (thread_boost_dl; a deadline owner
 * keeps its own when that is earlier), others their SCHED_FIFO level. */
static void pi_apply(struct thread *t)
{
	struct thread *donor;
	int want = wanted_level(t, &donor), own = own_level(t);
	if (want == DL_LEVEL && donor && donor != t) {
		thread_boost_dl(t, donor);
		return;
	}
	int boost = want > own ? MIN(want, RT_PRIO_MAX) : 0;
	if (boost || READ_ONCE(t->pi_base.active))
		thread_boost(t, boost);
}

/* Queue w in m's waiters by level (deadline waiters by deadline), behind
 * its equals (pi_lock held). */
static void waiter_insert(struct mutex *m, struct waiter *w)
{
	struct list_head *pos;
	list_for_each(pos, &m->waiters) {
		struct waiter *o = list_entry(pos, struct waiter, node);
		if (runs_before(w->t, o->t))
			break;
	}
	list_add_tail(&w->node, pos); /* before pos */
}

static void waiter_requeue(struct mutex *m, struct thread *t)
{
	struct list_head *pos;
	list_for_each(pos, &m->waiters) {
		struct waiter *w = list_entry(pos, struct waiter, node);
		if (w->t == t) {
			list_del(&w->node);
			waiter_insert(m, w);
			return;
		}
	}
}

/* Re-evaluate t and everything it (transitively) waits on (pi_lock held). */
static void pi_chain(struct thread *t, const struct thread *origin)
{
	for (int depth = 0; t; depth++) {
		if (depth >= PI_MAX_DEPTH || (depth && t == origin)) {
			if (pi_chain_errors++ < 3)
				pr_err("sync", "priority-inheritance chain from thread %u %s at thread %u",
				       origin ? origin->tid : 0,
				       depth >= PI_MAX_DEPTH ? "too long, cut" : "loops (deadlock)", t->tid);
			return;
		}
		pi_apply(t);
		struct mutex *m = t->pi_blocked_on;
		if (!m)
			return;
		/* its level may have changed (here, or by its own parameters
		 * before this walk): keep the waiter list ordered */
		waiter_requeue(m, t);
		if (m->protocol != MUTEX_PRIO_INHERIT)
			return;
		t = m->owner;
	}
}

/* Checked under pi_lock: a thread starting to wait reads its level and sets
 * pi_blocked_on under pi_lock, so either it saw the new parameters or we
 * see it waiting. */
void mutex_pi_reevaluate(struct thread *t)
{
	irqflags_t f = spin_lock_irqsave(&pi_lock);
	if (t->pi_blocked_on || t->pi_base.active || !list_empty(&t->pi_held))
		pi_chain(t, t);
	spin_unlock_irqrestore(&pi_lock, f);
}

u64 mutex_pi_chain_errors(void)
{
	return READ_ONCE(pi_chain_errors);
}

int mutex_set_protocol(struct mutex *m, int protocol, int ceiling)
{
	if (protocol != MUTEX_PRIO_NONE && protocol != MUTEX_PRIO_INHERIT &&
	    protocol != MUTEX_PRIO_PROTECT)
		return -EINVAL;
	if (protocol == MUTEX_PRIO_PROTECT && (ceiling < 1 || ceiling > RT_PRIO_MAX))
		return -EINVAL;
	irqflags_t f = spin_lock_irqsave(&m->wait_lock);
	int r = 0;
	if (m->owner || !list_empty(&m->waiters)) {
		r = -EBUSY;
	} else {
		m->protocol = (u8)protocol;
		m->ceiling = protocol == MUTEX_PRIO_PROTECT ? (u8)ceiling : 0;
	}
	spin_unlock_irqrestore(&m->wait_lock, f);
	return r;
}

/* m (PI/ceiling, wait_lock held) now belongs to t. */
static void pi_take(struct mutex *m, struct thread *t)
{
	spin_lock(&pi_lock);
	m->owner = t;
	t->pi_blocked_on = NULL;
	list_add_tail(&m->pi_node, &t->pi_held);
	pi_apply(t); /* ceiling, or what the remaining waiters give */
	spin_unlock(&pi_lock);
}

/* (mutex_init): mutex_init is also a macro with CONFIG_LOCKDEP */
void (mutex_init)(struct mutex *m, const char *name)
{
	spinlock_t init = SPINLOCK_INIT;
	m->wait_lock = init;
	m->owner = NULL;
	list_init(&m->waiters);
	list_init(&m->pi_node);
	m->name = name;
	m->contended = 0;
	m->protocol = MUTEX_PRIO_NONE;
	m->ceiling = 0;
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
	if (got && is_pi(m))
		pi_take(m, current_thread());
	else if (got)
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
		if (is_pi(m))
			pi_take(m, self);
		else
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
	bool lent = false;
	if (is_pi(m)) {
		spin_lock(&pi_lock);
		waiter_insert(m, &w);
		self->pi_blocked_on = m;
		if (m->protocol == MUTEX_PRIO_INHERIT)
			pi_chain(m->owner, self);
		spin_unlock(&pi_lock);
		/* proportional share: a stride waiter lends its tickets to a
		 * stride owner until it gets the mutex (Waldspurger & Weihl's
		 * ticket transfer); the loan follows the owner it started with */
		if (m->protocol == MUTEX_PRIO_INHERIT && self->policy == SCHED_STRIDE &&
		    m->owner->policy == SCHED_STRIDE)
			lent = thread_share_transfer(self, m->owner) == 0;
	} else {
		list_add_tail(&w.node, &m->waiters);
	}
	while (m->owner != self) {
		WRITE_ONCE(self->state, THREAD_SLEEPING);
		spin_unlock_irqrestore(&m->wait_lock, f);
		schedule();
		f = spin_lock_irqsave(&m->wait_lock);
	}
	WRITE_ONCE(self->state, THREAD_RUNNABLE);
	spin_unlock_irqrestore(&m->wait_lock, f);
	if (lent)
		thread_share_return(self);
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
	if (is_pi(m)) {
		spin_lock(&pi_lock);
		list_del(&m->pi_node);
		list_init(&m->pi_node);
		m->owner = NULL;
		pi_apply(self); /* drop what this mutex gave */
		spin_unlock(&pi_lock);
	}
	if (list_empty(&m->waiters)) {
		m->owner = NULL;
	} else {
		/* PI/ceiling: the list is by priority, so this is the highest */
		struct waiter *w = list_first_entry(&m->waiters, struct waiter, node);
		list_del(&w->node);
		if (is_pi(m))
			pi_take(m, w->t); /* hand-off; inherits from the rest */
		else
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
