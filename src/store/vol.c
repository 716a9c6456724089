/* SPDX-License-Identifier: MIT */
/*
 * vol.c - the volume table: one open backstore per volume name, however
 * many sessions use it, closed with its last reference; the backend chosen
 * once at start through store_backend() and used only through its ops
 * table; each volume's SCSI identity (scsi_lun).  Owns the volumes and
 * their waiters' lists, never the waiters.  Runs on the loop and never
 * blocks: opens complete through the backend's callback.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/hash.h"
#include "core/log.h"
#include "store/vol.h"

#define MAX_XFER (32u * 1024 * 1024) /* bytes in one command */

static struct {
	uv_loop_t *loop;
	const struct store_ops *ops; /* storage.backend: new volumes open here */
	struct vol *vols;
	uint64_t open_failed;
} vt;

static void vol_fill_lun(struct vol *v)
{
	struct scsi_lun *l = &v->lun;
	uint64_t h = hash_fnv1a64(v->name);

	memset(l, 0, sizeof(*l));
	l->block_size = VOL_BLOCK_SIZE;
	l->blocks = v->ops->size(v->st) / VOL_BLOCK_SIZE;
	l->thin = 1;
	l->max_xfer_blocks = MAX_XFER / VOL_BLOCK_SIZE;
	l->opt_xfer_blocks = (1024 * 1024) / VOL_BLOCK_SIZE;
	l->max_unmap_blocks = 0x100000;
	l->max_ws_blocks = 0; /* no limit: WRITE SAME is carried out in 1 MiB steps */
	l->id = h;
	snprintf(l->serial, sizeof(l->serial), "%016llx", (unsigned long long)h);
	snprintf(l->vendor, sizeof(l->vendor), "RACKBOOT");
	snprintf(l->product, sizeof(l->product), "VOLUME");
	snprintf(l->revision, sizeof(l->revision), "0001");
	l->rel_port = 1;
	l->tpg = 1;
}

/* The backend saw the volume's size change (an RBD resize): new capacity,
 * and every session is told (SBC-3 4.8: CAPACITY DATA HAS CHANGED). */
static void vol_on_resize(void *data, uint64_t bytes)
{
	struct vol *v = data;

	log_notice("iscsi: volume %s is now %llu bytes; sessions get a unit attention", v->name,
	           (unsigned long long)bytes);
	v->lun.blocks = bytes / VOL_BLOCK_SIZE;
	scsi_ua_raise(&v->lun, 0, ASC_CAPACITY_CHANGED);
}

static void vol_on_open(struct store *st, int rc, void *data)
{
	struct vol *v = data;
	struct vol_waiter *w, *next;

	if (rc < 0) {
		log_err("iscsi: cannot open volume %s: %s", v->name, strerror(-rc));
		vt.open_failed++;
		v->failed = 1;
	} else {
		v->st = st;
		v->ready = 1;
		vol_fill_lun(v);
		if (v->ops->watch)
			v->ops->watch(st, vol_on_resize, v);
		log_info("iscsi: volume %s open, %llu bytes", v->name,
		         (unsigned long long)v->ops->size(st));
	}
	w = v->waiting;
	v->waiting = NULL;
	for (; w; w = next) {
		next = w->next;
		w->next = NULL;
		w->on_open(w, v->ready);
	}
	/* the open's own reference: the last one if every login waiting
	 * for it has gone meanwhile */
	vol_put(v);
}

void vol_put(struct vol *v)
{
	struct vol **pp;

	if (!v)
		return;
	assert(v->refs > 0);
	if (--v->refs > 0)
		return;
	/* nobody left to wait: the open holds a reference until it ends,
	 * a queued turn holds its command's */
	assert(!v->waiting && !v->turn_wait);
	for (pp = &vt.vols; *pp; pp = &(*pp)->next)
		if (*pp == v) {
			*pp = v->next;
			break;
		}
	if (v->st) {
		log_info("iscsi: volume %s closed", v->name);
		v->ops->close(v->st);
	}
	free(v);
}

struct vol *vol_get(const char *name, uint64_t size)
{
	struct vol *v, **pp;
	int rc;

	for (pp = &vt.vols; (v = *pp); pp = &v->next)
		if (strcmp(v->name, name) == 0) {
			if (!v->failed) {
				v->refs++;
				return v;
			}
			/* a failed open: take it off the list (its last user frees
			 * it) and try again */
			*pp = v->next;
			break;
		}
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->refs = 2; /* the caller's and the open's */
	v->next = vt.vols;
	vt.vols = v;
	v->ops = vt.ops;
	rc = vt.ops->open(vt.loop, name, size, vol_on_open, v);
	if (rc < 0) {
		log_err("iscsi: cannot open volume %s: %s", name, strerror(-rc));
		v->failed = 1;
		v->refs = 1;
	}
	return v;
}

void vol_wait(struct vol *v, struct vol_waiter *w)
{
	w->next = v->waiting;
	v->waiting = w;
}

void vol_unwait(struct vol *v, struct vol_waiter *w)
{
	struct vol_waiter **pp;

	for (pp = &v->waiting; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->next = NULL;
}

int vol_turn_take(struct vol *v, struct vol_waiter *w)
{
	struct vol_waiter **pp = &v->turn_wait;

	if (!v->turn_busy) {
		v->turn_busy = 1;
		return 1;
	}
	w->next = NULL;
	while (*pp)
		pp = &(*pp)->next;
	*pp = w;
	return 0;
}

struct vol_waiter *vol_turn_pass(struct vol *v)
{
	struct vol_waiter *w = v->turn_wait;

	if (!w) {
		v->turn_busy = 0;
		return NULL;
	}
	v->turn_wait = w->next;
	w->next = NULL;
	return w; /* the turn stays taken, now by @p w */
}

int vol_start(uv_loop_t *loop, const struct conf *c)
{
	char why[512];
	int rc;

	vt.loop = loop;
	vt.ops = store_backend(c->storage.backend, why, sizeof(why));
	if (!vt.ops) {
		log_err("iscsi: storage.backend: %s", why);
		return -ELIBACC;
	}
	rc = vt.ops->start(loop, c);
	if (rc < 0) {
		log_err("iscsi: cannot start the %s backend: %s", vt.ops->name, strerror(-rc));
		vt.ops = NULL;
		return rc;
	}
	return 0;
}

void vol_reload(const struct conf *old, const struct conf *nc)
{
	/* the backend's own settings that cannot change live are
	 * restart-only (conf.c) */
	if (vt.ops)
		vt.ops->reload(old, nc);
}

void vol_stop(void)
{
	if (vt.ops)
		vt.ops->stop();
}

void vol_metrics(struct buf *b)
{
	if (vt.ops && vt.ops->metrics)
		vt.ops->metrics(b);
}

uint64_t vol_open_failures(void)
{
	return vt.open_failed;
}

int vol_online(const struct conf *c, FILE *out)
{
	const struct store_ops *ops;
	char why[512];

	ops = store_backend(c->storage.backend, why, sizeof(why));
	if (!ops) {
		fprintf(out, "%s: error: storage.backend: %s\n", c->path, why);
		return 1;
	}
	return ops->online ? ops->online(c, out) : 0;
}
