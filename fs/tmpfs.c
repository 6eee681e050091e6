/* tmpfs.c — the in-memory file system (the root, /tmp): regular files,
 * directories and symbolic links.
 *
 * Named pipes (S_IFIFO) carry fifo_fops (fs/pipe.c); no data here.
 * Regular files: a sparse array of page-sized chunks (kmalloc'd on first
 * write; a missing chunk reads as zeros), at most TMPFS_MAX_SIZE bytes.
 * Truncation frees chunks past the end and zeroes the tail of the last one,
 * so growing a file again shows zeros. Directories: a list of entries in
 * creation order, each with a readdir cookie (>= 2; 0 and 1 are "." and
 * ".." in the generic code) that is never reused in that directory, so
 * readdir continues correctly when entries are removed in between (rm -r
 * removes while it reads). Symlinks keep their target in inode->link.
 *
 * Every object points to the directory it was created or last renamed into
 * (inode->parent, a reference): `..` for directories, the path of an open
 * file for /proc/PID/fd (a hard link's other names are not tracked).
 * Link counts as Unix: a directory has 2 + its subdirectories; a file has
 * one per name (hard links); a removed object has 0. File data is limited
 * to tmpfs_set_limit() pages over all instances (-ENOSPC beyond). Each entry holds one reference on its inode; a child
 * directory holds one on its parent (inode->parent).
 *
 * Rename follows rename(2): replacing an existing target (file over file,
 * directory over an empty directory), -ENOTDIR/-EISDIR for type mismatches,
 * -ENOTEMPTY, a no-op when both names are the same inode; everything that
 * can fail (the new entry's memory) is done before anything changes.
 *
 * Locking: every operation runs under vfs_ns_lock (fs/internal.h); read and
 * write copy page-sized pieces through a bounce buffer so user copies
 * happen outside it. */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/string.h>

#define TMPFS_PAGE 4096u
#define TMPFS_MAX_SIZE (1ULL << 30)

struct tdirent {
	struct list_head node;
	u64 cookie;
	struct inode *ino;
	size_t len;
	char name[];
};

struct tdir {
	struct list_head entries;
	u64 next_cookie;
	u32 count;
};

struct tfile {
	char **chunks;  /* nchunks slots, NULL = hole */
	u64 nchunks;
};

static u64 tmpfs_chunk_count; /* atomic: chunks allocated, every instance */
static u64 tmpfs_chunk_limit = ~0ULL; /* -ENOSPC above it (Linux: half of RAM) */

void tmpfs_set_limit(u64 pages)
{
	tmpfs_chunk_limit = pages;
}

u64 tmpfs_limit(void)
{
	return tmpfs_chunk_limit;
}

u64 tmpfs_pages(void)
{
	return __atomic_load_n(&tmpfs_chunk_count, __ATOMIC_RELAXED);
}

static const struct inode_ops tmpfs_dir_iops, tmpfs_file_iops, tmpfs_link_iops, tmpfs_fifo_iops;
static const struct file_ops tmpfs_file_fops, tmpfs_dir_fops;

static struct tdirent *find(struct inode *dir, const char *name, size_t len)
{
	struct tdir *d = dir->priv;
	struct list_head *pos;
	list_for_each(pos, &d->entries) {
		struct tdirent *e = list_entry(pos, struct tdirent, node);
		if (e->len == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

static struct tdirent *dirent_new(const char *name, size_t len)
{
	struct tdirent *e = kmalloc(sizeof(*e) + len + 1, GFP_KERNEL);
	if (!e)
		return NULL;
	memcpy(e->name, name, len);
	e->name[len] = 0;
	e->len = len;
	list_init(&e->node);
	return e;
}

static void dirent_attach(struct inode *dir, struct tdirent *e, struct inode *ino)
{
	struct tdir *d = dir->priv;
	e->ino = ino;
	e->cookie = d->next_cookie++;
	list_add_tail(&e->node, &d->entries);
	d->count++;
	vfs_now(&dir->mtime);
	dir->ctime = dir->mtime;
}

static void dirent_detach(struct inode *dir, struct tdirent *e)
{
	struct tdir *d = dir->priv;
	list_del(&e->node);
	d->count--;
	vfs_now(&dir->mtime);
	dir->ctime = dir->mtime;
}

static int tmpfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct tdirent *e = find(dir, name, len);
	if (!e)
		return -ENOENT;
	inode_get(e->ino);
	*out = e->ino;
	return 0;
}

static struct inode *tmpfs_new_inode(struct super *sb, u32 mode, const char *target)
{
	const struct inode_ops *iop;
	const struct file_ops *fop;
	void *priv = NULL;
	char *link = NULL;
	switch (mode & S_IFMT) {
	case S_IFDIR: {
		struct tdir *d = kzalloc(sizeof(*d), GFP_KERNEL);
		if (!d)
			return NULL;
		list_init(&d->entries);
		d->next_cookie = 2;
		priv = d;
		iop = &tmpfs_dir_iops;
		fop = &tmpfs_dir_fops;
		break;
	}
	case S_IFREG:
		priv = kzalloc(sizeof(struct tfile), GFP_KERNEL);
		if (!priv)
			return NULL;
		iop = &tmpfs_file_iops;
		fop = &tmpfs_file_fops;
		break;
	case S_IFIFO:
		iop = &tmpfs_fifo_iops;
		fop = &fifo_fops;
		break;
	case S_IFLNK: {
		size_t n = target ? strlen(target) : 0;
		link = kmalloc(n + 1, GFP_KERNEL);
		if (!link)
			return NULL;
		memcpy(link, target ? target : "", n + 1);
		iop = &tmpfs_link_iops;
		fop = NULL;
		break;
	}
	default:
		return NULL;
	}
	struct inode *i = inode_new(sb, mode, iop, fop);
	if (!i) {
		kfree(priv);
		kfree(link);
		return NULL;
	}
	i->priv = priv;
	i->link = link;
	if (link)
		i->size = strlen(link);
	if (S_ISDIR(mode))
		i->nlink = 2;
	return i;
}

static int tmpfs_create_op(struct inode *dir, const char *name, size_t len, u32 mode,
			   const char *target, struct inode **out)
{
	u32 type = mode & S_IFMT;
	if (type != S_IFDIR && type != S_IFREG && type != S_IFLNK && type != S_IFIFO)
		return -EPERM;
	if (find(dir, name, len))
		return -EEXIST;
	if (type == S_IFLNK && (!target || !*target))
		return -ENOENT;
	if (type == S_IFLNK && strlen(target) >= PATH_MAX)
		return -ENAMETOOLONG;
	struct tdirent *e = dirent_new(name, len);
	if (!e)
		return -ENOMEM;
	struct inode *i = tmpfs_new_inode(dir->sb, mode, target);
	if (!i) {
		kfree(e);
		return -ENOMEM;
	}
	inode_get(dir);
	i->parent = dir; /* a file: the directory of its first name (/proc/PID/fd) */
	if (S_ISDIR(mode))
		dir->nlink++;
	dirent_attach(dir, e, i); /* the entry takes the inode's first reference */
	inode_get(i);
	*out = i;
	return 0;
}

static int tmpfs_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	if (S_ISDIR(target->mode))
		return -EPERM;
	if (target->sb != dir->sb)
		return -EXDEV;
	if (target->nlink == 0)
		return -ENOENT;
	if (find(dir, name, len))
		return -EEXIST;
	struct tdirent *e = dirent_new(name, len);
	if (!e)
		return -ENOMEM;
	inode_get(target);
	target->nlink++;
	vfs_now(&target->ctime);
	dirent_attach(dir, e, target);
	return 0;
}

static bool dir_empty(struct inode *ino)
{
	return ((struct tdir *)ino->priv)->count == 0;
}

/* The name e stops referring to its inode (unlink, rmdir, replaced by
 * rename). Returns the inode reference the entry held. */
static struct inode *drop_entry(struct inode *dir, struct tdirent *e)
{
	struct inode *c = e->ino;
	dirent_detach(dir, e);
	if (S_ISDIR(c->mode)) {
		c->nlink = 0;
		dir->nlink--;
	} else {
		c->nlink--;
	}
	vfs_now(&c->ctime);
	kfree(e);
	return c;
}

static int tmpfs_remove(struct inode *dir, const char *name, size_t len, bool is_dir)
{
	struct tdirent *e = find(dir, name, len);
	if (!e)
		return -ENOENT;
	if (is_dir) {
		if (!S_ISDIR(e->ino->mode))
			return -ENOTDIR;
		if (!dir_empty(e->ino))
			return -ENOTEMPTY;
	} else if (S_ISDIR(e->ino->mode)) {
		return -EISDIR;
	}
	inode_put(drop_entry(dir, e));
	return 0;
}

static int tmpfs_rename(struct inode *odir, const char *oname, size_t olen,
			struct inode *ndir, const char *nname, size_t nlen)
{
	struct tdirent *src = find(odir, oname, olen);
	if (!src)
		return -ENOENT;
	struct tdirent *dst = find(ndir, nname, nlen);
	struct inode *s = src->ino;
	if (dst) {
		if (dst->ino == s)
			return 0; /* the same file: nothing to do (rename(2)) */
		if (S_ISDIR(s->mode)) {
			if (!S_ISDIR(dst->ino->mode))
				return -ENOTDIR;
			if (!dir_empty(dst->ino))
				return -ENOTEMPTY;
		} else if (S_ISDIR(dst->ino->mode)) {
			return -EISDIR;
		}
	}
	struct tdirent *e = dirent_new(nname, nlen);
	if (!e)
		return -ENOMEM;
	/* nothing fails from here on */
	struct inode *replaced = dst ? drop_entry(ndir, dst) : NULL;
	dirent_detach(odir, src);
	kfree(src);
	dirent_attach(ndir, e, s); /* the old entry's reference moves here */
	if (odir != ndir) {
		if (S_ISDIR(s->mode)) {
			odir->nlink--;
			ndir->nlink++;
		}
		struct inode *old_parent = s->parent;
		inode_get(ndir);
		s->parent = ndir;
		if (old_parent)
			inode_put(old_parent); /* the caller still holds odir */
	}
	vfs_now(&s->ctime);
	if (replaced)
		inode_put(replaced);
	return 0;
}

static int tmpfs_readdir(struct inode *dir, u64 *pos, filldir_t fill, void *ctx)
{
	struct tdir *d = dir->priv;
	struct list_head *p;
	list_for_each(p, &d->entries) {
		struct tdirent *e = list_entry(p, struct tdirent, node);
		if (e->cookie < *pos)
			continue;
		*pos = e->cookie;
		if (fill(ctx, e->name, e->len, e->ino->ino, inode_dtype(e->ino->mode)))
			return 0;
		*pos = e->cookie + 1;
	}
	if (*pos < d->next_cookie)
		*pos = d->next_cookie;
	return 0;
}

static int tmpfs_name_of(struct inode *dir, struct inode *child, char *buf, size_t size)
{
	struct tdir *d = dir->priv;
	struct list_head *p;
	list_for_each(p, &d->entries) {
		struct tdirent *e = list_entry(p, struct tdirent, node);
		if (e->ino == child) {
			if (e->len + 1 > size)
				return -ENAMETOOLONG;
			memcpy(buf, e->name, e->len + 1);
			return (int)e->len;
		}
	}
	return -ENOENT;
}

/* ---- file data ---- */

static void free_chunks_from(struct inode *ino, struct tfile *tf, u64 first)
{
	for (u64 i = first; i < tf->nchunks; i++) {
		if (tf->chunks[i]) {
			kfree(tf->chunks[i]);
			tf->chunks[i] = NULL;
			ino->blocks -= TMPFS_PAGE / 512;
			__atomic_fetch_sub(&tmpfs_chunk_count, 1, __ATOMIC_RELAXED);
		}
	}
}

static int tmpfs_truncate(struct inode *ino, u64 size)
{
	struct tfile *tf = ino->priv;
	if (size > TMPFS_MAX_SIZE)
		return -EFBIG;
	if (size < ino->size) {
		u64 keep = (size + TMPFS_PAGE - 1) / TMPFS_PAGE;
		free_chunks_from(ino, tf, keep);
		if (size % TMPFS_PAGE && keep - 1 < tf->nchunks && tf->chunks[keep - 1])
			memset(tf->chunks[keep - 1] + size % TMPFS_PAGE, 0,
			       TMPFS_PAGE - size % TMPFS_PAGE);
	}
	ino->size = size;
	vfs_now(&ino->mtime);
	ino->ctime = ino->mtime;
	return 0;
}

/* The chunk holding byte offset off, allocated if needed. */
static char *chunk_for_write(struct inode *ino, struct tfile *tf, u64 off)
{
	u64 idx = off / TMPFS_PAGE;
	if (idx >= tf->nchunks) {
		u64 n = tf->nchunks ? tf->nchunks : 4;
		while (n <= idx)
			n *= 2;
		n = MIN(n, TMPFS_MAX_SIZE / TMPFS_PAGE);
		char **a = kzalloc(n * sizeof(*a), GFP_KERNEL);
		if (!a)
			return NULL;
		if (tf->nchunks)
			memcpy(a, tf->chunks, tf->nchunks * sizeof(*a));
		kfree(tf->chunks);
		tf->chunks = a;
		tf->nchunks = n;
	}
	if (!tf->chunks[idx]) {
		if (__atomic_load_n(&tmpfs_chunk_count, __ATOMIC_RELAXED) >= tmpfs_chunk_limit)
			return NULL;
		tf->chunks[idx] = kzalloc(TMPFS_PAGE, GFP_KERNEL);
		if (!tf->chunks[idx])
			return NULL;
		__atomic_fetch_add(&tmpfs_chunk_count, 1, __ATOMIC_RELAXED);
		ino->blocks += TMPFS_PAGE / 512;
	}
	return tf->chunks[idx];
}

static long tmpfs_read(struct file *f, struct iov_iter *it, u64 *pos)
{
	struct inode *ino = f->path.ino;
	struct tfile *tf = ino->priv;
	char *bounce = kmalloc(TMPFS_PAGE, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	long done = 0;
	while (it->count) {
		vfs_lock();
		u64 p = *pos, size = ino->size;
		if (p >= size) {
			vfs_unlock();
			break;
		}
		size_t off = p % TMPFS_PAGE;
		size_t n = (size_t)MIN((u64)(TMPFS_PAGE - off), size - p);
		n = MIN(n, it->count);
		u64 idx = p / TMPFS_PAGE;
		if (idx < tf->nchunks && tf->chunks[idx])
			memcpy(bounce, tf->chunks[idx] + off, n);
		else
			memset(bounce, 0, n);
		vfs_unlock();
		if (iter_copy_out(it, bounce, n)) {
			if (!done)
				done = -EFAULT;
			break;
		}
		*pos = p + n;
		done += (long)n;
	}
	kfree(bounce);
	return done;
}

static long tmpfs_write(struct file *f, struct iov_iter *it, u64 *pos)
{
	struct inode *ino = f->path.ino;
	struct tfile *tf = ino->priv;
	char *bounce = kmalloc(TMPFS_PAGE, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	long done = 0;
	while (it->count) {
		size_t n = MIN((size_t)TMPFS_PAGE, it->count);
		vfs_lock();
		u64 p = (f->flags & O_APPEND) ? ino->size : *pos;
		vfs_unlock();
		n = MIN(n, (size_t)(TMPFS_PAGE - p % TMPFS_PAGE));
		if (p + n > TMPFS_MAX_SIZE) {
			if (!done)
				done = -EFBIG;
			break;
		}
		struct iov_iter save = *it;
		if (iter_copy_in(it, bounce, n)) {
			if (!done)
				done = -EFAULT;
			break;
		}
		vfs_lock();
		if (f->flags & O_APPEND)
			p = ino->size;
		char *c = p + n <= TMPFS_MAX_SIZE ? chunk_for_write(ino, tf, p) : NULL;
		if (c) {
			memcpy(c + p % TMPFS_PAGE, bounce, n);
			if (p + n > ino->size)
				ino->size = p + n;
			vfs_now(&ino->mtime);
			ino->ctime = ino->mtime;
		}
		vfs_unlock();
		if (!c) {
			*it = save;
			if (!done)
				done = -ENOSPC;
			break;
		}
		*pos = p + n;
		done += (long)n;
	}
	kfree(bounce);
	return done;
}

static void tmpfs_evict(struct inode *ino)
{
	if (S_ISREG(ino->mode) && ino->priv) {
		struct tfile *tf = ino->priv;
		free_chunks_from(ino, tf, 0);
		kfree(tf->chunks);
	} else if (S_ISDIR(ino->mode) && ino->priv) {
		struct tdir *d = ino->priv;
		while (!list_empty(&d->entries)) {
			struct tdirent *e = list_first_entry(&d->entries, struct tdirent, node);
			list_del(&e->node);
			inode_put(e->ino);
			kfree(e);
		}
	}
	kfree(ino->priv);
	ino->priv = NULL;
}

static const struct inode_ops tmpfs_dir_iops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create_op,
	.link = tmpfs_link,
	.remove = tmpfs_remove,
	.rename = tmpfs_rename,
	.readdir = tmpfs_readdir,
	.name_of = tmpfs_name_of,
	.evict = tmpfs_evict,
};
static const struct inode_ops tmpfs_file_iops = {
	.truncate = tmpfs_truncate,
	.evict = tmpfs_evict,
};
static const struct inode_ops tmpfs_link_iops = { .evict = tmpfs_evict };
static const struct inode_ops tmpfs_fifo_iops = { 0 }; /* the pipe goes with its last end */
static const struct file_ops tmpfs_file_fops = { .read = tmpfs_read, .write = tmpfs_write };
static const struct file_ops tmpfs_dir_fops = { .read = NULL };

struct super *tmpfs_create(void)
{
	struct super *sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return NULL;
	sb->fstype = "tmpfs";
	sb->dev = vfs_anon_dev();
	struct inode *root = tmpfs_new_inode(sb, S_IFDIR | 0755, NULL);
	if (!root) {
		kfree(sb);
		return NULL;
	}
	sb->priv = root;
	return sb;
}

struct inode *tmpfs_root(struct super *sb)
{
	return sb->priv; /* the creation reference: the caller mounts it */
}
