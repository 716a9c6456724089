/* SPDX-License-Identifier: MIT */
/*
 * iscsi_pattern.c - an initiator for the tests, on libiscsi: logs in to a
 * target URL, checks that zero-length READ(10)/WRITE(10) complete with
 * GOOD, then writes a pattern (the LBA and a seed in every 8 bytes) over
 * the whole volume with many commands in flight, reads it all back and
 * compares.  Bounded by a deadline.
 *
 *   iscsi_pattern [-i IQN] [-H] [-q DEPTH] [-c BYTES] [-s SEED] [-m USER%SECRET]
 *                 [-t SECONDS] [-r] iscsi://user%secret@host:port/iqn/0
 *
 * -H asks for CRC32C header digests, -m for mutual CHAP, -r only reads and
 * verifies (a pattern written by an earlier run with the same seed).  -w
 * idles that long after the login, answering the target's NOP-In pings;
 * -W idles without reading the socket at all (a dead peer).  -z stops
 * after the zero-length commands (nothing should reach the backstore).
 * -C LBA,BLOCKS,BYTE checks COMPARE AND WRITE instead (SBC-3 5.2): BLOCKS
 * of 'A' written at LBA, a compare whose byte BYTE differs must end in
 * MISCOMPARE with INFORMATION = BYTE and leave the 'A's, then a compare
 * that matches must write the 'B's.
 * Prints "ok BYTES" and exits 0, or says what differed and exits 1.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

struct run {
	struct iscsi_context *iscsi;
	int lun;
	uint64_t blocks;
	uint32_t bs;
	uint32_t chunk; /* bytes per command */
	uint64_t next;  /* next byte offset to issue */
	uint64_t size;
	unsigned inflight, depth;
	int writing;
	int failed;
	uint64_t seed;
	unsigned char *bufs; /* depth * chunk */
	unsigned *free_slots;
	unsigned nfree;
};

struct req {
	struct run *r;
	unsigned slot;
	uint64_t off;
	uint32_t len;
};

static void fill(unsigned char *p, uint64_t off, uint32_t len, uint64_t seed)
{
	uint32_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t v = ((off + i) / 512) * 0x9e3779b97f4a7c15ull ^ seed ^ (off + i);

		memcpy(p + i, &v, 8);
	}
}

static void issue(struct run *r);

static void on_done(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct req *q = priv;
	struct run *r = q->r;
	struct scsi_task *task = data;

	(void)iscsi;
	if (status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "%s at byte %" PRIu64 " failed: %s\n",
		        r->writing ? "write" : "read", q->off, iscsi_get_error(r->iscsi));
		r->failed = 1;
	} else if (!r->writing) {
		unsigned char *want = r->bufs + (size_t)q->slot * r->chunk;

		fill(want, q->off, q->len, r->seed);
		if (task->datain.size != (int)q->len || memcmp(task->datain.data, want, q->len)) {
			uint32_t i = 0;

			while (i < q->len && i < (uint32_t)task->datain.size &&
			       task->datain.data[i] == want[i])
				i++;
			fprintf(stderr, "read at byte %" PRIu64 ": differs at byte %" PRIu64 "\n",
			        q->off, q->off + i);
			r->failed = 1;
		}
	}
	scsi_free_scsi_task(task);
	r->free_slots[r->nfree++] = q->slot;
	r->inflight--;
	free(q);
	issue(r);
}

static void issue(struct run *r)
{
	while (!r->failed && r->inflight < r->depth && r->next < r->size) {
		struct req *q = calloc(1, sizeof(*q));
		struct scsi_task *t;
		unsigned char *buf;

		if (!q) {
			r->failed = 1;
			return;
		}
		q->r = r;
		q->slot = r->free_slots[--r->nfree];
		q->off = r->next;
		q->len = r->size - r->next < r->chunk ? (uint32_t)(r->size - r->next) : r->chunk;
		buf = r->bufs + (size_t)q->slot * r->chunk;
		if (r->writing) {
			fill(buf, q->off, q->len, r->seed);
			t = iscsi_write16_task(r->iscsi, r->lun, q->off / r->bs, buf, q->len,
			                       (int)r->bs, 0, 0, 0, 0, 0, on_done, q);
		} else {
			t = iscsi_read16_task(r->iscsi, r->lun, q->off / r->bs, q->len, (int)r->bs,
			                      0, 0, 0, 0, 0, on_done, q);
		}
		if (!t) {
			fprintf(stderr, "cannot queue a command: %s\n", iscsi_get_error(r->iscsi));
			free(q);
			r->failed = 1;
			return;
		}
		r->next += q->len;
		r->inflight++;
	}
}

/* Run the event loop until everything issued has completed. */
/* All @p len bytes of @p t's Data-In are @p c. */
static int all_are(const struct scsi_task *t, uint32_t len, unsigned char c)
{
	uint32_t i;

	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size != (int)len)
		return 0;
	for (i = 0; i < len; i++)
		if (t->datain.data[i] != c)
			return 0;
	return 1;
}

/* -C: COMPARE AND WRITE of @p n blocks at @p lba, miscomparing at @p byte. */
static int caw_check(struct run *r, uint64_t lba, uint32_t n, uint32_t byte)
{
	uint32_t len = n * r->bs;
	unsigned char *buf = malloc(2 * (size_t)len);
	const unsigned char *sense;
	struct scsi_task *t = NULL;
	uint32_t info = 0;
	int ok = 0;

	if (!buf || byte >= len)
		goto out;
	memset(buf, 'A', len);
	t = iscsi_write16_sync(r->iscsi, r->lun, lba, buf, len, (int)r->bs, 0, 0, 0, 0, 0);
	if (!t || t->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "WRITE(16) failed: %s\n", iscsi_get_error(r->iscsi));
		goto out;
	}
	scsi_free_scsi_task(t);
	buf[byte] = 'C';
	memset(buf + len, 'B', len);
	t = iscsi_compareandwrite_sync(r->iscsi, r->lun, lba, buf, 2 * len, (int)r->bs, 0, 0, 0, 0,
	                               0);
	if (!t || t->status != SCSI_STATUS_CHECK_CONDITION ||
	    t->sense.key != SCSI_SENSE_MISCOMPARE ||
	    t->sense.ascq != SCSI_SENSE_ASCQ_MISCOMPARE_DURING_VERIFY || t->datain.size < 2 + 7) {
		fprintf(stderr, "COMPARE AND WRITE with a difference: not MISCOMPARE: %s\n",
		        iscsi_get_error(r->iscsi));
		goto out;
	}
	/* fixed-format sense after the 2-byte length: VALID, INFORMATION */
	sense = t->datain.data + 2;
	info = (uint32_t)sense[3] << 24 | (uint32_t)sense[4] << 16 | (uint32_t)sense[5] << 8 |
	       sense[6];
	if ((sense[0] & 0x7f) != 0x70 || !(sense[0] & 0x80) || info != byte) {
		fprintf(stderr, "MISCOMPARE: sense %02x, INFORMATION %u, not %u\n", sense[0], info,
		        byte);
		goto out;
	}
	scsi_free_scsi_task(t);
	t = iscsi_read16_sync(r->iscsi, r->lun, lba, len, (int)r->bs, 0, 0, 0, 0, 0);
	if (!all_are(t, len, 'A')) {
		fprintf(stderr, "the data changed after a miscompare\n");
		goto out;
	}
	scsi_free_scsi_task(t);
	buf[byte] = 'A';
	t = iscsi_compareandwrite_sync(r->iscsi, r->lun, lba, buf, 2 * len, (int)r->bs, 0, 0, 0, 0,
	                               0);
	if (!t || t->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "COMPARE AND WRITE that matches failed: %s\n",
		        iscsi_get_error(r->iscsi));
		goto out;
	}
	scsi_free_scsi_task(t);
	t = iscsi_read16_sync(r->iscsi, r->lun, lba, len, (int)r->bs, 0, 0, 0, 0, 0);
	if (!all_are(t, len, 'B')) {
		fprintf(stderr, "COMPARE AND WRITE that matched did not write\n");
		goto out;
	}
	printf("ok caw: miscompare at byte %u reported as %u, data kept; a match written\n", byte,
	       info);
	ok = 1;
out:
	if (t)
		scsi_free_scsi_task(t);
	free(buf);
	return ok ? 0 : -1;
}

static int pass(struct run *r, int writing, time_t deadline)
{
	r->writing = writing;
	r->next = 0;
	issue(r);
	while (r->inflight) {
		struct pollfd pfd = {.fd = iscsi_get_fd(r->iscsi),
		                     .events = (short)iscsi_which_events(r->iscsi)};

		if (time(NULL) > deadline) {
			fprintf(stderr, "deadline passed with %u commands in flight\n",
			        r->inflight);
			return -1;
		}
		if (poll(&pfd, 1, 1000) < 0 || iscsi_service(r->iscsi, pfd.revents) < 0) {
			fprintf(stderr, "connection failed: %s\n", iscsi_get_error(r->iscsi));
			return -1;
		}
	}
	return r->failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *initiator = "iqn.2026-11.test.rackboot:pattern", *mutual = NULL;
	struct run r = {.depth = 32, .chunk = 256 * 1024, .seed = 1};
	struct iscsi_url *url;
	struct scsi_task *t;
	int opt, hd = 0, read_only = 0, seconds = 120, idle = 0, dead = 0, zero_only = 0;
	unsigned long long caw_lba = 0;
	unsigned caw_n = 0, caw_byte = 0;
	time_t deadline;
	unsigned i;

	while ((opt = getopt(argc, argv, "i:Hq:c:s:m:t:rw:W:zC:")) != -1) {
		switch (opt) {
		case 'C':
			if (sscanf(optarg, "%llu,%u,%u", &caw_lba, &caw_n, &caw_byte) != 3 ||
			    !caw_n)
				goto usage;
			break;
		case 'w': idle = atoi(optarg); break;
		case 'W': dead = atoi(optarg); break;
		case 'i': initiator = optarg; break;
		case 'H': hd = 1; break;
		case 'q': r.depth = (unsigned)atoi(optarg); break;
		case 'c': r.chunk = (uint32_t)atoi(optarg); break;
		case 's': r.seed = strtoull(optarg, NULL, 0); break;
		case 'm': mutual = optarg; break;
		case 't': seconds = atoi(optarg); break;
		case 'r': read_only = 1; break;
		case 'z': zero_only = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || !r.depth || r.depth > 1024 || r.chunk < 512 || r.chunk % 512)
		goto usage;
	deadline = time(NULL) + seconds;
	r.iscsi = iscsi_create_context(initiator);
	if (!r.iscsi)
		return 1;
	url = iscsi_parse_full_url(r.iscsi, argv[optind]);
	if (!url) {
		fprintf(stderr, "bad URL: %s\n", iscsi_get_error(r.iscsi));
		return 1;
	}
	iscsi_set_session_type(r.iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(r.iscsi,
	                        hd ? ISCSI_HEADER_DIGEST_CRC32C : ISCSI_HEADER_DIGEST_NONE);
	if (mutual) {
		char u[256];
		const char *pct = strchr(mutual, '%');

		if (!pct || (size_t)(pct - mutual) >= sizeof(u))
			goto usage;
		memcpy(u, mutual, (size_t)(pct - mutual));
		u[pct - mutual] = 0;
		iscsi_set_target_username_pwd(r.iscsi, u, pct + 1);
	}
	iscsi_set_timeout(r.iscsi, seconds);
	if (iscsi_full_connect_sync(r.iscsi, url->portal, url->lun) != 0) {
		fprintf(stderr, "login failed: %s\n", iscsi_get_error(r.iscsi));
		return 1;
	}
	r.lun = url->lun;
	if (idle > 0) {
		/* serve the connection (NOP-In pings get their NOP-Out) */
		time_t until = time(NULL) + idle;

		while (time(NULL) < until) {
			struct pollfd pfd = {.fd = iscsi_get_fd(r.iscsi),
			                     .events = (short)iscsi_which_events(r.iscsi)};

			if (poll(&pfd, 1, 200) < 0 || iscsi_service(r.iscsi, pfd.revents) < 0) {
				fprintf(stderr, "connection failed while idle: %s\n",
				        iscsi_get_error(r.iscsi));
				return 1;
			}
		}
	}
	if (dead > 0) {
		/* a dead peer stays dead: no reconnection behind our back */
		iscsi_set_noautoreconnect(r.iscsi, 1);
		sleep((unsigned)dead);
	}
	t = iscsi_readcapacity16_sync(r.iscsi, r.lun);
	if (!t || t->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "READ CAPACITY(16) failed: %s\n", iscsi_get_error(r.iscsi));
		return 1;
	}
	{
		struct scsi_readcapacity16 *rc16 = scsi_datain_unmarshall(t);

		if (!rc16) {
			fprintf(stderr, "READ CAPACITY(16): bad data\n");
			return 1;
		}
		r.blocks = rc16->returned_lba + 1;
		r.bs = rc16->block_length;
	}
	scsi_free_scsi_task(t);
	r.size = r.blocks * r.bs;
	if (r.chunk % r.bs)
		r.chunk = r.bs;
	/* zero-length transfers: GOOD, and nothing moves (SBC-3 5.15, 5.39) */
	t = iscsi_read10_sync(r.iscsi, r.lun, 0, 0, (int)r.bs, 0, 0, 0, 0, 0);
	if (!t || t->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "zero-length READ(10) was not GOOD\n");
		return 1;
	}
	scsi_free_scsi_task(t);
	t = iscsi_write10_sync(r.iscsi, r.lun, 0, NULL, 0, (int)r.bs, 0, 0, 0, 0, 0);
	if (!t || t->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "zero-length WRITE(10) was not GOOD\n");
		return 1;
	}
	scsi_free_scsi_task(t);
	if (caw_n) {
		if (caw_check(&r, caw_lba, caw_n, caw_byte) < 0)
			return 1;
		zero_only = 1;
	}
	if (zero_only) {
		iscsi_logout_sync(r.iscsi);
		iscsi_destroy_context(r.iscsi);
		iscsi_destroy_url(url);
		printf("ok 0\n");
		return 0;
	}
	r.bufs = malloc((size_t)r.depth * r.chunk);
	r.free_slots = calloc(r.depth, sizeof(*r.free_slots));
	if (!r.bufs || !r.free_slots)
		return 1;
	for (i = 0; i < r.depth; i++)
		r.free_slots[r.nfree++] = i;
	if (!read_only && pass(&r, 1, deadline) < 0)
		return 1;
	if (pass(&r, 0, deadline) < 0)
		return 1;
	iscsi_logout_sync(r.iscsi);
	iscsi_destroy_context(r.iscsi);
	iscsi_destroy_url(url);
	free(r.bufs);
	free(r.free_slots);
	printf("ok %" PRIu64 "\n", r.size);
	return 0;

usage:
	fprintf(stderr, "usage: iscsi_pattern [-i IQN] [-H] [-q DEPTH] [-c BYTES] [-s SEED] "
	                "[-m USER%%SECRET] [-t SECONDS] [-r] [-z] [-w|-W SECONDS] "
	                "[-C LBA,BLOCKS,BYTE] URL\n");
	return 2;
}
