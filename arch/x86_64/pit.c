/* pit.c — the 8254 PIT, channel 0, as the calibration reference of last
 * resort (no HPET, no PM timer: QEMU microvm).
 *
 * Channel 0 is put in mode 2 (rate generator) with the full 65536 count and
 * read with the counter-latch command, so the count runs down continuously
 * at 1.193182 MHz and wraps every 55 ms — ample for a few-millisecond
 * window. Channel 2 and port 0x61 (its gate) are not used: microvm has no
 * port 0x61. IRQ 0 stays masked at the IOAPIC and PIC. pit_stop() leaves the
 * channel in mode 0 with a count of 1, which expires at once and then
 * idles. A missing PIT reads back 0xFFFF and never changes; probe checks.
 *
 * Reference: Intel 82C54 CHMOS Programmable Interval Timer data sheet.
 * Locking: boot-time only, single CPU, interrupts off. */
#include <rayos/arch.h>
#include <rayos/log.h>
#include "devices.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ 1193182
#define CMD_CH0_LOHI_MODE2 0x34
#define CMD_CH0_LOHI_MODE0 0x30
#define CMD_CH0_LATCH 0x00

static u64 pit_read(void)
{
	arch_outb(PIT_CMD, CMD_CH0_LATCH);
	u8 lo = arch_inb(PIT_CH0);
	u8 hi = arch_inb(PIT_CH0);
	return (u64)lo | (u64)hi << 8;
}

static void pit_stop(void);

/* 4000 ticks (3.4 ms): one tick of quantisation is then 250 ppm */
static const struct ref_counter pit = {
	.name = "PIT", .hz = PIT_HZ, .mask = 0xFFFF, .down = true, .freerunning = true,
	.min_ticks = 4000, .read = pit_read, .stop = pit_stop,
};

const struct ref_counter *pit_probe(void)
{
	arch_outb(PIT_CMD, CMD_CH0_LOHI_MODE2);
	arch_outb(PIT_CH0, 0); /* reload 0 = 65536 */
	arch_outb(PIT_CH0, 0);
	u64 a = pit_read(), b = a;
	for (int i = 0; i < 10000 && b == a; i++)
		b = pit_read();
	if (a == b) {
		pr_warn("time", "no 8254 PIT answers on port %#x", PIT_CH0);
		return NULL;
	}
	return &pit;
}

static void pit_stop(void)
{
	arch_outb(PIT_CMD, CMD_CH0_LOHI_MODE0);
	arch_outb(PIT_CH0, 1);
	arch_outb(PIT_CH0, 0);
}
