/* init.h — the boot-time entry points kmain calls, in the order it calls
 * them (kernel/main.c). */
#ifndef RAYOS_INIT_H
#define RAYOS_INIT_H
#include <rayos/types.h>

void arch_early_init(u32 protocol, u32 info, u64 boot_tsc); /* GDT, IDT, CPU, boot info */
void arch_mm_init(void);     /* final page tables */
int acpi_init(void);         /* drivers/acpi: tables, power methods */
void arch_irq_init(void);    /* PIC off, local APIC, IOAPIC routing */
void arch_time_init(void);   /* cycle counter, timer device, wall clock */
void smp_init(void);         /* start the other CPUs (after sched_init) */
void core_metrics_init(void);/* kernel/core_metrics.c: uptime, boot time */
/* Marks the moment the shell first shows its prompt (rayos_boot_seconds). */
void boot_mark_prompt(void);
u64 boot_seconds_ns(void);   /* 0 until the prompt was shown */
#endif
