// SPDX-License-Identifier: MIT
/*
 * import_tftpd.c - tftpd-hpa's part of `rackboot import dnsmasq`: the shell
 * assignments of /etc/default/tftpd-hpa (TFTP_DIRECTORY, TFTP_OPTIONS and
 * the daemon's command-line options in it, TFTP_ADDRESS) and the rules of
 * a remap file, into the shared model (import_dnsmasq_int.h).  Pure, like
 * the rest of the importer: what cannot be imported is a warning with its
 * file:line.
 */
#include <stdio.h>
#include <string.h>

#include "cli/import_dnsmasq.h"
#include "import_dnsmasq_int.h"

int import_dnsmasq_is_tftpd(const char *text, size_t len)
{
	return len >= 5 && memcmp(text, "TFTP_", 5) == 0;
}

static void do_tftpd_options(struct import_dnsmasq *m, const struct src *s, char *v,
                             struct import_include *inc, int *included)
{
	char *save = NULL, *w;

	for (w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *arg = NULL;
		long n;

		if (!strcmp(w, "-s") || !strcmp(w, "--secure") || !strcmp(w, "-v") ||
		    !strcmp(w, "-vv") || !strcmp(w, "-vvv") || !strcmp(w, "--verbose") ||
		    !strcmp(w, "-l") || !strcmp(w, "--listen") || !strcmp(w, "-L") ||
		    !strcmp(w, "--foreground") || !strcmp(w, "-4") || !strcmp(w, "-6") ||
		    !strcmp(w, "--ipv4") || !strcmp(w, "--ipv6"))
			continue; /* rackboot always stays beneath its root, as --secure does */
		if (!strcmp(w, "-c") || !strcmp(w, "--create")) {
			imd_warn(m, s,
			         "tftpd %s: rackboot's TFTP server is read-only; uploads are "
			         "refused",
			         w);
			continue;
		}
		if (!strcmp(w, "-p") || !strcmp(w, "--permissive")) {
			imd_warn(m, s,
			         "tftpd %s: not imported; rackboot serves files readable by its "
			         "own user",
			         w);
			continue;
		}
		if (!strcmp(w, "-m") || !strcmp(w, "--mapfile") || !strcmp(w, "-B") ||
		    !strcmp(w, "--blocksize") || !strcmp(w, "-R") || !strcmp(w, "--port-range") ||
		    !strcmp(w, "-u") || !strcmp(w, "--user") || !strcmp(w, "-U") ||
		    !strcmp(w, "--umask") || !strcmp(w, "-T") || !strcmp(w, "--timeout") ||
		    !strcmp(w, "-r") || !strcmp(w, "--refuse") || !strcmp(w, "-a") ||
		    !strcmp(w, "--address") || !strcmp(w, "-P") || !strcmp(w, "--pidfile") ||
		    !strcmp(w, "-t")) {
			arg = strtok_r(NULL, " \t", &save);
			if (!arg) {
				imd_warn(m, s, "tftpd %s: missing its argument", w);
				return;
			}
		} else {
			imd_warn(m, s, "tftpd option %s: not imported", w);
			continue;
		}
		if (!strcmp(w, "-m") || !strcmp(w, "--mapfile")) {
			memset(inc, 0, sizeof(*inc));
			inc->kind = IMPORT_REMAP;
			imd_copy(inc->path, sizeof(inc->path), arg);
			*included = 1;
		} else if (!strcmp(w, "-B") || !strcmp(w, "--blocksize")) {
			if (imd_parse_int(arg, &n) && n >= 512 && n <= 65464)
				m->blksize = (int)n;
			else
				imd_warn(m, s, "tftpd %s %s: not imported", w, arg);
		} else if (!strcmp(w, "-R") || !strcmp(w, "--port-range")) {
			char *colon = strchr(arg, ':');

			if (!colon || (*colon = 0, !imd_port_range(m, arg, colon + 1)))
				imd_warn(m, s,
				         "tftpd %s: rackboot needs a port range of at least 16 "
				         "ports; not imported",
				         w);
		} else if (!strcmp(w, "-T") || !strcmp(w, "--timeout")) {
			if (imd_parse_int(arg, &n) && n > 0)
				m->tftp_timeout = (int)((n + 999999) / 1000000);
		} else if (!strcmp(w, "-u") || !strcmp(w, "--user"))
			imd_warn(m, s, "tftpd %s %s: rackboot serves TFTP as server.user", w, arg);
		else if (!strcmp(w, "-a") || !strcmp(w, "--address")) {
			char *colon = strrchr(arg, ':');

			if (colon && imd_parse_int(colon + 1, &n) && n >= 1 && n <= 65535)
				m->tftp_port = (int)n;
			if (colon && colon != arg)
				imd_warn(m, s,
				         "tftpd %s %s: rackboot serves by interface "
				         "(server.interfaces), not by address",
				         w, arg);
		} else if (!strcmp(w, "-r") || !strcmp(w, "--refuse"))
			imd_warn(m, s,
			         "tftpd %s %s: rackboot cannot refuse a TFTP option; it caps "
			         "them (tftp.blksize_max, tftp.window_max)",
			         w, arg);
		/* -U, -P, -t: nothing a client sees */
	}
}

void imd_tftpd_line(struct import_dnsmasq *m, const struct src *s, char *text,
                    struct import_include *inc, int *included)
{
	char *eq = strchr(text, '='), *key, *v;
	size_t n;

	if (!eq) {
		imd_warn(m, s, "tftpd-hpa: cannot read this line; not imported");
		return;
	}
	*eq = 0;
	key = imd_trim(text);
	v = imd_trim(eq + 1);
	n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = 0;
		v++;
	}
	if (strcmp(key, "TFTP_DIRECTORY") == 0) {
		imd_copy(m->tftpd_root, sizeof(m->tftpd_root), v);
		if (!m->tftp_root_src.file)
			m->tftp_root_src = *s;
	} else if (strcmp(key, "TFTP_OPTIONS") == 0)
		do_tftpd_options(m, s, v, inc, included);
	else if (strcmp(key, "TFTP_ADDRESS") == 0) {
		char *colon = strrchr(v, ':');
		long port;

		if (colon && imd_parse_int(colon + 1, &port) && port >= 1 && port <= 65535)
			m->tftp_port = (int)port;
		if (colon && colon != v && strncmp(v, "0.0.0.0", (size_t)(colon - v)) != 0)
			imd_warn(m, s,
			         "TFTP_ADDRESS=%s: rackboot serves by interface "
			         "(server.interfaces), not by address",
			         v);
	} else if (strcmp(key, "TFTP_USERNAME") == 0)
		imd_warn(m, s, "TFTP_USERNAME=%s: rackboot serves TFTP as server.user", v);
	else
		imd_warn(m, s, "tftpd-hpa: %s is not imported", key);
}

/* tftpd-hpa remap rules: "r", "rg" and friends, a regex, a replacement.
 * rackboot already turns backslashes into slashes and drops a leading
 * slash (tftp_path_clean), which is what the usual rules do. */
void imd_remap_line(struct import_dnsmasq *m, const struct src *s, char *text)
{
	char *save = NULL, *op = strtok_r(text, " \t", &save);
	char *re = op ? strtok_r(NULL, " \t", &save) : NULL;
	char *to = re ? strtok_r(NULL, " \t", &save) : NULL;

	if (!op || op[0] == '#')
		return;
	if (re && strchr(op, 'r') && to && strcmp(re, "\\\\") == 0 && strcmp(to, "/") == 0)
		return; /* rackboot: backslashes are separators */
	if (re && strchr(op, 'r') && strcmp(re, "^/") == 0 &&
	    (!to || strcmp(to, "''") == 0 || strcmp(to, "\"\"") == 0))
		return; /* rackboot: a leading slash is dropped */
	if ((re && (strstr(re, "\\i") || strstr(re, "\\x"))) ||
	    (to && (strstr(to, "\\i") || strstr(to, "\\x"))))
		imd_warn(m, s,
		         "tftpd remap rule '%s %s %s': files per client address are not "
		         "imported; rackboot keeps files per MAC in tftp.root/aa-bb-cc-dd-ee-ff/ "
		         "(tftp.per_node)",
		         op, re, to ? to : "");
	else
		imd_warn(m, s,
		         "tftpd remap rule '%s %s%s%s': not imported; rackboot does not rewrite "
		         "file names (only '\\' to '/' and a leading '/')",
		         op, re ? re : "", to ? " " : "", to ? to : "");
}
