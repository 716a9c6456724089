/* SPDX-License-Identifier: MIT */
/*
 * util.h - the few language helpers every subsystem uses, in one copy.
 */
#ifndef RACKBOOT_CORE_UTIL_H
#define RACKBOOT_CORE_UTIL_H

#include <stddef.h>

/* The object that embeds @ptr as its @member: how a libuv handle or a
 * queued job finds its owner (the owner embeds it; never the other way). */
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
