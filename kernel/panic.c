/* panic.c — the last words of the kernel: message, backtrace, halt.
 * Output bypasses console locks (the lock may be held by the code that
 * crashed). A second panic while reporting goes straight to halt. */
#include <rayos/panic.h>
#include <rayos/arch.h>
#include <rayos/console.h>
#include <rayos/ksyms.h>
#include <rayos/printf.h>
#include <rayos/power.h>

bool panic_exit_qemu;
static volatile int panicking;

int panic_vprintf(const char *fmt, va_list ap);

int panic_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = panic_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void panic_begin(void)
{
	arch_irq_disable();
	if (__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) > 0) {
		panic_printf("\n*** nested fault while reporting a fault; halting ***\n");
		arch_halt_forever();
	}
}

struct bt_ctx {
	int depth;
};

static void bt_frame(u64 addr, void *ctx)
{
	struct bt_ctx *b = ctx;
	char buf[160];
	/* return addresses point after the call: look up addr-1 so a call at
	 * the very end of a function is attributed to it, print addr itself */
	ksyms_format(addr - 1, buf, sizeof(buf));
	panic_printf("  #%d %016llx %s\n", b->depth++, (unsigned long long)addr, buf);
}

void panic_backtrace(u64 fp, u64 first_pc)
{
	struct bt_ctx b = { 0 };
	char buf[160];
	panic_printf("Backtrace:\n");
	if (first_pc) {
		ksyms_format(first_pc, buf, sizeof(buf));
		panic_printf("  #%d %016llx %s\n", b.depth++, (unsigned long long)first_pc, buf);
	}
	arch_backtrace(fp, bt_frame, &b);
}

void panic_end(const char *what)
{
	panic_printf("*** %s: system halted ***\n", what);
	if (panic_exit_qemu)
		power_debug_exit(1);
	arch_halt_forever();
}

void panic(const char *fmt, ...)
{
	va_list ap;
	panic_begin();
	panic_printf("\n*** KERNEL PANIC: ");
	va_start(ap, fmt);
	panic_vprintf(fmt, ap);
	va_end(ap);
	panic_printf(" ***\n");
	panic_backtrace(arch_frame_pointer(), 0);
	panic_end("panic");
}
