/* SPDX-License-Identifier: MIT */
/* fuzz_http_util.c - libFuzzer driver for the HTTP helpers.  The first 8
 * bytes are a representation size (little-endian), the rest a header value.
 * Range: an accepted range lies inside the file and is not empty, and
 * whether the header is ignored does not depend on the size.  Dates: what
 * parses formats and parses back to the same time.  Entity tags: a list
 * matches a tag only if it matches the tag made weak.  Boot paths: an
 * accepted MAC comes back from every spelling of it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_range(const char *s, uint64_t fsize)
{
	uint64_t off = 0, len = 0, off2, len2;
	int res = http_range_parse(s, fsize, &off, &len), res2;

	if (res == HTTP_RANGE_OK && (len < 1 || off >= fsize || len > fsize - off))
		abort();
	if (fsize == 0 && res == HTTP_RANGE_OK)
		abort();
	/* Ignoring is a matter of syntax; satisfiable or not, of the size. */
	res2 = http_range_parse(s, fsize ^ 0x5a5a, &off2, &len2);
	if ((res == HTTP_RANGE_NONE) != (res2 == HTTP_RANGE_NONE))
		abort();
	if (res == HTTP_RANGE_NONE && http_range_parse(s, UINT64_MAX, &off2, &len2) != res)
		abort();
}

static void check_date(const char *s)
{
	char out[HTTP_DATE_LEN];
	time_t t, t2;

	if (http_date_parse(s, &t) != 0)
		return;
	http_date_format(t, out);
	if (strlen(out) != HTTP_DATE_LEN - 1 || http_date_parse(out, &t2) != 0 || t != t2)
		abort();
	/* Only a leap second is spelled another way. */
	if (strcmp(out, s) != 0 && memcmp(s + 17, "23:59:60", 8) != 0)
		abort();
}

static void check_etag(const char *s)
{
	static const char tag[] = "\"83a1f-100000-17979cfe3d85cd15\"";
	static const char weak[] = "W/\"83a1f-100000-17979cfe3d85cd15\"";

	if (!!http_etag_match(s, tag) != !!http_etag_match(s, weak))
		abort();
	http_etag_match(tag, s); /* the input as our own tag */
}

static void check_path(const char *s)
{
	static const char seps[] = {':', '-', 0};
	char path[64], m[MAC_STRLEN];
	uint8_t mac[MAC_LEN], again[MAC_LEN];
	size_t i;

	if (http_boot_path(s, mac) != 0)
		return;
	for (i = 0; i < sizeof(seps); i++) {
		strcpy(path, "/boot/");
		strcat(path, mac_format(mac, seps[i], m));
		strcat(path, ".ipxe");
		if (http_boot_path(path, again) != 0 || memcmp(mac, again, MAC_LEN) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t fsize = 0;
	size_t i;
	char *s;

	for (i = 0; i < 8 && i < size; i++)
		fsize |= (uint64_t)data[i] << (8 * i);
	data += i;
	size -= i;
	/* A C string of exactly the rest (a NUL inside ends it early). */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_range(s, fsize);
	check_date(s);
	check_etag(s);
	check_path(s);
	free(s);
	return 0;
}
