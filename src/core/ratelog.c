/* SPDX-License-Identifier: MIT */
/*
 * ratelog.c - the gate and the table behind "logged at most once per
 * interval" (ratelog.h).  A linear scan of RATELOG_SLOTS entries per event:
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

/* Whether @g's interval is over (or it never fired). */
static int gate_due(const struct ratelog_gate *g, uint64_t interval_ms, uint64_t now_ms)
{
	return !g->used || now_ms - g->last_ms >= interval_ms;
}

/* Allow @g's line at @now_ms: hand over its count and start a new interval. */
static void gate_fire(struct ratelog_gate *g, uint64_t now_ms, uint64_t *suppressed)
{
	*suppressed = g->suppressed;
	g->used = 1;
	g->last_ms = now_ms;
	g->suppressed = 0;
}

int ratelog_gate_check(struct ratelog_gate *g, uint64_t interval_ms, uint64_t now_ms,
                       uint64_t *suppressed)
{
	if (!gate_due(g, interval_ms, now_ms)) {
		g->suppressed++;
		return 0;
	}
	gate_fire(g, now_ms, suppressed);
	return 1;
}

int ratelog_check(struct ratelog *r, uint32_t ip, uint64_t now_ms, uint64_t *suppressed)
{
	struct ratelog_slot *free_slot = NULL;
	size_t i;

	for (i = 0; i < RATELOG_SLOTS; i++) {
		struct ratelog_slot *s = &r->v[i];
		int expired = gate_due(&s->g, r->interval_ms, now_ms);

		if (s->g.used && s->ip == ip) {
			if (!expired) {
				s->g.suppressed++;
				return 0;
			}
			free_slot = s;
			break;
		}
		if (expired && (!free_slot || (free_slot->g.used && !s->g.used)))
			free_slot = s;
	}
	if (!free_slot) {
		r->dropped++;
		return 0;
	}
	/* A slot taken over from another address starts without its count. */
	if (free_slot->g.used && free_slot->ip != ip)
		free_slot->g.suppressed = 0;
	free_slot->ip = ip;
	gate_fire(&free_slot->g, now_ms, suppressed);
	*suppressed += r->dropped;
	r->dropped = 0;
	return 1;
}

const char *ratelog_more(uint64_t suppressed, char out[RATELOG_MORE])
{
	if (!suppressed)
		return "";
	snprintf(out, RATELOG_MORE, "; %" PRIu64 " more not logged", suppressed);
	return out;
}
