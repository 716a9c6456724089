#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages, as an operator installs them: dpkg-buildpackage
# builds rackboot and rackboot-rbd from a copy of the tree, lintian finds
# nothing at warning level, and in a bare Debian 12 root (bare_lib.sh) apt
# installs rackboot: rackboot -V and -t on the shipped configuration work,
# the user and the enabled unit are there, an rbd configuration is refused
# naming rackboot-rbd until that package is installed, and remove and purge
# leave nothing but what policy keeps (the user; the machines' volumes).
# Slow: about 3 minutes (the build, then apt in the root; packages come from
# the host's apt cache or its Debian mirror; the first run also makes the
# bare root's tarball with debootstrap).  Every step has a timeout.
# timeout: 1500
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bare_lib.sh"
t_plan 24

for c in dpkg-buildpackage dh lintian debootstrap fakeroot; do
	command -v "$c" >/dev/null ||
		{ not_ok "$c is installed (debhelper dpkg-dev fakeroot lintian debootstrap)"; t_done; exit; }
done
# bare_root registers its own clean-up with the harness (t_atexit)
R=$T_DIR/bareroot

# ---- build, from a copy of the tree (dpkg-buildpackage writes to ..)
mkdir -p "$T_DIR/pkg/src"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T - |
		tar -C "$T_DIR/pkg/src" -xf -
else
	tar -cf - --exclude=./build . | tar -C "$T_DIR/pkg/src" -xf -
fi
t0=$SECONDS
(cd "$T_DIR/pkg/src" && timeout 900 dpkg-buildpackage -us -uc -b -j2) >"$T_DIR/build.log" 2>&1
check "dpkg-buildpackage -us -uc -b builds ($((SECONDS - t0)) s)" test $? -eq 0 ||
	{ tail -20 "$T_DIR/build.log" | sed 's/^/# /'; t_done; exit; }
DEB=$(ls "$T_DIR"/pkg/rackboot_*.deb 2>/dev/null)
RBD=$(ls "$T_DIR"/pkg/rackboot-rbd_*.deb 2>/dev/null)
check "... both packages, rackboot and rackboot-rbd" test -f "$DEB" -a -f "$RBD"
timeout 600 lintian --fail-on warning --display-level ">=warning" "$T_DIR"/pkg/*.changes \
	>"$T_DIR/lintian.out" 2>&1
check "lintian: nothing at warning level or above" test $? -eq 0
grep -E '^[EW]: ' "$T_DIR/lintian.out" | sed 's/^/# /'
check "the module is only in rackboot-rbd" \
	bash -c "dpkg -c '$RBD' | grep -c ' ./usr/lib/rackboot/store_rbd.so$' >/dev/null &&
	         ! dpkg -c '$DEB' | grep -c store_rbd >/dev/null"
check "the configuration is a conffile" \
	bash -c "dpkg-deb -I '$DEB' conffiles | grep -qx /etc/rackboot/rackboot.conf"
check "rackboot does not depend on Ceph's libraries; rackboot-rbd does" \
	bash -c "! dpkg-deb -f '$DEB' Depends | grep -qE 'librbd|librados' &&
	         dpkg-deb -f '$RBD' Depends | grep -q librbd1"

# ---- a bare Debian root
t0=$SECONDS
bare_root "$R" >"$T_DIR/bare.log" 2>&1
check "a bare Debian 12 root ($((SECONDS - t0)) s)" test $? -eq 0 ||
	{ sed 's/^/# /' "$T_DIR/bare.log"; t_done; exit; }
# bare_root leaves documentation out of its packages; this test checks
# that rackboot's man pages and doc folder come and go with it.
sed -i -e '\|^path-exclude=/usr/share/man/|d' -e '\|^path-exclude=/usr/share/doc/|d' \
	"$R/etc/dpkg/dpkg.cfg.d/rackboot-test"
cp "$DEB" "$RBD" "$R/tmp/"
in_root() { bare_root_exec "$R" timeout "${TO:-120}" "$@"; }
TO=300 in_root apt-get update -q >"$T_DIR/apt.log" 2>&1
TO=600 in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$DEB")" \
	>>"$T_DIR/apt.log" 2>&1
rc=$?
check "apt installs rackboot in it" test $rc -eq 0
[ $rc -eq 0 ] || tail -20 "$T_DIR/apt.log" | sed 's/^/# /'
check "rackboot -V names the version" \
	bash -c "timeout 10 chroot '$R' rackboot -V | grep -qx 'rackboot $(dpkg-deb -f "$DEB" Version)'"
in_root rackboot -t >"$T_DIR/t.out" 2>&1
check "rackboot -t accepts the shipped configuration" test $? -eq 0
sed 's/^/# /' "$T_DIR/t.out"
check "the system user rackboot exists" bash -c "chroot '$R' getent passwd rackboot >/dev/null"
check "the unit is enabled (multi-user.target.wants)" \
	test -L "$R/etc/systemd/system/multi-user.target.wants/rackboot.service"
check "the man pages and templates are installed" \
	test -f "$R/usr/share/man/man8/rackboot.8.gz" -a -f "$R/usr/share/man/man5/rackboot.conf.5.gz" \
	-a -f "$R/usr/share/rackboot/templates/iscsi.ipxe"
check "no Ceph library came with rackboot" \
	bash -c "test -x '$R/usr/sbin/rackboot' &&
	         ! ls '$R'/usr/lib/x86_64-linux-gnu/librbd.so* >/dev/null 2>&1"

# an rbd configuration: refused without the module, naming its package
sed -e 's|backend = "file";|backend = "rbd"; ceph_conf = "/etc/ceph/ceph.conf"; client = "rackboot";|' \
	"$R/etc/rackboot/rackboot.conf" >"$R/tmp/rbd.conf"
grep -q 'backend = "rbd"' "$R/tmp/rbd.conf" || not_ok "the rbd test configuration was made"
in_root rackboot -t -c /tmp/rbd.conf >"$T_DIR/rbd1.out" 2>&1
check "without rackboot-rbd, -t refuses storage.backend rbd" test $? -ne 0
check "... file:line, naming the package rackboot-rbd" \
	grep -q "^/tmp/rbd.conf:[0-9]*: error: .*install the package rackboot-rbd" "$T_DIR/rbd1.out"
sed 's/^/# /' "$T_DIR/rbd1.out"
TO=600 in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$RBD")" \
	>>"$T_DIR/apt.log" 2>&1
rc=$?
check "apt installs rackboot-rbd (and Ceph's libraries)" test $rc -eq 0
[ $rc -eq 0 ] || tail -20 "$T_DIR/apt.log" | sed 's/^/# /'
in_root rackboot -t -c /tmp/rbd.conf >"$T_DIR/rbd2.out" 2>&1
check "with rackboot-rbd, the module loads and -t accepts the rbd configuration" test $? -eq 0
sed 's/^/# /' "$T_DIR/rbd2.out"

# ---- remove and purge
mkdir -p "$R/var/lib/rackboot/volumes"
echo disk >"$R/var/lib/rackboot/volumes/node01.img"
echo lease >"$R/var/lib/rackboot/leases" # what a running rackboot leaves
in_root apt-get remove -y -q rackboot-rbd >>"$T_DIR/apt.log" 2>&1
check "apt removes rackboot-rbd" test $? -eq 0
check "... and its module" test ! -e "$R/usr/lib/rackboot"
in_root apt-get purge -y -q rackboot >>"$T_DIR/apt.log" 2>&1
check "apt purges rackboot" test $? -eq 0
left=""
for f in /usr/sbin/rackboot /etc/rackboot /lib/systemd/system/rackboot.service \
	/etc/systemd/system/multi-user.target.wants/rackboot.service /usr/share/rackboot \
	/usr/share/doc/rackboot /usr/share/man/man8/rackboot.8.gz /var/lib/rackboot/leases \
	/var/lib/rackboot/tftp /var/lib/rackboot/http; do
	[ -e "$R$f" ] || [ -L "$R$f" ] && left="$left $f"
done
check "purge leaves none of the package's files${left:+ (left:$left)}" test -z "$left"
check "... no dpkg record of either package" \
	bash -c "! chroot '$R' dpkg -s rackboot rackboot-rbd >/dev/null 2>&1"
check "... keeps what policy keeps: the user, and the machines' volumes" \
	bash -c "chroot '$R' getent passwd rackboot >/dev/null &&
	         test -f '$R/var/lib/rackboot/volumes/node01.img'"
t_done
