/* SPDX-License-Identifier: MIT */
/*
 * tftp_cache.c - the mapped-file cache of the TFTP server (tftp_cache.h).
 * It owns the mappings and the list of fresh versions; transfers own
 * references.  A file replaced whole (renamed over) is a new inode and a
 * new entry; running transfers finish the old version from their
 * reference.  A file rewritten in place changes under the mapping, which
 * tftp_file_changed() lets the transfer detect before its last block.
 * It opens files only beneath the root (tftp_path.c) and never logs: the
 * transfer that asked decides what a refusal means.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tftp/tftp_path.h"
#include "tftp_cache.h"

#define REVALIDATE_MS 1000 /* how stale a cached file may be */

void tftp_file_put(struct tftp_file *f)
{
	if (!f)
		return;
	assert(f->refs > 0);
	if (--f->refs > 0)
		return;
	if (f->mapped)
		munmap((void *)f->data, f->len);
	else if (f->owned)
		free((void *)f->data);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Whether @f's file was changed in place since it was mapped.  A write(2)
 * or truncate updates mtime and ctime before it changes data (and Linux
 * 6.13's multigrain timestamps tell apart two changes within one clock
 * tick once the file was stat'ed, as here), so an unchanged stat taken
 * after some data were read means those data are the mapped version's.
 * Writes through a shared mapping update the times only later; they are
 * not covered. */
int tftp_file_changed(const struct tftp_file *f)
{
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		return 1;
	return st.st_size != f->size || !same_time(&st.st_mtim, &f->mtime) ||
	       !same_time(&st.st_ctim, &f->ctime);
}

/* Netascii (RFC 764 as RFC 1350 uses it): LF -> CR LF, CR -> CR NUL.  The
 * converted copy is what is served and what tsize reports. */
static uint8_t *to_netascii(const uint8_t *in, size_t len, size_t *out_len)
{
	size_t i, n = len;
	uint8_t *out, *p;

	for (i = 0; in && i < len; i++)
		n += in[i] == '\n' || in[i] == '\r';
	out = malloc(n ? n : 1);
	if (!out)
		return NULL;
	for (p = out, i = 0; in && i < len; i++) {
		if (in[i] == '\n')
			*p++ = '\r', *p++ = '\n';
		else if (in[i] == '\r')
			*p++ = '\r', *p++ = '\0';
		else
			*p++ = in[i];
	}
	*out_len = n;
	return out;
}

/* Drop a cached file from the list; transfers holding it keep it alive. */
static void file_retire(struct tftp_file **pp)
{
	struct tftp_file *f = *pp;

	*pp = f->next;
	tftp_file_put(f);
}

/*
 * A file for @path, from the cache when it was validated less than a second
 * ago, else opened beneath the root and compared with the cached version.
 * Cost: one openat2 + fstat per path per second at most, one mmap per
 * version of a file.
 */
int tftp_cache_get(struct tftp_cache *c, const char *path, int netascii, uint64_t now,
                   struct tftp_file **out)
{
	struct tftp_file **pp, *f;
	struct stat st;
	uint64_t size;
	void *map = NULL;
	int fd;

	for (pp = &c->files; (f = *pp); pp = &f->next)
		if (f->netascii == netascii && strcmp(f->path, path) == 0)
			break;
	if (f && now - f->checked < REVALIDATE_MS) {
		f->refs++;
		*out = f;
		return 1;
	}
	fd = tftp_path_open(c->rootfd, path, &size);
	if (fd < 0) {
		if (f)
			file_retire(pp);
		return fd;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return TFTP_P_ACCESS;
	}
	if (f && f->dev == st.st_dev && f->ino == st.st_ino && f->size == st.st_size &&
	    same_time(&f->mtime, &st.st_mtim) && same_time(&f->ctime, &st.st_ctim)) {
		close(fd);
		f->checked = now;
		f->refs++;
		*out = f;
		return 1;
	}
	if (f)
		file_retire(pp); /* changed on disk: new requests get the new one */
	f = calloc(1, sizeof(*f));
	if (!f)
		goto err_alloc;
	f->fd = -1;
	if (size > 0) {
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			goto err_map;
		madvise(map, size, MADV_WILLNEED);
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->netascii = netascii;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	f->ctime = st.st_ctim;
	f->checked = now;
	if (netascii) {
		/* the converted copy is the version served: nothing to check */
		f->data = to_netascii(map, size, &f->len);
		if (map)
			munmap(map, size);
		close(fd);
		if (!f->data) {
			free(f);
			return TFTP_P_ACCESS;
		}
		f->owned = 1;
	} else {
		/* An empty file has no mapping and no data at all. */
		f->data = map;
		f->len = size;
		f->mapped = map != NULL;
		if (f->mapped)
			f->fd = fd;
		else
			close(fd);
	}
	f->refs = 2; /* the list's and the caller's */
	f->next = c->files;
	c->files = f;
	*out = f;
	return 0;

err_map:
	free(f);
err_alloc:
	close(fd);
	return TFTP_P_ACCESS;
}

int tftp_cache_open(struct tftp_cache *c, const char *root)
{
	c->files = NULL;
	c->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return c->rootfd < 0 ? -errno : 0;
}

void tftp_cache_close(struct tftp_cache *c)
{
	while (c->files)
		file_retire(&c->files);
	if (c->rootfd >= 0) {
		close(c->rootfd);
		c->rootfd = -1;
	}
}
