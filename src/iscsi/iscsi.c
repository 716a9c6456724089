/* SPDX-License-Identifier: MIT */
/*
 * iscsi.c - the built-in iSCSI target (RFC 7143) on the loop: the
 * listener, one connection per session (MaxConnections=1, ErrorRecovery
 * Level 0), the login (iscsi_login.c) and, in full feature phase, SCSI
 * commands (scsi.c) carried out on the node's volume (store.h) with
 * Data-In, Data-Out and R2T, plus NOP, task management, text (SendTargets)
 * and logout.  Owns the connections, their tasks and the open volumes;
 * never blocks: volume I/O completes through store callbacks, sends are
 * queued uv_write requests.  Protocol errors become a Reject or a closed
 * connection here and nowhere else.  One address may hold at most
 * iscsi.max_per_address connections, iscsi.max_logins_per_address of them
 * still logging in, and a login must end iscsi.login_timeout after accept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "dhcp/dhcp.h"
#include "iscsi/extcheck.h"
#include "iscsi/iscsi.h"
#include "iscsi/iscsi_login.h"
#include "iscsi/iscsi_pdu.h"
#include "iscsi/iscsi_text.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/ratelog.h"
#include "scsi/scsi.h"
#include "core/secret.h"
#include "core/server.h"
#include "store/store.h"
#include "core/timeline.h"

#define BLOCK_SIZE      512
#define TARGET_MRDSL    (256u * 1024) /* our MaxRecvDataSegmentLength */
#define MAX_BURST       (16u * 1024 * 1024 - 512)
#define FIRST_BURST     (256u * 1024)
#define MAX_XFER        (32u * 1024 * 1024) /* bytes in one command */
#define WRITE_HIGH      (8u * 1024 * 1024)  /* queued send bytes before reading pauses */
#define VOL_WAIT        10000               /* ms a login waits for its volume's open */
#define NO_TAG          0xffffffffu
#define FAIL_SLOTS      64                   /* addresses whose failed logins are remembered */
#define FAIL_WINDOW     60000                /* ms a failure is remembered */
#define FILL_CHUNK      (1024u * 1024)       /* WRITE SAME writes at most this per request */
#define WS_CHUNK        (256u * 1024 * 1024) /* ... or this, where the backend repeats the block */
#define SESSION_BUF_MAX (96u * 1024 * 1024)  /* task buffers per session before TASK SET FULL */

struct conn;

/* A volume in use.  Owner: the volume list; refs counts the sessions on it
 * (and an open in progress). */
struct vol {
	struct vol *next;
	char name[65];
	const struct store_ops *ops; /* the backend it was opened with */
	struct store *st;
	struct scsi_lun lun;
	int ready;
	int failed;
	unsigned refs;
	struct conn *waiting;  /* logins waiting for the open, linked by wait_next */
	struct task *caw_wait; /* COMPARE AND WRITE runs one at a time per volume */
	int caw_busy;
};

/* Where a task is. */
enum task_stage {
	T_DATA_OUT, /* receiving Data-Out */
	T_IO,       /* a store request is in flight */
	T_SENDING,  /* response queued */
};

/*
 * One SCSI command.  Owner: its connection's task list; refs counts the
 * list, a store request in flight and each queued write that points into
 * its buffer.  Freed when refs reaches 0.
 */
struct task {
	struct task *next, *prev;
	struct conn *c;
	struct vol *vol;
	int refs;
	int aborted;
	int listed;
	enum task_stage stage;
	uint32_t itt, cmdsn;
	uint8_t lun_raw[8];
	uint8_t cdb[16];
	uint32_t edtl;
	int rd, wr;
	struct scsi_cmd sc;
	uint8_t *buf; /* Data-In or Data-Out payload */
	size_t buflen;
	uint8_t *aux;    /* what VERIFY, CAW and ORWRITE read back */
	uint32_t want;   /* Data-Out bytes kept */
	uint32_t expect; /* Data-Out bytes the initiator will send */
	uint32_t got;    /* Data-Out bytes received (kept or not) */
	uint32_t r2t_next;
	uint32_t r2t_end; /* end of the outstanding R2T, 0 if none */
	uint32_t r2tsn, datasn, exp_datasn, ttt;
	size_t charged;          /* bytes counted in the session's buf_bytes */
	uint32_t spdtl;          /* the command's own transfer length (residuals) */
	uint64_t done_blocks;    /* WRITE SAME / UNMAP progress */
	struct scsi_extent *ext; /* UNMAP extents */
	int next_ext, n_ext;
	int ws_emulate; /* WRITE SAME: the backend left it to us */
	struct task *caw_next;
	struct store_io io;
};

enum conn_state { C_LOGIN, C_WAIT_VOL, C_FULL, C_LOGOUT, C_CLOSING };

/* One TCP connection, which is one session.  Owner: the connection list;
 * freed in the close callback of its last handle. */
struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct conn *next, *prev;
	struct conn *wait_next;
	uint64_t wait_since; /* loop time the login began to wait for the volume */
	int handles;
	enum conn_state state;
	char peer[48];
	uint32_t peer_ip;
	uint32_t local_ip;
	uint16_t local_port;
	uint8_t *rx;
	size_t rx_len, rx_cap;
	int reading;
	size_t queued; /* bytes handed to uv_write not yet written */
	struct iscsi_login login;
	struct iscsi_login_ops ops;
	struct iscsi_params p;
	uint32_t statsn, exp_cmdsn;
	uint16_t tsih;
	int discovery;
	int first_login;
	uint64_t nexus;
	char port[SCSI_PORT_MAX];
	char target[ISCSI_NAME_MAX];
	char host[256];
	uint8_t mac[MAC_LEN];
	int have_mac;
	struct vol *vol;
	struct task *tasks;
	unsigned ntasks;
	uint64_t last_rx;
	uint32_t ping_ttt;
	uint64_t ping_sent;
	uint32_t next_ttt;
	/* the strings the login's iscsi_auth points at */
	char a_target[ISCSI_NAME_MAX], a_user[256], a_secret[CHAP_SECRET_MAX + 1];
	char a_tsecret[CHAP_SECRET_MAX + 1], a_init[ISCSI_NAME_MAX], a_host[256];
	uint8_t a_mac[MAC_LEN];
	int close_after_send;    /* close once the queued sends are written */
	int pumping;             /* inside conn_pump: no nested pumping */
	uint64_t read_at;        /* loop time reading starts (slowed logins) */
	uint64_t login_by;       /* loop time the login must have ended (login_timeout) */
	struct held_login *held; /* the final Login Response, waiting for the volume */
	uint32_t dead_itt[8];    /* tasks ended in their data phase: late Data-Out is dropped */
	unsigned dead_next;
	size_t buf_bytes; /* task buffers held (SESSION_BUF_MAX) */
};

/* A queued send.  Owner: itself until its write callback. */
struct wreq {
	uv_write_t req;
	struct conn *c;
	struct task *t; /* holds a ref while data points into t->buf */
	void *owned;    /* data copied for this send */
	size_t bytes;
	uint8_t hdr[ISCSI_BHS_LEN + ISCSI_DIGEST_LEN];
	uint8_t tail[3 + ISCSI_DIGEST_LEN];
};

struct fail_slot {
	uint32_t ip;
	unsigned count;
	uint64_t last;
};

/* Counters for /metrics. */
struct counters {
	uint64_t logins_ok, logins_auth, logins_forbidden, logins_notfound, logins_other;
	uint64_t discovery;
	uint64_t commands, read_bytes, write_bytes;
	uint64_t nowait_reads, pool_reads;
	uint64_t rejects, digest_errors, dropped_cmdsn, protocol_errors;
	uint64_t tmf, nop_pings, ping_timeouts;
	uint64_t vol_open_failed;
	uint64_t foreign; /* connections to an address not served */
	uint64_t per_address, per_address_logins, login_timeouts; /* limits */
};

static struct {
	uv_loop_t *loop;
	const struct store_ops *ops; /* storage.backend: new volumes open here */
	uv_tcp_t listener;
	int listening;
	int stopping;
	struct conn *conns;
	unsigned nconns;
	struct vol *vols;
	uint16_t next_tsih;
	struct fail_slot fails[FAIL_SLOTS];
	struct ratelog rl_limit, rl_login; /* per-address refusals, logins too slow */
	struct counters n;
} is;

static void conn_close(struct conn *c);
static void itt_bury(struct conn *c, uint32_t itt);
static int itt_dead(const struct conn *c, uint32_t itt);
static void conn_pump(struct conn *c);
static void conn_read_start(struct conn *c);
static void task_continue(struct task *t);
static void task_respond(struct task *t);

/* ---- sequence numbers (RFC 7143 4.2.2.1: serial arithmetic, RFC 1982) ---- */

static int sn_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static uint32_t max_cmdsn(const struct conn *c)
{
	int qd = server.conf->iscsi.queue_depth;
	int free_slots = qd - (int)c->ntasks;

	/* a closed window is MaxCmdSN = ExpCmdSN - 1 (RFC 7143 4.2.2.1) */
	return c->exp_cmdsn + (uint32_t)(free_slots > 0 ? free_slots : 0) - 1;
}

/* ---- sending ---- */

static void write_on_done(uv_write_t *req, int status)
{
	struct wreq *w = req->data;
	struct conn *c = w->c;

	c->queued -= w->bytes;
	if (w->t && --w->t->refs == 0)
		task_continue(w->t);
	free(w->owned);
	free(w);
	if (status < 0 && c->state != C_CLOSING) {
		log_debug("iscsi %s: send failed: %s", c->peer, uv_strerror(status));
		conn_close(c);
		return;
	}
	if (c->state == C_LOGOUT && c->queued == 0) {
		conn_close(c);
		return;
	}
	if (c->close_after_send && c->queued == 0) {
		conn_close(c);
		return;
	}
	if (!c->reading && c->queued < WRITE_HIGH / 2 && c->state != C_CLOSING)
		conn_pump(c);
}

static void put_digest(uint8_t *p, uint32_t crc)
{
	p[0] = (uint8_t)crc;
	p[1] = (uint8_t)(crc >> 8);
	p[2] = (uint8_t)(crc >> 16);
	p[3] = (uint8_t)(crc >> 24);
}

/*
 * Queue one PDU: @p bhs (48 bytes, fully built) and @p len bytes of data.
 * The data is either owned by task @p t (which gets a reference) or copied.
 */
static int send_pdu(struct conn *c, const uint8_t *bhs, const void *data, size_t len,
                    struct task *t)
{
	struct wreq *w;
	uv_buf_t bufs[3];
	unsigned nb = 0;
	size_t hl = ISCSI_BHS_LEN, tl = 0;
	uint32_t pad = iscsi_pad((uint32_t)len);
	int rc;

	if (c->state == C_CLOSING)
		return -ESHUTDOWN;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->c = c;
	memcpy(w->hdr, bhs, ISCSI_BHS_LEN);
	if (c->p.header_digest) {
		put_digest(w->hdr + ISCSI_BHS_LEN, iscsi_crc32c(0, w->hdr, ISCSI_BHS_LEN));
		hl += ISCSI_DIGEST_LEN;
	}
	bufs[nb++] = uv_buf_init((char *)w->hdr, (unsigned)hl);
	if (len) {
		const void *d = data;

		if (t) {
			w->t = t;
			t->refs++;
		} else {
			w->owned = malloc(len);
			if (!w->owned) {
				free(w);
				return -ENOMEM;
			}
			memcpy(w->owned, data, len);
			d = w->owned;
		}
		bufs[nb++] = uv_buf_init((char *)d, (unsigned)len);
		tl = pad;
		if (c->p.data_digest) {
			uint32_t crc = iscsi_crc32c(0, d, len);

			crc = iscsi_crc32c(crc, w->tail, pad); /* zero padding */
			put_digest(w->tail + pad, crc);
			tl += ISCSI_DIGEST_LEN;
		}
		if (tl)
			bufs[nb++] = uv_buf_init((char *)w->tail, (unsigned)tl);
	}
	w->bytes = hl + len + tl;
	w->req.data = w;
	rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, nb, write_on_done);
	if (rc < 0) {
		if (w->t)
			w->t->refs--;
		free(w->owned);
		free(w);
		return rc;
	}
	c->queued += w->bytes;
	if (c->queued > WRITE_HIGH && c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = 0;
	}
	return 0;
}

/* Fill the sequence fields every target PDU carries at 24..35. */
static void put_sn(struct conn *c, uint8_t *bhs, int advance)
{
	be32_put(bhs + 24, advance ? c->statsn++ : c->statsn);
	be32_put(bhs + 28, c->exp_cmdsn);
	be32_put(bhs + 32, max_cmdsn(c));
}

/* RFC 7143 11.17: Reject, carrying the offending header. */
static void send_reject(struct conn *c, const uint8_t *bad, uint8_t reason)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	is.n.rejects++;
	iscsi_bhs_init(bhs, ISCSI_OP_REJECT, 0x80, ISCSI_BHS_LEN, NO_TAG);
	bhs[2] = reason;
	put_sn(c, bhs, 1);
	send_pdu(c, bhs, bad, ISCSI_BHS_LEN, NULL);
}

/* ---- volumes ---- */

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

static void vol_fill_lun(struct vol *v)
{
	struct scsi_lun *l = &v->lun;
	uint64_t h = fnv1a(v->name);

	memset(l, 0, sizeof(*l));
	l->block_size = BLOCK_SIZE;
	l->blocks = v->ops->size(v->st) / BLOCK_SIZE;
	l->thin = 1;
	l->max_xfer_blocks = MAX_XFER / BLOCK_SIZE;
	l->opt_xfer_blocks = (1024 * 1024) / BLOCK_SIZE;
	l->max_unmap_blocks = 0x100000;
	l->max_ws_blocks = 0; /* no limit: WRITE SAME is carried out in 1 MiB steps */
	l->id = h;
	snprintf(l->serial, sizeof(l->serial), "%016llx", (unsigned long long)h);
	snprintf(l->vendor, sizeof(l->vendor), "RACKBOOT");
	snprintf(l->product, sizeof(l->product), "VOLUME");
	snprintf(l->revision, sizeof(l->revision), "0001");
	l->rel_port = 1;
	l->tpg = 1;
}

static void login_finish(struct conn *c, int ok);
static void vol_put(struct vol *v);

/* The backend saw the volume's size change (an RBD resize): new capacity,
 * and every session is told (SBC-3 4.8: CAPACITY DATA HAS CHANGED). */
static void vol_on_resize(void *data, uint64_t bytes)
{
	struct vol *v = data;

	log_notice("iscsi: volume %s is now %llu bytes; sessions get a unit attention", v->name,
	           (unsigned long long)bytes);
	v->lun.blocks = bytes / BLOCK_SIZE;
	scsi_ua_raise(&v->lun, 0, ASC_CAPACITY_CHANGED);
}

static void vol_on_open(struct store *st, int rc, void *data)
{
	struct vol *v = data;
	struct conn *c, *next;

	if (rc < 0) {
		log_err("iscsi: cannot open volume %s: %s", v->name, strerror(-rc));
		is.n.vol_open_failed++;
		v->failed = 1;
	} else {
		v->st = st;
		v->ready = 1;
		vol_fill_lun(v);
		if (v->ops->watch)
			v->ops->watch(st, vol_on_resize, v);
		log_info("iscsi: volume %s open, %llu bytes", v->name,
		         (unsigned long long)v->ops->size(st));
	}
	for (c = v->waiting; c; c = next) {
		next = c->wait_next;
		c->wait_next = NULL;
		login_finish(c, v->ready);
	}
	v->waiting = NULL;
	/* the open's own reference: the last one if every login waiting
	 * for it has gone meanwhile */
	vol_put(v);
}

static void vol_put(struct vol *v)
{
	struct vol **pp;

	if (!v || --v->refs > 0)
		return;
	for (pp = &is.vols; *pp; pp = &(*pp)->next)
		if (*pp == v) {
			*pp = v->next;
			break;
		}
	if (v->st) {
		log_info("iscsi: volume %s closed", v->name);
		v->ops->close(v->st);
	}
	free(v);
}

/* The volume @p name, opened (or opening) with a reference for the caller. */
static struct vol *vol_get(const char *name, uint64_t size)
{
	struct vol *v, **pp;
	int rc;

	for (pp = &is.vols; (v = *pp); pp = &v->next)
		if (strcmp(v->name, name) == 0) {
			if (!v->failed) {
				v->refs++;
				return v;
			}
			/* a failed open: take it off the list (its last user frees
			 * it) and try again */
			*pp = v->next;
			break;
		}
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->refs = 2; /* the caller's and the open's */
	v->next = is.vols;
	is.vols = v;
	v->ops = is.ops;
	rc = is.ops->open(is.loop, name, size, vol_on_open, v);
	if (rc < 0) {
		log_err("iscsi: cannot open volume %s: %s", name, strerror(-rc));
		v->failed = 1;
		v->refs = 1;
	}
	return v;
}

/* ---- login ---- */

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
	struct fail_slot *oldest = &is.fails[0];
	uint64_t now = uv_now(is.loop);
	size_t i;

	for (i = 0; i < FAIL_SLOTS; i++) {
		struct fail_slot *f = &is.fails[i];

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
	case ISCSI_LOGIN_OK: is.n.logins_ok++; break;
	case ISCSI_LOGIN_AUTH_FAILED: is.n.logins_auth++; break;
	case ISCSI_LOGIN_FORBIDDEN: is.n.logins_forbidden++; break;
	case ISCSI_LOGIN_NOT_FOUND: is.n.logins_notfound++; break;
	default: is.n.logins_other++; break;
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
	c->nexus = fnv1a(c->port) | 1;
	if (c->vol)
		scsi_nexus_add(&c->vol->lun, c->nexus);
	/* RFC 7143 6.3.5: a new session with the same initiator and ISID
	 * replaces the old one (session reinstatement) */
	for (o = is.conns; o; o = o->next)
		if (o != c && o->state == C_FULL && !o->discovery && !c->discovery &&
		    memcmp(o->login.isid, c->login.isid, 6) == 0 &&
		    strcmp(o->login.initiator, c->login.initiator) == 0 &&
		    strcmp(o->target, c->target) == 0) {
			log_info("iscsi %s: session of %s reinstated; closing the old one", c->peer,
			         c->login.initiator);
			conn_close(o);
		}
}

/* Take @p c off its volume's list of logins waiting for the open. */
static void vol_unwait(struct conn *c)
{
	struct conn **pp;

	if (!c->vol)
		return;
	for (pp = &c->vol->waiting; *pp; pp = &(*pp)->wait_next)
		if (*pp == c) {
			*pp = c->wait_next;
			break;
		}
	c->wait_next = NULL;
}

/*
 * The volume's open has taken VOL_WAIT: end the login before the
 * initiator's own login timeout (15 s in open-iscsi) does, with a status an
 * initiator retries (RFC 7143 11.13.5: 0x0301, Service Unavailable).  The
 * open goes on; a later login finds the volume open, or opens it again if
 * it failed.  A slow cluster (a monitor up, an OSD down) makes opens wait
 * up to storage.timeout per step.
 */
static void login_unavailable(struct conn *c)
{
	struct held_login *h = c->held;

	vol_unwait(c);
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

static void handle_login(struct conn *c, const struct iscsi_pdu *pdu)
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
			f->last = uv_now(is.loop);
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
	c->tsih = ++is.next_tsih ? is.next_tsih : ++is.next_tsih;
	if (c->discovery) {
		is.n.discovery++;
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
		c->wait_since = uv_now(is.loop);
		if (c->vol->ready || c->vol->failed) {
			login_finish(c, c->vol->ready);
		} else {
			c->wait_next = c->vol->waiting;
			c->vol->waiting = c;
		}
	}
}

/* ---- tasks ---- */

static void task_free(struct task *t)
{
	if (t->listed) {
		struct conn *c = t->c;

		if (t->prev)
			t->prev->next = t->next;
		else
			c->tasks = t->next;
		if (t->next)
			t->next->prev = t->prev;
		c->ntasks--;
		c->buf_bytes -= t->charged;
		t->listed = 0;
	}
	free(t->buf);
	free(t->aux);
	free(t->ext);
	vol_put(t->vol);
	free(t);
}

/* Called whenever refs drops to 0: the task is finished. */
static void task_continue(struct task *t)
{
	struct conn *c = t->c;

	if (t->refs > 0)
		return;
	task_free(t);
	if (c && c->state == C_FULL && !c->reading)
		conn_pump(c);
}

static void task_put(struct task *t)
{
	if (--t->refs == 0)
		task_continue(t);
}

static struct task *task_find(struct conn *c, uint32_t itt)
{
	struct task *t;

	for (t = c->tasks; t; t = t->next)
		if (t->itt == itt)
			return t;
	return NULL;
}

/* Residual of a command (RFC 7143 11.4.5.1): flags byte bits and count. */
static uint8_t residual(uint32_t edtl, uint32_t spdtl, uint32_t *count)
{
	if (spdtl > edtl) {
		*count = spdtl - edtl;
		return 0x04; /* O: overflow */
	}
	if (spdtl < edtl) {
		*count = edtl - spdtl;
		return 0x02; /* U: underflow */
	}
	*count = 0;
	return 0;
}

/* The SCSI data transfer length (RFC 7143 11.4.5.1 "SPDTL"): what the
 * command itself moves, as decoded, even when it then failed. */
static uint32_t spdtl_of(const struct task *t)
{
	if (t->rd && t->sc.status == SCSI_GOOD)
		return t->sc.in_len;
	return t->spdtl;
}

/* SCSI Response (RFC 7143 11.4), with sense data if any. */
static void send_scsi_rsp(struct task *t)
{
	struct conn *c = t->c;
	uint8_t bhs[ISCSI_BHS_LEN], sense[2 + SCSI_SENSE_MAX];
	uint32_t res;
	uint8_t rflags = residual(t->edtl, spdtl_of(t), &res);
	size_t slen = 0;

	if (t->sc.status == SCSI_CHECK_CONDITION && t->sc.sense_len) {
		be16_put(sense, t->sc.sense_len);
		memcpy(sense + 2, t->sc.sense, t->sc.sense_len);
		slen = 2 + (size_t)t->sc.sense_len;
	}
	iscsi_bhs_init(bhs, ISCSI_OP_SCSI_RSP, 0x80 | rflags, (uint32_t)slen, t->itt);
	bhs[2] = 0; /* command completed at target */
	bhs[3] = t->sc.status;
	put_sn(c, bhs, 1);
	be32_put(bhs + 36, t->r2tsn + t->datasn);
	be32_put(bhs + 44, res);
	send_pdu(c, bhs, sense, slen, NULL);
}

/* Data-In PDUs for @p len bytes of t->buf; status in the last one when
 * GOOD (RFC 7143 11.7.4: "phase collapse"). */
static void send_data_in(struct task *t, uint32_t len)
{
	struct conn *c = t->c;
	uint32_t mrdsl = c->p.max_recv_dsl ? c->p.max_recv_dsl : 8192;
	uint32_t burst = c->p.max_burst ? c->p.max_burst : 262144;
	uint32_t off = 0, in_burst = 0;
	int collapse = t->sc.status == SCSI_GOOD;

	while (off < len) {
		uint8_t bhs[ISCSI_BHS_LEN], flags = 0;
		uint32_t n = len - off;
		int last;

		if (n > mrdsl)
			n = mrdsl;
		if (n > burst - in_burst)
			n = burst - in_burst;
		last = off + n == len;
		in_burst += n;
		if (last || in_burst == burst) {
			flags |= 0x80; /* F: end of a sequence */
			in_burst = 0;
		}
		if (last && collapse) {
			uint32_t res;

			flags |= 0x01 | residual(t->edtl, spdtl_of(t), &res); /* S */
			iscsi_bhs_init(bhs, ISCSI_OP_DATA_IN, flags, n, t->itt);
			bhs[3] = t->sc.status;
			be32_put(bhs + 44, res);
			memcpy(bhs + 8, t->lun_raw, 8);
			put_sn(c, bhs, 1);
		} else {
			iscsi_bhs_init(bhs, ISCSI_OP_DATA_IN, flags, n, t->itt);
			memcpy(bhs + 8, t->lun_raw, 8);
			put_sn(c, bhs, 0);
		}
		be32_put(bhs + 20, NO_TAG);
		be32_put(bhs + 36, t->datasn++);
		be32_put(bhs + 40, off);
		send_pdu(c, bhs, t->buf + off, n, t);
		off += n;
	}
	if (!collapse || len == 0)
		send_scsi_rsp(t);
}

/* The command is finished (status set): answer and drop the list's ref. */
/* The task's answer is no longer wanted. */
static int task_dead(const struct task *t)
{
	return t->aborted || !t->c || t->c->state != C_FULL;
}

static void task_respond(struct task *t)
{
	if (task_dead(t)) {
		task_put(t);
		return;
	}
	t->stage = T_SENDING;
	if (t->rd && t->sc.status == SCSI_GOOD && t->sc.in_len) {
		uint32_t n = t->sc.in_len < t->edtl ? t->sc.in_len : t->edtl;

		send_data_in(t, n);
	} else {
		send_scsi_rsp(t);
	}
	task_put(t);
}

static void io_fail(struct task *t, int rc)
{
	enum store_op op = t->io.op;
	int wr = op == STORE_WRITE || op == STORE_DISCARD || op == STORE_WRITESAME ||
	         op == STORE_CAW;

	log_err("iscsi %s: volume %s: %s at byte %llu failed: %s", t->c->peer, t->vol->name,
	        op == STORE_CAW         ? "compare and write"
	        : op == STORE_WRITESAME ? "write same"
	        : wr                    ? "write"
	        : op == STORE_FLUSH     ? "flush"
	                                : "read",
	        (unsigned long long)t->io.off, strerror(-rc));
	scsi_check(&t->sc, SK_MEDIUM_ERROR, wr ? ASC_WRITE_ERROR : ASC_READ_ERROR);
	t->sc.in_len = 0;
}

static void io_on_done(struct store_io *io);

/* Set up @p t's store request; io_go starts it. */
static void io_prep(struct task *t, enum store_op op, uint64_t off, size_t len, void *buf)
{
	memset(&t->io, 0, sizeof(t->io));
	t->io.op = op;
	t->io.off = off;
	t->io.len = len;
	t->io.buf = buf;
	t->io.fua = (op == STORE_WRITE || op == STORE_CAW) && t->sc.fua;
	t->io.cb = io_on_done;
	t->io.data = t;
}

/*
 * Start @p t's store request (io_prep); on failure set the error and
 * answer.  @ret 0 (started); -EOPNOTSUPP when the backend leaves this
 * WRITE SAME or COMPARE AND WRITE to us: nothing is started or answered,
 * and the caller emulates it; another -errno when it failed and was
 * answered (@p t may be gone).
 */
static int io_go(struct task *t)
{
	int rc;

	t->stage = T_IO;
	t->refs++;
	rc = t->vol->ops->submit(t->vol->st, &t->io);
	if (rc < 0) {
		t->refs--;
		if (rc == -EOPNOTSUPP && (t->io.op == STORE_WRITESAME || t->io.op == STORE_CAW))
			return rc;
		io_fail(t, rc);
		task_respond(t);
	}
	return rc;
}

/* Start a store request for @p t; on failure set the error and answer. */
static void io_start(struct task *t, enum store_op op, uint64_t off, size_t len, void *buf)
{
	io_prep(t, op, off, len, buf);
	io_go(t);
}

static void caw_release(struct vol *v);

/*
 * COMPARE AND WRITE (SBC-3 5.2), once it is the volume's turn.  The
 * backend's own (librbd's) is atomic against every client of the volume;
 * where it has none, or not for this range, read, compare and write,
 * which is atomic only against this target's own COMPARE AND WRITEs.
 * Both kinds take turns per volume (caw_busy), so an emulated one never
 * overlaps one of ours; the cost is one COMPARE AND WRITE per volume at a
 * time.  The Data-Out is the compare data, then the write data.
 */
static void caw_start(struct task *t)
{
	size_t bytes = (size_t)t->sc.nblocks * BLOCK_SIZE;
	struct vol *v = t->vol;
	int rc;

	v->refs++; /* a failure answers @p t, which may free it and its hold */
	io_prep(t, STORE_CAW, t->sc.lba * BLOCK_SIZE, bytes, t->buf + bytes);
	t->io.cmp = t->buf;
	rc = io_go(t);
	if (rc == -EOPNOTSUPP) {
		io_prep(t, STORE_READ, t->sc.lba * BLOCK_SIZE, bytes, t->aux);
		rc = io_go(t);
	}
	if (rc < 0)
		caw_release(v); /* answered: the next one's turn */
	vol_put(v);
}

static void caw_release(struct vol *v)
{
	struct task *t = v->caw_wait;

	v->caw_busy = 0;
	if (!t)
		return;
	v->caw_wait = t->caw_next;
	v->caw_busy = 1;
	t->refs--; /* the queue's reference */
	if (task_dead(t)) {
		task_put(t);
		caw_release(v);
		return;
	}
	caw_start(t);
}

/* Next step of WRITE SAME: the backend repeats the block over up to
 * WS_CHUNK bytes at a time; where it cannot, write it over up to FILL_CHUNK
 * bytes at a time (the pattern is repeated in t->aux); or discard. */
static void write_same_step(struct task *t)
{
	uint64_t left = t->sc.nblocks - t->done_blocks;
	uint64_t lba = t->sc.lba + t->done_blocks;
	uint32_t i, n;

	if (left == 0) {
		t->sc.status = SCSI_GOOD;
		task_respond(t);
		return;
	}
	/* SBC-3 5.42: with UNMAP the blocks are unmapped, whatever the data;
	 * LBPRZ makes them read back as zeroes */
	if (t->sc.unmap) {
		t->done_blocks = t->sc.nblocks;
		io_start(t, STORE_DISCARD, lba * BLOCK_SIZE, (size_t)left * BLOCK_SIZE, NULL);
		return;
	}
	/* NDOB: the block is zeroes (t->buf has SCSI_BUF_MIN bytes at least) */
	if (t->sc.ndob && t->done_blocks == 0)
		memset(t->buf, 0, BLOCK_SIZE);
	if (!t->ws_emulate) {
		n = left > WS_CHUNK / BLOCK_SIZE ? WS_CHUNK / BLOCK_SIZE : (uint32_t)left;
		io_prep(t, STORE_WRITESAME, lba * BLOCK_SIZE, (size_t)n * BLOCK_SIZE, t->buf);
		t->io.plen = BLOCK_SIZE;
		t->done_blocks += n;
		if (io_go(t) == 0)
			return;
		t->done_blocks -= n;
		t->ws_emulate = 1;
	}
	n = left > FILL_CHUNK / BLOCK_SIZE ? FILL_CHUNK / BLOCK_SIZE : (uint32_t)left;
	if (!t->aux) {
		t->aux = malloc(FILL_CHUNK);
		if (!t->aux) {
			scsi_check(&t->sc, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
			task_respond(t);
			return;
		}
		for (i = 0; i < FILL_CHUNK / BLOCK_SIZE; i++)
			memcpy(t->aux + (size_t)i * BLOCK_SIZE, t->buf, BLOCK_SIZE);
	}
	t->done_blocks += n;
	io_start(t, STORE_WRITE, lba * BLOCK_SIZE, (size_t)n * BLOCK_SIZE, t->aux);
}

static void unmap_step(struct task *t)
{
	struct scsi_extent *e;

	if (t->next_ext >= t->n_ext) {
		t->sc.status = SCSI_GOOD;
		task_respond(t);
		return;
	}
	e = &t->ext[t->next_ext++];
	if (!e->nblocks) {
		unmap_step(t);
		return;
	}
	io_start(t, STORE_DISCARD, e->lba * BLOCK_SIZE, (size_t)e->nblocks * BLOCK_SIZE, NULL);
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return n;
}

/* A store request finished: the next step of the command. */
static void io_on_done(struct store_io *io)
{
	struct task *t = io->data;
	struct scsi_cmd *sc = &t->sc;
	size_t bytes = (size_t)sc->nblocks * BLOCK_SIZE;
	size_t off;

	t->refs--;
	if (io->op == STORE_READ)
		io->nowait ? is.n.nowait_reads++ : is.n.pool_reads++;
	if (task_dead(t)) {
		if (sc->action == SCSI_A_CAW)
			caw_release(t->vol);
		task_put(t);
		return;
	}
	if (io->op == STORE_CAW && io->rc == -EILSEQ) {
		/* SBC-3 5.2: nothing written; INFORMATION is the offset of the
		 * first byte that differs, as the emulation reports it */
		scsi_miscompare(sc, io->miscompare);
		caw_release(t->vol);
		task_respond(t);
		return;
	}
	if (io->rc < 0) {
		io_fail(t, io->rc);
		if (sc->action == SCSI_A_CAW)
			caw_release(t->vol);
		task_respond(t);
		return;
	}
	switch (sc->action) {
	case SCSI_A_READ:
		is.n.read_bytes += io->len;
		sc->status = SCSI_GOOD;
		break;
	case SCSI_A_WRITE:
		is.n.write_bytes += io->len;
		sc->status = SCSI_GOOD;
		break;
	case SCSI_A_FLUSH: sc->status = SCSI_GOOD; break;
	case SCSI_A_VERIFY:
		if (sc->bytchk == 3) {
			size_t b;

			for (b = 0; b < sc->nblocks; b++) {
				off = first_diff(t->aux + b * BLOCK_SIZE, t->buf, BLOCK_SIZE);
				if (off < BLOCK_SIZE) {
					scsi_miscompare(sc, b * BLOCK_SIZE + off);
					break;
				}
			}
			if (b == sc->nblocks)
				sc->status = SCSI_GOOD;
		} else {
			off = first_diff(t->aux, t->buf, bytes);
			if (off < bytes)
				scsi_miscompare(sc, off);
			else
				sc->status = SCSI_GOOD;
		}
		break;
	case SCSI_A_ORWRITE:
		if (io->op == STORE_READ) {
			for (off = 0; off < bytes; off++)
				t->aux[off] |= t->buf[off];
			io_start(t, STORE_WRITE, sc->lba * BLOCK_SIZE, bytes, t->aux);
			return;
		}
		is.n.write_bytes += io->len;
		sc->status = SCSI_GOOD;
		break;
	case SCSI_A_CAW:
		if (io->op == STORE_READ) {
			off = first_diff(t->aux, t->buf, bytes);
			if (off < bytes) {
				scsi_miscompare(sc, off);
				caw_release(t->vol);
				break;
			}
			io_start(t, STORE_WRITE, sc->lba * BLOCK_SIZE, bytes, t->buf + bytes);
			return;
		}
		is.n.write_bytes += io->len;
		sc->status = SCSI_GOOD;
		caw_release(t->vol);
		break;
	case SCSI_A_WRITE_SAME: write_same_step(t); return;
	case SCSI_A_UNMAP: unmap_step(t); return;
	case SCSI_A_LBA_STATUS: {
		struct scsi_lba_desc d = {
		        .lba = sc->lba,
		        .nblocks = io->run / BLOCK_SIZE > UINT32_MAX
		                           ? UINT32_MAX
		                           : (uint32_t)(io->run / BLOCK_SIZE),
		        .status = io->mapped ? 0 : 1,
		};

		if (!d.nblocks)
			d.nblocks = 1;
		scsi_lba_status(sc, &d, 1);
		break;
	}
	default: sc->status = SCSI_GOOD; break;
	}
	task_respond(t);
}

/* All Data-Out is in: carry the command out. */
static void task_execute(struct task *t)
{
	struct scsi_cmd *sc = &t->sc;
	size_t bytes = (size_t)sc->nblocks * BLOCK_SIZE;
	int n;

	switch (sc->action) {
	case SCSI_A_DONE: task_respond(t); return;
	case SCSI_A_READ: io_start(t, STORE_READ, sc->lba * BLOCK_SIZE, bytes, t->buf); return;
	case SCSI_A_WRITE: io_start(t, STORE_WRITE, sc->lba * BLOCK_SIZE, bytes, t->buf); return;
	case SCSI_A_FLUSH: io_start(t, STORE_FLUSH, 0, 0, NULL); return;
	case SCSI_A_VERIFY:
	case SCSI_A_ORWRITE: io_start(t, STORE_READ, sc->lba * BLOCK_SIZE, bytes, t->aux); return;
	case SCSI_A_CAW:
		if (t->vol->caw_busy) {
			t->refs++; /* the queue's; dropped like a store request's */
			t->stage = T_IO;
			t->caw_next = NULL;
			{
				struct task **pp = &t->vol->caw_wait;

				while (*pp)
					pp = &(*pp)->caw_next;
				*pp = t;
			}
			return;
		}
		t->vol->caw_busy = 1;
		caw_start(t);
		return;
	case SCSI_A_WRITE_SAME: write_same_step(t); return;
	case SCSI_A_UNMAP:
		t->ext = calloc(SCSI_UNMAP_DESC_MAX, sizeof(*t->ext));
		if (!t->ext) {
			scsi_check(sc, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
			task_respond(t);
			return;
		}
		n = scsi_unmap_parse(&t->vol->lun, sc, t->buf, t->want, t->ext,
		                     SCSI_UNMAP_DESC_MAX);
		if (n < 0) {
			task_respond(t);
			return;
		}
		t->n_ext = n;
		unmap_step(t);
		return;
	case SCSI_A_LBA_STATUS:
		io_start(t, STORE_STATUS, sc->lba * BLOCK_SIZE,
		         (size_t)((t->vol->lun.blocks - sc->lba) * BLOCK_SIZE), NULL);
		return;
	case SCSI_A_PARAM:
		scsi_param_out(&t->vol->lun, sc, t->buf, t->want);
		task_respond(t);
		return;
	}
	task_respond(t);
}

/* Solicit the next part of the Data-Out (RFC 7143 11.8), one R2T at a time. */
static void send_r2t(struct task *t)
{
	struct conn *c = t->c;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t burst = c->p.max_burst ? c->p.max_burst : 262144;
	uint32_t n = t->want - t->r2t_next;

	if (n > burst)
		n = burst;
	iscsi_bhs_init(bhs, ISCSI_OP_R2T, 0x80, 0, t->itt);
	memcpy(bhs + 8, t->lun_raw, 8);
	t->ttt = ++c->next_ttt == NO_TAG ? ++c->next_ttt : c->next_ttt;
	be32_put(bhs + 20, t->ttt);
	put_sn(c, bhs, 0);
	be32_put(bhs + 36, t->r2tsn++);
	be32_put(bhs + 40, t->r2t_next);
	be32_put(bhs + 44, n);
	t->r2t_end = t->r2t_next + n;
	t->r2t_next += n;
	t->exp_datasn = 0;
	send_pdu(c, bhs, NULL, 0, NULL);
}

/* Data-Out progress: done, or another R2T. */
static void data_out_check(struct task *t)
{
	if (t->r2t_end && t->got >= t->r2t_end)
		t->r2t_end = 0; /* the R2T is satisfied */
	if (t->got >= t->expect && t->got >= t->want) {
		t->r2t_end = 0;
		task_execute(t);
		return;
	}
	if (!t->r2t_end && t->r2t_next < t->want && t->got >= t->r2t_next)
		send_r2t(t);
}

/* Copy Data-Out payload at @p off into the task. */
static void data_take(struct task *t, uint32_t off, const uint8_t *p, uint32_t len)
{
	if (off < t->want) {
		uint32_t n = t->want - off < len ? t->want - off : len;

		memcpy(t->buf + off, p, n);
	}
	t->got += len;
}

static void handle_scsi_cmd(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs;
	struct task *t;
	uint32_t cmdsn = be32_get(b + 24);
	uint32_t unsol;
	size_t need;

	if (!pdu->immediate) {
		if (cmdsn != c->exp_cmdsn) {
			/* RFC 7143 4.2.2.1: outside the window, ignored; with one
			 * connection there is no gap to wait for */
			is.n.dropped_cmdsn++;
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
	is.n.commands++;
	t = calloc(1, sizeof(*t));
	if (!t) {
		send_reject(c, b, ISCSI_REJECT_LONG_OP);
		return;
	}
	t->c = c;
	t->vol = c->vol;
	t->vol->refs++; /* I/O in flight outlives the session */
	t->refs = 1;
	t->itt = pdu->itt;
	t->cmdsn = cmdsn;
	memcpy(t->lun_raw, b + 8, 8);
	memcpy(t->cdb, b + 32, 16);
	t->edtl = be32_get(b + 20);
	t->rd = (b[1] >> 6) & 1;
	t->wr = (b[1] >> 5) & 1;
	t->next = c->tasks;
	if (c->tasks)
		c->tasks->prev = t;
	c->tasks = t;
	c->ntasks++;
	t->listed = 1;

	t->sc.cdb = t->cdb;
	/* SAM-5 4.7: single-level LUN, peripheral or flat addressing */
	t->sc.lun = (uint64_t)(b[8] & 0x3f) << 8 | b[9];
	t->sc.nexus = c->nexus;
	t->sc.port = c->port;
	t->sc.edtl = t->edtl;
	t->buflen = SCSI_BUF_MIN;
	t->buf = malloc(t->buflen);
	if (!t->buf) {
		scsi_check(&t->sc, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
		task_respond(t);
		return;
	}
	t->sc.buf = t->buf;
	t->sc.cap = t->buflen;
	scsi_exec(&t->vol->lun, &t->sc);
	t->spdtl = t->rd ? t->sc.in_len : t->sc.out_len;

	/* how much Data-Out the command takes and the initiator sends */
	unsol = pdu->data_len;
	if (t->wr && !c->p.initial_r2t) {
		uint32_t fb = c->p.first_burst < t->edtl ? c->p.first_burst : t->edtl;

		if (fb > unsol)
			unsol = fb;
	}
	if (t->sc.action == SCSI_A_DONE || !t->wr) {
		/* no Data-Out wanted; unsolicited data is drained and ignored */
		t->want = 0;
	} else {
		t->want = t->sc.out_len < t->edtl ? t->sc.out_len : t->edtl;
		if (t->sc.out_len > t->edtl) {
			/* RFC 7143 11.4.5.1 and SBC: write what was sent, whole
			 * blocks only, with an overflow residual */
			if (t->sc.action == SCSI_A_WRITE && t->edtl % BLOCK_SIZE == 0) {
				t->sc.nblocks = t->edtl / BLOCK_SIZE;
				if (!t->sc.nblocks)
					t->sc.action = SCSI_A_DONE;
			} else {
				scsi_check(&t->sc, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IU);
				t->sc.action = SCSI_A_DONE;
				t->want = 0;
			}
		}
	}
	if (!t->wr && t->sc.action != SCSI_A_DONE && t->sc.out_len) {
		/* a command that carries data sent without the W bit */
		scsi_check(&t->sc, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		t->sc.action = SCSI_A_DONE;
	}
	t->expect = t->wr ? (unsol < t->edtl ? unsol : t->edtl) : 0;
	if (t->want > t->expect)
		t->expect = t->want;

	/* buffers: Data-In of a READ, Data-Out, and what gets read back */
	need = 0;
	if (t->sc.action == SCSI_A_READ)
		need = (size_t)t->sc.nblocks * BLOCK_SIZE;
	if (t->want > need)
		need = t->want;
	{
		/* SAM-5 5.3: out of buffers for now; the initiator retries */
		size_t total =
		        need + (t->sc.action == SCSI_A_VERIFY || t->sc.action == SCSI_A_CAW ||
		                                t->sc.action == SCSI_A_ORWRITE
		                        ? (size_t)t->sc.nblocks * BLOCK_SIZE
		                        : 0);

		if (c->ntasks > 1 && c->buf_bytes + total > SESSION_BUF_MAX) {
			t->sc.status = SCSI_TASK_SET_FULL;
			t->sc.sense_len = 0;
			t->sc.action = SCSI_A_DONE;
			t->sc.in_len = 0;
			t->want = 0;
			need = 0;
		} else {
			t->charged = total;
			c->buf_bytes += total;
		}
	}
	if (need > t->buflen) {
		uint8_t *nb = realloc(t->buf, need);

		if (!nb) {
			scsi_check(&t->sc, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
			t->sc.action = SCSI_A_DONE;
			t->want = 0;
		} else {
			t->buf = nb;
			t->buflen = need;
		}
	}
	if (t->sc.action == SCSI_A_VERIFY || t->sc.action == SCSI_A_ORWRITE ||
	    t->sc.action == SCSI_A_CAW) {
		t->aux = malloc((size_t)t->sc.nblocks * BLOCK_SIZE + 1);
		if (!t->aux) {
			scsi_check(&t->sc, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
			t->sc.action = SCSI_A_DONE;
			t->want = 0;
		}
	}
	if (pdu->data_len && t->wr)
		data_take(t, 0, pdu->data, pdu->data_len);
	/* RFC 7143 4.2.5.2: R2Ts solicit what the unsolicited data left */
	t->r2t_next = c->p.initial_r2t ? pdu->data_len : unsol;
	if (t->r2t_next > t->want)
		t->r2t_next = t->want;
	t->stage = T_DATA_OUT;
	data_out_check(t);
}

static void handle_data_out(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs;
	uint32_t ttt = be32_get(b + 20);
	uint32_t datasn = be32_get(b + 36);
	uint32_t off = be32_get(b + 40);
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
	if (datasn != t->exp_datasn || (uint64_t)off + pdu->data_len > t->edtl || off != t->got) {
		/* RFC 7143 7.1.1: ErrorRecoveryLevel 0 cannot recover the
		 * sequence: the PDU is rejected and its command ends with
		 * CHECK CONDITION (ABORTED COMMAND, DATA PHASE ERROR); the
		 * rest of its data is dropped and the session goes on */
		is.n.protocol_errors++;
		log_warn("iscsi %s: Data-Out out of sequence (DataSN %u, expected %u, offset %u, "
		         "received %u); command ended",
		         c->peer, datasn, t->exp_datasn, off, t->got);
		send_reject(c, b, ISCSI_REJECT_PROTOCOL);
		itt_bury(c, t->itt);
		scsi_check(&t->sc, SK_ABORTED_COMMAND, ASC_DATA_PHASE_ERROR);
		t->sc.action = SCSI_A_DONE;
		t->sc.in_len = 0;
		task_respond(t);
		return;
	}
	t->exp_datasn++;
	data_take(t, off, pdu->data, pdu->data_len);
	if ((b[1] & 0x80) && ttt == NO_TAG)
		t->exp_datasn = 0; /* the unsolicited sequence ended */
	data_out_check(t);
}

static void handle_nop_out(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t ttt = be32_get(b + 20);

	if (!pdu->immediate && pdu->itt != NO_TAG) {
		uint32_t cmdsn = be32_get(b + 24);

		if (cmdsn != c->exp_cmdsn) {
			is.n.dropped_cmdsn++;
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

/* Remember a task that ended during its data phase: Data-Out still on
 * the way for it is dropped without a Reject. */
static void itt_bury(struct conn *c, uint32_t itt)
{
	c->dead_itt[c->dead_next++ % 8] = itt;
}

static int itt_dead(const struct conn *c, uint32_t itt)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (c->dead_itt[i] == itt && itt != NO_TAG)
			return 1;
	return 0;
}

/* Abort a task: no response will be sent for it (RFC 7143 11.5.1). */
static void task_abort(struct task *t)
{
	if (t->aborted)
		return;
	t->aborted = 1;
	if (t->stage == T_DATA_OUT && t->c)
		itt_bury(t->c, t->itt);
	if (t->stage == T_DATA_OUT)
		task_put(t); /* nothing in flight: the list's reference */
	                     /* T_IO: io_on_done drops it; T_SENDING: already answered */
}

static void abort_all(struct conn *c)
{
	struct task *t, *next;

	for (t = c->tasks; t; t = next) {
		next = t->next;
		task_abort(t);
	}
}

static void handle_tmf(struct conn *c, const struct iscsi_pdu *pdu)
{
	const uint8_t *b = pdu->bhs;
	uint8_t fn = b[1] & 0x7f, response = 0, bhs[ISCSI_BHS_LEN];
	uint32_t rtt = be32_get(b + 20), refcmdsn = be32_get(b + 32);
	struct task *t;
	int cold = 0;

	is.n.tmf++;
	if (!pdu->immediate) {
		if (be32_get(b + 24) != c->exp_cmdsn) {
			is.n.dropped_cmdsn++;
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
	case 4: /* CLEAR TASK SET */ abort_all(c); break;
	case 5: /* LOGICAL UNIT RESET */
	case 6: /* TARGET WARM RESET */
		abort_all(c);
		/* SAM-5 6.3: every nexus, the requester's too, hears of it */
		scsi_lun_reset(&c->vol->lun, 0);
		log_info("iscsi %s: %s reset by %s", c->peer, fn == 5 ? "LUN" : "target",
		         c->login.initiator);
		break;
	case 7: /* TARGET COLD RESET: the connections close after the answer */
		abort_all(c);
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

		for (o = is.conns; o; o = o->next)
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
			is.n.dropped_cmdsn++;
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
	abort_all(c);
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
	c->last_rx = uv_now(is.loop);
	if (c->state == C_LOGIN) {
		if (pdu->opcode != ISCSI_OP_LOGIN_REQ) {
			/* RFC 7143 6.3: only Login in the login phase */
			is.n.protocol_errors++;
			log_warn("iscsi %s: opcode 0x%02x during login; closing", c->peer,
			         pdu->opcode);
			conn_close(c);
			return;
		}
		handle_login(c, pdu);
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

static void conn_on_handle_close(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->handles > 0)
		return;
	free(c->rx);
	free(c);
}

static void conn_close(struct conn *c)
{
	struct held_login *h;

	if (c->state == C_CLOSING)
		return;
	if (c->state == C_WAIT_VOL)
		vol_unwait(c);
	h = c->held;
	c->held = NULL;
	held_login_free(h);
	if (c->have_mac)
		timeline_note(c->mac, TL_ISCSI_LOGOUT, "%s: connection closed", c->target);
	c->state = C_CLOSING;
	abort_all(c);
	/* tasks with I/O in flight stay until their callbacks; they see
	 * C_CLOSING and are freed without answering.  Detach them. */
	while (c->tasks) {
		struct task *t = c->tasks;

		c->tasks = t->next;
		t->listed = 0;
		t->prev = t->next = NULL;
		t->c = NULL;
		if (t->refs <= 0)
			task_free(t);
	}
	c->ntasks = 0;
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
		is.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	is.nconns--;
	uv_close((uv_handle_t *)&c->tcp, conn_on_handle_close);
	uv_close((uv_handle_t *)&c->timer, conn_on_handle_close);
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
static void conn_pump(struct conn *c)
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
			is.n.digest_errors++;
			log_warn("iscsi %s: data digest error; PDU rejected", c->peer);
			send_reject(c, pdu.bhs, ISCSI_REJECT_DIGEST);
			off += pdu.total;
			continue;
		}
		if (rc < 0) {
			if (rc == ISCSI_E_HDIGEST)
				is.n.digest_errors++;
			else
				is.n.protocol_errors++;
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
	if (c->queued <= WRITE_HIGH && !c->reading && uv_now(is.loop) >= c->read_at &&
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
	uint64_t now = uv_now(is.loop);
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

		is.n.login_timeouts++;
		if (ratelog_check(&is.rl_login, c->peer_ip, now, &more))
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
		is.n.ping_timeouts++;
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
		is.n.nop_pings++;
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

	for (c = is.conns; c; c = c->next) {
		if (c->peer_ip != ip)
			continue;
		n++;
		logins += c->state == C_LOGIN || c->state == C_WAIT_VOL;
	}
	if (n >= (unsigned)cf->iscsi.max_per_address) {
		is.n.per_address++;
		which = "iscsi.max_per_address";
	} else if (logins >= (unsigned)cf->iscsi.max_logins_per_address) {
		is.n.per_address_logins++;
		which = "iscsi.max_logins_per_address";
	} else {
		return 0;
	}
	if (ratelog_check(&is.rl_limit, ip, uv_now(is.loop), &more))
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

	if (status < 0) {
		log_err("iscsi: accept: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	rc = uv_tcp_init(is.loop, &c->tcp);
	if (rc < 0) {
		log_err("iscsi: accept: %s", uv_strerror(rc));
		free(c);
		return;
	}
	c->tcp.data = c;
	c->handles = 1;
	rc = uv_timer_init(is.loop, &c->timer);
	if (rc < 0) {
		log_err("iscsi: accept: %s", uv_strerror(rc));
		uv_close((uv_handle_t *)&c->tcp, conn_on_handle_close);
		return;
	}
	c->handles = 2;
	c->timer.data = c;
	if (uv_accept(s, (uv_stream_t *)&c->tcp) < 0 || is.stopping ||
	    is.nconns >= (unsigned)cf->iscsi.max_connections) {
		if (is.nconns >= (unsigned)cf->iscsi.max_connections)
			log_warn("iscsi: %u connections (iscsi.max_connections); refusing one",
			         is.nconns);
		uv_close((uv_handle_t *)&c->tcp, conn_on_handle_close);
		uv_close((uv_handle_t *)&c->timer, conn_on_handle_close);
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
		is.n.foreign++;
		log_debug("iscsi %s: connection to an interface not in server.interfaces; closed",
		          c->peer);
		uv_close((uv_handle_t *)&c->tcp, conn_on_handle_close);
		uv_close((uv_handle_t *)&c->timer, conn_on_handle_close);
		return;
	}
	if (over_limit(c->peer_ip, c->peer)) {
		uv_close((uv_handle_t *)&c->tcp, conn_on_handle_close);
		uv_close((uv_handle_t *)&c->timer, conn_on_handle_close);
		return;
	}
	c->state = C_LOGIN;
	c->first_login = 1;
	c->last_rx = uv_now(is.loop);
	c->ops.target = ops_target;
	c->ops.user = ops_user;
	c->ops.random = ops_random;
	c->ops.ctx = c;
	c->ops.discovery_chap = cf->iscsi.discovery_chap;
	c->ops.limits.max_recv_dsl = TARGET_MRDSL;
	c->ops.limits.max_burst = MAX_BURST;
	c->ops.limits.first_burst = FIRST_BURST;
	c->ops.limits.max_outstanding_r2t = 1;
	c->ops.limits.digest_crc32c = 1;
	iscsi_login_init(&c->login, &c->ops);
	c->next = is.conns;
	if (is.conns)
		is.conns->prev = c;
	is.conns = c;
	is.nconns++;
	{
		/* repeated failures from this address: answer it slowly */
		struct fail_slot *f = fail_find(c->peer_ip, 0);
		uint64_t delay = 0;

		if (f && f->count >= 3)
			delay = 1000ull << (f->count - 3 > 4 ? 4 : f->count - 3);
		uv_timer_start(&c->timer, conn_on_timer, 1000, 1000);
		c->login_by = uv_now(is.loop) + delay + (uint64_t)cf->iscsi.login_timeout * 1000;
		if (delay) {
			/* reading starts from the timer */
			log_info("iscsi %s: %u failed logins lately; waiting %llu ms", c->peer,
			         f->count, (unsigned long long)delay);
			c->read_at = uv_now(is.loop) + delay;
			return;
		}
	}
	conn_read_start(c);
}

/* ---- the service ---- */

int iscsi_storage_online(const struct conf *c, FILE *out)
{
	const struct store_ops *ops;
	char why[512];

	if (!c->iscsi.enable)
		return 0;
	ops = store_backend(c->storage.backend, why, sizeof(why));
	if (!ops) {
		fprintf(out, "%s: error: storage.backend: %s\n", c->path, why);
		return 1;
	}
	return ops->online ? ops->online(c, out) : 0;
}

int iscsi_start(uv_loop_t *loop, const struct conf *c)
{
	struct sockaddr_in sa;
	int rc;

	is.loop = loop;
	ratelog_init(&is.rl_limit, 10000);
	ratelog_init(&is.rl_login, 10000);
	extcheck_start(loop, c); /* external targets are checked either way */
	if (!c->iscsi.enable)
		return 0;
	{
		char why[512];

		is.ops = store_backend(c->storage.backend, why, sizeof(why));
		if (!is.ops) {
			log_err("iscsi: storage.backend: %s", why);
			return -ELIBACC;
		}
	}
	rc = is.ops->start(loop, c);
	if (rc < 0) {
		log_err("iscsi: cannot start the %s backend: %s", is.ops->name, strerror(-rc));
		is.ops = NULL;
		return rc;
	}
	uv_tcp_init(loop, &is.listener);
	uv_ip4_addr("0.0.0.0", c->iscsi.port, &sa);
	rc = uv_tcp_bind(&is.listener, (const struct sockaddr *)&sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&is.listener, 128, listener_on_connection);
	if (rc < 0) {
		log_err("iscsi: cannot listen on port %d: %s", c->iscsi.port, uv_strerror(rc));
		uv_close((uv_handle_t *)&is.listener, NULL);
		return rc;
	}
	is.listening = 1;
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
	extcheck_start(is.loop, nc);
	if (old->iscsi.port != nc->iscsi.port || old->iscsi.enable != nc->iscsi.enable)
		log_warn("iscsi: iscsi.port and iscsi.enable change at the next restart");
	/* the backend's own settings that cannot change live are
	 * restart-only (conf.c) */
	if (is.ops)
		is.ops->reload(old, nc);
}

void iscsi_stop(void)
{
	struct conn *c;

	is.stopping = 1;
	if (is.listening) {
		uv_close((uv_handle_t *)&is.listener, NULL);
		is.listening = 0;
	}
	/* RFC 7143 11.9.1, AsyncEvent 1: ask each session to log out within
	 * two seconds.  Those that do not are closed after their commands in
	 * flight have finished (iscsi_busy); an initiator then reconnects to
	 * the next rackboot, as after any target restart. */
	for (c = is.conns; c; c = c->next) {
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

	for (c = is.conns; c; c = c->next)
		n += c->ntasks;
	return n;
}

void iscsi_log_state(void)
{
	log_info("iscsi: %u connections, %llu commands, %llu logins (%llu refused)", is.nconns,
	         (unsigned long long)is.n.commands, (unsigned long long)is.n.logins_ok,
	         (unsigned long long)(is.n.logins_auth + is.n.logins_forbidden +
	                              is.n.logins_notfound + is.n.logins_other));
}

void iscsi_metrics(struct buf *b)
{
	static const char *const results[] = {"ok", "auth_failed", "forbidden", "not_found",
	                                      "other"};
	const uint64_t logins[] = {is.n.logins_ok, is.n.logins_auth, is.n.logins_forbidden,
	                           is.n.logins_notfound, is.n.logins_other};
	struct conn *c;
	unsigned sessions = 0, discovery = 0;
	size_t i;

	for (c = is.conns; c; c = c->next)
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
	metrics_sample(b, "rackboot_iscsi_commands_total", NULL, (double)is.n.commands);
	metrics_family(b, "rackboot_iscsi_bytes_total", "counter",
	               "Bytes read from and written to volumes for initiators.");
	{
		const char *r[] = {"direction", "read", NULL}, *w[] = {"direction", "write", NULL};

		metrics_sample(b, "rackboot_iscsi_bytes_total", r, (double)is.n.read_bytes);
		metrics_sample(b, "rackboot_iscsi_bytes_total", w, (double)is.n.write_bytes);
	}
	metrics_family(b, "rackboot_iscsi_reads_total", "counter",
	               "Volume reads, by where they were served: the page cache on the loop "
	               "(nowait) or the thread pool.");
	{
		const char *a[] = {"path", "nowait", NULL}, *p[] = {"path", "pool", NULL};

		metrics_sample(b, "rackboot_iscsi_reads_total", a, (double)is.n.nowait_reads);
		metrics_sample(b, "rackboot_iscsi_reads_total", p, (double)is.n.pool_reads);
	}
	metrics_family(b, "rackboot_iscsi_errors_total", "counter",
	               "Protocol trouble, by kind: PDUs rejected, digest errors, commands "
	               "outside the CmdSN window, protocol errors that closed a connection, "
	               "sessions closed for an unanswered ping, volumes that failed to open, "
	               "connections to an interface not served.");
	{
		const char *k[] = {"reject", "digest", "cmdsn",  "protocol",
		                   "ping",   "volume", "foreign"};
		const uint64_t v[] = {is.n.rejects,       is.n.digest_errors,
		                      is.n.dropped_cmdsn, is.n.protocol_errors,
		                      is.n.ping_timeouts, is.n.vol_open_failed,
		                      is.n.foreign};

		for (i = 0; i < 7; i++) {
			const char *l[] = {"kind", k[i], NULL};

			metrics_sample(b, "rackboot_iscsi_errors_total", l, (double)v[i]);
		}
	}
	metrics_family(b, "rackboot_iscsi_connections", "gauge",
	               "iSCSI connections open, logging in or in full feature phase.");
	metrics_sample(b, "rackboot_iscsi_connections", NULL, is.nconns);
	metrics_family(b, "rackboot_iscsi_limited_total", "counter",
	               "Connections refused because their address had iscsi.max_per_address "
	               "open or iscsi.max_logins_per_address logging in, and logins closed "
	               "unfinished at iscsi.login_timeout.");
	{
		const char *k[] = {"max_per_address", "max_logins_per_address", "login_timeout"};
		const uint64_t v[] = {is.n.per_address, is.n.per_address_logins,
		                      is.n.login_timeouts};

		for (i = 0; i < 3; i++) {
			const char *l[] = {"limit", k[i], NULL};

			metrics_sample(b, "rackboot_iscsi_limited_total", l, (double)v[i]);
		}
	}
	metrics_family(b, "rackboot_iscsi_nop_pings_total", "counter",
	               "NOP-In pings sent to idle sessions (iscsi.nop_interval).");
	metrics_sample(b, "rackboot_iscsi_nop_pings_total", NULL, (double)is.n.nop_pings);
	metrics_family(b, "rackboot_iscsi_task_management_total", "counter",
	               "Task management requests.");
	metrics_sample(b, "rackboot_iscsi_task_management_total", NULL, (double)is.n.tmf);
	if (is.ops && is.ops->metrics)
		is.ops->metrics(b);
}

void iscsi_close(void)
{
	struct conn *c;

	iscsi_stop();
	extcheck_close();
	while ((c = is.conns))
		conn_close(c);
	if (is.ops)
		is.ops->stop(); /* once the volumes still in use are closed */
}
