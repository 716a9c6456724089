/* SPDX-License-Identifier: MIT */
/*
 * tcp_hold.c - one misbehaving host for the limit tests: opens N TCP
 * connections to HOST:PORT from one address, sends PREFIX on each (a
 * partial HTTP header, the first bytes of an iSCSI login, or nothing), then
 * trickles one more line every INTERVAL seconds (slowloris) and holds them
 * all for SECONDS, never finishing a request.  Bounded in count and time.
 *
 *   tcp_hold [-n N] [-t SECONDS] [-i INTERVAL] [-p PREFIX] [-r READY] HOST PORT
 *
 * PREFIX may hold \r and \n escapes.  Once every connect has finished it
 * writes "ready" to the file READY (for the test to go on), and at the end
 * prints "connected C refused R closed_by_peer K open_at_end O": refused
 * are connects that failed, closed_by_peer connections the server closed
 * (reset or EOF) while held.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum st { S_CONNECTING, S_OPEN, S_REFUSED, S_CLOSED };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t unescape(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++) {
		if (in[0] == '\\' && (in[1] == 'r' || in[1] == 'n')) {
			out[n++] = in[1] == 'r' ? '\r' : '\n';
			in++;
		} else {
			out[n++] = *in;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	int n = 100, secs = 10, interval = 0, opt, i, connecting;
	const char *prefix = "", *ready = NULL;
	char pre[1024];
	size_t prelen;
	struct sockaddr_in sa;
	struct rlimit rl;
	struct pollfd *pf;
	enum st *st;
	double start, end, next_trickle;
	int connected = 0, refused = 0, closed = 0, open_end = 0;

	while ((opt = getopt(argc, argv, "n:t:i:p:r:")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 't': secs = atoi(optarg); break;
		case 'i': interval = atoi(optarg); break;
		case 'p': prefix = optarg; break;
		case 'r': ready = optarg; break;
		default: goto usage;
		}
	}
	if (argc - optind != 2 || n < 1 || n > 20000 || secs < 1 || secs > 600)
		goto usage;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &sa.sin_addr) != 1)
		goto usage;
	prelen = unescape(prefix, pre, sizeof(pre));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 16 ? rl.rlim_max : (rlim_t)n + 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pf = calloc((size_t)n, sizeof(*pf));
	st = calloc((size_t)n, sizeof(*st));
	if (!pf || !st)
		return 2;
	start = now_s();
	end = start + secs;
	next_trickle = interval ? start + interval : end + 1;
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		pf[i].fd = fd;
		pf[i].events = POLLOUT;
		st[i] = S_CONNECTING;
		if (fd < 0 ||
		    (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)) {
			st[i] = S_REFUSED;
			pf[i].fd = -1;
			if (fd >= 0)
				close(fd);
		}
	}
	connecting = 1;
	while (now_s() < end) {
		int ms = (int)((end - now_s()) * 1000) + 1;

		if (ms > 200)
			ms = 200;
		poll(pf, (nfds_t)n, ms);
		for (i = 0; i < n; i++) {
			char b[512];

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			if (st[i] == S_CONNECTING) {
				int err = 0;
				socklen_t l = sizeof(err);

				getsockopt(pf[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
				if (err || (pf[i].revents & (POLLERR | POLLHUP))) {
					st[i] = S_REFUSED;
					close(pf[i].fd);
					pf[i].fd = -1;
					continue;
				}
				st[i] = S_OPEN;
				connected++;
				if (prelen && write(pf[i].fd, pre, prelen) < 0) {
					/* counted as closed below when reading fails */
				}
				pf[i].events = POLLIN;
				continue;
			}
			if (read(pf[i].fd, b, sizeof(b)) <= 0) {
				st[i] = S_CLOSED;
				closed++;
				close(pf[i].fd);
				pf[i].fd = -1;
			}
		}
		if (connecting) {
			for (i = 0; i < n && st[i] != S_CONNECTING; i++)
				;
			if (i == n || now_s() - start > 5) {
				/* connects still pending after 5 s count as refused */
				for (i = 0; i < n; i++)
					if (st[i] == S_CONNECTING) {
						st[i] = S_REFUSED;
						close(pf[i].fd);
						pf[i].fd = -1;
					}
				connecting = 0;
				if (ready) {
					FILE *f = fopen(ready, "w");

					if (f) {
						fputs("ready\n", f);
						fclose(f);
					}
				}
			}
		}
		if (now_s() >= next_trickle) {
			for (i = 0; i < n; i++)
				if (st[i] == S_OPEN && write(pf[i].fd, "X-a: b\r\n", 8) < 0) {
					/* seen as a close by the next read */
				}
			next_trickle += interval;
		}
	}
	for (i = 0; i < n; i++) {
		refused += st[i] == S_REFUSED;
		open_end += st[i] == S_OPEN;
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	}
	printf("connected %d refused %d closed_by_peer %d open_at_end %d\n", connected, refused,
	       closed, open_end);
	free(pf);
	free(st);
	return 0;
usage:
	fprintf(stderr, "usage: tcp_hold [-n N] [-t SECONDS] [-i INTERVAL] [-p PREFIX] "
	                "[-r READY] HOST PORT\n");
	return 2;
}
