/* lockdep.h — the lock checker for debug builds (kernel/sync/lockdep.c), in
 * the spirit of Linux's lockdep (Documentation/locking/lockdep-design.rst),
 * much smaller. Compiled in when CONFIG_LOCKDEP is defined (make LOCKDEP=1,
 * the default; make LOCKDEP=0 and the benchmark kernel leave it out, and
 * then spinlock_t and the lock fast paths are exactly the plain ones).
 *
 * What it checks, for spinlocks and mutexes:
 *  - lock order: every lock belongs to a class; when class B is taken while
 *    class A is held, the edge A->B is recorded. A new edge A->B is first
 *    checked against the graph: if B already reaches A, the two orders can
 *    deadlock and "possible deadlock: lock order inversion" is reported,
 *    once per pair, with both orders and a backtrace;
 *  - sleeping with a spinlock held: might_sleep() counts it here and names
 *    the spinlocks held;
 *  - releasing a spinlock this CPU does not hold; taking a lock already held
 *    (a certain self-deadlock).
 * Reports go straight to the console (panic_printf, no locks) and are
 * counted in rayos_lockdep_reports_total{kind=...}; the kernel carries on.
 *
 * Classes: a lock initialised with spin_lock_init()/mutex_init() belongs to
 * the class of that call site (a static lock_class_key the macro defines).
 * A lock initialised with SPINLOCK_INIT / MUTEX_INIT (or a copy of them)
 * that lives in the kernel image's data is its own class, keyed by its
 * address; a copy of SPINLOCK_INIT in dynamic memory is classed by the
 * place it was initialised (SPINLOCK_INIT records "file:line" as the name).
 *
 * Held locks: spinlocks per CPU (a spinlock keeps preemption off, so the
 * holder cannot move), mutexes per thread. Releasing out of LIFO order is
 * allowed (hand-over-hand locking, the scheduler's run-queue dance). */
#ifndef RAYOS_LOCKDEP_H
#define RAYOS_LOCKDEP_H
#include <rayos/types.h>

/* The address of a static key names a lock class. */
struct lock_class_key {
	char unused;
};

/* Checker state in each lock (spinlock_t, struct mutex) with CONFIG_LOCKDEP. */
struct lockdep_map {
	const char *name;                 /* for reports; NULL: the address */
	const struct lock_class_key *key; /* init call site, or NULL */
	u16 cls;                          /* 1 + class index once looked up */
};

#define LOCKDEP_STR_(x) #x
#define LOCKDEP_STR(x) LOCKDEP_STR_(x)
/* "file.c:123" of the place a macro is expanded. */
#define LOCKDEP_SITE __FILE__ ":" LOCKDEP_STR(__LINE__)
#define LOCKDEP_MAP_INIT(nm) { (nm), NULL, 0 }

enum lockdep_kind {
	LOCKDEP_INVERSION,      /* lock order inversion (possible deadlock) */
	LOCKDEP_SLEEP_IN_ATOMIC,/* might_sleep() with preemption off / in IRQ */
	LOCKDEP_BAD_UNLOCK,     /* spinlock released by a CPU not holding it */
	LOCKDEP_RECURSION,      /* lock taken again by its holder */
	LOCKDEP_NR_KINDS
};

#ifdef CONFIG_LOCKDEP
void lockdep_init(void); /* registers the metrics; checking works before */
void lockdep_init_map(struct lockdep_map *m, const char *name, const struct lock_class_key *key);
/* Hooks: acquire before spinning or sleeping for the lock, release before
 * letting it go. A trylock that succeeded records no order to the lock.
 * ip: where the lock is taken (reports print it), LOCKDEP_CALLER in the
 * lock function; the spin hooks use their own return address (spin_lock
 * is inline, so that is already in the caller). */
#define LOCKDEP_CALLER ((u64)(uintptr_t)__builtin_return_address(0))
void lockdep_spin_acquire(struct lockdep_map *m);
void lockdep_spin_release(struct lockdep_map *m);
void lockdep_mutex_acquire(struct lockdep_map *m, bool trylock, u64 ip);
void lockdep_mutex_release(struct lockdep_map *m);
/* From might_sleep() when it finds preemption off or an interrupt. */
void lockdep_sleep_in_atomic(void);
void lockdep_print_held_locks(void);

/* For tests and the shell. */
u64 lockdep_reports(enum lockdep_kind k);
bool lockdep_is_held(const struct lockdep_map *m); /* by this CPU / thread */
/* Has the order a -> b been recorded (both locks' classes)? */
bool lockdep_order_seen(const struct lockdep_map *a, const struct lockdep_map *b);
/* Drop every recorded order to and from m's class (tests reuse locks). */
void lockdep_forget(struct lockdep_map *m);
#else
static inline void lockdep_init(void) {}
static inline void lockdep_sleep_in_atomic(void) {}
static inline void lockdep_print_held_locks(void) {}
#endif

#endif
