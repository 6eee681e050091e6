/* x86.h — x86_64 private helpers: MSRs, control registers, CPUID, segments.
 * Only code under arch/x86_64/ includes this. */
#ifndef ARCH_X86_H
#define ARCH_X86_H
#include <rayos/types.h>

#define KERNEL_VMA     0xffffffff80000000ULL
#define DIRECT_MAP_BASE 0xffff800000000000ULL
#define MMIO_BASE      0xffffffffc0000000ULL   /* 512 MiB window for devices */
#define MMIO_SIZE      0x20000000ULL

#define MSR_EFER          0xC0000080
#define MSR_GS_BASE       0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_APIC_BASE     0x1B
#define MSR_STAR          0xC0000081
#define MSR_LSTAR         0xC0000082
#define MSR_FMASK         0xC0000084
#define MSR_FS_BASE       0xC0000100
#define EFER_SCE          (1ULL << 0)
#define MSR_TSC_DEADLINE  0x6E0

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UCODE32 0x18
#define GDT_UDATA 0x20
#define GDT_UCODE 0x28
#define GDT_TSS   0x30

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}
static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline u64 read_cr0(void) { u64 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u64 read_cr4(void) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(u64 v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static inline void invlpg(u64 va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

/* Boot-time pieces, called from kmain through arch_early_init(). */
void bootinfo_parse(u32 protocol, u32 info_phys, u64 boot_tsc);
void gdt_init(void);
void gdt_init_cpu(u32 cpu, u8 *ist[3]);
size_t gdt_ist_stack_size(void);
void idt_load(void);
void idt_init(void);
void paging_init(void);
void cpu_features_init(void);
void fpu_init_cpu(void); /* thread.c: SSE on, clean FPU image */
extern bool cpu_has_nx, cpu_has_tsc_deadline, cpu_has_invariant_tsc;

/* The kernel-only top-level table (paging.c); its kernel half is what
 * every user address space shares (upaging.c). */
u64 paging_kernel_root(void);
/* Run fn(arg) on CPU cpu and wait for it (smp.c). */
int smp_call_on(u32 cpu, void (*fn)(void *), void *arg);
/* SMEP/SMAP (cpu.c): turn on what the CPU has, on this CPU. */
void cpu_protect_init(void);
extern bool cpu_has_smep, cpu_has_smap;

/* A zeroed page for page tables (bootmem, later the page allocator). */
u64 early_alloc_page(void);

/* Local APIC and IOAPIC. */
void lapic_eoi(void);
#endif
