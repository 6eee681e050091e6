/* sys_fs.c — the file system calls (Linux x86_64 numbers and semantics):
 * open/openat/close, read/write/readv/writev/pread64/pwrite64, lseek,
 * the stat family (stat, fstat, lstat, newfstatat, statx), getdents64,
 * mkdir(at), unlink(at), rmdir, rename(at/at2), chdir, fchdir, getcwd,
 * dup/dup2/dup3, fcntl, ioctl, umask, access/faccessat(2), readlink(at),
 * symlink(at), chmod family, chown family, truncate/ftruncate, fsync,
 * fdatasync, sync, utimensat.
 *
 * Each call decodes and checks all of its arguments (flags, ranges, user
 * strings copied in with strncpy_from_user) before it changes anything;
 * user memory is touched only through uaccess.h (the iterator in vfs.c for
 * data). Errors are Linux's errno values. Credentials: every process is
 * root (uid 0), so permission bits are not enforced except that X_OK needs
 * an execute bit, as for root on Linux.
 *
 * Locking: none of its own; the fd table, fs context, file offset and
 * namespace locks are taken by the helpers (fs/internal.h). */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/proc.h>
#include <rayos/string.h>
#include <rayos/syscall.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"
#define SYSFN(name) static long sys_##name(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000
#define MAX_RW_COUNT 0x7ffff000UL /* Linux's INT_MAX & PAGE_MASK */
#define UIO_MAXIOV 1024

static void *uptr(u64 a) { return (void *)(uintptr_t)a; }

/* ---- helpers ---- */

/* Copy a user path into a new PATH_MAX buffer (caller kfrees). */
static int get_path(u64 uaddr, char **out)
{
	char *b = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	long n = strncpy_from_user(b, uptr(uaddr), PATH_MAX);
	if (n < 0) {
		kfree(b);
		return (int)n;
	}
	*out = b;
	return 0;
}

static struct files *files_cur(void)
{
	return current_files();
}

static struct file *fd_file(int fd)
{
	return fget(files_cur(), fd);
}

/* For calls that use the open file itself: an O_PATH descriptor only
 * names a location (fstat, fchdir, dup, *at bases take it; Linux's fdget
 * refuses it everywhere else: -EBADF). */
static struct file *fd_file_io(int fd)
{
	struct file *f = fd_file(fd);
	if (f && (f->flags & O_PATH)) {
		file_put(f);
		return NULL;
	}
	return f;
}

/* The base directory for a *at call: *base set (with a reference) for a
 * relative name and a real dirfd; none for AT_FDCWD or an absolute name. */
static int at_base(int dirfd, const char *name, struct path *base, bool *have)
{
	*have = false;
	if (name[0] == '/' || dirfd == AT_FDCWD)
		return 0;
	struct file *f = fd_file(dirfd);
	if (!f)
		return -EBADF;
	if (!S_ISDIR(f->path.ino->mode)) {
		file_put(f);
		return -ENOTDIR;
	}
	*base = f->path;
	path_get(base);
	file_put(f);
	*have = true;
	return 0;
}

/* Resolve (dirfd, user path) with flags: 0 with nd->path, or -errno.
 * AT_EMPTY_PATH with "" gives the dirfd's (or cwd's) own path. */
static int lookup_at(int dirfd, u64 upath, unsigned lflags, bool empty_ok, struct path *out)
{
	char *name = NULL;
	int r = get_path(upath, &name);
	if (r)
		return r;
	if (!name[0]) {
		kfree(name);
		if (!empty_ok)
			return -ENOENT;
		if (dirfd == AT_FDCWD) {
			struct path root;
			fs_ctx_get_paths(current_fs(), &root, out);
			path_put(&root);
			return 0;
		}
		struct file *f = fd_file(dirfd);
		if (!f)
			return -EBADF;
		*out = f->path;
		path_get(out);
		file_put(f);
		return 0;
	}
	struct path base;
	bool have;
	r = at_base(dirfd, name, &base, &have);
	if (!r) {
		struct nameidata nd;
		r = path_lookup(current_fs(), have ? &base : NULL, name, lflags, &nd);
		if (!r)
			*out = nd.path;
		if (have)
			path_put(&base);
	}
	kfree(name);
	return r;
}

/* Run op on the name a user path gives, relative to dirfd (an empty
 * path: -ENOENT); open and the name-changing calls go through it. */
typedef int (*name_op)(struct fs_ctx *fs, const struct path *base, const char *name, void *arg);
static int with_name_at(int dirfd, u64 upath, name_op op, void *arg)
{
	char *name = NULL;
	int r = get_path(upath, &name);
	if (r)
		return r;
	if (!name[0]) {
		kfree(name);
		return -ENOENT;
	}
	struct path base;
	bool have;
	r = at_base(dirfd, name, &base, &have);
	if (!r) {
		r = op(current_fs(), have ? &base : NULL, name, arg);
		if (have)
			path_put(&base);
	}
	kfree(name);
	return r;
}

/* ---- open, close ---- */

struct open_args {
	u32 flags, mode;
	struct file *f;
};

static int op_open(struct fs_ctx *fs, const struct path *base, const char *name, void *arg)
{
	struct open_args *a = arg;
	/* 64-bit: every file is opened O_LARGEFILE, as Linux does */
	return vfs_open(fs, base, name, a->flags | O_LARGEFILE, a->mode, &a->f);
}

static long do_openat(int dirfd, u64 upath, u32 flags, u32 mode)
{
	struct files *ft = files_cur();
	if (!ft)
		return -EMFILE;
	struct open_args a = { flags, mode, NULL };
	int r = with_name_at(dirfd, upath, op_open, &a);
	if (r)
		return r;
	int fd = fd_install(ft, a.f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(a.f);
	return fd;
}

SYSFN(open) { return do_openat(AT_FDCWD, a0, (u32)a1, (u32)a2); }
SYSFN(openat) { return do_openat((int)a0, a1, (u32)a2, (u32)a3); }
SYSFN(creat) { return do_openat(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, (u32)a1); }
SYSFN(close) { return fd_close(files_cur(), (int)a0); }

/* ---- read and write ---- */

/* off < 0: at (and advancing) the file offset. */
static long do_rw(int fd, struct iov_iter *it, bool write, s64 off)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	long r;
	if (off >= 0 && (!f->fop || f->fop->no_seek)) {
		r = -ESPIPE;
	} else if (off >= 0) {
		u64 pos = (u64)off;
		r = write ? vfs_write(f, it, &pos) : vfs_read(f, it, &pos);
	} else if (!f->fop || f->fop->no_seek) {
		u64 pos = 0;
		r = write ? vfs_write(f, it, &pos) : vfs_read(f, it, &pos);
	} else {
		mutex_lock(&f->pos_lock);
		u64 pos = f->pos;
		r = write ? vfs_write(f, it, &pos) : vfs_read(f, it, &pos);
		if (r >= 0)
			f->pos = pos;
		mutex_unlock(&f->pos_lock);
	}
	file_put(f);
	return r;
}

static long rw_one(u64 fd, u64 buf, u64 count, bool write, s64 off)
{
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (!access_ok(uptr(buf), count)) {
		struct file *f = fd_file((int)fd);
		if (!f)
			return -EBADF;
		file_put(f);
		return -EFAULT;
	}
	struct kvec v = { uptr(buf), (size_t)count };
	struct iov_iter it;
	iter_init(&it, true, &v, 1);
	return do_rw((int)fd, &it, write, off);
}

SYSFN(read) { return rw_one(a0, a1, a2, false, -1); }
SYSFN(write) { return rw_one(a0, a1, a2, true, -1); }
SYSFN(pread64) { return (s64)a3 < 0 ? -EINVAL : rw_one(a0, a1, a2, false, (s64)a3); }
SYSFN(pwrite64) { return (s64)a3 < 0 ? -EINVAL : rw_one(a0, a1, a2, true, (s64)a3); }

struct uiovec {
	u64 base, len;
};

static long rw_vec(u64 fd, u64 uiov, u64 cnt, bool write, s64 off)
{
	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	struct file *f = fd_file((int)fd);
	if (!f)
		return -EBADF;
	file_put(f);
	if (cnt == 0)
		return 0;
	struct uiovec *uv = kmalloc(cnt * sizeof(*uv), GFP_KERNEL);
	struct kvec *kv = kmalloc(cnt * sizeof(*kv), GFP_KERNEL);
	long r = 0;
	if (!uv || !kv)
		r = -ENOMEM;
	else if (copy_from_user(uv, uptr(uiov), cnt * sizeof(*uv)))
		r = -EFAULT;
	u64 total = 0;
	for (u64 i = 0; !r && i < cnt; i++) {
		/* a negative length is refused; the total is cut at
		 * MAX_RW_COUNT (total <= MAX_RW_COUNT throughout), as Linux */
		if ((s64)uv[i].len < 0)
			r = -EINVAL;
		else if (uv[i].len > MAX_RW_COUNT - total)
			uv[i].len = MAX_RW_COUNT - total;
		if (!r && !access_ok(uptr(uv[i].base), uv[i].len))
			r = -EFAULT;
		kv[i].base = uptr(uv[i].base);
		kv[i].len = (size_t)uv[i].len;
		total += uv[i].len;
	}
	if (!r) {
		struct iov_iter it;
		iter_init(&it, true, kv, (u32)cnt);
		r = do_rw((int)fd, &it, write, off);
	}
	kfree(uv);
	kfree(kv);
	return r;
}

SYSFN(readv) { return rw_vec(a0, a1, a2, false, -1); }
SYSFN(writev) { return rw_vec(a0, a1, a2, true, -1); }
SYSFN(preadv) { return (s64)a3 < 0 ? -EINVAL : rw_vec(a0, a1, a2, false, (s64)a3); }
SYSFN(pwritev) { return (s64)a3 < 0 ? -EINVAL : rw_vec(a0, a1, a2, true, (s64)a3); }

SYSFN(lseek)
{
	s64 off = (s64)a1;
	u32 whence = (u32)a2;
	struct file *f = fd_file_io((int)a0);
	if (!f)
		return -EBADF;
	long r;
	if (!f->fop || f->fop->no_seek) {
		r = -ESPIPE;
	} else if (whence > 4) {
		r = -EINVAL;
	} else {
		mutex_lock(&f->pos_lock);
		vfs_lock();
		s64 size = (s64)f->path.ino->size;
		vfs_unlock();
		s64 base = whence == 0 ? 0 : whence == 1 ? (s64)f->pos : whence == 2 ? size : off;
		s64 n = off;
		bool ovf = whence <= 2 && __builtin_add_overflow(base, off, &n);
		/* SEEK_DATA, SEEK_HOLE: an offset outside [0, size) is -ENXIO
		 * (a negative one too: Linux compares it unsigned) */
		if (whence >= 3 && (u64)off >= (u64)size)
			r = -ENXIO;
		else {
			if (whence == 4)
				n = size;
			if (ovf || n < 0)
				r = -EINVAL;
			else {
				f->pos = (u64)n;
				r = n;
			}
		}
		mutex_unlock(&f->pos_lock);
	}
	file_put(f);
	return r;
}

/* ---- stat ---- */

struct linux_stat {
	u64 st_dev, st_ino, st_nlink;
	u32 st_mode, st_uid, st_gid, __pad0;
	u64 st_rdev;
	s64 st_size, st_blksize, st_blocks;
	u64 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
	s64 __unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat layout (x86_64)");

struct statx_ts {
	s64 tv_sec;
	u32 tv_nsec;
	s32 __reserved;
};
struct linux_statx {
	u32 stx_mask, stx_blksize;
	u64 stx_attributes;
	u32 stx_nlink, stx_uid, stx_gid;
	u16 stx_mode, __spare0;
	u64 stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	u32 stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	u64 __spare2[14];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx layout");

static u64 encode_dev(u32 major, u32 minor)
{
	return (minor & 0xff) | (major << 8) | ((u64)(minor & ~0xffu) << 12);
}

static void fill_stat(struct inode *i, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	vfs_lock();
	st->st_dev = encode_dev(0, i->sb->dev);
	st->st_ino = i->ino;
	st->st_nlink = i->nlink;
	st->st_mode = i->mode;
	st->st_uid = i->uid;
	st->st_gid = i->gid;
	st->st_rdev = encode_dev(i->rdev >> 8, i->rdev & 0xff);
	st->st_size = (s64)i->size;
	st->st_blksize = 4096;
	st->st_blocks = (s64)i->blocks;
	st->st_atime = (u64)i->atime.sec;
	st->st_atime_nsec = i->atime.nsec;
	st->st_mtime = (u64)i->mtime.sec;
	st->st_mtime_nsec = i->mtime.nsec;
	st->st_ctime = (u64)i->ctime.sec;
	st->st_ctime_nsec = i->ctime.nsec;
	vfs_unlock();
}

static long stat_to_user(struct inode *i, u64 ubuf)
{
	struct linux_stat st;
	fill_stat(i, &st);
	return copy_to_user(uptr(ubuf), &st, sizeof(st)) ? -EFAULT : 0;
}

static long do_fstatat(int dirfd, u64 upath, u64 ubuf, u32 flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct path p;
	int r = lookup_at(dirfd, upath, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			  flags & AT_EMPTY_PATH, &p);
	if (r)
		return r;
	long ret = stat_to_user(p.ino, ubuf);
	path_put(&p);
	return ret;
}

SYSFN(stat) { return do_fstatat(AT_FDCWD, a0, a1, 0); }
SYSFN(lstat) { return do_fstatat(AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW); }
SYSFN(newfstatat) { return do_fstatat((int)a0, a1, a2, (u32)a3); }
SYSFN(fstat)
{
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	long r = stat_to_user(f->path.ino, a1);
	file_put(f);
	return r;
}

SYSFN(statx)
{
	int dirfd = (int)a0;
	u32 flags = (u32)a2;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if ((u32)a3 & 0x80000000u) /* STATX__RESERVED */
		return -EINVAL;
	struct path p;
	int r = lookup_at(dirfd, a1, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			  flags & AT_EMPTY_PATH, &p);
	if (r)
		return r;
	struct linux_stat st;
	fill_stat(p.ino, &st);
	path_put(&p);
	struct linux_statx sx;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = 0x7ff; /* STATX_BASIC_STATS */
	sx.stx_blksize = (u32)st.st_blksize;
	sx.stx_nlink = (u32)st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = (u16)st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = (u64)st.st_size;
	sx.stx_blocks = (u64)st.st_blocks;
	sx.stx_atime = (struct statx_ts){ (s64)st.st_atime, (u32)st.st_atime_nsec, 0 };
	sx.stx_mtime = (struct statx_ts){ (s64)st.st_mtime, (u32)st.st_mtime_nsec, 0 };
	sx.stx_ctime = (struct statx_ts){ (s64)st.st_ctime, (u32)st.st_ctime_nsec, 0 };
	sx.stx_rdev_major = (u32)((st.st_rdev >> 8) & 0xfff);
	sx.stx_rdev_minor = (u32)((st.st_rdev & 0xff) | ((st.st_rdev >> 12) & ~0xffULL));
	sx.stx_dev_major = (u32)((st.st_dev >> 8) & 0xfff);
	sx.stx_dev_minor = (u32)((st.st_dev & 0xff) | ((st.st_dev >> 12) & ~0xffULL));
	return copy_to_user(uptr(a4), &sx, sizeof(sx)) ? -EFAULT : 0;
}

/* ---- directories ---- */

/* linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name. */
struct dent_buf {
	char *buf;
	size_t size, used;
	const u64 *posp; /* readdir's cookie for the entry being filled */
	u64 fixed_next;  /* for "." and "..": the position after them */
	bool any_too_big;
};

static int dent_fill(void *ctx, const char *name, size_t len, u64 ino, u32 type)
{
	struct dent_buf *d = ctx;
	size_t reclen = ALIGN_UP(19 + len + 1, (size_t)8);
	if (d->used + reclen > d->size) {
		d->any_too_big = true;
		return 1;
	}
	u64 next = d->posp ? *d->posp + 1 : d->fixed_next;
	char *e = d->buf + d->used;
	memset(e, 0, reclen);
	memcpy(e, &ino, 8);
	memcpy(e + 8, &next, 8);
	u16 rl = (u16)reclen;
	memcpy(e + 16, &rl, 2);
	e[18] = (char)type;
	memcpy(e + 19, name, len);
	d->used += reclen;
	return 0;
}

SYSFN(getdents64)
{
	u64 count = (u32)a2; /* Linux: unsigned int count */
	struct file *f = fd_file_io((int)a0);
	if (!f)
		return -EBADF;
	struct inode *dir = f->path.ino;
	if (!S_ISDIR(dir->mode) || !dir->iop || !dir->iop->readdir) {
		file_put(f);
		return -ENOTDIR;
	}
	if (!access_ok(uptr(a1), count)) {
		file_put(f);
		return -EFAULT;
	}
	struct dent_buf d = { .size = MIN(count, (u64)16384) };
	d.buf = kmalloc(d.size ? d.size : 1, GFP_KERNEL);
	if (!d.buf) {
		file_put(f);
		return -ENOMEM;
	}
	long r = 0;
	mutex_lock(&f->pos_lock);
	u64 pos = f->pos;
	vfs_lock();
	if (pos == 0) {
		d.fixed_next = 1;
		if (!dent_fill(&d, ".", 1, dir->ino, DT_DIR))
			pos = 1;
	}
	if (pos == 1) {
		struct inode *par = dir;
		if (dir == f->path.mnt->root && f->path.mnt->mp)
			par = f->path.mnt->mp->parent ? f->path.mnt->mp->parent : f->path.mnt->mp;
		else if (dir->parent)
			par = dir->parent;
		d.fixed_next = 2;
		if (!dent_fill(&d, "..", 2, par->ino, DT_DIR))
			pos = 2;
	}
	if (pos >= 2) {
		d.posp = &pos;
		int rr = dir->iop->readdir(dir, &pos, dent_fill, &d);
		if (rr < 0)
			r = rr;
	}
	vfs_unlock();
	if (!r && d.used == 0 && d.any_too_big)
		r = -EINVAL; /* the buffer cannot hold one entry */
	if (!r && d.used && copy_to_user(uptr(a1), d.buf, d.used))
		r = -EFAULT;
	if (!r) {
		r = (long)d.used;
		f->pos = pos;
	}
	mutex_unlock(&f->pos_lock);
	kfree(d.buf);
	file_put(f);
	return r;
}

/* ---- names ---- */

static int op_mkdir(struct fs_ctx *fs, const struct path *base, const char *name, void *arg)
{
	return vfs_mknod(fs, base, name, S_IFDIR | (*(u32 *)arg & 07777), NULL);
}
SYSFN(mkdirat) { u32 m = (u32)a2; return with_name_at((int)a0, a1, op_mkdir, &m); }
SYSFN(mkdir) { u32 m = (u32)a1; return with_name_at(AT_FDCWD, a0, op_mkdir, &m); }

static int op_unlink(struct fs_ctx *fs, const struct path *base, const char *name, void *arg)
{
	return vfs_remove(fs, base, name, *(bool *)arg);
}
SYSFN(unlinkat)
{
	if (a2 & ~(u64)AT_REMOVEDIR)
		return -EINVAL;
	bool dir = a2 & AT_REMOVEDIR;
	return with_name_at((int)a0, a1, op_unlink, &dir);
}
SYSFN(unlink) { bool dir = false; return with_name_at(AT_FDCWD, a0, op_unlink, &dir); }
SYSFN(rmdir) { bool dir = true; return with_name_at(AT_FDCWD, a0, op_unlink, &dir); }

/* Two user paths, each resolved against its own directory fd (rename,
 * link): copies both names, finds both bases, calls op, cleans up. */
typedef int (*two_names_op)(const struct path *ob, const char *on, const struct path *nb,
			    const char *nn, u32 flags);

static long with_two_names_at(int odfd, u64 oname, int ndfd, u64 nname, two_names_op op, u32 flags)
{
	char *on = NULL, *nn = NULL;
	int r = get_path(oname, &on);
	if (r)
		return r;
	r = get_path(nname, &nn);
	if (r) {
		kfree(on);
		return r;
	}
	struct path ob, nb;
	bool oh = false, nh = false;
	if (!on[0] || !nn[0])
		r = -ENOENT;
	if (!r)
		r = at_base(odfd, on, &ob, &oh);
	if (!r)
		r = at_base(ndfd, nn, &nb, &nh);
	if (!r)
		r = op(oh ? &ob : NULL, on, nh ? &nb : NULL, nn, flags);
	if (oh)
		path_put(&ob);
	if (nh)
		path_put(&nb);
	kfree(on);
	kfree(nn);
	return r;
}

static int op_rename(const struct path *ob, const char *on, const struct path *nb, const char *nn, u32 flags)
{
	(void)flags;
	return vfs_rename(current_fs(), ob, on, nb, nn);
}

static long do_renameat2(int odfd, u64 oname, int ndfd, u64 nname, u32 flags)
{
	if (flags)
		return -EINVAL; /* RENAME_NOREPLACE/EXCHANGE/WHITEOUT: not supported */
	return with_two_names_at(odfd, oname, ndfd, nname, op_rename, flags);
}
SYSFN(rename) { return do_renameat2(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
SYSFN(renameat) { return do_renameat2((int)a0, a1, (int)a2, a3, 0); }
SYSFN(renameat2) { return do_renameat2((int)a0, a1, (int)a2, a3, (u32)a4); }

static int op_symlink(struct fs_ctx *fs, const struct path *base, const char *name, void *arg)
{
	return vfs_mknod(fs, base, name, S_IFLNK | 0777, arg);
}
static long do_symlinkat(u64 utarget, int dfd, u64 upath)
{
	char *target = NULL;
	int r = get_path(utarget, &target);
	if (r)
		return r;
	r = target[0] ? with_name_at(dfd, upath, op_symlink, target) : -ENOENT;
	kfree(target);
	return r;
}
SYSFN(symlink) { return do_symlinkat(a0, AT_FDCWD, a1); }
SYSFN(symlinkat) { return do_symlinkat(a0, (int)a1, a2); }

static long do_readlinkat(int dfd, u64 upath, u64 ubuf, s64 size)
{
	if (size <= 0)
		return -EINVAL;
	struct path p;
	int r = lookup_at(dfd, upath, 0, true, &p);
	if (r)
		return r;
	size_t n = (size_t)MIN(size, (s64)PATH_MAX);
	char *b = kmalloc(n, GFP_KERNEL);
	if (!b) {
		path_put(&p);
		return -ENOMEM;
	}
	r = vfs_readlink(p.ino, b, n);
	path_put(&p);
	if (r > 0 && copy_to_user(uptr(ubuf), b, (size_t)r))
		r = -EFAULT;
	kfree(b);
	return r;
}
/* Linux: int bufsiz (a size with high bits set is not a bigger buffer) */
SYSFN(readlink) { return do_readlinkat(AT_FDCWD, a0, a1, (int)a2); }
SYSFN(readlinkat) { return do_readlinkat((int)a0, a1, a2, (int)a3); }

static int op_link(const struct path *ob, const char *on, const struct path *nb, const char *nn, u32 flags)
{
	return vfs_link(current_fs(), ob, on, flags & AT_SYMLINK_FOLLOW, nb, nn);
}

static long do_linkat(int odfd, u64 oname, int ndfd, u64 nname, u32 flags)
{
	if (flags & ~(u32)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return with_two_names_at(odfd, oname, ndfd, nname, op_link, flags);
}
SYSFN(link) { return do_linkat(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
SYSFN(linkat) { return do_linkat((int)a0, a1, (int)a2, a3, (u32)a4); }

/* ---- working directory ---- */

SYSFN(chdir)
{
	struct path p;
	int r = lookup_at(AT_FDCWD, a0, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, false, &p);
	if (r)
		return r;
	fs_ctx_set_cwd(current_fs(), &p);
	path_put(&p);
	return 0;
}

SYSFN(fchdir)
{
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	int r = S_ISDIR(f->path.ino->mode) ? 0 : -ENOTDIR;
	if (!r)
		fs_ctx_set_cwd(current_fs(), &f->path);
	file_put(f);
	return r;
}

SYSFN(getcwd)
{
	u64 size = a1;
	char *b = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	struct path root, cwd;
	fs_ctx_get_paths(current_fs(), &root, &cwd);
	path_put(&root);
	int n = cwd.ino ? vfs_path_name(current_fs(), &cwd, b, PATH_MAX) : -ENOENT;
	path_put(&cwd);
	long r = n;
	if (n >= 0) {
		if ((u64)n + 1 > size)
			r = -ERANGE;
		else if (copy_to_user(uptr(a0), b, (size_t)n + 1))
			r = -EFAULT;
		else
			r = n + 1;
	}
	kfree(b);
	return r;
}

SYSFN(umask) { return fs_ctx_umask(current_fs(), (int)(a0 & 0777)); }

/* ---- descriptors ---- */

SYSFN(dup)
{
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	int fd = fd_install(files_cur(), f, 0, false);
	if (fd < 0)
		file_put(f);
	return fd;
}

static long do_dup3(int oldfd, int newfd, u32 flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (newfd < 0 || newfd >= fd_limit())
		return -EBADF;
	struct file *f = fd_file(oldfd);
	if (!f)
		return -EBADF;
	/* fails when another thread lowered RLIMIT_NOFILE meanwhile */
	int r = fd_install_at(files_cur(), f, newfd, flags & O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

SYSFN(dup2)
{
	int o = (int)a0, n = (int)a1;
	if (o == n) {
		struct file *f = fd_file(o);
		if (!f)
			return -EBADF;
		file_put(f);
		return n;
	}
	return do_dup3(o, n, 0);
}
SYSFN(dup3) { return (int)a0 == (int)a1 ? -EINVAL : do_dup3((int)a0, (int)a1, (u32)a2); }

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

SYSFN(fcntl)
{
	int fd = (int)a0;
	u32 cmd = (u32)a1;
	struct files *ft = files_cur();
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if ((f->flags & O_PATH) && cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC && cmd != F_GETFD &&
	    cmd != F_SETFD && cmd != F_GETFL) {
		file_put(f);
		return -EBADF; /* Linux's check_fcntl_cmd */
	}
	long r;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		/* Linux: the argument as an int, compared unsigned */
		if ((u32)a2 >= (u32)fd_limit()) {
			r = -EINVAL;
			break;
		}
		r = fd_install(ft, f, (int)(u32)a2, cmd == F_DUPFD_CLOEXEC);
		if (r >= 0)
			f = NULL; /* the reference went into the table */
		break;
	case F_GETFD:
		r = fd_get_cloexec(ft, fd) > 0 ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		r = fd_set_cloexec(ft, fd, a2 & FD_CLOEXEC);
		break;
	case F_GETFL:
		r = (long)(READ_ONCE(f->flags) | f->mode_access);
		break;
	case F_SETFL: {
		u32 old = READ_ONCE(f->flags);
		u32 nf = (old & ~(u32)O_SETFL_MASK) | ((u32)a2 & O_SETFL_MASK);
		WRITE_ONCE(f->flags, nf);
		r = 0;
		break;
	}
	case F_GETLK: {
		/* no locks are ever held: report F_UNLCK (struct flock l_type) */
		u16 unlck = 2;
		r = copy_to_user(uptr(a2), &unlck, 2) ? -EFAULT : 0;
		break;
	}
	case F_SETLK:
	case F_SETLKW:
		r = 0; /* advisory locks always granted (single user) */
		break;
	default:
		r = -EINVAL;
	}
	if (f)
		file_put(f);
	return r;
}

#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451

SYSFN(ioctl)
{
	int fd = (int)a0;
	u32 cmd = (u32)a1;
	struct file *f = fd_file_io(fd);
	if (!f)
		return -EBADF;
	long r;
	if (cmd == FIONBIO) {
		u32 on;
		r = get_user_u32(&on, uptr(a2));
		if (!r) {
			if (on)
				__atomic_fetch_or(&f->flags, O_NONBLOCK, __ATOMIC_RELAXED);
			else
				__atomic_fetch_and(&f->flags, ~(u32)O_NONBLOCK, __ATOMIC_RELAXED);
		}
	} else if (cmd == FIOCLEX || cmd == FIONCLEX) {
		r = fd_set_cloexec(files_cur(), fd, cmd == FIOCLEX);
	} else if (f->fop && f->fop->ioctl) {
		r = f->fop->ioctl(f, cmd, a2);
	} else {
		r = -ENOTTY;
	}
	file_put(f);
	return r;
}

/* ---- attributes ---- */

static long do_faccessat(int dfd, u64 upath, u32 mode, u32 flags)
{
	if (mode & ~7u)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int r = lookup_at(dfd, upath, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			  flags & AT_EMPTY_PATH, &p);
	if (r)
		return r;
	/* root: read and write always; execute needs an x bit (or a directory) */
	if ((mode & 1) && !S_ISDIR(p.ino->mode) && !(p.ino->mode & 0111))
		r = -EACCES;
	path_put(&p);
	return r;
}
SYSFN(access) { return do_faccessat(AT_FDCWD, a0, (u32)a1, 0); }
SYSFN(faccessat) { return do_faccessat((int)a0, a1, (u32)a2, 0); }
SYSFN(faccessat2) { return do_faccessat((int)a0, a1, (u32)a2, (u32)a3); }

static void set_mode(struct inode *i, u32 mode)
{
	vfs_lock();
	i->mode = (i->mode & S_IFMT) | (mode & 07777);
	vfs_now(&i->ctime);
	vfs_unlock();
}

static void set_owner(struct inode *i, u32 uid, u32 gid)
{
	vfs_lock();
	if (uid != (u32)-1)
		i->uid = uid;
	if (gid != (u32)-1)
		i->gid = gid;
	vfs_now(&i->ctime);
	vfs_unlock();
}

static long do_fchmodat(int dfd, u64 upath, u32 mode, u32 flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int r = lookup_at(dfd, upath, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			  flags & AT_EMPTY_PATH, &p);
	if (r)
		return r;
	if (S_ISLNK(p.ino->mode))
		r = -EOPNOTSUPP;
	else
		set_mode(p.ino, mode);
	path_put(&p);
	return r;
}
SYSFN(chmod) { return do_fchmodat(AT_FDCWD, a0, (u32)a1, 0); }
SYSFN(fchmodat) { return do_fchmodat((int)a0, a1, (u32)a2, 0); }
SYSFN(fchmod)
{
	struct file *f = fd_file_io((int)a0);
	if (!f)
		return -EBADF;
	set_mode(f->path.ino, (u32)a1);
	file_put(f);
	return 0;
}

static long do_fchownat(int dfd, u64 upath, u32 uid, u32 gid, u32 flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int r = lookup_at(dfd, upath, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			  flags & AT_EMPTY_PATH, &p);
	if (r)
		return r;
	set_owner(p.ino, uid, gid);
	path_put(&p);
	return 0;
}
SYSFN(chown) { return do_fchownat(AT_FDCWD, a0, (u32)a1, (u32)a2, 0); }
SYSFN(lchown) { return do_fchownat(AT_FDCWD, a0, (u32)a1, (u32)a2, AT_SYMLINK_NOFOLLOW); }
SYSFN(fchownat) { return do_fchownat((int)a0, a1, (u32)a2, (u32)a3, (u32)a4); }
SYSFN(fchown)
{
	struct file *f = fd_file_io((int)a0);
	if (!f)
		return -EBADF;
	set_owner(f->path.ino, (u32)a1, (u32)a2);
	file_put(f);
	return 0;
}

SYSFN(truncate)
{
	if ((s64)a1 < 0)
		return -EINVAL;
	struct path p;
	int r = lookup_at(AT_FDCWD, a0, LOOKUP_FOLLOW, false, &p);
	if (r)
		return r;
	r = vfs_truncate_inode(p.ino, a1);
	path_put(&p);
	return r;
}

SYSFN(ftruncate)
{
	if ((s64)a1 < 0)
		return -EINVAL;
	struct file *f = fd_file_io((int)a0);
	if (!f)
		return -EBADF;
	int r;
	if (f->mode_access == O_RDONLY || !S_ISREG(f->path.ino->mode))
		r = -EINVAL;
	else
		r = vfs_truncate_inode(f->path.ino, a1);
	file_put(f);
	return r;
}

static long fd_exists(u64 fd)
{
	struct file *f = fd_file_io((int)fd);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}
SYSFN(fsync) { return fd_exists(a0); }
SYSFN(fdatasync) { return fd_exists(a0); }
SYSFN(sync) { return 0; }

#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)
struct uts {
	s64 sec, nsec;
};

SYSFN(utimensat)
{
	int dfd = (int)a0;
	u32 flags = (u32)a3;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct uts t[2];
	bool now[2] = { true, true }, omit[2] = { false, false };
	if (a2) {
		if (copy_from_user(t, uptr(a2), sizeof(t)))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (t[i].nsec == UTIME_NOW)
				continue;
			now[i] = false;
			if (t[i].nsec == UTIME_OMIT)
				omit[i] = true;
			else if (t[i].nsec < 0 || t[i].nsec >= 1000000000)
				return -EINVAL;
		}
	}
	struct path p;
	int r;
	if (!a1) { /* futimens: the fd itself */
		struct file *f = fd_file_io(dfd);
		if (!f)
			return -EBADF;
		p = f->path;
		path_get(&p);
		file_put(f);
	} else {
		r = lookup_at(dfd, a1, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW,
			      flags & AT_EMPTY_PATH, &p);
		if (r)
			return r;
	}
	struct vtime cur;
	vfs_now(&cur);
	vfs_lock();
	struct vtime *dst[2] = { &p.ino->atime, &p.ino->mtime };
	for (int i = 0; i < 2; i++) {
		if (omit[i])
			continue;
		*dst[i] = now[i] ? cur : (struct vtime){ t[i].sec, (u32)t[i].nsec };
	}
	p.ino->ctime = cur;
	vfs_unlock();
	path_put(&p);
	return 0;
}

/* ---- sendfile(2): file to file through a kernel buffer ---- */

SYSFN(sendfile)
{
	int out_fd = (int)a0, in_fd = (int)a1;
	u64 uoff = a2, count = MIN(a3, (u64)MAX_RW_COUNT);
	struct file *in = fd_file(in_fd), *out = fd_file(out_fd);
	long r = 0;
	s64 off = -1;
	if (!in || !out)
		r = -EBADF;
	else if (uoff) {
		if (copy_from_user(&off, uptr(uoff), 8))
			r = -EFAULT;
		else if (off < 0)
			r = -EINVAL;
		else if (!in->fop || in->fop->no_seek)
			r = -ESPIPE;
	}
	char *buf = r ? NULL : kmalloc(4096, GFP_KERNEL);
	if (!r && !buf)
		r = -ENOMEM;
	long done = 0;
	while (!r && (u64)done < count) {
		size_t n = (size_t)MIN(count - (u64)done, (u64)4096);
		struct kvec v = { buf, n };
		struct iov_iter it;
		iter_init(&it, false, &v, 1);
		long got;
		if (off >= 0) {
			u64 p = (u64)off;
			got = vfs_read(in, &it, &p);
		} else if (!in->fop || in->fop->no_seek) {
			u64 p = 0;
			got = vfs_read(in, &it, &p);
		} else {
			mutex_lock(&in->pos_lock);
			u64 p = in->pos;
			got = vfs_read(in, &it, &p);
			if (got > 0)
				in->pos = p;
			mutex_unlock(&in->pos_lock);
		}
		if (got <= 0) {
			if (got < 0 && !done)
				r = got;
			break;
		}
		struct kvec w = { buf, (size_t)got };
		iter_init(&it, false, &w, 1);
		long put;
		if (!out->fop || out->fop->no_seek) {
			u64 p = 0;
			put = vfs_write(out, &it, &p);
		} else {
			mutex_lock(&out->pos_lock);
			u64 p = out->pos;
			put = vfs_write(out, &it, &p);
			if (put > 0)
				out->pos = p;
			mutex_unlock(&out->pos_lock);
		}
		if (off >= 0 && put > 0)
			off += put;
		if (put <= 0) {
			if (put < 0 && !done)
				r = put;
			break;
		}
		done += put;
		if (put < got) {
			/* a short write: the input gives back what was not sent */
			if (off < 0 && in->fop && !in->fop->no_seek) {
				mutex_lock(&in->pos_lock);
				in->pos -= (u64)(got - put);
				mutex_unlock(&in->pos_lock);
			}
			break;
		}
		if (got < (long)n)
			break;
	}
	if (!r && uoff && put_user_u64(uptr(uoff), (u64)off))
		r = -EFAULT;
	kfree(buf);
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return r ? r : done;
}

/* ---- statfs(2), fstatfs(2) ---- */

struct linux_statfs {
	s64 f_type, f_bsize;
	u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	s32 f_fsid[2];
	s64 f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs layout (x86_64)");

static long statfs_to_user(struct inode *i, u64 ubuf)
{
	struct linux_statfs s;
	memset(&s, 0, sizeof(s));
	const char *t = i->sb->fstype;
	s.f_type = !strcmp(t, "proc") ? 0x9fa0 : !strcmp(t, "pipefs") ? 0x50495045 : 0x01021994;
	s.f_bsize = s.f_frsize = 4096;
	if (!strcmp(t, "tmpfs")) {
		u64 used = tmpfs_pages(), lim = tmpfs_limit();
		s.f_blocks = lim;
		s.f_bfree = s.f_bavail = lim > used ? lim - used : 0;
		/* no inode table: as many inodes as pages, like Linux's
		 * tmpfs default; those in use are the live ones */
		u64 live = (u64)vfs_live_inodes();
		s.f_files = lim;
		s.f_ffree = lim > live ? lim - live : 0;
	}
	s.f_fsid[0] = (s32)i->sb->dev;
	s.f_namelen = NAME_MAX;
	return copy_to_user(uptr(ubuf), &s, sizeof(s)) ? -EFAULT : 0;
}

SYSFN(statfs)
{
	struct path p;
	int r = lookup_at(AT_FDCWD, a0, LOOKUP_FOLLOW, false, &p);
	if (r)
		return r;
	long ret = statfs_to_user(p.ino, a1);
	path_put(&p);
	return ret;
}

SYSFN(fstatfs)
{
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	long r = statfs_to_user(f->path.ino, a1);
	file_put(f);
	return r;
}

SYSCALL(sendfile, sys_sendfile);
SYSCALL(statfs, sys_statfs);
SYSCALL(fstatfs, sys_fstatfs);
SYSCALL(read, sys_read);
SYSCALL(write, sys_write);
SYSCALL(open, sys_open);
SYSCALL(openat, sys_openat);
SYSCALL(creat, sys_creat);
SYSCALL(close, sys_close);
SYSCALL(pread64, sys_pread64);
SYSCALL(pwrite64, sys_pwrite64);
SYSCALL(readv, sys_readv);
SYSCALL(writev, sys_writev);
SYSCALL(preadv, sys_preadv);
SYSCALL(pwritev, sys_pwritev);
SYSCALL(lseek, sys_lseek);
SYSCALL(stat, sys_stat);
SYSCALL(lstat, sys_lstat);
SYSCALL(fstat, sys_fstat);
SYSCALL(newfstatat, sys_newfstatat);
SYSCALL(statx, sys_statx);
SYSCALL(getdents64, sys_getdents64);
SYSCALL(mkdir, sys_mkdir);
SYSCALL(mkdirat, sys_mkdirat);
SYSCALL(unlink, sys_unlink);
SYSCALL(unlinkat, sys_unlinkat);
SYSCALL(rmdir, sys_rmdir);
SYSCALL(rename, sys_rename);
SYSCALL(renameat, sys_renameat);
SYSCALL(renameat2, sys_renameat2);
SYSCALL(symlink, sys_symlink);
SYSCALL(symlinkat, sys_symlinkat);
SYSCALL(readlink, sys_readlink);
SYSCALL(readlinkat, sys_readlinkat);
SYSCALL(link, sys_link);
SYSCALL(linkat, sys_linkat);
SYSCALL(chdir, sys_chdir);
SYSCALL(fchdir, sys_fchdir);
SYSCALL(getcwd, sys_getcwd);
SYSCALL(umask, sys_umask);
SYSCALL(dup, sys_dup);
SYSCALL(dup2, sys_dup2);
SYSCALL(dup3, sys_dup3);
SYSCALL(fcntl, sys_fcntl);
SYSCALL(ioctl, sys_ioctl);
SYSCALL(access, sys_access);
SYSCALL(faccessat, sys_faccessat);
SYSCALL(faccessat2, sys_faccessat2);
SYSCALL(chmod, sys_chmod);
SYSCALL(fchmod, sys_fchmod);
SYSCALL(fchmodat, sys_fchmodat);
SYSCALL(chown, sys_chown);
SYSCALL(lchown, sys_lchown);
SYSCALL(fchown, sys_fchown);
SYSCALL(fchownat, sys_fchownat);
SYSCALL(truncate, sys_truncate);
SYSCALL(ftruncate, sys_ftruncate);
SYSCALL(fsync, sys_fsync);
SYSCALL(fdatasync, sys_fdatasync);
SYSCALL(sync, sys_sync);
SYSCALL(utimensat, sys_utimensat);
