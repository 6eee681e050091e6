/* file.c — per-process file descriptor tables (struct files) and file
 * system contexts (struct fs_ctx: root, cwd, umask).
 *
 * fd table: a fixed array of NOFILE_MAX (1024, the RLIMIT_NOFILE we
 * enforce) file pointers with a close-on-exec flag each; a new descriptor
 * is the lowest free one (POSIX), found from next_hint, which is never
 * above the lowest free slot. Each installed descriptor holds one file
 * reference. The table itself is reference counted (CLONE_FILES shares it;
 * fork copies it with files_clone, which takes a reference per file so the
 * open file descriptions — offsets, flags — are shared, as POSIX says).
 *
 * Locking: files->lock (spinlock) protects fd[], cloexec[] and next_hint;
 * files are released (file_put) after dropping it, never under it.
 * fs_ctx->lock protects root, cwd and umask; paths are handed out with
 * their own references. */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/proc.h>
#include <rayos/string.h>

struct files *files_create(void)
{
	struct files *t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->refs = 1;
	spin_lock_init(&t->lock, "files");
	return t;
}

struct files *files_clone(struct files *src)
{
	struct files *t = files_create();
	if (!t || !src)
		return t;
	spin_lock(&src->lock);
	for (int i = 0; i < NOFILE_MAX; i++) {
		if (src->fd[i]) {
			file_get(src->fd[i]);
			t->fd[i] = src->fd[i];
			t->cloexec[i] = src->cloexec[i];
		}
	}
	t->next_hint = src->next_hint;
	spin_unlock(&src->lock);
	return t;
}

void files_get(struct files *t)
{
	__atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
}

void files_put(struct files *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (int i = 0; i < NOFILE_MAX; i++)
		if (t->fd[i])
			file_put(t->fd[i]);
	kfree(t);
}

void files_close_on_exec(struct files *t)
{
	for (int i = 0; i < NOFILE_MAX; i++) {
		struct file *f = NULL;
		spin_lock(&t->lock);
		if (t->fd[i] && t->cloexec[i]) {
			f = t->fd[i];
			t->fd[i] = NULL;
			t->cloexec[i] = 0;
			if (i < t->next_hint)
				t->next_hint = i;
		}
		spin_unlock(&t->lock);
		file_put(f);
	}
}

struct file *fget(struct files *t, int fd)
{
	if (!t || fd < 0 || fd >= NOFILE_MAX)
		return NULL;
	spin_lock(&t->lock);
	struct file *f = t->fd[fd];
	if (f)
		file_get(f);
	spin_unlock(&t->lock);
	return f;
}

/* The number of fds the caller may use: its RLIMIT_NOFILE soft limit
 * (proc.h), capped by the table size; the whole table in kernel threads. */
int fd_limit(void)
{
	u64 l = proc_nofile_limit();
	return l < NOFILE_MAX ? (int)l : NOFILE_MAX;
}

int fd_install(struct files *t, struct file *f, int min, bool cloexec)
{
	int lim = fd_limit();
	if (min < 0 || min >= lim)
		return -EINVAL;
	spin_lock(&t->lock);
	int fd = MAX(min, t->next_hint);
	while (fd < lim && t->fd[fd])
		fd++;
	if (fd >= lim) {
		spin_unlock(&t->lock);
		return -EMFILE;
	}
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	if (min <= t->next_hint) /* every slot in [next_hint, fd] is now used */
		t->next_hint = fd + 1;
	spin_unlock(&t->lock);
	return fd;
}

int fd_install_at(struct files *t, struct file *f, int fd, bool cloexec)
{
	if (fd < 0 || fd >= fd_limit())
		return -EBADF;
	spin_lock(&t->lock);
	struct file *old = t->fd[fd];
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	spin_unlock(&t->lock);
	file_put(old);
	return fd;
}

int fd_close(struct files *t, int fd)
{
	if (!t || fd < 0 || fd >= NOFILE_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	struct file *f = t->fd[fd];
	if (f) {
		t->fd[fd] = NULL;
		t->cloexec[fd] = 0;
		if (fd < t->next_hint)
			t->next_hint = fd;
	}
	spin_unlock(&t->lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fd_get_cloexec(struct files *t, int fd)
{
	if (!t || fd < 0 || fd >= NOFILE_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	int r = t->fd[fd] ? t->cloexec[fd] : -EBADF;
	spin_unlock(&t->lock);
	return r;
}

int fd_set_cloexec(struct files *t, int fd, bool on)
{
	if (!t || fd < 0 || fd >= NOFILE_MAX)
		return -EBADF;
	spin_lock(&t->lock);
	int r = t->fd[fd] ? 0 : -EBADF;
	if (!r)
		t->cloexec[fd] = on;
	spin_unlock(&t->lock);
	return r;
}

int files_count(struct files *t)
{
	int n = 0;
	spin_lock(&t->lock);
	for (int i = 0; i < NOFILE_MAX; i++)
		n += t->fd[i] != NULL;
	spin_unlock(&t->lock);
	return n;
}

int files_open_console(struct files *t)
{
	/* one open file description shared by 0, 1 and 2, as init's console */
	struct file *f;
	int r = vfs_open(NULL, NULL, "/dev/console", O_RDWR, 0, &f);
	if (r)
		return r;
	for (int fd = 0; fd < 3; fd++) {
		file_get(f);
		fd_install_at(t, f, fd, false);
	}
	file_put(f);
	spin_lock(&t->lock);
	while (t->next_hint < NOFILE_MAX && t->fd[t->next_hint])
		t->next_hint++;
	spin_unlock(&t->lock);
	return 0;
}

/* ---- fs contexts ---- */

struct fs_ctx *fs_ctx_create(void)
{
	struct fs_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->refs = 1;
	spin_lock_init(&c->lock, "fs_ctx");
	c->umask = 022;
	struct mount *m = vfs_root_mount();
	if (m) {
		c->root.mnt = c->cwd.mnt = m;
		c->root.ino = c->cwd.ino = m->root;
		path_get(&c->root);
		path_get(&c->cwd);
	}
	return c;
}

struct fs_ctx *fs_ctx_clone(struct fs_ctx *src)
{
	struct fs_ctx *c = fs_ctx_create();
	if (!c || !src)
		return c;
	path_put(&c->root);
	path_put(&c->cwd);
	spin_lock(&src->lock);
	c->root = src->root;
	c->cwd = src->cwd;
	path_get(&c->root);
	path_get(&c->cwd);
	c->umask = src->umask;
	spin_unlock(&src->lock);
	return c;
}

void fs_ctx_get(struct fs_ctx *c)
{
	__atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED);
}

void fs_ctx_put(struct fs_ctx *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	path_put(&c->root);
	path_put(&c->cwd);
	kfree(c);
}

void fs_ctx_get_paths(struct fs_ctx *c, struct path *root, struct path *cwd)
{
	if (!c) {
		struct mount *m = vfs_root_mount();
		root->mnt = cwd->mnt = m;
		root->ino = cwd->ino = m ? m->root : NULL;
	} else {
		spin_lock(&c->lock);
		*root = c->root;
		*cwd = c->cwd;
		path_get(root);
		path_get(cwd);
		spin_unlock(&c->lock);
		return;
	}
	path_get(root);
	path_get(cwd);
}

void fs_ctx_set_cwd(struct fs_ctx *c, const struct path *p)
{
	if (!c)
		return;
	struct path n = *p, old;
	path_get(&n);
	spin_lock(&c->lock);
	old = c->cwd;
	c->cwd = n;
	spin_unlock(&c->lock);
	path_put(&old);
}

u32 fs_ctx_umask(struct fs_ctx *c, int set)
{
	if (!c)
		return 0;
	spin_lock(&c->lock);
	u32 old = c->umask;
	if (set >= 0)
		c->umask = (u32)set & 0777;
	spin_unlock(&c->lock);
	return old;
}

/* vfs.h: for mmap(2) in the process code. */
struct file *vfs_fget_current(int fd, u32 *access, bool *regular)
{
	struct file *f = fget(current_files(), fd);
	if (f && access)
		*access = f->mode_access;
	if (f && regular)
		*regular = f->path.ino && S_ISREG(f->path.ino->mode);
	return f;
}
