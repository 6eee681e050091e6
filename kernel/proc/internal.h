/* internal.h — process-code internals shared by the kernel/proc files.
 *
 * Objects: struct process (a thread group: pid, tree links, address space,
 * fd table, signal handlers, limits, exit state) and struct uthread (the
 * user-mode state of one thread: signal mask and pending set, the
 * clear-child-tid address, the alternate signal stack, start-up state).
 * thread->uthread and thread->proc point at them; kernel threads have NULL.
 *
 * Locking: one IRQ-safe spinlock, proc_lock, protects the process tree and
 * pid list, every process's and uthread's signal state (pending, blocked,
 * handlers), thread lists and exit state. The console interrupt sends
 * SIGINT (proc_signal_pgrp) under it, hence IRQ-safe. Nothing sleeps or
 * touches user memory with proc_lock held; the address space, fd table and
 * fs context are released outside it. */
#ifndef KERNEL_PROC_INTERNAL_H
#define KERNEL_PROC_INTERNAL_H
#include <rayos/arch_thread.h>
#include <rayos/list.h>
#include <rayos/proc.h>
#include <rayos/spinlock.h>
#include <rayos/syscall.h>
#include <rayos/thread.h>

#define NSIG 64
#define SIGBIT(s) (1ULL << ((s) - 1))
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28
#define SIGSYS 31

#define SIG_DFL 0ULL
#define SIG_IGN 1ULL
#define SA_NOCLDSTOP 0x1ULL
#define SA_NOCLDWAIT 0x2ULL
#define SA_SIGINFO 0x4ULL
#define SA_RESTORER 0x04000000ULL
#define SA_ONSTACK 0x08000000ULL
#define SA_RESTART 0x10000000ULL
#define SA_NODEFER 0x40000000ULL
#define SA_RESETHAND 0x80000000ULL

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2

struct k_sigaction {        /* Linux's kernel struct sigaction (x86_64) */
	u64 handler, flags, restorer, mask;
};

struct sighand {
	int refs;                       /* proc_lock */
	struct k_sigaction act[NSIG + 1];
};

struct ksiginfo {
	int signo, code, pid, uid, status;
	u64 addr;
};

#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ULL)
#define RLIMIT_STACK 3
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
struct rlimit64 { u64 cur, max; };

struct uthread {
	struct thread *t;
	struct process *p;
	struct list_head node;          /* in p->threads */
	/* proc_lock: */
	u64 blocked, pending;
	struct ksiginfo info[NSIG + 1];
	bool killed;                    /* must exit at the next return to user */
	bool dead;                      /* has called thread_exit (or is about to) */
	/* owned by the thread itself: */
	u64 clear_child_tid;
	u64 alt_sp, alt_size;
	int alt_flags;
	struct timer_event timer;       /* interruptible sleep timeouts */
	/* start-up: written by the creator before go is set */
	volatile bool go;
	struct trap_frame start;
	u8 fpu[ARCH_FPU_SIZE] __attribute__((aligned(16)));
	u64 tls;                        /* FS base to start with (CLONE_SETTLS or the parent's) */
	u64 user_gs;                    /* GS base to start with (the parent's) */
	bool set_tls;                   /* a clone child: load tls and user_gs */
	struct completion *vfork_done;  /* the vfork parent waits on it */
	void *spawn;                    /* struct spawn_req of proc_spawn, or NULL */
	/* rt_sigsuspend: the mask to restore once a handler frame is built */
	u64 saved_blocked;
	bool restore_blocked;
	/* the last system call returned -EINTR: how it may be restarted */
	u8 restart;                     /* RESTART_NONE / _SYS / _NOHAND */
	u64 user_cycles;                /* time in user mode (account.c) */
	u64 robust_list;                /* set_robust_list head, 0 = none (futex.c) */
};
enum { RESTART_NONE, RESTART_SYS, RESTART_NOHAND };

enum proc_state { PROC_ALIVE, PROC_ZOMBIE, PROC_REAPED };

struct process {
	/* constant after creation */
	int pid;
	u64 start_ns;
	/* proc_lock: */
	int pgid, sid;
	char comm[16];
	struct process *parent;         /* &kproc: the kernel */
	int ppid;                       /* parent->pid, also readable without the lock */
	struct list_head children;      /* of process.sibling */
	struct list_head sibling;
	struct list_head all;           /* every process, by pid */
	struct list_head threads;       /* of uthread.node, live and dead */
	int nr_live;                    /* threads not yet exited */
	enum proc_state state;
	int exit_status;                /* wait status (Linux encoding) */
	int exit_signal;                /* sent to the parent at exit (clone's low byte) */
	bool group_exit;                /* exit_group / fatal signal under way */
	bool autoreap;                  /* orphan of the kernel: reaped by kreaper */
	bool unkillable;                /* init: user signals need a handler */
	bool stopped;
	int report;                     /* 0, or the stop/cont event waiters still see */
	struct sighand *sighand;
	u64 shared_pending;
	struct ksiginfo shared_info[NSIG + 1];
	struct rlimit64 rlim[RLIM_NLIMITS];
	u64 dead_exec_ns;               /* CPU time of threads that ended */
	u64 dead_user_cycles;           /* their user-mode part */
	u64 child_user_ns;              /* user part of child_exec_ns */
	u64 child_exec_ns;              /* CPU time of reaped children */
	struct wait_queue child_wq;     /* wait4 sleepers of this process */
	struct {                        /* ITIMER_REAL (itimer.c) */
		struct timer_event ev;
		u64 expires, interval;  /* proc_lock; expires 0: disarmed */
	} it_real;
	/* the owning threads (fork, execve, exit) change these: */
	struct uvm *uvm;
	struct files *files;
	struct fs_ctx *fs;
	char cmdline[256];              /* NUL-separated argv, truncated */
	u32 cmdline_len;
	u64 exec_entry;
};

extern spinlock_t proc_lock;
extern struct process kproc;            /* pid 0: parent of kernel-started processes */
extern struct list_head proc_all;

static inline struct uthread *current_uthread(void)
{
	return current_thread()->uthread;
}

/* process.c */
struct process *proc_find(int pid);             /* proc_lock held */
/* proc_lock held: the live uthread with thread id tid, in process tgid
 * (any process when tgid <= 0); its process in *pp. NULL if none. */
struct uthread *uthread_find(int tgid, u32 tid, struct process **pp);
int proc_nr_user_threads(void);
void proc_release_thread(struct uthread *ut);   /* last act of an exiting thread */
__noreturn void proc_exit_thread(void);         /* current thread ends (killed or exit) */
__noreturn void proc_exit_group(int status);    /* wait status */
u64 proc_cpu_ns(struct process *p);             /* proc_lock held */
u64 proc_user_ns(struct process *p);            /* proc_lock held; account.c */
/* proc_lock held; account.c: ut's CPU and user-mode ns up to this instant
 * (the running stretch included), for procfs. */
void proc_thread_times(struct uthread *ut, u64 *cpu_ns, u64 *user_ns);
void proc_fill_rusage(u64 *ru, u64 cpu_ns, u64 user_ns); /* struct rusage, 18 words */
/* proc_lock held: mark p's live threads but except killed and wake them. */
void proc_kill_threads(struct process *p, struct uthread *except);
/* signal.c */
void signal_init_process(struct process *p);
int signal_send(struct process *p, struct uthread *ut, int sig, const struct ksiginfo *info); /* proc_lock held */
void signal_exec_reset(struct process *p);
void signal_notify_parent(struct process *p, int why, int status); /* proc_lock held */
bool signal_default_ignored(int sig);
int sleep_interruptible_until(u64 deadline_ns); /* 0 at the deadline, -EINTR */
/* itimer.c: p's last thread is exiting: disarm ITIMER_REAL for good
 * (waits out a running callback; proc_lock not held). */
void itimer_exit(struct process *p);
/* oom.c */
void oom_kill(const char *why);
/* futex.c */
int futex_wake_addr(struct uvm *vm, u64 uaddr, int n);
void futex_exit_robust(struct uthread *ut);     /* the thread ends: release its robust futexes */
/* syscall.c */
void syscall_init(void);
/* procfs.c */
const char *proc_state_char(struct process *p, char *buf);

#endif
