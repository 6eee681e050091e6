/* internal.h — declarations shared by the files of drivers/acpi/ only. */
#ifndef DRIVERS_ACPI_INTERNAL_H
#define DRIVERS_ACPI_INTERNAL_H
#include <rayos/acpi.h>

/* power.c: registers the ACPI power-off/reset method when the FADT allows
 * one; maps the memory-space registers it will need now, not at shutdown. */
void acpi_power_init(const struct acpi_platform *p);

#endif
