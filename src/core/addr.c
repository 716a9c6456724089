/* SPDX-License-Identifier: MIT */
/*
 * addr.c - IPv4, MAC, size and host-name parsing.  Pure functions: no
 * allocation, no logging, no global state.  Strictness is deliberate: a
 * config value that parses "close enough" is a value the operator did not
 * mean.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int addr_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse one decimal octet at *p; leading zeros are rejected (inet_aton
 * would read "010" as octal 8). */
static int parse_octet(const char **p, uint32_t *out)
{
	const char *s = *p;
	uint32_t v = 0;
	int n = 0;

	while (is_digit(s[n]) && n < 4)
		v = v * 10 + (uint32_t)(s[n++] - '0');
	if (n == 0 || n > 3 || v > 255 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	*p = s + n;
	*out = v;
	return 0;
}

/* Parse a dotted quad at the start of *p, leaving *p after it. */
static int parse_quad(const char **p, uint32_t *out)
{
	uint32_t a = 0, o;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0) {
			if (**p != '.')
				return -EINVAL;
			(*p)++;
		}
		if (parse_octet(p, &o) < 0)
			return -EINVAL;
		a = (a << 8) | o;
	}
	*out = a;
	return 0;
}

int ipv4_parse(const char *s, uint32_t *out)
{
	uint32_t a;

	if (parse_quad(&s, &a) < 0 || *s != '\0')
		return -EINVAL;
	*out = a;
	return 0;
}

char *ipv4_format(uint32_t addr, char *buf)
{
	snprintf(buf, IPV4_STRLEN, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
	         (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

uint32_t ipv4_prefix_mask(unsigned len)
{
	return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
}

int ipv4_prefix_parse(const char *s, struct ipv4_prefix *out)
{
	uint32_t a, len = 0;
	int n = 0;

	if (parse_quad(&s, &a) < 0 || *s++ != '/')
		return -EINVAL;
	while (is_digit(s[n]) && n < 3)
		len = len * 10 + (uint32_t)(s[n++] - '0');
	if (n == 0 || s[n] != '\0' || len > 32 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	if (a & ~ipv4_prefix_mask(len))
		return -EDOM;
	out->addr = a;
	out->len = len;
	return 0;
}

int ipv4_prefix_contains(const struct ipv4_prefix *p, uint32_t addr)
{
	return (addr & ipv4_prefix_mask(p->len)) == p->addr;
}

int ipv4_prefix_overlap(const struct ipv4_prefix *a, const struct ipv4_prefix *b)
{
	/* Two prefixes overlap exactly when the shorter one contains the
	 * other's network address. */
	return a->len <= b->len ? ipv4_prefix_contains(a, b->addr)
	                        : ipv4_prefix_contains(b, a->addr);
}

int mac_parse(const char *s, size_t len, uint8_t mac[MAC_LEN])
{
	uint8_t m[MAC_LEN];
	size_t i, pos = 0;
	int group;
	char sep;

	/* The spelling is decided by length: 17 with ':' or '-' after each
	 * byte, 14 as Cisco's "aabb.ccdd.eeff", 12 with no separator. */
	if (len == 17) {
		sep = s[2];
		if (sep != ':' && sep != '-')
			return -EINVAL;
		group = 1;
	} else if (len == 14) {
		sep = '.';
		group = 2;
	} else if (len == 12) {
		sep = 0;
		group = MAC_LEN;
	} else {
		return -EINVAL;
	}
	for (i = 0; i < MAC_LEN; i++) {
		int hi, lo;

		if (i > 0 && sep && i % group == 0) {
			if (s[pos] != sep)
				return -EINVAL;
			pos++;
		}
		hi = addr_hexval(s[pos]);
		lo = addr_hexval(s[pos + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
		pos += 2;
	}
	if (pos != len)
		return -EINVAL;
	memcpy(mac, m, MAC_LEN);
	return 0;
}

char *mac_format(const uint8_t mac[MAC_LEN], char sep, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, pos = 0;

	for (i = 0; i < MAC_LEN; i++) {
		if (i > 0 && sep)
			buf[pos++] = sep;
		buf[pos++] = hex[mac[i] >> 4];
		buf[pos++] = hex[mac[i] & 0xf];
	}
	buf[pos] = '\0';
	return buf;
}

int size_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	int n = 0;

	while (is_digit(s[n])) {
		uint64_t d = (uint64_t)(s[n++] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (n == 0)
		return -EINVAL;
	s += n;
	switch (*s) {
	case 'k':
	case 'K': mult = 1ull << 10; break;
	case 'm':
	case 'M': mult = 1ull << 20; break;
	case 'g':
	case 'G': mult = 1ull << 30; break;
	case 't':
	case 'T': mult = 1ull << 40; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (*s) {
		s++;
		if (strcmp(s, "") != 0 && strcmp(s, "B") != 0 && strcmp(s, "iB") != 0)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int hostname_valid(const char *s)
{
	size_t total = 0, label = 0;
	char prev = '.';

	for (; *s; s++, total++) {
		char c = *s;

		if (c == '.') {
			if (label == 0 || prev == '-')
				return 0;
			label = 0;
		} else if (c == '-') {
			if (label == 0)
				return 0;
			label++;
		} else if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			label++;
		} else {
			return 0;
		}
		if (label > 63)
			return 0;
		prev = c;
	}
	return total > 0 && total <= 253 && prev != '.' && prev != '-';
}
