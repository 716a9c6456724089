// SPDX-License-Identifier: MIT
/*
 * import_emit.c - the second half of `rackboot import dnsmasq`: replays
 * dnsmasq's tag logic over the model (import_dnsmasq_int.h) for each kind
 * of booting client, and writes rackboot.conf text: server, dhcp with its
 * pools and boot files, tftp, nodes, and the leases to carry over.  What
 * the replay cannot express becomes a warning naming the dnsmasq line.
 * Pure: it writes into the caller's buffer and the model only.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/import_dnsmasq.h"
#include "core/conf.h"
#include "dhcp/dhcp_managed.h"
#include "import_dnsmasq_int.h"

/* The architectures rackboot names a binary for (dhcp.boot), in RFC 4578
 * numbers, and the second number that shares the binary. */
static const struct {
	const char *key;
	int arch, also;
} slots[] = {
        {"bios", 0, -1},       {"efi_ia32", 6, -1},   {"efi_x64", 7, 9},
        {"efi_arm32", 10, -1}, {"efi_arm64", 11, -1},
};
#define NSLOTS (sizeof(slots) / sizeof(slots[0]))
/* ---- tag logic ---------------------------------------------------------- */

/* A request as the replay sees it. */
struct client {
	int arch;  /* option 93 */
	int ipxe;  /* sends 77 "iPXE" and 175 */
	int known; /* a dhcp-host matches */
	const char *range_tag;
	const char *host_tag;
};

struct tagset {
	char v[64][TAG_LEN];
	int n;
};

static int has_tag(const struct tagset *t, const char *name)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], name) == 0)
			return 1;
	return 0;
}

static void set_tag(struct tagset *t, const char *name)
{
	if (*name && !has_tag(t, name) && t->n < 64)
		imd_copy(t->v[t->n++], TAG_LEN, name);
}

static void unset_tag(struct tagset *t, const char *name)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], name) == 0) {
			memmove(t->v[i], t->v[t->n - 1], TAG_LEN);
			t->n--;
			return;
		}
}

/* dnsmasq's match_netid(): every plain tag present, no '!' tag present. */
static int tags_match(const struct tags *want, const struct tagset *have)
{
	int i;

	for (i = 0; i < want->n; i++) {
		if (want->v[i][0] == '!') {
			if (has_tag(have, want->v[i] + 1))
				return 0;
		} else if (!has_tag(have, want->v[i]))
			return 0;
	}
	return 1;
}

static void client_tags(const struct import_dnsmasq *m, const struct client *c, struct tagset *t)
{
	size_t i;
	int k;

	t->n = 0;
	for (i = 0; i < m->matches.n; i++) {
		const struct match *x = &m->matches.v[i];

		if ((x->kind == M_ARCH && x->arch == c->arch) || (x->kind == M_IPXE && c->ipxe) ||
		    x->kind == M_PXE)
			set_tag(t, x->set);
	}
	if (c->known)
		set_tag(t, "known");
	if (c->range_tag)
		set_tag(t, c->range_tag);
	if (c->host_tag)
		set_tag(t, c->host_tag);
	for (k = 0; k < m->nifaces; k++)
		set_tag(t, m->ifaces[k]);
	/* tag-if, in order (dnsmasq run_tag_if) */
	for (i = 0; i < m->tagifs.n; i++) {
		const struct tagif *x = &m->tagifs.v[i];

		if (tags_match(&x->match, t))
			for (k = 0; k < x->set.n; k++) {
				if (x->set.v[k][0] == '!')
					unset_tag(t, x->set.v[k] + 1);
				else
					set_tag(t, x->set.v[k]);
			}
	}
}

/* What dnsmasq hands this client as its boot file: a pxe-service of its
 * architecture when one matches (the first, as a menu with one entry
 * boots at once), else dhcp-boot: tagged lines before untagged ones, the
 * last matching line of each kind winning (dnsmasq prepends each
 * dhcp-boot to its list; find_boot() takes the first match).  @ret the
 * source line, or NULL for no boot file; the name in @file. */
static const struct src *choose_boot(const struct import_dnsmasq *m, const struct client *c,
                                     char *file, size_t cap, int *npxe)
{
	struct tagset t;
	size_t i;
	int pass;

	client_tags(m, c, &t);
	*npxe = 0;
	file[0] = 0;
	for (i = 0; i < m->pxes.n; i++) {
		const struct pxe *p = &m->pxes.v[i];

		if (p->csa != c->arch || !tags_match(&p->match, &t))
			continue;
		if ((*npxe)++ == 0) {
			int w = p->base[0] ? snprintf(file, cap, "%s%s", p->base,
			                              strchr(p->base, '.') ? "" : ".0")
			                   : 0;

			if (w < 0 || (size_t)w >= cap)
				file[0] = 0;
		}
	}
	if (*npxe)
		for (i = 0; i < m->pxes.n; i++)
			if (m->pxes.v[i].csa == c->arch && tags_match(&m->pxes.v[i].match, &t))
				return &m->pxes.v[i].src;
	for (pass = 0; pass < 2; pass++)
		for (i = m->boots.n; i-- > 0;) {
			const struct boot *b = &m->boots.v[i];

			if ((pass == 0) != (b->match.n > 0) || !tags_match(&b->match, &t))
				continue;
			imd_copy(file, cap, b->file);
			return &b->src;
		}
	return NULL;
}

static const struct boot *boot_at(const struct import_dnsmasq *m, const struct src *s)
{
	size_t i;

	for (i = 0; s && i < m->boots.n; i++)
		if (&m->boots.v[i].src == s)
			return &m->boots.v[i];
	return NULL;
}

static const struct pxe *pxe_at(const struct import_dnsmasq *m, const struct src *s)
{
	size_t i;

	for (i = 0; s && i < m->pxes.n; i++)
		if (&m->pxes.v[i].src == s)
			return &m->pxes.v[i];
	return NULL;
}

/* ---- emitting ----------------------------------------------------------- */

static void str(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\x%02x", (unsigned char)*s);
		else
			buf_add(b, s, 1);
	}
	buf_puts(b, "\"");
}

static void ip(struct buf *b, uint32_t a)
{
	char t[IPV4_STRLEN];

	buf_printf(b, "\"%s\"", ipv4_format(a, t));
}

static const char *src_str(const struct src *s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s:%d", s->file, s->line);
	return buf;
}

/* The subnet of a range: its netmask, else the interface holding it (as
 * dnsmasq finds it), else dnsmasq's guess by address class for relays. */
static int range_subnet(struct import_dnsmasq *m, const struct range *r, struct pool *p)
{
	size_t i;
	unsigned len;

	p->local = 0;
	if (r->mask) {
		if (!imd_mask_len(r->mask, &len)) {
			imd_warn(m, &r->src,
			         "dhcp-range: the netmask is not contiguous; the range is "
			         "not imported");
			return -1;
		}
		p->net.addr = r->start & r->mask;
		p->net.len = len;
	}
	for (i = 0; i < m->locals.n; i++) {
		const struct local *l = &m->locals.v[i];
		struct ipv4_prefix net = {l->addr & ipv4_prefix_mask(l->len), l->len};

		if (!ipv4_prefix_contains(&net, r->start))
			continue;
		if (!r->mask)
			p->net = net;
		if (ipv4_prefix_contains(&p->net, l->addr))
			p->local = l->addr;
		break;
	}
	if (!r->mask && i == m->locals.n) {
		uint32_t a = r->start;

		len = a < 0x80000000u ? 8 : a < 0xc0000000u ? 16 : 24;
		p->net.len = len;
		p->net.addr = a & ipv4_prefix_mask(len);
		imd_warn(m, &r->src,
		         "dhcp-range: no netmask and no interface of this host in that "
		         "subnet; assuming /%u as dnsmasq does for a relayed subnet",
		         len);
	}
	if (p->net.len < 8 || p->net.len > 30) {
		imd_warn(m, &r->src,
		         "dhcp-range: rackboot pools are /8 to /30, not /%u; not imported",
		         p->net.len);
		return -1;
	}
	return 0;
}

static void make_pools(struct import_dnsmasq *m, int proxy)
{
	size_t i, j;

	for (i = 0; i < m->ranges.n; i++) {
		const struct range *r = &m->ranges.v[i];
		struct pool p = {.src = r->src, .lease = r->lease, .proxy = r->proxy};
		uint32_t mask, bcast;
		char a[64];

		if (r->proxy != proxy) {
			imd_warn(m, &r->src,
			         "dhcp-range: %s range beside %s ones; rackboot runs in one "
			         "mode (dhcp.mode), so it is not imported",
			         r->proxy ? "a proxy" : "an address", proxy ? "proxy" : "address");
			continue;
		}
		if (range_subnet(m, r, &p) < 0)
			continue;
		imd_copy(p.set, sizeof(p.set), r->set);
		mask = ipv4_prefix_mask(p.net.len);
		bcast = p.net.addr | ~mask;
		if (!r->proxy && !r->stat) {
			p.start = r->start;
			p.end = r->end;
			if (!ipv4_prefix_contains(&p.net, p.end)) {
				imd_warn(m, &r->src,
				         "dhcp-range: the end lies outside the subnet; "
				         "not imported");
				continue;
			}
			if (p.start == p.net.addr)
				p.start++;
			if (p.end == bcast)
				p.end--;
			if (p.start > p.end) {
				imd_warn(m, &r->src, "dhcp-range: no usable address; not imported");
				continue;
			}
		}
		for (j = 0; j < m->pools.n; j++)
			if (ipv4_prefix_overlap(&m->pools.v[j].net, &p.net))
				break;
		if (j < m->pools.n) {
			struct pool *q = &m->pools.v[j];

			if (q->net.addr != p.net.addr || q->net.len != p.net.len) {
				imd_warn(m, &r->src,
				         "dhcp-range: its subnet overlaps the one of %s; not "
				         "imported",
				         src_str(&q->src, a, sizeof(a)));
				continue;
			}
			if (p.start && q->start &&
			    (p.start == q->end + 1 || q->start == p.end + 1)) {
				q->start = p.start < q->start ? p.start : q->start;
				q->end = p.end > q->end ? p.end : q->end;
			} else if (p.start && q->start)
				imd_warn(m, &r->src,
				         "dhcp-range: a second range in the subnet of %s; "
				         "rackboot has one range per pool, so it is not imported",
				         src_str(&q->src, a, sizeof(a)));
			else if (p.start) {
				q->start = p.start;
				q->end = p.end;
			}
			continue;
		}
		{
			struct pool *q = PUSH(m, pools);

			if (q)
				*q = p;
		}
	}
}

static const struct pool *pool_of(const struct import_dnsmasq *m, uint32_t a)
{
	size_t i;

	for (i = 0; i < m->pools.n; i++)
		if (ipv4_prefix_contains(&m->pools.v[i].net, a))
			return &m->pools.v[i];
	return NULL;
}

/* Which pool or node does a tagged option belong to?  @ret 0 pool(s) (all
 * when *pool is NULL), 1 a host (in *host), -1 cannot express. */
static int opt_scope(const struct import_dnsmasq *m, const struct opt *o, const struct pool **pool,
                     const struct host **host)
{
	size_t i;

	*pool = NULL;
	*host = NULL;
	if (o->match.n == 0)
		return 0;
	if (o->match.n > 1 || o->match.v[0][0] == '!')
		return -1;
	for (i = 0; i < m->pools.n; i++)
		if (m->pools.v[i].set[0] && strcmp(m->pools.v[i].set, o->match.v[0]) == 0) {
			*pool = &m->pools.v[i];
			return 0;
		}
	for (i = 0; i < (size_t)m->nifaces; i++)
		if (strcmp(m->ifaces[i], o->match.v[0]) == 0)
			return 0; /* the interface tag: every pool of a one-interface setup */
	for (i = 0; i < m->hosts.n; i++)
		if (m->hosts.v[i].set[0] && strcmp(m->hosts.v[i].set, o->match.v[0]) == 0) {
			if (*host) /* a tag shared by several hosts */
				return -1;
			*host = &m->hosts.v[i];
		}
	return *host ? 1 : -1;
}

/* Encode an option value into rackboot's form ("text = ...;" and so on).
 * @ret 0, or -1 with a warning. */
static int emit_value(struct import_dnsmasq *m, struct buf *b, const struct opt *o)
{
	char v[sizeof(o->value)], *f[NFIELDS];
	enum vtype t = imd_opt_type(o->code);
	int n, i, all_ip = 1, all_hex = 1;
	long num = 0;

	imd_copy(v, sizeof(v), o->value);
	n = imd_split(v, f, NFIELDS);
	for (i = 0; i < n; i++) {
		const char *c;

		all_ip &= imd_is_ipv4(f[i], NULL);
		for (c = f[i]; *c; c++)
			if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '-')
				all_hex = 0;
	}
	all_hex &= n == 1 && strchr(f[0], ':') != NULL;
	if (all_hex && t == V_GUESS)
		t = V_U8; /* "01:02:0a": bytes as written, below */
	else if (t == V_GUESS)
		t = all_ip                                            ? V_ADDR
		    : n == 1 && imd_parse_int(f[0], &num) && num >= 0 ? (num > 0xffff ? V_U32
		                                                         : num > 0xff ? V_U16
		                                                                      : V_U8)
		                                                      : V_TEXT;
	if (all_hex && t != V_ADDR && t != V_TEXT) {
		/* "01:02:0a": bytes as written, one or two digits each */
		char hex[2 * 255 + 1];
		size_t h = 0, digits = 0;
		const char *c;

		for (c = f[0];; c++) {
			if (*c == ':' || *c == '-' || *c == 0) {
				if (digits == 0 || h + 2 > 2 * 255)
					break;
				if (digits == 1) {
					hex[h] = hex[h - 1];
					hex[h - 1] = '0';
					h++;
				}
				digits = 0;
				if (*c == 0)
					break;
				continue;
			}
			if (++digits > 2)
				break;
			hex[h++] = *c;
		}
		if (*c != 0 || digits != 0) {
			imd_warn(m, &o->src,
			         "dhcp-option %d: cannot read '%s' as bytes; not imported", o->code,
			         f[0]);
			return -1;
		}
		hex[h] = 0;
		buf_printf(b, "hex = \"%s\";", hex);
		return 0;
	}
	switch (t) {
	case V_ADDR:
		if (!all_ip || n > 63) {
			imd_warn(m, &o->src,
			         "dhcp-option %d: expected IPv4 addresses; not imported", o->code);
			return -1;
		}
		buf_puts(b, "addresses = [");
		for (i = 0; i < n; i++) {
			uint32_t a = 0;

			imd_is_ipv4(f[i], &a);
			buf_puts(b, i ? ", " : "");
			ip(b, a);
		}
		buf_puts(b, "];");
		return 0;
	case V_U8:
	case V_U16:
	case V_U32:
		if (n != 1 || !imd_parse_int(f[0], &num) || num < 0 ||
		    num > (t == V_U8    ? 255
		           : t == V_U16 ? 65535
		                        : 2147483647L)) {
			imd_warn(m, &o->src, "dhcp-option %d: expected a number; not imported",
			         o->code);
			return -1;
		}
		buf_printf(b, "%s = %ld;", t == V_U8 ? "u8" : t == V_U16 ? "u16" : "u32", num);
		return 0;
	default:
		if (strlen(o->value) > 255) {
			imd_warn(m, &o->src, "dhcp-option %d: longer than 255 bytes; not imported",
			         o->code);
			return -1;
		}
		buf_puts(b, "text = ");
		str(b, o->value);
		buf_puts(b, ";");
		return 0;
	}
}

static void emit_options(struct import_dnsmasq *m, struct buf *b, const struct pool *pool,
                         const struct host *host, const char *indent)
{
	size_t i;
	int any = 0, seen[256] = {0};

	for (i = m->opts.n; i-- > 0;) {
		struct opt *o = &m->opts.v[i];
		const struct pool *op;
		const struct host *oh;
		int scope = opt_scope(m, o, &op, &oh);
		size_t mark;

		if (dhcp_managed_option(o->code) || scope < 0 || !o->nvalues)
			continue;
		if (host ? (scope != 1 || oh != host) : (scope != 0 || (op && op != pool)))
			continue;
		if (seen[o->code]) /* the last line for a code wins, as in dnsmasq */
			continue;
		seen[o->code] = 1;
		mark = b->len;
		buf_printf(b, "%s%s{ code = %d; ", any ? ",\n" : "", indent, o->code);
		if (emit_value(m, b, o) < 0) {
			b->len = mark;
			b->p[mark] = 0;
			continue;
		}
		o->used = 1;
		buf_puts(b, " }");
		any = 1;
	}
	if (any)
		buf_puts(b, "\n");
}

/* The option value for a code that maps to a pool setting, from the last
 * untagged line or one tagged for this pool.  @ret the line or NULL. */
static struct opt *pool_opt(struct import_dnsmasq *m, const struct pool *p, int code)
{
	size_t i;

	for (i = m->opts.n; i-- > 0;) {
		struct opt *o = &m->opts.v[i];
		const struct pool *op;
		const struct host *oh;

		if (o->code == code && opt_scope(m, o, &op, &oh) == 0 && (!op || op == p)) {
			o->used = 1;
			return o;
		}
	}
	return NULL;
}

static int first_ip(const struct opt *o, uint32_t *a)
{
	char v[sizeof(o->value)], *f[NFIELDS];
	int n;

	imd_copy(v, sizeof(v), o->value);
	n = imd_split(v, f, NFIELDS);
	return n >= 1 && imd_is_ipv4(f[0], a);
}

static void emit_addrs(struct import_dnsmasq *m, struct buf *b, const struct opt *o,
                       const char *key)
{
	char v[sizeof(o->value)], *f[NFIELDS];
	int n, i, k = 0;

	imd_copy(v, sizeof(v), o->value);
	n = imd_split(v, f, NFIELDS);
	buf_printf(b, "\t\t\t%s = [", key);
	for (i = 0; i < n; i++) {
		uint32_t a;

		if (strcmp(f[i], "0.0.0.0") == 0 && o->code == 6) {
			imd_warn(m, &o->src,
			         "dhcp-option 6: 0.0.0.0 (dnsmasq's own address) is not "
			         "imported; rackboot has no DNS server");
			continue;
		}
		if (!imd_is_ipv4(f[i], &a)) {
			imd_warn(m, &o->src, "dhcp-option %d: '%s' is not an address; not imported",
			         o->code, f[i]);
			continue;
		}
		buf_puts(b, k++ ? ", " : "");
		ip(b, a);
	}
	buf_puts(b, "];\n");
}

static void emit_pool(struct import_dnsmasq *m, struct buf *b, struct pool *p, int proxy)
{
	char a[IPV4_STRLEN], where[64];
	struct opt *o;
	uint32_t router = 0;

	buf_printf(b, "\t\t{\n\t\t\t# %s\n\t\t\tsubnet = \"%s/%u\";\n",
	           src_str(&p->src, where, sizeof(where)), ipv4_format(p->net.addr, a), p->net.len);
	if (proxy) {
		buf_puts(b, "\t\t},\n");
		return;
	}
	if (p->start) {
		buf_puts(b, "\t\t\trange = [");
		ip(b, p->start);
		buf_puts(b, ", ");
		ip(b, p->end);
		buf_puts(b, "];\n");
	}
	o = pool_opt(m, p, 3);
	if (o && o->nvalues) {
		if (!first_ip(o, &router) || strcmp(o->value, "0.0.0.0") == 0)
			router = p->local; /* 0.0.0.0: dnsmasq's own address */
		if (strchr(o->value, ','))
			imd_warn(m, &o->src, "dhcp-option 3: only the first router is imported");
	} else if (!o) {
		/* dnsmasq announces itself as the router unless told otherwise */
		router = p->local;
		if (!router)
			imd_warn(m, &p->src,
			         "dnsmasq announced the relay's address (giaddr) as the "
			         "router of this subnet; rackboot needs it written: add "
			         "dhcp-option=3,ADDRESS or set the pool's router");
	}
	if (router &&
	    (!ipv4_prefix_contains(&p->net, router) ||
	     (p->start && router >= p->start && router <= p->end) || router == p->net.addr ||
	     router == (p->net.addr | ~ipv4_prefix_mask(p->net.len)))) {
		imd_warn(m, o ? &o->src : &p->src,
		         "router %s is not a host address of %s/%u outside the range; not imported",
		         ipv4_format(router, a), ipv4_format(p->net.addr, where), p->net.len);
		router = 0;
	}
	if (router)
		buf_printf(b, "\t\t\trouter = \"%s\";\n", ipv4_format(router, a));
	p->router = router;
	o = pool_opt(m, p, 6);
	if (o && o->nvalues)
		emit_addrs(m, b, o, "dns");
	else if (!o && m->dns_port_on && p->local) {
		buf_printf(b, "\t\t\tdns = [\"%s\"];\n", ipv4_format(p->local, a));
		imd_warn(m, m->dns_src.file ? &m->dns_src : &p->src,
		         "dnsmasq's DNS server was on, and announced as this subnet's name server "
		         "(%s); rackboot has none, so keep a DNS server at that address",
		         ipv4_format(p->local, a));
	}
	o = pool_opt(m, p, 42);
	if (o && o->nvalues)
		emit_addrs(m, b, o, "ntp");
	o = pool_opt(m, p, 15);
	if (o && o->nvalues) {
		if (hostname_valid(o->value))
			buf_printf(b, "\t\t\tdomain = \"%s\";\n", o->value);
		else
			imd_warn(m, &o->src,
			         "dhcp-option 15: '%s' is not a domain name; not imported",
			         o->value);
	} else if (m->domain[0] && hostname_valid(m->domain))
		buf_printf(b, "\t\t\tdomain = \"%s\";\n", m->domain);
	o = pool_opt(m, p, 26);
	if (o && o->nvalues) {
		long mtu;

		if (imd_parse_int(o->value, &mtu) && mtu >= 576 && mtu <= 65535)
			buf_printf(b, "\t\t\tmtu = %ld;\n", mtu);
		else
			imd_warn(m, &o->src, "dhcp-option 26: MTU '%s' is not imported", o->value);
	}
	o = pool_opt(m, p, 1);
	if (o && o->nvalues) {
		uint32_t mk;

		if (!first_ip(o, &mk) || mk != ipv4_prefix_mask(p->net.len))
			imd_warn(m, &o->src,
			         "dhcp-option 1: the netmask %s differs from the subnet's "
			         "/%u; rackboot sends the subnet's",
			         o->value, p->net.len);
	}
	if (p->lease == 0) {
		buf_puts(b, "\t\t\tlease_time = 31536000;\n");
		imd_warn(m, &p->src,
		         "dhcp-range: infinite leases are one year (rackboot's longest) "
		         "in rackboot");
	} else if (p->lease > 0) {
		long l = p->lease < 120 ? 120 : p->lease; /* dnsmasq's minimum */

		if (l > 31536000) {
			imd_warn(m, &p->src, "dhcp-range: lease time %ld s is cut to one year", l);
			l = 31536000;
		}
		buf_printf(b, "\t\t\tlease_time = %ld;\n", l);
	}
	{
		size_t mark = b->len;

		buf_puts(b, "\t\t\toptions = (\n");
		{
			size_t before = b->len;

			emit_options(m, b, p, NULL, "\t\t\t\t");
			if (b->len == before) {
				b->len = mark;
				if (b->p)
					b->p[mark] = 0;
			} else
				buf_puts(b, "\t\t\t);\n");
		}
	}
	buf_puts(b, "\t\t},\n");
}

static void strip_last_comma(struct buf *b)
{
	if (b->len >= 2 && b->p[b->len - 2] == ',' && b->p[b->len - 1] == '\n') {
		b->p[b->len - 2] = '\n';
		b->len--;
		b->p[b->len] = 0;
	}
}

static const char *boot_name_ok(const char *f)
{
	if (strstr(f, "://"))
		return "is a URL; a PXE ROM loads files over TFTP";
	if (strlen(f) > 127)
		return "is longer than 127 bytes";
	for (const char *c = f; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return "holds a space or a control or non-ASCII character";
	if (strcmp(f, "..") == 0 || strncmp(f, "../", 3) == 0 || strstr(f, "/../") ||
	    (strlen(f) >= 3 && strcmp(f + strlen(f) - 3, "/..") == 0))
		return "has a '..' component";
	return NULL;
}

/* dhcp.boot, by replaying dnsmasq's choice per architecture. */
static void emit_boot(struct import_dnsmasq *m, struct buf *b)
{
	char file[256], other[256], where[64];
	const char *hosttag = NULL;
	const struct src *s, *s2;
	size_t i, k;
	int npxe, none = 0;
	char missing[128] = "", url[256] = "";
	const struct src *url_src = NULL;

	for (i = 0; i < m->boots.n; i++) {
		const struct boot *bt = &m->boots.v[i];

		if (bt->saddr[0] || (bt->sname[0] && imd_is_ipv4(bt->sname, NULL)))
			imd_warn(m, &bt->src,
			         "dhcp-boot: the TFTP server %s is not imported; rackboot "
			         "names itself as next-server and serves the file",
			         bt->saddr[0] ? bt->saddr : bt->sname);
		else if (bt->sname[0])
			imd_warn(m, &bt->src, "dhcp-boot: the server name '%s' is not imported",
			         bt->sname);
	}
	for (i = 0; i < m->pxes.n; i++) {
		const struct pxe *p = &m->pxes.v[i];

		if (p->server[0])
			imd_warn(m, &p->src,
			         "pxe-service: the boot server %s is not imported; rackboot "
			         "serves the file itself",
			         p->server);
		if (!p->base[0])
			imd_warn(m, &p->src,
			         "pxe-service: a menu entry without a file (local boot or "
			         "boot service type %d) is not imported",
			         p->type);
	}
	buf_puts(b, "\tboot: {\n");
	for (k = 0; k < NSLOTS; k++) {
		struct client c = {.arch = slots[k].arch};
		const struct boot *bt;
		const struct pxe *px;
		const char *bad;

		s = choose_boot(m, &c, file, sizeof(file), &npxe);
		px = pxe_at(m, s);
		bt = boot_at(m, s);
		if (npxe > 1)
			imd_warn(
			        m, s,
			        "pxe-service: %d menu entries for architecture %d; rackboot has no "
			        "menu and hands out the first",
			        npxe, slots[k].arch);
		/* Does the answer depend on what rackboot cannot see? */
		for (i = 0; i < m->hosts.n && s; i++) {
			struct client h = c;
			const struct src *hs;

			h.known = 1;
			h.host_tag = m->hosts.v[i].set[0] ? m->hosts.v[i].set : NULL;
			hs = choose_boot(m, &h, other, sizeof(other), &npxe);
			if (strcmp(other, file) != 0 && hosttag != m->hosts.v[i].set) {
				hosttag = m->hosts.v[i].set;
				imd_warn(
				        m, hs ? hs : &m->hosts.v[i].src,
				        "boot file '%s' for the host of %s (architecture %d) is "
				        "not "
				        "imported: rackboot hands every machine of an architecture "
				        "the "
				        "same file ('%s')",
				        other, src_str(&m->hosts.v[i].src, where, sizeof(where)),
				        slots[k].arch, file);
			}
		}
		for (i = 0; i < m->pools.n && s; i++) {
			struct client r = c;

			r.range_tag = m->pools.v[i].set[0] ? m->pools.v[i].set : NULL;
			s2 = choose_boot(m, &r, other, sizeof(other), &npxe);
			if (r.range_tag && strcmp(other, file) != 0)
				imd_warn(m, s2 ? s2 : &m->pools.v[i].src,
				         "boot file '%s' for the range of %s is not imported: "
				         "rackboot "
				         "hands every subnet the same file ('%s')",
				         other, src_str(&m->pools.v[i].src, where, sizeof(where)),
				         file);
		}
		if (slots[k].also >= 0) {
			struct client a = {.arch = slots[k].also};

			s2 = choose_boot(m, &a, other, sizeof(other), &npxe);
			if (strcmp(other, file) != 0)
				imd_warn(m, s2 ? s2 : s,
				         "architecture %d got '%s' and %d got '%s'; rackboot hands "
				         "both "
				         "dhcp.boot.%s ('%s')",
				         slots[k].also, other, slots[k].arch, file, slots[k].key,
				         file);
		}
		if (!s || !file[0]) {
			none++;
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
			         "%s%d", none > 1 ? ", " : "", slots[k].arch);
			continue;
		}
		if (!px && !bt)
			continue;
		{
			const char *f = file;

			while (f[0] == '/' && f[1] == '/')
				f++; /* one leading '/' is kept, as dnsmasq hands it */
			bad = f[f[0] == '/'] ? boot_name_ok(f) : "is empty";
			if (bad) {
				imd_warn(m, s,
				         "boot file '%s' for architecture %d %s; not imported",
				         file, slots[k].arch, bad);
				continue;
			}
			buf_printf(b, "\t\t%s = ", slots[k].key);
			str(b, f);
			buf_printf(b, "; # %s\n", src_str(s, where, sizeof(where)));
		}
	}
	buf_puts(b, "\t};\n");
	if (none && (m->boots.n || m->pxes.n))
		imd_warn(m, m->boots.n ? &m->boots.v[0].src : &m->pxes.v[0].src,
		         "dnsmasq gave PXE ROMs of architecture %s no boot file; rackboot hands "
		         "them "
		         "the default of dhcp.boot",
		         missing);
	/* iPXE: where dnsmasq hands it a script of its own (Ironic's
	 * boot.ipxe), that is dhcp.ipxe_url, one URL for every iPXE. */
	for (k = 0; k < NSLOTS; k++) {
		struct client c = {.arch = slots[k].arch, .ipxe = 1};
		char pxefile[256];
		struct client p = {.arch = slots[k].arch};

		s = choose_boot(m, &c, file, sizeof(file), &npxe);
		choose_boot(m, &p, pxefile, sizeof(pxefile), &npxe);
		if (!s || !file[0] || strcmp(file, pxefile) == 0)
			continue;
		if (boot_at(m, s) && boot_at(m, s)->match.n == 0)
			continue;
		if (!conf_url_valid(file)) {
			imd_warn(m, s,
			         "iPXE was handed '%s', which is not an http://, https:// or "
			         "tftp:// "
			         "URL; rackboot hands iPXE the URL of its own script, "
			         "http://SERVER:8080/boot/MAC.ipxe, unless dhcp.ipxe_url is set",
			         file);
			return;
		}
		if (!url_src) {
			snprintf(url, sizeof(url), "%s", file);
			url_src = s;
		} else if (strcmp(url, file) != 0)
			imd_warn(m, s,
			         "iPXE of architecture %d was handed '%s'; rackboot hands every "
			         "iPXE "
			         "the same dhcp.ipxe_url ('%s')",
			         slots[k].arch, file, url);
	}
	if (url_src) {
		buf_puts(b, "\tipxe_url = ");
		str(b, url);
		buf_printf(b, "; # %s\n", src_str(url_src, where, sizeof(where)));
	}
}

static void emit_tftp(struct import_dnsmasq *m, struct buf *b)
{
	const char *root = m->enable_tftp && m->tftp_root[0] ? m->tftp_root
	                   : m->tftpd_root[0]                ? m->tftpd_root
	                                                     : m->tftp_root;

	buf_puts(b, "tftp: {\n");
	if (root[0] == '/') {
		buf_puts(b, "\troot = ");
		str(b, root);
		buf_puts(b, ";\n");
	} else if (root[0])
		imd_warn(m, m->tftp_root_src.file ? &m->tftp_root_src : NULL,
		         "the TFTP root '%s' is not an absolute path; not imported", root);
	else
		imd_warn(m, NULL,
		         "neither enable-tftp with tftp-root nor tftpd-hpa's TFTP_DIRECTORY "
		         "says where the boot files are; tftp.root keeps its default "
		         "/srv/rackboot/tftp");
	if (m->enable_tftp && m->tftpd_root[0] && m->tftp_root[0] &&
	    strcmp(m->tftp_root, m->tftpd_root) != 0)
		imd_warn(m, &m->tftp_root_src,
		         "dnsmasq's tftp-root and tftpd-hpa's TFTP_DIRECTORY "
		         "differ; tftp.root is dnsmasq's");
	buf_printf(b, "\tper_node = %s;\n", m->unique_root_mac ? "true" : "false");
	if (m->tftp_max)
		buf_printf(b, "\tmax_transfers = %d;\n", m->tftp_max);
	if (m->port_min)
		buf_printf(b, "\tport_min = %d;\n\tport_max = %d;\n", m->port_min, m->port_max);
	if (m->blksize)
		buf_printf(b, "\tblksize_max = %d;\n", m->blksize);
	if (m->tftp_port && m->tftp_port != 69)
		buf_printf(b, "\tport = %d;\n", m->tftp_port);
	if (m->tftp_timeout)
		buf_printf(b, "\ttimeout = %d;\n", m->tftp_timeout > 255 ? 255 : m->tftp_timeout);
	buf_puts(b, "};\n\n");
}

/* A node's host name: its own, its lease's, or made from its MAC. */
static void node_name(const struct import_dnsmasq *m, const struct host *h, char *out, size_t cap)
{
	size_t i;

	if (h->name[0] && hostname_valid(h->name) && strlen(h->name) <= 64) {
		imd_copy(out, cap, h->name);
		return;
	}
	for (i = 0; i < m->leases_in.n; i++)
		if (memcmp(m->leases_in.v[i].mac, h->mac, MAC_LEN) == 0 &&
		    hostname_valid(m->leases_in.v[i].name) &&
		    strlen(m->leases_in.v[i].name) <= 64) {
			imd_copy(out, cap, m->leases_in.v[i].name);
			return;
		}
	snprintf(out, cap, "host-%02x%02x%02x%02x%02x%02x", h->mac[0], h->mac[1], h->mac[2],
	         h->mac[3], h->mac[4], h->mac[5]);
}

static void emit_nodes(struct import_dnsmasq *m, struct buf *b, int proxy)
{
	size_t i, j;
	char name[256], mac[MAC_STRLEN], where[64], a[IPV4_STRLEN];
	int any = 0;

	for (i = 0; i < m->hosts.n; i++) {
		struct host *h = &m->hosts.v[i];
		int dup = 0;

		for (j = 0; j < i; j++)
			if (memcmp(m->hosts.v[j].mac, h->mac, MAC_LEN) == 0)
				dup = 1;
		if (dup) {
			imd_warn(m, &h->src,
			         "dhcp-host: a second line for %s; only the first is "
			         "imported",
			         mac_format(h->mac, ':', mac));
			continue;
		}
		if (h->ip) {
			const struct pool *p = pool_of(m, h->ip);
			uint32_t bc = p ? p->net.addr | ~ipv4_prefix_mask(p->net.len) : 0;

			if (p && h->ip == p->router) {
				imd_warn(m, &h->src,
				         "dhcp-host: %s is the subnet's router; the node gets "
				         "no fixed address",
				         ipv4_format(h->ip, a));
				h->ip = 0;
			} else if ((!p && !proxy) || (p && (h->ip == p->net.addr || h->ip == bc))) {
				imd_warn(m, &h->src,
				         "dhcp-host: %s is not a host address of an imported "
				         "subnet (dnsmasq ignores it too); the node gets none",
				         ipv4_format(h->ip, a));
				h->ip = 0;
			}
		}
		for (j = 0; j < i && h->ip; j++)
			if (m->hosts.v[j].ip == h->ip) {
				imd_warn(m, &h->src,
				         "dhcp-host: %s is also given to the host of %s; not "
				         "imported",
				         ipv4_format(h->ip, a),
				         src_str(&m->hosts.v[j].src, where, sizeof(where)));
				h->ip = 0;
			}
		node_name(m, h, name, sizeof(name));
		if (h->name[0] && strcmp(h->name, name) != 0)
			imd_warn(m, &h->src,
			         "dhcp-host: '%s' is not a host name rackboot takes (RFC "
			         "1123, at most 64 characters); the node is called %s",
			         h->name, name);
		for (j = 0; j < i; j++) {
			char other[256];

			node_name(m, &m->hosts.v[j], other, sizeof(other));
			if (strcasecmp(other, name) == 0) {
				snprintf(name, sizeof(name), "host-%02x%02x%02x%02x%02x%02x",
				         h->mac[0], h->mac[1], h->mac[2], h->mac[3], h->mac[4],
				         h->mac[5]);
				imd_warn(m, &h->src,
				         "dhcp-host: the host name is also another host's; the "
				         "node is called %s",
				         name);
				break;
			}
		}
		if (!any)
			buf_puts(b, "nodes = (\n");
		buf_printf(b, "%s\t{\n\t\t# %s\n\t\tmac = \"%s\";\n\t\thostname = \"%s\";\n",
		           any ? ",\n" : "", src_str(&h->src, where, sizeof(where)),
		           mac_format(h->mac, ':', mac), name);
		any = 1;
		if (h->ip)
			buf_printf(b, "\t\tip = \"%s\";\n", ipv4_format(h->ip, a));
		{
			size_t mark = b->len, before;

			buf_puts(b, "\t\toptions = (\n");
			before = b->len;
			emit_options(m, b, NULL, h, "\t\t\t");
			if (b->len == before) {
				b->len = mark;
				if (b->p)
					b->p[mark] = 0;
			} else
				buf_puts(b, "\t\t);\n");
		}
		buf_puts(b, "\t}");
	}
	if (any)
		buf_puts(b, "\n);\n");
}

/* Options never placed anywhere get their warning here. */
static void warn_unused_options(struct import_dnsmasq *m)
{
	size_t i;
	char t[NTAGS * (TAG_LEN + 5)];

	for (i = 0; i < m->opts.n; i++) {
		const struct opt *o = &m->opts.v[i];
		const struct pool *op;
		const struct host *oh;
		int scope = opt_scope(m, o, &op, &oh);

		if (o->used)
			continue;
		imd_tags_str(&o->match, t, sizeof(t));
		if (scope < 0)
			imd_warn(m, &o->src,
			         "dhcp-option %d with %s: rackboot sends options per pool or "
			         "per node, not by tag; not imported",
			         o->code, t);
		else if (o->code == 67)
			imd_warn(m, &o->src,
			         "dhcp-option 67: the boot file comes from dhcp.boot; not "
			         "imported");
		else if (dhcp_managed_option(o->code) && o->nvalues)
			imd_warn(m, &o->src,
			         "dhcp-option %d: rackboot sets this option itself%s; not "
			         "imported",
			         o->code, scope == 1 ? " (a node cannot override it)" : "");
		else if (!o->nvalues && o->code != 3 && o->code != 6)
			imd_warn(m, &o->src,
			         "dhcp-option %d with no value: rackboot sends no option it "
			         "is not given; nothing to import",
			         o->code);
	}
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static void collect_leases(struct import_dnsmasq *m, const struct import_opts *o, int proxy)
{
	size_t i, j;
	char a[IPV4_STRLEN];

	if (m->leasefile_seen && !m->leases_in.n)
		imd_warn(m, &m->leasefile_src,
		         "dhcp-leasefile: rackboot keeps its leases in "
		         "server.state_dir; to keep every machine's address, "
		         "import these with --leases %s",
		         m->leasefile);
	for (i = 0; i < m->leases_in.n; i++) {
		const struct lease_in *l = &m->leases_in.v[i];
		const struct pool *p = pool_of(m, l->ip);
		struct import_lease *out;
		int mine = 0, taken = 0;

		for (j = 0; j < m->hosts.n; j++) {
			if (m->hosts.v[j].ip == l->ip)
				taken = memcmp(m->hosts.v[j].mac, l->mac, MAC_LEN) != 0;
			if (m->hosts.v[j].ip == l->ip && !taken)
				mine = 1;
		}
		if (mine)
			continue; /* the node's ip keeps it */
		if (proxy || !p || !p->start || cmp_u32(l->ip, p->start) < 0 ||
		    cmp_u32(l->ip, p->end) > 0 || taken) {
			imd_warn(m, &l->src, "lease of %s: %s; not imported", ipv4_format(l->ip, a),
			         proxy   ? "rackboot leases no addresses in proxy mode"
			         : taken ? "the address is another node's ip"
			         : !p    ? "in no imported subnet"
			                 : "outside the pool's range");
			continue;
		}
		out = PUSH(m, leases);
		if (!out)
			return;
		memcpy(out->mac, l->mac, MAC_LEN);
		out->ip = l->ip;
		out->expires = l->expiry ? l->expiry : o->now + 31536000;
	}
}

int import_dnsmasq_emit(struct import_dnsmasq *m, const struct import_opts *o, struct buf *out)
{
	size_t i, nproxy = 0;
	int proxy, k;
	uint64_t addrs = 0;

	for (i = 0; i < m->ranges.n; i++)
		nproxy += m->ranges.v[i].proxy != 0;
	proxy = m->ranges.n && nproxy * 2 > m->ranges.n;
	make_pools(m, proxy);

	buf_puts(out, "# rackboot.conf written by `rackboot import dnsmasq` from:\n");
	for (i = 0; i < m->nfiles; i++)
		buf_printf(out, "#   %s\n", m->files[i]);
	buf_puts(out, "# Check it with `rackboot -t -c FILE`; see rackboot(8), \"Migrating from "
	              "dnsmasq\".\n\n");

	buf_puts(out, "server: {\n\tinterfaces = [");
	for (k = 0; k < m->nifaces; k++) {
		buf_puts(out, k ? ", " : "");
		str(out, m->ifaces[k]);
	}
	buf_puts(out, "];\n\tstate_dir = ");
	str(out, o->state_dir);
	buf_puts(out, ";\n\tuser = ");
	str(out, o->user);
	buf_puts(out, ";\n");
	if (m->pid_file[0]) {
		buf_puts(out, "\tpid_file = ");
		str(out, m->pid_file);
		buf_puts(out, ";\n");
	}
	buf_puts(out, "};\n\n");

	buf_printf(out, "dhcp: {\n\tmode = \"%s\";\n", proxy ? "proxy" : "full");
	if (!m->ranges.n)
		imd_warn(m, NULL, "no dhcp-range: dnsmasq served no DHCP; dhcp.enable = false");
	if (!m->ranges.n)
		buf_puts(out, "\tenable = false;\n");
	/* dnsmasq is not authoritative unless told so: it stays silent about
	 * addresses it has no lease for, as rackboot's authoritative = false. */
	buf_printf(out, "\tauthoritative = %s;\n", m->authoritative ? "true" : "false");
	if (m->ignore_unknown)
		buf_puts(out, "\tunknown_clients = \"ignore\";\n");
	emit_boot(m, out);
	buf_puts(out, "\tpools = (\n");
	for (i = 0; i < m->pools.n; i++) {
		struct pool *p = &m->pools.v[i];

		emit_pool(m, out, p, proxy);
		if (p->start)
			addrs += p->end - p->start + 1;
	}
	strip_last_comma(out);
	buf_puts(out, "\t);\n};\n\n");
	if (m->lease_max && (uint64_t)m->lease_max < addrs + m->hosts.n)
		imd_warn(m, &m->lease_max_src,
		         "dhcp-lease-max=%d: rackboot has no lease limit; its "
		         "pools hold up to %llu addresses",
		         m->lease_max, (unsigned long long)addrs);
	emit_tftp(m, out);

	buf_puts(out, "http: {\n");
	if (proxy && m->pools.n) {
		/* rackboot leases nothing in proxy mode, and scripts go only to
		 * leased addresses or nodes' ip unless allowed. */
		buf_puts(out, "\t# proxy mode: rackboot leases no address, so let the subnets "
		              "fetch scripts\n\tallow = [");
		for (i = 0; i < m->pools.n; i++) {
			char a[IPV4_STRLEN];

			buf_printf(out, "%s\"%s/%u\"", i ? ", " : "",
			           ipv4_format(m->pools.v[i].net.addr, a), m->pools.v[i].net.len);
		}
		buf_puts(out, "];\n");
	}
	buf_puts(out, "};\n\n");
	buf_puts(out, "ipxe: {\n};\n\n");
	buf_puts(out, "# dnsmasq served no volumes.\niscsi: {\n\tenable = false;\n};\n\n");
	emit_nodes(m, out, proxy);
	warn_unused_options(m);
	collect_leases(m, o, proxy);
	return out->oom || m->oom ? -ENOMEM : 0;
}
