/* rt.h — real-time task sets at run time (kernel/sched/periodic.c): periodic
 * tasks run under a chosen policy with per-job deadline accounting, the
 * hard/firm/soft reaction to a miss, the miss counters, and the wake-up
 * latency measurement (a cyclictest equivalent). The scheduling classes
 * themselves are in sched.h; the offline schedulability tests in
 * rtanalysis.h.
 *
 * A periodic task (C, T, D) releases a job every T ns from a common start
 * (synchronous release: the critical instant of Liu & Layland); each job
 * must consume C ns of CPU time as the scheduler accounts it (sum_exec, not
 * wall time) and complete within D of its release. Criticality says what a
 * miss does:
 *   RT_SOFT — the job runs to completion; its tardiness is recorded;
 *   RT_FIRM — a job still unfinished at its deadline is dropped (abandoned),
 *             and a job released too late to start before its deadline is
 *             skipped; both count as misses;
 *   RT_HARD — a miss is logged and counted and the task is stopped (a kernel
 *             task has no signal to receive; user threads get SIGXCPU).
 * Every miss increments rayos_sched_deadline_misses_total{policy}. */
#ifndef RAYOS_RT_H
#define RAYOS_RT_H
#include <rayos/types.h>

#define RT_RUN_MAX_TASKS 16

enum rt_crit { RT_SOFT, RT_FIRM, RT_HARD };

struct rt_task_spec {
	u64 C, T, D;          /* ns; 0 < C <= D <= T */
	enum rt_crit crit;
};

struct rt_task_result {
	int prio;             /* SCHED_FIFO priority (fixed-priority policies) */
	u64 jobs;             /* jobs released with a deadline inside the run */
	u64 misses;           /* of those, completed late, dropped or skipped */
	u64 dropped;          /* firm: abandoned or skipped */
	u64 worst_response;   /* ns, of completed jobs */
	u64 total_response;   /* ns, sum over completed jobs */
	u64 completed;
	u64 max_tardiness;    /* ns past the deadline, soft jobs */
	u64 cpu_ns;           /* CPU time the task used */
	bool stopped;         /* hard: stopped after its first miss */
	u64 throttled;        /* edf/llf: times the CBS throttled it */
	u64 max_overrun;      /* edf/llf: most run time charged past its budget */
	/* stalls of the CPU while a job ran: its CPU time advanced by
	 * RT_STALL_NS or more between two consecutive reads of the job's busy
	 * loop (about a microsecond apart): the (virtual) CPU did not run it,
	 * yet the time was charged to it, e.g. a vCPU descheduled by its host */
	u64 stalls, stall_ns, max_stall;
};
#define RT_STALL_NS (500 * 1000ULL)

struct rt_run_spec {
	char policy[8];       /* rm, dm, fp, edf, llf */
	u64 duration_ns;
	int cpu;              /* -1: choose (see rt_run) */
	u32 n;
	struct rt_task_spec task[RT_RUN_MAX_TASKS];
};

struct rt_run_result {
	u32 cpu;
	bool isolated_for_run;  /* the CPU was isolated for the run only */
	u64 util_ppm;           /* sum C/T, parts per million */
	u64 cap_ppm;            /* admission cap that applied */
	struct rt_task_result task[RT_RUN_MAX_TASKS];
	u64 misses;
};

/* Run the set: validates it (-EINVAL with a reason in err), admits it
 * (-EBUSY "not admitted: ..." in err when the CPU's real-time bandwidth
 * with this set would exceed its cap), runs it for duration_ns and fills
 * res. CPU choice (cpu = -1): an isolated CPU if there is one, else the
 * highest-numbered CPU, isolated for the duration of the run (when there
 * are two or more), else CPU 0. Sleeps; one run at a time (-EBUSY). */
int rt_run(const struct rt_run_spec *spec, struct rt_run_result *res, char *err, size_t errsz);
/* Policies rt_run knows, for help text: "rm dm fp edf llf" style list. */
const char *rt_run_policies(void);

/* Admission cap of a CPU for real-time bandwidth (ppm): 950000 by default,
 * 1000000 while the CPU is isolated (nothing else has to run there). */
u64 rt_cap_ppm(u32 cpu);
/* The CPU was isolated or returned to general use: the deadline class's
 * admission cap follows rt_cap_ppm (called by sched_isolate_cpu). */
void rt_isolation_changed(u32 cpu);

/* Count a deadline miss of a task run under policy (edf, llf, rm, dm, fp,
 * deadline). */
void rt_count_miss(const char *policy);
u64 rt_misses(const char *policy);

/* Wake-up latency: on every online CPU a SCHED_FIFO 99 thread pinned there
 * wakes every interval_ns for duration_ns and measures how late it runs
 * after its timer's expiry. With load, a SCHED_NORMAL spinner per CPU keeps
 * every CPU busy meanwhile. */
#define RT_LAT_BUCKETS 24      /* bucket i: [2^i, 2^(i+1)) us; 0 also < 1 us */
struct rt_latency_cpu {
	u64 samples, min_ns, max_ns, sum_ns;
	u64 hist[RT_LAT_BUCKETS];
};
struct rt_latency_result {
	u32 ncpu;
	u32 cpu_id[64];
	struct rt_latency_cpu cpu[64];
};
int rt_latency(u64 duration_ns, u64 interval_ns, bool load, struct rt_latency_result *res);

void rt_init(void);

#endif
