#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real machines boot through rackboot in proxy mode (dhcp.mode = "proxy"),
# beside a DHCP server that hands out addresses only (dnsmasq: no boot
# file, no PXE options), under QEMU (TCG), in two arrangements:
#  A. the DHCP server on a host of its own (namespace dhcpd, on the bridge);
#  B. the DHCP server on rackboot's own host (dnsmasq in the rack namespace,
#     on the same bridge, both bound to port 67).
# In each, two or three machines start at once:
#  - A1 BIOS + the NIC's iPXE ROM: sanboots its volume (iscsi template);
#  - A2 UEFI (OVMF's own PXE client, no iPXE ROM): loads ipxe.efi over
#    TFTP, and that iPXE boots Linux over HTTP (linux template);
#  - C1 BIOS + iPXE ROM with ipxe_replace: the ROM is handed undionly.kpxe
#    once, and the iPXE that loads gets its script and sanboots its volume.
#    Its node has no ip (only http.allow lets it fetch its script), so only
#    the kernel's neighbour entry can tell rackboot, which leases nothing
#    here, that the second request is the chainloaded iPXE's;
#  - B1 BIOS + iPXE ROM: boots Linux over HTTP;
#  - B2 UEFI PXE chainloading ipxe.efi: sanboots its volume, a GPT disk
#    whose EFI system partition holds systemd-boot as \EFI\BOOT\BOOTX64.EFI
#    (what iPXE's sanboot starts on UEFI), which boots Linux from that disk.
# Each machine's address comes from dnsmasq; its boot information from
# rackboot's proxy offer only (iPXE merges the two, dhcp_request_rx()).
# dhclient and dhcp_probe (t_dhcp_modes.sh) do not apply iPXE's rules for
# a proxy offer, so only firmware can show that a proxy offer works.
# Markers are made at run time as in t_boot.sh; wall times are printed as
# TAP comments.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/boot_lib.sh"
t_plan 27

DNSMASQ=${DNSMASQ:-/usr/sbin/dnsmasq}
if ! boot_check_tools || [ ! -e "$OVMF_DIR/OVMF_CODE.fd" ] || [ ! -e /usr/lib/ipxe/ipxe.efi ] ||
	[ ! -e /usr/lib/ipxe/undionly.kpxe ] || [ ! -x "$DNSMASQ" ]; then
	not_ok "QEMU, ipxe-qemu, ovmf, ipxe, dnsmasq, GNU as/ld and ra_send are installed"
	t_done
	exit
fi
boot_net 198.18.0.1/24 || exit 1
P=iqn.2026-11.test.rackboot
UEFI_NIC=virtio-net-pci,romfile=,bootindex=0 # OVMF's own driver and PXE client
GIVE_UP="No more network devices|No bootable device|Nothing to boot|EFI Internal Shell|failed: |Kernel panic"
NONCE=$$-$RANDOM$RANDOM
declare -A MAC=([a1]=52:54:00:be:03:01 [a2]=52:54:00:be:03:02 [b1]=52:54:00:be:03:03
	[b2]=52:54:00:be:03:04 [c1]=52:54:00:be:03:05)
declare -A IP=([a1]=198.18.0.31 [a2]=198.18.0.32 [b1]=198.18.0.33 [b2]=198.18.0.34
	[c1]=198.18.0.35)
mkdir -p "$T_DIR/state/volumes" "$T_DIR/tftp" "$T_DIR/http/images" "$T_DIR/overrides"
DISK_MARK="rackboot-proxy-disk-booted-$NONCE"
C_MARK="rackboot-proxy-chainloaded-disk-booted-$NONCE"
{ boot_disk "$T_DIR/state/volumes/a1.img" "$DISK_MARK" &&
	boot_disk "$T_DIR/state/volumes/c1.img" "$C_MARK"; } ||
	{ not_ok "the boot disks assemble"; t_done; exit; }
LX_A=$((RANDOM + 1000))
LX_B=$((RANDOM + 1000))
LX_MARK="rackboot-proxy-linux-$((LX_A * LX_B))-ran-on-Linux"
KERNEL=$(boot_kernel) && cp "$KERNEL" "$T_DIR/http/vmlinuz" &&
	boot_initramfs "$T_DIR/http/images/initrd.img" "#!/bin/busybox sh
# /init of t_boot_proxy.sh's initramfs: PID 1 says it ran, and powers off
/bin/busybox mount -t proc proc /proc
echo \"rackboot-proxy-linux-\$(($LX_A * $LX_B))-ran-on-\$(/bin/busybox cat /proc/sys/kernel/ostype)\"
/bin/busybox poweroff -f"
check "a Linux kernel and an initramfs to boot (boot_kernel, boot_initramfs)" \
	test -s "$T_DIR/http/vmlinuz" -a -s "$T_DIR/http/images/initrd.img"
# b2's volume: the same kernel with an initramfs of its own, whose marker
# (computed at run time, so not on the disk as text) only a boot from the
# disk prints.
EFI_MARK="rackboot-proxy-efi-disk-$((LX_A * LX_B + 1))-ran-on-Linux"
boot_initramfs "$T_DIR/efi-initrd.img" "#!/bin/busybox sh
# /init on b2's EFI volume: PID 1 says it ran from the disk, and powers off
/bin/busybox mount -t proc proc /proc
echo \"rackboot-proxy-efi-disk-\$(($LX_A * $LX_B + 1))-ran-on-\$(/bin/busybox cat /proc/sys/kernel/ostype)\"
/bin/busybox poweroff -f" &&
	boot_efi_disk "$T_DIR/state/volumes/b2.img" "$KERNEL" "$T_DIR/efi-initrd.img" \
		"console=ttyS0 quiet panic=-1"
EFI_RC=$?
check "an EFI-bootable volume: GPT, ESP, systemd-boot, kernel, initramfs (boot_efi_disk)" \
	test "$EFI_RC" -eq 0
chown -R nobody: "$T_DIR/state"
cp /usr/lib/ipxe/ipxe.efi /usr/lib/ipxe/undionly.kpxe "$T_DIR/tftp/"
chmod -R a+rX "$T_DIR/tftp" "$T_DIR/http"

linux_node() {
	printf '  { mac = "%s"; hostname = "%s"; ip = "%s"; template = "linux"; kernel = "vmlinuz";
    initrd = "images/initrd.img"; cmdline = "console=ttyS0 quiet panic=-1"; },\n' \
		"${MAC[$1]}" "$1" "${IP[$1]}"
}
{
	cat <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["$BOOT_BR"];
          log_level = "debug"; };
dhcp: { mode = "proxy"; boot = { efi_x64 = "ipxe.efi"; };
        pools = ( { subnet = "198.18.0.0/24"; } ); };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; allow = ["${IP[c1]}/32"]; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/overrides"; };
iscsi: { iqn_prefix = "$P"; };
nodes = (
CONF
	linux_node a2
	linux_node b1
	printf '  { mac = "%s"; hostname = "b2"; ip = "%s"; template = "iscsi"; size = "32M"; },\n' \
		"${MAC[b2]}" "${IP[b2]}"
	# no ip: rackboot cannot know c1's address but from the kernel
	printf '  { mac = "%s"; hostname = "c1"; template = "iscsi"; size = "16M"; ipxe_replace = true; },\n' \
		"${MAC[c1]}"
	printf '  { mac = "%s"; hostname = "a1"; ip = "%s"; template = "iscsi"; size = "16M"; }\n);\n' \
		"${MAC[a1]}" "${IP[a1]}"
} >"$T_DIR/c.conf"

# dnsmasq NS IFACE NAME: dnsmasq in namespace NS on IFACE, addresses only
# (each machine's from a dhcp-host line, so rackboot's node ip matches);
# sets DM_PID.
dnsmasq_start() {
	local m hosts=()
	for m in "${!MAC[@]}"; do hosts+=("--dhcp-host=${MAC[$m]},${IP[$m]}"); done
	ip netns exec "$NS_PREFIX-$1" "$DNSMASQ" -d -k --port=0 -i "$2" --bind-interfaces --no-ping \
		--dhcp-range=198.18.0.100,198.18.0.199,1h --dhcp-leasefile="$T_DIR/$3.leases" \
		--pid-file="$T_DIR/$3.pid" --log-dhcp "${hosts[@]}" >"$T_DIR/$3.log" 2>&1 &
	DM_PID=$!
	T_PIDS+=("$DM_PID")
	wait_log "$T_DIR/$3.log" "DHCP, IP range" 10 >/dev/null
}

# desc MARK: what a machine showing MARK did.
desc() {
	case $1 in
	"$LX_MARK") echo "boots Linux over HTTP" ;;
	"$EFI_MARK") echo "sanboots its volume: systemd-boot, then Linux from the disk" ;;
	*) echo "sanboots its volume" ;;
	esac
}

# boot_pair ARR BIOS_VM BIOS_MARK UEFI_VM UEFI_MARK: start a BIOS machine
# (iPXE ROM) and a UEFI machine (OVMF PXE) at once and wait for both
# markers.
boot_pair() {
	local arr=$1 bios=$2 bmark=$3 uefi=$4 umark=$5
	vm_start "$bios" "${MAC[$bios]}"
	VM_NIC=$UEFI_NIC vm_start_uefi "$uefi" "${MAC[$uefi]}"
	check "$arr: BIOS + iPXE ROM ($bios) $(desc "$bmark") (its marker)" \
		vm_wait_serial "$bios" "$bmark" 150 "$GIVE_UP"
	vm_report "$arr $bios (BIOS, iPXE ROM)"
	check "$arr: UEFI PXE ($uefi) loads ipxe.efi, which $(desc "$umark") (its marker)" \
		vm_wait_serial "$uefi" "$umark" 200 "$GIVE_UP"
	vm_report "$arr $uefi (UEFI PXE, ipxe.efi)"
	sleep 1
	vm_stop "$bios" &
	local stop=$!
	vm_stop "$uefi"
	wait "$stop"
	local b u
	b=$(tr -d '\r' <"${VM_LOG[$bios]}")
	u=$(tr -d '\r' <"${VM_LOG[$uefi]}")
	check "$arr: $bios's iPXE took dnsmasq's address and rackboot's next-server and URL" \
		eval 'grep -q "${IP[$bios]}" <<<"$b" && grep -q "Next server: 198.18.0.1" <<<"$b" &&
			grep -q "Filename: http://198.18.0.1:8080/boot/${MAC[$bios]}.ipxe" <<<"$b"'
	check "$arr: $uefi's firmware was handed ipxe.efi by the proxy offer" \
		grep -q "NBP filename is ipxe.efi" <<<"$u"
	check "$arr: ... and the ipxe.efi it ran was handed its script's URL" \
		grep -q "Filename: http://198.18.0.1:8080/boot/${MAC[$uefi]}.ipxe" <<<"$u"
	check "$arr: dnsmasq leased both machines their addresses" \
		eval 'grep -q "DHCPACK.* ${IP[$bios]} ${MAC[$bios]}" "$T_DIR/$arr.log" &&
			grep -q "DHCPACK.* ${IP[$uefi]} ${MAC[$uefi]}" "$T_DIR/$arr.log"'
}

LOG=$T_DIR/rb.log
start "$BOOT_NS" "$LOG" -c "$T_DIR/c.conf"
wait_log "$LOG" "iscsi: listening on port 3260" || exit 1

# A. dnsmasq on a host of its own, on the same bridge
netns dhcpd || exit 1
link dhcpd lan0 "$BOOT_NS" p-dhcpd
nsexec "$BOOT_NS" ip link set p-dhcpd master "$BOOT_BR"
ip -n "$NS_PREFIX-dhcpd" addr add 198.18.0.2/24 dev lan0
dnsmasq_start dhcpd lan0 A
check "A: dnsmasq (addresses only) runs on its own host" kill -0 "$DM_PID"
T0=$(date +%s)
# c1 starts with the pair and is checked after it (its boot is short)
vm_start c1 "${MAC[c1]}"
boot_pair A a1 "$DISK_MARK" a2 "$LX_MARK"
check "A: a1 ran the iscsi template's script and logged in to its target" \
	eval 'grep -q "rackboot: a1 (${MAC[a1]}) boots $P:a1" "${VM_LOG[a1]}" &&
		grep -qE "iscsi ${IP[a1]}:[0-9]+: .* logged in to $P:a1" "$LOG"'
check "A: c1's ROM is handed undionly.kpxe, whose iPXE gets its script and sanboots (its marker)" \
	vm_wait_serial c1 "$C_MARK" 150 "$GIVE_UP"
vm_stages c1 "${MAC[c1]}" "A c1 (BIOS, iPXE ROM replaced)"
vm_stop c1
C=$(tr -d '\r' <"${VM_LOG[c1]}")
check "A: c1's ROM was handed undionly.kpxe once, and the iPXE it loaded its script's URL" \
	eval 'test "$(grep -c "Filename: undionly.kpxe" <<<"$C")" -eq 1 &&
		grep -q "Filename: http://198.18.0.1:8080/boot/${MAC[c1]}.ipxe" <<<"$C"'
check "A: rackboot sent c1 undionly.kpxe once" \
	test "$(grep -cE "tftp ${IP[c1]}:[0-9]+: sent undionly.kpxe" "$LOG")" -eq 1
check "A: ... and knew c1's MAC from the kernel's neighbour table (no lease, no node ip)" \
	grep -q "dhcp: ${MAC[c1]} (${IP[c1]}, by the neighbour table) fetched an iPXE binary" "$LOG"
check "A: c1 ran the iscsi template's script and logged in to its target" \
	eval 'grep -q "rackboot: c1 (${MAC[c1]}) boots $P:c1" "${VM_LOG[c1]}" &&
		grep -qE "iscsi ${IP[c1]}:[0-9]+: .* logged in to $P:c1" "$LOG"'
kill -TERM "$DM_PID"
wait_exit "$DM_PID" 5
echo "# arrangement A: $(($(date +%s) - T0)) s for three machines"

# B. dnsmasq on rackboot's host: both hold UDP port 67 (dnsmasq bound to
# the bridge with --bind-interfaces, rackboot to every address, both with
# SO_REUSEADDR); a broadcast DISCOVER reaches both.
dnsmasq_start "$BOOT_NS" "$BOOT_BR" B
check "B: dnsmasq starts beside rackboot on the same host and port 67" kill -0 "$DM_PID"
nsexec "$BOOT_NS" ss -ulpn 'sport = :67' | sed 's/^/# /'
T0=$(date +%s)
boot_pair B b1 "$LX_MARK" b2 "$EFI_MARK"
check "B: b2's ipxe.efi ran the iscsi template's script and logged in to its target" \
	eval 'grep -q "rackboot: b2 (${MAC[b2]}) boots $P:b2" "${VM_LOG[b2]}" &&
		grep -qE "iscsi ${IP[b2]}:[0-9]+: .* logged in to $P:b2" "$LOG"'
echo "# arrangement B: $(($(date +%s) - T0)) s for two machines"
kill -TERM "$DM_PID"
wait_exit "$DM_PID" 5

for m in a1 a2 b1 b2 c1; do
	timeline "${MAC[$m]}" "$T_DIR/timeline.$m" >/dev/null
done
check "timelines: each machine's proxy offer named its boot file, then its script was served" \
	eval 'in_order "$T_DIR/timeline.a2" "^dhcp-offer +file ipxe.efi" "^tftp-done ipxe.efi" \
			"^dhcp-offer +file http://" "^http-script template linux" &&
		in_order "$T_DIR/timeline.b2" "^dhcp-offer +file ipxe.efi" "^tftp-done ipxe.efi" \
			"^dhcp-offer +file http://" "^http-script template iscsi" "^iscsi-login $P:b2" &&
		in_order "$T_DIR/timeline.c1" "^dhcp-offer +file undionly.kpxe" \
			"^dhcp-offer +file http://" "^http-script template iscsi" "^iscsi-login $P:c1" &&
		in_order "$T_DIR/timeline.a1" "^dhcp-offer +file http://" "^http-script template iscsi" \
			"^iscsi-login $P:a1" &&
		in_order "$T_DIR/timeline.b1" "^dhcp-offer +file http://" "^http-script template linux"'
check "rackboot leased no address (its journal is empty)" \
	[ "$(stat -c %s "$T_DIR/state/leases.journal")" -eq 16 ]
check "rackboot refused nothing" fails grep -q "refused" "$LOG"
check "rackboot is still the same process" kill -0 "$RB_PID"
t_done
