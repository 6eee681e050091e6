/* ktests/rtanalysis.c — in-kernel tests of kernel/sched/analysis.c (suite
 * rtanalysis) as the kernel build compiles it (freestanding, -mno-sse, no
 * libgcc: the 128-bit division is the library's own): the Liu-Layland
 * bound's digits, Burns & Wellings' response times, Buttazzo's RM/EDF set,
 * exact EDF utilization at 1, the demand criterion's first failing
 * deadline, the La bound, partitioning. tests/host/test_rtanalysis.c goes
 * deeper; these check the kernel's own build says the same. */
#include <rayos/ktest.h>
#include <rayos/rtanalysis.h>

static struct rt_task task(u64 C, u64 T, u64 D)
{
	struct rt_task t = { .C = C, .T = T, .D = D ? D : T, .B = 0, .prio = 0 };
	return t;
}

KTEST(rtanalysis, bounds)
{
	struct rt_task s[3] = { task(3, 7, 0), task(3, 12, 0), task(5, 20, 0) };
	struct rta_bound_result b;
	char buf[32];
	rta_assign_rm(s, 3);
	KT_ASSERT(rta_liu_layland(s, 3, &b) == 0);
	rta_frac_format(buf, sizeof(buf), b.bound, 9);
	KT_EXPECT_STR(buf, "0.779763150");
	rta_frac_format(buf, sizeof(buf), b.U, 4);
	KT_EXPECT_STR(buf, "0.9286");
	KT_EXPECT_EQ(b.verdict, RTA_INCONCLUSIVE);
	struct rt_task h[2] = { task(5, 10, 0), task(5, 15, 0) }; /* (1.5)(4/3) = 2 */
	rta_assign_rm(h, 2);
	KT_ASSERT(rta_hyperbolic(h, 2, &b) == 0);
	KT_EXPECT_EQ(b.verdict, RTA_PASS);
}

KTEST(rtanalysis, response_time)
{
	struct rt_task s[3] = { task(3, 7, 0), task(3, 12, 0), task(5, 20, 0) };
	struct rta_fp_result f;
	rta_assign_rm(s, 3);
	KT_ASSERT(rta_response_time(s, 3, &f) == 0);
	KT_EXPECT_EQ(f.verdict, RTA_PASS);
	KT_EXPECT_EQ(f.task[0].R, 3);
	KT_EXPECT_EQ(f.task[1].R, 6);
	KT_EXPECT_EQ(f.task[2].R, 20);
	struct rt_task b[2] = { task(20000, 50000, 0), task(40000, 70000, 0) };
	rta_assign_rm(b, 2);
	KT_ASSERT(rta_response_time(b, 2, &f) == 0);
	KT_EXPECT_EQ(f.verdict, RTA_FAIL);
	KT_EXPECT_EQ(f.first_fail, 1);
	KT_EXPECT_EQ(f.task[1].R, 80000);
}

KTEST(rtanalysis, edf)
{
	struct rta_edf_result e;
	struct rt_task b[2] = { task(20000, 50000, 0), task(40000, 70000, 0) };
	KT_ASSERT(rta_edf(b, 2, &e) == 0);
	KT_EXPECT_EQ(e.verdict, RTA_PASS);
	struct rt_task one[3] = { task(1, 2, 0), task(1, 3, 0), task(1, 6, 0) };
	KT_ASSERT(rta_edf(one, 3, &e) == 0);
	KT_EXPECT_EQ(e.u_cmp, 0);
	KT_EXPECT_EQ(e.verdict, RTA_PASS);
	struct rt_task c[3] = { task(1, 10, 2), task(3, 4, 4), task(1, 7, 5) };
	KT_ASSERT(rta_edf(c, 3, &e) == 0);
	KT_EXPECT_EQ(e.verdict, RTA_FAIL);
	KT_EXPECT_EQ(e.fail_t, 12);
	KT_EXPECT_EQ(e.fail_dbf, 13);
	KT_EXPECT_EQ(e.La, 152);
	KT_EXPECT_EQ(e.Lb, 20);
	KT_EXPECT_EQ(e.H, 140);
}

KTEST(rtanalysis, partition)
{
	struct rt_task s[5] = { task(3, 10, 0), task(5, 10, 0), task(3, 10, 0), task(5, 10, 0), task(3, 10, 0) };
	struct rta_partition_result r;
	KT_ASSERT(rta_partition_edf(s, 5, 2, RTA_FIRST_FIT, &r) == 0);
	KT_EXPECT_EQ(r.verdict, RTA_PASS);
	KT_ASSERT(rta_partition_edf(s, 5, 2, RTA_WORST_FIT, &r) == 0);
	KT_EXPECT_EQ(r.verdict, RTA_FAIL);
	KT_EXPECT_EQ(r.failed_task, 4);
}
