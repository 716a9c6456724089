/* SPDX-License-Identifier: MIT */
/*
 * tftp_cache.h - the TFTP server's files as served: each mapped once (or
 * converted once, netascii) and shared by every transfer of it, kept
 * while fresh and re-validated against the disk at most once a second.
 * Internal to the TFTP server; loop thread only.
 */
#ifndef RACKBOOT_TFTP_CACHE_H
#define RACKBOOT_TFTP_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "tftp/tftp_pkt.h"

/* A file as served: mapped (octet) or converted (netascii).  Owner: the
 * cache list while fresh (a file replaced on disk leaves the list); every
 * transfer using it holds a reference. */
struct tftp_file {
	struct tftp_file *next;
	char path[TFTP_NAME_MAX + 32]; /* cleaned, with the per-node prefix */
	int netascii;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	int fd; /* mapped: the file, kept open to check it for in-place changes */
	const uint8_t *data;
	size_t len;
	int mapped; /* data is an mmap to munmap */
	int owned;  /* data was malloc'ed (netascii copy) */
	unsigned refs;
	uint64_t checked; /* loop time (ms) of the last validation */
};

/** The cache: the files beneath one root.  Owner: tftp.c's server. */
struct tftp_cache {
	struct tftp_file *files; /* fresh versions, newest first */
	int rootfd;              /* tftp.root, O_PATH; -1 when closed */
};

/** Open @p root for the cache @p c.  @ret rc 0 or -errno */
int tftp_cache_open(struct tftp_cache *c, const char *root);

/**
 * A reference to the file at cleaned @p path beneath the root, as octet or
 * @p netascii, at loop time @p now (ms): the cached version when it was
 * validated less than a second ago or is still the one on disk, else the
 * file opened and mapped anew (the old version leaves the cache; its
 * transfers keep it).
 *
 * @ret rc	1 with a cached file in *out, 0 with a new one, or a negative
 *		enum tftp_path_err
 */
int tftp_cache_get(struct tftp_cache *c, const char *path, int netascii, uint64_t now,
                   struct tftp_file **out);

/** Drop one reference to @p f; the last one unmaps it.  NULL is ignored. */
void tftp_file_put(struct tftp_file *f);

/** Non-zero if @p f's file (mapped) was changed in place since. */
int tftp_file_changed(const struct tftp_file *f);

/** Retire every cached file (transfers keep theirs) and close the root. */
void tftp_cache_close(struct tftp_cache *c);

#endif
