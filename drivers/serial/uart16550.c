/* uart16550.c — the 16550 UART on COM1 (I/O port 0x3F8, ISA IRQ 4): the
 * kernel console.
 *
 * Output is polled (wait for THR empty) under uart_tx_lock. Input is
 * interrupt-driven: the IRQ handler drains the receive FIFO into rx_ring,
 * a single-producer (IRQ) / single-consumer (shell) ring indexed by free-
 * running counters; bytes that arrive when the ring is full are counted in
 * rayos_serial_rx_dropped_total, never silently lost. Before the IRQ is
 * routed, uart_poll_char() reads the UART directly.
 *
 * Reference: National Semiconductor PC16550D data sheet. */
#include <rayos/console.h>
#include <rayos/arch.h>
#include <rayos/irq.h>
#include <rayos/metrics.h>
#include <rayos/spinlock.h>
#include <rayos/log.h>
#include <rayos/serial.h>

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_IIR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20

#define RX_SIZE 1024 /* power of two */

static spinlock_t uart_tx_lock = SPINLOCK_INIT;
static bool present;
static bool irq_mode;
/* rx ring: head written by the IRQ handler, tail by the reader */
static volatile u8 rx_ring[RX_SIZE];
static volatile u32 rx_head, rx_tail;

static struct metric_family fam_rx = { .name = "rayos_serial_rx_bytes_total",
	.help = "Bytes received on the serial console.", .type = METRIC_COUNTER };
static struct metric_family fam_drop = { .name = "rayos_serial_rx_dropped_total",
	.help = "Received bytes dropped because the input ring was full or the UART overran.",
	.type = METRIC_COUNTER };
static struct metric_family fam_tx = { .name = "rayos_serial_tx_bytes_total",
	.help = "Bytes sent on the serial console.", .type = METRIC_COUNTER };
static struct metric m_rx = { .labels = "port=\"ttyS0\"" };
static struct metric m_drop = { .labels = "port=\"ttyS0\"" };
static struct metric m_tx = { .labels = "port=\"ttyS0\"" };

static void tx_byte(u8 c)
{
	for (int i = 0; i < 100000 && !(arch_inb(COM1 + REG_LSR) & LSR_THRE); i++)
		arch_cpu_relax();
	arch_outb(COM1 + REG_DATA, c);
}

static void uart_write_panic(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++)
		tx_byte((u8)s[i]);
}

static void uart_write(const char *s, size_t n)
{
	if (!present)
		return;
	irqflags_t f = spin_lock_irqsave(&uart_tx_lock);
	for (size_t i = 0; i < n; i++)
		tx_byte((u8)s[i]);
	spin_unlock_irqrestore(&uart_tx_lock, f);
	metric_add(&m_tx, (s64)n);
}

static void rx_push(u8 c)
{
	u32 h = rx_head;
	if (h - rx_tail >= RX_SIZE) {
		metric_inc(&m_drop);
		return;
	}
	rx_ring[h % RX_SIZE] = c;
	__atomic_store_n(&rx_head, h + 1, __ATOMIC_RELEASE);
	metric_inc(&m_rx);
}

static void drain_fifo(void)
{
	for (int i = 0; i < 64; i++) {
		u8 lsr = arch_inb(COM1 + REG_LSR);
		if (lsr & LSR_OE)
			metric_inc(&m_drop);
		if (!(lsr & LSR_DR))
			break;
		rx_push(arch_inb(COM1 + REG_DATA));
	}
}

static void uart_irq(void *ctx)
{
	(void)ctx;
	drain_fifo();
	console_input_ready();
}

static int uart_poll_char(void)
{
	if (!present)
		return -1;
	if (!irq_mode) {
		irqflags_t f = arch_irq_save();
		drain_fifo();
		arch_irq_restore(f);
	}
	u32 t = rx_tail;
	if (t == __atomic_load_n(&rx_head, __ATOMIC_ACQUIRE))
		return -1;
	u8 c = rx_ring[t % RX_SIZE];
	__atomic_store_n(&rx_tail, t + 1, __ATOMIC_RELEASE);
	return c;
}


static struct console uart_console = {
	.name = "ttyS0",
	.write = uart_write,
	.write_panic = uart_write_panic,
	.poll_char = uart_poll_char,
	.input_irq = serial_irq_mode,
};

void serial_early_init(void)
{
	arch_outb(COM1 + REG_IER, 0x00);
	arch_outb(COM1 + REG_LCR, 0x80); /* DLAB */
	arch_outb(COM1 + 0, 0x01);       /* 115200 baud */
	arch_outb(COM1 + 1, 0x00);
	arch_outb(COM1 + REG_LCR, 0x03); /* 8N1 */
	arch_outb(COM1 + REG_FCR, 0xC7); /* FIFO on, clear, 14-byte trigger */
	arch_outb(COM1 + REG_MCR, 0x0B); /* DTR, RTS, OUT2 (IRQ gate) */
	/* loopback self-test is skipped: a missing UART reads back 0xFF */
	present = arch_inb(COM1 + REG_LSR) != 0xFF;
	console_register(&uart_console);
}

void serial_init(void)
{
	metric_register(&fam_rx, &m_rx);
	metric_register(&fam_drop, &m_drop);
	metric_register(&fam_tx, &m_tx);
	if (!present)
		return;
	int r = irq_request_isa(4, "4", uart_irq, NULL);
	if (r) {
		pr_warn("serial", "no interrupt for COM1 (%d); input is polled", r);
		return;
	}
	irq_mode = true;
	arch_outb(COM1 + REG_IER, 0x01); /* receive data available */
	drain_fifo();
	pr_info("serial", "ttyS0 at 0x3f8, IRQ 4, interrupt-driven receive");
}

bool serial_irq_mode(void) { return irq_mode; }
