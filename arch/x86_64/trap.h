/* trap.h — the register frame isr.S builds on every interrupt and exception. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H
#include <rayos/types.h>

#include <rayos/arch_thread.h> /* struct trap_frame */

#define VEC_IRQ_BASE   0x20
#define VEC_LAPIC_TIMER 0xEF
#define VEC_SPURIOUS   0xFF

#endif
