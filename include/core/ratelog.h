/* SPDX-License-Identifier: MIT */
/*
 * ratelog.h - "log this at most once per interval", the one rate limit
 * on rackboot's log lines: a gate for one kind of line (a DHCP drop
 * reason, a TFTP malformed request), and a small table of gates by
 * address for the services' per-address limits, so that a host hammering
 * a limit costs one log line per interval, not one per packet or
 * connection.  Pure: times are passed in, nothing is logged here.
 */
#ifndef RACKBOOT_RATELOG_H
#define RACKBOOT_RATELOG_H

#include <stddef.h>
#include <stdint.h>

#define RATELOG_SLOTS 32 /* addresses remembered; at most this many lines per interval */
#define RATELOG_MORE  48 /* room for ratelog_more()'s text */

/** One kind of line, logged at most once per interval.  Owner: the
 *  service that logs; zero-initialised, its first event is logged. */
struct ratelog_gate {
	int used;            /* a line was allowed once */
	uint64_t last_ms;    /* when its last line was allowed */
	uint64_t suppressed; /* its events since, not logged */
};

/**
 * An event of gate @p g at @p now_ms: may it be logged?
 *
 * @ret 1: log it, and *@p suppressed holds how many of its events went
 *      unlogged before it; 0: stay quiet, the event is counted.  At most
 *      one 1 per @p interval_ms.
 */
int ratelog_gate_check(struct ratelog_gate *g, uint64_t interval_ms, uint64_t now_ms,
                       uint64_t *suppressed);

/** The addresses logged within the last interval.  Owner: the service that
 *  logs; zero-initialised, then ratelog_init(). */
struct ratelog {
	uint64_t interval_ms;
	struct ratelog_slot {
		uint32_t ip;
		struct ratelog_gate g;
	} v[RATELOG_SLOTS];
	uint64_t dropped; /* events of addresses that found the table full */
};

/** Start empty, with lines at most every @p interval_ms per address. */
void ratelog_init(struct ratelog *r, uint64_t interval_ms);

/**
 * An event from @p ip at @p now_ms: may it be logged?
 *
 * @ret 1: log it, and *@p suppressed holds how many events of that address
 *      went unlogged before it (plus, once, those of addresses that found
 *      the table full); 0: stay quiet, the event is remembered.
 * A slot is reused only once its interval is over, so no address is ever
 * logged twice within one interval, and no more than RATELOG_SLOTS lines
 * are allowed per interval whatever the number of addresses.
 */
int ratelog_check(struct ratelog *r, uint32_t ip, uint64_t now_ms, uint64_t *suppressed);

/** The tail of a log line for @p suppressed events: "; N more not logged",
 *  written to @p out (RATELOG_MORE bytes), or "" for none. */
const char *ratelog_more(uint64_t suppressed, char out[RATELOG_MORE]);

#endif
