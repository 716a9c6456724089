/* SPDX-License-Identifier: MIT */
/*
 * iscsi_raw.c - a hand-driven iSCSI initiator for the tests: logs in with
 * CHAP (rackboot's own PDU helpers and CHAP function, so nothing here
 * hides a mistake the target makes) and then sends one kind of bad input,
 * checking the target's answer: a Reject with the right reason and a
 * session that goes on, or a closed connection.  Every wait is bounded.
 *
 *   iscsi_raw HOST PORT TARGET USER SECRET SCENARIO
 *
 * Scenarios: ddigest (data digest error: Reject 0x02, session alive),
 * hdigest (header digest error: closed), oversize (data segment over the
 * target's MaxRecvDataSegmentLength: closed), ahs (AHS over what the
 * target takes: closed), opcode (a target opcode: closed), snack (SNACK at
 * ErrorRecoveryLevel 0: Reject 0x03, alive), dataout (Data-Out for no
 * task: Reject 0x09, alive), cmdsn (a command beyond MaxCmdSN is ignored,
 * alive), tmf (ABORT TASK SET, LUN RESET and TARGET WARM RESET answered
 * "function complete", alive), login (a SCSI command before the login
 * ends: closed), slowlogin (a login kept going with one security-stage
 * PDU every 2 s and never finished: the target must close it; prints
 * "ok closed after N s").  Prints "ok" and exits 0, or says what went
 * wrong and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "iscsi/iscsi_login.h"
#include "iscsi/iscsi_pdu.h"

#define WAIT_MS 5000

static int fd = -1;
static int hd, dd; /* digests in force */
static uint32_t cmdsn = 1, expstatsn, itt = 0x100;
static const char *scenario;

static void fail(const char *what)
{
	fprintf(stderr, "iscsi_raw %s: %s\n", scenario, what);
	exit(1);
}

static void put_le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void send_all(const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			fail("send failed");
		p += w;
		n -= (size_t)w;
	}
}

/* Send a PDU with digests as negotiated; @p bad_hd / @p bad_dd spoil them. */
static void send_pdu(uint8_t *bhs, const void *data, uint32_t len, int bad_hd, int bad_dd)
{
	static uint8_t buf[ISCSI_BHS_LEN + 8 + 300000];
	size_t n = ISCSI_BHS_LEN;
	uint32_t pad = iscsi_pad(len);

	be24_put(bhs + 5, len);
	memcpy(buf, bhs, ISCSI_BHS_LEN);
	if (hd) {
		put_le(buf + n, iscsi_crc32c(0, buf, ISCSI_BHS_LEN) ^ (bad_hd ? 1 : 0));
		n += 4;
	}
	if (len) {
		memcpy(buf + n, data, len);
		memset(buf + n + len, 0, pad);
		if (dd)
			put_le(buf + n + len + pad,
			       iscsi_crc32c(0, buf + n, len + pad) ^ (bad_dd ? 1 : 0));
		n += len + pad + (dd ? 4 : 0);
	}
	send_all(buf, n);
}

/* Read exactly @p n bytes; 0, or -1 when the connection closed (or the
 * wait ran out: -2). */
static int recv_all(uint8_t *p, size_t n)
{
	while (n) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&pfd, 1, WAIT_MS) <= 0)
			return -2;
		r = recv(fd, p, n, 0);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The next PDU from the target: its header in @p bhs, data in @p data. */
static int recv_pdu(uint8_t *bhs, uint8_t *data, size_t cap, uint32_t *len)
{
	uint8_t dig[4];
	uint32_t n;
	int rc = recv_all(bhs, ISCSI_BHS_LEN);

	if (rc < 0)
		return rc;
	if (hd && recv_all(dig, 4) < 0)
		return -1;
	n = be24_get(bhs + 5);
	if (n + iscsi_pad(n) > cap)
		fail("target sent an oversized PDU");
	if (n && recv_all(data, n + iscsi_pad(n)) < 0)
		return -1;
	if (n && dd && recv_all(dig, 4) < 0)
		return -1;
	*len = n;
	if ((bhs[0] & 0x3f) != ISCSI_OP_R2T && (bhs[0] & 0x3f) != ISCSI_OP_DATA_IN)
		expstatsn = be32_get(bhs + 24) + 1;
	return 0;
}

static void expect_closed(void)
{
	uint8_t bhs[ISCSI_BHS_LEN], data[65536];
	uint32_t len;
	int rc;

	/* a Reject may come first; then the end of the stream */
	while ((rc = recv_pdu(bhs, data, sizeof(data), &len)) == 0)
		if ((bhs[0] & 0x3f) != ISCSI_OP_REJECT)
			fail("expected the connection to close, got another PDU");
	if (rc == -2)
		fail("the connection stayed open");
}

static void expect_reject(uint8_t reason)
{
	uint8_t bhs[ISCSI_BHS_LEN], data[65536];
	uint32_t len;

	if (recv_pdu(bhs, data, sizeof(data), &len) < 0)
		fail("no answer (wanted a Reject)");
	if ((bhs[0] & 0x3f) != ISCSI_OP_REJECT)
		fail("the answer is not a Reject");
	if (bhs[2] != reason) {
		fprintf(stderr, "reason 0x%02x, wanted 0x%02x\n", bhs[2], reason);
		fail("wrong Reject reason");
	}
	if (len != ISCSI_BHS_LEN)
		fail("a Reject carries the rejected header");
}

/* A NOP-Out ping answered with its data: the session is alive. */
static void expect_alive(void)
{
	uint8_t bhs[ISCSI_BHS_LEN], data[65536];
	uint32_t len;

	iscsi_bhs_init(bhs, ISCSI_OP_NOP_OUT | 0x40, 0x80, 0, ++itt);
	be32_put(bhs + 20, 0xffffffff);
	be32_put(bhs + 24, cmdsn);
	be32_put(bhs + 28, expstatsn);
	send_pdu(bhs, "ping", 4, 0, 0);
	for (;;) {
		if (recv_pdu(bhs, data, sizeof(data), &len) < 0)
			fail("the session is gone (no answer to a NOP-Out)");
		if ((bhs[0] & 0x3f) == ISCSI_OP_NOP_IN && be32_get(bhs + 16) == itt)
			break;
	}
	if (len != 4 || memcmp(data, "ping", 4) != 0)
		fail("the NOP-In does not echo the ping data");
}

static size_t kv(char *p, const char *k, const char *v)
{
	return (size_t)sprintf(p, "%s=%s", k, v) + 1;
}

/* Find key @p k in a text segment. */
static const char *find(const uint8_t *data, uint32_t len, const char *k)
{
	const char *p = (const char *)data, *end = p + len;
	size_t kl = strlen(k);

	while (p < end) {
		if (strncmp(p, k, kl) == 0 && p[kl] == '=')
			return p + kl + 1;
		p += strlen(p) + 1;
	}
	return NULL;
}

static void login_pdu(uint8_t flags, const char *text, size_t tlen, uint8_t *rsp, uint8_t *data,
                      uint32_t *len)
{
	uint8_t bhs[ISCSI_BHS_LEN];

	iscsi_bhs_init(bhs, ISCSI_OP_LOGIN_REQ | 0x40, flags, 0, itt);
	memcpy(bhs + 8, "\x40\x00\x01\x37\x00\x01", 6);
	be32_put(bhs + 24, cmdsn);
	be32_put(bhs + 28, expstatsn);
	send_pdu(bhs, text, (uint32_t)tlen, 0, 0);
	if (recv_pdu(rsp, data, 8192, len) < 0)
		fail("no Login Response");
	if ((rsp[0] & 0x3f) != ISCSI_OP_LOGIN_RSP || rsp[36] != 0)
		fail("login refused");
}

static void login(const char *target, const char *user, const char *secret, int digests)
{
	uint8_t rsp[ISCSI_BHS_LEN], data[8192], chal[64], r[16];
	char text[2048];
	uint32_t len;
	size_t n = 0;
	int clen, i;
	const char *v;

	n += kv(text + n, "InitiatorName", "iqn.2026-11.test.rackboot:raw");
	n += kv(text + n, "SessionType", "Normal");
	n += kv(text + n, "TargetName", target);
	n += kv(text + n, "AuthMethod", "CHAP");
	login_pdu(0x80 | (0 << 2) | 1, text, n, rsp, data, &len);
	n = kv(text, "CHAP_A", "5");
	login_pdu(0x80 | (0 << 2) | 1, text, n, rsp, data, &len);
	v = find(data, len, "CHAP_C");
	if (!v || !find(data, len, "CHAP_I"))
		fail("no CHAP challenge");
	clen = iscsi_chap_decode(v, strlen(v), chal, sizeof(chal));
	if (clen < 0 || iscsi_chap_response((uint8_t)atoi(find(data, len, "CHAP_I")), secret, chal,
	                                    (size_t)clen, r) < 0)
		fail("cannot answer the challenge");
	n = kv(text, "CHAP_N", user);
	n += (size_t)sprintf(text + n, "CHAP_R=0x");
	for (i = 0; i < 16; i++)
		n += (size_t)sprintf(text + n, "%02x", r[i]);
	n++;
	login_pdu(0x80 | (0 << 2) | 1, text, n, rsp, data, &len);
	if (!(rsp[1] & 0x80))
		fail("CHAP accepted but no transit");
	n = kv(text, "HeaderDigest", digests ? "CRC32C" : "None");
	n += kv(text + n, "DataDigest", digests ? "CRC32C" : "None");
	n += kv(text + n, "ImmediateData", "Yes");
	n += kv(text + n, "MaxRecvDataSegmentLength", "65536");
	login_pdu(0x80 | (1 << 2) | 3, text, n, rsp, data, &len);
	if ((rsp[1] & 3) != 3 || !(rsp[1] & 0x80))
		fail("no full feature phase");
	v = find(data, len, "HeaderDigest");
	hd = v && strcmp(v, "CRC32C") == 0;
	v = find(data, len, "DataDigest");
	dd = v && strcmp(v, "CRC32C") == 0;
	if (digests && (!hd || !dd))
		fail("the target did not take the digests");
}

/* A SCSI command PDU: WRITE(10) of one block with immediate data. */
static void write10(uint8_t *bhs, uint32_t sn)
{
	iscsi_bhs_init(bhs, ISCSI_OP_SCSI_CMD, 0x80 | 0x20 | 1, 0, ++itt);
	be32_put(bhs + 20, 512);
	be32_put(bhs + 24, sn);
	be32_put(bhs + 28, expstatsn);
	bhs[32] = 0x2a;
	bhs[40] = 1; /* transfer length 1 (bytes 7..8 of the CDB) */
}

/* A login that goes on and on: the first PDU names the target, then an
 * empty security-stage PDU (no transit, which the target must answer)
 * every 2 s, for at most 60 s.  Each PDU is answered, so only a deadline
 * from the connection's start ends it. */
static int slow_login(const char *target)
{
	uint8_t rsp[ISCSI_BHS_LEN], data[8192];
	struct timespec t0, t1;
	char text[512];
	uint32_t len;
	size_t n = 0;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	n += kv(text + n, "InitiatorName", "iqn.2026-11.test.rackboot:slow");
	n += kv(text + n, "SessionType", "Normal");
	n += kv(text + n, "TargetName", target);
	n += kv(text + n, "AuthMethod", "CHAP");
	login_pdu(0, text, n, rsp, data, &len);
	for (i = 0; i < 30; i++) {
		uint8_t bhs[ISCSI_BHS_LEN];
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		/* closed while waiting? (a read of 0 or an error) */
		if (poll(&pfd, 1, 2000) > 0) {
			if (recv(fd, bhs, 1, 0) <= 0)
				break;
			fail("an unasked PDU from the target");
		}
		iscsi_bhs_init(bhs, ISCSI_OP_LOGIN_REQ | 0x40, 0, 0, itt);
		memcpy(bhs + 8, "\x40\x00\x01\x37\x00\x01", 6);
		be32_put(bhs + 24, cmdsn);
		be32_put(bhs + 28, expstatsn);
		send_pdu(bhs, NULL, 0, 0, 0);
		if (recv_pdu(rsp, data, sizeof(data), &len) < 0)
			break;
		if ((rsp[0] & 0x3f) != ISCSI_OP_LOGIN_RSP || rsp[36] != 0)
			fail("a security-stage PDU without keys was refused");
	}
	if (i == 30)
		fail("the login was never closed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ok closed after %ld s\n", (long)(t1.tv_sec - t0.tv_sec));
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	static uint8_t block[512], big[70000];
	uint8_t bhs[ISCSI_BHS_LEN], data[65536];
	uint32_t len;
	int digests;

	if (argc != 7) {
		fprintf(stderr, "usage: iscsi_raw HOST PORT TARGET USER SECRET SCENARIO\n");
		return 2;
	}
	scenario = argv[6];
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		fail("bad host");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail("cannot connect");
	if (strcmp(scenario, "login") == 0) {
		write10(bhs, cmdsn);
		send_pdu(bhs, block, sizeof(block), 0, 0);
		expect_closed();
		puts("ok");
		return 0;
	}
	if (strcmp(scenario, "slowlogin") == 0)
		return slow_login(argv[3]);
	digests = strcmp(scenario, "ddigest") == 0 || strcmp(scenario, "hdigest") == 0;
	login(argv[3], argv[4], argv[5], digests);
	expect_alive();
	if (strcmp(scenario, "ddigest") == 0) {
		write10(bhs, cmdsn++);
		send_pdu(bhs, block, sizeof(block), 0, 1);
		expect_reject(ISCSI_REJECT_DIGEST);
		expect_alive();
	} else if (strcmp(scenario, "hdigest") == 0) {
		write10(bhs, cmdsn++);
		send_pdu(bhs, block, sizeof(block), 1, 0);
		expect_closed();
	} else if (strcmp(scenario, "oversize") == 0) {
		/* bigger than the 256 KiB the target declared */
		iscsi_bhs_init(bhs, ISCSI_OP_NOP_OUT | 0x40, 0x80, 0, ++itt);
		be32_put(bhs + 20, 0xffffffff);
		be24_put(bhs + 5, 300000);
		send_all(bhs, ISCSI_BHS_LEN);
		send_all(big, sizeof(big));
		expect_closed();
	} else if (strcmp(scenario, "ahs") == 0) {
		write10(bhs, cmdsn++);
		bhs[4] = 255;
		send_all(bhs, ISCSI_BHS_LEN);
		send_all(big, 1020);
		expect_closed();
	} else if (strcmp(scenario, "opcode") == 0) {
		iscsi_bhs_init(bhs, ISCSI_OP_NOP_IN, 0x80, 0, ++itt);
		send_pdu(bhs, NULL, 0, 0, 0);
		expect_closed();
	} else if (strcmp(scenario, "snack") == 0) {
		iscsi_bhs_init(bhs, ISCSI_OP_SNACK, 0x80, 0, ++itt);
		send_pdu(bhs, NULL, 0, 0, 0);
		expect_reject(ISCSI_REJECT_SNACK);
		expect_alive();
	} else if (strcmp(scenario, "dataout") == 0) {
		iscsi_bhs_init(bhs, ISCSI_OP_DATA_OUT, 0x80, 0, 0x7777);
		be32_put(bhs + 20, 0x1234);
		send_pdu(bhs, block, sizeof(block), 0, 0);
		expect_reject(ISCSI_REJECT_INVALID_FIELD);
		expect_alive();
	} else if (strcmp(scenario, "cmdsn") == 0) {
		/* far beyond MaxCmdSN: RFC 7143 4.2.2.1 says ignore it */
		write10(bhs, cmdsn + 100000);
		send_pdu(bhs, block, sizeof(block), 0, 0);
		expect_alive(); /* and the first answer is the ping's, not the write's */
	} else if (strcmp(scenario, "tmf") == 0) {
		static const uint8_t fns[] = {2, 5, 6};
		size_t i;

		for (i = 0; i < sizeof(fns); i++) {
			iscsi_bhs_init(bhs, ISCSI_OP_TMF_REQ | 0x40, 0x80 | fns[i], 0, ++itt);
			be32_put(bhs + 20, 0xffffffff);
			be32_put(bhs + 24, cmdsn);
			be32_put(bhs + 28, expstatsn);
			send_pdu(bhs, NULL, 0, 0, 0);
			if (recv_pdu(bhs, data, sizeof(data), &len) < 0 ||
			    (bhs[0] & 0x3f) != ISCSI_OP_TMF_RSP)
				fail("no Task Management Response");
			if (bhs[2] != 0)
				fail("task management function not complete");
		}
		expect_alive();
	} else {
		fail("unknown scenario");
	}
	puts("ok");
	return 0;
}
