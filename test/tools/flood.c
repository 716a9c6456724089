/* SPDX-License-Identifier: MIT */
/*
 * flood.c - a misbehaving host for the tests: garbage at rackboot's ports
 * and a host hogging TFTP transfers.  Every loop is bounded in count and in
 * time; it sends only to the address it is given (a namespace's).
 *
 *   flood udp ADDR PORT COUNT SHAPE [SEED]   COUNT datagrams of garbage,
 *                                            paced; SHAPE is random, dhcp
 *                                            or tftp; prints "sent N"
 *   flood tcp ADDR PORT COUNT [SEED]         COUNT connections one after
 *                                            another, each sending random
 *                                            bytes then waiting (2 s at most)
 *                                            for the server to close; at most
 *                                            60 s in all; prints "connections N"
 *   flood tftp-hog ADDR FILE N SECONDS       N read requests for FILE at
 *                                            once, each from its own port,
 *                                            acknowledged for SECONDS; prints
 *                                            "granted G refused R"
 *
 * The garbage is malformed by construction, so the test knows what the
 * server must count: the random shape never starts with a DHCP op (1, 2)
 * nor a TFTP opcode (0x00 then 1..6); the dhcp shape is a BOOTREQUEST with
 * the cookie and a broken option area (one running past the end, no END,
 * no or a bad option 53, a bad option 52); the tftp shape is a request with
 * no terminator, no mode or an unknown mode, a stray DATA/ACK/ERROR/OACK,
 * an unknown opcode, or a lone byte.  To the iSCSI port (3260) each
 * connection starts with a complete 48-byte header that is not a Login
 * Request, which a target must refuse in the login phase (RFC 7143 6.3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PACE_EVERY 50   /* datagrams between two pauses */
#define PACE_US    2000 /* ... of this long, so no socket buffer overflows */
#define HOG_MAX    4096 /* tftp-hog sockets at most */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	/* xorshift64: reproducible from the seed, good enough for garbage */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void fill(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int to_addr(const char *a, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, a, &sa->sin_addr) == 1 ? 0 : -1;
}

/* A random datagram that is neither a DHCP nor a TFTP message. */
static size_t shape_random(uint8_t *b)
{
	size_t n = 1 + rnd() % 600;

	fill(b, n);
	b[0] = (uint8_t)(3 + rnd() % 253); /* no DHCP op 1/2, no TFTP 0x00xx */
	return n;
}

/* A BOOTREQUEST with a broken option area. */
static size_t shape_dhcp(uint8_t *b)
{
	static const uint8_t cookie[4] = {99, 130, 83, 99};
	size_t n = 240;

	memset(b, 0, 240);
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1; /* Ethernet */
	b[2] = 6;
	fill(b + 4, 4);  /* xid */
	fill(b + 28, 6); /* chaddr */
	b[28] &= 0xfe;   /* unicast MAC, as a real client's */
	memcpy(b + 236, cookie, 4);
	switch (rnd() % 5) {
	case 0: /* option 53 claims more bytes than there are */
		b[n++] = 53, b[n++] = 200, b[n++] = 1;
		break;
	case 1: /* a DISCOVER with no END */
		b[n++] = 53, b[n++] = 1, b[n++] = 1;
		b[n++] = 12, b[n++] = 3, b[n++] = 'a', b[n++] = 'b', b[n++] = 'c';
		break;
	case 2: /* no option 53 at all */
		b[n++] = 12, b[n++] = 1, b[n++] = 'x', b[n++] = 255;
		break;
	case 3: /* an unknown message type */
		b[n++] = 53, b[n++] = 1, b[n++] = (uint8_t)(9 + rnd() % 200), b[n++] = 255;
		break;
	default: /* option 52 of a bad length */
		b[n++] = 53, b[n++] = 1, b[n++] = 1, b[n++] = 52, b[n++] = 2, b[n++] = 1,
		b[n++] = 1, b[n++] = 255;
		break;
	}
	return n;
}

/* A TFTP-looking datagram that no server may take for a request. */
static size_t shape_tftp(uint8_t *b)
{
	size_t n;

	switch (rnd() % 6) {
	case 0: /* a file name with no terminator */
		b[0] = 0, b[1] = 1, n = 2 + 1 + rnd() % 100;
		fill(b + 2, n - 2);
		for (size_t i = 2; i < n; i++)
			b[i] |= 1;
		return n;
	case 1: /* no mode */ memcpy(b, "\0\1ipxe.efi\0", 11); return 11;
	case 2: /* an unknown mode */ memcpy(b, "\0\1ipxe.efi\0binary\0", 19); return 19;
	case 3: /* a stray DATA, ACK, ERROR or OACK */
		b[0] = 0, b[1] = (uint8_t)(3 + rnd() % 4);
		n = 4 + rnd() % 512;
		fill(b + 2, n - 2);
		return n;
	case 4: /* an unknown opcode */
		b[0] = 0, b[1] = (uint8_t)(7 + rnd() % 249);
		n = 2 + rnd() % 64;
		fill(b + 2, n - 2);
		return n;
	default: /* a lone byte */ b[0] = 0; return 1;
	}
}

static int cmd_udp(const char *addr, const char *port, long count, const char *shape)
{
	struct sockaddr_in to;
	uint8_t b[1024];
	long i, sent = 0;
	int fd;

	if (to_addr(addr, port, &to) < 0 || count < 0 || count > 100000)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 2;
	for (i = 0; i < count; i++) {
		size_t n = strcmp(shape, "dhcp") == 0   ? shape_dhcp(b)
		           : strcmp(shape, "tftp") == 0 ? shape_tftp(b)
		                                        : shape_random(b);

		if (sendto(fd, b, n, 0, (struct sockaddr *)&to, sizeof(to)) >= 0)
			sent++;
		if (i % PACE_EVERY == PACE_EVERY - 1)
			usleep(PACE_US);
	}
	close(fd);
	printf("sent %ld\n", sent);
	return 0;
}

static int cmd_tcp(const char *addr, const char *port, long count)
{
	struct sockaddr_in to;
	double end = now() + 60;
	uint8_t b[2048];
	long i, done = 0;

	if (to_addr(addr, port, &to) < 0 || count < 0 || count > 100000)
		return 2;
	for (i = 0; i < count && now() < end; i++) {
		struct timeval tv = {.tv_sec = 2};
		size_t n = 48 + rnd() % (sizeof(b) - 48);
		struct pollfd pfd;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			return 2;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
			close(fd);
			continue;
		}
		fill(b, n);
		if (ntohs(to.sin_port) == 3260) {
			/* a whole header, not a Login Request: no AHS, no data */
			if ((b[0] & 0x3f) == 0x03)
				b[0] ^= 0x01;
			b[4] = b[5] = b[6] = b[7] = 0;
		}
		if (write(fd, b, n) > 0)
			done++;
		shutdown(fd, SHUT_WR);
		pfd.fd = fd;
		pfd.events = POLLIN;
		/* until the server closes (or 2 s): the next connection comes
		 * after it, as from a host that keeps reconnecting */
		while (poll(&pfd, 1, 2000) > 0 && read(fd, b, sizeof(b)) > 0)
			;
		close(fd);
	}
	printf("connections %ld\n", done);
	return 0;
}

static size_t build_rrq(uint8_t *b, const char *file)
{
	size_t n = 0, l = strlen(file);

	b[n++] = 0, b[n++] = 1;
	memcpy(b + n, file, l + 1), n += l + 1;
	memcpy(b + n, "octet", 6), n += 6;
	memcpy(b + n, "blksize", 8), n += 8;
	memcpy(b + n, "1468", 5), n += 5;
	return n;
}

static int cmd_hog(const char *addr, const char *file, long n, double seconds)
{
	static struct pollfd pfd[HOG_MAX];
	static int state[HOG_MAX]; /* 0 waiting, 1 granted, 2 refused */
	struct sockaddr_in to;
	double end = now() + seconds;
	uint8_t b[2048];
	long i, granted = 0, refused = 0;

	if (to_addr(addr, "69", &to) < 0 || n < 1 || n > HOG_MAX || strlen(file) > 200 ||
	    seconds <= 0 || seconds > 120)
		return 2;
	for (i = 0; i < n; i++) {
		size_t len = build_rrq(b, file);

		pfd[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0)
			return 2;
		sendto(pfd[i].fd, b, len, 0, (struct sockaddr *)&to, sizeof(to));
	}
	while (now() < end) {
		int r = poll(pfd, (nfds_t)n, 100);

		for (i = 0; r > 0 && i < n; i++) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t got;

			if (pfd[i].fd < 0 || !(pfd[i].revents & POLLIN))
				continue;
			while ((got = recvfrom(pfd[i].fd, b, sizeof(b), 0, (struct sockaddr *)&from,
			                       &fl)) >= 4) {
				uint8_t ack[4] = {0, 4, 0, 0};

				if (b[1] == 5) { /* ERROR: refused */
					if (state[i] == 0)
						refused++;
					state[i] = 2;
					close(pfd[i].fd);
					pfd[i].fd = -1;
					break;
				}
				if (state[i] == 0)
					granted++;
				state[i] = 1;
				if (b[1] == 3) /* DATA: acknowledge its block */
					ack[2] = b[2], ack[3] = b[3];
				/* OACK: ACK 0 accepts it (RFC 2347) */
				sendto(pfd[i].fd, ack, 4, 0, (struct sockaddr *)&from, fl);
			}
		}
	}
	for (i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	printf("granted %ld refused %ld\n", granted, refused);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "udp") == 0) {
		if (argc > 6)
			rng ^= strtoull(argv[6], NULL, 0) * 0x9e3779b97f4a7c15ull;
		return cmd_udp(argv[2], argv[3], atol(argv[4]), argv[5]);
	}
	if (argc >= 5 && strcmp(argv[1], "tcp") == 0) {
		if (argc > 5)
			rng ^= strtoull(argv[5], NULL, 0) * 0x9e3779b97f4a7c15ull;
		return cmd_tcp(argv[2], argv[3], atol(argv[4]));
	}
	if (argc == 6 && strcmp(argv[1], "tftp-hog") == 0)
		return cmd_hog(argv[2], argv[3], atol(argv[4]), atof(argv[5]));
	fprintf(stderr, "usage: flood udp ADDR PORT COUNT random|dhcp|tftp [SEED]\n"
	                "       flood tcp ADDR PORT COUNT [SEED]\n"
	                "       flood tftp-hog ADDR FILE N SECONDS\n");
	return 2;
}
