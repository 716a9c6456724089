/* SPDX-License-Identifier: MIT */
/*
 * iscsi_text.h - iSCSI text keys (RFC 7143 6, 13): walking the key=value
 * pairs of a Login or Text data segment, and negotiating the operational
 * keys from one table (numeric min/max, boolean AND/OR, list choice,
 * declarative; NotUnderstood, Irrelevant, Reject).  Pure: no I/O, no
 * logging; pairs borrow from the caller's buffer.
 */
#ifndef RACKBOOT_ISCSI_TEXT_H
#define RACKBOOT_ISCSI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define ISCSI_KEY_MAX   63   /* RFC 7143 6.1 */
#define ISCSI_VALUE_MAX 8192 /* RFC 7143 6.1: text values, including SendTargets */

/** One key=value pair; neither string is NUL-terminated by the parser. */
struct iscsi_kv {
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
};

/**
 * The next pair of a data segment: pairs are "key=value" each ended by a
 * NUL (RFC 7143 6.1); padding NULs are skipped.
 *
 * @v p		in: where to read; out: past the pair
 * @ret rc	1: a pair in *kv; 0: end; -EPROTO: a pair without '=', an
 *		empty or over-long key, a value over ISCSI_VALUE_MAX, or no NUL
 */
int iscsi_text_next(const uint8_t **p, const uint8_t *end, struct iscsi_kv *kv);

/** 1 if @p kv's key is @p name. */
int iscsi_kv_is(const struct iscsi_kv *kv, const char *name);

/** Copy a value to a NUL-terminated string; -ENAMETOOLONG if it does not fit. */
int iscsi_kv_copy(const struct iscsi_kv *kv, char *out, size_t cap);

/**
 * A numerical value (RFC 7143 6.1.1): decimal, or hex after "0x"/"0X".
 *
 * @ret rc	0, -EINVAL (not a number) or -ERANGE (over 2^32-1)
 */
int iscsi_text_number(const char *s, size_t n, uint32_t *out);

/**
 * The next item of a list value (RFC 7143 6.1: comma-separated).
 *
 * @v p		in: where to read (the value's start); out: past the item, or
 *		NULL after the last one
 * @ret rc	1: an item in *item and *len; 0: end; -EINVAL: an empty item
 */
int iscsi_text_list_next(const char **p, const char *end, const char **item, size_t *len);

/* The values in force for a session and its connection (RFC 7143 13). */
struct iscsi_params {
	uint8_t header_digest; /* 0 None, 1 CRC32C */
	uint8_t data_digest;
	uint32_t max_connections;
	uint8_t initial_r2t;
	uint8_t immediate_data;
	uint32_t max_recv_dsl;    /* the initiator's: most we may send in one PDU */
	uint32_t target_recv_dsl; /* ours: most we accept in one PDU */
	uint32_t max_burst;
	uint32_t first_burst;
	uint32_t time2wait;
	uint32_t time2retain;
	uint32_t max_outstanding_r2t;
	uint8_t data_pdu_in_order;
	uint8_t data_seq_in_order;
	uint8_t erl;
};

/* What the target accepts and prefers. */
struct iscsi_limits {
	uint32_t max_recv_dsl; /* declared as our MaxRecvDataSegmentLength */
	uint32_t max_burst;    /* upper bound we answer with */
	uint32_t first_burst;
	uint32_t max_outstanding_r2t;
	uint8_t digest_crc32c; /* offer/accept CRC32C digests */
};

/** RFC 7143 13 defaults (what holds when a key is never negotiated). */
void iscsi_params_default(struct iscsi_params *p);

/* Negotiation state of one login (or one Text exchange). */
struct iscsi_neg {
	struct iscsi_params p;
	uint64_t answered;      /* bit per table entry: already answered */
	uint8_t declared_mrdsl; /* our MaxRecvDataSegmentLength was sent */
};

/** Start a negotiation from the defaults. */
void iscsi_neg_init(struct iscsi_neg *n);

/* Key classes a caller handles itself; iscsi_neg_keys leaves them alone */
enum iscsi_key_class {
	ISCSI_KEY_OPERATIONAL, /* in the table: negotiated here */
	ISCSI_KEY_SECURITY,    /* AuthMethod, CHAP_*: the login handles them */
	ISCSI_KEY_IDENTITY,    /* InitiatorName, TargetName, SessionType, aliases,
	                        * SendTargets, TargetAddress, TargetPortalGroupTag */
	ISCSI_KEY_UNKNOWN,
};

/** The class of a key (by exact name). */
enum iscsi_key_class iscsi_key_class(const struct iscsi_kv *kv);

/**
 * Answer the operational keys of one request data segment (RFC 7143 6.2,
 * 13), appending "key=value\0" answers to @p out and updating n->p.
 * Security and identity keys are skipped (the caller answers them).
 * Unknown keys get NotUnderstood; keys that do not apply to a discovery
 * session get Irrelevant; a value that is not a valid proposal gets
 * Reject.  A key offered twice in one negotiation is a protocol error.
 *
 * @v discovery	the session is a discovery session
 * @v full	the request is a Text request in full feature phase (leading-
 *		only keys are then a protocol error)
 * @ret rc	0, -EPROTO (a protocol error: the login must fail with
 *		0x0200), or -ENOMEM
 */
int iscsi_neg_keys(struct iscsi_neg *n, const struct iscsi_limits *lim, int discovery, int full,
                   const uint8_t *data, size_t len, struct buf *out);

/**
 * Declarations the target makes when leaving operational negotiation
 * (its MaxRecvDataSegmentLength unless already sent; declarative keys
 * whose target value differs from the default and were never offered).
 * Keys that need an answer are never offered here: the response that
 * carries these declarations ends the negotiation (RFC 7143 6.2), so
 * such keys keep their defaults.  Appends to @p out.
 *
 * @ret rc	0 or -ENOMEM
 */
int iscsi_neg_finish(struct iscsi_neg *n, const struct iscsi_limits *lim, int discovery,
                     struct buf *out);

#endif
