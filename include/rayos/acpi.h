/* acpi.h — ACPI tables: discovery, validation and the decoded platform
 * description (drivers/acpi/).
 *
 * Two layers:
 *  - pure parsers (drivers/acpi/parse.c) over (const void *bytes, size_t len):
 *    they read nothing outside [bytes, bytes + len), check the table's
 *    signature, length and checksum, and return 0, -EINVAL (malformed) or
 *    -ENOENT (a thing looked for is absent). They are compiled into the
 *    hosted unit tests (tests/host/test_acpi.c) unchanged;
 *  - discovery at boot (drivers/acpi/acpi.c): RSDP from the boot loader or
 *    the BIOS area, XSDT (else RSDT), every table checked and recorded, the
 *    known ones decoded into struct acpi_platform, read-only afterwards.
 *
 * Reference: ACPI Specification 6.5, ch. 5.2 (tables) and 20 (AML); IA-PC
 * HPET Specification 1.0a; PCI Firmware Specification 3.2 (MCFG). */
#ifndef RAYOS_ACPI_H
#define RAYOS_ACPI_H
#include <rayos/types.h>

#define ACPI_SDT_HEADER_LEN 36
#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36

/* Generic Address Structure (ACPI 5.2.3.2). */
enum { ACPI_GAS_MEMORY = 0, ACPI_GAS_IO = 1, ACPI_GAS_PCI_CONFIG = 2 };
struct acpi_gas {
	u8 space;        /* ACPI_GAS_* */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;  /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	u64 address;     /* 0 = register absent */
};

/* Every System Description Table starts with this header. */
struct acpi_sdt_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

struct acpi_rsdp {
	u8 revision;       /* 0 = ACPI 1.0 (RSDT only), 2+ = XSDT possible */
	char oem_id[7];
	u64 rsdt;          /* physical; 0 if none */
	u64 xsdt;          /* physical; 0 if none or the 2.0 part is invalid */
	bool ext_invalid;  /* revision >= 2 but length/extended checksum bad */
};

/* MPS INTI flags (MADT interrupt source overrides and NMI entries). */
#define ACPI_MPS_POLARITY_MASK 0x3
#define ACPI_MPS_POLARITY_BUS  0x0 /* conforms to the bus (ISA: high) */
#define ACPI_MPS_POLARITY_HIGH 0x1
#define ACPI_MPS_POLARITY_LOW  0x3
#define ACPI_MPS_TRIGGER_MASK  0xC
#define ACPI_MPS_TRIGGER_BUS   0x0 /* conforms to the bus (ISA: edge) */
#define ACPI_MPS_TRIGGER_EDGE  0x4
#define ACPI_MPS_TRIGGER_LEVEL 0xC

#define ACPI_MADT_PCAT_COMPAT     0x1 /* MADT flags: dual 8259 present */
#define ACPI_CPU_ENABLED          0x1 /* processor entry flags */
#define ACPI_CPU_ONLINE_CAPABLE   0x2
#define ACPI_UID_ALL              0xFFFFFFFFu /* NMI entry for every CPU */

#define ACPI_MADT_MAX_CPUS    256
#define ACPI_MADT_MAX_IOAPICS 16
#define ACPI_MADT_MAX_ISOS    32
#define ACPI_MADT_MAX_NMIS    16

struct acpi_madt_cpu {
	u32 apic_id;
	u32 uid;       /* ACPI processor UID */
	u32 flags;     /* ACPI_CPU_* */
	bool x2apic;   /* from a Processor Local x2APIC entry */
};
struct acpi_madt_ioapic {
	u32 id;
	u32 gsi_base;
	u64 address;
};
struct acpi_madt_iso {   /* interrupt source override */
	u8 bus;        /* 0 = ISA */
	u8 source;     /* ISA IRQ */
	u16 flags;     /* ACPI_MPS_* */
	u32 gsi;
};
struct acpi_madt_lapic_nmi { /* Local APIC (or x2APIC) NMI: LINTn wiring */
	u32 uid;       /* ACPI_UID_ALL for every processor */
	u8 lint;       /* 0 or 1 */
	u16 flags;     /* ACPI_MPS_* */
};
struct acpi_madt_nmi_source { /* an IOAPIC input wired to NMI */
	u32 gsi;
	u16 flags;
};

struct acpi_madt {
	u64 lapic_address;     /* after the 64-bit override, if any */
	bool lapic_override;   /* address came from a type 5 entry */
	u32 flags;             /* ACPI_MADT_PCAT_COMPAT */
	u32 nr_cpus;
	struct acpi_madt_cpu cpus[ACPI_MADT_MAX_CPUS];
	u32 nr_ioapics;
	struct acpi_madt_ioapic ioapics[ACPI_MADT_MAX_IOAPICS];
	u32 nr_isos;
	struct acpi_madt_iso isos[ACPI_MADT_MAX_ISOS];
	u32 nr_lapic_nmis;
	struct acpi_madt_lapic_nmi lapic_nmis[ACPI_MADT_MAX_NMIS];
	u32 nr_nmi_sources;
	struct acpi_madt_nmi_source nmi_sources[ACPI_MADT_MAX_NMIS];
	u32 dropped;  /* well-formed entries that did not fit the arrays */
	u32 other;    /* entries of types not decoded here (GIC, ...) */
};

/* FADT flags and IA-PC boot architecture flags. */
#define ACPI_FADT_TMR_VAL_EXT     (1u << 8)
#define ACPI_FADT_RESET_REG_SUP   (1u << 10)
#define ACPI_FADT_HW_REDUCED      (1u << 20)
#define ACPI_IAPC_LEGACY_DEVICES  (1u << 0)
#define ACPI_IAPC_8042            (1u << 1)
#define ACPI_IAPC_NO_VGA          (1u << 2)
#define ACPI_IAPC_NO_MSI          (1u << 3)
#define ACPI_IAPC_NO_ASPM         (1u << 4)
#define ACPI_IAPC_NO_CMOS_RTC     (1u << 5)

struct acpi_fadt {
	u8 revision;
	u32 length;
	u64 facs;            /* X_FIRMWARE_CTRL when set, else FIRMWARE_CTRL */
	u64 dsdt;            /* X_DSDT when set, else DSDT */
	u16 sci_irq;
	u32 smi_cmd;
	u8 acpi_enable, acpi_disable;
	/* Register blocks: the X_ GAS when it has an address, else the 32-bit
	 * port with the width from the *_LEN field. address 0 = absent. */
	struct acpi_gas pm1a_evt, pm1b_evt;
	struct acpi_gas pm1a_cnt, pm1b_cnt;
	struct acpi_gas pm_tmr;
	bool pm_tmr_32bit;   /* TMR_VAL_EXT: 32-bit counter, else 24-bit */
	u32 flags;           /* ACPI_FADT_* */
	bool hw_reduced;
	u16 iapc_boot_arch;  /* ACPI_IAPC_* */
	u8 century;          /* CMOS index of the century, 0 = none */
	struct acpi_gas reset_reg;
	u8 reset_value;
	bool reset_supported; /* RESET_REG_SUP and a usable register */
	struct acpi_gas sleep_control, sleep_status; /* hardware-reduced */
};

struct acpi_s5 {
	u8 slp_typa, slp_typb; /* SLP_TYP values for PM1a/PM1b_CNT */
};

struct acpi_hpet {
	u64 address;
	u32 block_id;  /* event timer block ID (capabilities register copy) */
	u8 number;     /* HPET sequence number */
	u16 min_tick;
};

#define ACPI_MCFG_MAX 16
struct acpi_mcfg_segment {
	u64 base;      /* ECAM base for bus 0 of this segment */
	u16 segment;   /* PCI segment group */
	u8 bus_start, bus_end;
};
struct acpi_mcfg {
	u32 nr;
	struct acpi_mcfg_segment seg[ACPI_MCFG_MAX];
	u32 dropped;
};

#define ACPI_SRAT_MAX_CPUS 256
#define ACPI_SRAT_MAX_MEM  64
#define ACPI_SRAT_MEM_HOTPLUG   (1u << 1)
#define ACPI_SRAT_MEM_NONVOLATILE (1u << 2)
struct acpi_srat_cpu {
	u32 apic_id;
	u32 domain;   /* proximity domain */
	bool x2apic;
};
struct acpi_srat_mem {
	u64 base, length;
	u32 domain;
	u32 flags;    /* ACPI_SRAT_MEM_* (only enabled entries are kept) */
};
struct acpi_srat {
	u32 nr_cpus;
	struct acpi_srat_cpu cpus[ACPI_SRAT_MAX_CPUS];
	u32 nr_mem;
	struct acpi_srat_mem mem[ACPI_SRAT_MAX_MEM];
	u32 dropped;
};

/* ---- pure parsers (drivers/acpi/parse.c) ---- */
u8 acpi_checksum(const void *bytes, size_t len); /* 0 when valid */
int acpi_parse_rsdp(const void *bytes, size_t len, struct acpi_rsdp *out);
/* Checks signature (NULL: any), 36 <= header length <= len, checksum. */
int acpi_check_table(const void *bytes, size_t len, const char *sig);
/* XSDT (8-byte entries) or RSDT (4-byte); *count is the number of entries
 * in the table, of which at most max are stored. */
int acpi_parse_root(const void *bytes, size_t len, u64 *entries, u32 max, u32 *count);
int acpi_parse_madt(const void *bytes, size_t len, struct acpi_madt *out);
int acpi_parse_fadt(const void *bytes, size_t len, struct acpi_fadt *out);
/* Finds Name(_S5_, Package(){...}) in a DSDT/SSDT; -ENOENT if absent. */
int acpi_parse_s5(const void *bytes, size_t len, struct acpi_s5 *out);
int acpi_parse_hpet(const void *bytes, size_t len, struct acpi_hpet *out);
int acpi_parse_mcfg(const void *bytes, size_t len, struct acpi_mcfg *out);
int acpi_parse_srat(const void *bytes, size_t len, struct acpi_srat *out);

/* ---- discovered state (drivers/acpi/acpi.c), kernel only ---- */
struct acpi_table {
	char signature[5];
	char oem_id[7];
	char oem_table_id[9];
	u8 revision;
	u64 phys;
	u32 length;          /* from the header (what was checked) */
	const u8 *data;      /* mapped bytes, NULL if they could not be mapped */
	bool checksum_ok;    /* false also for a malformed header */
	bool has_checksum;   /* FACS has none */
};

struct acpi_platform {
	bool present;        /* an RSDP was found */
	u64 rsdp_phys;       /* 0 when the loader handed over a copy */
	struct acpi_rsdp rsdp;
	bool root_is_xsdt;
	bool have_madt, have_fadt, have_s5, have_hpet, have_mcfg, have_srat;
	struct acpi_madt madt;
	struct acpi_fadt fadt;
	struct acpi_s5 s5;
	struct acpi_hpet hpet;
	struct acpi_mcfg mcfg;
	struct acpi_srat srat;
};

const struct acpi_platform *acpi_platform(void);
u32 acpi_table_count(void);
const struct acpi_table *acpi_table_at(u32 i);
/* The instance-th table (0-based) with this signature, or NULL. */
const struct acpi_table *acpi_find_table(const char *sig, u32 instance);
/* The RSDP bytes as found (for `acpi dump RSDP`); NULL if none. */
const u8 *acpi_rsdp_bytes(size_t *len);

#endif
