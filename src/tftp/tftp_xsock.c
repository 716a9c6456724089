/* SPDX-License-Identifier: MIT */
/*
 * tftp_xsock.c - TFTP transfer sockets (tftp_xsock.h): opening one on a
 * local address, queueing DATA blocks, sending the queue in as few system
 * calls as the kernel allows, and closing.  It owns the sockets' queues;
 * which transfer a datagram belongs to, and the list of sockets, are
 * tftp.c's.  It never reads a file: blocks arrive as pointers.
 */
#include <assert.h>
#include <errno.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "tftp/tftp_pkt.h"
#include "tftp_xsock.h"

static struct xsock_stats xs_n;

/* Did the kernel refuse UDP_SEGMENT itself (no checksum offload on the
 * device: EIO; an older kernel or an unsupported path: EINVAL,
 * ENOPROTOOPT, EOPNOTSUPP), rather than the datagram's destination? */
static int gso_refused(int err)
{
	return err == EIO || err == EINVAL || err == ENOPROTOOPT || err == EOPNOTSUPP;
}

/* Send message @i of @s one datagram per segment, as without GSO.  What
 * cannot leave is lost on the wire, for the timer to resend. */
static void xsock_send_split(struct xsock *s, unsigned i)
{
	struct msghdr mh = s->q[i].msg_hdr;
	const struct iovec *iov = mh.msg_iov;
	size_t j, n = mh.msg_iovlen / 2;

	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	mh.msg_iovlen = 2;
	for (j = 0; j < n; j++) {
		mh.msg_iov = (struct iovec *)(iov + 2 * j);
		if (sendmsg(s->fd, &mh, 0) < 0 && (errno == EAGAIN || errno == ENOBUFS))
			break;
	}
}

/*
 * Send what is queued on @s in as few sendmmsg(2) calls as the kernel
 * allows.  A datagram that cannot leave is treated as lost on the wire: its
 * transfer's timer resends it.  A full buffer (EAGAIN, ENOBUFS) drops the
 * rest; any other error (an unreachable or filtered client) drops only the
 * message it names, which on an unconnected socket stops the batch.  A GSO
 * message the kernel refuses turns GSO off on @s for good (counted, logged
 * once per process) and is sent again as plain datagrams, as is any GSO
 * message still queued behind it.
 */
void xsock_flush(struct xsock *s)
{
	unsigned off = 0, i;
	int n;

	while (off < s->nq) {
		if (!s->gso && s->q[off].msg_hdr.msg_controllen) {
			xsock_send_split(s, off++);
			continue;
		}
		n = sendmmsg(s->fd, s->q + off, s->nq - off, 0);
		if (n > 0) {
			for (i = off; i < off + (unsigned)n; i++)
				xs_n.gso_sends += s->q[i].msg_hdr.msg_controllen != 0;
			off += (unsigned)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS) {
			log_debug("tftp: %u messages not sent: %s", s->nq - off, strerror(errno));
			break;
		}
		if (s->q[off].msg_hdr.msg_controllen && gso_refused(errno)) {
			if (s->gso) {
				s->gso = 0;
				if (xs_n.gso_refused++ == 0) /* logged once */
					log_warn("tftp: UDP segmentation offload refused (%s); "
					         "sending one datagram per block",
					         strerror(errno));
			}
			continue;
		}
		log_debug("tftp: a datagram not sent: %s", strerror(errno));
		off++;
	}
	s->nq = 0;
	s->nseg = 0;
	s->gso_open = 0;
}

static void xsock_on_close(uv_handle_t *h)
{
	struct xsock *s = h->data;

	close(s->fd);
	free(s);
}

void xsock_close(struct xsock *s)
{
	assert(!s->closing && s->nxfers == 0); /* closed once, with its last transfer */
	xsock_flush(s);
	s->closing = 1;
	uv_close((uv_handle_t *)&s->poll, xsock_on_close);
}

/*
 * Queue DATA block @block (@len bytes at @data) for @peer: header and
 * payload, the payload never copied.  It joins the last queued message as
 * one more GSO segment when that message is @peer's (one transfer per
 * client on a socket),
 * all its segments are full blocks (only the last may be short) and the
 * limits on segments and bytes allow; else it starts a message of its own.
 * Lockstep transfers never have two blocks queued, so they send plain
 * datagrams as before.
 */
void xsock_queue(struct xsock *s, const struct sockaddr_in *peer, uint16_t block, const void *data,
                 size_t len, unsigned blksize)
{
	size_t seg = 4 + (size_t)blksize;
	struct msghdr *mh;
	unsigned i;

	if (s->nseg == XS_QUEUE)
		xsock_flush(s);
	i = s->nseg++;
	tftp_build_data_hdr(s->qhdr[i], block);
	s->qiov[i][0].iov_base = s->qhdr[i];
	s->qiov[i][0].iov_len = 4;
	/* An empty block points somewhere valid all the same. */
	s->qiov[i][1].iov_base = len ? (void *)data : s->qhdr[i];
	s->qiov[i][1].iov_len = len;

	mh = s->nq ? &s->q[s->nq - 1].msg_hdr : NULL;
	if (s->gso && s->gso_open && xsock_same_peer(&s->qpeer[s->nq - 1], peer) &&
	    mh->msg_iovlen / 2 < XS_GSO_SEGS &&
	    (mh->msg_iovlen / 2) * seg + 4 + len <= XS_GSO_BYTES) {
		if (!mh->msg_controllen) {
			struct cmsghdr *cm;
			uint16_t size = (uint16_t)seg;

			mh->msg_control = s->qctl[s->nq - 1].buf;
			mh->msg_controllen = sizeof(s->qctl[s->nq - 1].buf);
			cm = CMSG_FIRSTHDR(mh);
			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(size));
			memcpy(CMSG_DATA(cm), &size, sizeof(size));
		}
		mh->msg_iovlen += 2;
	} else {
		memset(&s->q[s->nq], 0, sizeof(s->q[s->nq]));
		s->qpeer[s->nq] = *peer;
		mh = &s->q[s->nq++].msg_hdr;
		mh->msg_name = &s->qpeer[s->nq - 1];
		mh->msg_namelen = sizeof(s->qpeer[s->nq - 1]);
		mh->msg_iov = s->qiov[i];
		mh->msg_iovlen = 2;
	}
	/* Every segment but the last must be gso_size long. */
	s->gso_open = len == blksize;
}

struct xsock *xsock_new(uv_loop_t *loop, uint32_t local, int port_min, int port_max,
                        uv_poll_cb on_readable, int *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(local)};
	struct xsock *s = calloc(1, sizeof(*s));
	int buf = 4 << 20;

	if (!s) {
		*err = -ENOMEM;
		goto err_alloc;
	}
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		*err = -errno;
		goto err_socket;
	}
	/* One send buffer serves up to XS_XFERS_MAX windows, where a socket
	 * per transfer had a buffer each: past net.core.wmem_max and
	 * rmem_max when allowed (CAP_NET_ADMIN), else as big as they let. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (port_min) {
		int span = port_max - port_min + 1, start = rand() % span, i;

		/* A random start spreads the sockets over the range. */
		for (i = 0; i < span; i++) {
			sa.sin_port = htons((uint16_t)(port_min + (start + i) % span));
			if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				break;
		}
		if (i == span) {
			*err = -EADDRINUSE;
			goto err_bind;
		}
	} else if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		*err = -errno;
		goto err_bind;
	}
	s->local = local;
	s->gso = 1;
	*err = uv_poll_init(loop, &s->poll, s->fd);
	if (*err < 0)
		goto err_bind;
	s->poll.data = s;
	*err = uv_poll_start(&s->poll, UV_READABLE, on_readable);
	if (*err < 0) {
		/* the handle is made: it goes through its close callback */
		s->closing = 1;
		uv_close((uv_handle_t *)&s->poll, xsock_on_close);
		return NULL;
	}
	return s;

err_bind:
	close(s->fd);
err_socket:
	free(s);
err_alloc:
	return NULL;
}

const struct xsock_stats *xsock_stats(void)
{
	return &xs_n;
}
