/* extable.h — for assembly: EXTABLE insn, fixup records an instruction
 * that may fault and where to resume (the rayos_extable section that
 * trap_entry searches on #PF and #GP, resuming with %rax = -EFAULT). */
#ifndef ARCH_EXTABLE_H
#define ARCH_EXTABLE_H
#define EFAULT 14

.macro EXTABLE insn, fixup
	.pushsection rayos_extable, "a"
	.balign 8
	.quad \insn, \fixup
	.popsection
.endm
#endif
