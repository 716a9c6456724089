/* SPDX-License-Identifier: MIT */
/* fuzz_iscsi_login.c - libFuzzer driver for the login state machine.  The
 * first byte sets discovery CHAP; then come requests, each a flags byte (T,
 * C, CSG, NSG, version_min 1, TSIH 1 from bit 0 up), a length byte and the
 * text.  Random bytes are all zero, so a fixed CHAP_R passes (the corpus
 * holds one).  Every answer is well-formed text or, on a refusal, empty
 * with a reason; the login transits only once authenticated, and a normal
 * session reaches full feature phase only through the node's CHAP name. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi/iscsi_login.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct iscsi_auth node = {"iqn.2024-01.org.rackboot:n1",
                                       "user1",
                                       "secret-one-1",
                                       "tgt1",
                                       "target-secret-1",
                                       NULL,
                                       NULL};

static void check(int ok)
{
	if (!ok)
		abort();
}

static int by_name(void *ctx, const char *name, struct iscsi_auth *out)
{
	(void)ctx;
	*out = node;
	return strcmp(name, node.target) == 0 ? 0 : -ENOENT;
}

static int by_user(void *ctx, const char *user, struct iscsi_auth *out)
{
	(void)ctx;
	*out = node;
	return strcmp(user, node.user) == 0 ? 0 : -ENOENT;
}

static int zeros(void *ctx, uint8_t *p, size_t n)
{
	(void)ctx;
	memset(p, 0, n);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iscsi_login_ops ops = {by_name, by_user, zeros, NULL, 0, {8192, 65536, 8192, 1, 1}};
	struct iscsi_login l;
	size_t i = 1;

	if (size < 1)
		return 0;
	ops.discovery_chap = data[0] & 1;
	iscsi_login_init(&l, &ops);
	while (i + 2 <= size) {
		uint8_t f = data[i];
		struct iscsi_login_req req = {0};
		struct iscsi_login_rsp rsp;
		const uint8_t *p;
		struct iscsi_kv kv;
		struct buf out;
		int rc = 0;

		req.transit = f & 1;
		req.cont = f >> 1 & 1;
		req.csg = f >> 2 & 3;
		req.nsg = f >> 4 & 3;
		req.version_min = f >> 6 & 1;
		req.tsih = f >> 7;
		req.data = data + i + 2;
		req.len = data[i + 1] < size - i - 2 ? data[i + 1] : size - i - 2;
		i += 2 + req.len;
		buf_init(&out);
		check(iscsi_login_step(&l, &req, &out, &rsp) == 0);
		for (p = (const uint8_t *)out.p; p && p < (const uint8_t *)out.p + out.len;)
			if ((rc = iscsi_text_next(&p, (const uint8_t *)out.p + out.len, &kv)) != 1)
				break;
		check(rc >= 0 && !out.oom);
		check(rsp.status == ISCSI_LOGIN_OK ||
		      (rsp.why && out.len == 0 && !rsp.transit && !rsp.done));
		buf_free(&out);
		if (rsp.status != ISCSI_LOGIN_OK)
			break;
		check(!rsp.transit || l.auth == ISCSI_AUTH_DONE);
		if (rsp.done)
			check(l.stage == ISCSI_STAGE_FULL &&
			      (l.discovery || (l.have_node && strcmp(l.user, node.user) == 0)));
	}
	iscsi_login_fini(&l);
	return 0;
}
