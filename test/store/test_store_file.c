/* SPDX-License-Identifier: MIT */
/*
 * test_store_file.c - the file backstore on a real loop, in a temporary
 * folder: a volume is created sparse at its size, cloned from a golden
 * image, never overwritten or shrunk; reads, writes (with FUA), flushes,
 * discards and mapping queries complete on the loop, never inside submit;
 * page-cache reads are served on the loop.  Ends with uv_loop_close == 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/testlib.h"
#include "store/store.h"

static char *dir;

struct opened {
	struct store *st;
	int rc, calls;
};

static void on_open(struct store *st, int rc, void *data)
{
	struct opened *o = data;

	o->st = st;
	o->rc = rc;
	o->calls++;
}

static struct store *open_vol(uv_loop_t *loop, const char *name, uint64_t size, int want_rc)
{
	struct opened o = {0};

	assert_int_equal(store_file_ops.open(loop, name, size, on_open, &o), 0);
	assert_int_equal(o.calls, 0); /* never from inside open */
	uv_run(loop, UV_RUN_DEFAULT);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.rc, want_rc);
	return o.st;
}

static int in_submit, completions;

static void on_io(struct store_io *io)
{
	assert_int_equal(in_submit, 0);
	completions++;
	(void)io;
}

/* Submit one request and run the loop until it completes. */
static int run_io(uv_loop_t *loop, struct store *st, struct store_io *io)
{
	int before = completions, rc;

	io->cb = on_io;
	in_submit = 1;
	rc = store_file_ops.submit(st, io);
	in_submit = 0;
	if (rc < 0)
		return rc;
	assert_int_equal(completions, before);
	assert_int_equal(store_file_ops.busy(st), 1);
	uv_run(loop, UV_RUN_DEFAULT);
	assert_int_equal(completions, before + 1);
	assert_int_equal(store_file_ops.busy(st), 0);
	return io->rc;
}

/* Set up @p io as one request and run it (run_io). */
static int io_at(uv_loop_t *loop, struct store *st, struct store_io *io, enum store_op op,
                 uint64_t off, void *buf, size_t len)
{
	memset(io, 0, sizeof(*io));
	io->op = op;
	io->off = off;
	io->len = len;
	io->buf = buf;
	return run_io(loop, st, io);
}

static void test_create_rw(void **state)
{
	uv_loop_t loop;
	struct store *st;
	struct store_io io;
	uint8_t w[8192], r[8192];
	char path[256];
	struct stat sb;
	size_t i;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	st = open_vol(&loop, "vol1", 4 << 20, 0);
	assert_non_null(st);
	assert_true(store_file_ops.size(st) == 4 << 20);
	assert_int_equal(store_file_path("vol1", path, sizeof(path)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size == 4 << 20);
	assert_true(sb.st_blocks * 512 < 4 << 20); /* sparse */
	assert_int_equal(sb.st_mode & 0777, 0600);

	for (i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 31 + 7);
	memset(&io, 0, sizeof(io));
	io.op = STORE_WRITE;
	io.off = 1 << 20;
	io.len = sizeof(w);
	io.buf = w;
	io.fua = 1;
	assert_int_equal(run_io(&loop, st, &io), 0);
	assert_int_equal(io_at(&loop, st, &io, STORE_READ, 1 << 20, r, sizeof(r)), 0);
	assert_memory_equal(r, w, sizeof(w));
	assert_int_equal(io.nowait, 1); /* just written: in the page cache */

	/* mapped where written, a hole before it */
	assert_int_equal(io_at(&loop, st, &io, STORE_STATUS, 0, NULL, 4 << 20), 0);
	assert_int_equal(io.mapped, 0);
	assert_true(io.run > 0 && io.run <= 1 << 20);
	assert_int_equal(io_at(&loop, st, &io, STORE_STATUS, 1 << 20, NULL, 3 << 20), 0);
	assert_int_equal(io.mapped, 1);
	assert_true(io.run >= sizeof(w));

	/* discard: reads back as zeroes */
	assert_int_equal(io_at(&loop, st, &io, STORE_DISCARD, 1 << 20, NULL, 4096), 0);
	assert_int_equal(io_at(&loop, st, &io, STORE_READ, 1 << 20, r, sizeof(r)), 0);
	for (i = 0; i < 4096; i++)
		assert_int_equal(r[i], 0);
	assert_memory_equal(r + 4096, w + 4096, 4096);

	assert_int_equal(io_at(&loop, st, &io, STORE_FLUSH, 0, NULL, 0), 0);

	/* out of range: refused at submit, no callback */
	memset(&io, 0, sizeof(io));
	io.op = STORE_READ;
	io.off = (4 << 20) - 512;
	io.len = 1024;
	io.buf = r;
	io.cb = on_io;
	assert_int_equal(store_file_ops.submit(st, &io), -ERANGE);

	/* WRITE SAME and COMPARE AND WRITE are left to the caller's
	 * emulation: refused at submit, no callback, nothing written */
	memset(r, 0x5a, sizeof(r));
	memset(&io, 0, sizeof(io));
	io.op = STORE_WRITESAME;
	io.off = 1 << 20;
	io.len = 4096;
	io.buf = r;
	io.plen = 512;
	io.cb = on_io;
	in_submit = 1;
	assert_int_equal(store_file_ops.submit(st, &io), -EOPNOTSUPP);
	io.op = STORE_CAW;
	io.len = 512;
	io.cmp = w;
	assert_int_equal(store_file_ops.submit(st, &io), -EOPNOTSUPP);
	in_submit = 0;
	assert_int_equal(store_file_ops.busy(st), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(io_at(&loop, st, &io, STORE_READ, 1 << 20, r, 4096), 0);
	for (i = 0; i < 4096; i++)
		assert_int_equal(r[i], 0);

	store_file_ops.close(st);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_existing_kept(void **state)
{
	uv_loop_t loop;
	struct store *st;
	struct store_io io;
	char path[256];
	uint8_t r[512];
	int fd;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(store_file_path("old", path, sizeof(path)), 0);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "precious", 8), 8);
	assert_int_equal(ftruncate(fd, 8 << 20), 0);
	close(fd);
	/* a smaller configured size never shrinks it */
	st = open_vol(&loop, "old", 1 << 20, 0);
	assert_true(store_file_ops.size(st) == 8 << 20);
	assert_int_equal(io_at(&loop, st, &io, STORE_READ, 0, r, sizeof(r)), 0);
	assert_memory_equal(r, "precious", 8);
	store_file_ops.close(st);
	/* a larger one grows it, keeping the data */
	st = open_vol(&loop, "old", 16 << 20, 0);
	assert_true(store_file_ops.size(st) == 16 << 20);
	assert_int_equal(io_at(&loop, st, &io, STORE_READ, 0, r, sizeof(r)), 0);
	assert_memory_equal(r, "precious", 8);
	store_file_ops.close(st);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_golden_and_errors(void **state)
{
	uv_loop_t loop;
	struct store *st;
	struct store_io io;
	char golden[256], path[256];
	uint8_t r[512];
	struct opened o = {0};
	int fd;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	snprintf(golden, sizeof(golden), "%s/golden.raw", dir);
	fd = open(golden, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "GOLDEN", 6, 4096), 6);
	assert_int_equal(ftruncate(fd, 2 << 20), 0);
	close(fd);
	assert_int_equal(store_file_setup(dir, golden), 0);
	st = open_vol(&loop, "clone", 4 << 20, 0);
	assert_true(store_file_ops.size(st) == 4 << 20); /* grown to the node's size */
	assert_int_equal(io_at(&loop, st, &io, STORE_READ, 4096, r, sizeof(r)), 0);
	assert_memory_equal(r, "GOLDEN", 6);
	store_file_ops.close(st);
	/* no temporary file left behind */
	assert_int_equal(store_file_path("clone", path, sizeof(path)), 0);
	strcat(path, ".new");
	assert_int_equal(access(path, F_OK), -1);

	/* a missing golden image fails the open, and leaves nothing */
	snprintf(golden, sizeof(golden), "%s/missing.raw", dir);
	assert_int_equal(store_file_setup(dir, golden), 0);
	assert_null(open_vol(&loop, "nogold", 1 << 20, -ENOENT));
	assert_int_equal(store_file_path("nogold", path, sizeof(path)), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(store_file_setup(dir, NULL), 0);

	/* names that are not plain names */
	assert_int_equal(store_file_ops.open(&loop, "a/b", 1, on_open, &o), -EINVAL);
	assert_int_equal(store_file_ops.open(&loop, "", 1, on_open, &o), -EINVAL);
	assert_int_equal(o.calls, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* store.h: close once nothing is in flight.  A close with a write on the
 * thread pool and a read waiting in the idle list refuses new requests but
 * lets both finish on the descriptor they started on. */
static void test_close_in_flight(void **state)
{
	uv_loop_t loop;
	struct store *st;
	struct store_io wr, rd, late;
	uint8_t w[4096], r[4096], back[4096];
	char path[256];
	int fd, before;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	st = open_vol(&loop, "busy", 1 << 20, 0);
	memset(w, 0xa5, sizeof(w));
	assert_int_equal(io_at(&loop, st, &rd, STORE_WRITE, 0, w, sizeof(w)), 0);

	before = completions;
	memset(&wr, 0, sizeof(wr));
	wr.op = STORE_WRITE;
	wr.off = 8192;
	wr.len = sizeof(w);
	wr.buf = w;
	wr.fua = 1; /* never on the loop: a thread-pool request */
	wr.cb = on_io;
	memset(&rd, 0, sizeof(rd));
	rd.op = STORE_READ;
	rd.len = sizeof(r);
	rd.buf = r;
	rd.cb = on_io;
	in_submit = 1;
	assert_int_equal(store_file_ops.submit(st, &wr), 0);
	assert_int_equal(store_file_ops.submit(st, &rd), 0);
	store_file_ops.close(st);
	store_file_ops.close(st); /* idempotent */
	memset(&late, 0, sizeof(late));
	late.op = STORE_READ;
	late.len = 512;
	late.buf = r;
	late.cb = on_io;
	assert_int_equal(store_file_ops.submit(st, &late), -ESHUTDOWN);
	in_submit = 0;
	assert_int_equal(store_file_ops.busy(st), 2);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(completions, before + 2);
	assert_int_equal(wr.rc, 0);
	assert_int_equal(rd.rc, 0);
	assert_memory_equal(r, w, sizeof(w));
	assert_int_equal(uv_loop_close(&loop), 0); /* the store is gone */

	assert_int_equal(store_file_path("busy", path, sizeof(path)), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, back, sizeof(back), 8192), sizeof(back));
	close(fd);
	assert_memory_equal(back, w, sizeof(w));
}

/* A reload (store_file_setup) while an open is on the thread pool: that
 * open clones the golden image it was started with; the next open uses the
 * new one.  A volume that is not a regular file is refused. */
static void test_reload_during_open(void **state)
{
	uv_loop_t loop;
	struct store *st;
	struct store_io io;
	struct opened o = {0};
	char ga[256], gb[256], path[256];
	uint8_t r[8];
	int fd;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	snprintf(ga, sizeof(ga), "%s/golden-a.raw", dir);
	snprintf(gb, sizeof(gb), "%s/golden-b.raw", dir);
	fd = open(ga, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "AAAAAAAA", 8), 8);
	close(fd);
	fd = open(gb, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "BBBBBBBB", 8), 8);
	close(fd);

	assert_int_equal(store_file_setup(dir, ga), 0);
	assert_int_equal(store_file_ops.open(&loop, "ra", 1 << 20, on_open, &o), 0);
	assert_int_equal(store_file_setup(dir, gb), 0); /* the reload */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.rc, 0);
	assert_int_equal(io_at(&loop, o.st, &io, STORE_READ, 0, r, sizeof(r)), 0);
	assert_memory_equal(r, "AAAAAAAA", 8);
	store_file_ops.close(o.st);

	st = open_vol(&loop, "rb", 1 << 20, 0);
	assert_int_equal(io_at(&loop, st, &io, STORE_READ, 0, r, sizeof(r)), 0);
	assert_memory_equal(r, "BBBBBBBB", 8);
	store_file_ops.close(st);
	assert_int_equal(store_file_setup(dir, NULL), 0);

	/* opens read-write, but is a FIFO: refused, and nothing is created */
	assert_int_equal(store_file_path("fifo", path, sizeof(path)), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(open_vol(&loop, "fifo", 1 << 20, -EINVAL));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static int setup(void **state)
{
	(void)state;
	dir = testdir_new("store");
	if (!dir)
		return -1;
	return store_file_setup(dir, NULL);
}

static int teardown(void **state)
{
	(void)state;
	return testdir_free(dir) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_rw),          cmocka_unit_test(test_existing_kept),
	        cmocka_unit_test(test_golden_and_errors),  cmocka_unit_test(test_close_in_flight),
	        cmocka_unit_test(test_reload_during_open),
	};

	return cmocka_run_group_tests_name("store_file", tests, setup, teardown);
}
