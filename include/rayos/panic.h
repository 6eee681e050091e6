/* panic.h — fatal error reporting (kernel/panic.c). Output goes straight to
 * the consoles without locks, so it works from any context. */
#ifndef RAYOS_PANIC_H
#define RAYOS_PANIC_H
#include <rayos/types.h>

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
void panic_begin(void);
int panic_printf(const char *fmt, ...) __printf(1, 2);
void panic_backtrace(u64 frame_pointer, u64 first_pc);
/* For an exception: also recovers the caller when the fault hit after the
 * faulting function's epilogue (sp = the stack pointer at the fault). */
void panic_backtrace_exception(u64 frame_pointer, u64 pc, u64 sp);
__noreturn void panic_end(const char *what);

#define BUG_ON(cond) do { if (unlikely(cond)) \
	panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)

/* Set while ktest=... runs at boot: a panic then ends QEMU with failure. */
extern bool panic_exit_qemu;
#endif
