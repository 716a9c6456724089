/* SPDX-License-Identifier: MIT */
/* fuzz_tftp_path.c - libFuzzer driver for tftp_path_clean: any bytes in, and
 * every accepted name is relative, free of "..", ".", "//", '\\', NUL and
 * control characters, fits its buffer, cleans to itself, and gets the same
 * answer from a smaller buffer whenever it fits there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tftp/tftp_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *out, size_t cap)
{
	size_t n = strnlen(out, cap), i, start = 0;

	if (n == 0 || n >= cap || out[0] == '/' || out[n - 1] == '/')
		abort();
	for (i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)out[i];

		if (i < n && (c < 0x20 || c == 0x7f || c == '\\'))
			abort();
		if (i == n || c == '/') {
			/* Components are never empty, "." or "..". */
			if (i == start || (i - start == 1 && out[start] == '.') ||
			    (i - start == 2 && out[start] == '.' && out[start + 1] == '.'))
				abort();
			start = i + 1;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[TFTP_NAME_MAX + 1], again[TFTP_NAME_MAX + 1], small[TFTP_NAME_MAX + 1];
	size_t cap = size > 0 ? data[0] % sizeof(small) : 0;
	int rc, rc2;

	/* Not NUL-terminated on purpose: the length must bound the read. */
	rc = tftp_path_clean((const char *)data, size, out, sizeof(out));
	if (rc > 0 || (rc < 0 && out[0] != '\0'))
		abort();
	if (rc < 0 && (size > TFTP_NAME_MAX) != (rc == TFTP_P_LONG))
		abort();
	rc2 = tftp_path_clean((const char *)data, size, small, cap);
	if (rc < 0 && rc2 != rc)
		abort();
	if (rc == 0 && rc2 == 0 && strcmp(out, small) != 0)
		abort();
	if (rc == 0 && rc2 != (strlen(out) < cap ? 0 : TFTP_P_LONG))
		abort();
	if (rc < 0)
		return 0;
	check_clean(out, sizeof(out));
	if (tftp_path_clean(out, strlen(out), again, sizeof(again)) != 0 || strcmp(out, again))
		abort();
	return 0;
}
