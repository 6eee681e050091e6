/* ksyms.c — lookups in the kernel's symbol table.
 * The table is generated from the linked kernel by tools/gen-ksyms.sh
 * (two-pass link: the first link has an empty table; text addresses do not
 * move in the second because .ksyms sits after .text). Entries are sorted by
 * address; lookup is a binary search. */
#include <rayos/ksyms.h>
#include <rayos/printf.h>
#include <rayos/string.h>

struct ksym {
	u64 addr;
	u64 size;
	u32 name_off;
	u32 pad;
};

extern const struct ksym ksyms_table[] __attribute__((weak));
extern const u64 ksyms_nr __attribute__((weak));
extern const char ksyms_names[] __attribute__((weak));

u32 ksyms_count(void)
{
	return &ksyms_nr ? (u32)ksyms_nr : 0;
}

const char *ksyms_lookup(u64 addr, u64 *offset, u64 *size)
{
	u32 n = ksyms_count();
	if (!n || addr < ksyms_table[0].addr)
		return NULL;
	u32 lo = 0, hi = n; /* find the last entry with addr <= target */
	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	const struct ksym *k = &ksyms_table[lo];
	u64 sz = k->size ? k->size : (lo + 1 < n ? ksyms_table[lo + 1].addr - k->addr : 0);
	if (addr - k->addr >= sz)
		return NULL;
	if (offset)
		*offset = addr - k->addr;
	if (size)
		*size = sz;
	return ksyms_names + k->name_off;
}

void ksyms_format(u64 addr, char *buf, size_t size)
{
	u64 off, sz;
	const char *name = ksyms_lookup(addr, &off, &sz);
	if (name)
		snprintf(buf, size, "%s+0x%llx/0x%llx", name, (unsigned long long)off,
			 (unsigned long long)sz);
	else
		snprintf(buf, size, "?");
}

u64 ksyms_address(const char *name)
{
	for (u32 i = 0; i < ksyms_count(); i++)
		if (!strcmp(ksyms_names + ksyms_table[i].name_off, name))
			return ksyms_table[i].addr;
	return 0;
}
