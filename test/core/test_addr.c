/* SPDX-License-Identifier: MIT */
/*
 * test_addr.c - vectors for the address, MAC, size and host-name parsers.
 * Each table row carries its own line so a failure names the vector.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/addr.h"

struct ipv4_vec {
	int line;
	const char *text;
	int rc;
	uint32_t addr;
};

static const struct ipv4_vec ipv4_vecs[] = {
        {__LINE__, "10.0.0.1", 0, 0x0a000001},
        {__LINE__, "0.0.0.0", 0, 0},
        {__LINE__, "255.255.255.255", 0, 0xffffffff},
        {__LINE__, "192.168.100.200", 0, 0xc0a864c8},
        {__LINE__, "256.0.0.1", -EINVAL, 0},
        {__LINE__, "10.0.0", -EINVAL, 0},
        {__LINE__, "10.0.0.1.", -EINVAL, 0},
        {__LINE__, "10.0.0.1.5", -EINVAL, 0},
        {__LINE__, "010.0.0.1", -EINVAL, 0}, /* octal in inet_aton: refuse */
        {__LINE__, "10.00.0.1", -EINVAL, 0},
        {__LINE__, " 10.0.0.1", -EINVAL, 0},
        {__LINE__, "10.0.0.1 ", -EINVAL, 0},
        {__LINE__, "", -EINVAL, 0},
        {__LINE__, "1.2.3.4444", -EINVAL, 0},
        {__LINE__, "a.b.c.d", -EINVAL, 0},
        {__LINE__, "10..0.1", -EINVAL, 0},
        {__LINE__, "-1.0.0.1", -EINVAL, 0},
        {__LINE__, "0x0a.0.0.1", -EINVAL, 0},
};

static void test_ipv4_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ipv4_vecs) / sizeof(ipv4_vecs[0]); i++) {
		const struct ipv4_vec *v = &ipv4_vecs[i];
		uint32_t a = 0xdeadbeef;
		int rc = ipv4_parse(v->text, &a);

		if (rc != v->rc || (rc == 0 && a != v->addr))
			fail_msg("line %d: \"%s\": rc %d addr %08x", v->line, v->text, rc, a);
		if (rc == 0) {
			char buf[IPV4_STRLEN];

			assert_string_equal(ipv4_format(a, buf), v->text);
		}
	}
}

struct prefix_vec {
	int line;
	const char *text;
	int rc;
	uint32_t addr;
	unsigned len;
};

static const struct prefix_vec prefix_vecs[] = {
        {__LINE__, "10.0.0.0/24", 0, 0x0a000000, 24},
        {__LINE__, "0.0.0.0/0", 0, 0, 0},
        {__LINE__, "10.0.0.1/32", 0, 0x0a000001, 32},
        {__LINE__, "172.16.0.0/12", 0, 0xac100000, 12},
        {__LINE__, "10.0.0.1/24", -EDOM, 0, 0},
        {__LINE__, "10.0.0.0/33", -EINVAL, 0, 0},
        {__LINE__, "10.0.0.0/", -EINVAL, 0, 0},
        {__LINE__, "10.0.0.0", -EINVAL, 0, 0},
        {__LINE__, "10.0.0.0/024", -EINVAL, 0, 0},
        {__LINE__, "10.0.0.0/24x", -EINVAL, 0, 0},
        {__LINE__, "10.0.0.0/-1", -EINVAL, 0, 0},
};

static void test_prefix_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(prefix_vecs) / sizeof(prefix_vecs[0]); i++) {
		const struct prefix_vec *v = &prefix_vecs[i];
		struct ipv4_prefix p = {0, 99};
		int rc = ipv4_prefix_parse(v->text, &p);

		if (rc != v->rc || (rc == 0 && (p.addr != v->addr || p.len != v->len)))
			fail_msg("line %d: \"%s\": rc %d %08x/%u", v->line, v->text, rc, p.addr,
			         p.len);
	}
}

static void test_prefix_math(void **state)
{
	struct ipv4_prefix a, b, c, all;

	(void)state;
	assert_int_equal(ipv4_prefix_mask(0), 0);
	assert_int_equal(ipv4_prefix_mask(1), 0x80000000u);
	assert_int_equal(ipv4_prefix_mask(24), 0xffffff00u);
	assert_int_equal(ipv4_prefix_mask(32), 0xffffffffu);
	assert_int_equal(ipv4_prefix_parse("10.0.0.0/24", &a), 0);
	assert_int_equal(ipv4_prefix_parse("10.0.0.0/16", &b), 0);
	assert_int_equal(ipv4_prefix_parse("10.0.1.0/24", &c), 0);
	assert_int_equal(ipv4_prefix_parse("0.0.0.0/0", &all), 0);
	assert_true(ipv4_prefix_contains(&a, 0x0a0000ff));
	assert_false(ipv4_prefix_contains(&a, 0x0a000100));
	assert_true(ipv4_prefix_overlap(&a, &b));
	assert_true(ipv4_prefix_overlap(&b, &a));
	assert_false(ipv4_prefix_overlap(&a, &c));
	assert_true(ipv4_prefix_overlap(&all, &c));
	assert_true(ipv4_prefix_overlap(&a, &a));
}

struct mac_vec {
	int line;
	const char *text;
	int rc;
	uint8_t mac[MAC_LEN];
};

static const struct mac_vec mac_vecs[] = {
        {__LINE__, "52:54:00:12:34:56", 0, {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}},
        {__LINE__, "52-54-00-12-34-56", 0, {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}},
        {__LINE__, "525400123456", 0, {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}},
        {__LINE__, "5254.0012.3456", 0, {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}},
        {__LINE__, "AA:BB:CC:DD:EE:FF", 0, {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}},
        {__LINE__, "aA:bB:cC:dD:eE:fF", 0, {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}},
        {__LINE__, "52:54:00-12:34:56", -EINVAL, {0}}, /* mixed separators */
        {__LINE__, "52:54:00:12:34", -EINVAL, {0}},
        {__LINE__, "52:54:00:12:34:567", -EINVAL, {0}},
        {__LINE__, "52:54:00:12:34:5g", -EINVAL, {0}},
        {__LINE__, "5:54:00:12:34:56:", -EINVAL, {0}},
        {__LINE__, "52.54.00.12.34.56", -EINVAL, {0}},
        {__LINE__, "5254:0012:3456", -EINVAL, {0}},
        {__LINE__, "", -EINVAL, {0}},
        {__LINE__, "52545400123456", -EINVAL, {0}},
        {__LINE__, "5254 0012 3456", -EINVAL, {0}},
};

static void test_mac_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(mac_vecs) / sizeof(mac_vecs[0]); i++) {
		const struct mac_vec *v = &mac_vecs[i];
		uint8_t m[MAC_LEN] = {1, 2, 3, 4, 5, 6};
		int rc = mac_parse(v->text, strlen(v->text), m);

		if (rc != v->rc || (rc == 0 && memcmp(m, v->mac, MAC_LEN) != 0))
			fail_msg("line %d: \"%s\": rc %d", v->line, v->text, rc);
		if (rc < 0 && memcmp(m, "\1\2\3\4\5\6", MAC_LEN) != 0)
			fail_msg("line %d: a failed parse wrote its output", v->line);
	}
}

static void test_mac_parse_not_terminated(void **state)
{
	/* The length bounds the parse: the byte after it is never read as
	 * part of the MAC. */
	const char buf[] = "52:54:00:12:34:56:78";
	uint8_t m[MAC_LEN];

	(void)state;
	assert_int_equal(mac_parse(buf, 17, m), 0);
	assert_int_equal(m[5], 0x56);
}

static void test_mac_format(void **state)
{
	const uint8_t m[MAC_LEN] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	char buf[MAC_STRLEN];

	(void)state;
	assert_string_equal(mac_format(m, ':', buf), "52:54:00:ab:cd:ef");
	assert_string_equal(mac_format(m, '-', buf), "52-54-00-ab-cd-ef");
	assert_string_equal(mac_format(m, 0, buf), "525400abcdef");
}

struct size_vec {
	int line;
	const char *text;
	int rc;
	uint64_t v;
};

static const struct size_vec size_vecs[] = {
        {__LINE__, "512", 0, 512},
        {__LINE__, "1K", 0, 1024},
        {__LINE__, "20G", 0, 20ull << 30},
        {__LINE__, "20g", 0, 20ull << 30},
        {__LINE__, "20GiB", 0, 20ull << 30},
        {__LINE__, "20GB", 0, 20ull << 30},
        {__LINE__, "3T", 0, 3ull << 40},
        {__LINE__, "1M", 0, 1ull << 20},
        {__LINE__, "0", 0, 0},
        {__LINE__, "18446744073709551615", 0, UINT64_MAX},
        {__LINE__, "18446744073709551616", -ERANGE, 0},
        {__LINE__, "16777216T", -ERANGE, 0},
        {__LINE__, "1.5G", -EINVAL, 0},
        {__LINE__, "G", -EINVAL, 0},
        {__LINE__, "", -EINVAL, 0},
        {__LINE__, "20X", -EINVAL, 0},
        {__LINE__, "20Gb", -EINVAL, 0},
        {__LINE__, "20 G", -EINVAL, 0},
        {__LINE__, "-1", -EINVAL, 0},
};

static void test_size_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(size_vecs) / sizeof(size_vecs[0]); i++) {
		const struct size_vec *v = &size_vecs[i];
		uint64_t out = 7;
		int rc = size_parse(v->text, &out);

		if (rc != v->rc || (rc == 0 && out != v->v))
			fail_msg("line %d: \"%s\": rc %d value %llu", v->line, v->text, rc,
			         (unsigned long long)out);
	}
}

static void test_hostname_valid(void **state)
{
	char long_label[70], long_name[300];

	(void)state;
	assert_true(hostname_valid("node01"));
	assert_true(hostname_valid("node-01.rack.example"));
	assert_true(hostname_valid("1node"));
	assert_true(hostname_valid("A"));
	assert_false(hostname_valid(""));
	assert_false(hostname_valid("-node"));
	assert_false(hostname_valid("node-"));
	assert_false(hostname_valid("node_01"));
	assert_false(hostname_valid("node..rack"));
	assert_false(hostname_valid(".node"));
	assert_false(hostname_valid("node."));
	assert_false(hostname_valid("no de"));
	assert_false(hostname_valid("node-.rack"));
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_false(hostname_valid(long_label));
	long_label[63] = '\0';
	assert_true(hostname_valid(long_label));
	memset(long_name, 'a', sizeof(long_name));
	for (size_t i = 50; i < sizeof(long_name); i += 50)
		long_name[i] = '.';
	long_name[254] = '\0';
	assert_false(hostname_valid(long_name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ipv4_parse),
	        cmocka_unit_test(test_prefix_parse),
	        cmocka_unit_test(test_prefix_math),
	        cmocka_unit_test(test_mac_parse),
	        cmocka_unit_test(test_mac_parse_not_terminated),
	        cmocka_unit_test(test_mac_format),
	        cmocka_unit_test(test_size_parse),
	        cmocka_unit_test(test_hostname_valid),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
