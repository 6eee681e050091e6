/* signal.c — POSIX signals on the Linux x86_64 ABI: numbers and default
 * actions (signal(7)), rt_sigaction / rt_sigprocmask / rt_sigpending /
 * rt_sigsuspend / rt_sigreturn / sigaltstack / kill / tgkill / tkill /
 * pause, delivery on the way back to user mode with the Linux rt_sigframe,
 * fault signals, SIGCHLD, stop and continue, and interruptible sleeps.
 *
 * State: every process has a pending set shared by its threads
 * (process-directed signals: kill) and a struct sighand (the actions,
 * shared with CLONE_SIGHAND); every thread its own pending set
 * (tgkill, faults) and blocked mask. Standard signals are not queued: a
 * pending one is a bit plus the siginfo of its first sending.
 *
 * Sending (signal_send, proc_lock held) decides ignores early (an ignored
 * signal is dropped at once, Linux's sig_ignored), handles SIGKILL at once
 * (the whole process is marked to exit), SIGCONT/stop signals' side
 * effects, sets the pending bit and wakes the threads that could take it
 * (thread_wake: a thread sleeping interruptibly sees signal_pending()).
 * Delivery (proc_user_work, on the return to user mode) takes the lowest
 * unblocked pending signal, thread set first, and either acts by default
 * (terminate: wait status = sig, | 0x80 for the core-dumping ones; stop;
 * continue; ignore) or builds the frame for the handler.
 *
 * Frame (Linux arch/x86/kernel/signal.c layout, what musl's and glibc's
 * restorers expect): below the red zone (128 bytes) or at the top of the
 * alternate stack, a 64-byte aligned FXSAVE image, then struct rt_sigframe
 * { pretcode (the SA_RESTORER address), ucontext { uc_flags, uc_link,
 * uc_stack, sigcontext (r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp,
 * rip, eflags, cs/gs/fs/ss, err, trapno, oldmask, cr2, fpstate, reserved),
 * uc_sigmask }, siginfo } placed so that the handler starts with
 * (%rsp + 8) 16-byte aligned, as after a call. rt_sigreturn reloads all of
 * it, keeping only user-changeable RFLAGS bits and forcing user selectors.
 * Restart (Linux's -ERESTARTSYS / -ERESTARTNOHAND): a call interrupted
 * by a signal (it returned -EINTR with the uthread's restart mode set by
 * the dispatcher) is re-executed (rip back over the 2-byte SYSCALL, rax =
 * orig_rax) when no handler runs (the signal was ignored, stopped or
 * continued the process), or when the handler has SA_RESTART and the call
 * is not a sleep/pause/sigsuspend (RESTART_NOHAND); else -EINTR stays.
 *
 * Locking: proc_lock for pending sets, masks and actions; user memory is
 * touched only with it released. */
#include <rayos/log.h>
#include <rayos/string.h>
#include <rayos/time.h>
#include <rayos/uaccess.h>
#include <rayos/uvm.h>
#include "internal.h"

enum { ACT_TERM, ACT_CORE, ACT_IGN, ACT_STOP, ACT_CONT };

static int default_action(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case 24 /* SIGXCPU */: case 25 /* SIGXFSZ */: case SIGSYS:
		return ACT_CORE;
	case SIGCHLD: case SIGURG: case SIGWINCH:
		return ACT_IGN;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return ACT_STOP;
	case SIGCONT:
		return ACT_CONT;
	default:
		return ACT_TERM;
	}
}

bool signal_default_ignored(int sig) { return default_action(sig) == ACT_IGN; }

static const char *const sig_names[32] = {
	"SIG0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
	"SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
	"SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
	"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < 32)
		return sig_names[sig];
	if (sig >= 32 && sig <= NSIG)
		return "SIGRT";
	return "SIG?";
}

#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define STOP_MASK (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

/* ---- sending ---- */

static void wake_process(struct process *p)
{
	struct list_head *pos;
	list_for_each(pos, &p->threads) {
		struct uthread *ut = list_entry(pos, struct uthread, node);
		if (!ut->dead && !thread_wake(ut->t))
			thread_kick(ut->t); /* running user code: deliver soon */
	}
}

static void kill_process_now(struct process *p, int status)
{
	if (!p->group_exit) {
		p->group_exit = true;
		p->exit_status = status;
	}
	p->stopped = false;
	proc_kill_threads(p, NULL);
}

int signal_send(struct process *p, struct uthread *ut, int sig, const struct ksiginfo *info)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!p || p->state != PROC_ALIVE || !p->sighand)
		return p ? 0 : -ESRCH; /* a zombie takes signals and ignores them */
	if (sig == 0)
		return 0;
	/* init takes from user space only the signals it has a handler for
	 * (Linux: SIGNAL_UNKILLABLE): SIGKILL, SIGSTOP and default actions
	 * are dropped. Kernel-made ones (faults, SIGALRM, SIGCHLD) pass. */
	if (p->unkillable && info && info->code <= 0 && p->sighand->act[sig].handler == SIG_DFL)
		return 0;
	if (sig == SIGKILL) {
		kill_process_now(p, SIGKILL);
		return 0;
	}
	if (sig == SIGCONT) {
		p->shared_pending &= ~STOP_MASK;
		struct list_head *pos;
		list_for_each(pos, &p->threads)
			list_entry(pos, struct uthread, node)->pending &= ~STOP_MASK;
		if (p->stopped) {
			p->stopped = false;
			p->report = 0xffff;
			signal_notify_parent(p, CLD_CONTINUED, SIGCONT);
			wake_process(p);
		}
	} else if (SIGBIT(sig) & STOP_MASK) {
		p->shared_pending &= ~SIGBIT(SIGCONT);
	}
	u64 h = p->sighand->act[sig].handler;
	if (sig != SIGSTOP && (h == SIG_IGN || (h == SIG_DFL && default_action(sig) == ACT_IGN)))
		return 0;
	if (sig == SIGCONT && h == SIG_DFL)
		return 0;
	struct ksiginfo ki = info ? *info : (struct ksiginfo){ .code = SI_KERNEL };
	ki.signo = sig;
	if (ut) {
		if (!(ut->pending & SIGBIT(sig)))
			ut->info[sig] = ki;
		ut->pending |= SIGBIT(sig);
		if (!thread_wake(ut->t))
			thread_kick(ut->t); /* running user code: deliver soon */
	} else {
		if (!(p->shared_pending & SIGBIT(sig)))
			p->shared_info[sig] = ki;
		p->shared_pending |= SIGBIT(sig);
		wake_process(p);
	}
	return 0;
}

/* proc_lock held: tell p's parent about an exit (why 0), stop or continue. */
void signal_notify_parent(struct process *p, int why, int status)
{
	struct process *pp = p->parent;
	if (!pp)
		return;
	wake_up_all(&pp->child_wq);
	if (pp == &kproc || pp->state != PROC_ALIVE)
		return;
	struct ksiginfo ki = { .pid = p->pid };
	int sig = SIGCHLD;
	if (why == 0) {
		sig = p->exit_signal;
		if (!sig)
			return;
		if ((status & 0x7f) == 0) {
			ki.code = CLD_EXITED;
			ki.status = (status >> 8) & 0xff;
		} else {
			ki.code = status & 0x80 ? CLD_DUMPED : CLD_KILLED;
			ki.status = status & 0x7f;
		}
	} else {
		if (pp->sighand->act[SIGCHLD].flags & SA_NOCLDSTOP)
			return;
		ki.code = why;
		ki.status = status;
	}
	signal_send(pp, NULL, sig, &ki);
}

static struct ksiginfo user_info(int code)
{
	struct ksiginfo ki = { .code = code, .pid = proc_pid() };
	return ki;
}

int proc_kill(int pid, int sig)
{
	struct ksiginfo ki = user_info(SI_USER);
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct process *p = proc_find(pid);
	int r = p ? signal_send(p, NULL, sig, &ki) : -ESRCH;
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}

int proc_kill_thread_group(u32 tid, int sig)
{
	/* by id under proc_lock: a caller holding only a thread reference
	 * may not follow t->proc, which goes when the process is reaped */
	struct ksiginfo ki = user_info(SI_USER);
	struct process *p;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	int r = uthread_find(0, tid, &p) ? signal_send(p, NULL, sig, &ki) : -ESRCH;
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}

int proc_signal_pgrp(int pgid, int sig)
{
	struct ksiginfo ki = { .code = SI_KERNEL };
	int r = -ESRCH;
	if (pgid <= 0)
		return -ESRCH;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all);
		if (p->pgid == pgid && p->state == PROC_ALIVE) {
			int e = signal_send(p, NULL, sig, &ki);
			if (r)
				r = e;
		}
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}

void proc_force_signal(int sig, int code, u64 addr)
{
	struct uthread *ut = current_uthread();
	if (!ut)
		return;
	struct process *p = ut->p;
	struct ksiginfo ki = { .code = code, .addr = addr };
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct k_sigaction *a = &p->sighand->act[sig];
	if (a->handler == SIG_IGN || (ut->blocked & SIGBIT(sig))) {
		a->handler = SIG_DFL;
		ut->blocked &= ~SIGBIT(sig);
	}
	/* a second fault while this one is pending (a handler that faults
	 * on its own frame): no way forward, end the process */
	if (ut->pending & SIGBIT(sig))
		kill_process_now(p, sig | 0x80);
	signal_send(p, ut, sig, &ki);
	spin_unlock_irqrestore(&proc_lock, f);
}

void proc_fault_signal(u64 addr, u32 err)
{
	proc_force_signal(SIGSEGV, (err & 1) ? SEGV_ACCERR : SEGV_MAPERR, addr);
}

void proc_user_page_fault(u64 addr, u32 err)
{
	struct uvm *vm = current_uvm();
	int r = vm ? uvm_fault(vm, addr, err) : -EFAULT;
	if (!r)
		return;
	if (r == -ENOMEM) {
		oom_kill("page fault");
		return; /* retried by the CPU; we may be the victim */
	}
	proc_fault_signal(addr, err);
}

/* ---- pending checks ---- */

static u64 deliverable(struct uthread *ut)
{
	return (READ_ONCE(ut->pending) | READ_ONCE(ut->p->shared_pending)) & ~READ_ONCE(ut->blocked);
}

bool signal_pending(void)
{
	struct uthread *ut = current_uthread();
	if (!ut)
		return false;
	/* order our "I am sleeping" store before these loads: a sender sets
	 * pending, then wakes us only if it sees us sleeping */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return READ_ONCE(ut->killed) || deliverable(ut);
}

bool proc_user_work_pending(void)
{
	struct uthread *ut = current_uthread();
	if (!ut)
		return false;
	return READ_ONCE(ut->killed) || READ_ONCE(ut->p->stopped) || deliverable(ut) ||
	       READ_ONCE(ut->restore_blocked) || /* rt_sigsuspend's mask comes back */
	       READ_ONCE(current_thread()->dl.overrun_pending);
}

int sleep_interruptible_until(u64 deadline)
{
	struct thread *t = current_thread();
	int r = 0;
	for (;;) {
		WRITE_ONCE(t->state, THREAD_SLEEPING);
		if (clock_monotonic_ns() >= deadline)
			break;
		if (signal_pending()) {
			r = -EINTR;
			break;
		}
		timer_arm(&t->sleep_timer, deadline);
		schedule();
		timer_cancel(&t->sleep_timer);
	}
	WRITE_ONCE(t->state, THREAD_RUNNABLE);
	return r;
}

/* ---- delivery ---- */

struct sigframe_layout {
	u64 pretcode;
	/* ucontext */
	u64 uc_flags, uc_link;
	u64 ss_sp;
	s32 ss_flags, pad0;
	u64 ss_size;
	/* sigcontext */
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2, fpstate;
	u64 reserved1[8];
	u64 uc_sigmask;
	/* siginfo */
	s32 si_signo, si_errno, si_code, pad1;
	union {
		struct { s32 pid, uid, status, pad; s64 utime, stime; } chld;
		struct { s32 pid, uid; } kill;
		u64 addr;
		u8 bytes[112];
	} si;
};
_Static_assert(sizeof(struct sigframe_layout) == 8 + 304 + 128, "rt_sigframe size");
_Static_assert(__builtin_offsetof(struct sigframe_layout, r8) == 8 + 40, "sigcontext offset");
_Static_assert(__builtin_offsetof(struct sigframe_layout, uc_sigmask) == 8 + 296, "uc_sigmask offset");

#define SS_ONSTACK 1
#define SS_DISABLE 2

static bool on_alt_stack(struct uthread *ut, u64 sp)
{
	return ut->alt_size && sp > ut->alt_sp && sp - ut->alt_sp <= ut->alt_size;
}

static int setup_frame(struct trap_frame *regs, int sig, const struct ksiginfo *ki,
		       const struct k_sigaction *act, u64 oldmask)
{
	struct uthread *ut = current_uthread();
	if (!(act->flags & SA_RESTORER))
		return -EFAULT; /* x86_64 has no vDSO restorer here: libc must give one */
	u64 sp = regs->rsp;
	if ((act->flags & SA_ONSTACK) && ut->alt_size && !(ut->alt_flags & SS_DISABLE) &&
	    !on_alt_stack(ut, sp))
		sp = ut->alt_sp + ut->alt_size;
	else
		sp -= 128; /* the red zone */
	u64 fp = (sp - ARCH_FPU_SIZE) & ~63ULL;
	u64 frame = ((fp - sizeof(struct sigframe_layout)) & ~15ULL) - 8;
	struct sigframe_layout fr;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = act->restorer;
	fr.ss_sp = ut->alt_sp;
	fr.ss_size = ut->alt_size;
	fr.ss_flags = ut->alt_size ? (on_alt_stack(ut, regs->rsp) ? SS_ONSTACK : 0) : SS_DISABLE;
	fr.r8 = regs->r8; fr.r9 = regs->r9; fr.r10 = regs->r10; fr.r11 = regs->r11;
	fr.r12 = regs->r12; fr.r13 = regs->r13; fr.r14 = regs->r14; fr.r15 = regs->r15;
	fr.rdi = regs->rdi; fr.rsi = regs->rsi; fr.rbp = regs->rbp; fr.rbx = regs->rbx;
	fr.rdx = regs->rdx; fr.rax = regs->rax; fr.rcx = regs->rcx; fr.rsp = regs->rsp;
	fr.rip = regs->rip; fr.eflags = regs->rflags;
	fr.cs = (u16)regs->cs;
	fr.ss = (u16)regs->ss;
	fr.err = regs->vector < 32 ? regs->error : 0;
	fr.trapno = regs->vector < 32 ? regs->vector : 0;
	fr.oldmask = oldmask;
	fr.cr2 = ki->addr;
	fr.fpstate = fp;
	fr.uc_sigmask = oldmask;
	fr.si_signo = sig;
	fr.si_code = ki->code;
	if (sig == SIGCHLD) {
		fr.si.chld.pid = ki->pid;
		fr.si.chld.status = ki->status;
	} else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP) {
		fr.si.addr = ki->addr;
	} else {
		fr.si.kill.pid = ki->pid;
	}
	u8 fpu[ARCH_FPU_SIZE] __attribute__((aligned(16)));
	arch_fpu_save(fpu);
	if (copy_to_user((void __user *)fp, fpu, sizeof(fpu)) ||
	    copy_to_user((void __user *)frame, &fr, sizeof(fr)))
		return -EFAULT;
	regs->rdi = (u64)sig;
	regs->rsi = frame + __builtin_offsetof(struct sigframe_layout, si_signo);
	regs->rdx = frame + 8;
	regs->rax = 0;
	regs->rip = act->handler;
	regs->rsp = frame;
	regs->rflags &= ~(0x100ULL | 0x400ULL); /* TF, DF */
	regs->vector = 0;
	arch_user_frame_sanitize(regs);
	return 0;
}

/* See the header: decide whether the interrupted system call restarts. */
static void restart_check(struct uthread *ut, struct trap_frame *regs, bool handler, u64 flags)
{
	u8 mode = ut->restart;
	if (regs->vector != ARCH_VEC_SYSCALL || (s64)regs->rax != -EINTR || mode == RESTART_NONE)
		return;
	ut->restart = RESTART_NONE;
	if (!handler || (mode == RESTART_SYS && (flags & SA_RESTART))) {
		regs->rax = regs->error; /* orig_rax */
		regs->rip -= 2;          /* the SYSCALL instruction again */
		regs->vector = 0;
	}
}

/* Lowest-numbered pending signal in set, SIGKILL and SIGSTOP first. */
static int pick(u64 set)
{
	if (set & SIGBIT(SIGKILL))
		return SIGKILL;
	if (set & SIGBIT(SIGSTOP))
		return SIGSTOP;
	return set ? __builtin_ctzll(set) + 1 : 0;
}

void proc_user_work(struct trap_frame *regs)
{
	struct uthread *ut = current_uthread();
	struct process *p = ut->p;
	struct thread *self = current_thread();
	if (READ_ONCE(self->dl.overrun_pending)) {
		/* SCHED_FLAG_DL_OVERRUN: its runtime ran out (Linux: SIGXCPU) */
		WRITE_ONCE(self->dl.overrun_pending, false);
		struct ksiginfo si = { .signo = 24 /* SIGXCPU */, .code = SI_KERNEL };
		irqflags_t f0 = spin_lock_irqsave(&proc_lock);
		signal_send(p, ut, 24 /* SIGXCPU */, &si);
		spin_unlock_irqrestore(&proc_lock, f0);
	}
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	if (ut->killed) {
		spin_unlock_irqrestore(&proc_lock, f);
		proc_exit_thread();
	}
	if (p->stopped) {
		spin_unlock_irqrestore(&proc_lock, f);
		struct thread *t = current_thread();
		WRITE_ONCE(t->state, THREAD_SLEEPING);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (READ_ONCE(p->stopped) && !READ_ONCE(ut->killed))
			schedule();
		WRITE_ONCE(t->state, THREAD_RUNNABLE);
		return;
	}
	struct ksiginfo ki;
	int sig = pick(ut->pending & ~ut->blocked);
	if (sig) {
		ut->pending &= ~SIGBIT(sig);
		ki = ut->info[sig];
	} else {
		sig = pick(p->shared_pending & ~ut->blocked);
		if (!sig) {
			if (ut->restore_blocked) {
				ut->blocked = ut->saved_blocked;
				ut->restore_blocked = false;
			}
			spin_unlock_irqrestore(&proc_lock, f);
			return;
		}
		p->shared_pending &= ~SIGBIT(sig);
		ki = p->shared_info[sig];
	}
	struct k_sigaction act = p->sighand->act[sig];
	if (act.handler == SIG_IGN) {
		restart_check(ut, regs, false, 0);
		spin_unlock_irqrestore(&proc_lock, f);
		return;
	}
	if (act.handler == SIG_DFL) {
		int a = default_action(sig);
		if (a == ACT_IGN || a == ACT_CONT) {
			restart_check(ut, regs, false, 0);
			spin_unlock_irqrestore(&proc_lock, f);
			return;
		}
		if (a == ACT_STOP) {
			p->stopped = true;
			p->report = (sig << 8) | 0x7f;
			signal_notify_parent(p, CLD_STOPPED, sig);
			restart_check(ut, regs, false, 0);
			spin_unlock_irqrestore(&proc_lock, f);
			return;
		}
		spin_unlock_irqrestore(&proc_lock, f);
		proc_exit_group(a == ACT_CORE ? sig | 0x80 : sig);
	}
	restart_check(ut, regs, true, act.flags);
	u64 oldmask = ut->restore_blocked ? ut->saved_blocked : ut->blocked;
	ut->restore_blocked = false;
	ut->blocked |= act.mask;
	if (!(act.flags & SA_NODEFER))
		ut->blocked |= SIGBIT(sig);
	ut->blocked &= ~UNBLOCKABLE;
	if (act.flags & SA_RESETHAND)
		p->sighand->act[sig].handler = SIG_DFL;
	spin_unlock_irqrestore(&proc_lock, f);
	if (setup_frame(regs, sig, &ki, &act, oldmask)) {
		pr_info("proc", "pid %d: cannot build the frame for %s: killed by SIGSEGV", p->pid,
			signal_name(sig));
		f = spin_lock_irqsave(&proc_lock);
		kill_process_now(p, SIGSEGV | 0x80);
		spin_unlock_irqrestore(&proc_lock, f);
	}
}

void signal_exec_reset(struct process *p)
{
	for (int s = 1; s <= NSIG; s++) {
		struct k_sigaction *a = &p->sighand->act[s];
		if (a->handler != SIG_IGN)
			a->handler = SIG_DFL;
		a->flags = 0;
		a->mask = 0;
		a->restorer = 0;
	}
}

/* ---- system calls ---- */

static long sys_rt_sigreturn(void)
{
	struct thread *t = current_thread();
	struct uthread *ut = t->uthread;
	struct trap_frame *regs = arch_user_regs(t);
	u64 frame = regs->rsp - 8;
	struct sigframe_layout fr;
	if (copy_from_user(&fr, (const void __user *)frame, sizeof(fr))) {
		proc_force_signal(SIGSEGV, SI_KERNEL, 0);
		return (long)regs->rax;
	}
	if (fr.fpstate) {
		u8 fpu[ARCH_FPU_SIZE] __attribute__((aligned(16)));
		if (copy_from_user(fpu, (const void __user *)fr.fpstate, sizeof(fpu))) {
			proc_force_signal(SIGSEGV, SI_KERNEL, 0);
			return (long)regs->rax;
		}
		arch_fpu_restore(fpu);
	}
	regs->r8 = fr.r8; regs->r9 = fr.r9; regs->r10 = fr.r10; regs->r11 = fr.r11;
	regs->r12 = fr.r12; regs->r13 = fr.r13; regs->r14 = fr.r14; regs->r15 = fr.r15;
	regs->rdi = fr.rdi; regs->rsi = fr.rsi; regs->rbp = fr.rbp; regs->rbx = fr.rbx;
	regs->rdx = fr.rdx; regs->rax = fr.rax; regs->rcx = fr.rcx; regs->rsp = fr.rsp;
	regs->rip = fr.rip;
	regs->rflags = (regs->rflags & ~0x50dd5ULL) | (fr.eflags & 0x50dd5ULL);
	regs->vector = 0;
	arch_user_frame_sanitize(regs);
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	ut->blocked = fr.uc_sigmask & ~UNBLOCKABLE;
	spin_unlock_irqrestore(&proc_lock, f);
	return (long)regs->rax; /* the dispatcher stores it back in rax */
}
SYSCALL(rt_sigreturn, sys_rt_sigreturn);

static long sys_rt_sigaction(u64 usig, u64 uact, u64 uoact, u64 size)
{
	int sig = (int)usig;
	if (size != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	struct k_sigaction na, oa;
	if (uact) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&na, (const void __user *)uact, sizeof(na)))
			return -EFAULT;
		na.mask &= ~UNBLOCKABLE;
	}
	struct process *p = current_process();
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	oa = p->sighand->act[sig];
	if (uact) {
		p->sighand->act[sig] = na;
		/* setting SIG_IGN (or the default of an ignored signal) discards
		 * what is pending (POSIX) */
		if (na.handler == SIG_IGN || (na.handler == SIG_DFL && default_action(sig) == ACT_IGN)) {
			p->shared_pending &= ~SIGBIT(sig);
			struct list_head *pos;
			list_for_each(pos, &p->threads)
				list_entry(pos, struct uthread, node)->pending &= ~SIGBIT(sig);
		}
	}
	spin_unlock_irqrestore(&proc_lock, f);
	if (uoact && copy_to_user((void __user *)uoact, &oa, sizeof(oa)))
		return -EFAULT;
	return 0;
}
SYSCALL(rt_sigaction, sys_rt_sigaction);

static long sys_rt_sigprocmask(u64 how, u64 uset, u64 uoset, u64 size)
{
	if (size != 8)
		return -EINVAL;
	u64 set = 0;
	if (uset && copy_from_user(&set, (const void __user *)uset, 8))
		return -EFAULT;
	if (uset && how > 2)
		return -EINVAL;
	struct uthread *ut = current_uthread();
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	u64 old = ut->blocked;
	if (uset) {
		if (how == 0)
			ut->blocked |= set;
		else if (how == 1)
			ut->blocked &= ~set;
		else
			ut->blocked = set;
		ut->blocked &= ~UNBLOCKABLE;
	}
	spin_unlock_irqrestore(&proc_lock, f);
	if (uoset && copy_to_user((void __user *)uoset, &old, 8))
		return -EFAULT;
	return 0;
}
SYSCALL(rt_sigprocmask, sys_rt_sigprocmask);

static long sys_rt_sigpending(u64 uset, u64 size)
{
	if (size > 8) /* Linux: a shorter set gets its first bytes */
		return -EINVAL;
	struct uthread *ut = current_uthread();
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	u64 set = (ut->pending | ut->p->shared_pending) & ut->blocked;
	spin_unlock_irqrestore(&proc_lock, f);
	return copy_to_user((void __user *)uset, &set, size) ? -EFAULT : 0;
}
SYSCALL(rt_sigpending, sys_rt_sigpending);

static long sys_rt_sigsuspend(u64 umask, u64 size)
{
	if (size != 8)
		return -EINVAL;
	u64 mask;
	if (copy_from_user(&mask, (const void __user *)umask, 8))
		return -EFAULT;
	proc_sigmask_push(mask);
	sleep_interruptible_until(~0ULL);
	proc_sigmask_pop(true); /* the mask comes back once the handler frame is built */
	return -ERESTARTNOHAND;
}

void proc_sigmask_push(u64 mask)
{
	struct uthread *ut = current_uthread();
	if (!ut)
		return;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	ut->saved_blocked = ut->blocked;
	ut->restore_blocked = true;
	ut->blocked = mask & ~UNBLOCKABLE;
	spin_unlock_irqrestore(&proc_lock, f);
}

void proc_sigmask_pop(bool interrupted)
{
	struct uthread *ut = current_uthread();
	if (!ut || interrupted) /* interrupted: delivery restores it (above) */
		return;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	if (ut->restore_blocked) {
		ut->blocked = ut->saved_blocked;
		ut->restore_blocked = false;
	}
	spin_unlock_irqrestore(&proc_lock, f);
}
SYSCALL(rt_sigsuspend, sys_rt_sigsuspend);

static long sys_pause(void)
{
	sleep_interruptible_until(~0ULL);
	return -ERESTARTNOHAND;
}
SYSCALL(pause, sys_pause);

static long sys_kill(u64 upid, u64 usig)
{
	int pid = (int)upid, sig = (int)usig;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct process *self = current_process();
	if (pid > 0)
		return proc_kill(pid, sig);
	if (pid == -2147483647 - 1) /* -INT_MIN overflows; Linux: -ESRCH */
		return -ESRCH;
	struct ksiginfo ki = user_info(SI_USER);
	int r = -ESRCH;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	int pgid = pid == 0 ? self->pgid : -pid;
	struct list_head *pos;
	list_for_each(pos, &proc_all) {
		struct process *p = list_entry(pos, struct process, all);
		if (p->state != PROC_ALIVE)
			continue;
		bool match = pid == -1 ? p != self && p->pid != 1 : p->pgid == pgid;
		if (match) {
			int e = signal_send(p, NULL, sig, &ki);
			if (r)
				r = e;
		}
	}
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}
SYSCALL(kill, sys_kill);

static int thread_kill(int tgid, int tid, int sig)
{
	if (sig < 0 || sig > NSIG || tid <= 0)
		return -EINVAL;
	struct ksiginfo ki = user_info(SI_TKILL);
	struct process *p;
	irqflags_t f = spin_lock_irqsave(&proc_lock);
	struct uthread *ut = uthread_find(tgid, (u32)tid, &p);
	int r = ut ? signal_send(p, ut, sig, &ki) : -ESRCH;
	spin_unlock_irqrestore(&proc_lock, f);
	return r;
}
static long sys_tgkill(u64 tgid, u64 tid, u64 sig)
{
	if ((int)tgid <= 0)
		return -EINVAL;
	return thread_kill((int)tgid, (int)tid, (int)sig);
}
static long sys_tkill(u64 tid, u64 sig) { return thread_kill(0, (int)tid, (int)sig); }
SYSCALL(tgkill, sys_tgkill);
SYSCALL(tkill, sys_tkill);

#define MINSIGSTKSZ 2048
static long sys_sigaltstack(u64 uss, u64 uoss)
{
	struct uthread *ut = current_uthread();
	struct trap_frame *regs = arch_user_regs(current_thread());
	struct { u64 sp; s32 flags, pad; u64 size; } ss, old;
	old.sp = ut->alt_sp;
	old.size = ut->alt_size;
	old.pad = 0;
	old.flags = !ut->alt_size ? SS_DISABLE : on_alt_stack(ut, regs->rsp) ? SS_ONSTACK : 0;
	if (uss) {
		if (copy_from_user(&ss, (const void __user *)uss, sizeof(ss)))
			return -EFAULT;
		if (on_alt_stack(ut, regs->rsp))
			return -EPERM;
		if (ss.flags & ~(SS_DISABLE | SS_ONSTACK | (s32)0x80000000))
			return -EINVAL;
		if (ss.flags & SS_DISABLE) {
			ut->alt_sp = ut->alt_size = 0;
			ut->alt_flags = SS_DISABLE;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			ut->alt_sp = ss.sp;
			ut->alt_size = ss.size;
			ut->alt_flags = 0;
		}
	}
	if (uoss && copy_to_user((void __user *)uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(sigaltstack, sys_sigaltstack);
