/* gdt.c — the GDT, the TSS with its interrupt stacks, and the per-CPU GS base.
 *
 * Layout (fixed, syscall/sysret will rely on it): 0x08 kernel code,
 * 0x10 kernel data, 0x18 user code32, 0x20 user data, 0x28 user code64,
 * 0x30 TSS (16 bytes). IST1 = double fault, IST2 = NMI, IST3 = machine check:
 * each has its own stack so a fault on a broken kernel stack still reports.
 * One GDT, TSS and set of IST stacks per CPU (CPU 0's static, the others'
 * vmalloc'd with guard pages at bring-up). */
#include <rayos/percpu.h>
#include <rayos/string.h>
#include "x86.h"

void syscall_init_cpu(void); /* usermode.c */

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

#define IST_STACK_SIZE 16384
static u8 ist_stacks0[3][IST_STACK_SIZE] __attribute__((aligned(16)));
/* per CPU; each CPU writes only its own entries, at its bring-up */
static struct tss tss[MAX_CPUS];
static u64 gdt[MAX_CPUS][8] __attribute__((aligned(16)));
static u8 *ist_base[MAX_CPUS][3];

struct cpu cpus[MAX_CPUS];
u32 nr_cpus_online;

static void load_gdt(u32 cpu)
{
	struct __packed { u16 limit; u64 base; } gdtr = { sizeof(gdt[cpu]) - 1, (u64)gdt[cpu] };
	__asm__ volatile(
		"lgdt %0\n"
		"mov %1, %%ds\n mov %1, %%es\n mov %1, %%ss\n"
		"pushq %2\n"
		"lea 1f(%%rip), %%rax\n"
		"pushq %%rax\n"
		"lretq\n"
		"1:\n"
		:: "m"(gdtr), "r"((u16)GDT_KDATA), "i"(GDT_KCODE) : "rax", "memory");
	__asm__ volatile("ltr %w0" ::"r"((u16)GDT_TSS));
}

/* Build and load CPU cpu's GDT and TSS (IST stacks given), and point its GS
 * base at cpus[cpu]. Runs on that CPU. */
void gdt_init_cpu(u32 cpu, u8 *ist[3])
{
	u64 *g = gdt[cpu];
	g[0] = 0;
	g[1] = 0x00af9a000000ffffULL; /* kernel code, L=1 */
	g[2] = 0x00cf92000000ffffULL; /* kernel data */
	g[3] = 0x00cffa000000ffffULL; /* user code 32 */
	g[4] = 0x00cff2000000ffffULL; /* user data */
	g[5] = 0x00affa000000ffffULL; /* user code 64 */
	u64 base = (u64)&tss[cpu], limit = sizeof(tss[cpu]) - 1;
	g[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
	       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	g[7] = base >> 32;
	for (int i = 0; i < 3; i++) {
		ist_base[cpu][i] = ist[i];
		tss[cpu].ist[i] = (u64)(ist[i] + IST_STACK_SIZE);
	}
	tss[cpu].iomap_base = sizeof(tss[cpu]);
	load_gdt(cpu);

	struct cpu *c = &cpus[cpu];
	c->self = c;
	c->id = cpu;
	wrmsr(MSR_GS_BASE, (u64)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	syscall_init_cpu();
}

/* The stack the CPU switches to on an interrupt from user mode (TSS.rsp0)
 * and the one syscall_entry loads: the running thread's kernel stack top.
 * Called by the context switch on the CPU itself. */
void arch_set_kernel_stack(u64 top)
{
	struct cpu *c = this_cpu();
	tss[c->id].rsp[0] = top;
	c->kstack_top = top;
}

void gdt_init(void)
{
	u8 *ist[3] = { ist_stacks0[0], ist_stacks0[1], ist_stacks0[2] };
	gdt_init_cpu(0, ist);
	cpus[0].online = true;
	nr_cpus_online = 1;
}

size_t gdt_ist_stack_size(void) { return IST_STACK_SIZE; }

/* Which IST stack an address belongs to, for the fault reporter. */
int gdt_ist_of(u64 addr)
{
	for (u32 c = 0; c < MAX_CPUS; c++)
		for (int i = 0; i < 3; i++)
			if (ist_base[c][i] && addr >= (u64)ist_base[c][i] &&
			    addr < (u64)ist_base[c][i] + IST_STACK_SIZE)
				return i + 1;
	return 0;
}
