/* SPDX-License-Identifier: MIT */
/*
 * priv.h - giving up root.  rackboot binds what needs binding as root, then
 * becomes server.user and keeps only the capabilities documented in
 * rackboot(8): CAP_NET_BIND_SERVICE (bind ports below 1024 again when a reload
 * or a new interface asks for it) and CAP_NET_ADMIN (neighbour entries for
 * DHCP replies to clients that have no address yet).
 */
#ifndef RACKBOOT_PRIV_H
#define RACKBOOT_PRIV_H

#include <sys/types.h>

/** The identity to switch to. */
struct priv_id {
	uid_t uid;
	gid_t gid;
};

/**
 * Look up a user and group by name.  An empty or NULL @p group means the
 * user's primary group.
 *
 * @ret rc	0, -ENOENT (no such user), -ESRCH (no such group)
 */
int priv_lookup(const char *user, const char *group, struct priv_id *out);

/**
 * Drop from root to @p id, keeping the documented capabilities in the
 * permitted and effective sets, clearing supplementary groups and setting
 * no_new_privs.  Does nothing (returns 0) when not running as root.
 *
 * @ret rc	0 or -errno
 */
int priv_drop(const struct priv_id *id);

#endif
