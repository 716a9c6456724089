// SPDX-License-Identifier: MIT
/*
 * explain.c - `rackboot explain`: builds the DHCPDISCOVER such a machine
 * sends, answers it with the server's own reply builder, parses the reply
 * back and prints it, then renders the machine's script as HTTP would.  It
 * reads the configuration, the templates, the override folder and the CHAP
 * key; it sends nothing and binds nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_boot.h"
#include "dhcp/dhcp_msg.h"
#include "cli/explain.h"
#include "http/script.h"
#include "core/bytes.h"
#include "core/secret.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: rackboot [-c file] explain <mac> [--arch N] [--ipxe] [--server ADDR]\n"
	           "  --arch N       the client architecture it sends (option 93; default 0, "
	           "BIOS)\n"
	           "  --ipxe         it is iPXE (sends option 77 \"iPXE\" and option 175)\n"
	           "  --server ADDR  rackboot's address as the machine reaches it\n");
}

static void report_stderr(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	if (line > 0)
		fprintf(stderr, "%s:%d: error: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: error: %s\n", file, msg);
}

/* The DISCOVER a PXE ROM or iPXE of that architecture sends. */
static size_t make_discover(uint8_t *p, const uint8_t mac[MAC_LEN], int arch, int ipxe)
{
	static const uint8_t cookie[] = {99, 130, 83, 99};
	char vendor[40];
	size_t n = DHCP_FIXED_LEN;
	int vlen;

	memset(p, 0, 576);
	p[0] = 1; /* BOOTREQUEST */
	p[1] = 1; /* Ethernet */
	p[2] = MAC_LEN;
	memcpy(p + 4, "\x52\x42\x4f\x4f", 4); /* xid */
	memcpy(p + 28, mac, MAC_LEN);
	memcpy(p + n, cookie, 4);
	n += 4;
	p[n++] = 53; /* message type */
	p[n++] = 1;
	p[n++] = 1; /* DHCPDISCOVER */
	p[n++] = OPT_CLIENT_ARCH;
	p[n++] = 2;
	be16_put(p + n, (uint16_t)arch);
	n += 2;
	vlen = snprintf(vendor, sizeof(vendor), "PXEClient:Arch:%05d:UNDI:002001", arch);
	p[n++] = OPT_VENDOR_CLASS;
	p[n++] = (uint8_t)vlen;
	memcpy(p + n, vendor, (size_t)vlen);
	n += (size_t)vlen;
	if (ipxe) {
		/* RFC 3004 user class "iPXE", and a 175 with one setting. */
		static const uint8_t uc[] = {OPT_USER_CLASS, 5, 4, 'i', 'P', 'X', 'E'};
		static const uint8_t enc[] = {OPT_IPXE, 3, 19, 1, 1};

		memcpy(p + n, uc, sizeof(uc));
		n += sizeof(uc);
		memcpy(p + n, enc, sizeof(enc));
		n += sizeof(enc);
	}
	p[n++] = 255;
	return n < 300 ? 300 : n;
}

/* A local address inside @p subnet (the one a machine there reaches). */
static uint32_t local_addr_in(const struct ipv4_prefix *subnet)
{
	struct ifaddrs *ifa, *i;
	uint32_t found = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i && !found; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)i->ifa_addr;
			uint32_t a = ntohl(sin->sin_addr.s_addr);

			if (ipv4_prefix_contains(subnet, a))
				found = a;
		}
	freeifaddrs(ifa);
	return found;
}

static const char *opt_name(unsigned code)
{
	switch (code) {
	case 1: return "subnet mask";
	case 3: return "router";
	case 6: return "DNS servers";
	case 12: return "host name";
	case 15: return "domain name";
	case 26: return "MTU";
	case 28: return "broadcast";
	case 42: return "NTP servers";
	case 43: return "vendor options";
	case 51: return "lease time";
	case 53: return "message type";
	case 54: return "server id";
	case 58: return "renewal (T1)";
	case 59: return "rebinding (T2)";
	case 60: return "vendor class";
	case 66: return "TFTP server";
	case 67: return "boot file";
	case 121: return "classless routes";
	case 175: return "iPXE settings";
	default: return "option";
	}
}

static void print_opt(unsigned code, const struct dhcp_opt *o)
{
	char a[IPV4_STRLEN];
	size_t i;
	int text = 1;

	printf("  %3u %-17s ", code, opt_name(code));
	switch (code) {
	case 1:
	case 3:
	case 6:
	case 28:
	case 42:
	case 54:
		for (i = 0; i + 4 <= o->len; i += 4)
			printf("%s%s", i ? ", " : "", ipv4_format(be32_get(o->data + i), a));
		putchar('\n');
		return;
	case 51:
	case 58:
	case 59:
		if (o->len == 4) {
			printf("%" PRIu32 " s\n", be32_get(o->data));
			return;
		}
		break;
	case 26:
		if (o->len == 2) {
			printf("%u\n", (unsigned)be16_get(o->data));
			return;
		}
		break;
	case 53: printf("%s\n", o->len == 1 && o->data[0] == 2 ? "OFFER" : "?"); return;
	default: break;
	}
	for (i = 0; i < o->len; i++)
		if (o->data[i] < 0x20 || o->data[i] >= 0x7f)
			text = 0;
	if (text && o->len) {
		printf("\"%.*s\"\n", (int)o->len, (const char *)o->data);
		return;
	}
	for (i = 0; i < o->len; i++)
		printf("%02x", o->data[i]);
	putchar('\n');
}

static const struct conf_pool *pool_of(const struct conf *c, const struct conf_node *n)
{
	size_t i;

	for (i = 0; n && n->ip && i < c->dhcp.npools; i++)
		if (ipv4_prefix_contains(&c->dhcp.pools[i].subnet, n->ip))
			return &c->dhcp.pools[i];
	return c->dhcp.npools ? &c->dhcp.pools[0] : NULL;
}

int explain_main(const char *conf_path, int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"arch", required_argument, NULL, 'a'},
	        {"ipxe", no_argument, NULL, 'i'},
	        {"server", required_argument, NULL, 's'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	uint8_t mac[MAC_LEN], req[576], out[DHCP_MAX_REPLY], key[SECRET_KEY_MAX];
	char a[IPV4_STRLEN], b[IPV4_STRLEN], m[MAC_STRLEN], keypath[4096];
	char secret[CHAP_SECRET_MAX + 1], tsecret[CHAP_SECRET_MAX + 1];
	static struct dhcp_msg rq, rp;
	const struct conf_node *node;
	const struct conf_pool *pool;
	struct conf_diag d = {0};
	struct script_set *set = NULL;
	struct script_in in;
	struct dhcp_boot boot;
	struct dhcp_out o;
	struct conf *c;
	uint32_t server = 0;
	size_t keylen = 0, len;
	unsigned code;
	int arch = 0, ipxe = 0, opt, rc, status = 0;
	const char *tname = NULL;
	char *end;
	struct buf script;

	optind = 0; /* GNU: start over, permuting this argv */
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			arch = (int)strtol(optarg, &end, 0);
			if (*end || arch < 0 || arch > 65535) {
				fprintf(stderr, "rackboot explain: --arch wants 0..65535, not %s\n",
				        optarg);
				return 2;
			}
			break;
		case 'i': ipxe = 1; break;
		case 's':
			if (ipv4_parse(optarg, &server) < 0) {
				fprintf(stderr,
				        "rackboot explain: --server wants an IPv4 address\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc || mac_parse(argv[optind], strlen(argv[optind]), mac) < 0) {
		if (optind < argc)
			fprintf(stderr, "rackboot explain: %s is not a MAC address\n",
			        argv[optind]);
		usage(stderr);
		return 2;
	}
	c = conf_load(conf_path, &d);
	conf_diag_print(&d, stderr);
	conf_diag_fini(&d);
	if (!c)
		return 1;
	node = conf_node_by_mac(c, mac);
	pool = pool_of(c, node);
	mac_format(mac, ':', m);
	if (node)
		printf("machine %s: node %s (%s:%d)\n", m, node->hostname, node->src.file,
		       node->src.line);
	else
		printf("machine %s: not in nodes (unknown machine)\n", m);

	/* DHCP: the server's own builder answers the request it would get. */
	len = make_discover(req, mac, arch, ipxe);
	if (dhcp_msg_parse(req, len, &rq) < 0) {
		fprintf(stderr, "rackboot explain: internal error building the request\n");
		conf_unref(c);
		return 1;
	}
	dhcp_boot_classify(&rq, &boot);
	printf("asks as:  %s, arch %d (%s)\n",
	       boot.kind == BOOT_IPXE   ? "iPXE"
	       : boot.kind == BOOT_PXE  ? "a PXE boot ROM"
	       : boot.kind == BOOT_HTTP ? "UEFI HTTP boot"
	                                : "a plain DHCP client",
	       arch, dhcp_boot_arch_name(arch));
	if (!server && pool)
		server = local_addr_in(&pool->subnet);
	if (!pool) {
		printf("dhcp:     no pool; %s\n", c->dhcp.mode == DHCP_MODE_PROXY
		                                          ? "proxy mode: boot information only"
		                                          : "it would get no reply");
	} else {
		printf("pool:     %s/%u (%s:%d)%s\n", ipv4_format(pool->subnet.addr, a),
		       pool->subnet.len, pool->src.file, pool->src.line,
		       c->dhcp.npools > 1 && !(node && node->ip)
		               ? " - the pool of the interface or relay it arrives through; "
		                 "the first is shown"
		               : "");
		if (!node && pool->unknown_clients == UNKNOWN_IGNORE)
			printf("dhcp:     no reply: unknown machines are ignored in this pool\n");
	}
	if (!server)
		printf("server:   no local address in the pool's subnet; pass --server ADDR\n");
	else
		printf("server:   %s\n", ipv4_format(server, a));
	if (pool && c->dhcp.mode == DHCP_MODE_FULL) {
		dhcp_out_init(&o, out, dhcp_reply_max(&rq), &rq, DHCPOFFER);
		dhcp_out_addrs(&o, 0, node && node->ip ? node->ip : pool->range[0],
		               boot.kind == BOOT_PXE ? server : 0);
		dhcp_out_u32(&o, OPT_SERVER_ID, server);
		dhcp_reply_options(&o, pool, node, 1);
		dhcp_reply_boot(&o, c, &rq, &boot, server, 0);
	} else {
		/* the very proxy offer the server sends (dhcp_reply_proxy) */
		dhcp_out_init(&o, out, dhcp_reply_max(&rq), &rq, DHCPOFFER);
		dhcp_reply_proxy(&o, c, &rq, &boot, server);
	}
	len = dhcp_out_finish(&o);
	if (dhcp_msg_parse(out, len, &rp) < 0) {
		fprintf(stderr, "rackboot explain: internal error: the reply does not parse\n");
		conf_unref(c);
		return 1;
	}
	printf("\nDHCP offer (%zu bytes):\n", len);
	if (node && node->ip)
		printf("  yiaddr %s (static, node's ip)\n", ipv4_format(node->ip, a));
	else if (pool && c->dhcp.mode == DHCP_MODE_FULL)
		printf("  yiaddr a free address of %s-%s (a lease it holds is kept)\n",
		       ipv4_format(pool->range[0], a), ipv4_format(pool->range[1], b));
	else
		printf("  yiaddr 0.0.0.0 (proxyDHCP: the address comes from the other server)\n");
	printf("  siaddr %s\n", ipv4_format(rp.siaddr, a));
	printf("  file   \"%s\"\n", rp.file && rp.file[0] ? (const char *)rp.file : "");
	for (code = 1; code < 255; code++)
		if (rp.opt[code].data)
			print_opt(code, &rp.opt[code]);

	/* The script, as /boot/<mac>.ipxe would serve it. */
	printf("\nscript (/boot/%s.ipxe):\n", m);
	{
		char ovname[2][64];
		FILE *f = NULL;
		int k;

		snprintf(ovname[0], sizeof(ovname[0]), "%s.ipxe", mac_format(mac, '-', m));
		snprintf(ovname[1], sizeof(ovname[1]), "%s.conf", mac_format(mac, ':', m));
		for (k = 0; k < 2 && !f; k++) {
			snprintf(keypath, sizeof(keypath), "%s/%s", c->ipxe.overrides, ovname[k]);
			f = fopen(keypath, "r");
		}
		if (f) {
			char line[1024];

			printf("  from the override file %s:\n", keypath);
			while (fgets(line, sizeof(line), f))
				printf("  | %s", line);
			fclose(f);
			conf_unref(c);
			return 0;
		}
	}
	rc = script_set_load(c->ipxe.templates, &set, report_stderr, NULL, NULL);
	if (rc < 0 && rc != -ENOMEM)
		fprintf(stderr, "%s: %s\n", c->ipxe.templates, strerror(-rc));
	memset(&in, 0, sizeof(in));
	in.c = c;
	in.node = node;
	memcpy(in.mac, mac, MAC_LEN);
	in.ip = node && node->ip ? node->ip : 0;
	in.server = server;
	secret_path(c, keypath, sizeof(keypath));
	if (node) {
		rc = secret_key_read(keypath, 0, key, &keylen);
		if (rc == 0) {
			secret_chap(key, keylen, node->hostname, secret);
			in.chap_secret = secret;
			secret_target(key, keylen, node->hostname, tsecret);
			in.mutual_secret = tsecret;
		} else if (!node->chap_secret) {
			printf("  (CHAP key %s: %s; chap_secret is empty)\n", keypath,
			       rc == -EMSGSIZE ? "too short" : strerror(-rc));
		}
		memset(key, 0, sizeof(key));
		if (node->chap_secret) {
			snprintf(secret, sizeof(secret), "%s", node->chap_secret);
			in.chap_secret = secret;
		}
	}
	buf_init(&script);
	rc = script_render(set, &in, &script, &tname);
	if (rc == -ENOENT) {
		if (node || (tname && *tname)) {
			printf("  no template '%s' in %s: HTTP answers 500\n", tname ? tname : "",
			       c->ipxe.templates);
			status = 1;
		} else {
			printf("  no override and no fallback: HTTP answers 404\n");
		}
	} else if (rc < 0) {
		fprintf(stderr, "rackboot explain: out of memory\n");
		status = 1;
	} else {
		const char *p = script.p, *nl;

		printf("  from template %s/%s.ipxe:\n", c->ipxe.templates, tname);
		while (p && *p) {
			nl = strchr(p, '\n');
			printf("  | %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
			p = nl ? nl + 1 : p + strlen(p);
		}
	}
	memset(secret, 0, sizeof(secret));
	memset(tsecret, 0, sizeof(tsecret));
	buf_free(&script);
	script_set_free(set);
	conf_unref(c);
	return status;
}
