/* SPDX-License-Identifier: MIT */
/*
 * store.c - which backstore serves the volumes.  The file backend is part
 * of the binary; the RBD backend is a module, store_rbd.so, shipped in the
 * rackboot-rbd package and loaded with dlopen() only when storage.backend
 * is "rbd", so that a rackboot on files neither maps Ceph's libraries (some
 * 11 MB) nor needs them installed.  The module directory is MODULEDIR,
 * or $RACKBOOT_MODULE_DIR (the tests load the build tree's module).  A
 * module is loaded once and never unloaded: librbd's threads and atexit
 * handlers outlive any point at which dlclose() would be safe.  Owns the
 * module handle; must not know any backend beyond its file name.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "store/store.h"

#ifndef MODULEDIR
#define MODULEDIR "/usr/local/lib/rackboot"
#endif

#define RBD_PACKAGE "rackboot-rbd"

static const struct store_ops *rbd_ops; /* once loaded */

/* Load <dir>/store_rbd.so and check that it is of this build. */
static const struct store_ops *load_rbd(char *why, size_t cap)
{
	const char *dir = secure_getenv("RACKBOOT_MODULE_DIR");
	const struct store_module *(*entry)(void);
	const struct store_module *m;
	char path[4096];
	void *h;

	if (!dir || !dir[0])
		dir = MODULEDIR;
	if ((size_t)snprintf(path, sizeof(path), "%s/store_rbd.so", dir) >= sizeof(path)) {
		snprintf(why, cap, "the module path under %s is too long", dir);
		return NULL;
	}
	if (access(path, F_OK) < 0) {
		snprintf(why, cap,
		         "the rbd backend is not installed (%s: %s); install the package %s", path,
		         strerror(errno), RBD_PACKAGE);
		return NULL;
	}
	/* RTLD_NOW: a module whose libraries are missing fails here, at
	 * start, rather than at the first volume's login */
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, cap, "cannot load the rbd backend: %s; reinstall the package %s",
		         dlerror(), RBD_PACKAGE);
		return NULL;
	}
	*(void **)&entry = dlsym(h, STORE_MODULE_SYM);
	m = entry ? entry() : NULL;
	if (!m || m->abi != STORE_MODULE_ABI || !m->version ||
	    strcmp(m->version, RACKBOOT_VERSION) != 0 || !m->ops) {
		snprintf(why, cap,
		         "%s is not a rackboot %s rbd module (%s %s); install the package %s of "
		         "the same version as rackboot",
		         path, RACKBOOT_VERSION, m && m->version ? "version" : "no",
		         m && m->version ? m->version : STORE_MODULE_SYM, RBD_PACKAGE);
		dlclose(h);
		return NULL;
	}
	return m->ops;
}

const struct store_ops *store_backend(int backend, char *why, size_t cap)
{
	if (backend != STORE_RBD)
		return &store_file_ops;
	if (!rbd_ops)
		rbd_ops = load_rbd(why, cap);
	return rbd_ops;
}
