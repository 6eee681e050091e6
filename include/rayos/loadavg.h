/* loadavg.h — the load average (kernel/sched/loadavg.c), as Linux computes
 * it (kernel/sched/loadavg.c there): every LOAD_FREQ (5 s) the number of
 * runnable threads (the sum of cpu_rq(cpu)->nr_running; idle threads are
 * not counted, and RayOS has no uninterruptible sleep to add) is folded
 * into three exponentially decaying averages with time constants of 1, 5
 * and 15 minutes, in fixed point with LOAD_FSHIFT fraction bits:
 *   load' = (load * e + active * (1 - e)) with e = exp(-5 s / T),
 * rounded up while the load rises (Linux's calc_load). */
#ifndef RAYOS_LOADAVG_H
#define RAYOS_LOADAVG_H
#include <rayos/types.h>

#define LOAD_FSHIFT 11
#define LOAD_FIXED_1 (1ULL << LOAD_FSHIFT)
#define LOAD_EXP_1 1884   /* 2048 / exp(5 s / 1 min) */
#define LOAD_EXP_5 2014   /* 2048 / exp(5 s / 5 min) */
#define LOAD_EXP_15 2037  /* 2048 / exp(5 s / 15 min) */
#define LOAD_FREQ_NS 5000000000ULL

/* One step of the average: load and the result in fixed point, active =
 * runnable threads * LOAD_FIXED_1. Pure (hosted tests drive it). */
u64 loadavg_calc(u64 load, u64 exp, u64 active);
/* Fold one sample of nr runnable threads into avg[3]. */
void loadavg_fold(u64 avg[3], u64 nr);
/* Start sampling (a timer event every LOAD_FREQ_NS). */
void loadavg_init(void);
/* The current averages, fixed point. */
void loadavg_get(u64 out[3]);
#endif
