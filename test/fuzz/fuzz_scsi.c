/* SPDX-License-Identifier: MIT */
/* fuzz_scsi.c - libFuzzer driver for the SCSI device: 16 bytes of CDB, one
 * byte choosing the LU (thin, read-only, limits, huge, LUN, pending unit
 * attention), the rest a parameter list.  The command goes through
 * scsi_exec and its action is finished as a transport would (parameter
 * list, UNMAP list, GET LBA STATUS); the same bytes also go to
 * scsi_unmap_parse alone.  Checked: built data and sense within their
 * buffers, errors without actions, medium ranges within the LU. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scsi/scsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_cmd(const struct scsi_lun *lun, const struct scsi_cmd *c)
{
	check(c->sense_len <= SCSI_SENSE_MAX);
	if (c->action == SCSI_A_READ)
		check(c->in_len == (uint64_t)c->nblocks * lun->block_size && c->nblocks);
	else
		check(c->in_len <= c->cap);
	check((c->status == SCSI_CHECK_CONDITION) == (c->sense_len == 18));
	check(c->status == SCSI_GOOD || c->action == SCSI_A_DONE);
	if (c->action != SCSI_A_DONE && c->action != SCSI_A_PARAM && c->action != SCSI_A_UNMAP)
		check(c->lba <= lun->blocks && c->nblocks <= lun->blocks - c->lba);
}

static void check_extents(const struct scsi_lun *lun, const struct scsi_extent *e, int n)
{
	int i;

	check(n >= -1 && n <= SCSI_UNMAP_DESC_MAX);
	for (i = 0; i < n; i++)
		check(e[i].nblocks && e[i].lba <= lun->blocks &&
		      e[i].nblocks <= lun->blocks - e[i].lba);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct scsi_lba_desc desc[2] = {{0, 8, 0}, {8, 1, 1}};
	struct scsi_extent ext[SCSI_UNMAP_DESC_MAX];
	struct scsi_lun lun;
	struct scsi_cmd c;
	uint8_t buf[SCSI_BUF_MIN], cdb[16], f;
	const uint8_t *param = data + 17;
	size_t plen = size - 17;

	if (size < 17)
		return 0;
	memcpy(cdb, data, 16);
	f = data[16];
	memset(&lun, 0, sizeof(lun));
	lun.blocks = f & 0x80 ? 0x123456789ull : 4096;
	lun.block_size = 512u << (f & 3);
	lun.thin = (f & 0x04) != 0;
	lun.read_only = (f & 0x08) != 0;
	lun.max_xfer_blocks = f & 0x10 ? 0 : 256;
	lun.max_unmap_blocks = lun.max_ws_blocks = f & 0x20 ? 0 : 1024;
	lun.id = 42;
	strcpy(lun.serial, "fuzz");
	scsi_nexus_add(&lun, 7);
	if (f & 0x40)
		lun.ua[0].asc = 0;
	memset(&c, 0, sizeof(c));
	c.cdb = cdb;
	c.lun = (f & 0x60) == 0x60;
	c.nexus = 7;
	c.buf = buf;
	c.cap = sizeof(buf);
	scsi_exec(&lun, &c);
	check_cmd(&lun, &c);
	if (plen > c.out_len)
		plen = c.out_len;
	switch (c.action) {
	case SCSI_A_PARAM: scsi_param_out(&lun, &c, param, plen); break;
	case SCSI_A_UNMAP:
		check_extents(&lun, ext, scsi_unmap_parse(&lun, &c, param, plen, ext, 16));
		break;
	case SCSI_A_LBA_STATUS: scsi_lba_status(&c, desc, 2); break;
	default: break;
	}
	check_cmd(&lun, &c);
	memset(&c, 0, sizeof(c));
	check_extents(&lun, ext,
	              scsi_unmap_parse(&lun, &c, data + 17, size - 17, ext, SCSI_UNMAP_DESC_MAX));
	return 0;
}
