/* SPDX-License-Identifier: MIT */
/*
 * test_crc32c.c - the one CRC32C: RFC 3720 B.4's vectors and the check
 * value, every length from 0 to 80 at every alignment against the
 * bit-at-a-time definition (so the eight-byte steps and the byte tail
 * both count), and a CRC continued over a split equal to one pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/crc32c.h"
#include "lib/testlib.h"

/* RFC 3720 B.4: 32 bytes filled by rule, and the CRC they must give. */
enum fill { ZEROS, ONES, UP, DOWN };

static const struct {
	int line;
	enum fill fill;
	uint32_t crc;
} vecs[] = {
        {__LINE__, ZEROS, 0x8a9136aa},
        {__LINE__, ONES, 0x62a8ab43},
        {__LINE__, UP, 0x46dd794e},
        {__LINE__, DOWN, 0x113fdb5c},
};

static void test_rfc3720_vectors(void **state)
{
	uint8_t b[32];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		for (k = 0; k < sizeof(b); k++)
			b[k] = vecs[i].fill == ZEROS  ? 0
			       : vecs[i].fill == ONES ? 0xff
			       : vecs[i].fill == UP   ? (uint8_t)k
			                              : (uint8_t)(31 - k);
		if (crc32c(0, b, sizeof(b)) != vecs[i].crc)
			fail_msg("vector at line %d: %08x", vecs[i].line, crc32c(0, b, sizeof(b)));
	}
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c(0, b, 0), 0);
}

static void test_against_definition(void **state)
{
	uint8_t b[96];
	size_t off, len, i;

	(void)state;
	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 131 + 7);
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 80; len++)
			if (crc32c(0, b + off, len) != crc32c_bitwise(b + off, len))
				fail_msg("offset %zu length %zu", off, len);
}

static void test_continued(void **state)
{
	uint8_t b[40];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i <= sizeof(b); i++)
		assert_int_equal(crc32c(crc32c(0, b, i), b + i, sizeof(b) - i),
		                 crc32c(0, b, sizeof(b)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc3720_vectors),
	        cmocka_unit_test(test_against_definition),
	        cmocka_unit_test(test_continued),
	};

	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
