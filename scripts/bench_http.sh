#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTP benchmark, rackboot beside nginx in one run (not a test):
#   small: wrk, keep-alive, 64 connections, against rackboot's rendered
#          /boot/<mac>.ipxe and nginx's static 200-byte file
#   large: a 256 MiB file from each, downloaded by curl LARGE_RUNS times
# Prints requests/s, server CPU per request (cgroup) and MiB/s, and the
# ratios.  Bounded: every wrk run lasts SECONDS, every download is capped.
# Env: SECONDS_RUN (default 10), CONNS (64), LARGE_MB (256), LARGE_RUNS (3),
# SERVERS ("rackboot nginx").
set -eu
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
RB=${RACKBOOT:-$PWD/build/rackboot}
SECS=${SECONDS_RUN:-10}
CONNS=${CONNS:-64}
LARGE_MB=${LARGE_MB:-256}
LARGE_RUNS=${LARGE_RUNS:-3}
SERVERS=${SERVERS:-rackboot nginx}
command -v wrk >/dev/null || { echo "bench_http: wrk is not installed"; exit 1; }

bench_setup rbhttp 198.19.0.1/24 198.19.0.2/24
mkdir -p "$D/www" "$D/state" "$D/tftp" "$D/templates" "$D/ov" "$D/ngx/logs"
cp templates/*.ipxe "$D/templates/"
head -c 200 /dev/urandom | base64 -w0 | head -c 200 >"$D/www/small.txt"
head -c $((LARGE_MB << 20)) /dev/urandom >"$D/www/large.bin"
chmod -R a+rX "$D"
MAC=52:54:00:00:00:01
cat >"$D/rb.conf" <<CONF
server: { user = "nobody"; state_dir = "$D/state"; interfaces = ["eth1"]; log_level = "warning"; };
dhcp: { enable = false; };
tftp: { enable = false; root = "$D/tftp"; };
http: { root = "$D/www"; allow = ["198.19.0.2"]; max_connections = 4096; };
ipxe: { templates = "$D/templates"; overrides = "$D/ov"; };
iscsi: { iqn_prefix = "iqn.2026-11.bench.rackboot"; };
nodes = ( { mac = "$MAC"; hostname = "node01"; template = "iscsi"; } );
CONF
cat >"$D/ngx/nginx.conf" <<CONF
worker_processes 2;
pid $D/ngx/nginx.pid;
error_log $D/ngx/error.log;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	server { listen 198.19.0.1:8080; root $D/www; }
}
CONF

start_server() {
	case $1 in
	rackboot) in_cg ip netns exec "$P-srv" "$RB" -f -c "$D/rb.conf" 2>"$D/rb.log" & ;;
	nginx) in_cg ip netns exec "$P-srv" nginx -c "$D/ngx/nginx.conf" -p "$D/ngx" 2>"$D/ngx.log" & ;;
	esac
	SRV_PID=$!
	for _ in $(seq 100); do
		ip netns exec "$P-cli" curl -s -o /dev/null --max-time 1 "http://198.19.0.1:8080/small.txt" && return 0
		sleep 0.1
	done
	echo "bench_http: $1 did not start"
	return 1
}

ticks_to_s() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'; }
declare -A RPS CPUREQ MIBS CPULARGE
for s in $SERVERS; do
	start_server "$s"
	case $s in
	rackboot) url="http://198.19.0.1:8080/boot/$MAC.ipxe" ;;
	nginx) url="http://198.19.0.1:8080/small.txt" ;;
	esac
	# A body check first: a benchmark of 403s or 404s measures nothing.
	code=$(ip netns exec "$P-cli" curl -s -o "$D/body" -w '%{http_code}' "$url")
	[ "$code" = 200 ] || { echo "bench_http: $s answered $code for $url"; exit 1; }
	c0=$(cpu_all "$SRV_PID")
	ip netns exec "$P-cli" timeout $((SECS + 30)) wrk -t2 -c"$CONNS" -d"${SECS}s" "$url" >"$D/wrk.$s"
	c1=$(cpu_all "$SRV_PID")
	reqs=$(awk '/requests in/ { print $1 }' "$D/wrk.$s")
	errs=$(awk '/Non-2xx|Socket errors/ { print }' "$D/wrk.$s")
	RPS[$s]=$(awk '/^Requests\/sec/ { printf "%d", $2 }' "$D/wrk.$s")
	CPUREQ[$s]=$(awk -v t=$((c1 - c0)) -v n="$reqs" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.2f", n ? t / hz / n * 1e6 : 0 }')
	echo "small  $s: ${RPS[$s]} requests/s, $(ticks_to_s $((c1 - c0))) s CPU for $reqs requests = ${CPUREQ[$s]} us/request; body $(wc -c <"$D/body") bytes${errs:+; $errs}"
	c0=$(cpu_all "$SRV_PID")
	total=0
	for _ in $(seq "$LARGE_RUNS"); do
		sp=$(ip netns exec "$P-cli" curl -s -o /dev/null --max-time 120 -w '%{speed_download}' \
			"http://198.19.0.1:8080/large.bin")
		total=$(awk -v a="$total" -v b="$sp" 'BEGIN { print a + b }')
	done
	c1=$(cpu_all "$SRV_PID")
	MIBS[$s]=$(awk -v t="$total" -v n="$LARGE_RUNS" 'BEGIN { printf "%.0f", t / n / 1048576 }')
	CPULARGE[$s]=$(ticks_to_s $((c1 - c0)))
	echo "large  $s: ${MIBS[$s]} MiB/s (mean of $LARGE_RUNS x $LARGE_MB MiB), ${CPULARGE[$s]} s CPU"
	stop_server
	[ "$s" = nginx ] && pkill -KILL -f "nginx -c $D/ngx/nginx.conf" 2>/dev/null || true
done
if [ -n "${RPS[rackboot]:-}" ] && [ -n "${RPS[nginx]:-}" ]; then
	awk -v a="${RPS[rackboot]}" -v b="${RPS[nginx]}" -v ca="${CPUREQ[rackboot]}" \
		-v cb="${CPUREQ[nginx]}" -v ma="${MIBS[rackboot]}" -v mb="${MIBS[nginx]}" 'BEGIN {
		printf "ratio rackboot/nginx: requests/s %.2fx (target >= 1), CPU/request %.2fx (target <= 1), large MiB/s %.2fx (target >= 0.9)\n",
			a / b, (cb > 0 ? ca / cb : 0), (mb > 0 ? ma / mb : 0) }'
fi
