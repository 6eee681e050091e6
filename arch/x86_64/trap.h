/* trap.h — the register frame isr.S builds on every interrupt and exception. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H
#include <rayos/types.h>

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#define VEC_IRQ_BASE   0x20
#define VEC_LAPIC_TIMER 0xEF
#define VEC_SPURIOUS   0xFF

#endif
