/* SPDX-License-Identifier: MIT */
/*
 * import_dnsmasq.h - `rackboot import dnsmasq`: reads a dnsmasq (and
 * tftpd-hpa) configuration one line at a time into a model of what it means
 * for booting machines, and writes the equivalent rackboot.conf.  Pure: the
 * caller reads the files (following the includes this module asks for) and
 * hands over the host's interface addresses and the time; nothing here does
 * I/O, logs or reads the clock.  Everything the model cannot express in
 * rackboot.conf becomes a warning with the file and line it came from;
 * nothing is dropped silently.
 *
 * dnsmasq's boot-file choice (dhcp-boot, pxe-service, dhcp-match, tag-if,
 * tag:/set:) is not translated line by line: the model replays it for a PXE
 * ROM of each architecture rackboot names a binary for, as dnsmasq 2.90's
 * rfc2131.c decides it (tagged dhcp-boot lines before untagged ones, the
 * last matching line winning), and reports where the answer depends on
 * something rackboot cannot see (per host, per range, or iPXE's own URL).
 */
#ifndef RACKBOOT_IMPORT_DNSMASQ_H
#define RACKBOOT_IMPORT_DNSMASQ_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"

struct import_dnsmasq;

/** What kind of text a line is. */
enum import_kind {
	IMPORT_CONF,   /* a dnsmasq configuration file: "option=value" */
	IMPORT_HOSTS,  /* a dhcp-hostsfile / dhcp-hostsdir file: dhcp-host values */
	IMPORT_OPTS,   /* a dhcp-optsfile / dhcp-optsdir file: dhcp-option values */
	IMPORT_TFTPD,  /* tftpd-hpa's /etc/default/tftpd-hpa: shell assignments */
	IMPORT_REMAP,  /* a tftpd-hpa remap file (-m) */
	IMPORT_LEASES, /* a dnsmasq lease file */
};

/** A file a line asks the caller to read next, in place of that line. */
struct import_include {
	enum import_kind kind; /* what its lines are */
	int dir;               /* 1: a folder of such files */
	char path[4096];
	/* conf-dir: the filter after the folder, as written (",*.conf" keeps
	 * only matching names, ",.bak" drops names ending so) */
	char filter[512];
};

/** One warning: something the model could not carry over. */
struct import_warn {
	const char *file; /* interned by the model; valid until _free */
	int line;
	char *text;
};

/** A lease from --leases that rackboot should keep. */
struct import_lease {
	uint8_t mac[MAC_LEN];
	uint32_t ip;
	int64_t expires; /* Unix time; dnsmasq's 0 (infinite) is mapped by _emit */
};

/** Settings dnsmasq does not give; the caller's command line. */
struct import_opts {
	const char *state_dir; /* server.state_dir */
	const char *user;      /* server.user */
	int64_t now;           /* for infinite leases */
};

/** A new, empty model.  @ret m or NULL */
struct import_dnsmasq *import_dnsmasq_new(void);

/** Free.  NULL is ignored. */
void import_dnsmasq_free(struct import_dnsmasq *m);

/**
 * Tell the model an address of this host, as dnsmasq would find it on an
 * interface: a dhcp-range without netmask takes its subnet from here, and
 * the router dnsmasq announces by default is this address.
 */
void import_dnsmasq_local(struct import_dnsmasq *m, const char *ifname, uint32_t addr,
                          unsigned prefix_len);

/**
 * Feed one line.
 *
 * @v file	the file it came from (copied)
 * @v line	its line number, from 1
 * @v text	the line, without its newline (need not be NUL-terminated)
 * @v len	its length
 * @v kind	what the file holds
 * @v inc	receives a file to read now when the line names one
 * @ret rc	1 when @p inc was filled, 0 when not, -ENOMEM
 */
int import_dnsmasq_line(struct import_dnsmasq *m, const char *file, int line, const char *text,
                        size_t len, enum import_kind kind, struct import_include *inc);

/** Record a warning found by the caller (an unreadable include). */
void import_dnsmasq_warn(struct import_dnsmasq *m, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/**
 * Write the equivalent rackboot.conf to @p out, adding the warnings about
 * what it could not express.  Call once, after every line.
 *
 * @ret rc	0 or -ENOMEM
 */
int import_dnsmasq_emit(struct import_dnsmasq *m, const struct import_opts *o, struct buf *out);

/** The warnings, in the order found.  Valid until _free. */
const struct import_warn *import_dnsmasq_warnings(const struct import_dnsmasq *m, size_t *n);

/**
 * The leases of IMPORT_LEASES lines that rackboot will serve (inside the
 * range of a pool of the emitted configuration), after _emit.  Valid until
 * _free.
 */
const struct import_lease *import_dnsmasq_leases(const struct import_dnsmasq *m, size_t *n);

/** Non-zero if @p text (one line) looks like tftpd-hpa's defaults file. */
int import_dnsmasq_is_tftpd(const char *text, size_t len);

#endif
