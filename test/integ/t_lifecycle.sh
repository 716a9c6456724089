#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One rackboot in a namespace: the interface view follows links and
# addresses, SIGUSR1 reports state, SIGHUP swaps good configurations and
# refuses bad ones while serving on, SIGTERM stops cleanly.
. "$(dirname "$0")/lib.sh"
t_plan 24

netns srv && netns cli || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
conf "$T_DIR/c.conf"
L=$T_DIR/log
start srv "$L" -c "$T_DIR/c.conf"
check "rackboot starts" wait_log "$L" "rackboot 0\.1\.0 started with configuration"
check "the start-up view lists eth1 with its address" \
	grep -qE "netif: eth1 index [0-9]+ up, IPv4 198\.18\.0\.1/24" "$L"

ip -n "$NS_PREFIX-srv" addr add 198.18.1.1/24 dev eth1
check "an added address is logged" wait_log "$L" "netif: eth1: address 198\.18\.1\.1/24 added"
ip -n "$NS_PREFIX-srv" addr del 198.18.1.1/24 dev eth1
check "a removed address is logged" wait_log "$L" "netif: eth1: address 198\.18\.1\.1/24 removed"
ip -n "$NS_PREFIX-cli" link set eth0 down
check "the link going down is seen (carrier lost)" wait_log "$L" "serving interface eth1 is down"
ip -n "$NS_PREFIX-cli" link set eth0 up
check "and coming back up" wait_log "$L" "serving interface eth1 is up"
ip -n "$NS_PREFIX-srv" link add eth7 type veth peer name eth8
check "a new link is logged" wait_log "$L" "netif: eth7 \(index [0-9]+\) appeared, down"
ip -n "$NS_PREFIX-srv" link del eth7
check "a deleted link is logged" wait_log "$L" "netif: eth7 \(index [0-9]+\) went away"
check "links are never reported twice (no per-family duplicates)" \
	[ "$(count_log "$L" 'netif: eth1 index')" -eq 1 ]

kill -USR1 "$RB_PID"
check "SIGUSR1 reports generation 1" wait_log "$L" "state: configuration generation 1 from .*c\.conf, log level info"

sed -i 's/log_level = "info"/log_level = "debug"/' "$T_DIR/c.conf"
kill -HUP "$RB_PID"
check "a valid reload is swapped in" wait_log "$L" "configuration reloaded \(generation 2\)"
kill -USR1 "$RB_PID"
check "and takes effect" wait_log "$L" "state: configuration generation 2 .*log level debug"

cp "$T_DIR/c.conf" "$T_DIR/good.conf"
printf 'dhcp: { pools = ( { subnet = "10.0.0.0/24"; },\n { subnet = "10.0.0.0/25"; } ); };\n' \
	>"$T_DIR/c.conf"
kill -HUP "$RB_PID"
check "an invalid reload is reported with file:line" \
	wait_log "$L" "c\.conf:2: error: subnet 10\.0\.0\.0/25 overlaps"
check "and the old configuration keeps serving" \
	wait_log "$L" "reload failed; still serving configuration generation 2"
kill -USR1 "$RB_PID"
sleep 0.3
check "the process is still there, on generation 2" \
	[ "$(count_log "$L" 'state: configuration generation 2')" -eq 2 ]

sed 's/user = "nobody"/user = "root"/' "$T_DIR/good.conf" >"$T_DIR/c.conf"
kill -HUP "$RB_PID"
check "a restart-only setting is kept, with a warning" \
	wait_log "$L" "reload: server\.user changed; it takes effect at the next restart"
check "the rest of that reload applies" wait_log "$L" "configuration reloaded \(generation 3\)"
check "still running as nobody" grep -qE "^Uid:\s+65534" "/proc/$RB_PID/status"

kill -TERM "$RB_PID"
wait_exit "$RB_PID" 15
check "SIGTERM stops with status 0" [ "$RB_STATUS" -eq 0 ]
check "and logs the stop" grep -q "info: stopped" "$L"
check "with no handle left open" [ "$(count_log "$L" 'handles still open')" -eq 0 ]

# A configured interface that does not exist yet is named, then followed.
conf "$T_DIR/late.conf" 's/interfaces = \["eth1"\]/interfaces = ["late0"]/'
start srv "$T_DIR/late.log" -c "$T_DIR/late.conf"
check "a missing configured interface is warned about" \
	wait_log "$T_DIR/late.log" "server.interfaces names late0, which does not exist \(yet\)"
ip -n "$NS_PREFIX-srv" link add late0 type veth peer name late1
ip -n "$NS_PREFIX-srv" link set late1 up
ip -n "$NS_PREFIX-srv" link set late0 up
check "and picked up when it appears, without restart" \
	wait_log "$T_DIR/late.log" "serving interface late0 is up"
kill -INT "$RB_PID"
wait_exit "$RB_PID" 15
check "SIGINT stops with status 0" [ "$RB_STATUS" -eq 0 ]
t_done
