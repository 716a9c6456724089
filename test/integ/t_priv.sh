#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Privileges: started as root, rackboot ends as server.user with exactly
# CAP_NET_BIND_SERVICE and CAP_NET_ADMIN, no supplementary groups and
# no_new_privs; it creates its state folder for that user; started as an
# ordinary user it keeps that identity and has no capabilities.
. "$(dirname "$0")/lib.sh"
t_plan 20

netns srv || exit 1
conf "$T_DIR/c.conf"
L=$T_DIR/log
start srv "$L" -c "$T_DIR/c.conf"
check "rackboot starts as root" wait_log "$L" "started with configuration"
S=/proc/$RB_PID/status
check "it runs as uid 65534 (nobody)" grep -qE "^Uid:\s+65534\s+65534\s+65534\s+65534$" "$S"
check "and gid 65534 (nogroup)" grep -qE "^Gid:\s+65534\s+65534\s+65534\s+65534$" "$S"
check "with no supplementary groups" grep -qE "^Groups:\s*$" "$S"
# bit 10 CAP_NET_BIND_SERVICE, bit 12 CAP_NET_ADMIN
check "effective capabilities are exactly NET_BIND_SERVICE and NET_ADMIN" \
	grep -qE "^CapEff:\s+0000000000001400$" "$S"
check "and so are the permitted ones" grep -qE "^CapPrm:\s+0000000000001400$" "$S"
check "no_new_privs is set" grep -qE "^NoNewPrivs:\s+1$" "$S"
check "the log says what it kept" grep -q "running as uid 65534 gid 65534 with CAP_NET_BIND_SERVICE and CAP_NET_ADMIN" "$L"
check "the state folder exists with mode 0750" [ "$(stat -c %a "$T_DIR/state")" = 750 ]
check "and belongs to the service user" [ "$(stat -c %U "$T_DIR/state")" = nobody ]
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "it stops with status 0 after dropping privileges" [ "$RB_STATUS" -eq 0 ]

check "the lease journal in it belongs to the service user" \
	[ "$(stat -c %U "$T_DIR/state/leases.journal")" = nobody ]

# As an ordinary user: no switch, no capabilities, state folder its own.
# Port 67 needs CAP_NET_BIND_SERVICE, which such a user lacks: with DHCP
# on, start-up fails and says why; with it off, rackboot runs.
mkdir -p "$T_DIR/u" && chown nobody "$T_DIR/u"
conf "$T_DIR/u.conf" "s|state_dir = \"$T_DIR/state\"|state_dir = \"$T_DIR/u/state\"|"
chmod 644 "$T_DIR/u.conf"
ip netns exec "$NS_PREFIX-srv" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$RACKBOOT" -f -c "$T_DIR/u.conf" >"$T_DIR/u0.log" 2>&1
check "an ordinary user cannot serve on privileged ports: exit 3" [ $? -eq 3 ]
check "saying which port it cannot bind" \
	grep -qE "(tftp|dhcp): cannot bind UDP port (69|67): Permission denied" "$T_DIR/u0.log"
# Without DHCP and with TFTP on a high port, an ordinary user can run it.
sed -i -e 's/^dhcp: {/dhcp: {\n\tenable = false;/' -e 's/^tftp: {/tftp: {\n\tport = 6969;/' "$T_DIR/u.conf"
ip netns exec "$NS_PREFIX-srv" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$RACKBOOT" -f -c "$T_DIR/u.conf" >"$T_DIR/u.log" 2>&1 &
RB_PID=$!
T_PIDS+=("$RB_PID")
T_LOGPID[$T_DIR/u.log]=$RB_PID # as start() does
check "rackboot starts as an ordinary user" wait_log "$T_DIR/u.log" "started with configuration"
check "keeping that user" grep -qE "^Uid:\s+65534" "/proc/$RB_PID/status"
check "with no capabilities" grep -qE "^CapEff:\s+0000000000000000$" "/proc/$RB_PID/status"
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "and stops with status 0" [ "$RB_STATUS" -eq 0 ]

# A state folder that cannot be made is a start-up failure: status 3.
conf "$T_DIR/bad.conf" "s|state_dir = \"$T_DIR/state\"|state_dir = \"/proc/rackboot-state\"|"
ip netns exec "$NS_PREFIX-srv" "$RACKBOOT" -f -c "$T_DIR/bad.conf" >"$T_DIR/bad.log" 2>&1
check "an impossible state folder exits 3" [ $? -eq 3 ]
check "and says why" grep -q "cannot create server.state_dir /proc/rackboot-state" "$T_DIR/bad.log"
t_done
