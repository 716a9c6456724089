/* SPDX-License-Identifier: MIT */
/*
 * inventory.h - the node inventory: which machine is at an address.  DHCP
 * owns it, because DHCP is what hands out the addresses; TFTP (per-node
 * files), HTTP (per-node scripts) and the chainload note ask it.  The
 * answers come from two places, in this order: the lease table (a bound,
 * unexpired lease: dhcp_mac_of() in dhcp.h) and the configuration (a
 * node with that static ip).  Loop thread only.
 */
#ifndef RACKBOOT_INVENTORY_H
#define RACKBOOT_INVENTORY_H

#include <stdint.h>

#include "core/conf.h"

/**
 * The machine at address @p ip (host order): the MAC holding its DHCP
 * lease, else that of the node configured with that static ip.
 *
 * @ret rc	0, or -ENOENT
 */
int inventory_mac_of(uint32_t ip, uint8_t mac[6]);

/**
 * The node of configuration @p c whose static ip is @p ip (host order),
 * or NULL (also for ip 0, which no node has).
 */
const struct conf_node *inventory_node_by_ip(const struct conf *c, uint32_t ip);

#endif
