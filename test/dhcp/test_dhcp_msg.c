/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_msg.c - vectors for the DHCP message parser and reply builder.
 * Each packet starts as a valid DISCOVER assembled by the helpers below and
 * is then changed in one place; each table row carries its own line so a
 * failure names the vector.  Parsed packets are copied into a heap buffer
 * of exactly their length so that AddressSanitizer sees any read past it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp/dhcp_msg.h"

/* Option codes used below, RFC 2132. */
enum {
	PAD = 0,
	HOST = 12,
	VEND = 43,
	REQIP = 50,
	OVL = 52,
	TYPE = 53,
	SRVID = 54,
	PRL = 55,
	CLASS = 60,
	UCLASS = 77,
	ARCH = 93,
	END = 255,
};

#define SNAME_OFF 44
#define FILE_OFF  108
#define PKT_MAX   1600

/* A packet under construction. */
struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

/* The fixed part and cookie of a DISCOVER from 52:54:00:12:34:56 relayed
 * by 10.0.0.1, with a distinct value in every field so that a field read
 * from the wrong offset shows. */
static void pkt_fixed(struct pkt *p)
{
	static const uint8_t head[] = {
	        1,    1,    6,    2,                      /* op htype hlen hops */
	        0x12, 0x34, 0x56, 0x78,                   /* xid */
	        0x01, 0x02, 0x80, 0x00,                   /* secs flags */
	        10,   0,    0,    5,    10,   0,    0, 6, /* ciaddr yiaddr */
	        10,   0,    0,    7,    10,   0,    0, 1, /* siaddr giaddr */
	        0x52, 0x54, 0x00, 0x12, 0x34, 0x56,       /* chaddr */
	};

	memset(p, 0, sizeof(*p));
	memcpy(p->b, head, sizeof(head));
	p->b[236] = 99;
	p->b[237] = 130;
	p->b[238] = 83;
	p->b[239] = 99;
	p->len = 240;
}

static void pkt_put(struct pkt *p, const void *data, size_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static void pkt_byte(struct pkt *p, uint8_t v)
{
	pkt_put(p, &v, 1);
}

/* One option instance; @data may be NULL to fill the value with @fill. */
static void pkt_opt(struct pkt *p, uint8_t code, uint8_t len, const void *data, uint8_t fill)
{
	pkt_byte(p, code);
	pkt_byte(p, len);
	if (data) {
		pkt_put(p, data, len);
	} else {
		assert_true(p->len + len <= sizeof(p->b));
		memset(p->b + p->len, fill, len);
		p->len += len;
	}
}

/* The smallest valid DISCOVER: fixed part, cookie, 53 = 1, END. */
static void pkt_discover(struct pkt *p)
{
	pkt_fixed(p);
	pkt_opt(p, TYPE, 1, "\x01", 0);
	pkt_byte(p, END);
}

/* A PXE ROM's REQUEST, END as its last byte. */
static void pkt_request(struct pkt *p)
{
	pkt_fixed(p);
	pkt_opt(p, TYPE, 1, "\x03", 0);
	pkt_opt(p, REQIP, 4, "\x0a\x00\x00\x32", 0);
	pkt_opt(p, SRVID, 4, "\x0a\x00\x00\x01", 0);
	pkt_opt(p, PRL, 6, "\x01\x03\x2b\x3c\x42\x43", 0);
	pkt_opt(p, CLASS, 32, "PXEClient:Arch:00000:UNDI:002001", 0);
	pkt_opt(p, ARCH, 2, "\x00\x00", 0);
	pkt_byte(p, END);
}

/* Parse @p from a heap copy of exactly its length. */
static int parse_exact(const uint8_t *b, size_t len, struct dhcp_msg *m, uint8_t **copy)
{
	uint8_t *c = malloc(len ? len : 1);
	int rc;

	assert_non_null(c);
	if (len)
		memcpy(c, b, len);
	rc = dhcp_msg_parse(c, len, m);
	if (copy)
		*copy = c;
	else
		free(c);
	return rc;
}

static int within(const uint8_t *p, size_t n, const void *base, size_t size)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)base;

	return a >= lo && a <= lo + size && n <= lo + size - a;
}

/* Every present option lies in the input or in the used part of concat. */
static void check_bounds(const struct dhcp_msg *m, const uint8_t *buf, size_t len, int line)
{
	size_t i;

	if (m->concat_used > DHCP_CONCAT_MAX)
		fail_msg("line %d: concat_used %zu", line, m->concat_used);
	for (i = 0; i < 256; i++) {
		const struct dhcp_opt *o = &m->opt[i];

		if (o->data && !within(o->data, o->len, buf, len) &&
		    !within(o->data, o->len, m->concat, m->concat_used))
			fail_msg("line %d: option %zu points outside", line, i);
	}
}

/* Expect option @code to hold exactly @want. */
static void check_opt(const struct dhcp_msg *m, uint8_t code, const void *want, size_t n, int line)
{
	const struct dhcp_opt *o = &m->opt[code];

	if (!o->data)
		fail_msg("line %d: option %u absent", line, code);
	if (o->len != n || memcmp(o->data, want, n) != 0)
		fail_msg("line %d: option %u has %u bytes, want %zu", line, code, o->len, n);
}

struct bytes {
	const uint8_t *p;
	size_t n;
};

#define B(...)                                                                                     \
	{                                                                                          \
		(const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})             \
	}
#define EMPTY                                                                                      \
	{                                                                                          \
		(const uint8_t *)"", 0                                                             \
	}
#define PATCH(at, v) .patch = {(at), (v), 1}
#define CUT(n)       .cut = {(n), 1}

struct parse_vec {
	int line;
	struct bytes opts;  /* the options field; "53 1 1 END" when empty */
	struct bytes file;  /* written at the start of the file field */
	struct bytes sname; /* written at the start of the sname field */
	struct {
		uint16_t at;
		uint8_t val, set;
	} patch; /* one byte of the fixed part changed */
	struct {
		size_t len;
		int set;
	} cut; /* the packet truncated */
	int rc;
	/* Checked when rc is 0: */
	uint8_t type; /* option 53 (default DHCPDISCOVER) */
	int overload; /* 1: file NULL, 2: sname NULL, 3: both */
	uint8_t code; /* if set, this option must hold want */
	struct bytes want;
	uint8_t absent; /* if set, this option must be absent */
};

static const struct parse_vec parse_vecs[] = {
        /* Valid messages. */
        {__LINE__, .rc = 0},
        {__LINE__, .opts = B(TYPE, 1, 3, REQIP, 4, 10, 0, 0, 50, SRVID, 4, 10, 0, 0, 1, END),
         .type = DHCPREQUEST, .code = REQIP, .want = B(10, 0, 0, 50)},
        {__LINE__, .opts = B(TYPE, 1, 8, END), .type = DHCPINFORM},
        {__LINE__, .opts = B(TYPE, 1, 7, END), .type = DHCPRELEASE},
        {__LINE__, PATCH(0, 2), .rc = 0},   /* BOOTREPLY parses too */
        {__LINE__, PATCH(3, 255), .rc = 0}, /* hops is not ours to judge */
        {__LINE__, .opts = B(PAD, PAD, PAD, TYPE, 1, 1, PAD, PAD, HOST, 2, 'a', 'b', PAD, END),
         .code = HOST, .want = B('a', 'b')},
        /* Bytes after END are ignored, however they look. */
        {__LINE__, .opts = B(TYPE, 1, 1, END, HOST, 200), .absent = HOST},
        {__LINE__, .opts = B(TYPE, 1, 1, END, OVL, 1, 9, TYPE, 1, 0)},
        /* Zero-length options are legal, repeated or not. */
        {__LINE__, .opts = B(TYPE, 1, 1, UCLASS, 0, END), .code = UCLASS, .want = EMPTY},
        {__LINE__, .opts = B(UCLASS, 0, TYPE, 1, 1, UCLASS, 0, END), .code = UCLASS, .want = EMPTY},
        {__LINE__, .opts = B(TYPE, 1, 1, VEND, 1, 1, VEND, 0, VEND, 1, 2, END), .code = VEND,
         .want = B(1, 2)},
        /* RFC 3396: instances joined in order, around other options. */
        {__LINE__, .opts = B(TYPE, 1, 1, VEND, 2, 1, 2, CLASS, 1, 'x', VEND, 1, 3, END),
         .code = VEND, .want = B(1, 2, 3)},
        /* Without option 52 file and sname are names, not options. */
        {__LINE__, .file = B(OVL, 1, 1, END), .sname = B(TYPE, 1, 9)},
        {__LINE__, .opts = B(END), .file = B(TYPE, 1, 1, END), .rc = DHCP_E_TYPE},
        /* Overload 1, 2, 3 (RFC 2132 9.3). */
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(HOST, 2, 'f', 'f', END),
         .overload = 1, .code = HOST, .want = B('f', 'f')},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 2, END), .sname = B(HOST, 1, 's', END),
         .overload = 2, .code = HOST, .want = B('s')},
        {__LINE__, .opts = B(OVL, 1, 3, END), .file = B(TYPE, 1, 3, END), .sname = B(END),
         .overload = 3, .type = DHCPREQUEST},
        /* Order: options, then file, then sname (RFC 2131 4.1). */
        {__LINE__, .opts = B(OVL, 1, 3, VEND, 1, 'o', END), .file = B(VEND, 1, 'f', END),
         .sname = B(TYPE, 1, 1, VEND, 1, 's', END), .overload = 3, .code = VEND,
         .want = B('o', 'f', 's')},
        /* RFC 3396 split across the options and file fields. */
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, VEND, 2, 1, 2, END),
         .file = B(PAD, VEND, 2, 3, 4, END), .overload = 1, .code = VEND, .want = B(1, 2, 3, 4)},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 2, VEND, 1, 1, END), .sname = B(VEND, 1, 2, END),
         .file = B(HOST, 200), .overload = 2, .code = VEND, .want = B(1, 2)},
        /* A field that is not overloaded is never walked. */
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(END), .sname = B(OVL, 9),
         .overload = 1},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(END, 7, 200), .overload = 1},

        /* DHCP_E_SHORT */
        {__LINE__, CUT(0), .rc = DHCP_E_SHORT},
        {__LINE__, CUT(1), .rc = DHCP_E_SHORT},
        {__LINE__, CUT(236), .rc = DHCP_E_SHORT},
        {__LINE__, CUT(239), .rc = DHCP_E_SHORT},
        /* DHCP_E_OP */
        {__LINE__, PATCH(0, 0), .rc = DHCP_E_OP},
        {__LINE__, PATCH(0, 3), .rc = DHCP_E_OP},
        {__LINE__, PATCH(0, 255), .rc = DHCP_E_OP},
        /* DHCP_E_HTYPE */
        {__LINE__, PATCH(1, 0), .rc = DHCP_E_HTYPE},
        {__LINE__, PATCH(1, 6), .rc = DHCP_E_HTYPE}, /* IEEE 802 */
        {__LINE__, PATCH(2, 0), .rc = DHCP_E_HTYPE},
        {__LINE__, PATCH(2, 16), .rc = DHCP_E_HTYPE},
        {__LINE__, PATCH(2, 20), .rc = DHCP_E_HTYPE}, /* InfiniBand-sized */
        /* DHCP_E_COOKIE */
        {__LINE__, PATCH(236, 0), .rc = DHCP_E_COOKIE},
        {__LINE__, PATCH(237, 131), .rc = DHCP_E_COOKIE},
        {__LINE__, PATCH(238, 82), .rc = DHCP_E_COOKIE},
        {__LINE__, PATCH(239, 98), .rc = DHCP_E_COOKIE},
        /* DHCP_E_OPTLEN */
        {__LINE__, .opts = B(TYPE, 1, 1, HOST, 10, 'a', 'b'), .rc = DHCP_E_OPTLEN},
        {__LINE__, .opts = B(TYPE, 1, 1, HOST, 1), .rc = DHCP_E_OPTLEN},
        {__LINE__, .opts = B(TYPE, 1, 1, HOST), .rc = DHCP_E_OPTLEN},
        {__LINE__, .opts = B(TYPE, 5, 1), .rc = DHCP_E_OPTLEN},
        {__LINE__, .opts = B(TYPE, 1, 1, PAD, PAD, VEND, 255, 0), .rc = DHCP_E_OPTLEN},
        /* Within the file/sname fields, not into what follows them. */
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(HOST, 127),
         .rc = DHCP_E_OPTLEN},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 2, END), .sname = B(HOST, 63),
         .rc = DHCP_E_OPTLEN},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 2, END), .sname = B(PAD, PAD, HOST, 61),
         .rc = DHCP_E_OPTLEN},
        /* DHCP_E_OVERLOAD */
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, OVL, 1, 1, END), .file = B(END),
         .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, OVL, 1, 2, END), .file = B(END),
         .sname = B(END), .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 2, 1, 1, OVL, 1, 1, END), .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 0, END), .rc = DHCP_E_OVERLOAD},
        /* Repeats that would join to one valid byte are still repeats. */
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 0, OVL, 1, 1, END), .file = B(END),
         .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, OVL, 0, END), .file = B(END),
         .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 2, 0, 1, END), .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 0, END), .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 4, END), .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 255, END), .rc = DHCP_E_OVERLOAD},
        /* Option 52 inside file/sname, including attempts to loop. */
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(OVL, 1, 1, END),
         .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(OVL, 1, 3, END),
         .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(OVL, 0, END),
         .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 3, END), .file = B(END),
         .sname = B(OVL, 1, 1, END), .rc = DHCP_E_OVERLOAD},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 2, END), .sname = B(OVL, 1, 2, END),
         .rc = DHCP_E_OVERLOAD},
        /* DHCP_E_NOEND: the options field and overloaded fields alike. */
        {__LINE__, CUT(240), .rc = DHCP_E_NOEND},
        {__LINE__, .opts = B(TYPE, 1, 1), .rc = DHCP_E_NOEND},
        {__LINE__, .opts = B(TYPE, 1, 1, PAD, PAD, PAD), .rc = DHCP_E_NOEND},
        {__LINE__, .opts = B(PAD), .rc = DHCP_E_NOEND},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1), .file = B(END), .rc = DHCP_E_NOEND},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(HOST, 1, 'x'),
         .rc = DHCP_E_NOEND},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(HOST, 126),
         .rc = DHCP_E_NOEND}, /* fills the field exactly, no room for END */
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 2, END), .rc = DHCP_E_NOEND},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 3, END), .file = B(END), .rc = DHCP_E_NOEND},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 3, END), .sname = B(END), .rc = DHCP_E_NOEND},
        /* DHCP_E_TYPE */
        {__LINE__, .opts = B(END), .rc = DHCP_E_TYPE},
        {__LINE__, .opts = B(TYPE, 0, END), .rc = DHCP_E_TYPE},
        {__LINE__, .opts = B(TYPE, 2, 1, 1, END), .rc = DHCP_E_TYPE},
        {__LINE__, .opts = B(TYPE, 1, 0, END), .rc = DHCP_E_TYPE},
        {__LINE__, .opts = B(TYPE, 1, 9, END), .rc = DHCP_E_TYPE},
        {__LINE__, .opts = B(TYPE, 1, 255, END), .rc = DHCP_E_TYPE},
        {__LINE__, .opts = B(TYPE, 1, 1, TYPE, 1, 3, END), .rc = DHCP_E_TYPE},
        {__LINE__, .opts = B(TYPE, 1, 1, OVL, 1, 1, END), .file = B(TYPE, 1, 3, END),
         .rc = DHCP_E_TYPE}, /* joined across fields: two bytes */
};

static void build_vec(const struct parse_vec *v, struct pkt *p)
{
	pkt_fixed(p);
	if (v->opts.n)
		pkt_put(p, v->opts.p, v->opts.n);
	else
		pkt_put(p, (const uint8_t[]){TYPE, 1, 1, END}, 4);
	assert_true(v->file.n <= 128 && v->sname.n <= 64);
	if (v->file.n)
		memcpy(p->b + FILE_OFF, v->file.p, v->file.n);
	if (v->sname.n)
		memcpy(p->b + SNAME_OFF, v->sname.p, v->sname.n);
	if (v->patch.set)
		p->b[v->patch.at] = v->patch.val;
	if (v->cut.set)
		p->len = v->cut.len;
}

static void test_parse_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_vecs) / sizeof(parse_vecs[0]); i++) {
		const struct parse_vec *v = &parse_vecs[i];
		struct dhcp_msg m;
		struct pkt p;
		uint8_t *buf;
		int rc;

		build_vec(v, &p);
		rc = parse_exact(p.b, p.len, &m, &buf);
		if (rc != v->rc)
			fail_msg("line %d: rc %d (%s), want %d (%s)", v->line, rc,
			         dhcp_err_name(rc), v->rc, dhcp_err_name(v->rc));
		if (rc == 0) {
			uint8_t type = v->type ? v->type : DHCPDISCOVER;

			check_bounds(&m, buf, p.len, v->line);
			if (m.type != type)
				fail_msg("line %d: type %u, want %u", v->line, m.type, type);
			if ((m.file == NULL) != ((v->overload & 1) != 0) ||
			    (m.sname == NULL) != ((v->overload & 2) != 0))
				fail_msg("line %d: file %p sname %p, overload %d", v->line,
				         (const void *)m.file, (const void *)m.sname, v->overload);
			if (m.file && m.file != buf + FILE_OFF)
				fail_msg("line %d: file points elsewhere", v->line);
			if (m.sname && m.sname != buf + SNAME_OFF)
				fail_msg("line %d: sname points elsewhere", v->line);
			if (v->code)
				check_opt(&m, v->code, v->want.p, v->want.n, v->line);
			if (v->absent && m.opt[v->absent].data)
				fail_msg("line %d: option %u present", v->line, v->absent);
		}
		free(buf);
	}
}

static void test_parse_fields(void **state)
{
	static const uint8_t mac[16] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	struct dhcp_msg m;
	struct pkt p;
	uint8_t *buf;

	(void)state;
	pkt_discover(&p);
	assert_int_equal(parse_exact(p.b, p.len, &m, &buf), 0);
	assert_int_equal(m.op, 1);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.hops, 2);
	assert_int_equal(m.xid, 0x12345678);
	assert_int_equal(m.secs, 0x0102);
	assert_int_equal(m.flags, 0x8000);
	assert_int_equal(m.ciaddr, 0x0a000005);
	assert_int_equal(m.yiaddr, 0x0a000006);
	assert_int_equal(m.siaddr, 0x0a000007);
	assert_int_equal(m.giaddr, 0x0a000001);
	assert_memory_equal(m.chaddr, mac, sizeof(mac));
	assert_ptr_equal(m.sname, buf + SNAME_OFF);
	assert_ptr_equal(m.file, buf + FILE_OFF);
	assert_int_equal(m.type, DHCPDISCOVER);
	/* A single instance is borrowed from the input, not copied. */
	assert_ptr_equal(m.opt[TYPE].data, buf + 242);
	assert_int_equal(m.opt[TYPE].len, 1);
	assert_int_equal(m.concat_used, 0);
	free(buf);
}

static void test_parse_resets(void **state)
{
	struct dhcp_msg m;
	struct pkt p;
	size_t i;

	(void)state;
	/* Whatever *m held before, absent options read as absent. */
	memset(&m, 0xa5, sizeof(m));
	pkt_request(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	pkt_fixed(&p);
	pkt_opt(&p, VEND, 1, "a", 0);
	pkt_opt(&p, VEND, 1, "b", 0);
	pkt_opt(&p, TYPE, 1, "\x01", 0);
	pkt_byte(&p, END);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.concat_used, 2);
	pkt_discover(&p);
	assert_int_equal(dhcp_msg_parse(p.b, p.len, &m), 0);
	assert_int_equal(m.concat_used, 0);
	for (i = 0; i < 256; i++)
		if (i != TYPE && m.opt[i].data)
			fail_msg("option %zu survived from the previous parse", i);
	assert_non_null(m.file);
	assert_non_null(m.sname);
}

/* Two codes whose instances interleave each come out contiguous. */
static void test_parse_interleaved(void **state)
{
	struct dhcp_msg m;
	struct pkt p;
	uint8_t *buf;

	(void)state;
	pkt_fixed(&p);
	pkt_opt(&p, VEND, 2, "A1", 0);
	pkt_opt(&p, CLASS, 2, "B1", 0);
	pkt_opt(&p, TYPE, 1, "\x01", 0);
	pkt_opt(&p, VEND, 2, "A2", 0);
	pkt_opt(&p, HOST, 3, "one", 0);
	pkt_opt(&p, CLASS, 2, "B2", 0);
	pkt_opt(&p, VEND, 2, "A3", 0);
	pkt_byte(&p, END);
	assert_int_equal(parse_exact(p.b, p.len, &m, &buf), 0);
	check_opt(&m, VEND, "A1A2A3", 6, __LINE__);
	check_opt(&m, CLASS, "B1B2", 4, __LINE__);
	check_opt(&m, HOST, "one", 3, __LINE__);
	assert_int_equal(m.concat_used, 10);
	assert_true(m.opt[VEND].data >= m.concat && m.opt[VEND].data < m.concat + 10);
	assert_true(m.opt[CLASS].data >= m.concat && m.opt[CLASS].data < m.concat + 10);
	assert_ptr_equal(m.opt[HOST].data, buf + p.len - 12); /* "one", B2, A3, END */
	check_bounds(&m, buf, p.len, __LINE__);
	free(buf);
}

/* Options that fill the file and sname fields up to a final END. */
static void test_parse_exact_fit(void **state)
{
	uint8_t host[126], *buf;
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	memset(host, 'h', sizeof(host));
	pkt_fixed(&p);
	pkt_opt(&p, TYPE, 1, "\x01", 0);
	pkt_opt(&p, OVL, 1, "\x03", 0);
	pkt_byte(&p, END);
	p.b[FILE_OFF] = VEND;
	p.b[FILE_OFF + 1] = 125;
	memset(p.b + FILE_OFF + 2, 'f', 125);
	p.b[FILE_OFF + 127] = END;
	p.b[SNAME_OFF] = HOST;
	p.b[SNAME_OFF + 1] = 61;
	memset(p.b + SNAME_OFF + 2, 'h', 61);
	p.b[SNAME_OFF + 63] = END;
	assert_int_equal(parse_exact(p.b, p.len, &m, &buf), 0);
	assert_ptr_equal(m.opt[VEND].data, buf + FILE_OFF + 2);
	assert_int_equal(m.opt[VEND].len, 125);
	check_opt(&m, HOST, host, 61, __LINE__);
	assert_null(m.file);
	assert_null(m.sname);
	free(buf);
}

/* RFC 3396 joins are bounded by DHCP_CONCAT_MAX, single instances not. */
static void test_parse_toolong(void **state)
{
	struct dhcp_msg m;
	struct pkt p;
	uint8_t *buf;
	int i;

	(void)state;
	/* 4 * 255 + 4 = 1024: exactly full. */
	pkt_fixed(&p);
	pkt_opt(&p, TYPE, 1, "\x01", 0);
	for (i = 0; i < 4; i++)
		pkt_opt(&p, VEND, 255, NULL, (uint8_t)i);
	pkt_opt(&p, VEND, 4, NULL, 9);
	pkt_byte(&p, END);
	assert_int_equal(parse_exact(p.b, p.len, &m, &buf), 0);
	assert_int_equal(m.opt[VEND].len, 1024);
	assert_int_equal(m.concat_used, 1024);
	assert_ptr_equal(m.opt[VEND].data, m.concat);
	assert_int_equal(m.concat[0], 0);
	assert_int_equal(m.concat[255], 1);
	assert_int_equal(m.concat[1019], 3);
	assert_int_equal(m.concat[1020], 9);
	check_bounds(&m, buf, p.len, __LINE__);
	free(buf);
	/* One byte more. */
	p.len--;
	pkt_opt(&p, HOST, 1, "x", 0);
	pkt_opt(&p, VEND, 1, "x", 0);
	pkt_byte(&p, END);
	assert_int_equal(parse_exact(p.b, p.len, &m, NULL), DHCP_E_TOOLONG);

	/* Two codes: 510 + 510, then 5 more bytes from a third. */
	pkt_fixed(&p);
	pkt_opt(&p, TYPE, 1, "\x01", 0);
	for (i = 0; i < 2; i++) {
		pkt_opt(&p, VEND, 255, NULL, 1);
		pkt_opt(&p, CLASS, 255, NULL, 2);
	}
	pkt_byte(&p, END);
	assert_int_equal(parse_exact(p.b, p.len, &m, NULL), 0);
	assert_int_equal(m.concat_used, 1020);
	p.len--;
	pkt_opt(&p, HOST, 3, "abc", 0);
	pkt_opt(&p, HOST, 2, "de", 0);
	pkt_byte(&p, END);
	assert_int_equal(parse_exact(p.b, p.len, &m, NULL), DHCP_E_TOOLONG);

	/* Many single 255-byte options take no concat space at all. */
	pkt_fixed(&p);
	pkt_opt(&p, TYPE, 1, "\x01", 0);
	for (i = 0; i < 5; i++)
		pkt_opt(&p, (uint8_t)(200 + i), 255, NULL, (uint8_t)i);
	pkt_byte(&p, END);
	assert_int_equal(parse_exact(p.b, p.len, &m, NULL), 0);
	assert_int_equal(m.concat_used, 0);
	assert_int_equal(m.opt[204].len, 255);

	/* The limit counts instances in the file field too. */
	pkt_fixed(&p);
	pkt_opt(&p, TYPE, 1, "\x01", 0);
	pkt_opt(&p, OVL, 1, "\x01", 0);
	for (i = 0; i < 4; i++)
		pkt_opt(&p, VEND, 255, NULL, 7);
	pkt_byte(&p, END);
	memcpy(p.b + FILE_OFF, (const uint8_t[]){VEND, 5, 1, 2, 3, 4, 5, END}, 8);
	assert_int_equal(parse_exact(p.b, p.len, &m, NULL), DHCP_E_TOOLONG);
	p.b[FILE_OFF + 1] = 4;
	p.b[FILE_OFF + 6] = END;
	assert_int_equal(parse_exact(p.b, p.len, &m, NULL), 0);
	assert_int_equal(m.opt[VEND].len, 1024);
	assert_int_equal(m.opt[VEND].data[1023], 4);
}

/* Cutting a packet short at every length never crashes, and is an error
 * exactly where the cut removed something the packet needs. */
static void test_parse_truncated(void **state)
{
	struct dhcp_msg m;
	struct pkt p;
	size_t cut, end;
	int rc;

	(void)state;
	pkt_request(&p);
	for (cut = 0; cut <= p.len; cut++) {
		rc = parse_exact(p.b, cut, &m, NULL);
		if (cut < DHCP_MIN_LEN && rc != DHCP_E_SHORT)
			fail_msg("cut %zu: rc %d", cut, rc);
		if (cut >= DHCP_MIN_LEN && cut < p.len && rc != DHCP_E_NOEND && rc != DHCP_E_OPTLEN)
			fail_msg("cut %zu: rc %d", cut, rc);
		if (cut == p.len && rc != 0)
			fail_msg("full packet: rc %d", rc);
	}

	/* Zero-padded after END, as many clients send: valid from END on. */
	end = p.len;
	memset(p.b + p.len, 0, 40);
	p.len += 40;
	for (cut = DHCP_MIN_LEN; cut <= p.len; cut++) {
		rc = parse_exact(p.b, cut, &m, NULL);
		if ((cut < end) != (rc < 0))
			fail_msg("padded, cut %zu: rc %d", cut, rc);
	}

	/* Overloaded: file and sname are in the fixed part, so any cut
	 * into them is short. */
	pkt_fixed(&p);
	pkt_opt(&p, OVL, 1, "\x03", 0);
	pkt_byte(&p, END);
	memcpy(p.b + FILE_OFF, (const uint8_t[]){TYPE, 1, 1, END}, 4);
	p.b[SNAME_OFF] = END;
	for (cut = 0; cut <= p.len; cut++) {
		rc = parse_exact(p.b, cut, &m, NULL);
		if (cut < DHCP_MIN_LEN ? rc != DHCP_E_SHORT
		    : cut < p.len      ? rc != DHCP_E_NOEND && rc != DHCP_E_OPTLEN
		                       : rc != 0)
			fail_msg("overloaded, cut %zu: rc %d", cut, rc);
	}
}

/* The request the builder tests answer. */
static void parsed_request(struct dhcp_msg *m, struct pkt *p)
{
	pkt_request(p);
	assert_int_equal(dhcp_msg_parse(p->b, p->len, m), 0);
}

static void test_out_init(void **state)
{
	static const uint8_t head[] = {
	        2, 1, 6, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0x80, 0,    0,    0,    0,    0,    0,
	        0, 0, 0, 0, 0,    0,    0,    10,   0, 0, 1,    0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	};
	static const uint8_t zero[DHCP_FIXED_LEN];
	uint8_t buf[DHCP_DEFAULT_MAX];
	struct dhcp_out o;
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	parsed_request(&m, &p);
	memset(buf, 0xee, sizeof(buf));
	dhcp_out_init(&o, buf, sizeof(buf), &m, DHCPOFFER);
	assert_ptr_equal(o.buf, buf);
	assert_int_equal(o.max, sizeof(buf));
	assert_int_equal(o.len, 243);
	assert_int_equal(o.overflow, 0);
	assert_memory_equal(buf, head, sizeof(head));
	/* The rest of chaddr, sname and file are zero. */
	assert_memory_equal(buf + sizeof(head), zero, DHCP_FIXED_LEN - sizeof(head));
	assert_memory_equal(buf + 236, "\x63\x82\x53\x63\x35\x01\x02", 7);
	assert_int_equal(buf[243], 0xee);
}

static void test_out_fields(void **state)
{
	char name[130];
	uint8_t buf[DHCP_DEFAULT_MAX], before[DHCP_DEFAULT_MAX];
	struct dhcp_out o;
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	parsed_request(&m, &p);
	dhcp_out_init(&o, buf, sizeof(buf), &m, DHCPACK);
	dhcp_out_addrs(&o, 0x0a000005, 0x0a000032, 0x0a000001);
	assert_memory_equal(buf + 12, "\x0a\x00\x00\x05\x0a\x00\x00\x32\x0a\x00\x00\x01", 12);

	assert_int_equal(dhcp_out_file(&o, "a-much-longer-name.efi"), 0);
	assert_int_equal(dhcp_out_file(&o, "undionly.kpxe"), 0);
	assert_string_equal((const char *)buf + FILE_OFF, "undionly.kpxe");
	/* The longer name before is gone, not left behind the NUL. */
	assert_int_equal(buf[FILE_OFF + 15], 0);
	assert_int_equal(dhcp_out_sname(&o, "boot.example"), 0);
	assert_string_equal((const char *)buf + SNAME_OFF, "boot.example");
	assert_int_equal(dhcp_out_sname(&o, ""), 0);
	assert_int_equal(buf[SNAME_OFF], 0);

	/* 63 / 127 bytes fit with their NUL; one more does not. */
	memset(name, 'n', sizeof(name));
	name[63] = '\0';
	assert_int_equal(dhcp_out_sname(&o, name), 0);
	assert_int_equal(buf[SNAME_OFF + 62], 'n');
	assert_int_equal(buf[SNAME_OFF + 63], 0);
	name[63] = 'n';
	name[64] = '\0';
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(dhcp_out_sname(&o, name), -ENAMETOOLONG);
	assert_memory_equal(buf, before, sizeof(buf));
	name[64] = 'n';
	name[127] = '\0';
	assert_int_equal(dhcp_out_file(&o, name), 0);
	assert_int_equal(buf[FILE_OFF + 127], 0);
	memcpy(before, buf, sizeof(buf));
	name[127] = 'n';
	name[128] = '\0';
	assert_int_equal(dhcp_out_file(&o, name), -ENAMETOOLONG);
	assert_memory_equal(buf, before, sizeof(buf));
	assert_int_equal(o.len, 243);
	assert_int_equal(o.overflow, 0);
}

static void test_out_options(void **state)
{
	uint8_t buf[DHCP_DEFAULT_MAX];
	struct dhcp_out o;
	struct dhcp_msg m;
	struct pkt p;

	(void)state;
	parsed_request(&m, &p);
	dhcp_out_init(&o, buf, sizeof(buf), &m, DHCPOFFER);
	assert_int_equal(dhcp_out_u32(&o, 54, 0x0a000001), 0);
	assert_int_equal(dhcp_out_u16(&o, 57, 1500), 0);
	assert_int_equal(dhcp_out_u8(&o, 46, 8), 0);
	assert_int_equal(dhcp_out_opt(&o, CLASS, "PXEClient", 9), 0);
	assert_int_equal(dhcp_out_opt(&o, UCLASS, NULL, 0), 0);
	assert_int_equal(o.len, 243 + 6 + 4 + 3 + 11 + 2);
	assert_memory_equal(buf + 243,
	                    "\x36\x04\x0a\x00\x00\x01"
	                    "\x39\x02\x05\xdc"
	                    "\x2e\x01\x08"
	                    "\x3c\x09PXEClient"
	                    "\x4d\x00",
	                    26);
	/* Codes 0 and 255 are not options; NULL needs a zero length. */
	assert_int_equal(dhcp_out_opt(&o, PAD, "x", 1), -EINVAL);
	assert_int_equal(dhcp_out_opt(&o, END, "x", 1), -EINVAL);
	assert_int_equal(dhcp_out_u8(&o, END, 1), -EINVAL);
	assert_int_equal(dhcp_out_opt(&o, VEND, NULL, 1), -EINVAL);
	assert_int_equal(o.len, 269);
	assert_int_equal(o.overflow, 0);
}

struct split_vec {
	int line;
	size_t len;
	size_t parts;
};

static const struct split_vec split_vecs[] = {
        {__LINE__, 0, 1},   {__LINE__, 1, 1},   {__LINE__, 254, 1}, {__LINE__, 255, 1},
        {__LINE__, 256, 2}, {__LINE__, 510, 2}, {__LINE__, 511, 3}, {__LINE__, 600, 3},
};

/* RFC 3396: long values go out as 255-byte instances plus the rest, and
 * the parser joins them back. */
static void test_out_split(void **state)
{
	uint8_t val[600], buf[1500];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof(split_vecs) / sizeof(split_vecs[0]); i++) {
		const struct split_vec *v = &split_vecs[i];
		struct dhcp_msg m, back;
		struct dhcp_out o;
		struct pkt p;
		size_t pos = 243, left = v->len, n;
		uint8_t *copy;

		parsed_request(&m, &p);
		dhcp_out_init(&o, buf, sizeof(buf), &m, DHCPOFFER);
		if (dhcp_out_opt(&o, VEND, val, v->len) != 0)
			fail_msg("line %d: refused", v->line);
		if (o.len != 243 + 2 * v->parts + v->len)
			fail_msg("line %d: len %zu", v->line, o.len);
		for (j = 0; j < v->parts; j++) {
			size_t want = left > 255 ? 255 : left;

			if (buf[pos] != VEND || buf[pos + 1] != want ||
			    memcmp(buf + pos + 2, val + (v->len - left), want) != 0)
				fail_msg("line %d: instance %zu", v->line, j);
			pos += 2 + want;
			left -= want;
		}
		n = dhcp_out_finish(&o);
		if (parse_exact(buf, n, &back, &copy) != 0)
			fail_msg("line %d: does not parse back", v->line);
		check_opt(&back, VEND, val, v->len, v->line);
		free(copy);
	}
}

/* An option that does not fit leaves the reply as it was. */
static void test_out_nospc(void **state)
{
	uint8_t buf[DHCP_MIN_REPLY], before[DHCP_MIN_REPLY], big[600];
	struct dhcp_msg m, back;
	struct dhcp_out o;
	struct pkt p;

	(void)state;
	memset(big, 'b', sizeof(big));
	parsed_request(&m, &p);
	dhcp_out_init(&o, buf, sizeof(buf), &m, DHCPOFFER);
	/* 300 - 243 - 1 (END) = 56 bytes: a 54-byte value fits exactly. */
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(dhcp_out_opt(&o, VEND, big, 55), -ENOSPC);
	assert_int_equal(o.overflow, 1);
	assert_int_equal(o.len, 243);
	assert_memory_equal(buf, before, sizeof(buf));
	o.overflow = 0;
	assert_int_equal(dhcp_out_opt(&o, VEND, big, 54), 0);
	assert_int_equal(o.len, 299);
	assert_int_equal(o.overflow, 0);
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(dhcp_out_opt(&o, UCLASS, NULL, 0), -ENOSPC);
	assert_int_equal(dhcp_out_u8(&o, 46, 1), -ENOSPC);
	assert_int_equal(o.len, 299);
	assert_int_equal(o.overflow, 1);
	assert_memory_equal(buf, before, sizeof(buf));
	assert_int_equal(dhcp_out_finish(&o), 300);
	assert_int_equal(buf[299], END);
	assert_int_equal(parse_exact(buf, 300, &back, NULL), 0);
	assert_int_equal(back.opt[VEND].len, 54);

	/* A split option goes in whole or not at all. */
	{
		uint8_t wide[DHCP_DEFAULT_MAX], snap[DHCP_DEFAULT_MAX];

		dhcp_out_init(&o, wide, sizeof(wide), &m, DHCPOFFER);
		memcpy(snap, wide, sizeof(wide));
		assert_int_equal(dhcp_out_opt(&o, VEND, big, 600), -ENOSPC);
		assert_int_equal(dhcp_out_opt(&o, VEND, big, (size_t)-1), -ENOSPC);
		assert_int_equal(dhcp_out_opt(&o, VEND, big, DHCP_DEFAULT_MAX), -ENOSPC);
		assert_int_equal(o.len, 243);
		assert_memory_equal(wide, snap, sizeof(wide));
		/* 576 - 243 - 1 = 332 = 2 + 255 + 2 + 73 */
		assert_int_equal(dhcp_out_opt(&o, VEND, big, 329), -ENOSPC);
		assert_int_equal(dhcp_out_opt(&o, VEND, big, 328), 0);
		assert_int_equal(o.len, 575);
		/* overflow stays set once an option was dropped */
		assert_int_equal(o.overflow, 1);
		assert_int_equal(dhcp_out_finish(&o), 576);
		assert_int_equal(wide[575], END);
		/* Misuse after a full finish still stays inside the buffer. */
		assert_int_equal(dhcp_out_finish(&o), 576);
		assert_int_equal(dhcp_out_opt(&o, UCLASS, NULL, 0), -ENOSPC);
	}
}

static void test_out_finish(void **state)
{
	static const uint8_t zero[DHCP_MIN_REPLY];
	uint8_t buf[DHCP_DEFAULT_MAX], big[100];
	struct dhcp_msg m;
	struct dhcp_out o;
	struct pkt p;

	(void)state;
	parsed_request(&m, &p);
	memset(buf, 0xee, sizeof(buf));
	dhcp_out_init(&o, buf, sizeof(buf), &m, DHCPACK);
	assert_int_equal(dhcp_out_finish(&o), DHCP_MIN_REPLY);
	assert_int_equal(o.len, DHCP_MIN_REPLY);
	assert_int_equal(buf[243], END);
	assert_memory_equal(buf + 244, zero, DHCP_MIN_REPLY - 244);
	assert_int_equal(buf[DHCP_MIN_REPLY], 0xee);

	/* One short of the minimum after END: one byte of padding. */
	memset(buf, 0xee, sizeof(buf));
	dhcp_out_init(&o, buf, sizeof(buf), &m, DHCPACK);
	assert_int_equal(dhcp_out_opt(&o, VEND, big, 53), 0);
	assert_int_equal(o.len, DHCP_MIN_REPLY - 2);
	assert_int_equal(dhcp_out_finish(&o), DHCP_MIN_REPLY);
	assert_int_equal(buf[DHCP_MIN_REPLY - 2], END);
	assert_int_equal(buf[DHCP_MIN_REPLY - 1], 0);

	/* Longer than the minimum: END and nothing after it. */
	memset(big, 'x', sizeof(big));
	memset(buf, 0xee, sizeof(buf));
	dhcp_out_init(&o, buf, sizeof(buf), &m, DHCPACK);
	assert_int_equal(dhcp_out_opt(&o, VEND, big, sizeof(big)), 0);
	assert_int_equal(dhcp_out_finish(&o), 243 + 102 + 1);
	assert_int_equal(buf[345], END);
	assert_int_equal(buf[346], 0xee);
}

/* A max below the BOOTP minimum is a caller bug: nothing is written. */
static void test_out_small_max(void **state)
{
	uint8_t buf[DHCP_MIN_REPLY], before[DHCP_MIN_REPLY];
	struct dhcp_msg m;
	struct dhcp_out o;
	struct pkt p;

	(void)state;
	parsed_request(&m, &p);
	memset(buf, 0xee, sizeof(buf));
	memcpy(before, buf, sizeof(buf));
	dhcp_out_init(&o, buf, DHCP_MIN_REPLY - 1, &m, DHCPOFFER);
	assert_int_equal(o.overflow, 1);
	dhcp_out_addrs(&o, 1, 2, 3);
	assert_int_equal(dhcp_out_file(&o, "x"), -ENOSPC);
	assert_int_equal(dhcp_out_sname(&o, "x"), -ENOSPC);
	assert_int_equal(dhcp_out_u8(&o, 46, 1), -ENOSPC);
	assert_int_equal(dhcp_out_opt(&o, UCLASS, NULL, 0), -ENOSPC);
	assert_int_equal(dhcp_out_finish(&o), 0);
	assert_memory_equal(buf, before, sizeof(buf));
}

/* A reply built for a parsed request parses back to what was put in. */
static void test_roundtrip(void **state)
{
	uint8_t buf[DHCP_DEFAULT_MAX], vend[280], *copy;
	struct dhcp_msg req, rep;
	struct dhcp_out o;
	struct pkt p;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(vend); n++)
		vend[n] = (uint8_t)n;
	parsed_request(&req, &p);
	dhcp_out_init(&o, buf, sizeof(buf), &req, DHCPOFFER);
	dhcp_out_addrs(&o, 0, 0x0a000032, 0x0a000001);
	assert_int_equal(dhcp_out_sname(&o, "rackboot"), 0);
	assert_int_equal(dhcp_out_file(&o, "undionly.kpxe"), 0);
	assert_int_equal(dhcp_out_u32(&o, SRVID, 0x0a000001), 0);
	assert_int_equal(dhcp_out_u32(&o, 51, 3600), 0);
	assert_int_equal(dhcp_out_u32(&o, 1, 0xffffff00), 0);
	assert_int_equal(dhcp_out_opt(&o, CLASS, "PXEClient", 9), 0);
	assert_int_equal(dhcp_out_opt(&o, VEND, vend, sizeof(vend)), 0);
	n = dhcp_out_finish(&o);
	assert_true(n <= sizeof(buf));
	assert_int_equal(parse_exact(buf, n, &rep, &copy), 0);
	assert_int_equal(rep.op, 2);
	assert_int_equal(rep.type, DHCPOFFER);
	assert_int_equal(rep.hops, 0);
	assert_int_equal(rep.secs, 0);
	assert_int_equal(rep.xid, req.xid);
	assert_int_equal(rep.flags, req.flags);
	assert_int_equal(rep.giaddr, req.giaddr);
	assert_memory_equal(rep.chaddr, req.chaddr, sizeof(req.chaddr));
	assert_int_equal(rep.ciaddr, 0);
	assert_int_equal(rep.yiaddr, 0x0a000032);
	assert_int_equal(rep.siaddr, 0x0a000001);
	assert_string_equal((const char *)rep.sname, "rackboot");
	assert_string_equal((const char *)rep.file, "undionly.kpxe");
	check_opt(&rep, SRVID, "\x0a\x00\x00\x01", 4, __LINE__);
	check_opt(&rep, 51, "\x00\x00\x0e\x10", 4, __LINE__);
	check_opt(&rep, 1, "\xff\xff\xff\x00", 4, __LINE__);
	check_opt(&rep, CLASS, "PXEClient", 9, __LINE__);
	check_opt(&rep, VEND, vend, sizeof(vend), __LINE__);
	assert_null(rep.opt[OVL].data);
	check_bounds(&rep, copy, n, __LINE__);
	free(copy);
}

struct name_vec {
	int line;
	int err;
	const char *name;
};

static const struct name_vec name_vecs[] = {
        {__LINE__, DHCP_E_SHORT, "short"},
        {__LINE__, DHCP_E_OP, "bad_op"},
        {__LINE__, DHCP_E_HTYPE, "bad_htype"},
        {__LINE__, DHCP_E_COOKIE, "bad_cookie"},
        {__LINE__, DHCP_E_OPTLEN, "bad_option_length"},
        {__LINE__, DHCP_E_OVERLOAD, "bad_overload"},
        {__LINE__, DHCP_E_NOEND, "no_end"},
        {__LINE__, DHCP_E_TYPE, "bad_type"},
        {__LINE__, DHCP_E_TOOLONG, "options_too_long"},
        {__LINE__, 0, "unknown"},
        {__LINE__, -10, "unknown"},
        {__LINE__, 1, "unknown"},
        {__LINE__, -ENOSPC, "unknown"},
};

static void test_err_name(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_vecs) / sizeof(name_vecs[0]); i++) {
		const struct name_vec *v = &name_vecs[i];

		if (strcmp(dhcp_err_name(v->err), v->name) != 0)
			fail_msg("line %d: %d is \"%s\"", v->line, v->err, dhcp_err_name(v->err));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_vectors),   cmocka_unit_test(test_parse_fields),
	        cmocka_unit_test(test_parse_resets),    cmocka_unit_test(test_parse_interleaved),
	        cmocka_unit_test(test_parse_exact_fit), cmocka_unit_test(test_parse_toolong),
	        cmocka_unit_test(test_parse_truncated), cmocka_unit_test(test_out_init),
	        cmocka_unit_test(test_out_fields),      cmocka_unit_test(test_out_options),
	        cmocka_unit_test(test_out_split),       cmocka_unit_test(test_out_nospc),
	        cmocka_unit_test(test_out_finish),      cmocka_unit_test(test_out_small_max),
	        cmocka_unit_test(test_roundtrip),       cmocka_unit_test(test_err_name),
	};

	return cmocka_run_group_tests_name("dhcp_msg", tests, NULL, NULL);
}
