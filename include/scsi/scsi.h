/* SPDX-License-Identifier: MIT */
/*
 * scsi.h - the SCSI block device the iSCSI target exports (SPC-4, SBC-3):
 * CDB decoding, range and field checks, sense data, the data built by the
 * target itself (INQUIRY and its VPD pages, MODE SENSE, READ CAPACITY,
 * REPORT LUNS, REPORT SUPPORTED OPERATION CODES, ...), unit attentions and
 * reservations (scsi_pr.c).  Pure: no I/O, no clock, no logging.  A command
 * that needs the volume is returned to the transport as an action (read
 * these blocks, write those) which the transport performs on the backstore
 * and then finishes with the helpers below.
 */
#ifndef RACKBOOT_SCSI_H
#define RACKBOOT_SCSI_H

#include <stddef.h>
#include <stdint.h>

/* SAM-5 status codes */
enum scsi_status {
	SCSI_GOOD = 0x00,
	SCSI_CHECK_CONDITION = 0x02,
	SCSI_CONDITION_MET = 0x04,
	SCSI_BUSY = 0x08,
	SCSI_RESERVATION_CONFLICT = 0x18,
	SCSI_TASK_SET_FULL = 0x28,
	SCSI_TASK_ABORTED = 0x40,
};

/* SPC-4 4.5.6 sense keys */
enum scsi_key {
	SK_NO_SENSE = 0x0,
	SK_RECOVERED_ERROR = 0x1,
	SK_NOT_READY = 0x2,
	SK_MEDIUM_ERROR = 0x3,
	SK_HARDWARE_ERROR = 0x4,
	SK_ILLEGAL_REQUEST = 0x5,
	SK_UNIT_ATTENTION = 0x6,
	SK_DATA_PROTECT = 0x7,
	SK_ABORTED_COMMAND = 0xb,
	SK_MISCOMPARE = 0xe,
};

/* Additional sense code and qualifier, as (ASC << 8) | ASCQ */
enum scsi_asc {
	ASC_NONE = 0x0000,
	ASC_WRITE_ERROR = 0x0c00,
	ASC_READ_ERROR = 0x1100,
	ASC_MISCOMPARE_VERIFY = 0x1d00,
	ASC_PARAM_LIST_LENGTH = 0x1a00,
	ASC_INVALID_OPCODE = 0x2000,
	ASC_LBA_OUT_OF_RANGE = 0x2100,
	ASC_INVALID_FIELD_CDB = 0x2400,
	ASC_LUN_NOT_SUPPORTED = 0x2500,
	ASC_INVALID_FIELD_PARAM = 0x2600,
	ASC_INVALID_RELEASE_PR = 0x2604,
	ASC_WRITE_PROTECTED = 0x2700,
	ASC_POWER_ON_RESET = 0x2900,
	ASC_BUS_DEVICE_RESET = 0x2903,
	ASC_PARAMS_CHANGED = 0x2a00,
	ASC_RESERVATIONS_PREEMPTED = 0x2a03,
	ASC_RESERVATIONS_RELEASED = 0x2a04,
	ASC_REGISTRATIONS_PREEMPTED = 0x2a05,
	ASC_CAPACITY_CHANGED = 0x2a09,
	ASC_SAVING_NOT_SUPPORTED = 0x3900,
	ASC_MEDIUM_NOT_PRESENT = 0x3a00,
	ASC_INTERNAL_TARGET_FAILURE = 0x4400,
	ASC_INSUFFICIENT_REG_RESOURCES = 0x5504,
	/* transport-detected (SAM-5 5.3, SPC-4 4.5.6): set by the target,
	 * never by scsi_exec */
	ASC_INVALID_FIELD_IU = 0x0e03, /* INVALID FIELD IN INFORMATION UNIT */
	ASC_DATA_PHASE_ERROR = 0x4b00, /* DATA PHASE ERROR */
};

#define SCSI_SENSE_MAX      32   /* fixed-format sense is 18 bytes */
#define SCSI_BUF_MIN        8192 /* smallest scsi_cmd.buf the transport gives */
#define SCSI_NEXUS_MAX      64   /* I_T nexuses a LUN tracks (unit attention) */
#define SCSI_PR_MAX         64   /* persistent reservation registrations */
#define SCSI_PORT_MAX       256  /* "iqn...,i,0x<isid>" */
#define SCSI_UNMAP_DESC_MAX 256  /* block descriptors in one UNMAP */

/*
 * Persistent reservations (SPC-4 5.9) and SPC-2 RESERVE/RELEASE of one LUN;
 * owned by struct scsi_lun, changed only by scsi_pr.c.  Registrations are
 * per I_T nexus; nexus ids are the transport's (unique per session, never
 * reused while the process lives).
 */
struct scsi_pr_reg {
	uint64_t nexus;
	uint64_t key;
	char port[SCSI_PORT_MAX]; /* initiator port name (TransportID) */
};

struct scsi_pr {
	uint32_t generation;
	struct scsi_pr_reg reg[SCSI_PR_MAX];
	size_t nreg;
	int held;        /* a persistent reservation exists */
	uint64_t holder; /* its nexus (all registrants for types 7 and 8) */
	uint8_t type;    /* SPC-4 Table 170: 1 WE, 3 EA, 5 WERO, 6 EARO, 7 WEAR, 8 EAAR */
	int reserved6;   /* SPC-2 RESERVE(6/10) held */
	uint64_t reserve6_nexus;
};

/* One pending unit attention per known nexus (the most recent wins). */
struct scsi_ua {
	uint64_t nexus;
	uint16_t asc; /* 0 = none pending */
};

/*
 * A logical unit: what the transport knows about the volume, and the
 * state SCSI keeps for it.  Filled by the transport (geometry, names),
 * then owned by it; scsi.c and scsi_pr.c only change ua[] and pr.
 */
struct scsi_lun {
	uint64_t blocks;          /* capacity in logical blocks */
	uint32_t block_size;      /* bytes, a power of two >= 512 */
	int thin;                 /* the backstore can discard: LBPME, UNMAP, WRITE SAME UNMAP */
	int read_only;            /* writes get DATA PROTECT / WRITE PROTECTED */
	uint32_t max_xfer_blocks; /* VPD B0: maximum transfer length */
	uint32_t opt_xfer_blocks; /* VPD B0: optimal transfer length */
	uint32_t max_unmap_blocks;
	uint32_t max_ws_blocks; /* WRITE SAME */
	uint64_t id;            /* stable identifier (NAA, VPD 0x83); from the volume name */
	char serial[33];        /* VPD 0x80, printable, NUL-terminated */
	char vendor[9];         /* INQUIRY, space-padded when sent */
	char product[17];
	char revision[5];
	uint16_t rel_port; /* relative target port identifier (VPD 0x83) */
	uint16_t tpg;      /* target port group (VPD 0x83) */
	struct scsi_ua ua[SCSI_NEXUS_MAX];
	struct scsi_pr pr;
};

/* What the transport must do with the volume for a command. */
enum scsi_action {
	SCSI_A_DONE,       /* nothing: status, sense and in_len bytes of buf are final */
	SCSI_A_READ,       /* read nblocks at lba and send them as Data-In, then GOOD */
	SCSI_A_WRITE,      /* receive out_len bytes and write them at lba (fua: then flush) */
	SCSI_A_VERIFY,     /* bytchk 1: receive out_len bytes, read the range, compare;
	                    * bytchk 3: receive one block, compare with every block read */
	SCSI_A_ORWRITE,    /* receive out_len bytes, read the range, OR them in, write */
	SCSI_A_CAW,        /* COMPARE AND WRITE: receive 2 * nblocks blocks; read nblocks;
	                    * compare with the first half (scsi_miscompare on a difference);
	                    * write the second half */
	SCSI_A_WRITE_SAME, /* receive one block (none with ndob); write it to nblocks blocks
	                    * from lba, or discard them when unmap is set and the block
	                    * is all zeroes (or ndob) */
	SCSI_A_FLUSH,      /* flush the range (or all of it) to stable storage */
	SCSI_A_UNMAP,      /* receive out_len bytes; scsi_unmap_parse; discard each extent */
	SCSI_A_LBA_STATUS, /* ask the backstore which blocks from lba are mapped;
	                    * finish with scsi_lba_status */
	SCSI_A_PARAM,      /* receive out_len bytes, then call scsi_param_out */
};

/*
 * One command.  The transport fills the "in" part and calls scsi_exec;
 * scsi_exec fills the rest.  buf belongs to the transport.
 */
struct scsi_cmd {
	/* in */
	const uint8_t *cdb; /* 16 bytes readable (shorter CDBs zero-padded) */
	uint64_t lun;       /* the LUN field, decoded to a flat number */
	uint64_t nexus;     /* the I_T nexus (session) */
	const char *port;   /* its initiator port name */
	uint32_t edtl;      /* expected data transfer length (bytes) */
	uint8_t *buf;       /* Data-In built by SCSI goes here */
	size_t cap;         /* >= SCSI_BUF_MIN */
	/* out */
	enum scsi_action action;
	uint64_t lba;
	uint32_t nblocks;
	uint32_t out_len; /* bytes of Data-Out the command needs */
	uint32_t in_len;  /* bytes of Data-In the command returns (before EDTL) */
	uint8_t bytchk;   /* VERIFY / WRITE AND VERIFY */
	uint8_t fua, unmap, ndob, anchor;
	uint8_t status;
	uint8_t sense[SCSI_SENSE_MAX];
	uint8_t sense_len;
};

/** An extent of blocks (UNMAP descriptors). */
struct scsi_extent {
	uint64_t lba;
	uint32_t nblocks;
};

/** A GET LBA STATUS descriptor, as the backstore reports it. */
struct scsi_lba_desc {
	uint64_t lba;
	uint32_t nblocks;
	uint8_t status; /* SBC-3 Table 57: 0 mapped, 1 deallocated, 2 anchored */
};

/**
 * Decode and check a command, and do everything that needs no volume.
 *
 * Checks in order: the LUN (only LUN 0 exists: others get ILLEGAL REQUEST /
 * LOGICAL UNIT NOT SUPPORTED, except INQUIRY and REPORT LUNS), a pending unit
 * attention for this nexus (reported once, except to INQUIRY, REPORT LUNS and
 * REQUEST SENSE), reservation conflicts (scsi_pr_conflict), then the CDB's
 * own fields and range.  A zero-length READ, WRITE or VERIFY completes with
 * GOOD as SCSI_A_DONE without touching the volume (SBC-3 5.x).
 *
 * @v lun	the logical unit
 * @v c		the command; on return action, status and sense are set
 */
void scsi_exec(struct scsi_lun *lun, struct scsi_cmd *c);

/** Set CHECK CONDITION with fixed-format sense (SPC-4 4.5.3). */
void scsi_check(struct scsi_cmd *c, uint8_t key, uint16_t asc);

/** As scsi_check, with the INFORMATION field set (VALID bit). */
void scsi_check_info(struct scsi_cmd *c, uint8_t key, uint16_t asc, uint64_t info);

/**
 * Finish a VERIFY, COMPARE AND WRITE after a miscompare at byte @p offset of
 * the compared data: MISCOMPARE / MISCOMPARE DURING VERIFY OPERATION with
 * the offset in INFORMATION (SBC-3 5.2, 5.27).
 */
void scsi_miscompare(struct scsi_cmd *c, uint64_t offset);

/**
 * Parse an UNMAP parameter list (SBC-3 5.28) received for @p c.
 *
 * @ret n	number of extents written to @p ext (may be 0), or -1 with
 *		the error already set in @p c (bad lengths, LBA out of range,
 *		too many descriptors or blocks)
 */
int scsi_unmap_parse(const struct scsi_lun *lun, struct scsi_cmd *c, const uint8_t *param,
                     size_t len, struct scsi_extent *ext, size_t max);

/**
 * Finish GET LBA STATUS: build the parameter data in c->buf from the
 * backstore's descriptors (starting at c->lba), truncated to the
 * allocation length; sets in_len and GOOD.
 */
void scsi_lba_status(struct scsi_cmd *c, const struct scsi_lba_desc *d, size_t n);

/**
 * Finish a SCSI_A_PARAM command (PERSISTENT RESERVE OUT, MODE SELECT)
 * with its parameter data.
 */
void scsi_param_out(struct scsi_lun *lun, struct scsi_cmd *c, const uint8_t *param, size_t len);

/** A nexus logged in to the LUN (gets a slot for unit attentions). */
void scsi_nexus_add(struct scsi_lun *lun, uint64_t nexus);

/** A nexus went away: its slot, SPC-2 reservation (not its PR registration). */
void scsi_nexus_remove(struct scsi_lun *lun, uint64_t nexus);

/** Raise unit attention @p asc for every known nexus except @p except (0: all). */
void scsi_ua_raise(struct scsi_lun *lun, uint64_t except, uint16_t asc);

/** Raise unit attention @p asc for @p nexus only (nothing if it is not known). */
void scsi_ua_raise_one(struct scsi_lun *lun, uint64_t nexus, uint16_t asc);

/**
 * LOGICAL UNIT RESET / TARGET WARM RESET (SAM-5 5.7): SPC-2 reservation
 * dropped, BUS DEVICE RESET unit attention to every nexus but @p from.
 */
void scsi_lun_reset(struct scsi_lun *lun, uint64_t from);

#endif
