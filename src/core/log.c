/* SPDX-License-Identifier: MIT */
/*
 * log.c - stderr or syslog output.  The state here (destination and level)
 * is set by the main thread before the loop starts and on reload, from the
 * loop; nothing else writes it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

static int log_stderr = 1;
static int log_level = LOG_INFO;
static int log_facility = LOG_DAEMON;

void log_init(int to_stderr, int level, int facility)
{
	log_stderr = to_stderr;
	log_level = level;
	log_facility = facility;
	if (!to_stderr)
		openlog("rackboot", LOG_PID | LOG_NDELAY, facility);
}

void log_to_syslog(int facility)
{
	if (log_stderr)
		openlog("rackboot", LOG_PID | LOG_NDELAY, facility);
	log_stderr = 0;
	log_facility = facility;
}

void log_set_facility(int facility)
{
	if (facility == log_facility)
		return;
	log_facility = facility;
	if (!log_stderr) {
		closelog();
		openlog("rackboot", LOG_PID | LOG_NDELAY, facility);
	}
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

static const char *pri_name(int pri)
{
	switch (pri) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void log_msg(int pri, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (pri > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_stderr)
		/* One fprintf per line keeps lines whole when stderr is shared. */
		fprintf(stderr, "rackboot[%ld]: %s: %s\n", (long)getpid(), pri_name(pri), line);
	else
		syslog(pri, "%s", line);
}
