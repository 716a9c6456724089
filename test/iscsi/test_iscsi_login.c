/* SPDX-License-Identifier: MIT */
/*
 * test_iscsi_login.c - the target's login state machine played against
 * scripted initiators: iPXE-, libiscsi- and open-iscsi-like sequences, CHAP
 * with right and wrong names and secrets, unknown targets, the initiator
 * binding, discovery with and without CHAP, mutual CHAP and its reflection
 * check, C-bit continuation and malformed requests.  Each flow is a table of
 * requests carrying their own line; a CHAP_R value of "@" is replaced by the
 * right response to the last challenge under the step's secret.  Request
 * texts live in heap buffers of exactly their length for AddressSanitizer.
 * Also: RFC 1321 MD5 known answers through iscsi_chap_response and the
 * CHAP binary encodings of RFC 7143 6.1.4.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iscsi/iscsi_login.h"
#include "lib/testlib.h"

#define T(lit) (lit), sizeof(lit) - 1

#define N1    "iqn.2024-01.org.rackboot:n1"
#define BOUND "iqn.2024-01.org.rackboot:bound"
#define SAME  "iqn.2024-01.org.rackboot:same"
#define IPXE  "iqn.2010-04.org.ipxe:0b2a1c3d"
#define LIBI  "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test"
#define DEB   "iqn.1993-08.org.debian:01:ok"

static const struct iscsi_auth nodes[] = {
        {N1, "user1", "secret-one-1", "tgt1", "target-secret-1", NULL, (void *)1},
        {BOUND, "user2", "secret-two-2", NULL, NULL, DEB, (void *)2},
        {SAME, "user3", "same-secret-3", "tgt3", "same-secret-3", NULL, (void *)3},
};

struct env {
	unsigned rnd;
	int rnd_fail;
};

static int op_target(void *ctx, const char *name, struct iscsi_auth *out)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (strcmp(nodes[i].target, name) == 0) {
			*out = nodes[i];
			return 0;
		}
	return -ENOENT;
}

static int op_user(void *ctx, const char *user, struct iscsi_auth *out)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (strcmp(nodes[i].user, user) == 0) {
			*out = nodes[i];
			return 0;
		}
	return -ENOENT;
}

static int op_random(void *ctx, uint8_t *p, size_t n)
{
	struct env *e = ctx;
	size_t i;

	if (e->rnd_fail)
		return -EIO;
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(e->rnd++ * 37 + 11);
	return 0;
}

static const struct iscsi_login_ops base_ops = {
        op_target, op_user, op_random, NULL, 0, {65536, 262144, 65536, 1, 1},
};

/* One request of a flow and what its response must be. */
struct tstep {
	int line;
	uint8_t t, c, csg, nsg;
	const char *text;
	size_t n;
	uint16_t status;
	uint8_t rt, rnsg; /* response T and NSG */
	int done;
	const char *has[6]; /* "key=value" pairs the answer holds; "key=*" any value */
	const char *lacks;  /* a key the answer must not hold */
	const char *secret; /* for CHAP_R=@ */
	uint8_t vmin;
	uint16_t tsih;
};

struct flow {
	int line;
	int discovery_chap;
	struct tstep s[6];
	const char *user; /* l->user after the flow */
	void *node;       /* l->node.node after the flow */
};

#define OK   ISCSI_LOGIN_OK
#define SEC  0, 1 /* CSG security, NSG operational */
#define SECF 0, 3
#define OPF  1, 3
#define IPXE_OP                                                                                    \
	"HeaderDigest=None|DataDigest=None|InitialR2T=Yes|MaxRecvDataSegmentLength=8192|"          \
	"MaxBurstLength=262144|DefaultTime2Wait=0|DefaultTime2Retain=0|MaxOutstandingR2T=1|"       \
	"DataPDUInOrder=Yes|DataSequenceInOrder=Yes|ErrorRecoveryLevel=0|"
#define LIBI_OP                                                                                    \
	"HeaderDigest=None,CRC32C|DataDigest=None|InitialR2T=Yes|ImmediateData=Yes|"               \
	"MaxBurstLength=262144|FirstBurstLength=262144|DefaultTime2Wait=2|DefaultTime2Retain=0|"   \
	"MaxOutstandingR2T=1|ErrorRecoveryLevel=0|IFMarker=No|OFMarker=No|MaxConnections=1|"       \
	"MaxRecvDataSegmentLength=262144|DataPDUInOrder=Yes|DataSequenceInOrder=Yes|"
#define IPXE_FIRST(target)                                                                         \
	T("InitiatorName=" IPXE "|TargetName=" target "|SessionType=Normal|AuthMethod=CHAP,None|")

static const struct flow flows[] = {
        /* iPXE with CHAP: T set on every request, straight on to full feature. */
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           SEC,
           IPXE_FIRST(N1),
           OK,
           0,
           0,
           0,
           {"TargetPortalGroupTag=1", "AuthMethod=CHAP"}},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK, 0, 0, 0, {"CHAP_A=5", "CHAP_I=*", "CHAP_C=*"}},
          {__LINE__,
           1,
           0,
           SEC,
           T("CHAP_N=user1|CHAP_R=@|"),
           OK,
           1,
           1,
           0,
           {NULL},
           "CHAP_N",
           "secret-one-1"},
          {__LINE__,
           1,
           0,
           OPF,
           T(IPXE_OP),
           OK,
           1,
           3,
           1,
           {"HeaderDigest=None", "InitialR2T=Yes", "MaxRecvDataSegmentLength=65536",
            "MaxBurstLength=262144", "DefaultTime2Wait=0", "ErrorRecoveryLevel=0"}}},
         "user1",
         (void *)1},
        /* Wrong secret, wrong name (RFC 7143 12.1.3): authentication failure */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK, 0, 0, 0, {"AuthMethod=CHAP"}},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user1|CHAP_R=@|"), ISCSI_LOGIN_AUTH_FAILED,
           .secret = "secret-one-2"}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user2|CHAP_R=@|"), ISCSI_LOGIN_AUTH_FAILED,
           .secret = "secret-one-1"}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user1|CHAP_R=0x00112233|"), ISCSI_LOGIN_AUTH_FAILED}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user1|"), ISCSI_LOGIN_AUTH_FAILED}}},
        /* iPXE without credentials offers None only: a normal session needs CHAP. */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC,
           T("InitiatorName=" IPXE "|TargetName=" N1 "|SessionType=Normal|AuthMethod=None|"),
           ISCSI_LOGIN_AUTH_FAILED}}},
        /* A normal session straight to the operational stage: no authentication. */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, OPF, T("InitiatorName=" LIBI "|TargetName=" N1 "|" LIBI_OP),
           ISCSI_LOGIN_AUTH_FAILED}}},
        /* Names (RFC 7143 13.4-13.6) */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST("iqn.2024-01.org.rackboot:nope"),
           ISCSI_LOGIN_NOT_FOUND}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, T("TargetName=" N1 "|AuthMethod=CHAP|"),
           ISCSI_LOGIN_MISSING_PARAMETER}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, T("InitiatorName=" IPXE "|AuthMethod=CHAP|"),
           ISCSI_LOGIN_MISSING_PARAMETER}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, T("InitiatorName=|TargetName=" N1 "|"),
           ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC,
           T("InitiatorName=" IPXE "|InitiatorName=" IPXE "|TargetName=" N1 "|"),
           ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, T("InitiatorName=" IPXE "|TargetName=" N1 "|SessionType=Weird|"),
           ISCSI_LOGIN_SESSION_TYPE}}},
        /* The initiator binding */
        {__LINE__, 0, {{__LINE__, 1, 0, SEC, IPXE_FIRST(BOUND), ISCSI_LOGIN_FORBIDDEN}}},
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           SEC,
           T("InitiatorName=" DEB "|TargetName=" BOUND "|AuthMethod=CHAP|"),
           OK,
           0,
           0,
           0,
           {"AuthMethod=CHAP"}},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user2|CHAP_R=@|"), OK, 1, 1, .secret = "secret-two-2"},
          {__LINE__, 1, 0, OPF, T(""), OK, 1, 3, 1, {"MaxRecvDataSegmentLength=65536"}}},
         "user2",
         (void *)2},
        /* Version and TSIH (RFC 7143 11.12.4, 11.12.5) */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), ISCSI_LOGIN_UNSUPPORTED_VERSION, .vmin = 1}}},
        {__LINE__, 0, {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), ISCSI_LOGIN_NO_SESSION, .tsih = 5}}},
        /* libiscsi with CHAP: T clear while choosing the algorithm, the names
         * again in the operational stage. */
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           SEC,
           T("InitiatorName=" LIBI "|InitiatorAlias=test|TargetName=" N1
             "|SessionType=Normal|AuthMethod=CHAP,None|"),
           OK,
           0,
           0,
           0,
           {"TargetPortalGroupTag=1", "AuthMethod=CHAP"}},
          {__LINE__, 0, 0, SEC, T("CHAP_A=5|"), OK, 0, 0, 0, {"CHAP_A=5"}},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user1|CHAP_R=@|"), OK, 1, 1, .secret = "secret-one-1"},
          {__LINE__,
           1,
           0,
           OPF,
           T("InitiatorName=" LIBI "|InitiatorAlias=test|TargetName=" N1
             "|SessionType=Normal|" LIBI_OP),
           OK,
           1,
           3,
           1,
           {"HeaderDigest=None", "ImmediateData=Yes", "FirstBurstLength=65536", "IFMarker=No",
            "MaxRecvDataSegmentLength=65536"},
           "TargetPortalGroupTag"}},
         "user1",
         (void *)1},
        /* ... whose names must not change */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("InitiatorName=iqn.other|CHAP_A=5|"),
           ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("TargetName=" BOUND "|CHAP_A=5|"), ISCSI_LOGIN_INITIATOR_ERROR}}},
        /* Discovery without CHAP: libiscsi goes straight to operational. */
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           OPF,
           T("InitiatorName=" LIBI "|SessionType=Discovery|" LIBI_OP),
           OK,
           1,
           3,
           1,
           {"HeaderDigest=None", "InitialR2T=Irrelevant", "MaxBurstLength=Irrelevant",
            "DefaultTime2Retain=0", "MaxRecvDataSegmentLength=65536"},
           "TargetPortalGroupTag"}}},
        /* ... open-iscsi through the security stage with None */
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           SEC,
           T("InitiatorName=" DEB "|InitiatorAlias=h|SessionType=Discovery|AuthMethod=None|"),
           OK,
           1,
           1,
           0,
           {"AuthMethod=None"},
           "TargetPortalGroupTag"},
          {__LINE__,
           1,
           0,
           OPF,
           T("HeaderDigest=None|DataDigest=None|DefaultTime2Wait=2|DefaultTime2Retain=0|"
             "IFMarker=No|OFMarker=No|ErrorRecoveryLevel=0|MaxRecvDataSegmentLength=32768|"),
           OK,
           1,
           3,
           1,
           {"HeaderDigest=None", "MaxRecvDataSegmentLength=65536"}}}},
        /* ... offering CHAP,None: CHAP is chosen, so that the session
         * sees its own node's target wherever it connects from */
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           SECF,
           T("InitiatorName=" DEB "|SessionType=Discovery|AuthMethod=CHAP,None|"),
           OK,
           0,
           0,
           0,
           {"AuthMethod=CHAP"}}}},
        /* ... offering None only: None */
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           SECF,
           T("InitiatorName=" DEB "|SessionType=Discovery|AuthMethod=None|"),
           OK,
           1,
           3,
           1,
           {"AuthMethod=None", "MaxRecvDataSegmentLength=65536"}}}},
        /* ... and CHAP_A after None is out of order */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC,
           T("InitiatorName=" DEB "|SessionType=Discovery|AuthMethod=None|CHAP_A=5|"),
           ISCSI_LOGIN_INITIATOR_ERROR}}},
        /* Discovery with CHAP: the CHAP name picks the node. */
        {__LINE__,
         1,
         {{__LINE__,
           1,
           0,
           SECF,
           T("InitiatorName=" IPXE "|SessionType=Discovery|AuthMethod=CHAP,None|"),
           OK,
           0,
           0,
           0,
           {"AuthMethod=CHAP"},
           "TargetPortalGroupTag"},
          {__LINE__, 1, 0, SECF, T("CHAP_A=7,5|"), OK, 0, 0, 0, {"CHAP_A=5"}},
          {__LINE__,
           1,
           0,
           SECF,
           T("CHAP_N=user2|CHAP_R=@|"),
           OK,
           1,
           3,
           1,
           {"MaxRecvDataSegmentLength=65536"},
           .secret = "secret-two-2"}},
         "user2",
         (void *)2},
        {__LINE__,
         1,
         {{__LINE__, 1, 0, SEC, T("InitiatorName=" IPXE "|SessionType=Discovery|AuthMethod=CHAP|"),
           OK},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=nobody|CHAP_R=@|"), ISCSI_LOGIN_AUTH_FAILED,
           .secret = "secret-two-2"}}},
        {__LINE__,
         1,
         {{__LINE__, 1, 0, OPF, T("InitiatorName=" LIBI "|SessionType=Discovery|"),
           ISCSI_LOGIN_AUTH_FAILED}}},
        {__LINE__,
         1,
         {{__LINE__, 1, 0, SEC, T("InitiatorName=" LIBI "|SessionType=Discovery|"),
           ISCSI_LOGIN_AUTH_FAILED}}},
        /* CHAP algorithm and order (RFC 7143 12.1.3) */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_A=7|"), ISCSI_LOGIN_AUTH_FAILED}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user1|CHAP_R=0x00|"), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("AuthMethod=CHAP|"), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|CHAP_A=5|"), ISCSI_LOGIN_INITIATOR_ERROR}}},
        /* AuthMethod and CHAP_A in one request: answered together. */
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           SEC,
           T("InitiatorName=" IPXE "|TargetName=" N1 "|AuthMethod=CHAP|CHAP_A=5|"),
           OK,
           0,
           0,
           0,
           {"AuthMethod=CHAP", "CHAP_A=5", "CHAP_C=*"}},
          {__LINE__, 0, 0, SEC, T("CHAP_N=user1|CHAP_R=@|"), OK, 0, 0, 0, .secret = "secret-one-1"},
          {__LINE__, 1, 0, SEC, T(""), OK, 1, 1}},
         "user1",
         (void *)1},
        /* Security keys outside the security stage */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user1|CHAP_R=@|"), OK, 1, 1, .secret = "secret-one-1"},
          {__LINE__, 1, 0, OPF, T("CHAP_A=5|"), ISCSI_LOGIN_INITIATOR_ERROR}}},
        /* Malformed requests: initiator error (RFC 7143 11.13.5) */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC, T("InitiatorName=" IPXE), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__, 0, {{__LINE__, 1, 0, SEC, T("InitiatorName|"), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__, 0, {{__LINE__, 1, 1, SEC, IPXE_FIRST(N1), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__, 0, {{__LINE__, 1, 0, 1, 1, IPXE_FIRST(N1), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__, 0, {{__LINE__, 1, 0, 0, 2, IPXE_FIRST(N1), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__, 0, {{__LINE__, 0, 0, 3, 3, IPXE_FIRST(N1), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__, 0, {{__LINE__, 0, 0, 2, 0, IPXE_FIRST(N1), ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__,
         0,
         {{__LINE__, 1, 0, SEC,
           T("InitiatorName=" IPXE "|TargetName=" N1 "|AuthMethod=CHAP|MaxBurstLength=512|"
             "MaxBurstLength=512|"),
           ISCSI_LOGIN_INITIATOR_ERROR}}},
        {__LINE__,
         0,
         {{__LINE__, 0, 0, SEC, IPXE_FIRST(N1), OK},
          {__LINE__, 1, 0, OPF, T(IPXE_OP), ISCSI_LOGIN_INITIATOR_ERROR}}},
        /* Operational keys in the security stage are answered there. */
        {__LINE__,
         0,
         {{__LINE__,
           1,
           0,
           SEC,
           T("InitiatorName=" IPXE "|TargetName=" N1 "|AuthMethod=CHAP|MaxBurstLength=512|"
             "X-vendor=1|"),
           OK,
           0,
           0,
           0,
           {"MaxBurstLength=512", "X-vendor=NotUnderstood"}},
          {__LINE__, 1, 0, SEC, T("CHAP_A=5|"), OK},
          {__LINE__, 1, 0, SEC, T("CHAP_N=user1|CHAP_R=@|"), OK, 1, 1, .secret = "secret-one-1"},
          {__LINE__, 1, 0, OPF, T("MaxBurstLength=512|"), ISCSI_LOGIN_INITIATOR_ERROR}}},
        /* Full feature phase reached: no more login requests */
        {__LINE__,
         0,
         {{__LINE__, 1, 0, OPF, T("InitiatorName=" LIBI "|SessionType=Discovery|"), OK, 1, 3, 1},
          {__LINE__, 1, 0, OPF, T(""), ISCSI_LOGIN_INVALID_REQUEST}}},
};

/* The value of @p key in a text, copied; 0 if found. */
static int get_val(const uint8_t *text, size_t len, const char *key, char *out, size_t cap)
{
	const uint8_t *p = text;
	struct iscsi_kv kv;

	while (iscsi_text_next(&p, text + len, &kv) == 1)
		if (iscsi_kv_is(&kv, key))
			return iscsi_kv_copy(&kv, out, cap);
	return -ENOENT;
}

/* 1 if the answer holds "key=value" (or "key=*": the key). */
static int holds(const struct buf *out, const char *want)
{
	const char *eq = strchr(want, '=');
	char key[64], val[512];

	assert_non_null(eq);
	snprintf(key, sizeof(key), "%.*s", (int)(eq - want), want);
	if (get_val((const uint8_t *)out->p, out->len, key, val, sizeof(val)) < 0)
		return 0;
	return strcmp(eq + 1, "*") == 0 || strcmp(eq + 1, val) == 0;
}

/* Hex text of @p n bytes after "0x". */
static void hex(char *s, const uint8_t *p, size_t n)
{
	size_t i;

	s += sprintf(s, "0x");
	for (i = 0; i < n; i++)
		s += sprintf(s, "%02X", p[i]);
}

/* The request text of a step: "@" as CHAP_R becomes the right response. */
static uint8_t *make_text(const struct tstep *s, const uint8_t *last, size_t last_len, size_t *len)
{
	uint8_t *c = unbar(s->text, s->n), id, chal[64], r[16], *exact;
	const uint8_t *p = c;
	char idv[8], cv[256], rhex[40];
	struct iscsi_kv kv;
	struct buf b;
	int n;

	*len = s->n;
	if (!s->secret)
		return c;
	buf_init(&b);
	while (iscsi_text_next(&p, c + s->n, &kv) == 1) {
		if (iscsi_kv_is(&kv, "CHAP_R") && kv.vlen == 1 && kv.val[0] == '@') {
			if (get_val(last, last_len, "CHAP_I", idv, sizeof(idv)) < 0 ||
			    get_val(last, last_len, "CHAP_C", cv, sizeof(cv)) < 0)
				fail_msg("line %d: no challenge to answer", s->line);
			id = (uint8_t)atoi(idv);
			n = iscsi_chap_decode(cv, strlen(cv), chal, sizeof(chal));
			assert_int_equal(n, 16);
			assert_int_equal(iscsi_chap_response(id, s->secret, chal, (size_t)n, r), 0);
			hex(rhex, r, sizeof(r));
			buf_printf(&b, "CHAP_R=%s", rhex);
		} else {
			buf_add(&b, kv.key, kv.klen + 1 + kv.vlen);
		}
		buf_add(&b, "", 1);
	}
	free(c);
	assert_false(b.oom);
	exact = malloc(b.len);
	assert_non_null(exact);
	memcpy(exact, b.p, b.len);
	*len = b.len;
	buf_free(&b);
	return exact;
}

static void run_flow(const struct flow *f)
{
	struct iscsi_login_ops ops = base_ops;
	struct env e = {0, 0};
	struct iscsi_login l;
	struct buf last, out;
	const struct tstep *s;

	ops.ctx = &e;
	ops.discovery_chap = f->discovery_chap;
	iscsi_login_init(&l, &ops);
	buf_init(&last);
	for (s = f->s; s < f->s + 6 && s->line; s++) {
		struct iscsi_login_req req = {
		        s->t,   s->c, s->csg, s->nsg, 0, s->vmin, {0x80, 0, 0x37, 0xd1, 0, 1},
		        s->tsih};
		struct iscsi_login_rsp rsp;
		uint8_t *text;
		size_t i;

		text = make_text(s, (const uint8_t *)last.p, last.len, &req.len);
		req.data = text;
		buf_init(&out);
		assert_int_equal(iscsi_login_step(&l, &req, &out, &rsp), 0);
		if (rsp.status != s->status)
			fail_msg("line %d: status 0x%04x (%s), want 0x%04x", s->line, rsp.status,
			         rsp.why ? rsp.why : "-", s->status);
		if (s->status != OK) {
			if (!rsp.why || out.len != 0 || rsp.transit || rsp.done)
				fail_msg("line %d: a refusal with keys, flags or no reason",
				         s->line);
		} else if (rsp.transit != s->rt || (s->rt && rsp.nsg != s->rnsg) ||
		           rsp.done != s->done || rsp.csg != s->csg || rsp.cont) {
			fail_msg("line %d: T %d NSG %d done %d, want %d %d %d", s->line,
			         rsp.transit, rsp.nsg, rsp.done, s->rt, s->rnsg, s->done);
		}
		for (i = 0; i < 6 && s->has[i]; i++)
			if (!holds(&out, s->has[i]))
				fail_msg("line %d: no %s in the answer", s->line, s->has[i]);
		if (s->lacks) {
			char k[80];

			snprintf(k, sizeof(k), "%s=*", s->lacks);
			if (holds(&out, k))
				fail_msg("line %d: %s in the answer", s->line, s->lacks);
		}
		buf_free(&last);
		last = out;
		free(text);
		if (s->status != OK)
			break;
	}
	if (f->user && strcmp(l.user, f->user) != 0)
		fail_msg("line %d: user \"%s\", want \"%s\"", f->line, l.user, f->user);
	if (f->node && (!l.have_node || l.node.node != f->node))
		fail_msg("line %d: wrong node", f->line);
	buf_free(&last);
	iscsi_login_fini(&l);
}

static void test_flows(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++)
		run_flow(&flows[i]);
}

/* Drive a login through the first two requests to a pending CHAP_R. */
struct chapped {
	struct env e;
	struct iscsi_login_ops ops;
	struct iscsi_login l;
	uint8_t id, chal[16];
};

static void step_ok(struct iscsi_login *l, uint8_t t, uint8_t csg, uint8_t nsg, const char *lit,
                    size_t n, struct buf *out, struct iscsi_login_rsp *rsp, uint16_t want)
{
	uint8_t *c = unbar(lit, n);
	struct iscsi_login_req req = {t, 0, csg, nsg};

	req.data = c;
	req.len = n;
	buf_init(out);
	assert_int_equal(iscsi_login_step(l, &req, out, rsp), 0);
	if (rsp->status != want)
		fail_msg("status 0x%04x (%s), want 0x%04x", rsp->status, rsp->why ? rsp->why : "-",
		         want);
	free(c);
}

static void chap_start(struct chapped *c, const char *first, size_t n)
{
	struct iscsi_login_rsp rsp;
	struct buf out;
	char v[64];

	c->e.rnd = 0;
	c->e.rnd_fail = 0;
	c->ops = base_ops;
	c->ops.ctx = &c->e;
	iscsi_login_init(&c->l, &c->ops);
	step_ok(&c->l, 1, SEC, first, n, &out, &rsp, OK);
	buf_free(&out);
	step_ok(&c->l, 0, SEC, T("CHAP_A=5|"), &out, &rsp, OK);
	assert_int_equal(get_val((uint8_t *)out.p, out.len, "CHAP_I", v, sizeof(v)), 0);
	c->id = (uint8_t)atoi(v);
	assert_int_equal(get_val((uint8_t *)out.p, out.len, "CHAP_C", v, sizeof(v)), 0);
	assert_int_equal(iscsi_chap_decode(v, strlen(v), c->chal, 16), 16);
	buf_free(&out);
}

/* The CHAP_N/CHAP_R request, with mutual CHAP_I/CHAP_C when @p ichal. */
static void chap_answer(struct chapped *c, const char *user, const char *secret,
                        const char *ichap_i, const uint8_t *ichal, size_t ilen, struct buf *out,
                        struct iscsi_login_rsp *rsp, uint16_t want)
{
	char text[600], h[300];
	uint8_t r[16];
	int n;

	assert_int_equal(iscsi_chap_response(c->id, secret, c->chal, 16, r), 0);
	hex(h, r, 16);
	n = snprintf(text, sizeof(text), "CHAP_N=%s|CHAP_R=%s|", user, h);
	if (ichap_i)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "CHAP_I=%s|", ichap_i);
	if (ichal) {
		hex(h, ichal, ilen);
		n += snprintf(text + n, sizeof(text) - (size_t)n, "CHAP_C=%s|", h);
	}
	step_ok(&c->l, 1, SEC, text, (size_t)n, out, rsp, want);
}

static void test_mutual_chap(void **state)
{
	uint8_t ichal[32], want[16], got[16];
	struct iscsi_login_rsp rsp;
	struct chapped c;
	struct buf out;
	char v[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ichal); i++)
		ichal[i] = (uint8_t)(0xa0 + i);
	/* libiscsi's 32-byte challenge: answered with our name and response. */
	chap_start(&c, IPXE_FIRST(N1));
	chap_answer(&c, "user1", "secret-one-1", "77", ichal, sizeof(ichal), &out, &rsp, OK);
	assert_int_equal(rsp.transit, 1);
	assert_true(holds(&out, "CHAP_N=tgt1"));
	assert_int_equal(get_val((uint8_t *)out.p, out.len, "CHAP_R", v, sizeof(v)), 0);
	assert_int_equal(iscsi_chap_decode(v, strlen(v), got, sizeof(got)), 16);
	assert_int_equal(iscsi_chap_response(77, "target-secret-1", ichal, sizeof(ichal), want), 0);
	assert_memory_equal(got, want, 16);
	assert_string_equal(c.l.user, "user1");
	buf_free(&out);
	iscsi_login_fini(&c.l);

	/* Hex CHAP_I, base64-free: the same. */
	chap_start(&c, IPXE_FIRST(N1));
	chap_answer(&c, "user1", "secret-one-1", "0x4d", ichal, 1, &out, &rsp, OK);
	assert_true(holds(&out, "CHAP_N=tgt1"));
	buf_free(&out);
	iscsi_login_fini(&c.l);

	/* Our own challenge reflected (RFC 7143 12.1.3) */
	chap_start(&c, IPXE_FIRST(N1));
	chap_answer(&c, "user1", "secret-one-1", "1", c.chal, 16, &out, &rsp,
	            ISCSI_LOGIN_AUTH_FAILED);
	assert_int_equal(out.len, 0);
	assert_int_equal(c.l.auth, ISCSI_AUTH_CHAP_R);
	buf_free(&out);
	iscsi_login_fini(&c.l);

	/* No target secret for this node */
	chap_start(&c, T("InitiatorName=" DEB "|TargetName=" BOUND "|AuthMethod=CHAP|"));
	chap_answer(&c, "user2", "secret-two-2", "1", ichal, 16, &out, &rsp,
	            ISCSI_LOGIN_AUTH_FAILED);
	buf_free(&out);
	iscsi_login_fini(&c.l);

	/* One secret for both directions */
	chap_start(&c, IPXE_FIRST(SAME));
	chap_answer(&c, "user3", "same-secret-3", "1", ichal, 16, &out, &rsp,
	            ISCSI_LOGIN_AUTH_FAILED);
	buf_free(&out);
	iscsi_login_fini(&c.l);

	/* Half a mutual request, or a bad identifier */
	chap_start(&c, IPXE_FIRST(N1));
	chap_answer(&c, "user1", "secret-one-1", "1", NULL, 0, &out, &rsp, ISCSI_LOGIN_AUTH_FAILED);
	buf_free(&out);
	iscsi_login_fini(&c.l);
	chap_start(&c, IPXE_FIRST(N1));
	chap_answer(&c, "user1", "secret-one-1", NULL, ichal, 16, &out, &rsp,
	            ISCSI_LOGIN_AUTH_FAILED);
	buf_free(&out);
	iscsi_login_fini(&c.l);
	chap_start(&c, IPXE_FIRST(N1));
	chap_answer(&c, "user1", "secret-one-1", "256", ichal, 16, &out, &rsp,
	            ISCSI_LOGIN_AUTH_FAILED);
	buf_free(&out);
	iscsi_login_fini(&c.l);

	/* Without mutual CHAP, the same node needs none of it. */
	chap_start(&c, IPXE_FIRST(N1));
	chap_answer(&c, "user1", "secret-one-1", NULL, NULL, 0, &out, &rsp, OK);
	assert_false(holds(&out, "CHAP_N=*"));
	buf_free(&out);
	iscsi_login_fini(&c.l);
}

static void test_random_failure(void **state)
{
	struct iscsi_login_rsp rsp;
	struct chapped c;
	struct buf out;

	(void)state;
	c.e.rnd = 0;
	c.e.rnd_fail = 1;
	c.ops = base_ops;
	c.ops.ctx = &c.e;
	iscsi_login_init(&c.l, &c.ops);
	step_ok(&c.l, 1, SEC, IPXE_FIRST(N1), &out, &rsp, OK);
	buf_free(&out);
	step_ok(&c.l, 1, SEC, T("CHAP_A=5|"), &out, &rsp, ISCSI_LOGIN_TARGET_ERROR);
	buf_free(&out);
	iscsi_login_fini(&c.l);
}

/* The first iPXE request in pieces with C set (RFC 7143 6.3, 11.12.2). */
static void test_continue(void **state)
{
	static const char whole[] =
	        "InitiatorName=" IPXE "|TargetName=" N1 "|SessionType=Normal|AuthMethod=CHAP,None|";
	static const size_t cuts[][2] = {{10, 40}, {1, 2}, {0, 0}, {sizeof(whole) - 2, 0}};
	struct iscsi_login_ops ops = base_ops;
	struct env e = {0, 0};
	size_t i;

	(void)state;
	ops.ctx = &e;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t a = cuts[i][0], b = cuts[i][1] > a ? cuts[i][1] : a;
		size_t parts[3][2] = {{0, a}, {a, b}, {b, sizeof(whole) - 1}};
		struct iscsi_login_rsp rsp;
		struct iscsi_login l;
		struct buf out;
		size_t k;

		iscsi_login_init(&l, &ops);
		for (k = 0; k < 3; k++) {
			uint8_t *c = unbar(whole + parts[k][0], parts[k][1] - parts[k][0]);
			struct iscsi_login_req req = {k == 2, k < 2, SEC};

			req.data = c;
			req.len = parts[k][1] - parts[k][0];
			buf_init(&out);
			assert_int_equal(iscsi_login_step(&l, &req, &out, &rsp), 0);
			assert_int_equal(rsp.status, OK);
			assert_int_equal(rsp.transit, 0);
			if (k < 2)
				assert_int_equal(out.len, 0);
			else
				assert_true(holds(&out, "AuthMethod=CHAP") &&
				            holds(&out, "TargetPortalGroupTag=1"));
			buf_free(&out);
			free(c);
		}
		assert_int_equal(l.pending.len, 0);
		iscsi_login_fini(&l);
	}
}

static void test_continue_cap(void **state)
{
	struct iscsi_login_ops ops = base_ops;
	struct env e = {0, 0};
	struct iscsi_login_rsp rsp;
	struct iscsi_login l;
	struct buf out;
	size_t piece = 16384, k;
	uint8_t *c = malloc(piece);

	(void)state;
	assert_non_null(c);
	memset(c, 'a', piece);
	ops.ctx = &e;
	iscsi_login_init(&l, &ops);
	for (k = 0; k < 5; k++) {
		struct iscsi_login_req req = {0, 1, SEC};

		req.data = c;
		req.len = piece;
		buf_init(&out);
		assert_int_equal(iscsi_login_step(&l, &req, &out, &rsp), 0);
		/* Four pieces make 64 KiB exactly; the fifth is too much. */
		assert_int_equal(rsp.status, k < 4 ? OK : ISCSI_LOGIN_INITIATOR_ERROR);
		buf_free(&out);
	}
	iscsi_login_fini(&l);
	free(c);
}

/* RFC 1321 A.5 test suite through id || secret || challenge. */
static void test_md5_known_answers(void **state)
{
	static const struct {
		uint8_t id;
		const char *secret, *chal, *md5;
	} vecs[] = {
	        {'a', "b", "c", "900150983cd24fb0d6963f7d28e17f72"},
	        {'m', "essage", " digest", "f96b697d7cb7938d525a2f31aaf161d0"},
	        {'a', "", "", "0cc175b9c0f1b6a831c399e269772661"},
	        {'1',
	         "2345678901234567890123456789012345678901234567890123456789012345678901234567",
	         "890", "57edf4a22be3c955ac49da2e2107b67a"},
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t out[16];
		char h[33];

		assert_int_equal(iscsi_chap_response(vecs[i].id, vecs[i].secret,
		                                     (const uint8_t *)vecs[i].chal,
		                                     strlen(vecs[i].chal), out),
		                 0);
		for (k = 0; k < 16; k++)
			sprintf(h + 2 * k, "%02x", out[k]);
		assert_string_equal(h, vecs[i].md5);
	}
}

static void test_chap_decode(void **state)
{
	static const struct {
		int line;
		const char *in;
		size_t cap;
		int n;
		const char *bytes;
	} vecs[] = {
	        {__LINE__, "0x00ff10", 16, 3, "\x00\xff\x10"},
	        {__LINE__, "0XABcd", 16, 2, "\xab\xcd"},
	        {__LINE__, "0xabc", 16, 2, "\x0a\xbc"},
	        {__LINE__, "0x1", 16, 1, "\x01"},
	        {__LINE__, "0x0102", 2, 2, "\x01\x02"},
	        {__LINE__, "0x010203", 2, -EINVAL, ""},
	        {__LINE__, "0x", 16, -EINVAL, ""},
	        {__LINE__, "0xzz", 16, -EINVAL, ""},
	        {__LINE__, "0x12 ", 16, -EINVAL, ""},
	        {__LINE__, "1234", 16, -EINVAL, ""},
	        {__LINE__, "0y12", 16, -EINVAL, ""},
	        {__LINE__, "", 16, -EINVAL, ""},
	        /* base64 (RFC 4648 10 vectors) */
	        {__LINE__, "0bZm9vYmFy", 16, 6, "foobar"},
	        {__LINE__, "0BZm9vYg==", 16, 4, "foob"},
	        {__LINE__, "0bZm9vYmE=", 16, 5, "fooba"},
	        {__LINE__, "0bAP8Q", 16, 3, "\x00\xff\x10"},
	        {__LINE__, "0b+/+/", 16, 3, "\xfb\xff\xbf"},
	        {__LINE__, "0bZm9vYmFy", 5, -EINVAL, ""},
	        {__LINE__, "0bZm9vYmE=", 5, 5, "fooba"},
	        {__LINE__, "0bZm9vY", 16, -EINVAL, ""},
	        {__LINE__, "0bZg=a", 16, -EINVAL, ""},
	        {__LINE__, "0bZ===", 16, -EINVAL, ""},
	        {__LINE__, "0bZg==Zm9v", 16, -EINVAL, ""},
	        {__LINE__, "0bZm9*", 16, -EINVAL, ""},
	        {__LINE__, "0b", 16, -EINVAL, ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t out[16];
		int n = iscsi_chap_decode(vecs[i].in, strlen(vecs[i].in), out, vecs[i].cap);

		if (n != vecs[i].n)
			fail_msg("line %d: %d bytes, want %d", vecs[i].line, n, vecs[i].n);
		if (n > 0 && memcmp(out, vecs[i].bytes, (size_t)n) != 0)
			fail_msg("line %d: wrong bytes", vecs[i].line);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_flows),          cmocka_unit_test(test_mutual_chap),
	        cmocka_unit_test(test_random_failure), cmocka_unit_test(test_continue),
	        cmocka_unit_test(test_continue_cap),   cmocka_unit_test(test_md5_known_answers),
	        cmocka_unit_test(test_chap_decode),
	};

	return cmocka_run_group_tests_name("iscsi_login", tests, NULL, NULL);
}
