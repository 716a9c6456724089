/* SPDX-License-Identifier: MIT */
/*
 * store.h - backstores: where a node's volume lives.  One ops table per
 * backend (store_file.c, the embedded default; store_rbd.c, Ceph, built as
 * a module that store.c loads with dlopen() only when storage.backend is
 * "rbd", so that the default never maps Ceph's libraries).  Every
 * operation is asynchronous: it is started on the loop and its completion
 * is delivered on the loop; nothing here blocks the loop on a disk or a
 * cluster.  Callers use only the ops table, never its address.
 */
#ifndef RACKBOOT_STORE_H
#define RACKBOOT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

struct buf;
struct conf;
struct store;

enum store_op {
	STORE_READ,
	STORE_WRITE,
	STORE_FLUSH,
	STORE_DISCARD, /* deallocate; the range reads back as zeroes */
	STORE_STATUS,  /* is the range from off mapped?  (mapped, run) */
	/* Optional: a backend without them returns -EOPNOTSUPP from submit
	 * and the caller emulates them with READ and WRITE. */
	STORE_WRITESAME, /* buf's first plen bytes repeated over the range */
	STORE_CAW,       /* compare cmp with the range; equal: write buf there */
};

#define STORE_NOPS (STORE_CAW + 1)

/*
 * One request.  Owner: the caller (an iSCSI task), from submit until its
 * callback; the backend only uses the private part in between.
 */
struct store_io {
	enum store_op op;
	uint64_t off;    /* bytes */
	size_t len;      /* bytes (STATUS: how far to look) */
	void *buf;       /* READ/WRITE/CAW; WRITESAME: the pattern */
	size_t plen;     /* WRITESAME: bytes of the pattern (len is a multiple) */
	const void *cmp; /* CAW: what the range must hold, len bytes */
	int fua;         /* WRITE/WRITESAME/CAW: on stable storage before completing */
	void (*cb)(struct store_io *io);
	void *data; /* the caller's */
	/* out */
	int rc;              /* 0 or -errno; CAW: -EILSEQ on a miscompare (nothing written) */
	int mapped;          /* STATUS: the first byte is allocated */
	uint64_t run;        /* STATUS: bytes from off with the same state */
	int nowait;          /* READ: served on the loop without a thread hop */
	uint64_t miscompare; /* CAW, rc -EILSEQ: first differing byte, from off */
	/* backend private */
	struct store *st;
	uv_work_t work;
};

/* Called when an open finishes: @p st is NULL and @p rc < 0 on failure. */
typedef void (*store_open_cb)(struct store *st, int rc, void *data);

/* Called on the loop when a volume's size changed under it (bytes). */
typedef void (*store_resize_cb)(void *data, uint64_t bytes);

struct store_ops {
	const char *name;
	/** Start the backend on @p loop with storage.* of @p c, before any
	 *  open.  @ret 0 or -errno. */
	int (*start)(uv_loop_t *loop, const struct conf *c);
	/** Reload: storage.* of @p nc applies to volumes opened from now on;
	 *  open ones stay where they are. */
	void (*reload)(const struct conf *old, const struct conf *nc);
	/** Stop once no volume is open.  Asynchronous and idempotent. */
	void (*stop)(void);
	/** Optional: write the backend's counters for /metrics. */
	void (*metrics)(struct buf *b);
	/** Optional: `rackboot -t --online`: reach what the backend needs
	 *  (blocking, bounded), print one line per check to @p out.  @ret the
	 *  number of checks that failed. */
	int (*online)(const struct conf *c, FILE *out);
	/** Open (creating or cloning on first use) volume @p name of @p size
	 *  bytes; completes through @p cb.  @ret 0 or -errno (not started). */
	int (*open)(uv_loop_t *loop, const char *name, uint64_t size, store_open_cb cb, void *data);
	/** Size in bytes. */
	uint64_t (*size)(const struct store *st);
	/** Start @p io; its cb runs on the loop later (never from inside
	 *  submit).  @ret 0, or -errno when not started (cb not called):
	 *  -EOPNOTSUPP for an optional op (WRITESAME, CAW) that the backend
	 *  cannot carry out for this request, which the caller emulates. */
	int (*submit)(struct store *st, struct store_io *io);
	/** Requests still in flight. */
	unsigned (*busy)(const struct store *st);
	/** Close once nothing is in flight. */
	void (*close)(struct store *st);
	/** Optional (NULL: the size never changes under the volume): have
	 *  @p cb called on the loop with the new size whenever it changes,
	 *  until close. */
	void (*watch)(struct store *st, store_resize_cb cb, void *data);
};

extern const struct store_ops store_file_ops;

/** Set the file backend's folder and golden image (NULL: none) before opens. */
int store_file_setup(const char *dir, const char *golden);

/** The file backend's path for volume @p name ("<dir>/<name>.img"). */
int store_file_path(const char *name, char *out, size_t cap);

/* A backend module (a shared object in RACKBOOT_MODULE_DIR) exports one
 * function, STORE_MODULE_SYM, returning this.  The layout of struct
 * store_ops and struct conf is this build's, so the loader takes only a
 * module of the same ABI and the same rackboot version. */
#define STORE_MODULE_ABI 1
#define STORE_MODULE_SYM "rackboot_store_module_v1"

struct store_module {
	unsigned abi;        /* STORE_MODULE_ABI */
	const char *version; /* RACKBOOT_VERSION it was built from */
	const struct store_ops *ops;
};

const struct store_module *rackboot_store_module_v1(void);

/**
 * The ops of backend @p backend (enum store_backend in conf.h): the file
 * backend is built in; the rbd one is loaded on first use from
 * <module dir>/store_rbd.so and stays loaded.
 *
 * @v backend	enum store_backend
 * @v why	on failure: what went wrong and which package to install
 * @v cap	bytes at @p why
 * @ret the ops table, or NULL
 */
const struct store_ops *store_backend(int backend, char *why, size_t cap);

#endif
