/* sys_misc.c — system calls about the system and the process itself:
 * uname, getrandom, sysinfo, getrusage, arch_prctl, prctl.
 *
 * uname: sysname "Linux". Programs decide features from uname (busybox and
 * libcs parse the release; scripts test `uname -s` = Linux before using
 * Linux-only interfaces such as /proc), and RayOS implements the Linux
 * ABI: release "6.1.0-rayos" (the Linux version whose semantics are
 * followed), version "RayOS" so that the kernel is still named, nodename
 * "rayos". */
#include <rayos/loadavg.h>
#include <rayos/mm.h>
#include <rayos/random.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>
#include "internal.h"

static long sys_uname(u64 ubuf)
{
	char u[6][65];
	memset(u, 0, sizeof(u));
	strlcpy(u[0], "Linux", 65);
	strlcpy(u[1], "rayos", 65);
	strlcpy(u[2], "6.1.0-rayos", 65);
	strlcpy(u[3], "RayOS", 65);
	strlcpy(u[4], "x86_64", 65);
	strlcpy(u[5], "(none)", 65);
	return copy_to_user((void __user *)ubuf, u, sizeof(u)) ? -EFAULT : 0;
}
SYSCALL(uname, sys_uname);

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

static long sys_getrandom(u64 ubuf, u64 count, u64 flags)
{
	if (flags & ~(u64)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE))
		return -EINVAL;
	if (count > 0x1ffffff) /* Linux caps one call at 32 MiB - 1 */
		count = 0x1ffffff;
	if (!access_ok((void __user *)ubuf, count))
		return -EFAULT;
	u8 chunk[256];
	u64 done = 0;
	while (done < count) {
		u64 n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
		get_random_bytes(chunk, n);
		if (copy_to_user((void __user *)(ubuf + done), chunk, n)) {
			memset(chunk, 0, sizeof(chunk));
			return done ? (long)done : -EFAULT;
		}
		done += n;
		if (done < count && signal_pending())
			break;
	}
	memset(chunk, 0, sizeof(chunk));
	return (long)done;
}
SYSCALL(getrandom, sys_getrandom);

struct sysinfo_l {
	s64 uptime;
	u64 loads[3];
	u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs, pad;
	u32 pad2;
	u64 totalhigh, freehigh;
	u32 mem_unit;
	u8 pad3[4];
};
_Static_assert(sizeof(struct sysinfo_l) == 112, "struct sysinfo");

static long sys_sysinfo(u64 ubuf)
{
	struct sysinfo_l si;
	memset(&si, 0, sizeof(si));
	struct mem_stats ms;
	mm_stats(&ms);
	si.uptime = (s64)(clock_monotonic_ns() / NSEC_PER_SEC);
	u64 avg[3];
	loadavg_get(avg); /* fixed point, LOAD_FSHIFT bits; sysinfo wants 16 */
	for (int i = 0; i < 3; i++)
		si.loads[i] = avg[i] << (16 - LOAD_FSHIFT);
	si.totalram = ms.total_bytes;
	si.freeram = ms.free_bytes;
	si.procs = (u16)proc_nr_user_threads();
	si.mem_unit = 1;
	return copy_to_user((void __user *)ubuf, &si, sizeof(si)) ? -EFAULT : 0;
}
SYSCALL(sysinfo, sys_sysinfo);

static long sys_getrusage(u64 who, u64 uru)
{
	u64 ns, user;
	struct process *p = current_process();
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	if ((s64)who == 0) {
		ns = proc_cpu_ns(p);
		user = proc_user_ns(p);
	} else if ((s64)who == -1) {
		ns = p->child_exec_ns;
		user = p->child_user_ns;
	} else if (who == 1) {
		ns = current_thread()->sum_exec;
		user = cycles_to_ns(current_uthread()->user_cycles);
	} else {
		ns = user = ~0ULL;
	}
	spin_unlock_irqrestore(&proc_lock, f);
	if (ns == ~0ULL)
		return -EINVAL;
	u64 ru[18];
	proc_fill_rusage(ru, ns, user);
	return copy_to_user((void __user *)uru, ru, sizeof(ru)) ? -EFAULT : 0;
}
SYSCALL(getrusage, sys_getrusage);

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static long sys_arch_prctl(u64 code, u64 addr)
{
	struct thread *t = current_thread();
	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		if (code == ARCH_SET_FS)
			arch_set_user_fs(t, addr);
		else
			arch_set_user_gs(t, addr);
		return 0;
	case ARCH_GET_FS:
		return put_user_u64((u64 __user *)addr, arch_get_user_fs(t)) ? -EFAULT : 0;
	case ARCH_GET_GS:
		return put_user_u64((u64 __user *)addr, arch_get_user_gs(t)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}
SYSCALL(arch_prctl, sys_arch_prctl);

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39

static long sys_prctl(u64 option, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a3; (void)a4; (void)a5;
	struct thread *t = current_thread();
	struct process *p = current_process();
	char name[16];
	switch (option) {
	case PR_SET_NAME: {
		long n = strncpy_from_user(name, (const char __user *)a2, sizeof(name));
		if (n == -ENAMETOOLONG) {
			if (copy_from_user(name, (const void __user *)a2, 15))
				return -EFAULT;
			name[15] = 0;
		} else if (n < 0) {
			return n;
		}
		irqflags_t f = spin_lock_irqsave(&proc_lock);
		strlcpy(t->name, name, sizeof(t->name));
		if (t->tid == (u32)p->pid)
			strlcpy(p->comm, name, sizeof(p->comm));
		spin_unlock_irqrestore(&proc_lock, f);
		return 0;
	}
	case PR_GET_NAME:
		memset(name, 0, sizeof(name));
		strlcpy(name, t->name, sizeof(name));
		return copy_to_user((void __user *)a2, name, sizeof(name)) ? -EFAULT : 0;
	case PR_SET_PDEATHSIG:
		return a2 <= NSIG ? 0 : -EINVAL;
	case PR_GET_PDEATHSIG:
		return put_user_u32((u32 __user *)a2, 0) ? -EFAULT : 0;
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_DUMPABLE:
		return a2 <= 1 ? 0 : -EINVAL;
	case PR_SET_NO_NEW_PRIVS:
		return a2 == 1 ? 0 : -EINVAL;
	case PR_GET_NO_NEW_PRIVS:
		return 0;
	default:
		return -EINVAL;
	}
}
SYSCALL(prctl, sys_prctl);
