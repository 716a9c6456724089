// SPDX-License-Identifier: MIT
/*
 * import_dnsmasq.c - the model behind `rackboot import dnsmasq`: dnsmasq's
 * line syntax in, the model (import_dnsmasq_int.h) out.  Each directive is
 * looked up in one table (directives[]) that names its handler or the
 * warning it earns.  tftpd-hpa's files are read by import_tftpd.c, the
 * lexical helpers are import_lex.c's, and import_emit.c turns the model
 * into rackboot.conf text.
 * Pure (see import_dnsmasq.h): it owns the model and its strings, and never
 * reads a file, the clock or the network.  Every directive either maps to a
 * setting, is known to change nothing a booting machine sees (DNS-only
 * settings when dnsmasq's DNS is off, logging), or becomes a warning with
 * its file:line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/import_dnsmasq.h"
#include "core/conf.h"
#include "import_dnsmasq_int.h"

/* dnsmasq's CSA names for pxe-service, in their numeric order (option.c). */
static const char *const csa_names[] = {
        "x86PC",    "PC98",       "IA64_EFI",   "Alpha",  "Arc_x86",   "Intel_Lean_Client",
        "IA32_EFI", "X86-64_EFI", "Xscale_EFI", "BC_EFI", "ARM32_EFI", "ARM64_EFI"};
static void *vec_push(void *vp, size_t sz)
{
	struct {
		char *v;
		size_t n, cap;
	} *vec = vp;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 8;
		char *nv = realloc(vec->v, cap * sz);

		if (!nv)
			return NULL;
		vec->v = nv;
		vec->cap = cap;
	}
	memset(vec->v + vec->n * sz, 0, sz);
	return vec->v + vec->n++ * sz;
}

void *imd_push_or_oom(struct import_dnsmasq *m, void *vec, size_t sz)
{
	void *p = vec_push(vec, sz);

	if (!p)
		m->oom = 1;
	return p;
}

struct import_dnsmasq *import_dnsmasq_new(void)
{
	struct import_dnsmasq *m = calloc(1, sizeof(*m));

	if (m)
		m->dns_port_on = 1;
	return m;
}

void import_dnsmasq_free(struct import_dnsmasq *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
	for (i = 0; i < m->warns.n; i++)
		free(m->warns.v[i].text);
	free(m->warns.v);
	free(m->ranges.v);
	free(m->hosts.v);
	free(m->opts.v);
	free(m->boots.v);
	free(m->matches.v);
	free(m->tagifs.v);
	free(m->pxes.v);
	free(m->leases_in.v);
	free(m->leases.v);
	free(m->locals.v);
	free(m->pools.v);
	free(m);
}

static const char *intern(struct import_dnsmasq *m, const char *file)
{
	char **nv;
	size_t i;

	for (i = 0; i < m->nfiles; i++)
		if (strcmp(m->files[i], file) == 0)
			return m->files[i];
	nv = realloc(m->files, (m->nfiles + 1) * sizeof(*nv));
	if (!nv || !(nv[m->nfiles] = strdup(file))) {
		if (nv)
			m->files = nv;
		m->oom = 1;
		return "?";
	}
	m->files = nv;
	return m->files[m->nfiles++];
}

static void vwarn(struct import_dnsmasq *m, const struct src *s, const char *fmt, va_list ap)
{
	struct import_warn *w = PUSH(m, warns);
	char text[1024];

	if (!w)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	w->file = s ? s->file : "";
	w->line = s ? s->line : 0;
	w->text = strdup(text);
	if (!w->text) {
		m->warns.n--;
		m->oom = 1;
	}
}

void imd_warn(struct import_dnsmasq *m, const struct src *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(m, s, fmt, ap);
	va_end(ap);
}

void import_dnsmasq_warn(struct import_dnsmasq *m, const char *file, int line, const char *fmt, ...)
{
	struct src s = {intern(m, file), line};
	va_list ap;

	va_start(ap, fmt);
	vwarn(m, &s, fmt, ap);
	va_end(ap);
}

const struct import_warn *import_dnsmasq_warnings(const struct import_dnsmasq *m, size_t *n)
{
	*n = m->warns.n;
	return m->warns.v;
}

const struct import_lease *import_dnsmasq_leases(const struct import_dnsmasq *m, size_t *n)
{
	*n = m->leases.n;
	return m->leases.v;
}

void import_dnsmasq_local(struct import_dnsmasq *m, const char *ifname, uint32_t addr,
                          unsigned prefix_len)
{
	struct local *l = PUSH(m, locals);

	if (!l)
		return;
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	l->addr = addr;
	l->len = prefix_len > 32 ? 32 : prefix_len;
}

/* ---- directives --------------------------------------------------------- */

/* One directive as read: its name, its value (after the split, which ends
 * it at the first field) and that value split into fields. */
struct dline {
	const char *key;
	char *val;
	int has_val;
	char **f;
	int n;
};

static void do_range(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	char **f = d->f;
	int n = d->n;
	struct range r = {.src = *s, .lease = -1};
	int i = 0, k = 0;
	uint32_t a[4];
	const char *name;

	for (; i < n; i++) {
		if (imd_tag_prefix(f[i], &name))
			imd_tags_add(&r.match, name);
		else if (strncmp(f[i], "set:", 4) == 0)
			imd_copy(r.set, sizeof(r.set), f[i] + 4);
		else if (strncmp(f[i], "interface:", 10) == 0)
			imd_warn(m, s,
			         "dhcp-range: '%s' is not imported; rackboot serves the interfaces "
			         "in server.interfaces",
			         f[i]);
		else if (!imd_is_ipv4(f[i], NULL) && strchr(f[i], ':')) {
			imd_warn(m, s,
			         "dhcp-range: IPv6 ranges are not imported; rackboot serves DHCPv4 "
			         "only");
			return;
		} else if (!imd_is_ipv4(f[i], NULL) && i == 0)
			imd_copy(r.set, sizeof(r.set), f[i]); /* old form: a bare tag */
		else
			break;
	}
	for (; i < n; i++) {
		long l;

		if (imd_is_ipv4(f[i], &a[k < 4 ? k : 3]) && k < 4)
			k++;
		else if (strcmp(f[i], "proxy") == 0)
			r.proxy = 1;
		else if (strcmp(f[i], "static") == 0)
			r.stat = 1;
		else if (imd_parse_lease(f[i], &l))
			r.lease = l;
		else {
			imd_warn(m, s, "dhcp-range: cannot read '%s'; the range is not imported",
			         f[i]);
			return;
		}
	}
	if (k == 0) {
		imd_warn(m, s, "dhcp-range: no address; the range is not imported");
		return;
	}
	r.start = a[0];
	if (r.proxy || r.stat) {
		/* start[,netmask] (dnsmasq's "mode" takes the end's place) */
		r.end = r.start;
		r.mask = k > 1 ? a[1] : 0;
		if (k > 2)
			imd_warn(m, s,
			         "dhcp-range: the broadcast address is not imported; rackboot "
			         "derives it from the subnet");
	} else {
		r.end = k > 1 ? a[1] : a[0];
		r.mask = k > 2 ? a[2] : 0;
		if (k > 3)
			imd_warn(m, s,
			         "dhcp-range: the broadcast address is not imported; rackboot "
			         "derives it from the subnet");
	}
	if (r.end < r.start) {
		imd_warn(m, s, "dhcp-range: the end is below the start; the range is not imported");
		return;
	}
	if (r.match.n)
		imd_warn(m, s,
		         "dhcp-range: the range applies only to clients with certain tags; "
		         "rackboot's pools apply to every client of the subnet");
	{
		struct range *p = PUSH(m, ranges);

		if (p)
			*p = r;
	}
}

static void do_host(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	char **f = d->f;
	int n = d->n;
	struct host h = {.src = *s};
	int i, macs = 0;
	const char *name;
	long l;

	for (i = 0; i < n; i++) {
		uint8_t mac[MAC_LEN];

		if (!*f[i])
			continue;
		if (strncmp(f[i], "set:", 4) == 0 || strncmp(f[i], "net:", 4) == 0)
			imd_copy(h.set, sizeof(h.set), f[i] + 4);
		else if (strncmp(f[i], "tag:", 4) == 0) {
			name = f[i] + 4;
			imd_warn(m, s,
			         "dhcp-host: the condition tag:%s is not imported; the host is "
			         "imported for every request",
			         name);
		} else if (strncmp(f[i], "id:", 3) == 0)
			imd_warn(m, s,
			         "dhcp-host: client identifier '%s' is not imported; rackboot "
			         "knows machines by MAC address",
			         f[i]);
		else if (strcmp(f[i], "ignore") == 0)
			h.ignore = 1;
		else if (strcmp(f[i], "infinite") == 0 ||
		         (isdigit((unsigned char)f[i][0]) && !strchr(f[i], '.') &&
		          !strchr(f[i], ':') && imd_parse_lease(f[i], &l)))
			imd_warn(m, s,
			         "dhcp-host: the host's own lease time '%s' is not imported; it "
			         "gets its pool's lease_time",
			         f[i]);
		else if (f[i][0] == '[')
			imd_warn(m, s, "dhcp-host: IPv6 address %s is not imported", f[i]);
		else if (imd_is_ipv4(f[i], &h.ip))
			;
		else if (strlen(f[i]) == 17 && mac_parse(f[i], 17, mac) == 0) {
			if (macs++)
				imd_warn(m, s,
				         "dhcp-host: only the first MAC address is imported; "
				         "another node is needed for %s",
				         f[i]);
			else
				memcpy(h.mac, mac, MAC_LEN);
		} else if (strchr(f[i], '*') ||
		           (strlen(f[i]) > 3 && f[i][2] == '-' && strchr(f[i], ':'))) {
			imd_warn(m, s,
			         "dhcp-host: MAC pattern '%s' is not imported; rackboot nodes "
			         "have exactly one MAC",
			         f[i]);
			return;
		} else
			imd_copy(h.name, sizeof(h.name), f[i]);
	}
	if (!macs) {
		imd_warn(m, s,
		         "dhcp-host: no MAC address (a host known by name or client "
		         "identifier only) is not imported");
		return;
	}
	if (h.ignore) {
		imd_warn(m, s,
		         "dhcp-host: 'ignore' is not imported: rackboot cannot ignore one known "
		         "machine; it is left out of nodes, so dhcp.unknown_clients applies");
		return;
	}
	{
		struct host *p = PUSH(m, hosts);

		if (p)
			*p = h;
	}
}

/* dnsmasq's option names (dhcp-common.c) for the ones worth knowing. */
static const struct {
	const char *name;
	int code;
} opt_names[] = {
        {"netmask", 1},
        {"time-offset", 2},
        {"router", 3},
        {"dns-server", 6},
        {"log-server", 7},
        {"lpr-server", 9},
        {"hostname", 12},
        {"boot-file-size", 13},
        {"domain-name", 15},
        {"swap-server", 16},
        {"root-path", 17},
        {"extension-path", 18},
        {"ip-forward-enable", 19},
        {"non-local-source-routing", 20},
        {"policy-filter", 21},
        {"max-datagram-reassembly", 22},
        {"default-ttl", 23},
        {"mtu", 26},
        {"all-subnets-local", 27},
        {"broadcast", 28},
        {"router-discovery", 31},
        {"router-solicitation", 32},
        {"static-route", 33},
        {"trailer-encapsulation", 34},
        {"arp-timeout", 35},
        {"ethernet-encap", 36},
        {"tcp-ttl", 37},
        {"tcp-keepalive", 38},
        {"nis-domain", 40},
        {"nis-server", 41},
        {"ntp-server", 42},
        {"vendor-encap", 43},
        {"netbios-ns", 44},
        {"netbios-dd", 45},
        {"netbios-nodetype", 46},
        {"netbios-scope", 47},
        {"x-windows-fs", 48},
        {"x-windows-dm", 49},
        {"requested-address", 50},
        {"lease-time", 51},
        {"option-overload", 52},
        {"message-type", 53},
        {"server-identifier", 54},
        {"parameter-request", 55},
        {"message", 56},
        {"max-message-size", 57},
        {"T1", 58},
        {"T2", 59},
        {"vendor-class", 60},
        {"client-id", 61},
        {"nis+-domain", 64},
        {"nis+-server", 65},
        {"tftp-server", 66},
        {"bootfile-name", 67},
        {"mobile-ip-home", 68},
        {"smtp-server", 69},
        {"pop3-server", 70},
        {"nntp-server", 71},
        {"irc-server", 74},
        {"user-class", 77},
        {"rapid-commit", 80},
        {"client-arch", 93},
        {"client-interface-id", 94},
        {"client-machine-id", 97},
        {"posix-timezone", 100},
        {"tzdb-timezone", 101},
        {"subnet-select", 118},
        {"domain-search", 119},
        {"sip-server", 120},
        {"classless-static-route", 121},
        {"vendor-id-encap", 125},
        {"tftp-server-address", 150},
        {"server-ip-address", 255},
};

enum vtype imd_opt_type(int code)
{
	switch (code) {
	case 1:
	case 3:
	case 6:
	case 7:
	case 9:
	case 16:
	case 28:
	case 41:
	case 42:
	case 44:
	case 45:
	case 48:
	case 49:
	case 50:
	case 54:
	case 65:
	case 68:
	case 69:
	case 70:
	case 71:
	case 74:
	case 150: return V_ADDR;
	case 12:
	case 15:
	case 17:
	case 18:
	case 40:
	case 47:
	case 56:
	case 64:
	case 66:
	case 67:
	case 100:
	case 101: return V_TEXT;
	case 19:
	case 20:
	case 23:
	case 27:
	case 31:
	case 34:
	case 36:
	case 37:
	case 46: return V_U8;
	case 22:
	case 26:
	case 57: return V_U16;
	case 2:
	case 24:
	case 35:
	case 38:
	case 51:
	case 58:
	case 59: return V_U32;
	default: return V_GUESS;
	}
}

static void do_option(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	char **f = d->f;
	int n = d->n;
	struct opt o = {.src = *s, .code = -1};
	const char *name;
	int i;
	size_t k, len = 0;

	for (i = 0; i < n; i++) {
		if (imd_tag_prefix(f[i], &name))
			imd_tags_add(&o.match, name);
		else if (strncmp(f[i], "encap:", 6) == 0 || strncmp(f[i], "vi-encap:", 9) == 0 ||
		         strncmp(f[i], "vendor:", 7) == 0 || strncmp(f[i], "option6:", 8) == 0) {
			imd_warn(m, s,
			         "dhcp-option: '%s' options are not imported; rackboot sends "
			         "plain options only (dhcp.pools.options)",
			         f[i]);
			return;
		} else
			break;
	}
	if (i == n) {
		imd_warn(m, s, "dhcp-option: no option number; not imported");
		return;
	}
	if (strncmp(f[i], "option:", 7) == 0) {
		for (k = 0; k < sizeof(opt_names) / sizeof(opt_names[0]); k++)
			if (strcmp(opt_names[k].name, f[i] + 7) == 0)
				o.code = opt_names[k].code;
		if (o.code < 0) {
			imd_warn(m, s, "dhcp-option: unknown option name '%s'; not imported",
			         f[i] + 7);
			return;
		}
	} else {
		long c;

		if (!imd_parse_int(f[i], &c) || c < 1 || c > 254) {
			imd_warn(m, s, "dhcp-option: cannot read option '%s'; not imported", f[i]);
			return;
		}
		o.code = (int)c;
	}
	if (o.code == 255) {
		imd_warn(m, s,
		         "dhcp-option server-ip-address: the next-server is rackboot itself; not "
		         "imported");
		return;
	}
	for (i++; i < n; i++) {
		int w = snprintf(o.value + len, sizeof(o.value) - len, "%s%s", o.nvalues ? "," : "",
		                 f[i]);

		if (w < 0 || (size_t)w >= sizeof(o.value) - len) {
			imd_warn(m, s, "dhcp-option: value too long; not imported");
			return;
		}
		len += (size_t)w;
		o.nvalues++;
	}
	if (o.nvalues == 1 && !o.value[0])
		o.nvalues = 0;
	/* dhcp-option-force: rackboot sends configured options whether requested or not */
	{
		struct opt *p = PUSH(m, opts);

		if (p)
			*p = o;
	}
}

static void do_boot(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	char **f = d->f;
	int n = d->n;
	struct boot b = {.src = *s};
	const char *name;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if (imd_tag_prefix(f[i], &name))
			imd_tags_add(&b.match, name);
		else if (k == 0)
			imd_copy(b.file, sizeof(b.file), f[i]), k++;
		else if (k == 1)
			imd_copy(b.sname, sizeof(b.sname), f[i]), k++;
		else if (k == 2)
			imd_copy(b.saddr, sizeof(b.saddr), f[i]), k++;
	}
	if (!k) {
		imd_warn(m, s, "dhcp-boot: no file name; not imported");
		return;
	}
	{
		struct boot *p = PUSH(m, boots);

		if (p)
			*p = b;
	}
}

/* dhcp-match, dhcp-userclass, dhcp-vendorclass: what sets the tag, as far as
 * a booting machine is concerned. */
static void add_match(struct import_dnsmasq *m, const struct src *s, const char *set,
                      enum match_kind kind, int arch)
{
	struct match *p = PUSH(m, matches);

	if (!p)
		return;
	p->src = *s;
	imd_copy(p->set, sizeof(p->set), set);
	p->kind = kind;
	p->arch = arch;
}

static const char *set_name(const char *f)
{
	if (strncmp(f, "set:", 4) == 0 || strncmp(f, "net:", 4) == 0)
		return f + 4;
	return f;
}

static void do_match(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	char **f = d->f;
	int n = d->n;
	const char *set, *opt, *val;
	long code = -1, v;
	size_t k;

	if (n < 2) {
		imd_warn(m, s, "dhcp-match: too few fields; not imported");
		return;
	}
	set = set_name(f[0]);
	opt = f[1];
	val = n > 2 ? f[2] : NULL;
	if (strncmp(opt, "option:", 7) == 0) {
		for (k = 0; k < sizeof(opt_names) / sizeof(opt_names[0]); k++)
			if (strcmp(opt_names[k].name, opt + 7) == 0)
				code = opt_names[k].code;
	} else if (strncmp(opt, "vi-encap:", 9) != 0 && !imd_parse_int(opt, &code))
		code = -1;
	if (code == 93 && val && imd_parse_int(val, &v)) {
		add_match(m, s, set, M_ARCH, (int)v);
		return;
	}
	if (code == 175) {
		/* iPXE sends 175 always; a value tests one of its features, which
		 * every iPXE build rackboot hands out has (http, menu, efi...). */
		add_match(m, s, set, M_IPXE, 0);
		return;
	}
	if (code == 77 && val && strstr(val, "iPXE")) {
		add_match(m, s, set, M_IPXE, 0);
		return;
	}
	if (code == 60 && val &&
	    strncmp(val, "PXEClient", strlen(val) < 9 ? strlen(val) : 9) == 0) {
		add_match(m, s, set, M_PXE, 0);
		return;
	}
	add_match(m, s, set, M_NEVER, 0);
	imd_warn(m, s,
	         "dhcp-match: matching %s%s%s is not imported; lines that need tag '%s' are "
	         "taken as never matching",
	         opt, val ? " = " : "", val ? val : "", set);
}

static void do_class(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	char **f = d->f;
	int n = d->n, user = strcmp(d->key, "dhcp-userclass") == 0;
	const char *set;
	long v;

	if (n < 2) {
		imd_warn(m, s, "dhcp-%sclass: too few fields; not imported",
		         user ? "user" : "vendor");
		return;
	}
	set = set_name(f[0]);
	if (user && strstr(f[1], "iPXE")) {
		add_match(m, s, set, M_IPXE, 0);
		return;
	}
	if (!user && strncmp(f[1], "PXEClient:Arch:", 15) == 0 && imd_parse_int(f[1] + 15, &v)) {
		add_match(m, s, set, M_ARCH, (int)v);
		return;
	}
	if (!user && strncmp(f[1], "PXEClient", 9) == 0 && (f[1][9] == 0 || f[1][9] == ':')) {
		add_match(m, s, set, M_PXE, 0);
		return;
	}
	add_match(m, s, set, M_NEVER, 0);
	imd_warn(m, s,
	         "dhcp-%sclass: class '%s' is not imported; lines that need tag '%s' are taken "
	         "as never matching",
	         user ? "user" : "vendor", f[1], set);
}

static void do_tagif(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	char **f = d->f;
	int n = d->n;
	struct tagif *t = PUSH(m, tagifs);
	const char *name;
	int i;

	if (!t)
		return;
	t->src = *s;
	for (i = 0; i < n; i++) {
		if (strncmp(f[i], "set:", 4) == 0)
			imd_tags_add(&t->set, f[i] + 4);
		else if (imd_tag_prefix(f[i], &name))
			imd_tags_add(&t->match, name);
	}
}

static void do_pxe(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	char **f = d->f;
	int n = d->n;
	struct pxe p = {.src = *s, .csa = -1};
	const char *name;
	int i = 0;
	size_t k;
	long v;

	for (; i < n && imd_tag_prefix(f[i], &name); i++)
		imd_tags_add(&p.match, name);
	if (n - i < 2) {
		imd_warn(m, s, "pxe-service: too few fields; not imported");
		return;
	}
	for (k = 0; k < sizeof(csa_names) / sizeof(csa_names[0]); k++)
		if (strcasecmp(csa_names[k], f[i]) == 0)
			p.csa = (int)k;
	if (p.csa < 0 && imd_parse_int(f[i], &v))
		p.csa = (int)v;
	if (p.csa < 0) {
		imd_warn(m, s, "pxe-service: unknown client system type '%s'; not imported", f[i]);
		return;
	}
	i += 2; /* the CSA and the menu text */
	if (i < n) {
		if (imd_parse_int(f[i], &v))
			p.type = (int)v;
		else
			imd_copy(p.base, sizeof(p.base), f[i]);
		i++;
	}
	if (i < n)
		imd_copy(p.server, sizeof(p.server), f[i]);
	{
		struct pxe *q = PUSH(m, pxes);

		if (q)
			*q = p;
	}
}

static int handle_include(const char *key, const char *val, struct import_include *inc)
{
	static const struct {
		const char *key;
		enum import_kind kind;
		int dir;
	} incs[] = {
	        {"conf-file", IMPORT_CONF, 0},       {"conf-dir", IMPORT_CONF, 1},
	        {"dhcp-hostsfile", IMPORT_HOSTS, 0}, {"dhcp-hostsdir", IMPORT_HOSTS, 1},
	        {"dhcp-optsfile", IMPORT_OPTS, 0},   {"dhcp-optsdir", IMPORT_OPTS, 1},
	};
	size_t i;

	for (i = 0; i < sizeof(incs) / sizeof(incs[0]); i++) {
		const char *comma;

		if (strcmp(key, incs[i].key) != 0)
			continue;
		memset(inc, 0, sizeof(*inc));
		inc->kind = incs[i].kind;
		inc->dir = incs[i].dir;
		comma = incs[i].dir && strcmp(key, "conf-dir") == 0 ? strchr(val, ',') : NULL;
		if (comma) {
			snprintf(inc->path, sizeof(inc->path), "%.*s", (int)(comma - val), val);
			imd_copy(inc->filter, sizeof(inc->filter), comma + 1);
		} else
			imd_copy(inc->path, sizeof(inc->path), val);
		return 1;
	}
	return 0;
}

static void do_interface(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	int i;

	for (i = 0; i < d->n; i++) {
		int dup = 0, k;

		for (k = 0; k < m->nifaces; k++)
			dup |= strcmp(m->ifaces[k], d->f[i]) == 0;
		if (dup)
			continue;
		if (strpbrk(d->f[i], "*/: \t\"\\") || strlen(d->f[i]) > 15 || !*d->f[i])
			imd_warn(m, s,
			         "interface: '%s' is not imported; list each interface "
			         "by name in server.interfaces",
			         d->f[i]);
		else if (m->nifaces < 16 && strcmp(d->f[i], "lo") != 0)
			imd_copy(m->ifaces[m->nifaces++], sizeof(m->ifaces[0]), d->f[i]);
	}
}

/* except-interface, no-dhcp-interface */
static void do_except(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->f[i], "lo") != 0)
			imd_warn(m, s,
			         "%s: '%s' is not imported; rackboot serves every "
			         "interface but lo unless server.interfaces lists them",
			         d->key, d->f[i]);
}

/* port=0 turns dnsmasq's DNS off, and with it the DNS-only warnings. */
static void do_port(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	long v;

	if (imd_parse_int(d->val, &v) && v == 0)
		m->dns_port_on = 0;
	m->dns_src = *s;
}

static void do_authoritative(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	(void)s, (void)d;
	m->authoritative = 1;
}

static void do_ignore(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	if (d->n == 1 && (strcmp(d->f[0], "tag:!known") == 0 ||
	                  strcmp(d->f[0], "net:!known") == 0 || strcmp(d->f[0], "tag:#known") == 0))
		m->ignore_unknown = 1;
	else
		imd_warn(m, s,
		         "dhcp-ignore=%s: not imported; rackboot can ignore only machines "
		         "that are not in nodes (dhcp.unknown_clients)",
		         d->val);
}

static void do_enable_tftp(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	m->enable_tftp = 1;
	if (d->has_val && *d->val)
		imd_warn(m, s,
		         "enable-tftp=%s: rackboot serves TFTP on every interface of "
		         "server.interfaces",
		         d->val);
}

static void do_tftp_root(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	if (d->n > 1)
		imd_warn(m, s,
		         "tftp-root: a root per interface (%s) is not imported; one "
		         "root serves all",
		         d->f[1]);
	if (d->n >= 1) {
		if (m->tftp_root[0])
			imd_warn(m, s, "tftp-root: more than one root; the last one is imported");
		imd_copy(m->tftp_root, sizeof(m->tftp_root), d->f[0]);
		m->tftp_root_src = *s;
	}
}

static void do_unique_root(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	if (d->n >= 1 && strcmp(d->f[0], "mac") == 0) {
		m->unique_root_mac = 1;
		imd_warn(m, s,
		         "tftp-unique-root=mac: rackboot's tftp.per_node looks in a "
		         "folder named with hyphens (aa-bb-cc-dd-ee-ff), where dnsmasq "
		         "used colons (aa:bb:cc:dd:ee:ff); rename the folders");
	} else
		imd_warn(m, s,
		         "tftp-unique-root: folders per client address are not imported; "
		         "rackboot looks in folders per MAC (tftp.per_node)");
}

static void do_tftp_max(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	long v;

	if (imd_parse_int(d->val, &v) && v >= 1 && v <= 100000)
		m->tftp_max = (int)v;
	else
		imd_warn(m, s, "tftp-max=%s: out of rackboot's range 1 to 100000; not imported",
		         d->val);
}

int imd_port_range(struct import_dnsmasq *m, const char *first, const char *last)
{
	long a, b;

	/* rackboot's tftp.port_min/port_max take a range of 16 ports at least */
	if (!imd_parse_int(first, &a) || !imd_parse_int(last, &b) || a < 1 || b > 65535 ||
	    b - a + 1 < 16)
		return 0;
	m->port_min = (int)a;
	m->port_max = (int)b;
	return 1;
}

static void do_port_range(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	if (!(d->n == 2 && imd_port_range(m, d->f[0], d->f[1])))
		imd_warn(m, s,
		         "tftp-port-range=%s: rackboot needs a range of at least 16 ports; "
		         "not imported",
		         d->val);
}

static void do_tftp_mtu(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	long v;

	if (imd_parse_int(d->val, &v) && v - 32 >= 512 && v - 32 <= 65464)
		m->blksize = (int)v - 32; /* IP and UDP headers, and TFTP's 4 */
	else
		imd_warn(m, s, "tftp-mtu=%s: not imported", d->val);
}

/* dhcp-leasefile, dhcp-lease-file */
static void do_leasefile(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	m->leasefile_seen = 1;
	m->leasefile_src = *s;
	imd_copy(m->leasefile, sizeof(m->leasefile), d->val);
}

static void do_lease_max(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	long v;

	if (imd_parse_int(d->val, &v)) {
		m->lease_max = (int)v;
		m->lease_max_src = *s;
	}
}

static void do_domain(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	if (d->n > 1)
		imd_warn(m, s,
		         "domain: a domain per subnet (%s) is not imported; the domain "
		         "goes to every pool",
		         d->f[1]);
	if (d->n >= 1 && strcmp(d->f[0], "#") != 0)
		imd_copy(m->domain, sizeof(m->domain), d->f[0]);
}

static void do_pid_file(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	(void)s;
	if (d->n >= 1 && d->f[0][0] == '/')
		imd_copy(m->pid_file, sizeof(m->pid_file), d->f[0]);
}

/* Settings that only concern dnsmasq's DNS server: worth a word only when
 * dnsmasq served DNS (no port=0 before them). */
static void do_dns(struct import_dnsmasq *m, const struct src *s, const struct dline *d)
{
	if (m->dns_port_on)
		imd_warn(m, s, "%s: a DNS setting, not imported; rackboot has no DNS server",
		         d->key);
}

static const char leases_own[] =
        "not imported; rackboot keeps leases in its own journal and runs no lease scripts";

typedef void directive_fn(struct import_dnsmasq *m, const struct src *s, const struct dline *d);

/* What each dnsmasq directive becomes.  With a handler, the handler decides;
 * without one, @say is the warning after "key: ", and no @say means the
 * directive changes nothing a booting machine sees under rackboot. */
static const struct directive {
	const char *key;
	directive_fn *fn;
	const char *say;
} directives[] = {
        {"dhcp-range", do_range},
        {"dhcp-host", do_host},
        {"dhcp-option", do_option},
        {"dhcp-option-force", do_option},
        {"dhcp-boot", do_boot},
        {"dhcp-match", do_match},
        {"dhcp-userclass", do_class},
        {"dhcp-vendorclass", do_class},
        {"tag-if", do_tagif},
        {"pxe-service", do_pxe},
        {"pxe-prompt", NULL,
         "rackboot shows no PXE menu; a PXE ROM boots its architecture's file at once"},
        {"interface", do_interface},
        {"except-interface", do_except},
        {"no-dhcp-interface", do_except},
        {"listen-address", NULL, "not imported; rackboot serves by interface (server.interfaces)"},
        {"port", do_port},
        {"dhcp-authoritative", do_authoritative},
        {"dhcp-ignore", do_ignore},
        {"enable-tftp", do_enable_tftp},
        {"tftp-root", do_tftp_root},
        {"tftp-unique-root", do_unique_root},
        {"tftp-secure", NULL,
         "not imported; rackboot serves every readable regular file beneath tftp.root, whoever "
         "owns it (it never leaves the root)"},
        {"tftp-max", do_tftp_max},
        {"tftp-port-range", do_port_range},
        {"tftp-no-blocksize", NULL,
         "not imported; rackboot negotiates block sizes up to the interface MTU"},
        {"tftp-mtu", do_tftp_mtu},
        {"tftp-lowercase", NULL, "not imported; rackboot has no such setting"},
        {"tftp-no-fail", NULL, "not imported; rackboot has no such setting"},
        {"tftp-single-port", NULL, "not imported; rackboot has no such setting"},
        {"tftp-port", NULL, "not imported; rackboot has no such setting"},
        {"dhcp-leasefile", do_leasefile},
        {"dhcp-lease-file", do_leasefile},
        {"dhcp-lease-max", do_lease_max},
        {"domain", do_domain},
        {"pid-file", do_pid_file},
        {"leasefile-ro", NULL, leases_own},
        {"dhcp-script", NULL, leases_own},
        {"dhcp-luascript", NULL, leases_own},
        {"script-arp", NULL, leases_own},
        /* nothing a booting machine sees */
        {"bind-interfaces"},
        {"bind-dynamic"},
        {"log-dhcp"},
        {"log-async"},
        {"log-facility"},
        {"keep-in-foreground"},
        {"no-daemon"},
        {"log-debug"},
        {"quiet-dhcp"},
        {"quiet-dhcp6"},
        {"no-ping"},
        {"dhcp-no-override"},
        {"dhcp-sequential-ip"},
        {"user"},
        {"group"},
        {"quiet-ra"},
        {"log-tftp"},
        /* DNS only */
        {"server", do_dns},
        {"local", do_dns},
        {"address", do_dns},
        {"no-resolv", do_dns},
        {"resolv-file", do_dns},
        {"no-hosts", do_dns},
        {"addn-hosts", do_dns},
        {"domain-needed", do_dns},
        {"bogus-priv", do_dns},
        {"expand-hosts", do_dns},
        {"cache-size", do_dns},
        {"no-negcache", do_dns},
        {"strict-order", do_dns},
        {"all-servers", do_dns},
        {"host-record", do_dns},
        {"cname", do_dns},
        {"txt-record", do_dns},
        {"srv-host", do_dns},
        {"ptr-record", do_dns},
        {"mx-host", do_dns},
        {"log-queries", do_dns},
        {"dns-forward-max", do_dns},
        {"stop-dns-rebind", do_dns},
        {"rebind-localhost-ok", do_dns},
        {"filterwin2k", do_dns},
        {"auth-server", do_dns},
        {"auth-zone", do_dns},
        {"dnssec", do_dns},
        {"trust-anchor", do_dns},
        {"local-ttl", do_dns},
        {"neg-ttl", do_dns},
        {"max-ttl", do_dns},
        {"min-port", do_dns},
        {"query-port", do_dns},
        {"edns-packet-max", do_dns},
        {"localise-queries", do_dns},
        {"interface-name", do_dns},
        {"hostsdir", do_dns},
        {"rev-server", do_dns},
        {"ipset", do_dns},
        {"nftset", do_dns},
        {"no-poll", do_dns},
        {"selfmx", do_dns},
        {"localmx", do_dns},
        {"bogus-nxdomain", do_dns},
        {"dns-loop-detect", do_dns},
        {"clear-on-reload", do_dns},
};

static void do_conf(struct import_dnsmasq *m, const struct src *s, const char *key, char *val,
                    int has_val, struct import_include *inc, int *included)
{
	char vcopy[LINE_MAX_], *f[NFIELDS];
	struct dline d = {.key = key, .val = val, .has_val = has_val, .f = f};
	size_t i;

	imd_copy(vcopy, sizeof(vcopy), val);
	if (handle_include(key, imd_trim(vcopy), inc)) {
		*included = 1;
		return;
	}
	d.n = imd_split(val, f, NFIELDS);
	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *t = &directives[i];

		if (strcmp(t->key, key) != 0)
			continue;
		if (t->fn)
			t->fn(m, s, &d);
		else if (t->say)
			imd_warn(m, s, "%s: %s", key, t->say);
		return;
	}
	if (strncmp(key, "dhcp-", 5) == 0 || strncmp(key, "tftp", 4) == 0 ||
	    strncmp(key, "pxe", 3) == 0)
		imd_warn(m, s, "%s: not imported; rackboot has no equivalent", key);
	else
		imd_warn(m, s, "%s: not imported", key);
}

/* "expiry mac ip hostname clientid" */
static void do_lease(struct import_dnsmasq *m, const struct src *s, char *text)
{
	char *save = NULL, *f[5];
	struct lease_in l = {.src = *s};
	long long e;
	char *end;
	int n = 0;

	for (char *w = strtok_r(text, " \t", &save); w && n < 5; w = strtok_r(NULL, " \t", &save))
		f[n++] = w;
	if (n < 3)
		return;
	if (strcmp(f[0], "duid") == 0)
		return;
	errno = 0;
	e = strtoll(f[0], &end, 10);
	if (errno || *end || e < 0) {
		imd_warn(m, s, "lease: cannot read the expiry '%s'; not imported", f[0]);
		return;
	}
	if (strlen(f[1]) != 17 || mac_parse(f[1], 17, l.mac) < 0 || !imd_is_ipv4(f[2], &l.ip)) {
		if (!strchr(f[2], ':')) /* IPv6 leases carry an IAID instead of a MAC */
			imd_warn(m, s, "lease: cannot read '%s %s'; not imported", f[1], f[2]);
		return;
	}
	l.expiry = e;
	if (n > 3 && strcmp(f[3], "*") != 0)
		imd_copy(l.name, sizeof(l.name), f[3]);
	{
		struct lease_in *p = PUSH(m, leases_in);

		if (p)
			*p = l;
	}
}

int import_dnsmasq_line(struct import_dnsmasq *m, const char *file, int line, const char *text,
                        size_t len, enum import_kind kind, struct import_include *inc)
{
	struct src s = {intern(m, file), line};
	char buf[LINE_MAX_], *p, *key, *val, *c;
	int q = 0, included = 0, has_val = 0;

	if (len >= sizeof(buf)) {
		imd_warn(m, &s, "line longer than %zu bytes; not imported", sizeof(buf) - 1);
		return m->oom ? -ENOMEM : 0;
	}
	memcpy(buf, text, len);
	buf[len] = 0;
	if (memchr(buf, 0, len)) {
		imd_warn(m, &s, "line holds a NUL byte; not imported");
		return m->oom ? -ENOMEM : 0;
	}
	/* A comment: '#' at the start, or after white space outside quotes. */
	for (c = buf; *c; c++) {
		if (*c == '"')
			q = !q;
		else if (*c == '#' && !q && (c == buf || c[-1] == ' ' || c[-1] == '\t')) {
			*c = 0;
			break;
		}
	}
	p = imd_trim(buf);
	if (!*p)
		return m->oom ? -ENOMEM : 0;
	switch (kind) {
	case IMPORT_CONF:
		key = p;
		if (strncmp(key, "--", 2) == 0)
			key += 2;
		val = strchr(key, '=');
		if (val) {
			*val++ = 0;
			has_val = 1;
		} else
			val = key + strlen(key);
		key = imd_trim(key);
		val = imd_trim(val);
		do_conf(m, &s, key, val, has_val, inc, &included);
		break;
	case IMPORT_HOSTS:
	case IMPORT_OPTS: {
		/* a line of a hosts or options file is one directive's value */
		char *f[NFIELDS];
		struct dline d = {.key = kind == IMPORT_HOSTS ? "dhcp-host" : "dhcp-option",
		                  .val = p,
		                  .f = f,
		                  .n = imd_split(p, f, NFIELDS)};

		if (kind == IMPORT_HOSTS)
			do_host(m, &s, &d);
		else
			do_option(m, &s, &d);
		break;
	}
	case IMPORT_TFTPD: imd_tftpd_line(m, &s, p, inc, &included); break;
	case IMPORT_REMAP: imd_remap_line(m, &s, p); break;
	case IMPORT_LEASES: do_lease(m, &s, p); break;
	}
	if (m->oom)
		return -ENOMEM;
	return included;
}
