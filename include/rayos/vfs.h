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

#endif
