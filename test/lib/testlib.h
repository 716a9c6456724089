/* SPDX-License-Identifier: MIT */
/*
 * testlib.h - the helpers the cmocka suites share, in one copy: byte
 * literals with '|' for NUL, a configuration that must parse, made-up
 * MACs, a scratch directory and the reference CRC32C.  Linked into every
 * unit test (every .c of test/lib, see the Makefile), never into the daemon; each helper
 * fails the running test through cmocka rather than return an error the
 * caller could forget.  The names are the suites' own, kept short.
 */
#ifndef RACKBOOT_TESTLIB_H
#define RACKBOOT_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/conf.h"

/** The @p len bytes of a literal, each '|' made NUL, in a heap buffer of
 *  exactly @p len bytes (so ASan sees a read past it); free() it. */
uint8_t *unbar(const char *s, size_t len);

/** @p text parsed as a configuration named "t.conf"; a rejection prints
 *  its diagnostics and fails the test.  conf_unref() it. */
struct conf *parse_ok(const char *text);

/** A made-up locally administered MAC, 02:00 then @p n big-endian:
 *  distinct for each @p n. */
void mac_of(uint32_t n, uint8_t mac[MAC_LEN]);

/** A fresh empty directory /tmp/rbtest-@p tag.XXXXXX, as a heap string;
 *  NULL (with errno) if it cannot be made. */
char *testdir_new(const char *tag);

/** Remove @p dir and everything below it, depth first and links not
 *  followed, then free the string.  @ret 0, or -errno of the first
 *  removal that failed (named on stderr). */
int testdir_free(char *dir);

/** CRC32C one bit at a time, straight from the definition (reflected
 *  polynomial 0x82f63b78), to check the table-driven one against. */
uint32_t crc32c_bitwise(const uint8_t *p, size_t len);

#endif
