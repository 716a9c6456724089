/* SPDX-License-Identifier: MIT */
/*
 * imgspec.h - names of Ceph RBD images as rackboot's configuration writes
 * them: "pool/image@snap", "image@snap" (the default pool), "pool/image"
 * or "image".  Pure: no Ceph here, only text, so conf.c can check a
 * setting with its file and line and the RBD backend can use the result.
 */
#ifndef RACKBOOT_IMGSPEC_H
#define RACKBOOT_IMGSPEC_H

#include <stddef.h>

#define IMGSPEC_NAME_MAX 95 /* bytes of a pool, image or snapshot name */

/* A parsed name; every part NUL-terminated, snap "" when none was given. */
struct imgspec {
	char pool[IMGSPEC_NAME_MAX + 1];
	char image[IMGSPEC_NAME_MAX + 1];
	char snap[IMGSPEC_NAME_MAX + 1];
};

/** Non-zero if @p s is a usable pool, image or snapshot name: 1 to
 *  IMGSPEC_NAME_MAX letters, digits, '.', '_', '-' or '+', and not "." or "..". */
int imgspec_name_valid(const char *s);

/**
 * Parse "[pool/]image[@snap]".
 *
 * @v s		the text
 * @v def_pool	the pool when @p s names none
 * @v out	receives the parts (zeroed on failure)
 * @ret rc	0, or -EINVAL (a part empty, too long or with a character
 *		outside the set above, more than one '/' or '@')
 */
int imgspec_parse(const char *s, const char *def_pool, struct imgspec *out);

#endif
