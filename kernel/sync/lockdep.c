/* lockdep.c — the lock checker for debug builds (CONFIG_LOCKDEP): lock
 * classes, the lock-order graph, held-lock tracking, and the reports. The
 * interface and what is checked are described in include/rayos/lockdep.h.
 *
 * Algorithm (after Linux's lockdep, Documentation/locking/lockdep-design.rst,
 * without IRQ-state tracking or chain caching):
 *  - Each lock maps to a class (find_class): its init call site's key, its
 *    own address when it is in the kernel image's data, the "file:line" of
 *    the SPINLOCK_INIT it was copied from, or failing all those the code
 *    address that first took it. The class index is cached in the lock.
 *  - Acquiring class N while holding class H records the edge H -> N (for
 *    every lock held: this CPU's spinlocks, and the thread's mutexes unless
 *    in an interrupt). Before a new edge is added, a breadth-first search
 *    from N looks for H; a path N -> ... -> H plus the new edge is a cycle:
 *    a possible deadlock, reported with both orders. The edge is added
 *    either way, so the same pair is reported once.
 *  - Same-class nesting (two instances of one class) records nothing.
 *  - A trylock that succeeded records no edge to its lock (it cannot wait);
 *    edges from it to later locks are recorded.
 *
 * Storage is static and bounded: LD_MAX_CLASSES classes, LD_MAX_EDGES edges
 * (out-edge lists threaded through the edge array), an open-addressing set
 * of (from, to) pairs for the existence test, per-CPU held-spinlock stacks,
 * and LD_THREADS slots of per-thread held mutexes (claimed by a thread while
 * it holds any). When a table fills up, the checker says so once and stops
 * recording new classes or orders; held-lock tracking goes on.
 *
 * Locking and invariants:
 *  - graph_lock, a raw test-and-set lock the checker does not check, taken
 *    with interrupts off, protects classes, edges and both hash tables.
 *    Nothing inside it prints or takes another lock.
 *  - The edge set is read without the lock (edge_exists): a hit is final
 *    (edges are only removed by lockdep_forget, used by tests); a miss is
 *    checked again under the lock. A slot's key is stored (release) after
 *    the edge it stands for is complete.
 *  - Per-CPU state is touched only by its CPU with interrupts off; busy
 *    marks "inside the checker" so locks taken while reporting (console
 *    drivers) are tracked but not checked. A thread's mutex slot is touched
 *    only by that thread (claimed with a compare-and-swap).
 *  - Reports are printed with panic_printf (no locks), serialised among
 *    CPUs by report_lock, after graph_lock is dropped.
 * Cost: one out-of-line call per lock and unlock with interrupts briefly
 * off, and a lockless hash probe per held lock; the graph lock only on a
 * lock's first use and on a new order. Finding the running thread's mutex
 * slot goes through a per-CPU cache, valid until any slot is claimed or
 * released (slot_gen). */
#include <rayos/lockdep.h>

#ifdef CONFIG_LOCKDEP
#include <rayos/ksyms.h>
#include <rayos/metrics.h>
#include <rayos/panic.h>
#include <rayos/printf.h>
#include <rayos/shell.h>
#include <rayos/spinlock.h>
#include <rayos/string.h>
#include <rayos/thread.h>

#define LD_MAX_CLASSES 512
#define LD_MAX_EDGES 4096
#define LD_EDGE_HASH 8192  /* power of two, 2x the edges: probes stay short */
#define LD_CLASS_HASH 1024 /* power of two, 2x the classes */
#define LD_HELD_SPIN 24    /* spinlocks recorded per CPU */
#define LD_HELD_MUTEX 8    /* mutexes recorded per thread */
#define LD_THREADS 128     /* threads holding mutexes at the same time */
#define LD_PATH_MAX 6      /* edges of an earlier order printed */
#define LD_NONE 0xffff     /* no class (table full, or not looked up) */

enum { LD_SPIN, LD_MUTEX };
enum { BY_KEY, BY_ADDR, BY_NAME, BY_IP };

struct ld_class {
	const void *key;
	const char *name;
	u8 kind, by;
	u32 first_out; /* 1 + index of the first out-edge; 0 = none */
	u32 nr_out;
};

struct ld_edge {
	u16 from, to;
	u32 next_out;       /* 1 + index of the next out-edge of from (or free) */
	u64 from_ip, to_ip; /* where each was taken when the order was first seen */
	u32 tid;            /* thread that first took this order (0: none) */
	u32 cpu;
};

struct ld_held {
	const struct lockdep_map *m;
	u16 cls;
	u64 ip;
};

struct ld_stack {
	u32 n;        /* recorded entries */
	u32 overflow; /* held but beyond the array: not recorded */
};

struct ld_cpu {
	struct ld_stack s;
	u32 busy;
	struct ld_held held[LD_HELD_SPIN];
	/* the mutex slot of the thread last looked up here; valid while
	 * slot_gen == cache_gen (no slot claimed or released since) */
	u32 cache_gen, cache_tid;
	struct thread *cache_t;
	struct ld_thread *cache_slot;
};

struct ld_thread {
	struct thread *t; /* owner; NULL = free */
	u32 tid;
	struct ld_stack s;
	struct ld_held held[LD_HELD_MUTEX];
};

extern char __data_start[], __bss_end[];

/* graph_lock protects: */
static struct ld_class classes[LD_MAX_CLASSES];
static u32 nr_classes;
static u16 class_hash[LD_CLASS_HASH]; /* 1 + class index */
static struct ld_edge edges[LD_MAX_EDGES];
static u32 edges_used;  /* high-water mark of edges[] */
static u32 edge_free;   /* 1 + index of the first free edge */
static u32 nr_edges;    /* live edges */
static u32 edge_hash[LD_EDGE_HASH]; /* EKEY(from, to); 0 = empty; read locklessly */
static u16 bfs_queue[LD_MAX_CLASSES];
static u32 bfs_via[LD_MAX_CLASSES]; /* 1 + edge by which a class was reached */
static u64 bfs_seen[LD_MAX_CLASSES / 64];
static bool graph_full; /* an edge did not fit: no more checking */
static volatile u32 graph_lock;

static struct ld_cpu ld_cpus[MAX_CPUS];
static struct ld_thread ld_threads[LD_THREADS];
static volatile u32 slot_gen;      /* bumped after every slot claim or release */
static volatile u32 slots_claimed; /* slots in use */
static volatile u32 report_lock;
static volatile u32 warned; /* bit per "table full" warning given */

static const char *const kind_labels[LOCKDEP_NR_KINDS] = {
	"inversion", "sleep_in_atomic", "bad_unlock", "recursion",
};
static struct metric m_reports[LOCKDEP_NR_KINDS];
static struct metric_family fam_reports = {
	.name = "rayos_lockdep_reports_total",
	.help = "Problems the lock checker reported, by kind.",
	.type = METRIC_COUNTER,
};

#define EKEY(a, b) ((((u32)(a) + 1) << 16) | ((u32)(b) + 1))
#define RET_IP ((u64)(uintptr_t)__builtin_return_address(0))

static void raw_lock(volatile u32 *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			arch_cpu_relax();
}

static void raw_unlock(volatile u32 *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static struct ld_cpu *this_ld(void)
{
	return &ld_cpus[this_cpu()->id];
}

static void warn_once(u32 bit, const char *what)
{
	if (!(__atomic_fetch_or(&warned, bit, __ATOMIC_RELAXED) & bit))
		panic_printf("lockdep: %s; checking continues without it\n", what);
}

/* ---- classes (graph_lock) ---- */

static u32 hash_ptr(const void *p)
{
	u64 x = (u64)(uintptr_t)p;
	x ^= x >> 29;
	x *= 0x9e3779b97f4a7c15ULL;
	return (u32)(x >> 40);
}

static u16 class_find_or_add(const void *key, u8 by, u8 kind, const char *name)
{
	u32 h = hash_ptr(key) & (LD_CLASS_HASH - 1);
	for (u16 v; (v = class_hash[h]) != 0; h = (h + 1) & (LD_CLASS_HASH - 1))
		if (classes[v - 1].key == key && classes[v - 1].kind == kind)
			return v - 1;
	if (nr_classes == LD_MAX_CLASSES)
		return LD_NONE;
	u16 c = (u16)nr_classes++;
	classes[c] = (struct ld_class){ .key = key, .name = name, .kind = kind, .by = by };
	class_hash[h] = c + 1;
	return c;
}

static bool is_static(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)__data_start && (uintptr_t)p < (uintptr_t)__bss_end;
}

/* Class of m, looked up (and cached in m) on first use. Interrupts off. */
static u16 find_class(struct lockdep_map *m, u8 kind, u64 ip)
{
	u16 c = READ_ONCE(m->cls);
	if (likely(c))
		return c - 1;
	const void *key;
	u8 by;
	if (m->key) {
		key = m->key;
		by = BY_KEY;
	} else if (is_static(m)) {
		key = m;
		by = BY_ADDR;
	} else if (m->name) {
		key = m->name;
		by = BY_NAME;
	} else {
		key = (const void *)(uintptr_t)ip;
		by = BY_IP;
	}
	raw_lock(&graph_lock);
	c = class_find_or_add(key, by, kind, m->name);
	raw_unlock(&graph_lock);
	if (c == LD_NONE) {
		warn_once(1, "lock class table full (" LOCKDEP_STR(LD_MAX_CLASSES) " classes)");
		return LD_NONE;
	}
	WRITE_ONCE(m->cls, c + 1);
	return c;
}

/* ---- edges ---- */

static u32 ehash(u32 k)
{
	return (k * 2654435761u) >> (32 - 13); /* LD_EDGE_HASH = 2^13 */
}

_Static_assert(LD_EDGE_HASH == 1 << 13, "ehash assumes 2^13 slots");

static bool edge_exists(u16 a, u16 b)
{
	u32 k = EKEY(a, b);
	for (u32 i = ehash(k), n = 0; n < LD_EDGE_HASH; i = (i + 1) & (LD_EDGE_HASH - 1), n++) {
		u32 v = __atomic_load_n(&edge_hash[i], __ATOMIC_ACQUIRE);
		if (v == k)
			return true;
		if (!v)
			return false;
	}
	return false;
}

static void edge_hash_insert(u32 k)
{
	u32 i = ehash(k);
	while (edge_hash[i])
		i = (i + 1) & (LD_EDGE_HASH - 1);
	__atomic_store_n(&edge_hash[i], k, __ATOMIC_RELEASE);
}

static bool add_edge(u16 a, u16 b, u64 a_ip, u64 b_ip)
{
	u32 i;
	if (edge_free) {
		i = edge_free - 1;
		edge_free = edges[i].next_out;
	} else if (edges_used < LD_MAX_EDGES) {
		i = edges_used++;
	} else {
		return false;
	}
	struct thread *t = this_cpu()->irq_depth ? NULL : current_thread();
	edges[i] = (struct ld_edge){ .from = a, .to = b, .next_out = classes[a].first_out,
				     .from_ip = a_ip, .to_ip = b_ip, .tid = t ? t->tid : 0,
				     .cpu = this_cpu()->id };
	classes[a].first_out = i + 1;
	classes[a].nr_out++;
	nr_edges++;
	edge_hash_insert(EKEY(a, b));
	return true;
}

struct inversion {
	u16 held, next;     /* classes: held, being taken */
	u64 held_ip, next_ip;
	u32 n;              /* edges of the earlier path next -> ... -> held */
	bool truncated;
	struct ld_edge path[LD_PATH_MAX];
};

/* Breadth-first search: does class from reach class to? If so, copy the
 * (shortest) path into inv. graph_lock held. */
static bool reaches(u16 from, u16 to, struct inversion *inv)
{
	memset(bfs_seen, 0, sizeof(bfs_seen));
	u32 head = 0, tail = 0;
	bfs_queue[tail++] = from;
	bfs_seen[from / 64] |= 1ULL << (from % 64);
	while (head < tail) {
		u16 c = bfs_queue[head++];
		for (u32 e = classes[c].first_out; e; e = edges[e - 1].next_out) {
			u16 x = edges[e - 1].to;
			if (bfs_seen[x / 64] & (1ULL << (x % 64)))
				continue;
			bfs_seen[x / 64] |= 1ULL << (x % 64);
			bfs_via[x] = e;
			if (x != to) {
				bfs_queue[tail++] = x;
				continue;
			}
			/* walk back from `to`, then reverse into inv->path */
			u32 n = 0, rev[LD_MAX_CLASSES < 64 ? LD_MAX_CLASSES : 64];
			for (u16 y = to; y != from && n < ARRAY_SIZE(rev); y = edges[bfs_via[y] - 1].from)
				rev[n++] = bfs_via[y] - 1;
			inv->n = MIN(n, (u32)LD_PATH_MAX);
			inv->truncated = n > LD_PATH_MAX;
			for (u32 k = 0; k < inv->n; k++)
				inv->path[k] = edges[rev[n - 1 - k]];
			return true;
		}
	}
	return false;
}

/* ---- reports ---- */

static void fmt_ip(u64 ip, char *buf, size_t n)
{
	if (ip)
		ksyms_format(ip - 1, buf, n); /* a return address: the call is before it */
	else
		snprintf(buf, n, "?");
}

static void fmt_lock(const struct lockdep_map *m, u16 cls, char *buf, size_t n)
{
	const struct ld_class *k = cls != LD_NONE && cls < LD_MAX_CLASSES ? &classes[cls] : NULL;
	const char *kind = k ? (k->kind == LD_MUTEX ? "mutex " : "spinlock ") : "";
	const char *name = k ? k->name : (m ? m->name : NULL);
	const void *addr = k && k->by == BY_ADDR ? k->key : m;
	char sym[96];
	if (k && k->by == BY_IP) {
		fmt_ip((u64)(uintptr_t)k->key, sym, sizeof(sym));
		snprintf(buf, n, "%slock first taken in %s", kind, sym);
		return;
	}
	if (name) {
		if (k && k->by == BY_ADDR)
			snprintf(buf, n, "%s%s (%p)", kind, name, addr);
		else
			snprintf(buf, n, "%s%s", kind, name);
		return;
	}
	/* no name: the address, symbolised when it falls in a known symbol */
	ksyms_format((u64)(uintptr_t)addr, sym, sizeof(sym));
	if (strcmp(sym, "?"))
		snprintf(buf, n, "%s%s", kind, sym);
	else
		snprintf(buf, n, "%slock at %p", kind, addr);
}

static void fmt_class(u16 cls, char *buf, size_t n)
{
	fmt_lock(NULL, cls, buf, n);
}

static void print_stack(const char *what, const struct ld_held *h, const struct ld_stack *s)
{
	char l[128], ip[96];
	for (u32 i = 0; i < s->n; i++) {
		fmt_lock(h[i].m, h[i].cls, l, sizeof(l));
		fmt_ip(h[i].ip, ip, sizeof(ip));
		panic_printf("lockdep:   %s, taken at %s\n", l, ip);
	}
	if (s->overflow)
		panic_printf("lockdep:   ... and %u more %s not recorded\n", s->overflow, what);
}

static struct ld_thread *thread_slot(struct thread *t);

static void print_held(void)
{
	struct cpu *cpu = this_cpu();
	struct ld_cpu *c = &ld_cpus[cpu->id];
	struct thread *t = current_thread();
	panic_printf("lockdep: held on CPU %u: %u spinlock(s)%s\n", cpu->id, c->s.n + c->s.overflow,
		     cpu->irq_depth ? " (in an interrupt)" : "");
	print_stack("spinlock", c->held, &c->s);
	struct ld_thread *lt = t ? thread_slot(t) : NULL;
	if (lt) {
		panic_printf("lockdep: held by thread %u (%s): %u mutex(es)\n", t->tid, t->name,
			     lt->s.n + lt->s.overflow);
		print_stack("mutex", lt->held, &lt->s);
	}
}

static void report_begin(enum lockdep_kind k)
{
	metric_inc(&m_reports[k]);
	raw_lock(&report_lock);
}

static void report_end(void)
{
	print_held();
	panic_backtrace(arch_frame_pointer(), 0);
	raw_unlock(&report_lock);
}

static void who(u32 tid, u32 cpu, char *buf, size_t n)
{
	if (tid)
		snprintf(buf, n, "CPU %u, thread %u", cpu, tid);
	else
		snprintf(buf, n, "CPU %u, no thread or an interrupt", cpu);
}

static void report_inversion(const struct inversion *inv)
{
	char h[128], nx[128], a[96], b[96], w[48];
	fmt_class(inv->held, h, sizeof(h));
	fmt_class(inv->next, nx, sizeof(nx));
	report_begin(LOCKDEP_INVERSION);
	panic_printf("lockdep: possible deadlock: lock order inversion: %s then %s here, "
		     "but %s then %s earlier%s\n", h, nx, nx, h,
		     inv->n > 1 ? " (through other locks)" : "");
	fmt_ip(inv->held_ip, a, sizeof(a));
	fmt_ip(inv->next_ip, b, sizeof(b));
	struct thread *t = this_cpu()->irq_depth ? NULL : current_thread();
	who(t ? t->tid : 0, this_cpu()->id, w, sizeof(w));
	panic_printf("lockdep:   here (%s%s%s): %s taken at %s, then %s at %s\n", w, t ? " " : "",
		     t ? t->name : "", h, a, nx, b);
	for (u32 i = 0; i < inv->n; i++) {
		const struct ld_edge *e = &inv->path[i];
		fmt_class(e->from, h, sizeof(h));
		fmt_class(e->to, nx, sizeof(nx));
		fmt_ip(e->from_ip, a, sizeof(a));
		fmt_ip(e->to_ip, b, sizeof(b));
		who(e->tid, e->cpu, w, sizeof(w));
		panic_printf("lockdep:   earlier (%s): %s taken at %s, then %s at %s\n", w, h, a, nx, b);
	}
	if (inv->truncated)
		panic_printf("lockdep:   ... (longer path not shown)\n");
	report_end();
}

/* ---- held-lock stacks ---- */

static void push(struct ld_held *h, struct ld_stack *s, u32 cap, const struct lockdep_map *m, u16 cls,
		 u64 ip)
{
	if (s->n < cap)
		h[s->n++] = (struct ld_held){ .m = m, .cls = cls, .ip = ip };
	else
		s->overflow++;
}

/* Remove m (any position: unlocking out of order is allowed). False when
 * m is not recorded and nothing unrecorded is held either. */
static bool pop(struct ld_held *h, struct ld_stack *s, const struct lockdep_map *m)
{
	for (u32 i = s->n; i-- > 0;) {
		if (h[i].m == m) {
			for (u32 j = i; j + 1 < s->n; j++)
				h[j] = h[j + 1];
			s->n--;
			return true;
		}
	}
	if (s->overflow) {
		s->overflow--;
		return true;
	}
	return false;
}

static int find_held(const struct ld_held *h, const struct ld_stack *s, const struct lockdep_map *m)
{
	for (u32 i = 0; i < s->n; i++)
		if (h[i].m == m)
			return (int)i;
	return -1;
}

/* Thread t's mutex slot, or NULL (only t changes its slot). */
static struct ld_thread *thread_slot(struct thread *t)
{
	for (u32 i = 0; i < LD_THREADS; i++) {
		struct ld_thread *s = &ld_threads[i];
		if (__atomic_load_n(&s->t, __ATOMIC_ACQUIRE) == t && s->tid == t->tid)
			return s;
	}
	return NULL;
}

/* Claim a slot for the calling thread t, which has none. */
static struct ld_thread *slot_claim(struct thread *t)
{
	for (u32 i = 0; i < LD_THREADS; i++) {
		struct thread *none = NULL;
		struct ld_thread *s = &ld_threads[i];
		if (!__atomic_load_n(&s->t, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&s->t, &none, t, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			s->tid = t->tid;
			s->s = (struct ld_stack){ 0, 0 };
			__atomic_fetch_add(&slots_claimed, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&slot_gen, 1, __ATOMIC_RELEASE);
			return s;
		}
	}
	warn_once(2, "too many threads holding mutexes (" LOCKDEP_STR(LD_THREADS) ")");
	return NULL;
}

static void slot_release(struct ld_thread *s)
{
	__atomic_store_n(&s->t, NULL, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&slots_claimed, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&slot_gen, 1, __ATOMIC_RELEASE);
}

/* thread_slot(t) for the thread running on this CPU, through the
 * CPU's cache: the common case (no slot change anywhere since the last
 * lookup) costs a load and three compares instead of a scan. Only t claims
 * or releases its slot, and not while it is in here. Interrupts off. */
static struct ld_thread *own_slot(struct ld_cpu *c, struct thread *t)
{
	u32 g = __atomic_load_n(&slot_gen, __ATOMIC_ACQUIRE);
	if (c->cache_t == t && c->cache_gen == g && c->cache_tid == t->tid)
		return c->cache_slot;
	struct ld_thread *s = __atomic_load_n(&slots_claimed, __ATOMIC_RELAXED) ? thread_slot(t) : NULL;
	c->cache_t = t;
	c->cache_tid = t->tid;
	c->cache_gen = g;
	c->cache_slot = s;
	return s;
}

/* ---- checking an acquisition ---- */

static void check_order(const struct ld_held *h, u16 next, u64 next_ip)
{
	if (h->cls == LD_NONE || h->cls == next || edge_exists(h->cls, next))
		return;
	struct inversion inv;
	bool bad = false;
	raw_lock(&graph_lock);
	if (!graph_full && !edge_exists(h->cls, next)) {
		bad = reaches(next, h->cls, &inv);
		if (!add_edge(h->cls, next, h->ip, next_ip))
			graph_full = true;
	}
	raw_unlock(&graph_lock);
	if (graph_full)
		warn_once(4, "lock order table full (" LOCKDEP_STR(LD_MAX_EDGES) " orders)");
	if (bad) {
		inv.held = h->cls;
		inv.next = next;
		inv.held_ip = h->ip;
		inv.next_ip = next_ip;
		report_inversion(&inv);
	}
}

static void report_recursion(const struct lockdep_map *m, u16 cls, const struct ld_held *first, u64 ip)
{
	char l[128], a[96], b[96];
	fmt_lock(m, cls, l, sizeof(l));
	fmt_ip(first->ip, a, sizeof(a));
	fmt_ip(ip, b, sizeof(b));
	report_begin(LOCKDEP_RECURSION);
	panic_printf("lockdep: deadlock: %s taken again at %s by its holder (taken at %s)\n", l, b, a);
	report_end();
}

static void acquire(struct lockdep_map *m, u8 kind, bool trylock, u64 ip)
{
	irqflags_t f = arch_irq_save();
	struct cpu *cpu = this_cpu();
	struct ld_cpu *c = &ld_cpus[cpu->id];
	struct thread *t = cpu->irq_depth ? NULL : cpu->current;
	struct ld_thread *lt = NULL;
	if (kind == LD_MUTEX) {
		if (!t || c->busy) { /* before the scheduler: no thread to track */
			arch_irq_restore(f);
			return;
		}
		lt = own_slot(c, t);
		if (!lt)
			lt = slot_claim(t);
	}
	if (c->busy) { /* a lock the checker's own reporting takes */
		u16 cls = READ_ONCE(m->cls);
		push(c->held, &c->s, LD_HELD_SPIN, m, cls ? cls - 1 : LD_NONE, ip);
		arch_irq_restore(f);
		return;
	}
	c->busy = 1;
	u16 cls = find_class(m, kind, ip);
	int again = kind == LD_SPIN ? find_held(c->held, &c->s, m) : lt ? find_held(lt->held, &lt->s, m) : -1;
	if (again >= 0) {
		report_recursion(m, cls, kind == LD_SPIN ? &c->held[again] : &lt->held[again], ip);
	} else if (cls != LD_NONE && !trylock && !graph_full) {
		for (u32 i = 0; i < c->s.n; i++)
			check_order(&c->held[i], cls, ip);
		struct ld_thread *mt = lt ? lt : t ? own_slot(c, t) : NULL;
		for (u32 i = 0; mt && i < mt->s.n; i++)
			check_order(&mt->held[i], cls, ip);
	}
	if (kind == LD_SPIN)
		push(c->held, &c->s, LD_HELD_SPIN, m, cls, ip);
	else if (lt)
		push(lt->held, &lt->s, LD_HELD_MUTEX, m, cls, ip);
	c->busy = 0;
	arch_irq_restore(f);
}

__attribute__((noinline)) void lockdep_spin_acquire(struct lockdep_map *m)
{
	acquire(m, LD_SPIN, false, RET_IP);
}

void lockdep_mutex_acquire(struct lockdep_map *m, bool trylock, u64 ip)
{
	acquire(m, LD_MUTEX, trylock, ip);
}

__attribute__((noinline)) void lockdep_spin_release(struct lockdep_map *m)
{
	u64 ip = RET_IP;
	irqflags_t f = arch_irq_save();
	struct ld_cpu *c = this_ld();
	if (!pop(c->held, &c->s, m) && !c->busy) {
		char l[128], b[96];
		c->busy = 1;
		fmt_lock(m, m->cls ? m->cls - 1 : LD_NONE, l, sizeof(l));
		fmt_ip(ip, b, sizeof(b));
		report_begin(LOCKDEP_BAD_UNLOCK);
		panic_printf("lockdep: %s released at %s, but CPU %u does not hold it\n", l, b,
			     this_cpu()->id);
		report_end();
		c->busy = 0;
	}
	arch_irq_restore(f);
}

void lockdep_mutex_release(struct lockdep_map *m)
{
	struct thread *t = current_thread();
	if (!t)
		return;
	irqflags_t f = arch_irq_save();
	struct ld_thread *lt = own_slot(this_ld(), t);
	/* a mutex unlocked by a non-owner was refused and reported by mutex.c */
	if (lt && pop(lt->held, &lt->s, m) && !lt->s.n && !lt->s.overflow)
		slot_release(lt);
	arch_irq_restore(f);
}

void lockdep_init_map(struct lockdep_map *m, const char *name, const struct lock_class_key *key)
{
	m->name = name;
	m->key = key;
	m->cls = 0;
}

void lockdep_sleep_in_atomic(void)
{
	metric_inc(&m_reports[LOCKDEP_SLEEP_IN_ATOMIC]);
}

void lockdep_print_held_locks(void)
{
	irqflags_t f = arch_irq_save();
	struct ld_cpu *c = this_ld();
	u32 busy = c->busy;
	c->busy = 1;
	print_held();
	c->busy = busy;
	arch_irq_restore(f);
}

/* ---- queries (tests, shell) ---- */

u64 lockdep_reports(enum lockdep_kind k)
{
	return (unsigned)k < LOCKDEP_NR_KINDS ? (u64)READ_ONCE(m_reports[k].value) : 0;
}

bool lockdep_is_held(const struct lockdep_map *m)
{
	irqflags_t f = arch_irq_save();
	struct ld_cpu *c = this_ld();
	bool held = find_held(c->held, &c->s, m) >= 0;
	struct thread *t = current_thread();
	struct ld_thread *lt = t && !held ? thread_slot(t) : NULL;
	if (lt)
		held = find_held(lt->held, &lt->s, m) >= 0;
	arch_irq_restore(f);
	return held;
}

bool lockdep_order_seen(const struct lockdep_map *a, const struct lockdep_map *b)
{
	u16 ca = READ_ONCE(a->cls), cb = READ_ONCE(b->cls);
	return ca && cb && edge_exists(ca - 1, cb - 1);
}

void lockdep_forget(struct lockdep_map *m)
{
	u16 c = READ_ONCE(m->cls);
	if (!c)
		return;
	u16 x = c - 1;
	irqflags_t f = arch_irq_save();
	raw_lock(&graph_lock);
	for (u32 k = 0; k < nr_classes; k++) {
		u32 *pp = &classes[k].first_out;
		while (*pp) {
			u32 i = *pp - 1;
			if (edges[i].from == x || edges[i].to == x) {
				*pp = edges[i].next_out;
				edges[i] = (struct ld_edge){ .from = LD_NONE, .to = LD_NONE, .next_out = edge_free };
				edge_free = i + 1;
				classes[k].nr_out--;
				nr_edges--;
			} else {
				pp = &edges[i].next_out;
			}
		}
	}
	/* no deletion in open addressing: rebuild the set (lockless readers
	 * may miss an edge meanwhile and then look again under the lock) */
	for (u32 i = 0; i < LD_EDGE_HASH; i++)
		__atomic_store_n(&edge_hash[i], 0, __ATOMIC_RELAXED);
	for (u32 k = 0; k < nr_classes; k++)
		for (u32 e = classes[k].first_out; e; e = edges[e - 1].next_out)
			edge_hash_insert(EKEY(edges[e - 1].from, edges[e - 1].to));
	graph_full = false;
	raw_unlock(&graph_lock);
	arch_irq_restore(f);
}

void lockdep_init(void)
{
	for (int k = 0; k < LOCKDEP_NR_KINDS; k++) {
		snprintf(m_reports[k].labels, sizeof(m_reports[k].labels), "kind=\"%s\"", kind_labels[k]);
		metric_register(&fam_reports, &m_reports[k]);
	}
}

/* ---- shell: lockdep [classes] ---- */

static int cmd_lockdep(int argc, char **argv)
{
	bool list = argc == 2 && !strcmp(argv[1], "classes");
	if (argc > 2 || (argc == 2 && !list))
		return -EINVAL;
	u32 nc = READ_ONCE(nr_classes);
	shell_printf("lockdep: %u/%u lock classes, %u/%u lock orders recorded\n", nc, LD_MAX_CLASSES,
		     READ_ONCE(nr_edges), LD_MAX_EDGES);
	shell_printf("reports:");
	for (int k = 0; k < LOCKDEP_NR_KINDS; k++)
		shell_printf(" %s %llu", kind_labels[k], (unsigned long long)lockdep_reports(k));
	shell_printf("\n");
	if (!list)
		return 0;
	/* without graph_lock (printing takes locks): orders may be added
	 * meanwhile, which only makes the listing slightly stale */
	for (u32 c = 0; c < nc; c++) {
		char name[128];
		fmt_class((u16)c, name, sizeof(name));
		shell_printf("%4u %s\n", c, name);
		u32 guard = 0;
		for (u32 e = READ_ONCE(classes[c].first_out); e && guard++ < LD_MAX_EDGES;
		     e = READ_ONCE(edges[e - 1].next_out)) {
			u16 to = READ_ONCE(edges[e - 1].to);
			if (to >= nc)
				break;
			fmt_class(to, name, sizeof(name));
			shell_printf("       -> %s\n", name);
		}
	}
	return 0;
}
SHELL_CMD(lockdep, "lockdep", "lockdep [classes]",
	  "lock checker: classes, lock orders and reports; `classes` lists each class and what it is taken before",
	  cmd_lockdep);

#endif /* CONFIG_LOCKDEP */
