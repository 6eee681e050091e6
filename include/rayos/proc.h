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

/* Send sig to every process of process group pgid (the tty's ^C): 0 or
 * -ESRCH. To a single process: proc_kill(pid, sig). */
int proc_signal_pgrp(int pgid, int sig);
int proc_kill(int pid, int sig);
/* The current thread's user-mode fault could not be resolved: deliver
 * SIGSEGV (si_addr = addr) — called by the #PF handler, returns to it. */
void proc_fault_signal(u64 addr, u32 err);
/* The current process id, process group, session (0 in kernel threads). */
int proc_pid(void);
int proc_pgid(void);

/* procfs reads these (fs/procfs.c); each fills buf with the Linux format
 * and returns the length, or -ENOENT when pid does not exist. */
int proc_pids(int *out, int max);          /* live pids, ascending */
int proc_read_stat(int pid, char *buf, size_t size);    /* /proc/PID/stat */
int proc_read_status(int pid, char *buf, size_t size);  /* /proc/PID/status */
int proc_read_cmdline(int pid, char *buf, size_t size); /* NUL-separated */
int proc_read_comm(int pid, char *buf, size_t size);    /* name + "\n" */
/* Threads of pid as tids (for /proc/PID/task): count or -ENOENT. */
int proc_tids(int pid, int *out, int max);

#endif
