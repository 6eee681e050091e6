/* syscall.c — the system-call dispatcher.
 *
 * The table is built once at boot from the rayos_syscalls linker section
 * (SYSCALL() in syscall.h, one entry per implementation, from every
 * subsystem); a number registered twice, or one outside the table, is a
 * boot-time panic. syscall_dispatch() (called by arch/x86_64/syscall.S
 * with interrupts on) looks the number up: a number with no entry returns
 * -ENOSYS, is counted per number (rayos_syscalls_enosys_total{nr="N"},
 * numbers at or above SYS_NR_MAX under nr="other") and logged once per
 * number. Every call counts in rayos_syscalls_total; 1 call in 16 is timed
 * into rayos_syscall_duration_seconds (sampled, like kmalloc's histogram:
 * the unsampled path is a counter increment and a branch).
 *
 * Restart: see syscall_dispatch and proc_user_work (signal.c).
 *
 * Locking: the table is written only before user mode exists; the ENOSYS
 * members are registered under enosys_lock the first time a number is seen. */
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/panic.h>
#include <rayos/printf.h>
#include "internal.h"

extern const struct syscall_entry __start_rayos_syscalls[], __stop_rayos_syscalls[];

static const struct syscall_entry *table[SYS_NR_MAX];
static struct metric m_total;
static struct metric m_enosys[SYS_NR_MAX + 1]; /* [SYS_NR_MAX]: out of range */
static bool enosys_seen[SYS_NR_MAX + 1];
static spinlock_t enosys_lock = SPINLOCK_INIT;
static struct histogram hist_syscall = { .sample_mask = 15 };

static struct metric_family fam_total = { .name = "rayos_syscalls_total",
	.help = "System calls made by user programs.", .type = METRIC_COUNTER };
static struct metric_family fam_enosys = { .name = "rayos_syscalls_enosys_total",
	.help = "System calls answered -ENOSYS (not implemented), by number.", .type = METRIC_COUNTER };
static struct metric_family fam_dur = { .name = "rayos_syscall_duration_seconds",
	.help = "Time in the system-call handler, sampled in 1 of 16 calls.", .type = METRIC_HISTOGRAM };

void syscall_init(void)
{
	u32 n = 0;
	for (const struct syscall_entry *e = __start_rayos_syscalls; e < __stop_rayos_syscalls; e++) {
		if (e->nr >= SYS_NR_MAX)
			panic("syscall %s: number %u outside the table", e->name, e->nr);
		if (table[e->nr])
			panic("syscall %u registered twice: %s and %s", e->nr, table[e->nr]->name, e->name);
		table[e->nr] = e;
		n++;
	}
	metric_register(&fam_total, &m_total);
	hist_register(&fam_dur, &hist_syscall);
	pr_info("proc", "system calls: %u implemented of %u numbers", n, SYS_NR_MAX);
}

const char *syscall_name(u32 nr)
{
	return nr < SYS_NR_MAX && table[nr] ? table[nr]->name : NULL;
}

static long enosys(u64 nr)
{
	u32 slot = nr < SYS_NR_MAX ? (u32)nr : SYS_NR_MAX;
	if (!READ_ONCE(enosys_seen[slot])) {
		irqflags_t f = spin_lock_irqsave(&enosys_lock);
		bool first = !enosys_seen[slot];
		if (first) {
			struct metric *m = &m_enosys[slot];
			if (slot < SYS_NR_MAX)
				snprintf(m->labels, sizeof(m->labels), "nr=\"%u\"", slot);
			else
				snprintf(m->labels, sizeof(m->labels), "nr=\"other\"");
			metric_register(&fam_enosys, m);
			WRITE_ONCE(enosys_seen[slot], true);
		}
		spin_unlock_irqrestore(&enosys_lock, f);
		if (first) {
			struct process *p = current_process();
			pr_warn("proc", "unimplemented system call %llu (from pid %d %s): -ENOSYS",
				(unsigned long long)nr, p ? p->pid : 0, p ? p->comm : "?");
		}
	}
	metric_inc(&m_enosys[slot]);
	return -ENOSYS;
}

/* Called by syscall.S: the result goes to the user's %rax. */
void syscall_dispatch(struct trap_frame *f)
{
	proc_user_entry(); /* interrupts are still off (syscall.S) */
	arch_irq_enable();
	u64 nr = f->rax;
	metric_inc(&m_total);
	u64 t0 = hist_sample_begin(&hist_syscall);
	long r;
	const struct syscall_entry *e = nr < SYS_NR_MAX ? table[nr] : NULL;
	if (e)
		r = e->fn(f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
	else
		r = enosys(nr);
	hist_sample_end(&hist_syscall, t0);
	/* Interrupted calls: -EINTR (restarted when no handler runs, or the
	 * handler has SA_RESTART, as Linux's -ERESTARTSYS) or -ERESTARTNOHAND
	 * (sleeps, pause, sigsuspend: restarted only when no handler runs);
	 * the signal code decides (signal.c) and user space sees -EINTR. */
	struct uthread *ut = current_uthread();
	if (ut) {
		ut->restart = r == -EINTR ? RESTART_SYS : r == -ERESTARTNOHAND ? RESTART_NOHAND : RESTART_NONE;
		if (r == -ERESTARTNOHAND)
			r = -EINTR;
	}
	/* execve and rt_sigreturn rewrite the whole frame: they return the
	 * value already in f->rax */
	f->rax = (u64)r;
}

/* Direct counters for tests. */
s64 syscall_enosys_count(u64 nr)
{
	u32 slot = nr < SYS_NR_MAX ? (u32)nr : SYS_NR_MAX;
	return READ_ONCE(enosys_seen[slot]) ? metric_value(&m_enosys[slot]) : 0;
}
s64 syscall_total_count(void) { return metric_value(&m_total); }
