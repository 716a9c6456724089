/* SPDX-License-Identifier: MIT */
/*
 * script.h - a machine's iPXE script: the set of compiled templates, the
 * variables a template sees, and the checks `rackboot -t` runs on them.
 * No sockets and no loop: the HTTP service and `rackboot explain` both
 * render through here, so what explain prints is what HTTP serves.
 */
#ifndef RACKBOOT_SCRIPT_H
#define RACKBOOT_SCRIPT_H

#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/conf.h"
#include "http/tmpl.h"

#define SCRIPT_MAX (1 << 20) /* bytes of a template or an override script */

/**
 * Read a whole script file (a template or an override) beneath @p dirfd:
 * a regular file of at most SCRIPT_MAX bytes, not through a symbolic link.
 * Blocking, one small file.
 *
 * @v out	receives the text, NUL-terminated (the caller frees it)
 * @ret rc	0, -EISDIR (not a regular file), -EFBIG, or another -errno
 */
int script_read(int dirfd, const char *name, char **out, size_t *len);

/** Compiled templates by name.  Owner: whoever loaded it. */
struct script_set;

/** Receives a problem found while loading or checking ("file:line: msg"). */
typedef void (*script_report_fn)(void *ctx, const char *file, int line, const char *msg);

/**
 * Load and compile every "<name>.ipxe" in @p dir (script_read()).  A
 * template that does not compile is reported and left out; the others are
 * loaded.
 *
 * @v errors	receives the number of templates left out (may be NULL)
 * @ret rc	0, or -errno when @p dir cannot be read (then *out is an
 *		empty set, never NULL unless -ENOMEM)
 */
int script_set_load(const char *dir, struct script_set **out, script_report_fn report, void *ctx,
                    unsigned *errors);

void script_set_free(struct script_set *set);

/** A template by name, or NULL. */
const struct tmpl *script_set_get(const struct script_set *set, const char *name);

/** Number of templates in the set. */
unsigned script_set_count(const struct script_set *set);

/** What a script is rendered for. */
struct script_in {
	const struct conf *c;
	const struct conf_node *node; /* NULL: a machine not in nodes */
	uint8_t mac[MAC_LEN];
	uint32_t ip;               /* the machine's address, 0 if unknown */
	uint32_t server;           /* rackboot's address as the machine reaches it */
	const char *chap_secret;   /* NULL when no key is loaded */
	const char *mutual_secret; /* the target's, for mutual CHAP (NULL: no key) */
	const char *iscsi_error;   /* why the node's external target failed its check */
};

/**
 * Render a machine's script: the node's template, or for an unknown machine
 * the fallback (ipxe.fallback).
 *
 * @v name	receives the template's name (may be NULL)
 * @ret rc	0, -ENOENT (no such template, or no fallback), -ENOMEM
 */
int script_render(const struct script_set *set, const struct script_in *in, struct buf *out,
                  const char **name);

/** Non-zero if @p name is one of the variables rackboot always defines. */
int script_var_builtin(const char *name);

/**
 * Check a set against a configuration: every node's template and the
 * fallback exist; every template uses only known variables (the built-in
 * ones and the keys of any node's vars); no node var hides a built-in one.
 * Each problem is reported once.
 *
 * @v tdir	the templates folder, for file names in reports
 * @ret n	problems found
 */
unsigned script_check(const struct script_set *set, const struct conf *c, const char *tdir,
                      script_report_fn report, void *ctx);

#endif
