#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make install honours PREFIX and DESTDIR and installs the binary, the man
# pages, the templates, the example configuration and the systemd unit.
. "$(dirname "$0")/lib.sh"
t_plan 18

D=$T_DIR/root
make -s install DESTDIR="$D" PREFIX=/usr B="$T_DIR/b" >"$T_DIR/log" 2>&1
check "make install DESTDIR=... PREFIX=/usr succeeds" [ $? -eq 0 ]
for f in usr/sbin/rackboot usr/share/man/man8/rackboot.8 usr/share/man/man5/rackboot.conf.5 \
	usr/share/rackboot/templates/iscsi.ipxe usr/share/rackboot/templates/linux.ipxe \
	usr/share/rackboot/templates/menu.ipxe usr/share/rackboot/templates/unknown.ipxe \
	usr/share/rackboot/rackboot.conf.example etc/rackboot/rackboot.conf \
	usr/lib/systemd/system/rackboot.service usr/lib/rackboot/store_rbd.so; do
	check "installs /$f" [ -f "$D/$f" ]
done
check "PREFIX=/usr puts the configuration under /etc" [ -d "$D/etc/rackboot/nodes.d" ]
check "the man page shows the installed template folder" \
	grep -q "/usr/share/rackboot/templates" "$D/usr/share/man/man5/rackboot.conf.5"
check "the binary's defaults match: -h names /etc/rackboot/rackboot.conf" \
	bash -c "'$D/usr/sbin/rackboot' -h | grep -q '/etc/rackboot/rackboot.conf'"
check "the unit runs the installed binary" \
	grep -q "^ExecStart=/usr/sbin/rackboot -f -c /etc/rackboot/rackboot.conf$" \
	"$D/usr/lib/systemd/system/rackboot.service"
check "an existing configuration is never overwritten" bash -c "
	echo '# mine' > '$D/etc/rackboot/rackboot.conf'
	make -s install DESTDIR='$D' PREFIX=/usr B='$T_DIR/b' >/dev/null 2>&1
	grep -q '# mine' '$D/etc/rackboot/rackboot.conf'"
make -s install DESTDIR="$T_DIR/local" B="$T_DIR/b2" >/dev/null 2>&1
check "the default PREFIX is /usr/local, configuration in /usr/local/etc" \
	[ -f "$T_DIR/local/usr/local/sbin/rackboot" ] && [ -f "$T_DIR/local/usr/local/etc/rackboot/rackboot.conf" ]
t_done
