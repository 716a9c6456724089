/* SPDX-License-Identifier: MIT */
/*
 * iscsi.c - the built-in iSCSI target (RFC 7143) on the loop: the
 * listener, one connection per session (MaxConnections=1, ErrorRecovery
 * Level 0), and the PDU handlers of full feature phase: SCSI Command and
 * Data-Out (handed to the task, iscsi_task.c), NOP, task management, text
 * (SendTargets) and logout; the login is iscsi_session.c's, sending
 * iscsi_send.c's, the volumes store/vol.c's.  Owns the connections: each
 * has one reset point (conn_close) and one destructor (conn_free, from the
 * close callback of its last handle).  Never blocks.  Protocol errors
 * become a Reject or a closed connection here and nowhere else.  One
 * address may hold at most iscsi.max_per_address connections,
 * iscsi.max_logins_per_address of them still logging in, and a login must
 * end iscsi.login_timeout after accept.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/ratelog.h"
#include "core/server.h"
#include "core/timeline.h"
#include "dhcp/dhcp.h"
#include "iscsi/extcheck.h"
#include "iscsi/iscsi.h"
#include "iscsi/iscsi_text.h"
#include "iscsi_int.h"

/* Connections the kernel completes before the loop accepts them.  A rack
 * powering on, or one host flooding, brings hundreds at once; with a short
 * queue the overflow is dropped after the client already counts itself
 * connected, and such a connection is neither refused nor ever closed by
 * the per-address limits (seen with 300 at once and 128 here).  The kernel
 * caps it at net.core.somaxconn (4096 by default). */
#define LISTEN_BACKLOG 1024

struct iscsi_target tgt;

static void conn_read_start(struct conn *c);

static void handle_scsi_cmd(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs;
	uint32_t cmdsn = be32_get(b + 24);

	if (!pdu->immediate) {
		if (cmdsn != c->exp_cmdsn) {
			/* RFC 7143 4.2.2.1: outside the window, ignored; with one
			 * connection there is no gap to wait for */
			tgt.n.dropped_cmdsn++;
			log_debug("iscsi %s: CmdSN %u ignored (expected %u)", c->peer, cmdsn,
			          c->exp_cmdsn);
			return;
		}
		c->exp_cmdsn++;
	}
	if (c->discovery || !c->vol) {
		send_reject(c, b, ISCSI_REJECT_PROTOCOL);
		return;
	}
	if (pdu->ahs_len) {
		/* extended CDBs (> 16 bytes) are not used by SBC-3 */
		send_reject(c, b, ISCSI_REJECT_UNSUPPORTED);
		return;
	}
	tgt.n.commands++;
	if (task_start(c, pdu, cmdsn) < 0)
		send_reject(c, b, ISCSI_REJECT_LONG_OP);
}

static void handle_data_out(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs;
	uint32_t ttt = be32_get(b + 20);
	struct task *t = task_find(c, pdu->itt);

	if (!t || t->stage != T_DATA_OUT) {
		if ((t && t->aborted) || itt_dead(c, pdu->itt))
			return; /* late data of an aborted task */
		send_reject(c, b, ISCSI_REJECT_INVALID_FIELD);
		return;
	}
	if (ttt != NO_TAG && ttt != t->ttt) {
		send_reject(c, b, ISCSI_REJECT_INVALID_FIELD);
		return;
	}
	task_data_out(t, pdu);
}

static void handle_nop_out(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t ttt = be32_get(b + 20);

	if (!pdu->immediate && pdu->itt != NO_TAG) {
		uint32_t cmdsn = be32_get(b + 24);

		if (cmdsn != c->exp_cmdsn) {
			tgt.n.dropped_cmdsn++;
			return;
		}
		c->exp_cmdsn++;
	}
	if (ttt != NO_TAG) {
		/* the answer to our ping */
		if (ttt == c->ping_ttt)
			c->ping_ttt = 0;
		return;
	}
	if (pdu->itt == NO_TAG)
		return; /* RFC 7143 11.18: no answer wanted */
	iscsi_bhs_init(bhs, ISCSI_OP_NOP_IN, 0x80, pdu->data_len, pdu->itt);
	memcpy(bhs + 8, b + 8, 8);
	be32_put(bhs + 20, NO_TAG);
	put_sn(c, bhs, 1);
	send_pdu(c, bhs, pdu->data, pdu->data_len, NULL);
}

static void handle_tmf(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs;
	uint8_t fn = b[1] & 0x7f, response = 0, bhs[ISCSI_BHS_LEN];
	uint32_t rtt = be32_get(b + 20), refcmdsn = be32_get(b + 32);
	struct task *t;
	int cold = 0;

	tgt.n.tmf++;
	if (!pdu->immediate) {
		if (be32_get(b + 24) != c->exp_cmdsn) {
			tgt.n.dropped_cmdsn++;
			return;
		}
		c->exp_cmdsn++;
	}
	if (c->discovery || !c->vol) {
		response = 0xff; /* rejected */
		goto respond;
	}
	switch (fn) {
	case 1: /* ABORT TASK */
		t = task_find(c, rtt);
		if (t && !t->aborted && t->stage != T_SENDING)
			task_abort(t);
		else if (!t && !sn_lt(refcmdsn, c->exp_cmdsn))
			response = 1; /* task does not exist (and was never received) */
		break;
	case 2: /* ABORT TASK SET */
	case 4: /* CLEAR TASK SET */ task_abort_all(c); break;
	case 5: /* LOGICAL UNIT RESET */
	case 6: /* TARGET WARM RESET */
		task_abort_all(c);
		/* SAM-5 6.3: every nexus, the requester's too, hears of it */
		scsi_lun_reset(&c->vol->lun, 0);
		log_info("iscsi %s: %s reset by %s", c->peer, fn == 5 ? "LUN" : "target",
		         c->login.initiator);
		break;
	case 7: /* TARGET COLD RESET: the connections close after the answer */
		task_abort_all(c);
		scsi_lun_reset(&c->vol->lun, 0);
		cold = 1;
		break;
	default:
		response = 5; /* function not supported */
		break;
	}
respond:
	iscsi_bhs_init(bhs, ISCSI_OP_TMF_RSP, 0x80, 0, pdu->itt);
	bhs[2] = response;
	put_sn(c, bhs, 1);
	send_pdu(c, bhs, NULL, 0, NULL);
	if (cold) {
		struct conn *o;

		for (o = tgt.conns; o; o = o->next)
			if (o != c && o->vol == c->vol)
				conn_close(o);
		c->close_after_send = 1;
		c->state = C_LOGOUT;
	}
}

/* Is @p n's target visible to this discovery session? */
static int discovery_sees(const struct conn *c, const struct conf_node *n)
{
	uint8_t mac[MAC_LEN];

	if (n->initiator && strcmp(n->initiator, c->login.initiator) != 0)
		return 0;
	if (c->login.user[0]) /* authenticated: its own node only */
		return strcmp(n->chap_user ? n->chap_user : n->hostname, c->login.user) == 0;
	/* unauthenticated: the node at the connecting address */
	if (n->ip && n->ip == c->peer_ip)
		return 1;
	return dhcp_mac_of(c->peer_ip, mac) == 0 && memcmp(mac, n->mac, MAC_LEN) == 0;
}

static void send_targets(struct conn *c, const char *which, struct buf *out)
{
	const struct conf *cf = server.conf;
	char a[INET_ADDRSTRLEN];
	struct in_addr ia = {.s_addr = htonl(c->local_ip)};
	size_t i;

	inet_ntop(AF_INET, &ia, a, sizeof(a));
	for (i = 0; i < cf->nnodes; i++) {
		const struct conf_node *n = &cf->nodes[i];
		char name[ISCSI_NAME_MAX];

		if (n->external.target)
			continue;
		snprintf(name, sizeof(name), "%s:%s", cf->iscsi.iqn_prefix, n->hostname);
		if (c->discovery ? !discovery_sees(c, n) : strcmp(name, c->target) != 0)
			continue;
		if (strcmp(which, "All") != 0 && strcmp(which, name) != 0 && which[0])
			continue;
		buf_printf(out, "TargetName=%s", name);
		buf_add(out, "", 1);
		buf_printf(out, "TargetAddress=%s:%u,1", a, c->local_port);
		buf_add(out, "", 1);
	}
}

static void handle_text(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs, *p = pdu->data, *end = pdu->data + pdu->data_len;
	uint8_t bhs[ISCSI_BHS_LEN];
	struct iscsi_kv kv;
	struct buf out;
	char which[ISCSI_NAME_MAX];
	int rc, st = 0;

	if (!pdu->immediate) {
		if (be32_get(b + 24) != c->exp_cmdsn) {
			tgt.n.dropped_cmdsn++;
			return;
		}
		c->exp_cmdsn++;
	}
	buf_init(&out);
	while (p && (rc = iscsi_text_next(&p, end, &kv)) == 1) {
		if (iscsi_kv_is(&kv, "SendTargets")) {
			if (iscsi_kv_copy(&kv, which, sizeof(which)) < 0)
				which[0] = 0;
			send_targets(c, which, &out);
			st = 1;
		}
	}
	if (!st && pdu->data_len) {
		struct iscsi_neg neg;
		struct iscsi_limits lim = c->ops.limits;

		/* RFC 7143 6.2: renegotiation in full feature phase */
		iscsi_neg_init(&neg);
		neg.p = c->p;
		if (iscsi_neg_keys(&neg, &lim, c->discovery, 1, pdu->data, pdu->data_len, &out) <
		    0) {
			buf_free(&out);
			send_reject(c, b, ISCSI_REJECT_NEGOTIATION);
			return;
		}
		/* only declarative values change mid-session */
		c->p.max_recv_dsl = neg.p.max_recv_dsl;
	}
	iscsi_bhs_init(bhs, ISCSI_OP_TEXT_RSP, 0x80, (uint32_t)out.len, pdu->itt);
	be32_put(bhs + 20, NO_TAG);
	put_sn(c, bhs, 1);
	send_pdu(c, bhs, out.p, out.len, NULL);
	buf_free(&out);
}

static void handle_logout(struct conn *c, const struct iscsi_pdu *pdu)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t reason = pdu->bhs[1] & 0x7f;

	if (!pdu->immediate) {
		if (be32_get(pdu->bhs + 24) == c->exp_cmdsn)
			c->exp_cmdsn++;
	}
	task_abort_all(c);
	iscsi_bhs_init(bhs, ISCSI_OP_LOGOUT_RSP, 0x80, 0, pdu->itt);
	bhs[2] = reason <= 1 ? 0 : 2; /* recovery not supported at ERL 0 */
	put_sn(c, bhs, 1);
	be16_put(bhs + 40, 0); /* Time2Wait */
	be16_put(bhs + 42, 0); /* Time2Retain */
	send_pdu(c, bhs, NULL, 0, NULL);
	log_info("iscsi %s: %s logged out%s%s", c->peer, c->login.initiator,
	         c->target[0] ? " of " : "", c->target);
	if (c->have_mac)
		timeline_note(c->mac, TL_ISCSI_LOGOUT, "%s", c->target);
	c->state = C_LOGOUT;
	c->have_mac = 0;
}

/* One framed PDU. */
static void handle_pdu(struct conn *c, const struct iscsi_pdu *pdu)
{
	c->last_rx = uv_now(tgt.loop);
	if (c->state == C_LOGIN) {
		if (pdu->opcode != ISCSI_OP_LOGIN_REQ) {
			/* RFC 7143 6.3: only Login in the login phase */
			tgt.n.protocol_errors++;
			log_warn("iscsi %s: opcode 0x%02x during login; closing", c->peer,
			         pdu->opcode);
			conn_close(c);
			return;
		}
		login_handle(c, pdu);
		return;
	}
	if (c->state != C_FULL)
		return;
	switch (pdu->opcode) {
	case ISCSI_OP_SCSI_CMD: handle_scsi_cmd(c, pdu); break;
	case ISCSI_OP_DATA_OUT: handle_data_out(c, pdu); break;
	case ISCSI_OP_NOP_OUT: handle_nop_out(c, pdu); break;
	case ISCSI_OP_TMF_REQ: handle_tmf(c, pdu); break;
	case ISCSI_OP_TEXT_REQ: handle_text(c, pdu); break;
	case ISCSI_OP_LOGOUT_REQ: handle_logout(c, pdu); break;
	case ISCSI_OP_LOGIN_REQ: send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL); break;
	default: /* SNACK at ErrorRecoveryLevel 0 */
		send_reject(c, pdu->bhs, ISCSI_REJECT_SNACK);
		break;
	}
}

/* ---- connections ---- */

/* The one destructor of a connection, once both its handles are closed:
 * by then conn_close (or conn_discard) has let go of everything else. */
static void conn_free(struct conn *c)
{
	assert(!c->tasks && !c->held && !c->vol);
	free(c->rx);
	free(c);
}

static void conn_on_handle_close(uv_handle_t *h)
{
	struct conn *c = h->data;

	assert(c->handles > 0);
	if (--c->handles > 0)
		return;
	conn_free(c);
}

/* Close the handles of a connection never listed (refused at accept). */
static void conn_discard(struct conn *c)
{
	uv_close((uv_handle_t *)&c->tcp, conn_on_handle_close);
	uv_close((uv_handle_t *)&c->timer, conn_on_handle_close);
}

void conn_close(struct conn *c)
{
	if (c->state == C_CLOSING)
		return;
	login_drop(c);
	if (c->have_mac)
		timeline_note(c->mac, TL_ISCSI_LOGOUT, "%s: connection closed", c->target);
	c->state = C_CLOSING;
	task_abort_all(c);
	task_detach_all(c);
	if (c->vol) {
		if (c->nexus)
			scsi_nexus_remove(&c->vol->lun, c->nexus);
		vol_put(c->vol);
		c->vol = NULL;
	}
	iscsi_login_fini(&c->login);
	if (c->prev)
		c->prev->next = c->next;
	else
		tgt.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	tgt.nconns--;
	conn_discard(c);
}

static void conn_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *out)
{
	struct conn *c = h->data;
	size_t want = c->rx_len + 65536;

	(void)hint;
	if (want > c->rx_cap) {
		uint8_t *n = realloc(c->rx, want);

		if (!n) {
			*out = uv_buf_init(NULL, 0);
			return;
		}
		c->rx = n;
		c->rx_cap = want;
	}
	*out = uv_buf_init((char *)c->rx + c->rx_len, (unsigned)(c->rx_cap - c->rx_len));
}

/* Frame and handle every whole PDU in the receive buffer. */
void conn_pump(struct conn *c)
{
	size_t off = 0;

	if (c->pumping)
		return; /* the outer call goes on */
	c->pumping = 1;
	while (c->state == C_LOGIN || c->state == C_FULL) {
		struct iscsi_pdu pdu;
		size_t need;
		int hd = c->state == C_FULL && c->p.header_digest;
		int dd = c->state == C_FULL && c->p.data_digest;
		uint32_t max = c->state == C_FULL ? (c->p.target_recv_dsl ? c->p.target_recv_dsl
		                                                          : TARGET_MRDSL)
		                                  : 65536;
		int rc;

		if (c->queued > WRITE_HIGH)
			break; /* the peer is not reading; wait for the writes */
		rc = iscsi_pdu_frame(c->rx + off, c->rx_len - off, hd, dd, max, &pdu, &need);
		if (rc == 0) {
			if (need > c->rx_cap) {
				uint8_t *n = realloc(c->rx, need + 65536);

				if (!n) {
					c->pumping = 0;
					conn_close(c);
					return;
				}
				c->rx = n;
				c->rx_cap = need + 65536;
			}
			break;
		}
		if (rc == ISCSI_E_DDIGEST) {
			/* RFC 7143 7.8: the PDU is discarded and rejected */
			tgt.n.digest_errors++;
			log_warn("iscsi %s: data digest error; PDU rejected", c->peer);
			send_reject(c, pdu.bhs, ISCSI_REJECT_DIGEST);
			off += pdu.total;
			continue;
		}
		if (rc < 0) {
			if (rc == ISCSI_E_HDIGEST)
				tgt.n.digest_errors++;
			else
				tgt.n.protocol_errors++;
			log_warn("iscsi %s: %s; closing", c->peer,
			         rc == ISCSI_E_HDIGEST   ? "header digest error"
			         : rc == ISCSI_E_TOO_BIG ? "data segment over the negotiated size"
			         : rc == ISCSI_E_AHS     ? "additional header segment too long"
			                                 : "an opcode initiators do not send");
			if (rc != ISCSI_E_HDIGEST && c->state == C_FULL && pdu.bhs)
				send_reject(c, pdu.bhs, ISCSI_REJECT_PROTOCOL);
			c->rx_len = 0;
			c->close_after_send = 1;
			c->pumping = 0;
			if (c->queued == 0)
				conn_close(c);
			else
				c->state = C_LOGOUT;
			return;
		}
		handle_pdu(c, &pdu);
		off += (size_t)rc;
		if (c->state == C_CLOSING) {
			c->pumping = 0;
			return;
		}
	}
	c->pumping = 0;
	if (off) {
		memmove(c->rx, c->rx + off, c->rx_len - off);
		c->rx_len -= off;
	}
	if (c->state == C_CLOSING)
		return;
	if (c->queued <= WRITE_HIGH && !c->reading && uv_now(tgt.loop) >= c->read_at &&
	    (c->state == C_LOGIN || c->state == C_FULL))
		conn_read_start(c);
	else if (c->reading && c->state != C_LOGIN && c->state != C_FULL) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = 0;
	}
}

static void conn_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;

	(void)b;
	if (n < 0) {
		if (n != UV_EOF)
			log_debug("iscsi %s: %s", c->peer, uv_strerror((int)n));
		conn_close(c);
		return;
	}
	c->rx_len += (size_t)n;
	conn_pump(c);
}

static void conn_read_start(struct conn *c)
{
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_on_alloc, conn_on_read) == 0)
		c->reading = 1;
}

/* Login timeout and NOP-In pings of idle sessions (RFC 7143 11.19). */
static void conn_on_timer(uv_timer_t *h)
{
	struct conn *c = h->data;
	uint64_t now = uv_now(tgt.loop);
	int interval = server.conf->iscsi.nop_interval * 1000;

	if (c->state == C_LOGIN && !c->reading && now >= c->read_at)
		conn_pump(c); /* a slowed login may go on */
	if (c->state == C_WAIT_VOL && c->held && now - c->wait_since >= VOL_WAIT) {
		login_unavailable(c);
		return;
	}
	if (c->state == C_LOGIN && now >= c->login_by) {
		/* from accept (after any slow-down), whatever arrives meanwhile:
		 * a login kept going a PDU at a time is still closed */
		char m[RATELOG_MORE];
		uint64_t more = 0;

		tgt.n.login_timeouts++;
		if (ratelog_check(&tgt.rl_login, c->peer_ip, now, &more))
			log_warn("iscsi %s: login not finished in %d s (iscsi.login_timeout); "
			         "closing%s",
			         c->peer, server.conf->iscsi.login_timeout, ratelog_more(more, m));
		conn_close(c);
		return;
	}
	if (c->state == C_LOGIN || c->state == C_WAIT_VOL)
		return; /* the wait for a volume is bounded by VOL_WAIT above */
	if (c->state != C_FULL || !interval)
		return;
	if (c->ping_ttt && now - c->ping_sent >= (uint64_t)interval) {
		tgt.n.ping_timeouts++;
		log_warn("iscsi %s: no answer to a NOP-In in %d s; closing", c->peer,
		         interval / 1000);
		conn_close(c);
		return;
	}
	if (!c->ping_ttt && now - c->last_rx >= (uint64_t)interval) {
		uint8_t bhs[ISCSI_BHS_LEN];

		c->ping_ttt = ++c->next_ttt == NO_TAG ? ++c->next_ttt : c->next_ttt;
		c->ping_sent = now;
		iscsi_bhs_init(bhs, ISCSI_OP_NOP_IN, 0x80, 0, NO_TAG);
		be32_put(bhs + 20, c->ping_ttt);
		put_sn(c, bhs, 0);
		tgt.n.nop_pings++;
		send_pdu(c, bhs, NULL, 0, NULL);
	}
}

/* Would one more connection from @p ip go over a per-address limit?  If
 * so it is counted and logged (at most once per 10 s per address).
 * O(connections), on accept only. */
static int over_limit(uint32_t ip, const char *peer)
{
	const struct conf *cf = server.conf;
	const struct conn *c;
	unsigned n = 0, logins = 0;
	const char *which;
	char m[RATELOG_MORE];
	uint64_t more = 0;

	for (c = tgt.conns; c; c = c->next) {
		if (c->peer_ip != ip)
			continue;
		n++;
		logins += c->state == C_LOGIN || c->state == C_WAIT_VOL;
	}
	if (n >= (unsigned)cf->iscsi.max_per_address) {
		tgt.n.per_address++;
		which = "iscsi.max_per_address";
	} else if (logins >= (unsigned)cf->iscsi.max_logins_per_address) {
		tgt.n.per_address_logins++;
		which = "iscsi.max_logins_per_address";
	} else {
		return 0;
	}
	if (ratelog_check(&tgt.rl_limit, ip, uv_now(tgt.loop), &more))
		log_warn("iscsi %s: connection refused: %u open from that address, %u of them "
		         "logging in (%s)%s",
		         peer, n, logins, which, ratelog_more(more, m));
	return 1;
}

static void listener_on_connection(uv_stream_t *s, int status)
{
	const struct conf *cf = server.conf;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	int len = sizeof(ss), rc;
	struct conn *c;
	uint64_t delay;
	unsigned fails;

	if (status < 0) {
		log_err("iscsi: accept: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	rc = uv_tcp_init(tgt.loop, &c->tcp);
	if (rc < 0) {
		log_err("iscsi: accept: %s", uv_strerror(rc));
		free(c);
		return;
	}
	c->tcp.data = c;
	c->handles = 1;
	rc = uv_timer_init(tgt.loop, &c->timer);
	if (rc < 0) {
		log_err("iscsi: accept: %s", uv_strerror(rc));
		uv_close((uv_handle_t *)&c->tcp, conn_on_handle_close);
		return;
	}
	c->handles = 2;
	c->timer.data = c;
	if (uv_accept(s, (uv_stream_t *)&c->tcp) < 0 || tgt.stopping ||
	    tgt.nconns >= (unsigned)cf->iscsi.max_connections) {
		if (tgt.nconns >= (unsigned)cf->iscsi.max_connections)
			log_warn("iscsi: %u connections (iscsi.max_connections); refusing one",
			         tgt.nconns);
		conn_discard(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_INET) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", a, ntohs(sin->sin_port));
		c->peer_ip = ntohl(sin->sin_addr.s_addr);
	} else {
		snprintf(c->peer, sizeof(c->peer), "?");
	}
	len = sizeof(ss);
	if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_INET) {
		c->local_ip = ntohl(sin->sin_addr.s_addr);
		c->local_port = ntohs(sin->sin_port);
	}
	if (!server_serves_addr(c->local_ip)) {
		/* the listening socket takes every address; only the served
		 * interfaces (and loopback) get an answer */
		tgt.n.foreign++;
		log_debug("iscsi %s: connection to an interface not in server.interfaces; closed",
		          c->peer);
		conn_discard(c);
		return;
	}
	if (over_limit(c->peer_ip, c->peer)) {
		conn_discard(c);
		return;
	}
	c->state = C_LOGIN;
	c->first_login = 1;
	c->last_rx = uv_now(tgt.loop);
	login_begin(c);
	c->next = tgt.conns;
	if (tgt.conns)
		tgt.conns->prev = c;
	tgt.conns = c;
	tgt.nconns++;
	delay = login_delay(c->peer_ip, &fails);
	uv_timer_start(&c->timer, conn_on_timer, 1000, 1000);
	c->login_by = uv_now(tgt.loop) + delay + (uint64_t)cf->iscsi.login_timeout * 1000;
	if (delay) {
		/* reading starts from the timer */
		log_info("iscsi %s: %u failed logins lately; waiting %llu ms", c->peer, fails,
		         (unsigned long long)delay);
		c->read_at = uv_now(tgt.loop) + delay;
		return;
	}
	conn_read_start(c);
}

/* ---- the service ---- */

int iscsi_storage_online(const struct conf *c, FILE *out)
{
	return c->iscsi.enable ? vol_online(c, out) : 0;
}

int iscsi_start(uv_loop_t *loop, const struct conf *c)
{
	struct sockaddr_in sa;
	int rc;

	tgt.loop = loop;
	ratelog_init(&tgt.rl_limit, 10000);
	ratelog_init(&tgt.rl_login, 10000);
	extcheck_start(loop, c); /* external targets are checked either way */
	if (!c->iscsi.enable)
		return 0;
	rc = vol_start(loop, c);
	if (rc < 0)
		return rc;
	uv_tcp_init(loop, &tgt.listener);
	uv_ip4_addr("0.0.0.0", c->iscsi.port, &sa);
	rc = uv_tcp_bind(&tgt.listener, (const struct sockaddr *)&sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&tgt.listener, LISTEN_BACKLOG,
		               listener_on_connection);
	if (rc < 0) {
		log_err("iscsi: cannot listen on port %d: %s", c->iscsi.port, uv_strerror(rc));
		uv_close((uv_handle_t *)&tgt.listener, NULL);
		return rc;
	}
	tgt.listening = 1;
	if (c->storage.backend == STORE_RBD)
		log_info("iscsi: listening on port %d; volumes in Ceph pool %s", c->iscsi.port,
		         c->storage.pool);
	else
		log_info("iscsi: listening on port %d; volumes in %s", c->iscsi.port,
		         c->storage.dir);
	return 0;
}

void iscsi_reload(const struct conf *old, const struct conf *nc)
{
	extcheck_start(tgt.loop, nc);
	if (old->iscsi.port != nc->iscsi.port || old->iscsi.enable != nc->iscsi.enable)
		log_warn("iscsi: iscsi.port and iscsi.enable change at the next restart");
	vol_reload(old, nc);
}

void iscsi_stop(void)
{
	struct conn *c;

	tgt.stopping = 1;
	if (tgt.listening) {
		uv_close((uv_handle_t *)&tgt.listener, NULL);
		tgt.listening = 0;
	}
	/* RFC 7143 11.9.1, AsyncEvent 1: ask each session to log out within
	 * two seconds.  Those that do not are closed after their commands in
	 * flight have finished (iscsi_busy); an initiator then reconnects to
	 * the next rackboot, as after any target restart. */
	for (c = tgt.conns; c; c = c->next) {
		uint8_t bhs[ISCSI_BHS_LEN];

		if (c->state != C_FULL || c->discovery)
			continue;
		iscsi_bhs_init(bhs, ISCSI_OP_ASYNC, 0x80, 0, NO_TAG);
		put_sn(c, bhs, 1);
		bhs[36] = 1;           /* AsyncEvent: target requests Logout */
		be16_put(bhs + 42, 2); /* Parameter3: seconds to log out in */
		send_pdu(c, bhs, NULL, 0, NULL);
	}
}

/* Work in flight for a graceful stop: SCSI commands, not idle sessions (a
 * booted machine keeps its session open for as long as it runs). */
unsigned iscsi_busy(void)
{
	const struct conn *c;
	unsigned n = 0;

	for (c = tgt.conns; c; c = c->next)
		n += c->ntasks;
	return n;
}

void iscsi_log_state(void)
{
	log_info("iscsi: %u connections, %llu commands, %llu logins (%llu refused)", tgt.nconns,
	         (unsigned long long)tgt.n.commands, (unsigned long long)tgt.n.logins_ok,
	         (unsigned long long)(tgt.n.logins_auth + tgt.n.logins_forbidden +
	                              tgt.n.logins_notfound + tgt.n.logins_other));
}

void iscsi_metrics(struct buf *b)
{
	static const char *const results[] = {"ok", "auth_failed", "forbidden", "not_found",
	                                      "other"};
	const uint64_t logins[] = {tgt.n.logins_ok, tgt.n.logins_auth, tgt.n.logins_forbidden,
	                           tgt.n.logins_notfound, tgt.n.logins_other};
	struct conn *c;
	unsigned sessions = 0, discovery = 0;
	size_t i;

	for (c = tgt.conns; c; c = c->next)
		if (c->state == C_FULL)
			c->discovery ? discovery++ : sessions++;
	metrics_family(b, "rackboot_iscsi_logins_total", "counter",
	               "iSCSI logins, by result (failed authentication is auth_failed).");
	for (i = 0; i < 5; i++) {
		const char *l[] = {"result", results[i], NULL};

		metrics_sample(b, "rackboot_iscsi_logins_total", l, (double)logins[i]);
	}
	metrics_family(b, "rackboot_iscsi_sessions", "gauge",
	               "iSCSI sessions in full feature phase.");
	{
		const char *l1[] = {"type", "normal", NULL}, *l2[] = {"type", "discovery", NULL};

		metrics_sample(b, "rackboot_iscsi_sessions", l1, sessions);
		metrics_sample(b, "rackboot_iscsi_sessions", l2, discovery);
	}
	metrics_family(b, "rackboot_iscsi_commands_total", "counter", "SCSI commands received.");
	metrics_sample(b, "rackboot_iscsi_commands_total", NULL, (double)tgt.n.commands);
	metrics_family(b, "rackboot_iscsi_bytes_total", "counter",
	               "Bytes read from and written to volumes for initiators.");
	{
		const char *r[] = {"direction", "read", NULL}, *w[] = {"direction", "write", NULL};

		metrics_sample(b, "rackboot_iscsi_bytes_total", r, (double)tgt.n.read_bytes);
		metrics_sample(b, "rackboot_iscsi_bytes_total", w, (double)tgt.n.write_bytes);
	}
	metrics_family(b, "rackboot_iscsi_reads_total", "counter",
	               "Volume reads, by where they were served: the page cache on the loop "
	               "(nowait) or the thread pool.");
	{
		const char *a[] = {"path", "nowait", NULL}, *p[] = {"path", "pool", NULL};

		metrics_sample(b, "rackboot_iscsi_reads_total", a, (double)tgt.n.nowait_reads);
		metrics_sample(b, "rackboot_iscsi_reads_total", p, (double)tgt.n.pool_reads);
	}
	metrics_family(b, "rackboot_iscsi_errors_total", "counter",
	               "Protocol trouble, by kind: PDUs rejected, digest errors, commands "
	               "outside the CmdSN window, protocol errors that closed a connection, "
	               "sessions closed for an unanswered ping, volumes that failed to open, "
	               "connections to an interface not served.");
	{
		const char *k[] = {"reject", "digest", "cmdsn",  "protocol",
		                   "ping",   "volume", "foreign"};
		const uint64_t v[] = {tgt.n.rejects,       tgt.n.digest_errors,
		                      tgt.n.dropped_cmdsn, tgt.n.protocol_errors,
		                      tgt.n.ping_timeouts, vol_open_failures(),
		                      tgt.n.foreign};

		for (i = 0; i < 7; i++) {
			const char *l[] = {"kind", k[i], NULL};

			metrics_sample(b, "rackboot_iscsi_errors_total", l, (double)v[i]);
		}
	}
	metrics_family(b, "rackboot_iscsi_connections", "gauge",
	               "iSCSI connections open, logging in or in full feature phase.");
	metrics_sample(b, "rackboot_iscsi_connections", NULL, tgt.nconns);
	metrics_family(b, "rackboot_iscsi_limited_total", "counter",
	               "Connections refused because their address had iscsi.max_per_address "
	               "open or iscsi.max_logins_per_address logging in, and logins closed "
	               "unfinished at iscsi.login_timeout.");
	{
		const char *k[] = {"max_per_address", "max_logins_per_address", "login_timeout"};
		const uint64_t v[] = {tgt.n.per_address, tgt.n.per_address_logins,
		                      tgt.n.login_timeouts};

		for (i = 0; i < 3; i++) {
			const char *l[] = {"limit", k[i], NULL};

			metrics_sample(b, "rackboot_iscsi_limited_total", l, (double)v[i]);
		}
	}
	metrics_family(b, "rackboot_iscsi_nop_pings_total", "counter",
	               "NOP-In pings sent to idle sessions (iscsi.nop_interval).");
	metrics_sample(b, "rackboot_iscsi_nop_pings_total", NULL, (double)tgt.n.nop_pings);
	metrics_family(b, "rackboot_iscsi_task_management_total", "counter",
	               "Task management requests.");
	metrics_sample(b, "rackboot_iscsi_task_management_total", NULL, (double)tgt.n.tmf);
	vol_metrics(b);
}

void iscsi_close(void)
{
	struct conn *c;

	iscsi_stop();
	extcheck_close();
	while ((c = tgt.conns))
		conn_close(c);
	vol_stop(); /* once the volumes still in use are closed */
}
