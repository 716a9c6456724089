/* SPDX-License-Identifier: MIT */
/*
 * iscsi_session.c - the login on the loop, around the pure login state
 * machine (iscsi_login.c): which node a target name or CHAP user is, its
 * secrets copied into the connection, the memory of failed logins per
 * address (a slowed answer), the final Login Response held until the
 * node's volume is open (store/vol.h), and the session it starts (I_T
 * nexus, session reinstatement, RFC 7143 6.3.5).  Owns the held responses
 * and the failed-login slots; a refused login ends here with one status
 * (RFC 7143 11.13.5) and a close once it is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/conf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/server.h"
#include "core/timeline.h"
#include "core/util.h"
#include "iscsi_int.h"

#define FAIL_SLOTS  64    /* addresses whose failed logins are remembered */
#define FAIL_WINDOW 60000 /* ms a failure is remembered */

struct fail_slot {
	uint32_t ip;
	unsigned count;
	uint64_t last;
};

static struct {
	struct fail_slot fails[FAIL_SLOTS];
	uint16_t next_tsih;
} ses;

static const struct conf_node *node_by_target(const struct conf *cf, const char *name)
{
	size_t plen = strlen(cf->iscsi.iqn_prefix), i;

	if (strncmp(name, cf->iscsi.iqn_prefix, plen) != 0 || name[plen] != ':')
		return NULL;
	for (i = 0; i < cf->nnodes; i++)
		if (!cf->nodes[i].external.target &&
		    strcmp(cf->nodes[i].hostname, name + plen + 1) == 0)
			return &cf->nodes[i];
	return NULL; /* not ours (external nodes live on their gateway) */
}

/* Copy what the login needs about @p n into the connection. */
static int fill_auth(struct conn *c, const struct conf_node *n, struct iscsi_auth *out)
{
	const struct conf *cf = server.conf;

	snprintf(c->a_target, sizeof(c->a_target), "%s:%s", cf->iscsi.iqn_prefix, n->hostname);
	snprintf(c->a_user, sizeof(c->a_user), "%s", n->chap_user ? n->chap_user : n->hostname);
	snprintf(c->a_host, sizeof(c->a_host), "%s", n->hostname);
	memcpy(c->a_mac, n->mac, MAC_LEN);
	if (secret_node_chap(n, c->a_secret) < 0)
		return -ENOKEY;
	if (secret_node_target(n, c->a_tsecret) < 0)
		c->a_tsecret[0] = 0;
	snprintf(c->a_init, sizeof(c->a_init), "%s", n->initiator ? n->initiator : "");
	memset(out, 0, sizeof(*out));
	out->target = c->a_target;
	out->user = c->a_user;
	out->secret = c->a_secret;
	out->target_user = c->a_target;
	out->target_secret = c->a_tsecret[0] ? c->a_tsecret : NULL;
	out->initiator = c->a_init[0] ? c->a_init : NULL;
	out->node = c;
	return 0;
}

static int ops_target(void *ctx, const char *name, struct iscsi_auth *out)
{
	const struct conf_node *n = node_by_target(server.conf, name);

	if (!n)
		return -ENOENT;
	return fill_auth(ctx, n, out) < 0 ? -ENOENT : 0;
}

static int ops_user(void *ctx, const char *user, struct iscsi_auth *out)
{
	const struct conf *cf = server.conf;
	size_t i;

	for (i = 0; i < cf->nnodes; i++) {
		const struct conf_node *n = &cf->nodes[i];

		if (!n->external.target &&
		    strcmp(n->chap_user ? n->chap_user : n->hostname, user) == 0)
			return fill_auth(ctx, n, out) < 0 ? -ENOENT : 0;
	}
	return -ENOENT;
}

static int ops_random(void *ctx, uint8_t *p, size_t n)
{
	(void)ctx;
	return getrandom(p, n, 0) == (ssize_t)n ? 0 : -EIO;
}

/* Failed logins from one address: remembered for FAIL_WINDOW. */
static struct fail_slot *fail_find(uint32_t ip, int create)
{
	struct fail_slot *oldest = &ses.fails[0];
	uint64_t now = uv_now(tgt.loop);
	size_t i;

	for (i = 0; i < FAIL_SLOTS; i++) {
		struct fail_slot *f = &ses.fails[i];

		if (f->count && now - f->last > FAIL_WINDOW)
			f->count = 0;
		if (f->count && f->ip == ip)
			return f;
		if (f->last < oldest->last)
			oldest = f;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	oldest->ip = ip;
	return oldest;
}

static void count_login(uint16_t status)
{
	switch (status) {
	case ISCSI_LOGIN_OK: tgt.n.logins_ok++; break;
	case ISCSI_LOGIN_AUTH_FAILED: tgt.n.logins_auth++; break;
	case ISCSI_LOGIN_FORBIDDEN: tgt.n.logins_forbidden++; break;
	case ISCSI_LOGIN_NOT_FOUND: tgt.n.logins_notfound++; break;
	default: tgt.n.logins_other++; break;
	}
}

/* Build and send a Login Response. */
static void send_login_rsp(struct conn *c, const struct iscsi_login_req *req,
                           const struct iscsi_login_rsp *rsp, const struct buf *data)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t flags = (uint8_t)(rsp->transit << 7 | rsp->cont << 6 | (rsp->csg & 3) << 2 |
	                          (rsp->nsg & 3));

	iscsi_bhs_init(bhs, ISCSI_OP_LOGIN_RSP, flags, (uint32_t)data->len, req->itt);
	bhs[2] = 0; /* Version-max */
	bhs[3] = 0; /* Version-active */
	memcpy(bhs + 8, req->isid, 6);
	be16_put(bhs + 14, rsp->done && rsp->status == ISCSI_LOGIN_OK ? c->tsih : 0);
	put_sn(c, bhs, 1);
	bhs[36] = (uint8_t)(rsp->status >> 8);
	bhs[37] = (uint8_t)rsp->status;
	send_pdu(c, bhs, data->p, data->len, NULL);
}

/* End a login with @p status: the response carries no keys, the connection
 * closes once it is written. */
static void login_refuse(struct conn *c, const struct iscsi_login_req *req,
                         struct iscsi_login_rsp *rsp, struct buf *out, uint16_t status)
{
	rsp->status = status;
	rsp->transit = 0;
	rsp->done = 0;
	buf_free(out);
	count_login(status);
	send_login_rsp(c, req, rsp, out);
	c->close_after_send = 1;
	c->state = C_LOGOUT;
}

/* The final Login Response waits for the volume; kept here meanwhile. */
struct held_login {
	struct iscsi_login_req req;
	struct iscsi_login_rsp rsp;
	struct buf data;
};

/* The one destructor of a held login (NULL: nothing). */
static void held_login_free(struct held_login *h)
{
	if (!h)
		return;
	buf_free(&h->data);
	free(h);
}

static void session_start(struct conn *c)
{
	struct conn *o;

	c->state = C_FULL;
	c->p = c->login.neg.p;
	snprintf(c->port, sizeof(c->port), "%s,i,0x%02x%02x%02x%02x%02x%02x", c->login.initiator,
	         c->login.isid[0], c->login.isid[1], c->login.isid[2], c->login.isid[3],
	         c->login.isid[4], c->login.isid[5]);
	/* SAM-5: the I_T nexus is the initiator port (name and ISID) with our
	 * one target port, so a session logging in again is the same nexus
	 * and keeps its reservation registrations */
	c->nexus = hash_fnv1a64(c->port) | 1;
	if (c->vol)
		scsi_nexus_add(&c->vol->lun, c->nexus);
	/* RFC 7143 6.3.5: a new session with the same initiator and ISID
	 * replaces the old one (session reinstatement) */
	for (o = tgt.conns; o; o = o->next)
		if (o != c && o->state == C_FULL && !o->discovery && !c->discovery &&
		    memcmp(o->login.isid, c->login.isid, 6) == 0 &&
		    strcmp(o->login.initiator, c->login.initiator) == 0 &&
		    strcmp(o->target, c->target) == 0) {
			log_info("iscsi %s: session of %s reinstated; closing the old one", c->peer,
			         c->login.initiator);
			conn_close(o);
		}
}

/*
 * The volume's open has taken VOL_WAIT: end the login before the
 * initiator's own login timeout (15 s in open-iscsi) does, with a status an
 * initiator retries (RFC 7143 11.13.5: 0x0301, Service Unavailable).  The
 * open goes on; a later login finds the volume open, or opens it again if
 * it failed.  A slow cluster (a monitor up, an OSD down) makes opens wait
 * up to storage.timeout per step.
 */
void login_unavailable(struct conn *c)
{
	struct held_login *h = c->held;

	vol_unwait(c->vol, &c->wait);
	c->held = NULL;
	log_err("iscsi %s: login of %s to %s refused: volume %s not open after %d s (target "
	        "service unavailable; the open goes on for later logins)",
	        c->peer, c->login.initiator, c->target, c->vol->name, VOL_WAIT / 1000);
	login_refuse(c, &h->req, &h->rsp, &h->data, ISCSI_LOGIN_SERVICE_UNAVAILABLE);
	held_login_free(h);
}

static void login_finish(struct conn *c, int ok)
{
	struct held_login *h = c->held;

	if (!h || c->state != C_WAIT_VOL)
		return;
	c->held = NULL;
	if (!ok) {
		log_err("iscsi %s: login of %s to %s refused: its volume cannot be opened", c->peer,
		        c->login.initiator, c->target);
		login_refuse(c, &h->req, &h->rsp, &h->data, ISCSI_LOGIN_TARGET_ERROR);
	} else {
		/* RFC 7143 13.1: digests begin after this response */
		send_login_rsp(c, &h->req, &h->rsp, &h->data);
		session_start(c);
		count_login(ISCSI_LOGIN_OK);
		log_info("iscsi %s: %s logged in to %s (volume %s)", c->peer, c->login.initiator,
		         c->target, c->vol->name);
		if (c->have_mac)
			timeline_note(c->mac, TL_ISCSI_LOGIN, "%s from %s", c->target, c->peer);
		conn_pump(c);
	}
	held_login_free(h);
}

static void login_on_open(struct vol_waiter *w, int ok)
{
	login_finish(container_of(w, struct conn, wait), ok);
}

void login_handle(struct conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_login_req req;
	struct iscsi_login_rsp rsp;
	struct buf out;
	const struct conf *cf = server.conf;

	iscsi_login_req_decode(pdu, &req);
	if (c->first_login) {
		c->first_login = 0;
		c->statsn = req.expstatsn;
		c->exp_cmdsn = req.cmdsn;
	}
	buf_init(&out);
	memset(&rsp, 0, sizeof(rsp));
	if (iscsi_login_step(&c->login, &req, &out, &rsp) < 0) {
		rsp.status = ISCSI_LOGIN_OUT_OF_RESOURCES;
		rsp.why = "out of memory";
	}
	if (rsp.status != ISCSI_LOGIN_OK) {
		struct fail_slot *f;

		log_warn("iscsi %s: login of %s%s%s refused: %s", c->peer,
		         c->login.initiator[0] ? c->login.initiator : "(no name)",
		         c->login.target[0] ? " to " : "", c->login.target,
		         rsp.why ? rsp.why : "refused");
		if (rsp.status == ISCSI_LOGIN_AUTH_FAILED || rsp.status == ISCSI_LOGIN_FORBIDDEN) {
			f = fail_find(c->peer_ip, 1);
			f->count++;
			f->last = uv_now(tgt.loop);
			if (c->login.have_node && c->a_host[0]) {
				timeline_note(c->a_mac, TL_ISCSI_LOGIN, "refused from %s: %s",
				              c->peer, rsp.why ? rsp.why : "authentication failed");
			}
		}
		login_refuse(c, &req, &rsp, &out, rsp.status);
		return;
	}
	if (!rsp.done) {
		send_login_rsp(c, &req, &rsp, &out);
		buf_free(&out);
		return;
	}
	/* full feature phase: a session begins */
	c->discovery = c->login.discovery;
	c->tsih = ++ses.next_tsih ? ses.next_tsih : ++ses.next_tsih;
	if (c->discovery) {
		tgt.n.discovery++;
		send_login_rsp(c, &req, &rsp, &out);
		session_start(c);
		buf_free(&out);
		count_login(ISCSI_LOGIN_OK);
		log_info("iscsi %s: discovery session of %s%s%s", c->peer, c->login.initiator,
		         c->login.user[0] ? " as " : "", c->login.user);
		return;
	}
	{
		const struct conf_node *n = node_by_target(cf, c->login.target);
		struct held_login *h;

		if (!n) {
			/* removed by a reload during the login */
			login_refuse(c, &req, &rsp, &out, ISCSI_LOGIN_REMOVED);
			return;
		}
		snprintf(c->target, sizeof(c->target), "%s", c->login.target);
		snprintf(c->host, sizeof(c->host), "%s", n->hostname);
		memcpy(c->mac, n->mac, MAC_LEN);
		c->have_mac = 1;
		h = calloc(1, sizeof(*h));
		c->vol = h ? vol_get(n->volume, n->size) : NULL;
		if (!h || !c->vol) {
			held_login_free(h);
			login_refuse(c, &req, &rsp, &out, ISCSI_LOGIN_OUT_OF_RESOURCES);
			return;
		}
		h->req = req;
		h->req.data = NULL;
		h->rsp = rsp;
		h->data = out;
		c->held = h;
		c->state = C_WAIT_VOL;
		c->wait_since = uv_now(tgt.loop);
		if (c->vol->ready || c->vol->failed) {
			login_finish(c, c->vol->ready);
		} else {
			c->wait.on_open = login_on_open;
			vol_wait(c->vol, &c->wait);
		}
	}
}

void login_drop(struct conn *c)
{
	struct held_login *h = c->held;

	if (c->state == C_WAIT_VOL)
		vol_unwait(c->vol, &c->wait);
	c->held = NULL;
	held_login_free(h);
}

uint64_t login_delay(uint32_t ip, unsigned *fails)
{
	/* repeated failures from this address: answer it slowly */
	struct fail_slot *f = fail_find(ip, 0);

	*fails = f ? f->count : 0;
	if (f && f->count >= 3)
		return 1000ull << (f->count - 3 > 4 ? 4 : f->count - 3);
	return 0;
}

void login_begin(struct conn *c)
{
	c->ops.target = ops_target;
	c->ops.user = ops_user;
	c->ops.random = ops_random;
	c->ops.ctx = c;
	c->ops.discovery_chap = server.conf->iscsi.discovery_chap;
	c->ops.limits.max_recv_dsl = TARGET_MRDSL;
	c->ops.limits.max_burst = MAX_BURST;
	c->ops.limits.first_burst = FIRST_BURST;
	c->ops.limits.max_outstanding_r2t = 1;
	c->ops.limits.digest_crc32c = 1;
	iscsi_login_init(&c->login, &c->ops);
}
