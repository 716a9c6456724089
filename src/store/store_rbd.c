/* SPDX-License-Identifier: MIT */
/*
 * store_rbd.c - the Ceph backstore: a node's volume is the RBD image
 * <storage.pool>/<volume>, opened at the node's first login, created at
 * the node's size on first use or cloned (RBD layering) from the golden
 * snapshot, which is protected first if the cluster's clone format needs
 * it.  An existing image is never overwritten or shrunk.  One cluster
 * connection serves the process.
 *
 * Nothing here blocks the loop on Ceph.  I/O goes through librbd's
 * asynchronous calls; their completions arrive on librbd's threads, are
 * queued under a mutex and handed to the loop with uv_async_send.  What
 * librbd only offers as blocking calls (connecting, opening, creating,
 * cloning, closing, GET LBA STATUS's diff walk, the size after a resize
 * notice) runs on this backend's own two threads, not libuv's pool, so a
 * cluster that hangs cannot hold up the lease journal that shares the
 * pool.  Every Ceph call is bounded by storage.timeout (client_mount,
 * rados_osd_op and rados_mon_op timeouts): a dead OSD ends I/O with
 * -ETIMEDOUT, which the transport turns into a SCSI error.
 *
 * WRITE SAME goes to rbd_aio_writesame, which repeats the block at the
 * OSDs.  COMPARE AND WRITE goes to rbd_aio_compare_and_write, which the OSD
 * carries out atomically against every client of the image, but only
 * within one 512-byte sector (CAW_SPAN); a longer one is refused with
 * -EOPNOTSUPP at submit and emulated by the caller.
 *
 * Owns the cluster connections (normally one; a blocklisted one is
 * replaced and goes when its last image closes), the open images and the
 * threads.  Requests belong to their callers.  Only the loop changes
 * state; the threads touch a job's own fields and the queues.
 *
 * Built as a module, store_rbd.so (package rackboot-rbd), that store.c
 * loads only for storage.backend "rbd": librbd and librados map some 11 MB
 * at start, which the default file backend must not pay.  It reaches
 * back into the executable only for log_msg, metrics_* and imgspec_*
 * (the Makefile exports exactly those from the binary).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

#include "core/buf.h"
#include "core/conf.h"
#include "store/imgspec.h"
#include "core/log.h"
#include "core/metrics.h"
#include "store/store.h"

/* librbd runs a request's completion on its own thread after the submit on
 * the loop, ordered by its own queues, which ThreadSanitizer cannot see in
 * an uninstrumented library (test/tsan.supp): the submit releases the
 * request and the completion acquires it, stating that order. */
#ifdef __SANITIZE_THREAD__
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define TSAN_ACQUIRE(p) __tsan_acquire(p)
#define TSAN_RELEASE(p) __tsan_release(p)
#else
#define TSAN_ACQUIRE(p) ((void)(p))
#define TSAN_RELEASE(p) ((void)(p))
#endif

#define RB_THREADS  2
#define RB_WHY      768             /* bytes of a failure's reason */
#define STATUS_SPAN (1024ull << 20) /* GET LBA STATUS looks this far at most */
#define RETRY_MS    5000            /* reconnect attempts while the cluster is away */
/* librbd 1.16 (Ceph 16) refuses a compare-and-write that leaves one
 * 512-byte sector (-EINVAL); later ones may allow more, but within one
 * sector the mismatch offset is certain either way (caw_mismatch) */
#define CAW_SPAN 512

/* The backend's settings (storage.* in rackboot.conf(5)); the strings
 * are copied. */
struct store_rbd_conf {
	const char *ceph_conf; /* path of ceph.conf */
	const char *client;    /* cephx id, without "client." */
	const char *keyring;   /* NULL: what ceph.conf says */
	const char *pool;      /* the nodes' images */
	const char *golden;    /* "[pool/]image@snap" new images are cloned from, or NULL */
	int timeout;           /* seconds: connect, open, and every I/O */
};

/* Something for the loop: a completion or a job's result. */
struct msg {
	struct msg *next;
	void (*fn)(struct msg *m);
};

/* Blocking work for the backend's threads, then @p m.fn on the loop. */
struct job {
	struct msg m;
	struct job *next;
	void (*work)(struct job *j);
};

/* A connection to the cluster.  Owner: shared; refs counts the backend's
 * "current" pointer, every open image and every open in progress. */
struct cluster {
	rados_t h;
	unsigned refs;
	int stale; /* blocklisted: new opens make a new connection */
};

/* One open image.  Owner: whoever opened it (the iSCSI volume table);
 * freed when its close job is back on the loop. */
struct store {
	struct cluster *cl;
	rados_ioctx_t io;
	rbd_image_t img;
	uint64_t watch;
	int watching;
	char pool[IMGSPEC_NAME_MAX + 1];
	char name[IMGSPEC_NAME_MAX + 1];
	uint64_t size;
	unsigned inflight; /* requests */
	unsigned jobs;     /* jobs that use the image */
	int closing;
	store_resize_cb resize_cb;
	void *resize_data;
	struct msg resize_msg; /* queued by librbd's watch callback */
	int resize_queued;     /* under rb.lock */
	struct store *next;    /* rb.stores */
	struct job close_job;
};

/* One request in flight.  Owner: the backend, from submit until its
 * caller's callback; freed on the loop. */
struct req {
	struct msg m;
	struct store_io *io;
	struct job job; /* STATUS */
	int rc;
	int flushing;      /* FUA: the write is done, the flush follows */
	uint64_t mismatch; /* CAW: librbd's mismatch_off, written before the completion */
};

/* An open in progress.  Owner: the backend until its callback. */
struct open_req {
	struct job job;
	struct open_req *next; /* waiting for a connection */
	struct store *st;
	struct cluster *cl;
	struct imgspec vol;
	struct imgspec golden; /* image "" when none */
	uint64_t want;
	store_open_cb cb;
	void *data;
	int rc;
	int made; /* 1 created, 2 cloned */
	int protected_now;
	int grown;
	char why[RB_WHY];
};

/* A connect attempt.  Owner: the backend. */
struct conn_job {
	struct job job;
	struct cluster *cl;
	int rc;
	char why[RB_WHY];
};

static struct {
	uv_loop_t *loop;
	int started;
	/* settings: written on the loop, copied into jobs */
	char conf_path[PATH_MAX];
	char client[72];
	char keyring[PATH_MAX];
	char pool[IMGSPEC_NAME_MAX + 1];
	struct imgspec golden; /* image "" when none */
	int timeout;
	/* the queues: rb.lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *jobs, *jobs_tail;
	struct msg *done, *done_tail;
	int quit;
	int async_live;
	pthread_t threads[RB_THREADS];
	int nthreads;
	uv_async_t async;
	uv_timer_t retry;
	/* loop only */
	struct cluster *cur;
	int connecting;
	int up;      /* the last connect worked */
	int ever_up; /* ... and some connect did */
	int down_logged;
	char last_why[RB_WHY]; /* why the last connect failed */
	struct open_req *waiting, *waiting_tail;
	struct store *stores;
	unsigned nstores;
	unsigned njobs;
	int closing, closed;
	/* counters for /metrics */
	uint64_t requests[STORE_NOPS], errors[STORE_NOPS], miscompares;
	uint64_t connects_ok, connects_failed;
	uint64_t opens_ok, opens_failed, created, cloned, resizes;
} rb = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static const char *const op_names[STORE_NOPS] = {"read",   "write",     "flush", "discard",
                                                 "status", "writesame", "caw"};

static void maybe_finish(void);
static void connect_start(void);

/* ---- the queues --------------------------------------------------------- */

/* Any thread: hand @p m to the loop. */
static void post(struct msg *m)
{
	m->next = NULL;
	pthread_mutex_lock(&rb.lock);
	if (rb.done_tail)
		rb.done_tail->next = m;
	else
		rb.done = m;
	rb.done_tail = m;
	if (rb.async_live)
		uv_async_send(&rb.async);
	pthread_mutex_unlock(&rb.lock);
}

static void async_on_event(uv_async_t *h)
{
	struct msg *m, *next;

	(void)h;
	pthread_mutex_lock(&rb.lock);
	m = rb.done;
	rb.done = rb.done_tail = NULL;
	pthread_mutex_unlock(&rb.lock);
	for (; m; m = next) {
		next = m->next;
		m->fn(m);
	}
}

/* Loop: queue @p j for the threads; its m.fn runs on the loop after. */
static void job_queue(struct job *j)
{
	j->next = NULL;
	rb.njobs++;
	pthread_mutex_lock(&rb.lock);
	if (rb.jobs_tail)
		rb.jobs_tail->next = j;
	else
		rb.jobs = j;
	rb.jobs_tail = j;
	pthread_cond_signal(&rb.cond);
	pthread_mutex_unlock(&rb.lock);
}

static void *thread_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&rb.lock);
	for (;;) {
		struct job *j;

		while (!rb.jobs && !rb.quit)
			pthread_cond_wait(&rb.cond, &rb.lock);
		if (!rb.jobs)
			break;
		j = rb.jobs;
		rb.jobs = j->next;
		if (!rb.jobs)
			rb.jobs_tail = NULL;
		pthread_mutex_unlock(&rb.lock);
		j->work(j);
		post(&j->m);
		pthread_mutex_lock(&rb.lock);
	}
	pthread_mutex_unlock(&rb.lock);
	return NULL;
}

/* ---- the connection ----------------------------------------------------- */

/* Thread: a connected handle, or -errno with the reason in @p why. */
static int cluster_connect(const char *conf_path, const char *client, const char *keyring,
                           int timeout, rados_t *out, char *why, size_t cap)
{
	char name[80], t[16];
	rados_t h;
	int rc;

	snprintf(name, sizeof(name), "client.%s", client);
	snprintf(t, sizeof(t), "%d", timeout);
	rc = rados_create2(&h, "ceph", name, 0);
	if (rc < 0) {
		snprintf(why, cap, "cannot set up librados: %s", strerror(-rc));
		return rc;
	}
	rc = rados_conf_read_file(h, conf_path);
	if (rc < 0) {
		snprintf(why, cap, "cannot read %s: %s", conf_path, strerror(-rc));
		goto err_conf;
	}
	if (keyring && keyring[0] && (rc = rados_conf_set(h, "keyring", keyring)) < 0) {
		snprintf(why, cap, "keyring %s: %s", keyring, strerror(-rc));
		goto err_conf;
	}
	/* storage.timeout bounds everything; SBC LBPRZ: a discard must read
	 * back as zeroes, so no partial discard may be skipped */
	if ((rc = rados_conf_set(h, "client_mount_timeout", t)) < 0 ||
	    (rc = rados_conf_set(h, "rados_osd_op_timeout", t)) < 0 ||
	    (rc = rados_conf_set(h, "rados_mon_op_timeout", t)) < 0 ||
	    (rc = rados_conf_set(h, "rbd_skip_partial_discard", "false")) < 0) {
		snprintf(why, cap, "cannot set librados options: %s", strerror(-rc));
		goto err_conf;
	}
	rc = rados_connect(h);
	if (rc < 0) {
		snprintf(why, cap, "cannot connect as %s with %s: %s", name, conf_path,
		         strerror(-rc));
		goto err_conf;
	}
	*out = h;
	return 0;

err_conf:
	rados_shutdown(h);
	return rc;
}

static void conn_work(struct job *j)
{
	struct conn_job *c = (struct conn_job *)j;

	c->rc = cluster_connect(rb.conf_path, rb.client, rb.keyring, rb.timeout, &c->cl->h, c->why,
	                        sizeof(c->why));
}

static void shutdown_work(struct job *j)
{
	struct conn_job *c = (struct conn_job *)j;

	rados_shutdown(c->cl->h);
}

static void shutdown_after(struct msg *m)
{
	struct conn_job *c = (struct conn_job *)m;

	rb.njobs--;
	free(c->cl);
	free(c);
	maybe_finish();
}

static void cluster_put(struct cluster *cl)
{
	struct conn_job *c;

	if (!cl || --cl->refs > 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		/* cannot queue the shutdown: leak the handle, not the loop */
		log_err("rbd: out of memory; a cluster connection is left open");
		return;
	}
	c->cl = cl;
	c->job.work = shutdown_work;
	c->job.m.fn = shutdown_after;
	job_queue(&c->job);
}

static void open_dispatch(struct open_req *r);
static void open_fail(struct open_req *r, int rc, const char *why);

static void retry_on_timer(uv_timer_t *t)
{
	(void)t;
	if (!rb.closing && !rb.cur && !rb.connecting)
		connect_start();
}

static void conn_after(struct msg *m)
{
	struct conn_job *c = (struct conn_job *)m;
	struct open_req *r, *next;

	rb.njobs--;
	rb.connecting = 0;
	if (c->rc == 0 && !rb.closing) {
		rb.connects_ok++;
		rb.cur = c->cl;
		rb.cur->refs = 1;
		if (rb.down_logged)
			log_notice("rbd: the Ceph cluster is back: connected as client.%s (%s)",
			           rb.client, rb.conf_path);
		else if (!rb.ever_up)
			log_info("rbd: connected to the Ceph cluster as client.%s (%s)", rb.client,
			         rb.conf_path);
		rb.up = rb.ever_up = 1;
		rb.down_logged = 0;
		uv_timer_stop(&rb.retry);
	} else {
		if (c->rc == 0) {
			/* connected while stopping: close it again */
			c->cl->refs = 1;
			cluster_put(c->cl);
		} else {
			rb.connects_failed++;
			free(c->cl);
		}
		rb.up = 0;
		if (c->rc < 0)
			snprintf(rb.last_why, sizeof(rb.last_why), "%s", c->why);
		if (c->rc < 0 && !rb.down_logged) {
			log_err("rbd: the Ceph cluster is unreachable: %s; new logins fail until "
			        "it "
			        "is back (retrying every %d s)",
			        c->why, RETRY_MS / 1000);
			rb.down_logged = 1;
		} else if (c->rc < 0) {
			log_debug("rbd: still unreachable: %s", c->why);
		}
		if (!rb.closing)
			uv_timer_start(&rb.retry, retry_on_timer, RETRY_MS, RETRY_MS);
	}
	r = rb.waiting;
	rb.waiting = rb.waiting_tail = NULL;
	for (; r; r = next) {
		next = r->next;
		if (rb.cur)
			open_dispatch(r);
		else
			open_fail(r, c->rc < 0 ? c->rc : -ESHUTDOWN,
			          c->rc < 0 ? c->why : "the backend is stopping");
	}
	free(c);
	maybe_finish();
}

static void connect_start(void)
{
	struct conn_job *c;

	if (rb.connecting || rb.closing)
		return;
	c = calloc(1, sizeof(*c));
	if (c)
		c->cl = calloc(1, sizeof(*c->cl));
	if (!c || !c->cl) {
		free(c);
		log_err("rbd: out of memory; cannot connect to the cluster");
		return;
	}
	rb.connecting = 1;
	c->job.work = conn_work;
	c->job.m.fn = conn_after;
	job_queue(&c->job);
}

/* A request or an open came back -ESHUTDOWN (EBLOCKLISTED): this
 * connection is of no more use; new opens make another. */
static void cluster_blocklisted(struct cluster *cl)
{
	if (cl->stale)
		return;
	cl->stale = 1;
	log_err("rbd: the cluster has blocklisted this client; reconnecting for new logins");
	if (rb.cur == cl) {
		rb.cur = NULL;
		rb.up = 0;
		cluster_put(cl);
		connect_start();
	}
}

/* ---- opening ------------------------------------------------------------ */

/*
 * Thread: clone the golden snapshot into r->vol, protecting it first when
 * the clone format asks for that (format 1; format 2 needs no protection).
 *
 * Two first logins may clone at once, one on each backend thread (or on
 * two servers).  Both clones fail while the snapshot is unprotected; the
 * protection is done under golden_lock, so this process's threads never
 * hold two handles of the golden image that both ask for its exclusive
 * lock.  A snapshot found protected already (by the other login, between
 * our clone and the check) is not a reason to give up: the clone is tried
 * once more either way, and only that second answer stands.
 */
static int clone_golden(struct open_req *r, rados_ioctx_t io)
{
	static pthread_mutex_t golden_lock = PTHREAD_MUTEX_INITIALIZER;
	struct imgspec *g = &r->golden;
	rados_ioctx_t gio;
	rbd_image_options_t opts;
	rbd_image_t gimg;
	int rc, prot = 0;

	rc = rados_ioctx_create(r->cl->h, g->pool, &gio);
	if (rc < 0) {
		snprintf(r->why, sizeof(r->why), "golden pool %s: %s", g->pool, strerror(-rc));
		return rc;
	}
	rbd_image_options_create(&opts);
	rc = rbd_clone3(gio, g->image, g->snap, io, r->vol.image, opts);
	if (rc == -EINVAL) {
		/* maybe an unprotected snapshot and clone format 1 */
		pthread_mutex_lock(&golden_lock);
		rc = rbd_open(gio, g->image, &gimg, NULL);
		if (rc == 0) {
			rc = rbd_snap_is_protected(gimg, g->snap, &prot);
			if (rc == 0 && !prot) {
				rc = rbd_snap_protect(gimg, g->snap);
				if (rc == 0 || rc == -EBUSY)
					r->protected_now = rc == 0;
				rc = rc == -EBUSY ? 0 : rc;
			}
			rbd_close(gimg);
		}
		pthread_mutex_unlock(&golden_lock);
		if (rc == 0)
			rc = rbd_clone3(gio, g->image, g->snap, io, r->vol.image, opts);
	}
	rbd_image_options_destroy(opts);
	rados_ioctx_destroy(gio);
	if (rc < 0 && rc != -EEXIST)
		snprintf(r->why, sizeof(r->why), "cannot clone %s/%s@%s into %s/%s: %s", g->pool,
		         g->image, g->snap, r->vol.pool, r->vol.image, strerror(-rc));
	return rc;
}

static void open_work(struct job *j)
{
	struct open_req *r = (struct open_req *)j;
	struct store *st = r->st;
	rbd_image_options_t opts;
	int rc;

	rc = rados_ioctx_create(r->cl->h, r->vol.pool, &st->io);
	if (rc < 0) {
		snprintf(r->why, sizeof(r->why), "pool %s: %s", r->vol.pool, strerror(-rc));
		goto err_ioctx;
	}
	rc = rbd_open(st->io, r->vol.image, &st->img, NULL);
	if (rc == -ENOENT) {
		/* first use: never over an image that exists (EEXIST: another
		 * open made it meanwhile, so open that one) */
		if (r->golden.image[0]) {
			rc = clone_golden(r, st->io);
			r->made = rc == 0 ? 2 : 0;
		} else {
			rbd_image_options_create(&opts);
			rc = rbd_create4(st->io, r->vol.image, r->want, opts);
			rbd_image_options_destroy(opts);
			r->made = rc == 0 ? 1 : 0;
			if (rc < 0 && rc != -EEXIST)
				snprintf(r->why, sizeof(r->why), "cannot create %s/%s: %s",
				         r->vol.pool, r->vol.image, strerror(-rc));
		}
		if (rc < 0 && rc != -EEXIST)
			goto err_open;
		rc = rbd_open(st->io, r->vol.image, &st->img, NULL);
	}
	if (rc < 0) {
		snprintf(r->why, sizeof(r->why), "cannot open %s/%s: %s", r->vol.pool, r->vol.image,
		         strerror(-rc));
		goto err_open;
	}
	rc = rbd_get_size(st->img, &st->size);
	/* a clone keeps all of the golden image; a node given a larger size
	 * grows its image; nothing is ever shrunk */
	if (rc == 0 && st->size < r->want) {
		rc = rbd_resize(st->img, r->want);
		if (rc == 0) {
			st->size = r->want;
			r->grown = 1;
		}
	}
	if (rc < 0) {
		snprintf(r->why, sizeof(r->why), "%s/%s: cannot size: %s", r->vol.pool,
		         r->vol.image, strerror(-rc));
		goto err_size;
	}
	r->rc = 0;
	return;

err_size:
	rbd_close(st->img);
err_open:
	rados_ioctx_destroy(st->io);
err_ioctx:
	r->rc = rc;
}

static void store_on_resize_msg(struct msg *m);

static void open_after(struct msg *m)
{
	struct open_req *r = (struct open_req *)m;
	struct store *st = r->st;

	rb.njobs--;
	if (r->rc < 0) {
		if (r->rc == -ESHUTDOWN)
			cluster_blocklisted(r->cl);
		cluster_put(r->cl);
		open_fail(r, r->rc, r->why);
		maybe_finish();
		return;
	}
	rb.opens_ok++;
	if (r->made == 1) {
		rb.created++;
		log_info("rbd: created %s/%s, %" PRIu64 " bytes", r->vol.pool, r->vol.image,
		         r->want);
	} else if (r->made == 2) {
		rb.cloned++;
		log_info("rbd: cloned %s/%s from %s/%s@%s%s", r->vol.pool, r->vol.image,
		         r->golden.pool, r->golden.image, r->golden.snap,
		         r->protected_now ? " (snapshot protected first)" : "");
	}
	if (r->grown)
		log_info("rbd: grew %s/%s to the node's %" PRIu64 " bytes", r->vol.pool,
		         r->vol.image, r->want);
	st->cl = r->cl; /* the open's reference becomes the image's */
	st->resize_msg.fn = store_on_resize_msg;
	st->next = rb.stores;
	rb.stores = st;
	rb.nstores++;
	r->cb(st, 0, r->data);
	free(r);
}

static void open_fail(struct open_req *r, int rc, const char *why)
{
	rb.opens_failed++;
	log_err("rbd: volume %s/%s: %s", r->vol.pool, r->vol.image,
	        why && why[0] ? why : strerror(-rc));
	r->cb(NULL, rc, r->data);
	free(r->st);
	free(r);
}

static void open_dispatch(struct open_req *r)
{
	r->cl = rb.cur;
	r->cl->refs++;
	r->job.work = open_work;
	r->job.m.fn = open_after;
	job_queue(&r->job);
}

static int store_rbd_open(uv_loop_t *loop, const char *name, uint64_t size, store_open_cb cb,
                          void *data)
{
	struct open_req *r;

	(void)loop;
	if (!rb.started || rb.closing)
		return -ESHUTDOWN;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->st = calloc(1, sizeof(*r->st));
	if (!r->st) {
		free(r);
		return -ENOMEM;
	}
	if (imgspec_parse(name, rb.pool, &r->vol) < 0 || r->vol.snap[0]) {
		free(r->st);
		free(r);
		return -EINVAL;
	}
	snprintf(r->st->pool, sizeof(r->st->pool), "%s", r->vol.pool);
	snprintf(r->st->name, sizeof(r->st->name), "%s", r->vol.image);
	r->golden = rb.golden;
	r->want = size;
	r->cb = cb;
	r->data = data;
	if (rb.cur) {
		open_dispatch(r);
		return 0;
	}
	if (rb.down_logged) {
		/* the last attempt failed: refuse now rather than hold the
		 * login past its own timeout; try again in the background */
		log_err("rbd: volume %s/%s: the Ceph cluster is unreachable (%s)", r->vol.pool,
		        r->vol.image, rb.last_why);
		rb.opens_failed++;
		free(r->st);
		free(r);
		connect_start();
		return -EHOSTDOWN;
	}
	/* no connection yet: wait for the attempt under way */
	if (rb.waiting_tail)
		rb.waiting_tail->next = r;
	else
		rb.waiting = r;
	rb.waiting_tail = r;
	connect_start();
	return 0;
}

/* ---- resize notices ----------------------------------------------------- */

struct size_job {
	struct job job;
	struct store *st;
	uint64_t size;
	int rc;
};

/* librbd's thread: the image header changed (a resize, a snapshot, ...). */
static void store_on_update(void *arg)
{
	struct store *st = arg;
	int queue;

	pthread_mutex_lock(&rb.lock);
	queue = !st->resize_queued;
	st->resize_queued = 1;
	pthread_mutex_unlock(&rb.lock);
	if (queue)
		post(&st->resize_msg);
}

static void size_work(struct job *j)
{
	struct size_job *s = (struct size_job *)j;

	s->rc = rbd_get_size(s->st->img, &s->size);
}

static void store_close_now(struct store *st);

static void size_after(struct msg *m)
{
	struct size_job *s = (struct size_job *)m;
	struct store *st = s->st;

	rb.njobs--;
	st->jobs--;
	if (s->rc == 0 && !st->closing && s->size != st->size) {
		rb.resizes++;
		log_notice("rbd: %s/%s is now %" PRIu64 " bytes (was %" PRIu64 ")", st->pool,
		           st->name, s->size, st->size);
		st->size = s->size;
		if (st->resize_cb)
			st->resize_cb(st->resize_data, s->size);
	}
	free(s);
	if (st->closing && st->jobs == 0)
		store_close_now(st);
}

static void store_on_resize_msg(struct msg *m)
{
	struct store *st = (struct store *)((char *)m - offsetof(struct store, resize_msg));
	struct size_job *s;

	pthread_mutex_lock(&rb.lock);
	st->resize_queued = 0;
	pthread_mutex_unlock(&rb.lock);
	if (st->closing)
		return;
	s = calloc(1, sizeof(*s));
	if (!s)
		return;
	s->st = st;
	s->job.work = size_work;
	s->job.m.fn = size_after;
	st->jobs++;
	job_queue(&s->job);
}

static void store_rbd_watch(struct store *st, store_resize_cb cb, void *data)
{
	st->resize_cb = cb;
	st->resize_data = data;
	/* local to the client: registers a callback, no round trip */
	if (!st->watching && rbd_update_watch(st->img, &st->watch, store_on_update, st) == 0)
		st->watching = 1;
}

/* ---- I/O ---------------------------------------------------------------- */

static void store_rbd_on_complete(rbd_completion_t c, void *arg);

/*
 * librbd's mismatch_off as an offset from the request's first byte.
 * librbd 1.16 maps the OSD's cmpext offset, which counts from the compared
 * extent, as if it counted from the object: a mismatch at byte 5 of a
 * compare at 4 MiB + 2048 comes back as 4 MiB + 5.  Either way (that, or
 * a true image offset) the base is sector-aligned and so is the request
 * (submit sees to it), so the offset within the sector is the answer.
 */
static uint64_t caw_mismatch(uint64_t m)
{
	return m % CAW_SPAN;
}

static void req_done(struct msg *m)
{
	struct req *q = (struct req *)m;
	struct store_io *io = q->io;
	struct store *st = io->st;

	if (q->rc >= 0 && io->fua && !q->flushing &&
	    (io->op == STORE_WRITE || io->op == STORE_WRITESAME || io->op == STORE_CAW)) {
		/* FUA: the write, then a flush (librbd's cache may hold it) */
		rbd_completion_t c;

		q->flushing = 1;
		if (rbd_aio_create_completion(q, store_rbd_on_complete, &c) == 0) {
			TSAN_RELEASE(q);
			if (rbd_aio_flush(st->img, c) == 0)
				return;
			rbd_aio_release(c);
		}
		q->rc = -EIO;
	}
	io->rc = q->rc < 0 ? q->rc : 0;
	if (q->rc == -EILSEQ && io->op == STORE_CAW && !q->flushing) {
		/* a miscompare is an answer, not a failure */
		rb.miscompares++;
		io->miscompare = caw_mismatch(q->mismatch);
	} else if (q->rc < 0) {
		rb.errors[io->op]++;
		if (q->rc == -ESHUTDOWN)
			cluster_blocklisted(st->cl);
	}
	free(q);
	st->inflight--;
	io->cb(io);
}

/* librbd's thread (or the caller's, for a request that fails at once). */
static void store_rbd_on_complete(rbd_completion_t c, void *arg)
{
	struct req *q = arg;
	ssize_t rc = rbd_aio_get_return_value(c);

	TSAN_ACQUIRE(q);
	rbd_aio_release(c);
	/* a read's value is the bytes read: librbd fills a short read past
	 * the image's end with zeroes, and ranges are checked at submit */
	q->rc = rc < 0 ? (int)rc : 0;
	post(&q->m);
}

/* GET LBA STATUS: the extents librbd knows are allocated (this image or
 * its parent), from the first byte on. */
struct diff_walk {
	uint64_t off, end;
	uint64_t first; /* start of the first allocated extent at or after off */
	uint64_t run_end;
	int found;
};

static int diff_on_extent(uint64_t off, size_t len, int exists, void *arg)
{
	struct diff_walk *w = arg;
	uint64_t end = off + len;

	if (!exists || end <= w->off)
		return 0;
	if (off < w->off)
		off = w->off;
	if (!w->found) {
		w->found = 1;
		w->first = off;
		w->run_end = end;
		return 0;
	}
	if (off <= w->run_end && end > w->run_end)
		w->run_end = end;
	else if (off > w->run_end)
		return -ECANCELED; /* the run has ended: enough */
	return 0;
}

static void status_work(struct job *j)
{
	struct req *q = (struct req *)((char *)j - offsetof(struct req, job));
	struct store_io *io = q->io;
	uint64_t span = io->len < STATUS_SPAN ? io->len : STATUS_SPAN;
	struct diff_walk w = {.off = io->off, .end = io->off + span};
	int rc;

	rc = rbd_diff_iterate2(io->st->img, NULL, io->off, span, 1, 1, diff_on_extent, &w);
	if (rc < 0 && rc != -ECANCELED) {
		q->rc = rc;
		return;
	}
	q->rc = 0;
	if (w.found && w.first == io->off) {
		io->mapped = 1;
		io->run = (w.run_end < w.end ? w.run_end : w.end) - io->off;
	} else {
		io->mapped = 0;
		io->run = (w.found ? w.first : w.end) - io->off;
	}
}

static void status_after(struct msg *m)
{
	struct req *q = (struct req *)((char *)m - offsetof(struct req, job.m));

	rb.njobs--;
	q->io->st->jobs--;
	req_done(&q->m);
}

static int store_rbd_submit(struct store *st, struct store_io *io)
{
	rbd_completion_t c;
	struct req *q;
	int rc;

	if (st->closing)
		return -ESHUTDOWN;
	if ((unsigned)io->op >= STORE_NOPS)
		return -EINVAL;
	if (io->op != STORE_FLUSH && (io->off > st->size || io->len > st->size - io->off))
		return -ERANGE;
	if (io->op == STORE_WRITESAME && (!io->plen || io->len % io->plen))
		return -EINVAL;
	/* librbd refuses (-EINVAL, asynchronously) a compare-and-write that
	 * leaves one sector: let the caller emulate that one */
	if (io->op == STORE_CAW && (io->off % CAW_SPAN || io->len > CAW_SPAN))
		return -EOPNOTSUPP;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->io = io;
	q->m.fn = req_done;
	io->st = st;
	io->rc = 0;
	io->nowait = 0;
	io->run = 0;
	io->mapped = 0;
	io->miscompare = 0;
	st->inflight++;
	if (io->op != STORE_FLUSH && io->len == 0) {
		/* nothing to do, and librbd never sees it */
		post(&q->m);
		return 0;
	}
	rb.requests[io->op]++;
	if (io->op == STORE_STATUS) {
		q->job.work = status_work;
		q->job.m.fn = status_after;
		st->jobs++;
		job_queue(&q->job);
		return 0;
	}
	rc = rbd_aio_create_completion(q, store_rbd_on_complete, &c);
	if (rc < 0)
		goto err_completion;
	TSAN_RELEASE(q);
	switch (io->op) {
	case STORE_READ: rc = rbd_aio_read(st->img, io->off, io->len, io->buf, c); break;
	case STORE_WRITE: rc = rbd_aio_write(st->img, io->off, io->len, io->buf, c); break;
	case STORE_FLUSH: rc = rbd_aio_flush(st->img, c); break;
	case STORE_WRITESAME:
		rc = rbd_aio_writesame(st->img, io->off, io->len, io->buf, io->plen, c, 0);
		break;
	case STORE_CAW:
		rc = (int)rbd_aio_compare_and_write(st->img, io->off, io->len, io->cmp, io->buf, c,
		                                    &q->mismatch, 0);
		break;
	default: rc = rbd_aio_discard(st->img, io->off, io->len, c); break;
	}
	if (rc < 0) {
		rbd_aio_release(c);
		goto err_completion;
	}
	return 0;

err_completion:
	rb.errors[io->op]++;
	st->inflight--;
	free(q);
	return rc;
}

static uint64_t store_rbd_size(const struct store *st)
{
	return st->size;
}

static unsigned store_rbd_busy(const struct store *st)
{
	return st->inflight;
}

/* ---- closing ------------------------------------------------------------ */

static void close_work(struct job *j)
{
	struct store *st = (struct store *)((char *)j - offsetof(struct store, close_job));

	/* unwatch waits for a callback in progress: none comes after */
	if (st->watching)
		rbd_update_unwatch(st->img, st->watch);
	rbd_close(st->img);
	rados_ioctx_destroy(st->io);
}

static void close_after(struct msg *m)
{
	struct store *st = (struct store *)((char *)m - offsetof(struct store, close_job.m));
	struct store **pp;

	rb.njobs--;
	for (pp = &rb.stores; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	rb.nstores--;
	cluster_put(st->cl);
	free(st);
	maybe_finish();
}

static void store_close_now(struct store *st)
{
	st->close_job.work = close_work;
	st->close_job.m.fn = close_after;
	job_queue(&st->close_job);
}

static void store_rbd_vol_close(struct store *st)
{
	if (!st || st->closing)
		return;
	st->closing = 1;
	if (st->jobs == 0)
		store_close_now(st);
}

/* ---- the backend -------------------------------------------------------- */

static int set_golden(const char *pool, const char *golden)
{
	struct imgspec g = {0};

	if (!imgspec_name_valid(pool))
		return -EINVAL;
	if (golden && (imgspec_parse(golden, pool, &g) < 0 || !g.snap[0]))
		return -EINVAL;
	snprintf(rb.pool, sizeof(rb.pool), "%s", pool);
	rb.golden = g;
	return 0;
}

static void store_rbd_close(void);

static int store_rbd_setup(uv_loop_t *loop, const struct store_rbd_conf *rc)
{
	int i, err;

	if (rb.started)
		return -EALREADY;
	if (!rc->ceph_conf || strlen(rc->ceph_conf) >= sizeof(rb.conf_path) || !rc->client ||
	    strlen(rc->client) >= sizeof(rb.client) - 8 ||
	    (rc->keyring && strlen(rc->keyring) >= sizeof(rb.keyring)))
		return -ENAMETOOLONG;
	err = set_golden(rc->pool, rc->golden);
	if (err < 0)
		return err;
	snprintf(rb.conf_path, sizeof(rb.conf_path), "%s", rc->ceph_conf);
	snprintf(rb.client, sizeof(rb.client), "%s", rc->client);
	snprintf(rb.keyring, sizeof(rb.keyring), "%s", rc->keyring ? rc->keyring : "");
	rb.timeout = rc->timeout > 0 ? rc->timeout : 30;
	rb.loop = loop;
	rb.quit = 0;
	rb.closing = rb.closed = 0;
	err = uv_async_init(loop, &rb.async, async_on_event);
	if (err < 0)
		return err;
	uv_timer_init(loop, &rb.retry);
	pthread_mutex_lock(&rb.lock);
	rb.async_live = 1;
	pthread_mutex_unlock(&rb.lock);
	for (i = 0; i < RB_THREADS; i++) {
		err = pthread_create(&rb.threads[i], NULL, thread_main, NULL);
		if (err) {
			log_err("rbd: cannot start a thread: %s", strerror(err));
			break;
		}
		rb.nthreads++;
	}
	rb.started = 1;
	if (rb.nthreads == 0) {
		store_rbd_close();
		return -err;
	}
	connect_start();
	return 0;
}

/* The backend's settings, from storage.* */
static void rbd_conf_of(const struct conf *c, struct store_rbd_conf *rc)
{
	*rc = (struct store_rbd_conf){
	        .ceph_conf = c->storage.ceph_conf,
	        .client = c->storage.client,
	        .keyring = c->storage.keyring,
	        .pool = c->storage.pool,
	        .golden = c->storage.golden,
	        .timeout = c->storage.timeout,
	};
}

static int store_rbd_start(uv_loop_t *loop, const struct conf *c)
{
	struct store_rbd_conf rc;

	rbd_conf_of(c, &rc);
	return store_rbd_setup(loop, &rc);
}

/* New opens use the new pool and golden snapshot; the connection's
 * settings are restart-only (conf.c). */
static void store_rbd_reload(const struct conf *old, const struct conf *nc)
{
	(void)old;
	set_golden(nc->storage.pool, nc->storage.golden);
}

static void handle_on_close(uv_handle_t *h)
{
	(void)h;
}

/* Once stopping and nothing is left: the threads, then the handles. */
static void maybe_finish(void)
{
	int i;

	if (!rb.closing || rb.closed || rb.nstores || rb.njobs || rb.connecting)
		return;
	rb.closed = 1;
	pthread_mutex_lock(&rb.lock);
	rb.quit = 1;
	rb.async_live = 0;
	pthread_cond_broadcast(&rb.cond);
	pthread_mutex_unlock(&rb.lock);
	/* idle threads: they return at once */
	for (i = 0; i < rb.nthreads; i++)
		pthread_join(rb.threads[i], NULL);
	rb.nthreads = 0;
	uv_close((uv_handle_t *)&rb.async, handle_on_close);
	uv_close((uv_handle_t *)&rb.retry, handle_on_close);
	rb.started = 0;
}

static void store_rbd_close(void)
{
	struct open_req *r, *next;
	struct cluster *cl = rb.cur;

	if (!rb.started || rb.closing)
		return;
	rb.closing = 1;
	uv_timer_stop(&rb.retry);
	rb.cur = NULL;
	rb.up = 0;
	r = rb.waiting;
	rb.waiting = rb.waiting_tail = NULL;
	for (; r; r = next) {
		next = r->next;
		open_fail(r, -ESHUTDOWN, "the backend is stopping");
	}
	cluster_put(cl);
	maybe_finish();
}

static void store_rbd_metrics(struct buf *b)
{
	size_t i;

	metrics_family(b, "rackboot_rbd_up", "gauge",
	               "1 while the Ceph cluster connection works (the last attempt succeeded).");
	metrics_sample(b, "rackboot_rbd_up", NULL, rb.up);
	metrics_family(b, "rackboot_rbd_images_open", "gauge", "RBD images open for volumes.");
	metrics_sample(b, "rackboot_rbd_images_open", NULL, rb.nstores);
	metrics_family(b, "rackboot_rbd_requests_total", "counter",
	               "Requests handed to librbd, by operation (zero-length ones never are).");
	for (i = 0; i < STORE_NOPS; i++) {
		const char *l[] = {"op", op_names[i], NULL};

		metrics_sample(b, "rackboot_rbd_requests_total", l, (double)rb.requests[i]);
	}
	metrics_family(b, "rackboot_rbd_request_errors_total", "counter",
	               "librbd requests that failed (timeouts included), by operation.");
	for (i = 0; i < STORE_NOPS; i++) {
		const char *l[] = {"op", op_names[i], NULL};

		metrics_sample(b, "rackboot_rbd_request_errors_total", l, (double)rb.errors[i]);
	}
	metrics_family(b, "rackboot_rbd_miscompares_total", "counter",
	               "COMPARE AND WRITE requests librbd found different (nothing written).");
	metrics_sample(b, "rackboot_rbd_miscompares_total", NULL, (double)rb.miscompares);
	metrics_family(b, "rackboot_rbd_connects_total", "counter",
	               "Attempts to connect to the Ceph cluster, by result.");
	{
		const char *ok[] = {"result", "ok", NULL}, *bad[] = {"result", "failed", NULL};

		metrics_sample(b, "rackboot_rbd_connects_total", ok, (double)rb.connects_ok);
		metrics_sample(b, "rackboot_rbd_connects_total", bad, (double)rb.connects_failed);
	}
	metrics_family(b, "rackboot_rbd_opens_total", "counter",
	               "Volume opens, by result; images made on first use, by how.");
	{
		const char *ok[] = {"result", "ok", NULL}, *bad[] = {"result", "failed", NULL};
		const char *cr[] = {"result", "created", NULL}, *cl[] = {"result", "cloned", NULL};

		metrics_sample(b, "rackboot_rbd_opens_total", ok, (double)rb.opens_ok);
		metrics_sample(b, "rackboot_rbd_opens_total", bad, (double)rb.opens_failed);
		metrics_sample(b, "rackboot_rbd_opens_total", cr, (double)rb.created);
		metrics_sample(b, "rackboot_rbd_opens_total", cl, (double)rb.cloned);
	}
	metrics_family(b, "rackboot_rbd_resizes_total", "counter",
	               "Capacity changes noticed on open images.");
	metrics_sample(b, "rackboot_rbd_resizes_total", NULL, (double)rb.resizes);
}

/* ---- rackboot -t --online ----------------------------------------------- */

static int rbd_online(const struct store_rbd_conf *rc, const char *cfg_path, FILE *out)
{
	char why[RB_WHY];
	struct imgspec g;
	rados_ioctx_t io;
	rbd_image_t img;
	rados_t h;
	uint64_t size = 0;
	int err, failed = 0, prot = 0;

	err = cluster_connect(rc->ceph_conf, rc->client, rc->keyring, rc->timeout, &h, why,
	                      sizeof(why));
	if (err < 0) {
		fprintf(out, "%s: error: storage: the Ceph cluster: %s\n", cfg_path, why);
		return 1;
	}
	fprintf(out, "%s: storage: connected to the Ceph cluster as client.%s\n", cfg_path,
	        rc->client);
	err = rados_ioctx_create(h, rc->pool, &io);
	if (err < 0) {
		fprintf(out, "%s: error: storage: pool %s: %s\n", cfg_path, rc->pool,
		        strerror(-err));
		failed++;
	} else {
		fprintf(out, "%s: storage: pool %s is there\n", cfg_path, rc->pool);
		rados_ioctx_destroy(io);
	}
	if (rc->golden && imgspec_parse(rc->golden, rc->pool, &g) == 0) {
		err = rados_ioctx_create(h, g.pool, &io);
		if (err == 0) {
			err = rbd_open_read_only(io, g.image, &img, g.snap);
			if (err == 0) {
				err = rbd_get_size(img, &size);
				if (err == 0)
					rbd_snap_is_protected(img, g.snap, &prot);
				rbd_close(img);
			}
			rados_ioctx_destroy(io);
		}
		if (err < 0) {
			fprintf(out, "%s: error: storage: golden snapshot %s/%s@%s: %s\n", cfg_path,
			        g.pool, g.image, g.snap, strerror(-err));
			failed++;
		} else {
			fprintf(out,
			        "%s: storage: golden snapshot %s/%s@%s is there (%" PRIu64
			        " MiB%s)\n",
			        cfg_path, g.pool, g.image, g.snap, size >> 20,
			        prot ? ", protected" : "");
		}
	}
	rados_shutdown(h);
	return failed;
}

static int store_rbd_online(const struct conf *c, FILE *out)
{
	struct store_rbd_conf rc;

	rbd_conf_of(c, &rc);
	return rbd_online(&rc, c->path, out);
}

static const struct store_ops store_rbd_ops = {
        .name = "rbd",
        .start = store_rbd_start,
        .reload = store_rbd_reload,
        .stop = store_rbd_close,
        .metrics = store_rbd_metrics,
        .online = store_rbd_online,
        .open = store_rbd_open,
        .size = store_rbd_size,
        .submit = store_rbd_submit,
        .busy = store_rbd_busy,
        .close = store_rbd_vol_close,
        .watch = store_rbd_watch,
};

/* The module's one entry point (store.h). */
const struct store_module *rackboot_store_module_v1(void)
{
	static const struct store_module m = {
	        .abi = STORE_MODULE_ABI,
	        .version = RACKBOOT_VERSION,
	        .ops = &store_rbd_ops,
	};

	return &m;
}
