/* SPDX-License-Identifier: MIT */
/*
 * dhcp_int.h - what the DHCP server's files (dhcp.c, the requests and the
 * sockets; dhcp_commit.c, the group commit and the journal thread) share.
 * Not for other subsystems: they see dhcp.h and inventory.h.  Every
 * function here runs on the loop thread unless its comment says otherwise.
 */
#ifndef RACKBOOT_DHCP_INT_H
#define RACKBOOT_DHCP_INT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "dhcp/dhcp_boot.h"
#include "dhcp/journal.h"
#include "dhcp/lease.h"

/* Why a request was not answered; each is counted. */
enum drop {
	DROP_PARSE,        /* detail in parse_errs */
	DROP_NOT_REQUEST,  /* op BOOTREPLY */
	DROP_INTERFACE,    /* arrived on an interface not served */
	DROP_NO_POOL,      /* no pool for the arrival interface or giaddr */
	DROP_UNKNOWN,      /* unknown machine, policy ignore / boot-only */
	DROP_OTHER_SERVER, /* REQUEST for another server's offer */
	DROP_NO_ADDRESS,   /* pool exhausted */
	DROP_NOT_OURS,     /* not authoritative, no record: stay silent */
	DROP_PROXY,        /* proxy mode, not a boot client */
	DROP_COMMIT,       /* the journal could not be written */
	DROP_NEW_LEASE,    /* the pool's new-lease limit ran out (starvation) */
	DROP_N
};

/* A reply waiting for its batch to be durable. */
struct pending {
	struct sockaddr_in to;
	int ifindex;
	uint32_t src;
	uint16_t len;
	uint8_t type; /* enum dhcp_type, for the counters */
	uint8_t pkt[DHCP_MAX_REPLY];
};

/* What a send_all() sent, for the counters and the log of the loop. */
struct txcount {
	uint64_t sent, type[9];
	size_t failed;
	int err;               /* errno of the last failure */
	struct sockaddr_in to; /* its destination */
};

/* ---- dhcp.c, for dhcp_commit.c ------------------------------------------ */

/** Send the @p n replies of @p v out of @p fd, up to 64 per sendmmsg(2),
 *  counting in @p c.  Touches nothing else: the journal thread calls it. */
void dhcp_send_all(int fd, struct pending *const *v, size_t n, struct txcount *c);

/** Add what @p c counted to the counters, log what could not be sent, and
 *  clear @p c. */
void dhcp_tx_account(struct txcount *c);

/** Count @p n requests dropped for @p why (without logging them). */
void dhcp_count_drops(enum drop why, size_t n);

/** Non-zero while port 67 is read on the busy tick, whose every run
 *  flushes the open batch (so nothing else needs to). */
int dhcp_rx_ticking(void);

/* ---- dhcp_commit.c: the group commit ---------------------------------- */

/** Counters of the group commit, for the metrics and the state dump. */
struct dhcp_commit_stats {
	uint64_t commits, committed, commit_max;
	uint64_t compactions;
};

/** Take over journal @p jr (replayed into @p db, which stays dhcp.c's and
 *  must outlive dhcp_commit_close()). */
void dhcp_commit_init(struct lease_db *db, struct journal *jr);

/** Start the journal thread with its own dup of @p fd (port 67's socket,
 *  which the loop may then close at any time).  @ret rc 0 or -errno */
int dhcp_commit_start(uv_loop_t *loop, int fd);

/** Record a lease change: in the lease table now, in the journal with the
 *  open batch.  @ret rc 0 or -ENOMEM */
int dhcp_commit_lease(const uint8_t mac[MAC_LEN], uint32_t ip, int64_t expires, int state);

/** Queue @p p (malloc'ed; the batch owns it from here on success) to be
 *  sent once the open batch is durable.  @ret rc 0 or -ENOMEM */
int dhcp_commit_reply(struct pending *p);

/** Start writing the open batch, unless a write is already under way. */
void dhcp_commit_flush(void);

/** After a burst: flush now if the batch is large, else soon. */
void dhcp_commit_soon(void);

/** Collect the journal thread's finished job, if there is one. */
void dhcp_commit_reap(void);

/** The server is stopping: write and answer what is decided. */
void dhcp_commit_stop(void);

/** Batches waiting for or under commit. */
unsigned dhcp_commit_busy(void);

/** The counters. */
const struct dhcp_commit_stats *dhcp_commit_stats(void);

/** End the journal thread (waiting for a job cut short), free the
 *  batches, close the journal.  Safe when never started. */
void dhcp_commit_close(void);

#endif
