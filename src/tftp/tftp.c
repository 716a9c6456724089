/* SPDX-License-Identifier: MIT */
/*
 * tftp.c - the TFTP server on the loop.
 *
 * Requests arrive on one socket (tftp.port).  Each accepted read request
 * becomes a struct xfer with a retransmission timer, served from a socket it
 * shares with the other transfers of the same local address (struct
 * xsock): ACKs are told apart by the client's address and port, read many
 * at a time, and the DATA they release leave together in one sendmmsg(2),
 * so a rack booting at once costs a few system calls per round of blocks
 * rather than two per block.  Consecutive full blocks of one transfer are
 * further joined into one UDP GSO message (UDP_SEGMENT, Linux 4.18), which
 * the kernel cuts into the same datagrams the client would otherwise get,
 * so a window costs a few trips through the stack instead of one per
 * block.  Data come from a struct tftp_file: the file mapped once
 * and shared by every transfer of it (a rack booting at once reads
 * undionly.kpxe once), refcounted, and re-validated by opening the path again
 * at most once a second, so an edit on disk is served to the next request.
 * A file replaced whole (written elsewhere and renamed over, as installers
 * do) is a new inode: running transfers finish the old version from their
 * mapping.  A file rewritten in place changes under the mapping, so before
 * a transfer's last block leaves, the file is checked (size, mtime, ctime
 * against the version mapped); if it changed the transfer is aborted with
 * an ERROR, and the client, which has not yet seen its last block, retries
 * and gets the new version.  A running transfer thus finishes with the
 * version it started or fails; it never completes with a mix.  Every block
 * but the last is sent from the mapping, never copied in user space.
 *
 * Packets are parsed by tftp_pkt.c, names cleaned and files opened beneath
 * the root by tftp_path.c, files mapped and shared by tftp_cache.c, DATA
 * queued and sent by the transfer sockets of tftp_xsock.c.  This file owns
 * the request socket, the list of transfer sockets, the timers and the
 * transfers, counts the transfers of each client address so that one host
 * cannot hold them all (tftp.max_transfers_per_client), and maps every
 * refusal of a request to one ERROR packet (the rejects table).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "dhcp/dhcp.h"
#include "dhcp/inventory.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/ratelog.h"
#include "core/netif.h"
#include "core/server.h"
#include "tftp/tftp.h"
#include "tftp/tftp_path.h"
#include "tftp/tftp_pkt.h"
#include "tftp_cache.h"
#include "tftp_xsock.h"
#include "core/timeline.h"
#include "core/udp.h"

#define MAX_WINDOW 1024 /* matches tftp.window_max's range */
#define RTO_MIN    50   /* ms: the adaptive timeout's floor */

#define CLIENT_BUCKETS 1024  /* chains of the per-address table */
#define LIMIT_LOG_MS   10000 /* a line a flood could repeat is logged at most this often */

/* How many transfers one client address has in flight, so that one host
 * cannot take all of tftp.max_transfers (a real machine holds one or two:
 * the UEFI tsize probe, then the file).  Owner: the client table; an entry
 * lives exactly while its address has a transfer. */
struct client {
	struct client *next;
	uint32_t addr; /* network byte order */
	unsigned n;
};

/* One transfer.  Owner: the transfer list; freed in its timer's close
 * callback. */
struct xfer {
	struct xfer *next, *prev;
	struct xfer *hnext; /* the peer hash's chain */
	struct xsock *s;    /* the socket it is served from */
	uv_timer_t timer;
	int closing;
	struct sockaddr_in peer;
	struct tftp_file *f;
	struct tftp_neg neg;
	struct tftp_win win;
	int oack;                      /* an OACK is outstanding (block 0) */
	int probe;                     /* ended by the client after the OACK */
	unsigned tries;                /* timeouts at the maximum timeout in a row */
	unsigned rto;                  /* ms until the next retransmission */
	unsigned rto_max;              /* the negotiated or configured timeout, ms */
	unsigned srtt;                 /* smoothed round trip, ms; 0 = not measured */
	int adaptive;                  /* the client negotiated no timeout */
	int resent;                    /* the current window was resent (Karn) */
	uint64_t sent_at;              /* loop time of the last window sent */
	uint64_t deadline;             /* loop time the retransmission is due */
	uint64_t due;                  /* loop time the timer handle fires */
	uint64_t started;              /* loop time, ms */
	int last_ok;                   /* the file was checked before the last block */
	uint8_t *last;                 /* ... whose data were read then (NULL: empty) */
	char name[TFTP_NAME_MAX + 32]; /* the path served, for logs */
};

static struct {
	uv_loop_t *loop;
	int fd;
	uv_poll_t poll;
	int polling;
	struct tftp_cache cache; /* the files served */
	struct xfer *xfers;
	unsigned nxfers;
	struct xsock *socks; /* shared transfer sockets */
	struct xfer **hash;  /* transfers by socket and client address */
	size_t hmask, nhashed;
	struct client *clients[CLIENT_BUCKETS]; /* by address */
	/* log lines one host could make rackboot repeat at its own rate: at
	 * most one every LIMIT_LOG_MS each (core/ratelog) */
	struct ratelog_gate q_limit, q_malformed;
	uint8_t rx[2048];
	struct {
		uint64_t requests, done, failed, busy, refused, malformed, bytes, retransmits,
		        cache_hits, probes, client_limited;
		uint64_t refused_by[1 - TFTP_P_ACCESS]; /* [0] write requests, [-err] the jail's */
	} n;
	struct hist dur; /* transfer durations, seconds */
} t = {.fd = -1, .cache.rootfd = -1};

static const struct conf *cf(void)
{
	return server.conf;
}

static const char *peer_str(const struct sockaddr_in *sa, char *buf, size_t cap)
{
	char a[IPV4_STRLEN];

	snprintf(buf, cap, "%s:%u", ipv4_format(ntohl(sa->sin_addr.s_addr), a),
	         ntohs(sa->sin_port));
	return buf;
}

/* Whether @g's line may be written now (core/ratelog); @skipped gets how
 * many of its occurrences were not since the last. */
static int quiet_due(struct ratelog_gate *g, uint64_t *skipped)
{
	return ratelog_gate_check(g, LIMIT_LOG_MS, uv_now(t.loop), skipped);
}

/* ---- transfers per client address ---------------------------------------- */

static struct client **client_slot(uint32_t addr)
{
	struct client **pp;

	/* Not seeded: an attacker aiming collisions needs as many addresses
	 * as it has transfers, each chain step costs it one transfer slot. */
	for (pp = &t.clients[(addr * 0x9e3779b1u) >> 22]; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr)
			break;
	return pp;
}

/* Transfers address @addr (network order) has in flight. */
static unsigned client_count(uint32_t addr)
{
	struct client *c = *client_slot(addr);

	return c ? c->n : 0;
}

/* One more transfer of @addr.  @ret rc	0 or -ENOMEM */
static int client_add(uint32_t addr)
{
	struct client **pp = client_slot(addr), *c = *pp;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->addr = addr;
		*pp = c;
	}
	c->n++;
	return 0;
}

/* One transfer of @addr fewer; the entry goes with its last one. */
static void client_del(uint32_t addr)
{
	struct client **pp = client_slot(addr), *c = *pp;

	assert(c && c->n > 0);
	if (--c->n == 0) {
		*pp = c->next;
		free(c);
	}
}

/* ---- shared transfer sockets ---------------------------------------------- */

static size_t peer_hash(const struct xsock *s, const struct sockaddr_in *sa, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)s ^ ((uint64_t)sa->sin_addr.s_addr << 16) ^ sa->sin_port;

	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & mask;
}

/* The transfer of client @peer on socket @s, or NULL. */
static struct xfer *xfer_find(const struct xsock *s, const struct sockaddr_in *peer)
{
	struct xfer *x;

	if (!t.hash)
		return NULL;
	for (x = t.hash[peer_hash(s, peer, t.hmask)]; x; x = x->hnext)
		if (x->s == s && xsock_same_peer(&x->peer, peer))
			return x;
	return NULL;
}

/*
 * Enter @x in the peer hash, doubling the table first when it holds as
 * many transfers as buckets.  Cost: O(transfers) on a doubling.
 * @ret rc	0 or -ENOMEM
 */
static int hash_add(struct xfer *x)
{
	size_t i, h;

	if (t.nhashed >= t.hmask) {
		size_t n = t.hmask ? 2 * (t.hmask + 1) : 256, mask = n - 1;
		struct xfer **nb = calloc(n, sizeof(*nb)), *y, *next;

		if (!nb)
			return -ENOMEM;
		for (i = 0; t.hash && i <= t.hmask; i++)
			for (y = t.hash[i]; y; y = next) {
				next = y->hnext;
				h = peer_hash(y->s, &y->peer, mask);
				y->hnext = nb[h];
				nb[h] = y;
			}
		free(t.hash);
		t.hash = nb;
		t.hmask = mask;
	}
	h = peer_hash(x->s, &x->peer, t.hmask);
	x->hnext = t.hash[h];
	t.hash[h] = x;
	t.nhashed++;
	return 0;
}

static void hash_del(struct xfer *x)
{
	struct xfer **pp;

	for (pp = &t.hash[peer_hash(x->s, &x->peer, t.hmask)]; *pp; pp = &(*pp)->hnext)
		if (*pp == x) {
			*pp = x->hnext;
			t.nhashed--;
			return;
		}
}

/* Blocks of @x's file: the last is short, maybe empty (RFC 1350 6). */
static uint64_t xfer_blocks(const struct xfer *x)
{
	return x->f->len / x->neg.blksize + 1;
}

/* Queue DATA block @block of @x on its socket: the payload straight from
 * the mapping, the last block from the checked copy when there is one
 * (send_window), and no arithmetic on an empty file's NULL data. */
static void queue_block(struct xfer *x, uint64_t block)
{
	uint64_t off = (block - 1) * x->neg.blksize;
	size_t len = off >= x->f->len                   ? 0
	             : x->f->len - off < x->neg.blksize ? x->f->len - off
	                                                : x->neg.blksize;
	const void *data = !len                                    ? NULL
	                   : x->last_ok && block == xfer_blocks(x) ? x->last
	                                                           : x->f->data + off;

	xsock_queue(x->s, &x->peer, (uint16_t)block, data, len, x->neg.blksize);
}

/* Drop @s from the list and close it (its last transfer has ended). */
static void sock_close(struct xsock *s)
{
	struct xsock **pp;

	for (pp = &t.socks; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	xsock_close(s);
}

/* ---- transfers ------------------------------------------------------------ */

static void xfer_on_close(uv_handle_t *h)
{
	struct xfer *x = h->data;

	tftp_file_put(x->f);
	free(x->last);
	free(x);
}

/* End a transfer: unlink it, close its timer; memory goes in the close
 * callback.  DATA it queued still leaves: the socket's queue holds its own
 * copy of the peer, and the file stays mapped until the close callback,
 * which runs after the callback that ended the transfer has flushed.  The
 * socket closes with its last transfer.  Idempotent. */
static void xfer_end(struct xfer *x, int ok, const char *why)
{
	uint8_t mac[MAC_LEN];
	uint64_t ms;
	char p[32];

	if (x->closing)
		return;
	x->closing = 1;
	ms = uv_now(t.loop) - x->started;
	if (x->probe) {
		/* not a failure: the client only wanted the options (tsize) */
		t.n.probes++;
		log_debug("tftp %s: %s: options read, transfer declined (%s)",
		          peer_str(&x->peer, p, sizeof(p)), x->name, why);
		goto unlink;
	}
	hist_observe(&t.dur, (double)ms / 1000);
	if (inventory_mac_of(ntohl(x->peer.sin_addr.s_addr), mac) == 0)
		timeline_note(mac, ok ? TL_TFTP_DONE : TL_TFTP_FAILED, "%.60s %s%zu bytes, %llu ms",
		              x->name, ok ? "" : "failed after ", ok ? x->f->len : (size_t)0,
		              (unsigned long long)ms);
	if (ok) {
		t.n.done++;
		t.n.bytes += x->f->len;
		log_info("tftp %s: sent %s (%zu bytes, blksize %u, window %u) in %llu ms",
		         peer_str(&x->peer, p, sizeof(p)), x->name, x->f->len, x->neg.blksize,
		         x->neg.windowsize, (unsigned long long)ms);
	} else {
		t.n.failed++;
		log_info("tftp %s: %s: %s", peer_str(&x->peer, p, sizeof(p)), x->name, why);
	}
unlink:
	if (x->prev)
		x->prev->next = x->next;
	else
		t.xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	t.nxfers--;
	client_del(x->peer.sin_addr.s_addr);
	hash_del(x);
	if (--x->s->nxfers == 0)
		sock_close(x->s);
	uv_close((uv_handle_t *)&x->timer, xfer_on_close);
}

/* An ERROR to @x's client from the transfer's own port (its TID). */
static void send_xfer_error(struct xfer *x, const char *msg)
{
	uint8_t buf[256];
	size_t len = tftp_build_error(buf, sizeof(buf), TFTP_ENOTDEF, msg);

	if (len &&
	    sendto(x->s->fd, buf, len, 0, (const struct sockaddr *)&x->peer, sizeof(x->peer)) < 0)
		log_debug("tftp: ERROR: %s", strerror(errno));
}

static void send_oack(struct xfer *x)
{
	uint8_t buf[512];
	size_t len = tftp_build_oack(buf, sizeof(buf), &x->neg);

	if (len &&
	    sendto(x->s->fd, buf, len, 0, (const struct sockaddr *)&x->peer, sizeof(x->peer)) < 0)
		log_debug("tftp: OACK: %s", strerror(errno));
}

/*
 * Before the last block of a mapped file first leaves: send what is queued,
 * then read the last block into x->last (pread: a file truncated under the
 * mapping reads short instead of faulting) and check that the file is still
 * the version mapped (tftp_file_changed).  Everything the client got so far left
 * before that check, so it is that version too.  @ret 0, or -ESTALE when
 * the file changed (or cannot be read): the transfer must end.
 */
static int take_last(struct xfer *x, uint64_t off, size_t len)
{
	ssize_t n = 0;

	xsock_flush(x->s);
	if (len) {
		x->last = malloc(len);
		if (!x->last)
			return -ENOMEM;
		do
			n = pread(x->f->fd, x->last, len, (off_t)off);
		while (n < 0 && errno == EINTR);
	}
	if (n != (ssize_t)len || tftp_file_changed(x->f))
		return -ESTALE;
	x->last_ok = 1;
	return 0;
}

/* Queue every block the window allows; the socket's flush sends them.
 * @ret 0, or -ESTALE when the transfer was ended (take_last). */
static int send_window(struct xfer *x)
{
	uint64_t n = tftp_win_sendable(&x->win), i, b, off;
	char p[32];
	int rc;

	if (n > MAX_WINDOW)
		n = MAX_WINDOW;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		b = x->win.next + i;
		off = (b - 1) * x->neg.blksize;
		if (b == xfer_blocks(x) && x->f->fd >= 0 && !x->last_ok) {
			rc = take_last(x, off, (size_t)(x->f->len - off));
			if (rc < 0) {
				log_warn("tftp %s: %s %s; aborted before its last block",
				         peer_str(&x->peer, p, sizeof(p)), x->name,
				         rc == -ESTALE ? "changed on disk during the transfer"
				                       : strerror(-rc));
				x->f->checked = 0; /* the next request looks at the file again */
				send_xfer_error(x, "File changed during transfer, try again");
				xfer_end(x, 0, "the file changed on disk during the transfer");
				return rc;
			}
		}
		queue_block(x, b);
	}
	x->win.next += n;
	x->sent_at = uv_now(t.loop);
	return 0;
}

static void xfer_on_timer(uv_timer_t *h);

/*
 * The retransmission is due x->rto from now.  The timer handle is moved
 * only when that is earlier than it fires: a lockstep transfer makes
 * progress hundreds of times a second, and a late firing just looks at the
 * deadline and sleeps again, so the timer heap is touched about once per
 * timeout instead of once per block.
 */
static void arm_timer(struct xfer *x)
{
	uint64_t now = uv_now(t.loop);

	x->deadline = now + x->rto;
	if (uv_is_active((uv_handle_t *)&x->timer) && x->due <= x->deadline)
		return;
	x->due = x->deadline;
	uv_timer_start(&x->timer, xfer_on_timer, x->rto, 0);
}

static void xfer_on_timer(uv_timer_t *h)
{
	struct xfer *x = h->data;
	uint64_t now = uv_now(t.loop);

	if (now < x->deadline) {
		x->due = x->deadline;
		uv_timer_start(&x->timer, xfer_on_timer, x->deadline - now, 0);
		return;
	}
	/* Give up only after tftp.retries timeouts at the full timeout, so a
	 * slow boot ROM gets as long as with a fixed timeout. */
	if (x->rto >= x->rto_max && ++x->tries > (unsigned)cf()->tftp.retries) {
		xfer_end(x, 0, "no acknowledgement; giving up");
		return;
	}
	t.n.retransmits++;
	x->resent = 1;
	x->rto = x->rto * 2 < x->rto_max ? x->rto * 2 : x->rto_max;
	if (x->oack) {
		send_oack(x);
		x->sent_at = now;
	} else {
		tftp_win_timeout(&x->win);
		if (send_window(x) < 0)
			return;
		xsock_flush(x->s);
	}
	arm_timer(x);
}

/*
 * A window was acknowledged: measure the round trip, unless the window was
 * resent (Karn: the sample would be ambiguous), and derive the next timeout
 * as twice the smoothed round trip plus 10 ms, within [RTO_MIN, rto_max].
 * With a negotiated timeout (RFC 2349) the timeout stays what was agreed.
 */
static void on_progress(struct xfer *x)
{
	uint64_t sample = uv_now(t.loop) - x->sent_at;

	x->tries = 0;
	if (!x->adaptive) {
		x->resent = 0;
		return;
	}
	if (!x->resent)
		x->srtt = x->srtt ? (unsigned)((7 * (uint64_t)x->srtt + sample) / 8)
		                  : (unsigned)sample;
	x->resent = 0;
	x->rto = 2 * x->srtt + 10;
	if (x->rto < RTO_MIN)
		x->rto = RTO_MIN;
	if (x->rto > x->rto_max)
		x->rto = x->rto_max;
}

/* One datagram from a client of @x: an ACK moves the window, an ERROR ends
 * the transfer; anything else is ignored. */
static void xfer_input(struct xfer *x, const uint8_t *buf, size_t n)
{
	uint16_t block, code;
	const char *msg;

	switch (tftp_opcode(buf, n)) {
	case TFTP_ACK:
		if (tftp_parse_ack(buf, n, &block) < 0)
			break;
		if (x->oack) {
			/* RFC 2347: ACK 0 accepts the OACK. */
			if (block != 0)
				break;
			x->oack = 0;
		}
		switch (tftp_win_ack(&x->win, block)) {
		case TFTP_ACK_DONE: xfer_end(x, 1, NULL); break;
		case TFTP_ACK_ADVANCE:
		case TFTP_ACK_RESEND:
			on_progress(x);
			if (send_window(x) == 0)
				arm_timer(x);
			break;
		case TFTP_ACK_DUPLICATE:
		case TFTP_ACK_BOGUS:
			/* Never a send for these: Sorcerer's Apprentice. */
			break;
		}
		break;
	case TFTP_ERROR:
		/* The client gave up, or declined our OACK (RFC 2347). */
		if (tftp_parse_error(buf, n, &code, &msg) == 0) {
			char why[160];

			snprintf(why, sizeof(why), "client sent error %u (%s)", code,
			         msg ? msg : "");
			/* RFC 2347: error 8 in answer to the OACK ends option
			 * negotiation; UEFI PXE does it on purpose to learn a
			 * file's size (tsize) before fetching it for real */
			x->probe = x->oack && code == TFTP_EOPTNEG;
			xfer_end(x, 0, why);
		}
		break;
	default: break;
	}
}

/*
 * ACKs and ERRORs for the transfers of one socket: read in batches until the
 * socket is empty (a short batch) or XS_RX_MAX were read, each handed to its
 * transfer, then everything the transfers queued leaves in one flush.
 * Datagrams from a client with no transfer here are dropped, as a connected
 * socket's kernel would have (RFC 1350 4: not our TID's peer).
 */
static void xsock_on_readable(uv_poll_t *h, int status, int events)
{
	struct xsock *s = h->data;
	struct mmsghdr msgs[XS_RX_BATCH];
	struct iovec iov[XS_RX_BATCH];
	struct sockaddr_in from[XS_RX_BATCH];
	uint8_t bufs[XS_RX_BATCH][516];
	int i, got = XS_RX_BATCH, total;

	(void)events;
	if (status < 0 || s->closing)
		return;
	for (i = 0; i < XS_RX_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* The last transfer ending here closes the socket (and flushes it);
	 * its memory goes only in the poll handle's close callback, later. */
	for (total = 0; got == XS_RX_BATCH && total < XS_RX_MAX && !s->closing; total += got) {
		for (i = 0; i < XS_RX_BATCH; i++) {
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		got = recvmmsg(s->fd, msgs, XS_RX_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			break;
		for (i = 0; i < got && !s->closing; i++) {
			struct xfer *x;

			if (msgs[i].msg_hdr.msg_namelen < sizeof(from[i]) ||
			    from[i].sin_family != AF_INET)
				continue;
			x = xfer_find(s, &from[i]);
			if (x && !x->closing)
				xfer_input(x, bufs[i], msgs[i].msg_len);
		}
	}
	if (!s->closing)
		xsock_flush(s);
}

/*
 * The socket a new transfer from @peer to @local is served from: one of
 * that address's with room and no transfer of @peer yet (a client that asks
 * again from the same port while its first transfer runs gets a second
 * TID, as it would from a socket per transfer), else a new one.
 */
static struct xsock *xsock_for(uint32_t local, const struct sockaddr_in *peer, int *err)
{
	struct xsock *s;

	const struct conf *c = cf();

	for (s = t.socks; s; s = s->next)
		if (s->local == local && s->nxfers < XS_XFERS_MAX && !xfer_find(s, peer))
			return s;
	s = xsock_new(t.loop, local, c->tftp.port_min, c->tftp.port_max, xsock_on_readable, err);
	if (s) {
		s->next = t.socks;
		t.socks = s;
	}
	return s;
}

/* ---- read requests -------------------------------------------------------- */

/*
 * What a read request can end in besides a transfer: each refusal is one
 * value, answered by nak() from this one table (RFC 1350 5), the way each
 * step of handle_request() returns it.  Counting and logging happen where
 * the refusal is decided; the table says only what the client is told.
 */
enum reject {
	REJ_NONE,
	REJ_STRAY,        /* DATA, ACK, ERROR, OACK on the request port */
	REJ_NOMEM,        /* no memory for the transfer */
	REJ_MALFORMED,    /* tftp_parse_req() refused it */
	REJ_READ_ONLY,    /* a write request */
	REJ_BUSY,         /* tftp.max_transfers, or no socket or timer */
	REJ_CLIENT_LIMIT, /* tftp.max_transfers_per_client */
	REJ_NOT_FOUND,    /* the jail found no such file */
	REJ_ACCESS,       /* the jail refused the name */
};

static const struct {
	uint16_t code;
	const char *msg; /* NULL: no reply */
} rejects[] = {
        /* Never answered, so two confused peers cannot bounce ERRORs
         * forever. */
        [REJ_STRAY] = {0, NULL},
        /* Not answered either: the client retries, and memory may be back. */
        [REJ_NOMEM] = {0, NULL},
        [REJ_MALFORMED] = {TFTP_EBADOP, "Illegal TFTP operation"},
        [REJ_READ_ONLY] = {TFTP_EACCESS, "Read-only server"},
        /* An ERROR rather than silence: a ROM told the server is busy
         * backs off rather than waits. */
        [REJ_BUSY] = {TFTP_ENOTDEF, "Server busy, try again"},
        [REJ_CLIENT_LIMIT] = {TFTP_ENOTDEF, "Too many transfers from this address"},
        [REJ_NOT_FOUND] = {TFTP_ENOTFOUND, "File not found"},
        [REJ_ACCESS] = {TFTP_EACCESS, "Access violation"},
};

/* Answer a refused request from the request port. */
static void nak(const struct sockaddr_in *to, enum reject why)
{
	uint8_t buf[256];
	size_t len;

	if (!rejects[why].msg)
		return;
	len = tftp_build_error(buf, sizeof(buf), rejects[why].code, rejects[why].msg);
	sendto(t.fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to));
}

/* Count and log a refusal by the jail, once with the peer. */
static enum reject refuse(const struct sockaddr_in *peer, const char *name, int err)
{
	char p[32];

	t.n.refused++;
	if (err < 0 && err >= TFTP_P_ACCESS)
		t.n.refused_by[-err]++;
	log_info("tftp %s: refused \"%.64s\": %s", peer_str(peer, p, sizeof(p)), name,
	         tftp_path_err_name(err));
	return err == TFTP_P_NOTFOUND ? REJ_NOT_FOUND : REJ_ACCESS;
}

/*
 * Refuse a request from an address that already has @limit transfers
 * (tftp.max_transfers_per_client): an ERROR, as for a busy server, so its
 * ROM backs off rather than waits.  Logged with the address at most once
 * every LIMIT_LOG_MS, with how many refusals went unlogged since, so the
 * flood that trips the limit cannot flood the log too.
 */
static enum reject refuse_client(const struct sockaddr_in *peer, unsigned limit)
{
	char p[32];
	uint64_t skipped;

	t.n.client_limited++;
	if (!quiet_due(&t.q_limit, &skipped))
		return REJ_CLIENT_LIMIT;
	log_warn("tftp %s: refused: this address already has %u transfers "
	         "(tftp.max_transfers_per_client); %llu more refusals since the last such "
	         "message",
	         peer_str(peer, p, sizeof(p)), limit, (unsigned long long)skipped);
	return REJ_CLIENT_LIMIT;
}

/* Whether @name is one of the iPXE binaries DHCP hands out (dhcp.boot). */
static int is_boot_file(const struct conf *c, const char *name)
{
	const char *const v[] = {c->dhcp.boot.bios, c->dhcp.boot.efi_ia32, c->dhcp.boot.efi_x64,
	                         c->dhcp.boot.efi_arm32, c->dhcp.boot.efi_arm64};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strcmp(v[i] + (v[i][0] == '/'), name) == 0) /* @name is cleaned */
			return 1;
	return 0;
}

/* A file of the cache, counting the hits.  @ret rc 0 or a negative enum
 * tftp_path_err */
static int file_get(const char *path, int netascii, struct tftp_file **out)
{
	int rc = tftp_cache_get(&t.cache, path, netascii, uv_now(t.loop), out);

	if (rc > 0)
		t.n.cache_hits++;
	return rc < 0 ? rc : 0;
}

/* Step 1: a read request, parsed into @r. */
static enum reject request_parse(const uint8_t *buf, size_t len, const struct sockaddr_in *peer,
                                 struct tftp_req *r)
{
	char p[32];
	uint64_t skipped;
	int rc;

	switch (tftp_opcode(buf, len)) {
	case TFTP_DATA:
	case TFTP_ACK:
	case TFTP_ERROR:
	case TFTP_OACK:
		/* Stray packets of some transfer. */
		t.n.malformed++;
		return REJ_STRAY;
	default: break;
	}
	t.n.requests++;
	rc = tftp_parse_req(buf, len, r);
	if (rc < 0) {
		t.n.malformed++;
		/* Once per interval: garbage must not flood the log. */
		if (quiet_due(&t.q_malformed, &skipped))
			log_info("tftp %s: malformed request (%s); %llu more since the last such "
			         "message",
			         peer_str(peer, p, sizeof(p)), tftp_err_name(rc),
			         (unsigned long long)skipped);
		return REJ_MALFORMED;
	}
	if (r->op == TFTP_WRQ) {
		t.n.refused++;
		t.n.refused_by[0]++;
		log_info("tftp %s: write request refused: the server is read-only",
		         peer_str(peer, p, sizeof(p)));
		return REJ_READ_ONLY;
	}
	return REJ_NONE;
}

/* Step 2: room for one more transfer, and for one more of this address. */
static enum reject request_admit(const struct conf *c, const struct sockaddr_in *peer)
{
	if (t.nxfers >= (unsigned)c->tftp.max_transfers) {
		t.n.busy++;
		return REJ_BUSY;
	}
	if (client_count(peer->sin_addr.s_addr) >= (unsigned)c->tftp.max_per_addr)
		return refuse_client(peer, (unsigned)c->tftp.max_per_addr);
	return REJ_NONE;
}

/* Step 3: the file, cleaned into @clean: the node's own copy under its
 * MAC (tftp.per_node), else the shared one; its path goes to @path. */
static enum reject request_open(const struct conf *c, const struct tftp_req *r,
                                const struct sockaddr_in *peer, char clean[TFTP_NAME_MAX + 1],
                                char path[TFTP_NAME_MAX + 32], struct tftp_file **f)
{
	uint8_t mac[MAC_LEN];
	int rc;

	rc = tftp_path_clean(r->file, r->file_len, clean, TFTP_NAME_MAX + 1);
	if (rc < 0)
		return refuse(peer, r->file, rc);
	rc = TFTP_P_NOTFOUND;
	if (c->tftp.per_node && inventory_mac_of(ntohl(peer->sin_addr.s_addr), mac) == 0) {
		char m[MAC_STRLEN];

		snprintf(path, TFTP_NAME_MAX + 32, "%s/%s", mac_format(mac, '-', m), clean);
		rc = file_get(path, r->netascii, f);
	}
	if (rc == TFTP_P_NOTFOUND) {
		snprintf(path, TFTP_NAME_MAX + 32, "%s", clean);
		rc = file_get(path, r->netascii, f);
	}
	if (rc < 0)
		return refuse(peer, clean, rc);
	return REJ_NONE;
}

/*
 * Step 4: the transfer of @f to @peer, with its options negotiated, its
 * socket (shared, bound to @local) and its timer, linked in.  On success
 * it holds the caller's reference to @f; on failure the caller keeps it.
 */
static enum reject xfer_new(const struct conf *c, const struct tftp_req *r,
                            const struct sockaddr_in *peer, int ifindex, uint32_t local,
                            struct tftp_file *f, const char *path, struct xfer **out)
{
	struct tftp_limits lim;
	struct xfer *x;
	char p[32];
	int rc, held;

	x = calloc(1, sizeof(*x));
	if (!x)
		return REJ_NOMEM;
	x->peer = *peer;
	x->started = uv_now(t.loop);
	snprintf(x->name, sizeof(x->name), "%s", path);
	/* RFC 2348: the largest block that fits the arrival interface's MTU
	 * without fragments: MTU - IP (20) - UDP (8) - TFTP (4). */
	lim.blksize_max = (unsigned)c->tftp.blksize_max;
	if (netif_mtu(ifindex) - 32 < lim.blksize_max)
		lim.blksize_max = netif_mtu(ifindex) - 32;
	lim.window_max = (unsigned)c->tftp.window_max;
	lim.timeout_def = (unsigned)c->tftp.timeout;
	tftp_negotiate(r, &lim, f->len, &x->neg);
	x->oack = x->neg.ack != 0;
	x->adaptive = r->timeout < 0;
	x->rto_max = x->neg.timeout * 1000;
	x->rto = x->rto_max; /* until a round trip has been measured */
	tftp_win_init(&x->win, f->len, x->neg.blksize, x->neg.windowsize, x->oack);
	held = client_add(peer->sin_addr.s_addr) == 0;
	rc = -ENOMEM;
	x->s = held ? xsock_for(local, peer, &rc) : NULL;
	if (x->s && hash_add(x) < 0) {
		if (x->s->nxfers == 0)
			sock_close(x->s);
		x->s = NULL;
		rc = -ENOMEM;
	}
	if (!x->s) {
		log_warn("tftp %s: no socket for the transfer: %s", peer_str(peer, p, sizeof(p)),
		         strerror(-rc));
		goto err_socket;
	}
	x->s->nxfers++;
	rc = uv_timer_init(t.loop, &x->timer);
	if (rc < 0) {
		log_warn("tftp %s: no timer for the transfer: %s", peer_str(peer, p, sizeof(p)),
		         uv_strerror(rc));
		goto err_timer;
	}
	x->f = f;
	x->timer.data = x;
	x->next = t.xfers;
	if (t.xfers)
		t.xfers->prev = x;
	t.xfers = x;
	t.nxfers++;
	*out = x;
	return REJ_NONE;

err_timer:
	hash_del(x);
	if (--x->s->nxfers == 0)
		sock_close(x->s);
err_socket:
	if (held)
		client_del(peer->sin_addr.s_addr);
	free(x);
	t.n.busy++;
	return REJ_BUSY;
}

/* Step 5: the first OACK or window of a new transfer, and its timer. */
static void xfer_begin(struct xfer *x)
{
	char p[32];

	log_debug("tftp %s: %s, %zu bytes, blksize %u, window %u%s",
	          peer_str(&x->peer, p, sizeof(p)), x->name, x->f->len, x->neg.blksize,
	          x->neg.windowsize, x->oack ? ", OACK" : "");
	if (x->oack) {
		send_oack(x);
		x->sent_at = uv_now(t.loop);
	} else {
		if (send_window(x) < 0)
			return;
		xsock_flush(x->s);
	}
	arm_timer(x);
}

/*
 * A datagram on the request port, in steps (as OpenBSD's tftpd goes
 * tftpd_recv -> tftp_open -> validate_access): each either passes or
 * returns the refusal, answered by the one nak() below, and the file
 * reference taken by step 3 is dropped in one place if no transfer took it.
 */
static void handle_request(const uint8_t *buf, size_t len, const struct sockaddr_in *peer,
                           int ifindex, uint32_t local)
{
	const struct conf *c = cf();
	char clean[TFTP_NAME_MAX + 1], path[TFTP_NAME_MAX + 32];
	struct tftp_file *f = NULL;
	struct xfer *x = NULL;
	struct tftp_req r;
	enum reject why;

	why = request_parse(buf, len, peer, &r);
	if (why == REJ_NONE)
		why = request_admit(c, peer);
	if (why == REJ_NONE)
		why = request_open(c, &r, peer, clean, path, &f);
	if (why == REJ_NONE) {
		if (is_boot_file(c, clean))
			dhcp_note_chainload(ntohl(peer->sin_addr.s_addr), ifindex);
		why = xfer_new(c, &r, peer, ifindex, local, f, path, &x);
	}
	if (why != REJ_NONE) {
		nak(peer, why);
		tftp_file_put(f);
		return;
	}
	xfer_begin(x);
}

static void tftp_on_readable(uv_poll_t *h, int status, int events)
{
	int i;

	(void)h;
	(void)events;
	if (status < 0)
		return;
	/* Bounded: a storm of requests cannot starve the transfers. */
	for (i = 0; i < 64; i++) {
		char cbuf[UDP_CBUF_SIZE];
		struct sockaddr_in from;
		struct iovec iov;
		struct msghdr mh;
		int ifindex;
		uint32_t local;
		ssize_t n;

		udp_msg_prepare(&mh, &iov, t.rx, sizeof(t.rx), &from, cbuf);
		n = recvmsg(t.fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			break;
		/* Answer from the address the client wrote to. */
		udp_get_pktinfo(&mh, &ifindex, &local);
		if (!server_serves_ifindex(ifindex))
			continue;
		handle_request(t.rx, (size_t)n, &from, ifindex, local);
	}
}

int tftp_start(uv_loop_t *loop, const struct conf *c)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->tftp.port)};
	int one = 1, rc, rcvbuf = 4 << 20;

	static const double bounds[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

	if (!c->tftp.enable)
		return 0;
	t.loop = loop;
	hist_init(&t.dur, bounds, sizeof(bounds) / sizeof(bounds[0]));
	rc = tftp_cache_open(&t.cache, c->tftp.root);
	if (rc < 0) {
		log_err("tftp: cannot open tftp.root %s: %s", c->tftp.root, strerror(-rc));
		return rc;
	}
	t.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t.fd < 0)
		return -errno;
	/* A rack powering on, or one host's garbage, must not overflow the
	 * request socket before the loop drains it: past rmem_max when
	 * allowed, else as big as it lets. */
	if (setsockopt(t.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(t.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(t.fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(t.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		log_err("tftp: cannot bind UDP port %d: %s", c->tftp.port, strerror(errno));
		return rc;
	}
	rc = uv_poll_init(loop, &t.poll, t.fd);
	if (rc < 0)
		goto err_uv;
	t.polling = 1;
	rc = uv_poll_start(&t.poll, UV_READABLE, tftp_on_readable);
	if (rc < 0)
		goto err_uv;
	log_info("tftp: serving %s on port %d", c->tftp.root, c->tftp.port);
	return 0;

err_uv:
	/* tftp_close, called after a failed start, closes what was made */
	log_err("tftp: cannot watch port %d: %s", c->tftp.port, uv_strerror(rc));
	return rc;
}

void tftp_reload(const struct conf *old, const struct conf *nc)
{
	if (strcmp(old->tftp.root, nc->tftp.root) != 0 || old->tftp.port != nc->tftp.port)
		log_warn("reload: tftp.root and tftp.port take effect at the next restart");
}

void tftp_stop(void)
{
	if (t.polling)
		uv_poll_stop(&t.poll);
}

unsigned tftp_busy(void)
{
	return t.nxfers;
}

void tftp_metrics(struct buf *b)
{
	const struct xsock_stats *xs = xsock_stats();
	const struct {
		const char *name, *help;
		uint64_t v;
	} ctr[] = {
#define C(v, nm, hp) {"rackboot_tftp_" nm, hp, v}
	        C(t.n.requests, "requests_total", "Read requests received."),
	        C(t.n.done, "transfers_completed_total", "Transfers acknowledged to the end."),
	        C(t.n.failed, "transfers_failed_total",
	          "Transfers given up (timeouts, client errors)."),
	        C(t.n.refused, "requests_refused_total",
	          "Requests refused (jail, missing files, WRQ)."),
	        C(t.n.busy, "requests_busy_total",
	          "Requests refused because tftp.max_transfers ran."),
	        C(t.n.client_limited, "client_limited_total",
	          "Requests refused because their address already had "
	          "tftp.max_transfers_per_client transfers in flight."),
	        C(t.n.malformed, "malformed_total", "Malformed packets dropped."),
	        C(t.n.bytes, "sent_bytes_total", "File bytes of completed transfers."),
	        C(t.n.retransmits, "retransmissions_total", "Windows sent again after a timeout."),
	        C(t.n.cache_hits, "cache_hits_total",
	          "Requests served from an already mapped file."),
	        C(t.n.probes, "option_probes_total",
	          "Requests the client ended after reading the OACK (RFC 2347 error 8), as "
	          "UEFI PXE does to learn a file's size; not failures."),
	        C(xs->gso_sends, "gso_sends_total",
	          "Messages of several DATA blocks sent with UDP segmentation offload."),
	        C(xs->gso_refused, "gso_refused_total",
	          "Transfer sockets on which the kernel refused UDP segmentation offload; "
	          "they send one datagram per block."),
#undef C
	};
	size_t i;

	for (i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++) {
		metrics_family(b, ctr[i].name, "counter", ctr[i].help);
		metrics_sample(b, ctr[i].name, NULL, (double)ctr[i].v);
	}
	metrics_family(b, "rackboot_tftp_refusals_total", "counter",
	               "Requests refused, by reason: write (read-only server), or the jail's "
	               "(empty, long, nul, dotdot, escape, notfound, notfile, access).");
	for (i = 0; i < sizeof(t.n.refused_by) / sizeof(t.n.refused_by[0]); i++) {
		const char *l[] = {"reason", i ? tftp_path_err_name(-(int)i) : "write", NULL};

		metrics_sample(b, "rackboot_tftp_refusals_total", l, (double)t.n.refused_by[i]);
	}
	metrics_family(b, "rackboot_tftp_active_transfers", "gauge", "Transfers in flight.");
	metrics_sample(b, "rackboot_tftp_active_transfers", NULL, t.nxfers);
	metrics_family(b, "rackboot_tftp_transfer_duration_seconds", "histogram",
	               "Duration of transfers, completed or failed.");
	metrics_hist(b, "rackboot_tftp_transfer_duration_seconds", NULL, &t.dur);
}

void tftp_log_state(void)
{
	log_info("tftp: %llu requests, %llu transfers sent (%llu bytes), %llu failed, %llu "
	         "refused, %llu malformed, %llu busy; %u in flight; %llu retransmissions; %llu "
	         "cache hits",
	         (unsigned long long)t.n.requests, (unsigned long long)t.n.done,
	         (unsigned long long)t.n.bytes, (unsigned long long)t.n.failed,
	         (unsigned long long)t.n.refused, (unsigned long long)t.n.malformed,
	         (unsigned long long)t.n.busy, t.nxfers, (unsigned long long)t.n.retransmits,
	         (unsigned long long)t.n.cache_hits);
}

static void tftp_on_close(uv_handle_t *h)
{
	(void)h;
	close(t.fd);
	t.fd = -1;
}

void tftp_close(void)
{
	while (t.xfers)
		xfer_end(t.xfers, 0, "server stopping");
	assert(t.nhashed == 0 && !t.socks); /* every transfer ended, its socket closing */
	free(t.hash);
	t.hash = NULL;
	t.hmask = 0;
	if (t.polling) {
		t.polling = 0;
		uv_close((uv_handle_t *)&t.poll, tftp_on_close);
	} else if (t.fd >= 0) {
		close(t.fd);
		t.fd = -1;
	}
	tftp_cache_close(&t.cache);
}
