/* vfs_shim.c — host stand-ins for what the portable VFS (fs/) needs from
 * the kernel: kmalloc/kfree on malloc with a live-allocation count (tests
 * check that operations give back all they take), no-op mutexes (the
 * tests are single-threaded), a fixed wall clock and a stepping monotonic
 * clock. Listed in test_vfs.srcs. */
#include <stdlib.h>
#include <string.h>
#include <rayos/mm.h>
#include <rayos/sync.h>
#include <rayos/time.h>
#include "vfs_shim.h"

static long live;

void *kmalloc(size_t size, gfp_t gfp)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		return NULL;
	if (gfp & GFP_ZERO)
		memset(p, 0, size);
	live++;
	return p;
}

void *kzalloc(size_t size, gfp_t gfp) { return kmalloc(size, gfp | GFP_ZERO); }

void kfree(const void *p)
{
	if (!p)
		return;
	live--;
	free((void *)p);
}

long vfs_shim_live_allocs(void) { return live; }

void mutex_init(struct mutex *m, const char *name) { m->name = name; }
void mutex_lock(struct mutex *m) { (void)m; }
int mutex_unlock(struct mutex *m) { (void)m; return 0; }

s64 clock_wall_seconds(void) { return 1700000000; }
u64 clock_monotonic_ns(void)
{
	static u64 t;
	return t += 1000;
}

/* kernel/sched/loadavg.c's timer glue (only its pure part is tested) */
struct rq *cpu_rq(u32 cpu) { (void)cpu; return NULL; }
void timer_arm(struct timer_event *ev, u64 deadline_ns) { ev->deadline_ns = deadline_ns; }

/* pipes (fs/pipe.c): wait queues and the blocking wait. The hosted tests
 * are single-threaded, so a wait whose condition does not already hold
 * would never end: it fails the call with -EDEADLK (35) instead. */
void wait_queue_init(struct wait_queue *wq) { list_init(&wq->waiters); }
int wake_up_all(struct wait_queue *wq) { (void)wq; return 0; }
int vfs_wait(struct wait_queue *wq, bool (*cond)(void *), void *arg, u64 deadline,
	     bool interruptible);
int vfs_wait(struct wait_queue *wq, bool (*cond)(void *), void *arg, u64 deadline,
	     bool interruptible)
{
	(void)wq, (void)deadline, (void)interruptible;
	return cond(arg) ? 0 : -35;
}

/* fs/sys_poll.c: a poll that has to sleep fails the test (single thread) */
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
static struct thread dummy_thread;
struct thread *current_thread(void) { return &dummy_thread; }
void wait_prepare(struct wait_queue *wq, struct waiter *w) { (void)wq, (void)w; }
void wait_finish(struct wait_queue *wq, struct waiter *w) { (void)wq, (void)w; }
void schedule(void) { fail_msg("poll slept in a single-threaded test"); }
void timer_cancel(struct timer_event *ev) { (void)ev; }
void might_sleep(void) {}
