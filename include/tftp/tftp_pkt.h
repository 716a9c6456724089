/* SPDX-License-Identifier: MIT */
/*
 * tftp_pkt.h - TFTP packets (RFC 1350), option negotiation (RFC 2347,
 * 2348, 2349, 7440) and the sender's window/ACK state machine.  Pure: no
 * I/O, no clock, no logging; parsing borrows from the caller's buffer.
 */
#ifndef RACKBOOT_TFTP_PKT_H
#define RACKBOOT_TFTP_PKT_H

#include <stddef.h>
#include <stdint.h>

enum tftp_op { TFTP_RRQ = 1, TFTP_WRQ, TFTP_DATA, TFTP_ACK, TFTP_ERROR, TFTP_OACK };

/* RFC 1350 5 and RFC 2347: error codes sent in ERROR packets. */
enum tftp_code {
	TFTP_ENOTDEF = 0,
	TFTP_ENOTFOUND,
	TFTP_EACCESS,
	TFTP_ENOSPACE,
	TFTP_EBADOP,
	TFTP_EBADID,
	TFTP_EEXISTS,
	TFTP_ENOUSER,
	TFTP_EOPTNEG,
};

/* Why a packet was refused (negative values, named for counters). */
enum tftp_err {
	TFTP_E_SHORT = -1,  /* no opcode, or too short for its fixed part */
	TFTP_E_OP = -2,     /* unknown opcode */
	TFTP_E_NOTERM = -3, /* a string without its NUL terminator */
	TFTP_E_MODE = -4,   /* mode is not octet or netascii (or mail) */
	TFTP_E_OPTION = -5, /* an option name without a value (a bad value is
	                     * ignored, not refused) */
	TFTP_E_NAME = -6,   /* empty file name */
};

/** A read or write request; strings point into the packet. */
struct tftp_req {
	uint16_t op;      /* TFTP_RRQ or TFTP_WRQ */
	const char *file; /* NUL-terminated inside the packet */
	size_t file_len;
	int netascii; /* mode netascii (else octet) */
	/* RFC 2347 options; -1 when not requested */
	long blksize;             /* RFC 2348: as requested (validated 8..65464) */
	long timeout;             /* RFC 2349: 1..255 seconds */
	long tsize;               /* RFC 2349: the client's value (0 on RRQ) */
	long windowsize;          /* RFC 7440: 1..65535 */
	unsigned unknown_options; /* ignored, per RFC 2347 */
};

/**
 * Parse an RRQ or WRQ.  Option names are case-insensitive; an option with
 * an out-of-range value is ignored (RFC 2347: the server may decline any
 * option) and counted in unknown_options, not an error.
 *
 * Fields are checked in packet order and the first fault is returned:
 * under 2 bytes, or an RRQ/WRQ under 4 (opcode and two NULs), TFTP_E_SHORT;
 * a file name or mode with no NUL before the end, TFTP_E_NOTERM; an empty
 * name, TFTP_E_NAME; a mode other than "octet" or "netascii" (any case;
 * "mail" included), TFTP_E_MODE.  After the mode the packet must be whole
 * name/value pairs: a name or value with no NUL (trailing bytes included)
 * is TFTP_E_NOTERM, and a name that ends the packet is TFTP_E_OPTION.
 * Values are decimal digits only (no sign, no blank, leading zeros allowed,
 * no overflow) within the RFC's range: blksize 8..65464, timeout 1..255,
 * tsize 0..LONG_MAX, windowsize 1..65535.  For a repeated name the first
 * instance decides, even when its value is bad.  unknown_options counts
 * unknown names, bad values and repeats.  The RFC 2347 limit of 512 bytes
 * per request is not enforced.  @p out is meaningful only on success.
 * @ret rc	0 or a negative enum tftp_err
 */
int tftp_parse_req(const uint8_t *buf, size_t len, struct tftp_req *out);

/**
 * Parse an ACK: @p block receives its block number.  Bytes after the first
 * four are ignored.  @ret rc 0, TFTP_E_SHORT or TFTP_E_OP.
 */
int tftp_parse_ack(const uint8_t *buf, size_t len, uint16_t *block);

/**
 * Parse an ERROR: code and message (NULL when unterminated; it then counts
 * as a valid ERROR without text).  @ret rc 0, TFTP_E_SHORT or TFTP_E_OP.
 */
int tftp_parse_error(const uint8_t *buf, size_t len, uint16_t *code, const char **msg);

/** Opcode of a packet, or 0 when shorter than 2 bytes. */
uint16_t tftp_opcode(const uint8_t *buf, size_t len);

/**
 * Name of an error for counters: "short", "bad_opcode", "no_terminator",
 * "bad_mode", "bad_option", "empty_name"; "unknown" for anything else.
 */
const char *tftp_err_name(int err);

/** Server limits applied to a request. */
struct tftp_limits {
	unsigned blksize_max; /* from the config and the path MTU (MTU - 32) */
	unsigned window_max;  /* from the config */
	unsigned timeout_def; /* seconds, when the client asks for none */
};

/** The outcome of negotiation. */
struct tftp_neg {
	unsigned blksize;    /* 512 unless negotiated */
	unsigned timeout;    /* seconds */
	unsigned windowsize; /* 1 unless negotiated */
	uint64_t tsize;      /* the file size, if acknowledged */
	unsigned ack;        /* TFTP_NEG_* bits of the options to acknowledge */
};
#define TFTP_NEG_BLKSIZE 1u
#define TFTP_NEG_TIMEOUT 2u
#define TFTP_NEG_TSIZE   4u
#define TFTP_NEG_WINDOW  8u

/**
 * Negotiate per RFC 2347: blksize min(requested, blksize_max) (never above
 * what was asked), timeout as asked, tsize = @p file_size, windowsize
 * min(requested, window_max).  No options requested: ack == 0 and RFC 1350
 * behaviour (no OACK).  tsize is acknowledged only on an RRQ.  A limit
 * below the RFC minimum (blksize_max < 8, window_max 0) declines that
 * option.  Unacknowledged fields hold the defaults: blksize 512, timeout
 * timeout_def, windowsize 1, tsize 0.
 */
void tftp_negotiate(const struct tftp_req *r, const struct tftp_limits *lim, uint64_t file_size,
                    struct tftp_neg *out);

/**
 * Build an OACK for @p n into @p buf: the acknowledged options only, in the
 * order blksize, timeout, tsize, windowsize, lowercase names, decimal values.
 * @ret len, or 0 when it does not fit or nothing is acknowledged.
 */
size_t tftp_build_oack(uint8_t *buf, size_t cap, const struct tftp_neg *n);

/**
 * Build an ERROR.  The message (NULL reads as "") is truncated to fit and
 * always NUL-terminated.  @ret len, or 0 when @p cap is under 5.
 */
size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);

/** Write a DATA header (4 bytes) for 16-bit block @p block.  */
void tftp_build_data_hdr(uint8_t *buf, uint16_t block);

/*
 * The sender's window state machine (RFC 1350, RFC 7440), with 64-bit block
 * counting so files over 65535 blocks roll the 16-bit number over (block
 * 65535 is followed by 0).  Block 0 is the OACK when options were
 * acknowledged; data blocks are 1..nblocks.  A file of N bytes has
 * N / blksize + 1 data blocks (the last one short, possibly empty).
 *
 * next == 0 is the OACK phase: the OACK is out and nothing may be sent
 * until ACK 0 arrives (the caller resends the OACK on a timeout).
 * Otherwise blocks acked + 1 .. next - 1 are in flight, at most window of
 * them, and acked < next <= nblocks + 1 holds.
 *
 * An ACK's 16-bit number b is read as new when some block k in
 * (acked, next - 1] has k mod 65536 == b; there is at most one, since no
 * more than 65535 are in flight.  Otherwise it is a duplicate when it
 * matches a block k <= acked less than 32768 behind acked (block 0 counts,
 * so ACK 0 before any data is a duplicate with or without an OACK), and
 * bogus when it names a block not yet sent (up to 32768 ahead of acked) or
 * before the first.  A new ACK moves acked to k and returns DONE when
 * k == nblocks, ADVANCE when k == next - 1, and RESEND when it is inside
 * the window: then next is set back to k + 1.  Either way the caller then
 * sends tftp_win_sendable() blocks from next; duplicates and bogus ACKs
 * change nothing and never make anything sendable.
 */
struct tftp_win {
	uint64_t nblocks; /* data blocks in the file */
	uint64_t acked;   /* highest block acknowledged (0 = only the OACK or nothing) */
	uint64_t next;    /* next block to send */
	unsigned window;  /* blocks in flight at most */
};

enum tftp_ack_result {
	TFTP_ACK_ADVANCE,   /* new blocks acknowledged: send from next */
	TFTP_ACK_RESEND,    /* ACK of an earlier block within the window: acked
	                     * moves to it and next = acked + 1: resend from
	                     * there (RFC 7440 4) */
	TFTP_ACK_DUPLICATE, /* an ACK already seen: ignore it (Sorcerer's
	                     * Apprentice, RFC 1123 4.2.3.1) */
	TFTP_ACK_DONE,      /* the last block is acknowledged */
	TFTP_ACK_BOGUS,     /* a block never sent: ignore */
};

/**
 * Start: @p oack says whether block 0 (the OACK) must be ACKed first
 * (next = 0), else sending starts at block 1.  blksize 0 is read as 512;
 * window is clamped to 1..65535; nblocks saturates at UINT64_MAX - 1.
 */
void tftp_win_init(struct tftp_win *w, uint64_t file_size, unsigned blksize, unsigned window,
                   int oack);

/** Account an ACK carrying the 16-bit block number @p block. */
enum tftp_ack_result tftp_win_ack(struct tftp_win *w, uint16_t block);

/**
 * Which blocks to send now: from w->next up to acked + window, at most the
 * last block.  @ret count (0 when the window is full or all are sent); the
 * caller sends them and sets w->next += count.
 */
uint64_t tftp_win_sendable(const struct tftp_win *w);

/** On a timeout: restart sending from acked + 1 (go-back-N); no change in
 * the OACK phase. */
void tftp_win_timeout(struct tftp_win *w);

#endif
