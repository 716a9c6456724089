/* SPDX-License-Identifier: MIT */
/*
 * timeline.h - each machine's boot timeline: a bounded ring of events per
 * MAC (DHCP, TFTP, HTTP, iSCSI), for the log-free answer to "where did this
 * machine stop?" on /status and /api/nodes.  The store is pure (times are
 * passed in); the process keeps one, reached through timeline_note().
 */
#ifndef RACKBOOT_TIMELINE_H
#define RACKBOOT_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"

#define TL_RING   32 /* events kept per machine */
#define TL_DETAIL 96 /* bytes of detail text per event, with its NUL */

enum tl_kind {
	TL_DHCP_DISCOVER,
	TL_DHCP_OFFER,
	TL_DHCP_REQUEST,
	TL_DHCP_ACK,
	TL_DHCP_NAK,
	TL_DHCP_DECLINE,
	TL_DHCP_RELEASE,
	TL_DHCP_INFORM,
	TL_TFTP_DONE,
	TL_TFTP_FAILED,
	TL_HTTP_SCRIPT,
	TL_HTTP_ASSET,
	TL_HTTP_DENIED,
	TL_ISCSI_LOGIN,
	TL_ISCSI_LOGOUT,
	TL_KIND_N
};

struct tl_event {
	int64_t at_ms; /* wall clock, milliseconds since the epoch */
	enum tl_kind kind;
	char detail[TL_DETAIL];
};

/** The store.  Owner: whoever made it with timeline_new(). */
struct timeline;

/**
 * A store that keeps at most @p max_macs machines; when full, the machine
 * whose latest event is oldest is forgotten to make room.
 *
 * @ret tl	the store, or NULL (out of memory, or max_macs == 0)
 */
struct timeline *timeline_new(size_t max_macs);

void timeline_free(struct timeline *tl);

/**
 * Record an event for @p mac.  @p detail is copied, truncated to fit
 * (never in the middle of a UTF-8 sequence).  O(1) on average; O(max_macs)
 * when a machine must be forgotten.
 *
 * @ret rc	0 or -ENOMEM
 */
int timeline_add(struct timeline *tl, const uint8_t mac[MAC_LEN], int64_t at_ms, enum tl_kind kind,
                 const char *detail);

/**
 * Copy the events of @p mac, oldest first.
 *
 * @ret n	events copied (0 for an unknown machine), at most @p cap
 */
size_t timeline_get(const struct timeline *tl, const uint8_t mac[MAC_LEN], struct tl_event *out,
                    size_t cap);

/**
 * The machines known, most recently active first.
 *
 * @ret n	MACs copied, at most @p cap
 */
size_t timeline_macs(const struct timeline *tl, uint8_t (*out)[MAC_LEN], size_t cap);

/** Number of machines known. */
size_t timeline_count(const struct timeline *tl);

/** Name of a kind for JSON and logs ("dhcp-ack", "tftp-done", ...). */
const char *timeline_kind_name(enum tl_kind kind);

/**
 * Append the events of @p mac as a JSON array of
 * {"at": <ms>, "event": "<kind name>", "detail": "<text>"}, oldest first
 * ("[]" for an unknown machine).
 */
int timeline_json(const struct timeline *tl, const uint8_t mac[MAC_LEN], struct buf *b);

/* ---- the process's store (loop thread only) ---- */

/** The process's store, created on first use with room for 4096 machines;
 *  NULL if that allocation failed. */
struct timeline *timeline_global(void);

/** Record an event in the process's store at the current wall-clock time.
 *  Formats like printf.  Failures are ignored (the timeline is advisory). */
void timeline_note(const uint8_t mac[MAC_LEN], enum tl_kind kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
