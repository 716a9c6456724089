/* SPDX-License-Identifier: MIT */
/*
 * ratelog.c - the table behind "logged at most once per interval per
 * address" (ratelog.h).  A linear scan of RATELOG_SLOTS entries per event:
 * events are refusals, already the slow path, and 32 compares are cheaper
 * than the log line they save.  Must not log or read the clock itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/ratelog.h"

void ratelog_init(struct ratelog *r, uint64_t interval_ms)
{
	memset(r, 0, sizeof(*r));
	r->interval_ms = interval_ms;
}

int ratelog_check(struct ratelog *r, uint32_t ip, uint64_t now_ms, uint64_t *suppressed)
{
	struct ratelog_slot *free_slot = NULL;
	size_t i;

	for (i = 0; i < RATELOG_SLOTS; i++) {
		struct ratelog_slot *s = &r->v[i];
		int expired = !s->used || now_ms - s->last_ms >= r->interval_ms;

		if (s->used && s->ip == ip) {
			if (!expired) {
				s->suppressed++;
				return 0;
			}
			free_slot = s;
			break;
		}
		if (expired && (!free_slot || (free_slot->used && !s->used)))
			free_slot = s;
	}
	if (!free_slot) {
		r->dropped++;
		return 0;
	}
	*suppressed = free_slot->used && free_slot->ip == ip ? free_slot->suppressed : 0;
	*suppressed += r->dropped;
	r->dropped = 0;
	free_slot->ip = ip;
	free_slot->used = 1;
	free_slot->last_ms = now_ms;
	free_slot->suppressed = 0;
	return 1;
}

const char *ratelog_more(uint64_t suppressed, char out[RATELOG_MORE])
{
	if (!suppressed)
		return "";
	snprintf(out, RATELOG_MORE, "; %" PRIu64 " more not logged", suppressed);
	return out;
}
