/* ktests/irq.c — in-kernel tests of interrupt routing and counting.
 *
 *  - the local APIC timer's interrupts arrive and are counted in
 *    rayos_interrupts_total{irq="timer"};
 *  - an ISA interrupt really travels MADT override -> IOAPIC pin -> vector
 *    -> handler: the COM1 UART is asked for a transmitter-empty interrupt
 *    (IER bit 1) for a moment, and rayos_interrupts_total{irq="4"} must
 *    grow; the UART is put back to receive-only interrupts afterwards
 *    (reference: PC16550D data sheet, IER/IIR);
 *  - irq_request_isa() and irq_register_vector() reject bad arguments and
 *    doubly claimed IRQs/vectors without disturbing the existing owner;
 *  - the boot CPU's APIC ID is one the MADT lists as enabled.
 * Waits poll the clock with interrupts enabled, bounded by WAIT_LIMIT_NS. */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/irq.h>
#include <rayos/ktest.h>
#include <rayos/metrics.h>
#include <rayos/percpu.h>
#include <rayos/printf.h>
#include <rayos/serial.h>
#include <rayos/string.h>
#include <rayos/time.h>

#define WAIT_LIMIT_NS (500 * NSEC_PER_MSEC)
#define COM1_IER 0x3f9
#define IER_RX 0x01
#define IER_THRE 0x02
#define VEC_LAPIC_TIMER 0xEF

static s64 irq_count(const char *label)
{
	struct metric_family *f = metrics_find("rayos_interrupts_total");
	char want[32];
	snprintf(want, sizeof(want), "irq=\"%s\"", label);
	for (struct metric *m = f ? f->members : NULL; m; m = m->next)
		if (!strcmp(m->labels, want))
			return metric_value(m);
	return -1;
}

static bool wait_count_above(const char *label, s64 v)
{
	u64 end = clock_monotonic_ns() + WAIT_LIMIT_NS;
	while (irq_count(label) <= v && clock_monotonic_ns() < end)
		arch_cpu_relax();
	return irq_count(label) > v;
}

static void nop_event(struct timer_event *ev) { (void)ev; }
static void nop_handler(void *ctx) { (void)ctx; }

KTEST(irq, timer_interrupt_counted)
{
	KT_ASSERT(arch_irq_enabled());
	s64 before = irq_count("timer");
	KT_ASSERT(before >= 0);
	static struct timer_event ev;
	ev = (struct timer_event){ .fn = nop_event };
	timer_arm(&ev, clock_monotonic_ns() + NSEC_PER_MSEC);
	KT_EXPECT(wait_count_above("timer", before));
	timer_cancel(&ev);
}

KTEST(irq, isa_irq_delivered_end_to_end)
{
	if (!serial_irq_mode())
		KT_SKIP("COM1 is not interrupt-driven");
	s64 before = irq_count("4");
	KT_ASSERT(before >= 0);
	irqflags_t f = arch_irq_save();
	arch_outb(COM1_IER, IER_RX | IER_THRE); /* THR is empty: interrupt now */
	arch_irq_restore(f);
	bool got = wait_count_above("4", before);
	arch_outb(COM1_IER, IER_RX);
	KT_EXPECT(got);
}

KTEST(irq, request_rejects_bad_arguments)
{
	KT_EXPECT_EQ(irq_request_isa(16, "x", nop_handler, NULL), -EINVAL);
	KT_EXPECT_EQ(irq_request_isa(3, "x", NULL, NULL), -EINVAL);
	if (serial_irq_mode()) /* COM1's driver owns IRQ 4 */
		KT_EXPECT_EQ(irq_request_isa(4, "x", nop_handler, NULL), -EBUSY);
	KT_EXPECT_EQ(irq_register_vector(0x10, "x", nop_handler, NULL), -EINVAL);
	KT_EXPECT_EQ(irq_register_vector(VEC_LAPIC_TIMER, "x", nop_handler, NULL), -EBUSY);
	const struct irq_desc *d = irq_desc_at(VEC_LAPIC_TIMER);
	KT_ASSERT(d != NULL);
	KT_EXPECT(!strcmp(d->name, "timer"));
}

KTEST(irq, boot_cpu_listed_in_madt)
{
	const struct acpi_platform *p = acpi_platform();
	if (!p->have_madt)
		KT_SKIP("no MADT");
	bool found = false;
	for (u32 i = 0; i < p->madt.nr_cpus; i++)
		if (p->madt.cpus[i].apic_id == cpus[0].apic_id &&
		    (p->madt.cpus[i].flags & ACPI_CPU_ENABLED))
			found = true;
	KT_EXPECT(found);
}
