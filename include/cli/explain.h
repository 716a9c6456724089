/* SPDX-License-Identifier: MIT */
/*
 * explain.h - `rackboot explain <mac> [--arch N] [--ipxe]`: what a machine
 * would get, computed by the same code that serves it (the DHCP reply
 * builder, the script renderer), without touching the network.
 */
#ifndef RACKBOOT_EXPLAIN_H
#define RACKBOOT_EXPLAIN_H

/**
 * Run the subcommand.  @p argv[0] is "explain".
 *
 * @ret status	an exit status: 0, 1 (configuration), 2 (usage)
 */
int explain_main(const char *conf_path, int argc, char **argv);

#endif
