/* test_trace.c — hosted tests of the tracer (obs/trace.c): ring
 * wrap-around in overwrite mode with exact lost counts, stop-when-full mode
 * and its drop count, interleaved writers on several simulated CPUs plus
 * nested ("interrupt") writes between them with fixed seeds, checked for
 * torn events and per-CPU timestamp / sequence order, the disabled-mask
 * fast path, span sampling, and the Chrome JSON writer, parsed by a small
 * recursive-descent JSON validator below (strings with escapes, numbers,
 * objects, arrays) plus structural checks.
 *
 * Simulated CPUs: this_cpu() is &cpus[0] on the host; the test sets
 * cpus[0].id before each write. The clock is a fake (clock_monotonic_ns
 * below) that advances a per-test step and checks interrupts are off while
 * it is read (the writer's atomicity rule). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define RAYOS_TRACE_HOSTED 1
#include <rayos/trace.h>
#include <rayos/percpu.h>
#include <rayos/sched.h>
#include "shim.h"

TRACEPOINT_DEFINE(test_probe, "a", "b", "c", "d");

static u64 fake_now;
static u64 clock_reads_irq_on;

u64 clock_monotonic_ns(void)
{
	if (shim_irq_state())
		clock_reads_irq_on++;
	return fake_now += 10;
}

static void reset(u32 ncpu, u32 events, enum trace_mode m)
{
	trace_stop();
	nr_cpus_online = ncpu;
	cpus[0].id = 0;
	cpus[0].current = NULL;
	assert_int_equal(trace_setup(events), 0);
	assert_int_equal(trace_set_mode(m), 0);
	assert_int_equal(trace_clear(), 0);
	clock_reads_irq_on = 0;
	fake_now = 0;
}

static void emit_on(u32 cpu, u64 v)
{
	cpus[0].id = cpu;
	trace_event(test_probe, v, v ^ 0xa5a5a5a5a5a5a5a5ULL, v * 3, ~v);
}

static void check_event(const struct trace_event *e, u32 cpu)
{
	u64 v = e->args[0];
	assert_int_equal(e->cpu, cpu);
	assert_int_equal(e->id, (u16)(&__tp_test_probe - trace_tp_at(0)));
	assert_true(e->args[1] == (v ^ 0xa5a5a5a5a5a5a5a5ULL));
	assert_true(e->args[2] == v * 3);
	assert_true(e->args[3] == ~v);
}

static void test_overwrite_wraps_and_counts_lost(void **state)
{
	(void)state;
	reset(1, 16, TRACE_OVERWRITE);
	trace_start(__tp_test_probe.bit);
	for (u64 i = 0; i < 100; i++)
		emit_on(0, i);
	trace_stop();
	struct trace_ring *r = trace_ring_of(0);
	assert_int_equal(r->written, 100);
	assert_int_equal(r->lost, 100 - 16);
	assert_int_equal(trace_ring_count(r), 16);
	for (u64 i = 0; i < 16; i++) {
		const struct trace_event *e = trace_ring_get(r, i);
		check_event(e, 0);
		assert_int_equal(e->args[0], 84 + i); /* newest 16, oldest first */
		assert_int_equal(e->seq, 84 + i);
	}
	assert_int_equal(clock_reads_irq_on, 0);
	/* exactly full: nothing lost */
	reset(1, 16, TRACE_OVERWRITE);
	trace_start(__tp_test_probe.bit);
	for (u64 i = 0; i < 16; i++)
		emit_on(0, i);
	trace_stop();
	assert_int_equal(trace_ring_of(0)->lost, 0);
	assert_int_equal(trace_ring_get(trace_ring_of(0), 0)->args[0], 0);
}

static void test_stop_mode_drops_newest(void **state)
{
	(void)state;
	reset(1, 32, TRACE_STOP);
	trace_start(__tp_test_probe.bit);
	for (u64 i = 0; i < 45; i++)
		emit_on(0, i);
	trace_stop();
	struct trace_ring *r = trace_ring_of(0);
	assert_int_equal(trace_ring_count(r), 32);
	assert_int_equal(r->lost, 13);
	for (u64 i = 0; i < 32; i++)
		assert_int_equal(trace_ring_get(r, i)->args[0], i); /* oldest kept */
	/* running: clear and mode change are refused */
	trace_start(__tp_test_probe.bit);
	assert_int_equal(trace_clear(), -EBUSY);
	assert_int_equal(trace_set_mode(TRACE_OVERWRITE), -EBUSY);
	trace_stop();
	assert_int_equal(trace_clear(), 0);
	assert_int_equal(r->lost, 0);
	assert_int_equal(trace_ring_count(r), 0);
}

static void test_disabled_records_nothing(void **state)
{
	(void)state;
	reset(2, 16, TRACE_OVERWRITE);
	trace_start(__tp_sched_switch.bit); /* some other event */
	for (u64 i = 0; i < 10; i++)
		emit_on(i & 1, i);
	trace_stop();
	emit_on(0, 99); /* stopped */
	assert_int_equal(trace_ring_of(0)->written + trace_ring_of(1)->written, 0);
}

/* xorshift64, fixed seeds */
static u64 rng(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_interleaved_cpus_and_nested_writes(void **state)
{
	(void)state;
	static const u64 seeds[] = { 1, 0x9e3779b97f4a7c15ULL, 12345 };
	for (size_t si = 0; si < sizeof(seeds) / sizeof(seeds[0]); si++) {
		for (int m = 0; m < 2; m++) {
			enum trace_mode mode = m ? TRACE_STOP : TRACE_OVERWRITE;
			reset(4, 64, mode);
			trace_start(__tp_test_probe.bit);
			u64 s = seeds[si], sent[4] = { 0 }, v = 1;
			for (int i = 0; i < 1000; i++) {
				u32 cpu = (u32)(rng(&s) % 4);
				emit_on(cpu, v++);
				sent[cpu]++;
				/* an "interrupt" on the same CPU right after: its write
				 * is a whole event after the interrupted one */
				if (rng(&s) % 5 == 0) {
					emit_on(cpu, v++);
					sent[cpu]++;
				}
			}
			trace_stop();
			for (u32 c = 0; c < 4; c++) {
				struct trace_ring *r = trace_ring_of(c);
				assert_int_equal(r->written, mode == TRACE_STOP ? (sent[c] < 64 ? sent[c] : 64) : sent[c]);
				u64 expect_lost = sent[c] > 64 ? sent[c] - 64 : 0;
				assert_int_equal(r->lost, expect_lost);
				u64 last_ts = 0, last_v = 0;
				for (u64 i = 0; i < trace_ring_count(r); i++) {
					const struct trace_event *e = trace_ring_get(r, i);
					check_event(e, c); /* not torn */
					assert_true(e->ts > last_ts);
					assert_true(e->args[0] > last_v); /* program order */
					if (i)
						assert_int_equal(e->seq, trace_ring_get(r, i - 1)->seq + 1);
					last_ts = e->ts;
					last_v = e->args[0];
				}
			}
			assert_int_equal(clock_reads_irq_on, 0);
		}
	}
}

static void test_span_sampling(void **state)
{
	(void)state;
	reset(1, 256, TRACE_OVERWRITE);
	assert_int_equal(trace_set_sample(0), -EINVAL);
	assert_int_equal(trace_set_sample(4), 0);
	trace_start(__tp_span_begin.bit | __tp_span_end.bit);
	int kept = 0;
	for (int i = 0; i < 40; i++) {
		struct span root = span_begin("root", NULL);
		struct span child = span_begin("child", &root);
		assert_true(child.trace_id == root.trace_id);
		assert_true(child.parent_id == root.span_id);
		assert_int_equal(child.sampled, root.sampled);
		kept += root.sampled;
		span_end(&child);
		span_end(&root);
	}
	trace_stop();
	assert_int_equal(kept, 10);
	assert_int_equal(trace_ring_of(0)->written, 10 * 4);
	trace_set_sample(1);
}

/* ---- a tiny JSON validator ---- */
struct jp { const char *s; size_t i, n; };
static void ws(struct jp *p) { while (p->i < p->n && strchr(" \t\r\n", p->s[p->i])) p->i++; }
static int value(struct jp *p);
static int str(struct jp *p)
{
	if (p->s[p->i] != '"')
		return -1;
	for (p->i++; p->i < p->n; p->i++) {
		unsigned char c = (unsigned char)p->s[p->i];
		if (c == '"') { p->i++; return 0; }
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			char e = p->s[++p->i];
			if (e == 'u') {
				for (int k = 0; k < 4; k++)
					if (!strchr("0123456789abcdefABCDEF", p->s[++p->i]) || !p->s[p->i])
						return -1;
			} else if (!strchr("\"\\/bfnrt", e) || !e) {
				return -1;
			}
		}
	}
	return -1;
}
static int num(struct jp *p)
{
	size_t st = p->i;
	if (p->s[p->i] == '-') p->i++;
	if (!(p->s[p->i] >= '0' && p->s[p->i] <= '9')) return -1;
	while (p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
	if (p->s[p->i] == '.') {
		p->i++;
		if (!(p->s[p->i] >= '0' && p->s[p->i] <= '9')) return -1;
		while (p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
	}
	return p->i > st ? 0 : -1;
}
static int value(struct jp *p)
{
	ws(p);
	char c = p->s[p->i];
	if (c == '"')
		return str(p);
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		p->i++;
		ws(p);
		if (p->s[p->i] == close) { p->i++; return 0; }
		for (;;) {
			if (c == '{') {
				ws(p);
				if (str(p)) return -1;
				ws(p);
				if (p->s[p->i++] != ':') return -1;
			}
			if (value(p)) return -1;
			ws(p);
			if (p->s[p->i] == ',') { p->i++; continue; }
			if (p->s[p->i] == close) { p->i++; return 0; }
			return -1;
		}
	}
	if (!strncmp(p->s + p->i, "true", 4) || !strncmp(p->s + p->i, "null", 4)) { p->i += 4; return 0; }
	if (!strncmp(p->s + p->i, "false", 5)) { p->i += 5; return 0; }
	return num(p);
}
static int json_valid(const char *s)
{
	struct jp p = { s, 0, strlen(s) };
	if (value(&p)) return -1;
	ws(&p);
	return p.i == p.n ? 0 : -1;
}

static void test_validator_rejects_bad_json(void **state)
{
	(void)state;
	assert_int_equal(json_valid("{\"a\":[1,2.5,\"x\\\"y\"]}"), 0);
	assert_int_equal(json_valid("{\"a\":[1,2,]}"), -1);
	assert_int_equal(json_valid("{\"a\":\"x\"y\"}"), -1);
	assert_int_equal(json_valid("{\"a\":1"), -1);
	assert_int_equal(json_valid("{\"a\":\"\x01\"}"), -1);
}

static char *jbuf;
static size_t jlen;
static void jout(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	jbuf = realloc(jbuf, jlen + n + 1);
	memcpy(jbuf + jlen, s, n);
	jlen += n;
	jbuf[jlen] = 0;
}

static size_t count(const char *s, const char *pat)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, pat)); p += strlen(pat))
		n++;
	return n;
}

static void test_json_dump(void **state)
{
	(void)state;
	reset(2, 64, TRACE_OVERWRITE);
	static struct thread a = { .tid = 7, .name = "we\"ird\\n\x01" }, b = { .tid = 9, .name = "worker" };
	trace_start(~0ULL);
	cpus[0].id = 0;
	cpus[0].current = &a;
	trace_sched_switch(&a, &b);
	cpus[0].current = &b;
	trace_event(irq_entry, 32, 0, 0, 0);
	trace_event(irq_exit, 32, 0, 0, 0);
	struct span sp = span_begin("cmd \"x\"", NULL);
	trace_page_alloc(100, 0, 0);
	span_end(&sp);
	trace_sched_switch(&b, &a);
	cpus[0].id = 1;
	trace_sched_wakeup(&b, 1);
	assert_int_equal(trace_dump_json(jout, NULL), -EBUSY);
	trace_stop();
	jlen = 0;
	assert_int_equal(trace_dump_json(jout, NULL), 0);
	assert_non_null(jbuf);
	if (getenv("TRACE_TEST_DUMP")) fputs(jbuf, stderr);
	assert_int_equal(json_valid(jbuf), 0);
	assert_non_null(strstr(jbuf, "{\"traceEvents\":["));
	/* names escaped */
	assert_non_null(strstr(jbuf, "\"we\\\"ird\\\\n\\u0001\""));
	assert_non_null(strstr(jbuf, "\"cmd \\\"x\\\"\""));
	/* one slice for b on its CPU track and its thread track */
	assert_int_equal(count(jbuf, "\"name\":\"worker\",\"cat\":\"sched\",\"ph\":\"X\""), 2);
	assert_int_equal(count(jbuf, "\"ph\":\"X\",\"pid\":0,\"tid\":0,\"ts\":0.010,\"dur\":0.060"), 1);
	assert_int_equal(count(jbuf, "\"name\":\"irq 32\",\"cat\":\"irq\",\"ph\":\"X\""), 1);
	assert_int_equal(count(jbuf, "\"cat\":\"span\",\"ph\":\"B\""), 1);
	assert_int_equal(count(jbuf, "\"cat\":\"span\",\"ph\":\"E\""), 1);
	assert_int_equal(count(jbuf, "\"name\":\"page_alloc\""), 1);
	assert_int_equal(count(jbuf, "\"name\":\"sched_wakeup\""), 1);
	assert_non_null(strstr(jbuf, "\"name\":\"process_name\",\"args\":{\"name\":\"CPUs\"}"));
	assert_non_null(strstr(jbuf, "\"pid\":0,\"tid\":1,\"name\":\"thread_name\",\"args\":{\"name\":\"CPU 1\"}"));
	assert_non_null(strstr(jbuf, "\"pid\":1,\"tid\":9,\"name\":\"thread_name\",\"args\":{\"name\":\"worker\"}"));
	cpus[0].id = 0;
	cpus[0].current = NULL;
	free(jbuf);
	jbuf = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overwrite_wraps_and_counts_lost),
		cmocka_unit_test(test_stop_mode_drops_newest),
		cmocka_unit_test(test_disabled_records_nothing),
		cmocka_unit_test(test_interleaved_cpus_and_nested_writes),
		cmocka_unit_test(test_span_sampling),
		cmocka_unit_test(test_validator_rejects_bad_json),
		cmocka_unit_test(test_json_dump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
