/* fs/internal.h — the VFS's internal objects, shared by the files of fs/
 * only (the public contract is include/rayos/vfs.h).
 *
 * Objects:
 *  - struct inode: one file system object (type and mode, nlink, size,
 *    times, ino, dev), reference counted; freed (ops->evict) when the last
 *    reference goes. A tmpfs directory entry holds one reference on its
 *    inode, so a linked inode lives until it is unlinked and closed.
 *    Directories point to their parent (one reference held), which gives
 *    `..` and getcwd without a separate dentry cache: the file systems'
 *    own directories are the name cache.
 *  - struct mount: a file system instance attached at an inode of a parent
 *    mount (or the root). Mounts are never detached.
 *  - struct path: (mount, inode) with a reference on the inode.
 *  - struct file: an open file description (offset, flags, ops), reference
 *    counted, shared by dup and fork.
 *  - struct iov_iter: the source/destination of a read or write, user or
 *    kernel segments; the same read/write code serves both.
 *
 * Locking: vfs_ns_lock (a mutex) protects every directory's contents, the
 * mount table, inode metadata (mode, nlink, size, times, parent) and tmpfs
 * file data. Inode operations are called with it held and never copy to or
 * from user memory under it (user copies go through a kernel bounce buffer
 * outside the lock, so a page fault on a user buffer, which takes the uvm
 * mutex, never nests inside it). Lock order: vfs_ns_lock -> process code
 * (procfs lookups) ; file->pos_lock -> vfs_ns_lock. Inode and file
 * reference counts are atomics. */
#ifndef RAYOS_FS_INTERNAL_H
#define RAYOS_FS_INTERNAL_H
#include <rayos/types.h>
#include <rayos/list.h>
#include <rayos/sync.h>
#include <rayos/vfs.h>

/* Linux mode bits (stat.h) */
#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

/* Linux open flags (fcntl.h, x86_64) */
#define O_ACCMODE   03
#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_NONBLOCK  04000
#define O_DSYNC     010000
#define O_ASYNC     020000
#define O_DIRECT    040000
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW  0400000
#define O_NOATIME   01000000
#define O_CLOEXEC   02000000
#define O_PATH      010000000
#define O_TMPFILE   020000000
/* flags F_SETFL may change */
#define O_SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

#define NAME_MAX 255
#define PATH_MAX 4096
#define MAXSYMLINKS 40
#define NOFILE_MAX 1024 /* RLIMIT_NOFILE (fixed) */

/* poll bits (Linux) */
#define POLLIN   0x001
#define POLLPRI  0x002
#define POLLOUT  0x004
#define POLLERR  0x008
#define POLLHUP  0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

/* d_type values of getdents64 */
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

/* Extra errno values the VFS returns (Linux numbers). */
#ifndef ESRCH
#define ESRCH 3
#endif
#ifndef EINTR
#define EINTR 4
#endif
#ifndef ENXIO
#define ENXIO 6
#endif
#ifndef EBADF
#define EBADF 9
#endif
#ifndef EACCES
#define EACCES 13
#endif
#ifndef EXDEV
#define EXDEV 18
#endif
#ifndef ENOTDIR
#define ENOTDIR 20
#endif
#ifndef EISDIR
#define EISDIR 21
#endif
#ifndef ENFILE
#define ENFILE 23
#endif
#ifndef EMFILE
#define EMFILE 24
#endif
#ifndef ENOTTY
#define ENOTTY 25
#endif
#ifndef EFBIG
#define EFBIG 27
#endif
#ifndef ESPIPE
#define ESPIPE 29
#endif
#ifndef EROFS
#define EROFS 30
#endif
#ifndef EMLINK
#define EMLINK 31
#endif
#ifndef EPIPE
#define EPIPE 32
#endif
#ifndef ENAMETOOLONG
#define ENAMETOOLONG 36
#endif
#ifndef ENOTEMPTY
#define ENOTEMPTY 39
#endif
#ifndef ELOOP
#define ELOOP 40
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95
#endif

/* signals the VFS sends (Linux numbers) */
#define SIGINT_NR  2
#define SIGQUIT_NR 3
#define SIGTSTP_NR 20
#define SIGPIPE_NR 13

struct inode;
struct file;
struct super;
struct iov_iter;
struct path;

struct vtime {
	s64 sec;
	u32 nsec;
};

/* Called by readdir for each entry: 0 to continue, nonzero to stop
 * (the entry was not taken; readdir returns with *pos at it). */
typedef int (*filldir_t)(void *ctx, const char *name, size_t len, u64 ino, u32 type);

/* Inode operations, called with vfs_ns_lock held. Directory operations are
 * given names that are already checked: 1..NAME_MAX bytes, no '/', not "."
 * or "..". Missing operations mean -EPERM (or -ENOTDIR for lookup). */
struct inode_ops {
	/* child with a new reference, or -ENOENT */
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	/* create a regular file, directory, symlink (target) or device;
	 * -EEXIST when the name exists; *out gets a new reference */
	int (*create)(struct inode *dir, const char *name, size_t len, u32 mode,
		      const char *target, struct inode **out);
	/* a new name for target (hard link; not directories: -EPERM) */
	int (*link)(struct inode *dir, const char *name, size_t len, struct inode *target);
	/* remove the name: rmdir when is_dir (-ENOTDIR/-ENOTEMPTY), else
	 * unlink (-EISDIR for a directory) */
	int (*remove)(struct inode *dir, const char *name, size_t len, bool is_dir);
	/* rename within the same super block (Linux rename(2) rules) */
	int (*rename)(struct inode *odir, const char *oname, size_t olen,
		      struct inode *ndir, const char *nname, size_t nlen);
	/* entries from cookie *pos (0 = start, "." and ".." excluded) */
	int (*readdir)(struct inode *dir, u64 *pos, filldir_t fill, void *ctx);
	/* the name of child in dir (getcwd); -ENOENT */
	int (*name_of)(struct inode *dir, struct inode *child, char *buf, size_t size);
	int (*truncate)(struct inode *ino, u64 size);
	/* symlinks whose target is computed (procfs /proc/self) */
	int (*get_link)(struct inode *ino, char *buf, size_t size);
	/* "magic" links (/proc/PID/fd/N): the object itself, not a name;
	 * 0 with *out referenced, or -errno; tried before get_link */
	int (*follow_path)(struct inode *ino, struct path *out);
	/* last reference gone: free private state (not the inode) */
	void (*evict)(struct inode *ino);
};

/* Open-file operations. read/write get the file position to use and
 * advance it; they return bytes moved or -errno. poll returns the ready
 * POLL* bits and the wait queue a poller should sleep on. */
struct file_ops {
	int (*open)(struct inode *ino, struct file *f);
	long (*read)(struct file *f, struct iov_iter *it, u64 *pos);
	long (*write)(struct file *f, struct iov_iter *it, u64 *pos);
	long (*ioctl)(struct file *f, u32 cmd, u64 arg);
	u32 (*poll)(struct file *f, struct wait_queue **wq);
	void (*release)(struct file *f);
	bool no_seek; /* lseek gives -ESPIPE (pipes, ttys) */
};

struct super {
	const char *fstype;
	u32 dev;
	u64 next_ino;     /* vfs_ns_lock */
	void *priv;
};

struct inode {
	/* constant after creation */
	struct super *sb;
	u64 ino;
	const struct inode_ops *iop;
	const struct file_ops *fop;
	u32 rdev;
	/* vfs_ns_lock protects: */
	u32 mode;
	u32 nlink;
	u32 uid, gid;
	u64 size;
	u64 blocks;            /* 512-byte units of storage held (st_blocks) */
	struct vtime atime, mtime, ctime;
	struct inode *parent;  /* the containing directory (ref); for files the
				* one of the first or last-renamed name */
	char *link;            /* symlinks: the target (kmalloc'd) */
	void *priv;            /* file system data */
	/* atomic */
	int refs;
};

struct mount {
	struct super *sb;
	struct inode *root;
	struct mount *parent;  /* NULL for the root mount */
	struct inode *mp;      /* the inode in parent it covers */
	char where[64];        /* path for /proc/mounts */
	const char *source;
};

struct path {
	struct mount *mnt;
	struct inode *ino;
};

struct file {
	int refs;                 /* atomic */
	/* constant after open */
	struct path path;
	const struct file_ops *fop;
	u32 mode_access;          /* O_ACCMODE part */
	void *priv;
	/* pos_lock protects: */
	struct mutex pos_lock;
	u64 pos;
	/* atomic (F_SETFL) */
	u32 flags;
};

struct kvec {
	void *base;
	size_t len;
};

struct iov_iter {
	bool user;
	const struct kvec *seg;
	u32 nseg;
	u32 idx;      /* current segment */
	size_t off;   /* offset in it */
	size_t count; /* bytes left in all segments */
};

/* ---- vfs.c ---- */
extern struct mutex vfs_ns_lock;
void vfs_lock(void);
void vfs_unlock(void);
void vfs_now(struct vtime *t);
struct inode *inode_new(struct super *sb, u32 mode, const struct inode_ops *iop,
			const struct file_ops *fop);
void inode_get(struct inode *i);
void inode_put(struct inode *i);
void path_get(struct path *p);
void path_put(struct path *p);
struct mount *vfs_mount(struct super *sb, struct inode *root, const struct path *at,
			const char *where, const char *source);
struct mount *vfs_root_mount(void);
/* The mount attached at (mnt, ino), or NULL. vfs_ns_lock held. */
struct mount *mount_at(struct mount *mnt, struct inode *ino);
int vfs_mount_count(void);
struct mount *vfs_mount_at_index(int i);
void iter_init(struct iov_iter *it, bool user, const struct kvec *seg, u32 nseg);
int iter_copy_out(struct iov_iter *it, const void *src, size_t n); /* into it */
int iter_copy_in(struct iov_iter *it, void *dst, size_t n);        /* from it */
int iter_zero_out(struct iov_iter *it, size_t n);
/* Generic read of a kernel-generated text (procfs): bytes from *pos. */
long read_from_buffer(struct iov_iter *it, u64 *pos, const char *buf, size_t len);
struct file *file_alloc(const struct path *p, u32 flags);
long vfs_read(struct file *f, struct iov_iter *it, u64 *pos);
long vfs_write(struct file *f, struct iov_iter *it, u64 *pos);
u32 inode_dtype(u32 mode);
s64 vfs_live_inodes(void);
s64 vfs_live_files(void);

/* ---- namei.c ---- */
#define LOOKUP_FOLLOW    0x1  /* follow a trailing symlink */
#define LOOKUP_DIRECTORY 0x2  /* the result must be a directory */
#define LOOKUP_PARENT    0x4  /* stop at the parent of the last component */
enum last_type { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };
struct nameidata {
	struct path path;          /* result (or parent with LOOKUP_PARENT) */
	char last[NAME_MAX + 1];   /* LOOKUP_PARENT: the last component */
	size_t last_len;
	enum last_type last_type;
	bool trailing_slash;
	int nlinks;
	struct path root;
};
/* Resolve name starting at base (NULL: the fs_ctx's cwd) with root as
 * the fs_ctx's root. 0 with nd->path referenced, or -errno. */
int path_lookup(struct fs_ctx *fs, const struct path *base, const char *name,
		unsigned flags, struct nameidata *nd);
int vfs_path_name(struct fs_ctx *fs, const struct path *p, char *buf, size_t size);
/* Open name relative to base (NULL: cwd) with Linux open(2) semantics. */
int vfs_open(struct fs_ctx *fs, const struct path *base, const char *name, u32 flags,
	     u32 mode, struct file **out);
int vfs_mknod(struct fs_ctx *fs, const struct path *base, const char *name, u32 mode,
	      const char *target);
int vfs_remove(struct fs_ctx *fs, const struct path *base, const char *name, bool is_dir);
int vfs_rename(struct fs_ctx *fs, const struct path *obase, const char *oname,
	       const struct path *nbase, const char *nname);
int vfs_link(struct fs_ctx *fs, const struct path *obase, const char *oname, bool follow,
	     const struct path *nbase, const char *nname);
int vfs_readlink(struct inode *ino, char *buf, size_t size);
int vfs_truncate_inode(struct inode *ino, u64 size);

/* ---- file.c: fd tables and fs contexts ---- */
struct files {
	int refs;                  /* atomic */
	spinlock_t lock;
	/* lock protects: */
	struct file *fd[NOFILE_MAX];
	u8 cloexec[NOFILE_MAX];
	int next_hint;             /* lowest possibly free fd */
};
struct fs_ctx {
	int refs;                  /* atomic */
	spinlock_t lock;
	/* lock protects: */
	struct path root, cwd;
	u32 umask;
};
/* A new reference to fd's file, or NULL. */
struct file *fget(struct files *fs, int fd);
int fd_limit(void); /* RLIMIT_NOFILE of the caller, capped at NOFILE_MAX */
/* Install f (the caller's reference moves in) at the lowest free fd >=
 * min: the fd or -EMFILE. */
int fd_install(struct files *fs, struct file *f, int min, bool cloexec);
/* Install at exactly fd, closing what was there (dup2). */
int fd_install_at(struct files *fs, struct file *f, int fd, bool cloexec);
int fd_close(struct files *fs, int fd);
int fd_get_cloexec(struct files *fs, int fd);
int fd_set_cloexec(struct files *fs, int fd, bool on);
int files_count(struct files *fs);
/* The current fs_ctx's cwd/root/umask with references (kernel threads:
 * the root). */
void fs_ctx_get_paths(struct fs_ctx *c, struct path *root, struct path *cwd);
void fs_ctx_set_cwd(struct fs_ctx *c, const struct path *p);
u32 fs_ctx_umask(struct fs_ctx *c, int set /* -1: only read */);

/* ---- tmpfs.c ---- */
struct super *tmpfs_create(void);
struct inode *tmpfs_root(struct super *sb);
u64 tmpfs_pages(void); /* pages holding file data, all instances */
void tmpfs_set_limit(u64 pages);
u64 tmpfs_limit(void);

/* ---- devfs.c, procfs.c, tty.c, pipe.c ---- */
struct super *devfs_create(struct inode **root);
struct super *procfs_create(struct inode **root);
extern const struct file_ops tty_fops;
void tty_init(void);
/* Feed one input byte to the line discipline (the tty thread; ktests). */
void tty_receive(u8 c);
u64 tty_signals_sent(void);
int pipe_create(struct file **rd, struct file **wr, u32 flags);
extern const struct file_ops fifo_fops; /* named pipes (tmpfs S_IFIFO inodes) */

/* ---- wait.c (kernel only) ---- */
/* Sleep on wq until cond(arg) holds: 0; -EINTR when interruptible and a
 * signal is pending; -ETIMEDOUT at deadline (monotonic ns; 0 = none). */
int vfs_wait(struct wait_queue *wq, bool (*cond)(void *), void *arg, u64 deadline,
	     bool interruptible);
u32 vfs_anon_dev(void);

/* ---- pipe.c: the ring (portable) ---- */
#define PIPE_SIZE 65536u
#define PIPE_BUF 4096u
struct pipe_ring {
	u8 *buf;          /* PIPE_SIZE bytes */
	u32 head, tail;   /* free-running: used = head - tail */
};
static inline u32 pipe_ring_used(const struct pipe_ring *r) { return r->head - r->tail; }
static inline u32 pipe_ring_free(const struct pipe_ring *r) { return PIPE_SIZE - pipe_ring_used(r); }
/* Copy in/out up to n bytes; returns the count moved. */
u32 pipe_ring_put(struct pipe_ring *r, const void *src, u32 n);
u32 pipe_ring_get(struct pipe_ring *r, void *dst, u32 n);

/* ---- initramfs.c ---- */
/* Unpack a cpio newc archive under dir (a path into the VFS): 0 or -errno
 * (-EINVAL for a malformed archive, with a message in why). Entries
 * before the error are kept. */
int cpio_unpack(struct fs_ctx *fs, const void *data, size_t len, char *why, size_t why_size);
/* Give a boot module's pages back to the page allocator (kernel only). */
void initramfs_free_module(u64 start, u64 end);

#endif
