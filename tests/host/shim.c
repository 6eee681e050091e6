/* shim.c — host stand-ins for what the portable kernel code calls: the
 * arch interface (interrupt flag model, fake cycle counter, identity
 * mappings, inert port I/O), the console (captured into a buffer tests
 * inspect), kprintf, per-CPU data, boot_info, panic and power-off (which
 * fail the running cmocka test). All definitions are weak so a test or a
 * real kernel source can replace any of them. Controls are in shim.h. */
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/console.h>
#include <rayos/init.h>
#include <rayos/log.h>
#include <rayos/panic.h>
#include <rayos/percpu.h>
#include <rayos/power.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include "shim.h"

/* The shim uses only the host libc (not lib/), so it links into any test
 * whatever its .srcs lists. */
#undef vsnprintf
#undef snprintf

#define WEAK __attribute__((weak))

/* ---- console capture ---- */

static char *cap;
static size_t cap_len, cap_size;
static size_t panic_writes;

static void cap_append(const char *s, size_t n)
{
	if (cap_len + n + 1 > cap_size) {
		size_t size = cap_size ? cap_size : 4096;
		while (cap_len + n + 1 > size)
			size *= 2;
		cap = realloc(cap, size);
		if (!cap)
			abort();
		cap_size = size;
	}
	memcpy(cap + cap_len, s, n);
	cap_len += n;
	cap[cap_len] = 0;
	static int echo = -1;
	if (echo < 0)
		echo = getenv("RAYOS_SHIM_ECHO") != NULL;
	if (echo)
		fwrite(s, 1, n, stderr);
}

const char *shim_output(void) { return cap ? cap : ""; }
size_t shim_output_len(void) { return cap_len; }
size_t shim_panic_writes(void) { return panic_writes; }

void shim_output_reset(void)
{
	cap_len = 0;
	if (cap)
		cap[0] = 0;
}

size_t shim_output_count(const char *s)
{
	size_t n = 0, k = strlen(s);
	if (!k)
		return 0;
	for (const char *p = shim_output(); (p = strstr(p, s)); p += k)
		n++;
	return n;
}

static char input[4096];
static size_t input_head, input_tail;
static bool input_irq;

void shim_input_push(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (input_tail == sizeof(input))
			abort();
		input[input_tail++] = s[i];
	}
}

void shim_input_reset(void) { input_head = input_tail = 0; }
void shim_set_input_irq_driven(bool on) { input_irq = on; }

WEAK void console_register(struct console *c) { (void)c; }
WEAK void console_write(const char *s, size_t n) { cap_append(s, n); }

WEAK void console_write_panic(const char *s, size_t n)
{
	panic_writes++;
	cap_append(s, n);
}

WEAK int console_poll_char(void)
{
	if (input_head == input_tail)
		return -1;
	return (u8)input[input_head++];
}

WEAK bool console_input_irq_driven(void) { return input_irq; }
WEAK void console_input_ready(void) {}

/* Blocking read: the queued input, and a test failure when it runs out
 * (on the host nothing else would ever arrive). */
WEAK int console_getc(void)
{
	int c = console_poll_char();
	if (c < 0) {
		print_error("shim: console_getc() with no input queued (shim_input_push)\n");
		_fail(__FILE__, __LINE__);
		abort();
	}
	return c;
}

WEAK int vkprintf(const char *fmt, va_list ap)
{
	char small[512];
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return n;
	if ((size_t)n < sizeof(small)) {
		console_write(small, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);
		if (!big)
			abort();
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		console_write(big, (size_t)n);
		free(big);
	}
	return n;
}

WEAK int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Fallback log for tests that do not link kernel/log.c. */
WEAK void vklog(enum log_level lvl, const char *subsys, const char *fmt, va_list ap)
{
	(void)lvl;
	kprintf("%s%s", subsys ? subsys : "", subsys && *subsys ? ": " : "");
	vkprintf(fmt, ap);
	kprintf("\n");
}

WEAK void klog(enum log_level lvl, const char *subsys, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vklog(lvl, subsys, fmt, ap);
	va_end(ap);
}

WEAK void klog_kvs(enum log_level lvl, const char *subsys, const char *msg,
		   const struct log_kv *kv, size_t n)
{
	(void)lvl;
	(void)kv;
	kprintf("%s%s%s (%zu fields)\n", subsys ? subsys : "", subsys && *subsys ? ": " : "", msg, n);
}

/* ---- interrupts, cycles, CPU ---- */

static bool irq_on = true;
static int irq_nesting;
void (*shim_relax_hook)(void);

bool shim_irq_state(void) { return irq_on; }
int shim_irq_nesting(void) { return irq_nesting; }

void shim_irq_reset(bool enabled)
{
	irq_on = enabled;
	irq_nesting = 0;
}

WEAK irqflags_t arch_irq_save(void)
{
	irqflags_t f = irq_on;
	irq_on = false;
	irq_nesting++;
	return f;
}

WEAK void arch_irq_restore(irqflags_t flags)
{
	irq_nesting--;
	irq_on = flags != 0;
}

WEAK void arch_irq_enable(void) { irq_on = true; }
WEAK void arch_irq_disable(void) { irq_on = false; }
WEAK bool arch_irq_enabled(void) { return irq_on; }

WEAK void arch_cpu_relax(void)
{
	if (shim_relax_hook)
		shim_relax_hook();
}

WEAK void arch_wait_for_interrupt(void)
{
	irq_on = true;
	arch_cpu_relax();
}

WEAK void arch_halt_forever(void)
{
	print_error("shim: arch_halt_forever() called\n");
	_fail(__FILE__, __LINE__);
	abort();
}

static u64 cycles, cycles_step;

void shim_cycles_set(u64 value) { cycles = value; }
void shim_cycles_step(u64 step) { cycles_step = step; }
u64 shim_cycles_peek(void) { return cycles; }

void (*shim_interrupt_hook)(void);

 /* no scheduler in hosted tests */
WEAK void preempt_check_resched(void) {}

/* Deterministic "entropy" for hosted tests (splitmix64 of a counter). */
WEAK u64 arch_entropy_u64(void)
{
	static u64 x = 0x1234;
	u64 z = (x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

WEAK u64 arch_cycles(void)
{
	u64 c = cycles;
	cycles += cycles_step;
	/* an interrupt arriving just after the read, if they are enabled */
	void (*irq)(void) = shim_interrupt_hook;
	if (irq && irq_on) {
		shim_interrupt_hook = NULL;
		irq();
	}
	return c;
}

/* No devices on the host: ports read as all ones (nothing there). */
WEAK u8 arch_inb(u16 port) { (void)port; return 0xff; }
WEAK u16 arch_inw(u16 port) { (void)port; return 0xffff; }
WEAK u32 arch_inl(u16 port) { (void)port; return 0xffffffff; }
WEAK void arch_outb(u16 port, u8 v) { (void)port; (void)v; }
WEAK void arch_outw(u16 port, u16 v) { (void)port; (void)v; }
WEAK void arch_outl(u16 port, u32 v) { (void)port; (void)v; }

/* Identity "mappings": tests hand physical addresses that are host pointers. */
WEAK void *arch_map_mmio(u64 phys, size_t size) { (void)size; return (void *)(uintptr_t)phys; }
WEAK void *arch_phys_to_virt(u64 phys) { return (void *)(uintptr_t)phys; }
WEAK u64 arch_virt_to_phys(const void *virt) { return (u64)(uintptr_t)virt; }

WEAK void arch_backtrace(u64 fp, void (*fn)(u64 addr, void *ctx), void *ctx)
{
	(void)fp;
	(void)fn;
	(void)ctx;
}

WEAK u64 arch_frame_pointer(void) { return (u64)(uintptr_t)__builtin_frame_address(0); }

WEAK void arch_reboot(void)
{
	print_error("shim: arch_reboot() called\n");
	_fail(__FILE__, __LINE__);
	abort();
}

WEAK void arch_cpu_describe(struct arch_cpu_desc *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->vendor, sizeof(d->vendor), "HostShimCPU");
	snprintf(d->brand, sizeof(d->brand), "hosted unit-test shim");
}

WEAK struct cpu cpus[MAX_CPUS] = { [0] = { .self = &cpus[0], .id = 0, .online = true } };
WEAK u32 nr_cpus_online = 1;
WEAK struct boot_info boot_info = { .loader_name = "host" };

/* ---- boot, panic, power ---- */

WEAK void boot_mark_prompt(void) {}
WEAK u64 boot_seconds_ns(void) { return 0; }

WEAK bool panic_exit_qemu;

WEAK void panic(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("kernel panic: %s\n", msg);
	_fail(__FILE__, __LINE__);
	abort();
}

WEAK void power_register(struct power_method *m) { (void)m; }
WEAK void power_debug_exit(u8 code) { (void)code; }

WEAK void power_off(void)
{
	print_error("shim: power_off() called\n");
	_fail(__FILE__, __LINE__);
	abort();
}

WEAK void power_reboot(void)
{
	print_error("shim: power_reboot() called\n");
	_fail(__FILE__, __LINE__);
	abort();
}
