/* SPDX-License-Identifier: MIT */
/*
 * iscsi_text.c - iSCSI text keys: walking the key=value pairs of a Login or
 * Text data segment (RFC 7143 6.1) and answering the operational keys from
 * one table (RFC 7143 6.2, 13; RFC 7144 for iSCSIProtocolLevel).  Each row
 * names a key, its result function, its range, where our value comes from
 * and where the result goes in struct iscsi_params.  Pure: pairs borrow
 * from the caller's buffer, answers are appended to the caller's buf, and
 * nothing here does I/O or logs.  Security and identity keys belong to the
 * login (iscsi_login.c) and are only classified here; this module makes no
 * offers of its own apart from the declarations in iscsi_neg_finish().
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "core/addr.h"
#include "iscsi/iscsi_text.h"

#define LEN_MIN 512       /* RFC 7143 13.12-13.14: lengths from 512 */
#define LEN_MAX 0xffffffu /* to 2^24-1 */
#define NONE    SIZE_MAX  /* no field in iscsi_limits / iscsi_params */

/* How a key's answer is found (RFC 7143 6.2.1, 6.2.2) */
enum neg_type {
	NEG_DIGEST,  /* list of None, CRC32C */
	NEG_MIN,     /* numerical, result function Minimum */
	NEG_MAX,     /* numerical, result function Maximum */
	NEG_AND,     /* boolean, result function AND */
	NEG_OR,      /* boolean, result function OR */
	NEG_DECLARE, /* declarative number: the initiator's stored, ours declared */
	NEG_MARKER,  /* obsolete IFMarker/OFMarker: answered "No" (RFC 7143 13.25) */
	NEG_MARKINT, /* obsolete IFMarkInt/OFMarkInt: answered "Irrelevant" */
	NEG_TASKREP, /* TaskReporting list: we do RFC3720 only (RFC 7143 13.23) */
};

#define K_LOGIN 1 /* LO or IO: not in a full feature phase Text request */
#define K_DISC  2 /* Irrelevant when SessionType=Discovery */

enum {
	KEY_HDIGEST,
	KEY_DDIGEST,
	KEY_MAXCONN,
	KEY_INITIAL_R2T,
	KEY_IMMEDIATE,
	KEY_MRDSL,
	KEY_MAX_BURST,
	KEY_FIRST_BURST,
	KEY_T2WAIT,
	KEY_T2RETAIN,
	KEY_MAX_R2T,
	KEY_PDU_ORDER,
	KEY_SEQ_ORDER,
	KEY_ERL,
	KEY_OFMARKER,
	KEY_IFMARKER,
	KEY_OFMARKINT,
	KEY_IFMARKINT,
	KEY_TASKREP,
	KEY_LEVEL,
	KEY_COUNT
};

static const struct neg_key {
	const char *name;
	enum neg_type type;
	unsigned flags;
	uint32_t min, max;
	uint32_t ours;   /* our value when lim_off is NONE or the limit is 0 */
	size_t lim_off;  /* uint32_t in struct iscsi_limits */
	size_t off;      /* the result in struct iscsi_params */
	int wide;        /* ... a uint32_t (else a uint8_t) */
	size_t decl_off; /* NEG_DECLARE: where our declared value goes */
} keys[KEY_COUNT] = {
#define P(f) offsetof(struct iscsi_params, f)
#define L(f) offsetof(struct iscsi_limits, f)
#define B(f) .off = P(f), .lim_off = NONE, .decl_off = NONE
#define W(f) .off = P(f), .wide = 1, .decl_off = NONE
#define NO   .off = NONE, .lim_off = NONE, .decl_off = NONE
        /* RFC 7143 13.1: IO, both sessions */
        [KEY_HDIGEST] = {"HeaderDigest", NEG_DIGEST, K_LOGIN, B(header_digest)},
        [KEY_DDIGEST] = {"DataDigest", NEG_DIGEST, K_LOGIN, B(data_digest)},
        /* 13.2: we accept one connection per session */
        [KEY_MAXCONN] = {"MaxConnections", NEG_MIN, K_LOGIN | K_DISC, 1, 65535, 1, NONE,
                         W(max_connections)},
        /* 13.10, 13.11: R2T for all unsolicited data; immediate data is fine */
        [KEY_INITIAL_R2T] = {"InitialR2T", NEG_OR, K_LOGIN | K_DISC, 0, 1, 1, B(initial_r2t)},
        [KEY_IMMEDIATE] = {"ImmediateData", NEG_AND, K_LOGIN | K_DISC, 0, 1, 1, B(immediate_data)},
        /* 13.12: ALL, declarative in each direction */
        [KEY_MRDSL] = {"MaxRecvDataSegmentLength", NEG_DECLARE, 0, LEN_MIN, LEN_MAX, 8192,
                       L(max_recv_dsl), P(max_recv_dsl), 1, P(target_recv_dsl)},
        /* 13.13, 13.14 */
        [KEY_MAX_BURST] = {"MaxBurstLength", NEG_MIN, K_LOGIN | K_DISC, LEN_MIN, LEN_MAX, 262144,
                           L(max_burst), W(max_burst)},
        [KEY_FIRST_BURST] = {"FirstBurstLength", NEG_MIN, K_LOGIN | K_DISC, LEN_MIN, LEN_MAX, 65536,
                             L(first_burst), W(first_burst)},
        /* 13.15, 13.16: we keep nothing for a lost connection (ERL 0) */
        [KEY_T2WAIT] = {"DefaultTime2Wait", NEG_MAX, K_LOGIN, 0, 3600, 0, NONE, W(time2wait)},
        [KEY_T2RETAIN] = {"DefaultTime2Retain", NEG_MIN, K_LOGIN, 0, 3600, 0, NONE, W(time2retain)},
        /* 13.17 */
        [KEY_MAX_R2T] = {"MaxOutstandingR2T", NEG_MIN, K_LOGIN | K_DISC, 1, 65535, 1,
                         L(max_outstanding_r2t), W(max_outstanding_r2t)},
        /* 13.18, 13.19: we send and want everything in order */
        [KEY_PDU_ORDER] = {"DataPDUInOrder", NEG_OR, K_LOGIN | K_DISC, 0, 1, 1,
                           B(data_pdu_in_order)},
        [KEY_SEQ_ORDER] = {"DataSequenceInOrder", NEG_OR, K_LOGIN | K_DISC, 0, 1, 1,
                           B(data_seq_in_order)},
        /* 13.20: ERL 0 only */
        [KEY_ERL] = {"ErrorRecoveryLevel", NEG_MIN, K_LOGIN, 0, 2, 0, B(erl)},
        /* 13.25: obsolete markers */
        [KEY_OFMARKER] = {"OFMarker", NEG_MARKER, K_LOGIN, 0, 0, 0, NO},
        [KEY_IFMARKER] = {"IFMarker", NEG_MARKER, K_LOGIN, 0, 0, 0, NO},
        [KEY_OFMARKINT] = {"OFMarkInt", NEG_MARKINT, K_LOGIN, 0, 0, 0, NO},
        [KEY_IFMARKINT] = {"IFMarkInt", NEG_MARKINT, K_LOGIN, 0, 0, 0, NO},
        /* 13.23 */
        [KEY_TASKREP] = {"TaskReporting", NEG_TASKREP, K_LOGIN | K_DISC, 0, 0, 0, NO},
        /* RFC 7143 13.24 / RFC 7144: we implement RFC 7143, level 1 */
        [KEY_LEVEL] = {"iSCSIProtocolLevel", NEG_MIN, K_LOGIN | K_DISC, 0, 31, 1, NO},
#undef P
#undef L
#undef B
#undef W
#undef NO
};

/* Handled by the login (RFC 7143 12, 13.5-13.9) */
static const char *const security_keys[] = {
        "AuthMethod", "CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N", "CHAP_R",
};
static const char *const identity_keys[] = {
        "InitiatorName", "InitiatorAlias", "TargetName",    "TargetAlias",
        "SessionType",   "SendTargets",    "TargetAddress", "TargetPortalGroupTag",
};

int iscsi_text_next(const uint8_t **p, const uint8_t *end, struct iscsi_kv *kv)
{
	const uint8_t *s = *p, *nul, *eq;

	while (s < end && *s == 0)
		s++;
	if (s == end) {
		*p = s;
		return 0;
	}
	nul = memchr(s, 0, (size_t)(end - s));
	if (!nul)
		return -EPROTO;
	eq = memchr(s, '=', (size_t)(nul - s));
	if (!eq || eq == s || eq - s > ISCSI_KEY_MAX || nul - eq - 1 > ISCSI_VALUE_MAX)
		return -EPROTO;
	kv->key = (const char *)s;
	kv->klen = (size_t)(eq - s);
	kv->val = (const char *)eq + 1;
	kv->vlen = (size_t)(nul - eq - 1);
	*p = nul + 1;
	return 1;
}

int iscsi_kv_is(const struct iscsi_kv *kv, const char *name)
{
	return kv->klen == strlen(name) && memcmp(kv->key, name, kv->klen) == 0;
}

int iscsi_kv_copy(const struct iscsi_kv *kv, char *out, size_t cap)
{
	if (kv->vlen >= cap)
		return -ENAMETOOLONG;
	memcpy(out, kv->val, kv->vlen);
	out[kv->vlen] = '\0';
	return 0;
}

int iscsi_text_number(const char *s, size_t n, uint32_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;
	int d;

	/* RFC 7143 6.1.1: decimal-constant or hex-constant */
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		d = base == 16 ? addr_hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		if (d < 0)
			return -EINVAL;
		v = v * base + (unsigned)d;
		if (v > UINT32_MAX)
			goto err_range;
	}
	*out = (uint32_t)v;
	return 0;

err_range:
	/* The rest must still be digits for this to be a number at all. */
	for (i++; i < n; i++)
		if ((base == 16 ? addr_hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ? 0 : -1)) < 0)
			return -EINVAL;
	return -ERANGE;
}

int iscsi_text_list_next(const char **p, const char *end, const char **item, size_t *len)
{
	const char *s = *p, *comma;

	if (s == NULL)
		return 0;
	comma = memchr(s, ',', (size_t)(end - s));
	*item = s;
	*len = (size_t)((comma ? comma : end) - s);
	/* NULL marks the list done; after a trailing comma an empty item follows. */
	*p = comma ? comma + 1 : NULL;
	return *len ? 1 : -EINVAL;
}

void iscsi_params_default(struct iscsi_params *p)
{
	/* RFC 7143 13.1-13.20 */
	memset(p, 0, sizeof(*p));
	p->header_digest = 0;
	p->data_digest = 0;
	p->max_connections = 1;
	p->initial_r2t = 1;
	p->immediate_data = 1;
	p->max_recv_dsl = 8192;
	p->target_recv_dsl = 8192;
	p->max_burst = 262144;
	p->first_burst = 65536;
	p->time2wait = 2;
	p->time2retain = 20;
	p->max_outstanding_r2t = 1;
	p->data_pdu_in_order = 1;
	p->data_seq_in_order = 1;
	p->erl = 0;
}

void iscsi_neg_init(struct iscsi_neg *n)
{
	memset(n, 0, sizeof(*n));
	iscsi_params_default(&n->p);
}

enum iscsi_key_class iscsi_key_class(const struct iscsi_kv *kv)
{
	size_t i;

	for (i = 0; i < KEY_COUNT; i++)
		if (iscsi_kv_is(kv, keys[i].name))
			return ISCSI_KEY_OPERATIONAL;
	for (i = 0; i < sizeof(security_keys) / sizeof(security_keys[0]); i++)
		if (iscsi_kv_is(kv, security_keys[i]))
			return ISCSI_KEY_SECURITY;
	for (i = 0; i < sizeof(identity_keys) / sizeof(identity_keys[0]); i++)
		if (iscsi_kv_is(kv, identity_keys[i]))
			return ISCSI_KEY_IDENTITY;
	return ISCSI_KEY_UNKNOWN;
}

/* The table row of an operational key, or NULL. */
static const struct neg_key *key_find(const struct iscsi_kv *kv)
{
	size_t i;

	for (i = 0; i < KEY_COUNT; i++)
		if (iscsi_kv_is(kv, keys[i].name))
			return &keys[i];
	return NULL;
}

/* Our value for a numerical key: from the limits, kept inside the key's range. */
static uint32_t key_ours(const struct neg_key *k, const struct iscsi_limits *lim)
{
	uint32_t v = k->ours;

	if (k->lim_off != NONE) {
		memcpy(&v, (const char *)lim + k->lim_off, sizeof(v));
		if (v == 0) /* not set: the row's value (the RFC default) */
			v = k->ours;
	}
	if (v < k->min)
		v = k->min;
	if (v > k->max)
		v = k->max;
	/* RFC 7143 13.14: FirstBurstLength MUST NOT exceed MaxBurstLength. */
	if (k == &keys[KEY_FIRST_BURST] && v > key_ours(&keys[KEY_MAX_BURST], lim))
		v = key_ours(&keys[KEY_MAX_BURST], lim);
	return v;
}

static void param_set(struct iscsi_params *p, size_t off, int wide, uint32_t v)
{
	uint8_t b = (uint8_t)v;

	if (off == NONE)
		return;
	if (wide)
		memcpy((char *)p + off, &v, sizeof(v));
	else
		memcpy((char *)p + off, &b, sizeof(b));
}

/* Append "key=value\0". */
static void answer(struct buf *out, const char *key, size_t klen, const char *val)
{
	buf_add(out, key, klen);
	buf_add(out, "=", 1);
	buf_puts(out, val);
	buf_add(out, "", 1);
}

static void answer_num(struct buf *out, const char *key, uint32_t v)
{
	buf_printf(out, "%s=%" PRIu32, key, v);
	buf_add(out, "", 1);
}

/* RFC 7143 6.1.1: boolean-value is "Yes" or "No"; -1 for anything else. */
static int parse_bool(const struct iscsi_kv *kv)
{
	if (kv->vlen == 3 && memcmp(kv->val, "Yes", 3) == 0)
		return 1;
	if (kv->vlen == 2 && memcmp(kv->val, "No", 2) == 0)
		return 0;
	return -1;
}

/* A numerical value inside the key's range; -1 if there is none. */
static int parse_num(const struct neg_key *k, const struct iscsi_kv *kv, uint32_t *v)
{
	if (iscsi_text_number(kv->val, kv->vlen, v) < 0 || *v < k->min || *v > k->max)
		return -1;
	return 0;
}

/*
 * What MaxBurstLength will be once this segment is answered: the value
 * already negotiated, or the one this segment's offer resolves to.  Lets
 * FirstBurstLength be answered within it whatever the order of the two.
 */
static uint32_t max_burst_final(const struct iscsi_neg *n, const struct iscsi_limits *lim,
                                const uint8_t *data, size_t len)
{
	const struct neg_key *k = &keys[KEY_MAX_BURST];
	const uint8_t *p = data;
	struct iscsi_kv kv;
	uint32_t v, ours;

	if (n->answered & (1ull << KEY_MAX_BURST))
		return n->p.max_burst;
	while (iscsi_text_next(&p, data + len, &kv) == 1) {
		if (!iscsi_kv_is(&kv, k->name))
			continue;
		if (parse_num(k, &kv, &v) < 0)
			break;
		ours = key_ours(k, lim);
		return v < ours ? v : ours;
	}
	return n->p.max_burst;
}

/* A list key: the first item we support, or -1. */
static int pick_list(const struct neg_key *k, const struct iscsi_limits *lim,
                     const struct iscsi_kv *kv)
{
	const char *p = kv->val, *end = kv->val + kv->vlen, *it;
	size_t n;
	int rc;

	while ((rc = iscsi_text_list_next(&p, end, &it, &n)) == 1) {
		if (k->type == NEG_TASKREP) {
			if (n == 7 && memcmp(it, "RFC3720", 7) == 0)
				return 0;
			continue;
		}
		if (n == 4 && memcmp(it, "None", 4) == 0)
			return 0;
		if (n == 6 && memcmp(it, "CRC32C", 6) == 0 && lim->digest_crc32c)
			return 1;
	}
	return -1;
}

/* Answer one operational key (RFC 7143 6.2.1, 6.2.2). */
static void answer_key(struct iscsi_neg *n, const struct iscsi_limits *lim, const struct neg_key *k,
                       const struct iscsi_kv *kv, const uint8_t *data, size_t len, struct buf *out)
{
	static const char *const digests[] = {"None", "CRC32C"};
	uint32_t v, ours, mb;
	int b;

	switch (k->type) {
	case NEG_DIGEST:
		if ((b = pick_list(k, lim, kv)) < 0)
			goto reject;
		param_set(&n->p, k->off, k->wide, (uint32_t)b);
		answer(out, k->name, strlen(k->name), digests[b]);
		return;
	case NEG_TASKREP:
		if (pick_list(k, lim, kv) < 0)
			goto reject;
		answer(out, k->name, strlen(k->name), "RFC3720");
		return;
	case NEG_MIN:
	case NEG_MAX:
		if (parse_num(k, kv, &v) < 0)
			goto reject;
		ours = key_ours(k, lim);
		if (k->type == NEG_MIN ? ours < v : ours > v)
			v = ours;
		if (k == &keys[KEY_FIRST_BURST]) {
			mb = max_burst_final(n, lim, data, len);
			if (v > mb)
				v = mb;
		}
		/* An earlier FirstBurstLength above this one: the initiator
		 * contradicts itself across PDUs (RFC 7143 13.14). */
		if (k == &keys[KEY_MAX_BURST] && (n->answered & (1ull << KEY_FIRST_BURST)) &&
		    v < n->p.first_burst)
			goto reject;
		param_set(&n->p, k->off, k->wide, v);
		answer_num(out, k->name, v);
		return;
	case NEG_AND:
	case NEG_OR:
		if ((b = parse_bool(kv)) < 0)
			goto reject;
		b = k->type == NEG_AND ? b && k->ours : b || k->ours;
		param_set(&n->p, k->off, k->wide, (uint32_t)b);
		answer(out, k->name, strlen(k->name), b ? "Yes" : "No");
		return;
	case NEG_DECLARE:
		if (parse_num(k, kv, &v) < 0)
			goto reject;
		param_set(&n->p, k->off, k->wide, v);
		/* Declarative (RFC 7143 6.2): no answer is due, but ours is
		 * declared here if it has not been yet. */
		if (!n->declared_mrdsl) {
			ours = key_ours(k, lim);
			param_set(&n->p, k->decl_off, 1, ours);
			n->declared_mrdsl = 1;
			answer_num(out, k->name, ours);
		}
		return;
	case NEG_MARKER:
		if (parse_bool(kv) < 0)
			goto reject;
		answer(out, k->name, strlen(k->name), "No");
		return;
	case NEG_MARKINT: answer(out, k->name, strlen(k->name), "Irrelevant"); return;
	}
	return;

reject:
	/* RFC 7143 6.2: the value in force stays the default. */
	answer(out, k->name, strlen(k->name), "Reject");
}

int iscsi_neg_keys(struct iscsi_neg *n, const struct iscsi_limits *lim, int discovery, int full,
                   const uint8_t *data, size_t len, struct buf *out)
{
	const uint8_t *p = data, *end = data + len;
	const struct neg_key *k;
	struct iscsi_kv kv;
	uint64_t bit;
	int rc;

	while ((rc = iscsi_text_next(&p, end, &kv)) == 1) {
		switch (iscsi_key_class(&kv)) {
		case ISCSI_KEY_SECURITY:
		case ISCSI_KEY_IDENTITY: continue;
		case ISCSI_KEY_UNKNOWN:
			/* RFC 7143 6.2: including X- and X# keys we have no use for */
			answer(out, kv.key, kv.klen, "NotUnderstood");
			continue;
		case ISCSI_KEY_OPERATIONAL: break;
		}
		k = key_find(&kv);
		bit = 1ull << (k - keys);
		/* RFC 7143 6.2: a key negotiated twice is a protocol error;
		 * 6.3 and 13: LO/IO keys only during login. */
		if ((n->answered & bit) || (full && (k->flags & K_LOGIN)))
			return -EPROTO;
		n->answered |= bit;
		if (discovery && (k->flags & K_DISC)) {
			answer(out, k->name, strlen(k->name), "Irrelevant");
			continue;
		}
		answer_key(n, lim, k, &kv, data, len, out);
	}
	if (rc < 0)
		return -EPROTO;
	return out->oom ? -ENOMEM : 0;
}

int iscsi_neg_finish(struct iscsi_neg *n, const struct iscsi_limits *lim, int discovery,
                     struct buf *out)
{
	const struct neg_key *k;
	uint32_t ours;

	for (k = keys; k < keys + KEY_COUNT; k++) {
		if (k->type != NEG_DECLARE || (discovery && (k->flags & K_DISC)))
			continue;
		/* Only MaxRecvDataSegmentLength is declarative, and ours is
		 * declared once whatever its value (RFC 7143 13.12). */
		if (n->declared_mrdsl)
			continue;
		ours = key_ours(k, lim);
		param_set(&n->p, k->decl_off, 1, ours);
		n->declared_mrdsl = 1;
		answer_num(out, k->name, ours);
	}
	return out->oom ? -ENOMEM : 0;
}
