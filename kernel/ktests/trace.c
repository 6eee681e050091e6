/* ktests/trace.c — in-kernel tests of the tracer (suite trace): enable all
 * tracepoints, make threads on every CPU (create, run, exit, join), stop,
 * and check the live rings: events recorded, sched_switch and
 * thread_create/thread_exit seen, a sched_switch on every online CPU,
 * per-CPU timestamps and sequence numbers in order, the stop-when-full
 * mode's drop count, and that a disabled tracepoint records nothing.
 * Leaves tracing stopped and the rings cleared. */
#include <rayos/ktest.h>
#include <rayos/thread.h>
#include <rayos/trace.h>

static int spin_briefly(void *arg)
{
	u64 end = clock_monotonic_ns() + (u64)(uintptr_t)arg;
	while (clock_monotonic_ns() < end)
		thread_yield();
	return 7;
}

static u64 count_id(const struct tracepoint *tp, u32 cpu)
{
	struct trace_ring *r = trace_ring_of(cpu);
	u16 id = (u16)(tp - trace_tp_at(0));
	u64 n = 0;
	for (u64 i = 0; i < trace_ring_count(r); i++)
		if (trace_ring_get(r, i)->id == id)
			n++;
	return n;
}

static u64 all_bits(void)
{
	u64 m = 0;
	for (size_t i = 0; i < trace_tp_count(); i++)
		m |= trace_tp_at(i)->bit;
	return m;
}

KTEST(trace, records_switches_on_every_cpu)
{
	KT_ASSERT(trace_setup(TRACE_DEFAULT_EVENTS) == 0);
	trace_stop();
	KT_EXPECT_EQ(trace_set_mode(TRACE_OVERWRITE), 0);
	KT_EXPECT_EQ(trace_clear(), 0);
	trace_start(all_bits());
	KT_EXPECT(trace_running());
	KT_EXPECT_EQ(trace_clear(), -EBUSY);
	u32 n = nr_cpus_online * 2;
	struct thread *th[32];
	if (n > 32)
		n = 32;
	for (u32 i = 0; i < n; i++) {
		th[i] = kthread_create_on(spin_briefly, (void *)(uintptr_t)(5 * NSEC_PER_MSEC), "tracee",
					  1ULL << (i % nr_cpus_online));
		KT_ASSERT(th[i] != NULL);
	}
	for (u32 i = 0; i < n; i++) {
		int code = 0;
		KT_EXPECT_EQ(thread_join(th[i], &code), 0);
		KT_EXPECT_EQ(code, 7);
	}
	trace_stop();
	KT_EXPECT(!trace_running());
	u64 created = 0, exited = 0;
	for (u32 c = 0; c < nr_cpus_online; c++) {
		struct trace_ring *r = trace_ring_of(c);
		KT_ASSERT(r != NULL);
		KT_EXPECT(r->written > 0);
		KT_EXPECT(count_id(&__tp_sched_switch, c) > 0);
		created += count_id(&__tp_thread_create, c);
		exited += count_id(&__tp_thread_exit, c);
		u64 last_ts = 0, last_seq = 0;
		bool ordered = true;
		for (u64 i = 0; i < trace_ring_count(r); i++) {
			const struct trace_event *e = trace_ring_get(r, i);
			if (e->cpu != c || (i && (e->ts < last_ts || e->seq != last_seq + 1)))
				ordered = false;
			last_ts = e->ts;
			last_seq = e->seq;
		}
		KT_EXPECT(ordered);
		KT_EXPECT_EQ(r->lost, r->written > r->size ? r->written - r->size : 0);
	}
	KT_EXPECT_EQ(created, n);
	KT_EXPECT_EQ(exited, n);
	KT_EXPECT_EQ(trace_clear(), 0);
}

KTEST(trace, stop_mode_drops_and_disabled_records_nothing)
{
	KT_ASSERT(trace_setup(TRACE_DEFAULT_EVENTS) == 0);
	trace_stop();
	KT_EXPECT_EQ(trace_set_mode(TRACE_STOP), 0);
	KT_EXPECT_EQ(trace_clear(), 0);
	/* only span events: nothing else fires from this loop */
	trace_start(__tp_span_begin.bit | __tp_span_end.bit);
	u32 sample = trace_get_sample();
	trace_set_sample(1);
	irqflags_t f = arch_irq_save(); /* stay on this CPU */
	u32 cpu = this_cpu()->id;
	struct trace_ring *r = trace_ring_of(cpu);
	u64 extra = 100;
	for (u64 i = 0; i < r->size / 2 + extra; i++) {
		struct span s = span_begin("ktest", NULL);
		span_end(&s);
	}
	arch_irq_restore(f);
	trace_stop();
	KT_EXPECT_EQ(trace_ring_count(r), r->size);
	KT_EXPECT_EQ(r->lost, 2 * extra);
	/* disabled: nothing recorded */
	KT_EXPECT_EQ(trace_clear(), 0);
	trace_start(__tp_page_free.bit); /* not span_* */
	struct span s = span_begin("off", NULL);
	span_end(&s);
	trace_stop();
	KT_EXPECT_EQ(count_id(&__tp_span_begin, cpu), 0);
	trace_set_sample(sample);
	KT_EXPECT_EQ(trace_set_mode(TRACE_OVERWRITE), 0);
	KT_EXPECT_EQ(trace_clear(), 0);
}
