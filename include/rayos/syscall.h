/* syscall.h — system-call registration (kernel/proc/syscall.c). CONTRACT
 * shared by the user-mode work (issue 7).
 *
 * Each subsystem registers its own system calls with SYSCALL(), which puts
 * an entry in the rayos_syscalls linker section; the dispatcher builds its
 * table from that section at boot (a number registered twice is a boot-time
 * panic). Every implementation has the uniform signature below and
 * receives the raw register arguments (rdi, rsi, rdx, r10, r8, r9); it
 * validates them fully before changing any state, reaches user memory only
 * through uaccess.h, and returns a value or a negative errno (Linux
 * numbers). Numbers are Linux x86_64's (syscall_nr.h).
 * An implementation may declare fewer parameters than six (the SysV ABI
 * passes them in registers; unused ones are ignored): the cast through
 * void (*)(void) keeps -Wcast-function-type quiet. */
#ifndef RAYOS_SYSCALL_H
#define RAYOS_SYSCALL_H
#include <rayos/types.h>
#include <rayos/syscall_nr.h>

typedef long (*syscall_fn_t)(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);

struct syscall_entry {
	u32 nr;
	const char *name;
	syscall_fn_t fn;
};

#define SYSCALL(name_, fn_)                                                     \
	static const struct syscall_entry __syscall_##name_ __used             \
	__section("rayos_syscalls") __attribute__((aligned(8))) = {             \
		SYS_##name_, #name_, (syscall_fn_t)(void (*)(void))(fn_)                        \
	}

/* The name an implementation registered (NULL: none), for messages. */
const char *syscall_name(u32 nr);
/* Counters (tests): calls so far, and -ENOSYS answers for number nr. */
s64 syscall_total_count(void);
s64 syscall_enosys_count(u64 nr);

#endif
