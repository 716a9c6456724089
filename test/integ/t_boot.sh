#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real machines boot through rackboot: QEMU (emulated, BIOS) with an e1000
# NIC whose option ROM is iPXE, on a bridge in rackboot's namespace.
#  1. BIOS + iSCSI: the ROM's iPXE takes a DHCP lease, fetches its script
#     (the shipped iscsi template) over HTTP and sanboots its volume from
#     rackboot's target with CHAP and mutual CHAP; the volume's boot sector
#     prints a marker on the serial port.  rackboot's log and the node's
#     timeline show the DHCP ACK, the script and the iSCSI login.
#  6. Override: a script dropped into the override folder is what the same
#     machine runs at its next boot, with rackboot left running.
#  3. Linux over HTTP: the shipped linux template boots Debian's kernel and
#     an initramfs made here with busybox, whose /init prints a marker and
#     powers the machine off.
#  5. Boot storm: eight machines start at once, each with its own MAC,
#     lease and volume; all reach their own markers, and /status and
#     /api/nodes show all eight with complete timelines.
#  2. (its BIOS half; the UEFI half is in t_boot_uefi.sh) The pool is
#     reloaded to replace the iPXE ROM: the ROM's iPXE is handed
#     undionly.kpxe over TFTP once, the iPXE that loads asks again with
#     identical requests and is handed its script, and boots its volume.
#     The boot's stages (DHCP, TFTP, DHCP again, script, iSCSI, marker)
#     are printed with their times.  Per node: a node with ipxe_replace
#     true has its ROM replaced in a pool that replaces none (before the
#     reload), and a node with false keeps its ROM in a pool that replaces
#     every other one (after it).
# The markers are made at run time and put together only by the machine
# (the boot sector decodes its own; iPXE joins two variables; the init
# script multiplies two numbers), so no copy of a script, a kernel command
# line or a log line can pass for them.  Wall times from each machine's
# start to its marker are printed as TAP comments.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boot_lib.sh"
t_plan 66


boot_check_tools || { not_ok "QEMU, ipxe-qemu, GNU as/ld and ra_send are installed"; t_done; exit; }
boot_net 198.18.0.1/24 || exit 1
P=iqn.2026-11.test.rackboot
MAC=52:54:00:be:00:01
MACH=52-54-00-be-00-01
IP=198.18.0.11
NONCE=$$-$RANDOM$RANDOM
mkdir -p "$T_DIR/state/volumes" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
# the volumes, in place before rackboot starts, as rackboot's user's:
# vm1's (scenarios 1 and 6), rp1's (2) and the storm's (5), each with a
# marker of its own
DISK_MARK="rackboot-disk-booted-$NONCE"
boot_disk "$T_DIR/state/volumes/vm1.img" "$DISK_MARK" || { not_ok "the boot disk assembles"; t_done; exit; }
check "the volume holds its marker only encoded" \
	fails grep -qF "$DISK_MARK" "$T_DIR/state/volumes/vm1.img"
RP_MAC=52:54:00:be:00:02
RP_IP=198.18.0.12
RP_MARK="rackboot-replaced-rom-booted-$NONCE"
boot_disk "$T_DIR/state/volumes/rp1.img" "$RP_MARK" || exit 1
RN_MAC=52:54:00:be:00:04
RN_IP=198.18.0.14
RN_MARK="rackboot-node-replaced-booted-$NONCE"
boot_disk "$T_DIR/state/volumes/rn1.img" "$RN_MARK" || exit 1
RK_MAC=52:54:00:be:00:05
RK_IP=198.18.0.15
RK_MARK="rackboot-node-kept-booted-$NONCE"
boot_disk "$T_DIR/state/volumes/rk1.img" "$RK_MARK" || exit 1
declare -A ST_MAC ST_IP ST_MARK
STORM=(st1 st2 st3 st4 st5 st6 st7 st8)
for ((i = 1; i <= 8; i++)); do
	ST_MAC[st$i]=52:54:00:be:01:0$i
	ST_IP[st$i]=198.18.0.$((40 + i))
	ST_MARK[st$i]="rackboot-storm-st$i-booted-$NONCE"
	boot_disk "$T_DIR/state/volumes/st$i.img" "${ST_MARK[st$i]}" || exit 1
done
chown -R nobody: "$T_DIR/state"
# lx1's kernel and initramfs (scenario 3), served from http.root
LX_MAC=52:54:00:be:00:03
LX_IP=198.18.0.13
LX_A=$((RANDOM + 1000))
LX_B=$((RANDOM + 1000))
LX_MARK="rackboot-linux-$((LX_A * LX_B))-ran-on-Linux"
KERNEL=$(boot_kernel) && cp "$KERNEL" "$T_DIR/http/vmlinuz" &&
	boot_initramfs "$T_DIR/http/initrd.img" "#!/bin/busybox sh
# /init of t_boot.sh's initramfs: PID 1 says it ran, and powers off
/bin/busybox mount -t proc proc /proc
echo \"rackboot-linux-\$(($LX_A * $LX_B))-ran-on-\$(/bin/busybox cat /proc/sys/kernel/ostype)\"
/bin/busybox poweroff -f"
check "a Linux kernel and an initramfs to boot (boot_kernel, boot_initramfs)" \
	test -s "$T_DIR/http/vmlinuz" -a -s "$T_DIR/http/initrd.img"
# scenario 2's replacement iPXE, for BIOS
cp /usr/lib/ipxe/undionly.kpxe "$T_DIR/tftp/"
chmod -R a+rX "$T_DIR/tftp" "$T_DIR/http"

# write_conf REPLACE: rackboot's configuration, its pool's ipxe_replace
# set to REPLACE; rn1's own is true and rk1's false whatever the pool's.
write_conf() {
	local m
	{
		cat <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["$BOOT_BR"];
          log_level = "debug"; };
dhcp: { pools = ( { subnet = "198.18.0.0/24"; router = "198.18.0.1"; ipxe_replace = $1; } ); };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; };
nodes = (
CONF
		for m in "${STORM[@]}"; do
			printf '  { mac = "%s"; hostname = "%s"; ip = "%s"; template = "iscsi"; size = "16M"; },\n' \
				"${ST_MAC[$m]}" "$m" "${ST_IP[$m]}"
		done
		cat <<CONF
  { mac = "$RP_MAC"; hostname = "rp1"; ip = "$RP_IP"; template = "iscsi"; size = "16M"; },
  { mac = "$RN_MAC"; hostname = "rn1"; ip = "$RN_IP"; template = "iscsi"; size = "16M";
    ipxe_replace = true; },
  { mac = "$RK_MAC"; hostname = "rk1"; ip = "$RK_IP"; template = "iscsi"; size = "16M";
    ipxe_replace = false; },
  { mac = "$LX_MAC"; hostname = "lx1"; ip = "$LX_IP"; template = "linux";
    kernel = "vmlinuz"; initrd = "initrd.img"; cmdline = "console=ttyS0 quiet panic=-1"; },
  { mac = "$MAC"; hostname = "vm1"; ip = "$IP"; template = "iscsi"; size = "16M"; }
);
CONF
	} >"$T_DIR/c.conf"
}
write_conf false
LOG=$T_DIR/rb.log
start "$BOOT_NS" "$LOG" -c "$T_DIR/c.conf"
wait_log "$LOG" "iscsi: listening on port 3260" || { not_ok "the iSCSI target listens"; exit 1; }
nsexec "$BOOT_NS" "$RACKBOOT" -c "$T_DIR/c.conf" explain "$MAC" --ipxe >"$T_DIR/explain" 2>&1
check "vm1's script asks the target to prove itself (mutual CHAP)" \
	grep -qE "^  \| set reverse-password [A-Za-z0-9]{16}$" "$T_DIR/explain"

# 1. BIOS + iSCSI
vm_start vm1 "$MAC"
check "BIOS + iPXE ROM: the machine boots its volume from rackboot's target (its marker)" \
	vm_wait_serial vm1 "$DISK_MARK" 120 \
	"No more network devices|No bootable device|sanboot of .* failed"
vm_report "scenario 1 (BIOS + iSCSI)"
vm_stop vm1
SER=${VM_LOG[vm1]}
check "... iPXE ran the iscsi template's script for vm1" \
	grep -q "rackboot: vm1 ($MAC) boots $P:vm1" "$SER"
check "rackboot logged the DHCP ACK to vm1" grep -qE "dhcp: ACK $IP to $MAC vm1 \(ipxe" "$LOG"
check "... the script it served vm1" grep -q "http: $MAC gets template iscsi" "$LOG"
check "... and vm1's iSCSI login to its target" \
	grep -qE "iscsi $IP:[0-9]+: .* logged in to $P:vm1 \(volume vm1\)" "$LOG"
check "... and refused nothing (no login, no script)" fails grep -q "refused" "$LOG"
timeline "$MAC" "$T_DIR/timeline"
check "vm1's timeline: dhcp-ack, http-script, iscsi-login, in that order" \
	in_order "$T_DIR/timeline" "^dhcp-ack $IP" "^http-script template iscsi" "^iscsi-login $P:vm1 from"

# 6. Override: a script in the override folder, rackboot still running
OV_A=rackboot-override-
OV_B=ran-$NONCE
cat >"$T_DIR/overrides/$MACH.ipxe" <<SCRIPT
#!ipxe
set a $OV_A
set b $OV_B
echo \${a}\${b}
exit
SCRIPT
chmod a+r "$T_DIR/overrides/$MACH.ipxe"
vm_start vm1 "$MAC"
check "override: the same machine runs the script from the override folder (its marker)" \
	vm_wait_serial vm1 "$OV_A$OV_B" 120
vm_report "scenario 6 (override)"
sleep 1 # time to go further, if it wrongly did
vm_stop vm1
check "... and did not boot the iSCSI volume" fails grep -q "$DISK_MARK" "${VM_LOG[vm1]}"
check "... nor log in to its target again" test "$(count_log "$LOG" "logged in to $P:vm1")" -eq 1
check "rackboot logged the override served" grep -q "http: $MAC gets the override $MACH.ipxe" "$LOG"
timeline "$MAC" "$T_DIR/timeline2" >/dev/null
check "vm1's timeline shows the override after the first boot" in_order "$T_DIR/timeline2" \
	"^iscsi-login $P:vm1 from" "^dhcp-ack $IP" "^http-script override $MACH.ipxe"
check "rackboot is still the same process" kill -0 "$RB_PID"

# 3. Linux over HTTP: lx1's template (linux) loads vmlinuz and initrd.img
vm_start lx1 "$LX_MAC"
check "Linux over HTTP: the kernel runs the initramfs's /init (its marker)" \
	vm_wait_serial lx1 "$LX_MARK" 120 \
	"No more network devices|No bootable device|loading vmlinuz failed|Kernel panic"
vm_report "scenario 3 (BIOS, Linux over HTTP)"
check "... which powered the machine off" vm_wait_exit lx1 10
vm_stop lx1
check "... iPXE ran the linux template's script for lx1" \
	grep -q "rackboot: lx1 ($LX_MAC) boots vmlinuz" "${VM_LOG[lx1]}"
timeline "$LX_MAC" "$T_DIR/timeline3"
check "lx1's timeline: dhcp-ack, its script, the kernel, the initramfs, in that order" \
	in_order "$T_DIR/timeline3" "^dhcp-ack $LX_IP" "^http-script template linux" \
	"^http-asset vmlinuz \($(stat -c %s "$T_DIR/http/vmlinuz") bytes" \
	"^http-asset initrd.img \($(stat -c %s "$T_DIR/http/initrd.img") bytes"

# 5. Boot storm: eight machines at once, each with its own MAC, lease and
# volume.  All serial consoles are polled together, so each machine's
# time is its own.
declare -A ST_T=()
ST_T0=$(date +%s.%N)
for m in "${STORM[@]}"; do
	VM_LIMIT=240 vm_start "$m" "${ST_MAC[$m]}"
done
for ((i = 0; i < 1800 && ${#ST_T[@]} < 8; i++)); do
	for m in "${STORM[@]}"; do
		[ -z "${ST_T[$m]:-}" ] && grep -qF "${ST_MARK[$m]}" "${VM_LOG[$m]}" &&
			ST_T[$m]=$(awk -v a="${VM_T0[$m]}" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	done
	sleep 0.1
done
ST_WALL=$(awk -v a="$ST_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
for m in "${STORM[@]}"; do
	if [ -n "${ST_T[$m]:-}" ]; then
		ok "storm: $m boots its own volume (its marker, ${ST_T[$m]} s after its start)"
	else
		not_ok "storm: $m boots its own volume (its marker)"
		{ tr -d '\r' <"${VM_LOG[$m]}"; echo; } | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/^/#   /' | tail -15
	fi
done
echo "# scenario 5 (boot storm): ${#ST_T[@]} of 8 markers, the last $ST_WALL s after the first machine started"
STOPS=()
for m in "${STORM[@]}"; do
	vm_stop "$m" &
	STOPS+=($!)
done
wait "${STOPS[@]}"
nsexec "$BOOT_NS" curl -s --max-time 5 -o "$T_DIR/status.html" -w '%{http_code}' \
	http://127.0.0.1:8080/status >"$T_DIR/status.code"
nsexec "$BOOT_NS" curl -s --max-time 5 http://127.0.0.1:8080/api/nodes >"$T_DIR/nodes.json"
check "storm: /status answers" grep -qx 200 "$T_DIR/status.code"
for m in "${STORM[@]}"; do
	jq -r --arg mac "${ST_MAC[$m]}" '.[] | select(.mac == $mac) | .timeline[] | "\(.event) \(.detail)"' \
		"$T_DIR/nodes.json" >"$T_DIR/timeline.$m" 2>&1
	check "storm: /status shows $m" grep -qF ">$m<" "$T_DIR/status.html"
	check "storm: /api/nodes has $m's timeline: dhcp-ack, http-script, iscsi-login" \
		in_order "$T_DIR/timeline.$m" "^dhcp-ack ${ST_IP[$m]}" "^http-script template iscsi" \
		"^iscsi-login $P:$m from ${ST_IP[$m]}" || sed "s/^/# $m: /" "$T_DIR/timeline.$m"
done
check "storm: rackboot logged eight logins, one to each target" test \
	"$(grep -oE "logged in to $P:st[1-8] " "$LOG" | sort -u | wc -l)" -eq 8
check "... and refused nothing" fails grep -q "refused" "$LOG"

# 2. (BIOS, per node) rn1's own ipxe_replace = true, in a pool that
# replaces no ROM: its ROM's iPXE is handed undionly.kpxe all the same.
vm_start rn1 "$RN_MAC"
check "node ipxe_replace = true, pool false: the machine loads undionly.kpxe, then boots (its marker)" \
	vm_wait_serial rn1 "$RN_MARK" 120 \
	"No more network devices|No bootable device|sanboot of .* failed"
vm_report "scenario 2 (BIOS, rn1's own ipxe_replace = true)"
sleep 1 # time to go further, if it wrongly did
vm_stop rn1
SER=$(tr -d '\r' <"${VM_LOG[rn1]}")
check "... the ROM's iPXE was handed undionly.kpxe, once" \
	test "$(grep -c "Filename: undionly.kpxe" <<<"$SER")" -eq 1
check "... and the iPXE it loaded its script" \
	grep -q "Filename: http://198.18.0.1:8080/boot/$RN_MAC.ipxe" <<<"$SER"
check "rackboot logged rn1's ROM as replaced" \
	grep -q "dhcp: ACK $RN_IP to $RN_MAC rn1 (ipxe-rom-replaced, arch bios)" "$LOG"
check "... and sent rn1 undionly.kpxe once" \
	test "$(count_log "$LOG" "tftp $RN_IP:[0-9]+: sent undionly.kpxe")" -eq 1

# 2. (BIOS) A pool that replaces the iPXE ROM, set by a reload: rp1's ROM
# iPXE is handed undionly.kpxe over TFTP, which loads, asks again with
# identical requests, is handed its script this time, and boots rp1's
# volume.  Only rackboot's record of the TFTP fetch tells the two apart.
write_conf true
kill -HUP "$RB_PID"
check "rackboot reloads its configuration (the pool's ipxe_replace = true)" \
	wait_log "$LOG" "configuration reloaded \(generation 2\)"
vm_start rp1 "$RP_MAC"
check "ROM replaced: the machine loads undionly.kpxe, then boots its volume (its marker)" \
	vm_wait_serial rp1 "$RP_MARK" 120 \
	"No more network devices|No bootable device|sanboot of .* failed"
vm_report "scenario 2 (BIOS, iPXE ROM replaced by undionly.kpxe)"
vm_stages rp1 "$RP_MAC" "scenario 2 stages, s after power-on"
sleep 1 # time to go further, if it wrongly did
vm_stop rp1
SER=$(tr -d '\r' <"${VM_LOG[rp1]}")
check "... the ROM's iPXE was handed undionly.kpxe" grep -q "Filename: undionly.kpxe" <<<"$SER"
check "... the iPXE it loaded was handed its script" \
	grep -q "Filename: http://198.18.0.1:8080/boot/$RP_MAC.ipxe" <<<"$SER"
check "... and no iPXE was handed undionly.kpxe twice" \
	test "$(grep -c "Filename: undionly.kpxe" <<<"$SER")" -eq 1
check "rackboot sent rp1 undionly.kpxe once" \
	test "$(count_log "$LOG" "tftp $RP_IP:[0-9]+: sent undionly.kpxe")" -eq 1
check "... and logged the ROM it replaced as such" \
	grep -q "dhcp: ACK $RP_IP to $RP_MAC rp1 (ipxe-rom-replaced, arch bios)" "$LOG"
timeline "$RP_MAC" "$T_DIR/timeline2b"
check "rp1's timeline: dhcp-ack, undionly.kpxe, dhcp-ack, script, iSCSI login" \
	in_order "$T_DIR/timeline2b" "^dhcp-ack $RP_IP file undionly.kpxe" "^tftp-done undionly.kpxe" \
	"^dhcp-ack $RP_IP file http://" "^http-script template iscsi" "^iscsi-login $P:rp1 from"

# 2. (BIOS, per node) rk1's own ipxe_replace = false, in the pool that now
# replaces every ROM: its ROM's iPXE is handed its script at once.
vm_start rk1 "$RK_MAC"
check "node ipxe_replace = false, pool true: the ROM's iPXE boots the volume itself (its marker)" \
	vm_wait_serial rk1 "$RK_MARK" 120 \
	"No more network devices|No bootable device|sanboot of .* failed"
vm_report "scenario 2 (BIOS, rk1's own ipxe_replace = false)"
vm_stop rk1
SER=$(tr -d '\r' <"${VM_LOG[rk1]}")
check "... handed its script" grep -q "Filename: http://198.18.0.1:8080/boot/$RK_MAC.ipxe" <<<"$SER"
check "... and never undionly.kpxe" fails grep -q "Filename: undionly.kpxe" <<<"$SER"
check "rackboot logged rk1's ACK as to iPXE, not a replaced ROM" \
	grep -q "dhcp: ACK $RK_IP to $RK_MAC rk1 (ipxe, arch bios)" "$LOG"
check "... and sent rk1 no file over TFTP" fails grep -qE "tftp $RK_IP:[0-9]+: sent" "$LOG"
check "rackboot is still the same process" kill -0 "$RB_PID"
t_done
