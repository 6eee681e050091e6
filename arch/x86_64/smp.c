/* smp.c — secondary CPUs and inter-processor interrupts.
 *
 * Bring-up (Intel SDM vol. 3A 8.4.4, MP initialization): for every enabled
 * processor in the MADT other than the boot CPU, the boot CPU prepares an
 * idle stack and three IST stacks (vmalloc'd: guard pages on both sides),
 * fills the trampoline's parameter block, and sends INIT then STARTUP (and
 * a second STARTUP if the CPU has not answered within 1 ms). CPUs are
 * started one at a time because they share the parameter block. A started
 * CPU loads its own GDT/TSS and the IDT, sets up its local APIC and timer,
 * says it is online and becomes its run queue's idle thread
 * (sched_start_ap). The first 2 MiB are identity-mapped while CPUs start,
 * then unmapped and flushed everywhere.
 *
 * IPIs: VEC_RESCHED only interrupts (the scheduler has set need_resched and
 * switches on the way out, sched_irq_exit); VEC_CALL runs a function on
 * another CPU and the sender waits for it. TLB shootdown (the hook of
 * paging.c) calls a flush on every other online CPU; paging.c runs it with
 * interrupts off, so the caller cannot migrate between flushing its own
 * TLB and choosing which CPUs are "other".
 *
 * Locking: one cross-CPU call at a time (call_busy, taken by CAS). A CPU
 * waiting for the slot or for its call to finish keeps serving calls aimed
 * at itself, so two CPUs calling each other with interrupts off cannot
 * deadlock. */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/irq.h>
#include <rayos/log.h>
#include <rayos/percpu.h>
#include <rayos/panic.h>
#include <rayos/string.h>
#include <rayos/thread.h>
#include <rayos/time.h>
#include <rayos/vm.h>
#include "x86.h"
#include "devices.h"

#define TRAMP_BASE 0x8000
#define VEC_RESCHED 0xE0
#define VEC_CALL    0xE1

struct tramp_params {
	u32 cr3, efer_extra;
	u64 stack, entry;
	u32 cpu, pad;
} __packed;

extern const u8 smp_trampoline_start[], smp_trampoline_end[], smp_trampoline_params[];
void identity_map_low(bool on);

static u8 *ap_ist[MAX_CPUS][3];
static volatile u32 ap_started;

struct call_slot {
	void (*fn)(void *arg);
	void *arg;
	volatile bool pending;
};
static struct call_slot calls[MAX_CPUS];
static volatile u32 call_busy;

static void run_own_call(void)
{
	struct call_slot *s = &calls[this_cpu()->id];
	if (__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE)) {
		s->fn(s->arg);
		__atomic_store_n(&s->pending, false, __ATOMIC_RELEASE);
	}
}

static void call_ipi(void *ctx)
{
	(void)ctx;
	run_own_call();
}

static void resched_ipi(void *ctx)
{
	(void)ctx; /* need_resched is already set; sched_irq_exit acts on it */
}

/* Run fn(arg) on CPU cpu and wait until it has run. */
int smp_call_on(u32 cpu, void (*fn)(void *), void *arg)
{
	if (cpu >= MAX_CPUS || !cpus[cpu].online)
		return -EINVAL;
	if (cpu == this_cpu()->id) {
		irqflags_t f = arch_irq_save();
		fn(arg);
		arch_irq_restore(f);
		return 0;
	}
	u32 zero = 0;
	while (!__atomic_compare_exchange_n(&call_busy, &zero, 1, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		zero = 0;
		run_own_call();
		arch_cpu_relax();
	}
	struct call_slot *s = &calls[cpu];
	s->fn = fn;
	s->arg = arg;
	__atomic_store_n(&s->pending, true, __ATOMIC_RELEASE);
	lapic_send_ipi(cpus[cpu].apic_id, VEC_CALL);
	while (__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE)) {
		run_own_call();
		arch_cpu_relax();
	}
	__atomic_store_n(&call_busy, 0, __ATOMIC_RELEASE);
	return 0;
}

void arch_smp_send_resched(u32 cpu)
{
	if (cpu != this_cpu()->id && cpus[cpu].online)
		lapic_send_ipi(cpus[cpu].apic_id, VEC_RESCHED);
}

struct flush_range {
	u64 va, len;
};

static void flush_local(void *arg)
{
	struct flush_range *r = arg;
	if (r->len && r->len <= 64 * 4096) {
		for (u64 off = 0; off < r->len; off += 4096)
			invlpg(r->va + off);
	} else {
		u64 cr4 = read_cr4(); /* PGE off and on: everything, globals too */
		write_cr4(cr4 & ~(1ULL << 7));
		write_cr4(cr4);
	}
}

/* Interrupts off (flush_range): this_cpu() is the CPU that flushed itself. */
static void tlb_shootdown(u64 va, u64 len)
{
	struct flush_range r = { va, len };
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (c != this_cpu()->id && cpus[c].online)
			smp_call_on(c, flush_local, &r);
}

void fpu_init_cpu(void);

/* First C code of a secondary CPU, on its idle stack. */
static __noreturn void ap_entry(u32 cpu)
{
	gdt_init_cpu(cpu, ap_ist[cpu]);
	idt_load();
	write_cr4(read_cr4() | (1ULL << 7));
	cpu_protect_init();
	fpu_init_cpu();
	lapic_init_ap();
	cpus[cpu].online = true;
	__atomic_add_fetch(&nr_cpus_online, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&ap_started, cpu, __ATOMIC_RELEASE);
	sched_start_ap(cpu); /* becomes this CPU's idle thread */
}

static bool wait_started(u32 cpu, u64 us)
{
	u64 end = clock_monotonic_ns() + us * NSEC_PER_USEC;
	while (clock_monotonic_ns() < end) {
		if (__atomic_load_n(&ap_started, __ATOMIC_ACQUIRE) == cpu)
			return true;
		arch_cpu_relax();
	}
	return false;
}

static bool start_cpu(u32 cpu, u32 apic_id)
{
	size_t ist_size = gdt_ist_stack_size();
	u8 *stack = vmalloc_tagged(THREAD_STACK_SIZE, "idle stack");
	for (int i = 0; i < 3; i++)
		ap_ist[cpu][i] = vmalloc_tagged(ist_size, "IST stack");
	if (!stack || !ap_ist[cpu][0] || !ap_ist[cpu][1] || !ap_ist[cpu][2]) {
		pr_err("smp", "no memory for CPU %u's stacks", cpu);
		goto fail;
	}
	struct tramp_params *p = arch_phys_to_virt(TRAMP_BASE +
		(u64)(smp_trampoline_params - smp_trampoline_start));
	p->cr3 = (u32)read_cr3();
	p->efer_extra = cpu_has_nx ? (1u << 11) : 0;
	p->stack = (u64)stack + THREAD_STACK_SIZE;
	p->entry = (u64)ap_entry;
	p->cpu = cpu;
	cpus[cpu].apic_id = apic_id;
	__atomic_store_n(&ap_started, ~0u, __ATOMIC_RELEASE);

	lapic_send_init(apic_id);
	udelay(10);
	lapic_send_startup(apic_id, TRAMP_BASE >> 12);
	if (wait_started(cpu, 1000))
		return true;
	lapic_send_startup(apic_id, TRAMP_BASE >> 12);
	if (wait_started(cpu, 100000))
		return true;
	pr_err("smp", "CPU with APIC id %u did not start", apic_id);
fail:
	/* its stacks stay allocated: a late start must not land on freed memory */
	return false;
}

static bool trampoline_page_usable(void)
{
	size_t size = (size_t)(smp_trampoline_end - smp_trampoline_start);
	for (u32 i = 0; i < boot_info.nr_regions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_USABLE && r->base <= TRAMP_BASE && r->base + r->length >= TRAMP_BASE + size)
			return true;
	}
	return false;
}

void smp_init(void)
{
	const struct acpi_platform *p = acpi_platform();
	if (irq_register_vector(VEC_RESCHED, "resched", resched_ipi, NULL) ||
	    irq_register_vector(VEC_CALL, "call", call_ipi, NULL)) {
		pr_err("smp", "IPI vectors busy: staying on one CPU");
		return;
	}
	if (!p->have_madt) {
		pr_info("smp", "no MADT: one CPU");
		return;
	}
	if (!trampoline_page_usable()) {
		pr_err("smp", "memory at %#x is not usable RAM: cannot start other CPUs", TRAMP_BASE);
		return;
	}
	memcpy(arch_phys_to_virt(TRAMP_BASE), smp_trampoline_start,
	       (size_t)(smp_trampoline_end - smp_trampoline_start));
	identity_map_low(true);
	u32 next = 1, listed = 0;
	for (u32 i = 0; i < p->madt.nr_cpus; i++) {
		const struct acpi_madt_cpu *mc = &p->madt.cpus[i];
		if (!(mc->flags & ACPI_CPU_ENABLED) || mc->apic_id == cpus[0].apic_id)
			continue;
		listed++;
		if (next >= MAX_CPUS) {
			pr_warn("smp", "more than %u CPUs: APIC id %u left offline", MAX_CPUS, mc->apic_id);
			continue;
		}
		if (start_cpu(next, mc->apic_id))
			next++;
	}
	identity_map_low(false);
	arch_vm_set_tlb_shootdown(tlb_shootdown);
	tlb_shootdown(0, 0); /* the identity mapping is gone everywhere */
	pr_info("smp", "%u CPU(s) online (%u listed by the MADT)", nr_cpus_online, listed + 1);
}
