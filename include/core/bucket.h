/* SPDX-License-Identifier: MIT */
/*
 * bucket.h - a token bucket, the one rate limiter of rackboot's servers
 * (today: DHCP's new leases per pool).  Pure: no clock (the caller passes
 * the loop's milliseconds), no allocation, no logging.  Integer arithmetic
 * in thousandths of a token, so a rate of one per second refills exactly
 * one token per 1000 ms with no drift from rounding.
 */
#ifndef RACKBOOT_BUCKET_H
#define RACKBOOT_BUCKET_H

#include <stdint.h>

/** A token bucket.  Owner: whoever embeds it; no resources. */
struct bucket {
	uint64_t milli;   /* tokens held, in thousandths */
	uint64_t last_ms; /* time of the last refill */
};

/**
 * Start full: @p burst tokens at time @p now_ms.
 */
void bucket_init(struct bucket *b, unsigned burst, uint64_t now_ms);

/**
 * Refill @p b for the time since its last use at @p rate tokens a second,
 * up to @p burst, then take one token if there is one.  A clock that went
 * back refills nothing.  A @p burst of 0 means no limit: always granted,
 * and @p b is left alone.
 *
 * @ret granted	1 when a token was taken, 0 when the bucket is empty
 */
int bucket_take(struct bucket *b, unsigned burst, unsigned rate, uint64_t now_ms);

/** Whole tokens left in @p b as of its last use (for metrics). */
unsigned bucket_tokens(const struct bucket *b);

#endif
