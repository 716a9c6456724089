/* SPDX-License-Identifier: MIT */
/*
 * test_store.c - choosing the backstore (store.c): the file backend is
 * built in; the rbd one is a module whose absence, breakage or other
 * version is refused with a reason that names the package to install.
 * The modules here are made by the Makefile beside this test's binary.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/conf.h"
#include "store/store.h"

static char test_dir[PATH_MAX];

/* The rbd backend from module folder @p sub of this test's folder. */
static const struct store_ops *rbd_from(const char *sub, char *why, size_t cap)
{
	char dir[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/%s", test_dir, sub);
	setenv("RACKBOOT_MODULE_DIR", dir, 1);
	why[0] = 0;
	return store_backend(STORE_RBD, why, cap);
}

static void test_file_is_built_in(void **state)
{
	char why[256] = "";

	(void)state;
	setenv("RACKBOOT_MODULE_DIR", "/nonexistent", 1);
	assert_ptr_equal(store_backend(STORE_FILE, why, sizeof(why)), &store_file_ops);
	assert_string_equal(store_file_ops.name, "file");
	assert_non_null(store_file_ops.start);
	assert_non_null(store_file_ops.reload);
	assert_non_null(store_file_ops.stop);
}

static void test_missing_module(void **state)
{
	char why[512];

	(void)state;
	assert_null(rbd_from("nomod", why, sizeof(why)));
	assert_non_null(strstr(why, "the rbd backend is not installed"));
	assert_non_null(strstr(why, "nomod/store_rbd.so"));
	assert_non_null(strstr(why, "install the package rackboot-rbd"));
}

static void test_broken_module(void **state)
{
	char why[512];

	(void)state;
	/* not an ELF object: dlopen's own reason, and the package */
	assert_null(rbd_from("badmod", why, sizeof(why)));
	assert_non_null(strstr(why, "cannot load the rbd backend: "));
	assert_non_null(strstr(why, "badmod/store_rbd.so"));
	assert_non_null(strstr(why, "rackboot-rbd"));
}

static void test_other_version(void **state)
{
	char why[512];

	(void)state;
	assert_null(rbd_from("oldmod", why, sizeof(why)));
	assert_non_null(strstr(why, "is not a rackboot " RACKBOOT_VERSION " rbd module"));
	assert_non_null(strstr(why, "version 0.0.0-old"));
	assert_non_null(strstr(why, "rackboot-rbd of the same version"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_file_is_built_in),
	        cmocka_unit_test(test_missing_module),
	        cmocka_unit_test(test_broken_module),
	        cmocka_unit_test(test_other_version),
	};
	char self[PATH_MAX], bad[PATH_MAX + 32];
	FILE *f;

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(test_dir, sizeof(test_dir), "%s", dirname(self));
	snprintf(bad, sizeof(bad), "%s/badmod", test_dir);
	if (mkdir(bad, 0755) < 0 && errno != EEXIST)
		return 1;
	strcat(bad, "/store_rbd.so");
	f = fopen(bad, "w");
	if (!f || fputs("not an ELF object\n", f) < 0 || fclose(f) != 0)
		return 1;
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
