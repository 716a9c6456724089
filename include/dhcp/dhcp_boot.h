/* SPDX-License-Identifier: MIT */
/*
 * dhcp_boot.h - who is asking, and what it should boot.  Pure: classifies
 * a parsed request as a plain DHCP client, a PXE boot ROM, a UEFI HTTP-boot
 * client or iPXE (RFC 4578, PXE spec, iPXE's option 77 and 175), and picks
 * the iPXE binary for an architecture.  iPXE is recognised before anything
 * else, so iPXE is never handed iPXE and no chainload loop can form.
 */
#ifndef RACKBOOT_DHCP_BOOT_H
#define RACKBOOT_DHCP_BOOT_H

#include "core/conf.h"
#include "dhcp/dhcp_msg.h"

enum boot_kind {
	BOOT_NONE, /* an ordinary DHCP client (an installed OS) */
	BOOT_PXE,  /* a PXE boot ROM: gets an iPXE binary over TFTP */
	BOOT_HTTP, /* UEFI HTTP boot: gets an iPXE binary as an http URL */
	BOOT_IPXE, /* iPXE: gets the URL of its script */
};

/* RFC 4578 2.1 and the IANA registry: processor architecture types. */
enum boot_arch {
	ARCH_BIOS = 0,
	ARCH_EFI_IA32 = 6,
	ARCH_EFI_X64 = 7,
	ARCH_EFI_BC = 9, /* EFI byte code; x86-64 firmware sends it too */
	ARCH_EFI_ARM32 = 10,
	ARCH_EFI_ARM64 = 11,
	ARCH_HTTP_X64 = 16,
	ARCH_HTTP_ARM64 = 19,
};

/** The classification of one request. */
struct dhcp_boot {
	enum boot_kind kind;
	int arch;     /* option 93's first entry, or -1 when absent */
	int replaced; /* an iPXE ROM treated as a PXE ROM (dhcp.pools.ipxe_replace) */
};

/** Classify a request.  Never fails: unknown means BOOT_NONE. */
void dhcp_boot_classify(const struct dhcp_msg *m, struct dhcp_boot *b);

/**
 * The iPXE binary for an architecture (dhcp.boot in the configuration).
 * @ret name	a file name, or NULL for an architecture rackboot has no
 *		binary for
 */
const char *dhcp_boot_file(const struct conf *c, int arch);

#define DHCP_MAX_REPLY   1472 /* a DHCP message in a 1500-byte Ethernet frame */
#define DHCP_REPLY_FLOOR 548  /* RFC 2131 2: 576 minus IP and UDP headers */

/**
 * Whether iPXE asking for this machine is a ROM to replace with the binary
 * of dhcp.boot (ipxe_replace): the node's setting when it has one, else the
 * pool's.
 *
 * @v p		the pool serving the request, or NULL (proxy mode)
 * @v node	the machine's node, or NULL (unknown)
 */
int dhcp_boot_replace(const struct conf_pool *p, const struct conf_node *node);

/** The largest reply @p m accepts (option 57), within DHCP_REPLY_FLOOR and
 *  DHCP_MAX_REPLY. */
size_t dhcp_reply_max(const struct dhcp_msg *m);

/**
 * Add the boot information for a client of kind @p b: the file field and
 * the options that go with it (iPXE: its script URL and 175.176; UEFI HTTP
 * boot: a URL and "HTTPClient"; a PXE ROM: the iPXE binary, and in a proxy
 * offer "PXEClient" with PXE_DISCOVERY_CONTROL).
 *
 * @v srv	the address the client reaches rackboot at
 * @v proxy	non-zero for a proxyDHCP offer
 */
void dhcp_reply_boot(struct dhcp_out *o, const struct conf *c, const struct dhcp_msg *m,
                     const struct dhcp_boot *b, uint32_t srv, int proxy);

/**
 * Add a pool's and a node's options: with @p lease the lease time and
 * T1/T2 (OFFER, ACK), without only configuration (INFORM).
 */
void dhcp_reply_options(struct dhcp_out *o, const struct conf_pool *p, const struct conf_node *node,
                        int lease);

/**
 * Fill a proxyDHCP reply (an OFFER on port 67, an ACK on port 4011) for a
 * booting client: no address, siaddr and option 54 set to @p srv, option 60
 * "PXEClient" (a UEFI HTTP client gets "HTTPClient" instead), and the boot
 * information of dhcp_reply_boot().  The reply must be initialised with
 * dhcp_out_init() and nothing else added yet.
 *
 * @v srv	the address the client reaches rackboot at
 */
void dhcp_reply_proxy(struct dhcp_out *o, const struct conf *c, const struct dhcp_msg *m,
                      const struct dhcp_boot *b, uint32_t srv);

/** "pxe", "uefi-http", "ipxe" or "plain", for logs and timelines. */
const char *dhcp_boot_kind_name(enum boot_kind kind);

/** The kind for logs and timelines: as dhcp_boot_kind_name, but an iPXE ROM
 *  being replaced says so ("ipxe-rom-replaced"). */
const char *dhcp_boot_label(const struct dhcp_boot *b);

/** "bios", "efi-x64", ... for logs; "arch-N" style is the caller's. */
const char *dhcp_boot_arch_name(int arch);

#endif
