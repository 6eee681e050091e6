/* sys_sched.c — scheduling system calls on user threads: sched_yield,
 * sched_{set,get}affinity, sched_{set,get}scheduler, sched_{set,get}param,
 * sched_get_priority_{max,min}, sched_rr_get_interval, sched_{set,get}attr,
 * getcpu. A pid argument names a thread (Linux: a tid); 0 is the caller.
 * SCHED_OTHER/BATCH/IDLE map to the fair class with the nice value,
 * SCHED_FIFO/RR to the rt class (thread_set_nice / thread_set_rt);
 * SCHED_DEADLINE is validated here (struct sched_attr as Linux defines it,
 * sched(7), __checkparam_dl) and handed to proc_set_deadline
 * (sched_dl_glue.c). Only user threads can be named (kernel threads are
 * not processes: -ESRCH). */
#include <rayos/string.h>
#include <rayos/uaccess.h>
#include "internal.h"

#define SCHED_RESET_ON_FORK 0x40000000
#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_ATTR_SIZE_VER1 56
#define SCHED_FLAG_ALL 0x7f
#define DL_SCALE 10

struct sched_attr {
	u32 size, sched_policy;
	u64 sched_flags;
	s32 sched_nice;
	u32 sched_priority;
	u64 sched_runtime, sched_deadline, sched_period;
	u32 sched_util_min, sched_util_max;
};

struct sched_op {
	long (*fn)(struct thread *t, void *ctx);
	void *ctx;
	long r;
};

static int call_op(struct thread *t, void *vctx)
{
	struct sched_op *op = vctx;
	if (!t->uthread)
		return -ESRCH;
	op->r = op->fn(t, op->ctx);
	return 0;
}

/* Run fn on thread pid (0: current); -ESRCH when there is none. */
static long with_thread(u64 pid, long (*fn)(struct thread *t, void *ctx), void *ctx)
{
	if ((s32)pid < 0)
		return -EINVAL;
	if (!pid)
		return fn(current_thread(), ctx);
	struct sched_op op = { fn, ctx, 0 };
	int r = thread_with((u32)pid, call_op, &op);
	return r == -ENOENT ? -ESRCH : r ? r : op.r;
}

static long sys_sched_yield(void)
{
	thread_yield();
	return 0;
}
SYSCALL(sched_yield, sys_sched_yield);

static long set_aff(struct thread *t, void *ctx) { return thread_set_affinity(t, *(u64 *)ctx); }
static long sys_sched_setaffinity(u64 pid, u64 ulen, u64 umask)
{
	u32 len = (u32)ulen; /* Linux: unsigned int len */
	u64 mask = 0;
	if (len < sizeof(mask)) {
		if (!len)
			return -EINVAL;
		if (copy_from_user(&mask, (const void __user *)umask, len))
			return -EFAULT;
	} else if (copy_from_user(&mask, (const void __user *)umask, sizeof(mask))) {
		return -EFAULT;
	}
	return with_thread(pid, set_aff, &mask);
}
SYSCALL(sched_setaffinity, sys_sched_setaffinity);

static long get_aff(struct thread *t, void *ctx)
{
	u64 m = READ_ONCE(t->affinity), online = 0;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (cpus[c].online)
			online |= 1ULL << c;
	*(u64 *)ctx = m & online;
	return 0;
}
static long sys_sched_getaffinity(u64 pid, u64 ulen, u64 umask)
{
	u32 len = (u32)ulen; /* Linux: unsigned int len */
	if (len < sizeof(u64) || (len & 7))
		return -EINVAL;
	u64 mask;
	long r = with_thread(pid, get_aff, &mask);
	if (r)
		return r;
	/* the kernel's mask is one u64 (MAX_CPUS <= 64): only it is written,
	 * and its size returned, as Linux writes min(len, cpumask_size());
	 * the libc clears the rest of the caller's set */
	if (copy_to_user((void __user *)umask, &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}
SYSCALL(sched_getaffinity, sys_sched_getaffinity);

struct set_req { int policy, prio, nice; bool keep_nice; };

static long apply(struct thread *t, void *ctx)
{
	struct set_req *q = ctx;
	switch (q->policy) {
	case SCHED_FIFO:
	case SCHED_RR:
		if (q->prio < 1 || q->prio > RT_PRIO_MAX)
			return -EINVAL;
		return thread_set_rt(t, q->policy, q->prio);
	case SCHED_NORMAL:
	case SCHED_BATCH:
	case SCHED_IDLE:
		if (q->prio != 0)
			return -EINVAL;
		return thread_set_nice(t, q->keep_nice ? (t->policy == SCHED_FIFO || t->policy == SCHED_RR ? 0 : t->nice)
				       : q->nice);
	default:
		return -EINVAL;
	}
}

static long sys_sched_setscheduler(u64 pid, u64 upolicy, u64 uparam)
{
	int policy = (int)upolicy & ~SCHED_RESET_ON_FORK;
	s32 prio;
	if (!uparam)
		return -EINVAL;
	if (get_user_u32((u32 *)&prio, (const u32 __user *)uparam))
		return -EFAULT;
	if (policy == SCHED_DEADLINE)
		return -EINVAL; /* Linux: only through sched_setattr */
	struct set_req q = { .policy = policy, .prio = prio, .keep_nice = true };
	return with_thread(pid, apply, &q);
}
SYSCALL(sched_setscheduler, sys_sched_setscheduler);

static long get_policy(struct thread *t, void *ctx)
{
	(void)ctx;
	return t->policy;
}
static long sys_sched_getscheduler(u64 pid) { return with_thread(pid, get_policy, NULL); }
SYSCALL(sched_getscheduler, sys_sched_getscheduler);

static long set_param(struct thread *t, void *ctx)
{
	struct set_req q = { .policy = t->policy, .prio = *(s32 *)ctx, .keep_nice = true };
	if (t->policy == SCHED_DEADLINE)
		return -EINVAL;
	return apply(t, &q);
}
static long sys_sched_setparam(u64 pid, u64 uparam)
{
	s32 prio;
	if (!uparam)
		return -EINVAL;
	if (get_user_u32((u32 *)&prio, (const u32 __user *)uparam))
		return -EFAULT;
	return with_thread(pid, set_param, &prio);
}
SYSCALL(sched_setparam, sys_sched_setparam);

static long get_prio(struct thread *t, void *ctx)
{
	*(s32 *)ctx = t->policy == SCHED_FIFO || t->policy == SCHED_RR ? t->rt_prio : 0;
	return 0;
}
static long sys_sched_getparam(u64 pid, u64 uparam)
{
	s32 prio;
	if (!uparam)
		return -EINVAL;
	long r = with_thread(pid, get_prio, &prio);
	if (r)
		return r;
	return put_user_u32((u32 __user *)uparam, (u32)prio) ? -EFAULT : 0;
}
SYSCALL(sched_getparam, sys_sched_getparam);

static long sys_prio_max(u64 policy)
{
	switch (policy) {
	case SCHED_FIFO: case SCHED_RR: return RT_PRIO_MAX;
	case SCHED_NORMAL: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE: return 0;
	default: return -EINVAL;
	}
}
static long sys_prio_min(u64 policy)
{
	switch (policy) {
	case SCHED_FIFO: case SCHED_RR: return 1;
	case SCHED_NORMAL: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE: return 0;
	default: return -EINVAL;
	}
}
SYSCALL(sched_get_priority_max, sys_prio_max);
SYSCALL(sched_get_priority_min, sys_prio_min);

static long rr_interval(struct thread *t, void *ctx)
{
	*(u64 *)ctx = t->policy == SCHED_RR ? RR_QUANTUM_NS : 0;
	return 0;
}
static long sys_sched_rr_get_interval(u64 pid, u64 uts)
{
	u64 ns;
	long r = with_thread(pid, rr_interval, &ns);
	if (r)
		return r;
	s64 ts[2] = { (s64)(ns / 1000000000ULL), (s64)(ns % 1000000000ULL) };
	return copy_to_user((void __user *)uts, ts, sizeof(ts)) ? -EFAULT : 0;
}
SYSCALL(sched_rr_get_interval, sys_sched_rr_get_interval);

/* Linux's __checkparam_dl */
static bool dl_params_valid(const struct sched_attr *a)
{
	u64 period = a->sched_period ? a->sched_period : a->sched_deadline;
	if (a->sched_deadline == 0)
		return false;
	if (a->sched_runtime < (1ULL << DL_SCALE))
		return false;
	if ((a->sched_deadline | period) & (1ULL << 63))
		return false;
	return a->sched_runtime <= a->sched_deadline && a->sched_deadline <= period;
}

static long set_attr(struct thread *t, void *ctx)
{
	const struct sched_attr *a = ctx;
	if (a->sched_policy == SCHED_DEADLINE) {
		u64 period = a->sched_period ? a->sched_period : a->sched_deadline;
		int r = proc_set_deadline(t, a->sched_runtime, a->sched_deadline, period);
		if (!r)
			proc_set_dl_overrun_signal(t, a->sched_flags & 0x04 /* SCHED_FLAG_DL_OVERRUN */);
		return r;
	}
	struct set_req q = { .policy = (int)a->sched_policy, .prio = (int)a->sched_priority,
			     .nice = a->sched_nice };
	if (a->sched_flags & 0x8 /* KEEP_POLICY */) {
		q.policy = t->policy;
		if (q.policy == SCHED_DEADLINE)
			return 0;
	}
	if (q.policy == SCHED_NORMAL || q.policy == SCHED_BATCH || q.policy == SCHED_IDLE) {
		if (a->sched_nice < NICE_MIN || a->sched_nice > NICE_MAX)
			return -EINVAL;
	}
	if (a->sched_flags & 0x10 /* KEEP_PARAMS */)
		q.keep_nice = true;
	return apply(t, &q);
}

static long sys_sched_setattr(u64 pid, u64 uattr, u64 flags)
{
	struct sched_attr a;
	u32 size;
	if (!uattr || (s32)pid < 0 || flags)
		return -EINVAL;
	if (get_user_u32(&size, (const u32 __user *)uattr))
		return -EFAULT;
	if (size == 0)
		size = SCHED_ATTR_SIZE_VER0;
	if (size < SCHED_ATTR_SIZE_VER0 || size > 4096) {
		put_user_u32((u32 __user *)uattr, sizeof(a));
		return -E2BIG;
	}
	memset(&a, 0, sizeof(a));
	if (copy_from_user(&a, (const void __user *)uattr, size < sizeof(a) ? size : sizeof(a)))
		return -EFAULT;
	/* bytes past what we know must be zero (Linux's copy_struct_from_user) */
	for (u32 off = sizeof(a); off < size; off++) {
		u8 b;
		if (copy_from_user(&b, (const void __user *)(uattr + off), 1))
			return -EFAULT;
		if (b) {
			put_user_u32((u32 __user *)uattr, sizeof(a));
			return -E2BIG;
		}
	}
	if (a.sched_flags & ~(u64)SCHED_FLAG_ALL)
		return -EINVAL;
	if (a.sched_policy > SCHED_DEADLINE || a.sched_policy == 4)
		return -EINVAL;
	if (a.sched_policy == SCHED_DEADLINE && !dl_params_valid(&a))
		return -EINVAL;
	if ((a.sched_policy == SCHED_FIFO || a.sched_policy == SCHED_RR) &&
	    (a.sched_priority < 1 || a.sched_priority > RT_PRIO_MAX))
		return -EINVAL;
	if (a.sched_policy != SCHED_FIFO && a.sched_policy != SCHED_RR && a.sched_priority != 0)
		return -EINVAL;
	return with_thread(pid, set_attr, &a);
}
SYSCALL(sched_setattr, sys_sched_setattr);

static long get_attr(struct thread *t, void *ctx)
{
	struct sched_attr *a = ctx;
	a->sched_policy = (u32)t->policy;
	if (t->policy == SCHED_FIFO || t->policy == SCHED_RR)
		a->sched_priority = (u32)t->rt_prio;
	else if (t->policy != SCHED_DEADLINE)
		a->sched_nice = t->nice;
	else
		proc_get_deadline(t, &a->sched_runtime, &a->sched_deadline, &a->sched_period);
	return 0;
}

static long sys_sched_getattr(u64 pid, u64 uattr, u64 usize, u64 flags)
{
	if (!uattr || (s32)pid < 0 || flags || usize < SCHED_ATTR_SIZE_VER0 || usize > 4096)
		return -EINVAL;
	struct sched_attr a;
	memset(&a, 0, sizeof(a));
	long r = with_thread(pid, get_attr, &a);
	if (r)
		return r;
	u32 n = usize < sizeof(a) ? (u32)usize : sizeof(a);
	a.size = n;
	return copy_to_user((void __user *)uattr, &a, n) ? -EFAULT : 0;
}
SYSCALL(sched_getattr, sys_sched_getattr);

static long sys_getcpu(u64 ucpu, u64 unode, u64 cache)
{
	(void)cache;
	u32 cpu = this_cpu()->id;
	if (ucpu && put_user_u32((u32 __user *)ucpu, cpu))
		return -EFAULT;
	if (unode && put_user_u32((u32 __user *)unode, 0))
		return -EFAULT;
	return 0;
}
SYSCALL(getcpu, sys_getcpu);
