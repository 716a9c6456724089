// SPDX-License-Identifier: MIT
/*
 * api.c - the operator's view: JSON for /api/nodes, /api/nodes/<mac> and
 * /api/leases, and the /status page (one HTML document with its style
 * inline and no script, so it works from a jump host without internet).
 * Costs O(nodes + leases log leases + machines seen) per request.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/api.h"
#include "dhcp/dhcp.h"
#include "core/server.h"
#include "core/timeline.h"

/* The leases, sorted by MAC, for look-ups while a response is built. */
struct leases {
	struct lease *v;
	size_t n, cap;
	int oom;
};

static void leases_add(const struct lease *l, void *arg)
{
	struct leases *ls = arg;

	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct lease *nv = realloc(ls->v, cap * sizeof(*nv));

		if (!nv) {
			ls->oom = 1;
			return;
		}
		ls->v = nv;
		ls->cap = cap;
	}
	ls->v[ls->n++] = *l;
}

/* By MAC, then the bound lease first, then the latest expiry. */
static int lease_cmp(const void *a, const void *b)
{
	const struct lease *x = a, *y = b;
	int c = memcmp(x->mac, y->mac, MAC_LEN);

	if (c)
		return c;
	if ((x->state == LEASE_BOUND) != (y->state == LEASE_BOUND))
		return x->state == LEASE_BOUND ? -1 : 1;
	return x->expires > y->expires ? -1 : x->expires < y->expires;
}

static int leases_load(struct leases *ls)
{
	memset(ls, 0, sizeof(*ls));
	dhcp_leases_each(leases_add, ls);
	if (ls->oom) {
		free(ls->v);
		return -ENOMEM;
	}
	qsort(ls->v, ls->n, sizeof(*ls->v), lease_cmp);
	return 0;
}

/* The lease that best describes @p mac (bound first), or NULL. */
static const struct lease *leases_find(const struct leases *ls, const uint8_t mac[MAC_LEN])
{
	size_t lo = 0, hi = ls->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(ls->v[mid].mac, mac, MAC_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ls->n && memcmp(ls->v[lo].mac, mac, MAC_LEN) == 0 ? &ls->v[lo] : NULL;
}

static const char *state_name(const struct lease *l, int64_t now)
{
	switch (l->state) {
	case LEASE_BOUND: return l->expires > now ? "bound" : "expired";
	case LEASE_DECLINED: return "declined";
	case LEASE_OFFERED: return "offered";
	default: return "free";
	}
}

static void json_lease(struct buf *b, const struct lease *l, int64_t now)
{
	char a[IPV4_STRLEN], m[MAC_STRLEN];

	buf_printf(b, "{\"mac\":\"%s\",\"ip\":\"%s\",\"state\":\"%s\",\"expires\":%" PRId64 "}",
	           mac_format(l->mac, ':', m), ipv4_format(l->ip, a), state_name(l, now),
	           l->expires);
}

static void json_node(struct buf *b, const uint8_t mac[MAC_LEN], const struct conf_node *n,
                      const struct leases *ls, int64_t now)
{
	const struct lease *l = leases_find(ls, mac);
	char a[IPV4_STRLEN], m[MAC_STRLEN];
	size_t i;

	buf_printf(b, "{\"mac\":\"%s\",\"known\":%s", mac_format(mac, ':', m),
	           n ? "true" : "false");
	if (n) {
		buf_puts(b, ",\"hostname\":");
		buf_json_str(b, n->hostname);
		buf_puts(b, ",\"template\":");
		buf_json_str(b, n->template);
		buf_puts(b, ",\"volume\":");
		buf_json_str(b, n->volume);
		if (n->ip)
			buf_printf(b, ",\"ip\":\"%s\"", ipv4_format(n->ip, a));
		buf_puts(b, ",\"vars\":{");
		for (i = 0; i < n->nvars; i++) {
			buf_puts(b, i ? "," : "");
			buf_json_str(b, n->vars[i].key);
			buf_puts(b, ":");
			buf_json_str(b, n->vars[i].value);
		}
		buf_puts(b, "}");
	}
	buf_puts(b, ",\"lease\":");
	if (l)
		json_lease(b, l, now);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"timeline\":");
	if (timeline_global())
		timeline_json(timeline_global(), mac, b);
	else
		buf_puts(b, "[]");
	buf_puts(b, "}");
}

/* Machines seen but not configured, most recent first.  Caller frees. */
static size_t seen_unknown(const struct conf *c, uint8_t (**out)[MAC_LEN])
{
	struct timeline *tl = timeline_global();
	size_t n = tl ? timeline_count(tl) : 0, got, i, k = 0;
	uint8_t(*v)[MAC_LEN];

	*out = NULL;
	if (!n)
		return 0;
	v = calloc(n, MAC_LEN);
	if (!v)
		return 0;
	got = timeline_macs(tl, v, n);
	for (i = 0; i < got; i++)
		if (!conf_node_by_mac(c, v[i]))
			memcpy(v[k++], v[i], MAC_LEN);
	*out = v;
	return k;
}

int api_nodes(struct buf *b)
{
	const struct conf *c = server.conf;
	int64_t now = (int64_t)time(NULL);
	uint8_t(*unknown)[MAC_LEN];
	struct leases ls;
	size_t i, nu;
	int first = 1;

	if (leases_load(&ls) < 0)
		return -ENOMEM;
	nu = seen_unknown(c, &unknown);
	buf_puts(b, "[");
	for (i = 0; i < c->nnodes; i++, first = 0) {
		buf_puts(b, first ? "" : ",");
		json_node(b, c->nodes[i].mac, &c->nodes[i], &ls, now);
	}
	for (i = 0; i < nu; i++, first = 0) {
		buf_puts(b, first ? "" : ",");
		json_node(b, unknown[i], NULL, &ls, now);
	}
	buf_puts(b, "]");
	free(unknown);
	free(ls.v);
	return b->oom ? -ENOMEM : 0;
}

int api_node(struct buf *b, const uint8_t mac[MAC_LEN])
{
	const struct conf_node *n = conf_node_by_mac(server.conf, mac);
	struct timeline *tl = timeline_global();
	struct tl_event ev;
	struct leases ls;
	int seen = tl && timeline_get(tl, mac, &ev, 1) > 0;

	if (leases_load(&ls) < 0)
		return -ENOMEM;
	if (!n && !seen && !leases_find(&ls, mac)) {
		free(ls.v);
		return -ENOENT;
	}
	json_node(b, mac, n, &ls, (int64_t)time(NULL));
	free(ls.v);
	return b->oom ? -ENOMEM : 0;
}

int api_leases(struct buf *b)
{
	int64_t now = (int64_t)time(NULL);
	struct leases ls;
	size_t i;

	if (leases_load(&ls) < 0)
		return -ENOMEM;
	buf_puts(b, "[");
	for (i = 0; i < ls.n; i++) {
		buf_puts(b, i ? "," : "");
		json_lease(b, &ls.v[i], now);
	}
	buf_puts(b, "]");
	free(ls.v);
	return b->oom ? -ENOMEM : 0;
}

/* ---- /status ------------------------------------------------------------- */

static const char style[] =
        "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
        "h1{font-size:1.4em;margin:0 0 .2em}p.sub{color:#666;margin:0 0 1em}"
        "table{border-collapse:collapse;width:100%}"
        "th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd;vertical-align:top}"
        "th{background:#f4f4f4}code{font-size:13px}"
        ".unknown{color:#a60}.bound{color:#070}.none{color:#999}"
        "details summary{cursor:pointer}ol{margin:.3em 0 0;padding-left:1.4em}"
        "li span{color:#666;font-variant-numeric:tabular-nums}";

static void html_time(struct buf *b, int64_t at_ms)
{
	time_t t = (time_t)(at_ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm);
	buf_printf(b, "%s.%03dZ", s, (int)(at_ms % 1000));
}

static void html_row(struct buf *b, const uint8_t mac[MAC_LEN], const struct conf_node *n,
                     const struct leases *ls, int64_t now)
{
	const struct lease *l = leases_find(ls, mac);
	struct tl_event ev[TL_RING];
	char a[IPV4_STRLEN], m[MAC_STRLEN], id[MAC_STRLEN];
	size_t ne = timeline_global() ? timeline_get(timeline_global(), mac, ev, TL_RING) : 0, i;

	buf_printf(b, "<tr id=\"m-%s\"><td><code>%s</code></td><td>", mac_format(mac, '-', id),
	           mac_format(mac, ':', m));
	if (n)
		buf_html(b, n->hostname);
	else
		buf_puts(b, "<span class=\"unknown\">not configured</span>");
	buf_puts(b, "</td><td>");
	if (l)
		buf_printf(b, "<span class=\"%s\">%s</span> %s", state_name(l, now),
		           ipv4_format(l->ip, a), state_name(l, now));
	else if (n && n->ip)
		buf_printf(b, "%s <span class=\"none\">static</span>", ipv4_format(n->ip, a));
	else
		buf_puts(b, "<span class=\"none\">none</span>");
	buf_puts(b, "</td><td>");
	if (n)
		buf_html(b, n->template);
	buf_puts(b, "</td><td>");
	if (!ne) {
		buf_puts(b, "<span class=\"none\">no events yet</span></td></tr>\n");
		return;
	}
	buf_printf(b, "<details><summary>%s ", timeline_kind_name(ev[ne - 1].kind));
	buf_html(b, ev[ne - 1].detail);
	buf_puts(b, " <span class=\"none\">");
	html_time(b, ev[ne - 1].at_ms);
	buf_puts(b, "</span></summary><ol>");
	for (i = 0; i < ne; i++) {
		buf_puts(b, "<li><span>");
		html_time(b, ev[i].at_ms);
		buf_printf(b, "</span> %s ", timeline_kind_name(ev[i].kind));
		buf_html(b, ev[i].detail);
		buf_puts(b, "</li>");
	}
	buf_puts(b, "</ol></details></td></tr>\n");
}

int api_status_html(struct buf *b)
{
	const struct conf *c = server.conf;
	int64_t now = (int64_t)time(NULL);
	uint8_t(*unknown)[MAC_LEN];
	struct leases ls;
	size_t i, nu, bound = 0;

	if (leases_load(&ls) < 0)
		return -ENOMEM;
	for (i = 0; i < ls.n; i++)
		bound += ls.v[i].state == LEASE_BOUND && ls.v[i].expires > now;
	nu = seen_unknown(c, &unknown);
	buf_printf(b,
	           "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	           "<meta name=\"viewport\" content=\"width=device-width\">"
	           "<title>rackboot status</title><style>%s</style></head><body>\n"
	           "<h1>rackboot</h1><p class=\"sub\">version %s &middot; configuration "
	           "generation %u &middot; %zu nodes configured &middot; %zu leases bound "
	           "&middot; %zu machines not configured seen</p>\n"
	           "<table><thead><tr><th>MAC</th><th>Host</th><th>Address</th>"
	           "<th>Template</th><th>Latest event (open for the timeline)</th></tr></thead>"
	           "<tbody>\n",
	           style, RACKBOOT_VERSION, server.generation, c->nnodes, bound, nu);
	for (i = 0; i < c->nnodes; i++)
		html_row(b, c->nodes[i].mac, &c->nodes[i], &ls, now);
	for (i = 0; i < nu; i++)
		html_row(b, unknown[i], NULL, &ls, now);
	buf_puts(b,
	         "</tbody></table>\n<p class=\"sub\">Also: <a href=\"/api/nodes\">/api/nodes</a>, "
	         "<a href=\"/api/leases\">/api/leases</a>, <a href=\"/metrics\">/metrics</a>. "
	         "Times are UTC.</p>\n</body></html>\n");
	free(unknown);
	free(ls.v);
	return b->oom ? -ENOMEM : 0;
}
