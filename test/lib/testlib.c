/* SPDX-License-Identifier: MIT */
/*
 * testlib.c - the shared cmocka helpers (testlib.h).  Test code only:
 * it may assert, print and call system interfaces the daemon's pure
 * modules must not.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/testlib.h"

uint8_t *unbar(const char *s, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	size_t i;

	assert_non_null(c);
	for (i = 0; i < len; i++)
		c[i] = s[i] == '|' ? 0 : (uint8_t)s[i];
	return c;
}

struct conf *parse_ok(const char *text)
{
	struct conf_diag d = {0};
	struct conf *c = conf_parse_string(text, "t.conf", &d);

	if (!c) {
		conf_diag_print(&d, stderr);
		fail_msg("configuration rejected");
	}
	conf_diag_fini(&d);
	return c;
}

void mac_of(uint32_t n, uint8_t mac[MAC_LEN])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

char *testdir_new(const char *tag)
{
	char *dir;

	if (asprintf(&dir, "/tmp/rbtest-%s.XXXXXX", tag) < 0)
		return NULL;
	if (!mkdtemp(dir)) {
		int e = errno;

		free(dir);
		errno = e;
		return NULL;
	}
	return dir;
}

/* nftw() has no user pointer: the first failure is kept here, one tree
 * removal at a time (the suites are single-threaded). */
static int rm_err;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && !rm_err) {
		rm_err = -errno;
		fprintf(stderr, "testdir_free: remove %s: %s\n", path, strerror(errno));
	}
	return 0;
}

int testdir_free(char *dir)
{
	int rc;

	if (!dir)
		return 0;
	rm_err = 0;
	rc = nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : rm_err;
	free(dir);
	return rc;
}

uint32_t crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (len--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return c ^ 0xffffffffu;
}
