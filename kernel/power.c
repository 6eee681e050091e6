/* power.c — power-off and reboot through registered methods, and the QEMU
 * isa-debug-exit used by test runs. */
#include <rayos/power.h>
#include <rayos/arch.h>
#include <rayos/log.h>
#include <rayos/printf.h>

static struct power_method *methods;

void power_register(struct power_method *m)
{
	struct power_method **pp = &methods;
	while (*pp)
		pp = &(*pp)->next;
	m->next = NULL;
	*pp = m;
}

void power_debug_exit(u8 code)
{
	arch_outl(0xf4, code);
}

void power_off(void)
{
	for (struct power_method *m = methods; m; m = m->next) {
		if (!m->poweroff)
			continue;
		int r = m->poweroff();
		kprintf("poweroff: %s failed (%d)\n", m->name, r);
	}
	kprintf("poweroff: no method worked; halting\n");
	arch_halt_forever();
}

void power_reboot(void)
{
	for (struct power_method *m = methods; m; m = m->next) {
		if (!m->reboot)
			continue;
		int r = m->reboot();
		kprintf("reboot: %s failed (%d)\n", m->name, r);
	}
	arch_reboot();
}
