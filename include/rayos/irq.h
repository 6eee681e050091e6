/* irq.h — device interrupt registration (kernel/irq.c).
 * Drivers ask for a legacy ISA IRQ or a GSI; the arch routes it through the
 * IOAPIC (honouring ACPI interrupt source overrides) to a vector. Every
 * delivered interrupt is counted in rayos_interrupts_total{irq=...}. */
#ifndef RAYOS_IRQ_H
#define RAYOS_IRQ_H
#include <rayos/types.h>

typedef void (*irq_handler_fn)(void *ctx);

/* Attach a handler to ISA IRQ 0..15 (translated by MADT overrides). */
int irq_request_isa(u8 isa_irq, const char *name, irq_handler_fn fn, void *ctx);

/* Arch-facing: vector allocation and dispatch. */
#define IRQ_NAME_MAX 16
struct irq_desc {
	char name[IRQ_NAME_MAX]; /* label for metrics: "4", "timer", ... */
	irq_handler_fn fn;
	void *ctx;
	u64 count;
	bool used;
};
/* Register a handler on a vector directly (local APIC timer, IPIs). */
int irq_register_vector(u8 vector, const char *label, irq_handler_fn fn, void *ctx);
int irq_alloc_vector(void);
void irq_dispatch(u8 vector);
const struct irq_desc *irq_desc_at(u8 vector);

#endif
