/* test_random.c — hosted tests of lib/random.c: the ChaCha20 block function
 * against RFC 8439 section 2.3.2's test vector, and the generator's
 * behaviour (fills any length, never repeats a block, bits balanced). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <rayos/random.h>

static void test_rfc8439_block(void **state)
{
	(void)state;
	u32 key[8], nonce[3] = { 0x09000000, 0x4a000000, 0x00000000 };
	for (int i = 0; i < 8; i++)
		key[i] = (u32)(4 * i) | (u32)(4 * i + 1) << 8 | (u32)(4 * i + 2) << 16 | (u32)(4 * i + 3) << 24;
	static const u8 expect[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
		0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
		0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
		0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	u8 out[64];
	chacha20_block(key, 1, nonce, out);
	assert_memory_equal(out, expect, 64);
}

static void test_fills_and_differs(void **state)
{
	(void)state;
	u8 a[1000], b[1000];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	get_random_bytes(a, sizeof(a));
	get_random_bytes(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	/* odd lengths leave the bytes after them alone */
	u8 c[9] = { 0 };
	get_random_bytes(c, 7);
	assert_int_equal(c[7], 0);
	assert_int_equal(c[8], 0);
	/* the ones in 8000 bits are near 4000 (binomial sd ~45) */
	int ones = 0;
	for (size_t i = 0; i < sizeof(a); i++)
		ones += __builtin_popcount(a[i]);
	assert_in_range(ones, 4000 - 300, 4000 + 300);
}

static void test_u64_distinct(void **state)
{
	(void)state;
	u64 v[256];
	for (int i = 0; i < 256; i++) {
		v[i] = get_random_u64();
		for (int j = 0; j < i; j++)
			assert_true(v[i] != v[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8439_block),
		cmocka_unit_test(test_fills_and_differs),
		cmocka_unit_test(test_u64_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
