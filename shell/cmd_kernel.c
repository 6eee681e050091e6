/* cmd_kernel.c — shell commands for the kernel core: uptime, dmesg,
 * cmdline, metrics, ktest, poweroff, reboot, fault. Each reads live state. */
#include <rayos/shell.h>
#include <rayos/bootinfo.h>
#include <rayos/cmdline.h>
#include <rayos/ktest.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/power.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/console.h>

static int cmd_uptime(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	u64 ns = clock_monotonic_ns();
	u64 s = ns / NSEC_PER_SEC, ms = ns % NSEC_PER_SEC / NSEC_PER_MSEC;
	shell_printf("up %llu.%03llu s (%llu days, %02llu:%02llu:%02llu.%03llu)\n",
		     (unsigned long long)s, (unsigned long long)ms,
		     (unsigned long long)(s / 86400), (unsigned long long)(s / 3600 % 24),
		     (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60),
		     (unsigned long long)ms);
	s64 wall = clock_wall_seconds();
	if (wall < 0) {
		shell_printf("wall clock: unknown (no RTC)\n");
	} else {
		struct tm_simple tm;
		time_unix_to_tm(wall, &tm);
		shell_printf("wall clock: %04d-%02d-%02d %02d:%02d:%02d UTC\n", tm.year, tm.mon,
			     tm.mday, tm.hour, tm.min, tm.sec);
	}
	return 0;
}
SHELL_CMD(uptime, "uptime", "uptime", "time since boot (to the millisecond) and the wall-clock time", cmd_uptime);

struct dmesg_filter {
	int min_level;
};

static void print_record(const struct log_record *r, void *ctx)
{
	struct dmesg_filter *f = ctx;
	if (r->level < f->min_level)
		return;
	char fields[LOG_FIELDS_SIZE + 64];
	log_format_fields(r, fields, sizeof(fields));
	shell_printf("[%5llu.%06llu] %-5s %s%s%s%s\n", (unsigned long long)(r->time_ns / NSEC_PER_SEC),
		     (unsigned long long)(r->time_ns % NSEC_PER_SEC / 1000),
		     log_level_name(r->level), r->subsys, r->subsys[0] ? ": " : "", r->text, fields);
}

static int cmd_dmesg(int argc, char **argv)
{
	struct dmesg_filter f = { LOG_TRACE };
	if (argc == 3 && !strcmp(argv[1], "-l")) {
		f.min_level = log_level_parse(argv[2]);
		if (f.min_level < 0) {
			shell_printf("dmesg: unknown level %s (trace debug info warn error critical)\n", argv[2]);
			return -EINVAL;
		}
	} else if (argc != 1) {
		return -EINVAL;
	}
	if (log_dropped())
		shell_printf("(%llu older records were overwritten)\n", (unsigned long long)log_dropped());
	log_for_each(print_record, &f);
	return 0;
}
SHELL_CMD(dmesg, "dmesg", "dmesg [-l LEVEL]", "print the kernel log (-l: only LEVEL and above)", cmd_dmesg);

static int cmd_cmdline(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	shell_printf("%s\n", boot_info.cmdline);
	shell_printf("loglevel=%s%s\n", log_level_name(kopt.loglevel), kopt.loglevel_set ? "" : " (default)");
	shell_printf("ktest=%s\n", kopt.ktest[0] ? kopt.ktest : "(none)");
	shell_printf("init=%s\n", kopt.init[0] ? kopt.init : "(kernel shell)");
	for (u32 i = 0; i < kopt.nr_unknown; i++)
		shell_printf("unknown option ignored: %s\n", kopt.unknown[i]);
	for (u32 i = 0; i < kopt.nr_invalid; i++)
		shell_printf("invalid option ignored: %s\n", kopt.invalid[i]);
	return 0;
}
SHELL_CMD(cmdline, "cmdline", "cmdline", "show the kernel command line and the options parsed from it", cmd_cmdline);

static void metrics_to_shell(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	shell_write(s, n);
}

static int cmd_metrics(int argc, char **argv)
{
	if (argc == 1) {
		metrics_export(metrics_to_shell, NULL);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (metrics_export_family(argv[i], metrics_to_shell, NULL)) {
			shell_printf("metrics: no metric named %s\n", argv[i]);
			return -ENOENT;
		}
	}
	return 0;
}
SHELL_CMD(metrics, "metrics", "metrics [NAME...]", "print metrics in the Prometheus text format", cmd_metrics);

static int cmd_ktest(int argc, char **argv)
{
	if (argc > 2)
		return -EINVAL;
	const char *suite = argc == 2 ? argv[1] : "all";
	int r = ktest_run(suite);
	if (r == -ENOENT) {
		shell_printf("ktest: no suite named %s\n", suite);
		return -ENOENT;
	}
	return 0;
}
SHELL_CMD(ktest, "ktest", "ktest [SUITE|all]", "run in-kernel tests and print KTAP", cmd_ktest);

static int cmd_poweroff(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	shell_printf("Powering off.\n");
	power_off();
}
SHELL_CMD(poweroff, "poweroff", "poweroff", "turn the machine off (ACPI S5)", cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	shell_printf("Rebooting.\n");
	power_reboot();
}
SHELL_CMD(reboot, "reboot", "reboot", "reset the machine", cmd_reboot);
