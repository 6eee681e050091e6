/* waitqueue.c — wait queues: a FIFO of sleeping threads behind a spinlock.
 * wait_prepare() queues the caller and marks it sleeping before the caller
 * tests its condition, so a wake-up that happens between the test and
 * schedule() turns it runnable again and is not lost. */
#include <rayos/thread.h>

void wait_queue_init(struct wait_queue *wq)
{
	spinlock_t init = SPINLOCK_INIT;
	wq->lock = init;
	list_init(&wq->waiters);
}

void wait_prepare(struct wait_queue *wq, struct waiter *w)
{
	irqflags_t f = spin_lock_irqsave(&wq->lock);
	w->t = current_thread();
	if (!w->queued || list_empty(&w->node)) {
		list_add_tail(&w->node, &wq->waiters);
		w->queued = true;
	}
	WRITE_ONCE(w->t->state, THREAD_SLEEPING);
	spin_unlock_irqrestore(&wq->lock, f);
}

void wait_finish(struct wait_queue *wq, struct waiter *w)
{
	irqflags_t f = spin_lock_irqsave(&wq->lock);
	WRITE_ONCE(w->t->state, THREAD_RUNNABLE);
	if (w->queued && !list_empty(&w->node))
		list_del(&w->node);
	w->queued = false;
	spin_unlock_irqrestore(&wq->lock, f);
}

static int wake(struct wait_queue *wq, bool all)
{
	int n = 0;
	irqflags_t f = spin_lock_irqsave(&wq->lock);
	while (!list_empty(&wq->waiters)) {
		struct waiter *w = list_first_entry(&wq->waiters, struct waiter, node);
		list_del(&w->node); /* leaves the node self-linked: not queued */
		thread_wake(w->t);
		n++;
		if (!all)
			break;
	}
	spin_unlock_irqrestore(&wq->lock, f);
	return n;
}

int wake_up_one(struct wait_queue *wq) { return wake(wq, false); }
int wake_up_all(struct wait_queue *wq) { return wake(wq, true); }
