/* SPDX-License-Identifier: MIT */
/*
 * netif_service.c - the interface view (netif.c) as a service of the loop:
 * it starts and stops the view, and tells the operator about the
 * interfaces server.interfaces names - missing at start or reload, up,
 * down or gone later.  It only logs; which requests are served is
 * server_serves_ifindex()'s question, asked of the view when they arrive.
 */
#include <stddef.h>

#include "core/log.h"
#include "core/netif.h"
#include "core/netif_service.h"
#include "core/server.h"

/* Tell the operator whether each interface named in server.interfaces is
 * there; a missing one is a typo or a link not created yet. */
static void check_interfaces(const struct conf *c)
{
	size_t i;

	for (i = 0; i < c->server.interfaces.n; i++) {
		const char *name = c->server.interfaces.v[i];

		if (!netif_index(name))
			log_warn("server.interfaces names %s, which does not exist (yet); it will "
			         "be "
			         "used when it appears",
			         name);
	}
}

static void netif_service_on_event(enum netif_event ev, int ifindex, const char *name,
                                   const struct netif_addr *addr, void *arg)
{
	(void)ifindex;
	(void)addr;
	(void)arg;
	if (!conf_serves_interface(server.conf, name))
		return;
	if (ev == NETIF_LINK_UP)
		log_notice("serving interface %s is up", name);
	else if (ev == NETIF_LINK_DOWN || ev == NETIF_LINK_DEL)
		log_notice("serving interface %s is %s", name,
		           ev == NETIF_LINK_DEL ? "gone" : "down");
}

int netif_service_start(uv_loop_t *loop, const struct conf *c)
{
	int rc = netif_start(loop);

	if (rc < 0)
		return rc;
	rc = netif_subscribe(netif_service_on_event, NULL);
	if (rc < 0)
		return rc;
	netif_log_view();
	check_interfaces(c);
	return 0;
}

void netif_service_reload(const struct conf *old, const struct conf *nc)
{
	(void)old;
	check_interfaces(nc);
}

void netif_service_stop(void)
{
	netif_unsubscribe(netif_service_on_event, NULL);
}
