/* kapi.c — the VFS for kernel code (shell commands, ktests): the vfs.h
 * calls that take kernel strings and buffers, on top of the same paths the
 * system calls use (namei.c), resolving from the root like a kernel
 * thread. Locking: as the operations they call. */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/string.h>

int vfs_kopen(const char *path, int flags, unsigned mode, struct file **out)
{
	return vfs_open(NULL, NULL, path, (u32)flags, mode, out);
}

long kernel_write(struct file *f, const void *buf, size_t n, u64 off)
{
	struct kvec v = { (void *)buf, n };
	struct iov_iter it;
	iter_init(&it, false, &v, 1);
	u64 pos = off;
	return vfs_write(f, &it, &pos);
}

static void stat_inode(struct inode *i, struct vfs_stat *st)
{
	vfs_lock();
	st->ino = i->ino;
	st->dev = i->sb->dev;
	st->mode = i->mode;
	st->nlink = i->nlink;
	st->uid = i->uid;
	st->gid = i->gid;
	st->rdev = i->rdev;
	st->size = i->size;
	st->mtime = i->mtime.sec;
	vfs_unlock();
}

void vfs_fstat(struct file *f, struct vfs_stat *st)
{
	stat_inode(f->path.ino, st);
}

int vfs_kstat(const char *path, bool follow, struct vfs_stat *st)
{
	struct nameidata nd;
	int r = path_lookup(NULL, NULL, path, follow ? LOOKUP_FOLLOW : 0, &nd);
	if (r)
		return r;
	stat_inode(nd.path.ino, st);
	path_put(&nd.path);
	return 0;
}

struct kd_ent {
	char name[NAME_MAX + 1];
	u64 ino;
};

struct kd_ctx {
	struct kd_ent *ents;
	size_t n, max;
};

static int kd_fill(void *vctx, const char *name, size_t len, u64 ino, u32 type)
{
	(void)type;
	struct kd_ctx *c = vctx;
	if (c->n == c->max)
		return 1;
	memcpy(c->ents[c->n].name, name, len);
	c->ents[c->n].name[len] = 0;
	c->ents[c->n].ino = ino;
	c->n++;
	return 0;
}

int vfs_kreaddir(const char *path, int (*fn)(void *ctx, const char *name,
					     const struct vfs_stat *st), void *ctx)
{
	struct nameidata nd;
	int r = path_lookup(NULL, NULL, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &nd);
	if (r)
		return r;
	struct inode *dir = nd.path.ino;
	if (!dir->iop->readdir) {
		path_put(&nd.path);
		return -ENOTDIR;
	}
	struct kd_ctx c = { .max = 32 };
	c.ents = kmalloc(c.max * sizeof(*c.ents), GFP_KERNEL);
	if (!c.ents) {
		path_put(&nd.path);
		return -ENOMEM;
	}
	const char *dots[2] = { ".", ".." };
	for (int i = 0; i < 2 && !r; i++) {
		struct vfs_stat st;
		struct nameidata d2;
		if (path_lookup(NULL, &nd.path, dots[i], 0, &d2) == 0) {
			stat_inode(d2.path.ino, &st);
			path_put(&d2.path);
			r = fn(ctx, dots[i], &st);
		}
	}
	u64 pos = 2;
	bool done = r != 0;
	while (!done) {
		c.n = 0;
		vfs_lock();
		u64 before = pos;
		int rr = dir->iop->readdir(dir, &pos, kd_fill, &c);
		vfs_unlock();
		if (rr < 0) {
			r = rr;
			break;
		}
		if (c.n == 0 || pos == before)
			break;
		/* entries are looked up one by one, outside the lock */
		for (size_t i = 0; i < c.n && !done; i++) {
			struct vfs_stat st = { .ino = c.ents[i].ino };
			struct nameidata d2;
			if (path_lookup(NULL, &nd.path, c.ents[i].name, 0, &d2) == 0) {
				stat_inode(d2.path.ino, &st);
				path_put(&d2.path);
			}
			if (fn(ctx, c.ents[i].name, &st)) {
				done = true;
				r = 0;
			}
		}
	}
	kfree(c.ents);
	path_put(&nd.path);
	return r;
}

int vfs_kreadlink(const char *path, char *buf, size_t size)
{
	struct nameidata nd;
	int r = path_lookup(NULL, NULL, path, 0, &nd);
	if (r)
		return r;
	r = vfs_readlink(nd.path.ino, buf, size);
	path_put(&nd.path);
	return r;
}

int vfs_kmkdir(const char *path, unsigned mode)
{
	return vfs_mknod(NULL, NULL, path, S_IFDIR | (mode & 07777), NULL);
}

int vfs_kunlink(const char *path) { return vfs_remove(NULL, NULL, path, false); }
int vfs_krmdir(const char *path) { return vfs_remove(NULL, NULL, path, true); }
int vfs_krename(const char *from, const char *to) { return vfs_rename(NULL, NULL, from, NULL, to); }
int vfs_ksymlink(const char *target, const char *path)
{
	return vfs_mknod(NULL, NULL, path, S_IFLNK | 0777, target);
}

int vfs_unpack_cpio(const void *data, size_t len, char *why, size_t why_size)
{
	return cpio_unpack(NULL, data, len, why, why_size);
}
