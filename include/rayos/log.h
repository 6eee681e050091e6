/* log.h — the kernel log: leveled, timestamped records in a ring buffer
 * (kernel/log.c). Records at or above the console level are echoed.
 * Structured records: klog_kv(level, subsys, msg, KV("key", value), ...)
 * adds typed key=value fields (integers or strings) to a record; pr_* make
 * records without fields. Both kinds feed dmesg and the `log` command. */
#ifndef RAYOS_LOG_H
#define RAYOS_LOG_H
#include <rayos/types.h>

enum log_level {
	LOG_TRACE = 0,
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
	LOG_CRIT,
	LOG_NR_LEVELS
};

void klog(enum log_level lvl, const char *subsys, const char *fmt, ...) __printf(3, 4);
void vklog(enum log_level lvl, const char *subsys, const char *fmt, va_list ap);

#define pr_trace(sub, ...) klog(LOG_TRACE, sub, __VA_ARGS__)
#define pr_debug(sub, ...) klog(LOG_DEBUG, sub, __VA_ARGS__)
#define pr_info(sub, ...)  klog(LOG_INFO, sub, __VA_ARGS__)
#define pr_warn(sub, ...)  klog(LOG_WARN, sub, __VA_ARGS__)
#define pr_err(sub, ...)   klog(LOG_ERROR, sub, __VA_ARGS__)
#define pr_crit(sub, ...)  klog(LOG_CRIT, sub, __VA_ARGS__)

/* ---- structured records ---- */
enum log_kv_type { LOG_KV_INT, LOG_KV_UINT, LOG_KV_STR };
struct log_kv {
	const char *key;
	enum log_kv_type type;
	union {
		s64 i;
		u64 u;
		const char *s;
	};
};
static inline struct log_kv log_kv_int(const char *k, s64 v)
{
	return (struct log_kv){ .key = k, .type = LOG_KV_INT, .i = v };
}
static inline struct log_kv log_kv_uint(const char *k, u64 v)
{
	return (struct log_kv){ .key = k, .type = LOG_KV_UINT, .u = v };
}
static inline struct log_kv log_kv_str(const char *k, const char *v)
{
	return (struct log_kv){ .key = k, .type = LOG_KV_STR, .s = v };
}
/* KV("key", value): the field's type follows the value's C type. */
#define KV(k, v) _Generic((v),                                                  \
	char *: log_kv_str, const char *: log_kv_str,                           \
	unsigned char: log_kv_uint, unsigned short: log_kv_uint,                \
	unsigned int: log_kv_uint, unsigned long: log_kv_uint,                  \
	unsigned long long: log_kv_uint, bool: log_kv_uint,                     \
	default: log_kv_int)(k, v)

/* One record with message msg (not a format) and n fields. Fields that do
 * not fit the record's LOG_FIELDS_SIZE bytes are dropped (counted in
 * log_record.fields_dropped). */
void klog_kvs(enum log_level lvl, const char *subsys, const char *msg,
	      const struct log_kv *kv, size_t n);
#define klog_kv(lvl, subsys, msg, ...)                                         \
	klog_kvs(lvl, subsys, msg, (const struct log_kv[]){ __VA_ARGS__ },     \
		 sizeof((const struct log_kv[]){ __VA_ARGS__ }) / sizeof(struct log_kv))

const char *log_level_name(enum log_level lvl);
/* Parse "info", "warn", ... or a digit 0..5; returns -EINVAL if unknown. */
int log_level_parse(const char *s);
void log_set_console_level(enum log_level lvl);
enum log_level log_console_level(void);

#define LOG_FIELDS_SIZE 120

/* Iterate the records still in the ring, oldest first. */
struct log_record {
	u64 seq;
	u64 time_ns;
	u8 level;
	u8 cpu;
	char subsys[14];
	char text[200];
	u8 nfields;
	u8 fields_dropped;
	char fields[LOG_FIELDS_SIZE]; /* per field: type ('i','u','s'), key NUL, value NUL */
};
/* Field i of r: key, value as text, whether it is a string. */
bool log_field(const struct log_record *r, u32 i, const char **key, const char **val, bool *is_str);
/* " key=value ..." (logfmt: values with spaces, quotes or '=' are quoted);
 * returns the length it wanted (snprintf-style). */
size_t log_format_fields(const struct log_record *r, char *buf, size_t size);
/* The whole record as one JSON object (no newline); snprintf-style. */
size_t log_format_json(const struct log_record *r, char *buf, size_t size);
typedef void (*log_visit_fn)(const struct log_record *r, void *ctx);
void log_for_each(log_visit_fn fn, void *ctx);
u64 log_dropped(void); /* records overwritten before being read */
u64 log_count(enum log_level lvl);

void log_init(void);

#endif
