/* power.h — power-off, reboot and the QEMU test exit (kernel/power.c).
 * Power-off methods are tried in the order registered (ACPI registers its
 * own); reboot likewise, then arch_reboot(). */
#ifndef RAYOS_POWER_H
#define RAYOS_POWER_H
#include <rayos/types.h>

struct power_method {
	const char *name;
	int (*poweroff)(void); /* returns only on failure */
	int (*reboot)(void);   /* returns only on failure */
	struct power_method *next;
};
void power_register(struct power_method *m);
__noreturn void power_off(void);
__noreturn void power_reboot(void);
/* isa-debug-exit at port 0xf4: QEMU exits with (code << 1) | 1. Returns if
 * the device is absent. */
void power_debug_exit(u8 code);
#endif
