/* uaccess.h — the only way kernel code touches user memory (mm/uaccess.c,
 * arch/x86_64/uaccess.S). CONTRACT shared by the user-mode work (issue 7):
 * implemented by the address-space work, used by the VFS and process code.
 *
 * Every routine checks that the whole user range lies below USER_TOP (no
 * wrap-around), opens user access (SMAP: stac ... clac) only for the copy,
 * and resolves demand-paging / copy-on-write faults of the current address
 * space on the way (the #PF handler calls uvm_fault for user addresses even
 * in kernel mode). A fault that cannot be resolved ends the copy through the
 * exception-fixup table: the routine returns -EFAULT, the kernel never
 * oopses on a bad user pointer. */
#ifndef RAYOS_UACCESS_H
#define RAYOS_UACCESS_H
#include <rayos/types.h>

#define __user
/* Lowest address never given to user space (one page below the canonical
 * hole, as Linux's TASK_SIZE_MAX). */
#define USER_TOP 0x00007ffffffff000ULL

static inline bool access_ok(const void __user *p, size_t n)
{
	u64 a = (u64)(uintptr_t)p;
	return a < USER_TOP && n <= USER_TOP - a;
}

/* 0, or -EFAULT (nothing or part copied: callers treat it as failure). */
int copy_from_user(void *dst, const void __user *src, size_t n);
int copy_to_user(void __user *dst, const void *src, size_t n);
int clear_user(void __user *dst, size_t n);
/* Copy a NUL-terminated string of at most size-1 bytes plus the NUL into
 * dst: its length, -EFAULT, or -ENAMETOOLONG when no NUL within size-1. */
long strncpy_from_user(char *dst, const char __user *src, size_t size);
int get_user_u32(u32 *out, const u32 __user *p);
int get_user_u64(u64 *out, const u64 __user *p);
int put_user_u32(u32 __user *p, u32 v);
int put_user_u64(u64 __user *p, u64 v);

#endif
