/* SPDX-License-Identifier: MIT */
/*
 * conf.c - turns a libconfig file into a validated struct conf.
 *
 * The schema (conf_schema.c) is the only place that knows a setting's
 * name, type, range and default.  The generic walker here applies it:
 * every setting in the file must be in the schema (near misses get a "did
 * you mean"), every value is converted by its kind, and absent settings get
 * their default by parsing the documented default text through the same
 * converter, so what the man page says and what the code does cannot drift
 * apart.  Cross-setting rules (conf_rules.c: overlapping pools, duplicate
 * nodes) run afterwards while the libconfig tree is still there to cite
 * lines from.
 *
 * This module does no I/O beyond reading the file and never logs: problems
 * are collected in a struct conf_diag for the caller to report.  Checks that
 * depend on the running system (does the user exist, is the folder there)
 * belong to the code that starts the servers.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf_int.h"
#include "core/conf.h"

/* ---- diagnostics ------------------------------------------------------ */

static void diag_add(struct conf_diag *d, enum conf_sev sev, const char *file, int line,
                     const char *fmt, va_list ap)
{
	struct conf_msg *m;
	char *text;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct conf_msg *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			goto err_alloc;
		d->v = v;
		d->cap = cap;
	}
	if (vasprintf(&text, fmt, ap) < 0)
		goto err_alloc;
	m = &d->v[d->n];
	m->file = strdup(file ? file : "?");
	if (!m->file) {
		free(text);
		goto err_alloc;
	}
	m->sev = sev;
	m->line = line;
	m->text = text;
	d->n++;
	if (sev == CONF_ERROR)
		d->errors++;
	return;

err_alloc:
	/* Out of memory while reporting: the load must still fail. */
	if (sev == CONF_ERROR)
		d->errors++;
}

/* The file a setting came from.  libconfig reports an included file by the
 * name written in "@include"; a relative one is shown resolved, as the
 * operator would open it. */
static const char *src_file(struct ctx *x, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;

	if (!f)
		return x->main_file;
	if (f[0] != '/' && x->include_dir && strcmp(f, x->main_file) != 0) {
		snprintf(x->resolved, sizeof(x->resolved), "%s/%s", x->include_dir, f);
		return x->resolved;
	}
	return f;
}

static int src_line(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

void conf_err_at(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(x->d, CONF_ERROR, src_file(x, s), src_line(s), fmt, ap);
	va_end(ap);
}

void conf_warn_at(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(x->d, CONF_WARNING, src_file(x, s), src_line(s), fmt, ap);
	va_end(ap);
}

/* An error about a list element, by the position recorded for it. */
void conf_err_src(struct ctx *x, const struct conf_src *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(x->d, CONF_ERROR, src->file, src->line, fmt, ap);
	va_end(ap);
}

void conf_diag_fini(struct conf_diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].text);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void conf_diag_print(const struct conf_diag *d, FILE *f)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(f, "%s:%d: %s: %s\n", d->v[i].file, d->v[i].line,
		        d->v[i].sev == CONF_ERROR ? "error" : "warning", d->v[i].text);
}

/* ---- "did you mean" --------------------------------------------------- */

/* Edit distance with adjacent transpositions counted as one edit (optimal
 * string alignment), so "prot" is one step from "port".  Names are short:
 * O(n*m) on a 65x65 table is fine. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned char d[65][65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1u < best)
				best = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < best)
				best = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1u < best)
				best = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)best;
		}
	return d[la][lb];
}

/* Append to @out ("tftp, http") every schema group, other than the top
 * level, that has a setting called @name. */
static void find_elsewhere(const struct key *schema, const char *prefix, const char *name,
                           char *out, size_t outlen)
{
	const struct key *k;

	for (k = schema; k->name; k++) {
		char path[128];
		size_t len = strlen(out);

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", k->name);
		if (strcmp(k->name, name) == 0 && *prefix)
			snprintf(out + len, outlen - len, "%s'%s'", len ? ", " : "", prefix);
		if (k->kind == K_GROUP || k->kind == K_LIST)
			find_elsewhere(k->sub, path, name, out, outlen);
	}
}

static void unknown_setting(struct ctx *x, const struct key *schema, const char *group,
                            const config_setting_t *s)
{
	const char *name = config_setting_name(s);
	const struct key *k, *best = NULL;
	size_t bestd = SIZE_MAX, limit;
	char where[256] = "";

	if (!name) {
		conf_err_at(x, s, "unexpected unnamed value in %s",
		            *group ? group : "the top level");
		return;
	}
	limit = strlen(name) <= 4 ? 1 : 2;
	for (k = schema; k->name; k++) {
		size_t dist = edit_distance(name, k->name);

		if (dist < bestd) {
			bestd = dist;
			best = k;
		}
	}
	if (best && bestd <= limit)
		conf_err_at(x, s, "unknown setting '%s%s%s'; did you mean '%s'?", group,
		            *group ? "." : "", name, best->name);
	else if (find_elsewhere(conf_root_keys, "", name, where, sizeof(where)), *where)
		conf_err_at(x, s, "unknown setting '%s%s%s'; '%s' belongs in %s", group,
		            *group ? "." : "", name, name, where);
	else
		conf_err_at(x, s, "unknown setting '%s%s%s'", group, *group ? "." : "", name);
}

/* ---- conversion of one value ------------------------------------------ */

static const char *type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number with a fraction";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "a value of unknown type";
	}
}

static const char *want_name(const struct key *k)
{
	switch (k->kind) {
	case K_BOOL: return "true or false";
	case K_INT: return "an integer";
	case K_GROUP:
	case K_VARS: return "a group { ... }";
	case K_LIST: return "a list ( { ... }, ... )";
	case K_RANGE: return "an array of two addresses [\"first\", \"last\"]";
	case K_IFLIST:
	case K_IPV4LIST:
	case K_PREFIXLIST: return "an array of strings [\"...\", ...]";
	default: return "a string in double quotes";
	}
}

static int want_type(struct ctx *x, const struct key *k, const char *path,
                     const config_setting_t *s, int ok)
{
	if (ok)
		return 0;
	conf_err_at(x, s, "'%s' must be %s, not %s", path, want_name(k),
	            type_name(config_setting_type(s)));
	return -1;
}

static int is_string(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_STRING;
}

int conf_name_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!(s[n] == '.' || s[n] == '_' || s[n] == '-' || (s[n] >= '0' && s[n] <= '9') ||
		      (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')))
			return 0;
	return n > 0 && n <= 64 && s[0] != '.' && s[0] != '-';
}

/* A file under a served root, as it goes into a DHCP reply's 128-byte file
 * field: relative, printable, no ".." component.  With @slash, one leading
 * '/' may stay, as dnsmasq configurations write it: TFTP servers, rackboot's
 * included, take "/x" under their root. */
static int file_valid(const char *s, int slash)
{
	size_t n = strlen(s), i;

	if (slash && s[0] == '/')
		s++, n--;
	if (n == 0 || n > 127 || s[0] == '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	for (i = 0; i < n; i++)
		if ((i == 0 || s[i - 1] == '/') && s[i] == '.' && s[i + 1] == '.' &&
		    (s[i + 2] == '/' || s[i + 2] == '\0'))
			return 0;
	return 1;
}

/* RFC 3720 3.2.6.3.1: "iqn." yyyy-mm "." reversed domain, lowercase; the
 * node's own name is appended after a ':' by rackboot. */
static int iqn_prefix_valid(const char *s)
{
	size_t i;

	if (strncmp(s, "iqn.", 4) != 0 || strlen(s) < 12 || strlen(s) > 180)
		return 0;
	for (i = 4; i < 11; i++)
		if (i == 8 ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9'))
			return 0;
	if (s[11] != '.' || s[12] == '\0' || (s[9] == '0' && s[10] == '0') || s[9] > '1' ||
	    (s[9] == '1' && s[10] > '2'))
		return 0;
	for (i = 12; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '-' || s[i] == ':'))
			return 0;
	return 1;
}

static int iflist_conv(struct ctx *x, const char *path, const config_setting_t *s,
                       struct conf_strlist *out)
{
	int i, n = config_setting_length(s);

	out->v = calloc((size_t)n + 1, sizeof(char *));
	if (!out->v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = is_string(e) ? config_setting_get_string(e) : NULL;
		int j;

		if (!v) {
			conf_err_at(x, e, "'%s' must hold only strings", path);
			return -EINVAL;
		}
		if (!*v || strlen(v) >= IFNAMSIZ || strpbrk(v, "/ \t:")) {
			conf_err_at(x, e, "'%s': '%s' is not a valid interface name", path, v);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (strcmp(out->v[j], v) == 0) {
				conf_err_at(x, e, "'%s': interface '%s' is listed twice", path, v);
				return -EINVAL;
			}
		out->v[i] = strdup(v);
		if (!out->v[i])
			return -ENOMEM;
		out->n++;
	}
	return 0;
}

static int ipv4list_conv(struct ctx *x, const char *path, const config_setting_t *s,
                         struct conf_ipv4list *out)
{
	int i, n = config_setting_length(s);

	out->v = calloc((size_t)n + 1, sizeof(uint32_t));
	if (!out->v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = is_string(e) ? config_setting_get_string(e) : NULL;

		if (!v || ipv4_parse(v, &out->v[i]) < 0) {
			conf_err_at(x, e, "'%s': %s%s%s is not an IPv4 address", path, v ? "'" : "",
			            v ? v : "a non-string", v ? "'" : "");
			return -EINVAL;
		}
		out->n++;
	}
	return 0;
}

static int prefixlist_conv(struct ctx *x, const char *path, const config_setting_t *s,
                           struct conf_prefixlist *out)
{
	int i, n = config_setting_length(s);

	out->v = calloc((size_t)n + 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = is_string(e) ? config_setting_get_string(e) : NULL;
		struct ipv4_prefix *p = &out->v[i];
		int rc = -EINVAL;

		if (v && strchr(v, '/'))
			rc = ipv4_prefix_parse(v, p);
		else if (v && ipv4_parse(v, &p->addr) == 0) {
			p->len = 32;
			rc = 0;
		}
		if (rc == -EDOM) {
			conf_err_at(x, e, "'%s': \"%s\" has host bits set", path, v);
			return -EINVAL;
		}
		if (rc < 0) {
			conf_err_at(
			        x, e,
			        "'%s': %s%s%s is not an address or a prefix like \"10.0.0.0/24\"",
			        path, v ? "'" : "", v ? v : "a non-string", v ? "'" : "");
			return -EINVAL;
		}
		out->n++;
	}
	return 0;
}

static int vars_conv(struct ctx *x, const char *path, const config_setting_t *s,
                     struct conf_var **out, size_t *count)
{
	int i, n = config_setting_length(s);
	struct conf_var *v = calloc((size_t)n + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	*out = v;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(e);
		char num[32];
		const char *val;

		switch (config_setting_type(e)) {
		case CONFIG_TYPE_STRING: val = config_setting_get_string(e); break;
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			snprintf(num, sizeof(num), "%lld", config_setting_get_int64(e));
			val = num;
			break;
		case CONFIG_TYPE_BOOL: val = config_setting_get_bool(e) ? "true" : "false"; break;
		default:
			conf_err_at(x, e, "'%s.%s' must be a string, integer or boolean", path,
			            name ? name : "?");
			return -EINVAL;
		}
		v[i].key = strdup(name);
		v[i].value = strdup(val);
		(*count)++;
		if (!v[i].key || !v[i].value)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Convert setting @s by key @k into @dst.  Reports its own errors.
 * @ret rc	0, -EINVAL (reported) or -ENOMEM
 */
static int conv(struct ctx *x, const struct key *k, const char *path, const config_setting_t *s,
                void *dst)
{
	int t = config_setting_type(s);
	const char *str = t == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
	int rc;

	switch (k->kind) {
	case K_BOOL:
		if (want_type(x, k, path, s, t == CONFIG_TYPE_BOOL))
			return -EINVAL;
		*(int *)dst = config_setting_get_bool(s);
		return 0;
	case K_INT: {
		long long v;

		if (want_type(x, k, path, s, t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64))
			return -EINVAL;
		v = config_setting_get_int64(s);
		if (v < k->min || v > k->max) {
			conf_err_at(x, s, "'%s' is %lld; it must be from %ld to %ld", path, v,
			            k->min, k->max);
			return -EINVAL;
		}
		*(int *)dst = (int)v;
		return 0;
	}
	case K_ENUM: {
		size_t i;

		if (want_type(x, k, path, s, str != NULL))
			return -EINVAL;
		for (i = 0; k->choices[i]; i++)
			if (strcmp(str, k->choices[i]) == 0) {
				*(int *)dst = k->values[i];
				return 0;
			}
		{
			char list[256] = "";

			for (i = 0; k->choices[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list),
				         "%s\"%s\"", i ? ", " : "", k->choices[i]);
			conf_err_at(x, s, "'%s' is \"%s\"; it must be one of %s", path, str, list);
		}
		return -EINVAL;
	}
	case K_STR:
	case K_NAME:
	case K_PATH:
	case K_HOST:
	case K_IQN:
	case K_FILE:
		if (want_type(x, k, path, s, str != NULL))
			return -EINVAL;
		if (k->kind == K_FILE && !file_valid(str, k->flags & F_SLASH)) {
			conf_err_at(
			        x, s,
			        "'%s' is \"%s\"; it must be a relative file name of at most 127 "
			        "bytes without \"..\" components",
			        path, str);
			return -EINVAL;
		}
		if (k->kind == K_PATH && str[0] != '/') {
			conf_err_at(x, s, "'%s' is \"%s\"; it must be an absolute path", path, str);
			return -EINVAL;
		}
		if (k->kind == K_NAME && !conf_name_valid(str)) {
			conf_err_at(x, s,
			            "'%s' is \"%s\"; a name is 1 to 64 letters, digits, '.', '_' "
			            "or '-'",
			            path, str);
			return -EINVAL;
		}
		if (k->kind == K_HOST && !hostname_valid(str)) {
			conf_err_at(x, s,
			            "'%s' is \"%s\", which is not a valid host name (RFC 1123)",
			            path, str);
			return -EINVAL;
		}
		if (k->kind == K_IQN && !iqn_prefix_valid(str)) {
			conf_err_at(x, s,
			            "'%s' is \"%s\"; it must look like \"iqn.2026-11.org.example\" "
			            "(RFC 3720 3.2.6.3.1, lowercase)",
			            path, str);
			return -EINVAL;
		}
		*(char **)dst = strdup(str);
		return *(char **)dst ? 0 : -ENOMEM;
	case K_IPV4:
		if (want_type(x, k, path, s, str != NULL))
			return -EINVAL;
		if (ipv4_parse(str, dst) < 0) {
			conf_err_at(x, s, "'%s' is \"%s\", which is not an IPv4 address", path,
			            str);
			return -EINVAL;
		}
		return 0;
	case K_PREFIX:
		if (want_type(x, k, path, s, str != NULL))
			return -EINVAL;
		rc = ipv4_prefix_parse(str, dst);
		if (rc == -EDOM) {
			struct ipv4_prefix p;
			char net[IPV4_STRLEN];
			const char *slash = strchr(str, '/');

			/* Show what the operator probably meant. */
			char addr[IPV4_STRLEN] = "";
			uint32_t a;

			memcpy(addr, str,
			       (size_t)(slash - str) < sizeof(addr) - 1 ? (size_t)(slash - str)
			                                                : sizeof(addr) - 1);
			ipv4_parse(addr, &a);
			p.len = (unsigned)atoi(slash + 1);
			conf_err_at(
			        x, s,
			        "'%s' is \"%s\", which has host bits set; did you mean \"%s/%u\"?",
			        path, str, ipv4_format(a & ipv4_prefix_mask(p.len), net), p.len);
			return -EINVAL;
		}
		if (rc < 0) {
			conf_err_at(x, s,
			            "'%s' is \"%s\"; it must be a prefix like \"10.0.0.0/24\"",
			            path, str);
			return -EINVAL;
		}
		return 0;
	case K_RANGE: {
		uint32_t *r = dst;
		int i;

		if (want_type(x, k, path, s,
		              (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) &&
		                      config_setting_length(s) == 2))
			return -EINVAL;
		for (i = 0; i < 2; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			const char *v = is_string(e) ? config_setting_get_string(e) : NULL;

			if (!v || ipv4_parse(v, &r[i]) < 0) {
				conf_err_at(x, e, "'%s': %s is not an IPv4 address", path,
				            v ? v : "a non-string");
				return -EINVAL;
			}
		}
		if (r[0] > r[1]) {
			conf_err_at(x, s, "'%s': the first address is above the last", path);
			return -EINVAL;
		}
		return 0;
	}
	case K_MAC:
		if (want_type(x, k, path, s, str != NULL))
			return -EINVAL;
		if (mac_parse(str, strlen(str), dst) < 0) {
			conf_err_at(x, s, "'%s' is \"%s\", which is not a MAC address", path, str);
			return -EINVAL;
		}
		return 0;
	case K_SIZE: {
		uint64_t v;

		if (want_type(x, k, path, s, str != NULL))
			return -EINVAL;
		rc = size_parse(str, &v);
		if (rc < 0 || v < (1u << 20) || v % 512 || v > (1ull << 50)) {
			conf_err_at(
			        x, s,
			        "'%s' is \"%s\"; a size is a whole number of 512-byte sectors with "
			        "an optional K, M, G or T suffix, from 1M to 1024T",
			        path, str);
			return -EINVAL;
		}
		*(uint64_t *)dst = v;
		return 0;
	}
	case K_PREFIXLIST:
		if (want_type(x, k, path, s, t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST))
			return -EINVAL;
		return prefixlist_conv(x, path, s, dst);
	case K_IFLIST:
	case K_IPV4LIST:
		if (want_type(x, k, path, s, t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST))
			return -EINVAL;
		return k->kind == K_IFLIST ? iflist_conv(x, path, s, dst)
		                           : ipv4list_conv(x, path, s, dst);
	case K_VARS:
		if (want_type(x, k, path, s, t == CONFIG_TYPE_GROUP))
			return -EINVAL;
		return vars_conv(x, path, s, dst, (size_t *)((char *)dst - k->off + k->count_off));
	case K_GROUP:
	case K_LIST: break;
	}
	return -EINVAL;
}

/* ---- the walker -------------------------------------------------------- */

static int walk_group(struct ctx *x, const struct key *schema, const char *group,
                      const config_setting_t *grp, char *base);

static const char *intern_file(struct ctx *x, const char *f)
{
	size_t i;
	char **v;

	for (i = 0; i < x->c->nfiles; i++)
		if (strcmp(x->c->files[i], f) == 0)
			return x->c->files[i];
	v = realloc(x->c->files, (x->c->nfiles + 1) * sizeof(*v));
	if (!v)
		return NULL;
	x->c->files = v;
	v[x->c->nfiles] = strdup(f);
	if (!v[x->c->nfiles])
		return NULL;
	return v[x->c->nfiles++];
}

/* Record where a setting outside the lists was set (conf_where()). */
static int remember(struct ctx *x, const char *path, const config_setting_t *s)
{
	struct conf *c = x->c;
	struct conf_where_ent *v = realloc(c->where, (c->nwhere + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	c->where = v;
	v[c->nwhere].src.file = intern_file(x, src_file(x, s));
	v[c->nwhere].src.line = src_line(s);
	v[c->nwhere].path = strdup(path);
	if (!v[c->nwhere].path || !v[c->nwhere].src.file) {
		free(v[c->nwhere].path);
		return -ENOMEM;
	}
	c->nwhere++;
	return 0;
}

static int walk_list(struct ctx *x, const struct key *k, const char *path,
                     const config_setting_t *s, char *base)
{
	int i, n, r, rc = 0;
	char *elems;

	if (want_type(x, k, path, s, config_setting_type(s) == CONFIG_TYPE_LIST))
		return -EINVAL;
	n = config_setting_length(s);
	elems = calloc((size_t)n + 1, k->elem_size);
	if (!elems)
		return -ENOMEM;
	*(char **)(base + k->off) = elems;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		/* Every list element struct starts with its struct conf_src. */
		struct conf_src *src = (struct conf_src *)(elems + (size_t)i * k->elem_size);

		*(size_t *)(base + k->count_off) = (size_t)i + 1;
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			conf_err_at(x, e, "each element of '%s' must be a group { ... }", path);
			rc = -EINVAL;
			continue;
		}
		src->file = intern_file(x, src_file(x, e));
		src->line = src_line(e);
		if (!src->file)
			return -ENOMEM;
		x->in_list++;
		r = walk_group(x, k->sub, path, e, (char *)src);
		x->in_list--;
		if (r == -ENOMEM)
			return -ENOMEM;
	}
	return rc;
}

/* Apply the default of an absent setting by parsing its documented text. */
static int apply_default(struct ctx *x, const struct key *k, const char *path, char *base)
{
	config_t cf;
	char text[256];
	int rc;

	if (k->flags & F_UNSET) {
		*(int *)(base + k->off) = -1;
		return 0;
	}
	if (k->flags & F_INHERIT && (k->kind == K_INT || k->kind == K_ENUM))
		*(int *)(base + k->off) = -1; /* fixed up by the cross checks */
	if (k->flags & (F_NONE | F_INHERIT))
		return 0;
	if (k->kind == K_GROUP)
		return walk_group(x, k->sub, path, NULL, base + k->off);
	if (k->kind == K_LIST)
		return 0; /* an empty list: pointer and count stay zero */
	config_init(&cf);
	snprintf(text, sizeof(text), "v = %s;", k->def);
	if (config_read_string(&cf, text) != CONFIG_TRUE) {
		config_destroy(&cf);
		return -EINVAL; /* a bad default in the table: caught by the unit tests */
	}
	rc = conv(x, k, path, config_lookup(&cf, "v"), base + k->off);
	config_destroy(&cf);
	return rc;
}

static int walk_group(struct ctx *x, const struct key *schema, const char *group,
                      const config_setting_t *grp, char *base)
{
	const struct key *k;
	int i, n = grp ? config_setting_length(grp) : 0, rc = 0;

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(s);

		for (k = schema; k->name; k++)
			if (name && strcmp(k->name, name) == 0)
				break;
		if (!k->name) {
			unknown_setting(x, schema, group, s);
			rc = -EINVAL;
		}
	}
	for (k = schema; k->name; k++) {
		const config_setting_t *s = grp ? config_setting_get_member(grp, k->name) : NULL;
		char path[128];
		int r;

		snprintf(path, sizeof(path), "%s%s%s", group, *group ? "." : "", k->name);
		if (!s) {
			if (k->flags & F_REQUIRED) {
				conf_err_at(x, grp, "'%s' is required%s%s", path,
				            *group ? " in this " : "", *group ? group : "");
				r = -EINVAL;
			} else {
				r = apply_default(x, k, path, base);
			}
		} else if (k->kind == K_GROUP) {
			r = want_type(x, k, path, s, config_setting_type(s) == CONFIG_TYPE_GROUP);
			if (r == 0)
				r = walk_group(x, k->sub, path, s, base + k->off);
		} else if (k->kind == K_LIST) {
			r = walk_list(x, k, path, s, base);
		} else {
			r = conv(x, k, path, s, base + k->off);
			if (r == 0 && !x->in_list)
				r = remember(x, path, s);
		}
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			rc = r;
	}
	return rc;
}

/* ---- freeing, generically ---------------------------------------------- */

static void free_group(const struct key *schema, char *base)
{
	const struct key *k;
	size_t i;

	for (k = schema; k->name; k++) {
		char *p = base + k->off;

		switch (k->kind) {
		case K_STR:
		case K_NAME:
		case K_PATH:
		case K_HOST:
		case K_IQN:
		case K_FILE: free(*(char **)p); break;
		case K_IFLIST: {
			struct conf_strlist *l = (struct conf_strlist *)p;

			for (i = 0; i < l->n; i++)
				free(l->v[i]);
			free(l->v);
			break;
		}
		case K_IPV4LIST: free(((struct conf_ipv4list *)p)->v); break;
		case K_PREFIXLIST: free(((struct conf_prefixlist *)p)->v); break;
		case K_VARS: {
			struct conf_var *v = *(struct conf_var **)p;
			size_t cnt = *(size_t *)(base + k->count_off);

			for (i = 0; v && i <= cnt; i++) {
				free(v[i].key);
				free(v[i].value);
			}
			free(v);
			break;
		}
		case K_GROUP: free_group(k->sub, p); break;
		case K_LIST: {
			char *elems = *(char **)p;
			size_t cnt = *(size_t *)(base + k->count_off);

			for (i = 0; elems && i < cnt; i++)
				free_group(k->sub, elems + i * k->elem_size);
			free(elems);
			break;
		}
		default: break;
		}
	}
}

static void conf_free(struct conf *c)
{
	size_t i;

	free(c->node_index);
	free_group(conf_root_keys, (char *)c);
	for (i = 0; i < c->nwhere; i++)
		free(c->where[i].path);
	free(c->where);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->path);
	free(c);
}

struct conf *conf_ref(struct conf *c)
{
	c->refs++;
	return c;
}

void conf_unref(struct conf *c)
{
	if (c && --c->refs == 0)
		conf_free(c);
}

/* ---- entry points ------------------------------------------------------- */

static int index_nodes(struct conf *c);

static struct conf *load(config_t *cf, int read_ok, const char *name, struct conf_diag *d)
{
	struct ctx x = {.d = d, .main_file = name, .include_dir = config_get_include_dir(cf)};
	struct conf *c;

	if (!read_ok) {
		/* A syntax error: libconfig names the file (an included one,
		 * or NULL for the main one) and the line. */
		const char *f = config_error_file(cf);
		struct ctx e = {.d = d, .main_file = f ? f : name};

		if (f && f[0] != '/' && strcmp(f, name) != 0 && x.include_dir) {
			snprintf(x.resolved, sizeof(x.resolved), "%s/%s", x.include_dir, f);
			e.main_file = x.resolved;
		}

		conf_err_at(&e, NULL, "%s", config_error_text(cf));
		if (d->n)
			d->v[d->n - 1].line = config_error_line(cf);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto err_alloc;
	c->refs = 1;
	x.c = c;
	c->path = strdup(name);
	if (!c->path)
		goto err_alloc;
	if (walk_group(&x, conf_root_keys, "", config_root_setting(cf), (char *)c) == -ENOMEM)
		goto err_alloc;
	if (d->errors == 0) {
		size_t i;

		conf_rules_check(&x, cf);
		/* a node left without template or volume is an allocation
		 * failure, unless an error about it was already reported */
		for (i = 0; d->errors == 0 && i < c->nnodes; i++)
			if (!c->nodes[i].template || !c->nodes[i].volume)
				goto err_alloc;
		/* Duplicate MACs were refused above, so the index is exact. */
		if (d->errors == 0 && index_nodes(c) < 0)
			goto err_alloc;
	}
	if (d->errors) {
		conf_unref(c);
		return NULL;
	}
	return c;

err_alloc:
	conf_err_at(&x, NULL, "out of memory");
	conf_unref(c);
	return NULL;
}

struct conf *conf_load(const char *path, struct conf_diag *d)
{
	config_t cf;
	struct conf *c;
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int ok;

	config_init(&cf);
	if (slash && (size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		config_set_include_dir(&cf, slash == path ? "/" : dir);
	}
	ok = config_read_file(&cf, path) == CONFIG_TRUE;
	if (!ok && config_error_type(&cf) == CONFIG_ERR_FILE_IO) {
		struct ctx e = {.d = d, .main_file = path};

		conf_err_at(&e, NULL, "cannot read the configuration: %s",
		            strerror(errno ? errno : EIO));
		config_destroy(&cf);
		return NULL;
	}
	c = load(&cf, ok, path, d);
	config_destroy(&cf);
	return c;
}

struct conf *conf_parse_string(const char *text, const char *name, struct conf_diag *d)
{
	config_t cf;
	struct conf *c;
	int ok;

	config_init(&cf);
	/* No include folder: "@include" in memory text has nothing to
	 * resolve against and must not read arbitrary files. */
	config_set_include_dir(&cf, "/nonexistent/rackboot-no-includes");
	ok = config_read_string(&cf, text) == CONFIG_TRUE;
	c = load(&cf, ok, name, d);
	config_destroy(&cf);
	return c;
}

void conf_keep_restart(struct conf *nc, const struct conf *old,
                       void (*cb)(const char *path, void *arg), void *arg)
{
	const struct key *g, *k;

	for (g = conf_root_keys; g->name; g++) {
		if (g->kind != K_GROUP)
			continue;
		for (k = g->sub; k->name; k++) {
			char **np = (char **)((char *)nc + g->off + k->off);
			char *const *op = (char *const *)((const char *)old + g->off + k->off);
			char path[128], *copy;

			if (!(k->flags & F_RESTART))
				continue;
			if (k->kind == K_INT || k->kind == K_ENUM || k->kind == K_BOOL) {
				int *ni = (int *)((char *)nc + g->off + k->off);
				const int *oi = (const int *)((const char *)old + g->off + k->off);

				if (*ni != *oi) {
					*ni = *oi;
					snprintf(path, sizeof(path), "%s.%s", g->name, k->name);
					cb(path, arg);
				}
				continue;
			}
			if (k->kind != K_STR && k->kind != K_PATH && k->kind != K_NAME)
				continue;
			if ((!*np && !*op) || (*np && *op && strcmp(*np, *op) == 0))
				continue;
			copy = *op ? strdup(*op) : NULL;
			if (*op && !copy)
				continue; /* out of memory: keep the new text, say so */
			free(*np);
			*np = copy;
			snprintf(path, sizeof(path), "%s.%s", g->name, k->name);
			cb(path, arg);
		}
	}
}

const struct conf_src *conf_where(const struct conf *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->nwhere; i++)
		if (strcmp(c->where[i].path, path) == 0)
			return &c->where[i].src;
	return NULL;
}

int conf_serves_interface(const struct conf *c, const char *name)
{
	size_t i;

	if (c->server.interfaces.n == 0)
		return strcmp(name, "lo") != 0;
	for (i = 0; i < c->server.interfaces.n; i++)
		if (strcmp(c->server.interfaces.v[i], name) == 0)
			return 1;
	return 0;
}

static size_t mac_hash(const uint8_t mac[MAC_LEN])
{
	uint64_t h = 0;
	size_t i;

	/* The low bytes vary most between machines; mix all six. */
	for (i = 0; i < MAC_LEN; i++)
		h = (h ^ mac[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29));
}

/* Build the MAC index: O(nodes), once per load; lookups are then O(1). */
static int index_nodes(struct conf *c)
{
	size_t cap = 16, i;

	while (cap < 2 * c->nnodes)
		cap *= 2;
	c->node_index = calloc(cap, sizeof(*c->node_index));
	if (!c->node_index)
		return -ENOMEM;
	c->node_index_cap = cap;
	for (i = 0; i < c->nnodes; i++) {
		size_t slot = mac_hash(c->nodes[i].mac) & (cap - 1);

		while (c->node_index[slot])
			slot = (slot + 1) & (cap - 1);
		c->node_index[slot] = &c->nodes[i];
	}
	return 0;
}

const struct conf_node *conf_node_by_mac(const struct conf *c, const uint8_t mac[MAC_LEN])
{
	size_t slot;

	if (!c->node_index)
		return NULL;
	slot = mac_hash(mac) & (c->node_index_cap - 1);
	for (; c->node_index[slot]; slot = (slot + 1) & (c->node_index_cap - 1))
		if (memcmp(c->node_index[slot]->mac, mac, MAC_LEN) == 0)
			return c->node_index[slot];
	return NULL;
}
