/* SPDX-License-Identifier: MIT */
/*
 * netif_service.h - the interface view's hooks for the service table
 * (struct service in server.h); its close hook is netif_stop() and its
 * state dump netif_log_view().
 */
#ifndef RACKBOOT_NETIF_SERVICE_H
#define RACKBOOT_NETIF_SERVICE_H

#include <uv.h>

#include "core/conf.h"

/** Start the view, log it, and warn of server.interfaces entries that do
 *  not exist.  @ret rc 0 or -errno */
int netif_service_start(uv_loop_t *loop, const struct conf *c);

/** Warn again of server.interfaces entries that do not exist. */
void netif_service_reload(const struct conf *old, const struct conf *nc);

/** Stop logging link changes of served interfaces. */
void netif_service_stop(void);

#endif
