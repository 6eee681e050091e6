/* test_acpi.c — hosted unit tests of the ACPI table parsers
 * (drivers/acpi/parse.c) over tables captured from QEMU q35, pc, microvm
 * and q35 with two NUMA nodes (tests/host/data/CONFIG-SIG.bin, made by
 * tools/capture-acpi.py), and over corrupted and synthetic variants.
 *
 * Every input is copied into a heap buffer of exactly its length, so
 * AddressSanitizer reports any read past the end; corrupted copies get
 * their checksum re-balanced where the point is to reach the code behind
 * the checksum check. Expected values were decoded independently of the
 * parser (by hand from the spec layouts, cross-checked with the `acpi
 * info` output of a running kernel).
 *
 * Data directory: $RAYOS_TEST_DATA, else tests/host/data relative to the
 * working directory (make runs tests from the repo root), else next to
 * this source file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rayos/acpi.h>
#include <rayos/string.h>

/* ---------- fixtures ---------- */

struct blob {
	u8 *p;
	size_t len;
};

static FILE *open_data(const char *name)
{
	char path[1024];
	const char *env = getenv("RAYOS_TEST_DATA");
	if (env) {
		snprintf(path, sizeof(path), "%s/%s", env, name);
		return fopen(path, "rb");
	}
	snprintf(path, sizeof(path), "tests/host/data/%s", name);
	FILE *f = fopen(path, "rb");
	if (f)
		return f;
	const char *src = __FILE__;
	const char *slash = strrchr(src, '/');
	int dirlen = slash ? (int)(slash - src) : 1;
	snprintf(path, sizeof(path), "%.*s/data/%s", dirlen, slash ? src : ".", name);
	return fopen(path, "rb");
}

/* Loads a capture into an exact-size heap buffer. */
static struct blob load(const char *name)
{
	FILE *f = open_data(name);
	if (!f)
		fail_msg("cannot open test data %s (set RAYOS_TEST_DATA?)", name);
	u8 tmp[65536];
	size_t n = fread(tmp, 1, sizeof(tmp), f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(tmp));
	struct blob b = { malloc(n), n };
	assert_non_null(b.p);
	memcpy(b.p, tmp, n);
	return b;
}

static struct blob dup_blob(const u8 *p, size_t len)
{
	struct blob b = { malloc(len ? len : 1), len };
	assert_non_null(b.p);
	memcpy(b.p, p, len);
	return b;
}

static void put32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

/* Sets the header length and re-balances the checksum over it. */
static void reseal(u8 *p, u32 length)
{
	put32(p + 4, length);
	p[9] = 0;
	p[9] = (u8)(0 - acpi_checksum(p, length));
}

/* A synthetic table: header with sig, then body. */
static struct blob make_table(const char *sig, const u8 *body, size_t blen)
{
	size_t len = ACPI_SDT_HEADER_LEN + blen;
	struct blob b = { calloc(1, len), len };
	assert_non_null(b.p);
	memcpy(b.p, sig, 4);
	b.p[8] = 1;
	memcpy(b.p + 10, "RAYOS ", 6);
	memcpy(b.p + ACPI_SDT_HEADER_LEN, body, blen);
	reseal(b.p, (u32)len);
	return b;
}

/* ---------- checksums and headers ---------- */

static const char *const captures[] = {
	"q35-RSDT.bin", "q35-FACP.bin", "q35-APIC.bin", "q35-HPET.bin", "q35-MCFG.bin",
	"q35-WAET.bin", "q35-DSDT.bin", "pc-RSDT.bin", "pc-FACP.bin", "pc-APIC.bin",
	"pc-HPET.bin", "pc-WAET.bin", "pc-DSDT.bin", "microvm-XSDT.bin", "microvm-FACP.bin",
	"microvm-APIC.bin", "microvm-DSDT.bin", "q35-numa-RSDT.bin", "q35-numa-APIC.bin",
	"q35-numa-SRAT.bin", "q35-numa-FACP.bin", "q35-numa-DSDT.bin",
};

static void test_captured_tables_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		struct blob b = load(captures[i]);
		assert_int_equal(acpi_checksum(b.p, b.len), 0);
		assert_int_equal(acpi_check_table(b.p, b.len, NULL), 0);
		char sig[5] = { 0 };
		memcpy(sig, b.p, 4);
		assert_int_equal(acpi_check_table(b.p, b.len, sig), 0);
		assert_int_equal(acpi_check_table(b.p, b.len, "XXXX"), -EINVAL);
		free(b.p);
	}
}

static void test_check_table_rejects(void **state)
{
	(void)state;
	struct blob b = load("q35-APIC.bin");
	/* every truncation is refused (header length > available) */
	for (size_t n = 0; n < b.len; n++) {
		struct blob t = dup_blob(b.p, n);
		assert_int_equal(acpi_check_table(t.p, n, NULL), -EINVAL);
		free(t.p);
	}
	/* a flipped bit anywhere breaks the checksum */
	for (size_t i = 0; i < b.len; i++) {
		b.p[i] ^= 0x10;
		assert_int_equal(acpi_check_table(b.p, b.len, NULL), -EINVAL);
		b.p[i] ^= 0x10;
	}
	/* header length below 36 or above the buffer */
	reseal(b.p, 20);
	assert_int_equal(acpi_check_table(b.p, b.len, NULL), -EINVAL);
	put32(b.p + 4, (u32)b.len + 1);
	assert_int_equal(acpi_check_table(b.p, b.len, NULL), -EINVAL);
	assert_int_equal(acpi_check_table(NULL, 100, NULL), -EINVAL);
	free(b.p);
}

/* ---------- RSDP and root tables ---------- */

static void test_rsdp_v1(void **state)
{
	(void)state;
	struct blob b = load("q35-RSDP.bin");
	struct acpi_rsdp r;
	assert_int_equal(acpi_parse_rsdp(b.p, b.len, &r), 0);
	assert_int_equal(r.revision, 0);
	assert_string_equal(r.oem_id, "BOCHS");
	assert_int_equal(r.rsdt, 0x7fe22e1);
	assert_int_equal(r.xsdt, 0);
	assert_false(r.ext_invalid);
	assert_int_equal(acpi_parse_rsdp(b.p, b.len - 1, &r), -EINVAL);
	b.p[8] ^= 1; /* checksum */
	assert_int_equal(acpi_parse_rsdp(b.p, b.len, &r), -EINVAL);
	b.p[8] ^= 1;
	b.p[0] = 'X';
	assert_int_equal(acpi_parse_rsdp(b.p, b.len, &r), -EINVAL);
	free(b.p);
}

static void test_rsdp_v2(void **state)
{
	(void)state;
	struct blob b = load("microvm-RSDP.bin");
	struct acpi_rsdp r;
	assert_int_equal(acpi_parse_rsdp(b.p, b.len, &r), 0);
	assert_int_equal(r.revision, 2);
	assert_int_equal(r.xsdt, 0xeffae);
	assert_int_equal(r.rsdt, 0);
	assert_false(r.ext_invalid);
	/* only the 1.0 part available: usable, but no XSDT */
	struct blob s = dup_blob(b.p, 20);
	assert_int_equal(acpi_parse_rsdp(s.p, s.len, &r), 0);
	assert_true(r.ext_invalid);
	assert_int_equal(r.xsdt, 0);
	free(s.p);
	/* extended checksum broken (the 1.0 checksum covers bytes 0-19 only) */
	b.p[30] ^= 0x55;
	assert_int_equal(acpi_parse_rsdp(b.p, b.len, &r), 0);
	assert_true(r.ext_invalid);
	assert_int_equal(r.xsdt, 0);
	b.p[30] ^= 0x55;
	/* length field larger than what is there */
	put32(b.p + 20, 64);
	assert_int_equal(acpi_parse_rsdp(b.p, b.len, &r), 0);
	assert_true(r.ext_invalid);
	free(b.p);
}

static void test_root_tables(void **state)
{
	(void)state;
	u64 e[8];
	u32 n;
	struct blob b = load("q35-RSDT.bin");
	assert_int_equal(acpi_parse_root(b.p, b.len, e, 8, &n), 0);
	assert_int_equal(n, 5);
	const u64 want[] = { 0x7fe20d9, 0x7fe21cd, 0x7fe2245, 0x7fe227d, 0x7fe22b9 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(e[i], want[i]);
	/* more entries than room: count says so, nothing written past max */
	u64 small[3] = { 0, 0, 0xdeadbeef };
	assert_int_equal(acpi_parse_root(b.p, b.len, small, 2, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(small[1], 0x7fe21cd);
	assert_int_equal(small[2], 0xdeadbeef);
	/* a body that is not a whole number of entries */
	struct blob c = dup_blob(b.p, b.len);
	reseal(c.p, (u32)c.len - 2);
	assert_int_equal(acpi_parse_root(c.p, c.len, e, 8, &n), -EINVAL);
	free(c.p);
	/* not a root table */
	struct blob f = load("q35-FACP.bin");
	assert_int_equal(acpi_parse_root(f.p, f.len, e, 8, &n), -EINVAL);
	free(f.p);
	free(b.p);

	b = load("microvm-XSDT.bin");
	assert_int_equal(acpi_parse_root(b.p, b.len, e, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(e[0], 0xefe50); /* FACP */
	assert_int_equal(e[1], 0xeff5c); /* APIC */
	free(b.p);
}

/* ---------- MADT ---------- */

static struct acpi_madt madt;

static void test_madt_q35(void **state)
{
	(void)state;
	struct blob b = load("q35-APIC.bin");
	assert_int_equal(acpi_parse_madt(b.p, b.len, &madt), 0);
	assert_int_equal(madt.lapic_address, 0xfee00000);
	assert_false(madt.lapic_override);
	assert_int_equal(madt.flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(madt.nr_cpus, 1);
	assert_int_equal(madt.cpus[0].apic_id, 0);
	assert_int_equal(madt.cpus[0].uid, 0);
	assert_int_equal(madt.cpus[0].flags, ACPI_CPU_ENABLED);
	assert_false(madt.cpus[0].x2apic);
	assert_int_equal(madt.nr_ioapics, 1);
	assert_int_equal(madt.ioapics[0].id, 0);
	assert_int_equal(madt.ioapics[0].address, 0xfec00000);
	assert_int_equal(madt.ioapics[0].gsi_base, 0);
	assert_int_equal(madt.nr_isos, 5);
	assert_int_equal(madt.isos[0].source, 0);
	assert_int_equal(madt.isos[0].gsi, 2);
	assert_int_equal(madt.isos[0].flags, 0);
	for (int i = 1; i < 5; i++) {
		const u8 src[] = { 0, 5, 9, 10, 11 };
		assert_int_equal(madt.isos[i].bus, 0);
		assert_int_equal(madt.isos[i].source, src[i]);
		assert_int_equal(madt.isos[i].gsi, src[i]);
		assert_int_equal(madt.isos[i].flags & ACPI_MPS_TRIGGER_MASK, ACPI_MPS_TRIGGER_LEVEL);
		assert_int_equal(madt.isos[i].flags & ACPI_MPS_POLARITY_MASK, ACPI_MPS_POLARITY_HIGH);
	}
	assert_int_equal(madt.nr_lapic_nmis, 1);
	assert_int_equal(madt.lapic_nmis[0].uid, ACPI_UID_ALL);
	assert_int_equal(madt.lapic_nmis[0].lint, 1);
	assert_int_equal(madt.nr_nmi_sources, 0);
	assert_int_equal(madt.dropped, 0);
	assert_int_equal(madt.other, 0);
	free(b.p);
}

static void test_madt_microvm_two_ioapics(void **state)
{
	(void)state;
	struct blob b = load("microvm-APIC.bin");
	assert_int_equal(acpi_parse_madt(b.p, b.len, &madt), 0);
	assert_int_equal(madt.nr_cpus, 1);
	assert_int_equal(madt.nr_ioapics, 2);
	assert_int_equal(madt.ioapics[1].id, 1);
	assert_int_equal(madt.ioapics[1].address, 0xfec10000);
	assert_int_equal(madt.ioapics[1].gsi_base, 24);
	assert_int_equal(madt.nr_isos, 0);
	free(b.p);
}

static void test_madt_two_cpus(void **state)
{
	(void)state;
	struct blob b = load("q35-numa-APIC.bin");
	assert_int_equal(acpi_parse_madt(b.p, b.len, &madt), 0);
	assert_int_equal(madt.nr_cpus, 2);
	assert_int_equal(madt.cpus[1].apic_id, 1);
	assert_int_equal(madt.cpus[1].uid, 1);
	assert_int_equal(madt.cpus[1].flags, ACPI_CPU_ENABLED);
	free(b.p);
}

static void test_madt_synthetic_entries(void **state)
{
	(void)state;
	u8 body[] = {
		0x00, 0x00, 0xe0, 0xfe, /* local APIC address 0xfee00000 */
		0x00, 0x00, 0x00, 0x00, /* flags: no PC-AT PIC */
		/* processor local APIC: uid 3, id 7, online-capable only */
		0x00, 8, 3, 7, 0x02, 0, 0, 0,
		/* local x2APIC: id 0x1234, enabled, uid 9 */
		0x09, 16, 0, 0, 0x34, 0x12, 0, 0, 0x01, 0, 0, 0, 9, 0, 0, 0,
		/* NMI source: active low, level, GSI 30 */
		0x03, 8, 0x0f, 0x00, 30, 0, 0, 0,
		/* local x2APIC NMI: uid 9, LINT0, active low */
		0x0a, 12, 0x03, 0x00, 9, 0, 0, 0, 0, 0, 0, 0,
		/* local APIC NMI for uid 3 (not "all") on LINT1 */
		0x04, 6, 3, 0x00, 0x00, 1,
		/* 64-bit local APIC address override */
		0x05, 12, 0, 0, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
		/* an entry type not decoded (GIC CPU interface, truncated form) */
		0x0b, 4, 0, 0,
	};
	struct blob b = make_table("APIC", body, sizeof(body));
	assert_int_equal(acpi_parse_madt(b.p, b.len, &madt), 0);
	assert_int_equal(madt.flags, 0);
	assert_true(madt.lapic_override);
	assert_int_equal(madt.lapic_address, 0x800001000ULL);
	assert_int_equal(madt.nr_cpus, 2);
	assert_int_equal(madt.cpus[0].apic_id, 7);
	assert_int_equal(madt.cpus[0].uid, 3);
	assert_int_equal(madt.cpus[0].flags, ACPI_CPU_ONLINE_CAPABLE);
	assert_true(madt.cpus[1].x2apic);
	assert_int_equal(madt.cpus[1].apic_id, 0x1234);
	assert_int_equal(madt.cpus[1].uid, 9);
	assert_int_equal(madt.nr_nmi_sources, 1);
	assert_int_equal(madt.nmi_sources[0].gsi, 30);
	assert_int_equal(madt.nmi_sources[0].flags, 0x0f);
	assert_int_equal(madt.nr_lapic_nmis, 2);
	assert_int_equal(madt.lapic_nmis[0].uid, 9);
	assert_int_equal(madt.lapic_nmis[0].lint, 0);
	assert_int_equal(madt.lapic_nmis[0].flags & ACPI_MPS_POLARITY_MASK, ACPI_MPS_POLARITY_LOW);
	assert_int_equal(madt.lapic_nmis[1].uid, 3);
	assert_int_equal(madt.lapic_nmis[1].lint, 1);
	assert_int_equal(madt.other, 1);
	free(b.p);
}

static void test_madt_too_many_cpus(void **state)
{
	(void)state;
	const size_t n = ACPI_MADT_MAX_CPUS + 10;
	size_t blen = 8 + n * 8;
	u8 *body = calloc(1, blen);
	assert_non_null(body);
	for (size_t i = 0; i < n; i++) {
		u8 *e = body + 8 + i * 8;
		e[0] = 0;
		e[1] = 8;
		e[2] = (u8)i;
		e[3] = (u8)i;
		e[4] = 1;
	}
	struct blob b = make_table("APIC", body, blen);
	assert_int_equal(acpi_parse_madt(b.p, b.len, &madt), 0);
	assert_int_equal(madt.nr_cpus, ACPI_MADT_MAX_CPUS);
	assert_int_equal(madt.dropped, 10);
	free(body);
	free(b.p);
}

/* Sets the length byte of the MADT entry at off and reseals. */
static int madt_with_entry_len(const struct blob *orig, size_t off, u8 len)
{
	struct blob c = dup_blob(orig->p, orig->len);
	c.p[off + 1] = len;
	reseal(c.p, (u32)c.len);
	int r = acpi_parse_madt(c.p, c.len, &madt);
	free(c.p);
	return r;
}

static void test_madt_bogus_entry_lengths(void **state)
{
	(void)state;
	struct blob b = load("q35-APIC.bin");
	/* entries of q35's MADT: LAPIC@44 (8), IOAPIC@52 (12), ISOs@64.. (10 each),
	 * LAPIC NMI@114 (6) */
	assert_int_equal(b.p[44], 0);
	assert_int_equal(b.p[52], 1);
	assert_int_equal(b.p[114], 4);
	assert_int_equal(madt_with_entry_len(&b, 44, 0), -EINVAL);   /* would loop */
	assert_int_equal(madt_with_entry_len(&b, 44, 1), -EINVAL);
	assert_int_equal(madt_with_entry_len(&b, 52, 8), -EINVAL);   /* IOAPIC too short */
	assert_int_equal(madt_with_entry_len(&b, 114, 7), -EINVAL);  /* past the end */
	assert_int_equal(madt_with_entry_len(&b, 114, 255), -EINVAL);
	/* a lone byte after the last entry */
	struct blob c = { calloc(1, b.len + 1), b.len + 1 };
	assert_non_null(c.p);
	memcpy(c.p, b.p, b.len);
	reseal(c.p, (u32)c.len);
	assert_int_equal(acpi_parse_madt(c.p, c.len, &madt), -EINVAL);
	free(c.p);
	/* header too short for the fixed part */
	c = dup_blob(b.p, 40);
	reseal(c.p, 40);
	assert_int_equal(acpi_parse_madt(c.p, c.len, &madt), -EINVAL);
	free(c.p);
	/* wrong table, bad checksum, truncated buffer */
	struct blob f = load("q35-FACP.bin");
	assert_int_equal(acpi_parse_madt(f.p, f.len, &madt), -EINVAL);
	free(f.p);
	b.p[60] ^= 1;
	assert_int_equal(acpi_parse_madt(b.p, b.len, &madt), -EINVAL);
	b.p[60] ^= 1;
	assert_int_equal(acpi_parse_madt(b.p, b.len - 1, &madt), -EINVAL);
	assert_int_equal(acpi_parse_madt(b.p, b.len, &madt), 0);
	free(b.p);
}

/* ---------- FADT ---------- */

static void test_fadt_q35(void **state)
{
	(void)state;
	struct blob b = load("q35-FACP.bin");
	struct acpi_fadt f;
	assert_int_equal(acpi_parse_fadt(b.p, b.len, &f), 0);
	assert_int_equal(f.revision, 3);
	assert_int_equal(f.length, 244);
	assert_int_equal(f.dsdt, 0x7fe0040);
	assert_int_equal(f.facs, 0x7fe0000);
	assert_int_equal(f.sci_irq, 9);
	assert_int_equal(f.smi_cmd, 0xb2);
	assert_int_equal(f.acpi_enable, 2);
	assert_int_equal(f.acpi_disable, 3);
	assert_int_equal(f.pm1a_cnt.space, ACPI_GAS_IO);
	assert_int_equal(f.pm1a_cnt.address, 0x604);
	assert_int_equal(f.pm1a_cnt.bit_width, 16);
	assert_int_equal(f.pm1b_cnt.address, 0);
	assert_int_equal(f.pm1a_evt.address, 0x600);
	assert_int_equal(f.pm_tmr.space, ACPI_GAS_IO);
	assert_int_equal(f.pm_tmr.address, 0x608);
	assert_int_equal(f.pm_tmr.bit_width, 32);
	assert_false(f.pm_tmr_32bit);
	assert_false(f.hw_reduced);
	assert_int_equal(f.century, 0x32);
	assert_int_equal(f.iapc_boot_arch, ACPI_IAPC_8042);
	assert_true(f.reset_supported);
	assert_int_equal(f.reset_reg.space, ACPI_GAS_IO);
	assert_int_equal(f.reset_reg.address, 0xcf9);
	assert_int_equal(f.reset_value, 0x0f);
	assert_int_equal(f.sleep_control.address, 0);
	free(b.p);
}

static void test_fadt_pc_revision1(void **state)
{
	(void)state;
	struct blob b = load("pc-FACP.bin");
	struct acpi_fadt f;
	assert_int_equal(acpi_parse_fadt(b.p, b.len, &f), 0);
	assert_int_equal(f.revision, 1);
	assert_int_equal(f.length, 116);
	assert_int_equal(f.dsdt, 0x7fe0040);
	assert_int_equal(f.acpi_enable, 0xf1);
	/* only the 32-bit blocks exist: widths from the *_LEN fields */
	assert_int_equal(f.pm1a_cnt.space, ACPI_GAS_IO);
	assert_int_equal(f.pm1a_cnt.address, 0x604);
	assert_int_equal(f.pm1a_cnt.bit_width, 16);
	assert_int_equal(f.pm_tmr.address, 0x608);
	assert_int_equal(f.pm_tmr.bit_width, 32);
	assert_false(f.reset_supported); /* no reset register in a 116-byte FADT */
	assert_int_equal(f.reset_reg.address, 0);
	assert_int_equal(f.century, 0x32);
	free(b.p);
}

static void test_fadt_microvm_hw_reduced(void **state)
{
	(void)state;
	struct blob b = load("microvm-FACP.bin");
	struct acpi_fadt f;
	assert_int_equal(acpi_parse_fadt(b.p, b.len, &f), 0);
	assert_int_equal(f.revision, 5);
	assert_true(f.hw_reduced);
	assert_int_equal(f.dsdt, 0xefd00);
	assert_int_equal(f.pm1a_cnt.address, 0);
	assert_int_equal(f.pm_tmr.address, 0);
	assert_int_equal(f.sleep_control.space, ACPI_GAS_MEMORY);
	assert_int_equal(f.sleep_control.address, 0xfea00200);
	assert_int_equal(f.sleep_control.bit_width, 8);
	assert_int_equal(f.sleep_status.address, 0xfea00201);
	assert_true(f.reset_supported);
	assert_int_equal(f.reset_reg.space, ACPI_GAS_MEMORY);
	assert_int_equal(f.reset_reg.address, 0xfea00202);
	assert_int_equal(f.reset_value, 0x42);
	assert_int_equal(f.century, 0);
	free(b.p);
}

static void test_fadt_x_fields_and_flags(void **state)
{
	(void)state;
	struct blob b = load("q35-FACP.bin");
	struct acpi_fadt f;
	/* X_PM_TMR_BLK (offset 208) wins over PM_TMR_BLK when it has an address */
	put64(b.p + 212, 0x1808);
	b.p[112 + 1] |= 0x01; /* TMR_VAL_EXT (flag bit 8) */
	put64(b.p + 140, 0x12345678900ULL); /* X_DSDT */
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_fadt(b.p, b.len, &f), 0);
	assert_int_equal(f.pm_tmr.address, 0x1808);
	assert_true(f.pm_tmr_32bit);
	assert_int_equal(f.dsdt, 0x12345678900ULL);
	/* X_ block with no address: the 32-bit one is used */
	put64(b.p + 212, 0);
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_fadt(b.p, b.len, &f), 0);
	assert_int_equal(f.pm_tmr.address, 0x608);
	/* RESET_REG_SUP clear: register not usable */
	b.p[113] &= (u8)~0x04;
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_fadt(b.p, b.len, &f), 0);
	assert_false(f.reset_supported);
	free(b.p);
}

static void test_fadt_rejects(void **state)
{
	(void)state;
	struct blob b = load("q35-FACP.bin");
	struct acpi_fadt f;
	struct blob c = dup_blob(b.p, 115); /* shorter than ACPI 1.0's 116 */
	reseal(c.p, 115);
	assert_int_equal(acpi_parse_fadt(c.p, c.len, &f), -EINVAL);
	free(c.p);
	/* cut between the old and new fields: still valid, X_ fields absent */
	c = dup_blob(b.p, 132);
	reseal(c.p, 132);
	assert_int_equal(acpi_parse_fadt(c.p, c.len, &f), 0);
	assert_int_equal(f.dsdt, 0x7fe0040);
	assert_int_equal(f.pm_tmr.address, 0x608);
	assert_true(f.reset_supported);
	free(c.p);
	b.p[200] ^= 0xff;
	assert_int_equal(acpi_parse_fadt(b.p, b.len, &f), -EINVAL);
	free(b.p);
	struct blob m = load("q35-APIC.bin");
	assert_int_equal(acpi_parse_fadt(m.p, m.len, &f), -EINVAL);
	free(m.p);
}

/* ---------- \_S5 ---------- */

static void test_s5_captured(void **state)
{
	(void)state;
	struct acpi_s5 s;
	struct blob b = load("q35-DSDT.bin"); /* Package {Zero, Zero, Zero, Zero} */
	assert_int_equal(acpi_parse_s5(b.p, b.len, &s), 0);
	assert_int_equal(s.slp_typa, 0);
	assert_int_equal(s.slp_typb, 0);
	free(b.p);
	b = load("pc-DSDT.bin");
	assert_int_equal(acpi_parse_s5(b.p, b.len, &s), 0);
	assert_int_equal(s.slp_typa, 0);
	free(b.p);
	b = load("microvm-DSDT.bin"); /* Package {BytePrefix 0x05, Zero, Zero, Zero} */
	assert_int_equal(acpi_parse_s5(b.p, b.len, &s), 0);
	assert_int_equal(s.slp_typa, 5);
	assert_int_equal(s.slp_typb, 0);
	free(b.p);
	/* a table with no _S5_ at all */
	b = load("q35-WAET.bin");
	assert_int_equal(acpi_parse_s5(b.p, b.len, &s), -EINVAL); /* not a DSDT/SSDT */
	memcpy(b.p, "SSDT", 4);
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_s5(b.p, b.len, &s), -ENOENT);
	free(b.p);
}

static int s5_of(const u8 *aml, size_t n, struct acpi_s5 *s)
{
	struct blob b = make_table("DSDT", aml, n);
	int r = acpi_parse_s5(b.p, b.len, s);
	free(b.p);
	return r;
}

static void test_s5_synthetic(void **state)
{
	(void)state;
	struct acpi_s5 s;
	/* Name (\_S5, Package (0x02) { One, 0x07 }) */
	const u8 one[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x01, 0x0a, 0x07 };
	assert_int_equal(s5_of(one, sizeof(one), &s), 0);
	assert_int_equal(s.slp_typa, 1);
	assert_int_equal(s.slp_typb, 7);
	/* two-byte PkgLength (0x40 | low nibble, then bits 11:4); it counts
	 * itself: 2 + NumElements 1 + two BytePrefix constants 4 = 7 */
	const u8 wide[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x02, 0x0a, 0x03, 0x0a, 0x04 };
	assert_int_equal(s5_of(wide, sizeof(wide), &s), 0);
	assert_int_equal(s.slp_typa, 3);
	assert_int_equal(s.slp_typb, 4);
	/* one element carrying both values (a << 0, b << 8), as WordPrefix */
	const u8 packed[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0b, 0x05, 0x06 };
	assert_int_equal(s5_of(packed, sizeof(packed), &s), 0);
	assert_int_equal(s.slp_typa, 5);
	assert_int_equal(s.slp_typb, 6);
	/* "_S5_" not introduced by NameOp (a string, a method call): skipped */
	const u8 str[] = { 0x0d, '_', 'S', '5', '_', 0x00, 0x12, 0x04, 0x02, 0x00, 0x00 };
	assert_int_equal(s5_of(str, sizeof(str), &s), -ENOENT);
	/* Name(_S5_, <not a package>) then a real one later */
	const u8 later[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x05,
			     0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x02, 0x00 };
	assert_int_equal(s5_of(later, sizeof(later), &s), 0);
	assert_int_equal(s.slp_typa, 2);
	/* malformed: PkgLength past the table, element not an integer,
	 * SLP_TYP beyond 3 bits, empty package, reserved PkgLength bits */
	const u8 past[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x30, 0x02, 0x00, 0x00 };
	assert_int_equal(s5_of(past, sizeof(past), &s), -EINVAL);
	const u8 notint[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x5b, 0x00 };
	assert_int_equal(s5_of(notint, sizeof(notint), &s), -EINVAL);
	const u8 big[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x08, 0x00 };
	assert_int_equal(s5_of(big, sizeof(big), &s), -EINVAL);
	const u8 empty[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00 };
	assert_int_equal(s5_of(empty, sizeof(empty), &s), -EINVAL);
	const u8 rsvd[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x74, 0x00, 0x02, 0x00, 0x00 };
	assert_int_equal(s5_of(rsvd, sizeof(rsvd), &s), -EINVAL);
	/* the table ends inside the package: every cut is refused or "absent",
	 * never read past (ASan) */
	for (size_t n = 0; n < sizeof(one); n++) {
		int r = s5_of(one, n, &s);
		assert_true(r == -EINVAL || r == -ENOENT);
	}
}

/* Cut the q35 DSDT at every point around its _S5_ object, with the header
 * length and checksum rewritten so the parser really scans the cut body. */
static void test_s5_truncated_dsdt(void **state)
{
	(void)state;
	struct blob b = load("q35-DSDT.bin");
	size_t at = 0;
	for (size_t i = 36; i + 4 <= b.len; i++)
		if (!memcmp(b.p + i, "_S5_", 4))
			at = i;
	assert_true(at > 0);
	/* 08 "_S5_" 12 06 04 00 00 00 00: the package ends at at + 11 */
	assert_int_equal(b.p[at + 4], 0x12);
	assert_int_equal(b.p[at + 5], 0x06);
	struct acpi_s5 s;
	for (size_t n = at - 2; n <= at + 12 && n <= b.len; n++) {
		struct blob c = dup_blob(b.p, n);
		reseal(c.p, (u32)n);
		int r = acpi_parse_s5(c.p, c.len, &s);
		if (n >= at + 11)
			assert_int_equal(r, 0);
		else
			assert_true(r == -EINVAL || r == -ENOENT);
		free(c.p);
	}
	free(b.p);
}

/* ---------- HPET, MCFG, SRAT ---------- */

static void test_hpet(void **state)
{
	(void)state;
	struct blob b = load("q35-HPET.bin");
	struct acpi_hpet h;
	assert_int_equal(acpi_parse_hpet(b.p, b.len, &h), 0);
	assert_int_equal(h.address, 0xfed00000);
	assert_int_equal(h.block_id, 0x8086a201);
	assert_int_equal(h.number, 0);
	b.p[40] = ACPI_GAS_IO; /* an HPET in I/O space is not an HPET */
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_hpet(b.p, b.len, &h), -EINVAL);
	b.p[40] = ACPI_GAS_MEMORY;
	put64(b.p + 44, 0);
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_hpet(b.p, b.len, &h), -EINVAL);
	struct blob c = dup_blob(b.p, 52);
	reseal(c.p, 52);
	assert_int_equal(acpi_parse_hpet(c.p, c.len, &h), -EINVAL);
	free(c.p);
	free(b.p);
}

static void test_mcfg(void **state)
{
	(void)state;
	struct blob b = load("q35-MCFG.bin");
	struct acpi_mcfg m;
	assert_int_equal(acpi_parse_mcfg(b.p, b.len, &m), 0);
	assert_int_equal(m.nr, 1);
	assert_int_equal(m.seg[0].base, 0xb0000000);
	assert_int_equal(m.seg[0].segment, 0);
	assert_int_equal(m.seg[0].bus_start, 0);
	assert_int_equal(m.seg[0].bus_end, 255);
	b.p[54] = 10; /* start bus after end bus */
	b.p[55] = 9;
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_mcfg(b.p, b.len, &m), -EINVAL);
	struct blob c = dup_blob(b.p, b.len - 4); /* partial entry */
	reseal(c.p, (u32)c.len);
	assert_int_equal(acpi_parse_mcfg(c.p, c.len, &m), -EINVAL);
	free(c.p);
	free(b.p);
}

static struct acpi_srat srat;

static void test_srat(void **state)
{
	(void)state;
	struct blob b = load("q35-numa-SRAT.bin");
	assert_int_equal(acpi_parse_srat(b.p, b.len, &srat), 0);
	assert_int_equal(srat.nr_cpus, 2);
	assert_int_equal(srat.cpus[0].apic_id, 0);
	assert_int_equal(srat.cpus[0].domain, 0);
	assert_int_equal(srat.cpus[1].apic_id, 1);
	assert_int_equal(srat.cpus[1].domain, 1);
	/* four memory entries, the last disabled (dropped) */
	assert_int_equal(srat.nr_mem, 3);
	assert_int_equal(srat.mem[0].base, 0);
	assert_int_equal(srat.mem[0].length, 0xa0000);
	assert_int_equal(srat.mem[0].domain, 0);
	assert_int_equal(srat.mem[1].base, 0x100000);
	assert_int_equal(srat.mem[1].length, 0xff00000);
	assert_int_equal(srat.mem[2].base, 0x10000000);
	assert_int_equal(srat.mem[2].length, 0x10000000);
	assert_int_equal(srat.mem[2].domain, 1);
	assert_int_equal(srat.mem[2].flags, 0);
	assert_int_equal(srat.dropped, 0);
	/* first entry: processor affinity, 16 bytes at 48 */
	assert_int_equal(b.p[48], 0);
	b.p[49] = 0;
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_srat(b.p, b.len, &srat), -EINVAL);
	b.p[49] = 12; /* too short for a processor entry */
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_srat(b.p, b.len, &srat), -EINVAL);
	b.p[49] = 250; /* past the end */
	reseal(b.p, (u32)b.len);
	assert_int_equal(acpi_parse_srat(b.p, b.len, &srat), -EINVAL);
	free(b.p);
}

static void test_srat_x2apic_and_high_domain(void **state)
{
	(void)state;
	u8 body[12 + 16 + 24] = { 0 };
	u8 *e = body + 12;
	e[0] = 0; e[1] = 16; e[2] = 0x34; e[3] = 5; e[4] = 1; /* apic 5 */
	e[9] = 0x12; /* proximity domain bits 15:8 -> 0x1234 */
	e = body + 28;
	e[0] = 2; e[1] = 24;
	put32(e + 4, 77);     /* domain */
	put32(e + 8, 0x1000); /* x2APIC id */
	put32(e + 12, 1);     /* enabled */
	struct blob b = make_table("SRAT", body, sizeof(body));
	assert_int_equal(acpi_parse_srat(b.p, b.len, &srat), 0);
	assert_int_equal(srat.nr_cpus, 2);
	assert_int_equal(srat.cpus[0].apic_id, 5);
	assert_int_equal(srat.cpus[0].domain, 0x1234);
	assert_true(srat.cpus[1].x2apic);
	assert_int_equal(srat.cpus[1].apic_id, 0x1000);
	assert_int_equal(srat.cpus[1].domain, 77);
	free(b.p);
}

/* ---------- mutation fuzzing over every capture ---------- */

static int parse_any(const u8 *p, size_t len)
{
	static struct acpi_madt m;
	static struct acpi_srat s;
	struct acpi_fadt f;
	struct acpi_s5 s5;
	struct acpi_hpet h;
	struct acpi_mcfg mc;
	u64 e[16];
	u32 n;
	if (!memcmp(p, "APIC", 4))
		return acpi_parse_madt(p, len, &m);
	if (!memcmp(p, "FACP", 4))
		return acpi_parse_fadt(p, len, &f);
	if (!memcmp(p, "DSDT", 4)) {
		int r = acpi_parse_s5(p, len, &s5);
		return r == -ENOENT ? 0 : r;
	}
	if (!memcmp(p, "HPET", 4))
		return acpi_parse_hpet(p, len, &h);
	if (!memcmp(p, "MCFG", 4))
		return acpi_parse_mcfg(p, len, &mc);
	if (!memcmp(p, "SRAT", 4))
		return acpi_parse_srat(p, len, &s);
	if (!memcmp(p, "XSDT", 4) || !memcmp(p, "RSDT", 4))
		return acpi_parse_root(p, len, e, 16, &n);
	return acpi_check_table(p, len, NULL);
}

/* Random byte changes with the checksum re-balanced (so the parsers get
 * past it) and random truncations with the header length rewritten: every
 * result is 0 or -EINVAL, and ASan sees no read outside the buffer. */
static void test_mutations_never_overrun(void **state)
{
	(void)state;
	u32 seed = 12345;
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		struct blob b = load(captures[i]);
		for (int k = 0; k < 3000; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t cut = b.len;
			if (k % 4 == 0)
				cut = ACPI_SDT_HEADER_LEN + (seed >> 8) % (b.len - ACPI_SDT_HEADER_LEN + 1);
			struct blob c = dup_blob(b.p, cut);
			for (int j = 0; j < 1 + (int)(seed >> 28); j++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = 10 + (seed >> 8) % (cut - 10); /* keep the signature */
				c.p[at] = (u8)(seed >> 3);
			}
			reseal(c.p, (u32)cut);
			int r = parse_any(c.p, c.len);
			assert_true(r == 0 || r == -EINVAL);
			free(c.p);
		}
		free(b.p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_tables_check),
		cmocka_unit_test(test_check_table_rejects),
		cmocka_unit_test(test_rsdp_v1),
		cmocka_unit_test(test_rsdp_v2),
		cmocka_unit_test(test_root_tables),
		cmocka_unit_test(test_madt_q35),
		cmocka_unit_test(test_madt_microvm_two_ioapics),
		cmocka_unit_test(test_madt_two_cpus),
		cmocka_unit_test(test_madt_synthetic_entries),
		cmocka_unit_test(test_madt_too_many_cpus),
		cmocka_unit_test(test_madt_bogus_entry_lengths),
		cmocka_unit_test(test_fadt_q35),
		cmocka_unit_test(test_fadt_pc_revision1),
		cmocka_unit_test(test_fadt_microvm_hw_reduced),
		cmocka_unit_test(test_fadt_x_fields_and_flags),
		cmocka_unit_test(test_fadt_rejects),
		cmocka_unit_test(test_s5_captured),
		cmocka_unit_test(test_s5_synthetic),
		cmocka_unit_test(test_s5_truncated_dsdt),
		cmocka_unit_test(test_hpet),
		cmocka_unit_test(test_mcfg),
		cmocka_unit_test(test_srat),
		cmocka_unit_test(test_srat_x2apic_and_high_domain),
		cmocka_unit_test(test_mutations_never_overrun),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
