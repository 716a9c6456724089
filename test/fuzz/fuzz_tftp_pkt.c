/* SPDX-License-Identifier: MIT */
/* fuzz_tftp_pkt.c - libFuzzer driver for the TFTP codec and window: any
 * bytes go to the request, ACK and ERROR parsers, whose strings must lie
 * inside the input and end there; an accepted request is negotiated and its
 * OACK built.  The same bytes then script a sender window: a 12-byte header
 * (flags, window, file size, starting point) and 3-byte steps (ACK, send,
 * timeout), with the window's invariants checked after every step. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tftp/tftp_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

/* A string of @p n bytes at @p s lies in the input with its NUL. */
static void check_str(const char *s, size_t n, const uint8_t *data, size_t size)
{
	const uint8_t *p = (const uint8_t *)s;

	check(p >= data && p < data + size && n < (size_t)(data + size - p) && p[n] == 0 &&
	      memchr(p, 0, n) == NULL);
}

static void check_win(const struct tftp_win *w)
{
	uint64_t s = tftp_win_sendable(w);

	check(w->acked <= w->nblocks && s <= w->window && w->window >= 1 && w->window <= 65535);
	if (w->next == 0)
		check(w->acked == 0 && s == 0);
	else
		check(w->acked < w->next && w->next - 1 <= w->nblocks &&
		      w->next - 1 - w->acked <= w->window && w->next - 1 + s <= w->nblocks);
}

static int same_win(const struct tftp_win *a, const struct tftp_win *b)
{
	return a->nblocks == b->nblocks && a->acked == b->acked && a->next == b->next &&
	       a->window == b->window;
}

static void fuzz_packets(const uint8_t *data, size_t size)
{
	static const struct tftp_limits lim = {1468, 16, 3};
	struct tftp_req r;
	struct tftp_neg n;
	uint8_t oack[128];
	const char *msg;
	uint16_t v;
	size_t len;
	int rc;

	rc = tftp_parse_req(data, size, &r);
	check(tftp_err_name(rc) != NULL);
	if (rc == 0) {
		check(r.op == TFTP_RRQ || r.op == TFTP_WRQ);
		check_str(r.file, r.file_len, data, size);
		check(r.file_len > 0);
		check(r.blksize == -1 || (r.blksize >= 8 && r.blksize <= 65464));
		check(r.timeout == -1 || (r.timeout >= 1 && r.timeout <= 255));
		check(r.tsize >= -1);
		check(r.windowsize == -1 || (r.windowsize >= 1 && r.windowsize <= 65535));
		tftp_negotiate(&r, &lim, size, &n);
		check(n.blksize >= 8 && n.blksize <= lim.blksize_max);
		check(r.blksize == -1 || n.blksize <= r.blksize);
		check(n.windowsize >= 1 && n.windowsize <= lim.window_max);
		len = tftp_build_oack(oack, sizeof(oack), &n);
		check((len == 0) == (n.ack == 0));
		check(len == 0 || (len <= sizeof(oack) && oack[len - 1] == 0));
		/* A smaller buffer: all of it or nothing. */
		check(tftp_build_oack(oack, size % sizeof(oack), &n) ==
		      (size % sizeof(oack) >= len ? len : 0));
	}
	if (tftp_parse_ack(data, size, &v) == 0)
		check(size >= 4 && tftp_opcode(data, size) == TFTP_ACK);
	if (tftp_parse_error(data, size, &v, &msg) == 0) {
		check(size >= 4 && tftp_opcode(data, size) == TFTP_ERROR);
		if (msg)
			check_str(msg, strlen(msg), data, size);
		/* Echoed into a buffer of some size, it parses back as a prefix. */
		len = tftp_build_error(oack, size % sizeof(oack), v, msg);
		if (size % sizeof(oack) < 5) {
			check(len == 0);
		} else {
			const char *back;
			uint16_t code;

			check(len >= 5 && len <= size % sizeof(oack));
			check(tftp_parse_error(oack, len, &code, &back) == 0 && code == v && back);
			check(strlen(back) == len - 5 && (!msg || !strncmp(back, msg, len - 5)));
		}
	}
}

static void fuzz_window(const uint8_t *d, size_t size)
{
	struct tftp_win w;
	uint64_t fsize;
	unsigned window;
	size_t i;

	if (size < 12)
		return;
	window = d[0] & 0x80 ? (unsigned)(d[1] << 8 | d[2]) : 1u + d[1] % 32;
	fsize = ((uint64_t)d[3] << 24 | (uint64_t)d[4] << 16 | (uint64_t)d[5] << 8 | d[6]) * 8;
	tftp_win_init(&w, fsize, 512, window, d[0] & 1);
	if (d[0] & 2) { /* start mid-transfer, past the OACK, nothing in flight */
		w.acked = ((uint64_t)d[7] << 24 | (uint64_t)d[8] << 16 | d[9] << 8 | d[10]) %
		          w.nblocks;
		w.next = w.acked + 1;
	}
	check_win(&w);
	for (i = 12; i + 3 <= size; i += 3) {
		struct tftp_win was = w, once;
		uint16_t arg = (uint16_t)(d[i + 1] << 8 | d[i + 2]);
		enum tftp_ack_result res;
		uint64_t n;

		switch (d[i] & 3) {
		case 0: /* an ACK near acked, or anywhere */
			if (d[i] & 4)
				arg = (uint16_t)(w.acked + (uint64_t)(int8_t)d[i + 2]);
			switch (tftp_win_ack(&w, arg)) {
			case TFTP_ACK_DUPLICATE:
			case TFTP_ACK_BOGUS: check(same_win(&w, &was)); break;
			case TFTP_ACK_DONE: check(w.acked == w.nblocks); /* fall through */
			case TFTP_ACK_ADVANCE:
				if (was.next == 0)
					check(arg == 0 && w.acked == 0 && w.next == 1);
				else
					check(w.acked > was.acked && w.next == was.next &&
					      (uint16_t)w.acked == arg);
				break;
			case TFTP_ACK_RESEND:
				check(w.acked > was.acked && w.next == w.acked + 1 &&
				      w.next < was.next && (uint16_t)w.acked == arg);
				break;
			default: check(0);
			}
			break;
		case 1: /* send all, or fewer when the socket is full */
			n = tftp_win_sendable(&w);
			w.next += d[i] & 4 ? n : arg % (n + 1);
			break;
		case 2: tftp_win_timeout(&w); break;
		case 3: /* the same ACK delivered twice: the second changes nothing */
			tftp_win_ack(&w, arg);
			once = w;
			n = tftp_win_sendable(&w);
			res = tftp_win_ack(&w, arg);
			check(res == TFTP_ACK_DUPLICATE || res == TFTP_ACK_BOGUS);
			check(same_win(&w, &once) && tftp_win_sendable(&w) == n);
			break;
		}
		check(w.acked >= was.acked);
		check_win(&w);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_packets(data, size);
	fuzz_window(data, size);
	return 0;
}
