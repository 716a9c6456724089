/* SPDX-License-Identifier: MIT */
/*
 * bucket.c - the token bucket.  It owns nothing and must not read the
 * clock: the caller decides what a token pays for, this file only counts.
 * Tokens are kept in thousandths so that a refill of @rate tokens a second
 * is exactly @rate thousandths a millisecond.
 */
#include "core/bucket.h"

void bucket_init(struct bucket *b, unsigned burst, uint64_t now_ms)
{
	b->milli = (uint64_t)burst * 1000;
	b->last_ms = now_ms;
}

int bucket_take(struct bucket *b, unsigned burst, unsigned rate, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)burst * 1000, dt;

	if (burst == 0)
		return 1;
	if (now_ms > b->last_ms) {
		dt = now_ms - b->last_ms;
		/* Past the time a refill from empty takes, the bucket is full:
		 * capping dt first keeps dt * rate from overflowing. */
		if (rate == 0)
			dt = 0;
		else if (dt > cap / rate + 1)
			dt = cap / rate + 1;
		b->milli += dt * rate;
	}
	b->last_ms = now_ms;
	if (b->milli > cap)
		b->milli = cap;
	if (b->milli < 1000)
		return 0;
	b->milli -= 1000;
	return 1;
}

unsigned bucket_tokens(const struct bucket *b)
{
	return (unsigned)(b->milli / 1000);
}
