#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One misbehaving host cannot keep a node from its volume (issue 20), with
# the default limits: 300 connections from one address that never log in,
# held 25 s, while a node on another link logs in, reads its volume's
# INQUIRY and writes and reads back a pattern over all of it; the flood is
# refused beyond iscsi.max_logins_per_address, counted, logged once, and
# the connections it got are closed at iscsi.login_timeout.  Then a login
# kept alive with one PDU every 2 s is closed at that deadline too.
. "$(dirname "$0")/lib.sh"
t_plan 14

for c in iscsi-inq; do
	command -v "$c" >/dev/null || { not_ok "$c is installed (libiscsi-bin)"; t_done; exit; }
done
HOLD=${RACKBOOT%/rackboot}/test/tcp_hold
PAT=${RACKBOOT%/rackboot}/test/iscsi_pattern
RAW=${RACKBOOT%/rackboot}/test/iscsi_raw
netns srv && netns cli && netns att || exit 1
link srv eth1 cli eth0
link srv eth2 att eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-srv" addr add 198.18.1.1/24 dev eth2
ip -n "$NS_PREFIX-cli" addr add 198.18.0.2/24 dev eth0
ip -n "$NS_PREFIX-att" addr add 198.18.1.66/24 dev eth0
mkdir -p "$T_DIR/state" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
P=iqn.2026-11.test.rackboot
S1=n1-secret-0123
# nothing but the defaults for the limits: they are what is tested
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1", "eth2"]; };
dhcp: { enable = false; };
tftp: { enable = false; root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; };
nodes = ( { mac = "52:54:00:00:01:01"; hostname = "n1"; ip = "198.18.0.2"; size = "8M";
            chap_secret = "$S1"; } );
CONF
LOG=$T_DIR/rb.log
start srv "$LOG" -c "$T_DIR/c.conf"
wait_log "$LOG" "iscsi: listening on port 3260" || { not_ok "rackboot serves iSCSI"; t_done; exit; }
U=198.18.0.1:3260
metric() {
	nsexec srv curl -s --max-time 10 http://127.0.0.1:8080/metrics | awk -v k="$1" '$1 == k { print $2 }'
}
inq() {
	nsexec cli timeout 20 iscsi-inq "iscsi://n1%$S1@$U/$P:n1/0" >"$T_DIR/inq.$1" 2>&1 &&
		grep -q "Vendor:RACKBOOT" "$T_DIR/inq.$1"
}
check "before the flood, n1 logs in (iscsi-inq)" inq calm

rm -f "$T_DIR/ready"
nsexec att "$HOLD" -n 300 -t 25 -r "$T_DIR/ready" 198.18.1.1 3260 >"$T_DIR/hold.out" &
HOLD_PID=$!
T_PIDS+=("$HOLD_PID")
for _ in $(seq 100); do [ -e "$T_DIR/ready" ] && break; sleep 0.1; done
check "the flood's 300 connects have all finished" test -e "$T_DIR/ready"
check "during the flood, n1 logs in (iscsi-inq)" inq flood
check "...and writes and reads back a pattern over its whole volume" \
	nsexec cli timeout 60 "$PAT" -t 20 -q 8 -s 5 "iscsi://n1%$S1@$U/$P:n1/0"
open=$(metric rackboot_iscsi_connections)
check "the flooding address holds at most iscsi.max_logins_per_address (4) ($open open)" \
	test "${open:-99}" -le 4
check "refusals counted (>= 290)" \
	test "$(metric 'rackboot_iscsi_limited_total{limit="max_logins_per_address"}')" -ge 290
check "the flooding address logged once (all within 10 s)" \
	test "$(count_log "$LOG" 'iscsi 198\.18\.1\.66:[0-9]+: connection refused')" -eq 1
wait_exit "$HOLD_PID" 40
read -r _ conn _ ref _ cut _ left <"$T_DIR/hold.out"
echo "# tcp_hold: $(cat "$T_DIR/hold.out")"
check "no flood connection lasted 25 s (iscsi.login_timeout)" test "${left:-1}" -eq 0
check "logins closed at their deadline counted (>= 4)" \
	test "$(metric 'rackboot_iscsi_limited_total{limit="login_timeout"}')" -ge 4
check "...and logged" grep -q "iscsi 198.18.1.66:[0-9]*: login not finished in 15 s" "$LOG"

# A login that answers every 2 s: only a deadline from accept ends it.
nsexec att timeout 70 "$RAW" 198.18.1.1 3260 "$P:n1" n1 x slowlogin >"$T_DIR/slow.out" 2>&1
echo "# $(cat "$T_DIR/slow.out")"
secs=$(sed -n 's/^ok closed after \([0-9]*\) s$/\1/p' "$T_DIR/slow.out")
check "a login kept going a PDU at a time is closed at iscsi.login_timeout (${secs:-never})" \
	test "${secs:-99}" -ge 14 -a "${secs:-99}" -le 18
check "after all that, n1 still logs in" inq after
check "rackboot is still running" kill -0 "$RB_PID"
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "stops cleanly" test "$RB_STATUS" -eq 0
t_done
