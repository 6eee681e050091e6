/* bootinfo.c — turns the PVH start_info or the multiboot2 information into
 * struct boot_info. Runs first in kmain, on the boot page tables (the first
 * 4 GiB identity-mapped); everything needed later is copied out here.
 *
 * References: Xen's arch-x86/hvm/start_info.h (PVH), the Multiboot2
 * specification 1.0 section 3.6. Malformed input is clipped, never trusted:
 * every length is checked against the structure that contains it. */
#include <rayos/bootinfo.h>
#include <rayos/string.h>
#include "x86.h"

struct boot_info boot_info;

#define PVH_MAGIC 0x336ec578

struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr;
	u64 memmap_paddr; /* version >= 1 */
	u32 memmap_entries, reserved;
} __packed;

struct hvm_modlist_entry {
	u64 paddr, size, cmdline_paddr, reserved;
} __packed;

struct hvm_memmap_entry {
	u64 addr, size;
	u32 type, reserved;
} __packed;

#define LOW_LIMIT (4ULL << 30)

static const void *early_phys(u64 p, u64 len)
{
	if (p == 0 || p >= LOW_LIMIT || len > LOW_LIMIT - p)
		return NULL;
	return (const void *)(uintptr_t)p;
}

static void copy_string(char *dst, size_t size, u64 phys)
{
	dst[0] = 0;
	const char *s = early_phys(phys, 1);
	if (!s)
		return;
	size_t i = 0;
	/* only read what stays inside the identity window */
	while (i + 1 < size && phys + i < LOW_LIMIT && s[i]) {
		dst[i] = s[i];
		i++;
	}
	dst[i] = 0;
}

static void add_region(u64 base, u64 len, u32 type)
{
	if (len == 0 || boot_info.nr_regions >= BOOT_MAX_REGIONS)
		return;
	if (type < MEM_USABLE || type > MEM_BAD)
		type = MEM_RESERVED;
	struct mem_region *r = &boot_info.regions[boot_info.nr_regions++];
	r->base = base;
	r->length = len;
	r->type = type;
}

static void parse_pvh(u32 info)
{
	const struct hvm_start_info *si = early_phys(info, sizeof(*si));
	boot_info.loader_name = "PVH";
	if (!si || si->magic != PVH_MAGIC)
		return;
	copy_string(boot_info.cmdline, sizeof(boot_info.cmdline), si->cmdline_paddr);
	boot_info.rsdp_phys = si->rsdp_paddr;
	const struct hvm_modlist_entry *mods =
		early_phys(si->modlist_paddr, (u64)si->nr_modules * sizeof(*mods));
	for (u32 i = 0; mods && i < si->nr_modules && i < BOOT_MAX_MODULES; i++) {
		struct boot_module *m = &boot_info.modules[boot_info.nr_modules++];
		m->start = mods[i].paddr;
		m->end = mods[i].paddr + mods[i].size;
		copy_string(m->cmdline, sizeof(m->cmdline), mods[i].cmdline_paddr);
	}
	if (si->version >= 1) {
		const struct hvm_memmap_entry *mm = early_phys(
			si->memmap_paddr, (u64)si->memmap_entries * sizeof(*mm));
		for (u32 i = 0; mm && i < si->memmap_entries; i++)
			add_region(mm[i].addr, mm[i].size, mm[i].type);
	}
}

/* Multiboot2 tag types we read. */
enum {
	MB2_TAG_END = 0, MB2_TAG_CMDLINE = 1, MB2_TAG_LOADER = 2, MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6, MB2_TAG_EFI32 = 11, MB2_TAG_EFI64 = 12,
	MB2_TAG_ACPI_OLD = 14, MB2_TAG_ACPI_NEW = 15,
};

static void parse_mb2(u32 info)
{
	const u32 *hdr = early_phys(info, 8);
	boot_info.loader_name = "multiboot2";
	if (!hdr)
		return;
	u32 total = hdr[0];
	const u8 *base = early_phys(info, total);
	if (!base || total < 16)
		return;
	u32 off = 8;
	while (off + 8 <= total) {
		const u8 *tag = base + off;
		u32 type, size;
		memcpy(&type, tag, 4);
		memcpy(&size, tag + 4, 4);
		if (type == MB2_TAG_END || size < 8 || size > total - off)
			break;
		const u8 *body = tag + 8;
		u32 blen = size - 8;
		switch (type) {
		case MB2_TAG_CMDLINE: {
			size_t n = MIN(blen, (u32)sizeof(boot_info.cmdline) - 1);
			memcpy(boot_info.cmdline, body, n);
			boot_info.cmdline[n] = 0;
			boot_info.cmdline[strnlen(boot_info.cmdline, n)] = 0;
			break;
		}
		case MB2_TAG_LOADER: {
			size_t n = MIN(blen, (u32)sizeof(boot_info.loader_buf) - 1);
			memcpy(boot_info.loader_buf, body, n);
			boot_info.loader_buf[n] = 0;
			boot_info.loader_name = boot_info.loader_buf;
			break;
		}
		case MB2_TAG_MODULE:
			if (blen >= 8 && boot_info.nr_modules < BOOT_MAX_MODULES) {
				struct boot_module *m = &boot_info.modules[boot_info.nr_modules++];
				u32 s, e;
				memcpy(&s, body, 4);
				memcpy(&e, body + 4, 4);
				m->start = s;
				m->end = e;
				size_t n = MIN(blen - 8, (u32)sizeof(m->cmdline) - 1);
				memcpy(m->cmdline, body + 8, n);
				m->cmdline[n] = 0;
			}
			break;
		case MB2_TAG_MMAP: {
			if (blen < 8)
				break;
			u32 esize;
			memcpy(&esize, body, 4);
			if (esize < 24)
				break;
			for (u32 p = 8; p + esize <= blen; p += esize) {
				u64 b, l;
				u32 t;
				memcpy(&b, body + p, 8);
				memcpy(&l, body + p + 8, 8);
				memcpy(&t, body + p + 16, 4);
				add_region(b, l, t);
			}
			break;
		}
		case MB2_TAG_EFI32:
		case MB2_TAG_EFI64:
			boot_info.efi = true;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* prefer the ACPI 2.0+ copy when both are present */
			if (blen >= 20 && (type == MB2_TAG_ACPI_NEW || !boot_info.rsdp_is_copy)) {
				memset(boot_info.rsdp_copy, 0, sizeof(boot_info.rsdp_copy));
				memcpy(boot_info.rsdp_copy, body, MIN(blen, (u32)sizeof(boot_info.rsdp_copy)));
				boot_info.rsdp_is_copy = true;
			}
			break;
		}
		off += ALIGN_UP(size, 8);
	}
}

void bootinfo_parse(u32 protocol, u32 info, u64 boot_tsc)
{
	boot_info.protocol = protocol;
	boot_info.boot_tsc = boot_tsc;
	if (protocol == BOOT_PVH)
		parse_pvh(info);
	else
		parse_mb2(info);
	/* sort regions by base (insertion sort: at most 128) */
	for (u32 i = 1; i < boot_info.nr_regions; i++) {
		struct mem_region r = boot_info.regions[i];
		u32 j = i;
		while (j > 0 && boot_info.regions[j - 1].base > r.base) {
			boot_info.regions[j] = boot_info.regions[j - 1];
			j--;
		}
		boot_info.regions[j] = r;
	}
}

const char *mem_type_name(u32 type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_RESERVED: return "reserved";
	case MEM_ACPI_RECLAIM: return "ACPI data";
	case MEM_ACPI_NVS: return "ACPI NVS";
	case MEM_BAD: return "unusable";
	}
	return "unknown";
}
