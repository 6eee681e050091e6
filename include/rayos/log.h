/* log.h — the kernel log: leveled, timestamped records in a ring buffer
 * (kernel/log.c). Records at or above the console level are echoed. */
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

const char *log_level_name(enum log_level lvl);
/* Parse "info", "warn", ... or a digit 0..5; returns -EINVAL if unknown. */
int log_level_parse(const char *s);
void log_set_console_level(enum log_level lvl);
enum log_level log_console_level(void);

/* Iterate the records still in the ring, oldest first. */
struct log_record {
	u64 seq;
	u64 time_ns;
	u8 level;
	u8 cpu;
	char subsys[14];
	char text[200];
};
typedef void (*log_visit_fn)(const struct log_record *r, void *ctx);
void log_for_each(log_visit_fn fn, void *ctx);
u64 log_dropped(void); /* records overwritten before being read */
u64 log_count(enum log_level lvl);

void log_init(void);

#endif
