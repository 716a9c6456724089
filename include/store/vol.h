/* SPDX-License-Identifier: MIT */
/*
 * vol.h - the volume table: each node's volume, opened once through the
 * backend that storage.backend names (store.h) however many sessions use
 * it, and shown to the initiators as one SCSI logical unit (scsi.h).
 * Owns the open volumes, the backend's start and stop, and the turns that
 * COMPARE AND WRITE takes per volume.  Runs on the loop; knows nothing of
 * iSCSI beyond the waiters it is handed.
 */
#ifndef RACKBOOT_VOL_H
#define RACKBOOT_VOL_H

#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "scsi/scsi.h"
#include "store/store.h"

#define VOL_BLOCK_SIZE 512

struct buf;
struct conf;

/*
 * Someone waiting on a volume: for its open (vol_wait), or for its turn
 * (vol_turn_take).  Owner: whoever embeds it; linked by the volume while
 * it waits.
 */
struct vol_waiter {
	struct vol_waiter *next;
	/* the open finished: @p ok is 1 if the volume is ready */
	void (*on_open)(struct vol_waiter *w, int ok);
};

/* A volume in use.  Owner: the volume table; refs counts its users (a
 * session, a command with I/O in flight, an open in progress). */
struct vol {
	struct vol *next;
	char name[65];
	const struct store_ops *ops; /* the backend it was opened with */
	struct store *st;
	struct scsi_lun lun;
	int ready;
	int failed;
	unsigned refs;
	struct vol_waiter *waiting;   /* for the open */
	struct vol_waiter *turn_wait; /* for the turn, oldest first */
	int turn_busy;
};

/** Choose and start the backend of storage.backend in @p c.  @ret 0 or
 *  -errno, logged. */
int vol_start(uv_loop_t *loop, const struct conf *c);

/** storage.* of @p nc applies to volumes opened from now on. */
void vol_reload(const struct conf *old, const struct conf *nc);

/** Stop the backend once the volumes still in use are closed. */
void vol_stop(void);

/** The backend's counters for /metrics (nothing before vol_start). */
void vol_metrics(struct buf *b);

/** Volume opens that failed since start. */
uint64_t vol_open_failures(void);

/** `rackboot -t --online` for the backend of @p c; @ret checks failed. */
int vol_online(const struct conf *c, FILE *out);

/** The volume @p name of @p size bytes, opened (or opening) with a
 *  reference for the caller.  @ret NULL when out of memory. */
struct vol *vol_get(const char *name, uint64_t size);

/** Drop one reference (NULL: nothing); the last one closes the volume. */
void vol_put(struct vol *v);

/** Have @p w->on_open called once @p v is open or has failed (not called
 *  from here if that is already known: check v->ready and v->failed). */
void vol_wait(struct vol *v, struct vol_waiter *w);

/** Stop waiting for the open (nothing if @p w is not waiting). */
void vol_unwait(struct vol *v, struct vol_waiter *w);

/** Take @p v's turn: @ret 1 if it is @p w's now, 0 if @p w is queued. */
int vol_turn_take(struct vol *v, struct vol_waiter *w);

/** The holder is done: @ret the queued waiter that holds the turn now, or
 *  NULL (the turn is free). */
struct vol_waiter *vol_turn_pass(struct vol *v);

#endif
