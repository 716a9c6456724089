/* SPDX-License-Identifier: MIT */
/*
 * journal.h - the durable lease journal: an append-only file of fixed-size,
 * checksummed records under server.state_dir.  The codec (encode, scan) is
 * pure and fuzzed; the file functions do blocking I/O and are meant to run
 * on libuv's thread pool, never on the loop.  Group commit is the caller's:
 * append a batch, sync once, then let the ACKs go.
 */
#ifndef RACKBOOT_JOURNAL_H
#define RACKBOOT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

#define JOURNAL_REC_SIZE 32

enum lease_state {
	LEASE_FREE = 0,     /* released or expired: no longer held */
	LEASE_OFFERED = 1,  /* not journalled: offers are not promises */
	LEASE_BOUND = 2,    /* ACKed: the client holds ip until expires */
	LEASE_DECLINED = 3, /* DHCPDECLINE: ip quarantined until expires */
};

/** One lease change; a record in the journal. */
struct lease_rec {
	uint8_t mac[MAC_LEN];
	uint8_t state;   /* enum lease_state */
	uint32_t ip;     /* host byte order */
	int64_t expires; /* Unix time, seconds */
};

/** Encode @p r into exactly JOURNAL_REC_SIZE bytes (magic, fields, CRC32C). */
void journal_rec_encode(const struct lease_rec *r, uint8_t out[JOURNAL_REC_SIZE]);

/**
 * Scan journal bytes (after the file header), calling @p cb for each valid
 * record in order.  A record with a bad magic or checksum is skipped and
 * counted in @p bad; a partial record at the end is a torn write.  So are
 * the bad whole records after the last valid one (an append torn by a
 * crash can leave whole slots of zeros): they are cut off with the tail
 * and not counted in @p bad.  Pure: no I/O, no allocation.
 *
 * @v buf	records
 * @v len	bytes
 * @v cb	called per valid record, or NULL
 * @v bad	receives the number of corrupt records skipped, or NULL
 * @ret valid	bytes up to the end of the last whole record (where appending
 *		continues; a torn tail beyond it is to be truncated)
 */
size_t journal_scan(const uint8_t *buf, size_t len,
                    void (*cb)(const struct lease_rec *r, void *arg), void *arg, size_t *bad);

struct journal;

/** What replay found, for the log. */
struct journal_stats {
	size_t records;    /* valid records replayed */
	size_t corrupt;    /* records skipped for a bad checksum */
	size_t torn_bytes; /* bytes of a torn tail that were truncated (the zeros
	                    * written ahead of the records are not torn) */
};

/**
 * Open (creating if needed) DIR/leases.journal, replay it through @p cb,
 * truncate a torn tail, and leave it open for appending.  Blocking.
 * @p cb (may be NULL) runs only once nothing can fail any more, so on
 * error the caller has been handed no records.  @p st may be NULL.  A
 * leftover DIR/leases.journal.tmp is ignored.
 *
 * @ret rc	0 or -errno (a file with a foreign header is -EPROTO and is
 *		left untouched)
 */
int journal_open(const char *dir, void (*cb)(const struct lease_rec *r, void *arg), void *arg,
                 struct journal **out, struct journal_stats *st);

/**
 * Append @p n records with one write(2), over zeros written ahead (the
 * file grows 64 KiB at a time, so most syncs need not write its size).
 * Blocking; does not sync.  On
 * failure the file is cut back to whole records; if even that fails, or
 * after a failed journal_sync(), the error is sticky: every append and
 * sync returns it until a journal_compact() succeeds.
 */
int journal_append(struct journal *j, const struct lease_rec *recs, size_t n);

/** fdatasync(2) the journal.  Blocking.  A failure is sticky (see above). */
int journal_sync(struct journal *j);

/**
 * Replace the journal with a snapshot of @p n records: write DIR/
 * leases.journal.tmp, fsync it, rename it over the journal, fsync the
 * folder, and continue appending to the new file.  Blocking.  A crash at
 * any point leaves either the old journal or the new one, whole.  On
 * failure before the rename the old journal stays in use; success clears
 * a sticky error.
 */
int journal_compact(struct journal *j, const struct lease_rec *recs, size_t n);

/** Bytes of header and records now (to decide when to compact); the file
 *  itself is longer by the zeros written ahead of the records. */
uint64_t journal_size(const struct journal *j);

/** Close and free.  NULL is ignored. */
void journal_close(struct journal *j);

#endif
