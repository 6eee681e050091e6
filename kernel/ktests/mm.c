/* ktests/mm.c — in-kernel tests of the page allocator and kernel virtual
 * memory (suite mm): stress across orders, fragmentation then recovery,
 * out-of-memory behaviour, bad-free detection, W^X, read-only kernel text,
 * non-executable data, vmalloc guard pages, vfree's TLB shootdown reaching
 * every CPU while the freeing thread migrates. Every test checks the zones'
 * invariants and that free memory is back where it was when it ends. */
#include <rayos/ktest.h>
#include <rayos/metrics.h>
#include <rayos/mm.h>
#include <rayos/vm.h>
#include <rayos/string.h>
#include <rayos/printf.h>
#include <rayos/thread.h>
#include <rayos/time.h>
#include <rayos/arch.h>

static u64 free_now(void)
{
	struct mem_stats s;
	for (int n = 0; n < nr_nodes; n++)
		for (u32 c = 0; c < MAX_CPUS; c++)
			if (cpus[c].online)
				zone_drain_pcp(zones[n], c);
	mm_stats(&s);
	return s.free_bytes;
}

static bool zones_ok(struct ktest_ctx *t)
{
	char why[160];
	for (int n = 0; n < nr_nodes; n++) {
		if (zone_check(zones[n], why, sizeof(why))) {
			ktest_fail(t, __FILE__, __LINE__, "node %d: %s", n, why);
			return false;
		}
	}
	return true;
}

static u64 rng_state = 0x2545F4914F6CDD1DULL;
static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- vfree's TLB shootdown against a migrating caller ----
 * (First in the file: tests run in reverse order, so this runs last and the
 * thread caches it fills do not disturb the free-page counts of the others.)
 * vfree unmaps and flushes the local TLB, then asks every other CPU to
 * flush. If the caller migrates in between (it is preemptible), the CPU it
 * lands on is taken for "this CPU" and skipped although it never flushed:
 * it keeps the old translation, and when the address is handed out again
 * (first fit: at once) that CPU reads the old page through it. A new
 * thread's stack read that way starts the thread on zeros (RIP 0).
 *
 * One reader per CPU, pinned, caches the translation of a page, the freer
 * frees it and maps a new page at the same address, and every reader must
 * see the new contents; a shaker keeps moving the freer between CPUs
 * (thread_set_affinity), so it migrates at arbitrary points of vfree. */

#define SHOOT_READERS 8

struct shoot {
	u64 *volatile ptr;  /* published page, mapped while readers may read */
	u64 expect;
	u32 round;          /* __atomic: a new ptr/expect to read */
	u32 acks;           /* __atomic: readers done with this round */
	bool stop;
	u32 stale;          /* reads of an old page (__atomic) */
	u64 stale_seen;
	struct thread *freer;
};

static int shoot_reader(void *arg)
{
	struct shoot *s = arg;
	u32 last = 0;
	u64 end = clock_monotonic_ns() + 20 * NSEC_PER_SEC;
	while (!READ_ONCE(s->stop) && clock_monotonic_ns() < end) {
		u32 r = __atomic_load_n(&s->round, __ATOMIC_ACQUIRE);
		if (r == last) {
			thread_sleep_ns(20 * NSEC_PER_USEC);
			continue;
		}
		u64 v = READ_ONCE(*s->ptr); /* mapped until every reader acks */
		if (v != s->expect) {
			__atomic_fetch_add(&s->stale, 1, __ATOMIC_RELAXED);
			s->stale_seen = v;
		}
		last = r;
		__atomic_fetch_add(&s->acks, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static int shoot_shaker(void *arg)
{
	struct shoot *s = arg;
	u32 n = nr_cpus_online;
	u64 end = clock_monotonic_ns() + 20 * NSEC_PER_SEC;
	for (u32 i = 0; !READ_ONCE(s->stop) && clock_monotonic_ns() < end; i++) {
		thread_set_affinity(s->freer, (1ULL << (rnd() % n)) | (i % 4 ? 0 : CPUMASK_ALL));
		thread_sleep_ns((5 + rnd() % 40) * NSEC_PER_USEC); /* no CPU kept from the others */
	}
	return 0;
}

/* Publish p (contents v) and wait until every reader has read it. */
static bool shoot_publish(struct shoot *s, u64 *p, u64 v, u32 nreaders)
{
	s->ptr = p;
	s->expect = v;
	__atomic_store_n(&s->acks, 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->round, 1, __ATOMIC_RELEASE);
	u64 end = clock_monotonic_ns() + 2 * NSEC_PER_SEC;
	while (__atomic_load_n(&s->acks, __ATOMIC_ACQUIRE) < nreaders) {
		if (clock_monotonic_ns() > end)
			return false;
		thread_yield(); /* a reader may wait for this CPU */
	}
	return true;
}

struct shoot_result {
	struct shoot *s;
	u32 nreaders, rounds, reused;
	bool timed_out;
};

static int shoot_freer(void *arg)
{
	struct shoot_result *res = arg;
	struct shoot *s = res->s;
	u64 end = clock_monotonic_ns() + 3 * NSEC_PER_SEC;
	while (res->rounds < 4000 && clock_monotonic_ns() < end) {
		u64 *p = vmalloc(PAGE_SIZE);
		if (!p)
			break;
		u64 tag = 0x5ca1ab1e00000000ULL | res->rounds;
		*p = tag;
		bool ok = shoot_publish(s, p, tag, res->nreaders); /* readers cache p's page */
		vfree(p);
		u64 *q = ok ? vmalloc(PAGE_SIZE) : NULL;
		if (q) {
			*q = ~tag;
			res->reused += q == p;
			ok = shoot_publish(s, q, ~tag, res->nreaders); /* same address, new page */
			vfree(q);
		}
		if (!ok) {
			res->timed_out = true;
			break;
		}
		res->rounds++;
	}
	WRITE_ONCE(s->stop, true);
	return 0;
}

KTEST(mm, vfree_flushes_every_cpu_while_caller_migrates)
{
	static struct shoot s;
	static struct shoot_result res;
	memset(&s, 0, sizeof(s));
	memset(&res, 0, sizeof(res));
	u32 n = nr_cpus_online;
	if (n < 2)
		KT_SKIP("one CPU: nothing to shoot down");
	if (n > SHOOT_READERS)
		n = SHOOT_READERS;
	struct thread *readers[SHOOT_READERS] = { 0 };
	res.s = &s;
	for (u32 c = 0; c < n; c++)
		if ((readers[c] = kthread_create_on(shoot_reader, &s, "shoot-read", 1ULL << c)))
			res.nreaders++;
	struct thread *freer = res.nreaders == n ? kthread_create(shoot_freer, &res, "shoot-free") : NULL;
	s.freer = freer;
	struct thread *shaker = freer ? kthread_create(shoot_shaker, &s, "shoot-shake") : NULL;
	if (!freer)
		WRITE_ONCE(s.stop, true);
	if (freer)
		KT_EXPECT_EQ(thread_join(freer, NULL), 0);
	WRITE_ONCE(s.stop, true);
	if (shaker)
		KT_EXPECT_EQ(thread_join(shaker, NULL), 0);
	for (u32 c = 0; c < n; c++)
		if (readers[c])
			thread_join(readers[c], NULL);
	KT_ASSERT(res.nreaders == n && freer != NULL && shaker != NULL);
	KT_EXPECT(!res.timed_out);
	KT_EXPECT(res.rounds >= 5);   /* it did run (a loaded host may stall it) */
	KT_EXPECT(res.reused > 0);    /* the address came back: the case tested */
	t->checks++;
	if (s.stale)
		ktest_fail(t, __FILE__, __LINE__, "%u reads through a stale TLB entry after vfree (read %#llx)",
			   s.stale, (unsigned long long)s.stale_seen);
	kprintf("        # shootdown: %u rounds, %u with the address reused, %u stale reads\n", res.rounds,
		res.reused, s.stale);
}

/* Two CPUs map pages into the same fresh 2 MiB regions at the same moment:
 * both find the region's page table missing. Without kpt_lock both
 * installed one and the mapping made through the losing table vanished. */
#define PT_RACE_REGIONS 32
struct pt_race {
	u64 base, pa;
	u32 ready[PT_RACE_REGIONS];
	int err[2];
	bool timed_out;
};

static int pt_race_worker(void *arg)
{
	struct pt_race *s = (struct pt_race *)((uintptr_t)arg & ~1UL);
	int me = (int)((uintptr_t)arg & 1);
	for (int r = 0; r < PT_RACE_REGIONS; r++) {
		__atomic_add_fetch(&s->ready[r], 1, __ATOMIC_ACQ_REL);
		u64 end = clock_monotonic_ns() + NSEC_PER_SEC;
		while (__atomic_load_n(&s->ready[r], __ATOMIC_ACQUIRE) < 2) {
			if (clock_monotonic_ns() > end) {
				WRITE_ONCE(s->timed_out, true);
				break;
			}
			arch_cpu_relax();
		}
		int e = arch_vm_map(s->base + (u64)r * (2ULL << 20) + (u64)me * PAGE_SIZE, s->pa, PAGE_SIZE,
				    VM_READ | VM_WRITE);
		if (e && !s->err[me])
			s->err[me] = e;
	}
	return 0;
}

KTEST(mm, kernel_page_tables_built_by_two_cpus_at_once)
{
	static struct pt_race s;
	if (nr_cpus_online < 2)
		KT_SKIP("needs two CPUs");
	memset(&s, 0, sizeof(s));
	u64 lo, hi;
	arch_vmalloc_range(&lo, &hi);
	/* the top of the vmalloc range: first-fit never gets there, so the
	 * regions' page tables do not exist yet (on a first run) */
	s.base = hi - (u64)(PT_RACE_REGIONS + 1) * (2ULL << 20);
	s.base &= ~((2ULL << 20) - 1);
	struct page *pg = alloc_page(GFP_KERNEL | GFP_ZERO);
	KT_ASSERT(pg != NULL);
	s.pa = page_to_pfn(pg) << PAGE_SHIFT;
	struct thread *w[2];
	for (int i = 0; i < 2; i++) {
		w[i] = kthread_create_on(pt_race_worker, (void *)((uintptr_t)&s | (uintptr_t)i), "pt-race",
					 1ULL << i);
		KT_ASSERT(w[i] != NULL);
	}
	for (int i = 0; i < 2; i++)
		thread_join(w[i], NULL);
	KT_EXPECT(!s.timed_out);
	KT_EXPECT_EQ(s.err[0], 0);
	KT_EXPECT_EQ(s.err[1], 0);
	u32 lost = 0;
	for (int r = 0; r < PT_RACE_REGIONS; r++)
		for (int i = 0; i < 2; i++) {
			u64 va = s.base + (u64)r * (2ULL << 20) + (u64)i * PAGE_SIZE, pa = 0;
			if (arch_vm_query(va, &pa, NULL, NULL) || pa != s.pa)
				lost++;
			arch_vm_unmap(va, PAGE_SIZE);
		}
	t->checks++;
	if (lost)
		ktest_fail(t, __FILE__, __LINE__, "%u of %u mappings lost", lost, 2 * PT_RACE_REGIONS);
	free_pages(pg, 0);
}

#define NLIVE 256

KTEST(mm, pages_stress_all_orders)
{
	static struct { struct page *p; unsigned order; u8 tag; } live[NLIVE];
	u64 before = free_now();
	int n = 0;
	rng_state = 12345;
	for (int i = 0; i < 4000; i++) {
		if (n < NLIVE && (n == 0 || rnd() % 100 < 55)) {
			unsigned order = rnd() % 100 < 70 ? 0 : rnd() % (MAX_ORDER + 1);
			struct page *p = alloc_pages(GFP_KERNEL | GFP_NOWARN, order);
			if (!p)
				continue;
			live[n].p = p;
			live[n].order = order;
			live[n].tag = (u8)(rnd() | 1);
			memset(page_address(p), live[n].tag, PAGE_SIZE << order);
			n++;
		} else {
			int k = (int)(rnd() % (u64)n);
			u8 *m = page_address(live[k].p);
			for (u64 off = 0; off < (PAGE_SIZE << live[k].order); off += 1024)
				if (m[off] != live[k].tag) {
					KT_EXPECT(m[off] == live[k].tag);
					break;
				}
			free_pages(live[k].p, live[k].order);
			live[k] = live[--n];
		}
	}
	KT_EXPECT(zones_ok(t));
	while (n--)
		free_pages(live[n].p, live[n].order);
	KT_EXPECT(zones_ok(t));
	KT_EXPECT_EQ(free_now(), before);
}

KTEST(mm, fragmentation_then_recovery)
{
	enum { N = 2048 };
	static struct page *pg[N];
	u64 before = free_now();
	struct zone *z = zones[0];
	int n = 0;
	for (; n < N; n++)
		if (!(pg[n] = alloc_pages_node(0, GFP_KERNEL | GFP_NOWARN | GFP_THISNODE, 0)))
			break;
	KT_ASSERT(n > 64);
	/* free every other page: memory is free but scattered in order-0 holes */
	for (int i = 0; i < n; i += 2)
		free_pages(pg[i], 0);
	zone_drain_pcp(z, this_cpu()->id);
	u64 holes = z->nr_free[0];
	KT_EXPECT(holes >= (u64)n / 2 - 1);
	KT_EXPECT(zones_ok(t));
	for (int i = 1; i < n; i += 2)
		free_pages(pg[i], 0);
	zone_drain_pcp(z, this_cpu()->id);
	/* every hole merged back: the order-0 list shrank to what it was */
	KT_EXPECT(z->nr_free[0] < holes / 4);
	KT_EXPECT_EQ(zone_frag_index(z, 3), -1000);
	KT_EXPECT(zones_ok(t));
	KT_EXPECT_EQ(free_now(), before);
}

KTEST(mm, out_of_memory_is_survivable)
{
	enum { N = 4096 };
	static struct page *blk[N];
	struct metric_family *fam = metrics_find("rayos_alloc_failures_total");
	KT_ASSERT(fam != NULL);
	struct metric *fail = NULL;
	for (struct metric *m = fam->members; m; m = m->next)
		if (!strcmp(m->labels, "allocator=\"page\""))
			fail = m;
	KT_ASSERT(fail != NULL);
	s64 fails_before = metric_value(fail);
	u64 before = free_now();
	int n = 0;
	/* take all memory in 4 MiB blocks, then in pages */
	while (n < N && (blk[n] = alloc_pages(GFP_KERNEL | GFP_NOWARN, MAX_ORDER)))
		n++;
	int big = n;
	while (n < N && (blk[n] = alloc_pages(GFP_KERNEL | GFP_NOWARN, 0)))
		n++;
	KT_EXPECT(n < N);                      /* it did run out */
	KT_EXPECT(metric_value(fail) > fails_before); /* and counted it */
	/* atomic allocations still find the reserve below the min watermark */
	struct page *a = alloc_pages(GFP_ATOMIC | GFP_NOWARN, 0);
	KT_EXPECT(a != NULL);
	if (a)
		free_pages(a, 0);
	for (int i = 0; i < n; i++)
		free_pages(blk[i], i < big ? MAX_ORDER : 0);
	KT_EXPECT(zones_ok(t));
	KT_EXPECT_EQ(free_now(), before);
	/* and ordinary allocation works again */
	struct page *p = alloc_pages(GFP_KERNEL, 3);
	KT_EXPECT(p != NULL);
	if (p)
		free_pages(p, 3);
}

KTEST(mm, bad_frees_detected)
{
	struct zone *z = zones[0];
	u64 bad = z->bad_free;
	struct page *p = alloc_pages_node(0, GFP_KERNEL | GFP_THISNODE, 1);
	KT_ASSERT(p != NULL);
	KT_EXPECT_EQ(zone_free(z, p, 0), -EINVAL);     /* wrong order */
	KT_EXPECT_EQ(zone_free(z, p + 1, 0), -EINVAL); /* not an allocation start */
	KT_EXPECT_EQ(zone_free(z, p, 1), 0);
	KT_EXPECT_EQ(zone_free(z, p, 1), -EINVAL);     /* double free */
	KT_EXPECT_EQ(z->bad_free, bad + 3);
	KT_EXPECT(zones_ok(t));
}

KTEST(mm, wx_refused)
{
	void *v = vmalloc(PAGE_SIZE);
	KT_ASSERT(v != NULL);
	u64 pa;
	unsigned prot;
	KT_ASSERT(arch_vm_query((u64)v, &pa, &prot, NULL) == 0);
	KT_EXPECT(prot & VM_WRITE);
	KT_EXPECT(!(prot & VM_EXEC));
	KT_EXPECT_EQ(arch_vm_protect((u64)v, PAGE_SIZE, VM_READ | VM_WRITE | VM_EXEC), -EINVAL);
	u64 lo, hi;
	arch_vmalloc_range(&lo, &hi);
	KT_EXPECT_EQ(arch_vm_map(hi - 16 * PAGE_SIZE, pa, PAGE_SIZE, VM_WRITE | VM_EXEC), -EINVAL);
	vfree(v);
}

extern char __text_start[], __rodata_start[];

KTEST(mm, kernel_text_and_rodata_read_only)
{
	u8 b;
	KT_EXPECT_EQ(probe_read_u8(__text_start, &b), 0);
	KT_EXPECT_EQ(probe_write_u8(__text_start, b), -EFAULT);
	KT_EXPECT_EQ(probe_read_u8(__rodata_start, &b), 0);
	KT_EXPECT_EQ(probe_write_u8(__rodata_start, b), -EFAULT);
	unsigned prot;
	KT_ASSERT(arch_vm_query((u64)__text_start, NULL, &prot, NULL) == 0);
	KT_EXPECT_EQ(prot, VM_READ | VM_EXEC);
	KT_ASSERT(arch_vm_query((u64)__rodata_start, NULL, &prot, NULL) == 0);
	KT_EXPECT_EQ(prot, VM_READ);
}

KTEST(mm, data_not_executable)
{
	u8 *v = vmalloc(PAGE_SIZE);
	KT_ASSERT(v != NULL);
	v[0] = 0x31; /* xor %eax, %eax */
	v[1] = 0xc0;
	v[2] = 0xc3; /* ret */
	KT_EXPECT_EQ(probe_exec(v), -EFAULT);
	vfree(v);
}

KTEST(mm, vmalloc_guard_pages)
{
	u64 before = free_now();
	(void)before;
	u8 *v = vmalloc(3 * PAGE_SIZE);
	KT_ASSERT(v != NULL);
	u8 b;
	v[0] = 1;
	v[3 * PAGE_SIZE - 1] = 2;
	KT_EXPECT_EQ(probe_read_u8(v, &b), 0);
	KT_EXPECT_EQ(b, 1);
	KT_EXPECT_EQ(probe_read_u8(v - 1, &b), -EFAULT);
	KT_EXPECT_EQ(probe_read_u8(v + 3 * PAGE_SIZE, &b), -EFAULT);
	char why[160];
	const char *w = vm_explain_fault((u64)(v - 8), why, sizeof(why));
	KT_EXPECT(w && strstr(w, "guard page below"));
	w = vm_explain_fault((u64)(v + 3 * PAGE_SIZE), why, sizeof(why));
	KT_EXPECT(w && strstr(w, "guard page above"));
	u64 after_alloc = free_now();
	KT_EXPECT(after_alloc <= before - 3 * PAGE_SIZE);
	vfree(v);
	KT_EXPECT_EQ(probe_read_u8(v, &b), -EFAULT); /* unmapped after vfree */
	/* page tables for the vmalloc range may stay; the pages themselves return */
	KT_EXPECT(free_now() >= after_alloc + 3 * PAGE_SIZE);
}

KTEST(mm, direct_map_uses_2mib_pages)
{
	struct page *p = alloc_page(GFP_KERNEL);
	KT_ASSERT(p != NULL);
	u64 pa, size;
	unsigned prot;
	KT_ASSERT(arch_vm_query((u64)page_address(p), &pa, &prot, &size) == 0);
	KT_EXPECT_EQ(pa, page_to_pfn(p) << PAGE_SHIFT);
	KT_EXPECT_EQ(size, 2ULL << 20);
	KT_EXPECT_EQ(prot, VM_READ | VM_WRITE);
	free_pages(p, 0);
}

KTEST(mm, totals_match_memory_map)
{
	struct mem_stats s;
	mm_stats(&s);
	u64 managed = 0;
	for (int n = 0; n < nr_nodes; n++)
		managed += zones[n]->managed_pages * PAGE_SIZE;
	KT_EXPECT(s.free_bytes <= managed);
	KT_EXPECT(managed <= s.total_bytes);
	/* all but the kernel image, first MiB and boot allocations is managed */
	KT_EXPECT(s.total_bytes - managed < s.total_bytes / 16 + (4u << 20));
}

