/* SPDX-License-Identifier: MIT */
/*
 * tftp_path.h - the TFTP jail.  A requested name is first cleaned as text
 * (pure, tested against a table of hostile names), then opened beneath the
 * root with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), and the opened
 * file itself is checked: regular, readable.  The string check alone is never
 * trusted: symbolic links, races and bind mounts are judged by the kernel on
 * the real path.
 */
#ifndef RACKBOOT_TFTP_PATH_H
#define RACKBOOT_TFTP_PATH_H

#include <stddef.h>
#include <stdint.h>

#define TFTP_NAME_MAX 255

/* Why a name or a file was refused; negative, named for logs/counters. */
enum tftp_path_err {
	TFTP_P_EMPTY = -1,    /* nothing left after cleaning */
	TFTP_P_LONG = -2,     /* over TFTP_NAME_MAX */
	TFTP_P_NUL = -3,      /* contains a NUL or a control character */
	TFTP_P_DOTDOT = -4,   /* a ".." component */
	TFTP_P_ESCAPE = -5,   /* openat2 says it leads out of the root */
	TFTP_P_NOTFOUND = -6, /* no such file */
	TFTP_P_NOTFILE = -7,  /* a directory, device, FIFO or socket */
	TFTP_P_ACCESS = -8,   /* not readable by the server's user */
};

/**
 * Clean a requested name into a relative path under the root (pure):
 * backslashes become slashes (Windows-style PXE clients), a leading "/" or
 * repeated slashes are dropped, "." components are dropped; "..", NULs and
 * control characters are refused.  A name ending in "/" (or in "/.") names a
 * directory and is refused as TFTP_P_NOTFILE.  Bytes >= 0x80 (UTF-8) pass
 * through literally.  On failure @p out holds "" (when @p cap > 0).
 *
 * @v name	the name as received (not necessarily NUL-terminated)
 * @v len	its length
 * @v out	receives the cleaned path, NUL-terminated
 * @v cap	size of @p out (TFTP_NAME_MAX + 1 is always enough)
 * @ret rc	0 or a negative enum tftp_path_err
 */
int tftp_path_clean(const char *name, size_t len, char *out, size_t cap);

/**
 * Open a cleaned path beneath @p rootfd read-only, refusing anything that
 * leaves the root (symbolic links pointing out, absolute links, magic links)
 * and anything that is not a readable regular file.  Blocking (one path
 * lookup); callers on the loop accept that cost or use the thread pool.
 * The jail does not depend on @p path being cleaned: an absolute path or a
 * ".." above the root is refused by the kernel as TFTP_P_ESCAPE.
 *
 * @v rootfd	an O_PATH or O_DIRECTORY descriptor of the root
 * @v path	from tftp_path_clean()
 * @v size	receives the file size (may be NULL)
 * @ret fd	an open descriptor, or a negative enum tftp_path_err
 */
int tftp_path_open(int rootfd, const char *path, uint64_t *size);

/** Name of an error for logs ("dotdot", "escape", ...). */
const char *tftp_path_err_name(int err);

#endif
