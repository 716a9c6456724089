/* SPDX-License-Identifier: MIT */
/*
 * tftp_pkt.c - TFTP packets (RFC 1350), option negotiation (RFC 2347, 2348,
 * 2349, 7440) and the sender's window/ACK state machine.  Pure: parsers read
 * only the bytes they are given, check the length before every read and
 * borrow from the buffer; builders write only into the caller's buffer;
 * nothing here does I/O, keeps time, allocates or logs.  Which file a name
 * may open is tftp_path's business, and sockets and timers are tftp.c's.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "core/bytes.h"
#include "tftp/tftp_pkt.h"

#define HDR_LEN 4 /* opcode and block number or error code */

#define BLKSIZE_DEF 512   /* RFC 1350 */
#define BLKSIZE_MIN 8     /* RFC 2348 */
#define BLKSIZE_MAX 65464 /* RFC 2348 */
#define TIMEOUT_MIN 1     /* RFC 2349 */
#define TIMEOUT_MAX 255   /* RFC 2349 */
#define WINDOW_MIN  1     /* RFC 7440 */
#define WINDOW_MAX  65535 /* RFC 7440 */

/* Keeps next = nblocks + 1 representable for any file size. */
#define NBLOCKS_MAX (UINT64_MAX - 1)

/* An ACK this far behind acked (or further ahead) is not read as a duplicate. */
#define DUP_REACH 0x8000u

/* The options we negotiate, in the order an OACK lists them. */
enum { OPT_BLKSIZE, OPT_TIMEOUT, OPT_TSIZE, OPT_WINDOW, OPT_COUNT };

static const struct opt_def {
	const char *name;
	long min, max;
	size_t off;   /* of the long in struct tftp_req */
	unsigned neg; /* TFTP_NEG_* bit */
} opt_defs[OPT_COUNT] = {
        [OPT_BLKSIZE] = {"blksize", BLKSIZE_MIN, BLKSIZE_MAX, offsetof(struct tftp_req, blksize),
                         TFTP_NEG_BLKSIZE},
        [OPT_TIMEOUT] = {"timeout", TIMEOUT_MIN, TIMEOUT_MAX, offsetof(struct tftp_req, timeout),
                         TFTP_NEG_TIMEOUT},
        [OPT_TSIZE] = {"tsize", 0, LONG_MAX, offsetof(struct tftp_req, tsize), TFTP_NEG_TSIZE},
        [OPT_WINDOW] = {"windowsize", WINDOW_MIN, WINDOW_MAX, offsetof(struct tftp_req, windowsize),
                        TFTP_NEG_WINDOW},
};

/**
 * Compare two NUL-terminated strings, ASCII letters folded.  Not
 * strcasecmp(), whose answer depends on the locale; RFC 2347 and RFC 1350
 * mean ASCII.
 *
 * @v a		a string
 * @v b		the other, lowercase
 * @ret eq	1 when equal
 */
static int ascii_ieq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (x != y)
			return 0;
		if (x == 0)
			return 1;
	}
}

/**
 * Find the end of the string starting at @p pos.
 *
 * @v buf	packet
 * @v len	its length
 * @v pos	offset of the string, at most @p len
 * @ret end	offset of its NUL, or @p len when there is none in the packet
 */
static size_t str_end(const uint8_t *buf, size_t len, size_t pos)
{
	const uint8_t *z;

	if (pos >= len)
		return len;
	z = memchr(buf + pos, 0, len - pos);
	return z ? (size_t)(z - buf) : len;
}

/**
 * Read an option value: one or more decimal digits, nothing else (no sign,
 * no space), within [min, max] and without overflow on the way.
 *
 * @v s		NUL-terminated value
 * @v min	smallest acceptable
 * @v max	largest acceptable, at least 9
 * @ret v	the value, or -1 when it is not acceptable
 */
static long parse_dec(const char *s, long min, long max)
{
	long v = 0;

	if (*s == 0)
		return -1;
	for (; *s; s++) {
		int d;

		if (*s < '0' || *s > '9')
			return -1;
		d = *s - '0';
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	return v < min ? -1 : v;
}

/**
 * Record one option of a request.  The first instance of a name decides,
 * even when its value is bad; later ones are ignored.  Unknown names, bad
 * values and repeats all count in unknown_options (RFC 2347: the server
 * ignores what it does not accept).
 *
 * @v r		request being parsed
 * @v seen	bit i set once opt_defs[i] has appeared
 * @v name	option name
 * @v val	its value
 */
static void opt_record(struct tftp_req *r, unsigned *seen, const char *name, const char *val)
{
	size_t i;

	for (i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *d = &opt_defs[i];
		long v;

		if (!ascii_ieq(name, d->name))
			continue;
		if (*seen & 1u << i) {
			r->unknown_options++;
			return;
		}
		*seen |= 1u << i;
		v = parse_dec(val, d->min, d->max);
		if (v < 0)
			r->unknown_options++;
		else
			*(long *)(void *)((char *)r + d->off) = v;
		return;
	}
	r->unknown_options++;
}

int tftp_parse_req(const uint8_t *buf, size_t len, struct tftp_req *out)
{
	const char *mode;
	unsigned seen = 0;
	size_t pos, end;

	memset(out, 0, sizeof(*out));
	out->blksize = out->timeout = out->tsize = out->windowsize = -1;
	if (len < 2)
		return TFTP_E_SHORT;
	out->op = be16_get(buf);
	if (out->op != TFTP_RRQ && out->op != TFTP_WRQ)
		return TFTP_E_OP;
	/* Two strings follow, each at least its NUL (RFC 1350 5). */
	if (len < HDR_LEN)
		return TFTP_E_SHORT;

	pos = 2;
	end = str_end(buf, len, pos);
	if (end == len)
		return TFTP_E_NOTERM;
	if (end == pos)
		return TFTP_E_NAME;
	out->file = (const char *)buf + pos;
	out->file_len = end - pos;

	pos = end + 1;
	end = str_end(buf, len, pos);
	if (end == len)
		return TFTP_E_NOTERM;
	mode = (const char *)buf + pos;
	/* RFC 1350 5: case-insensitive; "mail" is obsolete (RFC 1123 4.2.2.1). */
	if (ascii_ieq(mode, "netascii"))
		out->netascii = 1;
	else if (!ascii_ieq(mode, "octet"))
		return TFTP_E_MODE;

	/* RFC 2347: name/value pairs, each string NUL-terminated, to the end. */
	for (pos = end + 1; pos < len; pos = end + 1) {
		const char *name = (const char *)buf + pos;

		end = str_end(buf, len, pos);
		if (end == len)
			return TFTP_E_NOTERM;
		pos = end + 1;
		if (pos == len)
			return TFTP_E_OPTION;
		end = str_end(buf, len, pos);
		if (end == len)
			return TFTP_E_NOTERM;
		opt_record(out, &seen, name, (const char *)buf + pos);
	}
	return 0;
}

int tftp_parse_ack(const uint8_t *buf, size_t len, uint16_t *block)
{
	if (len < 2)
		return TFTP_E_SHORT;
	if (be16_get(buf) != TFTP_ACK)
		return TFTP_E_OP;
	if (len < HDR_LEN)
		return TFTP_E_SHORT;
	*block = be16_get(buf + 2);
	return 0;
}

int tftp_parse_error(const uint8_t *buf, size_t len, uint16_t *code, const char **msg)
{
	size_t end;

	if (len < 2)
		return TFTP_E_SHORT;
	if (be16_get(buf) != TFTP_ERROR)
		return TFTP_E_OP;
	if (len < HDR_LEN)
		return TFTP_E_SHORT;
	*code = be16_get(buf + 2);
	end = str_end(buf, len, HDR_LEN);
	*msg = end < len ? (const char *)buf + HDR_LEN : NULL;
	return 0;
}

uint16_t tftp_opcode(const uint8_t *buf, size_t len)
{
	return len < 2 ? 0 : be16_get(buf);
}

const char *tftp_err_name(int err)
{
	switch (err) {
	case TFTP_E_SHORT: return "short";
	case TFTP_E_OP: return "bad_opcode";
	case TFTP_E_NOTERM: return "no_terminator";
	case TFTP_E_MODE: return "bad_mode";
	case TFTP_E_OPTION: return "bad_option";
	case TFTP_E_NAME: return "empty_name";
	}
	return "unknown";
}

void tftp_negotiate(const struct tftp_req *r, const struct tftp_limits *lim, uint64_t file_size,
                    struct tftp_neg *out)
{
	memset(out, 0, sizeof(*out));
	out->blksize = BLKSIZE_DEF;
	out->timeout = lim->timeout_def;
	out->windowsize = 1;

	/* RFC 2348: the server may answer with a smaller size, never larger.  A
	 * limit below the RFC's minimum declines the option. */
	if (r->blksize >= BLKSIZE_MIN && r->blksize <= BLKSIZE_MAX &&
	    lim->blksize_max >= BLKSIZE_MIN) {
		out->blksize = (unsigned long)r->blksize < lim->blksize_max ? (unsigned)r->blksize
		                                                            : lim->blksize_max;
		out->ack |= TFTP_NEG_BLKSIZE;
	}
	/* RFC 2349: the timeout is acknowledged as asked or not at all. */
	if (r->timeout >= TIMEOUT_MIN && r->timeout <= TIMEOUT_MAX) {
		out->timeout = (unsigned)r->timeout;
		out->ack |= TFTP_NEG_TIMEOUT;
	}
	/* RFC 2349: on a read the server answers with the file's size. */
	if (r->op == TFTP_RRQ && r->tsize >= 0) {
		out->tsize = file_size;
		out->ack |= TFTP_NEG_TSIZE;
	}
	/* RFC 7440 3: the server may answer with a smaller window. */
	if (r->windowsize >= WINDOW_MIN && r->windowsize <= WINDOW_MAX && lim->window_max >= 1) {
		out->windowsize = (unsigned long)r->windowsize < lim->window_max
		                          ? (unsigned)r->windowsize
		                          : lim->window_max;
		out->ack |= TFTP_NEG_WINDOW;
	}
}

/** A bounded writer: the first write that does not fit sets overflow. */
struct wbuf {
	uint8_t *p;
	size_t cap, len;
	int overflow;
};

static void wbuf_put(struct wbuf *w, const void *data, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = 1;
		return;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

/* Write @p s with its NUL. */
static void wbuf_str(struct wbuf *w, const char *s)
{
	wbuf_put(w, s, strlen(s) + 1);
}

/* Write @p v in decimal with a NUL. */
static void wbuf_dec(struct wbuf *w, uint64_t v)
{
	char tmp[21];
	size_t i = sizeof(tmp);

	tmp[--i] = 0;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	wbuf_put(w, tmp + i, sizeof(tmp) - i);
}

size_t tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_neg *n)
{
	const uint64_t val[OPT_COUNT] = {n->blksize, n->timeout, n->tsize, n->windowsize};
	struct wbuf w = {buf, cap, 0, 0};
	uint8_t op[2];
	size_t i;

	if (!(n->ack & (TFTP_NEG_BLKSIZE | TFTP_NEG_TIMEOUT | TFTP_NEG_TSIZE | TFTP_NEG_WINDOW)))
		return 0;
	be16_put(op, TFTP_OACK);
	wbuf_put(&w, op, sizeof(op));
	for (i = 0; i < OPT_COUNT; i++) {
		if (!(n->ack & opt_defs[i].neg))
			continue;
		wbuf_str(&w, opt_defs[i].name);
		wbuf_dec(&w, val[i]);
	}
	return w.overflow ? 0 : w.len;
}

size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
	size_t n = 0;

	if (cap < HDR_LEN + 1)
		return 0;
	be16_put(buf, TFTP_ERROR);
	be16_put(buf + 2, code);
	/* RFC 1350 5: ErrMsg is a NUL-terminated string; cut it to fit. */
	if (msg)
		while (n < cap - HDR_LEN - 1 && msg[n])
			n++;
	memcpy(buf + HDR_LEN, msg ? msg : "", n);
	buf[HDR_LEN + n] = 0;
	return HDR_LEN + n + 1;
}

void tftp_build_data_hdr(uint8_t *buf, uint16_t block)
{
	be16_put(buf, TFTP_DATA);
	be16_put(buf + 2, block);
}

void tftp_win_init(struct tftp_win *w, uint64_t file_size, unsigned blksize, unsigned window,
                   int oack)
{
	uint64_t q;

	if (blksize == 0)
		blksize = BLKSIZE_DEF;
	if (window < WINDOW_MIN)
		window = WINDOW_MIN;
	if (window > WINDOW_MAX)
		window = WINDOW_MAX;
	q = file_size / blksize;
	w->nblocks = q < NBLOCKS_MAX ? q + 1 : NBLOCKS_MAX;
	w->acked = 0;
	w->next = oack ? 0 : 1;
	w->window = window;
}

enum tftp_ack_result tftp_win_ack(struct tftp_win *w, uint16_t block)
{
	uint64_t inflight, ahead, behind;

	if (w->next == 0) {
		/* RFC 2347: the OACK is acknowledged by an ACK of block 0. */
		if (block != 0)
			return TFTP_ACK_BOGUS;
		w->next = 1;
		return TFTP_ACK_ADVANCE;
	}
	inflight = w->next - 1 - w->acked;
	ahead = (uint16_t)(block - (uint16_t)w->acked);
	if (ahead != 0 && ahead <= inflight) {
		w->acked += ahead;
		if (w->acked == w->nblocks)
			return TFTP_ACK_DONE;
		if (w->acked == w->next - 1)
			return TFTP_ACK_ADVANCE;
		/* RFC 7440 4: the receiver missed acked + 1; restart there. */
		w->next = w->acked + 1;
		return TFTP_ACK_RESEND;
	}
	behind = (uint16_t)((uint16_t)w->acked - block);
	if (behind < DUP_REACH && behind <= w->acked)
		return TFTP_ACK_DUPLICATE;
	return TFTP_ACK_BOGUS;
}

uint64_t tftp_win_sendable(const struct tftp_win *w)
{
	uint64_t last;

	if (w->next == 0 || w->acked >= w->nblocks)
		return 0;
	last = w->nblocks - w->acked > w->window ? w->acked + w->window : w->nblocks;
	return last >= w->next ? last - w->next + 1 : 0;
}

void tftp_win_timeout(struct tftp_win *w)
{
	/* In the OACK phase (next == 0) the caller resends the OACK. */
	if (w->next != 0)
		w->next = w->acked + 1;
}
