/* SPDX-License-Identifier: MIT */
/* fuzz_addr.c - libFuzzer driver for the address, MAC, size and host-name
 * parsers: any bytes in, no crash, and every accepted value formats back to
 * something the parser accepts again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[MAC_STRLEN + IPV4_STRLEN];
	struct ipv4_prefix p;
	uint8_t mac[MAC_LEN], again[MAC_LEN];
	uint32_t a, b;
	uint64_t n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ipv4_parse(s, &a) == 0 && (ipv4_parse(ipv4_format(a, buf), &b) != 0 || a != b))
		abort();
	if (ipv4_prefix_parse(s, &p) == 0 && !ipv4_prefix_contains(&p, p.addr))
		abort();
	/* Not NUL-terminated on purpose: the length must bound the read. */
	if (mac_parse((const char *)data, size, mac) == 0 &&
	    (mac_parse(mac_format(mac, ':', buf), 17, again) != 0 || memcmp(mac, again, MAC_LEN)))
		abort();
	size_parse(s, &n);
	hostname_valid(s);
	free(s);
	return 0;
}
