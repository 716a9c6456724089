/* SPDX-License-Identifier: MIT */
/*
 * test_timeline.c - the per-machine timelines: the ring (the latest TL_RING
 * events, oldest first), eviction of the machine whose latest event is
 * oldest, the most-recently-active order, detail truncation on UTF-8
 * boundaries, the JSON, and a long random run checked against a plain
 * model (it exercises the hash table's deletions).  The process store is
 * tested last, through timeline_note().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/timeline.h"
#include "lib/testlib.h"

static const uint8_t mac_a[MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
static const uint8_t mac_b[MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
static const uint8_t mac_c[MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0c};
static const uint8_t mac_d[MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0d};

/* The store's machines, newest first, are exactly @p want. */
static void expect_macs(const struct timeline *tl, const uint8_t *const *want, size_t n, int line)
{
	uint8_t got[8][MAC_LEN];
	size_t i, k = timeline_macs(tl, got, 8);

	if (k != n || timeline_count(tl) != n)
		fail_msg("line %d: %zu machines (count %zu), want %zu", line, k, timeline_count(tl),
		         n);
	for (i = 0; i < n; i++)
		if (memcmp(got[i], want[i], MAC_LEN) != 0)
			fail_msg("line %d: machine %zu is ..:%02x", line, i, got[i][5]);
}

static void test_new_and_unknown(void **state)
{
	struct tl_event ev[2];
	uint8_t macs[2][MAC_LEN];
	struct timeline *tl;
	struct buf b;

	(void)state;
	assert_null(timeline_new(0));
	assert_null(timeline_new(SIZE_MAX));
	tl = timeline_new(1);
	assert_non_null(tl);
	assert_int_equal(timeline_count(tl), 0);
	assert_int_equal(timeline_get(tl, mac_a, ev, 2), 0);
	assert_int_equal(timeline_macs(tl, macs, 2), 0);
	buf_init(&b);
	assert_int_equal(timeline_json(tl, mac_a, &b), 0);
	assert_string_equal(b.p, "[]");
	buf_free(&b);

	assert_int_equal(timeline_add(tl, mac_a, 5, TL_DHCP_ACK, "x"), 0);
	assert_int_equal(timeline_get(tl, mac_b, ev, 2), 0); /* still unknown */
	assert_int_equal(timeline_json(tl, mac_b, &b), 0);
	assert_string_equal(b.p, "[]");
	buf_free(&b);
	assert_int_equal(timeline_get(tl, mac_a, ev, 0), 0);
	assert_int_equal(timeline_macs(tl, macs, 0), 0);
	timeline_free(tl);
	timeline_free(NULL);

	/* A NULL store (timeline_global() failed) reads as empty. */
	assert_int_equal(timeline_count(NULL), 0);
	assert_int_equal(timeline_get(NULL, mac_a, ev, 2), 0);
	assert_int_equal(timeline_macs(NULL, macs, 2), 0);
	assert_int_equal(timeline_json(NULL, mac_a, &b), 0);
	assert_string_equal(b.p, "[]");
	buf_free(&b);
}

static void test_kind_names(void **state)
{
	unsigned i, j;

	(void)state;
	assert_string_equal(timeline_kind_name(TL_DHCP_DISCOVER), "dhcp-discover");
	assert_string_equal(timeline_kind_name(TL_DHCP_ACK), "dhcp-ack");
	assert_string_equal(timeline_kind_name(TL_TFTP_DONE), "tftp-done");
	assert_string_equal(timeline_kind_name(TL_HTTP_DENIED), "http-denied");
	assert_string_equal(timeline_kind_name(TL_ISCSI_LOGOUT), "iscsi-logout");
	assert_string_equal(timeline_kind_name(TL_KIND_N), "unknown");
	assert_string_equal(timeline_kind_name((enum tl_kind) - 1), "unknown");
	for (i = 0; i < TL_KIND_N; i++) {
		const char *n = timeline_kind_name((enum tl_kind)i);

		assert_non_null(n);
		assert_true(strcmp(n, "unknown") != 0);
		for (j = 0; j < i; j++)
			assert_true(strcmp(n, timeline_kind_name((enum tl_kind)j)) != 0);
	}
}

/* More than TL_RING events: the latest TL_RING stay, oldest first; a
 * smaller cap gets the latest ones. */
static void test_ring_wrap(void **state)
{
	struct tl_event ev[TL_RING + 8];
	struct timeline *tl = timeline_new(4);
	size_t n, i;
	int k;

	(void)state;
	assert_non_null(tl);
	for (k = 0; k < 3; k++) {
		char d[16];

		snprintf(d, sizeof(d), "e%d", k);
		assert_int_equal(timeline_add(tl, mac_a, 100 + k, TL_DHCP_DISCOVER, d), 0);
	}
	n = timeline_get(tl, mac_a, ev, TL_RING + 8);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].at_ms, 100);
	assert_string_equal(ev[2].detail, "e2");

	for (k = 3; k < TL_RING + 9; k++) {
		char d[16];

		snprintf(d, sizeof(d), "e%d", k);
		assert_int_equal(timeline_add(tl, mac_a, 100 + k, (enum tl_kind)(k % TL_KIND_N), d),
		                 0);
	}
	n = timeline_get(tl, mac_a, ev, TL_RING + 8);
	assert_int_equal(n, TL_RING);
	for (i = 0; i < n; i++) {
		char d[16];
		int want = (int)i + 9; /* 41 events, the first 9 overwritten */

		snprintf(d, sizeof(d), "e%d", want);
		if (ev[i].at_ms != 100 + want || ev[i].kind != (enum tl_kind)(want % TL_KIND_N) ||
		    strcmp(ev[i].detail, d) != 0)
			fail_msg("event %zu: at %lld \"%s\"", i, (long long)ev[i].at_ms,
			         ev[i].detail);
	}
	n = timeline_get(tl, mac_a, ev, 5);
	assert_int_equal(n, 5);
	assert_int_equal(ev[0].at_ms, 100 + TL_RING + 4);
	assert_int_equal(ev[4].at_ms, 100 + TL_RING + 8);
	assert_int_equal(timeline_count(tl), 1);
	timeline_free(tl);
}

/* Full: the machine whose latest event is oldest goes, and its ring with
 * it (a machine seen again starts afresh). */
static void test_eviction(void **state)
{
	struct timeline *tl = timeline_new(3);
	struct tl_event ev[4];

	(void)state;
	assert_int_equal(timeline_add(tl, mac_a, 1, TL_DHCP_DISCOVER, "a1"), 0);
	assert_int_equal(timeline_add(tl, mac_b, 2, TL_DHCP_DISCOVER, "b2"), 0);
	assert_int_equal(timeline_add(tl, mac_c, 3, TL_DHCP_DISCOVER, "c3"), 0);
	expect_macs(tl, (const uint8_t *const[]){mac_c, mac_b, mac_a}, 3, __LINE__);
	assert_int_equal(timeline_add(tl, mac_a, 4, TL_DHCP_REQUEST, "a4"), 0);
	expect_macs(tl, (const uint8_t *const[]){mac_a, mac_c, mac_b}, 3, __LINE__);
	assert_int_equal(timeline_add(tl, mac_d, 5, TL_DHCP_DISCOVER, "d5"), 0);
	expect_macs(tl, (const uint8_t *const[]){mac_d, mac_a, mac_c}, 3, __LINE__);
	assert_int_equal(timeline_get(tl, mac_b, ev, 4), 0);
	assert_int_equal(timeline_get(tl, mac_a, ev, 4), 2);
	/* b again: c (latest event 3) goes. */
	assert_int_equal(timeline_add(tl, mac_b, 6, TL_DHCP_DISCOVER, "b6"), 0);
	expect_macs(tl, (const uint8_t *const[]){mac_b, mac_d, mac_a}, 3, __LINE__);
	assert_int_equal(timeline_get(tl, mac_b, ev, 4), 1);
	assert_string_equal(ev[0].detail, "b6");
	assert_int_equal(timeline_get(tl, mac_c, ev, 4), 0);
	timeline_free(tl);

	/* A store of one. */
	tl = timeline_new(1);
	assert_int_equal(timeline_add(tl, mac_a, 1, TL_DHCP_ACK, ""), 0);
	assert_int_equal(timeline_add(tl, mac_b, 2, TL_DHCP_ACK, ""), 0);
	expect_macs(tl, (const uint8_t *const[]){mac_b}, 1, __LINE__);
	assert_int_equal(timeline_add(tl, mac_b, 3, TL_DHCP_ACK, ""), 0);
	expect_macs(tl, (const uint8_t *const[]){mac_b}, 1, __LINE__);
	timeline_free(tl);
}

/* Order is by the time of each machine's latest event, not by when it was
 * added: after the wall clock is stepped back, a machine heard from "in
 * the past" sorts below, and is the first to go.  Ties: the one added
 * last is the more recent. */
static void test_order_by_time(void **state)
{
	struct timeline *tl = timeline_new(3);
	uint8_t macs[2][MAC_LEN];

	(void)state;
	assert_int_equal(timeline_add(tl, mac_a, 1000, TL_DHCP_ACK, ""), 0);
	assert_int_equal(timeline_add(tl, mac_b, 500, TL_DHCP_ACK, ""), 0);
	assert_int_equal(timeline_add(tl, mac_c, 700, TL_DHCP_ACK, ""), 0);
	expect_macs(tl, (const uint8_t *const[]){mac_a, mac_c, mac_b}, 3, __LINE__);
	assert_int_equal(timeline_add(tl, mac_d, 600, TL_DHCP_ACK, ""), 0); /* b goes */
	expect_macs(tl, (const uint8_t *const[]){mac_a, mac_c, mac_d}, 3, __LINE__);
	assert_int_equal(timeline_add(tl, mac_d, 700, TL_DHCP_ACK, ""), 0); /* ties c: newer */
	expect_macs(tl, (const uint8_t *const[]){mac_a, mac_d, mac_c}, 3, __LINE__);
	assert_int_equal(timeline_add(tl, mac_a, 10, TL_DHCP_ACK, ""), 0); /* a's latest: 10 */
	expect_macs(tl, (const uint8_t *const[]){mac_d, mac_c, mac_a}, 3, __LINE__);
	assert_int_equal(timeline_add(tl, mac_b, 5, TL_DHCP_ACK, ""), 0); /* a goes */
	expect_macs(tl, (const uint8_t *const[]){mac_d, mac_c, mac_b}, 3, __LINE__);
	/* A smaller cap: the most recent ones. */
	assert_int_equal(timeline_macs(tl, macs, 2), 2);
	assert_memory_equal(macs[0], mac_d, MAC_LEN);
	assert_memory_equal(macs[1], mac_c, MAC_LEN);
	timeline_free(tl);
}

struct detail_vec {
	int line;
	const char *in;
	size_t keep; /* bytes of in kept; or use out */
	const char *out;
};

#define A10     "aaaaaaaaaa"
#define A90     A10 A10 A10 A10 A10 A10 A10 A10 A10
#define E_ACUTE "\xc3\xa9"         /* 2 bytes */
#define EURO    "\xe2\x82\xac"     /* 3 bytes */
#define EMOJI   "\xf0\x9f\x9a\x80" /* 4 bytes */

static const struct detail_vec detail_vecs[] = {
        {__LINE__, "", 0, NULL},
        {__LINE__, "dhcp xid 0x1234", 15, NULL},
        {__LINE__, A90 "aaaaa", 95, NULL},  /* exactly fits */
        {__LINE__, A90 "aaaaaa", 95, NULL}, /* one too many */
        {__LINE__, A90 "aaaaaaaaaaaaaaaaaaaaa", 95, NULL},
        {__LINE__, A90 "aaa" E_ACUTE, 95, NULL},  /* ends at 95 */
        {__LINE__, A90 "aaaa" E_ACUTE, 94, NULL}, /* would end at 96 */
        {__LINE__, A90 "aa" EURO, 95, NULL},
        {__LINE__, A90 "aaa" EURO, 93, NULL},
        {__LINE__, A90 "aaaa" EURO, 94, NULL},
        {__LINE__, A90 "a" EMOJI, 95, NULL},
        {__LINE__, A90 "aa" EMOJI, 92, NULL},
        {__LINE__, A90 "aaaa" EMOJI, 94, NULL},
        {__LINE__, A90 "aaaa" E_ACUTE "bbbbb", 94, NULL},
        {__LINE__, "caf" E_ACUTE " " EURO " " EMOJI, 14, NULL},
        /* Not UTF-8: each offending byte becomes '?'. */
        {__LINE__,
         "a\xff"
         "b",
         0, "a?b"},
        {__LINE__, "\x80", 0, "?"},
        {__LINE__, "\xc0\xaf", 0, "??"},           /* overlong '/' */
        {__LINE__, "\xe0\x80\xaf", 0, "???"},      /* overlong */
        {__LINE__, "\xed\xa0\x80", 0, "???"},      /* a surrogate */
        {__LINE__, "\xf4\x90\x80\x80", 0, "????"}, /* past U+10FFFF */
        {__LINE__,
         "\xc3"
         "a",
         0, "?a"},                         /* cut short */
        {__LINE__, "x\xe2\x82", 0, "x??"}, /* cut short at the end */
        {__LINE__, A90 "aaaa\xff\xff", 0, A90 "aaaa?"},
};

static void test_detail(void **state)
{
	struct timeline *tl = timeline_new(2);
	struct tl_event ev[1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(detail_vecs) / sizeof(detail_vecs[0]); i++) {
		const struct detail_vec *v = &detail_vecs[i];
		char want[TL_DETAIL];

		if (v->out) {
			strcpy(want, v->out);
		} else {
			memcpy(want, v->in, v->keep);
			want[v->keep] = '\0';
		}
		assert_int_equal(timeline_add(tl, mac_a, (int64_t)i, TL_HTTP_SCRIPT, v->in), 0);
		assert_int_equal(timeline_get(tl, mac_a, ev, 1), 1);
		if (strcmp(ev[0].detail, want) != 0)
			fail_msg("line %d: got %zu bytes \"%s\"", v->line, strlen(ev[0].detail),
			         ev[0].detail);
	}
	assert_int_equal(timeline_add(tl, mac_a, 99, TL_HTTP_SCRIPT, NULL), 0);
	assert_int_equal(timeline_get(tl, mac_a, ev, 1), 1);
	assert_string_equal(ev[0].detail, "");
	timeline_free(tl);
}

static void test_json(void **state)
{
	struct timeline *tl = timeline_new(2);
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(timeline_add(tl, mac_a, 1700000000123, TL_DHCP_DISCOVER, "xid 0x1"), 0);
	assert_int_equal(timeline_add(tl, mac_b, 1700000000200, TL_TFTP_FAILED, "other"), 0);
	assert_int_equal(
	        timeline_add(tl, mac_a, 1700000000456, TL_TFTP_DONE, "say \"hi\"\n\\ caf" E_ACUTE),
	        0);
	assert_int_equal(timeline_add(tl, mac_a, -5, TL_ISCSI_LOGIN, "\x01"), 0);
	assert_int_equal(timeline_json(tl, mac_a, &b), 0);
	assert_string_equal(b.p, "[{\"at\": 1700000000123, \"event\": \"dhcp-discover\", "
	                         "\"detail\": \"xid 0x1\"}, "
	                         "{\"at\": 1700000000456, \"event\": \"tftp-done\", "
	                         "\"detail\": \"say \\\"hi\\\"\\n\\\\ caf\xc3\xa9\"}, "
	                         "{\"at\": -5, \"event\": \"iscsi-login\", "
	                         "\"detail\": \"\\u0001\"}]");
	buf_free(&b);
	/* Appends: what the buffer held stays. */
	assert_int_equal(buf_puts(&b, "{\"b\": "), 0);
	assert_int_equal(timeline_json(tl, mac_b, &b), 0);
	assert_string_equal(b.p, "{\"b\": [{\"at\": 1700000000200, \"event\": \"tftp-failed\", "
	                         "\"detail\": \"other\"}]");
	buf_free(&b);
	b.oom = 1;
	assert_int_equal(timeline_json(tl, mac_a, &b), -ENOMEM);
	buf_free(&b);
	timeline_free(tl);
}

/*
 * A long random run against a model: a plain array of machines with their
 * last TL_RING events, searched linearly.  200 MACs chosen so that many
 * share hash slots' neighbourhoods, 64 machines kept, clock mostly forward
 * and sometimes stepped back.
 */
#define MODEL_MAX  64
#define MODEL_MACS 200

struct model_machine {
	uint8_t mac[MAC_LEN];
	int64_t last;
	uint64_t seq;
	size_t n; /* events ever, the last min(n, TL_RING) in ev */
	int64_t ev[TL_RING];
};

static int model_newer(const struct model_machine *x, const struct model_machine *y)
{
	return x->last > y->last || (x->last == y->last && x->seq > y->seq);
}

static void test_random_model(void **state)
{
	static struct model_machine m[MODEL_MAX];
	struct timeline *tl = timeline_new(MODEL_MAX);
	size_t count = 0, i, j, step;
	uint64_t seq = 0, rng = 88172645463325252ull;
	int64_t now = 1000;

	(void)state;
	for (step = 0; step < 60000; step++) {
		uint8_t mac[MAC_LEN], got[MODEL_MAX][MAC_LEN];
		struct tl_event ev[TL_RING];
		struct model_machine *x = NULL;
		size_t k;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		mac_of((unsigned)(rng % MODEL_MACS) * 0x101u, mac);
		now += (rng >> 20) % 1000 == 0 ? -5000 : (int64_t)((rng >> 32) % 3);
		for (i = 0; i < count; i++)
			if (memcmp(m[i].mac, mac, MAC_LEN) == 0)
				x = &m[i];
		if (!x && count == MODEL_MAX) {
			x = &m[0];
			for (i = 1; i < count; i++)
				if (model_newer(x, &m[i]))
					x = &m[i];
		} else if (!x) {
			x = &m[count++];
		}
		if (memcmp(x->mac, mac, MAC_LEN) != 0 || x->n == 0) {
			memcpy(x->mac, mac, MAC_LEN);
			x->n = 0;
		}
		x->ev[x->n++ % TL_RING] = now;
		x->last = now;
		x->seq = ++seq;
		assert_int_equal(timeline_add(tl, mac, now, TL_HTTP_ASSET, "e"), 0);
		assert_int_equal(timeline_count(tl), count);

		/* This machine's events, oldest first. */
		k = timeline_get(tl, mac, ev, TL_RING);
		assert_int_equal(k, x->n < TL_RING ? x->n : TL_RING);
		for (i = 0; i < k; i++)
			if (ev[i].at_ms != x->ev[(x->n - k + i) % TL_RING])
				fail_msg("step %zu: event %zu", step, i);
		if (step % 97 != 0)
			continue;
		/* The whole order, and every machine findable. */
		k = timeline_macs(tl, got, MODEL_MAX);
		assert_int_equal(k, count);
		for (i = 0; i < k; i++) {
			const struct model_machine *y = NULL;

			for (j = 0; j < count; j++)
				if (memcmp(m[j].mac, got[i], MAC_LEN) == 0)
					y = &m[j];
			if (!y)
				fail_msg("step %zu: machine %zu unknown to the model", step, i);
			if (i > 0) {
				const struct model_machine *p = NULL;

				for (j = 0; j < count; j++)
					if (memcmp(m[j].mac, got[i - 1], MAC_LEN) == 0)
						p = &m[j];
				if (!model_newer(p, y))
					fail_msg("step %zu: order at %zu", step, i);
			}
			assert_true(timeline_get(tl, got[i], ev, 1) == 1);
		}
	}
	timeline_free(tl);
}

/* The process store: made once, 4096 machines, fed by timeline_note() at
 * the wall-clock time. */
static void test_global(void **state)
{
	struct timeline *g = timeline_global();
	struct tl_event ev[2];
	struct timespec t0, t1;
	uint8_t mac[MAC_LEN];
	char longer[200];
	unsigned i;

	(void)state;
	assert_non_null(g);
	assert_ptr_equal(timeline_global(), g);

	clock_gettime(CLOCK_REALTIME, &t0);
	timeline_note(mac_a, TL_HTTP_SCRIPT, "GET /boot/%s.ipxe %d", "x", 200);
	clock_gettime(CLOCK_REALTIME, &t1);
	assert_int_equal(timeline_get(g, mac_a, ev, 2), 1);
	assert_string_equal(ev[0].detail, "GET /boot/x.ipxe 200");
	assert_int_equal(ev[0].kind, TL_HTTP_SCRIPT);
	assert_true(ev[0].at_ms >= (int64_t)t0.tv_sec * 1000 + t0.tv_nsec / 1000000);
	assert_true(ev[0].at_ms <= (int64_t)t1.tv_sec * 1000 + t1.tv_nsec / 1000000);

	/* Formatted text longer than the detail: cut on a UTF-8 boundary. */
	memset(longer, 'a', 93);
	strcpy(longer + 93, EURO EURO);
	timeline_note(mac_a, TL_HTTP_ASSET, "%s", longer);
	assert_int_equal(timeline_get(g, mac_a, ev, 2), 2);
	assert_int_equal(strlen(ev[1].detail), 93);

	for (i = 0; i < 4096; i++) {
		mac_of(i + 1, mac);
		timeline_note(mac, TL_DHCP_DISCOVER, "n%u", i);
	}
	assert_int_equal(timeline_count(g), 4096);
	assert_int_equal(timeline_get(g, mac_a, ev, 2), 0); /* the oldest, gone */
	mac_of(1, mac);
	assert_int_equal(timeline_get(g, mac, ev, 2), 1);
	assert_string_equal(ev[0].detail, "n0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_new_and_unknown),
	        cmocka_unit_test(test_kind_names),
	        cmocka_unit_test(test_ring_wrap),
	        cmocka_unit_test(test_eviction),
	        cmocka_unit_test(test_order_by_time),
	        cmocka_unit_test(test_detail),
	        cmocka_unit_test(test_json),
	        cmocka_unit_test(test_random_model),
	        cmocka_unit_test(test_global),
	};

	return cmocka_run_group_tests_name("timeline", tests, NULL, NULL);
}
