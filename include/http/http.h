/* SPDX-License-Identifier: MIT */
/*
 * http.h - the HTTP service: libmicrohttpd driven by the loop (its epoll fd
 * under a uv_poll_t, a uv_timer_t following MHD_get_timeout()), serving each
 * machine's iPXE script (override file, else template), static files under
 * http.root, /metrics, /status and the JSON API.  Service hooks for
 * server.c.
 */
#ifndef RACKBOOT_HTTP_H
#define RACKBOOT_HTTP_H

#include <uv.h>

#include "core/buf.h"
#include "core/conf.h"

/** Load templates, watch the override folder, open http.root, listen.
 *  @ret rc 0 or -errno */
int http_start(uv_loop_t *loop, const struct conf *c);

/** Adopt a new configuration: templates, overrides folder and root are
 *  re-read; a template set with errors is refused and the old one kept. */
void http_reload(const struct conf *old, const struct conf *nc);

/** Stop accepting connections; requests in flight finish. */
void http_stop(void);

/** Requests in flight. */
unsigned http_busy(void);

/** Log the counters (SIGUSR1). */
void http_log_state(void);

/** Write the HTTP counters in Prometheus format. */
void http_metrics(struct buf *b);

/** Close everything. */
void http_close(void);

#endif
