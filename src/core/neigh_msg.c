/* SPDX-License-Identifier: MIT */
/*
 * neigh_msg.c - build the RTM_GETNEIGH request for one IPv4 neighbour and
 * read the kernel's answer (rtnetlink(7)).  Pure: it owns no state, never
 * logs and never touches a socket.  Every header and attribute is length
 * checked and memcpy'd out of the datagram, never cast in place; the
 * datagram is the kernel's, but a parser that trusts its input is a parser
 * that a truncated read or a future kernel can crash.
 */
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/neigh_msg.h"

#define HDR_LEN  16 /* struct nlmsghdr */
#define NDM_LEN  12 /* struct ndmsg */
#define RTA_HLEN 4  /* struct rtattr */

/* The states in which the kernel itself would send to the entry's
 * address: the NUD_VALID of include/net/neighbour.h less NUD_NOARP, whose
 * entries (broadcast, loopback) carry no address of a machine. */
#define USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

size_t neigh_msg_request(uint8_t *buf, uint32_t seq, int ifindex, uint32_t ip)
{
	struct nlmsghdr h = {
	        .nlmsg_len = NEIGH_MSG_REQUEST_LEN,
	        .nlmsg_type = RTM_GETNEIGH,
	        .nlmsg_flags = NLM_F_REQUEST,
	        .nlmsg_seq = seq,
	};
	/* The kernel's neigh_valid_get_req() refuses a request with a state,
	 * type or flags other than NTF_PROXY, or with any attribute but
	 * NDA_DST; and it needs the interface. */
	struct ndmsg nd = {.ndm_family = AF_INET, .ndm_ifindex = ifindex};
	struct rtattr a = {.rta_len = RTA_HLEN + 4, .rta_type = NDA_DST};
	uint32_t be = htonl(ip);

	memset(buf, 0, NEIGH_MSG_REQUEST_LEN);
	memcpy(buf, &h, HDR_LEN);
	memcpy(buf + HDR_LEN, &nd, NDM_LEN);
	memcpy(buf + HDR_LEN + NDM_LEN, &a, RTA_HLEN);
	memcpy(buf + HDR_LEN + NDM_LEN + RTA_HLEN, &be, 4);
	return NEIGH_MSG_REQUEST_LEN;
}

/* One RTM_NEWNEIGH of @p len bytes (header included) at @p m. */
static int parse_neigh(const uint8_t *m, size_t len, int ifindex, uint32_t ip, uint8_t mac[6])
{
	struct ndmsg nd;
	size_t off = HDR_LEN + NDM_LEN;
	int have_dst = 0, have_ll = 0;
	uint8_t ll[6];

	if (len < off)
		return -EPROTO;
	memcpy(&nd, m + HDR_LEN, NDM_LEN);
	while (off + RTA_HLEN <= len) {
		struct rtattr a;
		size_t alen;

		memcpy(&a, m + off, RTA_HLEN);
		if (a.rta_len < RTA_HLEN || a.rta_len > len - off)
			return -EPROTO;
		alen = a.rta_len - RTA_HLEN;
		switch (a.rta_type & NLA_TYPE_MASK) {
		case NDA_DST: {
			uint32_t be;

			if (alen != 4)
				return -EPROTO;
			memcpy(&be, m + off + RTA_HLEN, 4);
			if (ntohl(be) != ip)
				return -EPROTO;
			have_dst = 1;
			break;
		}
		case NDA_LLADDR:
			/* Not 6 bytes: not Ethernet (an IPoIB or a tunnel
			 * neighbour), so no MAC of a booting machine. */
			if (alen != 6)
				return -ENOENT;
			memcpy(ll, m + off + RTA_HLEN, 6);
			have_ll = 1;
			break;
		default: break; /* NDA_CACHEINFO, NDA_PROBES, ... */
		}
		off += align4(a.rta_len);
	}
	if (nd.ndm_family != AF_INET || nd.ndm_ifindex != ifindex || !have_dst)
		return -EPROTO;
	if (!(nd.ndm_state & USABLE) || !have_ll)
		return -ENOENT;
	if (!(ll[0] | ll[1] | ll[2] | ll[3] | ll[4] | ll[5]))
		return -ENOENT;
	memcpy(mac, ll, 6);
	return 0;
}

int neigh_msg_parse(const uint8_t *buf, size_t len, uint32_t seq, int ifindex, uint32_t ip,
                    uint8_t mac[6])
{
	size_t off = 0;

	while (off + HDR_LEN <= len) {
		struct nlmsghdr h;

		memcpy(&h, buf + off, HDR_LEN);
		if (h.nlmsg_len < HDR_LEN || h.nlmsg_len > len - off)
			return -EPROTO;
		if (h.nlmsg_seq == seq) {
			if (h.nlmsg_type == RTM_NEWNEIGH)
				return parse_neigh(buf + off, h.nlmsg_len, ifindex, ip, mac);
			if (h.nlmsg_type == NLMSG_ERROR) {
				int32_t err;

				if (h.nlmsg_len < HDR_LEN + 4)
					return -EPROTO;
				memcpy(&err, buf + off + HDR_LEN, 4);
				/* 0 would be an ACK, which was not asked for */
				if (err >= 0 || err < -4095)
					return -EPROTO;
				return err;
			}
			return -EPROTO;
		}
		off += align4(h.nlmsg_len);
	}
	return off == len || off > len ? -EAGAIN : -EPROTO;
}
