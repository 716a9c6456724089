#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench still works: each benchmark script, against rackboot alone and
# with tiny parameters, produces its figures (not a speed test: nothing is
# compared; a bench that cannot start rackboot fails here, in make test).
. "$(dirname "$0")/lib.sh"
t_plan 10

rmem=$(sysctl -n net.core.rmem_default)
out=$(SERVERS=rackboot RATES=1000 STEP_SECONDS=1 timeout 120 scripts/bench_dhcp.sh 2>&1)
check "bench_dhcp runs rackboot through the rate ladder" \
	grep -qE "1000/s offered: +[0-9]+ DISCOVERs, +[0-9]+ ACKs" <<<"$out"
check "and measures CPU per lease and the avalanche" \
	bash -c 'grep -q "cpu per lease at 3000/s: [0-9.]* us" <<<"$1" && grep -q "It took" <<<"$1"' _ "$out"
grep -q "1000/s offered" <<<"$out" || sed 's/^/#   /' <<<"$out" | head -20
out=$(SERVERS=rackboot CLIENTS=5 BIG_MB=1 timeout 120 scripts/bench_tftp.sh 2>&1)
check "bench_tftp runs the storm against rackboot with no failure" \
	grep -qE "storm: 5 clients x 1 MiB: [0-9.]+ s wall, 0 failed" <<<"$out"
check "and both big downloads complete" \
	bash -c '[ "$(grep -cE "1 MiB at blksize 1468, window [18]: [0-9.]+ s" <<<"$1")" -eq 2 ]' _ "$out"
grep -q "0 failed" <<<"$out" || sed 's/^/#   /' <<<"$out" | head -20
out=$(SERVERS=rackboot SECONDS_RUN=1 CONNS=8 LARGE_MB=4 LARGE_RUNS=1 timeout 120 scripts/bench_http.sh 2>&1)
check "bench_http: wrk gets rendered scripts from rackboot" \
	grep -qE "small  rackboot: [0-9]+ requests/s, [0-9.]+ s CPU for [0-9]+ requests" <<<"$out"
check "and the large file" grep -qE "large  rackboot: [0-9]+ MiB/s" <<<"$out"
grep -q "large  rackboot" <<<"$out" || sed 's/^/#   /' <<<"$out" | head -20
out=$(SERVERS=rackboot SIZE_MB=16 SECONDS_RUN=1 timeout 120 scripts/bench_iscsi.sh 2>&1)
check "bench_iscsi: iscsi-perf reads rackboot's volume at depth 32 and 1" \
	bash -c '[ "$(grep -cE "rand4k-qd(32|1) +rackboot +[0-9]+ IOPS" <<<"$1")" -eq 2 ]' _ "$out"
check "and sequentially" grep -qE "seq1m-qd8 +rackboot +[0-9]+ IOPS +[0-9.]+ MiB/s" <<<"$out"
grep -q "seq1m-qd8" <<<"$out" || sed 's/^/#   /' <<<"$out" | head -20
out=$(SERVERS=rackboot SIZE_MB=64 SECONDS_RUN=1 timeout 180 scripts/bench_rbd.sh 2>&1)
check "bench_rbd: a Ceph cluster, and iscsi-perf reads rackboot's RBD volume" \
	bash -c '[ "$(grep -cE "(rand4k-qd32|seq1m-qd8) +rackboot +[1-9][0-9]* IOPS" <<<"$1")" -eq 2 ]' _ "$out"
grep -qE "seq1m-qd8 +rackboot" <<<"$out" || sed 's/^/#   /' <<<"$out" | head -20
check "the host's receive buffer default is back to $rmem (bench_dhcp raises it)" \
	[ "$(sysctl -n net.core.rmem_default)" = "$rmem" ]
t_done
