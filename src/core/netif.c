/* SPDX-License-Identifier: MIT */
/*
 * netif.c - the loop's view of links and IPv4 addresses.
 *
 * libnl's cache manager owns a route socket subscribed to link and IPv4
 * address changes; the loop polls its descriptor.  After every batch of
 * messages the whole view is rebuilt from libnl's caches and compared with
 * the previous one, and each difference becomes one log line and one event
 * to the subscribers.  Rebuilding costs O(links + addresses) per batch, which
 * is nothing next to a netlink round trip, and it means the first load, an
 * incremental change and a resync after the socket overflowed all take the
 * same path.  Nothing outside the loop thread touches this state.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/socket.h>

#include "core/addr.h"
#include "core/log.h"
#include "core/neigh_msg.h"
#include "core/netif.h"

#define NETIF_MAX_ADDRS 16
#define NETIF_MAX_SUBS  8

/* One interface of the view. */
struct nif {
	int ifindex;
	char name[IFNAMSIZ];
	int up;
	unsigned mtu;
	struct netif_addr addrs[NETIF_MAX_ADDRS];
	size_t naddrs;
};

/* A snapshot of all interfaces.  Owner: the netif state below. */
struct view {
	struct nif *v;
	size_t n;
};

struct sub {
	netif_cb cb;
	void *arg;
};

/* The module's state; one per process, loop-owned. */
static struct {
	uv_loop_t *loop;
	struct nl_sock *sk;   /* events; ours, not freed by the manager */
	struct nl_sock *sync; /* dumps when resynchronising */
	struct nl_cache_mngr *mngr;
	struct nl_cache *links;
	struct nl_cache *addrs;
	uv_poll_t poll;
	int polling;
	struct view view;
	struct sub subs[NETIF_MAX_SUBS];
	size_t nsubs;
} ni;

static void emit(enum netif_event ev, const struct nif *f, const struct netif_addr *a)
{
	size_t i;

	for (i = 0; i < ni.nsubs; i++)
		ni.subs[i].cb(ev, f->ifindex, f->name, a, ni.subs[i].arg);
}

static struct nif *view_find(const struct view *v, int ifindex)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->v[i].ifindex == ifindex)
			return &v->v[i];
	return NULL;
}

static int addr_in(const struct nif *f, const struct netif_addr *a)
{
	size_t i;

	for (i = 0; i < f->naddrs; i++)
		if (f->addrs[i].addr == a->addr && f->addrs[i].len == a->len)
			return 1;
	return 0;
}

/* Build a view from libnl's caches. */
static int view_build(struct view *out)
{
	struct nl_object *o;
	size_t cap = (size_t)nl_cache_nitems(ni.links) + 1, n = 0;
	struct nif *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (o = nl_cache_get_first(ni.links); o && n < cap; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		unsigned flags = rtnl_link_get_flags(l);
		const char *name = rtnl_link_get_name(l);

		/* IPv6 per-link notifications (family AF_INET6) and bridge
		 * port notifications are cached as objects of their own; the
		 * link itself is AF_UNSPEC, except that libnl files a bridge
		 * master under AF_BRIDGE.  One entry per ifindex. */
		if (rtnl_link_get_family(l) != AF_UNSPEC && rtnl_link_get_family(l) != AF_BRIDGE)
			continue;
		if (view_find(&(struct view){v, n}, rtnl_link_get_ifindex(l)))
			continue;
		v[n].ifindex = rtnl_link_get_ifindex(l);
		snprintf(v[n].name, sizeof(v[n].name), "%s", name ? name : "?");
		v[n].up = (flags & IFF_UP) && (flags & IFF_RUNNING);
		v[n].mtu = rtnl_link_get_mtu(l);
		n++;
	}
	out->v = v;
	out->n = n;
	for (o = nl_cache_get_first(ni.addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		struct nif *f = view_find(out, rtnl_addr_get_ifindex(a));
		uint32_t be;

		if (rtnl_addr_get_family(a) != AF_INET || !local || !f ||
		    nl_addr_get_len(local) != sizeof(be))
			continue;
		if (f->naddrs == NETIF_MAX_ADDRS) {
			log_warn("netif: %s has more than %d IPv4 addresses; ignoring the rest",
			         f->name, NETIF_MAX_ADDRS);
			continue;
		}
		memcpy(&be, nl_addr_get_binary_addr(local), sizeof(be));
		f->addrs[f->naddrs].addr = ntohl(be);
		f->addrs[f->naddrs].len = (unsigned)rtnl_addr_get_prefixlen(a);
		f->naddrs++;
	}
	return 0;
}

/* Announce every difference between the old view and the new one. */
static void view_diff(const struct view *old, const struct view *nv, int quiet)
{
	char buf[IPV4_STRLEN];
	size_t i, j;

	for (i = 0; i < old->n; i++) {
		const struct nif *o = &old->v[i];
		const struct nif *f = view_find(nv, o->ifindex);

		for (j = 0; j < o->naddrs; j++)
			if (!f || !addr_in(f, &o->addrs[j])) {
				log_info("netif: %s: address %s/%u removed", o->name,
				         ipv4_format(o->addrs[j].addr, buf), o->addrs[j].len);
				emit(NETIF_ADDR_DEL, o, &o->addrs[j]);
			}
		if (!f) {
			log_info("netif: %s (index %d) went away", o->name, o->ifindex);
			emit(NETIF_LINK_DEL, o, NULL);
		}
	}
	for (i = 0; i < nv->n; i++) {
		const struct nif *f = &nv->v[i];
		const struct nif *o = view_find(old, f->ifindex);

		if (!o) {
			if (!quiet)
				log_info("netif: %s (index %d) appeared, %s", f->name, f->ifindex,
				         f->up ? "up" : "down");
			emit(NETIF_LINK_NEW, f, NULL);
			if (f->up)
				emit(NETIF_LINK_UP, f, NULL);
		} else if (o->up != f->up) {
			log_info("netif: %s is %s", f->name, f->up ? "up" : "down");
			emit(f->up ? NETIF_LINK_UP : NETIF_LINK_DOWN, f, NULL);
		}
		for (j = 0; j < f->naddrs; j++)
			if (!o || !addr_in(o, &f->addrs[j])) {
				if (!quiet)
					log_info("netif: %s: address %s/%u added", f->name,
					         ipv4_format(f->addrs[j].addr, buf),
					         f->addrs[j].len);
				emit(NETIF_ADDR_NEW, f, &f->addrs[j]);
			}
	}
}

static void refresh(int quiet)
{
	struct view nv;

	if (view_build(&nv) < 0) {
		log_err("netif: out of memory; the interface view is stale");
		return;
	}
	view_diff(&ni.view, &nv, quiet);
	free(ni.view.v);
	ni.view = nv;
}

static void netif_on_poll(uv_poll_t *h, int status, int events)
{
	int rc;

	(void)h;
	(void)events;
	if (status < 0) {
		log_err("netif: route socket: %s", uv_strerror(status));
		return;
	}
	rc = nl_cache_mngr_data_ready(ni.mngr);
	if (rc < 0) {
		/* The socket overflowed (or another error lost messages): the
		 * caches may be stale, so read them whole again. */
		log_warn("netif: route socket: %s; resynchronising", nl_geterror(rc));
		if (nl_cache_refill(ni.sync, ni.links) < 0 ||
		    nl_cache_refill(ni.sync, ni.addrs) < 0)
			log_err("netif: resynchronising failed; the interface view may be stale");
	}
	refresh(0);
}

static void free_sockets(void)
{
	nl_socket_free(ni.sk);
	nl_socket_free(ni.sync);
	ni.sk = NULL;
	ni.sync = NULL;
}

int netif_start(uv_loop_t *loop)
{
	int rc;

	ni.loop = loop;
	ni.sk = nl_socket_alloc();
	ni.sync = nl_socket_alloc();
	if (!ni.sk || !ni.sync) {
		rc = -NLE_NOMEM;
		goto err_mngr;
	}
	rc = nl_connect(ni.sync, NETLINK_ROUTE);
	if (rc < 0)
		goto err_mngr;
	rc = nl_cache_mngr_alloc(ni.sk, NETLINK_ROUTE, NL_AUTO_PROVIDE, &ni.mngr);
	if (rc < 0)
		goto err_mngr;
	/* A burst of changes (a rack's worth of VLANs coming up) must not
	 * overflow the socket; 1 MiB holds thousands of messages. */
	nl_socket_set_buffer_size(ni.sk, 1 << 20, 0);
	/* No per-object callback: the diff after each batch does the work. */
	rc = nl_cache_mngr_add(ni.mngr, "route/link", NULL, NULL, &ni.links);
	if (rc < 0)
		goto err_add;
	rc = nl_cache_mngr_add(ni.mngr, "route/addr", NULL, NULL, &ni.addrs);
	if (rc < 0)
		goto err_add;
	if (uv_poll_init(loop, &ni.poll, nl_cache_mngr_get_fd(ni.mngr)) < 0) {
		rc = -NLE_FAILURE;
		goto err_add;
	}
	ni.polling = 1;
	uv_poll_start(&ni.poll, UV_READABLE, netif_on_poll);
	refresh(1);
	return 0;

err_add:
	nl_cache_mngr_free(ni.mngr);
	ni.mngr = NULL;
	log_err("netif: cannot watch interfaces: %s", nl_geterror(rc));
	free_sockets();
	return -EIO;
err_mngr:
	free_sockets();
	log_err("netif: cannot open the route socket: %s", nl_geterror(rc));
	return -EIO;
}

static void netif_on_close(uv_handle_t *h)
{
	(void)h;
	/* The handle lives in static storage; the manager can go now that
	 * the loop no longer polls its descriptor. */
	nl_cache_mngr_free(ni.mngr);
	ni.mngr = NULL;
	free_sockets();
}

void netif_stop(void)
{
	if (ni.polling) {
		ni.polling = 0;
		uv_close((uv_handle_t *)&ni.poll, netif_on_close);
	} else if (ni.mngr) {
		nl_cache_mngr_free(ni.mngr);
		ni.mngr = NULL;
		free_sockets();
	}
	free(ni.view.v);
	ni.view.v = NULL;
	ni.view.n = 0;
	ni.nsubs = 0;
}

int netif_subscribe(netif_cb cb, void *arg)
{
	if (ni.nsubs == NETIF_MAX_SUBS)
		return -ENOSPC;
	ni.subs[ni.nsubs].cb = cb;
	ni.subs[ni.nsubs].arg = arg;
	ni.nsubs++;
	return 0;
}

void netif_unsubscribe(netif_cb cb, void *arg)
{
	size_t i;

	for (i = 0; i < ni.nsubs; i++)
		if (ni.subs[i].cb == cb && ni.subs[i].arg == arg) {
			ni.subs[i] = ni.subs[--ni.nsubs];
			return;
		}
}

int netif_index(const char *name)
{
	size_t i;

	for (i = 0; i < ni.view.n; i++)
		if (strcmp(ni.view.v[i].name, name) == 0)
			return ni.view.v[i].ifindex;
	return 0;
}

int netif_name(int ifindex, char *buf)
{
	const struct nif *f = view_find(&ni.view, ifindex);

	if (!f)
		return -ENODEV;
	memcpy(buf, f->name, IFNAMSIZ);
	return 0;
}

unsigned netif_mtu(int ifindex)
{
	const struct nif *f = view_find(&ni.view, ifindex);

	return f && f->mtu ? f->mtu : 1500;
}

int netif_is_up(int ifindex)
{
	const struct nif *f = view_find(&ni.view, ifindex);

	return f && f->up;
}

size_t netif_addrs(int ifindex, struct netif_addr *out, size_t max)
{
	const struct nif *f = view_find(&ni.view, ifindex);
	size_t i;

	if (!f)
		return 0;
	for (i = 0; i < f->naddrs && i < max; i++)
		out[i] = f->addrs[i];
	return f->naddrs;
}

int netif_index_of(uint32_t addr)
{
	size_t i, j;

	for (i = 0; i < ni.view.n; i++)
		for (j = 0; j < ni.view.v[i].naddrs; j++)
			if (ni.view.v[i].addrs[j].addr == addr)
				return ni.view.v[i].ifindex;
	return 0;
}

int netif_source_addr(int ifindex, uint32_t peer, uint32_t *out)
{
	const struct nif *f = view_find(&ni.view, ifindex);
	size_t i;

	if (!f || f->naddrs == 0)
		return -EADDRNOTAVAIL;
	for (i = 0; i < f->naddrs; i++) {
		struct ipv4_prefix p = {f->addrs[i].addr & ipv4_prefix_mask(f->addrs[i].len),
		                        f->addrs[i].len};

		if (peer && ipv4_prefix_contains(&p, peer)) {
			*out = f->addrs[i].addr;
			return 0;
		}
	}
	*out = f->addrs[0].addr;
	return 0;
}

int netif_neigh_set(int ifindex, uint32_t ip, const uint8_t mac[6])
{
	struct rtnl_neigh *n;
	struct nl_addr *dst, *ll;
	uint32_t be = htonl(ip);
	int rc;

	if (!ni.sync)
		return -ENOTCONN;
	n = rtnl_neigh_alloc();
	dst = nl_addr_build(AF_INET, &be, sizeof(be));
	ll = nl_addr_build(AF_LLC, mac, 6);
	if (!n || !dst || !ll) {
		rc = -ENOMEM;
		goto done;
	}
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_dst(n, dst);
	rtnl_neigh_set_lladdr(n, ll);
	/* STALE: usable at once; the kernel confirms it later by itself. */
	rtnl_neigh_set_state(n, NUD_STALE);
	rc = rtnl_neigh_add(ni.sync, n, NLM_F_CREATE | NLM_F_REPLACE);
	rc = rc < 0 ? -EPERM : 0;
done:
	nl_addr_put(dst);
	nl_addr_put(ll);
	rtnl_neigh_put(n);
	return rc;
}

int netif_neigh_get(int ifindex, uint32_t ip, uint8_t mac[6])
{
	static uint32_t seq = 0x6e656967; /* only this function uses it */
	uint8_t req[NEIGH_MSG_REQUEST_LEN], ans[1024];
	ssize_t n;
	int rc, i;

	if (!ni.sync)
		return -ENOTCONN;
	seq++;
	neigh_msg_request(req, seq, ifindex, ip);
	if (nl_sendto(ni.sync, req, sizeof(req)) < 0)
		return -EIO;
	/* The kernel answers a GET within sendmsg() (rtnetlink_rcv runs in
	 * the sender's context), so the answer is queued already and the
	 * reads never wait; a few tries skip what an earlier caller of the
	 * socket left unread. */
	for (i = 0; i < 4; i++) {
		n = recv(nl_socket_get_fd(ni.sync), ans, sizeof(ans), MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		rc = neigh_msg_parse(ans, (size_t)n, seq, ifindex, ip, mac);
		if (rc != -EAGAIN)
			return rc;
	}
	return -ETIMEDOUT;
}

void netif_log_view(void)
{
	char line[512], buf[IPV4_STRLEN];
	size_t i, j;

	for (i = 0; i < ni.view.n; i++) {
		const struct nif *f = &ni.view.v[i];
		size_t len = 0;

		line[0] = '\0';
		for (j = 0; j < f->naddrs && len < sizeof(line) - 32; j++)
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %s/%u",
			                        ipv4_format(f->addrs[j].addr, buf),
			                        f->addrs[j].len);
		log_info("netif: %s index %d %s%s%s", f->name, f->ifindex, f->up ? "up" : "down",
		         f->naddrs ? ", IPv4" : ", no IPv4 address", line);
	}
}
