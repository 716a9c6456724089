// SPDX-License-Identifier: MIT
/*
 * import_dnsmasq.c - the model behind `rackboot import dnsmasq`: dnsmasq's
 * and tftpd-hpa's line syntax in, rackboot.conf text and warnings out.
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
#include "dhcp/dhcp_managed.h"

#define NFIELDS   64
#define TAG_LEN   64
#define NTAGS     8
#define LINE_MAX_ 4096

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

/* dnsmasq's CSA names for pxe-service, in their numeric order (option.c). */
static const char *const csa_names[] = {
        "x86PC",    "PC98",       "IA64_EFI",   "Alpha",  "Arc_x86",   "Intel_Lean_Client",
        "IA32_EFI", "X86-64_EFI", "Xscale_EFI", "BC_EFI", "ARM32_EFI", "ARM64_EFI"};

struct src {
	const char *file; /* interned */
	int line;
};

/* Tags a line matches: "name" or "!name". */
struct tags {
	char v[NTAGS][TAG_LEN];
	int n;
};

struct range {
	struct src src;
	struct tags match;
	char set[TAG_LEN];
	uint32_t start, end, mask;
	int proxy, stat;
	long lease; /* seconds; 0 infinite; -1 not given */
};

struct host {
	struct src src;
	uint8_t mac[MAC_LEN];
	uint32_t ip;
	char name[256];
	char set[TAG_LEN];
	int ignore;
};

struct opt {
	struct src src;
	struct tags match;
	int code;
	char value[1024]; /* the fields after the code, joined by ',' */
	int nvalues;      /* 0: "dhcp-option=3" sends nothing */
	int used;
};

struct boot {
	struct src src;
	struct tags match;
	char file[256];
	char sname[256];
	char saddr[256];
};

enum match_kind { M_ARCH, M_IPXE, M_PXE, M_NEVER };

struct match {
	struct src src;
	char set[TAG_LEN];
	enum match_kind kind;
	int arch;
};

struct tagif {
	struct src src;
	struct tags set, match;
};

struct pxe {
	struct src src;
	struct tags match;
	int csa;
	char base[256]; /* "" : local boot or a boot service type */
	int type;       /* a boot service type instead of a basename */
	char server[256];
};

struct lease_in {
	struct src src;
	int64_t expiry;
	uint8_t mac[MAC_LEN];
	uint32_t ip;
	char name[256];
};

struct local {
	char ifname[32];
	uint32_t addr;
	unsigned len;
};

/* A pool as emitted: one per subnet. */
struct pool {
	struct src src;
	struct ipv4_prefix net;
	uint32_t start, end; /* 0,0: none */
	uint32_t local;      /* this host's address inside it, or 0 */
	char set[TAG_LEN];   /* the range's set: tag */
	long lease;
	int proxy;
	uint32_t router; /* as emitted */
};

#define VEC(T)                                                                                     \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}

/* The model.  Owner: the caller of import_dnsmasq_new(). */
struct import_dnsmasq {
	char **files; /* interned file names */
	size_t nfiles;
	VEC(struct import_warn) warns;
	VEC(struct range) ranges;
	VEC(struct host) hosts;
	VEC(struct opt) opts;
	VEC(struct boot) boots;
	VEC(struct match) matches;
	VEC(struct tagif) tagifs;
	VEC(struct pxe) pxes;
	VEC(struct lease_in) leases_in;
	VEC(struct import_lease) leases;
	VEC(struct local) locals;
	VEC(struct pool) pools;
	char ifaces[16][16];
	int nifaces;
	int oom;
	int dns_port_on; /* DNS was not turned off with port=0 */
	struct src dns_src;
	int authoritative, ignore_unknown, enable_tftp, unique_root_mac, leasefile_seen;
	struct src tftp_root_src;
	char tftp_root[1024];
	char tftpd_root[1024];
	char domain[256];
	char pid_file[1024];
	char leasefile[1024];
	int tftp_max, port_min, port_max, blksize, tftp_port, tftp_timeout;
	int lease_max;
	struct src lease_max_src, leasefile_src;
};

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

#define PUSH(m, vec) ((__typeof__((m)->vec.v))push_or_oom((m), &(m)->vec, sizeof(*(m)->vec.v)))

static void *push_or_oom(struct import_dnsmasq *m, void *vec, size_t sz)
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

static void warn(struct import_dnsmasq *m, const struct src *s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void warn(struct import_dnsmasq *m, const struct src *s, const char *fmt, ...)
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

/* ---- lexical ------------------------------------------------------------ */

static void copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/*
 * Split a value into comma-separated fields in place, as dnsmasq's
 * option.c does: commas inside double quotes do not split, the quotes are
 * removed, and inside them \" and \\ stand for themselves.
 */
static int split(char *s, char **f, int max)
{
	int n = 0, q = 0;
	char *w = s, *start = s;

	if (!*trim(s))
		return 0;
	for (;; s++) {
		if (*s == '\\' && q && (s[1] == '"' || s[1] == '\\')) {
			*w++ = *++s;
			continue;
		}
		if (*s == '"') {
			q = !q;
			continue;
		}
		if (*s == 0 || (*s == ',' && !q)) {
			int end = *s == 0;

			*w = 0;
			if (n < max)
				f[n++] = trim(start);
			if (end)
				break;
			start = w = s + 1;
			continue;
		}
		*w++ = *s;
	}
	return n;
}

static int is_ipv4(const char *s, uint32_t *out)
{
	uint32_t a;

	if (ipv4_parse(s, &a) < 0)
		return 0;
	if (out)
		*out = a;
	return 1;
}

static int parse_int(const char *s, long *out)
{
	char *e;
	long v;

	if (!*s)
		return 0;
	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || *e)
		return 0;
	*out = v;
	return 1;
}

/* dnsmasq lease times: seconds, or with m/h/d/w, or "infinite". */
static int parse_lease(const char *s, long *out)
{
	size_t n = strlen(s);
	long mult = 1, v;
	char num[32];

	if (strcmp(s, "infinite") == 0) {
		*out = 0;
		return 1;
	}
	if (!n || n >= sizeof(num) || !isdigit((unsigned char)s[0]))
		return 0;
	copy(num, sizeof(num), s);
	switch (num[n - 1]) {
	case 'm':
	case 'M': mult = 60; break;
	case 'h':
	case 'H': mult = 3600; break;
	case 'd':
	case 'D': mult = 86400; break;
	case 'w':
	case 'W': mult = 604800; break;
	default: break;
	}
	if (mult != 1)
		num[n - 1] = 0;
	if (!parse_int(num, &v) || v < 0 || v > 1000000000L / mult)
		return 0;
	*out = v * mult;
	return 1;
}

static int mask_len(uint32_t mask, unsigned *len)
{
	unsigned l = 0;

	while (l < 32 && (mask & (0x80000000u >> l)))
		l++;
	if (ipv4_prefix_mask(l) != mask)
		return 0;
	*len = l;
	return 1;
}

/* A tag argument: "tag:x", "net:x" (old form).  The name goes to @t. */
static int tag_prefix(const char *f, const char **name)
{
	if (strncmp(f, "tag:", 4) == 0 || strncmp(f, "net:", 4) == 0) {
		*name = f + 4;
		return 1;
	}
	return 0;
}

static void tags_add(struct tags *t, const char *name)
{
	if (t->n < NTAGS) {
		copy(t->v[t->n], TAG_LEN, name);
		/* '#' is dnsmasq's old spelling of '!' */
		if (t->v[t->n][0] == '#')
			t->v[t->n][0] = '!';
		t->n++;
	}
}

static void tags_str(const struct tags *t, char *buf, size_t cap)
{
	size_t o = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < t->n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%stag:%s", i ? "," : "", t->v[i]);
}

/* ---- directives --------------------------------------------------------- */

static void do_range(struct import_dnsmasq *m, const struct src *s, char **f, int n)
{
	struct range r = {.src = *s, .lease = -1};
	int i = 0, k = 0;
	uint32_t a[4];
	const char *name;

	for (; i < n; i++) {
		if (tag_prefix(f[i], &name))
			tags_add(&r.match, name);
		else if (strncmp(f[i], "set:", 4) == 0)
			copy(r.set, sizeof(r.set), f[i] + 4);
		else if (strncmp(f[i], "interface:", 10) == 0)
			warn(m, s,
			     "dhcp-range: '%s' is not imported; rackboot serves the interfaces "
			     "in server.interfaces",
			     f[i]);
		else if (!is_ipv4(f[i], NULL) && strchr(f[i], ':')) {
			warn(m, s,
			     "dhcp-range: IPv6 ranges are not imported; rackboot serves DHCPv4 "
			     "only");
			return;
		} else if (!is_ipv4(f[i], NULL) && i == 0)
			copy(r.set, sizeof(r.set), f[i]); /* old form: a bare tag */
		else
			break;
	}
	for (; i < n; i++) {
		long l;

		if (is_ipv4(f[i], &a[k < 4 ? k : 3]) && k < 4)
			k++;
		else if (strcmp(f[i], "proxy") == 0)
			r.proxy = 1;
		else if (strcmp(f[i], "static") == 0)
			r.stat = 1;
		else if (parse_lease(f[i], &l))
			r.lease = l;
		else {
			warn(m, s, "dhcp-range: cannot read '%s'; the range is not imported", f[i]);
			return;
		}
	}
	if (k == 0) {
		warn(m, s, "dhcp-range: no address; the range is not imported");
		return;
	}
	r.start = a[0];
	if (r.proxy || r.stat) {
		/* start[,netmask] (dnsmasq's "mode" takes the end's place) */
		r.end = r.start;
		r.mask = k > 1 ? a[1] : 0;
		if (k > 2)
			warn(m, s,
			     "dhcp-range: the broadcast address is not imported; rackboot "
			     "derives it from the subnet");
	} else {
		r.end = k > 1 ? a[1] : a[0];
		r.mask = k > 2 ? a[2] : 0;
		if (k > 3)
			warn(m, s,
			     "dhcp-range: the broadcast address is not imported; rackboot "
			     "derives it from the subnet");
	}
	if (r.end < r.start) {
		warn(m, s, "dhcp-range: the end is below the start; the range is not imported");
		return;
	}
	if (r.match.n)
		warn(m, s,
		     "dhcp-range: the range applies only to clients with certain tags; "
		     "rackboot's pools apply to every client of the subnet");
	{
		struct range *p = PUSH(m, ranges);

		if (p)
			*p = r;
	}
}

static void do_host(struct import_dnsmasq *m, const struct src *s, char **f, int n)
{
	struct host h = {.src = *s};
	int i, macs = 0;
	const char *name;
	long l;

	for (i = 0; i < n; i++) {
		uint8_t mac[MAC_LEN];

		if (!*f[i])
			continue;
		if (strncmp(f[i], "set:", 4) == 0 || strncmp(f[i], "net:", 4) == 0)
			copy(h.set, sizeof(h.set), f[i] + 4);
		else if (strncmp(f[i], "tag:", 4) == 0) {
			name = f[i] + 4;
			warn(m, s,
			     "dhcp-host: the condition tag:%s is not imported; the host is "
			     "imported for every request",
			     name);
		} else if (strncmp(f[i], "id:", 3) == 0)
			warn(m, s,
			     "dhcp-host: client identifier '%s' is not imported; rackboot "
			     "knows machines by MAC address",
			     f[i]);
		else if (strcmp(f[i], "ignore") == 0)
			h.ignore = 1;
		else if (strcmp(f[i], "infinite") == 0 ||
		         (isdigit((unsigned char)f[i][0]) && !strchr(f[i], '.') &&
		          !strchr(f[i], ':') && parse_lease(f[i], &l)))
			warn(m, s,
			     "dhcp-host: the host's own lease time '%s' is not imported; it "
			     "gets its pool's lease_time",
			     f[i]);
		else if (f[i][0] == '[')
			warn(m, s, "dhcp-host: IPv6 address %s is not imported", f[i]);
		else if (is_ipv4(f[i], &h.ip))
			;
		else if (strlen(f[i]) == 17 && mac_parse(f[i], 17, mac) == 0) {
			if (macs++)
				warn(m, s,
				     "dhcp-host: only the first MAC address is imported; "
				     "another node is needed for %s",
				     f[i]);
			else
				memcpy(h.mac, mac, MAC_LEN);
		} else if (strchr(f[i], '*') ||
		           (strlen(f[i]) > 3 && f[i][2] == '-' && strchr(f[i], ':'))) {
			warn(m, s,
			     "dhcp-host: MAC pattern '%s' is not imported; rackboot nodes "
			     "have exactly one MAC",
			     f[i]);
			return;
		} else
			copy(h.name, sizeof(h.name), f[i]);
	}
	if (!macs) {
		warn(m, s,
		     "dhcp-host: no MAC address (a host known by name or client "
		     "identifier only) is not imported");
		return;
	}
	if (h.ignore) {
		warn(m, s,
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

/* The value type dnsmasq gives a known option. */
enum vtype { V_GUESS, V_ADDR, V_TEXT, V_U8, V_U16, V_U32 };

static enum vtype opt_type(int code)
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

static void do_option(struct import_dnsmasq *m, const struct src *s, char **f, int n, int force)
{
	struct opt o = {.src = *s, .code = -1};
	const char *name;
	int i;
	size_t k, len = 0;

	for (i = 0; i < n; i++) {
		if (tag_prefix(f[i], &name))
			tags_add(&o.match, name);
		else if (strncmp(f[i], "encap:", 6) == 0 || strncmp(f[i], "vi-encap:", 9) == 0 ||
		         strncmp(f[i], "vendor:", 7) == 0 || strncmp(f[i], "option6:", 8) == 0) {
			warn(m, s,
			     "dhcp-option: '%s' options are not imported; rackboot sends "
			     "plain options only (dhcp.pools.options)",
			     f[i]);
			return;
		} else
			break;
	}
	if (i == n) {
		warn(m, s, "dhcp-option: no option number; not imported");
		return;
	}
	if (strncmp(f[i], "option:", 7) == 0) {
		for (k = 0; k < sizeof(opt_names) / sizeof(opt_names[0]); k++)
			if (strcmp(opt_names[k].name, f[i] + 7) == 0)
				o.code = opt_names[k].code;
		if (o.code < 0) {
			warn(m, s, "dhcp-option: unknown option name '%s'; not imported", f[i] + 7);
			return;
		}
	} else {
		long c;

		if (!parse_int(f[i], &c) || c < 1 || c > 254) {
			warn(m, s, "dhcp-option: cannot read option '%s'; not imported", f[i]);
			return;
		}
		o.code = (int)c;
	}
	if (o.code == 255) {
		warn(m, s,
		     "dhcp-option server-ip-address: the next-server is rackboot itself; not "
		     "imported");
		return;
	}
	for (i++; i < n; i++) {
		int w = snprintf(o.value + len, sizeof(o.value) - len, "%s%s", o.nvalues ? "," : "",
		                 f[i]);

		if (w < 0 || (size_t)w >= sizeof(o.value) - len) {
			warn(m, s, "dhcp-option: value too long; not imported");
			return;
		}
		len += (size_t)w;
		o.nvalues++;
	}
	if (o.nvalues == 1 && !o.value[0])
		o.nvalues = 0;
	(void)force; /* rackboot sends configured options whether requested or not */
	{
		struct opt *p = PUSH(m, opts);

		if (p)
			*p = o;
	}
}

static void do_boot(struct import_dnsmasq *m, const struct src *s, char **f, int n)
{
	struct boot b = {.src = *s};
	const char *name;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if (tag_prefix(f[i], &name))
			tags_add(&b.match, name);
		else if (k == 0)
			copy(b.file, sizeof(b.file), f[i]), k++;
		else if (k == 1)
			copy(b.sname, sizeof(b.sname), f[i]), k++;
		else if (k == 2)
			copy(b.saddr, sizeof(b.saddr), f[i]), k++;
	}
	if (!k) {
		warn(m, s, "dhcp-boot: no file name; not imported");
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
	copy(p->set, sizeof(p->set), set);
	p->kind = kind;
	p->arch = arch;
}

static const char *set_name(const char *f)
{
	if (strncmp(f, "set:", 4) == 0 || strncmp(f, "net:", 4) == 0)
		return f + 4;
	return f;
}

static void do_match(struct import_dnsmasq *m, const struct src *s, char **f, int n)
{
	const char *set, *opt, *val;
	long code = -1, v;
	size_t k;

	if (n < 2) {
		warn(m, s, "dhcp-match: too few fields; not imported");
		return;
	}
	set = set_name(f[0]);
	opt = f[1];
	val = n > 2 ? f[2] : NULL;
	if (strncmp(opt, "option:", 7) == 0) {
		for (k = 0; k < sizeof(opt_names) / sizeof(opt_names[0]); k++)
			if (strcmp(opt_names[k].name, opt + 7) == 0)
				code = opt_names[k].code;
	} else if (strncmp(opt, "vi-encap:", 9) != 0 && !parse_int(opt, &code))
		code = -1;
	if (code == 93 && val && parse_int(val, &v)) {
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
	warn(m, s,
	     "dhcp-match: matching %s%s%s is not imported; lines that need tag '%s' are "
	     "taken as never matching",
	     opt, val ? " = " : "", val ? val : "", set);
}

static void do_class(struct import_dnsmasq *m, const struct src *s, char **f, int n, int user)
{
	const char *set;
	long v;

	if (n < 2) {
		warn(m, s, "dhcp-%sclass: too few fields; not imported", user ? "user" : "vendor");
		return;
	}
	set = set_name(f[0]);
	if (user && strstr(f[1], "iPXE")) {
		add_match(m, s, set, M_IPXE, 0);
		return;
	}
	if (!user && strncmp(f[1], "PXEClient:Arch:", 15) == 0 && parse_int(f[1] + 15, &v)) {
		add_match(m, s, set, M_ARCH, (int)v);
		return;
	}
	if (!user && strncmp(f[1], "PXEClient", 9) == 0 && (f[1][9] == 0 || f[1][9] == ':')) {
		add_match(m, s, set, M_PXE, 0);
		return;
	}
	add_match(m, s, set, M_NEVER, 0);
	warn(m, s,
	     "dhcp-%sclass: class '%s' is not imported; lines that need tag '%s' are taken "
	     "as never matching",
	     user ? "user" : "vendor", f[1], set);
}

static void do_tagif(struct import_dnsmasq *m, const struct src *s, char **f, int n)
{
	struct tagif *t = PUSH(m, tagifs);
	const char *name;
	int i;

	if (!t)
		return;
	t->src = *s;
	for (i = 0; i < n; i++) {
		if (strncmp(f[i], "set:", 4) == 0)
			tags_add(&t->set, f[i] + 4);
		else if (tag_prefix(f[i], &name))
			tags_add(&t->match, name);
	}
}

static void do_pxe(struct import_dnsmasq *m, const struct src *s, char **f, int n)
{
	struct pxe p = {.src = *s, .csa = -1};
	const char *name;
	int i = 0;
	size_t k;
	long v;

	for (; i < n && tag_prefix(f[i], &name); i++)
		tags_add(&p.match, name);
	if (n - i < 2) {
		warn(m, s, "pxe-service: too few fields; not imported");
		return;
	}
	for (k = 0; k < sizeof(csa_names) / sizeof(csa_names[0]); k++)
		if (strcasecmp(csa_names[k], f[i]) == 0)
			p.csa = (int)k;
	if (p.csa < 0 && parse_int(f[i], &v))
		p.csa = (int)v;
	if (p.csa < 0) {
		warn(m, s, "pxe-service: unknown client system type '%s'; not imported", f[i]);
		return;
	}
	i += 2; /* the CSA and the menu text */
	if (i < n) {
		if (parse_int(f[i], &v))
			p.type = (int)v;
		else
			copy(p.base, sizeof(p.base), f[i]);
		i++;
	}
	if (i < n)
		copy(p.server, sizeof(p.server), f[i]);
	{
		struct pxe *q = PUSH(m, pxes);

		if (q)
			*q = p;
	}
}

static void set_path(char *dst, size_t cap, const char *v)
{
	copy(dst, cap, v);
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
			copy(inc->filter, sizeof(inc->filter), comma + 1);
		} else
			copy(inc->path, sizeof(inc->path), val);
		return 1;
	}
	return 0;
}

/* Settings that only concern dnsmasq's DNS server. */
static int dns_only(const char *key)
{
	static const char *const keys[] = {
	        "server",         "local",           "address",         "no-resolv",
	        "resolv-file",    "no-hosts",        "addn-hosts",      "domain-needed",
	        "bogus-priv",     "expand-hosts",    "cache-size",      "no-negcache",
	        "strict-order",   "all-servers",     "host-record",     "cname",
	        "txt-record",     "srv-host",        "ptr-record",      "mx-host",
	        "log-queries",    "dns-forward-max", "stop-dns-rebind", "rebind-localhost-ok",
	        "filterwin2k",    "auth-server",     "auth-zone",       "dnssec",
	        "trust-anchor",   "local-ttl",       "neg-ttl",         "max-ttl",
	        "min-port",       "query-port",      "edns-packet-max", "localise-queries",
	        "interface-name", "hostsdir",        "rev-server",      "ipset",
	        "nftset",         "no-poll",         "selfmx",          "localmx",
	        "bogus-nxdomain", "dns-loop-detect", "clear-on-reload", "addn-hosts",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

/* Settings that change nothing a booting machine sees under rackboot. */
static int harmless(const char *key)
{
	static const char *const keys[] = {
	        "bind-interfaces",    "bind-dynamic", "log-dhcp",
	        "log-async",          "log-facility", "keep-in-foreground",
	        "no-daemon",          "log-debug",    "quiet-dhcp",
	        "quiet-dhcp6",        "no-ping",      "dhcp-no-override",
	        "dhcp-sequential-ip", "user",         "group",
	        "quiet-ra",           "log-tftp",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

static void do_conf(struct import_dnsmasq *m, const struct src *s, const char *key, char *val,
                    int has_val, struct import_include *inc, int *included)
{
	char vcopy[LINE_MAX_], *f[NFIELDS];
	int n;
	long v;

	copy(vcopy, sizeof(vcopy), val);
	if (handle_include(key, trim(vcopy), inc)) {
		*included = 1;
		return;
	}
	n = split(val, f, NFIELDS);
	if (strcmp(key, "dhcp-range") == 0)
		do_range(m, s, f, n);
	else if (strcmp(key, "dhcp-host") == 0)
		do_host(m, s, f, n);
	else if (strcmp(key, "dhcp-option") == 0 || strcmp(key, "dhcp-option-force") == 0)
		do_option(m, s, f, n, key[11] == '-');
	else if (strcmp(key, "dhcp-boot") == 0)
		do_boot(m, s, f, n);
	else if (strcmp(key, "dhcp-match") == 0)
		do_match(m, s, f, n);
	else if (strcmp(key, "dhcp-userclass") == 0)
		do_class(m, s, f, n, 1);
	else if (strcmp(key, "dhcp-vendorclass") == 0)
		do_class(m, s, f, n, 0);
	else if (strcmp(key, "tag-if") == 0)
		do_tagif(m, s, f, n);
	else if (strcmp(key, "pxe-service") == 0)
		do_pxe(m, s, f, n);
	else if (strcmp(key, "pxe-prompt") == 0)
		warn(m, s,
		     "pxe-prompt: rackboot shows no PXE menu; a PXE ROM boots its "
		     "architecture's file at once");
	else if (strcmp(key, "interface") == 0) {
		int i;

		for (i = 0; i < n; i++) {
			int dup = 0, k;

			for (k = 0; k < m->nifaces; k++)
				dup |= strcmp(m->ifaces[k], f[i]) == 0;
			if (dup)
				continue;
			if (strpbrk(f[i], "*/: \t\"\\") || strlen(f[i]) > 15 || !*f[i])
				warn(m, s,
				     "interface: '%s' is not imported; list each interface "
				     "by name in server.interfaces",
				     f[i]);
			else if (m->nifaces < 16 && strcmp(f[i], "lo") != 0)
				copy(m->ifaces[m->nifaces++], sizeof(m->ifaces[0]), f[i]);
		}
	} else if (strcmp(key, "except-interface") == 0 || strcmp(key, "no-dhcp-interface") == 0) {
		int i;

		for (i = 0; i < n; i++)
			if (strcmp(f[i], "lo") != 0)
				warn(m, s,
				     "%s: '%s' is not imported; rackboot serves every "
				     "interface but lo unless server.interfaces lists them",
				     key, f[i]);
	} else if (strcmp(key, "listen-address") == 0)
		warn(m, s,
		     "listen-address: not imported; rackboot serves by interface "
		     "(server.interfaces)");
	else if (strcmp(key, "port") == 0) {
		if (parse_int(val, &v) && v == 0)
			m->dns_port_on = 0;
		m->dns_src = *s;
	} else if (strcmp(key, "dhcp-authoritative") == 0)
		m->authoritative = 1;
	else if (strcmp(key, "dhcp-ignore") == 0) {
		if (n == 1 && (strcmp(f[0], "tag:!known") == 0 || strcmp(f[0], "net:!known") == 0 ||
		               strcmp(f[0], "tag:#known") == 0))
			m->ignore_unknown = 1;
		else
			warn(m, s,
			     "dhcp-ignore=%s: not imported; rackboot can ignore only machines "
			     "that are not in nodes (dhcp.unknown_clients)",
			     val);
	} else if (strcmp(key, "enable-tftp") == 0) {
		m->enable_tftp = 1;
		if (has_val && *val)
			warn(m, s,
			     "enable-tftp=%s: rackboot serves TFTP on every interface of "
			     "server.interfaces",
			     val);
	} else if (strcmp(key, "tftp-root") == 0) {
		if (n > 1)
			warn(m, s,
			     "tftp-root: a root per interface (%s) is not imported; one "
			     "root serves all",
			     f[1]);
		if (n >= 1) {
			if (m->tftp_root[0])
				warn(m, s,
				     "tftp-root: more than one root; the last one is imported");
			set_path(m->tftp_root, sizeof(m->tftp_root), f[0]);
			m->tftp_root_src = *s;
		}
	} else if (strcmp(key, "tftp-unique-root") == 0) {
		if (n >= 1 && strcmp(f[0], "mac") == 0) {
			m->unique_root_mac = 1;
			warn(m, s,
			     "tftp-unique-root=mac: rackboot's tftp.per_node looks in a "
			     "folder named with hyphens (aa-bb-cc-dd-ee-ff), where dnsmasq "
			     "used colons (aa:bb:cc:dd:ee:ff); rename the folders");
		} else
			warn(m, s,
			     "tftp-unique-root: folders per client address are not imported; "
			     "rackboot looks in folders per MAC (tftp.per_node)");
	} else if (strcmp(key, "tftp-secure") == 0)
		warn(m, s,
		     "tftp-secure: not imported; rackboot serves every readable regular "
		     "file beneath tftp.root, whoever owns it (it never leaves the root)");
	else if (strcmp(key, "tftp-max") == 0) {
		if (parse_int(val, &v) && v >= 1 && v <= 100000)
			m->tftp_max = (int)v;
		else
			warn(m, s, "tftp-max=%s: out of rackboot's range 1 to 100000; not imported",
			     val);
	} else if (strcmp(key, "tftp-port-range") == 0) {
		long a, b;

		if (n == 2 && parse_int(f[0], &a) && parse_int(f[1], &b) && a >= 1 && b <= 65535 &&
		    b - a + 1 >= 16) {
			m->port_min = (int)a;
			m->port_max = (int)b;
		} else
			warn(m, s,
			     "tftp-port-range=%s: rackboot needs a range of at least 16 ports; "
			     "not imported",
			     val);
	} else if (strcmp(key, "tftp-no-blocksize") == 0)
		warn(m, s,
		     "tftp-no-blocksize: not imported; rackboot negotiates block sizes up to "
		     "the interface MTU");
	else if (strcmp(key, "tftp-mtu") == 0) {
		if (parse_int(val, &v) && v - 32 >= 512 && v - 32 <= 65464)
			m->blksize = (int)v - 32; /* IP and UDP headers, and TFTP's 4 */
		else
			warn(m, s, "tftp-mtu=%s: not imported", val);
	} else if (strcmp(key, "tftp-lowercase") == 0 || strcmp(key, "tftp-no-fail") == 0 ||
	           strcmp(key, "tftp-single-port") == 0 || strcmp(key, "tftp-port") == 0)
		warn(m, s, "%s: not imported; rackboot has no such setting", key);
	else if (strcmp(key, "dhcp-leasefile") == 0 || strcmp(key, "dhcp-lease-file") == 0) {
		m->leasefile_seen = 1;
		m->leasefile_src = *s;
		copy(m->leasefile, sizeof(m->leasefile), val);
	} else if (strcmp(key, "dhcp-lease-max") == 0) {
		if (parse_int(val, &v)) {
			m->lease_max = (int)v;
			m->lease_max_src = *s;
		}
	} else if (strcmp(key, "domain") == 0) {
		if (n > 1)
			warn(m, s,
			     "domain: a domain per subnet (%s) is not imported; the domain "
			     "goes to every pool",
			     f[1]);
		if (n >= 1 && strcmp(f[0], "#") != 0)
			copy(m->domain, sizeof(m->domain), f[0]);
	} else if (strcmp(key, "pid-file") == 0) {
		if (n >= 1 && f[0][0] == '/')
			copy(m->pid_file, sizeof(m->pid_file), f[0]);
	} else if (strcmp(key, "leasefile-ro") == 0 || strcmp(key, "dhcp-script") == 0 ||
	           strcmp(key, "dhcp-luascript") == 0 || strcmp(key, "script-arp") == 0)
		warn(m, s,
		     "%s: not imported; rackboot keeps leases in its own journal and runs "
		     "no lease scripts",
		     key);
	else if (harmless(key))
		; /* see harmless() */
	else if (dns_only(key)) {
		if (m->dns_port_on)
			warn(m, s, "%s: a DNS setting, not imported; rackboot has no DNS server",
			     key);
	} else if (strncmp(key, "dhcp-", 5) == 0 || strncmp(key, "tftp", 4) == 0 ||
	           strncmp(key, "pxe", 3) == 0)
		warn(m, s, "%s: not imported; rackboot has no equivalent", key);
	else
		warn(m, s, "%s: not imported", key);
}

/* ---- tftpd-hpa ---------------------------------------------------------- */

int import_dnsmasq_is_tftpd(const char *text, size_t len)
{
	return len >= 5 && memcmp(text, "TFTP_", 5) == 0;
}

static void do_tftpd_options(struct import_dnsmasq *m, const struct src *s, char *v,
                             struct import_include *inc, int *included)
{
	char *save = NULL, *w;

	for (w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *arg = NULL;
		long n;

		if (!strcmp(w, "-s") || !strcmp(w, "--secure") || !strcmp(w, "-v") ||
		    !strcmp(w, "-vv") || !strcmp(w, "-vvv") || !strcmp(w, "--verbose") ||
		    !strcmp(w, "-l") || !strcmp(w, "--listen") || !strcmp(w, "-L") ||
		    !strcmp(w, "--foreground") || !strcmp(w, "-4") || !strcmp(w, "-6") ||
		    !strcmp(w, "--ipv4") || !strcmp(w, "--ipv6"))
			continue; /* rackboot always stays beneath its root, as --secure does */
		if (!strcmp(w, "-c") || !strcmp(w, "--create")) {
			warn(m, s,
			     "tftpd %s: rackboot's TFTP server is read-only; uploads are "
			     "refused",
			     w);
			continue;
		}
		if (!strcmp(w, "-p") || !strcmp(w, "--permissive")) {
			warn(m, s,
			     "tftpd %s: not imported; rackboot serves files readable by its "
			     "own user",
			     w);
			continue;
		}
		if (!strcmp(w, "-m") || !strcmp(w, "--mapfile") || !strcmp(w, "-B") ||
		    !strcmp(w, "--blocksize") || !strcmp(w, "-R") || !strcmp(w, "--port-range") ||
		    !strcmp(w, "-u") || !strcmp(w, "--user") || !strcmp(w, "-U") ||
		    !strcmp(w, "--umask") || !strcmp(w, "-T") || !strcmp(w, "--timeout") ||
		    !strcmp(w, "-r") || !strcmp(w, "--refuse") || !strcmp(w, "-a") ||
		    !strcmp(w, "--address") || !strcmp(w, "-P") || !strcmp(w, "--pidfile") ||
		    !strcmp(w, "-t")) {
			arg = strtok_r(NULL, " \t", &save);
			if (!arg) {
				warn(m, s, "tftpd %s: missing its argument", w);
				return;
			}
		} else {
			warn(m, s, "tftpd option %s: not imported", w);
			continue;
		}
		if (!strcmp(w, "-m") || !strcmp(w, "--mapfile")) {
			memset(inc, 0, sizeof(*inc));
			inc->kind = IMPORT_REMAP;
			copy(inc->path, sizeof(inc->path), arg);
			*included = 1;
		} else if (!strcmp(w, "-B") || !strcmp(w, "--blocksize")) {
			if (parse_int(arg, &n) && n >= 512 && n <= 65464)
				m->blksize = (int)n;
			else
				warn(m, s, "tftpd %s %s: not imported", w, arg);
		} else if (!strcmp(w, "-R") || !strcmp(w, "--port-range")) {
			long a, b;
			char *colon = strchr(arg, ':');

			if (colon && (*colon = 0, parse_int(arg, &a)) && parse_int(colon + 1, &b) &&
			    a >= 1 && b <= 65535 && b - a + 1 >= 16) {
				m->port_min = (int)a;
				m->port_max = (int)b;
			} else
				warn(m, s,
				     "tftpd %s: rackboot needs a port range of at least 16 "
				     "ports; not imported",
				     w);
		} else if (!strcmp(w, "-T") || !strcmp(w, "--timeout")) {
			if (parse_int(arg, &n) && n > 0)
				m->tftp_timeout = (int)((n + 999999) / 1000000);
		} else if (!strcmp(w, "-u") || !strcmp(w, "--user"))
			warn(m, s, "tftpd %s %s: rackboot serves TFTP as server.user", w, arg);
		else if (!strcmp(w, "-a") || !strcmp(w, "--address")) {
			char *colon = strrchr(arg, ':');

			if (colon && parse_int(colon + 1, &n) && n >= 1 && n <= 65535)
				m->tftp_port = (int)n;
			if (colon && colon != arg)
				warn(m, s,
				     "tftpd %s %s: rackboot serves by interface "
				     "(server.interfaces), not by address",
				     w, arg);
		} else if (!strcmp(w, "-r") || !strcmp(w, "--refuse"))
			warn(m, s,
			     "tftpd %s %s: rackboot cannot refuse a TFTP option; it caps "
			     "them (tftp.blksize_max, tftp.window_max)",
			     w, arg);
		/* -U, -P, -t: nothing a client sees */
	}
}

static void do_tftpd(struct import_dnsmasq *m, const struct src *s, char *text,
                     struct import_include *inc, int *included)
{
	char *eq = strchr(text, '='), *key, *v;
	size_t n;

	if (!eq) {
		warn(m, s, "tftpd-hpa: cannot read this line; not imported");
		return;
	}
	*eq = 0;
	key = trim(text);
	v = trim(eq + 1);
	n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = 0;
		v++;
	}
	if (strcmp(key, "TFTP_DIRECTORY") == 0) {
		set_path(m->tftpd_root, sizeof(m->tftpd_root), v);
		if (!m->tftp_root_src.file)
			m->tftp_root_src = *s;
	} else if (strcmp(key, "TFTP_OPTIONS") == 0)
		do_tftpd_options(m, s, v, inc, included);
	else if (strcmp(key, "TFTP_ADDRESS") == 0) {
		char *colon = strrchr(v, ':');
		long port;

		if (colon && parse_int(colon + 1, &port) && port >= 1 && port <= 65535)
			m->tftp_port = (int)port;
		if (colon && colon != v && strncmp(v, "0.0.0.0", (size_t)(colon - v)) != 0)
			warn(m, s,
			     "TFTP_ADDRESS=%s: rackboot serves by interface "
			     "(server.interfaces), not by address",
			     v);
	} else if (strcmp(key, "TFTP_USERNAME") == 0)
		warn(m, s, "TFTP_USERNAME=%s: rackboot serves TFTP as server.user", v);
	else
		warn(m, s, "tftpd-hpa: %s is not imported", key);
}

/* tftpd-hpa remap rules: "r", "rg" and friends, a regex, a replacement.
 * rackboot already turns backslashes into slashes and drops a leading
 * slash (tftp_path_clean), which is what the usual rules do. */
static void do_remap(struct import_dnsmasq *m, const struct src *s, char *text)
{
	char *save = NULL, *op = strtok_r(text, " \t", &save);
	char *re = op ? strtok_r(NULL, " \t", &save) : NULL;
	char *to = re ? strtok_r(NULL, " \t", &save) : NULL;

	if (!op || op[0] == '#')
		return;
	if (re && strchr(op, 'r') && to && strcmp(re, "\\\\") == 0 && strcmp(to, "/") == 0)
		return; /* rackboot: backslashes are separators */
	if (re && strchr(op, 'r') && strcmp(re, "^/") == 0 &&
	    (!to || strcmp(to, "''") == 0 || strcmp(to, "\"\"") == 0))
		return; /* rackboot: a leading slash is dropped */
	if ((re && (strstr(re, "\\i") || strstr(re, "\\x"))) ||
	    (to && (strstr(to, "\\i") || strstr(to, "\\x"))))
		warn(m, s,
		     "tftpd remap rule '%s %s %s': files per client address are not "
		     "imported; rackboot keeps files per MAC in tftp.root/aa-bb-cc-dd-ee-ff/ "
		     "(tftp.per_node)",
		     op, re, to ? to : "");
	else
		warn(m, s,
		     "tftpd remap rule '%s %s%s%s': not imported; rackboot does not rewrite "
		     "file names (only '\\' to '/' and a leading '/')",
		     op, re ? re : "", to ? " " : "", to ? to : "");
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
		warn(m, s, "lease: cannot read the expiry '%s'; not imported", f[0]);
		return;
	}
	if (strlen(f[1]) != 17 || mac_parse(f[1], 17, l.mac) < 0 || !is_ipv4(f[2], &l.ip)) {
		if (!strchr(f[2], ':')) /* IPv6 leases carry an IAID instead of a MAC */
			warn(m, s, "lease: cannot read '%s %s'; not imported", f[1], f[2]);
		return;
	}
	l.expiry = e;
	if (n > 3 && strcmp(f[3], "*") != 0)
		copy(l.name, sizeof(l.name), f[3]);
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
		warn(m, &s, "line longer than %zu bytes; not imported", sizeof(buf) - 1);
		return m->oom ? -ENOMEM : 0;
	}
	memcpy(buf, text, len);
	buf[len] = 0;
	if (memchr(buf, 0, len)) {
		warn(m, &s, "line holds a NUL byte; not imported");
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
	p = trim(buf);
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
		key = trim(key);
		val = trim(val);
		do_conf(m, &s, key, val, has_val, inc, &included);
		break;
	case IMPORT_HOSTS: {
		char *f[NFIELDS];
		int n = split(p, f, NFIELDS);

		do_host(m, &s, f, n);
		break;
	}
	case IMPORT_OPTS: {
		char *f[NFIELDS];
		int n = split(p, f, NFIELDS);

		do_option(m, &s, f, n, 0);
		break;
	}
	case IMPORT_TFTPD: do_tftpd(m, &s, p, inc, &included); break;
	case IMPORT_REMAP: do_remap(m, &s, p); break;
	case IMPORT_LEASES: do_lease(m, &s, p); break;
	}
	if (m->oom)
		return -ENOMEM;
	return included;
}

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
		copy(t->v[t->n++], TAG_LEN, name);
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
			copy(file, cap, b->file);
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
		if (!mask_len(r->mask, &len)) {
			warn(m, &r->src,
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
		warn(m, &r->src,
		     "dhcp-range: no netmask and no interface of this host in that "
		     "subnet; assuming /%u as dnsmasq does for a relayed subnet",
		     len);
	}
	if (p->net.len < 8 || p->net.len > 30) {
		warn(m, &r->src, "dhcp-range: rackboot pools are /8 to /30, not /%u; not imported",
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
			warn(m, &r->src,
			     "dhcp-range: %s range beside %s ones; rackboot runs in one "
			     "mode (dhcp.mode), so it is not imported",
			     r->proxy ? "a proxy" : "an address", proxy ? "proxy" : "address");
			continue;
		}
		if (range_subnet(m, r, &p) < 0)
			continue;
		copy(p.set, sizeof(p.set), r->set);
		mask = ipv4_prefix_mask(p.net.len);
		bcast = p.net.addr | ~mask;
		if (!r->proxy && !r->stat) {
			p.start = r->start;
			p.end = r->end;
			if (!ipv4_prefix_contains(&p.net, p.end)) {
				warn(m, &r->src,
				     "dhcp-range: the end lies outside the subnet; "
				     "not imported");
				continue;
			}
			if (p.start == p.net.addr)
				p.start++;
			if (p.end == bcast)
				p.end--;
			if (p.start > p.end) {
				warn(m, &r->src, "dhcp-range: no usable address; not imported");
				continue;
			}
		}
		for (j = 0; j < m->pools.n; j++)
			if (ipv4_prefix_overlap(&m->pools.v[j].net, &p.net))
				break;
		if (j < m->pools.n) {
			struct pool *q = &m->pools.v[j];

			if (q->net.addr != p.net.addr || q->net.len != p.net.len) {
				warn(m, &r->src,
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
				warn(m, &r->src,
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
	enum vtype t = opt_type(o->code);
	int n, i, all_ip = 1, all_hex = 1;
	long num = 0;

	copy(v, sizeof(v), o->value);
	n = split(v, f, NFIELDS);
	for (i = 0; i < n; i++) {
		const char *c;

		all_ip &= is_ipv4(f[i], NULL);
		for (c = f[i]; *c; c++)
			if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '-')
				all_hex = 0;
	}
	all_hex &= n == 1 && strchr(f[0], ':') != NULL;
	if (all_hex && t == V_GUESS)
		t = V_U8; /* "01:02:0a": bytes as written, below */
	else if (t == V_GUESS)
		t = all_ip                                        ? V_ADDR
		    : n == 1 && parse_int(f[0], &num) && num >= 0 ? (num > 0xffff ? V_U32
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
			warn(m, &o->src, "dhcp-option %d: cannot read '%s' as bytes; not imported",
			     o->code, f[0]);
			return -1;
		}
		hex[h] = 0;
		buf_printf(b, "hex = \"%s\";", hex);
		return 0;
	}
	switch (t) {
	case V_ADDR:
		if (!all_ip || n > 63) {
			warn(m, &o->src, "dhcp-option %d: expected IPv4 addresses; not imported",
			     o->code);
			return -1;
		}
		buf_puts(b, "addresses = [");
		for (i = 0; i < n; i++) {
			uint32_t a = 0;

			is_ipv4(f[i], &a);
			buf_puts(b, i ? ", " : "");
			ip(b, a);
		}
		buf_puts(b, "];");
		return 0;
	case V_U8:
	case V_U16:
	case V_U32:
		if (n != 1 || !parse_int(f[0], &num) || num < 0 ||
		    num > (t == V_U8    ? 255
		           : t == V_U16 ? 65535
		                        : 2147483647L)) {
			warn(m, &o->src, "dhcp-option %d: expected a number; not imported",
			     o->code);
			return -1;
		}
		buf_printf(b, "%s = %ld;", t == V_U8 ? "u8" : t == V_U16 ? "u16" : "u32", num);
		return 0;
	default:
		if (strlen(o->value) > 255) {
			warn(m, &o->src, "dhcp-option %d: longer than 255 bytes; not imported",
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

	copy(v, sizeof(v), o->value);
	n = split(v, f, NFIELDS);
	return n >= 1 && is_ipv4(f[0], a);
}

static void emit_addrs(struct import_dnsmasq *m, struct buf *b, const struct opt *o,
                       const char *key)
{
	char v[sizeof(o->value)], *f[NFIELDS];
	int n, i, k = 0;

	copy(v, sizeof(v), o->value);
	n = split(v, f, NFIELDS);
	buf_printf(b, "\t\t\t%s = [", key);
	for (i = 0; i < n; i++) {
		uint32_t a;

		if (strcmp(f[i], "0.0.0.0") == 0 && o->code == 6) {
			warn(m, &o->src,
			     "dhcp-option 6: 0.0.0.0 (dnsmasq's own address) is not "
			     "imported; rackboot has no DNS server");
			continue;
		}
		if (!is_ipv4(f[i], &a)) {
			warn(m, &o->src, "dhcp-option %d: '%s' is not an address; not imported",
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
			warn(m, &o->src, "dhcp-option 3: only the first router is imported");
	} else if (!o) {
		/* dnsmasq announces itself as the router unless told otherwise */
		router = p->local;
		if (!router)
			warn(m, &p->src,
			     "dnsmasq announced the relay's address (giaddr) as the "
			     "router of this subnet; rackboot needs it written: add "
			     "dhcp-option=3,ADDRESS or set the pool's router");
	}
	if (router &&
	    (!ipv4_prefix_contains(&p->net, router) ||
	     (p->start && router >= p->start && router <= p->end) || router == p->net.addr ||
	     router == (p->net.addr | ~ipv4_prefix_mask(p->net.len)))) {
		warn(m, o ? &o->src : &p->src,
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
		warn(m, m->dns_src.file ? &m->dns_src : &p->src,
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
			warn(m, &o->src, "dhcp-option 15: '%s' is not a domain name; not imported",
			     o->value);
	} else if (m->domain[0] && hostname_valid(m->domain))
		buf_printf(b, "\t\t\tdomain = \"%s\";\n", m->domain);
	o = pool_opt(m, p, 26);
	if (o && o->nvalues) {
		long mtu;

		if (parse_int(o->value, &mtu) && mtu >= 576 && mtu <= 65535)
			buf_printf(b, "\t\t\tmtu = %ld;\n", mtu);
		else
			warn(m, &o->src, "dhcp-option 26: MTU '%s' is not imported", o->value);
	}
	o = pool_opt(m, p, 1);
	if (o && o->nvalues) {
		uint32_t mk;

		if (!first_ip(o, &mk) || mk != ipv4_prefix_mask(p->net.len))
			warn(m, &o->src,
			     "dhcp-option 1: the netmask %s differs from the subnet's "
			     "/%u; rackboot sends the subnet's",
			     o->value, p->net.len);
	}
	if (p->lease == 0) {
		buf_puts(b, "\t\t\tlease_time = 31536000;\n");
		warn(m, &p->src,
		     "dhcp-range: infinite leases are one year (rackboot's longest) "
		     "in rackboot");
	} else if (p->lease > 0) {
		long l = p->lease < 120 ? 120 : p->lease; /* dnsmasq's minimum */

		if (l > 31536000) {
			warn(m, &p->src, "dhcp-range: lease time %ld s is cut to one year", l);
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

		if (bt->saddr[0] || (bt->sname[0] && is_ipv4(bt->sname, NULL)))
			warn(m, &bt->src,
			     "dhcp-boot: the TFTP server %s is not imported; rackboot "
			     "names itself as next-server and serves the file",
			     bt->saddr[0] ? bt->saddr : bt->sname);
		else if (bt->sname[0])
			warn(m, &bt->src, "dhcp-boot: the server name '%s' is not imported",
			     bt->sname);
	}
	for (i = 0; i < m->pxes.n; i++) {
		const struct pxe *p = &m->pxes.v[i];

		if (p->server[0])
			warn(m, &p->src,
			     "pxe-service: the boot server %s is not imported; rackboot "
			     "serves the file itself",
			     p->server);
		if (!p->base[0])
			warn(m, &p->src,
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
			warn(m, s,
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
				warn(m, hs ? hs : &m->hosts.v[i].src,
				     "boot file '%s' for the host of %s (architecture %d) is not "
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
				warn(m, s2 ? s2 : &m->pools.v[i].src,
				     "boot file '%s' for the range of %s is not imported: rackboot "
				     "hands every subnet the same file ('%s')",
				     other, src_str(&m->pools.v[i].src, where, sizeof(where)),
				     file);
		}
		if (slots[k].also >= 0) {
			struct client a = {.arch = slots[k].also};

			s2 = choose_boot(m, &a, other, sizeof(other), &npxe);
			if (strcmp(other, file) != 0)
				warn(m, s2 ? s2 : s,
				     "architecture %d got '%s' and %d got '%s'; rackboot hands "
				     "both "
				     "dhcp.boot.%s ('%s')",
				     slots[k].also, other, slots[k].arch, file, slots[k].key, file);
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
				warn(m, s, "boot file '%s' for architecture %d %s; not imported",
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
		warn(m, m->boots.n ? &m->boots.v[0].src : &m->pxes.v[0].src,
		     "dnsmasq gave PXE ROMs of architecture %s no boot file; rackboot hands them "
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
			warn(m, s,
			     "iPXE was handed '%s', which is not an http://, https:// or tftp:// "
			     "URL; rackboot hands iPXE the URL of its own script, "
			     "http://SERVER:8080/boot/MAC.ipxe, unless dhcp.ipxe_url is set",
			     file);
			return;
		}
		if (!url_src) {
			snprintf(url, sizeof(url), "%s", file);
			url_src = s;
		} else if (strcmp(url, file) != 0)
			warn(m, s,
			     "iPXE of architecture %d was handed '%s'; rackboot hands every iPXE "
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
		warn(m, m->tftp_root_src.file ? &m->tftp_root_src : NULL,
		     "the TFTP root '%s' is not an absolute path; not imported", root);
	else
		warn(m, NULL,
		     "neither enable-tftp with tftp-root nor tftpd-hpa's TFTP_DIRECTORY "
		     "says where the boot files are; tftp.root keeps its default "
		     "/srv/rackboot/tftp");
	if (m->enable_tftp && m->tftpd_root[0] && m->tftp_root[0] &&
	    strcmp(m->tftp_root, m->tftpd_root) != 0)
		warn(m, &m->tftp_root_src,
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
		copy(out, cap, h->name);
		return;
	}
	for (i = 0; i < m->leases_in.n; i++)
		if (memcmp(m->leases_in.v[i].mac, h->mac, MAC_LEN) == 0 &&
		    hostname_valid(m->leases_in.v[i].name) &&
		    strlen(m->leases_in.v[i].name) <= 64) {
			copy(out, cap, m->leases_in.v[i].name);
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
			warn(m, &h->src,
			     "dhcp-host: a second line for %s; only the first is "
			     "imported",
			     mac_format(h->mac, ':', mac));
			continue;
		}
		if (h->ip) {
			const struct pool *p = pool_of(m, h->ip);
			uint32_t bc = p ? p->net.addr | ~ipv4_prefix_mask(p->net.len) : 0;

			if (p && h->ip == p->router) {
				warn(m, &h->src,
				     "dhcp-host: %s is the subnet's router; the node gets "
				     "no fixed address",
				     ipv4_format(h->ip, a));
				h->ip = 0;
			} else if ((!p && !proxy) || (p && (h->ip == p->net.addr || h->ip == bc))) {
				warn(m, &h->src,
				     "dhcp-host: %s is not a host address of an imported "
				     "subnet (dnsmasq ignores it too); the node gets none",
				     ipv4_format(h->ip, a));
				h->ip = 0;
			}
		}
		for (j = 0; j < i && h->ip; j++)
			if (m->hosts.v[j].ip == h->ip) {
				warn(m, &h->src,
				     "dhcp-host: %s is also given to the host of %s; not "
				     "imported",
				     ipv4_format(h->ip, a),
				     src_str(&m->hosts.v[j].src, where, sizeof(where)));
				h->ip = 0;
			}
		node_name(m, h, name, sizeof(name));
		if (h->name[0] && strcmp(h->name, name) != 0)
			warn(m, &h->src,
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
				warn(m, &h->src,
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
		tags_str(&o->match, t, sizeof(t));
		if (scope < 0)
			warn(m, &o->src,
			     "dhcp-option %d with %s: rackboot sends options per pool or "
			     "per node, not by tag; not imported",
			     o->code, t);
		else if (o->code == 67)
			warn(m, &o->src,
			     "dhcp-option 67: the boot file comes from dhcp.boot; not "
			     "imported");
		else if (dhcp_managed_option(o->code) && o->nvalues)
			warn(m, &o->src,
			     "dhcp-option %d: rackboot sets this option itself%s; not "
			     "imported",
			     o->code, scope == 1 ? " (a node cannot override it)" : "");
		else if (!o->nvalues && o->code != 3 && o->code != 6)
			warn(m, &o->src,
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
		warn(m, &m->leasefile_src,
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
			warn(m, &l->src, "lease of %s: %s; not imported", ipv4_format(l->ip, a),
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
		warn(m, NULL, "no dhcp-range: dnsmasq served no DHCP; dhcp.enable = false");
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
		warn(m, &m->lease_max_src,
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
