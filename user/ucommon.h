/* ucommon.h — small helpers shared by the user programs in user/ (static
 * musl, Linux x86_64 syscall ABI): a monotonic clock in nanoseconds, the
 * kernel structures musl's headers do not define (struct sched_attr for
 * sched_setattr/getattr, struct statx, struct linux_dirent64), a raw
 * syscall wrapper that returns -errno instead of setting errno, and rm_rf
 * for the scratch directories.
 *
 * Header-only (static inline), so each program stays a single object; no
 * state, no locking. Nothing here is specific to RayOS: every program must
 * behave identically on Debian's Linux. */
#ifndef RAYOS_USER_UCOMMON_H
#define RAYOS_USER_UCOMMON_H
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* Linux's struct sched_attr, version 0 (48 bytes), include/uapi/linux/sched/types.h. */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};
#define SCHED_ATTR_SIZE_VER0 48

/* struct linux_dirent64 as getdents64 returns it. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* struct statx (256 bytes), include/uapi/linux/stat.h. */
struct statx_timestamp_ {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct statx_ {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct statx_timestamp_ stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};
#define STATX_TYPE_ 0x1u
#define STATX_MODE_ 0x2u
#define STATX_SIZE_ 0x200u
#define STATX_BASIC_STATS_ 0x7ffu

/* A syscall that returns the kernel's raw result: a value, or -errno. */
static inline long rsys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);
	return r == -1 ? -errno : r;
}

static inline int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void sleep_ns(int64_t ns)
{
	struct timespec ts = { ns / 1000000000LL, ns % 1000000000LL };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Removes path and, for a directory, everything below it (made writable
 * first: a test may have left a directory mode 0). Best effort: errors are
 * ignored, symlinks are removed, never followed. */
static inline void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[4096];
			int n = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			if (n > 0 && (size_t)n < sizeof(sub))
				rm_rf(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* Addresses no user access may reach: the start of the kernel half and a
 * never-mapped low page. */
#define KERNEL_PTR ((void *)0xffff800000000000UL)
#define LOW_PTR ((void *)16)

#endif
