/* panic.c — the last words of the kernel: message, backtrace, halt.
 * Output bypasses console locks (the lock may be held by the code that
 * crashed). A second panic while reporting goes straight to halt. */
#include <rayos/panic.h>
#include <rayos/arch.h>
#include <rayos/console.h>
#include <rayos/ksyms.h>
#include <rayos/printf.h>
#include <rayos/power.h>
#include <rayos/vm.h>

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

/* A word from the stack that looks like a return address: in kernel text,
 * just after a call instruction (E8 rel32, or FF /2 through a register or
 * memory). */
static bool looks_like_return(u64 addr)
{
	u8 b[6];
	u64 off;
	if (!ksyms_lookup(addr, &off, NULL))
		return false;
	for (int i = 0; i < 6; i++)
		if (probe_read_u8((const void *)(addr - 6 + i), &b[i]))
			return false;
	if (b[1] == 0xe8) /* call rel32: 5 bytes */
		return true;
	/* call r/m64 (FF /2): 2 to 6 bytes, ModRM reg field 2 */
	for (int k = 0; k <= 4; k++)
		if (b[k] == 0xff && ((b[k + 1] >> 3) & 7) == 2)
			return true;
	return false;
}

void panic_backtrace_exception(u64 fp, u64 pc, u64 sp)
{
	struct bt_ctx b = { 0 };
	char buf[160];
	panic_printf("Backtrace:\n");
	ksyms_format(pc, buf, sizeof(buf));
	panic_printf("  #%d %016llx %s\n", b.depth++, (unsigned long long)pc, buf);
	/* A fault in a function's last instructions, after its epilogue has
	 * run, leaves the caller's frame in %rbp: the frame chain would skip
	 * the caller. Its return address is then the word at the stack top;
	 * print it, marked (?) as Linux marks stack-scanned entries. */
	u64 top = 0, chained = 0;
	u8 *tb = (u8 *)&top, *cb = (u8 *)&chained;
	bool have_top = true, have_chain = fp >= 0xffff800000000000ULL;
	for (int i = 0; i < 8; i++) {
		have_top = have_top && !probe_read_u8((const void *)(sp + i), &tb[i]);
		have_chain = have_chain && !probe_read_u8((const void *)(fp + 8 + i), &cb[i]);
	}
	if (have_top && top != chained && looks_like_return(top)) {
		ksyms_format(top - 1, buf, sizeof(buf));
		panic_printf("  #%d %016llx %s (?)\n", b.depth++, (unsigned long long)top, buf);
	}
	arch_backtrace(fp, bt_frame, &b);
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
