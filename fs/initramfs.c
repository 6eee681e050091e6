/* initramfs.c — unpack cpio "newc" archives (the boot modules) into the
 * root tmpfs.
 *
 * Format (the "new ASCII" format of cpio(5), magic 070701, or 070702 with
 * a checksum we do not verify): a 110-byte header — the magic and 13
 * fields of 8 hex digits: ino, mode, uid, gid, nlink, mtime, filesize,
 * devmajor, devminor, rdevmajor, rdevminor, namesize (with its NUL), check
 * — then the name, padded so that header + name is a multiple of 4, then
 * filesize bytes of data padded to 4. The entry named "TRAILER!!!" ends
 * an archive; like Linux's initramfs, several archives may follow each
 * other (with zero padding in between).
 *
 * Directories, regular files and symlinks (the data is the target) are
 * created with their mode bits and mtime; other types (device nodes, FIFOs,
 * sockets) are skipped and counted. Every field is checked against the
 * remaining length before use: a malformed or truncated archive stops the
 * unpacking with -EINVAL and a reason, never a crash; what was unpacked
 * before stays.
 *
 * The parser (cpio_parse) is separate from the VFS side so the hosted
 * tests run it on hand-built and corrupted archives.
 * Locking: none of its own (runs at boot; the VFS locks inside). */
#include "internal.h"
#include <rayos/mm.h>
#include <rayos/printf.h>
#include <rayos/string.h>

struct cpio_entry {
	const char *name;     /* NUL-terminated, inside the archive */
	u32 mode, uid, gid, nlink;
	u64 mtime;
	const u8 *data;
	u64 size;
};

typedef int (*cpio_cb)(void *ctx, const struct cpio_entry *e);

static int hex8(const u8 *p, u32 *out)
{
	u32 v = 0;
	for (int i = 0; i < 8; i++) {
		u8 c = p[i];
		u32 d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

#define CPIO_HDR 110

/* Walk the archive, calling cb per entry (the trailer excluded). 0, -EINVAL
 * (malformed: reason in why), or cb's error. */
int cpio_parse(const void *data, size_t len, cpio_cb cb, void *ctx, char *why, size_t why_size);
int cpio_parse(const void *data, size_t len, cpio_cb cb, void *ctx, char *why, size_t why_size)
{
	const u8 *p = data;
	size_t off = 0;
	bool any = false, trailer = false;
	while (off < len) {
		/* zero padding between concatenated archives */
		if (p[off] == 0) {
			off++;
			continue;
		}
		if (len - off < CPIO_HDR) {
			snprintf(why, why_size, "truncated header at offset %zu", off);
			return -EINVAL;
		}
		const u8 *h = p + off;
		if (memcmp(h, "07070", 5) || (h[5] != '1' && h[5] != '2')) {
			snprintf(why, why_size, "bad magic at offset %zu", off);
			return -EINVAL;
		}
		u32 f[13];
		for (int i = 0; i < 13; i++)
			if (hex8(h + 6 + 8 * i, &f[i])) {
				snprintf(why, why_size, "bad header field %d at offset %zu", i, off);
				return -EINVAL;
			}
		u32 namesize = f[11];
		u64 filesize = f[6];
		if (namesize == 0 || namesize > PATH_MAX) {
			snprintf(why, why_size, "bad name size %u at offset %zu", namesize, off);
			return -EINVAL;
		}
		if (len - off - CPIO_HDR < namesize) {
			snprintf(why, why_size, "truncated name at offset %zu", off);
			return -EINVAL;
		}
		const char *name = (const char *)h + CPIO_HDR;
		if (name[namesize - 1] != 0 || strnlen(name, namesize) != namesize - 1) {
			snprintf(why, why_size, "name not NUL-terminated at offset %zu", off);
			return -EINVAL;
		}
		size_t doff = ALIGN_UP(off + CPIO_HDR + namesize, (size_t)4);
		if (doff > len || len - doff < filesize) {
			snprintf(why, why_size, "truncated data of '%s' at offset %zu", name, off);
			return -EINVAL;
		}
		off = ALIGN_UP(doff + (size_t)filesize, (size_t)4);
		if (off > len)
			off = len;
		any = true;
		if (!strcmp(name, "TRAILER!!!")) {
			trailer = true;
			continue;
		}
		trailer = false;
		struct cpio_entry e = {
			.name = name, .mode = f[1], .uid = f[2], .gid = f[3], .nlink = f[4],
			.mtime = f[5], .data = p + doff, .size = filesize,
		};
		int r = cb(ctx, &e);
		if (r)
			return r;
	}
	if (!any) {
		snprintf(why, why_size, "empty archive");
		return -EINVAL;
	}
	if (!trailer) {
		snprintf(why, why_size, "no TRAILER!!! at the end");
		return -EINVAL;
	}
	return 0;
}

/* ---- into the VFS ---- */

struct unpack_ctx {
	struct fs_ctx *fs;
	char *why;
	size_t why_size;
	char *path; /* PATH_MAX + 2 bytes */
	u32 files, dirs, links, skipped;
};

static void set_attrs(struct fs_ctx *fs, const char *name, const struct cpio_entry *e)
{
	struct nameidata nd;
	if (path_lookup(fs, NULL, name, 0, &nd))
		return;
	vfs_lock();
	struct inode *i = nd.path.ino;
	if (!S_ISLNK(i->mode))
		i->mode = (i->mode & S_IFMT) | (e->mode & 07777);
	i->uid = e->uid;
	i->gid = e->gid;
	i->mtime.sec = (s64)e->mtime;
	i->mtime.nsec = 0;
	vfs_unlock();
	path_put(&nd.path);
}

static int unpack_one(void *vctx, const struct cpio_entry *e)
{
	struct unpack_ctx *c = vctx;
	const char *name = e->name;
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (*name == '/')
		name++;
	if (!*name || !strcmp(name, "."))
		return 0; /* the root itself */
	char *path = c->path;
	snprintf(path, PATH_MAX + 2, "/%s", name);
	int r = 0;
	switch (e->mode & S_IFMT) {
	case S_IFDIR:
		r = vfs_mknod(c->fs, NULL, path, S_IFDIR | (e->mode & 07777), NULL);
		if (r == -EEXIST)
			r = 0;
		c->dirs += !r;
		break;
	case S_IFREG: {
		struct file *f;
		struct nameidata nd;
		if (!path_lookup(c->fs, NULL, path, 0, &nd)) {
			/* replace an old non-directory (a symlink is not followed) */
			if (!S_ISDIR(nd.path.ino->mode))
				(void)vfs_remove(c->fs, NULL, path, false);
			path_put(&nd.path);
		}
		r = vfs_open(c->fs, NULL, path, O_WRONLY | O_CREAT | O_TRUNC, e->mode & 07777, &f);
		if (r)
			break;
		if (e->size) {
			struct kvec v = { (void *)e->data, (size_t)e->size };
			struct iov_iter it;
			iter_init(&it, false, &v, 1);
			u64 pos = 0;
			long n = vfs_write(f, &it, &pos);
			if (n != (long)e->size)
				r = n < 0 ? (int)n : -ENOSPC;
		}
		file_put(f);
		c->files += !r;
		break;
	}
	case S_IFLNK: {
		if (e->size == 0 || e->size >= PATH_MAX) {
			snprintf(c->why, c->why_size, "bad symlink target size for '%s'", e->name);
			return -EINVAL;
		}
		char *target = kmalloc((size_t)e->size + 1, GFP_KERNEL);
		if (!target)
			return -ENOMEM;
		memcpy(target, e->data, (size_t)e->size);
		target[e->size] = 0;
		(void)vfs_remove(c->fs, NULL, path, false); /* replace an old entry */
		r = vfs_mknod(c->fs, NULL, path, S_IFLNK | 0777, target);
		kfree(target);
		c->links += !r;
		break;
	}
	default:
		c->skipped++;
		return 0;
	}
	if (r) {
		snprintf(c->why, c->why_size, "cannot create '%s': error %d", e->name, r);
		return r;
	}
	set_attrs(c->fs, path, e);
	return 0;
}

int cpio_unpack(struct fs_ctx *fs, const void *data, size_t len, char *why, size_t why_size)
{
	struct unpack_ctx c = { .fs = fs, .why = why, .why_size = why_size };
	c.path = kmalloc(PATH_MAX + 2, GFP_KERNEL);
	if (!c.path)
		return -ENOMEM;
	int r = cpio_parse(data, len, unpack_one, &c, why, why_size);
	kfree(c.path);
	if (!r && why_size)
		snprintf(why, why_size, "%u files, %u directories, %u symlinks, %u skipped",
			 c.files, c.dirs, c.links, c.skipped);
	return r;
}
