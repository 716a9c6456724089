/* SPDX-License-Identifier: MIT */
/*
 * test_tftp_pkt.c - vectors for the TFTP packet codec, option negotiation
 * and the sender's window.  Packets are written as string literals with
 * their NULs spelled out; each table row carries its own line so a failure
 * names the vector.  Parsed packets are copied into a heap buffer of exactly
 * their length so that AddressSanitizer sees any read past it.  The window
 * tests play a client against tftp_win: they send what it says, ACK as a
 * receiver would, and check every 16-bit block number on the wire.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tftp/tftp_pkt.h"
#include "lib/testlib.h"

#define ABSENT (-1L)

/*
 * A packet written as a literal, '|' standing for each NUL after the opcode:
 * P("\0\1f|octet|blksize|1428|").  Yields the literal and its length
 * without the literal's own NUL; unbar() makes the bytes.
 */
#define P(lit) (lit), sizeof(lit) - 1

/* Expected options: blksize, timeout, tsize, windowsize. */
#define OPTS(b, t, s, w) .opt = {(b), (t), (s), (w)}, .check_opt = 1

/* Parse a P() literal from its exact-length copy. */
static int parse_exact(const char *s, size_t len, struct tftp_req *r, uint8_t **copy)
{
	uint8_t *c = unbar(s, len);
	int rc;

	rc = tftp_parse_req(c, len, r);
	if (copy)
		*copy = c;
	else
		free(c);
	return rc;
}

/* The file name lies inside the packet and is NUL-terminated there. */
static void check_file(const struct tftp_req *r, const uint8_t *buf, size_t len, int line)
{
	const uint8_t *f = (const uint8_t *)r->file;

	if (!f || f < buf + 2 || r->file_len == 0 || r->file_len >= len ||
	    (size_t)(f - buf) > len - r->file_len - 1 || f[r->file_len] != 0 ||
	    memchr(f, 0, r->file_len) != NULL)
		fail_msg("line %d: file name not inside the packet", line);
}

struct req_vec {
	int line;
	const char *p;
	size_t n;
	int rc;
	/* Checked when rc is 0: */
	uint16_t op; /* 0: RRQ */
	const char *file;
	int netascii;
	long opt[4]; /* with check_opt; else all ABSENT */
	int check_opt;
	unsigned unknown;
};

static const struct req_vec req_vecs[] = {
        /* Valid requests, RFC 1350. */
        {__LINE__, P("\0\1pxelinux.0|octet|"), .file = "pxelinux.0"},
        {__LINE__, P("\0\1a|octet|"), .file = "a"},
        {__LINE__, P("\0\2up.bin|octet|"), .op = TFTP_WRQ, .file = "up.bin"},
        {__LINE__, P("\0\1f|netascii|"), .file = "f", .netascii = 1},
        {__LINE__, P("\0\1f|OCTET|"), .file = "f"},
        {__LINE__, P("\0\1f|OcTeT|"), .file = "f"},
        {__LINE__, P("\0\1f|NetASCII|"), .file = "f", .netascii = 1},
        {__LINE__, P("\0\1/boot/x y\xff|octet|"), .file = "/boot/x y\xff"},
        /* RFC 2347 options, names in any case. */
        {__LINE__, P("\0\1f|octet|blksize|1428|"), .file = "f", OPTS(1428, ABSENT, ABSENT, ABSENT)},
        {__LINE__, P("\0\1undionly.kpxe|octet|tsize|0|blksize|1432|timeout|5|windowsize|16|"),
         .file = "undionly.kpxe", OPTS(1432, 5, 0, 16)},
        {__LINE__, P("\0\1f|octet|BLKSIZE|512|TimeOut|1|TSIZE|7|WindowSize|1|"),
         OPTS(512, 1, 7, 1)},
        {__LINE__, P("\0\2f|octet|tsize|123456789|"), .op = TFTP_WRQ,
         OPTS(ABSENT, ABSENT, 123456789, ABSENT)},
        {__LINE__, P("\0\1f|netascii|windowsize|65535|"), .netascii = 1,
         OPTS(ABSENT, ABSENT, ABSENT, 65535)},
        /* Range edges, RFC 2348, 2349, 7440. */
        {__LINE__, P("\0\1f|octet|blksize|8|timeout|255|"), OPTS(8, 255, ABSENT, ABSENT)},
        {__LINE__, P("\0\1f|octet|blksize|65464|"), OPTS(65464, ABSENT, ABSENT, ABSENT)},
        {__LINE__, P("\0\1f|octet|blksize|00001024|"), OPTS(1024, ABSENT, ABSENT, ABSENT)},
        {__LINE__, P("\0\1f|octet|tsize|9223372036854775807|"),
         OPTS(ABSENT, ABSENT, LONG_MAX, ABSENT)},
        /* Out of range or malformed values: ignored, counted, not refused. */
        {__LINE__, P("\0\1f|octet|blksize|7|"), OPTS(ABSENT, ABSENT, ABSENT, ABSENT), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|65465|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|0|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|99999999999999999999999|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|+512|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|-512|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize| 512|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|512 |"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|0x200|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize||"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|timeout|0|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|timeout|256|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|tsize|-1|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|tsize|9223372036854775808|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|windowsize|0|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|windowsize|65536|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|windowsize|4294967297|"), .unknown = 1},
        /* Unknown names: ignored (RFC 2347), the rest still read. */
        {__LINE__, P("\0\1f|octet|multicast||blksize|1024|"), OPTS(1024, ABSENT, ABSENT, ABSENT),
         .unknown = 1},
        {__LINE__, P("\0\1f|octet||x|"), .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksiz|512|blksizee|512|"), .unknown = 2},
        {__LINE__, P("\0\1f|octet|rollover|0|utimeout|500|"), .unknown = 2},
        /* Repeats: the first instance decides, even when it is bad. */
        {__LINE__, P("\0\1f|octet|blksize|1024|blksize|2048|"), OPTS(1024, ABSENT, ABSENT, ABSENT),
         .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|1024|BLKSIZE|x|"), OPTS(1024, ABSENT, ABSENT, ABSENT),
         .unknown = 1},
        {__LINE__, P("\0\1f|octet|blksize|1|blksize|1024|"), OPTS(ABSENT, ABSENT, ABSENT, ABSENT),
         .unknown = 2},
        {__LINE__, P("\0\1f|octet|windowsize|4|tsize|0|windowsize|8|"), OPTS(ABSENT, ABSENT, 0, 4),
         .unknown = 1},

        /* TFTP_E_SHORT */
        {__LINE__, P(""), .rc = TFTP_E_SHORT},
        {__LINE__, P("\0"), .rc = TFTP_E_SHORT},
        {__LINE__, P("\0\1"), .rc = TFTP_E_SHORT},
        {__LINE__, P("\0\1|"), .rc = TFTP_E_SHORT},
        {__LINE__, P("\0\2f"), .rc = TFTP_E_SHORT},
        /* TFTP_E_OP: every other opcode, RRQ/WRQ only here. */
        {__LINE__, P("\0\0f|octet|"), .rc = TFTP_E_OP},
        {__LINE__, P("\0\3f|octet|"), .rc = TFTP_E_OP},
        {__LINE__, P("\0\4||"), .rc = TFTP_E_OP},
        {__LINE__, P("\0\5|\1x|"), .rc = TFTP_E_OP},
        {__LINE__, P("\0\6blksize|512|"), .rc = TFTP_E_OP},
        {__LINE__, P("\0\7f|octet|"), .rc = TFTP_E_OP},
        {__LINE__, P("\1\1f|octet|"), .rc = TFTP_E_OP},
        {__LINE__, P("\xff\xff"), .rc = TFTP_E_OP},
        {__LINE__, P("\0\x0a"), .rc = TFTP_E_OP},
        /* TFTP_E_NOTERM: each string in turn, and trailing bytes. */
        {__LINE__, P("\0\1ab"), .rc = TFTP_E_NOTERM},
        {__LINE__, P("\0\1file"), .rc = TFTP_E_NOTERM},
        {__LINE__, P("\0\1f|"), .rc = TFTP_E_NOTERM},
        {__LINE__, P("\0\1f|octet"), .rc = TFTP_E_NOTERM},
        {__LINE__, P("\0\1f|octet|b"), .rc = TFTP_E_NOTERM},
        {__LINE__, P("\0\1f|octet|blksize"), .rc = TFTP_E_NOTERM},
        {__LINE__, P("\0\1f|octet|blksize|1"), .rc = TFTP_E_NOTERM},
        {__LINE__, P("\0\1f|octet|blksize|512|t"), .rc = TFTP_E_NOTERM},
        {__LINE__, P("\0\1f|octet|blksize|512|tsize|0"), .rc = TFTP_E_NOTERM},
        /* TFTP_E_NAME, checked before the mode. */
        {__LINE__, P("\0\1|octet|"), .rc = TFTP_E_NAME},
        {__LINE__, P("\0\1||"), .rc = TFTP_E_NAME},
        {__LINE__, P("\0\2|x"), .rc = TFTP_E_NAME},
        /* TFTP_E_MODE */
        {__LINE__, P("\0\1f|mail|"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f|MAIL|"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f||"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f|binary|"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f|octets|"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f|octe|"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f| octet|"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f|netascii |"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f|oct\xc5t|"), .rc = TFTP_E_MODE},
        {__LINE__, P("\0\1f|mail|blksize|512|"), .rc = TFTP_E_MODE},
        /* TFTP_E_OPTION: a name that ends the packet. */
        {__LINE__, P("\0\1f|octet|blksize|"), .rc = TFTP_E_OPTION},
        {__LINE__, P("\0\1f|octet||"), .rc = TFTP_E_OPTION},
        {__LINE__, P("\0\1f|octet|tsize|0|blksize|"), .rc = TFTP_E_OPTION},
        {__LINE__, P("\0\1f|octet|bogus|"), .rc = TFTP_E_OPTION},
};

static void test_parse_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(req_vecs) / sizeof(req_vecs[0]); i++) {
		const struct req_vec *v = &req_vecs[i];
		const long none[4] = {ABSENT, ABSENT, ABSENT, ABSENT};
		const long *want = v->check_opt ? v->opt : none;
		struct tftp_req r;
		uint8_t *buf;
		int rc;

		rc = parse_exact(v->p, v->n, &r, &buf);
		if (rc != v->rc)
			fail_msg("line %d: rc %d (%s), want %d (%s)", v->line, rc,
			         tftp_err_name(rc), v->rc, tftp_err_name(v->rc));
		if (rc == 0) {
			check_file(&r, buf, v->n, v->line);
			if (r.op != (v->op ? v->op : TFTP_RRQ))
				fail_msg("line %d: op %u", v->line, r.op);
			if (v->file && (r.file_len != strlen(v->file) || strcmp(r.file, v->file)))
				fail_msg("line %d: file \"%s\", want \"%s\"", v->line, r.file,
				         v->file);
			if (r.netascii != v->netascii)
				fail_msg("line %d: netascii %d", v->line, r.netascii);
			if (r.blksize != want[0] || r.timeout != want[1] || r.tsize != want[2] ||
			    r.windowsize != want[3])
				fail_msg("line %d: options %ld %ld %ld %ld, want %ld %ld %ld %ld",
				         v->line, r.blksize, r.timeout, r.tsize, r.windowsize,
				         want[0], want[1], want[2], want[3]);
			if (r.unknown_options != v->unknown)
				fail_msg("line %d: %u unknown options, want %u", v->line,
				         r.unknown_options, v->unknown);
		}
		free(buf);
	}
}

/*
 * Every prefix of a valid request with options: a prefix is valid exactly
 * when it ends after the mode's NUL or after a value's NUL, refused with
 * TFTP_E_OPTION when it ends after a name's NUL, and TFTP_E_NOTERM (or
 * TFTP_E_SHORT under 4 bytes) anywhere else.
 */
static void test_parse_truncated(void **state)
{
	static const char pkt[] = "\0\1pxelinux.0|Octet|blksize|1428|TSIZE|0|windowsize|8|x|y|";
	const size_t n = sizeof(pkt) - 1;
	size_t len, strings = 0;

	(void)state;
	for (len = 0; len <= n; len++) {
		struct tftp_req r;
		uint8_t *buf;
		int want, rc;

		/* strings = NULs in the prefix: 1 file, 2 mode, then name, value... */
		strings = 0;
		for (size_t i = 2; i < len; i++)
			strings += pkt[i] == '|';
		if (len < 4)
			want = TFTP_E_SHORT;
		else if (pkt[len - 1] != '|' || strings < 2)
			want = TFTP_E_NOTERM;
		else if (strings % 2)
			want = TFTP_E_OPTION;
		else
			want = 0;
		rc = parse_exact(pkt, len, &r, &buf);
		if (rc != want)
			fail_msg("length %zu: rc %d (%s), want %d (%s)", len, rc, tftp_err_name(rc),
			         want, tftp_err_name(want));
		if (rc == 0) {
			long pairs = (long)(strings - 2) / 2;

			check_file(&r, buf, len, (int)len);
			assert_int_equal(r.blksize, pairs >= 1 ? 1428 : ABSENT);
			assert_int_equal(r.tsize, pairs >= 2 ? 0 : ABSENT);
			assert_int_equal(r.windowsize, pairs >= 3 ? 8 : ABSENT);
			assert_int_equal(r.timeout, ABSENT);
			assert_int_equal(r.unknown_options, pairs >= 4 ? 1 : 0);
		}
		free(buf);
	}
	assert_int_equal(strings, 10);
}

/* A failed parse leaves no stale options from an earlier one. */
static void test_parse_resets(void **state)
{
	struct tftp_req r;

	(void)state;
	assert_int_equal(parse_exact(P("\0\1f|octet|blksize|1024|"), &r, NULL), 0);
	assert_int_equal(r.blksize, 1024);
	assert_int_equal(parse_exact(P("\0\1f|octet|"), &r, NULL), 0);
	assert_int_equal(r.blksize, ABSENT);
	assert_int_equal(r.unknown_options, 0);
	assert_int_equal(parse_exact(P("\0\1"), &r, NULL), TFTP_E_SHORT);
	assert_int_equal(r.blksize, ABSENT);
	assert_null(r.file);
}

struct small_vec {
	int line;
	const char *p;
	size_t n;
	int rc;
	uint16_t num;    /* block or code */
	const char *msg; /* ERROR: NULL when unterminated */
};

static const struct small_vec ack_vecs[] = {
        {__LINE__, P("\0\4\0\0"), 0, 0},
        {__LINE__, P("\0\4\0\1"), 0, 1},
        {__LINE__, P("\0\4\1\0"), 0, 256},
        {__LINE__, P("\0\4\xff\xfe"), 0, 65534},
        {__LINE__, P("\0\4\xff\xff"), 0, 65535},
        {__LINE__, P("\0\4\x12\x34junk"), 0, 0x1234}, /* trailing bytes ignored */
        {__LINE__, P(""), TFTP_E_SHORT},
        {__LINE__, P("\0"), TFTP_E_SHORT},
        {__LINE__, P("\0\4"), TFTP_E_SHORT},
        {__LINE__, P("\0\4\0"), TFTP_E_SHORT},
        {__LINE__, P("\0\3\0\1"), TFTP_E_OP},
        {__LINE__, P("\0\5\0\1"), TFTP_E_OP},
        {__LINE__, P("\4\0\0\1"), TFTP_E_OP},
        {__LINE__, P("\0\1"), TFTP_E_OP},
};

static const struct small_vec error_vecs[] = {
        {__LINE__, P("\0\5\0\1File not found\0"), 0, 1, "File not found"},
        {__LINE__, P("\0\5\0\0\0"), 0, 0, ""},
        {__LINE__, P("\0\5\0\x08no\0more"), 0, 8, "no"},
        {__LINE__, P("\0\5\x12\x34x\0"), 0, 0x1234, "x"},
        {__LINE__, P("\0\5\0\2"), 0, 2, NULL},
        {__LINE__, P("\0\5\0\2denied"), 0, 2, NULL},
        {__LINE__, P(""), TFTP_E_SHORT},
        {__LINE__, P("\0"), TFTP_E_SHORT},
        {__LINE__, P("\0\5"), TFTP_E_SHORT},
        {__LINE__, P("\0\5\0"), TFTP_E_SHORT},
        {__LINE__, P("\0\4\0\1x\0"), TFTP_E_OP},
        {__LINE__, P("\0\6\0\1x\0"), TFTP_E_OP},
};

static void test_parse_ack(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ack_vecs) / sizeof(ack_vecs[0]); i++) {
		const struct small_vec *v = &ack_vecs[i];
		uint8_t *c = unbar(v->p, v->n);
		uint16_t block = 0xdead;
		int rc;

		rc = tftp_parse_ack(c, v->n, &block);
		if (rc != v->rc || (rc == 0 && block != v->num))
			fail_msg("line %d: rc %d block %u", v->line, rc, block);
		free(c);
	}
}

static void test_parse_error(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_vecs) / sizeof(error_vecs[0]); i++) {
		const struct small_vec *v = &error_vecs[i];
		uint8_t *c = unbar(v->p, v->n);
		const char *msg = "unset";
		uint16_t code = 0xdead;
		int rc;

		rc = tftp_parse_error(c, v->n, &code, &msg);
		if (rc != v->rc)
			fail_msg("line %d: rc %d", v->line, rc);
		if (rc == 0 && code != v->num)
			fail_msg("line %d: code %u", v->line, code);
		if (rc == 0 && (v->msg ? !msg || msg != (const char *)c + 4 || strcmp(msg, v->msg)
		                       : msg != NULL))
			fail_msg("line %d: message wrong", v->line);
		free(c);
	}
}

static void test_opcode_and_names(void **state)
{
	static const struct {
		int line, err;
		const char *name;
	} names[] = {
	        {__LINE__, TFTP_E_SHORT, "short"},
	        {__LINE__, TFTP_E_OP, "bad_opcode"},
	        {__LINE__, TFTP_E_NOTERM, "no_terminator"},
	        {__LINE__, TFTP_E_MODE, "bad_mode"},
	        {__LINE__, TFTP_E_OPTION, "bad_option"},
	        {__LINE__, TFTP_E_NAME, "empty_name"},
	        {__LINE__, 0, "unknown"},
	        {__LINE__, -7, "unknown"},
	        {__LINE__, 1, "unknown"},
	        {__LINE__, INT_MIN, "unknown"},
	};
	size_t i;

	(void)state;
	assert_int_equal(tftp_opcode(NULL, 0), 0);
	assert_int_equal(tftp_opcode((const uint8_t *)"\0", 1), 0);
	assert_int_equal(tftp_opcode((const uint8_t *)"\0\4", 2), TFTP_ACK);
	assert_int_equal(tftp_opcode((const uint8_t *)"\1\2\3", 3), 0x0102);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(tftp_err_name(names[i].err), names[i].name) != 0)
			fail_msg("line %d: %d is \"%s\"", names[i].line, names[i].err,
			         tftp_err_name(names[i].err));
}

struct neg_vec {
	int line;
	uint16_t op; /* 0: RRQ */
	long req[4]; /* blksize, timeout, tsize, windowsize as parsed */
	struct tftp_limits lim;
	uint64_t size;
	struct tftp_neg want; /* blksize, timeout, windowsize, tsize, ack */
};

#define REQ(b, t, s, w) .req = {(b), (t), (s), (w)}
#define NOREQ           REQ(ABSENT, ABSENT, ABSENT, ABSENT)
#define LIM_STD         .lim = {1468, 16, 3} /* blksize_max, window_max, timeout_def */
#define ALL             (TFTP_NEG_BLKSIZE | TFTP_NEG_TIMEOUT | TFTP_NEG_TSIZE | TFTP_NEG_WINDOW)

static const struct neg_vec neg_vecs[] = {
        /* No options: RFC 1350, no OACK. */
        {__LINE__, NOREQ, LIM_STD, .size = 1000, .want = {512, 3, 1, 0, 0}},
        {__LINE__, NOREQ, .lim = {1468, 16, 7}, .want = {512, 7, 1, 0, 0}},
        /* blksize as asked, or capped by the limit (never raised). */
        {__LINE__, REQ(1024, ABSENT, ABSENT, ABSENT), LIM_STD,
         .want = {1024, 3, 1, 0, TFTP_NEG_BLKSIZE}},
        {__LINE__, REQ(1468, ABSENT, ABSENT, ABSENT), LIM_STD,
         .want = {1468, 3, 1, 0, TFTP_NEG_BLKSIZE}},
        {__LINE__, REQ(65464, ABSENT, ABSENT, ABSENT), LIM_STD,
         .want = {1468, 3, 1, 0, TFTP_NEG_BLKSIZE}},
        {__LINE__, REQ(8, ABSENT, ABSENT, ABSENT), LIM_STD, .want = {8, 3, 1, 0, TFTP_NEG_BLKSIZE}},
        {__LINE__, REQ(65464, ABSENT, ABSENT, ABSENT), .lim = {100000, 16, 3},
         .want = {65464, 3, 1, 0, TFTP_NEG_BLKSIZE}},
        {__LINE__, REQ(1024, ABSENT, ABSENT, ABSENT), .lim = {8, 16, 3},
         .want = {8, 3, 1, 0, TFTP_NEG_BLKSIZE}},
        /* A limit below RFC 2348's minimum declines blksize. */
        {__LINE__, REQ(1024, ABSENT, ABSENT, ABSENT), .lim = {0, 16, 3}, .want = {512, 3, 1, 0, 0}},
        {__LINE__, REQ(1024, ABSENT, ABSENT, ABSENT), .lim = {7, 16, 3}, .want = {512, 3, 1, 0, 0}},
        /* timeout as asked (RFC 2349). */
        {__LINE__, REQ(ABSENT, 1, ABSENT, ABSENT), LIM_STD,
         .want = {512, 1, 1, 0, TFTP_NEG_TIMEOUT}},
        {__LINE__, REQ(ABSENT, 255, ABSENT, ABSENT), LIM_STD,
         .want = {512, 255, 1, 0, TFTP_NEG_TIMEOUT}},
        /* tsize: the file's size, on an RRQ only. */
        {__LINE__, REQ(ABSENT, ABSENT, 0, ABSENT), LIM_STD, .size = 70000,
         .want = {512, 3, 1, 70000, TFTP_NEG_TSIZE}},
        {__LINE__, REQ(ABSENT, ABSENT, 0, ABSENT), LIM_STD, .size = 0,
         .want = {512, 3, 1, 0, TFTP_NEG_TSIZE}},
        {__LINE__, REQ(ABSENT, ABSENT, 0, ABSENT), LIM_STD, .size = UINT64_MAX,
         .want = {512, 3, 1, UINT64_MAX, TFTP_NEG_TSIZE}},
        {__LINE__, REQ(ABSENT, ABSENT, 99, ABSENT), LIM_STD, .size = 5,
         .want = {512, 3, 1, 5, TFTP_NEG_TSIZE}},
        {__LINE__, .op = TFTP_WRQ, REQ(ABSENT, ABSENT, 5000, ABSENT), LIM_STD, .size = 1,
         .want = {512, 3, 1, 0, 0}},
        /* windowsize as asked, or capped (RFC 7440). */
        {__LINE__, REQ(ABSENT, ABSENT, ABSENT, 8), LIM_STD,
         .want = {512, 3, 8, 0, TFTP_NEG_WINDOW}},
        {__LINE__, REQ(ABSENT, ABSENT, ABSENT, 64), LIM_STD,
         .want = {512, 3, 16, 0, TFTP_NEG_WINDOW}},
        {__LINE__, REQ(ABSENT, ABSENT, ABSENT, 65535), .lim = {1468, 1, 3},
         .want = {512, 3, 1, 0, TFTP_NEG_WINDOW}},
        {__LINE__, REQ(ABSENT, ABSENT, ABSENT, 4), .lim = {1468, 0, 3}, .want = {512, 3, 1, 0, 0}},
        /* All four, as iPXE and PXE ROMs send them. */
        {__LINE__, REQ(1432, 5, 0, 4), LIM_STD, .size = 1 << 20,
         .want = {1432, 5, 4, 1 << 20, ALL}},
        {__LINE__, REQ(9000, 10, 0, 32), LIM_STD, .size = 123, .want = {1468, 10, 16, 123, ALL}},
        {__LINE__, .op = TFTP_WRQ, REQ(1024, 2, 0, 2), LIM_STD,
         .want = {1024, 2, 2, 0, ALL & ~TFTP_NEG_TSIZE}},
        /* Out-of-range values in a hand-made request are declined too. */
        {__LINE__, REQ(70000, 300, -5, 70000), LIM_STD, .want = {512, 3, 1, 0, 0}},
        {__LINE__, REQ(7, 0, ABSENT, 0), LIM_STD, .want = {512, 3, 1, 0, 0}},
};

static void test_negotiate(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(neg_vecs) / sizeof(neg_vecs[0]); i++) {
		const struct neg_vec *v = &neg_vecs[i];
		struct tftp_req r = {.op = v->op ? v->op : TFTP_RRQ, .file = "f", .file_len = 1};
		struct tftp_neg n;

		r.blksize = v->req[0];
		r.timeout = v->req[1];
		r.tsize = v->req[2];
		r.windowsize = v->req[3];
		tftp_negotiate(&r, &v->lim, v->size, &n);
		if (n.blksize != v->want.blksize || n.timeout != v->want.timeout ||
		    n.windowsize != v->want.windowsize || n.tsize != v->want.tsize ||
		    n.ack != v->want.ack)
			fail_msg("line %d: blksize %u timeout %u window %u tsize %llu ack %#x",
			         v->line, n.blksize, n.timeout, n.windowsize,
			         (unsigned long long)n.tsize, n.ack);
	}
}

/* A parse of an OACK of our own: name/value pairs into @n; -1 if malformed. */
static int oack_read(const uint8_t *b, size_t len, struct tftp_neg *n)
{
	size_t pos = 2;

	memset(n, 0, sizeof(*n));
	if (len < 2 || b[0] != 0 || b[1] != TFTP_OACK)
		return -1;
	while (pos < len) {
		const char *name = (const char *)b + pos, *val;
		const uint8_t *z = memchr(b + pos, 0, len - pos);
		unsigned long long v = 0;
		unsigned bit;

		if (!z || (size_t)(z - b) + 1 >= len)
			return -1;
		val = (const char *)z + 1;
		z = memchr(val, 0, len - (size_t)((const uint8_t *)val - b));
		if (!z || !*val)
			return -1;
		for (const char *s = val; *s; s++) {
			if (*s < '0' || *s > '9')
				return -1;
			v = v * 10 + (unsigned long long)(*s - '0');
		}
		if (!strcmp(name, "blksize")) {
			bit = TFTP_NEG_BLKSIZE;
			n->blksize = (unsigned)v;
		} else if (!strcmp(name, "timeout")) {
			bit = TFTP_NEG_TIMEOUT;
			n->timeout = (unsigned)v;
		} else if (!strcmp(name, "tsize")) {
			bit = TFTP_NEG_TSIZE;
			n->tsize = v;
		} else if (!strcmp(name, "windowsize")) {
			bit = TFTP_NEG_WINDOW;
			n->windowsize = (unsigned)v;
		} else {
			return -1;
		}
		if (n->ack & bit)
			return -1;
		n->ack |= bit;
		pos = (size_t)(z - b) + 1;
	}
	return 0;
}

static void test_build_oack(void **state)
{
	static const struct {
		int line;
		struct tftp_neg n;
		const char *wire; /* after the opcode */
		size_t wire_len;
	} vecs[] = {
	        {__LINE__,
	         {1432, 5, 4, 1048576, 15},
	         P("blksize|1432|timeout|5|tsize|1048576|windowsize|4|")},
	        {__LINE__, {8, 3, 1, 0, TFTP_NEG_BLKSIZE}, P("blksize|8|")},
	        {__LINE__, {512, 3, 1, 0, TFTP_NEG_TSIZE}, P("tsize|0|")},
	        {__LINE__,
	         {512, 3, 1, UINT64_MAX, TFTP_NEG_TSIZE},
	         P("tsize|18446744073709551615|")},
	        {__LINE__,
	         {512, 255, 65535, 0, TFTP_NEG_TIMEOUT | TFTP_NEG_WINDOW},
	         P("timeout|255|windowsize|65535|")},
	        {__LINE__, {65464, 9, 1, 77, TFTP_NEG_BLKSIZE | 0x10}, P("blksize|65464|")},
	};
	uint8_t buf[600];
	size_t i, cap;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		size_t want = 2 + vecs[i].wire_len, len;
		uint8_t *wire = unbar(vecs[i].wire, vecs[i].wire_len);
		struct tftp_neg back;

		len = tftp_build_oack(buf, sizeof(buf), &vecs[i].n);
		if (len != want || buf[0] != 0 || buf[1] != TFTP_OACK ||
		    memcmp(buf + 2, wire, vecs[i].wire_len) != 0)
			fail_msg("line %d: OACK of %zu bytes, want %zu", vecs[i].line, len, want);
		/* Round trip: the acknowledged options and their values. */
		if (oack_read(buf, len, &back) != 0 || back.ack != (vecs[i].n.ack & 15))
			fail_msg("line %d: OACK does not parse back", vecs[i].line);
		if ((back.ack & TFTP_NEG_BLKSIZE && back.blksize != vecs[i].n.blksize) ||
		    (back.ack & TFTP_NEG_TIMEOUT && back.timeout != vecs[i].n.timeout) ||
		    (back.ack & TFTP_NEG_TSIZE && back.tsize != vecs[i].n.tsize) ||
		    (back.ack & TFTP_NEG_WINDOW && back.windowsize != vecs[i].n.windowsize))
			fail_msg("line %d: values differ", vecs[i].line);
		free(wire);
		/* Any smaller buffer: 0, and nothing written past cap. */
		for (cap = 0; cap < want; cap++) {
			uint8_t *c = malloc(cap ? cap : 1);

			assert_non_null(c);
			if (tftp_build_oack(c, cap, &vecs[i].n) != 0)
				fail_msg("line %d: fits in %zu", vecs[i].line, cap);
			free(c);
		}
	}
	/* Nothing acknowledged: no OACK. */
	assert_int_equal(tftp_build_oack(buf, sizeof(buf), &(struct tftp_neg){512, 3, 1, 0, 0}), 0);
	assert_int_equal(tftp_build_oack(buf, sizeof(buf), &(struct tftp_neg){512, 3, 1, 0, 0x30}),
	                 0);
}

/* The OACK built from a parsed request agrees with negotiation. */
static void test_oack_from_request(void **state)
{
	static const struct tftp_limits lim = {1468, 8, 4};
	struct tftp_req r;
	struct tftp_neg n, back;
	uint8_t buf[512];
	size_t len;

	(void)state;
	assert_int_equal(
	        parse_exact(P("\0\1boot.efi|octet|BlkSize|1500|tsize|0|WINDOWSIZE|64|foo|bar|"), &r,
	                    NULL),
	        0);
	tftp_negotiate(&r, &lim, 987654, &n);
	len = tftp_build_oack(buf, sizeof(buf), &n);
	assert_int_not_equal(len, 0);
	assert_int_equal(oack_read(buf, len, &back), 0);
	assert_int_equal(back.ack, TFTP_NEG_BLKSIZE | TFTP_NEG_TSIZE | TFTP_NEG_WINDOW);
	assert_int_equal(back.blksize, 1468);
	assert_int_equal(back.tsize, 987654);
	assert_int_equal(back.windowsize, 8);
}

static void test_build_error(void **state)
{
	static const char msg[] = "File not found";
	uint8_t buf[64];
	size_t cap;

	(void)state;
	for (cap = 0; cap <= sizeof(buf); cap++) {
		size_t want = cap < 5 ? 0 : cap - 5 < strlen(msg) ? cap : strlen(msg) + 5, len;

		memset(buf, 0xaa, sizeof(buf));
		len = tftp_build_error(buf, cap, TFTP_ENOTFOUND, msg);
		if (len != want)
			fail_msg("cap %zu: length %zu, want %zu", cap, len, want);
		if (cap < sizeof(buf) && buf[cap] != 0xaa)
			fail_msg("cap %zu: wrote past cap", cap);
		if (len == 0)
			continue;
		assert_memory_equal(buf, "\0\5\0\1", 4);
		assert_int_equal(buf[len - 1], 0);
		assert_memory_equal(buf + 4, msg, len - 5);
	}
	/* NULL and empty messages, a high code, parsed back. */
	{
		const char *m;
		uint16_t code;

		assert_int_equal(tftp_build_error(buf, sizeof(buf), 0xbeef, NULL), 5);
		assert_memory_equal(buf, "\0\5\xbe\xef\0", 5);
		assert_int_equal(tftp_build_error(buf, sizeof(buf), TFTP_EOPTNEG, ""), 5);
		assert_int_equal(tftp_build_error(buf, sizeof(buf), TFTP_EACCESS, "no"), 7);
		assert_int_equal(tftp_parse_error(buf, 7, &code, &m), 0);
		assert_int_equal(code, TFTP_EACCESS);
		assert_string_equal(m, "no");
	}
}

static void test_build_data_hdr(void **state)
{
	static const struct {
		int line;
		uint16_t block;
		uint8_t want[4];
	} vecs[] = {
	        {__LINE__, 0, {0, 3, 0, 0}},           {__LINE__, 1, {0, 3, 0, 1}},
	        {__LINE__, 0x0102, {0, 3, 1, 2}},      {__LINE__, 0xff00, {0, 3, 0xff, 0}},
	        {__LINE__, 65535, {0, 3, 0xff, 0xff}},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t buf[6] = {9, 9, 9, 9, 9, 9};

		tftp_build_data_hdr(buf, vecs[i].block);
		if (memcmp(buf, vecs[i].want, 4) != 0 || buf[4] != 9)
			fail_msg("line %d: header wrong", vecs[i].line);
		assert_int_equal(tftp_opcode(buf, 4), TFTP_DATA);
	}
}

/* ---- The window ---- */

static void win_check(const struct tftp_win *w, int line)
{
	if (w->next == 0 ? w->acked != 0
	                 : w->acked >= w->next || w->next > w->nblocks + 1 ||
	                           w->next - 1 - w->acked > w->window)
		fail_msg("line %d: acked %llu next %llu nblocks %llu window %u", line,
		         (unsigned long long)w->acked, (unsigned long long)w->next,
		         (unsigned long long)w->nblocks, w->window);
	if (tftp_win_sendable(w) > w->window)
		fail_msg("line %d: sendable over the window", line);
}

struct init_vec {
	int line;
	uint64_t size;
	unsigned blksize, window;
	int oack;
	uint64_t nblocks, next, sendable;
	unsigned want_window;
};

static const struct init_vec init_vecs[] = {
        {__LINE__, 0, 512, 1, 0, 1, 1, 1, 1}, /* 0 bytes: one empty block */
        {__LINE__, 1, 512, 1, 0, 1, 1, 1, 1},
        {__LINE__, 511, 512, 1, 0, 1, 1, 1, 1},
        {__LINE__, 512, 512, 1, 0, 2, 1, 1, 1}, /* exact multiple: an empty last block */
        {__LINE__, 513, 512, 1, 0, 2, 1, 1, 1},
        {__LINE__, 1000, 512, 8, 0, 2, 1, 2, 8},
        {__LINE__, 1024, 512, 8, 0, 3, 1, 3, 8},
        {__LINE__, 1024, 512, 8, 1, 3, 0, 0, 8}, /* the OACK first */
        {__LINE__, 100000, 1468, 16, 1, 69, 0, 0, 16},
        {__LINE__, 100000, 1468, 16, 0, 69, 1, 16, 16},
        {__LINE__, 5, 0, 0, 0, 1, 1, 1, 1}, /* blksize 0 reads as 512, window 0 as 1 */
        {__LINE__, 1024, 0, 100000, 0, 3, 1, 3, 65535},
        {__LINE__, UINT64_MAX, 1, 1, 0, UINT64_MAX - 1, 1, 1, 1},
        {__LINE__, UINT64_MAX, 8, 1, 0, UINT64_MAX / 8 + 1, 1, 1, 1},
};

static void test_win_init(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(init_vecs) / sizeof(init_vecs[0]); i++) {
		const struct init_vec *v = &init_vecs[i];
		struct tftp_win w;

		tftp_win_init(&w, v->size, v->blksize, v->window, v->oack);
		if (w.nblocks != v->nblocks || w.acked != 0 || w.next != v->next ||
		    w.window != v->want_window || tftp_win_sendable(&w) != v->sendable)
			fail_msg("line %d: nblocks %llu next %llu window %u sendable %llu", v->line,
			         (unsigned long long)w.nblocks, (unsigned long long)w.next,
			         w.window, (unsigned long long)tftp_win_sendable(&w));
		win_check(&w, v->line);
	}
}

/* One ACK against a given state. */
struct ack_vec {
	int line;
	struct tftp_win w; /* nblocks, acked, next, window */
	uint16_t block;
	enum tftp_ack_result res;
	uint64_t acked, next; /* afterwards */
};

#define W64K   65536u
#define F      140000u /* far into a long transfer */
#define ADV    TFTP_ACK_ADVANCE
#define RESEND TFTP_ACK_RESEND
#define DUP    TFTP_ACK_DUPLICATE
#define DONE   TFTP_ACK_DONE
#define BOGUS  TFTP_ACK_BOGUS

static const struct ack_vec ack_win_vecs[] = {
        /* The OACK phase: only ACK 0 counts. */
        {__LINE__, {10, 0, 0, 4}, 0, ADV, 0, 1},
        {__LINE__, {10, 0, 0, 4}, 1, BOGUS, 0, 0},
        {__LINE__, {10, 0, 0, 4}, 65535, BOGUS, 0, 0},
        /* After it: ACK 0 again is a duplicate; so is ACK 0 with no OACK. */
        {__LINE__, {10, 0, 1, 4}, 0, DUP, 0, 1},
        {__LINE__, {10, 0, 5, 4}, 0, DUP, 0, 5},
        /* Lockstep (window 1). */
        {__LINE__, {10, 0, 2, 1}, 1, ADV, 1, 2},
        {__LINE__, {10, 1, 3, 1}, 2, ADV, 2, 3},
        {__LINE__, {10, 2, 3, 1}, 2, DUP, 2, 3},
        {__LINE__, {10, 2, 3, 1}, 1, DUP, 2, 3},
        {__LINE__, {10, 2, 3, 1}, 3, BOGUS, 2, 3},
        {__LINE__, {10, 2, 4, 1}, 4, BOGUS, 2, 4},
        {__LINE__, {10, 9, 11, 1}, 10, DONE, 10, 11},
        {__LINE__, {10, 10, 11, 1}, 10, DUP, 10, 11},
        {__LINE__, {10, 10, 11, 1}, 11, BOGUS, 10, 11},
        /* Early in a transfer nothing maps before block 0. */
        {__LINE__, {10, 2, 3, 1}, 65535, BOGUS, 2, 3},
        {__LINE__, {10, 2, 3, 1}, 40000, BOGUS, 2, 3},
        /* Windowed: the last of the window advances ... */
        {__LINE__, {100, 16, 33, 16}, 32, ADV, 32, 33},
        /* ... one inside resends from the block after it (RFC 7440 4) ... */
        {__LINE__, {100, 16, 33, 16}, 17, RESEND, 17, 18},
        {__LINE__, {100, 16, 33, 16}, 24, RESEND, 24, 25},
        {__LINE__, {100, 16, 33, 16}, 31, RESEND, 31, 32},
        /* ... a partly sent window advances on its last block sent ... */
        {__LINE__, {100, 16, 20, 16}, 19, ADV, 19, 20},
        {__LINE__, {100, 16, 20, 16}, 18, RESEND, 18, 19},
        /* ... and the end of the file ends it, from anywhere in flight. */
        {__LINE__, {100, 90, 101, 16}, 100, DONE, 100, 101},
        {__LINE__, {100, 90, 101, 16}, 95, RESEND, 95, 96},
        {__LINE__, {100, 90, 101, 16}, 101, BOGUS, 90, 101},
        {__LINE__, {100, 90, 101, 16}, 90, DUP, 90, 101},
        {__LINE__, {100, 90, 101, 16}, 80, DUP, 90, 101},
        {__LINE__, {100, 90, 101, 16}, 0, DUP, 90, 101},
        /* Blocks after the window, never sent. */
        {__LINE__, {100, 16, 33, 16}, 33, BOGUS, 16, 33},
        {__LINE__, {100, 16, 33, 16}, 48, BOGUS, 16, 33},
        {__LINE__, {100, 16, 25, 16}, 28, BOGUS, 16, 25},
        /* After a timeout nothing is in flight until the caller resends. */
        {__LINE__, {100, 16, 17, 16}, 20, BOGUS, 16, 17},
        /* Around the wrap: block 65535 is followed by 65536, on the wire 0. */
        {__LINE__, {70000, 65534, 65536, 1}, 65535, ADV, 65535, 65536},
        {__LINE__, {70000, 65535, 65537, 1}, 0, ADV, W64K, W64K + 1},
        {__LINE__, {70000, W64K, W64K + 2, 1}, 1, ADV, W64K + 1, W64K + 2},
        {__LINE__, {70000, W64K, W64K + 1, 1}, 0, DUP, W64K, W64K + 1},
        {__LINE__, {70000, W64K, W64K + 1, 1}, 65535, DUP, W64K, W64K + 1},
        {__LINE__, {70000, W64K, W64K + 1, 1}, 1, BOGUS, W64K, W64K + 1},
        {__LINE__, {70000, 65530, 65547, 16}, 4, RESEND, W64K + 4, W64K + 5},
        {__LINE__, {70000, 65530, 65547, 16}, 65535, RESEND, 65535, W64K},
        {__LINE__, {70000, 65530, 65547, 16}, 0, RESEND, W64K, W64K + 1},
        {__LINE__, {70000, 65530, 65547, 16}, 10, ADV, W64K + 10, W64K + 11},
        {__LINE__, {70000, 65530, 65547, 16}, 11, BOGUS, 65530, 65547},
        {__LINE__, {70000, 65530, 65547, 16}, 65530, DUP, 65530, 65547},
        {__LINE__, {70000, 65530, 65547, 16}, 65529, DUP, 65530, 65547},
        {__LINE__, {70000, W64K + 4, W64K + 20, 16}, 65535, DUP, W64K + 4, W64K + 20},
        {__LINE__, {70000, W64K + 4, W64K + 20, 16}, 19, ADV, W64K + 19, W64K + 20},
        /* Far behind: a duplicate within half the number space, else bogus. */
        {__LINE__, {200000, F, F + 1, 1}, (uint16_t)(F - 32767), DUP, F, F + 1},
        {__LINE__, {200000, F, F + 1, 1}, (uint16_t)(F - 32768), BOGUS, F, F + 1},
        {__LINE__, {200000, F, F + 1, 1}, (uint16_t)(F + 1), BOGUS, F, F + 1},
        {__LINE__, {200000, F, F + 1, 1}, (uint16_t)(F + 32768), BOGUS, F, F + 1},
        {__LINE__, {200000, F, F + 1, 1}, (uint16_t)(F + 32769), DUP, F, F + 1},
        /* The largest window: each block in flight is reachable (999 is 66535). */
        {__LINE__, {200000, 1000, 66536, 65535}, 999, ADV, 66535, 66536},
        {__LINE__, {200000, 1000, 66536, 65535}, 1001, RESEND, 1001, 1002},
        {__LINE__, {200000, 1000, 66536, 65535}, 1000, DUP, 1000, 66536},
};

static const char *res_name(enum tftp_ack_result r)
{
	switch (r) {
	case TFTP_ACK_ADVANCE: return "ADVANCE";
	case TFTP_ACK_RESEND: return "RESEND";
	case TFTP_ACK_DUPLICATE: return "DUPLICATE";
	case TFTP_ACK_DONE: return "DONE";
	case TFTP_ACK_BOGUS: return "BOGUS";
	}
	return "?";
}

static void test_win_ack_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ack_win_vecs) / sizeof(ack_win_vecs[0]); i++) {
		const struct ack_vec *v = &ack_win_vecs[i];
		struct tftp_win w = v->w;
		enum tftp_ack_result res;
		uint64_t before = tftp_win_sendable(&w);

		win_check(&w, v->line);
		res = tftp_win_ack(&w, v->block);
		if (res != v->res || w.acked != v->acked || w.next != v->next ||
		    w.nblocks != v->w.nblocks || w.window != v->w.window)
			fail_msg("line %d: ACK %u: %s acked %llu next %llu, want %s %llu %llu",
			         v->line, v->block, res_name(res), (unsigned long long)w.acked,
			         (unsigned long long)w.next, res_name(v->res),
			         (unsigned long long)v->acked, (unsigned long long)v->next);
		win_check(&w, v->line);
		/* Ignored ACKs never make anything sendable (RFC 1123 4.2.3.1). */
		if ((res == TFTP_ACK_DUPLICATE || res == TFTP_ACK_BOGUS) &&
		    tftp_win_sendable(&w) != before)
			fail_msg("line %d: an ignored ACK changed what is sendable", v->line);
	}
}

/* What a client sees: the 16-bit numbers and lengths of the blocks sent. */
struct wire {
	uint64_t sent;   /* DATA packets sent */
	uint64_t wraps;  /* times block 0 followed block 65535 */
	uint64_t expect; /* the receiver's next block in order, 64-bit */
	uint64_t size;
	unsigned blksize;
};

static size_t block_len(const struct wire *c, uint64_t k)
{
	uint64_t off = (k - 1) * c->blksize;

	return c->size - off >= c->blksize ? c->blksize : (size_t)(c->size - off);
}

/* Send what the window allows; the receiver takes blocks in order. */
static uint64_t send_all(struct tftp_win *w, struct wire *c, int line)
{
	uint64_t n = tftp_win_sendable(w), i;

	for (i = 0; i < n; i++) {
		uint64_t k = w->next + i;
		uint8_t hdr[4];

		tftp_build_data_hdr(hdr, (uint16_t)k);
		if (hdr[2] != (uint8_t)(k >> 8) || hdr[3] != (uint8_t)k)
			fail_msg("line %d: block %llu on the wire wrong", line,
			         (unsigned long long)k);
		if (k > w->nblocks)
			fail_msg("line %d: block %llu past the end", line, (unsigned long long)k);
		if ((uint16_t)k == 0)
			c->wraps++;
		if (k == c->expect)
			c->expect++;
		c->sent++;
	}
	w->next += n;
	win_check(w, line);
	return n;
}

/*
 * A whole transfer, no loss: the receiver ACKs at the end of each window (or
 * at the short last block), as RFC 7440 describes; after every ACK the same
 * ACK is delivered again and must change nothing.
 */
static void walk(uint64_t size, unsigned blksize, unsigned window, int oack, uint64_t nblocks,
                 int line)
{
	struct wire c = {0, 0, 1, size, blksize};
	struct tftp_win w;
	enum tftp_ack_result res;
	uint64_t acks = 0, last_len = 0;

	tftp_win_init(&w, size, blksize, window, oack);
	assert_int_equal(w.nblocks, nblocks);
	if (oack) {
		assert_int_equal(tftp_win_sendable(&w), 0);
		tftp_win_timeout(&w); /* the OACK is lost: still the OACK phase */
		assert_int_equal(w.next, 0);
		assert_int_equal(tftp_win_ack(&w, 0), TFTP_ACK_ADVANCE);
		assert_int_equal(tftp_win_ack(&w, 0), TFTP_ACK_DUPLICATE);
	}
	for (;;) {
		uint64_t n = send_all(&w, &c, line), last = w.next - 1;

		if (n == 0 || n > window)
			fail_msg("line %d: %llu sendable at acked %llu", line,
			         (unsigned long long)n, (unsigned long long)w.acked);
		if (tftp_win_sendable(&w) != 0)
			fail_msg("line %d: still sendable after a full window", line);
		last_len = block_len(&c, last);
		res = tftp_win_ack(&w, (uint16_t)last);
		acks++;
		if (w.acked != last)
			fail_msg("line %d: acked %llu, want %llu", line,
			         (unsigned long long)w.acked, (unsigned long long)last);
		if (tftp_win_ack(&w, (uint16_t)last) != TFTP_ACK_DUPLICATE)
			fail_msg("line %d: a repeated ACK %llu not a duplicate", line,
			         (unsigned long long)last);
		if (res == TFTP_ACK_DONE)
			break;
		if (res != TFTP_ACK_ADVANCE)
			fail_msg("line %d: ACK %llu gave %s", line, (unsigned long long)last,
			         res_name(res));
	}
	assert_int_equal(w.acked, nblocks);
	assert_int_equal(c.sent, nblocks); /* no loss: each block once */
	assert_int_equal(c.expect, nblocks + 1);
	assert_int_equal(acks, (nblocks + window - 1) / window);
	assert_true(last_len < blksize); /* the last block is short, perhaps empty */
	assert_int_equal(last_len, size % blksize);
	assert_int_equal(c.wraps, nblocks / 65536);
	assert_int_equal(tftp_win_sendable(&w), 0);
	tftp_win_timeout(&w); /* a timeout after the end sends nothing */
	assert_int_equal(tftp_win_sendable(&w), 0);
	assert_int_equal(tftp_win_ack(&w, (uint16_t)nblocks), TFTP_ACK_DUPLICATE);
}

static void test_win_walk(void **state)
{
	(void)state;
	walk(1000, 512, 1, 0, 2, __LINE__); /* small file */
	walk(1000, 512, 1, 1, 2, __LINE__);
	walk(1024, 512, 1, 0, 3, __LINE__); /* exact multiple: an empty last block */
	walk(1024, 512, 4, 1, 3, __LINE__);
	walk(0, 512, 1, 0, 1, __LINE__); /* empty file: one empty block */
	walk(0, 1468, 16, 1, 1, __LINE__);
	walk(511, 512, 1, 0, 1, __LINE__);
	walk(512, 512, 1, 1, 2, __LINE__);
	walk(16 * 512, 512, 16, 1, 17, __LINE__);     /* the empty block alone in a window */
	walk(16 * 512 - 1, 512, 16, 0, 16, __LINE__); /* exactly one window */
	/* 70000 blocks: past the 16-bit rollover, lockstep and windowed. */
	walk(69999ull * 512 + 100, 512, 1, 0, 70000, __LINE__);
	walk(69999ull * 512 + 100, 512, 1, 1, 70000, __LINE__);
	walk(69999ull * 512 + 100, 512, 16, 1, 70000, __LINE__);
	walk(69999ull * 512 + 100, 512, 7, 0, 70000, __LINE__);
	walk(70000ull * 1468, 1468, 16, 1, 70001, __LINE__);
	walk(200000ull * 8, 8, 65535, 1, 200001, __LINE__); /* several wraps, largest window */
}

/*
 * A 70000-block transfer with window 16 and an unreliable network: every
 * tenth window loses its second block (the receiver ACKs the first: RESEND),
 * every seventeenth loses its ACK (timeout, the window goes again), and the
 * network delivers every ACK twice.
 */
static void test_win_lossy(void **state)
{
	struct wire c = {0, 0, 1, 69999ull * 512 + 100, 512};
	uint64_t windows = 0, resends = 0, timeouts = 0;
	enum tftp_ack_result res = TFTP_ACK_ADVANCE;
	struct tftp_win w;

	(void)state;
	tftp_win_init(&w, c.size, c.blksize, 16, 1);
	assert_int_equal(tftp_win_ack(&w, 0), TFTP_ACK_ADVANCE);
	while (res != TFTP_ACK_DONE) {
		uint64_t first = w.next, n = tftp_win_sendable(&w), before;

		/* The receiver has everything before the window, in order. */
		assert_int_equal(c.expect, first);
		assert_int_equal(w.acked + 1, first);
		assert_true(n >= 1 && n <= 16);
		windows++;
		if (windows % 10 == 0 && n > 2) {
			w.next += n;
			c.sent += n;
			c.expect = first + 1; /* first + 1 lost, the rest out of order */
			res = tftp_win_ack(&w, (uint16_t)first);
			assert_int_equal(res, TFTP_ACK_RESEND);
			assert_int_equal(w.acked, first);
			assert_int_equal(w.next, first + 1);
			resends++;
		} else if (windows % 17 == 0) {
			send_all(&w, &c, __LINE__);
			tftp_win_timeout(&w); /* the ACK was lost */
			assert_int_equal(w.next, first);
			assert_int_equal(tftp_win_sendable(&w), n);
			send_all(&w, &c, __LINE__);
			res = tftp_win_ack(&w, (uint16_t)(w.next - 1));
			assert_true(res == TFTP_ACK_ADVANCE || res == TFTP_ACK_DONE);
			timeouts++;
		} else {
			send_all(&w, &c, __LINE__);
			res = tftp_win_ack(&w, (uint16_t)(w.next - 1));
			assert_true(res == TFTP_ACK_ADVANCE || res == TFTP_ACK_DONE);
		}
		before = tftp_win_sendable(&w);
		assert_int_equal(tftp_win_ack(&w, (uint16_t)w.acked), TFTP_ACK_DUPLICATE);
		assert_int_equal(tftp_win_sendable(&w), before);
		win_check(&w, __LINE__);
	}
	assert_int_equal(w.acked, 70000);
	assert_int_equal(c.expect, 70001);
	assert_true(c.wraps >= 1); /* across the rollover */
	assert_true(resends > 100 && timeouts > 100);
}

/* Sorcerer's Apprentice (RFC 1123 4.2.3.1): in lockstep, an ACK delayed past
 * the retransmission arrives twice; the second must not send block 6 again,
 * or every later block would go out twice. */
static void test_win_sorcerer(void **state)
{
	struct tftp_win w;
	uint64_t sent = 0;

	(void)state;
	tftp_win_init(&w, 100 * 512, 512, 1, 0);
	for (;;) {
		uint64_t k = w.next;
		enum tftp_ack_result res;
		int d;

		assert_int_equal(tftp_win_sendable(&w), 1);
		w.next++, sent++;
		if (k == 5) {
			tftp_win_timeout(&w);
			assert_int_equal(w.next, 5);
			assert_int_equal(tftp_win_sendable(&w), 1);
			w.next++, sent++; /* 5 again */
			assert_int_equal(tftp_win_ack(&w, 5), TFTP_ACK_ADVANCE);
			assert_int_equal(tftp_win_sendable(&w), 1);
			w.next++, sent++; /* 6 */
			assert_int_equal(tftp_win_ack(&w, 5), TFTP_ACK_DUPLICATE);
			assert_int_equal(tftp_win_sendable(&w), 0);
			k = 6;
		}
		res = tftp_win_ack(&w, (uint16_t)k);
		assert_int_equal(res, k == w.nblocks ? TFTP_ACK_DONE : TFTP_ACK_ADVANCE);
		for (d = 0; d < 3; d++)
			assert_int_equal(tftp_win_ack(&w, (uint16_t)k), TFTP_ACK_DUPLICATE);
		if (res == TFTP_ACK_DONE)
			break;
	}
	assert_int_equal(sent, w.nblocks + 1); /* one retransmission, no more */
}

/* Timeouts: go back to acked + 1 from anywhere, the window refilled. */
static void test_win_timeout(void **state)
{
	static const struct {
		int line;
		struct tftp_win w;
		uint64_t next, sendable;
	} vecs[] = {
	        {__LINE__, {10, 0, 0, 4}, 0, 0}, /* OACK phase: the caller resends it */
	        {__LINE__, {10, 0, 1, 4}, 1, 4},
	        {__LINE__, {10, 0, 5, 4}, 1, 4},
	        {__LINE__, {10, 3, 8, 4}, 4, 4},
	        {__LINE__, {10, 8, 11, 4}, 9, 2},
	        {__LINE__, {10, 10, 11, 4}, 11, 0}, /* done */
	        {__LINE__, {70000, 65534, 65551, 16}, 65535, 16},
	        {__LINE__, {70000, 69990, 70001, 16}, 69991, 10},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct tftp_win w = vecs[i].w;

		tftp_win_timeout(&w);
		if (w.next != vecs[i].next || w.acked != vecs[i].w.acked ||
		    tftp_win_sendable(&w) != vecs[i].sendable)
			fail_msg("line %d: next %llu sendable %llu", vecs[i].line,
			         (unsigned long long)w.next,
			         (unsigned long long)tftp_win_sendable(&w));
		win_check(&w, vecs[i].line);
	}
}

/* RESEND in a transfer: the window restarts after the block ACKed and is a
 * full window again; the blocks after it go out a second time. */
static void test_win_resend(void **state)
{
	struct tftp_win w;
	uint64_t n;

	(void)state;
	tftp_win_init(&w, 100 * 512, 512, 8, 0);
	assert_int_equal(tftp_win_sendable(&w), 8); /* 1..8 */
	w.next += 8;
	assert_int_equal(tftp_win_ack(&w, 3), TFTP_ACK_RESEND); /* 4 was lost */
	assert_int_equal(w.acked, 3);
	assert_int_equal(w.next, 4);
	assert_int_equal(tftp_win_sendable(&w), 8); /* 4..11 */
	w.next += 8;
	/* A late ACK from before the resend, then one inside the new window. */
	assert_int_equal(tftp_win_ack(&w, 2), TFTP_ACK_DUPLICATE);
	assert_int_equal(tftp_win_ack(&w, 3), TFTP_ACK_DUPLICATE);
	assert_int_equal(tftp_win_sendable(&w), 0);
	assert_int_equal(tftp_win_ack(&w, 9), TFTP_ACK_RESEND);
	assert_int_equal(w.next, 10);
	n = tftp_win_sendable(&w); /* 10..17 */
	assert_int_equal(n, 8);
	w.next += n;
	assert_int_equal(tftp_win_ack(&w, 17), TFTP_ACK_ADVANCE);
	assert_int_equal(tftp_win_ack(&w, 12), TFTP_ACK_DUPLICATE);
	assert_int_equal(tftp_win_ack(&w, 18), TFTP_ACK_BOGUS);
	assert_int_equal(tftp_win_sendable(&w), 8);
	/* Partial sends: the caller may send fewer; ACKs stay within them. */
	w.next += 3; /* 18..20 */
	assert_int_equal(tftp_win_sendable(&w), 5);
	assert_int_equal(tftp_win_ack(&w, 21), TFTP_ACK_BOGUS);
	assert_int_equal(tftp_win_ack(&w, 19), TFTP_ACK_RESEND);
	assert_int_equal(w.next, 20);
	assert_int_equal(tftp_win_sendable(&w), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_vectors),     cmocka_unit_test(test_parse_truncated),
	        cmocka_unit_test(test_parse_resets),      cmocka_unit_test(test_parse_ack),
	        cmocka_unit_test(test_parse_error),       cmocka_unit_test(test_opcode_and_names),
	        cmocka_unit_test(test_negotiate),         cmocka_unit_test(test_build_oack),
	        cmocka_unit_test(test_oack_from_request), cmocka_unit_test(test_build_error),
	        cmocka_unit_test(test_build_data_hdr),    cmocka_unit_test(test_win_init),
	        cmocka_unit_test(test_win_ack_vectors),   cmocka_unit_test(test_win_walk),
	        cmocka_unit_test(test_win_lossy),         cmocka_unit_test(test_win_sorcerer),
	        cmocka_unit_test(test_win_timeout),       cmocka_unit_test(test_win_resend),
	};

	return cmocka_run_group_tests_name("tftp_pkt", tests, NULL, NULL);
}
