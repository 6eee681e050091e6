/* spinlock.h — ticket spinlocks, with IRQ-saving variants.
 * A ticket lock is FIFO-fair. The _irqsave forms must be used for any lock
 * also taken from interrupt context. Holding a spinlock holds preemption
 * off (this CPU's preempt_count), so the scheduler never switches away from
 * a lock holder, and sleeping with one held is reported (might_sleep).
 * With CONFIG_LOCKDEP each lock also carries the lock checker's state and
 * the lock/unlock paths call its hooks (lockdep.h); without it they are
 * exactly the plain ticket lock. */
#ifndef RAYOS_SPINLOCK_H
#define RAYOS_SPINLOCK_H
#include <rayos/types.h>
#include <rayos/arch.h>
#include <rayos/percpu.h>
#include <rayos/lockdep.h>

typedef struct {
	volatile u16 next;
	volatile u16 owner;
#ifdef CONFIG_LOCKDEP
	struct lockdep_map dep_map; /* lock checker (lockdep.h) */
#endif
} spinlock_t;

#ifndef CONFIG_LOCKDEP
#define SPINLOCK_INIT { 0, 0 }
/* Initialise a lock at run time; name is for the lock checker. */
static inline void spin_lock_init(spinlock_t *l, const char *name)
{
	(void)name;
	l->next = 0;
	l->owner = 0;
}
#else
/* The checker names a SPINLOCK_INIT lock by the place it is written, and
 * gives each spin_lock_init() call site its own lock class. */
#define SPINLOCK_INIT { 0, 0, LOCKDEP_MAP_INIT(LOCKDEP_SITE) }
#define spin_lock_init(l, nm)                                                 \
	do {                                                                  \
		static struct lock_class_key __spin_key;                      \
		const char *__spin_nm = (nm);                                 \
		(l)->next = 0;                                                \
		(l)->owner = 0;                                               \
		lockdep_init_map(&(l)->dep_map, __spin_nm ? __spin_nm : LOCKDEP_SITE, \
				 &__spin_key);                                \
	} while (0)
#endif

static inline void spin_lock(spinlock_t *l)
{
	this_cpu_preempt_inc();
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
#ifdef CONFIG_LOCKDEP
	lockdep_spin_acquire(&l->dep_map);
#endif
	u16 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		arch_cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
#ifdef CONFIG_LOCKDEP
	lockdep_spin_release(&l->dep_map);
#endif
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	this_cpu()->preempt_count--;
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

static inline irqflags_t spin_lock_irqsave(spinlock_t *l)
{
	irqflags_t f = arch_irq_save();
	spin_lock(l);
	return f;
}

/* Preemption point (kernel/sched/core.c): switch now if this CPU has a
 * reschedule pending and nothing forbids it (no lock held, not in an
 * interrupt, interrupts enabled) — e.g. a higher-priority thread was woken
 * or a priority boost ended while the lock was held. */
void preempt_check_resched(void);

static inline void spin_unlock_irqrestore(spinlock_t *l, irqflags_t f)
{
	spin_unlock(l);
	arch_irq_restore(f);
	if (!this_cpu()->preempt_count)
		preempt_check_resched();
}

#endif
