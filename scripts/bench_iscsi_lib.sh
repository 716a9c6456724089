# SPDX-License-Identifier: MIT
# What the iSCSI benchmarks share (bench_iscsi.sh on a file, bench_rbd.sh on
# Ceph): rackboot's configuration, starting rackboot or tgtd in bench_lib's
# cgroup and waiting for a login, stopping them, and one bounded iscsi-perf
# run.  Source after bench_lib.sh.  The caller sets BENCH (its name, for
# messages), RB, D, P, IQN, SECS, SIZE_MB, SRV, URL (an associative array:
# server -> iscsi:// URL; iscsi_bench_conf fills in rackboot's), TGT_IQN,
# TGT_LU (tgtadm's logical-unit arguments: backing store and type), and
# optionally TGT_ENV (environment for tgtd), START_SECONDS (default 20) and
# BS (block size, default 512).

# iscsi_bench_conf STORAGE MAC: rackboot's configuration in $D/rb.conf, with
# only the iSCSI target on, one node bench01 of $SIZE_MB MiB behind CHAP on
# the given storage group; sets SECRET and URL[rackboot].
iscsi_bench_conf() {
	mkdir -p "$D/state" "$D/tftp" "$D/www" "$D/ov"
	SECRET=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16 || true)
	cat >"$D/rb.conf" <<CONF
server: { user = "nobody"; state_dir = "$D/state"; interfaces = ["eth1"]; log_level = "warning"; };
dhcp: { enable = false; };
tftp: { enable = false; root = "$D/tftp"; };
http: { enable = false; root = "$D/www"; };
ipxe: { templates = "$PWD/templates"; overrides = "$D/ov"; };
iscsi: { enable = true; port = 3260; iqn_prefix = "iqn.2026-11.bench.rackboot";
         discovery_auth = "none"; };
storage: $1;
nodes = (
  { mac = "$2"; hostname = "bench01"; size = "${SIZE_MB}M";
    chap_user = "bench01"; chap_secret = "$SECRET"; }
);
CONF
	URL[rackboot]="iscsi://bench01%$SECRET@$SRV:3260/iqn.2026-11.bench.rackboot:bench01/0"
}

# tgtd's control socket is a file shared across namespaces: a port of our own.
TGT_CP=$((20000 + $$ % 10000)) # tgtd takes up to 32767
while [ -e "/var/run/tgtd/socket.$TGT_CP" ]; do TGT_CP=$((TGT_CP + 1)); done

# iscsi_bench_cleanup: for bench_on_exit.  A server still running (an error
# exit) is killed and reaped, so that none of its threads is left in the
# cgroup's tasks; tgtd's control socket goes.
iscsi_bench_cleanup() {
	if [ -n "$SRV_PID" ]; then
		kill -KILL "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
		SRV_PID=
	fi
	rm -f "/var/run/tgtd/socket.$TGT_CP" "/var/run/tgtd/socket.$TGT_CP.lock"
}

# iscsi_start_server NAME: start rackboot or tgtd in the cgroup; true once
# a login and an INQUIRY succeed (bounded).
iscsi_start_server() {
	local deadline portal=${URL[tgtd]#iscsi://}
	portal=${portal%%/*}
	case $1 in
	rackboot) in_cg ip netns exec "$P-srv" "$RB" -f -c "$D/rb.conf" 2>"$D/rb.log" & ;;
	tgtd) in_cg env ${TGT_ENV:-} ip netns exec "$P-srv" tgtd -f -C "$TGT_CP" \
		--iscsi "portal=$portal" >"$D/tgtd.log" 2>&1 & ;;
	esac
	SRV_PID=$!
	deadline=$((SECONDS + ${START_SECONDS:-20}))
	if [ "$1" = tgtd ]; then
		until tgtadm -C "$TGT_CP" --op show --mode sys >/dev/null 2>&1; do
			[ "$SECONDS" -lt "$deadline" ] || break
			sleep 0.1
		done
		tgtadm -C "$TGT_CP" --lld iscsi --op new --mode target --tid 1 -T "$TGT_IQN"
		tgtadm -C "$TGT_CP" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 "${TGT_LU[@]}"
		tgtadm -C "$TGT_CP" --lld iscsi --op bind --mode target --tid 1 -I ALL
	fi
	while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$SRV_PID" 2>/dev/null; do
		ip netns exec "$P-cli" timeout 5 iscsi-inq -i "$IQN" "${URL[$1]}" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "$BENCH: $1 did not start"
	tail -5 "$D/rb.log" "$D/tgtd.log" 2>/dev/null
	return 1
}

# iscsi_stop_server NAME
iscsi_stop_server() {
	case $1 in
	tgtd) # tgtd ignores SIGTERM
		kill -KILL "$SRV_PID"
		wait "$SRV_PID" 2>/dev/null || true
		SRV_PID=
		;;
	*) stop_server ;;
	esac
}

# iscsi_perf NAME TEST QD BYTES [-r]: one bounded iscsi-perf run; sets IOPS,
# MIBS and CPU (seconds of server CPU).
iscsi_perf() {
	local s=$1 t=$2 qd=$3 bytes=$4 c0 c1 out
	shift 4
	out=$D/perf.$s.$t
	c0=$(cpu_all "$SRV_PID")
	ip netns exec "$P-cli" timeout -k 5 $((SECS + 20)) iscsi-perf -i "$IQN" -t "$SECS" -m "$qd" \
		-b $((bytes / ${BS:-512})) "$@" "${URL[$s]}" >"$out" 2>&1 || true
	c1=$(cpu_all "$SRV_PID")
	# The progress line is rewritten with \r; the last "iops average" wins.
	IOPS=$(tr '\r' '\n' <"$out" | sed -n 's/.*iops average \([0-9]*\).*/\1/p' | tail -1)
	if [ -z "$IOPS" ] || grep -q "failed" "$out"; then
		echo "$BENCH: $s $t: iscsi-perf failed:"
		tr '\r' '\n' <"$out" | grep -v '^ *$' | tail -5
		IOPS=0
	fi
	MIBS=$(awk -v n="$IOPS" -v b="$bytes" 'BEGIN { printf "%.1f", n * b / 1048576 }')
	CPU=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')
}
