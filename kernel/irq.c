/* irq.c — interrupt vectors: allocation, handlers and counting.
 * Vectors 0x20..0xEE go to devices (allocated upward); 0xEF and above are
 * reserved for local APIC sources. Each used vector has a metric
 * rayos_interrupts_total{irq="LABEL"} (LABEL is the ISA IRQ number or the
 * source name) counting every delivery.
 *
 * Locking: handlers are installed at init with interrupts off on the only
 * CPU; irq_lock guards allocation for later (SMP) callers. */
#include <rayos/irq.h>
#include <rayos/metrics.h>
#include <rayos/printf.h>
#include <rayos/spinlock.h>
#include <rayos/string.h>
#include <rayos/log.h>

#define VEC_FIRST_DEVICE 0x20
#define VEC_LAST_DEVICE 0xEE

static spinlock_t irq_lock = SPINLOCK_INIT;
static struct irq_desc descs[256];
static struct metric irq_metrics[256];
static u8 next_vector = VEC_FIRST_DEVICE;
static u64 spurious;

static struct metric_family fam_irqs = {
	.name = "rayos_interrupts_total",
	.help = "Interrupts handled, by source.",
	.type = METRIC_COUNTER,
};

int irq_alloc_vector(void)
{
	irqflags_t f = spin_lock_irqsave(&irq_lock);
	int v = next_vector <= VEC_LAST_DEVICE ? next_vector++ : -ENOSPC;
	spin_unlock_irqrestore(&irq_lock, f);
	return v;
}

int irq_register_vector(u8 vector, const char *label, irq_handler_fn fn, void *ctx)
{
	if (vector < VEC_FIRST_DEVICE || !fn)
		return -EINVAL;
	irqflags_t f = spin_lock_irqsave(&irq_lock);
	struct irq_desc *d = &descs[vector];
	if (d->used) {
		spin_unlock_irqrestore(&irq_lock, f);
		return -EBUSY;
	}
	strlcpy(d->name, label, sizeof(d->name));
	d->ctx = ctx;
	d->fn = fn;
	d->used = true;
	spin_unlock_irqrestore(&irq_lock, f);
	struct metric *m = &irq_metrics[vector];
	snprintf(m->labels, sizeof(m->labels), "irq=\"%s\"", label);
	int r = metric_register(&fam_irqs, m);
	if (r)
		pr_warn("irq", "metric for vector %u (%s): error %d", vector, label, r);
	return 0;
}

void irq_dispatch(u8 vector)
{
	struct irq_desc *d = &descs[vector];
	if (unlikely(!d->used)) {
		spurious++;
		return;
	}
	d->count++;
	metric_inc(&irq_metrics[vector]);
	d->fn(d->ctx);
}

const struct irq_desc *irq_desc_at(u8 vector)
{
	return descs[vector].used ? &descs[vector] : NULL;
}
