/* bootinfo.h — what the boot protocol (PVH or multiboot2) told us, in one
 * protocol-independent form. Filled once by arch code before anything else
 * runs; read-only afterwards. */
#ifndef RAYOS_BOOTINFO_H
#define RAYOS_BOOTINFO_H
#include <rayos/types.h>

enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIM = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
};

struct mem_region {
	u64 base;
	u64 length;
	u32 type; /* enum mem_type */
};

struct boot_module {
	u64 start, end; /* physical, end exclusive */
	char cmdline[64];
};

#define BOOT_MAX_REGIONS 128
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 1024

enum boot_protocol { BOOT_PVH = 1, BOOT_MULTIBOOT2 = 2 };

struct boot_info {
	enum boot_protocol protocol;
	const char *loader_name; /* "PVH" or the multiboot2 loader name */
	char loader_buf[64];
	char cmdline[BOOT_CMDLINE_MAX];
	struct mem_region regions[BOOT_MAX_REGIONS];
	u32 nr_regions;
	struct boot_module modules[BOOT_MAX_MODULES];
	u32 nr_modules;
	u64 rsdp_phys; /* 0 when the loader gave none */
	/* multiboot2 may hand us a copy of the RSDP instead of its address */
	u8 rsdp_copy[36];
	bool rsdp_is_copy;
	u64 boot_tsc; /* cycle counter at the first kernel instruction */
	bool efi; /* booted through UEFI firmware */
};

extern struct boot_info boot_info;

const char *mem_type_name(u32 type);

#endif
