/* SPDX-License-Identifier: MIT */
/*
 * dhcp_commit.c - DHCP's group commit: the open batch of lease changes and
 * the replies that wait for them, the journal thread that makes a batch
 * durable, and compaction of the journal.
 *
 * Threads.  Two touch this state.  The loop thread changes leases
 * (dhcp_commit_lease), queues ACKs (dhcp_commit_reply), hands the open
 * batch over (dhcp_commit_flush) and collects finished jobs
 * (dhcp_commit_reap).  The journal thread runs one job at a time, given
 * under jt.mu: it appends the committing batch to the journal, fdatasyncs
 * it, and then sends the batch's ACKs itself, on its own dup of port 67's
 * socket (dhcp_send_all touches nothing else), so an ACK leaves the moment
 * its lease is durable and the loop is not woken just to send it; or it
 * rewrites the journal from a snapshot (compaction).  While a job is given
 * (gc.work_busy) the loop leaves the journal, the committing batch and the
 * snapshot alone; the thread touches nothing else of the process - not
 * the lease table, the counters or the configuration.  It wakes the loop
 * (uv_async_send) only when asked or when the job failed or compacted;
 * otherwise the loop collects the result at its next commit or tick.
 *
 * This file must not parse or build packets (dhcp.c and dhcp_msg.c do);
 * it owns the journal from dhcp_commit_init() to dhcp_commit_close().
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/server.h"
#include "dhcp/journal.h"
#include "dhcp/lease.h"
#include "dhcp_int.h"

#define COMPACT_MIN   (1u << 20) /* a smaller journal is never compacted */
#define COMMIT_WINDOW 1          /* ms a small batch waits for company before its sync */
#define COMMIT_FULL   256        /* lease changes that start a sync at once */

/* Lease changes and the replies that must wait for them. */
struct batch {
	struct lease_rec *recs;
	size_t nrecs, caprecs;
	struct pending **replies;
	size_t nreplies, capreplies;
	struct txcount tx; /* its replies, once the journal thread sent them */
};

/*
 * The journal thread: appends and syncs the committing batch (or writes a
 * compaction), then sends the batch's ACKs itself - they may leave the
 * moment the sync returns, and the loop is not woken just to send them.
 * One job at a time, handed over under the mutex.  It tells the loop it is
 * done with an uv_async_send only when the loop asked (a batch waits for
 * the journal, or the server is stopping), or when the job failed or was a
 * compaction; otherwise the loop collects the result (counters, freeing)
 * at its next commit or tick.  Owner: this file; the fields below the
 * mutex are shared.
 */
static struct {
	uv_thread_t thread;
	uv_mutex_t mu;
	uv_cond_t cv;
	uv_async_t async;
	int started;
	int fd;     /* a dup of port 67's socket, closed by the thread */
	int job;    /* the loop gave a job (gc.committing or gc.snapshot) */
	int done;   /* the thread finished it; the loop has not collected it */
	int notify; /* the loop wants an async when the job is done */
	int exit;   /* dhcp_commit_close() ran: finish and clean up */
} jt = {.fd = -1};

/* The group commit.  Owner: this file; loop thread only, except what a
 * job given to the journal thread uses (the journal, the committing batch
 * or the snapshot), which the loop leaves alone while work_busy is set. */
static struct {
	struct lease_db *db; /* dhcp.c's lease table, borrowed */
	struct journal *jr;
	struct batch open, committing;
	uv_timer_t window; /* the commit window (COMMIT_WINDOW) */
	int window_init, window_armed;
	int work_busy; /* a job is the journal thread's (or done, not collected) */
	int work_rc;
	int stopping; /* dhcp_commit_stop() ran: every finished job wakes the loop */
	int compacting;
	uint64_t compact_check;     /* journal size at which to consider compacting */
	int closed;                 /* dhcp_commit_close() ran; late work just frees */
	struct lease_rec *snapshot; /* compaction input, owned until done */
	size_t nsnapshot;
	struct dhcp_commit_stats n;
} gc;

/* ---- the open batch and group commit ------------------------------------- */

static int batch_add_rec(struct batch *b, const struct lease_rec *r)
{
	if (b->nrecs == b->caprecs) {
		size_t cap = b->caprecs ? b->caprecs * 2 : 64;
		struct lease_rec *v = realloc(b->recs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->recs = v;
		b->caprecs = cap;
	}
	b->recs[b->nrecs++] = *r;
	return 0;
}

static int batch_add_reply(struct batch *b, struct pending *p)
{
	if (b->nreplies == b->capreplies) {
		size_t cap = b->capreplies ? b->capreplies * 2 : 64;
		struct pending **v = realloc(b->replies, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->replies = v;
		b->capreplies = cap;
	}
	b->replies[b->nreplies++] = p;
	return 0;
}

static void batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nreplies; i++)
		free(b->replies[i]);
	b->nrecs = 0;
	b->nreplies = 0;
	memset(&b->tx, 0, sizeof(b->tx));
}

static void batch_free(struct batch *b)
{
	batch_clear(b);
	free(b->recs);
	free(b->replies);
	memset(b, 0, sizeof(*b));
}

/* The journal thread's job: the only code off the loop.  It touches the
 * journal and the committing batch (or the snapshot), which the loop
 * leaves alone while work_busy is set, and sends on its own socket. */
static void journal_work(void)
{
	if (gc.compacting) {
		gc.work_rc = journal_compact(gc.jr, gc.snapshot, gc.nsnapshot);
		return;
	}
	gc.work_rc = journal_append(gc.jr, gc.committing.recs, gc.committing.nrecs);
	if (gc.work_rc == 0)
		gc.work_rc = journal_sync(gc.jr);
	/* Durable: now, and only now, the ACKs may leave. */
	if (gc.work_rc == 0)
		dhcp_send_all(jt.fd, gc.committing.replies, gc.committing.nreplies,
		              &gc.committing.tx);
}

static void journal_thread(void *arg)
{
	(void)arg;
	uv_mutex_lock(&jt.mu);
	for (;;) {
		while (!jt.job && !jt.exit)
			uv_cond_wait(&jt.cv, &jt.mu);
		if (!jt.job)
			break;
		uv_mutex_unlock(&jt.mu);
		journal_work();
		uv_mutex_lock(&jt.mu);
		jt.job = 0;
		if (jt.exit)
			break; /* dhcp_commit_close() is joining: it frees what the job used */
		jt.done = 1;
		/* Under the mutex, so dhcp_commit_close() cannot close the handle
		 * in between. */
		if (jt.notify || gc.work_rc < 0 || gc.compacting) {
			jt.notify = 0;
			uv_async_send(&jt.async);
		}
	}
	uv_mutex_unlock(&jt.mu);
	close(jt.fd);
}

static void maybe_compact(void);

/* The loop's half of a finished job: counters, logs, what comes next. */
static void work_done(void)
{
	gc.work_busy = 0;
	if (gc.compacting) {
		gc.compacting = 0;
		free(gc.snapshot);
		gc.snapshot = NULL;
		if (gc.work_rc < 0)
			log_err("dhcp: compacting the lease journal failed: %s; appending to the "
			        "old one",
			        strerror(-gc.work_rc));
		else
			gc.n.compactions++;
		/* Look again once the journal has doubled from here. */
		gc.compact_check = 2 * journal_size(gc.jr) > COMPACT_MIN ? 2 * journal_size(gc.jr)
		                                                         : COMPACT_MIN;
		dhcp_commit_flush();
		return;
	}
	if (gc.work_rc < 0) {
		/* Not durable: no ACK left.  The clients retry; the
		 * addresses stay held in memory so nobody else gets them. */
		log_err("dhcp: writing %zu lease changes to the journal failed: %s; their "
		        "%zu replies are not sent",
		        gc.committing.nrecs, strerror(-gc.work_rc), gc.committing.nreplies);
		dhcp_count_drops(DROP_COMMIT, gc.committing.nreplies);
	} else {
		gc.n.commits++;
		gc.n.committed += gc.committing.nrecs;
		if (gc.committing.nrecs > gc.n.commit_max)
			gc.n.commit_max = gc.committing.nrecs;
		dhcp_tx_account(&gc.committing.tx);
	}
	batch_clear(&gc.committing);
	maybe_compact();
	dhcp_commit_soon();
}

/* Collect the journal thread's finished job, if there is one. */
void dhcp_commit_reap(void)
{
	int done;

	if (!jt.started || gc.closed)
		return;
	uv_mutex_lock(&jt.mu);
	done = jt.done;
	jt.done = 0;
	uv_mutex_unlock(&jt.mu);
	if (done)
		work_done();
}

static void dhcp_commit_on_journal(uv_async_t *h)
{
	(void)h;
	dhcp_commit_reap();
}

/* Ask to be woken when the job in flight is done (collecting it now if it
 * already is). */
static void await_job(void)
{
	int done;

	uv_mutex_lock(&jt.mu);
	done = jt.done;
	jt.notify = !done;
	uv_mutex_unlock(&jt.mu);
	if (done)
		dhcp_commit_reap();
}

/* Give the journal thread the job set up in gc (committing or snapshot). */
static int give_job(void)
{
	if (!jt.started)
		return -ENOTCONN;
	assert(!gc.work_busy); /* one job at a time */
	gc.work_busy = 1;
	uv_mutex_lock(&jt.mu);
	jt.job = 1;
	jt.notify = gc.stopping;
	uv_cond_signal(&jt.cv);
	uv_mutex_unlock(&jt.mu);
	return 0;
}

/* Start writing the open batch, unless a write is already under way (then
 * its completion, or the next tick, starts the next one). */
void dhcp_commit_flush(void)
{
	struct batch t;

	if (gc.window_armed) {
		uv_timer_stop(&gc.window);
		gc.window_armed = 0;
	}
	dhcp_commit_reap();
	if (gc.open.nrecs == 0 && gc.open.nreplies == 0)
		return;
	if (gc.work_busy) {
		/* A tick comes soon anyway; otherwise nothing would. */
		if (!dhcp_rx_ticking())
			await_job();
		return;
	}
	t = gc.committing;
	gc.committing = gc.open;
	gc.open = t;
	if (give_job() < 0) {
		gc.work_busy = 0;
		log_err("dhcp: the journal thread is not running; %zu replies not sent",
		        gc.committing.nreplies);
		batch_clear(&gc.committing);
	}
}

static void dhcp_commit_on_window(uv_timer_t *t)
{
	(void)t;
	gc.window_armed = 0;
	dhcp_commit_flush();
}

/*
 * After a burst: sync now if the batch is large, else give it COMMIT_WINDOW
 * ms to grow.  At a few thousand requests a second most bursts hold one
 * request; without the window every ACK would cost a sync of its own.  The
 * price is at most 1 ms more before an ACK, nothing next to DHCP's timers.
 */
void dhcp_commit_soon(void)
{
	dhcp_commit_reap();
	if (gc.open.nrecs >= COMMIT_FULL || !gc.window_init) {
		dhcp_commit_flush();
		return;
	}
	if (dhcp_rx_ticking() || gc.window_armed || (gc.open.nrecs == 0 && gc.open.nreplies == 0))
		return;
	if (gc.work_busy) {
		/* Its completion starts the next. */
		await_job();
		return;
	}
	gc.window_armed = 1;
	uv_timer_start(&gc.window, dhcp_commit_on_window, COMMIT_WINDOW, 0);
}

static void snapshot_add(const struct lease *l, void *arg)
{
	struct lease_rec *r = &gc.snapshot[gc.nsnapshot];

	(void)arg;
	memcpy(r->mac, l->mac, MAC_LEN);
	r->ip = l->ip;
	r->expires = l->expires;
	r->state = l->state;
	gc.nsnapshot++;
}

static void count_lease(const struct lease *l, void *arg)
{
	(void)l;
	(*(size_t *)arg)++;
}

/*
 * Compact when the journal holds far more records than live leases.
 * Counting the live leases is O(leases), so it is done only when the journal
 * has reached gc.compact_check, which doubles each time nothing needed doing:
 * O(1) amortized per journal record, never a scan per commit.  The snapshot
 * is taken on the loop; the writing happens on the journal thread.
 */
static void maybe_compact(void)
{
	int64_t t = (int64_t)time(NULL);
	uint64_t size = journal_size(gc.jr);
	size_t live = 0;

	if (size < gc.compact_check)
		return;
	lease_db_foreach(gc.db, t, count_lease, &live);
	if (size < 4 * (live + 1) * JOURNAL_REC_SIZE) {
		gc.compact_check = 2 * size;
		return;
	}
	gc.snapshot = malloc((live + 1) * sizeof(*gc.snapshot));
	if (!gc.snapshot)
		return;
	gc.nsnapshot = 0;
	lease_db_foreach(gc.db, t, snapshot_add, NULL);
	gc.compacting = 1;
	if (give_job() < 0) {
		gc.work_busy = 0;
		gc.compacting = 0;
		free(gc.snapshot);
		gc.snapshot = NULL;
	}
}

/* Record a lease change: in memory now, in the journal with the batch. */
int dhcp_commit_lease(const uint8_t mac[MAC_LEN], uint32_t ip, int64_t expires, int state)
{
	struct lease_rec r;

	memcpy(r.mac, mac, MAC_LEN);
	r.ip = ip;
	r.expires = expires;
	r.state = (uint8_t)state;
	if (lease_db_apply(gc.db, server.conf, &r) < 0 || batch_add_rec(&gc.open, &r) < 0)
		return -ENOMEM;
	return 0;
}

/* The journal thread, with its own descriptor of port 67's socket so the
 * loop can close its own at any time. */
int dhcp_commit_start(uv_loop_t *loop, int fd)
{
	int rc;

	jt.fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (jt.fd < 0)
		return -errno;
	rc = uv_mutex_init(&jt.mu);
	if (rc < 0)
		goto err_mutex;
	rc = uv_cond_init(&jt.cv);
	if (rc < 0)
		goto err_cond;
	rc = uv_async_init(loop, &jt.async, dhcp_commit_on_journal);
	if (rc < 0)
		goto err_async;
	rc = uv_thread_create(&jt.thread, journal_thread, NULL);
	if (rc < 0)
		goto err_thread;
	jt.started = 1;
	rc = uv_timer_init(loop, &gc.window);
	if (rc < 0)
		return rc; /* dhcp_commit_close() ends the thread */
	gc.window_init = 1;
	return 0;

err_thread:
	uv_close((uv_handle_t *)&jt.async, NULL);
err_async:
	uv_cond_destroy(&jt.cv);
err_cond:
	uv_mutex_destroy(&jt.mu);
err_mutex:
	close(jt.fd);
	jt.fd = -1;
	return rc;
}

void dhcp_commit_init(struct lease_db *db, struct journal *jr)
{
	gc.db = db;
	gc.jr = jr;
	gc.compact_check = COMPACT_MIN;
}

int dhcp_commit_reply(struct pending *p)
{
	return batch_add_reply(&gc.open, p);
}

void dhcp_commit_stop(void)
{
	/* Changes already decided still get written and answered; the
	 * journal thread tells the loop about each job from now on. */
	gc.stopping = 1;
	if (gc.work_busy)
		await_job();
	dhcp_commit_flush();
}

unsigned dhcp_commit_busy(void)
{
	dhcp_commit_reap();
	return (unsigned)(gc.work_busy + (gc.open.nrecs || gc.open.nreplies));
}

const struct dhcp_commit_stats *dhcp_commit_stats(void)
{
	return &gc.n;
}

void dhcp_commit_close(void)
{
	int busy = 0;

	if (gc.window_init) {
		gc.window_init = 0;
		gc.window_armed = 0;
		uv_close((uv_handle_t *)&gc.window, NULL);
	}
	/* Close runs after stop() and the busy wait, so the journal thread
	 * is idle unless the shutdown timeout cut a job short.  Then the job
	 * (one append and fsync, or one compaction) is waited for: the
	 * process could not end before that thread anyway, and the loop
	 * stays the one owner of the journal, the batch and the snapshot,
	 * freed below on one path. */
	if (jt.started) {
		uv_mutex_lock(&jt.mu);
		jt.exit = 1;
		busy = jt.job;
		uv_cond_signal(&jt.cv);
		uv_mutex_unlock(&jt.mu);
		if (busy)
			log_warn("dhcp: waiting for the lease journal write in progress");
		uv_thread_join(&jt.thread);
		jt.started = 0;
		uv_close((uv_handle_t *)&jt.async, NULL);
	}
	gc.closed = 1;
	free(gc.snapshot);
	gc.snapshot = NULL;
	journal_close(gc.jr);
	gc.jr = NULL;
	batch_free(&gc.committing);
	batch_free(&gc.open);
	gc.db = NULL;
}
