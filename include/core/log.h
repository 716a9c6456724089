/* SPDX-License-Identifier: MIT */
/*
 * log.h - the one place rackboot's messages leave the process: to stderr in
 * the foreground (-f), otherwise to syslog.  Messages carry syslog
 * priorities; lines below the configured level are dropped cheaply.
 */
#ifndef RACKBOOT_LOG_H
#define RACKBOOT_LOG_H

#include <syslog.h>

/**
 * Start logging.
 *
 * @v to_stderr	non-zero: write "rackboot[pid]: level: text" lines to stderr
 * @v level	most verbose priority written (LOG_ERR .. LOG_DEBUG)
 * @v facility	syslog facility when not writing to stderr
 */
void log_init(int to_stderr, int level, int facility);

/** Change the level (on reload, or -d). */
void log_set_level(int level);

/** Current level. */
int log_get_level(void);

/** Switch to syslog (after the daemon detached from its terminal). */
void log_to_syslog(int facility);

/** Change the syslog facility (on reload); reopens syslog if in use. */
void log_set_facility(int facility);

/** Write one message at priority @p pri. */
void log_msg(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)    log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)   log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)  log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
