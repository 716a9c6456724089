/* SPDX-License-Identifier: MIT */
/*
 * extcheck.c - checking nodes' external iSCSI targets with libiscsi:
 * connect, log in (with the node's CHAP credentials for that gateway),
 * READ CAPACITY(16) on the LUN, log out; every step bounded by
 * EXTCHECK_SECONDS.  Owns the table of latest results (one slot per
 * external node, replaced wholesale by each run); a run's jobs belong to
 * themselves and carry copies of what they need, so a reload may free the
 * configuration while they are in flight.  Results of an older run are
 * dropped.  Never blocks the loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "core/addr.h"
#include "iscsi/extcheck.h"
#include "core/log.h"

/* One result slot. */
struct slot {
	uint8_t mac[MAC_LEN];
	int state; /* 0 not yet, 1 passed, -1 failed */
	char why[EXTCHECK_WHY];
};

static struct {
	struct slot *v;
	size_t n;
	unsigned gen; /* which run the slots belong to */
} tab;

/* What one check needs, copied out of the configuration. */
struct target {
	char initiator[256];
	char portal[IPV4_STRLEN + 8];
	char name[256];
	int lun;
	char user[256];
	char secret[CHAP_SECRET_MAX + 1];
	char host[256];
};

/* A queued check.  Owner: itself, freed in its after-work callback. */
struct job {
	uv_work_t work;
	unsigned gen;
	uint8_t mac[MAC_LEN];
	struct target t;
	int rc;
	uint64_t bytes;
	char why[EXTCHECK_WHY];
};

static void target_of(const struct conf *c, const struct conf_node *n, struct target *t)
{
	const struct conf_external *e = &n->external;
	char a[IPV4_STRLEN];

	memset(t, 0, sizeof(*t));
	snprintf(t->initiator, sizeof(t->initiator), "%s:rackboot-check", c->iscsi.iqn_prefix);
	snprintf(t->portal, sizeof(t->portal), "%s:%d", ipv4_format(e->ip, a), e->port);
	snprintf(t->name, sizeof(t->name), "%s", e->target);
	t->lun = e->lun;
	if (e->chap_user) {
		snprintf(t->user, sizeof(t->user), "%s", e->chap_user);
		snprintf(t->secret, sizeof(t->secret), "%s", e->chap_secret);
	}
	snprintf(t->host, sizeof(t->host), "%s", n->hostname);
}

struct wait {
	int done;
	int status;
	struct scsi_task *task;
};

static void on_connect(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct wait *w = priv;

	(void)iscsi;
	(void)data;
	w->done = 1;
	w->status = status;
}

static void on_task(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct wait *w = priv;

	(void)iscsi;
	w->done = 1;
	w->status = status;
	w->task = data;
}

/* Drive libiscsi until @p w is done or @p deadline passes. */
static int run_until(struct iscsi_context *iscsi, struct wait *w, time_t deadline)
{
	while (!w->done) {
		struct pollfd p = {.fd = iscsi_get_fd(iscsi),
		                   .events = (short)iscsi_which_events(iscsi)};
		int n;

		if (time(NULL) >= deadline)
			return -ETIMEDOUT;
		n = poll(&p, 1, 200);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (iscsi_service(iscsi, n > 0 ? p.revents : 0) < 0)
			return -ECONNRESET;
	}
	return 0;
}

/* A TCP connection to the portal first, so that "nobody listens" and "no
 * answer" are told apart from a failed login. */
static int probe_portal(const struct target *t, char *why, size_t cap)
{
	char host[IPV4_STRLEN + 8], *colon;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct pollfd p;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	snprintf(host, sizeof(host), "%s", t->portal);
	colon = strchr(host, ':');
	if (!colon)
		return -EINVAL;
	*colon = 0;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		err = errno;
	if (!err) {
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, EXTCHECK_SECONDS * 1000 / 2) <= 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
	}
	close(fd);
	if (err)
		snprintf(why, cap, "cannot reach the portal %s: %s", t->portal,
		         err == ETIMEDOUT ? "no answer" : strerror(err));
	return -err;
}

/* libiscsi's messages may end in a newline: one line for logs and scripts */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static int check_target(const struct target *t, char *why, size_t cap, uint64_t *bytes)
{
	time_t deadline = time(NULL) + EXTCHECK_SECONDS;
	struct iscsi_context *iscsi;
	struct wait w = {0};
	struct scsi_readcapacity16 *rc16;
	int rc = probe_portal(t, why, cap);

	if (rc < 0)
		return rc;
	rc = -EIO;
	iscsi = iscsi_create_context(t->initiator);
	if (!iscsi) {
		snprintf(why, cap, "out of memory");
		return -ENOMEM;
	}
	iscsi_set_timeout(iscsi, EXTCHECK_SECONDS); /* bounds the logout too */
	iscsi_set_targetname(iscsi, t->name);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (t->user[0])
		iscsi_set_initiator_username_pwd(iscsi, t->user, t->secret);
	if (iscsi_full_connect_async(iscsi, t->portal, t->lun, on_connect, &w) != 0) {
		snprintf(why, cap, "cannot connect to %s: %s", t->portal, iscsi_get_error(iscsi));
		goto err_connect;
	}
	rc = run_until(iscsi, &w, deadline);
	if (rc < 0 || w.status != SCSI_STATUS_GOOD) {
		/* libiscsi's full connect logs in, then tests the LUN */
		snprintf(why, cap, "login to %s at %s, LUN %d, failed: %s", t->name, t->portal,
		         t->lun, rc == -ETIMEDOUT ? "no answer in time" : iscsi_get_error(iscsi));
		rc = rc < 0 ? rc : -EACCES;
		goto err_connect;
	}
	memset(&w, 0, sizeof(w));
	if (!iscsi_readcapacity16_task(iscsi, t->lun, on_task, &w) ||
	    run_until(iscsi, &w, deadline) < 0 || w.status != SCSI_STATUS_GOOD) {
		snprintf(why, cap, "LUN %d of %s: READ CAPACITY failed: %s", t->lun, t->name,
		         iscsi_get_error(iscsi));
		rc = -ENXIO;
		goto err_capacity;
	}
	rc16 = scsi_datain_unmarshall(w.task);
	/* a sane disk: whole power-of-two blocks of 512 bytes to 64 KiB, and
	 * at least 1 MiB of them */
	if (!rc16 || rc16->block_length < 512 || rc16->block_length > 65536 ||
	    (rc16->block_length & (rc16->block_length - 1)) ||
	    (rc16->returned_lba + 1) * rc16->block_length < (1u << 20)) {
		snprintf(why, cap, "LUN %d of %s: not a usable disk (%s)", t->lun, t->name,
		         rc16 ? "capacity under 1 MiB or odd block size" : "no capacity data");
		rc = -ENXIO;
		goto err_capacity;
	}
	*bytes = (rc16->returned_lba + 1) * rc16->block_length;
	rc = 0;
err_capacity:
	if (w.task)
		scsi_free_scsi_task(w.task);
	iscsi_logout_sync(iscsi);
err_connect:
	iscsi_destroy_context(iscsi);
	one_line(why);
	return rc;
}

int extcheck_one(const struct conf *c, const struct conf_node *n, char *why, size_t cap,
                 uint64_t *bytes)
{
	struct target t;
	int rc;

	target_of(c, n, &t);
	rc = check_target(&t, why, cap, bytes);
	memset(&t, 0, sizeof(t));
	return rc;
}

static void job_work(uv_work_t *w)
{
	struct job *j = w->data;

	j->rc = check_target(&j->t, j->why, sizeof(j->why), &j->bytes);
	memset(j->t.secret, 0, sizeof(j->t.secret));
}

static void job_after(uv_work_t *w, int status)
{
	struct job *j = w->data;
	size_t i;

	if (status == 0 && j->gen == tab.gen) {
		for (i = 0; i < tab.n; i++) {
			struct slot *s = &tab.v[i];

			if (memcmp(s->mac, j->mac, MAC_LEN) != 0)
				continue;
			if (j->rc == 0) {
				s->state = 1;
				s->why[0] = 0;
				log_info("iscsi: node %s: external target %s at %s LUN %d works "
				         "(%llu MiB)",
				         j->t.host, j->t.name, j->t.portal, j->t.lun,
				         (unsigned long long)(j->bytes >> 20));
			} else {
				s->state = -1;
				snprintf(s->why, sizeof(s->why), "%s", j->why);
				log_err("iscsi: node %s: external target fails its check: %s; its "
				        "script says so instead of booting",
				        j->t.host, j->why);
			}
		}
	}
	free(j);
}

void extcheck_start(uv_loop_t *loop, const struct conf *c)
{
	size_t i, n = 0;
	struct slot *v;

	for (i = 0; i < c->nnodes; i++)
		n += c->nodes[i].external.target != NULL;
	v = n ? calloc(n, sizeof(*v)) : NULL;
	if (n && !v) {
		log_err("iscsi: out of memory; external targets not checked");
		return;
	}
	free(tab.v);
	tab.v = v;
	tab.n = 0;
	tab.gen++;
	for (i = 0; i < c->nnodes; i++) {
		const struct conf_node *nd = &c->nodes[i];
		struct job *j;

		if (!nd->external.target)
			continue;
		memcpy(tab.v[tab.n++].mac, nd->mac, MAC_LEN);
		j = calloc(1, sizeof(*j));
		if (!j)
			continue;
		j->gen = tab.gen;
		memcpy(j->mac, nd->mac, MAC_LEN);
		target_of(c, nd, &j->t);
		j->work.data = j;
		if (uv_queue_work(loop, &j->work, job_work, job_after) < 0)
			free(j);
	}
}

const char *extcheck_error(const uint8_t mac[MAC_LEN])
{
	size_t i;

	for (i = 0; i < tab.n; i++)
		if (memcmp(tab.v[i].mac, mac, MAC_LEN) == 0)
			return tab.v[i].state < 0 ? tab.v[i].why : NULL;
	return NULL;
}

int extcheck_online(const struct conf *c, FILE *out)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < c->nnodes; i++) {
		const struct conf_node *n = &c->nodes[i];
		char why[EXTCHECK_WHY];
		uint64_t bytes = 0;

		if (!n->external.target)
			continue;
		if (extcheck_one(c, n, why, sizeof(why), &bytes) == 0) {
			fprintf(out, "%s: node %s: external target %s LUN %d works (%llu MiB)\n",
			        c->path, n->hostname, n->external.target, n->external.lun,
			        (unsigned long long)(bytes >> 20));
		} else {
			fprintf(out, "%s: error: node %s: external target: %s\n", c->path,
			        n->hostname, why);
			failed++;
		}
	}
	return failed;
}

void extcheck_close(void)
{
	free(tab.v);
	tab.v = NULL;
	tab.n = 0;
	tab.gen++;
}
