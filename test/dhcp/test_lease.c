/* SPDX-License-Identifier: MIT */
/*
 * test_lease.c - the lease table and the allocator: stable addresses,
 * requested addresses, reservations, quarantine, exhaustion, replay
 * semantics, and a randomized run checked against a small model of the
 * table after every operation.
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

#include "dhcp/lease.h"
#include "lib/testlib.h"

#define IP(a, b, c, d)                                                                             \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/*
 * P0: 100 addresses, with node "inrange"'s reservation inside the range
 * and node "outrange"'s outside it.  P1: a /29 with a range of 4.  P2: no
 * range, one reservation.  P3: a /16 for growth.
 */
static const char conf_text[] =
        "dhcp: { pools = (\n"
        "  { subnet = \"10.0.0.0/24\"; range = [\"10.0.0.100\", \"10.0.0.199\"];\n"
        "    router = \"10.0.0.1\"; },\n"
        "  { subnet = \"10.1.0.0/29\"; range = [\"10.1.0.2\", \"10.1.0.5\"]; },\n"
        "  { subnet = \"10.2.0.0/24\"; },\n"
        "  { subnet = \"10.3.0.0/16\"; range = [\"10.3.0.1\", \"10.3.255.254\"]; } ); };\n"
        "nodes = (\n"
        "  { mac = \"52:54:00:00:00:01\"; hostname = \"inrange\"; ip = \"10.0.0.150\"; },\n"
        "  { mac = \"52:54:00:00:00:02\"; hostname = \"outrange\"; ip = \"10.0.0.20\"; },\n"
        "  { mac = \"52:54:00:00:00:03\"; hostname = \"norange\"; ip = \"10.2.0.7\"; },\n"
        "  { mac = \"52:54:00:00:00:04\"; hostname = \"dynamic\"; } );\n";

/* The same with node "inrange" moved to .160, as after a reload. */
static const char conf2_text[] =
        "dhcp: { pools = (\n"
        "  { subnet = \"10.0.0.0/24\"; range = [\"10.0.0.100\", \"10.0.0.199\"]; } ); };\n"
        "nodes = (\n"
        "  { mac = \"52:54:00:00:00:01\"; hostname = \"inrange\"; ip = \"10.0.0.160\"; } );\n";

static const uint8_t node_in[MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
static const uint8_t node_out[MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
static const uint8_t node_norange[MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x03};
static const uint8_t node_dyn[MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x04};

static struct conf *cf;
static const struct conf_pool *p0, *p1, *p2, *p3;

static int group_setup(void **state)
{
	(void)state;
	cf = parse_ok(conf_text);
	cf->generation = 1;
	p0 = &cf->dhcp.pools[0];
	p1 = &cf->dhcp.pools[1];
	p2 = &cf->dhcp.pools[2];
	p3 = &cf->dhcp.pools[3];
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	conf_unref(cf);
	return 0;
}

static int db_setup(void **state)
{
	*state = lease_db_new();
	return *state ? 0 : -1;
}

static int db_teardown(void **state)
{
	lease_db_free(*state);
	return 0;
}

static void apply(struct lease_db *db, const uint8_t mac[MAC_LEN], uint32_t ip, int state,
                  int64_t expires)
{
	struct lease_rec r = {.ip = ip, .state = (uint8_t)state, .expires = expires};

	memcpy(r.mac, mac, MAC_LEN);
	assert_int_equal(lease_db_apply(db, cf, &r), 0);
}

static uint32_t choose(struct lease_db *db, const struct conf_pool *pool,
                       const uint8_t mac[MAC_LEN], uint32_t requested, int64_t now)
{
	uint32_t ip = 0;

	assert_int_equal(lease_db_choose(db, cf, pool, mac, requested, now, &ip), 0);
	return ip;
}

static int choose_rc(struct lease_db *db, const struct conf_pool *pool, const uint8_t mac[MAC_LEN],
                     uint32_t requested, int64_t now)
{
	uint32_t ip = 0;

	return lease_db_choose(db, cf, pool, mac, requested, now, &ip);
}

static int in_range(const struct conf_pool *pool, uint32_t ip)
{
	return ip >= pool->range[0] && ip <= pool->range[1];
}

static void test_empty(void **state)
{
	struct lease_db *db = *state;

	assert_null(lease_db_by_ip(db, IP(10, 0, 0, 100)));
	assert_null(lease_db_by_mac(db, p0, node_dyn));
	assert_int_equal(lease_db_count_bound(db, p0, 0), 0);
	lease_db_free(NULL);
}

static void test_stable(void **state)
{
	struct lease_db *db = *state, *db2;
	uint8_t a[MAC_LEN], b[MAC_LEN];
	const struct lease *l;
	uint32_t x, y;

	mac_of(1, a);
	mac_of(2, b);
	x = choose(db, p0, a, 0, 1000);
	assert_true(in_range(p0, x));
	assert_int_equal(choose(db, p0, a, 0, 1000), x);
	apply(db, a, x, LEASE_OFFERED, 1060);
	assert_int_equal(choose(db, p0, a, 0, 1010), x);
	apply(db, a, x, LEASE_BOUND, 4600);
	assert_int_equal(choose(db, p0, a, 0, 1020), x);
	l = lease_db_by_mac(db, p0, a);
	assert_non_null(l);
	assert_int_equal(l->ip, x);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_ptr_equal(lease_db_by_ip(db, x), l);

	/* Another machine does not get it, bound or released: never-used
	 * addresses are left. */
	y = choose(db, p0, b, 0, 1030);
	assert_int_not_equal(y, x);
	apply(db, a, x, LEASE_FREE, 2000);
	l = lease_db_by_mac(db, p0, a);
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_FREE);
	assert_int_equal(l->expires, 2000);
	assert_int_not_equal(choose(db, p0, b, 0, 2001), x);
	/* After release and after expiry the same machine gets it back. */
	assert_int_equal(choose(db, p0, a, 0, 2001), x);
	apply(db, a, x, LEASE_BOUND, 5000);
	assert_int_equal(choose(db, p0, a, 0, 9000), x);
	assert_int_not_equal(choose(db, p0, b, 0, 9000), x);

	/* With the table lost, the hash of the MAC still leads it home. */
	db2 = lease_db_new();
	assert_non_null(db2);
	assert_int_equal(choose(db2, p0, a, 0, 0), x);
	lease_db_free(db2);
}

static void test_requested(void **state)
{
	struct lease_db *db = *state;
	uint8_t a[MAC_LEN], b[MAC_LEN];

	mac_of(1, a);
	mac_of(2, b);
	/* Free and in range: honoured. */
	assert_int_equal(choose(db, p0, b, IP(10, 0, 0, 120), 1000), IP(10, 0, 0, 120));
	/* Taken by another, bound or offered, until it expires. */
	apply(db, a, IP(10, 0, 0, 120), LEASE_BOUND, 5000);
	assert_int_not_equal(choose(db, p0, b, IP(10, 0, 0, 120), 1000), IP(10, 0, 0, 120));
	apply(db, a, IP(10, 1, 0, 3), LEASE_OFFERED, 1060);
	assert_int_not_equal(choose(db, p1, b, IP(10, 1, 0, 3), 1059), IP(10, 1, 0, 3));
	assert_int_equal(choose(db, p1, b, IP(10, 1, 0, 3), 1060), IP(10, 1, 0, 3));
	/* Outside the range, outside the subnet, another node's reservation,
	 * the network and broadcast addresses. */
	assert_true(in_range(p0, choose(db, p0, b, IP(10, 0, 0, 50), 1000)));
	assert_true(in_range(p0, choose(db, p0, b, IP(10, 9, 9, 9), 1000)));
	assert_int_not_equal(choose(db, p0, b, IP(10, 0, 0, 150), 1000), IP(10, 0, 0, 150));
	assert_true(in_range(p0, choose(db, p0, b, IP(10, 0, 0, 20), 1000)));
	assert_true(in_range(p0, choose(db, p0, b, IP(10, 0, 0, 0), 1000)));
	assert_true(in_range(p0, choose(db, p0, b, IP(10, 0, 0, 255), 1000)));
	/* Another's expired lease is not allocated any more (RFC 2131 4.3.1). */
	assert_int_equal(choose(db, p0, b, IP(10, 0, 0, 120), 5000), IP(10, 0, 0, 120));
	/* The MAC's own lease comes before what it asks for. */
	assert_int_equal(choose(db, p0, a, IP(10, 0, 0, 130), 1000), IP(10, 0, 0, 120));
}

static void test_reservation(void **state)
{
	struct lease_db *db = *state;
	uint8_t m[MAC_LEN];
	uint32_t i, ip, got = 0;
	struct conf *c2;

	/* The node gets its address whatever it asks, inside the range or
	 * not, and leaves its dynamic one when it is bound. */
	assert_int_equal(choose(db, p0, node_in, IP(10, 0, 0, 130), 1000), IP(10, 0, 0, 150));
	apply(db, node_in, IP(10, 0, 0, 110), LEASE_BOUND, 5000);
	assert_int_equal(choose(db, p0, node_in, 0, 1000), IP(10, 0, 0, 150));
	apply(db, node_in, IP(10, 0, 0, 150), LEASE_BOUND, 5000);
	assert_null(lease_db_by_ip(db, IP(10, 0, 0, 110)));
	assert_int_equal(lease_db_by_mac(db, p0, node_in)->ip, IP(10, 0, 0, 150));
	assert_int_equal(choose(db, p0, node_out, 0, 1000), IP(10, 0, 0, 20));
	/* Pool without a range: reservations only. */
	assert_int_equal(choose(db, p2, node_norange, 0, 1000), IP(10, 2, 0, 7));
	assert_int_equal(choose_rc(db, p2, node_dyn, IP(10, 2, 0, 9), 1000), -ENOENT);
	assert_int_equal(choose_rc(db, p2, node_in, 0, 1000), -ENOENT);
	/* Without a configuration there are no reservations. */
	assert_int_equal(lease_db_choose(db, NULL, p2, node_norange, 0, 1000, &ip), -ENOENT);

	/* Nobody else gets .150, even when it is the last address left. */
	lease_db_free(db);
	db = *state = lease_db_new();
	assert_non_null(db);
	for (i = 0; i < 200; i++) {
		mac_of(i, m);
		if (choose_rc(db, p0, m, IP(10, 0, 0, 150), 1000) == -ENOSPC)
			break;
		ip = choose(db, p0, m, IP(10, 0, 0, 150), 1000);
		assert_true(in_range(p0, ip));
		assert_int_not_equal(ip, IP(10, 0, 0, 150));
		apply(db, m, ip, LEASE_BOUND, 2000 + i);
		got++;
	}
	assert_int_equal(got, 99);
	/* All expired: reused, longest expired first, never .150. */
	for (i = 0; i < 99; i++) {
		mac_of(1000 + i, m);
		ip = choose(db, p0, m, 0, 9000);
		assert_int_not_equal(ip, IP(10, 0, 0, 150));
		assert_int_equal(lease_db_by_ip(db, ip)->expires, 2000 + i);
		apply(db, m, ip, LEASE_BOUND, 10000);
	}
	assert_int_equal(choose_rc(db, p0, node_dyn, 0, 9000), -ENOSPC);

	/* A live lease of another MAC on the reservation (the configuration
	 * changed under it): the node waits on a dynamic address. */
	mac_of(7, m);
	apply(db, m, IP(10, 0, 0, 150), LEASE_BOUND, 12000);
	assert_int_equal(choose_rc(db, p0, node_in, 0, 9500), -ENOSPC);
	ip = choose(db, p0, node_in, 0, 11000);
	assert_true(in_range(p0, ip));
	assert_int_not_equal(ip, IP(10, 0, 0, 150));
	apply(db, node_in, ip, LEASE_BOUND, 14000);
	apply(db, m, IP(10, 0, 0, 150), LEASE_FREE, 11000);
	assert_int_equal(choose(db, p0, node_in, 0, 11000), IP(10, 0, 0, 150));

	/* A reload passes a new configuration: its reservations apply. */
	c2 = parse_ok(conf2_text);
	c2->generation = 2;
	lease_db_free(db);
	db = *state = lease_db_new();
	assert_non_null(db);
	assert_int_equal(lease_db_choose(db, c2, &c2->dhcp.pools[0], node_in, 0, 0, &ip), 0);
	assert_int_equal(ip, IP(10, 0, 0, 160));
	mac_of(1, m);
	assert_int_equal(lease_db_choose(db, c2, &c2->dhcp.pools[0], m, IP(10, 0, 0, 150), 0, &ip),
	                 0);
	assert_int_equal(ip, IP(10, 0, 0, 150));
	assert_int_not_equal(choose(db, p0, m, IP(10, 0, 0, 150), 0), IP(10, 0, 0, 150));
	assert_int_equal(choose(db, p0, node_in, 0, 0), IP(10, 0, 0, 150));
	assert_int_equal(lease_db_choose(db, c2, &c2->dhcp.pools[0], m, IP(10, 0, 0, 160), 0, &ip),
	                 0);
	assert_int_not_equal(ip, IP(10, 0, 0, 160));
	/* A node whose reservation is gone leaves the address outside the
	 * range for one inside it. */
	apply(db, node_out, IP(10, 0, 0, 20), LEASE_BOUND, 5000);
	assert_int_equal(lease_db_choose(db, c2, &c2->dhcp.pools[0], node_out, 0, 0, &ip), 0);
	assert_true(in_range(p0, ip));
	conf_unref(c2);
}

static void test_declined(void **state)
{
	struct lease_db *db = *state;
	uint8_t a[MAC_LEN], b[MAC_LEN], m[MAC_LEN];
	uint32_t x, y, i;

	mac_of(1, a);
	mac_of(2, b);
	x = choose(db, p0, a, 0, 1000);
	apply(db, a, x, LEASE_BOUND, 4600);
	apply(db, a, x, LEASE_DECLINED, 1600);
	/* A declined address is no one's lease, and no one's until 1600. */
	assert_null(lease_db_by_mac(db, p0, a));
	assert_int_equal(lease_db_by_ip(db, x)->state, LEASE_DECLINED);
	y = choose(db, p0, a, x, 1100);
	assert_int_not_equal(y, x);
	apply(db, a, y, LEASE_BOUND, 4700);
	assert_int_equal(lease_db_by_ip(db, x)->state, LEASE_DECLINED);
	assert_int_not_equal(choose(db, p0, b, x, 1599), x);
	assert_int_equal(choose(db, p0, b, x, 1600), x);

	/* A range all quarantined is exhausted until the quarantine ends. */
	for (i = 0; i < 4; i++) {
		mac_of(10 + i, m);
		apply(db, m, IP(10, 1, 0, 2) + i, LEASE_DECLINED, 3000);
	}
	assert_int_equal(choose_rc(db, p1, a, 0, 2999), -ENOSPC);
	assert_true(in_range(p1, choose(db, p1, a, 0, 3000)));
}

static void test_exhaustion(void **state)
{
	struct lease_db *db = *state;
	static const int64_t ends[4] = {2000, 3000, 1500, 2500};
	uint32_t ip[4], i, j;
	uint8_t m[MAC_LEN];

	for (i = 0; i < 4; i++) {
		mac_of(i, m);
		ip[i] = choose(db, p1, m, 0, 1000);
		assert_true(in_range(p1, ip[i]));
		for (j = 0; j < i; j++)
			assert_int_not_equal(ip[i], ip[j]);
		apply(db, m, ip[i], LEASE_BOUND, ends[i]);
	}
	mac_of(4, m);
	assert_int_equal(choose_rc(db, p1, m, 0, 1000), -ENOSPC);
	assert_int_equal(choose_rc(db, p1, m, ip[1], 1000), -ENOSPC);
	assert_int_equal(lease_db_count_bound(db, p1, 1000), 4);
	/* Expiry is at expires itself. */
	assert_int_equal(choose(db, p1, m, 0, 1500), ip[2]);
	/* The longest expired goes first; a release counts from its time. */
	mac_of(1, m);
	apply(db, m, ip[1], LEASE_FREE, 1200);
	mac_of(4, m);
	assert_int_equal(choose(db, p1, m, 0, 4000), ip[1]);
	apply(db, m, ip[1], LEASE_BOUND, 9000);
	mac_of(5, m);
	assert_int_equal(choose(db, p1, m, 0, 4000), ip[2]);
}

static void test_never_used_first(void **state)
{
	struct lease_db *db = *state;
	uint8_t m[MAC_LEN];

	mac_of(1, m);
	apply(db, m, IP(10, 1, 0, 2), LEASE_BOUND, 300);
	mac_of(2, m);
	apply(db, m, IP(10, 1, 0, 3), LEASE_BOUND, 100);
	mac_of(3, m);
	apply(db, m, IP(10, 1, 0, 4), LEASE_FREE, 200);
	/* .5 is the only never-used address: whoever comes gets it. */
	mac_of(4, m);
	assert_int_equal(choose(db, p1, m, 0, 1000), IP(10, 1, 0, 5));
	apply(db, m, IP(10, 1, 0, 5), LEASE_BOUND, 5000);
	mac_of(5, m);
	assert_int_equal(choose(db, p1, m, 0, 1000), IP(10, 1, 0, 3));
	/* The previous holders still come home. */
	mac_of(1, m);
	assert_int_equal(choose(db, p1, m, 0, 1000), IP(10, 1, 0, 2));
	mac_of(3, m);
	assert_int_equal(choose(db, p1, m, 0, 1000), IP(10, 1, 0, 4));
}

static void collect(const struct lease *l, void *arg)
{
	struct lease_rec **out = arg;

	memcpy((*out)->mac, l->mac, MAC_LEN);
	(*out)->ip = l->ip;
	(*out)->state = l->state;
	(*out)->expires = l->expires;
	(*out)++;
}

static void test_replay(void **state)
{
	struct lease_db *db = *state, *db2;
	struct lease_rec recs[16], *end = recs, bad = {.state = 7, .ip = IP(10, 0, 0, 101)};
	uint8_t a[MAC_LEN], b[MAC_LEN];
	const struct lease *l;
	size_t i;

	mac_of(1, a);
	mac_of(2, b);
	/* One address, two MACs: the later record wins. */
	apply(db, a, IP(10, 0, 0, 100), LEASE_BOUND, 5000);
	apply(db, b, IP(10, 0, 0, 100), LEASE_BOUND, 6000);
	l = lease_db_by_ip(db, IP(10, 0, 0, 100));
	assert_memory_equal(l->mac, b, MAC_LEN);
	assert_int_equal(l->expires, 6000);
	assert_null(lease_db_by_mac(db, p0, a));
	/* One MAC, two addresses of a pool: it moved. */
	apply(db, b, IP(10, 0, 0, 101), LEASE_BOUND, 7000);
	assert_null(lease_db_by_ip(db, IP(10, 0, 0, 100)));
	assert_int_equal(lease_db_by_mac(db, p0, b)->ip, IP(10, 0, 0, 101));
	/* Different pools: one lease in each. */
	apply(db, b, IP(10, 1, 0, 2), LEASE_BOUND, 7000);
	assert_int_equal(lease_db_by_mac(db, p0, b)->ip, IP(10, 0, 0, 101));
	assert_int_equal(lease_db_by_mac(db, p1, b)->ip, IP(10, 1, 0, 2));
	/* A release moves it too: the MAC holds nothing else in the pool. */
	apply(db, b, IP(10, 0, 0, 102), LEASE_FREE, 7100);
	assert_null(lease_db_by_ip(db, IP(10, 0, 0, 101)));
	assert_int_equal(lease_db_by_mac(db, p0, b)->state, LEASE_FREE);
	/* An offer never shortens the binding of the MAC that holds it... */
	apply(db, a, IP(10, 0, 0, 103), LEASE_BOUND, 5000);
	apply(db, a, IP(10, 0, 0, 103), LEASE_OFFERED, 1060);
	l = lease_db_by_ip(db, IP(10, 0, 0, 103));
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->expires, 5000);
	/* ...but replaces another MAC's lease. */
	apply(db, b, IP(10, 0, 0, 104), LEASE_BOUND, 900);
	apply(db, a, IP(10, 0, 0, 104), LEASE_OFFERED, 1060);
	l = lease_db_by_ip(db, IP(10, 0, 0, 104));
	assert_int_equal(l->state, LEASE_OFFERED);
	assert_memory_equal(l->mac, a, MAC_LEN);
	assert_null(lease_db_by_ip(db, IP(10, 0, 0, 103)));
	/* A state that is not one: refused, nothing changed. */
	assert_int_equal(lease_db_apply(db, cf, &bad), -EINVAL);
	assert_null(lease_db_by_ip(db, IP(10, 0, 0, 101)));
	/* Without pools only the address rule holds; the newest lease of the
	 * MAC is the one found. */
	bad.state = LEASE_BOUND;
	memcpy(bad.mac, a, MAC_LEN);
	bad.ip = IP(10, 0, 0, 105);
	assert_int_equal(lease_db_apply(db, NULL, &bad), 0);
	assert_non_null(lease_db_by_ip(db, IP(10, 0, 0, 104)));
	assert_int_equal(lease_db_by_mac(db, p0, a)->ip, IP(10, 0, 0, 105));

	/* A snapshot replays to the same table. */
	apply(db, a, IP(10, 0, 0, 104), LEASE_BOUND, 8000);
	lease_db_foreach(db, 1000, collect, &end);
	db2 = lease_db_new();
	assert_non_null(db2);
	for (i = 0; i < (size_t)(end - recs); i++)
		assert_int_equal(lease_db_apply(db2, cf, &recs[i]), 0);
	for (i = 100; i < 110; i++) {
		const struct lease *l1 = lease_db_by_ip(db, IP(10, 0, 0, i));
		const struct lease *l2 = lease_db_by_ip(db2, IP(10, 0, 0, i));

		assert_true(!l1 == !l2);
		if (l1)
			assert_memory_equal(l1, l2, sizeof(*l1));
	}
	assert_int_equal(lease_db_by_mac(db2, p1, b)->ip, IP(10, 1, 0, 2));
	lease_db_free(db2);
}

static void test_count_bound(void **state)
{
	struct lease_db *db = *state;
	uint8_t m[MAC_LEN];
	uint32_t i;

	for (i = 0; i < 3; i++) {
		mac_of(i, m);
		apply(db, m, IP(10, 0, 0, 100) + i, LEASE_BOUND, 5000);
	}
	mac_of(3, m);
	apply(db, m, IP(10, 0, 0, 103), LEASE_BOUND, 500);
	mac_of(4, m);
	apply(db, m, IP(10, 0, 0, 104), LEASE_OFFERED, 5000);
	mac_of(5, m);
	apply(db, m, IP(10, 0, 0, 105), LEASE_FREE, 5000);
	mac_of(6, m);
	apply(db, m, IP(10, 0, 0, 106), LEASE_DECLINED, 5000);
	mac_of(7, m);
	apply(db, m, IP(10, 1, 0, 2), LEASE_BOUND, 5000);
	assert_int_equal(lease_db_count_bound(db, p0, 1000), 3);
	assert_int_equal(lease_db_count_bound(db, p0, 400), 4);
	assert_int_equal(lease_db_count_bound(db, p0, 5000), 0);
	assert_int_equal(lease_db_count_bound(db, p1, 1000), 1);
	assert_int_equal(lease_db_count_bound(db, p2, 1000), 0);
}

static void count_states(const struct lease *l, void *arg)
{
	size_t *n = arg;

	n[l->state]++;
}

static void test_foreach(void **state)
{
	struct lease_db *db = *state;
	size_t n[4] = {0};
	uint8_t m[MAC_LEN];

	mac_of(1, m);
	apply(db, m, IP(10, 0, 0, 100), LEASE_BOUND, 5000);
	mac_of(2, m);
	apply(db, m, IP(10, 0, 0, 101), LEASE_BOUND, 500); /* expired: a hint */
	mac_of(3, m);
	apply(db, m, IP(10, 0, 0, 102), LEASE_FREE, 500);
	mac_of(4, m);
	apply(db, m, IP(10, 0, 0, 103), LEASE_OFFERED, 5000);
	mac_of(5, m);
	apply(db, m, IP(10, 0, 0, 104), LEASE_DECLINED, 5000);
	mac_of(6, m);
	apply(db, m, IP(10, 0, 0, 105), LEASE_DECLINED, 500);
	lease_db_foreach(db, 1000, count_states, n);
	assert_int_equal(n[LEASE_BOUND], 2);
	assert_int_equal(n[LEASE_FREE], 1);
	assert_int_equal(n[LEASE_OFFERED], 0);
	assert_int_equal(n[LEASE_DECLINED], 1);
}

/*
 * Randomized run.  A model keeps, per address of P0 and P1, the last
 * record that touched it, restating lease_db_apply()'s rules in the
 * simplest way (O(range) per record); after every operation the table must
 * agree with it address by address and MAC by MAC, and every choice must
 * be one the model calls free.
 */
#define R_OPS  10000
#define R_MACS 120

struct slot {
	int used;
	uint8_t mac;
	uint8_t state;
	int64_t expires;
};

struct model {
	struct slot s0[100], s1[4];
	uint8_t macs[R_MACS][MAC_LEN];
	uint64_t rng;
	int64_t now;
	size_t chosen, enospc, reused, reserved, applied[4];
};

static uint32_t rnd(struct model *md, uint32_t n)
{
	/* xorshift64*, fixed seed: the run is the same every time. */
	md->rng ^= md->rng >> 12;
	md->rng ^= md->rng << 25;
	md->rng ^= md->rng >> 27;
	return (uint32_t)((md->rng * 0x2545f4914f6cdd1dull) >> 32) % n;
}

static struct slot *model_slot(struct model *md, uint32_t ip)
{
	if (in_range(p0, ip))
		return &md->s0[ip - p0->range[0]];
	if (in_range(p1, ip))
		return &md->s1[ip - p1->range[0]];
	return NULL;
}

static void model_apply(struct model *md, const struct conf_pool *pool, int who, uint32_t ip,
                        int state, int64_t expires)
{
	struct slot *s = model_slot(md, ip), *v = pool == p0 ? md->s0 : md->s1;
	size_t i, n = pool == p0 ? 100 : 4;

	if (!s) {
		/* A reservation outside the range: not modelled, but it moves
		 * the MAC's lease all the same. */
		for (i = 0; i < n && state != LEASE_DECLINED; i++)
			if (v[i].used && v[i].mac == who && v[i].state != LEASE_DECLINED)
				v[i].used = 0;
		return;
	}
	if (!(state == LEASE_OFFERED && s->used && s->mac == who && s->state == LEASE_BOUND &&
	      s->expires >= expires)) {
		s->state = (uint8_t)state;
		s->expires = expires;
	}
	s->used = 1;
	s->mac = (uint8_t)who;
	if (state == LEASE_DECLINED)
		return;
	for (i = 0; i < n; i++)
		if (&v[i] != s && v[i].used && v[i].mac == who && v[i].state != LEASE_DECLINED)
			v[i].used = 0;
}

/* Check a choice against the model before it is applied. */
static void model_check_choice(struct model *md, const struct conf_pool *pool, int who,
                               uint32_t req, uint32_t ip)
{
	const struct conf_node *n = conf_node_by_mac(cf, md->macs[who]);
	struct slot *s = model_slot(md, ip), *v = pool == p0 ? md->s0 : md->s1;
	struct slot *r150 = &md->s0[IP(10, 0, 0, 150) - p0->range[0]];
	size_t i, size = pool == p0 ? 100 : 4;

	assert_true(ipv4_prefix_contains(&pool->subnet, ip));
	/* Node "inrange" gets .150 unless it is quarantined. */
	if (pool == p0 && who == 0 &&
	    !(r150->used && r150->state == LEASE_DECLINED && r150->expires > md->now))
		assert_int_equal(ip, IP(10, 0, 0, 150));
	if (n && n->ip == ip)
		md->reserved++;
	else
		assert_false(ip == IP(10, 0, 0, 150) || ip == IP(10, 0, 0, 20));
	if (!s) {
		/* Outside the range: only a node's own reservation. */
		assert_true(n && n->ip == ip);
		return;
	}
	if (!s->used)
		return;
	/* Free for this MAC: not quarantined, not another's live lease. */
	if (s->state == LEASE_DECLINED)
		assert_true(s->expires <= md->now);
	else if (s->mac != who)
		assert_true(s->state == LEASE_FREE || s->expires <= md->now);
	if ((s->mac == who && s->state != LEASE_DECLINED) || ip == req)
		return;
	/* The walk reused an old lease: no never-used address was left. */
	md->reused++;
	for (i = 0; i < size; i++)
		assert_true(v[i].used || pool->range[0] + i == IP(10, 0, 0, 150));
}

/* The table and the model agree on every address and every MAC. */
static void model_compare(struct model *md, struct lease_db *db)
{
	const struct lease *l20;
	size_t i, p, bound = 0;

	for (p = 0; p < 2; p++) {
		const struct conf_pool *pool = p ? p1 : p0;
		struct slot *v = p ? md->s1 : md->s0;
		size_t n = p ? 4 : 100, w;

		for (i = 0; i < n; i++) {
			const struct lease *l = lease_db_by_ip(db, pool->range[0] + (uint32_t)i);

			if (!v[i].used) {
				assert_null(l);
				continue;
			}
			assert_non_null(l);
			assert_memory_equal(l->mac, md->macs[v[i].mac], MAC_LEN);
			assert_int_equal(l->state, v[i].state);
			assert_int_equal(l->expires, v[i].expires);
			bound += p == 0 && v[i].state == LEASE_BOUND && v[i].expires > md->now;
		}
		for (w = 0; w < R_MACS; w++) {
			const struct lease *l = lease_db_by_mac(db, pool, md->macs[w]);
			const struct conf_node *node = conf_node_by_mac(cf, md->macs[w]);

			for (i = 0; i < n; i++)
				if (v[i].used && v[i].mac == w && v[i].state != LEASE_DECLINED)
					break;
			if (i == n || (l && node && l->ip == node->ip && !in_range(pool, l->ip))) {
				/* Nothing, or a reservation outside the range. */
				assert_true(i == n);
				assert_true(!l || l->ip == IP(10, 0, 0, 20));
			} else {
				assert_non_null(l);
				assert_int_equal(l->ip, pool->range[0] + i);
			}
		}
	}
	l20 = lease_db_by_ip(db, IP(10, 0, 0, 20));
	bound += l20 && l20->state == LEASE_BOUND && l20->expires > md->now;
	assert_int_equal(lease_db_count_bound(db, p0, md->now), bound);
}

static void test_random(void **state)
{
	struct lease_db *db = *state;
	struct model *md = calloc(1, sizeof(*md));
	uint32_t i, ip, req;
	int who, op, rc;
	int64_t end;

	assert_non_null(md);
	md->rng = 0x9e3779b97f4a7c15ull;
	md->now = 1000;
	for (i = 0; i < R_MACS; i++)
		mac_of(i, md->macs[i]);
	memcpy(md->macs[0], node_in, MAC_LEN);
	memcpy(md->macs[1], node_out, MAC_LEN);
	for (i = 0; i < R_OPS; i++) {
		const struct conf_pool *pool = rnd(md, 5) ? p0 : p1;
		const struct lease *own;

		md->now += rnd(md, 20);
		who = (int)rnd(md, R_MACS);
		op = (int)rnd(md, 20);
		if (op < 3) {
			/* DHCPRELEASE of what the MAC holds. */
			own = lease_db_by_mac(db, pool, md->macs[who]);
			if (own) {
				ip = own->ip;
				apply(db, md->macs[who], ip, LEASE_FREE, md->now);
				model_apply(md, pool, who, ip, LEASE_FREE, md->now);
				md->applied[LEASE_FREE]++;
			}
		} else {
			req = rnd(md, 4) ? 0 : pool->subnet.addr + rnd(md, 256);
			rc = lease_db_choose(db, cf, pool, md->macs[who], req, md->now, &ip);
			if (rc == -ENOSPC) {
				md->enospc++;
			} else {
				assert_int_equal(rc, 0);
				md->chosen++;
				model_check_choice(md, pool, who, req, ip);
				op = op < 12   ? LEASE_BOUND
				     : op < 18 ? LEASE_OFFERED
				               : LEASE_DECLINED;
				end = md->now + (op == LEASE_OFFERED ? 30 : 60 + rnd(md, 600));
				apply(db, md->macs[who], ip, op, end);
				model_apply(md, pool, who, ip, op, end);
				md->applied[op]++;
			}
		}
		model_compare(md, db);
	}
	print_message("# random: %d ops, %zu chosen (%zu reservations, %zu reused), %zu ENOSPC; "
	              "applied %zu bound, %zu offered, %zu free, %zu declined\n",
	              R_OPS, md->chosen, md->reserved, md->reused, md->enospc,
	              md->applied[LEASE_BOUND], md->applied[LEASE_OFFERED], md->applied[LEASE_FREE],
	              md->applied[LEASE_DECLINED]);
	/* The run reached every path worth reaching. */
	assert_true(md->enospc > 0);
	assert_true(md->reused > 0);
	assert_true(md->reserved > 0);
	assert_true(md->applied[LEASE_DECLINED] > 0);
	free(md);
}

/* 50,000 leases in a /16: many doublings of every table, then moves that
 * delete from the middle of the indexes. */
#define G_N 50000

static void test_growth(void **state)
{
	struct lease_db *db = *state;
	uint32_t *ips = calloc(G_N, sizeof(*ips)), i;
	uint8_t m[MAC_LEN], o[MAC_LEN];
	const struct lease *l;

	assert_non_null(ips);
	for (i = 0; i < G_N; i++) {
		mac_of(i, m);
		ips[i] = choose(db, p3, m, 0, 0);
		assert_null(lease_db_by_ip(db, ips[i]));
		apply(db, m, ips[i], LEASE_BOUND, 10000);
	}
	assert_int_equal(lease_db_count_bound(db, p3, 0), G_N);
	for (i = 0; i < G_N; i++) {
		mac_of(i, m);
		l = lease_db_by_mac(db, p3, m);
		assert_non_null(l);
		assert_int_equal(l->ip, ips[i]);
		assert_ptr_equal(lease_db_by_ip(db, ips[i]), l);
		assert_int_equal(choose(db, p3, m, 0, 1), ips[i]);
	}
	/* MAC i takes the address of MAC i + 10000, leaving its own. */
	for (i = 0; i < 10000; i++) {
		mac_of(i, m);
		apply(db, m, ips[i + 10000], LEASE_BOUND, 10000);
	}
	for (i = 0; i < 20000; i++) {
		mac_of(i, m);
		l = lease_db_by_mac(db, p3, m);
		if (i < 10000) {
			assert_null(lease_db_by_ip(db, ips[i]));
			assert_int_equal(l->ip, ips[i + 10000]);
		} else {
			assert_null(l);
			mac_of(i - 10000, o);
			assert_memory_equal(lease_db_by_ip(db, ips[i])->mac, o, MAC_LEN);
		}
	}
	for (i = 20000; i < G_N; i++)
		assert_int_equal(lease_db_by_ip(db, ips[i])->ip, ips[i]);
	assert_int_equal(lease_db_count_bound(db, p3, 0), G_N - 10000);
	free(ips);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_empty, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_stable, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_requested, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_reservation, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_declined, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_exhaustion, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_never_used_first, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_replay, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_count_bound, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_foreach, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_random, db_setup, db_teardown),
	        cmocka_unit_test_setup_teardown(test_growth, db_setup, db_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
