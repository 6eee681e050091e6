/* sys_poll.c — poll(2) and ppoll(2) over any open files.
 *
 * Each round asks every file's ops->poll for its ready bits and its wait
 * queue; if nothing is ready and time remains, the caller queues itself on
 * every distinct wait queue (wait_prepare marks it sleeping first), asks
 * again (so a wake-up between the first scan and the sleep is not lost),
 * then sleeps until woken, the deadline (the thread's sleep timer) or a
 * signal (-EINTR). Files without a poll op (regular files, directories,
 * procfs) are always ready for reading and writing, as on Linux.
 * ppoll's signal mask is not applied (the process code owns masks: the
 * mask argument is checked for size only). The timeout comes from the
 * clock interface (monotonic ns).
 * Locking: none of its own; each file's poll takes its own lock. */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/proc.h>
#include <rayos/syscall.h>
#include <rayos/thread.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"

struct upollfd {
	s32 fd;
	s16 events, revents;
};

struct pslot {
	struct file *f;
	struct wait_queue *wq;
	struct waiter w;
};

static int scan(struct upollfd *pf, struct pslot *s, u64 n)
{
	int ready = 0;
	for (u64 i = 0; i < n; i++) {
		pf[i].revents = 0;
		s[i].wq = NULL;
		if (pf[i].fd < 0)
			continue;
		if (!s[i].f) {
			pf[i].revents = POLLNVAL;
			ready++;
			continue;
		}
		u32 m = s[i].f->fop && s[i].f->fop->poll ?
			s[i].f->fop->poll(s[i].f, &s[i].wq) :
			POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
		m &= (u32)(u16)pf[i].events | POLLERR | POLLHUP | POLLNVAL;
		pf[i].revents = (s16)m;
		if (m)
			ready++;
	}
	return ready;
}

static long do_poll(u64 ufds, u64 n, s64 timeout_ns)
{
	if (n > NOFILE_MAX)
		return -EINVAL;
	struct upollfd *pf = kmalloc(n ? n * sizeof(*pf) : 1, GFP_KERNEL);
	struct pslot *s = kzalloc(n ? n * sizeof(*s) : 1, GFP_KERNEL);
	long r = 0;
	if (!pf || !s) {
		r = -ENOMEM;
		goto out;
	}
	if (n && copy_from_user(pf, (void *)(uintptr_t)ufds, n * sizeof(*pf))) {
		r = -EFAULT;
		goto out;
	}
	for (u64 i = 0; i < n; i++)
		s[i].f = pf[i].fd >= 0 ? fget(current_files(), pf[i].fd) : NULL;
	u64 deadline = timeout_ns > 0 ? clock_monotonic_ns() + (u64)timeout_ns : 0;
	struct thread *t = current_thread();
	for (;;) {
		r = scan(pf, s, n);
		if (r || timeout_ns == 0)
			break;
		if (deadline && clock_monotonic_ns() >= deadline)
			break;
		if (signal_pending()) {
			r = -EINTR;
			break;
		}
		for (u64 i = 0; i < n; i++) {
			s[i].w = (struct waiter){ 0 };
			if (s[i].wq)
				wait_prepare(s[i].wq, &s[i].w);
		}
		struct wait_queue **wqs = kmalloc(n * sizeof(*wqs), GFP_ATOMIC);
		for (u64 i = 0; i < n && wqs; i++)
			wqs[i] = s[i].wq; /* the queues we are on (the rescan rewrites s[].wq) */
		r = scan(pf, s, n);
		if (!r && wqs) {
			if (deadline)
				timer_arm(&t->sleep_timer, deadline);
			schedule();
			if (deadline)
				timer_cancel(&t->sleep_timer);
		}
		for (u64 i = 0; i < n; i++) {
			struct wait_queue *q = wqs ? wqs[i] : s[i].wq;
			if (q)
				wait_finish(q, &s[i].w);
		}
		kfree(wqs);
		if (r)
			break;
	}
	for (u64 i = 0; i < n; i++)
		if (s[i].f)
			file_put(s[i].f);
	if (r >= 0 && n && copy_to_user((void *)(uintptr_t)ufds, pf, n * sizeof(*pf)))
		r = -EFAULT;
out:
	kfree(pf);
	kfree(s);
	return r;
}

static long sys_poll(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	s32 ms = (s32)a2;
	return do_poll(a0, a1, ms < 0 ? -1 : (s64)ms * (s64)NSEC_PER_MSEC);
}

static long sys_ppoll(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	s64 timeout = -1;
	if (a2) {
		s64 ts[2];
		if (copy_from_user(ts, (void *)(uintptr_t)a2, sizeof(ts)))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (s64)NSEC_PER_SEC)
			return -EINVAL;
		timeout = ts[0] * (s64)NSEC_PER_SEC + ts[1];
		if (timeout == 0)
			timeout = 0;
	}
	if (a3 && a4 != 8)
		return -EINVAL;
	return do_poll(a0, a1, timeout);
}

SYSCALL(poll, sys_poll);
SYSCALL(ppoll, sys_ppoll);
