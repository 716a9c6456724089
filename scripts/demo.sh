#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: install what is needed, build, and run rackboot with the
# example configuration in a rack network of its own (network namespaces
# joined by a veth pair), show it working, boot a real (emulated) machine
# through it from its iSCSI volume, and clean up on exit or Ctrl-C.
#
# DEMO_SECONDS=N runs for N seconds and stops by itself (the default when
# standard input is not a terminal); otherwise it runs until Ctrl-C.
# DEMO_SETUP_ONLY=1 installs and builds what the demo needs and stops there
# (test/integ/t_bare.sh: a bare root has no namespaces or QEMU to offer).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "make demo needs root (network namespaces)"; exit 1; }

sh scripts/deps.sh
make -s all build/test/ra_send
id rackboot >/dev/null 2>&1 ||
	useradd --system --no-create-home --shell /usr/sbin/nologin rackboot
if [ -n "${DEMO_SETUP_ONLY:-}" ]; then
	echo "demo: installed and built; DEMO_SETUP_ONLY, so not run"
	exit 0
fi

NS=rbdemo
DIR=$(mktemp -d /tmp/rackboot-demo.XXXXXX)
chmod 755 "$DIR"
PID=
# The virtual machine: test/integ/boot_lib.sh, with what it takes from the
# test harness (lib.sh) set here.
# RACKBOOT: the binary to demonstrate (the tests point it elsewhere).
RACKBOOT=${RACKBOOT:-$PWD/build/rackboot} T_DIR=$DIR NS_PREFIX=$NS BOOT_NS=node
T_PIDS=()
. test/integ/boot_lib.sh
cleanup() {
	local p
	for p in "${T_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns pids "$NS-node" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
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
# node01's volume, ready before rackboot starts: a disk whose boot sector
# (test/integ/bootsect.s) prints a marker on the serial port; it holds the
# marker only XOR-ed, so only the running sector can show it.
MARK="node01 booted from its iSCSI volume, run $RANDOM$RANDOM"
mkdir -p "$DIR/state/volumes"
boot_disk "$DIR/state/volumes/node01.img" "$MARK"
chown -R rackboot: "$DIR/state"
echo "  node01's volume: $DIR/state/volumes/node01.img, a boot sector that prints a marker"
"$RACKBOOT" -t -c "$DIR/rackboot.conf"

step "rackboot -f, in the rack namespace"
ip netns exec "$NS-rack" "$RACKBOOT" -f -c "$DIR/rackboot.conf" 2>&1 | sed -u 's/^/  | /' &
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

step "a real machine: QEMU (emulated PC, BIOS) whose e1000 NIC's ROM is iPXE, as node01"
echo "  the operator removes the override: node01 gets its template again"
rm "$DIR/nodes.d/52-54-00-12-34-56.ipxe"
echo "  $NS-node becomes the machine's switch: a bridge of eth0 (to the rack) and the machine's tap"
ip netns exec "$NS-node" sysctl -qw net.ipv6.conf.default.accept_dad=0
ip -n "$NS-node" link set eth0 address 02:00:00:00:00:01 # node01's MAC is the machine's now
ip -n "$NS-node" link add br0 type bridge forward_delay 0
ip -n "$NS-node" link set eth0 master br0
ip -n "$NS-node" link set br0 up
vm_start node01 52:54:00:12:34:56
if vm_wait_serial node01 "$MARK" 120 "No more network devices|No bootable device|sanboot of .* failed"; then
	echo "  the marker is on its serial console after $VM_ELAPSED s: it booted its volume over iSCSI"
else
	echo "demo: the machine did not boot its volume"
fi
vm_stop node01
step "the machine's serial console (SeaBIOS, iPXE, then the volume's boot sector)"
tr -d '\r' <"${VM_LOG[node01]}" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' |
	grep -v '^ *$' | sed 's/^/  serial | /'
step "node01's boot timeline: the shell client above, then the machine"
ip netns exec "$NS-rack" curl -s --max-time 5 http://127.0.0.1:8080/api/nodes/52:54:00:12:34:56 |
	jq -r '.timeline[] | "  \(.at / 1000 | strftime("%H:%M:%S")) \(.event) \(.detail)"'
echo "  all machines: the status page, http://10.0.0.1:8080/status"
echo "  (from this host: ip netns exec $NS-rack curl http://127.0.0.1:8080/status)"
echo "  $(ip netns exec "$NS-rack" curl -s --max-time 5 -o /dev/null \
	-w 'GET /status: HTTP %{http_code}, %{size_download} bytes' http://127.0.0.1:8080/status)"

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
echo "rackboot is running (pid $PID). Its DHCP, TFTP, HTTP and iSCSI servers answered above;"
echo "the status page is http://10.0.0.1:8080/status in namespace $NS-rack."
if [ -n "${DEMO_SECONDS:-}" ] || [ ! -t 0 ]; then
	sleep "${DEMO_SECONDS:-3}"
else
	echo "Press Ctrl-C to stop."
	while kill -0 "$PID" 2>/dev/null; do sleep 1; done
fi
step "SIGTERM: graceful stop"
