/* spinlock.h — ticket spinlocks, with IRQ-saving variants.
 * A ticket lock is FIFO-fair. The _irqsave forms must be used for any lock
 * also taken from interrupt context. */
#ifndef RAYOS_SPINLOCK_H
#define RAYOS_SPINLOCK_H
#include <rayos/types.h>
#include <rayos/arch.h>

typedef struct {
	volatile u16 next;
	volatile u16 owner;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	u16 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		arch_cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
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

static inline void spin_unlock_irqrestore(spinlock_t *l, irqflags_t f)
{
	spin_unlock(l);
	arch_irq_restore(f);
}

#endif
