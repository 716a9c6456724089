/* SPDX-License-Identifier: MIT */
/*
 * tmpl.h - the iPXE script template engine.  Pure: a template is compiled
 * once (errors with their line) and rendered many times against a lookup
 * function.  Syntax:
 *
 *   {{name}}               the value of name ("" when unset)
 *   {{#name}}...{{/name}}  the inside, when name is set and not ""
 *   {{^name}}...{{/name}}  the inside, when name is unset or ""
 *   {{! comment }}         nothing
 *   {{{{                   a literal "{{"
 *
 * Names are 1..63 of [A-Za-z0-9_.-], with optional spaces inside the
 * braces ("{{ name }}").  Everything else is literal text: iPXE's own
 * "${var}" and a lone "}}" pass through untouched.  A section, inverted
 * section or comment tag alone on its line (only spaces/tabs besides it)
 * takes its whole line with it, newline included, so block sections do not
 * leave blank lines.  Sections nest up to TMPL_DEPTH deep.
 */
#ifndef RACKBOOT_TMPL_H
#define RACKBOOT_TMPL_H

#include <stddef.h>

#include "core/buf.h"

#define TMPL_NAME_MAX 63
#define TMPL_DEPTH    16

/** A compiled template.  Owner: whoever compiled it (tmpl_free()). */
struct tmpl;

/** Where and why compiling failed. */
struct tmpl_err {
	int line; /* 1-based line of the offending tag */
	char msg[128];
};

/**
 * Compile @p len bytes of @p text (not necessarily NUL-terminated; a NUL
 * byte inside is an error).  Errors: an unterminated tag ("{{" without
 * "}}" on the same line), a bad or over-long name, a "{{/x}}" that closes
 * nothing or closes a different section than the open one, a section left
 * open at the end (reported at the line that opened it), nesting deeper
 * than TMPL_DEPTH.
 *
 * @v out	receives the template
 * @v err	receives the error (may be NULL)
 * @ret rc	0, -EINVAL (with @p err filled in) or -ENOMEM
 */
int tmpl_compile(const char *text, size_t len, struct tmpl **out, struct tmpl_err *err);

void tmpl_free(struct tmpl *t);

/** Looks a variable up: its value, or NULL when unset. */
typedef const char *(*tmpl_lookup_fn)(void *ctx, const char *name);

/**
 * Render into @p out (appending).
 *
 * @ret rc	0 or -ENOMEM
 */
int tmpl_render(const struct tmpl *t, tmpl_lookup_fn lookup, void *ctx, struct buf *out);

/** Called for each distinct name used: returns non-zero if it is known. */
typedef int (*tmpl_known_fn)(void *ctx, const char *name);

/**
 * Check that every name the template uses (in substitutions and sections)
 * is known.
 *
 * @v err	receives the first unknown name's line and a message
 *		"unknown variable 'x'" (may be NULL)
 * @ret rc	0 or -ENOENT
 */
int tmpl_check(const struct tmpl *t, tmpl_known_fn known, void *ctx, struct tmpl_err *err);

#endif
