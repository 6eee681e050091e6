/* stubs_weak.c — TEMPORARY weak stand-ins for the VFS (vfs.h) interfaces,
 * so that the process code links before that branch is merged. Each fails cleanly (NULL, -ENOSYS,
 * -EFAULT). The real, strong definitions override them at link time;
 * delete this file once both branches are merged. */
#include <rayos/vfs.h>

#define WEAK __attribute__((weak))

WEAK void file_put(struct file *f) { (void)f; }
WEAK int vfs_open_exec(const char *path, struct file **out) { (void)path; (void)out; return -ENOENT; }
WEAK struct files *files_create(void) { return (struct files *)1; }
WEAK struct files *files_clone(struct files *f) { return f; }
WEAK void files_get(struct files *f) { (void)f; }
WEAK void files_put(struct files *f) { (void)f; }
WEAK void files_close_on_exec(struct files *f) { (void)f; }
WEAK int files_open_console(struct files *f) { (void)f; return 0; }
WEAK struct fs_ctx *fs_ctx_create(void) { return (struct fs_ctx *)1; }
WEAK struct fs_ctx *fs_ctx_clone(struct fs_ctx *c) { return c; }
WEAK void fs_ctx_get(struct fs_ctx *c) { (void)c; }
WEAK void fs_ctx_put(struct fs_ctx *c) { (void)c; }
WEAK void tty_set_foreground(int pgid) { (void)pgid; }
