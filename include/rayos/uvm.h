/* uvm.h — user address spaces (mm/uvm.c, arch/x86_64/upaging.c). CONTRACT
 * shared by the user-mode work (issue 7): implemented by the address-space
 * work, used by the process code (fork, exec, exit, mmap/brk syscalls).
 *
 * A struct uvm is one process's user half [0, USER_TOP): its own top-level
 * page table whose kernel half is shared with every other, and an ordered
 * set of areas (VMAs: start, end, prot, flags). Anonymous memory (heap,
 * stack, MAP_ANONYMOUS) is demand-paged with zero pages; fork copies the
 * areas and marks private pages copy-on-write (page reference counts);
 * file mappings (MAP_PRIVATE) are filled from the file when faulted or at
 * mmap time. SMEP and SMAP are on: the kernel never executes user pages
 * and touches user memory only through uaccess.h.
 *
 * Locking: each uvm has a mutex (areas and page tables); uvm_fault takes it,
 * so it may not be called with spinlocks held. A uvm is reference counted
 * (threads of one process share it: CLONE_VM). */
#ifndef RAYOS_UVM_H
#define RAYOS_UVM_H
#include <rayos/types.h>

struct uvm;
struct file;

/* Linux values (mman.h) */
#define PROT_NONE  0x0
#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE  0x8000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_STACK     0x20000
#define MADV_DONTNEED 4

struct uvm *uvm_create(void);              /* NULL on -ENOMEM */
struct uvm *uvm_clone(struct uvm *src);    /* fork: COW copy, NULL on -ENOMEM */
void uvm_get(struct uvm *vm);
void uvm_put(struct uvm *vm);              /* last put frees pages and tables */
/* Make vm the current CPU's user half (NULL: none, kernel threads). The
 * scheduler calls it on every switch between threads with different
 * thread->uvm. */
void uvm_activate(struct uvm *vm);

/* Linux mmap/munmap/mprotect/brk/madvise semantics; return the address or
 * 0, or -errno (-EINVAL, -ENOMEM, -EACCES, -EEXIST for MAP_FIXED_NOREPLACE). */
long uvm_mmap(struct uvm *vm, u64 addr, u64 len, int prot, int flags, struct file *f, u64 off);
int uvm_munmap(struct uvm *vm, u64 addr, u64 len);
int uvm_mprotect(struct uvm *vm, u64 addr, u64 len, int prot);
u64 uvm_brk(struct uvm *vm, u64 newbrk);   /* returns the (possibly unchanged) break */
int uvm_madvise(struct uvm *vm, u64 addr, u64 len, int advice);

/* Resolve a fault at addr (error code bits as x86 #PF: 1 present, 2 write,
 * 4 user, 16 instruction fetch): 0 when resolved, -EFAULT when the access
 * is not allowed (the process gets SIGSEGV, or uaccess returns -EFAULT),
 * -ENOMEM when no page could be had (OOM). Counts
 * rayos_page_faults_total{kind="demand"|"cow"|"invalid"}. */
int uvm_fault(struct uvm *vm, u64 addr, u32 err);

/* Copy into / out of vm's memory through the kernel's own mapping (vm
 * need not be the loaded one): pages are faulted in (copy-on-write broken
 * for writes) whatever the areas' protection, like ptrace's forced access;
 * the whole range must lie in areas. 0, -EFAULT or -ENOMEM. For the
 * loader and /proc/PID/cmdline. */
int uvm_write(struct uvm *vm, u64 va, const void *buf, size_t n);
int uvm_read(struct uvm *vm, u64 va, void *buf, size_t n);
/* Boot: registers rayos_page_faults_total{kind}. */
void uvm_init(void);

/* Resident user pages (for the OOM killer, /proc/PID/status VmRSS). */
u64 uvm_rss_pages(const struct uvm *vm);
/* Total size of the areas in bytes (VmSize). */
u64 uvm_size(const struct uvm *vm);

/* ---- program loading ---- */
struct elf_info {
	u64 entry;       /* AT_ENTRY (with the load bias for static-PIE) */
	u64 phdr;        /* AT_PHDR: user address of the program headers */
	u64 phent, phnum;
	u64 base;        /* load bias (0 for ET_EXEC) */
	u64 brk;         /* first page above the highest segment */
};
/* Map a static ELF64 x86-64 executable (ET_EXEC or ET_DYN without
 * PT_INTERP) into the empty vm: 0 or -ENOEXEC (not ELF / wrong machine /
 * PT_INTERP), -EINVAL (malformed headers), -ENOMEM, -EIO. */
int elf_load(struct uvm *vm, struct file *f, struct elf_info *out);
/* The same from any source: read(ctx, buf, n, off) returns the bytes read
 * (fewer at the end of the file) or -errno. elf_load reads through
 * kernel_read; the tests load images built in memory. */
struct elf_reader {
	long (*read)(void *ctx, void *buf, size_t n, u64 off);
	void *ctx;
};
int elf_load_from(struct uvm *vm, const struct elf_reader *r, struct elf_info *out);
/* Build the SysV initial stack (argc, argv, envp, auxv with AT_PHDR,
 * AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_ENTRY, AT_UID.., AT_RANDOM,
 * AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_EXECFN, AT_NULL) at the top of a new
 * stack area; argv/envp are kernel copies (NULL-terminated arrays). Sets
 * *sp. -E2BIG when they do not fit, -ENOMEM. */
int uvm_setup_stack(struct uvm *vm, const char *const *argv, const char *const *envp,
		    const char *execfn, const struct elf_info *ei, u64 *sp);

#endif
