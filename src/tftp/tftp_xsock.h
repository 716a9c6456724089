/* SPDX-License-Identifier: MIT */
/*
 * tftp_xsock.h - a TFTP transfer socket: one unconnected UDP socket bound
 * to a local address, shared by the transfers of that address, with the
 * send queue that makes a loop callback's DATA blocks leave in one
 * sendmmsg(2), consecutive full blocks of one client joined into one GSO
 * message (UDP_SEGMENT).  Internal to the TFTP server; loop thread only.
 */
#ifndef RACKBOOT_TFTP_XSOCK_H
#define RACKBOOT_TFTP_XSOCK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

/* Each shared socket carries at most this many transfers: at most one ACK
 * per lockstep transfer (one per window) waits in its receive buffer, and
 * even a buffer held to the usual net.core.rmem_max (208 KiB, when
 * CAP_NET_ADMIN is gone and the 4 MiB asked for cannot be forced) holds a
 * few hundred small datagrams. */
#define XS_XFERS_MAX 256
#define XS_QUEUE     1024 /* datagrams queued for one sendmmsg(2) */
/* A GSO message: at most 64 segments (UDP_MAX_SEGMENTS before Linux 6.9,
 * 128 since), and one UDP payload, 65507 bytes, at most: 44 blocks of
 * 1468, or 64 of 512. */
#define XS_GSO_SEGS  64
#define XS_GSO_BYTES 65507
#define XS_RX_BATCH  64   /* datagrams per recvmmsg(2) */
#define XS_RX_MAX    1024 /* datagrams read per wake-up, so no socket starves */

/*
 * A transfer socket, shared by the transfers of one local address: bound to
 * that address and one port (the server's TID, RFC 1350 4), unconnected, its
 * datagrams told apart by the client's address and port.  DATA blocks are
 * queued during a loop callback and leave together in one sendmmsg(2) at
 * its end, so N lockstep clients cost one receive and one send system call
 * per batch, not per block.  Owner: the socket list; freed in the poll
 * handle's close callback once its last transfer has ended.
 */
struct xsock {
	struct xsock *next;
	int fd;
	uv_poll_t poll;
	uint32_t local;  /* host byte order */
	unsigned nxfers; /* transfers using it */
	int closing;
	int gso;       /* UDP_SEGMENT usable; cleared for good when refused */
	int gso_open;  /* the last message may take another full segment */
	unsigned nq;   /* queued messages */
	unsigned nseg; /* queued datagrams (segments of the messages) */
	struct mmsghdr q[XS_QUEUE];
	struct sockaddr_in qpeer[XS_QUEUE];
	union {
		uint8_t buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} qctl[XS_QUEUE]; /* a GSO message's UDP_SEGMENT */
	/* Per datagram, in queue order: a message's segments are consecutive
	 * rows, so its msg_iov is its first row and msg_iovlen twice their
	 * count. */
	struct iovec qiov[XS_QUEUE][2];
	uint8_t qhdr[XS_QUEUE][4];
};

/** Counters of every transfer socket, for /metrics. */
struct xsock_stats {
	uint64_t gso_sends;   /* GSO messages sent */
	uint64_t gso_refused; /* sockets on which the kernel refused GSO */
};

/** Whether @p a and @p b are the same client address and port. */
static inline int xsock_same_peer(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/**
 * A new socket for transfers from local address @p local (host order), on
 * a port of @p port_min..port_max (0: any), read by @p on_readable with
 * the socket as the poll handle's data.
 *
 * @ret s	the socket, or NULL with -errno in *err
 */
struct xsock *xsock_new(uv_loop_t *loop, uint32_t local, int port_min, int port_max,
                        uv_poll_cb on_readable, int *err);

/** Queue DATA block @p block (@p len bytes at @p data, which must stay
 *  valid until the flush) for @p peer, with blocks of @p blksize. */
void xsock_queue(struct xsock *s, const struct sockaddr_in *peer, uint16_t block, const void *data,
                 size_t len, unsigned blksize);

/** Send what is queued on @p s. */
void xsock_flush(struct xsock *s);

/** Flush @p s and close it, once, after its last transfer; its memory goes
 *  in the close callback. */
void xsock_close(struct xsock *s);

/** The counters. */
const struct xsock_stats *xsock_stats(void);

#endif
