#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The DHCP server against real clients in namespaces: busybox udhcpc and
# ISC dhclient obtain, renew and release leases; PXE, UEFI, HTTP-boot and
# iPXE requests get the right boot file or URL; policies hold; malformed
# packets are dropped and counted; perfdhcp runs thousands of DORAs; a
# SIGKILL in the middle of a load loses no lease a client was ACKed.
. "$(dirname "$0")/lib.sh"
t_plan 40

PROBE=${PROBE:-$PWD/build/test/dhcp_probe}
netns srv && netns cli || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/16 dev eth1
mkdir -p "$T_DIR/state" "$T_DIR/tftp"
write_conf() { # $1: extra dhcp settings
	cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
tftp: { root = "$T_DIR/tftp"; };
dhcp: {
	$1
	pools = ( { subnet = "198.18.0.0/16"; range = ["198.18.1.0", "198.18.255.254"];
		    router = "198.18.0.1"; dns = ["198.18.0.1"]; domain = "rack.test";
		    lease_time = 600;
		    routes = ( { prefix = "10.99.0.0/16"; via = "198.18.0.254"; } );
		    options = ( { code = 66; text = "pool-tftp"; },
				{ code = 150; addresses = ["198.18.0.5"]; } ); } );
};
nodes = (
	{ mac = "52:54:00:00:00:01"; hostname = "node01"; ip = "198.18.0.11"; },
	{ mac = "52:54:00:00:00:02"; hostname = "node02";
	  options = ( { code = 66; text = "node02-tftp"; } ); }
);
CONF
}
write_conf ""
L=$T_DIR/log
start srv "$L" -c "$T_DIR/c.conf"
check "rackboot serves DHCP" wait_log "$L" "dhcp: serving in full mode on port 67"

cat >"$T_DIR/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && echo "bound ip=$ip mask=$subnet router=$router dns=$dns domain=$domain serverid=$serverid lease=$lease siaddr=$siaddr file=$boot_file hostname=$hostname routes=$staticroutes tftp=$tftp opt150=$opt150"
exit 0
SCRIPT
chmod +x "$T_DIR/udhcpc.sh"
# udhcpc MAC ARGS...: one lease with busybox udhcpc; prints the bound line.
udhcpc() {
	local mac=$1
	shift
	ip -n "$NS_PREFIX-cli" link set eth0 address "$mac"
	nsexec cli busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s "$T_DIR/udhcpc.sh" -O hostname "$@" 2>/dev/null | grep '^bound'
}
has() { grep -qF -- "$2" <<<"$1"; }

out=$(udhcpc 52:54:00:00:00:01)
check "udhcpc: a known node gets its reserved address" has "$out" "ip=198.18.0.11 "
check "with mask, router, DNS, domain, lease time and server id" \
	has "$out" "mask=255.255.0.0 router=198.18.0.1 dns=198.18.0.1 domain=rack.test serverid=198.18.0.1 lease=600"
check "and its host name" has "$out" "hostname=node01"
check "a plain client gets no boot file" has "$out" "file= "
out=$(udhcpc 52:54:00:00:00:01 -O staticroutes -O tftp -O 150)
check "option 121: the pool's route, and its router as the default route (RFC 3442)" \
	has "$out" "routes=10.99.0.0/16 198.18.0.254 0.0.0.0/0 198.18.0.1"
check "configured options reach the client (66 as text, 150 as addresses)" \
	has "$out" "tftp=pool-tftp opt150=c6120005"
out=$(udhcpc 52:54:00:00:00:02 -O tftp)
check "a node's own option replaces the pool's of the same code" has "$out" "tftp=node02-tftp"
a=$(udhcpc 52:54:00:00:00:02 | sed -n 's/.*ip=\([0-9.]*\) .*/\1/p')
b=$(udhcpc 52:54:00:00:00:02 | sed -n 's/.*ip=\([0-9.]*\) .*/\1/p')
in_range() { [[ "$1" == 198.18.* && "$1" != 198.18.0.* ]]; }
check "a node without a reservation gets a range address ($a)" in_range "$a"
check "and the same one again" [ "$a" = "$b" ]
u1=$(udhcpc 02:aa:00:00:00:01 | sed -n 's/.*ip=\([0-9.]*\) .*/\1/p')
u2=$(udhcpc 02:aa:00:00:00:01 | sed -n 's/.*ip=\([0-9.]*\) .*/\1/p')
u3=$(udhcpc 02:aa:00:00:00:02 | sed -n 's/.*ip=\([0-9.]*\) .*/\1/p')
check "an unknown machine is served (policy serve) and keeps its address" \
	[ -n "$u1" ] && [ "$u1" = "$u2" ]
check "another machine gets another address" [ -n "$u3" ] && [ "$u3" != "$u1" ]

# PXE classification, as udhcpc reports the reply.
out=$(udhcpc 52:54:00:00:00:01 -V PXEClient:Arch:00000:UNDI:002001 -x 93:0000)
check "a BIOS PXE ROM gets undionly.kpxe from next-server 198.18.0.1" \
	has "$out" "siaddr=198.18.0.1 file=undionly.kpxe"
out=$(udhcpc 52:54:00:00:00:01 -V PXEClient:Arch:00007:UNDI:003016 -x 93:0007)
check "a UEFI x86-64 ROM gets ipxe.efi" has "$out" "file=ipxe.efi"
out=$(udhcpc 52:54:00:00:00:01 -V PXEClient:Arch:00011:UNDI:003000 -x 93:000b)
check "a UEFI arm64 ROM gets ipxe-arm64.efi" has "$out" "file=ipxe-arm64.efi"
out=$(udhcpc 52:54:00:00:00:01 -V PXEClient:Arch:00000:UNDI:002001 -x 93:0000 -x 77:69505845)
check "iPXE gets the URL of its script, never a binary" \
	has "$out" "file=http://198.18.0.1:8080/boot/52:54:00:00:00:01.ipxe"
out=$(nsexec cli "$PROBE" dora eth0 52:54:00:00:00:01 77=69505845)
check "with option 175.176 (no-pxedhcp)" has "$out" "opt175=b00101"
out=$(nsexec cli "$PROBE" dora eth0 52:54:00:00:00:01 60=48545450436c69656e74 93=0010)
check "a UEFI HTTP-boot client gets an http URL and HTTPClient" \
	has "$out" "file=http://198.18.0.1:8080/ipxe.efi vendor=HTTPClient"
out=$(nsexec cli "$PROBE" dora eth0 52:54:00:00:00:01 60=505845436c69656e74 93=0007)
# Both halves: an ACK must have come, and it must not say PXEClient.
check "no PXEClient option 60 in full mode (OVMF rejects it: PXE-E16)" \
	bash -c 'grep -q "^ACK .*file=ipxe.efi" <<<"$1" && ! grep -q vendor=PXEClient <<<"$1"' _ "$out"

# ISC dhclient: obtain, renew (INIT-REBOOT from its lease file), release.
ip -n "$NS_PREFIX-cli" link set eth0 address 52:54:00:00:00:02
dh() { nsexec cli timeout 20 dhclient -1 -4 -lf "$T_DIR/dh.leases" -pf "$T_DIR/dh.pid" -sf /bin/true "$@" eth0 >/dev/null 2>&1; }
dh
check "dhclient obtains a lease" grep -q "fixed-address $a;" "$T_DIR/dh.leases"
n0=$(count_log "$L" "ACK $a to 52:54:00:00:00:02")
dh
check "dhclient renews it from its lease file (same address)" \
	[ "$(grep -c "fixed-address $a;" "$T_DIR/dh.leases")" -ge 2 ]
check "and rackboot ACKed the renewal" [ "$(count_log "$L" "ACK $a to 52:54:00:00:00:02")" -gt "$n0" ]
# dhclient-script would have configured the address; RELEASE is unicast from it.
ip -n "$NS_PREFIX-cli" addr add "$a/16" dev eth0
dh -r
ip -n "$NS_PREFIX-cli" addr flush dev eth0
check "dhclient releases it, and rackboot records the release" \
	wait_log "$L" "52:54:00:00:00:02 released $a"

# NAK per RFC 2131 4.3.2.
out=$(nsexec cli "$PROBE" reboot eth0 52:54:00:00:00:01 198.18.0.99)
check "INIT-REBOOT for someone else's address is NAKed" has "$out" "NAK"
out=$(nsexec cli "$PROBE" reboot eth0 52:54:00:00:00:01 10.1.2.3)
check "INIT-REBOOT from another subnet is NAKed" has "$out" "NAK"
out=$(nsexec cli "$PROBE" reboot eth0 52:54:00:00:00:01 198.18.0.11)
check "INIT-REBOOT for its own address is ACKed" has "$out" "ACK server=198.18.0.1 yiaddr=198.18.0.11"

# Malformed packets: dropped, counted, and the server goes on.
ip -n "$NS_PREFIX-cli" addr add 198.18.0.250/16 dev eth0
for pkt in 'x' "$(head -c 300 /dev/zero | tr '\0' 'A')" "$(printf '\001\001\006')"; do
	printf '%s' "$pkt" | nsexec cli socat -u - UDP-DATAGRAM:198.18.0.1:67,sourceport=68 2>/dev/null
done
sleep 0.3
kill -USR1 "$RB_PID"
check "malformed packets are dropped and counted" wait_log "$L" "dhcp: dropped: malformed=3"
check "and logged with their peer" grep -q "malformed packet from 198.18.0.250:[0-9]* (short)" "$L"
ip -n "$NS_PREFIX-cli" addr flush dev eth0
out=$(udhcpc 52:54:00:00:00:01)
check "the server still answers afterwards" has "$out" "ip=198.18.0.11 "

# Policies for unknown machines, changed by a reload.
write_conf 'unknown_clients = "ignore";'
kill -HUP "$RB_PID"
wait_log "$L" "configuration reloaded \(generation 2\)" >/dev/null
out=$(udhcpc 02:aa:00:00:00:09)
check "policy ignore: an unknown machine gets nothing" [ -z "$out" ]
out=$(udhcpc 52:54:00:00:00:01)
check "policy ignore: a known node is still served" has "$out" "ip=198.18.0.11 "
write_conf 'unknown_clients = "boot-only";'
kill -HUP "$RB_PID"
wait_log "$L" "configuration reloaded \(generation 3\)" >/dev/null
out=$(udhcpc 02:aa:00:00:00:09)
check "policy boot-only: an unknown plain client gets nothing" [ -z "$out" ]
out=$(udhcpc 02:aa:00:00:00:09 -V PXEClient:Arch:00000:UNDI:002001 -x 93:0000)
check "policy boot-only: an unknown PXE ROM is served" has "$out" "file=undionly.kpxe"
write_conf ""
kill -HUP "$RB_PID"
wait_log "$L" "configuration reloaded \(generation 4\)" >/dev/null

# perfdhcp (Kea): thousands of distinct MACs, full DORA, as a relay.
ip -n "$NS_PREFIX-cli" addr add 198.18.0.250/16 dev eth0
# The tests above changed the client's MAC under this address: forget it.
ip -n "$NS_PREFIX-srv" neigh flush all
# A daemon built with ThreadSanitizer (test/run.sh) runs several times
# slower: T_PERF_N and T_PERF_RATE scale the load down for it.
PERF_N=${T_PERF_N:-4000}
nsexec cli timeout 60 perfdhcp -4 -l eth0 -r "${T_PERF_RATE:-2000}" -n "$PERF_N" -R "$PERF_N" \
	-W 2000000 2>&1 >"$T_DIR/perf" |
	grep -v "^$" >"$T_DIR/perf.err"
grep -E "Rate:|sent packets|received packets|drops:" "$T_DIR/perf" | paste -sd' ' | sed 's/^/# perfdhcp: /'
sed 's/^/# perfdhcp stderr: /' "$T_DIR/perf.err" | head -5
ok4=$(awk '/Statistics for: REQUEST-ACK/{f=1} f && /received packets/{print $3; exit}' "$T_DIR/perf")
nu=$(grep -c "non unique addresses: [1-9]" "$T_DIR/perf")
check "perfdhcp: $PERF_N full DORA exchanges from distinct MACs, all ACKed ($ok4)" \
	[ "${ok4:-0}" -eq "$PERF_N" ]
check "with no address handed out twice" [ "$nu" -eq 0 ]
ip -n "$NS_PREFIX-cli" addr flush dev eth0

# SIGKILL in the middle of a load: every ACKed lease survives.
lost=0 rounds=0
for delay in 0.05 0.1 0.2; do
	rm -f "$T_DIR/acks"
	nsexec cli "$PROBE" load eth0 3000 "$T_DIR/acks" 10 >/dev/null 2>&1 &
	load=$!
	sleep "$delay"
	kill -KILL "$RB_PID"
	wait "$RB_PID" 2>/dev/null
	kill "$load" 2>/dev/null
	wait "$load" 2>/dev/null
	acked=$(wc -l <"$T_DIR/acks")
	start srv "$T_DIR/log.$delay" -c "$T_DIR/c.conf"
	wait_log "$T_DIR/log.$delay" "started with configuration" >/dev/null
	if nsexec cli "$PROBE" verify eth0 "$T_DIR/acks" 30 >"$T_DIR/verify" 2>&1; then
		rounds=$((rounds + 1))
	else
		lost=$((lost + 1))
		sed 's/^/#   /' "$T_DIR/verify" | head -5
	fi
	echo "# killed after ${delay}s with $acked ACKs received; $(tail -1 "$T_DIR/verify")"
done
check "after SIGKILL mid-load, every ACKed lease is still the client's (3 rounds)" \
	[ "$lost" -eq 0 ] && [ "$rounds" -eq 3 ]
# Compaction: 1000 clients renewing again and again grow the journal past
# 1 MiB with only 1000 live leases; it is rewritten as a snapshot, and every
# lease is still there after a restart.
rm -f "$T_DIR/acks"
for round in $(seq 36); do
	nsexec cli "$PROBE" load eth0 1000 "$T_DIR/acks.$((round % 2))" 20 >/dev/null 2>&1
	rm -f "$T_DIR/acks.$(((round + 1) % 2))"
done
kill -USR1 "$RB_PID"
check "a journal of 36000 changes for 1000 leases is compacted" \
	wait_log "$T_DIR/log.0.2" "[1-9][0-9]* compactions"
size=$(stat -c %s "$T_DIR/state/leases.journal")
check "to under 1 MiB ($size bytes)" [ "$size" -lt 1048576 ]
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
start srv "$T_DIR/log.c" -c "$T_DIR/c.conf"
wait_log "$T_DIR/log.c" "started with configuration" >/dev/null
check "after a restart every one of the 1000 leases is the client's" \
	nsexec cli "$PROBE" verify eth0 "$T_DIR/acks.0" 30

kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "rackboot stops cleanly after all that" [ "$RB_STATUS" -eq 0 ]
t_done
