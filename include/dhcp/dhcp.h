/* SPDX-License-Identifier: MIT */
/*
 * dhcp.h - the DHCP server on the loop: full server, proxyDHCP, relayed
 * subnets; PXE/iPXE-aware boot information; durable leases (the lease is
 * fdatasync'ed in the journal before the ACK leaves, with group commit).
 * The service hooks below are what server.c's table calls.
 */
#ifndef RACKBOOT_DHCP_H
#define RACKBOOT_DHCP_H

#include <uv.h>

#include "core/buf.h"
#include "core/conf.h"
#include "dhcp/lease.h"

/** Open the journal, replay the leases, bind port 67 (and 4011 in proxy
 *  mode) and start serving.  @ret rc 0 or -errno */
int dhcp_start(uv_loop_t *loop, const struct conf *c);

/** Adopt a new configuration; leases are kept. */
void dhcp_reload(const struct conf *old, const struct conf *nc);

/** Stop reading requests; commits in flight finish. */
void dhcp_stop(void);

/** Lease batches waiting for or under commit. */
unsigned dhcp_busy(void);

/** Call @p cb for each lease kept (bound, free hints, quarantined). */
void dhcp_leases_each(void (*cb)(const struct lease *l, void *arg), void *arg);

/** Write the DHCP counters in Prometheus format. */
void dhcp_metrics(struct buf *b);

/** Log the counters (SIGUSR1). */
void dhcp_log_state(void);

/**
 * The MAC that holds a bound, unexpired lease of @p ip (host byte order),
 * for services that serve per machine (TFTP per-node files).
 * @ret rc	0, or -ENOENT
 */
int dhcp_mac_of(uint32_t ip, uint8_t mac[6]);

/**
 * TFTP served an iPXE binary (a dhcp.boot file) to the client at @p ip,
 * whose request arrived on @p ifindex: remember its MAC for a minute, so
 * that the iPXE it is about to run gets its script even with
 * ipxe_replace, where iPXE's requests are otherwise answered with the
 * binary.  Requests before and after the chainload are byte-identical;
 * this is what tells them apart.  The MAC is that of @p ip's lease, else
 * of the kernel's neighbour entry for @p ip on @p ifindex (proxy mode,
 * unknown machines), else of the node configured with that ip.
 */
void dhcp_note_chainload(uint32_t ip, int ifindex);

/** Close the sockets and the journal. */
void dhcp_close(void);

#endif
