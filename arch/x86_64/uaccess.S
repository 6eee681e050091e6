/* uaccess.S — the instructions that touch user memory (mm/uaccess.c has
 * the checked C entry points of uaccess.h). Each routine opens user access
 * with stac and closes it with clac when SMAP is on (the flag uaccess_smap,
 * set at boot when CR4.SMAP was turned on: stac/clac are undefined on CPUs
 * without SMAP). Every instruction that reads or writes user memory has an
 * entry in rayos_extable (see probe.S): when its fault cannot be resolved
 * (idt.c first gives faults at user addresses to uvm_fault), trap_entry
 * resumes at uaccess_fault with %rax = -EFAULT, which closes user access
 * and returns -EFAULT. rep movs/stos are restartable: a fault that
 * uvm_fault resolves retries the instruction with the registers as they
 * were when it faulted. */
#include "extable.h"

.macro USER_OPEN
	testb $1, uaccess_smap(%rip)
	jz 88f
	stac
88:
.endm

.macro USER_CLOSE
	testb $1, uaccess_smap(%rip)
	jz 89f
	clac
89:
.endm

	.data
	.globl uaccess_smap
uaccess_smap:
	.byte 0

	.text
	.globl uaccess_text_start, uaccess_text_end
uaccess_text_start:
/* long uaccess_copy(void *dst, const void *src, size_t n): 0 or -EFAULT */
	.globl uaccess_copy
uaccess_copy:
	USER_OPEN
	mov %rdx, %rcx
	shr $3, %rcx
1:	rep movsq                     /* 8 bytes a step (TCG: 8x fewer iterations) */
	mov %rdx, %rcx
	and $7, %rcx
6:	rep movsb
	USER_CLOSE
	xor %eax, %eax
	ret
	EXTABLE 1b, uaccess_fault
	EXTABLE 6b, uaccess_fault

/* long uaccess_clear(void *dst, size_t n): 0 or -EFAULT */
	.globl uaccess_clear
uaccess_clear:
	USER_OPEN
	mov %rsi, %rcx
	shr $3, %rcx
	xor %eax, %eax
7:	rep stosq
	mov %rsi, %rcx
	and $7, %rcx
2:	rep stosb
	USER_CLOSE
	xor %eax, %eax
	ret
	EXTABLE 7b, uaccess_fault
	EXTABLE 2b, uaccess_fault

/* long uaccess_strncpy(char *dst, const char *src, size_t max): the
 * length of the string when a NUL is among the first max bytes (copied
 * with the NUL), max when none is, or -EFAULT. */
	.globl uaccess_strncpy
uaccess_strncpy:
	USER_OPEN
	xor %eax, %eax
4:	cmp %rdx, %rax
	jae 5f
3:	movb (%rsi, %rax), %cl
	movb %cl, (%rdi, %rax)
	test %cl, %cl
	jz 5f
	inc %rax
	jmp 4b
5:	USER_CLOSE
	ret
	EXTABLE 3b, uaccess_fault

/* Single-instruction loads and stores (atomic when aligned: futex words,
 * CLONE_CHILD_CLEARTID): long uaccess_get32(const u32 *src, u32 *dst),
 * uaccess_get64, uaccess_put32(u32 *dst, u32 v), uaccess_put64: 0 or
 * -EFAULT. */
	.globl uaccess_get32
uaccess_get32:
	USER_OPEN
10:	movl (%rdi), %ecx
	USER_CLOSE
	movl %ecx, (%rsi)
	xor %eax, %eax
	ret
	EXTABLE 10b, uaccess_fault

	.globl uaccess_get64
uaccess_get64:
	USER_OPEN
11:	movq (%rdi), %rcx
	USER_CLOSE
	movq %rcx, (%rsi)
	xor %eax, %eax
	ret
	EXTABLE 11b, uaccess_fault

	.globl uaccess_put32
uaccess_put32:
	USER_OPEN
12:	movl %esi, (%rdi)
	USER_CLOSE
	xor %eax, %eax
	ret
	EXTABLE 12b, uaccess_fault

	.globl uaccess_put64
uaccess_put64:
	USER_OPEN
13:	movq %rsi, (%rdi)
	USER_CLOSE
	xor %eax, %eax
	ret
	EXTABLE 13b, uaccess_fault

uaccess_fault:
	USER_CLOSE
	mov $-EFAULT, %rax
	ret
uaccess_text_end:
