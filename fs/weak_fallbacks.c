/* weak_fallbacks.c — TEMPORARY stand-ins for the process (include/rayos/
 * proc.h) and user-access (include/rayos/uaccess.h) interfaces, so the VFS
 * builds and its tests run before those branches (`proc`, `uvm`, issue 7)
 * are merged. Every definition here is __attribute__((weak)): the real
 * ones in kernel/proc/ and mm/uaccess.c replace them at link time when the
 * branches merge, and this file can then be deleted.
 *
 * Behaviour without processes: every caller is a "kernel thread" that
 * shares one boot-time fd table (current_files) and the root fs context
 * (current_fs NULL = root, cwd "/"); no signals are ever pending;
 * process-group signals and pid lookups fail with -ESRCH/-ENOENT; the
 * user copies are plain memcpy behind the access_ok() range check (no
 * fault recovery: only the range is checked).
 * Locking: the boot table is created once (atomic pointer swap). */
#include "internal.h"
#include <rayos/proc.h>
#include <rayos/string.h>
#include <rayos/uaccess.h>

#define WEAK __attribute__((weak))

WEAK struct process *current_process(void) { return NULL; }

WEAK struct files *current_files(void)
{
	static struct files *boot_files;
	struct files *t = __atomic_load_n(&boot_files, __ATOMIC_ACQUIRE);
	if (t)
		return t;
	struct files *n = files_create();
	if (!n)
		return NULL;
	struct files *expected = NULL;
	if (!__atomic_compare_exchange_n(&boot_files, &expected, n, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		files_put(n);
		return expected;
	}
	return n;
}

WEAK struct fs_ctx *current_fs(void) { return NULL; }
WEAK struct uvm *current_uvm(void) { return NULL; }
WEAK bool signal_pending(void) { return false; }
WEAK int proc_signal_pgrp(int pgid, int sig) { (void)pgid, (void)sig; return -ESRCH; }
WEAK int proc_kill(int pid, int sig) { (void)pid, (void)sig; return -ESRCH; }
WEAK int proc_pid(void) { return 0; }
WEAK u64 proc_nofile_limit(void) { return ~0ULL; }
WEAK int proc_pgid(void) { return 0; }
WEAK int proc_pids(int *out, int max) { (void)out, (void)max; return 0; }
WEAK int proc_read_stat(int pid, char *b, size_t n) { (void)pid, (void)b, (void)n; return -ENOENT; }
WEAK int proc_read_status(int pid, char *b, size_t n) { (void)pid, (void)b, (void)n; return -ENOENT; }
WEAK int proc_read_cmdline(int pid, char *b, size_t n) { (void)pid, (void)b, (void)n; return -ENOENT; }
WEAK int proc_read_comm(int pid, char *b, size_t n) { (void)pid, (void)b, (void)n; return -ENOENT; }
WEAK int proc_tids(int pid, int *out, int max) { (void)pid, (void)out, (void)max; return -ENOENT; }
WEAK void proc_sigmask_push(u64 mask) { (void)mask; } /* no signals: no mask */
WEAK void proc_sigmask_pop(bool interrupted) { (void)interrupted; }

WEAK int copy_from_user(void *dst, const void __user *src, size_t n)
{
	if (!access_ok(src, n))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

WEAK int copy_to_user(void __user *dst, const void *src, size_t n)
{
	if (!access_ok(dst, n))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

WEAK int clear_user(void __user *dst, size_t n)
{
	if (!access_ok(dst, n))
		return -EFAULT;
	memset(dst, 0, n);
	return 0;
}

WEAK long strncpy_from_user(char *dst, const char __user *src, size_t size)
{
	if (!size)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < size; i++) {
		if (!access_ok(src + i, 1))
			return -EFAULT;
		dst[i] = src[i];
		if (!dst[i])
			return (long)i;
	}
	dst[size - 1] = 0;
	return -ENAMETOOLONG;
}

WEAK int get_user_u32(u32 *out, const u32 __user *p) { return copy_from_user(out, p, 4); }
WEAK int get_user_u64(u64 *out, const u64 __user *p) { return copy_from_user(out, p, 8); }
WEAK int put_user_u32(u32 __user *p, u32 v) { return copy_to_user(p, &v, 4); }
WEAK int put_user_u64(u64 __user *p, u64 v) { return copy_to_user(p, &v, 8); }
