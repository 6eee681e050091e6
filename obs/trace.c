/* trace.c — the tracer: per-CPU rings of fixed-size binary events, the
 * tracepoint registry (linker section rayos_tracepoints), spans with head
 * sampling, and the Chrome Trace Event Format writer (trace dump).
 *
 * Write path (trace_emit): interrupts off; read the clock; slot = head %
 * size of this CPU's ring; in TRACE_STOP mode a full ring drops the event
 * (lost++); in TRACE_OVERWRITE mode the slot's old event is overwritten
 * (lost++ once head >= size); fill the slot; head++; interrupts back. Only
 * the owning CPU writes its ring and it cannot be interrupted, so there are
 * no locks and no torn events; per-CPU timestamps are non-decreasing in
 * head order (the clock is read with interrupts off, inside the write).
 * ring->busy is set around the write so trace_stop() can wait for writes
 * that saw the mask before it was cleared.
 *
 * Readers (dump, clear, status) run only while tracing is stopped
 * (trace_mask == 0 and no busy ring); control calls are serialised by their
 * callers (the shell is one thread; the ktest runs alone).
 *
 * Invariants: head == written; lost == (OVERWRITE) max(0, head_total -
 * size) counted per overwrite, (STOP) number of dropped events; stored
 * events = min(head, size) (OVERWRITE) or head (STOP, head <= size).
 *
 * Dump (Chrome Trace Event Format, the "JSON Object Format" of Google's
 * trace-event spec): pid 0 = CPUs (tid = cpu), pid 1 = threads (tid =
 * thread id), pid 2 = spans (tid = thread id). sched_switch pairs on one
 * CPU become "X" slices (on the CPU track and on the thread's track);
 * matched irq_entry/irq_exit become "X" on the CPU track; other events are
 * "i" instants; spans are "B"/"E" on pid 2. "M" metadata events name every
 * process and track; thread names come from the events themselves
 * (sched_switch and thread_create carry the 16-byte name). ts is in
 * microseconds with three decimals. Strings are JSON-escaped. */
#define RAYOS_TRACE_HOSTED 1
#include <rayos/trace.h>
#include <rayos/arch.h>
#include <rayos/percpu.h>
#include <rayos/printf.h>
#include <rayos/sched.h>
#include <rayos/string.h>
#include <rayos/time.h>
#ifdef RAYOS_HOSTED
#include <stdlib.h>
#else
#include <rayos/mm.h>
#include <rayos/vm.h>
#endif

u64 trace_mask;
static struct trace_ring rings[MAX_CPUS];
static u32 nr_rings, ring_events;
static enum trace_mode mode = TRACE_OVERWRITE;
static u32 sample_rate = 1;
static u64 root_count, span_ids;
static bool tps_ready;

TRACEPOINT_DEFINE(sched_switch, "prev", "next", NULL, NULL);
TRACEPOINT_DEFINE(sched_wakeup, "tid", "cpu", NULL, NULL);
TRACEPOINT_DEFINE(irq_entry, "vector", NULL, NULL, NULL);
TRACEPOINT_DEFINE(irq_exit, "vector", NULL, NULL, NULL);
TRACEPOINT_DEFINE(page_alloc, "pfn", "order", "node", NULL);
TRACEPOINT_DEFINE(page_free, "pfn", "order", "node", NULL);
TRACEPOINT_DEFINE(thread_create, "tid", NULL, NULL, NULL);
TRACEPOINT_DEFINE(thread_exit, "tid", "code", NULL, NULL);
TRACEPOINT_DEFINE(span_begin, "trace_id", "span_id", "parent_id", NULL);
TRACEPOINT_DEFINE(span_end, "trace_id", "span_id", "parent_id", NULL);

extern struct tracepoint __start_rayos_tracepoints[], __stop_rayos_tracepoints[];

size_t trace_tp_count(void) { return (size_t)(__stop_rayos_tracepoints - __start_rayos_tracepoints); }
struct tracepoint *trace_tp_at(size_t i) { return i < trace_tp_count() ? &__start_rayos_tracepoints[i] : NULL; }

struct tracepoint *trace_tp_find(const char *name)
{
	for (size_t i = 0; i < trace_tp_count(); i++)
		if (!strcmp(__start_rayos_tracepoints[i].name, name))
			return &__start_rayos_tracepoints[i];
	return NULL;
}

static void *ring_alloc(size_t bytes)
{
#ifdef RAYOS_HOSTED
	return calloc(1, bytes);
#else
	return vmalloc_tagged(bytes, "trace ring");
#endif
}

static void ring_free(void *p)
{
#ifdef RAYOS_HOSTED
	free(p);
#else
	vfree(p);
#endif
}

int trace_setup(u32 events)
{
	if (!events || (events & (events - 1)))
		return -EINVAL;
	if (!tps_ready) {
		for (size_t i = 0; i < trace_tp_count(); i++)
			__start_rayos_tracepoints[i].bit = i < TRACE_MAX_TPS ? 1ULL << i : 0;
		tps_ready = true;
	}
	u32 n = nr_cpus_online ? nr_cpus_online : 1;
	if (ring_events == events && nr_rings == n)
		return 0;
	if (trace_running())
		return -EBUSY;
	for (u32 c = 0; c < nr_rings; c++) {
		ring_free(rings[c].ev);
		memset(&rings[c], 0, sizeof(rings[c]));
	}
	nr_rings = ring_events = 0;
	for (u32 c = 0; c < n; c++) {
		rings[c].ev = ring_alloc((size_t)events * sizeof(struct trace_event));
		if (!rings[c].ev) {
			for (u32 k = 0; k < c; k++) {
				ring_free(rings[k].ev);
				rings[k].ev = NULL;
			}
			return -ENOMEM;
		}
		rings[c].size = events;
	}
	nr_rings = n;
	ring_events = events;
	return 0;
}

void trace_emit(const struct tracepoint *tp, u64 a0, u64 a1, u64 a2, u64 a3)
{
	irqflags_t f = arch_irq_save();
	struct cpu *c = this_cpu();
	u32 cpu = c->id;
	struct trace_ring *r = &rings[cpu];
	if (cpu >= nr_rings || !r->ev) {
		arch_irq_restore(f);
		return;
	}
	WRITE_ONCE(r->busy, 1);
	barrier();
	if (mode == TRACE_STOP && r->head >= r->size) {
		r->lost++;
	} else {
		if (r->head >= r->size)
			r->lost++; /* overwrites the oldest */
		struct trace_event *e = &r->ev[r->head & (r->size - 1)];
		e->ts = clock_monotonic_ns();
		e->seq = r->head;
		e->id = (u16)(tp - __start_rayos_tracepoints);
		e->cpu = (u16)cpu;
		e->tid = c->current ? c->current->tid : 0;
		e->args[0] = a0;
		e->args[1] = a1;
		e->args[2] = a2;
		e->args[3] = a3;
		e->reserved = 0;
		r->head++;
		r->written++;
	}
	barrier();
	WRITE_ONCE(r->busy, 0);
	arch_irq_restore(f);
}

void trace_start(u64 mask) { WRITE_ONCE(trace_mask, mask); }

void trace_stop(void)
{
	WRITE_ONCE(trace_mask, 0);
	__sync_synchronize();
	for (u32 c = 0; c < nr_rings; c++)
		while (READ_ONCE(rings[c].busy))
			arch_cpu_relax();
}

bool trace_running(void) { return READ_ONCE(trace_mask) != 0; }

int trace_clear(void)
{
	if (trace_running())
		return -EBUSY;
	for (u32 c = 0; c < nr_rings; c++)
		rings[c].head = rings[c].written = rings[c].lost = 0;
	return 0;
}

int trace_set_mode(enum trace_mode m)
{
	if (trace_running())
		return -EBUSY;
	if (m != TRACE_OVERWRITE && m != TRACE_STOP)
		return -EINVAL;
	mode = m;
	return 0;
}

enum trace_mode trace_get_mode(void) { return mode; }

int trace_set_sample(u32 n)
{
	if (!n)
		return -EINVAL;
	WRITE_ONCE(sample_rate, n);
	return 0;
}

u32 trace_get_sample(void) { return READ_ONCE(sample_rate); }
struct trace_ring *trace_ring_of(u32 cpu) { return cpu < nr_rings ? &rings[cpu] : NULL; }
u32 trace_nr_rings(void) { return nr_rings; }

u64 trace_ring_count(const struct trace_ring *r)
{
	return r->head < r->size ? r->head : r->size;
}

const struct trace_event *trace_ring_get(const struct trace_ring *r, u64 i)
{
	u64 first = r->head - trace_ring_count(r);
	return &r->ev[(first + i) & (r->size - 1)];
}

/* ---- spans ---- */

struct span span_begin(const char *name, const struct span *parent)
{
	struct span s = { .name = name };
	s.span_id = __atomic_add_fetch(&span_ids, 1, __ATOMIC_RELAXED);
	if (parent) {
		s.trace_id = parent->trace_id;
		s.parent_id = parent->span_id;
		s.sampled = parent->sampled;
	} else {
		s.trace_id = s.span_id;
		u64 n = __atomic_fetch_add(&root_count, 1, __ATOMIC_RELAXED);
		s.sampled = n % READ_ONCE(sample_rate) == 0;
	}
	if (s.sampled)
		trace_event(span_begin, s.trace_id, s.span_id, s.parent_id, (uintptr_t)name);
	return s;
}

void span_end(const struct span *s)
{
	if (s->sampled)
		trace_event(span_end, s->trace_id, s->span_id, s->parent_id, (uintptr_t)s->name);
}

/* ---- JSON writer ---- */

struct jw {
	void (*out)(void *ctx, const char *s, size_t n);
	void *ctx;
	bool first;
};

static void jraw(struct jw *w, const char *s) { w->out(w->ctx, s, strlen(s)); }

static void jf(struct jw *w, const char *fmt, ...) __printf(2, 3);
static void jf(struct jw *w, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		w->out(w->ctx, buf, (size_t)n);
}

/* A JSON string literal of at most max bytes of s (stops at NUL). */
static void jstr(struct jw *w, const char *s, size_t max)
{
	jraw(w, "\"");
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			char b[2] = { '\\', (char)ch };
			w->out(w->ctx, b, 2);
		} else if (ch < 0x20 || ch >= 0x7f) {
			jf(w, "\\u%04x", ch);
		} else {
			w->out(w->ctx, (const char *)&ch, 1);
		}
	}
	jraw(w, "\"");
}

static void jsep(struct jw *w)
{
	jraw(w, w->first ? "\n" : ",\n");
	w->first = false;
}

static void jts(struct jw *w, const char *key, u64 ns)
{
	jf(w, ",\"%s\":%llu.%03llu", key, (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

static void jmeta(struct jw *w, u32 pid, s64 tid, const char *what, const char *name, size_t max)
{
	jsep(w);
	jf(w, "{\"ph\":\"M\",\"pid\":%u", pid);
	if (tid >= 0)
		jf(w, ",\"tid\":%lld", (long long)tid);
	jf(w, ",\"name\":\"%s\",\"args\":{\"name\":", what);
	jstr(w, name, max);
	jraw(w, "}}");
}

#define DUMP_MAX_THREADS 256
static struct { u32 tid; char name[16]; } names[DUMP_MAX_THREADS];
static u32 nr_names;

static void name_note(u32 tid, u64 w0, u64 w1)
{
	u32 i;
	for (i = 0; i < nr_names && names[i].tid != tid; i++)
		;
	if (i == nr_names) {
		if (nr_names == DUMP_MAX_THREADS)
			return;
		nr_names++;
		names[i].tid = tid;
	}
	memcpy(names[i].name, &w0, 8);
	memcpy(names[i].name + 8, &w1, 8);
}

static bool seen_tid(u32 tid)
{
	for (u32 i = 0; i < nr_names; i++)
		if (names[i].tid == tid)
			return true;
	return false;
}

static void dump_instant(struct jw *w, const struct trace_event *e, const struct tracepoint *tp,
			 u32 pid, u32 tid)
{
	jsep(w);
	jraw(w, "{\"name\":");
	jstr(w, tp->name, 64);
	jf(w, ",\"cat\":\"rayos\",\"ph\":\"i\",\"s\":\"t\",\"pid\":%u,\"tid\":%u", pid, tid);
	jts(w, "ts", e->ts);
	jraw(w, ",\"args\":{");
	bool f = true;
	for (int a = 0; a < 4; a++) {
		if (!tp->argn[a])
			continue;
		jf(w, "%s\"%s\":%llu", f ? "" : ",", tp->argn[a], (unsigned long long)e->args[a]);
		f = false;
	}
	jf(w, "%s\"cpu\":%u}}", f ? "" : ",", e->cpu);
}

static void dump_slice(struct jw *w, u32 pid, u32 tid, u32 thread, u64 t0, u64 t1, u32 cpu)
{
	jsep(w);
	jraw(w, "{\"name\":");
	u32 i;
	for (i = 0; i < nr_names && names[i].tid != thread; i++)
		;
	if (i < nr_names)
		jstr(w, names[i].name, 16);
	else
		jf(w, "\"thread %u\"", thread);
	jf(w, ",\"cat\":\"sched\",\"ph\":\"X\",\"pid\":%u,\"tid\":%u", pid, tid);
	jts(w, "ts", t0);
	jts(w, "dur", t1 - t0);
	jf(w, ",\"args\":{\"tid\":%u,\"cpu\":%u}}", thread, cpu);
}

int trace_dump_json(void (*out)(void *ctx, const char *s, size_t n), void *ctx)
{
	if (trace_running())
		return -EBUSY;
	struct jw w = { out, ctx, true };
	const struct tracepoint *tps = __start_rayos_tracepoints;
	u16 id_switch = (u16)(&__tp_sched_switch - tps), id_create = (u16)(&__tp_thread_create - tps);
	u16 id_irq_in = (u16)(&__tp_irq_entry - tps), id_irq_out = (u16)(&__tp_irq_exit - tps);
	u16 id_sb = (u16)(&__tp_span_begin - tps), id_se = (u16)(&__tp_span_end - tps);
	/* pass 1: thread names */
	nr_names = 0;
	for (u32 c = 0; c < nr_rings; c++) {
		struct trace_ring *r = &rings[c];
		for (u64 i = 0; i < trace_ring_count(r); i++) {
			const struct trace_event *e = trace_ring_get(r, i);
			if (e->id == id_switch)
				name_note((u32)e->args[1], e->args[2], e->args[3]);
			else if (e->id == id_create)
				name_note((u32)e->args[0], e->args[1], e->args[2]);
		}
	}
	jraw(&w, "{\"traceEvents\":[");
	jmeta(&w, 0, -1, "process_name", "CPUs", 16);
	jmeta(&w, 1, -1, "process_name", "threads", 16);
	jmeta(&w, 2, -1, "process_name", "spans", 16);
	for (u32 c = 0; c < nr_rings; c++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "CPU %u", c);
		jmeta(&w, 0, c, "thread_name", nm, sizeof(nm));
	}
	/* pass 2: events, per CPU in order */
	for (u32 c = 0; c < nr_rings; c++) {
		struct trace_ring *r = &rings[c];
		bool have_run = false, have_irq = false;
		u64 run_start = 0, irq_start = 0, irq_vec = 0;
		u32 run_tid = 0;
		for (u64 i = 0; i < trace_ring_count(r); i++) {
			const struct trace_event *e = trace_ring_get(r, i);
			if (e->id >= trace_tp_count())
				continue;
			const struct tracepoint *tp = &tps[e->id];
			if (e->id == id_switch) {
				if (have_run) {
					dump_slice(&w, 0, c, run_tid, run_start, e->ts, c);
					dump_slice(&w, 1, run_tid, run_tid, run_start, e->ts, c);
				}
				have_run = true;
				run_start = e->ts;
				run_tid = (u32)e->args[1];
			} else if (e->id == id_irq_in) {
				have_irq = true;
				irq_start = e->ts;
				irq_vec = e->args[0];
			} else if (e->id == id_irq_out && have_irq && irq_vec == e->args[0]) {
				have_irq = false;
				jsep(&w);
				jf(&w, "{\"name\":\"irq %llu\",\"cat\":\"irq\",\"ph\":\"X\",\"pid\":0,\"tid\":%u",
				   (unsigned long long)irq_vec, c);
				jts(&w, "ts", irq_start);
				jts(&w, "dur", e->ts - irq_start);
				jraw(&w, ",\"args\":{}}");
			} else if (e->id == id_sb || e->id == id_se) {
				jsep(&w);
				jraw(&w, "{\"name\":");
				const char *sn = (const char *)(uintptr_t)e->args[3];
				jstr(&w, sn ? sn : "span", 64);
				jf(&w, ",\"cat\":\"span\",\"ph\":\"%s\",\"pid\":2,\"tid\":%u",
				   e->id == id_sb ? "B" : "E", e->tid);
				jts(&w, "ts", e->ts);
				jf(&w, ",\"args\":{\"trace_id\":%llu,\"span_id\":%llu,\"parent_id\":%llu,\"cpu\":%u}}",
				   (unsigned long long)e->args[0], (unsigned long long)e->args[1],
				   (unsigned long long)e->args[2], c);
			} else {
				dump_instant(&w, e, tp, 0, c);
			}
		}
		if (have_irq) { /* entry without exit (stopped inside, or exit lost) */
			jsep(&w);
			jf(&w, "{\"name\":\"irq %llu\",\"cat\":\"irq\",\"ph\":\"i\",\"s\":\"t\",\"pid\":0,\"tid\":%u",
			   (unsigned long long)irq_vec, c);
			jts(&w, "ts", irq_start);
			jraw(&w, "}");
		}
	}
	/* track names for threads (from events) and unnamed ones seen in spans */
	for (u32 i = 0; i < nr_names; i++) {
		jmeta(&w, 1, names[i].tid, "thread_name", names[i].name, 16);
		jmeta(&w, 2, names[i].tid, "thread_name", names[i].name, 16);
	}
	for (u32 c = 0; c < nr_rings; c++) {
		struct trace_ring *r = &rings[c];
		for (u64 i = 0; i < trace_ring_count(r); i++) {
			const struct trace_event *e = trace_ring_get(r, i);
			if ((e->id == id_sb) && !seen_tid(e->tid) && nr_names < DUMP_MAX_THREADS) {
				char nm[16];
				snprintf(nm, sizeof(nm), "thread %u", e->tid);
				name_note(e->tid, trace_name_word(nm, 0), trace_name_word(nm, 1));
				jmeta(&w, 2, e->tid, "thread_name", nm, sizeof(nm));
			}
		}
	}
	jraw(&w, "\n]}\n");
	return 0;
}
