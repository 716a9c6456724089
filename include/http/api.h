/* SPDX-License-Identifier: MIT */
/*
 * api.h - what the operator sees over HTTP: /api/nodes, /api/nodes/<mac>,
 * /api/leases as JSON and /status as a self-contained HTML page, built
 * from the configuration, the DHCP leases and the boot timelines.  Loop
 * thread only; no I/O.
 */
#ifndef RACKBOOT_API_H
#define RACKBOOT_API_H

#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"

/** Every machine (configured nodes, then machines seen but not configured),
 *  as a JSON array.  @ret rc 0 or -ENOMEM */
int api_nodes(struct buf *b);

/** One machine as a JSON object.  @ret rc 0, -ENOENT (neither configured
 *  nor seen), -ENOMEM */
int api_node(struct buf *b, const uint8_t mac[MAC_LEN]);

/** The leases as a JSON array.  @ret rc 0 or -ENOMEM */
int api_leases(struct buf *b);

/** The status page.  @ret rc 0 or -ENOMEM */
int api_status_html(struct buf *b);

#endif
