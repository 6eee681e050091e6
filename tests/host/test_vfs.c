/* test_vfs.c — hosted tests of the portable VFS (fs/): path resolution
 * (".", "..", symlinks and the 40-link limit, trailing slashes, mount
 * crossing, ENAMETOOLONG/ENOTDIR/EISDIR/ELOOP), tmpfs (read/write, sparse
 * files, truncate, append, unlink of open files, rmdir, every rename
 * case, readdir while removing), fd tables (lowest free fd, EMFILE,
 * close-on-exec, sharing on clone), the cpio newc unpacker on good and
 * malformed archives, the pipe ring, and the load-average arithmetic.
 * Memory: tests that remove what they create check that every kmalloc'd
 * block came back (vfs_shim_live_allocs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../fs/internal.h"
#include <rayos/loadavg.h>
#include "vfs_shim.h"

#undef snprintf

static struct mount *rootm;

static int setup_root(void **state)
{
	(void)state;
	struct super *sb = tmpfs_create();
	assert_non_null(sb);
	rootm = vfs_mount(sb, tmpfs_root(sb), NULL, "/", "rootfs");
	assert_non_null(rootm);
	return 0;
}

static int lookup(const char *p, unsigned flags, struct vfs_stat *st)
{
	struct nameidata nd;
	int r = path_lookup(NULL, NULL, p, flags, &nd);
	if (r)
		return r;
	if (st) {
		st->ino = nd.path.ino->ino;
		st->mode = nd.path.ino->mode;
		st->nlink = nd.path.ino->nlink;
		st->size = nd.path.ino->size;
	}
	path_put(&nd.path);
	return 0;
}

static void write_file(const char *p, const char *text)
{
	struct file *f;
	assert_int_equal(vfs_kopen(p, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f), 0);
	assert_int_equal(kernel_write(f, text, strlen(text), 0), (long)strlen(text));
	file_put(f);
}

static void expect_content(const char *p, const char *text)
{
	struct file *f;
	assert_int_equal(vfs_kopen(p, O_RDONLY, 0, &f), 0);
	char buf[256] = { 0 };
	long n = kernel_read(f, buf, sizeof(buf) - 1, 0);
	assert_int_equal(n, (long)strlen(text));
	assert_string_equal(buf, text);
	file_put(f);
}

/* ---- path resolution ---- */

static void test_paths(void **state)
{
	(void)state;
	struct vfs_stat a, b;
	assert_int_equal(vfs_kmkdir("/p", 0755), 0);
	assert_int_equal(vfs_kmkdir("/p/q", 0755), 0);
	assert_int_equal(vfs_kmkdir("/p/q/r", 0755), 0);
	assert_int_equal(vfs_kmkdir("/p/q/r", 0755), -EEXIST);
	assert_int_equal(vfs_kmkdir("/p/none/r", 0755), -ENOENT);
	write_file("/p/file", "data");
	/* dots, repeated slashes, .. at the root */
	assert_int_equal(lookup("/p/q/r", 0, &a), 0);
	assert_int_equal(lookup("//p/./q//r/", 0, &b), 0);
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(lookup("/p/q/r/../../q/r", 0, &b), 0);
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(lookup("/../../p/q/r", 0, &b), 0);
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(lookup("/", 0, &a), 0);
	assert_int_equal(lookup("/..", 0, &b), 0);
	assert_int_equal(a.ino, b.ino);
	/* errors */
	assert_int_equal(lookup("", 0, NULL), -ENOENT);
	assert_int_equal(lookup("/p/missing", 0, NULL), -ENOENT);
	assert_int_equal(lookup("/p/file/", 0, NULL), -ENOTDIR);
	assert_int_equal(lookup("/p/file/x", 0, NULL), -ENOTDIR);
	assert_int_equal(lookup("/p/file", LOOKUP_DIRECTORY, NULL), -ENOTDIR);
	char longname[300];
	memset(longname, 'x', sizeof(longname));
	longname[0] = '/';
	longname[257] = 0; /* a 256-byte component */
	assert_int_equal(lookup(longname, 0, NULL), -ENAMETOOLONG);
	longname[256] = 0; /* 255 bytes: allowed, just missing */
	assert_int_equal(lookup(longname, 0, NULL), -ENOENT);
	/* directories cannot be opened for writing */
	struct file *f;
	assert_int_equal(vfs_kopen("/p/q", O_WRONLY, 0, &f), -EISDIR);
	assert_int_equal(vfs_kopen("/p/file", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	assert_int_equal(vfs_kopen("/p/new/", O_WRONLY | O_CREAT, 0644, &f), -EISDIR);
	assert_int_equal(vfs_kopen("/p/file", O_WRONLY | O_CREAT | O_EXCL, 0644, &f), -EEXIST);
	/* path names back (getcwd) */
	struct nameidata nd;
	assert_int_equal(path_lookup(NULL, NULL, "/p/q/r", 0, &nd), 0);
	char name[64];
	assert_int_equal(vfs_path_name(NULL, &nd.path, name, sizeof(name)), 6);
	assert_string_equal(name, "/p/q/r");
	assert_int_equal(vfs_path_name(NULL, &nd.path, name, 6), -ERANGE);
	/* relative resolution from a base */
	struct nameidata nd2;
	assert_int_equal(path_lookup(NULL, &nd.path, "../../file", 0, &nd2), 0);
	assert_true(S_ISREG(nd2.path.ino->mode));
	path_put(&nd2.path);
	path_put(&nd.path);
}

static void test_symlinks(void **state)
{
	(void)state;
	struct vfs_stat a, b;
	assert_int_equal(vfs_kmkdir("/s", 0755), 0);
	assert_int_equal(vfs_kmkdir("/s/dir", 0755), 0);
	write_file("/s/dir/f", "hello");
	assert_int_equal(vfs_ksymlink("dir", "/s/rel"), 0);
	assert_int_equal(vfs_ksymlink("/s/dir/f", "/s/abs"), 0);
	assert_int_equal(vfs_ksymlink("../s/dir/../dir", "/s/dotted"), 0);
	assert_int_equal(vfs_ksymlink("nowhere", "/s/dangling"), 0);
	assert_int_equal(vfs_ksymlink("", "/s/empty"), -ENOENT);
	expect_content("/s/rel/f", "hello");
	expect_content("/s/abs", "hello");
	expect_content("/s/dotted/f", "hello");
	/* the last component: followed with LOOKUP_FOLLOW or a trailing slash */
	assert_int_equal(lookup("/s/rel", 0, &a), 0);
	assert_true(S_ISLNK(a.mode));
	assert_int_equal(a.size, 3);
	assert_int_equal(lookup("/s/rel", LOOKUP_FOLLOW, &b), 0);
	assert_true(S_ISDIR(b.mode));
	assert_int_equal(lookup("/s/rel/", 0, &b), 0);
	assert_true(S_ISDIR(b.mode));
	assert_int_equal(lookup("/s/dangling", LOOKUP_FOLLOW, NULL), -ENOENT);
	assert_int_equal(lookup("/s/dangling", 0, NULL), 0);
	char t[32];
	assert_int_equal(vfs_kreadlink("/s/rel", t, sizeof(t)), 3);
	assert_memory_equal(t, "dir", 3);
	assert_int_equal(vfs_kreadlink("/s/dir", t, sizeof(t)), -EINVAL);
	/* O_NOFOLLOW on a symlink */
	struct file *f;
	assert_int_equal(vfs_kopen("/s/abs", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
	assert_int_equal(vfs_kopen("/s/abs", O_RDONLY, 0, &f), 0);
	file_put(f);
	/* loops and the 40-link limit */
	assert_int_equal(vfs_ksymlink("/s/loop", "/s/loop"), 0);
	assert_int_equal(lookup("/s/loop", LOOKUP_FOLLOW, NULL), -ELOOP);
	assert_int_equal(lookup("/s/loop/x", 0, NULL), -ELOOP);
	char name[32], target[32];
	snprintf(name, sizeof(name), "/s/c0");
	assert_int_equal(vfs_ksymlink("/s/dir", name), 0);
	for (int i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "/s/c%d", i);
		snprintf(target, sizeof(target), "/s/c%d", i - 1);
		assert_int_equal(vfs_ksymlink(target, name), 0);
	}
	assert_int_equal(lookup("/s/c39", LOOKUP_FOLLOW, &a), 0); /* 40 links */
	assert_true(S_ISDIR(a.mode));
	assert_int_equal(lookup("/s/c40", LOOKUP_FOLLOW, NULL), -ELOOP); /* 41 */
}

static void test_mounts(void **state)
{
	(void)state;
	assert_int_equal(vfs_kmkdir("/mnt", 0755), 0);
	write_file("/mnt/under", "hidden");
	struct super *sb = tmpfs_create();
	struct nameidata nd;
	assert_int_equal(path_lookup(NULL, NULL, "/mnt", 0, &nd), 0);
	struct mount *m = vfs_mount(sb, tmpfs_root(sb), &nd.path, "/mnt", "tmpfs");
	assert_non_null(m);
	path_put(&nd.path);
	/* the mount covers what was there */
	assert_int_equal(lookup("/mnt/under", 0, NULL), -ENOENT);
	write_file("/mnt/over", "visible");
	expect_content("/mnt/over", "visible");
	struct vfs_stat a, b;
	assert_int_equal(lookup("/mnt/..", 0, &a), 0);
	assert_int_equal(lookup("/", 0, &b), 0);
	assert_int_equal(a.ino, b.ino); /* .. from a mount root leaves the mount */
	assert_int_equal(vfs_krename("/mnt/over", "/moved"), -EXDEV);
	assert_int_equal(vfs_krmdir("/mnt"), -EBUSY);
	assert_int_equal(path_lookup(NULL, NULL, "/mnt", 0, &nd), 0);
	char name[16];
	assert_int_equal(vfs_path_name(NULL, &nd.path, name, sizeof(name)), 4);
	assert_string_equal(name, "/mnt");
	path_put(&nd.path);
}

/* ---- tmpfs ---- */

static void test_tmpfs_data(void **state)
{
	(void)state;
	long base = vfs_shim_live_allocs();
	struct file *f;
	assert_int_equal(vfs_kopen("/data", O_RDWR | O_CREAT, 0600, &f), 0);
	/* sparse: a write far out leaves a hole of zeros */
	assert_int_equal(kernel_write(f, "end", 3, 10000), 3);
	struct vfs_stat st;
	vfs_fstat(f, &st);
	assert_int_equal(st.size, 10003);
	assert_int_equal(f->path.ino->blocks, 8); /* one 4 KiB chunk: a sparse file */
	char buf[10003];
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(kernel_read(f, buf, sizeof(buf), 0), 10003);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf[i], 0);
	assert_memory_equal(buf + 10000, "end", 3);
	assert_int_equal(kernel_read(f, buf, 10, 10003), 0); /* at the end */
	/* a write across a chunk boundary */
	char big[6000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(kernel_write(f, big, sizeof(big), 1000), (long)sizeof(big));
	char back[6000];
	assert_int_equal(kernel_read(f, back, sizeof(back), 1000), (long)sizeof(back));
	assert_memory_equal(back, big, sizeof(big));
	/* truncate down, then up: the old bytes do not come back */
	assert_int_equal(vfs_truncate_inode(f->path.ino, 1500), 0);
	assert_int_equal(vfs_truncate_inode(f->path.ino, 5000), 0);
	assert_int_equal(kernel_read(f, back, 5000, 0), 5000);
	assert_memory_equal(back + 1000, big, 500);
	for (int i = 1500; i < 5000; i++)
		assert_int_equal(back[i], 0);
	file_put(f);
	/* append */
	write_file("/app", "one");
	assert_int_equal(vfs_kopen("/app", O_WRONLY | O_APPEND, 0, &f), 0);
	assert_int_equal(kernel_write(f, "two", 3, 0), 3);
	file_put(f);
	expect_content("/app", "onetwo");
	/* unlinking an open file keeps its data until the last close */
	assert_int_equal(vfs_kopen("/app", O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_kunlink("/app"), 0);
	assert_int_equal(lookup("/app", 0, NULL), -ENOENT);
	char t[8] = { 0 };
	assert_int_equal(kernel_read(f, t, 6, 0), 6);
	assert_string_equal(t, "onetwo");
	vfs_fstat(f, &st);
	assert_int_equal(st.nlink, 0);
	file_put(f);
	assert_int_equal(vfs_kunlink("/data"), 0);
	assert_int_equal(vfs_shim_live_allocs(), base); /* everything freed */
}

static void test_tmpfs_remove(void **state)
{
	(void)state;
	long base = vfs_shim_live_allocs();
	struct vfs_stat st;
	assert_int_equal(vfs_kmkdir("/rm", 0755), 0);
	assert_int_equal(lookup("/", 0, &st), 0);
	assert_int_equal(vfs_kmkdir("/rm/sub", 0755), 0);
	write_file("/rm/f", "x");
	assert_int_equal(lookup("/rm", 0, &st), 0);
	assert_int_equal(st.nlink, 3); /* ., the entry in /, sub/.. */
	assert_int_equal(vfs_krmdir("/rm"), -ENOTEMPTY);
	assert_int_equal(vfs_krmdir("/rm/f"), -ENOTDIR);
	assert_int_equal(vfs_kunlink("/rm/sub"), -EISDIR);
	assert_int_equal(vfs_kunlink("/rm/f/"), -ENOTDIR);
	assert_int_equal(vfs_krmdir("/rm/sub/."), -EINVAL);
	assert_int_equal(vfs_krmdir("/rm/sub/.."), -ENOTEMPTY);
	assert_int_equal(vfs_krmdir("/"), -EBUSY);
	assert_int_equal(vfs_krmdir("/rm/sub/"), 0);
	assert_int_equal(vfs_kunlink("/rm/f"), 0);
	assert_int_equal(vfs_kunlink("/rm/f"), -ENOENT);
	/* a removed directory that is still referenced has no entries */
	struct nameidata nd;
	assert_int_equal(path_lookup(NULL, NULL, "/rm", 0, &nd), 0);
	assert_int_equal(vfs_krmdir("/rm"), 0);
	assert_int_equal(vfs_mknod(NULL, &nd.path, "x", S_IFDIR | 0755, NULL), -ENOENT);
	char name[16];
	assert_int_equal(vfs_path_name(NULL, &nd.path, name, sizeof(name)), -ENOENT);
	path_put(&nd.path);
	assert_int_equal(vfs_shim_live_allocs(), base);
}

static void test_tmpfs_rename(void **state)
{
	(void)state;
	struct vfs_stat a, b;
	assert_int_equal(vfs_kmkdir("/rn", 0755), 0);
	assert_int_equal(vfs_kmkdir("/rn/d1", 0755), 0);
	assert_int_equal(vfs_kmkdir("/rn/d2", 0755), 0);
	assert_int_equal(vfs_kmkdir("/rn/full", 0755), 0);
	write_file("/rn/full/x", "x");
	write_file("/rn/a", "A");
	write_file("/rn/b", "B");
	/* file over file: b's old inode goes, a's name goes */
	assert_int_equal(lookup("/rn/a", 0, &a), 0);
	assert_int_equal(vfs_krename("/rn/a", "/rn/b"), 0);
	assert_int_equal(lookup("/rn/b", 0, &b), 0);
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(lookup("/rn/a", 0, NULL), -ENOENT);
	expect_content("/rn/b", "A");
	/* same file: nothing happens */
	assert_int_equal(vfs_krename("/rn/b", "/rn/b"), 0);
	expect_content("/rn/b", "A");
	/* type mismatches and non-empty targets */
	assert_int_equal(vfs_krename("/rn/b", "/rn/d1"), -EISDIR);
	assert_int_equal(vfs_krename("/rn/d1", "/rn/b"), -ENOTDIR);
	assert_int_equal(vfs_krename("/rn/d1", "/rn/full"), -ENOTEMPTY);
	assert_int_equal(vfs_krename("/rn/b/", "/rn/c"), -ENOTDIR);
	assert_int_equal(vfs_krename("/rn/missing", "/rn/c"), -ENOENT);
	assert_int_equal(vfs_krename("/rn/b", "/rn/nodir/c"), -ENOENT);
	/* a directory into itself */
	assert_int_equal(vfs_krename("/rn/d1", "/rn/d1/in"), -EINVAL);
	assert_int_equal(vfs_kmkdir("/rn/d1/deep", 0755), 0);
	assert_int_equal(vfs_krename("/rn/d1", "/rn/d1/deep/x"), -EINVAL);
	/* directory over an empty directory, across parents: link counts move */
	assert_int_equal(lookup("/rn/d1", 0, &a), 0);
	assert_int_equal(vfs_krename("/rn/d1", "/rn/full/d2"), 0);
	assert_int_equal(lookup("/rn/full/d2", 0, &b), 0);
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(lookup("/rn/full/d2/deep/..", 0, &b), 0);
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(lookup("/rn/full", 0, &b), 0);
	assert_int_equal(b.nlink, 3);
	assert_int_equal(lookup("/rn", 0, &b), 0);
	assert_int_equal(b.nlink, 4); /* d2, full, and . and the entry */
	assert_int_equal(vfs_krename("/rn/full/d2", "/rn/d2"), 0); /* over empty d2 */
	assert_int_equal(lookup("/rn/d2/deep", 0, NULL), 0);
	assert_int_equal(lookup("/rn", 0, &b), 0);
	assert_int_equal(b.nlink, 4);
	char name[32];
	struct nameidata nd;
	/* a file's path follows it across a rename (/proc/PID/fd) */
	assert_int_equal(vfs_krename("/rn/b", "/rn/d2/deep/moved"), 0);
	assert_int_equal(path_lookup(NULL, NULL, "/rn/d2/deep/moved", 0, &nd), 0);
	assert_int_equal(vfs_path_name(NULL, &nd.path, name, sizeof(name)), 17);
	assert_string_equal(name, "/rn/d2/deep/moved");
	path_put(&nd.path);
	assert_int_equal(path_lookup(NULL, NULL, "/rn/d2/deep", 0, &nd), 0);
	assert_int_equal(vfs_path_name(NULL, &nd.path, name, sizeof(name)), 11);
	assert_string_equal(name, "/rn/d2/deep");
	path_put(&nd.path);
}

static void test_tmpfs_links_and_limit(void **state)
{
	(void)state;
	long base = vfs_shim_live_allocs();
	struct vfs_stat a, b;
	write_file("/l1", "linked");
	assert_int_equal(vfs_kmkdir("/ld", 0755), 0);
	assert_int_equal(vfs_link(NULL, NULL, "/l1", false, NULL, "/ld/l2"), 0);
	assert_int_equal(vfs_link(NULL, NULL, "/l1", false, NULL, "/ld/l2"), -EEXIST);
	assert_int_equal(vfs_link(NULL, NULL, "/ld", false, NULL, "/ld2"), -EPERM);
	assert_int_equal(vfs_link(NULL, NULL, "/none", false, NULL, "/x"), -ENOENT);
	assert_int_equal(lookup("/l1", 0, &a), 0);
	assert_int_equal(lookup("/ld/l2", 0, &b), 0);
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(b.nlink, 2);
	assert_int_equal(vfs_kunlink("/l1"), 0);
	expect_content("/ld/l2", "linked");
	assert_int_equal(lookup("/ld/l2", 0, &b), 0);
	assert_int_equal(b.nlink, 1);
	/* rename between two names of one file does nothing (rename(2)) */
	assert_int_equal(vfs_link(NULL, NULL, "/ld/l2", false, NULL, "/ld/l3"), 0);
	assert_int_equal(vfs_krename("/ld/l2", "/ld/l3"), 0);
	assert_int_equal(lookup("/ld/l2", 0, NULL), 0);
	assert_int_equal(vfs_kunlink("/ld/l2"), 0);
	assert_int_equal(vfs_kunlink("/ld/l3"), 0);
	assert_int_equal(vfs_krmdir("/ld"), 0);
	/* the data limit: -ENOSPC, a short write, nothing leaked */
	u64 used = tmpfs_pages();
	tmpfs_set_limit(used + 2);
	struct file *f;
	assert_int_equal(vfs_kopen("/lim", O_RDWR | O_CREAT, 0600, &f), 0);
	static char big[3 * 4096];
	assert_int_equal(kernel_write(f, big, sizeof(big), 0), 2 * 4096);
	assert_int_equal(kernel_write(f, big, 1, 3 * 4096), -ENOSPC);
	assert_int_equal(kernel_write(f, big, 10, 100), 10); /* inside a chunk */
	tmpfs_set_limit(~0ULL);
	file_put(f);
	assert_int_equal(vfs_kunlink("/lim"), 0);
	assert_int_equal(tmpfs_pages(), used);
	assert_int_equal(vfs_shim_live_allocs(), base);
}

static int collect(void *ctx, const char *name, const struct vfs_stat *st)
{
	(void)st;
	char *out = ctx;
	strcat(out, name);
	strcat(out, " ");
	return 0;
}

static void test_readdir(void **state)
{
	(void)state;
	assert_int_equal(vfs_kmkdir("/rd", 0755), 0);
	char name[32];
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "/rd/e%02d", i);
		write_file(name, "x");
	}
	char out[1024] = { 0 };
	assert_int_equal(vfs_kreaddir("/rd", collect, out), 0);
	assert_true(!strncmp(out, ". .. e00 e01 ", 13));
	assert_non_null(strstr(out, "e49 "));
	/* removing entries one by one, reading again each time (rm -r) */
	int removed = 0;
	/* read 1 at a time through the kernel API's helper, removing each */
	for (int round = 0; round < 60; round++) {
		char first[1024] = { 0 };
		assert_int_equal(vfs_kreaddir("/rd", collect, first), 0);
		char *p = first + 5; /* after ". .. " */
		if (!*p)
			break;
		char *sp = strchr(p, ' ');
		*sp = 0;
		snprintf(name, sizeof(name), "/rd/%.20s", p);
		assert_int_equal(vfs_kunlink(name), 0);
		removed++;
	}
	assert_int_equal(removed, 50);
	assert_int_equal(vfs_krmdir("/rd"), 0);
}

/* ---- fd tables ---- */

static void test_fd_table(void **state)
{
	(void)state;
	long base = vfs_shim_live_allocs();
	struct files *t = files_create();
	write_file("/fdf", "abc");
	struct file *f;
	assert_int_equal(vfs_kopen("/fdf", O_RDONLY, 0, &f), 0);
	/* lowest free descriptor each time */
	for (int i = 0; i < 5; i++) {
		file_get(f);
		assert_int_equal(fd_install(t, f, 0, false), i);
	}
	assert_int_equal(fd_close(t, 1), 0);
	assert_int_equal(fd_close(t, 1), -EBADF);
	assert_int_equal(fd_close(t, 3), 0);
	file_get(f);
	assert_int_equal(fd_install(t, f, 0, false), 1);
	file_get(f);
	assert_int_equal(fd_install(t, f, 0, true), 3);
	file_get(f);
	assert_int_equal(fd_install(t, f, 10, false), 10); /* F_DUPFD minimum */
	file_get(f);
	assert_int_equal(fd_install(t, f, 0, false), 5);
	assert_int_equal(fd_get_cloexec(t, 3), 1);
	assert_int_equal(fd_get_cloexec(t, 4), 0);
	assert_int_equal(fd_get_cloexec(t, 6), -EBADF);
	/* fork shares the open file descriptions */
	struct files *c = files_clone(t);
	assert_int_equal(files_count(c), files_count(t));
	struct file *g = fget(c, 10);
	assert_ptr_equal(g, f);
	file_put(g);
	files_close_on_exec(c);
	assert_null(fget(c, 3));
	assert_int_equal(files_count(c), files_count(t) - 1);
	files_put(c);
	/* the table is full at NOFILE_MAX */
	int n = files_count(t);
	for (int i = n; i < NOFILE_MAX; i++) {
		file_get(f);
		assert_true(fd_install(t, f, 0, false) >= 0);
	}
	file_get(f);
	assert_int_equal(fd_install(t, f, 0, false), -EMFILE);
	file_put(f);
	assert_int_equal(fd_install_at(t, NULL, NOFILE_MAX, false), -EBADF);
	files_put(t);
	file_put(f); /* the open's own reference: the file is freed now */
	assert_int_equal(vfs_kunlink("/fdf"), 0);
	assert_int_equal(vfs_shim_live_allocs(), base);
}

/* ---- cpio ---- */

struct arc {
	char buf[8192];
	size_t len;
};

static void arc_add(struct arc *a, const char *name, u32 mode, const char *data, size_t dlen)
{
	size_t nl = strlen(name) + 1;
	a->len += (size_t)sprintf(a->buf + a->len,
		"070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		1u, mode, 0u, 0u, 1u, 1600000000u, dlen, 0u, 0u, 0u, 0u, nl, 0u);
	memcpy(a->buf + a->len, name, nl);
	a->len += nl;
	while (a->len % 4)
		a->buf[a->len++] = 0;
	memcpy(a->buf + a->len, data, dlen);
	a->len += dlen;
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

static void arc_good(struct arc *a)
{
	a->len = 0;
	arc_add(a, ".", S_IFDIR | 0755, "", 0);
	arc_add(a, "cp", S_IFDIR | 0700, "", 0);
	arc_add(a, "cp/hello.txt", S_IFREG | 0640, "hello cpio\n", 11);
	arc_add(a, "./cp/run", S_IFREG | 0755, "#!x", 3);
	arc_add(a, "cp/link", S_IFLNK | 0777, "hello.txt", 9);
	arc_add(a, "cp/dev", 0020000 | 0600, "", 0); /* a device: skipped */
	arc_add(a, "TRAILER!!!", 0, "", 0);
}

static void test_cpio_good(void **state)
{
	(void)state;
	struct arc *a = calloc(1, sizeof(*a));
	arc_good(a);
	char why[128];
	assert_int_equal(vfs_unpack_cpio(a->buf, a->len, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "2 files, 1 directories, 1 symlinks, 1 skipped"));
	expect_content("/cp/hello.txt", "hello cpio\n");
	expect_content("/cp/link", "hello cpio\n");
	struct vfs_stat st;
	assert_int_equal(vfs_kstat("/cp/hello.txt", false, &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(st.mtime, 1600000000);
	assert_int_equal(vfs_kstat("/cp", false, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0700);
	struct file *f;
	assert_int_equal(vfs_open_exec("/cp/run", &f), 0);
	file_put(f);
	assert_int_equal(vfs_open_exec("/cp/hello.txt", &f), -EACCES);
	assert_int_equal(vfs_open_exec("/cp/none", &f), -ENOENT);
	/* two archives back to back, with zero padding between */
	struct arc *b = calloc(1, sizeof(*b));
	arc_add(b, "cp2", S_IFDIR | 0755, "", 0);
	arc_add(b, "TRAILER!!!", 0, "", 0);
	memset(b->buf + b->len, 0, 512);
	b->len += 512;
	size_t first = b->len;
	arc_add(b, "cp2/f", S_IFREG | 0644, "2", 1);
	arc_add(b, "TRAILER!!!", 0, "", 0);
	assert_true(b->len > first);
	assert_int_equal(vfs_unpack_cpio(b->buf, b->len, why, sizeof(why)), 0);
	expect_content("/cp2/f", "2");
	free(a);
	free(b);
}

static void test_cpio_malformed(void **state)
{
	(void)state;
	struct arc *a = calloc(1, sizeof(*a));
	char why[128];
	/* every truncation of a good archive is refused, never a crash */
	arc_good(a);
	for (size_t cut = 1; cut < a->len; cut += 7) {
		char *copy = malloc(cut);
		memcpy(copy, a->buf, cut);
		int r = vfs_unpack_cpio(copy, cut, why, sizeof(why));
		assert_int_equal(r, -EINVAL);
		free(copy);
	}
	/* bad magic */
	arc_good(a);
	a->buf[3] = '9';
	assert_int_equal(vfs_unpack_cpio(a->buf, a->len, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "bad magic"));
	/* a non-hex digit in a field */
	arc_good(a);
	a->buf[20] = 'g';
	assert_int_equal(vfs_unpack_cpio(a->buf, a->len, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "bad header field"));
	/* a file size past the end */
	a->len = 0;
	arc_add(a, "huge", S_IFREG | 0644, "abcd", 4);
	memcpy(a->buf + 6 + 6 * 8, "7FFFFFFF", 8);
	assert_int_equal(vfs_unpack_cpio(a->buf, a->len, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "truncated data"));
	/* a name size of 0, and a name without its NUL */
	a->len = 0;
	arc_add(a, "n", S_IFREG | 0644, "", 0);
	memcpy(a->buf + 6 + 11 * 8, "00000000", 8);
	assert_int_equal(vfs_unpack_cpio(a->buf, a->len, why, sizeof(why)), -EINVAL);
	memcpy(a->buf + 6 + 11 * 8, "00000001", 8);
	assert_int_equal(vfs_unpack_cpio(a->buf, a->len, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "NUL"));
	/* no trailer; empty input */
	a->len = 0;
	arc_add(a, "notrailer", S_IFDIR | 0755, "", 0);
	assert_int_equal(vfs_unpack_cpio(a->buf, a->len, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "TRAILER"));
	assert_int_equal(vfs_unpack_cpio(a->buf, 0, why, sizeof(why)), -EINVAL);
	/* random garbage */
	srand(7);
	for (int i = 0; i < 200; i++) {
		arc_good(a);
		for (int k = 0; k < 4; k++)
			a->buf[rand() % (int)a->len] = (char)rand();
		(void)vfs_unpack_cpio(a->buf, a->len, why, sizeof(why));
	}
	free(a);
}

/* ---- pipe ring ---- */

static void test_pipe_ring(void **state)
{
	(void)state;
	struct pipe_ring r = { .buf = malloc(PIPE_SIZE), .head = 0xfffff000u, .tail = 0xfffff000u };
	u8 *in = malloc(PIPE_SIZE + 10), *out = malloc(PIPE_SIZE + 10);
	for (u32 i = 0; i < PIPE_SIZE + 10; i++)
		in[i] = (u8)(i * 7 + 3);
	assert_int_equal(pipe_ring_used(&r), 0);
	assert_int_equal(pipe_ring_get(&r, out, 10), 0);
	/* fill completely (the counters wrap around 2^32 meanwhile) */
	assert_int_equal(pipe_ring_put(&r, in, PIPE_SIZE + 10), PIPE_SIZE);
	assert_int_equal(pipe_ring_free(&r), 0);
	assert_int_equal(pipe_ring_put(&r, in, 1), 0);
	assert_int_equal(pipe_ring_get(&r, out, 1000), 1000);
	assert_memory_equal(out, in, 1000);
	/* a put that wraps around the end of the buffer */
	assert_int_equal(pipe_ring_put(&r, in + 5, 1000), 1000);
	assert_int_equal(pipe_ring_get(&r, out, PIPE_SIZE), PIPE_SIZE);
	assert_memory_equal(out, in + 1000, PIPE_SIZE - 1000);
	assert_memory_equal(out + PIPE_SIZE - 1000, in + 5, 1000);
	assert_int_equal(pipe_ring_used(&r), 0);
	free(r.buf);
	free(in);
	free(out);
}

/* ---- load average ---- */

static void test_loadavg(void **state)
{
	(void)state;
	u64 avg[3] = { 0, 0, 0 };
	/* one runnable thread for a minute (12 samples): load1 -> 1 - 1/e */
	for (int i = 0; i < 12; i++)
		loadavg_fold(avg, 1);
	assert_in_range(avg[0], (u64)(0.62 * LOAD_FIXED_1), (u64)(0.645 * LOAD_FIXED_1));
	assert_true(avg[1] < avg[0] && avg[2] < avg[1]);
	/* a steady load converges to it exactly (rounding up while rising) */
	for (int i = 0; i < 2000; i++)
		loadavg_fold(avg, 3);
	assert_int_equal(avg[0], 3 * LOAD_FIXED_1);
	assert_int_equal(avg[2], 3 * LOAD_FIXED_1);
	/* and decays back to 0 when idle */
	for (int i = 0; i < 2000; i++)
		loadavg_fold(avg, 0);
	assert_int_equal(avg[0], 0);
	/* one step from 0 with one thread: (2048 - 1884) rounded down */
	assert_int_equal(loadavg_calc(0, LOAD_EXP_1, LOAD_FIXED_1), 164);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_tmpfs_data),
		cmocka_unit_test(test_tmpfs_remove),
		cmocka_unit_test(test_tmpfs_rename),
		cmocka_unit_test(test_tmpfs_links_and_limit),
		cmocka_unit_test(test_readdir),
		cmocka_unit_test(test_fd_table),
		cmocka_unit_test(test_cpio_good),
		cmocka_unit_test(test_cpio_malformed),
		cmocka_unit_test(test_pipe_ring),
		cmocka_unit_test(test_loadavg),
	};
	return cmocka_run_group_tests(tests, setup_root, NULL);
}
