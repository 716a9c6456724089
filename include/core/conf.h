/* SPDX-License-Identifier: MIT */
/*
 * conf.h - rackboot's configuration: one libconfig file parsed into one typed
 * struct and validated completely before anything uses it.  A schema table in
 * conf.c is the single source of truth for every setting's name, type, range
 * and default; rackboot.conf(5) documents exactly that table, and a unit test
 * holds the two together.
 *
 * A struct conf is immutable once loaded.  The active one is swapped on
 * SIGHUP; work in flight that still needs the old one holds a reference.
 */
#ifndef RACKBOOT_CONF_H
#define RACKBOOT_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"

enum dhcp_mode { DHCP_MODE_FULL, DHCP_MODE_PROXY };
enum unknown_policy { UNKNOWN_INHERIT = -1, UNKNOWN_SERVE, UNKNOWN_IGNORE, UNKNOWN_BOOT_ONLY };
enum store_backend { STORE_FILE, STORE_RBD };

#define CHAP_SECRET_MAX 64 /* longest configured CHAP secret */

/** A list of strings; owned by the struct conf it is part of. */
struct conf_strlist {
	char **v;
	size_t n;
};

/** A list of IPv4 addresses, host byte order. */
struct conf_ipv4list {
	uint32_t *v;
	size_t n;
};

/** One free-form template variable of a node. */
struct conf_var {
	char *key;
	char *value;
};

/** A list of IPv4 prefixes (a bare address is a /32). */
struct conf_prefixlist {
	struct ipv4_prefix *v;
	size_t n;
};

/** Where a setting came from, for messages after loading. */
struct conf_src {
	const char *file; /* borrowed from struct conf's file table */
	int line;
};

/** A classless static route (RFC 3442), dhcp.pools.routes. */
struct conf_route {
	struct conf_src src; /* first: every list element starts with it */
	struct ipv4_prefix prefix;
	uint32_t via;
};

/** An extra DHCP option from the configuration (pools.options, nodes.options). */
struct conf_option {
	struct conf_src src;
	int code;   /* 1..254 */
	char *text; /* exactly one of text, hex, addresses, u8, u16, u32 */
	char *hex;
	struct conf_ipv4list addresses;
	int u8, u16, u32;  /* -1 when absent */
	uint8_t data[255]; /* the encoded value, filled in at load */
	uint8_t len;
};

/** An address pool of one subnet (dhcp.pools). */
struct conf_pool {
	struct conf_src src;
	struct ipv4_prefix subnet;
	uint32_t range[2]; /* first and last dynamic address; 0,0 = none */
	uint32_t router;   /* 0 = none */
	struct conf_ipv4list dns;
	struct conf_ipv4list ntp;
	char *domain;        /* NULL = none */
	int lease_time;      /* seconds; inherited from dhcp.lease_time */
	int mtu;             /* 0 = none */
	int unknown_clients; /* enum unknown_policy, inherited from dhcp */
	int ipxe_replace;    /* hand iPXE the binary once per boot */
	int new_lease_burst; /* new leases to unknown MACs at once; 0: no limit */
	int new_lease_rate;  /* ... and per second after; both inherited from dhcp */
	struct conf_route *routes;
	size_t nroutes;
	struct conf_option *options;
	size_t noptions;
};

/** A machine of the rack (nodes). */
/* A volume on an existing iSCSI gateway instead of rackboot's own target. */
struct conf_external {
	char *portal; /* "address[:port]" as written */
	uint32_t ip;  /* parsed from portal */
	int port;     /* 3260 unless given */
	char *target; /* the gateway's target name */
	int lun;
	char *chap_user; /* NULL: no CHAP */
	char *chap_secret;
};

struct conf_node {
	struct conf_src src;
	uint8_t mac[MAC_LEN];
	char *hostname;
	uint32_t ip;                   /* 0 = dynamic */
	char *template;                /* template name, without ".ipxe" */
	char *volume;                  /* defaults to the host name */
	uint64_t size;                 /* bytes */
	char *chap_user;               /* defaults to the host name */
	char *chap_secret;             /* NULL: derived from the server key (secret.c) */
	char *initiator;               /* only this initiator IQN may log in (NULL: any) */
	struct conf_external external; /* external.target set: not served by rackboot */
	char *kernel;                  /* linux template: file under http.root (or NULL) */
	char *initrd;
	char *cmdline;
	int ipxe_replace; /* -1: as its pool's ipxe_replace */
	struct conf_var *vars;
	size_t nvars;
	struct conf_option *options;
	size_t noptions;
};

/** The whole configuration.  Owner: whoever holds a reference. */
struct conf {
	int refs;
	char *path;   /* file it was read from */
	char **files; /* every file read, for struct conf_src */
	size_t nfiles;
	unsigned generation; /* set by the server on swap-in */
	struct conf_where_ent {
		char *path; /* "server.user"; settings outside lists only */
		struct conf_src src;
	} * where;
	size_t nwhere;

	struct {
		struct conf_strlist interfaces;
		char *state_dir;
		char *user;
		char *group;
		char *pid_file;
		int log_level;        /* syslog priority */
		int log_facility;     /* syslog facility */
		int shutdown_timeout; /* seconds */
	} server;
	struct {
		int enable;
		int mode;          /* enum dhcp_mode */
		int authoritative; /* NAK requests for addresses not theirs */
		int decline_time;  /* seconds a declined address is quarantined */
		struct {
			char *bios;      /* option 93 arch 0 */
			char *efi_ia32;  /* 6 */
			char *efi_x64;   /* 7, 9, and HTTP boot 16 */
			char *efi_arm32; /* 10 */
			char *efi_arm64; /* 11, and HTTP boot 19 */
		} boot;
		char *ipxe_url; /* handed to iPXE instead of its script's URL (NULL: none) */
		int lease_time;
		int unknown_clients; /* enum unknown_policy */
		int new_lease_burst; /* defaults of the pools' new-lease limit */
		int new_lease_rate;
		struct conf_pool *pools;
		size_t npools;
	} dhcp;
	struct {
		int enable;
		int port;
		char *root;
		int blksize_max;   /* RFC 2348 cap; the path MTU caps it further */
		int window_max;    /* RFC 7440 cap */
		int timeout;       /* seconds, when the client negotiates none */
		int retries;       /* sends of one window before giving up */
		int max_transfers; /* beyond: ERROR "server busy" */
		int max_per_addr;  /* transfers of one client address at once */
		int port_min;      /* transfer ports; 0 = any ephemeral port */
		int port_max;
		int per_node; /* look in <root>/<mac>/ first */
	} tftp;
	struct {
		int enable;
		int port;
		char *root;
		struct conf_prefixlist allow; /* may fetch any node's script */
		int max_connections;
		int timeout;         /* idle seconds before a connection is closed */
		int max_per_address; /* connections from one address (not http.allow) */
		int header_timeout;  /* seconds from accept to a complete request */
	} http;
	struct {
		char *templates;
		char *overrides;
		char *default_template;
		char *fallback;
		char *kernel; /* defaults of the nodes' kernel, initrd, cmdline */
		char *initrd;
		char *cmdline;
	} ipxe;
	struct {
		int enable;
		int port;
		char *iqn_prefix;
		char *chap_key;     /* NULL: <state_dir>/chap.key, made at first start */
		int discovery_chap; /* discovery sessions must use CHAP */
		int queue_depth;    /* commands outstanding per session (MaxCmdSN window) */
		int max_connections;
		int nop_interval;           /* idle seconds before a NOP-In ping; 0: never */
		int max_per_address;        /* connections from one address */
		int max_logins_per_address; /* of those, not yet in full feature phase */
		int login_timeout;          /* seconds from accept to full feature phase */
	} iscsi;
	struct {
		int backend; /* enum store_backend */
		char *dir;
		char *golden;    /* new volumes are cloned from it: a file, or an RBD
		                    "[pool/]image@snap" */
		char *ceph_conf; /* rbd: the cluster's ceph.conf */
		char *client;    /* rbd: the cephx id, without "client." */
		char *keyring;   /* rbd: NULL: what ceph.conf says */
		char *pool;      /* rbd: where the nodes' images are */
		int timeout;     /* rbd: seconds for a connect or an I/O */
	} storage;
	struct conf_node *nodes;
	size_t nnodes;
	/* Open-addressed index of nodes by MAC, built once at load (power of
	 * two slots, at most half full); see conf_node_by_mac(). */
	struct conf_node **node_index;
	size_t node_index_cap;
};

/** Severity of a diagnostic. */
enum conf_sev { CONF_WARNING, CONF_ERROR };

/** One diagnostic: "file:line: text". */
struct conf_msg {
	enum conf_sev sev;
	char *file;
	int line;
	char *text;
};

/** Diagnostics collected while loading.  Owner: the caller. */
struct conf_diag {
	struct conf_msg *v;
	size_t n, cap;
	size_t errors;
};

/**
 * Read and validate a configuration file.
 *
 * @v path	file name; "@include" directives resolve relative to its folder
 * @v d		receives every error and warning, each with file and line
 * @ret conf	a new configuration holding one reference, or NULL when the
 *		file has any error (d->errors > 0)
 */
struct conf *conf_load(const char *path, struct conf_diag *d);

/**
 * Parse and validate configuration text; as conf_load() but from memory,
 * for tests and fuzzing.  "@include" is not allowed here.
 *
 * @v text	NUL-terminated configuration
 * @v name	file name to report in diagnostics
 * @v d		diagnostics
 * @ret conf	configuration or NULL
 */
struct conf *conf_parse_string(const char *text, const char *name, struct conf_diag *d);

/** Take another reference. */
struct conf *conf_ref(struct conf *c);

/** Drop a reference; the last one frees.  NULL is ignored. */
void conf_unref(struct conf *c);

/** Free the messages of @p d and reset it. */
void conf_diag_fini(struct conf_diag *d);

/** Print every message as "file:line: error: text" to @p f. */
void conf_diag_print(const struct conf_diag *d, FILE *f);

/**
 * Where a setting outside the lists was set, for messages about it later.
 *
 * @v path	dotted name, "server.user"
 * @ret src	its file and line, or NULL when it took its default
 */
const struct conf_src *conf_where(const struct conf *c, const char *path);

/**
 * Carry the settings that only take effect at restart (F_RESTART in the
 * schema: server.state_dir, user, group, pid_file, storage.backend and the
 * Ceph connection's settings) from the running
 * configuration into a newly loaded one, so the new one describes what is
 * really in force.
 *
 * @v nc	the new configuration, changed in place
 * @v old	the running one
 * @v cb	called with the dotted name of each setting that differed
 */
void conf_keep_restart(struct conf *nc, const struct conf *old,
                       void (*cb)(const char *path, void *arg), void *arg);

/** Non-zero if server.interfaces covers interface @p name ([] means every
 *  interface but lo). */
int conf_serves_interface(const struct conf *c, const char *name);

/** Look up a node by MAC; NULL if it is not configured.  O(1) average. */
const struct conf_node *conf_node_by_mac(const struct conf *c, const uint8_t mac[MAC_LEN]);

/** Name of a syslog priority as used in the config ("info"), or "?". */
const char *conf_log_level_name(int level);

/** Whether @p url may be dhcp.ipxe_url: an http://, https:// or tftp://
 *  URL of at most 127 printable bytes without spaces. */
int conf_url_valid(const char *url);

/**
 * Visit every setting the schema accepts, depth first, for documentation
 * checks.  @p path is dotted ("dhcp.pools.subnet"); @p group is the dotted
 * path of the group holding it ("dhcp.pools", "" at the top); @p def is the
 * default as rackboot.conf(5) shows it ("required", "none" or a value).
 */
void conf_schema_visit(void (*cb)(const char *group, const char *key, const char *type,
                                  const char *def, void *arg),
                       void *arg);

#endif
