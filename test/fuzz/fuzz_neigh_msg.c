/* SPDX-License-Identifier: MIT */
/* fuzz_neigh_msg.c - libFuzzer driver for the neighbour answer reader: any
 * bytes, read as an answer to sequence 77 for 10.0.0.7 on interface 3, give
 * one of the documented results, and a MAC only when they hold it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/neigh_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mac[6] = {0};
	int rc = neigh_msg_parse(data, size, 77, 3, 0x0a000007, mac);

	if (rc == 0 &&
	    (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) || !memmem(data, size, mac, 6)))
		abort();
	if (rc > 0 || rc < -4095)
		abort();
	return 0;
}
