/* futex.c — futex(2): FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET,
 * FUTEX_WAKE_BITSET, FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (private and
 * shared alike), with timeouts, interruptible by signals.
 *
 * Waiters are keyed by (address space, user address) in a hash of buckets,
 * each a spinlock and a FIFO list. FUTEX_WAIT queues the waiter first and
 * only then reads the futex word (outside the bucket lock: the read may
 * fault and sleep), so a FUTEX_WAKE that follows the change of the word
 * either finds the waiter queued or the waiter sees the new value and
 * returns -EAGAIN: no lost wake-up (the ordering argument of Drepper's
 * "Futexes Are Tricky"). Shared mappings between processes are keyed by
 * address space too: processes sharing a MAP_SHARED futex are not matched
 * (documented limitation; fork shares nothing writable).
 *
 * Robust futexes (set_robust_list, Linux's Documentation/locking/
 * robust-futexes.rst): when a thread ends, every futex word on its list
 * (and the pending one) that still holds its tid gets FUTEX_OWNER_DIED,
 * keeping FUTEX_WAITERS, and one waiter is woken. The update is a plain
 * store, not Linux's atomic compare-and-exchange: a racing user-space
 * change of the same word can be lost (documented limitation).
 *
 * Locking: bucket->lock (IRQ-safe) protects its list and each queued
 * waiter's woken/addr fields. */
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>
#include "internal.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define NBUCKETS 64

struct futex_waiter {
	struct thread *t;
	struct uvm *vm;
	u64 addr;
	u32 bitset;
	bool woken;
	struct list_head node;
};

static struct futex_bucket {
	spinlock_t lock;
	struct list_head list;
} buckets[NBUCKETS];
static bool buckets_ready;

static struct futex_bucket *bucket_of(struct uvm *vm, u64 addr)
{
	if (!buckets_ready) {
		/* first use; proc_init runs before any user thread */
		for (int i = 0; i < NBUCKETS; i++) {
			spinlock_t l = SPINLOCK_INIT;
			buckets[i].lock = l;
			list_init(&buckets[i].list);
		}
		buckets_ready = true;
	}
	u64 h = (addr >> 2) ^ ((u64)(uintptr_t)vm >> 6);
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ULL;
	return &buckets[h >> 58];
}

void futex_init(void) { bucket_of(NULL, 0); }

static int wake(struct uvm *vm, u64 addr, int n, u32 bitset)
{
	struct futex_bucket *b = bucket_of(vm, addr);
	int woken = 0;
	irqflags_t f = spin_lock_irqsave(&b->lock);
	struct list_head *pos, *next;
	for (pos = b->list.next; pos != &b->list && woken < n; pos = next) {
		next = pos->next;
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, node);
		if (w->vm != vm || w->addr != addr || !(w->bitset & bitset))
			continue;
		list_del(&w->node);
		list_init(&w->node);
		w->woken = true;
		thread_wake(w->t);
		woken++;
	}
	spin_unlock_irqrestore(&b->lock, f);
	return woken;
}

int futex_wake_addr(struct uvm *vm, u64 uaddr, int n) { return wake(vm, uaddr, n, ~0u); }

/* deadline: absolute monotonic ns, 0 = none */
static long wait(struct uvm *vm, u64 addr, u32 val, u32 bitset, u64 deadline)
{
	struct thread *t = current_thread();
	struct futex_waiter w = { .t = t, .vm = vm, .addr = addr, .bitset = bitset };
	struct futex_bucket *b = bucket_of(vm, addr);
	irqflags_t f = spin_lock_irqsave(&b->lock);
	list_add_tail(&w.node, &b->list);
	spin_unlock_irqrestore(&b->lock, f);

	u32 cur;
	long r = 0;
	if (get_user_u32(&cur, (const u32 __user *)addr))
		r = -EFAULT;
	else if (cur != val)
		r = -EAGAIN;
	while (!r) {
		WRITE_ONCE(t->state, THREAD_SLEEPING);
		f = spin_lock_irqsave(&b->lock);
		bool woken = w.woken;
		spin_unlock_irqrestore(&b->lock, f);
		if (woken)
			break;
		if (signal_pending()) {
			r = -EINTR;
			break;
		}
		if (deadline) {
			if (clock_monotonic_ns() >= deadline) {
				r = -ETIMEDOUT;
				break;
			}
			timer_arm(&t->sleep_timer, deadline);
		}
		schedule();
		if (deadline)
			timer_cancel(&t->sleep_timer);
	}
	WRITE_ONCE(t->state, THREAD_RUNNABLE);
	/* requeue may have moved us: the bucket of our current address */
	for (;;) {
		struct futex_bucket *cb = bucket_of(vm, READ_ONCE(w.addr));
		f = spin_lock_irqsave(&cb->lock);
		if (cb != bucket_of(vm, w.addr)) {
			spin_unlock_irqrestore(&cb->lock, f);
			continue;
		}
		bool woken = w.woken;
		if (!woken)
			list_del(&w.node);
		spin_unlock_irqrestore(&cb->lock, f);
		if (woken && r == -EINTR)
			r = 0; /* the wake-up won the race: report it */
		break;
	}
	return r;
}

static long requeue(struct uvm *vm, u64 a1, u64 a2, int nwake, int nmove, bool cmp, u32 val3)
{
	if (cmp) {
		u32 cur;
		if (get_user_u32(&cur, (const u32 __user *)a1))
			return -EFAULT;
		if (cur != val3)
			return -EAGAIN;
	}
	struct futex_bucket *b1 = bucket_of(vm, a1), *b2 = bucket_of(vm, a2);
	irqflags_t f = arch_irq_save();
	/* lock order: lower bucket address first */
	if (b1 == b2) {
		spin_lock(&b1->lock);
	} else if (b1 < b2) {
		spin_lock(&b1->lock);
		spin_lock(&b2->lock);
	} else {
		spin_lock(&b2->lock);
		spin_lock(&b1->lock);
	}
	int done = 0, moved = 0;
	struct list_head *pos, *next;
	for (pos = b1->list.next; pos != &b1->list; pos = next) {
		next = pos->next;
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, node);
		if (w->vm != vm || w->addr != a1)
			continue;
		if (done < nwake) {
			list_del(&w->node);
			list_init(&w->node);
			w->woken = true;
			thread_wake(w->t);
			done++;
		} else if (moved < nmove) {
			list_del(&w->node);
			WRITE_ONCE(w->addr, a2);
			list_add_tail(&w->node, &b2->list);
			moved++;
		} else {
			break;
		}
	}
	spin_unlock(&b1->lock);
	if (b1 != b2)
		spin_unlock(&b2->lock);
	arch_irq_restore(f);
	return done + (cmp ? moved : 0);
}

static long sys_futex(u64 uaddr, u64 op, u64 val, u64 utimeout, u64 uaddr2, u64 val3)
{
	struct uvm *vm = current_uvm();
	int cmd = (int)(op & ~(u64)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	if (uaddr & 3)
		return -EINVAL;
	/* every op names a user word, also those that never read it (WAKE):
	 * -EFAULT outside user space, as Linux's get_futex_key */
	if (!access_ok((const void __user *)uaddr, 4))
		return -EFAULT;
	u64 deadline = 0;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		u32 bitset = cmd == FUTEX_WAIT ? ~0u : (u32)val3;
		if (!bitset)
			return -EINVAL;
		if (utimeout) {
			s64 ts[2];
			if (copy_from_user(ts, (const void __user *)utimeout, sizeof(ts)))
				return -EFAULT;
			if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (s64)NSEC_PER_SEC)
				return -EINVAL;
			u64 ns = (u64)timespec_to_ns_sat(ts[0], ts[1]);
			if (cmd == FUTEX_WAIT) {
				deadline = clock_monotonic_ns() + ns;
			} else if (op & FUTEX_CLOCK_REALTIME) {
				s64 rel = (s64)ns - clock_realtime_ns();
				deadline = clock_monotonic_ns() + (rel > 0 ? (u64)rel : 0);
			} else {
				deadline = ns;
			}
			if (!deadline)
				deadline = 1;
		}
		return wait(vm, uaddr, (u32)val, bitset, deadline);
	}
	case FUTEX_WAKE:
		return wake(vm, uaddr, (int)val > 0 ? (int)val : 0, ~0u);
	case FUTEX_WAKE_BITSET:
		if (!(u32)val3)
			return -EINVAL;
		return wake(vm, uaddr, (int)val > 0 ? (int)val : 0, (u32)val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if ((s32)val < 0 || (s32)utimeout < 0 || (uaddr2 & 3))
			return -EINVAL;
		if (!access_ok((const void __user *)uaddr2, 4))
			return -EFAULT;
		return requeue(vm, uaddr, uaddr2, (int)val, (int)(s32)utimeout, cmd == FUTEX_CMP_REQUEUE,
			       (u32)val3);
	default:
		return -ENOSYS;
	}
}
SYSCALL(futex, sys_futex);

/* ---- robust futexes ---- */

#define ROBUST_HEAD_SIZE 24
#define ROBUST_LIST_LIMIT 2048
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

static long sys_set_robust_list(u64 head, u64 len)
{
	if (len != ROBUST_HEAD_SIZE)
		return -EINVAL;
	current_uthread()->robust_list = head;
	return 0;
}
SYSCALL(set_robust_list, sys_set_robust_list);

static long sys_get_robust_list(u64 tid, u64 uhead, u64 ulen)
{
	u64 head;
	if (!tid) {
		head = current_uthread()->robust_list;
	} else {
		head = ~0ULL;
		struct process *p;
		irqflags_t f = spin_lock_irqsave(&proc_lock);
		struct uthread *ut = tid <= 0xffffffffu ? uthread_find(0, (u32)tid, &p) : NULL;
		if (ut)
			head = ut->robust_list;
		spin_unlock_irqrestore(&proc_lock, f);
		if (head == ~0ULL)
			return -ESRCH;
	}
	if (put_user_u64((u64 __user *)uhead, head) || put_user_u64((u64 __user *)ulen, ROBUST_HEAD_SIZE))
		return -EFAULT;
	return 0;
}
SYSCALL(get_robust_list, sys_get_robust_list);

static void robust_release(struct uthread *ut, u64 uaddr)
{
	u32 v;
	if ((uaddr & 3) || get_user_u32(&v, (const u32 __user *)uaddr))
		return;
	if ((v & FUTEX_TID_MASK) != ut->t->tid)
		return;
	if (put_user_u32((u32 __user *)uaddr, (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED))
		return;
	if (v & FUTEX_WAITERS)
		wake(ut->t->uvm, uaddr, 1, ~0u);
}

void futex_exit_robust(struct uthread *ut)
{
	u64 h[3]; /* list (next), futex_offset, list_op_pending */
	if (copy_from_user(h, (const void __user *)ut->robust_list, sizeof(h)))
		return;
	s64 off = (s64)h[1];
	u64 entry = h[0] & ~1ULL, pending = h[2] & ~1ULL;
	for (int n = 0; entry && entry != ut->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		u64 next;
		if (get_user_u64(&next, (const u64 __user *)entry))
			break;
		if (entry != pending)
			robust_release(ut, entry + (u64)off);
		entry = next & ~1ULL;
	}
	if (pending)
		robust_release(ut, pending + (u64)off);
	ut->robust_list = 0;
}
