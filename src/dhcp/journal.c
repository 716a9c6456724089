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

/* CRC32C, reflected polynomial 0x82f63b78 (RFC 3720 B.4), one byte per
 * step.  Entry i is the CRC register after shifting byte i through it. */
static const uint32_t crc32c_table[256] = {
        0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c, 0x26a1e7e8,
        0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b, 0x4d43cfd0, 0xbf284cd3,
        0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b, 0xd7c45070,
        0x25afd373, 0x36ff2087, 0xc494a384, 0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
        0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29,
        0x33ed7d2a, 0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
        0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa, 0x30e349b1,
        0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
        0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a, 0x7da08661, 0x8fcb0562, 0x9c9bf696,
        0x6ef07595, 0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0,
        0x67dafa54, 0x95b17957, 0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c,
        0xfe53516f, 0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
        0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f, 0x3ac7f2eb,
        0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7, 0x61c69362, 0x93ad1061,
        0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789, 0xeb1fcbad,
        0x197448ae, 0x0a24bb5a, 0xf84f3859, 0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
        0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5,
        0xa55230e6, 0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
        0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c, 0x456cac67,
        0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
        0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c, 0x92a8fc17, 0x60c37f14, 0x73938ce0,
        0x81f80fe3, 0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db,
        0xf94ad42f, 0x0b21572c, 0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6,
        0x502036a5, 0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
        0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975, 0x0e330a81,
        0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d, 0x758fe5d6, 0x87e466d5,
        0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2, 0xff56bd19,
        0x0d3d3e1a, 0x1e6dcdee, 0xec064eed, 0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
        0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc,
        0x5a048dff, 0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
        0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540, 0x590ab964,
        0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
        0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee, 0x24aa3f05, 0xd6c1bc06, 0xc5914ff2,
        0x37faccf1, 0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9,
        0x4f48173d, 0xbd23943e, 0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a,
        0xc69f7b69, 0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
        0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351};

static uint32_t crc32c(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	while (len--)
		c = crc32c_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

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
	put_le32(out + 4, JOURNAL_VERSION);
}

void journal_rec_encode(const struct lease_rec *r, uint8_t out[JOURNAL_REC_SIZE])
{
	memset(out, 0, JOURNAL_REC_SIZE);
	put_le32(out, JREC_MAGIC);
	out[4] = r->state;
	memcpy(out + 5, r->mac, MAC_LEN);
	put_le32(out + 12, r->ip);
	put_le64(out + 16, (uint64_t)r->expires);
	put_le32(out + JREC_CRC_OFF, crc32c(out, JREC_CRC_OFF));
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

	if (get_le32(p) != JREC_MAGIC)
		return -EINVAL;
	if (get_le32(p + JREC_CRC_OFF) != crc32c(p, JREC_CRC_OFF))
		return -EINVAL;
	if (p[11] != 0 || memcmp(p + 24, zero, sizeof(zero)) != 0)
		return -EINVAL;
	r->state = p[4];
	memcpy(r->mac, p + 5, MAC_LEN);
	r->ip = get_le32(p + 12);
	r->expires = u64_to_i64(get_le64(p + 16));
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
