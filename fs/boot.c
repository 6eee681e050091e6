/* boot.c — vfs_init(): the root tmpfs, /dev (devfs), /proc (procfs), /tmp,
 * the console tty, then the initramfs modules the boot loader gave
 * (cpio newc, fs/initramfs.c), whose pages go back to the page allocator
 * afterwards. Kernel only (the rest of the VFS core is also hosted).
 * Runs once, from kmain after the scheduler starts; no locking of its own. */
#include "internal.h"
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/loadavg.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/mm.h>
#include <rayos/printf.h>
#include <rayos/string.h>

/* ---- metrics: computed from live state when read ---- */

static s64 read_files(const struct metric *m) { (void)m; return vfs_live_files(); }
static s64 read_inodes(const struct metric *m) { (void)m; return vfs_live_inodes(); }
static s64 read_tmpfs(const struct metric *m) { (void)m; return (s64)(tmpfs_pages() * 4096); }
static s64 read_tty_sigs(const struct metric *m) { (void)m; return (s64)tty_signals_sent(); }
static s64 read_load(const struct metric *m)
{
	u64 a[3];
	loadavg_get(a);
	return (s64)(a[(uintptr_t)m->ctx] * 1000 / LOAD_FIXED_1);
}

static struct metric_family fam_files = { .name = "rayos_vfs_open_files",
	.help = "Open file descriptions (struct file) in the system.", .type = METRIC_GAUGE };
static struct metric_family fam_inodes = { .name = "rayos_vfs_inodes",
	.help = "Inodes in memory (every file system).", .type = METRIC_GAUGE };
static struct metric_family fam_tmpfs = { .name = "rayos_tmpfs_bytes",
	.help = "Memory holding tmpfs file data.", .type = METRIC_GAUGE };
static struct metric_family fam_tty = { .name = "rayos_tty_signals_total",
	.help = "Signals the console tty sent to its foreground group (interrupt and quit characters).",
	.type = METRIC_COUNTER };
static struct metric_family fam_load = { .name = "rayos_load_average",
	.help = "Runnable threads, exponentially averaged (as /proc/loadavg).",
	.type = METRIC_GAUGE };
static struct metric m_files = { .read = read_files };
static struct metric m_inodes = { .read = read_inodes };
static struct metric m_tmpfs = { .read = read_tmpfs };
static struct metric m_tty = { .read = read_tty_sigs };
static struct metric m_load[3] = {
	{ .labels = "minutes=\"1\"", .scale = 1000, .read = read_load, .ctx = (void *)0 },
	{ .labels = "minutes=\"5\"", .scale = 1000, .read = read_load, .ctx = (void *)1 },
	{ .labels = "minutes=\"15\"", .scale = 1000, .read = read_load, .ctx = (void *)2 },
};

static void vfs_metrics_init(void)
{
	metric_register(&fam_files, &m_files);
	metric_register(&fam_inodes, &m_inodes);
	metric_register(&fam_tmpfs, &m_tmpfs);
	metric_register(&fam_tty, &m_tty);
	for (int i = 0; i < 3; i++)
		metric_register(&fam_load, &m_load[i]);
}

/* Only pages the module covers completely: a partial page may hold
 * another module or the kernel (bootmem reserved it whole). */
void initramfs_free_module(u64 start, u64 end)
{
	u64 first = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
	u64 last = ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT;
	if (last <= first)
		return;
	for (int n = 0; n < nr_nodes; n++)
		if (zones[n])
			zone_add_free_range(zones[n], first, last - first);
}

static void mkdir_boot(const char *path, u32 mode)
{
	int r = vfs_mknod(NULL, NULL, path, S_IFDIR | mode, NULL);
	if (r && r != -EEXIST)
		pr_err("vfs", "mkdir %s: error %d", path, r);
}

static void mount_at_path(struct super *sb, struct inode *root, const char *where)
{
	struct nameidata nd;
	int r = path_lookup(NULL, NULL, where, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &nd);
	if (r) {
		pr_err("vfs", "mount %s on %s: error %d", sb->fstype, where, r);
		inode_put(root);
		return;
	}
	if (!vfs_mount(sb, root, &nd.path, where, sb->fstype)) {
		pr_err("vfs", "mount %s on %s: mount table full", sb->fstype, where);
		inode_put(root);
	}
	path_put(&nd.path);
}

void vfs_init(void)
{
	struct super *tsb = tmpfs_create();
	if (!tsb) {
		pr_err("vfs", "no memory for the root file system");
		return;
	}
	struct mem_stats ms;
	mm_stats(&ms);
	tmpfs_set_limit(ms.total_bytes / PAGE_SIZE / 2); /* as Linux's tmpfs default */
	vfs_mount(tsb, tmpfs_root(tsb), NULL, "/", "tmpfs");
	mkdir_boot("/dev", 0755);
	mkdir_boot("/proc", 0555);
	mkdir_boot("/tmp", 01777);

	struct inode *droot = NULL;
	struct super *dsb = devfs_create(&droot);
	if (dsb)
		mount_at_path(dsb, droot, "/dev");
	struct inode *proot = NULL;
	struct super *psb = procfs_create(&proot);
	if (psb)
		mount_at_path(psb, proot, "/proc");
	tty_init();
	vfs_metrics_init();

	for (u32 i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		char why[96] = "";
		u64 len = m->end - m->start;
		const void *data = arch_phys_to_virt(m->start);
		int r = cpio_unpack(NULL, data, len, why, sizeof(why));
		if (r)
			pr_err("vfs", "initramfs module %u (%llu bytes): %s (error %d)", i,
			       (unsigned long long)len, why, r);
		else
			pr_info("vfs", "initramfs module %u: %llu bytes unpacked: %s", i,
				(unsigned long long)len, why);
		struct mem_stats before, after;
		mm_stats(&before);
		initramfs_free_module(m->start, m->end);
		mm_stats(&after);
		pr_info("vfs", "initramfs module %u: %llu KiB given back to the page allocator", i,
			(unsigned long long)((after.free_bytes - before.free_bytes) >> 10));
	}
	pr_info("vfs", "root on tmpfs; devfs on /dev, procfs on /proc; %d mounts",
		vfs_mount_count());
}
