/* wait.c — the VFS's blocking primitive: sleep on a wait queue until a
 * condition holds, a signal is pending (interruptible waits: pipes, the
 * tty, poll) or a deadline passes. The waiter is queued and marked
 * sleeping before the condition is tested (wait_prepare), so a wake-up
 * between the test and schedule() is not lost; a deadline arms the
 * thread's own sleep timer, which wakes it. Signals wake the thread
 * through thread_wake() (process code), after which the loop re-tests.
 * Locking: none of its own (the wait queue's lock, inside wait_*). */
#include "internal.h"
#include <rayos/proc.h>
#include <rayos/thread.h>
#include <rayos/time.h>

int vfs_wait(struct wait_queue *wq, bool (*cond)(void *), void *arg, u64 deadline,
	     bool interruptible)
{
	struct thread *t = current_thread();
	struct waiter w = { 0 };
	int r = 0;
	might_sleep();
	for (;;) {
		wait_prepare(wq, &w);
		if (cond(arg))
			break;
		if (interruptible && signal_pending()) {
			r = -EINTR;
			break;
		}
		if (deadline && clock_monotonic_ns() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		if (deadline)
			timer_arm(&t->sleep_timer, deadline);
		schedule();
		if (deadline)
			timer_cancel(&t->sleep_timer);
	}
	wait_finish(wq, &w);
	return r;
}
