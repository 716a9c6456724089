#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DHCP beyond one flat subnet: a relayed subnet (ISC dhcrelay in between)
# gets its own pool, with option 82 echoed; and proxy mode beside a real
# DHCP server (dnsmasq) on one LAN adds boot information only.
. "$(dirname "$0")/lib.sh"
t_plan 14

PROBE=${PROBE:-$PWD/build/test/dhcp_probe}
has() { grep -qF -- "$2" <<<"$1"; }
cat >"$T_DIR/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && echo "bound ip=$ip router=$router serverid=$serverid file=$boot_file"
exit 0
SCRIPT
chmod +x "$T_DIR/udhcpc.sh"

# ---- relay: cli --- relay (dhcrelay) --- srv
netns srv && netns rly && netns cli || exit 1
link srv eth1 rly eth1
link rly eth0 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/16 dev eth1
ip -n "$NS_PREFIX-srv" route add 198.19.1.0/24 via 198.18.0.2
ip -n "$NS_PREFIX-rly" addr add 198.18.0.2/16 dev eth1
ip -n "$NS_PREFIX-rly" addr add 198.19.1.1/24 dev eth0
nsexec rly sysctl -qw net.ipv4.ip_forward=1
cat >"$T_DIR/relay.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
tftp: { enable = false; };
dhcp: { pools = (
	{ subnet = "198.18.0.0/16"; range = ["198.18.1.0", "198.18.1.200"]; },
	{ subnet = "198.19.1.0/24"; range = ["198.19.1.100", "198.19.1.199"];
	  router = "198.19.1.1"; } ); };
CONF
start srv "$T_DIR/relay.log" -c "$T_DIR/relay.conf"
wait_log "$T_DIR/relay.log" "dhcp: serving" >/dev/null
nsexec rly dhcrelay -4 -d -q -a -pf "$T_DIR/dhcrelay.pid" -id eth0 -iu eth1 198.18.0.1 \
	>"$T_DIR/dhcrelay.log" 2>&1 &
T_PIDS+=($!)
nsexec rly timeout 10 tcpdump -l -n -vv -i eth1 -c 2 'udp and src host 198.18.0.1 and src port 67' \
	>"$T_DIR/dump" 2>/dev/null &
dump=$!
sleep 1
out=$(nsexec cli busybox udhcpc -i eth0 -n -q -t 5 -T 1 -s "$T_DIR/udhcpc.sh" 2>/dev/null | grep '^bound')
check "a client behind a relay gets an address of the relayed subnet" \
	has "$out" "ip=198.19.1.1"
check "with that subnet's router" has "$out" "router=198.19.1.1 "
check "the pool was chosen by giaddr" grep -qE "dhcp: ACK 198\.19\.1\.1[0-9]{2} to" "$T_DIR/relay.log"
wait "$dump" 2>/dev/null
check "replies to the relay echo its option 82 (RFC 3046)" grep -qi "Agent-Information" "$T_DIR/dump"
grep -qi "Agent-Information" "$T_DIR/dump" || sed 's/^/#   /' "$T_DIR/dump" | head -30
kill -TERM "$RB_PID"
wait_exit "$RB_PID"

# ---- proxy: cli, srv (rackboot, proxy) and dhcpd (dnsmasq) on one bridge
netns lan && netns dhcpd || exit 1
nsexec lan ip link add br0 type bridge
nsexec lan ip link set br0 up
for n in cli srv dhcpd; do
	link lan "p-$n" "$n" lan0
	nsexec lan ip link set "p-$n" master br0
done
ip -n "$NS_PREFIX-srv" addr add 198.20.0.1/24 dev lan0
ip -n "$NS_PREFIX-dhcpd" addr add 198.20.0.2/24 dev lan0
nsexec dhcpd dnsmasq -d -k --port=0 -i lan0 --bind-interfaces --no-ping --dhcp-range=198.20.0.100,198.20.0.199,1h \
	--dhcp-leasefile="$T_DIR/dnsmasq.leases" --pid-file="$T_DIR/dnsmasq.pid" >"$T_DIR/dnsmasq.log" 2>&1 &
T_PIDS+=($!)
cat >"$T_DIR/proxy.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/pstate"; interfaces = ["lan0"]; };
tftp: { enable = false; };
dhcp: { mode = "proxy"; pools = ( { subnet = "198.20.0.0/24"; } ); };
CONF
start srv "$T_DIR/proxy.log" -c "$T_DIR/proxy.conf"
check "rackboot serves proxyDHCP on ports 67 and 4011" \
	wait_log "$T_DIR/proxy.log" "dhcp: serving in proxy mode on port 67 and 4011"
sleep 0.5
out=$(nsexec cli "$PROBE" offers lan0 02:bb:00:00:00:01 60=505845436c69656e74 93=0000)
echo "$out" | sed 's/^/# /'
check "a PXE ROM sees two offers" [ "$(grep -c '^OFFER' <<<"$out")" -eq 2 ]
check "dnsmasq's offers the address" grep -qE "^OFFER server=198\.20\.0\.2 yiaddr=198\.20\.0\.1[0-9]{2} " <<<"$out"
rb=$(grep "server=198.20.0.1 " <<<"$out")
check "rackboot's offers no address, only boot information" has "$rb" "yiaddr=0.0.0.0 siaddr=198.20.0.1 file=undionly.kpxe"
check "with PXEClient and PXE_DISCOVERY_CONTROL=8 (use this file, no discovery)" \
	has "$rb" "vendor=PXEClient opt43=060108ff"
out=$(nsexec cli "$PROBE" offers lan0 02:bb:00:00:00:02)
check "a plain client sees only dnsmasq's offer" \
	[ "$(grep -c '^OFFER' <<<"$out")" -eq 1 ] && has "$out" "server=198.20.0.2 "
ip -n "$NS_PREFIX-cli" addr add 198.20.0.150/24 dev lan0
out=$(PROBE_TO=198.20.0.1:4011 nsexec cli "$PROBE" reboot lan0 02:bb:00:00:00:01 198.20.0.150 \
	60=505845436c69656e74 93=0007)
check "a request to port 4011 gets an ACK with the UEFI boot file" \
	has "$out" "ACK server=198.20.0.1 yiaddr=0.0.0.0 siaddr=198.20.0.1 file=ipxe.efi"
out=$(nsexec cli "$PROBE" offers lan0 02:bb:00:00:00:03 77=69505845)
# iPXE uses a proxy offer only with a next-server and a file in it
# (dhcp_has_pxeopts() in its src/net/udp/dhcp.c)
check "iPXE in proxy mode is offered its script URL, with siaddr set" \
	has "$out" "yiaddr=0.0.0.0 siaddr=198.20.0.1 file=http://198.20.0.1:8080/boot/02:bb:00:00:00:03.ipxe"
check "dnsmasq leased the addresses; rackboot wrote no lease" \
	[ "$(stat -c %s "$T_DIR/pstate/leases.journal")" -eq 16 ]
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "rackboot stops with status 0" [ "$RB_STATUS" -eq 0 ]
t_done
