/* pipe.c — pipes (pipe(2), pipe2(2)): a 64 KiB ring (fs/pipe_ring.c)
 * shared by a read end and a write end, with POSIX semantics:
 *  - read returns what is there (up to the request), blocks while the
 *    pipe is empty and has writers, returns 0 (EOF) when it has none;
 *  - a write of at most PIPE_BUF (4096) bytes is atomic: it waits until
 *    all of it fits; larger writes may be split and interleaved; a write
 *    with no reader left gets -EPIPE and SIGPIPE (proc_kill on the caller);
 *  - O_NONBLOCK: -EAGAIN instead of blocking (a small write that does not
 *    fit entirely also gets -EAGAIN; a large one writes what fits);
 *  - blocking is interruptible: -EINTR when a signal is pending and
 *    nothing was transferred yet;
 *  - poll: POLLIN when data is there, POLLHUP when no writer is left;
 *    POLLOUT when PIPE_BUF bytes fit, POLLERR when no reader is left;
 *  - FIONREAD gives the bytes waiting.
 * Data crosses through a kernel bounce buffer, so user copies (which may
 * fault and sleep) never happen under the pipe's spinlock.
 *
 * A pipe can be opened again through its inode (/proc/PID/fd/N): that
 * adds an end (readers/writers count the open ends of each kind). Named
 * pipes (mkfifo) are tmpfs inodes with fifo_fops: their opens share one
 * pipe, made by the first open.
 *
 * Locking: pipe_ino_lock (spinlock) protects the inodes' link to their
 * pipe, then pipe->lock (spinlock) protects the ring and the reader/writer
 * counts; everybody waiting on the pipe (readers, writers, pollers) sleeps
 * on pipe->wq and is woken on every change. The pipe is freed when its
 * last end is released. */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/proc.h>
#include <rayos/string.h>
#include <rayos/syscall.h>
#include <rayos/uaccess.h>

struct pipe {
	spinlock_t lock;
	/* lock protects: */
	struct pipe_ring ring;
	int readers, writers;
	/* */
	struct wait_queue wq;
};

static struct super pipe_sb = { .fstype = "pipefs", .dev = 0 };

/* Which ends an open file is (O_RDWR, through /proc/PID/fd, is both). */
static bool reads(const struct file *f) { return f->mode_access != O_WRONLY; }
static bool writes(const struct file *f) { return f->mode_access != O_RDONLY; }

static long pipe_read(struct file *f, struct iov_iter *it, u64 *pos);
static long pipe_write(struct file *f, struct iov_iter *it, u64 *pos);
static long pipe_ioctl(struct file *f, u32 cmd, u64 arg);
static u32 pipe_poll(struct file *f, struct wait_queue **wq);
static void pipe_release(struct file *f);
static int pipe_open(struct inode *ino, struct file *f);

static const struct file_ops pipe_fops = {
	.open = pipe_open,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.release = pipe_release,
	.no_seek = true,
};
static const struct inode_ops pipe_iops = { 0 };

static bool can_read(void *arg)
{
	struct pipe *p = arg;
	spin_lock(&p->lock);
	bool r = pipe_ring_used(&p->ring) > 0 || p->writers == 0;
	spin_unlock(&p->lock);
	return r;
}

struct wcond {
	struct pipe *p;
	u32 need;
};

static bool can_write(void *arg)
{
	struct wcond *c = arg;
	spin_lock(&c->p->lock);
	bool r = pipe_ring_free(&c->p->ring) >= c->need || c->p->readers == 0;
	spin_unlock(&c->p->lock);
	return r;
}

static long pipe_read(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)pos;
	struct pipe *p = f->priv;
	u8 *bounce = kmalloc(PIPE_BUF, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	long done = 0;
	while (it->count) {
		spin_lock(&p->lock);
		u32 n = pipe_ring_get(&p->ring, bounce, (u32)MIN(it->count, (size_t)PIPE_BUF));
		bool eof = n == 0 && p->writers == 0;
		spin_unlock(&p->lock);
		if (n) {
			wake_up_all(&p->wq);
			if (iter_copy_out(it, bounce, n)) {
				/* the bytes are gone from the pipe, as on Linux */
				if (!done)
					done = -EFAULT;
				break;
			}
			done += n;
			continue;
		}
		if (done || eof)
			break;
		if (f->flags & O_NONBLOCK) {
			done = -EAGAIN;
			break;
		}
		int r = vfs_wait(&p->wq, can_read, p, 0, true);
		if (r) {
			done = r;
			break;
		}
	}
	kfree(bounce);
	return done;
}

static long pipe_write(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)pos;
	struct pipe *p = f->priv;
	u8 *bounce = kmalloc(PIPE_BUF, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	bool atomic = it->count <= PIPE_BUF;
	long done = 0;
	while (it->count) {
		u32 chunk = (u32)MIN(it->count, (size_t)PIPE_BUF);
		struct iov_iter save = *it;
		if (iter_copy_in(it, bounce, chunk)) {
			if (!done)
				done = -EFAULT;
			break;
		}
		u32 off = 0;
		while (off < chunk) {
			spin_lock(&p->lock);
			bool no_readers = p->readers == 0;
			u32 n = 0;
			u32 fr = pipe_ring_free(&p->ring);
			if (!no_readers && (atomic ? fr >= chunk - off : fr > 0))
				n = pipe_ring_put(&p->ring, bounce + off, chunk - off);
			spin_unlock(&p->lock);
			if (no_readers) {
				proc_kill(proc_pid(), SIGPIPE_NR);
				done = done ? done : -EPIPE;
				goto out;
			}
			if (n) {
				wake_up_all(&p->wq);
				off += n;
				done += n;
				continue;
			}
			if (f->flags & O_NONBLOCK) {
				done = done ? done : -EAGAIN;
				goto out;
			}
			struct wcond c = { p, atomic ? chunk - off : 1 };
			int r = vfs_wait(&p->wq, can_write, &c, 0, true);
			if (r) {
				done = done ? done : r;
				goto out;
			}
		}
		(void)save;
	}
out:
	kfree(bounce);
	return done;
}

static long pipe_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct pipe *p = f->priv;
	if (cmd != 0x541B) /* FIONREAD */
		return -ENOTTY;
	spin_lock(&p->lock);
	u32 n = pipe_ring_used(&p->ring);
	spin_unlock(&p->lock);
	return put_user_u32((u32 *)(uintptr_t)arg, n) ? -EFAULT : 0;
}

static u32 pipe_poll(struct file *f, struct wait_queue **wq)
{
	struct pipe *p = f->priv;
	*wq = &p->wq;
	u32 m = 0;
	spin_lock(&p->lock);
	if (reads(f)) {
		if (pipe_ring_used(&p->ring))
			m |= POLLIN | POLLRDNORM;
		if (p->writers == 0)
			m |= POLLHUP;
	}
	if (writes(f)) {
		if (pipe_ring_free(&p->ring) >= PIPE_BUF)
			m |= POLLOUT | POLLWRNORM;
		if (p->readers == 0)
			m |= POLLERR;
	}
	spin_unlock(&p->lock);
	return m;
}

/* pipe_ino_lock protects every pipe inode's priv (its struct pipe, NULL
 * once the last end is released); taken before pipe->lock. Spinlocks only:
 * release runs from file_put, which may be called anywhere. */
static spinlock_t pipe_ino_lock = SPINLOCK_INIT;

/* A pipe opened again through its inode (/proc/PID/fd/N, /dev/stdin): a
 * new end of the same pipe, or -ENXIO when its last end is already gone. */
static int pipe_open(struct inode *ino, struct file *f)
{
	spin_lock(&pipe_ino_lock);
	struct pipe *p = ino->priv; /* NULL once the last end went */
	if (p) {
		spin_lock(&p->lock);
		p->readers += reads(f);
		p->writers += writes(f);
		spin_unlock(&p->lock);
	}
	spin_unlock(&pipe_ino_lock);
	if (!p)
		return -ENXIO;
	f->priv = p;
	wake_up_all(&p->wq);
	return 0;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	struct inode *ino = f->path.ino;
	spin_lock(&pipe_ino_lock);
	spin_lock(&p->lock);
	p->readers -= reads(f);
	p->writers -= writes(f);
	bool last = p->readers == 0 && p->writers == 0;
	spin_unlock(&p->lock);
	if (last)
		ino->priv = NULL;
	spin_unlock(&pipe_ino_lock);
	wake_up_all(&p->wq);
	if (last) {
		kfree(p->ring.buf);
		kfree(p);
	}
}

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->ring.buf = kmalloc(PIPE_SIZE, GFP_KERNEL);
	if (!p->ring.buf) {
		kfree(p);
		return NULL;
	}
	spin_lock_init(&p->lock, "pipe");
	wait_queue_init(&p->wq);
	return p;
}

/* ---- named pipes (mkfifo): a tmpfs inode whose opens share one pipe ----
 * The pipe is made by the first open and freed with the last close (its
 * data goes with it, as on Linux). Opening for reading waits for a writer
 * and for writing waits for a reader, unless O_NONBLOCK: then a reader
 * opens at once and a writer without a reader gets -ENXIO. O_RDWR opens at
 * once (it is both ends). */

struct fifo_wait {
	struct pipe *p;
	bool want_writer;
};

static bool fifo_other_end(void *arg)
{
	struct fifo_wait *w = arg;
	spin_lock(&w->p->lock);
	bool r = w->want_writer ? w->p->writers > 0 : w->p->readers > 0;
	spin_unlock(&w->p->lock);
	return r;
}

static int fifo_open(struct inode *ino, struct file *f)
{
	struct pipe *fresh = pipe_alloc();
	if (!fresh)
		return -ENOMEM;
	spin_lock(&pipe_ino_lock);
	struct pipe *p = ino->priv;
	if (!p)
		p = ino->priv = fresh, fresh = NULL;
	spin_lock(&p->lock);
	int err = 0;
	if (f->mode_access == O_WRONLY && (f->flags & O_NONBLOCK) && p->readers == 0)
		err = -ENXIO;
	else {
		p->readers += reads(f);
		p->writers += writes(f);
	}
	bool unused = p->readers + p->writers == 0;
	spin_unlock(&p->lock);
	if (unused) /* a refused first open: nobody uses the pipe */
		ino->priv = NULL;
	spin_unlock(&pipe_ino_lock);
	if (fresh) {
		kfree(fresh->ring.buf);
		kfree(fresh);
	}
	if (unused) {
		kfree(p->ring.buf);
		kfree(p);
	}
	if (err)
		return err;
	f->priv = p;
	wake_up_all(&p->wq);
	if (f->mode_access != O_RDWR && !(f->flags & O_NONBLOCK)) {
		struct fifo_wait w = { p, f->mode_access == O_RDONLY };
		int r = vfs_wait(&p->wq, fifo_other_end, &w, 0, true);
		if (r) {
			pipe_release(f); /* this end goes again */
			return r;
		}
	}
	return 0;
}

const struct file_ops fifo_fops = {
	.open = fifo_open,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.release = pipe_release,
	.no_seek = true,
};

int pipe_create(struct file **rd, struct file **wr, u32 flags)
{
	struct pipe *p = pipe_alloc();
	if (!p)
		return -ENOMEM;
	if (!pipe_sb.dev)
		pipe_sb.dev = vfs_anon_dev();
	struct inode *ino = inode_new(&pipe_sb, S_IFIFO | 0600, &pipe_iops, &pipe_fops);
	struct path path = { vfs_root_mount(), ino };
	struct file *r = ino ? file_alloc(&path, O_RDONLY | (flags & O_NONBLOCK)) : NULL;
	struct file *w = ino ? file_alloc(&path, O_WRONLY | (flags & O_NONBLOCK)) : NULL;
	if (!r || !w) {
		if (ino)
			inode_put(ino);
		if (r) {
			r->fop = NULL;
			file_put(r);
		}
		if (w) {
			w->fop = NULL;
			file_put(w);
		}
		kfree(p->ring.buf);
		kfree(p);
		return -ENOMEM;
	}
	inode_put(ino); /* the files hold it */
	r->priv = w->priv = p;
	p->readers = p->writers = 1;
	ino->priv = p; /* for pipe_open (the files hold the inode) */
	*rd = r;
	*wr = w;
	return 0;
}

#pragma GCC diagnostic ignored "-Wunused-parameter"

static long do_pipe2(u64 ufds, u64 flags)
{
	if (flags & ~(u64)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (!access_ok((void *)(uintptr_t)ufds, 8))
		return -EFAULT;
	struct files *ft = current_files();
	if (!ft)
		return -EMFILE;
	struct file *r, *w;
	int err = pipe_create(&r, &w, (u32)flags);
	if (err)
		return err;
	bool ce = flags & O_CLOEXEC;
	int fr = fd_install(ft, r, 0, ce);
	if (fr < 0) {
		file_put(r);
		file_put(w);
		return fr;
	}
	int fw = fd_install(ft, w, 0, ce);
	if (fw < 0) {
		fd_close(ft, fr);
		file_put(w);
		return fw;
	}
	int fds[2] = { fr, fw };
	if (copy_to_user((void *)(uintptr_t)ufds, fds, sizeof(fds))) {
		fd_close(ft, fr);
		fd_close(ft, fw);
		return -EFAULT;
	}
	return 0;
}

/* mknod(2)/mknodat(2): FIFOs and regular files only (no device nodes:
 * devfs has the devices): -EPERM for others, as without CAP_MKNOD. */
static int op_mknod(struct fs_ctx *fs, const struct path *base, const char *name, u32 mode)
{
	u32 type = mode & S_IFMT;
	if (type == 0)
		type = S_IFREG;
	if (type == S_IFCHR || type == S_IFBLK)
		return -EPERM;
	if (type != S_IFIFO && type != S_IFREG)
		return -EINVAL;
	if (type == S_IFREG) {
		struct file *f;
		int r = vfs_open(fs, base, name, O_CREAT | O_EXCL | O_WRONLY, mode & 07777, &f);
		if (!r)
			file_put(f);
		return r;
	}
	return vfs_mknod(fs, base, name, type | (mode & 07777), NULL);
}

static long do_mknodat(int dfd, u64 upath, u32 mode)
{
	char *name = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!name)
		return -ENOMEM;
	long n = strncpy_from_user(name, (const char *)(uintptr_t)upath, PATH_MAX);
	long r = n < 0 ? n : !name[0] ? -ENOENT : 0;
	struct path base = { 0 };
	bool have = false;
	if (!r && name[0] != '/' && dfd != -100 /* AT_FDCWD */) {
		struct file *f = fget(current_files(), dfd);
		if (!f)
			r = -EBADF;
		else if (!S_ISDIR(f->path.ino->mode))
			r = -ENOTDIR;
		else {
			base = f->path;
			path_get(&base);
			have = true;
		}
		if (f)
			file_put(f);
	}
	if (!r)
		r = op_mknod(current_fs(), have ? &base : NULL, name, mode);
	if (have)
		path_put(&base);
	kfree(name);
	return r;
}

static long sys_mknod(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) { return do_mknodat(-100, a0, (u32)a1); }
static long sys_mknodat(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) { return do_mknodat((int)a0, a1, (u32)a2); }
SYSCALL(mknod, sys_mknod);
SYSCALL(mknodat, sys_mknodat);

static long sys_pipe(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) { return do_pipe2(a0, 0); }
static long sys_pipe2(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) { return do_pipe2(a0, a1); }
SYSCALL(pipe, sys_pipe);
SYSCALL(pipe2, sys_pipe2);
