/* parse.c — pure parsers for the ACPI tables RayOS reads: RSDP, XSDT/RSDT,
 * MADT, FADT, the \_S5 object of a DSDT/SSDT, HPET, MCFG and SRAT.
 *
 * Every function takes (bytes, len), where len is how many bytes the caller
 * can vouch for, and returns 0, -EINVAL (malformed) or -ENOENT (absent).
 * Invariants, in this order, before anything else is read:
 *   - at least the 36-byte header is present, the header's length is in
 *     [36 + fixed part, len] and the bytes sum to 0 (acpi_check_table);
 *   - after that, the header's length (never len) bounds every read, and
 *     every variable-length entry is checked to fit (length >= 2 and no
 *     shorter than its type requires) before its fields are read; a zero or
 *     overlong entry length rejects the table instead of looping or
 *     overrunning.
 * Multi-byte fields are assembled byte by byte (little-endian), so neither
 * alignment nor host byte order matters. On failure the output structure
 * may be partly filled and must not be used.
 *
 * No state, no locking, no hardware: these run unchanged in the hosted unit
 * tests (tests/host/test_acpi.c) over captured and corrupted tables.
 *
 * References: ACPI Specification 6.5 sections 5.2.5 (RSDP), 5.2.7-8
 * (RSDT/XSDT), 5.2.9 (FADT), 5.2.12 (MADT), 5.2.16 (SRAT), 7.4.2 (\_Sx),
 * 20.2 (AML encoding: NameOp 0x08, PackageOp 0x12, PkgLength, ZeroOp,
 * OneOp, BytePrefix 0x0A ...); IA-PC HPET Specification 1.0a section 3.2.4;
 * PCI Firmware Specification 3.2 section 4.1.2 (MCFG). */
#include <rayos/acpi.h>
#include <rayos/string.h>

static u16 rd16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 rd32(const u8 *p) { return (u32)rd16(p) | (u32)rd16(p + 2) << 16; }
static u64 rd64(const u8 *p) { return (u64)rd32(p) | (u64)rd32(p + 4) << 32; }

static void rd_gas(const u8 *p, struct acpi_gas *g)
{
	g->space = p[0];
	g->bit_width = p[1];
	g->bit_offset = p[2];
	g->access_size = p[3];
	g->address = rd64(p + 4);
}

u8 acpi_checksum(const void *bytes, size_t len)
{
	const u8 *p = bytes;
	u8 sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (u8)(sum + p[i]);
	return sum;
}

int acpi_parse_rsdp(const void *bytes, size_t len, struct acpi_rsdp *out)
{
	const u8 *p = bytes;
	memset(out, 0, sizeof(*out));
	if (!p || len < ACPI_RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8) ||
	    acpi_checksum(p, ACPI_RSDP_V1_LEN))
		return -EINVAL;
	memcpy(out->oem_id, p + 9, 6);
	out->oem_id[6] = 0;
	for (int i = 5; i >= 0 && (out->oem_id[i] == ' ' || !out->oem_id[i]); i--)
		out->oem_id[i] = 0; /* space padded */
	out->revision = p[15];
	out->rsdt = rd32(p + 16);
	if (out->revision >= 2) {
		u32 length = len >= ACPI_RSDP_V2_LEN ? rd32(p + 20) : 0;
		if (length >= ACPI_RSDP_V2_LEN && length <= len && !acpi_checksum(p, length))
			out->xsdt = rd64(p + 24);
		else
			out->ext_invalid = true;
	}
	return 0;
}

int acpi_check_table(const void *bytes, size_t len, const char *sig)
{
	const u8 *p = bytes;
	if (!p || len < ACPI_SDT_HEADER_LEN)
		return -EINVAL;
	u32 length = rd32(p + 4);
	if (length < ACPI_SDT_HEADER_LEN || length > len)
		return -EINVAL;
	if (sig && memcmp(p, sig, 4))
		return -EINVAL;
	return acpi_checksum(p, length) ? -EINVAL : 0;
}

/* Validates the table and its fixed part; returns the table length or
 * -EINVAL. */
static long checked_length(const void *bytes, size_t len, const char *sig, u32 fixed)
{
	if (acpi_check_table(bytes, len, sig))
		return -EINVAL;
	u32 length = rd32((const u8 *)bytes + 4);
	return length < fixed ? -EINVAL : (long)length;
}

int acpi_parse_root(const void *bytes, size_t len, u64 *entries, u32 max, u32 *count)
{
	const u8 *p = bytes;
	*count = 0;
	if (acpi_check_table(bytes, len, NULL))
		return -EINVAL;
	u32 esize;
	if (!memcmp(p, "XSDT", 4))
		esize = 8;
	else if (!memcmp(p, "RSDT", 4))
		esize = 4;
	else
		return -EINVAL;
	u32 body = rd32(p + 4) - ACPI_SDT_HEADER_LEN;
	if (body % esize)
		return -EINVAL;
	u32 n = body / esize;
	for (u32 i = 0; i < n && i < max; i++) {
		const u8 *e = p + ACPI_SDT_HEADER_LEN + (size_t)i * esize;
		entries[i] = esize == 8 ? rd64(e) : rd32(e);
	}
	*count = n;
	return 0;
}

/* MADT entry types and the least length each must have. */
enum {
	MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2, MADT_NMI_SOURCE = 3,
	MADT_LAPIC_NMI = 4, MADT_LAPIC_OVERRIDE = 5, MADT_X2APIC = 9,
	MADT_X2APIC_NMI = 10,
};

static u8 madt_min_len(u8 type)
{
	switch (type) {
	case MADT_LAPIC: return 8;
	case MADT_IOAPIC: return 12;
	case MADT_ISO: return 10;
	case MADT_NMI_SOURCE: return 8;
	case MADT_LAPIC_NMI: return 6;
	case MADT_LAPIC_OVERRIDE: return 12;
	case MADT_X2APIC: return 16;
	case MADT_X2APIC_NMI: return 12;
	}
	return 2;
}

static void madt_add_cpu(struct acpi_madt *m, u32 apic_id, u32 uid, u32 flags, bool x2)
{
	if (m->nr_cpus >= ACPI_MADT_MAX_CPUS) {
		m->dropped++;
		return;
	}
	struct acpi_madt_cpu *c = &m->cpus[m->nr_cpus++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->flags = flags & (ACPI_CPU_ENABLED | ACPI_CPU_ONLINE_CAPABLE);
	c->x2apic = x2;
}

static void madt_add_lapic_nmi(struct acpi_madt *m, u32 uid, u16 flags, u8 lint)
{
	if (m->nr_lapic_nmis >= ACPI_MADT_MAX_NMIS) {
		m->dropped++;
		return;
	}
	struct acpi_madt_lapic_nmi *n = &m->lapic_nmis[m->nr_lapic_nmis++];
	n->uid = uid;
	n->flags = flags;
	n->lint = lint;
}

int acpi_parse_madt(const void *bytes, size_t len, struct acpi_madt *m)
{
	const u8 *p = bytes;
	memset(m, 0, sizeof(*m));
	long length = checked_length(bytes, len, "APIC", 44);
	if (length < 0)
		return -EINVAL;
	m->lapic_address = rd32(p + 36);
	m->flags = rd32(p + 40);
	for (long off = 44; off < length;) {
		if (length - off < 2)
			return -EINVAL;
		const u8 *e = p + off;
		u8 type = e[0], elen = e[1];
		if (elen < 2 || elen > length - off || elen < madt_min_len(type))
			return -EINVAL;
		switch (type) {
		case MADT_LAPIC:
			madt_add_cpu(m, e[3], e[2], rd32(e + 4), false);
			break;
		case MADT_X2APIC:
			madt_add_cpu(m, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
			break;
		case MADT_IOAPIC:
			if (m->nr_ioapics >= ACPI_MADT_MAX_IOAPICS) {
				m->dropped++;
				break;
			}
			m->ioapics[m->nr_ioapics].id = e[2];
			m->ioapics[m->nr_ioapics].address = rd32(e + 4);
			m->ioapics[m->nr_ioapics].gsi_base = rd32(e + 8);
			m->nr_ioapics++;
			break;
		case MADT_ISO:
			if (m->nr_isos >= ACPI_MADT_MAX_ISOS) {
				m->dropped++;
				break;
			}
			m->isos[m->nr_isos].bus = e[2];
			m->isos[m->nr_isos].source = e[3];
			m->isos[m->nr_isos].gsi = rd32(e + 4);
			m->isos[m->nr_isos].flags = rd16(e + 8);
			m->nr_isos++;
			break;
		case MADT_NMI_SOURCE:
			if (m->nr_nmi_sources >= ACPI_MADT_MAX_NMIS) {
				m->dropped++;
				break;
			}
			m->nmi_sources[m->nr_nmi_sources].flags = rd16(e + 2);
			m->nmi_sources[m->nr_nmi_sources].gsi = rd32(e + 4);
			m->nr_nmi_sources++;
			break;
		case MADT_LAPIC_NMI:
			/* processor UID 0xFF means every processor */
			madt_add_lapic_nmi(m, e[2] == 0xFF ? ACPI_UID_ALL : e[2], rd16(e + 3), e[5]);
			break;
		case MADT_X2APIC_NMI:
			madt_add_lapic_nmi(m, rd32(e + 4), rd16(e + 2), e[8]);
			break;
		case MADT_LAPIC_OVERRIDE:
			m->lapic_address = rd64(e + 4);
			m->lapic_override = true;
			break;
		default:
			m->other++;
			break;
		}
		off += elen;
	}
	return 0;
}

/* FADT field offsets (ACPI 6.5 table 5.9). */
enum {
	FADT_FIRMWARE_CTRL = 36, FADT_DSDT = 40, FADT_SCI_INT = 46,
	FADT_SMI_CMD = 48, FADT_ACPI_ENABLE = 52, FADT_ACPI_DISABLE = 53,
	FADT_PM1A_EVT_BLK = 56, FADT_PM1B_EVT_BLK = 60, FADT_PM1A_CNT_BLK = 64,
	FADT_PM1B_CNT_BLK = 68, FADT_PM_TMR_BLK = 76, FADT_PM1_EVT_LEN = 88,
	FADT_PM1_CNT_LEN = 89, FADT_PM_TMR_LEN = 91, FADT_CENTURY = 108,
	FADT_IAPC_BOOT_ARCH = 109, FADT_FLAGS = 112, FADT_RESET_REG = 116,
	FADT_RESET_VALUE = 128, FADT_X_FIRMWARE_CTRL = 132, FADT_X_DSDT = 140,
	FADT_X_PM1A_EVT_BLK = 148, FADT_X_PM1B_EVT_BLK = 160,
	FADT_X_PM1A_CNT_BLK = 172, FADT_X_PM1B_CNT_BLK = 184,
	FADT_X_PM_TMR_BLK = 208, FADT_SLEEP_CONTROL = 244,
	FADT_SLEEP_STATUS = 256, FADT_V1_LEN = 116,
};

/* A register block: the 64-bit GAS when the table has it and it names an
 * address, else the ACPI 1.0 port with the given byte length. */
static void fadt_block(const u8 *p, long length, int legacy_off, int len_off, int x_off,
		       struct acpi_gas *g)
{
	memset(g, 0, sizeof(*g));
	if (x_off + 12 <= length) {
		rd_gas(p + x_off, g);
		if (g->address)
			return;
	}
	u32 port = rd32(p + legacy_off);
	u8 bytes = len_off >= 0 ? p[len_off] : 0;
	if (!port || !bytes) {
		memset(g, 0, sizeof(*g));
		return;
	}
	g->space = ACPI_GAS_IO;
	g->bit_width = (u8)(bytes * 8);
	g->address = port;
}

int acpi_parse_fadt(const void *bytes, size_t len, struct acpi_fadt *f)
{
	const u8 *p = bytes;
	memset(f, 0, sizeof(*f));
	long length = checked_length(bytes, len, "FACP", FADT_V1_LEN);
	if (length < 0)
		return -EINVAL;
	f->revision = p[8];
	f->length = (u32)length;
	f->facs = rd32(p + FADT_FIRMWARE_CTRL);
	f->dsdt = rd32(p + FADT_DSDT);
	if (FADT_X_FIRMWARE_CTRL + 8 <= length && rd64(p + FADT_X_FIRMWARE_CTRL))
		f->facs = rd64(p + FADT_X_FIRMWARE_CTRL);
	if (FADT_X_DSDT + 8 <= length && rd64(p + FADT_X_DSDT))
		f->dsdt = rd64(p + FADT_X_DSDT);
	f->sci_irq = rd16(p + FADT_SCI_INT);
	f->smi_cmd = rd32(p + FADT_SMI_CMD);
	f->acpi_enable = p[FADT_ACPI_ENABLE];
	f->acpi_disable = p[FADT_ACPI_DISABLE];
	fadt_block(p, length, FADT_PM1A_EVT_BLK, FADT_PM1_EVT_LEN, FADT_X_PM1A_EVT_BLK, &f->pm1a_evt);
	fadt_block(p, length, FADT_PM1B_EVT_BLK, FADT_PM1_EVT_LEN, FADT_X_PM1B_EVT_BLK, &f->pm1b_evt);
	fadt_block(p, length, FADT_PM1A_CNT_BLK, FADT_PM1_CNT_LEN, FADT_X_PM1A_CNT_BLK, &f->pm1a_cnt);
	fadt_block(p, length, FADT_PM1B_CNT_BLK, FADT_PM1_CNT_LEN, FADT_X_PM1B_CNT_BLK, &f->pm1b_cnt);
	fadt_block(p, length, FADT_PM_TMR_BLK, FADT_PM_TMR_LEN, FADT_X_PM_TMR_BLK, &f->pm_tmr);
	f->century = p[FADT_CENTURY];
	f->iapc_boot_arch = rd16(p + FADT_IAPC_BOOT_ARCH);
	f->flags = rd32(p + FADT_FLAGS);
	f->pm_tmr_32bit = f->flags & ACPI_FADT_TMR_VAL_EXT;
	f->hw_reduced = f->flags & ACPI_FADT_HW_REDUCED;
	if (FADT_RESET_VALUE + 1 <= length) {
		rd_gas(p + FADT_RESET_REG, &f->reset_reg);
		f->reset_value = p[FADT_RESET_VALUE];
		f->reset_supported = (f->flags & ACPI_FADT_RESET_REG_SUP) && f->reset_reg.address;
	}
	if (FADT_SLEEP_STATUS + 12 <= length) {
		rd_gas(p + FADT_SLEEP_CONTROL, &f->sleep_control);
		rd_gas(p + FADT_SLEEP_STATUS, &f->sleep_status);
	}
	return 0;
}

/* AML opcodes used by the \_S5 scan. */
enum {
	AML_ZERO = 0x00, AML_ONE = 0x01, AML_NAME = 0x08, AML_BYTE = 0x0A,
	AML_WORD = 0x0B, AML_DWORD = 0x0C, AML_QWORD = 0x0E, AML_PACKAGE = 0x12,
	AML_ONES = 0xFF,
};

/* Decodes one integer package element at p[*i] (below end). */
static int aml_integer(const u8 *p, size_t *i, size_t end, u64 *v)
{
	if (*i >= end)
		return -EINVAL;
	u8 op = p[(*i)++];
	size_t n;
	switch (op) {
	case AML_ZERO: *v = 0; return 0;
	case AML_ONE: *v = 1; return 0;
	case AML_ONES: *v = ~0ULL; return 0;
	case AML_BYTE: n = 1; break;
	case AML_WORD: n = 2; break;
	case AML_DWORD: n = 4; break;
	case AML_QWORD: n = 8; break;
	default: return -EINVAL;
	}
	if (end - *i < n)
		return -EINVAL;
	*v = 0;
	for (size_t k = 0; k < n; k++)
		*v |= (u64)p[*i + k] << (8 * k);
	*i += n;
	return 0;
}

/* p[at] is "_S5_": is it Name(_S5_ / \_S5_ / ^_S5_, ...)? */
static bool is_name_op(const u8 *p, size_t at, size_t start)
{
	if (at > start && p[at - 1] == AML_NAME)
		return true;
	return at > start + 1 && (p[at - 1] == '\\' || p[at - 1] == '^') && p[at - 2] == AML_NAME;
}

/* The package after Name(_S5_: PackageOp PkgLength NumElements elements. */
static int decode_s5_package(const u8 *p, size_t i, size_t length, struct acpi_s5 *out)
{
	if (i >= length || p[i] != AML_PACKAGE)
		return -ENOENT; /* _S5_ names something else */
	i++;
	if (i >= length)
		return -EINVAL;
	size_t pkg_start = i;
	u8 lead = p[i];
	size_t follow = lead >> 6;
	u32 pkglen = follow ? lead & 0x0F : lead & 0x3F;
	if (follow && (lead & 0x30))
		return -EINVAL; /* bits 5:4 must be zero with follow bytes */
	if (length - i < 1 + follow)
		return -EINVAL;
	for (size_t k = 0; k < follow; k++)
		pkglen |= (u32)p[i + 1 + k] << (4 + 8 * k);
	i += 1 + follow;
	if (pkglen < 1 + follow || pkglen > length - pkg_start)
		return -EINVAL;
	size_t end = pkg_start + pkglen;
	if (i >= end)
		return -EINVAL;
	u8 nelem = p[i++];
	if (nelem == 0)
		return -EINVAL;
	u64 a, b;
	if (aml_integer(p, &i, end, &a))
		return -EINVAL;
	if (nelem >= 2) {
		if (aml_integer(p, &i, end, &b))
			return -EINVAL;
	} else {
		/* one integer carrying both: SLP_TYPa in bits 7:0, b in 15:8 */
		b = (a >> 8) & 0xFF;
		a &= 0xFF;
	}
	if (a > 7 || b > 7)
		return -EINVAL; /* SLP_TYP is a 3-bit field */
	out->slp_typa = (u8)a;
	out->slp_typb = (u8)b;
	return 0;
}

int acpi_parse_s5(const void *bytes, size_t len, struct acpi_s5 *out)
{
	const u8 *p = bytes;
	memset(out, 0, sizeof(*out));
	if (acpi_check_table(bytes, len, NULL) ||
	    (memcmp(p, "DSDT", 4) && memcmp(p, "SSDT", 4)))
		return -EINVAL;
	size_t length = rd32(p + 4);
	for (size_t i = ACPI_SDT_HEADER_LEN; i + 4 <= length; i++) {
		if (p[i] != '_' || memcmp(p + i, "_S5_", 4) || !is_name_op(p, i, ACPI_SDT_HEADER_LEN))
			continue;
		int r = decode_s5_package(p, i + 4, length, out);
		if (r != -ENOENT)
			return r;
	}
	return -ENOENT;
}

int acpi_parse_hpet(const void *bytes, size_t len, struct acpi_hpet *h)
{
	const u8 *p = bytes;
	memset(h, 0, sizeof(*h));
	if (checked_length(bytes, len, "HPET", 56) < 0)
		return -EINVAL;
	struct acpi_gas g;
	rd_gas(p + 40, &g);
	if (g.space != ACPI_GAS_MEMORY || !g.address)
		return -EINVAL;
	h->address = g.address;
	h->block_id = rd32(p + 36);
	h->number = p[52];
	h->min_tick = rd16(p + 53);
	return 0;
}

int acpi_parse_mcfg(const void *bytes, size_t len, struct acpi_mcfg *m)
{
	const u8 *p = bytes;
	memset(m, 0, sizeof(*m));
	long length = checked_length(bytes, len, "MCFG", 44);
	if (length < 0 || (length - 44) % 16)
		return -EINVAL;
	for (long off = 44; off < length; off += 16) {
		const u8 *e = p + off;
		if (e[10] > e[11])
			return -EINVAL;
		if (m->nr >= ACPI_MCFG_MAX) {
			m->dropped++;
			continue;
		}
		struct acpi_mcfg_segment *s = &m->seg[m->nr++];
		s->base = rd64(e);
		s->segment = rd16(e + 8);
		s->bus_start = e[10];
		s->bus_end = e[11];
	}
	return 0;
}

enum { SRAT_CPU = 0, SRAT_MEM = 1, SRAT_X2APIC = 2 };

static void srat_add_cpu(struct acpi_srat *s, u32 apic_id, u32 domain, bool x2)
{
	if (s->nr_cpus >= ACPI_SRAT_MAX_CPUS) {
		s->dropped++;
		return;
	}
	s->cpus[s->nr_cpus].apic_id = apic_id;
	s->cpus[s->nr_cpus].domain = domain;
	s->cpus[s->nr_cpus].x2apic = x2;
	s->nr_cpus++;
}

int acpi_parse_srat(const void *bytes, size_t len, struct acpi_srat *s)
{
	const u8 *p = bytes;
	memset(s, 0, sizeof(*s));
	long length = checked_length(bytes, len, "SRAT", 48);
	if (length < 0)
		return -EINVAL;
	for (long off = 48; off < length;) {
		if (length - off < 2)
			return -EINVAL;
		const u8 *e = p + off;
		u8 type = e[0], elen = e[1];
		u8 need = type == SRAT_CPU ? 16 : type == SRAT_MEM ? 40 : type == SRAT_X2APIC ? 24 : 2;
		if (elen < 2 || elen > length - off || elen < need)
			return -EINVAL;
		switch (type) {
		case SRAT_CPU:
			if (rd32(e + 4) & 1) /* enabled */
				srat_add_cpu(s, e[3], e[2] | (u32)e[9] << 8 | (u32)e[10] << 16 |
					     (u32)e[11] << 24, false);
			break;
		case SRAT_X2APIC:
			if (rd32(e + 12) & 1)
				srat_add_cpu(s, rd32(e + 8), rd32(e + 4), true);
			break;
		case SRAT_MEM: {
			u32 flags = rd32(e + 28);
			if (!(flags & 1))
				break;
			if (s->nr_mem >= ACPI_SRAT_MAX_MEM) {
				s->dropped++;
				break;
			}
			struct acpi_srat_mem *m = &s->mem[s->nr_mem++];
			m->domain = rd32(e + 2);
			m->base = rd64(e + 8);
			m->length = rd64(e + 16);
			m->flags = flags & (ACPI_SRAT_MEM_HOTPLUG | ACPI_SRAT_MEM_NONVOLATILE);
			break;
		}
		default:
			break;
		}
		off += elen;
	}
	return 0;
}
