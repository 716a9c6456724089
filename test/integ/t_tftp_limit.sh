#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One host cannot take TFTP from the rack (issue 20): from one namespace,
# 400 requests at once for a 64 MiB file, each acknowledged as a real
# client would (test/tools/flood.c tftp-hog; bounded to 8 s), while 20 clients on
# the other link fetch their iPXE binary.  With tftp.max_transfers 300 and
# the default tftp.max_transfers_per_client (256) the host gets 256, the
# rest are refused, counted and logged once, and every other client gets
# its binary intact; with the per-address limit lifted to max_transfers the
# same host takes every slot and the others are told the server is busy,
# which is what the limit prevents.
. "$(dirname "$0")/lib.sh"
t_plan 8

FLOOD=${FLOOD:-$PWD/build/test/flood}
netns srv && netns cli && netns atk || exit 1
link srv eth1 cli eth0
link srv eth2 atk eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-srv" addr add 198.18.1.1/24 dev eth2
ip -n "$NS_PREFIX-cli" addr add 198.18.0.2/24 dev eth0
ip -n "$NS_PREFIX-atk" addr add 198.18.1.2/24 dev eth0
R=$T_DIR/root
mkdir -p "$R" "$T_DIR/state" "$T_DIR/out"
head -c 1048576 /dev/urandom >"$R/ipxe.efi"
head -c $((64 << 20)) /dev/urandom >"$R/big.bin"
chmod -R a+rX "$R"
chmod 777 "$T_DIR/out"

# run NAME EXTRA: rackboot with max_transfers 300 and EXTRA tftp settings;
# the hog and the 20 clients; sets HOG (its "granted G refused R"), GOOD
# (clients with an intact binary) and M (the /metrics text).
run() {
	local name=$1 extra=$2 hog i pids=()
	cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1", "eth2"]; };
dhcp: { enable = false; };
tftp: { root = "$R"; max_transfers = 300; $extra };
CONF
	L=$T_DIR/log.$name
	start srv "$L" -c "$T_DIR/c.conf"
	wait_log "$L" "started with configuration" || return 1
	nsexec atk timeout 30 "$FLOOD" tftp-hog 198.18.1.1 big.bin 400 8 >"$T_DIR/hog.$name" &
	hog=$!
	sleep 2 # every request of the hog has been answered
	rm -f "$T_DIR/out/"*
	local s0=$(date +%s.%N)
	for i in $(seq 20); do
		nsexec cli timeout 30 busybox tftp -b 1468 -g -r ipxe.efi -l "$T_DIR/out/$i" 198.18.0.1 \
			>/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	WALL=$(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
	wait "$hog"
	HOG=$(cat "$T_DIR/hog.$name")
	GOOD=0
	for i in $(seq 20); do cmp -s "$R/ipxe.efi" "$T_DIR/out/$i" && GOOD=$((GOOD + 1)); done
	M=$(nsexec srv curl -s -m 5 http://127.0.0.1:8080/metrics)
	kill -TERM "$RB_PID"
	wait_exit "$RB_PID"
	echo "# $name: hog $HOG; $GOOD of 20 clients got their binary, all done in $WALL s"
}
metric() { awk -v n="$1" '$1 == n {v = $2} END {print v + 0}' <<<"$M"; }

run limited ""
check "the hog is granted 256 transfers and refused 144" [ "$HOG" = "granted 256 refused 144" ]
check "each refusal is counted" [ "$(metric rackboot_tftp_client_limited_total)" -eq 144 ]
check "and logged with the address once, not 144 times" \
	[ "$(grep -c "tftp 198.18.1.2:[0-9]*: refused: this address already has 256 transfers" "$L")" -eq 1 ]
check "no client was told the server is busy" [ "$(metric rackboot_tftp_requests_busy_total)" -eq 0 ]
check "all 20 other clients got their iPXE binary intact ($GOOD)" [ "$GOOD" -eq 20 ]

run unlimited "max_transfers_per_client = 300;"
check "without the per-address limit the hog takes all 300 slots" \
	[ "$HOG" = "granted 300 refused 100" ]
check "and the other clients are refused as busy" \
	[ "$(metric rackboot_tftp_requests_busy_total)" -ge 120 ] && [ "$GOOD" -eq 0 ]
check "rackboot stopped cleanly" [ "$RB_STATUS" -eq 0 ]
t_done
