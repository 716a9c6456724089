/* SPDX-License-Identifier: MIT */
/*
 * http_util.h - the small pure pieces of the HTTP service: Range headers
 * (RFC 9110 14), HTTP dates (RFC 9110 5.6.7), entity tags and the
 * /boot/<mac>.ipxe path.  No I/O, no clock.
 */
#ifndef RACKBOOT_HTTP_UTIL_H
#define RACKBOOT_HTTP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/addr.h"

enum http_range_res {
	HTTP_RANGE_UNSAT = -1, /* 416: syntactically valid, but no byte of it exists */
	HTTP_RANGE_NONE = 0,   /* no Range, or one to ignore: send the whole file (200) */
	HTTP_RANGE_OK = 1,     /* 206 with *off, *len */
};

/**
 * Interpret a Range header for a representation of @p size bytes.  One
 * range of unit "bytes" is honoured: "a-b", "a-" and the suffix "-n"
 * (whitespace around tokens allowed).  Several ranges, another unit or a
 * malformed header are ignored (RFC 9110 14.2 lets a server ignore Range),
 * giving HTTP_RANGE_NONE.  "a-b" with b >= size is clipped; a first byte
 * >= size, or "-0", is HTTP_RANGE_UNSAT.  A suffix longer than the file is
 * the whole file (as a 206).
 *
 * @v hdr	the header value, or NULL
 * @v size	representation size
 * @v off	receives the first byte (on HTTP_RANGE_OK)
 * @v len	receives the length, >= 1 (on HTTP_RANGE_OK)
 * @ret res	enum http_range_res
 */
int http_range_parse(const char *hdr, uint64_t size, uint64_t *off, uint64_t *len);

#define HTTP_DATE_LEN 30 /* "Sun, 06 Nov 1994 08:49:37 GMT" + NUL */

/** Format @p t as an IMF-fixdate into @p out (HTTP_DATE_LEN bytes). */
char *http_date_format(time_t t, char *out);

/**
 * Parse an IMF-fixdate (the only form a server must accept from recent
 * clients; the obsolete RFC 850 and asctime forms are refused).
 *
 * @ret rc	0 or -EINVAL
 */
int http_date_parse(const char *s, time_t *t);

#define HTTP_ETAG_LEN 56

/** A strong entity tag, with its quotes, from a file's identity:
 *  "\"<ino hex>-<size hex>-<mtime ns hex>\"". */
char *http_etag_format(uint64_t ino, uint64_t size, int64_t mtime_ns, char *out);

/**
 * Does an If-None-Match value match @p etag?  "*" matches; otherwise a
 * comma-separated list of entity tags, weak ("W/") ones compared weakly
 * (RFC 9110 13.1.2).
 */
int http_etag_match(const char *inm, const char *etag);

/**
 * The MAC of a script path "/boot/<mac>.ipxe", the MAC in any spelling
 * mac_parse() accepts.
 *
 * @ret rc	0, or -EINVAL for any other path
 */
int http_boot_path(const char *path, uint8_t mac[MAC_LEN]);

#endif
