/* SPDX-License-Identifier: MIT */
/*
 * inventory.c - the node inventory (see inventory.h): the one place that
 * answers "which MAC is at this address" for the other services.  It owns
 * nothing; it reads the lease table through dhcp_mac_of() and the active
 * configuration's nodes, and must not learn of any other source without
 * the design notes (ARCHITECTURE.md) saying so.
 */
#include <errno.h>
#include <string.h>

#include "core/server.h"
#include "dhcp/dhcp.h"
#include "dhcp/inventory.h"

const struct conf_node *inventory_node_by_ip(const struct conf *c, uint32_t ip)
{
	size_t i;

	for (i = 0; ip && i < c->nnodes; i++)
		if (c->nodes[i].ip == ip)
			return &c->nodes[i];
	return NULL;
}

int inventory_mac_of(uint32_t ip, uint8_t mac[6])
{
	const struct conf_node *n;

	if (dhcp_mac_of(ip, mac) == 0)
		return 0;
	n = inventory_node_by_ip(server.conf, ip);
	if (!n)
		return -ENOENT;
	memcpy(mac, n->mac, 6);
	return 0;
}
