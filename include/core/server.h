/* SPDX-License-Identifier: MIT */
/*
 * server.h - the process: one libuv loop that owns all state, the active
 * configuration, signals (SIGHUP reload, SIGTERM/SIGINT graceful stop,
 * SIGUSR1 state dump) and the services plugged into the loop, whose table
 * the composition root (main.c) hands to server_init().
 */
#ifndef RACKBOOT_SERVER_H
#define RACKBOOT_SERVER_H

#include <uv.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/priv.h"

/**
 * A capability plugged into the loop (the interface view, DHCP, TFTP, HTTP,
 * iSCSI; main.c lists them).  Every hook runs on the loop, in table order
 * (close in reverse order).
 */
struct service {
	const char *name;
	/** Bind sockets and start serving, before privileges are dropped.
	 *  @ret rc 0 or -errno; a failure stops start-up. */
	int (*start)(uv_loop_t *loop, const struct conf *c);
	/** A new configuration was swapped in; adopt it without dropping
	 *  work in flight.  May be NULL. */
	void (*reload)(const struct conf *old, const struct conf *nc);
	/** Stop taking new work.  Work in flight goes on. */
	void (*stop)(void);
	/** Units of work still in flight (transfers, sessions).  May be NULL. */
	unsigned (*busy)(void);
	/** Log counters and state at LOG_INFO (SIGUSR1).  May be NULL. */
	void (*log_state)(void);
	/** Append counters in Prometheus text format.  May be NULL. */
	void (*metrics)(struct buf *b);
	/** Close every handle; called once, after stop(), and also when
	 *  start-up failed, so it must be safe on a service never started. */
	void (*close)(void);
};

/** The server object.  Owner: main(); the loop thread alone changes it. */
struct server {
	uv_loop_t loop;
	struct conf *conf;      /* the active configuration (one reference) */
	unsigned generation;    /* incremented by each successful reload */
	int stopping;           /* 1 after the first SIGTERM/SIGINT */
	int started;            /* services started */
	int debug;              /* -d: debug logging whatever the config says */
	struct priv_id id;      /* who rackboot runs as after start-up */
	uint64_t stop_deadline; /* loop time (ms) at which waiting ends */
	uv_signal_t sig_hup, sig_term, sig_int, sig_usr1;
	uv_timer_t stop_timer;
	time_t started_at; /* wall clock at start, for /metrics */
	uint64_t reloads, reloads_failed;
	const struct service *services; /* main.c's table, static */
	size_t nservices;
};

/** The one server of the process. */
extern struct server server;

/**
 * Set up the loop and signal handlers, taking over the caller's reference
 * to @p c.  The @p nservices services of @p services (which must outlive
 * the server) are started, reloaded, stopped and closed in that order.
 *
 * @ret rc	0 or -errno
 */
int server_init(struct conf *c, const struct service *services, size_t nservices);

/**
 * Start every service (binding what needs binding), create the state
 * folder, then drop to @p id when running as root.
 *
 * @ret rc	0 or -errno (already logged)
 */
int server_start(const struct priv_id *id);

/** Run the loop until a stop completes (after a failed start too, to close
 *  what was opened).  @ret rc 0, or -EBUSY when
 *  handles were still open at the end (a bug, logged). */
int server_run(void);

/** Non-zero if a request that arrived on @p ifindex is to be served
 *  (server.interfaces of the active configuration). */
int server_serves_ifindex(int ifindex);

/** Non-zero if a connection to local address @p addr (host order) is to
 *  be served: the address is on an interface of server.interfaces, or is
 *  a loopback address. */
int server_serves_addr(uint32_t addr);

/** Append every service's counters, and the process's, in Prometheus
 *  text format (what /metrics serves). */
void server_metrics(struct buf *b);

/** Re-read the configuration file (what SIGHUP does). */
void server_reload(void);

/** Begin a graceful stop (what SIGTERM does); a second call forces it. */
void server_stop(void);

#endif
