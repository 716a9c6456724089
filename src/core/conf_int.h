/* SPDX-License-Identifier: MIT */
/*
 * conf_int.h - what conf.c (the walker), conf_schema.c (the schema) and
 * conf_rules.c (the rules between settings) share, and nothing else
 * includes: the shape of a schema entry, the state of one load and the
 * calls that turn a problem into a diagnostic citing the setting's file
 * and line.
 */
#ifndef RACKBOOT_CONF_INT_H
#define RACKBOOT_CONF_INT_H

#include <limits.h>

#include <libconfig.h>

#include "core/conf.h"

/* How a setting's text becomes a value. */
enum kind {
	K_BOOL,       /* int */
	K_INT,        /* int, within [min, max] */
	K_STR,        /* char *, any text */
	K_NAME,       /* char *, [A-Za-z0-9._-], 1..64 characters */
	K_PATH,       /* char *, absolute path */
	K_ENUM,       /* int, one of choices[] mapped through values[] */
	K_IPV4,       /* uint32_t */
	K_PREFIX,     /* struct ipv4_prefix */
	K_RANGE,      /* uint32_t[2]: ["first", "last"] */
	K_MAC,        /* uint8_t[MAC_LEN] */
	K_SIZE,       /* uint64_t, "20G" */
	K_HOST,       /* char *, RFC 1123 host name */
	K_IQN,        /* char *, "iqn.yyyy-mm.naming-authority" */
	K_FILE,       /* char *, relative file name under a served root */
	K_IFLIST,     /* struct conf_strlist of interface names */
	K_IPV4LIST,   /* struct conf_ipv4list */
	K_PREFIXLIST, /* struct conf_prefixlist */
	K_VARS,       /* struct conf_var[] + count: a group of scalars */
	K_GROUP,      /* nested struct at off, described by sub */
	K_LIST,       /* array of structs: pointer at off, count at count_off */
};

/* Flags of a schema entry. */
#define F_REQUIRED 0x1  /* no default: the setting must be given */
#define F_INHERIT  0x2  /* def names another setting; filled in by fixups */
#define F_NONE     0x4  /* absent means "none": the value stays zero */
#define F_RESTART  0x8  /* a reload cannot change it; see conf_reload_keep() */
#define F_UNSET    0x10 /* absent means "none", stored as -1 (0 is a value) */
#define F_SLASH    0x20 /* K_FILE: one leading '/' is kept (still under the root) */

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	const char *def; /* libconfig literal, or the setting inherited */
	unsigned flags;
	long min, max;               /* K_INT */
	const char *const *choices;  /* K_ENUM, NULL-terminated */
	const int *values;           /* K_ENUM */
	const struct key *sub;       /* K_GROUP, K_LIST */
	size_t elem_size, count_off; /* K_LIST, K_VARS */
};

/* The top of the schema (conf_schema.c): a group per row, NULL-named last. */
extern const struct key conf_root_keys[];

/* State of one load.  Owner: conf.c's load(), on its stack. */
struct ctx {
	struct conf *c;
	struct conf_diag *d;
	const char *main_file;
	const char *include_dir; /* relative "@include" names resolve here */
	char resolved[PATH_MAX]; /* scratch for src_file() */
	int in_list;             /* walking an element of a K_LIST */
};

/** An error about setting @p s (NULL: the file itself), by its file:line. */
__attribute__((format(printf, 3, 4))) void conf_err_at(struct ctx *x, const config_setting_t *s,
                                                       const char *fmt, ...);

/** A warning about setting @p s, by its file:line. */
__attribute__((format(printf, 3, 4))) void conf_warn_at(struct ctx *x, const config_setting_t *s,
                                                        const char *fmt, ...);

/** An error about a list element, by the position recorded for it. */
__attribute__((format(printf, 3, 4))) void conf_err_src(struct ctx *x, const struct conf_src *src,
                                                        const char *fmt, ...);

/** Whether @p s is a name: 1 to 64 of [A-Za-z0-9._-], not starting with
 *  '.' or '-'. */
int conf_name_valid(const char *s);

/**
 * Run the rules between settings (conf_rules.c) on a configuration whose
 * every value is converted and defaulted; fills in what settings inherit
 * from others.  Problems go to x->d.
 *
 * @v x		the load, with x->c the configuration
 * @v cf	its libconfig tree, to cite lines from
 */
void conf_rules_check(struct ctx *x, const config_t *cf);

#endif
