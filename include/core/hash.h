/* SPDX-License-Identifier: MIT */
/*
 * hash.h - the one string hash of rackboot's small open-addressing tables
 * (template variables, compiled template names, cached secrets): 32-bit
 * FNV-1a.  Not for anything an attacker could aim collisions at beyond a
 * linear probe's cost.  The 64-bit variant names things instead.
 */
#ifndef RACKBOOT_HASH_H
#define RACKBOOT_HASH_H

#include <stddef.h>
#include <stdint.h>

/** FNV-1a of the @p n bytes at @p p. */
static inline uint32_t hash_fnv1a(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *s++) * 16777619u;
	return h;
}

/** 64-bit FNV-1a of the string @p s: where the value is an identity that
 *  must not collide across a rack (an iSCSI volume's LU id and serial, an
 *  I_T nexus), not a table slot. */
static inline uint64_t hash_fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

#endif
