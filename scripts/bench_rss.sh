#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Footprint: rackboot's memory, from /proc/PID/smaps_rollup, with the demo
# configuration (etc/rackboot.conf: DHCP, TFTP, HTTP and iSCSI all on; its
# addresses moved to 198.18.0.0/15 and its pool widened for 1000 clients)
# in a namespace pair of its own.  Prints Rss, Pss and Private_Dirty
#   start    once serving, nothing asked yet
#   idle     after one of each: a DHCP lease, a TFTP download of ipxe.efi,
#            an HTTP script and /metrics, an iSCSI discovery and a login
#   aval     after perfdhcp's avalanche of 1000 new clients (bounded: 120 s)
# and, with DETAIL=1, the largest mappings at idle.  BACKEND=rbd runs the
# same with storage.backend "rbd" on a single-node Ceph cluster in the
# server's namespace (test/integ/ceph_lib.sh; a minute more).
# Env: RACKBOOT (default build/rackboot), BACKEND (file).  Not a test:
# nothing here passes or fails.  The machine may be shared: RSS does not
# depend on load, but say so with the figures.
set -u
cd "$(dirname "$0")/.."
RACKBOOT=${RACKBOOT:-$PWD/build/rackboot}
BACKEND=${BACKEND:-file}
export RACKBOOT_MODULE_DIR=${RACKBOOT_MODULE_DIR:-$(dirname "$RACKBOOT")}
for c in perfdhcp tftp curl iscsi-ls iscsi-inq; do
	command -v "$c" >/dev/null || { echo "bench_rss: $c is not installed"; exit 1; }
done
. scripts/bench_lib.sh
T_PIDS=()
bench_setup rbrss 198.18.0.1/15 198.18.0.250/15
SRV=198.18.0.1

mkdir -p "$D/tftp" "$D/http" "$D/nodes.d" "$D/state/volumes"
cp /usr/lib/ipxe/ipxe.efi "$D/tftp/"
# written back: a dirty page-cache page mapped once counts as Private_Dirty
sync "$D/tftp/ipxe.efi"
chmod -R a+rX "$D"
chown -R nobody "$D/state"
STORAGE='backend = "file";'
if [ "$BACKEND" = rbd ]; then
	. test/integ/ceph_lib.sh
	CEPH_NS=$P-srv
	ceph_up || { echo "bench_rss: the cluster did not come up"; exit 1; }
	STORAGE="backend = \"rbd\"; ceph_conf = \"$CEPH_CONF\"; client = \"rackboot\";"
	STORAGE+=" keyring = \"$CEPH_KEYRING\"; pool = \"rbd\";"
fi
sed -e "s|state_dir = \"/var/lib/rackboot\"|state_dir = \"$D/state\"|" \
	-e 's|user = "rackboot"|user = "nobody"|' \
	-e "s|root = \"/srv/rackboot/tftp\"|root = \"$D/tftp\"|" \
	-e "s|root = \"/srv/rackboot/http\"|root = \"$D/http\"|" \
	-e "s|overrides = \"/etc/rackboot/nodes.d\";|overrides = \"$D/nodes.d\"; templates = \"$PWD/templates\";|" \
	-e 's|subnet = "10.0.0.0/24"|subnet = "198.18.0.0/15"|' \
	-e 's|range = \["10.0.0.100", "10.0.0.200"\]|range = ["198.18.1.0", "198.19.255.254"]|' \
	-e 's|10\.0\.0\.|198.18.0.|g' \
	-e "s|backend = \"file\";|$STORAGE|" \
	etc/rackboot.conf >"$D/rb.conf"
grep -q "$D/state" "$D/rb.conf" && grep -q 198.19.255.254 "$D/rb.conf" ||
	{ echo "bench_rss: etc/rackboot.conf changed; this script's edits no longer apply"; exit 1; }
"$RACKBOOT" -t -c "$D/rb.conf" >"$D/check.out" 2>&1 ||
	{ echo "bench_rss: rackboot -t refused the configuration:"; cat "$D/check.out"; exit 1; }

ip netns exec "$P-srv" "$RACKBOOT" -f -c "$D/rb.conf" >"$D/server.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 50); do
	grep -q "started with configuration" "$D/server.log" && break
	kill -0 "$SRV_PID" 2>/dev/null || break
	sleep 0.2
done
grep -q "started with configuration" "$D/server.log" ||
	{ echo "bench_rss: rackboot did not start:"; cat "$D/server.log"; exit 1; }
if [ "$BACKEND" = rbd ]; then
	for _ in $(seq 100); do grep -q "rbd: connected" "$D/server.log" && break; sleep 0.2; done
	grep -q "rbd: connected" "$D/server.log" || { echo "bench_rss: no cluster connection"; exit 1; }
fi

# rss WHEN: one line from smaps_rollup.
rss() {
	awk -v w="$1" -v b="$BACKEND" '/^(Rss|Pss|Private_Dirty):/ {v[$1] = $2}
	     END {printf "%-4s %-5s Rss %6.1f MB  Pss %6.1f MB  Private_Dirty %6.1f MB\n", b, w,
	          v["Rss:"] / 1024, v["Pss:"] / 1024, v["Private_Dirty:"] / 1024}' \
		"/proc/$SRV_PID/smaps_rollup"
}
sleep 1
rss start

# one of each service
cli() { ip netns exec "$P-cli" "$@"; }
cli timeout 20 perfdhcp -4 -l eth0 -R 1 -n 1 -r 1 -W 2000000 "$SRV" >"$D/one.out" 2>&1
grep -qE "received packets: [1-9]" "$D/one.out" || { echo "bench_rss: a single DHCP exchange failed:"; tail -5 "$D/one.out"; }
(cd "$D" && cli timeout 20 tftp -m binary "$SRV" -c get ipxe.efi "$D/got.efi") &&
	cmp -s "$D/got.efi" "$D/tftp/ipxe.efi" || echo "bench_rss: the TFTP download failed"
cli timeout 10 curl -sf -o /dev/null "http://$SRV:8080/metrics" || echo "bench_rss: /metrics failed"
cli timeout 10 curl -s -o /dev/null "http://$SRV:8080/boot/52:54:00:12:34:56.ipxe"
cli timeout 20 iscsi-ls -s "iscsi://$SRV:3260" >"$D/ls.out" 2>&1 ||
	echo "bench_rss: the iSCSI discovery failed: $(head -1 "$D/ls.out")"
# detail: with DETAIL=1, the largest mappings now
detail() {
	[ "${DETAIL:-0}" = 1 ] || return 0
	echo "     the largest mappings (kB: Rss Private_Dirty, file):"
	awk '/^[0-9a-f]+-[0-9a-f]+ / {f = NF >= 6 ? $6 : "[anon]"}
	     /^Rss:/ {r[f] += $2} /^Private_Dirty:/ {p[f] += $2}
	     END {for (f in r) printf "%8d %8d %s\n", r[f], p[f], f}' "/proc/$SRV_PID/smaps" |
		sort -rn | head -15 | sed 's/^/     /'
}
sleep 1
rss idle
detail

RMEM=$(sysctl -n net.core.rmem_default)
sysctl -qw net.core.rmem_default=8388608 # perfdhcp's socket (bench_dhcp.sh)
cli timeout 120 perfdhcp -4 -l eth0 --scenario avalanche -R 1000 "$SRV" >"$D/aval.out" 2>&1 ||
	echo "bench_rss: the avalanche did not finish: $(tail -1 "$D/aval.out")"
sysctl -qw net.core.rmem_default="$RMEM"
sleep 1
rss aval
detail
