/* SPDX-License-Identifier: MIT */
/*
 * udp.c - message headers and IP_PKTINFO for the UDP servers (dhcp.c,
 * tftp.c).  No sockets are opened here and nothing is sent: the callers own
 * their sockets and their buffers.
 */
#include <string.h>

#include "core/udp.h"

void udp_msg_prepare(struct msghdr *mh, struct iovec *iov, void *buf, size_t len,
                     struct sockaddr_in *peer, char *cbuf)
{
	memset(mh, 0, sizeof(*mh));
	iov->iov_base = buf;
	iov->iov_len = len;
	mh->msg_name = peer;
	mh->msg_namelen = sizeof(*peer);
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	mh->msg_control = cbuf;
	mh->msg_controllen = UDP_CBUF_SIZE;
}

void udp_set_pktinfo(struct msghdr *mh, int ifindex, uint32_t src)
{
	struct cmsghdr *cm;
	struct in_pktinfo pi;

	memset(mh->msg_control, 0, UDP_CBUF_SIZE);
	memset(&pi, 0, sizeof(pi));
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	pi.ipi_ifindex = ifindex;
	pi.ipi_spec_dst.s_addr = htonl(src);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
}

void udp_get_pktinfo(const struct msghdr *mh, int *ifindex, uint32_t *local)
{
	struct cmsghdr *cm;

	*ifindex = 0;
	*local = 0;
	for (cm = CMSG_FIRSTHDR((struct msghdr *)mh); cm; cm = CMSG_NXTHDR((struct msghdr *)mh, cm))
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			*ifindex = pi.ipi_ifindex;
			*local = ntohl(pi.ipi_spec_dst.s_addr);
		}
}
