// SPDX-License-Identifier: MIT
/*
 * http.c - the HTTP service.  libmicrohttpd runs without threads of its own
 * (MHD_USE_EPOLL): its epoll descriptor sits under a uv_poll_t, MHD_run()
 * is called when it is readable, and a uv_timer_t follows
 * MHD_get_timeout().  Routes:
 *
 *   /boot/<mac>.ipxe   the machine's script: an override file, else its
 *                      template, else the fallback, else 404; a known
 *                      node's script only to the address leased to it or
 *                      to http.allow (it carries the CHAP secret)
 *   /metrics           Prometheus text format
 *   /status            a self-contained HTML page of machines and timelines
 *   /api/nodes[/<mac>], /api/leases   JSON
 *   anything else      a static file under http.root, jailed like TFTP
 *
 * The override folder is watched with a uv_fs_event_t; an event marks the
 * in-memory copy stale and the next script request re-reads the folder.
 * Each connection is tracked from accept to close, so that one address
 * holds at most http.max_per_address of them and a request not complete
 * http.header_timeout after accept (slowloris) loses its connection:
 * libmicrohttpd's own timeout is reset by every byte.
 * This file owns the daemon, the templates and the overrides; it must not
 * block the loop beyond one path lookup per static file and the re-read of
 * the override folder after it changed.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/api.h"
#include "dhcp/dhcp.h"
#include "dhcp/inventory.h"
#include "iscsi/extcheck.h"
#include "http/http.h"
#include "http/http_util.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/ratelog.h"
#include "http/script.h"
#include "core/secret.h"
#include "core/server.h"
#include "tftp/tftp_path.h"
#include "core/timeline.h"

/* What a request was, for counters. */
enum route { R_SCRIPT, R_STATIC, R_METRICS, R_STATUS, R_API, R_OTHER, R_N };
static const char *const route_names[R_N] = {"script", "static", "metrics",
                                             "status", "api",    "other"};

/* Status codes counted; anything else counts as "other". */
static const unsigned codes[] = {200, 206, 302, 304, 400, 403, 404, 405, 416, 500, 503};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

/* One override file: a script for one MAC. */
struct override {
	uint8_t mac[MAC_LEN];
	char name[NAME_MAX + 1];
	char *text;
	size_t len;
};

/* One connection, from libmicrohttpd's STARTED notification to its CLOSED
 * one.  Owner: the connection list h.conns; libmicrohttpd's socket context
 * points at it. */
struct hconn {
	struct hconn *next, *prev;
	struct MHD_Connection *con;
	uint32_t ip;
	int foreign;          /* to an address not served: refused by closing */
	int waiting;          /* no complete request since accept or the last answer */
	int cut;              /* shut down at its deadline */
	uint64_t deadline_ms; /* loop time by which a waiting request must be complete */
};

/* One request, from its URI callback to its completion callback.
 * Owner: libmicrohttpd's per-request pointer. */
struct req {
	uint64_t start_ns;
	enum route route;
	int seen, answered;
	struct hconn *hc;
};

/* The service.  Owner: this file; loop thread only. */
static struct {
	uv_loop_t *loop;
	struct MHD_Daemon *mhd;
	uv_poll_t poll;
	uv_timer_t timer;
	int poll_init, timer_init;
	int rootfd;
	struct script_set *scripts;
	uv_fs_event_t watch;
	int watch_init, watching;
	char *odir; /* the override folder watched */
	int ov_stale;
	struct override *ov;
	size_t nov;
	unsigned inflight;
	int stopped;
	struct hconn *conns;
	unsigned nconns;
	uv_timer_t sweep; /* the request deadlines, while there are connections */
	int sweep_init;
	struct ratelog rl_addr, rl_slow, rl_denied; /* per-address limit, slow, 403 */
	struct {
		uint64_t req[R_N][NCODES + 1];
		uint64_t bytes[R_N];
		uint64_t denied, template_errors;
		uint64_t foreign;     /* connections to an address not served */
		uint64_t per_address; /* refused: http.max_per_address */
		uint64_t slow;        /* closed: a request not complete in time */
	} n;
	struct hist dur; /* request duration, seconds */
} h = {.rootfd = -1};

static const struct conf *cf(void)
{
	return server.conf;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void count(enum route r, unsigned code, uint64_t bytes)
{
	size_t i;

	for (i = 0; i < NCODES && codes[i] != code; i++)
		;
	h.n.req[r][i]++;
	h.n.bytes[r] += bytes;
}

/* ---- templates and overrides --------------------------------------------- */

static void report_log(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	if (line > 0)
		log_err("%s:%d: %s", file, line, msg);
	else
		log_err("%s: %s", file, msg);
}

/* Load the templates of @p c; on errors keep @p keep_old's set.
 * @ret rc 0 or -errno */
static int load_scripts(const struct conf *c, int keep_old)
{
	struct script_set *set;
	unsigned errors = 0;
	int rc;

	rc = script_set_load(c->ipxe.templates, &set, report_log, NULL, &errors);
	if (rc == -ENOMEM || (keep_old && (rc < 0 || errors))) {
		if (rc < 0 && rc != -ENOMEM)
			log_err("templates %s: %s", c->ipxe.templates, strerror(-rc));
		log_err("templates: not reloaded; the templates loaded before stay");
		script_set_free(set);
		h.n.template_errors++;
		return rc < 0 ? rc : -EINVAL;
	}
	if (rc < 0)
		log_err("templates %s: %s; scripts are served from override files only",
		        c->ipxe.templates, strerror(-rc));
	else if (errors)
		log_err("templates %s: %u left out (see above)", c->ipxe.templates, errors);
	script_set_free(h.scripts);
	h.scripts = set;
	log_info("templates %s: %u loaded", c->ipxe.templates, script_set_count(set));
	return 0;
}

static void overrides_clear(void)
{
	size_t i;

	for (i = 0; i < h.nov; i++)
		free(h.ov[i].text);
	free(h.ov);
	h.ov = NULL;
	h.nov = 0;
}

/* The MAC an override file is for: "<mac>.ipxe" or "<mac>.conf" (Ironic),
 * the MAC in any spelling.  @ret rc 0, 1 for ".conf", or -EINVAL */
static int override_mac(const char *name, uint8_t mac[MAC_LEN])
{
	size_t n = strlen(name);

	if (n < 6 || (strcmp(name + n - 5, ".ipxe") != 0 && strcmp(name + n - 5, ".conf") != 0))
		return -EINVAL;
	if (mac_parse(name, n - 5, mac) < 0)
		return -EINVAL;
	return name[n - 4] == 'c';
}

/* Re-read the override folder (after the watch said it changed).  O(files),
 * blocking reads of small files; only after a change. */
static void overrides_scan(void)
{
	const char *dir = cf()->ipxe.overrides;
	struct override *v = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;

	h.ov_stale = 0;
	overrides_clear();
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			log_warn("overrides %s: %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		uint8_t mac[MAC_LEN];
		int conf_name = override_mac(de->d_name, mac), dup = 0;
		char *text = NULL;
		size_t len = 0;
		int rc;

		if (conf_name < 0)
			continue;
		for (i = 0; i < n; i++)
			if (memcmp(v[i].mac, mac, MAC_LEN) == 0)
				dup = 1;
		if (dup) {
			log_warn("overrides %s: %s is a second file for the same machine; "
			         "the .ipxe one is used",
			         dir, de->d_name);
			if (conf_name)
				continue;
		}
		rc = script_read(dirfd(d), de->d_name, &text, &len);
		if (rc < 0) {
			log_warn("overrides %s/%s: %s", dir, de->d_name, strerror(-rc));
			continue;
		}
		if (dup) {
			for (i = 0; i < n && memcmp(v[i].mac, mac, MAC_LEN) != 0; i++)
				;
			free(v[i].text);
		} else {
			if (n == cap) {
				struct override *nv =
				        realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

				if (!nv) {
					free(text);
					break;
				}
				v = nv;
			}
			i = n++;
		}
		memcpy(v[i].mac, mac, MAC_LEN);
		snprintf(v[i].name, sizeof(v[i].name), "%s", de->d_name);
		v[i].text = text;
		v[i].len = len;
	}
	closedir(d);
	h.ov = v;
	h.nov = n;
	log_debug("overrides %s: %zu scripts", dir, n);
}

static const struct override *override_of(const uint8_t mac[MAC_LEN])
{
	size_t i;

	if (h.ov_stale)
		overrides_scan();
	for (i = 0; i < h.nov; i++)
		if (memcmp(h.ov[i].mac, mac, MAC_LEN) == 0)
			return &h.ov[i];
	return NULL;
}

static void http_on_watch(uv_fs_event_t *w, const char *name, int events, int status)
{
	(void)w;
	(void)events;
	if (status < 0) {
		log_warn("overrides %s: watch failed: %s; re-reading on every request", h.odir,
		         uv_strerror(status));
		h.watching = 0;
	}
	log_debug("overrides: %s changed", name ? name : "(folder)");
	h.ov_stale = 1;
}

static void watch_overrides(const struct conf *c)
{
	int rc;

	if (h.watching && h.odir && strcmp(h.odir, c->ipxe.overrides) == 0)
		return;
	if (h.watching) {
		uv_fs_event_stop(&h.watch);
		h.watching = 0;
	}
	free(h.odir);
	h.odir = strdup(c->ipxe.overrides);
	h.ov_stale = 1;
	if (!h.odir) {
		log_warn("overrides %s: cannot watch: %s; it is re-read on every script request",
		         c->ipxe.overrides, strerror(ENOMEM));
		return;
	}
	rc = 0;
	if (!h.watch_init) {
		rc = uv_fs_event_init(h.loop, &h.watch);
		h.watch_init = rc == 0;
	}
	if (rc == 0)
		rc = uv_fs_event_start(&h.watch, http_on_watch, c->ipxe.overrides, 0);
	if (rc < 0) {
		log_warn("overrides %s: cannot watch: %s; it is re-read on every script request",
		         c->ipxe.overrides, uv_strerror(rc));
		return;
	}
	h.watching = 1;
}

/* ---- responses ----------------------------------------------------------- */

static enum MHD_Result send_buf(struct MHD_Connection *con, struct req *rq, unsigned code,
                                const char *type, char *p, size_t len, int nocache)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	r = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(p);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (nocache)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ok = MHD_queue_response(con, code, r);
	MHD_destroy_response(r);
	count(rq->route, code, len);
	return ok;
}

/* A response without a body (302, 304, 416), with one header. */
static enum MHD_Result send_empty(struct MHD_Connection *con, struct req *rq, unsigned code,
                                  const char *header, const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, header, value);
	ok = MHD_queue_response(con, code, r);
	MHD_destroy_response(r);
	count(rq->route, code, 0);
	return ok;
}

static enum MHD_Result send_text(struct MHD_Connection *con, struct req *rq, unsigned code,
                                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result send_text(struct MHD_Connection *con, struct req *rq, unsigned code,
                                 const char *fmt, ...)
{
	char *p = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MHD_NO;
	return send_buf(con, rq, code, "text/plain; charset=utf-8", p, (size_t)n, 1);
}

static enum MHD_Result send_built(struct MHD_Connection *con, struct req *rq, const char *type,
                                  struct buf *b)
{
	size_t len;
	char *p;

	if (b->oom) {
		buf_free(b);
		return send_text(con, rq, 500, "out of memory\n");
	}
	p = buf_steal(b, &len);
	if (!p)
		return MHD_NO;
	return send_buf(con, rq, 200, type, p, len, 1);
}

static uint32_t peer_ip(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *sin;

	if (!ci || !ci->client_addr || ci->client_addr->sa_family != AF_INET)
		return 0;
	sin = (const struct sockaddr_in *)(const void *)ci->client_addr;
	return ntohl(sin->sin_addr.s_addr);
}

static void peer_str(struct MHD_Connection *con, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char a[IPV4_STRLEN];

	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin =
		        (const struct sockaddr_in *)(const void *)ci->client_addr;

		snprintf(out, cap, "%s:%u", ipv4_format(ntohl(sin->sin_addr.s_addr), a),
		         ntohs(sin->sin_port));
	} else {
		snprintf(out, cap, "?");
	}
}

/* rackboot's own address on this connection: the address the machine
 * reached, so the URLs in its script reach it again. */
static uint32_t local_ip(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&sin, &len) < 0 ||
	    sin.sin_family != AF_INET)
		return 0;
	return ntohl(sin.sin_addr.s_addr);
}

/* ---- /boot/<mac>.ipxe ---------------------------------------------------- */

/* May @p ip have the script of @p mac?  Its lease, its static address, or
 * the operator's allow-list. */
static int may_fetch(uint32_t ip, const uint8_t mac[MAC_LEN], const struct conf_node *node)
{
	const struct conf *c = cf();
	uint8_t leased[MAC_LEN];
	size_t i;

	for (i = 0; i < c->http.allow.n; i++)
		if (ipv4_prefix_contains(&c->http.allow.v[i], ip))
			return 1;
	if (node && node->ip && node->ip == ip)
		return 1;
	return dhcp_mac_of(ip, leased) == 0 && memcmp(leased, mac, MAC_LEN) == 0;
}

static enum MHD_Result serve_script(struct MHD_Connection *con, struct req *rq,
                                    const uint8_t mac[MAC_LEN])
{
	const struct conf *c = cf();
	const struct conf_node *node = conf_node_by_mac(c, mac);
	const struct override *ov = override_of(mac);
	char peer[32], m[MAC_STRLEN], secret[CHAP_SECRET_MAX + 1], tsecret[CHAP_SECRET_MAX + 1];
	char more_buf[RATELOG_MORE];
	uint32_t ip = peer_ip(con);
	uint64_t more = 0;
	struct script_in in;
	struct buf b;
	const char *name = NULL;
	int rc;

	mac_format(mac, ':', m);
	if ((node || ov) && !may_fetch(ip, mac, node)) {
		peer_str(con, peer, sizeof(peer));
		/* a host asking again and again costs a line per interval */
		if (ratelog_check(&h.rl_denied, ip, uv_now(h.loop), &more))
			log_warn("http %s: script of %s refused: that address is not leased to it "
			         "nor in http.allow%s",
			         peer, m, ratelog_more(more, more_buf));
		h.n.denied++;
		timeline_note(mac, TL_HTTP_DENIED, "from %s", peer);
		return send_text(con, rq, 403,
		                 "403 forbidden: %s's script is for its own address\n", m);
	}
	if (ov) {
		char *p = malloc(ov->len + 1);

		if (!p)
			return MHD_NO;
		memcpy(p, ov->text, ov->len + 1);
		timeline_note(mac, TL_HTTP_SCRIPT, "override %s", ov->name);
		log_info("http: %s gets the override %s", m, ov->name);
		return send_buf(con, rq, 200, "text/plain; charset=utf-8", p, ov->len, 1);
	}
	memset(&in, 0, sizeof(in));
	in.c = c;
	in.node = node;
	memcpy(in.mac, mac, MAC_LEN);
	in.ip = ip;
	in.server = local_ip(con);
	if (node && secret_node_chap(node, secret) == 0)
		in.chap_secret = secret;
	if (node && secret_node_target(node, tsecret) == 0)
		in.mutual_secret = tsecret;
	if (node && node->external.target)
		in.iscsi_error = extcheck_error(node->mac);
	buf_init(&b);
	rc = script_render(h.scripts, &in, &b, &name);
	memset(secret, 0, sizeof(secret));
	memset(tsecret, 0, sizeof(tsecret));
	if (rc == -ENOENT) {
		buf_free(&b);
		if (node || (name && *name)) {
			log_err("http: %s: no template '%s' is loaded", m, name ? name : "");
			return send_text(con, rq, 500, "500 no template '%s' for %s\n", name, m);
		}
		timeline_note(mac, TL_HTTP_SCRIPT, "no script (unknown machine, no fallback)");
		return send_text(con, rq, 404, "404 no script for %s\n", m);
	}
	if (rc < 0) {
		buf_free(&b);
		return send_text(con, rq, 500, "500 out of memory\n");
	}
	timeline_note(mac, TL_HTTP_SCRIPT, "template %s", name);
	log_debug("http: %s gets template %s", m, name);
	return send_built(con, rq, "text/plain; charset=utf-8", &b);
}

/* ---- static files -------------------------------------------------------- */

static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	        {".ipxe", "text/plain; charset=utf-8"}, {".txt", "text/plain; charset=utf-8"},
	        {".cfg", "text/plain; charset=utf-8"},  {".html", "text/html; charset=utf-8"},
	        {".json", "application/json"},          {".iso", "application/x-iso9660-image"},
	};
	size_t n = strlen(path), i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && strcmp(path + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

/* RFC 9110 13.1.5: If-Range names the representation the client holds; a
 * Range is honoured only when it still matches. */
static int if_range_ok(const char *ifr, const char *etag, time_t mtime)
{
	time_t t;

	if (!ifr)
		return 1;
	if (ifr[0] == '"')
		return strcmp(ifr, etag) == 0;
	return http_date_parse(ifr, &t) == 0 && t == mtime;
}

static enum MHD_Result serve_static(struct MHD_Connection *con, struct req *rq, const char *url)
{
	char path[TFTP_NAME_MAX + 1], etag[HTTP_ETAG_LEN], date[HTTP_DATE_LEN], peer[32];
	char range[80];
	const char *hdr;
	uint64_t size, off = 0, len;
	struct MHD_Response *r;
	struct stat st;
	unsigned code = 200;
	uint8_t mac[MAC_LEN];
	enum MHD_Result ok;
	time_t t;
	int fd, rc;

	rc = tftp_path_clean(url, strlen(url), path, sizeof(path));
	if (rc == TFTP_P_EMPTY) {
		/* "/": the status page is what a person opening the server
		 * wants. */
		return send_empty(con, rq, 302, MHD_HTTP_HEADER_LOCATION, "/status");
	}
	if (rc == 0)
		rc = h.rootfd < 0 ? TFTP_P_NOTFOUND : tftp_path_open(h.rootfd, path, &size);
	if (rc < 0) {
		if (rc == TFTP_P_NOTFOUND)
			return send_text(con, rq, 404, "404 not found\n");
		peer_str(con, peer, sizeof(peer));
		log_warn("http %s: %s refused: %s", peer, url, tftp_path_err_name(rc));
		return send_text(con, rq, 403, "403 forbidden\n");
	}
	fd = rc;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return send_text(con, rq, 500, "500 stat failed\n");
	}
	size = (uint64_t)st.st_size;
	http_etag_format((uint64_t)st.st_ino, size,
	                 (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, etag);
	http_date_format(st.st_mtim.tv_sec, date);

	/* RFC 9110 13.2.2: If-None-Match, else If-Modified-Since. */
	hdr = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if ((hdr && http_etag_match(hdr, etag)) ||
	    (!hdr &&
	     (hdr = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
	                                        MHD_HTTP_HEADER_IF_MODIFIED_SINCE)) &&
	     http_date_parse(hdr, &t) == 0 && st.st_mtim.tv_sec <= t)) {
		close(fd);
		return send_empty(con, rq, 304, MHD_HTTP_HEADER_ETAG, etag);
	}

	len = size;
	hdr = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
	if (hdr &&
	    if_range_ok(MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_RANGE),
	                etag, st.st_mtim.tv_sec)) {
		rc = http_range_parse(hdr, size, &off, &len);
		if (rc == HTTP_RANGE_UNSAT) {
			close(fd);
			snprintf(range, sizeof(range), "bytes */%" PRIu64, size);
			return send_empty(con, rq, 416, MHD_HTTP_HEADER_CONTENT_RANGE, range);
		}
		if (rc == HTTP_RANGE_OK) {
			code = 206;
			snprintf(range, sizeof(range), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
			         off, off + len - 1, size);
		} else {
			off = 0;
			len = size;
		}
	}
	/* MHD sends it with sendfile() and closes fd with the response. */
	r = MHD_create_response_from_fd_at_offset64(len, fd, off);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(path));
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	if (code == 206)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, range);
	ok = MHD_queue_response(con, code, r);
	MHD_destroy_response(r);
	count(rq->route, code, len);
	if (inventory_mac_of(peer_ip(con), mac) == 0)
		timeline_note(mac, TL_HTTP_ASSET, "%s (%" PRIu64 " bytes%s)", path, len,
		              code == 206 ? ", range" : "");
	return ok;
}

/* ---- /metrics, /status, /api --------------------------------------------- */

static enum MHD_Result serve_metrics(struct MHD_Connection *con, struct req *rq)
{
	struct buf b;

	buf_init(&b);
	server_metrics(&b);
	return send_built(con, rq, "text/plain; version=0.0.4; charset=utf-8", &b);
}

void http_metrics(struct buf *b)
{
	const union MHD_DaemonInfo *di =
	        h.mhd ? MHD_get_daemon_info(h.mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS) : NULL;
	char code[8];
	size_t r, i;

	metrics_family(b, "rackboot_http_requests_total", "counter",
	               "HTTP requests answered, by route and status code.");
	for (r = 0; r < R_N; r++)
		for (i = 0; i <= NCODES; i++) {
			const char *l[] = {"route", route_names[r], "code", code, NULL};

			if (!h.n.req[r][i])
				continue;
			if (i < NCODES)
				snprintf(code, sizeof(code), "%u", codes[i]);
			else
				snprintf(code, sizeof(code), "other");
			metrics_sample(b, "rackboot_http_requests_total", l, (double)h.n.req[r][i]);
		}
	metrics_family(b, "rackboot_http_response_bytes_total", "counter",
	               "Bytes of response bodies queued, by route.");
	for (r = 0; r < R_N; r++) {
		const char *l[] = {"route", route_names[r], NULL};

		metrics_sample(b, "rackboot_http_response_bytes_total", l, (double)h.n.bytes[r]);
	}
	metrics_family(b, "rackboot_http_scripts_refused_total", "counter",
	               "Boot scripts refused to an address not leased to their machine.");
	metrics_sample(b, "rackboot_http_scripts_refused_total", NULL, (double)h.n.denied);
	metrics_family(b, "rackboot_http_foreign_connections_total", "counter",
	               "Connections to an address not on server.interfaces, closed unanswered.");
	metrics_sample(b, "rackboot_http_foreign_connections_total", NULL, (double)h.n.foreign);
	metrics_family(b, "rackboot_http_limited_total", "counter",
	               "Connections refused because their address had http.max_per_address "
	               "open, or closed because their request was not complete in time "
	               "(http.header_timeout after accept, http.timeout + header_timeout "
	               "after an answer).");
	{
		const char *a[] = {"limit", "max_per_address", NULL};
		const char *t[] = {"limit", "header_timeout", NULL};

		metrics_sample(b, "rackboot_http_limited_total", a, (double)h.n.per_address);
		metrics_sample(b, "rackboot_http_limited_total", t, (double)h.n.slow);
	}
	metrics_family(b, "rackboot_http_template_reloads_refused_total", "counter",
	               "Reloads whose templates had errors, so the templates before stayed.");
	metrics_sample(b, "rackboot_http_template_reloads_refused_total", NULL,
	               (double)h.n.template_errors);
	metrics_family(b, "rackboot_http_request_duration_seconds", "histogram",
	               "Time from a request's arrival to its last byte handed to the kernel.");
	metrics_hist(b, "rackboot_http_request_duration_seconds", NULL, &h.dur);
	metrics_family(b, "rackboot_http_connections", "gauge", "Open HTTP connections.");
	metrics_sample(b, "rackboot_http_connections", NULL, di ? (double)di->num_connections : 0);
	metrics_family(b, "rackboot_http_templates", "gauge", "iPXE script templates loaded.");
	metrics_sample(b, "rackboot_http_templates", NULL, script_set_count(h.scripts));
	metrics_family(b, "rackboot_http_override_scripts", "gauge",
	               "Scripts in the override folder.");
	metrics_sample(b, "rackboot_http_override_scripts", NULL, (double)h.nov);
}

static enum MHD_Result serve_api(struct MHD_Connection *con, struct req *rq, const char *url)
{
	uint8_t mac[MAC_LEN];
	struct buf b;
	int rc;

	buf_init(&b);
	if (strcmp(url, "/api/nodes") == 0) {
		rc = api_nodes(&b);
	} else if (strcmp(url, "/api/leases") == 0) {
		rc = api_leases(&b);
	} else if (strncmp(url, "/api/nodes/", 11) == 0 &&
	           mac_parse(url + 11, strlen(url + 11), mac) == 0) {
		rc = api_node(&b, mac);
		if (rc == -ENOENT) {
			static const char none[] = "{\"error\":\"no such machine\"}\n";
			char *p = strdup(none);

			buf_free(&b);
			if (!p)
				return MHD_NO;
			return send_buf(con, rq, 404, "application/json", p, sizeof(none) - 1, 1);
		}
	} else {
		buf_free(&b);
		return send_text(con, rq, 404, "404 not found\n");
	}
	(void)rc;
	buf_puts(&b, "\n");
	return send_built(con, rq, "application/json", &b);
}

static enum MHD_Result serve_status(struct MHD_Connection *con, struct req *rq)
{
	struct buf b;

	buf_init(&b);
	api_status_html(&b);
	return send_built(con, rq, "text/html; charset=utf-8", &b);
}

/* ---- libmicrohttpd callbacks ------------------------------------------- */

/* ---- per-address limits and request deadlines ------------------------- */

/* Loopback (a Prometheus on the host) and http.allow (operators, benches)
 * are not held to http.max_per_address. */
static int exempt(uint32_t ip)
{
	const struct conf *c = cf();
	size_t i;

	if ((ip >> 24) == 127)
		return 1;
	for (i = 0; i < c->http.allow.n; i++)
		if (ipv4_prefix_contains(&c->http.allow.v[i], ip))
			return 1;
	return 0;
}

/* Connections open from @p ip: O(connections), on accept only. */
static unsigned conns_from(uint32_t ip)
{
	const struct hconn *hc;
	unsigned n = 0;

	for (hc = h.conns; hc; hc = hc->next)
		n += hc->ip == ip;
	return n;
}

/* libmicrohttpd's accept policy: called before a connection is set up;
 * MHD_NO closes it at once. */
static enum MHD_Result http_on_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
	char a[IPV4_STRLEN], m[RATELOG_MORE];
	uint64_t more = 0;
	unsigned n;
	uint32_t ip;

	(void)cls;
	if (!sa || len < (socklen_t)sizeof(*sin) || sa->sa_family != AF_INET)
		return MHD_YES;
	ip = ntohl(sin->sin_addr.s_addr);
	if (exempt(ip) || (n = conns_from(ip)) < (unsigned)cf()->http.max_per_address)
		return MHD_YES;
	h.n.per_address++;
	if (ratelog_check(&h.rl_addr, ip, uv_now(h.loop), &more))
		log_warn("http %s: connection refused: %u open from that address "
		         "(http.max_per_address)%s",
		         ipv4_format(ip, a), n, ratelog_more(more, m));
	return MHD_NO;
}

/* The connection of a libmicrohttpd connection, or NULL. */
static struct hconn *hconn_of(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *si =
	        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return si ? si->socket_context : NULL;
}

/* @p hc waits for a request again; it must be complete in @p secs. */
static void hconn_wait(struct hconn *hc, int secs)
{
	hc->waiting = 1;
	hc->deadline_ms = uv_now(h.loop) + (uint64_t)secs * 1000;
}

/* Shut down the connections whose request is late.  O(connections) every
 * half second while there are any; shutdown() makes the socket readable,
 * and libmicrohttpd then closes it as a peer's close. */
static void http_on_sweep(uv_timer_t *t)
{
	uint64_t now = uv_now(h.loop);
	struct hconn *hc;

	(void)t;
	if (!h.conns) {
		uv_timer_stop(&h.sweep);
		return;
	}
	for (hc = h.conns; hc; hc = hc->next) {
		const union MHD_ConnectionInfo *ci;
		char a[IPV4_STRLEN], m[RATELOG_MORE];
		uint64_t more = 0;

		if (!hc->waiting || hc->cut || now < hc->deadline_ms)
			continue;
		ci = MHD_get_connection_info(hc->con, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci)
			continue;
		hc->cut = 1;
		h.n.slow++;
		shutdown(ci->connect_fd, SHUT_RDWR);
		if (ratelog_check(&h.rl_slow, hc->ip, now, &more))
			log_warn("http %s: request not complete in time (http.header_timeout "
			         "%d s after accept or %d s after an answer); connection closed%s",
			         ipv4_format(hc->ip, a), cf()->http.header_timeout,
			         cf()->http.timeout + cf()->http.header_timeout,
			         ratelog_more(more, m));
	}
}

static void *http_on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct req *rq = calloc(1, sizeof(*rq));

	(void)cls;
	(void)uri;
	if (rq) {
		rq->start_ns = now_ns();
		rq->hc = hconn_of(con);
		h.inflight++;
	}
	return rq;
}

static void http_on_done(void *cls, struct MHD_Connection *con, void **ptr,
                         enum MHD_RequestTerminationCode why)
{
	struct req *rq = *ptr;

	(void)cls;
	(void)con;
	(void)why;
	if (!rq)
		return;
	/* Kept alive: the next request is due within http.timeout, and
	 * header_timeout more.  An idle connection is closed by libmicrohttpd
	 * at http.timeout first, unremarked; only one kept open by a trickle of
	 * bytes is still there at this deadline. */
	if (rq->hc)
		hconn_wait(rq->hc, cf()->http.timeout + cf()->http.header_timeout);
	hist_observe(&h.dur, (double)(now_ns() - rq->start_ns) / 1e9);
	h.inflight--;
	free(rq);
	*ptr = NULL;
}

/* A connection opens or closes.  The listening socket takes every
 * address, so whether its address is served is checked once here, and the
 * requests of a foreign one are refused by closing. */
static void http_on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                               enum MHD_ConnectionNotificationCode toe)
{
	struct hconn *hc = *socket_context;

	(void)cls;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (!hc)
			return;
		if (hc->prev)
			hc->prev->next = hc->next;
		else
			h.conns = hc->next;
		if (hc->next)
			hc->next->prev = hc->prev;
		h.nconns--;
		free(hc);
		*socket_context = NULL;
		return;
	}
	hc = calloc(1, sizeof(*hc));
	if (!hc) {
		/* untracked: no limit applies, and the request is refused */
		return;
	}
	hc->con = con;
	hc->ip = peer_ip(con);
	if (!server_serves_addr(local_ip(con))) {
		hc->foreign = 1;
		h.n.foreign++;
	}
	hconn_wait(hc, cf()->http.header_timeout);
	hc->next = h.conns;
	if (h.conns)
		h.conns->prev = hc;
	h.conns = hc;
	h.nconns++;
	*socket_context = hc;
	if (!uv_is_active((uv_handle_t *)&h.sweep))
		uv_timer_start(&h.sweep, http_on_sweep, 500, 500);
}

static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *con, const char *url,
                                       const char *method, const char *version, const char *upload,
                                       size_t *upload_size, void **ptr)
{
	struct req *rq = *ptr;
	uint8_t mac[MAC_LEN];

	(void)cls;
	(void)version;
	(void)upload;
	if (!rq)
		return MHD_NO; /* out of memory at the URI callback */
	/* Answer on the last call, once the request (and any body, which is
	 * read and dropped) is complete: a response queued earlier makes
	 * libmicrohttpd close the connection, and iPXE and wrk keep theirs. */
	if (!rq->seen) {
		if (!rq->hc || rq->hc->foreign)
			return MHD_NO; /* server.interfaces: not served here */
		rq->seen = 1;
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			/* at once, body unread (libmicrohttpd then closes):
			 * a slow body of a POST holds nothing */
			rq->answered = 1;
			rq->hc->waiting = 0;
			rq->route = R_OTHER;
			return send_text(con, rq, 405, "405 only GET and HEAD\n");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	rq->answered = 1;
	rq->hc->waiting = 0; /* complete: the transfer has http.timeout (idle) */
	if (http_boot_path(url, mac) == 0) {
		rq->route = R_SCRIPT;
		return serve_script(con, rq, mac);
	}
	if (strcmp(url, "/metrics") == 0) {
		rq->route = R_METRICS;
		return serve_metrics(con, rq);
	}
	if (strcmp(url, "/status") == 0) {
		rq->route = R_STATUS;
		return serve_status(con, rq);
	}
	if (strncmp(url, "/api/", 5) == 0) {
		rq->route = R_API;
		return serve_api(con, rq, url);
	}
	rq->route = R_STATIC;
	return serve_static(con, rq, url);
}

static void http_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: libmicrohttpd: %s", msg);
}

/* ---- the loop ------------------------------------------------------------- */

static void http_on_timer(uv_timer_t *t);

static void run_mhd(void)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (!h.mhd)
		return;
	MHD_run(h.mhd);
	if (MHD_get_timeout(h.mhd, &ms) == MHD_YES)
		uv_timer_start(&h.timer, http_on_timer, ms, 0);
	else
		uv_timer_stop(&h.timer);
}

static void http_on_timer(uv_timer_t *t)
{
	(void)t;
	run_mhd();
}

static void http_on_poll(uv_poll_t *p, int status, int events)
{
	(void)p;
	(void)events;
	if (status < 0)
		log_warn("http: poll: %s", uv_strerror(status));
	run_mhd();
}

static int open_root(const struct conf *c)
{
	int fd = open(c->http.root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		log_warn("http.root %s: %s; no static files are served", c->http.root,
		         strerror(errno));
		return -1;
	}
	return fd;
}

int http_start(uv_loop_t *loop, const struct conf *c)
{
	static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	                                0.25,   0.5,   1,      2.5,   5,    10,    30,   60};
	const union MHD_DaemonInfo *di;
	int rc;

	if (!c->http.enable)
		return 0;
	h.loop = loop;
	hist_init(&h.dur, bounds, sizeof(bounds) / sizeof(bounds[0]));
	h.rootfd = open_root(c);
	load_scripts(c, 0);
	watch_overrides(c);
	ratelog_init(&h.rl_addr, 10000);
	ratelog_init(&h.rl_slow, 10000);
	ratelog_init(&h.rl_denied, 10000);
	rc = uv_timer_init(loop, &h.sweep);
	if (rc < 0)
		return rc;
	h.sweep_init = 1;
	h.mhd = MHD_start_daemon(
	        MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG, (uint16_t)c->http.port,
	        http_on_accept, NULL, http_on_request, NULL,
	        /* first, so that libmicrohttpd's own messages about the other
	         * options reach rackboot's log too */
	        MHD_OPTION_EXTERNAL_LOGGER, http_on_mhd_log, NULL, MHD_OPTION_URI_LOG_CALLBACK,
	        http_on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, http_on_done, NULL,
	        MHD_OPTION_NOTIFY_CONNECTION, http_on_connection, NULL, MHD_OPTION_CONNECTION_LIMIT,
	        (unsigned)c->http.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	        (unsigned)c->http.timeout, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
	        /* libmicrohttpd zeroes a connection's memory pool between
	         * requests; its 32 KiB default made that memset a tenth of the
	         * CPU of a script request.  Requests here are a line and a few
	         * headers; responses are not built in the pool. */
	        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
	        MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_END);
	if (!h.mhd) {
		log_err("http: cannot listen on port %d (is it in use?)", c->http.port);
		return -EADDRINUSE;
	}
	di = MHD_get_daemon_info(h.mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!di) {
		log_err("http: libmicrohttpd has no epoll descriptor");
		return -ENOTSUP;
	}
	rc = uv_timer_init(loop, &h.timer);
	if (rc < 0)
		return rc;
	h.timer_init = 1;
	rc = uv_poll_init(loop, &h.poll, di->epoll_fd);
	if (rc < 0)
		return rc;
	h.poll_init = 1;
	rc = uv_poll_start(&h.poll, UV_READABLE, http_on_poll);
	if (rc < 0)
		return rc;
	run_mhd();
	log_info("http: listening on port %d", c->http.port);
	return 0;
}

void http_reload(const struct conf *old, const struct conf *nc)
{
	if (!h.mhd)
		return;
	if (old->http.port != nc->http.port ||
	    old->http.max_connections != nc->http.max_connections ||
	    old->http.timeout != nc->http.timeout || old->http.enable != nc->http.enable)
		log_warn(
		        "reload: http.enable, port, max_connections and timeout take effect at the "
		        "next restart");
	load_scripts(nc, 1);
	watch_overrides(nc);
	if (strcmp(old->http.root, nc->http.root) != 0) {
		if (h.rootfd >= 0)
			close(h.rootfd);
		h.rootfd = open_root(nc);
	}
}

void http_stop(void)
{
	MHD_socket fd;

	if (!h.mhd || h.stopped)
		return;
	h.stopped = 1;
	fd = MHD_quiesce_daemon(h.mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

unsigned http_busy(void)
{
	return h.inflight;
}

void http_log_state(void)
{
	uint64_t total = 0;
	size_t r, i;

	for (r = 0; r < R_N; r++)
		for (i = 0; i <= NCODES; i++)
			total += h.n.req[r][i];
	log_info("http: %" PRIu64 " requests, %u in flight, %" PRIu64 " scripts refused, "
	         "%u templates, %zu overrides",
	         total, h.inflight, h.n.denied, script_set_count(h.scripts), h.nov);
}

static void http_on_close(uv_handle_t *hd)
{
	(void)hd;
}

void http_close(void)
{
	if (h.poll_init) {
		uv_poll_stop(&h.poll);
		uv_close((uv_handle_t *)&h.poll, http_on_close);
		h.poll_init = 0;
	}
	if (h.timer_init) {
		uv_close((uv_handle_t *)&h.timer, http_on_close);
		h.timer_init = 0;
	}
	if (h.sweep_init) {
		uv_close((uv_handle_t *)&h.sweep, http_on_close);
		h.sweep_init = 0;
	}
	if (h.watch_init) {
		uv_close((uv_handle_t *)&h.watch, http_on_close);
		h.watch_init = 0;
		h.watching = 0;
	}
	if (h.mhd) {
		MHD_stop_daemon(h.mhd);
		h.mhd = NULL;
	}
	if (h.rootfd >= 0) {
		close(h.rootfd);
		h.rootfd = -1;
	}
	script_set_free(h.scripts);
	h.scripts = NULL;
	overrides_clear();
	free(h.odir);
	h.odir = NULL;
}
