/* SPDX-License-Identifier: MIT */
/*
 * crc32c.c - CRC32C, the reflected polynomial 0x82f63b78 (RFC 3385;
 * RFC 3720 B.4 gives the check vectors), table-driven and sliced by
 * eight: iSCSI data digests run over every byte a volume serves, so eight
 * bytes a step is worth its 8 KiB of tables.  The tables are built once,
 * under pthread_once(), because the first caller may be the DHCP journal
 * thread as well as the loop.  Pure: no I/O, no logging.
 */
#include <pthread.h>

#include "core/bytes.h"
#include "core/crc32c.h"

#define CRC32C_POLY 0x82f63b78u

static uint32_t tab[8][256];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

/* tab[0][i] is the register after shifting byte i through it; tab[t][i]
 * the same followed by t zero bytes, so eight table look-ups advance the
 * register by eight bytes at once. */
static void tab_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			tab[t][i] = (tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xff];
}

uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	pthread_once(&tab_once, tab_init);
	crc = ~crc;
	while (n >= 8) {
		/* The register is little-endian against the stream (reflected). */
		uint32_t lo = crc ^ le32_get(p);

		crc = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^ tab[5][(lo >> 16) & 0xff] ^
		      tab[4][lo >> 24] ^ tab[3][p[4]] ^ tab[2][p[5]] ^ tab[1][p[6]] ^ tab[0][p[7]];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}
