#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nodes whose volume lives on an existing iSCSI gateway (tgtd here, with
# CHAP): rackboot checks each with libiscsi at start-up, on SIGHUP and
# with `rackboot -t --online`; a working one goes into the node's script
# (sanboot URI, the gateway's credentials); a failing one (wrong secret, a
# portal nobody answers on, a LUN that does not exist) is logged with the
# reason, and its node's script says why instead of hanging in sanboot.
. "$(dirname "$0")/lib.sh"
t_plan 21

for c in tgtd tgtadm curl; do
	command -v "$c" >/dev/null || { not_ok "$c is installed"; t_done; exit; }
done
netns srv && netns cli || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-srv" addr add 198.18.0.9/24 dev eth1 # the "gateway"
ip -n "$NS_PREFIX-cli" addr add 198.18.0.2/24 dev eth0
TGT_CP=$((20000 + $$ % 10000))
while [ -e "/var/run/tgtd/socket.$TGT_CP" ]; do TGT_CP=$((TGT_CP + 1)); done
ext_cleanup() {
	[ -n "${TGT_PID:-}" ] && kill -KILL "$TGT_PID" 2>/dev/null && wait "$TGT_PID" 2>/dev/null
	rm -f "/var/run/tgtd/socket.$TGT_CP" "/var/run/tgtd/socket.$TGT_CP.lock"
}
t_atexit ext_cleanup

mkdir -p "$T_DIR/state" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
truncate -s 32M "$T_DIR/gw.img"
GW=iqn.2026-11.test.gateway:vol7
ip netns exec "$NS_PREFIX-srv" tgtd -f -C "$TGT_CP" --iscsi portal=198.18.0.9:3261 \
	>"$T_DIR/tgtd.log" 2>&1 &
TGT_PID=$!
tadm() { tgtadm -C "$TGT_CP" --lld iscsi "$@"; }
for _ in $(seq 50); do tadm --op show --mode target >/dev/null 2>&1 && break; sleep 0.1; done
tadm --op new --mode target --tid 1 -T "$GW" &&
	tadm --op new --mode logicalunit --tid 1 --lun 1 -b "$T_DIR/gw.img" &&
	tadm --op bind --mode target --tid 1 -I ALL &&
	tadm --op new --mode account --user gwuser --password gw-secret-0123 &&
	tadm --op bind --mode account --tid 1 --user gwuser
check "tgtd serves the gateway's volume behind CHAP" test $? -eq 0

P=iqn.2026-11.test.rackboot
write_conf() { # $1: ext2's secret
	cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { enable = false; };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; allow = ["198.18.0.2"]; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; };
nodes = (
  { mac = "52:54:00:00:02:01"; hostname = "ext1";
    external = { portal = "198.18.0.9:3261"; target = "$GW"; lun = 1;
                 chap_user = "gwuser"; chap_secret = "gw-secret-0123"; }; },
  { mac = "52:54:00:00:02:02"; hostname = "ext2";
    external = { portal = "198.18.0.9:3261"; target = "$GW"; lun = 1;
                 chap_user = "gwuser"; chap_secret = "$1"; }; },
  { mac = "52:54:00:00:02:03"; hostname = "ext3";
    external = { portal = "198.18.0.9:3999"; target = "$GW"; }; },
  { mac = "52:54:00:00:02:04"; hostname = "ext4";
    external = { portal = "198.18.0.9:3261"; target = "$GW"; lun = 5;
                 chap_user = "gwuser"; chap_secret = "gw-secret-0123"; }; },
  { mac = "52:54:00:00:02:05"; hostname = "own1"; size = "4M"; }
);
CONF
}
write_conf wrong-secret-99
nsexec srv "$RACKBOOT" -t --online -c "$T_DIR/c.conf" >"$T_DIR/online" 2>&1
check "-t --online fails when an external target does not work" test $? -eq 1
check "... says ext1's works, with its size" grep -q "node ext1: external target $GW LUN 1 works (32 MiB)" "$T_DIR/online"
check "... names ext2's refused login" grep -q "node ext2: external target: login to $GW at 198.18.0.9:3261, LUN 1, failed: .*Authentication failure" "$T_DIR/online"
check "... ext3's dead portal" grep -q "node ext3: external target: cannot reach the portal 198.18.0.9:3999: Connection refused" "$T_DIR/online"
check "... and ext4's missing LUN" grep -q "node ext4: external target: login to .*LUN 5, failed: .*LOGICAL_UNIT_NOT_SUPPORTED" "$T_DIR/online"

LOG=$T_DIR/rb.log
start srv "$LOG" -c "$T_DIR/c.conf"
wait_log "$LOG" "node ext4: external target fails" 20
wait_log "$LOG" "node ext3: external target fails" 20
check "at start-up ext1's target is checked and works" grep -q "node ext1: external target $GW at 198.18.0.9:3261 LUN 1 works" "$LOG"
check "... ext2's failure is logged with the reason" grep -q "node ext2: external target fails its check: login to" "$LOG"
check "rackboot serves its own target meanwhile" grep -q "iscsi: listening on port 3260" "$LOG"

script() { nsexec cli curl -s "http://198.18.0.1:8080/boot/$1.ipxe"; }
script 52:54:00:00:02:01 >"$T_DIR/s1"
check "ext1's script sanboots the gateway's LUN" grep -qx "sanboot iscsi:198.18.0.9::3261:1:$GW && goto done || goto failed" "$T_DIR/s1"
check "... with the gateway's CHAP credentials" \
	bash -c 'grep -qx "set username gwuser" "$1" && grep -qx "set password gw-secret-0123" "$1"' _ "$T_DIR/s1"
check "... and no mutual CHAP with rackboot" fails grep -q reverse-password "$T_DIR/s1"
check "... and no error" fails grep -q "not booting" "$T_DIR/s1"
script 52:54:00:00:02:02 >"$T_DIR/s2"
check "ext2's script says why instead of booting" grep -q "echo rackboot: login to $GW at 198.18.0.9:3261, LUN 1, failed" "$T_DIR/s2"
check "... and stops before sanboot" \
	bash -c 'awk "/not booting/ { e = NR } /^sanboot/ { s = NR } END { exit !(e && s && e < s) }" "$1" && grep -q "exit 1" "$1"' _ "$T_DIR/s2"
script 52:54:00:00:02:03 >"$T_DIR/s3"
check "ext3's script names the dead portal" grep -q "198.18.0.9:3999" "$T_DIR/s3"
check "external nodes are not served by rackboot's own target" \
	fails nsexec cli timeout 10 iscsi-ls "iscsi://gwuser%gw-secret-0123@198.18.0.1:3260" 2>/dev/null

# fix ext2's secret and reload: checked again, its script boots
write_conf gw-secret-0123
kill -HUP "$RB_PID"
wait_log "$LOG" "node ext2: external target $GW at 198.18.0.9:3261 LUN 1 works" 20
check "after SIGHUP ext2's fixed target is checked again and works" \
	grep -q "node ext2: external target $GW at 198.18.0.9:3261 LUN 1 works" "$LOG"
script 52:54:00:00:02:02 >"$T_DIR/s2b"
check "... and its script now sanboots" grep -q "^sanboot iscsi:198.18.0.9::3261:1:$GW" "$T_DIR/s2b"
check "... with no error left" fails grep -q "not booting" "$T_DIR/s2b"
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "rackboot stops cleanly" test "$RB_STATUS" -eq 0
t_done
