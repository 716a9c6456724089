#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Without -f rackboot detaches, and the parent's exit status tells whether
# the daemon started; the pid file names it; $NOTIFY_SOCKET hears READY=1,
# RELOADING=1 and STOPPING=1.
. "$(dirname "$0")/lib.sh"
t_plan 8

netns srv || exit 1
conf "$T_DIR/c.conf" "s|^server: {|server: {\n\tpid_file = \"$T_DIR/rb.pid\";|"
sock=$T_DIR/notify.sock
socat -u "UNIX-RECV:$sock" "OPEN:$T_DIR/notify.log,creat,append" &
T_PIDS+=($!)
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.05; done
chmod 777 "$T_DIR" "$sock"

NOTIFY_SOCKET=$sock ip netns exec "$NS_PREFIX-srv" "$RACKBOOT" -c "$T_DIR/c.conf"
check "the parent exits 0 once the daemon is serving" [ $? -eq 0 ]
pid=$(cat "$T_DIR/rb.pid" 2>/dev/null)
[ -z "$pid" ] || T_PIDS+=("$pid")
check "the pid file names a running rackboot" \
	grep -q "rackboot" "/proc/${pid:-0}/cmdline"
# no daemon: nothing below can pass (the EXIT trap fails the suite)
[ -n "$pid" ] && [ -e "/proc/$pid" ] || exit 1
check "the daemon has left the terminal's session" \
	[ "$(ps -o sid= -p "${pid:-0}" | tr -d ' ')" = "${pid:-x}" ]
check "the service manager heard READY=1" wait_log "$T_DIR/notify.log" "READY=1" 5
kill -HUP "$pid"
check "and RELOADING=1 on SIGHUP" wait_log "$T_DIR/notify.log" "RELOADING=1" 5
kill -TERM "$pid"
check "and STOPPING=1 on SIGTERM" wait_log "$T_DIR/notify.log" "STOPPING=1" 5
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
check "the daemon is gone" [ ! -e "/proc/$pid" ]

# A start-up failure reaches the parent's exit status.
conf "$T_DIR/bad.conf" "s|state_dir = \"$T_DIR/state\"|state_dir = \"/proc/rackboot-state\"|"
ip netns exec "$NS_PREFIX-srv" "$RACKBOOT" -c "$T_DIR/bad.conf" 2>/dev/null
check "the parent exits 3 when the daemon cannot start" [ $? -eq 3 ]
t_done
