/* SPDX-License-Identifier: MIT */
/*
 * test_http_util.c - vectors for the Range header, HTTP dates, entity tags
 * and the /boot/<mac>.ipxe path.  Each table row carries its own line so a
 * failure names the vector.  Dates are also checked under a foreign TZ
 * and, when one is installed, a foreign locale.
 */
#include <errno.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "http/http_util.h"

#define NONE   HTTP_RANGE_NONE
#define OK     HTTP_RANGE_OK
#define UNSAT  HTTP_RANGE_UNSAT
#define U64MAX UINT64_MAX

struct range_vec {
	int line;
	const char *hdr;
	uint64_t size;
	int res;
	uint64_t off, len; /* on OK */
};

static const struct range_vec range_vecs[] = {
        /* The three forms (RFC 9110 14.1.2). */
        {__LINE__, "bytes=0-499", 1000, OK, 0, 500},
        {__LINE__, "bytes=500-999", 1000, OK, 500, 500},
        {__LINE__, "bytes=500-", 1000, OK, 500, 500},
        {__LINE__, "bytes=-200", 1000, OK, 800, 200},
        {__LINE__, "bytes=0-0", 1000, OK, 0, 1},
        {__LINE__, "bytes=999-999", 1000, OK, 999, 1},
        {__LINE__, "bytes=999-", 1000, OK, 999, 1},
        {__LINE__, "bytes=-1", 1000, OK, 999, 1},
        {__LINE__, "bytes=00-010", 1000, OK, 0, 11}, /* leading zeros are digits */
        /* Clipped: the end past the file, a suffix longer than it. */
        {__LINE__, "bytes=900-1500", 1000, OK, 900, 100},
        {__LINE__, "bytes=0-1000", 1000, OK, 0, 1000},
        {__LINE__, "bytes=-2000", 1000, OK, 0, 1000},
        {__LINE__, "bytes=-1000", 1000, OK, 0, 1000},
        /* Unsatisfiable: a first byte past the end, "-0". */
        {__LINE__, "bytes=1000-", 1000, UNSAT},
        {__LINE__, "bytes=1000-2000", 1000, UNSAT},
        {__LINE__, "bytes=5000-", 1000, UNSAT},
        {__LINE__, "bytes=-0", 1000, UNSAT},
        {__LINE__, "bytes=-000", 1000, UNSAT},
        /* Case and whitespace around tokens. */
        {__LINE__, "BYTES=0-1", 1000, OK, 0, 2},
        {__LINE__, "Bytes=2-3", 1000, OK, 2, 2},
        {__LINE__, " bytes = 1 - 2 ", 1000, OK, 1, 2},
        {__LINE__, "bytes=\t-5\t", 1000, OK, 995, 5},
        {__LINE__, "bytes=- 5", 1000, OK, 995, 5},
        {__LINE__, "bytes=7- ", 1000, OK, 7, 993},
        /* Ignored: several ranges, another unit, anything malformed. */
        {__LINE__, "bytes=0-1,5-6", 1000, NONE},
        {__LINE__, "bytes=0-1, 5-6", 1000, NONE},
        {__LINE__, "bytes=0-1,", 1000, NONE},
        {__LINE__, "bytes=-5,0-1", 1000, NONE},
        {__LINE__, "items=0-1", 1000, NONE},
        {__LINE__, "byte=0-1", 1000, NONE},
        {__LINE__, "bytesx=0-1", 1000, NONE},
        {__LINE__, "bytes 0-1", 1000, NONE},
        {__LINE__, "bytes==0-1", 1000, NONE},
        {__LINE__, "=0-1", 1000, NONE},
        {__LINE__, "", 1000, NONE},
        {__LINE__, "bytes", 1000, NONE},
        {__LINE__, "bytes=", 1000, NONE},
        {__LINE__, "bytes=-", 1000, NONE},
        {__LINE__, "bytes=--5", 1000, NONE},
        {__LINE__, "bytes=1--2", 1000, NONE},
        {__LINE__, "bytes=5", 1000, NONE},
        {__LINE__, "bytes=a-b", 1000, NONE},
        {__LINE__, "bytes=0x10-", 1000, NONE},
        {__LINE__, "bytes=+1-2", 1000, NONE},
        {__LINE__, "bytes=1-+2", 1000, NONE},
        {__LINE__, "bytes=1-2x", 1000, NONE},
        {__LINE__, "bytes=1-2;", 1000, NONE},
        {__LINE__, "bytes=1 2-3", 1000, NONE},
        {__LINE__, "bytes=1-2 3", 1000, NONE},
        {__LINE__, "bytes=1-2\n", 1000, NONE}, /* not OWS */
        {__LINE__, "bytes=1.5-2", 1000, NONE},
        {__LINE__, "bytes=-1-2", 1000, NONE},
        /* last-pos < first-pos: invalid, ignored (RFC 9110 14.1.1). */
        {__LINE__, "bytes=5-1", 1000, NONE},
        {__LINE__, "bytes=5000-1", 1000, NONE},
        {__LINE__, "bytes=1-0", 1000, NONE},
        /* Numbers of 20 digits and more: saturated, still meaningful. */
        {__LINE__, "bytes=99999999999999999999-", 1000, UNSAT},
        {__LINE__, "bytes=99999999999999999999999999999999999999-", 1000, UNSAT},
        {__LINE__, "bytes=0-99999999999999999999", 1000, OK, 0, 1000},
        {__LINE__, "bytes=10-99999999999999999999999999999999", 1000, OK, 10, 990},
        {__LINE__, "bytes=-99999999999999999999", 1000, OK, 0, 1000},
        {__LINE__, "bytes=99999999999999999999-99999999999999999999", 1000, UNSAT},
        {__LINE__, "bytes=99999999999999999999-1", 1000, NONE}, /* last < first */
        {__LINE__, "bytes=18446744073709551614-", U64MAX, OK, U64MAX - 1, 1},
        {__LINE__, "bytes=18446744073709551615-", U64MAX, UNSAT},
        {__LINE__, "bytes=18446744073709551616-", U64MAX, UNSAT},
        {__LINE__, "bytes=0-18446744073709551616", U64MAX, OK, 0, U64MAX},
        {__LINE__, "bytes=1-18446744073709551615", U64MAX, OK, 1, U64MAX - 1},
        {__LINE__, "bytes=-18446744073709551615", U64MAX, OK, 0, U64MAX},
        {__LINE__, "bytes=-18446744073709551614", U64MAX, OK, 1, U64MAX - 1},
        /* A one-byte file. */
        {__LINE__, "bytes=0-", 1, OK, 0, 1},
        {__LINE__, "bytes=0-5", 1, OK, 0, 1},
        {__LINE__, "bytes=-5", 1, OK, 0, 1},
        {__LINE__, "bytes=1-", 1, UNSAT},
        /* An empty file: no byte to send, whatever valid range. */
        {__LINE__, "bytes=0-", 0, UNSAT},
        {__LINE__, "bytes=0-0", 0, UNSAT},
        {__LINE__, "bytes=0-99", 0, UNSAT},
        {__LINE__, "bytes=5-", 0, UNSAT},
        {__LINE__, "bytes=-1", 0, UNSAT},
        {__LINE__, "bytes=-0", 0, UNSAT},
        {__LINE__, "bytes=99999999999999999999-", 0, UNSAT},
        {__LINE__, "bytes=0-1,2-3", 0, NONE},
        {__LINE__, "items=0-", 0, NONE},
        {__LINE__, "bytes=5-1", 0, NONE},
        {__LINE__, "bytes=x", 0, NONE},
        {__LINE__, NULL, 0, NONE},
        {__LINE__, NULL, 1000, NONE},
};

static void test_range(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(range_vecs) / sizeof(range_vecs[0]); i++) {
		const struct range_vec *v = &range_vecs[i];
		uint64_t off = 12345, len = 67890;
		int res = http_range_parse(v->hdr, v->size, &off, &len);

		if (res != v->res)
			fail_msg("line %d: res %d, want %d", v->line, res, v->res);
		if (res == OK && (off != v->off || len != v->len))
			fail_msg("line %d: off %llu len %llu", v->line, (unsigned long long)off,
			         (unsigned long long)len);
		if (res != OK && (off != 12345 || len != 67890))
			fail_msg("line %d: outputs written", v->line);
	}
}

struct date_vec {
	int line;
	long long t;
	const char *s;
};

/* Round trips: t formats to s, and s parses to t. */
static const struct date_vec date_vecs[] = {
        {__LINE__, 0, "Thu, 01 Jan 1970 00:00:00 GMT"},
        {__LINE__, 784111777, "Sun, 06 Nov 1994 08:49:37 GMT"}, /* RFC 9110's example */
        {__LINE__, -1, "Wed, 31 Dec 1969 23:59:59 GMT"},
        {__LINE__, 951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
        {__LINE__, 2147483647, "Tue, 19 Jan 2038 03:14:07 GMT"},
        {__LINE__, 2147483648, "Tue, 19 Jan 2038 03:14:08 GMT"},
        {__LINE__, 4107542400, "Mon, 01 Mar 2100 00:00:00 GMT"},
        {__LINE__, -2203891200, "Thu, 01 Mar 1900 00:00:00 GMT"},
        {__LINE__, -11670998400, "Tue, 29 Feb 1600 00:00:00 GMT"},
        {__LINE__, 1700000000, "Tue, 14 Nov 2023 22:13:20 GMT"},
        {__LINE__, 253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
        {__LINE__, -62167219200, "Sat, 01 Jan 0000 00:00:00 GMT"},
};

static void check_dates(int line0)
{
	size_t i;

	for (i = 0; i < sizeof(date_vecs) / sizeof(date_vecs[0]); i++) {
		const struct date_vec *v = &date_vecs[i];
		char out[HTTP_DATE_LEN];
		time_t t = 42;

		memset(out, 'X', sizeof(out));
		http_date_format((time_t)v->t, out);
		if (strcmp(out, v->s) != 0)
			fail_msg("line %d (from %d): formatted \"%s\"", v->line, line0, out);
		if (http_date_parse(v->s, &t) != 0 || (long long)t != v->t)
			fail_msg("line %d (from %d): parsed %lld", v->line, line0, (long long)t);
	}
}

static void test_date_roundtrip(void **state)
{
	(void)state;
	check_dates(__LINE__);
}

/* Neither TZ nor the locale may change a byte. */
static void test_date_tz_locale(void **state)
{
	static const char *const locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "tr_TR.UTF-8",
	                                      "C.UTF-8"};
	const char *tz = getenv("TZ");
	char *saved_tz = tz ? strdup(tz) : NULL;
	size_t i;

	(void)state;
	setenv("TZ", "America/St_Johns", 1); /* -03:30, with DST */
	tzset();
	check_dates(__LINE__);
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	for (i = 0; i < sizeof(locales) / sizeof(locales[0]); i++)
		if (setlocale(LC_ALL, locales[i]))
			check_dates(__LINE__);
	setlocale(LC_ALL, "C");
	if (saved_tz)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved_tz);
}

/* Times no IMF-fixdate can spell: the nearest one that it can. */
static void test_date_clamp(void **state)
{
	char out[HTTP_DATE_LEN];

	(void)state;
	assert_string_equal(http_date_format((time_t)253402300800, out),
	                    "Fri, 31 Dec 9999 23:59:59 GMT");
	assert_string_equal(http_date_format((time_t)INT64_MAX, out),
	                    "Fri, 31 Dec 9999 23:59:59 GMT");
	assert_string_equal(http_date_format((time_t)-62167219201, out),
	                    "Sat, 01 Jan 0000 00:00:00 GMT");
	assert_string_equal(http_date_format((time_t)INT64_MIN, out),
	                    "Sat, 01 Jan 0000 00:00:00 GMT");
}

struct date_bad_vec {
	int line;
	const char *s;
};

static const struct date_bad_vec date_bad_vecs[] = {
        {__LINE__, "Sunday, 06-Nov-94 08:49:37 GMT"}, /* RFC 850: obsolete */
        {__LINE__, "Sun Nov  6 08:49:37 1994"},       /* asctime: obsolete */
        {__LINE__, "sun, 06 Nov 1994 08:49:37 GMT"},  /* case-sensitive */
        {__LINE__, "Sun, 06 nov 1994 08:49:37 GMT"},
        {__LINE__, "SUN, 06 NOV 1994 08:49:37 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37 gmt"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37 UTC"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37 +0000"},
        {__LINE__, "Mon, 06 Nov 1994 08:49:37 GMT"}, /* the wrong day */
        {__LINE__, "Xyz, 06 Nov 1994 08:49:37 GMT"},
        {__LINE__, "Sun, 06 Nvm 1994 08:49:37 GMT"},
        {__LINE__, "Sun, 6 Nov 1994 08:49:37 GMT"},
        {__LINE__, "Sun, 06 Nov 94 08:49:37 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 8:49:37 GMT"},
        {__LINE__, "Sun,  06 Nov 1994 08:49:37 GMT"},
        {__LINE__, "Sun 06 Nov 1994 08:49:37 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37 GMT "},
        {__LINE__, " Sun, 06 Nov 1994 08:49:37 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37 GMTX"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37GMT "},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37  GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08.49.37 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:3a GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:-1 GMT"},
        {__LINE__, "Sun, 06 Nov +994 08:49:37 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37 GMT\n"},
        {__LINE__, "Sun, 06 Nov 1994 24:00:00 GMT"}, /* ranges */
        {__LINE__, "Sun, 06 Nov 1994 08:60:00 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:61 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:60 GMT"}, /* a leap second only at 23:59 */
        {__LINE__, "Sun, 00 Nov 1994 08:49:37 GMT"},
        {__LINE__, "Fri, 31 Nov 1994 08:49:37 GMT"},
        {__LINE__, "Thu, 29 Feb 1900 00:00:00 GMT"}, /* 1900 is not a leap year */
        {__LINE__, "Sun, 29 Feb 2001 00:00:00 GMT"},
        {__LINE__, "Sun, 30 Feb 2000 00:00:00 GMT"},
        {__LINE__, "Sat, 32 Jan 2000 00:00:00 GMT"},
        {__LINE__, "Sun, 06 Nov 1994 08:49:37"},
        {__LINE__, "Sun, 06 Nov 1994"},
        {__LINE__, ""},
        {__LINE__, "1994-11-06T08:49:37Z"},
        {__LINE__, "784111777"},
};

static void test_date_reject(void **state)
{
	size_t i;
	time_t t;

	(void)state;
	for (i = 0; i < sizeof(date_bad_vecs) / sizeof(date_bad_vecs[0]); i++) {
		const struct date_bad_vec *v = &date_bad_vecs[i];

		t = 42;
		if (http_date_parse(v->s, &t) != -EINVAL || t != 42)
			fail_msg("line %d: \"%s\" accepted", v->line, v->s);
	}
	assert_int_equal(http_date_parse(NULL, &t), -EINVAL);
	/* A leap second is the second after 23:59:59. */
	assert_int_equal(http_date_parse("Wed, 31 Dec 2008 23:59:60 GMT", &t), 0);
	assert_int_equal((long long)t, 1230768000);
	assert_int_equal(http_date_parse("Thu, 01 Jan 2009 00:00:00 GMT", &t), 0);
	assert_int_equal((long long)t, 1230768000);
}

struct etag_vec {
	int line;
	uint64_t ino, size;
	int64_t mtime_ns;
	const char *out;
};

static const struct etag_vec etag_vecs[] = {
        {__LINE__, 1, 2, 3, "\"1-2-3\""},
        {__LINE__, 0, 0, 0, "\"0-0-0\""},
        {__LINE__, 0x83a1f, 1048576, 1700000000123456789, "\"83a1f-100000-17979cfe3d85cd15\""},
        {__LINE__, 5, 5, -1, "\"5-5-ffffffffffffffff\""},
        /* The longest: three 16-digit numbers, 52 bytes. */
        {__LINE__, 0xfedcba9876543210, 0x100000000000, INT64_MAX,
         "\"fedcba9876543210-100000000000-7fffffffffffffff\""},
        {__LINE__, UINT64_MAX, UINT64_MAX, -1,
         "\"ffffffffffffffff-ffffffffffffffff-ffffffffffffffff\""},
};

static void test_etag_format(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(etag_vecs) / sizeof(etag_vecs[0]); i++) {
		const struct etag_vec *v = &etag_vecs[i];
		char out[HTTP_ETAG_LEN + 8];

		memset(out, 'X', sizeof(out));
		http_etag_format(v->ino, v->size, v->mtime_ns, out);
		if (strcmp(out, v->out) != 0 || out[HTTP_ETAG_LEN] != 'X')
			fail_msg("line %d: \"%s\"", v->line, out);
		if (!http_etag_match(out, out))
			fail_msg("line %d: does not match itself", v->line);
	}
}

struct match_vec {
	int line;
	const char *inm, *etag;
	int match;
};

#define ET "\"abc\""

static const struct match_vec match_vecs[] = {
        {__LINE__, "*", ET, 1},
        {__LINE__, " * ", ET, 1},
        {__LINE__, "*,*", ET, 0},
        {__LINE__, "*, \"abc\"", ET, 0}, /* "*" stands alone */
        {__LINE__, "\"abc\"", ET, 1},
        {__LINE__, " \"abc\" ", ET, 1},
        {__LINE__, "W/\"abc\"", ET, 1}, /* weak comparison */
        {__LINE__, "\"x\", \"abc\"", ET, 1},
        {__LINE__, "\"x\",\"abc\"", ET, 1},
        {__LINE__, "\"abc\", \"x\"", ET, 1},
        {__LINE__, "\"x\" ,\tW/\"abc\"\t", ET, 1},
        {__LINE__, ", ,\"abc\",", ET, 1}, /* empty elements skipped */
        {__LINE__, "\"a,b\", \"abc\"", ET, 1},
        {__LINE__, "\"x\"", ET, 0},
        {__LINE__, "\"ab\"", ET, 0},
        {__LINE__, "\"abcd\"", ET, 0},
        {__LINE__, "\"ABC\"", ET, 0},
        {__LINE__, "\"\"", ET, 0},
        {__LINE__, "\"x\", \"y\", W/\"z\"", ET, 0},
        {__LINE__, "", ET, 0},
        {__LINE__, " , ", ET, 0},
        /* Malformed: nothing matches. */
        {__LINE__, "abc", ET, 0},
        {__LINE__, "\"abc", ET, 0},
        {__LINE__, "w/\"abc\"", ET, 0},
        {__LINE__, "W/abc", ET, 0},
        {__LINE__, "W /\"abc\"", ET, 0},
        {__LINE__, "\"abc\" junk", ET, 0},
        {__LINE__, "\"x\"\"abc\"", ET, 0},
        {__LINE__, "\"abc\" \"x\"", ET, 0},
        {__LINE__, "\"a bc\", \"abc\"", ET, 0},
        {__LINE__, "\"abc\", \"x", ET, 0},
        {__LINE__, NULL, ET, 0},
        /* Our own tag weak, or malformed. */
        {__LINE__, "\"abc\"", "W/\"abc\"", 1},
        {__LINE__, "W/\"abc\"", "W/\"abc\"", 1},
        {__LINE__, "*", "W/\"abc\"", 1},
        {__LINE__, "\"abc\"", "abc", 0},
        {__LINE__, "*", "abc", 0},
        {__LINE__, "\"abc\"", "\"abc\"x", 0},
        {__LINE__, "\"abc\"", NULL, 0},
        {__LINE__, "\"\"", "\"\"", 1},
        {__LINE__, "\"caf\xc3\xa9\"", "\"caf\xc3\xa9\"", 1}, /* obs-text */
};

static void test_etag_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(match_vecs) / sizeof(match_vecs[0]); i++) {
		const struct match_vec *v = &match_vecs[i];
		int m = http_etag_match(v->inm, v->etag);

		if (!!m != v->match)
			fail_msg("line %d: %d", v->line, m);
	}
}

struct path_vec {
	int line;
	const char *path;
	int rc;
};

static const uint8_t the_mac[MAC_LEN] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};

static const struct path_vec path_vecs[] = {
        {__LINE__, "/boot/52:54:00:ab:cd:ef.ipxe", 0},
        {__LINE__, "/boot/52-54-00-ab-cd-ef.ipxe", 0},
        {__LINE__, "/boot/5254.00ab.cdef.ipxe", 0},
        {__LINE__, "/boot/525400abcdef.ipxe", 0},
        {__LINE__, "/boot/52:54:00:AB:CD:EF.ipxe", 0},
        {__LINE__, "/boot/525400ABcdEF.ipxe", 0},
        {__LINE__, "/boot/5254.00AB.CDEF.ipxe", 0},
        /* Wrong prefix or suffix. */
        {__LINE__, "/BOOT/52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/boots/52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/bot/52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "boot/52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/pxe/52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef.IPXE", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef.efi", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef.", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef.ipx", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:efipxe", -EINVAL},
        /* Extra slashes, trailing junk, a query left on. */
        {__LINE__, "//boot/52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/boot//52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef.ipxe/", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef/.ipxe", -EINVAL},
        {__LINE__, "/boot/x/52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/boot/../boot/525400abcdef.ipxe", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef.ipxe?x=1", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef.ipxe.ipxe", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef.ipxex", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef .ipxe", -EINVAL},
        {__LINE__, "/boot/ 52:54:00:ab:cd:ef.ipxe", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef\n.ipxe", -EINVAL},
        /* Not a MAC. */
        {__LINE__, "/boot/52:54-00:ab:cd:ef.ipxe", -EINVAL}, /* mixed separators */
        {__LINE__, "/boot/52:54:00:ab:cd:e.ipxe", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:eff.ipxe", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:ef:01.ipxe", -EINVAL},
        {__LINE__, "/boot/52:54:00:ab:cd:eg.ipxe", -EINVAL},
        {__LINE__, "/boot/525400abcde.ipxe", -EINVAL},
        {__LINE__, "/boot/5254.00ab.cdef0.ipxe", -EINVAL},
        {__LINE__, "/boot/default.ipxe", -EINVAL},
        {__LINE__, "/boot/.ipxe", -EINVAL},
        {__LINE__, "/boot/", -EINVAL},
        {__LINE__, "/boot.ipxe", -EINVAL},
        {__LINE__, "/", -EINVAL},
        {__LINE__, "", -EINVAL},
        {__LINE__, NULL, -EINVAL},
};

static void test_boot_path(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(path_vecs) / sizeof(path_vecs[0]); i++) {
		const struct path_vec *v = &path_vecs[i];
		uint8_t mac[MAC_LEN];
		int rc;

		memset(mac, 0x77, MAC_LEN);
		rc = http_boot_path(v->path, mac);
		if (rc != v->rc)
			fail_msg("line %d: rc %d", v->line, rc);
		if (rc == 0 && memcmp(mac, the_mac, MAC_LEN) != 0)
			fail_msg("line %d: wrong MAC", v->line);
		if (rc != 0 && mac[0] != 0x77)
			fail_msg("line %d: MAC written on failure", v->line);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_range),          cmocka_unit_test(test_date_roundtrip),
	        cmocka_unit_test(test_date_tz_locale), cmocka_unit_test(test_date_clamp),
	        cmocka_unit_test(test_date_reject),    cmocka_unit_test(test_etag_format),
	        cmocka_unit_test(test_etag_match),     cmocka_unit_test(test_boot_path),
	};

	return cmocka_run_group_tests_name("http_util", tests, NULL, NULL);
}
