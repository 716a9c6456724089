/* SPDX-License-Identifier: MIT */
/*
 * dhcp_managed.h - which DHCP options rackboot's DHCP server sets itself,
 * so that neither a configuration (dhcp.pools.options, nodes.options) nor
 * an imported one may set them too.  Pure and a leaf: it includes nothing,
 * so the configuration checks in core may ask it without core depending on
 * the DHCP server.
 */
#ifndef RACKBOOT_DHCP_MANAGED_H
#define RACKBOOT_DHCP_MANAGED_H

/** The setting to use instead of DHCP option @p code, which rackboot sets
 *  itself or refuses in dhcp.pools.options (rackboot.conf(5)), or NULL when
 *  the option may be configured. */
const char *dhcp_managed_option(int code);

#endif
