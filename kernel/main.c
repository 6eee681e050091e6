/* main.c — kmain: the one place where the boot order is written out.
 *
 *  1. console (polled serial), GDT/TSS/per-CPU, IDT: faults report from here
 *  2. boot information and the command line; the log
 *  3. paging (final page tables, direct map)
 *  4. ACPI tables; NUMA topology and the page allocator (zones per node)
 *     — bootmem closes here; then interrupt controllers from the MADT
 *  5. time: cycle-counter calibration, timer device, wall clock
 *  6. interrupts on; serial receive goes interrupt-driven; the scheduler
 *     (this context becomes thread "kmain", which runs the shell)
 *  7. core metrics, the load average, the VFS (root tmpfs, /dev, /proc,
 *     initramfs), then ktest= or the shell
 * Each subsystem has one X_init(); nothing else runs at boot. */
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/cmdline.h>
#include <rayos/init.h>
#include <rayos/ktest.h>
#include <rayos/loadavg.h>
#include <rayos/lockdep.h>
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/mm.h>
#include <rayos/numa.h>
#include <rayos/panic.h>
#include <rayos/power.h>
#include <rayos/printf.h>
#include <rayos/proc.h>
#include <rayos/serial.h>
#include <rayos/shell.h>
#include <rayos/thread.h>
#include <rayos/rt.h>
#include <rayos/time.h>
#include <rayos/uvm.h>
#include <rayos/vfs.h>

static void report_cmdline(void)
{
	pr_info("boot", "command line: \"%s\"", boot_info.cmdline);
	for (u32 i = 0; i < kopt.nr_unknown; i++)
		pr_warn("boot", "unknown command-line option ignored: %s", kopt.unknown[i]);
	for (u32 i = 0; i < kopt.nr_invalid; i++)
		pr_warn("boot", "invalid command-line option ignored: %s", kopt.invalid[i]);
}

static void report_memory(void)
{
	u64 usable = 0;
	for (u32 i = 0; i < boot_info.nr_regions; i++)
		if (boot_info.regions[i].type == MEM_USABLE)
			usable += boot_info.regions[i].length;
	pr_info("boot", "memory map: %u regions, %llu KiB usable; %u boot module(s)",
		boot_info.nr_regions, (unsigned long long)(usable >> 10), boot_info.nr_modules);
	if (!boot_info.nr_regions)
		pr_err("boot", "the boot loader gave no memory map");
}

static void run_boot_ktests(void)
{
	panic_exit_qemu = true;
	int r = ktest_run(kopt.ktest);
	if (r == -ENOENT)
		kprintf("ktest: no suite named '%s'\n", kopt.ktest);
	/* QEMU exits with (code << 1) | 1: 1 = all passed, 3 = failures */
	power_debug_exit(r == 0 ? 0 : 1);
	power_off();
}

/* init=PATH: run PATH as pid 1 on the console; when it ends, say how and
 * fall back to the kernel shell (Linux would panic). */
static void run_init(void)
{
	const char *argv[] = { kopt.init, NULL };
	struct proc_spawn a = { .path = kopt.init, .argv = argv, .console = true, .foreground = true,
				.init = true };
	int pid = proc_spawn(&a);
	if (pid < 0) {
		pr_err("boot", "init=%s: cannot start it (error %d); starting the kernel shell", kopt.init, pid);
		return;
	}
	pr_info("boot", "init=%s started as pid %d", kopt.init, pid);
	int status = 0;
	proc_wait_kernel(pid, &status, 0);
	tty_set_foreground(0);
	pr_warn("boot", "init exited (wait status 0x%x); starting the kernel shell", status);
}

void kmain(u32 protocol, u32 info, u64 boot_tsc)
{
	serial_early_init();
	arch_early_init(protocol, info, boot_tsc);
	cmdline_parse(boot_info.cmdline, &kopt);
	log_set_console_level(kopt.loglevel);
	log_init();
	lockdep_init();
	pr_info("boot", "RayOS starting (booted by %s%s)", boot_info.loader_name,
		boot_info.efi ? ", UEFI" : "");
	report_cmdline();
	report_memory();

	arch_mm_init();
	acpi_init();
	numa_init();
	mm_init();
	slab_init();
	arch_irq_init();
	arch_time_init();
	arch_irq_enable();
	serial_init();
	sched_init();
	smp_init();
	for (u32 c = 0; c < 64; c++) { /* isolcpus= */
		if (!(kopt.isolcpus & (1ULL << c)))
			continue;
		int r = sched_isolate_cpu(c, true);
		if (r)
			pr_warn("sched", "isolcpus: CPU %u not isolated: %s", c,
				r == -EBUSY ? "it is the last housekeeping CPU" : "not online");
	}
	core_metrics_init();
	rt_init();
	uvm_init();
	loadavg_init();
	vfs_init();
	proc_init();

	if (kopt.ktest[0])
		run_boot_ktests();
	if (kopt.init[0])
		run_init();
	shell_run();
}
