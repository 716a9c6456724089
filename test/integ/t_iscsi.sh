#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The iSCSI target against libiscsi's tools and an initiator of our own
# (iscsi_pattern) in a client namespace: discovery with and without CHAP
# lists only the caller's own target; INQUIRY and READ CAPACITY(16); a
# pattern written over a whole volume with 32 commands in flight and read
# back, also with header digests and after a restart; wrong CHAP, another
# node's credentials and a foreign initiator name refused, logged,
# counted and slowed down; volume files sparse at their size under
# storage.dir.
. "$(dirname "$0")/lib.sh"
t_plan 49

for c in iscsi-ls iscsi-inq iscsi-readcapacity16; do
	command -v "$c" >/dev/null || { not_ok "$c is installed (libiscsi-bin)"; t_done; exit; }
done
PAT=${RACKBOOT%/rackboot}/test/iscsi_pattern
netns srv && netns cli && netns out || exit 1
link srv eth1 cli eth0
link srv eth2 out eth0
ip -n "$NS_PREFIX-srv" addr add 198.19.7.1/24 dev eth2
ip -n "$NS_PREFIX-out" addr add 198.19.7.2/24 dev eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-cli" addr add 198.18.0.2/24 dev eth0
mkdir -p "$T_DIR/state" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
P=iqn.2026-11.test.rackboot
S1=n1-secret-0123
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { enable = false; };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; nop_interval = 1; };
nodes = (
  { mac = "52:54:00:00:01:01"; hostname = "n1"; ip = "198.18.0.2"; size = "8M";
    chap_secret = "$S1"; },
  { mac = "52:54:00:00:01:02"; hostname = "n2"; ip = "198.18.0.3"; size = "4M"; },
  { mac = "52:54:00:00:01:03"; hostname = "n3"; size = "1M"; chap_user = "third";
    chap_secret = "n3-secret-4567"; initiator = "iqn.2026-11.test.initiator:only"; }
);
CONF
LOG=$T_DIR/rb.log
start srv "$LOG" -c "$T_DIR/c.conf"
wait_log "$LOG" "iscsi: listening on port 3260" || { not_ok "the iSCSI target listens"; exit 1; }
U=198.18.0.1:3260

# discovery without CHAP: the node at the caller's address only
nsexec cli timeout 10 iscsi-ls "iscsi://$U" >"$T_DIR/ls" 2>&1
check "discovery without CHAP lists the caller's own target" grep -qx "Target:$P:n1 Portal:198.18.0.1:3260,1" "$T_DIR/ls"
check "... and no other node's" test "$(grep -c Target: "$T_DIR/ls")" -eq 1

# n2's derived secret, as its boot script gets it
S2=$(nsexec srv "$RACKBOOT" -c "$T_DIR/c.conf" explain 52:54:00:00:01:02 --ipxe |
	sed -n 's/.*set password \(.*\)$/\1/p;s/.*password=\([A-Za-z0-9]*\).*/\1/p' | head -1)
check "explain shows n2's derived CHAP secret" test "${#S2}" -eq 16
nsexec cli timeout 10 iscsi-ls "iscsi://n2%$S2@$U" >"$T_DIR/ls2" 2>&1
check "discovery with n2's CHAP lists n2's target only" \
	test "$(cat "$T_DIR/ls2")" = "Target:$P:n2 Portal:198.18.0.1:3260,1"
nsexec cli timeout 10 iscsi-ls "iscsi://n2%wrong-secret-xx@$U" >"$T_DIR/ls3" 2>&1
check "discovery with a wrong secret is refused" test "$(grep -c Target: "$T_DIR/ls3")" -eq 0

# INQUIRY and READ CAPACITY(16) on n1's volume, LUN 0
nsexec cli timeout 10 iscsi-inq "iscsi://n1%$S1@$U/$P:n1/0" >"$T_DIR/inq" 2>&1
check "iscsi-inq: a disk from rackboot" grep -q "Vendor:RACKBOOT" "$T_DIR/inq"
nsexec cli timeout 10 iscsi-readcapacity16 "iscsi://n1%$S1@$U/$P:n1/0" >"$T_DIR/rc" 2>&1
check "iscsi-readcapacity16: 8 MiB of 512-byte blocks" \
	grep -q "RETURNED LOGICAL BLOCK ADDRESS:16383" "$T_DIR/rc"
check "... block size 512" grep -q "LOGICAL BLOCK LENGTH IN BYTES:512" "$T_DIR/rc"
check "the volume file is sparse, at the node's size" \
	test "$(stat -c %s "$T_DIR/state/volumes/n1.img")" -eq $((8 << 20))

# a whole-volume pattern, 32 commands in flight, then with header digests
check "pattern over all of n1's volume, 32 in flight" \
	nsexec cli timeout 120 "$PAT" -q 32 -s 7 "iscsi://n1%$S1@$U/$P:n1/0"
check "pattern again with CRC32C header digests, 64 KiB commands" \
	nsexec cli timeout 120 "$PAT" -H -q 8 -c 65536 -s 9 "iscsi://n1%$S1@$U/$P:n1/0"
check "n2's volume with its derived secret" \
	nsexec cli timeout 120 "$PAT" -q 4 -s 3 "iscsi://n2%$S2@$U/$P:n2/0"
# mutual CHAP with what n2's script gets for it (reverse-username/password)
M2=$(nsexec srv "$RACKBOOT" -c "$T_DIR/c.conf" explain 52:54:00:00:01:02 --ipxe |
	sed -n 's/.*set reverse-password \(.*\)$/\1/p' | head -1)
check "n2's script carries a mutual CHAP secret" test "${#M2}" -eq 16
check "mutual CHAP: the target proves itself to n2" \
	nsexec cli timeout 60 "$PAT" -r -s 3 -m "$P:n2%$M2" "iscsi://n2%$S2@$U/$P:n2/0"
check "mutual CHAP with a wrong target secret fails at the initiator" \
	fails nsexec cli timeout 20 "$PAT" -t 10 -r -s 3 -m "$P:n2%wrong-wrong-wrong" \
	"iscsi://n2%$S2@$U/$P:n2/0"
# junk on the port: the connection is dropped, the daemon goes on
nsexec cli timeout 5 bash -c 'head -c 65536 /dev/urandom >/dev/tcp/198.18.0.1/3260' 2>/dev/null
nsexec cli timeout 5 bash -c 'printf "%048d" 0 | tr 0 "\\377" >/dev/tcp/198.18.0.1/3260' 2>/dev/null
check "after junk PDUs the target still serves" \
	nsexec cli timeout 60 "$PAT" -r -q 4 -s 3 "iscsi://n2%$S2@$U/$P:n2/0"

# bad input by hand: each scenario gets a Reject and a live session, or a
# closed connection (iscsi_raw checks which)
RAW=${RACKBOOT%/rackboot}/test/iscsi_raw
for sc in ddigest hdigest oversize ahs opcode snack dataout cmdsn tmf login; do
	check "bad input ($sc): the answer RFC 7143 asks for" \
		nsexec cli timeout 30 "$RAW" 198.18.0.1 3260 "$P:n1" n1 "$S1" "$sc"
done
check "... and the volume still serves" \
	nsexec cli timeout 60 "$PAT" -r -q 4 -s 9 -c 65536 "iscsi://n1%$S1@$U/$P:n1/0"
# idle sessions are pinged (NOP-In) after iscsi.nop_interval; one that
# answers stays, one that does not is closed
check "an idle session that answers NOP-In pings is kept" \
	nsexec cli timeout 60 "$PAT" -w 4 -r -q 4 -s 3 "iscsi://n2%$S2@$U/$P:n2/0"
check "a session that stops answering is closed" \
	fails nsexec cli timeout 60 "$PAT" -W 4 -t 10 -r -q 4 -s 3 "iscsi://n2%$S2@$U/$P:n2/0"
check "... and the log says why" grep -q "no answer to a NOP-In in 1 s; closing" "$LOG"
# refusals: wrong secret, another node's credentials, a foreign initiator
check "n1 with a wrong secret is refused" \
	fails nsexec cli timeout 20 "$PAT" -t 10 "iscsi://n1%not-the-secret@$U/$P:n1/0"
check "n1's credentials do not open n2's target" \
	fails nsexec cli timeout 20 "$PAT" -t 10 "iscsi://n1%$S1@$U/$P:n2/0"
check "n3 from an initiator it is not bound to is refused" \
	fails nsexec cli timeout 20 "$PAT" -t 10 "iscsi://third%n3-secret-4567@$U/$P:n3/0"
check "n3 from its bound initiator logs in" \
	nsexec cli timeout 60 "$PAT" -i iqn.2026-11.test.initiator:only -q 2 \
	"iscsi://third%n3-secret-4567@$U/$P:n3/0"
# COMPARE AND WRITE on a file volume is emulated (read, compare, write);
# its miscompare sense is the one t_rbd checks for librbd's (SBC-3 5.2)
nsexec cli timeout 30 "$PAT" -i iqn.2026-11.test.initiator:only -C 100,1,300 \
	"iscsi://third%n3-secret-4567@$U/$P:n3/0" >"$T_DIR/caw1" 2>&1
check "COMPARE AND WRITE (file, one block): a miscompare at byte 300 is MISCOMPARE with INFORMATION 300, the data stays, a match writes" \
	grep -q "^ok caw: miscompare at byte 300 reported as 300" "$T_DIR/caw1"
nsexec cli timeout 30 "$PAT" -i iqn.2026-11.test.initiator:only -C 200,3,1100 \
	"iscsi://third%n3-secret-4567@$U/$P:n3/0" >"$T_DIR/caw3" 2>&1
check "... and of three blocks, INFORMATION 1100" \
	grep -q "^ok caw: miscompare at byte 1100 reported as 1100" "$T_DIR/caw3"
check "refusals are logged with the reason" grep -q "login of .* to $P:n2 refused" "$LOG"
check "... and the foreign initiator named" grep -q "refused: .*initiator" "$LOG"
wait_log "$LOG" "failed logins lately; waiting" 5
check "repeated failures from one address are slowed down" \
	grep -q "failed logins lately; waiting" "$LOG"
nsexec cli curl -s "http://198.18.0.1:8080/metrics" >"$T_DIR/metrics"
check "/metrics counts refused logins" \
	grep -qE '^rackboot_iscsi_logins_total\{result="auth_failed"\} [1-9]' "$T_DIR/metrics"
check "/metrics counts the pings and the unanswered one" \
	bash -c 'grep -qE "^rackboot_iscsi_nop_pings_total [1-9]" "$1" &&
		grep -qE "^rackboot_iscsi_errors_total\{kind=\"ping\"\} 1$" "$1"' _ "$T_DIR/metrics"
check "/metrics counts the bytes written" \
	grep -qE '^rackboot_iscsi_bytes_total\{direction="write"\} [1-9]' "$T_DIR/metrics"

# an interface not in server.interfaces gets no iSCSI either
check "no login over an interface rackboot does not serve" \
	fails nsexec out timeout 20 "$PAT" -t 10 -r "iscsi://n1%$S1@198.19.7.1:3260/$P:n1/0"
nsexec cli curl -s "http://198.18.0.1:8080/metrics" >"$T_DIR/metrics2"
check "... counted as foreign" grep -qE '^rackboot_iscsi_errors_total\{kind="foreign"\} [1-9]' "$T_DIR/metrics2"
# the data survives a restart; an idle session (a booted machine's) does
# not hold the stop up: it is asked to log out and closed
before=$(count_log "$LOG" "pattern logged in to $P:n2")
nsexec cli timeout 30 "$PAT" -w 20 -r -q 4 -s 3 "iscsi://n2%$S2@$U/$P:n2/0" >/dev/null 2>&1 &
IDLE=$!
for _ in $(seq 100); do
	[ "$(count_log "$LOG" "pattern logged in to $P:n2")" -gt "$before" ] && break
	sleep 0.1
done
check "an idle session is open before the stop" \
	test "$(count_log "$LOG" "pattern logged in to $P:n2")" -gt "$before"
t0=$SECONDS
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "rackboot stops cleanly with an idle session open" test "$RB_STATUS" -eq 0
check "... within 5 s, not after the whole shutdown timeout" test $((SECONDS - t0)) -le 5
wait "$IDLE" 2>/dev/null
start srv "$LOG.2" -c "$T_DIR/c.conf"
wait_log "$LOG.2" "iscsi: listening on port 3260"
sleep 2 # the slow-down of the refused address above is per process
check "after a restart the pattern reads back" \
	nsexec cli timeout 120 "$PAT" -r -q 16 -c 65536 -s 9 "iscsi://n1%$S1@$U/$P:n1/0"
check "the volume was never truncated or recreated" \
	test "$(stat -c %s "$T_DIR/state/volumes/n1.img")" -eq $((8 << 20))
t_done
