/* SPDX-License-Identifier: MIT */
/*
 * store_file.c - the embedded backstore: one file per volume,
 * "<storage.dir>/<volume>.img", created sparse at the node's size on first
 * use or cloned from a golden image (a reflink where the filesystem has
 * them, otherwise a copy made off the loop).  An existing file is never
 * overwritten or shrunk.  Reads are first tried on the loop with
 * preadv2(RWF_NOWAIT), which succeeds only from the page cache; anything
 * that could wait on the disk runs on libuv's thread pool.  Owns the
 * volume's descriptor; requests belong to their callers.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/conf.h"
#include "store/store.h"

/* The backend's settings.  Loop only: a reload rewrites them
 * (iscsi_reload), so an open copies what its thread needs into its
 * open_req before leaving the loop. */
static char vol_dir[PATH_MAX];
static char golden_path[PATH_MAX];

/* One open volume.  Owner: whoever opened it (the iSCSI volume table). */
struct store {
	uv_loop_t *loop;
	int fd;
	uint64_t size;
	unsigned inflight;
	int closing;
	int write_nowait_ok;                    /* pwritev2(RWF_NOWAIT) worked once */
	int write_nowait_no;                    /* ... or was refused by the filesystem */
	struct store_io *done_head, *done_tail; /* finished on the loop */
	uv_idle_t idle;
};

static void store_finish_close(struct store *st);

/* An open in progress.  Owner: itself, freed in its after-work callback. */
struct open_req {
	uv_work_t work;
	uv_loop_t *loop;
	char path[PATH_MAX];
	char golden[PATH_MAX]; /* golden_path when the open started ("": none) */
	uint64_t size;
	store_open_cb cb;
	void *data;
	int rc;
	int fd;
	uint64_t got;
};

int store_file_setup(const char *dir, const char *golden)
{
	if (!dir || strlen(dir) >= sizeof(vol_dir))
		return -ENAMETOOLONG;
	snprintf(vol_dir, sizeof(vol_dir), "%s", dir);
	golden_path[0] = 0;
	if (golden) {
		if (strlen(golden) >= sizeof(golden_path))
			return -ENAMETOOLONG;
		snprintf(golden_path, sizeof(golden_path), "%s", golden);
	}
	return 0;
}

int store_file_path(const char *name, char *out, size_t cap)
{
	int n;

	/* the volume name was checked by conf.c: a plain name, no '/' */
	if (!name[0] || strchr(name, '/'))
		return -EINVAL;
	n = snprintf(out, cap, "%s/%s.img", vol_dir, name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Copy @p src into @p dst: a reflink if possible, else copy_file_range. */
static int clone_from(int src, int dst)
{
	struct stat st;
	off_t in = 0, out = 0;

	if (ioctl(dst, FICLONE, src) == 0)
		return 0;
	if (fstat(src, &st) < 0)
		return -errno;
	while (in < st.st_size) {
		ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)(st.st_size - in), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
	}
	return 0;
}

/* Thread pool: create the file under a temporary name, then rename it, so
 * a crash never leaves a half-made volume under the real name. */
static int create_volume(struct open_req *r)
{
	char tmp[PATH_MAX + 8];
	int fd, src = -1, rc;

	snprintf(tmp, sizeof(tmp), "%s.new", r->path);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (r->golden[0]) {
		src = open(r->golden, O_RDONLY | O_CLOEXEC);
		if (src < 0) {
			rc = -errno;
			goto err_golden;
		}
		rc = clone_from(src, fd);
		close(src);
		if (rc < 0)
			goto err_golden;
	}
	/* a clone keeps all of the golden image even if the node's size is
	 * smaller; it only grows */
	if ((!r->golden[0] || lseek(fd, 0, SEEK_END) < (off_t)r->size) &&
	    ftruncate(fd, (off_t)r->size) < 0) {
		rc = -errno;
		goto err_golden;
	}
	if (fsync(fd) < 0 || rename(tmp, r->path) < 0) {
		rc = -errno;
		goto err_golden;
	}
	close(fd);
	return 0;

err_golden:
	close(fd);
	unlink(tmp);
	return rc;
}

static void open_work(uv_work_t *w)
{
	struct open_req *r = w->data;
	struct stat st;

	r->fd = open(r->path, O_RDWR | O_CLOEXEC);
	if (r->fd < 0 && errno == ENOENT) {
		r->rc = create_volume(r);
		if (r->rc < 0)
			return;
		r->fd = open(r->path, O_RDWR | O_CLOEXEC);
	}
	if (r->fd < 0) {
		r->rc = -errno;
		return;
	}
	if (fstat(r->fd, &st) < 0)
		r->rc = -errno;
	else if (!S_ISREG(st.st_mode))
		r->rc = -EINVAL;
	if (r->rc < 0) {
		close(r->fd);
		r->fd = -1;
		return;
	}
	/* grow a volume whose node was given a larger size; never shrink */
	if ((uint64_t)st.st_size < r->size && ftruncate(r->fd, (off_t)r->size) == 0)
		st.st_size = (off_t)r->size;
	r->got = (uint64_t)st.st_size;
}

static void open_after(uv_work_t *w, int status)
{
	struct open_req *r = w->data;
	struct store *st;

	if (status < 0 && r->rc == 0)
		r->rc = status;
	if (r->rc < 0)
		goto err_open;
	st = calloc(1, sizeof(*st));
	if (!st) {
		r->rc = -ENOMEM;
		goto err_open;
	}
	st->loop = r->loop;
	st->fd = r->fd;
	st->size = r->got;
	uv_idle_init(r->loop, &st->idle);
	st->idle.data = st;
	r->cb(st, 0, r->data);
	free(r);
	return;

err_open:
	if (r->fd >= 0)
		close(r->fd);
	r->cb(NULL, r->rc, r->data);
	free(r);
}

static int file_open(uv_loop_t *loop, const char *name, uint64_t size, store_open_cb cb, void *data)
{
	struct open_req *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	rc = store_file_path(name, r->path, sizeof(r->path));
	if (rc < 0)
		goto err_path;
	/* both buffers are PATH_MAX and golden_path is NUL-terminated */
	memcpy(r->golden, golden_path, sizeof(r->golden));
	r->loop = loop;
	r->size = size;
	r->cb = cb;
	r->data = data;
	r->fd = -1;
	r->work.data = r;
	rc = uv_queue_work(loop, &r->work, open_work, open_after);
	if (rc < 0)
		goto err_path;
	return 0;

err_path:
	free(r);
	return rc;
}

static uint64_t file_size(const struct store *st)
{
	return st->size;
}

static unsigned file_busy(const struct store *st)
{
	return st->inflight;
}

/* Full-length pread/pwrite; short transfers are retried, EOF reads zeroes. */
static int rw_all(int fd, struct store_io *io, size_t done)
{
	uint8_t *p = io->buf;

	while (done < io->len) {
		ssize_t n = io->op == STORE_READ
		                    ? pread(fd, p + done, io->len - done, (off_t)(io->off + done))
		                    : pwrite(fd, p + done, io->len - done, (off_t)(io->off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			if (io->op != STORE_READ)
				return -EIO;
			memset(p + done, 0, io->len - done);
			break;
		}
		done += (size_t)n;
	}
	return 0;
}

static void io_work(uv_work_t *w)
{
	struct store_io *io = w->data;
	struct store *st = io->st;
	off_t data, hole;

	switch (io->op) {
	case STORE_READ:
		io->rc = rw_all(st->fd, io, io->run); /* run: bytes read on the loop */
		io->run = 0;
		break;
	case STORE_WRITE:
		io->rc = rw_all(st->fd, io, 0);
		if (io->rc == 0 && io->fua && fdatasync(st->fd) < 0)
			io->rc = -errno;
		break;
	case STORE_FLUSH: io->rc = fdatasync(st->fd) < 0 ? -errno : 0; break;
	case STORE_DISCARD:
		/* reads back as zeroes: LBPRZ holds */
		io->rc = fallocate(st->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		                   (off_t)io->off, (off_t)io->len) < 0
		                 ? -errno
		                 : 0;
		break;
	case STORE_STATUS:
		data = lseek(st->fd, (off_t)io->off, SEEK_DATA);
		if (data < 0 && errno != ENXIO) {
			io->rc = -errno;
			break;
		}
		if (data < 0 || (uint64_t)data >= st->size)
			data = (off_t)st->size; /* no data from here on */
		if ((uint64_t)data > io->off) {
			io->mapped = 0;
			io->run = (uint64_t)data - io->off;
		} else {
			hole = lseek(st->fd, (off_t)io->off, SEEK_HOLE);
			if (hole < 0) {
				io->rc = -errno;
				break;
			}
			io->mapped = 1;
			io->run = (uint64_t)hole - io->off;
		}
		if (io->run > io->len)
			io->run = io->len;
		io->rc = 0;
		break;
	case STORE_WRITESAME:
	case STORE_CAW: io->rc = -EOPNOTSUPP; break; /* refused at submit */
	}
}

static void io_after(uv_work_t *w, int status)
{
	struct store_io *io = w->data;
	struct store *st = io->st;

	if (status < 0)
		io->rc = status;
	st->inflight--;
	io->cb(io);
	if (st->closing && !st->inflight)
		store_finish_close(st);
}

/* Completions found on the loop are delivered from an idle callback, so a
 * callback never runs inside submit. */
static void idle_on_event(uv_idle_t *h)
{
	struct store *st = h->data;

	while (st->done_head) {
		struct store_io *io = st->done_head;

		st->done_head = io->work.data;
		if (!st->done_head)
			st->done_tail = NULL;
		io->work.data = io;
		st->inflight--;
		io->cb(io);
	}
	uv_idle_stop(&st->idle);
	if (st->closing && !st->inflight)
		store_finish_close(st);
}

static void finish_on_loop(struct store *st, struct store_io *io)
{
	io->work.data = NULL; /* reused as the list link until delivered */
	if (st->done_tail)
		st->done_tail->work.data = io;
	else
		st->done_head = io;
	st->done_tail = io;
	uv_idle_start(&st->idle, idle_on_event);
}

/* Try the page cache on the loop; 1 if @p io completed, 0 to go on. */
static int try_nowait(struct store *st, struct store_io *io)
{
	struct iovec iov = {.iov_base = io->buf, .iov_len = io->len};
	ssize_t n;

	if (io->op == STORE_READ) {
		n = preadv2(st->fd, &iov, 1, (off_t)io->off, RWF_NOWAIT);
		if (n == (ssize_t)io->len) {
			io->rc = 0;
			io->nowait = 1;
			return 1;
		}
		io->run = n > 0 ? (uint64_t)n : 0; /* the thread does the rest */
		return 0;
	}
	if (io->op == STORE_WRITE && !io->fua && !st->write_nowait_no) {
		n = pwritev2(st->fd, &iov, 1, (off_t)io->off, RWF_NOWAIT);
		if (n == (ssize_t)io->len) {
			st->write_nowait_ok = 1;
			io->rc = 0;
			io->nowait = 1;
			return 1;
		}
		if (n < 0 && errno == EOPNOTSUPP && !st->write_nowait_ok)
			st->write_nowait_no = 1;
		/* a partial write is simply redone whole by the thread */
	}
	return 0;
}

static int file_submit(struct store *st, struct store_io *io)
{
	int rc;

	if (st->closing)
		return -ESHUTDOWN;
	/* WRITE SAME and COMPARE AND WRITE: iscsi.c emulates them with
	 * reads and writes, which is all a file could do as well */
	if (io->op == STORE_WRITESAME || io->op == STORE_CAW)
		return -EOPNOTSUPP;
	if (io->op != STORE_FLUSH && (io->off > st->size || io->len > st->size - io->off))
		return -ERANGE;
	io->st = st;
	io->rc = 0;
	io->nowait = 0;
	io->run = 0;
	io->mapped = 0;
	st->inflight++;
	if (try_nowait(st, io)) {
		finish_on_loop(st, io);
		return 0;
	}
	io->work.data = io;
	rc = uv_queue_work(st->loop, &io->work, io_work, io_after);
	if (rc < 0)
		st->inflight--;
	return rc;
}

static void idle_on_close(uv_handle_t *h)
{
	free(h->data);
}

/* The last request is done (or there was none): the descriptor can go. */
static void store_finish_close(struct store *st)
{
	assert(st->closing && !st->inflight && st->fd >= 0);
	close(st->fd);
	st->fd = -1;
	uv_close((uv_handle_t *)&st->idle, idle_on_close);
}

/* store.h: close once nothing is in flight.  A thread may still be reading
 * or writing the descriptor, and a completion may wait in the idle list, so
 * with requests in flight the close is finished by the last completion
 * (io_after, idle_on_event) after its callback; new submits are refused
 * meanwhile. */
static void file_close(struct store *st)
{
	if (!st || st->closing)
		return;
	st->closing = 1;
	if (!st->inflight)
		store_finish_close(st);
}

static int file_start(uv_loop_t *loop, const struct conf *c)
{
	(void)loop;
	return store_file_setup(c->storage.dir, c->storage.golden);
}

static void file_reload(const struct conf *old, const struct conf *nc)
{
	if (strcmp(old->storage.dir, nc->storage.dir) != 0 ||
	    (old->storage.golden == NULL) != (nc->storage.golden == NULL) ||
	    (old->storage.golden && strcmp(old->storage.golden, nc->storage.golden) != 0)) {
		/* new opens use the new folder; open volumes stay where they are */
		store_file_setup(nc->storage.dir, nc->storage.golden);
	}
}

/* Nothing backend-wide to stop: each volume goes with its own close. */
static void file_stop(void)
{
}

const struct store_ops store_file_ops = {
        .name = "file",
        .start = file_start,
        .reload = file_reload,
        .stop = file_stop,
        .open = file_open,
        .size = file_size,
        .submit = file_submit,
        .busy = file_busy,
        .close = file_close,
};
