/* SPDX-License-Identifier: MIT */
/*
 * udp.h - the datagram plumbing the UDP servers share: a message header
 * for one datagram with room for IP_PKTINFO, which tells on receipt the
 * interface and local address a request arrived on, and on sending the
 * interface and source address a reply leaves with (a broadcast goes out of
 * the interface named, from the address the client knows us by).
 */
#ifndef RACKBOOT_UDP_H
#define RACKBOOT_UDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Control buffer size for one IP_PKTINFO message. */
#define UDP_CBUF_SIZE CMSG_SPACE(sizeof(struct in_pktinfo))

/**
 * Fill @p mh for one datagram: @p buf/@p len through @p iov, the peer
 * address @p peer (destination when sending, filled in when receiving), and
 * @p cbuf (UDP_CBUF_SIZE bytes) as control space.
 */
void udp_msg_prepare(struct msghdr *mh, struct iovec *iov, void *buf, size_t len,
                     struct sockaddr_in *peer, char *cbuf);

/** Put IP_PKTINFO into a prepared message: leave by @p ifindex (0: as the
 *  routing decides) from @p src (host byte order). */
void udp_set_pktinfo(struct msghdr *mh, int ifindex, uint32_t src);

/** Read IP_PKTINFO from a received message: arrival interface and the
 *  local address the datagram was sent to; 0 and 0 when absent. */
void udp_get_pktinfo(const struct msghdr *mh, int *ifindex, uint32_t *local);

#endif
