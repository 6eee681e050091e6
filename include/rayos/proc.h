/* proc.h — processes (kernel/proc/). CONTRACT shared by the user-mode work
 * (issue 7): implemented by the process work; the part below is what the
 * VFS (fd tables, tty, procfs) and the address-space code (faults) need.
 *
 * A process is a thread group: one pid (= tid of its first thread), one
 * address space (uvm.h), one fd table and fs context (vfs.h) — shared by
 * its threads, or by another process after clone(CLONE_VM/CLONE_FILES/
 * CLONE_FS) — plus signal state, credentials (root only: uid 0), limits,
 * and a parent. A kernel thread has no process (current_process() NULL). */
#ifndef RAYOS_PROC_H
#define RAYOS_PROC_H
#include <rayos/types.h>
#include <rayos/thread.h>

struct process;
struct files;
struct fs_ctx;
struct uvm;

struct process *current_process(void);     /* NULL in a kernel thread */
struct files *current_files(void);         /* NULL in a kernel thread */
struct fs_ctx *current_fs(void);           /* NULL: the root, cwd "/" */
struct uvm *current_uvm(void);             /* NULL in a kernel thread */

/* An unblocked signal is pending for the current thread: blocking calls
 * (pipe read, console read, wait4, nanosleep, futex) return -EINTR (or
 * -ERESTARTSYS semantics are not implemented: SA_RESTART is ignored). */
bool signal_pending(void);
/* The wait queues sleepers block on must also be woken by signals: blocking
 * code sleeps with wait_event_interruptible() (defined with the process
 * code) or checks signal_pending() after every wake-up. */

/* A call that waits with a temporary signal mask (rt_sigsuspend, ppoll,
 * pselect6): proc_sigmask_push() blocks mask (less SIGKILL and SIGSTOP)
 * and remembers the mask in force; proc_sigmask_pop(interrupted) puts it
 * back at once, or — when the call ends with -EINTR for a signal — leaves
 * that to signal delivery, which saves the old mask in the handler's
 * frame (Linux's set_restore_sigmask), so the handler runs under the
 * temporary mask and sigreturn restores the caller's. No-ops in kernel
 * threads. */
void proc_sigmask_push(u64 mask);
void proc_sigmask_pop(bool interrupted);

/* Send sig to every process of process group pgid (the tty's ^C): 0 or
 * -ESRCH. To a single process: proc_kill(pid, sig). */
int proc_signal_pgrp(int pgid, int sig);
int proc_kill(int pid, int sig);
/* May the current process make pgid the terminal's foreground group
 * (TIOCSPGRP)? 0 when a live group pgid is in its session, -ESRCH when no
 * such group exists, -EPERM when it is in another session; 0 in kernel
 * threads. */
int proc_pgrp_check(int pgid);
/* Send sig to the process that live user thread tid belongs to: 0 or
 * -ESRCH. Safe with only a reference to the thread (thread_get). */
int proc_kill_thread_group(u32 tid, int sig);
/* The current thread's user-mode fault could not be resolved: deliver
 * SIGSEGV (si_addr = addr) — called by the #PF handler, returns to it. */
void proc_fault_signal(u64 addr, u32 err);
/* The current process id, process group, session (0 in kernel threads). */
int proc_pid(void);
int proc_pgid(void);
/* The current process's RLIMIT_NOFILE soft limit (~0 in kernel threads):
 * the VFS hands out fds below it. */
u64 proc_nofile_limit(void);

/* procfs reads these (fs/procfs.c); each fills buf with the Linux format
 * and returns the length, or -ENOENT when pid does not exist. tid 0: the
 * whole process (/proc/PID/X); tid > 0: that live thread of pid
 * (/proc/PID/task/TID/X, -ENOENT when tid is not a live thread of pid). */
int proc_pids(int *out, int max);          /* live pids, ascending */
int proc_read_stat(int pid, int tid, char *buf, size_t size);    /* stat */
int proc_read_status(int pid, int tid, char *buf, size_t size);  /* status */
int proc_read_cmdline(int pid, int tid, char *buf, size_t size); /* NUL-separated */
int proc_read_comm(int pid, int tid, char *buf, size_t size);    /* name + "\n" */
/* Live threads of pid as tids (for /proc/PID/task), ascending: count (at
 * most max) or -ENOENT. */
int proc_tids(int pid, int *out, int max);
/* The pid of the process whose live thread tid is (for /proc/TID), or
 * -ENOENT. */
int proc_tgid(int tid);


/* ---- additions by the process work (kernel/proc/) ---- */

/* Sleep on wq until cond holds (0) or a signal is pending for the current
 * thread (-EINTR); a kernel thread never sees signals. The signal sender
 * wakes the thread (thread_wake), so no wake-up on wq is needed for it. */
#define wait_event_interruptible(wq, cond)                            \
	({                                                            \
		int __wr = 0;                                         \
		struct waiter __w = { 0 };                            \
		for (;;) {                                            \
			wait_prepare(&(wq), &__w);                    \
			if (cond)                                     \
				break;                                \
			if (signal_pending()) {                       \
				__wr = -EINTR;                        \
				break;                                \
			}                                             \
			schedule();                                   \
		}                                                     \
		wait_finish(&(wq), &__w);                             \
		__wr;                                                 \
	})

/* Boot: the dispatcher table, the process caches, the kernel reaper. */
void proc_init(void);

/* Called by the arch on every return to user mode (interrupts on): is
 * there work (a deliverable signal, a kill, a stop), and do it (builds
 * signal frames in *regs, or ends the thread). */
struct trap_frame;
bool proc_user_work_pending(void);
/* User-time accounting (kernel/proc/account.c), interrupts off: the first
 * thing after an entry from user mode, the last before returning to it. */
void proc_user_entry(void);
void proc_user_exit(void);
void proc_user_work(struct trap_frame *regs);
/* A CPU exception in user mode: force signal sig (a blocked or ignored one
 * kills, as Linux's force_sig) with si_code and si_addr. */
void proc_force_signal(int sig, int code, u64 addr);
/* A user-mode page fault: uvm_fault, then OOM kill or SIGSEGV. */
void proc_user_page_fault(u64 addr, u32 err);
/* Memory ran out for a process (a fault or an allocation got -ENOMEM):
 * the OOM killer sends SIGKILL to the process with the most resident
 * pages (kernel/proc/oom.c). */
void proc_out_of_memory(const char *why);

/* Start a program from the kernel (the `run` command, init=, tests).
 * Exactly one of path (executed like execve) and setup (called in the new
 * process with its empty address space active; fills *entry and *sp) is
 * set. console: fds 0-2 on /dev/console; foreground: the process gets its
 * own process group and session and becomes the tty's foreground group.
 * The process's parent is the kernel (pid 0) unless init is set (it then
 * becomes pid 1's role: orphans are reparented to it). Returns the pid or
 * -errno (the exec errors when path is set). */
struct uvm;
struct proc_spawn {
	const char *path;
	const char *const *argv;        /* NULL: { path } */
	const char *const *envp;        /* NULL: a default environment */
	int (*setup)(struct uvm *vm, void *ctx, u64 *entry, u64 *sp);
	void *ctx;
	const char *name;               /* comm for setup programs */
	bool console, foreground, init;
};
int proc_spawn(const struct proc_spawn *a);
/* Wait (from a kernel thread) for process pid started by proc_spawn to end
 * and reap it: 0 with the Linux wait status in *status, -ECHILD, or
 * -ETIMEDOUT after timeout_ns (0: no timeout). */
int proc_wait_kernel(int pid, int *status, u64 timeout_ns);
/* The same, also returning when the process stops (status (sig << 8) |
 * 0x7f, Linux's WIFSTOPPED); proc_disown(pid) hands a process the kernel
 * started to the kernel's reaper (nobody will wait for it). */
int proc_wait_kernel_stopped(int pid, int *status, u64 timeout_ns);
void proc_disown(int pid);
/* Signal names ("SIGINT") for messages; "SIG?" for unknown numbers. */
const char *signal_name(int sig);
/* The pid of a process (for code that only holds a struct process *). */
int proc_pid_of(const struct process *p);
/* Processes that exist (zombies included), for the rayos_processes gauge. */
int proc_count(void);
/* Visit every process with its threads (proc_lock held: fn must not sleep). */
struct proc_info {
	int pid, ppid, pgid, sid, nr_threads;
	char comm[16];
	char state;
	int tids[16];
	int nr_tids;
};
void proc_for_each(void (*fn)(const struct proc_info *pi, void *ctx), void *ctx);
/* SCHED_DEADLINE (kernel/proc/sched_dl_glue.c): 0 or -EINVAL / -EBUSY. */
int proc_set_deadline(struct thread *t, u64 runtime, u64 deadline, u64 period);
/* SCHED_FLAG_DL_OVERRUN: send t SIGXCPU whenever its runtime runs out. */
void proc_set_dl_overrun_signal(struct thread *t, bool on);
/* The parameters of a SCHED_DEADLINE thread (ns): 0 or -EINVAL. */
int proc_get_deadline(struct thread *t, u64 *runtime, u64 *deadline, u64 *period);

#endif
