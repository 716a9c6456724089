/* SPDX-License-Identifier: MIT */
/* fuzz_iscsi_pdu.c - libFuzzer driver for iscsi_pdu_frame: frames a stream
 * PDU by PDU as the connection does, with the digest settings taken from
 * the first byte; every framed PDU lies inside the input, and a login
 * request decodes without reading past it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi/iscsi_pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int hd = size && (data[0] & 1), dd = size && (data[0] & 2);
	uint32_t max = size && (data[0] & 4) ? 8192 : 262144;
	size_t off = size ? 1 : 0, need;
	struct iscsi_pdu p;
	int rc;

	while (off < size) {
		rc = iscsi_pdu_frame(data + off, size - off, hd, dd, max, &p, &need);
		if (rc == 0) {
			if (need <= size - off)
				abort(); /* asked for what it had */
			break;
		}
		if (rc < 0 && rc != ISCSI_E_DDIGEST)
			break;
		if (p.total > size - off || (p.data && p.data + p.data_len > data + size))
			abort();
		if (p.opcode == ISCSI_OP_LOGIN_REQ && rc > 0) {
			struct iscsi_login_req r;

			iscsi_login_req_decode(&p, &r);
			if (r.len && r.data[r.len - 1] == 0x7f)
				(void)r; /* touch the last byte */
		}
		off += p.total;
	}
	(void)iscsi_crc32c(0, data, size);
	return 0;
}
