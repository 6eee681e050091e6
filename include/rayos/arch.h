/* arch.h — the interface portable code uses to reach the hardware.
 * Everything here is implemented under arch/x86_64/. Portable code never
 * issues privileged instructions or touches MSRs/ports directly. */
#ifndef RAYOS_ARCH_H
#define RAYOS_ARCH_H
#include <rayos/types.h>

/* Interrupt state. */
typedef unsigned long irqflags_t;
irqflags_t arch_irq_save(void);          /* disable, return previous state */
void arch_irq_restore(irqflags_t flags);
void arch_irq_enable(void);
void arch_irq_disable(void);
bool arch_irq_enabled(void);
/* Atomically enable interrupts and wait for one (sti; hlt). */
void arch_wait_for_interrupt(void);
void arch_cpu_relax(void);
__noreturn void arch_halt_forever(void);

/* Port I/O (x86 has it; drivers for port-mapped devices use these). */
u8 arch_inb(u16 port);
u16 arch_inw(u16 port);
u32 arch_inl(u16 port);
void arch_outb(u16 port, u8 v);
void arch_outw(u16 port, u16 v);
void arch_outl(u16 port, u32 v);

/* Cycle counter and its calibrated frequency (0 until calibrated). */
u64 arch_cycles(void);
/* 64 bits from the CPU's entropy source: RDSEED, else RDRAND, else
 * cycle-counter jitter (weak: only used to seed lib/random.c). */
u64 arch_entropy_u64(void);

/* Map device memory (uncached) into kernel space; NULL on failure. */
void *arch_map_mmio(u64 phys, size_t size);
/* Kernel virtual address of RAM/firmware-table physical memory. */
void *arch_phys_to_virt(u64 phys);
/* Firmware memory (ACPI tables, BIOS area): the direct map when it covers
 * [phys, phys + size), else a new uncached mapping; NULL on failure. */
void *arch_map_firmware(u64 phys, size_t size);
u64 arch_virt_to_phys(const void *virt);

/* Physical extent of the loaded kernel image [start, end). */
void arch_kernel_phys_range(u64 *start, u64 *end);

/* Stack walking for backtraces: calls fn for each return address. */
void arch_backtrace(u64 frame_pointer, void (*fn)(u64 addr, void *ctx), void *ctx);
u64 arch_frame_pointer(void);

/* Battery-backed real-time clock: the time now in Unix seconds (UTC).
 * Returns 0, -ENODEV (no RTC) or -EIO (inconsistent readings). */
int arch_rtc_read(s64 *unix_seconds);

/* Reset the machine (tries keyboard controller, 0xCF9, triple fault). */
__noreturn void arch_reboot(void);

/* Supervisor-mode execution/access prevention, on when the CPU has them. */
bool arch_smep_enabled(void);
bool arch_smap_enabled(void);
/* AT_HWCAP for the ELF auxiliary vector (x86_64: CPUID.1:EDX). */
u64 arch_elf_hwcap(void);

/* CPU description for cpuinfo. */
struct arch_cpu_desc {
	char vendor[13];
	char brand[49];
	u32 family, model, stepping;
	u32 apic_id;
	bool nx, tsc_invariant, tsc_deadline, x2apic, hypervisor;
	bool smep, smap; /* the CPU has them (CPUID.7.0:EBX) */
};
void arch_cpu_describe(struct arch_cpu_desc *d);

#endif
