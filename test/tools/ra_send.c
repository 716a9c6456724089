/* SPDX-License-Identifier: MIT */
/*
 * ra_send.c - an IPv6 "no router here" for the boot tests.
 *
 *   ra_send IFACE SECONDS
 *
 * iPXE configures IPv6 beside DHCP and waits for a router, some 13 seconds
 * per attempt, before it goes on without one.  This tool tells it at once
 * that there is none: it sends a Router Advertisement with router lifetime
 * 0 and no options (RFC 4861 section 4.2: "not a default router", no
 * prefixes, so no addresses either) to all-nodes (ff02::1) on IFACE every
 * second, and at once in answer to each Router Solicitation, for SECONDS
 * seconds, then exits 0.  It sends from the interface's link-local address
 * with hop limit 255 (RFC 4861 section 6.1.2 has receivers drop anything
 * else); while that address is missing or still tentative the send fails
 * and is simply tried again a second later.  It needs CAP_NET_RAW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/**
 * Open the raw ICMPv6 socket on one interface.
 *
 * @v ifname	interface name
 * @v ifindex	its index
 * @ret fd	the socket, -1 on error (reported)
 */
static int ra_open(const char *ifname, unsigned ifindex)
{
	struct icmp6_filter filt;
	int fd, hops = 255, loop = 0, idx = (int)ifindex;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0) {
		perror("ra_send: socket");
		return -1;
	}
	/* Only Router Solicitations come in; the kernel fills the checksum. */
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filt);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof(loop)) < 0) {
		perror("ra_send: setsockopt");
		close(fd);
		return -1;
	}
	return fd;
}

/**
 * Send one Router Advertisement to all-nodes.
 *
 * @v fd	the socket
 * @v ifindex	the interface
 * @ret rc	0, or -errno (EADDRNOTAVAIL while there is no usable
 *		link-local address yet)
 */
static int ra_send(int fd, unsigned ifindex)
{
	struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = ifindex};
	struct nd_router_advert ra;

	memset(&ra, 0, sizeof(ra));
	ra.nd_ra_type = ND_ROUTER_ADVERT;
	ra.nd_ra_code = 0;
	ra.nd_ra_curhoplimit = 64;
	ra.nd_ra_flags_reserved = 0;  /* neither M nor O: no DHCPv6 either */
	ra.nd_ra_router_lifetime = 0; /* RFC 4861 4.2: not a default router */
	ra.nd_ra_reachable = 0;
	ra.nd_ra_retransmit = 0;
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	if (sendto(fd, &ra, sizeof(ra), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned ifindex, sent = 0, solicited = 0;
	double end, next = 0;
	int fd, seconds;

	if (argc != 3 || (seconds = atoi(argv[2])) <= 0 || seconds > 3600) {
		fprintf(stderr, "usage: ra_send IFACE SECONDS (1 to 3600)\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "ra_send: %s: no such interface\n", argv[1]);
		return 1;
	}
	fd = ra_open(argv[1], ifindex);
	if (fd < 0)
		return 1;
	end = now() + seconds;
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		double t = now();
		uint8_t buf[1500];
		ssize_t n;

		if (t >= end)
			break;
		if (t >= next) {
			if (ra_send(fd, ifindex) == 0)
				sent++;
			next = t + 1;
		}
		if (poll(&pfd, 1, (int)((next < end ? next - t : end - t) * 1000) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		/* RFC 4861 6.1.1: an RS is at least 8 bytes, code 0 */
		if (n < (ssize_t)sizeof(struct nd_router_solicit) || buf[0] != ND_ROUTER_SOLICIT ||
		    buf[1] != 0)
			continue;
		solicited++;
		if (ra_send(fd, ifindex) == 0)
			sent++;
	}
	printf("ra_send: %u advertisements sent, %u solicitations answered or tried\n", sent,
	       solicited);
	close(fd);
	return 0;
}
