/* core_metrics.c — the kernel-wide metrics: uptime and boot time. Both are
 * computed when read, from the clock and the boot timestamps. Also
 * registers the latency histograms (obs/histogram.c). */
#include <rayos/init.h>
#include <rayos/metrics.h>
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/time.h>

static u64 prompt_cycles;

void boot_mark_prompt(void)
{
	if (!prompt_cycles)
		prompt_cycles = arch_cycles();
}

u64 boot_seconds_ns(void)
{
	if (!prompt_cycles || prompt_cycles < boot_info.boot_tsc)
		return 0;
	return cycles_to_ns(prompt_cycles - boot_info.boot_tsc);
}

static s64 read_uptime(const struct metric *m)
{
	(void)m;
	return (s64)clock_monotonic_ns();
}

static s64 read_boot(const struct metric *m)
{
	(void)m;
	return (s64)boot_seconds_ns();
}

static struct metric_family fam_uptime = { .name = "rayos_uptime_seconds",
	.help = "Time since the first kernel instruction.", .type = METRIC_GAUGE };
static struct metric_family fam_boot = { .name = "rayos_boot_seconds",
	.help = "Time from the first kernel instruction to the first shell prompt (0 before it).",
	.type = METRIC_GAUGE };
static struct metric m_uptime = { .scale = 1000000000, .read = read_uptime };
static struct metric m_boot = { .scale = 1000000000, .read = read_boot };

void core_metrics_init(void)
{
	metric_register(&fam_uptime, &m_uptime);
	metric_register(&fam_boot, &m_boot);
	obs_histograms_init();
}
