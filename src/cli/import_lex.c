// SPDX-License-Identifier: MIT
/*
 * import_lex.c - the lexical layer of `rackboot import dnsmasq`: dnsmasq's
 * field splitting and quoting (as its option.c does), numbers, lease times,
 * netmasks and tag arguments, for the readers (import_dnsmasq.c,
 * import_tftpd.c) and the emitter (import_emit.c).  Pure functions of their
 * arguments; they neither warn nor allocate.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_dnsmasq_int.h"

void imd_copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s);
}

char *imd_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/*
 * Split a value into comma-separated fields in place, as dnsmasq's
 * option.c does: commas inside double quotes do not split, the quotes are
 * removed, and inside them \" and \\ stand for themselves.
 */
int imd_split(char *s, char **f, int max)
{
	int n = 0, q = 0;
	char *w = s, *start = s;

	if (!*imd_trim(s))
		return 0;
	for (;; s++) {
		if (*s == '\\' && q && (s[1] == '"' || s[1] == '\\')) {
			*w++ = *++s;
			continue;
		}
		if (*s == '"') {
			q = !q;
			continue;
		}
		if (*s == 0 || (*s == ',' && !q)) {
			int end = *s == 0;

			*w = 0;
			if (n < max)
				f[n++] = imd_trim(start);
			if (end)
				break;
			start = w = s + 1;
			continue;
		}
		*w++ = *s;
	}
	return n;
}

int imd_is_ipv4(const char *s, uint32_t *out)
{
	uint32_t a;

	if (ipv4_parse(s, &a) < 0)
		return 0;
	if (out)
		*out = a;
	return 1;
}

int imd_parse_int(const char *s, long *out)
{
	char *e;
	long v;

	if (!*s)
		return 0;
	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || *e)
		return 0;
	*out = v;
	return 1;
}

/* dnsmasq lease times: seconds, or with m/h/d/w, or "infinite". */
int imd_parse_lease(const char *s, long *out)
{
	size_t n = strlen(s);
	long mult = 1, v;
	char num[32];

	if (strcmp(s, "infinite") == 0) {
		*out = 0;
		return 1;
	}
	if (!n || n >= sizeof(num) || !isdigit((unsigned char)s[0]))
		return 0;
	imd_copy(num, sizeof(num), s);
	switch (num[n - 1]) {
	case 'm':
	case 'M': mult = 60; break;
	case 'h':
	case 'H': mult = 3600; break;
	case 'd':
	case 'D': mult = 86400; break;
	case 'w':
	case 'W': mult = 604800; break;
	default: break;
	}
	if (mult != 1)
		num[n - 1] = 0;
	if (!imd_parse_int(num, &v) || v < 0 || v > 1000000000L / mult)
		return 0;
	*out = v * mult;
	return 1;
}

int imd_mask_len(uint32_t mask, unsigned *len)
{
	unsigned l = 0;

	while (l < 32 && (mask & (0x80000000u >> l)))
		l++;
	if (ipv4_prefix_mask(l) != mask)
		return 0;
	*len = l;
	return 1;
}

/* A tag argument: "tag:x", "net:x" (old form).  The name goes to @t. */
int imd_tag_prefix(const char *f, const char **name)
{
	if (strncmp(f, "tag:", 4) == 0 || strncmp(f, "net:", 4) == 0) {
		*name = f + 4;
		return 1;
	}
	return 0;
}

void imd_tags_add(struct tags *t, const char *name)
{
	if (t->n < NTAGS) {
		imd_copy(t->v[t->n], TAG_LEN, name);
		/* '#' is dnsmasq's old spelling of '!' */
		if (t->v[t->n][0] == '#')
			t->v[t->n][0] = '!';
		t->n++;
	}
}

void imd_tags_str(const struct tags *t, char *buf, size_t cap)
{
	size_t o = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < t->n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%stag:%s", i ? "," : "", t->v[i]);
}
