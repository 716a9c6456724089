/* SPDX-License-Identifier: MIT */
/*
 * test_scsi.c - the SCSI block device against an in-memory volume.  A tiny
 * executor plays the transport: it calls scsi_exec, performs the returned
 * action on an array of blocks (with a map of which are allocated, for
 * UNMAP and GET LBA STATUS) and finishes the command with the helpers of
 * scsi.h, so reads, writes, compares and discards are checked end to end.
 * Error classes are a table of CDBs, each row carrying its line; every
 * failed or zero-length command must leave the volume untouched.  Built
 * data (INQUIRY, VPD, MODE SENSE, REPORT SUPPORTED OPERATION CODES, ...) is
 * checked byte by byte where libiscsi's iscsi-test-cu looks at it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scsi/scsi.h"

#define BS      512u
#define NBLK    1024u
#define MAXXFER 256u
#define NEXUS_A 0x1001u
#define NEXUS_B 0x1002u

/* The volume and the transport's buffers. */
struct dev {
	struct scsi_lun lun;
	uint8_t *disk;
	uint8_t mapped[NBLK];
	uint8_t *in; /* Data-In as the initiator would see it */
	size_t in_len;
	uint8_t buf[SCSI_BUF_MIN];
	struct scsi_cmd c;
	uint8_t cdb[16];
	uint64_t lunno, nexus;
	uint32_t edtl;
	unsigned touched; /* volume accesses */
	unsigned flushes;
};

static struct dev *dev_new(int thin, int ro)
{
	struct dev *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->disk = calloc(NBLK, BS);
	d->in = calloc(1, MAXXFER * BS + SCSI_BUF_MIN);
	assert_non_null(d->disk);
	assert_non_null(d->in);
	memset(d->mapped, 1, sizeof(d->mapped));
	d->lun.blocks = NBLK;
	d->lun.block_size = BS;
	d->lun.thin = thin;
	d->lun.read_only = ro;
	d->lun.max_xfer_blocks = MAXXFER;
	d->lun.opt_xfer_blocks = 128;
	d->lun.max_unmap_blocks = 512;
	d->lun.max_ws_blocks = 512;
	d->lun.id = 0x0123456789abcdefull;
	strcpy(d->lun.serial, "rb-vol0");
	strcpy(d->lun.vendor, "RACKBOOT");
	strcpy(d->lun.product, "vol0");
	strcpy(d->lun.revision, "0.1");
	d->lun.rel_port = 1;
	d->lun.tpg = 7;
	d->nexus = NEXUS_A;
	return d;
}

static void dev_free(struct dev *d)
{
	free(d->disk);
	free(d->in);
	free(d);
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void discard(struct dev *d, uint64_t lba, uint64_t n)
{
	assert_true(lba + n <= NBLK);
	memset(d->disk + lba * BS, 0, n * BS);
	memset(d->mapped + lba, 0, n);
	d->touched++;
}

static void store(struct dev *d, uint64_t lba, const uint8_t *p, uint64_t n)
{
	assert_true(lba + n <= NBLK);
	memcpy(d->disk + lba * BS, p, n * BS);
	memset(d->mapped + lba, 1, n);
	d->touched++;
}

/* GET LBA STATUS: runs of the allocation map from c->lba. */
static void lba_status(struct dev *d)
{
	struct scsi_lba_desc desc[64];
	uint64_t lba = d->c.lba;
	size_t n = 0;

	while (lba < NBLK && n < 64) {
		uint64_t end = lba;

		while (end < NBLK && d->mapped[end] == d->mapped[lba])
			end++;
		desc[n].lba = lba;
		desc[n].nblocks = (uint32_t)(end - lba);
		desc[n].status = d->mapped[lba] ? 0 : 1;
		n++;
		lba = end;
	}
	scsi_lba_status(&d->c, desc, n);
}

/**
 * Run one command as the transport would.
 *
 * @v d		device
 * @v out	Data-Out the initiator sends, at least c.out_len bytes
 * @v out_len	its length
 */
static void run(struct dev *d, const uint8_t *out, size_t out_len)
{
	struct scsi_cmd *c = &d->c;
	struct scsi_extent ext[SCSI_UNMAP_DESC_MAX];
	uint64_t i, j;
	int n;

	memset(c, 0xa5, sizeof(*c)); /* scsi_exec must set every output */
	c->cdb = d->cdb;
	c->lun = d->lunno;
	c->nexus = d->nexus;
	c->port = "iqn.2024-01.test:init,i,0x1";
	c->edtl = d->edtl;
	c->buf = d->buf;
	c->cap = sizeof(d->buf);
	scsi_exec(&d->lun, c);
	d->in_len = 0;
	assert_true(out_len >= c->out_len);
	switch (c->action) {
	case SCSI_A_DONE: break;
	case SCSI_A_READ:
		assert_int_equal(c->in_len, c->nblocks * BS);
		memcpy(d->in, d->disk + c->lba * BS, c->nblocks * BS);
		d->in_len = c->nblocks * BS;
		d->touched++;
		return;
	case SCSI_A_WRITE: store(d, c->lba, out, c->nblocks); break;
	case SCSI_A_VERIFY:
		d->touched++;
		for (i = 0; i < (uint64_t)c->nblocks * BS; i++) {
			uint8_t want = c->bytchk == 3 ? out[i % BS] : out[i];

			if (d->disk[c->lba * BS + i] != want) {
				scsi_miscompare(c, i);
				break;
			}
		}
		break;
	case SCSI_A_ORWRITE:
		for (i = 0; i < (uint64_t)c->nblocks * BS; i++)
			d->disk[c->lba * BS + i] |= out[i];
		memset(d->mapped + c->lba, 1, c->nblocks);
		d->touched++;
		break;
	case SCSI_A_CAW:
		assert_int_equal(c->out_len, 2 * c->nblocks * BS);
		d->touched++;
		for (i = 0; i < (uint64_t)c->nblocks * BS; i++) {
			if (d->disk[c->lba * BS + i] != out[i]) {
				scsi_miscompare(c, i);
				break;
			}
		}
		if (c->status == SCSI_GOOD)
			store(d, c->lba, out + c->nblocks * BS, c->nblocks);
		break;
	case SCSI_A_WRITE_SAME:
		if (c->unmap && (c->ndob || all_zero(out, BS))) {
			discard(d, c->lba, c->nblocks);
			break;
		}
		for (j = 0; j < c->nblocks; j++) {
			if (c->ndob)
				memset(d->disk + (c->lba + j) * BS, 0, BS);
			else
				memcpy(d->disk + (c->lba + j) * BS, out, BS);
			d->mapped[c->lba + j] = 1;
		}
		d->touched++;
		break;
	case SCSI_A_FLUSH: d->flushes++; break;
	case SCSI_A_UNMAP:
		n = scsi_unmap_parse(&d->lun, c, out, c->out_len, ext, SCSI_UNMAP_DESC_MAX);
		for (i = 0; n > 0 && i < (uint64_t)n; i++)
			discard(d, ext[i].lba, ext[i].nblocks);
		break;
	case SCSI_A_LBA_STATUS: lba_status(d); break;
	case SCSI_A_PARAM: scsi_param_out(&d->lun, c, out, c->out_len); break;
	default: fail_msg("action %d", c->action);
	}
	assert_true(c->in_len <= c->cap);
	memcpy(d->in, c->buf, c->in_len);
	d->in_len = c->in_len;
}

/* CDB builders; any field not named is zero. */
static void cdb6(struct dev *d, uint8_t op, uint8_t b1, uint32_t lba, uint8_t n)
{
	memset(d->cdb, 0, 16);
	d->cdb[0] = op;
	d->cdb[1] = (uint8_t)(b1 | ((lba >> 16) & 0x1f));
	d->cdb[2] = (uint8_t)(lba >> 8);
	d->cdb[3] = (uint8_t)lba;
	d->cdb[4] = n;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static void cdb10(struct dev *d, uint8_t op, uint8_t b1, uint32_t lba, uint16_t n)
{
	memset(d->cdb, 0, 16);
	d->cdb[0] = op;
	d->cdb[1] = b1;
	put_be(d->cdb + 2, lba, 4);
	put_be(d->cdb + 7, n, 2);
}

static void cdb12(struct dev *d, uint8_t op, uint8_t b1, uint32_t lba, uint32_t n)
{
	memset(d->cdb, 0, 16);
	d->cdb[0] = op;
	d->cdb[1] = b1;
	put_be(d->cdb + 2, lba, 4);
	put_be(d->cdb + 6, n, 4);
}

static void cdb16(struct dev *d, uint8_t op, uint8_t b1, uint64_t lba, uint32_t n)
{
	memset(d->cdb, 0, 16);
	d->cdb[0] = op;
	d->cdb[1] = b1;
	put_be(d->cdb + 2, lba, 8);
	put_be(d->cdb + 10, n, 4);
}

static void cdb_raw(struct dev *d, const uint8_t *b, size_t n)
{
	memset(d->cdb, 0, 16);
	memcpy(d->cdb, b, n);
}

#define RAW(d, ...)                                                                                \
	do {                                                                                       \
		static const uint8_t raw_[] = {__VA_ARGS__};                                       \
		cdb_raw((d), raw_, sizeof(raw_));                                                  \
	} while (0)

/* The command ended with CHECK CONDITION and this sense, in fixed format. */
static void check_sense_at(const struct dev *d, uint8_t key, uint16_t asc, int line)
{
	const struct scsi_cmd *c = &d->c;

	if (c->status != SCSI_CHECK_CONDITION)
		fail_msg("line %d: status 0x%02x, want CHECK CONDITION", line, c->status);
	if (c->sense_len != 18 || (c->sense[0] & 0x7f) != 0x70 || c->sense[7] != 10)
		fail_msg("line %d: not 18 bytes of fixed-format sense", line);
	if ((c->sense[2] & 0x0f) != key || (c->sense[12] << 8 | c->sense[13]) != asc)
		fail_msg("line %d: sense %x/%02x%02x, want %x/%04x", line, c->sense[2] & 0x0f,
		         c->sense[12], c->sense[13], key, asc);
	if (c->action != SCSI_A_DONE || c->in_len != 0)
		fail_msg("line %d: an error with an action or data", line);
	/* Invalid fields carry a field pointer, so libiscsi does not read "not implemented" */
	if ((asc == ASC_INVALID_FIELD_CDB || asc == ASC_INVALID_FIELD_PARAM) &&
	    (!(c->sense[15] & 0x80) ||
	     ((c->sense[15] & 0x40) != 0) != (asc == ASC_INVALID_FIELD_CDB)))
		fail_msg("line %d: no field pointer", line);
}

#define check_sense(d, key, asc) check_sense_at((d), (key), (asc), __LINE__)

static void check_good_at(const struct dev *d, int line)
{
	if (d->c.status != SCSI_GOOD || d->c.sense_len != 0)
		fail_msg("line %d: status 0x%02x sense %x/%02x%02x, want GOOD", line, d->c.status,
		         d->c.sense[2], d->c.sense[12], d->c.sense[13]);
}

#define check_good(d) check_good_at((d), __LINE__)

/* A pattern that differs per block and per byte. */
static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7 + i / BS);
}

/*
 * Errors and edge cases of every class.  Each row: a CDB, the device, and
 * the expected outcome; the volume must never be touched.
 */
struct err_vec {
	int line;
	uint8_t cdb[16];
	int thin, ro;
	uint64_t lunno;
	uint8_t status;
	uint8_t key;
	uint16_t asc;
	uint16_t field; /* with asc INVALID FIELD IN CDB: the pointer, +1 (0: unchecked) */
};

#define CC(k, a)  .status = SCSI_CHECK_CONDITION, .key = (k), .asc = (a)
#define BADCDB(f) CC(SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB), .field = (f) + 1
#define OOB       CC(SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE)
#define WP        CC(SK_DATA_PROTECT, ASC_WRITE_PROTECTED)
#define GOOD      .status = SCSI_GOOD

static const struct err_vec err_vecs[] = {
        /* SPC-4 4.2.5.1: unknown operation codes and service actions */
        {__LINE__, {0x02}, CC(SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE)},
        {__LINE__, {0x3c}, CC(SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE)}, /* READ BUFFER */
        {__LINE__, {0x42, 0, 0, 0, 0, 0, 0, 0, 24}, CC(SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE)},
        {__LINE__, {0x9e, 0x1f}, BADCDB(1)},
        {__LINE__, {0xa3, 0x0a}, BADCDB(1)}, /* REPORT TARGET PORT GROUPS */
        {__LINE__, {0x5e, 0x09}, BADCDB(1)},
        /* Only LUN 0 exists */
        {__LINE__, {0x00}, .lunno = 1, CC(SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED)},
        {__LINE__,
         {0x28, 0, 0, 0, 0, 0, 0, 0, 1},
         .lunno = 5,
         CC(SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED)},
        {__LINE__,
         {0x12, 0x01, 0x80, 0, 255},
         .lunno = 1,
         CC(SK_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED)},
        /* READ: protection, transfer length, range (SBC-3 4.5, 5.11) */
        {__LINE__, {0x28, 0x20, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x28, 0xe0, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x28, 0x18, 0, 0, 0, 0, 0, 0, 0}, GOOD}, /* DPO FUA accepted */
        {__LINE__, {0x28, 0, 0, 0, 0x03, 0xff, 0, 0, 2}, OOB},
        {__LINE__, {0x28, 0, 0, 0, 0x04, 0x00, 0, 0, 1}, OOB},
        {__LINE__, {0x28, 0, 0, 0, 0x04, 0x00, 0, 0, 0}, GOOD}, /* zero blocks at the end */
        {__LINE__, {0x28, 0, 0, 0, 0x04, 0x01, 0, 0, 0}, OOB},  /* ... one past it */
        {__LINE__, {0x28, 0, 0x80, 0, 0, 0, 0, 0, 0}, OOB},
        {__LINE__, {0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1}, OOB},
        {__LINE__, {0x28, 0, 0, 0, 0, 0, 0, 0x01, 0x01}, BADCDB(7)}, /* 257 > max */
        {__LINE__, {0xa8, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01}, BADCDB(6)},
        {__LINE__, {0x88, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, OOB},
        {__LINE__, {0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, OOB},
        {__LINE__, {0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, BADCDB(10)},
        {__LINE__, {0x08, 0, 0x03, 0xff, 0}, OOB}, /* READ(6) 0 means 256 */
        {__LINE__, {0x08, 0x1f, 0xff, 0xff, 1}, OOB},
        /* WRITE, WRITE AND VERIFY */
        {__LINE__, {0x2a, 0x40, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x2a, 0, 0, 0, 0x04, 0, 0, 0, 1}, OOB},
        {__LINE__, {0x2a, 0, 0, 0, 0, 0, 0, 0, 1}, .ro = 1, WP},
        {__LINE__, {0x0a, 0, 0, 0, 1}, .ro = 1, WP},
        {__LINE__, {0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 1}, .ro = 1, WP},
        {__LINE__, {0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, .ro = 1, WP},
        {__LINE__, {0x2a, 0, 0, 0, 0, 0, 0, 0, 0}, .ro = 1, GOOD}, /* writes nothing */
        {__LINE__, {0x2e, 0x04, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},  /* BYTCHK 10b */
        {__LINE__, {0x2e, 0, 0, 0, 0, 0, 0, 0, 1}, .ro = 1, WP},
        {__LINE__, {0x8e, 0, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 1}, OOB},
        /* VERIFY */
        {__LINE__, {0x2f, 0x04, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x2f, 0x22, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x2f, 0x02, 0, 0, 0x04, 0, 0, 0, 1}, OOB},
        {__LINE__, {0x2f, 0x00, 0, 0, 0x03, 0xff, 0, 0x10, 0}, OOB},
        {__LINE__, {0x2f, 0x00, 0, 0, 0, 0, 0, 0, 0x10}, GOOD}, /* BYTCHK 0: no transfer */
        {__LINE__, {0xaf, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x01}, BADCDB(6)},
        /* ORWRITE, COMPARE AND WRITE */
        {__LINE__, {0x8b, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, .ro = 1, WP},
        {__LINE__, {0x8b, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, OOB},
        {__LINE__, {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200}, BADCDB(13)},
        {__LINE__, {0x89, 0, 0, 0, 0, 0, 0, 0, 0x03, 0xff, 0, 0, 0, 2}, OOB},
        {__LINE__, {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, .ro = 1, WP},
        {__LINE__, {0x89, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, GOOD},
        /* WRITE SAME: 0 blocks (to the end: over max_ws_blocks here), ANCHOR,
         * UNMAP without thin, limits (SBC-3 5.41) */
        {__LINE__, {0x41, 0, 0, 0, 0, 0, 0, 0, 0}, BADCDB(7)},
        {__LINE__, {0x41, 0, 0, 0, 0x04, 0x01, 0, 0, 0}, OOB},
        {__LINE__, {0x41, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0}, OOB},
        {__LINE__, {0x41, 0x08, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x41, 0x10, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x41, 0x18, 0, 0, 0, 0, 0, 0, 1}, .thin = 1, BADCDB(1)},
        {__LINE__, {0x41, 0x02, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)}, /* LBDATA */
        {__LINE__, {0x41, 0x20, 0, 0, 0, 0, 0, 0, 1}, BADCDB(1)},
        {__LINE__, {0x41, 0, 0, 0, 0, 0, 0, 0, 1}, .ro = 1, WP},
        {__LINE__, {0x93, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01}, BADCDB(10)},
        {__LINE__, {0x93, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, OOB},
        /* UNMAP (thin only) */
        {__LINE__, {0x42, 0, 0, 0, 0, 0, 0, 0, 24}, .thin = 1, .ro = 1, WP},
        {__LINE__, {0x42, 0x01, 0, 0, 0, 0, 0, 0, 24}, .thin = 1, BADCDB(1)},
        {__LINE__, {0x42, 0, 0, 0, 0, 0, 0, 0, 0}, .thin = 1, GOOD},
        {__LINE__,
         {0x42, 0, 0, 0, 0, 0, 0, 0xff, 0xff},
         .thin = 1,
         CC(SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH)},
        /* GET LBA STATUS: SBC-3 5.8 */
        {__LINE__, {0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0x04, 0x00, 0, 0, 0, 24}, .thin = 1, OOB},
        {__LINE__, {0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0x04, 0x01, 0, 0, 0, 24}, OOB},
        {__LINE__, {0x9e, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 24}, OOB},
        /* PRE-FETCH, SYNCHRONIZE CACHE */
        {__LINE__, {0x34, 0x02, 0, 0, 0, 0, 0x03, 0, 1}, GOOD},
        {__LINE__, {0x34, 0, 0, 0, 0x04, 0x01, 0, 0, 0}, OOB},
        {__LINE__, {0x90, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, OOB},
        {__LINE__, {0x35, 0, 0, 0, 0x04, 0x01, 0, 0, 0}, OOB},
        {__LINE__, {0x91, 0, 0, 0, 0, 0, 0, 0, 0x03, 0xff, 0, 0, 0, 2}, OOB},
        /* INQUIRY (SPC-4 6.4) */
        {__LINE__, {0x12, 0, 0x80, 0, 255}, BADCDB(2)},
        {__LINE__, {0x12, 0x02, 0, 0, 255}, BADCDB(1)},
        {__LINE__, {0x12, 0x01, 0x99, 0, 255}, BADCDB(2)},
        {__LINE__, {0x12, 0x01, 0xb2, 0, 255}, BADCDB(2)},
        {__LINE__, {0x12, 0x01, 0xb2, 0, 255}, .thin = 1, GOOD},
        /* MODE SENSE / SELECT (SPC-4 6.9 - 6.12) */
        {__LINE__, {0x1a, 0, 0xff, 0, 255}, CC(SK_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED)},
        {__LINE__, {0x1a, 0, 0x01, 0, 255}, BADCDB(2)},
        {__LINE__, {0x1a, 0, 0x0a, 0x01, 255}, BADCDB(3)},
        {__LINE__, {0x1a, 0, 0x3f, 0xff, 255}, GOOD},
        {__LINE__,
         {0x5a, 0, 0xc8, 0, 0, 0, 0, 0, 255},
         CC(SK_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED)},
        {__LINE__, {0x15, 0x11, 0, 0, 12}, BADCDB(1)},
        {__LINE__, {0x15, 0x10, 0, 0, 0}, GOOD},
        {__LINE__,
         {0x55, 0x10, 0, 0, 0, 0, 0, 0xff, 0xff},
         CC(SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH)},
        /* READ CAPACITY, REPORT LUNS, REPORT SUPPORTED OPERATION CODES */
        {__LINE__, {0x25, 0, 0, 0, 0, 1}, BADCDB(2)},
        {__LINE__, {0x25, 0, 0, 0, 0, 1, 0, 0, 1}, GOOD}, /* PMI */
        {__LINE__, {0xa0, 0, 0x03, 0, 0, 0, 0, 0, 1, 0}, BADCDB(2)},
        {__LINE__, {0xa0, 0, 0x00, 0, 0, 0, 0, 0, 1, 0}, .lunno = 9, GOOD},
        {__LINE__, {0xa3, 0x0c, 0x05, 0, 0, 0, 0, 0, 1, 0}, BADCDB(2)},
        {__LINE__, {0xa3, 0x0c, 0x01, 0x9e, 0, 0x10, 0, 0, 1, 0}, BADCDB(2)},
        {__LINE__, {0xa3, 0x0c, 0x02, 0x28, 0, 0, 0, 0, 1, 0}, BADCDB(2)},
        /* START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL (SBC-3 5.20, 5.5); RMB is 0 */
        {__LINE__, {0x1b, 1, 0, 0, 0x02}, BADCDB(4)}, /* eject */
        {__LINE__, {0x1b, 1, 0, 0, 0x03}, GOOD},
        {__LINE__, {0x1b, 0, 0, 0, 0x01}, GOOD},
        {__LINE__, {0x1b, 0, 0, 0, 0x00}, GOOD},
        {__LINE__, {0x1b, 0, 0, 0, 0x22}, GOOD}, /* a power condition ignores LOEJ */
        {__LINE__, {0x1e, 0, 0, 0, 0x01}, BADCDB(4)},
        {__LINE__, {0x1e, 0, 0, 0, 0x00}, GOOD},
        {__LINE__, {0x00}, GOOD},
        /* PERSISTENT RESERVE OUT too long to receive */
        {__LINE__,
         {0x5f, 0, 0, 0, 0, 0, 1, 0, 0, 0},
         CC(SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH)},
};

static void test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(err_vecs) / sizeof(err_vecs[0]); i++) {
		const struct err_vec *v = &err_vecs[i];
		struct dev *d = dev_new(v->thin, v->ro);

		memcpy(d->cdb, v->cdb, 16);
		d->lunno = v->lunno;
		run(d, NULL, 0);
		if (v->status == SCSI_GOOD) {
			check_good_at(d, v->line);
			if (d->c.action != SCSI_A_DONE)
				fail_msg("line %d: action %d", v->line, d->c.action);
		} else {
			check_sense_at(d, v->key, v->asc, v->line);
			if (v->field && (d->c.sense[16] << 8 | d->c.sense[17]) != v->field - 1)
				fail_msg("line %d: field pointer %d, want %d", v->line,
				         d->c.sense[16] << 8 | d->c.sense[17], v->field - 1);
		}
		if (d->touched)
			fail_msg("line %d: the volume was touched", v->line);
		dev_free(d);
	}
}

/* READ and WRITE of every size class, round trip through the volume. */
static void test_read_write(void **state)
{
	struct dev *d = dev_new(0, 0);
	uint8_t *pat = malloc(MAXXFER * BS);

	(void)state;
	assert_non_null(pat);
	fill(pat, MAXXFER * BS, 1);
	cdb10(d, 0x2a, 0, 10, 3);
	run(d, pat, 3 * BS);
	check_good(d);
	assert_int_equal(d->c.fua, 0);
	assert_memory_equal(d->disk + 10 * BS, pat, 3 * BS);

	cdb10(d, 0x28, 0, 10, 3);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 3 * BS);
	assert_memory_equal(d->in, pat, 3 * BS);

	/* WRITE(6) and READ(6): 21-bit LBA, 0 means 256 blocks */
	fill(pat, MAXXFER * BS, 2);
	cdb6(d, 0x0a, 0, 700, 0);
	run(d, pat, 256 * BS);
	check_good(d);
	assert_int_equal(d->c.nblocks, 256);
	assert_memory_equal(d->disk + 700 * BS, pat, 256 * BS);
	cdb6(d, 0x08, 0, 700, 0);
	run(d, NULL, 0);
	assert_int_equal(d->in_len, 256 * BS);
	assert_memory_equal(d->in, pat, 256 * BS);

	/* 12 and 16 bytes, FUA, the last block */
	fill(pat, BS, 3);
	cdb12(d, 0xaa, 0x08, NBLK - 1, 1);
	run(d, pat, BS);
	check_good(d);
	assert_int_equal(d->c.fua, 1);
	cdb16(d, 0x88, 0x10, NBLK - 1, 1);
	run(d, NULL, 0);
	check_good(d);
	assert_memory_equal(d->in, pat, BS);
	cdb16(d, 0x8a, 0, 0, MAXXFER);
	run(d, pat, MAXXFER * BS);
	check_good(d);
	cdb12(d, 0xa8, 0, 0, 1);
	run(d, NULL, 0);
	assert_memory_equal(d->in, pat, BS);

	/* WRITE AND VERIFY: a write made durable */
	cdb10(d, 0x2e, 0x02, 5, 1);
	run(d, pat, BS);
	check_good(d);
	assert_int_equal(d->c.action, SCSI_A_WRITE);
	assert_int_equal(d->c.fua, 1);
	assert_int_equal(d->c.bytchk, 1);
	free(pat);
	dev_free(d);
}

/* Zero-length medium access: GOOD without touching the volume (SBC-3 4.5). */
static void test_zero_length(void **state)
{
	static const uint8_t ops10[] = {0x28, 0x2a, 0x2e, 0x2f, 0x34};
	static const uint8_t ops16[] = {0x88, 0x8a, 0x8e, 0x8f, 0x8b, 0x90};
	struct dev *d = dev_new(1, 0);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ops10); i++) {
		cdb10(d, ops10[i], 0x02, 0, 0);
		run(d, NULL, 0);
		check_good(d);
		assert_int_equal(d->c.action, SCSI_A_DONE);
		cdb10(d, ops10[i], 0x02, NBLK, 0);
		run(d, NULL, 0);
		check_good(d);
		cdb10(d, ops10[i], 0x02, NBLK + 1, 0);
		run(d, NULL, 0);
		check_sense(d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	}
	for (i = 0; i < sizeof(ops16); i++) {
		cdb16(d, ops16[i], 0x02, 0, 0);
		run(d, NULL, 0);
		check_good(d);
		cdb16(d, ops16[i], 0x02, 1ull << 63, 0);
		run(d, NULL, 0);
		check_sense(d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	}
	cdb12(d, 0xa8, 0, 0, 0);
	run(d, NULL, 0);
	check_good(d);
	cdb12(d, 0xaa, 0, 0x80000000u, 0);
	run(d, NULL, 0);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	assert_int_equal(d->touched, 0);
	dev_free(d);
}

/* VERIFY with BYTCHK 0, 1 and 3, and the miscompare offset (SBC-3 5.29). */
static void test_verify(void **state)
{
	struct dev *d = dev_new(0, 0);
	uint8_t pat[8 * BS], one[BS];
	unsigned i;

	(void)state;
	fill(pat, sizeof(pat), 9);
	store(d, 100, pat, 8);
	cdb10(d, 0x2f, 0x02, 100, 8);
	run(d, pat, sizeof(pat));
	check_good(d);
	assert_int_equal(d->c.out_len, 8 * BS);

	pat[3 * BS + 27] ^= 'X';
	cdb16(d, 0x8f, 0x02, 100, 8);
	run(d, pat, sizeof(pat));
	check_sense(d, SK_MISCOMPARE, ASC_MISCOMPARE_VERIFY);
	assert_int_equal(d->c.sense[0], 0xf0); /* VALID */
	assert_int_equal(get_be(d->c.sense + 3, 4), 3 * BS + 27);

	/* BYTCHK 0: a medium verification, nothing sent, nothing compared */
	d->touched = 0;
	cdb12(d, 0xaf, 0x00, 100, 8);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->c.out_len, 0);
	assert_int_equal(d->touched, 0);

	/* BYTCHK 3: one block compared with each */
	memset(one, 0x5a, BS);
	for (i = 0; i < 4; i++)
		store(d, 200 + i, one, 1);
	cdb10(d, 0x2f, 0x06, 200, 4);
	run(d, one, BS);
	check_good(d);
	assert_int_equal(d->c.out_len, BS);
	d->disk[202 * BS + 1] = 0;
	run(d, one, BS);
	check_sense(d, SK_MISCOMPARE, ASC_MISCOMPARE_VERIFY);
	assert_int_equal(get_be(d->c.sense + 3, 4), 2 * BS + 1);
	dev_free(d);
}

/* COMPARE AND WRITE writes only when the compare succeeds (SBC-3 5.2). */
static void test_compare_and_write(void **state)
{
	struct dev *d = dev_new(0, 0);
	uint8_t buf[2 * 4 * BS], before[4 * BS];

	(void)state;
	memset(buf, 'A', sizeof(buf));
	store(d, NBLK - 4, buf, 4);
	memset(buf + 4 * BS, 'B', 4 * BS);
	cdb16(d, 0x89, 0x08, NBLK - 4, 0);
	d->cdb[13] = 4;
	run(d, buf, sizeof(buf));
	check_good(d);
	assert_int_equal(d->c.fua, 1);
	assert_memory_equal(d->disk + (NBLK - 4) * BS, buf + 4 * BS, 4 * BS);

	/* The disk now holds 'B': comparing with 'A' fails at byte 0, nothing written */
	memcpy(before, d->disk + (NBLK - 4) * BS, sizeof(before));
	memset(buf + 4 * BS, 'C', 4 * BS);
	run(d, buf, sizeof(buf));
	check_sense(d, SK_MISCOMPARE, ASC_MISCOMPARE_VERIFY);
	assert_int_equal(get_be(d->c.sense + 3, 4), 0);
	assert_memory_equal(d->disk + (NBLK - 4) * BS, before, sizeof(before));

	/* Miscompare 27 bytes before the end of the compared data */
	memset(buf, 'B', 4 * BS);
	buf[4 * BS - 27] = 'C';
	run(d, buf, sizeof(buf));
	check_sense(d, SK_MISCOMPARE, ASC_MISCOMPARE_VERIFY);
	assert_int_equal(get_be(d->c.sense + 3, 4), 4 * BS - 27);

	/* Zero blocks: nothing happens; but the Data-Out of 256 blocks is too many */
	d->touched = 0;
	d->cdb[13] = 0;
	d->edtl = BS;
	run(d, buf, BS);
	check_good(d);
	assert_int_equal(d->c.action, SCSI_A_DONE);
	d->edtl = 2 * 256 * BS;
	run(d, NULL, 0);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
	assert_int_equal(get_be(d->c.sense + 16, 2), 13);
	d->cdb[13] = 129; /* over the maximum, 128 here */
	d->edtl = 2 * 129 * BS;
	run(d, NULL, 0);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
	assert_int_equal(d->touched, 0);
	dev_free(d);
}

/* ORWRITE (SBC-3 5.9): 0x00 | 0xa5 | 0x5a = 0xff */
static void test_orwrite(void **state)
{
	struct dev *d = dev_new(0, 0);
	uint8_t buf[3 * BS], ff[3 * BS];

	(void)state;
	memset(buf, 0, sizeof(buf));
	store(d, 50, buf, 3);
	memset(buf, 0xa5, sizeof(buf));
	cdb16(d, 0x8b, 0, 50, 3);
	run(d, buf, sizeof(buf));
	check_good(d);
	memset(buf, 0x5a, sizeof(buf));
	run(d, buf, sizeof(buf));
	check_good(d);
	memset(ff, 0xff, sizeof(ff));
	assert_memory_equal(d->disk + 50 * BS, ff, sizeof(ff));
	dev_free(d);
}

/* WRITE SAME: data, UNMAP with a zero block, NDOB (SBC-3 5.41, 5.42). */
static void test_write_same(void **state)
{
	struct dev *d = dev_new(1, 0);
	uint8_t blk[BS];
	unsigned i;

	(void)state;
	memset(blk, 0x77, BS);
	cdb10(d, 0x41, 0, 10, 20);
	run(d, blk, BS);
	check_good(d);
	assert_int_equal(d->c.out_len, BS);
	for (i = 0; i < 20; i++)
		assert_memory_equal(d->disk + (10 + i) * BS, blk, BS);
	assert_int_equal(d->disk[30 * BS], 0);

	memset(blk, 0, BS);
	cdb10(d, 0x41, 0x08, 12, 5);
	run(d, blk, BS);
	check_good(d);
	assert_int_equal(d->c.unmap, 1);
	assert_int_equal(d->mapped[12], 0);
	assert_int_equal(d->mapped[16], 0);
	assert_int_equal(d->mapped[17], 1);

	/* WRITE SAME(16) NDOB: no Data-Out, zeroes (or a discard with UNMAP) */
	cdb16(d, 0x93, 0x01, 100, 8);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->c.ndob, 1);
	assert_int_equal(d->c.out_len, 0);
	cdb16(d, 0x93, 0x09, NBLK - 8, 8);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->mapped[NBLK - 1], 0);

	/* Not thin: plain WRITE SAME still works */
	dev_free(d);
	d = dev_new(0, 0);
	memset(blk, 0x11, BS);
	cdb16(d, 0x93, 0, NBLK - 256, 256);
	run(d, blk, BS);
	check_good(d);
	assert_int_equal(d->disk[(NBLK - 1) * BS + BS - 1], 0x11);
	dev_free(d);
}

/* An UNMAP parameter list (SBC-3 5.28.2) with @p n descriptors. */
static size_t unmap_list(uint8_t *p, const uint64_t (*desc)[2], size_t n)
{
	size_t i;

	memset(p, 0, 8 + 16 * n);
	put_be(p, 6 + 16 * n, 2);
	put_be(p + 2, 16 * n, 2);
	for (i = 0; i < n; i++) {
		put_be(p + 8 + 16 * i, desc[i][0], 8);
		put_be(p + 16 + 16 * i, desc[i][1], 4);
	}
	return 8 + 16 * n;
}

struct unmap_vec {
	int line;
	uint64_t desc[4][2];
	size_t n;
	int rc; /* extents, or -1 */
	uint16_t asc;
};

static const struct unmap_vec unmap_vecs[] = {
        {__LINE__, {{0, 1}}, 1, 1},
        {__LINE__, {{0, 8}, {100, 0}, {NBLK - 1, 1}}, 3, 2},
        {__LINE__, {{NBLK, 0}}, 1, 0}, /* zero blocks at the end: nothing */
        {__LINE__, {{NBLK, 1}}, 1, -1, ASC_LBA_OUT_OF_RANGE},
        {__LINE__, {{NBLK - 1, 2}}, 1, -1, ASC_LBA_OUT_OF_RANGE},
        {__LINE__, {{UINT64_MAX, 1}}, 1, -1, ASC_LBA_OUT_OF_RANGE},
        {__LINE__, {{0, 300}, {400, 300}}, 2, -1, ASC_INVALID_FIELD_PARAM}, /* > 512 in all */
        {__LINE__, {{0, 0}}, 0, 0},
};

static void test_unmap_parse(void **state)
{
	struct dev *d = dev_new(1, 0);
	struct scsi_extent ext[SCSI_UNMAP_DESC_MAX];
	uint8_t p[8 + 16 * (SCSI_UNMAP_DESC_MAX + 1)];
	uint64_t many[SCSI_UNMAP_DESC_MAX + 1][2];
	size_t i, len;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(unmap_vecs) / sizeof(unmap_vecs[0]); i++) {
		const struct unmap_vec *v = &unmap_vecs[i];

		memset(&d->c, 0, sizeof(d->c));
		len = unmap_list(p, v->desc, v->n);
		rc = scsi_unmap_parse(&d->lun, &d->c, p, len, ext, SCSI_UNMAP_DESC_MAX);
		if (rc != v->rc)
			fail_msg("line %d: %d extents, want %d", v->line, rc, v->rc);
		if (rc < 0)
			check_sense_at(d, SK_ILLEGAL_REQUEST, v->asc, v->line);
	}
	/* The header alone, a short header, a descriptor length past the data */
	memset(&d->c, 0, sizeof(d->c));
	assert_int_equal(scsi_unmap_parse(&d->lun, &d->c, p, 0, ext, 4), 0);
	assert_int_equal(scsi_unmap_parse(&d->lun, &d->c, p, 7, ext, 4), -1);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
	len = unmap_list(p, unmap_vecs[0].desc, 1);
	assert_int_equal(scsi_unmap_parse(&d->lun, &d->c, p, len - 1, ext, 4), -1);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
	/* A trailing partial descriptor is ignored */
	put_be(p + 2, 16 + 8, 2);
	memset(p + len, 0, 8);
	assert_int_equal(scsi_unmap_parse(&d->lun, &d->c, p, len + 8, ext, 4), 1);
	/* 256 descriptors are fine, 257 are too many, and so is more than max */
	for (i = 0; i <= SCSI_UNMAP_DESC_MAX; i++) {
		many[i][0] = i;
		many[i][1] = 1;
	}
	len = unmap_list(p, many, SCSI_UNMAP_DESC_MAX);
	assert_int_equal(scsi_unmap_parse(&d->lun, &d->c, p, len, ext, SCSI_UNMAP_DESC_MAX),
	                 SCSI_UNMAP_DESC_MAX);
	assert_int_equal(scsi_unmap_parse(&d->lun, &d->c, p, len, ext, 8), -1);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
	len = unmap_list(p, many, SCSI_UNMAP_DESC_MAX + 1);
	assert_int_equal(scsi_unmap_parse(&d->lun, &d->c, p, len, ext, SCSI_UNMAP_DESC_MAX), -1);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
	dev_free(d);
}

/* UNMAP end to end, then GET LBA STATUS sees the hole (SBC-3 5.8, 5.28). */
static void test_unmap_lba_status(void **state)
{
	static const uint64_t desc[2][2] = {{8, 8}, {32, 4}};
	struct dev *d = dev_new(1, 0);
	uint8_t p[64];
	size_t len = unmap_list(p, desc, 2);

	(void)state;
	cdb10(d, 0x42, 0, 0, (uint16_t)len);
	run(d, p, len);
	check_good(d);
	assert_int_equal(d->mapped[7], 1);
	assert_int_equal(d->mapped[8], 0);
	assert_int_equal(d->mapped[15], 0);
	assert_int_equal(d->mapped[16], 1);
	assert_int_equal(d->mapped[35], 0);

	cdb16(d, 0x9e, 0x12, 4, 0);
	put_be(d->cdb + 10, 4096, 4);
	run(d, NULL, 0);
	check_good(d);
	/* 4-8 mapped, 8-16 not, 16-32 mapped, 32-36 not, 36-end mapped */
	assert_int_equal(d->in_len, 8 + 5 * 16);
	assert_int_equal(get_be(d->in, 4), 4 + 5 * 16);
	assert_int_equal(get_be(d->in + 8, 8), 4);
	assert_int_equal(get_be(d->in + 16, 4), 4);
	assert_int_equal(d->in[20], 0);
	assert_int_equal(get_be(d->in + 24, 8), 8);
	assert_int_equal(get_be(d->in + 32, 4), 8);
	assert_int_equal(d->in[36], 1);

	/* Truncated to the allocation length: the length field still counts all */
	put_be(d->cdb + 10, 24, 4);
	run(d, NULL, 0);
	assert_int_equal(d->in_len, 24);
	assert_int_equal(get_be(d->in, 4), 4 + 5 * 16);
	put_be(d->cdb + 10, 0, 4);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 0);

	/* The last block; and a fully provisioned LU answers by itself */
	cdb16(d, 0x9e, 0x12, NBLK - 1, 24);
	run(d, NULL, 0);
	check_good(d);
	dev_free(d);
	d = dev_new(0, 0);
	cdb16(d, 0x9e, 0x12, 1000, 24);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->c.action, SCSI_A_DONE);
	assert_int_equal(d->in_len, 24);
	assert_int_equal(get_be(d->in + 8, 8), 1000);
	assert_int_equal(get_be(d->in + 16, 4), NBLK - 1000);
	assert_int_equal(d->in[20], 0);
	dev_free(d);
}

/* Standard INQUIRY data (SPC-4 6.4.2), as iscsi-test-cu's Inquiry suite reads it. */
static void test_inquiry_standard(void **state)
{
	struct dev *d = dev_new(0, 0);
	uint8_t full[96];
	unsigned alloc;

	(void)state;
	RAW(d, 0x12, 0, 0, 0x01, 0x04); /* 260 */
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 96);
	assert_int_equal(d->in[0], 0x00);
	assert_int_equal(d->in[2], 0x06);
	assert_int_equal(d->in[3], 0x12);
	assert_int_equal(d->in[4], d->in_len - 5);
	assert_int_equal(d->in[7], 0x02);
	assert_memory_equal(d->in + 8, "RACKBOOTvol0            0.1 ", 28);
	assert_int_equal(get_be(d->in + 58, 2), 0x00a0);
	assert_int_equal(get_be(d->in + 60, 2), 0x0460);
	assert_int_equal(get_be(d->in + 62, 2), 0x04c0);
	assert_int_equal(get_be(d->in + 64, 2), 0x0960);
	memcpy(full, d->in, sizeof(full));
	/* Every allocation length cuts the same data */
	for (alloc = 0; alloc < 300; alloc++) {
		put_be(d->cdb + 3, alloc, 2);
		run(d, NULL, 0);
		check_good(d);
		assert_int_equal(d->in_len, alloc < 96 ? alloc : 96);
		assert_memory_equal(d->in, full, d->in_len);
	}
	/* Another LUN: peripheral qualifier 011b */
	d->lunno = 2;
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in[0], 0x7f);
	dev_free(d);
}

/* Fetch VPD page @p code into d->in; returns its length. */
static size_t vpd(struct dev *d, uint8_t code)
{
	RAW(d, 0x12, 0x01, 0, 0x01, 0x00);
	d->cdb[2] = code;
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in[1], code);
	assert_int_equal(get_be(d->in + 2, 2) + 4, d->in_len);
	return d->in_len;
}

static void test_inquiry_vpd(void **state)
{
	static const uint8_t want[] = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};
	struct dev *d = dev_new(0, 0);
	uint8_t list[16];
	size_t n, i, off;
	int thin;

	(void)state;
	for (thin = 0; thin <= 1; thin++) {
		d->lun.thin = thin;
		n = vpd(d, 0x00) - 4;
		assert_int_equal(n, thin ? 6 : 5);
		assert_memory_equal(d->in + 4, want, n);
		memcpy(list, d->in + 4, n);
		for (i = 0; i < n; i++) /* every listed page answers */
			vpd(d, list[i]);
	}

	assert_int_equal(vpd(d, 0x80), 4 + 7);
	assert_memory_equal(d->in + 4, "rb-vol0", 7);

	/* Device identification: NAA 3h, T10 vendor ID, relative port, port group */
	vpd(d, 0x83);
	off = 4;
	assert_int_equal(d->in[off], 0x01);
	assert_int_equal(d->in[off + 1], 0x03);
	assert_int_equal(d->in[off + 3], 8);
	assert_int_equal(get_be(d->in + off + 4, 8), 0x3123456789abcdefull);
	off += 12;
	assert_int_equal(d->in[off], 0x02);
	assert_int_equal(d->in[off + 1], 0x01);
	assert_int_equal(d->in[off + 3], 15);
	assert_memory_equal(d->in + off + 4, "RACKBOOTrb-vol0", 15);
	off += 19;
	assert_int_equal(d->in[off + 1], 0x94);
	assert_int_equal(get_be(d->in + off + 6, 2), 1);
	off += 8;
	assert_int_equal(d->in[off + 1], 0x95);
	assert_int_equal(get_be(d->in + off + 6, 2), 7);
	assert_int_equal(off + 8, d->in_len);

	/* Block limits (SBC-3 6.5.3): SBC-3 page length, WSNZ clear (a WRITE
	 * SAME of 0 blocks runs to the end), UNMAP only when thin */
	assert_int_equal(vpd(d, 0xb0), 64);
	assert_int_equal(d->in[4] & 1, 0);
	assert_int_equal(d->in[5], 128);
	assert_int_equal(get_be(d->in + 8, 4), MAXXFER);
	assert_int_equal(get_be(d->in + 12, 4), 128);
	assert_int_equal(get_be(d->in + 20, 4), 512);
	assert_int_equal(get_be(d->in + 24, 4), SCSI_UNMAP_DESC_MAX);
	assert_int_equal(get_be(d->in + 36, 8), 512);
	d->lun.thin = 0;
	vpd(d, 0xb0);
	assert_int_equal(get_be(d->in + 20, 4), 0);
	assert_int_equal(get_be(d->in + 24, 4), 0);

	assert_int_equal(vpd(d, 0xb1), 64);
	assert_int_equal(get_be(d->in + 4, 2), 1);

	d->lun.thin = 1;
	assert_int_equal(vpd(d, 0xb2), 8);
	assert_int_equal(d->in[5], 0xe4);
	assert_int_equal(d->in[6] & 7, 2);
	dev_free(d);
}

static void test_read_capacity(void **state)
{
	struct dev *d = dev_new(0, 0);

	(void)state;
	RAW(d, 0x25);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 8);
	assert_int_equal(get_be(d->in, 4), NBLK - 1);
	assert_int_equal(get_be(d->in + 4, 4), BS);

	RAW(d, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 32);
	assert_int_equal(get_be(d->in, 8), NBLK - 1);
	assert_int_equal(get_be(d->in + 8, 4), BS);
	assert_int_equal(d->in[12], 0);
	assert_int_equal(d->in[14], 0);
	d->lun.thin = 1;
	run(d, NULL, 0);
	assert_int_equal(d->in[14], 0xc0); /* LBPME, LBPRZ */
	d->cdb[13] = 0;                    /* allocation length 0 is not an error */
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 0);
	d->cdb[13] = 12;
	run(d, NULL, 0);
	assert_int_equal(d->in_len, 12);

	/* Too big for READ CAPACITY(10) */
	d->lun.blocks = 0x100000000ull + 5;
	RAW(d, 0x25);
	run(d, NULL, 0);
	assert_int_equal(get_be(d->in, 4), 0xffffffffu);
	RAW(d, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32);
	run(d, NULL, 0);
	assert_int_equal(get_be(d->in, 8), 0x100000004ull);
	dev_free(d);
}

static void test_report_luns(void **state)
{
	struct dev *d = dev_new(0, 0);

	(void)state;
	RAW(d, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 16);
	assert_int_equal(get_be(d->in, 4), 8);
	assert_true(all_zero(d->in + 4, 12));
	d->cdb[2] = 1; /* well-known LUs only */
	run(d, NULL, 0);
	assert_int_equal(d->in_len, 8);
	assert_int_equal(get_be(d->in, 4), 0);
	d->cdb[2] = 2;
	d->cdb[8] = 0;
	d->cdb[9] = 12;
	run(d, NULL, 0);
	assert_int_equal(d->in_len, 12);
	assert_int_equal(get_be(d->in, 4), 8);
	dev_free(d);
}

/* Find mode page @p code in MODE SENSE data after @p hdr bytes. */
static const uint8_t *find_page(const uint8_t *p, size_t len, size_t off, uint8_t code)
{
	while (off + 2 <= len) {
		if ((p[off] & 0x3f) == code)
			return p + off;
		off += (size_t)p[off + 1] + 2;
	}
	return NULL;
}

static void test_mode_sense(void **state)
{
	struct dev *d = dev_new(0, 1);
	const uint8_t *pg;
	uint8_t all[256];
	size_t all_len;

	(void)state;
	/* MODE SENSE(6), all pages, block descriptor */
	RAW(d, 0x1a, 0, 0x3f, 0, 255);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in[0], d->in_len - 1);
	assert_int_equal(d->in[2], 0x90); /* WP, DPOFUA */
	assert_int_equal(d->in[3], 8);
	assert_int_equal(get_be(d->in + 4, 4), NBLK);
	assert_int_equal(get_be(d->in + 8, 4), BS);
	assert_int_equal(d->in_len, 4 + 8 + 20 + 12 + 12);
	pg = find_page(d->in, d->in_len, 12, 0x08);
	assert_non_null(pg);
	assert_int_equal(pg[1], 0x12);
	assert_int_equal(pg[2] & 0x04, 0x04); /* WCE */
	pg = find_page(d->in, d->in_len, 12, 0x0a);
	assert_non_null(pg);
	assert_int_equal(pg[1], 0x0a);
	assert_int_equal(pg[2] & 0x04, 0); /* D_SENSE: fixed format, as sent */
	assert_int_equal(pg[4] & 0x30, 0); /* UA_INTLCK_CTRL */
	assert_int_equal(pg[3] >> 4, 1);
	assert_non_null(find_page(d->in, d->in_len, 12, 0x1c));
	memcpy(all, d->in, d->in_len);
	all_len = d->in_len;

	/* Residuals: an allocation length of 4 gives 4 bytes */
	d->cdb[4] = 4;
	run(d, NULL, 0);
	assert_int_equal(d->in_len, 4);
	assert_memory_equal(d->in, all, 4);

	/* One page, DBD; the control page is the same as in all pages */
	RAW(d, 0x1a, 0x08, 0x0a, 0, 255);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in[3], 0);
	assert_int_equal(d->in_len, 4 + 12);
	assert_memory_equal(d->in + 4, find_page(all, all_len, 12, 0x0a), 12);

	/* Changeable values: nothing (so libiscsi skips the SWP test) */
	RAW(d, 0x1a, 0x08, 0x40 | 0x3f, 0, 255);
	run(d, NULL, 0);
	check_good(d);
	pg = find_page(d->in, d->in_len, 4, 0x0a);
	assert_non_null(pg);
	assert_true(all_zero(pg + 2, 10));
	pg = find_page(d->in, d->in_len, 4, 0x08);
	assert_true(all_zero(pg + 2, 18));
	/* Default values equal the current ones */
	RAW(d, 0x1a, 0x08, 0x80 | 0x0a, 0, 255);
	run(d, NULL, 0);
	assert_memory_equal(d->in + 4, find_page(all, all_len, 12, 0x0a), 12);

	/* MODE SENSE(10) with LLBAA: a 16-byte block descriptor */
	d->lun.read_only = 0;
	RAW(d, 0x5a, 0x10, 0x08, 0, 0, 0, 0, 0x01, 0x00);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(get_be(d->in, 2), d->in_len - 2);
	assert_int_equal(d->in[3], 0x10);
	assert_int_equal(d->in[4], 0x01);
	assert_int_equal(get_be(d->in + 6, 2), 16);
	assert_int_equal(get_be(d->in + 8, 8), NBLK);
	assert_int_equal(get_be(d->in + 20, 4), BS);
	assert_int_equal(d->in[24], 0x08);
	assert_int_equal(d->in_len, 8 + 16 + 20);
	dev_free(d);
}

/* MODE SELECT accepts what changes nothing (SPC-4 6.9, 7.5). */
static void test_mode_select(void **state)
{
	struct dev *d = dev_new(0, 0);
	uint8_t p[64];
	size_t len;

	(void)state;
	/* Read back header, block descriptor and the control page, send them */
	RAW(d, 0x1a, 0, 0x0a, 0, 255);
	run(d, NULL, 0);
	len = d->in_len;
	memcpy(p, d->in, len);
	p[0] = 0;      /* MODE DATA LENGTH is reserved in MODE SELECT */
	p[2] = 0;      /* and so is DPOFUA */
	p[12] |= 0x80; /* PS likewise */
	RAW(d, 0x15, 0x10, 0, 0, 0);
	d->cdb[4] = (uint8_t)len;
	run(d, p, len);
	assert_int_equal(d->c.out_len, len);
	check_good(d);

	/* SWP on: a change of an unchangeable field, pointed at */
	p[12 + 4] |= 0x08;
	run(d, p, len);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
	assert_int_equal(get_be(d->c.sense + 16, 2), 16);
	assert_int_equal(d->c.sense[15] & 0x07, 3);
	p[12 + 4] &= (uint8_t)~0x08;

	/* Another block size */
	p[10] = 0x10;
	run(d, p, len);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
	p[10] = 0x02;
	/* Zero blocks keeps the capacity */
	memset(p + 4, 0, 4);
	run(d, p, len);
	check_good(d);
	/* A truncated page */
	d->cdb[4] = (uint8_t)(len - 1);
	run(d, p, len);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
	/* An unknown page, a subpage */
	d->cdb[4] = (uint8_t)len;
	p[12] = 0x19;
	run(d, p, len);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
	p[12] = 0x4a;
	run(d, p, len);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
	/* A block descriptor of the wrong length */
	p[3] = 4;
	run(d, p, len);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
	assert_int_equal(get_be(d->c.sense + 16, 2), 3);
	RAW(d, 0x15, 0x10, 0, 0, 7);
	run(d, p, 7);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
	/* The header alone, no descriptor, through MODE SELECT(10) */
	memset(p, 0, 8);
	RAW(d, 0x55, 0x10, 0, 0, 0, 0, 0, 0, 8);
	run(d, p, 8);
	check_good(d);
	p[2] = 1; /* MEDIUM TYPE */
	run(d, p, 8);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
	RAW(d, 0x55, 0x10, 0, 0, 0, 0, 0, 0, 4);
	run(d, p, 4);
	check_sense(d, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
	dev_free(d);
}

/* REPORT SUPPORTED OPERATION CODES (SPC-4 6.35), as iscsi-test-cu walks it. */
static void test_rsoc(void **state)
{
	struct dev *d = dev_new(0, 0);
	uint8_t list[2048];
	size_t len, off, n = 0;
	int rctd, has_unmap = 0;

	(void)state;
	for (rctd = 0; rctd <= 1; rctd++) {
		RAW(d, 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0xff, 0xff);
		d->cdb[2] = rctd ? 0x80 : 0;
		run(d, NULL, 0);
		check_good(d);
		len = d->in_len;
		assert_int_equal(get_be(d->in, 4), len - 4);
		for (off = 4, n = 0; off < len; off += rctd ? 20 : 8, n++) {
			assert_int_equal((d->in[off + 5] & 0x02) != 0, rctd); /* CTDP */
			if (!(d->in[off + 5] & 0x01))                         /* SERVACTV */
				assert_int_equal(get_be(d->in + off + 2, 2), 0);
			if (rctd)
				assert_int_equal(get_be(d->in + off + 8, 2), 0x0a);
			if (d->in[off] == 0x42)
				has_unmap = 1;
		}
		assert_int_equal(off, len);
	}
	assert_false(has_unmap);
	memcpy(list, d->in, len);

	/* Each listed command: one-command format with the right option */
	for (off = 4; off < len; off += 20) {
		uint8_t op = list[off], sa = list[off + 3];
		int servactv = list[off + 5] & 0x01;

		RAW(d, 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0xff, 0xff);
		d->cdb[2] = servactv ? 2 : 1;
		d->cdb[3] = op;
		d->cdb[5] = sa;
		run(d, NULL, 0);
		check_good(d);
		assert_int_equal(d->in[1] & 0x07, 3);
		assert_int_equal(get_be(d->in + 2, 2), get_be(list + off + 6, 2));
		assert_int_equal(d->in[4], op);
		if (servactv)
			assert_int_equal(d->in[5] & 0x1f, sa);
		assert_int_equal(d->in_len, 4 + get_be(d->in + 2, 2));
		/* The other option is an invalid field, not "not implemented" */
		d->cdb[2] = servactv ? 1 : 2;
		run(d, NULL, 0);
		check_sense(d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		assert_int_not_equal(get_be(d->c.sense + 16, 2), 1);
	}

	/* DPO and FUA are in the usage data of the commands that take them */
	RAW(d, 0xa3, 0x0c, 0x81, 0x28, 0, 0, 0, 0, 0xff, 0xff);
	run(d, NULL, 0);
	assert_int_equal(d->in[1], 0x83);
	assert_int_equal(d->in[5] & 0x18, 0x18);
	assert_int_equal(d->in_len, 4 + 10 + 12);
	assert_int_equal(get_be(d->in + 14, 2), 0x0a);
	d->cdb[3] = 0x89;
	run(d, NULL, 0);
	assert_int_equal(d->in[5] & 0x18, 0x18);
	d->cdb[3] = 0x2e;
	run(d, NULL, 0);
	assert_int_equal(d->in[5] & 0x10, 0x10);
	/* Unsupported: SUPPORT 001b; UNMAP is, once the LU is thin */
	d->cdb[3] = 0x42;
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in[1] & 0x07, 1);
	assert_int_equal(d->in_len, 4);
	d->lun.thin = 1;
	run(d, NULL, 0);
	assert_int_equal(d->in[1] & 0x07, 3);
	/* Option 3: either kind */
	RAW(d, 0xa3, 0x0c, 0x03, 0x9e, 0, 0x12, 0, 0, 0xff, 0xff);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in[5], 0x12);
	d->cdb[3] = 0x00;
	run(d, NULL, 0);
	assert_int_equal(d->in[1] & 0x07, 3);
	/* Truncation */
	RAW(d, 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0, 10);
	run(d, NULL, 0);
	assert_int_equal(d->in_len, 10);
	dev_free(d);
}

/* Unit attentions (SAM-5 5.14, SPC-4 6.39) */
static void test_unit_attention(void **state)
{
	struct dev *d = dev_new(0, 0);

	(void)state;
	scsi_nexus_add(&d->lun, NEXUS_A);
	scsi_nexus_add(&d->lun, NEXUS_B);
	scsi_nexus_add(&d->lun, NEXUS_A); /* twice: one slot, no new attention */

	/* INQUIRY and REPORT LUNS neither report nor clear it */
	RAW(d, 0x12, 0, 0, 0, 36);
	run(d, NULL, 0);
	check_good(d);
	RAW(d, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0);
	run(d, NULL, 0);
	check_good(d);
	/* The first other command reports it, once */
	RAW(d, 0x00);
	run(d, NULL, 0);
	check_sense(d, SK_UNIT_ATTENTION, ASC_POWER_ON_RESET);
	run(d, NULL, 0);
	check_good(d);

	/* REQUEST SENSE reports and clears it */
	d->nexus = NEXUS_B;
	RAW(d, 0x03, 0, 0, 0, 252);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 18);
	assert_int_equal(d->in[0], 0x70);
	assert_int_equal(d->in[2], SK_UNIT_ATTENTION);
	assert_int_equal(get_be(d->in + 12, 2), ASC_POWER_ON_RESET);
	run(d, NULL, 0);
	assert_int_equal(d->in[2], SK_NO_SENSE);
	assert_int_equal(get_be(d->in + 12, 2), 0);

	/* Raised for all but one; the most recent wins */
	scsi_ua_raise(&d->lun, NEXUS_A, ASC_CAPACITY_CHANGED);
	scsi_ua_raise(&d->lun, NEXUS_A, ASC_PARAMS_CHANGED);
	RAW(d, 0x00);
	run(d, NULL, 0);
	check_sense(d, SK_UNIT_ATTENTION, ASC_PARAMS_CHANGED);
	d->nexus = NEXUS_A;
	run(d, NULL, 0);
	check_good(d);
	scsi_ua_raise(&d->lun, 0, ASC_CAPACITY_CHANGED);
	RAW(d, 0x28, 0, 0, 0, 0, 0, 0, 0, 1);
	run(d, NULL, 0);
	check_sense(d, SK_UNIT_ATTENTION, ASC_CAPACITY_CHANGED);
	assert_int_equal(d->touched, 0);
	d->nexus = NEXUS_B;
	RAW(d, 0x00);
	run(d, NULL, 0);
	check_sense(d, SK_UNIT_ATTENTION, ASC_CAPACITY_CHANGED);

	/* LOGICAL UNIT RESET: BUS DEVICE RESET to the others */
	scsi_lun_reset(&d->lun, NEXUS_B);
	run(d, NULL, 0);
	check_good(d);
	d->nexus = NEXUS_A;
	run(d, NULL, 0);
	check_sense(d, SK_UNIT_ATTENTION, ASC_BUS_DEVICE_RESET);

	/* A removed nexus has no slot; an unknown one never sees attentions */
	scsi_nexus_remove(&d->lun, NEXUS_A);
	scsi_ua_raise(&d->lun, 0, ASC_PARAMS_CHANGED);
	run(d, NULL, 0);
	check_good(d);
	d->nexus = 0x9999;
	run(d, NULL, 0);
	check_good(d);
	/* A new nexus takes the free slot */
	scsi_nexus_add(&d->lun, 0x9999);
	run(d, NULL, 0);
	check_sense(d, SK_UNIT_ATTENTION, ASC_POWER_ON_RESET);
	dev_free(d);
}

static void test_request_sense(void **state)
{
	struct dev *d = dev_new(0, 0);

	(void)state;
	RAW(d, 0x03, 0, 0, 0, 252);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 18);
	assert_int_equal(d->in[0], 0x70);
	assert_int_equal(d->in[7], 10);
	assert_int_equal(d->in[2], SK_NO_SENSE);
	/* Descriptor format on request */
	scsi_nexus_add(&d->lun, d->nexus);
	d->cdb[1] = 0x01;
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in_len, 8);
	assert_int_equal(d->in[0], 0x72);
	assert_int_equal(d->in[1], SK_UNIT_ATTENTION);
	assert_int_equal(get_be(d->in + 2, 2), ASC_POWER_ON_RESET);
	/* A LUN that does not exist: the sense says so, the status is GOOD */
	d->cdb[1] = 0;
	d->lunno = 3;
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->in[2], SK_ILLEGAL_REQUEST);
	assert_int_equal(get_be(d->in + 12, 2), ASC_LUN_NOT_SUPPORTED);
	/* Allocation length */
	d->lunno = 0;
	d->cdb[4] = 8;
	run(d, NULL, 0);
	assert_int_equal(d->in_len, 8);
	dev_free(d);
}

static void test_sense_helpers(void **state)
{
	struct scsi_cmd c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.in_len = 512;
	c.action = SCSI_A_READ;
	scsi_check(&c, SK_MEDIUM_ERROR, ASC_READ_ERROR);
	assert_int_equal(c.status, SCSI_CHECK_CONDITION);
	assert_int_equal(c.action, SCSI_A_DONE);
	assert_int_equal(c.in_len, 0);
	assert_int_equal(c.sense_len, 18);
	assert_int_equal(c.sense[0], 0x70);
	assert_int_equal(c.sense[2], SK_MEDIUM_ERROR);
	assert_int_equal(c.sense[12], 0x11);
	scsi_check_info(&c, SK_MEDIUM_ERROR, ASC_WRITE_ERROR, 0x12345678);
	assert_int_equal(c.sense[0], 0xf0);
	assert_int_equal(get_be(c.sense + 3, 4), 0x12345678);
	scsi_check_info(&c, SK_MEDIUM_ERROR, ASC_WRITE_ERROR, 0x100000000ull);
	assert_int_equal(c.sense[0], 0x70); /* does not fit: not VALID */
	assert_true(all_zero(c.sense + 3, 4));
	scsi_miscompare(&c, 9);
	assert_int_equal(c.sense[2], SK_MISCOMPARE);
	assert_int_equal(get_be(c.sense + 12, 2), ASC_MISCOMPARE_VERIFY);
	assert_int_equal(get_be(c.sense + 3, 4), 9);
}

/* SYNCHRONIZE CACHE becomes a flush; reservations are scsi_pr.c's, asked per command. */
static void test_flush_and_reservations(void **state)
{
	struct dev *d = dev_new(0, 0);

	(void)state;
	cdb10(d, 0x35, 0x02, 8, 16);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->c.action, SCSI_A_FLUSH);
	assert_int_equal(d->c.lba, 8);
	assert_int_equal(d->c.nblocks, 16);
	cdb16(d, 0x91, 0, 0, 0);
	run(d, NULL, 0);
	check_good(d);
	assert_int_equal(d->flushes, 2);

	/* SPC-2 RESERVE by A: B conflicts until A's nexus goes away */
	scsi_nexus_add(&d->lun, NEXUS_A);
	scsi_nexus_add(&d->lun, NEXUS_B);
	d->lun.ua[0].asc = d->lun.ua[1].asc = 0;
	RAW(d, 0x16);
	run(d, NULL, 0);
	check_good(d);
	d->nexus = NEXUS_B;
	RAW(d, 0x28, 0, 0, 0, 0, 0, 0, 0, 1);
	run(d, NULL, 0);
	assert_int_equal(d->c.status, SCSI_RESERVATION_CONFLICT);
	assert_int_equal(d->c.sense_len, 0);
	scsi_nexus_remove(&d->lun, NEXUS_A);
	run(d, NULL, 0);
	check_good(d);
	/* ... or a LUN reset drops it */
	RAW(d, 0x16);
	run(d, NULL, 0);
	check_good(d);
	scsi_lun_reset(&d->lun, NEXUS_B);
	assert_int_equal(d->lun.pr.reserved6, 0);

	/* PERSISTENT RESERVE OUT: receive the list, then scsi_pr_out */
	RAW(d, 0x5f, 0x00, 0, 0, 0, 0, 0, 0, 24, 0);
	run(d, (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24);
	assert_int_equal(d->c.out_len, 24);
	dev_free(d);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_read_write),
	        cmocka_unit_test(test_zero_length),
	        cmocka_unit_test(test_verify),
	        cmocka_unit_test(test_compare_and_write),
	        cmocka_unit_test(test_orwrite),
	        cmocka_unit_test(test_write_same),
	        cmocka_unit_test(test_unmap_parse),
	        cmocka_unit_test(test_unmap_lba_status),
	        cmocka_unit_test(test_inquiry_standard),
	        cmocka_unit_test(test_inquiry_vpd),
	        cmocka_unit_test(test_read_capacity),
	        cmocka_unit_test(test_report_luns),
	        cmocka_unit_test(test_mode_sense),
	        cmocka_unit_test(test_mode_select),
	        cmocka_unit_test(test_rsoc),
	        cmocka_unit_test(test_unit_attention),
	        cmocka_unit_test(test_request_sense),
	        cmocka_unit_test(test_sense_helpers),
	        cmocka_unit_test(test_flush_and_reservations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
