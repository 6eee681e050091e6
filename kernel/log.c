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
 * Structured records (klog_kvs) carry up to LOG_FIELDS_SIZE bytes of typed
 * fields, packed as type byte, key, NUL, value rendered as text, NUL;
 * integers are rendered when logged, so a record never points at memory
 * that may change. Fields are shown logfmt-style (key=value, quoted when
 * needed) by the echo, dmesg and `log`, and as JSON by log_format_json.
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
	u8 nfields, fields_dropped;
	char fields[LOG_FIELDS_SIZE];
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

static void to_record(const struct slot *s, struct log_record *r)
{
	r->seq = s->seq;
	r->time_ns = ts_ns(s->cycles);
	r->level = s->level;
	r->cpu = s->cpu;
	memcpy(r->subsys, s->subsys, sizeof(r->subsys));
	memcpy(r->text, s->text, sizeof(r->text));
	r->nfields = s->nfields;
	r->fields_dropped = s->fields_dropped;
	memcpy(r->fields, s->fields, sizeof(r->fields));
}

static void echo(const struct slot *s)
{
	static struct log_record r; /* echo happens outside log_lock: keep it off the stack */
	static spinlock_t echo_lock = SPINLOCK_INIT;
	u64 ns = ts_ns(s->cycles);
	bool loud = s->level >= LOG_WARN;
	char fields[LOG_FIELDS_SIZE + 64];
	fields[0] = 0;
	if (s->nfields || s->fields_dropped) {
		irqflags_t f = spin_lock_irqsave(&echo_lock);
		to_record(s, &r);
		log_format_fields(&r, fields, sizeof(fields));
		spin_unlock_irqrestore(&echo_lock, f);
	}
	kprintf("[%5llu.%06llu] %s%s%s%s%s%s\n",
		(unsigned long long)(ns / NSEC_PER_SEC),
		(unsigned long long)(ns % NSEC_PER_SEC / 1000),
		loud ? level_names[s->level] : "", loud ? ": " : "",
		s->subsys, s->subsys[0] ? ": " : "", s->text, fields);
}

static void commit(struct slot *tmp, enum log_level lvl);

static void slot_start(struct slot *tmp, enum log_level *lvl, const char *subsys)
{
	if ((unsigned)*lvl >= LOG_NR_LEVELS)
		*lvl = LOG_ERROR;
	tmp->level = *lvl;
	tmp->cpu = (u8)this_cpu()->id;
	tmp->nfields = tmp->fields_dropped = 0;
	memset(tmp->fields, 0, sizeof(tmp->fields));
	strlcpy(tmp->subsys, subsys ? subsys : "", sizeof(tmp->subsys));
}

static void strip_newlines(char *text)
{
	size_t tl = strlen(text);
	while (tl && text[tl - 1] == '\n')
		text[--tl] = 0;
}

void vklog(enum log_level lvl, const char *subsys, const char *fmt, va_list ap)
{
	struct slot tmp;
	slot_start(&tmp, &lvl, subsys);
	vsnprintf(tmp.text, sizeof(tmp.text), fmt, ap);
	strip_newlines(tmp.text);
	commit(&tmp, lvl);
}

void klog_kvs(enum log_level lvl, const char *subsys, const char *msg,
	      const struct log_kv *kv, size_t n)
{
	struct slot tmp;
	slot_start(&tmp, &lvl, subsys);
	strlcpy(tmp.text, msg ? msg : "", sizeof(tmp.text));
	strip_newlines(tmp.text);
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		char val[LOG_FIELDS_SIZE]; /* a longer value cannot fit: dropped */
		char type = kv[i].type == LOG_KV_STR ? 's' : kv[i].type == LOG_KV_UINT ? 'u' : 'i';
		if (type == 's')
			strlcpy(val, kv[i].s ? kv[i].s : "(null)", sizeof(val));
		else if (type == 'u')
			snprintf(val, sizeof(val), "%llu", (unsigned long long)kv[i].u);
		else
			snprintf(val, sizeof(val), "%lld", (long long)kv[i].i);
		const char *key = kv[i].key ? kv[i].key : "";
		size_t kl = strlen(key), vl = strlen(val);
		if (used + 1 + kl + 1 + vl + 1 > sizeof(tmp.fields)) {
			tmp.fields_dropped++;
			continue;
		}
		tmp.fields[used++] = type;
		memcpy(tmp.fields + used, key, kl + 1);
		used += kl + 1;
		memcpy(tmp.fields + used, val, vl + 1);
		used += vl + 1;
		tmp.nfields++;
	}
	commit(&tmp, lvl);
}

bool log_field(const struct log_record *r, u32 i, const char **key, const char **val, bool *is_str)
{
	if (i >= r->nfields)
		return false;
	const char *p = r->fields;
	for (u32 j = 0; j < i; j++) {
		p++;
		p += strlen(p) + 1;
		p += strlen(p) + 1;
	}
	*is_str = *p == 's';
	*key = p + 1;
	*val = *key + strlen(*key) + 1;
	return true;
}

/* snprintf-style appender */
struct sbuf {
	char *buf;
	size_t size, len;
};

static void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 1 < b->size) {
		b->buf[b->len] = c;
		b->buf[b->len + 1] = 0;
	}
	b->len++;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s)
		sb_putc(b, *s++);
}

size_t log_format_fields(const struct log_record *r, char *buf, size_t size)
{
	struct sbuf b = { buf, size, 0 };
	if (size)
		buf[0] = 0;
	const char *k, *v;
	bool str;
	for (u32 i = 0; log_field(r, i, &k, &v, &str); i++) {
		sb_putc(&b, ' ');
		sb_puts(&b, k);
		sb_putc(&b, '=');
		bool quote = !*v;
		for (const char *p = v; *p; p++)
			if (*p == ' ' || *p == '=' || *p == '"' || *p == '\\' || (u8)*p < 0x20)
				quote = true;
		if (!quote) {
			sb_puts(&b, v);
			continue;
		}
		sb_putc(&b, '"');
		for (const char *p = v; *p; p++) {
			if (*p == '"' || *p == '\\')
				sb_putc(&b, '\\');
			sb_putc(&b, (u8)*p < 0x20 ? '?' : *p);
		}
		sb_putc(&b, '"');
	}
	if (r->fields_dropped) {
		char t[40];
		snprintf(t, sizeof(t), " fields_dropped=%u", r->fields_dropped);
		sb_puts(&b, t);
	}
	return b.len;
}

static void sb_json_str(struct sbuf *b, const char *s)
{
	sb_putc(b, '"');
	for (; *s; s++) {
		u8 c = (u8)*s;
		if (c == '"' || c == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, (char)c);
		} else if (c < 0x20) {
			char t[8];
			snprintf(t, sizeof(t), "\\u%04x", c);
			sb_puts(b, t);
		} else {
			sb_putc(b, (char)c);
		}
	}
	sb_putc(b, '"');
}

size_t log_format_json(const struct log_record *r, char *buf, size_t size)
{
	struct sbuf b = { buf, size, 0 };
	if (size)
		buf[0] = 0;
	char t[96];
	snprintf(t, sizeof(t), "{\"seq\":%llu,\"time_ns\":%llu,\"cpu\":%u,\"level\":",
		 (unsigned long long)r->seq, (unsigned long long)r->time_ns, r->cpu);
	sb_puts(&b, t);
	sb_json_str(&b, log_level_name(r->level));
	sb_puts(&b, ",\"subsys\":");
	sb_json_str(&b, r->subsys);
	sb_puts(&b, ",\"msg\":");
	sb_json_str(&b, r->text);
	sb_puts(&b, ",\"fields\":{");
	const char *k, *v;
	bool str;
	for (u32 i = 0; log_field(r, i, &k, &v, &str); i++) {
		if (i)
			sb_putc(&b, ',');
		sb_json_str(&b, k);
		sb_putc(&b, ':');
		if (str)
			sb_json_str(&b, v);
		else
			sb_puts(&b, v);
	}
	sb_putc(&b, '}');
	if (r->fields_dropped) {
		snprintf(t, sizeof(t), ",\"fields_dropped\":%u", r->fields_dropped);
		sb_puts(&b, t);
	}
	sb_putc(&b, '}');
	return b.len;
}

static void commit(struct slot *tmp, enum log_level lvl)
{
	irqflags_t f = spin_lock_irqsave(&log_lock);
	/* read under the lock, so sequence order is time order */
	tmp->cycles = arch_cycles();
	tmp->seq = next_seq++;
	if (tmp->seq >= LOG_SLOTS)
		dropped++;
	ring[tmp->seq % LOG_SLOTS] = *tmp;
	spin_unlock_irqrestore(&log_lock, f);

	metric_inc(&m_msgs[lvl]);
	if (lvl >= console_level)
		echo(tmp);
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
		to_record(&ring[seq % LOG_SLOTS], &r);
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
