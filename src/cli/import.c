// SPDX-License-Identifier: MIT
/*
 * import.c - `rackboot import dnsmasq`: the thin I/O layer around the pure
 * model of import_dnsmasq.c.  It owns the reading of files and folders (in
 * dnsmasq's order: includes in place, conf-dir sorted by name), the host's
 * interface addresses, the self-check of the result through conf.c, and
 * the one write this command makes: the imported leases, appended to the
 * lease journal in the state folder.  It never touches the network.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/conf.h"
#include "cli/import.h"
#include "cli/import_dnsmasq.h"
#include "dhcp/journal.h"
#include "core/priv.h"

#define MAX_DEPTH 16

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: rackboot import dnsmasq [--leases FILE] [--tftpd FILE] [--state-dir DIR]\n"
	        "                               [--user NAME] CONF...\n"
	        "  CONF            dnsmasq configuration files (conf-file, conf-dir,\n"
	        "                  dhcp-hostsfile/-hostsdir are followed), or tftpd-hpa's\n"
	        "                  /etc/default/tftpd-hpa\n"
	        "  --leases FILE   dnsmasq's lease file: append its leases to the lease\n"
	        "                  journal in the state folder, so machines keep their addresses\n"
	        "  --tftpd FILE    tftpd-hpa's defaults file (and the remap file it names)\n"
	        "  --state-dir DIR server.state_dir (default /var/lib/rackboot)\n"
	        "  --user NAME     server.user (default rackboot)\n"
	        "The configuration goes to standard output, warnings to standard error.\n");
}

static int read_path(struct import_dnsmasq *m, const char *path, enum import_kind kind, int depth);

static int name_wanted(const char *name, const char *filter)
{
	char f[512], *save = NULL, *w;
	size_t n = strlen(name);
	int any_match = 0, matched = 0;

	if (name[0] == '.' || name[n - 1] == '~' || (name[0] == '#' && name[n - 1] == '#'))
		return 0;
	snprintf(f, sizeof(f), "%s", filter ? filter : "");
	for (w = strtok_r(f, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t k;

		while (*w == ' ')
			w++;
		if (*w == '*') {
			/* dnsmasq: "*.conf" keeps only names ending so */
			any_match = 1;
			k = strlen(w + 1);
			if (n >= k && strcmp(name + n - k, w + 1) == 0)
				matched = 1;
		} else if ((k = strlen(w)) && n >= k && strcmp(name + n - k, w) == 0)
			return 0;
	}
	return !any_match || matched;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder of files, read in name order as dnsmasq does. */
static int read_dir(struct import_dnsmasq *m, const struct import_include *inc, const char *from,
                    int line, int depth)
{
	DIR *d = opendir(inc->path);
	struct dirent *e;
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, i;
	int rc = 0;

	if (!d) {
		import_dnsmasq_warn(m, from, line,
		                    "cannot read the folder %s: %s; its files are not "
		                    "imported",
		                    inc->path, strerror(errno));
		return 0;
	}
	while ((e = readdir(d))) {
		char **nn;

		if (!name_wanted(e->d_name, inc->filter))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(e->d_name))) {
			names = nn ? nn : names;
			rc = -ENOMEM;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;

		int w = snprintf(path, sizeof(path), "%s/%s", inc->path, names[i]);

		if (rc == 0 && w > 0 && (size_t)w < sizeof(path) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			rc = read_path(m, path, inc->kind, depth + 1);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Read one file line by line; includes are read in place.  @ret 0, -errno
 * for the file itself (the caller reports), -ENOMEM. */
static int read_path(struct import_dnsmasq *m, const char *path, enum import_kind kind, int depth)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int no = 0, rc = 0, decided = 0;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct import_include inc;

		no++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		/* The first line that is not blank or a comment tells a
		 * tftpd-hpa defaults file from a dnsmasq one. */
		if (!decided && kind == IMPORT_CONF) {
			size_t k = strspn(line, " \t");

			if ((ssize_t)k < len && line[k] != '#') {
				decided = 1;
				if (import_dnsmasq_is_tftpd(line + k, (size_t)len - k))
					kind = IMPORT_TFTPD;
			}
		}
		rc = import_dnsmasq_line(m, path, no, line, (size_t)len, kind, &inc);
		if (rc < 0)
			break;
		if (rc == 1) {
			rc = inc.dir ? read_dir(m, &inc, path, no, depth)
			             : read_path(m, inc.path, inc.kind, depth + 1);
			if (rc == -ENOMEM)
				break;
			if (rc < 0)
				import_dnsmasq_warn(m, path, no, "cannot read %s: %s; not imported",
				                    inc.path, strerror(-rc));
			rc = 0;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

/* The host's IPv4 addresses, as dnsmasq would see them. */
static void add_locals(struct import_dnsmasq *m)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)i->ifa_addr;
		const struct sockaddr_in *k =
		        (const struct sockaddr_in *)(const void *)i->ifa_netmask;
		uint32_t mask;
		unsigned len = 0;

		if (!a || !k || a->sin_family != AF_INET)
			continue;
		mask = ntohl(k->sin_addr.s_addr);
		while (len < 32 && (mask & (0x80000000u >> len)))
			len++;
		import_dnsmasq_local(m, i->ifa_name, ntohl(a->sin_addr.s_addr), len);
	}
	freeifaddrs(ifa);
}

/* Append the leases to DIR/leases.journal, owned by @p user as rackboot
 * would have written it.  @ret 0 or -errno */
static int write_leases(const struct import_lease *l, size_t n, const char *dir, const char *user)
{
	struct lease_rec *recs = calloc(n ? n : 1, sizeof(*recs));
	struct journal *j = NULL;
	struct priv_id id;
	char path[PATH_MAX];
	size_t i;
	int rc;

	if (!recs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		memcpy(recs[i].mac, l[i].mac, MAC_LEN);
		recs[i].state = LEASE_BOUND;
		recs[i].ip = l[i].ip;
		recs[i].expires = l[i].expires;
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		rc = -errno;
		goto err_mkdir;
	}
	rc = journal_open(dir, NULL, NULL, &j, NULL);
	if (rc < 0)
		goto err_open;
	rc = journal_append(j, recs, n);
	if (rc == 0)
		rc = journal_sync(j);
	journal_close(j);
	if (rc < 0)
		goto err_open;
	/* rackboot opens the journal as server.user, after giving it the
	 * folder; a root-owned file would stay unwritable. */
	if (geteuid() == 0 && priv_lookup(user, NULL, &id) == 0) {
		int w = snprintf(path, sizeof(path), "%s/leases.journal", dir);

		if (w < 0 || (size_t)w >= sizeof(path))
			rc = -ENAMETOOLONG;
		else if (chown(dir, id.uid, id.gid) < 0 || chown(path, id.uid, id.gid) < 0)
			rc = -errno;
	}
err_open:
err_mkdir:
	free(recs);
	return rc;
}

int import_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"leases", required_argument, NULL, 'l'},
	                                         {"tftpd", required_argument, NULL, 'T'},
	                                         {"state-dir", required_argument, NULL, 's'},
	                                         {"user", required_argument, NULL, 'u'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	struct import_opts o = {"/var/lib/rackboot", "rackboot", (int64_t)time(NULL)};
	const char *leases = NULL, *tftpd = NULL;
	struct import_dnsmasq *m;
	const struct import_warn *w;
	const struct import_lease *l;
	struct conf_diag d = {0};
	struct conf *c;
	struct buf out;
	size_t nw, nl, i;
	int opt, rc, status = 0;

	optind = 0; /* GNU: start over, as explain.c does */
	if (argc < 2 || strcmp(argv[1], "dnsmasq") != 0) {
		usage(stderr);
		return 2;
	}
	argc--, argv++;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': leases = optarg; break;
		case 'T': tftpd = optarg; break;
		case 's': o.state_dir = optarg; break;
		case 'u': o.user = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc && !tftpd) {
		usage(stderr);
		return 2;
	}
	if (o.state_dir[0] != '/') {
		fprintf(stderr, "rackboot import: --state-dir must be an absolute path\n");
		return 2;
	}
	m = import_dnsmasq_new();
	if (!m)
		goto err_oom;
	add_locals(m);
	/* The lease file first: its host names name the nodes without one. */
	if (leases && (rc = read_path(m, leases, IMPORT_LEASES, 0)) < 0) {
		fprintf(stderr, "rackboot import: %s: %s\n", leases, strerror(-rc));
		status = 1;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if ((rc = read_path(m, argv[i], IMPORT_CONF, 0)) < 0) {
			fprintf(stderr, "rackboot import: %s: %s\n", argv[i], strerror(-rc));
			status = 1;
		}
	if (tftpd && (rc = read_path(m, tftpd, IMPORT_TFTPD, 0)) < 0) {
		fprintf(stderr, "rackboot import: %s: %s\n", tftpd, strerror(-rc));
		status = 1;
	}
	buf_init(&out);
	if (import_dnsmasq_emit(m, &o, &out) < 0) {
		buf_free(&out);
		import_dnsmasq_free(m);
		goto err_oom;
	}
	w = import_dnsmasq_warnings(m, &nw);
	for (i = 0; i < nw; i++) {
		if (w[i].line > 0)
			fprintf(stderr, "%s:%d: warning: %s\n", w[i].file, w[i].line, w[i].text);
		else
			fprintf(stderr, "rackboot import: warning: %s\n", w[i].text);
	}
	/* The result must load; a failure here is a bug in the model. */
	c = conf_parse_string(out.p, "<imported>", &d);
	if (!c) {
		conf_diag_print(&d, stderr);
		fprintf(stderr, "rackboot import: the imported configuration does not load\n");
		status = 1;
	}
	conf_unref(c);
	conf_diag_fini(&d);
	fputs(out.p, stdout);
	buf_free(&out);
	l = import_dnsmasq_leases(m, &nl);
	if (leases && status == 0) {
		rc = write_leases(l, nl, o.state_dir, o.user);
		if (rc < 0) {
			fprintf(stderr, "rackboot import: cannot write the leases to %s: %s\n",
			        o.state_dir, strerror(-rc));
			status = 1;
		} else
			fprintf(stderr,
			        "rackboot import: %zu lease%s appended to %s/leases.journal\n", nl,
			        nl == 1 ? "" : "s", o.state_dir);
	}
	import_dnsmasq_free(m);
	return fflush(stdout) == 0 ? status : 1;

err_oom:
	fprintf(stderr, "rackboot import: out of memory\n");
	return 1;
}
