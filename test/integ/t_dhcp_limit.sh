#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DHCP starvation (issue 20): perfdhcp, as a relay (giaddr), runs full DORA
# exchanges with ever-new random MACs against a pool of 200 addresses for
# 10 s at 200 a second, while known nodes come and go: one renews with ISC
# dhclient, one with a reservation boots for the first time, one without a
# reservation takes a pool address.  With the pool's new-lease limit
# (new_lease_burst 50, new_lease_rate 1, as an operator would set for a
# pool this small) the host gets about 60 addresses, the pool is never
# exhausted, every known node is served, and the limit is counted and
# logged once per 10 s naming the relay.  With the limit lifted, the same
# run empties the pool and the known node without a reservation goes
# without, which is what the limit prevents.
. "$(dirname "$0")/lib.sh"
t_plan 13

PROBE=${PROBE:-$PWD/build/test/dhcp_probe}
netns srv && netns cli || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/16 dev eth1
mkdir -p "$T_DIR/state" "$T_DIR/tftp"
chmod 777 "$T_DIR/state"

# run NAME LIMIT: rackboot with the pool's LIMIT settings, the attack and
# the known nodes beside it; sets ACKS (perfdhcp's), the nodes' results
# N2 N3 N4, and M (the /metrics text).
run() {
	local name=$1 limit=$2 perf
	rm -rf "$T_DIR/state/"* "$T_DIR/dh.leases"
	cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
tftp: { root = "$T_DIR/tftp"; };
dhcp: { pools = ( { subnet = "198.18.0.0/16"; range = ["198.18.1.1", "198.18.1.200"];
		    lease_time = 600; $limit } ); };
nodes = (
	{ mac = "52:54:00:00:00:02"; hostname = "node02"; ip = "198.18.0.12"; },
	{ mac = "52:54:00:00:00:03"; hostname = "node03"; },
	{ mac = "52:54:00:00:00:04"; hostname = "node04"; }
);
CONF
	L=$T_DIR/log.$name
	start srv "$L" -c "$T_DIR/c.conf"
	wait_log "$L" "started with configuration" || return 1
	# node04 has its lease before the attack
	ip -n "$NS_PREFIX-cli" link set eth0 address 52:54:00:00:00:04
	dh
	local a4=$(sed -n 's/.*fixed-address \(.*\);/\1/p' "$T_DIR/dh.leases" | tail -1)
	ip -n "$NS_PREFIX-cli" addr add 198.18.0.250/16 dev eth0
	nsexec cli timeout 40 perfdhcp -4 -l eth0 -r 200 -p 10 -R 100000000 -W 2000000 198.18.0.1 \
		>"$T_DIR/perf.$name" 2>/dev/null &
	perf=$!
	sleep 4
	N2=$(nsexec cli timeout 10 "$PROBE" dora eth0 52:54:00:00:00:02 2>&1)
	N3=$(nsexec cli timeout 10 "$PROBE" dora eth0 52:54:00:00:00:03 2>&1)
	dh
	N4=$(sed -n 's/.*fixed-address \(.*\);/\1/p' "$T_DIR/dh.leases" | tail -1)
	[ "$N4" = "$a4" ] || N4="changed from $a4 to $N4"
	wait "$perf"
	ip -n "$NS_PREFIX-cli" addr flush dev eth0
	ACKS=$(awk '/Statistics for: REQUEST-ACK/{f=1} f && /received packets/{print $3; exit}' \
		"$T_DIR/perf.$name")
	M=$(nsexec srv curl -s -m 5 http://127.0.0.1:8080/metrics)
	kill -TERM "$RB_PID"
	wait_exit "$RB_PID"
	echo "# $name: perfdhcp got $ACKS leases; node02: ${N2%% file=*}; node03: ${N3%% file=*};" \
		"node04 renewed ${N4:-nothing}"
}
dh() {
	nsexec cli timeout 20 dhclient -1 -4 -lf "$T_DIR/dh.leases" -pf "$T_DIR/dh.pid" \
		-sf /bin/true eth0 >/dev/null 2>&1
}
metric() { awk -v n="$1" '$1 == n {v = $2} END {print v + 0}' <<<"$M"; }
pool='{pool="198.18.0.0/16"}'

run limited "new_lease_burst = 50; new_lease_rate = 1;"
check "the starving host got at most burst + rate x time leases ($ACKS <= 50 + 15)" \
	[ "${ACKS:-999}" -ge 50 ] && [ "$ACKS" -le 65 ]
check "the pool was never exhausted" \
	[ "$(metric 'rackboot_dhcp_dropped_total{reason="pool_exhausted"}')" -eq 0 ]
lim=$(metric "rackboot_dhcp_new_lease_limited_total$pool")
check "the refusals are counted per pool ($lim)" [ "$lim" -gt 1000 ]
check "and as drops, reason new_lease_limit" \
	[ "$(metric 'rackboot_dhcp_dropped_total{reason="new_lease_limit"}')" -eq "$lim" ]
nlog=$(grep -c "new-lease limit reached" "$L")
check "logged at most once per 10 s ($nlog lines), naming the relay" \
	[ "$nlog" -ge 1 ] && [ "$nlog" -le 2 ] && grep -q "through relay 198.18.0.250" "$L"
check "a new known node gets its reservation meanwhile" grep -q "^ACK .*yiaddr=198.18.0.12 " <<<"$N2"
check "a known node without one gets a pool address" grep -qE "^ACK .*yiaddr=198\.18\.1\." <<<"$N3"
check "a known node renews its address with dhclient ($N4)" grep -qE "^198\.18\.1\.[0-9]+$" <<<"$N4"

run unlimited "new_lease_burst = 0;"
check "without the limit the host takes the whole pool ($ACKS of 200)" \
	[ "${ACKS:-0}" -ge 197 ]
check "which is then exhausted" \
	[ "$(metric 'rackboot_dhcp_dropped_total{reason="pool_exhausted"}')" -gt 0 ]
check "and a known node without a reservation goes without" fails grep -q "^ACK" <<<"$N3"
check "only reservations stay safe" grep -q "^ACK .*yiaddr=198.18.0.12 " <<<"$N2"
check "rackboot stopped cleanly" [ "$RB_STATUS" -eq 0 ]
t_done
