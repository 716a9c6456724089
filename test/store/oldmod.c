/* SPDX-License-Identifier: MIT */
/*
 * store_oldmod.c - a backend module from another rackboot version, for
 * test_store: its entry point answers, with a version the loader must
 * refuse.  Built as <build>/test/oldmod/store_rbd.so.
 */
#include <stddef.h>

#include "store/store.h"

const struct store_module *rackboot_store_module_v1(void)
{
	static const struct store_ops ops = {.name = "old"};
	static const struct store_module m = {
	        .abi = STORE_MODULE_ABI,
	        .version = "0.0.0-old",
	        .ops = &ops,
	};

	return &m;
}
