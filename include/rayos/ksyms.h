/* ksyms.h — the kernel's own symbol table (function names of .text), built
 * into the image at link time by tools/gen-ksyms.sh, for backtraces. */
#ifndef RAYOS_KSYMS_H
#define RAYOS_KSYMS_H
#include <rayos/types.h>

/* Name of the function containing addr and the offset into it; NULL if the
 * address is not in the kernel's text. */
const char *ksyms_lookup(u64 addr, u64 *offset, u64 *size);
/* "name+0x1a/0x80" or "?" into buf. */
void ksyms_format(u64 addr, char *buf, size_t size);
/* Address of a symbol by name, 0 if unknown. */
u64 ksyms_address(const char *name);
u32 ksyms_count(void);
#endif
