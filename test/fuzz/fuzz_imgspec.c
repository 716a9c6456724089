/* SPDX-License-Identifier: MIT */
/* fuzz_imgspec.c - libFuzzer driver for imgspec_parse: any bytes in; an
 * accepted spec has a valid pool, image and (if any) snapshot name, and
 * formatting it back as pool/image[@snap] parses to the same thing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/imgspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[512], again[3 * (IMGSPEC_NAME_MAX + 1) + 4];
	struct imgspec a, b;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = 0;
	if (imgspec_parse(in, "rbd", &a) < 0)
		return 0;
	if (!imgspec_name_valid(a.pool) || !imgspec_name_valid(a.image) ||
	    (a.snap[0] && !imgspec_name_valid(a.snap)))
		abort();
	snprintf(again, sizeof(again), "%s/%s%s%s", a.pool, a.image, a.snap[0] ? "@" : "", a.snap);
	if (imgspec_parse(again, "other", &b) < 0 || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	return 0;
}
