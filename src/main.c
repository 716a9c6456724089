/* SPDX-License-Identifier: MIT */
/*
 * main.c - the composition root and the command line: the table of
 * services the loop runs (the only place that names them all), option
 * parsing, configuration check (-t), detaching from the terminal, and
 * handing over to the server.  Exit statuses are documented in
 * rackboot(8) and defined here only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/conf.h"
#include "cli/explain.h"
#include "dhcp/dhcp.h"
#include "http/http.h"
#include "iscsi/extcheck.h"
#include "cli/import.h"
#include "iscsi/iscsi.h"
#include "core/log.h"
#include "core/netif.h"
#include "core/netif_service.h"
#include "core/notify.h"
#include "core/priv.h"
#include "http/script.h"
#include "core/secret.h"
#include "core/server.h"
#include "store/store.h"
#include "tftp/tftp.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

enum {
	EXIT_OK = 0,     /* stopped normally; -t: valid */
	EXIT_CONFIG = 1, /* the configuration is invalid */
	EXIT_USAGE = 2,  /* bad command line */
	EXIT_START = 3,  /* could not start */
};

/*
 * The services, in start order; the server closes them in reverse.  The
 * interface view comes first: the others ask it which interfaces exist.
 * Designated initializers: a hook added to struct service can never land
 * in another hook's slot.
 */
static const struct service services[] = {
        {
                .name = "netif",
                .start = netif_service_start,
                .reload = netif_service_reload,
                .stop = netif_service_stop,
                .log_state = netif_log_view,
                .close = netif_stop,
        },
        {
                .name = "tftp",
                .start = tftp_start,
                .reload = tftp_reload,
                .stop = tftp_stop,
                .busy = tftp_busy,
                .log_state = tftp_log_state,
                .metrics = tftp_metrics,
                .close = tftp_close,
        },
        {
                .name = "dhcp",
                .start = dhcp_start,
                .reload = dhcp_reload,
                .stop = dhcp_stop,
                .busy = dhcp_busy,
                .log_state = dhcp_log_state,
                .metrics = dhcp_metrics,
                .close = dhcp_close,
        },
        {
                .name = "http",
                .start = http_start,
                .reload = http_reload,
                .stop = http_stop,
                .busy = http_busy,
                .log_state = http_log_state,
                .metrics = http_metrics,
                .close = http_close,
        },
        {
                .name = "iscsi",
                .start = iscsi_start,
                .reload = iscsi_reload,
                .stop = iscsi_stop,
                .busy = iscsi_busy,
                .log_state = iscsi_log_state,
                .metrics = iscsi_metrics,
                .close = iscsi_close,
        },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: rackboot [-dfhtV] [-c file] [--online]\n"
	           "       rackboot [-c file] explain <mac> [--arch N] [--ipxe] [--server ADDR]\n"
	           "       rackboot import dnsmasq [--leases FILE] [--tftpd FILE]\n"
	           "                [--state-dir DIR] [--user NAME] CONF...\n"
	           "  -c file  configuration file (default " SYSCONFDIR "/rackboot/rackboot.conf)\n"
	           "  -d       log debug messages\n"
	           "  -f       stay in the foreground and log to stderr\n"
	           "  -h       print this help and exit\n"
	           "  -t       check the configuration and exit; with --online also log in\n"
	           "           to every node's external iSCSI target and, with storage.backend\n"
	           "           \"rbd\", connect to the Ceph cluster and find the golden snapshot\n"
	           "  -V       print the version and exit\n"
	           "  explain  print what that machine would get (DHCP reply, boot file,\n"
	           "           script) without touching the network\n"
	           "  import   print the rackboot.conf equivalent to a dnsmasq (and tftpd-hpa)\n"
	           "           configuration; --leases carries dnsmasq's leases over\n");
}

/* Print a problem with one setting as file:line, or just file when the
 * setting took its default. */
static void setting_error(const struct conf *c, const char *path, const char *fmt, const char *v)
{
	const struct conf_src *src = conf_where(c, path);

	if (src)
		fprintf(stderr, "%s:%d: error: ", src->file, src->line);
	else
		fprintf(stderr, "%s: error: %s (default): ", c->path, path);
	fprintf(stderr, fmt, v);
	fputc('\n', stderr);
}

/* Whether uid/gid may read @p path by its mode bits (the service user has
 * no supplementary groups after the switch; ACLs are not consulted). */
static int readable_by(const char *path, const struct priv_id *id)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	if (id->uid == 0)
		return 1;
	if (st.st_uid == id->uid)
		return (st.st_mode & S_IRUSR) != 0;
	if (st.st_gid == id->gid)
		return (st.st_mode & S_IRGRP) != 0;
	return (st.st_mode & S_IROTH) != 0;
}

/* Checks that depend on this system rather than on the file alone. */
static void report_stderr(void *ctx, const char *file, int line, const char *msg)
{
	(*(unsigned *)ctx)++;
	if (line > 0)
		fprintf(stderr, "%s:%d: error: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: error: %s\n", file, msg);
}

/* The templates compile, use only known variables, and every node's
 * template exists.  @ret rc 0 or -1 (reported) */
static int check_scripts(const struct conf *c)
{
	struct script_set *set = NULL;
	unsigned problems = 0;
	struct stat st;
	int rc;

	rc = script_set_load(c->ipxe.templates, &set, report_stderr, &problems, NULL);
	if (rc < 0 && rc != -ENOMEM)
		setting_error(c, "ipxe.templates", "%s", strerror(-rc));
	if (rc == 0)
		script_check(set, c, c->ipxe.templates, report_stderr, &problems);
	script_set_free(set);
	if (stat(c->http.root, &st) < 0 || !S_ISDIR(st.st_mode))
		fprintf(stderr,
		        "%s: warning: http.root %s is not a folder; no static files are served\n",
		        c->path, c->http.root);
	if (stat(c->ipxe.overrides, &st) < 0 || !S_ISDIR(st.st_mode))
		fprintf(stderr,
		        "%s: warning: ipxe.overrides %s is not a folder; it is watched only once "
		        "it exists at start or reload\n",
		        c->path, c->ipxe.overrides);
	return rc < 0 || problems ? -1 : 0;
}

static int check_system(const struct conf *c, struct priv_id *id, int check)
{
	int rc = priv_lookup(c->server.user, c->server.group, id);
	size_t i;

	if (rc == -ENOENT) {
		setting_error(c, "server.user", "no such user: %s", c->server.user);
		return -1;
	}
	if (rc == -ESRCH) {
		setting_error(c, "server.group", "no such group: %s", c->server.group);
		return -1;
	}
	/* The folders and files the servers will need. */
	if (c->tftp.enable) {
		struct stat st;
		const char *const boot[] = {c->dhcp.boot.bios, c->dhcp.boot.efi_ia32,
		                            c->dhcp.boot.efi_x64, c->dhcp.boot.efi_arm32,
		                            c->dhcp.boot.efi_arm64};
		const char *const keys[] = {"dhcp.boot.bios", "dhcp.boot.efi_ia32",
		                            "dhcp.boot.efi_x64", "dhcp.boot.efi_arm32",
		                            "dhcp.boot.efi_arm64"};
		char path[PATH_MAX];

		if (stat(c->tftp.root, &st) < 0 || !S_ISDIR(st.st_mode)) {
			setting_error(c, "tftp.root", "%s is not a folder", c->tftp.root);
			return -1;
		}
		for (i = 0; c->dhcp.enable && i < sizeof(boot) / sizeof(boot[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", c->tftp.root, boot[i]);
			if (access(path, F_OK) < 0)
				fprintf(stderr,
				        "%s: warning: %s: %s is not in tftp.root; machines of that "
				        "architecture cannot chainload iPXE\n",
				        c->path, keys[i], boot[i]);
		}
	}
	/* The rbd backend is a module of its own package: without it, say so
	 * now (and at -t) rather than at the first node's login. */
	if (c->iscsi.enable) {
		char why[512];

		if (!store_backend(c->storage.backend, why, sizeof(why))) {
			setting_error(c, "storage.backend", "%s", why);
			return -1;
		}
	}
	/* Templates: -t fails on any problem; a start logs them and serves
	 * the templates that compile (see http.c). */
	if (check && c->http.enable && check_scripts(c) < 0)
		return -1;
	if (c->iscsi.enable && c->iscsi.chap_key) {
		uint8_t key[SECRET_KEY_MAX];
		size_t len;

		rc = secret_key_read(c->iscsi.chap_key, 0, key, &len);
		memset(key, 0, sizeof(key));
		if (rc < 0) {
			setting_error(c, "iscsi.chap_key", "%s",
			              rc == -EMSGSIZE ? "the key is shorter than 16 bytes"
			                              : strerror(-rc));
			return -1;
		}
	}
	/* After the switch, SIGHUP re-reads the files as server.user. */
	for (i = 0; geteuid() == 0 && i <= c->nfiles; i++) {
		const char *f = i < c->nfiles ? c->files[i] : c->path;

		if (f[0] == '/' && !readable_by(f, id))
			fprintf(stderr,
			        "%s: warning: user %s cannot read this file, so reloading on "
			        "SIGHUP "
			        "will fail; make it readable by group %u (chgrp, chmod g+r)\n",
			        f, c->server.user, (unsigned)id->gid);
	}
	return 0;
}

/*
 * Detach: fork, start a session, and let the parent exit only once the
 * child reports, through a pipe, that it is serving (or why not).  An init
 * script that starts rackboot thus gets a truthful exit status.
 */
static int detach(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char status = EXIT_START;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &status, 1) != 1)
			status = EXIT_START;
		_exit(status);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	*ready_fd = p[1];
	return 0;
}

static void report_ready(int *ready_fd, char status)
{
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, &status, 1) != 1)
		log_warn("cannot report start-up to the parent process: %s", strerror(errno));
	close(*ready_fd);
	*ready_fd = -1;
}

static void quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) == 0 ? 0 : -errno;
}

int main(int argc, char **argv)
{
	const char *path = SYSCONFDIR "/rackboot/rackboot.conf";
	int foreground = 0, debug = 0, check = 0, opt, ready_fd = -1, rc;
	struct conf_diag d = {0};
	struct priv_id id = {0, 0};
	struct conf *c;

	static const struct option longopts[] = {{"online", no_argument, NULL, 'O'},
	                                         {NULL, 0, NULL, 0}};
	int online = 0;

	while ((opt = getopt_long(argc, argv, "+c:dftVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'O': online = 1; break;
		case 'c': path = optarg; break;
		case 'd': debug = 1; break;
		case 'f': foreground = 1; break;
		case 't': check = 1; break;
		case 'V': printf("rackboot %s\n", RACKBOOT_VERSION); return EXIT_OK;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(argv[optind], "explain") == 0)
		return explain_main(path, argc - optind, argv + optind);
	if (optind < argc && strcmp(argv[optind], "import") == 0)
		return import_main(argc - optind, argv + optind);
	if (optind != argc) {
		fprintf(stderr, "rackboot: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	c = conf_load(path, &d);
	conf_diag_print(&d, stderr);
	conf_diag_fini(&d);
	if (!c)
		return EXIT_CONFIG;
	if (check_system(c, &id, check) < 0) {
		conf_unref(c);
		return EXIT_CONFIG;
	}
	if (online && !check) {
		fprintf(stderr, "rackboot: --online goes with -t\n");
		conf_unref(c);
		return EXIT_USAGE;
	}
	if (check && online) {
		int failed = extcheck_online(c, stdout);

		failed += iscsi_storage_online(c, stdout);
		if (failed > 0) {
			conf_unref(c);
			return EXIT_CONFIG;
		}
	}
	if (check) {
		printf("%s: configuration is valid\n", path);
		conf_unref(c);
		return EXIT_OK;
	}

	log_init(1, debug ? LOG_DEBUG : c->server.log_level, c->server.log_facility);
	if (!foreground) {
		rc = detach(&ready_fd);
		if (rc < 0) {
			log_err("cannot detach: %s", strerror(-rc));
			conf_unref(c);
			return EXIT_START;
		}
		log_to_syslog(c->server.log_facility);
		quiet_stdio();
		if (c->server.pid_file && (rc = write_pid_file(c->server.pid_file)) < 0)
			log_warn("cannot write server.pid_file %s: %s", c->server.pid_file,
			         strerror(-rc));
	}
	rc = server_init(c, services, sizeof(services) / sizeof(services[0]));
	if (rc < 0) {
		log_err("cannot set up the event loop: %s", strerror(-rc));
		conf_unref(c);
		report_ready(&ready_fd, EXIT_START);
		return EXIT_START;
	}
	server.debug = debug;
	rc = server_start(&id);
	if (rc < 0) {
		report_ready(&ready_fd, EXIT_START);
		server_stop();
		server_run();
		return EXIT_START;
	}
	log_info("rackboot %s started with configuration %s", RACKBOOT_VERSION, path);
	notify_send("READY=1");
	report_ready(&ready_fd, EXIT_OK);
	return server_run() < 0 ? EXIT_START : EXIT_OK;
}
