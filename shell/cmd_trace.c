/* cmd_trace.c — the `trace` shell command (obs/trace.c does the work):
 *   trace start [EVENT...]   enable the named tracepoints (all when none)
 *   trace stop | status | clear | mode overwrite|stop | sample N | dump
 *   trace bench [RUNS]       ns per tracepoint, disabled and enabled
 * dump prints Chrome Trace Event Format JSON (load it in Perfetto UI or
 * chrome://tracing). Every figure printed is read from the live rings or
 * measured here.
 *
 * bench: each run times ITERS calls of the tracepoint bench_probe with the
 * cycle counter (arch_cycles -> cycles_to_ns), interrupts on, minus an
 * empty loop of the same length timed the same way (loop overhead), giving
 * ns per tracepoint; the figure is the median (and min, max) over RUNS runs
 * (default 9). Disabled: bench_probe's bit is clear. Enabled: only
 * bench_probe enabled, overwrite mode, on this CPU's ring. The rings are
 * cleared afterwards and the previous mode restored. Output lines:
 *   BENCH name=trace_disabled unit=ns median=X min=X max=X runs=N iters=N
 * Locking: the shell thread is the only caller of the control functions. */
#include <rayos/shell.h>
#include <rayos/arch.h>
#include <rayos/errno.h>
#include <rayos/percpu.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/trace.h>

TRACEPOINT_DEFINE(bench_probe, "i", NULL, NULL, NULL);

static void out_shell(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	shell_write(s, n);
}

static int need_setup(void)
{
	int r = trace_setup(TRACE_DEFAULT_EVENTS);
	if (r)
		shell_printf("trace: cannot allocate the rings (%d)\n", r);
	return r;
}

static int do_start(int argc, char **argv)
{
	u64 mask = 0;
	if (need_setup())
		return -ENOMEM;
	if (argc == 2) {
		for (size_t i = 0; i < trace_tp_count(); i++)
			if (trace_tp_at(i) != &__tp_bench_probe)
				mask |= trace_tp_at(i)->bit;
	}
	for (int i = 2; i < argc; i++) {
		struct tracepoint *tp = trace_tp_find(argv[i]);
		if (!tp || !tp->bit) {
			shell_printf("trace: unknown event '%s' (trace status lists them)\n", argv[i]);
			return -ENOENT;
		}
		mask |= tp->bit;
	}
	trace_start(mask);
	unsigned n = 0;
	for (u64 m = mask; m; m &= m - 1)
		n++;
	shell_printf("tracing %u event(s)\n", n);
	return 0;
}

static void status(void)
{
	shell_printf("tracing: %s, mode %s, sample 1 in %u root spans\n",
		     trace_running() ? "on" : "off",
		     trace_get_mode() == TRACE_OVERWRITE ? "overwrite" : "stop", trace_get_sample());
	shell_printf("events (* = enabled):\n");
	for (size_t i = 0; i < trace_tp_count(); i++) {
		struct tracepoint *tp = trace_tp_at(i);
		shell_printf("  %s%s\n", tp->name, (READ_ONCE(trace_mask) & tp->bit) ? "*" : "");
	}
	if (!trace_nr_rings()) {
		shell_printf("no buffers yet (allocated by trace start)\n");
		return;
	}
	shell_printf("buffer: %u events of %u bytes per CPU\n", trace_ring_of(0)->size,
		     (unsigned)sizeof(struct trace_event));
	for (u32 c = 0; c < trace_nr_rings(); c++) {
		struct trace_ring *r = trace_ring_of(c);
		shell_printf("cpu%u: recorded %llu stored %llu lost %llu\n", c,
			     (unsigned long long)READ_ONCE(r->written),
			     (unsigned long long)trace_ring_count(r),
			     (unsigned long long)READ_ONCE(r->lost));
	}
}

#define BENCH_ITERS 20000
#define BENCH_MAX_RUNS 31

static u64 bench_loop(bool probe)
{
	u64 t0 = arch_cycles();
	for (u32 i = 0; i < BENCH_ITERS; i++) {
		if (probe)
			trace_event(bench_probe, i, 0, 0, 0);
		__asm__ volatile("" ::: "memory");
	}
	return arch_cycles() - t0;
}

static void bench_one(const char *name, int runs)
{
	u64 v[BENCH_MAX_RUNS];
	for (int r = 0; r < runs; r++) {
		u64 base = bench_loop(false), with = bench_loop(true);
		u64 d = with > base ? with - base : 0;
		v[r] = cycles_to_ns(d) * 1000 / BENCH_ITERS; /* milli-ns per call */
	}
	sort(v, (size_t)runs, sizeof(u64), sort_cmp_u64);
	u64 m = v[runs / 2];
	shell_printf("BENCH name=%s unit=ns median=%llu.%03llu min=%llu.%03llu max=%llu.%03llu runs=%d iters=%u\n",
		     name, (unsigned long long)(m / 1000), (unsigned long long)(m % 1000),
		     (unsigned long long)(v[0] / 1000), (unsigned long long)(v[0] % 1000),
		     (unsigned long long)(v[runs - 1] / 1000), (unsigned long long)(v[runs - 1] % 1000),
		     runs, BENCH_ITERS);
}

static int do_bench(int argc, char **argv)
{
	int runs = 9;
	if (argc == 3) {
		u64 n;
		if (parse_u64(argv[2], &n) || n < 1 || n > BENCH_MAX_RUNS)
			return -EINVAL;
		runs = (int)n;
	}
	if (trace_running()) {
		shell_printf("trace: stop tracing first (trace stop)\n");
		return -EBUSY;
	}
	if (need_setup())
		return -ENOMEM;
	enum trace_mode old = trace_get_mode();
	trace_set_mode(TRACE_OVERWRITE);
	shell_printf("bench trace: %u CPU(s) online, %u iterations per run, cpu%u\n",
		     nr_cpus_online, BENCH_ITERS, this_cpu()->id);
	bench_one("trace_disabled", runs);
	trace_start(__tp_bench_probe.bit);
	bench_one("trace_enabled", runs);
	trace_stop();
	trace_clear();
	trace_set_mode(old);
	return 0;
}

static int cmd_trace(int argc, char **argv)
{
	if (argc < 2)
		return -EINVAL;
	const char *sub = argv[1];
	if (!strcmp(sub, "start"))
		return do_start(argc, argv);
	if (!strcmp(sub, "bench"))
		return argc > 3 ? -EINVAL : do_bench(argc, argv);
	if (argc > 3)
		return -EINVAL;
	if (!strcmp(sub, "stop") && argc == 2) {
		trace_stop();
		shell_printf("tracing stopped\n");
		return 0;
	}
	if (!strcmp(sub, "status") && argc == 2) {
		status();
		return 0;
	}
	if (!strcmp(sub, "clear") && argc == 2) {
		if (trace_clear()) {
			shell_printf("trace: stop tracing first (trace stop)\n");
			return -EBUSY;
		}
		return 0;
	}
	if (!strcmp(sub, "mode") && argc == 3) {
		enum trace_mode m;
		if (!strcmp(argv[2], "overwrite"))
			m = TRACE_OVERWRITE;
		else if (!strcmp(argv[2], "stop"))
			m = TRACE_STOP;
		else
			return -EINVAL;
		if (trace_set_mode(m)) {
			shell_printf("trace: stop tracing first (trace stop)\n");
			return -EBUSY;
		}
		return 0;
	}
	if (!strcmp(sub, "sample") && argc == 3) {
		u64 n;
		if (parse_u64(argv[2], &n) || n < 1 || n > 1000000000)
			return -EINVAL;
		return trace_set_sample((u32)n);
	}
	if (!strcmp(sub, "dump") && argc == 2) {
		if (!trace_nr_rings()) {
			shell_printf("trace: nothing recorded yet (trace start)\n");
			return -ENOENT;
		}
		if (trace_dump_json(out_shell, NULL)) {
			shell_printf("trace: stop tracing first (trace stop)\n");
			return -EBUSY;
		}
		return 0;
	}
	return -EINVAL;
}

SHELL_CMD(trace, "trace",
	  "trace start [EVENT...] | stop | status | clear | mode overwrite|stop | sample N | dump | bench [RUNS]",
	  "record tracepoints into per-CPU buffers; dump as Chrome trace JSON", cmd_trace);
