#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Chain boot of one machine whose iPXE ROM is replaced (ipxe_replace): QEMU
# (BIOS, e1000 with ipxe-qemu's ROM, under TCG) on the bridge of
# test/integ/boot_lib.sh; the ROM's iPXE takes DHCP, is handed
# undionly.kpxe over TFTP, which takes DHCP again, fetches its script over
# HTTP and sanboots its volume from rackboot's iSCSI target; its boot
# sector prints a marker on the serial port.  Wall time from QEMU's start
# to the marker, for each server in SERVERS, interleaved RUNS times
# (A B A B, so a machine shared with others slows all alike):
#   NAME=PATH   rackboot binary PATH does everything
#   dnsmasq     dnsmasq does DHCP and TFTP with the same files the same way
#               (undionly.kpxe to the ROM, the script's URL to the iPXE it
#               loaded; see dm_start); the rackboot binary RACKBOOT serves
#               only the script (http.allow) and the volume
#   dnsmasq-no176  the same, without 175.176 in its replies to iPXE
# Each boot's stages are printed as comments: the DHCP messages and the
# TFTP request as tcpdump saw them on the bridge, then rackboot's timeline.
# Bounded: every machine runs at most VM_LIMIT seconds.  Not a test.
# Usage: SERVERS="old=/tmp/old/rackboot new=build/rackboot dnsmasq" RUNS=3 \
#        scripts/bench_chainboot.sh
set -u
. "$(dirname "$0")/../test/integ/lib.sh"
RA_SEND=${RA_SEND:-$PWD/build/test/ra_send}
. test/integ/boot_lib.sh
SERVERS=${SERVERS:-rackboot=$RACKBOOT dnsmasq}
RUNS=${RUNS:-3}
MAC=52:54:00:be:00:02
IP=198.18.0.12
NONCE=$$-$RANDOM
MARK="rackboot-chainboot-$NONCE"
P=iqn.2026-11.test.rackboot

boot_check_tools || exit 1
boot_net 198.18.0.1/24 || exit 1
mkdir -p "$T_DIR/volumes" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
boot_disk "$T_DIR/volumes/rp1.img" "$MARK" || exit 1
chown -R nobody: "$T_DIR/volumes"
cp /usr/lib/ipxe/undionly.kpxe "$T_DIR/tftp/"
chmod -R a+rX "$T_DIR/tftp" "$T_DIR/http"

# rb_conf STATE DHCP: rackboot's configuration; DHCP=true: it serves DHCP and
# TFTP too, false: only HTTP (to anyone on the bridge) and iSCSI.
rb_conf() {
	cat <<CONF
server: { user = "nobody"; state_dir = "$1"; interfaces = ["$BOOT_BR"]; log_level = "debug"; };
dhcp: { enable = $2; pools = ( { subnet = "198.18.0.0/24"; router = "198.18.0.1"; ipxe_replace = true; } ); };
tftp: { enable = $2; root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; allow = ["198.18.0.0/24"]; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; };
storage: { dir = "$T_DIR/volumes"; };
nodes = ( { mac = "$MAC"; hostname = "rp1"; ip = "$IP"; template = "iscsi"; size = "16M"; } );
CONF
}

# dnsmasq cannot replace the ROM by itself: the ROM's iPXE and the
# undionly.kpxe it loads send byte-identical requests (the same options 60,
# 77 and 175, bus ID included), and dnsmasq keeps no record of TFTP
# fetches.  So the record is kept for it, as rackboot keeps its own: the
# host starts untagged (undionly.kpxe); once dnsmasq logs the fetch, a
# watcher tags it "done" in the hosts file and sends SIGHUP, which rereads
# it; a "done" host gets its script's URL.  Like rackboot, it tells every
# iPXE (option 175 present) not to wait for proxyDHCP (175.176 = 1).
dm_start() {
	echo "$MAC,$IP,rp1" >"$1.hosts"
	ip netns exec "$NS_PREFIX-$BOOT_NS" dnsmasq -k --port=0 -i "$BOOT_BR" --bind-interfaces \
		--log-dhcp --log-facility="$1.log" --dhcp-leasefile="$1.leases" --no-ping \
		--dhcp-range=198.18.0.100,198.18.0.200 --dhcp-hostsfile="$1.hosts" \
		--dhcp-option=3,198.18.0.1 --enable-tftp --tftp-root="$T_DIR/tftp" \
		--dhcp-boot=tag:!done,undionly.kpxe \
		--dhcp-boot="tag:done,http://198.18.0.1:8080/boot/$MAC.ipxe" \
		--pid-file="$1.pid" "${@:2}" >"$1.out" 2>&1 &
	DM_PID=$!
	T_PIDS+=("$DM_PID")
	(
		for ((i = 0; i < VM_LIMIT * 20; i++)); do
			if grep -q "sent .*undionly.kpxe to $IP" "$1.log" 2>/dev/null; then
				echo "$MAC,set:done,$IP,rp1" >"$1.hosts"
				kill -HUP "$DM_PID"
				exit 0
			fi
			sleep 0.05
		done
	) &
	DM_WATCH=$!
	T_PIDS+=("$DM_WATCH")
}

declare -A TIMES
for ((run = 1; run <= RUNS; run++)); do
	for s in $SERVERS; do
		name=${s%%=*}
		bin=$RACKBOOT
		[ "$s" != "$name" ] && bin=${s#*=}
		d=$T_DIR/$name.$run
		mkdir -p "$d/state" && chown nobody: "$d/state"
		ip netns exec "$NS_PREFIX-$BOOT_NS" timeout "$((VM_LIMIT + 30))" tcpdump -i "$BOOT_BR" \
			-n -U -w "$d/cap.pcap" udp port 67 or udp port 68 or udp port 69 2>/dev/null &
		CAP_PID=$!
		T_PIDS+=("$CAP_PID")
		if [ "$name" = dnsmasq ]; then
			rb_conf "$d/state" false >"$d/rb.conf"
			dm_start "$d/dm" --dhcp-match=set:ipxe,175 --dhcp-option=tag:ipxe,encap:175,176,1
		elif [ "$name" = dnsmasq-no176 ]; then
			rb_conf "$d/state" false >"$d/rb.conf"
			dm_start "$d/dm"
		else
			rb_conf "$d/state" true >"$d/rb.conf"
		fi
		RACKBOOT=$bin start "$BOOT_NS" "$d/rb.log" -c "$d/rb.conf"
		wait_log "$d/rb.log" "iscsi: listening on port 3260" || exit 1
		vm_start rp1 "$MAC"
		t=-
		if vm_wait_serial rp1 "$MARK" "$VM_LIMIT" \
			"No more network devices|No bootable device|sanboot of .* failed"; then
			t=$VM_ELAPSED
		fi
		vm_stop rp1
		kill -TERM "$CAP_PID"
		wait "$CAP_PID" 2>/dev/null
		tcpdump -r "$d/cap.pcap" -tt -n -vv 2>/dev/null |
			awk -v t0="${VM_T0[rp1]}" -v l="$name run $run" '
				/^[0-9]+\.[0-9]+ IP/ { t = $1 }
				/DHCP-Message \(53\)/ { printf "# %s: %6.2f s dhcp %s\n", l, t - t0, $NF }
				/RRQ/ && !rrq++ { printf "# %s: %6.2f s tftp RRQ\n", l, t - t0 }' |
			tee -a "$T_DIR/stages"
		vm_stages rp1 "$MAC" "$name run $run" | tee -a "$T_DIR/stages"
		kill -TERM "$RB_PID"
		wait "$RB_PID" 2>/dev/null
		if [ "${name#dnsmasq}" != "$name" ]; then
			kill -TERM "$DM_PID" "$DM_WATCH" 2>/dev/null
			wait "$DM_PID" "$DM_WATCH" 2>/dev/null
			grep -E "sent .*undionly|DHCPACK" "$d/dm.log" | sed "s/^/# $name run $run: dnsmasq: /"
		fi
		echo "# $name run $run: marker $t s after power-on"
		TIMES[$name]="${TIMES[$name]:-} $t"
	done
done
# The stages of each boot, in seconds after power-on: the ROM's first
# DISCOVER and the ACK it takes (the gap holds any wait for proxyDHCP), its
# TFTP request, the loaded iPXE's DISCOVER and ACK, the script, the marker.
printf '%-20s %6s %6s %6s %6s %6s %6s %6s\n' "stages (s)" disc1 ack1 rrq disc2 ack2 script marker
awk '{ k = $2 " " $3 " " $4 }
	/ s dhcp Discover/ { if (!(k in d1)) d1[k] = $5; else if ((k in r) && !(k in d2)) d2[k] = $5 }
	/ s dhcp ACK/ { if (!(k in a1)) a1[k] = $5; else if ((k in d2) && !(k in a2)) a2[k] = $5 }
	/ s tftp RRQ/ { r[k] = $5 }
	/ s http-script/ { h[k] = $5 }
	/ s marker/ { m[k] = $5 }
	END {
		for (k in d1)
			printf "%-20s %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f %6s\n", k, d1[k], a1[k], r[k],
			       d2[k], a2[k], h[k], (k in m) ? m[k] : "-"
	}' "$T_DIR/stages" | sort -k3,3n -s | sort -k1,1 -s
for s in $SERVERS; do
	name=${s%%=*}
	echo "chain boot, power-on to marker, $name:${TIMES[$name]} s"
done
