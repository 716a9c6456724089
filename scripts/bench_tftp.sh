#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TFTP benchmark: rackboot, tftpd-hpa, atftpd and dnsmasq's TFTP, one after
# another on the same namespace pair:
#   storm   200 concurrent clients (busybox tftp, blksize 1468) each fetching
#           a 1 MiB file: wall time, failures, and the server's CPU seconds
#           (on two cores the 200 clients bound the wall time, so the CPU
#           figure is the one that compares servers)
#   64 MiB  one download at blksize 1468, lockstep and with windowsize 8
#           (atftp client; only rackboot and atftpd grant RFC 7440), and
#           the same file from rackboot's HTTP server (curl) as the
#           reference the windowed transfer is compared with
# SERVERS and CLIENTS and BIG_MB shrink it (the smoke test in make test);
# STORM_ONLY=1 skips the 64 MiB downloads (profiling the storm alone).
# Bounded: every client has a timeout.  Not a test: nothing passes or fails.
set -u
cd "$(dirname "$0")/.."
RACKBOOT=${RACKBOOT:-$PWD/build/rackboot}
CLIENTS=${CLIENTS:-200}
. scripts/bench_lib.sh
bench_setup rbt 198.18.0.1/24 198.18.0.2/24
mkdir -p "$D/root" "$D/state" "$D/out"
head -c 1048576 /dev/urandom >"$D/root/ipxe.efi"
head -c $((${BIG_MB:-64} << 20)) /dev/urandom >"$D/root/big.bin"
chmod -R a+rX "$D/root"
chmod 777 "$D/state" "$D/out"
# tftpd-hpa and atftpd both ship /usr/sbin/in.tftpd, so they cannot be
# installed together: tftpd-hpa's binary is unpacked from its package here.
case " ${SERVERS:-tftpd-hpa} " in
*" tftpd-hpa "*)
	(cd "$D" && apt-get download tftpd-hpa >/dev/null 2>&1 && dpkg-deb -x tftpd-hpa_*.deb hpa) ||
		echo "# could not unpack tftpd-hpa; it is skipped"
	;;
esac
HPA=$D/hpa/usr/sbin/in.tftpd

start_server() {
	case $1 in
	rackboot)
		cat >"$D/rb.conf" <<CONF
server: { user = "nobody"; state_dir = "$D/state"; interfaces = ["eth1"]; log_level = "warning"; };
dhcp: { enable = false; };
tftp: { root = "$D/root"; window_max = 64; };
http: { root = "$D/root"; };
CONF
		in_cg ip netns exec "$P-srv" "$RACKBOOT" -f -c "$D/rb.conf" >"$D/server.log" 2>&1 &
		;;
	tftpd-hpa)
		in_cg ip netns exec "$P-srv" "$HPA" -L -u nobody -s "$D/root" -a 198.18.0.1:69 >"$D/server.log" 2>&1 &
		;;
	atftpd)
		in_cg ip netns exec "$P-srv" atftpd --daemon --no-fork --user nobody.nogroup --bind-address 198.18.0.1 \
			--logfile /dev/null --maxthread 1000 "$D/root" >"$D/server.log" 2>&1 &
		;;
	dnsmasq)
		in_cg ip netns exec "$P-srv" dnsmasq -d -k --port=0 -i eth1 --bind-interfaces --enable-tftp \
			--tftp-root="$D/root" --tftp-max=1000 --pid-file="$D/state/dnsmasq.pid" \
			>"$D/server.log" 2>&1 &
		;;
	esac
	SRV_PID=$!
	sleep 1
	kill -0 "$SRV_PID" 2>/dev/null || { echo "# $1 did not start:"; sed 's/^/#   /' "$D/server.log"; return 1; }
}

declare -A STORM_CPU STORM_WALL STORM_FAIL T64 T64W
hz=$(getconf CLK_TCK)
for srv in ${SERVERS:-rackboot tftpd-hpa atftpd dnsmasq}; do
	echo "== $srv"
	start_server "$srv" || continue
	rm -f "$D/out/"*
	c0=$(cpu_all "$SRV_PID")
	s0=$(date +%s.%N)
	for i in $(seq "$CLIENTS"); do
		ip netns exec "$P-cli" timeout 60 busybox tftp -b 1468 -g -r ipxe.efi -l "$D/out/$i" 198.18.0.1 \
			>/dev/null 2>&1 &
	done
	wait $(jobs -p | grep -v "^$SRV_PID$") 2>/dev/null
	s1=$(date +%s.%N)
	sleep 0.5 # let the last transfers be reaped (forking servers)
	c1=$(cpu_all "$SRV_PID")
	fail=0
	for i in $(seq "$CLIENTS"); do cmp -s "$D/root/ipxe.efi" "$D/out/$i" || fail=$((fail + 1)); done
	STORM_WALL[$srv]=$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.2f", b - a}')
	STORM_CPU[$srv]=$(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN {printf "%.2f", t / hz}')
	STORM_FAIL[$srv]=$fail
	printf '   storm: %d clients x 1 MiB: %s s wall, %d failed, server CPU %s s\n' \
		"$CLIENTS" "${STORM_WALL[$srv]}" "$fail" "${STORM_CPU[$srv]}"
	for w in ${WINDOWS:-1 8}; do
		[ -n "${STORM_ONLY:-}" ] && break
		opts=(--option "blksize 1468")
		[ "$w" -gt 1 ] && opts+=(--option "windowsize $w")
		rm -f "$D/out/big"
		s0=$(date +%s.%N)
		ip netns exec "$P-cli" timeout 120 atftp "${opts[@]}" -g -r big.bin -l "$D/out/big" 198.18.0.1 >/dev/null 2>&1
		s1=$(date +%s.%N)
		t=$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.2f", b - a}')
		cmp -s "$D/root/big.bin" "$D/out/big" || t="failed"
		if [ "$w" -eq 1 ]; then T64[$srv]=$t; else T64W[$srv]=$t WLAST=$w; fi
		printf '   %d MiB at blksize 1468, window %d: %s s\n' "${BIG_MB:-64}" "$w" "$t"
	done
	if [ "$srv" = rackboot ] && [ -z "${STORM_ONLY:-}" ]; then
		# The reference: the same file from rackboot's HTTP server.
		rm -f "$D/out/big"
		s0=$(date +%s.%N)
		ip netns exec "$P-cli" timeout 120 curl -sf -o "$D/out/big" http://198.18.0.1:8080/big.bin
		s1=$(date +%s.%N)
		HTTP64=$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.2f", b - a}')
		cmp -s "$D/root/big.bin" "$D/out/big" || HTTP64=failed
		printf '   %d MiB over rackboot'"'"'s HTTP (reference): %s s\n' "${BIG_MB:-64}" "$HTTP64"
	fi
	stop_server
done

echo
echo "== TFTP summary (rackboot : peer)"
awk -v w="${T64W[rackboot]:-0}" -v h="${HTTP64:-0}" 'BEGIN {
	if (w + 0 > 0 && h + 0 > 0)
		printf "  windowed TFTP speed / HTTP speed (same file, rackboot): %.2fx\n", h / w }'
for peer in ${SERVERS:-rackboot tftpd-hpa atftpd dnsmasq}; do
	[ "$peer" = rackboot ] && continue
	awk -v n="$peer" -v c1="${STORM_CPU[rackboot]:-0}" -v c2="${STORM_CPU[$peer]:-0}" \
		-v t1="${T64[rackboot]:-0}" -v t2="${T64[$peer]:-0}" -v w1="${T64W[rackboot]:-0}" \
		-v w2="${T64W[$peer]:-0}" -v wn="${WLAST:-8}" 'BEGIN {
		printf "  vs %-9s storm CPU %5.2f/%-5.2f s = %.2fx   64 MiB lockstep %s/%s s   window %s %s/%s s\n",
			n, c1, c2, c2 ? c1 / c2 : 0, t1, t2, wn, w1, w2 }'
done
