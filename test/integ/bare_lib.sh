# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# A bare Debian 12 root for tests that must start from nothing (t_bare.sh:
# the README's set-up; the package test): debootstrap --variant=minbase
# bookworm, made once into a tarball under $BARE_CACHE and unpacked afresh for
# each test, with /proc, /sys, /dev and the host's APT package cache mounted
# in, so packages the host already downloaded are not fetched again.  The
# mirror is the host's own (its APT sources), never a hard-coded one.  It owns
# the roots it makes and their mounts: bare_root_cleanup unmounts and removes
# them, is safe to call twice, and is registered with lib.sh's EXIT trap
# (t_atexit) when it is sourced after lib.sh.  A mount that will not go
# keeps its root on disk: removing through a bind mount would delete the
# host's files.
BARE_CACHE=${BARE_CACHE:-/var/cache/rackboot-test}
BARE_SUITE=bookworm
BARE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# bare_sources: the host's enabled APT sources as "URI SUITE" lines, from
# both formats APT reads (one-line .list files and deb822 .sources files).
bare_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) while ($i !~ /\]$/ && i < NF) i++
			if ($i ~ /\]$/) i++
			print $i, $(i + 1)
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'function flush(   n, m, i, j, u, s) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				n = split(uris, u, " "); m = split(suites, s, " ")
				for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j]
			}
			types = uris = suites = enabled = ""
		}
		/^[[:space:]]*#/ { next }
		/^[[:space:]]*$/ { flush(); next }
		{ key = tolower($1); val = $0; sub(/^[^:]*:[[:space:]]*/, "", val) }
		key == "types:" { types = val }
		key == "uris:" { uris = val }
		key == "suites:" { suites = val }
		key == "enabled:" { enabled = tolower(val) }
		END { flush() }' "$f"
	done
}

# bare_mirror SUITE: the host's URI for SUITE (bookworm, bookworm-security).
bare_mirror() {
	bare_sources | awk -v s="$1" '$2 == s { sub(/\/$/, "", $1); print $1; exit }'
}

# bare_tarball: the cached minbase root ($BARE_CACHE/bookworm-minbase.tar),
# made under a lock (several tests may ask at once) when it is missing or
# older than 30 days; prints its path.
bare_tarball() {
	local tar=$BARE_CACHE/$BARE_SUITE-minbase.tar mirror tmp
	mirror=$(bare_mirror "$BARE_SUITE")
	if [ -z "$mirror" ]; then
		echo "# bare_root: the host's APT sources name no $BARE_SUITE mirror" >&2
		return 1
	fi
	mkdir -p "$BARE_CACHE" /var/cache/apt/archives || return 1
	(
		flock 9
		[ -s "$tar" ] && [ -z "$(find "$tar" -mtime +30)" ] && exit 0
		tmp=$(mktemp -d "$BARE_CACHE/make.XXXXXX") || exit 1
		echo "# bare_root: debootstrap --variant=minbase $BARE_SUITE from $mirror (once)" >&2
		# --cache-dir: the .debs come from, and go to, the host's APT cache.
		if timeout 900 debootstrap --variant=minbase --cache-dir=/var/cache/apt/archives \
			"$BARE_SUITE" "$tmp/root" "$mirror" >"$tmp/log" 2>&1 &&
			bare_unmount "$tmp/root" &&
			tar -C "$tmp/root" --numeric-owner -cf "$tar.new" . && mv "$tar.new" "$tar"; then
			rm -rf "$tmp"
		else
			echo "# bare_root: debootstrap failed; the end of its log:" >&2
			tail -n 20 "$tmp/log" | sed 's/^/#   /' >&2
			# debootstrap mounts /proc and /sys into its target while it works.
			bare_unmount "$tmp" && rm -rf "$tmp"
			rm -f "$tar.new"
			exit 1
		fi
	) 9>"$BARE_CACHE/lock" || return 1
	echo "$tar"
}

# bare_mounts DIR: the mount points at or under DIR, deepest first.
bare_mounts() {
	local dir
	dir=$(realpath -m "$1")
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r
}

# bare_unmount DIR: end the processes whose root is in DIR (a daemon a
# package started, a gpg-agent), then unmount everything under it; fails
# if something stays mounted.
bare_unmount() {
	local dir p m
	dir=$(realpath -m "$1")
	for p in /proc/[0-9]*; do
		case "$(readlink "$p/root" 2>/dev/null)" in
		"$dir" | "$dir"/*) kill -KILL "${p#/proc/}" 2>/dev/null ;;
		esac
	done
	for m in $(bare_mounts "$dir"); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	[ -z "$(bare_mounts "$dir")" ]
}

# bare_root DIR: a fresh minbase bookworm root at DIR (which must not
# exist), its APT sources the host's mirrors, no service started by a
# package install (policy-rc.d), mounts in place (a devpts of its own: apt
# and dpkg log through a pty).
bare_root() {
	local dir=$1 tar mirror security
	[ ! -e "$dir" ] || { echo "# bare_root: $dir exists" >&2; return 1; }
	tar=$(bare_tarball) || return 1
	mirror=$(bare_mirror "$BARE_SUITE")
	security=$(bare_mirror "$BARE_SUITE-security")
	if declare -F t_atexit >/dev/null; then
		t_atexit "bare_root_cleanup $(printf %q "$dir")"
	fi
	mkdir -p "$dir" && tar -C "$dir" --numeric-owner -xpf "$tar" || return 1
	{
		echo "deb $mirror $BARE_SUITE main"
		echo "deb $mirror $BARE_SUITE-updates main"
		[ -z "$security" ] || echo "deb $security $BARE_SUITE-security main"
	} >"$dir/etc/apt/sources.list"
	cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
	# Debian's convention for chroots: invoke-rc.d asks policy-rc.d, and 101
	# means "do not start" (the tgt and ceph packages would start daemons).
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	# A throw-away root need not survive a power cut: dpkg's fsync of every
	# file it unpacks would make the package install several times slower.
	# Nor does it need the packages' documentation (as Debian's slim images)
	# or man-db's index of it, rebuilt on every install.
	printf '%s\n' force-unsafe-io path-exclude=/usr/share/doc/* path-exclude=/usr/share/man/* \
		path-exclude=/usr/share/info/* path-exclude=/usr/share/locale/* \
		>"$dir/etc/dpkg/dpkg.cfg.d/rackboot-test"
	echo 'man-db man-db/auto-update boolean false' |
		chroot "$dir" debconf-set-selections || return 1
	mount -t proc proc "$dir/proc" &&
		mount -t sysfs sysfs "$dir/sys" &&
		mount --bind /dev "$dir/dev" &&
		mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$dir/dev/pts" &&
		mount --bind /var/cache/apt/archives "$dir/var/cache/apt/archives"
}

# bare_root_exec DIR CMD...: run CMD as root in DIR with a clean, sane
# environment (nothing of the host's leaks in); its status.
bare_root_exec() {
	local dir=$1
	shift
	chroot "$dir" /usr/bin/env -i PATH="$BARE_PATH" HOME=/root TERM=dumb LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}

# bare_root_cleanup DIR: unmount and remove DIR; nothing to do when it is
# gone already.  Leaves DIR (and says so) if a mount under it will not go.
bare_root_cleanup() {
	local dir=$1
	[ -e "$dir" ] || return 0
	if ! bare_unmount "$dir"; then
		echo "# bare_root_cleanup: still mounted under $dir, left in place:" >&2
		bare_mounts "$dir" | sed 's/^/#   /' >&2
		return 1
	fi
	rm -rf "$dir"
}
