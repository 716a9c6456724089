/* SPDX-License-Identifier: MIT */
/*
 * test_script.c - a machine's script: templates loaded from a temporary
 * folder (one broken, reported with file:line and left out), the built-in
 * variables of a node and of an unknown machine, node vars, the fallback,
 * a missing template, the CHAP secret derivation, and the checks behind
 * `rackboot -t` (unknown variable, missing template, a var hiding a
 * built-in one).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/script.h"
#include "core/secret.h"
#include "lib/testlib.h"

static char *dir;

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

struct reports {
	char text[8][256];
	int n;
};

static void report(void *ctx, const char *file, int line, const char *msg)
{
	struct reports *r = ctx;

	if (r->n < 8)
		snprintf(r->text[r->n++], sizeof(r->text[0]), "%s:%d: %s",
		         strrchr(file, '/') ? strrchr(file, '/') + 1 : file, line, msg);
}

static struct conf *conf_of(const char *text)
{
	struct conf_diag d = {0};
	struct conf *c = conf_parse_string(text, "t.conf", &d);

	conf_diag_print(&d, stderr);
	conf_diag_fini(&d);
	assert_non_null(c);
	return c;
}

static const char conf_text[] =
        "iscsi: { iqn_prefix = \"iqn.2026-11.test.x\"; port = 3261; };\n"
        "http: { port = 8081; };\n"
        "dhcp: { pools = ( { subnet = \"10.0.0.0/24\"; } ); };\n"
        "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"n1\"; template = \"a\";\n"
        "            kernel = \"vmlinuz\"; cmdline = \"quiet\"; vars = { rack = \"r7\"; }; },\n"
        "          { mac = \"52:54:00:00:00:02\"; hostname = \"n2\"; ip = \"10.0.0.12\";\n"
        "            template = \"gone\"; vars = { mac = \"x\"; }; } );\n";

static int setup(void **state)
{
	(void)state;
	dir = testdir_new("script");
	if (!dir)
		return -1;
	put("a.ipxe", "#!ipxe\n{{mac}} {{mac_hyphen}} {{mac_hex}} {{hostname}} {{ip}}\n"
	              "{{sanboot_uri}}\n{{initiator_iqn}} {{chap_user}}:{{chap_secret}}\n"
	              "{{kernel}}|{{initrd}}|{{cmdline}} {{size}} {{rack}}\n"
	              "{{#initrd}}has initrd{{/initrd}}{{^initrd}}no initrd{{/initrd}}\n");
	put("ext.ipxe", "{{iscsi_target}} {{iscsi_port}} {{iscsi_portal}}\n{{sanboot_uri}}\n"
	                "{{chap_user}}:{{chap_secret}} [{{mutual_user}}{{mutual_secret}}]\n"
	                "{{#iscsi_error}}error: {{iscsi_error}}{{/iscsi_error}}\n");
	put("unknown.ipxe", "#!ipxe\nunknown {{mac}} [{{hostname}}] {{http_base}}\n");
	put("broken.ipxe", "#!ipxe\nline two\n{{#open}}\n");
	put("typo.ipxe", "#!ipxe\n{{hostnme}}\n");
	put("not-a-template.txt", "{{#");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return testdir_free(dir) == 0 ? 0 : -1;
}

static void test_load_reports_broken(void **state)
{
	struct reports r = {.n = 0};
	struct script_set *set;
	unsigned errors;

	(void)state;
	assert_int_equal(script_set_load(dir, &set, report, &r, &errors), 0);
	assert_int_equal(errors, 1);
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.text[0], "broken.ipxe:3: "));
	assert_int_equal(script_set_count(set), 4); /* a, ext, typo, unknown; not .txt */
	assert_non_null(script_set_get(set, "a"));
	assert_null(script_set_get(set, "broken"));
	assert_null(script_set_get(set, "not-a-template"));
	script_set_free(set);
}

static void test_missing_dir(void **state)
{
	struct script_set *set;

	(void)state;
	assert_int_equal(script_set_load("/nonexistent/x", &set, report, NULL, NULL), -ENOENT);
	assert_non_null(set);
	assert_int_equal(script_set_count(set), 0);
	script_set_free(set);
}

static void render(struct script_set *set, const struct conf *c, const uint8_t mac[6],
                   const char *secret, const char *want, int want_rc)
{
	struct script_in in = {.c = c, .ip = 0x0a00000b, .server = 0x0a000001};
	struct buf b;
	int rc;

	memcpy(in.mac, mac, MAC_LEN);
	in.node = conf_node_by_mac(c, mac);
	in.chap_secret = secret;
	buf_init(&b);
	rc = script_render(set, &in, &b, NULL);
	assert_int_equal(rc, want_rc);
	if (want)
		assert_string_equal(b.p ? b.p : "", want);
	buf_free(&b);
}

static void test_render(void **state)
{
	static const uint8_t n1[6] = {0x52, 0x54, 0, 0, 0, 1}, n2[6] = {0x52, 0x54, 0, 0, 0, 2},
	                     other[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	struct conf *c = conf_of(conf_text);
	struct script_set *set;

	(void)state;
	assert_int_equal(script_set_load(dir, &set, report, &(struct reports){.n = 0}, NULL), 0);
	render(set, c, n1, "S3cr3tS3cr3tS3cr",
	       "#!ipxe\n52:54:00:00:00:01 52-54-00-00-00-01 525400000001 n1 10.0.0.11\n"
	       "iscsi:10.0.0.1::3261:0:iqn.2026-11.test.x:n1\n"
	       "iqn.2026-11.test.x:initiator:n1 n1:S3cr3tS3cr3tS3cr\n"
	       "vmlinuz||quiet 21474836480 r7\nno initrd\n",
	       0);
	/* An unknown machine gets the fallback, with no node variables. */
	render(set, c, other, NULL, "#!ipxe\nunknown aa:bb:cc:dd:ee:ff [] http://10.0.0.1:8081\n",
	       0);
	/* n2's template does not exist. */
	render(set, c, n2, NULL, NULL, -ENOENT);
	conf_unref(c);
	/* No fallback: unknown machines get nothing. */
	c = conf_of("ipxe: { fallback = \"\"; };");
	render(set, c, other, NULL, NULL, -ENOENT);
	conf_unref(c);
	script_set_free(set);
}

/* A node on another gateway: its target, port, LUN and credentials, no
 * mutual CHAP with rackboot, and the reason its check failed. */
static void test_render_external(void **state)
{
	static const uint8_t m[6] = {0x52, 0x54, 0, 0, 0, 7}, own[6] = {0x52, 0x54, 0, 0, 0, 8};
	struct conf *c = conf_of(
	        "iscsi: { iqn_prefix = \"iqn.2026-11.test.x\"; };\n"
	        "nodes = ( { mac = \"52:54:00:00:00:07\"; hostname = \"e\"; template = \"ext\";\n"
	        "  external = { portal = \"10.9.0.5:3261\"; target = \"iqn.2003-01.gw:v7\"; lun = "
	        "2;\n"
	        "               chap_user = \"gw\"; chap_secret = \"gw-secret-0123\"; }; },\n"
	        "  { mac = \"52:54:00:00:00:08\"; hostname = \"o\"; template = \"ext\"; } );\n");
	struct script_in in = {.c = c,
	                       .server = 0x0a000001,
	                       .chap_secret = "ignored-for-ext",
	                       .mutual_secret = "mutualmutual"};
	struct script_set *set;
	struct buf b;

	(void)state;
	assert_int_equal(script_set_load(dir, &set, report, &(struct reports){.n = 0}, NULL), 0);
	memcpy(in.mac, m, MAC_LEN);
	in.node = conf_node_by_mac(c, m);
	buf_init(&b);
	assert_int_equal(script_render(set, &in, &b, NULL), 0);
	assert_string_equal(b.p, "iqn.2003-01.gw:v7 3261 10.9.0.5:3261\n"
	                         "iscsi:10.9.0.5::3261:2:iqn.2003-01.gw:v7\n"
	                         "gw:gw-secret-0123 []\n\n");
	buf_free(&b);
	in.iscsi_error = "cannot reach the portal 10.9.0.5:3261: Connection refused";
	buf_init(&b);
	assert_int_equal(script_render(set, &in, &b, NULL), 0);
	assert_non_null(strstr(b.p, "error: cannot reach the portal 10.9.0.5:3261"));
	buf_free(&b);
	/* a node of rackboot's own target, for contrast */
	memcpy(in.mac, own, MAC_LEN);
	in.node = conf_node_by_mac(c, own);
	in.iscsi_error = NULL;
	in.chap_secret = "ownsecret-0123";
	buf_init(&b);
	assert_int_equal(script_render(set, &in, &b, NULL), 0);
	assert_string_equal(b.p, "iqn.2026-11.test.x:o 3260 10.0.0.1:3260\n"
	                         "iscsi:10.0.0.1::3260:0:iqn.2026-11.test.x:o\n"
	                         "o:ownsecret-0123 [iqn.2026-11.test.x:omutualmutual]\n\n");
	buf_free(&b);
	conf_unref(c);
	script_set_free(set);
}

static void test_check(void **state)
{
	struct conf *c = conf_of(conf_text);
	struct reports r = {.n = 0};
	struct script_set *set;
	unsigned n;
	int i, typo = 0, gone = 0, hides = 0;

	(void)state;
	assert_int_equal(script_set_load(dir, &set, report, &(struct reports){.n = 0}, NULL), 0);
	n = script_check(set, c, dir, report, &r);
	assert_int_equal(n, 3);
	for (i = 0; i < r.n; i++) {
		typo += strstr(r.text[i], "typo.ipxe:2: unknown variable 'hostnme'") != NULL;
		gone += strstr(r.text[i], "t.conf:6: node n2: no template 'gone'") != NULL;
		hides += strstr(r.text[i], "vars.mac hides the built-in") != NULL;
	}
	assert_int_equal(typo + gone + hides, 3);
	assert_true(script_var_builtin("sanboot_uri"));
	assert_false(script_var_builtin("rack"));
	conf_unref(c);
	script_set_free(set);
}

/* The derivation is stable, differs per user and per key, and uses only
 * letters and digits. */
static void test_chap_secret(void **state)
{
	static const uint8_t k1[16] = "0123456789abcdef", k2[16] = "0123456789abcdeg";
	char a[CHAP_SECRET_LEN + 1], b[CHAP_SECRET_LEN + 1], c[CHAP_SECRET_LEN + 1];
	size_t i;

	(void)state;
	secret_chap(k1, sizeof(k1), "node01", a);
	secret_chap(k1, sizeof(k1), "node01", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), CHAP_SECRET_LEN);
	for (i = 0; i < CHAP_SECRET_LEN; i++)
		assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'z') ||
		            (a[i] >= 'A' && a[i] <= 'Z'));
	secret_chap(k1, sizeof(k1), "node02", c);
	assert_string_not_equal(a, c);
	secret_chap(k2, sizeof(k2), "node01", c);
	assert_string_not_equal(a, c);
}

/* The process's derived secrets are remembered, and forgotten when the key
 * changes: secret_node and secret_node_target always equal a fresh HMAC. */
static void test_secret_cache(void **state)
{
	static const uint8_t k1[16] = "0123456789abcdef", k2[16] = "fedcba9876543210";
	char text[512], path[256], want[CHAP_SECRET_LEN + 1], got[CHAP_SECRET_MAX + 1];
	struct conf *c;
	int round;

	(void)state;
	snprintf(path, sizeof(path), "%s/cache.key", dir);
	snprintf(text, sizeof(text),
	         "iscsi: { chap_key = \"%s\"; };\n"
	         "nodes = ( { mac = \"52:54:00:00:00:09\"; hostname = \"c9\"; } );\n",
	         path);
	c = conf_of(text);
	for (round = 0; round < 2; round++) {
		const uint8_t *k = round ? k2 : k1;
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		assert_int_equal(fwrite(k, 1, 16, f), 16);
		fclose(f);
		assert_int_equal(secret_load(c), 0);
		secret_chap(k, 16, "c9", want);
		assert_int_equal(secret_node("c9", got), 0);
		assert_string_equal(got, want);
		assert_int_equal(secret_node("c9", got), 0); /* from the cache */
		assert_string_equal(got, want);
		secret_target(k, 16, "c9", want);
		assert_int_equal(secret_node_target(&c->nodes[0], got), 0);
		assert_string_equal(got, want);
	}
	conf_unref(c);
}

static void test_key_file(void **state)
{
	uint8_t key[SECRET_KEY_MAX];
	char path[256];
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/chap.key", dir);
	assert_int_equal(secret_key_read(path, 0, key, &len), -ENOENT);
	assert_int_equal(secret_key_read(path, 1, key, &len), 0); /* made */
	assert_int_equal(len, SECRET_KEY_NEW);
	{
		uint8_t again[SECRET_KEY_MAX];
		size_t len2 = 0;

		assert_int_equal(secret_key_read(path, 1, again, &len2), 0); /* kept */
		assert_memory_equal(key, again, SECRET_KEY_NEW);
	}
	put("short.key", "tooshort");
	snprintf(path, sizeof(path), "%s/short.key", dir);
	assert_int_equal(secret_key_read(path, 0, key, &len), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_load_reports_broken),
	        cmocka_unit_test(test_missing_dir),
	        cmocka_unit_test(test_render),
	        cmocka_unit_test(test_render_external),
	        cmocka_unit_test(test_check),
	        cmocka_unit_test(test_chap_secret),
	        cmocka_unit_test(test_key_file),
	        cmocka_unit_test(test_secret_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
