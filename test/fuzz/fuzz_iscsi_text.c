/* SPDX-License-Identifier: MIT */
/* fuzz_iscsi_text.c - libFuzzer driver for the iSCSI text keys.  The first
 * byte picks the session kind (bit 0 discovery, bit 1 full feature phase,
 * bit 2 the small limits), the rest is a data segment: every pair walked
 * lies inside it, and an accepted negotiation answers with well-formed
 * pairs and leaves every parameter in its RFC 7143 13 range, an answered
 * FirstBurstLength within MaxBurstLength. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi/iscsi_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct iscsi_limits lims[2] = {{65536, 262144, 65536, 1, 1},
	                                            {0, 4096, 131072, 4, 0}};
	const uint8_t *p, *end = data + size;
	struct iscsi_neg n;
	struct iscsi_kv kv;
	struct buf out;
	int rc;

	if (size < 1)
		return 0;
	for (p = data + 1; (rc = iscsi_text_next(&p, end, &kv)) == 1;)
		check((const uint8_t *)kv.key > data && kv.klen >= 1 && kv.klen <= ISCSI_KEY_MAX &&
		      (const uint8_t *)kv.val + kv.vlen < end && kv.val[kv.vlen] == 0 &&
		      kv.vlen <= ISCSI_VALUE_MAX && p <= end);
	check(rc == 0 || rc == -EPROTO);
	iscsi_neg_init(&n);
	buf_init(&out);
	rc = iscsi_neg_keys(&n, &lims[data[0] >> 2 & 1], data[0] & 1, data[0] >> 1 & 1, data + 1,
	                    size - 1, &out);
	check(rc == 0 || rc == -EPROTO);
	if (rc == 0 && iscsi_neg_finish(&n, &lims[0], data[0] & 1, &out) == 0) {
		const uint8_t *o = (const uint8_t *)out.p, *oend = o + out.len;

		while (o && (rc = iscsi_text_next(&o, oend, &kv)) == 1)
			check(kv.vlen > 0);
		check(rc == 0);
		check(n.p.header_digest <= 1 && n.p.data_digest <= 1 && n.p.max_connections == 1);
		check(n.p.max_recv_dsl >= 512 && n.p.max_recv_dsl < 1u << 24);
		check(n.p.target_recv_dsl >= 512 && n.p.target_recv_dsl < 1u << 24);
		check(n.p.max_burst >= 512 && n.p.max_burst < 1u << 24 && n.p.first_burst >= 512);
		/* answered within MaxBurstLength, or never answered (the default) */
		check(n.p.first_burst <= n.p.max_burst || n.p.first_burst == 65536);
		check(n.p.erl == 0 && n.p.max_outstanding_r2t >= 1 && n.p.initial_r2t == 1);
		check(n.p.time2wait <= 3600 && (n.p.time2retain == 0 || n.p.time2retain == 20));
		check(n.declared_mrdsl == 1);
	}
	buf_free(&out);
	return 0;
}
