/* SPDX-License-Identifier: MIT */
/*
 * import.h - `rackboot import dnsmasq [options] FILE...`: the file side of
 * the import.  It reads dnsmasq's configuration with its includes, the
 * tftpd-hpa defaults and remap file, and a dnsmasq lease file, feeds them
 * to the pure model (import_dnsmasq.h), prints the rackboot.conf it makes
 * on standard output and the warnings on standard error, and writes the
 * imported leases into the lease journal of the state folder.
 */
#ifndef RACKBOOT_IMPORT_H
#define RACKBOOT_IMPORT_H

/**
 * Run the subcommand.  @p argv[0] is "import".
 *
 * @ret status	an exit status: 0, 1 (a file could not be read, or the
 *		result does not load), 2 (usage)
 */
int import_main(int argc, char **argv);

#endif
