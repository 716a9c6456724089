#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The systemd unit: it verifies, grants exactly the capabilities rackboot(8)
# documents, and the binary runs with that bounding set.
. "$(dirname "$0")/lib.sh"
t_plan 6

unit=$T_DIR/rackboot.service
sed -e "s|@SBINDIR@|$(dirname "$RACKBOOT")|g" -e "s|@SYSCONFDIR@|$T_DIR/etc|g" \
	etc/rackboot.service.in >"$unit"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify --man=no "$unit" 2>&1)
	check "systemd-analyze verify finds nothing wrong" [ -z "$out" ]
	[ -z "$out" ] || sed 's/^/#   /' <<<"$out"
else
	not_ok "systemd-analyze is installed (package systemd)"
fi
want="CAP_CHOWN CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_SETGID CAP_SETUID"
got=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sort | xargs)
check "the bounding set is exactly the documented one" [ "$got" = "$want" ]
man=build/man/rackboot.8
check "rackboot(8) names each of them" \
	bash -c "for c in $want; do grep -q \"\$c\" $man || exit 1; done"

# Run the binary under that bounding set, as systemd would.
netns srv || exit 1
conf "$T_DIR/c.conf"
ip netns exec "$NS_PREFIX-srv" setpriv \
	--bounding-set=-all,+net_bind_service,+net_admin,+setuid,+setgid,+chown \
	"$RACKBOOT" -f -c "$T_DIR/c.conf" >"$T_DIR/log" 2>&1 &
RB_PID=$!
T_PIDS+=("$RB_PID")
T_LOGPID[$T_DIR/log]=$RB_PID # as start() does: wait_log gives up when it exits
check "rackboot starts and drops privileges within that bounding set" \
	wait_log "$T_DIR/log" "started with configuration"
check "ending with exactly the two runtime capabilities" \
	grep -qE "^CapEff:\s+0000000000001400$" "/proc/$RB_PID/status"
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "and stops with status 0" [ "$RB_STATUS" -eq 0 ]
t_done
