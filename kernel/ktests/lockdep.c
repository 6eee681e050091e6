/* ktests/lockdep.c — in-kernel tests of the lock checker (suite lockdep,
 * kernel/sync/lockdep.c). Each test takes its own locks in one thread, one
 * after the other, so the "inversions" are orders that could deadlock two
 * threads but never deadlock here. The checks are on the report counters
 * (rayos_lockdep_reports_total) and on what the checker recorded, so a
 * checker that misses a report, reports twice, or records nothing fails.
 * Reports printed during these tests are expected.
 *
 * Tests are rerunnable (`ktest lockdep` from the shell, several times): the
 * locks are static, each initialised by its own spin_lock_init/mutex_init
 * call site (its own class), and lockdep_forget() drops the orders an
 * earlier run recorded. Without CONFIG_LOCKDEP the suite is one skip. */
#include <rayos/ktest.h>
#include <rayos/lockdep.h>
#include <rayos/sync.h>
#include <rayos/thread.h>

#ifdef CONFIG_LOCKDEP

static spinlock_t la, lb, lc;
static struct mutex ma, mb;

static void init_locks(void)
{
	spin_lock_init(&la, "ktest.A");
	spin_lock_init(&lb, "ktest.B");
	spin_lock_init(&lc, "ktest.C");
	mutex_init(&ma, "ktest.mutexA");
	mutex_init(&mb, "ktest.mutexB");
}

/* Give every test lock its class and forget what earlier runs recorded. */
static void fresh_locks(void)
{
	init_locks();
	irqflags_t f = arch_irq_save();
	spin_lock(&la);
	spin_unlock(&la);
	spin_lock(&lb);
	spin_unlock(&lb);
	spin_lock(&lc);
	spin_unlock(&lc);
	arch_irq_restore(f);
	mutex_lock(&ma);
	mutex_unlock(&ma);
	mutex_lock(&mb);
	mutex_unlock(&mb);
	lockdep_forget(&la.dep_map);
	lockdep_forget(&lb.dep_map);
	lockdep_forget(&lc.dep_map);
	lockdep_forget(&ma.dep_map);
	lockdep_forget(&mb.dep_map);
}

static void take2(spinlock_t *x, spinlock_t *y)
{
	irqflags_t f = spin_lock_irqsave(x);
	spin_lock(y);
	spin_unlock(y);
	spin_unlock_irqrestore(x, f);
}

static u64 inversions(void) { return lockdep_reports(LOCKDEP_INVERSION); }

KTEST(lockdep, held_locks_tracked)
{
	fresh_locks();
	irqflags_t f = spin_lock_irqsave(&la);
	spin_lock(&lb);
	KT_EXPECT(lockdep_is_held(&la.dep_map));
	KT_EXPECT(lockdep_is_held(&lb.dep_map));
	KT_EXPECT(!lockdep_is_held(&lc.dep_map));
	spin_unlock(&lb);
	KT_EXPECT(!lockdep_is_held(&lb.dep_map));
	spin_unlock_irqrestore(&la, f);
	KT_EXPECT(!lockdep_is_held(&la.dep_map));
	mutex_lock(&ma);
	KT_EXPECT(lockdep_is_held(&ma.dep_map));
	mutex_unlock(&ma);
	KT_EXPECT(!lockdep_is_held(&ma.dep_map));
	KT_EXPECT(mutex_trylock(&mb));
	KT_EXPECT(lockdep_is_held(&mb.dep_map));
	mutex_unlock(&mb);
	KT_EXPECT(!lockdep_is_held(&mb.dep_map));
}

KTEST(lockdep, consistent_order_reports_nothing)
{
	fresh_locks();
	u64 before = inversions();
	take2(&la, &lb);
	take2(&la, &lb);
	take2(&lb, &lc);
	take2(&la, &lc); /* A->B->C and A->C agree */
	KT_EXPECT(lockdep_order_seen(&la.dep_map, &lb.dep_map));
	KT_EXPECT(lockdep_order_seen(&lb.dep_map, &lc.dep_map));
	KT_EXPECT(lockdep_order_seen(&la.dep_map, &lc.dep_map));
	KT_EXPECT(!lockdep_order_seen(&lb.dep_map, &la.dep_map));
	KT_EXPECT_EQ(inversions(), before);
}

KTEST(lockdep, inversion_reported_once)
{
	fresh_locks();
	u64 before = inversions();
	take2(&la, &lb);
	KT_EXPECT_EQ(inversions(), before);
	take2(&lb, &la); /* B then A: A then B was seen */
	KT_EXPECT_EQ(inversions(), before + 1);
	/* the same pair again, either way round: no second report */
	take2(&lb, &la);
	take2(&la, &lb);
	KT_EXPECT_EQ(inversions(), before + 1);
}

KTEST(lockdep, inversion_through_a_third_lock)
{
	fresh_locks();
	u64 before = inversions();
	take2(&la, &lb);
	take2(&lb, &lc);
	KT_EXPECT_EQ(inversions(), before);
	take2(&lc, &la); /* C then A closes A -> B -> C -> A */
	KT_EXPECT_EQ(inversions(), before + 1);
}

KTEST(lockdep, unlock_out_of_order_allowed_not_held_reported)
{
	fresh_locks();
	u64 bad = lockdep_reports(LOCKDEP_BAD_UNLOCK);
	irqflags_t f = arch_irq_save();
	spin_lock(&la);
	spin_lock(&lb);
	spin_unlock(&la); /* hand-over-hand: allowed */
	spin_unlock(&lb);
	KT_EXPECT_EQ(lockdep_reports(LOCKDEP_BAD_UNLOCK), bad);
	/* the checker's release hook alone: the lock itself is not touched,
	 * which a real unlock of a free ticket lock would corrupt */
	lockdep_spin_release(&lc.dep_map);
	arch_irq_restore(f);
	KT_EXPECT_EQ(lockdep_reports(LOCKDEP_BAD_UNLOCK), bad + 1);
}

KTEST(lockdep, recursion_reported)
{
	fresh_locks();
	u64 rec = lockdep_reports(LOCKDEP_RECURSION);
	irqflags_t f = arch_irq_save();
	spin_lock(&la);
	/* the hook alone: really taking la again would spin for ever */
	lockdep_spin_acquire(&la.dep_map);
	lockdep_spin_release(&la.dep_map);
	spin_unlock(&la);
	arch_irq_restore(f);
	KT_EXPECT_EQ(lockdep_reports(LOCKDEP_RECURSION), rec + 1);
	KT_EXPECT(!lockdep_is_held(&la.dep_map));
}

KTEST(lockdep, might_sleep_under_spinlock_counts)
{
	fresh_locks();
	u64 before = lockdep_reports(LOCKDEP_SLEEP_IN_ATOMIC);
	might_sleep(); /* fine here */
	KT_EXPECT_EQ(lockdep_reports(LOCKDEP_SLEEP_IN_ATOMIC), before);
	irqflags_t f = spin_lock_irqsave(&la);
	might_sleep();
	spin_unlock_irqrestore(&la, f);
	KT_EXPECT_EQ(lockdep_reports(LOCKDEP_SLEEP_IN_ATOMIC), before + 1);
}

KTEST(lockdep, mutex_orders_tracked)
{
	fresh_locks();
	u64 inv = inversions();
	/* mutex against mutex */
	mutex_lock(&ma);
	mutex_lock(&mb);
	mutex_unlock(&mb);
	mutex_unlock(&ma);
	KT_EXPECT(lockdep_order_seen(&ma.dep_map, &mb.dep_map));
	/* a trylock cannot wait: no order to it, and no report */
	mutex_lock(&mb);
	KT_EXPECT(mutex_trylock(&ma));
	mutex_unlock(&ma);
	mutex_unlock(&mb);
	KT_EXPECT(!lockdep_order_seen(&mb.dep_map, &ma.dep_map));
	KT_EXPECT_EQ(inversions(), inv);
	/* a blocking lock in that order is an inversion */
	mutex_lock(&mb);
	mutex_lock(&ma);
	mutex_unlock(&ma);
	mutex_unlock(&mb);
	KT_EXPECT_EQ(inversions(), inv + 1);
}

KTEST(lockdep, mutex_against_spinlock)
{
	fresh_locks();
	u64 inv = inversions();
	u64 sleep = lockdep_reports(LOCKDEP_SLEEP_IN_ATOMIC);
	mutex_lock(&ma);
	irqflags_t f = spin_lock_irqsave(&la);
	spin_unlock_irqrestore(&la, f);
	mutex_unlock(&ma);
	KT_EXPECT(lockdep_order_seen(&ma.dep_map, &la.dep_map));
	KT_EXPECT_EQ(inversions(), inv);
	/* the spinlock, then the (free) mutex: a sleep in atomic context and
	 * the opposite order */
	f = spin_lock_irqsave(&la);
	mutex_lock(&ma);
	mutex_unlock(&ma);
	spin_unlock_irqrestore(&la, f);
	KT_EXPECT_EQ(inversions(), inv + 1);
	KT_EXPECT_EQ(lockdep_reports(LOCKDEP_SLEEP_IN_ATOMIC), sleep + 1);
}

#else

KTEST(lockdep, checker_compiled_in)
{
	KT_SKIP("built without CONFIG_LOCKDEP (make LOCKDEP=0)");
}

#endif
