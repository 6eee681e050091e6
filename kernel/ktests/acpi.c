/* ktests/acpi.c — in-kernel tests of the ACPI tables as found at boot.
 *
 *  - an RSDP was found and its checksum (and the 2.0 extended one) holds;
 *  - every table recorded has a sane length and a valid checksum, and the
 *    root table was one of XSDT/RSDT;
 *  - the MADT lists at least one enabled CPU and one IOAPIC, and a local
 *    APIC address;
 *  - the FADT gives a power-off path (PM1a control + \_S5, or a sleep
 *    control register on hardware-reduced platforms);
 *  - HPET and MCFG, where present, decoded to plausible values;
 *  - the parser rejects a copy of the live MADT with one byte changed
 *    (checksum) and accepts it again once the checksum is fixed.
 * Platforms without a table skip the test that needs it. */
#include <rayos/acpi.h>
#include <rayos/ktest.h>
#include <rayos/string.h>

KTEST(acpi, rsdp_found_and_valid)
{
	const struct acpi_platform *p = acpi_platform();
	if (!p->present)
		KT_SKIP("no ACPI on this platform");
	size_t len;
	const u8 *r = acpi_rsdp_bytes(&len);
	KT_ASSERT(r != NULL && len >= ACPI_RSDP_V1_LEN);
	KT_EXPECT(!memcmp(r, "RSD PTR ", 8));
	KT_EXPECT_EQ(acpi_checksum(r, ACPI_RSDP_V1_LEN), 0);
	if (p->rsdp.revision >= 2 && !p->rsdp.ext_invalid)
		KT_EXPECT_EQ(acpi_checksum(r, len), 0);
}

KTEST(acpi, tables_have_valid_checksums)
{
	if (!acpi_platform()->present)
		KT_SKIP("no ACPI on this platform");
	u32 n = acpi_table_count();
	KT_ASSERT(n >= 2);
	const struct acpi_table *root = acpi_table_at(0);
	KT_EXPECT(!strcmp(root->signature, "XSDT") || !strcmp(root->signature, "RSDT"));
	for (u32 i = 0; i < n; i++) {
		const struct acpi_table *tb = acpi_table_at(i);
		t->checks++;
		if (!tb->data || !tb->checksum_ok) {
			ktest_fail(t, __FILE__, __LINE__, "%s at %#llx: %s", tb->signature,
				   (unsigned long long)tb->phys, tb->data ? "bad checksum" : "unmapped");
			continue;
		}
		if (tb->has_checksum)
			KT_EXPECT_EQ(acpi_checksum(tb->data, tb->length), 0);
		KT_EXPECT(tb->length >= ACPI_SDT_HEADER_LEN);
	}
}

KTEST(acpi, madt_has_cpu_and_ioapic)
{
	const struct acpi_platform *p = acpi_platform();
	if (!p->have_madt)
		KT_SKIP("no MADT");
	u32 enabled = 0;
	for (u32 i = 0; i < p->madt.nr_cpus; i++)
		enabled += !!(p->madt.cpus[i].flags & ACPI_CPU_ENABLED);
	KT_EXPECT(enabled >= 1);
	KT_EXPECT(p->madt.nr_ioapics >= 1);
	KT_EXPECT(p->madt.lapic_address != 0);
	for (u32 i = 0; i < p->madt.nr_ioapics; i++)
		KT_EXPECT(p->madt.ioapics[i].address != 0);
}

KTEST(acpi, fadt_gives_poweroff_path)
{
	const struct acpi_platform *p = acpi_platform();
	if (!p->have_fadt)
		KT_SKIP("no FADT");
	if (p->fadt.hw_reduced) {
		KT_EXPECT(p->fadt.sleep_control.address != 0);
	} else {
		KT_EXPECT(p->fadt.pm1a_cnt.address != 0);
		KT_EXPECT(p->have_s5);
		KT_EXPECT(p->fadt.dsdt != 0);
	}
}

KTEST(acpi, hpet_and_mcfg_plausible)
{
	const struct acpi_platform *p = acpi_platform();
	if (!p->have_hpet && !p->have_mcfg)
		KT_SKIP("neither HPET nor MCFG");
	if (p->have_hpet)
		KT_EXPECT(p->hpet.address != 0 && (p->hpet.address & 0x3FF) == 0);
	for (u32 i = 0; p->have_mcfg && i < p->mcfg.nr; i++) {
		KT_EXPECT(p->mcfg.seg[i].bus_start <= p->mcfg.seg[i].bus_end);
		KT_EXPECT((p->mcfg.seg[i].base & 0xFFFFF) == 0); /* 1 MiB per bus */
	}
}

KTEST(acpi, parser_rejects_corrupted_live_madt)
{
	const struct acpi_table *m = acpi_find_table("APIC", 0);
	if (!m || !m->data)
		KT_SKIP("no MADT");
	static u8 copy[4096];
	static struct acpi_madt out;
	KT_ASSERT(m->length <= sizeof(copy));
	memcpy(copy, m->data, m->length);
	KT_EXPECT_EQ(acpi_parse_madt(copy, m->length, &out), 0);
	copy[m->length - 1] ^= 0x40;
	KT_EXPECT_EQ(acpi_parse_madt(copy, m->length, &out), -EINVAL);
	copy[9] = (u8)(copy[9] - acpi_checksum(copy, m->length)); /* re-balance the sum */
	KT_EXPECT_EQ(acpi_parse_madt(copy, m->length, &out), 0);
	KT_EXPECT_EQ(acpi_parse_madt(copy, m->length - 1, &out), -EINVAL);
}
