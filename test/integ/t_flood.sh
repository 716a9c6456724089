#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One host sends garbage at every port (issue 20): 9000 datagrams of random
# and DHCP/TFTP-shaped garbage at ports 67, 69 and 4011, and 600 TCP
# connections of random bytes at HTTP and iSCSI, all from one namespace
# (test/tools/flood.c; bounded).  rackboot stays up and still serves a real
# machine on the other link (a lease, its iPXE binary, its script); every
# garbage datagram is counted as malformed, every iSCSI connection as a
# protocol error; nothing reaches the lease journal and no reply goes to
# garbage; the log is not flooded.  Port 4011 is open only in proxy mode,
# so a second run floods it there, and a PXE ROM is still answered.
. "$(dirname "$0")/lib.sh"
t_plan 18

FLOOD=${FLOOD:-$PWD/build/test/flood}
PROBE=${PROBE:-$PWD/build/test/dhcp_probe}
netns srv && netns cli && netns atk || exit 1
link srv eth1 cli eth0
link srv eth2 atk eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-srv" addr add 198.18.1.1/24 dev eth2
ip -n "$NS_PREFIX-atk" addr add 198.18.1.2/24 dev eth0
S=$T_DIR/state TP=$T_DIR/templates
mkdir -p "$S" "$T_DIR/tftp" "$T_DIR/http" "$TP" "$T_DIR/overrides"
head -c 1048576 /dev/urandom >"$T_DIR/tftp/ipxe.efi"
printf '#!ipxe\necho {{hostname}} boots\n' >"$TP/t.ipxe"
cp templates/*.ipxe "$TP/"
chmod -R a+rX "$T_DIR"
chmod 777 "$S"
write_conf() { # $1: dhcp mode
	cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$S"; interfaces = ["eth1", "eth2"]; };
dhcp: { mode = "$1";
	pools = ( { subnet = "198.18.0.0/24"; range = ["198.18.0.100", "198.18.0.150"]; },
		  { subnet = "198.18.1.0/24"; range = ["198.18.1.100", "198.18.1.150"]; } ); };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; };
ipxe: { templates = "$TP"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "iqn.2026-11.test.rackboot"; };
storage: { dir = "$S"; };
nodes = ( { mac = "52:54:00:00:00:01"; hostname = "n1"; template = "t"; } );
CONF
}
write_conf full
L=$T_DIR/log
start srv "$L" -c "$T_DIR/c.conf"
check "rackboot starts" wait_log "$L" "started with configuration"

# metric NAME: its value from /metrics (over loopback), 0 when absent.
metric() {
	nsexec srv curl -s -m 5 http://127.0.0.1:8080/metrics |
		awk -v n="$1" '$1 == n {v = $2} END {print v + 0}'
}
m_dhcp='rackboot_dhcp_dropped_total{reason="malformed"}'
m_tftp=rackboot_tftp_malformed_total
m_iscsi='rackboot_iscsi_errors_total{kind="protocol"}'
m_changes=rackboot_dhcp_lease_changes_total
m_offers='rackboot_dhcp_sent_total{type="offer"}'
d0=$(metric "$m_dhcp") t0=$(metric "$m_tftp") i0=$(metric "$m_iscsi")
c0=$(metric "$m_changes") o0=$(metric "$m_offers")
j0=$(stat -c %s "$S/leases.journal" 2>/dev/null || echo 0)
l0=$(grep -cE "info: (dhcp|tftp)" "$L")
# rcvbuf_drops: datagrams the server's kernel dropped for a full socket
# buffer (they never reached rackboot, so it cannot count them).
rcvbuf_drops() {
	nsexec srv awk '/^Udp:/ && !h {for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1; next}
		/^Udp:/ {print $c + 0}' /proc/net/snmp
}
k0=$(rcvbuf_drops)

# flood ARGS...: the sender in the attacker's namespace; prints its count.
flood() { nsexec atk timeout 90 "$FLOOD" "$@" | awk '{print $2}'; }
s1=$(flood udp 198.18.1.1 67 1500 random 1) s2=$(flood udp 198.18.1.1 67 1500 dhcp 2)
k1=$(rcvbuf_drops)
s3=$(flood udp 198.18.1.1 69 1500 random 3) s4=$(flood udp 198.18.1.1 69 1500 tftp 4)
k2=$(rcvbuf_drops)
s5=$(flood udp 198.18.1.1 4011 1500 random 5) s6=$(flood udp 198.18.1.1 4011 1500 dhcp 6)
sent=$((s1 + s2 + s3 + s4 + s5 + s6))
h=$(flood tcp 198.18.1.1 8080 300 7)
i=$(flood tcp 198.18.1.1 3260 300 8)
echo "# sent $sent datagrams, $h HTTP and $i iSCSI connections of garbage"
check "the flood was sent: 9000 datagrams, 600 connections" \
	[ "$sent" -eq 9000 ] && [ "$h" -eq 300 ] && [ "$i" -eq 300 ]
sleep 0.5
check "rackboot is still running" kill -0 "$RB_PID"
d=$(($(metric "$m_dhcp") - d0)) t=$(($(metric "$m_tftp") - t0)) is=$(($(metric "$m_iscsi") - i0))
k67=$((k1 - k0)) k69=$((k2 - k1))
echo "# counted: dhcp malformed +$d, tftp malformed +$t, iscsi protocol +$is;" \
	"dropped by the kernel (full buffer): $k67 at port 67, $k69 at port 69"
check "every datagram to port 67 is counted malformed or was dropped by the kernel ($d + $k67)" \
	[ $((d + k67)) -eq 3000 ] && [ "$d" -ge 2400 ]
check "every datagram to port 69 is counted malformed or was dropped by the kernel ($t + $k69)" \
	[ $((t + k69)) -eq 3000 ] && [ "$t" -ge 2400 ]
check "every iSCSI connection is a protocol error ($is of $i)" [ "$is" -eq "$i" ]
check "no offer went to garbage" [ "$(metric "$m_offers")" -eq "$o0" ]
check "no lease change from garbage" [ "$(metric "$m_changes")" -eq "$c0" ]
j1=$(stat -c %s "$S/leases.journal" 2>/dev/null || echo 0)
check "the lease journal is untouched ($j0 -> $j1 bytes)" [ "$j1" -eq "$j0" ]
grown=$(($(grep -cE "info: (dhcp|tftp)" "$L") - l0))
check "DHCP and TFTP logged at most a few lines for 6000 garbage datagrams ($grown)" \
	[ "$grown" -le 10 ]

# Still serving the machine on the other link.
ip=$(take_lease cli 52:54:00:00:00:01)
check "a real machine gets a lease ($ip)" [ -n "$ip" ]
rm -f "$T_DIR/got"
nsexec cli timeout 20 busybox tftp -b 1468 -g -r ipxe.efi -l "$T_DIR/got" 198.18.0.1 >/dev/null 2>&1
check "its iPXE binary over TFTP, intact" cmp -s "$T_DIR/tftp/ipxe.efi" "$T_DIR/got"
out=$(nsexec cli curl -s -m 5 http://198.18.0.1:8080/boot/52:54:00:00:00:01.ipxe)
check "and its script over HTTP" grep -q "n1 boots" <<<"$out"
check "the lease journal holds that lease" [ "$(stat -c %s "$S/leases.journal")" -gt "$j1" ]

# Proxy mode: port 4011 is open; the same flood there.
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
write_conf proxy
start srv "$L.proxy" -c "$T_DIR/c.conf"
check "rackboot starts in proxy mode" wait_log "$L.proxy" "serving in proxy mode on port 67 and 4011"
d0=$(metric "$m_dhcp") k0=$(rcvbuf_drops)
s1=$(flood udp 198.18.1.1 4011 1500 random 9) s2=$(flood udp 198.18.1.1 4011 1500 dhcp 10)
sleep 0.5
d=$(($(metric "$m_dhcp") - d0)) k=$(($(rcvbuf_drops) - k0))
check "every datagram to port 4011 is counted malformed or was dropped by the kernel ($d + $k of $((s1 + s2)))" \
	[ $((d + k)) -eq 3000 ] && [ "$d" -ge 2400 ]
out=$(PROBE_TO=198.18.0.1:4011 nsexec cli timeout 10 "$PROBE" reboot eth0 52:54:00:00:00:01 \
	"$ip" 60=505845436c69656e74 93=0007 2>/dev/null)
echo "# probe: $out"
check "a PXE ROM asking on port 4011 still gets its boot file" grep -q "file=ipxe.efi" <<<"$out"
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "rackboot stops cleanly" [ "$RB_STATUS" -eq 0 ]
t_done
