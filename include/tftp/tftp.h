/* SPDX-License-Identifier: MIT */
/*
 * tftp.h - the read-only TFTP server on the loop (RFC 1350, 2347, 2348,
 * 2349, 7440): transfers that share sockets and batch their sends, windowed
 * sending, a shared cache of mapped files, jailed to tftp.root.  Service hooks for server.c.
 */
#ifndef RACKBOOT_TFTP_H
#define RACKBOOT_TFTP_H

#include <uv.h>

#include "core/buf.h"
#include "core/conf.h"

/** Open the root and bind tftp.port.  @ret rc 0 or -errno */
int tftp_start(uv_loop_t *loop, const struct conf *c);

/** Adopt a new configuration: new transfers use it, running ones finish. */
void tftp_reload(const struct conf *old, const struct conf *nc);

/** Take no new requests; transfers in flight go on. */
void tftp_stop(void);

/** Transfers in flight. */
unsigned tftp_busy(void);

/** Write the TFTP counters in Prometheus format. */
void tftp_metrics(struct buf *b);

/** Log the counters (SIGUSR1). */
void tftp_log_state(void);

/** Close everything, ending transfers still in flight. */
void tftp_close(void);

#endif
