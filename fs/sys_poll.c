/* sys_poll.c — poll(2), ppoll(2), select(2) and pselect6(2) over any open
 * files (select turns its fd_set bitmaps into pollfds: readable = POLLIN,
 * POLLHUP or POLLERR; writable = POLLOUT or POLLERR; except = POLLPRI; a
 * closed descriptor in a set is -EBADF; the timeout is not written back).
 *
 * Each round asks every file's ops->poll for its ready bits and its wait
 * queue; if nothing is ready and time remains, the caller queues itself on
 * every distinct wait queue (wait_prepare marks it sleeping first), asks
 * again (so a wake-up between the first scan and the sleep is not lost),
 * then sleeps until woken, the deadline (the thread's sleep timer) or a
 * signal (-EINTR). Files without a poll op (regular files, directories,
 * procfs) are always ready for reading and writing, as on Linux.
 * ppoll and pselect6 wait with the caller's signal mask replaced by the
 * one given (proc_sigmask_push/pop: the caller's mask is back when they
 * return, or after the handler of the signal that interrupted them). The
 * timeout comes from the clock interface (monotonic ns).
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

/* The poll loop over kernel pollfds pf[n]: ready count, 0 (timeout),
 * -EINTR. timeout_ns < 0: none. */
static long do_poll_k(struct upollfd *pf, u64 n, s64 timeout_ns)
{
	struct pslot *s = kzalloc(n ? n * sizeof(*s) : 1, GFP_KERNEL);
	/* the queues a sleeping round is on (a rescan rewrites s[].wq) */
	struct wait_queue **wqs = kmalloc(n ? n * sizeof(*wqs) : 1, GFP_KERNEL);
	if (!s || !wqs) {
		kfree(s);
		kfree(wqs);
		return -ENOMEM;
	}
	long r = 0;
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
		for (u64 i = 0; i < n; i++)
			wqs[i] = s[i].wq;
		r = scan(pf, s, n);
		if (!r && signal_pending())
			r = -EINTR; /* queued first: a signal sent meanwhile is seen */
		if (!r) {
			if (deadline)
				timer_arm(&t->sleep_timer, deadline);
			schedule();
			if (deadline)
				timer_cancel(&t->sleep_timer);
		}
		for (u64 i = 0; i < n; i++)
			if (wqs[i])
				wait_finish(wqs[i], &s[i].w);
		if (r)
			break;
	}
	for (u64 i = 0; i < n; i++)
		if (s[i].f)
			file_put(s[i].f);
	kfree(s);
	kfree(wqs);
	return r;
}

static long do_poll(u64 ufds, u64 n, s64 timeout_ns)
{
	if (n > NOFILE_MAX)
		return -EINVAL;
	struct upollfd *pf = kmalloc(n ? n * sizeof(*pf) : 1, GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	long r = 0;
	if (n && copy_from_user(pf, (void *)(uintptr_t)ufds, n * sizeof(*pf)))
		r = -EFAULT;
	if (!r)
		r = do_poll_k(pf, n, timeout_ns);
	if (r >= 0 && n && copy_to_user((void *)(uintptr_t)ufds, pf, n * sizeof(*pf)))
		r = -EFAULT;
	kfree(pf);
	return r;
}

static long sys_poll(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	s32 ms = (s32)a2;
	/* nfds is an unsigned int in Linux: the high bits are not part of it */
	return do_poll(a0, (u32)a1, ms < 0 ? -1 : (s64)ms * (s64)NSEC_PER_MSEC);
}

/* Evaluate call with the signal mask replaced by mask (when has_mask); the
 * caller's mask is back afterwards, or — when a signal interrupted the
 * call — once that signal's handler frame has saved it. */
#define with_sigmask(has_mask, mask, call)                          \
	({                                                          \
		if (has_mask)                                       \
			proc_sigmask_push(mask);                    \
		long __r = (call);                                  \
		if (has_mask)                                       \
			proc_sigmask_pop(__r == -EINTR);            \
		__r;                                                \
	})

static long sys_ppoll(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	s64 timeout = -1;
	if (a2) {
		s64 ts[2];
		if (copy_from_user(ts, (void *)(uintptr_t)a2, sizeof(ts)))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (s64)NSEC_PER_SEC)
			return -EINVAL;
		timeout = timespec_to_ns_sat(ts[0], ts[1]);
	}
	u64 mask = 0;
	if (a3) {
		if (a4 != 8)
			return -EINVAL;
		if (copy_from_user(&mask, (void *)(uintptr_t)a3, 8))
			return -EFAULT;
	}
	return with_sigmask(a3 != 0, mask, do_poll(a0, (u32)a1, timeout));
}

/* ---- select(2), pselect6(2): fd_set bitmaps over the same poll loop ---- */

#define FDSET_WORDS (NOFILE_MAX / 64)

static long do_select(s64 nfds, u64 urd, u64 uwr, u64 uex, s64 timeout_ns)
{
	if (nfds < 0)
		return -EINVAL;
	if (nfds > NOFILE_MAX)
		nfds = NOFILE_MAX;
	u64 in[3][FDSET_WORDS] = { { 0 } };
	u64 uset[3] = { urd, uwr, uex };
	size_t bytes = (size_t)((nfds + 63) / 64 * 8);
	for (int k = 0; k < 3; k++)
		if (uset[k] && bytes && copy_from_user(in[k], (void *)(uintptr_t)uset[k], bytes))
			return -EFAULT;
	/* the descriptors named in any set become pollfds */
	int n = 0;
	for (s64 fd = 0; fd < nfds; fd++)
		if ((in[0][fd / 64] | in[1][fd / 64] | in[2][fd / 64]) >> (fd % 64) & 1)
			n++;
	struct upollfd *pf = kmalloc(n ? (size_t)n * sizeof(*pf) : 1, GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	int i = 0;
	for (s64 fd = 0; fd < nfds; fd++) {
		u64 bit = 1ULL << (fd % 64);
		s16 ev = 0;
		if (in[0][fd / 64] & bit)
			ev |= POLLIN;
		if (in[1][fd / 64] & bit)
			ev |= POLLOUT;
		if (in[2][fd / 64] & bit)
			ev |= POLLPRI;
		if (ev)
			pf[i++] = (struct upollfd){ (s32)fd, ev, 0 };
	}
	long r = do_poll_k(pf, (u64)n, timeout_ns);
	if (r >= 0) {
		u64 out[3][FDSET_WORDS] = { { 0 } };
		long ready = 0;
		for (int j = 0; j < n; j++) {
			if (pf[j].revents & POLLNVAL) {
				r = -EBADF;
				break;
			}
			s32 fd = pf[j].fd;
			u64 bit = 1ULL << (fd % 64);
			if ((pf[j].events & POLLIN) && (pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
				out[0][fd / 64] |= bit, ready++;
			if ((pf[j].events & POLLOUT) && (pf[j].revents & (POLLOUT | POLLERR)))
				out[1][fd / 64] |= bit, ready++;
			if ((pf[j].events & POLLPRI) && (pf[j].revents & POLLPRI))
				out[2][fd / 64] |= bit, ready++;
		}
		for (int k = 0; r >= 0 && k < 3; k++)
			if (uset[k] && bytes && copy_to_user((void *)(uintptr_t)uset[k], out[k], bytes))
				r = -EFAULT;
		if (r >= 0)
			r = ready;
	}
	kfree(pf);
	return r;
}

static long sys_select(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	s64 timeout = -1;
	if (a4) {
		s64 tv[2];
		if (copy_from_user(tv, (void *)(uintptr_t)a4, sizeof(tv)))
			return -EFAULT;
		if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000)
			return -EINVAL;
		timeout = timespec_to_ns_sat(tv[0], tv[1] * (s64)NSEC_PER_USEC);
	}
	return do_select((s64)(s32)a0, a1, a2, a3, timeout);
}

static long sys_pselect6(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	s64 timeout = -1;
	u64 mask = 0;
	bool has_mask = false;
	if (a4) {
		s64 ts[2];
		if (copy_from_user(ts, (void *)(uintptr_t)a4, sizeof(ts)))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (s64)NSEC_PER_SEC)
			return -EINVAL;
		timeout = timespec_to_ns_sat(ts[0], ts[1]);
	}
	if (a5) { /* { const sigset_t *ss; size_t ss_len } */
		u64 sig[2];
		if (copy_from_user(sig, (void *)(uintptr_t)a5, sizeof(sig)))
			return -EFAULT;
		if (sig[0] && sig[1] != 8)
			return -EINVAL;
		if (sig[0] && copy_from_user(&mask, (void *)(uintptr_t)sig[0], 8))
			return -EFAULT;
		has_mask = sig[0] != 0;
	}
	return with_sigmask(has_mask, mask, do_select((s64)(s32)a0, a1, a2, a3, timeout));
}

SYSCALL(poll, sys_poll);
SYSCALL(ppoll, sys_ppoll);
SYSCALL(select, sys_select);
SYSCALL(pselect6, sys_pselect6);
