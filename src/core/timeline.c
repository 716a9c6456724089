/* SPDX-License-Identifier: MIT */
/*
 * timeline.c - each machine's boot timeline.  A store owns one record per
 * MAC (a ring of its last TL_RING events), an open-addressed hash table
 * that finds a record by MAC, and a list of the records ordered by their
 * latest event, newest first, which gives both /status its order and the
 * eviction its victim (the tail).  The store is pure: times come from the
 * caller, nothing is logged; only timeline_note() reads the clock and only
 * timeline_global() keeps state outside a store.  Details are stored as
 * valid UTF-8 (a byte that is not becomes '?'), so the JSON is valid too.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/bytes.h"
#include "core/timeline.h"

#define GLOBAL_MACS 4096

/** One machine.  Owner: the store; reused, not freed, when evicted. */
struct tl_machine {
	struct tl_machine *newer, *older; /* activity list */
	uint8_t mac[MAC_LEN];
	unsigned head, n; /* the oldest event is ev[head]; n in use */
	unsigned cap;     /* events allocated at ev: TL_FIRST, doubled up to TL_RING */
	int64_t last_ms;  /* at_ms of the event added last */
	struct tl_event *ev;
};

/* Most machines in a DHCP storm leave four events (DISCOVER, OFFER,
 * REQUEST, ACK); a full ring for each was 3.6 kB, 3.5 MB per thousand. */
#define TL_FIRST 4

/*
 * Owner: whoever called timeline_new().  The hash table has at least twice
 * as many slots as machines, so linear probing stays short and always
 * finds an empty slot; deletion shifts entries back (no tombstones).
 */
struct timeline {
	size_t max, count;
	size_t mask;               /* slots - 1, slots a power of two */
	struct tl_machine **slot;  /* NULL when empty */
	struct tl_machine *newest; /* list head: latest event newest */
	struct tl_machine *oldest; /* list tail: the next to be forgotten */
};

static struct timeline *global_tl;

static const char *const kind_names[TL_KIND_N] = {
        [TL_DHCP_DISCOVER] = "dhcp-discover", [TL_DHCP_OFFER] = "dhcp-offer",
        [TL_DHCP_REQUEST] = "dhcp-request",   [TL_DHCP_ACK] = "dhcp-ack",
        [TL_DHCP_NAK] = "dhcp-nak",           [TL_DHCP_DECLINE] = "dhcp-decline",
        [TL_DHCP_RELEASE] = "dhcp-release",   [TL_DHCP_INFORM] = "dhcp-inform",
        [TL_TFTP_DONE] = "tftp-done",         [TL_TFTP_FAILED] = "tftp-failed",
        [TL_HTTP_SCRIPT] = "http-script",     [TL_HTTP_ASSET] = "http-asset",
        [TL_HTTP_DENIED] = "http-denied",     [TL_ISCSI_LOGIN] = "iscsi-login",
        [TL_ISCSI_LOGOUT] = "iscsi-logout",
};

const char *timeline_kind_name(enum tl_kind kind)
{
	if ((unsigned)kind >= TL_KIND_N)
		return "unknown";
	return kind_names[kind];
}

/* A 64-bit mixer (MurmurHash3's finaliser): MACs of one vendor differ only
 * in their last bytes, and every bit must reach the slot index. */
static size_t mac_hash(const uint8_t mac[MAC_LEN])
{
	uint64_t x = be48_get(mac);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (size_t)x;
}

/**
 * Find the slot of @p mac, or the empty slot where it would go.  Probes are
 * bounded by the number of machines, whatever MACs a peer chooses.
 *
 * @ret i	slot index
 */
static size_t slot_find(const struct timeline *tl, const uint8_t mac[MAC_LEN])
{
	size_t i = mac_hash(mac) & tl->mask;

	while (tl->slot[i] && memcmp(tl->slot[i]->mac, mac, MAC_LEN) != 0)
		i = (i + 1) & tl->mask;
	return i;
}

/* Empty slot @p i and move back the entries after it that probing would no
 * longer reach (Knuth, TAOCP 6.4, Algorithm R). */
static void slot_delete(struct timeline *tl, size_t i)
{
	size_t j = i, home;

	tl->slot[i] = NULL;
	for (;;) {
		j = (j + 1) & tl->mask;
		if (!tl->slot[j])
			return;
		home = mac_hash(tl->slot[j]->mac) & tl->mask;
		/* Leave it when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		tl->slot[i] = tl->slot[j];
		tl->slot[j] = NULL;
		i = j;
	}
}

static void list_unlink(struct timeline *tl, struct tl_machine *m)
{
	if (m->newer)
		m->newer->older = m->older;
	else
		tl->newest = m->older;
	if (m->older)
		m->older->newer = m->newer;
	else
		tl->oldest = m->newer;
	m->newer = m->older = NULL;
}

/* Insert @p m before the first machine whose latest event is not later than
 * its own: at the head when the clock moves forward, O(1); further down
 * only after the wall clock has been stepped back. */
static void list_insert(struct timeline *tl, struct tl_machine *m)
{
	struct tl_machine *after = NULL, *at = tl->newest;

	while (at && at->last_ms > m->last_ms) {
		after = at;
		at = at->older;
	}
	m->newer = after;
	m->older = at;
	if (after)
		after->older = m;
	else
		tl->newest = m;
	if (at)
		at->newer = m;
	else
		tl->oldest = m;
}

struct timeline *timeline_new(size_t max_macs)
{
	struct timeline *tl;
	size_t slots = 8;

	if (max_macs == 0 || max_macs > SIZE_MAX / 4 / sizeof(*tl->slot))
		return NULL;
	while (slots < 2 * max_macs)
		slots *= 2;
	tl = calloc(1, sizeof(*tl));
	if (!tl)
		goto err_alloc_tl;
	tl->slot = calloc(slots, sizeof(*tl->slot));
	if (!tl->slot)
		goto err_alloc_slot;
	tl->max = max_macs;
	tl->mask = slots - 1;
	return tl;

err_alloc_slot:
	free(tl);
err_alloc_tl:
	return NULL;
}

void timeline_free(struct timeline *tl)
{
	struct tl_machine *m, *next;

	if (!tl)
		return;
	for (m = tl->newest; m; m = next) {
		next = m->older;
		free(m->ev);
		free(m);
	}
	free(tl->slot);
	free(tl);
}

/**
 * Length of the valid UTF-8 sequence at @p s (RFC 3629 4: no overlong
 * forms, no surrogates, nothing past U+10FFFF).
 *
 * @v s		NUL-terminated text, not at its end
 * @ret n	1..4, or 0 when the byte at @p s starts no valid sequence
 */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	/* A NUL is not a continuation byte, so this stops at the end. */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return n;
}

/* Copy @p src into an event's detail: whole UTF-8 sequences only, as many
 * as fit with the NUL; any other byte becomes '?'. */
static void detail_copy(char dst[TL_DETAIL], const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	while (*s) {
		size_t n = utf8_len(s);

		if (o + (n ? n : 1) > TL_DETAIL - 1)
			break;
		if (n) {
			memmove(dst + o, s, n); /* src may be an old detail */
		} else {
			dst[o] = '?';
			n = 1;
		}
		o += n;
		s += n;
	}
	dst[o] = '\0';
}

int timeline_add(struct timeline *tl, const uint8_t mac[MAC_LEN], int64_t at_ms, enum tl_kind kind,
                 const char *detail)
{
	size_t i = slot_find(tl, mac);
	struct tl_machine *m = tl->slot[i];
	struct tl_event *e;

	if (m) {
		if (m->n == m->cap && m->cap < TL_RING) {
			/* not full yet, so the ring has not wrapped: a plain copy */
			struct tl_event *ev = realloc(m->ev, 2 * m->cap * sizeof(*ev));

			assert(m->head == 0);
			if (!ev)
				return -ENOMEM;
			m->ev = ev;
			m->cap *= 2;
		}
		list_unlink(tl, m);
	} else {
		if (tl->count < tl->max) {
			m = malloc(sizeof(*m));
			if (!m)
				return -ENOMEM;
			m->ev = malloc(TL_FIRST * sizeof(*m->ev));
			if (!m->ev) {
				free(m);
				return -ENOMEM;
			}
			m->cap = TL_FIRST;
		} else {
			/* Forget the machine whose latest event is oldest. */
			m = tl->oldest;
			list_unlink(tl, m);
			slot_delete(tl, slot_find(tl, m->mac));
			tl->count--;
			i = slot_find(tl, mac); /* the deletion may have moved it */
		}
		memcpy(m->mac, mac, MAC_LEN);
		m->head = m->n = 0;
		tl->slot[i] = m;
		tl->count++;
	}
	if (m->n < TL_RING) {
		e = &m->ev[(m->head + m->n) % TL_RING];
		m->n++;
	} else {
		e = &m->ev[m->head];
		m->head = (m->head + 1) % TL_RING;
	}
	e->at_ms = at_ms;
	e->kind = kind;
	detail_copy(e->detail, detail ? detail : "");
	m->last_ms = at_ms;
	list_insert(tl, m);
	return 0;
}

static const struct tl_machine *lookup(const struct timeline *tl, const uint8_t mac[MAC_LEN])
{
	return tl ? tl->slot[slot_find(tl, mac)] : NULL;
}

/* When @p cap is smaller than the ring, the latest events are the ones
 * copied: "where did it stop?" is the question. */
size_t timeline_get(const struct timeline *tl, const uint8_t mac[MAC_LEN], struct tl_event *out,
                    size_t cap)
{
	const struct tl_machine *m = lookup(tl, mac);
	size_t n, skip, i;

	if (!m)
		return 0;
	n = m->n < cap ? m->n : cap;
	skip = m->n - n;
	for (i = 0; i < n; i++)
		out[i] = m->ev[(m->head + skip + i) % TL_RING];
	return n;
}

size_t timeline_macs(const struct timeline *tl, uint8_t (*out)[MAC_LEN], size_t cap)
{
	const struct tl_machine *m;
	size_t n = 0;

	for (m = tl ? tl->newest : NULL; m && n < cap; m = m->older)
		memcpy(out[n++], m->mac, MAC_LEN);
	return n;
}

size_t timeline_count(const struct timeline *tl)
{
	return tl ? tl->count : 0;
}

int timeline_json(const struct timeline *tl, const uint8_t mac[MAC_LEN], struct buf *b)
{
	const struct tl_machine *m = lookup(tl, mac);
	unsigned i;

	buf_puts(b, "[");
	for (i = 0; m && i < m->n; i++) {
		const struct tl_event *e = &m->ev[(m->head + i) % TL_RING];

		buf_printf(b, "%s{\"at\": %lld, \"event\": \"%s\", \"detail\": ", i ? ", " : "",
		           (long long)e->at_ms, timeline_kind_name(e->kind));
		buf_json_str(b, e->detail);
		buf_puts(b, "}");
	}
	buf_puts(b, "]");
	return b->oom ? -ENOMEM : 0;
}

struct timeline *timeline_global(void)
{
	if (!global_tl)
		global_tl = timeline_new(GLOBAL_MACS);
	return global_tl;
}

void timeline_note(const uint8_t mac[MAC_LEN], enum tl_kind kind, const char *fmt, ...)
{
	struct timeline *tl = timeline_global();
	/* Room for a sequence that starts in the last byte kept, so that
	 * timeline_add() sees it whole and drops it cleanly. */
	char detail[TL_DETAIL + 4];
	struct timespec ts;
	va_list ap;

	if (!tl)
		return;
	va_start(ap, fmt);
	if (vsnprintf(detail, sizeof(detail), fmt, ap) < 0)
		detail[0] = '\0';
	va_end(ap);
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return;
	timeline_add(tl, mac, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, kind, detail);
}
