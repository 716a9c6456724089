/* SPDX-License-Identifier: MIT */
/*
 * imgspec.c - "[pool/]image[@snap]" (see imgspec.h).  Pure: it parses text
 * and never talks to a cluster or logs.  The character set is narrower
 * than Ceph's own (which allows nearly anything but '/' and '@'): names
 * that travel in logs, metrics and shell commands stay plain.
 */
#include <errno.h>
#include <string.h>

#include "store/imgspec.h"

static int name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-' || ch == '+';
}

/* Valid name in s[0..len). */
static int part_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > IMGSPEC_NAME_MAX)
		return 0;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return 0;
	for (i = 0; i < len; i++)
		if (!name_char(s[i]))
			return 0;
	return 1;
}

int imgspec_name_valid(const char *s)
{
	return s && part_valid(s, strlen(s));
}

static void part_copy(char *dst, const char *s, size_t len)
{
	memcpy(dst, s, len);
	dst[len] = '\0';
}

int imgspec_parse(const char *s, const char *def_pool, struct imgspec *out)
{
	const char *slash, *at, *img;
	size_t img_len;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	at = strchr(s, '@');
	if ((slash && strchr(slash + 1, '/')) || (at && strchr(at + 1, '@')) || (at && slash > at))
		goto err_syntax;
	if (slash) {
		if (!part_valid(s, (size_t)(slash - s)))
			goto err_syntax;
		part_copy(out->pool, s, (size_t)(slash - s));
		img = slash + 1;
	} else {
		if (!imgspec_name_valid(def_pool))
			goto err_syntax;
		part_copy(out->pool, def_pool, strlen(def_pool));
		img = s;
	}
	img_len = at ? (size_t)(at - img) : strlen(img);
	if (!part_valid(img, img_len))
		goto err_syntax;
	part_copy(out->image, img, img_len);
	if (at) {
		if (!part_valid(at + 1, strlen(at + 1)))
			goto err_syntax;
		part_copy(out->snap, at + 1, strlen(at + 1));
	}
	return 0;

err_syntax:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}
