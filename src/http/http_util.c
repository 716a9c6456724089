/* SPDX-License-Identifier: MIT */
/*
 * http_util.c - the pure pieces of the HTTP service: the Range header
 * (RFC 9110 14), IMF-fixdates (RFC 9110 5.6.7), entity tags (RFC 9110 8.8.3,
 * 13.1.2) and the /boot/<mac>.ipxe path.  Nothing here does I/O, reads the
 * clock, allocates, logs or depends on the locale or TZ: names of days and
 * months are our own tables, dates are parsed by hand and converted with
 * timegm(), numbers are read digit by digit.  What a header means for the
 * response (200, 206, 304, 416) is http.c's to decide.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http/http_util.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* OWS (RFC 9110 5.6.3): spaces and tabs. */
static const char *skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/**
 * Read 1*DIGIT.  A number past UINT64_MAX saturates there: it is still a
 * valid position, one that lies beyond any representation.
 *
 * @v s		text
 * @v v		receives the number
 * @ret end	the first byte after the digits, or NULL when there is none
 */
static const char *parse_u64(const char *s, uint64_t *v)
{
	const char *start = s;
	uint64_t x = 0;

	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
	}
	if (s == start)
		return NULL;
	*v = x;
	return s;
}

int http_range_parse(const char *hdr, uint64_t size, uint64_t *off, uint64_t *len)
{
	static const char unit[] = "bytes";
	uint64_t first = 0, last = UINT64_MAX;
	int suffix;
	size_t i;
	const char *s;

	if (!hdr)
		return HTTP_RANGE_NONE;
	/* ranges-specifier = range-unit "=" range-set; units are
	 * case-insensitive (RFC 9110 14.1). */
	s = skip_ows(hdr);
	for (i = 0; i < sizeof(unit) - 1; i++)
		if ((s[i] | 0x20) != unit[i])
			return HTTP_RANGE_NONE;
	s = skip_ows(s + i);
	if (*s != '=')
		return HTTP_RANGE_NONE;
	s = skip_ows(s + 1);
	suffix = *s == '-';
	if (suffix) {
		/* suffix-range = "-" suffix-length */
		s = parse_u64(skip_ows(s + 1), &last);
		if (!s)
			return HTTP_RANGE_NONE;
	} else {
		/* int-range = first-pos "-" [ last-pos ] */
		s = parse_u64(s, &first);
		if (!s)
			return HTTP_RANGE_NONE;
		s = skip_ows(s);
		if (*s != '-')
			return HTTP_RANGE_NONE;
		s = skip_ows(s + 1);
		if (is_digit(*s)) {
			s = parse_u64(s, &last);
			/* RFC 9110 14.1.1: last-pos < first-pos is invalid. */
			if (last < first)
				return HTTP_RANGE_NONE;
		}
	}
	/* Anything left, a second range included, and the header is
	 * ignored: RFC 9110 14.2 lets a server send the whole file. */
	if (*skip_ows(s) != '\0')
		return HTTP_RANGE_NONE;

	/* RFC 9110 14.1.1: satisfiable when first-pos < size or the suffix
	 * is not zero; an empty file has no byte to send either way. */
	if (size == 0 || (suffix && last == 0) || (!suffix && first >= size))
		return HTTP_RANGE_UNSAT;
	if (suffix) {
		*len = last < size ? last : size;
		*off = size - *len;
	} else {
		*off = first;
		*len = (last < size - 1 ? last : size - 1) - first + 1;
	}
	return HTTP_RANGE_OK;
}

static const char day_names[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* The years an IMF-fixdate can spell (year = 4DIGIT). */
#define DATE_MIN (-62167219200LL) /* Sat, 01 Jan 0000 00:00:00 GMT */
#define DATE_MAX 253402300799LL   /* Fri, 31 Dec 9999 23:59:59 GMT */

static void put_dec(char *out, unsigned v, int digits)
{
	while (digits-- > 0) {
		out[digits] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* A time outside years 0000..9999 is written as the nearest one inside:
 * the field has four digits, and a file's mtime so far off is noise. */
char *http_date_format(time_t t, char *out)
{
	struct tm tm;

	if ((long long)t < DATE_MIN)
		t = (time_t)DATE_MIN;
	if ((long long)t > DATE_MAX)
		t = (time_t)DATE_MAX;
	if (!gmtime_r(&t, &tm)) {
		memcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT", HTTP_DATE_LEN);
		return out;
	}
	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	memcpy(out, day_names[tm.tm_wday], 3);
	memcpy(out + 3, ", ", 2);
	put_dec(out + 5, (unsigned)tm.tm_mday, 2);
	out[7] = ' ';
	memcpy(out + 8, month_names[tm.tm_mon], 3);
	out[11] = ' ';
	put_dec(out + 12, (unsigned)(tm.tm_year + 1900), 4);
	out[16] = ' ';
	put_dec(out + 17, (unsigned)tm.tm_hour, 2);
	out[19] = ':';
	put_dec(out + 20, (unsigned)tm.tm_min, 2);
	out[22] = ':';
	put_dec(out + 23, (unsigned)tm.tm_sec, 2);
	memcpy(out + 25, " GMT", 5);
	return out;
}

/* Read exactly @p digits decimal digits; -1 if any is not one. */
static int get_dec(const char *s, int digits)
{
	int v = 0, i;

	for (i = 0; i < digits; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Index of the three-letter name at @p s in @p names (case-sensitive,
 * RFC 9110 5.6.7), or -1. */
static int get_name(const char *s, const char (*names)[4], int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (memcmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

static int days_in_month(int mon, int year)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return days[mon] + (mon == 1 && leap);
}

/*
 * IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT, exactly 29
 * bytes.  Every field is range-checked, the day name must be the date's,
 * and a leap second is accepted only at 23:59:60 (read as the second after).
 */
int http_date_parse(const char *s, time_t *t)
{
	int wday, mday, mon, year, hour, min, sec;
	struct tm tm;
	time_t v;

	if (!s || strnlen(s, HTTP_DATE_LEN) != HTTP_DATE_LEN - 1)
		return -EINVAL;
	wday = get_name(s, day_names, 7);
	mday = get_dec(s + 5, 2);
	mon = get_name(s + 8, month_names, 12);
	year = get_dec(s + 12, 4);
	hour = get_dec(s + 17, 2);
	min = get_dec(s + 20, 2);
	sec = get_dec(s + 23, 2);
	if (wday < 0 || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || mon < 0 || s[11] != ' ' ||
	    year < 0 || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    memcmp(s + 25, " GMT", 4) != 0)
		return -EINVAL;
	if (mday < 1 || mday > days_in_month(mon, year) || hour < 0 || hour > 23 || min < 0 ||
	    min > 59 || sec < 0 || sec > 60 || (sec == 60 && (hour != 23 || min != 59)))
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_sec = sec == 60 ? 59 : sec;
	tm.tm_min = min;
	tm.tm_hour = hour;
	tm.tm_mday = mday;
	tm.tm_mon = mon;
	tm.tm_year = year - 1900;
	v = timegm(&tm); /* sets tm_wday; the fields are in range */
	if (tm.tm_wday != wday)
		return -EINVAL;
	*t = v + (sec == 60);
	return 0;
}

/* At most two quotes, 3 x 16 hex digits and two dashes: 52 bytes, within
 * HTTP_ETAG_LEN with its NUL. */
char *http_etag_format(uint64_t ino, uint64_t size, int64_t mtime_ns, char *out)
{
	snprintf(out, HTTP_ETAG_LEN, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"", ino, size,
	         (uint64_t)mtime_ns);
	return out;
}

/* etagc = %x21 / %x23-7E / obs-text (RFC 9110 8.8.3) */
static int is_etagc(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/**
 * Read one entity-tag = [ weak ] opaque-tag, weak = %s"W/".
 *
 * @v s		text
 * @v tag	receives the opaque tag's inside (between the quotes)
 * @v n		receives its length
 * @ret end	the byte after the closing quote, or NULL when malformed
 */
static const char *etag_scan(const char *s, const char **tag, size_t *n)
{
	const char *start;

	if (s[0] == 'W' && s[1] == '/')
		s += 2;
	if (*s != '"')
		return NULL;
	for (start = ++s; is_etagc((unsigned char)*s); s++)
		;
	if (*s != '"')
		return NULL;
	*tag = start;
	*n = (size_t)(s - start);
	return s + 1;
}

/*
 * If-None-Match = "*" / #entity-tag, compared weakly (RFC 9110 13.1.2,
 * 13.1.2.2: W/ prefixes are ignored on both sides).  A list that does not
 * parse matches nothing: the full response is always a safe answer.  Empty
 * list elements are skipped (RFC 9110 5.6.1.2).
 */
int http_etag_match(const char *inm, const char *etag)
{
	const char *mine, *tag, *s;
	size_t mine_n, n;
	int match = 0;

	if (!inm || !etag)
		return 0;
	s = etag_scan(etag, &mine, &mine_n);
	if (!s || *s)
		return 0;
	s = skip_ows(inm);
	if (*s == '*')
		return *skip_ows(s + 1) == '\0';
	for (;;) {
		s = skip_ows(s);
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '\0')
			return match;
		s = etag_scan(s, &tag, &n);
		if (!s)
			return 0;
		if (n == mine_n && memcmp(tag, mine, n) == 0)
			match = 1;
		s = skip_ows(s);
		if (*s != ',' && *s != '\0')
			return 0;
	}
}

int http_boot_path(const char *path, uint8_t mac[MAC_LEN])
{
	static const char prefix[] = "/boot/", suffix[] = ".ipxe";
	const size_t np = sizeof(prefix) - 1, ns = sizeof(suffix) - 1;
	size_t n;

	if (!path)
		return -EINVAL;
	/* The longest MAC spelling is 17 bytes. */
	n = strnlen(path, np + 17 + ns + 1);
	if (n <= np + ns || n > np + 17 + ns || memcmp(path, prefix, np) != 0 ||
	    memcmp(path + n - ns, suffix, ns) != 0)
		return -EINVAL;
	return mac_parse(path + np, n - np - ns, mac) < 0 ? -EINVAL : 0;
}
