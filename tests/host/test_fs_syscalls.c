/* test_fs_syscalls.c — hosted tests of the file system calls (fs/sys_fs.c,
 * fs/pipe.c) through the rayos_syscalls table, exactly as the dispatcher
 * will call them, with buffers in this process standing for user memory
 * (the weak copy routines check the range and copy). The structures are
 * read with the host's own <sys/stat.h> and <dirent.h> definitions, which
 * are the Linux x86_64 ABI, so a layout mistake shows up here: struct
 * stat, struct statx, linux_dirent64. Also errno values and flag semantics
 * of open/openat, read/write/pread/pwrite/readv/writev, lseek, getdents64,
 * mkdir/rmdir/unlink/rename(at2), symlink/readlink, chdir/getcwd,
 * dup/dup2/dup3, fcntl, pipe2, truncate, access, umask, utimensat. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <sys/ioctl.h>
#include <dirent.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/statfs.h>
#include <sys/sendfile.h>
#include <errno.h>
#include <cmocka.h>
#include <rayos/syscall.h>
#include <rayos/vfs.h>

struct super;
struct inode;
struct mount;
struct path;
struct super *tmpfs_create(void);
struct inode *tmpfs_root(struct super *sb);
struct mount *vfs_mount(struct super *sb, struct inode *root, const struct path *at,
			const char *where, const char *source);

extern const struct syscall_entry __start_rayos_syscalls[], __stop_rayos_syscalls[];

static long sc(u32 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	for (const struct syscall_entry *e = __start_rayos_syscalls; e < __stop_rayos_syscalls; e++)
		if (e->nr == nr)
			return e->fn(a0, a1, a2, a3, a4, a5);
	fail_msg("system call %u is not registered", nr);
	return -1;
}
#define U(x) ((u64)(uintptr_t)(x))
#define S0(n) sc(SYS_##n, 0, 0, 0, 0, 0, 0)
#define S1(n, a) sc(SYS_##n, U(a), 0, 0, 0, 0, 0)
#define S2(n, a, b) sc(SYS_##n, U(a), U(b), 0, 0, 0, 0)
#define S3(n, a, b, c) sc(SYS_##n, U(a), U(b), U(c), 0, 0, 0)
#define S4(n, a, b, c, d) sc(SYS_##n, U(a), U(b), U(c), U(d), 0, 0)
#define S5(n, a, b, c, d, e) sc(SYS_##n, U(a), U(b), U(c), U(d), U(e), 0)

/* The calling "process": its own fs context (cwd, umask), replacing the
 * kernel-thread fallback of fs/weak_fallbacks.c. */
static struct fs_ctx *test_fs;
struct fs_ctx *current_fs(void) { return test_fs; }

static int setup(void **state)
{
	(void)state;
	struct super *sb = tmpfs_create();
	assert_non_null(vfs_mount(sb, tmpfs_root(sb), NULL, "/", "rootfs"));
	test_fs = fs_ctx_create();
	return 0;
}

static void test_open_read_write(void **state)
{
	(void)state;
	long fd = S3(open, "/f", O_RDWR | O_CREAT | O_EXCL, 0644);
	assert_int_equal(fd, 0); /* the lowest free descriptor */
	assert_int_equal(S3(open, "/f", O_RDWR | O_CREAT | O_EXCL, 0644), -EEXIST);
	assert_int_equal(S3(write, fd, "hello world", 11), 11);
	assert_int_equal(S3(lseek, fd, 0, SEEK_CUR), 11);
	assert_int_equal(S3(lseek, fd, 6, SEEK_SET), 6);
	char b[32] = { 0 };
	assert_int_equal(S3(read, fd, b, sizeof(b)), 5);
	assert_string_equal(b, "world");
	assert_int_equal(S3(read, fd, b, sizeof(b)), 0);
	assert_int_equal(S4(pread64, fd, b, 5, 0), 5);
	assert_memory_equal(b, "hello", 5);
	assert_int_equal(S3(lseek, fd, 0, SEEK_CUR), 11); /* pread kept the offset */
	assert_int_equal(S4(pwrite64, fd, "J", 1, 0), 1);
	assert_int_equal(S4(pread64, fd, b, 1, -1), -EINVAL);
	assert_int_equal(S3(lseek, fd, -1, SEEK_SET), -EINVAL);
	assert_int_equal(S3(lseek, fd, 0, 9), -EINVAL);
	assert_int_equal(S3(lseek, fd, -2, SEEK_END), 9);
	/* readv/writev */
	struct iovec v[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
	assert_int_equal(S3(lseek, fd, 0, SEEK_END), 11);
	assert_int_equal(S3(writev, fd, v, 3), 5);
	char x[4] = { 0 }, y[16] = { 0 };
	struct iovec r[2] = { { x, 3 }, { y, sizeof(y) } };
	assert_int_equal(S3(lseek, fd, 0, SEEK_SET), 0);
	assert_int_equal(S3(readv, fd, r, 2), 16);
	assert_string_equal(x, "Jel");
	assert_memory_equal(y, "lo worldabcde", 13);
	assert_int_equal(S3(readv, fd, r, 1025), -EINVAL);
	/* errors */
	assert_int_equal(S3(read, 99, b, 1), -EBADF);
	assert_int_equal(S3(read, -1, b, 1), -EBADF);
	assert_int_equal(S3(read, fd, (void *)0xffff800000000000ULL, 1), -EFAULT);
	assert_int_equal(S1(open, (void *)0xffff800000000000ULL), -EFAULT);
	long ro = S2(open, "/f", O_RDONLY);
	assert_true(ro > fd);
	assert_int_equal(S3(write, ro, "x", 1), -EBADF);
	assert_int_equal(S1(close, ro), 0);
	assert_int_equal(S1(close, ro), -EBADF);
	long wo = S2(open, "/f", O_WRONLY | O_APPEND);
	assert_int_equal(S3(read, wo, b, 1), -EBADF);
	assert_int_equal(S3(write, wo, "Z", 1), 1);
	assert_int_equal(S3(lseek, wo, 0, SEEK_CUR), 17);
	assert_int_equal(S1(close, wo), 0);
	assert_int_equal(S2(open, "/missing", O_RDONLY), -ENOENT);
	assert_int_equal(S2(open, "", O_RDONLY), -ENOENT);
	assert_int_equal(S2(open, "/f/", O_RDONLY), -ENOTDIR);
	assert_int_equal(S2(open, "/", O_WRONLY), -EISDIR);
	assert_int_equal(S2(open, "/f", O_RDONLY | O_DIRECTORY), -ENOTDIR);
	/* O_TRUNC */
	long t = S2(open, "/f", O_WRONLY | O_TRUNC);
	struct stat st;
	assert_int_equal(S2(fstat, t, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(S1(close, t), 0);
	assert_int_equal(S1(close, fd), 0);
	assert_int_equal(S1(unlink, "/f"), 0);
}

static void test_stat_layouts(void **state)
{
	(void)state;
	assert_int_equal(S1(umask, 077), 022); /* the default */
	long fd = S4(openat, AT_FDCWD, "/st", O_WRONLY | O_CREAT, 0666);
	assert_true(fd >= 0);
	assert_int_equal(S1(umask, 022), 077);
	assert_int_equal(S3(write, fd, "12345", 5), 5);
	struct stat st;
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(S2(stat, "/st", &st), 0);
	assert_int_equal(st.st_size, 5);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600); /* 0666 & ~077 */
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_blksize, 4096);
	assert_int_equal(st.st_blocks, 8); /* one 4 KiB chunk, as Linux tmpfs */
	assert_int_equal(st.st_mtim.tv_sec, 1700000000);
	assert_int_equal(S2(symlink, "st", "/stl"), 0);
	struct stat ls;
	assert_int_equal(S2(lstat, "/stl", &ls), 0);
	assert_true(S_ISLNK(ls.st_mode));
	assert_int_equal(ls.st_size, 2);
	assert_int_equal(S4(newfstatat, AT_FDCWD, "/stl", &ls, 0), 0);
	assert_int_equal(ls.st_ino, st.st_ino);
	assert_int_equal(S4(newfstatat, AT_FDCWD, "/stl", &ls, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(ls.st_mode));
	assert_int_equal(S4(newfstatat, fd, "", &ls, AT_EMPTY_PATH), 0);
	assert_int_equal(ls.st_ino, st.st_ino);
	assert_int_equal(S4(newfstatat, fd, "", &ls, 0), -ENOENT);
	assert_int_equal(S4(newfstatat, AT_FDCWD, "/st", &ls, 0x8000), -EINVAL);
	struct statx sx;
	memset(&sx, 0xff, sizeof(sx));
	assert_int_equal(S5(statx, AT_FDCWD, "/st", 0, STATX_BASIC_STATS, &sx), 0);
	assert_int_equal(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
	assert_int_equal(sx.stx_size, 5);
	assert_int_equal(sx.stx_ino, st.st_ino);
	assert_int_equal(sx.stx_mode, st.st_mode);
	assert_int_equal(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
	assert_int_equal(sx.stx_dev_minor, minor(st.st_dev));
	assert_int_equal(S2(chmod, "/stl", 0600), 0); /* follows to /st */
	assert_int_equal(S2(stat, "/st", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(S2(fchmod, fd, 0755), 0);
	assert_int_equal(S2(access, "/st", X_OK), 0);
	assert_int_equal(S2(fchmod, fd, 0644), 0);
	assert_int_equal(S2(access, "/st", X_OK), -EACCES);
	assert_int_equal(S2(access, "/st", R_OK | W_OK), 0);
	assert_int_equal(S2(access, "/st", 8), -EINVAL);
	assert_int_equal(S2(access, "/nope", F_OK), -ENOENT);
	struct timespec ts[2] = { { 100, 5 }, { 200, UTIME_OMIT } };
	assert_int_equal(S4(utimensat, AT_FDCWD, "/st", ts, 0), 0);
	assert_int_equal(S2(stat, "/st", &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 100);
	assert_int_equal(st.st_mtim.tv_sec, 1700000000);
	assert_int_equal(S2(truncate, "/st", 2), 0);
	assert_int_equal(S2(ftruncate, fd, 3), 0);
	assert_int_equal(S2(stat, "/st", &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(S2(truncate, "/st", -1), -EINVAL);
	assert_int_equal(S2(truncate, "/", 0), -EISDIR);
	char lb[8];
	assert_int_equal(S3(readlink, "/stl", lb, sizeof(lb)), 2);
	assert_memory_equal(lb, "st", 2);
	assert_int_equal(S3(readlink, "/st", lb, sizeof(lb)), -EINVAL);
	assert_int_equal(S3(readlink, "/stl", lb, 0), -EINVAL);
	assert_int_equal(S1(close, fd), 0);
	assert_int_equal(S1(unlink, "/stl"), 0);
	assert_int_equal(S1(unlink, "/st"), 0);
}

struct d64 {
	u64 ino;
	s64 off;
	u16 reclen;
	u8 type;
	char name[];
};

static void test_dirs(void **state)
{
	(void)state;
	assert_int_equal(S2(mkdir, "/d", 0755), 0);
	assert_int_equal(S2(mkdir, "/d", 0755), -EEXIST);
	assert_int_equal(S2(mkdir, "/d/a/b", 0755), -ENOENT);
	assert_int_equal(S3(mkdirat, AT_FDCWD, "/d/sub", 0700), 0);
	long dfd = S2(open, "/d", O_RDONLY | O_DIRECTORY);
	assert_int_equal(S3(mkdirat, dfd, "rel", 0700), 0);
	long f = S4(openat, dfd, "file", O_CREAT | O_WRONLY, 0600);
	assert_true(f >= 0);
	assert_int_equal(S1(close, f), 0);
	/* getdents64: ".", "..", then the entries with d_off chained */
	char buf[512];
	long n = S3(getdents64, dfd, buf, sizeof(buf));
	assert_true(n > 0);
	const char *want[] = { ".", "..", "sub", "rel", "file" };
	const u8 types[] = { DT_DIR, DT_DIR, DT_DIR, DT_DIR, DT_REG };
	int k = 0;
	s64 off_after[5] = { 0 };
	for (long o = 0; o < n; k++) {
		struct d64 *e = (struct d64 *)(buf + o);
		assert_true(k < 5);
		off_after[k] = e->off;
		assert_string_equal(e->name, want[k]);
		assert_int_equal(e->type, types[k]);
		assert_int_equal(e->reclen % 8, 0);
		o += e->reclen;
	}
	assert_int_equal(k, 5);
	assert_int_equal(S3(getdents64, dfd, buf, sizeof(buf)), 0); /* the end */
	/* each d_off is where reading resumes after that entry (telldir) */
	for (k = 0; k < 4; k++) {
		assert_int_equal(S3(lseek, dfd, off_after[k], SEEK_SET), off_after[k]);
		assert_true(S3(getdents64, dfd, buf, sizeof(buf)) > 0);
		assert_string_equal(((struct d64 *)buf)->name, want[k + 1]);
	}
	/* a small buffer: one entry at a time, resuming at d_off */
	assert_int_equal(S3(lseek, dfd, 0, SEEK_SET), 0);
	assert_int_equal(S3(getdents64, dfd, buf, 10), -EINVAL);
	for (k = 0; k < 5; k++) {
		n = S3(getdents64, dfd, buf, 24);
		assert_int_equal(n, 24);
		assert_string_equal(((struct d64 *)buf)->name, want[k]);
	}
	assert_int_equal(S3(getdents64, dfd, buf, 24), 0);
	long ff = S2(open, "/d/file", O_RDONLY);
	assert_int_equal(S3(getdents64, ff, buf, sizeof(buf)), -ENOTDIR);
	assert_int_equal(S3(read, dfd, buf, 1), -EISDIR);
	/* cwd */
	assert_int_equal(S1(chdir, "/d/sub"), 0);
	char cwd[64];
	assert_int_equal(S2(getcwd, cwd, sizeof(cwd)), 7);
	assert_string_equal(cwd, "/d/sub");
	assert_int_equal(S2(getcwd, cwd, 3), -ERANGE);
	assert_int_equal(S1(chdir, "/d/file"), -ENOTDIR);
	assert_int_equal(S1(fchdir, dfd), 0);
	assert_int_equal(S2(getcwd, cwd, sizeof(cwd)), 3);
	assert_int_equal(S1(fchdir, ff), -ENOTDIR);
	/* relative names from the cwd */
	long r = S2(open, "file", O_RDONLY);
	assert_true(r >= 0);
	assert_int_equal(S1(close, r), 0);
	assert_int_equal(S1(chdir, "/"), 0);
	/* remove */
	assert_int_equal(S1(rmdir, "/d"), -ENOTEMPTY);
	assert_int_equal(S1(rmdir, "/d/file"), -ENOTDIR);
	assert_int_equal(S1(unlink, "/d/sub"), -EISDIR);
	assert_int_equal(S3(unlinkat, dfd, "sub", AT_REMOVEDIR), 0);
	assert_int_equal(S3(unlinkat, dfd, "rel", 0x1), -EINVAL);
	assert_int_equal(S3(unlinkat, dfd, "rel", AT_REMOVEDIR), 0);
	/* rename */
	assert_int_equal(S2(rename, "/d/file", "/d/file2"), 0);
	assert_int_equal(S4(renameat, dfd, "file2", AT_FDCWD, "/moved"), 0);
	assert_int_equal(S5(renameat2, AT_FDCWD, "/moved", AT_FDCWD, "/m2", 1), -EINVAL);
	assert_int_equal(S5(renameat2, AT_FDCWD, "/moved", AT_FDCWD, "/m2", 0), 0);
	assert_int_equal(S2(rename, "/d", "/d/x"), -EINVAL);
	assert_int_equal(S2(link, "/m2", "/hard"), 0);
	struct stat s1, s2;
	assert_int_equal(S2(stat, "/m2", &s1), 0);
	assert_int_equal(S2(stat, "/hard", &s2), 0);
	assert_int_equal(s1.st_ino, s2.st_ino);
	assert_int_equal(s2.st_nlink, 2);
	assert_int_equal(S2(link, "/d", "/dirlink"), -EPERM);
	assert_int_equal(S5(linkat, AT_FDCWD, "/hard", dfd, "h2", 0), 0);
	assert_int_equal(S5(linkat, AT_FDCWD, "/hard", dfd, "h3", 0x8), -EINVAL);
	assert_int_equal(S1(unlink, "/hard"), 0);
	assert_int_equal(S1(unlink, "/d/h2"), 0);
	assert_int_equal(S1(unlink, "/m2"), 0);
	assert_int_equal(S1(close, ff), 0);
	assert_int_equal(S1(close, dfd), 0);
	assert_int_equal(S1(rmdir, "/d"), 0);
	assert_int_equal(S1(rmdir, "/d"), -ENOENT);
}

static void test_fds(void **state)
{
	(void)state;
	long a = S3(open, "/fd", O_RDWR | O_CREAT, 0600);
	assert_true(a >= 0);
	long b = S1(dup, a);
	assert_int_equal(b, a + 1);
	/* dup shares the offset */
	assert_int_equal(S3(write, a, "abc", 3), 3);
	assert_int_equal(S3(lseek, b, 0, SEEK_CUR), 3);
	assert_int_equal(S2(dup2, a, 20), 20);
	assert_int_equal(S2(dup2, a, a), a);
	assert_int_equal(S2(dup2, 99, 21), -EBADF);
	assert_int_equal(S2(dup2, a, 1024), -EBADF);
	assert_int_equal(S3(dup3, a, a, 0), -EINVAL);
	assert_int_equal(S3(dup3, a, 21, 0x1), -EINVAL);
	assert_int_equal(S3(dup3, a, 21, O_CLOEXEC), 21);
	assert_int_equal(S2(fcntl, 21, F_GETFD), FD_CLOEXEC);
	assert_int_equal(S2(fcntl, 20, F_GETFD), 0);
	assert_int_equal(S3(fcntl, 20, F_SETFD, FD_CLOEXEC), 0);
	assert_int_equal(S2(fcntl, 20, F_GETFD), FD_CLOEXEC);
	assert_int_equal(S3(fcntl, a, F_DUPFD, 30), 30);
	assert_int_equal(S3(fcntl, a, F_DUPFD_CLOEXEC, 30), 31);
	assert_int_equal(S2(fcntl, 31, F_GETFD), FD_CLOEXEC);
	assert_int_equal(S3(fcntl, a, F_DUPFD, 1024), -EINVAL);
	/* status flags are shared by the duplicates */
	assert_int_equal(S2(fcntl, a, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR);
	assert_int_equal(S3(fcntl, a, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY), 0);
	assert_int_equal(S2(fcntl, b, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK),
			 O_RDWR | O_APPEND | O_NONBLOCK);
	assert_int_equal(S2(fcntl, a, 12345), -EINVAL);
	assert_int_equal(S2(fcntl, 77, F_GETFD), -EBADF);
	assert_int_equal(S3(ioctl, a, 0x5401, 0), -ENOTTY); /* TCGETS on a file */
	int i1 = 1;
	assert_int_equal(S3(ioctl, a, FIONBIO, &i1), 0);
	for (long fd = a; fd < 32; fd++)
		(void)S1(close, fd);
	assert_int_equal(S1(unlink, "/fd"), 0);
}

static void test_pipes(void **state)
{
	(void)state;
	int p[2] = { -1, -1 };
	assert_int_equal(S2(pipe2, p, O_NONBLOCK | O_CLOEXEC), 0);
	assert_true(p[0] >= 0 && p[1] == p[0] + 1);
	assert_int_equal(S2(fcntl, p[0], F_GETFD), FD_CLOEXEC);
	char b[16];
	assert_int_equal(S3(read, p[0], b, sizeof(b)), -EAGAIN);
	assert_int_equal(S3(write, p[1], "ping", 4), 4);
	int avail = 0;
	assert_int_equal(S3(ioctl, p[0], FIONREAD, &avail), 0);
	assert_int_equal(avail, 4);
	assert_int_equal(S3(read, p[0], b, sizeof(b)), 4);
	assert_int_equal(S3(lseek, p[0], 0, SEEK_SET), -ESPIPE);
	assert_int_equal(S4(pread64, p[0], b, 1, 0), -ESPIPE);
	struct stat st;
	assert_int_equal(S2(fstat, p[0], &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* fill: 64 KiB, then EAGAIN (PIPE_BUF writes are all-or-nothing) */
	static char big[70000];
	assert_int_equal(S3(write, p[1], big, sizeof(big)), 65536);
	assert_int_equal(S3(write, p[1], big, 1), -EAGAIN);
	assert_int_equal(S3(read, p[0], big, 100), 100);
	assert_int_equal(S3(write, p[1], big, 200), -EAGAIN);
	assert_int_equal(S3(write, p[1], big, 100), 100);
	/* the write end closes: data, then EOF */
	assert_int_equal(S1(close, p[1]), 0);
	assert_int_equal(S3(read, p[0], big, sizeof(big)), 65536);
	assert_int_equal(S3(read, p[0], b, 1), 0);
	assert_int_equal(S1(close, p[0]), 0);
	/* the read end closes: EPIPE */
	assert_int_equal(S1(pipe, p), 0);
	assert_int_equal(S2(fcntl, p[0], F_GETFD), 0);
	assert_int_equal(S1(close, p[0]), 0);
	assert_int_equal(S3(write, p[1], "x", 1), -EPIPE);
	assert_int_equal(S1(close, p[1]), 0);
	assert_int_equal(S2(pipe2, p, 0x1), -EINVAL);
	assert_int_equal(S1(pipe, (void *)0xffff800000000000ULL), -EFAULT);
}

static void test_fifo(void **state)
{
	(void)state;
	assert_int_equal(S3(mknod, "/fifo", S_IFIFO | 0644, 0), 0);
	assert_int_equal(S3(mknod, "/fifo", S_IFIFO | 0644, 0), -EEXIST);
	assert_int_equal(S3(mknod, "/dev0", S_IFCHR | 0600, 0x103), -EPERM);
	assert_int_equal(S4(mknodat, AT_FDCWD, "/plain", 0600, 0), 0);
	struct stat st;
	assert_int_equal(S2(stat, "/fifo", &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(S2(stat, "/plain", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* no reader: a non-blocking writer is refused */
	assert_int_equal(S2(open, "/fifo", O_WRONLY | O_NONBLOCK), -ENXIO);
	long r = S2(open, "/fifo", O_RDONLY | O_NONBLOCK);
	assert_true(r >= 0);
	long w = S2(open, "/fifo", O_WRONLY | O_NONBLOCK);
	assert_true(w >= 0);
	char b[8] = { 0 };
	assert_int_equal(S3(read, r, b, sizeof(b)), -EAGAIN);
	assert_int_equal(S3(write, w, "fifo", 4), 4);
	/* another reader shares the same pipe */
	long r2 = S2(open, "/fifo", O_RDONLY | O_NONBLOCK);
	assert_int_equal(S3(read, r2, b, 2), 2);
	assert_int_equal(S3(read, r, b, sizeof(b)), 2);
	assert_memory_equal(b, "fo", 2);
	assert_int_equal(S1(close, w), 0);
	assert_int_equal(S3(read, r, b, sizeof(b)), 0); /* no writer: EOF */
	assert_int_equal(S1(close, r), 0);
	assert_int_equal(S1(close, r2), 0);
	/* the data went with the last close; O_RDWR opens at once */
	long rw = S2(open, "/fifo", O_RDWR | O_NONBLOCK);
	assert_true(rw >= 0);
	assert_int_equal(S3(read, rw, b, sizeof(b)), -EAGAIN);
	assert_int_equal(S3(write, rw, "x", 1), 1);
	assert_int_equal(S3(read, rw, b, sizeof(b)), 1);
	assert_int_equal(S3(lseek, rw, 0, SEEK_SET), -ESPIPE);
	assert_int_equal(S2(truncate, "/fifo", 0), -EINVAL);
	assert_int_equal(S1(close, rw), 0);
	assert_int_equal(S1(unlink, "/fifo"), 0);
	assert_int_equal(S1(unlink, "/plain"), 0);
}

static void test_poll_select_sendfile(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(S1(pipe, p), 0);
	long f = S3(open, "/pf", O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct pollfd pf[3] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { (int)f, POLLIN | POLLOUT, 0 } };
	assert_int_equal(S3(poll, pf, 3, 0), 2); /* the write end and the file */
	assert_int_equal(pf[0].revents, 0);
	assert_int_equal(pf[1].revents, POLLOUT);
	assert_int_equal(pf[2].revents, POLLIN | POLLOUT);
	pf[0].fd = 99;
	assert_int_equal(S3(poll, pf, 1, 0), 1);
	assert_int_equal(pf[0].revents, POLLNVAL);
	pf[0].fd = -1;
	assert_int_equal(S3(poll, pf, 1, 0), 0);
	assert_int_equal(S3(poll, pf, 1025, 0), -EINVAL);
	struct timespec ts0 = { 0, 0 }, bad = { 0, 1000000000 };
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	assert_int_equal(S3(write, p[1], "abc", 3), 3);
	assert_int_equal(S5(ppoll, pf, 1, &ts0, NULL, 0), 1);
	assert_int_equal(pf[0].revents, POLLIN);
	assert_int_equal(S5(ppoll, pf, 1, &bad, NULL, 0), -EINVAL);
	/* select: readable pipe, writable file, a bad descriptor */
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &rd); /* the write end never reads */
	FD_SET(f, &wr);
	struct timeval tv = { 0, 0 };
	assert_int_equal(S5(select, f + 1, &rd, &wr, NULL, &tv), 2);
	assert_true(FD_ISSET(p[0], &rd) && !FD_ISSET(p[1], &rd) && FD_ISSET(f, &wr));
	FD_ZERO(&rd);
	FD_SET(60, &rd);
	assert_int_equal(S5(select, 61, &rd, NULL, NULL, &tv), -EBADF);
	struct timeval badtv = { 0, 1000000 };
	assert_int_equal(S5(select, 1, NULL, NULL, NULL, &badtv), -EINVAL);
	assert_int_equal(sc(SYS_pselect6, (u64)(f + 1), 0, U(&wr), 0, U(&ts0), 0), 1);
	/* sendfile: file to pipe with an offset, file to file at the offset */
	assert_int_equal(S3(read, p[0], (char[8]){ 0 }, 8), 3);
	assert_int_equal(S3(write, f, "0123456789", 10), 10);
	off_t off = 4;
	assert_int_equal(S4(sendfile, p[1], f, &off, 100), 6);
	assert_int_equal(off, 10);
	char b[16] = { 0 };
	assert_int_equal(S3(read, p[0], b, sizeof(b)), 6);
	assert_string_equal(b, "456789");
	long g = S3(open, "/pf2", O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(S3(lseek, f, 2, SEEK_SET), 2);
	assert_int_equal(S4(sendfile, g, f, NULL, 5), 5);
	assert_int_equal(S3(lseek, f, 0, SEEK_CUR), 7);
	assert_int_equal(S4(pread64, g, b, 16, 0), 5);
	assert_memory_equal(b, "23456", 5);
	assert_int_equal(S4(sendfile, g, 99, NULL, 5), -EBADF);
	off = -1;
	assert_int_equal(S4(sendfile, g, f, &off, 5), -EINVAL);
	/* statfs */
	struct statfs sf;
	assert_int_equal(S2(statfs, "/", &sf), 0);
	assert_int_equal(sf.f_type, 0x01021994);
	assert_int_equal(sf.f_bsize, 4096);
	assert_int_equal(sf.f_namelen, 255);
	assert_int_equal(S2(fstatfs, p[0], &sf), 0);
	for (long fd = p[0]; fd <= g; fd++)
		(void)S1(close, fd);
	assert_int_equal(S1(unlink, "/pf"), 0);
	assert_int_equal(S1(unlink, "/pf2"), 0);
}

/* Arguments at the edges of their types (regressions of the system-call
 * review): offsets and timeouts that overflow (UBSan aborts on the signed
 * overflow they once were), and 32-bit arguments of Linux's prototypes
 * (getdents64 count, readlink bufsiz, poll nfds, F_DUPFD) given in a u64
 * with high bits set. */
static void test_argument_edges(void **state)
{
	(void)state;
	const s64 max = 0x7fffffffffffffffLL;
	long f = S3(open, "/edge", O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(f >= 0);
	assert_int_equal(S3(write, f, "abcdef", 6), 6);
	assert_int_equal(S3(lseek, f, 5, SEEK_SET), 5);
	assert_int_equal(S3(lseek, f, max, SEEK_END), -EINVAL);
	assert_int_equal(S3(lseek, f, max, SEEK_CUR), -EINVAL);
	assert_int_equal(S3(lseek, f, -1, 4 /* SEEK_HOLE */), -ENXIO);
	assert_int_equal(S3(lseek, f, -1, 3 /* SEEK_DATA */), -ENXIO);
	assert_int_equal(S3(lseek, f, 0, SEEK_CUR), 5);
	/* timeouts far beyond 2^63 ns: saturated, and a ready fd answers */
	int p[2];
	assert_int_equal(S1(pipe, p), 0);
	struct pollfd pf = { p[1], POLLOUT, 0 };
	struct timespec huge = { max, 999999999 };
	assert_int_equal(S5(ppoll, &pf, 1, &huge, NULL, 0), 1);
	fd_set wr;
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	struct timeval htv = { max, 999999 };
	assert_int_equal(S5(select, p[1] + 1, NULL, &wr, NULL, &htv), 1);
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	assert_int_equal(sc(SYS_pselect6, (u64)(p[1] + 1), 0, U(&wr), 0, U(&huge), 0), 1);
	/* 32-bit arguments */
	assert_int_equal(S3(poll, &pf, (1ULL << 32) | 1, 0), 1);
	assert_int_equal(S2(symlink, "/edge", "/edgelink"), 0);
	char b[16];
	memset(b, 'X', sizeof(b));
	assert_int_equal(S3(readlink, "/edgelink", b, (1ULL << 32) | 3), 3);
	assert_memory_equal(b, "/edXXX", 6);
	long d = S2(open, "/", O_RDONLY | O_DIRECTORY);
	char dents[512];
	assert_int_equal(S3(getdents64, d, dents, (1ULL << 32) | 1), -EINVAL);
	long g = S3(fcntl, f, F_DUPFD, (1ULL << 32) | 40);
	assert_true(g >= 40);
	(void)S1(close, g);
	(void)S1(close, d);
	(void)S1(close, p[0]);
	(void)S1(close, p[1]);
	(void)S1(close, f);
	assert_int_equal(S1(unlink, "/edgelink"), 0);
	assert_int_equal(S1(unlink, "/edge"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_read_write),
		cmocka_unit_test(test_stat_layouts),
		cmocka_unit_test(test_dirs),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_pipes),
		cmocka_unit_test(test_poll_select_sendfile),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_argument_edges),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
