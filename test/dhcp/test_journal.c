/* SPDX-License-Identifier: MIT */
/*
 * test_journal.c - the lease journal: byte vectors for the record codec
 * (CRC32C checked against an independent bit-at-a-time implementation),
 * scans of torn and corrupt input, the file life cycle in a scratch
 * directory per test, failures forced with RLIMIT_FSIZE, and a crash test
 * that SIGKILLs a real writer process and checks that every record it
 * reported as synced is replayed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/bytes.h"
#include "dhcp/journal.h"
#include "lib/testlib.h"

#define HDR_SIZE 16
#define REC      JOURNAL_REC_SIZE
#define PREALLOC (64 << 10) /* the file grows by this much, zeros ahead */

/* Record number i of a test sequence: every field derived from i, so a
 * replayed record names its own position. */
static struct lease_rec make_rec(uint32_t i)
{
	struct lease_rec r = {
	        .mac = {0x52, 0x54, 0x00, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i},
	        .state = (uint8_t)(i % 4),
	        .ip = 0x0a000000u + i,
	        .expires = (i % 5 == 4) ? -(int64_t)i : 1767225600 + (int64_t)i * 7,
	};

	return r;
}

static int rec_eq(const struct lease_rec *a, const struct lease_rec *b)
{
	return memcmp(a->mac, b->mac, MAC_LEN) == 0 && a->state == b->state && a->ip == b->ip &&
	       a->expires == b->expires;
}

/* What a scan or replay delivered, in order. */
struct collect {
	struct lease_rec *r;
	size_t n, cap;
	int nomem;
};

static void collect_cb(const struct lease_rec *r, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct lease_rec *p = realloc(c->r, cap * sizeof(*p));

		if (!p) {
			c->nomem = 1;
			return;
		}
		c->r = p;
		c->cap = cap;
	}
	c->r[c->n++] = *r;
}

static void collect_reset(struct collect *c)
{
	free(c->r);
	memset(c, 0, sizeof(*c));
}

/* Assert that @p c holds exactly records @p first .. @p first + @p n - 1
 * of the test sequence, reporting the caller's line. */
#define assert_seq(c, first, n) assert_seq_at(c, first, n, __LINE__)
static void assert_seq_at(const struct collect *c, uint32_t first, size_t n, int line)
{
	size_t i;

	if (c->nomem)
		fail_msg("line %d: out of memory collecting records", line);
	if (c->n != n)
		fail_msg("line %d: %zu records, expected %zu", line, c->n, n);
	for (i = 0; i < n; i++) {
		struct lease_rec want = make_rec(first + (uint32_t)i);

		if (!rec_eq(&c->r[i], &want))
			fail_msg("line %d: record %zu differs", line, i);
	}
}

/* Encode records first .. first + n - 1 into @p buf. */
static void encode_seq(uint8_t *buf, uint32_t first, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct lease_rec r = make_rec(first + (uint32_t)i);

		journal_rec_encode(&r, buf + i * REC);
	}
}

static void append_seq(struct journal *j, uint32_t first, size_t n)
{
	struct lease_rec r[64];
	size_t i;

	assert_true(n <= 64);
	for (i = 0; i < n; i++)
		r[i] = make_rec(first + (uint32_t)i);
	assert_int_equal(journal_append(j, r, n), 0);
}

/* ---- the codec ---- */

static void test_crc32c(void **state)
{
	uint8_t buf[REC];
	uint32_t i;

	(void)state;
	/* The check value of the CRC-32C parameter set. */
	assert_int_equal(crc32c_bitwise((const uint8_t *)"123456789", 9), 0xe3069283u);
	for (i = 0; i < 1000; i++) {
		struct lease_rec r = make_rec(i * 2654435761u);

		journal_rec_encode(&r, buf);
		assert_int_equal(le32_get(buf + 28), crc32c_bitwise(buf, 28));
	}
}

struct enc_vec {
	int line;
	struct lease_rec r;
	uint8_t bytes[REC];
};

/* Golden records: the on-disk format may not change by accident.  The
 * CRCs were computed by a separate implementation. */
static const struct enc_vec enc_vecs[] = {
        {__LINE__,
         {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, LEASE_BOUND, 0x0a00000b, 1767225600},
         {0x4c, 0x52, 0x45, 0x43, 0x02, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
          0x00, 0x0b, 0x00, 0x00, 0x0a, 0x00, 0xb9, 0x55, 0x69, 0x00, 0x00,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x4d, 0xbb, 0x83}},
        {__LINE__,
         {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, LEASE_DECLINED, 0xffffffff, -1},
         {0x4c, 0x52, 0x45, 0x43, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x13, 0x3a, 0x7e, 0xdf}},
};

static void test_encode_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(enc_vecs) / sizeof(enc_vecs[0]); i++) {
		const struct enc_vec *v = &enc_vecs[i];
		struct collect c = {0};
		uint8_t out[REC];
		size_t bad = 99;

		journal_rec_encode(&v->r, out);
		if (memcmp(out, v->bytes, REC) != 0)
			fail_msg("line %d: encoding differs", v->line);
		if (journal_scan(v->bytes, REC, collect_cb, &c, &bad) != REC || bad != 0 ||
		    c.n != 1 || !rec_eq(&c.r[0], &v->r))
			fail_msg("line %d: the vector does not scan back", v->line);
		collect_reset(&c);
	}
}

static void test_scan_round_trip(void **state)
{
	static const struct lease_rec edge[] = {
	        {{0}, LEASE_FREE, 0, 0},
	        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0xff, 0xffffffff, INT64_MAX},
	        {{1, 2, 3, 4, 5, 6}, LEASE_OFFERED, 0x7f000001, INT64_MIN},
	        {{0x52, 0x54, 0, 0, 0, 1}, LEASE_BOUND, 0xc0a80001, -1},
	};
	uint8_t buf[sizeof(edge) / sizeof(edge[0]) * REC];
	struct collect c = {0};
	size_t i, n = sizeof(edge) / sizeof(edge[0]), bad = 99;

	(void)state;
	for (i = 0; i < n; i++)
		journal_rec_encode(&edge[i], buf + i * REC);
	assert_int_equal(journal_scan(buf, sizeof(buf), collect_cb, &c, &bad), sizeof(buf));
	assert_int_equal(bad, 0);
	assert_int_equal(c.n, n);
	for (i = 0; i < n; i++)
		assert_true(rec_eq(&c.r[i], &edge[i]));
	collect_reset(&c);
	/* A callback and a counter are both optional. */
	assert_int_equal(journal_scan(buf, sizeof(buf), NULL, NULL, NULL), sizeof(buf));
}

static void test_scan_short(void **state)
{
	uint8_t buf[REC];
	struct collect c = {0};
	size_t len, bad;

	(void)state;
	encode_seq(buf, 0, 1);
	for (len = 0; len < REC; len++) {
		bad = 99;
		assert_int_equal(journal_scan(buf, len, collect_cb, &c, &bad), 0);
		assert_int_equal(bad, 0);
		assert_int_equal(c.n, 0);
	}
}

static void test_scan_torn_tail(void **state)
{
	uint8_t buf[4 * REC], junk[4 * REC];
	struct collect c = {0};
	size_t t, bad;

	(void)state;
	encode_seq(buf, 0, 4);
	memcpy(junk, buf, sizeof(junk));
	memset(junk + 3 * REC, 0xff, REC);
	for (t = 1; t < REC; t++) {
		/* The start of a real record, then garbage of the same length. */
		bad = 99;
		assert_int_equal(journal_scan(buf, 3 * REC + t, collect_cb, &c, &bad), 3 * REC);
		assert_int_equal(bad, 0);
		assert_seq(&c, 0, 3);
		collect_reset(&c);
		assert_int_equal(journal_scan(junk, 3 * REC + t, collect_cb, &c, &bad), 3 * REC);
		assert_int_equal(bad, 0);
		assert_seq(&c, 0, 3);
		collect_reset(&c);
	}
}

static void test_scan_corrupt_middle(void **state)
{
	const struct lease_rec want[4] = {make_rec(0), make_rec(2), make_rec(3), make_rec(4)};
	uint8_t buf[5 * REC];
	struct collect c = {0};
	size_t bit, i, bad;

	(void)state;
	/* Every single-bit error in record 1 is caught, costs only that
	 * record, and the records after it survive. */
	for (bit = 0; bit < REC * 8; bit++) {
		encode_seq(buf, 0, 5);
		buf[REC + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		bad = 99;
		assert_int_equal(journal_scan(buf, sizeof(buf), collect_cb, &c, &bad), sizeof(buf));
		assert_int_equal(bad, 1);
		assert_int_equal(c.n, 4);
		for (i = 0; i < 4; i++)
			if (!rec_eq(&c.r[i], &want[i]))
				fail_msg("bit %zu: record %zu differs", bit, i);
		collect_reset(&c);
	}
}

static void test_scan_bad_tail_slots(void **state)
{
	uint8_t buf[6 * REC];
	struct collect c = {0};
	size_t bad;

	(void)state;
	/* A zeroed last slot (size written before data) is torn, not corrupt. */
	encode_seq(buf, 0, 3);
	memset(buf + 2 * REC, 0, REC);
	assert_int_equal(journal_scan(buf, 3 * REC, collect_cb, &c, &bad), 2 * REC);
	assert_int_equal(bad, 0);
	assert_seq(&c, 0, 2);
	collect_reset(&c);

	/* So is a damaged one. */
	encode_seq(buf, 0, 3);
	buf[2 * REC + 17] ^= 0x40;
	assert_int_equal(journal_scan(buf, 3 * REC, collect_cb, &c, &bad), 2 * REC);
	assert_int_equal(bad, 0);
	assert_seq(&c, 0, 2);
	collect_reset(&c);

	/* good, bad, good, bad, bad, and half a slot: one corrupt record,
	 * and everything after the last good one is the torn tail. */
	encode_seq(buf, 0, 6);
	memset(buf + REC, 0, REC);
	memset(buf + 3 * REC, 0, 2 * REC);
	assert_int_equal(journal_scan(buf, 5 * REC + 16, collect_cb, &c, &bad), 3 * REC);
	assert_int_equal(bad, 1);
	assert_int_equal(c.n, 2);
	collect_reset(&c);

	/* Nothing valid at all: no corruption to report, all of it torn. */
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(journal_scan(buf, sizeof(buf), collect_cb, &c, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(c.n, 0);
}

/* Recompute the CRC of a record the test has edited. */
static void crc_fix(uint8_t *rec)
{
	uint32_t crc = crc32c_bitwise(rec, 28);

	rec[28] = (uint8_t)crc;
	rec[29] = (uint8_t)(crc >> 8);
	rec[30] = (uint8_t)(crc >> 16);
	rec[31] = (uint8_t)(crc >> 24);
}

static void test_scan_strict_fields(void **state)
{
	/* The first magic byte and each reserved byte. */
	static const size_t offs[] = {0, 11, 24, 25, 26, 27};
	uint8_t buf[2 * REC];
	size_t i, bad;

	(void)state;
	/* A checksum that matches does not excuse a wrong magic or a set
	 * reserved byte: such a record is not one of ours. */
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		encode_seq(buf, 0, 2);
		buf[offs[i]] ^= 1;
		crc_fix(buf);
		bad = 99;
		assert_int_equal(journal_scan(buf, sizeof(buf), NULL, NULL, &bad), sizeof(buf));
		assert_int_equal(bad, 1);
	}
}

/* ---- the file ---- */

/* Each file test gets its own scratch directory, removed afterwards
 * with whatever the test left in it. */
static int dir_setup(void **state)
{
	*state = testdir_new("journal");
	return *state ? 0 : -1;
}

static int dir_teardown(void **state)
{
	return testdir_free(*state) == 0 ? 0 : -1;
}

#define PATH_BUF 256

/* DIR/NAME in the caller's @p buf; @ret buf. */
static char *path_in(char buf[PATH_BUF], const char *dir, const char *name)
{
	snprintf(buf, PATH_BUF, "%s/%s", dir, name);
	return buf;
}

static off_t file_size(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return -1;
	return sb.st_size;
}

/* Read a whole file; @ret buffer (caller frees) or NULL. */
static uint8_t *file_read(const char *path, size_t *len)
{
	off_t size = file_size(path);
	uint8_t *buf;
	int fd;

	if (size < 0)
		return NULL;
	buf = malloc((size_t)size + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0 || read(fd, buf, (size_t)size) != size) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)size;
	return buf;
}

static void file_write(const char *path, const void *buf, size_t len, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0640);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* Every byte of the file at @p path from offset @p from on is zero. */
static void assert_zero_from(const char *path, size_t from)
{
	size_t len, i;
	uint8_t *buf = file_read(path, &len);

	assert_non_null(buf);
	assert_true(len >= from);
	for (i = from; i < len; i++)
		if (buf[i])
			fail_msg("%s: byte %zu is %#x, not zero", path, i, buf[i]);
	free(buf);
}

/* Open @p dir, replaying into a fresh @p c; assert success. */
static struct journal *reopen(const char *dir, struct collect *c, struct journal_stats *st)
{
	struct journal *j = NULL;

	collect_reset(c);
	memset(st, 0xee, sizeof(*st));
	assert_int_equal(journal_open(dir, collect_cb, c, &j, st), 0);
	assert_non_null(j);
	return j;
}

static void test_open_new(void **state)
{
	static const uint8_t hdr[HDR_SIZE] = {'R', 'B', 'L', 'J', 1, 0, 0, 0};
	const char *dir = *state;
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	struct stat sb;
	char p[PATH_BUF];
	uint8_t *buf;
	size_t len;

	j = reopen(dir, &c, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.corrupt, 0);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(journal_size(j), HDR_SIZE);
	buf = file_read(path_in(p, dir, "leases.journal"), &len);
	assert_non_null(buf);
	assert_int_equal(len, HDR_SIZE);
	assert_memory_equal(buf, hdr, HDR_SIZE);
	free(buf);
	assert_int_equal(stat(path_in(p, dir, "leases.journal"), &sb), 0);
	assert_int_equal(sb.st_mode & 0137, 0); /* at most 0640 */
	assert_int_equal(journal_sync(j), 0);
	journal_close(j);
	journal_close(NULL);
	/* Opening again finds the header and nothing else. */
	j = reopen(dir, &c, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(journal_size(j), HDR_SIZE);
	journal_close(j);
}

static void test_open_missing_dir(void **state)
{
	struct journal *j = NULL;
	char path[300];

	snprintf(path, sizeof(path), "%s/nonexistent", (const char *)*state);
	assert_int_equal(journal_open(path, NULL, NULL, &j, NULL), -ENOENT);
	assert_null(j);
}

static void test_replay(void **state)
{
	const char *dir = *state;
	char p[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;

	j = reopen(dir, &c, &st);
	append_seq(j, 0, 1);
	append_seq(j, 1, 5);
	assert_int_equal(journal_append(j, NULL, 0), 0);
	append_seq(j, 6, 10);
	assert_int_equal(journal_size(j), HDR_SIZE + 16 * REC);
	assert_int_equal(journal_sync(j), 0);
	journal_close(j);
	/* The file grew once, by zeros ahead of the records. */
	assert_int_equal(file_size(path_in(p, dir, "leases.journal")), HDR_SIZE + PREALLOC);
	assert_zero_from(p, HDR_SIZE + 16 * REC);

	j = reopen(dir, &c, &st);
	assert_seq(&c, 0, 16);
	assert_int_equal(st.records, 16);
	assert_int_equal(st.corrupt, 0);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(journal_size(j), HDR_SIZE + 16 * REC);
	append_seq(j, 16, 3);
	journal_close(j);

	/* A callback and stats are both optional. */
	assert_int_equal(journal_open(dir, NULL, NULL, &j, NULL), 0);
	assert_int_equal(journal_size(j), HDR_SIZE + 19 * REC);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_seq(&c, 0, 19);
	journal_close(j);
	collect_reset(&c);
}

/* The file grows PREALLOC bytes at a time, and only when the records need
 * it; a reopened journal appends over the zeros it left. */
static void test_prealloc(void **state)
{
	const char *dir = *state;
	const size_t per = PREALLOC / REC;
	char path[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	size_t i;

	path_in(path, dir, "leases.journal");
	j = reopen(dir, &c, &st);
	assert_int_equal(file_size(path), HDR_SIZE);
	for (i = 0; i < per; i += 64)
		append_seq(j, (uint32_t)i, 64);
	assert_int_equal(file_size(path), HDR_SIZE + PREALLOC);
	append_seq(j, (uint32_t)per, 1);
	assert_int_equal(file_size(path), HDR_SIZE + 2 * PREALLOC);
	assert_int_equal(journal_sync(j), 0);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_seq(&c, 0, per + 1);
	assert_int_equal(st.torn_bytes, 0);
	append_seq(j, (uint32_t)per + 1, 2);
	assert_int_equal(file_size(path), HDR_SIZE + 2 * PREALLOC);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_seq(&c, 0, per + 3);
	assert_zero_from(path, HDR_SIZE + (per + 3) * REC);
	journal_close(j);
	collect_reset(&c);
}

static void test_torn_tail_reopen(void **state)
{
	/* What a crash in the middle of a write leaves after the records:
	 * the start of the next record (len bytes of it, zeros from
	 * zero_from on), or whole slots of zeros - space written ahead, or
	 * a size that reached the disk before the data.  Only the slots
	 * holding record bytes are torn and cut off; zeros are kept. */
	static const struct {
		size_t len, zero_from, torn;
	} t[] = {
	        {1, 1, 1},  {13, 13, 13}, {31, 31, 31}, {64, 13, 32},
	        {32, 0, 0}, {40, 0, 0},   {64, 0, 0},
	};
	const char *dir = *state;
	char path[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	uint8_t tail[2 * REC];
	uint32_t n = 0;
	size_t i;

	path_in(path, dir, "leases.journal");
	j = reopen(dir, &c, &st);
	append_seq(j, n, 4);
	n += 4;
	journal_close(j);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* Start from a file that ends with its records. */
		assert_zero_from(path, HDR_SIZE + n * REC);
		assert_int_equal(truncate(path, HDR_SIZE + n * REC), 0);
		encode_seq(tail, n, 2);
		memset(tail + t[i].zero_from, 0, t[i].len - t[i].zero_from);
		file_write(path, tail, t[i].len, O_APPEND);

		j = reopen(dir, &c, &st);
		assert_seq(&c, 0, n);
		assert_int_equal(st.records, n);
		assert_int_equal(st.corrupt, 0);
		assert_int_equal(st.torn_bytes, t[i].torn);
		assert_int_equal(journal_size(j), HDR_SIZE + n * REC);
		assert_int_equal(file_size(path), HDR_SIZE + n * REC + (t[i].torn ? 0 : t[i].len));
		/* Appends continue on the record boundary. */
		append_seq(j, n, 2);
		n += 2;
		journal_close(j);

		j = reopen(dir, &c, &st);
		assert_seq(&c, 0, n);
		assert_int_equal(st.torn_bytes, 0);
		journal_close(j);
	}
	collect_reset(&c);
}

static void test_corrupt_middle_reopen(void **state)
{
	const char *dir = *state;
	char path[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	const struct lease_rec want[6] = {make_rec(0), make_rec(1), make_rec(2),
	                                  make_rec(3), make_rec(4), make_rec(5)};
	uint8_t *buf;
	size_t len;

	path_in(path, dir, "leases.journal");
	j = reopen(dir, &c, &st);
	append_seq(j, 0, 5);
	journal_close(j);
	buf = file_read(path, &len);
	assert_non_null(buf);
	buf[HDR_SIZE + 2 * REC + 9] ^= 0x10;
	file_write(path, buf, len, O_TRUNC);
	free(buf);

	j = reopen(dir, &c, &st);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(c.n, 4);
	assert_true(rec_eq(&c.r[0], &want[0]) && rec_eq(&c.r[1], &want[1]));
	assert_true(rec_eq(&c.r[2], &want[3]) && rec_eq(&c.r[3], &want[4]));
	/* The damaged slot stays where it is; later records are kept. */
	assert_int_equal(file_size(path), (off_t)len);
	append_seq(j, 5, 1);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.corrupt, 1);
	assert_true(rec_eq(&c.r[3], &want[4]) && rec_eq(&c.r[4], &want[5]));
	journal_close(j);
	collect_reset(&c);
}

struct foreign_vec {
	int line;
	size_t len;
	uint8_t bytes[HDR_SIZE + REC];
};

static const struct foreign_vec foreign_vecs[] = {
        {__LINE__, 20, "#!/bin/sh\nexit 0\n\n\n"},
        {__LINE__, HDR_SIZE, {'R', 'B', 'L', 'J', 2, 0, 0, 0}}, /* a later version */
        {__LINE__, HDR_SIZE, {'R', 'B', 'L', 'J', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
        {__LINE__, HDR_SIZE, {'r', 'B', 'L', 'J', 1, 0, 0, 0}},
        {__LINE__, 5, "hello"},
        {__LINE__, 2, {'R', 1}},                   /* short, but not our prefix... */
        {__LINE__, 6, {'R', 'B', 'L', 'J', 1, 1}}, /* ...nor this */
};

static void test_foreign_header(void **state)
{
	const char *dir = *state;
	char path[PATH_BUF];
	size_t i;

	path_in(path, dir, "leases.journal");
	for (i = 0; i < sizeof(foreign_vecs) / sizeof(foreign_vecs[0]); i++) {
		const struct foreign_vec *v = &foreign_vecs[i];
		struct journal *j = NULL;
		uint8_t *after;
		size_t len = 0;
		int rc;

		file_write(path, v->bytes, v->len, O_TRUNC);
		rc = journal_open(dir, NULL, NULL, &j, NULL);
		after = file_read(path, &len);
		if (rc != -EPROTO || j != NULL)
			fail_msg("line %d: rc %d", v->line, rc);
		if (!after || len != v->len || memcmp(after, v->bytes, len) != 0)
			fail_msg("line %d: the file was modified", v->line);
		free(after);
	}
}

static void test_torn_header(void **state)
{
	static const uint8_t hdr[HDR_SIZE] = {'R', 'B', 'L', 'J', 1, 0, 0, 0};
	const char *dir = *state;
	char path[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	uint8_t *buf;
	size_t n, len;

	path_in(path, dir, "leases.journal");
	/* A crash while the header was being created leaves a prefix of it:
	 * that is an empty journal, not a foreign file. */
	for (n = 1; n < HDR_SIZE; n++) {
		file_write(path, hdr, n, O_TRUNC);
		j = reopen(dir, &c, &st);
		assert_int_equal(st.records, 0);
		assert_int_equal(journal_size(j), HDR_SIZE);
		journal_close(j);
		buf = file_read(path, &len);
		assert_non_null(buf);
		assert_int_equal(len, HDR_SIZE);
		assert_memory_equal(buf, hdr, HDR_SIZE);
		free(buf);
	}
}

static void test_compact(void **state)
{
	const char *dir = *state;
	char p[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	struct lease_rec snap[3] = {make_rec(100), make_rec(101), make_rec(102)};

	j = reopen(dir, &c, &st);
	append_seq(j, 0, 10);
	assert_int_equal(journal_sync(j), 0);
	assert_int_equal(journal_compact(j, snap, 3), 0);
	assert_int_equal(journal_size(j), HDR_SIZE + 3 * REC);
	assert_int_equal(file_size(path_in(p, dir, "leases.journal")), HDR_SIZE + 3 * REC);
	assert_int_equal(file_size(path_in(p, dir, "leases.journal.tmp")), -1);
	/* Appends go to the new file. */
	append_seq(j, 103, 2);
	assert_int_equal(journal_sync(j), 0);
	journal_close(j);

	j = reopen(dir, &c, &st);
	assert_seq(&c, 100, 5);
	assert_int_equal(st.corrupt, 0);
	assert_int_equal(st.torn_bytes, 0);
	/* An empty snapshot leaves just the header. */
	assert_int_equal(journal_compact(j, NULL, 0), 0);
	assert_int_equal(journal_size(j), HDR_SIZE);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_int_equal(c.n, 0);
	journal_close(j);
	collect_reset(&c);
}

static void test_compact_leftover_tmp(void **state)
{
	const char *dir = *state;
	char tmp[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	uint8_t junk[1000];
	struct lease_rec snap[2] = {make_rec(50), make_rec(51)};

	path_in(tmp, dir, "leases.journal.tmp");
	j = reopen(dir, &c, &st);
	append_seq(j, 0, 4);
	journal_close(j);
	/* A compaction that crashed before its rename: the tmp file is
	 * longer than the next snapshot, and holds valid-looking records. */
	memset(junk, 0, sizeof(junk));
	encode_seq(junk + HDR_SIZE, 900, 20);
	file_write(tmp, junk, sizeof(junk), O_TRUNC);

	j = reopen(dir, &c, &st);
	assert_seq(&c, 0, 4);
	assert_int_equal(st.corrupt, 0);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(journal_compact(j, snap, 2), 0);
	assert_int_equal(file_size(tmp), -1);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_seq(&c, 50, 2);
	journal_close(j);
	collect_reset(&c);
}

/* Run journal_append or journal_compact with the file size limit at
 * @p limit bytes, SIGXFSZ ignored, and restore both before returning. */
static int with_fsize_limit(rlim_t limit, struct journal *j, const struct lease_rec *r, size_t n,
                            int compact)
{
	struct rlimit old, lim;
	void (*old_sig)(int);
	int rc;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = limit;
	old_sig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = compact ? journal_compact(j, r, n) : journal_append(j, r, n);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_sig);
	return rc;
}

static void test_append_failure(void **state)
{
	const char *dir = *state;
	char path[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	struct lease_rec r[3] = {make_rec(4), make_rec(5), make_rec(6)};

	path_in(path, dir, "leases.journal");
	j = reopen(dir, &c, &st);
	append_seq(j, 0, 4);
	/* Room for one record and a quarter: the write goes short, then
	 * fails, and the partial batch is cut off again. */
	assert_int_equal(with_fsize_limit(HDR_SIZE + 4 * REC + 40, j, r, 3, 0), -EFBIG);
	assert_int_equal(journal_size(j), HDR_SIZE + 4 * REC);
	assert_int_equal(file_size(path), HDR_SIZE + 4 * REC);
	/* The journal goes on working. */
	append_seq(j, 4, 1);
	assert_int_equal(journal_sync(j), 0);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_seq(&c, 0, 5);
	assert_int_equal(st.torn_bytes, 0);
	journal_close(j);
	collect_reset(&c);
}

static void test_compact_failure(void **state)
{
	const char *dir = *state;
	char tmp[PATH_BUF], victim[PATH_BUF];
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	struct lease_rec snap[64];
	size_t i;

	path_in(tmp, dir, "leases.journal.tmp");
	for (i = 0; i < 64; i++)
		snap[i] = make_rec(500 + (uint32_t)i);
	j = reopen(dir, &c, &st);
	append_seq(j, 0, 3);

	/* The tmp file cannot be written: it fails part way (file size
	 * limit) and is removed; the old journal stays in use. */
	assert_int_equal(with_fsize_limit(1000, j, snap, 64, 1), -EFBIG);
	assert_int_equal(file_size(tmp), -1);
	assert_int_equal(journal_size(j), HDR_SIZE + 3 * REC);
	append_seq(j, 3, 1);

	/* The tmp name is taken by a directory: nothing is removed that the
	 * journal did not create. */
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(journal_compact(j, snap, 64), -EISDIR);
	append_seq(j, 4, 1);
	assert_int_equal(journal_sync(j), 0);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_seq(&c, 0, 5);
	assert_int_equal(rmdir(tmp), 0);

	/* A link in its place is not followed. */
	assert_int_equal(symlink("victim", tmp), 0);
	assert_int_equal(journal_compact(j, snap, 64), -ELOOP);
	assert_int_equal(file_size(path_in(victim, dir, "victim")), -1);
	assert_int_equal(unlink(tmp), 0);

	/* And once the cause is gone, compaction works. */
	assert_int_equal(journal_compact(j, snap, 64), 0);
	journal_close(j);
	j = reopen(dir, &c, &st);
	assert_seq(&c, 500, 64);
	journal_close(j);
	collect_reset(&c);
}

/* ---- crash safety with real processes ---- */

#define CRASH_RUNS    20
#define CRASH_TIMEOUT 5000 /* ms without news from the writer: fail */

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The writer: replay to find where the sequence stands, then append
 * batches of the sequence, sync each, and report the synced count on
 * @p fd.  Never returns; killed by the parent. */
static void crash_writer(const char *dir, int fd, uint32_t seed)
{
	struct lease_rec batch[256];
	struct collect c = {0};
	struct journal *j;
	uint64_t seq;
	size_t i, n;

	if (journal_open(dir, collect_cb, &c, &j, NULL) < 0)
		_exit(2);
	seq = c.n;
	free(c.r);
	for (;;) {
		n = 1 + xorshift(&seed) % 256;
		for (i = 0; i < n; i++)
			batch[i] = make_rec((uint32_t)(seq + i));
		if (journal_append(j, batch, n) < 0 || journal_sync(j) < 0)
			_exit(3);
		seq += n;
		if (write(fd, &seq, sizeof(seq)) != sizeof(seq))
			_exit(4);
	}
}

/* Read one count from the writer; 0 at EOF, -1 on timeout or error. */
static int read_count(int fd, uint64_t *v)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, CRASH_TIMEOUT) != 1)
		return -1;
	n = read(fd, v, sizeof(*v));
	if (n == 0)
		return 0;
	return n == sizeof(*v) ? 1 : -1;
}

static void test_crash_kill9(void **state)
{
	const char *dir = *state;
	uint32_t seed = ((uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16)) | 1;
	uint64_t synced = 0, checked = 0, count;
	struct journal_stats st;
	struct collect c = {0};
	struct journal *j;
	size_t torn_runs = 0, torn_total = 0;
	int run;

	print_message("crash: seed %u\n", seed);
	j = reopen(dir, &c, &st);
	journal_close(j);
	for (run = 0; run < CRASH_RUNS; run++) {
		uint32_t reads = 1 + xorshift(&seed) % 24, delay = xorshift(&seed) % 3000;
		uint64_t before = synced;
		int pfd[2], status, rc;
		pid_t pid;

		assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pfd[0]);
			crash_writer(dir, pfd[1], xorshift(&seed));
		}
		close(pfd[1]);
		/* Let it commit a few batches, then kill it at a random
		 * point of its append/sync/report cycle. */
		while (reads-- > 0) {
			rc = read_count(pfd[0], &count);
			if (rc != 1) {
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				fail_msg("run %d: the writer stopped reporting (%d)", run, rc);
			}
			synced = count;
		}
		usleep(delay);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("run %d: the writer failed on its own (status %#x)", run, status);
		/* Counts already in the pipe were synced before the kill. */
		while ((rc = read_count(pfd[0], &count)) == 1)
			synced = count;
		assert_int_equal(rc, 0);
		close(pfd[0]);

		/* Every synced record is there, in order; more is allowed. */
		j = reopen(dir, &c, &st);
		if (c.n < synced)
			fail_msg("run %d: %zu records replayed, %llu were synced", run, c.n,
			         (unsigned long long)synced);
		assert_seq(&c, 0, c.n);
		assert_int_equal(st.corrupt, 0);
		journal_close(j);
		if (st.torn_bytes) {
			torn_runs++;
			torn_total += st.torn_bytes;
		}
		checked += synced - before;
		synced = c.n; /* the next writer continues from the replay */
	}
	print_message("crash: %d runs, %llu synced records checked, %zu replayed, "
	              "%zu runs with a torn tail (%zu bytes)\n",
	              CRASH_RUNS, (unsigned long long)checked, c.n, torn_runs, torn_total);
	collect_reset(&c);
}

#define dir_test(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_crc32c),
	        cmocka_unit_test(test_encode_vectors),
	        cmocka_unit_test(test_scan_round_trip),
	        cmocka_unit_test(test_scan_short),
	        cmocka_unit_test(test_scan_torn_tail),
	        cmocka_unit_test(test_scan_corrupt_middle),
	        cmocka_unit_test(test_scan_bad_tail_slots),
	        cmocka_unit_test(test_scan_strict_fields),
	        dir_test(test_open_new),
	        dir_test(test_open_missing_dir),
	        dir_test(test_replay),
	        dir_test(test_prealloc),
	        dir_test(test_torn_tail_reopen),
	        dir_test(test_corrupt_middle_reopen),
	        dir_test(test_foreign_header),
	        dir_test(test_torn_header),
	        dir_test(test_compact),
	        dir_test(test_compact_leftover_tmp),
	        dir_test(test_append_failure),
	        dir_test(test_compact_failure),
	        dir_test(test_crash_kill9),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
