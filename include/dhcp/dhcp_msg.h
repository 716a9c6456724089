/* SPDX-License-Identifier: MIT */
/*
 * dhcp_msg.h - DHCP/BOOTP message codec (RFC 2131, RFC 2132, RFC 3396).
 * Pure: parsing borrows from the caller's buffer and never allocates or
 * logs; building writes into the caller's buffer.  Malformed input is a
 * negative enum dhcp_err value that the server counts by name.
 */
#ifndef RACKBOOT_DHCP_MSG_H
#define RACKBOOT_DHCP_MSG_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_FIXED_LEN   236  /* op .. file, RFC 2131 2 */
#define DHCP_MIN_LEN     240  /* fixed part + magic cookie */
#define DHCP_MIN_REPLY   300  /* BOOTP minimum; replies are padded to it */
#define DHCP_DEFAULT_MAX 576  /* RFC 2131 2: every client accepts this */
#define DHCP_CONCAT_MAX  1024 /* room for options split per RFC 3396 */

/* Option numbers the server reads or writes (RFC 2132 unless noted). */
enum {
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_DOMAIN = 15,
	OPT_MTU = 26,
	OPT_BROADCAST = 28,
	OPT_NTP = 42,
	OPT_VENDOR_OPTS = 43,
	OPT_REQUESTED = 50,
	OPT_LEASE = 51,
	OPT_SERVER_ID = 54,
	OPT_PARAMS = 55,
	OPT_MAX_SIZE = 57,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_VENDOR_CLASS = 60,
	OPT_USER_CLASS = 77,  /* RFC 3004 */
	OPT_CLIENT_ARCH = 93, /* RFC 4578 */
	OPT_BOOTFILE = 67,
	OPT_AGENT = 82,   /* RFC 3046 */
	OPT_ROUTES = 121, /* RFC 3442 */
	OPT_IPXE = 175,
	IPXE_NO_PXEDHCP = 176,
};

/* Message types, option 53. */
enum dhcp_type {
	DHCPDISCOVER = 1,
	DHCPOFFER,
	DHCPREQUEST,
	DHCPDECLINE,
	DHCPACK,
	DHCPNAK,
	DHCPRELEASE,
	DHCPINFORM,
};

/* Why a message was refused; each value has a metrics name. */
enum dhcp_err {
	DHCP_E_SHORT = -1,    /* shorter than the fixed part + cookie */
	DHCP_E_OP = -2,       /* op is neither BOOTREQUEST nor BOOTREPLY */
	DHCP_E_HTYPE = -3,    /* htype is not Ethernet (1) or hlen is not 6 */
	DHCP_E_COOKIE = -4,   /* no magic cookie 99.130.83.99 */
	DHCP_E_OPTLEN = -5,   /* an option runs past the end of its area */
	DHCP_E_OVERLOAD = -6, /* option 52 bad, repeated, or inside file/sname */
	DHCP_E_NOEND = -7,    /* an option area has no END option */
	DHCP_E_TYPE = -8,     /* option 53 missing, wrong length, or unknown type */
	DHCP_E_TOOLONG = -9,  /* concatenated options exceed DHCP_CONCAT_MAX */
};

/** One option's value.  @data is NULL when the option is absent. */
struct dhcp_opt {
	const uint8_t *data; /* borrowed from the input, or from concat[] */
	uint16_t len;
};

/** A parsed message.  Owner: the caller; borrows from the parsed buffer. */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;                            /* host byte order, as sent on the wire */
	uint16_t secs, flags;                    /* host byte order */
	uint32_t ciaddr, yiaddr, siaddr, giaddr; /* host byte order */
	uint8_t chaddr[16];
	const uint8_t *sname; /* 64 bytes; NULL if overloaded */
	const uint8_t *file;  /* 128 bytes; NULL if overloaded */
	uint8_t type;         /* option 53 (enum dhcp_type) */
	struct dhcp_opt opt[256];
	uint8_t concat[DHCP_CONCAT_MAX]; /* options split across instances */
	size_t concat_used;
};

/**
 * Parse a DHCP message.
 *
 * Checks lengths before every read, walks the options field and, when
 * option 52 says so, the file then sname fields (RFC 2131 4.1), with
 * repeated instances of an option concatenated (RFC 3396).  Requires
 * option 53 (a BOOTP request without it is refused with DHCP_E_TYPE).
 * Every option area, file and sname included, must end with END (RFC 2131
 * 4.1); bytes after END are ignored.  An option seen once points into
 * @p buf; an option seen more than once points into m->concat.  Option 52
 * may appear once, in the options field only.  On error *m holds no
 * meaning (it may be partly filled) and must be discarded.
 *
 * @v buf	message (UDP payload)
 * @v len	its length
 * @v m		output; valid only while @p buf is
 * @ret rc	0 or a negative enum dhcp_err
 */
int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m);

/** A stable, Prometheus-label-friendly name for an error ("short"). */
const char *dhcp_err_name(int err);

/** Builder for a reply.  Owner: the caller, over the caller's buffer. */
struct dhcp_out {
	uint8_t *buf;
	size_t max;   /* the largest message this reply may become */
	size_t len;   /* bytes used so far (options area grows at the end) */
	int overflow; /* set when an option did not fit; the reply is still valid */
};

/**
 * Start a reply to @p req: op BOOTREPLY, htype, hlen, xid, flags, giaddr and
 * chaddr copied from the request, the cookie, and option 53 = @p type.
 *
 * @v o		builder
 * @v buf	output buffer of at least @p max bytes
 * @v max	largest reply size allowed (DHCP_DEFAULT_MAX, or what option 57
 *		allows, minus IP and UDP headers), at least DHCP_MIN_REPLY;
 *		below that nothing is written, o->overflow is set, every
 *		later call fails and dhcp_out_finish() returns 0
 *
 * Replies never overload sname/file with options: what does not fit in
 * the options field is refused with -ENOSPC.
 */
void dhcp_out_init(struct dhcp_out *o, uint8_t *buf, size_t max, const struct dhcp_msg *req,
                   uint8_t type);

/** Set yiaddr, siaddr, ciaddr (host byte order). */
void dhcp_out_addrs(struct dhcp_out *o, uint32_t ciaddr, uint32_t yiaddr, uint32_t siaddr);

/**
 * Set the sname / file fields (NUL-padded).  The text must leave room for
 * the terminating NUL (63 and 127 bytes at most), else -ENAMETOOLONG and
 * the field is unchanged.
 */
int dhcp_out_sname(struct dhcp_out *o, const char *s);
int dhcp_out_file(struct dhcp_out *o, const char *s);

/**
 * Append an option, split into 255-byte instances when longer (RFC 3396).
 * @ret rc	0, or -ENOSPC when it does not fit in @p max (nothing written,
 *		o->overflow set), -EINVAL for code 0 or 255 or for NULL
 *		@p data with a nonzero @p len
 */
int dhcp_out_opt(struct dhcp_out *o, uint8_t code, const void *data, size_t len);
int dhcp_out_u8(struct dhcp_out *o, uint8_t code, uint8_t v);
int dhcp_out_u16(struct dhcp_out *o, uint8_t code, uint16_t v);
int dhcp_out_u32(struct dhcp_out *o, uint8_t code, uint32_t v); /* host order in */

/**
 * Finish: append END (room for it is always reserved) and pad to
 * DHCP_MIN_REPLY.  Call once, after every other call.
 * @ret len	the message length
 */
size_t dhcp_out_finish(struct dhcp_out *o);

#endif
