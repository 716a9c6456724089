/* SPDX-License-Identifier: MIT */
/*
 * server.c - the loop and the lifecycle around it: start-up order, reload,
 * graceful stop.  It owns the active configuration and the signal handles,
 * and knows the services only through the table main.c hands it: it
 * includes no service's header and names none.  It must not grow protocol
 * logic: that belongs to the services.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/netif.h"
#include "core/notify.h"
#include "core/secret.h"
#include "core/server.h"

struct server server;

/* ---- which requests are served ----------------------------------------- */

int server_serves_ifindex(int ifindex)
{
	char name[IFNAMSIZ];

	return netif_name(ifindex, name) == 0 && conf_serves_interface(server.conf, name);
}

int server_serves_addr(uint32_t addr)
{
	/* loopback always: local tools (curl /metrics, a Prometheus on the
	 * host) are no other network */
	if ((addr >> 24) == 127)
		return 1;
	return server_serves_ifindex(netif_index_of(addr));
}

/* ---- reload ------------------------------------------------------------- */

static void on_restart_only(const char *path, void *arg)
{
	(void)arg;
	log_warn("reload: %s changed; it takes effect at the next restart", path);
}

void server_reload(void)
{
	struct conf_diag d = {0};
	struct conf *nc, *old = server.conf;
	size_t i;

	if (server.stopping)
		return;
	notify_send("RELOADING=1");
	log_info("reload: reading %s", old->path);
	nc = conf_load(old->path, &d);
	for (i = 0; i < d.n; i++)
		log_msg(d.v[i].sev == CONF_ERROR ? LOG_ERR : LOG_WARNING, "%s:%d: %s: %s",
		        d.v[i].file, d.v[i].line, d.v[i].sev == CONF_ERROR ? "error" : "warning",
		        d.v[i].text);
	conf_diag_fini(&d);
	if (!nc) {
		server.reloads_failed++;
		log_err("reload failed; still serving configuration generation %u",
		        server.generation);
		notify_send("READY=1");
		return;
	}
	conf_keep_restart(nc, old, on_restart_only, NULL);
	secret_load(nc);
	nc->generation = ++server.generation;
	/* The swap is one pointer: every service sees the old configuration
	 * or the new one, never a mixture. */
	server.conf = nc;
	log_set_level(server.debug ? LOG_DEBUG : nc->server.log_level);
	log_set_facility(nc->server.log_facility);
	for (i = 0; i < server.nservices; i++)
		if (server.services[i].reload)
			server.services[i].reload(old, nc);
	conf_unref(old);
	server.reloads++;
	log_info("configuration reloaded (generation %u)", server.generation);
	notify_send("READY=1");
}

/* ---- stop --------------------------------------------------------------- */

static unsigned busy_total(void)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < server.nservices; i++)
		if (server.services[i].busy)
			n += server.services[i].busy();
	return n;
}

static void close_all(void)
{
	size_t i;

	for (i = server.nservices; i-- > 0;)
		server.services[i].close();
	uv_close((uv_handle_t *)&server.sig_hup, NULL);
	uv_close((uv_handle_t *)&server.sig_term, NULL);
	uv_close((uv_handle_t *)&server.sig_int, NULL);
	uv_close((uv_handle_t *)&server.sig_usr1, NULL);
	uv_close((uv_handle_t *)&server.stop_timer, NULL);
}

static void server_on_stop_timer(uv_timer_t *t)
{
	unsigned busy = busy_total();

	if (busy && uv_now(t->loop) < server.stop_deadline)
		return;
	if (busy)
		log_warn("stop: %u units of work still in flight after %d s; ending them", busy,
		         server.conf->server.shutdown_timeout);
	uv_timer_stop(t);
	close_all();
}

void server_stop(void)
{
	size_t i;

	if (server.stopping) {
		log_notice("stop: second signal, stopping now");
		uv_timer_stop(&server.stop_timer);
		server.stop_deadline = 0;
		server_on_stop_timer(&server.stop_timer);
		return;
	}
	server.stopping = 1;
	notify_send("STOPPING=1");
	log_info("stopping");
	if (server.started)
		for (i = 0; i < server.nservices; i++)
			server.services[i].stop();
	server.stop_deadline =
	        uv_now(&server.loop) + (uint64_t)server.conf->server.shutdown_timeout * 1000;
	/* Poll for work to drain; 100 ms is short next to any timeout. */
	uv_timer_start(&server.stop_timer, server_on_stop_timer, 0, 100);
}

/* ---- signals ------------------------------------------------------------ */

static void server_on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	switch (signum) {
	case SIGHUP: server_reload(); break;
	case SIGTERM:
	case SIGINT: server_stop(); break;
	case SIGUSR1:
		log_info("state: configuration generation %u from %s, log level %s%s",
		         server.generation, server.conf->path, conf_log_level_name(log_get_level()),
		         server.stopping ? ", stopping" : "");
		for (size_t i = 0; i < server.nservices; i++)
			if (server.services[i].log_state)
				server.services[i].log_state();
		break;
	}
}

/* ---- start-up ----------------------------------------------------------- */

int server_init(struct conf *c, const struct service *services, size_t nservices)
{
	int rc;

	memset(&server, 0, sizeof(server));
	server.services = services;
	server.nservices = nservices;
	/* A peer that goes away mid-send is an EPIPE for the one connection,
	 * never a signal for the process; this also lets libmicrohttpd use
	 * sendfile() (MHD_OPTION_SIGPIPE_HANDLED_BY_APP). */
	signal(SIGPIPE, SIG_IGN);
	rc = uv_loop_init(&server.loop);
	if (rc < 0)
		return rc;
	server.conf = c;
	c->generation = server.generation = 1;
	uv_signal_init(&server.loop, &server.sig_hup);
	uv_signal_init(&server.loop, &server.sig_term);
	uv_signal_init(&server.loop, &server.sig_int);
	uv_signal_init(&server.loop, &server.sig_usr1);
	uv_timer_init(&server.loop, &server.stop_timer);
	uv_signal_start(&server.sig_hup, server_on_signal, SIGHUP);
	uv_signal_start(&server.sig_term, server_on_signal, SIGTERM);
	uv_signal_start(&server.sig_int, server_on_signal, SIGINT);
	uv_signal_start(&server.sig_usr1, server_on_signal, SIGUSR1);
	return 0;
}

/* Create a folder rackboot writes in (0750: the state folder, the volume
 * folder) and give it to the service user. */
static int make_own_dir(const char *dir, const char *setting, const struct priv_id *id)
{
	struct stat st;

	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		int e = errno; /* logging may change errno */

		log_err("cannot create %s %s: %s", setting, dir, strerror(e));
		return -e;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_err("%s %s is not a folder", setting, dir);
		return -ENOTDIR;
	}
	if (geteuid() == 0 && (st.st_uid != id->uid || st.st_gid != id->gid) &&
	    chown(dir, id->uid, id->gid) < 0) {
		int e = errno;

		log_err("cannot give %s %s to uid %u: %s", setting, dir, (unsigned)id->uid,
		        strerror(e));
		return -e;
	}
	return 0;
}

int server_start(const struct priv_id *id)
{
	size_t i;
	int rc;

	server.id = geteuid() == 0 ? *id : (struct priv_id){getuid(), getgid()};
	/* The state folder, then the switch to server.user, then the
	 * services: they open their files as the user that owns the folder
	 * (root without CAP_DAC_OVERRIDE, as the systemd unit runs it, could
	 * not write there), and bind their ports with the kept
	 * CAP_NET_BIND_SERVICE. */
	rc = make_own_dir(server.conf->server.state_dir, "server.state_dir", id);
	if (rc < 0)
		return rc;
	if (geteuid() == 0) {
		rc = priv_drop(id);
		if (rc < 0) {
			log_err("cannot drop privileges to uid %u gid %u: %s", (unsigned)id->uid,
			        (unsigned)id->gid, strerror(-rc));
			return rc;
		}
		log_info("running as uid %u gid %u with CAP_NET_BIND_SERVICE and CAP_NET_ADMIN",
		         (unsigned)id->uid, (unsigned)id->gid);
	}
	/* The volume folder is made as server.user: by default it is inside
	 * the state folder, which root without CAP_DAC_OVERRIDE (the systemd
	 * unit) could not write; one elsewhere is the operator's to create. */
	if (server.conf->iscsi.enable) {
		rc = make_own_dir(server.conf->storage.dir, "storage.dir", &server.id);
		if (rc < 0)
			return rc;
	}
	/* The key the CHAP secrets come from, made in the state folder on
	 * first start unless the operator names one. */
	rc = secret_load(server.conf);
	if (rc < 0 && server.conf->iscsi.enable)
		return rc;
	server.started_at = time(NULL);
	for (i = 0; i < server.nservices; i++) {
		rc = server.services[i].start(&server.loop, server.conf);
		if (rc < 0) {
			/* The caller stops the server, which closes every service. */
			log_err("cannot start %s: %s", server.services[i].name, strerror(-rc));
			return rc;
		}
	}
	server.started = 1;
	return 0;
}

int server_run(void)
{
	int rc;

	uv_run(&server.loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(&server.loop);
	if (rc < 0)
		log_err("stop: handles still open at exit: %s", uv_strerror(rc));
	conf_unref(server.conf);
	server.conf = NULL;
	log_info("stopped");
	return rc < 0 ? -EBUSY : 0;
}

void server_metrics(struct buf *b)
{
	const char *const version[] = {"version", RACKBOOT_VERSION, NULL};
	size_t i;

	metrics_family(b, "rackboot_build_info", "gauge", "Always 1; the version as a label.");
	metrics_sample(b, "rackboot_build_info", version, 1);
	metrics_family(b, "rackboot_start_time_seconds", "gauge",
	               "When the services started, in seconds since the epoch.");
	metrics_sample(b, "rackboot_start_time_seconds", NULL, (double)server.started_at);
	metrics_family(b, "rackboot_config_generation", "gauge",
	               "Configuration generation in use (0 at start, +1 per reload).");
	metrics_sample(b, "rackboot_config_generation", NULL, server.generation);
	metrics_family(b, "rackboot_config_reloads_total", "counter",
	               "Configuration reloads, by result.");
	metrics_sample(b, "rackboot_config_reloads_total",
	               (const char *const[]){"result", "ok", NULL}, (double)server.reloads);
	metrics_sample(b, "rackboot_config_reloads_total",
	               (const char *const[]){"result", "failed", NULL},
	               (double)server.reloads_failed);
	for (i = 0; i < server.nservices; i++)
		if (server.services[i].metrics)
			server.services[i].metrics(b);
}
