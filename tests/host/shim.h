/* shim.h — controls for the host stand-ins of arch code, the console and
 * boot state (tests/host/shim.c), linked into every hosted unit test.
 *
 * Everything the kernel calls is defined weak in shim.c, so a test (or a
 * kernel source listed in its .srcs, e.g. kernel/console.c) may provide its
 * own definition instead. The shim_* functions below are the test's side. */
#ifndef RAYOS_TESTS_SHIM_H
#define RAYOS_TESTS_SHIM_H
#include <rayos/types.h>

/* Console capture: everything written through console_write(),
 * console_write_panic() and kprintf() is appended to one buffer (kprintf
 * adds no '\r'). Set RAYOS_SHIM_ECHO=1 in the environment to also copy it
 * to stderr while debugging. */
const char *shim_output(void);      /* NUL-terminated; valid until next write */
size_t shim_output_len(void);
void shim_output_reset(void);
size_t shim_panic_writes(void);     /* calls of console_write_panic */
/* Number of non-overlapping occurrences of s in the captured output. */
size_t shim_output_count(const char *s);

/* Console input for console_poll_char(): queued bytes, then -1; console_getc()
 * fails the test when the queue is empty. */
void shim_input_push(const char *s, size_t n);
void shim_input_reset(void);
void shim_set_input_irq_driven(bool on);

/* Fake cycle counter: arch_cycles() returns the current value, then adds
 * the step (0 by default). */
void shim_cycles_set(u64 value);
void shim_cycles_step(u64 step);
u64 shim_cycles_peek(void);

/* One-shot "interrupt": the next arch_cycles() call made with interrupts
 * enabled calls this (once) right after reading the counter, the way an
 * interrupt could arrive between reading the clock and taking a lock. */
extern void (*shim_interrupt_hook)(void);

/* Interrupt-flag model: the state arch_irq_* track, and how many saves are
 * not yet restored (0 when every lock was released). */
bool shim_irq_state(void);
int shim_irq_nesting(void);
void shim_irq_reset(bool enabled);

/* Called by arch_cpu_relax()/arch_wait_for_interrupt() when set (tests
 * use it to advance fake time inside busy-waits). */
extern void (*shim_relax_hook)(void);

#endif
