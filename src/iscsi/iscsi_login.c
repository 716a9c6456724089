/* SPDX-License-Identifier: MIT */
/*
 * iscsi_login.c - the target side of an iSCSI login (RFC 7143 6.3, 11.12,
 * 11.13): the stages and their transitions, the C-bit accumulation of a
 * request's text, the names on the first request (target lookup and the
 * initiator binding), the security stage with CHAP (RFC 1994, MD5 through
 * nettle; mutual CHAP and its reflection check, RFC 7143 12.1.3), and
 * the hand-over of operational keys to iscsi_text.c.  Pure: no I/O, no
 * clock, no logging; nodes and random bytes come through the caller's ops,
 * and every failure is a status with a reason for the caller to log.  It
 * owns only l->pending; the secrets in l->node are the caller's.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/memops.h>

#include "core/addr.h"
#include "iscsi/iscsi_login.h"

#define CHAP_MD5 5 /* RFC 1994 / RFC 7143 12.1.3: CHAP_A=5 */
#define TPGT     1 /* our one portal group (RFC 7143 13.9) */

/* The security keys one request may carry, each at most once. */
enum { SEC_AUTH, SEC_A, SEC_I, SEC_C, SEC_N, SEC_R, SEC_COUNT };

static const char *const sec_names[SEC_COUNT] = {
        [SEC_AUTH] = "AuthMethod", [SEC_A] = "CHAP_A", [SEC_I] = "CHAP_I",
        [SEC_C] = "CHAP_C",        [SEC_N] = "CHAP_N", [SEC_R] = "CHAP_R",
};

/* A failure: a status (enum iscsi_login_status) and its reason. */
struct fail {
	uint16_t status;
	const char *why;
};

static int fail(struct fail *f, uint16_t status, const char *why)
{
	f->status = status;
	f->why = why;
	return 1;
}

void iscsi_login_init(struct iscsi_login *l, const struct iscsi_login_ops *ops)
{
	memset(l, 0, sizeof(*l));
	l->ops = ops;
	l->stage = ISCSI_STAGE_SECURITY;
	l->auth = ISCSI_AUTH_START;
	iscsi_neg_init(&l->neg);
	buf_init(&l->pending);
}

void iscsi_login_fini(struct iscsi_login *l)
{
	buf_free(&l->pending);
	memset(l->challenge, 0, sizeof(l->challenge));
}

int iscsi_chap_response(uint8_t id, const char *secret, const uint8_t *challenge, size_t clen,
                        uint8_t out[16])
{
	/* nettle, not libcrypto: libmicrohttpd's gnutls maps nettle anyway,
	 * and libcrypto alone was 1.4 MB of rackboot's resident memory */
	struct md5_ctx ctx;

	md5_init(&ctx);
	md5_update(&ctx, 1, &id);
	md5_update(&ctx, strlen(secret), (const uint8_t *)secret);
	md5_update(&ctx, clen, challenge);
	md5_digest(&ctx, MD5_DIGEST_SIZE, out);
	explicit_bzero(&ctx, sizeof(ctx));
	return 0;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int iscsi_chap_decode(const char *val, size_t vlen, uint8_t *out, size_t cap)
{
	size_t i, n = 0;
	int hi, lo, q[4];

	if (vlen < 3 || val[0] != '0')
		return -EINVAL;
	val += 2;
	vlen -= 2;
	switch (val[-1]) {
	case 'x':
	case 'X':
		/* RFC 7143 6.1.4 hex-constant; an odd digit count implies a
		 * leading zero. */
		if ((vlen + 1) / 2 > cap)
			return -EINVAL;
		i = 0;
		if (vlen % 2) {
			if ((lo = addr_hexval(val[0])) < 0)
				return -EINVAL;
			out[n++] = (uint8_t)lo;
			i = 1;
		}
		for (; i < vlen; i += 2) {
			hi = addr_hexval(val[i]);
			lo = addr_hexval(val[i + 1]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			out[n++] = (uint8_t)(hi << 4 | lo);
		}
		return (int)n;
	case 'b':
	case 'B':
		/* RFC 7143 6.1.4 base64-constant (RFC 4648 4, padded) */
		if (vlen % 4)
			return -EINVAL;
		for (i = 0; i < vlen; i += 4) {
			int pad = 0, k;

			for (k = 0; k < 4; k++) {
				q[k] = b64val(val[i + k]);
				if (q[k] < 0 && val[i + k] == '=' && i + 4 == vlen && k >= 2) {
					q[k] = 0;
					pad++;
				} else if (q[k] < 0 || pad) {
					return -EINVAL;
				}
			}
			if (n + 3 - (size_t)pad > cap)
				return -EINVAL;
			out[n++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
			if (pad < 2)
				out[n++] = (uint8_t)(q[1] << 4 | q[2] >> 2);
			if (pad < 1)
				out[n++] = (uint8_t)(q[2] << 6 | q[3]);
		}
		return (int)n;
	}
	return -EINVAL;
}

/* Append "key=value\0". */
static void put_kv(struct buf *out, const char *key, const char *val)
{
	buf_printf(out, "%s=%s", key, val);
	buf_add(out, "", 1);
}

/* Append "key=0x<hex>\0". */
static void put_hex(struct buf *out, const char *key, const uint8_t *p, size_t n)
{
	size_t i;

	buf_printf(out, "%s=0x", key);
	for (i = 0; i < n; i++)
		buf_printf(out, "%02x", p[i]);
	buf_add(out, "", 1);
}

/*
 * The one pair named @p name in the text: 1 and *kv set, 0 if absent, -1
 * if it is there twice.
 */
static int find_one(const uint8_t *text, size_t len, const char *name, struct iscsi_kv *kv)
{
	const uint8_t *p = text;
	struct iscsi_kv cur;
	int found = 0;

	while (iscsi_text_next(&p, text + len, &cur) == 1) {
		if (!iscsi_kv_is(&cur, name))
			continue;
		if (found)
			return -1;
		*kv = cur;
		found = 1;
	}
	return found;
}

/* 1 if a list value holds @p want. */
static int list_has(const struct iscsi_kv *kv, const char *want, int *bad)
{
	const char *p = kv->val, *end = kv->val + kv->vlen, *it;
	size_t n, wl = strlen(want);
	int rc;

	while ((rc = iscsi_text_list_next(&p, end, &it, &n)) == 1)
		if (n == wl && memcmp(it, want, n) == 0)
			return 1;
	if (rc < 0)
		*bad = 1;
	return 0;
}

static int same_str(const struct iscsi_kv *kv, const char *s)
{
	return kv->vlen == strlen(s) && memcmp(kv->val, s, kv->vlen) == 0;
}

/*
 * The names on the first complete request (RFC 7143 6.3, 13.4-13.6): the
 * initiator's, the session type and, for a normal session, the target,
 * which must exist and accept this initiator.
 */
static int first_names(struct iscsi_login *l, const uint8_t *text, size_t len, struct buf *out,
                       struct fail *f)
{
	struct iscsi_kv kv;
	int rc;

	rc = find_one(text, len, "InitiatorName", &kv);
	if (rc < 0)
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "InitiatorName given twice");
	if (rc == 0)
		return fail(f, ISCSI_LOGIN_MISSING_PARAMETER, "no InitiatorName");
	if (kv.vlen == 0 || iscsi_kv_copy(&kv, l->initiator, sizeof(l->initiator)) < 0 ||
	    memchr(kv.val, 0, kv.vlen))
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "bad InitiatorName");

	rc = find_one(text, len, "SessionType", &kv);
	if (rc < 0)
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "SessionType given twice");
	if (rc == 1 && same_str(&kv, "Discovery"))
		l->discovery = 1;
	else if (rc == 1 && !same_str(&kv, "Normal"))
		return fail(f, ISCSI_LOGIN_SESSION_TYPE, "unsupported SessionType");
	if (l->discovery)
		return 0;

	rc = find_one(text, len, "TargetName", &kv);
	if (rc < 0)
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "TargetName given twice");
	if (rc == 0)
		return fail(f, ISCSI_LOGIN_MISSING_PARAMETER, "no TargetName");
	if (iscsi_kv_copy(&kv, l->target, sizeof(l->target)) < 0 ||
	    l->ops->target(l->ops->ctx, l->target, &l->node) < 0)
		return fail(f, ISCSI_LOGIN_NOT_FOUND, "unknown target");
	l->have_node = 1;
	if (l->node.initiator && strcmp(l->node.initiator, l->initiator) != 0)
		return fail(f, ISCSI_LOGIN_FORBIDDEN, "initiator not bound to this target");
	/* RFC 7143 13.9: in the first response of a normal session */
	buf_printf(out, "TargetPortalGroupTag=%u", TPGT);
	buf_add(out, "", 1);
	return 0;
}

/* Names repeated on later requests (libiscsi does) must not change. */
static int same_names(struct iscsi_login *l, const uint8_t *text, size_t len, struct fail *f)
{
	struct iscsi_kv kv;
	int rc;

	rc = find_one(text, len, "InitiatorName", &kv);
	if (rc < 0 || (rc == 1 && !same_str(&kv, l->initiator)))
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "InitiatorName changed");
	rc = find_one(text, len, "SessionType", &kv);
	if (rc < 0 || (rc == 1 && !same_str(&kv, l->discovery ? "Discovery" : "Normal")))
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "SessionType changed");
	rc = find_one(text, len, "TargetName", &kv);
	if (!l->discovery && (rc < 0 || (rc == 1 && !same_str(&kv, l->target))))
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "TargetName changed");
	return 0;
}

/* The challenge: CHAP_A chose MD5 (RFC 7143 12.1.3). */
static int chap_challenge(struct iscsi_login *l, const struct iscsi_kv *a, struct buf *out,
                          struct fail *f)
{
	const char *p = a->val, *end = a->val + a->vlen, *it;
	uint8_t rnd[1 + sizeof(l->challenge)];
	uint32_t v;
	size_t n;
	int rc, md5 = 0;

	while ((rc = iscsi_text_list_next(&p, end, &it, &n)) == 1)
		if (iscsi_text_number(it, n, &v) == 0 && v == CHAP_MD5)
			md5 = 1;
	if (rc < 0)
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "malformed CHAP_A");
	if (!md5)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "CHAP_A without MD5 (5)");
	if (l->ops->random(l->ops->ctx, rnd, sizeof(rnd)) < 0)
		return fail(f, ISCSI_LOGIN_TARGET_ERROR, "no random bytes for a challenge");
	l->chap_id = rnd[0];
	memcpy(l->challenge, rnd + 1, sizeof(l->challenge));
	memset(rnd, 0, sizeof(rnd));
	buf_printf(out, "CHAP_A=%d", CHAP_MD5);
	buf_add(out, "", 1);
	buf_printf(out, "CHAP_I=%u", l->chap_id);
	buf_add(out, "", 1);
	put_hex(out, "CHAP_C", l->challenge, sizeof(l->challenge));
	l->auth = ISCSI_AUTH_CHAP_R;
	return 0;
}

/*
 * Mutual CHAP (RFC 7143 12.1.3): answer the initiator's CHAP_I/CHAP_C
 * with our name and MD5(its id || target secret || its challenge).
 */
static int chap_mutual(struct iscsi_login *l, const struct iscsi_kv *i, const struct iscsi_kv *c,
                       struct buf *out, struct fail *f)
{
	uint8_t chal[ISCSI_CHAP_C_MAX], rsp[16];
	uint32_t id;
	int n;

	if (!i || !c)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "CHAP_I without CHAP_C or back");
	if (!l->node.target_secret || !l->node.target_user)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "mutual CHAP asked, none configured");
	/* 12.1.3: no secret serves both directions */
	if (strcmp(l->node.target_secret, l->node.secret) == 0)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "mutual CHAP secret equals initiator's");
	if (iscsi_text_number(i->val, i->vlen, &id) < 0 || id > 255)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "malformed CHAP_I");
	n = iscsi_chap_decode(c->val, c->vlen, chal, sizeof(chal));
	if (n <= 0)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "malformed CHAP_C");
	/* 12.1.3: our own challenge sent back is a reflection attack */
	if ((size_t)n == sizeof(l->challenge) && memcmp(chal, l->challenge, (size_t)n) == 0)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "CHAP_C reflects our challenge");
	if (iscsi_chap_response((uint8_t)id, l->node.target_secret, chal, (size_t)n, rsp) < 0)
		return fail(f, ISCSI_LOGIN_TARGET_ERROR, "no MD5 in libcrypto");
	put_kv(out, "CHAP_N", l->node.target_user);
	put_hex(out, "CHAP_R", rsp, sizeof(rsp));
	return 0;
}

/* CHAP_N and CHAP_R against the node's name and secret (RFC 1994 4.1). */
static int chap_verify(struct iscsi_login *l, struct iscsi_kv *const kv[SEC_COUNT], struct buf *out,
                       struct fail *f)
{
	uint8_t got[16], want[16];
	char name[ISCSI_CHAP_MAX];
	int rc;

	if (!kv[SEC_N] || !kv[SEC_R])
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "CHAP_N or CHAP_R missing");
	if (iscsi_kv_copy(kv[SEC_N], name, sizeof(name)) < 0)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "CHAP_N too long");
	if (l->discovery) {
		/* Discovery names no target: the CHAP name picks the node. */
		if (!l->ops->user || l->ops->user(l->ops->ctx, name, &l->node) < 0)
			return fail(f, ISCSI_LOGIN_AUTH_FAILED, "unknown CHAP name");
		l->have_node = 1;
	}
	if (!l->node.user || !l->node.secret)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "no CHAP secret for this target");
	if (strcmp(name, l->node.user) != 0)
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "wrong CHAP name");
	if (iscsi_chap_decode(kv[SEC_R]->val, kv[SEC_R]->vlen, got, sizeof(got)) != sizeof(got))
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "malformed CHAP_R");
	if (iscsi_chap_response(l->chap_id, l->node.secret, l->challenge, sizeof(l->challenge),
	                        want) < 0)
		return fail(f, ISCSI_LOGIN_TARGET_ERROR, "no MD5 in libcrypto");
	if (!memeql_sec(got, want, sizeof(got)))
		return fail(f, ISCSI_LOGIN_AUTH_FAILED, "wrong CHAP response");
	if (kv[SEC_I] || kv[SEC_C]) {
		rc = chap_mutual(l, kv[SEC_I], kv[SEC_C], out, f);
		if (rc)
			return rc;
	}
	memcpy(l->user, name, sizeof(name));
	l->auth = ISCSI_AUTH_DONE;
	return 0;
}

/*
 * The security stage (RFC 7143 6.3, 12): AuthMethod, then CHAP_A, then
 * CHAP_N/CHAP_R, each step possibly in its own request.
 */
static int security(struct iscsi_login *l, const struct iscsi_login_req *req, const uint8_t *text,
                    size_t len, struct buf *out, struct fail *f)
{
	struct iscsi_kv store[SEC_COUNT], *kv[SEC_COUNT] = {NULL};
	int need_chap = !l->discovery || l->ops->discovery_chap, bad = 0, rc, i;
	const char *want;

	for (i = 0; i < SEC_COUNT; i++) {
		rc = find_one(text, len, sec_names[i], &store[i]);
		if (rc < 0)
			return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "security key given twice");
		if (rc == 1)
			kv[i] = &store[i];
	}
	/* An initiator that offers CHAP for discovery gets it even where
	 * None would do: authenticated, it sees its own node's target
	 * wherever it connects from. */
	if (!need_chap && kv[SEC_AUTH] && list_has(kv[SEC_AUTH], "CHAP", &bad) && !bad)
		need_chap = 1;
	want = need_chap ? "CHAP" : "None";
	if (kv[SEC_AUTH]) {
		if (l->auth != ISCSI_AUTH_START)
			return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "AuthMethod offered again");
		if (!list_has(kv[SEC_AUTH], want, &bad))
			return fail(f, bad ? ISCSI_LOGIN_INITIATOR_ERROR : ISCSI_LOGIN_AUTH_FAILED,
			            bad ? "malformed AuthMethod" : "no acceptable AuthMethod");
		put_kv(out, "AuthMethod", want);
		l->auth = need_chap ? ISCSI_AUTH_CHAP_A : ISCSI_AUTH_DONE;
	} else if (l->auth == ISCSI_AUTH_START && req->transit) {
		/* Leaving the security stage without an AuthMethod is None. */
		if (need_chap)
			return fail(f, ISCSI_LOGIN_AUTH_FAILED, "authentication required");
		l->auth = ISCSI_AUTH_DONE;
	}
	if (kv[SEC_A]) {
		if (l->auth != ISCSI_AUTH_CHAP_A)
			return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "unexpected CHAP_A");
		rc = chap_challenge(l, kv[SEC_A], out, f);
		if (rc)
			return rc;
	} else if (kv[SEC_N] || kv[SEC_R] || kv[SEC_I] || kv[SEC_C]) {
		if (l->auth != ISCSI_AUTH_CHAP_R)
			return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "CHAP answer before challenge");
		rc = chap_verify(l, kv, out, f);
		if (rc)
			return rc;
	}
	return 0;
}

/* 1 if the text carries any security key. */
static int has_security(const uint8_t *text, size_t len)
{
	const uint8_t *p = text;
	struct iscsi_kv kv;

	while (iscsi_text_next(&p, text + len, &kv) == 1)
		if (iscsi_key_class(&kv) == ISCSI_KEY_SECURITY)
			return 1;
	return 0;
}

/* The BHS fields of a request against the login so far (RFC 7143 11.12). */
static int check_header(struct iscsi_login *l, const struct iscsi_login_req *req, struct fail *f)
{
	if (req->tsih != 0)
		return fail(f, ISCSI_LOGIN_NO_SESSION, "TSIH set: adding a connection");
	if (req->transit && req->cont)
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "T and C both set");
	if (!l->started && l->pending.len == 0) {
		/* The first request: we speak version 0 only (11.12.4). */
		if (req->version_min > 0)
			return fail(f, ISCSI_LOGIN_UNSUPPORTED_VERSION, "version above 0");
		if (req->csg != ISCSI_STAGE_SECURITY && req->csg != ISCSI_STAGE_OPERATIONAL)
			return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "first CSG not a login stage");
		l->stage = req->csg;
		memcpy(l->isid, req->isid, sizeof(l->isid));
	} else if (req->csg != l->stage) {
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "CSG is not the current stage");
	} else if (memcmp(req->isid, l->isid, sizeof(l->isid)) != 0) {
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "ISID changed");
	}
	/* 6.3: forward only, to operational or full feature */
	if (req->transit && (req->nsg <= req->csg || req->nsg == 2 || req->nsg > ISCSI_STAGE_FULL))
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "bad NSG");
	return 0;
}

/* One complete request text: names, security, operational keys, transit. */
static int step_text(struct iscsi_login *l, const struct iscsi_login_req *req, const uint8_t *text,
                     size_t len, struct buf *out, struct iscsi_login_rsp *rsp, struct fail *f)
{
	const uint8_t *p = text;
	struct iscsi_kv kv;
	int rc;

	while ((rc = iscsi_text_next(&p, text + len, &kv)) == 1)
		;
	if (rc < 0)
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "malformed text");
	rc = l->started ? same_names(l, text, len, f) : first_names(l, text, len, out, f);
	if (rc)
		return rc;
	l->started = 1;

	if (l->stage == ISCSI_STAGE_SECURITY) {
		rc = security(l, req, text, len, out, f);
		if (rc)
			return rc;
	} else {
		if (has_security(text, len))
			return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "security key after security");
		/* Started in the operational stage: no authentication. */
		if (l->auth != ISCSI_AUTH_DONE) {
			if (!l->discovery || l->ops->discovery_chap)
				return fail(f, ISCSI_LOGIN_AUTH_FAILED, "authentication required");
			l->auth = ISCSI_AUTH_DONE;
		}
	}

	rc = iscsi_neg_keys(&l->neg, &l->ops->limits, l->discovery, 0, text, len, out);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return fail(f, ISCSI_LOGIN_INITIATOR_ERROR, "operational keys refused");

	/* 6.3: the target may transit only when asked to and, from the
	 * security stage, only once authenticated. */
	if (!req->transit || l->auth != ISCSI_AUTH_DONE)
		return 0;
	rsp->transit = 1;
	rsp->nsg = req->nsg;
	l->stage = req->nsg;
	if (req->nsg == ISCSI_STAGE_FULL) {
		if (iscsi_neg_finish(&l->neg, &l->ops->limits, l->discovery, out) < 0)
			return -ENOMEM;
		rsp->done = 1;
	}
	return 0;
}

int iscsi_login_step(struct iscsi_login *l, const struct iscsi_login_req *req, struct buf *out,
                     struct iscsi_login_rsp *rsp)
{
	size_t mark = out->len;
	struct fail f = {ISCSI_LOGIN_OK, NULL};
	const uint8_t *text = req->data;
	size_t len = req->len;
	int rc;

	memset(rsp, 0, sizeof(*rsp));
	rsp->csg = req->csg;
	if (l->stage == ISCSI_STAGE_FULL) {
		rc = fail(&f, ISCSI_LOGIN_INVALID_REQUEST, "login already complete");
		goto done;
	}
	rc = check_header(l, req, &f);
	if (rc)
		goto done;
	if (req->cont || l->pending.len > 0) {
		/* 6.3, 11.12.2: gather the pieces, answer each empty. */
		if (req->len > ISCSI_LOGIN_TEXT_MAX - l->pending.len) {
			rc = fail(&f, ISCSI_LOGIN_INITIATOR_ERROR, "login text over 64 KiB");
			goto done;
		}
		if (buf_add(&l->pending, req->data, req->len) < 0) {
			rc = -ENOMEM;
			goto done;
		}
		if (req->cont)
			goto done;
		text = (const uint8_t *)l->pending.p;
		len = l->pending.len;
	}
	rc = step_text(l, req, text, len, out, rsp, &f);
	buf_free(&l->pending);
	if (rc == 0 && out->oom)
		rc = -ENOMEM;

done:
	if (rc == 0)
		return 0;
	/* A refusal carries no keys (RFC 7143 11.13: status only). */
	if (out->p) {
		out->len = mark;
		out->p[mark] = '\0';
	}
	rsp->transit = 0;
	rsp->nsg = 0;
	rsp->done = 0;
	if (rc < 0)
		return rc;
	rsp->status = f.status;
	rsp->why = f.why;
	return 0;
}
