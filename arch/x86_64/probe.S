/* probe.S — kernel memory probes that fail with -EFAULT instead of
 * faulting. Each instruction that may fault has an entry in the
 * rayos_extable section: (address of the instruction, address to resume
 * at). trap_entry() looks the faulting RIP up there on #PF and #GP and
 * resumes at the fixup with %rax = -EFAULT. The user-copy routines will use
 * the same table. */
#include "extable.h"

	.text
	.globl probe_read_u8
probe_read_u8:                 /* (const void *addr, u8 *out) */
1:	movb (%rdi), %al
	movb %al, (%rsi)
	xor %eax, %eax
	ret
	EXTABLE 1b, probe_fault

	.globl probe_write_u8
probe_write_u8:                /* (void *addr, u8 val) */
2:	movb %sil, (%rdi)
	xor %eax, %eax
	ret
	EXTABLE 2b, probe_fault

probe_fault:
	mov $-EFAULT, %rax
	ret
