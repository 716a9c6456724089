/* SPDX-License-Identifier: MIT */
/*
 * iscsi_task.c - one SCSI command's life in the iSCSI target: created
 * from its Command PDU, decoded by scsi.c, given its buffers within the
 * session's budget, fed its Data-Out (unsolicited, then one R2T at a time,
 * RFC 7143 4.2.5.2), carried out as store requests on its volume (READ,
 * WRITE, FLUSH, WRITE SAME, UNMAP, COMPARE AND WRITE, VERIFY, ORWRITE,
 * GET LBA STATUS; emulated where the backend leaves an operation to us),
 * then answered with Data-In and SCSI Response (phase collapse, residuals)
 * or aborted.  A task has one destructor (task_free), reached when its
 * last reference goes; a store request in flight and each queued write
 * into its buffer hold one.  I/O errors become sense data here.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "iscsi_int.h"

#define FILL_CHUNK (1024u * 1024)       /* WRITE SAME writes at most this per request */
#define WS_CHUNK   (256u * 1024 * 1024) /* ... or this, where the backend repeats the block */

static void task_respond(struct task *t);
static void data_take(struct task *t, uint32_t off, const uint8_t *p, uint32_t len);
static void data_out_check(struct task *t);

void task_free(struct task *t)
{
	assert(t->refs <= 0); /* nothing in flight, no write points into t->buf */
	if (t->listed) {
		struct conn *c = t->c;

		if (t->prev)
			t->prev->next = t->next;
		else
			c->tasks = t->next;
		if (t->next)
			t->next->prev = t->prev;
		c->ntasks--;
		c->buf_bytes -= t->charged;
		t->listed = 0;
	}
	free(t->buf);
	free(t->aux);
	free(t->ext);
	vol_put(t->vol);
	free(t);
}

/* Called whenever refs drops to 0: the task is finished. */
static void task_continue(struct task *t)
{
	struct conn *c = t->c;

	if (t->refs > 0)
		return;
	task_free(t);
	if (c && c->state == C_FULL && !c->reading)
		conn_pump(c);
}

void task_put(struct task *t)
{
	assert(t->refs > 0);
	if (--t->refs == 0)
		task_continue(t);
}

struct task *task_find(struct conn *c, uint32_t itt)
{
	struct task *t;

	for (t = c->tasks; t; t = t->next)
		if (t->itt == itt)
			return t;
	return NULL;
}

/* Remember a task that ended during its data phase: Data-Out still on
 * the way for it is dropped without a Reject. */
static void itt_bury(struct conn *c, uint32_t itt)
{
	c->dead_itt[c->dead_next++ % DEAD_ITTS] = itt;
}

int itt_dead(const struct conn *c, uint32_t itt)
{
	size_t i;

	for (i = 0; i < DEAD_ITTS; i++)
		if (c->dead_itt[i] == itt && itt != NO_TAG)
			return 1;
	return 0;
}

/* Residual of a command (RFC 7143 11.4.5.1): flags byte bits and count. */
static uint8_t residual(uint32_t edtl, uint32_t spdtl, uint32_t *count)
{
	if (spdtl > edtl) {
		*count = spdtl - edtl;
		return 0x04; /* O: overflow */
	}
	if (spdtl < edtl) {
		*count = edtl - spdtl;
		return 0x02; /* U: underflow */
	}
	*count = 0;
	return 0;
}

/* The SCSI data transfer length (RFC 7143 11.4.5.1 "SPDTL"): what the
 * command itself moves, as decoded, even when it then failed. */
static uint32_t spdtl_of(const struct task *t)
{
	if (t->rd && t->sc.status == SCSI_GOOD)
		return t->sc.in_len;
	return t->spdtl;
}

/* SCSI Response (RFC 7143 11.4), with sense data if any. */
static void send_scsi_rsp(struct task *t)
{
	struct conn *c = t->c;
	uint8_t bhs[ISCSI_BHS_LEN], sense[2 + SCSI_SENSE_MAX];
	uint32_t res;
	uint8_t rflags = residual(t->edtl, spdtl_of(t), &res);
	size_t slen = 0;

	if (t->sc.status == SCSI_CHECK_CONDITION && t->sc.sense_len) {
		be16_put(sense, t->sc.sense_len);
		memcpy(sense + 2, t->sc.sense, t->sc.sense_len);
		slen = 2 + (size_t)t->sc.sense_len;
	}
	iscsi_bhs_init(bhs, ISCSI_OP_SCSI_RSP, 0x80 | rflags, (uint32_t)slen, t->itt);
	bhs[2] = 0; /* command completed at target */
	bhs[3] = t->sc.status;
	put_sn(c, bhs, 1);
	be32_put(bhs + 36, t->r2tsn + t->datasn);
	be32_put(bhs + 44, res);
	send_pdu(c, bhs, sense, slen, NULL);
}

/* Data-In PDUs for @p len bytes of t->buf; status in the last one when
 * GOOD (RFC 7143 11.7.4: "phase collapse"). */
static void send_data_in(struct task *t, uint32_t len)
{
	struct conn *c = t->c;
	uint32_t mrdsl = c->p.max_recv_dsl ? c->p.max_recv_dsl : 8192;
	uint32_t burst = c->p.max_burst ? c->p.max_burst : 262144;
	uint32_t off = 0, in_burst = 0;
	int collapse = t->sc.status == SCSI_GOOD;

	while (off < len) {
		uint8_t bhs[ISCSI_BHS_LEN], flags = 0;
		uint32_t n = len - off;
		int last;

		if (n > mrdsl)
			n = mrdsl;
		if (n > burst - in_burst)
			n = burst - in_burst;
		last = off + n == len;
		in_burst += n;
		if (last || in_burst == burst) {
			flags |= 0x80; /* F: end of a sequence */
			in_burst = 0;
		}
		if (last && collapse) {
			uint32_t res;

			flags |= 0x01 | residual(t->edtl, spdtl_of(t), &res); /* S */
			iscsi_bhs_init(bhs, ISCSI_OP_DATA_IN, flags, n, t->itt);
			bhs[3] = t->sc.status;
			be32_put(bhs + 44, res);
			memcpy(bhs + 8, t->lun_raw, 8);
			put_sn(c, bhs, 1);
		} else {
			iscsi_bhs_init(bhs, ISCSI_OP_DATA_IN, flags, n, t->itt);
			memcpy(bhs + 8, t->lun_raw, 8);
			put_sn(c, bhs, 0);
		}
		be32_put(bhs + 20, NO_TAG);
		be32_put(bhs + 36, t->datasn++);
		be32_put(bhs + 40, off);
		send_pdu(c, bhs, t->buf + off, n, t);
		off += n;
	}
	if (!collapse || len == 0)
		send_scsi_rsp(t);
}

/* The task's answer is no longer wanted. */
static int task_dead(const struct task *t)
{
	return t->aborted || !t->c || t->c->state != C_FULL;
}

/* The command is finished (status set): answer and drop the list's ref. */
static void task_respond(struct task *t)
{
	if (task_dead(t)) {
		task_put(t);
		return;
	}
	t->stage = T_SENDING;
	if (t->rd && t->sc.status == SCSI_GOOD && t->sc.in_len) {
		uint32_t n = t->sc.in_len < t->edtl ? t->sc.in_len : t->edtl;

		send_data_in(t, n);
	} else {
		send_scsi_rsp(t);
	}
	task_put(t);
}

static void io_fail(struct task *t, int rc)
{
	enum store_op op = t->io.op;
	int wr = op == STORE_WRITE || op == STORE_DISCARD || op == STORE_WRITESAME ||
	         op == STORE_CAW;

	log_err("iscsi %s: volume %s: %s at byte %llu failed: %s", t->c->peer, t->vol->name,
	        op == STORE_CAW         ? "compare and write"
	        : op == STORE_WRITESAME ? "write same"
	        : wr                    ? "write"
	        : op == STORE_FLUSH     ? "flush"
	                                : "read",
	        (unsigned long long)t->io.off, strerror(-rc));
	scsi_check(&t->sc, SK_MEDIUM_ERROR, wr ? ASC_WRITE_ERROR : ASC_READ_ERROR);
	t->sc.in_len = 0;
}

static void io_on_done(struct store_io *io);

/* Set up @p t's store request; io_go starts it. */
static void io_prep(struct task *t, enum store_op op, uint64_t off, size_t len, void *buf)
{
	memset(&t->io, 0, sizeof(t->io));
	t->io.op = op;
	t->io.off = off;
	t->io.len = len;
	t->io.buf = buf;
	t->io.fua = (op == STORE_WRITE || op == STORE_CAW) && t->sc.fua;
	t->io.cb = io_on_done;
	t->io.data = t;
}

/*
 * Start @p t's store request (io_prep); on failure set the error and
 * answer.  @ret 0 (started); -EOPNOTSUPP when the backend leaves this
 * WRITE SAME or COMPARE AND WRITE to us: nothing is started or answered,
 * and the caller emulates it; another -errno when it failed and was
 * answered (@p t may be gone).
 */
static int io_go(struct task *t)
{
	int rc;

	t->stage = T_IO;
	t->refs++;
	rc = t->vol->ops->submit(t->vol->st, &t->io);
	if (rc < 0) {
		t->refs--;
		if (rc == -EOPNOTSUPP && (t->io.op == STORE_WRITESAME || t->io.op == STORE_CAW))
			return rc;
		io_fail(t, rc);
		task_respond(t);
	}
	return rc;
}

/* Start a store request for @p t; on failure set the error and answer. */
static void io_start(struct task *t, enum store_op op, uint64_t off, size_t len, void *buf)
{
	io_prep(t, op, off, len, buf);
	io_go(t);
}

static void caw_release(struct vol *v);

/*
 * COMPARE AND WRITE (SBC-3 5.2), once it is the volume's turn.  The
 * backend's own (librbd's) is atomic against every client of the volume;
 * where it has none, or not for this range, read, compare and write,
 * which is atomic only against this target's own COMPARE AND WRITEs.
 * Both kinds take turns per volume (vol_turn_take), so an emulated one never
 * overlaps one of ours; the cost is one COMPARE AND WRITE per volume at a
 * time.  The Data-Out is the compare data, then the write data.
 */
static void caw_start(struct task *t)
{
	size_t bytes = (size_t)t->sc.nblocks * BLOCK_SIZE;
	struct vol *v = t->vol;
	int rc;

	v->refs++; /* a failure answers @p t, which may free it and its hold */
	io_prep(t, STORE_CAW, t->sc.lba * BLOCK_SIZE, bytes, t->buf + bytes);
	t->io.cmp = t->buf;
	rc = io_go(t);
	if (rc == -EOPNOTSUPP) {
		io_prep(t, STORE_READ, t->sc.lba * BLOCK_SIZE, bytes, t->aux);
		rc = io_go(t);
	}
	if (rc < 0)
		caw_release(v); /* answered: the next one's turn */
	vol_put(v);
}

static void caw_release(struct vol *v)
{
	struct vol_waiter *w = vol_turn_pass(v);
	struct task *t;

	if (!w)
		return;
	t = container_of(w, struct task, turn);
	t->refs--; /* the queue's reference */
	if (task_dead(t)) {
		task_put(t);
		caw_release(v);
		return;
	}
	caw_start(t);
}

/* Next step of WRITE SAME: the backend repeats the block over up to
 * WS_CHUNK bytes at a time; where it cannot, write it over up to FILL_CHUNK
 * bytes at a time (the pattern is repeated in t->aux); or discard. */
static void write_same_step(struct task *t)
{
	uint64_t left = t->sc.nblocks - t->done_blocks;
	uint64_t lba = t->sc.lba + t->done_blocks;
	uint32_t i, n;

	if (left == 0) {
		t->sc.status = SCSI_GOOD;
		task_respond(t);
		return;
	}
	/* SBC-3 5.42: with UNMAP the blocks are unmapped, whatever the data;
	 * LBPRZ makes them read back as zeroes */
	if (t->sc.unmap) {
		t->done_blocks = t->sc.nblocks;
		io_start(t, STORE_DISCARD, lba * BLOCK_SIZE, (size_t)left * BLOCK_SIZE, NULL);
		return;
	}
	/* NDOB: the block is zeroes (t->buf has SCSI_BUF_MIN bytes at least) */
	if (t->sc.ndob && t->done_blocks == 0)
		memset(t->buf, 0, BLOCK_SIZE);
	if (!t->ws_emulate) {
		n = left > WS_CHUNK / BLOCK_SIZE ? WS_CHUNK / BLOCK_SIZE : (uint32_t)left;
		io_prep(t, STORE_WRITESAME, lba * BLOCK_SIZE, (size_t)n * BLOCK_SIZE, t->buf);
		t->io.plen = BLOCK_SIZE;
		t->done_blocks += n;
		if (io_go(t) == 0)
			return;
		t->done_blocks -= n;
		t->ws_emulate = 1;
	}
	n = left > FILL_CHUNK / BLOCK_SIZE ? FILL_CHUNK / BLOCK_SIZE : (uint32_t)left;
	if (!t->aux) {
		t->aux = malloc(FILL_CHUNK);
		if (!t->aux) {
			scsi_check(&t->sc, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
			task_respond(t);
			return;
		}
		for (i = 0; i < FILL_CHUNK / BLOCK_SIZE; i++)
			memcpy(t->aux + (size_t)i * BLOCK_SIZE, t->buf, BLOCK_SIZE);
	}
	t->done_blocks += n;
	io_start(t, STORE_WRITE, lba * BLOCK_SIZE, (size_t)n * BLOCK_SIZE, t->aux);
}

static void unmap_step(struct task *t)
{
	struct scsi_extent *e;

	if (t->next_ext >= t->n_ext) {
		t->sc.status = SCSI_GOOD;
		task_respond(t);
		return;
	}
	e = &t->ext[t->next_ext++];
	if (!e->nblocks) {
		unmap_step(t);
		return;
	}
	io_start(t, STORE_DISCARD, e->lba * BLOCK_SIZE, (size_t)e->nblocks * BLOCK_SIZE, NULL);
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return n;
}

/* A store request finished: the next step of the command. */
static void io_on_done(struct store_io *io)
{
	struct task *t = io->data;
	struct scsi_cmd *sc = &t->sc;
	size_t bytes = (size_t)sc->nblocks * BLOCK_SIZE;
	size_t off;

	t->refs--;
	if (io->op == STORE_READ)
		io->nowait ? tgt.n.nowait_reads++ : tgt.n.pool_reads++;
	if (task_dead(t)) {
		if (sc->action == SCSI_A_CAW)
			caw_release(t->vol);
		task_put(t);
		return;
	}
	if (io->op == STORE_CAW && io->rc == -EILSEQ) {
		/* SBC-3 5.2: nothing written; INFORMATION is the offset of the
		 * first byte that differs, as the emulation reports it */
		scsi_miscompare(sc, io->miscompare);
		caw_release(t->vol);
		task_respond(t);
		return;
	}
	if (io->rc < 0) {
		io_fail(t, io->rc);
		if (sc->action == SCSI_A_CAW)
			caw_release(t->vol);
		task_respond(t);
		return;
	}
	switch (sc->action) {
	case SCSI_A_READ:
		tgt.n.read_bytes += io->len;
		sc->status = SCSI_GOOD;
		break;
	case SCSI_A_WRITE:
		tgt.n.write_bytes += io->len;
		sc->status = SCSI_GOOD;
		break;
	case SCSI_A_FLUSH: sc->status = SCSI_GOOD; break;
	case SCSI_A_VERIFY:
		if (sc->bytchk == 3) {
			size_t b;

			for (b = 0; b < sc->nblocks; b++) {
				off = first_diff(t->aux + b * BLOCK_SIZE, t->buf, BLOCK_SIZE);
				if (off < BLOCK_SIZE) {
					scsi_miscompare(sc, b * BLOCK_SIZE + off);
					break;
				}
			}
			if (b == sc->nblocks)
				sc->status = SCSI_GOOD;
		} else {
			off = first_diff(t->aux, t->buf, bytes);
			if (off < bytes)
				scsi_miscompare(sc, off);
			else
				sc->status = SCSI_GOOD;
		}
		break;
	case SCSI_A_ORWRITE:
		if (io->op == STORE_READ) {
			for (off = 0; off < bytes; off++)
				t->aux[off] |= t->buf[off];
			io_start(t, STORE_WRITE, sc->lba * BLOCK_SIZE, bytes, t->aux);
			return;
		}
		tgt.n.write_bytes += io->len;
		sc->status = SCSI_GOOD;
		break;
	case SCSI_A_CAW:
		if (io->op == STORE_READ) {
			off = first_diff(t->aux, t->buf, bytes);
			if (off < bytes) {
				scsi_miscompare(sc, off);
				caw_release(t->vol);
				break;
			}
			io_start(t, STORE_WRITE, sc->lba * BLOCK_SIZE, bytes, t->buf + bytes);
			return;
		}
		tgt.n.write_bytes += io->len;
		sc->status = SCSI_GOOD;
		caw_release(t->vol);
		break;
	case SCSI_A_WRITE_SAME: write_same_step(t); return;
	case SCSI_A_UNMAP: unmap_step(t); return;
	case SCSI_A_LBA_STATUS: {
		struct scsi_lba_desc d = {
		        .lba = sc->lba,
		        .nblocks = io->run / BLOCK_SIZE > UINT32_MAX
		                           ? UINT32_MAX
		                           : (uint32_t)(io->run / BLOCK_SIZE),
		        .status = io->mapped ? 0 : 1,
		};

		if (!d.nblocks)
			d.nblocks = 1;
		scsi_lba_status(sc, &d, 1);
		break;
	}
	default: sc->status = SCSI_GOOD; break;
	}
	task_respond(t);
}

/* All Data-Out is in: carry the command out. */
static void task_execute(struct task *t)
{
	struct scsi_cmd *sc = &t->sc;
	size_t bytes = (size_t)sc->nblocks * BLOCK_SIZE;
	int n;

	switch (sc->action) {
	case SCSI_A_DONE: task_respond(t); return;
	case SCSI_A_READ: io_start(t, STORE_READ, sc->lba * BLOCK_SIZE, bytes, t->buf); return;
	case SCSI_A_WRITE: io_start(t, STORE_WRITE, sc->lba * BLOCK_SIZE, bytes, t->buf); return;
	case SCSI_A_FLUSH: io_start(t, STORE_FLUSH, 0, 0, NULL); return;
	case SCSI_A_VERIFY:
	case SCSI_A_ORWRITE: io_start(t, STORE_READ, sc->lba * BLOCK_SIZE, bytes, t->aux); return;
	case SCSI_A_CAW:
		if (!vol_turn_take(t->vol, &t->turn)) {
			t->refs++; /* the queue's; dropped like a store request's */
			t->stage = T_IO;
			return;
		}
		caw_start(t);
		return;
	case SCSI_A_WRITE_SAME: write_same_step(t); return;
	case SCSI_A_UNMAP:
		t->ext = calloc(SCSI_UNMAP_DESC_MAX, sizeof(*t->ext));
		if (!t->ext) {
			scsi_check(sc, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
			task_respond(t);
			return;
		}
		n = scsi_unmap_parse(&t->vol->lun, sc, t->buf, t->want, t->ext,
		                     SCSI_UNMAP_DESC_MAX);
		if (n < 0) {
			task_respond(t);
			return;
		}
		t->n_ext = n;
		unmap_step(t);
		return;
	case SCSI_A_LBA_STATUS:
		io_start(t, STORE_STATUS, sc->lba * BLOCK_SIZE,
		         (size_t)((t->vol->lun.blocks - sc->lba) * BLOCK_SIZE), NULL);
		return;
	case SCSI_A_PARAM:
		scsi_param_out(&t->vol->lun, sc, t->buf, t->want);
		task_respond(t);
		return;
	}
	task_respond(t);
}

/* Solicit the next part of the Data-Out (RFC 7143 11.8), one R2T at a time. */
static void send_r2t(struct task *t)
{
	struct conn *c = t->c;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t burst = c->p.max_burst ? c->p.max_burst : 262144;
	uint32_t n = t->want - t->r2t_next;

	if (n > burst)
		n = burst;
	iscsi_bhs_init(bhs, ISCSI_OP_R2T, 0x80, 0, t->itt);
	memcpy(bhs + 8, t->lun_raw, 8);
	t->ttt = ++c->next_ttt == NO_TAG ? ++c->next_ttt : c->next_ttt;
	be32_put(bhs + 20, t->ttt);
	put_sn(c, bhs, 0);
	be32_put(bhs + 36, t->r2tsn++);
	be32_put(bhs + 40, t->r2t_next);
	be32_put(bhs + 44, n);
	t->r2t_end = t->r2t_next + n;
	t->r2t_next += n;
	t->exp_datasn = 0;
	send_pdu(c, bhs, NULL, 0, NULL);
}

/* Data-Out progress: done, or another R2T. */
static void data_out_check(struct task *t)
{
	if (t->r2t_end && t->got >= t->r2t_end)
		t->r2t_end = 0; /* the R2T is satisfied */
	if (t->got >= t->expect && t->got >= t->want) {
		t->r2t_end = 0;
		task_execute(t);
		return;
	}
	if (!t->r2t_end && t->r2t_next < t->want && t->got >= t->r2t_next)
		send_r2t(t);
}

/* Copy Data-Out payload at @p off into the task. */
static void data_take(struct task *t, uint32_t off, const uint8_t *p, uint32_t len)
{
	if (off < t->want) {
		uint32_t n = t->want - off < len ? t->want - off : len;

		memcpy(t->buf + off, p, n);
	}
	t->got += len;
}

/* A new task for a SCSI Command PDU, on its connection's list with the
 * list's reference and one on the volume (I/O in flight outlives the
 * session). */
static struct task *task_new(struct conn *c, const struct iscsi_pdu *pdu, uint32_t cmdsn)
{
	const uint8_t *b = pdu->bhs;
	struct task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->c = c;
	t->vol = c->vol;
	t->vol->refs++;
	t->refs = 1;
	t->itt = pdu->itt;
	t->cmdsn = cmdsn;
	memcpy(t->lun_raw, b + 8, 8);
	memcpy(t->cdb, b + 32, 16);
	t->edtl = be32_get(b + 20);
	t->rd = (b[1] >> 6) & 1;
	t->wr = (b[1] >> 5) & 1;
	t->next = c->tasks;
	if (c->tasks)
		c->tasks->prev = t;
	c->tasks = t;
	c->ntasks++;
	t->listed = 1;

	t->sc.cdb = t->cdb;
	/* SAM-5 4.7: single-level LUN, peripheral or flat addressing */
	t->sc.lun = (uint64_t)(b[8] & 0x3f) << 8 | b[9];
	t->sc.nexus = c->nexus;
	t->sc.port = c->port;
	t->sc.edtl = t->edtl;
	return t;
}

/* The command ends unexecuted with this sense; no Data-Out is kept. */
static void task_refuse(struct task *t, uint8_t key, uint16_t asc)
{
	scsi_check(&t->sc, key, asc);
	t->want = 0;
}

/* Decode the CDB (scsi_exec) with a first buffer; @ret 0, or -ENOMEM
 * with the error set. */
static int task_decode(struct task *t)
{
	t->buflen = SCSI_BUF_MIN;
	t->buf = malloc(t->buflen);
	if (!t->buf) {
		scsi_check(&t->sc, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
		return -ENOMEM;
	}
	t->sc.buf = t->buf;
	t->sc.cap = t->buflen;
	scsi_exec(&t->vol->lun, &t->sc);
	t->spdtl = t->rd ? t->sc.in_len : t->sc.out_len;
	return 0;
}

/* How much Data-Out the command takes (want) and the initiator sends
 * (expect).  @ret the bytes the initiator may send unsolicited. */
static uint32_t task_plan_data(struct task *t, const struct iscsi_pdu *pdu)
{
	const struct conn *c = t->c;
	uint32_t unsol = pdu->data_len;

	if (t->wr && !c->p.initial_r2t) {
		uint32_t fb = c->p.first_burst < t->edtl ? c->p.first_burst : t->edtl;

		if (fb > unsol)
			unsol = fb;
	}
	if (t->sc.action == SCSI_A_DONE || !t->wr) {
		/* no Data-Out wanted; unsolicited data is drained and ignored */
		t->want = 0;
	} else {
		t->want = t->sc.out_len < t->edtl ? t->sc.out_len : t->edtl;
		if (t->sc.out_len > t->edtl) {
			/* RFC 7143 11.4.5.1 and SBC: write what was sent, whole
			 * blocks only, with an overflow residual */
			if (t->sc.action == SCSI_A_WRITE && t->edtl % BLOCK_SIZE == 0) {
				t->sc.nblocks = t->edtl / BLOCK_SIZE;
				if (!t->sc.nblocks)
					t->sc.action = SCSI_A_DONE;
			} else {
				task_refuse(t, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IU);
			}
		}
	}
	if (!t->wr && t->sc.action != SCSI_A_DONE && t->sc.out_len)
		/* a command that carries data sent without the W bit */
		task_refuse(t, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
	t->expect = t->wr ? (unsol < t->edtl ? unsol : t->edtl) : 0;
	if (t->want > t->expect)
		t->expect = t->want;
	return unsol;
}

/* Does the command read blocks back (into t->aux) before it answers? */
static int task_reads_back(const struct task *t)
{
	return t->sc.action == SCSI_A_VERIFY || t->sc.action == SCSI_A_CAW ||
	       t->sc.action == SCSI_A_ORWRITE;
}

/* Buffers: Data-In of a READ, Data-Out, and what gets read back, within
 * the session's budget (SAM-5 5.3: TASK SET FULL, the initiator retries). */
static void task_buffers(struct task *t)
{
	struct conn *c = t->c;
	size_t need = 0, total;

	if (t->sc.action == SCSI_A_READ)
		need = (size_t)t->sc.nblocks * BLOCK_SIZE;
	if (t->want > need)
		need = t->want;
	total = need + (task_reads_back(t) ? (size_t)t->sc.nblocks * BLOCK_SIZE : 0);
	if (c->ntasks > 1 && c->buf_bytes + total > SESSION_BUF_MAX) {
		t->sc.status = SCSI_TASK_SET_FULL;
		t->sc.sense_len = 0;
		t->sc.action = SCSI_A_DONE;
		t->sc.in_len = 0;
		t->want = 0;
		need = 0;
	} else {
		t->charged = total;
		c->buf_bytes += total;
	}
	if (need > t->buflen) {
		uint8_t *nb = realloc(t->buf, need);

		if (!nb) {
			task_refuse(t, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
		} else {
			t->buf = nb;
			t->buflen = need;
		}
	}
	if (task_reads_back(t)) {
		t->aux = malloc((size_t)t->sc.nblocks * BLOCK_SIZE + 1);
		if (!t->aux)
			task_refuse(t, SK_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
	}
}

int task_start(struct conn *c, const struct iscsi_pdu *pdu, uint32_t cmdsn)
{
	struct task *t = task_new(c, pdu, cmdsn);
	uint32_t unsol;

	if (!t)
		return -ENOMEM;
	if (task_decode(t) < 0) {
		task_respond(t);
		return 0;
	}
	unsol = task_plan_data(t, pdu);
	task_buffers(t);
	if (pdu->data_len && t->wr)
		data_take(t, 0, pdu->data, pdu->data_len);
	/* RFC 7143 4.2.5.2: R2Ts solicit what the unsolicited data left */
	t->r2t_next = c->p.initial_r2t ? pdu->data_len : unsol;
	if (t->r2t_next > t->want)
		t->r2t_next = t->want;
	t->stage = T_DATA_OUT;
	data_out_check(t);
	return 0;
}

void task_data_out(struct task *t, const struct iscsi_pdu *pdu)
{
	struct conn *c = t->c;
	const uint8_t *b = pdu->bhs;
	uint32_t ttt = be32_get(b + 20);
	uint32_t datasn = be32_get(b + 36);
	uint32_t off = be32_get(b + 40);

	if (datasn != t->exp_datasn || (uint64_t)off + pdu->data_len > t->edtl || off != t->got) {
		/* RFC 7143 7.1.1: ErrorRecoveryLevel 0 cannot recover the
		 * sequence: the PDU is rejected and its command ends with
		 * CHECK CONDITION (ABORTED COMMAND, DATA PHASE ERROR); the
		 * rest of its data is dropped and the session goes on */
		tgt.n.protocol_errors++;
		log_warn("iscsi %s: Data-Out out of sequence (DataSN %u, expected %u, offset %u, "
		         "received %u); command ended",
		         c->peer, datasn, t->exp_datasn, off, t->got);
		send_reject(c, b, ISCSI_REJECT_PROTOCOL);
		itt_bury(c, t->itt);
		scsi_check(&t->sc, SK_ABORTED_COMMAND, ASC_DATA_PHASE_ERROR);
		task_respond(t);
		return;
	}
	t->exp_datasn++;
	data_take(t, off, pdu->data, pdu->data_len);
	if ((b[1] & 0x80) && ttt == NO_TAG)
		t->exp_datasn = 0; /* the unsolicited sequence ended */
	data_out_check(t);
}

/* No response will be sent for it (RFC 7143 11.5.1). */
void task_abort(struct task *t)
{
	if (t->aborted)
		return;
	t->aborted = 1;
	if (t->stage == T_DATA_OUT && t->c)
		itt_bury(t->c, t->itt);
	if (t->stage == T_DATA_OUT)
		task_put(t); /* nothing in flight: the list's reference */
	                     /* T_IO: io_on_done drops it; T_SENDING: already answered */
}

void task_abort_all(struct conn *c)
{
	struct task *t, *next;

	for (t = c->tasks; t; t = next) {
		next = t->next;
		task_abort(t);
	}
}

void task_detach_all(struct conn *c)
{
	/* tasks with I/O in flight stay until their callbacks; they see no
	 * connection and are freed without answering */
	while (c->tasks) {
		struct task *t = c->tasks;

		c->tasks = t->next;
		t->listed = 0;
		t->prev = t->next = NULL;
		t->c = NULL;
		if (t->refs <= 0)
			task_free(t);
	}
	c->ntasks = 0;
}
