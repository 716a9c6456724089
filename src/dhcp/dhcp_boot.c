/* SPDX-License-Identifier: MIT */
/*
 * dhcp_boot.c - PXE / UEFI HTTP boot / iPXE classification.  Pure; reads
 * only the options of an already parsed message.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/bytes.h"
#include "dhcp/dhcp_boot.h"

static int opt_prefix(const struct dhcp_opt *o, const char *prefix)
{
	size_t n = strlen(prefix);

	return o->data && o->len >= n && memcmp(o->data, prefix, n) == 0;
}

/*
 * Option 77 carries "iPXE" either raw (what iPXE sends) or as one entry of
 * the RFC 3004 list of length-prefixed classes.
 */
static int user_class_ipxe(const struct dhcp_opt *o)
{
	size_t pos = 0;

	if (!o->data)
		return 0;
	if (o->len == 4 && memcmp(o->data, "iPXE", 4) == 0)
		return 1;
	while (pos < o->len) {
		size_t n = o->data[pos];

		if (n == 0 || pos + 1 + n > o->len)
			return 0;
		if (n == 4 && memcmp(o->data + pos + 1, "iPXE", 4) == 0)
			return 1;
		pos += 1 + n;
	}
	return 0;
}

void dhcp_boot_classify(const struct dhcp_msg *m, struct dhcp_boot *b)
{
	const struct dhcp_opt *arch = &m->opt[OPT_CLIENT_ARCH];
	const struct dhcp_opt *vendor = &m->opt[OPT_VENDOR_CLASS];

	/* RFC 4578 2.1: a list of 16-bit types; the first is the one the
	 * client runs now. */
	b->arch = arch->data && arch->len >= 2 ? be16_get(arch->data) : -1;
	b->replaced = 0;
	if (m->opt[OPT_IPXE].data || user_class_ipxe(&m->opt[OPT_USER_CLASS]))
		b->kind = BOOT_IPXE;
	else if (opt_prefix(vendor, "HTTPClient") || b->arch == ARCH_HTTP_X64 ||
	         b->arch == ARCH_HTTP_ARM64)
		b->kind = BOOT_HTTP;
	else if (opt_prefix(vendor, "PXEClient") || b->arch >= 0)
		b->kind = BOOT_PXE;
	else
		b->kind = BOOT_NONE;
}

const char *dhcp_boot_file(const struct conf *c, int arch)
{
	switch (arch) {
	case ARCH_BIOS: return c->dhcp.boot.bios;
	case ARCH_EFI_IA32: return c->dhcp.boot.efi_ia32;
	case ARCH_EFI_X64:
	case ARCH_EFI_BC:
	case ARCH_HTTP_X64: return c->dhcp.boot.efi_x64;
	case ARCH_EFI_ARM32: return c->dhcp.boot.efi_arm32;
	case ARCH_EFI_ARM64:
	case ARCH_HTTP_ARM64: return c->dhcp.boot.efi_arm64;
	default: return NULL;
	}
}

const char *dhcp_boot_kind_name(enum boot_kind kind)
{
	switch (kind) {
	case BOOT_PXE: return "pxe";
	case BOOT_HTTP: return "uefi-http";
	case BOOT_IPXE: return "ipxe";
	case BOOT_NONE: break;
	}
	return "plain";
}

const char *dhcp_boot_label(const struct dhcp_boot *b)
{
	return b->replaced ? "ipxe-rom-replaced" : dhcp_boot_kind_name(b->kind);
}

const char *dhcp_boot_arch_name(int arch)
{
	switch (arch) {
	case -1: return "none";
	case ARCH_BIOS: return "bios";
	case ARCH_EFI_IA32: return "efi-ia32";
	case ARCH_EFI_X64: return "efi-x64";
	case ARCH_EFI_BC: return "efi-bc";
	case ARCH_EFI_ARM32: return "efi-arm32";
	case ARCH_EFI_ARM64: return "efi-arm64";
	case ARCH_HTTP_X64: return "http-x64";
	case ARCH_HTTP_ARM64: return "http-arm64";
	default: return "other";
	}
}

int dhcp_boot_replace(const struct conf_pool *p, const struct conf_node *node)
{
	if (node && node->ipxe_replace >= 0)
		return node->ipxe_replace;
	return p && p->ipxe_replace;
}

/* ---- reply contents ------------------------------------------------------ */

size_t dhcp_reply_max(const struct dhcp_msg *m)
{
	const struct dhcp_opt *o = &m->opt[OPT_MAX_SIZE];
	size_t v;

	if (!o->data || o->len != 2)
		return DHCP_REPLY_FLOOR;
	/* RFC 2132 9.10: the size of the whole datagram the client accepts. */
	v = be16_get(o->data);
	v = v > 28 ? v - 28 : 0;
	return v < DHCP_REPLY_FLOOR ? DHCP_REPLY_FLOOR : v > DHCP_MAX_REPLY ? DHCP_MAX_REPLY : v;
}

static void opt_addrs(struct dhcp_out *o, uint8_t code, const struct conf_ipv4list *l)
{
	uint8_t v[4 * 32];
	size_t i;

	for (i = 0; i < l->n && i < 32; i++) {
		uint32_t be = htonl(l->v[i]);

		memcpy(v + 4 * i, &be, 4);
	}
	if (i)
		dhcp_out_opt(o, code, v, 4 * i);
}

/* iPXE's encapsulated option 175.176 = 1: "no proxyDHCP here".  Without it
 * iPXE holds an offer for some 3 s (DHCP_DISC_PROXY_TIMEOUT_SEC) waiting
 * for proxyDHCP offers that never come. */
static const uint8_t no_pxedhcp[] = {IPXE_NO_PXEDHCP, 1, 1};

/* The boot information for a client of kind @b: the file field and the
 * options that go with it.  @srv is the address the client reaches us at. */
void dhcp_reply_boot(struct dhcp_out *o, const struct conf *c, const struct dhcp_msg *m,
                     const struct dhcp_boot *b, uint32_t srv, int proxy)
{
	char url[128], ip[IPV4_STRLEN], mac[MAC_STRLEN];
	const char *file;

	switch (b->kind) {
	case BOOT_IPXE: {
		/* iPXE gets its script's URL, never a binary: no loop. */
		if (c->dhcp.ipxe_url)
			dhcp_out_file(o, c->dhcp.ipxe_url); /* the operator's own script */
		else {
			snprintf(url, sizeof(url), "http://%s:%d/boot/%s.ipxe",
			         ipv4_format(srv, ip), c->http.port,
			         mac_format(m->chaddr, ':', mac));
			dhcp_out_file(o, url);
		}
		/* 175.176: skip waiting for proxyDHCP offers. */
		dhcp_out_opt(o, OPT_IPXE, no_pxedhcp, sizeof(no_pxedhcp));
		break;
	}
	case BOOT_HTTP:
		file = dhcp_boot_file(c, b->arch >= 0 ? b->arch : ARCH_HTTP_X64);
		if (!file)
			break;
		while (*file == '/')
			file++; /* dhcp.boot may keep dnsmasq's leading slash */
		snprintf(url, sizeof(url), "http://%s:%d/%s", ipv4_format(srv, ip), c->http.port,
		         file);
		dhcp_out_file(o, url);
		/* UEFI 2.x 24.7: the reply must say HTTPClient. */
		dhcp_out_opt(o, OPT_VENDOR_CLASS, "HTTPClient", 10);
		break;
	case BOOT_PXE:
		file = dhcp_boot_file(c, b->arch >= 0 ? b->arch : ARCH_BIOS);
		if (!file)
			break;
		dhcp_out_file(o, file);
		/* A replaced ROM is iPXE too, and would wait as above. */
		if (b->replaced)
			dhcp_out_opt(o, OPT_IPXE, no_pxedhcp, sizeof(no_pxedhcp));
		if (proxy) {
			/* PXE 2.1: a proxy offer says PXEClient, and option 43
			 * PXE_DISCOVERY_CONTROL (6) bit 3 tells the ROM to use
			 * the file in this offer without boot server discovery. */
			static const uint8_t pxe_opts[] = {6, 1, 8, 255};

			dhcp_out_opt(o, OPT_VENDOR_CLASS, "PXEClient", 9);
			dhcp_out_opt(o, OPT_VENDOR_OPTS, pxe_opts, sizeof(pxe_opts));
		}
		break;
	case BOOT_NONE: break;
	}
}

/* RFC 3442: option 121, each route as the prefix length, the significant
 * octets of the destination, and the gateway.  A client that gets 121
 * ignores option 3 (RFC 3442, "DHCP Client Behavior"), so the pool's router
 * goes in as the default route too. */
static void add_routes(struct dhcp_out *o, const struct conf_pool *p)
{
	uint8_t v[255 * 4];
	size_t len = 0, i, k;

	if (!p->nroutes)
		return;
	for (i = 0; i <= p->nroutes; i++) {
		uint32_t net, gw;
		unsigned plen;

		if (i == p->nroutes) {
			if (!p->router)
				break;
			net = 0, plen = 0, gw = p->router;
		} else {
			net = p->routes[i].prefix.addr;
			plen = p->routes[i].prefix.len;
			gw = p->routes[i].via;
		}
		if (len + 1 + 4 + 4 > sizeof(v))
			break;
		v[len++] = (uint8_t)plen;
		for (k = 0; k < (plen + 7) / 8; k++)
			v[len++] = (uint8_t)(net >> (24 - 8 * k));
		for (k = 0; k < 4; k++)
			v[len++] = (uint8_t)(gw >> (24 - 8 * k));
	}
	dhcp_out_opt(o, OPT_ROUTES, v, len);
}

/* The configured extra options: the node's, then the pool's unless the
 * node set the same code. */
static void add_extra(struct dhcp_out *o, const struct conf_pool *p, const struct conf_node *node)
{
	size_t i, j;

	for (i = 0; node && i < node->noptions; i++)
		dhcp_out_opt(o, (uint8_t)node->options[i].code, node->options[i].data,
		             node->options[i].len);
	for (i = 0; i < p->noptions; i++) {
		int mine = 0;

		for (j = 0; node && j < node->noptions; j++)
			mine |= node->options[j].code == p->options[i].code;
		if (!mine)
			dhcp_out_opt(o, (uint8_t)p->options[i].code, p->options[i].data,
			             p->options[i].len);
	}
}

/* Options of a lease (OFFER/ACK) or of configuration only (INFORM). */
void dhcp_reply_options(struct dhcp_out *o, const struct conf_pool *p, const struct conf_node *node,
                        int lease)
{
	uint32_t mask = ipv4_prefix_mask(p->subnet.len);

	if (lease) {
		dhcp_out_u32(o, OPT_LEASE, (uint32_t)p->lease_time);
		/* RFC 2131 4.4.5: T1 = 0.5, T2 = 0.875 of the lease. */
		dhcp_out_u32(o, OPT_T1, (uint32_t)p->lease_time / 2);
		dhcp_out_u32(o, OPT_T2, (uint32_t)((uint64_t)p->lease_time * 7 / 8));
	}
	dhcp_out_u32(o, OPT_MASK, mask);
	dhcp_out_u32(o, OPT_BROADCAST, p->subnet.addr | ~mask);
	if (p->router)
		dhcp_out_u32(o, OPT_ROUTER, p->router);
	opt_addrs(o, OPT_DNS, &p->dns);
	opt_addrs(o, OPT_NTP, &p->ntp);
	if (p->domain)
		dhcp_out_opt(o, OPT_DOMAIN, p->domain, strlen(p->domain));
	if (p->mtu)
		dhcp_out_u16(o, OPT_MTU, (uint16_t)p->mtu);
	if (node)
		dhcp_out_opt(o, OPT_HOSTNAME, node->hostname, strlen(node->hostname));
	add_routes(o, p);
	add_extra(o, p, node);
}

/*
 * A proxyDHCP offer or ACK (PXE 2.1; RFC 4578): no address, only who we are
 * and what to boot.  Each field is there because a client checks it:
 *  - siaddr is our address for every kind, iPXE included.  iPXE keeps a
 *    proxy offer whole only when dhcp_has_pxeopts() finds both a next-server
 *    (siaddr) and a boot file in it (or a PXE boot menu, 43.9); otherwise it
 *    asks port 4011 (dhcp_proxy_tx()) and drops every answer that still
 *    lacks them (dhcp_proxy_rx()), and so boots nothing.
 *  - option 54, which iPXE takes as the proxy server's identity
 *    (dhcp_deliver()'s pseudo-ID) and names in its port 4011 request;
 *  - option 60 "PXEClient", without which neither iPXE
 *    (dhcp_discovery_rx()) nor a PXE ROM takes an offer with no address
 *    for a proxy offer;
 *  - for a PXE ROM, option 43 with PXE_DISCOVERY_CONTROL, added by
 *    dhcp_reply_boot(); iPXE needs no option 43 once siaddr and the file
 *    are there.
 * ciaddr is echoed: a request to port 4011 comes from a configured client.
 */
void dhcp_reply_proxy(struct dhcp_out *o, const struct conf *c, const struct dhcp_msg *m,
                      const struct dhcp_boot *b, uint32_t srv)
{
	dhcp_out_addrs(o, m->ciaddr, 0, srv);
	dhcp_out_u32(o, OPT_SERVER_ID, srv);
	if (b->kind == BOOT_IPXE)
		dhcp_out_opt(o, OPT_VENDOR_CLASS, "PXEClient", 9);
	dhcp_reply_boot(o, c, m, b, srv, 1);
}
