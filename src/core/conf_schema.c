/* SPDX-License-Identifier: MIT */
/*
 * conf_schema.c - the schema of rackboot.conf: every setting's name, kind,
 * place in struct conf, default text and range, in one table per group
 * (conf_root_keys at the top), and the walk over it that the man page
 * checks use (conf_schema_visit).  conf.c applies the schema; only this
 * file knows a setting by name.  Data and pure functions only.
 */
#include <stddef.h>
#include <stdio.h>
#include <syslog.h>

#include "conf_int.h"
#include "core/conf.h"

#ifndef DATADIR
#define DATADIR "/usr/share/rackboot"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static const char *const level_names[] = {"err", "warning", "notice", "info", "debug", NULL};
static const int level_values[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
static const char *const facility_names[] = {"daemon", "local0", "local1", "local2", "local3",
                                             "local4", "local5", "local6", "local7", NULL};
static const int facility_values[] = {LOG_DAEMON, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                      LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
static const char *const mode_names[] = {"full", "proxy", NULL};
static const int mode_values[] = {DHCP_MODE_FULL, DHCP_MODE_PROXY};
static const char *const unknown_names[] = {"serve", "ignore", "boot-only", NULL};
static const int unknown_values[] = {UNKNOWN_SERVE, UNKNOWN_IGNORE, UNKNOWN_BOOT_ONLY};
static const char *const backend_names[] = {"file", "rbd", NULL};
static const char *const dauth_names[] = {"none", "chap", NULL};
static const int dauth_values[] = {0, 1};
static const int backend_values[] = {STORE_FILE, STORE_RBD};

#define ENUM(n)  n##_names, n##_values
#define O(field) offsetof(struct conf, field)
#define P(field) offsetof(struct conf_pool, field)
#define N(field) offsetof(struct conf_node, field)

static const struct key server_keys[] = {
        {"interfaces", K_IFLIST, O(server.interfaces), "[]", 0},
        {"state_dir", K_PATH, O(server.state_dir), "\"/var/lib/rackboot\"", F_RESTART},
        {"user", K_STR, O(server.user), "\"rackboot\"", F_RESTART},
        {"group", K_STR, O(server.group), NULL, F_NONE | F_RESTART},
        {"pid_file", K_PATH, O(server.pid_file), NULL, F_NONE | F_RESTART},
        {"log_level", K_ENUM, O(server.log_level), "\"info\"", 0, 0, 0, ENUM(level)},
        {"log_facility", K_ENUM, O(server.log_facility), "\"daemon\"", 0, 0, 0, ENUM(facility)},
        {"shutdown_timeout", K_INT, O(server.shutdown_timeout), "10", 0, 0, 600},
        {NULL},
};

#define R(field) offsetof(struct conf_route, field)
static const struct key route_keys[] = {
        {"prefix", K_PREFIX, R(prefix), NULL, F_REQUIRED},
        {"via", K_IPV4, R(via), NULL, F_REQUIRED},
        {NULL},
};

#define OP(field) offsetof(struct conf_option, field)
static const struct key option_keys[] = {
        {"code", K_INT, OP(code), NULL, F_REQUIRED, 1, 254},
        {"text", K_STR, OP(text), NULL, F_NONE},
        {"hex", K_STR, OP(hex), NULL, F_NONE},
        {"addresses", K_IPV4LIST, OP(addresses), "[]", 0},
        {"u8", K_INT, OP(u8), NULL, F_UNSET, 0, 255},
        {"u16", K_INT, OP(u16), NULL, F_UNSET, 0, 65535},
        {"u32", K_INT, OP(u32), NULL, F_UNSET, 0, 2147483647},
        {NULL},
};

static const struct key pool_keys[] = {
        {"subnet", K_PREFIX, P(subnet), NULL, F_REQUIRED},
        {"range", K_RANGE, P(range), NULL, F_NONE},
        {"router", K_IPV4, P(router), NULL, F_NONE},
        {"dns", K_IPV4LIST, P(dns), "[]", 0},
        {"ntp", K_IPV4LIST, P(ntp), "[]", 0},
        {"domain", K_HOST, P(domain), NULL, F_NONE},
        {"lease_time", K_INT, P(lease_time), "dhcp.lease_time", F_INHERIT, 60, 31536000},
        {"mtu", K_INT, P(mtu), NULL, F_NONE, 576, 65535},
        {"unknown_clients", K_ENUM, P(unknown_clients), "dhcp.unknown_clients", F_INHERIT, 0, 0,
         ENUM(unknown)},
        {"ipxe_replace", K_BOOL, P(ipxe_replace), "false", 0},
        {"new_lease_burst", K_INT, P(new_lease_burst), "dhcp.new_lease_burst", F_INHERIT, 0,
         1000000},
        {"new_lease_rate", K_INT, P(new_lease_rate), "dhcp.new_lease_rate", F_INHERIT, 0, 1000000},
        {"routes", K_LIST, P(routes), "()", 0, 0, 0, NULL, NULL, route_keys,
         sizeof(struct conf_route), P(nroutes)},
        {"options", K_LIST, P(options), "()", 0, 0, 0, NULL, NULL, option_keys,
         sizeof(struct conf_option), P(noptions)},
        {NULL},
};

/* Nested group: offsets relative to struct conf's dhcp.boot. */
#define BT(field) (O(dhcp.boot.field) - O(dhcp.boot))
static const struct key boot_keys[] = {
        {"bios", K_FILE, BT(bios), "\"undionly.kpxe\"", F_SLASH},
        {"efi_ia32", K_FILE, BT(efi_ia32), "\"ipxe-i386.efi\"", F_SLASH},
        {"efi_x64", K_FILE, BT(efi_x64), "\"ipxe.efi\"", F_SLASH},
        {"efi_arm32", K_FILE, BT(efi_arm32), "\"ipxe-arm32.efi\"", F_SLASH},
        {"efi_arm64", K_FILE, BT(efi_arm64), "\"ipxe-arm64.efi\"", F_SLASH},
        {NULL},
};

static const struct key dhcp_keys[] = {
        {"enable", K_BOOL, O(dhcp.enable), "true", 0},
        {"mode", K_ENUM, O(dhcp.mode), "\"full\"", 0, 0, 0, ENUM(mode)},
        {"authoritative", K_BOOL, O(dhcp.authoritative), "true", 0},
        {"decline_time", K_INT, O(dhcp.decline_time), "600", 0, 10, 86400},
        {"boot", K_GROUP, O(dhcp.boot), "{}", 0, 0, 0, NULL, NULL, boot_keys},
        {"ipxe_url", K_STR, O(dhcp.ipxe_url), NULL, F_NONE},
        {"lease_time", K_INT, O(dhcp.lease_time), "3600", 0, 60, 31536000},
        {"unknown_clients", K_ENUM, O(dhcp.unknown_clients), "\"serve\"", 0, 0, 0, ENUM(unknown)},
        {"new_lease_burst", K_INT, O(dhcp.new_lease_burst), "4096", 0, 0, 1000000},
        {"new_lease_rate", K_INT, O(dhcp.new_lease_rate), "16", 0, 0, 1000000},
        {"pools", K_LIST, O(dhcp.pools), "()", 0, 0, 0, NULL, NULL, pool_keys,
         sizeof(struct conf_pool), O(dhcp.npools)},
        {NULL},
};

static const struct key tftp_keys[] = {
        {"enable", K_BOOL, O(tftp.enable), "true", 0},
        {"port", K_INT, O(tftp.port), "69", 0, 1, 65535},
        {"root", K_PATH, O(tftp.root), "\"/srv/rackboot/tftp\"", 0},
        {"blksize_max", K_INT, O(tftp.blksize_max), "65464", 0, 512, 65464},
        {"window_max", K_INT, O(tftp.window_max), "64", 0, 1, 1024},
        {"timeout", K_INT, O(tftp.timeout), "2", 0, 1, 255},
        {"retries", K_INT, O(tftp.retries), "5", 0, 1, 50},
        {"max_transfers", K_INT, O(tftp.max_transfers), "1000", 0, 1, 100000},
        {"max_transfers_per_client", K_INT, O(tftp.max_per_addr), "256", 0, 1, 100000},
        {"port_min", K_INT, O(tftp.port_min), "0", 0, 0, 65535},
        {"port_max", K_INT, O(tftp.port_max), "0", 0, 0, 65535},
        {"per_node", K_BOOL, O(tftp.per_node), "true", 0},
        {NULL},
};

static const struct key http_keys[] = {
        {"enable", K_BOOL, O(http.enable), "true", 0},
        {"port", K_INT, O(http.port), "8080", 0, 1, 65535},
        {"root", K_PATH, O(http.root), "\"/srv/rackboot/http\"", 0},
        {"allow", K_PREFIXLIST, O(http.allow), "[]", 0},
        {"max_connections", K_INT, O(http.max_connections), "1024", 0, 1, 65536},
        {"timeout", K_INT, O(http.timeout), "30", 0, 1, 3600},
        {"max_per_address", K_INT, O(http.max_per_address), "32", 0, 1, 65535},
        {"header_timeout", K_INT, O(http.header_timeout), "10", 0, 1, 3600},
        {NULL},
};

static const struct key ipxe_keys[] = {
        {"templates", K_PATH, O(ipxe.templates), "\"" DATADIR "/templates\"", 0},
        {"overrides", K_PATH, O(ipxe.overrides), "\"" SYSCONFDIR "/rackboot/nodes.d\"", 0},
        {"default_template", K_NAME, O(ipxe.default_template), "\"iscsi\"", 0},
        {"fallback", K_STR, O(ipxe.fallback), "\"unknown\"", 0},
        {"kernel", K_FILE, O(ipxe.kernel), NULL, F_NONE},
        {"initrd", K_FILE, O(ipxe.initrd), NULL, F_NONE},
        {"cmdline", K_STR, O(ipxe.cmdline), NULL, F_NONE},
        {NULL},
};

static const struct key iscsi_keys[] = {
        {"enable", K_BOOL, O(iscsi.enable), "true", 0},
        {"port", K_INT, O(iscsi.port), "3260", 0, 1, 65535},
        {"iqn_prefix", K_IQN, O(iscsi.iqn_prefix), "\"iqn.2026-11.org.rackboot\"", 0},
        {"chap_key", K_PATH, O(iscsi.chap_key), NULL, F_NONE},
        {"discovery_auth", K_ENUM, O(iscsi.discovery_chap), "\"none\"", 0, 0, 0, ENUM(dauth)},
        {"queue_depth", K_INT, O(iscsi.queue_depth), "64", 0, 1, 512},
        {"max_connections", K_INT, O(iscsi.max_connections), "256", 0, 1, 65536},
        {"nop_interval", K_INT, O(iscsi.nop_interval), "30", 0, 0, 3600},
        {"max_per_address", K_INT, O(iscsi.max_per_address), "8", 0, 1, 65535},
        {"max_logins_per_address", K_INT, O(iscsi.max_logins_per_address), "4", 0, 1, 65535},
        {"login_timeout", K_INT, O(iscsi.login_timeout), "15", 0, 1, 600},
        {NULL},
};

static const struct key storage_keys[] = {
        {"backend", K_ENUM, O(storage.backend), "\"file\"", F_RESTART, 0, 0, ENUM(backend)},
        {"dir", K_PATH, O(storage.dir), "server.state_dir", F_INHERIT},
        {"golden", K_STR, O(storage.golden), NULL, F_NONE},
        {"ceph_conf", K_PATH, O(storage.ceph_conf), "\"/etc/ceph/ceph.conf\"", F_RESTART},
        {"client", K_NAME, O(storage.client), "\"rackboot\"", F_RESTART},
        {"keyring", K_PATH, O(storage.keyring), NULL, F_NONE | F_RESTART},
        {"pool", K_NAME, O(storage.pool), "\"rbd\"", 0},
        {"timeout", K_INT, O(storage.timeout), "30", F_RESTART, 5, 600},
        {NULL},
};

/* Nested group: offsets relative to struct conf_node's external. */
#define NX(field) (N(external.field) - N(external))
static const struct key external_keys[] = {
        {"portal", K_STR, NX(portal), NULL, F_REQUIRED},
        {"target", K_STR, NX(target), NULL, F_REQUIRED},
        {"lun", K_INT, NX(lun), "0", 0, 0, 16383},
        {"chap_user", K_STR, NX(chap_user), NULL, F_NONE},
        {"chap_secret", K_STR, NX(chap_secret), NULL, F_NONE},
        {NULL},
};

static const struct key node_keys[] = {
        {"mac", K_MAC, N(mac), NULL, F_REQUIRED},
        {"hostname", K_HOST, N(hostname), NULL, F_REQUIRED},
        {"ip", K_IPV4, N(ip), NULL, F_NONE},
        {"template", K_NAME, N(template), "ipxe.default_template", F_INHERIT},
        {"volume", K_NAME, N(volume), "hostname", F_INHERIT},
        {"size", K_SIZE, N(size), "\"20G\"", 0},
        {"chap_user", K_STR, N(chap_user), "hostname", F_INHERIT},
        {"chap_secret", K_STR, N(chap_secret), NULL, F_NONE},
        {"initiator", K_IQN, N(initiator), NULL, F_NONE},
        {"external", K_GROUP, N(external), "{}", F_NONE, 0, 0, NULL, NULL, external_keys},
        {"kernel", K_FILE, N(kernel), "ipxe.kernel", F_INHERIT},
        {"initrd", K_FILE, N(initrd), "ipxe.initrd", F_INHERIT},
        {"cmdline", K_STR, N(cmdline), "ipxe.cmdline", F_INHERIT},
        {"ipxe_replace", K_BOOL, N(ipxe_replace), NULL, F_UNSET},
        {"vars", K_VARS, N(vars), "{}", 0, 0, 0, NULL, NULL, NULL, 0, N(nvars)},
        {"options", K_LIST, N(options), "()", 0, 0, 0, NULL, NULL, option_keys,
         sizeof(struct conf_option), N(noptions)},
        {NULL},
};

const struct key conf_root_keys[] = {
        {"server", K_GROUP, 0, "{}", 0, 0, 0, NULL, NULL, server_keys},
        {"dhcp", K_GROUP, 0, "{}", 0, 0, 0, NULL, NULL, dhcp_keys},
        {"tftp", K_GROUP, 0, "{}", 0, 0, 0, NULL, NULL, tftp_keys},
        {"http", K_GROUP, 0, "{}", 0, 0, 0, NULL, NULL, http_keys},
        {"ipxe", K_GROUP, 0, "{}", 0, 0, 0, NULL, NULL, ipxe_keys},
        {"iscsi", K_GROUP, 0, "{}", 0, 0, 0, NULL, NULL, iscsi_keys},
        {"storage", K_GROUP, 0, "{}", 0, 0, 0, NULL, NULL, storage_keys},
        {"nodes", K_LIST, O(nodes), "()", 0, 0, 0, NULL, NULL, node_keys, sizeof(struct conf_node),
         O(nnodes)},
        {NULL},
};

const char *conf_log_level_name(int level)
{
	size_t i;

	for (i = 0; level_names[i]; i++)
		if (level_values[i] == level)
			return level_names[i];
	return "?";
}

static const char *kind_doc(enum kind k)
{
	switch (k) {
	case K_BOOL: return "boolean";
	case K_INT: return "integer";
	case K_ENUM: return "string";
	case K_STR:
	case K_NAME: return "string";
	case K_PATH: return "path";
	case K_IPV4: return "address";
	case K_PREFIX: return "prefix";
	case K_RANGE: return "range";
	case K_MAC: return "MAC";
	case K_SIZE: return "size";
	case K_HOST: return "host name";
	case K_IQN: return "IQN";
	case K_FILE: return "file";
	case K_IFLIST: return "interfaces";
	case K_IPV4LIST: return "addresses";
	case K_PREFIXLIST: return "prefixes";
	case K_VARS: return "group";
	case K_GROUP: return "group";
	case K_LIST: return "list";
	}
	return "?";
}

static void visit(const struct key *schema, const char *group,
                  void (*cb)(const char *, const char *, const char *, const char *, void *),
                  void *arg)
{
	const struct key *k;

	for (k = schema; k->name; k++) {
		char path[128];
		const char *def = k->flags & F_REQUIRED           ? "required"
		                  : k->flags & (F_NONE | F_UNSET) ? "none"
		                                                  : k->def;

		snprintf(path, sizeof(path), "%s%s%s", group, *group ? "." : "", k->name);
		if (k->kind == K_GROUP || k->kind == K_LIST)
			visit(k->sub, path, cb, arg);
		if (*group)
			cb(group, k->name, kind_doc(k->kind), def, arg);
		else if (k->kind == K_LIST)
			cb(group, k->name, kind_doc(k->kind), def, arg);
	}
}

void conf_schema_visit(void (*cb)(const char *group, const char *key, const char *type,
                                  const char *def, void *arg),
                       void *arg)
{
	visit(conf_root_keys, "", cb, arg);
}
