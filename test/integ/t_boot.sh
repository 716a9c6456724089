#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A real machine boots through rackboot: QEMU (emulated, BIOS) with an e1000
# NIC whose option ROM is iPXE, on a bridge in rackboot's namespace.
#  1. BIOS + iSCSI: the ROM's iPXE takes a DHCP lease, fetches its script
#     (the shipped iscsi template) over HTTP and sanboots its volume from
#     rackboot's target with CHAP and mutual CHAP; the volume's boot sector
#     prints a marker on the serial port.  rackboot's log and the node's
#     timeline show the DHCP ACK, the script and the iSCSI login.
#  6. Override: a script dropped into the override folder is what the same
#     machine runs at its next boot, with rackboot left running.
# The markers are made at run time and put together only by the machine
# (the boot sector decodes its own; iPXE joins two variables), so no copy
# of a script or a log line can pass for them.  Wall times from the
# machine's start to its marker are printed as TAP comments.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boot_lib.sh"

# in_order FILE REGEX...: FILE has a line matching each REGEX, in that order.
in_order() {
	local file=$1 line
	shift
	while IFS= read -r line; do
		[ $# -gt 0 ] && [[ $line =~ $1 ]] && shift
	done <"$file"
	[ $# -eq 0 ]
}

boot_check_tools || { not_ok "QEMU, ipxe-qemu, GNU as/ld and ra_send are installed"; t_done; exit; }
boot_net 198.18.0.1/24 || exit 1
P=iqn.2026-11.test.rackboot
MAC=52:54:00:be:00:01
MACH=52-54-00-be-00-01
IP=198.18.0.11
NONCE=$$-$RANDOM$RANDOM
mkdir -p "$T_DIR/state/volumes" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
# the volume, in place before rackboot starts, as rackboot's user's
DISK_MARK="rackboot-disk-booted-$NONCE"
boot_disk "$T_DIR/state/volumes/vm1.img" "$DISK_MARK" || { not_ok "the boot disk assembles"; t_done; exit; }
check "the volume holds its marker only encoded" \
	fails grep -qF "$DISK_MARK" "$T_DIR/state/volumes/vm1.img"
chown -R nobody: "$T_DIR/state"
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["$BOOT_BR"];
          log_level = "debug"; };
dhcp: { pools = ( { subnet = "198.18.0.0/24"; router = "198.18.0.1"; } ); };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; };
nodes = (
  { mac = "$MAC"; hostname = "vm1"; ip = "$IP"; template = "iscsi"; size = "16M"; }
);
CONF
LOG=$T_DIR/rb.log
start "$BOOT_NS" "$LOG" -c "$T_DIR/c.conf"
wait_log "$LOG" "iscsi: listening on port 3260" || { t_done; exit; }
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
nsexec "$BOOT_NS" curl -s --max-time 5 "http://127.0.0.1:8080/api/nodes/$MAC" >"$T_DIR/node.json"
jq -r '.timeline[] | "\(.event) \(.detail)"' "$T_DIR/node.json" >"$T_DIR/timeline" 2>&1
sed 's/^/# timeline: /' "$T_DIR/timeline"
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
nsexec "$BOOT_NS" curl -s --max-time 5 "http://127.0.0.1:8080/api/nodes/$MAC" |
	jq -r '.timeline[] | "\(.event) \(.detail)"' >"$T_DIR/timeline2" 2>&1
check "vm1's timeline shows the override after the first boot" in_order "$T_DIR/timeline2" \
	"^iscsi-login $P:vm1 from" "^dhcp-ack $IP" "^http-script override $MACH.ipxe"
check "rackboot is still the same process" kill -0 "$RB_PID"
t_done
