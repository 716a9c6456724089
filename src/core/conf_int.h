/* SPDX-License-Identifier: MIT */
/*
 * conf_int.h - what conf.c (the schema and its walker) and conf_rules.c
 * (the rules between settings) share, and nothing else includes: the state
 * of one load and the calls that turn a problem into a diagnostic citing
 * the setting's file and line.
 */
#ifndef RACKBOOT_CONF_INT_H
#define RACKBOOT_CONF_INT_H

#include <limits.h>

#include <libconfig.h>

#include "core/conf.h"

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
