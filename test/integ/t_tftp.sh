#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The TFTP server against real clients in namespaces: tftp-hpa (plain RFC
# 1350: its Debian client has no blksize), atftp (blksize, tsize,
# windowsize), busybox tftp (blksize).  Every
# download is compared byte for byte: a file over 32 MiB at 512-byte blocks
# (block numbers roll over), a 0-byte file, exact multiples of the block
# size, and a link losing 5 % of packets each way.  Hostile names and files
# are refused with an ERROR, writes too; the busy limit answers, never
# silence; per-node files follow the DHCP lease; an edit on disk is served
# to the next request.
. "$(dirname "$0")/lib.sh"
t_plan 53

netns srv && netns cli || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
ip -n "$NS_PREFIX-cli" addr add 198.18.0.2/24 dev eth0
R=$T_DIR/root
mkdir -p "$R/sub" "$R/dir" "$T_DIR/state" "$T_DIR/outside"
head -c 1048576 /dev/urandom >"$R/ipxe.efi"
head -c $((33554432 + 1000)) /dev/urandom >"$R/big.bin"
: >"$R/empty"
head -c 512 /dev/urandom >"$R/b512"
head -c 1024 /dev/urandom >"$R/b1024"
head -c $((1468 * 3)) /dev/urandom >"$R/b1468x3"
printf 'line one\nline two\r\nend\n' >"$R/text.cfg"
head -c 2048 /dev/urandom >"$R/sub/kernel"
echo secret >"$T_DIR/outside/secret"
ln -s ../outside/secret "$R/up-link"
ln -s /etc/passwd "$R/abs-link"
ln -s sub/kernel "$R/in-link"
echo private >"$R/private" && chmod 000 "$R/private"
mkfifo "$R/fifo"
chmod -R a+rX "$R" 2>/dev/null
chmod 000 "$R/private"
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { enable = false; };
tftp: { root = "$R"; window_max = 16; };
CONF
L=$T_DIR/log
start srv "$L" -c "$T_DIR/c.conf"
check "rackboot serves TFTP" wait_log "$L" "tftp: serving $R on port 69"

# get CLIENT FILE [ARGS...]: download FILE with a client into $T_DIR/got.
get() {
	local client=$1 f=$2
	shift 2
	rm -f "$T_DIR/got"
	case $client in
	hpa) nsexec cli timeout 120 tftp "$@" 198.18.0.1 -m binary -c get "$f" "$T_DIR/got" ;;
	atftp) nsexec cli timeout 120 atftp "$@" -g -r "$f" -l "$T_DIR/got" 198.18.0.1 ;;
	busybox) nsexec cli timeout 120 busybox tftp "$@" -g -r "$f" -l "$T_DIR/got" 198.18.0.1 ;;
	esac >"$T_DIR/client.out" 2>&1
}
# same FILE: the download is FILE, byte for byte (a failed get leaves no
# file, so the check fails rather than being skipped).
same() { cmp -s "$R/$1" "$T_DIR/got"; }

get hpa ipxe.efi; check "tftp-hpa, plain RFC 1350 (512-byte blocks): 1 MiB intact" same ipxe.efi
# (Debian's tftp-hpa 5.2 client has no blksize option; blksize is atftp's
# and busybox's below.)
nsexec cli timeout 10 tcpdump -l -nn -A -c 1 -i eth0 'udp and src host 198.18.0.1' \
	>"$T_DIR/oack" 2>/dev/null &
dump=$!
sleep 0.5
get atftp ipxe.efi --option "blksize 1468" --option "tsize 0" --option "windowsize 8"
check "atftp with blksize, tsize and windowsize 8: intact" same ipxe.efi
wait "$dump"
check "its OACK granted blksize 1468, windowsize 8 and told tsize 1048576" \
	bash -c "tr -c '[:print:]' '.' <'$T_DIR/oack' | grep -q 'blksize.1468.tsize.1048576.windowsize.8'"
get busybox ipxe.efi -b 1468; check "busybox tftp with blksize: intact" same ipxe.efi
get atftp big.bin --option "blksize 512" --option "windowsize 16"
check "32 MiB + 1000 at 512-byte blocks (65538 blocks, rollover past 65535): intact" same big.bin
get hpa big.bin; check "the same lockstep with tftp-hpa: intact" same big.bin
get hpa empty; check "a 0-byte file: intact (one empty block)" same empty
for f in b512 b1024; do
	get hpa "$f"; check "$f: an exact multiple of 512 ends with an empty block" same "$f"
done
get atftp b1468x3 --option "blksize 1468"; check "3 x 1468 at blksize 1468: intact" same b1468x3
get atftp b1468x3 --option "blksize 1468" --option "windowsize 8"
check "3 x 1468 windowed: intact (three full GSO segments and an empty last one)" same b1468x3
get hpa sub/kernel; check "a file in a subfolder" same sub/kernel
get hpa in-link; check "a symbolic link that stays inside the root is followed" same sub/kernel
get hpa /sub/kernel; check "a leading slash is relative to the root" same sub/kernel
get hpa 'sub\kernel'; check "backslashes are separators (Windows-style ROMs)" same sub/kernel
rm -f "$T_DIR/got"
nsexec cli timeout 20 tftp 198.18.0.1 -m netascii -c get text.cfg "$T_DIR/got" >/dev/null 2>&1
check "netascii mode: the client gets the text back" cmp -s "$R/text.cfg" "$T_DIR/got"

# Refusals: each gets an ERROR, and the log names the peer and the reason.
refused() { # NAME EXPECTED-LOG-REASON
	get hpa "$1"
	grep -q "Error code" "$T_DIR/client.out" && [ ! -s "$T_DIR/got" ] &&
		grep -qF "refused \"$(printf '%.64s' "$3")\": $2" "$L"
}
check "../ is refused (dotdot)" refused "../outside/secret" dotdot "../outside/secret"
check "sub/../../x is refused (dotdot)" refused "sub/../../outside/secret" dotdot "sub/../../outside/secret"
check "a symbolic link out of the root is refused (escape)" refused up-link escape up-link
check "an absolute symbolic link is refused (escape)" refused abs-link escape abs-link
check "a folder is refused (not a file)" refused dir notfile dir
check "a FIFO is refused, without hanging the server" refused fifo notfile fifo
check "an unreadable file is refused (access)" refused private access private
check "a missing file is 'File not found'" bash -c "
	ip netns exec $NS_PREFIX-cli tftp 198.18.0.1 -m binary -c get nope $T_DIR/x 2>&1 | grep -q 'File not found'"
long=$(printf 'a%.0s' $(seq 300))
get hpa "$long"
check "an over-long name is refused" grep -q "Error code" "$T_DIR/client.out"
echo data >"$T_DIR/up"
out=$(nsexec cli timeout 10 tftp 198.18.0.1 -m binary -c put "$T_DIR/up" x 2>&1)
check "a write request is refused: read-only" grep -q "Read-only server" <<<"$out"
check "and logged" grep -q "write request refused" "$L"
nsexec cli curl -s http://198.18.0.1:8080/metrics >"$T_DIR/metrics"
check "/metrics counts the refusals by reason" bash -c '
	grep -qx "rackboot_tftp_refusals_total{reason=\"dotdot\"} 2" "$1" &&
	grep -qx "rackboot_tftp_refusals_total{reason=\"escape\"} 2" "$1" &&
	grep -qx "rackboot_tftp_refusals_total{reason=\"write\"} 1" "$1" &&
	grep -qE "^rackboot_tftp_refusals_total\{reason=\"notfound\"\} [1-9]" "$1"' _ "$T_DIR/metrics"
check "nothing was written" [ ! -e "$R/x" ]
# The windowed transfers above left in UDP GSO messages (several blocks per
# send), not one datagram per block; veth takes them.
check "/metrics: windows were sent with UDP segmentation offload, never refused" bash -c '
	grep -qE "^rackboot_tftp_gso_sends_total [1-9]" "$1" &&
	grep -qx "rackboot_tftp_gso_refused_total 0" "$1"' _ "$T_DIR/metrics"

# An edit on disk reaches the next request (the cache revalidates).
get hpa ipxe.efi
sleep 1.1
head -c 4096 /dev/urandom >"$R/ipxe.efi.new" && chmod a+r "$R/ipxe.efi.new" && mv "$R/ipxe.efi.new" "$R/ipxe.efi"
get hpa ipxe.efi; check "a file replaced on disk is served new to the next request" same ipxe.efi

# A running transfer finishes the version it started, or fails; never a
# mix.  mid_get: tftp-hpa (lockstep, 512-byte blocks) fetches mid.bin into
# $T_DIR/mid.got in the background; returns once 1 MiB of it has arrived.
head -c $((16 << 20)) /dev/urandom >"$R/mid.bin" && chmod a+r "$R/mid.bin"
mid_get() {
	local i
	rm -f "$T_DIR/mid.got"
	cp "$R/mid.bin" "$T_DIR/mid.old"
	sleep 1.1 # past the cache's revalidation: this request maps the file anew
	nsexec cli timeout 120 tftp 198.18.0.1 -m binary -c get mid.bin "$T_DIR/mid.got" \
		>"$T_DIR/mid.out" 2>&1 &
	MID=$!
	for ((i = 0; i < 1000; i++)); do
		[ "$(stat -c %s "$T_DIR/mid.got" 2>/dev/null || echo 0)" -ge 1048576 ] && return 0
		sleep 0.01
	done
	return 1
}
check "a 16 MiB lockstep transfer is under way" mid_get
head -c $((16 << 20)) /dev/urandom >"$R/mid.new" && chmod a+r "$R/mid.new" && mv "$R/mid.new" "$R/mid.bin"
wait "$MID"
check "replaced by a rename mid-transfer: the running transfer finishes the old version" \
	cmp -s "$T_DIR/mid.old" "$T_DIR/mid.got"
check "a second 16 MiB transfer is under way" mid_get
dd if=/dev/urandom of="$R/mid.bin" bs=1M count=16 conv=notrunc status=none
wait "$MID"
check "rewritten in place mid-transfer: the client is sent an ERROR" \
	grep -q "File changed during transfer" "$T_DIR/mid.out"
check "... and never completes with a mix of versions" \
	bash -c 'grep -q "Error code" "$1" || cmp -s "$2" "$3"' _ "$T_DIR/mid.out" "$T_DIR/mid.old" \
	"$T_DIR/mid.got"
check "... which rackboot logs" grep -q "mid.bin changed on disk during the transfer" "$L"
get hpa mid.bin; check "the next request gets the new version, intact" same mid.bin

# Loss: 5 % of UDP packets dropped on the way in.  atftp, the only
# windowed client, has two limits of its own that loss trips (seen in about
# one run in ten): it aborts on a repeated OACK ("unexpected OACK"), and
# after one "extra ACK" for a resent window it ignores further resends, so
# losing that ACK stalls it.  So the windowed run loses DATA (the window
# restarts after the last block acknowledged) but not OACKs (opcode 6,
# the first two bytes after the UDP header) or ACKs; the lockstep run with
# tftp-hpa loses 5 % each way, ACKs included.
lossy() { # NS [MATCH]: drop 5 % of the UDP arriving in NS
	nsexec "$1" nft add table inet loss
	nsexec "$1" nft 'add chain inet loss in { type filter hook input priority 0; }'
	nsexec "$1" nft "add rule inet loss in meta l4proto udp ${2:-} numgen random mod 100 < 5 drop"
}
head -c 262144 /dev/urandom >"$R/lossy" && chmod a+r "$R/lossy"
lossy cli '@th,64,16 != 6'
get atftp lossy --option "blksize 1468" --option "windowsize 8"
check "5 % of DATA lost, windowed: intact" same lossy
lossy srv
get hpa lossy; check "5 % loss each way, lockstep: intact" same lossy
for ns in cli srv; do nsexec "$ns" nft flush ruleset; done

# The busy limit: beyond max_transfers a client gets an ERROR, not silence.
sed -i 's/window_max = 16;/window_max = 16; max_transfers = 1;/' "$T_DIR/c.conf"
kill -TERM "$RB_PID"; wait_exit "$RB_PID"
start srv "$L.2" -c "$T_DIR/c.conf"
wait_log "$L.2" "tftp: serving" >/dev/null
# Hold the only slot: a transfer whose client never acknowledges.
printf '\000\001big.bin\000octet\000' | nsexec cli socat -u - UDP-DATAGRAM:198.18.0.1:69 2>/dev/null
sleep 0.2
out=$(nsexec cli timeout 10 tftp 198.18.0.1 -m binary -c get ipxe.efi "$T_DIR/got" 2>&1)
check "beyond max_transfers a client is told the server is busy" grep -q "Server busy" <<<"$out"

# Transfers share sockets, one port per local address and up to 256
# transfers (XS_XFERS_MAX), every DATA block from a port of
# tftp.port_min..port_max.  Every one of these 600 transfers comes from the
# one client address, so the per-address limit is lifted for them.
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { enable = false; };
tftp: { root = "$R"; port_min = 40000; port_max = 40015; max_transfers_per_client = 1000; };
CONF
kill -TERM "$RB_PID"; wait_exit "$RB_PID"
start srv "$L.4" -c "$T_DIR/c.conf"
wait_log "$L.4" "tftp: serving" >/dev/null
# 300 transfers at once, of a file long enough to last while they are
# counted: 256 on one socket, the rest on a second.  One process asks for
# them all (test/tools/flood.c tftp-hog): 300 socat processes started one by
# one took longer on a loaded machine than an idle transfer lives.
nsexec cli timeout 30 "$PWD/build/test/flood" tftp-hog 198.18.0.1 big.bin 300 4 \
	>"$T_DIR/hog" 2>&1 &
hog=$!
sleep 2
socks=$(ip netns exec "$NS_PREFIX-srv" ss -Huan 'sport >= :40000 and sport <= :40015' | wc -l)
wait "$hog"
echo "# hog: $(cat "$T_DIR/hog")"
check "300 transfers are served from 2 sockets, not one each ($socks)" [ "$socks" -eq 2 ]
mkdir -p "$T_DIR/storm"
chmod 777 "$T_DIR/storm"
nsexec cli timeout 60 tcpdump -l -nn -c 1000 -i eth0 'udp and src host 198.18.0.1' \
	>"$T_DIR/ports" 2>/dev/null &
dump=$!
sleep 0.5
pids=()
for i in $(seq 300); do
	nsexec cli timeout 60 busybox tftp -b 1468 -g -r ipxe.efi -l "$T_DIR/storm/$i" 198.18.0.1 \
		>/dev/null 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
wait "$dump"
bad=0
for i in $(seq 300); do cmp -s "$R/ipxe.efi" "$T_DIR/storm/$i" || bad=$((bad + 1)); done
check "300 concurrent clients besides: all intact ($bad bad)" [ "$bad" -eq 0 ]
check "every DATA left from a port of port_min..port_max" \
	awk 'NF > 3 {split($3, a, "."); p = a[5]; if (p < 40000 || p > 40015) bad++; n++}
	     END {exit !(n >= 900 && !bad)}' "$T_DIR/ports"
# A client asking again from the same port while its first transfer runs
# gets a second TID, as it would have from a socket per transfer.
nsexec cli timeout 10 tcpdump -l -nn -c 4 -i eth0 'udp and src host 198.18.0.1 and dst port 3333' \
	>"$T_DIR/tid" 2>/dev/null &
dump=$!
sleep 0.5
for i in 1 2; do
	printf '\000\001big.bin\000octet\000' |
		nsexec cli socat -u - UDP-DATAGRAM:198.18.0.1:69,bind=:3333,reuseaddr 2>/dev/null
	sleep 0.1
done
wait "$dump"
check "the same client port asking twice gets two transfer ports" \
	[ "$(awk '{print $3}' "$T_DIR/tid" | sort -u | wc -l)" -eq 2 ]

# Per-node files: the MAC holding the client's lease selects a folder.
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { pools = ( { subnet = "198.18.0.0/24"; range = ["198.18.0.100", "198.18.0.200"];
		    ipxe_replace = true; } ); };
tftp: { root = "$R"; };
CONF
kill -TERM "$RB_PID"; wait_exit "$RB_PID"
start srv "$L.3" -c "$T_DIR/c.conf"
wait_log "$L.3" "tftp: serving" >/dev/null
ip -n "$NS_PREFIX-cli" addr flush dev eth0
ip -n "$NS_PREFIX-cli" link set eth0 address 52:54:00:00:00:07
nsexec cli busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s /bin/true >/dev/null 2>&1
ip=$(grep -oE "ACK 198\.18\.0\.[0-9]+ to 52:54:00:00:00:07" "$L.3" | head -1 | awk '{print $2}')
ip -n "$NS_PREFIX-cli" addr add "$ip/24" dev eth0
mkdir -p "$R/52-54-00-00-00-07" && head -c 777 /dev/urandom >"$R/52-54-00-00-00-07/boot.cfg"
echo common >"$R/boot.cfg"
chmod -R a+rX "$R/52-54-00-00-00-07" "$R/boot.cfg"
rm -f "$T_DIR/got"
nsexec cli timeout 10 tftp "198.18.0.1" -m binary -c get boot.cfg "$T_DIR/got" >/dev/null 2>&1
check "a node gets its own file from the folder of its MAC ($ip)" \
	cmp -s "$R/52-54-00-00-00-07/boot.cfg" "$T_DIR/got"
get hpa ipxe.efi; check "and the common file when it has no own copy" same ipxe.efi

# Replacing an old iPXE ROM once per boot (dhcp.pools.ipxe_replace): the
# ROM's iPXE gets the binary; after fetching it over TFTP, the identical
# request from the new iPXE gets its script.
cat >"$T_DIR/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && echo "bound ip=$ip file=$boot_file"
exit 0
SCRIPT
chmod +x "$T_DIR/udhcpc.sh"
ipxe_ask() {
	nsexec cli busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s "$T_DIR/udhcpc.sh" \
		-x 93:0000 -x 77:69505845 2>/dev/null | grep '^bound'
}
head -c 70000 /dev/urandom >"$R/undionly.kpxe" && chmod a+r "$R/undionly.kpxe"
ip -n "$NS_PREFIX-cli" link set eth0 address 52:54:00:00:00:08
ip -n "$NS_PREFIX-cli" addr flush dev eth0
out=$(ipxe_ask)
check "ipxe_replace: an old iPXE ROM is handed the binary" grep -q "file=undionly.kpxe" <<<"$out"
ip8=$(sed -n 's/.*ip=\([0-9.]*\) .*/\1/p' <<<"$out")
ip -n "$NS_PREFIX-cli" addr add "$ip8/24" dev eth0
rm -f "$T_DIR/got"
nsexec cli timeout 10 tftp 198.18.0.1 -m binary -c get undionly.kpxe "$T_DIR/got" >/dev/null 2>&1
check "which it fetches over TFTP" cmp -s "$R/undionly.kpxe" "$T_DIR/got"
ip -n "$NS_PREFIX-cli" addr flush dev eth0
out=$(ipxe_ask)
check "then the same request, from the new iPXE, gets its script: no loop" \
	grep -q "file=http://198.18.0.1:8080/boot/52:54:00:00:00:08.ipxe" <<<"$out"

kill -USR1 "$RB_PID"
check "SIGUSR1 reports the TFTP counters" wait_log "$L.3" "tftp: [0-9]+ requests, [0-9]+ transfers sent"
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "rackboot stops cleanly" [ "$RB_STATUS" -eq 0 ]
t_done
