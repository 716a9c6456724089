/* SPDX-License-Identifier: MIT */
/*
 * test_dhcp_boot.c - classification of requests (plain DHCP, PXE ROM,
 * UEFI HTTP boot, iPXE) and the boot file per architecture.  Each row is a
 * request as real firmware sends it, built as bytes and parsed by the real
 * codec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/conf.h"
#include "dhcp/dhcp_boot.h"
#include "dhcp/dhcp_msg.h"

struct vec {
	int line;
	const char *opts; /* option bytes after option 53, as C string escapes */
	size_t len;
	enum boot_kind kind;
	int arch;
};

#define V(s) s, sizeof(s) - 1
static const struct vec vecs[] = {
        {__LINE__, V(""), BOOT_NONE, -1},
        /* A BIOS PXE ROM: option 60 and 93 = 0. */
        {__LINE__, V("\x3c\x09PXEClient\x5d\x02\x00\x00"), BOOT_PXE, 0},
        {__LINE__, V("\x3c\x20PXEClient:Arch:00007:UNDI:003016\x5d\x02\x00\x07"), BOOT_PXE, 7},
        {__LINE__, V("\x5d\x02\x00\x0b"), BOOT_PXE, 11},
        {__LINE__, V("\x3c\x09PXEClient"), BOOT_PXE, -1},
        /* Several architectures: the first is the one running. */
        {__LINE__, V("\x5d\x04\x00\x09\x00\x07"), BOOT_PXE, 9},
        /* UEFI HTTP boot: by option 60, or by architecture 16/19. */
        {__LINE__, V("\x3c\x0aHTTPClient\x5d\x02\x00\x10"), BOOT_HTTP, 16},
        {__LINE__, V("\x5d\x02\x00\x13"), BOOT_HTTP, 19},
        {__LINE__, V("\x3c\x1eHTTPClient:Arch:00016:UNDI:003"), BOOT_HTTP, -1},
        /* iPXE: option 77 "iPXE" raw, or RFC 3004 style, or option 175;
         * it also sends PXEClient and an architecture, and must still be
         * recognised as iPXE. */
        {__LINE__, V("\x3c\x09PXEClient\x5d\x02\x00\x00\x4d\x04iPXE"), BOOT_IPXE, 0},
        {__LINE__, V("\x4d\x05\x04iPXE"), BOOT_IPXE, -1},
        {__LINE__,
         V("\x4d\x0a\x04"
           "abcd"
           "\x04iPXE"),
         BOOT_IPXE, -1},
        {__LINE__, V("\xaf\x03\xb1\x01\x01\x5d\x02\x00\x07"), BOOT_IPXE, 7},
        /* Near misses are not iPXE. */
        {__LINE__, V("\x4d\x04ipxe"), BOOT_NONE, -1},
        {__LINE__, V("\x4d\x05\x05iPXE"), BOOT_NONE, -1},
        {__LINE__, V("\x4d\x03iPX"), BOOT_NONE, -1},
        /* Odd option 93 lengths. */
        {__LINE__, V("\x5d\x01\x07"), BOOT_NONE, -1},
        {__LINE__, V("\x3c\x08PXEClien"), BOOT_NONE, -1},
};

static size_t build(uint8_t *p, const struct vec *v)
{
	size_t n = 240;

	memset(p, 0, 600);
	p[0] = 1;
	p[1] = 1;
	p[2] = 6;
	memcpy(p + 236, "\x63\x82\x53\x63", 4);
	p[n++] = 53, p[n++] = 1, p[n++] = DHCPDISCOVER;
	memcpy(p + n, v->opts, v->len);
	n += v->len;
	p[n++] = 255;
	return n;
}

static void test_classify(void **state)
{
	static struct dhcp_msg m;
	uint8_t p[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct dhcp_boot b;
		size_t n = build(p, v);

		if (dhcp_msg_parse(p, n, &m) < 0)
			fail_msg("line %d: the vector does not parse", v->line);
		dhcp_boot_classify(&m, &b);
		if (b.kind != v->kind || b.arch != v->arch)
			fail_msg("line %d: kind %d arch %d, want kind %d arch %d", v->line, b.kind,
			         b.arch, v->kind, v->arch);
	}
}

static void test_files(void **state)
{
	struct conf_diag d = {0};
	struct conf *c = conf_parse_string("dhcp: { boot = { efi_x64 = \"snponly.efi\"; }; };",
	                                   "t.conf", &d);

	(void)state;
	assert_non_null(c);
	assert_string_equal(dhcp_boot_file(c, ARCH_BIOS), "undionly.kpxe");
	assert_string_equal(dhcp_boot_file(c, ARCH_EFI_IA32), "ipxe-i386.efi");
	assert_string_equal(dhcp_boot_file(c, ARCH_EFI_X64), "snponly.efi");
	assert_string_equal(dhcp_boot_file(c, ARCH_EFI_BC), "snponly.efi");
	assert_string_equal(dhcp_boot_file(c, ARCH_HTTP_X64), "snponly.efi");
	assert_string_equal(dhcp_boot_file(c, ARCH_EFI_ARM32), "ipxe-arm32.efi");
	assert_string_equal(dhcp_boot_file(c, ARCH_EFI_ARM64), "ipxe-arm64.efi");
	assert_string_equal(dhcp_boot_file(c, ARCH_HTTP_ARM64), "ipxe-arm64.efi");
	assert_null(dhcp_boot_file(c, 2));
	assert_null(dhcp_boot_file(c, -1));
	assert_string_equal(dhcp_boot_arch_name(7), "efi-x64");
	assert_string_equal(dhcp_boot_arch_name(-1), "none");
	conf_unref(c);
	conf_diag_fini(&d);
}

/* The file field of the reply to @opts (a request as in vecs) under @conf. */
static void reply_file(const char *conf, const struct vec *v, int proxy, char *file)
{
	struct conf_diag d = {0};
	struct conf *c = conf_parse_string(conf, "t.conf", &d);
	uint8_t req[600], out[DHCP_MAX_REPLY];
	struct dhcp_msg m, r;
	struct dhcp_out o;
	struct dhcp_boot b;

	assert_non_null(c);
	assert_int_equal(dhcp_msg_parse(req, build(req, v), &m), 0);
	dhcp_boot_classify(&m, &b);
	dhcp_out_init(&o, out, sizeof(out), &m, DHCPOFFER);
	dhcp_reply_boot(&o, c, &m, &b, 0x0a000001, proxy);
	assert_int_equal(dhcp_msg_parse(out, dhcp_out_finish(&o), &r), 0);
	memcpy(file, r.file, 128);
	file[128] = '\0';
	conf_unref(c);
	conf_diag_fini(&d);
}

/* dhcp.ipxe_url replaces the script URL for iPXE only; a leading '/' in
 * dhcp.boot reaches a PXE ROM as written and is dropped from an HTTP URL. */
static void test_reply_files(void **state)
{
	static const struct vec ipxe = {__LINE__, V("\xaf\x03\xb1\x01\x01\x5d\x02\x00\x07"),
	                                BOOT_IPXE, 7};
	static const struct vec bios = {__LINE__, V("\x3c\x09PXEClient\x5d\x02\x00\x00"), BOOT_PXE,
	                                0};
	static const struct vec http = {__LINE__, V("\x3c\x0aHTTPClient\x5d\x02\x00\x10"),
	                                BOOT_HTTP, 16};
	const char *url = "dhcp: { ipxe_url = \"http://198.18.0.1:8089/boot.ipxe\"; "
	                  "boot = { bios = \"/undionly.kpxe\"; efi_x64 = \"/x/ipxe.efi\"; }; };";
	char file[129];

	(void)state;
	reply_file("", &ipxe, 0, file);
	assert_string_equal(file, "http://10.0.0.1:8080/boot/00:00:00:00:00:00.ipxe");
	reply_file(url, &ipxe, 0, file);
	assert_string_equal(file, "http://198.18.0.1:8089/boot.ipxe");
	reply_file(url, &ipxe, 1, file);
	assert_string_equal(file, "http://198.18.0.1:8089/boot.ipxe");
	reply_file(url, &bios, 0, file);
	assert_string_equal(file, "/undionly.kpxe");
	reply_file(url, &bios, 1, file);
	assert_string_equal(file, "/undionly.kpxe");
	reply_file(url, &http, 0, file);
	assert_string_equal(file, "http://10.0.0.1:8080/x/ipxe.efi");
	reply_file("", &http, 0, file);
	assert_string_equal(file, "http://10.0.0.1:8080/ipxe.efi");
}

/* Does option 43 (PXE vendor options) hold sub-option @code? */
static int pxe_subopt(const struct dhcp_opt *o, uint8_t code)
{
	size_t pos = 0;

	while (o->data && pos + 1 < o->len && o->data[pos] != 255) {
		if (o->data[pos] == code)
			return 1;
		pos += 2u + o->data[pos + 1];
	}
	return 0;
}

/*
 * What iPXE checks before it uses a proxy offer as it stands, read from
 * its src/net/udp/dhcp.c: dhcp_discovery_rx() takes an offer as a proxy
 * offer when it says "PXEClient" and names a server (option 54, else
 * siaddr); dhcp_has_pxeopts() then wants a next-server (siaddr) and a boot
 * file, or a PXE boot menu (43.9).  Without them it sends a request to port
 * 4011 and dhcp_proxy_rx() drops any answer that lacks them too.
 */
static int ipxe_takes(const struct dhcp_msg *r)
{
	const struct dhcp_opt *vc = &r->opt[OPT_VENDOR_CLASS];

	if (!vc->data || vc->len < 9 || memcmp(vc->data, "PXEClient", 9) != 0)
		return 0;
	if (!r->opt[OPT_SERVER_ID].data && !r->siaddr)
		return 0;
	return (r->siaddr && r->file && r->file[0]) || pxe_subopt(&r->opt[OPT_VENDOR_OPTS], 9);
}

/* A proxy reply to each kind of booting client: no address, our address
 * as siaddr and server identifier, and what that client needs to use it. */
static void test_proxy_reply(void **state)
{
	static const struct {
		struct vec v;
		const char *file;
		const char *vendor;
		int ipxe; /* must pass iPXE's checks */
	} rows[] = {
	        {{__LINE__, V("\x3c\x09PXEClient\x5d\x02\x00\x00"), BOOT_PXE, 0},
	         "undionly.kpxe",
	         "PXEClient",
	         1},
	        {{__LINE__, V("\x3c\x20PXEClient:Arch:00007:UNDI:003016\x5d\x02\x00\x07"), BOOT_PXE,
	          7},
	         "ipxe.efi",
	         "PXEClient",
	         1},
	        /* iPXE as a ROM or chainloaded: it sends PXEClient, 93, 77 and 175. */
	        {{__LINE__,
	          V("\x3c\x20PXEClient:Arch:00000:UNDI:002001\x5d\x02\x00\x00\x4d\x04iPXE"
	            "\xaf\x03\xb1\x01\x01"),
	          BOOT_IPXE, 0},
	         "http://10.0.0.1:8080/boot/00:00:00:00:00:00.ipxe",
	         "PXEClient",
	         1},
	        {{__LINE__, V("\x3c\x0aHTTPClient\x5d\x02\x00\x10"), BOOT_HTTP, 16},
	         "http://10.0.0.1:8080/ipxe.efi",
	         "HTTPClient",
	         0},
	};
	struct conf_diag d = {0};
	struct conf *c = conf_parse_string("dhcp: { mode = \"proxy\"; };", "t.conf", &d);
	size_t i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		static struct dhcp_msg m, r;
		uint8_t req[600], out[DHCP_MAX_REPLY];
		const struct dhcp_opt *vc;
		struct dhcp_out o;
		struct dhcp_boot b;
		int line = rows[i].v.line;

		if (dhcp_msg_parse(req, build(req, &rows[i].v), &m) < 0)
			fail_msg("line %d: the request does not parse", line);
		dhcp_boot_classify(&m, &b);
		dhcp_out_init(&o, out, sizeof(out), &m, DHCPOFFER);
		dhcp_reply_proxy(&o, c, &m, &b, 0x0a000001);
		if (dhcp_msg_parse(out, dhcp_out_finish(&o), &r) < 0)
			fail_msg("line %d: the reply does not parse", line);
		vc = &r.opt[OPT_VENDOR_CLASS];
		if (r.yiaddr || r.siaddr != 0x0a000001 || !r.file ||
		    strcmp((const char *)r.file, rows[i].file) != 0)
			fail_msg("line %d: yiaddr %08x siaddr %08x file %.128s", line, r.yiaddr,
			         r.siaddr, r.file ? (const char *)r.file : "(none)");
		if (r.opt[OPT_SERVER_ID].len != 4 ||
		    memcmp(r.opt[OPT_SERVER_ID].data, "\x0a\0\0\x01", 4))
			fail_msg("line %d: no server identifier 10.0.0.1", line);
		if (!vc->data || vc->len != strlen(rows[i].vendor) ||
		    memcmp(vc->data, rows[i].vendor, vc->len) != 0)
			fail_msg("line %d: option 60 is not %s", line, rows[i].vendor);
		if (rows[i].ipxe && !ipxe_takes(&r))
			fail_msg("line %d: iPXE would not use this proxy offer", line);
		/* PXE 2.1: a ROM is told to boot this file, no discovery. */
		if (b.kind == BOOT_PXE &&
		    (r.opt[OPT_VENDOR_OPTS].len != 4 ||
		     memcmp(r.opt[OPT_VENDOR_OPTS].data, "\x06\x01\x08\xff", 4)))
			fail_msg("line %d: option 43 is not PXE_DISCOVERY_CONTROL = 8", line);
	}
	conf_unref(c);
	conf_diag_fini(&d);
}

/* Option 175 of the reply to @v, classified and then marked @replaced as
 * dhcp.c does for a pool or node with ipxe_replace. */
static void reply_175(const struct vec *v, int replaced, int proxy, uint8_t *val, size_t *len)
{
	struct conf_diag d = {0};
	struct conf *c = conf_parse_string("", "t.conf", &d);
	uint8_t req[600], out[DHCP_MAX_REPLY];
	static struct dhcp_msg m, r;
	struct dhcp_out o;
	struct dhcp_boot b;

	assert_non_null(c);
	assert_int_equal(dhcp_msg_parse(req, build(req, v), &m), 0);
	dhcp_boot_classify(&m, &b);
	if (replaced) {
		b.kind = BOOT_PXE;
		b.replaced = 1;
	}
	dhcp_out_init(&o, out, sizeof(out), &m, DHCPOFFER);
	dhcp_reply_boot(&o, c, &m, &b, 0x0a000001, proxy);
	assert_int_equal(dhcp_msg_parse(out, dhcp_out_finish(&o), &r), 0);
	*len = r.opt[OPT_IPXE].data ? r.opt[OPT_IPXE].len : 0;
	if (*len)
		memcpy(val, r.opt[OPT_IPXE].data, *len);
	conf_unref(c);
	conf_diag_fini(&d);
}

/* Every reply to iPXE says 175.176 = 1 (no proxyDHCP: do not wait for it),
 * the one that hands a replaced ROM its binary too; a PXE ROM, which does
 * not read option 175, gets none. */
static void test_reply_no_pxedhcp(void **state)
{
	static const struct vec rom = {__LINE__,
	                               V("\x3c\x20PXEClient:Arch:00000:UNDI:002001\x5d\x02\x00\x00"
	                                 "\x4d\x04iPXE\xaf\x03\xb1\x01\x01"),
	                               BOOT_IPXE, 0};
	static const struct vec bios = {__LINE__, V("\x3c\x09PXEClient\x5d\x02\x00\x00"), BOOT_PXE,
	                                0};
	uint8_t v[255];
	size_t len, i;

	(void)state;
	for (i = 0; i < 4; i++) {
		reply_175(&rom, (int)(i & 1), (int)(i >> 1), v, &len);
		if (len != 3 || memcmp(v, "\xb0\x01\x01", 3) != 0)
			fail_msg("iPXE ROM, replaced %zu, proxy %zu: option 175 of %zu bytes, want "
			         "176 = 1",
			         i & 1, i >> 1, len);
	}
	reply_175(&bios, 0, 0, v, &len);
	assert_int_equal(len, 0);
	reply_175(&bios, 0, 1, v, &len);
	assert_int_equal(len, 0);
}

/* ipxe_replace: a node's setting wins over its pool's either way; unset,
 * the pool's applies; without a pool (proxy mode) only the node's. */
static void test_replace_precedence(void **state)
{
	static const char text[] =
	        "dhcp: { pools = ( { subnet = \"10.0.0.0/24\"; },\n"
	        "                  { subnet = \"10.0.1.0/24\"; ipxe_replace = true; } ); };\n"
	        "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"unset\"; },\n"
	        "          { mac = \"52:54:00:00:00:02\"; hostname = \"yes\"; ipxe_replace = true; "
	        "},\n"
	        "          { mac = \"52:54:00:00:00:03\"; hostname = \"no\"; ipxe_replace = false; "
	        "} "
	        ");\n";
	static const struct {
		int line, pool, node, want; /* pool: index or -1; node: index or -1 */
	} rows[] = {
	        {__LINE__, 0, -1, 0}, {__LINE__, 1, -1, 1}, {__LINE__, 0, 0, 0},
	        {__LINE__, 1, 0, 1},  {__LINE__, 0, 1, 1},  {__LINE__, 1, 1, 1},
	        {__LINE__, 0, 2, 0},  {__LINE__, 1, 2, 0},  {__LINE__, -1, -1, 0},
	        {__LINE__, -1, 0, 0}, {__LINE__, -1, 1, 1}, {__LINE__, -1, 2, 0},
	};
	struct conf_diag d = {0};
	struct conf *c = conf_parse_string(text, "t.conf", &d);
	size_t i;

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->nodes[0].ipxe_replace, -1);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct conf_pool *p = rows[i].pool >= 0 ? &c->dhcp.pools[rows[i].pool] : NULL;
		const struct conf_node *n = rows[i].node >= 0 ? &c->nodes[rows[i].node] : NULL;
		int got = dhcp_boot_replace(p, n);

		if (got != rows[i].want)
			fail_msg("line %d: %d, want %d", rows[i].line, got, rows[i].want);
	}
	conf_unref(c);
	conf_diag_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_classify),         cmocka_unit_test(test_files),
	        cmocka_unit_test(test_reply_files),      cmocka_unit_test(test_proxy_reply),
	        cmocka_unit_test(test_reply_no_pxedhcp), cmocka_unit_test(test_replace_precedence),
	};

	return cmocka_run_group_tests_name("dhcp_boot", tests, NULL, NULL);
}
