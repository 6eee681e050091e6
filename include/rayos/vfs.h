/* vfs.h — the virtual file system (fs/). CONTRACT shared by the user-mode
 * work (issue 7): implemented by the VFS work; the part below is what the
 * process code (fork, exec, exit) and the address-space code (file mmap,
 * ELF loading) need. The VFS also owns every file-related system call
 * (registered with SYSCALL() from fs/), the console tty line discipline,
 * pipes, and procfs/devfs/tmpfs and the initramfs.
 *
 * Objects: struct file (an open file description: offset, flags, ops;
 * reference counted, shared by dup and fork), struct files (a process's
 * fd table: fd -> file + FD_CLOEXEC; reference counted, shared with
 * CLONE_FILES), struct fs_ctx (root, cwd, umask; shared with CLONE_FS). */
#ifndef RAYOS_VFS_H
#define RAYOS_VFS_H
#include <rayos/types.h>

struct file;
struct files;
struct fs_ctx;

/* Boot: mount tmpfs at /, create /dev (devfs), /proc (procfs), /tmp, then
 * unpack the initramfs modules (cpio newc) the boot loader gave, if any. */
void vfs_init(void);

void file_get(struct file *f);
void file_put(struct file *f);
/* Read up to n bytes at offset off without moving the file offset:
 * bytes read, 0 at end, or -errno. buf is a kernel pointer. */
long kernel_read(struct file *f, void *buf, size_t n, u64 off);
/* Open path (relative to the current fs_ctx, or "/" in a kernel thread)
 * for execve: a regular file with an execute bit; -ENOENT, -EACCES,
 * -ENOTDIR, -ELOOP, -ENAMETOOLONG. */
int vfs_open_exec(const char *path, struct file **out);

struct files *files_create(void);          /* empty table */
struct files *files_clone(struct files *f);/* fork: copy, files shared */
void files_get(struct files *f);
void files_put(struct files *f);           /* last put closes every fd */
void files_close_on_exec(struct files *f);
/* Open /dev/console as fds 0, 1 and 2 of an empty table (init, `run`). */
int files_open_console(struct files *f);

struct fs_ctx *fs_ctx_create(void);        /* root "/", cwd "/", umask 022 */
struct fs_ctx *fs_ctx_clone(struct fs_ctx *c);
void fs_ctx_get(struct fs_ctx *c);
void fs_ctx_put(struct fs_ctx *c);

/* The console tty (devfs /dev/console, /dev/tty): the foreground process
 * group that ^C signals (TIOCSPGRP), set by `run` for its program. */
void tty_set_foreground(int pgid);

/* ---- kernel-side access (shell commands, ktests); paths resolve from
 * the root as in a kernel thread ---- */
struct vfs_stat {
	u64 ino;
	u32 dev, mode, nlink, uid, gid, rdev;
	u64 size;
	s64 mtime;
};
/* Open path with open(2) flags (O_RDONLY 0, O_WRONLY 1, O_RDWR 2, O_CREAT
 * 0100, O_TRUNC 01000, O_APPEND 02000): 0 or -errno. */
int vfs_kopen(const char *path, int flags, unsigned mode, struct file **out);
/* Write n bytes of buf at offset off: bytes written or -errno. */
long kernel_write(struct file *f, const void *buf, size_t n, u64 off);
int vfs_kstat(const char *path, bool follow, struct vfs_stat *st);
void vfs_fstat(struct file *f, struct vfs_stat *st);
/* Call fn for each entry of directory path ("." and ".." included),
 * with its (lstat) attributes; stops when fn returns nonzero. */
int vfs_kreaddir(const char *path, int (*fn)(void *ctx, const char *name,
					     const struct vfs_stat *st), void *ctx);
int vfs_kreadlink(const char *path, char *buf, size_t size);
int vfs_kmkdir(const char *path, unsigned mode);
int vfs_kunlink(const char *path);
int vfs_krmdir(const char *path);
int vfs_krename(const char *from, const char *to);
int vfs_ksymlink(const char *target, const char *path);
/* Unpack a cpio newc archive into the root: 0 or -errno (-EINVAL with the
 * reason in why for a malformed one). */
int vfs_unpack_cpio(const void *data, size_t len, char *why, size_t why_size);

/* The open file behind fd of the current process, with a reference
 * (file_put it), or NULL; *access gets its O_ACCMODE bits (0 read-only,
 * 1 write-only, 2 read-write), *regular whether it is a regular file. For
 * mmap(2) (kernel/proc/sys_mm.c). */
struct file *vfs_fget_current(int fd, u32 *access, bool *regular);

#endif
