/* SPDX-License-Identifier: MIT */
/*
 * iscsi_pdu.h - iSCSI PDUs (RFC 7143 11): framing a byte stream into PDUs,
 * the basic header segment's fields, header and data digests (CRC32C,
 * RFC 7143 13.1 / RFC 3385).  Pure: no I/O, no logging; a framed PDU
 * borrows from the caller's buffer.
 */
#ifndef RACKBOOT_ISCSI_PDU_H
#define RACKBOOT_ISCSI_PDU_H

#include <stddef.h>
#include <stdint.h>

#include "core/bytes.h"

#define ISCSI_BHS_LEN    48
#define ISCSI_DIGEST_LEN 4
#define ISCSI_NAME_MAX   224 /* RFC 7143 6.2.3: 223 bytes and a NUL */

/* RFC 7143 11.1.1 opcodes */
enum iscsi_opcode {
	ISCSI_OP_NOP_OUT = 0x00,
	ISCSI_OP_SCSI_CMD = 0x01,
	ISCSI_OP_TMF_REQ = 0x02,
	ISCSI_OP_LOGIN_REQ = 0x03,
	ISCSI_OP_TEXT_REQ = 0x04,
	ISCSI_OP_DATA_OUT = 0x05,
	ISCSI_OP_LOGOUT_REQ = 0x06,
	ISCSI_OP_SNACK = 0x10,
	ISCSI_OP_NOP_IN = 0x20,
	ISCSI_OP_SCSI_RSP = 0x21,
	ISCSI_OP_TMF_RSP = 0x22,
	ISCSI_OP_LOGIN_RSP = 0x23,
	ISCSI_OP_TEXT_RSP = 0x24,
	ISCSI_OP_DATA_IN = 0x25,
	ISCSI_OP_LOGOUT_RSP = 0x26,
	ISCSI_OP_R2T = 0x31,
	ISCSI_OP_ASYNC = 0x32,
	ISCSI_OP_REJECT = 0x3f,
};

/* RFC 7143 11.17.1 reject reasons */
enum iscsi_reject {
	ISCSI_REJECT_DIGEST = 0x02,
	ISCSI_REJECT_SNACK = 0x03,
	ISCSI_REJECT_PROTOCOL = 0x04,
	ISCSI_REJECT_UNSUPPORTED = 0x05,
	ISCSI_REJECT_IMMEDIATE = 0x06,
	ISCSI_REJECT_TASK_IN_PROGRESS = 0x07,
	ISCSI_REJECT_INVALID_DATA_ACK = 0x08,
	ISCSI_REJECT_INVALID_FIELD = 0x09,
	ISCSI_REJECT_LONG_OP = 0x0a,
	ISCSI_REJECT_NEGOTIATION = 0x0b,
	ISCSI_REJECT_WAITING_LOGOUT = 0x0c,
};

/* Why a byte stream could not be framed (negative values) */
enum iscsi_frame_err {
	ISCSI_E_OPCODE = -1,  /* an opcode an initiator never sends */
	ISCSI_E_AHS = -2,     /* AHS we cannot take (over ISCSI_AHS_MAX) */
	ISCSI_E_TOO_BIG = -3, /* data segment over the negotiated maximum */
	ISCSI_E_HDIGEST = -4, /* header digest mismatch: the stream is lost */
	ISCSI_E_DDIGEST = -5, /* data digest mismatch: *pdu is valid, the data is not */
};

#define ISCSI_AHS_MAX 256 /* extended CDB (up to 260-byte CDBs) fits */

/** One PDU framed in a buffer; pointers borrow from it. */
struct iscsi_pdu {
	const uint8_t *bhs; /* the 48 header bytes */
	uint8_t opcode;     /* 6 bits */
	uint8_t immediate;  /* I bit */
	uint8_t flags;      /* byte 1 (F bit and opcode-specific) */
	uint32_t ahs_len;   /* bytes */
	const uint8_t *ahs;
	uint32_t data_len; /* DataSegmentLength, without padding */
	const uint8_t *data;
	uint32_t itt; /* Initiator Task Tag */
	size_t total; /* bytes of the stream this PDU takes */
};

/** Padding that brings @p n to a multiple of four. */
static inline uint32_t iscsi_pad(uint32_t n)
{
	return (4 - (n & 3)) & 3;
}

/** CRC32C (Castagnoli) continuing from @p crc; start with 0. */
uint32_t iscsi_crc32c(uint32_t crc, const void *p, size_t n);

/**
 * Frame the PDU at the start of @p buf.
 *
 * @v hdigest	header digest negotiated
 * @v ddigest	data digest negotiated
 * @v max_data	largest data segment accepted
 * @v pdu	receives the PDU
 * @v need	receives the bytes needed to frame it (when 0 is returned)
 * @ret rc	> 0: the PDU's size (*pdu set); 0: more bytes needed;
 *		< 0: enum iscsi_frame_err (*pdu set as far as known)
 */
int iscsi_pdu_frame(const uint8_t *buf, size_t len, int hdigest, int ddigest, uint32_t max_data,
                    struct iscsi_pdu *pdu, size_t *need);

/**
 * Start a target PDU: zero the header, set opcode, flags, data segment
 * length and ITT.
 */
void iscsi_bhs_init(uint8_t bhs[ISCSI_BHS_LEN], uint8_t opcode, uint8_t flags, uint32_t data_len,
                    uint32_t itt);

/* A Login Request's fields (RFC 7143 11.12) */
struct iscsi_login_req {
	uint8_t transit, cont;
	uint8_t csg, nsg;
	uint8_t version_max, version_min;
	uint8_t isid[6];
	uint16_t tsih;
	uint32_t itt;
	uint16_t cid;
	uint32_t cmdsn;
	uint32_t expstatsn;
	const uint8_t *data;
	size_t len;
};

/** Decode a framed Login Request. */
void iscsi_login_req_decode(const struct iscsi_pdu *pdu, struct iscsi_login_req *req);

/* Login stages (CSG/NSG) */
enum iscsi_stage {
	ISCSI_STAGE_SECURITY = 0,
	ISCSI_STAGE_OPERATIONAL = 1,
	ISCSI_STAGE_FULL = 3,
};

#endif
