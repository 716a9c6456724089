#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# timeout: 900
# Volumes on Ceph RBD, against a real single-node cluster (ceph_lib.sh: one
# monitor, one OSD on a sparse file, in the server's namespace on
# 127.0.88.1) and libiscsi initiators in a client namespace:
#   - a node's image is created at its size on first use: "golden" gets a
#     pattern through rackboot, then a snapshot golden@v1;
#   - nodes a and b are cloned from it (protected first), read the golden
#     pattern through rackboot, and their writes land in their own clones:
#     the snapshot and the golden image are byte for byte as before, and
#     each node reads back its own pattern;
#   - a node with a larger size gets a grown clone; a resize of an open
#     image is noticed (unit attention, new capacity);
#   - zero-length READ and WRITE never reach librbd (/metrics counters);
#   - WRITE SAME and a one-block COMPARE AND WRITE go to librbd's own
#     (/metrics counters), iscsi-test-cu's tests of them pass, and a
#     miscompare reports the first differing byte in INFORMATION and leaves
#     the data; a longer COMPARE AND WRITE is emulated, with the same sense;
#   - -t --online finds the cluster and the golden snapshot, or says why;
#   - the OSD stopped mid-session: reads end in SCSI errors within the
#     bounded time, rackboot lives on and HTTP answers; the OSD back, I/O
#     works again; the whole cluster down: logins refused with a log line,
#     rackboot reconnects when it returns; an open slower than 10 s (the
#     OSD down, storage.timeout 20): the login is refused with 0x0301
#     (Service Unavailable) in time, and a later one works;
#   - iscsi-test-cu (every test, two paths) on an RBD volume: no crash.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ceph_lib.sh"
t_plan 65

for c in ceph-mon ceph-osd rbd iscsi-inq iscsi-readcapacity16 iscsi-test-cu curl; do
	command -v "$c" >/dev/null || { not_ok "$c is installed (ceph-mon ceph-osd ceph-common libiscsi-bin)"; t_done; exit; }
done
PAT=${RACKBOOT%/rackboot}/test/iscsi_pattern
netns srv && netns cli || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-cli" addr add 198.18.0.2/24 dev eth0
rbd_cleanup() {
	ceph_down
}
t_atexit rbd_cleanup

CEPH_NS=$NS_PREFIX-srv
t0=$SECONDS
ceph_up
check "a single-node Ceph cluster comes up ($((SECONDS - t0)) s)" test $? -eq 0 || { t_done; exit; }

mkdir -p "$T_DIR/state" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
P=iqn.2026-11.test.rackboot
S=rbd-secret-0123
write_conf() { # $1: golden snapshot, $2: storage.timeout (default 8)
	local g=
	[ -z "$1" ] || g="golden = \"$1\";"
	cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { enable = false; };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; };
storage: { backend = "rbd"; ceph_conf = "$CEPH_CONF"; client = "rackboot";
           keyring = "$CEPH_KEYRING"; pool = "rbd"; timeout = ${2:-8}; $g };
nodes = (
  { mac = "52:54:00:00:08:01"; hostname = "golden"; size = "16M"; chap_secret = "$S"; },
  { mac = "52:54:00:00:08:02"; hostname = "a"; size = "16M"; chap_secret = "$S"; },
  { mac = "52:54:00:00:08:03"; hostname = "b"; size = "8M"; chap_secret = "$S"; },
  { mac = "52:54:00:00:08:04"; hostname = "c"; size = "24M"; chap_secret = "$S"; },
  { mac = "52:54:00:00:08:05"; hostname = "d"; size = "16M"; chap_secret = "$S"; },
  { mac = "52:54:00:00:08:06"; hostname = "e"; size = "16M"; chap_secret = "$S"; },
  { mac = "52:54:00:00:08:07"; hostname = "f"; size = "16M"; chap_secret = "$S"; }
);
CONF
}
write_conf "" # no golden snapshot yet: rackboot makes the golden image
U=198.18.0.1:3260
url() { echo "iscsi://$1%$S@$U/$P:$1/0"; }
metrics() { nsexec cli curl -s -m 5 "http://198.18.0.1:8080/metrics"; }
# rbd_requests: every request handed to librbd so far
rbd_requests() { metrics | awk '/^rackboot_rbd_requests_total/ { n += $2 } END { print n + 0 }'; }
md5() { rbdx export "$1" - 2>/dev/null | md5sum | cut -c1-32; }
# rbd_op OP: requests of one kind handed to librbd so far
rbd_op() { metrics | awk -v m="rackboot_rbd_requests_total{op=\"$1\"}" '$1 == m { n = $2 } END { print n + 0 }'; }
# out_has REGEX CMD...: CMD's output matches (for check, with functions)
out_has() { "${@:2}" 2>/dev/null | grep -qE -- "$1"; }
# cu_counts RESULTS: "N pass, N fail, N skip"
cu_counts() {
	echo "$(grep -c ' pass$' "$1") pass, $(grep -c ' fail$' "$1") fail, $(grep -c ' skip$' "$1") skip"
}

check "rackboot -t accepts the rbd configuration" "$RACKBOOT" -t -c "$T_DIR/c.conf"
# the backend is a module of its own package (store.c): missing or broken,
# -t refuses the configuration, file:line, naming the package to install
RACKBOOT_MODULE_DIR=$T_DIR/nomod "$RACKBOOT" -t -c "$T_DIR/c.conf" >"$T_DIR/nomod.out" 2>&1
check "without the rbd module, -t fails naming rackboot-rbd" \
	grep -q "c.conf:[0-9]*: error: the rbd backend is not installed .*install the package rackboot-rbd" \
	"$T_DIR/nomod.out"
mkdir -p "$T_DIR/badmod" && echo "not an ELF object" >"$T_DIR/badmod/store_rbd.so"
RACKBOOT_MODULE_DIR=$T_DIR/badmod "$RACKBOOT" -t -c "$T_DIR/c.conf" >"$T_DIR/badmod.out" 2>&1
check "with a broken rbd module, -t fails naming rackboot-rbd" \
	grep -q "error: cannot load the rbd backend: .*store_rbd.so: .*rackboot-rbd" "$T_DIR/badmod.out"
check "the binary does not link librbd or librados" \
	bash -c "! ldd '$RACKBOOT' | grep -qE 'librbd|librados'"
LOG=$T_DIR/rb.log
start srv "$LOG" -c "$T_DIR/c.conf"
wait_log "$LOG" "rbd: connected to the Ceph cluster as client.rackboot" 20
check "rackboot connects to the cluster as client.rackboot" grep -q "rbd: connected to the Ceph cluster" "$LOG"

# the golden image: created by rackboot at the node's size on first use,
# given a pattern, then a snapshot
check "node golden: pattern written and read back through rackboot" \
	nsexec cli timeout 120 "$PAT" -q 16 -s 5 "$(url golden)"
check "... its image was created at the node's size" \
	grep -q "rbd: created rbd/golden, 16777216 bytes" "$LOG"
wait_log "$LOG" "iscsi: volume golden closed" 15 >/dev/null
rbdx snap create rbd/golden@v1
check "snapshot golden@v1 taken" test $? -eq 0
G1=$(md5 rbd/golden@v1)
G0=$(md5 rbd/golden)
write_conf "rbd/golden@v1" # and a reload: new volumes are clones of it
kill -HUP "$RB_PID"
wait_log "$LOG" "configuration reloaded" 10 >/dev/null

# -t --online
nsexec srv "$RACKBOOT" -t --online -c "$T_DIR/c.conf" >"$T_DIR/online" 2>&1
check "-t --online: the cluster and the golden snapshot are reachable" test $? -eq 0
check "... and says so" grep -q "golden snapshot rbd/golden@v1 is there (16 MiB" "$T_DIR/online"
write_conf "rbd/nosuch@v1"
nsexec srv "$RACKBOOT" -t --online -c "$T_DIR/c.conf" >"$T_DIR/online2" 2>&1
check "-t --online fails for a missing golden snapshot" test $? -eq 1
check "... naming it" grep -q "error: storage: golden snapshot rbd/nosuch@v1: No such file or directory" "$T_DIR/online2"
write_conf "rbd/golden@v1"
sed 's/^/# /' "$T_DIR/online" "$T_DIR/online2"

# clones
check "node a reads the golden pattern through its clone" \
	nsexec cli timeout 60 "$PAT" -r -q 16 -s 5 "$(url a)"
check "... cloned from rbd/golden@v1, which rackboot protected" \
	grep -q "rbd: cloned rbd/a from rbd/golden@v1 (snapshot protected first)" "$LOG"
check "... rbd info shows the parent" out_has "parent: rbd/golden@v1" rbdx info rbd/a
check "... and the snapshot protected" out_has "protected: True" rbdx info rbd/golden@v1
check "node a writes its own pattern" nsexec cli timeout 60 "$PAT" -q 16 -s 7 "$(url a)"
check "the golden snapshot is unchanged" test "$(md5 rbd/golden@v1)" = "$G1"
check "the golden image is unchanged" test "$(md5 rbd/golden)" = "$G0"
check "a's image differs from the golden one" test "$(md5 rbd/a)" != "$G1"
check "node b (smaller size) reads the golden pattern, not a's" \
	nsexec cli timeout 60 "$PAT" -r -q 16 -s 5 "$(url b)"
check "... its clone kept all 16 MiB of the golden image" out_has "size 16 MiB" rbdx info rbd/b
check "node b writes its own pattern" nsexec cli timeout 60 "$PAT" -q 16 -s 9 "$(url b)"
check "node a still reads its own pattern" nsexec cli timeout 60 "$PAT" -r -q 16 -s 7 "$(url a)"
nsexec cli timeout 10 iscsi-readcapacity16 "$(url c)" >"$T_DIR/rc16c" 2>&1
check "node c's clone is grown to its 24 MiB" grep -q "Total size:25165824" "$T_DIR/rc16c"
check "an existing image is opened, not overwritten (rbd/golden still has its pattern)" \
	nsexec cli timeout 60 "$PAT" -r -q 16 -s 5 "$(url golden)"

# zero-length READ and WRITE: GOOD, and librbd never sees them
n0=$(rbd_requests)
check "zero-length READ(10) and WRITE(10) on node a are GOOD" \
	nsexec cli timeout 20 "$PAT" -z "$(url a)"
n1=$(rbd_requests)
check "... and no request reached librbd ($n0 before, $n1 after)" test "$n0" -eq "$n1" -a "$n0" -gt 0

# a resize while a session is open: noticed, new capacity
nsexec cli timeout 30 "$PAT" -w 6 -z "$(url d)" >/dev/null 2>&1 &
hold=$!
wait_log "$LOG" "iscsi: volume d open" 10 >/dev/null
rbdx resize --size 20M rbd/d >/dev/null 2>&1
check "a resize of an open image is noticed" wait_log "$LOG" "iscsi: volume d is now 20971520 bytes; sessions get a unit attention" 10
wait "$hold" 2>/dev/null
nsexec cli timeout 10 iscsi-readcapacity16 "$(url d)" >"$T_DIR/rc16d" 2>&1
check "... and READ CAPACITY says 20 MiB" grep -q "Total size:20971520" "$T_DIR/rc16d"

# WRITE SAME and COMPARE AND WRITE: librbd's own where it can, the
# emulation where it cannot (node d, an image made at its size)
ws0=$(rbd_op writesame) caw0=$(rbd_op caw) w0=$(rbd_op write)
nsexec cli timeout 30 "$PAT" -C 1000,1,300 "$(url d)" >"$T_DIR/caw1" 2>&1
check "COMPARE AND WRITE of one block: a miscompare at byte 300 is MISCOMPARE with INFORMATION 300, the data stays, a match writes" \
	grep -q "^ok caw: miscompare at byte 300 reported as 300" "$T_DIR/caw1"
sed 's/^/# /' "$T_DIR/caw1"
caw1=$(rbd_op caw)
check "... both by librbd's compare-and-write (requests{op=\"caw\"}: $caw0 -> $caw1)" test "$caw1" -eq $((caw0 + 2))
check "... which found the miscompare" out_has '^rackboot_rbd_miscompares_total 1$' metrics
nsexec cli timeout 30 "$PAT" -C 2000,2,700 "$(url d)" >"$T_DIR/caw2" 2>&1
check "a two-block COMPARE AND WRITE is emulated, with the same sense (INFORMATION 700)" \
	grep -q "^ok caw: miscompare at byte 700 reported as 700" "$T_DIR/caw2"
check "... and not handed to librbd's compare-and-write" test "$(rbd_op caw)" -eq "$caw1"
t0=$SECONDS
nsexec cli timeout -k 5 120 iscsi-test-cu -d -i iqn.2026-11.test.initiator:c1 \
	-t "SCSI.CompareAndWrite.*,SCSI.WriteSame10.*,SCSI.WriteSame16.*" "$(url d)" >"$T_DIR/cu-ws.out" 2>&1
cu_results "$T_DIR/cu-ws.out" >"$T_DIR/cu-ws.results"
echo "# iscsi-test-cu CompareAndWrite, WriteSame10, WriteSame16 on RBD ($((SECONDS - t0)) s): $(cu_counts "$T_DIR/cu-ws.results")"
grep -v ' pass$' "$T_DIR/cu-ws.results" | sed 's/^/# not passed: /'
check "... iscsi-test-cu's COMPARE AND WRITE and WRITE SAME tests ran and none failed" \
	test "$(wc -l <"$T_DIR/cu-ws.results")" -ge 20 -a "$(grep -c ' fail$' "$T_DIR/cu-ws.results")" -eq 0
ws1=$(rbd_op writesame)
check "... WRITE SAME went to librbd's writesame (requests{op=\"writesame\"}: $ws0 -> $ws1)" \
	test "$ws1" -gt "$ws0"
check "... and no librbd compare-and-write or writesame failed" \
	fails out_has '^rackboot_rbd_request_errors_total\{op="(caw|writesame)"\} [1-9]' metrics

# the OSD goes away mid-session: SCSI errors within the bounded time
nsexec cli timeout 90 "$PAT" -w 4 -r -q 4 -s 7 -t 80 "$(url a)" >"$T_DIR/outage.out" 2>&1 &
reader=$!
sleep 2 # logged in; the reads start after 4 s idle
osd_stop
t_stop=$SECONDS
check "rackboot answers HTTP with the OSD down" out_has "^rackboot_rbd_up 1" metrics
wait_exit "$reader" 60
check "a read with the OSD down fails instead of hanging ($((SECONDS - t_stop)) s)" \
	test "$RB_STATUS" -ne 0 -a "$RB_STATUS" -ne 255
sed 's/^/# reader: /' "$T_DIR/outage.out" | head -3
check "... with a SCSI error from a librbd timeout" \
	grep -qE "iscsi .*: volume a: read at byte [0-9]+ failed: Connection timed out" "$LOG"
check "rackboot is still running" kill -0 "$RB_PID"
check "... and counts the failed reads" \
	out_has '^rackboot_rbd_request_errors_total\{op="read"\} [1-9]' metrics
# a node whose image is not open: its login fails, with a log line
nsexec cli timeout 30 "$PAT" -t 20 -r -s 5 "$(url e)" >/dev/null 2>&1
check "with the OSD down, a new node's login fails" test $? -ne 0
check "... with a log line saying why" grep -qE "rbd: volume rbd/e: .*(timed out|unreachable)" "$LOG"
osd_start
check "the OSD is back" test $? -eq 0
ok=1
for _ in 1 2 3 4 5 6; do
	nsexec cli timeout 60 "$PAT" -r -q 4 -s 7 -t 30 "$(url a)" >/dev/null 2>&1 && { ok=0; break; }
	sleep 2
done
check "after the OSD returns node a reads its pattern again" test "$ok" -eq 0

# the whole cluster down, rackboot restarted: logins refused with a log
# line, DHCP/HTTP serve, and it reconnects when the cluster returns
kill -TERM "$RB_PID"
wait_exit "$RB_PID" 30
check "rackboot stops cleanly with the RBD backend (status $RB_STATUS)" test "$RB_STATUS" -eq 0
ceph_down
LOG2=$T_DIR/rb2.log
write_conf "rbd/golden@v1" 20 # opens may now outlast the 10 s a login waits
start srv "$LOG2" -c "$T_DIR/c.conf"
check "with the cluster down, rackboot says it is unreachable" \
	wait_log "$LOG2" "rbd: the Ceph cluster is unreachable: .*; new logins fail" 45
check "... and serves HTTP" out_has "^rackboot_rbd_up 0" metrics
check "a login is refused" fails nsexec cli timeout 20 "$PAT" -t 10 -r -s 7 "$(url a)"
check "... with a log line saying why" grep -q "rbd: volume rbd/a: the Ceph cluster is unreachable" "$LOG2"
mon_start && osd_start
check "the cluster is back" test $? -eq 0
check "rackboot reconnects by itself" wait_log "$LOG2" "rbd: the Ceph cluster is back: connected as client.rackboot" 45
ok=1
for _ in 1 2 3 4 5; do
	nsexec cli timeout 60 "$PAT" -r -q 4 -s 7 -t 30 "$(url a)" >/dev/null 2>&1 && { ok=0; break; }
	sleep 2
done
check "... and node a reads its pattern" test "$ok" -eq 0

# the monitor up, the OSD down, storage.timeout 20: a new node's open
# waits for the OSD, but its login ends in 10 s with 0x0301, in time
# for the initiator's own login timeout; once the OSD is back, the next
# login works
osd_stop
t0=$SECONDS
nsexec cli timeout 40 "$PAT" -t 30 -z "$(url f)" >"$T_DIR/slow.out" 2>&1
rc=$? took=$((SECONDS - t0))
sed 's/^/# f: /' "$T_DIR/slow.out" | head -3
check "with the OSD down, node f's login is refused in 10 to 13 s ($took s), not at the open's 20 s" \
	test "$rc" -ne 0 -a "$took" -ge 10 -a "$took" -le 13
check "... with status 0x0301, Service Unavailable" grep -q "Service unavailable(769)" "$T_DIR/slow.out"
check "... and a log line saying why" \
	grep -qE "iscsi .*: login of .* to $P:f refused: volume f not open after 10 s" "$LOG2"
osd_start
check "the OSD is back" test $? -eq 0
ok=1
for _ in 1 2 3 4 5 6; do
	nsexec cli timeout 40 "$PAT" -t 30 -z "$(url f)" >/dev/null 2>&1 && { ok=0; break; }
	sleep 2
done
check "... and node f logs in" test "$ok" -eq 0

# libiscsi's conformance suite on an RBD volume (node e, a clone):
# nothing may crash rackboot; failures are listed
t0=$SECONDS
# (T_CU_TIMEOUT: a sanitized daemon, test/run.sh, needs longer)
nsexec cli timeout -k 5 "${T_CU_TIMEOUT:-150}" iscsi-test-cu -d -i iqn.2026-11.test.initiator:c1 \
	-I iqn.2026-11.test.initiator:c2 -t ALL "$(url e)" "$(url e)" >"$T_DIR/cu.out" 2>&1
echo "# iscsi-test-cu exited with status $? after $((SECONDS - t0)) s"
cu_results "$T_DIR/cu.out" >"$T_DIR/cu.results"
echo "# iscsi-test-cu on RBD: $(cu_counts "$T_DIR/cu.results")"
grep ' fail$' "$T_DIR/cu.results" | sed 's/^/# failed: /'
check "iscsi-test-cu ran every test on the RBD volume" test "$(wc -l <"$T_DIR/cu.results")" -eq 230
check "... and rackboot did not crash" kill -0 "$RB_PID"
check "... nor log a sanitizer or internal error" fails grep -qE "AddressSanitizer|runtime error|internal" "$LOG2"
kill -TERM "$RB_PID"
wait_exit "$RB_PID" 30
check "rackboot stops cleanly at the end (status $RB_STATUS)" test "$RB_STATUS" -eq 0
t_done
