/* SPDX-License-Identifier: MIT */
/*
 * test_import_dnsmasq.c - the dnsmasq importer's model: a table of dnsmasq
 * configurations, each row carrying its line, with text the emitted
 * rackboot.conf must hold, text it must not, and a warning ("file:line:
 * text") expected; every emitted configuration must load with conf.c.
 * Then the includes, tftpd-hpa, and the lease file.
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

#include "core/conf.h"
#include "cli/import_dnsmasq.h"

static const struct import_opts opts = {"/var/lib/rackboot", "nobody", 1000000};

/* Feed every line of @text as file "t.conf"; @inc gets the last include. */
static void feed(struct import_dnsmasq *m, const char *text, enum import_kind kind,
                 struct import_include *inc, int *nincs)
{
	int line = 1;

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		struct import_include tmp;
		int rc =
		        import_dnsmasq_line(m, "t.conf", line++, text, len, kind, inc ? inc : &tmp);

		assert_true(rc >= 0);
		if (rc == 1 && nincs)
			(*nincs)++;
		text += len + (nl ? 1 : 0);
	}
}

/* Emit; check the result loads; return it (caller frees) and the
 * warnings joined as "file:line: text\n". */
static char *emit(struct import_dnsmasq *m, struct buf *warns)
{
	struct buf out;
	struct conf_diag d = {0};
	const struct import_warn *w;
	struct conf *c;
	size_t n, i;

	buf_init(&out);
	assert_int_equal(import_dnsmasq_emit(m, &opts, &out), 0);
	w = import_dnsmasq_warnings(m, &n);
	buf_init(warns);
	for (i = 0; i < n; i++)
		buf_printf(warns, "%s:%d: %s\n", w[i].file, w[i].line, w[i].text);
	c = conf_parse_string(out.p, "imported", &d);
	if (!c) {
		conf_diag_print(&d, stderr);
		fprintf(stderr, "%s", out.p);
	}
	assert_non_null(c);
	conf_unref(c);
	conf_diag_fini(&d);
	return buf_steal(&out, NULL);
}

struct vec {
	int line;
	const char *conf;
	const char *want;    /* in the output, or NULL */
	const char *notwant; /* not in the output, or NULL */
	const char *warn;    /* in the warnings, or NULL */
};

#define RANGE "interface=eth1\ndhcp-range=10.0.0.100,10.0.0.200,255.255.255.0,12h\n"

static const struct vec vecs[] = {
        /* dhcp-range forms */
        {__LINE__, RANGE,
         "subnet = \"10.0.0.0/24\";\n\t\t\trange = [\"10.0.0.100\", \"10.0.0.200\"]", NULL, NULL},
        {__LINE__, RANGE, "lease_time = 43200;", NULL, NULL},
        {__LINE__, RANGE, "interfaces = [\"eth1\"]", NULL, NULL},
        {__LINE__, "dhcp-range=set:red,10.0.0.10,10.0.0.20,255.255.0.0,infinite\n",
         "subnet = \"10.0.0.0/16\"", NULL, "t.conf:1: dhcp-range: infinite leases"},
        {__LINE__, "dhcp-range=10.1.0.10,10.1.0.20\n", "subnet = \"10.1.0.0/16\"", NULL, NULL},
        {__LINE__, "dhcp-range=192.168.7.0,proxy,255.255.255.0\n", "mode = \"proxy\"", "range",
         NULL},
        {__LINE__, "dhcp-range=10.2.0.0,static,255.255.255.0\n", "subnet = \"10.2.0.0/24\"",
         "range =", NULL},
        {__LINE__, "dhcp-range=172.16.5.10,172.16.5.20\n", "subnet = \"172.16.0.0/16\"", NULL,
         "t.conf:1: dhcp-range: no netmask"},
        {__LINE__, "dhcp-range=::1,::400,constructor:eth0\n", "enable = false", NULL,
         "t.conf:1: dhcp-range: IPv6"},
        {__LINE__, RANGE "dhcp-range=10.0.0.201,10.0.0.220,255.255.255.0\n",
         "range = [\"10.0.0.100\", \"10.0.0.220\"]", NULL, NULL},
        {__LINE__, RANGE "dhcp-range=192.168.9.0,proxy,255.255.255.0\n", "mode = \"full\"", NULL,
         "t.conf:3: dhcp-range: a proxy range beside address ones"},
        /* options */
        {__LINE__,
         RANGE "dhcp-option=3,10.0.0.254\ndhcp-option=option:dns-server,10.0.0.53,10.0.0.54\n",
         "router = \"10.0.0.254\";\n\t\t\tdns = [\"10.0.0.53\", \"10.0.0.54\"];", NULL, NULL},
        {__LINE__, RANGE "dhcp-option=3\n", NULL, "router", NULL},
        {__LINE__, RANGE "dhcp-option=option:domain-name,rack.example\ndhcp-option=26,9000\n",
         "domain = \"rack.example\";\n\t\t\tmtu = 9000;", NULL, NULL},
        {__LINE__, RANGE "dhcp-option=option:tftp-server,\"boot.example\"\n",
         "{ code = 66; text = \"boot.example\"; }", NULL, NULL},
        {__LINE__,
         RANGE "dhcp-option=150,10.0.0.5\ndhcp-option=209,01:02:0a\ndhcp-option=210,300\n",
         "{ code = 210; u16 = 300; },\n\t\t\t\t{ code = 209; hex = \"01020a\"; },\n\t\t\t\t{ code "
         "= "
         "150; addresses = [\"10.0.0.5\"]; }",
         NULL, NULL},
        {__LINE__, RANGE "dhcp-option=tag:efi,option:root-path,x\n", NULL, "code = 17",
         "t.conf:3: dhcp-option 17 with tag:efi"},
        {__LINE__, RANGE "dhcp-option=encap:175,8,1\n", NULL, NULL,
         "t.conf:3: dhcp-option: 'encap:175' options"},
        {__LINE__, RANGE "dhcp-option=option:bootfile-name,pxelinux.0\n", NULL, "code = 67",
         "t.conf:3: dhcp-option 67"},
        {__LINE__,
         "interface=eth1\ndhcp-range=set:a,10.0.0.100,10.0.0.200,255.255.255.0\n"
         "dhcp-option=tag:a,42,10.0.0.1\n",
         "ntp = [\"10.0.0.1\"]", NULL, NULL},
        /* hosts */
        {__LINE__, RANGE "dhcp-host=52:54:00:12:34:56,10.0.0.11,node01\n",
         "mac = \"52:54:00:12:34:56\";\n\t\thostname = \"node01\";\n\t\tip = \"10.0.0.11\";", NULL,
         NULL},
        {__LINE__,
         RANGE "dhcp-host=52:54:00:12:34:56,set:n1,10.0.0.11\ndhcp-option=tag:n1,17,/root\n",
         "hostname = \"host-525400123456\"", NULL, NULL},
        {__LINE__,
         RANGE "dhcp-host=52:54:00:12:34:56,set:n1,10.0.0.11\ndhcp-option=tag:n1,17,/root\n",
         "{ code = 17; text = \"/root\"; }", NULL, NULL},
        {__LINE__, RANGE "dhcp-host=52:54:00:12:34:56,ignore\n", NULL, "nodes",
         "t.conf:3: dhcp-host: 'ignore'"},
        {__LINE__, RANGE "dhcp-host=52:54:00:12:34:56,192.168.1.1\n", NULL, "192.168.1.1",
         "t.conf:3: dhcp-host: 192.168.1.1 is not a host address of an imported subnet"},
        {__LINE__, RANGE "dhcp-host=id:01:02:03,10.0.0.9\n", NULL, "nodes",
         "t.conf:3: dhcp-host: client identifier"},
        {__LINE__, RANGE "dhcp-ignore=tag:!known\n", "unknown_clients = \"ignore\"", NULL, NULL},
        /* boot files and the tag logic */
        {__LINE__, RANGE "dhcp-boot=pxelinux.0\n", "bios = \"pxelinux.0\"", NULL, NULL},
        {__LINE__, RANGE "dhcp-boot=pxelinux.0\n", "efi_x64 = \"pxelinux.0\"", NULL, NULL},
        {__LINE__,
         RANGE "dhcp-match=set:efi,option:client-arch,7\ndhcp-boot=tag:efi,a.efi\n"
               "dhcp-boot=tag:efi,b.efi\ndhcp-boot=undionly.kpxe\n",
         "bios = \"undionly.kpxe\"; # t.conf:6", NULL, NULL},
        {__LINE__,
         RANGE "dhcp-match=set:efi,option:client-arch,7\ndhcp-boot=tag:efi,a.efi\n"
               "dhcp-boot=tag:efi,b.efi\ndhcp-boot=undionly.kpxe\n",
         "efi_x64 = \"b.efi\"; # t.conf:5", NULL, "architecture 9 got 'undionly.kpxe'"},
        {__LINE__,
         RANGE "dhcp-userclass=set:ipxe,iPXE\ndhcp-boot=tag:!ipxe,undionly.kpxe\n"
               "dhcp-boot=tag:ipxe,http://x/boot.ipxe\n",
         "ipxe_url = \"http://x/boot.ipxe\"; # t.conf:5", "iPXE was handed", NULL},
        {__LINE__,
         RANGE "dhcp-userclass=set:ipxe,iPXE\ndhcp-boot=tag:!ipxe,undionly.kpxe\n"
               "dhcp-boot=tag:ipxe,http://x/boot.ipxe\n",
         "bios = \"undionly.kpxe\"", NULL, NULL},
        /* iPXE handed a file over TFTP: no URL to keep */
        {__LINE__,
         RANGE "dhcp-match=set:ipxe,175\ndhcp-boot=tag:!ipxe,undionly.kpxe\n"
               "dhcp-boot=tag:ipxe,menu.ipxe\n",
         NULL, "ipxe_url", "t.conf:5: iPXE was handed 'menu.ipxe', which is not an http://"},
        /* one URL for every iPXE: the first architecture's, the others warned */
        {__LINE__,
         RANGE "dhcp-match=set:ipxe,175\ndhcp-match=set:efi,option:client-arch,7\n"
               "dhcp-boot=tag:!ipxe,undionly.kpxe\ndhcp-boot=tag:ipxe,http://x/bios.ipxe\n"
               "dhcp-boot=tag:ipxe,tag:efi,http://x/efi.ipxe\n",
         "ipxe_url = \"http://x/bios.ipxe\"; # t.conf:6", NULL,
         "t.conf:7: iPXE of architecture 7 was handed 'http://x/efi.ipxe'"},
        {__LINE__,
         RANGE "dhcp-vendorclass=set:arm,PXEClient:Arch:00011\ndhcp-boot=tag:arm,a64.efi\n",
         "efi_arm64 = \"a64.efi\"", "bios =", "architecture 0, 6, 7, 10 no boot file"},
        {__LINE__,
         RANGE "dhcp-match=set:a,option:client-arch,0\ntag-if=set:b,tag:a\n"
               "dhcp-boot=tag:b,x.kpxe\n",
         "bios = \"x.kpxe\"", "efi_x64 =", NULL},
        {__LINE__,
         RANGE "pxe-service=x86PC,\"Boot\",pxelinux\npxe-service=X86-64_EFI,\"Boot\",ipxe.efi\n",
         "bios = \"pxelinux.0\";", NULL, NULL},
        {__LINE__,
         RANGE "pxe-service=x86PC,\"Boot\",pxelinux\npxe-service=X86-64_EFI,\"Boot\",ipxe.efi\n",
         "efi_x64 = \"ipxe.efi\";", NULL, NULL},
        {__LINE__, RANGE "pxe-service=x86PC,\"Disk\"\npxe-prompt=\"Press F8\",5\n", NULL, NULL,
         "t.conf:3: pxe-service: a menu entry without a file"},
        {__LINE__, RANGE "dhcp-boot=/undionly.kpxe,boothost,10.0.0.9\n",
         "bios = \"/undionly.kpxe\"", NULL, "t.conf:3: dhcp-boot: the TFTP server 10.0.0.9"},
        {__LINE__,
         RANGE "dhcp-host=52:54:00:12:34:56,set:special\ndhcp-boot=tag:special,s.kpxe\n"
               "dhcp-boot=n.kpxe\n",
         "bios = \"n.kpxe\"", NULL, "boot file 's.kpxe' for the host of t.conf:3"},
        {__LINE__, RANGE "dhcp-boot=../etc/passwd\n", NULL, "passwd", "has a '..' component"},
        /* tftp */
        {__LINE__,
         RANGE "enable-tftp\ntftp-root=/srv/tftp\ntftp-max=50\ntftp-port-range=6000,6100\n",
         "root = \"/srv/tftp\";\n\tper_node = false;\n\tmax_transfers = 50;\n\tport_min = "
         "6000;\n\tport_max = 6100;",
         NULL, NULL},
        {__LINE__, RANGE "enable-tftp\ntftp-root=/srv/tftp\ntftp-unique-root=mac\ntftp-secure\n",
         "per_node = true;", NULL, "t.conf:6: tftp-secure"},
        /* everything else */
        {__LINE__, RANGE "dhcp-leasefile=/var/lib/misc/dnsmasq.leases\n", NULL, NULL,
         "t.conf:3: dhcp-leasefile: rackboot keeps its leases in server.state_dir"},
        {__LINE__, RANGE "dhcp-lease-max=10\n", NULL, NULL, "t.conf:3: dhcp-lease-max=10"},
        {__LINE__, RANGE "dhcp-authoritative\n", "authoritative = true;", NULL, NULL},
        {__LINE__, RANGE "no-such-thing=1\n", NULL, NULL, "t.conf:3: no-such-thing: not imported"},
        {__LINE__, RANGE "server=8.8.8.8\n", NULL, NULL, "t.conf:3: server: a DNS setting"},
        {__LINE__, "port=0\n" RANGE "server=8.8.8.8\n", NULL, "dns =", NULL},
        {__LINE__, RANGE "# comment\n  dhcp-option=3,10.0.0.1 # trailing\n",
         "router = \"10.0.0.1\"", NULL, NULL},
        {__LINE__, RANGE "dhcp-option=3,\"10.0.0.1\"\n", "router = \"10.0.0.1\"", NULL, NULL},
        {__LINE__, RANGE "dhcp-option=3,10.0.0.150\n", NULL, "router", "router 10.0.0.150 is not"},
};

static void test_vectors(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		struct import_dnsmasq *m = import_dnsmasq_new();
		struct buf w;
		char *out;
		int bad;

		assert_non_null(m);
		import_dnsmasq_local(m, "eth1", 0x0a000001, 24); /* 10.0.0.1/24 */
		import_dnsmasq_local(m, "eth2", 0x0a010001, 16); /* 10.1.0.1/16 */
		feed(m, v->conf, IMPORT_CONF, NULL, NULL);
		out = emit(m, &w);
		bad = (v->want && !strstr(out, v->want)) ||
		      (v->notwant && strstr(out, v->notwant)) ||
		      (v->warn && !strstr(w.p ? w.p : "", v->warn));
		if (bad)
			fprintf(stderr, "vector at line %d:\n%s\nwarnings:\n%s\n", v->line, out,
			        w.p ? w.p : "");
		failed += bad;
		free(out);
		buf_free(&w);
		import_dnsmasq_free(m);
	}
	assert_int_equal(failed, 0);
}

/* The router dnsmasq announces by default is its own address. */
static void test_default_router(void **state)
{
	struct import_dnsmasq *m = import_dnsmasq_new();
	struct buf w;
	char *out;

	(void)state;
	import_dnsmasq_local(m, "eth1", 0x0a000001, 24);
	feed(m, "dhcp-range=10.0.0.100,10.0.0.200\n", IMPORT_CONF, NULL, NULL);
	out = emit(m, &w);
	assert_non_null(strstr(out, "router = \"10.0.0.1\""));
	assert_non_null(strstr(out, "dns = [\"10.0.0.1\"]")); /* DNS on: itself */
	assert_non_null(strstr(w.p, "keep a DNS server"));
	free(out);
	buf_free(&w);
	import_dnsmasq_free(m);
}

static void test_includes(void **state)
{
	struct import_dnsmasq *m = import_dnsmasq_new();
	struct import_include inc;
	int rc;

	(void)state;
	rc = import_dnsmasq_line(m, "a", 1, "conf-dir=/etc/dnsmasq.d/,*.conf", 31, IMPORT_CONF,
	                         &inc);
	assert_int_equal(rc, 1);
	assert_int_equal(inc.kind, IMPORT_CONF);
	assert_int_equal(inc.dir, 1);
	assert_string_equal(inc.path, "/etc/dnsmasq.d/");
	assert_string_equal(inc.filter, "*.conf");
	rc = import_dnsmasq_line(m, "a", 2, "conf-file=/etc/x.conf", 21, IMPORT_CONF, &inc);
	assert_int_equal(rc, 1);
	assert_int_equal(inc.dir, 0);
	assert_string_equal(inc.path, "/etc/x.conf");
	rc = import_dnsmasq_line(m, "a", 3, "dhcp-hostsdir=/h", 16, IMPORT_CONF, &inc);
	assert_int_equal(rc, 1);
	assert_int_equal(inc.kind, IMPORT_HOSTS);
	assert_int_equal(inc.dir, 1);
	rc = import_dnsmasq_line(m, "a", 4, "dhcp-optsfile=/o", 16, IMPORT_CONF, &inc);
	assert_int_equal(rc, 1);
	assert_int_equal(inc.kind, IMPORT_OPTS);
	rc = import_dnsmasq_line(m, "a", 5, "# conf-file=/x", 14, IMPORT_CONF, &inc);
	assert_int_equal(rc, 0);
	import_dnsmasq_free(m);
}

/* Lines of a hosts file and an options file, with their own file:line. */
static void test_hosts_and_opts(void **state)
{
	struct import_dnsmasq *m = import_dnsmasq_new();
	struct buf w;
	char *out;

	(void)state;
	import_dnsmasq_local(m, "eth1", 0x0a000001, 24);
	feed(m, RANGE, IMPORT_CONF, NULL, NULL);
	feed(m, "52:54:00:00:00:01,10.0.0.21,a\n52:54:00:00:00:02,bad_name!\n", IMPORT_HOSTS, NULL,
	     NULL);
	feed(m, "option:ntp-server,10.0.0.9\n", IMPORT_OPTS, NULL, NULL);
	out = emit(m, &w);
	assert_non_null(strstr(out, "hostname = \"a\";\n\t\tip = \"10.0.0.21\";"));
	assert_non_null(strstr(out, "ntp = [\"10.0.0.9\"]"));
	assert_non_null(strstr(out, "hostname = \"host-525400000002\""));
	assert_non_null(
	        strstr(w.p, "t.conf:2: dhcp-host: 'bad_name!' is not a host name rackboot takes"));
	free(out);
	buf_free(&w);
	import_dnsmasq_free(m);
}

static void test_tftpd(void **state)
{
	struct import_dnsmasq *m = import_dnsmasq_new();
	struct import_include inc = {0};
	int nincs = 0;
	struct buf w;
	char *out;

	(void)state;
	assert_true(import_dnsmasq_is_tftpd("TFTP_USERNAME=\"tftp\"", 20));
	assert_false(import_dnsmasq_is_tftpd("port=0", 6));
	feed(m,
	     "# /etc/default/tftpd-hpa\nTFTP_USERNAME=\"tftp\"\nTFTP_DIRECTORY=\"/srv/tftp\"\n"
	     "TFTP_ADDRESS=\":1069\"\nTFTP_OPTIONS=\"--secure --create -B 1468 -m /etc/remap\"\n",
	     IMPORT_TFTPD, &inc, &nincs);
	assert_int_equal(nincs, 1);
	assert_int_equal(inc.kind, IMPORT_REMAP);
	assert_string_equal(inc.path, "/etc/remap");
	feed(m, "rg \\\\ /\nr ^/ ''\nr ^pxelinux.cfg/01-(.*) cfg/\\1\nr ^ \\i/\n", IMPORT_REMAP,
	     NULL, NULL);
	out = emit(m, &w);
	assert_non_null(strstr(out, "root = \"/srv/tftp\";"));
	assert_non_null(strstr(out, "blksize_max = 1468;"));
	assert_non_null(strstr(out, "port = 1069;"));
	assert_non_null(strstr(w.p, "t.conf:5: tftpd --create"));
	assert_null(strstr(w.p, "t.conf:1: tftpd remap"));
	assert_null(strstr(w.p, "t.conf:2: tftpd remap"));
	assert_non_null(strstr(w.p, "t.conf:3: tftpd remap rule"));
	assert_non_null(strstr(w.p, "t.conf:4: tftpd remap rule 'r ^ \\i/': files per client"));
	free(out);
	buf_free(&w);
	import_dnsmasq_free(m);
}

static void test_leases(void **state)
{
	struct import_dnsmasq *m = import_dnsmasq_new();
	const struct import_lease *l;
	struct buf w;
	size_t n;
	char *out;

	(void)state;
	import_dnsmasq_local(m, "eth1", 0x0a000001, 24);
	feed(m,
	     "1700000000 52:54:00:00:00:01 10.0.0.150 pxe1 01:52:54:00:00:00:01\n"
	     "0 52:54:00:00:00:02 10.0.0.160 * *\n"
	     "1700000000 52:54:00:00:00:03 10.0.0.11 x *\n"
	     "1700000000 52:54:00:00:00:04 10.9.0.1 y *\n"
	     "duid 00:01:00:01\n"
	     "1700000000 1234 fd00::1 z 00:01\n",
	     IMPORT_LEASES, NULL, NULL);
	feed(m, RANGE "dhcp-host=52:54:00:00:00:03,10.0.0.11\n", IMPORT_CONF, NULL, NULL);
	out = emit(m, &w);
	l = import_dnsmasq_leases(m, &n);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].ip, 0x0a000096);
	assert_int_equal(l[0].expires, 1700000000);
	assert_int_equal(l[1].ip, 0x0a0000a0);
	assert_int_equal(l[1].expires, opts.now + 31536000); /* infinite */
	assert_non_null(strstr(out, "hostname = \"x\""));    /* named from its lease */
	assert_non_null(strstr(w.p, "t.conf:4: lease of 10.9.0.1: in no imported subnet"));
	free(out);
	buf_free(&w);
	import_dnsmasq_free(m);
}

static void test_hostile(void **state)
{
	struct import_dnsmasq *m = import_dnsmasq_new();
	char big[5000];
	struct buf w;
	char *out;

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(import_dnsmasq_line(m, "t", 1, big, sizeof(big), IMPORT_CONF, NULL), 0);
	feed(m,
	     "dhcp-host=52:54:00:00:00:01,\"a\\\"b\"\ninterface=\"x\\\"y\"\n"
	     "dhcp-range=10.0.0.1,10.0.0.9,255.0.255.0\n",
	     IMPORT_CONF, NULL, NULL);
	out = emit(m, &w);
	assert_non_null(strstr(w.p, "t:1: line longer than"));
	assert_non_null(strstr(w.p, "not contiguous"));
	free(out);
	buf_free(&w);
	import_dnsmasq_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_vectors),  cmocka_unit_test(test_default_router),
	        cmocka_unit_test(test_includes), cmocka_unit_test(test_hosts_and_opts),
	        cmocka_unit_test(test_tftpd),    cmocka_unit_test(test_leases),
	        cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
