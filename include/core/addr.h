/* SPDX-License-Identifier: MIT */
/*
 * addr.h - pure parsers and formatters for the addresses rackboot handles:
 * IPv4 addresses and prefixes, Ethernet MACs, and byte sizes with binary
 * suffixes.  Nothing here allocates, logs or touches the network; every
 * function works on a caller's buffer and is covered by unit tests and a
 * fuzz driver.
 */
#ifndef RACKBOOT_ADDR_H
#define RACKBOOT_ADDR_H

#include <stddef.h>
#include <stdint.h>

/** Length of an Ethernet MAC address in bytes. */
#define MAC_LEN 6
/** Buffer size for a MAC formatted by mac_format() (17 characters + NUL). */
#define MAC_STRLEN 18
/** Buffer size for an IPv4 address formatted by ipv4_format(). */
#define IPV4_STRLEN 16

/** An IPv4 prefix: network address and length, host byte order. */
struct ipv4_prefix {
	uint32_t addr; /* network address, host bits zero */
	unsigned len;  /* 0..32 */
};

/**
 * Parse a dotted-quad IPv4 address.
 *
 * @v s		NUL-terminated text: exactly four decimal octets, no leading
 *		zeros, no surrounding space
 * @v out	address in host byte order
 * @ret rc	0, or -EINVAL
 */
int ipv4_parse(const char *s, uint32_t *out);

/**
 * Format an IPv4 address (host byte order) as a dotted quad.
 *
 * @v addr	address
 * @v buf	at least IPV4_STRLEN bytes
 * @ret buf
 */
char *ipv4_format(uint32_t addr, char *buf);

/**
 * Parse "a.b.c.d/len".  Host bits must be zero, so a typo such as
 * "10.0.0.1/24" is reported instead of silently meaning 10.0.0.0/24.
 *
 * @v s		text
 * @v out	prefix
 * @ret rc	0, -EINVAL for bad syntax, -EDOM when host bits are set
 */
int ipv4_prefix_parse(const char *s, struct ipv4_prefix *out);

/** Netmask of a prefix length (0..32), host byte order. */
uint32_t ipv4_prefix_mask(unsigned len);

/** Non-zero if @p addr lies inside @p p. */
int ipv4_prefix_contains(const struct ipv4_prefix *p, uint32_t addr);

/** Non-zero if two prefixes share any address. */
int ipv4_prefix_overlap(const struct ipv4_prefix *a, const struct ipv4_prefix *b);

/**
 * Parse a MAC address in any of the spellings operators and firmware use:
 * "aa:bb:cc:dd:ee:ff", "aa-bb-cc-dd-ee-ff", "aabb.ccdd.eeff" or
 * "aabbccddeeff", in either case.  Separators must be consistent.
 *
 * @v s		text
 * @v len	length of @p s (it need not be NUL-terminated)
 * @v mac	MAC_LEN bytes
 * @ret rc	0, or -EINVAL
 */
int mac_parse(const char *s, size_t len, uint8_t mac[MAC_LEN]);

/**
 * Format a MAC as lowercase "aa:bb:cc:dd:ee:ff" (sep ':') or with another
 * separator ('-'), or with none (sep 0).
 *
 * @v mac	MAC_LEN bytes
 * @v sep	separator character, or 0
 * @v buf	at least MAC_STRLEN bytes
 * @ret buf
 */
char *mac_format(const uint8_t mac[MAC_LEN], char sep, char *buf);

/**
 * Parse a size such as "512" or "20G": a whole number,
 * optionally followed by one of K, M, G, T (powers of 1024, case-insensitive,
 * an optional trailing "iB" or "B" allowed).
 *
 * @v s		text
 * @v out	size in bytes
 * @ret rc	0, -EINVAL for bad syntax, -ERANGE on overflow
 */
int size_parse(const char *s, uint64_t *out);

/**
 * Non-zero if @p s is a valid host name: dot-separated RFC 1123 labels of
 * 1 to 63 letters, digits and inner hyphens, 253 characters at most.
 */
int hostname_valid(const char *s);

/** The value of hexadecimal digit @p c (either case), or -1. */
int addr_hexval(char c);

#endif
