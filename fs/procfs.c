/* procfs.c — /proc: live kernel state in the text formats Linux uses
 * (proc(5)), the ones busybox's tools parse:
 *   uptime     "UP IDLE\n", seconds with two decimals; IDLE sums every CPU
 *   meminfo    "Key:   N kB" lines from mm_stats and tmpfs
 *   cpuinfo    a block per online CPU (processor, vendor_id, cpu family,
 *              model, model name, stepping, cpu MHz from the calibrated
 *              TSC, flags, ...)
 *   loadavg    "L1 L5 L15 RUNNING/THREADS LASTPID\n" (kernel/sched/loadavg.c;
 *              LASTPID is the highest live pid, Linux shows the newest one)
 *   stat       cpu lines from each run queue's time by mode in USER_HZ (100)
 *              ticks, ctxt, btime, processes, procs_running, procs_blocked
 *   mounts     "SOURCE TARGET FSTYPE rw 0 0" per mount
 *   self       symlink to the calling process's pid
 *   PID/{stat,status,cmdline,comm}  from the process code (proc.h)
 *   PID/mounts  as mounts (one namespace; /etc/mtab points here for df)
 *   PID/fd/N    symlinks to the open files' paths (pipe:[ino] for pipes),
 *               for the calling process only (its fd table is the one the
 *               VFS can reach); other processes' fd directories are empty
 *   PID/task/TID/{stat,status,cmdline,comm}  one directory per live thread
 *               (proc_tids), ascending; the files in the per-thread formats
 *               of proc_pid_task(5) (proc.h: tid > 0); a tid that is not a
 *               live thread of PID is ENOENT (busybox ps -T, top -H)
 *   TID         for a thread that does not lead its process: the same
 *               directory as PID/task/TID (same inode numbers), found by
 *               lookup but not listed, as Linux (busybox ps -T reads
 *               /proc/TID/cmdline)
 * A file's text is generated when it is read at offset 0 and kept with the
 * open file for the reads that continue it (a consistent snapshot per
 * pass, fresh on every rewind, like Linux's seq_file single_open).
 *
 * Inodes are made on lookup and freed with their last reference (nothing
 * is cached); their numbers are derived from (pid or tid, entry) so they
 * are stable (pnode_ino). Readdir cookies: the entry index + 2 in fixed
 * directories, pid + PID_COOKIE_BASE in /proc, tid + 2 in PID/task, fd + 2
 * in PID/fd. Locking: lookup/readdir run under vfs_ns_lock and call into
 * the process code (proc_pids, proc_tids, proc_read_comm): lock order
 * vfs_ns_lock -> process locks. Text generation runs without VFS locks. */
#include "internal.h"
#include <rayos/arch.h>
#include <rayos/loadavg.h>
#include <rayos/mm.h>
#include <rayos/percpu.h>
#include <rayos/printf.h>
#include <rayos/proc.h>
#include <rayos/sched.h>
#include <rayos/string.h>
#include <rayos/thread.h>
#include <rayos/time.h>

enum pkind {
	P_ROOT, P_UPTIME, P_MEMINFO, P_CPUINFO, P_LOADAVG, P_STAT, P_MOUNTS, P_SELF,
	P_VERSION, P_FILESYSTEMS,
	P_PIDDIR, P_PID_STAT, P_PID_STATUS, P_PID_CMDLINE, P_PID_COMM, P_PID_MOUNTS, P_PID_FDDIR, P_PID_FD,
	P_PID_TASKDIR, P_TIDDIR, P_TID_STAT, P_TID_STATUS, P_TID_CMDLINE, P_TID_COMM, P_NR
};

struct pent {
	const char *name;
	enum pkind kind;
	u32 mode;
};

static const struct pent root_ents[] = {
	{ "cpuinfo", P_CPUINFO, S_IFREG | 0444 },
	{ "filesystems", P_FILESYSTEMS, S_IFREG | 0444 },
	{ "loadavg", P_LOADAVG, S_IFREG | 0444 },
	{ "meminfo", P_MEMINFO, S_IFREG | 0444 },
	{ "mounts", P_MOUNTS, S_IFREG | 0444 },
	{ "self", P_SELF, S_IFLNK | 0777 },
	{ "stat", P_STAT, S_IFREG | 0444 },
	{ "uptime", P_UPTIME, S_IFREG | 0444 },
	{ "version", P_VERSION, S_IFREG | 0444 },
};

static const struct pent pid_ents[] = {
	{ "cmdline", P_PID_CMDLINE, S_IFREG | 0444 },
	{ "comm", P_PID_COMM, S_IFREG | 0444 },
	{ "fd", P_PID_FDDIR, S_IFDIR | 0500 },
	{ "mounts", P_PID_MOUNTS, S_IFREG | 0444 },
	{ "stat", P_PID_STAT, S_IFREG | 0444 },
	{ "status", P_PID_STATUS, S_IFREG | 0444 },
	{ "task", P_PID_TASKDIR, S_IFDIR | 0555 },
};

static const struct pent tid_ents[] = {
	{ "cmdline", P_TID_CMDLINE, S_IFREG | 0444 },
	{ "comm", P_TID_COMM, S_IFREG | 0444 },
	{ "stat", P_TID_STAT, S_IFREG | 0444 },
	{ "status", P_TID_STATUS, S_IFREG | 0444 },
};

#define PID_COOKIE_BASE 0x1000u /* readdir cookies of pid dirs: base + pid */
#define MAX_PIDS 8192           /* listed in /proc (more than RLIMIT_NPROC allows) */
#define MAX_TIDS MAX_PIDS       /* listed in /proc/PID/task */

struct pnode {
	enum pkind kind;
	int pid;
	int tid;  /* P_TIDDIR and its files */
	int fd;   /* P_PID_FD */
};

static struct super proc_sb = { .fstype = "proc", .dev = 0 };
static struct inode *proc_root_ino;
static const struct inode_ops proc_dir_iops, proc_file_iops, proc_link_iops, proc_fdlink_iops;
static const struct file_ops proc_file_fops;

/* Inode numbers, stable and unique: an fd link is (pid << 20) + fd +
 * 2^40; a thread's directory and files are (tid << 8) + kind + 1, every
 * other entry (pid << 8) + kind + 1 (pid 0 for the top level). pids are
 * tids (of the first thread) and a tid belongs to one process, so the two
 * share one number space without clashing: the per-thread kinds differ
 * from the per-process ones, and below 2^40 pids and tids stay under 2^32. */
static u64 pnode_ino(enum pkind kind, int pid, int tid, int fd)
{
	if (kind == P_PID_FD)
		return ((u64)pid << 20) + (u64)fd + (1ULL << 40);
	if (kind >= P_TIDDIR)
		return ((u64)tid << 8) + (u64)kind + 1;
	return ((u64)pid << 8) + (u64)kind + 1;
}

static struct inode *pnode_new_in(struct inode *parent, enum pkind kind, int pid, int tid,
				  int fd, u32 mode)
{
	const struct inode_ops *iop = S_ISDIR(mode) ? &proc_dir_iops :
				      kind == P_PID_FD ? &proc_fdlink_iops :
				      S_ISLNK(mode) ? &proc_link_iops : &proc_file_iops;
	struct inode *i = inode_new(&proc_sb, mode, iop, S_ISREG(mode) ? &proc_file_fops : NULL);
	if (!i)
		return NULL;
	struct pnode *pn = kmalloc(sizeof(*pn), GFP_KERNEL);
	if (!pn) {
		kfree(i);
		return NULL;
	}
	pn->kind = kind;
	pn->pid = pid;
	pn->tid = tid;
	pn->fd = fd;
	i->priv = pn;
	i->ino = pnode_ino(kind, pid, tid, fd);
	if (S_ISDIR(mode))
		i->nlink = 2;
	if (parent) {
		inode_get(parent);
		i->parent = parent;
	}
	return i;
}

static struct inode *pnode_new(enum pkind kind, int pid, u32 mode)
{
	return pnode_new_in(kind == P_ROOT ? NULL : proc_root_ino, kind, pid, 0, 0, mode);
}

static void proc_evict(struct inode *i)
{
	kfree(i->priv);
	i->priv = NULL;
}

static bool pid_alive(int pid)
{
	char b[32];
	return proc_read_comm(pid, 0, b, sizeof(b)) >= 0;
}

static bool tid_alive(int pid, int tid)
{
	char b[32];
	return proc_read_comm(pid, tid, b, sizeof(b)) >= 0;
}

/* The named entries of a directory of kind k. */
static const struct pent *dir_ents(enum pkind k, size_t *n)
{
	switch (k) {
	case P_ROOT: *n = ARRAY_SIZE(root_ents); return root_ents;
	case P_PIDDIR: *n = ARRAY_SIZE(pid_ents); return pid_ents;
	case P_TIDDIR: *n = ARRAY_SIZE(tid_ents); return tid_ents;
	default: *n = 0; return NULL;
	}
}

static int parse_pid(const char *name, size_t len)
{
	if (!len || len > 9)
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return (len > 1 && name[0] == '0') ? -1 : v;
}

/* /proc/PID/fd is readable by the process itself only (its fd table is
 * the only one the VFS can reach: current_files()). */
static struct file *self_fd(int pid, int fd)
{
	return pid == proc_pid() && pid > 0 ? fget(current_files(), fd) : NULL;
}

static int proc_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct pnode *pn = dir->priv;
	if (pn->kind == P_PID_FDDIR) {
		int fd = parse_pid(name, len);
		struct file *f = fd >= 0 ? self_fd(pn->pid, fd) : NULL;
		if (!f)
			return -ENOENT;
		file_put(f);
		*out = pnode_new_in(dir, P_PID_FD, pn->pid, 0, fd, S_IFLNK | 0700);
		return *out ? 0 : -ENOMEM;
	}
	if (pn->kind == P_PID_TASKDIR) {
		int tid = parse_pid(name, len);
		if (tid <= 0 || !tid_alive(pn->pid, tid))
			return -ENOENT;
		*out = pnode_new_in(dir, P_TIDDIR, pn->pid, tid, 0, S_IFDIR | 0555);
		return *out ? 0 : -ENOMEM;
	}
	size_t n;
	const struct pent *ents = dir_ents(pn->kind, &n);
	for (size_t i = 0; i < n; i++) {
		if (strlen(ents[i].name) == len && !memcmp(ents[i].name, name, len)) {
			*out = pnode_new_in(dir, ents[i].kind, pn->pid, pn->tid, 0, ents[i].mode);
			return *out ? 0 : -ENOMEM;
		}
	}
	if (pn->kind == P_ROOT) {
		int pid = parse_pid(name, len);
		if (pid > 0 && pid_alive(pid)) {
			*out = pnode_new(P_PIDDIR, pid, S_IFDIR | 0555);
			return *out ? 0 : -ENOMEM;
		}
		/* a thread that does not lead its process: /proc/TID is its
		 * PID/task/TID (not listed, as Linux) */
		int tgid = pid > 0 ? proc_tgid(pid) : -ENOENT;
		if (tgid > 0) {
			*out = pnode_new_in(dir, P_TIDDIR, tgid, pid, 0, S_IFDIR | 0555);
			return *out ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static int proc_readdir(struct inode *dir, u64 *pos, filldir_t fill, void *ctx)
{
	struct pnode *pn = dir->priv;
	if (pn->kind == P_PID_FDDIR) {
		for (int fd = *pos < 2 ? 0 : (int)(*pos - 2); fd < NOFILE_MAX; fd++) {
			*pos = (u64)fd + 2;
			struct file *f = self_fd(pn->pid, fd);
			if (!f)
				continue;
			file_put(f);
			char nm[16];
			int l = snprintf(nm, sizeof(nm), "%d", fd);
			if (fill(ctx, nm, (size_t)l, pnode_ino(P_PID_FD, pn->pid, 0, fd), DT_LNK))
				return 0;
		}
		*pos = NOFILE_MAX + 2;
		return 0;
	}
	if (pn->kind == P_PID_TASKDIR) {
		/* cookie: tid + 2 (0 and 1 are "." and "..") */
		int *tids = kmalloc(MAX_TIDS * sizeof(int), GFP_KERNEL);
		if (!tids)
			return -ENOMEM;
		int nt = proc_tids(pn->pid, tids, MAX_TIDS); /* ascending, or gone */
		for (int i = 0; i < nt; i++) {
			if ((u64)tids[i] + 2 < *pos)
				continue;
			*pos = (u64)tids[i] + 2;
			char nm[16];
			int l = snprintf(nm, sizeof(nm), "%d", tids[i]);
			if (fill(ctx, nm, (size_t)l, pnode_ino(P_TIDDIR, pn->pid, tids[i], 0), DT_DIR)) {
				kfree(tids);
				return 0;
			}
		}
		if (nt > 0 && (u64)tids[nt - 1] + 3 > *pos)
			*pos = (u64)tids[nt - 1] + 3;
		kfree(tids);
		return 0;
	}
	size_t n;
	const struct pent *ents = dir_ents(pn->kind, &n);
	for (size_t i = *pos < 2 ? 0 : (size_t)(*pos - 2); i < n; i++) {
		*pos = i + 2;
		u32 m = ents[i].mode;
		u64 ino = pnode_ino(ents[i].kind, pn->pid, pn->tid, 0);
		if (fill(ctx, ents[i].name, strlen(ents[i].name), ino, inode_dtype(m)))
			return 0;
	}
	if (pn->kind != P_ROOT) {
		*pos = n + 2;
		return 0;
	}
	if (*pos < PID_COOKIE_BASE)
		*pos = PID_COOKIE_BASE;
	int *pids = kmalloc(MAX_PIDS * sizeof(int), GFP_KERNEL);
	if (!pids)
		return -ENOMEM;
	int np = proc_pids(pids, MAX_PIDS);
	for (int i = 0; i < np; i++) {
		if ((u64)pids[i] + PID_COOKIE_BASE < *pos)
			continue;
		*pos = (u64)pids[i] + PID_COOKIE_BASE;
		char nm[16];
		int l = snprintf(nm, sizeof(nm), "%d", pids[i]);
		if (fill(ctx, nm, (size_t)l, pnode_ino(P_PIDDIR, pids[i], 0, 0), DT_DIR)) {
			kfree(pids);
			return 0;
		}
	}
	if (np > 0 && (u64)pids[np - 1] + PID_COOKIE_BASE + 1 > *pos)
		*pos = (u64)pids[np - 1] + PID_COOKIE_BASE + 1;
	kfree(pids);
	return 0;
}

static int proc_name_of(struct inode *dir, struct inode *child, char *buf, size_t size)
{
	(void)dir;
	struct pnode *pn = child->priv;
	if (pn->kind == P_PIDDIR)
		return snprintf(buf, size, "%d", pn->pid);
	if (pn->kind == P_PID_FD)
		return snprintf(buf, size, "%d", pn->fd);
	if (pn->kind == P_TIDDIR)
		return snprintf(buf, size, "%d", pn->tid);
	static const enum pkind dirs[] = { P_ROOT, P_PIDDIR, P_TIDDIR };
	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		size_t n;
		const struct pent *ents = dir_ents(dirs[d], &n);
		for (size_t i = 0; i < n; i++)
			if (ents[i].kind == pn->kind)
				return snprintf(buf, size, "%s", ents[i].name);
	}
	return -ENOENT;
}

/* /proc/PID/fd/N leads to the open file itself (a pipe, a deleted file):
 * Linux's magic links. Other procfs links resolve by name. */
static int proc_follow_path(struct inode *i, struct path *out)
{
	struct pnode *pn = i->priv;
	if (pn->kind != P_PID_FD)
		return -EINVAL;
	struct file *f = self_fd(pn->pid, pn->fd);
	if (!f)
		return -ENOENT;
	*out = f->path;
	path_get(out);
	file_put(f);
	return 0;
}

static int proc_get_link(struct inode *i, char *buf, size_t size)
{
	struct pnode *pn = i->priv;
	if (pn->kind == P_PID_FD) {
		/* the open file's path, or pipe:[ino] as Linux shows it */
		struct file *f = self_fd(pn->pid, pn->fd);
		if (!f)
			return -ENOENT;
		/* the whole name, then as much as fits: readlink(2) truncates
		 * (vfs_path_name refuses a short buffer, snprintf would put
		 * its NUL in the last byte) */
		char *full = kmalloc(PATH_MAX, GFP_KERNEL);
		int n = -ENOMEM;
		if (full && S_ISFIFO(f->path.ino->mode))
			n = snprintf(full, PATH_MAX, "pipe:[%llu]", (unsigned long long)f->path.ino->ino);
		else if (full)
			n = vfs_path_name(current_fs(), &f->path, full, PATH_MAX);
		file_put(f);
		if (n >= 0) {
			n = MIN(n, (int)size);
			memcpy(buf, full, (size_t)n);
		}
		kfree(full);
		return n;
	}
	int pid = proc_pid();
	if (pid <= 0)
		return -ENOENT;
	char num[16];
	int n = MIN(snprintf(num, sizeof(num), "%d", pid), (int)size);
	memcpy(buf, num, (size_t)n);
	return n;
}

/* ---- text generators ---- */

struct gen {
	char *buf;
	size_t size, len;
};

static void __printf(2, 3) gp(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (g->len < g->size) {
		int n = vsnprintf(g->buf + g->len, g->size - g->len, fmt, ap);
		g->len = MIN(g->size, g->len + (size_t)n);
	}
	va_end(ap);
}

#define USER_HZ 100
static u64 ns_to_ticks(u64 ns) { return ns / (NSEC_PER_SEC / USER_HZ); }

static u64 idle_ns_total(void)
{
	u64 t = 0;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (cpus[c].online && cpu_rq(c))
			t += READ_ONCE(cpu_rq(c)->time_idle);
	return t;
}

static void gen_uptime(struct gen *g)
{
	u64 up = clock_monotonic_ns(), idle = idle_ns_total();
	gp(g, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(up / NSEC_PER_SEC),
	   (unsigned long long)(up % NSEC_PER_SEC / (NSEC_PER_SEC / 100)),
	   (unsigned long long)(idle / NSEC_PER_SEC),
	   (unsigned long long)(idle % NSEC_PER_SEC / (NSEC_PER_SEC / 100)));
}

static void gen_meminfo(struct gen *g)
{
	struct mem_stats ms;
	mm_stats(&ms);
	u64 shmem = tmpfs_pages() * 4;
	u64 free = ms.free_bytes >> 10;
	gp(g, "MemTotal:       %8llu kB\n", (unsigned long long)(ms.total_bytes >> 10));
	gp(g, "MemFree:        %8llu kB\n", (unsigned long long)free);
	gp(g, "MemAvailable:   %8llu kB\n", (unsigned long long)free);
	gp(g, "Buffers:        %8llu kB\n", 0ULL);
	gp(g, "Cached:         %8llu kB\n", (unsigned long long)shmem);
	gp(g, "SwapCached:     %8llu kB\n", 0ULL);
	gp(g, "SwapTotal:      %8llu kB\n", 0ULL);
	gp(g, "SwapFree:       %8llu kB\n", 0ULL);
	gp(g, "Shmem:          %8llu kB\n", (unsigned long long)shmem);
}

static void gen_cpuinfo(struct gen *g)
{
	struct arch_cpu_desc d;
	arch_cpu_describe(&d);
	u64 hz = clock_cycle_rate();
	for (u32 c = 0; c < MAX_CPUS; c++) {
		if (!cpus[c].online)
			continue;
		gp(g, "processor\t: %u\n", cpus[c].id);
		gp(g, "vendor_id\t: %s\n", d.vendor);
		gp(g, "cpu family\t: %u\n", d.family);
		gp(g, "model\t\t: %u\n", d.model);
		gp(g, "model name\t: %s\n", d.brand[0] ? d.brand : "unknown");
		gp(g, "stepping\t: %u\n", d.stepping);
		gp(g, "cpu MHz\t\t: %llu.%03llu\n", (unsigned long long)(hz / 1000000),
		   (unsigned long long)(hz % 1000000 / 1000));
		gp(g, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n",
		   nr_cpus_online, cpus[c].id, nr_cpus_online);
		gp(g, "apicid\t\t: %u\n", cpus[c].apic_id);
		gp(g, "fpu\t\t: yes\n");
		gp(g, "flags\t\t: fpu tsc%s%s%s%s%s\n", d.nx ? " nx" : "",
		   d.tsc_invariant ? " constant_tsc nonstop_tsc" : "",
		   d.x2apic ? " x2apic" : "", d.tsc_deadline ? " tsc_deadline_timer" : "",
		   d.hypervisor ? " hypervisor" : "");
		gp(g, "clflush size\t: 64\naddress sizes\t: 48 bits virtual\n\n");
	}
}

struct thr_count {
	u32 total, running, max_tid;
};

static void count_thread(struct thread *t, void *ctx)
{
	struct thr_count *c = ctx;
	c->total++;
	if (t->state == THREAD_RUNNABLE)
		c->running++;
	if (t->tid > c->max_tid)
		c->max_tid = t->tid;
}

static int last_pid(void)
{
	int *pids = kmalloc(MAX_PIDS * sizeof(int), GFP_KERNEL);
	int n = pids ? proc_pids(pids, MAX_PIDS) : 0;
	int last = n > 0 ? pids[n - 1] : 0;
	kfree(pids);
	return last;
}

static void gen_loadavg(struct gen *g)
{
	u64 a[3];
	loadavg_get(a);
	struct thr_count tc = { 0 };
	thread_for_each(count_thread, &tc);
	u64 nr = 0;
	for (u32 c = 0; c < MAX_CPUS; c++)
		if (cpus[c].online && cpu_rq(c))
			nr += READ_ONCE(cpu_rq(c)->nr_running);
	for (int i = 0; i < 3; i++) {
		u64 v = a[i] + LOAD_FIXED_1 / 200; /* round to 2 decimals */
		gp(g, "%llu.%02llu ", (unsigned long long)(v >> LOAD_FSHIFT),
		   (unsigned long long)(((v & (LOAD_FIXED_1 - 1)) * 100) >> LOAD_FSHIFT));
	}
	gp(g, "%llu/%u %d\n", (unsigned long long)nr, tc.total, last_pid());
}

static void gen_stat(struct gen *g)
{
	u64 tu = 0, tk = 0, ti = 0, tidle = 0, ctxt = 0;
	for (u32 c = 0; c < MAX_CPUS; c++) {
		if (!cpus[c].online || !cpu_rq(c))
			continue;
		struct rq *rq = cpu_rq(c);
		tu += READ_ONCE(rq->time_user);
		tk += READ_ONCE(rq->time_kernel);
		ti += READ_ONCE(rq->time_irq);
		tidle += READ_ONCE(rq->time_idle);
		ctxt += READ_ONCE(rq->nr_switches);
	}
	gp(g, "cpu  %llu 0 %llu %llu 0 %llu 0 0 0 0\n", (unsigned long long)ns_to_ticks(tu),
	   (unsigned long long)ns_to_ticks(tk), (unsigned long long)ns_to_ticks(tidle),
	   (unsigned long long)ns_to_ticks(ti));
	for (u32 c = 0; c < MAX_CPUS; c++) {
		if (!cpus[c].online || !cpu_rq(c))
			continue;
		struct rq *rq = cpu_rq(c);
		gp(g, "cpu%u %llu 0 %llu %llu 0 %llu 0 0 0 0\n", c,
		   (unsigned long long)ns_to_ticks(READ_ONCE(rq->time_user)),
		   (unsigned long long)ns_to_ticks(READ_ONCE(rq->time_kernel)),
		   (unsigned long long)ns_to_ticks(READ_ONCE(rq->time_idle)),
		   (unsigned long long)ns_to_ticks(READ_ONCE(rq->time_irq)));
	}
	struct thr_count tc = { 0 };
	thread_for_each(count_thread, &tc);
	s64 wall = clock_wall_seconds();
	s64 btime = wall < 0 ? 0 : wall - (s64)(clock_monotonic_ns() / NSEC_PER_SEC);
	gp(g, "ctxt %llu\n", (unsigned long long)ctxt);
	gp(g, "btime %lld\n", (long long)btime);
	/* thread ids are handed out in sequence from 1: the highest live one
	 * is the number created so far unless the newest ones have exited */
	gp(g, "processes %u\n", tc.max_tid);
	gp(g, "procs_running %u\n", tc.running);
	gp(g, "procs_blocked 0\n");
}

static void gen_mounts(struct gen *g)
{
	for (int i = 0; i < vfs_mount_count(); i++) {
		struct mount *m = vfs_mount_at_index(i);
		gp(g, "%s %s %s rw 0 0\n", m->source, m->where, m->sb->fstype);
	}
}

static int gen_file(enum pkind kind, int pid, int tid, struct gen *g)
{
	int r;
	switch (kind) {
	case P_UPTIME: gen_uptime(g); return 0;
	case P_MEMINFO: gen_meminfo(g); return 0;
	case P_CPUINFO: gen_cpuinfo(g); return 0;
	case P_LOADAVG: gen_loadavg(g); return 0;
	case P_STAT: gen_stat(g); return 0;
	case P_MOUNTS:
	case P_PID_MOUNTS: gen_mounts(g); return 0; /* one mount namespace */
	case P_VERSION: gp(g, "RayOS version 0.1 (x86_64)\n"); return 0;
	case P_FILESYSTEMS: gp(g, "nodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\n"); return 0;
	case P_PID_STAT: r = proc_read_stat(pid, 0, g->buf, g->size); break;
	case P_PID_STATUS: r = proc_read_status(pid, 0, g->buf, g->size); break;
	case P_PID_CMDLINE: r = proc_read_cmdline(pid, 0, g->buf, g->size); break;
	case P_PID_COMM: r = proc_read_comm(pid, 0, g->buf, g->size); break;
	case P_TID_STAT: r = proc_read_stat(pid, tid, g->buf, g->size); break;
	case P_TID_STATUS: r = proc_read_status(pid, tid, g->buf, g->size); break;
	case P_TID_CMDLINE: r = proc_read_cmdline(pid, tid, g->buf, g->size); break;
	case P_TID_COMM: r = proc_read_comm(pid, tid, g->buf, g->size); break;
	default: return -EINVAL;
	}
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	g->len = MIN((size_t)r, g->size);
	return 0;
}

#define PROC_BUF 65536

struct proc_open {
	char *buf;
	size_t len;
};

static int proc_open_f(struct inode *ino, struct file *f)
{
	(void)ino;
	f->priv = kzalloc(sizeof(struct proc_open), GFP_KERNEL);
	return f->priv ? 0 : -ENOMEM;
}

static void proc_release(struct file *f)
{
	struct proc_open *po = f->priv;
	if (po) {
		kfree(po->buf);
		kfree(po);
	}
}

static long proc_read(struct file *f, struct iov_iter *it, u64 *pos)
{
	struct proc_open *po = f->priv;
	struct pnode *pn = f->path.ino->priv;
	if (*pos == 0 || !po->buf) {
		if (!po->buf) {
			po->buf = kmalloc(PROC_BUF, GFP_KERNEL);
			if (!po->buf)
				return -ENOMEM;
		}
		struct gen g = { po->buf, PROC_BUF, 0 };
		int r = gen_file(pn->kind, pn->pid, pn->tid, &g);
		if (r)
			return r;
		po->len = g.len;
	}
	return read_from_buffer(it, pos, po->buf, po->len);
}

static const struct inode_ops proc_dir_iops = {
	.lookup = proc_lookup,
	.readdir = proc_readdir,
	.name_of = proc_name_of,
	.evict = proc_evict,
};
static const struct inode_ops proc_file_iops = { .evict = proc_evict };
static const struct inode_ops proc_link_iops = { .get_link = proc_get_link, .evict = proc_evict };
static const struct inode_ops proc_fdlink_iops = {
	.get_link = proc_get_link,
	.follow_path = proc_follow_path,
	.evict = proc_evict,
};
static const struct file_ops proc_file_fops = {
	.open = proc_open_f,
	.read = proc_read,
	.release = proc_release,
};

struct super *procfs_create(struct inode **root)
{
	proc_sb.dev = vfs_anon_dev();
	struct inode *r = pnode_new(P_ROOT, 0, S_IFDIR | 0555);
	if (!r)
		return NULL;
	proc_root_ino = r;
	inode_get(r); /* proc_root_ino keeps one for the pid dirs' parent */
	*root = r;
	return &proc_sb;
}
