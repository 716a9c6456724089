// SPDX-License-Identifier: MIT
/*
 * secret.c - the server secret and the CHAP credentials derived from it.
 * Uses nettle's HMAC rather than anything hand-written; the key never
 * leaves this file except through derived secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/secret.h"

/* Domain separation: a key used for anything else later derives other
 * values. */
static const char label[] = "rackboot chap v1";

static struct {
	uint8_t key[SECRET_KEY_MAX];
	size_t len;
} s;

/*
 * Derived secrets, remembered: every boot script carries two (the node's
 * and the target's for mutual CHAP), and an HMAC per script was most of the
 * HTTP server's user-space CPU.  Keyed by the HMAC's input ("host" or
 * "target:host"); emptied whenever the key changes.  Open addressing, at
 * most half full; past that, secrets are computed without being kept.
 */
#define CACHE_SLOTS 8192

struct cached {
	char *user; /* NULL: empty slot */
	char secret[CHAP_SECRET_LEN + 1];
};

static struct cached *cache;
static size_t cache_used;

static size_t cache_hash(const char *u)
{
	return hash_fnv1a(u, strlen(u)) & (CACHE_SLOTS - 1);
}

static void cache_clear(void)
{
	size_t i;

	for (i = 0; cache && i < CACHE_SLOTS; i++)
		if (cache[i].user) {
			free(cache[i].user);
			cache[i].user = NULL;
			explicit_bzero(cache[i].secret, sizeof(cache[i].secret));
		}
	cache_used = 0;
}

void secret_chap(const uint8_t *key, size_t keylen, const char *user, char *out)
{
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t msg[sizeof(label) + 256], mac[SHA256_DIGEST_SIZE];
	size_t ulen = strnlen(user, 255), i;
	struct hmac_sha256_ctx ctx;

	memcpy(msg, label, sizeof(label)); /* with its NUL: label || 0 || user */
	memcpy(msg + sizeof(label), user, ulen);
	hmac_sha256_set_key(&ctx, keylen, key);
	hmac_sha256_update(&ctx, sizeof(label) + ulen, msg);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	explicit_bzero(&ctx, sizeof(ctx));
	/* 256 is not a multiple of 62: the first letters are a little more
	 * likely, which costs well under a bit of the ~95 bits kept. */
	for (i = 0; i < CHAP_SECRET_LEN; i++)
		out[i] = alphabet[mac[i] % (sizeof(alphabet) - 1)];
	out[CHAP_SECRET_LEN] = '\0';
	explicit_bzero(mac, sizeof(mac));
}

void secret_path(const struct conf *c, char *out, size_t cap)
{
	if (c->iscsi.chap_key)
		snprintf(out, cap, "%s", c->iscsi.chap_key);
	else
		snprintf(out, cap, "%s/chap.key", c->server.state_dir);
}

static int key_create(const char *path)
{
	uint8_t k[SECRET_KEY_NEW];
	ssize_t n;
	int fd, rc = 0;

	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	n = write(fd, k, sizeof(k));
	if (n != (ssize_t)sizeof(k) || fsync(fd) < 0) {
		rc = n < 0 ? -errno : -EIO;
		unlink(path);
	}
	close(fd);
out:
	explicit_bzero(k, sizeof(k));
	return rc == -EEXIST ? 0 : rc; /* made by someone else meanwhile */
}

int secret_key_read(const char *path, int create, uint8_t *key, size_t *len)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && create) {
		int rc = key_create(path);

		if (rc < 0)
			return rc;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return -errno;
	while (got < SECRET_KEY_MAX && (n = read(fd, key + got, SECRET_KEY_MAX - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got < SECRET_KEY_MIN)
		return -EMSGSIZE;
	*len = got;
	return 0;
}

int secret_load(const struct conf *c)
{
	uint8_t key[SECRET_KEY_MAX];
	char path[4096];
	size_t len = 0;
	int rc;

	secret_path(c, path, sizeof(path));
	rc = secret_key_read(path, c->iscsi.chap_key == NULL, key, &len);
	if (rc == -EMSGSIZE) {
		log_err("chap key %s: shorter than %d bytes; CHAP secrets %s", path, SECRET_KEY_MIN,
		        s.len ? "keep the old key" : "are unavailable");
		return rc;
	}
	if (rc < 0) {
		log_err("chap key %s: %s; CHAP secrets %s", path, strerror(-rc),
		        s.len ? "keep the old key" : "are unavailable");
		return rc;
	}
	if (len != s.len || !memeql_sec(key, s.key, len))
		cache_clear(); /* a new key: every derived secret changes */
	memcpy(s.key, key, len);
	s.len = len;
	explicit_bzero(key, sizeof(key));
	log_debug("chap key %s: %zu bytes", path, len);
	return 0;
}

int secret_node(const char *user, char *out)
{
	size_t i, n;

	if (!s.len)
		return -ENOKEY;
	if (!cache)
		cache = calloc(CACHE_SLOTS, sizeof(*cache));
	for (i = cache ? cache_hash(user) : 0, n = 0; cache && n < CACHE_SLOTS;
	     i = (i + 1) & (CACHE_SLOTS - 1), n++) {
		if (!cache[i].user) {
			secret_chap(s.key, s.len, user, out);
			if (cache_used < CACHE_SLOTS / 2 && (cache[i].user = strdup(user))) {
				memcpy(cache[i].secret, out, sizeof(cache[i].secret));
				cache_used++;
			}
			return 0;
		}
		if (strcmp(cache[i].user, user) == 0) {
			memcpy(out, cache[i].secret, sizeof(cache[i].secret));
			return 0;
		}
	}
	secret_chap(s.key, s.len, user, out);
	return 0;
}

int secret_node_chap(const struct conf_node *n, char *out)
{
	if (n->chap_secret) {
		snprintf(out, CHAP_SECRET_MAX + 1, "%s", n->chap_secret);
		return 0;
	}
	return secret_node(n->hostname, out);
}

/* The HMAC input of a target's secret: a different message from the
 * node's own, "target:" || host. */
static void target_label(const char *host, char *msg, size_t cap)
{
	snprintf(msg, cap, "target:%s", host);
}

void secret_target(const uint8_t *key, size_t keylen, const char *host, char *out)
{
	char msg[300];

	target_label(host, msg, sizeof(msg));
	secret_chap(key, keylen, msg, out);
}

int secret_node_target(const struct conf_node *n, char *out)
{
	char msg[300];

	target_label(n->hostname, msg, sizeof(msg)); /* through the cache */
	return secret_node(msg, out);
}
