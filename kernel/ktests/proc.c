/* ktests/proc.c — in-kernel tests of user mode (suite proc): tiny programs
 * (proc_user.S) are copied into a fresh address space by a proc_spawn setup
 * callback and run in ring 3; each test checks the wait status the kernel
 * sees (proc_wait_kernel), and that the kernel survives faults. Every wait
 * is bounded (WAIT_NS). Needs the address-space work (uvm_mmap): skipped
 * without it. */
#include <rayos/ktest.h>
#include <rayos/proc.h>
#include <rayos/syscall.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>
#include <rayos/uvm.h>

#define UPROG_BASE 0x400000ULL
#define USTACK_TOP 0x7ffff0000000ULL
#define USTACK_SIZE (64 * 1024)
#define WAIT_NS (10ULL * NSEC_PER_SEC)

extern const u8 uprog_hello[], uprog_hello_end[], uprog_fault[], uprog_fault_end[];
extern const u8 uprog_enosys[], uprog_enosys_end[], uprog_fork[], uprog_fork_end[];
extern const u8 uprog_signal[], uprog_signal_end[], uprog_thread[], uprog_thread_end[];
extern const u8 uprog_badreturn[], uprog_badreturn_end[], uprog_spin[], uprog_spin_end[];

struct uprog {
	const u8 *start, *end;
};

static int setup(struct uvm *vm, void *ctx, u64 *entry, u64 *sp)
{
	const struct uprog *p = ctx;
	u64 len = (u64)(p->end - p->start);
	u64 span = (len + 4095) & ~4095ULL;
	long a = uvm_mmap(vm, UPROG_BASE, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			  NULL, 0);
	if (a < 0)
		return (int)a;
	int r = copy_to_user((void __user *)UPROG_BASE, p->start, len);
	if (r)
		return r;
	r = uvm_mprotect(vm, UPROG_BASE, span, PROT_READ | PROT_EXEC);
	if (r)
		return r;
	a = uvm_mmap(vm, USTACK_TOP - USTACK_SIZE, USTACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	if (a < 0)
		return (int)a;
	*entry = UPROG_BASE;
	*sp = USTACK_TOP;
	return 0;
}

/* Run a program to its end: its wait status, or a negative errno. */
static int run_prog(const u8 *start, const u8 *end, const char *name)
{
	struct uprog p = { start, end };
	struct proc_spawn a = { .setup = setup, .ctx = &p, .name = name, .console = true };
	int pid = proc_spawn(&a);
	if (pid < 0)
		return pid;
	int status = -1;
	int r = proc_wait_kernel(pid, &status, WAIT_NS);
	return r ? r : status;
}

static bool have_uvm(void)
{
	struct uvm *vm = uvm_create();
	if (!vm)
		return false;
	long a = uvm_mmap(vm, UPROG_BASE, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	uvm_put(vm);
	return a >= 0;
}

KTEST(proc, write_and_exit_status)
{
	if (!have_uvm())
		KT_SKIP("no address spaces (uvm) in this build");
	int st = run_prog(uprog_hello, uprog_hello_end, "hello");
	if (syscall_name(SYS_write))
		KT_EXPECT_EQ(st, 42 << 8);  /* wrote its line, then exit_group(42) */
	else
		KT_EXPECT_EQ(st, 43 << 8);  /* no write(2) yet: exit_group(43) */
}

KTEST(proc, fault_gives_sigsegv)
{
	if (!have_uvm())
		KT_SKIP("no address spaces (uvm) in this build");
	int st = run_prog(uprog_fault, uprog_fault_end, "fault");
	KT_EXPECT_EQ(st, 11 | 0x80); /* killed by SIGSEGV (core) */
	/* and again: the kernel survived the first one */
	st = run_prog(uprog_fault, uprog_fault_end, "fault");
	KT_EXPECT_EQ(st, 11 | 0x80);
}

KTEST(proc, unknown_syscall_enosys_counted)
{
	if (!have_uvm())
		KT_SKIP("no address spaces (uvm) in this build");
	s64 before = syscall_enosys_count(335), total = syscall_total_count();
	int st = run_prog(uprog_enosys, uprog_enosys_end, "enosys");
	KT_EXPECT_EQ(st, 0);
	KT_EXPECT_EQ(syscall_enosys_count(335), before + 1);
	KT_EXPECT(syscall_total_count() >= total + 2);
}

KTEST(proc, fork_and_wait_status)
{
	if (!have_uvm())
		KT_SKIP("no address spaces (uvm) in this build");
	int n0 = proc_count();
	int st = run_prog(uprog_fork, uprog_fork_end, "fork");
	KT_EXPECT_EQ(st, 0);
	KT_EXPECT_EQ(proc_count(), n0); /* parent and child reaped */
}

KTEST(proc, signal_handler_and_sigreturn)
{
	if (!have_uvm())
		KT_SKIP("no address spaces (uvm) in this build");
	int st = run_prog(uprog_signal, uprog_signal_end, "signal");
	KT_EXPECT_EQ(st, 0);
}

KTEST(proc, clone_thread_futex_cleartid)
{
	if (!have_uvm())
		KT_SKIP("no address spaces (uvm) in this build");
	int st = run_prog(uprog_thread, uprog_thread_end, "thread");
	KT_EXPECT_EQ(st, 0);
}

KTEST(proc, sigreturn_to_noncanonical_rip_is_sigsegv)
{
	if (!have_uvm())
		KT_SKIP("no address spaces (uvm) in this build");
	int st = run_prog(uprog_badreturn, uprog_badreturn_end, "badreturn");
	KT_EXPECT_EQ(st, 11 | 0x80);
	st = run_prog(uprog_fork, uprog_fork_end, "fork"); /* and the kernel goes on */
	KT_EXPECT_EQ(st, 0);
}

/* The shell's kill of a user thread holds only a reference to the thread
 * (thread_with), so it finds the process by thread id under the process
 * lock: proc_kill_thread_group. */
KTEST(proc, kill_thread_group_by_tid)
{
	if (!have_uvm())
		KT_SKIP("no address spaces (uvm) in this build");
	struct uprog p = { uprog_spin, uprog_spin_end };
	struct proc_spawn a = { .setup = setup, .ctx = &p, .name = "spin", .console = true };
	int pid = proc_spawn(&a);
	KT_ASSERT(pid > 0);
	int r = proc_kill_thread_group((u32)pid, 9); /* its main thread's id is the pid */
	KT_EXPECT_EQ(r, 0);
	int status = -1;
	int w = proc_wait_kernel(pid, &status, WAIT_NS);
	KT_EXPECT_EQ(w, 0);
	KT_EXPECT_EQ(status, 9); /* killed by SIGKILL */
	if (w == -ETIMEDOUT) { /* not killed: do not leave it spinning */
		proc_kill(pid, 9);
		proc_wait_kernel(pid, &status, WAIT_NS);
	}
	KT_EXPECT_EQ(proc_kill_thread_group((u32)pid, 9), -ESRCH); /* reaped */
	KT_EXPECT_EQ(proc_kill_thread_group(0xfffffff0u, 9), -ESRCH);
}
