/* gdt.c — the GDT, the TSS with its interrupt stacks, and the per-CPU GS base.
 *
 * Layout (fixed, syscall/sysret will rely on it): 0x08 kernel code,
 * 0x10 kernel data, 0x18 user code32, 0x20 user data, 0x28 user code64,
 * 0x30 TSS (16 bytes). IST1 = double fault, IST2 = NMI, IST3 = machine check:
 * each has its own stack so a fault on a broken kernel stack still reports. */
#include <rayos/percpu.h>
#include <rayos/string.h>
#include "x86.h"

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
static u8 ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
static struct tss tss0;
static u64 gdt[8] __attribute__((aligned(16)));

struct cpu cpus[MAX_CPUS];
u32 nr_cpus_online;

static void load_gdt(void)
{
	struct __packed { u16 limit; u64 base; } gdtr = { sizeof(gdt) - 1, (u64)gdt };
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

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffULL; /* kernel code, L=1 */
	gdt[2] = 0x00cf92000000ffffULL; /* kernel data */
	gdt[3] = 0x00cffa000000ffffULL; /* user code 32 */
	gdt[4] = 0x00cff2000000ffffULL; /* user data */
	gdt[5] = 0x00affa000000ffffULL; /* user code 64 */
	u64 base = (u64)&tss0, limit = sizeof(tss0) - 1;
	gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[7] = base >> 32;
	for (int i = 0; i < 3; i++)
		tss0.ist[i] = (u64)&ist_stacks[i][IST_STACK_SIZE];
	tss0.iomap_base = sizeof(tss0);
	load_gdt();

	struct cpu *c = &cpus[0];
	c->self = c;
	c->id = 0;
	c->online = true;
	nr_cpus_online = 1;
	wrmsr(MSR_GS_BASE, (u64)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* Which IST stack an address belongs to, for the fault reporter. */
int gdt_ist_of(u64 addr)
{
	for (int i = 0; i < 3; i++)
		if (addr >= (u64)ist_stacks[i] && addr < (u64)&ist_stacks[i][IST_STACK_SIZE])
			return i + 1;
	return 0;
}
