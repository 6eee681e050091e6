/* apic.c — the legacy 8259 PIC (silenced), the local APIC and its timer.
 *
 * PIC: both 8259s are re-initialised with their vectors at 0xF0/0xF8, clear
 * of the CPU exceptions (the reset vectors 0x08-0x0F collide with them), and
 * every line is masked; LINT0, where the PIC's INTR output arrives, is
 * masked too, so the PIC cannot deliver at all. A missing PIC (QEMU microvm
 * with pic=off) is detected by its mask register not reading back.
 *
 * Local APIC (Intel SDM vol. 3A ch. 11): xAPIC through the MMIO page at
 * the MADT's address (the 64-bit override included; the IA32_APIC_BASE
 * MSR's base without a MADT), mapped uncached with arch_map_mmio. If the
 * firmware left the APIC in x2APIC mode, which cannot be left without a
 * disable/re-enable cycle, it is driven through its MSRs (0x800 + reg/16)
 * instead. Spurious vector 0xFF, software-enabled; LINT1 (or LINT0)
 * programmed as NMI as the MADT's Local APIC NMI entries say (LINT1 without
 * a MADT, the PC wiring); errors raise vector 0xFE and are logged.
 *
 * Timer (SDM 11.5.4): TSC-deadline mode when CPUID.1:ECX[24] says so — the
 * deadline is the TSC value, written to IA32_TSC_DEADLINE — else one-shot
 * mode, divide by 1, at the rate calibrated against the same reference as
 * the TSC (tsc.c). Deadlines are monotonic nanoseconds (time.h); the
 * conversion rounds up so the interrupt does not come before the deadline
 * in the clock's own terms (one-shot counts get a 1/4096 margin for the
 * rate's calibration error). Counts past 2^32-1 are clamped: the early
 * interrupt finds nothing due and re-programs the rest. The interrupt
 * handler (vector 0xEF, label "timer") runs timer_expire() and programs
 * the next deadline; there is no periodic tick.
 *
 * Locking: set up at boot on the only CPU with interrupts off. program()
 * runs either under kernel/time.c's timer_lock (timer_arm/cancel, IRQs
 * off) or in the timer interrupt after timer_expire() has dropped that
 * lock; on one CPU these cannot interleave because both run with
 * interrupts disabled. The registers are the calling CPU's own: once other
 * CPUs run, each must program its own timer (the SMP work). */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/init.h>
#include <rayos/irq.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/percpu.h>
#include <rayos/printf.h>
#include <rayos/sched.h>
#include <rayos/time.h>
#include "x86.h"
#include "trap.h"
#include "devices.h"

/* 8259 PIC */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC1_VECTOR 0xF0
#define PIC2_VECTOR 0xF8

/* Local APIC registers (xAPIC MMIO offsets; x2APIC MSR = 0x800 + off/16). */
#define LAPIC_ID      0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR     0x080
#define LAPIC_EOI     0x0B0
#define LAPIC_SVR     0x0F0
#define LAPIC_ESR     0x280
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_ICR_LOW  0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3E0

#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_X2APIC (1ULL << 10)
#define SVR_ENABLE    (1u << 8)
#define LVT_MASKED    (1u << 16)
#define LVT_ACTIVE_LOW (1u << 13)
#define LVT_NMI       (4u << 8)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)
#define TIMER_DIV_1   0xB
#define VEC_APIC_ERROR 0xFE

static volatile u32 *lapic_mmio;
static u64 lapic_phys; /* xAPIC mode: where the registers are */
static bool x2apic;

static u32 lapic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(0x800 + (reg >> 4));
	return lapic_mmio[reg / 4];
}

static void lapic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

static u32 lapic_id(void)
{
	u32 id = lapic_read(LAPIC_ID);
	return x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
	if (x2apic)
		wrmsr(0x80B, 0);
	else if (lapic_mmio)
		lapic_mmio[LAPIC_EOI / 4] = 0;
}

/* ---------- 8259 PIC ---------- */

static bool pic_disable(void)
{
	arch_outb(PIC1_CMD, 0x11);          /* ICW1: init, ICW4 follows */
	arch_outb(PIC2_CMD, 0x11);
	arch_outb(PIC1_DATA, PIC1_VECTOR);  /* ICW2: vector base */
	arch_outb(PIC2_DATA, PIC2_VECTOR);
	arch_outb(PIC1_DATA, 0x04);         /* ICW3: slave on IRQ2 */
	arch_outb(PIC2_DATA, 0x02);
	arch_outb(PIC1_DATA, 0x01);         /* ICW4: 8086 mode */
	arch_outb(PIC2_DATA, 0x01);
	arch_outb(PIC1_DATA, 0x5A);         /* probe: does the mask read back? */
	bool present = arch_inb(PIC1_DATA) == 0x5A;
	arch_outb(PIC1_DATA, 0xFF);
	arch_outb(PIC2_DATA, 0xFF);
	return present;
}

/* ---------- local APIC ---------- */

static void apic_error_irq(void *ctx)
{
	(void)ctx;
	lapic_write(LAPIC_ESR, 0);
	pr_err("irq", "local APIC error, ESR %#x", lapic_read(LAPIC_ESR));
}

/* LINTn value for this CPU from the MADT's Local APIC NMI entries. */
static void setup_lint(const struct acpi_platform *p, u32 my_apic_id)
{
	u32 lint[2] = { LVT_MASKED, LVT_MASKED };
	if (!p->have_madt) {
		lint[1] = LVT_NMI; /* PC wiring: NMI on LINT1 */
	} else {
		u32 uid = ACPI_UID_ALL;
		for (u32 i = 0; i < p->madt.nr_cpus; i++)
			if (p->madt.cpus[i].apic_id == my_apic_id)
				uid = p->madt.cpus[i].uid;
		for (u32 i = 0; i < p->madt.nr_lapic_nmis; i++) {
			const struct acpi_madt_lapic_nmi *n = &p->madt.lapic_nmis[i];
			if ((n->uid != ACPI_UID_ALL && n->uid != uid) || n->lint > 1)
				continue;
			/* NMI delivery is always edge-triggered; only the polarity applies */
			lint[n->lint] = LVT_NMI |
				((n->flags & ACPI_MPS_POLARITY_MASK) == ACPI_MPS_POLARITY_LOW ? LVT_ACTIVE_LOW : 0);
		}
	}
	lapic_write(LAPIC_LVT_LINT0, lint[0]);
	lapic_write(LAPIC_LVT_LINT1, lint[1]);
}

static void lapic_init(const struct acpi_platform *p)
{
	u64 msr = rdmsr(MSR_APIC_BASE);
	u64 msr_base = msr & 0x000ffffffffff000ULL;
	if ((msr & APIC_BASE_ENABLE) && (msr & APIC_BASE_X2APIC)) {
		x2apic = true; /* the firmware left x2APIC mode on: stay there */
	} else {
		u64 phys = msr_base;
		if (p->have_madt && p->madt.lapic_address) {
			phys = p->madt.lapic_address;
			if (phys != msr_base)
				pr_warn("irq", "MADT puts the local APIC at %#llx, IA32_APIC_BASE at %#llx; using the MADT's",
					(unsigned long long)phys, (unsigned long long)msr_base);
		}
		u64 want = (msr & ~0x000ffffffffff000ULL) | phys | APIC_BASE_ENABLE;
		if (want != msr)
			wrmsr(MSR_APIC_BASE, want);
		lapic_phys = phys;
		lapic_mmio = arch_map_mmio(phys, 4096);
		if (!lapic_mmio) {
			pr_crit("irq", "cannot map the local APIC at %#llx: no interrupts",
				(unsigned long long)phys);
			return;
		}
	}
	u32 id = lapic_id();
	lapic_write(LAPIC_TPR, 0);
	setup_lint(p, id);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	if (irq_register_vector(VEC_APIC_ERROR, "apic_error", apic_error_irq, NULL) == 0)
		lapic_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_eoi(); /* drop anything the firmware left in service */
	this_cpu()->apic_id = id;
	if (x2apic)
		pr_info("irq", "local APIC id %u: x2APIC mode, version %#x", id,
			lapic_read(LAPIC_VERSION) & 0xff);
	else
		pr_info("irq", "local APIC id %u: xAPIC at %#llx, version %#x", id,
			(unsigned long long)lapic_phys, lapic_read(LAPIC_VERSION) & 0xff);
}

void arch_irq_init(void)
{
	const struct acpi_platform *p = acpi_platform();
	bool pcat = !p->have_madt || (p->madt.flags & ACPI_MADT_PCAT_COMPAT);
	bool pic = pic_disable();
	if (pic)
		pr_info("irq", "8259 PIC masked (vectors %#x/%#x)", PIC1_VECTOR, PIC2_VECTOR);
	else
		pr_info("irq", "no 8259 PIC%s", pcat ? " (though the MADT says PC-AT compatible)" : "");
	lapic_init(p);
	ioapic_init();
}

/* ---------- local APIC timer ---------- */

static bool use_deadline;
static u64 tsc_mult24, lapic_mult24; /* counts per ns, 40.24 fixed point */
static char timer_name[48];

static u64 ns_to_counts(u64 ns, u64 mult24)
{
	return (u64)(((unsigned __int128)ns * mult24) >> 24);
}

/* TSC value at monotonic time ns, rounded up so that the clock (which
 * rounds cycles down to ns) reads at least ns when it is reached. */
static u64 deadline_tsc(u64 ns)
{
	u64 c = ns_to_counts(ns, tsc_mult24) + 1;
	for (int i = 0; i < 4; i++) {
		u64 got = cycles_to_ns(c);
		if (got >= ns)
			break;
		c += ns_to_counts(ns - got, tsc_mult24) + 1;
	}
	return boot_info.boot_tsc + c;
}

static void timer_program(u64 deadline_ns)
{
	if (use_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline_ns ? deadline_tsc(deadline_ns) : 0);
		return;
	}
	if (!deadline_ns) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		return;
	}
	u64 now = clock_monotonic_ns();
	u64 ticks = deadline_ns > now ? ns_to_counts(deadline_ns - now, lapic_mult24) + 1 : 1;
	ticks += ticks >> 12; /* +244 ppm: outweighs the calibration error, so no early interrupt */
	lapic_write(LAPIC_TIMER_INIT, (u32)MIN(ticks, 0xFFFFFFFFULL));
}

/* Lateness first (obs: rayos_timer_irq_lateness_seconds): an interrupt
 * that finds its deadline long past while the CPU was halted in the idle
 * thread was delayed outside the kernel (the interrupts were on). */
static void timer_irq(void *ctx)
{
	(void)ctx;
	u64 now = clock_monotonic_ns();
	u64 due = timer_first_deadline();
	if (due && due <= now) {
		struct rq *rq = this_cpu()->rq;
		bool idle = rq && READ_ONCE(rq->curr) == rq->idle;
		hist_record(idle ? &hist_timer_late_idle : &hist_timer_late_busy, now - due);
	}
	timer_program(timer_expire(now));
}

static const struct timer_device lapic_timer = { .name = timer_name, .program = timer_program };

void lapic_timer_calib_start(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
	lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFF);
}

u32 lapic_timer_count(void) { return lapic_read(LAPIC_TIMER_CUR); }

void lapic_timer_init(u64 hz)
{
	if (!x2apic && !lapic_mmio)
		return;
	tsc_mult24 = (clock_cycle_rate() << 24) / NSEC_PER_SEC;
	use_deadline = cpu_has_tsc_deadline;
	if (!use_deadline) {
		if (!hz) {
			pr_err("time", "local APIC timer rate unknown: no timer interrupts");
			return;
		}
		lapic_mult24 = (hz << 24) / NSEC_PER_SEC;
	}
	if (irq_register_vector(VEC_LAPIC_TIMER, "timer", timer_irq, NULL)) {
		pr_err("time", "timer vector %#x busy: no timer interrupts", VEC_LAPIC_TIMER);
		return;
	}
	if (use_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VEC_LAPIC_TIMER);
		__asm__ volatile("mfence" ::: "memory"); /* SDM 11.5.4.1: LVT before the MSR */
		wrmsr(MSR_TSC_DEADLINE, 0);
		snprintf(timer_name, sizeof(timer_name), "local APIC, TSC-deadline mode");
	} else {
		lapic_write(LAPIC_TIMER_INIT, 0);
		lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
		lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER); /* one-shot, unmasked */
		snprintf(timer_name, sizeof(timer_name), "local APIC, one-shot at %llu.%03llu MHz",
			 (unsigned long long)(hz / 1000000), (unsigned long long)(hz % 1000000 / 1000));
	}
	timer_device_register(&lapic_timer);
	pr_info("time", "timer: %s", timer_name);
}

/* ---------- secondary CPUs and inter-processor interrupts ---------- */

#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)

static void icr_send(u32 apic_id, u32 low)
{
	if (x2apic) {
		wrmsr(0x830, ((u64)apic_id << 32) | low);
		return;
	}
	irqflags_t f = arch_irq_save();
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, low);
	for (int i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING); i++)
		arch_cpu_relax();
	arch_irq_restore(f);
}

void lapic_send_ipi(u32 apic_id, u8 vector)
{
	icr_send(apic_id, vector); /* fixed delivery, physical destination */
}

void lapic_send_init(u32 apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(u32 apic_id, u32 page)
{
	icr_send(apic_id, ICR_STARTUP | (page & 0xff));
}

/* A secondary CPU's own local APIC: the same set-up as the boot CPU's,
 * and its timer in the mode and at the rate the boot CPU calibrated (all
 * CPUs of a machine share the bus clock). */
void lapic_init_ap(void)
{
	const struct acpi_platform *p = acpi_platform();
	u64 msr = rdmsr(MSR_APIC_BASE);
	if (!x2apic && !(msr & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
	u32 id = lapic_id();
	lapic_write(LAPIC_TPR, 0);
	setup_lint(p, id);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_eoi();
	this_cpu()->apic_id = id;
	if (use_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VEC_LAPIC_TIMER);
		__asm__ volatile("mfence" ::: "memory");
		wrmsr(MSR_TSC_DEADLINE, 0);
	} else if (lapic_mult24) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
		lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER);
	}
}
