/* SPDX-License-Identifier: MIT */
/*
 * iscsi.h - the built-in iSCSI target as a service of the loop (see
 * struct service in server.h for what each hook must do).
 */
#ifndef RACKBOOT_ISCSI_H
#define RACKBOOT_ISCSI_H

#include <stdio.h>
#include <uv.h>

#include "core/buf.h"
#include "core/conf.h"

int iscsi_start(uv_loop_t *loop, const struct conf *c);
void iscsi_reload(const struct conf *old, const struct conf *nc);
void iscsi_stop(void);
unsigned iscsi_busy(void);
void iscsi_log_state(void);
void iscsi_metrics(struct buf *b);
void iscsi_close(void);

/** `rackboot -t --online`: check that the volumes' backend can be reached
 *  (with the rbd backend: the cluster, the pool and storage.golden), one
 *  line each to @p out.  @ret the number of checks that failed (0 when
 *  there is nothing to check). */
int iscsi_storage_online(const struct conf *c, FILE *out);

#endif
