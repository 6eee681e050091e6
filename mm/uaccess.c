/* uaccess.c — the checked entry points of uaccess.h. Each checks that the
 * whole user range lies in [0, USER_TOP) without wrapping, then runs one of
 * the user-access instructions of arch/x86_64/uaccess.S, which open user
 * access (SMAP) only for the copy and turn an unresolvable fault into
 * -EFAULT through the exception-fixup table. Faults of the current address
 * space (demand paging, copy-on-write) are resolved on the way by the #PF
 * handler, which calls uvm_fault when the faulting instruction is one of
 * these and interrupts were on (so a copy from a context that holds a
 * spinlock or has interrupts off fails with -EFAULT on a page that is not
 * present instead of sleeping; Linux's pagefault_disable rule).
 *
 * No locking: the copies run in the calling thread's context. */
#include <rayos/uaccess.h>

long uaccess_copy(void *dst, const void *src, size_t n);
long uaccess_clear(void *dst, size_t n);
long uaccess_strncpy(char *dst, const char *src, size_t max);
long uaccess_get32(const u32 *src, u32 *dst);
long uaccess_get64(const u64 *src, u64 *dst);
long uaccess_put32(u32 *dst, u32 v);
long uaccess_put64(u64 *dst, u64 v);

int copy_from_user(void *dst, const void __user *src, size_t n)
{
	if (!access_ok(src, n))
		return -EFAULT;
	return n ? (int)uaccess_copy(dst, (const void *)src, n) : 0;
}

int copy_to_user(void __user *dst, const void *src, size_t n)
{
	if (!access_ok(dst, n))
		return -EFAULT;
	return n ? (int)uaccess_copy((void *)dst, src, n) : 0;
}

int clear_user(void __user *dst, size_t n)
{
	if (!access_ok(dst, n))
		return -EFAULT;
	return n ? (int)uaccess_clear((void *)dst, n) : 0;
}

long strncpy_from_user(char *dst, const char __user *src, size_t size)
{
	u64 a = (u64)(uintptr_t)src;
	if (!size)
		return -ENAMETOOLONG;
	if (a >= USER_TOP)
		return -EFAULT;
	size_t max = MIN(size, (size_t)(USER_TOP - a));
	long r = uaccess_strncpy(dst, (const char *)src, max);
	if (r < 0)
		return r;
	if ((size_t)r < max)
		return r;
	dst[size - 1] = 0;
	return max < size ? -EFAULT : -ENAMETOOLONG;
}

/* One load or store each: atomic for aligned words (futexes). */
int get_user_u32(u32 *out, const u32 __user *p)
{
	return access_ok(p, sizeof(*p)) ? (int)uaccess_get32((const u32 *)p, out) : -EFAULT;
}

int get_user_u64(u64 *out, const u64 __user *p)
{
	return access_ok(p, sizeof(*p)) ? (int)uaccess_get64((const u64 *)p, out) : -EFAULT;
}

int put_user_u32(u32 __user *p, u32 v)
{
	return access_ok(p, sizeof(*p)) ? (int)uaccess_put32((u32 *)p, v) : -EFAULT;
}

int put_user_u64(u64 __user *p, u64 v)
{
	return access_ok(p, sizeof(*p)) ? (int)uaccess_put64((u64 *)p, v) : -EFAULT;
}
