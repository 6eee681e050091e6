/* elf.c — the static ELF64 x86-64 loader and the SysV initial stack.
 *
 * elf_load_from() reads through a callback (ctx, buf, n, off), so the
 * tests load images built in memory; elf_load() wraps kernel_read.
 * Accepted: ELFCLASS64, little-endian, EM_X86_64, ET_EXEC, or ET_DYN
 * without PT_INTERP (static-PIE), loaded at a bias that puts its lowest
 * page at ELF_ET_DYN_BASE (Linux's 2/3 of the user space, without
 * randomization), aligned to the largest p_align up to 2 MiB. Everything
 * is checked before anything is mapped (System V gABI ch. 4/5 and the
 * x86-64 psABI 3.4):
 *  - e_ident, e_machine, e_type (-ENOEXEC), e_phentsize = 56, 1 <= e_phnum
 *    and e_phnum * 56 <= 64 KiB (as Linux), the headers inside the file;
 *  - each PT_LOAD: p_filesz <= p_memsz, no wrap-around of p_offset +
 *    p_filesz or p_vaddr + p_memsz, p_vaddr = p_offset mod 4096, sorted by
 *    p_vaddr without overlapping bytes (two segments may share a page:
 *    that page gets both rights), the whole image inside [MMAP_MIN, the
 *    stack's guard gap);
 *  - W^X: a segment both writable and executable is refused (-EINVAL).
 *    Linux loads them; no musl or busybox binary has one, and the mmap and
 *    mprotect calls keep Linux's semantics (W+X allowed there, for JITs);
 *  - file data that is not in the file (a short read) is malformed.
 * Segments become areas with the rights of p_flags; their file bytes are
 * copied in (the bytes of the first page before p_vaddr too, as Linux's
 * file mapping shows them, unless that page is shared with the previous
 * segment), the rest of p_memsz is zero (bss, partial pages). PT_TLS is
 * left to the C library; PT_GNU_STACK with PF_X makes the stack
 * executable (without PT_GNU_STACK the stack is not: every toolchain of
 * the last decade emits it).
 *
 * uvm_setup_stack() builds the initial process stack of the x86-64 psABI
 * (3.4.1, figure 3.9), from the top of the 8 MiB stack area down: an 8-byte
 * end marker, the AT_EXECFN string, the environment strings, the argument
 * strings, the AT_PLATFORM string, 16 AT_RANDOM bytes (get_random_bytes),
 * padding, then auxv, envp[] and NULL, argv[] and NULL, argc — with %rsp at
 * argc 16-byte aligned. Strings and pointers may take at most a quarter of
 * the stack (Linux's limit with an 8 MiB stack rlimit), one string at most
 * 128 KiB (MAX_ARG_STRLEN): -E2BIG beyond.
 *
 * No locking of its own: the address space's mutex (through uvm.c). */
#include "uvm_internal.h"
#include <rayos/arch.h>
#include <rayos/mm.h>
#include <rayos/random.h>
#include <rayos/string.h>
#include <rayos/vfs.h>

extern long kernel_read(struct file *f, void *buf, size_t n, u64 off) __attribute__((weak));

#define ELF_ET_DYN_BASE 0x555555554000ULL
#define MAX_ARG_STRLEN  (32 * PAGE_SIZE)

#define ET_EXEC 2
#define ET_DYN  3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
	u8 e_ident[16];
	u16 e_type, e_machine;
	u32 e_version;
	u64 e_entry, e_phoff, e_shoff;
	u32 e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

/* Read exactly n bytes at off: 0, -EINVAL when the file is shorter, or
 * the reader's error. */
static int read_exact(const struct elf_reader *r, void *buf, size_t n, u64 off)
{
	long got = r->read(r->ctx, buf, n, off);
	if (got < 0)
		return (int)got;
	return (size_t)got == n ? 0 : -EINVAL;
}

static int seg_prot(u32 flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

/* Copy file bytes [off, off + n) to user address va of vm. */
static int copy_in(struct uvm *vm, const struct elf_reader *r, u64 va, u64 off, u64 n, void *bounce)
{
	while (n) {
		size_t chunk = MIN(n, PAGE_SIZE);
		int e = read_exact(r, bounce, chunk, off);
		if (!e)
			e = uvm_write(vm, va, bounce, chunk);
		if (e)
			return e;
		va += chunk;
		off += chunk;
		n -= chunk;
	}
	return 0;
}

/* Check the headers; fills *bias, *lo, *hi (the page range with the bias). */
static int check_phdrs(const struct elf64_ehdr *eh, const struct elf64_phdr *ph, u64 *bias_out,
		       u64 *lo_out, u64 *hi_out, bool *exec_stack)
{
	u64 lo = ~0ULL, hi = 0, prev_end = 0, align = PAGE_SIZE;
	bool any = false;
	*exec_stack = false;
	for (u32 i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (p->p_type == PT_INTERP)
			return -ENOEXEC; /* dynamically linked: no interpreter here */
		if (p->p_type == PT_GNU_STACK)
			*exec_stack = p->p_flags & PF_X;
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (p->p_filesz > p->p_memsz || p->p_offset + p->p_filesz < p->p_offset ||
		    p->p_vaddr + p->p_memsz < p->p_vaddr || p->p_vaddr >= USER_TOP ||
		    p->p_memsz > USER_TOP - p->p_vaddr ||
		    ((p->p_vaddr - p->p_offset) & (PAGE_SIZE - 1)))
			return -EINVAL;
		if ((p->p_flags & PF_W) && (p->p_flags & PF_X))
			return -EINVAL; /* W^X, see the header comment */
		if (any && p->p_vaddr < prev_end)
			return -EINVAL; /* unsorted or overlapping */
		prev_end = p->p_vaddr + p->p_memsz;
		lo = MIN(lo, ALIGN_DOWN(p->p_vaddr, PAGE_SIZE));
		hi = MAX(hi, ALIGN_UP(prev_end, PAGE_SIZE));
		if (p->p_align > align && p->p_align <= (2ULL << 20) && !(p->p_align & (p->p_align - 1)))
			align = p->p_align;
		any = true;
	}
	if (!any)
		return -EINVAL;
	u64 bias = 0;
	if (eh->e_type == ET_DYN) {
		if (lo > ELF_ET_DYN_BASE)
			return -EINVAL;
		bias = ALIGN_UP(ELF_ET_DYN_BASE - lo, align);
	}
	u64 limit = STACK_TOP - STACK_SIZE - STACK_GAP;
	if (lo + bias < MMAP_MIN || hi + bias > limit || hi + bias < hi)
		return -EINVAL;
	if (eh->e_entry + bias >= USER_TOP)
		return -EINVAL;
	*bias_out = bias;
	*lo_out = lo + bias;
	*hi_out = hi + bias;
	return 0;
}

int elf_load_from(struct uvm *vm, const struct elf_reader *r, struct elf_info *out)
{
	struct elf64_ehdr eh;
	long got = r->read(r->ctx, &eh, sizeof(eh), 0);
	if (got < 0)
		return (int)got;
	if ((size_t)got < sizeof(eh) || memcmp(eh.e_ident, "\177ELF", 4) ||
	    eh.e_ident[4] != 2 /* ELFCLASS64 */ || eh.e_ident[5] != 1 /* little-endian */ ||
	    eh.e_ident[6] != 1 || eh.e_machine != EM_X86_64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN))
		return -ENOEXEC;
	if (eh.e_phentsize != sizeof(struct elf64_phdr) || !eh.e_phnum ||
	    (u64)eh.e_phnum * sizeof(struct elf64_phdr) > 65536 ||
	    eh.e_phoff + (u64)eh.e_phnum * sizeof(struct elf64_phdr) < eh.e_phoff)
		return -EINVAL;
	size_t phsize = (size_t)eh.e_phnum * sizeof(struct elf64_phdr);
	struct elf64_phdr *ph = kmalloc(phsize, GFP_KERNEL);
	void *bounce = kmalloc(PAGE_SIZE, GFP_KERNEL);
	int e = -ENOMEM;
	if (!ph || !bounce)
		goto out;
	if ((e = read_exact(r, ph, phsize, eh.e_phoff)))
		goto out;
	u64 bias, lo, hi;
	bool exec_stack;
	if ((e = check_phdrs(&eh, ph, &bias, &lo, &hi, &exec_stack)))
		goto out;

	u64 mapped_end = 0; /* end of the pages given to the previous segment */
	int prev_prot = 0;
	for (u32 i = 0; i < eh.e_phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		int prot = seg_prot(p->p_flags);
		u64 va = p->p_vaddr + bias;
		u64 start = ALIGN_DOWN(va, PAGE_SIZE), end = ALIGN_UP(va + p->p_memsz, PAGE_SIZE);
		u64 lead = 0;
		if (start < mapped_end) {
			/* first page shared with the previous segment: both rights */
			if ((e = uvm_mprotect(vm, start, PAGE_SIZE, prot | prev_prot)))
				goto out;
			start += PAGE_SIZE;
		} else {
			lead = MIN(va - start, p->p_offset); /* file bytes before p_vaddr in its page */
		}
		if (start < end && (e = uvm_map_fixed(vm, start, end, prot, 0)))
			goto out;
		if ((e = copy_in(vm, r, va - lead, p->p_offset - lead, p->p_filesz + lead, bounce)))
			goto out;
		mapped_end = end;
		prev_prot = prot;
	}

	/* where the program headers are in memory */
	u64 phdr = 0;
	for (u32 i = 0; i < eh.e_phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (p->p_type == PT_PHDR) {
			phdr = p->p_vaddr + bias;
			break;
		}
		if (p->p_type == PT_LOAD && !phdr && p->p_offset <= eh.e_phoff &&
		    eh.e_phoff + phsize <= p->p_offset + p->p_filesz)
			phdr = p->p_vaddr + (eh.e_phoff - p->p_offset) + bias;
	}
	vm->exec_stack = exec_stack;
	uvm_set_brk(vm, hi);
	out->entry = eh.e_entry + bias;
	out->phdr = phdr;
	out->phent = sizeof(struct elf64_phdr);
	out->phnum = eh.e_phnum;
	out->base = bias;
	out->brk = hi;
	(void)lo;
	e = 0;
out:
	kfree(ph);
	kfree(bounce);
	return e;
}

static long file_read(void *ctx, void *buf, size_t n, u64 off)
{
	return kernel_read(ctx, buf, n, off);
}

int elf_load(struct uvm *vm, struct file *f, struct elf_info *out)
{
	if (!kernel_read)
		return -ENOSYS;
	struct elf_reader r = { file_read, f };
	return elf_load_from(vm, &r, out);
}

/* ---- the initial stack ---- */

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31
#define NR_AUXV 18 /* with AT_NULL */

static const char platform[] = "x86_64";

int uvm_setup_stack(struct uvm *vm, const char *const *argv, const char *const *envp,
		    const char *execfn, const struct elf_info *ei, u64 *sp_out)
{
	u64 argc = 0, envc = 0, strings = 0;
	for (; argv && argv[argc]; argc++) {
		size_t l = strlen(argv[argc]) + 1;
		if (l > MAX_ARG_STRLEN)
			return -E2BIG;
		strings += l;
	}
	for (; envp && envp[envc]; envc++) {
		size_t l = strlen(envp[envc]) + 1;
		if (l > MAX_ARG_STRLEN)
			return -E2BIG;
		strings += l;
	}
	if (!execfn)
		execfn = argc ? argv[0] : "";
	size_t fnlen = strlen(execfn) + 1;
	if (fnlen > MAX_ARG_STRLEN)
		return -E2BIG;
	if ((argc + envc + 2) * 8 + strings > STACK_SIZE / 4)
		return -E2BIG;

	/* addresses, top down */
	u64 top = STACK_TOP - 8;
	u64 fn_at = top - fnlen;
	u64 str_at = fn_at - strings; /* argv strings, then envp strings */
	u64 plat_at = str_at - sizeof(platform);
	u64 rand_at = ALIGN_DOWN(plat_at - 16, 16);
	u64 words = 1 + argc + 1 + envc + 1 + 2 * NR_AUXV;
	u64 sp = ALIGN_DOWN(rand_at - words * 8, 16);
	size_t size = STACK_TOP - sp;

	int e = uvm_map_fixed(vm, STACK_TOP - STACK_SIZE, STACK_TOP,
			      PROT_READ | PROT_WRITE | (vm->exec_stack ? PROT_EXEC : 0), AREA_STACK);
	if (e)
		return e;
	u8 *img = kzalloc(size, GFP_KERNEL);
	if (!img)
		return -ENOMEM;
#define AT(uaddr) (img + ((uaddr) - sp))
	u64 *w = (u64 *)img;
	*w++ = argc;
	u64 at = str_at;
	for (u64 i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		memcpy(AT(at), argv[i], l);
		*w++ = at;
		at += l;
	}
	*w++ = 0;
	for (u64 i = 0; i < envc; i++) {
		size_t l = strlen(envp[i]) + 1;
		memcpy(AT(at), envp[i], l);
		*w++ = at;
		at += l;
	}
	*w++ = 0;
	memcpy(AT(fn_at), execfn, fnlen);
	memcpy(AT(plat_at), platform, sizeof(platform));
	get_random_bytes(AT(rand_at), 16);
	const u64 aux[NR_AUXV][2] = {
		{ AT_HWCAP, arch_elf_hwcap() },
		{ AT_PAGESZ, PAGE_SIZE },
		{ AT_CLKTCK, 100 },
		{ AT_PHDR, ei->phdr },
		{ AT_PHENT, ei->phent },
		{ AT_PHNUM, ei->phnum },
		{ AT_BASE, 0 }, /* no interpreter */
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, ei->entry },
		{ AT_UID, 0 },
		{ AT_EUID, 0 },
		{ AT_GID, 0 },
		{ AT_EGID, 0 },
		{ AT_SECURE, 0 },
		{ AT_RANDOM, rand_at },
		{ AT_EXECFN, fn_at },
		{ AT_PLATFORM, plat_at },
		{ AT_NULL, 0 },
	};
	memcpy(w, aux, sizeof(aux));
#undef AT
	e = uvm_write(vm, sp, img, size);
	kfree(img);
	if (!e)
		*sp_out = sp;
	return e;
}
