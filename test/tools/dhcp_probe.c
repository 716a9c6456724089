/* SPDX-License-Identifier: MIT */
/*
 * dhcp_probe.c - a DHCP client for the tests, built on rackboot's own codec
 * for parsing replies.  It sets the broadcast flag, so it needs no raw
 * socket and no address.  Every loop is bounded in count and in time.
 *
 *   dhcp_probe offers IFACE MAC [CODE=HEX]...   list every reply to one
 *                                               DISCOVER (2 s)
 *   dhcp_probe dora IFACE MAC [CODE=HEX]...     one DORA; prints the ACK
 *   dhcp_probe reboot IFACE MAC IP              one INIT-REBOOT REQUEST for IP;
 *                                               prints the ACK or NAK
 *   dhcp_probe load IFACE COUNT FILE [SECONDS]  DORA for COUNT MACs, many
 *                                               in flight; appends "mac ip"
 *                                               to FILE per ACK, unbuffered
 *   dhcp_probe verify IFACE FILE [SECONDS]      INIT-REBOOT each "mac ip" of
 *                                               FILE; exits 1 unless every
 *                                               one is ACKed with that ip
 *
 * PROBE_TO=ADDR:PORT sends the requests there instead of broadcasting them
 * (to talk to a proxyDHCP server on port 4011).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "dhcp/dhcp_msg.h"

#define WINDOW  64 /* exchanges in flight in load/verify */
#define RETRIES 4  /* sends per step before giving up on a MAC */

struct extra {
	uint8_t code;
	uint8_t len;
	uint8_t data[255];
};

static struct extra extras[16];
static size_t nextras;
static int sock;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_extra(const char *arg)
{
	struct extra *e = &extras[nextras];
	const char *eq = strchr(arg, '=');
	size_t i, n;

	if (!eq || nextras == 16)
		return -1;
	e->code = (uint8_t)atoi(arg);
	n = strlen(eq + 1);
	if (n % 2 || n / 2 > 255)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(eq + 1 + 2 * i, "%2x", &v) != 1)
			return -1;
		e->data[i] = (uint8_t)v;
	}
	e->len = (uint8_t)(n / 2);
	nextras++;
	return 0;
}

static int open_sock(const char *ifname)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(68)};
	int one = 1, rcv = 4 << 20;

	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0 || setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("dhcp_probe: socket");
		return -1;
	}
	setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	return 0;
}

/* Build and broadcast a request.  @sid and @req are host order, 0 = none. */
static void send_req(const uint8_t mac[MAC_LEN], uint32_t xid, uint8_t type, uint32_t sid,
                     uint32_t req)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(67)};
	uint8_t p[600];
	size_t n = 240, i;
	uint32_t be;

	memset(p, 0, sizeof(p));
	p[0] = 1; /* BOOTREQUEST */
	p[1] = 1;
	p[2] = 6;
	be = htonl(xid);
	memcpy(p + 4, &be, 4);
	p[10] = 0x80; /* broadcast flag: we have no raw socket */
	memcpy(p + 28, mac, MAC_LEN);
	memcpy(p + 236, "\x63\x82\x53\x63", 4);
	p[n++] = 53, p[n++] = 1, p[n++] = type;
	if (sid) {
		be = htonl(sid);
		p[n++] = 54, p[n++] = 4;
		memcpy(p + n, &be, 4);
		n += 4;
	}
	if (req) {
		be = htonl(req);
		p[n++] = 50, p[n++] = 4;
		memcpy(p + n, &be, 4);
		n += 4;
	}
	p[n++] = 55, p[n++] = 4, p[n++] = 1, p[n++] = 3, p[n++] = 6, p[n++] = 12;
	for (i = 0; i < nextras && n + 2 + extras[i].len < sizeof(p) - 1; i++) {
		p[n++] = extras[i].code;
		p[n++] = extras[i].len;
		memcpy(p + n, extras[i].data, extras[i].len);
		n += extras[i].len;
	}
	p[n++] = 255;
	to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	if (getenv("PROBE_TO")) {
		char host[64];
		unsigned port;
		uint32_t a;

		if (sscanf(getenv("PROBE_TO"), "%63[0-9.]:%u", host, &port) == 2 &&
		    ipv4_parse(host, &a) == 0) {
			to.sin_addr.s_addr = htonl(a);
			to.sin_port = htons((uint16_t)port);
		}
	}
	if (sendto(sock, p, n < 300 ? 300 : n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		perror("dhcp_probe: sendto");
}

/* Receive one reply within @ms; 0 on success. */
static int recv_reply(uint8_t *buf, size_t cap, struct dhcp_msg *m, int ms)
{
	struct pollfd pfd = {sock, POLLIN, 0};
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	n = recv(sock, buf, cap, 0);
	if (n < 0 || dhcp_msg_parse(buf, (size_t)n, m) < 0 || m->op != 2)
		return -1;
	return 0;
}

static uint32_t opt_addr(const struct dhcp_msg *m, int code)
{
	uint32_t be;

	if (!m->opt[code].data || m->opt[code].len < 4)
		return 0;
	memcpy(&be, m->opt[code].data, 4);
	return ntohl(be);
}

static void print_reply(const struct dhcp_msg *m)
{
	static const char *const names[] = {"?",   "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
	                                    "ACK", "NAK",      "RELEASE", "INFORM"};
	char a[IPV4_STRLEN], b[IPV4_STRLEN], s[IPV4_STRLEN], file[129] = "";
	const struct dhcp_opt *o;

	if (m->file)
		memcpy(file, m->file, 128);
	if (m->opt[67].data && !file[0])
		snprintf(file, sizeof(file), "%.*s", m->opt[67].len, (const char *)m->opt[67].data);
	printf("%s server=%s yiaddr=%s siaddr=%s file=%s", names[m->type <= 8 ? m->type : 0],
	       ipv4_format(opt_addr(m, 54), s), ipv4_format(m->yiaddr, a),
	       ipv4_format(m->siaddr, b), file);
	if ((o = &m->opt[60])->data)
		printf(" vendor=%.*s", o->len, (const char *)o->data);
	if ((o = &m->opt[43])->data) {
		printf(" opt43=");
		for (size_t i = 0; i < o->len; i++)
			printf("%02x", o->data[i]);
	}
	if ((o = &m->opt[175])->data) {
		printf(" opt175=");
		for (size_t i = 0; i < o->len; i++)
			printf("%02x", o->data[i]);
	}
	if ((o = &m->opt[12])->data)
		printf(" hostname=%.*s", o->len, (const char *)o->data);
	if (m->opt[51].data)
		printf(" lease=%u", opt_addr(m, 51));
	if (m->opt[3].data)
		printf(" router=%s", ipv4_format(opt_addr(m, 3), a));
	printf("\n");
	fflush(stdout);
}

static int cmd_offers(const uint8_t mac[MAC_LEN])
{
	uint8_t buf[2048];
	static struct dhcp_msg m;
	uint32_t xid = (uint32_t)rand();
	double end = now() + 2.0;
	int got = 0;

	send_req(mac, xid, DHCPDISCOVER, 0, 0);
	while (now() < end)
		if (recv_reply(buf, sizeof(buf), &m, 100) == 0 && m.xid == xid &&
		    memcmp(m.chaddr, mac, MAC_LEN) == 0) {
			print_reply(&m);
			got++;
		}
	return got ? 0 : 1;
}

static int cmd_reboot(const uint8_t mac[MAC_LEN], uint32_t ip)
{
	uint8_t buf[2048];
	static struct dhcp_msg m;
	uint32_t xid = (uint32_t)rand();
	int tries;

	for (tries = 0; tries < RETRIES; tries++) {
		double end = now() + 1.0;

		send_req(mac, xid, DHCPREQUEST, 0, ip);
		while (now() < end)
			if (recv_reply(buf, sizeof(buf), &m, 100) == 0 && m.xid == xid &&
			    memcmp(m.chaddr, mac, MAC_LEN) == 0) {
				print_reply(&m);
				return m.type == DHCPACK ? 0 : 1;
			}
	}
	fprintf(stderr, "dhcp_probe: no answer\n");
	return 3;
}

static int cmd_dora(const uint8_t mac[MAC_LEN])
{
	uint8_t buf[2048];
	static struct dhcp_msg m;
	uint32_t xid = (uint32_t)rand(), yi = 0, sid = 0;
	int step, tries;

	for (step = 0; step < 2; step++) {
		for (tries = 0; tries < RETRIES; tries++) {
			double end = now() + 1.0;

			if (step == 0)
				send_req(mac, xid, DHCPDISCOVER, 0, 0);
			else
				send_req(mac, xid, DHCPREQUEST, sid, yi);
			while (now() < end)
				if (recv_reply(buf, sizeof(buf), &m, 100) == 0 && m.xid == xid &&
				    memcmp(m.chaddr, mac, MAC_LEN) == 0)
					goto got;
		}
		fprintf(stderr, "dhcp_probe: no %s\n", step ? "ACK" : "OFFER");
		return 1;
	got:
		if (step == 0) {
			yi = m.yiaddr;
			sid = opt_addr(&m, 54);
		} else {
			print_reply(&m);
			return m.type == DHCPACK ? 0 : 1;
		}
	}
	return 1;
}

/* One exchange of load/verify. */
struct flow {
	uint8_t mac[MAC_LEN];
	uint32_t xid, ip, sid;
	int state; /* 0 idle, 1 discovering, 2 requesting, 3 done, 4 failed */
	int tries;
	double sent;
};

static void flow_send(struct flow *f, int verify)
{
	if (verify)
		send_req(f->mac, f->xid, DHCPREQUEST, 0, f->ip);
	else if (f->state == 1)
		send_req(f->mac, f->xid, DHCPDISCOVER, 0, 0);
	else
		send_req(f->mac, f->xid, DHCPREQUEST, f->sid, f->ip);
	f->sent = now();
	f->tries++;
}

/* Run @n flows with WINDOW in flight until all end or @seconds pass. */
static int run_flows(struct flow *fl, size_t n, int verify, int out, double seconds)
{
	static struct dhcp_msg m;
	uint8_t buf[2048];
	double end = now() + seconds;
	size_t next = 0, active = 0, done = 0, failed = 0, i;

	while ((next < n || active) && now() < end) {
		while (active < WINDOW && next < n) {
			fl[next].state = verify ? 2 : 1;
			flow_send(&fl[next++], verify);
			active++;
		}
		while (recv_reply(buf, sizeof(buf), &m, 5) == 0) {
			struct flow *f = NULL;

			/* xid = index + 1: the flow is found in O(1). */
			if (m.xid >= 1 && m.xid <= n)
				f = &fl[m.xid - 1];
			if (!f || f->state == 0 || f->state >= 3 ||
			    memcmp(m.chaddr, f->mac, MAC_LEN) != 0)
				continue;
			if (f->state == 1 && m.type == DHCPOFFER) {
				f->ip = m.yiaddr;
				f->sid = opt_addr(&m, 54);
				f->state = 2;
				f->tries = 0;
				flow_send(f, 0);
			} else if (f->state == 2 && m.type == DHCPACK &&
			           (!verify || m.yiaddr == f->ip)) {
				char line[64], mac[MAC_STRLEN], a[IPV4_STRLEN];
				int len = snprintf(line, sizeof(line), "%s %s\n",
				                   mac_format(f->mac, ':', mac),
				                   ipv4_format(m.yiaddr, a));

				/* One write per ACK, before anything else
				 * happens: the record of what we were told. */
				if (out >= 0 && write(out, line, (size_t)len) != len)
					perror("dhcp_probe: write");
				f->state = 3;
				done++;
				active--;
			} else if (f->state == 2 && (m.type == DHCPNAK || m.type == DHCPACK)) {
				char mac[MAC_STRLEN], a[IPV4_STRLEN], b[IPV4_STRLEN];

				fprintf(stderr, "dhcp_probe: %s for %s: got %s, expected %s\n",
				        m.type == DHCPNAK ? "NAK" : "wrong ACK",
				        mac_format(f->mac, ':', mac), ipv4_format(m.yiaddr, a),
				        ipv4_format(f->ip, b));
				f->state = 4;
				failed++;
				active--;
			}
		}
		for (i = 0; i < next; i++) {
			struct flow *f = &fl[i];

			if ((f->state == 1 || f->state == 2) && now() - f->sent > 1.0) {
				if (f->tries >= RETRIES) {
					f->state = 4;
					failed++;
					active--;
				} else {
					flow_send(f, verify);
				}
			}
		}
	}
	printf("flows=%zu done=%zu failed=%zu unfinished=%zu\n", n, done, failed,
	       n - done - failed);
	return done == n ? 0 : 1;
}

static int cmd_load(size_t n, const char *file, double seconds)
{
	struct flow *fl = calloc(n, sizeof(*fl));
	int out = open(file, O_WRONLY | O_CREAT | O_APPEND, 0644), rc;
	size_t i;

	if (!fl || out < 0)
		return 2;
	for (i = 0; i < n; i++) {
		uint8_t m[MAC_LEN] = {
		        0x02,      0x00, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		        (uint8_t)i};

		memcpy(fl[i].mac, m, MAC_LEN);
		fl[i].xid = (uint32_t)i + 1;
	}
	rc = run_flows(fl, n, 0, out, seconds);
	close(out);
	free(fl);
	return rc;
}

static int cmd_verify(const char *file, double seconds)
{
	FILE *f = fopen(file, "r");
	struct flow *fl = NULL;
	size_t n = 0, cap = 0;
	char mac[64], ip[64];
	int rc;

	if (!f)
		return 2;
	while (fscanf(f, "%63s %63s", mac, ip) == 2) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			fl = realloc(fl, cap * sizeof(*fl));
			if (!fl)
				return 2;
		}
		memset(&fl[n], 0, sizeof(fl[n]));
		if (mac_parse(mac, strlen(mac), fl[n].mac) < 0 || ipv4_parse(ip, &fl[n].ip) < 0)
			continue;
		fl[n].xid = (uint32_t)n + 1;
		n++;
	}
	fclose(f);
	rc = run_flows(fl, n, 1, -1, seconds);
	free(fl);
	return rc;
}

int main(int argc, char **argv)
{
	uint8_t mac[MAC_LEN];
	int i;

	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	if (argc < 4)
		goto usage;
	if (open_sock(argv[2]) < 0)
		return 2;
	if (strcmp(argv[1], "offers") == 0 || strcmp(argv[1], "dora") == 0) {
		if (mac_parse(argv[3], strlen(argv[3]), mac) < 0)
			goto usage;
		for (i = 4; i < argc; i++)
			if (parse_extra(argv[i]) < 0)
				goto usage;
		return argv[1][0] == 'o' ? cmd_offers(mac) : cmd_dora(mac);
	}
	if (strcmp(argv[1], "reboot") == 0 && argc >= 5) {
		uint32_t ip;

		if (mac_parse(argv[3], strlen(argv[3]), mac) < 0 || ipv4_parse(argv[4], &ip) < 0)
			goto usage;
		for (i = 5; i < argc; i++)
			if (parse_extra(argv[i]) < 0)
				goto usage;
		return cmd_reboot(mac, ip);
	}
	if (strcmp(argv[1], "load") == 0 && argc >= 5)
		return cmd_load((size_t)atol(argv[3]), argv[4], argc > 5 ? atof(argv[5]) : 60);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[3], argc > 4 ? atof(argv[4]) : 60);
usage:
	fprintf(stderr, "usage: see the comment at the top of test/dhcp_probe.c\n");
	return 2;
}
