/* SPDX-License-Identifier: MIT */
/*
 * dhcp_managed.c - the DHCP options rackboot's server writes from other
 * settings or as part of the exchange (RFC 2131, RFC 2132), and the setting
 * that stands for each.  The configuration's rules (core/conf_rules.c) and
 * `rackboot import dnsmasq` refuse these codes in option lists.  Pure: a
 * table in code, no state.
 */
#include <stddef.h>

#include "dhcp/dhcp_managed.h"

const char *dhcp_managed_option(int code)
{
	switch (code) {
	case 1:
	case 28: return "the pool's subnet";
	case 3: return "dhcp.pools.router";
	case 6: return "dhcp.pools.dns";
	case 12: return "nodes.hostname";
	case 15: return "dhcp.pools.domain";
	case 26: return "dhcp.pools.mtu";
	case 42: return "dhcp.pools.ntp";
	case 51:
	case 58:
	case 59: return "dhcp.pools.lease_time";
	case 121: return "dhcp.pools.routes";
	case 43:
	case 60:
	case 67:
	case 175: return "dhcp.boot (rackboot decides boot options)";
	case 50:
	case 52:
	case 53:
	case 54:
	case 55:
	case 57:
	case 61:
	case 82: return "nothing: it is part of the DHCP exchange itself";
	default: return NULL;
	}
}
