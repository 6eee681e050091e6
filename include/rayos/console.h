/* console.h — output consoles (kernel/console.c). Drivers register a write
 * function; kprintf and the log write to every registered console. */
#ifndef RAYOS_CONSOLE_H
#define RAYOS_CONSOLE_H
#include <rayos/types.h>

struct console {
	const char *name;
	void (*write)(const char *s, size_t n);       /* may take locks */
	void (*write_panic)(const char *s, size_t n); /* lock-free, polled */
	int (*poll_char)(void);                       /* -1 when no input */
	bool (*input_irq)(void); /* true once input arrival raises an interrupt */
	struct console *next;
};
void console_register(struct console *c);
void console_write(const char *s, size_t n);
void console_write_panic(const char *s, size_t n);
int console_poll_char(void);
/* True when every input console interrupts on input (safe to halt). */
bool console_input_irq_driven(void);
/* Called by input drivers when bytes arrived (any context). */
void console_input_ready(void);
/* Input arrival wakes everybody sleeping here (console_getc, the tty's
 * input thread, fs/tty.c). */
struct wait_queue;
extern struct wait_queue console_input_wq;
/* Blocking read of one byte from the input consoles. */
int console_getc(void);
#endif
