#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs every Debian 12 package that building, testing and the demo
# need.  The one list, used by `make test` and `make demo`.
set -e
PACKAGES="
	build-essential pkg-config
	libuv1-dev libconfig-dev libmicrohttpd-dev libnl-3-dev libnl-route-3-dev
	libiscsi-dev librbd-dev librados-dev nettle-dev libcmocka-dev
	clang libclang-rt-14-dev clang-format
	mandoc iproute2 socat util-linux procps systemd
	busybox isc-dhcp-client isc-dhcp-relay kea-admin dnsmasq-base tcpdump
	tftp-hpa atftp nftables ipxe curl jq chromium wrk slowhttptest
	libiscsi-bin tgt
	ceph-mon ceph-osd ceph-common
	qemu-system-x86 ipxe-qemu ovmf binutils systemd-boot-efi mtools fdisk
	debhelper dpkg-dev fakeroot lintian debootstrap
"
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ] || [ "${1:-}" = "--update" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $PACKAGES
fi
