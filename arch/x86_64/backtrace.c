/* backtrace.c — frame-pointer stack walk (the kernel is built with
 * -fno-omit-frame-pointer). Each frame is [rbp] = caller's rbp,
 * [rbp+8] = return address. Walks stop at a null, non-canonical, misaligned
 * or non-increasing frame pointer, or after 32 frames. */
#include <rayos/arch.h>
#include "x86.h"

void arch_backtrace(u64 fp, void (*fn)(u64 addr, void *ctx), void *ctx)
{
	for (int depth = 0; depth < 32; depth++) {
		if (fp < DIRECT_MAP_BASE || (fp & 7) || fp > ~0ULL - 16)
			return;
		u64 next = ((u64 *)fp)[0];
		u64 ret = ((u64 *)fp)[1];
		if (ret < KERNEL_VMA)
			return;
		fn(ret, ctx);
		if (next <= fp)
			return;
		fp = next;
	}
}
