#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `rackboot import dnsmasq` on configurations of the kinds found in the
# field (test/integ/import/): an Ironic/kolla ironic-dnsmasq, a metal3
# dnsmasq with per-arch boot files and iPXE detection, and a homelab
# netboot.xyz proxyDHCP with tftpd-hpa.  For each, clients in a namespace
# talk to dnsmasq run on the original file, then to rackboot run on the
# imported one (with dnsmasq's leases imported), and must get the same
# address and boot file.
. "$(dirname "$0")/lib.sh"
t_plan 34

PROBE=${PROBE:-$PWD/build/test/dhcp_probe}
DNSMASQ=${DNSMASQ:-/usr/sbin/dnsmasq}
PXE=60=505845436c69656e74 # "PXEClient"
IPXE="77=69505845 175=130101"
has() { grep -qF -- "$2" <<<"$1"; }

cp -r test/integ/import/. "$T_DIR/"
grep -rl @DIR@ "$T_DIR" | xargs sed -i "s|@DIR@|$T_DIR|g"
mkdir -p "$T_DIR/tftp"
touch "$T_DIR/tftp/"{undionly.kpxe,ipxe.efi,snponly.efi,snponly-arm64.efi,ipxe-arm64.efi}
touch "$T_DIR/tftp/"{netboot.xyz.kpxe,netboot.xyz.efi,netboot.xyz-arm64.efi}

# lan: a bridge joining srv (dnsmasq, then rackboot), cli (the machines)
# and gw (the home router's DHCP server, for the proxy case).
netns lan && netns srv && netns cli && netns gw || exit 1
nsexec lan ip link add br0 type bridge
nsexec lan ip link set br0 up
for n in srv cli gw; do
	link lan "p-$n" "$n" "$([ $n = srv ] && echo eth1 || echo eth0)"
	nsexec lan ip link set "p-$n" master br0
done
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-gw" addr add 198.18.0.254/24 dev eth0

# ask NAME MAC [OPTS...]: one DORA from cli; prints "ip file".
ask() {
	local mac=$1
	shift
	nsexec cli timeout 15 "$PROBE" dora eth0 "$mac" "$@" 2>/dev/null |
		sed -n 's/^ACK server=[^ ]* yiaddr=\([^ ]*\) siaddr=[^ ]* file=\([^ ]*\).*/\1 \2/p'
}

# run_dnsmasq NAME CONF: dnsmasq on the original file, in srv.
run_dnsmasq() {
	ip netns exec "$NS_PREFIX-srv" "$DNSMASQ" -k -C "$2" --no-ping \
		--pid-file="$T_DIR/$1.pid" >"$T_DIR/$1.dnsmasq.out" 2>&1 &
	DM_PID=$!
	T_PIDS+=("$DM_PID")
	sleep 1
}

stop_dnsmasq() {
	kill -TERM "$DM_PID"
	wait "$DM_PID" 2>/dev/null
}

# convert NAME CONF [ARGS...]: rackboot import dnsmasq in srv (it sees
# eth1's subnet as dnsmasq did); the result in $T_DIR/NAME.conf.
convert() {
	local name=$1 conf=$2
	shift 2
	nsexec srv "$RACKBOOT" import dnsmasq --state-dir "$T_DIR/$name-state" --user nobody \
		"$@" "$conf" >"$T_DIR/$name.raw" 2>"$T_DIR/$name.warn"
	local rc=$?
	sed "s|^ipxe: {|ipxe: { templates = \"$PWD/templates\"; overrides = \"$T_DIR\";|; \
		s|^http: {|http: { root = \"$T_DIR\";|" "$T_DIR/$name.raw" >"$T_DIR/$name.conf"
	sed 's/^/#   /' "$T_DIR/$name.warn"
	return $rc
}

run_rackboot() {
	start srv "$T_DIR/$1.log" -c "$T_DIR/$1.conf"
	wait_log "$T_DIR/$1.log" "dhcp: serving" >/dev/null
}

stop_rackboot() {
	kill -TERM "$RB_PID"
	wait_exit "$RB_PID"
}

# same DESC BEFORE AFTER
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1 ($2)"
	else not_ok "$1: dnsmasq '$2', rackboot '$3'"; fi
}

# ---- Ironic / kolla -----------------------------------------------------
I=$T_DIR/ironic-dnsmasq.conf
run_dnsmasq ironic "$I"
d_bios=$(ask 52:54:00:00:02:01 $PXE 93=0000)
d_efi=$(ask 52:54:00:00:02:02 $PXE 93=0007)
d_arm=$(ask 52:54:00:00:02:03 $PXE 93=000b)
d_node=$(ask 52:54:00:00:01:01 $PXE 93=0007)
d_ipxe=$(ask 52:54:00:00:02:02 $PXE 93=0007 $IPXE)
stop_dnsmasq
check "ironic: dnsmasq hands iPXE the Ironic URL" has "$d_ipxe" "http://198.18.0.1:8089/boot.ipxe"
check "ironic: import succeeds" convert ironic "$I" --leases "$T_DIR/ironic-dnsmasq.leases"
check "ironic: the result passes rackboot -t" "$RACKBOOT" -t -c "$T_DIR/ironic.conf"
check "ironic: Ironic's boot.ipxe became dhcp.ipxe_url, with its file:line" \
	grep -q "ipxe_url = \"http://198.18.0.1:8089/boot.ipxe\"; # .*ironic-dnsmasq.conf:[0-9]*" \
	"$T_DIR/ironic.conf"
check "ironic: the ignored host is warned about" \
	grep -q "52-54-00-00-01-09:1: warning: dhcp-host: 'ignore'" "$T_DIR/ironic.warn"
check "ironic: conf-dir left out ignored.conf.bak" fails grep -q "10.99" "$T_DIR/ironic.conf"
check "ironic: the leases went to the journal" grep -q "leases appended" "$T_DIR/ironic.warn"
run_rackboot ironic
same "ironic: BIOS PXE ROM, same address and file" "$d_bios" "$(ask 52:54:00:00:02:01 $PXE 93=0000)"
same "ironic: UEFI x64 PXE ROM, same address and file" "$d_efi" "$(ask 52:54:00:00:02:02 $PXE 93=0007)"
same "ironic: UEFI arm64 PXE ROM, same address and file" "$d_arm" "$(ask 52:54:00:00:02:03 $PXE 93=000b)"
same "ironic: the hostsdir node, same address and file" "$d_node" "$(ask 52:54:00:00:01:01 $PXE 93=0007)"
same "ironic: iPXE, same address and Ironic's boot.ipxe" "$d_ipxe" \
	"$(ask 52:54:00:00:02:02 $PXE 93=0007 $IPXE)"
stop_rackboot

# ---- metal3 -------------------------------------------------------------
M=$T_DIR/metal3-dnsmasq.conf
run_dnsmasq metal3 "$M"
d_master=$(ask 52:54:00:00:03:01 $PXE 93=0000)
d_worker=$(ask 52:54:00:00:03:02 $PXE 93=0007)
d_worker_arm=$(ask 52:54:00:00:03:02 $PXE 93=000b)
d_unknown=$(ask 52:54:00:00:03:99 $PXE 93=0007)
d_ipxe=$(ask 52:54:00:00:03:02 $PXE 93=0007 $IPXE)
stop_dnsmasq
check "metal3: dnsmasq ignores unknown machines" [ -z "$d_unknown" ]
check "metal3: import succeeds" convert metal3 "$M" --leases "$T_DIR/metal3-dnsmasq.leases"
check "metal3: the result passes rackboot -t" "$RACKBOOT" -t -c "$T_DIR/metal3.conf"
check "metal3: dhcp-ignore=tag:!known became unknown_clients = ignore" \
	grep -q 'unknown_clients = "ignore"' "$T_DIR/metal3.conf"
run_rackboot metal3
check "metal3: dnsmasq hands the BIOS file with its leading /" has "$d_master" " /undionly.kpxe"
same "metal3: BIOS master, same address and file" "$d_master" "$(ask 52:54:00:00:03:01 $PXE 93=0000)"
same "metal3: UEFI worker, same address and file" "$d_worker" "$(ask 52:54:00:00:03:02 $PXE 93=0007)"
same "metal3: arm64 worker, same address and file" "$d_worker_arm" \
	"$(ask 52:54:00:00:03:02 $PXE 93=000b)"
check "metal3: an unknown machine is still ignored" [ -z "$(ask 52:54:00:00:03:99 $PXE 93=0007)" ]
same "metal3: iPXE, same address and boot.ipxe URL" "$d_ipxe" \
	"$(ask 52:54:00:00:03:02 $PXE 93=0007 $IPXE)"
echo metal3-bios >"$T_DIR/tftp/undionly.kpxe"
ip -n "$NS_PREFIX-cli" addr add 198.18.0.60/24 dev eth0
(cd "$T_DIR" && nsexec cli timeout 10 busybox tftp -g -r /undionly.kpxe -l got.kpxe 198.18.0.1)
check "metal3: rackboot's TFTP serves /undionly.kpxe from its root" \
	cmp -s "$T_DIR/tftp/undionly.kpxe" "$T_DIR/got.kpxe"
ip -n "$NS_PREFIX-cli" addr del 198.18.0.60/24 dev eth0
stop_rackboot

# ---- homelab proxy ------------------------------------------------------
H=$T_DIR/homelab-proxy.conf
ip netns exec "$NS_PREFIX-gw" "$DNSMASQ" -k --port=0 -i eth0 --bind-interfaces --no-ping \
	--dhcp-range=198.18.0.100,198.18.0.199,1h --dhcp-leasefile="$T_DIR/gw.leases" \
	--pid-file="$T_DIR/gw.pid" >"$T_DIR/gw.log" 2>&1 &
T_PIDS+=($!)
run_dnsmasq homelab "$H"
gw_addr() { sed -n 's/^OFFER server=198.18.0.254 yiaddr=\([^ ]*\) .*/\1/p'; }
d_addr=$(nsexec cli timeout 10 "$PROBE" offers eth0 52:54:00:00:04:01 $PXE 93=0007 | gw_addr)
ip -n "$NS_PREFIX-cli" addr add 198.18.0.50/24 dev eth0
proxy_file() { # the file a UEFI ROM gets from the proxy on port 4011
	PROBE_TO=198.18.0.1:4011 nsexec cli timeout 10 "$PROBE" reboot eth0 52:54:00:00:04:01 \
		198.18.0.50 $PXE 93=0007 2>/dev/null | sed -n 's/^ACK .* file=\([^ ]*\).*/\1/p'
}
d_file=$(proxy_file)
proxy_ipxe() { # the file iPXE gets in the proxy's offer
	nsexec cli timeout 10 "$PROBE" offers eth0 52:54:00:00:04:03 $PXE 93=0007 $IPXE |
		sed -n 's/^OFFER server=198.18.0.1 .* file=\([^ ]*\).*/\1/p'
}
d_ipxe=$(proxy_ipxe)
stop_dnsmasq
check "homelab: dnsmasq's proxy hands UEFI its pxe-service file" [ "$d_file" = netboot.xyz.efi ]
check "homelab: import with tftpd-hpa succeeds" convert homelab "$H" --tftpd "$T_DIR/tftpd-hpa"
check "homelab: the result passes rackboot -t" "$RACKBOOT" -t -c "$T_DIR/homelab.conf"
check "homelab: proxy mode" grep -q 'mode = "proxy"' "$T_DIR/homelab.conf"
check "homelab: tftp.root from TFTP_DIRECTORY" grep -q "root = \"$T_DIR/tftp\"" "$T_DIR/homelab.conf"
check "homelab: the remap rule rackboot cannot do is warned about with file:line" \
	grep -q "tftpd.remap:4: warning: tftpd remap rule" "$T_DIR/homelab.warn"
run_rackboot homelab
ip -n "$NS_PREFIX-cli" addr del 198.18.0.50/24 dev eth0
out=$(nsexec cli timeout 10 "$PROBE" offers eth0 52:54:00:00:04:01 $PXE 93=0007)
same "homelab: the router offers the same address beside rackboot" "$d_addr" \
	"$(gw_addr <<<"$out")"
check "homelab: rackboot's proxy offer carries the same UEFI file" \
	has "$out" "server=198.18.0.1 yiaddr=0.0.0.0 siaddr=198.18.0.1 file=$d_file"
ip -n "$NS_PREFIX-cli" addr add 198.18.0.50/24 dev eth0
same "homelab: UEFI boot file on port 4011" "$d_file" "$(proxy_file)"
same "homelab: iPXE gets the same menu URL from the proxy" "$d_ipxe" "$(proxy_ipxe)"
out=$(nsexec cli timeout 10 "$PROBE" offers eth0 52:54:00:00:04:02 $PXE 93=0000)
# dnsmasq hands a BIOS ROM a menu and the file on the boot-server request
# (which needs the client's address as ciaddr); the file is the
# pxe-service basename, as written when it has a suffix.
check "homelab: BIOS gets the x86PC pxe-service file" \
	has "$out" "server=198.18.0.1 yiaddr=0.0.0.0 siaddr=198.18.0.1 file=netboot.xyz.kpxe"
stop_rackboot
t_done
