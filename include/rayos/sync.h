/* sync.h — sleeping synchronization (kernel/sync/): mutexes with owner
 * tracking, counting semaphores, completions, and reader-writer spinlocks.
 * Spinlocks are in spinlock.h, wait queues in thread.h.
 *
 * Mutex: the owner is recorded; unlock by a non-owner is refused and
 * reported. Ownership is handed to the first waiter on unlock (FIFO, no
 * starvation). The waiter list and owner field are where priority
 * inheritance attaches.
 *
 * Protocols (POSIX PTHREAD_PRIO_*), chosen with mutex_set_protocol() before
 * first use:
 *   MUTEX_PRIO_NONE    — FIFO hand-off, no priority changes (default);
 *   MUTEX_PRIO_INHERIT — the owner runs at the highest priority of the
 *                        threads waiting for it, transitively through chains
 *                        of owners that are themselves waiting for PI
 *                        mutexes; the highest-priority waiter gets it next;
 *   MUTEX_PRIO_PROTECT — immediate priority ceiling: the owner runs at
 *                        least at the mutex's ceiling while it holds it.
 * Boosts are SCHED_FIFO priorities (thread_boost); a thread's own
 * parameters are restored when it no longer needs one.
 * With CONFIG_LOCKDEP a mutex also has a lock class of its own for the lock
 * checker (lockdep.h). */
#ifndef RAYOS_SYNC_H
#define RAYOS_SYNC_H
#include <rayos/thread.h>

#define MUTEX_PRIO_NONE    0
#define MUTEX_PRIO_INHERIT 1
#define MUTEX_PRIO_PROTECT 2

struct mutex {
	spinlock_t wait_lock;
	/* wait_lock protects (and, for PI/ceiling mutexes, also pi_lock): */
	struct thread *owner;
	struct list_head waiters; /* struct waiter: FIFO; PI/ceiling: by
				   * priority, FIFO among equals */
	struct list_head pi_node; /* in owner->pi_held (PI/ceiling) */
	const char *name;
	u64 contended;            /* acquisitions that had to wait */
	u8 protocol;              /* MUTEX_PRIO_*; constant after first use */
	u8 ceiling;               /* PROTECT: SCHED_FIFO priority 1..99 */
#ifdef CONFIG_LOCKDEP
	struct lockdep_map dep_map; /* the mutex's own class (lockdep.h) */
#endif
};
void mutex_init(struct mutex *m, const char *name);
#define MUTEX_INIT_COMMON(n, nm) .wait_lock = SPINLOCK_INIT, .owner = NULL,    \
	.waiters = LIST_HEAD_INIT((n).waiters), .pi_node = LIST_HEAD_INIT((n).pi_node), \
	.name = nm, .contended = 0, .protocol = MUTEX_PRIO_NONE, .ceiling = 0
#ifndef CONFIG_LOCKDEP
#define MUTEX_INIT(n, nm) { MUTEX_INIT_COMMON(n, nm) }
#else
#define MUTEX_INIT(n, nm) { MUTEX_INIT_COMMON(n, nm), .dep_map = LOCKDEP_MAP_INIT(nm) }
/* Each mutex_init() call site is a lock class of its own. */
void mutex_init_key(struct mutex *m, const char *name, const char *site,
		    const struct lock_class_key *key);
#define mutex_init(m, nm)                                                     \
	do {                                                                  \
		static struct lock_class_key __mutex_key;                     \
		mutex_init_key((m), (nm), LOCKDEP_SITE, &__mutex_key);        \
	} while (0)
#endif
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
/* 0, or -EPERM when the caller does not own m (reported, nothing changed). */
int mutex_unlock(struct mutex *m);
bool mutex_is_owner(struct mutex *m);
/* Choose the protocol of an unused mutex: 0, -EINVAL (unknown protocol,
 * ceiling outside 1..99 for PROTECT), -EBUSY (owned or waited for). */
int mutex_set_protocol(struct mutex *m, int protocol, int ceiling);
/* t's own scheduling parameters changed while it is boosted: recompute
 * its boost and pass it along the chain it waits in (core calls it after
 * every parameter change). */
void mutex_pi_reevaluate(struct thread *t);
/* Number of PI chain walks cut at the depth limit or by a cycle. */
u64 mutex_pi_chain_errors(void);

struct semaphore {
	spinlock_t lock;
	s64 count;
	struct wait_queue wq;
};
void sema_init(struct semaphore *s, s64 count);
void down(struct semaphore *s);
bool down_trylock(struct semaphore *s); /* true if acquired */
void up(struct semaphore *s);

struct completion {
	volatile u32 done;
	struct wait_queue wq;
};
void completion_init(struct completion *c);
void complete(struct completion *c);      /* wakes one waiter */
void complete_all(struct completion *c);  /* wakes all, now and later */
void wait_for_completion(struct completion *c);

/* Reader-writer spinlock, writer-preferring: a waiting writer stops new
 * readers. Never sleeps; IRQ-saving variants for interrupt users. */
typedef struct {
	volatile s32 readers;  /* > 0 readers inside, -1 a writer inside */
	volatile u32 writers_waiting;
} rwlock_t;
#define RWLOCK_INIT { 0, 0 }
void read_lock(rwlock_t *l);
void read_unlock(rwlock_t *l);
void write_lock(rwlock_t *l);
void write_unlock(rwlock_t *l);

#endif
