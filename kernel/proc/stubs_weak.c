/* stubs_weak.c — TEMPORARY weak stand-ins for the address-space (uvm.h,
 * uaccess.h) and VFS (vfs.h) interfaces, so that the process code links
 * before those branches are merged. Each fails cleanly (NULL, -ENOSYS,
 * -EFAULT). The real, strong definitions override them at link time;
 * delete this file once both branches are merged. */
#include <rayos/uaccess.h>
#include <rayos/uvm.h>
#include <rayos/vfs.h>

#define WEAK __attribute__((weak))

WEAK struct uvm *uvm_create(void) { return NULL; }
WEAK struct uvm *uvm_clone(struct uvm *src) { (void)src; return NULL; }
WEAK void uvm_get(struct uvm *vm) { (void)vm; }
WEAK void uvm_put(struct uvm *vm) { (void)vm; }
WEAK void uvm_activate(struct uvm *vm) { (void)vm; }
WEAK int uvm_fault(struct uvm *vm, u64 addr, u32 err) { (void)vm; (void)addr; (void)err; return -EFAULT; }
WEAK u64 uvm_rss_pages(const struct uvm *vm) { (void)vm; return 0; }
WEAK u64 uvm_size(const struct uvm *vm) { (void)vm; return 0; }
WEAK long uvm_mmap(struct uvm *vm, u64 addr, u64 len, int prot, int flags, struct file *f, u64 off)
{
	(void)vm; (void)addr; (void)len; (void)prot; (void)flags; (void)f; (void)off;
	return -ENOSYS;
}
WEAK int elf_load(struct uvm *vm, struct file *f, struct elf_info *out)
{
	(void)vm; (void)f; (void)out;
	return -ENOSYS;
}
WEAK int uvm_setup_stack(struct uvm *vm, const char *const *argv, const char *const *envp,
			 const char *execfn, const struct elf_info *ei, u64 *sp)
{
	(void)vm; (void)argv; (void)envp; (void)execfn; (void)ei; (void)sp;
	return -ENOSYS;
}
WEAK int copy_from_user(void *dst, const void __user *src, size_t n) { (void)dst; (void)src; (void)n; return -EFAULT; }
WEAK int copy_to_user(void __user *dst, const void *src, size_t n) { (void)dst; (void)src; (void)n; return -EFAULT; }
WEAK int clear_user(void __user *dst, size_t n) { (void)dst; (void)n; return -EFAULT; }
WEAK long strncpy_from_user(char *dst, const char __user *src, size_t size) { (void)dst; (void)src; (void)size; return -EFAULT; }
WEAK int get_user_u32(u32 *out, const u32 __user *p) { (void)out; (void)p; return -EFAULT; }
WEAK int get_user_u64(u64 *out, const u64 __user *p) { (void)out; (void)p; return -EFAULT; }
WEAK int put_user_u32(u32 __user *p, u32 v) { (void)p; (void)v; return -EFAULT; }
WEAK int put_user_u64(u64 __user *p, u64 v) { (void)p; (void)v; return -EFAULT; }

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
WEAK int uvm_mprotect(struct uvm *vm, u64 addr, u64 len, int prot)
{
	(void)vm; (void)addr; (void)len; (void)prot;
	return -ENOSYS;
}
