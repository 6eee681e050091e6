/* process.c — processes: creation (fork, vfork, clone and threads, spawn
 * from the kernel), execve, exit and exit_group, wait4/waitid and reaping,
 * ids (pid = tid of the first thread, process groups, sessions),
 * credentials (root only) and resource limits.
 *
 * A user thread is a kernel thread (kthread_create) whose entry function
 * waits until its creator has filled in its uthread (go), then enters user
 * mode through arch_enter_user with the start frame (a copy of the
 * parent's registers with rax = 0 for fork/clone, the ELF entry for a
 * spawn). Struct threads of a process are joined (freed) when the process
 * is reaped, or earlier by a later clone of the same process.
 *
 * Exit: the last thread of a process to exit releases the fd table, the fs
 * context and the address space (after switching to the kernel's page
 * tables), turns the process into a zombie holding its wait status,
 * reparents its children (to init, or to the kernel with autoreap), and
 * notifies the parent (SIGCHLD, child_wq). A zombie is reaped by wait4 /
 * waitid, by proc_wait_kernel (processes the kernel started), or by the
 * "kreaper" kernel thread (orphans of the kernel).
 *
 * execve (seL4's rule: check everything, then commit in code that cannot
 * fail): the arguments are copied in, the file opened, a NEW address space
 * loaded and its stack built; only then are the other threads killed and
 * the new space installed; a failure before leaves the caller unchanged.
 *
 * Locking: proc_lock (internal.h) for the tree, ids, thread lists and exit
 * state; released around everything that sleeps. */
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/mm.h>
#include <rayos/panic.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/sync.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>
#include <rayos/uvm.h>
#include <rayos/vfs.h>
#include "internal.h"

spinlock_t proc_lock = SPINLOCK_INIT;
struct process kproc;
struct list_head proc_all = LIST_HEAD_INIT(proc_all);

static struct kmem_cache *uthread_cache;
static struct process *init_proc;       /* init=, or NULL */
static struct wait_queue start_wq = WAIT_QUEUE_INIT(start_wq);
static struct wait_queue exit_wq = WAIT_QUEUE_INIT(exit_wq); /* a thread ended */
static int nr_user_threads;             /* proc_lock */
static u64 nproc_default;
static struct metric m_processes;
static struct metric_family fam_processes = { .name = "rayos_processes",
	.help = "Processes that exist (running, sleeping, stopped or zombie).", .type = METRIC_GAUGE };

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_PIDFD 0x1000
#define CLONE_PTRACE 0x2000
#define CLONE_VFORK 0x4000
#define CLONE_PARENT 0x8000
#define CLONE_THREAD 0x10000
#define CLONE_NEWNS 0x20000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_DETACHED 0x400000
#define CLONE_UNTRACED 0x800000
#define CLONE_CHILD_SETTID 0x1000000
#define CLONE_SUPPORTED (0xff | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | \
			 CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
			 CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_PTRACE)

#define WNOHANG 1
#define WUNTRACED 2
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000
#define WALLFLAGS 0xe0000000u /* __WNOTHREAD, __WALL, __WCLONE: accepted */

/* ---- accessors (proc.h) ---- */

struct process *current_process(void) { return current_thread()->proc; }
struct uvm *current_uvm(void) { return current_thread()->uvm; }
struct files *current_files(void)
{
	struct process *p = current_process();
	return p ? p->files : NULL;
}
struct fs_ctx *current_fs(void)
{
	struct process *p = current_process();
	return p ? p->fs : NULL;
}
int proc_pid(void)
{
	struct process *p = current_process();
	return p ? p->pid : 0;
}
u64 proc_nofile_limit(void)
{
	struct process *p = current_process();
	return p ? READ_ONCE(p->rlim[RLIMIT_NOFILE].cur) : ~0ULL;
}

int proc_pid_of(const struct process *p) { return p ? p->pid : 0; }

int proc_pgid(void)
{
	struct process *p = current_process();
	return p ? p->pgid : 0;
}

struct process *proc_find(int pid)
{
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all);
		if (p->pid == pid && p->state != PROC_REAPED)
			return p;
	}
	return NULL;
}

struct uthread *uthread_find(int tgid, u32 tid, struct process **pp)
{
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all);
		if (tgid > 0 && p->pid != tgid)
			continue;
		struct list_head *tp;
		list_for_each(tp, &p->threads) {
			struct uthread *ut = list_entry(tp, struct uthread, node);
			if (ut->t->tid == tid && !ut->dead) {
				*pp = p;
				return ut;
			}
		}
	}
	return NULL;
}

int proc_count(void)
{
	int n = 0;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct list_head *pos;
	list_for_each(pos, &proc_all)
		n++;
	spin_unlock_irqrestore(&proc_lock, f);
	return n;
}

static s64 read_processes(const struct metric *m)
{
	(void)m;
	return proc_count();
}

int proc_nr_user_threads(void) { return READ_ONCE(nr_user_threads); }

u64 proc_cpu_ns(struct process *p)
{
	u64 ns = p->dead_exec_ns;
	struct list_head *pos;
	list_for_each(pos, &p->threads) {
		struct uthread *ut = list_entry(pos, struct uthread, node);
		if (!ut->dead)
			ns += READ_ONCE(ut->t->sum_exec);
	}
	return ns;
}

/* ---- allocation ---- */

static void set_default_limits(struct process *p)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlim[i].cur = p->rlim[i].max = RLIM_INFINITY;
	p->rlim[4].cur = 0;                        /* RLIMIT_CORE: no core files */
	p->rlim[RLIMIT_STACK].cur = 8ULL << 20;    /* Linux's _STK_LIM */
	p->rlim[RLIMIT_NOFILE].cur = 1024;         /* Linux's INR_OPEN_CUR */
	p->rlim[RLIMIT_NOFILE].max = 4096;         /* INR_OPEN_MAX */
	p->rlim[RLIMIT_NPROC].cur = p->rlim[RLIMIT_NPROC].max = nproc_default;
	p->rlim[8].cur = p->rlim[8].max = 8ULL << 20; /* RLIMIT_MEMLOCK */
	p->rlim[13].cur = p->rlim[13].max = 0;     /* RLIMIT_NICE */
	p->rlim[14].cur = p->rlim[14].max = 0;     /* RLIMIT_RTPRIO */
}

static struct process *process_alloc(void)
{
	struct process *p = kmalloc(sizeof(*p), GFP_KERNEL | GFP_ZERO);
	if (!p)
		return NULL;
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->threads);
	list_init(&p->all);
	wait_queue_init(&p->child_wq);
	p->start_ns = clock_monotonic_ns();
	return p;
}

static struct uthread *uthread_alloc(void)
{
	struct uthread *ut = kmem_cache_alloc(uthread_cache, GFP_KERNEL | GFP_ZERO);
	if (ut)
		list_init(&ut->node);
	return ut;
}

static void comm_from_path(char *comm, const char *path)
{
	const char *b = path;
	for (const char *s = path; *s; s++)
		if (*s == '/' && s[1])
			b = s + 1;
	strlcpy(comm, b, 16);
	char *slash = strchr(comm, '/');
	if (slash)
		*slash = 0;
}

/* ---- thread start ---- */

struct spawn_req {
	const struct proc_spawn *a;
	int result;
	struct completion done;
};

static int exec_kernel(const char *path, const char *const *argv, const char *const *envp,
		       struct trap_frame *f);

static int uthread_entry(void *arg)
{
	struct uthread *ut = arg;
	wait_event(start_wq, READ_ONCE(ut->go));
	struct thread *t = current_thread();
	uvm_activate(t->uvm);
	struct spawn_req *req = ut->spawn;
	if (req) {
		/* a spawn: load the program into this (empty) process */
		const struct proc_spawn *a = req->a;
		ut->spawn = NULL;
		int r;
		if (a->path) {
			static const char *const envp_default[] = { "HOME=/", "PATH=/bin:/sbin:/usr/bin:/usr/sbin",
				"TERM=vt100", NULL };
			const char *argv0[] = { a->path, NULL };
			r = exec_kernel(a->path, a->argv ? a->argv : argv0, a->envp ? a->envp : envp_default,
					&ut->start);
		} else {
			u64 entry = 0, sp = 0;
			r = a->setup(t->uvm, a->ctx, &entry, &sp);
			if (!r)
				arch_user_frame_init(&ut->start, entry, sp);
		}
		req->result = r;
		complete(&req->done); /* req is gone after this */
		if (r) {
			irqflags_t f = spin_lock_irqsave(&proc_lock);
			ut->p->group_exit = true;
			ut->p->exit_status = 127 << 8;
			spin_unlock_irqrestore(&proc_lock, f);
			proc_exit_thread();
		}
		arch_fpu_reset();
	} else {
		arch_fpu_restore(ut->fpu);
	}
	if (ut->set_tls) {
		arch_set_user_fs(t, ut->tls);
		arch_set_user_gs(t, ut->user_gs);
	}
	arch_enter_user(&ut->start);
}

/* Start a prepared thread: it runs once go is set. */
static void uthread_go(struct uthread *ut)
{
	WRITE_ONCE(ut->go, true);
	wake_up_all(&start_wq);
}

static void inherit_sched(struct thread *child, struct thread *parent)
{
	if (parent->policy == SCHED_FIFO || parent->policy == SCHED_RR)
		thread_set_rt(child, parent->policy, parent->rt_prio);
	else if (parent->nice)
		thread_set_nice(child, parent->nice);
}

/* Join and free the uthreads of p that have ended (all of them when p is
 * reaped). Called without proc_lock. */
static void join_dead_threads(struct process *p, bool all)
{
	for (;;) {
		struct uthread *victim = NULL;
		irqflags_t f = spin_lock_irqsave(&proc_lock);
		struct list_head *pos;
		list_for_each(pos, &p->threads) {
			struct uthread *ut = list_entry(pos, struct uthread, node);
			if (ut->dead && (all || ut->t->tid != (u32)p->pid)) {
				victim = ut;
				list_del(&ut->node);
				break;
			}
		}
		spin_unlock_irqrestore(&proc_lock, f);
		if (!victim)
			return;
		thread_join(victim->t, NULL);
		kmem_cache_free(uthread_cache, victim);
	}
}

/* ---- clone / fork / vfork ---- */

static long do_clone(u64 flags, u64 newsp, u64 ptid, u64 ctid, u64 tls)
{
	struct thread *pt = current_thread();
	struct uthread *put = pt->uthread;
	struct process *parent = pt->proc;
	if (!parent)
		return -EINVAL;
	if (flags & ~(u64)CLONE_SUPPORTED)
		return -EINVAL;
	int exit_sig = flags & 0xff;
	if (exit_sig > NSIG)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	/* the child loads tls into MSR_FS_BASE: a non-canonical value would
	 * #GP in the kernel (Linux: -EPERM, as arch_prctl(ARCH_SET_FS)) */
	if ((flags & CLONE_SETTLS) && tls >= USER_TOP)
		return -EPERM;
	bool thread = flags & CLONE_THREAD;
	join_dead_threads(parent, false);

	irqflags_t f = spin_lock_irqsave(&proc_lock);
	bool over = (u64)nr_user_threads >= parent->rlim[RLIMIT_NPROC].cur;
	if (!over)
		nr_user_threads++;
	spin_unlock_irqrestore(&proc_lock, f);
	if (over)
		return -EAGAIN;

	long r = -ENOMEM;
	struct uthread *ut = uthread_alloc();
	struct process *p = thread ? parent : process_alloc();
	struct uvm *vm = NULL;
	struct files *files = NULL;
	struct fs_ctx *fs = NULL;
	struct sighand *sh = NULL;
	if (!ut || !p)
		goto fail;
	if (!thread) {
		if (flags & CLONE_VM) {
			vm = parent->uvm;
			uvm_get(vm);
		} else if (!(vm = uvm_clone(parent->uvm))) {
			goto fail;
		}
		if (flags & CLONE_FILES) {
			files = parent->files;
			if (files)
				files_get(files);
		} else if (parent->files && !(files = files_clone(parent->files))) {
			goto fail;
		}
		if (flags & CLONE_FS) {
			fs = parent->fs;
			if (fs)
				fs_ctx_get(fs);
		} else if (parent->fs && !(fs = fs_ctx_clone(parent->fs))) {
			goto fail;
		}
		if (!(flags & CLONE_SIGHAND)) {
			sh = kmalloc(sizeof(*sh), GFP_KERNEL);
			if (!sh)
				goto fail;
		}
	}
	/* the registers the child starts with */
	struct trap_frame *regs = arch_user_regs(pt);
	ut->start = *regs;
	ut->start.rax = 0;
	ut->start.vector = 0;
	if (newsp)
		ut->start.rsp = newsp;
	arch_fpu_save(ut->fpu);
	/* the child loads its FS and GS bases itself (uthread_entry): set
	 * from here, they would reach only its saved context, and a child
	 * already on a CPU (waiting for go) would enter user mode with the
	 * MSR value loaded when it was switched in */
	ut->set_tls = true;
	ut->tls = (flags & CLONE_SETTLS) ? tls : arch_get_user_fs(pt);
	ut->user_gs = arch_get_user_gs(pt);
	if (flags & CLONE_CHILD_CLEARTID)
		ut->clear_child_tid = ctid;
	struct completion vfork_done;
	if (flags & CLONE_VFORK) {
		completion_init(&vfork_done);
		ut->vfork_done = &vfork_done;
	}

	struct thread *t = kthread_create_on(uthread_entry, ut, thread ? pt->name : parent->comm, pt->affinity);
	if (!t)
		goto fail;
	inherit_sched(t, pt);
	ut->t = t;
	ut->p = p;
	int tid = (int)t->tid;
	/* user-visible writes before the child can run: failures are ignored
	 * as Linux does (the ids are also the return value) */
	if (flags & CLONE_PARENT_SETTID)
		put_user_u32((u32 __user *)ptid, (u32)tid);
	if ((flags & CLONE_CHILD_SETTID) && (flags & CLONE_VM)) {
		put_user_u32((u32 __user *)ctid, (u32)tid);
	} else if ((flags & CLONE_CHILD_SETTID) && vm) {
		u32 v = (u32)tid; /* in the child's own copy (Linux: set_child_tid) */
		uvm_write(vm, ctid, &v, sizeof(v));
	}

	f = spin_lock_irqsave(&proc_lock);
	ut->blocked = put->blocked;
	if (thread) {
		if (parent->group_exit) { /* exiting: the new thread ends at once */
			ut->killed = true;
		}
	} else {
		p->pid = tid;
		p->pgid = parent->pgid;
		p->sid = parent->sid;
		memcpy(p->comm, parent->comm, sizeof(p->comm));
		memcpy(p->cmdline, parent->cmdline, sizeof(p->cmdline));
		p->cmdline_len = parent->cmdline_len;
		p->uvm = vm;
		p->files = files;
		p->fs = fs;
		memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
		if (sh) {
			*sh = *parent->sighand;
			sh->refs = 1;
			p->sighand = sh;
		} else {
			p->sighand = parent->sighand;
			p->sighand->refs++;
		}
		p->exit_signal = exit_sig;
		struct process *pp = (flags & CLONE_PARENT) && parent->parent ? parent->parent : parent;
		p->parent = pp;
		WRITE_ONCE(p->ppid, pp->pid);
		list_add_tail(&p->sibling, &pp->children);
		list_add_tail(&p->all, &proc_all);
	}
	list_add_tail(&ut->node, &p->threads);
	p->nr_live++;
	t->proc = p;
	t->uvm = p->uvm;
	t->uthread = ut;
	spin_unlock_irqrestore(&proc_lock, f);
	uthread_go(ut);
	if (flags & CLONE_VFORK)
		wait_for_completion(&vfork_done);
	return tid;

fail:
	if (vm)
		uvm_put(vm);
	if (files)
		files_put(files);
	if (fs)
		fs_ctx_put(fs);
	kfree(sh);
	if (p && p != parent)
		kfree(p);
	if (ut)
		kmem_cache_free(uthread_cache, ut);
	f = spin_lock_irqsave(&proc_lock);
	nr_user_threads--;
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}

static long sys_fork(void) { return do_clone(SIGCHLD, 0, 0, 0, 0); }
static long sys_vfork(void) { return do_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0); }
static long sys_clone(u64 flags, u64 newsp, u64 ptid, u64 ctid, u64 tls)
{
	return do_clone(flags, newsp, ptid, ctid, tls);
}
SYSCALL(fork, sys_fork);
SYSCALL(vfork, sys_vfork);
SYSCALL(clone, sys_clone);

/* ---- spawn from the kernel ---- */

int proc_spawn(const struct proc_spawn *a)
{
	if (!a || (!a->path == !a->setup))
		return -EINVAL;
	struct uthread *ut = uthread_alloc();
	struct process *p = process_alloc();
	struct sighand *sh = kmalloc(sizeof(*sh), GFP_KERNEL | GFP_ZERO);
	struct uvm *vm = a->setup ? uvm_create() : NULL;
	struct files *files = files_create();
	struct fs_ctx *fs = fs_ctx_create();
	int r = -ENOMEM;
	if (!ut || !p || !sh || (a->setup && !vm) || !files || !fs)
		goto fail;
	if (a->console && (r = files_open_console(files)) < 0)
		goto fail;
	const char *name = a->path ? a->path : a->name ? a->name : "user";
	struct thread *t = kthread_create(uthread_entry, ut, name);
	r = -ENOMEM;
	if (!t)
		goto fail;
	struct spawn_req req = { .a = a, .result = 0 };
	completion_init(&req.done);
	ut->spawn = &req;
	ut->t = t;
	ut->p = p;
	sh->refs = 1;
	p->sighand = sh;
	p->uvm = vm;
	p->files = files;
	p->fs = fs;
	set_default_limits(p);
	comm_from_path(p->comm, name);
	p->cmdline_len = (u32)strlcpy(p->cmdline, name, sizeof(p->cmdline)) + 1;
	if (p->cmdline_len > sizeof(p->cmdline))
		p->cmdline_len = sizeof(p->cmdline);

	irqflags_t f = spin_lock_irqsave(&proc_lock);
	nr_user_threads++;
	/* init is pid 1 (busybox init insists); its thread keeps its tid */
	p->pid = a->init ? 1 : (int)t->tid;
	p->pgid = a->foreground || a->init ? p->pid : 0;
	p->sid = a->foreground || a->init ? p->pid : 0;
	p->exit_signal = SIGCHLD;
	p->parent = &kproc;
	p->ppid = 0;
	list_add_tail(&p->sibling, &kproc.children);
	list_add_tail(&p->all, &proc_all);
	list_add_tail(&ut->node, &p->threads);
	p->nr_live = 1;
	if (a->init) {
		init_proc = p;
		p->unkillable = true;
	}
	t->proc = p;
	t->uvm = vm;
	t->uthread = ut;
	spin_unlock_irqrestore(&proc_lock, f);
	if (a->foreground)
		tty_set_foreground(p->pid);
	int pid = p->pid;
	uthread_go(ut);
	wait_for_completion(&req.done);
	if (req.result) {
		int st;
		proc_wait_kernel(pid, &st, 0);
		return req.result;
	}
	return pid;

fail:
	if (vm)
		uvm_put(vm);
	if (files)
		files_put(files);
	if (fs)
		fs_ctx_put(fs);
	kfree(sh);
	kfree(p);
	if (ut)
		kmem_cache_free(uthread_cache, ut);
	return r;
}

/* ---- execve ---- */

#define ARG_MAX_BYTES (256 * 1024)
#define ARG_MAX_COUNT 8192

struct argbuf {
	char *buf;
	size_t used;
	const char **argv, **envp;
};

static void argbuf_free(struct argbuf *ab)
{
	kfree(ab->buf);
	kfree(ab->argv);
	kfree(ab->envp);
}

/* Copy a user string vector into ab->buf; *out gets a NULL-terminated
 * array of kernel pointers. */
static int copy_strings(struct argbuf *ab, u64 uvec, const char ***out)
{
	size_t n = 0;
	if (uvec) {
		for (;; n++) {
			u64 p;
			if (n >= ARG_MAX_COUNT)
				return -E2BIG;
			if (get_user_u64(&p, (const u64 __user *)(uvec + n * 8)))
				return -EFAULT;
			if (!p)
				break;
		}
	}
	const char **v = kmalloc((n + 1) * sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	*out = v;
	for (size_t i = 0; i < n; i++) {
		u64 p;
		if (get_user_u64(&p, (const u64 __user *)(uvec + i * 8)))
			return -EFAULT;
		long len = strncpy_from_user(ab->buf + ab->used, (const char __user *)p,
					     ARG_MAX_BYTES - ab->used);
		if (len == -ENAMETOOLONG)
			return -E2BIG;
		if (len < 0)
			return (int)len;
		v[i] = ab->buf + ab->used;
		ab->used += (size_t)len + 1;
	}
	v[n] = NULL;
	return 0;
}

void proc_kill_threads(struct process *p, struct uthread *except)
{
	struct list_head *pos;
	list_for_each(pos, &p->threads) {
		struct uthread *ut = list_entry(pos, struct uthread, node);
		if (ut != except && !ut->dead) {
			ut->killed = true;
			if (!thread_wake(ut->t))
				thread_kick(ut->t); /* running user code */
		}
	}
}

/* Kill every other thread of the current process and wait until they have
 * ended; false if the caller itself was killed meanwhile. */
static bool kill_other_threads(void)
{
	struct uthread *me = current_uthread();
	struct process *p = me->p;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	proc_kill_threads(p, me);
	spin_unlock_irqrestore(&proc_lock, f);
	wait_event(exit_wq, READ_ONCE(p->nr_live) == 1 || READ_ONCE(me->killed));
	return !READ_ONCE(me->killed);
}

static void set_cmdline(struct process *p, const char *const *argv)
{
	u32 n = 0;
	for (size_t i = 0; argv[i] && n < sizeof(p->cmdline); i++) {
		size_t l = strlen(argv[i]) + 1;
		if (l > sizeof(p->cmdline) - n)
			l = sizeof(p->cmdline) - n;
		memcpy(p->cmdline + n, argv[i], l);
		n += (u32)l;
	}
	if (n == sizeof(p->cmdline))
		p->cmdline[n - 1] = 0;
	p->cmdline_len = n;
}

/* Load path into a new address space and, when nothing can fail any more,
 * make it the current process's: the frame f starts the program. */
static int exec_kernel(const char *path, const char *const *argv, const char *const *envp,
		       struct trap_frame *f)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	struct file *file;
	int r = vfs_open_exec(path, &file);
	if (r)
		return r;
	struct uvm *vm = uvm_create();
	if (!vm) {
		file_put(file);
		return -ENOMEM;
	}
	struct elf_info ei;
	r = elf_load(vm, file, &ei);
	file_put(file);
	u64 sp = 0;
	if (!r)
		r = uvm_setup_stack(vm, argv, envp, path, &ei, &sp);
	if (r) {
		uvm_put(vm);
		return r;
	}
	if (!kill_other_threads()) {
		uvm_put(vm);
		return -EINTR; /* killed: the return to user mode ends us */
	}
	/* the point of no return */
	struct uvm *old = p->uvm;
	irqflags_t fl = spin_lock_irqsave(&proc_lock);
	p->uvm = vm;
	t->uvm = vm;
	comm_from_path(p->comm, path);
	strlcpy(t->name, p->comm, sizeof(t->name));
	set_cmdline(p, argv);
	p->exec_entry = ei.entry;
	signal_exec_reset(p);
	struct uthread *ut = t->uthread;
	ut->alt_sp = ut->alt_size = 0;
	ut->alt_flags = 2; /* SS_DISABLE */
	struct completion *vd = ut->vfork_done;
	ut->vfork_done = NULL;
	spin_unlock_irqrestore(&proc_lock, fl);
	uvm_activate(vm);
	if (old)
		uvm_put(old);
	if (vd)
		complete(vd);
	if (p->files)
		files_close_on_exec(p->files);
	arch_set_user_fs(t, 0);
	arch_set_user_gs(t, 0);
	arch_fpu_reset();
	arch_user_frame_init(f, ei.entry, sp);
	return 0;
}

static long sys_execve(u64 upath, u64 uargv, u64 uenvp)
{
	struct argbuf ab = { 0 };
	char *path = kmalloc(4096, GFP_KERNEL);
	ab.buf = kmalloc(ARG_MAX_BYTES, GFP_KERNEL);
	long r = -ENOMEM;
	if (!path || !ab.buf)
		goto out;
	r = strncpy_from_user(path, (const char __user *)upath, 4096);
	if (r < 0)
		goto out;
	if ((r = copy_strings(&ab, uargv, &ab.argv)) || (r = copy_strings(&ab, uenvp, &ab.envp)))
		goto out;
	struct trap_frame *f = arch_user_regs(current_thread());
	r = exec_kernel(path, ab.argv, ab.envp, f);
out:
	kfree(path);
	argbuf_free(&ab);
	return r;
}
SYSCALL(execve, sys_execve);

/* ---- exit ---- */

static void release_process_resources(struct process *p)
{
	struct files *files = p->files;
	struct fs_ctx *fs = p->fs;
	struct uvm *vm = p->uvm;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	p->files = NULL;
	p->fs = NULL;
	p->uvm = NULL;
	current_thread()->uvm = NULL;
	spin_unlock_irqrestore(&proc_lock, f);
	if (files)
		files_put(files);
	if (fs)
		fs_ctx_put(fs);
	uvm_activate(NULL);
	if (vm)
		uvm_put(vm);
}

/* proc_lock held: p's children go to init, or to the kernel (autoreap). */
static void reparent_children(struct process *p)
{
	struct process *np = init_proc && init_proc != p && init_proc->state == PROC_ALIVE ? init_proc : &kproc;
	while (!list_empty(&p->children)) {
		struct process *c = list_first_entry(&p->children, struct process, sibling);
		list_del(&c->sibling);
		c->parent = np;
		WRITE_ONCE(c->ppid, np->pid);
		c->autoreap = np == &kproc;
		list_add_tail(&c->sibling, &np->children);
		if (c->state == PROC_ZOMBIE)
			wake_up_all(&np->child_wq);
	}
	if (init_proc == p)
		init_proc = NULL;
}

void proc_exit_thread(void)
{
	struct thread *t = current_thread();
	struct uthread *ut = t->uthread;
	struct process *p = ut->p;
	if (ut->robust_list && t->uvm)
		futex_exit_robust(ut);
	if (ut->clear_child_tid && t->uvm) {
		if (!put_user_u32((u32 __user *)ut->clear_child_tid, 0))
			futex_wake_addr(t->uvm, ut->clear_child_tid, 1);
	}
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	ut->dead = true;
	p->dead_exec_ns += t->sum_exec;
	p->dead_user_cycles += ut->user_cycles;
	bool last = --p->nr_live == 0;
	nr_user_threads--;
	struct completion *vd = ut->vfork_done;
	ut->vfork_done = NULL;
	spin_unlock_irqrestore(&proc_lock, f);
	if (vd)
		complete(vd);
	if (last) {
		itimer_exit(p);
		release_process_resources(p);
		f = spin_lock_irqsave(&proc_lock);
		if (!p->group_exit)
			p->exit_status = (p->exit_status & 0xff) << 8;
		p->state = PROC_ZOMBIE;
		p->stopped = false;
		reparent_children(p);
		struct process *pp = p->parent;
		if (pp != &kproc && pp->sighand &&
		    (pp->sighand->act[SIGCHLD].handler == SIG_IGN ||
		     (pp->sighand->act[SIGCHLD].flags & SA_NOCLDWAIT))) {
			/* the parent does not want zombies (POSIX: SIGCHLD
			 * ignored or SA_NOCLDWAIT): the kernel reaps it */
			list_del(&p->sibling);
			p->parent = &kproc;
			WRITE_ONCE(p->ppid, 0);
			p->autoreap = true;
			list_add_tail(&p->sibling, &kproc.children);
			wake_up_all(&kproc.child_wq);
			wake_up_all(&pp->child_wq);
		} else {
			signal_notify_parent(p, 0, p->exit_status);
		}
		spin_unlock_irqrestore(&proc_lock, f);
	} else {
		t->uvm = NULL;
		uvm_activate(NULL);
	}
	wake_up_all(&exit_wq);
	thread_exit(0);
}

void proc_exit_group(int status)
{
	struct uthread *me = current_uthread();
	struct process *p = me->p;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	if (!p->group_exit) {
		p->group_exit = true;
		p->exit_status = status;
		proc_kill_threads(p, me);
	}
	spin_unlock_irqrestore(&proc_lock, f);
	proc_exit_thread();
}

static long sys_exit(u64 code)
{
	struct process *p = current_process();
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	/* the status of the last thread to exit (when nobody called exit_group) */
	if (!p->group_exit)
		p->exit_status = (int)(code & 0xff);
	spin_unlock_irqrestore(&proc_lock, f);
	proc_exit_thread();
}

static long sys_exit_group(u64 code)
{
	proc_exit_group((int)((code & 0xff) << 8));
}
SYSCALL(exit, sys_exit);
SYSCALL(exit_group, sys_exit_group);

/* ---- wait ---- */

struct wait_result {
	int pid, status, code, si_status;
	u64 cpu_ns, user_ns;
};

/* proc_lock held: does child c match the wait4 pid argument? */
static bool wait_matches(struct process *self, struct process *c, int pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == -1)
		return true;
	if (pid == 0)
		return c->pgid == self->pgid;
	return c->pgid == -pid;
}

static void reap(struct process *c)
{
	/* proc_lock not held; c is off every list. The handlers live until
	 * here: signal_send may look at a zombie's or an exiting process's. */
	join_dead_threads(c, true);
	struct sighand *sh = NULL;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	if (c->sighand && --c->sighand->refs == 0)
		sh = c->sighand;
	c->sighand = NULL;
	spin_unlock_irqrestore(&proc_lock, f);
	kfree(sh);
	kfree(c);
}

/* The core of wait4 and waitid for parent self. Returns the pid, 0
 * (WNOHANG, nothing yet), -ECHILD or -EINTR. */
static long do_wait(struct process *self, int pid, int options, struct wait_result *res, u64 timeout_ns)
{
	struct waiter w = { 0 };
	long r;
	u64 deadline = timeout_ns ? clock_monotonic_ns() + timeout_ns : 0;
	struct uthread *ut = current_uthread();
	for (;;) {
		wait_prepare(&self->child_wq, &w);
		struct process *found = NULL;
		bool any = false;
		irqflags_t f = spin_lock_irqsave(&proc_lock);
		struct list_head *pos;
		list_for_each(pos, &self->children) {
			struct process *c = list_entry(pos, struct process, sibling);
			if (!wait_matches(self, c, pid))
				continue;
			any = true;
			if (c->state == PROC_ZOMBIE && (options & WEXITED)) {
				found = c;
				res->pid = c->pid;
				res->status = c->exit_status;
				res->cpu_ns = proc_cpu_ns(c) + c->child_exec_ns;
				res->user_ns = proc_user_ns(c) + c->child_user_ns;
				if ((c->exit_status & 0x7f) == 0) {
					res->code = CLD_EXITED;
					res->si_status = (c->exit_status >> 8) & 0xff;
				} else {
					res->code = c->exit_status & 0x80 ? CLD_DUMPED : CLD_KILLED;
					res->si_status = c->exit_status & 0x7f;
				}
				if (!(options & WNOWAIT)) {
					list_del(&c->sibling);
					list_del(&c->all);
					c->state = PROC_REAPED;
					self->child_exec_ns += res->cpu_ns;
					self->child_user_ns += res->user_ns;
				}
				break;
			}
			if (c->report && ((c->report == 0xffff && (options & WCONTINUED)) ||
					  (c->report != 0xffff && (options & WUNTRACED)))) {
				res->pid = c->pid;
				res->status = c->report;
				res->code = c->report == 0xffff ? CLD_CONTINUED : CLD_STOPPED;
				res->si_status = c->report == 0xffff ? SIGCONT : (c->report >> 8) & 0xff;
				res->cpu_ns = proc_cpu_ns(c);
				res->user_ns = proc_user_ns(c);
				if (!(options & WNOWAIT))
					c->report = 0;
				found = c;
				break;
			}
		}
		spin_unlock_irqrestore(&proc_lock, f);
		if (found) {
			r = res->pid;
			if (found->state == PROC_REAPED) {
				wait_finish(&self->child_wq, &w);
				reap(found);
				return r;
			}
			break;
		}
		if (!any) {
			r = -ECHILD;
			break;
		}
		if (options & WNOHANG) {
			r = 0;
			break;
		}
		if (ut && signal_pending()) {
			r = -EINTR;
			break;
		}
		if (deadline) {
			u64 now = clock_monotonic_ns();
			if (now >= deadline) {
				r = -ETIMEDOUT;
				break;
			}
			timer_arm(&current_thread()->sleep_timer, deadline);
		}
		schedule();
		if (deadline)
			timer_cancel(&current_thread()->sleep_timer);
	}
	wait_finish(&self->child_wq, &w);
	return r;
}

void proc_fill_rusage(u64 *ru, u64 cpu_ns, u64 user_ns)
{
	for (int i = 0; i < 18; i++)
		ru[i] = 0;
	if (user_ns > cpu_ns)
		user_ns = cpu_ns;
	u64 sys = cpu_ns - user_ns;
	ru[0] = user_ns / NSEC_PER_SEC;             /* ru_utime */
	ru[1] = (user_ns % NSEC_PER_SEC) / 1000;
	ru[2] = sys / NSEC_PER_SEC;                 /* ru_stime */
	ru[3] = (sys % NSEC_PER_SEC) / 1000;
}

/* 0 or -EFAULT (the child is reaped either way, as on Linux) */
static int fill_rusage(u64 urusage, u64 cpu_ns, u64 user_ns)
{
	if (!urusage)
		return 0;
	u64 ru[18];
	proc_fill_rusage(ru, cpu_ns, user_ns);
	return copy_to_user((void __user *)urusage, ru, sizeof(ru)) ? -EFAULT : 0;
}

static long sys_wait4(u64 pid, u64 ustatus, u64 options, u64 urusage)
{
	if (options & ~(u64)(WNOHANG | WUNTRACED | WCONTINUED | WALLFLAGS))
		return -EINVAL;
	if ((int)pid == -2147483647 - 1)
		return -ESRCH;
	struct wait_result res = { 0 };
	long r = do_wait(current_process(), (int)pid, (int)options | WEXITED, &res, 0);
	if (r > 0) {
		if (ustatus && put_user_u32((u32 __user *)ustatus, (u32)res.status))
			return -EFAULT;
		if (fill_rusage(urusage, res.cpu_ns, res.user_ns))
			return -EFAULT;
	}
	return r;
}
SYSCALL(wait4, sys_wait4);

static long sys_waitid(u64 idtype, u64 id, u64 uinfo, u64 options, u64 urusage)
{
	int pid;
	if (options & ~(u64)(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | WALLFLAGS))
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	switch (idtype) {
	case 0: pid = -1; break;                       /* P_ALL */
	case 1: if ((int)id <= 0) return -EINVAL; pid = (int)id; break; /* P_PID */
	case 2: if ((int)id < 0) return -EINVAL; pid = id ? -(int)id : 0; break; /* P_PGID */
	default: return -EINVAL;
	}
	struct wait_result res = { 0 };
	long r = do_wait(current_process(), pid, (int)options, &res, 0);
	if (r < 0)
		return r;
	if (r > 0 && fill_rusage(urusage, res.cpu_ns, res.user_ns))
		return -EFAULT; /* Linux writes the rusage before the siginfo */
	if (uinfo) {
		u8 si[128] = { 0 };
		int v[2];
		if (r > 0) {
			v[0] = SIGCHLD;
			memcpy(si, v, 4);
			memcpy(si + 8, &res.code, 4);
			memcpy(si + 16, &res.pid, 4);
			memcpy(si + 24, &res.si_status, 4);
		}
		if (copy_to_user((void __user *)uinfo, si, sizeof(si)))
			return -EFAULT;
	}
	return 0;
}
SYSCALL(waitid, sys_waitid);

static int wait_kernel(int pid, int options, int *status, u64 timeout_ns)
{
	struct wait_result res = { 0 };
	long r = do_wait(&kproc, pid, options, &res, timeout_ns);
	if (r < 0)
		return (int)r;
	if (status)
		*status = res.status;
	return 0;
}

int proc_wait_kernel(int pid, int *status, u64 timeout_ns)
{
	return wait_kernel(pid, WEXITED, status, timeout_ns);
}

int proc_wait_kernel_stopped(int pid, int *status, u64 timeout_ns)
{
	return wait_kernel(pid, WEXITED | WUNTRACED, status, timeout_ns);
}

void proc_disown(int pid)
{
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct process *p = proc_find(pid);
	if (p && p->parent == &kproc) {
		p->autoreap = true;
		if (p->state == PROC_ZOMBIE)
			wake_up_all(&kproc.child_wq);
	}
	spin_unlock_irqrestore(&proc_lock, f);
}

/* The kernel's reaper: ends orphans nobody else will wait for. */
static int kreaper(void *arg)
{
	(void)arg;
	for (;;) {
		struct process *victim = NULL;
		struct waiter w = { 0 };
		wait_prepare(&kproc.child_wq, &w);
		irqflags_t f = spin_lock_irqsave(&proc_lock);
		struct list_head *pos;
		list_for_each(pos, &kproc.children) {
			struct process *c = list_entry(pos, struct process, sibling);
			if (c->autoreap && c->state == PROC_ZOMBIE) {
				victim = c;
				list_del(&c->sibling);
				list_del(&c->all);
				c->state = PROC_REAPED;
				break;
			}
		}
		spin_unlock_irqrestore(&proc_lock, f);
		if (!victim)
			schedule();
		wait_finish(&kproc.child_wq, &w);
		if (victim)
			reap(victim);
	}
	return 0;
}

/* ---- ids ---- */

static long sys_getpid(void) { return current_process()->pid; }
static long sys_gettid(void) { return current_thread()->tid; }
static long sys_getppid(void) { return READ_ONCE(current_process()->ppid); }
static long sys_set_tid_address(u64 tidptr)
{
	current_uthread()->clear_child_tid = tidptr;
	return current_thread()->tid;
}
SYSCALL(getpid, sys_getpid);
SYSCALL(gettid, sys_gettid);
SYSCALL(getppid, sys_getppid);
SYSCALL(set_tid_address, sys_set_tid_address);

static bool pgrp_in_session(int pgid, int sid)
{
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *q = list_entry(pos, struct process, all);
		if (q->pgid == pgid && q->sid == sid && q->state != PROC_REAPED)
			return true;
	}
	return false;
}

int proc_pgrp_check(int pgid)
{
	struct process *self = current_process();
	if (!self)
		return 0;
	int r = -ESRCH;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *q = list_entry(pos, struct process, all);
		if (q->pgid != pgid || q->state == PROC_REAPED) /* zombies too, as Linux */
			continue;
		r = q->sid == self->sid ? 0 : -EPERM;
		break;
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}

static long sys_setpgid(u64 upid, u64 upgid)
{
	int pid = (int)upid, pgid = (int)upgid;
	struct process *self = current_process();
	if (pgid < 0)
		return -EINVAL;
	long r = 0;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct process *p = pid ? proc_find(pid) : self;
	if (!p || (p != self && p->parent != self)) {
		r = -ESRCH;
	} else if (p->sid == p->pid) {
		r = -EPERM;                     /* a session leader */
	} else if (p->sid != self->sid) {
		r = -EPERM;
	} else {
		if (!pgid)
			pgid = p->pid;
		if (pgid != p->pid && !pgrp_in_session(pgid, self->sid))
			r = -EPERM;
		else
			p->pgid = pgid;
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}

static long sys_getpgid(u64 upid)
{
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct process *p = upid ? proc_find((int)upid) : current_process();
	long r = p ? p->pgid : -ESRCH;
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}
static long sys_getpgrp(void) { return sys_getpgid(0); }
static long sys_getsid(u64 upid)
{
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct process *p = upid ? proc_find((int)upid) : current_process();
	long r = p ? p->sid : -ESRCH;
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}
static long sys_setsid(void)
{
	struct process *p = current_process();
	long r;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	bool used = false;
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *q = list_entry(pos, struct process, all);
		if (q->pgid == p->pid && q->state != PROC_REAPED)
			used = true;
	}
	if (used) {
		r = -EPERM;
	} else {
		p->sid = p->pgid = p->pid;
		r = p->pid;
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}
SYSCALL(setpgid, sys_setpgid);
SYSCALL(getpgid, sys_getpgid);
SYSCALL(getpgrp, sys_getpgrp);
SYSCALL(getsid, sys_getsid);
SYSCALL(setsid, sys_setsid);

/* ---- credentials: everything runs as root (uid 0, gid 0) ---- */

static long sys_zero(void) { return 0; }
static long sys_set_id(u64 id) { return id == 0 || (s32)id == -1 ? 0 : -EPERM; }
static long sys_set_id2(u64 a, u64 b) { return sys_set_id(a) ? -EPERM : sys_set_id(b); }
static long sys_set_id3(u64 a, u64 b, u64 c)
{
	return sys_set_id(a) || sys_set_id(b) ? -EPERM : sys_set_id(c);
}
static long sys_getres(u64 r, u64 e, u64 s)
{
	if (put_user_u32((u32 __user *)r, 0) || put_user_u32((u32 __user *)e, 0) ||
	    put_user_u32((u32 __user *)s, 0))
		return -EFAULT;
	return 0;
}
static long sys_getgroups(u64 size, u64 list)
{
	(void)list;
	if ((s32)size < 0)
		return -EINVAL;
	return 0;
}
static long sys_setgroups(u64 size, u64 list)
{
	(void)list;
	return size <= 65536 ? 0 : -EINVAL;
}
SYSCALL(getuid, sys_zero);
SYSCALL(geteuid, sys_zero);
SYSCALL(getgid, sys_zero);
SYSCALL(getegid, sys_zero);
SYSCALL(setuid, sys_set_id);
SYSCALL(setgid, sys_set_id);
SYSCALL(setfsuid, sys_zero);
SYSCALL(setfsgid, sys_zero);
SYSCALL(setreuid, sys_set_id2);
SYSCALL(setregid, sys_set_id2);
SYSCALL(setresuid, sys_set_id3);
SYSCALL(setresgid, sys_set_id3);
SYSCALL(getresuid, sys_getres);
SYSCALL(getresgid, sys_getres);
SYSCALL(getgroups, sys_getgroups);
SYSCALL(setgroups, sys_setgroups);

/* ---- resource limits ---- */

static long do_prlimit(int pid, u64 res, u64 unew, u64 uold)
{
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit64 nl;
	if (unew) {
		if (copy_from_user(&nl, (const void __user *)unew, sizeof(nl)))
			return -EFAULT;
		if (nl.cur > nl.max)
			return -EINVAL;
	}
	long r = 0;
	struct rlimit64 old;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct process *p = pid ? proc_find(pid) : current_process();
	if (!p) {
		r = -ESRCH;
	} else {
		old = p->rlim[res];
		if (unew)
			p->rlim[res] = nl; /* root may raise hard limits */
	}
	spin_unlock_irqrestore(&proc_lock, f);
	if (!r && uold && copy_to_user((void __user *)uold, &old, sizeof(old)))
		r = -EFAULT;
	return r;
}
static long sys_prlimit64(u64 pid, u64 res, u64 unew, u64 uold) { return do_prlimit((int)pid, res, unew, uold); }
static long sys_getrlimit(u64 res, u64 uold) { return do_prlimit(0, res, 0, uold); }
static long sys_setrlimit(u64 res, u64 unew) { return do_prlimit(0, res, unew, 0); }
SYSCALL(prlimit64, sys_prlimit64);
SYSCALL(getrlimit, sys_getrlimit);
SYSCALL(setrlimit, sys_setrlimit);

/* ---- procfs and the shell ---- */

int proc_pids(int *out, int max)
{
	int n = 0;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all);
		if (n < max)
			out[n] = p->pid;
		n++;
	}
	spin_unlock_irqrestore(&proc_lock, f);
	if (n > max)
		n = max;
	/* pids are thread ids, handed out in increasing order, but a process
	 * is listed when it is created: sort to be safe */
	sort(out, (size_t)n, sizeof(*out), sort_cmp_int); /* nearly in order already */
	return n;
}

int proc_tids(int pid, int *out, int max)
{
	int n = 0;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct process *p = proc_find(pid);
	if (p) {
		struct list_head *pos;
		list_for_each(pos, &p->threads) {
			struct uthread *ut = list_entry(pos, struct uthread, node);
			if (!ut->dead && n < max)
				out[n++] = (int)ut->t->tid;
		}
	}
	spin_unlock_irqrestore(&proc_lock, f);
	if (!p)
		return -ENOENT;
	sort(out, (size_t)n, sizeof(*out), sort_cmp_int); /* nearly in order already */
	return n;
}

int proc_tgid(int tid)
{
	int pid = -ENOENT;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all);
		if (p->state == PROC_REAPED)
			continue;
		struct list_head *tp;
		list_for_each(tp, &p->threads) {
			struct uthread *ut = list_entry(tp, struct uthread, node);
			if (!ut->dead && (int)ut->t->tid == tid)
				pid = p->pid;
		}
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return pid;
}

void proc_for_each(void (*fn)(const struct proc_info *pi, void *ctx), void *ctx)
{
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all);
		struct proc_info pi = { 0 };
		pi.pid = p->pid;
		pi.ppid = p->parent ? p->parent->pid : 0;
		pi.pgid = p->pgid;
		pi.sid = p->sid;
		memcpy(pi.comm, p->comm, sizeof(pi.comm));
		char b[2];
		pi.state = proc_state_char(p, b)[0];
		struct list_head *tp;
		list_for_each(tp, &p->threads) {
			struct uthread *ut = list_entry(tp, struct uthread, node);
			if (ut->dead)
				continue;
			pi.nr_threads++;
			if (pi.nr_tids < 16)
				pi.tids[pi.nr_tids++] = (int)ut->t->tid;
		}
		fn(&pi, ctx);
	}
	spin_unlock_irqrestore(&proc_lock, f);
}

/* ---- boot ---- */

void proc_init(void)
{
	uthread_cache = kmem_cache_create("uthread", sizeof(struct uthread), 16, NULL);
	if (!uthread_cache)
		panic("proc: cannot create the uthread cache");
	/* Linux's default: max_threads = RAM / (8 * THREAD_SIZE), and the
	 * RLIMIT_NPROC default is half of it */
	struct mem_stats ms;
	mm_stats(&ms);
	u64 max_threads = ms.total_bytes / (8 * THREAD_STACK_SIZE);
	nproc_default = max_threads / 2 ? max_threads / 2 : 1;
	list_init(&kproc.children);
	list_init(&kproc.sibling);
	list_init(&kproc.threads);
	wait_queue_init(&kproc.child_wq);
	strlcpy(kproc.comm, "kernel", sizeof(kproc.comm));
	set_default_limits(&kproc);
	m_processes.read = read_processes;
	metric_register(&fam_processes, &m_processes);
	syscall_init();
	struct thread *t = kthread_create(kreaper, NULL, "kreaper");
	if (!t)
		panic("proc: cannot start the reaper");
	thread_detach(t);
	pr_info("proc", "processes: RLIMIT_NPROC default %llu (memory %llu MiB)",
		(unsigned long long)nproc_default, (unsigned long long)(ms.total_bytes >> 20));
}
