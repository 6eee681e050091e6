/* devfs.c — /dev: a fixed directory of character devices created at boot.
 *
 *   console 5:1, tty 5:0   the console tty (fs/tty.c)
 *   null 1:3               reads end at once, writes are discarded
 *   zero 1:5               reads give zero bytes, writes are discarded
 *   random 1:8, urandom 1:9  the kernel generator (lib/random.c, ChaCha20);
 *                          random never blocks (as Linux since 5.6 once
 *                          seeded); writes are accepted and ignored
 *   full 1:7               reads zeros, writes fail with -ENOSPC
 *   fd, stdin, stdout, stderr  symlinks into /proc/self/fd (as udev makes)
 *
 * Invariant: the table holds one reference on each device inode for the
 * life of the system; the directory never changes (create/remove -EPERM).
 * Locking: the table is written once at boot; readers need no lock. */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/printf.h>
#include <rayos/random.h>
#include <rayos/string.h>

static long null_read(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)f, (void)it, (void)pos;
	return 0;
}

static long sink_write(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)f, (void)pos;
	long n = (long)it->count;
	it->count = 0;
	return n;
}

static long full_write(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)f, (void)it, (void)pos;
	return -ENOSPC;
}

static long zero_read(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)f, (void)pos;
	long n = (long)it->count;
	return iter_zero_out(it, it->count) ? -EFAULT : n;
}

static long random_read(struct file *f, struct iov_iter *it, u64 *pos)
{
	(void)f, (void)pos;
	u8 buf[256];
	long done = 0;
	while (it->count) {
		size_t n = MIN(sizeof(buf), it->count);
		get_random_bytes(buf, n);
		if (iter_copy_out(it, buf, n)) {
			if (!done)
				done = -EFAULT;
			break;
		}
		done += (long)n;
	}
	memset(buf, 0, sizeof(buf));
	return done;
}

static u32 always_ready(struct file *f, struct wait_queue **wq)
{
	(void)f;
	*wq = NULL;
	return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

static const struct file_ops null_fops = { .read = null_read, .write = sink_write, .poll = always_ready };
static const struct file_ops zero_fops = { .read = zero_read, .write = sink_write, .poll = always_ready };
static const struct file_ops full_fops = { .read = zero_read, .write = full_write, .poll = always_ready };
static const struct file_ops random_fops = { .read = random_read, .write = sink_write, .poll = always_ready };

struct devnode {
	const char *name;
	u32 major, minor;
	const struct file_ops *fops;
	struct inode *ino;
	const char *link; /* a symlink instead of a device */
};

static struct devnode devices[] = {
	{ "console", 5, 1, &tty_fops, NULL, NULL },
	{ "fd", 0, 0, NULL, NULL, "/proc/self/fd" },
	{ "full", 1, 7, &full_fops, NULL, NULL },
	{ "null", 1, 3, &null_fops, NULL, NULL },
	{ "random", 1, 8, &random_fops, NULL, NULL },
	{ "stderr", 0, 0, NULL, NULL, "/proc/self/fd/2" },
	{ "stdin", 0, 0, NULL, NULL, "/proc/self/fd/0" },
	{ "stdout", 0, 0, NULL, NULL, "/proc/self/fd/1" },
	{ "tty", 5, 0, &tty_fops, NULL, NULL },
	{ "urandom", 1, 9, &random_fops, NULL, NULL },
	{ "zero", 1, 5, &zero_fops, NULL, NULL },
};

static int devfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	(void)dir;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
		if (devices[i].ino && strlen(devices[i].name) == len &&
		    !memcmp(devices[i].name, name, len)) {
			inode_get(devices[i].ino);
			*out = devices[i].ino;
			return 0;
		}
	return -ENOENT;
}

static int devfs_readdir(struct inode *dir, u64 *pos, filldir_t fill, void *ctx)
{
	(void)dir;
	for (u64 i = *pos < 2 ? 0 : *pos - 2; i < ARRAY_SIZE(devices); i++) {
		*pos = i + 2;
		struct devnode *d = &devices[i];
		if (d->ino && fill(ctx, d->name, strlen(d->name), d->ino->ino, inode_dtype(d->ino->mode)))
			return 0;
	}
	*pos = ARRAY_SIZE(devices) + 2;
	return 0;
}

static int devfs_name_of(struct inode *dir, struct inode *child, char *buf, size_t size)
{
	(void)dir;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
		if (devices[i].ino == child)
			return snprintf(buf, size, "%s", devices[i].name);
	return -ENOENT;
}

static const struct inode_ops devfs_dir_iops = {
	.lookup = devfs_lookup,
	.readdir = devfs_readdir,
	.name_of = devfs_name_of,
};
static const struct inode_ops devfs_dev_iops = { 0 };

struct super *devfs_create(struct inode **root)
{
	static struct super sb = { .fstype = "devtmpfs", .dev = 5 };
	struct inode *r = inode_new(&sb, S_IFDIR | 0755, &devfs_dir_iops, NULL);
	if (!r)
		return NULL;
	r->nlink = 2;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		struct devnode *d = &devices[i];
		u32 mode = d->link ? S_IFLNK | 0777 : S_IFCHR | (d->major == 5 ? 0620 : 0666);
		d->ino = inode_new(&sb, mode, &devfs_dev_iops, d->fops);
		if (d->ino && d->link) {
			size_t n = strlen(d->link);
			d->ino->link = kmalloc(n + 1, GFP_KERNEL);
			if (d->ino->link)
				memcpy(d->ino->link, d->link, n + 1);
			d->ino->size = n;
		}
		if (d->ino) {
			d->ino->rdev = d->major << 8 | d->minor;
			inode_get(r);
			d->ino->parent = r;
		}
	}
	*root = r;
	return &sb;
}
