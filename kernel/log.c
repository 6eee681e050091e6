/* log.c — the kernel log ring buffer.
 *
 * Records are fixed-size slots in a ring of LOG_SLOTS; a writer takes the
 * next sequence number under log_lock and fills slot seq % LOG_SLOTS. When
 * the ring is full the oldest record is overwritten and counted as dropped.
 * Records at or above the console level are echoed to the consoles as
 * "[    1.234567] subsys: text". Timestamps are cycle-counter readings,
 * turned into nanoseconds when read, so records made before the clock is
 * calibrated still get true times.
 *
 * Locking: log_lock (IRQ-safe) protects the ring and head; it is a leaf lock.
 * Counters per level are metrics (rayos_log_messages_total{level}). */
#include <rayos/log.h>
#include <rayos/console.h>
#include <rayos/printf.h>
#include <rayos/spinlock.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/metrics.h>
#include <rayos/percpu.h>
#include <rayos/bootinfo.h>

#define LOG_SLOTS 512

struct slot {
	u64 seq;
	u64 cycles;
	u8 level, cpu;
	char subsys[14];
	char text[200];
};

static spinlock_t log_lock = SPINLOCK_INIT;
/* log_lock protects: */
static struct slot ring[LOG_SLOTS];
static u64 next_seq;
static u64 dropped;
static enum log_level console_level = LOG_INFO;

static const char *const level_names[LOG_NR_LEVELS] = {
	"trace", "debug", "info", "warn", "error", "critical",
};

static struct metric_family fam_msgs = {
	.name = "rayos_log_messages_total",
	.help = "Kernel log records written, by level.",
	.type = METRIC_COUNTER,
};
static struct metric m_msgs[LOG_NR_LEVELS];

const char *log_level_name(enum log_level l)
{
	return (unsigned)l < LOG_NR_LEVELS ? level_names[l] : "?";
}

int log_level_parse(const char *s)
{
	if (s[0] >= '0' && s[0] <= '5' && !s[1])
		return s[0] - '0';
	for (int i = 0; i < LOG_NR_LEVELS; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	if (!strcmp(s, "warning"))
		return LOG_WARN;
	if (!strcmp(s, "err"))
		return LOG_ERROR;
	if (!strcmp(s, "crit"))
		return LOG_CRIT;
	return -EINVAL;
}

void log_set_console_level(enum log_level l) { console_level = l; }
enum log_level log_console_level(void) { return console_level; }

static u64 ts_ns(u64 cycles)
{
	u64 base = boot_info.boot_tsc;
	return cycles_to_ns(cycles > base ? cycles - base : 0);
}

static void echo(const struct slot *s)
{
	u64 ns = ts_ns(s->cycles);
	bool loud = s->level >= LOG_WARN;
	kprintf("[%5llu.%06llu] %s%s%s%s%s\n",
		(unsigned long long)(ns / NSEC_PER_SEC),
		(unsigned long long)(ns % NSEC_PER_SEC / 1000),
		loud ? level_names[s->level] : "", loud ? ": " : "",
		s->subsys, s->subsys[0] ? ": " : "", s->text);
}

void vklog(enum log_level lvl, const char *subsys, const char *fmt, va_list ap)
{
	if ((unsigned)lvl >= LOG_NR_LEVELS)
		lvl = LOG_ERROR;
	struct slot tmp;
	tmp.level = lvl;
	tmp.cpu = (u8)this_cpu()->id;
	strlcpy(tmp.subsys, subsys ? subsys : "", sizeof(tmp.subsys));
	vsnprintf(tmp.text, sizeof(tmp.text), fmt, ap);
	size_t tl = strlen(tmp.text);
	while (tl && tmp.text[tl - 1] == '\n')
		tmp.text[--tl] = 0;

	irqflags_t f = spin_lock_irqsave(&log_lock);
	/* read under the lock, so sequence order is time order */
	tmp.cycles = arch_cycles();
	tmp.seq = next_seq++;
	if (tmp.seq >= LOG_SLOTS)
		dropped++;
	ring[tmp.seq % LOG_SLOTS] = tmp;
	spin_unlock_irqrestore(&log_lock, f);

	metric_inc(&m_msgs[lvl]);
	if (lvl >= console_level)
		echo(&tmp);
}

void klog(enum log_level lvl, const char *subsys, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vklog(lvl, subsys, fmt, ap);
	va_end(ap);
}

void log_for_each(log_visit_fn fn, void *ctx)
{
	static struct log_record r; /* one reader at a time: the shell */
	u64 seq = 0;
	for (;;) {
		irqflags_t f = spin_lock_irqsave(&log_lock);
		u64 head = next_seq;
		if (seq + LOG_SLOTS < head)
			seq = head - LOG_SLOTS;
		if (seq >= head) {
			spin_unlock_irqrestore(&log_lock, f);
			return;
		}
		const struct slot *s = &ring[seq % LOG_SLOTS];
		r.seq = s->seq;
		r.time_ns = ts_ns(s->cycles);
		r.level = s->level;
		r.cpu = s->cpu;
		memcpy(r.subsys, s->subsys, sizeof(r.subsys));
		memcpy(r.text, s->text, sizeof(r.text));
		spin_unlock_irqrestore(&log_lock, f);
		fn(&r, ctx);
		seq++;
	}
}

u64 log_dropped(void) { return dropped; }
u64 log_count(enum log_level l) { return (unsigned)l < LOG_NR_LEVELS ? (u64)metric_value(&m_msgs[l]) : 0; }

void log_init(void)
{
	for (int i = 0; i < LOG_NR_LEVELS; i++) {
		snprintf(m_msgs[i].labels, sizeof(m_msgs[i].labels), "level=\"%s\"", level_names[i]);
		metric_register(&fam_msgs, &m_msgs[i]);
	}
}
