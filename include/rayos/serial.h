/* serial.h — the 16550 console driver (drivers/serial/uart16550.c). */
#ifndef RAYOS_SERIAL_H
#define RAYOS_SERIAL_H
#include <rayos/types.h>
void serial_early_init(void); /* polled output, first thing at boot */
void serial_init(void);       /* interrupt-driven receive, metrics */
bool serial_irq_mode(void);
#endif
