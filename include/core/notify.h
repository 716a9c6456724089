/* SPDX-License-Identifier: MIT */
/*
 * notify.h - the service manager's readiness protocol (sd_notify(3) wire
 * format: one datagram of "KEY=value" lines to $NOTIFY_SOCKET), spoken
 * directly so that rackboot needs no libsystemd.  Harmless when the variable
 * is unset.
 */
#ifndef RACKBOOT_NOTIFY_H
#define RACKBOOT_NOTIFY_H

/**
 * Send @p state ("READY=1", "RELOADING=1", "STOPPING=1", ...) to the service
 * manager, if any.
 *
 * @ret rc	0 (also when there is no manager) or -errno
 */
int notify_send(const char *state);

#endif
