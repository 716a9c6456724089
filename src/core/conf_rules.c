/* SPDX-License-Identifier: MIT */
/*
 * conf_rules.c - the rules between settings, run by conf.c's load once
 * every value has been converted and defaulted: pools that overlap or leave
 * their subnet, nodes that share a MAC, name, address or volume, DHCP
 * options rackboot sets itself, port ranges, per-address limits, a golden
 * image the backend cannot use.  Some fill in what one setting inherits
 * from another (a pool's lease_time, a node's template and volume).
 *
 * Like conf.c it never logs and does no I/O: each problem becomes a
 * conf_diag entry citing the file and line of the setting at fault, read
 * from the libconfig tree that is still there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libconfig.h>

#include "conf_int.h"
#include "core/bytes.h"
#include "core/conf.h"
#include "dhcp/dhcp_managed.h"
#include "store/imgspec.h"

/* The libconfig setting of list element @i's member @name, for messages;
 * falls back to the element itself. */
static const config_setting_t *member(const config_t *cf, const char *list, size_t i,
                                      const char *name)
{
	const config_setting_t *l = config_lookup(cf, list);
	const config_setting_t *e = l ? config_setting_get_elem(l, (unsigned)i) : NULL;
	const config_setting_t *m = e && name ? config_setting_get_member(e, name) : NULL;

	return m ? m : e;
}

/* Validate each option (exactly one value, a code rackboot does not set
 * itself, no code twice) and encode it into o->data. */
static void check_options(struct ctx *x, struct conf_option *v, size_t n, const char *where)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		struct conf_option *o = &v[i];
		int given = !!o->text + !!o->hex + (o->addresses.n > 0) + (o->u8 >= 0) +
		            (o->u16 >= 0) + (o->u32 >= 0);
		const char *managed = dhcp_managed_option(o->code);

		if (managed) {
			conf_err_src(x, &o->src, "%s: option %d is set by rackboot; use %s", where,
			             o->code, managed);
			continue;
		}
		if (given != 1) {
			conf_err_src(
			        x, &o->src,
			        "%s: option %d needs exactly one of text, hex, addresses, u8, u16 "
			        "or u32",
			        where, o->code);
			continue;
		}
		for (j = 0; j < i; j++)
			if (v[j].code == o->code)
				conf_err_src(x, &o->src,
				             "%s: option %d is set twice (also at %s:%d)", where,
				             o->code, v[j].src.file, v[j].src.line);
		if (o->text) {
			size_t len = strlen(o->text);

			if (len > 255) {
				conf_err_src(x, &o->src, "%s: option %d: text over 255 bytes",
				             where, o->code);
				continue;
			}
			memcpy(o->data, o->text, len);
			o->len = (uint8_t)len;
		} else if (o->hex) {
			size_t len = strlen(o->hex), k;

			if (len % 2 || len / 2 > 255) {
				conf_err_src(
				        x, &o->src,
				        "%s: option %d: hex must be pairs of hex digits, at most "
				        "255 "
				        "bytes",
				        where, o->code);
				continue;
			}
			for (k = 0; k < len / 2; k++) {
				int hi = addr_hexval(o->hex[2 * k]),
				    lo = addr_hexval(o->hex[2 * k + 1]);

				if (hi < 0 || lo < 0) {
					conf_err_src(x, &o->src, "%s: option %d: \"%s\" is not hex",
					             where, o->code, o->hex);
					break;
				}
				o->data[k] = (uint8_t)(hi << 4 | lo);
			}
			o->len = (uint8_t)(len / 2);
		} else if (o->addresses.n) {
			size_t k;

			if (o->addresses.n > 63) {
				conf_err_src(x, &o->src, "%s: option %d: more than 63 addresses",
				             where, o->code);
				continue;
			}
			for (k = 0; k < o->addresses.n; k++) {
				be32_put(o->data + 4 * k, o->addresses.v[k]);
			}
			o->len = (uint8_t)(4 * o->addresses.n);
		} else {
			uint32_t val = o->u8 >= 0    ? (uint32_t)o->u8
			               : o->u16 >= 0 ? (uint32_t)o->u16
			                             : (uint32_t)o->u32;
			int size = o->u8 >= 0 ? 1 : o->u16 >= 0 ? 2 : 4, k;

			for (k = 0; k < size; k++)
				o->data[k] = (uint8_t)(val >> (8 * (size - 1 - k)));
			o->len = (uint8_t)size;
		}
	}
}

static void check_pools(struct ctx *x, const config_t *cf)
{
	struct conf *c = x->c;
	size_t i, j;
	char a[IPV4_STRLEN], b[IPV4_STRLEN], n[IPV4_STRLEN];

	for (i = 0; i < c->dhcp.npools; i++) {
		struct conf_pool *p = &c->dhcp.pools[i];
		uint32_t mask = ipv4_prefix_mask(p->subnet.len);
		uint32_t bcast = p->subnet.addr | ~mask;
		int has_range = p->range[0] || p->range[1];

		if (p->lease_time == -1)
			p->lease_time = c->dhcp.lease_time;
		if (p->unknown_clients == UNKNOWN_INHERIT)
			p->unknown_clients = c->dhcp.unknown_clients;
		if (p->new_lease_burst == -1)
			p->new_lease_burst = c->dhcp.new_lease_burst;
		if (p->new_lease_rate == -1)
			p->new_lease_rate = c->dhcp.new_lease_rate;
		for (j = 0; j < p->nroutes; j++)
			if (!ipv4_prefix_contains(&p->subnet, p->routes[j].via))
				conf_err_src(x, &p->routes[j].src,
				             "dhcp.pools.routes: gateway %s is not on subnet %s/%u",
				             ipv4_format(p->routes[j].via, a),
				             ipv4_format(p->subnet.addr, b), p->subnet.len);
		check_options(x, p->options, p->noptions, "dhcp.pools.options");
		if (p->subnet.len > 30 || p->subnet.len < 8)
			conf_err_at(
			        x, member(cf, "dhcp.pools", i, "subnet"),
			        "'dhcp.pools.subnet' /%u: a pool's prefix must be from /8 to /30",
			        p->subnet.len);
		if (has_range && (!ipv4_prefix_contains(&p->subnet, p->range[0]) ||
		                  !ipv4_prefix_contains(&p->subnet, p->range[1])))
			conf_err_at(x, member(cf, "dhcp.pools", i, "range"),
			            "'dhcp.pools.range' %s - %s is not inside subnet %s/%u",
			            ipv4_format(p->range[0], a), ipv4_format(p->range[1], b),
			            ipv4_format(p->subnet.addr, n), p->subnet.len);
		else if (has_range && (p->range[0] == p->subnet.addr || p->range[1] == bcast))
			conf_err_at(x, member(cf, "dhcp.pools", i, "range"),
			            "'dhcp.pools.range' includes the subnet's network or broadcast "
			            "address");
		if (has_range && c->dhcp.mode == DHCP_MODE_PROXY)
			conf_warn_at(
			        x, member(cf, "dhcp.pools", i, "range"),
			        "'dhcp.pools.range' is ignored in proxy mode, where the other DHCP "
			        "server hands out addresses");
		if (p->router && (!ipv4_prefix_contains(&p->subnet, p->router) ||
		                  p->router == p->subnet.addr || p->router == bcast))
			conf_err_at(x, member(cf, "dhcp.pools", i, "router"),
			            "'dhcp.pools.router' %s is not a host address of subnet %s/%u",
			            ipv4_format(p->router, a), ipv4_format(p->subnet.addr, b),
			            p->subnet.len);
		else if (p->router && has_range && p->router >= p->range[0] &&
		         p->router <= p->range[1])
			conf_err_at(
			        x, member(cf, "dhcp.pools", i, "router"),
			        "'dhcp.pools.router' %s lies inside the pool's range and would be "
			        "handed to a client",
			        ipv4_format(p->router, a));
		for (j = 0; j < i; j++) {
			const struct conf_pool *q = &c->dhcp.pools[j];

			if (ipv4_prefix_overlap(&p->subnet, &q->subnet))
				conf_err_at(
				        x, member(cf, "dhcp.pools", i, "subnet"),
				        "subnet %s/%u overlaps subnet %s/%u of the pool at %s:%d",
				        ipv4_format(p->subnet.addr, a), p->subnet.len,
				        ipv4_format(q->subnet.addr, b), q->subnet.len, q->src.file,
				        q->src.line);
		}
	}
}

/* A node's external target: a portal that parses, a plausible iSCSI
 * name (RFC 7143 4.2.7), CHAP both or neither. */
static void check_external(struct ctx *x, const config_t *cf, size_t i, struct conf_node *n)
{
	struct conf_external *e = &n->external;
	char host[IPV4_STRLEN + 1];
	const char *colon = strchr(e->portal, ':');
	size_t hl = colon ? (size_t)(colon - e->portal) : strlen(e->portal);
	char *end;
	long port = 3260;

	if (colon) {
		port = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || port < 1 || port > 65535)
			port = -1;
	}
	if (hl >= sizeof(host) || port < 0) {
		host[0] = 0;
	} else {
		memcpy(host, e->portal, hl);
		host[hl] = 0;
	}
	if (!host[0] || ipv4_parse(host, &e->ip) < 0)
		conf_err_at(
		        x, member(cf, "nodes", i, "external"),
		        "node %s: external.portal is \"%s\"; it must be an IPv4 address with an "
		        "optional :port",
		        n->hostname, e->portal);
	e->port = (int)port;
	if ((strncmp(e->target, "iqn.", 4) != 0 && strncmp(e->target, "eui.", 4) != 0 &&
	     strncmp(e->target, "naa.", 4) != 0) ||
	    strlen(e->target) > 223)
		conf_err_at(
		        x, member(cf, "nodes", i, "external"),
		        "node %s: external.target \"%s\" is not an iSCSI name (iqn., eui. or naa., "
		        "at most 223 bytes)",
		        n->hostname, e->target);
	if (!e->chap_user != !e->chap_secret)
		conf_err_at(x, member(cf, "nodes", i, "external"),
		            "node %s: external.chap_user and external.chap_secret go together",
		            n->hostname);
	if (e->chap_secret &&
	    (strlen(e->chap_secret) < 12 || strlen(e->chap_secret) > CHAP_SECRET_MAX))
		conf_err_at(x, member(cf, "nodes", i, "external"),
		            "node %s: external.chap_secret must be 12 to %d characters",
		            n->hostname, CHAP_SECRET_MAX);
}

static void check_nodes(struct ctx *x, const config_t *cf)
{
	/* storage.dir defaults to <state_dir>/volumes */
	if (!x->c->storage.dir && x->c->server.state_dir &&
	    asprintf(&x->c->storage.dir, "%s/volumes", x->c->server.state_dir) < 0)
		x->c->storage.dir = NULL;
	struct conf *c = x->c;
	size_t i, j;
	char a[IPV4_STRLEN], m[MAC_STRLEN];

	for (i = 0; i < c->nnodes; i++) {
		struct conf_node *n = &c->nodes[i];

		if (!n->hostname)
			continue; /* already reported as missing */
		if (!n->template) {
			n->template = strdup(c->ipxe.default_template);
			if (!n->template)
				return;
		}
		if ((!n->kernel && c->ipxe.kernel && !(n->kernel = strdup(c->ipxe.kernel))) ||
		    (!n->initrd && c->ipxe.initrd && !(n->initrd = strdup(c->ipxe.initrd))) ||
		    (!n->cmdline && c->ipxe.cmdline && !(n->cmdline = strdup(c->ipxe.cmdline))))
			return;
		if (!n->volume) {
			if (!conf_name_valid(n->hostname)) {
				conf_err_at(x, member(cf, "nodes", i, "hostname"),
				            "host name \"%s\" cannot name a volume; set 'volume'",
				            n->hostname);
				continue;
			}
			n->volume = strdup(n->hostname);
			if (!n->volume)
				return;
		}
		if (!n->chap_user && !(n->chap_user = strdup(n->hostname)))
			return;
		if (n->ip) {
			int in_pool = 0;

			for (j = 0; j < c->dhcp.npools; j++) {
				const struct conf_pool *p = &c->dhcp.pools[j];

				if (!ipv4_prefix_contains(&p->subnet, n->ip))
					continue;
				in_pool = 1;
				if (n->ip == p->subnet.addr ||
				    n->ip == (p->subnet.addr | ~ipv4_prefix_mask(p->subnet.len)) ||
				    n->ip == p->router)
					conf_err_at(
					        x, member(cf, "nodes", i, "ip"),
					        "node %s: %s is the network, broadcast or router "
					        "address of its subnet",
					        n->hostname, ipv4_format(n->ip, a));
			}
			if (!in_pool && c->dhcp.enable && c->dhcp.mode == DHCP_MODE_FULL)
				conf_err_at(x, member(cf, "nodes", i, "ip"),
				            "node %s: %s is in no pool's subnet, so DHCP cannot "
				            "give it",
				            n->hostname, ipv4_format(n->ip, a));
		}
		check_options(x, n->options, n->noptions, "nodes.options");
		for (j = 0; j < n->nvars; j++)
			if (!conf_name_valid(n->vars[j].key) || strchr(n->vars[j].key, '-') ||
			    strchr(n->vars[j].key, '.'))
				conf_err_at(
				        x, member(cf, "nodes", i, "vars"),
				        "node %s: variable name '%s' must be letters, digits and "
				        "'_'",
				        n->hostname, n->vars[j].key);
		for (j = 0; j < i; j++) {
			const struct conf_node *o = &c->nodes[j];

			if (!o->hostname)
				continue;
			if (memcmp(n->mac, o->mac, MAC_LEN) == 0)
				conf_err_at(x, member(cf, "nodes", i, "mac"),
				            "duplicate node: MAC %s is already node %s at %s:%d",
				            mac_format(n->mac, ':', m), o->hostname, o->src.file,
				            o->src.line);
			if (strcasecmp(n->hostname, o->hostname) == 0)
				conf_err_at(x, member(cf, "nodes", i, "hostname"),
				            "duplicate node: host name %s is already used at %s:%d",
				            n->hostname, o->src.file, o->src.line);
			if (n->ip && n->ip == o->ip)
				conf_err_at(
				        x, member(cf, "nodes", i, "ip"),
				        "duplicate node: address %s is already node %s's at %s:%d",
				        ipv4_format(n->ip, a), o->hostname, o->src.file,
				        o->src.line);
			if (o->volume && strcmp(n->volume, o->volume) == 0)
				conf_err_at(
				        x, member(cf, "nodes", i, "volume"),
				        "duplicate node: volume %s is already node %s's at %s:%d",
				        n->volume, o->hostname, o->src.file, o->src.line);
		}
		/* RFC 7143 12.1.3: CHAP secrets of 12 bytes at least; 64 is
		 * what the buffers hold */
		if (n->chap_secret &&
		    (strlen(n->chap_secret) < 12 || strlen(n->chap_secret) > CHAP_SECRET_MAX))
			conf_err_at(x, member(cf, "nodes", i, "chap_secret"),
			            "node %s: chap_secret must be 12 to %d characters", n->hostname,
			            CHAP_SECRET_MAX);
		if (n->chap_user && (!n->chap_user[0] || strlen(n->chap_user) > 255))
			conf_err_at(x, member(cf, "nodes", i, "chap_user"),
			            "node %s: chap_user must be 1 to 255 characters", n->hostname);
		if (n->external.target)
			check_external(x, cf, i, n);
		/* RFC 3720 3.2.6.1: an iSCSI name is at most 223 bytes. */
		if (strlen(c->iscsi.iqn_prefix) + 1 + strlen(n->hostname) > 223)
			conf_err_at(x, member(cf, "nodes", i, "hostname"),
			            "node %s: its target name would exceed 223 bytes", n->hostname);
	}
}

/* storage.golden means a file for one backend and an RBD snapshot for the
 * other; storage.pool must be a name Ceph and imgspec.c both take. */
static void check_storage(struct ctx *x, const config_t *cf)
{
	struct conf *c = x->c;
	struct imgspec g;

	if (c->storage.backend == STORE_RBD) {
		if (!imgspec_name_valid(c->storage.pool))
			conf_err_at(
			        x, config_lookup(cf, "storage.pool"),
			        "'storage.pool' is \"%s\"; a pool name is 1 to %d letters, digits, "
			        "'.', '_', '-' or '+'",
			        c->storage.pool, IMGSPEC_NAME_MAX);
		else if (c->storage.golden &&
		         (imgspec_parse(c->storage.golden, c->storage.pool, &g) < 0 || !g.snap[0]))
			conf_err_at(
			        x, config_lookup(cf, "storage.golden"),
			        "'storage.golden' is \"%s\"; for the rbd backend it must name a "
			        "snapshot, \"pool/image@snap\" or \"image@snap\"",
			        c->storage.golden);
	} else if (c->storage.golden && c->storage.golden[0] != '/') {
		conf_err_at(
		        x, config_lookup(cf, "storage.golden"),
		        "'storage.golden' is \"%s\"; for the file backend it must be an absolute "
		        "path",
		        c->storage.golden);
	}
}

int conf_url_valid(const char *u)
{
	size_t n = strlen(u), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= ' ' || (unsigned char)u[i] >= 0x7f)
			return 0;
	if (n > 127 || !(strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0 ||
	                 strncmp(u, "tftp://", 7) == 0))
		return 0;
	return u[strcspn(u, ":") + 3] != '\0'; /* something after "://" */
}

/* dhcp.ipxe_url goes into the 128-byte file field as written, and iPXE
 * fetches it by its scheme. */
static void check_ipxe_url(struct ctx *x, const config_t *cf)
{
	const char *u = x->c->dhcp.ipxe_url;

	if (u && !conf_url_valid(u))
		conf_err_at(
		        x, config_lookup(cf, "dhcp.ipxe_url"),
		        "'dhcp.ipxe_url' is \"%s\"; it must be an http://, https:// or tftp:// URL "
		        "of at most 127 printable bytes without spaces",
		        u);
}

static void check_ports(struct ctx *x, const config_t *cf)
{
	struct conf *c = x->c;

	if ((c->tftp.port_min == 0) != (c->tftp.port_max == 0) ||
	    c->tftp.port_min > c->tftp.port_max ||
	    (c->tftp.port_min && c->tftp.port_max - c->tftp.port_min + 1 < 16))
		conf_err_at(x,
		            config_lookup(cf, "tftp.port_max") ? config_lookup(cf, "tftp.port_max")
		                                               : config_lookup(cf, "tftp.port_min"),
		            "tftp.port_min and tftp.port_max: both 0 (any port), or a range of at "
		            "least 16 ports, first <= last");

	if (c->http.enable && c->iscsi.enable && c->http.port == c->iscsi.port)
		conf_err_at(x,
		            config_lookup(cf, "iscsi.port") ? config_lookup(cf, "iscsi.port")
		                                            : config_lookup(cf, "http.port"),
		            "http.port and iscsi.port are both %d", c->http.port);
}

/* A per-address limit of group @g must leave room for everyone else: one
 * address that may hold every slot is no limit at all. */
static void check_per_address(struct ctx *x, const config_t *cf, const char *g, int per, int max)
{
	char key[64], other[64];
	const config_setting_t *s;

	if (per < max)
		return;
	snprintf(key, sizeof(key), "%s.max_per_address", g);
	snprintf(other, sizeof(other), "%s.max_connections", g);
	s = config_lookup(cf, key);
	conf_err_at(x, s ? s : config_lookup(cf, other),
	            "%s (%d) must be less than %s (%d), or one address can take every connection",
	            key, per, other, max);
}

static void check_limits(struct ctx *x, const config_t *cf)
{
	struct conf *c = x->c;
	const config_setting_t *s;

	check_per_address(x, cf, "http", c->http.max_per_address, c->http.max_connections);
	check_per_address(x, cf, "iscsi", c->iscsi.max_per_address, c->iscsi.max_connections);
	if (c->iscsi.max_logins_per_address > c->iscsi.max_per_address) {
		s = config_lookup(cf, "iscsi.max_logins_per_address");
		conf_err_at(
		        x, s ? s : config_lookup(cf, "iscsi.max_per_address"),
		        "iscsi.max_logins_per_address (%d) is more than iscsi.max_per_address (%d)",
		        c->iscsi.max_logins_per_address, c->iscsi.max_per_address);
	}
}

void conf_rules_check(struct ctx *x, const config_t *cf)
{
	check_pools(x, cf);
	check_nodes(x, cf);
	check_ports(x, cf);
	check_limits(x, cf);
	check_storage(x, cf);
	check_ipxe_url(x, cf);
}
