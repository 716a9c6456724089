/* SPDX-License-Identifier: MIT */
/*
 * iscsi_send.c - the iSCSI target's sending side: one PDU at a time is
 * queued as a uv_write request (header and data digests added as
 * negotiated), reading pauses while too much is queued, and every PDU gets
 * its StatSN, ExpCmdSN and MaxCmdSN here (RFC 7143 4.2.2).  Owns the
 * queued writes until their callbacks; a task's data is sent from its
 * buffer with a reference held, anything else is copied.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/server.h"
#include "iscsi_int.h"

/* A queued send.  Owner: itself until its write callback. */
struct wreq {
	uv_write_t req;
	struct conn *c;
	struct task *t; /* holds a ref while data points into t->buf */
	void *owned;    /* data copied for this send */
	size_t bytes;
	uint8_t hdr[ISCSI_BHS_LEN + ISCSI_DIGEST_LEN];
	uint8_t tail[3 + ISCSI_DIGEST_LEN];
};

static uint32_t max_cmdsn(const struct conn *c)
{
	int qd = server.conf->iscsi.queue_depth;
	int free_slots = qd - (int)c->ntasks;

	/* a closed window is MaxCmdSN = ExpCmdSN - 1 (RFC 7143 4.2.2.1) */
	return c->exp_cmdsn + (uint32_t)(free_slots > 0 ? free_slots : 0) - 1;
}

static void write_on_done(uv_write_t *req, int status)
{
	struct wreq *w = req->data;
	struct conn *c = w->c;

	c->queued -= w->bytes;
	if (w->t)
		task_put(w->t);
	free(w->owned);
	free(w);
	if (status < 0 && c->state != C_CLOSING) {
		log_debug("iscsi %s: send failed: %s", c->peer, uv_strerror(status));
		conn_close(c);
		return;
	}
	if (c->state == C_LOGOUT && c->queued == 0) {
		conn_close(c);
		return;
	}
	if (c->close_after_send && c->queued == 0) {
		conn_close(c);
		return;
	}
	if (!c->reading && c->queued < WRITE_HIGH / 2 && c->state != C_CLOSING)
		conn_pump(c);
}

static void put_digest(uint8_t *p, uint32_t crc)
{
	p[0] = (uint8_t)crc;
	p[1] = (uint8_t)(crc >> 8);
	p[2] = (uint8_t)(crc >> 16);
	p[3] = (uint8_t)(crc >> 24);
}

int send_pdu(struct conn *c, const uint8_t *bhs, const void *data, size_t len, struct task *t)
{
	struct wreq *w;
	uv_buf_t bufs[3];
	unsigned nb = 0;
	size_t hl = ISCSI_BHS_LEN, tl = 0;
	uint32_t pad = iscsi_pad((uint32_t)len);
	int rc;

	if (c->state == C_CLOSING)
		return -ESHUTDOWN;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->c = c;
	memcpy(w->hdr, bhs, ISCSI_BHS_LEN);
	if (c->p.header_digest) {
		put_digest(w->hdr + ISCSI_BHS_LEN, iscsi_crc32c(0, w->hdr, ISCSI_BHS_LEN));
		hl += ISCSI_DIGEST_LEN;
	}
	bufs[nb++] = uv_buf_init((char *)w->hdr, (unsigned)hl);
	if (len) {
		const void *d = data;

		if (t) {
			w->t = t;
			t->refs++;
		} else {
			w->owned = malloc(len);
			if (!w->owned) {
				free(w);
				return -ENOMEM;
			}
			memcpy(w->owned, data, len);
			d = w->owned;
		}
		bufs[nb++] = uv_buf_init((char *)d, (unsigned)len);
		tl = pad;
		if (c->p.data_digest) {
			uint32_t crc = iscsi_crc32c(0, d, len);

			crc = iscsi_crc32c(crc, w->tail, pad); /* zero padding */
			put_digest(w->tail + pad, crc);
			tl += ISCSI_DIGEST_LEN;
		}
		if (tl)
			bufs[nb++] = uv_buf_init((char *)w->tail, (unsigned)tl);
	}
	w->bytes = hl + len + tl;
	w->req.data = w;
	rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, nb, write_on_done);
	if (rc < 0) {
		if (w->t)
			w->t->refs--;
		free(w->owned);
		free(w);
		return rc;
	}
	c->queued += w->bytes;
	if (c->queued > WRITE_HIGH && c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = 0;
	}
	return 0;
}

void put_sn(struct conn *c, uint8_t *bhs, int advance)
{
	be32_put(bhs + 24, advance ? c->statsn++ : c->statsn);
	be32_put(bhs + 28, c->exp_cmdsn);
	be32_put(bhs + 32, max_cmdsn(c));
}

void send_reject(struct conn *c, const uint8_t *bad, uint8_t reason)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	tgt.n.rejects++;
	iscsi_bhs_init(bhs, ISCSI_OP_REJECT, 0x80, ISCSI_BHS_LEN, NO_TAG);
	bhs[2] = reason;
	put_sn(c, bhs, 1);
	send_pdu(c, bhs, bad, ISCSI_BHS_LEN, NULL);
}
