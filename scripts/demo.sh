#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: install what is needed, build, and run rackboot with the
# example configuration in a rack network of its own (network namespaces
# joined by a veth pair), show it working, and clean up on exit or Ctrl-C.
#
# DEMO_SECONDS=N runs for N seconds and stops by itself (the default when
# standard input is not a terminal); otherwise it runs until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (network namespaces)"; exit 1; }

sh scripts/deps.sh
make -s all
id rackboot >/dev/null 2>&1 ||
	useradd --system --no-create-home --shell /usr/sbin/nologin rackboot

NS=rbdemo
DIR=$(mktemp -d /tmp/rackboot-demo.XXXXXX)
chmod 755 "$DIR"
PID=
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS-rack" 2>/dev/null || true
	ip netns del "$NS-node" 2>/dev/null || true
	rm -rf "$DIR"
	echo "demo: cleaned up"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "a rack network: namespace $NS-rack (rackboot, eth1 10.0.0.1/24) <-> $NS-node (a machine)"
ip netns del "$NS-rack" 2>/dev/null || true
ip netns del "$NS-node" 2>/dev/null || true
ip netns add "$NS-rack"
ip netns add "$NS-node"
ip -n "$NS-rack" link set lo up
ip link add rbdemo0 type veth peer name rbdemo1
ip link set rbdemo0 netns "$NS-rack" name eth1
ip link set rbdemo1 netns "$NS-node" name eth0
ip -n "$NS-rack" addr add 10.0.0.1/24 dev eth1
ip -n "$NS-rack" link set eth1 up
ip -n "$NS-rack" -br addr

step "the example configuration (etc/rackboot.conf), state kept in $DIR"
mkdir -p "$DIR/tftp" "$DIR/http" "$DIR/nodes.d"
cp /usr/lib/ipxe/ipxe.efi /usr/lib/ipxe/undionly.kpxe "$DIR/tftp/"
chmod -R a+rX "$DIR/tftp" "$DIR/http" "$DIR/nodes.d"
sed -e "s|state_dir = \"/var/lib/rackboot\"|state_dir = \"$DIR/state\"|" \
	-e "s|root = \"/srv/rackboot/tftp\"|root = \"$DIR/tftp\"|" \
	-e "s|root = \"/srv/rackboot/http\"|root = \"$DIR/http\"|" \
	-e "s|overrides = \"/etc/rackboot/nodes.d\";|overrides = \"$DIR/nodes.d\"; templates = \"$PWD/templates\";|" \
	etc/rackboot.conf >"$DIR/rackboot.conf"
chgrp rackboot "$DIR/rackboot.conf" && chmod 640 "$DIR/rackboot.conf"
build/rackboot -t -c "$DIR/rackboot.conf"

step "rackboot -f, in the rack namespace"
ip netns exec "$NS-rack" build/rackboot -f -c "$DIR/rackboot.conf" 2>&1 | sed -u 's/^/  | /' &
sleep 1
PID=$(pgrep -n -f "rackboot -f -c $DIR/rackboot.conf" || true)
[ -n "$PID" ] || { echo "demo: rackboot did not start"; exit 1; }
grep -E '^(Uid|CapEff)' "/proc/$PID/status" | sed 's/^/  /'

step "the machine's link comes up: rackboot sees it live"
ip -n "$NS-node" link set eth0 up
sleep 0.5

step "the machine (MAC 52:54:00:12:34:56, node01) boots: its PXE ROM asks for an address"
ip -n "$NS-node" link set eth0 address 52:54:00:12:34:56
cat >"$DIR/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && echo "  machine got: ip=$ip router=$router next-server=$siaddr boot file=$boot_file"
exit 0
SCRIPT
chmod +x "$DIR/udhcpc.sh"
ip netns exec "$NS-node" busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s "$DIR/udhcpc.sh" \
	-V PXEClient:Arch:00007:UNDI:003016 -x 93:0007 2>/dev/null | grep "machine got"
step "the ROM loads that binary over TFTP (Debian's ipxe.efi, windowed)"
ip -n "$NS-node" addr add 10.0.0.11/24 dev eth0
ip netns exec "$NS-node" busybox tftp -b 1468 -g -r ipxe.efi -l "$DIR/fetched.efi" 10.0.0.1
echo "  fetched $(stat -c %s "$DIR/fetched.efi") bytes; $(cmp -s "$DIR/fetched.efi" /usr/lib/ipxe/ipxe.efi && echo "identical to /usr/lib/ipxe/ipxe.efi" || echo "DIFFERENT from the original")"
ip -n "$NS-node" addr flush dev eth0
step "... and once it runs iPXE it asks again and is handed its script's URL"
ip netns exec "$NS-node" busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s "$DIR/udhcpc.sh" \
	-x 77:69505845 2>/dev/null | grep "machine got"

step "iPXE fetches that URL: node01's script, rendered from templates/iscsi.ipxe"
ip -n "$NS-node" addr add 10.0.0.11/24 dev eth0
ip netns exec "$NS-node" curl -s --max-time 5 http://10.0.0.1:8080/boot/52:54:00:12:34:56.ipxe |
	sed 's/^/  script | /'
step "the same URL from another address is refused: the script holds node01's CHAP secret"
ip -n "$NS-node" addr add 10.0.0.99/24 dev eth0
echo "  $(ip netns exec "$NS-node" curl -s --max-time 5 --interface 10.0.0.99 \
	-o /dev/null -w 'HTTP %{http_code}' http://10.0.0.1:8080/boot/52:54:00:12:34:56.ipxe)"
step "an operator drops a script for node01 into the override folder: the next boot gets it"
printf '#!ipxe\necho rescue boot for node01\nshell\n' >"$DIR/nodes.d/52-54-00-12-34-56.ipxe"
chmod a+r "$DIR/nodes.d/52-54-00-12-34-56.ipxe"
ip netns exec "$NS-node" curl -s --max-time 5 --interface 10.0.0.11 \
	http://10.0.0.1:8080/boot/52:54:00:12:34:56.ipxe | sed 's/^/  script | /'
step "node01's boot timeline, as /api/nodes and the /status page show it"
ip netns exec "$NS-node" curl -s --max-time 5 --interface 10.0.0.11 \
	http://10.0.0.1:8080/api/nodes/52:54:00:12:34:56 |
	jq -r '.timeline[] | "  \(.at / 1000 | strftime("%H:%M:%S")) \(.event) \(.detail)"'
ip -n "$NS-node" addr flush dev eth0

step "an address added to the rack interface is seen without a restart"
ip -n "$NS-rack" addr add 10.0.0.2/24 dev eth1
sleep 0.5

step "SIGHUP with a broken configuration: reported, the old one keeps serving"
cp "$DIR/rackboot.conf" "$DIR/good.conf"
echo 'dhcp: { lease_tme = 5; };' >>"$DIR/rackboot.conf"
kill -HUP "$PID"
sleep 0.5
cp "$DIR/good.conf" "$DIR/rackboot.conf"
kill -HUP "$PID"
sleep 0.5
kill -USR1 "$PID"
sleep 0.5

echo
echo "rackboot is running (pid $PID). Its DHCP, TFTP and HTTP servers answered above;"
echo "the iSCSI target that the script sanboots is not in this version yet."
if [ -n "${DEMO_SECONDS:-}" ] || [ ! -t 0 ]; then
	sleep "${DEMO_SECONDS:-3}"
else
	echo "Press Ctrl-C to stop."
	while kill -0 "$PID" 2>/dev/null; do sleep 1; done
fi
step "SIGTERM: graceful stop"
