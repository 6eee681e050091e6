/* cpu.c — x86_64 implementations of the arch.h basics: interrupt flag, port
 * I/O, TSC, CPUID description, halting and reset. */
#include <rayos/arch.h>
#include <rayos/string.h>
#include "x86.h"

bool cpu_has_nx, cpu_has_tsc_deadline, cpu_has_invariant_tsc;
bool cpu_has_smep, cpu_has_smap;
static u32 cpuid1_edx;

irqflags_t arch_irq_save(void)
{
	irqflags_t f;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(f)::"memory");
	return f;
}
void arch_irq_restore(irqflags_t f)
{
	if (f & (1 << 9))
		__asm__ volatile("sti" ::: "memory");
}
void arch_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
void arch_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
bool arch_irq_enabled(void)
{
	irqflags_t f;
	__asm__ volatile("pushfq; pop %0" : "=r"(f));
	return f & (1 << 9);
}
/* sti's one-instruction shadow makes "sti; hlt" atomic: an interrupt that
 * arrives between the check and the halt still wakes us. */
void arch_wait_for_interrupt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
void arch_cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
void arch_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

u8 arch_inb(u16 p) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
u16 arch_inw(u16 p) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
u32 arch_inl(u16 p) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
void arch_outb(u16 p, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p)); }
void arch_outw(u16 p, u16 v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p)); }
void arch_outl(u16 p, u32 v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p)); }

u64 arch_cycles(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static bool cpu_has_rdrand, cpu_has_rdseed;

u64 arch_entropy_u64(void)
{
	u64 v = 0;
	unsigned char ok = 0;
	for (int i = 0; i < 16 && !ok && cpu_has_rdseed; i++)
		__asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok));
	for (int i = 0; i < 16 && !ok && cpu_has_rdrand; i++)
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
	if (ok)
		return v;
	/* no hardware source: fold the low bits of many counter reads taken
	 * around an I/O port access, whose latency varies */
	for (int i = 0; i < 64; i++) {
		u64 t0 = arch_cycles();
		(void)arch_inb(0x80);
		v = (v << 1 | v >> 63) ^ (arch_cycles() - t0) ^ t0;
	}
	return v;
}

u64 arch_frame_pointer(void)
{
	return (u64)__builtin_frame_address(0);
}

void cpu_features_init(void)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	cpu_has_tsc_deadline = c & (1u << 24);
	cpu_has_rdrand = c & (1u << 30);
	cpuid1_edx = d;
	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_has_rdseed = b & (1u << 18);
		cpu_has_smep = b & (1u << 7);
		cpu_has_smap = b & (1u << 20);
	}
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	u32 max_ext = a;
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cpu_has_nx = d & (1u << 20);
	}
	if (max_ext >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cpu_has_invariant_tsc = d & (1u << 8);
	}
}

/* SMEP (CR4 bit 20): the kernel never executes a user page; SMAP (bit
 * 21): it never reads or writes one except between stac and clac (the
 * uaccess routines). Both only when CPUID.7.0:EBX says the CPU has them;
 * called on every CPU (SDM vol. 3A 4.6). */
void cpu_protect_init(void)
{
	u64 cr4 = read_cr4();
	if (cpu_has_smep)
		cr4 |= 1ULL << 20;
	if (cpu_has_smap)
		cr4 |= 1ULL << 21;
	write_cr4(cr4);
	extern u8 uaccess_smap; /* uaccess.S: stac/clac only when SMAP is on */
	uaccess_smap = cpu_has_smap;
}

bool arch_smep_enabled(void) { return read_cr4() & (1ULL << 20); }
bool arch_smap_enabled(void) { return read_cr4() & (1ULL << 21); }

/* AT_HWCAP on x86_64 Linux: CPUID.1:EDX as the CPU reports it. */
u64 arch_elf_hwcap(void) { return cpuid1_edx; }

void arch_cpu_describe(struct arch_cpu_desc *desc)
{
	u32 a, b, c, d;
	memset(desc, 0, sizeof(*desc));
	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(desc->vendor + 0, &b, 4);
	memcpy(desc->vendor + 4, &d, 4);
	memcpy(desc->vendor + 8, &c, 4);
	cpuid(1, 0, &a, &b, &c, &d);
	u32 fam = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
	if (fam == 0xf)
		fam += (a >> 20) & 0xff;
	if (fam == 0x6 || fam >= 0xf)
		model |= ((a >> 16) & 0xf) << 4;
	desc->family = fam;
	desc->model = model;
	desc->stepping = a & 0xf;
	desc->apic_id = b >> 24;
	desc->x2apic = c & (1u << 21);
	desc->hypervisor = c & (1u << 31);
	desc->tsc_deadline = cpu_has_tsc_deadline;
	desc->nx = cpu_has_nx;
	desc->smep = cpu_has_smep;
	desc->smap = cpu_has_smap;
	desc->tsc_invariant = cpu_has_invariant_tsc;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, &a, &b, &c, &d);
			memcpy(desc->brand + i * 16 + 0, &a, 4);
			memcpy(desc->brand + i * 16 + 4, &b, 4);
			memcpy(desc->brand + i * 16 + 8, &c, 4);
			memcpy(desc->brand + i * 16 + 12, &d, 4);
		}
	}
	/* trim leading spaces of the brand string */
	size_t s = 0;
	while (desc->brand[s] == ' ')
		s++;
	if (s)
		memmove(desc->brand, desc->brand + s, sizeof(desc->brand) - s);
}

void arch_reboot(void)
{
	arch_irq_disable();
	/* 1. PCI reset control register (q35, pc). */
	arch_outb(0xcf9, 0x02);
	arch_outb(0xcf9, 0x06);
	for (volatile int i = 0; i < 100000; i++)
		;
	/* 2. Keyboard controller pulse. */
	for (int i = 0; i < 10000 && (arch_inb(0x64) & 2); i++)
		;
	arch_outb(0x64, 0xfe);
	for (volatile int i = 0; i < 100000; i++)
		;
	/* 3. Triple fault: load an empty IDT and trap. */
	struct __packed { u16 limit; u64 base; } idtr = { 0, 0 };
	__asm__ volatile("lidt %0; int3" ::"m"(idtr));
	arch_halt_forever();
}
