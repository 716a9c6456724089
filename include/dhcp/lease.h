/* SPDX-License-Identifier: MIT */
/*
 * lease.h - the in-memory lease table and address allocation for the DHCP
 * server.  Pure: no I/O, no clock (the caller passes "now"), no logging.
 * Invariants: an address is held by at most one MAC; a MAC holds at most
 * one address per pool; a node's reserved address goes to no one else.
 *
 * A lease is expired when expires <= now.  LEASE_OFFERED leases (in-memory
 * offers with a short expires) count as taken exactly like LEASE_BOUND ones
 * until they expire.  A LEASE_DECLINED lease is a quarantine on its address,
 * not something its MAC holds: it blocks the address for everyone, that MAC
 * included, until it expires, and it is never returned by lease_db_by_mac().
 *
 * Pointers returned by the lookups point into the table: they stay valid
 * until the next lease_db_apply() or lease_db_free().
 */
#ifndef RACKBOOT_LEASE_H
#define RACKBOOT_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/conf.h"
#include "dhcp/journal.h"

struct lease_db;

/** A lease as the table holds it. */
struct lease {
	uint8_t mac[MAC_LEN];
	uint32_t ip;
	int64_t expires;
	uint8_t state; /* enum lease_state */
};

/** New empty table.  @ret db or NULL. */
struct lease_db *lease_db_new(void);

/** Free.  NULL is ignored. */
void lease_db_free(struct lease_db *db);

/**
 * Apply a record (from the journal, or a change just made): insert,
 * update or, for LEASE_FREE, keep as a "last held by" hint for stable
 * re-allocation.  Each record states the whole truth about its address and
 * about its MAC in that address's pool, so the later record wins:
 *  - any other MAC's lease of r->ip is dropped;
 *  - for FREE, OFFERED and BOUND, the MAC's other lease in the same pool of
 *    @p c (if any) is dropped, so the lease "moves" to r->ip;
 *  - FREE keeps r->expires as the hint of when it was released;
 *  - OFFERED to the MAC that holds r->ip BOUND with a later expires leaves
 *    that binding as it is (an offer never shortens a binding);
 *  - DECLINED quarantines r->ip until r->expires and leaves the MAC's other
 *    leases alone.
 * The table is unchanged when an error is returned.
 *
 * @v c		configuration whose pools say which addresses share a pool;
 *		NULL enforces only one-MAC-per-address
 * @ret rc	0, -ENOMEM, or -EINVAL for a state that is not a lease_state
 */
int lease_db_apply(struct lease_db *db, const struct conf *c, const struct lease_rec *r);

/**
 * The lease of @p mac inside @p pool's subnet (FREE, OFFERED or BOUND,
 * expired or not; never DECLINED), or NULL.  O(1) average.
 */
const struct lease *lease_db_by_mac(const struct lease_db *db, const struct conf_pool *pool,
                                    const uint8_t mac[MAC_LEN]);

/** The lease holding @p ip, in any state, or NULL.  O(1) average. */
const struct lease *lease_db_by_ip(const struct lease_db *db, uint32_t ip);

/**
 * Choose an address for @p mac in @p pool at time @p now:
 *  1. the node's reservation (conf nodes with ip in this pool's subnet);
 *  2. the address this MAC holds or last held, if still free for it;
 *  3. @p requested (option 50), if in the range and free;
 *  4. a free address in the range, starting from a hash of the MAC so the
 *     same machine tends to get the same address even after its lease was
 *     lost, probing linearly.
 * "Free" means: not bound to another MAC unexpired, not declined and
 * quarantined, not another node's reservation.  Expired leases of others
 * are reused only when no never-used address is left.
 *
 * Clarifications: a reservation that is quarantined or held unexpired by
 * another MAC (the config changed under a live lease) is skipped, and the
 * node gets an address by steps 2-4 until it is free again, rather than a
 * duplicate address on the wire.  Steps 2 and 4 only hand out addresses
 * inside the range.  Step 3 honours a requested address that another MAC
 * held and let expire (RFC 2131 4.3.1: "not already allocated"); the
 * preference for never-used addresses applies to step 4.  Step 4 costs
 * O(range) when the range is nearly full; the other steps are O(1)
 * average.
 *
 * The table keeps an index of @p c's reservations, rebuilt when another
 * configuration is passed (told apart by its address, generation and node
 * array, so a reload must pass a new struct conf, as conf.h promises); that
 * cache is the only thing this function changes.
 *
 * @v c		configuration (for reservations); NULL means none
 * @ret rc	0 with *out set, or -ENOSPC (pool exhausted), -ENOENT (the
 *		pool has no range and the MAC no reservation), -ENOMEM
 */
int lease_db_choose(const struct lease_db *db, const struct conf *c, const struct conf_pool *pool,
                    const uint8_t mac[MAC_LEN], uint32_t requested, int64_t now, uint32_t *out);

/** Number of unexpired bound leases inside @p pool (for metrics).  O(leases). */
size_t lease_db_count_bound(const struct lease_db *db, const struct conf_pool *pool, int64_t now);

/**
 * Call @p cb for every lease worth keeping at @p now (for compaction):
 * BOUND and FREE ones, expired or not (they are the hints that give a
 * machine its old address back), and DECLINED ones still in quarantine.
 * OFFERED ones are skipped: offers are not journalled.  @p cb must not
 * change the table.
 */
void lease_db_foreach(const struct lease_db *db, int64_t now,
                      void (*cb)(const struct lease *l, void *arg), void *arg);

#endif
