#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DHCP benchmark: perfdhcp (Kea) against rackboot, dnsmasq and kea-dhcp4,
# one after another on the same namespace pair, each with durable leases
# (rackboot: journal + fdatasync per batch; dnsmasq: its lease file,
# no-ping; Kea: memfile, persist=true).  For each server:
#   rate   the highest DORA rate of a ladder sustained with under 1 % loss
#   cpu    the server's CPU time per lease, over a fixed 3000/s run
#   aval   perfdhcp --scenario avalanche with 1000 new clients: wall time
# and rackboot's ratios to the peers.  SERVERS="rackboot kea" runs a subset
# (the smoke test in make test runs rackboot alone); PARTS="cpu" runs only
# some of the three measurements (default all); CPU_SECONDS sets the length
# of the cpu run (default 5).  The pool (a /15, 131k addresses) is
# larger than any step of the ladder asks for, so loss is the server's.  Bounded: every perfdhcp run has a
# count and a timeout.  Not a test: nothing here passes or fails.
set -u
cd "$(dirname "$0")/.."
RACKBOOT=${RACKBOOT:-$PWD/build/rackboot}
STEP_SECONDS=${STEP_SECONDS:-3}
RATES=${RATES:-"1000 2000 4000 6000 8000 12000 16000 24000 32000"}
PARTS=${PARTS:-"rate cpu aval"}
CPU_SECONDS=${CPU_SECONDS:-5}
. scripts/bench_lib.sh
RMEM=$(sysctl -n net.core.rmem_default)
bench_on_exit() { sysctl -qw net.core.rmem_default="$RMEM"; }
# Every server starts with the system's default socket receive buffer, as
# it would in a rack (rackboot sizes its own).  perfdhcp's socket takes the
# default too, and in an avalanche of 1000 it overflowed and its 1 s
# retransmission, not the server, set the time; so the default is raised
# to 8 MiB only once the server is up, for perfdhcp's socket, and put back
# before the next server starts (the setting is not per namespace here).
client_rmem() { sysctl -qw net.core.rmem_default=8388608; }
server_rmem() { sysctl -qw net.core.rmem_default="$RMEM"; }
echo "# servers start with net.core.rmem_default $RMEM; perfdhcp gets 8 MiB"
bench_setup rbb 198.18.0.1/15 198.18.0.250/15

# udp_drops NS: datagrams the kernel dropped in NS for a full receive buffer.
udp_drops() {
	ip netns exec "$1" awk '/^Udp:/ && ++n == 1 {for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i}
	                      /^Udp:/ && n == 2 {print $c; exit}' /proc/net/snmp
}

part() { [[ " $PARTS " == *" $1 "* ]]; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

start_server() {
	server_rmem
	rm -rf "$D/state" && mkdir -p "$D/state" && chmod 777 "$D/state"
	case $1 in
	rackboot)
		cat >"$D/rb.conf" <<CONF
server: { user = "nobody"; state_dir = "$D/state"; interfaces = ["eth1"]; log_level = "warning"; };
dhcp: { $RB_LIMIT pools = ( { subnet = "198.18.0.0/15"; range = ["198.18.1.0", "198.19.255.254"]; lease_time = 3600; } ); };
tftp: { enable = false; };
CONF
		ip netns exec "$P-srv" "$RACKBOOT" -f -c "$D/rb.conf" >"$D/server.log" 2>&1 &
		;;
	dnsmasq)
		ip netns exec "$P-srv" dnsmasq -d -k --port=0 -i eth1 --bind-interfaces --no-ping \
			--dhcp-range=198.18.1.0,198.19.255.254,255.254.0.0,1h --dhcp-lease-max=200000 \
			--dhcp-leasefile="$D/state/dnsmasq.leases" --pid-file="$D/state/dnsmasq.pid" \
			>"$D/server.log" 2>&1 &
		;;
	kea)
		cat >"$D/kea.json" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": ["eth1"], "dhcp-socket-type": "udp" },
  "lease-database": { "type": "memfile", "persist": true, "lfc-interval": 0,
                      "name": "$D/state/kea-leases4.csv" },
  "valid-lifetime": 3600,
  "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15",
                 "pools": [ { "pool": "198.18.1.0 - 198.19.255.254" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                 "output_options": [ { "output": "$D/kea.log" } ] } ]
} }
JSON
		KEA_LOCKFILE_DIR=$D/state KEA_PIDFILE_DIR=$D/state \
			ip netns exec "$P-srv" kea-dhcp4 -c "$D/kea.json" >"$D/server.log" 2>&1 &
		;;
	esac
	SRV_PID=$!
	sleep 1.5
	kill -0 "$SRV_PID" 2>/dev/null || { echo "# $1 did not start:"; sed 's/^/#   /' "$D/server.log"; return 1; }
	client_rmem
}

# perf RATE SECONDS: one perfdhcp run of distinct MACs; prints "sent acked".
perf() {
	local out
	out=$(ip netns exec "$P-cli" timeout $(($2 + 20)) perfdhcp -4 -l eth0 -r "$1" \
		-p "$2" -R 10000000 -W 1000000 198.18.0.1 2>/dev/null)
	awk '/Statistics for: DISCOVER-OFFER/{s=1} s==1 && /sent packets/{d=$3; s=2}
	     /Statistics for: REQUEST-ACK/{r=1} r && /received packets/{a=$3; r=0}
	     END {print d+0, a+0}' <<<"$out"
}

declare -A RATE CPU AVAL
# The rate and CPU runs send hundreds of thousands of new MACs through one
# segment, which is what the new-lease limit (dhcp.new_lease_burst) is there
# to stop: it is lifted for them, and the avalanche runs with the defaults.
for srv in ${SERVERS:-rackboot dnsmasq kea}; do
	echo "== $srv"
	best=0
	RB_LIMIT="new_lease_burst = 0;"
	for rate in $(part rate && echo "$RATES"); do
		start_server "$srv" || break
		read -r sent acked < <(perf "$rate" "$STEP_SECONDS")
		stop_server
		loss=$(awk -v s="$sent" -v a="$acked" 'BEGIN {printf "%.2f", s ? 100 * (s - a) / s : 100}')
		printf '   %6d/s offered: %6d DISCOVERs, %6d ACKs, loss %5s %%\n' "$rate" "$sent" "$acked" "$loss"
		awk -v l="$loss" 'BEGIN {exit !(l < 1)}' || break
		best=$rate
	done
	RATE[$srv]=$best
	if part cpu && start_server "$srv"; then
		t0=$(cpu_ticks "$SRV_PID")
		read -r sent acked < <(perf 3000 "$CPU_SECONDS")
		t1=$(cpu_ticks "$SRV_PID")
		stop_server
		CPU[$srv]=$(awk -v t=$((t1 - t0)) -v a="$acked" -v hz="$(getconf CLK_TCK)" \
			'BEGIN {printf "%.1f", a ? t / hz / a * 1e6 : 0}')
		printf '   cpu per lease at 3000/s: %s us (%d leases)\n' "${CPU[$srv]}" "$acked"
	fi
	RB_LIMIT=""
	if part aval && start_server "$srv"; then
		c0=$(udp_drops "$P-cli") d0=$(udp_drops "$P-srv")
		s0=$(date +%s.%N)
		out=$(ip netns exec "$P-cli" timeout 120 perfdhcp -4 -l eth0 --scenario avalanche -R 1000 198.18.0.1 2>&1)
		s1=$(date +%s.%N)
		stop_server
		AVAL[$srv]=$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.2f", b - a}')
		took=$(grep -m1 -oE "It took [0-9:.]+" <<<"$out")
		printf '   avalanche of 1000 new clients: %s s wall (perfdhcp: %s); requests dropped at the server: %s, replies dropped at perfdhcp: %s\n' \
			"${AVAL[$srv]}" "${took:-did not finish}" "$(($(udp_drops "$P-srv") - d0))" \
			"$(($(udp_drops "$P-cli") - c0))"
	fi
done

echo
echo "== DHCP summary (rackboot : peer)"
for peer in ${SERVERS:-rackboot dnsmasq kea}; do
	[ "$peer" = rackboot ] && continue
	awk -v n="$peer" -v r1="${RATE[rackboot]:-0}" -v r2="${RATE[$peer]:-0}" \
		-v c1="${CPU[rackboot]:-0}" -v c2="${CPU[$peer]:-0}" -v a1="${AVAL[rackboot]:-0}" \
		-v a2="${AVAL[$peer]:-0}" 'BEGIN {
		printf "  vs %-8s rate %6d/%-6d = %.2fx   cpu/lease %6.1f/%-6.1f us = %.2fx   avalanche %5.2f/%-5.2f s = %.2fx\n",
			n, r1, r2, r2 ? r1 / r2 : 0, c1, c2, c2 ? c1 / c2 : 0, a1, a2, a2 ? a1 / a2 : 0 }'
done
