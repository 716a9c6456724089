# SPDX-License-Identifier: MIT
# A bare Debian 12 root for the tests that install rackboot as an operator
# would: a minbase bookworm chroot unpacked from a cached tarball (made once
# with debootstrap from the host's Debian mirror), /proc /sys /dev mounted,
# the host's apt archives bind-mounted (read-only) so packages already
# downloaded are not fetched again.  Sourced after lib.sh.
#
#   bare_root DIR              make the root at DIR (DIR must not exist)
#   bare_root_exec DIR CMD...  run CMD in it (chroot, a clean environment)
#   bare_root_cleanup DIR      unmount and remove it (idempotent)
#
# BARE_CACHE is the tarball (default /var/cache/rackboot-test/
# bookworm-minbase.tar.gz); BARE_MIRROR the mirror (default: the host's
# first deb.debian.org-style URI from /etc/apt).  Every step is bounded by
# a timeout.

BARE_CACHE=${BARE_CACHE:-/var/cache/rackboot-test/bookworm-minbase.tar.gz}

bare_mirror() {
	[ -n "${BARE_MIRROR:-}" ] && { echo "$BARE_MIRROR"; return; }
	{
		sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null
		awk '$1 == "deb" {print $2}' /etc/apt/sources.list 2>/dev/null
	} | grep -v -- '-security' | head -1
}

# bare_cache: make the tarball once (a few minutes), under a lock.
bare_cache() {
	[ -s "$BARE_CACHE" ] && return 0
	command -v debootstrap >/dev/null || { echo "# bare_lib: debootstrap is not installed" >&2; return 1; }
	mkdir -p "$(dirname "$BARE_CACHE")"
	(
		flock -w 900 9 || exit 1
		[ -s "$BARE_CACHE" ] && exit 0
		local tmp
		tmp=$(mktemp -d /tmp/rbbare-cache.XXXXXX)
		timeout 900 debootstrap --variant=minbase bookworm "$tmp" "$(bare_mirror)" \
			>"$tmp.log" 2>&1 || { tail -5 "$tmp.log" >&2; rm -rf "$tmp" "$tmp.log"; exit 1; }
		rm -f "$tmp"/var/cache/apt/archives/*.deb
		tar -C "$tmp" -czf "$BARE_CACHE.tmp" . && mv "$BARE_CACHE.tmp" "$BARE_CACHE"
		rc=$?
		rm -rf "$tmp" "$tmp.log"
		exit $rc
	) 9>"$BARE_CACHE.lock"
}

bare_root() {
	local d=$1
	[ -e "$d" ] && { echo "# bare_lib: $d exists" >&2; return 1; }
	bare_cache || return 1
	mkdir -p "$d" && timeout 300 tar -C "$d" -xzf "$BARE_CACHE" || return 1
	mount -t proc proc "$d/proc" &&
		mount -t sysfs sys "$d/sys" &&
		mount --bind /dev "$d/dev" &&
		mount -t devpts devpts "$d/dev/pts" -o newinstance,ptmxmode=0666 2>/dev/null
	# the host's downloads, read-only and beside the root's own archive
	# folder (whose lock the host's apt may hold): linked in by name, apt
	# takes them as already downloaded
	mkdir -p "$d/var/cache/apt/host-archives" &&
		mount --bind -o ro /var/cache/apt/archives "$d/var/cache/apt/host-archives" || return 1
	mount -o remount,bind,ro "$d/var/cache/apt/host-archives" 2>/dev/null
	find "$d/var/cache/apt/host-archives" -maxdepth 1 -name '*.deb' -printf '%f\n' |
		while read -r f; do ln -sf "../host-archives/$f" "$d/var/cache/apt/archives/$f"; done
	cp /etc/resolv.conf "$d/etc/resolv.conf" 2>/dev/null
	# no service starts inside the root (policy-rc.d, invoke-rc.d(8))
	printf '#!/bin/sh\nexit 101\n' >"$d/usr/sbin/policy-rc.d"
	chmod 755 "$d/usr/sbin/policy-rc.d"
}

bare_root_exec() {
	local d=$1
	shift
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive chroot "$d" "$@"
}

bare_root_cleanup() {
	local d=$1 m
	[ -n "$d" ] && [ -d "$d" ] || return 0
	# innermost first
	for m in $(awk -v d="$(realpath "$d")" '$2 == d || index($2, d "/") == 1 {print $2}' \
		/proc/self/mounts | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	if awk -v d="$(realpath "$d")" 'index($2, d) == 1 {f = 1} END {exit !f}' /proc/self/mounts; then
		echo "# bare_lib: $d still has mounts; not removed" >&2
		return 1
	fi
	rm -rf --one-file-system "$d"
}
