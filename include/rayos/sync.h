/* sync.h — sleeping synchronization (kernel/sync/): mutexes with owner
 * tracking, counting semaphores, completions, and reader-writer spinlocks.
 * Spinlocks are in spinlock.h, wait queues in thread.h.
 *
 * Mutex: the owner is recorded; unlock by a non-owner is refused and
 * reported. Ownership is handed to the first waiter on unlock (FIFO, no
 * starvation). The waiter list and owner field are where priority
 * inheritance attaches (real-time issue): mutex_pi_hook is called with the
 * wait lock held whenever a thread starts waiting. With CONFIG_LOCKDEP a
 * mutex also has a lock class of its own for the lock checker (lockdep.h). */
#ifndef RAYOS_SYNC_H
#define RAYOS_SYNC_H
#include <rayos/thread.h>

struct mutex {
	spinlock_t wait_lock;
	/* wait_lock protects: */
	struct thread *owner;
	struct list_head waiters; /* struct waiter, FIFO */
	const char *name;
	u64 contended;            /* acquisitions that had to wait */
#ifdef CONFIG_LOCKDEP
	struct lockdep_map dep_map; /* the mutex's own class (lockdep.h) */
#endif
};
void mutex_init(struct mutex *m, const char *name);
#ifndef CONFIG_LOCKDEP
#define MUTEX_INIT(n, nm) { SPINLOCK_INIT, NULL, LIST_HEAD_INIT((n).waiters), nm, 0 }
#else
#define MUTEX_INIT(n, nm) { SPINLOCK_INIT, NULL, LIST_HEAD_INIT((n).waiters), nm, 0, \
			    LOCKDEP_MAP_INIT(nm) }
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
/* Priority inheritance attaches here: (mutex, waiting thread). NULL now. */
extern void (*mutex_pi_hook)(struct mutex *m, struct thread *waiter);

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
