/* console.c — the list of output consoles and kprintf.
 * Consoles register once at init (before SMP); the list is then read-only,
 * so writers walk it without a lock. */
#include <rayos/console.h>
#include <rayos/printf.h>
#include <rayos/thread.h>
#include <rayos/arch.h>

static struct console *consoles;

void console_register(struct console *c)
{
	struct console **pp = &consoles;
	while (*pp)
		pp = &(*pp)->next;
	c->next = NULL;
	*pp = c;
}

void console_write(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(s, n);
}

void console_write_panic(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		(c->write_panic ? c->write_panic : c->write)(s, n);
}

int console_poll_char(void)
{
	for (struct console *c = consoles; c; c = c->next) {
		if (c->poll_char) {
			int ch = c->poll_char();
			if (ch >= 0)
				return ch;
		}
	}
	return -1;
}

struct linebuf {
	char buf[128];
	size_t n;
	void (*flush)(const char *s, size_t n);
};

static void lb_put(void *ctx, char c)
{
	struct linebuf *lb = ctx;
	if (c == '\n') {
		if (lb->n == sizeof(lb->buf))
			lb->flush(lb->buf, lb->n), lb->n = 0;
		lb->buf[lb->n++] = '\r';
	}
	if (lb->n == sizeof(lb->buf))
		lb->flush(lb->buf, lb->n), lb->n = 0;
	lb->buf[lb->n++] = c;
}

/* Format through a line buffer (\n -> \r\n) into a console writer. */
static int vprintf_to(void (*flush)(const char *s, size_t n), const char *fmt, va_list ap)
{
	struct linebuf lb = { .n = 0, .flush = flush };
	int n = vcbprintf(lb_put, &lb, fmt, ap);
	if (lb.n)
		flush(lb.buf, lb.n);
	return n;
}

int vkprintf(const char *fmt, va_list ap)
{
	return vprintf_to(console_write, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

int panic_vprintf(const char *fmt, va_list ap)
{
	return vprintf_to(console_write_panic, fmt, ap);
}

bool console_input_irq_driven(void)
{
	for (struct console *c = consoles; c; c = c->next)
		if (c->poll_char && !(c->input_irq && c->input_irq()))
			return false;
	return true;
}

/* Input arrival: drivers call console_input_ready() from their interrupt
 * handler; readers sleep on console_input_wq. */
struct wait_queue console_input_wq = WAIT_QUEUE_INIT(console_input_wq);

void console_input_ready(void)
{
	wake_up_all(&console_input_wq);
}

/* Blocking read of one input byte. With threads and interrupt-driven input
 * the caller sleeps (the CPU goes idle); before that it halts until the
 * next interrupt, or spins when input is polled. */
int console_getc(void)
{
	int c;
	if (current_thread() && console_input_irq_driven()) {
		wait_event(console_input_wq, (c = console_poll_char()) >= 0);
		return c;
	}
	for (;;) {
		bool can_halt = arch_irq_enabled() && console_input_irq_driven();
		irqflags_t f = arch_irq_save();
		c = console_poll_char();
		if (c >= 0) {
			arch_irq_restore(f);
			return c;
		}
		if (can_halt) {
			arch_wait_for_interrupt(); /* sti; hlt: no lost wake-up */
		} else {
			arch_irq_restore(f);
			arch_cpu_relax();
		}
	}
}
