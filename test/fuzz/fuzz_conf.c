/* SPDX-License-Identifier: MIT */
/* fuzz_conf.c - libFuzzer driver for the configuration parser: any text in,
 * either a configuration or at least one error out, never both, never a
 * crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_diag d = {0};
	struct conf *c;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	c = conf_parse_string(s, "fuzz.conf", &d);
	if ((c != NULL) == (d.errors != 0))
		abort();
	conf_unref(c);
	conf_diag_fini(&d);
	free(s);
	return 0;
}
