/* SPDX-License-Identifier: MIT */
/*
 * test_iscsi_pdu.c - the iSCSI PDU framer and CRC32C: known-answer digests
 * (RFC 3720 Appendix B.4), framing whole and partial streams, padding,
 * AHS, both digests right and wrong, oversized segments and opcodes only a
 * target sends.  Every stream is copied into a heap buffer of exactly its
 * length so AddressSanitizer sees a read past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iscsi/iscsi_pdu.h"

static void put_le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 3720 B.4 test vectors */
static void test_crc32c_vectors(void **state)
{
	uint8_t b[48];
	size_t i;

	(void)state;
	memset(b, 0, 32);
	assert_int_equal(iscsi_crc32c(0, b, 32), 0x8a9136aa);
	memset(b, 0xff, 32);
	assert_int_equal(iscsi_crc32c(0, b, 32), 0x62a8ab43);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	assert_int_equal(iscsi_crc32c(0, b, 32), 0x46dd794e);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	assert_int_equal(iscsi_crc32c(0, b, 32), 0x113fdb5c);
	/* "123456789": the classic check value */
	assert_int_equal(iscsi_crc32c(0, "123456789", 9), 0xe3069283);
	/* split computation equals one pass, at every split point */
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i <= 32; i++)
		assert_int_equal(iscsi_crc32c(iscsi_crc32c(0, b, i), b + i, 32 - i),
		                 iscsi_crc32c(0, b, 32));
	assert_int_equal(iscsi_crc32c(0, b, 0), 0);
}

/* Build a PDU: BHS with @p op, @p ahs_words of AHS, @p dlen data bytes. */
static size_t build(uint8_t *out, uint8_t op, uint8_t ahs_words, uint32_t dlen, int hd, int dd)
{
	size_t n = ISCSI_BHS_LEN + (size_t)ahs_words * 4, i;
	uint32_t pad = iscsi_pad(dlen);

	memset(out, 0, ISCSI_BHS_LEN);
	out[0] = op;
	out[1] = 0x80;
	out[4] = ahs_words;
	be24_put(out + 5, dlen);
	be32_put(out + 16, 0x1234);
	for (i = ISCSI_BHS_LEN; i < n; i++)
		out[i] = (uint8_t)i;
	if (hd) {
		put_le(out + n, iscsi_crc32c(0, out, n));
		n += 4;
	}
	if (dlen) {
		for (i = 0; i < dlen; i++)
			out[n + i] = (uint8_t)('a' + i % 26);
		memset(out + n + dlen, 0, pad);
		if (dd)
			put_le(out + n + dlen + pad, iscsi_crc32c(0, out + n, dlen + pad));
		n += dlen + pad + (dd ? 4 : 0);
	}
	return n;
}

static int frame_exact(const uint8_t *s, size_t len, int hd, int dd, uint32_t max,
                       struct iscsi_pdu *p, size_t *need)
{
	uint8_t *c = malloc(len ? len : 1);
	int rc;

	assert_non_null(c);
	memcpy(c, s, len);
	rc = iscsi_pdu_frame(c, len, hd, dd, max, p, need);
	free(c);
	return rc;
}

static const struct {
	int line;
	uint8_t op, ahs;
	uint32_t dlen;
	int hd, dd;
} shapes[] = {
        {__LINE__, ISCSI_OP_NOP_OUT, 0, 0, 0, 0},
        {__LINE__, ISCSI_OP_NOP_OUT, 0, 1, 0, 0},
        {__LINE__, ISCSI_OP_SCSI_CMD, 0, 512, 0, 0},
        {__LINE__, ISCSI_OP_SCSI_CMD, 1, 3, 1, 1},
        {__LINE__, ISCSI_OP_LOGIN_REQ, 0, 77, 0, 0},
        {__LINE__, ISCSI_OP_TEXT_REQ, 0, 6, 1, 0},
        {__LINE__, ISCSI_OP_DATA_OUT, 0, 8192, 0, 1},
        {__LINE__, ISCSI_OP_DATA_OUT, 0, 8193, 1, 1},
        {__LINE__, ISCSI_OP_LOGOUT_REQ, 0, 0, 1, 1},
        {__LINE__, ISCSI_OP_TMF_REQ, 0, 0, 0, 1},
        {__LINE__, ISCSI_OP_SCSI_CMD | 0x40, 4, 2, 1, 1}, /* immediate bit */
};

static void test_frame_shapes(void **state)
{
	static uint8_t buf[ISCSI_BHS_LEN + 64 + 4 + 8200 + 8];
	size_t i, len, cut, need;
	struct iscsi_pdu p;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		len = build(buf, shapes[i].op, shapes[i].ahs, shapes[i].dlen, shapes[i].hd,
		            shapes[i].dd);
		/* a failure names the table row */
		_assert_int_equal(
		        frame_exact(buf, len, shapes[i].hd, shapes[i].dd, 65536, &p, &need),
		        (int)len, __FILE__, shapes[i].line);
		assert_int_equal(p.total, len);
		assert_int_equal(p.opcode, shapes[i].op & 0x3f);
		assert_int_equal(p.immediate, (shapes[i].op >> 6) & 1);
		assert_int_equal(p.ahs_len, shapes[i].ahs * 4u);
		assert_int_equal(p.data_len, shapes[i].dlen);
		assert_int_equal(p.itt, 0x1234);
		/* p borrowed from the freed copy: frame in place to look at data */
		assert_int_equal(
		        iscsi_pdu_frame(buf, len, shapes[i].hd, shapes[i].dd, 65536, &p, &need),
		        (int)len);
		if (shapes[i].dlen)
			assert_int_equal(p.data[0], 'a');
		else
			assert_null(p.data);
		/* every shorter prefix asks for more and says how much */
		for (cut = 0; cut < len; cut += cut < 64 ? 1 : 97) {
			assert_int_equal(
			        frame_exact(buf, cut, shapes[i].hd, shapes[i].dd, 65536, &p, &need),
			        0);
			assert_true(need > cut);
			assert_true(need == (cut < ISCSI_BHS_LEN ? ISCSI_BHS_LEN : len));
		}
	}
}

static void test_frame_two_in_a_row(void **state)
{
	uint8_t buf[512];
	size_t a, b, need;
	struct iscsi_pdu p;

	(void)state;
	a = build(buf, ISCSI_OP_SCSI_CMD, 0, 5, 0, 0);
	b = build(buf + a, ISCSI_OP_NOP_OUT, 0, 0, 0, 0);
	assert_int_equal(iscsi_pdu_frame(buf, a + b, 0, 0, 65536, &p, &need), (int)a);
	assert_int_equal(a, 48 + 8); /* 5 bytes padded to 8 */
	assert_int_equal(iscsi_pdu_frame(buf + a, b, 0, 0, 65536, &p, &need), (int)b);
	assert_int_equal(p.opcode, ISCSI_OP_NOP_OUT);
}

static void test_frame_errors(void **state)
{
	uint8_t buf[ISCSI_BHS_LEN + 1100 + 16];
	size_t len, need;
	struct iscsi_pdu p;
	static const uint8_t target_ops[] = {ISCSI_OP_NOP_IN,
	                                     ISCSI_OP_SCSI_RSP,
	                                     ISCSI_OP_LOGIN_RSP,
	                                     ISCSI_OP_DATA_IN,
	                                     ISCSI_OP_R2T,
	                                     ISCSI_OP_REJECT,
	                                     0x07,
	                                     0x1f};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(target_ops); i++) {
		len = build(buf, target_ops[i], 0, 0, 0, 0);
		assert_int_equal(frame_exact(buf, len, 0, 0, 65536, &p, &need), ISCSI_E_OPCODE);
	}
	/* data over the negotiated maximum, refused from the header alone */
	len = build(buf, ISCSI_OP_DATA_OUT, 0, 1024, 0, 0);
	assert_int_equal(frame_exact(buf, ISCSI_BHS_LEN, 0, 0, 1023, &p, &need), ISCSI_E_TOO_BIG);
	assert_int_equal(frame_exact(buf, len, 0, 0, 1024, &p, &need), (int)len);
	/* AHS over what we take */
	buf[4] = ISCSI_AHS_MAX / 4 + 1;
	assert_int_equal(frame_exact(buf, ISCSI_BHS_LEN, 0, 0, 65536, &p, &need), ISCSI_E_AHS);
	/* a flipped bit in the header or the data */
	len = build(buf, ISCSI_OP_SCSI_CMD, 0, 100, 1, 1);
	buf[20] ^= 1;
	assert_int_equal(frame_exact(buf, len, 1, 1, 65536, &p, &need), ISCSI_E_HDIGEST);
	buf[20] ^= 1;
	buf[ISCSI_BHS_LEN + 4 + 50] ^= 0x80;
	assert_int_equal(iscsi_pdu_frame(buf, len, 1, 1, 65536, &p, &need), ISCSI_E_DDIGEST);
	assert_int_equal(p.total, len); /* the stream can go on past it */
	/* a digest expected where there is none */
	len = build(buf, ISCSI_OP_NOP_OUT, 0, 0, 0, 0);
	assert_int_equal(frame_exact(buf, len, 1, 0, 65536, &p, &need), 0);
	assert_int_equal(need, len + 4);
}

static void test_login_decode(void **state)
{
	uint8_t buf[ISCSI_BHS_LEN + 8];
	struct iscsi_pdu p;
	struct iscsi_login_req r;
	size_t need;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[0] = ISCSI_OP_LOGIN_REQ | 0x40;
	buf[1] = 0x80 | 0x40 | (1 << 2) | 3; /* T C CSG=1 NSG=3 */
	buf[2] = 0;
	buf[3] = 0;
	be24_put(buf + 5, 5);
	memcpy(buf + 8, "\x40\x00\x01\x37\x00\x00", 6);
	be16_put(buf + 14, 0x0102);
	be32_put(buf + 16, 0xdeadbeef);
	be16_put(buf + 20, 7);
	be32_put(buf + 24, 100);
	be32_put(buf + 28, 200);
	memcpy(buf + 48, "A=B\0\0\0\0\0", 8);
	assert_int_equal(iscsi_pdu_frame(buf, sizeof(buf), 0, 0, 8192, &p, &need), 56);
	iscsi_login_req_decode(&p, &r);
	assert_int_equal(r.transit, 1);
	assert_int_equal(r.cont, 1);
	assert_int_equal(r.csg, 1);
	assert_int_equal(r.nsg, 3);
	assert_memory_equal(r.isid, "\x40\x00\x01\x37\x00\x00", 6);
	assert_int_equal(r.tsih, 0x0102);
	assert_int_equal(r.itt, 0xdeadbeef);
	assert_int_equal(r.cid, 7);
	assert_int_equal(r.cmdsn, 100);
	assert_int_equal(r.expstatsn, 200);
	assert_int_equal(r.len, 5);
	assert_memory_equal(r.data, "A=B\0", 4);
}

static void test_bhs_init(void **state)
{
	uint8_t b[ISCSI_BHS_LEN];

	(void)state;
	memset(b, 0xaa, sizeof(b));
	iscsi_bhs_init(b, ISCSI_OP_SCSI_RSP, 0x80, 0x123456, 0x01020304);
	assert_int_equal(b[0], 0x21);
	assert_int_equal(b[1], 0x80);
	assert_int_equal(b[4], 0);
	assert_int_equal(be24_get(b + 5), 0x123456);
	assert_int_equal(be32_get(b + 16), 0x01020304);
	assert_int_equal(b[47], 0);
	be64_put(b + 8, 0x0102030405060708ull);
	assert_true(be64_get(b + 8) == 0x0102030405060708ull);
	assert_int_equal(iscsi_pad(0), 0);
	assert_int_equal(iscsi_pad(1), 3);
	assert_int_equal(iscsi_pad(4), 0);
	assert_int_equal(iscsi_pad(7), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_crc32c_vectors),     cmocka_unit_test(test_frame_shapes),
	        cmocka_unit_test(test_frame_two_in_a_row), cmocka_unit_test(test_frame_errors),
	        cmocka_unit_test(test_login_decode),       cmocka_unit_test(test_bhs_init),
	};

	return cmocka_run_group_tests_name("iscsi_pdu", tests, NULL, NULL);
}
