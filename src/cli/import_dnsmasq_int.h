/* SPDX-License-Identifier: MIT */
/*
 * import_dnsmasq_int.h - the model of `rackboot import dnsmasq` as its files
 * share it, and nothing else includes: import_dnsmasq.c reads dnsmasq's
 * lines into it, import_tftpd.c tftpd-hpa's, import_lex.c holds the lexical
 * helpers, import_emit.c replays the model and writes rackboot.conf.
 * Internal calls are prefixed imd_ (import_dnsmasq).  All of it is pure,
 * as import_dnsmasq.h promises.
 */
#ifndef RACKBOOT_IMPORT_DNSMASQ_INT_H
#define RACKBOOT_IMPORT_DNSMASQ_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cli/import_dnsmasq.h"
#include "core/addr.h"

#define NFIELDS   64
#define TAG_LEN   64
#define NTAGS     8
#define LINE_MAX_ 4096

struct src {
	const char *file; /* interned */
	int line;
};

/* Tags a line matches: "name" or "!name". */
struct tags {
	char v[NTAGS][TAG_LEN];
	int n;
};

struct range {
	struct src src;
	struct tags match;
	char set[TAG_LEN];
	uint32_t start, end, mask;
	int proxy, stat;
	long lease; /* seconds; 0 infinite; -1 not given */
};

struct host {
	struct src src;
	uint8_t mac[MAC_LEN];
	uint32_t ip;
	char name[256];
	char set[TAG_LEN];
	int ignore;
};

struct opt {
	struct src src;
	struct tags match;
	int code;
	char value[1024]; /* the fields after the code, joined by ',' */
	int nvalues;      /* 0: "dhcp-option=3" sends nothing */
	int used;
};

struct boot {
	struct src src;
	struct tags match;
	char file[256];
	char sname[256];
	char saddr[256];
};

enum match_kind { M_ARCH, M_IPXE, M_PXE, M_NEVER };

struct match {
	struct src src;
	char set[TAG_LEN];
	enum match_kind kind;
	int arch;
};

struct tagif {
	struct src src;
	struct tags set, match;
};

struct pxe {
	struct src src;
	struct tags match;
	int csa;
	char base[256]; /* "" : local boot or a boot service type */
	int type;       /* a boot service type instead of a basename */
	char server[256];
};

struct lease_in {
	struct src src;
	int64_t expiry;
	uint8_t mac[MAC_LEN];
	uint32_t ip;
	char name[256];
};

struct local {
	char ifname[32];
	uint32_t addr;
	unsigned len;
};

/* A pool as emitted: one per subnet. */
struct pool {
	struct src src;
	struct ipv4_prefix net;
	uint32_t start, end; /* 0,0: none */
	uint32_t local;      /* this host's address inside it, or 0 */
	char set[TAG_LEN];   /* the range's set: tag */
	long lease;
	int proxy;
	uint32_t router; /* as emitted */
};

#define VEC(T)                                                                                     \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}

/* The model.  Owner: the caller of import_dnsmasq_new(). */
struct import_dnsmasq {
	char **files; /* interned file names */
	size_t nfiles;
	VEC(struct import_warn) warns;
	VEC(struct range) ranges;
	VEC(struct host) hosts;
	VEC(struct opt) opts;
	VEC(struct boot) boots;
	VEC(struct match) matches;
	VEC(struct tagif) tagifs;
	VEC(struct pxe) pxes;
	VEC(struct lease_in) leases_in;
	VEC(struct import_lease) leases;
	VEC(struct local) locals;
	VEC(struct pool) pools;
	char ifaces[16][16];
	int nifaces;
	int oom;
	int dns_port_on; /* DNS was not turned off with port=0 */
	struct src dns_src;
	int authoritative, ignore_unknown, enable_tftp, unique_root_mac, leasefile_seen;
	struct src tftp_root_src;
	char tftp_root[1024];
	char tftpd_root[1024];
	char domain[256];
	char pid_file[1024];
	char leasefile[1024];
	int tftp_max, port_min, port_max, blksize, tftp_port, tftp_timeout;
	int lease_max;
	struct src lease_max_src, leasefile_src;
};

/* The value type dnsmasq gives a known option. */
enum vtype { V_GUESS, V_ADDR, V_TEXT, V_U8, V_U16, V_U32 };

/** Append a zeroed element to vector @p vec of elements of @p sz bytes;
 *  NULL, with m->oom set, when memory runs out. */
void *imd_push_or_oom(struct import_dnsmasq *m, void *vec, size_t sz);

/* A new zeroed element of m->vec, typed; NULL (m->oom set) on failure. */
#define PUSH(m, vec) ((__typeof__((m)->vec.v))imd_push_or_oom((m), &(m)->vec, sizeof(*(m)->vec.v)))

/** Record a warning about line @p s (NULL: no line). */
void imd_warn(struct import_dnsmasq *m, const struct src *s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/** Copy @p s into @p dst of @p cap bytes, cut short if it must be. */
void imd_copy(char *dst, size_t cap, const char *s);

/** Strip blanks (and a trailing CR) from @p s in place; returns its start. */
char *imd_trim(char *s);

/** Split @p s at commas in place as dnsmasq does (quotes protect commas);
 *  at most @p max fields go to @p f.  Returns the number of fields. */
int imd_split(char *s, char **f, int max);

/** 1 if @p s is a dotted-quad address (stored in @p out unless NULL). */
int imd_is_ipv4(const char *s, uint32_t *out);

/** 1 if all of @p s is a decimal number that fits a long. */
int imd_parse_int(const char *s, long *out);

/** dnsmasq's lease time @p s (seconds, with m/h/d/w, or "infinite": 0)
 *  into @p out; 1 on success. */
int imd_parse_lease(const char *s, long *out);

/** 1 if @p f is a tag argument ("tag:x", or the old "net:x"); the name
 *  after the prefix goes to @p name. */
int imd_tag_prefix(const char *f, const char **name);

/** Add tag @p name ("x" or "!x") to @p t, if there is room. */
void imd_tags_add(struct tags *t, const char *name);

/** 1 if @p mask is a netmask; its prefix length goes to @p len. */
int imd_mask_len(uint32_t mask, unsigned *len);

/** "tag:a,tag:!b" for @p t, into @p buf of @p cap bytes. */
void imd_tags_str(const struct tags *t, char *buf, size_t cap);

/** The value type dnsmasq gives option @p code. */
enum vtype imd_opt_type(int code);

/** Take ports @p first to @p last (decimal text) as tftp.port_min and
 *  port_max if they are a range rackboot accepts; 1 if taken. */
int imd_port_range(struct import_dnsmasq *m, const char *first, const char *last);

/** One line of /etc/default/tftpd-hpa (import_tftpd.c); a -m map file
 *  becomes an include in @p inc, with *included set. */
void imd_tftpd_line(struct import_dnsmasq *m, const struct src *s, char *text,
                    struct import_include *inc, int *included);

/** One rule of a tftpd-hpa remap file (import_tftpd.c). */
void imd_remap_line(struct import_dnsmasq *m, const struct src *s, char *text);

#endif
