/* SPDX-License-Identifier: MIT */
/*
 * iscsi_login.h - the target's login state machine (RFC 7143 6.3, 11.12,
 * 11.13): stages, security negotiation with CHAP (RFC 1994 MD5 via
 * nettle; mutual CHAP, RFC 7143 12.1.3), operational negotiation through
 * iscsi_text.h, target lookup and the initiator binding.  Pure: no I/O,
 * no clock, no logging (a failure carries a reason for the caller to log);
 * randomness and node lookups come through callbacks.
 */
#ifndef RACKBOOT_ISCSI_LOGIN_H
#define RACKBOOT_ISCSI_LOGIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "iscsi/iscsi_pdu.h"
#include "iscsi/iscsi_text.h"

#define ISCSI_CHAP_MAX       256   /* longest CHAP name or secret we keep */
#define ISCSI_CHAP_C_MAX     1024  /* longest challenge we take (RFC 7143 12.1.3) */
#define ISCSI_LOGIN_TEXT_MAX 65536 /* request text over C-bit PDUs, at most */

/* What the caller knows about a node's target. */
struct iscsi_auth {
	const char *target;        /* target IQN */
	const char *user;          /* CHAP name the initiator must give */
	const char *secret;        /* its secret */
	const char *target_user;   /* mutual CHAP: the name we answer with */
	const char *target_secret; /* mutual CHAP: our secret (NULL: no mutual CHAP) */
	const char *initiator;     /* bound initiator IQN, or NULL for any */
	void *node;                /* caller's handle, handed back in iscsi_login.node */
};

struct iscsi_login_ops {
	/** A normal session's target by name: 0, or -ENOENT. */
	int (*target)(void *ctx, const char *name, struct iscsi_auth *out);
	/** Discovery with CHAP: the node whose CHAP name is @p user: 0, or -ENOENT. */
	int (*user)(void *ctx, const char *user, struct iscsi_auth *out);
	/** @p n random bytes for a challenge: 0 or -errno. */
	int (*random)(void *ctx, uint8_t *p, size_t n);
	void *ctx;
	int discovery_chap; /* discovery sessions must authenticate with CHAP */
	struct iscsi_limits limits;
};

/* RFC 7143 11.13.5 status class/detail, as (class << 8) | detail */
enum iscsi_login_status {
	ISCSI_LOGIN_OK = 0x0000,
	ISCSI_LOGIN_INITIATOR_ERROR = 0x0200,
	ISCSI_LOGIN_AUTH_FAILED = 0x0201,
	ISCSI_LOGIN_FORBIDDEN = 0x0202,
	ISCSI_LOGIN_NOT_FOUND = 0x0203,
	ISCSI_LOGIN_REMOVED = 0x0204,
	ISCSI_LOGIN_UNSUPPORTED_VERSION = 0x0205,
	ISCSI_LOGIN_TOO_MANY_CONNECTIONS = 0x0206,
	ISCSI_LOGIN_MISSING_PARAMETER = 0x0207,
	ISCSI_LOGIN_CANT_INCLUDE = 0x0208,
	ISCSI_LOGIN_SESSION_TYPE = 0x0209,
	ISCSI_LOGIN_NO_SESSION = 0x020a,
	ISCSI_LOGIN_INVALID_REQUEST = 0x020b,
	ISCSI_LOGIN_TARGET_ERROR = 0x0300,
	ISCSI_LOGIN_SERVICE_UNAVAILABLE = 0x0301,
	ISCSI_LOGIN_OUT_OF_RESOURCES = 0x0302,
};

enum iscsi_auth_state {
	ISCSI_AUTH_START,  /* no AuthMethod yet */
	ISCSI_AUTH_CHAP_A, /* AuthMethod=CHAP chosen, waiting for CHAP_A */
	ISCSI_AUTH_CHAP_R, /* challenge sent, waiting for CHAP_N/CHAP_R */
	ISCSI_AUTH_DONE,   /* authenticated (or AuthMethod=None allowed) */
};

/* One connection's login; the caller owns it (embedded in its connection). */
struct iscsi_login {
	const struct iscsi_login_ops *ops;
	uint8_t stage;     /* current stage (enum iscsi_stage) */
	uint8_t discovery; /* SessionType=Discovery */
	uint8_t started;   /* first PDU seen (names checked) */
	enum iscsi_auth_state auth;
	uint8_t chap_id;
	uint8_t challenge[16];
	char initiator[ISCSI_NAME_MAX];
	char target[ISCSI_NAME_MAX];
	char user[ISCSI_CHAP_MAX]; /* the CHAP name that authenticated, or "" */
	uint8_t isid[6];
	struct iscsi_auth node; /* valid once a target (or CHAP user) matched */
	int have_node;
	struct iscsi_neg neg;
	struct buf pending; /* request text accumulated over C-bit PDUs */
};

/* The answer to one Login Request. */
struct iscsi_login_rsp {
	uint8_t transit, cont;
	uint8_t csg, nsg;
	uint16_t status; /* enum iscsi_login_status */
	int done;        /* full feature phase reached: the session starts */
	const char *why; /* on failure: a reason for the log */
};

/** Set up a login. */
void iscsi_login_init(struct iscsi_login *l, const struct iscsi_login_ops *ops);

/** Free what a login holds. */
void iscsi_login_fini(struct iscsi_login *l);

/**
 * Answer one Login Request: @p out receives the response's data segment
 * (key=value pairs), @p rsp its flags and status.  A status other than
 * ISCSI_LOGIN_OK ends the login (the caller sends the response and closes).
 * When rsp->done, l->neg.p holds the negotiated parameters.
 *
 * @ret rc	0, or -ENOMEM
 */
int iscsi_login_step(struct iscsi_login *l, const struct iscsi_login_req *req, struct buf *out,
                     struct iscsi_login_rsp *rsp);

/**
 * CHAP response (RFC 1994 4.1): MD5(id || secret || challenge) with
 * nettle; @p out receives 16 bytes.
 *
 * @ret rc	0 (a negative value, were a digest ever unavailable, makes
 *		the caller fail closed)
 */
int iscsi_chap_response(uint8_t id, const char *secret, const uint8_t *challenge, size_t clen,
                        uint8_t out[16]);

/**
 * Decode a CHAP binary value ("0x..." hex or "0b..." base64, RFC 7143
 * 6.1.4).
 *
 * @ret n	bytes written to @p out, or -EINVAL
 */
int iscsi_chap_decode(const char *val, size_t vlen, uint8_t *out, size_t cap);

#endif
