/* vfs.c — the VFS core: inodes and their reference counts, the mount
 * table, open file descriptions (struct file), the read/write iterator
 * that serves user and kernel buffers alike, and vfs_init().
 *
 * Model (after Unix's vnode layer, reduced): every object is an inode
 * with ops; a path is (mount, inode); a directory knows its parent, so
 * `..` and getcwd need no separate dentry cache. A mount covers an inode
 * of its parent mount; path resolution (namei.c) crosses it.
 *
 * Invariants: an inode is freed exactly when its reference count reaches
 * zero (directory entries, open files, paths in fs contexts and the
 * parent pointers of child directories each hold one). A struct file holds
 * one reference on its inode. The mount table only grows.
 *
 * Locking: see fs/internal.h (vfs_ns_lock, a mutex, for the namespace and
 * metadata; atomics for reference counts; file->pos_lock for the offset). */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/proc.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>

struct mutex vfs_ns_lock = MUTEX_INIT(vfs_ns_lock, "vfs_ns_lock");

void vfs_lock(void) { mutex_lock(&vfs_ns_lock); }
void vfs_unlock(void) { mutex_unlock(&vfs_ns_lock); }

void vfs_now(struct vtime *t)
{
	s64 s = clock_wall_seconds();
	u64 ns = clock_monotonic_ns();
	t->sec = s < 0 ? (s64)(ns / NSEC_PER_SEC) : s;
	t->nsec = (u32)(ns % NSEC_PER_SEC);
}

/* Anonymous device numbers for in-memory file systems (Linux's 0:N). */
u32 vfs_anon_dev(void)
{
	static u32 next = 16;
	return __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
}

/* Live objects, for the metrics (atomic). */
static s64 live_inodes, live_files;
s64 vfs_live_inodes(void) { return __atomic_load_n(&live_inodes, __ATOMIC_RELAXED); }
s64 vfs_live_files(void) { return __atomic_load_n(&live_files, __ATOMIC_RELAXED); }

/* ---- inodes ---- */

struct inode *inode_new(struct super *sb, u32 mode, const struct inode_ops *iop,
			const struct file_ops *fop)
{
	struct inode *i = kzalloc(sizeof(*i), GFP_KERNEL);
	if (!i)
		return NULL;
	i->sb = sb;
	i->ino = __atomic_add_fetch(&sb->next_ino, 1, __ATOMIC_RELAXED);
	i->mode = mode;
	i->nlink = 1;
	i->iop = iop;
	i->fop = fop;
	i->refs = 1;
	__atomic_fetch_add(&live_inodes, 1, __ATOMIC_RELAXED);
	vfs_now(&i->mtime);
	i->atime = i->ctime = i->mtime;
	return i;
}

void inode_get(struct inode *i)
{
	__atomic_fetch_add(&i->refs, 1, __ATOMIC_RELAXED);
}

void inode_put(struct inode *i)
{
	while (i) {
		if (__atomic_sub_fetch(&i->refs, 1, __ATOMIC_ACQ_REL) != 0)
			return;
		struct inode *parent = i->parent;
		if (i->iop && i->iop->evict)
			i->iop->evict(i);
		kfree(i->link);
		kfree(i);
		__atomic_fetch_sub(&live_inodes, 1, __ATOMIC_RELAXED);
		i = parent; /* a directory held its parent */
	}
}

void path_get(struct path *p)
{
	if (p->ino)
		inode_get(p->ino);
}

void path_put(struct path *p)
{
	if (p->ino)
		inode_put(p->ino);
	p->ino = NULL;
	p->mnt = NULL;
}

u32 inode_dtype(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return DT_DIR;
	case S_IFREG: return DT_REG;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFIFO: return DT_FIFO;
	}
	return DT_UNKNOWN;
}

/* ---- mounts ---- */

#define MAX_MOUNTS 16
static struct mount mounts[MAX_MOUNTS];
static int nr_mounts; /* vfs_ns_lock */

struct mount *vfs_mount(struct super *sb, struct inode *root, const struct path *at,
			const char *where, const char *source)
{
	vfs_lock();
	if (nr_mounts == MAX_MOUNTS || (at && !S_ISDIR(at->ino->mode))) {
		vfs_unlock();
		return NULL;
	}
	struct mount *m = &mounts[nr_mounts];
	m->sb = sb;
	m->root = root; /* the caller's reference moves in */
	m->parent = at ? at->mnt : NULL;
	m->mp = at ? at->ino : NULL;
	if (m->mp)
		inode_get(m->mp);
	strlcpy(m->where, where, sizeof(m->where));
	m->source = source;
	__atomic_store_n(&nr_mounts, nr_mounts + 1, __ATOMIC_RELEASE);
	vfs_unlock();
	return m;
}

struct mount *vfs_root_mount(void)
{
	return __atomic_load_n(&nr_mounts, __ATOMIC_ACQUIRE) ? &mounts[0] : NULL;
}

struct mount *mount_at(struct mount *mnt, struct inode *ino)
{
	for (int i = 1; i < nr_mounts; i++)
		if (mounts[i].parent == mnt && mounts[i].mp == ino)
			return &mounts[i];
	return NULL;
}

int vfs_mount_count(void) { return __atomic_load_n(&nr_mounts, __ATOMIC_ACQUIRE); }
struct mount *vfs_mount_at_index(int i)
{
	return i >= 0 && i < vfs_mount_count() ? &mounts[i] : NULL;
}

/* ---- the iterator ---- */

void iter_init(struct iov_iter *it, bool user, const struct kvec *seg, u32 nseg)
{
	it->user = user;
	it->seg = seg;
	it->nseg = nseg;
	it->idx = 0;
	it->off = 0;
	it->count = 0;
	for (u32 i = 0; i < nseg; i++)
		it->count += seg[i].len;
}

/* Move n bytes between kernel memory k and the iterator (out: into it). */
static int iter_move(struct iov_iter *it, void *k, size_t n, bool out, bool zero)
{
	if (n > it->count)
		return -EINVAL;
	char *kp = k;
	while (n) {
		while (it->idx < it->nseg && it->off == it->seg[it->idx].len) {
			it->idx++;
			it->off = 0;
		}
		if (it->idx == it->nseg)
			return -EINVAL;
		char *p = (char *)it->seg[it->idx].base + it->off;
		size_t c = MIN(n, it->seg[it->idx].len - it->off);
		int r = 0;
		if (zero) {
			if (it->user)
				r = clear_user(p, c);
			else
				memset(p, 0, c);
		} else if (out) {
			if (it->user)
				r = copy_to_user(p, kp, c);
			else
				memcpy(p, kp, c);
		} else {
			if (it->user)
				r = copy_from_user(kp, p, c);
			else
				memcpy(kp, p, c);
		}
		if (r)
			return -EFAULT;
		it->off += c;
		it->count -= c;
		n -= c;
		if (kp)
			kp += c;
	}
	return 0;
}

int iter_copy_out(struct iov_iter *it, const void *src, size_t n)
{
	return iter_move(it, (void *)src, n, true, false);
}

int iter_copy_in(struct iov_iter *it, void *dst, size_t n)
{
	return iter_move(it, dst, n, false, false);
}

int iter_zero_out(struct iov_iter *it, size_t n)
{
	return iter_move(it, NULL, n, true, true);
}

long read_from_buffer(struct iov_iter *it, u64 *pos, const char *buf, size_t len)
{
	if (*pos >= len)
		return 0;
	size_t n = MIN(len - *pos, it->count);
	if (iter_copy_out(it, buf + *pos, n))
		return -EFAULT;
	*pos += n;
	return (long)n;
}

/* ---- open files ---- */

struct file *file_alloc(const struct path *p, u32 flags)
{
	struct file *f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	f->refs = 1;
	f->path = *p;
	path_get(&f->path);
	f->fop = p->ino && !(flags & O_PATH) ? p->ino->fop : NULL;
	f->flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	f->mode_access = flags & O_ACCMODE;
	mutex_init(&f->pos_lock, "file_pos");
	__atomic_fetch_add(&live_files, 1, __ATOMIC_RELAXED);
	return f;
}

void file_get(struct file *f)
{
	__atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (f->fop && f->fop->release)
		f->fop->release(f);
	path_put(&f->path);
	kfree(f);
	__atomic_fetch_sub(&live_files, 1, __ATOMIC_RELAXED);
}

long vfs_read(struct file *f, struct iov_iter *it, u64 *pos)
{
	if (f->mode_access == O_WRONLY || (f->flags & O_PATH))
		return -EBADF;
	if (f->path.ino && S_ISDIR(f->path.ino->mode))
		return -EISDIR;
	if (!f->fop || !f->fop->read)
		return -EINVAL;
	if (!it->count)
		return 0;
	return f->fop->read(f, it, pos);
}

long vfs_write(struct file *f, struct iov_iter *it, u64 *pos)
{
	if (f->mode_access == O_RDONLY || (f->flags & O_PATH))
		return -EBADF;
	if (!f->fop || !f->fop->write)
		return -EINVAL;
	if (!it->count)
		return 0;
	return f->fop->write(f, it, pos);
}

long kernel_read(struct file *f, void *buf, size_t n, u64 off)
{
	struct kvec v = { buf, n };
	struct iov_iter it;
	iter_init(&it, false, &v, 1);
	u64 pos = off;
	return vfs_read(f, &it, &pos);
}

int vfs_open_exec(const char *path, struct file **out)
{
	struct file *f;
	int r = vfs_open(current_fs(), NULL, path, O_RDONLY, 0, &f);
	if (r)
		return r;
	u32 mode = f->path.ino->mode;
	if (!S_ISREG(mode) || !(mode & 0111)) {
		file_put(f);
		return -EACCES;
	}
	*out = f;
	return 0;
}

