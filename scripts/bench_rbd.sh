#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# RBD benchmark (not a test): on one single-node Ceph cluster brought up
# for the run (test/integ/ceph_lib.sh, in the server namespace), one image
# prefilled with data (reads of never-written objects return zeroes
# without touching the OSD and would flatter everyone) is read by
#   fio-rbd:   fio's rbd engine, librbd directly (the ceiling)
#   rackboot:  rackboot's target (storage.backend "rbd"), iscsi-perf in the
#              client namespace over a veth pair
#   tgtd:      tgtd with --bstype rbd (tgt-rbd), the same way
# for two workloads:
#   rand4k-qd32:  4 KiB random reads, 32 in flight
#   seq1m-qd8:    1 MiB sequential reads, 8 in flight
# Prints IOPS and MiB/s for each, and the ratios rackboot/fio-rbd (target
# >= 0.9) and rackboot/tgtd (target > 1).  Every client has the same
# ceph.conf (readahead off) and the same cephx user.  Bounded: each run
# stops itself after SECONDS_RUN, and timeout stops it if it does not.
# Env: SECONDS_RUN (default 10), SIZE_MB (1024), SERVERS ("fio-rbd rackboot
# tgtd"), RACKBOOT (build/rackboot).
set -eu
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
. scripts/bench_iscsi_lib.sh
BENCH=bench_rbd
RB=${RACKBOOT:-$PWD/build/rackboot}
# the rbd backend module beside the binary (store.c)
export RACKBOOT_MODULE_DIR=${RACKBOOT_MODULE_DIR:-$(dirname "$RB")}
SECS=${SECONDS_RUN:-10}
SIZE_MB=${SIZE_MB:-1024}
SERVERS=${SERVERS:-fio-rbd rackboot tgtd}
for c in iscsi-perf iscsi-readcapacity16 ceph-mon ceph-osd rbd jq; do
	command -v "$c" >/dev/null || { echo "bench_rbd: $c is not installed"; exit 1; }
done
case " $SERVERS " in
*" tgtd "*)
	command -v tgtd >/dev/null && [ -e /usr/lib/tgt/backing-store/bs_rbd.so ] ||
		{ echo "bench_rbd: tgtd with bs_rbd is not installed (tgt tgt-rbd)"; exit 1; }
	;;
esac
case " $SERVERS " in
*" fio-rbd "*) fio --enghelp 2>/dev/null | grep -qx '[[:space:]]*rbd' ||
	{ echo "bench_rbd: fio with the rbd engine is not installed (fio)"; exit 1; } ;;
esac

bench_setup rbrbd 198.18.31.1/24 198.18.31.2/24
SRV=198.18.31.1
IQN=iqn.2026-11.bench.initiator:rbd
T_PIDS=()
CEPH_NS=$P-srv
CEPH_DIR=$D/ceph
CEPH_SIZE=$((SIZE_MB * 2 + 2048))M
. test/integ/ceph_lib.sh
bench_on_exit() {
	iscsi_bench_cleanup
	ceph_down
}
ceph_up || { echo "bench_rbd: the cluster did not come up"; exit 1; }
# every client alike: no readahead (fio's engine has none either)
printf 'rbd readahead max bytes = 0\n' >>"$CEPH_CONF"

# the image, written all over first (4 MiB writes, 16 in flight)
rbdx create --size "${SIZE_MB}M" rbd/bench01
t0=$SECONDS
in_ceph_ns timeout 600 rbd -c "$CEPH_CONF" bench --io-type write --io-size 4M --io-threads 16 \
	--io-total "${SIZE_MB}M" --io-pattern seq rbd/bench01 >"$D/prefill.out" 2>&1 ||
	{ echo "bench_rbd: prefill failed"; tail -5 "$D/prefill.out"; exit 1; }
echo "prefilled rbd/bench01, $SIZE_MB MiB, in $((SECONDS - t0)) s ($(rbdx du rbd/bench01 2>/dev/null | awk '$1 == "bench01" { print $3, $4 " used" }'))"

TGT_IQN=iqn.2026-11.bench.tgtd:rbd
TGT_LU=(-b rbd/bench01 --bstype rbd --bsopts "conf=$CEPH_CONF;id=rackboot")
TGT_ENV="CEPH_CONF=$CEPH_CONF"
START_SECONDS=30
declare -A URL=([tgtd]="iscsi://$SRV:3261/$TGT_IQN/1")
iscsi_bench_conf "{ backend = \"rbd\"; ceph_conf = \"$CEPH_CONF\"; client = \"rackboot\";
           keyring = \"$CEPH_KEYRING\"; pool = \"rbd\"; }" 52:54:00:00:00:41




# fio_rbd TEST QD BYTES RW: fio's rbd engine on the image; sets IOPS.
fio_rbd() {
	local t=$1 qd=$2 bytes=$3 rw=$4 out=$D/fio.$1
	in_ceph_ns env CEPH_CONF="$CEPH_CONF" timeout -k 5 $((SECS + 30)) fio --name="$t" \
		--ioengine=rbd --clientname=rackboot --pool=rbd --rbdname=bench01 --rw="$rw" \
		--bs="$bytes" --iodepth="$qd" --direct=1 --time_based --runtime="$SECS" \
		--ramp_time=1 --invalidate=0 --output-format=json >"$out" 2>"$out.err" || true
	IOPS=$(jq -r '.jobs[0].read.iops | floor' "$out" 2>/dev/null || true)
	if [ -z "$IOPS" ] || [ "$IOPS" = null ]; then
		echo "bench_rbd: fio-rbd $t failed:"
		tail -5 "$out.err"
		IOPS=0
	fi
}

TESTS="rand4k-qd32 seq1m-qd8"
declare -A R_IOPS
report() { # TEST SERVER IOPS BYTES
	printf '%-12s %-8s %8d IOPS %8.1f MiB/s\n' "$1" "$2" "$3" \
		"$(awk -v n="$3" -v b="$4" 'BEGIN { print n * b / 1048576 }')"
}
for s in $SERVERS; do
	if [ "$s" = fio-rbd ]; then
		fio_rbd rand4k-qd32 32 4096 randread
		R_IOPS[$s.rand4k-qd32]=$IOPS
		report rand4k-qd32 "$s" "$IOPS" 4096
		fio_rbd seq1m-qd8 8 1048576 read
		R_IOPS[$s.seq1m-qd8]=$IOPS
		report seq1m-qd8 "$s" "$IOPS" 1048576
		continue
	fi
	iscsi_start_server "$s"
	ip netns exec "$P-cli" timeout 10 iscsi-readcapacity16 -i "$IQN" "${URL[$s]}" >"$D/rc16.$s"
	bytes=$(awk -F: '/^Total size:/ { print $2 + 0 }' "$D/rc16.$s")
	[ "$bytes" -eq $((SIZE_MB << 20)) ] ||
		{ echo "bench_rbd: $s reports $bytes bytes, not $((SIZE_MB << 20))"; exit 1; }
	for t in $TESTS; do
		case $t in
		rand4k-qd32) iscsi_perf "$s" "$t" 32 4096 -r ;;
		seq1m-qd8) iscsi_perf "$s" "$t" 8 1048576 ;;
		esac
		R_IOPS[$s.$t]=$IOPS
		report "$t" "$s" "$IOPS" "$([ "$t" = seq1m-qd8 ] && echo 1048576 || echo 4096)"
	done
	iscsi_stop_server "$s"
done
for t in $TESTS; do
	a=${R_IOPS[rackboot.$t]:-}
	[ -n "$a" ] || continue
	for peer in fio-rbd tgtd; do
		b=${R_IOPS[$peer.$t]:-}
		[ -n "$b" ] || continue
		awk -v t="$t" -v p="$peer" -v a="$a" -v b="$b" 'BEGIN {
			goal = p == "fio-rbd" ? ">= 0.9" : "> 1"
			printf "ratio rackboot/%-8s %-12s %.2fx (target %s)\n", p, t, b ? a / b : 0, goal }'
	done
done
