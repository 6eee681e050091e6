/* cmdline.h — the kernel command line, parsed once at boot into typed options
 * (kernel/cmdline.c). Portable: also tested hosted. */
#ifndef RAYOS_CMDLINE_H
#define RAYOS_CMDLINE_H
#include <rayos/types.h>

#define CMDLINE_VALUE_MAX 128
#define CMDLINE_MAX_UNKNOWN 16

struct kernel_options {
	int loglevel;                    /* console level, LOG_* ; default LOG_INFO */
	bool loglevel_set;
	char ktest[CMDLINE_VALUE_MAX];   /* "" = none, "all", or a suite name */
	char init[CMDLINE_VALUE_MAX];    /* "" = the kernel shell */
	bool slab_debug;                 /* slab_debug: red zones, poisoning in every cache */
	u64 isolcpus;                    /* isolcpus=LIST: CPUs kept for pinned work */
	/* Problems found while parsing, for the boot log. */
	char unknown[CMDLINE_MAX_UNKNOWN][CMDLINE_VALUE_MAX];
	u32 nr_unknown;
	char invalid[CMDLINE_MAX_UNKNOWN][CMDLINE_VALUE_MAX];
	u32 nr_invalid;
};

/* Parse a command line. Tokens are separated by spaces; a value may be
 * double-quoted (init="/bin/sh -l"). Never fails: bad tokens are recorded
 * in unknown[] / invalid[]. */
void cmdline_parse(const char *line, struct kernel_options *opt);

/* "1,3-5" -> bits 1, 3, 4, 5: 0, or -EINVAL (empty, malformed, a CPU
 * number >= 64, a descending range). */
int cpulist_parse(const char *s, u64 *mask);

extern struct kernel_options kopt;

#endif
