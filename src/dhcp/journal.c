/* SPDX-License-Identifier: MIT */
/*
 * journal.c - the lease journal: a codec for fixed-size checksummed
 * records and the blocking file I/O that appends, syncs, replays and
 * compacts them.  It owns DIR/leases.journal and DIR/leases.journal.tmp
 * and nothing else: it does not create the state directory, decide what
 * a lease means, log, or run on the loop.  Errors are returned as -errno
 * and what replay found is returned as stats for the caller to log.
 *
 * File layout, all integers little-endian and written byte by byte:
 *
 *   header, 16 bytes:  0  "RBLJ"
 *                      4  u32 format version (1)
 *                      8  8 reserved bytes, zero
 *   record, 32 bytes:  0  u32 record magic (JREC_MAGIC)
 *                      4  u8  state (enum lease_state)
 *                      5  6 bytes MAC
 *                     11  u8  reserved, zero
 *                     12  u32 IPv4 address (host order value)
 *                     16  i64 expiry, Unix seconds (two's complement)
 *                     24  4 reserved bytes, zero
 *                     28  u32 CRC32C (Castagnoli) of bytes 0..27
 *
 * Records follow the header back to back; the journal is only ever
 * appended to at a whole-record boundary, or replaced whole by rename.
 * Zeros follow the records: the file is extended PREALLOC bytes
 * at a time, and records are written over the zeros.  An append then
 * changes no file size, and its fdatasync(2) writes the records' block
 * and flushes - without also writing the inode, which on ext4 is a second
 * I/O and a second wait for every sync.  All-zero slots after the last
 * record are that space, not a torn write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/bytes.h"
#include "core/crc32c.h"
#include "dhcp/journal.h"

#define JOURNAL_NAME    "leases.journal"
#define JOURNAL_TMP     "leases.journal.tmp"
#define JOURNAL_VERSION 1
#define HDR_SIZE        16
#define JREC_MAGIC      0x4345524cu /* "LREC" on disk */
#define JREC_CRC_OFF    28
#define PREALLOC        (64 << 10) /* zeros written ahead; a multiple of the record */

/** An open journal.  Owned by the caller of journal_open(). */
struct journal {
	int dfd;        /* the state directory: names resolve and are synced here */
	int fd;         /* the journal file */
	uint64_t size;  /* header + whole records: where the next append goes */
	uint64_t alloc; /* file size: zeros from size up to here */
	int err;        /* sticky -errno: the file can no longer be trusted */
};

/* Two's complement back to int64_t without the implementation-defined
 * conversion of an out-of-range unsigned value. */
static int64_t u64_to_i64(uint64_t u)
{
	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static void header_encode(uint8_t out[HDR_SIZE])
{
	memset(out, 0, HDR_SIZE);
	memcpy(out, "RBLJ", 4);
	le32_put(out + 4, JOURNAL_VERSION);
}

void journal_rec_encode(const struct lease_rec *r, uint8_t out[JOURNAL_REC_SIZE])
{
	memset(out, 0, JOURNAL_REC_SIZE);
	le32_put(out, JREC_MAGIC);
	out[4] = r->state;
	memcpy(out + 5, r->mac, MAC_LEN);
	le32_put(out + 12, r->ip);
	le64_put(out + 16, (uint64_t)r->expires);
	le32_put(out + JREC_CRC_OFF, crc32c(0, out, JREC_CRC_OFF));
}

/*
 * Decode one whole record.  The reserved bytes must be zero: a record
 * that checks out but uses them was written by a format this code does
 * not know.  The state is passed through as stored; what it means is the
 * lease table's business.
 *
 * @ret rc	0, or -EINVAL for a bad magic, checksum or reserved byte
 */
static int rec_decode(const uint8_t p[JOURNAL_REC_SIZE], struct lease_rec *r)
{
	static const uint8_t zero[4];

	if (le32_get(p) != JREC_MAGIC)
		return -EINVAL;
	if (le32_get(p + JREC_CRC_OFF) != crc32c(0, p, JREC_CRC_OFF))
		return -EINVAL;
	if (p[11] != 0 || memcmp(p + 24, zero, sizeof(zero)) != 0)
		return -EINVAL;
	r->state = p[4];
	memcpy(r->mac, p + 5, MAC_LEN);
	r->ip = le32_get(p + 12);
	r->expires = u64_to_i64(le64_get(p + 16));
	return 0;
}

/*
 * Slots are walked one by one, so a damaged record costs only itself.
 * Bad slots are told apart by what follows them: a bad slot with a valid
 * record after it is corruption (counted in *bad, skipped, left in
 * place), while the run of bad slots after the last valid record is a
 * torn append - a crash while a batch was being written can leave whole
 * slots of zeros or stale bytes when the file size reached the disk
 * before the data - and is excluded from the returned length like a
 * partial slot.  The cost of this rule: damage to the very last records
 * is reported as a torn tail rather than as corruption.  Either way the
 * record is lost; only the count differs.
 */
size_t journal_scan(const uint8_t *buf, size_t len,
                    void (*cb)(const struct lease_rec *r, void *arg), void *arg, size_t *bad)
{
	size_t off, valid = 0, nbad = 0, tail_bad = 0;
	struct lease_rec r;

	for (off = 0; len - off >= JOURNAL_REC_SIZE; off += JOURNAL_REC_SIZE) {
		if (rec_decode(buf + off, &r) < 0) {
			nbad++;
			tail_bad++;
			continue;
		}
		tail_bad = 0;
		valid = off + JOURNAL_REC_SIZE;
		if (cb)
			cb(&r, arg);
	}
	if (bad)
		*bad = nbad - tail_bad;
	return valid;
}

/* pwrite(2) all of @p buf at @p off, through short writes and EINTR. */
static int write_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* pread(2) exactly @p len bytes at @p off; a file that shrank under us
 * is -EIO. */
static int read_all(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * Check the header of a file of @p size bytes.  A file shorter than the
 * header whose bytes are a prefix of ours is a creation that crashed
 * before its header was synced: it holds no records and gets a header.
 * Anything else that is not our magic, version and zero reserved bytes
 * is foreign and must not be touched.
 *
 * @ret rc	0 for a good header, 1 when a header must be written,
 *		-EPROTO for a foreign file, or -errno
 */
static int header_check(int fd, uint64_t size)
{
	uint8_t want[HDR_SIZE], have[HDR_SIZE];
	size_t n = size < HDR_SIZE ? (size_t)size : HDR_SIZE;
	int rc;

	header_encode(want);
	rc = read_all(fd, have, n, 0);
	if (rc < 0)
		return rc;
	if (memcmp(have, want, n) != 0)
		return -EPROTO;
	return n < HDR_SIZE;
}

/* Write the header into an empty (or torn-at-creation) file and make the
 * file and its name durable. */
static int header_write(struct journal *j)
{
	uint8_t hdr[HDR_SIZE];
	int rc;

	header_encode(hdr);
	rc = write_all(j->fd, hdr, sizeof(hdr), 0);
	if (rc < 0)
		return rc;
	if (fsync(j->fd) < 0 || fsync(j->dfd) < 0)
		return -errno;
	return 0;
}

/*
 * How much of the @p len bytes after the last valid record is torn: up to
 * the end of the last slot holding a non-zero byte.  The all-zero slots
 * after it are space written ahead (PREALLOC), or slots whose data never
 * reached the disk; either way they hold no record and are appended over.
 */
static size_t torn_length(const uint8_t *tail, size_t len)
{
	size_t end = len;

	while (end > 0 && tail[end - 1] == 0)
		end--;
	if (end == 0)
		return 0;
	end = (end + JOURNAL_REC_SIZE - 1) / JOURNAL_REC_SIZE * JOURNAL_REC_SIZE;
	return end < len ? end : len;
}

/*
 * The file is read and scanned twice: once to find the torn tail, which
 * is cut before anything is replayed, and once to replay.  So @p cb runs
 * only when nothing can fail any more, and a caller that gets an error
 * has received no records.  The journal is small (32 bytes a lease, and
 * compacted), so the second CRC pass costs little.
 */
int journal_open(const char *dir, void (*cb)(const struct lease_rec *r, void *arg), void *arg,
                 struct journal **out, struct journal_stats *st)
{
	struct journal *j;
	struct stat sb;
	uint8_t *buf;
	uint64_t size;
	size_t len, valid, bad, torn;
	int rc;

	j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->err = 0;
	j->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dfd < 0) {
		rc = -errno;
		goto err_open_dir;
	}
	j->fd = openat(j->dfd, JOURNAL_NAME, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (j->fd < 0) {
		rc = -errno;
		goto err_open_file;
	}
	if (fstat(j->fd, &sb) < 0) {
		rc = -errno;
		goto err_stat;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = -EINVAL;
		goto err_stat;
	}
	size = (uint64_t)sb.st_size;
	rc = header_check(j->fd, size);
	if (rc < 0)
		goto err_header;
	if (rc > 0) {
		rc = header_write(j);
		if (rc < 0)
			goto err_header;
		size = HDR_SIZE;
	}
	if (size - HDR_SIZE > SIZE_MAX) {
		rc = -EFBIG;
		goto err_header;
	}
	len = (size_t)(size - HDR_SIZE);
	buf = malloc(len ? len : 1);
	if (!buf) {
		rc = -ENOMEM;
		goto err_alloc;
	}
	rc = read_all(j->fd, buf, len, HDR_SIZE);
	if (rc < 0)
		goto err_read;
	valid = journal_scan(buf, len, NULL, NULL, &bad);
	torn = torn_length(buf + valid, len - valid);
	j->alloc = size;
	if (torn) {
		/* Cut the torn tail so appends continue on a record
		 * boundary, and make the cut durable before anything is
		 * appended after it. */
		if (ftruncate(j->fd, (off_t)(HDR_SIZE + valid)) < 0 || fsync(j->fd) < 0) {
			rc = -errno;
			goto err_truncate;
		}
		j->alloc = HDR_SIZE + valid;
	}
	if (cb)
		journal_scan(buf, valid, cb, arg, NULL);
	free(buf);
	j->size = HDR_SIZE + valid;
	if (st) {
		st->records = valid / JOURNAL_REC_SIZE - bad;
		st->corrupt = bad;
		st->torn_bytes = torn;
	}
	*out = j;
	return 0;

err_truncate:
err_read:
	free(buf);
err_alloc:
err_header:
err_stat:
	close(j->fd);
err_open_file:
	close(j->dfd);
err_open_dir:
	free(j);
	return rc;
}

/*
 * Make the file at least @p end bytes long by writing zeros after it, to
 * the next PREALLOC boundary past the records.  Real zeros, not
 * fallocate(2): ext4 marks fallocated blocks unwritten, and the first write
 * into one changes the extent, which fdatasync(2) must then write too.  The
 * next journal_sync() makes the new size durable with the records.  Best
 * effort: on a disk too full for the zeros the records may still fit, and
 * zeros written before a failure are space ahead like any other.
 */
static void reserve(struct journal *j, uint64_t end)
{
	static const uint8_t zeros[PREALLOC];
	uint64_t to;

	if (end <= j->alloc)
		return;
	to = HDR_SIZE + (end - HDR_SIZE + PREALLOC - 1) / PREALLOC * PREALLOC;
	while (j->alloc < to) {
		size_t n = to - j->alloc < PREALLOC ? (size_t)(to - j->alloc) : PREALLOC;

		if (write_all(j->fd, zeros, n, j->alloc) < 0)
			return;
		j->alloc += n;
	}
}

/*
 * Records go out with one pwrite(2) at the tracked end of the records,
 * over the zeros written ahead, looped only for short writes and EINTR.
 * If the write fails part way, the file is truncated back to the end of
 * its records (the zeros ahead go too) so it stays whole records;
 * the records of a failed batch are then absent, unless a crash came
 * first (the caller must not ACK them, and a replay that holds them is a
 * replay of changes it meant to make).  Should that truncation fail too,
 * bytes of the failed batch could later be replayed out of order behind
 * newer records, so the journal refuses every append and sync until
 * journal_compact() replaces the file.
 */
int journal_append(struct journal *j, const struct lease_rec *recs, size_t n)
{
	uint8_t *buf;
	size_t i, len;
	int rc;

	if (j->err)
		return j->err;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / JOURNAL_REC_SIZE)
		return -EOVERFLOW;
	len = n * JOURNAL_REC_SIZE;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		journal_rec_encode(&recs[i], buf + i * JOURNAL_REC_SIZE);
	reserve(j, j->size + len);
	rc = write_all(j->fd, buf, len, j->size);
	if (rc == 0) {
		j->size += len;
		if (j->alloc < j->size)
			j->alloc = j->size;
	} else if (ftruncate(j->fd, (off_t)j->size) < 0)
		j->err = rc;
	else
		j->alloc = j->size;
	free(buf);
	return rc;
}

/*
 * A failed fdatasync(2) is sticky.  After a writeback error the kernel
 * may drop the dirty pages or mark them clean, so a second fdatasync can
 * succeed without the data ever reaching the disk; trusting it would ACK
 * leases that are not durable.  Only journal_compact(), which writes and
 * syncs a whole new file, clears the error.
 */
int journal_sync(struct journal *j)
{
	if (j->err)
		return j->err;
	if (fdatasync(j->fd) < 0)
		j->err = -errno;
	return j->err;
}

/*
 * The snapshot is built in memory (16 + 32n bytes) and written with one
 * pwrite(2).  Until the rename, a failure removes the temporary file and
 * leaves the old journal open and working.  After the rename the name
 * already refers to the new file, so the journal switches to it even if
 * the directory fsync fails; that failure is then sticky, as in
 * journal_sync(), because records appended to a file whose name may not
 * survive a crash are not durable.  The temporary file is opened with
 * O_NOFOLLOW so that O_TRUNC never follows a link planted in its place.
 */
int journal_compact(struct journal *j, const struct lease_rec *recs, size_t n)
{
	uint8_t *buf;
	size_t i, len;
	int fd, rc;

	if (n > (SIZE_MAX - HDR_SIZE) / JOURNAL_REC_SIZE)
		return -EOVERFLOW;
	len = HDR_SIZE + n * JOURNAL_REC_SIZE;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	header_encode(buf);
	for (i = 0; i < n; i++)
		journal_rec_encode(&recs[i], buf + HDR_SIZE + i * JOURNAL_REC_SIZE);
	fd = openat(j->dfd, JOURNAL_TMP, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		goto err_open;
	}
	rc = write_all(fd, buf, len, 0);
	if (rc < 0)
		goto err_write;
	if (fsync(fd) < 0) {
		rc = -errno;
		goto err_sync;
	}
	if (renameat(j->dfd, JOURNAL_TMP, j->dfd, JOURNAL_NAME) < 0) {
		rc = -errno;
		goto err_rename;
	}
	free(buf);
	close(j->fd);
	j->fd = fd;
	j->size = len;
	j->alloc = len;
	j->err = 0;
	if (fsync(j->dfd) < 0)
		j->err = -errno;
	return j->err;

err_rename:
err_sync:
err_write:
	unlinkat(j->dfd, JOURNAL_TMP, 0);
	close(fd);
err_open:
	free(buf);
	return rc;
}

uint64_t journal_size(const struct journal *j)
{
	return j->size;
}

/* Closing does not sync: what the caller has not synced was never
 * promised to anyone. */
void journal_close(struct journal *j)
{
	if (!j)
		return;
	close(j->fd);
	close(j->dfd);
	free(j);
}
