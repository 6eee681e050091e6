/* namei.c — path resolution and the name-changing operations (open with
 * O_CREAT, mkdir/mknod/symlink, unlink/rmdir, rename), with Linux's rules:
 *
 *  - components are separated by any number of '/'; a leading '/' starts
 *    at the fs context's root, otherwise at the base (cwd or a dirfd);
 *  - "." stays; ".." goes to the parent, never above the process root, and
 *    from the root of a mount to the parent of the directory it covers;
 *  - entering a directory that has a mount on it enters the mount's root;
 *  - symbolic links are followed in the middle of a path always, at the
 *    end with LOOKUP_FOLLOW or when a '/' follows; a relative target is
 *    resolved from the directory holding the link; at most MAXSYMLINKS (40)
 *    links per resolution, then -ELOOP (Linux's limit);
 *  - -ENAMETOOLONG for a component over NAME_MAX, -ENOTDIR when a
 *    non-directory is used as one (also for a trailing slash), -ENOENT for
 *    an empty path or a missing component.
 * Resolution is recursive only across symlinks (depth <= 40 small frames).
 *
 * Locking: each lookup step takes vfs_ns_lock; references held between
 * steps keep the inodes alive. Name-changing operations hold vfs_ns_lock
 * across their check-then-act. */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/proc.h>
#include <rayos/string.h>

static bool is_dot(const char *n, size_t len) { return len == 1 && n[0] == '.'; }
static bool is_dotdot(const char *n, size_t len) { return len == 2 && n[0] == '.' && n[1] == '.'; }

/* Cross any mounts stacked on (*mnt, *ino). vfs_ns_lock held. */
static void cross_mounts(struct mount **mnt, struct inode **ino)
{
	struct mount *m;
	while ((m = mount_at(*mnt, *ino))) {
		inode_put(*ino);
		*ino = m->root;
		inode_get(*ino);
		*mnt = m;
	}
}

/* One component from cur into next (a new reference). */
static int step(struct nameidata *nd, const struct path *cur, const char *name, size_t len,
		struct path *next)
{
	if (is_dot(name, len)) {
		*next = *cur;
		path_get(next);
		return 0;
	}
	vfs_lock();
	if (is_dotdot(name, len)) {
		struct path t = *cur;
		for (;;) {
			if (t.mnt == nd->root.mnt && t.ino == nd->root.ino)
				break;
			if (t.ino == t.mnt->root) {
				if (!t.mnt->parent)
					break;
				t.ino = t.mnt->mp;
				t.mnt = t.mnt->parent;
				continue;
			}
			if (t.ino->parent)
				t.ino = t.ino->parent;
			break;
		}
		*next = t;
		path_get(next);
		vfs_unlock();
		return 0;
	}
	int r;
	struct inode *child = NULL;
	if (!cur->ino->iop || !cur->ino->iop->lookup)
		r = -ENOTDIR;
	else if (cur->ino->nlink == 0)
		r = -ENOENT; /* a removed directory has no entries */
	else
		r = cur->ino->iop->lookup(cur->ino, name, len, &child);
	if (!r) {
		struct mount *mnt = cur->mnt;
		cross_mounts(&mnt, &child);
		next->mnt = mnt;
		next->ino = child;
	}
	vfs_unlock();
	return r;
}

static int walk(struct nameidata *nd, struct path *cur, const char *p, unsigned flags);

/* Replace *link (a symlink found in directory dir) by what it points to. */
static int follow(struct nameidata *nd, const struct path *dir, struct path *link)
{
	if (++nd->nlinks > MAXSYMLINKS)
		return -ELOOP;
	if (link->ino->iop && link->ino->iop->follow_path) {
		struct path t;
		int r = link->ino->iop->follow_path(link->ino, &t);
		if (r)
			return r;
		path_put(link);
		*link = t;
		return 0;
	}
	char *buf = NULL;
	const char *target = link->ino->link;
	if (!target) {
		if (!link->ino->iop || !link->ino->iop->get_link)
			return -EINVAL;
		buf = kmalloc(PATH_MAX, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		int n = link->ino->iop->get_link(link->ino, buf, PATH_MAX);
		if (n < 0) {
			kfree(buf);
			return n;
		}
		buf[MIN((size_t)n, PATH_MAX - 1)] = 0;
		target = buf;
	}
	struct path t = *dir;
	path_get(&t);
	int r = walk(nd, &t, target, LOOKUP_FOLLOW);
	kfree(buf);
	if (r) {
		path_put(&t);
		return r;
	}
	path_put(link);
	*link = t;
	return 0;
}

/* Resolve p from *cur (a reference the walk owns and replaces). */
static int walk(struct nameidata *nd, struct path *cur, const char *p, unsigned flags)
{
	if (!*p)
		return -ENOENT;
	if (*p == '/') {
		path_put(cur);
		*cur = nd->root;
		path_get(cur);
	}
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) { /* only slashes left: the path named a directory */
			if (flags & LOOKUP_PARENT) {
				nd->last_type = LAST_ROOT;
				nd->last[0] = 0;
				nd->last_len = 0;
				nd->trailing_slash = true;
			}
			return 0;
		}
		size_t n = 0;
		while (p[n] && p[n] != '/')
			n++;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		const char *q = p + n;
		bool slash = *q == '/';
		while (*q == '/')
			q++;
		bool last = !*q;
		if (!S_ISDIR(cur->ino->mode))
			return -ENOTDIR;
		if (last && (flags & LOOKUP_PARENT)) {
			memcpy(nd->last, p, n);
			nd->last[n] = 0;
			nd->last_len = n;
			nd->trailing_slash = slash;
			nd->last_type = is_dot(p, n) ? LAST_DOT : is_dotdot(p, n) ? LAST_DOTDOT : LAST_NORM;
			return 0;
		}
		struct path next;
		int r = step(nd, cur, p, n, &next);
		if (r)
			return r;
		if (S_ISLNK(next.ino->mode) && (!last || slash || (flags & LOOKUP_FOLLOW))) {
			r = follow(nd, cur, &next);
			if (r) {
				path_put(&next);
				return r;
			}
		}
		path_put(cur);
		*cur = next;
		p = q;
		if (last) {
			if ((slash || (flags & LOOKUP_DIRECTORY)) && !S_ISDIR(cur->ino->mode))
				return -ENOTDIR;
			return 0;
		}
	}
}

int path_lookup(struct fs_ctx *fs, const struct path *base, const char *name,
		unsigned flags, struct nameidata *nd)
{
	struct path cwd;
	fs_ctx_get_paths(fs, &nd->root, &cwd);
	if (!nd->root.ino)
		return -ENOENT; /* no root file system */
	struct path start = cwd;
	if (base) {
		path_put(&cwd);
		start = *base;
		path_get(&start);
	}
	nd->nlinks = 0;
	nd->trailing_slash = false;
	nd->last_type = LAST_NORM;
	nd->last_len = 0;
	nd->last[0] = 0;
	int r = walk(nd, &start, name, flags);
	path_put(&nd->root);
	if (r) {
		path_put(&start);
		return r;
	}
	nd->path = start;
	return 0;
}

int vfs_path_name(struct fs_ctx *fs, const struct path *p, char *buf, size_t size)
{
	struct path root, cwd;
	fs_ctx_get_paths(fs, &root, &cwd);
	path_put(&cwd);
	char *tmp = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!tmp) {
		path_put(&root);
		return -ENOMEM;
	}
	size_t at = PATH_MAX - 1; /* the name is built right to left */
	tmp[at] = 0;
	int r = 0;
	vfs_lock();
	struct path t = *p;
	if (t.ino->nlink == 0)
		r = -ENOENT;
	while (!r && !(t.mnt == root.mnt && t.ino == root.ino)) {
		if (t.ino == t.mnt->root) {
			if (!t.mnt->parent)
				break;
			t.ino = t.mnt->mp;
			t.mnt = t.mnt->parent;
			continue;
		}
		struct inode *parent = t.ino->parent;
		if (!parent || !parent->iop->name_of) {
			r = -ENOENT;
			break;
		}
		char name[NAME_MAX + 1];
		int n = parent->iop->name_of(parent, t.ino, name, sizeof(name));
		if (n < 0) {
			r = n;
			break;
		}
		if ((size_t)n + 1 > at) {
			r = -ENAMETOOLONG;
			break;
		}
		at -= (size_t)n;
		memcpy(tmp + at, name, (size_t)n);
		tmp[--at] = '/';
		t.ino = parent;
	}
	vfs_unlock();
	path_put(&root);
	if (!r) {
		if (at == PATH_MAX - 1)
			tmp[--at] = '/';
		size_t len = PATH_MAX - 1 - at;
		if (len + 1 > size)
			r = -ERANGE;
		else {
			memcpy(buf, tmp + at, len + 1);
			r = (int)len;
		}
	}
	kfree(tmp);
	return r;
}

int vfs_truncate_inode(struct inode *ino, u64 size)
{
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode))
		return -EINVAL;
	if (size > (1ULL << 40))
		return -EFBIG;
	if (!ino->iop->truncate)
		return -EPERM;
	vfs_lock();
	int r = ino->iop->truncate(ino, size);
	vfs_unlock();
	return r;
}

int vfs_open(struct fs_ctx *fs, const struct path *base, const char *name, u32 flags,
	     u32 mode, struct file **out)
{
	struct nameidata nd;
	struct path path = { 0 };
	bool created = false;
	int r;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & O_CREAT) {
		r = path_lookup(fs, base, name, LOOKUP_PARENT, &nd);
		if (r)
			return r;
		if (nd.last_type != LAST_NORM || nd.trailing_slash) {
			path_put(&nd.path);
			return -EISDIR;
		}
		struct inode *dir = nd.path.ino, *child = NULL;
		vfs_lock();
		if (dir->nlink == 0)
			r = -ENOENT;
		else if (!dir->iop->lookup)
			r = -ENOTDIR;
		else
			r = dir->iop->lookup(dir, nd.last, nd.last_len, &child);
		if (r == -ENOENT && dir->nlink) {
			if (!dir->iop->create)
				r = -EACCES;
			else
				r = dir->iop->create(dir, nd.last, nd.last_len,
						     S_IFREG | (mode & 07777 & ~fs_ctx_umask(fs, -1)),
						     NULL, &child);
			created = !r;
			path.mnt = nd.path.mnt;
			path.ino = child;
		} else if (!r) {
			if (flags & O_EXCL) {
				inode_put(child);
				r = -EEXIST;
			} else {
				path.mnt = nd.path.mnt;
				cross_mounts(&path.mnt, &child);
				path.ino = child;
			}
		}
		vfs_unlock();
		path_put(&nd.path);
		if (r)
			return r;
		if (S_ISLNK(path.ino->mode) && !(flags & O_NOFOLLOW)) {
			/* an existing symlink: open what it points to */
			path_put(&path);
			r = path_lookup(fs, base, name, LOOKUP_FOLLOW, &nd);
			if (r)
				return r;
			path = nd.path;
		}
	} else {
		unsigned lf = (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
		if (flags & O_DIRECTORY)
			lf |= LOOKUP_DIRECTORY;
		r = path_lookup(fs, base, name, lf, &nd);
		if (r)
			return r;
		path = nd.path;
	}
	struct inode *ino = path.ino;
	u32 acc = flags & O_ACCMODE;
	r = 0;
	if (S_ISLNK(ino->mode) && !(flags & O_PATH))
		r = -ELOOP;
	else if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		r = -ENOTDIR;
	else if (S_ISDIR(ino->mode) && (acc != O_RDONLY || (flags & O_CREAT)) && !(flags & O_PATH))
		r = -EISDIR;
	else if (acc == 3)
		r = -EINVAL;
	if (!r && (flags & O_TRUNC) && !created && S_ISREG(ino->mode) && !(flags & O_PATH))
		r = vfs_truncate_inode(ino, 0);
	struct file *f = NULL;
	if (!r) {
		f = file_alloc(&path, flags);
		if (!f)
			r = -ENOMEM;
	}
	path_put(&path);
	if (r)
		return r;
	if (!(flags & O_PATH) && f->fop && f->fop->open) {
		r = f->fop->open(ino, f);
		if (r) {
			f->fop = NULL; /* no release for a file that never opened */
			file_put(f);
			return r;
		}
	}
	*out = f;
	return 0;
}

int vfs_mknod(struct fs_ctx *fs, const struct path *base, const char *name, u32 mode,
	      const char *target)
{
	struct nameidata nd;
	int r = path_lookup(fs, base, name, LOOKUP_PARENT, &nd);
	if (r)
		return r;
	if (nd.last_type != LAST_NORM) {
		path_put(&nd.path);
		return -EEXIST;
	}
	if (!S_ISLNK(mode))
		mode = (mode & S_IFMT) | (mode & 07777 & ~fs_ctx_umask(fs, -1));
	struct inode *dir = nd.path.ino, *child = NULL;
	vfs_lock();
	if (dir->nlink == 0)
		r = -ENOENT;
	else if (!dir->iop->lookup)
		r = -ENOTDIR;
	else if (!dir->iop->lookup(dir, nd.last, nd.last_len, &child)) {
		inode_put(child);
		r = -EEXIST;
	} else if (nd.trailing_slash && !S_ISDIR(mode))
		r = -ENOENT;
	else if (!dir->iop->create)
		r = -EPERM;
	else
		r = dir->iop->create(dir, nd.last, nd.last_len, mode, target, &child);
	vfs_unlock();
	if (!r)
		inode_put(child);
	path_put(&nd.path);
	return r;
}

int vfs_remove(struct fs_ctx *fs, const struct path *base, const char *name, bool is_dir)
{
	struct nameidata nd;
	int r = path_lookup(fs, base, name, LOOKUP_PARENT, &nd);
	if (r)
		return r;
	switch (nd.last_type) {
	case LAST_DOT:
		r = is_dir ? -EINVAL : -EISDIR;
		break;
	case LAST_DOTDOT:
		r = is_dir ? -ENOTEMPTY : -EISDIR;
		break;
	case LAST_ROOT:
		r = is_dir ? -EBUSY : -EISDIR;
		break;
	case LAST_NORM:
		break;
	}
	if (r) {
		path_put(&nd.path);
		return r;
	}
	struct inode *dir = nd.path.ino, *child = NULL;
	vfs_lock();
	if (!dir->iop->lookup)
		r = -ENOTDIR;
	else
		r = dir->iop->lookup(dir, nd.last, nd.last_len, &child);
	if (!r) {
		if (mount_at(nd.path.mnt, child))
			r = -EBUSY;
		else if (!is_dir && nd.trailing_slash)
			r = S_ISDIR(child->mode) ? -EISDIR : -ENOTDIR;
		else if (is_dir && !S_ISDIR(child->mode))
			r = -ENOTDIR;
		else if (!dir->iop->remove)
			r = -EPERM;
		else
			r = dir->iop->remove(dir, nd.last, nd.last_len, is_dir);
		inode_put(child);
	}
	vfs_unlock();
	path_put(&nd.path);
	return r;
}

int vfs_rename(struct fs_ctx *fs, const struct path *obase, const char *oname,
	       const struct path *nbase, const char *nname)
{
	struct nameidata ond, nnd;
	int r = path_lookup(fs, obase, oname, LOOKUP_PARENT, &ond);
	if (r)
		return r;
	r = path_lookup(fs, nbase, nname, LOOKUP_PARENT, &nnd);
	if (r) {
		path_put(&ond.path);
		return r;
	}
	if (ond.last_type != LAST_NORM || nnd.last_type != LAST_NORM)
		r = -EBUSY;
	else if (ond.path.mnt != nnd.path.mnt)
		r = -EXDEV;
	struct inode *od = ond.path.ino, *nd = nnd.path.ino, *src = NULL, *dst = NULL;
	if (!r) {
		vfs_lock();
		if (!od->iop->lookup || !nd->iop->lookup)
			r = -ENOTDIR;
		else
			r = od->iop->lookup(od, ond.last, ond.last_len, &src);
		if (!r && nd->iop->lookup(nd, nnd.last, nnd.last_len, &dst))
			dst = NULL;
		if (!r) {
			if ((ond.trailing_slash || nnd.trailing_slash) && !S_ISDIR(src->mode))
				r = -ENOTDIR;
			else if (mount_at(ond.path.mnt, src) || (dst && mount_at(nnd.path.mnt, dst)))
				r = -EBUSY;
			else if (nd->nlink == 0)
				r = -ENOENT;
		}
		if (!r && S_ISDIR(src->mode)) {
			/* a directory may not move below itself */
			for (struct inode *a = nd; a; a = a->parent)
				if (a == src) {
					r = -EINVAL;
					break;
				}
		}
		if (!r && src != dst) {
			if (!od->iop->rename)
				r = -EPERM;
			else
				r = od->iop->rename(od, ond.last, ond.last_len, nd, nnd.last,
						    nnd.last_len);
		}
		vfs_unlock();
		if (src)
			inode_put(src);
		if (dst)
			inode_put(dst);
	}
	path_put(&ond.path);
	path_put(&nnd.path);
	return r;
}

int vfs_link(struct fs_ctx *fs, const struct path *obase, const char *oname, bool follow,
	     const struct path *nbase, const char *nname)
{
	struct nameidata ond, nnd;
	int r = path_lookup(fs, obase, oname, follow ? LOOKUP_FOLLOW : 0, &ond);
	if (r)
		return r;
	r = path_lookup(fs, nbase, nname, LOOKUP_PARENT, &nnd);
	if (r) {
		path_put(&ond.path);
		return r;
	}
	struct inode *dir = nnd.path.ino;
	if (nnd.last_type != LAST_NORM)
		r = -EEXIST;
	else if (S_ISDIR(ond.path.ino->mode))
		r = -EPERM;
	else if (ond.path.mnt != nnd.path.mnt)
		r = -EXDEV;
	else if (nnd.trailing_slash)
		r = -ENOENT;
	if (!r) {
		vfs_lock();
		if (dir->nlink == 0)
			r = -ENOENT;
		else if (!dir->iop->link)
			r = -EPERM;
		else
			r = dir->iop->link(dir, nnd.last, nnd.last_len, ond.path.ino);
		vfs_unlock();
	}
	path_put(&ond.path);
	path_put(&nnd.path);
	return r;
}

int vfs_readlink(struct inode *ino, char *buf, size_t size)
{
	if (!S_ISLNK(ino->mode))
		return -EINVAL;
	if (ino->link) {
		size_t n = MIN(strlen(ino->link), size);
		memcpy(buf, ino->link, n);
		return (int)n;
	}
	if (ino->iop->get_link)
		return ino->iop->get_link(ino, buf, size);
	return -EINVAL;
}
