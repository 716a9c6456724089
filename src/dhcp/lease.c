/* SPDX-License-Identifier: MIT */
/*
 * lease.c - the lease table and the address allocator.  It owns every
 * struct lease it hands out and an index of the configuration's
 * reservations; it must not do I/O, read the clock or log: the DHCP server
 * decides, journals and logs, this module remembers and chooses.
 *
 * Layout.  Leases live in one array of struct lease_ent (40 bytes each,
 * grown by doubling, freed slots kept on a free list).  Two open-addressing
 * hash indexes of 32-bit array positions sit beside it: by IP (one key per
 * lease) and by MAC (one key per MAC, pointing at the head of a chain of
 * that MAC's leases through lease_ent.next; the chain has one lease per
 * pool the MAC was ever in, so it is short).  Both indexes probe linearly,
 * stay at most half full, double when they would not, and delete by
 * backward shift, so there are no tombstones.  Memory per lease: 40 bytes
 * of entry (up to 80 with the array's doubling slack) plus 8 to 16 bytes
 * in each index, about 60 to 110 bytes; 50,000 leases take 3 to 6 MB.
 *
 * DECLINED leases are quarantines on an address and are kept out of their
 * MAC's chain; every other lease in use is on it.  The chain is kept in
 * the order records were applied, newest first.
 *
 * The hashes are fixed, not seeded: MACs come from the wire, so a client
 * that forges colliding MACs can make lookups O(leases), which is the same
 * order as the allocation walk over a full range that it can force anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "dhcp/lease.h"

#define NIL         UINT32_MAX
#define ENT_UNUSED  0xff /* state of an array slot on the free list */
#define MIN_SLOTS   16u
#define MAX_ENTRIES (1u << 30)

/** One lease and its place in its MAC's chain.  Owner: the lease_db. */
struct lease_ent {
	struct lease l;
	uint32_t next; /* next lease of the same MAC, or next free slot; NIL ends */
};

/**
 * An open-addressing index of positions in some array, whose elements
 * hold the keys.  A slot is 0 when empty, else position + 1.
 */
struct itab {
	uint32_t *slot;
	uint32_t mask; /* slots - 1; the slot count is a power of two */
	uint32_t n;    /* keys held; at most half the slots */
};

/* Hash of the key stored at position @p pos of the array behind @p ctx. */
typedef uint32_t (*key_hash_fn)(const void *ctx, uint32_t pos);

/**
 * The reservations (nodes with an ip) of one struct conf, indexed by IP and
 * by MAC.  Positions are into conf->nodes.  The configuration is told apart
 * by identity only and is never dereferenced through the stored values.
 * Owner: the lease_db.
 */
struct resv {
	int valid;
	uintptr_t conf_id;  /* address of the struct conf indexed */
	uintptr_t nodes_id; /* and of its nodes array */
	unsigned generation;
	size_t nnodes;
	struct itab by_ip;
	struct itab by_mac;
};

/** The table.  Owner: the DHCP server. */
struct lease_db {
	struct lease_ent *ent;
	uint32_t nent;      /* slots of ent[] ever used (in use or free) */
	uint32_t cap;       /* slots allocated */
	uint32_t free_head; /* first free slot, or NIL */
	struct itab by_ip;  /* lease ip -> position */
	struct itab by_mac; /* mac -> position of the newest lease of the MAC */
	/* Behind a pointer because lease_db_choose() refreshes this cache
	 * through a const table. */
	struct resv *resv;
};

/* What an address is to a MAC asking for it. */
enum avail {
	AV_TAKEN, /* held by another, quarantined, or another node's reservation */
	AV_NEVER, /* nobody's: no lease at all */
	AV_OWN,   /* this MAC's own lease */
	AV_REUSE, /* another MAC's released or expired lease */
};

/* A 64-to-32-bit mixer: every input bit reaches the low output bits that
 * index the tables. */
static uint32_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ull;
	x ^= x >> 32;
	return (uint32_t)x;
}

static uint32_t ip_hash(uint32_t ip)
{
	return mix(ip);
}

static uint32_t mac_hash(const uint8_t mac[MAC_LEN])
{
	return mix(be48_get(mac));
}

/*
 * Where a MAC's walk through a range starts.  It must stay the same across
 * restarts and versions: a changed function moves every machine that lost
 * its lease to a new address.
 */
static uint32_t mac_start(const uint8_t mac[MAC_LEN], uint32_t size)
{
	return mix(be48_get(mac) ^ 0x5ca1ab1e0ddba11ull) % size;
}

static int itab_init(struct itab *t, uint32_t slots)
{
	t->slot = calloc(slots, sizeof(*t->slot));
	if (!t->slot)
		return -ENOMEM;
	t->mask = slots - 1;
	t->n = 0;
	return 0;
}

static void itab_fini(struct itab *t)
{
	free(t->slot);
	t->slot = NULL;
	t->mask = 0;
	t->n = 0;
}

/* Add position @p pos, whose key hashes to @p h; room must have been made. */
static void itab_put(struct itab *t, uint32_t h, uint32_t pos)
{
	uint32_t i;

	for (i = h & t->mask; t->slot[i]; i = (i + 1) & t->mask)
		;
	t->slot[i] = pos + 1;
	t->n++;
}

/* Make room for one more key, doubling the slots when half would be full. */
static int itab_reserve(struct itab *t, const void *ctx, key_hash_fn hash)
{
	struct itab nt;
	uint32_t i, slots = t->mask + 1;

	if ((t->n + 1) * 2 <= slots)
		return 0;
	if (slots > MAX_ENTRIES)
		return -ENOMEM;
	if (itab_init(&nt, slots * 2) < 0)
		return -ENOMEM;
	for (i = 0; i < slots; i++)
		if (t->slot[i])
			itab_put(&nt, hash(ctx, t->slot[i] - 1), t->slot[i] - 1);
	free(t->slot);
	*t = nt;
	return 0;
}

/*
 * Empty slot @p i and close the gap: each following key of the cluster
 * moves back into the hole unless its home slot lies cyclically after the
 * hole, where a lookup would no longer reach it.
 */
static void itab_del(struct itab *t, uint32_t i, const void *ctx, key_hash_fn hash)
{
	uint32_t j = i, home;

	for (;;) {
		t->slot[i] = 0;
		for (;;) {
			j = (j + 1) & t->mask;
			if (!t->slot[j]) {
				t->n--;
				return;
			}
			home = hash(ctx, t->slot[j] - 1) & t->mask;
			if (((j - home) & t->mask) >= ((j - i) & t->mask))
				break;
		}
		t->slot[i] = t->slot[j];
		i = j;
	}
}

static uint32_t ent_ip_hash(const void *ctx, uint32_t pos)
{
	const struct lease_db *db = ctx;

	return ip_hash(db->ent[pos].l.ip);
}

static uint32_t ent_mac_hash(const void *ctx, uint32_t pos)
{
	const struct lease_db *db = ctx;

	return mac_hash(db->ent[pos].l.mac);
}

static uint32_t node_ip_hash(const void *ctx, uint32_t pos)
{
	const struct conf *c = ctx;

	return ip_hash(c->nodes[pos].ip);
}

static uint32_t node_mac_hash(const void *ctx, uint32_t pos)
{
	const struct conf *c = ctx;

	return mac_hash(c->nodes[pos].mac);
}

/* Slot of the by_ip index holding @p ip, or NIL. */
static uint32_t ip_slot(const struct lease_db *db, uint32_t ip)
{
	const struct itab *t = &db->by_ip;
	uint32_t i, s;

	for (i = ip_hash(ip) & t->mask; (s = t->slot[i]) != 0; i = (i + 1) & t->mask)
		if (db->ent[s - 1].l.ip == ip)
			return i;
	return NIL;
}

/* Slot of the by_mac index holding @p mac, or NIL. */
static uint32_t mac_slot(const struct lease_db *db, const uint8_t mac[MAC_LEN])
{
	const struct itab *t = &db->by_mac;
	uint32_t i, s;

	for (i = mac_hash(mac) & t->mask; (s = t->slot[i]) != 0; i = (i + 1) & t->mask)
		if (memcmp(db->ent[s - 1].l.mac, mac, MAC_LEN) == 0)
			return i;
	return NIL;
}

/* Non-zero if the lease in use at @p e is on its MAC's chain. */
static int on_chain(const struct lease_ent *e)
{
	return e->l.state == LEASE_FREE || e->l.state == LEASE_OFFERED || e->l.state == LEASE_BOUND;
}

/* Put lease @p pos at the head of its MAC's chain; room must have been made. */
static void chain_push(struct lease_db *db, uint32_t pos)
{
	struct lease_ent *e = &db->ent[pos];
	uint32_t s = mac_slot(db, e->l.mac);

	if (s == NIL) {
		e->next = NIL;
		itab_put(&db->by_mac, mac_hash(e->l.mac), pos);
	} else {
		e->next = db->by_mac.slot[s] - 1;
		db->by_mac.slot[s] = pos + 1;
	}
}

/* Take lease @p pos off its MAC's chain (O(chain)); the MAC leaves the
 * index with its last lease. */
static void chain_unlink(struct lease_db *db, uint32_t pos)
{
	struct lease_ent *e = &db->ent[pos];
	uint32_t s = mac_slot(db, e->l.mac), cur;

	cur = db->by_mac.slot[s] - 1;
	if (cur == pos) {
		if (e->next == NIL)
			itab_del(&db->by_mac, s, db, ent_mac_hash);
		else
			db->by_mac.slot[s] = e->next + 1;
		return;
	}
	while (db->ent[cur].next != pos)
		cur = db->ent[cur].next;
	db->ent[cur].next = e->next;
}

/* Make room for one more lease in the array and in both indexes. */
static int ent_reserve(struct lease_db *db)
{
	struct lease_ent *p;
	uint32_t cap;

	if (db->free_head == NIL && db->nent == db->cap) {
		if (db->cap >= MAX_ENTRIES)
			return -ENOMEM;
		cap = db->cap ? db->cap * 2 : MIN_SLOTS;
		p = realloc(db->ent, (size_t)cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		db->ent = p;
		db->cap = cap;
	}
	if (itab_reserve(&db->by_ip, db, ent_ip_hash) < 0 ||
	    itab_reserve(&db->by_mac, db, ent_mac_hash) < 0)
		return -ENOMEM;
	return 0;
}

/* A new lease of @p ip, indexed by IP, on no chain yet; room must have been
 * made. */
static uint32_t ent_add(struct lease_db *db, uint32_t ip)
{
	uint32_t pos;

	if (db->free_head != NIL) {
		pos = db->free_head;
		db->free_head = db->ent[pos].next;
	} else {
		pos = db->nent++;
	}
	memset(&db->ent[pos], 0, sizeof(db->ent[pos]));
	db->ent[pos].l.ip = ip;
	db->ent[pos].l.state = ENT_UNUSED;
	db->ent[pos].next = NIL;
	itab_put(&db->by_ip, ip_hash(ip), pos);
	return pos;
}

/* Forget lease @p pos entirely. */
static void ent_remove(struct lease_db *db, uint32_t pos)
{
	struct lease_ent *e = &db->ent[pos];

	if (on_chain(e))
		chain_unlink(db, pos);
	itab_del(&db->by_ip, ip_slot(db, e->l.ip), db, ent_ip_hash);
	e->l.state = ENT_UNUSED;
	e->next = db->free_head;
	db->free_head = pos;
}

/* The pool of @p c whose subnet holds @p ip, or NULL.  O(pools). */
static const struct conf_pool *pool_of(const struct conf *c, uint32_t ip)
{
	size_t i;

	for (i = 0; i < c->dhcp.npools; i++)
		if (ipv4_prefix_contains(&c->dhcp.pools[i].subnet, ip))
			return &c->dhcp.pools[i];
	return NULL;
}

/* Drop the other leases of the MAC of lease @p pos (the chain's head) that
 * lie in the same pool of @p c. */
static void drop_same_pool(struct lease_db *db, const struct conf *c, uint32_t pos)
{
	const struct conf_pool *p;
	uint32_t cur, next;

	if (!c)
		return;
	p = pool_of(c, db->ent[pos].l.ip);
	if (!p)
		return;
	for (cur = db->ent[pos].next; cur != NIL; cur = next) {
		next = db->ent[cur].next;
		if (ipv4_prefix_contains(&p->subnet, db->ent[cur].l.ip))
			ent_remove(db, cur);
	}
}

struct lease_db *lease_db_new(void)
{
	struct lease_db *db;

	db = calloc(1, sizeof(*db));
	if (!db)
		goto err_alloc_db;
	db->free_head = NIL;
	db->resv = calloc(1, sizeof(*db->resv));
	if (!db->resv)
		goto err_alloc_resv;
	if (itab_init(&db->by_ip, MIN_SLOTS) < 0)
		goto err_init_by_ip;
	if (itab_init(&db->by_mac, MIN_SLOTS) < 0)
		goto err_init_by_mac;
	return db;

err_init_by_mac:
	itab_fini(&db->by_ip);
err_init_by_ip:
	free(db->resv);
err_alloc_resv:
	free(db);
err_alloc_db:
	return NULL;
}

void lease_db_free(struct lease_db *db)
{
	if (!db)
		return;
	itab_fini(&db->resv->by_ip);
	itab_fini(&db->resv->by_mac);
	free(db->resv);
	itab_fini(&db->by_ip);
	itab_fini(&db->by_mac);
	free(db->ent);
	free(db);
}

int lease_db_apply(struct lease_db *db, const struct conf *c, const struct lease_rec *r)
{
	struct lease_ent *e;
	uint32_t s, pos;
	int keep, rc;

	if (r->state > LEASE_DECLINED)
		return -EINVAL;
	/* Everything that can fail happens before the first change. */
	rc = ent_reserve(db);
	if (rc < 0)
		return rc;
	s = ip_slot(db, r->ip);
	pos = s == NIL ? ent_add(db, r->ip) : db->by_ip.slot[s] - 1;
	e = &db->ent[pos];
	keep = r->state == LEASE_OFFERED && e->l.state == LEASE_BOUND &&
	       memcmp(e->l.mac, r->mac, MAC_LEN) == 0 && e->l.expires >= r->expires;
	if (on_chain(e))
		chain_unlink(db, pos);
	memcpy(e->l.mac, r->mac, MAC_LEN);
	if (!keep) {
		e->l.state = r->state;
		e->l.expires = r->expires;
	}
	if (on_chain(e)) {
		chain_push(db, pos);
		drop_same_pool(db, c, pos);
	}
	return 0;
}

const struct lease *lease_db_by_mac(const struct lease_db *db, const struct conf_pool *pool,
                                    const uint8_t mac[MAC_LEN])
{
	uint32_t s = mac_slot(db, mac), cur;

	if (s == NIL)
		return NULL;
	for (cur = db->by_mac.slot[s] - 1; cur != NIL; cur = db->ent[cur].next)
		if (ipv4_prefix_contains(&pool->subnet, db->ent[cur].l.ip))
			return &db->ent[cur].l;
	return NULL;
}

const struct lease *lease_db_by_ip(const struct lease_db *db, uint32_t ip)
{
	uint32_t s = ip_slot(db, ip);

	return s == NIL ? NULL : &db->ent[db->by_ip.slot[s] - 1].l;
}

/*
 * Index the reservations of @p c unless they already are.  O(nodes) when
 * @p c is a configuration not seen last time, O(1) otherwise.
 */
static int resv_sync(struct resv *rv, const struct conf *c)
{
	uint32_t slots = MIN_SLOTS, i;
	size_t n = 0;

	if (rv->valid && rv->conf_id == (uintptr_t)c && rv->generation == c->generation &&
	    rv->nodes_id == (uintptr_t)c->nodes && rv->nnodes == c->nnodes)
		return 0;
	rv->valid = 0;
	itab_fini(&rv->by_ip);
	itab_fini(&rv->by_mac);
	for (i = 0; i < c->nnodes; i++)
		n += c->nodes[i].ip != 0;
	if (n >= MAX_ENTRIES)
		return -ENOMEM;
	if (n) {
		while (slots < 2 * n)
			slots *= 2;
		if (itab_init(&rv->by_ip, slots) < 0)
			return -ENOMEM;
		if (itab_init(&rv->by_mac, slots) < 0) {
			itab_fini(&rv->by_ip);
			return -ENOMEM;
		}
		for (i = 0; i < c->nnodes; i++) {
			if (!c->nodes[i].ip)
				continue;
			itab_put(&rv->by_ip, node_ip_hash(c, i), i);
			itab_put(&rv->by_mac, node_mac_hash(c, i), i);
		}
	}
	rv->conf_id = (uintptr_t)c;
	rv->nodes_id = (uintptr_t)c->nodes;
	rv->generation = c->generation;
	rv->nnodes = c->nnodes;
	rv->valid = 1;
	return 0;
}

/* The node reserving @p ip, or NULL. */
static const struct conf_node *resv_by_ip(const struct resv *rv, const struct conf *c, uint32_t ip)
{
	const struct itab *t = &rv->by_ip;
	uint32_t i, s;

	if (!t->n)
		return NULL;
	for (i = ip_hash(ip) & t->mask; (s = t->slot[i]) != 0; i = (i + 1) & t->mask)
		if (c->nodes[s - 1].ip == ip)
			return &c->nodes[s - 1];
	return NULL;
}

/* The node of @p mac if it has a reservation, or NULL. */
static const struct conf_node *resv_by_mac(const struct resv *rv, const struct conf *c,
                                           const uint8_t mac[MAC_LEN])
{
	const struct itab *t = &rv->by_mac;
	uint32_t i, s;

	if (!t->n)
		return NULL;
	for (i = mac_hash(mac) & t->mask; (s = t->slot[i]) != 0; i = (i + 1) & t->mask)
		if (memcmp(c->nodes[s - 1].mac, mac, MAC_LEN) == 0)
			return &c->nodes[s - 1];
	return NULL;
}

/* What we need to know to judge addresses for one request. */
struct ask {
	const struct lease_db *db;
	const struct resv *rv; /* NULL: no configuration, no reservations */
	const struct conf *c;
	const uint8_t *mac;
	int64_t now;
};

/* What @p ip is to the asking MAC; *lp receives its lease, if any. */
static enum avail avail(const struct ask *a, uint32_t ip, const struct lease **lp)
{
	const struct conf_node *n = a->rv ? resv_by_ip(a->rv, a->c, ip) : NULL;
	const struct lease *l;

	*lp = NULL;
	if (n && memcmp(n->mac, a->mac, MAC_LEN) != 0)
		return AV_TAKEN;
	l = lease_db_by_ip(a->db, ip);
	*lp = l;
	if (!l)
		return AV_NEVER;
	if (l->state == LEASE_DECLINED)
		return l->expires > a->now ? AV_TAKEN : AV_REUSE;
	if (memcmp(l->mac, a->mac, MAC_LEN) == 0)
		return AV_OWN;
	if (l->state != LEASE_FREE && l->expires > a->now)
		return AV_TAKEN;
	return AV_REUSE;
}

static int in_range(const struct conf_pool *pool, uint32_t ip)
{
	return (pool->range[0] || pool->range[1]) && ip >= pool->range[0] && ip <= pool->range[1];
}

/*
 * Step 4: walk the whole range once from the MAC's start, taking the first
 * never-used address, else the one whose lease ended longest ago.  O(range)
 * hash lookups in the worst case: about 65,000 for a full /16, roughly a
 * millisecond, against tens of nanoseconds for steps 1 to 3.
 */
static int walk(const struct ask *a, const struct conf_pool *pool, uint32_t *out)
{
	uint32_t size, off, i, ip, best = 0;
	int64_t best_end = 0;
	const struct lease *l;
	int found = 0;

	size = pool->range[1] - pool->range[0] + 1;
	off = mac_start(a->mac, size);
	for (i = 0; i < size; i++) {
		ip = pool->range[0] + off;
		switch (avail(a, ip, &l)) {
		case AV_NEVER:
		case AV_OWN: *out = ip; return 0;
		case AV_REUSE:
			if (!found || l->expires < best_end) {
				best = ip;
				best_end = l->expires;
				found = 1;
			}
			break;
		case AV_TAKEN: break;
		}
		if (++off == size)
			off = 0;
	}
	if (!found)
		return -ENOSPC;
	*out = best;
	return 0;
}

int lease_db_choose(const struct lease_db *db, const struct conf *c, const struct conf_pool *pool,
                    const uint8_t mac[MAC_LEN], uint32_t requested, int64_t now, uint32_t *out)
{
	struct ask a = {.db = db, .c = c, .mac = mac, .now = now};
	const struct conf_node *n;
	const struct lease *l, *own;
	int rc;

	if (c) {
		rc = resv_sync(db->resv, c);
		if (rc < 0)
			return rc;
		a.rv = db->resv;
	}
	n = a.rv ? resv_by_mac(a.rv, c, mac) : NULL;
	if (n && ipv4_prefix_contains(&pool->subnet, n->ip) && avail(&a, n->ip, &l) != AV_TAKEN) {
		*out = n->ip;
		return 0;
	}
	own = lease_db_by_mac(db, pool, mac);
	if (own && in_range(pool, own->ip) && avail(&a, own->ip, &l) != AV_TAKEN) {
		*out = own->ip;
		return 0;
	}
	/* RFC 2131 4.3.1: the requested address, "if that address is valid
	 * and not already allocated". */
	if (requested && in_range(pool, requested) && avail(&a, requested, &l) != AV_TAKEN) {
		*out = requested;
		return 0;
	}
	if (!in_range(pool, pool->range[0]))
		return -ENOENT; /* no range: reservations only */
	return walk(&a, pool, out);
}

size_t lease_db_count_bound(const struct lease_db *db, const struct conf_pool *pool, int64_t now)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < db->nent; i++) {
		const struct lease *l = &db->ent[i].l;

		if (l->state == LEASE_BOUND && l->expires > now &&
		    ipv4_prefix_contains(&pool->subnet, l->ip))
			n++;
	}
	return n;
}

void lease_db_foreach(const struct lease_db *db, int64_t now,
                      void (*cb)(const struct lease *l, void *arg), void *arg)
{
	uint32_t i;

	for (i = 0; i < db->nent; i++) {
		const struct lease *l = &db->ent[i].l;

		if (l->state == LEASE_BOUND || l->state == LEASE_FREE ||
		    (l->state == LEASE_DECLINED && l->expires > now))
			cb(l, arg);
	}
}
