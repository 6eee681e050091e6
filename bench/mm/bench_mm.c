/* bench_mm.c — microbenchmark of the RayOS heap and page allocator against
 * glibc malloc, jemalloc and mimalloc (a benchmark, not a test).
 *
 * The same scenarios are compiled once per allocator into separate
 * programs (bench.mk), so the three malloc libraries never share a
 * process: -DALLOC_RAYOS links the kernel's mm/slab.c, mm/page_alloc.c,
 * mm/buddy.c (built with -O2, unchanged) through rayos_host.c; otherwise
 * plain malloc/free/aligned_alloc from whichever library the program is
 * linked with (none = glibc, -ljemalloc, -lmimalloc), which is checked at
 * start-up (dladdr of the malloc the dynamic linker resolved).
 *
 * Scenarios (time per alloc+free pair unless noted; each run's figure is
 * total time / operations, and the reported value is the median of RUNS
 * runs, with min and max):
 *   cache64   a 64-byte object: alloc + free in a loop (RayOS: a
 *             kmem_cache; the others: malloc(64))
 *   kmalloc64 the same through kmalloc/kfree (others: malloc(64))
 *   kmalloc1k the same with 1 KiB
 *   batch1000 1000 allocations of 64 B, then 1000 frees (magazine and
 *             depot exchanges, slab layer)
 *   mix       random sizes 8 B .. 8 KiB (log-uniform; above 4 KiB RayOS
 *             takes pages), 4096 slots, each
 *             operation frees a random occupied slot or fills an empty one
 *   remote    one thread allocates 64 B objects and passes them through a
 *             single-producer/single-consumer ring to a second thread that
 *             frees them (a remote free); time per object
 *   page0     one page: RayOS alloc_pages(0)/free_pages; the others
 *             aligned_alloc(4096, 4096)/free
 *   pagemix   orders 0..4 at random, 512 slots, as in `mix`; the others
 *             aligned_alloc(4096, 4096 << order)
 * Output: lines "RESULT scenario allocator median min max pairs" (ns; pairs
 * per run, for instruction counts per pair under callgrind), read by
 * bench/mm/run.sh, which interleaves the allocators over several rounds. Every object is written to, so no allocation can be
 * optimised away. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifdef ALLOC_RAYOS
#include <rayos/mm.h>
#include "rayos_host.h"
#define ALLOC_NAME "rayos"
#elif !defined(ALLOC_NAME)
#error "define ALLOC_RAYOS or ALLOC_NAME (glibc, jemalloc, mimalloc)"
#endif

#define PAGE 4096UL

static int runs = 7;
static double scale = 1.0; /* BENCH_MM_SCALE: fewer/more operations */

/* ---- the allocator under test ---- */

#ifdef ALLOC_RAYOS
static struct kmem_cache *cache64;
static inline void *obj_alloc(void) { return kmem_cache_alloc(cache64, GFP_KERNEL); }
static inline void obj_free(void *p) { kmem_cache_free(cache64, p); }
static inline void *heap_alloc(size_t n) { return kmalloc(n, GFP_KERNEL); }
static inline void heap_free(void *p) { kfree(p); }
static inline void *pages_alloc(unsigned order) { return alloc_pages(GFP_KERNEL, order); }
static inline void pages_free(void *p, unsigned order) { free_pages(p, order); }
static inline void *pages_mem(void *p) { return page_address(p); }
#else
static inline void *obj_alloc(void) { return malloc(64); }
static inline void obj_free(void *p) { free(p); }
static inline void *heap_alloc(size_t n) { return malloc(n); }
static inline void heap_free(void *p) { free(p); }
static inline void *pages_alloc(unsigned order) { return aligned_alloc(PAGE, PAGE << order); }
static inline void pages_free(void *p, unsigned order) { (void)order; free(p); }
static inline void *pages_mem(void *p) { return p; }
#endif

static void die(const char *what)
{
	fprintf(stderr, "bench-mm (%s): %s\n", ALLOC_NAME, what);
	exit(1);
}

/* ---- timing ---- */

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ULL;
static inline uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static inline void touch(void *p) { *(volatile char *)p = 1; }

static long ops(long n) { return (long)(n * scale) > 1000 ? (long)(n * scale) : 1000; }

static double last_pairs; /* alloc+free pairs the last run made */

/* ---- scenarios: each returns ns per pair for one run ---- */

static double run_cache64(void)
{
	long n = ops(5000000);
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		void *p = obj_alloc();
		touch(p);
		obj_free(p);
	}
	last_pairs = n;
	return (now_ns() - t) / n;
}

static double run_fixed(size_t size)
{
	long n = ops(5000000);
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		void *p = heap_alloc(size);
		touch(p);
		heap_free(p);
	}
	last_pairs = n;
	return (now_ns() - t) / n;
}

static double run_kmalloc64(void) { return run_fixed(64); }
static double run_kmalloc1k(void) { return run_fixed(1024); }

static double run_batch1000(void)
{
	static void *v[1000];
	long rounds = ops(5000);
	double t = now_ns();
	for (long r = 0; r < rounds; r++) {
		for (int i = 0; i < 1000; i++) {
			v[i] = heap_alloc(64);
			touch(v[i]);
		}
		for (int i = 0; i < 1000; i++)
			heap_free(v[i]);
	}
	last_pairs = rounds * 1000.0;
	return (now_ns() - t) / (rounds * 1000.0);
}

#define MIX_SLOTS 4096
static double run_mix(void)
{
	static void *slot[MIX_SLOTS];
	long n = ops(4000000);
	long allocs = 0;
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		uint64_t r = rnd();
		unsigned k = (unsigned)(r % MIX_SLOTS);
		if (slot[k]) {
			heap_free(slot[k]);
			slot[k] = NULL;
		} else {
			unsigned bits = 3 + (unsigned)((r >> 16) % 10); /* 8 .. 8191 */
			size_t size = ((size_t)1 << bits) + ((r >> 24) & (((size_t)1 << bits) - 1));
			slot[k] = heap_alloc(size);
			touch(slot[k]);
			allocs++;
		}
	}
	double el = now_ns() - t;
	for (int k = 0; k < MIX_SLOTS; k++)
		if (slot[k]) {
			heap_free(slot[k]);
			slot[k] = NULL;
		}
	last_pairs = n / 2.0;
	return el / (n / 2.0); /* two operations make a pair */
}

#define PAGE_SLOTS 512
static double run_pagemix(void)
{
	static void *slot[PAGE_SLOTS];
	static unsigned char ord[PAGE_SLOTS];
	long n = ops(1000000);
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		uint64_t r = rnd();
		unsigned k = (unsigned)(r % PAGE_SLOTS);
		if (slot[k]) {
			pages_free(slot[k], ord[k]);
			slot[k] = NULL;
		} else {
			ord[k] = (unsigned char)((r >> 20) % 5);
			slot[k] = pages_alloc(ord[k]);
			if (!slot[k])
				die("page allocation failed");
			touch(pages_mem(slot[k]));
		}
	}
	double el = now_ns() - t;
	for (int k = 0; k < PAGE_SLOTS; k++)
		if (slot[k]) {
			pages_free(slot[k], ord[k]);
			slot[k] = NULL;
		}
	last_pairs = n / 2.0;
	return el / (n / 2.0);
}

static double run_page0(void)
{
	long n = ops(3000000);
	double t = now_ns();
	for (long i = 0; i < n; i++) {
		void *p = pages_alloc(0);
		touch(pages_mem(p));
		pages_free(p, 0);
	}
	last_pairs = n;
	return (now_ns() - t) / n;
}

/* remote free: a single-producer single-consumer ring between two threads */
#define RING 1024
static struct {
	_Alignas(64) size_t head;
	_Alignas(64) size_t tail;
	_Alignas(64) void *slot[RING];
	long n;
	pthread_barrier_t go;
} ring;

/* waiting for the other thread: spin a little, then let it run (the
 * benchmark machines have more threads than CPUs) */
static inline void relax(int spin)
{
	if (spin % 64 == 63)
		sched_yield();
	else
		__asm__ volatile("pause");
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *producer(void *arg)
{
	(void)arg;
#ifdef ALLOC_RAYOS
	bench_cpu_enter(1);
#endif
	pin(0);
	pthread_barrier_wait(&ring.go);
	for (long i = 0; i < ring.n; i++) {
		void *p = heap_alloc(64);
		touch(p);
		size_t h = ring.head;
		for (int spin = 0; h - __atomic_load_n(&ring.tail, __ATOMIC_ACQUIRE) == RING; spin++)
			relax(spin);
		ring.slot[h % RING] = p;
		__atomic_store_n(&ring.head, h + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
#ifdef ALLOC_RAYOS
	bench_cpu_enter(2);
#endif
	pin(1);
	pthread_barrier_wait(&ring.go);
	for (long i = 0; i < ring.n; i++) {
		size_t t = ring.tail;
		for (int spin = 0; __atomic_load_n(&ring.head, __ATOMIC_ACQUIRE) == t; spin++)
			relax(spin);
		void *p = ring.slot[t % RING];
		__atomic_store_n(&ring.tail, t + 1, __ATOMIC_RELEASE);
		heap_free(p);
	}
	return NULL;
}

static double run_remote(void)
{
	pthread_t a, b;
	ring.head = ring.tail = 0;
	ring.n = ops(500000);
	pthread_barrier_init(&ring.go, NULL, 3);
	if (pthread_create(&a, NULL, producer, NULL) || pthread_create(&b, NULL, consumer, NULL))
		die("pthread_create");
	pthread_barrier_wait(&ring.go);
	double t = now_ns();
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	double el = now_ns() - t;
	pthread_barrier_destroy(&ring.go);
	last_pairs = ring.n;
	return el / ring.n;
}

static const struct scenario {
	const char *name;
	double (*fn)(void);
} scenarios[] = {
	{ "cache64", run_cache64 },   { "kmalloc64", run_kmalloc64 }, { "kmalloc1k", run_kmalloc1k },
	{ "batch1000", run_batch1000 }, { "mix", run_mix },         { "remote", run_remote },
	{ "page0", run_page0 },       { "pagemix", run_pagemix },
};

/* ---- set-up ---- */

#ifdef ALLOC_RAYOS
#define ARENA_PAGES (256UL * 256) /* 256 MiB */
static void setup(void)
{
	size_t align = PAGE << MAX_ORDER, bytes = ARENA_PAGES * PAGE;
	char *raw = mmap(NULL, bytes + align, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct page *map = calloc(ARENA_PAGES, sizeof(struct page));
	if (raw == MAP_FAILED || !map)
		die("no memory for the arena");
	char *arena = (char *)(((uintptr_t)raw + align - 1) & ~(align - 1));
	bench_cpu_enter(0);
	if (bench_rayos_init(arena, ARENA_PAGES, map))
		die("zone set-up failed");
	cache64 = kmem_cache_create("bench-64", 64, 0, NULL);
	if (!cache64)
		die("kmem_cache_create failed");
	fprintf(stderr, "bench-mm: rayos heap on a %lu MiB arena (slab debugging off)\n",
		ARENA_PAGES * PAGE >> 20);
}
#else
static void setup(void)
{
	/* make sure the malloc in use is the library this program is for */
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info di;
	if (!m || !dladdr(m, &di) || !di.dli_fname)
		die("cannot locate malloc");
	const char *want = !strcmp(ALLOC_NAME, "glibc") ? "libc.so" : ALLOC_NAME;
	if (!strstr(di.dli_fname, want)) {
		fprintf(stderr, "bench-mm: malloc comes from %s, not %s\n", di.dli_fname, ALLOC_NAME);
		exit(1);
	}
	fprintf(stderr, "bench-mm: malloc from %s\n", di.dli_fname);
}
#endif

int main(int argc, char **argv)
{
	const char *e = getenv("BENCH_MM_RUNS");
	if (e && atoi(e) > 0)
		runs = atoi(e);
	e = getenv("BENCH_MM_SCALE");
	if (e && atof(e) > 0)
		scale = atof(e);
	setup();
	pin(0);
	double v[64];
	if (runs > 64)
		runs = 64;
	for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
		if (argc > 1) { /* only the scenarios named on the command line */
			int want = 0;
			for (int a = 1; a < argc; a++)
				want |= !strcmp(argv[a], scenarios[s].name);
			if (!want)
				continue;
		}
		scenarios[s].fn(); /* warm-up */
		for (int r = 0; r < runs; r++)
			v[r] = scenarios[s].fn();
		qsort(v, (size_t)runs, sizeof(v[0]), cmp_double);
		printf("RESULT %s %s %.2f %.2f %.2f %.0f\n", scenarios[s].name, ALLOC_NAME, v[runs / 2], v[0],
		       v[runs - 1], last_pairs);
		fflush(stdout);
	}
#ifdef ALLOC_RAYOS
	char why[200];
	if (slab_verify_all(why, sizeof(why))) {
		fprintf(stderr, "bench-mm: slab verification failed after the runs: %s\n", why);
		return 1;
	}
#endif
	return 0;
}
