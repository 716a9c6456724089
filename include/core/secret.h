/* SPDX-License-Identifier: MIT */
/*
 * secret.h - the server secret and the per-node CHAP credentials derived
 * from it.  A node's secret is HMAC-SHA256(key, label || hostname) mapped to
 * CHAP_SECRET_LEN letters and digits: stable across restarts, different for
 * every node, and never stored.  The key file is read at start and on
 * reload; the default one (<state_dir>/chap.key) is created on first start.
 */
#ifndef RACKBOOT_SECRET_H
#define RACKBOOT_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"

#define SECRET_KEY_MIN  16   /* bytes a key file must hold at least */
#define SECRET_KEY_MAX  4096 /* bytes read at most */
#define SECRET_KEY_NEW  32   /* bytes of a key made at first start */
#define CHAP_SECRET_LEN 16   /* RFC 3720 11.1.4 / Windows initiators: 12..16 */

/**
 * Derive a node's CHAP secret (pure).
 *
 * @v out	CHAP_SECRET_LEN + 1 bytes, NUL-terminated
 */
void secret_chap(const uint8_t *key, size_t keylen, const char *user, char *out);

/** The key file of a configuration (iscsi.chap_key, or the default). */
void secret_path(const struct conf *c, char *out, size_t cap);

/**
 * Read a key file.  With @p create, a missing file is made (mode 0600,
 * SECRET_KEY_NEW random bytes) first.
 *
 * @v key	receives SECRET_KEY_MAX bytes at most
 * @v len	receives the length
 * @ret rc	0, -ENOENT, -EACCES, -EMSGSIZE (shorter than SECRET_KEY_MIN),
 *		or another -errno
 */
int secret_key_read(const char *path, int create, uint8_t *key, size_t *len);

/**
 * Load the process's key for @p c (start and reload).  On failure the key
 * held so far stays.  Logs what it did.
 *
 * @ret rc	0 or -errno
 */
int secret_load(const struct conf *c);

/**
 * The CHAP secret of a node from the process's key.
 *
 * @ret rc	0, or -ENOKEY when no key was ever loaded
 */
int secret_node(const char *user, char *out);

/**
 * A node's CHAP secret: its chap_secret setting, else derived.
 *
 * @v out	CHAP_SECRET_MAX + 1 bytes
 * @ret rc	0, or -ENOKEY
 */
int secret_node_chap(const struct conf_node *n, char *out);

/** The mutual CHAP secret of host @p host from @p key (pure). */
void secret_target(const uint8_t *key, size_t keylen, const char *host, char *out);

/**
 * The secret rackboot answers a node's mutual CHAP challenge with (always
 * derived; shown to the node's script as target_secret).
 *
 * @v out	CHAP_SECRET_MAX + 1 bytes
 * @ret rc	0, or -ENOKEY
 */
int secret_node_target(const struct conf_node *n, char *out);

#endif
