/* SPDX-License-Identifier: MIT */
/*
 * scsi_pr.c - reservations of one logical unit: SPC-4 persistent
 * reservations (PERSISTENT RESERVE IN and OUT, and which commands a
 * reservation lets through) and the older SPC-2 RESERVE and RELEASE.  It
 * owns struct scsi_pr inside struct scsi_lun and nothing else: sense data is
 * set through scsi_check() and unit attentions through scsi_ua_raise_one(),
 * both in scsi.c.  Pure like the rest of SCSI: no I/O, no clock, no logging.
 * Registrations belong to I_T nexuses (the transport's session ids); APTPL,
 * SPEC_I_PT, ALL_TG_PT and REGISTER AND MOVE are not supported and are
 * reported so in REPORT CAPABILITIES.  CRH is 0: while registrations exist,
 * RESERVE and RELEASE conflict, and while an SPC-2 reservation exists,
 * PERSISTENT RESERVE IN and OUT conflict (SPC-2 5.5.1).  Aborting the tasks
 * of preempted nexuses (PREEMPT AND ABORT) is left to the transport.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/bytes.h"
#include "scsi/scsi.h"
#include "scsi/scsi_pr.h"

/* Operation codes this module looks at (SPC-4 Annex D, SBC-3 Annex A) */
enum {
	OP_TEST_UNIT_READY = 0x00,
	OP_REQUEST_SENSE = 0x03,
	OP_READ6 = 0x08,
	OP_INQUIRY = 0x12,
	OP_RESERVE6 = 0x16,
	OP_RELEASE6 = 0x17,
	OP_MODE_SENSE6 = 0x1a,
	OP_START_STOP_UNIT = 0x1b,
	OP_RECEIVE_DIAGNOSTIC = 0x1c,
	OP_PREVENT_ALLOW = 0x1e,
	OP_READ_CAPACITY10 = 0x25,
	OP_READ10 = 0x28,
	OP_VERIFY10 = 0x2f,
	OP_PRE_FETCH10 = 0x34,
	OP_READ_DEFECT10 = 0x37,
	OP_READ_BUFFER10 = 0x3c,
	OP_READ_LONG10 = 0x3e,
	OP_LOG_SENSE = 0x4d,
	OP_RESERVE10 = 0x56,
	OP_RELEASE10 = 0x57,
	OP_MODE_SENSE10 = 0x5a,
	OP_PR_IN = 0x5e,
	OP_PR_OUT = 0x5f,
	OP_VARIABLE = 0x7f,
	OP_ACCESS_CONTROL_IN = 0x86,
	OP_ACCESS_CONTROL_OUT = 0x87,
	OP_READ16 = 0x88,
	OP_READ_ATTRIBUTE = 0x8c,
	OP_VERIFY16 = 0x8f,
	OP_PRE_FETCH16 = 0x90,
	OP_READ_BUFFER16 = 0x9b,
	OP_SERVICE_IN16 = 0x9e,
	OP_REPORT_LUNS = 0xa0,
	OP_SECURITY_IN = 0xa2,
	OP_MAINTENANCE_IN = 0xa3,
	OP_READ12 = 0xa8,
	OP_SERVICE_IN12 = 0xab,
	OP_VERIFY12 = 0xaf,
	OP_READ_DEFECT12 = 0xb7,
};

/* PERSISTENT RESERVE IN service actions (SPC-4 6.15.1) */
enum {
	PRI_READ_KEYS = 0,
	PRI_READ_RESERVATION = 1,
	PRI_REPORT_CAPABILITIES = 2,
	PRI_READ_FULL_STATUS = 3,
};

/* PERSISTENT RESERVE OUT service actions (SPC-4 6.16.1) */
enum {
	PRO_REGISTER = 0,
	PRO_RESERVE = 1,
	PRO_RELEASE = 2,
	PRO_CLEAR = 3,
	PRO_PREEMPT = 4,
	PRO_PREEMPT_AND_ABORT = 5,
	PRO_REGISTER_AND_IGNORE = 6,
};

/* Persistent reservation types (SPC-4 6.16.3, TYPE field) */
enum {
	PR_WE = 1,   /* Write Exclusive */
	PR_EA = 3,   /* Exclusive Access */
	PR_WERO = 5, /* Write Exclusive, Registrants Only */
	PR_EARO = 6, /* Exclusive Access, Registrants Only */
	PR_WEAR = 7, /* Write Exclusive, All Registrants */
	PR_EAAR = 8, /* Exclusive Access, All Registrants */
};

#define PR_SCOPE_LU     0    /* the only scope (SPC-4 6.16.3) */
#define PR_PARAM_LEN    24   /* basic PR OUT parameter list (SPC-4 6.16.3) */
#define PR_SPEC_I_PT    0x08 /* parameter list byte 20 */
#define PR_ALL_TG_PT    0x04
#define PR_APTPL        0x01
#define PR_PROTO_ISCSI  0x5 /* SPC-4 7.6.1, protocol identifier */
#define PR_TID_MIN_NAME 20  /* iSCSI TransportID name field, at least (SPC-4 7.6.4.6) */

/* What a reservation held by another nexus does to a command (SPC-4 5.9.1). */
enum pr_class {
	PR_ALLOWED, /* allowed under every reservation type */
	PR_READ,    /* conflicts only where other nexuses may not read */
	PR_WRITE,   /* conflicts wherever other nexuses may not write */
};

static void pr_done(struct scsi_cmd *c, uint8_t status)
{
	c->action = SCSI_A_DONE;
	c->status = status;
}

static void pr_fail(struct scsi_cmd *c, uint8_t key, uint16_t asc)
{
	c->action = SCSI_A_DONE;
	c->in_len = 0;
	scsi_check(c, key, asc);
}

static void pr_conflict(struct scsi_cmd *c)
{
	c->in_len = 0;
	c->sense_len = 0;
	pr_done(c, SCSI_RESERVATION_CONFLICT);
}

static int pr_type_valid(uint8_t type)
{
	return type == PR_WE || type == PR_EA || type == PR_WERO || type == PR_EARO ||
	       type == PR_WEAR || type == PR_EAAR;
}

/* Types where every registrant holds the reservation (SPC-4 5.9.10). */
static int pr_all_reg(uint8_t type)
{
	return type == PR_WEAR || type == PR_EAAR;
}

/* Index of @p nexus's registration, or -1. */
static int pr_find(const struct scsi_pr *pr, uint64_t nexus)
{
	size_t i;

	for (i = 0; i < pr->nreg; i++)
		if (pr->reg[i].nexus == nexus)
			return (int)i;
	return -1;
}

/* 1 if @p nexus holds the persistent reservation (SPC-4 5.9.10). */
static int pr_holder(const struct scsi_pr *pr, uint64_t nexus)
{
	if (!pr->held)
		return 0;
	if (pr_all_reg(pr->type))
		return pr_find(pr, nexus) >= 0;
	return pr->holder == nexus;
}

static void pr_remove(struct scsi_pr *pr, size_t i)
{
	memmove(&pr->reg[i], &pr->reg[i + 1], (pr->nreg - i - 1) * sizeof(pr->reg[0]));
	pr->nreg--;
}

/* Raise @p asc for every registrant but @p except. */
static void pr_ua_registrants(struct scsi_lun *lun, uint64_t except, uint16_t asc)
{
	size_t i;

	for (i = 0; i < lun->pr.nreg; i++)
		if (lun->pr.reg[i].nexus != except)
			scsi_ua_raise_one(lun, lun->pr.reg[i].nexus, asc);
}

/*
 * Which class @p cdb falls in when another nexus holds a persistent
 * reservation: SPC-4 5.9.1 (commands allowed in the presence of various
 * reservations) and its SBC-3 4.17 counterpart.  Whatever is not known to
 * be harmless counts as a write, so an unknown opcode conflicts.
 */
static enum pr_class pr_class(const uint8_t *cdb)
{
	uint8_t sa = cdb[1] & 0x1f;

	switch (cdb[0]) {
	case OP_TEST_UNIT_READY:
	case OP_REQUEST_SENSE:
	case OP_INQUIRY:
	case OP_READ_CAPACITY10:
	case OP_LOG_SENSE:
	case OP_PR_IN:
	case OP_ACCESS_CONTROL_IN:
	case OP_ACCESS_CONTROL_OUT:
	case OP_REPORT_LUNS: return PR_ALLOWED;
	case OP_START_STOP_UNIT:
		/* SBC-3 4.17: only START 1 with POWER CONDITION 0 is harmless */
		return (cdb[4] & 0x01) && !(cdb[4] & 0xf0) ? PR_ALLOWED : PR_WRITE;
	case OP_PREVENT_ALLOW: return (cdb[4] & 0x03) == 0 ? PR_ALLOWED : PR_WRITE;
	case OP_SERVICE_IN16:
		return sa == 0x10 ? PR_ALLOWED : PR_READ; /* READ CAPACITY(16); GET LBA STATUS.. */
	case OP_MAINTENANCE_IN:
		/* REPORT IDENTIFYING INFORMATION, TARGET PORT GROUPS, ALIASES, PRIORITY,
		 * TIMESTAMP; REPORT SUPPORTED OPERATION CODES / TMF read */
		if (sa == 0x05 || sa == 0x0a || sa == 0x0b || sa == 0x0e || sa == 0x0f)
			return PR_ALLOWED;
		return PR_READ;
	case OP_SERVICE_IN12:
		return sa == 0x01 ? PR_ALLOWED : PR_READ; /* READ MEDIA SERIAL NUMBER */
	case OP_VARIABLE:
		/* READ(32) and VERIFY(32); the other 32-byte CDBs write */
		return be16_get(cdb + 8) == 0x0009 || be16_get(cdb + 8) == 0x000a ? PR_READ
		                                                                  : PR_WRITE;
	case OP_READ6:
	case OP_READ10:
	case OP_READ12:
	case OP_READ16:
	case OP_VERIFY10:
	case OP_VERIFY12:
	case OP_VERIFY16:
	case OP_PRE_FETCH10:
	case OP_PRE_FETCH16:
	case OP_MODE_SENSE6:
	case OP_MODE_SENSE10:
	case OP_READ_BUFFER10:
	case OP_READ_BUFFER16:
	case OP_RECEIVE_DIAGNOSTIC:
	case OP_READ_ATTRIBUTE:
	case OP_READ_DEFECT10:
	case OP_READ_DEFECT12:
	case OP_READ_LONG10:
	case OP_SECURITY_IN: return PR_READ;
	default: return PR_WRITE;
	}
}

/* Commands another nexus's SPC-2 reservation lets through (SPC-2 5.5.1, 7.21). */
static int pr_spc2_allowed(uint8_t op)
{
	return op == OP_INQUIRY || op == OP_REPORT_LUNS || op == OP_REQUEST_SENSE ||
	       op == OP_RELEASE6 || op == OP_RELEASE10;
}

/*
 * SPC-2 reservations first: while one exists, PERSISTENT RESERVE IN and OUT
 * conflict for every nexus and other nexuses get little else.  Then the
 * reverse: while registrations exist RESERVE and RELEASE conflict (CRH 0).
 * PERSISTENT RESERVE OUT is then let through: whether it conflicts
 * (SPC-4 5.9.1, PERSISTENT RESERVE OUT service actions allowed) depends on
 * the reservation key in its parameter list, which scsi_pr_out checks.
 */
int scsi_pr_conflict(const struct scsi_lun *lun, uint64_t nexus, const uint8_t *cdb)
{
	const struct scsi_pr *pr = &lun->pr;
	uint8_t op = cdb[0];
	enum pr_class cl;
	int reg;

	if (pr->reserved6) {
		if (op == OP_PR_IN || op == OP_PR_OUT)
			return 1;
		if (pr->reserve6_nexus != nexus && !pr_spc2_allowed(op))
			return 1;
	}
	if (op == OP_RESERVE6 || op == OP_RESERVE10 || op == OP_RELEASE6 || op == OP_RELEASE10)
		return pr->nreg > 0 || pr->held;
	if (op == OP_PR_OUT || !pr->held || pr_holder(pr, nexus))
		return 0;

	cl = pr_class(cdb);
	if (cl == PR_ALLOWED)
		return 0;
	reg = pr_find(pr, nexus) >= 0;
	switch (pr->type) {
	case PR_WE: return cl == PR_WRITE;
	case PR_WERO:
	case PR_WEAR: return !reg && cl == PR_WRITE;
	case PR_EARO:
	case PR_EAAR: return !reg;
	default: return 1; /* PR_EA */
	}
}

/*
 * Parameter data being built in c->buf, cut at the allocation length
 * (SPC-4 4.2.5.6) and at the buffer; len counts the whole data.
 */
struct pr_data {
	uint8_t *buf;
	size_t lim;
	size_t len;
};

static void pr_emit(struct pr_data *d, const void *src, size_t n)
{
	if (d->len < d->lim) {
		size_t k = d->lim - d->len < n ? d->lim - d->len : n;

		memcpy(d->buf + d->len, src, k);
	}
	d->len += n;
}

/* Header of READ KEYS, READ RESERVATION and READ FULL STATUS (SPC-4 6.15.2). */
static void pr_emit_header(struct pr_data *d, uint32_t generation, uint32_t additional)
{
	uint8_t h[8];

	be32_put(h, generation);
	be32_put(h + 4, additional);
	pr_emit(d, h, sizeof(h));
}

/*
 * Bytes of the iSCSI name field of an initiator port's TransportID: the
 * name with its NUL, padded to a multiple of 4, at least 20 (SPC-4 7.6.4.6).
 */
static size_t pr_tid_name_len(const char *port)
{
	size_t n = strnlen(port, SCSI_PORT_MAX - 1) + 1;

	n = (n + 3) & ~(size_t)3;
	return n < PR_TID_MIN_NAME ? PR_TID_MIN_NAME : n;
}

/*
 * An iSCSI TransportID: format 01b (name ",i,0x" ISID, the initiator port)
 * when the port name carries an ISID, format 00b (the device name) if not.
 */
static void pr_emit_tid(struct pr_data *d, const char *port)
{
	static const uint8_t zero[PR_TID_MIN_NAME];
	size_t name = strnlen(port, SCSI_PORT_MAX - 1);
	size_t field = pr_tid_name_len(port);
	uint8_t h[4];

	h[0] = (strstr(port, ",i,0x") ? 0x40 : 0x00) | PR_PROTO_ISCSI;
	h[1] = 0;
	be16_put(h + 2, (uint16_t)field);
	pr_emit(d, h, sizeof(h));
	pr_emit(d, port, name);
	pr_emit(d, zero, field - name);
}

/* READ KEYS (SPC-4 6.15.2) */
static void pr_read_keys(const struct scsi_pr *pr, struct pr_data *d)
{
	uint8_t k[8];
	size_t i;

	pr_emit_header(d, pr->generation, (uint32_t)(8 * pr->nreg));
	for (i = 0; i < pr->nreg; i++) {
		be64_put(k, pr->reg[i].key);
		pr_emit(d, k, sizeof(k));
	}
}

/*
 * READ RESERVATION (SPC-4 6.15.3): an all registrants reservation has no
 * one key and reports 0.
 */
static void pr_read_reservation(const struct scsi_pr *pr, struct pr_data *d)
{
	uint8_t r[16] = {0};
	int h;

	if (!pr->held) {
		pr_emit_header(d, pr->generation, 0);
		return;
	}
	h = pr_find(pr, pr->holder);
	if (!pr_all_reg(pr->type) && h >= 0)
		be64_put(r, pr->reg[h].key);
	r[13] = (uint8_t)(PR_SCOPE_LU << 4 | pr->type);
	pr_emit_header(d, pr->generation, sizeof(r));
	pr_emit(d, r, sizeof(r));
}

/*
 * REPORT CAPABILITIES (SPC-4 6.15.4): CRH, SIP_C, ATP_C and PTPL_C 0; the
 * type mask valid (TMV) with the six types; ALLOW COMMANDS 011b, as
 * pr_class lets MODE SENSE, READ BUFFER and the like through Write
 * Exclusive and TEST UNIT READY through both.
 */
static void pr_report_caps(struct pr_data *d)
{
	uint8_t r[8] = {0};

	be16_put(r, sizeof(r));
	r[3] = 0x80 | 3 << 4;
	r[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02; /* WR_EX_AR EX_AC_RO WR_EX_RO EX_AC WR_EX */
	r[5] = 0x01;                             /* EX_AC_AR */
	pr_emit(d, r, sizeof(r));
}

/* READ FULL STATUS (SPC-4 6.15.5): one descriptor per registration. */
static void pr_read_full_status(const struct scsi_lun *lun, struct pr_data *d)
{
	const struct scsi_pr *pr = &lun->pr;
	uint32_t total = 0;
	size_t i;

	for (i = 0; i < pr->nreg; i++)
		total += 24 + 4 + (uint32_t)pr_tid_name_len(pr->reg[i].port);
	pr_emit_header(d, pr->generation, total);
	for (i = 0; i < pr->nreg; i++) {
		const struct scsi_pr_reg *r = &pr->reg[i];
		uint8_t e[24] = {0};

		be64_put(e, r->key);
		if (pr_holder(pr, r->nexus)) {
			e[12] = 0x01; /* R_HOLDER; ALL_TG_PT 0 */
			e[13] = (uint8_t)(PR_SCOPE_LU << 4 | pr->type);
		}
		be16_put(e + 18, lun->rel_port);
		be32_put(e + 20, (uint32_t)(4 + pr_tid_name_len(r->port)));
		pr_emit(d, e, sizeof(e));
		pr_emit_tid(d, r->port);
	}
}

void scsi_pr_in(struct scsi_lun *lun, struct scsi_cmd *c)
{
	uint16_t alloc = be16_get(c->cdb + 7);
	struct pr_data d = {.buf = c->buf, .lim = alloc < c->cap ? alloc : c->cap};

	if (scsi_pr_conflict(lun, c->nexus, c->cdb)) {
		pr_conflict(c);
		return;
	}
	switch (c->cdb[1] & 0x1f) {
	case PRI_READ_KEYS: pr_read_keys(&lun->pr, &d); break;
	case PRI_READ_RESERVATION: pr_read_reservation(&lun->pr, &d); break;
	case PRI_REPORT_CAPABILITIES: pr_report_caps(&d); break;
	case PRI_READ_FULL_STATUS: pr_read_full_status(lun, &d); break;
	default: pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB); return;
	}
	c->in_len = (uint32_t)(d.len < d.lim ? d.len : d.lim);
	pr_done(c, SCSI_GOOD);
}

/*
 * Remove registration @p i (SPC-4 5.9.11.3 unregistering).  A reservation
 * its nexus held goes with it, with RESERVATIONS RELEASED for the remaining
 * registrants of a registrants only type; an all registrants reservation
 * goes with the last registration.
 */
static void pr_unregister(struct scsi_lun *lun, size_t i)
{
	struct scsi_pr *pr = &lun->pr;
	uint64_t nexus = pr->reg[i].nexus;

	pr_remove(pr, i);
	if (!pr->held)
		return;
	if (pr_all_reg(pr->type)) {
		if (pr->nreg == 0)
			pr->held = 0;
		return;
	}
	if (pr->holder != nexus)
		return;
	pr->held = 0;
	if (pr->type == PR_WERO || pr->type == PR_EARO)
		pr_ua_registrants(lun, nexus, ASC_RESERVATIONS_RELEASED);
}

/*
 * REGISTER and REGISTER AND IGNORE EXISTING KEY (SPC-4 5.9.7): register,
 * change the key, or unregister with a zero service action key.  The
 * generation counts every one that succeeds (SPC-4 6.15.2).
 */
static void pr_register(struct scsi_lun *lun, struct scsi_cmd *c, int ignore, uint64_t rk,
                        uint64_t sark)
{
	struct scsi_pr *pr = &lun->pr;
	int i = pr_find(pr, c->nexus);

	if (i < 0) {
		if (!ignore && rk != 0) {
			pr_conflict(c);
			return;
		}
		if (sark != 0) {
			struct scsi_pr_reg *r;

			if (pr->nreg == SCSI_PR_MAX) {
				pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INSUFFICIENT_REG_RESOURCES);
				return;
			}
			r = &pr->reg[pr->nreg++];
			memset(r, 0, sizeof(*r));
			r->nexus = c->nexus;
			r->key = sark;
			if (c->port)
				memcpy(r->port, c->port, strnlen(c->port, sizeof(r->port) - 1));
		}
	} else {
		if (!ignore && rk != pr->reg[i].key) {
			pr_conflict(c);
			return;
		}
		if (sark == 0)
			pr_unregister(lun, (size_t)i);
		else
			pr->reg[i].key = sark;
	}
	pr->generation++;
	pr_done(c, SCSI_GOOD);
}

/* RESERVE (SPC-4 5.9.9): a holder may repeat it with the same type only. */
static void pr_reserve(struct scsi_pr *pr, struct scsi_cmd *c, uint8_t type)
{
	if (!pr->held) {
		pr->held = 1;
		pr->holder = c->nexus;
		pr->type = type;
	} else if (!pr_holder(pr, c->nexus) || pr->type != type) {
		pr_conflict(c);
		return;
	}
	pr_done(c, SCSI_GOOD);
}

/*
 * RELEASE (SPC-4 5.9.11.2): a no-op for a registrant that is no holder; the
 * holder must name the type it holds.  Releasing a registrants only or all
 * registrants reservation tells the other registrants.
 */
static void pr_release(struct scsi_lun *lun, struct scsi_cmd *c, uint8_t type)
{
	struct scsi_pr *pr = &lun->pr;

	if (!pr_holder(pr, c->nexus)) {
		pr_done(c, SCSI_GOOD);
		return;
	}
	if (pr->type != type) {
		pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_RELEASE_PR);
		return;
	}
	pr->held = 0;
	if (pr->type != PR_WE && pr->type != PR_EA)
		pr_ua_registrants(lun, c->nexus, ASC_RESERVATIONS_RELEASED);
	pr_done(c, SCSI_GOOD);
}

/* CLEAR (SPC-4 5.9.11.6): everything goes; the others are told. */
static void pr_clear(struct scsi_lun *lun, struct scsi_cmd *c)
{
	pr_ua_registrants(lun, c->nexus, ASC_RESERVATIONS_PREEMPTED);
	lun->pr.nreg = 0;
	lun->pr.held = 0;
	lun->pr.generation++;
	pr_done(c, SCSI_GOOD);
}

/*
 * Remove the registrations with key @p sark (all of them with @p all), never
 * the issuer's, each nexus told REGISTRATIONS PREEMPTED (SPC-4 5.9.11.4).
 */
static void pr_preempt_regs(struct scsi_lun *lun, uint64_t nexus, int all, uint64_t sark)
{
	struct scsi_pr *pr = &lun->pr;
	size_t i = 0;

	while (i < pr->nreg) {
		if (pr->reg[i].nexus != nexus && (all || pr->reg[i].key == sark)) {
			scsi_ua_raise_one(lun, pr->reg[i].nexus, ASC_REGISTRATIONS_PREEMPTED);
			pr_remove(pr, i);
		} else {
			i++;
		}
	}
}

/*
 * PREEMPT and PREEMPT AND ABORT (SPC-4 5.9.11.4, 5.9.11.5).  The service
 * action key names either the holder (its reservation passes to the issuer
 * with the type asked for), or, with an all registrants reservation, 0 for
 * every other registrant (same), or else the registrations to remove.
 */
static void pr_preempt(struct scsi_lun *lun, struct scsi_cmd *c, uint8_t type, uint64_t sark)
{
	struct scsi_pr *pr = &lun->pr;
	int h = pr->held && !pr_all_reg(pr->type) ? pr_find(pr, pr->holder) : -1;
	size_t i;
	int found = 0;

	if ((h >= 0 && pr->reg[h].key == sark) || (pr->held && pr_all_reg(pr->type) && sark == 0)) {
		uint8_t old = pr->type;

		pr_preempt_regs(lun, c->nexus, sark == 0, sark);
		pr->holder = c->nexus;
		pr->type = type;
		if (old != type)
			pr_ua_registrants(lun, c->nexus, ASC_RESERVATIONS_RELEASED);
	} else {
		if (sark == 0) {
			pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
			return;
		}
		for (i = 0; i < pr->nreg; i++)
			found |= pr->reg[i].key == sark;
		if (!found) {
			pr_conflict(c);
			return;
		}
		pr_preempt_regs(lun, c->nexus, 0, sark);
	}
	pr->generation++;
	pr_done(c, SCSI_GOOD);
}

/*
 * The parameter list is checked before the keys: 24 bytes (SPC-4 6.16.3),
 * no SPEC_I_PT, and for the registering actions no ALL_TG_PT or APTPL, as
 * REPORT CAPABILITIES says; the other actions ignore those two bits.
 */
void scsi_pr_out(struct scsi_lun *lun, struct scsi_cmd *c, const uint8_t *param, size_t len)
{
	struct scsi_pr *pr = &lun->pr;
	uint8_t sa = c->cdb[1] & 0x1f;
	uint8_t scope = c->cdb[2] >> 4;
	uint8_t type = c->cdb[2] & 0x0f;
	uint32_t plen = be32_get(c->cdb + 5);
	int reg = pr_find(pr, c->nexus);
	uint64_t rk, sark;

	c->in_len = 0;
	if (scsi_pr_conflict(lun, c->nexus, c->cdb)) {
		pr_conflict(c);
		return;
	}
	if (sa > PRO_REGISTER_AND_IGNORE) { /* REGISTER AND MOVE and later */
		pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	if (len > 20 && (param[20] & PR_SPEC_I_PT)) {
		pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
		return;
	}
	if (plen != PR_PARAM_LEN || len < PR_PARAM_LEN) {
		pr_fail(c, SK_ILLEGAL_REQUEST, ASC_PARAM_LIST_LENGTH);
		return;
	}
	rk = be64_get(param);
	sark = be64_get(param + 8);

	if (sa == PRO_REGISTER || sa == PRO_REGISTER_AND_IGNORE) {
		if (param[20] & (PR_ALL_TG_PT | PR_APTPL)) {
			pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
			return;
		}
		pr_register(lun, c, sa == PRO_REGISTER_AND_IGNORE, rk, sark);
		return;
	}
	/* Every other action needs the nexus registered under that key. */
	if (reg < 0 || pr->reg[reg].key != rk) {
		pr_conflict(c);
		return;
	}
	if (sa == PRO_CLEAR) {
		pr_clear(lun, c);
		return;
	}
	if (scope != PR_SCOPE_LU || !pr_type_valid(type)) {
		pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	switch (sa) {
	case PRO_RESERVE: pr_reserve(pr, c, type); break;
	case PRO_RELEASE: pr_release(lun, c, type); break;
	default: pr_preempt(lun, c, type, sark); break;
	}
}

/*
 * RESERVE(10) third-party reservations and RESERVE(6) extents are not
 * supported (SPC-2 7.22, 7.21).
 */
static int pr_spc2_cdb_ok(const uint8_t *cdb)
{
	if (cdb[0] == OP_RESERVE10 || cdb[0] == OP_RELEASE10)
		return !(cdb[1] & 0x12); /* 3RDPTY, LONGID */
	return !(cdb[1] & 0x11);         /* obsolete 3RDPTY, EXTENT */
}

/* The checks RESERVE and RELEASE share: 1 if the command may go on. */
static int pr_spc2_admit(const struct scsi_lun *lun, struct scsi_cmd *c)
{
	c->in_len = 0;
	if (scsi_pr_conflict(lun, c->nexus, c->cdb)) {
		pr_conflict(c);
		return 0;
	}
	if (!pr_spc2_cdb_ok(c->cdb)) {
		pr_fail(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return 0;
	}
	return 1;
}

void scsi_pr_reserve6(struct scsi_lun *lun, struct scsi_cmd *c)
{
	if (!pr_spc2_admit(lun, c))
		return;
	lun->pr.reserved6 = 1;
	lun->pr.reserve6_nexus = c->nexus;
	pr_done(c, SCSI_GOOD);
}

/* RELEASE from a nexus that holds nothing is GOOD and changes nothing (SPC-2 7.17). */
void scsi_pr_release6(struct scsi_lun *lun, struct scsi_cmd *c)
{
	if (!pr_spc2_admit(lun, c))
		return;
	if (lun->pr.reserved6 && lun->pr.reserve6_nexus == c->nexus)
		lun->pr.reserved6 = 0;
	pr_done(c, SCSI_GOOD);
}

void scsi_pr_nexus_gone(struct scsi_pr *pr, uint64_t nexus)
{
	if (pr->reserved6 && pr->reserve6_nexus == nexus)
		pr->reserved6 = 0;
}

void scsi_pr_reset(struct scsi_pr *pr, int power_on)
{
	if (power_on)
		memset(pr, 0, sizeof(*pr));
	pr->reserved6 = 0;
}
