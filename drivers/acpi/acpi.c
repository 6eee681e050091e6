/* PLACEHOLDER — replaced by the ACPI work. */
#include <rayos/init.h>
int acpi_init(void) { return 0; }
