/* idt.c — the IDT and the trap dispatcher.
 * Vectors 0-31 are CPU exceptions: reported in full (registers, faulting
 * address, symbolized backtrace) and the CPU halts — except page faults at
 * user addresses (below USER_TOP) of a thread with an address space: from
 * user mode, or from a uaccess instruction (one with an exception-table
 * entry) with interrupts on and no spinlock held, they go to uvm_fault()
 * with interrupts re-enabled as they were at the fault (it takes the
 * address space's mutex and may sleep). Unresolved: user mode gets
 * proc_fault_signal (SIGSEGV), kernel mode the fixup (-EFAULT) or the
 * report. Vectors 32-255 are
 * device and local interrupts: dispatched to kernel/irq.c and acknowledged
 * at the local APIC. */
#include <rayos/arch.h>
#include <rayos/irq.h>
#include <rayos/metrics.h>
#include <rayos/percpu.h>
#include <rayos/panic.h>
#include <rayos/ksyms.h>
#include <rayos/printf.h>
#include <rayos/vm.h>
#include <rayos/thread.h>
#include <rayos/time.h>
#include <rayos/trace.h>
#include <rayos/sched.h>
#include <rayos/uaccess.h>
#include <rayos/uvm.h>
#include <rayos/proc.h>
#include "x86.h"
#include "trap.h"

struct idt_entry {
	u16 off_lo, sel;
	u8 ist, flags;
	u16 off_mid;
	u32 off_hi, zero;
} __packed;

static struct idt_entry idt[256] __attribute__((aligned(16)));
extern u8 uaccess_smap;
extern const u64 isr_stub_table[256];
int gdt_ist_of(u64 addr);

static void set_gate(int v, u64 handler, u8 ist)
{
	idt[v].off_lo = handler & 0xffff;
	idt[v].sel = GDT_KCODE;
	idt[v].ist = ist;
	idt[v].flags = 0x8e; /* present, DPL 0, interrupt gate */
	idt[v].off_mid = (handler >> 16) & 0xffff;
	idt[v].off_hi = handler >> 32;
	idt[v].zero = 0;
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, isr_stub_table[v], 0);
	set_gate(2, isr_stub_table[2], 2);   /* NMI */
	set_gate(8, isr_stub_table[8], 1);   /* double fault */
	set_gate(18, isr_stub_table[18], 3); /* machine check */
	idt_load();
}

/* Every CPU loads the one shared IDT. */
void idt_load(void)
{
	struct __packed { u16 limit; u64 base; } idtr = { sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range exceeded", "invalid opcode", "device not available",
	"double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved", "x87 floating-point error", "alignment check",
	"machine check", "SIMD floating-point error", "virtualization exception",
	"control protection exception", "reserved", "reserved", "reserved",
	"reserved", "reserved", "reserved", "hypervisor injection",
	"VMM communication", "security exception", "reserved",
};

struct extable_entry {
	u64 insn, fixup;
};
extern const struct extable_entry __start_rayos_extable[], __stop_rayos_extable[];

/* Where probe_exec() jumped; a fetch fault there returns to its caller. */
static u64 probe_exec_target;

int probe_exec(const void *addr)
{
	probe_exec_target = (u64)addr;
	int r = ((int (*)(void))addr)();
	probe_exec_target = 0;
	return r;
}

/* An expected fault (probe routines, later user copies): resume at the
 * fixup with -EFAULT in %rax. Returns true when handled. */
static bool fixup_fault(struct trap_frame *f)
{
	if (f->vector != 14 && f->vector != 13)
		return false;
	for (const struct extable_entry *e = __start_rayos_extable; e < __stop_rayos_extable; e++) {
		if (e->insn == f->rip) {
			f->rip = e->fixup;
			f->rax = (u64)-EFAULT;
			return true;
		}
	}
	if (probe_exec_target && f->rip == probe_exec_target && f->vector == 14 && (f->error & 16)) {
		/* the call pushed the return address: return there */
		f->rip = *(u64 *)f->rsp;
		f->rsp += 8;
		f->rax = (u64)-EFAULT;
		probe_exec_target = 0;
		return true;
	}
	return false;
}

static void print_sym(const char *label, u64 addr)
{
	char buf[160];
	ksyms_format(addr, buf, sizeof(buf));
	panic_printf("%s%016llx %s\n", label, (unsigned long long)addr, buf);
}

static void report_exception(struct trap_frame *f)
{
	u64 cr2 = read_cr2();
	panic_begin();
	panic_printf("\n*** KERNEL EXCEPTION: %s (vector %llu, error 0x%llx) on CPU %u ***\n",
		     exc_names[f->vector], (unsigned long long)f->vector,
		     (unsigned long long)f->error, this_cpu()->id);
	print_sym("RIP: ", f->rip);
	if (f->vector == 14) {
		panic_printf("fault address (CR2): %016llx (%s %s, %s mode%s%s)\n",
			     (unsigned long long)cr2,
			     f->error & 1 ? "protection violation on" : "not-present page on",
			     f->error & 16 ? "instruction fetch" : f->error & 2 ? "write" : "read",
			     f->error & 4 ? "user" : "kernel",
			     f->error & 8 ? ", reserved bit set" : "", "");
		char buf[160];
		const char *why = vm_explain_fault(cr2, buf, sizeof(buf));
		if (why)
			panic_printf("fault address is %s\n", why);
	}
	int ist = gdt_ist_of(f->rsp);
	panic_printf("RSP: %016llx%s  RFLAGS: %016llx  CS: %04llx  SS: %04llx\n",
		     (unsigned long long)f->rsp, ist ? " (on an IST stack)" : "",
		     (unsigned long long)f->rflags, (unsigned long long)f->cs,
		     (unsigned long long)f->ss);
	panic_printf("RAX: %016llx RBX: %016llx RCX: %016llx\n",
		     (unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx);
	panic_printf("RDX: %016llx RSI: %016llx RDI: %016llx\n",
		     (unsigned long long)f->rdx, (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	panic_printf("RBP: %016llx R8:  %016llx R9:  %016llx\n",
		     (unsigned long long)f->rbp, (unsigned long long)f->r8, (unsigned long long)f->r9);
	panic_printf("R10: %016llx R11: %016llx R12: %016llx\n",
		     (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	panic_printf("R13: %016llx R14: %016llx R15: %016llx\n",
		     (unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
	panic_printf("CR0: %016llx CR2: %016llx CR3: %016llx CR4: %016llx\n",
		     (unsigned long long)read_cr0(), (unsigned long long)cr2,
		     (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	panic_backtrace_exception(f->rbp, f->rip, f->rsp);
	panic_end("exception");
}

void user_exception(struct trap_frame *f); /* usermode.c */
extern const char uaccess_text_start[], uaccess_text_end[];

/* A user-access instruction of uaccess.S (not a probe: probes of user
 * addresses are kernel bugs SMAP reports as faults). With SMAP on, user
 * access must also be open (RFLAGS.AC): otherwise the fault is SMAP
 * refusing a present page, which uvm_fault would find "spurious" forever. */
static bool in_uaccess(const struct trap_frame *f)
{
	if (f->rip < (u64)uaccess_text_start || f->rip >= (u64)uaccess_text_end)
		return false;
	if (uaccess_smap && !(f->rflags & (1ULL << 18)))
		return false;
	for (const struct extable_entry *e = __start_rayos_extable; e < __stop_rayos_extable; e++)
		if (e->insn == f->rip)
			return true;
	return false;
}

/* A page fault at a user address: true when handled (resolved, or a
 * signal queued for the user thread). */
static bool user_page_fault(struct trap_frame *f)
{
	u64 addr = read_cr2(); /* before interrupts come back */
	bool user = (f->cs & 3) == 3;
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	bool irqs_were_on = f->rflags & (1 << 9);
	if (!user && (addr >= USER_TOP || !in_uaccess(f)))
		return false; /* a kernel bug (or SMAP catching one): report it */
	if (addr < USER_TOP && t && t->uvm &&
	    (user || (irqs_were_on && !c->preempt_count && !c->irq_depth))) {
		if (irqs_were_on)
			arch_irq_enable();
		int r = uvm_fault(t->uvm, addr, (u32)f->error);
		if (r == -ENOMEM && user) {
			/* out of memory: kill the largest process; the fault is
			 * retried (or this thread was the one killed) */
			proc_out_of_memory("user page fault");
			r = 0;
		}
		arch_irq_disable();
		if (r == 0)
			return true;
	}
	if (!user)
		return false; /* the fixup makes the copy return -EFAULT */
	if (irqs_were_on)
		arch_irq_enable();
	proc_fault_signal(addr, (u32)f->error);
	arch_irq_disable();
	return true;
}

void trap_entry(struct trap_frame *f)
{
	if (uaccess_smap) /* user access closed in every handler (iretq restores it) */
		__asm__ volatile("clac" ::: "memory");
	if (f->cs & 3)
		proc_user_entry(); /* user-time accounting; interrupts are off */
	if (f->vector < 32) {
		if (f->vector == 14 && user_page_fault(f))
			return;
		if ((f->cs & 3) && f->vector != 2 && f->vector != 8 && f->vector != 18) {
			user_exception(f); /* a signal, never a kernel report */
			return;
		}
		if (fixup_fault(f))
			return;
		report_exception(f);
		return; /* not reached */
	}
	struct cpu *c = this_cpu();
	u64 t0 = arch_cycles();
	c->irq_depth++;
	c->irq_count++;
	trace_irq_entry(f->vector);
	irq_dispatch((u8)f->vector);
	c->irq_depth--;
	if (f->vector != VEC_SPURIOUS)
		lapic_eoi();
	u64 irq_ns = cycles_to_ns(arch_cycles() - t0);
	c->irq_time_ns += irq_ns;
	hist_record(&hist_irq_duration, irq_ns); /* obs: rayos_irq_duration_seconds */
	trace_irq_exit(f->vector);
	sched_irq_exit(); /* may switch threads; we come back here later */
}
