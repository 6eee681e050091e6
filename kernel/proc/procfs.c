/* procfs.c — the process side of /proc/PID/{stat,status,cmdline,comm} and
 * of the per-thread /proc/PID/task/TID/{stat,status,cmdline,comm}, in the
 * formats of Linux's fs/proc/array.c (proc(5), proc_pid_task(5)), which
 * busybox ps/top parse: stat is "pid (comm) S ppid pgrp session tty_nr
 * tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
 * priority nice num_threads itrealvalue starttime vsize rss rsslim ..."
 * (52 fields), times in clock ticks (USER_HZ = 100). Every figure is live:
 * CPU time from the scheduler, sizes from the address space; fields RayOS
 * has no notion of (page-fault counts, signals as bitmaps of ignored/
 * caught) are 0.
 *
 * Each reader takes (pid, tid): tid 0 is the whole process; tid > 0 one
 * live thread of pid (-ENOENT when tid is not one, or has exited). For a
 * thread, as Linux does: stat's first field is the tid, comm is the
 * thread's name (prctl PR_SET_NAME), state is the thread's own, utime/
 * stime are its own CPU time (thread_cpu_ns, of it the user-mode cycles),
 * starttime is its creation, priority/nice/processor/rt_priority/policy
 * are its own; ppid, pgrp, session, cutime/cstime, num_threads, vsize and
 * rss are the process's. status has Pid: TID, Tgid: PID, and the thread's
 * own signal mask (SigBlk) and pending set; cmdline is the process's.
 *
 * CPU times include the stretch a thread is running in at the moment of
 * reading (proc_thread_times), for the process (its ended threads' time
 * plus its live threads') as for each thread.
 *
 * Locking: proc_lock while reading a process and its threads (thread
 * names and masks are written under it); inside it, thread_cpu_ns takes
 * the thread's run queue lock (order proc_lock -> rq->lock, as signal
 * wake-ups); user_cycles and the scheduling fields are read as single
 * words. The address-space figures are taken before, without proc_lock
 * (uvm_size sleeps). */
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/uvm.h>
#include "internal.h"

#define USER_HZ 100
#define PAGE_KB 4

const char *proc_state_char(struct process *p, char *buf)
{
	char c = 'S';
	if (p->state == PROC_ZOMBIE)
		c = 'Z';
	else if (p->stopped)
		c = 'T';
	else {
		struct list_head *pos;
		list_for_each(pos, &p->threads) {
			struct uthread *ut = list_entry(pos, struct uthread, node);
			if (!ut->dead && READ_ONCE(ut->t->state) == THREAD_RUNNABLE)
				c = 'R';
		}
	}
	buf[0] = c;
	buf[1] = 0;
	return buf;
}

static const char *state_word(char c)
{
	switch (c) {
	case 'R': return "running";
	case 'Z': return "zombie";
	case 'T': return "stopped";
	default: return "sleeping";
	}
}

static int nr_live_threads(struct process *p) { return p->nr_live; }

/* proc_lock held: p's live thread tid, or NULL. */
static struct uthread *live_thread(struct process *p, int tid)
{
	struct list_head *pos;
	list_for_each(pos, &p->threads) {
		struct uthread *ut = list_entry(pos, struct uthread, node);
		if (!ut->dead && (int)ut->t->tid == tid)
			return ut;
	}
	return NULL;
}

/* proc_lock held: find pid, and with tid > 0 its live thread tid (*ut);
 * NULL when either does not exist. tid 0: *ut is NULL (the whole process). */
static struct process *find_target(int pid, int tid, struct uthread **ut)
{
	struct process *p = proc_find(pid);
	*ut = NULL;
	if (!p || tid <= 0)
		return tid < 0 ? NULL : p;
	*ut = live_thread(p, tid);
	return *ut ? p : NULL;
}

/* One thread's state letter: the process's Z/T, else the thread's own
 * run state (Linux: task_state_array for that task). */
static void thread_state_char(struct process *p, struct uthread *ut, char *buf)
{
	enum thread_state s = READ_ONCE(ut->t->state);
	buf[0] = p->state == PROC_ZOMBIE ? 'Z' :
		 p->stopped || s == THREAD_STOPPED ? 'T' :
		 s == THREAD_RUNNABLE ? 'R' : 'S';
	buf[1] = 0;
}

/* proc_lock held: CPU and user-mode ns of p's threads, ended ones and the
 * live ones up to this instant (so a process's time is the sum of what its
 * threads' stat files show, plus its ended threads'). */
static void process_times(struct process *p, u64 *all, u64 *usr)
{
	*all = p->dead_exec_ns;
	*usr = cycles_to_ns(p->dead_user_cycles);
	struct list_head *pos;
	list_for_each(pos, &p->threads) {
		struct uthread *ut = list_entry(pos, struct uthread, node);
		if (ut->dead)
			continue;
		u64 a, u;
		proc_thread_times(ut, &a, &u);
		*all += a;
		*usr += u;
	}
}

/* Size and resident pages of pid's address space: uvm_size takes the
 * address space's mutex, so it is read with a reference and without
 * proc_lock, before the rest. */
static void vm_figures(int pid, u64 *vsize, u64 *rss)
{
	*vsize = *rss = 0;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct process *p = proc_find(pid);
	struct uvm *vm = p ? p->uvm : NULL;
	if (vm)
		uvm_get(vm);
	spin_unlock_irqrestore(&proc_lock, f);
	if (vm) {
		*vsize = uvm_size(vm);
		*rss = uvm_rss_pages(vm);
		uvm_put(vm);
	}
}

int proc_read_stat(int pid, int tid, char *buf, size_t size)
{
	u64 vsize, rss;
	vm_figures(pid, &vsize, &rss);
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct uthread *ut;
	struct process *p = find_target(pid, tid, &ut);
	if (!p) {
		spin_unlock_irqrestore(&proc_lock, f);
		return -ENOENT;
	}
	/* the process: every thread's CPU time (ended ones included), its
	 * name, start and state; one thread: that thread's own */
	char st[2];
	u64 all, usr, start_ns;
	struct thread *lt = NULL;
	if (ut) {
		lt = ut->t;
		thread_state_char(p, ut, st);
		proc_thread_times(ut, &all, &usr);
		start_ns = lt->created_ns;
	} else {
		proc_state_char(p, st);
		process_times(p, &all, &usr);
		start_ns = p->start_ns;
		struct list_head *pos;
		list_for_each(pos, &p->threads) {
			struct uthread *u = list_entry(pos, struct uthread, node);
			if (!u->dead) {
				lt = u->t;
				break;
			}
		}
	}
	if (usr > all)
		usr = all;
	u64 uticks = usr / (NSEC_PER_SEC / USER_HZ), sticks = (all - usr) / (NSEC_PER_SEC / USER_HZ);
	u64 cu = p->child_user_ns < p->child_exec_ns ? p->child_user_ns : p->child_exec_ns;
	u64 cuticks = cu / (NSEC_PER_SEC / USER_HZ);
	u64 csticks = (p->child_exec_ns - cu) / (NSEC_PER_SEC / USER_HZ);
	u64 start = start_ns / (NSEC_PER_SEC / USER_HZ);
	int prio = 20, nice = 0, policy = 0, rtp = 0, cpu = 0;
	if (lt) {
		policy = lt->policy;
		cpu = (int)lt->cpu;
		if (policy == SCHED_FIFO || policy == SCHED_RR) {
			rtp = lt->rt_prio;
			prio = -1 - rtp;
		} else {
			nice = lt->nice;
			prio = 20 + nice;
		}
	}
	int n = snprintf(buf, size,
		"%d (%s) %s %d %d %d 0 -1 4194304 0 0 0 0 %llu %llu %llu %llu %d %d %d 0 %llu %llu %llu "
		"18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 %d %d %d 0 0 0 0 0 0 0 0 0 %d\n",
		ut ? tid : p->pid, ut ? lt->name : p->comm, st, p->parent ? p->parent->pid : 0,
		p->pgid, p->sid,
		(unsigned long long)uticks, (unsigned long long)sticks, (unsigned long long)cuticks,
		(unsigned long long)csticks, prio, nice, nr_live_threads(p),
		(unsigned long long)start, (unsigned long long)vsize, (unsigned long long)rss,
		cpu, rtp, policy, p->state == PROC_ZOMBIE ? p->exit_status : 0);
	spin_unlock_irqrestore(&proc_lock, f);
	return n < (int)size ? n : (int)size - 1;
}

int proc_read_status(int pid, int tid, char *buf, size_t size)
{
	u64 vsize, rss;
	vm_figures(pid, &vsize, &rss);
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct uthread *ut;
	struct process *p = find_target(pid, tid, &ut);
	if (!p) {
		spin_unlock_irqrestore(&proc_lock, f);
		return -ENOENT;
	}
	/* the process: its state and the main thread's (tid == pid) mask and
	 * pending set; one thread: that thread's */
	char st[2];
	struct uthread *sut = ut ? ut : live_thread(p, p->pid);
	if (ut)
		thread_state_char(p, ut, st);
	else
		proc_state_char(p, st);
	u64 blocked = sut ? sut->blocked : 0;
	u64 pend = p->shared_pending | (sut ? sut->pending : 0);
	int n = snprintf(buf, size,
		"Name:\t%s\nUmask:\t0022\nState:\t%s (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
		"TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n"
		"VmSize:\t%8llu kB\nVmRSS:\t%8llu kB\nThreads:\t%d\nSigPnd:\t%016llx\nShdPnd:\t%016llx\n"
		"SigBlk:\t%016llx\n",
		ut ? ut->t->name : p->comm, st, state_word(st[0]), p->pid, ut ? tid : p->pid,
		p->parent ? p->parent->pid : 0,
		(unsigned long long)(vsize >> 10), (unsigned long long)(rss * PAGE_KB), nr_live_threads(p),
		(unsigned long long)pend, (unsigned long long)p->shared_pending, (unsigned long long)blocked);
	spin_unlock_irqrestore(&proc_lock, f);
	return n < (int)size ? n : (int)size - 1;
}

int proc_read_cmdline(int pid, int tid, char *buf, size_t size)
{
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct uthread *ut;
	struct process *p = find_target(pid, tid, &ut);
	if (!p) {
		spin_unlock_irqrestore(&proc_lock, f);
		return -ENOENT;
	}
	/* a zombie has no command line (Linux: empty) */
	size_t n = p->state == PROC_ZOMBIE ? 0 : p->cmdline_len;
	if (n > size)
		n = size;
	memcpy(buf, p->cmdline, n);
	spin_unlock_irqrestore(&proc_lock, f);
	return (int)n;
}

int proc_read_comm(int pid, int tid, char *buf, size_t size)
{
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct uthread *ut;
	struct process *p = find_target(pid, tid, &ut);
	int n = p ? snprintf(buf, size, "%s\n", ut ? ut->t->name : p->comm) : -ENOENT;
	spin_unlock_irqrestore(&proc_lock, f);
	if (n >= (int)size)
		n = (int)size - 1;
	return n;
}
