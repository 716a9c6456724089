/* SPDX-License-Identifier: MIT */
/*
 * crc32c.h - the one CRC32C (Castagnoli) of rackboot: the iSCSI header
 * and data digests (RFC 7143 13.1) and the lease journal's record
 * checksum use the same function, so they cannot drift apart.
 */
#ifndef RACKBOOT_CORE_CRC32C_H
#define RACKBOOT_CORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/**
 * CRC32C of the @p n bytes at @p p, continuing from @p crc.
 *
 * @v crc	0 to start, or the result over the bytes before @p p
 * @ret		the CRC with the standard pre- and post-inversion
 *		(crc32c(0, "123456789", 9) == 0xe3069283)
 * Safe from any thread: the journal thread and the loop both call it.
 */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

#endif
