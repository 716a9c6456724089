/* SPDX-License-Identifier: MIT */
/*
 * dhcp.c - the DHCP server on the loop.
 *
 * One UDP socket on port 67 (and one on 4011 in proxy mode) is watched by a
 * uv_poll_t; each wake-up drains up to a bounded burst of requests.  While
 * requests keep coming, port 67 is read on a tick of 1 to 4 ms instead
 * (see dhcp_on_tick).  A request is parsed (dhcp_msg.c), classified
 * (dhcp_boot.c), answered from the lease table (lease.c), and the answer
 * leaves in one of two ways:
 *  - OFFER, NAK and INFORM replies are sent when the read is done, with one
 *    sendmmsg: they promise nothing;
 *  - a lease change (ACK, RELEASE, DECLINE) is applied in memory and queued
 *    with its reply in the open batch.  One batch at a time is written to
 *    the journal and fdatasync'ed on the journal thread, which then sends
 *    its ACKs.  Requests keep arriving meanwhile and fill the next batch,
 *    so one sync covers every change of a burst (group commit).
 * Reply addressing follows RFC 2131 4.1; a unicast to a client without an
 * address is made possible by a neighbour entry for it (netif.c).
 *
 * This file owns the sockets, the lease table and the counters, on the
 * loop thread.  The batches, the journal and the journal thread are
 * dhcp_commit.c's, whose comment says what that thread may touch.  It must
 * not parse packets itself (dhcp_msg.c does) nor decide boot files
 * (dhcp_boot.c does); which machine is at an address is inventory.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/bucket.h"
#include "dhcp/dhcp.h"
#include "dhcp/dhcp_boot.h"
#include "dhcp/dhcp_msg.h"
#include "dhcp/inventory.h"
#include "dhcp_int.h"
#include "dhcp/journal.h"
#include "dhcp/lease.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/ratelog.h"
#include "core/netif.h"
#include "core/server.h"
#include "core/timeline.h"
#include "core/udp.h"

#define PORT_SERVER 67
#define PORT_CLIENT 68
#define PORT_PXE    4011
#define BURST       256       /* requests read per wake-up, to stay fair */
#define OFFER_HOLD  30        /* seconds an offered address is kept for the client */
#define RCVBUF      (4 << 20) /* a rack powering on at once must not overflow it */
#define CHAINLOAD_TTL                                                                              \
	60                   /* s: an iPXE request this soon after a TFTP                          \
	                      * fetch of the binary is that binary running */
#define CHAINLOADS   1024    /* MACs remembered at once; the oldest goes */
#define RX_TICK_MIN  1       /* ms between reads while requests pour in */
#define RX_TICK_MAX  4       /* ms: the longest a request waits for its tick */
#define RX_TICK_FEW  32      /* requests a tick reads below which it grows */
#define RX_TICK_MANY 128     /* ... and above which it shrinks */
#define RX_BUSY_GAP  1000000 /* ns: wake-ups closer than this mean busy */
#define OUTQ         64      /* immediate replies sent with one sendmmsg(2) */

static const char *const drop_names[DROP_N] = {
        "malformed",       "not_request",   "interface",       "no_pool",
        "unknown_client",  "other_server",  "pool_exhausted",  "not_ours",
        "not_boot_client", "journal_error", "new_lease_limit",
};

/* The new-lease limit of one pool (dhcp.pools.new_lease_burst and
 * new_lease_rate), kept across reloads for a pool of the same subnet. */
struct nl_pool {
	struct ipv4_prefix subnet;
	struct bucket b;
	uint64_t limited; /* requests refused by it */
};

/* The server.  Owner: this file; loop thread only (the group commit and
 * its journal thread are dhcp_commit.c's). */
static struct {
	uv_loop_t *loop;
	int fd, pxe_fd;
	uv_poll_t poll, pxe_poll;
	int polling, pxe_polling;
	struct lease_db *db;
	uv_timer_t tick; /* busy: port 67 is read on this timer, not polled */
	int tick_init, busy;
	unsigned tick_ms;   /* the tick's period now, RX_TICK_MIN..RX_TICK_MAX */
	uint64_t last_wake; /* uv_hrtime() of the last poll wake-up on port 67 */
	/* recvmmsg batch; loop-owned scratch, never kept past a callback */
	struct {
		struct mmsghdr msgs[64];
		struct iovec iov[64];
		struct sockaddr_in from[64];
		char cbuf[64][UDP_CBUF_SIZE];
		uint8_t buf[64][1536];
	} rx;
	/* Replies that promise nothing, sent together when a read is done;
	 * loop-owned scratch, empty between callbacks. */
	struct {
		int fd;
		size_t n;
		struct pending p[OUTQ];
	} outq;
	struct {
		uint64_t rx, tx, rx_type[9], tx_type[9];
		uint64_t drops[DROP_N], parse_errs[16];
	} n;
	struct ratelog_gate drop_log[DROP_N]; /* one line per reason per 10 s */
	/* Recent TFTP fetches of an iPXE binary, by MAC (ipxe_replace).
	 * O(CHAINLOADS) per look-up, made only for iPXE requests in pools
	 * that replace the ROM. */
	struct {
		uint8_t mac[MAC_LEN];
		int64_t at;
	} chainloads[CHAINLOADS];
	/* One per pool of nl_conf, in its order; rebuilt on a reload. */
	struct nl_pool *nl;
	size_t nnl;
	const struct conf *nl_conf;
	unsigned nl_gen;
} d = {.fd = -1, .pxe_fd = -1};

static int chainloaded(const uint8_t mac[MAC_LEN]);
static struct nl_pool *nl_of(const struct conf_pool *p);

static const struct conf *cf(void)
{
	return server.conf;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- logging and counting ------------------------------------------------ */

void dhcp_count_drops(enum drop why, size_t n)
{
	d.n.drops[why] += n;
}

int dhcp_rx_ticking(void)
{
	return d.busy;
}

/* Count a drop; log it at most once per 10 s per reason, with how many
 * were not logged, so a flood cannot flood the log. */
__attribute__((format(printf, 2, 3))) static void drop(enum drop why, const char *fmt, ...)
{
	uint64_t more;
	char msg[256];
	va_list ap;

	d.n.drops[why]++;
	if (!ratelog_gate_check(&d.drop_log[why], 10000, uv_now(d.loop), &more))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (more)
		log_info("dhcp: %s (%llu more like it not logged)", msg, (unsigned long long)more);
	else
		log_info("dhcp: %s", msg);
}

void dhcp_log_state(void)
{
	const struct dhcp_commit_stats *cs = dhcp_commit_stats();
	char line[512];
	size_t i, len = 0;

	dhcp_commit_reap();
	log_info("dhcp: received %llu, sent %llu (offer %llu, ack %llu, nak %llu); "
	         "%llu commits of %llu lease changes, largest batch %llu; %llu compactions",
	         (unsigned long long)d.n.rx, (unsigned long long)d.n.tx,
	         (unsigned long long)d.n.tx_type[DHCPOFFER],
	         (unsigned long long)d.n.tx_type[DHCPACK], (unsigned long long)d.n.tx_type[DHCPNAK],
	         (unsigned long long)cs->commits, (unsigned long long)cs->committed,
	         (unsigned long long)cs->commit_max, (unsigned long long)cs->compactions);
	line[0] = '\0';
	for (i = 0; i < DROP_N; i++)
		if (d.n.drops[i])
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %s=%llu",
			                        drop_names[i], (unsigned long long)d.n.drops[i]);
	log_info("dhcp: dropped:%s", len ? line : " none");
}

void dhcp_leases_each(void (*cb)(const struct lease *l, void *arg), void *arg)
{
	if (d.db)
		lease_db_foreach(d.db, now_s(), cb, arg);
}

void dhcp_metrics(struct buf *b)
{
	static const char *const types[9] = {"",    "discover", "offer",   "request", "decline",
	                                     "ack", "nak",      "release", "inform"};
	const struct conf *c = cf();
	const struct dhcp_commit_stats *cs = dhcp_commit_stats();
	char subnet[IPV4_STRLEN + 4], a[IPV4_STRLEN];
	size_t i;

	dhcp_commit_reap();
	metrics_family(b, "rackboot_dhcp_received_total", "counter",
	               "DHCP messages received, by type (malformed ones count as dropped).");
	for (i = 1; i < 9; i++) {
		const char *l[] = {"type", types[i], NULL};

		metrics_sample(b, "rackboot_dhcp_received_total", l, (double)d.n.rx_type[i]);
	}
	metrics_family(b, "rackboot_dhcp_sent_total", "counter", "DHCP replies sent, by type.");
	for (i = 1; i < 9; i++) {
		const char *l[] = {"type", types[i], NULL};

		if (i == DHCPOFFER || i == DHCPACK || i == DHCPNAK)
			metrics_sample(b, "rackboot_dhcp_sent_total", l, (double)d.n.tx_type[i]);
	}
	metrics_family(b, "rackboot_dhcp_dropped_total", "counter",
	               "DHCP packets dropped without a reply, by reason.");
	for (i = 0; i < DROP_N; i++) {
		const char *l[] = {"reason", drop_names[i], NULL};

		metrics_sample(b, "rackboot_dhcp_dropped_total", l, (double)d.n.drops[i]);
	}
	metrics_family(b, "rackboot_dhcp_commits_total", "counter",
	               "Group commits of the lease journal (each one fsync).");
	metrics_sample(b, "rackboot_dhcp_commits_total", NULL, (double)cs->commits);
	metrics_family(b, "rackboot_dhcp_lease_changes_total", "counter",
	               "Lease changes made durable.");
	metrics_sample(b, "rackboot_dhcp_lease_changes_total", NULL, (double)cs->committed);
	metrics_family(b, "rackboot_dhcp_compactions_total", "counter",
	               "Rewrites of the lease journal.");
	metrics_sample(b, "rackboot_dhcp_compactions_total", NULL, (double)cs->compactions);
	metrics_family(b, "rackboot_dhcp_leases", "gauge",
	               "Addresses leased and not expired, per pool.");
	for (i = 0; d.db && i < c->dhcp.npools; i++) {
		const struct conf_pool *p = &c->dhcp.pools[i];
		const char *l[] = {"pool", subnet, NULL};

		snprintf(subnet, sizeof(subnet), "%s/%u", ipv4_format(p->subnet.addr, a),
		         p->subnet.len);
		metrics_sample(b, "rackboot_dhcp_leases", l,
		               (double)lease_db_count_bound(d.db, p, now_s()));
	}
	metrics_family(b, "rackboot_dhcp_new_lease_limited_total", "counter",
	               "Requests for a new address from an unknown MAC refused by the pool's "
	               "new-lease limit (dhcp.pools.new_lease_burst, new_lease_rate), per pool.");
	for (i = 0; d.db && i < c->dhcp.npools; i++) {
		const struct conf_pool *p = &c->dhcp.pools[i];
		const struct nl_pool *nl = nl_of(p);
		const char *l[] = {"pool", subnet, NULL};

		snprintf(subnet, sizeof(subnet), "%s/%u", ipv4_format(p->subnet.addr, a),
		         p->subnet.len);
		metrics_sample(b, "rackboot_dhcp_new_lease_limited_total", l,
		               nl ? (double)nl->limited : 0);
	}
}

/* ---- sending ------------------------------------------------------------ */

static int send_to(int fd, const uint8_t *pkt, size_t len, const struct sockaddr_in *to,
                   int ifindex, uint32_t src)
{
	char cbuf[UDP_CBUF_SIZE];
	struct sockaddr_in dst = *to;
	struct iovec iov;
	struct msghdr mh;

	udp_msg_prepare(&mh, &iov, (void *)pkt, len, &dst, cbuf);
	/* The interface picks where a broadcast goes; the source address is
	 * the server identifier the client was given. */
	udp_set_pktinfo(&mh, ifindex, src);
	if (sendmsg(fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

static void send_pending(int fd, const struct pending *p, struct txcount *c)
{
	int rc = send_to(fd, p->pkt, p->len, &p->to, p->ifindex, p->src);

	if (rc < 0) {
		c->failed++;
		c->err = -rc;
		c->to = p->to;
	} else {
		c->sent++;
		c->type[p->type]++;
	}
}

void dhcp_tx_account(struct txcount *c)
{
	char a[IPV4_STRLEN];
	size_t i;

	d.n.tx += c->sent;
	for (i = 0; i < 9; i++)
		d.n.tx_type[i] += c->type[i];
	if (c->failed)
		log_warn("dhcp: %zu replies not sent; the last, to %s: %s", c->failed,
		         ipv4_format(ntohl(c->to.sin_addr.s_addr), a), strerror(c->err));
	memset(c, 0, sizeof(*c));
}

void dhcp_send_all(int fd, struct pending *const *v, size_t n, struct txcount *c)
{
	struct mmsghdr msgs[64];
	struct iovec iov[64];
	struct sockaddr_in to[64];
	char cbuf[64][UDP_CBUF_SIZE];
	size_t off, i;

	for (off = 0; off < n; off += 64) {
		size_t k = n - off < 64 ? n - off : 64;
		int sent;

		for (i = 0; i < k; i++) {
			struct pending *p = v[off + i];

			to[i] = p->to;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			udp_msg_prepare(&msgs[i].msg_hdr, &iov[i], p->pkt, p->len, &to[i], cbuf[i]);
			udp_set_pktinfo(&msgs[i].msg_hdr, p->ifindex, p->src);
		}
		sent = sendmmsg(fd, msgs, (unsigned)k, 0);
		if (sent < 0)
			sent = 0;
		for (i = 0; i < (size_t)sent; i++) {
			c->sent++;
			c->type[v[off + i]->type]++;
		}
		/* A message the kernel refused stops the call: send the rest
		 * one by one so each failure is counted and none is skipped. */
		for (i = (size_t)sent; i < k; i++)
			send_pending(fd, v[off + i], c);
	}
}

/* Send the replies queued during this read: one sendmmsg(2) for a burst
 * instead of a sendmsg(2) each. */
static void outq_flush(void)
{
	struct pending *v[OUTQ];
	struct txcount c = {0};
	size_t i;

	if (!d.outq.n)
		return;
	for (i = 0; i < d.outq.n; i++)
		v[i] = &d.outq.p[i];
	dhcp_send_all(d.outq.fd, v, d.outq.n, &c);
	d.outq.n = 0;
	dhcp_tx_account(&c);
}

/* ---- building replies ---------------------------------------------------- */

/* Where a node in the configuration says this MAC is, or NULL. */
static const struct conf_node *node_of(const struct dhcp_msg *m)
{
	return conf_node_by_mac(cf(), m->chaddr);
}

/* The pool serving a request: by giaddr when relayed (RFC 2131 4.3.1),
 * else by an address of the arrival interface. */
static const struct conf_pool *pool_for(const struct dhcp_msg *m, int ifindex)
{
	const struct conf *c = cf();
	struct netif_addr a[16];
	size_t i, j, n;

	for (i = 0; m->giaddr && i < c->dhcp.npools; i++)
		if (ipv4_prefix_contains(&c->dhcp.pools[i].subnet, m->giaddr))
			return &c->dhcp.pools[i];
	if (m->giaddr)
		return NULL;
	n = netif_addrs(ifindex, a, 16);
	for (j = 0; j < n && j < 16; j++)
		for (i = 0; i < c->dhcp.npools; i++)
			if (ipv4_prefix_contains(&c->dhcp.pools[i].subnet, a[j].addr))
				return &c->dhcp.pools[i];
	return NULL;
}

/*
 * Where a reply goes, RFC 2131 4.1: to the relay when giaddr is set, to
 * ciaddr when set, broadcast when the client asked for it (or has no
 * address and it is a NAK), else unicast to yiaddr with a neighbour entry
 * so no ARP is needed.
 */
static void reply_dest(const struct dhcp_msg *m, uint8_t type, uint32_t yiaddr, int ifindex,
                       struct sockaddr_in *to)
{
	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_port = htons(PORT_CLIENT);
	if (m->giaddr) {
		to->sin_port = htons(PORT_SERVER);
		to->sin_addr.s_addr = htonl(m->giaddr);
	} else if (m->ciaddr && type != DHCPNAK) {
		to->sin_addr.s_addr = htonl(m->ciaddr);
	} else if ((m->flags & 0x8000) || type == DHCPNAK || !yiaddr) {
		to->sin_addr.s_addr = htonl(INADDR_BROADCAST);
	} else if (netif_neigh_set(ifindex, yiaddr, m->chaddr) == 0) {
		to->sin_addr.s_addr = htonl(yiaddr);
	} else {
		to->sin_addr.s_addr = htonl(INADDR_BROADCAST);
	}
}

/* Finish a reply and either send it now or queue it behind the batch. */
static void reply(struct dhcp_out *o, const struct dhcp_msg *m, uint8_t type, uint32_t yiaddr,
                  int ifindex, uint32_t srv, int fd, int durable, const struct sockaddr_in *back)
{
	struct pending *p;
	const struct dhcp_opt *agent = &m->opt[OPT_AGENT];
	char a[IPV4_STRLEN];

	/* RFC 3046 2.2: relay agent information is echoed, last. */
	if (agent->data && m->giaddr)
		dhcp_out_opt(o, OPT_AGENT, agent->data, agent->len);
	if (o->overflow)
		log_debug("dhcp: reply to %s did not fit all options in %zu bytes",
		          ipv4_format(yiaddr, a), o->max);
	if (type == DHCPOFFER || type == DHCPACK || type == DHCPNAK) {
		/* The BOOTP file field: what the machine is told to fetch. */
		const char *file = (const char *)o->buf + 108;

		timeline_note(m->chaddr,
		              type == DHCPOFFER ? TL_DHCP_OFFER
		              : type == DHCPACK ? TL_DHCP_ACK
		                                : TL_DHCP_NAK,
		              "%s%s%.80s", yiaddr ? ipv4_format(yiaddr, a) : "",
		              file[0] ? " file " : "", file[0] ? file : "");
	}
	if (!durable) {
		/* Sent with the others of this read (outq_flush()). */
		if (d.outq.n == OUTQ || (d.outq.n && d.outq.fd != fd))
			outq_flush();
		d.outq.fd = fd;
		p = &d.outq.p[d.outq.n++];
	} else if (!(p = malloc(sizeof(*p))))
		return;
	p->len = (uint16_t)dhcp_out_finish(o);
	p->type = type;
	memcpy(p->pkt, o->buf, p->len);
	reply_dest(m, type, yiaddr, ifindex, &p->to);
	if (back)
		/* PXE 2.1: a request to port 4011 is answered where it came from. */
		p->to = *back;
	p->ifindex = m->giaddr ? 0 : ifindex;
	p->src = srv;
	if (durable && dhcp_commit_reply(p) < 0)
		free(p);
}

static void nak(const struct dhcp_msg *m, int ifindex, uint32_t srv, int fd, const char *why)
{
	struct dhcp_out o;
	uint8_t buf[DHCP_MAX_REPLY];
	char mac[MAC_STRLEN];

	log_info("dhcp: NAK to %s: %s", mac_format(m->chaddr, ':', mac), why);
	dhcp_out_init(&o, buf, DHCP_REPLY_FLOOR, m, DHCPNAK);
	dhcp_out_u32(&o, OPT_SERVER_ID, srv);
	reply(&o, m, DHCPNAK, 0, ifindex, srv, fd, 0, NULL);
}

static uint32_t opt_u32(const struct dhcp_opt *o)
{
	if (!o->data || o->len != 4)
		return 0;
	return (uint32_t)o->data[0] << 24 | (uint32_t)o->data[1] << 16 | (uint32_t)o->data[2] << 8 |
	       o->data[3];
}

/* ---- the new-lease limit ------------------------------------------------- */

/*
 * The limit state of pool @p of the running configuration.  A reload
 * builds a new table in the new configuration's pool order; a pool whose
 * subnet was there before keeps its bucket and count, so a reload hands no
 * starving host a fresh burst.  Cost: O(pools^2) once per reload.
 * @ret nl	the entry, or NULL when out of memory (no limit is applied)
 */
static struct nl_pool *nl_of(const struct conf_pool *p)
{
	const struct conf *c = cf();
	struct nl_pool *v;
	size_t i, j;

	if (c != d.nl_conf || c->generation != d.nl_gen) {
		v = calloc(c->dhcp.npools ? c->dhcp.npools : 1, sizeof(*v));
		if (!v)
			return NULL;
		for (i = 0; i < c->dhcp.npools; i++) {
			v[i].subnet = c->dhcp.pools[i].subnet;
			bucket_init(&v[i].b, (unsigned)c->dhcp.pools[i].new_lease_burst,
			            uv_now(d.loop));
			for (j = 0; j < d.nnl; j++)
				if (d.nl[j].subnet.addr == v[i].subnet.addr &&
				    d.nl[j].subnet.len == v[i].subnet.len) {
					v[i].b = d.nl[j].b;
					v[i].limited = d.nl[j].limited;
					break;
				}
		}
		free(d.nl);
		d.nl = v;
		d.nnl = c->dhcp.npools;
		d.nl_conf = c;
		d.nl_gen = c->generation;
	}
	return &d.nl[p - c->dhcp.pools];
}

/*
 * May the client of @m take a new address from @p now?  DHCP starvation
 * is one host sending DISCOVERs (or bare REQUESTs) with ever-new MACs
 * until the pool is empty; each pool is one relay's or one interface's
 * segment (it is chosen by giaddr or by the arrival interface's address),
 * so one token bucket per pool bounds new leases per segment, and a forged
 * giaddr cannot conjure up buckets of its own.  A new lease is one for a
 * MAC that is no node and holds no unexpired offer or binding in @p: it
 * costs a token.  Known nodes never pay, so they (and their reservations)
 * are served whatever a starving host does, and neither does a client
 * renewing or taking up the offer it was made.  A refusal is silent, as
 * for an exhausted pool (the client's retries find the refilled bucket),
 * counted per pool and logged with the relay or the interface at most once
 * every 10 s.
 * @ret allowed	1 to go on, 0 when the bucket is empty
 */
static int nl_allow(const struct dhcp_msg *m, const struct conf_pool *p,
                    const struct conf_node *node, int ifindex)
{
	const struct lease *l;
	struct nl_pool *nl;
	char a[IPV4_STRLEN], mac[MAC_STRLEN], via[IF_NAMESIZE + 32];

	if (node || p->new_lease_burst == 0)
		return 1;
	l = lease_db_by_mac(d.db, p, m->chaddr);
	if (l && (l->state == LEASE_OFFERED || l->state == LEASE_BOUND) && l->expires > now_s())
		return 1;
	nl = nl_of(p);
	if (!nl || bucket_take(&nl->b, (unsigned)p->new_lease_burst, (unsigned)p->new_lease_rate,
	                       uv_now(d.loop)))
		return 1;
	nl->limited++;
	if (m->giaddr) {
		snprintf(via, sizeof(via), "relay %s", ipv4_format(m->giaddr, a));
	} else {
		char ifn[IF_NAMESIZE];

		if (netif_name(ifindex, ifn) < 0)
			snprintf(ifn, sizeof(ifn), "#%d", ifindex);
		snprintf(via, sizeof(via), "interface %s", ifn);
	}
	drop(DROP_NEW_LEASE,
	     "pool %s/%u: new-lease limit reached (new_lease_burst %d, new_lease_rate %d/s), "
	     "possible DHCP starvation through %s: no address for unknown MAC %s; known nodes "
	     "and renewals are still served",
	     ipv4_format(p->subnet.addr, a), p->subnet.len, p->new_lease_burst, p->new_lease_rate,
	     via, mac_format(m->chaddr, ':', mac));
	return 0;
}

/* ---- the protocol -------------------------------------------------------- */

/* Full-mode OFFER or ACK for @ip. */
static void offer_or_ack(const struct dhcp_msg *m, uint8_t type, const struct conf_pool *p,
                         const struct conf_node *node, const struct dhcp_boot *b, uint32_t ip,
                         int ifindex, uint32_t srv, int fd)
{
	struct dhcp_out o;
	uint8_t buf[DHCP_MAX_REPLY];
	char a[IPV4_STRLEN], mac[MAC_STRLEN];

	dhcp_out_init(&o, buf, dhcp_reply_max(m), m, type);
	dhcp_out_addrs(&o, 0, ip, b->kind == BOOT_PXE ? srv : 0);
	dhcp_out_u32(&o, OPT_SERVER_ID, srv);
	dhcp_reply_options(&o, p, node, 1);
	dhcp_reply_boot(&o, cf(), m, b, srv, 0);
	if (type == DHCPACK) {
		int64_t expires = now_s() + p->lease_time;

		if (dhcp_commit_lease(m->chaddr, ip, expires, LEASE_BOUND) < 0) {
			log_err("dhcp: out of memory recording a lease");
			return;
		}
		log_info("dhcp: ACK %s to %s%s%s (%s, arch %s)", ipv4_format(ip, a),
		         mac_format(m->chaddr, ':', mac), node ? " " : "",
		         node ? node->hostname : "", dhcp_boot_label(b),
		         dhcp_boot_arch_name(b->arch));
		reply(&o, m, type, ip, ifindex, srv, fd, 1, NULL);
	} else {
		struct lease_rec r;

		/* An offer holds the address briefly, in memory only; lease.c
		 * never lets it shorten a binding of the same address. */
		memcpy(r.mac, m->chaddr, MAC_LEN);
		r.ip = ip;
		r.expires = now_s() + OFFER_HOLD;
		r.state = LEASE_OFFERED;
		lease_db_apply(d.db, cf(), &r);
		/* Not even formatted unless asked for: this is the hot path. */
		if (log_get_level() >= LOG_DEBUG)
			log_debug("dhcp: OFFER %s to %s", ipv4_format(ip, a),
			          mac_format(m->chaddr, ':', mac));
		reply(&o, m, type, ip, ifindex, srv, fd, 0, NULL);
	}
}

/* The address this client may have, if @want is acceptable for it. */
static int may_have(const struct conf_pool *p, const struct dhcp_msg *m, uint32_t want)
{
	uint32_t got;

	if (lease_db_choose(d.db, cf(), p, m->chaddr, want, now_s(), &got) < 0)
		return 0;
	return got == want;
}

static void do_request(const struct dhcp_msg *m, const struct conf_pool *p,
                       const struct conf_node *node, const struct dhcp_boot *b, int ifindex,
                       uint32_t srv, int fd)
{
	uint32_t sid = opt_u32(&m->opt[OPT_SERVER_ID]);
	uint32_t req = opt_u32(&m->opt[OPT_REQUESTED]);
	const struct lease *l = lease_db_by_mac(d.db, p, m->chaddr);
	char a[IPV4_STRLEN];
	uint32_t want;

	if (sid) {
		/* SELECTING (RFC 2131 4.3.2): the client chose a server. */
		if (sid != srv) {
			drop(DROP_OTHER_SERVER, "REQUEST for server %s, not us",
			     ipv4_format(sid, a));
			return;
		}
		want = req ? req : m->ciaddr;
	} else if (!m->ciaddr) {
		/* INIT-REBOOT: the client checks the address it remembers. */
		want = req;
		if (!ipv4_prefix_contains(&p->subnet, want)) {
			nak(m, ifindex, srv, fd, "requested address is on another subnet");
			return;
		}
		if (!l && !cf()->dhcp.authoritative) {
			drop(DROP_NOT_OURS, "INIT-REBOOT for %s with no record; not authoritative",
			     ipv4_format(want, a));
			return;
		}
	} else {
		/* RENEWING or REBINDING: ciaddr is the address in use. */
		want = m->ciaddr;
		if (!l && !cf()->dhcp.authoritative) {
			drop(DROP_NOT_OURS, "renewal of %s with no record; not authoritative",
			     ipv4_format(want, a));
			return;
		}
	}
	if (!want || !may_have(p, m, want)) {
		nak(m, ifindex, srv, fd, "address not available to this client");
		return;
	}
	/* A REQUEST with no offer before it (INIT-REBOOT, or a forged one)
	 * is as new a lease as a DISCOVER. */
	if (!nl_allow(m, p, node, ifindex))
		return;
	offer_or_ack(m, DHCPACK, p, node, b, want, ifindex, srv, fd);
}

static void do_inform(const struct dhcp_msg *m, const struct conf_pool *p,
                      const struct conf_node *node, const struct dhcp_boot *b, int ifindex,
                      uint32_t srv, int fd)
{
	struct dhcp_out o;
	uint8_t buf[DHCP_MAX_REPLY];

	/* RFC 2131 3.4: configuration only, no lease, no yiaddr. */
	dhcp_out_init(&o, buf, dhcp_reply_max(m), m, DHCPACK);
	dhcp_out_addrs(&o, m->ciaddr, 0, 0);
	dhcp_out_u32(&o, OPT_SERVER_ID, srv);
	dhcp_reply_options(&o, p, node, 0);
	dhcp_reply_boot(&o, cf(), m, b, srv, 0);
	reply(&o, m, DHCPACK, 0, ifindex, srv, fd, 0, NULL);
}

/* proxyDHCP (PXE 2.1, RFC 4578): boot information, never an address. */
static void do_proxy(const struct dhcp_msg *m, const struct dhcp_boot *b, int ifindex, uint32_t srv,
                     int fd, const struct sockaddr_in *from)
{
	struct dhcp_out o;
	uint8_t buf[DHCP_MAX_REPLY];
	uint8_t type;

	if (b->kind != BOOT_PXE && b->kind != BOOT_IPXE && b->kind != BOOT_HTTP) {
		drop(DROP_PROXY, "proxy mode: ignoring a client that does not boot");
		return;
	}
	/* On port 67 only DISCOVERs are ours to answer: a REQUEST there is
	 * addressed to the server that leases the address. */
	if (m->type == DHCPDISCOVER && fd == d.fd)
		type = DHCPOFFER;
	else if ((m->type == DHCPREQUEST || m->type == DHCPINFORM) && fd == d.pxe_fd)
		type = DHCPACK;
	else
		return;
	/* On port 67 the client sees this offer beside the real server's
	 * and merges the two; on port 4011 it asks us directly (a PXE ROM
	 * or iPXE whose offer lacked boot information). */
	dhcp_out_init(&o, buf, dhcp_reply_max(m), m, type);
	dhcp_reply_proxy(&o, cf(), m, b, srv);
	reply(&o, m, type, 0, ifindex, srv, fd, 0, fd == d.pxe_fd ? from : NULL);
}

static void handle(int fd, const uint8_t *buf, size_t len, const struct sockaddr_in *from,
                   int ifindex)
{
	const struct conf *c = cf();
	static struct dhcp_msg m; /* 5 KiB; the loop is single-threaded */
	const struct conf_pool *p;
	const struct conf_node *node;
	struct dhcp_boot b;
	char a[IPV4_STRLEN], mac[MAC_STRLEN];
	uint32_t srv, got;
	int rc;

	d.n.rx++;
	rc = dhcp_msg_parse(buf, len, &m);
	if (rc < 0) {
		d.n.parse_errs[-rc < 16 ? -rc : 0]++;
		drop(DROP_PARSE, "malformed packet from %s:%u (%s), dropped",
		     ipv4_format(ntohl(from->sin_addr.s_addr), a), ntohs(from->sin_port),
		     dhcp_err_name(rc));
		return;
	}
	d.n.rx_type[m.type]++;
	if (m.op != 1) {
		drop(DROP_NOT_REQUEST, "BOOTREPLY from %s ignored",
		     ipv4_format(ntohl(from->sin_addr.s_addr), a));
		return;
	}
	if (!m.giaddr && !server_serves_ifindex(ifindex)) {
		drop(DROP_INTERFACE, "request on interface %d, which is not served", ifindex);
		return;
	}
	p = pool_for(&m, ifindex);
	if (netif_source_addr(ifindex, m.giaddr, &srv) < 0 ||
	    (!p && c->dhcp.mode == DHCP_MODE_FULL)) {
		drop(DROP_NO_POOL, "no pool for a request from %s on interface %d (giaddr %s)",
		     mac_format(m.chaddr, ':', mac), ifindex, ipv4_format(m.giaddr, a));
		return;
	}
	node = node_of(&m);
	dhcp_boot_classify(&m, &b);
	/* Replacing an old iPXE ROM: iPXE gets the binary, unless this MAC
	 * just fetched it, i.e. this is the new iPXE asking.  Never twice in a
	 * row, so no loop. */
	if (b.kind == BOOT_IPXE && dhcp_boot_replace(p, node) && !chainloaded(m.chaddr)) {
		b.kind = BOOT_PXE;
		b.replaced = 1;
	}
	if (!node) {
		int policy = p ? p->unknown_clients : c->dhcp.unknown_clients;

		if (policy == UNKNOWN_IGNORE ||
		    (policy == UNKNOWN_BOOT_ONLY && b.kind == BOOT_NONE)) {
			drop(DROP_UNKNOWN, "unknown machine %s ignored by policy",
			     mac_format(m.chaddr, ':', mac));
			return;
		}
	}
	if (m.type == DHCPDISCOVER || m.type == DHCPDECLINE || m.type == DHCPRELEASE ||
	    m.type == DHCPINFORM)
		timeline_note(m.chaddr,
		              m.type == DHCPDISCOVER  ? TL_DHCP_DISCOVER
		              : m.type == DHCPDECLINE ? TL_DHCP_DECLINE
		              : m.type == DHCPRELEASE ? TL_DHCP_RELEASE
		                                      : TL_DHCP_INFORM,
		              "%s%s%s", dhcp_boot_label(&b), b.arch >= 0 ? " " : "",
		              b.arch >= 0 ? dhcp_boot_arch_name(b.arch) : "");
	if (c->dhcp.mode == DHCP_MODE_PROXY || fd == d.pxe_fd) {
		do_proxy(&m, &b, ifindex, srv, fd, from);
		return;
	}
	switch (m.type) {
	case DHCPDISCOVER:
		/* Before the choice: under a flood it walks a full range. */
		if (!nl_allow(&m, p, node, ifindex))
			return;
		rc = lease_db_choose(d.db, c, p, m.chaddr, opt_u32(&m.opt[OPT_REQUESTED]), now_s(),
		                     &got);
		if (rc < 0) {
			drop(DROP_NO_ADDRESS, "no address for %s in %s/%u: %s",
			     mac_format(m.chaddr, ':', mac), ipv4_format(p->subnet.addr, a),
			     p->subnet.len, rc == -ENOSPC ? "pool exhausted" : "no range");
			return;
		}
		offer_or_ack(&m, DHCPOFFER, p, node, &b, got, ifindex, srv, fd);
		break;
	case DHCPREQUEST: do_request(&m, p, node, &b, ifindex, srv, fd); break;
	case DHCPDECLINE: {
		uint32_t ip = opt_u32(&m.opt[OPT_REQUESTED]);
		const struct lease *l = lease_db_by_ip(d.db, ip);

		/* RFC 2131 4.3.3: the address is in use by someone else. */
		if (l && memcmp(l->mac, m.chaddr, MAC_LEN) == 0) {
			log_warn("dhcp: %s declined %s: another host has it; quarantined for %d s",
			         mac_format(m.chaddr, ':', mac), ipv4_format(ip, a),
			         c->dhcp.decline_time);
			dhcp_commit_lease(m.chaddr, ip, now_s() + c->dhcp.decline_time,
			                  LEASE_DECLINED);
		}
		break;
	}
	case DHCPRELEASE: {
		const struct lease *l = lease_db_by_ip(d.db, m.ciaddr);

		/* RFC 2131 4.3.4 */
		if (l && memcmp(l->mac, m.chaddr, MAC_LEN) == 0 && l->state == LEASE_BOUND) {
			log_info("dhcp: %s released %s", mac_format(m.chaddr, ':', mac),
			         ipv4_format(m.ciaddr, a));
			dhcp_commit_lease(m.chaddr, m.ciaddr, now_s(), LEASE_FREE);
		}
		break;
	}
	case DHCPINFORM: do_inform(&m, p, node, &b, ifindex, srv, fd); break;
	default: break;
	}
}

/* ---- sockets ------------------------------------------------------------- */

/* Read and answer up to BURST requests queued on @fd; replies that promise
 * nothing leave together at the end.  Returns how many were read. */
static int drain(int fd)
{
	const int batch = (int)(sizeof(d.rx.msgs) / sizeof(d.rx.msgs[0]));
	int round, i, n, total = 0;

	for (round = 0; round < BURST / batch; round++) {
		for (i = 0; i < batch; i++)
			udp_msg_prepare(&d.rx.msgs[i].msg_hdr, &d.rx.iov[i], d.rx.buf[i],
			                sizeof(d.rx.buf[i]), &d.rx.from[i], d.rx.cbuf[i]);
		n = recvmmsg(fd, d.rx.msgs, (unsigned)batch, MSG_DONTWAIT, NULL);
		if (n > 0)
			total += n;
		for (i = 0; i < n; i++) {
			struct msghdr *mh = &d.rx.msgs[i].msg_hdr;
			uint32_t local;
			int ifindex;

			udp_get_pktinfo(mh, &ifindex, &local);
			if (mh->msg_flags & MSG_TRUNC) {
				drop(DROP_PARSE, "oversized packet dropped");
				continue;
			}
			handle(fd, d.rx.buf[i], d.rx.msgs[i].msg_len, &d.rx.from[i], ifindex);
		}
		/* A short batch means the queue is empty: one syscall fewer
		 * than reading until EAGAIN; the poll wakes us for more. */
		if (n < batch)
			break;
	}
	outq_flush();
	return total;
}

static void dhcp_on_readable(uv_poll_t *h, int status, int events);

/*
 * Busy: port 67 is read on a tick instead of on every datagram.  At a few
 * thousand requests a second each wake-up otherwise finds one request, and
 * the wake-up (epoll_wait, a context switch, recvmmsg) costs more than
 * answering it.  Each tick reads what has queued up, sends the offers
 * together and starts the sync of the leases: the tick is the commit
 * window, and each sync (a disk write and a cache flush, some 100 us of
 * CPU in a VM) is shared by the leases of one tick.  The tick adapts to
 * the arrival rate: it doubles, up to RX_TICK_MAX, while ticks read fewer
 * than RX_TICK_FEW requests, and halves, down to RX_TICK_MIN, when they
 * read more than RX_TICK_MANY - so a sync covers a dozen leases or more
 * at a few thousand a second, and at tens of thousands the tick is short
 * and no burst outgrows BURST.  A tick that finds nothing goes back to
 * polling, so an idle server answers at once; a busy one adds at most
 * RX_TICK_MAX ms before a reply, nothing next to the 4 s a DHCP client
 * waits before it asks again (RFC 2131 4.1).
 */
static void dhcp_on_tick(uv_timer_t *t)
{
	int n = drain(d.fd);

	if (n == 0) {
		uv_timer_stop(t);
		d.busy = 0;
		d.last_wake = 0;
		if (d.polling)
			uv_poll_start(&d.poll, UV_READABLE, dhcp_on_readable);
	} else if (n < RX_TICK_FEW && d.tick_ms < RX_TICK_MAX) {
		d.tick_ms *= 2;
		uv_timer_set_repeat(t, d.tick_ms);
	} else if (n > RX_TICK_MANY && d.tick_ms > RX_TICK_MIN) {
		d.tick_ms /= 2;
		uv_timer_set_repeat(t, d.tick_ms);
	}
	dhcp_commit_flush();
}

static void dhcp_on_readable(uv_poll_t *h, int status, int events)
{
	int fd = h == &d.poll ? d.fd : d.pxe_fd;
	uint64_t now;

	(void)events;
	if (status < 0)
		return;
	drain(fd);
	if (h == &d.poll && d.tick_init) {
		now = uv_hrtime();
		if (now - d.last_wake < RX_BUSY_GAP) {
			uv_poll_stop(&d.poll);
			d.busy = 1;
			d.tick_ms = RX_TICK_MIN;
			uv_timer_start(&d.tick, dhcp_on_tick, d.tick_ms, d.tick_ms);
		}
		d.last_wake = now;
	}
	/* Everything this burst changed goes to disk in one write and one
	 * sync; the ACKs follow when it is done. */
	dhcp_commit_soon();
}

static int open_socket(uint16_t port, int *out)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd, one = 1, rcv = RCVBUF;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
		goto err_sockopt;
	/* Past net.core.rmem_max when allowed (CAP_NET_ADMIN); else as big
	 * as the sysctl lets us. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto err_sockopt;
	*out = fd;
	return 0;

err_sockopt:
	one = -errno;
	close(fd);
	return one;
}

static void dhcp_on_replay(const struct lease_rec *r, void *arg)
{
	int *failed = arg;

	if (lease_db_apply(d.db, server.conf, r) < 0)
		*failed = 1;
}

int dhcp_start(uv_loop_t *loop, const struct conf *c)
{
	struct journal_stats st = {0};
	struct journal *jr = NULL;
	int rc, failed = 0;

	if (!c->dhcp.enable)
		return 0;
	d.loop = loop;
	d.db = lease_db_new();
	if (!d.db)
		return -ENOMEM;
	rc = journal_open(c->server.state_dir, dhcp_on_replay, &failed, &jr, &st);
	if (rc < 0) {
		log_err("dhcp: cannot open the lease journal in %s: %s", c->server.state_dir,
		        strerror(-rc));
		return rc;
	}
	dhcp_commit_init(d.db, jr);
	if (failed)
		return -ENOMEM;
	log_info("dhcp: replayed %zu lease records%s", st.records,
	         st.corrupt || st.torn_bytes ? "" : " from a clean journal");
	if (st.corrupt || st.torn_bytes)
		log_warn("dhcp: the lease journal had %zu corrupt records (skipped) and a torn "
		         "tail of %zu bytes (cut off)",
		         st.corrupt, st.torn_bytes);
	rc = open_socket(PORT_SERVER, &d.fd);
	if (rc < 0) {
		log_err("dhcp: cannot bind UDP port %d: %s", PORT_SERVER, strerror(-rc));
		return rc;
	}
	rc = dhcp_commit_start(loop, d.fd);
	if (rc < 0) {
		log_err("dhcp: cannot start the journal thread: %s", strerror(-rc));
		return rc;
	}
	/* What is made here is undone by dhcp_close(), which the server
	 * calls after a failed start too. */
	rc = uv_timer_init(loop, &d.tick);
	if (rc < 0)
		goto err_uv;
	d.tick_init = 1;
	rc = uv_poll_init(loop, &d.poll, d.fd);
	if (rc < 0)
		goto err_uv;
	d.polling = 1;
	rc = uv_poll_start(&d.poll, UV_READABLE, dhcp_on_readable);
	if (rc < 0)
		goto err_uv;
	if (c->dhcp.mode == DHCP_MODE_PROXY) {
		rc = open_socket(PORT_PXE, &d.pxe_fd);
		if (rc < 0) {
			log_err("dhcp: cannot bind UDP port %d: %s", PORT_PXE, strerror(-rc));
			return rc;
		}
		rc = uv_poll_init(loop, &d.pxe_poll, d.pxe_fd);
		if (rc < 0)
			goto err_uv;
		d.pxe_polling = 1;
		rc = uv_poll_start(&d.pxe_poll, UV_READABLE, dhcp_on_readable);
		if (rc < 0)
			goto err_uv;
	}
	log_info("dhcp: serving in %s mode on port %d%s",
	         c->dhcp.mode == DHCP_MODE_PROXY ? "proxy" : "full", PORT_SERVER,
	         c->dhcp.mode == DHCP_MODE_PROXY ? " and 4011" : "");
	return 0;

err_uv:
	log_err("dhcp: cannot watch the sockets: %s", uv_strerror(rc));
	return rc;
}

/* Which machine is at @p ip, the address of a TFTP client on @p ifindex:
 * our own lease; else the kernel's neighbour table, which works in proxy
 * mode and for machines rackboot does not know, since before its unicast
 * read request the client must ask for our MAC with ARP and the kernel
 * keeps the asker's pair (RFC 826, "merge"; Linux's arp_process() files
 * it as a stale entry); else the node configured with that ip (a client
 * behind a relay, which leaves no neighbour entry of its own). */
static const char *chainload_mac(uint32_t ip, int ifindex, uint8_t mac[MAC_LEN])
{
	const struct conf_node *n;

	if (dhcp_mac_of(ip, mac) == 0)
		return "its lease";
	if (ifindex > 0 && netif_neigh_get(ifindex, ip, mac) == 0)
		return "the neighbour table";
	n = inventory_node_by_ip(cf(), ip);
	if (!n)
		return NULL;
	memcpy(mac, n->mac, MAC_LEN);
	return "its node's ip";
}

void dhcp_note_chainload(uint32_t ip, int ifindex)
{
	uint8_t mac[MAC_LEN];
	size_t i, oldest = 0;
	char m[MAC_STRLEN], a[IPV4_STRLEN];
	const char *how = chainload_mac(ip, ifindex, mac);

	if (!how) {
		log_info("dhcp: %s fetched an iPXE binary, but no lease, neighbour entry or node "
		         "names its MAC; with ipxe_replace it will be handed the binary again",
		         ipv4_format(ip, a));
		return;
	}
	for (i = 0; i < CHAINLOADS; i++) {
		if (memcmp(d.chainloads[i].mac, mac, MAC_LEN) == 0) {
			oldest = i;
			break;
		}
		if (d.chainloads[i].at < d.chainloads[oldest].at)
			oldest = i;
	}
	memcpy(d.chainloads[oldest].mac, mac, MAC_LEN);
	d.chainloads[oldest].at = now_s();
	log_debug("dhcp: %s (%s, by %s) fetched an iPXE binary", mac_format(mac, ':', m),
	          ipv4_format(ip, a), how);
}

static int chainloaded(const uint8_t mac[MAC_LEN])
{
	size_t i;

	for (i = 0; i < CHAINLOADS; i++)
		if (memcmp(d.chainloads[i].mac, mac, MAC_LEN) == 0)
			return now_s() - d.chainloads[i].at <= CHAINLOAD_TTL;
	return 0;
}

int dhcp_mac_of(uint32_t ip, uint8_t mac[6])
{
	const struct lease *l = d.db ? lease_db_by_ip(d.db, ip) : NULL;

	if (!l || l->state != LEASE_BOUND || l->expires <= now_s())
		return -ENOENT;
	memcpy(mac, l->mac, MAC_LEN);
	return 0;
}

void dhcp_reload(const struct conf *old, const struct conf *nc)
{
	if (old->dhcp.mode != nc->dhcp.mode || old->dhcp.enable != nc->dhcp.enable)
		log_warn("reload: dhcp.mode and dhcp.enable take effect at the next restart");
}

void dhcp_stop(void)
{
	if (d.tick_init) {
		uv_timer_stop(&d.tick);
		d.busy = 0;
	}
	if (d.polling)
		uv_poll_stop(&d.poll);
	if (d.pxe_polling)
		uv_poll_stop(&d.pxe_poll);
	dhcp_commit_stop();
}

unsigned dhcp_busy(void)
{
	return dhcp_commit_busy();
}

static void dhcp_on_close(uv_handle_t *h)
{
	if (h == (uv_handle_t *)&d.poll) {
		close(d.fd);
		d.fd = -1;
	} else {
		close(d.pxe_fd);
		d.pxe_fd = -1;
	}
}

void dhcp_close(void)
{
	if (d.tick_init) {
		d.tick_init = 0;
		d.busy = 0;
		uv_close((uv_handle_t *)&d.tick, NULL);
	}
	if (d.polling) {
		d.polling = 0;
		uv_close((uv_handle_t *)&d.poll, dhcp_on_close);
	} else if (d.fd >= 0) {
		close(d.fd);
		d.fd = -1;
	}
	if (d.pxe_polling) {
		d.pxe_polling = 0;
		uv_close((uv_handle_t *)&d.pxe_poll, dhcp_on_close);
	} else if (d.pxe_fd >= 0) {
		close(d.pxe_fd);
		d.pxe_fd = -1;
	}
	dhcp_commit_close();
	lease_db_free(d.db);
	d.db = NULL;
	free(d.nl);
	d.nl = NULL;
	d.nnl = 0;
	d.nl_conf = NULL;
}
