/* SPDX-License-Identifier: MIT */
/*
 * netif.h - a live view of the host's network interfaces and their IPv4
 * addresses, kept by a libnl route socket that the loop watches.  Links and
 * addresses coming and going are logged and announced to subscribers, so the
 * servers follow them without a restart.  Only the loop thread calls these.
 */
#ifndef RACKBOOT_NETIF_H
#define RACKBOOT_NETIF_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/** What changed. */
enum netif_event {
	NETIF_LINK_NEW,  /* a link appeared */
	NETIF_LINK_DEL,  /* a link went away */
	NETIF_LINK_UP,   /* a link became operational */
	NETIF_LINK_DOWN, /* a link stopped being operational */
	NETIF_ADDR_NEW,  /* an IPv4 address was added */
	NETIF_ADDR_DEL,  /* an IPv4 address was removed */
};

/** An IPv4 address of an interface. */
struct netif_addr {
	uint32_t addr; /* host byte order */
	unsigned len;  /* prefix length */
};

/**
 * Called on the loop for every change.
 *
 * @v ev	what changed
 * @v ifindex	interface index
 * @v name	interface name
 * @v addr	the address for NETIF_ADDR_*, NULL otherwise
 * @v arg	the subscriber's argument
 */
typedef void (*netif_cb)(enum netif_event ev, int ifindex, const char *name,
                         const struct netif_addr *addr, void *arg);

/**
 * Open the route socket, load the current links and addresses and start
 * watching for changes on @p loop.
 *
 * @ret rc	0 or -errno
 */
int netif_start(uv_loop_t *loop);

/** Stop watching and free the view; the poll handle is closed on the loop. */
void netif_stop(void);

/**
 * Subscribe to changes.  At most a few subscribers (one per server).
 *
 * @ret rc	0, or -ENOSPC
 */
int netif_subscribe(netif_cb cb, void *arg);

/** Remove a subscription made with the same @p cb and @p arg. */
void netif_unsubscribe(netif_cb cb, void *arg);

/** Interface index of @p name, or 0 if there is none. */
int netif_index(const char *name);

/** Copy the name of interface @p ifindex into @p buf (IFNAMSIZ); -ENODEV. */
int netif_name(int ifindex, char *buf);

/** MTU of an interface (1500 when unknown). */
unsigned netif_mtu(int ifindex);

/** Non-zero if the interface is up and running. */
int netif_is_up(int ifindex);

/**
 * The IPv4 addresses of an interface.
 *
 * @v ifindex	interface
 * @v out	array of @p max entries
 * @v max	capacity of @p out
 * @ret n	number of addresses (may exceed @p max; only @p max are copied)
 */
size_t netif_addrs(int ifindex, struct netif_addr *out, size_t max);

/** The interface that has IPv4 address @p addr, or 0. */
int netif_index_of(uint32_t addr);

/**
 * The address a server answering on @p ifindex should speak from for a
 * client at @p peer (0 = any): the first address whose prefix contains
 * @p peer, else the first address.
 *
 * @ret rc	0, or -EADDRNOTAVAIL
 */
int netif_source_addr(int ifindex, uint32_t peer, uint32_t *out);

/**
 * Install a neighbour (ARP) entry ip -> mac on an interface, replacing any,
 * so that a DHCP reply can be unicast to a client that has no address yet
 * (RFC 2131 4.1), as the kernel would after an ARP reply.  Needs
 * CAP_NET_ADMIN.  One netlink round trip to the local kernel.
 *
 * @ret rc	0 or -errno
 */
int netif_neigh_set(int ifindex, uint32_t ip, const uint8_t mac[6]);

/**
 * The MAC of neighbour @p ip (host byte order) on @p ifindex, from the
 * kernel's neighbour (ARP) table: an entry the kernel would send to
 * (reachable, stale, delay, probe, permanent).  One netlink round trip to
 * the local kernel, which answers at once.
 *
 * @ret rc	0, -ENOENT (no usable entry), or another -errno
 */
int netif_neigh_get(int ifindex, uint32_t ip, uint8_t mac[6]);
/** Log every interface and its addresses at LOG_INFO (for SIGUSR1). */
void netif_log_view(void);

#endif
