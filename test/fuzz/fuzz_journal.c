/* SPDX-License-Identifier: MIT */
/* fuzz_journal.c - libFuzzer driver for the journal scan: any bytes in, no
 * crash; the valid length is whole records within the input, made of the
 * records delivered and the corrupt slots counted; every record delivered
 * encodes to a slot that scans back to the same record. */
#include <stdlib.h>
#include <string.h>

#include "dhcp/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void copy_rec(const struct lease_rec *r, void *arg)
{
	*(struct lease_rec *)arg = *r;
}

static void check_rec(const struct lease_rec *r, void *arg)
{
	uint8_t enc[JOURNAL_REC_SIZE];
	struct lease_rec back;
	size_t bad;

	journal_rec_encode(r, enc);
	if (journal_scan(enc, sizeof(enc), copy_rec, &back, &bad) != sizeof(enc) || bad != 0 ||
	    memcmp(back.mac, r->mac, MAC_LEN) || back.state != r->state || back.ip != r->ip ||
	    back.expires != r->expires)
		abort();
	(*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, bad, valid = journal_scan(data, size, check_rec, &n, &bad);

	if (valid > size || valid % JOURNAL_REC_SIZE || n + bad != valid / JOURNAL_REC_SIZE)
		abort();
	/* The valid length ends on a record, never on a bad slot. */
	if (valid && journal_scan(data + valid - JOURNAL_REC_SIZE, JOURNAL_REC_SIZE, NULL, NULL,
	                          NULL) != JOURNAL_REC_SIZE)
		abort();
	return 0;
}
