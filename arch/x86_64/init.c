/* init.c — the x86_64 side of the boot order (see kernel/main.c). */
#include <rayos/init.h>
#include "x86.h"

void arch_early_init(u32 protocol, u32 info, u64 boot_tsc)
{
	gdt_init();
	idt_init();
	cpu_features_init();
	cpu_protect_init();
	fpu_init_cpu();
	bootinfo_parse(protocol, info, boot_tsc);
}

void arch_mm_init(void)
{
	paging_init();
}
