#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The iSCSI target against libiscsi's conformance suite, beside tgtd: both
# serve the same 64 MiB of random data (one copy each), and iscsi-test-cu
# runs every test (-t ALL, destructive ones included, the same URL twice
# for the multipath tests) from a client namespace against each.  Whatever
# tgtd passes, rackboot must pass; rackboot fails nothing; and rackboot
# passes the thin-provisioning tests tgtd skips (COMPARE AND WRITE, UNMAP,
# GET LBA STATUS, WRITE SAME with UNMAP).  Both result files ("Suite.Test
# pass|fail|skip", one a line) stay in the test folder (T_KEEP=1 keeps it).
. "$(dirname "$0")/lib.sh"
t_plan 13

for c in tgtd tgtadm iscsi-test-cu iscsi-inq; do
	command -v "$c" >/dev/null || { not_ok "$c is installed (tgt, libiscsi-bin)"; t_done; exit; }
done

netns srv && netns cli || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-cli" addr add 198.18.0.2/24 dev eth0

# tgtd's control socket is a file (/var/run/tgtd/socket.N), shared across
# namespaces: take a port no other tgtd uses, and remove its files after.
TGT_CP=$((20000 + $$ % 10000)) # tgtd takes up to 32767
while [ -e "/var/run/tgtd/socket.$TGT_CP" ]; do TGT_CP=$((TGT_CP + 1)); done
iscsi_cleanup() {
	[ -n "${TGT_PID:-}" ] && kill -KILL "$TGT_PID" 2>/dev/null
	rm -f "/var/run/tgtd/socket.$TGT_CP" "/var/run/tgtd/socket.$TGT_CP.lock"
}
t_atexit iscsi_cleanup

V=$T_DIR/volumes
mkdir -p "$V" "$T_DIR/state" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
head -c $((64 << 20)) /dev/urandom >"$T_DIR/random.img"
cp "$T_DIR/random.img" "$T_DIR/tgtd.img"
cp "$T_DIR/random.img" "$V/conf01.img"
chown -R nobody "$V" # rackboot runs as nobody
IQN1=iqn.2026-11.test.initiator:conf1
IQN2=iqn.2026-11.test.initiator:conf2

# conformance NAME URL: run the suite against URL; the console output goes
# to $T_DIR/NAME.out, one "Suite.Test pass|fail|skip" line a test to
# $T_DIR/NAME.results.  A test fails iff CUnit printed a numbered assertion
# failure under it ("[FAILED]" log lines alone do not count); a SKIPPED test
# is a skip though CUnit counts it passed.
conformance() {
	local t0=$SECONDS
	nsexec cli timeout -k 5 150 iscsi-test-cu -d -i "$IQN1" -I "$IQN2" -t ALL "$2" "$2" \
		>"$T_DIR/$1.out" 2>&1
	echo "# $1: iscsi-test-cu exited with status $? after $((SECONDS - t0)) s"
	cu_results "$T_DIR/$1.out" >"$T_DIR/$1.results"
}
count() { grep -c " $2\$" "$T_DIR/$1.results"; }
tally() { echo "$(count "$1" pass) pass $(count "$1" fail) fail $(count "$1" skip) skip"; }
ran() { # NAME: the suite ran all 230 tests
	local n
	n=$(wc -l <"$T_DIR/$1.results")
	[ "$n" -eq 230 ] || { echo "# $1: $n tests ran, not 230" >&2; tail -5 "$T_DIR/$1.out" | sed 's/^/#   /' >&2; return 1; }
}
# listed LABEL WORD...: true when no words; else print them as a diagnostic.
listed() {
	local label=$1
	shift
	[ $# -eq 0 ] && return 0
	echo "# $label ($#):" >&2
	printf '%s\n' "$@" | fmt -w 100 | sed 's/^/#   /' >&2
	return 1
}

# tgtd: LUN 1 of one target, on the copy, with bs_rdwr (read/write on the file).
TGT_IQN=iqn.2026-11.test.tgtd:conf
# Not through nsexec (a function: $! would be its subshell, not tgtd).
ip netns exec "$NS_PREFIX-srv" tgtd -f -C "$TGT_CP" --iscsi portal=198.18.0.1:3261 \
	>"$T_DIR/tgtd.log" 2>&1 &
TGT_PID=$!
for _ in $(seq 100); do
	tgtadm -C "$TGT_CP" --op show --mode sys >/dev/null 2>&1 && break
	sleep 0.1
done
tgtadm -C "$TGT_CP" --lld iscsi --op new --mode target --tid 1 -T "$TGT_IQN" &&
	tgtadm -C "$TGT_CP" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 \
		-b "$T_DIR/tgtd.img" --bstype rdwr &&
	tgtadm -C "$TGT_CP" --lld iscsi --op bind --mode target --tid 1 -I ALL
check "tgtd serves the copy as LUN 1 (control port $TGT_CP)" test $? -eq 0
conformance tgtd "iscsi://198.18.0.1:3261/$TGT_IQN/1"
check "tgtd ran all 230 tests" ran tgtd
kill -KILL "$TGT_PID" # tgtd ignores SIGTERM; nothing of it is checked after
wait "$TGT_PID" 2>/dev/null
TGT_PID=

# rackboot: node conf01's volume is the other copy, behind CHAP.
SECRET=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { enable = false; };
tftp: { enable = false; root = "$T_DIR/tftp"; };
http: { enable = false; root = "$T_DIR/http"; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { enable = true; port = 3260; iqn_prefix = "iqn.2026-11.test.rackboot";
         discovery_auth = "none"; };
storage: { backend = "file"; dir = "$V"; };
nodes = (
  { mac = "52:54:00:00:00:21"; hostname = "conf01"; size = "64M";
    chap_user = "conf01"; chap_secret = "$SECRET"; }
);
CONF
check "rackboot -t accepts the configuration" "$RACKBOOT" -t -c "$T_DIR/c.conf"
L=$T_DIR/log
start srv "$L" -c "$T_DIR/c.conf"
RB_URL="iscsi://conf01%$SECRET@198.18.0.1:3260/iqn.2026-11.test.rackboot:conf01/0"
# Up when a CHAP login and an INQUIRY succeed (bounded: 15 s).
up=1
deadline=$((SECONDS + 15))
while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$RB_PID" 2>/dev/null; do
	nsexec cli timeout 3 iscsi-inq -i "$IQN1" "$RB_URL" >"$T_DIR/inq.out" 2>&1 && { up=0; break; }
	sleep 0.5
done
[ "$up" -eq 0 ] || { sed 's/^/#   /' "$L" "$T_DIR/inq.out" | tail -20 >&2; }
check "rackboot answers a CHAP login and an INQUIRY on conf01's LUN 0" test "$up" -eq 0
check "the pre-placed volume was kept as it was (64 MiB of the random data)" \
	cmp -s "$T_DIR/random.img" "$V/conf01.img"
if [ "$up" -eq 0 ]; then
	conformance rackboot "$RB_URL"
else
	: >"$T_DIR/rackboot.out"
	: >"$T_DIR/rackboot.results"
fi
check "rackboot ran all 230 tests" ran rackboot

# Comparisons, by test name.
mapfile -t missing < <(awk 'NR == FNR { if ($2 == "pass") want[$1] = 1; next }
	$2 == "pass" { delete want[$1] } END { for (t in want) print t }' \
	"$T_DIR/tgtd.results" "$T_DIR/rackboot.results" | sort)
check "every test tgtd passes, rackboot passes (${#missing[@]} do not)" \
	listed "passed by tgtd, not by rackboot" "${missing[@]}"
mapfile -t failed < <(awk '$2 == "fail" { print $1 }' "$T_DIR/rackboot.results")
none_failed() {
	[ -s "$T_DIR/rackboot.results" ] || { echo "# rackboot ran no test" >&2; return 1; }
	listed "failed on rackboot" "${failed[@]}"
}
check "rackboot fails no test (${#failed[@]} failed)" none_failed
# Tests the suite skips by its own rule for a volume of one logical block
# per physical block (LBPPB < 2), which is what rackboot's volumes report.
awk '/^Suite: / { s = $0; sub(/^Suite: /, "", s); gsub(/ /, "_", s) }
	/^  Test: .*LBPPB < 2/ { print s "." $2 }' "$T_DIR/rackboot.out" >"$T_DIR/geometry.skips"
# thin FAMILY ERE: every test of a family ran on rackboot and passed (or
# was skipped for the geometry rule above).
thin() {
	local n bad
	n=$(grep -cE "$2" "$T_DIR/rackboot.results")
	mapfile -t bad < <(grep -E "$2" "$T_DIR/rackboot.results" |
		awk 'NR == FNR { geo[$1] = 1; next }
		$2 != "pass" && !($2 == "skip" && $1 in geo) { print $1 ": " $2 }' \
			"$T_DIR/geometry.skips" -)
	[ "$n" -gt 0 ] || { echo "# no $1 test ran on rackboot" >&2; return 1; }
	listed "$1 tests rackboot did not pass" "${bad[@]}"
}
check "thin provisioning: rackboot passes CompareAndWrite.*" thin CompareAndWrite '^CompareAndWrite\.'
check "thin provisioning: rackboot passes Unmap.*" thin Unmap '^Unmap\.'
check "thin provisioning: rackboot passes GetLBAStatus.*" thin GetLBAStatus '^GetLBAStatus\.'
check "thin provisioning: rackboot passes WriteSame*.Unmap*" thin WriteSame '^WriteSame[0-9]+\.Unmap'
echo "# tgtd: $(tally tgtd); rackboot: $(tally rackboot)"
mapfile -t skipped < <(awk '$2 == "skip" { print $1 }' "$T_DIR/rackboot.results")
listed "skipped on rackboot" "${skipped[@]}" 2>&1
if kill -0 "$RB_PID" 2>/dev/null; then
	kill -TERM "$RB_PID"
	wait_exit "$RB_PID"
	check "rackboot stops cleanly after the suite" test "$RB_STATUS" -eq 0
else
	wait_exit "$RB_PID" 1
	not_ok "rackboot stops cleanly after the suite (it had exited: status $RB_STATUS)"
fi
t_done
