# SPDX-License-Identifier: MIT
# Whole-machine boots under QEMU, for t_boot.sh and the demo; sourced after
# lib.sh, whose EXIT trap (t_cleanup) removes what this creates (the demo:
# see below).
#
# The rack is one namespace holding a bridge (br0) with rackboot's address,
# rackboot serving br0, and one tap device per virtual machine enslaved to
# the bridge.  QEMU runs inside that namespace (ip netns exec) on its tap,
# never on QEMU's user-mode network, so every packet the machine sends goes
# through rackboot's real DHCP, HTTP and iSCSI servers.  The machine's NIC
# is an e1000 whose option ROM is the iPXE of the ipxe-qemu package.  It is
# emulated (TCG): the nested /dev/kvm here cannot run iPXE.
#
# Each machine's serial port goes to a file; SeaBIOS and iPXE write their
# console there because the machine has no display (-nographic -vga none).
# Every wait is bounded, and every machine runs under timeout(1) besides.
#
# Functions: boot_check_tools, boot_net, boot_disk, boot_efi_disk, boot_kernel,
# boot_initramfs, vm_start, vm_start_uefi, vm_wait_serial, vm_wait_exit,
# vm_report, vm_stages, vm_stop; they work under set -e too.  BOOT_NS names the
# namespace as lib.sh's netns does (default "rack").  scripts/demo.sh uses
# them without lib.sh: it sets RACKBOOT, T_DIR, T_PIDS, NS_PREFIX and BOOT_NS
# itself and makes the namespace and its bridge (without boot_net).

BOOT_NS=${BOOT_NS:-rack}
BOOT_BR=br0
QEMU=${QEMU:-qemu-system-x86_64}
RA_SEND=${RA_SEND:-${RACKBOOT%/rackboot}/test/ra_send}
VM_LIMIT=${VM_LIMIT:-120} # seconds any one machine may run
OVMF_DIR=${OVMF_DIR:-/usr/share/OVMF}
BOOT_SECTOR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bootsect.s
declare -gA VM_PID VM_RA VM_TAP VM_LOG VM_T0
VM_N=0
VM_ELAPSED=

# boot_check_tools: true when QEMU, the iPXE ROM, GNU as/ld and ra_send are
# all there; otherwise says what is missing on stderr.
boot_check_tools() {
	local c missing=()
	for c in "$QEMU" as ld; do
		command -v "$c" >/dev/null || missing+=("$c")
	done
	[ -e /usr/lib/ipxe/qemu/efi-e1000.rom ] || [ -e /usr/share/qemu/efi-e1000.rom ] ||
		missing+=("efi-e1000.rom (ipxe-qemu)")
	[ -x "$RA_SEND" ] || missing+=("$RA_SEND (make unit)")
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "# boot: missing ${missing[*]}" >&2
	return 1
}

# boot_net ADDR/LEN: the rack namespace with bridge br0 holding ADDR/LEN,
# up.  Duplicate address detection is off on the bridge so that its IPv6
# link-local address, the source of ra_send's advertisements, is usable
# at once.
boot_net() {
	netns "$BOOT_NS" || return 1
	nsexec "$BOOT_NS" sysctl -qw net.ipv6.conf.default.accept_dad=0 || return 1
	ip -n "$NS_PREFIX-$BOOT_NS" link add "$BOOT_BR" type bridge forward_delay 0 || return 1
	ip -n "$NS_PREFIX-$BOOT_NS" addr add "$1" dev "$BOOT_BR" || return 1
	ip -n "$NS_PREFIX-$BOOT_NS" link set "$BOOT_BR" up
}

# boot_disk IMAGE MARKER: a 16 MiB raw disk whose boot sector
# (test/integ/bootsect.s) prints MARKER (ASCII, up to some 300 bytes) on
# COM1 and halts.  MARKER is stored XOR-ed with 0x5a, so the image does not
# hold it as text.
boot_disk() {
	local img=$1 marker=$2 d i
	d=$(mktemp -d "$T_DIR/bootsect.XXXXXX") || return 1
	{
		printf 'marker:\n\t.byte '
		for ((i = 0; i < ${#marker}; i++)); do
			printf '0x%02x,' $(($(printf '%d' "'${marker:i:1}") ^ 0x5a))
		done
		printf '0x5a\n'
	} >"$d/marker.s"
	as --32 -I "$d" -o "$d/b.o" "$BOOT_SECTOR" &&
		ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$d/b.bin" "$d/b.o" || return 1
	[ "$(stat -c %s "$d/b.bin")" -eq 512 ] || { echo "# boot sector is not 512 bytes" >&2; return 1; }
	rm -f "$img"
	truncate -s 16M "$img" && dd if="$d/b.bin" of="$img" conv=notrunc status=none
}

# boot_efi_disk IMAGE KERNEL INITRD CMDLINE: a 32 MiB raw disk that UEFI
# boots: a GPT with one EFI system partition (FAT, made with mtools, never
# mounted) holding systemd-boot (systemd-boot-efi) as the removable-media
# path \EFI\BOOT\BOOTX64.EFI, which is the file iPXE's sanboot starts on
# UEFI (efi_block_boot()), and one loader entry, booted at once, for KERNEL
# and INITRD with the command line CMDLINE.
boot_efi_disk() {
	local img=$1 kernel=$2 initrd=$3 cmdline=$4 d esp
	local sdboot=${SDBOOT:-/usr/lib/systemd/boot/efi/systemd-bootx64.efi}
	[ -e "$sdboot" ] || { echo "# boot: no $sdboot (systemd-boot-efi)" >&2; return 1; }
	command -v mformat >/dev/null || { echo "# boot: no mformat (mtools)" >&2; return 1; }
	d=$(mktemp -d "$T_DIR/efidisk.XXXXXX") || return 1
	esp=$d/esp.img
	# 30 MiB from sector 2048: the backup GPT keeps the disk's last 33.
	truncate -s 30M "$esp" && mformat -i "$esp" -T 61440 -h 64 -s 32 -v RBTEST :: &&
		mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries &&
		mcopy -i "$esp" "$sdboot" ::/EFI/BOOT/BOOTX64.EFI &&
		mcopy -i "$esp" "$kernel" ::/vmlinuz && mcopy -i "$esp" "$initrd" ::/initrd.img || return 1
	printf 'default rbt.conf\ntimeout 0\n' >"$d/loader.conf"
	printf 'title rackboot test\nlinux /vmlinuz\ninitrd /initrd.img\noptions %s\n' \
		"$cmdline" >"$d/rbt.conf"
	mcopy -i "$esp" "$d/loader.conf" ::/loader/loader.conf &&
		mcopy -i "$esp" "$d/rbt.conf" ::/loader/entries/rbt.conf || return 1
	rm -f "$img"
	truncate -s 32M "$img" &&
		printf 'label: gpt\nstart=2048, size=61440, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' |
		sfdisk --quiet "$img" && dd if="$esp" of="$img" bs=1M seek=1 conv=notrunc status=none
}

# boot_kernel: print the path of a Linux kernel to boot over HTTP: the
# bzImage (an EFI application too) of Debian's current linux-image-*-amd64,
# the package named by linux-image-amd64.  It is fetched with apt-get
# download (some 70 MB) and extracted with dpkg-deb, never installed, into
# BOOT_CACHE (default /var/cache/rackboot-test), where later runs find it;
# offline, the newest kernel already there will do.
boot_kernel() {
	local cache=${BOOT_CACHE:-/var/cache/rackboot-test} pkg d k
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
	k=$cache/vmlinuz-${pkg#linux-image-}
	if [ -n "$pkg" ] && [ ! -s "$k" ]; then
		mkdir -p "$cache" || return 1
		d=$(mktemp -d "$cache/fetch.XXXXXX") || return 1
		# (apt warns that its _apt user cannot write there: harmless)
		(cd "$d" && apt-get download "$pkg" >/dev/null 2>&1) &&
			dpkg-deb --fsys-tarfile "$d"/*.deb | tar -x -C "$d" ./boot &&
			mv "$d"/boot/vmlinuz-* "$k"
		rm -rf "$d"
	fi
	[ -s "$k" ] || k=$(ls -t "$cache"/vmlinuz-* 2>/dev/null | head -1)
	[ -s "$k" ] && echo "$k" && return 0
	echo "# boot: no kernel (apt-get download ${pkg:-linux-image-*-amd64} failed)" >&2
	return 1
}

# boot_initramfs FILE INIT: a gzip-compressed cpio archive (newc, made with
# busybox cpio) holding the system's busybox, the libraries it is linked
# with, /dev/console, and INIT (the text of a busybox sh script) as /init.
boot_initramfs() {
	local out=$1 init=$2 d lib
	d=$(mktemp -d "$T_DIR/initramfs.XXXXXX") && chmod 755 "$d" || return 1
	mkdir -p "$d/bin" "$d/dev" "$d/proc" "$d/sys" || return 1
	cp /bin/busybox "$d/bin/" || return 1
	for lib in $(ldd /bin/busybox | grep -o '/[^ ]*'); do
		cp -L --parents "$lib" "$d" || return 1
	done
	mknod "$d/dev/console" c 5 1 || return 1
	printf '%s\n' "$init" >"$d/init" && chmod 755 "$d/init" || return 1
	(cd "$d" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) >"$out"
}

# vm_start NAME MAC [QEMU ARGS...]: boot a machine NAME with one NIC of
# address MAC on a new tap in the bridge, network boot first, its serial
# console in the file ${VM_LOG[NAME]} (a new one for each start).  The NIC
# is QEMU's -device VM_NIC: by default an e1000 with ipxe-qemu's iPXE ROM;
# VM_NIC=virtio-net-pci,romfile= vm_start ... gives one without a ROM.
# ra_send tells its iPXE there is no IPv6 router (which saves some 15 s of
# waiting per boot) for as long as the machine may run.
vm_start() {
	local name=$1 mac=$2 tap ns="$NS_PREFIX-$BOOT_NS"
	shift 2
	VM_N=$((VM_N + 1))
	tap=tap$VM_N
	ip -n "$ns" tuntap add dev "$tap" mode tap || return 1
	ip -n "$ns" link set "$tap" master "$BOOT_BR" up || return 1
	VM_TAP[$name]=$tap
	VM_LOG[$name]=$T_DIR/$name.$VM_N.serial
	: >"${VM_LOG[$name]}"
	# ip netns exec directly, not nsexec: $! must be the pid that becomes
	# timeout(1), which passes SIGTERM on to what it runs.
	ip netns exec "$ns" timeout "$VM_LIMIT" "$RA_SEND" "$BOOT_BR" "$VM_LIMIT" \
		>"$T_DIR/$name.$VM_N.ra" 2>&1 &
	VM_RA[$name]=$!
	T_PIDS+=("$!")
	VM_T0[$name]=$(date +%s.%N)
	ip netns exec "$ns" timeout "$VM_LIMIT" "$QEMU" -accel tcg -m 256 \
		-nographic -vga none -monitor none -serial "file:${VM_LOG[$name]}" \
		-no-reboot -boot order=n \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "${VM_NIC:-e1000},netdev=n0,mac=$mac" "$@" \
		</dev/null >"$T_DIR/$name.$VM_N.qemu" 2>&1 &
	VM_PID[$name]=$!
	T_PIDS+=("$!")
}

# vm_start_uefi NAME MAC [QEMU ARGS...]: vm_start with OVMF as the
# firmware (UEFI), with a fresh copy of its variable store for this start.
vm_start_uefi() {
	local vars=$T_DIR/$1.$((VM_N + 1)).vars.fd
	cp "$OVMF_DIR/OVMF_VARS.fd" "$vars" || return 1
	vm_start "$@" -drive "if=pflash,format=raw,readonly=on,file=$OVMF_DIR/OVMF_CODE.fd" \
		-drive "if=pflash,format=raw,file=$vars"
}

# vm_wait_serial NAME PATTERN [SECONDS [GIVE-UP]]: wait until NAME's serial
# console has a line matching the extended regex PATTERN (default 60 s);
# sets VM_ELAPSED to the seconds since vm_start.  Fails early when the
# machine has stopped, or when a line matches the regex GIVE-UP (default:
# iPXE or the BIOS saying there is nothing left to boot).  On failure the
# console is shown as TAP comments.
vm_wait_serial() {
	local name=$1 pat=$2 limit=${3:-60} log=${VM_LOG[$1]} i alive=1
	local give_up=${4:-'No more network devices|No bootable device'}
	VM_ELAPSED=
	for ((i = 0; i < limit * 10; i++)); do
		if tr -d '\r' <"$log" | grep -qE -- "$pat"; then
			VM_ELAPSED=$(awk -v a="${VM_T0[$name]}" -v b="$(date +%s.%N)" \
				'BEGIN { printf "%.1f", b - a }')
			return 0
		fi
		[ "$alive" -eq 0 ] && break
		# one more look after it stopped or gave up
		vm_alive "$name" || alive=0
		tr -d '\r' <"$log" | grep -qE -- "$give_up" && alive=0
		sleep 0.1
	done
	echo "# $name: no /$pat/ on its serial console after ${i}00 ms; it shows:" >&2
	# (echo: the console's last line has no newline of its own)
	{ tr -d '\r' <"$log"; echo; } | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/^/#   /' | tail -40 >&2
	sed 's/^/#   qemu: /' "${VM_LOG[$name]%.serial}.qemu" >&2
	return 1
}

# vm_alive NAME: true while NAME's QEMU runs; a zombie that no one has
# waited for yet, which kill -0 would still find, counts as stopped.
vm_alive() {
	local st
	read -r _ _ st _ 2>/dev/null <"/proc/${VM_PID[$1]}/stat" && [ "$st" != Z ]
}

# vm_wait_exit NAME [SECONDS]: true when NAME's QEMU exits (the machine
# powered itself off) within SECONDS (default 10).
vm_wait_exit() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		vm_alive "$1" || return 0
		sleep 0.1
	done
	return 1
}

# vm_report LABEL: the wall time of the last vm_wait_serial, as a TAP comment.
vm_report() {
	if [ -n "$VM_ELAPSED" ]; then
		echo "# $1: marker on the serial console $VM_ELAPSED s after the machine started"
	else
		echo "# $1: no marker"
	fi
}

# vm_stages NAME MAC LABEL: the stages of NAME's last boot as TAP comments,
# in seconds after its vm_start: every event of MAC's timeline since then
# (/api/nodes: DHCP, TFTP, the script, iSCSI; rackboot's clock is the
# host's, as vm_start's is), then the marker of the last vm_wait_serial.
vm_stages() {
	local t0
	t0=$(awk -v t="${VM_T0[$1]}" 'BEGIN { printf "%.0f", t * 1000 }')
	nsexec "$BOOT_NS" curl -s --max-time 5 "http://127.0.0.1:8080/api/nodes/$2" |
		jq -r --argjson t0 "$t0" '.timeline[] | select(.at >= $t0) | "\(.at - $t0) \(.event) \(.detail)"' |
		awk -v l="$3" '{ t = $1; $1 = ""; printf "# %s: %6.2f s%s\n", l, t / 1000, $0 }'
	if [ -n "$VM_ELAPSED" ]; then
		printf '# %s: %6.1f s marker on the serial console\n' "$3" "$VM_ELAPSED"
	fi
}

# vm_stop NAME: power the machine off (SIGTERM to QEMU, SIGKILL after 5 s),
# stop its ra_send and remove its tap.
vm_stop() {
	local name=$1 p i
	for p in "${VM_PID[$name]:-}" "${VM_RA[$name]:-}"; do
		[ -n "$p" ] || continue
		kill -TERM "$p" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	VM_PID[$name]=
	VM_RA[$name]=
	if [ -n "${VM_TAP[$name]:-}" ]; then
		ip -n "$NS_PREFIX-$BOOT_NS" link del "${VM_TAP[$name]}" 2>/dev/null || true
	fi
	VM_TAP[$name]=
}

# in_order FILE REGEX...: FILE has a line matching each REGEX, in that order.
in_order() {
	local file=$1 line
	shift
	while IFS= read -r line; do
		[ $# -gt 0 ] && [[ $line =~ $1 ]] && shift
	done <"$file"
	[ $# -eq 0 ]
}

# timeline MAC FILE: MAC's timeline from /api/nodes, "event detail" a line,
# into FILE and, as TAP comments, onto the output.
timeline() {
	nsexec "$BOOT_NS" curl -s --max-time 5 "http://127.0.0.1:8080/api/nodes/$1" |
		jq -r '.timeline[] | "\(.event) \(.detail)"' >"$2" 2>&1
	sed 's/^/# timeline: /' "$2"
}
