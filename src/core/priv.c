/* SPDX-License-Identifier: MIT */
/*
 * priv.c - switch from root to the configured user, keeping exactly the
 * capabilities rackboot(8) documents.  Uses the capset(2) system call
 * directly: the whole job is one bit mask.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/priv.h"

/* The capabilities kept after the switch (see priv.h for why). */
#define PRIV_KEEP ((1u << CAP_NET_BIND_SERVICE) | (1u << CAP_NET_ADMIN))

int priv_lookup(const char *user, const char *group, struct priv_id *out)
{
	struct passwd *pw;
	struct group *gr;

	errno = 0;
	pw = user ? getpwnam(user) : NULL;
	if (!pw)
		return -ENOENT;
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	if (group && *group) {
		gr = getgrnam(group);
		if (!gr)
			return -ESRCH;
		out->gid = gr->gr_gid;
	}
	return 0;
}

static int capset_keep(uint32_t mask)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = mask;
	d[0].permitted = mask;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

int priv_drop(const struct priv_id *id)
{
	int rc;

	if (geteuid() != 0)
		return 0;
	/* Keep the permitted set across setuid(); the effective set is
	 * cleared by it and restored by capset below. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (setgroups(0, NULL) < 0)
		return -errno;
	if (setresgid(id->gid, id->gid, id->gid) < 0)
		return -errno;
	if (setresuid(id->uid, id->uid, id->uid) < 0)
		return -errno;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -errno;
	rc = capset_keep(PRIV_KEEP);
	if (rc < 0)
		return rc;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* Paranoia: root must be gone for good. */
	if (id->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return -EPERM;
	return 0;
}
