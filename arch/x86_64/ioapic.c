/* ioapic.c — the IOAPICs and ISA interrupt routing (irq_request_isa).
 *
 * Every IOAPIC the MADT lists is mapped (arch_map_mmio), its pin count read
 * from the version register and every redirection entry masked; without a
 * MADT one IOAPIC at 0xFEC00000 with GSI base 0 is assumed. QEMU microvm
 * has a second one (ioapic2, GSIs 24..) for virtio-mmio; it is handled like
 * any other.
 *
 * An ISA IRQ is translated to a GSI by the MADT's interrupt source
 * overrides (bus 0, source = IRQ); without an override the GSI is the IRQ
 * number, active high, edge-triggered (ISA conventions, ACPI 6.5 5.2.12.5).
 * The override's polarity/trigger flags replace those defaults where they
 * are not "conforms to the bus". The GSI's IOAPIC pin is then programmed
 * for a vector from irq_alloc_vector(), fixed delivery, physical
 * destination = the boot CPU's APIC ID, and unmasked after the handler is
 * registered with irq_register_vector() (which counts deliveries in
 * rayos_interrupts_total{irq=NAME}).
 *
 * Reference: Intel 82093AA I/O APIC datasheet (IOREGSEL at +0x00, IOWIN at
 * +0x10; registers 0x00 ID, 0x01 version, 0x10 + 2n redirection entry n).
 *
 * Locking: ioapic_lock (IRQ-safe) guards the indirect register window and
 * the table of claimed ISA IRQs; the IOAPIC list is fixed after init. */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/irq.h>
#include <rayos/log.h>
#include <rayos/percpu.h>
#include <rayos/spinlock.h>
#include "x86.h"
#include "devices.h"

#define IOAPIC_DEFAULT_BASE 0xFEC00000ULL
#define IOREGSEL 0
#define IOWIN 4 /* in u32 units: offset 0x10 */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDIR(n) (0x10 + 2 * (n))
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

struct ioapic {
	volatile u32 *regs;
	u64 phys;
	u32 id, gsi_base, nr_pins;
};

static spinlock_t ioapic_lock = SPINLOCK_INIT;
static struct ioapic ioapics[ACPI_MADT_MAX_IOAPICS];
static u32 nr_ioapics;
static bool isa_claimed[16]; /* ioapic_lock */

static u32 io_read(struct ioapic *io, u32 reg)
{
	io->regs[IOREGSEL] = reg;
	return io->regs[IOWIN];
}

static void io_write(struct ioapic *io, u32 reg, u32 v)
{
	io->regs[IOREGSEL] = reg;
	io->regs[IOWIN] = v;
}

static void add_ioapic(u32 id, u64 phys, u32 gsi_base)
{
	struct ioapic *io = &ioapics[nr_ioapics];
	io->regs = arch_map_mmio(phys, 0x20);
	if (!io->regs) {
		pr_err("irq", "IOAPIC %u at %#llx cannot be mapped; its GSIs are unusable", id,
		       (unsigned long long)phys);
		return;
	}
	u32 ver = io_read(io, IOAPIC_REG_VER);
	if (ver == 0xFFFFFFFF) {
		pr_err("irq", "no IOAPIC answers at %#llx (id %u); its GSIs are unusable",
		       (unsigned long long)phys, id);
		return;
	}
	io->phys = phys;
	io->id = id;
	io->gsi_base = gsi_base;
	io->nr_pins = ((ver >> 16) & 0xFF) + 1;
	for (u32 pin = 0; pin < io->nr_pins; pin++) {
		io_write(io, IOAPIC_REDIR(pin), REDIR_MASKED);
		io_write(io, IOAPIC_REDIR(pin) + 1, 0);
	}
	nr_ioapics++;
	pr_info("irq", "IOAPIC id %u at %#llx: GSIs %u-%u", id, (unsigned long long)phys, gsi_base,
		gsi_base + io->nr_pins - 1);
}

void ioapic_init(void)
{
	const struct acpi_platform *p = acpi_platform();
	if (p->have_madt && p->madt.nr_ioapics) {
		for (u32 i = 0; i < p->madt.nr_ioapics; i++)
			add_ioapic(p->madt.ioapics[i].id, p->madt.ioapics[i].address,
				   p->madt.ioapics[i].gsi_base);
	} else {
		pr_warn("irq", "no IOAPIC in the MADT: assuming one at %#llx, GSI base 0, ISA IRQ = GSI",
			IOAPIC_DEFAULT_BASE);
		add_ioapic(0, IOAPIC_DEFAULT_BASE, 0);
	}
}

static struct ioapic *ioapic_for(u32 gsi, u32 *pin)
{
	for (u32 i = 0; i < nr_ioapics; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].nr_pins) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	}
	return NULL;
}

int irq_request_isa(u8 isa_irq, const char *name, irq_handler_fn fn, void *ctx)
{
	if (isa_irq >= 16 || !fn || !name)
		return -EINVAL;
	const struct acpi_platform *p = acpi_platform();
	u32 gsi = isa_irq;
	u16 flags = 0;
	for (u32 i = 0; p->have_madt && i < p->madt.nr_isos; i++) {
		if (p->madt.isos[i].bus == 0 && p->madt.isos[i].source == isa_irq) {
			gsi = p->madt.isos[i].gsi;
			flags = p->madt.isos[i].flags;
		}
	}
	bool active_low = (flags & ACPI_MPS_POLARITY_MASK) == ACPI_MPS_POLARITY_LOW;
	bool level = (flags & ACPI_MPS_TRIGGER_MASK) == ACPI_MPS_TRIGGER_LEVEL;
	u32 pin;
	struct ioapic *io = ioapic_for(gsi, &pin);
	if (!io)
		return -ENODEV;

	irqflags_t f = spin_lock_irqsave(&ioapic_lock);
	if (isa_claimed[isa_irq]) {
		spin_unlock_irqrestore(&ioapic_lock, f);
		return -EBUSY;
	}
	isa_claimed[isa_irq] = true;
	spin_unlock_irqrestore(&ioapic_lock, f);

	int vec = irq_alloc_vector();
	int r = vec < 0 ? vec : irq_register_vector((u8)vec, name, fn, ctx);
	if (r) {
		f = spin_lock_irqsave(&ioapic_lock);
		isa_claimed[isa_irq] = false;
		spin_unlock_irqrestore(&ioapic_lock, f);
		return r;
	}
	u32 lo = (u32)vec | (level ? REDIR_LEVEL : 0) | (active_low ? REDIR_ACTIVE_LOW : 0);
	f = spin_lock_irqsave(&ioapic_lock);
	io_write(io, IOAPIC_REDIR(pin) + 1, this_cpu()->apic_id << 24);
	io_write(io, IOAPIC_REDIR(pin), lo); /* unmasked last */
	spin_unlock_irqrestore(&ioapic_lock, f);
	pr_debug("irq", "ISA IRQ %u -> GSI %u (IOAPIC %u pin %u, %s, active %s) -> vector %#x", isa_irq,
		gsi, io->id, pin, level ? "level" : "edge", active_low ? "low" : "high", vec);
	return 0;
}

/* CPU isolation: every unmasked pin whose destination is a CPU outside
 * allowed is sent to the first CPU in allowed instead (physical
 * destination mode; the redirection entry is masked while it changes). */
void arch_irq_steer(u64 allowed)
{
	u32 target = MAX_CPUS;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if ((allowed & (1ULL << c)) && cpus[c].online) {
			target = c;
			break;
		}
	if (target == MAX_CPUS)
		return;
	irqflags_t f = spin_lock_irqsave(&ioapic_lock);
	for (u32 i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];
		for (u32 pin = 0; pin < io->nr_pins; pin++) {
			u32 lo = io_read(io, IOAPIC_REDIR(pin));
			if (lo & REDIR_MASKED)
				continue;
			u32 dest = io_read(io, IOAPIC_REDIR(pin) + 1) >> 24;
			bool ok = false;
			for (u32 c = 0; c < MAX_CPUS; c++)
				if (cpus[c].online && cpus[c].apic_id == dest && (allowed & (1ULL << c)))
					ok = true;
			if (ok)
				continue;
			io_write(io, IOAPIC_REDIR(pin), lo | REDIR_MASKED);
			io_write(io, IOAPIC_REDIR(pin) + 1, cpus[target].apic_id << 24);
			io_write(io, IOAPIC_REDIR(pin), lo);
			pr_info("irq", "IOAPIC %u pin %u steered from APIC %u to CPU %u", io->id, pin, dest, target);
		}
	}
	spin_unlock_irqrestore(&ioapic_lock, f);
}
