/* SPDX-License-Identifier: MIT */
/*
 * test_conf.c - configuration parsing and validation: defaults, good files,
 * a table of bad ones each with the line and message it must produce, and
 * the contract with rackboot.conf(5): every setting the parser accepts is
 * documented there with its type and default, and nothing else is.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/conf.h"
#include "lib/testlib.h"

static void test_defaults(void **state)
{
	struct conf *c = parse_ok("");

	(void)state;
	assert_int_equal(c->server.interfaces.n, 0);
	assert_true(conf_serves_interface(c, "eth0"));
	assert_false(conf_serves_interface(c, "lo"));
	assert_string_equal(c->server.state_dir, "/var/lib/rackboot");
	assert_string_equal(c->server.user, "rackboot");
	assert_null(c->server.group);
	assert_null(c->server.pid_file);
	assert_int_equal(c->server.log_level, LOG_INFO);
	assert_int_equal(c->server.log_facility, LOG_DAEMON);
	assert_int_equal(c->server.shutdown_timeout, 10);
	assert_true(c->dhcp.enable);
	assert_int_equal(c->dhcp.mode, DHCP_MODE_FULL);
	assert_int_equal(c->dhcp.lease_time, 3600);
	assert_int_equal(c->dhcp.unknown_clients, UNKNOWN_SERVE);
	assert_int_equal(c->dhcp.npools, 0);
	assert_true(c->dhcp.authoritative);
	assert_int_equal(c->dhcp.decline_time, 600);
	assert_int_equal(c->http.max_per_address, 32);
	assert_int_equal(c->http.header_timeout, 10);
	assert_int_equal(c->iscsi.max_per_address, 8);
	assert_int_equal(c->iscsi.max_logins_per_address, 4);
	assert_int_equal(c->iscsi.login_timeout, 15);
	assert_string_equal(c->dhcp.boot.bios, "undionly.kpxe");
	assert_string_equal(c->dhcp.boot.efi_x64, "ipxe.efi");
	assert_string_equal(c->dhcp.boot.efi_arm64, "ipxe-arm64.efi");
	assert_int_equal(c->tftp.port, 69);
	assert_string_equal(c->tftp.root, "/srv/rackboot/tftp");
	assert_int_equal(c->http.port, 8080);
	assert_string_equal(c->ipxe.default_template, "iscsi");
	assert_string_equal(c->ipxe.fallback, "unknown");
	assert_int_equal(c->iscsi.port, 3260);
	assert_string_equal(c->iscsi.iqn_prefix, "iqn.2026-11.org.rackboot");
	assert_int_equal(c->storage.backend, STORE_FILE);
	assert_string_equal(c->storage.ceph_conf, "/etc/ceph/ceph.conf");
	assert_string_equal(c->storage.client, "rackboot");
	assert_null(c->storage.keyring);
	assert_string_equal(c->storage.pool, "rbd");
	assert_int_equal(c->storage.timeout, 30);
	assert_int_equal(c->nnodes, 0);
	assert_null(conf_where(c, "server.user"));
	conf_unref(c);
}

static const char full[] =
        "server: { interfaces = [\"eth1\", \"eth2\"]; user = \"nobody\";\n"
        "          log_level = \"debug\"; };\n"
        "dhcp: { lease_time = 600; unknown_clients = \"ignore\";\n"
        "  pools = ( { subnet = \"10.0.0.0/24\"; range = [\"10.0.0.100\", \"10.0.0.200\"];\n"
        "              router = \"10.0.0.1\"; dns = [\"10.0.0.1\", \"9.9.9.9\"]; mtu = 9000; },\n"
        "            { subnet = \"10.0.1.0/24\"; lease_time = 120;\n"
        "              unknown_clients = \"boot-only\"; } ); };\n"
        "ipxe: { default_template = \"linux\"; };\n"
        "nodes = ( { mac = \"52-54-00-12-34-56\"; hostname = \"node01\"; ip = \"10.0.0.11\";\n"
        "            size = \"1G\"; vars = { role = \"db\"; disks = 4; fast = true; }; },\n"
        "          { mac = \"525400123457\"; hostname = \"node02\"; template = \"iscsi\";\n"
        "            volume = \"vol-2\"; } );\n";

static void test_full(void **state)
{
	struct conf *c = parse_ok(full);
	const uint8_t mac2[MAC_LEN] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
	const struct conf_node *n;
	const struct conf_src *src;

	(void)state;
	assert_int_equal(c->server.interfaces.n, 2);
	assert_string_equal(c->server.interfaces.v[1], "eth2");
	assert_true(conf_serves_interface(c, "eth2"));
	assert_false(conf_serves_interface(c, "eth3"));
	assert_int_equal(c->server.log_level, LOG_DEBUG);
	assert_int_equal(c->dhcp.npools, 2);
	assert_int_equal(c->dhcp.pools[0].subnet.addr, 0x0a000000);
	assert_int_equal(c->dhcp.pools[0].range[0], 0x0a000064);
	assert_int_equal(c->dhcp.pools[0].range[1], 0x0a0000c8);
	assert_int_equal(c->dhcp.pools[0].dns.n, 2);
	assert_int_equal(c->dhcp.pools[0].dns.v[1], 0x09090909);
	assert_int_equal(c->dhcp.pools[0].mtu, 9000);
	/* inherited from dhcp */
	assert_int_equal(c->dhcp.pools[0].lease_time, 600);
	assert_int_equal(c->dhcp.pools[0].unknown_clients, UNKNOWN_IGNORE);
	/* set per pool */
	assert_int_equal(c->dhcp.pools[1].lease_time, 120);
	assert_int_equal(c->dhcp.pools[1].unknown_clients, UNKNOWN_BOOT_ONLY);
	assert_int_equal(c->dhcp.pools[1].src.line, 6);
	assert_int_equal(c->nnodes, 2);
	n = &c->nodes[0];
	assert_string_equal(n->template, "linux"); /* ipxe.default_template */
	assert_string_equal(n->volume, "node01");  /* the host name */
	assert_int_equal(n->size, 1ull << 30);
	assert_int_equal(n->ip, 0x0a00000b);
	assert_int_equal(n->nvars, 3);
	assert_string_equal(n->vars[0].key, "role");
	assert_string_equal(n->vars[1].value, "4");
	assert_string_equal(n->vars[2].value, "true");
	assert_int_equal(n->src.line, 9);
	n = conf_node_by_mac(c, mac2);
	assert_non_null(n);
	assert_string_equal(n->hostname, "node02");
	assert_string_equal(n->template, "iscsi");
	assert_string_equal(n->volume, "vol-2");
	assert_int_equal(n->size, 20ull << 30);
	src = conf_where(c, "server.log_level");
	assert_non_null(src);
	assert_int_equal(src->line, 2);
	assert_string_equal(src->file, "t.conf");
	conf_unref(c);
}

static void test_example_file(void **state)
{
	struct conf_diag d = {0};
	struct conf *c = conf_load("etc/rackboot.conf", &d);

	(void)state;
	conf_diag_print(&d, stderr);
	assert_non_null(c);
	assert_int_equal(d.n, 0);
	assert_int_equal(c->nnodes, 2);
	conf_diag_fini(&d);
	conf_unref(c);
}

static void test_node_index(void **state)
{
	/* 3000 nodes: every one is found by MAC, in any spelling's bytes,
	 * and a MAC that is not a node is not. */
	size_t n = 3000, i, len = 0, cap = n * 80 + 64;
	char *text = malloc(cap);
	struct conf *c;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "nodes = (\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(
		        text + len, cap - len,
		        "{ mac = \"52:54:%02zx:%02zx:00:%02zx\"; hostname = \"n%zu\"; }%s\n",
		        i >> 8, i & 0xff, i % 7, i, i + 1 < n ? "," : "");
	snprintf(text + len, cap - len, ");\n");
	c = parse_ok(text);
	for (i = 0; i < n; i++) {
		uint8_t mac[MAC_LEN] = {
		        0x52, 0x54, (uint8_t)(i >> 8), (uint8_t)(i & 0xff), 0, (uint8_t)(i % 7)};
		const struct conf_node *node = conf_node_by_mac(c, mac);
		char want[16];

		snprintf(want, sizeof(want), "n%zu", i);
		assert_non_null(node);
		assert_string_equal(node->hostname, want);
	}
	{
		const uint8_t other[MAC_LEN] = {0x52, 0x54, 0xff, 0xff, 0, 0};

		assert_null(conf_node_by_mac(c, other));
	}
	conf_unref(c);
	free(text);
}

static void test_options(void **state)
{
	struct conf *c = parse_ok(
	        "dhcp: { pools = ( { subnet = \"10.0.0.0/24\"; router = \"10.0.0.1\";\n"
	        "  routes = ( { prefix = \"10.1.0.0/16\"; via = \"10.0.0.254\"; } );\n"
	        "  options = ( { code = 66; text = \"tftp.example\"; },\n"
	        "              { code = 150; addresses = [\"10.0.0.5\", \"10.0.0.6\"]; },\n"
	        "              { code = 209; hex = \"0A0b\"; }, { code = 211; u8 = 0; },\n"
	        "              { code = 212; u16 = 258; }, { code = 213; u32 = 16909060; } );\n"
	        "} ); };\n"
	        "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\";\n"
	        "  options = ( { code = 66; text = \"mine\"; } ); } );\n");
	const struct conf_pool *p;
	const struct conf_option *o;

	(void)state;
	p = &c->dhcp.pools[0];
	assert_int_equal(p->nroutes, 1);
	assert_int_equal(p->routes[0].prefix.addr, 0x0a010000);
	assert_int_equal(p->routes[0].prefix.len, 16);
	assert_int_equal(p->routes[0].via, 0x0a0000fe);
	assert_int_equal(p->noptions, 6);
	o = p->options;
	assert_int_equal(o[0].len, 12);
	assert_memory_equal(o[0].data, "tftp.example", 12);
	assert_int_equal(o[1].len, 8);
	assert_memory_equal(o[1].data, "\x0a\x00\x00\x05\x0a\x00\x00\x06", 8);
	assert_int_equal(o[2].len, 2);
	assert_memory_equal(o[2].data, "\x0a\x0b", 2);
	assert_int_equal(o[3].len, 1); /* u8 = 0 is a value, not "absent" */
	assert_int_equal(o[3].data[0], 0);
	assert_int_equal(o[4].len, 2);
	assert_memory_equal(o[4].data, "\x01\x02", 2);
	assert_int_equal(o[5].len, 4);
	assert_memory_equal(o[5].data, "\x01\x02\x03\x04", 4);
	assert_int_equal(c->nodes[0].noptions, 1);
	assert_memory_equal(c->nodes[0].options[0].data, "mine", 4);
	assert_int_equal(c->nodes[0].options[0].src.line, 9);
	conf_unref(c);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_include(void **state)
{
	char *dir = testdir_new("conf"), main_path[64], inc[64];
	struct conf_diag d = {0};
	struct conf *c;

	(void)state;
	assert_non_null(dir);
	snprintf(main_path, sizeof(main_path), "%s/main.conf", dir);
	snprintf(inc, sizeof(inc), "%s/nodes.conf", dir);
	write_file(main_path, "server: { user = \"nobody\"; };\n@include \"nodes.conf\"\n");
	write_file(inc, "\n\nnodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"x\"; },\n"
	                "          { mac = \"52:54:00:00:00:01\"; hostname = \"y\"; } );\n");
	c = conf_load(main_path, &d);
	assert_null(c);
	/* The duplicate is reported in the included file, at its line. */
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.v[0].file, inc);
	assert_int_equal(d.v[0].line, 4);
	assert_non_null(strstr(d.v[0].text, "duplicate node: MAC 52:54:00:00:00:01"));
	conf_diag_fini(&d);
	write_file(inc, "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"x\"; } );\n");
	c = conf_load(main_path, &d);
	assert_non_null(c);
	assert_string_equal(c->nodes[0].src.file, inc);
	conf_unref(c);
	conf_diag_fini(&d);
	assert_int_equal(testdir_free(dir), 0);
}

static void test_missing_file(void **state)
{
	struct conf_diag d = {0};

	(void)state;
	assert_null(conf_load("/nonexistent/rackboot.conf", &d));
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.v[0].text, "cannot read"));
	conf_diag_fini(&d);
}

static void record_path(const char *path, void *arg)
{
	char *out = arg;

	strcat(out, path);
	strcat(out, ";");
}

static void test_keep_restart(void **state)
{
	struct conf *old = parse_ok("server: { user = \"a\"; state_dir = \"/x\"; };");
	struct conf *nc = parse_ok("server: { user = \"b\"; state_dir = \"/x\"; "
	                           "pid_file = \"/run/r.pid\"; log_level = \"err\"; };");
	char changed[256] = "";

	(void)state;
	conf_keep_restart(nc, old, record_path, changed);
	/* user and pid_file differ and keep the running values; state_dir is
	 * unchanged; log_level may change on reload. */
	assert_string_equal(changed, "server.user;server.pid_file;");
	assert_string_equal(nc->server.user, "a");
	assert_null(nc->server.pid_file);
	assert_string_equal(nc->server.state_dir, "/x");
	assert_int_equal(nc->server.log_level, LOG_ERR);
	conf_unref(old);
	conf_unref(nc);
}

/* The backend and the Ceph connection stay as started; pool and golden
 * apply to new volumes at once. */
static void test_keep_restart_storage(void **state)
{
	struct conf *old = parse_ok("storage: { backend = \"rbd\"; golden = \"g@v1\"; };");
	struct conf *nc = parse_ok("storage: { backend = \"file\"; client = \"other\"; "
	                           "timeout = 60; pool = \"p2\"; };");
	char changed[256] = "";

	(void)state;
	conf_keep_restart(nc, old, record_path, changed);
	assert_string_equal(changed, "storage.backend;storage.client;storage.timeout;");
	assert_int_equal(nc->storage.backend, STORE_RBD);
	assert_string_equal(nc->storage.client, "rackboot");
	assert_int_equal(nc->storage.timeout, 30);
	assert_string_equal(nc->storage.pool, "p2");
	assert_null(nc->storage.golden);
	conf_unref(old);
	conf_unref(nc);
}

/* ---- the table of bad configurations ------------------------------------ */

struct bad {
	int line;         /* of this vector, for failure messages */
	const char *text; /* configuration */
	int want_line;    /* line the first error must cite */
	const char *want; /* substring of the first error */
};

#define POOL "dhcp: { pools = ( { subnet = \"10.0.0.0/24\"; "
static const struct bad bads[] = {
        {__LINE__, "server: { interfacs = []; };", 1,
         "unknown setting 'server.interfacs'; did you mean 'interfaces'?"},
        {__LINE__, "\n\nsrever: {};", 3, "did you mean 'server'?"},
        {__LINE__, "tftp: { prot = 69; };", 1, "did you mean 'port'?"},
        {__LINE__, "server: { port = 69; };", 1, "'port' belongs in 'tftp', 'http', 'iscsi'"},
        {__LINE__, "server: { flux = 1; };", 1, "unknown setting 'server.flux'"},
        {__LINE__, "server: { user = 5; };", 1,
         "'server.user' must be a string in double quotes, not an integer"},
        {__LINE__, "http: { port = \"80\"; };", 1, "'http.port' must be an integer, not a string"},
        {__LINE__, "http: { port = 70000; };", 1,
         "'http.port' is 70000; it must be from 1 to 65535"},
        {__LINE__, "http: { port = 0; };", 1, "it must be from 1 to 65535"},
        {__LINE__, "http: { port = 8080.5; };", 1, "not a number with a fraction"},
        {__LINE__, "dhcp: { enable = \"yes\"; };", 1, "'dhcp.enable' must be true or false"},
        {__LINE__, "dhcp: { mode = \"relay\"; };", 1, "it must be one of \"full\", \"proxy\""},
        {__LINE__, "dhcp: { ipxe_url = \"boot.ipxe\"; };", 1,
         "'dhcp.ipxe_url' is \"boot.ipxe\"; it must be an http://, https:// or tftp:// URL"},
        {__LINE__, "dhcp: {\n ipxe_url = \"http://\"; };", 2, "'dhcp.ipxe_url' is \"http://\""},
        {__LINE__, "dhcp: { ipxe_url = \"http://a b/boot.ipxe\"; };", 1, "without spaces"},
        {__LINE__, "dhcp: { ipxe_url = \"ftp://x/boot.ipxe\"; };", 1, "'dhcp.ipxe_url' is"},
        {__LINE__, "dhcp: { boot = { bios = \"//undionly.kpxe\"; }; };", 1,
         "'dhcp.boot.bios' is \"//undionly.kpxe\"; it must be a relative file name"},
        {__LINE__, "ipxe: { kernel = \"/vmlinuz\"; };", 1,
         "'ipxe.kernel' is \"/vmlinuz\"; it must be a relative file name"},
        {__LINE__, "server: { log_level = \"verbose\"; };", 1, "one of \"err\", \"warning\""},
        {__LINE__, "server: { state_dir = \"var/lib\"; };", 1, "must be an absolute path"},
        {__LINE__, "server: { interfaces = \"eth0\"; };", 1, "must be an array of strings"},
        {__LINE__, "server: { interfaces = [\"eth0\", \"eth0\"]; };", 1,
         "interface 'eth0' is listed twice"},
        {__LINE__, "server: { interfaces = [\"a-very-long-interface\"]; };", 1,
         "not a valid interface name"},
        {__LINE__, "server = 5;", 1, "'server' must be a group"},
        {__LINE__, "nodes = { };", 1, "'nodes' must be a list"},
        {__LINE__, "nodes = ( 5 );", 1, "each element of 'nodes' must be a group"},
#define NODE "nodes = ( { mac = \"52:54:00:00:00:09\"; hostname = \"x\"; "
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:09\"; hostname = \"a."
         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"; } );",
         1, "cannot name a volume; set 'volume'"},
        {__LINE__, NODE "chap_secret = \"short\"; } );", 1,
         "node x: chap_secret must be 12 to 64 characters"},
        {__LINE__, NODE "initiator = \"Iqn.bad\"; } );", 1, "it must look like"},
        {__LINE__, NODE "external = { target = \"iqn.2026-11.a:b\"; }; } );", 1,
         "'nodes.external.portal' is required"},
        {__LINE__,
         NODE "external = { portal = \"10.0.0.5:99999\"; target = \"iqn.2026-11.a:b\"; }; } );", 1,
         "node x: external.portal is \"10.0.0.5:99999\"; it must be an IPv4 address"},
        {__LINE__,
         NODE "external = { portal = \"gw.example\"; target = \"iqn.2026-11.a:b\"; }; } );", 1,
         "it must be an IPv4 address with an optional :port"},
        {__LINE__, NODE "external = { portal = \"10.0.0.5\"; target = \"vol7\"; }; } );", 1,
         "external.target \"vol7\" is not an iSCSI name"},
        {__LINE__,
         NODE "external = { portal = \"10.0.0.5\"; target = \"iqn.2026-11.a:b\"; "
              "chap_user = \"u\"; }; } );",
         1, "external.chap_user and external.chap_secret go together"},
        {__LINE__,
         NODE
         "external = { portal = \"10.0.0.5\"; target = \"iqn.2026-11.a:b\"; lun = 20000; }; } );",
         1, "it must be from 0 to 16383"},
        {__LINE__, "server: { user = ; };", 1, "syntax error"},
        {__LINE__, "\n\nserver: { user = \"x\"; };\nserver: {};", 4, "duplicate setting"},
        {__LINE__, POOL "} ); };\ndhcp2 = 1;", 2, "unknown setting 'dhcp2'"},
        {__LINE__, "dhcp: { pools = ( { range = [\"10.0.0.1\", \"10.0.0.2\"]; } ); };", 1,
         "'dhcp.pools.subnet' is required"},
        {__LINE__, "dhcp: { pools = ( { subnet = \"10.0.0.1/24\"; } ); };", 1,
         "has host bits set; did you mean \"10.0.0.0/24\"?"},
        {__LINE__, "dhcp: { pools = ( { subnet = \"10.0.0.0\"; } ); };", 1,
         "must be a prefix like"},
        {__LINE__, "dhcp: { pools = ( { subnet = \"10.0.0.0/31\"; } ); };", 1,
         "prefix must be from /8 to /30"},
        {__LINE__, POOL "range = [\"10.0.0.100\"]; } ); };", 1, "an array of two addresses"},
        {__LINE__, POOL "range = [\"10.0.0.200\", \"10.0.0.100\"]; } ); };", 1,
         "the first address is above the last"},
        {__LINE__, POOL "\nrange = [\"10.0.0.100\", \"10.0.1.5\"]; } ); };", 2,
         "is not inside subnet 10.0.0.0/24"},
        {__LINE__, POOL "range = [\"10.0.0.0\", \"10.0.0.9\"]; } ); };", 1, "network or broadcast"},
        {__LINE__, POOL "range = [\"10.0.0.9\", \"10.0.0.255\"]; } ); };", 1,
         "network or broadcast"},
        {__LINE__, POOL "router = \"10.0.1.1\"; } ); };", 1, "is not a host address of subnet"},
        {__LINE__, POOL "range = [\"10.0.0.1\", \"10.0.0.9\"]; router = \"10.0.0.5\"; } ); };", 1,
         "inside the pool's range"},
        {__LINE__, POOL "dns = [\"10.0.0.1\", \"dns.example\"]; } ); };", 1,
         "'dns.example' is not an IPv4 address"},
        {__LINE__, POOL "mtu = 100; } ); };", 1,
         "'dhcp.pools.mtu' is 100; it must be from 576 to 65535"},
        {__LINE__, POOL "lease_time = 5; } ); };", 1, "'dhcp.pools.lease_time' is 5"},
        {__LINE__, POOL "domain = \"bad domain\"; } ); };", 1, "not a valid host name"},
        {__LINE__,
         "dhcp: { pools = ( { subnet = \"10.0.0.0/24\"; },\n{ subnet = \"10.0.0.128/25\"; } ); };",
         2, "subnet 10.0.0.128/25 overlaps subnet 10.0.0.0/24 of the pool at t.conf:1"},
        {__LINE__,
         "dhcp: { pools = ( { subnet = \"10.0.0.0/16\"; },\n{ subnet = \"10.0.5.0/24\"; } ); };", 2,
         "overlaps"},
        {__LINE__, "nodes = ( { hostname = \"a\"; } );", 1, "'nodes.mac' is required"},
        {__LINE__, "nodes = ( { mac = \"52:54:00:00:00:01\"; } );", 1,
         "'nodes.hostname' is required"},
        {__LINE__, "nodes = ( { mac = \"52:54:00:00:00:zz\"; hostname = \"a\"; } );", 1,
         "is not a MAC address"},
        {__LINE__, "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a_b\"; } );", 1,
         "not a valid host name"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; ip = \"10.0.0.300\"; } );", 1,
         "not an IPv4 address"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; ip = \"10.9.9.9\"; } );", 1,
         "is in no pool's subnet"},
        {__LINE__,
         POOL "router = \"10.0.0.1\"; } ); };\nnodes = ( { mac = \"52:54:00:00:00:01\"; hostname = "
              "\"a\"; ip = \"10.0.0.1\"; } );",
         2, "network, broadcast or router"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; },\n{ mac = "
         "\"52-54-00-00-00-01\"; hostname = \"b\"; } );",
         2, "duplicate node: MAC 52:54:00:00:00:01 is already node a at t.conf:1"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; },\n{ mac = "
         "\"52:54:00:00:00:02\"; hostname = \"A\"; } );",
         2, "duplicate node: host name A"},
        {__LINE__,
         POOL
         "} ); };\nnodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; ip = \"10.0.0.5\"; "
         "},\n{ mac = \"52:54:00:00:00:02\"; hostname = \"b\"; ip = \"10.0.0.5\"; } );",
         3, "duplicate node: address 10.0.0.5"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; volume = \"v\"; },\n{ mac = "
         "\"52:54:00:00:00:02\"; hostname = \"b\"; volume = \"v\"; } );",
         2, "duplicate node: volume v"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; size = \"1.5G\"; } );", 1,
         "'nodes.size' is \"1.5G\""},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; size = \"1000\"; } );", 1,
         "from 1M to 1024T"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; template = \"../x\"; } );", 1,
         "a name is 1 to 64 letters"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\";\nvars = { x = [1]; }; } );", 2,
         "'nodes.vars.x' must be a string, integer or boolean"},
        {__LINE__, "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; vars = 5; } );", 1,
         "'nodes.vars' must be a group"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\";\nipxe_replace = \"yes\"; } );",
         2, "'nodes.ipxe_replace' must be true or false, not a string"},
        {__LINE__,
         "nodes = ( { mac = \"52:54:00:00:00:01\"; hostname = \"a\"; colour = \"red\"; } );", 1,
         "unknown setting 'nodes.colour'"},
        {__LINE__, "iscsi: { iqn_prefix = \"iqn.2026-13.org.example\"; };", 1, "must look like"},
        {__LINE__, "iscsi: { iqn_prefix = \"iqn.2026-11.Org.Example\"; };", 1, "lowercase"},
        {__LINE__, "iscsi: { iqn_prefix = \"eui.0123456789abcdef\"; };", 1, "must look like"},
        {__LINE__, "http: { port = 3260; };", 1, "http.port and iscsi.port are both 3260"},
        {__LINE__, "http: { max_connections = 64;\n max_per_address = 64; };", 2,
         "http.max_per_address (64) must be less than http.max_connections (64)"},
        {__LINE__, "http: { max_connections = 16; };", 1,
         "http.max_per_address (32) must be less than http.max_connections (16)"},
        {__LINE__, "http: { header_timeout = 0; };", 1,
         "'http.header_timeout' is 0; it must be from 1 to 3600"},
        {__LINE__, "iscsi: { max_per_address = 300; };", 1,
         "iscsi.max_per_address (300) must be less than iscsi.max_connections (256)"},
        {__LINE__, "iscsi: { max_per_address = 2;\n max_logins_per_address = 3; };", 2,
         "iscsi.max_logins_per_address (3) is more than iscsi.max_per_address (2)"},
        {__LINE__, "iscsi: { login_timeout = 601; };", 1,
         "'iscsi.login_timeout' is 601; it must be from 1 to 600"},
        {__LINE__, "storage: { backend = \"ceph\"; };", 1, "it must be one of \"file\", \"rbd\""},
        {__LINE__, "storage: { backend = \"rbd\";\n golden = \"golden\"; };", 2,
         "'storage.golden' is \"golden\"; for the rbd backend it must name a snapshot"},
        {__LINE__, "storage: { backend = \"rbd\"; golden = \"a/b/c@d\"; };", 1,
         "\"pool/image@snap\" or \"image@snap\""},
        {__LINE__, "storage: { backend = \"rbd\"; pool = \"a b\"; };", 1,
         "'storage.pool' is \"a b\"; a name is 1 to 64 letters"},
        {__LINE__, "storage: { golden = \"golden@v1\"; };", 1,
         "for the file backend it must be an absolute path"},
        {__LINE__, "storage: { backend = \"rbd\"; timeout = 1; };", 1,
         "'storage.timeout' is 1; it must be from 5 to 600"},
        {__LINE__, "storage: { backend = \"rbd\"; ceph_conf = \"ceph.conf\"; };", 1,
         "it must be an absolute path"},
        {__LINE__, "@include \"/etc/passwd\"", 1, "cannot open include file"},
};

static void test_bad_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		struct conf_diag d = {0};
		struct conf *c = conf_parse_string(b->text, "t.conf", &d);
		size_t j;

		if (c)
			fail_msg("line %d: accepted", b->line);
		if (d.errors == 0)
			fail_msg("line %d: rejected without an error", b->line);
		for (j = 0; j < d.n && d.v[j].sev != CONF_ERROR; j++)
			;
		if (!strstr(d.v[j].text, b->want) || d.v[j].line != b->want_line ||
		    strcmp(d.v[j].file, "t.conf") != 0)
			fail_msg("line %d: got %s:%d: %s\n want line %d: %s", b->line, d.v[j].file,
			         d.v[j].line, d.v[j].text, b->want_line, b->want);
		/* A bad setting is never reported as anything else: no error
		 * after it may claim the memory ran out. */
		for (j = 0; j < d.n; j++)
			if (strstr(d.v[j].text, "out of memory"))
				fail_msg("line %d: also said %s:%d: %s", b->line, d.v[j].file,
				         d.v[j].line, d.v[j].text);
		conf_diag_fini(&d);
	}
}

static void test_proxy_range_warns(void **state)
{
	struct conf_diag d = {0};
	struct conf *c = conf_parse_string(
	        "dhcp: { mode = \"proxy\"; pools = ( { subnet = "
	        "\"10.0.0.0/24\";\n range = [\"10.0.0.5\", \"10.0.0.9\"]; } ); };",
	        "t.conf", &d);

	(void)state;
	assert_non_null(c);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, CONF_WARNING);
	assert_int_equal(d.v[0].line, 2);
	assert_non_null(strstr(d.v[0].text, "ignored in proxy mode"));
	conf_diag_fini(&d);
	conf_unref(c);
}

/* ---- the man page contract ------------------------------------------------ */

struct doc {
	char group[64];
	char key[64];
	char line[512];
	int seen;
};

struct docs {
	struct doc v[256];
	size_t n;
	int missing;
};

static const char *man_path(void)
{
	const char *p = getenv("RACKBOOT_MAN5");

	return p ? p : "build/man/rackboot.conf.5";
}

/* Read every ".It Cm key" line of the SETTINGS subsections. */
static void read_docs(struct docs *ds)
{
	FILE *f = fopen(man_path(), "r");
	char line[512], group[64] = "";
	int in_settings = 0;

	if (!f)
		fail_msg("cannot open %s", man_path());
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Sh ", 4) == 0) {
			in_settings = strcmp(line + 4, "SETTINGS") == 0;
			group[0] = '\0';
		} else if (in_settings && strncmp(line, ".Ss ", 4) == 0) {
			const char *t = line + 4;

			if (strcmp(t, "\"Top level\"") == 0)
				t = "";
			if (strlen(t) >= sizeof(group))
				fail_msg("over-long .Ss title: %s", t);
			memcpy(group, t, strlen(t) + 1);
		} else if (in_settings && strncmp(line, ".It Cm ", 7) == 0 && ds->n < 256) {
			struct doc *d = &ds->v[ds->n++];

			snprintf(d->group, sizeof(d->group), "%s", group);
			sscanf(line + 7, "%63s", d->key);
			snprintf(d->line, sizeof(d->line), "%s", line);
		}
	}
	fclose(f);
}

static void check_key(const char *group, const char *key, const char *type, const char *def,
                      void *arg)
{
	struct docs *ds = arg;
	char want[128];
	size_t i, len;

	/* The man page shows string defaults without libconfig's quotes. */
	snprintf(want, sizeof(want), "%s", def);
	len = strlen(want);
	if (len >= 2 && want[0] == '"' && want[len - 1] == '"') {
		memmove(want, want + 1, len - 2);
		want[len - 2] = '\0';
	}
	for (i = 0; i < ds->n; i++) {
		struct doc *d = &ds->v[i];

		if (strcmp(d->group, group) != 0 || strcmp(d->key, key) != 0)
			continue;
		d->seen = 1;
		if (!strstr(d->line, type) || !strstr(d->line, "default") ||
		    !strstr(d->line, want)) {
			print_error(
			        "%s: %s%s%s is documented as \"%s\"; want type %s, default %s\n",
			        man_path(), group, *group ? "." : "", key, d->line, type, want);
			ds->missing++;
		}
		return;
	}
	print_error("%s: setting %s%s%s (%s, default %s) is accepted but not documented\n",
	            man_path(), group, *group ? "." : "", key, type, want);
	ds->missing++;
}

static void test_man_documents_every_setting(void **state)
{
	static struct docs ds;
	size_t i;

	(void)state;
	memset(&ds, 0, sizeof(ds));
	read_docs(&ds);
	assert_true(ds.n > 20);
	conf_schema_visit(check_key, &ds);
	for (i = 0; i < ds.n; i++)
		if (!ds.v[i].seen) {
			print_error("%s: documents %s%s%s, which the parser does not accept\n",
			            man_path(), ds.v[i].group, *ds.v[i].group ? "." : "",
			            ds.v[i].key);
			ds.missing++;
		}
	assert_int_equal(ds.missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_full),
	        cmocka_unit_test(test_example_file),
	        cmocka_unit_test(test_node_index),
	        cmocka_unit_test(test_options),
	        cmocka_unit_test(test_include),
	        cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_keep_restart),
	        cmocka_unit_test(test_keep_restart_storage),
	        cmocka_unit_test(test_bad_table),
	        cmocka_unit_test(test_proxy_range_warns),
	        cmocka_unit_test(test_man_documents_every_setting),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
