/* SPDX-License-Identifier: MIT */
/*
 * dhcp_msg.c - DHCP/BOOTP message parsing and reply building (RFC 951,
 * RFC 2131, RFC 2132, RFC 3396).  Pure: the parser reads only the bytes it
 * is given, borrows from them and never allocates or logs; the builder
 * writes only into the caller's buffer.  Deciding what a message means
 * (PXE classification, leases, NAKs) belongs to the callers, not here.
 */
#include <errno.h>
#include <string.h>

#include "core/bytes.h"
#include "dhcp/dhcp_msg.h"

/* Offsets into the fixed part, RFC 2131 2 (figure 1). */
#define OFF_OP     0
#define OFF_HTYPE  1
#define OFF_HLEN   2
#define OFF_HOPS   3
#define OFF_XID    4
#define OFF_SECS   8
#define OFF_FLAGS  10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_SIADDR 20
#define OFF_GIADDR 24
#define OFF_CHADDR 28
#define OFF_SNAME  44
#define OFF_FILE   108
#define OFF_COOKIE 236
#define OFF_OPTS   240

#define SNAME_LEN  64
#define FILE_LEN   128
#define CHADDR_LEN 16

#define BOOTREQUEST 1
#define BOOTREPLY   2

#define OPT_PAD      0
#define OPT_OVERLOAD 52
#define OPT_TYPE     53
#define OPT_END      255

/* Option 52 values, RFC 2132 9.3. */
#define OVERLOAD_FILE  1
#define OVERLOAD_SNAME 2

static const uint8_t cookie[4] = {99, 130, 83, 99}; /* RFC 2131 3 */

/** One region of the message that holds options. */
struct opt_area {
	const uint8_t *p;
	size_t n;
};

/** Bookkeeping for the first walk: which codes repeat, and how much
 * concat[] their joined values will take. */
struct opt_scan {
	uint8_t repeated[256 / 8];
	size_t need;
	int any;
};

/**
 * Step to the next option of an area.
 *
 * PAD is skipped; END stops the area and anything after it is ignored (RFC
 * 2131 4.1 lets PAD fill the rest, and we do not police what follows).  An
 * area that runs out before END is refused: RFC 2131 4.1 says the options
 * field and any overloaded sname/file field MUST be terminated by END, so
 * there is no leniency for file or sname either.
 *
 * @v a		area
 * @v pos	offset of the next byte to look at; advanced past the option
 * @v code	the option's code
 * @v data	its value, inside the area
 * @v len	its length
 * @ret rc	1 for an option, 0 at END, or DHCP_E_NOEND, DHCP_E_OPTLEN
 */
static int opt_next(const struct opt_area *a, size_t *pos, uint8_t *code, const uint8_t **data,
                    uint8_t *len)
{
	size_t i = *pos;
	uint8_t l;

	while (i < a->n && a->p[i] == OPT_PAD)
		i++;
	if (i >= a->n)
		return DHCP_E_NOEND;
	if (a->p[i] == OPT_END) {
		*pos = i + 1;
		return 0;
	}
	/* RFC 2131 4.1: every option lies entirely within its field. */
	if (a->n - i < 2)
		return DHCP_E_OPTLEN;
	l = a->p[i + 1];
	if (a->n - i - 2 < l)
		return DHCP_E_OPTLEN;
	*code = a->p[i];
	*data = a->p + i + 2;
	*len = l;
	*pos = i + 2 + l;
	return 1;
}

/**
 * First walk over an area: validate it and record each option.
 *
 * The first instance of a code points into the input.  A later instance
 * only marks the code as repeated and adds to its length; the bytes are
 * joined by area_join() once every area has been seen, so that each code's
 * value is contiguous in concat[] however the instances interleave.
 *
 * @v m		message being parsed
 * @v a		area
 * @v s		scan state
 * @ret rc	0 or a negative enum dhcp_err
 */
static int area_scan(struct dhcp_msg *m, const struct opt_area *a, struct opt_scan *s)
{
	const uint8_t *data;
	size_t pos = 0;
	uint8_t code, len;
	int rc;

	while ((rc = opt_next(a, &pos, &code, &data, &len)) > 0) {
		struct dhcp_opt *o = &m->opt[code];
		uint8_t bit = (uint8_t)(1u << (code & 7));

		/* RFC 2131 4.1: option 52 is read from the options field,
		 * once.  file and sname are walked only when it was there,
		 * so one inside them is always a second instance: refused
		 * here like a repeat, which also rules out an overload that
		 * points at itself. */
		if (code == OPT_OVERLOAD && o->data)
			return DHCP_E_OVERLOAD;
		if (!o->data) {
			o->data = data;
			o->len = len;
			continue;
		}
		/* RFC 3396: instances are joined in the order they appear. */
		if (!(s->repeated[code >> 3] & bit)) {
			s->repeated[code >> 3] |= bit;
			s->need += o->len;
			s->any = 1;
		}
		s->need += len;
		if (s->need > DHCP_CONCAT_MAX)
			return DHCP_E_TOOLONG;
		/* Bounded by DHCP_CONCAT_MAX, so the uint16_t cannot wrap. */
		o->len = (uint16_t)(o->len + len);
	}
	return rc;
}

/**
 * Second walk over an already validated area: copy each instance of a
 * repeated code to its place in concat[].  On entry o->data is the start of
 * the code's slot and o->len how much of it is filled.
 */
static void area_join(struct dhcp_msg *m, const struct opt_area *a, const struct opt_scan *s)
{
	const uint8_t *data;
	size_t pos = 0;
	uint8_t code, len;

	while (opt_next(a, &pos, &code, &data, &len) > 0) {
		struct dhcp_opt *o = &m->opt[code];

		if (!(s->repeated[code >> 3] & (1u << (code & 7))))
			continue;
		memcpy(m->concat + (o->data - m->concat) + o->len, data, len);
		o->len = (uint16_t)(o->len + len);
	}
}

/*
 * The walk is two passes over at most three areas (options, then file,
 * then sname: RFC 2131 4.1, RFC 3396 5), and the second pass only runs
 * when some option repeats.  Resetting *m costs one 4 KiB memset of opt[]
 * per packet (256 entries of 16 bytes), a few tens of nanoseconds and well
 * below the recvmsg() that delivered the packet.  It cannot be narrowed to
 * the entries the last parse set, because *m may arrive uninitialised and
 * every absent code must read as NULL.  concat[] is not cleared: nothing
 * beyond concat_used is ever pointed at.  The first error met while walking
 * is the one reported, so a packet that joins too much before a later
 * structural error counts as DHCP_E_TOOLONG.
 */
int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m)
{
	struct opt_area area[3];
	struct opt_scan scan;
	const struct dhcp_opt *t;
	size_t i, n = 0;
	int rc;

	if (len < DHCP_MIN_LEN)
		return DHCP_E_SHORT;
	if (buf[OFF_OP] != BOOTREQUEST && buf[OFF_OP] != BOOTREPLY)
		return DHCP_E_OP;
	/* RFC 1700 hardware type 1 is 10 Mb Ethernet, hlen 6. */
	if (buf[OFF_HTYPE] != 1 || buf[OFF_HLEN] != 6)
		return DHCP_E_HTYPE;
	if (memcmp(buf + OFF_COOKIE, cookie, sizeof(cookie)) != 0)
		return DHCP_E_COOKIE;

	memset(m->opt, 0, sizeof(m->opt));
	m->concat_used = 0;
	m->op = buf[OFF_OP];
	m->htype = buf[OFF_HTYPE];
	m->hlen = buf[OFF_HLEN];
	m->hops = buf[OFF_HOPS];
	m->xid = be32_get(buf + OFF_XID);
	m->secs = be16_get(buf + OFF_SECS);
	m->flags = be16_get(buf + OFF_FLAGS);
	m->ciaddr = be32_get(buf + OFF_CIADDR);
	m->yiaddr = be32_get(buf + OFF_YIADDR);
	m->siaddr = be32_get(buf + OFF_SIADDR);
	m->giaddr = be32_get(buf + OFF_GIADDR);
	memcpy(m->chaddr, buf + OFF_CHADDR, CHADDR_LEN);
	m->sname = buf + OFF_SNAME;
	m->file = buf + OFF_FILE;
	m->type = 0;

	memset(&scan, 0, sizeof(scan));
	area[n++] = (struct opt_area){buf + OFF_OPTS, len - OFF_OPTS};
	if ((rc = area_scan(m, &area[0], &scan)) < 0)
		return rc;

	/* RFC 2132 9.3: length 1, value 1 (file), 2 (sname) or 3 (both). */
	t = &m->opt[OPT_OVERLOAD];
	if (t->data) {
		if (t->len != 1 || t->data[0] < 1 || t->data[0] > 3)
			return DHCP_E_OVERLOAD;
		if (t->data[0] & OVERLOAD_FILE) {
			area[n++] = (struct opt_area){buf + OFF_FILE, FILE_LEN};
			m->file = NULL;
		}
		if (t->data[0] & OVERLOAD_SNAME) {
			area[n++] = (struct opt_area){buf + OFF_SNAME, SNAME_LEN};
			m->sname = NULL;
		}
		for (i = 1; i < n; i++)
			if ((rc = area_scan(m, &area[i], &scan)) < 0)
				return rc;
	}

	if (scan.any) {
		size_t off = 0;

		for (i = 0; i < 256; i++) {
			if (!(scan.repeated[i >> 3] & (1u << (i & 7))))
				continue;
			m->opt[i].data = m->concat + off;
			off += m->opt[i].len;
			m->opt[i].len = 0;
		}
		for (i = 0; i < n; i++)
			area_join(m, &area[i], &scan);
		m->concat_used = off;
	}

	/* RFC 2131 3: every DHCP message carries option 53; RFC 2132 9.6. */
	t = &m->opt[OPT_TYPE];
	if (!t->data || t->len != 1 || t->data[0] < DHCPDISCOVER || t->data[0] > DHCPINFORM)
		return DHCP_E_TYPE;
	m->type = t->data[0];
	return 0;
}

const char *dhcp_err_name(int err)
{
	switch (err) {
	case DHCP_E_SHORT: return "short";
	case DHCP_E_OP: return "bad_op";
	case DHCP_E_HTYPE: return "bad_htype";
	case DHCP_E_COOKIE: return "bad_cookie";
	case DHCP_E_OPTLEN: return "bad_option_length";
	case DHCP_E_OVERLOAD: return "bad_overload";
	case DHCP_E_NOEND: return "no_end";
	case DHCP_E_TYPE: return "bad_type";
	case DHCP_E_TOOLONG: return "options_too_long";
	default: return "unknown";
	}
}

/* A builder whose max was below DHCP_MIN_REPLY holds nothing and takes
 * nothing (see dhcp_out_init()). */
static int out_live(const struct dhcp_out *o)
{
	return o->len >= DHCP_MIN_LEN;
}

/*
 * Replies never overload sname/file with options (RFC 2131 4.1 makes it
 * optional): an option that does not fit in the options field is dropped
 * and reported through o->overflow instead.
 */
void dhcp_out_init(struct dhcp_out *o, uint8_t *buf, size_t max, const struct dhcp_msg *req,
                   uint8_t type)
{
	o->buf = buf;
	o->max = max;
	o->len = 0;
	o->overflow = 0;
	if (max < DHCP_MIN_REPLY) {
		o->overflow = 1;
		return;
	}
	/* RFC 2131 4.3.1 table 3: hops, secs, ciaddr, yiaddr, siaddr 0 until
	 * set; xid, flags, giaddr and chaddr from the client. */
	memset(buf, 0, DHCP_FIXED_LEN);
	buf[OFF_OP] = BOOTREPLY;
	buf[OFF_HTYPE] = req->htype;
	buf[OFF_HLEN] = req->hlen;
	be32_put(buf + OFF_XID, req->xid);
	be16_put(buf + OFF_FLAGS, req->flags);
	be32_put(buf + OFF_GIADDR, req->giaddr);
	memcpy(buf + OFF_CHADDR, req->chaddr, CHADDR_LEN);
	memcpy(buf + OFF_COOKIE, cookie, sizeof(cookie));
	buf[OFF_OPTS] = OPT_TYPE;
	buf[OFF_OPTS + 1] = 1;
	buf[OFF_OPTS + 2] = type;
	o->len = OFF_OPTS + 3;
}

void dhcp_out_addrs(struct dhcp_out *o, uint32_t ciaddr, uint32_t yiaddr, uint32_t siaddr)
{
	if (!out_live(o))
		return;
	be32_put(o->buf + OFF_CIADDR, ciaddr);
	be32_put(o->buf + OFF_YIADDR, yiaddr);
	be32_put(o->buf + OFF_SIADDR, siaddr);
}

/* Copy a NUL-terminated string into a fixed field, RFC 2131 2: the field
 * keeps its terminating NUL, so the text is at most size - 1 bytes. */
static int out_field(struct dhcp_out *o, size_t off, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (!out_live(o))
		return -ENOSPC;
	if (n >= size)
		return -ENAMETOOLONG;
	memset(o->buf + off, 0, size);
	memcpy(o->buf + off, s, n);
	return 0;
}

int dhcp_out_sname(struct dhcp_out *o, const char *s)
{
	return out_field(o, OFF_SNAME, SNAME_LEN, s);
}

int dhcp_out_file(struct dhcp_out *o, const char *s)
{
	return out_field(o, OFF_FILE, FILE_LEN, s);
}

int dhcp_out_opt(struct dhcp_out *o, uint8_t code, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t parts, need;

	if (code == OPT_PAD || code == OPT_END || (len > 0 && !data))
		return -EINVAL;
	/* Checked first so that the sums below cannot wrap. */
	if (!out_live(o) || len > o->max) {
		o->overflow = 1;
		return -ENOSPC;
	}
	/* RFC 3396: split into 255-byte instances; a zero-length option
	 * still takes one instance. */
	parts = len == 0 ? 1 : (len + 254) / 255;
	need = 2 * parts + len;
	/* The last byte of max is kept for END; o->len never passes max. */
	if (need >= o->max - o->len) {
		o->overflow = 1;
		return -ENOSPC;
	}
	do {
		uint8_t n = len > 255 ? 255 : (uint8_t)len;

		o->buf[o->len++] = code;
		o->buf[o->len++] = n;
		/* @p data may be NULL for a zero-length value: no
		 * arithmetic on it then (C11 6.5.6). */
		if (n) {
			memcpy(o->buf + o->len, p, n);
			p += n;
		}
		o->len += n;
		len -= n;
	} while (len > 0);
	return 0;
}

int dhcp_out_u8(struct dhcp_out *o, uint8_t code, uint8_t v)
{
	return dhcp_out_opt(o, code, &v, 1);
}

int dhcp_out_u16(struct dhcp_out *o, uint8_t code, uint16_t v)
{
	uint8_t b[2];

	be16_put(b, v);
	return dhcp_out_opt(o, code, b, sizeof(b));
}

int dhcp_out_u32(struct dhcp_out *o, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	be32_put(b, v);
	return dhcp_out_opt(o, code, b, sizeof(b));
}

size_t dhcp_out_finish(struct dhcp_out *o)
{
	if (!out_live(o))
		return 0;
	/* A byte was reserved for END; only a second call finds none. */
	if (o->len < o->max)
		o->buf[o->len++] = OPT_END;
	/* RFC 951 3: a BOOTP message is 300 bytes (64-byte vend field), and
	 * relays built to that drop shorter ones; pad with zeros (PAD). */
	if (o->len < DHCP_MIN_REPLY) {
		memset(o->buf + o->len, 0, DHCP_MIN_REPLY - o->len);
		o->len = DHCP_MIN_REPLY;
	}
	return o->len;
}
