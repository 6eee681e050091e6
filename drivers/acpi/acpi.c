/* acpi.c — finds the ACPI tables at boot, checks every one, decodes those
 * RayOS uses into struct acpi_platform, and offers the `acpi` shell command.
 *
 * Discovery (ACPI 6.5 section 5.2.5.1): the RSDP comes from the boot loader
 * (an address from PVH, or a copy in a multiboot2 tag); when it gave none, or
 * an invalid one, the first KiB of the EBDA and 0xE0000-0xFFFFF are scanned
 * on 16-byte boundaries. The XSDT is used when the RSDP has one and it is
 * valid, else the RSDT. Each table the root lists, plus the DSDT and FACS the
 * FADT points to, is mapped (arch_map_firmware), its header length bounded
 * (36 bytes .. 4 MiB) and its checksum verified; a table failing either is
 * kept in the list as bad (so `acpi` shows it) but never parsed. Decoding is
 * done by the pure parsers in parse.c; any table that is missing or
 * rejected gets one boot-log line saying what falls back to what.
 *
 * Invariants: acpi_init() runs once, single-threaded, before interrupts are
 * enabled; afterwards everything here is read-only, so readers take no
 * lock. Table data pointers stay valid forever (mappings are never undone).
 * Portable: hardware is reached only through arch_* calls. */
#include <rayos/acpi.h>
#include <rayos/arch.h>
#include <rayos/bootinfo.h>
#include <rayos/init.h>
#include <rayos/log.h>
#include <rayos/shell.h>
#include <rayos/string.h>
#include "internal.h"

#define ACPI_MAX_TABLES 64
#define ACPI_MAX_TABLE_LEN (4u << 20)

static struct acpi_platform plat;
static struct acpi_table tables[ACPI_MAX_TABLES];
static u32 nr_tables;
static u8 rsdp_bytes[64];
static size_t rsdp_len;

const struct acpi_platform *acpi_platform(void) { return &plat; }
u32 acpi_table_count(void) { return nr_tables; }
const struct acpi_table *acpi_table_at(u32 i) { return i < nr_tables ? &tables[i] : NULL; }

const struct acpi_table *acpi_find_table(const char *sig, u32 instance)
{
	for (u32 i = 0; i < nr_tables; i++)
		if (!strncmp(tables[i].signature, sig, 4) && instance-- == 0)
			return &tables[i];
	return NULL;
}

const u8 *acpi_rsdp_bytes(size_t *len)
{
	*len = rsdp_len;
	return rsdp_len ? rsdp_bytes : NULL;
}

static u32 le32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }

static void copy_id(char *dst, const u8 *src, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		dst[k++] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	while (k > 0 && (dst[k - 1] == ' ' || dst[k - 1] == '?'))
		k--; /* ids are space- or NUL-padded */
	dst[k] = 0;
}

/* ---------- RSDP ---------- */

static bool try_rsdp(const u8 *p, size_t avail, u64 phys)
{
	struct acpi_rsdp r;
	if (acpi_parse_rsdp(p, avail, &r))
		return false;
	plat.rsdp = r;
	plat.rsdp_phys = phys;
	rsdp_len = r.revision >= 2 && avail >= ACPI_RSDP_V2_LEN ? MIN(le32(p + 20), avail) : ACPI_RSDP_V1_LEN;
	rsdp_len = MIN(rsdp_len, sizeof(rsdp_bytes));
	memcpy(rsdp_bytes, p, rsdp_len);
	return true;
}

/* Maps an RSDP candidate at phys: 36 bytes, or its own length if larger. */
static bool rsdp_at(u64 phys)
{
	const u8 *p = arch_map_firmware(phys, ACPI_RSDP_V2_LEN);
	if (!p)
		return false;
	size_t avail = ACPI_RSDP_V2_LEN;
	if (p[15] >= 2 && le32(p + 20) > avail && le32(p + 20) <= sizeof(rsdp_bytes)) {
		avail = le32(p + 20);
		p = arch_map_firmware(phys, avail);
		if (!p)
			return false;
	}
	return try_rsdp(p, avail, phys);
}

static bool scan_rsdp(u64 start, u64 len)
{
	const u8 *area = arch_map_firmware(start, len);
	if (!area)
		return false;
	for (u64 off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
		if (!memcmp(area + off, "RSD PTR ", 8) &&
		    try_rsdp(area + off, len - off, start + off))
			return true;
	return false;
}

static const char *find_rsdp(void)
{
	if (boot_info.rsdp_is_copy) {
		if (try_rsdp(boot_info.rsdp_copy, sizeof(boot_info.rsdp_copy), 0))
			return "the boot loader's copy";
		pr_err("acpi", "the RSDP copy from the boot loader is invalid (signature/checksum); scanning the BIOS area");
	} else if (boot_info.rsdp_phys) {
		if (rsdp_at(boot_info.rsdp_phys))
			return "the boot loader";
		pr_err("acpi", "the RSDP at %#llx named by the boot loader is invalid; scanning the BIOS area",
		       (unsigned long long)boot_info.rsdp_phys);
	}
	/* EBDA segment from the BIOS data area word at 0x40E */
	const u8 *bda = arch_map_firmware(0x40E, 2);
	u64 ebda = bda ? (u64)(bda[0] | bda[1] << 8) << 4 : 0;
	if (ebda >= 0x80000 && ebda < 0xA0000 && scan_rsdp(ebda, 1024))
		return "an EBDA scan";
	if (scan_rsdp(0xE0000, 0x20000))
		return "a BIOS-area scan";
	return NULL;
}

/* ---------- table registry ---------- */

/* Maps and checks the table at phys; records it (good or bad). Returns the
 * entry when its length and checksum are valid. */
static struct acpi_table *add_table(u64 phys, const char *expect)
{
	const u8 *h = phys ? arch_map_firmware(phys, ACPI_SDT_HEADER_LEN) : NULL;
	if (!h) {
		pr_warn("acpi", "%s table at %#llx cannot be mapped; ignored", expect ? expect : "a",
			(unsigned long long)phys);
		return NULL;
	}
	if (nr_tables == ACPI_MAX_TABLES) {
		pr_warn("acpi", "more than %d tables; %.4s at %#llx ignored", ACPI_MAX_TABLES, h,
			(unsigned long long)phys);
		return NULL;
	}
	struct acpi_table *t = &tables[nr_tables++];
	for (int i = 0; i < 4; i++) /* exact bytes (lookups compare them), unless unprintable */
		t->signature[i] = h[i] >= 0x20 && h[i] < 0x7f ? (char)h[i] : '?';
	t->signature[4] = 0;
	t->phys = phys;
	t->length = le32(h + 4);
	bool facs = !memcmp(h, "FACS", 4);
	t->has_checksum = !facs;
	u32 min = facs ? 64 : ACPI_SDT_HEADER_LEN;
	if (t->length < min || t->length > ACPI_MAX_TABLE_LEN) {
		pr_warn("acpi", "%s at %#llx has an impossible length (%u bytes); ignored", t->signature,
			(unsigned long long)phys, t->length);
		return NULL;
	}
	t->data = arch_map_firmware(phys, t->length);
	if (!t->data) {
		pr_warn("acpi", "%s at %#llx (%u bytes) cannot be mapped; ignored", t->signature,
			(unsigned long long)phys, t->length);
		return NULL;
	}
	if (facs) {
		t->checksum_ok = true; /* the FACS has no checksum */
		return expect && memcmp(h, expect, 4) ? NULL : t;
	}
	t->revision = t->data[8];
	copy_id(t->oem_id, t->data + 10, 6);
	copy_id(t->oem_table_id, t->data + 16, 8);
	t->checksum_ok = acpi_check_table(t->data, t->length, NULL) == 0;
	if (!t->checksum_ok) {
		pr_warn("acpi", "%s at %#llx (%u bytes, OEM %s): checksum mismatch; ignored", t->signature,
			(unsigned long long)phys, t->length, t->oem_id);
		return NULL;
	}
	if (expect && memcmp(h, expect, 4)) {
		pr_warn("acpi", "table at %#llx should be %s but is %s; ignored", (unsigned long long)phys,
			expect, t->signature);
		return NULL;
	}
	pr_debug("acpi", "%s at %#llx, %u bytes, rev %u, OEM %s %s", t->signature,
		 (unsigned long long)phys, t->length, t->revision, t->oem_id, t->oem_table_id);
	return t;
}

/* The root table: XSDT if valid, else RSDT. Returns the number of entries
 * (stored in entries[]), or -1 when neither is usable. */
static int load_root(u64 *entries, u32 max)
{
	u32 count = 0;
	if (plat.rsdp.ext_invalid)
		pr_warn("acpi", "RSDP revision %u has a bad length or extended checksum; using the RSDT",
			plat.rsdp.revision);
	if (plat.rsdp.xsdt) {
		struct acpi_table *t = add_table(plat.rsdp.xsdt, "XSDT");
		if (t && !acpi_parse_root(t->data, t->length, entries, max, &count)) {
			plat.root_is_xsdt = true;
			goto done;
		}
		pr_warn("acpi", "XSDT at %#llx unusable; %s", (unsigned long long)plat.rsdp.xsdt,
			plat.rsdp.rsdt ? "falling back to the RSDT" : "and the RSDP names no RSDT");
	}
	if (plat.rsdp.rsdt) {
		struct acpi_table *t = add_table(plat.rsdp.rsdt, "RSDT");
		if (t && !acpi_parse_root(t->data, t->length, entries, max, &count))
			goto done;
		pr_err("acpi", "RSDT at %#llx unusable", (unsigned long long)plat.rsdp.rsdt);
	}
	return -1;
done:
	if (count > max)
		pr_warn("acpi", "root table lists %u tables; only the first %u are read", count, max);
	return (int)MIN(count, max);
}

/* ---------- decoding ---------- */

static const struct acpi_table *first_good(const char *sig)
{
	const struct acpi_table *t;
	for (u32 i = 0; (t = acpi_find_table(sig, i)); i++)
		if (t->data && t->checksum_ok)
			return t;
	return NULL;
}

static const char *space_name(u8 space)
{
	return space == ACPI_GAS_IO ? "port" : space == ACPI_GAS_MEMORY ? "mmio" : "space?";
}

static void decode_madt(void)
{
	const struct acpi_table *t = first_good("APIC");
	if (!t) {
		pr_warn("acpi", "no valid MADT: one CPU, local APIC at the MSR's base, IOAPIC at 0xfec00000 assumed");
		return;
	}
	struct acpi_madt *m = &plat.madt;
	if (acpi_parse_madt(t->data, t->length, m)) {
		pr_err("acpi", "MADT at %#llx is malformed (bad entry length); using the interrupt defaults",
		       (unsigned long long)t->phys);
		memset(m, 0, sizeof(*m));
		return;
	}
	plat.have_madt = true;
	u32 enabled = 0;
	for (u32 i = 0; i < m->nr_cpus; i++)
		enabled += !!(m->cpus[i].flags & ACPI_CPU_ENABLED);
	pr_info("acpi", "MADT: %u CPU(s) (%u enabled), %u IOAPIC(s), %u override(s), local APIC at %#llx%s",
		m->nr_cpus, enabled, m->nr_ioapics, m->nr_isos, (unsigned long long)m->lapic_address,
		m->lapic_override ? " (64-bit override)" : "");
	if (m->dropped)
		pr_warn("acpi", "MADT: %u entries beyond RayOS's limits ignored", m->dropped);
}

static void decode_fadt(void)
{
	const struct acpi_table *t = first_good("FACP");
	if (!t) {
		pr_warn("acpi", "no valid FADT: no ACPI power-off, no PM timer, no reset register");
		return;
	}
	struct acpi_fadt *f = &plat.fadt;
	if (acpi_parse_fadt(t->data, t->length, f)) {
		pr_err("acpi", "FADT at %#llx is too short (%u bytes); ignored", (unsigned long long)t->phys,
		       t->length);
		memset(f, 0, sizeof(*f));
		return;
	}
	plat.have_fadt = true;
	pr_debug("acpi", "FADT rev %u%s: PM1a_CNT %s %#llx, PM timer %s %#llx (%u-bit), reset %s %#llx=%#x, century reg %#x",
		f->revision, f->hw_reduced ? " (hardware-reduced)" : "",
		space_name(f->pm1a_cnt.space), (unsigned long long)f->pm1a_cnt.address,
		space_name(f->pm_tmr.space), (unsigned long long)f->pm_tmr.address,
		f->pm_tmr_32bit ? 32 : 24,
		f->reset_supported ? space_name(f->reset_reg.space) : "none",
		(unsigned long long)f->reset_reg.address, f->reset_value, f->century);
	if (f->sleep_control.address)
		pr_debug("acpi", "FADT: sleep control %s %#llx, status %s %#llx",
			space_name(f->sleep_control.space), (unsigned long long)f->sleep_control.address,
			space_name(f->sleep_status.space), (unsigned long long)f->sleep_status.address);

	/* the DSDT and FACS it points to are not in the root table */
	if (f->dsdt)
		add_table(f->dsdt, "DSDT");
	else
		pr_warn("acpi", "FADT names no DSDT");
	if (f->facs)
		add_table(f->facs, "FACS");
}

static void decode_s5(void)
{
	const struct acpi_table *t;
	const char *where = NULL;
	bool bad = false;
	for (int pass = 0; pass < 2 && !where; pass++) {
		const char *sig = pass ? "SSDT" : "DSDT";
		for (u32 i = 0; (t = acpi_find_table(sig, i)); i++) {
			if (!t->data || !t->checksum_ok)
				continue;
			int r = acpi_parse_s5(t->data, t->length, &plat.s5);
			if (r == -EINVAL)
				bad = true;
			if (!r) {
				where = sig;
				break;
			}
		}
	}
	if (!where) {
		if (plat.have_fadt)
			pr_warn("acpi", "no %s\\_S5 object in the DSDT/SSDTs: S5 power-off %s",
				bad ? "well-formed" : "", plat.fadt.hw_reduced ? "uses SLP_TYP 5" : "unavailable");
		return;
	}
	plat.have_s5 = true;
	pr_debug("acpi", "%s \\_S5: SLP_TYPa %u, SLP_TYPb %u", where, plat.s5.slp_typa, plat.s5.slp_typb);
}

static void decode_others(void)
{
	const struct acpi_table *t;
	if ((t = first_good("HPET"))) {
		if (!acpi_parse_hpet(t->data, t->length, &plat.hpet)) {
			plat.have_hpet = true;
			pr_debug("acpi", "HPET %u at %#llx", plat.hpet.number,
				(unsigned long long)plat.hpet.address);
		} else {
			pr_err("acpi", "HPET table malformed (not a memory address); HPET unused");
		}
	}
	if ((t = first_good("MCFG"))) {
		if (!acpi_parse_mcfg(t->data, t->length, &plat.mcfg)) {
			plat.have_mcfg = true;
			for (u32 i = 0; i < plat.mcfg.nr; i++)
				pr_info("acpi", "MCFG: PCI segment %u, buses %u-%u, ECAM at %#llx",
					plat.mcfg.seg[i].segment, plat.mcfg.seg[i].bus_start,
					plat.mcfg.seg[i].bus_end, (unsigned long long)plat.mcfg.seg[i].base);
		} else {
			pr_err("acpi", "MCFG malformed; PCI express configuration space unknown");
		}
	}
	if ((t = first_good("SRAT"))) {
		if (!acpi_parse_srat(t->data, t->length, &plat.srat)) {
			plat.have_srat = true;
			pr_info("acpi", "SRAT: %u CPU and %u memory affinity entries", plat.srat.nr_cpus,
				plat.srat.nr_mem);
		} else {
			pr_err("acpi", "SRAT malformed (bad entry length); NUMA affinity unknown");
		}
	}
}

int acpi_init(void)
{
	const char *how = find_rsdp();
	if (!how) {
		pr_err("acpi", "no RSDP (loader gave none, BIOS area has none): no ACPI; using legacy defaults");
		return -ENODEV;
	}
	plat.present = true;
	u64 entries[ACPI_MAX_TABLES];
	int n = load_root(entries, ACPI_MAX_TABLES);
	u32 first = nr_tables;
	for (int i = 0; i < n; i++)
		add_table(entries[i], NULL);
	char sigs[ACPI_MAX_TABLES * 5 + 1];
	size_t k = 0;
	for (u32 i = first; i < nr_tables; i++) {
		memcpy(sigs + k, tables[i].signature, 4);
		sigs[k + 4] = ' ';
		k += 5;
	}
	sigs[k ? k - 1 : 0] = 0;
	if (n < 0)
		pr_err("acpi", "RSDP rev %u (%s) from %s, but no usable root table: ACPI unused",
		       plat.rsdp.revision, plat.rsdp.oem_id, how);
	else
		pr_info("acpi", "RSDP rev %u (%s) from %s; %s: %s", plat.rsdp.revision, plat.rsdp.oem_id,
			how, plat.root_is_xsdt ? "XSDT" : "RSDT", sigs);
	decode_fadt(); /* first: it adds the DSDT and FACS */
	decode_madt();
	decode_s5();
	decode_others();
	acpi_power_init(&plat);
	return n < 0 ? -ENODEV : 0;
}

/* ---------- shell: acpi [info | dump SIG [N]] ---------- */

static void hexdump(const u8 *p, u32 len)
{
	for (u32 off = 0; off < len; off += 16) {
		char hex[16 * 3 + 1], asc[17];
		u32 n = MIN(16u, len - off), k = 0;
		for (u32 i = 0; i < 16; i++) {
			const char *digits = "0123456789abcdef";
			hex[k++] = i < n ? digits[p[off + i] >> 4] : ' ';
			hex[k++] = i < n ? digits[p[off + i] & 15] : ' ';
			hex[k++] = ' ';
			asc[i] = i < n ? (p[off + i] >= 0x20 && p[off + i] < 0x7f ? (char)p[off + i] : '.') : 0;
		}
		hex[k] = 0;
		asc[n] = 0;
		shell_printf("%08x: %s |%s|\n", off, hex, asc);
	}
}

static int cmd_dump(const char *sig, u32 instance)
{
	if (!strcmp(sig, "RSDP")) {
		size_t len;
		const u8 *p = acpi_rsdp_bytes(&len);
		if (!p) {
			shell_printf("acpi: no RSDP\n");
			return -ENOENT;
		}
		shell_printf("RSDP at %#llx, %zu bytes\n", (unsigned long long)plat.rsdp_phys, len);
		hexdump(p, (u32)len);
		return 0;
	}
	const struct acpi_table *t = strlen(sig) == 4 ? acpi_find_table(sig, instance) : NULL;
	if (!t) {
		shell_printf("acpi: no table %s #%u\n", sig, instance);
		return -ENOENT;
	}
	if (!t->data) {
		shell_printf("acpi: %s at %#llx is not mapped (bad length)\n", t->signature,
			     (unsigned long long)t->phys);
		return -EIO;
	}
	shell_printf("%s at %#llx, %u bytes\n", t->signature, (unsigned long long)t->phys, t->length);
	hexdump(t->data, t->length);
	return 0;
}

static void cmd_info(void)
{
	const struct acpi_madt *m = &plat.madt;
	const struct acpi_fadt *f = &plat.fadt;
	if (plat.have_madt) {
		shell_printf("MADT: local APIC %#llx%s, flags %#x\n", (unsigned long long)m->lapic_address,
			     m->lapic_override ? " (override)" : "", m->flags);
		for (u32 i = 0; i < m->nr_cpus; i++)
			shell_printf("  cpu uid %u apic id %u%s%s%s\n", m->cpus[i].uid, m->cpus[i].apic_id,
				     m->cpus[i].x2apic ? " (x2apic)" : "",
				     m->cpus[i].flags & ACPI_CPU_ENABLED ? " enabled" : "",
				     m->cpus[i].flags & ACPI_CPU_ONLINE_CAPABLE ? " online-capable" : "");
		for (u32 i = 0; i < m->nr_ioapics; i++)
			shell_printf("  ioapic id %u at %#llx, GSI base %u\n", m->ioapics[i].id,
				     (unsigned long long)m->ioapics[i].address, m->ioapics[i].gsi_base);
		for (u32 i = 0; i < m->nr_isos; i++)
			shell_printf("  override bus %u irq %u -> GSI %u flags %#x\n", m->isos[i].bus,
				     m->isos[i].source, m->isos[i].gsi, m->isos[i].flags);
		for (u32 i = 0; i < m->nr_lapic_nmis; i++)
			shell_printf("  lapic NMI uid %#x LINT%u flags %#x\n", m->lapic_nmis[i].uid,
				     m->lapic_nmis[i].lint, m->lapic_nmis[i].flags);
		for (u32 i = 0; i < m->nr_nmi_sources; i++)
			shell_printf("  NMI source GSI %u flags %#x\n", m->nmi_sources[i].gsi,
				     m->nmi_sources[i].flags);
	} else {
		shell_printf("MADT: none\n");
	}
	if (plat.have_fadt) {
		shell_printf("FADT: rev %u, %u bytes, flags %#x%s, boot arch %#x, SCI %u, century %#x\n",
			     f->revision, f->length, f->flags, f->hw_reduced ? " (hw-reduced)" : "",
			     f->iapc_boot_arch, f->sci_irq, f->century);
		const struct { const char *n; const struct acpi_gas *g; } regs[] = {
			{ "PM1a_EVT", &f->pm1a_evt }, { "PM1b_EVT", &f->pm1b_evt },
			{ "PM1a_CNT", &f->pm1a_cnt }, { "PM1b_CNT", &f->pm1b_cnt },
			{ "PM_TMR", &f->pm_tmr }, { "RESET", &f->reset_reg },
			{ "SLEEP_CTL", &f->sleep_control }, { "SLEEP_STS", &f->sleep_status },
		};
		for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
			if (regs[i].g->address)
				shell_printf("  %-9s %s %#llx width %u\n", regs[i].n, space_name(regs[i].g->space),
					     (unsigned long long)regs[i].g->address, regs[i].g->bit_width);
		shell_printf("  PM timer %u-bit; reset %s value %#x\n", f->pm_tmr_32bit ? 32 : 24,
			     f->reset_supported ? "supported" : "unsupported", f->reset_value);
	} else {
		shell_printf("FADT: none\n");
	}
	if (plat.have_s5)
		shell_printf("\\_S5: SLP_TYPa %u SLP_TYPb %u\n", plat.s5.slp_typa, plat.s5.slp_typb);
	if (plat.have_hpet)
		shell_printf("HPET: %#llx\n", (unsigned long long)plat.hpet.address);
	for (u32 i = 0; plat.have_mcfg && i < plat.mcfg.nr; i++)
		shell_printf("MCFG: segment %u buses %u-%u at %#llx\n", plat.mcfg.seg[i].segment,
			     plat.mcfg.seg[i].bus_start, plat.mcfg.seg[i].bus_end,
			     (unsigned long long)plat.mcfg.seg[i].base);
	if (plat.have_srat) {
		for (u32 i = 0; i < plat.srat.nr_cpus; i++)
			shell_printf("SRAT: apic id %u -> node %u\n", plat.srat.cpus[i].apic_id,
				     plat.srat.cpus[i].domain);
		for (u32 i = 0; i < plat.srat.nr_mem; i++)
			shell_printf("SRAT: memory %#llx-%#llx -> node %u\n",
				     (unsigned long long)plat.srat.mem[i].base,
				     (unsigned long long)(plat.srat.mem[i].base + plat.srat.mem[i].length - 1),
				     plat.srat.mem[i].domain);
	}
}

static int cmd_acpi(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "dump")) {
		u64 inst = 0;
		if (argc < 3 || argc > 4 || (argc == 4 && (parse_u64(argv[3], &inst) || inst > 255)))
			return -EINVAL;
		return cmd_dump(argv[2], (u32)inst);
	}
	if (argc == 2 && !strcmp(argv[1], "info")) {
		cmd_info();
		return 0;
	}
	if (argc != 1)
		return -EINVAL;
	if (!plat.present) {
		shell_printf("no ACPI tables (no RSDP found)\n");
		return 0;
	}
	shell_printf("RSDP rev %u at %#llx (OEM %s), root table %s\n", plat.rsdp.revision,
		     (unsigned long long)plat.rsdp_phys, plat.rsdp.oem_id,
		     plat.root_is_xsdt ? "XSDT" : "RSDT");
	shell_printf("SIG  ADDRESS             LENGTH REV OEM    TABLE    CHECKSUM\n");
	for (u32 i = 0; i < nr_tables; i++) {
		const struct acpi_table *t = &tables[i];
		shell_printf("%-4s %#018llx %7u %3u %-6s %-8s %s\n", t->signature,
			     (unsigned long long)t->phys, t->length, t->revision, t->oem_id,
			     t->oem_table_id,
			     t->length < ACPI_SDT_HEADER_LEN || t->length > ACPI_MAX_TABLE_LEN ?
			     "BAD (length)" : !t->data ? "unmapped" : !t->has_checksum ? "none (FACS)" :
			     t->checksum_ok ? "ok" : "BAD");
	}
	return 0;
}
SHELL_CMD(acpi, "acpi", "acpi [info | dump SIG|RSDP [N]]",
	  "list the ACPI tables, show what was decoded, or hex-dump one table", cmd_acpi);
