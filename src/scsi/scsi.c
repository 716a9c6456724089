/* SPDX-License-Identifier: MIT */
/*
 * scsi.c - the SCSI block device the iSCSI target exports (SPC-4, SBC-3):
 * one table of the commands it implements drives both dispatch and REPORT
 * SUPPORTED OPERATION CODES, so the two cannot disagree.  Each command is
 * checked in the order SAM-5 and scsi.h give (LUN, unit attention,
 * reservation, CDB fields, range) and either finished here (INQUIRY, MODE
 * SENSE, READ CAPACITY, ...: data built in the transport's buffer) or handed
 * back as an action on the volume.  Pure: no I/O, no clock, no allocation,
 * no logging; the transport decides what to tell the log.  Reservations are
 * scsi_pr.c's: this file only asks it and routes PERSISTENT RESERVE, RESERVE
 * and RELEASE to it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/bytes.h"
#include "scsi/scsi.h"
#include "scsi/scsi_pr.h"

/* Operation codes (SPC-4 Annex D.3.1, SBC-3 5.1 Table 15). */
enum {
	OP_TEST_UNIT_READY = 0x00,
	OP_REQUEST_SENSE = 0x03,
	OP_READ6 = 0x08,
	OP_WRITE6 = 0x0a,
	OP_INQUIRY = 0x12,
	OP_MODE_SELECT6 = 0x15,
	OP_RESERVE6 = 0x16,
	OP_RELEASE6 = 0x17,
	OP_MODE_SENSE6 = 0x1a,
	OP_START_STOP_UNIT = 0x1b,
	OP_PREVENT_ALLOW = 0x1e,
	OP_READ_CAPACITY10 = 0x25,
	OP_READ10 = 0x28,
	OP_WRITE10 = 0x2a,
	OP_WRITE_VERIFY10 = 0x2e,
	OP_VERIFY10 = 0x2f,
	OP_PRE_FETCH10 = 0x34,
	OP_SYNC_CACHE10 = 0x35,
	OP_WRITE_SAME10 = 0x41,
	OP_UNMAP = 0x42,
	OP_MODE_SELECT10 = 0x55,
	OP_RESERVE10 = 0x56,
	OP_RELEASE10 = 0x57,
	OP_MODE_SENSE10 = 0x5a,
	OP_PR_IN = 0x5e,
	OP_PR_OUT = 0x5f,
	OP_READ16 = 0x88,
	OP_COMPARE_AND_WRITE = 0x89,
	OP_WRITE16 = 0x8a,
	OP_ORWRITE16 = 0x8b,
	OP_WRITE_VERIFY16 = 0x8e,
	OP_VERIFY16 = 0x8f,
	OP_PRE_FETCH16 = 0x90,
	OP_SYNC_CACHE16 = 0x91,
	OP_WRITE_SAME16 = 0x93,
	OP_SERVICE_ACTION_IN16 = 0x9e,
	OP_REPORT_LUNS = 0xa0,
	OP_MAINTENANCE_IN = 0xa3,
	OP_READ12 = 0xa8,
	OP_WRITE12 = 0xaa,
	OP_WRITE_VERIFY12 = 0xae,
	OP_VERIFY12 = 0xaf,
};

/* Service actions (SBC-3 5.16, 5.8; SPC-4 6.35) */
#define SA_READ_CAPACITY16 0x10
#define SA_GET_LBA_STATUS  0x12
#define SA_REPORT_OPCODES  0x0c
#define SA_MASK            0x1f

/* Mode pages (SBC-3 6.4, SPC-4 7.5) and page control (SPC-4 6.11 Table 98) */
#define MP_CACHING     0x08
#define MP_CONTROL     0x0a
#define MP_INFO_EXCEPT 0x1c
#define MP_ALL         0x3f
#define PC_CURRENT     0
#define PC_CHANGEABLE  1
#define PC_SAVED       3

/* VPD pages (SPC-4 7.8, SBC-3 6.5) */
#define VPD_SUPPORTED 0x00
#define VPD_SERIAL    0x80
#define VPD_DEVID     0x83
#define VPD_LIMITS    0xb0
#define VPD_CHARACT   0xb1
#define VPD_LBP       0xb2

#define SENSE_FIXED_LEN 18  /* SPC-4 4.5.3 */
#define INQ_STD_LEN     96  /* SPC-4 6.4.2: through the version descriptors, padded */
#define CAW_MAX         255 /* SBC-3 5.2: NUMBER OF LOGICAL BLOCKS is one byte */
#define TIMEOUT_REC     60  /* seconds, REPORT SUPPORTED OPERATION CODES timeouts */

static uint32_t min_u32(uint64_t a, uint64_t b)
{
	uint64_t m = a < b ? a : b;

	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

/*
 * Sense data and the checks every command shares.  Each check sets the
 * error in the command and returns 0 when the command must stop.
 */

void scsi_check(struct scsi_cmd *c, uint8_t key, uint16_t asc)
{
	c->status = SCSI_CHECK_CONDITION;
	c->action = SCSI_A_DONE;
	c->in_len = 0;
	c->out_len = 0;
	memset(c->sense, 0, sizeof(c->sense));
	c->sense[0] = 0x70; /* current error, fixed format (SPC-4 4.5.3 Table 29) */
	c->sense[2] = key & 0x0f;
	c->sense[7] = SENSE_FIXED_LEN - 8;
	c->sense[12] = (uint8_t)(asc >> 8);
	c->sense[13] = (uint8_t)asc;
	c->sense_len = SENSE_FIXED_LEN;
}

void scsi_check_info(struct scsi_cmd *c, uint8_t key, uint16_t asc, uint64_t info)
{
	scsi_check(c, key, asc);
	/* SPC-4 4.5.3: VALID only when INFORMATION holds the whole value. */
	if (info <= UINT32_MAX) {
		c->sense[0] |= 0x80;
		be32_put(c->sense + 3, (uint32_t)info);
	}
}

void scsi_miscompare(struct scsi_cmd *c, uint64_t offset)
{
	scsi_check_info(c, SK_MISCOMPARE, ASC_MISCOMPARE_VERIFY, offset);
}

/**
 * ILLEGAL REQUEST / INVALID FIELD IN CDB or IN PARAMETER LIST, with the
 * sense-key specific field pointer (SPC-4 4.5.2.4.2).  The pointer also
 * tells initiators that a service-action command exists but disliked a
 * field (libiscsi reads a pointer at byte 1 as "not implemented").
 *
 * @v c		command
 * @v cdb	1 for the CDB, 0 for the parameter list
 * @v byte	offset of the bad field
 * @v bit	its most significant bit
 */
static void bad_field(struct scsi_cmd *c, int cdb, unsigned byte, unsigned bit)
{
	scsi_check(c, SK_ILLEGAL_REQUEST, cdb ? ASC_INVALID_FIELD_CDB : ASC_INVALID_FIELD_PARAM);
	c->sense[15] = (uint8_t)(0x80 | (cdb ? 0x40 : 0) | 0x08 | (bit & 7));
	be16_put(c->sense + 16, (uint16_t)byte);
}

static void bad_cdb(struct scsi_cmd *c, unsigned byte, unsigned bit)
{
	bad_field(c, 1, byte, bit);
}

/* SBC-3 4.5: the range must end at or before the capacity. */
static int range_ok(const struct scsi_lun *lun, struct scsi_cmd *c, uint64_t lba, uint64_t n)
{
	if (lba > lun->blocks || n > lun->blocks - lba) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return 0;
	}
	return 1;
}

/*
 * SBC-3 6.5.3: a transfer longer than MAXIMUM TRANSFER LENGTH is an invalid
 * field; so is one whose byte count would not fit the 32-bit lengths the
 * transport uses (iSCSI's EDTL is 32 bits too).
 */
static int xfer_ok(const struct scsi_lun *lun, struct scsi_cmd *c, uint64_t n, uint32_t mult,
                   unsigned byte)
{
	uint64_t bs = lun->block_size ? lun->block_size : 1;

	if ((lun->max_xfer_blocks && n > lun->max_xfer_blocks) || n * mult > UINT32_MAX / bs) {
		bad_cdb(c, byte, 7);
		return 0;
	}
	return 1;
}

static int writable(const struct scsi_lun *lun, struct scsi_cmd *c)
{
	if (lun->read_only) {
		scsi_check(c, SK_DATA_PROTECT, ASC_WRITE_PROTECTED);
		return 0;
	}
	return 1;
}

/* Protection information is not supported: RD/WR/VR/ORPROTECT must be 0 (SBC-3 4.22). */
static int no_protect(struct scsi_cmd *c)
{
	if (c->cdb[1] & 0xe0) {
		bad_cdb(c, 1, 7);
		return 0;
	}
	return 1;
}

static void data_in(struct scsi_cmd *c, size_t len, uint32_t alloc)
{
	c->in_len = min_u32(len, alloc);
}

/* The largest COMPARE AND WRITE: 2n blocks cross the wire (SBC-3 6.5.3). */
static uint32_t caw_max(const struct scsi_lun *lun)
{
	uint32_t m = CAW_MAX;

	if (lun->max_xfer_blocks && lun->max_xfer_blocks / 2 < m)
		m = lun->max_xfer_blocks / 2 ? lun->max_xfer_blocks / 2 : 1;
	return m;
}

/**
 * Decode the LBA and length of a medium-access CDB by its group code
 * (SPC-4 4.2.5.1): 6-byte (21-bit LBA), 10-byte, 12-byte and 16-byte.
 *
 * @v cdb	the CDB
 * @v lba	LBA
 * @v n		transfer, verification, prefetch or block count
 * @ret byte	offset of the length field (for the field pointer)
 */
static unsigned decode_range(const uint8_t *cdb, uint64_t *lba, uint32_t *n)
{
	switch (cdb[0] >> 5) {
	case 0:
		*lba = (uint64_t)(cdb[1] & 0x1f) << 16 | be16_get(cdb + 2);
		*n = cdb[4];
		return 4;
	case 1:
	case 2:
		*lba = be32_get(cdb + 2);
		*n = be16_get(cdb + 7);
		return 7;
	case 5:
		*lba = be32_get(cdb + 2);
		*n = be32_get(cdb + 6);
		return 6;
	default:
		*lba = be64_get(cdb + 2);
		*n = be32_get(cdb + 10);
		return 10;
	}
}

/*
 * Medium access (SBC-3 5).  Order: fields, transfer length, range, then a
 * zero-length command completes with GOOD, then write protection.
 */

/* READ (6), (10), (12), (16): SBC-3 5.10 - 5.13 */
static void h_read(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint64_t lba;
	uint32_t n;
	unsigned nb = decode_range(c->cdb, &lba, &n);

	if (c->cdb[0] == OP_READ6) {
		if (n == 0)
			n = 256; /* SBC-3 5.10 */
	} else if (!no_protect(c)) {
		return;
	}
	if (!xfer_ok(lun, c, n, 1, nb) || !range_ok(lun, c, lba, n) || n == 0)
		return;
	c->action = SCSI_A_READ;
	c->lba = lba;
	c->nblocks = n;
	c->in_len = n * lun->block_size;
	c->fua = c->cdb[0] != OP_READ6 && (c->cdb[1] & 0x08);
}

/* WRITE (6) - (16) and WRITE AND VERIFY (10) - (16): SBC-3 5.32 - 5.39 */
static void h_write(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint8_t op = c->cdb[0];
	int verify = op == OP_WRITE_VERIFY10 || op == OP_WRITE_VERIFY12 || op == OP_WRITE_VERIFY16;
	uint64_t lba;
	uint32_t n;
	unsigned nb = decode_range(c->cdb, &lba, &n);
	uint8_t bytchk = 0;

	if (op == OP_WRITE6) {
		if (n == 0)
			n = 256; /* SBC-3 5.32 */
	} else if (!no_protect(c)) {
		return;
	}
	if (verify) {
		/* BYTCHK 00b or 01b; 10b and 11b are reserved here (SBC-3 5.34) */
		bytchk = (c->cdb[1] >> 1) & 3;
		if (bytchk > 1) {
			bad_cdb(c, 1, 2);
			return;
		}
	}
	if (!xfer_ok(lun, c, n, 1, nb) || !range_ok(lun, c, lba, n) || n == 0 || !writable(lun, c))
		return;
	c->action = SCSI_A_WRITE;
	c->lba = lba;
	c->nblocks = n;
	c->out_len = n * lun->block_size;
	c->bytchk = bytchk;
	/* WRITE AND VERIFY: the data must be on the medium before it is verified */
	c->fua = verify || (op != OP_WRITE6 && (c->cdb[1] & 0x08));
}

/* VERIFY (10), (12), (16): SBC-3 5.29 - 5.31 */
static void h_verify(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint64_t lba;
	uint32_t n;
	unsigned nb = decode_range(c->cdb, &lba, &n);
	uint8_t bytchk = (c->cdb[1] >> 1) & 3;

	if (!no_protect(c))
		return;
	if (bytchk == 2) { /* reserved (SBC-3 5.29 Table 60) */
		bad_cdb(c, 1, 2);
		return;
	}
	if ((bytchk && !xfer_ok(lun, c, n, 1, nb)) || !range_ok(lun, c, lba, n))
		return;
	/* Zero length, or a medium verification of a medium that is always readable. */
	if (n == 0 || bytchk == 0)
		return;
	c->action = SCSI_A_VERIFY;
	c->lba = lba;
	c->nblocks = n;
	c->bytchk = bytchk;
	c->out_len = bytchk == 3 ? lun->block_size : n * lun->block_size;
}

/* ORWRITE (16): SBC-3 5.9 */
static void h_orwrite(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint64_t lba;
	uint32_t n;
	unsigned nb = decode_range(c->cdb, &lba, &n);

	if (!no_protect(c) || !xfer_ok(lun, c, n, 1, nb) || !range_ok(lun, c, lba, n) || n == 0 ||
	    !writable(lun, c))
		return;
	c->action = SCSI_A_ORWRITE;
	c->lba = lba;
	c->nblocks = n;
	c->out_len = n * lun->block_size;
	c->fua = (c->cdb[1] & 0x08) != 0;
}

/*
 * COMPARE AND WRITE: SBC-3 5.2; zero blocks is not an error and does
 * nothing.  NUMBER OF LOGICAL BLOCKS is one byte: an initiator that sends
 * the Data-Out of more blocks than MAXIMUM COMPARE AND WRITE LENGTH (256
 * wraps to 0) asked for too many, whatever the byte says.
 */
static void h_caw(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint64_t lba = be64_get(c->cdb + 2);
	uint32_t n = c->cdb[13], bs = lun->block_size ? lun->block_size : 1;

	if (!no_protect(c))
		return;
	if (n > caw_max(lun) || c->edtl / bs / 2 > caw_max(lun)) {
		bad_cdb(c, 13, 7);
		return;
	}
	if (!xfer_ok(lun, c, n, 2, 13) || !range_ok(lun, c, lba, n) || n == 0 || !writable(lun, c))
		return;
	c->action = SCSI_A_CAW;
	c->lba = lba;
	c->nblocks = n;
	c->out_len = 2 * n * lun->block_size;
	c->fua = (c->cdb[1] & 0x08) != 0;
}

/* PRE-FETCH (10), (16): SBC-3 5.6, 5.7; nothing to do for a backstore without a cache. */
static void h_prefetch(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint64_t lba;
	uint32_t n;

	decode_range(c->cdb, &lba, &n);
	range_ok(lun, c, lba, n);
}

/* SYNCHRONIZE CACHE (10), (16): SBC-3 5.22, 5.23; zero blocks: through the end. */
static void h_sync(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint64_t lba;
	uint32_t n;

	decode_range(c->cdb, &lba, &n);
	if (!range_ok(lun, c, lba, n))
		return;
	c->action = SCSI_A_FLUSH;
	c->lba = lba;
	c->nblocks = n;
}

/*
 * WRITE SAME (10), (16): SBC-3 5.41, 5.42.  WSNZ is not reported (VPD B0):
 * zero blocks means from the LBA to the end of the medium.  ANC_SUP is not
 * reported either, so ANCHOR is an invalid field.
 */
static void h_write_same(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint8_t b1 = c->cdb[1];
	int ws16 = c->cdb[0] == OP_WRITE_SAME16;
	uint64_t lba;
	uint32_t n;
	unsigned nb = decode_range(c->cdb, &lba, &n);

	if (!no_protect(c))
		return;
	if (b1 & (ws16 ? 0x06 : 0x07)) { /* PBDATA, LBDATA (obsolete); RELADR */
		bad_cdb(c, 1, 2);
		return;
	}
	if (b1 & 0x10) {
		bad_cdb(c, 1, 4);
		return;
	}
	if ((b1 & 0x08) && !lun->thin) {
		bad_cdb(c, 1, 3);
		return;
	}
	if (!range_ok(lun, c, lba, n))
		return;
	if (n == 0 && lun->blocks - lba > UINT32_MAX) {
		bad_cdb(c, nb, 7);
		return;
	}
	if (n == 0)
		n = (uint32_t)(lun->blocks - lba);
	if (lun->max_ws_blocks && n > lun->max_ws_blocks) {
		bad_cdb(c, nb, 7);
		return;
	}
	if (!writable(lun, c))
		return;
	c->action = SCSI_A_WRITE_SAME;
	c->lba = lba;
	c->nblocks = n;
	c->unmap = (b1 & 0x08) != 0;
	c->ndob = ws16 && (b1 & 0x01);
	c->out_len = c->ndob ? 0 : lun->block_size;
}

/* UNMAP: SBC-3 5.28; only offered when the backstore can discard. */
static void h_unmap(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint16_t len = be16_get(c->cdb + 7);

	if (c->cdb[1] & 0x01) { /* ANCHOR, and ANC_SUP is zero */
		bad_cdb(c, 1, 0);
		return;
	}
	if (len == 0)
		return;
	if (len > SCSI_BUF_MIN) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
		return;
	}
	if (!writable(lun, c))
		return;
	c->action = SCSI_A_UNMAP;
	c->out_len = len;
}

int scsi_unmap_parse(const struct scsi_lun *lun, struct scsi_cmd *c, const uint8_t *param,
                     size_t len, struct scsi_extent *ext, size_t max)
{
	uint64_t total = 0;
	size_t bdl, nd, i, n = 0;

	if (len == 0)
		return 0;
	/* SBC-3 5.28.2: an 8-byte header, then 16-byte block descriptors. */
	if (len < 8) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
		return -1;
	}
	bdl = be16_get(param + 2);
	if (bdl > len - 8) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
		return -1;
	}
	nd = bdl / 16; /* a partial descriptor is ignored */
	if (nd > SCSI_UNMAP_DESC_MAX || nd > max) {
		bad_field(c, 0, 2, 7);
		return -1;
	}
	for (i = 0; i < nd; i++) {
		const uint8_t *d = param + 8 + 16 * i;
		uint64_t lba = be64_get(d);
		uint32_t cnt = be32_get(d + 8);

		if (!range_ok(lun, c, lba, cnt))
			return -1;
		total += cnt;
		if (lun->max_unmap_blocks && total > lun->max_unmap_blocks) {
			bad_field(c, 0, 8 + 16 * i + 8, 7);
			return -1;
		}
		if (cnt == 0)
			continue;
		ext[n].lba = lba;
		ext[n].nblocks = cnt;
		n++;
	}
	return (int)n;
}

/* GET LBA STATUS: SBC-3 5.8.  A fully provisioned LU answers by itself. */
static void h_get_lba_status(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint64_t lba = be64_get(c->cdb + 2);
	uint32_t alloc = be32_get(c->cdb + 10);

	if (lba >= lun->blocks) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	c->lba = lba;
	/* Until scsi_lba_status, in_len carries the allocation length (what fits). */
	c->in_len = min_u32(alloc, c->cap);
	if (!lun->thin) {
		struct scsi_lba_desc d = {lba, min_u32(lun->blocks - lba, UINT32_MAX), 0};

		scsi_lba_status(c, &d, 1);
		return;
	}
	c->action = SCSI_A_LBA_STATUS;
	c->nblocks = min_u32(lun->blocks - lba, UINT32_MAX);
}

void scsi_lba_status(struct scsi_cmd *c, const struct scsi_lba_desc *d, size_t n)
{
	uint8_t *p = c->buf;
	size_t i, room = (c->cap - 8) / 16;

	if (n > room)
		n = room;
	memset(p, 0, 8);
	be32_put(p, (uint32_t)(4 + 16 * n));
	for (i = 0; i < n; i++) {
		uint8_t *q = p + 8 + 16 * i;

		memset(q, 0, 16);
		be64_put(q, d[i].lba);
		be32_put(q + 8, d[i].nblocks);
		q[12] = d[i].status & 0x0f;
	}
	c->status = SCSI_GOOD;
	c->action = SCSI_A_DONE;
	c->in_len = min_u32(8 + 16 * n, c->in_len);
}

/*
 * Data built here: INQUIRY, MODE SENSE, READ CAPACITY, REPORT LUNS,
 * REQUEST SENSE, REPORT SUPPORTED OPERATION CODES.  Each builder returns the
 * full length; data_in() cuts it to the allocation length (SPC-4 4.2.5.6).
 */

/* An INQUIRY string: printable ASCII, space-padded (SPC-4 4.4.1). */
static void put_ascii(uint8_t *p, const char *s, size_t n)
{
	size_t i, l = strnlen(s, n);

	for (i = 0; i < n; i++) {
		unsigned char ch = i < l ? (unsigned char)s[i] : ' ';

		p[i] = ch >= 0x20 && ch <= 0x7e ? ch : ' ';
	}
}

/* Standard INQUIRY data (SPC-4 6.4.2); @p absent: the LUN does not exist. */
static size_t inq_standard(const struct scsi_lun *lun, uint8_t *p, int absent)
{
	static const uint16_t versions[] = {
	        0x00a0, /* SAM-5 */
	        0x0460, /* SPC-4 */
	        0x04c0, /* SBC-3 */
	        0x0960, /* iSCSI */
	};
	size_t i;

	memset(p, 0, INQ_STD_LEN);
	/* Peripheral qualifier 011b, type 1Fh: no logical unit here (SPC-4 6.4.2) */
	p[0] = absent ? 0x7f : 0x00;
	p[2] = 0x06;            /* VERSION: SPC-4 */
	p[3] = 0x12;            /* HISUP, RESPONSE DATA FORMAT 2 */
	p[4] = INQ_STD_LEN - 5; /* ADDITIONAL LENGTH */
	p[7] = 0x02;            /* CMDQUE */
	put_ascii(p + 8, lun->vendor, 8);
	put_ascii(p + 16, lun->product, 16);
	put_ascii(p + 32, lun->revision, 4);
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		be16_put(p + 58 + 2 * i, versions[i]);
	return INQ_STD_LEN;
}

/* The VPD pages this LU answers, in ascending order (SPC-4 7.8.13). */
static size_t vpd_list(const struct scsi_lun *lun, uint8_t *pages)
{
	static const uint8_t all[] = {VPD_SUPPORTED, VPD_SERIAL,  VPD_DEVID,
	                              VPD_LIMITS,    VPD_CHARACT, VPD_LBP};
	size_t n = sizeof(all);

	memcpy(pages, all, n);
	return lun->thin ? n : n - 1;
}

/* Device Identification VPD page (SPC-4 7.8.6). */
static size_t vpd_devid(const struct scsi_lun *lun, uint8_t *p)
{
	size_t n = 4, sl = strnlen(lun->serial, sizeof(lun->serial) - 1);

	/* NAA 3h, locally assigned (SPC-4 7.8.6.6.3): the LU's stable 60 bits */
	p[n] = 0x01;     /* binary */
	p[n + 1] = 0x03; /* associated with the LU, NAA */
	p[n + 3] = 8;
	be64_put(p + n + 4, 3ull << 60 | (lun->id & 0x0fffffffffffffffull));
	n += 12;
	/* T10 vendor ID based (SPC-4 7.8.6.4): vendor, then the serial number */
	if (sl) {
		p[n] = 0x02;     /* ASCII */
		p[n + 1] = 0x01; /* LU, T10 vendor ID */
		p[n + 3] = (uint8_t)(8 + sl);
		put_ascii(p + n + 4, lun->vendor, 8);
		put_ascii(p + n + 12, lun->serial, sl);
		n += 12 + sl;
	}
	/* Relative target port and target port group (SPC-4 7.8.6.7, 7.8.6.8),
	 * PIV set with protocol identifier 5h, iSCSI */
	p[n] = 0x51;
	p[n + 1] = 0x94;
	p[n + 3] = 4;
	be16_put(p + n + 6, lun->rel_port);
	n += 8;
	p[n] = 0x51;
	p[n + 1] = 0x95;
	p[n + 3] = 4;
	be16_put(p + n + 6, lun->tpg);
	n += 8;
	return n;
}

/* Block Limits VPD page (SBC-3 6.5.3). */
static size_t vpd_limits(const struct scsi_lun *lun, uint8_t *p)
{
	p[3] = 0x3c;
	p[4] = 0x00; /* WSNZ clear: WRITE SAME of 0 blocks runs to the end */
	p[5] = (uint8_t)caw_max(lun);
	be32_put(p + 8, lun->max_xfer_blocks);
	be32_put(p + 12, lun->opt_xfer_blocks);
	if (lun->thin) {
		be32_put(p + 20, lun->max_unmap_blocks ? lun->max_unmap_blocks : UINT32_MAX);
		be32_put(p + 24, SCSI_UNMAP_DESC_MAX);
	}
	be64_put(p + 36, lun->max_ws_blocks);
	return 64;
}

/**
 * Build one VPD page.
 *
 * @v lun	logical unit
 * @v code	page code
 * @v p		buffer, at least 512 bytes
 * @ret len	page length, 0 when the page is not supported
 */
static size_t vpd_page(const struct scsi_lun *lun, uint8_t code, uint8_t *p)
{
	uint8_t pages[8];
	size_t n;

	memset(p, 0, 512);
	p[1] = code;
	switch (code) {
	case VPD_SUPPORTED:
		n = vpd_list(lun, pages);
		memcpy(p + 4, pages, n);
		n += 4;
		break;
	case VPD_SERIAL:
		n = strnlen(lun->serial, sizeof(lun->serial) - 1);
		put_ascii(p + 4, lun->serial, n);
		n += 4;
		break;
	case VPD_DEVID: n = vpd_devid(lun, p); break;
	case VPD_LIMITS: n = vpd_limits(lun, p); break;
	case VPD_CHARACT:
		be16_put(p + 4, 0x0001); /* MEDIUM ROTATION RATE: non-rotating (SBC-3 6.5.2) */
		n = 64;
		break;
	case VPD_LBP:
		if (!lun->thin)
			return 0;
		/* LBPU, LBPWS, LBPWS10, LBPRZ; thin provisioned (SBC-3 6.5.4) */
		p[5] = 0x80 | 0x40 | 0x20 | 0x04;
		p[6] = 0x02;
		n = 8;
		break;
	default: return 0;
	}
	be16_put(p + 2, (uint16_t)(n - 4));
	return n;
}

/* INQUIRY: SPC-4 6.4; answered for any LUN. */
static void h_inquiry(struct scsi_lun *lun, struct scsi_cmd *c)
{
	const uint8_t *cdb = c->cdb;
	size_t len;

	if (cdb[1] & 0x02) { /* CMDDT, obsolete */
		bad_cdb(c, 1, 1);
		return;
	}
	if (!(cdb[1] & 0x01)) {
		if (cdb[2]) { /* a page code without EVPD (SPC-4 6.4.1) */
			bad_cdb(c, 2, 7);
			return;
		}
		len = inq_standard(lun, c->buf, c->lun != 0);
	} else if (c->lun != 0) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
		return;
	} else if (!(len = vpd_page(lun, cdb[2], c->buf))) {
		bad_cdb(c, 2, 7);
		return;
	}
	data_in(c, len, be16_get(cdb + 3));
}

/* READ CAPACITY (10): SBC-3 5.15 */
static void h_read_capacity10(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint64_t last = lun->blocks ? lun->blocks - 1 : 0;

	if (!(c->cdb[8] & 0x01) && be32_get(c->cdb + 2)) { /* an LBA without PMI */
		bad_cdb(c, 2, 7);
		return;
	}
	be32_put(c->buf, last > 0xfffffffe ? UINT32_MAX : (uint32_t)last);
	be32_put(c->buf + 4, lun->block_size);
	c->in_len = 8;
}

/* READ CAPACITY (16): SBC-3 5.16 */
static void h_read_capacity16(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint8_t *p = c->buf;

	memset(p, 0, 32);
	be64_put(p, lun->blocks ? lun->blocks - 1 : 0);
	be32_put(p + 8, lun->block_size);
	if (lun->thin)
		p[14] = 0x80 | 0x40; /* LBPME, LBPRZ */
	data_in(c, 32, be32_get(c->cdb + 10));
}

/* REPORT LUNS: SPC-4 6.33; one logical unit, LUN 0. */
static void h_report_luns(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint8_t sel = c->cdb[2];
	size_t n;

	(void)lun;
	if (sel > 0x02) {
		bad_cdb(c, 2, 7);
		return;
	}
	/* SELECT REPORT 01h asks for well-known LUs only, and there are none */
	n = sel == 0x01 ? 0 : 1;
	memset(c->buf, 0, 8 + 8 * n);
	be32_put(c->buf, (uint32_t)(8 * n));
	data_in(c, 8 + 8 * n, be32_get(c->cdb + 6));
}

static struct scsi_ua *ua_find(struct scsi_lun *lun, uint64_t nexus)
{
	size_t i;

	if (nexus == 0)
		return NULL;
	for (i = 0; i < SCSI_NEXUS_MAX; i++)
		if (lun->ua[i].nexus == nexus)
			return &lun->ua[i];
	return NULL;
}

/*
 * REQUEST SENSE: SPC-4 6.39.  Sense for the LU's pending unit attention
 * (cleared now), LOGICAL UNIT NOT SUPPORTED for a LUN that does not exist,
 * else NO SENSE; in descriptor format when DESC is set.
 */
static void h_request_sense(struct scsi_lun *lun, struct scsi_cmd *c)
{
	struct scsi_ua *ua = ua_find(lun, c->nexus);
	uint8_t key = SK_NO_SENSE, *p = c->buf;
	uint16_t asc = ASC_NONE;
	size_t len;

	if (c->lun != 0) {
		key = SK_ILLEGAL_REQUEST;
		asc = ASC_LUN_NOT_SUPPORTED;
	} else if (ua && ua->asc) {
		key = SK_UNIT_ATTENTION;
		asc = ua->asc;
		ua->asc = 0;
	}
	if (c->cdb[1] & 0x01) {
		len = 8; /* SPC-4 4.5.2 */
		memset(p, 0, len);
		p[0] = 0x72;
		p[1] = key;
		p[2] = (uint8_t)(asc >> 8);
		p[3] = (uint8_t)asc;
	} else {
		len = SENSE_FIXED_LEN;
		memset(p, 0, len);
		p[0] = 0x70;
		p[2] = key;
		p[7] = SENSE_FIXED_LEN - 8;
		p[12] = (uint8_t)(asc >> 8);
		p[13] = (uint8_t)asc;
	}
	data_in(c, len, c->cdb[4]);
}

/**
 * One mode page (SBC-3 6.4.1 caching, SPC-4 7.5.8 control, 7.5.11
 * informational exceptions control).  Nothing is changeable, so the
 * changeable values are all zero; default and current values are equal.
 *
 * @v lun	logical unit
 * @v code	page code
 * @v pc	page control
 * @v p		buffer for the page, at least 20 bytes
 * @ret len	page length, 0 for a page that does not exist
 */
static size_t mode_page(const struct scsi_lun *lun, uint8_t code, int pc, uint8_t *p)
{
	int cur = pc != PC_CHANGEABLE;

	(void)lun;
	switch (code) {
	case MP_CACHING:
		memset(p, 0, 20);
		p[0] = MP_CACHING;
		p[1] = 0x12;
		if (cur)
			p[2] = 0x04; /* WCE: writes complete before the flush (SBC-3 6.4.5) */
		return 20;
	case MP_CONTROL:
		memset(p, 0, 12);
		p[0] = MP_CONTROL;
		p[1] = 0x0a;
		if (cur) {
			p[3] = 0x10; /* QUEUE ALGORITHM MODIFIER 1: unrestricted reordering */
			be16_put(p + 8, 0xffff); /* BUSY TIMEOUT PERIOD: unlimited */
		}
		return 12;
	case MP_INFO_EXCEPT:
		memset(p, 0, 12);
		p[0] = MP_INFO_EXCEPT;
		p[1] = 0x0a;
		return 12;
	default: return 0;
	}
}

/* MODE SENSE (6), (10): SPC-4 6.11, 6.12 */
static void h_mode_sense(struct scsi_lun *lun, struct scsi_cmd *c)
{
	static const uint8_t all[] = {MP_CACHING, MP_CONTROL, MP_INFO_EXCEPT};
	const uint8_t *cdb = c->cdb;
	int ten = cdb[0] == OP_MODE_SENSE10;
	int dbd = (cdb[1] & 0x08) != 0, llba = ten && (cdb[1] & 0x10);
	int pc = cdb[2] >> 6;
	uint8_t page = cdb[2] & 0x3f, sub = cdb[3], *p = c->buf;
	size_t hdr = ten ? 8 : 4, bdl = dbd ? 0 : llba ? 16 : 8, len, i, n;

	if (pc == PC_SAVED) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED);
		return;
	}
	/* No subpages; 3Fh/FFh asks for all pages and subpages (SPC-4 6.11) */
	if (sub != 0 && !(page == MP_ALL && sub == 0xff)) {
		bad_cdb(c, 3, 7);
		return;
	}
	memset(p, 0, hdr + bdl);
	if (bdl && pc != PC_CHANGEABLE) { /* SBC-3 6.4.2 */
		uint64_t nb = lun->blocks;

		if (llba) {
			be64_put(p + hdr, nb);
			be32_put(p + hdr + 12, lun->block_size);
		} else {
			be32_put(p + hdr, nb > UINT32_MAX ? UINT32_MAX : (uint32_t)nb);
			be32_put(p + hdr + 4, lun->block_size & 0xffffff);
		}
	}
	len = hdr + bdl;
	if (page == MP_ALL) {
		for (i = 0; i < sizeof(all); i++)
			len += mode_page(lun, all[i], pc, p + len);
	} else if (!(n = mode_page(lun, page, pc, p + len))) {
		bad_cdb(c, 2, 5);
		return;
	} else {
		len += n;
	}
	/* Device-specific parameter: WP, DPOFUA (SBC-3 6.4.1) */
	if (ten) {
		be16_put(p, (uint16_t)(len - 2));
		p[3] = (lun->read_only ? 0x80 : 0) | 0x10;
		p[4] = llba && bdl ? 0x01 : 0;
		be16_put(p + 6, (uint16_t)bdl);
		data_in(c, len, be16_get(cdb + 7));
	} else {
		p[0] = (uint8_t)(len - 1);
		p[2] = (lun->read_only ? 0x80 : 0) | 0x10;
		p[3] = (uint8_t)bdl;
		data_in(c, len, cdb[4]);
	}
}

/* MODE SELECT (6), (10): SPC-4 6.9, 6.10; the data arrives in scsi_param_out. */
static void h_mode_select(struct scsi_lun *lun, struct scsi_cmd *c)
{
	int ten = c->cdb[0] == OP_MODE_SELECT10;
	uint32_t len = ten ? be16_get(c->cdb + 7) : c->cdb[4];

	(void)lun;
	if (c->cdb[1] & 0x01) { /* SP: no page is saveable */
		bad_cdb(c, 1, 0);
		return;
	}
	if (len == 0)
		return;
	if (len > SCSI_BUF_MIN) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
		return;
	}
	c->action = SCSI_A_PARAM;
	c->out_len = len;
}

/* The bit of the first difference between two bytes, for the field pointer. */
static unsigned diff_bit(uint8_t a, uint8_t b)
{
	unsigned bit = 7;
	uint8_t x = a ^ b;

	while (bit && !(x & 1u << bit))
		bit--;
	return bit;
}

/*
 * A MODE SELECT parameter list (SPC-4 7.5): accepted when it sets every
 * field to the value it has, since nothing here is changeable.
 */
static void mode_select(const struct scsi_lun *lun, struct scsi_cmd *c, const uint8_t *p,
                        size_t len)
{
	int ten = c->cdb[0] == OP_MODE_SELECT10;
	size_t hdr = ten ? 8 : 4, bdl, off;
	uint8_t cur[32];

	if (len < hdr)
		goto err_length;
	if (p[ten ? 2 : 1]) { /* MEDIUM TYPE */
		bad_field(c, 0, ten ? 2 : 1, 7);
		return;
	}
	bdl = ten ? be16_get(p + 6) : p[3];
	if (bdl > len - hdr)
		goto err_length;
	if (bdl) {
		int llba = ten && (p[4] & 0x01);
		const uint8_t *b = p + hdr;
		uint64_t nb, want = llba || lun->blocks <= UINT32_MAX ? lun->blocks : UINT32_MAX;
		uint32_t bl;

		if (bdl != (llba ? 16u : 8u)) {
			bad_field(c, 0, ten ? 6 : 3, 7);
			return;
		}
		nb = llba ? be64_get(b) : be32_get(b);
		bl = llba ? be32_get(b + 12) : be32_get(b + 4) & 0xffffff;
		/* SBC-3 6.4.2: zero blocks keeps the capacity; the block size is fixed */
		if ((nb != 0 && nb != want) || (!llba && b[4]) || bl != lun->block_size) {
			bad_field(c, 0, hdr, 7);
			return;
		}
	}
	for (off = hdr + bdl; off < len;) {
		size_t plen, i;

		if (len - off < 2)
			goto err_length;
		if (p[off] & 0x40) { /* SPF: no subpages */
			bad_field(c, 0, off, 6);
			return;
		}
		plen = (size_t)p[off + 1] + 2;
		if (plen > len - off)
			goto err_length;
		if (!mode_page(lun, p[off] & 0x3f, PC_CURRENT, cur)) {
			bad_field(c, 0, off, 5);
			return;
		}
		if (plen != (size_t)cur[1] + 2) {
			bad_field(c, 0, off + 1, 7);
			return;
		}
		for (i = 2; i < plen; i++) {
			if (p[off + i] != cur[i]) {
				bad_field(c, 0, off + i, diff_bit(p[off + i], cur[i]));
				return;
			}
		}
		off += plen;
	}
	return;

err_length:
	scsi_check(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
}

void scsi_param_out(struct scsi_lun *lun, struct scsi_cmd *c, const uint8_t *param, size_t len)
{
	c->status = SCSI_GOOD;
	c->action = SCSI_A_DONE;
	c->in_len = 0;
	switch (c->cdb[0]) {
	case OP_PR_OUT: scsi_pr_out(lun, c, param, len); break;
	case OP_MODE_SELECT6:
	case OP_MODE_SELECT10: mode_select(lun, c, param, len); break;
	default: scsi_check(c, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE); break;
	}
}

/* START STOP UNIT: SBC-3 5.20.  The medium is not removable: no eject. */
static void h_start_stop(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint8_t b4 = c->cdb[4];

	(void)lun;
	/* POWER CONDITION 0 (START_VALID), LOEJ set, START clear: unload */
	if ((b4 & 0xf0) == 0 && (b4 & 0x03) == 0x02)
		bad_cdb(c, 4, 1);
}

/* PREVENT ALLOW MEDIUM REMOVAL: SBC-3 5.5; RMB is zero, nothing to prevent. */
static void h_prevent_allow(struct scsi_lun *lun, struct scsi_cmd *c)
{
	(void)lun;
	if (c->cdb[4] & 0x03)
		bad_cdb(c, 4, 1);
}

static void h_good(struct scsi_lun *lun, struct scsi_cmd *c)
{
	(void)lun;
	(void)c;
}

static void h_pr_in(struct scsi_lun *lun, struct scsi_cmd *c)
{
	scsi_pr_in(lun, c);
}

/* PERSISTENT RESERVE OUT: SPC-4 6.16; the parameter list goes to scsi_pr_out. */
static void h_pr_out(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint32_t len = be32_get(c->cdb + 5);

	(void)lun;
	if (len > SCSI_BUF_MIN) {
		scsi_check(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
		return;
	}
	c->action = SCSI_A_PARAM;
	c->out_len = len;
}

static void h_reserve(struct scsi_lun *lun, struct scsi_cmd *c)
{
	scsi_pr_reserve6(lun, c);
}

static void h_release(struct scsi_lun *lun, struct scsi_cmd *c)
{
	scsi_pr_release6(lun, c);
}

static void h_rsoc(struct scsi_lun *lun, struct scsi_cmd *c);

/*
 * The commands, sorted by operation code and service action.  usage[] is
 * the CDB usage data of SPC-4 6.35.3: the operation code, the service
 * action in its place, and elsewhere a mask of the bits this file reads.
 * DPO and FUA are accepted (DPOFUA is set in MODE SENSE), so they are in
 * the masks (libiscsi's DpoFua tests compare the two).
 */
struct op_def {
	uint8_t op;
	uint8_t sa;
	uint8_t has_sa;
	uint8_t thin; /* offered only when the LU is thin */
	uint8_t len;
	uint8_t usage[16];
	void (*fn)(struct scsi_lun *, struct scsi_cmd *);
};

#define LBA4 0xff, 0xff, 0xff, 0xff
#define LBA8 LBA4, LBA4
/* A command: its CDB length, handler and usage data after the operation code. */
#define CMD(o, l, f, ...)                                                                          \
	{                                                                                          \
		.op = (o), .len = (l), .usage = {(o), __VA_ARGS__}, .fn = (f)                      \
	}
/* A service action: the same, with the action in byte 1. */
#define CMD_SA(o, s, l, f, ...)                                                                    \
	{                                                                                          \
		.op = (o), .sa = (s), .has_sa = 1, .len = (l), .usage = {(o), (s), __VA_ARGS__},   \
		.fn = (f)                                                                          \
	}
#define PR_IN(s)  CMD_SA(OP_PR_IN, s, 10, h_pr_in, 0, 0, 0, 0, 0, 0xff, 0xff, 0)
#define PR_OUT(s) CMD_SA(OP_PR_OUT, s, 10, h_pr_out, 0xff, 0, 0, LBA4, 0)

static const struct op_def ops[] = {
        CMD(OP_TEST_UNIT_READY, 6, h_good, 0, 0, 0, 0, 0),
        CMD(OP_REQUEST_SENSE, 6, h_request_sense, 0x01, 0, 0, 0xff, 0),
        CMD(OP_READ6, 6, h_read, 0x1f, 0xff, 0xff, 0xff, 0),
        CMD(OP_WRITE6, 6, h_write, 0x1f, 0xff, 0xff, 0xff, 0),
        CMD(OP_INQUIRY, 6, h_inquiry, 0x03, 0xff, 0xff, 0xff, 0),
        CMD(OP_MODE_SELECT6, 6, h_mode_select, 0x11, 0, 0, 0xff, 0),
        CMD(OP_RESERVE6, 6, h_reserve, 0, 0, 0, 0, 0),
        CMD(OP_RELEASE6, 6, h_release, 0, 0, 0, 0, 0),
        CMD(OP_MODE_SENSE6, 6, h_mode_sense, 0x08, 0xff, 0xff, 0xff, 0),
        CMD(OP_START_STOP_UNIT, 6, h_start_stop, 0, 0, 0, 0xf3, 0),
        CMD(OP_PREVENT_ALLOW, 6, h_prevent_allow, 0, 0, 0, 0x03, 0),
        CMD(OP_READ_CAPACITY10, 10, h_read_capacity10, 0, LBA4, 0, 0, 0x01, 0),
        CMD(OP_READ10, 10, h_read, 0xf8, LBA4, 0, 0xff, 0xff, 0),
        CMD(OP_WRITE10, 10, h_write, 0xf8, LBA4, 0, 0xff, 0xff, 0),
        CMD(OP_WRITE_VERIFY10, 10, h_write, 0xf6, LBA4, 0, 0xff, 0xff, 0),
        CMD(OP_VERIFY10, 10, h_verify, 0xf6, LBA4, 0, 0xff, 0xff, 0),
        CMD(OP_PRE_FETCH10, 10, h_prefetch, 0, LBA4, 0, 0xff, 0xff, 0),
        CMD(OP_SYNC_CACHE10, 10, h_sync, 0, LBA4, 0, 0xff, 0xff, 0),
        CMD(OP_WRITE_SAME10, 10, h_write_same, 0xff, LBA4, 0, 0xff, 0xff, 0),
        {.op = OP_UNMAP,
         .thin = 1,
         .len = 10,
         .usage = {OP_UNMAP, 0x01, 0, 0, 0, 0, 0, 0xff, 0xff, 0},
         .fn = h_unmap},
        CMD(OP_MODE_SELECT10, 10, h_mode_select, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, 0),
        CMD(OP_RESERVE10, 10, h_reserve, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        CMD(OP_RELEASE10, 10, h_release, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        CMD(OP_MODE_SENSE10, 10, h_mode_sense, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0),
        PR_IN(0x00),  /* READ KEYS */
        PR_IN(0x01),  /* READ RESERVATION */
        PR_IN(0x02),  /* REPORT CAPABILITIES */
        PR_IN(0x03),  /* READ FULL STATUS */
        PR_OUT(0x00), /* REGISTER */
        PR_OUT(0x01), /* RESERVE */
        PR_OUT(0x02), /* RELEASE */
        PR_OUT(0x03), /* CLEAR */
        PR_OUT(0x04), /* PREEMPT */
        PR_OUT(0x05), /* PREEMPT AND ABORT */
        PR_OUT(0x06), /* REGISTER AND IGNORE EXISTING KEY */
        CMD(OP_READ16, 16, h_read, 0xf8, LBA8, LBA4, 0, 0),
        CMD(OP_COMPARE_AND_WRITE, 16, h_caw, 0xf8, LBA8, 0, 0, 0, 0xff, 0, 0),
        CMD(OP_WRITE16, 16, h_write, 0xf8, LBA8, LBA4, 0, 0),
        CMD(OP_ORWRITE16, 16, h_orwrite, 0xf8, LBA8, LBA4, 0, 0),
        CMD(OP_WRITE_VERIFY16, 16, h_write, 0xf6, LBA8, LBA4, 0, 0),
        CMD(OP_VERIFY16, 16, h_verify, 0xf6, LBA8, LBA4, 0, 0),
        CMD(OP_PRE_FETCH16, 16, h_prefetch, 0, LBA8, LBA4, 0, 0),
        CMD(OP_SYNC_CACHE16, 16, h_sync, 0, LBA8, LBA4, 0, 0),
        CMD(OP_WRITE_SAME16, 16, h_write_same, 0xff, LBA8, LBA4, 0, 0),
        CMD_SA(OP_SERVICE_ACTION_IN16, SA_READ_CAPACITY16, 16, h_read_capacity16, 0, 0, 0, 0, 0, 0,
               0, 0, LBA4, 0, 0),
        CMD_SA(OP_SERVICE_ACTION_IN16, SA_GET_LBA_STATUS, 16, h_get_lba_status, LBA8, LBA4, 0, 0),
        CMD(OP_REPORT_LUNS, 12, h_report_luns, 0, 0xff, 0, 0, 0, LBA4, 0, 0),
        CMD_SA(OP_MAINTENANCE_IN, SA_REPORT_OPCODES, 12, h_rsoc, 0x87, 0xff, 0xff, 0xff, LBA4, 0,
               0),
        CMD(OP_READ12, 12, h_read, 0xf8, LBA4, LBA4, 0, 0),
        CMD(OP_WRITE12, 12, h_write, 0xf8, LBA4, LBA4, 0, 0),
        CMD(OP_WRITE_VERIFY12, 12, h_write, 0xf6, LBA4, LBA4, 0, 0),
        CMD(OP_VERIFY12, 12, h_verify, 0xf6, LBA4, LBA4, 0, 0),
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* Whether @p op is a command with service actions. */
static int op_has_sa(uint8_t op)
{
	size_t i;

	for (i = 0; i < NOPS; i++)
		if (ops[i].op == op)
			return ops[i].has_sa;
	return 0;
}

/* The entry for @p op (and @p sa if it has service actions) this LU offers, or NULL. */
static const struct op_def *op_find(const struct scsi_lun *lun, uint8_t op, uint16_t sa)
{
	size_t i;

	for (i = 0; i < NOPS; i++) {
		const struct op_def *d = &ops[i];

		if (d->op == op && (!d->has_sa || d->sa == sa))
			return d->thin && !lun->thin ? NULL : d;
	}
	return NULL;
}

/* Command timeouts descriptor (SPC-4 6.35.4): unspecified nominal time. */
static size_t put_timeouts(uint8_t *p)
{
	memset(p, 0, 12);
	be16_put(p, 0x0a);
	be32_put(p + 8, TIMEOUT_REC);
	return 12;
}

/* REPORT SUPPORTED OPERATION CODES: SPC-4 6.35 */
static void h_rsoc(struct scsi_lun *lun, struct scsi_cmd *c)
{
	const uint8_t *cdb = c->cdb;
	int rctd = (cdb[2] & 0x80) != 0, opt = cdb[2] & 0x07;
	uint8_t rop = cdb[3], *p = c->buf;
	const struct op_def *d;
	size_t i, len;

	if (opt == 0) { /* all commands (SPC-4 6.35.2) */
		len = 4;
		for (i = 0; i < NOPS; i++) {
			d = &ops[i];
			if (d->thin && !lun->thin)
				continue;
			memset(p + len, 0, 8);
			p[len] = d->op;
			be16_put(p + len + 2, d->sa);
			p[len + 5] = (uint8_t)((rctd ? 0x02 : 0) | (d->has_sa ? 0x01 : 0));
			be16_put(p + len + 6, d->len);
			len += 8;
			if (rctd)
				len += put_timeouts(p + len);
		}
		be32_put(p, (uint32_t)(len - 4));
		data_in(c, len, be32_get(cdb + 6));
		return;
	}
	/*
	 * One command (SPC-4 6.35.3): option 1 names an operation code without
	 * service actions, 2 one with, 3 either.
	 */
	if (opt > 3 || (opt == 1 && op_has_sa(rop)) || (opt == 2 && !op_has_sa(rop))) {
		bad_cdb(c, 2, 2);
		return;
	}
	d = op_find(lun, rop, op_has_sa(rop) ? be16_get(cdb + 4) : 0);
	memset(p, 0, 4);
	len = 4;
	if (!d) {
		p[1] = 0x01; /* SUPPORT 001b: not supported */
	} else {
		p[1] = (uint8_t)((rctd ? 0x80 : 0) | 0x03); /* SUPPORT 011b: as standard */
		be16_put(p + 2, d->len);
		memcpy(p + 4, d->usage, d->len);
		len += d->len;
		if (rctd)
			len += put_timeouts(p + len);
	}
	data_in(c, len, be32_get(cdb + 6));
}

static void cmd_reset(struct scsi_cmd *c)
{
	c->action = SCSI_A_DONE;
	c->lba = 0;
	c->nblocks = 0;
	c->out_len = 0;
	c->in_len = 0;
	c->bytchk = c->fua = c->unmap = c->ndob = c->anchor = 0;
	c->status = SCSI_GOOD;
	memset(c->sense, 0, sizeof(c->sense));
	c->sense_len = 0;
}

void scsi_exec(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint8_t op = c->cdb[0];
	const struct op_def *d;
	struct scsi_ua *ua;

	cmd_reset(c);
	/* SPC-4 6.4.2, 6.33, 6.39: what a LUN without a logical unit answers */
	if (c->lun != 0) {
		switch (op) {
		case OP_INQUIRY: h_inquiry(lun, c); break;
		case OP_REPORT_LUNS: h_report_luns(lun, c); break;
		case OP_REQUEST_SENSE: h_request_sense(lun, c); break;
		default: scsi_check(c, SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED); break;
		}
		return;
	}
	/* SAM-5 5.14: a unit attention is reported once, but not to these three */
	ua = ua_find(lun, c->nexus);
	if (ua && ua->asc && op != OP_INQUIRY && op != OP_REPORT_LUNS && op != OP_REQUEST_SENSE) {
		scsi_check(c, SK_UNIT_ATTENTION, ua->asc);
		ua->asc = 0;
		return;
	}
	if (scsi_pr_conflict(lun, c->nexus, c->cdb)) {
		c->status = SCSI_RESERVATION_CONFLICT;
		return;
	}
	d = op_find(lun, op, c->cdb[1] & SA_MASK);
	if (!d) {
		/* An unknown service action is a field of a known command (SPC-4 4.2.5.1) */
		if (op_has_sa(op))
			bad_cdb(c, 1, 4);
		else
			scsi_check(c, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
		return;
	}
	d->fn(lun, c);
}

void scsi_nexus_add(struct scsi_lun *lun, uint64_t nexus)
{
	struct scsi_ua *ua;
	size_t i;

	if (nexus == 0 || ua_find(lun, nexus))
		return;
	for (i = 0; i < SCSI_NEXUS_MAX; i++) {
		ua = &lun->ua[i];
		if (ua->nexus == 0) {
			ua->nexus = nexus;
			/* SAM-5 6.3.2: a new I_T nexus sees the reset it has not heard of */
			ua->asc = ASC_POWER_ON_RESET;
			return;
		}
	}
}

void scsi_nexus_remove(struct scsi_lun *lun, uint64_t nexus)
{
	struct scsi_ua *ua = ua_find(lun, nexus);

	if (ua) {
		ua->nexus = 0;
		ua->asc = 0;
	}
	/* SPC-2 5.5.1: an I_T nexus loss releases its reservation */
	if (nexus != 0)
		scsi_pr_nexus_gone(&lun->pr, nexus);
}

void scsi_ua_raise(struct scsi_lun *lun, uint64_t except, uint16_t asc)
{
	size_t i;

	for (i = 0; i < SCSI_NEXUS_MAX; i++)
		if (lun->ua[i].nexus != 0 && (except == 0 || lun->ua[i].nexus != except))
			lun->ua[i].asc = asc;
}

void scsi_ua_raise_one(struct scsi_lun *lun, uint64_t nexus, uint16_t asc)
{
	struct scsi_ua *ua = ua_find(lun, nexus);

	if (ua)
		ua->asc = asc;
}

void scsi_lun_reset(struct scsi_lun *lun, uint64_t from)
{
	scsi_pr_reset(&lun->pr, 0);
	scsi_ua_raise(lun, from, ASC_BUS_DEVICE_RESET);
}
