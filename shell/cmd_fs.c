/* cmd_fs.c — quick looks at the file system from the kernel shell:
 * `ls [-l] [PATH]` and `cat PATH` (through the VFS's kernel interface,
 * include/rayos/vfs.h; paths resolve from the root). */
#include <rayos/errno.h>
#include <rayos/mm.h>
#include <rayos/shell.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/vfs.h>

static const char *fs_errtext(int err)
{
	return err == -ENOENT ? "no such file or directory" : errno_text(err);
}

static int report(const char *cmd, const char *path, int err)
{
	shell_printf("%s: %s: %s\n", cmd, path, fs_errtext(err));
	return err == -EINVAL ? -EIO : err;
}

static void mode_string(u32 mode, char *s)
{
	static const char types[16] = { '?', 'p', 'c', '?', 'd', '?', 'b', '?',
					'-', '?', 'l', '?', 's', '?', '?', '?' };
	s[0] = types[(mode >> 12) & 15];
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		s[1 + i] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & 04000)
		s[3] = (mode & 0100) ? 's' : 'S';
	if (mode & 02000)
		s[6] = (mode & 010) ? 's' : 'S';
	if (mode & 01000)
		s[9] = (mode & 01) ? 't' : 'T';
	s[10] = 0;
}

struct ls_ctx {
	bool longfmt;
	const char *dir;
	char *buf; /* PATH + name scratch */
	int count;
};

static void ls_one(struct ls_ctx *c, const char *name, const struct vfs_stat *st, const char *full)
{
	c->count++;
	if (!c->longfmt) {
		shell_printf("%s%s\n", name, (st->mode & 0170000) == 0040000 ? "/" : "");
		return;
	}
	char m[11];
	mode_string(st->mode, m);
	struct tm_simple tm;
	time_unix_to_tm(st->mtime, &tm);
	if ((st->mode & 0170000) == 0020000)
		shell_printf("%s %3u %4u %4u %4u, %4u %04d-%02d-%02d %02d:%02d %s", m, st->nlink,
			     st->uid, st->gid, st->rdev >> 8, st->rdev & 0xff, tm.year, tm.mon,
			     tm.mday, tm.hour, tm.min, name);
	else
		shell_printf("%s %3u %4u %4u %10llu %04d-%02d-%02d %02d:%02d %s", m, st->nlink,
			     st->uid, st->gid, (unsigned long long)st->size, tm.year, tm.mon,
			     tm.mday, tm.hour, tm.min, name);
	if ((st->mode & 0170000) == 0120000 && full) {
		char target[256];
		int n = vfs_kreadlink(full, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = 0;
			shell_printf(" -> %s", target);
		}
	}
	shell_printf("\n");
}

static int ls_entry(void *vctx, const char *name, const struct vfs_stat *st)
{
	struct ls_ctx *c = vctx;
	size_t dl = strlen(c->dir);
	bool slash = dl && c->dir[dl - 1] == '/';
	if (dl + strlen(name) + 2 <= 4096) {
		memcpy(c->buf, c->dir, dl);
		size_t at = dl;
		if (!slash)
			c->buf[at++] = '/';
		strlcpy(c->buf + at, name, 4096 - at);
	}
	ls_one(c, name, st, c->buf);
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	struct ls_ctx c = { 0 };
	const char *path = "/";
	int i = 1;
	if (i < argc && !strcmp(argv[i], "-l")) {
		c.longfmt = true;
		i++;
	}
	if (i < argc)
		path = argv[i++];
	if (i != argc || path[0] == '-')
		return -EINVAL;
	struct vfs_stat st;
	int r = vfs_kstat(path, false, &st);
	if (r)
		return report("ls", path, r);
	if ((st.mode & 0170000) == 0120000) {
		struct vfs_stat t;
		if (vfs_kstat(path, true, &t) == 0 && (t.mode & 0170000) == 0040000 && !c.longfmt)
			st = t;
	}
	if ((st.mode & 0170000) != 0040000) {
		ls_one(&c, path, &st, path);
		return 0;
	}
	c.dir = path;
	c.buf = kmalloc(4096, GFP_KERNEL);
	if (!c.buf)
		return -ENOMEM;
	r = vfs_kreaddir(path, ls_entry, &c);
	kfree(c.buf);
	if (r)
		return report("ls", path, r);
	return 0;
}
SHELL_CMD(ls, "ls", "ls [-l] [PATH]", "list a directory (-l: mode, links, owner, size, time)", cmd_ls);

static int cmd_cat(int argc, char **argv)
{
	if (argc < 2)
		return -EINVAL;
	for (int a = 1; a < argc; a++) {
		struct file *f;
		int r = vfs_kopen(argv[a], 0, 0, &f);
		if (r)
			return report("cat", argv[a], r);
		char buf[256];
		u64 off = 0;
		long n;
		while ((n = kernel_read(f, buf, sizeof(buf), off)) > 0) {
			shell_write(buf, (size_t)n);
			off += (u64)n;
			if (shell_poll_char() == 3) /* ^C stops a long file */
				break;
		}
		file_put(f);
		if (n < 0)
			return report("cat", argv[a], (int)n);
	}
	return 0;
}
SHELL_CMD(cat, "cat", "cat PATH...", "print files", cmd_cat);
