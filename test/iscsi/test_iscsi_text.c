/* SPDX-License-Identifier: MIT */
/*
 * test_iscsi_text.c - vectors for the iSCSI text walker and the operational
 * key negotiation: every result function at its range edges, Reject,
 * NotUnderstood and Irrelevant, keys offered twice, leading-only keys in
 * full feature phase, and malformed text.  Texts are literals with '|' for
 * each NUL, copied to a heap buffer of exactly their length so that
 * AddressSanitizer sees any read past it; each row carries its line.
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

#include "iscsi/iscsi_text.h"
#include "lib/testlib.h"

#define T(lit) (lit), sizeof(lit) - 1

/* A buffer's bytes with each NUL shown as '|', for messages and comparison. */
static char *bar(const struct buf *b)
{
	char *s = malloc(b->len + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < b->len; i++)
		s[i] = b->p[i] ? b->p[i] : '|';
	s[b->len] = '\0';
	return s;
}

struct walk_vec {
	int line;
	const char *in;
	size_t n;
	const char *pairs; /* "k=v;k=v;" as walked */
	int rc;            /* the last return: 0 or -EPROTO */
};

static const struct walk_vec walk_vecs[] = {
        {__LINE__, T(""), "", 0},
        {__LINE__, T("|||"), "", 0},
        {__LINE__, T("a=b|"), "a=b;", 0},
        {__LINE__, T("a=|"), "a=;", 0},
        {__LINE__, T("a=b=c|"), "a=b=c;", 0},
        {__LINE__, T("a=b|c=d|"), "a=b;c=d;", 0},
        {__LINE__, T("a=b||c=d|||"), "a=b;c=d;", 0},
        {__LINE__, T("||a=b|"), "a=b;", 0},
        {__LINE__, T("a=b"), "", -EPROTO},
        {__LINE__, T("a=b|c=d"), "a=b;", -EPROTO},
        {__LINE__, T("ab|"), "", -EPROTO},
        {__LINE__, T("=b|"), "", -EPROTO},
        {__LINE__, T("a=b|=|"), "a=b;", -EPROTO},
        {__LINE__, T("X#k=v|"), "X#k=v;", 0},
        /* RFC 7143 6.1: 63-byte keys at most */
        {__LINE__, T("K23456789012345678901234567890123456789012345678901234567890123=1|"),
         "K23456789012345678901234567890123456789012345678901234567890123=1;", 0},
        {__LINE__, T("K234567890123456789012345678901234567890123456789012345678901234=1|"), "",
         -EPROTO},
};

static void test_walk_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(walk_vecs) / sizeof(walk_vecs[0]); i++) {
		const struct walk_vec *v = &walk_vecs[i];
		uint8_t *c = unbar(v->in, v->n);
		const uint8_t *p = c;
		struct iscsi_kv kv;
		char got[512] = "";
		size_t g = 0;
		int rc;

		while ((rc = iscsi_text_next(&p, c + v->n, &kv)) == 1) {
			if ((const uint8_t *)kv.key < c ||
			    (const uint8_t *)kv.val + kv.vlen >= c + v->n || kv.val[kv.vlen] != 0)
				fail_msg("line %d: pair not inside the text", v->line);
			g += (size_t)snprintf(got + g, sizeof(got) - g, "%.*s=%.*s;", (int)kv.klen,
			                      kv.key, (int)kv.vlen, kv.val);
		}
		if (rc != v->rc || strcmp(got, v->pairs) != 0)
			fail_msg("line %d: rc %d pairs \"%s\", want %d \"%s\"", v->line, rc, got,
			         v->rc, v->pairs);
		free(c);
	}
}

static void test_walk_value_max(void **state)
{
	size_t n = 2 + ISCSI_VALUE_MAX + 2;
	uint8_t *c = malloc(n);
	const uint8_t *p = c;
	struct iscsi_kv kv;

	(void)state;
	assert_non_null(c);
	memset(c, 'v', n);
	c[0] = 'k';
	c[1] = '=';
	c[n - 2] = 0; /* a value of ISCSI_VALUE_MAX */
	c[n - 1] = 0;
	assert_int_equal(iscsi_text_next(&p, c + n - 1, &kv), 1);
	assert_int_equal(kv.vlen, ISCSI_VALUE_MAX);
	p = c;
	assert_int_equal(iscsi_text_next(&p, c + n, &kv), 1);
	c[n - 2] = 'v'; /* one byte more */
	p = c;
	assert_int_equal(iscsi_text_next(&p, c + n, &kv), -EPROTO);
	free(c);
}

static void test_kv_helpers(void **state)
{
	struct iscsi_kv kv = {"Key", 3, "value", 5};
	char out[6];
	uint32_t v;

	(void)state;
	assert_true(iscsi_kv_is(&kv, "Key"));
	assert_false(iscsi_kv_is(&kv, "key"));
	assert_false(iscsi_kv_is(&kv, "Ke"));
	assert_false(iscsi_kv_is(&kv, "Keys"));
	assert_int_equal(iscsi_kv_copy(&kv, out, sizeof(out)), 0);
	assert_string_equal(out, "value");
	assert_int_equal(iscsi_kv_copy(&kv, out, 5), -ENAMETOOLONG);

	assert_int_equal(iscsi_text_number("0", 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(iscsi_text_number("4294967295", 10, &v), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(iscsi_text_number("4294967296", 10, &v), -ERANGE);
	assert_int_equal(iscsi_text_number("0xffffFFFF", 10, &v), 0);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(iscsi_text_number("0x100000000", 11, &v), -ERANGE);
	assert_int_equal(iscsi_text_number("0X1a", 4, &v), 0);
	assert_int_equal(v, 26);
	assert_int_equal(iscsi_text_number("0x", 2, &v), -EINVAL);
	assert_int_equal(iscsi_text_number("", 0, &v), -EINVAL);
	assert_int_equal(iscsi_text_number("12a", 3, &v), -EINVAL);
	assert_int_equal(iscsi_text_number("99999999999999999999x", 21, &v), -EINVAL);
	assert_int_equal(iscsi_text_number("-1", 2, &v), -EINVAL);
	assert_int_equal(iscsi_text_number("+1", 2, &v), -EINVAL);
	assert_int_equal(iscsi_text_number("0xg", 3, &v), -EINVAL);
}

static void test_list_next(void **state)
{
	static const struct {
		int line;
		const char *in;
		const char *items; /* "a;b;" then '!' if it ended on an empty item */
	} vecs[] = {
	        {__LINE__, "None", "None;"}, {__LINE__, "None,CRC32C", "None;CRC32C;"},
	        {__LINE__, "", "!"},         {__LINE__, ",a", "!"},
	        {__LINE__, "a,,b", "a;!"},   {__LINE__, "a,", "a;!"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const char *p = vecs[i].in, *end = p + strlen(p), *it;
		char got[64] = "";
		size_t n, g = 0;
		int rc;

		while ((rc = iscsi_text_list_next(&p, end, &it, &n)) == 1)
			g += (size_t)snprintf(got + g, sizeof(got) - g, "%.*s;", (int)n, it);
		if (rc < 0)
			g += (size_t)snprintf(got + g, sizeof(got) - g, "!");
		if (strcmp(got, vecs[i].items) != 0)
			fail_msg("line %d: \"%s\", want \"%s\"", vecs[i].line, got, vecs[i].items);
	}
}

static void test_key_class(void **state)
{
	static const struct {
		const char *key;
		enum iscsi_key_class c;
	} vecs[] = {
	        {"HeaderDigest", ISCSI_KEY_OPERATIONAL},
	        {"MaxRecvDataSegmentLength", ISCSI_KEY_OPERATIONAL},
	        {"IFMarkInt", ISCSI_KEY_OPERATIONAL},
	        {"iSCSIProtocolLevel", ISCSI_KEY_OPERATIONAL},
	        {"AuthMethod", ISCSI_KEY_SECURITY},
	        {"CHAP_R", ISCSI_KEY_SECURITY},
	        {"InitiatorName", ISCSI_KEY_IDENTITY},
	        {"TargetPortalGroupTag", ISCSI_KEY_IDENTITY},
	        {"SendTargets", ISCSI_KEY_IDENTITY},
	        {"X-com.example.k", ISCSI_KEY_UNKNOWN},
	        {"headerdigest", ISCSI_KEY_UNKNOWN},
	        {"CHAP_X", ISCSI_KEY_UNKNOWN},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		struct iscsi_kv kv = {vecs[i].key, strlen(vecs[i].key), "", 0};

		if (iscsi_key_class(&kv) != vecs[i].c)
			fail_msg("%s: class %d, want %d", vecs[i].key, iscsi_key_class(&kv),
			         vecs[i].c);
	}
}

static void test_defaults(void **state)
{
	struct iscsi_neg n;

	(void)state;
	iscsi_neg_init(&n);
	/* RFC 7143 13 */
	assert_int_equal(n.p.header_digest, 0);
	assert_int_equal(n.p.data_digest, 0);
	assert_int_equal(n.p.max_connections, 1);
	assert_int_equal(n.p.initial_r2t, 1);
	assert_int_equal(n.p.immediate_data, 1);
	assert_int_equal(n.p.max_recv_dsl, 8192);
	assert_int_equal(n.p.target_recv_dsl, 8192);
	assert_int_equal(n.p.max_burst, 262144);
	assert_int_equal(n.p.first_burst, 65536);
	assert_int_equal(n.p.time2wait, 2);
	assert_int_equal(n.p.time2retain, 20);
	assert_int_equal(n.p.max_outstanding_r2t, 1);
	assert_int_equal(n.p.data_pdu_in_order, 1);
	assert_int_equal(n.p.data_seq_in_order, 1);
	assert_int_equal(n.p.erl, 0);
	assert_int_equal(n.answered, 0);
	assert_int_equal(n.declared_mrdsl, 0);
}

/* Limits: ours (CRC32C on), and small ones (CRC32C off, first burst over max). */
static const struct iscsi_limits lim_std = {65536, 262144, 65536, 1, 1};
static const struct iscsi_limits lim_small = {0, 4096, 131072, 4, 0};

/* A parameter the negotiation must leave at a value. */
struct pchk {
	size_t off;
	int wide; /* uint32_t, else uint8_t; off 0 and wide 0 ends the list */
	uint32_t v;
	int set;
};
#define PW(f, val)                                                                                 \
	{                                                                                          \
		offsetof(struct iscsi_params, f), 1, (val), 1                                      \
	}
#define PB(f, val)                                                                                 \
	{                                                                                          \
		offsetof(struct iscsi_params, f), 0, (val), 1                                      \
	}

struct neg_vec {
	int line;
	const struct iscsi_limits *lim;
	int discovery, full;
	const char *in;
	size_t n;
	int rc;
	const char *want; /* the answers, '|' for NUL; checked when rc is 0 */
	struct pchk chk[4];
};

#define STD  &lim_std, 0, 0
#define SML  &lim_small, 0, 0
#define DISC &lim_std, 1, 0
#define FULL &lim_std, 0, 1

static const struct neg_vec neg_vecs[] = {
        /* Lists (RFC 7143 6.2.1, 13.1): the first we support. */
        {__LINE__,
         STD,
         T("HeaderDigest=None,CRC32C|"),
         0,
         "HeaderDigest=None|",
         {PB(header_digest, 0)}},
        {__LINE__,
         STD,
         T("HeaderDigest=CRC32C,None|"),
         0,
         "HeaderDigest=CRC32C|",
         {PB(header_digest, 1)}},
        {__LINE__, STD, T("DataDigest=CRC32C|"), 0, "DataDigest=CRC32C|", {PB(data_digest, 1)}},
        {__LINE__,
         SML,
         T("HeaderDigest=CRC32C,None|"),
         0,
         "HeaderDigest=None|",
         {PB(header_digest, 0)}},
        {__LINE__,
         SML,
         T("HeaderDigest=CRC32C|"),
         0,
         "HeaderDigest=Reject|",
         {PB(header_digest, 0)}},
        {__LINE__, STD, T("HeaderDigest=MD5,None|"), 0, "HeaderDigest=None|"},
        {__LINE__, STD, T("HeaderDigest=MD5|"), 0, "HeaderDigest=Reject|"},
        {__LINE__, STD, T("HeaderDigest=none|"), 0, "HeaderDigest=Reject|"},
        {__LINE__, STD, T("HeaderDigest=|"), 0, "HeaderDigest=Reject|"},
        {__LINE__, STD, T("HeaderDigest=,None|"), 0, "HeaderDigest=Reject|"},
        {__LINE__, STD, T("TaskReporting=ResponseFence,RFC3720|"), 0, "TaskReporting=RFC3720|"},
        {__LINE__, STD, T("TaskReporting=FastAbort|"), 0, "TaskReporting=Reject|"},
        /* Minimum (RFC 7143 13.2, 13.13, 13.14, 13.16, 13.17, 13.20) */
        {__LINE__, STD, T("MaxConnections=1|"), 0, "MaxConnections=1|", {PW(max_connections, 1)}},
        {__LINE__, STD, T("MaxConnections=65535|"), 0, "MaxConnections=1|"},
        {__LINE__, STD, T("MaxConnections=0|"), 0, "MaxConnections=Reject|"},
        {__LINE__, STD, T("MaxConnections=65536|"), 0, "MaxConnections=Reject|"},
        {__LINE__,
         STD,
         T("MaxBurstLength=16776192|"),
         0,
         "MaxBurstLength=262144|",
         {PW(max_burst, 262144)}},
        {__LINE__, STD, T("MaxBurstLength=512|"), 0, "MaxBurstLength=512|", {PW(max_burst, 512)}},
        {__LINE__,
         STD,
         T("MaxBurstLength=511|"),
         0,
         "MaxBurstLength=Reject|",
         {PW(max_burst, 262144)}},
        {__LINE__, STD, T("MaxBurstLength=16777215|"), 0, "MaxBurstLength=262144|"},
        {__LINE__, STD, T("MaxBurstLength=16777216|"), 0, "MaxBurstLength=Reject|"},
        {__LINE__, STD, T("MaxBurstLength=0x200|"), 0, "MaxBurstLength=512|"},
        {__LINE__, STD, T("MaxBurstLength=0X1000|"), 0, "MaxBurstLength=4096|"},
        {__LINE__, STD, T("MaxBurstLength=0xFFFFFF|"), 0, "MaxBurstLength=262144|"},
        {__LINE__, STD, T("MaxBurstLength=99999999999999999999|"), 0, "MaxBurstLength=Reject|"},
        {__LINE__, STD, T("MaxBurstLength=0x|"), 0, "MaxBurstLength=Reject|"},
        {__LINE__, STD, T("MaxBurstLength=-1|"), 0, "MaxBurstLength=Reject|"},
        {__LINE__, STD, T("MaxBurstLength= 512|"), 0, "MaxBurstLength=Reject|"},
        {__LINE__, STD, T("MaxBurstLength=|"), 0, "MaxBurstLength=Reject|"},
        {__LINE__, STD, T("MaxBurstLength=Yes|"), 0, "MaxBurstLength=Reject|"},
        {__LINE__, SML, T("MaxBurstLength=262144|"), 0, "MaxBurstLength=4096|"},
        {__LINE__,
         STD,
         T("FirstBurstLength=262144|"),
         0,
         "FirstBurstLength=65536|",
         {PW(first_burst, 65536)}},
        {__LINE__, STD, T("FirstBurstLength=512|"), 0, "FirstBurstLength=512|"},
        {__LINE__, STD, T("FirstBurstLength=511|"), 0, "FirstBurstLength=Reject|"},
        /* Our FirstBurstLength is kept within our MaxBurstLength. */
        {__LINE__, SML, T("FirstBurstLength=65536|"), 0, "FirstBurstLength=4096|"},
        /* 13.14: FirstBurstLength within the MaxBurstLength of the same text,
         * whichever comes first. */
        {__LINE__,
         STD,
         T("FirstBurstLength=262144|MaxBurstLength=1024|"),
         0,
         "FirstBurstLength=1024|MaxBurstLength=1024|",
         {PW(first_burst, 1024), PW(max_burst, 1024)}},
        {__LINE__,
         STD,
         T("MaxBurstLength=1024|FirstBurstLength=262144|"),
         0,
         "MaxBurstLength=1024|FirstBurstLength=1024|",
         {PW(first_burst, 1024), PW(max_burst, 1024)}},
        {__LINE__,
         STD,
         T("FirstBurstLength=8192|MaxBurstLength=1|"),
         0,
         "FirstBurstLength=8192|MaxBurstLength=Reject|",
         {PW(first_burst, 8192)}},
        {__LINE__,
         STD,
         T("DefaultTime2Retain=20|"),
         0,
         "DefaultTime2Retain=0|",
         {PW(time2retain, 0)}},
        {__LINE__,
         STD,
         T("DefaultTime2Retain=3601|"),
         0,
         "DefaultTime2Retain=Reject|",
         {PW(time2retain, 20)}},
        {__LINE__, STD, T("MaxOutstandingR2T=8|"), 0, "MaxOutstandingR2T=1|"},
        {__LINE__,
         SML,
         T("MaxOutstandingR2T=8|"),
         0,
         "MaxOutstandingR2T=4|",
         {PW(max_outstanding_r2t, 4)}},
        {__LINE__, SML, T("MaxOutstandingR2T=2|"), 0, "MaxOutstandingR2T=2|"},
        {__LINE__, STD, T("MaxOutstandingR2T=0|"), 0, "MaxOutstandingR2T=Reject|"},
        {__LINE__, STD, T("MaxOutstandingR2T=65536|"), 0, "MaxOutstandingR2T=Reject|"},
        {__LINE__, STD, T("ErrorRecoveryLevel=2|"), 0, "ErrorRecoveryLevel=0|", {PB(erl, 0)}},
        {__LINE__, STD, T("ErrorRecoveryLevel=0|"), 0, "ErrorRecoveryLevel=0|"},
        {__LINE__, STD, T("ErrorRecoveryLevel=3|"), 0, "ErrorRecoveryLevel=Reject|"},
        {__LINE__, STD, T("iSCSIProtocolLevel=2|"), 0, "iSCSIProtocolLevel=1|"},
        {__LINE__, STD, T("iSCSIProtocolLevel=0|"), 0, "iSCSIProtocolLevel=0|"},
        {__LINE__, STD, T("iSCSIProtocolLevel=32|"), 0, "iSCSIProtocolLevel=Reject|"},
        /* Maximum (13.15) */
        {__LINE__, STD, T("DefaultTime2Wait=2|"), 0, "DefaultTime2Wait=2|", {PW(time2wait, 2)}},
        {__LINE__, STD, T("DefaultTime2Wait=0|"), 0, "DefaultTime2Wait=0|", {PW(time2wait, 0)}},
        {__LINE__, STD, T("DefaultTime2Wait=3600|"), 0, "DefaultTime2Wait=3600|"},
        {__LINE__,
         STD,
         T("DefaultTime2Wait=3601|"),
         0,
         "DefaultTime2Wait=Reject|",
         {PW(time2wait, 2)}},
        /* Booleans (13.10, 13.11, 13.18, 13.19) */
        {__LINE__, STD, T("InitialR2T=No|"), 0, "InitialR2T=Yes|", {PB(initial_r2t, 1)}},
        {__LINE__, STD, T("InitialR2T=Yes|"), 0, "InitialR2T=Yes|"},
        {__LINE__, STD, T("InitialR2T=yes|"), 0, "InitialR2T=Reject|"},
        {__LINE__, STD, T("InitialR2T=1|"), 0, "InitialR2T=Reject|"},
        {__LINE__, STD, T("ImmediateData=No|"), 0, "ImmediateData=No|", {PB(immediate_data, 0)}},
        {__LINE__, STD, T("ImmediateData=Yes|"), 0, "ImmediateData=Yes|", {PB(immediate_data, 1)}},
        {__LINE__,
         STD,
         T("ImmediateData=Maybe|"),
         0,
         "ImmediateData=Reject|",
         {PB(immediate_data, 1)}},
        {__LINE__,
         STD,
         T("DataPDUInOrder=No|DataSequenceInOrder=No|"),
         0,
         "DataPDUInOrder=Yes|DataSequenceInOrder=Yes|",
         {PB(data_pdu_in_order, 1), PB(data_seq_in_order, 1)}},
        /* Declarative (13.12): the initiator's kept, ours declared once */
        {__LINE__,
         STD,
         T("MaxRecvDataSegmentLength=262144|"),
         0,
         "MaxRecvDataSegmentLength=65536|",
         {PW(max_recv_dsl, 262144), PW(target_recv_dsl, 65536)}},
        {__LINE__,
         STD,
         T("MaxRecvDataSegmentLength=512|"),
         0,
         "MaxRecvDataSegmentLength=65536|",
         {PW(max_recv_dsl, 512)}},
        {__LINE__,
         STD,
         T("MaxRecvDataSegmentLength=16777215|"),
         0,
         "MaxRecvDataSegmentLength=65536|",
         {PW(max_recv_dsl, 16777215)}},
        {__LINE__,
         STD,
         T("MaxRecvDataSegmentLength=511|"),
         0,
         "MaxRecvDataSegmentLength=Reject|",
         {PW(max_recv_dsl, 8192), PW(target_recv_dsl, 8192)}},
        {__LINE__, STD, T("MaxRecvDataSegmentLength=16777216|"), 0,
         "MaxRecvDataSegmentLength=Reject|"},
        {__LINE__,
         SML,
         T("MaxRecvDataSegmentLength=4096|"),
         0,
         "MaxRecvDataSegmentLength=8192|",
         {PW(max_recv_dsl, 4096), PW(target_recv_dsl, 8192)}},
        /* Obsolete markers (RFC 7143 13.25) */
        {__LINE__, STD, T("IFMarker=No|OFMarker=Yes|"), 0, "IFMarker=No|OFMarker=No|"},
        {__LINE__, STD, T("IFMarker=Sometimes|"), 0, "IFMarker=Reject|"},
        {__LINE__, STD, T("OFMarkInt=2048~8192|IFMarkInt=1|"), 0,
         "OFMarkInt=Irrelevant|IFMarkInt=Irrelevant|"},
        /* Unknown and vendor keys (6.2), security and identity keys skipped */
        {__LINE__, STD, T("X-com.example.tune=1|X#vendor=a|Frobnicate=Yes|"), 0,
         "X-com.example.tune=NotUnderstood|X#vendor=NotUnderstood|Frobnicate=NotUnderstood|"},
        {__LINE__, STD, T("X-a=1|X-a=1|"), 0, "X-a=NotUnderstood|X-a=NotUnderstood|"},
        {__LINE__, STD,
         T("InitiatorName=iqn.x|TargetName=iqn.y|SessionType=Normal|AuthMethod=CHAP,None|"
           "CHAP_A=5|InitiatorAlias=a|"),
         0, ""},
        /* Offered twice (6.2): a protocol error, even with a Reject between */
        {__LINE__, STD, T("MaxBurstLength=512|MaxBurstLength=512|"), -EPROTO},
        {__LINE__, STD, T("HeaderDigest=Bad|HeaderDigest=None|"), -EPROTO},
        {__LINE__, DISC, T("MaxBurstLength=512|MaxBurstLength=512|"), -EPROTO},
        /* Discovery sessions (13: "Irrelevant when SessionType=Discovery") */
        {__LINE__,
         DISC,
         T("MaxBurstLength=512|InitialR2T=No|ImmediateData=No|"),
         0,
         "MaxBurstLength=Irrelevant|InitialR2T=Irrelevant|ImmediateData=Irrelevant|",
         {PW(max_burst, 262144), PB(immediate_data, 1)}},
        {__LINE__, DISC,
         T("MaxConnections=1|FirstBurstLength=512|MaxOutstandingR2T=1|DataPDUInOrder=Yes|"
           "DataSequenceInOrder=Yes|TaskReporting=RFC3720|iSCSIProtocolLevel=1|"),
         0,
         "MaxConnections=Irrelevant|FirstBurstLength=Irrelevant|MaxOutstandingR2T=Irrelevant|"
         "DataPDUInOrder=Irrelevant|DataSequenceInOrder=Irrelevant|TaskReporting=Irrelevant|"
         "iSCSIProtocolLevel=Irrelevant|"},
        {__LINE__,
         DISC,
         T("HeaderDigest=None|DataDigest=None|DefaultTime2Wait=2|DefaultTime2Retain=0|"
           "IFMarker=No|OFMarker=No|ErrorRecoveryLevel=0|MaxRecvDataSegmentLength=32768|"),
         0,
         "HeaderDigest=None|DataDigest=None|DefaultTime2Wait=2|DefaultTime2Retain=0|"
         "IFMarker=No|OFMarker=No|ErrorRecoveryLevel=0|MaxRecvDataSegmentLength=65536|",
         {PW(max_recv_dsl, 32768)}},
        /* Full feature phase Text requests: LO and IO keys are errors */
        {__LINE__,
         FULL,
         T("MaxRecvDataSegmentLength=16384|"),
         0,
         "MaxRecvDataSegmentLength=65536|",
         {PW(max_recv_dsl, 16384)}},
        {__LINE__, FULL, T("MaxBurstLength=512|"), -EPROTO},
        {__LINE__, FULL, T("HeaderDigest=None|"), -EPROTO},
        {__LINE__, FULL, T("IFMarker=No|"), -EPROTO},
        {__LINE__, FULL, T("X-foo=1|SendTargets=All|"), 0, "X-foo=NotUnderstood|"},
        /* Malformed text */
        {__LINE__, STD, T("MaxBurstLength=512"), -EPROTO},
        {__LINE__, STD, T("MaxBurstLength|"), -EPROTO},
        {__LINE__, STD, T("=512|"), -EPROTO},
        {__LINE__, STD, T("HeaderDigest=None|garbage"), -EPROTO},
        /* open-iscsi's operational offer */
        {__LINE__,
         STD,
         T("HeaderDigest=None,CRC32C|DataDigest=None|DefaultTime2Wait=2|DefaultTime2Retain=0|"
           "IFMarker=No|OFMarker=No|ErrorRecoveryLevel=0|InitialR2T=No|ImmediateData=Yes|"
           "MaxBurstLength=16776192|FirstBurstLength=262144|MaxOutstandingR2T=1|"
           "MaxConnections=1|DataPDUInOrder=Yes|DataSequenceInOrder=Yes|"
           "MaxRecvDataSegmentLength=262144|"),
         0,
         "HeaderDigest=None|DataDigest=None|DefaultTime2Wait=2|DefaultTime2Retain=0|"
         "IFMarker=No|OFMarker=No|ErrorRecoveryLevel=0|InitialR2T=Yes|ImmediateData=Yes|"
         "MaxBurstLength=262144|FirstBurstLength=65536|MaxOutstandingR2T=1|MaxConnections=1|"
         "DataPDUInOrder=Yes|DataSequenceInOrder=Yes|MaxRecvDataSegmentLength=65536|",
         {PW(max_recv_dsl, 262144), PW(max_burst, 262144), PW(first_burst, 65536),
          PB(immediate_data, 1)}},
};

static void check_params(const struct iscsi_params *p, const struct pchk *chk, size_t n, int line)
{
	size_t i;

	for (i = 0; i < n && chk[i].set; i++) {
		uint32_t v;
		uint8_t b;

		if (chk[i].wide) {
			memcpy(&v, (const char *)p + chk[i].off, sizeof(v));
		} else {
			memcpy(&b, (const char *)p + chk[i].off, sizeof(b));
			v = b;
		}
		if (v != chk[i].v)
			fail_msg("line %d: parameter at offset %zu is %u, want %u", line,
			         chk[i].off, v, chk[i].v);
	}
}

static void test_neg_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(neg_vecs) / sizeof(neg_vecs[0]); i++) {
		const struct neg_vec *v = &neg_vecs[i];
		uint8_t *c = unbar(v->in, v->n);
		struct iscsi_neg n;
		struct buf out;
		char *got;
		int rc;

		iscsi_neg_init(&n);
		buf_init(&out);
		rc = iscsi_neg_keys(&n, v->lim, v->discovery, v->full, c, v->n, &out);
		got = bar(&out);
		if (rc != v->rc)
			fail_msg("line %d: rc %d, want %d (answers \"%s\")", v->line, rc, v->rc,
			         got);
		if (rc == 0 && strcmp(got, v->want) != 0)
			fail_msg("line %d: answers\n  \"%s\"\nwant\n  \"%s\"", v->line, got,
			         v->want);
		if (rc == 0)
			check_params(&n.p, v->chk, sizeof(v->chk) / sizeof(v->chk[0]), v->line);
		free(got);
		buf_free(&out);
		free(c);
	}
}

/* Run one text through a negotiation in progress; the answers as '|' text. */
static int neg_more(struct iscsi_neg *n, const struct iscsi_limits *lim, const char *lit,
                    size_t len, char **got)
{
	uint8_t *c = unbar(lit, len);
	struct buf out;
	int rc;

	buf_init(&out);
	rc = iscsi_neg_keys(n, lim, 0, 0, c, len, &out);
	*got = bar(&out);
	buf_free(&out);
	free(c);
	return rc;
}

static void test_neg_across_pdus(void **state)
{
	struct iscsi_neg n;
	char *got;

	(void)state;
	iscsi_neg_init(&n);
	assert_int_equal(neg_more(&n, &lim_std, T("FirstBurstLength=65536|"), &got), 0);
	assert_string_equal(got, "FirstBurstLength=65536|");
	free(got);
	/* A later MaxBurstLength under the agreed FirstBurstLength: refused. */
	assert_int_equal(neg_more(&n, &lim_std, T("MaxBurstLength=4096|"), &got), 0);
	assert_string_equal(got, "MaxBurstLength=Reject|");
	free(got);
	assert_int_equal(n.p.max_burst, 262144);
	assert_int_equal(n.p.first_burst, 65536);
	/* Offered again in a later PDU: still twice. */
	assert_int_equal(neg_more(&n, &lim_std, T("FirstBurstLength=512|"), &got), -EPROTO);
	free(got);

	/* MaxBurstLength already agreed caps a later FirstBurstLength. */
	iscsi_neg_init(&n);
	assert_int_equal(neg_more(&n, &lim_std, T("MaxBurstLength=2048|"), &got), 0);
	free(got);
	assert_int_equal(neg_more(&n, &lim_std, T("FirstBurstLength=65536|"), &got), 0);
	assert_string_equal(got, "FirstBurstLength=2048|");
	free(got);
}

static void test_neg_finish(void **state)
{
	struct iscsi_neg n;
	struct buf out;
	char *got;

	(void)state;
	/* Never declared: declared now (RFC 7143 13.12). */
	iscsi_neg_init(&n);
	buf_init(&out);
	assert_int_equal(iscsi_neg_finish(&n, &lim_std, 0, &out), 0);
	got = bar(&out);
	assert_string_equal(got, "MaxRecvDataSegmentLength=65536|");
	free(got);
	assert_int_equal(n.p.target_recv_dsl, 65536);
	assert_int_equal(n.declared_mrdsl, 1);
	buf_free(&out);
	assert_int_equal(iscsi_neg_finish(&n, &lim_std, 0, &out), 0);
	assert_int_equal(out.len, 0);

	/* Declared when the initiator declared its own: not again. */
	iscsi_neg_init(&n);
	assert_int_equal(neg_more(&n, &lim_std, T("MaxRecvDataSegmentLength=8192|"), &got), 0);
	free(got);
	assert_int_equal(iscsi_neg_finish(&n, &lim_std, 1, &out), 0);
	assert_int_equal(out.len, 0);

	/* A limit of 0 means the default; a discovery session declares too. */
	iscsi_neg_init(&n);
	assert_int_equal(iscsi_neg_finish(&n, &lim_small, 1, &out), 0);
	got = bar(&out);
	assert_string_equal(got, "MaxRecvDataSegmentLength=8192|");
	free(got);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_walk_vectors), cmocka_unit_test(test_walk_value_max),
	        cmocka_unit_test(test_kv_helpers),   cmocka_unit_test(test_list_next),
	        cmocka_unit_test(test_key_class),    cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_neg_vectors),  cmocka_unit_test(test_neg_across_pdus),
	        cmocka_unit_test(test_neg_finish),
	};

	return cmocka_run_group_tests_name("iscsi_text", tests, NULL, NULL);
}
