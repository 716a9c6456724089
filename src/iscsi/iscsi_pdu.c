/* SPDX-License-Identifier: MIT */
/*
 * iscsi_pdu.c - framing iSCSI PDUs out of a TCP byte stream and checking
 * their digests (RFC 7143 11.1-11.2, 13.1).  Owns no memory: a framed PDU
 * points into the caller's receive buffer.  Never logs; the connection
 * decides what a framing error costs (RFC 7143 7.8: a header digest error
 * loses the stream, a data digest error only the PDU).
 */
#include <errno.h>
#include <string.h>

#include "core/crc32c.h"
#include "iscsi/iscsi_pdu.h"

/* The digests are the core's CRC32C (core/crc32c.h). */
uint32_t iscsi_crc32c(uint32_t crc, const void *data, size_t n)
{
	return crc32c(crc, data, n);
}

/* RFC 7143 13.1: the digest goes on the wire least significant byte first */
static uint32_t get_digest(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Opcodes an initiator may send (RFC 7143 11.1.1) */
static int initiator_opcode(uint8_t op)
{
	switch (op) {
	case ISCSI_OP_NOP_OUT:
	case ISCSI_OP_SCSI_CMD:
	case ISCSI_OP_TMF_REQ:
	case ISCSI_OP_LOGIN_REQ:
	case ISCSI_OP_TEXT_REQ:
	case ISCSI_OP_DATA_OUT:
	case ISCSI_OP_LOGOUT_REQ:
	case ISCSI_OP_SNACK: return 1;
	default: return 0;
	}
}

int iscsi_pdu_frame(const uint8_t *buf, size_t len, int hdigest, int ddigest, uint32_t max_data,
                    struct iscsi_pdu *pdu, size_t *need)
{
	size_t hlen, total;

	memset(pdu, 0, sizeof(*pdu));
	*need = ISCSI_BHS_LEN;
	if (len < ISCSI_BHS_LEN)
		return 0;
	pdu->bhs = buf;
	pdu->opcode = buf[0] & 0x3f;
	pdu->immediate = (buf[0] >> 6) & 1;
	pdu->flags = buf[1];
	pdu->ahs_len = (uint32_t)buf[4] * 4;
	pdu->data_len = be24_get(buf + 5);
	pdu->itt = be32_get(buf + 16);
	if (!initiator_opcode(pdu->opcode))
		return ISCSI_E_OPCODE;
	if (pdu->ahs_len > ISCSI_AHS_MAX)
		return ISCSI_E_AHS;
	if (pdu->data_len > max_data)
		return ISCSI_E_TOO_BIG;
	hlen = ISCSI_BHS_LEN + pdu->ahs_len;
	total = hlen + (hdigest ? ISCSI_DIGEST_LEN : 0);
	if (pdu->data_len)
		total +=
		        pdu->data_len + iscsi_pad(pdu->data_len) + (ddigest ? ISCSI_DIGEST_LEN : 0);
	*need = total;
	if (len < total)
		return 0;
	pdu->total = total;
	pdu->ahs = pdu->ahs_len ? buf + ISCSI_BHS_LEN : NULL;
	if (hdigest && iscsi_crc32c(0, buf, hlen) != get_digest(buf + hlen))
		return ISCSI_E_HDIGEST;
	if (pdu->data_len) {
		const uint8_t *d = buf + hlen + (hdigest ? ISCSI_DIGEST_LEN : 0);
		uint32_t padded = pdu->data_len + iscsi_pad(pdu->data_len);

		pdu->data = d;
		/* RFC 7143 13.1: the data digest covers the padding too */
		if (ddigest && iscsi_crc32c(0, d, padded) != get_digest(d + padded))
			return ISCSI_E_DDIGEST;
	}
	return (int)total;
}

void iscsi_bhs_init(uint8_t bhs[ISCSI_BHS_LEN], uint8_t opcode, uint8_t flags, uint32_t data_len,
                    uint32_t itt)
{
	memset(bhs, 0, ISCSI_BHS_LEN);
	bhs[0] = opcode;
	bhs[1] = flags;
	be24_put(bhs + 5, data_len);
	be32_put(bhs + 16, itt);
}

void iscsi_login_req_decode(const struct iscsi_pdu *pdu, struct iscsi_login_req *req)
{
	const uint8_t *b = pdu->bhs;

	memset(req, 0, sizeof(*req));
	/* RFC 7143 11.12: T C . . CSG CSG NSG NSG */
	req->transit = (b[1] >> 7) & 1;
	req->cont = (b[1] >> 6) & 1;
	req->csg = (b[1] >> 2) & 3;
	req->nsg = b[1] & 3;
	req->version_max = b[2];
	req->version_min = b[3];
	memcpy(req->isid, b + 8, 6);
	req->tsih = be16_get(b + 14);
	req->itt = pdu->itt;
	req->cid = be16_get(b + 20);
	req->cmdsn = be32_get(b + 24);
	req->expstatsn = be32_get(b + 28);
	req->data = pdu->data;
	req->len = pdu->data_len;
}
