/* PLACEHOLDER — replaced by the interrupt-controller work. */
#include <rayos/init.h>
#include <rayos/irq.h>
#include <rayos/arch.h>
#include "x86.h"
void arch_irq_init(void) { arch_outb(0x21, 0xff); arch_outb(0xa1, 0xff); }
void lapic_eoi(void) { }
int irq_request_isa(u8 isa_irq, const char *name, irq_handler_fn fn, void *ctx)
{ (void)isa_irq; (void)name; (void)fn; (void)ctx; return -ENODEV; }
void arch_time_init(void) { }
