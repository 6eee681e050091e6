/* oom.c — the out-of-memory killer. When a page fault or an allocation
 * for a process fails with -ENOMEM, the process with the most resident
 * user pages (uvm_rss_pages) is sent SIGKILL, which makes all its threads
 * exit and frees its address space; the kernel itself is never chosen (it
 * has no process). Processes already exiting are skipped so that one
 * shortage does not kill several; if the only candidate is already dying,
 * nothing more is done (its memory is on the way back).
 * Counts rayos_oom_kills_total and logs each kill. Locking: proc_lock
 * while choosing and signalling. */
#include <rayos/log.h>
#include <rayos/metrics.h>
#include <rayos/uvm.h>
#include "internal.h"

static struct metric m_oom;
static struct metric_family fam_oom = { .name = "rayos_oom_kills_total",
	.help = "Processes killed because memory ran out.", .type = METRIC_COUNTER };
static bool registered;

void oom_kill(const char *why)
{
	if (!registered) {
		registered = true;
		metric_register(&fam_oom, &m_oom);
	}
	struct process *victim = NULL;
	u64 best = 0;
	bool dying = false;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all);
		if (p->state != PROC_ALIVE || !p->uvm)
			continue;
		if (p->group_exit) {
			dying = true;
			continue;
		}
		u64 rss = uvm_rss_pages(p->uvm);
		if (!victim || rss > best) {
			victim = p;
			best = rss;
		}
	}
	int pid = 0;
	char comm[16] = "";
	if (victim && !dying) {
		pid = victim->pid;
		__builtin_memcpy(comm, victim->comm, sizeof(comm));
		signal_send(victim, NULL, SIGKILL, NULL);
	}
	spin_unlock_irqrestore(&proc_lock, f);
	if (pid) {
		metric_inc(&m_oom);
		pr_err("oom", "out of memory (%s): killed pid %d (%s), %llu resident pages", why, pid, comm,
		       (unsigned long long)best);
	}
}

void oom_init(void)
{
	if (!registered) {
		registered = true;
		metric_register(&fam_oom, &m_oom);
	}
}

void proc_out_of_memory(const char *why) { oom_kill(why); }
