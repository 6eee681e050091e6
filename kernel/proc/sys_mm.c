/* sys_mm.c — the memory system calls of a process: mmap, munmap, mprotect,
 * brk, madvise (Linux semantics, implemented by the address-space code,
 * uvm.h: these only decode the arguments, resolve the fd and apply the
 * file-access rules of mmap(2)), and mremap answered -ENOMEM so that
 * callers fall back to map-copy-unmap (musl's realloc does). -ENOMEM from
 * mmap is returned as is (it mostly means "no room in the address space"
 * or a refused size): only page faults call the OOM killer. */
#include <rayos/uvm.h>
#include <rayos/vfs.h>
#include "internal.h"

#define PAGE_SIZE_ 4096ULL

static long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off)
{
	struct uvm *vm = current_uvm();
	if (!vm)
		return -EINVAL;
	if (off & (PAGE_SIZE_ - 1))
		return -EINVAL;
	struct file *f = NULL;
	if (!(flags & MAP_ANONYMOUS)) {
		u32 access;
		bool regular;
		f = vfs_fget_current((int)fd, &access, &regular);
		if (!f)
			return -EBADF;
		if (!regular) {
			file_put(f);
			return -ENODEV; /* no device here can be mapped */
		}
		if (access == 1 /* O_WRONLY */ ||
		    ((flags & 3) == MAP_SHARED && (prot & PROT_WRITE) && access != 2 /* O_RDWR */)) {
			file_put(f);
			return -EACCES;
		}
	}
	long r = uvm_mmap(vm, addr, len, (int)prot, (int)flags, f, off);
	if (f)
		file_put(f);
	return r;
}
SYSCALL(mmap, sys_mmap);

static long sys_munmap(u64 addr, u64 len)
{
	struct uvm *vm = current_uvm();
	return vm ? uvm_munmap(vm, addr, len) : -EINVAL;
}
SYSCALL(munmap, sys_munmap);

static long sys_mprotect(u64 addr, u64 len, u64 prot)
{
	struct uvm *vm = current_uvm();
	return vm ? uvm_mprotect(vm, addr, len, (int)prot) : -EINVAL;
}
SYSCALL(mprotect, sys_mprotect);

static long sys_brk(u64 addr)
{
	struct uvm *vm = current_uvm();
	return vm ? (long)uvm_brk(vm, addr) : -ENOMEM;
}
SYSCALL(brk, sys_brk);

static long sys_madvise(u64 addr, u64 len, u64 advice)
{
	struct uvm *vm = current_uvm();
	return vm ? uvm_madvise(vm, addr, len, (int)advice) : -EINVAL;
}
SYSCALL(madvise, sys_madvise);

static long sys_mremap(void) { return -ENOMEM; }
SYSCALL(mremap, sys_mremap);
