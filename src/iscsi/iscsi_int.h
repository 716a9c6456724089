/* SPDX-License-Identifier: MIT */
/*
 * iscsi_int.h - what the iSCSI target's own files share, and nothing
 * outside src/iscsi/ may include: the connection (one per session), the
 * task (one per SCSI command), the target's state and counters, and the
 * functions each file offers the others.  The files, each with one job:
 * iscsi.c (the listener, connections and PDU handlers, the service),
 * iscsi_send.c (queuing PDUs, sequence numbers, Reject), iscsi_session.c
 * (the login on the loop: nodes, CHAP secrets, failed-login memory, the
 * session start), iscsi_task.c (a command's life: its buffers, Data-Out,
 * R2T, the store requests that carry it out, its answer).  The volume
 * table is the store's (store/vol.h).  This header comes before them all,
 * so the split makes no circle.
 */
#ifndef RACKBOOT_ISCSI_INT_H
#define RACKBOOT_ISCSI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/addr.h"
#include "core/conf.h"
#include "core/ratelog.h"
#include "iscsi/iscsi_login.h"
#include "iscsi/iscsi_pdu.h"
#include "scsi/scsi.h"
#include "store/store.h"
#include "store/vol.h"

#define BLOCK_SIZE      VOL_BLOCK_SIZE
#define TARGET_MRDSL    (256u * 1024) /* our MaxRecvDataSegmentLength */
#define MAX_BURST       (16u * 1024 * 1024 - 512)
#define FIRST_BURST     (256u * 1024)
#define WRITE_HIGH      (8u * 1024 * 1024) /* queued send bytes before reading pauses */
#define VOL_WAIT        10000              /* ms a login waits for its volume's open */
#define NO_TAG          0xffffffffu
#define SESSION_BUF_MAX (96u * 1024 * 1024) /* task buffers per session before TASK SET FULL */
#define DEAD_ITTS       8                   /* tasks remembered as ended in their data phase */

struct conn;
struct held_login;

/* Where a task is. */
enum task_stage {
	T_DATA_OUT, /* receiving Data-Out */
	T_IO,       /* a store request is in flight */
	T_SENDING,  /* response queued */
};

/*
 * One SCSI command.  Owner: its connection's task list; refs counts the
 * list, a store request in flight and each queued write that points into
 * its buffer.  Freed when refs reaches 0.
 */
struct task {
	struct task *next, *prev;
	struct conn *c;
	struct vol *vol;
	int refs;
	int aborted;
	int listed;
	enum task_stage stage;
	uint32_t itt, cmdsn;
	uint8_t lun_raw[8];
	uint8_t cdb[16];
	uint32_t edtl;
	int rd, wr;
	struct scsi_cmd sc;
	uint8_t *buf; /* Data-In or Data-Out payload */
	size_t buflen;
	uint8_t *aux;    /* what VERIFY, CAW and ORWRITE read back */
	uint32_t want;   /* Data-Out bytes kept */
	uint32_t expect; /* Data-Out bytes the initiator will send */
	uint32_t got;    /* Data-Out bytes received (kept or not) */
	uint32_t r2t_next;
	uint32_t r2t_end; /* end of the outstanding R2T, 0 if none */
	uint32_t r2tsn, datasn, exp_datasn, ttt;
	size_t charged;          /* bytes counted in the session's buf_bytes */
	uint32_t spdtl;          /* the command's own transfer length (residuals) */
	uint64_t done_blocks;    /* WRITE SAME / UNMAP progress */
	struct scsi_extent *ext; /* UNMAP extents */
	int next_ext, n_ext;
	int ws_emulate;         /* WRITE SAME: the backend left it to us */
	struct vol_waiter turn; /* COMPARE AND WRITE: its turn on the volume */
	struct store_io io;
};

enum conn_state { C_LOGIN, C_WAIT_VOL, C_FULL, C_LOGOUT, C_CLOSING };

/* One TCP connection, which is one session.  Owner: the connection list;
 * freed in the close callback of its last handle. */
struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct conn *next, *prev;
	struct vol_waiter wait; /* for the volume's open (C_WAIT_VOL) */
	uint64_t wait_since;    /* loop time the login began to wait for the volume */
	int handles;
	enum conn_state state;
	char peer[48];
	uint32_t peer_ip;
	uint32_t local_ip;
	uint16_t local_port;
	uint8_t *rx;
	size_t rx_len, rx_cap;
	int reading;
	size_t queued; /* bytes handed to uv_write not yet written */
	struct iscsi_login login;
	struct iscsi_login_ops ops;
	struct iscsi_params p;
	uint32_t statsn, exp_cmdsn;
	uint16_t tsih;
	int discovery;
	int first_login;
	uint64_t nexus;
	char port[SCSI_PORT_MAX];
	char target[ISCSI_NAME_MAX];
	char host[256];
	uint8_t mac[MAC_LEN];
	int have_mac;
	struct vol *vol;
	struct task *tasks;
	unsigned ntasks;
	uint64_t last_rx;
	uint32_t ping_ttt;
	uint64_t ping_sent;
	uint32_t next_ttt;
	/* the strings the login's iscsi_auth points at */
	char a_target[ISCSI_NAME_MAX], a_user[256], a_secret[CHAP_SECRET_MAX + 1];
	char a_tsecret[CHAP_SECRET_MAX + 1], a_init[ISCSI_NAME_MAX], a_host[256];
	uint8_t a_mac[MAC_LEN];
	int close_after_send;    /* close once the queued sends are written */
	int pumping;             /* inside conn_pump: no nested pumping */
	uint64_t read_at;        /* loop time reading starts (slowed logins) */
	uint64_t login_by;       /* loop time the login must have ended (login_timeout) */
	struct held_login *held; /* the final Login Response, waiting for the volume */
	uint32_t
	        dead_itt[DEAD_ITTS]; /* tasks ended in their data phase: late Data-Out is dropped */
	unsigned dead_next;
	size_t buf_bytes; /* task buffers held (SESSION_BUF_MAX) */
};

/* Counters for /metrics. */
struct counters {
	uint64_t logins_ok, logins_auth, logins_forbidden, logins_notfound, logins_other;
	uint64_t discovery;
	uint64_t commands, read_bytes, write_bytes;
	uint64_t nowait_reads, pool_reads;
	uint64_t rejects, digest_errors, dropped_cmdsn, protocol_errors;
	uint64_t tmf, nop_pings, ping_timeouts;
	uint64_t foreign; /* connections to an address not served */
	uint64_t per_address, per_address_logins, login_timeouts; /* limits */
};

/* The target.  Owner: iscsi.c (start to close); the other files of the
 * target read it and count in it. */
struct iscsi_target {
	uv_loop_t *loop;
	uv_tcp_t listener;
	int listening;
	int stopping;
	struct conn *conns;
	unsigned nconns;
	struct ratelog rl_limit, rl_login; /* per-address refusals, logins too slow */
	struct counters n;
};

extern struct iscsi_target tgt;

/* RFC 7143 4.2.2.1: serial arithmetic (RFC 1982) on sequence numbers */
static inline int sn_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* iscsi.c: the connection */

/** The one reset point of a connection: abort its tasks, leave its
 *  volume and close its handles (the close callbacks free it).
 *  Idempotent. */
void conn_close(struct conn *c);
/** Frame and handle every whole PDU received. */
void conn_pump(struct conn *c);

/* iscsi_send.c */

/** Queue one PDU: @p bhs (48 bytes, fully built) and @p len bytes of
 *  data, either owned by task @p t (which gets a reference) or copied.
 *  @ret 0 or -errno. */
int send_pdu(struct conn *c, const uint8_t *bhs, const void *data, size_t len, struct task *t);
/** Fill the sequence fields every target PDU carries at 24..35. */
void put_sn(struct conn *c, uint8_t *bhs, int advance);
/** RFC 7143 11.17: Reject, carrying the offending header. */
void send_reject(struct conn *c, const uint8_t *bad, uint8_t reason);

/* iscsi_session.c: the login on the loop */

/** Set up @p c's login (the node lookups, CHAP, our limits). */
void login_begin(struct conn *c);
/** One Login Request. */
void login_handle(struct conn *c, const struct iscsi_pdu *pdu);
/** The volume's open has taken VOL_WAIT: refuse the login (retryable). */
void login_unavailable(struct conn *c);
/** The held final Login Response, if any, is dropped (connection closing). */
void login_drop(struct conn *c);
/** Milliseconds to wait before reading from @p ip (failed logins lately),
 *  and how many failed at @p fails. */
uint64_t login_delay(uint32_t ip, unsigned *fails);

/* iscsi_task.c: a command's life */

/** A SCSI Command PDU in the CmdSN window: the task is created, decoded
 *  and started (or answered); @ret 0, or -ENOMEM with no task created. */
int task_start(struct conn *c, const struct iscsi_pdu *pdu, uint32_t cmdsn);
/** A Data-Out PDU for task @p t: checked, taken, and the command carried
 *  out once its data is in. */
void task_data_out(struct task *t, const struct iscsi_pdu *pdu);
/** The task of @p itt on @p c, or NULL. */
struct task *task_find(struct conn *c, uint32_t itt);
/** The one destructor of a task: off its connection's list, buffers and
 *  volume reference dropped.  Only with nothing in flight (refs 0). */
void task_free(struct task *t);
/** Drop one reference; the last one ends the task. */
void task_put(struct task *t);
/** Abort @p t: no response will be sent for it (RFC 7143 11.5.1). */
void task_abort(struct task *t);
/** task_abort every task of @p c. */
void task_abort_all(struct conn *c);
/** The connection is closing: its tasks leave it; those with nothing in
 *  flight are freed, the others when their last reference goes. */
void task_detach_all(struct conn *c);
/** Did a task of @p itt end in its data phase (late Data-Out dropped)? */
int itt_dead(const struct conn *c, uint32_t itt);

#endif
