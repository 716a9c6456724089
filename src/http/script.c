// SPDX-License-Identifier: MIT
/*
 * script.c - what a machine's iPXE script is made of: the compiled template
 * set, the variables (built-in ones computed per request, the node's own
 * from the configuration) and the checks behind `rackboot -t`.  Blocking
 * file reads happen only in script_set_load(), at start and on reload.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hash.h"
#include "http/script.h"

struct script_set {
	char **names;
	struct tmpl **tmpls;
	unsigned n, cap;
};

static int set_add(struct script_set *set, const char *name, struct tmpl *t)
{
	if (set->n == set->cap) {
		unsigned cap = set->cap ? set->cap * 2 : 8;
		char **nn = realloc(set->names, cap * sizeof(*nn));
		struct tmpl **nt;

		if (!nn)
			return -ENOMEM;
		set->names = nn;
		nt = realloc(set->tmpls, cap * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		set->tmpls = nt;
		set->cap = cap;
	}
	set->names[set->n] = strdup(name);
	if (!set->names[set->n])
		return -ENOMEM;
	set->tmpls[set->n++] = t;
	return 0;
}

int script_read(int dirfd, const char *name, char **out, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc;

	/* O_NONBLOCK: a FIFO dropped into the folder must not hang the loop. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto err_stat;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EISDIR;
		goto err_stat;
	}
	if (st.st_size > SCRIPT_MAX) {
		rc = -EFBIG;
		goto err_stat;
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		rc = -ENOMEM;
		goto err_stat;
	}
	while (got < (size_t)st.st_size && (n = read(fd, p + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	p[got] = '\0';
	*out = p;
	*len = got;
	return 0;

err_stat:
	close(fd);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int script_set_load(const char *dir, struct script_set **out, script_report_fn report, void *ctx,
                    unsigned *errors)
{
	struct script_set *set = calloc(1, sizeof(*set));
	char **files = NULL, path[4096];
	size_t nfiles = 0, cap = 0, i;
	struct dirent *de;
	unsigned bad = 0;
	DIR *d;
	int rc = 0;

	*out = NULL;
	if (errors)
		*errors = 0;
	if (!set)
		return -ENOMEM;
	*out = set;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n <= 5 || strcmp(de->d_name + n - 5, ".ipxe") != 0 || de->d_name[0] == '.')
			continue;
		if (nfiles == cap) {
			char **nf = realloc(files, (cap = cap ? cap * 2 : 16) * sizeof(*nf));

			if (!nf) {
				rc = -ENOMEM;
				goto out;
			}
			files = nf;
		}
		if (!(files[nfiles] = strdup(de->d_name))) {
			rc = -ENOMEM;
			goto out;
		}
		nfiles++;
	}
	/* Sorted, so reports come in the same order every time. */
	qsort(files, nfiles, sizeof(*files), name_cmp);
	for (i = 0; i < nfiles; i++) {
		struct tmpl_err err = {0, ""};
		struct tmpl *t = NULL;
		size_t len = 0;
		char *text = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		rc = script_read(dirfd(d), files[i], &text, &len);
		if (rc == -ENOMEM)
			goto out;
		if (rc < 0) {
			report(ctx, path, 0, strerror(-rc));
			bad++;
			rc = 0;
			continue;
		}
		rc = tmpl_compile(text, len, &t, &err);
		free(text);
		if (rc == -ENOMEM)
			goto out;
		if (rc < 0) {
			report(ctx, path, err.line, err.msg);
			bad++;
			rc = 0;
			continue;
		}
		files[i][strlen(files[i]) - 5] = '\0';
		rc = set_add(set, files[i], t);
		if (rc < 0) {
			tmpl_free(t);
			goto out;
		}
	}
out:
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	closedir(d);
	if (errors)
		*errors = bad;
	return rc;
}

void script_set_free(struct script_set *set)
{
	unsigned i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->names[i]);
		tmpl_free(set->tmpls[i]);
	}
	free(set->names);
	free(set->tmpls);
	free(set);
}

const struct tmpl *script_set_get(const struct script_set *set, const char *name)
{
	unsigned i;

	for (i = 0; set && name && i < set->n; i++)
		if (strcmp(set->names[i], name) == 0)
			return set->tmpls[i];
	return NULL;
}

unsigned script_set_count(const struct script_set *set)
{
	return set ? set->n : 0;
}

/* ---- variables ----------------------------------------------------------- */

enum var {
	V_MAC,
	V_MAC_HYPHEN,
	V_MAC_HEX,
	V_IP,
	V_HOSTNAME,
	V_SERVER,
	V_HTTP_PORT,
	V_HTTP_BASE,
	V_ISCSI_PORT,
	V_ISCSI_TARGET,
	V_INITIATOR_IQN,
	V_SANBOOT_URI,
	V_CHAP_USER,
	V_CHAP_SECRET,
	V_MUTUAL_USER,
	V_MUTUAL_SECRET,
	V_ISCSI_PORTAL,
	V_ISCSI_ERROR,
	V_KERNEL,
	V_INITRD,
	V_CMDLINE,
	V_TEMPLATE,
	V_VOLUME,
	V_SIZE,
	V_N
};

static const char *const var_names[V_N] = {
        "mac",           "mac_hyphen",   "mac_hex",     "ip",          "hostname",
        "server",        "http_port",    "http_base",   "iscsi_port",  "iscsi_target",
        "initiator_iqn", "sanboot_uri",  "chap_user",   "chap_secret", "mutual_user",
        "mutual_secret", "iscsi_portal", "iscsi_error", "kernel",      "initrd",
        "cmdline",       "template",     "volume",      "size",
};

/* Name -> variable, by a small open-addressed table built on first use:
 * every variable of every script rendered is looked up by name. */
#define VAR_SLOTS 64 /* a power of two, over twice V_N */
_Static_assert(VAR_SLOTS >= 2 * V_N, "grow VAR_SLOTS with the variables");

static int8_t var_slot[VAR_SLOTS];
static int var_slots_ready;

static unsigned var_hash(const char *s)
{
	return hash_fnv1a(s, strlen(s)) & (VAR_SLOTS - 1);
}

static int var_index(const char *name)
{
	unsigned h;
	int i;

	if (!var_slots_ready) {
		memset(var_slot, -1, sizeof(var_slot));
		for (i = 0; i < V_N; i++) {
			for (h = var_hash(var_names[i]); var_slot[h] >= 0;
			     h = (h + 1) & (VAR_SLOTS - 1))
				;
			var_slot[h] = (int8_t)i;
		}
		var_slots_ready = 1;
	}
	for (h = var_hash(name); var_slot[h] >= 0; h = (h + 1) & (VAR_SLOTS - 1))
		if (strcmp(var_names[var_slot[h]], name) == 0)
			return var_slot[h];
	return -1;
}

int script_var_builtin(const char *name)
{
	return var_index(name) >= 0;
}

/* The lookup context of one render: values are formatted into their own
 * slot, so every pointer handed out stays valid until the render ends. */
struct vars {
	const struct script_in *in;
	char val[V_N][256];
};

static const char *lookup(void *arg, const char *name)
{
	struct vars *v = arg;
	const struct script_in *in = v->in;
	const struct conf_node *n = in->node;
	const struct conf *c = in->c;
	char a[IPV4_STRLEN];
	int i = var_index(name);
	size_t k;

	if (i < 0) {
		for (k = 0; n && k < n->nvars; k++)
			if (strcmp(n->vars[k].key, name) == 0)
				return n->vars[k].value;
		return NULL;
	}
	char *o = v->val[i];
	const size_t cap = sizeof(v->val[i]);

	switch ((enum var)i) {
	case V_MAC: return mac_format(in->mac, ':', o);
	case V_MAC_HYPHEN: return mac_format(in->mac, '-', o);
	case V_MAC_HEX: return mac_format(in->mac, 0, o);
	case V_IP:
		if (n && n->ip)
			return ipv4_format(n->ip, o);
		return in->ip ? ipv4_format(in->ip, o) : NULL;
	case V_SERVER: return in->server ? ipv4_format(in->server, o) : NULL;
	case V_HTTP_PORT: snprintf(o, cap, "%d", c->http.port); return o;
	case V_HTTP_BASE:
		if (!in->server)
			return NULL;
		snprintf(o, cap, "http://%s:%d", ipv4_format(in->server, a), c->http.port);
		return o;
	case V_ISCSI_PORT:
		snprintf(o, cap, "%d", n && n->external.target ? n->external.port : c->iscsi.port);
		return o;
	default: break;
	}
	if (!n)
		return NULL; /* the rest describe a node */
	if (n->external.target) {
		/* a volume on another gateway: its target, its credentials,
		 * no mutual CHAP with rackboot */
		const struct conf_external *e = &n->external;

		switch ((enum var)i) {
		case V_ISCSI_TARGET: return e->target;
		case V_ISCSI_PORTAL:
			snprintf(o, cap, "%s:%d", ipv4_format(e->ip, a), e->port);
			return o;
		case V_SANBOOT_URI:
			snprintf(o, cap, "iscsi:%s::%d:%d:%s", ipv4_format(e->ip, a), e->port,
			         e->lun, e->target);
			return o;
		case V_CHAP_USER: return e->chap_user;
		case V_CHAP_SECRET: return e->chap_secret;
		case V_MUTUAL_USER:
		case V_MUTUAL_SECRET: return NULL;
		case V_ISCSI_ERROR: return in->iscsi_error;
		default: break;
		}
	}
	switch ((enum var)i) {
	case V_HOSTNAME: return n->hostname;
	case V_CHAP_USER: return n->chap_user ? n->chap_user : n->hostname;
	case V_ISCSI_TARGET: snprintf(o, cap, "%s:%s", c->iscsi.iqn_prefix, n->hostname); return o;
	case V_INITIATOR_IQN:
		if (n->initiator)
			return n->initiator; /* the one bound to the target */
		snprintf(o, cap, "%s:initiator:%s", c->iscsi.iqn_prefix, n->hostname);
		return o;
	case V_SANBOOT_URI:
		/* iPXE: iscsi:<server>:<protocol>:<port>:<lun>:<target>; the
		 * volume is LUN 0, which iPXE opens by default. */
		if (!in->server)
			return NULL;
		snprintf(o, cap, "iscsi:%s::%d:0:%s:%s", ipv4_format(in->server, a), c->iscsi.port,
		         c->iscsi.iqn_prefix, n->hostname);
		return o;
	case V_CHAP_SECRET: return in->chap_secret;
	case V_MUTUAL_USER: /* rackboot answers mutual CHAP as the target's name */
		snprintf(o, cap, "%s:%s", c->iscsi.iqn_prefix, n->hostname);
		return o;
	case V_MUTUAL_SECRET: return in->mutual_secret;
	case V_ISCSI_PORTAL:
		if (!in->server)
			return NULL;
		snprintf(o, cap, "%s:%d", ipv4_format(in->server, a), c->iscsi.port);
		return o;
	case V_ISCSI_ERROR: return in->iscsi_error;
	case V_KERNEL: return n->kernel;
	case V_INITRD: return n->initrd;
	case V_CMDLINE: return n->cmdline;
	case V_TEMPLATE: return n->template;
	case V_VOLUME: return n->volume;
	case V_SIZE: snprintf(o, cap, "%" PRIu64, n->size); return o;
	default: return NULL;
	}
}

int script_render(const struct script_set *set, const struct script_in *in, struct buf *out,
                  const char **name)
{
	const char *tn = in->node ? in->node->template : in->c->ipxe.fallback;
	const struct tmpl *t;
	struct vars v; /* 5 KiB of slots, on the stack: no allocation per request */

	if (name)
		*name = tn;
	if (!tn || !*tn || !(t = script_set_get(set, tn)))
		return -ENOENT;
	v.in = in;
	return tmpl_render(t, lookup, &v, out);
}

/* ---- checks -------------------------------------------------------------- */

struct known_ctx {
	const struct conf *c;
};

static int known(void *arg, const char *name)
{
	const struct known_ctx *k = arg;
	size_t i, j;

	if (script_var_builtin(name))
		return 1;
	for (i = 0; i < k->c->nnodes; i++)
		for (j = 0; j < k->c->nodes[i].nvars; j++)
			if (strcmp(k->c->nodes[i].vars[j].key, name) == 0)
				return 1;
	return 0;
}

unsigned script_check(const struct script_set *set, const struct conf *c, const char *tdir,
                      script_report_fn report, void *ctx)
{
	struct known_ctx k = {c};
	char path[4096], msg[256];
	unsigned problems = 0, i;
	size_t j, v;

	for (i = 0; set && i < set->n; i++) {
		struct tmpl_err err = {0, ""};

		if (tmpl_check(set->tmpls[i], known, &k, &err) < 0) {
			snprintf(path, sizeof(path), "%s/%s.ipxe", tdir, set->names[i]);
			report(ctx, path, err.line, err.msg);
			problems++;
		}
	}
	for (j = 0; j < c->nnodes; j++) {
		const struct conf_node *n = &c->nodes[j];

		if (n->template && !script_set_get(set, n->template)) {
			snprintf(msg, sizeof(msg), "node %s: no template '%s' in %s", n->hostname,
			         n->template, tdir);
			report(ctx, n->src.file, n->src.line, msg);
			problems++;
		}
		for (v = 0; v < n->nvars; v++)
			if (script_var_builtin(n->vars[v].key)) {
				snprintf(
				        msg, sizeof(msg),
				        "node %s: vars.%s hides the built-in variable of that name",
				        n->hostname, n->vars[v].key);
				report(ctx, n->src.file, n->src.line, msg);
				problems++;
			}
	}
	if (c->ipxe.fallback && *c->ipxe.fallback && !script_set_get(set, c->ipxe.fallback)) {
		const struct conf_src *src = conf_where(c, "ipxe.fallback");

		snprintf(msg, sizeof(msg), "ipxe.fallback: no template '%s' in %s",
		         c->ipxe.fallback, tdir);
		if (src)
			report(ctx, src->file, src->line, msg);
		else
			report(ctx, c->path, 0, msg);
		problems++;
	}
	return problems;
}
