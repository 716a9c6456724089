/* SPDX-License-Identifier: MIT */
/*
 * neigh_msg.h - the two rtnetlink messages of one neighbour (ARP) table
 * look-up: the RTM_GETNEIGH request for one IPv4 address on one interface,
 * and the kernel's answer, an RTM_NEWNEIGH or an NLMSG_ERROR.  Pure: bytes
 * in, bytes or a MAC out; netif.c does the socket I/O.
 */
#ifndef RACKBOOT_NEIGH_MSG_H
#define RACKBOOT_NEIGH_MSG_H

#include <stddef.h>
#include <stdint.h>

/** Bytes in the request neigh_msg_request() writes. */
#define NEIGH_MSG_REQUEST_LEN 36

/**
 * Write the RTM_GETNEIGH request for @p ip (host byte order) on
 * @p ifindex into @p buf.
 *
 * @v buf	at least NEIGH_MSG_REQUEST_LEN bytes
 * @v seq	the request's sequence number, echoed in the answer
 * @ret len	NEIGH_MSG_REQUEST_LEN
 */
size_t neigh_msg_request(uint8_t *buf, uint32_t seq, int ifindex, uint32_t ip);

/**
 * Read the kernel's answer to the request numbered @p seq for @p ip on
 * @p ifindex: the link-layer address of an entry the kernel would use to
 * send (reachable, stale, delay, probe or permanent) with a 6-byte
 * address.  Messages of other sequence numbers are skipped.
 *
 * @v buf	one datagram read from the socket
 * @ret rc	0 with @p mac set; -ENOENT: no usable entry (none, incomplete,
 *		failed, no-ARP, no or odd address); -EAGAIN: no answer to
 *		@p seq in @p buf; -EPROTO: malformed; other -errno: the
 *		kernel refused the request
 */
int neigh_msg_parse(const uint8_t *buf, size_t len, uint32_t seq, int ifindex, uint32_t ip,
                    uint8_t mac[6]);

#endif
