/* SPDX-License-Identifier: MIT */
/*
 * test_neigh_msg.c - the neighbour look-up's request and the reading of
 * the kernel's answers.  The answers are datagrams captured from Linux 6.18
 * (RTM_GETNEIGH, sequence 77, interface 3, a veth holding 10.0.0.1/24,
 * entries made with ip-neigh(8) in each state); the request is checked
 * against the copy of it the kernel echoes in an NLMSG_ERROR.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/neigh_msg.h"

#define SEQ   77
#define IFI   3
#define IP(d) (0x0a000000u | (d)) /* 10.0.0.d */
#define V(s)  (const uint8_t *)s, sizeof(s) - 1

/* 10.0.0.7 lladdr 52:54:00:12:34:56 STALE */
static const char stale[] = "\x4c\x00\x00\x00\x1c\x00\x00\x00\x4d\x00\x00\x00\x05\x5c\x00\x00"
                            "\x02\x00\x00\x00\x03\x00\x00\x00\x04\x00\x00\x01\x08\x00\x01\x00"
                            "\x0a\x00\x00\x07\x0a\x00\x02\x00\x52\x54\x00\x12\x34\x56\x00\x00"
                            "\x08\x00\x04\x00\x00\x00\x00\x00\x14\x00\x03\x00\xd7\x17\x00\x00"
                            "\x67\x00\x00\x00\x67\x00\x00\x00\x01\x00\x00\x00";
/* 10.0.0.8 INCOMPLETE: no NDA_LLADDR */
static const char incomplete[] = "\x40\x00\x00\x00\x1c\x00\x00\x00\x4d\x00\x00\x00\x08\x5c\x00\x00"
                                 "\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x00\x01\x08\x00\x01\x00"
                                 "\x0a\x00\x00\x08\x08\x00\x04\x00\x00\x00\x00\x00\x14\x00\x03\x00"
                                 "\xde\x17\x00\x00\x6e\x00\x00\x00\x6e\x00\x00\x00\x01\x00\x00\x00";
/* 10.0.0.9 lladdr 52:54:00:00:00:09 PERMANENT */
static const char permanent[] = "\x4c\x00\x00\x00\x1c\x00\x00\x00\x4d\x00\x00\x00\x18\x5c\x00\x00"
                                "\x02\x00\x00\x00\x03\x00\x00\x00\x80\x00\x00\x01\x08\x00\x01\x00"
                                "\x0a\x00\x00\x09\x0a\x00\x02\x00\x52\x54\x00\x00\x00\x09\x00\x00"
                                "\x08\x00\x04\x00\x00\x00\x00\x00\x14\x00\x03\x00\x6b\x00\x00\x00"
                                "\x6b\x00\x00\x00\x6b\x00\x00\x00\x01\x00\x00\x00";
/* 10.0.0.10: no entry; NLMSG_ERROR -ENOENT echoing the request */
static const char none[] = "\x38\x00\x00\x00\x02\x00\x00\x00\x4d\x00\x00\x00\x1b\x5c\x00\x00"
                           "\xfe\xff\xff\xff\x24\x00\x00\x00\x1e\x00\x01\x00\x4d\x00\x00\x00"
                           "\x00\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00"
                           "\x08\x00\x01\x00\x0a\x00\x00\x0a";
/* 10.0.0.11 FAILED */
static const char failed[] = "\x40\x00\x00\x00\x1c\x00\x00\x00\x4d\x00\x00\x00\x1e\x5c\x00\x00"
                             "\x02\x00\x00\x00\x03\x00\x00\x00\x20\x00\x00\x01\x08\x00\x01\x00"
                             "\x0a\x00\x00\x0b\x08\x00\x04\x00\x00\x00\x00\x00\x14\x00\x03\x00"
                             "\xce\x17\x00\x00\x5e\x00\x00\x00\x5e\x00\x00\x00\x01\x00\x00\x00";
/* 10.0.0.12 lladdr 52:54:00:00:00:0c NOARP */
static const char noarp[] = "\x4c\x00\x00\x00\x1c\x00\x00\x00\x4d\x00\x00\x00\x22\x5c\x00\x00"
                            "\x02\x00\x00\x00\x03\x00\x00\x00\x40\x00\x00\x01\x08\x00\x01\x00"
                            "\x0a\x00\x00\x0c\x0a\x00\x02\x00\x52\x54\x00\x00\x00\x0c\x00\x00"
                            "\x08\x00\x04\x00\x00\x00\x00\x00\x14\x00\x03\x00\x5b\x00\x00\x00"
                            "\x5b\x00\x00\x00\x5b\x00\x00\x00\x01\x00\x00\x00";
/* interface 0 (none named): NLMSG_ERROR -EINVAL, "No device specified" */
static const char nodev[] = "\x38\x00\x00\x00\x02\x00\x00\x00\x4d\x00\x00\x00\x5b\x5a\x00\x00"
                            "\xea\xff\xff\xff\x24\x00\x00\x00\x1e\x00\x01\x00\x4d\x00\x00\x00"
                            "\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                            "\x08\x00\x01\x00\x0a\x00\x00\x07";

struct vec {
	int line;
	const uint8_t *buf;
	size_t len;
	int ifindex;
	uint32_t ip;
	int rc;
	const char *mac;
};

static const struct vec vecs[] = {
        {__LINE__, V(stale), IFI, IP(7), 0, "\x52\x54\x00\x12\x34\x56"},
        {__LINE__, V(permanent), IFI, IP(9), 0, "\x52\x54\x00\x00\x00\x09"},
        {__LINE__, V(incomplete), IFI, IP(8), -ENOENT, NULL},
        {__LINE__, V(failed), IFI, IP(11), -ENOENT, NULL},
        {__LINE__, V(noarp), IFI, IP(12), -ENOENT, NULL},
        {__LINE__, V(none), IFI, IP(10), -ENOENT, NULL},
        {__LINE__, V(nodev), 0, IP(7), -EINVAL, NULL},
        /* An answer about another address or interface is not ours. */
        {__LINE__, V(stale), IFI, IP(8), -EPROTO, NULL},
        {__LINE__, V(stale), 4, IP(7), -EPROTO, NULL},
        {__LINE__, (const uint8_t *)"", 0, IFI, IP(7), -EAGAIN, NULL},
};

static void test_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		uint8_t mac[6] = {0};
		int rc = neigh_msg_parse(v->buf, v->len, SEQ, v->ifindex, v->ip, mac);

		if (rc != v->rc)
			fail_msg("line %d: rc %d, expected %d", v->line, rc, v->rc);
		if (v->mac && memcmp(mac, v->mac, 6) != 0)
			fail_msg("line %d: wrong MAC", v->line);
	}
}

/* The request is what the kernel echoed back for 10.0.0.10 on
 * interface 3: bytes 20.. of the NLMSG_ERROR. */
static void test_request(void **state)
{
	uint8_t buf[NEIGH_MSG_REQUEST_LEN + 4];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(neigh_msg_request(buf, SEQ, IFI, IP(10)), NEIGH_MSG_REQUEST_LEN);
	assert_memory_equal(buf, none + 20, NEIGH_MSG_REQUEST_LEN);
	assert_int_equal(buf[NEIGH_MSG_REQUEST_LEN], 0xee);
}

/* Answers to other requests are skipped; an answer to ours after them
 * is read; one before ours ends it. */
static void test_other_seq(void **state)
{
	uint8_t buf[2 * sizeof(stale)], mac[6];
	size_t n = sizeof(stale) - 1;

	(void)state;
	assert_int_equal(neigh_msg_parse(V(stale), SEQ + 1, IFI, IP(7), mac), -EAGAIN);
	memcpy(buf, none, sizeof(none) - 1);
	buf[8] = SEQ + 1;
	memcpy(buf + sizeof(none) - 1, stale, n);
	assert_int_equal(neigh_msg_parse(buf, sizeof(none) - 1 + n, SEQ, IFI, IP(7), mac), 0);
	assert_memory_equal(mac, "\x52\x54\x00\x12\x34\x56", 6);
}

/* Every truncation of a good answer is refused or incomplete, never a
 * MAC, and never read past its end (ASan: a copy of exactly that size). */
static void test_truncated(void **state)
{
	const struct vec *good[] = {&vecs[0], &vecs[1], &vecs[5]};
	size_t g, n;

	(void)state;
	for (g = 0; g < sizeof(good) / sizeof(good[0]); g++)
		for (n = 0; n < good[g]->len; n++) {
			uint8_t mac[6], *b = malloc(n ? n : 1);
			int rc;

			assert_non_null(b);
			memcpy(b, good[g]->buf, n);
			rc = neigh_msg_parse(b, n, SEQ, good[g]->ifindex, good[g]->ip, mac);
			if (rc != -EPROTO && rc != -EAGAIN)
				fail_msg("line %d cut to %zu bytes: rc %d", good[g]->line, n, rc);
			free(b);
		}
}

/* Lengths that lie: an attribute longer than its message, a message longer
 * than the datagram, a zero-length attribute, an odd MAC length. */
static void test_bad_lengths(void **state)
{
	uint8_t b[sizeof(stale)], mac[6];
	size_t n = sizeof(stale) - 1;

	(void)state;
	memcpy(b, stale, n);
	b[28] = 0x40; /* NDA_DST claims 64 bytes */
	assert_int_equal(neigh_msg_parse(b, n, SEQ, IFI, IP(7), mac), -EPROTO);
	memcpy(b, stale, n);
	b[0] = 0x50; /* the message claims 80 of 76 bytes */
	assert_int_equal(neigh_msg_parse(b, n, SEQ, IFI, IP(7), mac), -EPROTO);
	memcpy(b, stale, n);
	b[36] = 0; /* NDA_LLADDR of length 0: would loop for ever if taken */
	b[37] = 0;
	assert_int_equal(neigh_msg_parse(b, n, SEQ, IFI, IP(7), mac), -EPROTO);
	memcpy(b, stale, n);
	b[36] = 0x09; /* a 5-byte link-layer address */
	assert_int_equal(neigh_msg_parse(b, n, SEQ, IFI, IP(7), mac), -ENOENT);
	memcpy(b, stale, n);
	memset(b + 40, 0, 6); /* all-zero MAC */
	assert_int_equal(neigh_msg_parse(b, n, SEQ, IFI, IP(7), mac), -ENOENT);
	memcpy(b, none, sizeof(none) - 1);
	b[16] = 0; /* an ACK, which was not asked for */
	b[17] = b[18] = b[19] = 0;
	assert_int_equal(neigh_msg_parse(b, sizeof(none) - 1, SEQ, IFI, IP(10), mac), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_vectors),     cmocka_unit_test(test_request),
	        cmocka_unit_test(test_other_seq),   cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_bad_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
