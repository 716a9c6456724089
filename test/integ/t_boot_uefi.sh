#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real UEFI machines boot through rackboot: QEMU (emulated) with OVMF as
# the firmware and a virtio-net NIC without an option ROM (romfile=), so
# that what first asks rackboot is no iPXE but the firmware's own PXE
# client (DHCP option 93 = 7, x86-64 UEFI).  rackboot hands it Debian's
# iPXE over TFTP, and iPXE asks again.  (virtio-net, because OVMF has no
# driver of its own for QEMU's e1000: without its iPXE ROM, an e1000 never
# network boots under OVMF; with it, iPXE is there from the start.)
#  2. (its UEFI half; the BIOS half is in t_boot.sh) snponly.efi, which
#     drives the NIC through the firmware's network protocol: iPXE loads,
#     takes a lease, fetches its script over HTTP (an override) and prints
#     a marker that it joins from two variables.
#  4. UEFI + Linux: after a reload that hands out ipxe.efi (the default;
#     the full iPXE), the shipped linux template boots Debian's kernel,
#     which as an EFI program finds its initramfs through initrd=<name> on
#     its command line; the initramfs's /init prints a marker it computes,
#     and powers the machine off.
#  5. UEFI + sanboot, beside 4: the iscsi template's script sanboots u5's
#     volume, a GPT disk whose EFI system partition holds systemd-boot as
#     \EFI\BOOT\BOOTX64.EFI (boot_efi_disk), which boots Linux from the
#     disk with an initramfs whose marker differs from 4's.
# Wall times from each machine's start to its marker are printed as TAP
# comments.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boot_lib.sh"
t_plan 21


if ! boot_check_tools || [ ! -e "$OVMF_DIR/OVMF_CODE.fd" ] || [ ! -e /usr/lib/ipxe/snponly.efi ]; then
	not_ok "QEMU, ipxe-qemu, ovmf, ipxe, GNU as/ld and ra_send are installed"
	t_done
	exit
fi
boot_net 198.18.0.1/24 || exit 1
P=iqn.2026-11.test.rackboot
NIC=virtio-net-pci,romfile=,bootindex=0 # OVMF's own driver and PXE client
GIVE_UP="No more network devices|EFI Internal Shell|failed: |Kernel panic"
U2_MAC=52:54:00:be:02:02
U4_MAC=52:54:00:be:02:04
U5_MAC=52:54:00:be:02:05
NONCE=$$-$RANDOM$RANDOM
mkdir -p "$T_DIR/state" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
cp /usr/lib/ipxe/ipxe.efi /usr/lib/ipxe/snponly.efi "$T_DIR/tftp/"
# u2's script (scenario 2): the marker exists only once iPXE joins it
U2_A=rackboot-uefi-pxe-
U2_B=chainloaded-$NONCE
# shellcheck disable=SC2016 # ${a}${b} are iPXE's
printf '#!ipxe\nset a %s\nset b %s\necho ${a}${b}\nexit\n' "$U2_A" "$U2_B" \
	>"$T_DIR/overrides/52-54-00-be-02-02.ipxe"
# u4's kernel and initramfs (scenario 4), served from http.root
U4_A=$((RANDOM + 1000))
U4_B=$((RANDOM + 1000))
U4_MARK="rackboot-uefi-linux-$((U4_A * U4_B))-ran-on-Linux"
KERNEL=$(boot_kernel) && cp "$KERNEL" "$T_DIR/http/vmlinuz" &&
	mkdir -p "$T_DIR/http/images" &&
	boot_initramfs "$T_DIR/http/images/initrd.img" "#!/bin/busybox sh
# /init of t_boot_uefi.sh's initramfs: PID 1 says it ran, and powers off
/bin/busybox mount -t proc proc /proc
echo \"rackboot-uefi-linux-\$(($U4_A * $U4_B))-ran-on-\$(/bin/busybox cat /proc/sys/kernel/ostype)\"
/bin/busybox poweroff -f"
check "a Linux kernel and an initramfs to boot (boot_kernel, boot_initramfs)" \
	test -s "$T_DIR/http/vmlinuz" -a -s "$T_DIR/http/images/initrd.img"
# u5's volume (scenario 5): the same kernel, an initramfs of its own
U5_MARK="rackboot-uefi-efi-disk-$((U4_A * U4_B + 1))-ran-on-Linux"
mkdir -p "$T_DIR/state/volumes"
boot_initramfs "$T_DIR/efi-initrd.img" "#!/bin/busybox sh
# /init on u5's EFI volume: PID 1 says it ran from the disk, and powers off
/bin/busybox mount -t proc proc /proc
echo \"rackboot-uefi-efi-disk-\$(($U4_A * $U4_B + 1))-ran-on-\$(/bin/busybox cat /proc/sys/kernel/ostype)\"
/bin/busybox poweroff -f" &&
	boot_efi_disk "$T_DIR/state/volumes/u5.img" "$KERNEL" "$T_DIR/efi-initrd.img" \
		"console=ttyS0 quiet panic=-1"
EFI_RC=$?
check "an EFI-bootable volume: GPT, ESP, systemd-boot, kernel, initramfs (boot_efi_disk)" \
	test "$EFI_RC" -eq 0
chmod -R a+rX "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
chown -R nobody: "$T_DIR/state"

# write_conf EFI_X64: rackboot's configuration, handing EFI_X64 to x86-64
# UEFI PXE clients.
write_conf() {
	cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["$BOOT_BR"];
          log_level = "debug"; };
dhcp: { boot = { efi_x64 = "$1"; };
        pools = ( { subnet = "198.18.0.0/24"; router = "198.18.0.1"; } ); };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; };
nodes = (
  { mac = "$U2_MAC"; hostname = "u2"; ip = "198.18.0.22"; template = "iscsi"; size = "16M"; },
  { mac = "$U4_MAC"; hostname = "u4"; ip = "198.18.0.24"; template = "linux";
    kernel = "vmlinuz"; initrd = "images/initrd.img"; cmdline = "console=ttyS0 quiet panic=-1"; },
  { mac = "$U5_MAC"; hostname = "u5"; ip = "198.18.0.25"; template = "iscsi"; size = "32M"; }
);
CONF
}
write_conf snponly.efi
LOG=$T_DIR/rb.log
start "$BOOT_NS" "$LOG" -c "$T_DIR/c.conf"
wait_log "$LOG" "iscsi: listening on port 3260" || { not_ok "the iSCSI target listens"; exit 1; }

# 2. (UEFI) no iPXE in the machine: OVMF's PXE client loads snponly.efi
VM_NIC=$NIC vm_start_uefi u2 "$U2_MAC"
check "UEFI PXE without iPXE: snponly.efi loads and runs u2's script (its marker)" \
	vm_wait_serial u2 "$U2_A$U2_B" 120 "$GIVE_UP"
vm_report "scenario 2 (UEFI PXE, no iPXE ROM, snponly.efi)"
sleep 1 # time to go further, if it wrongly did
vm_stop u2
SER=$(tr -d '\r' <"${VM_LOG[u2]}")
check "... the firmware's PXE client was handed snponly.efi" grep -q "NBP filename is snponly.efi" <<<"$SER"
check "... the iPXE it loaded drove the NIC through the firmware (SNP)" \
	grep -qE "net0: $U2_MAC using SNP" <<<"$SER"
check "... and was handed the URL of its script" \
	grep -q "Filename: http://198.18.0.1:8080/boot/$U2_MAC.ipxe" <<<"$SER"
check "rackboot logged the ACK to the PXE client, then to iPXE" in_order "$LOG" \
	"dhcp: ACK 198.18.0.22 to $U2_MAC u2 \(pxe, arch efi-x64\)" \
	"tftp 198.18.0.22:[0-9]+: sent snponly.efi" \
	"dhcp: ACK 198.18.0.22 to $U2_MAC u2 \(ipxe, arch efi-x64\)" \
	"http: $U2_MAC gets the override 52-54-00-be-02-02.ipxe"
check "... and sent snponly.efi once" test "$(count_log "$LOG" "sent snponly.efi")" -eq 1
timeline "$U2_MAC" "$T_DIR/timeline2"
check "... the firmware's size query (tsize, then error 8) is not a failed transfer" \
	fails grep -q "^tftp-failed" "$T_DIR/timeline2"
nsexec "$BOOT_NS" curl -s --max-time 5 http://127.0.0.1:8080/metrics >"$T_DIR/metrics2"
check "... but counted as an option probe" \
	grep -qE "^rackboot_tftp_option_probes_total [1-9]" "$T_DIR/metrics2"
check "u2's timeline: dhcp-ack, snponly.efi, dhcp-ack, its script" in_order "$T_DIR/timeline2" \
	"^dhcp-ack 198.18.0.22 file snponly.efi" "^tftp-done snponly.efi" \
	"^dhcp-ack 198.18.0.22 file http://" "^http-script override 52-54-00-be-02-02.ipxe"

# 4. UEFI + Linux: ipxe.efi, after a reload
write_conf ipxe.efi
kill -HUP "$RB_PID"
check "rackboot reloads its configuration (dhcp.boot.efi_x64 = ipxe.efi)" \
	wait_log "$LOG" "configuration reloaded \(generation 2\)"
VM_NIC=$NIC vm_start_uefi u4 "$U4_MAC"
VM_NIC=$NIC vm_start_uefi u5 "$U5_MAC" # scenario 5, checked after 4
check "UEFI + Linux: ipxe.efi boots the kernel, which runs the initramfs's /init (its marker)" \
	vm_wait_serial u4 "$U4_MARK" 150 "$GIVE_UP"
vm_report "scenario 4 (UEFI, ipxe.efi, Linux over HTTP)"
check "... which powered the machine off" vm_wait_exit u4 10
vm_stop u4
SER=$(tr -d '\r' <"${VM_LOG[u4]}")
check "... the firmware's PXE client was handed ipxe.efi" grep -q "NBP filename is ipxe.efi" <<<"$SER"
check "... iPXE ran the linux template's script for u4" \
	grep -q "rackboot: u4 ($U4_MAC) boots vmlinuz" <<<"$SER"
timeline "$U4_MAC" "$T_DIR/timeline4"
check "u4's timeline: ipxe.efi, its script, the kernel, the initramfs, in that order" \
	in_order "$T_DIR/timeline4" "^dhcp-ack 198.18.0.24 file ipxe.efi" "^tftp-done ipxe.efi" \
	"^dhcp-ack 198.18.0.24 file http://" "^http-script template linux" \
	"^http-asset vmlinuz \($(stat -c %s "$T_DIR/http/vmlinuz") bytes" \
	"^http-asset images/initrd.img \($(stat -c %s "$T_DIR/http/images/initrd.img") bytes"

# 5. UEFI + sanboot (started with 4)
check "UEFI + sanboot: ipxe.efi sanboots u5's volume; systemd-boot boots Linux from it (its marker)" \
	vm_wait_serial u5 "$U5_MARK" 150 "$GIVE_UP"
vm_stages u5 "$U5_MAC" "scenario 5 (UEFI, ipxe.efi, sanboot)"
vm_stop u5
check "... iPXE ran the iscsi template's script for u5 and logged in to its target" \
	eval 'grep -q "rackboot: u5 ($U5_MAC) boots $P:u5" "${VM_LOG[u5]}" &&
		grep -qE "iscsi 198.18.0.25:[0-9]+: .* logged in to $P:u5" "$LOG"'
check "rackboot refused nothing" fails grep -q "refused" "$LOG"
check "rackboot is still the same process" kill -0 "$RB_PID"
t_done
