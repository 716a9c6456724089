/* SPDX-License-Identifier: MIT */
/*
 * extcheck.h - checks of nodes' external iSCSI targets (volumes on an
 * existing gateway): the portal answers, the login works, the LUN exists
 * with a sane capacity.  libiscsi is the initiator.  On the loop the checks
 * run on the thread pool, at start-up and on reload; `rackboot -t --online`
 * runs them in line.
 */
#ifndef RACKBOOT_EXTCHECK_H
#define RACKBOOT_EXTCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/conf.h"

#define EXTCHECK_WHY     160 /* bytes of a failure's reason */
#define EXTCHECK_SECONDS 10  /* a check gives up after this long */

/**
 * Check one node's external target, blocking (a thread, or -t --online).
 *
 * @v why	receives the reason on failure
 * @v bytes	receives the LUN's capacity on success
 * @ret rc	0 or -errno
 */
int extcheck_one(const struct conf *c, const struct conf_node *n, char *why, size_t cap,
                 uint64_t *bytes);

/** Check every external target of @p c off the loop; results replace the
 *  earlier run's as they arrive, and are logged. */
void extcheck_start(uv_loop_t *loop, const struct conf *c);

/** Why node @p mac's external target failed its latest check, or NULL (it
 *  passed, or has not been checked yet).  Valid until the next result. */
const char *extcheck_error(const uint8_t mac[MAC_LEN]);

/** `-t --online`: check every external target in line, print one line per
 *  node to @p out.  @ret the number that failed. */
int extcheck_online(const struct conf *c, FILE *out);

/** Forget the results (stop); checks in flight finish and are dropped. */
void extcheck_close(void);

#endif
