/* ktests/vfs.c — in-kernel tests of the VFS (suite vfs) on the booted
 * kernel: a cpio archive built in memory is unpacked into the root;
 * files are created, written, read, renamed and unlinked through the
 * kernel interface; /proc files parse and move (uptime grows, MemTotal is
 * mm_stats' total, one cpuinfo block per online CPU); /dev/zero, /dev/null,
 * /dev/full and /dev/urandom behave; a pipe carries 192 KiB between two
 * kernel threads in odd-sized pieces intact, gives EOF after the writer
 * closes and EPIPE after the reader does; the console line discipline
 * edits a canonical line (erase, kill) and ends a read at ^D.
 * Every wait is bounded (the pipe threads are joined; nothing else
 * blocks). */
#include <rayos/ktest.h>
#include <rayos/mm.h>
#include <rayos/percpu.h>
#include <rayos/printf.h>
#include <rayos/string.h>
#include <rayos/thread.h>
#include <rayos/time.h>
#include "../../fs/internal.h"

static long read_all(const char *path, char *buf, size_t size)
{
	struct file *f;
	int r = vfs_kopen(path, O_RDONLY, 0, &f);
	if (r)
		return r;
	long n = 0, k;
	while ((size_t)n < size - 1 && (k = kernel_read(f, buf + n, size - 1 - (size_t)n, (u64)n)) > 0)
		n += k;
	buf[n] = 0;
	file_put(f);
	return n;
}

static size_t cpio_add(char *buf, size_t len, const char *name, u32 mode, const char *data)
{
	size_t nl = strlen(name) + 1, dl = strlen(data);
	len += (size_t)snprintf(buf + len, 111, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
				1u, mode, 0u, 0u, 1u, 0u, (u32)dl, 0u, 0u, 0u, 0u, (u32)nl, 0u);
	memcpy(buf + len, name, nl);
	len += nl;
	while (len % 4)
		buf[len++] = 0;
	memcpy(buf + len, data, dl);
	len += dl;
	while (len % 4)
		buf[len++] = 0;
	return len;
}

KTEST(vfs, cpio_unpack)
{
	char *a = kzalloc(2048, GFP_KERNEL);
	KT_ASSERT(a);
	size_t n = 0;
	n = cpio_add(a, n, "kt", S_IFDIR | 0755, "");
	n = cpio_add(a, n, "kt/file", S_IFREG | 0644, "cpio in the kernel\n");
	n = cpio_add(a, n, "kt/sym", S_IFLNK | 0777, "file");
	n = cpio_add(a, n, "TRAILER!!!", 0, "");
	char why[96];
	KT_EXPECT_EQ(vfs_unpack_cpio(a, n, why, sizeof(why)), 0);
	char buf[64];
	KT_EXPECT_EQ(read_all("/kt/sym", buf, sizeof(buf)), 19);
	KT_EXPECT_STR(buf, "cpio in the kernel\n");
	/* a corrupted copy is refused with a reason */
	a[2] = 'x';
	KT_EXPECT_EQ(vfs_unpack_cpio(a, n, why, sizeof(why)), -EINVAL);
	KT_EXPECT(strstr(why, "magic") != NULL);
	kfree(a);
	KT_EXPECT_EQ(vfs_kunlink("/kt/sym"), 0);
	KT_EXPECT_EQ(vfs_kunlink("/kt/file"), 0);
	KT_EXPECT_EQ(vfs_krmdir("/kt"), 0);
}

KTEST(vfs, create_rename_unlink)
{
	struct file *f;
	KT_ASSERT(vfs_kopen("/tmp/kt_a", O_RDWR | O_CREAT | O_TRUNC, 0600, &f) == 0);
	static char big[9000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 251);
	KT_EXPECT_EQ(kernel_write(f, big, sizeof(big), 0), (long)sizeof(big));
	file_put(f);
	KT_EXPECT_EQ(vfs_krename("/tmp/kt_a", "/tmp/kt_b"), 0);
	struct vfs_stat st;
	KT_EXPECT_EQ(vfs_kstat("/tmp/kt_a", false, &st), -ENOENT);
	KT_EXPECT_EQ(vfs_kstat("/tmp/kt_b", false, &st), 0);
	KT_EXPECT_EQ(st.size, sizeof(big));
	KT_EXPECT_EQ(st.mode, S_IFREG | 0600);
	static char back[9000];
	KT_ASSERT(vfs_kopen("/tmp/kt_b", O_RDONLY, 0, &f) == 0);
	KT_EXPECT_EQ(kernel_read(f, back, sizeof(back), 0), (long)sizeof(back));
	KT_EXPECT(!memcmp(big, back, sizeof(big)));
	KT_EXPECT_EQ(vfs_kunlink("/tmp/kt_b"), 0);
	/* still readable through the open file */
	KT_EXPECT_EQ(kernel_read(f, back, 10, 8990), 10);
	file_put(f);
	KT_EXPECT_EQ(vfs_kstat("/tmp/kt_b", false, &st), -ENOENT);
	KT_EXPECT_EQ(vfs_kmkdir("/tmp/kt_d", 0755), 0);
	KT_EXPECT_EQ(vfs_krename("/tmp/kt_d", "/proc/x"), -EXDEV);
	KT_EXPECT_EQ(vfs_krmdir("/tmp/kt_d"), 0);
	KT_EXPECT_EQ(vfs_krmdir("/dev"), -EBUSY);
}

/* 40 symlinks, each through a directory link in the middle of the next
 * one's target: the deepest resolution the kernel stack must hold */
KTEST(vfs, symlink_depth)
{
	char name[32], target[48];
	KT_ASSERT(vfs_kmkdir("/tmp/ln", 0755) == 0);
	KT_ASSERT(vfs_ksymlink("/tmp/ln", "/tmp/ln/d0") == 0);
	for (int i = 1; i < 40; i++) {
		snprintf(name, sizeof(name), "/tmp/ln/d%d", i);
		snprintf(target, sizeof(target), "/tmp/ln/d%d/.", i - 1);
		KT_ASSERT(vfs_ksymlink(target, name) == 0);
	}
	struct vfs_stat st;
	KT_EXPECT_EQ(vfs_kstat("/tmp/ln/d39", true, &st), 0);
	KT_EXPECT(S_ISDIR(st.mode));
	KT_EXPECT_EQ(vfs_ksymlink("/tmp/ln/d39/.", "/tmp/ln/d40"), 0);
	KT_EXPECT_EQ(vfs_kstat("/tmp/ln/d40", true, &st), -ELOOP);
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof(name), "/tmp/ln/d%d", i);
		KT_EXPECT_EQ(vfs_kunlink(name), 0);
	}
	KT_EXPECT_EQ(vfs_krmdir("/tmp/ln"), 0);
}

static u64 parse_dec(const char **p)
{
	u64 v = 0;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (u64)(*(*p)++ - '0');
	return v;
}

/* uptime "S.CC I.CC\n" in hundredths */
static bool parse_uptime(const char *s, u64 *up, u64 *idle)
{
	const char *p = s;
	u64 a = parse_dec(&p);
	if (*p++ != '.')
		return false;
	u64 b = parse_dec(&p);
	if (*p++ != ' ')
		return false;
	u64 c = parse_dec(&p);
	if (*p++ != '.')
		return false;
	u64 d = parse_dec(&p);
	*up = a * 100 + b;
	*idle = c * 100 + d;
	return *p == '\n' && p[1] == 0;
}

KTEST(vfs, proc_files)
{
	static char buf[16384];
	u64 up1, up2, idle;
	KT_ASSERT(read_all("/proc/uptime", buf, sizeof(buf)) > 0);
	KT_EXPECT(parse_uptime(buf, &up1, &idle));
	u64 t0 = clock_monotonic_ns();
	while (clock_monotonic_ns() - t0 < 30 * NSEC_PER_MSEC)
		thread_sleep_ns(5 * NSEC_PER_MSEC);
	KT_ASSERT(read_all("/proc/uptime", buf, sizeof(buf)) > 0);
	KT_EXPECT(parse_uptime(buf, &up2, &idle));
	KT_EXPECT(up2 >= up1 + 3);
	KT_EXPECT(up2 <= clock_monotonic_ns() / (NSEC_PER_SEC / 100));
	/* meminfo: MemTotal is mm_stats' total */
	KT_ASSERT(read_all("/proc/meminfo", buf, sizeof(buf)) > 0);
	struct mem_stats ms;
	mm_stats(&ms);
	const char *p = strstr(buf, "MemTotal:");
	KT_ASSERT(p);
	p += 9;
	while (*p == ' ')
		p++;
	KT_EXPECT_EQ(parse_dec(&p), ms.total_bytes >> 10);
	KT_EXPECT(strstr(buf, "MemFree:") && strstr(buf, "MemAvailable:") && strstr(buf, "Cached:"));
	/* cpuinfo: one block per online CPU */
	KT_ASSERT(read_all("/proc/cpuinfo", buf, sizeof(buf)) > 0);
	u32 blocks = 0;
	for (const char *q = buf; (q = strstr(q, "processor\t: ")); q++)
		blocks++;
	KT_EXPECT_EQ(blocks, nr_cpus_online);
	KT_EXPECT(strstr(buf, "cpu MHz\t\t: ") != NULL);
	/* stat: the aggregate line and one per CPU, btime */
	KT_ASSERT(read_all("/proc/stat", buf, sizeof(buf)) > 0);
	KT_EXPECT(!strncmp(buf, "cpu  ", 5));
	KT_EXPECT(strstr(buf, "\ncpu0 ") != NULL);
	KT_EXPECT(strstr(buf, "\nbtime ") != NULL);
	/* loadavg: "a.bb c.dd e.ff R/T P" */
	KT_ASSERT(read_all("/proc/loadavg", buf, sizeof(buf)) > 0);
	p = buf;
	for (int i = 0; i < 3; i++) {
		parse_dec(&p);
		KT_EXPECT(*p == '.');
		p++;
		parse_dec(&p);
		KT_EXPECT(*p == ' ');
		p++;
	}
	KT_EXPECT(parse_dec(&p) >= 1); /* this thread runs */
	KT_EXPECT(*p == '/');
	KT_ASSERT(read_all("/proc/mounts", buf, sizeof(buf)) > 0);
	KT_EXPECT(strstr(buf, " /dev devtmpfs ") && strstr(buf, " /proc proc "));
	struct vfs_stat st;
	KT_EXPECT_EQ(vfs_kstat("/proc/self", false, &st), 0);
	KT_EXPECT(S_ISLNK(st.mode));
}

KTEST(vfs, devices)
{
	struct file *f;
	u8 buf[300];
	KT_ASSERT(vfs_kopen("/dev/zero", O_RDWR, 0, &f) == 0);
	memset(buf, 0xaa, sizeof(buf));
	KT_EXPECT_EQ(kernel_read(f, buf, sizeof(buf), 0), (long)sizeof(buf));
	bool zero = true;
	for (size_t i = 0; i < sizeof(buf); i++)
		zero &= buf[i] == 0;
	KT_EXPECT(zero);
	KT_EXPECT_EQ(kernel_write(f, buf, 17, 0), 17);
	file_put(f);
	KT_ASSERT(vfs_kopen("/dev/null", O_RDWR, 0, &f) == 0);
	KT_EXPECT_EQ(kernel_read(f, buf, sizeof(buf), 0), 0);
	KT_EXPECT_EQ(kernel_write(f, buf, sizeof(buf), 0), (long)sizeof(buf));
	file_put(f);
	KT_ASSERT(vfs_kopen("/dev/full", O_WRONLY, 0, &f) == 0);
	KT_EXPECT_EQ(kernel_write(f, buf, 1, 0), -ENOSPC);
	file_put(f);
	u8 r1[64], r2[64];
	KT_ASSERT(vfs_kopen("/dev/urandom", O_RDONLY, 0, &f) == 0);
	KT_EXPECT_EQ(kernel_read(f, r1, sizeof(r1), 0), 64);
	KT_EXPECT_EQ(kernel_read(f, r2, sizeof(r2), 0), 64);
	KT_EXPECT(memcmp(r1, r2, sizeof(r1)) != 0);
	int ones = 0;
	for (size_t i = 0; i < sizeof(r1); i++)
		for (int b = 0; b < 8; b++)
			ones += (r1[i] >> b) & 1;
	KT_EXPECT(ones > 160 && ones < 352); /* 512 bits, mean 256 */
	file_put(f);
	/* reading a write-only file, writing a read-only one */
	KT_ASSERT(vfs_kopen("/dev/null", O_WRONLY, 0, &f) == 0);
	KT_EXPECT_EQ(kernel_read(f, buf, 1, 0), -EBADF);
	file_put(f);
}

#define PIPE_BYTES (192 * 1024)

struct pipe_job {
	struct file *f;
	long moved;
	bool ok;
};

static int pipe_writer(void *arg)
{
	struct pipe_job *j = arg;
	static u8 chunk[7000];
	u64 off = 0;
	size_t sizes[] = { 1, 4096, 7000, 333, 4095 };
	int k = 0;
	while (off < PIPE_BYTES) {
		size_t n = MIN(sizes[k++ % 5], (size_t)(PIPE_BYTES - off));
		for (size_t i = 0; i < n; i++)
			chunk[i] = (u8)((off + i) * 13 + 1);
		long w = kernel_write(j->f, chunk, n, 0);
		if (w <= 0)
			break;
		off += (u64)w;
	}
	j->moved = (long)off;
	file_put(j->f); /* the write end closes: the reader sees EOF */
	return 0;
}

static int pipe_reader(void *arg)
{
	struct pipe_job *j = arg;
	static u8 buf[5000];
	u64 off = 0;
	j->ok = true;
	for (;;) {
		long n = kernel_read(j->f, buf, sizeof(buf) - (off % 3), 0);
		if (n <= 0)
			break;
		for (long i = 0; i < n; i++)
			if (buf[i] != (u8)((off + (u64)i) * 13 + 1))
				j->ok = false;
		off += (u64)n;
	}
	j->moved = (long)off;
	return 0;
}

KTEST(vfs, pipe_two_threads)
{
	struct file *r, *w;
	KT_ASSERT(pipe_create(&r, &w, 0) == 0);
	struct pipe_job wj = { .f = w }, rj = { .f = r };
	struct thread *tw = kthread_create(pipe_writer, &wj, "pipe_w");
	struct thread *tr = kthread_create(pipe_reader, &rj, "pipe_r");
	KT_ASSERT(tw && tr);
	KT_EXPECT_EQ(thread_join(tw, NULL), 0);
	KT_EXPECT_EQ(thread_join(tr, NULL), 0);
	KT_EXPECT_EQ(wj.moved, PIPE_BYTES);
	KT_EXPECT_EQ(rj.moved, PIPE_BYTES);
	KT_EXPECT(rj.ok);
	file_put(r);
	/* no reader: EPIPE; non-blocking read of an empty pipe: EAGAIN */
	KT_ASSERT(pipe_create(&r, &w, O_NONBLOCK) == 0);
	u8 b[8] = { 0 };
	KT_EXPECT_EQ(kernel_read(r, b, sizeof(b), 0), -EAGAIN);
	KT_EXPECT_EQ(kernel_write(w, b, sizeof(b), 0), 8);
	KT_EXPECT_EQ(kernel_read(r, b, sizeof(b), 0), 8);
	file_put(r);
	KT_EXPECT_EQ(kernel_write(w, b, 1, 0), -EPIPE);
	file_put(w);
}

/* A pipe opened again through its inode (what /proc/PID/fd/N does) is one
 * more end: the pipe lives, and has a reader, until the last one closes. */
KTEST(vfs, pipe_reopen)
{
	struct file *r, *w;
	KT_ASSERT(pipe_create(&r, &w, O_NONBLOCK) == 0);
	struct file *r2 = file_alloc(&w->path, O_RDONLY | O_NONBLOCK);
	KT_ASSERT(r2);
	KT_ASSERT(r2->fop && r2->fop->open);
	KT_EXPECT_EQ(r2->fop->open(r2->path.ino, r2), 0);
	KT_EXPECT_EQ(kernel_write(w, "abcd", 4, 0), 4);
	file_put(r); /* r2 still reads */
	char b[8];
	KT_EXPECT_EQ(kernel_read(r2, b, 2, 0), 2);
	KT_EXPECT_EQ(kernel_write(w, "e", 1, 0), 1);
	KT_EXPECT_EQ(kernel_read(r2, b, sizeof(b), 0), 3);
	KT_EXPECT(!memcmp(b, "cde", 3));
	file_put(r2);
	KT_EXPECT_EQ(kernel_write(w, "f", 1, 0), -EPIPE);
	s64 files = vfs_live_files();
	file_put(w);
	KT_EXPECT_EQ(vfs_live_files(), files - 1);
}

KTEST(vfs, tty_canonical)
{
	struct file *f;
	KT_ASSERT(vfs_kopen("/dev/console", O_RDWR | O_NONBLOCK, 0, &f) == 0);
	char buf[32];
	KT_EXPECT_EQ(kernel_read(f, buf, sizeof(buf), 0), -EAGAIN);
	/* "ab", erase, "c", a line killed, Enter (CR, mapped to NL) */
	const char in[] = "ab\x7f" "c\r";
	for (size_t i = 0; i < sizeof(in) - 1; i++)
		tty_receive((u8)in[i]);
	KT_EXPECT_EQ(kernel_read(f, buf, sizeof(buf), 0), 3);
	KT_EXPECT(!memcmp(buf, "ac\n", 3));
	const char in2[] = "zz\x15ok\r";
	for (size_t i = 0; i < sizeof(in2) - 1; i++)
		tty_receive((u8)in2[i]);
	KT_EXPECT_EQ(kernel_read(f, buf, sizeof(buf), 0), 3);
	KT_EXPECT(!memcmp(buf, "ok\n", 3));
	/* ^D on an empty line: end of file; a partial line waits for Enter */
	tty_receive(4);
	KT_EXPECT_EQ(kernel_read(f, buf, sizeof(buf), 0), 0);
	tty_receive('x');
	KT_EXPECT_EQ(kernel_read(f, buf, sizeof(buf), 0), -EAGAIN);
	tty_receive(3); /* ^C discards it (no foreground group: no signal) */
	tty_receive('\r');
	KT_EXPECT_EQ(kernel_read(f, buf, sizeof(buf), 0), 1);
	file_put(f);
	kprintf("\n");
}
