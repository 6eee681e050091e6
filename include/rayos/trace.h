/* trace.h — static tracepoints, per-CPU binary trace buffers and spans
 * (obs/trace.c; shell commands in shell/cmd_trace.c).
 *
 * Tracepoints: TRACEPOINT_DEFINE(name, "arg0", "arg1", "arg2", "arg3") in a
 * .c file puts a struct tracepoint in the linker section rayos_tracepoints
 * (__start_/__stop_rayos_tracepoints, arch/x86_64/linker.ld); trace_event(
 * name, a0, a1, a2, a3) fires it. Each tracepoint owns one bit of the global
 * word trace_mask (assigned at trace_setup(), in section order; at most
 * TRACE_MAX_TPS). A disabled tracepoint costs a load of trace_mask, a load
 * of its bit and one branch predicted not taken; the arguments are only
 * evaluated when it is enabled (trace_event is a macro).
 *
 * Events: fixed 64-byte records (struct trace_event) in per-CPU rings. The
 * writer is always the owning CPU with interrupts off for the write (no
 * locks, no atomics). Modes: TRACE_OVERWRITE keeps the newest events
 * (oldest overwritten, counted lost), TRACE_STOP keeps the oldest (new
 * events dropped when full, counted lost).
 *
 * Spans: span_begin(name, parent) / span_end(&s) record span_begin and
 * span_end events carrying (trace id, span id, parent id, name). Head
 * sampling: a root span (parent NULL) is kept for 1 in trace_sample_rate
 * roots; children follow their root's decision. Span names must be static
 * strings (the event stores the pointer).
 *
 * In hosted unit tests the tracepoints compile to nothing unless the file
 * defines RAYOS_TRACE_HOSTED before including this header (obs/trace.c and
 * tests/host/test_trace.c do), so other hosted tests need not link trace.c. */
#ifndef RAYOS_TRACE_H
#define RAYOS_TRACE_H
#include <rayos/types.h>

#define TRACE_MAX_TPS 64
#define TRACE_DEFAULT_EVENTS 8192u /* per CPU, power of two */

struct trace_event {            /* 64 bytes, 8-aligned */
	u64 ts;                 /* clock_monotonic_ns() at the write */
	u64 seq;                /* per-CPU write number (0, 1, ...) */
	u16 id;                 /* index of the tracepoint in the section */
	u16 cpu;
	u32 tid;                /* current thread's id, 0 before threads */
	u64 args[4];
	u64 reserved;
};

struct tracepoint {
	const char *name;
	const char *argn[4];    /* argument names for the dump, NULL = unused */
	u64 bit;                /* 1 << index once set up; 0 = cannot be enabled */
};

enum trace_mode { TRACE_OVERWRITE, TRACE_STOP };

/* One CPU's ring. Only its CPU writes (interrupts off); readers look at it
 * only while tracing is stopped (trace_dump and trace_clear check). */
struct trace_ring {
	struct trace_event *ev;
	u32 size;               /* events, power of two */
	u64 head;               /* events stored so far (next slot: head % size) */
	u64 written;            /* events accepted (== head) */
	u64 lost;               /* overwritten (OVERWRITE) or dropped (STOP) */
	u32 busy;               /* a write is in progress */
};

#if !defined(RAYOS_HOSTED) || defined(RAYOS_TRACE_HOSTED)

extern u64 trace_mask;

#define TRACEPOINT_DEFINE(nm, a0, a1, a2, a3)                                 \
	struct tracepoint __tp_##nm __used __section("rayos_tracepoints")      \
	__attribute__((aligned(8))) = { .name = #nm, .argn = { a0, a1, a2, a3 } }
#define TRACEPOINT_DECLARE(nm) extern struct tracepoint __tp_##nm

#define trace_event(nm, a0, a1, a2, a3)                                        \
	do {                                                                   \
		if (unlikely(READ_ONCE(trace_mask) & __tp_##nm.bit))            \
			trace_emit(&__tp_##nm, (u64)(a0), (u64)(a1), (u64)(a2), \
				   (u64)(a3));                                 \
	} while (0)

void trace_emit(const struct tracepoint *tp, u64 a0, u64 a1, u64 a2, u64 a3);

/* Core tracepoints (defined in obs/trace.c). */
TRACEPOINT_DECLARE(sched_switch);   /* prev tid, next tid, next name[0..8], [8..16] */
TRACEPOINT_DECLARE(sched_wakeup);   /* tid, target cpu */
TRACEPOINT_DECLARE(irq_entry);      /* vector */
TRACEPOINT_DECLARE(irq_exit);       /* vector */
TRACEPOINT_DECLARE(page_alloc);     /* pfn, order, node */
TRACEPOINT_DECLARE(page_free);      /* pfn, order, node */
TRACEPOINT_DECLARE(thread_create);  /* tid, name[0..8], name[8..16] */
TRACEPOINT_DECLARE(thread_exit);    /* tid, exit code */
TRACEPOINT_DECLARE(span_begin);     /* trace id, span id, parent id, name */
TRACEPOINT_DECLARE(span_end);       /* trace id, span id, parent id, name */

/* 8 bytes of a 16-byte thread name, as an argument word. */
static inline u64 trace_name_word(const char *name16, int word)
{
	u64 w;
	__builtin_memcpy(&w, name16 + 8 * word, 8);
	return w;
}
#define trace_sched_switch(prev, next) trace_event(sched_switch, (prev)->tid, (next)->tid, \
	trace_name_word((next)->name, 0), trace_name_word((next)->name, 1))
#define trace_sched_wakeup(t, cpu) trace_event(sched_wakeup, (t)->tid, (cpu), 0, 0)
#define trace_irq_entry(vec) trace_event(irq_entry, (vec), 0, 0, 0)
#define trace_irq_exit(vec) trace_event(irq_exit, (vec), 0, 0, 0)
#define trace_page_alloc(pfn, order, node) trace_event(page_alloc, (pfn), (order), (node), 0)
#define trace_page_free(pfn, order, node) trace_event(page_free, (pfn), (order), (node), 0)
#define trace_thread_create(t) trace_event(thread_create, (t)->tid, \
	trace_name_word((t)->name, 0), trace_name_word((t)->name, 1), 0)
#define trace_thread_exit(t, code) trace_event(thread_exit, (t)->tid, (code), 0, 0)

#else /* hosted test not using tracing */
#define TRACEPOINT_DEFINE(nm, a0, a1, a2, a3) struct tracepoint __tp_##nm __attribute__((unused))
#define TRACEPOINT_DECLARE(nm)
#define trace_event(nm, a0, a1, a2, a3) do { } while (0)
#define trace_sched_switch(prev, next) do { } while (0)
#define trace_sched_wakeup(t, cpu) do { } while (0)
#define trace_irq_entry(vec) do { } while (0)
#define trace_irq_exit(vec) do { } while (0)
#define trace_page_alloc(pfn, order, node) do { } while (0)
#define trace_page_free(pfn, order, node) do { } while (0)
#define trace_thread_create(t) do { } while (0)
#define trace_thread_exit(t, code) do { } while (0)
#endif

/* ---- spans ---- */
struct span {
	u64 trace_id, span_id, parent_id;
	const char *name;
	bool sampled;
};
#if !defined(RAYOS_HOSTED) || defined(RAYOS_TRACE_HOSTED)
struct span span_begin(const char *name, const struct span *parent);
void span_end(const struct span *s);
#else
static inline struct span span_begin(const char *name, const struct span *parent)
{ (void)parent; return (struct span){ .name = name }; }
static inline void span_end(const struct span *s) { (void)s; }
#endif

/* ---- control (callers serialise: the shell, ktests) ---- */
/* Assign tracepoint bits and allocate rings of `events` (power of two) for
 * every online CPU (once; later calls return 0). -ENOMEM on failure. */
int trace_setup(u32 events);
size_t trace_tp_count(void);
struct tracepoint *trace_tp_at(size_t i);
struct tracepoint *trace_tp_find(const char *name);
/* Enable exactly `mask` (bits of tracepoints). */
void trace_start(u64 mask);
void trace_stop(void);   /* disables all, waits for in-flight writes */
bool trace_running(void);
int trace_clear(void);   /* -EBUSY while running */
int trace_set_mode(enum trace_mode m); /* -EBUSY while running */
enum trace_mode trace_get_mode(void);
int trace_set_sample(u32 n);  /* keep 1 in n root spans; n >= 1 */
u32 trace_get_sample(void);
struct trace_ring *trace_ring_of(u32 cpu); /* NULL before setup */
u32 trace_nr_rings(void);
/* i-th stored event of a ring, oldest first (i < trace_ring_count(r)). */
u64 trace_ring_count(const struct trace_ring *r);
const struct trace_event *trace_ring_get(const struct trace_ring *r, u64 i);
/* Chrome Trace Event Format JSON of every ring; out gets the text in
 * pieces. -EBUSY while running. */
int trace_dump_json(void (*out)(void *ctx, const char *s, size_t n), void *ctx);

#endif
