/* usermode.c — the x86_64 side of user mode: the SYSCALL MSRs, the work
 * done on every return to user mode, the SYSRET safety check, user frames,
 * and CPU exceptions raised by user code (turned into signals).
 *
 * MSRs (Intel SDM vol. 3A 5.8.8, AMD APM vol. 2 6.1.1): EFER.SCE enables
 * SYSCALL; STAR[47:32] = kernel CS (SS = +8), STAR[63:48] = 0x18 | 3 (user
 * code32) so that SYSRETQ loads CS = 0x18 + 16 = 0x28 | 3 (user code64) and
 * SS = 0x18 + 8 = 0x20 | 3 (user data) — the GDT order gdt.c keeps (Linux
 * puts __USER32_CS there the same way); LSTAR = syscall_entry;
 * FMASK clears IF, TF, DF, AC, NT on entry (Linux masks the same).
 *
 * Return to user mode (exit_to_user, interrupts off on entry and on exit):
 * reschedule when need_resched is set, then let the process code deliver
 * signals / act on kills (proc_user_work), until neither is pending. */
#include <rayos/arch.h>
#include <rayos/arch_thread.h>
#include <rayos/proc.h>
#include <rayos/thread.h>
#include <rayos/uaccess.h>
#include <rayos/uvm.h>
#include "x86.h"
#include "trap.h"

_Static_assert(__builtin_offsetof(struct cpu, kstack_top) == 72, "syscall.S CPU_KSTACK_TOP");
_Static_assert(__builtin_offsetof(struct cpu, user_rsp) == 80, "syscall.S CPU_USER_RSP");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "syscall.S FRAME_SIZE");

#define RFLAGS_CF 0x1ULL
#define RFLAGS_IF 0x200ULL
#define RFLAGS_TF 0x100ULL
#define RFLAGS_DF 0x400ULL
#define RFLAGS_NT 0x4000ULL
#define RFLAGS_RF 0x10000ULL
#define RFLAGS_AC 0x40000ULL
/* what user code may set (Linux's FIX_EFLAGS): CF PF AF ZF SF TF DF OF AC RF */
#define RFLAGS_USER 0x50dd5ULL

extern void syscall_entry(void);

void syscall_init_cpu(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((u64)(GDT_UCODE32 | 3) << 48) | ((u64)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
}

struct trap_frame *arch_user_regs(struct thread *t)
{
	return (struct trap_frame *)((u8 *)t->stack + t->stack_size) - 1;
}

void arch_user_frame_init(struct trap_frame *f, u64 rip, u64 sp)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->rip = rip;
	f->rsp = sp;
	f->cs = GDT_UCODE | 3;
	f->ss = GDT_UDATA | 3;
	f->rflags = RFLAGS_IF | 0x2;
}

void arch_user_frame_sanitize(struct trap_frame *f)
{
	/* IRETQ to a non-canonical rip faults in ring 0 after swapgs: send
	 * such a program to USER_TOP instead (never mapped: its fetch faults
	 * in user mode, and it gets SIGSEGV, as on Linux) */
	if (f->rip >= USER_TOP)
		f->rip = USER_TOP;
	f->cs = GDT_UCODE | 3;
	f->ss = GDT_UDATA | 3;
	f->rflags = (f->rflags & RFLAGS_USER) | RFLAGS_IF | 0x2;
}

/* 1 when SYSRETQ restores the frame exactly and safely. */
int syscall_can_sysret(const struct trap_frame *f)
{
	return f->rcx == f->rip && f->r11 == f->rflags && f->rip < USER_TOP &&
	       f->cs == (GDT_UCODE | 3) && f->ss == (GDT_UDATA | 3) &&
	       !(f->rflags & (RFLAGS_TF | RFLAGS_RF)) && (f->rflags & RFLAGS_IF);
}

void exit_to_user(struct trap_frame *f)
{
	for (;;) {
		struct cpu *c = this_cpu();
		if (c->rq && READ_ONCE(c->rq->need_resched)) {
			arch_irq_enable();
			schedule();
			arch_irq_disable();
			continue;
		}
		if (proc_user_work_pending()) {
			arch_irq_enable();
			proc_user_work(f);
			arch_irq_disable();
			continue;
		}
		proc_user_exit();
		return;
	}
}

/* A CPU exception in user mode: resolve a page fault, else a signal.
 * Linux's choices: #DE, #MF, #XM -> SIGFPE; #UD -> SIGILL; #DB, #BP ->
 * SIGTRAP; #AC, #NP, #SS -> SIGBUS; #GP, #PF and the rest -> SIGSEGV. */
void user_exception(struct trap_frame *f)
{
	arch_irq_enable(); /* user code was interrupted: sleeping is fine */
	switch (f->vector) {
	case 14: {
		u64 cr2 = read_cr2();
		proc_user_page_fault(cr2, (u32)f->error);
		break;
	}
	case 0: proc_force_signal(8 /* SIGFPE */, 1 /* FPE_INTDIV */, f->rip); break;
	case 16: case 19: proc_force_signal(8, 0, f->rip); break;
	case 6: proc_force_signal(4 /* SIGILL */, 2 /* ILL_ILLOPN */, f->rip); break;
	case 1: case 3: proc_force_signal(5 /* SIGTRAP */, 1 /* TRAP_BRKPT */, f->rip); break;
	case 11: case 12: case 17: proc_force_signal(7 /* SIGBUS */, 2, f->rip); break;
	default: proc_force_signal(11 /* SIGSEGV */, 0x80 /* SI_KERNEL */, 0); break;
	}
	arch_irq_disable();
}
