#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo, non-interactively: it runs, shows rackboot serving, boots a
# virtual machine through it, stops it and removes its namespaces.
. "$(dirname "$0")/lib.sh"
t_plan 20

DEMO_SECONDS=1 timeout 120 scripts/demo.sh </dev/null >"$T_DIR/out" 2>&1
check "the demo exits 0" [ $? -eq 0 ]
check "rackboot started in it" grep -q "rackboot 0.1.0 started with configuration" "$T_DIR/out"
check "the machine got node01's address and the UEFI iPXE binary" \
	grep -q "machine got: ip=10.0.0.11 router=10.0.0.1 next-server=10.0.0.1 boot file=ipxe.efi" "$T_DIR/out"
check "and, as iPXE, the URL of its script" \
	grep -q "boot file=http://10.0.0.1:8080/boot/52:54:00:12:34:56.ipxe" "$T_DIR/out"
check "the machine fetched ipxe.efi over TFTP, identical" grep -q "identical to /usr/lib/ipxe/ipxe.efi" "$T_DIR/out"
check "iPXE's script for node01 was served, with its target" \
	grep -q "script | sanboot iscsi:10.0.0.1::3260:0:iqn.2026-11.org.example:node01" "$T_DIR/out"
check "another address was refused" grep -q "HTTP 403" "$T_DIR/out"
check "the override file was served on the next request" grep -q "script | echo rescue boot for node01" "$T_DIR/out"
check "the timeline shows DHCP, TFTP and HTTP" bash -c "grep -q ' dhcp-ack 10.0.0.11' '$T_DIR/out' &&
	grep -q ' tftp-done ipxe.efi' '$T_DIR/out' && grep -q ' http-script override' '$T_DIR/out'"
check "it saw the link come up" grep -q "serving interface eth1 is up" "$T_DIR/out"
check "a virtual machine (QEMU, iPXE ROM) booted node01's volume over iSCSI: its marker" \
	grep -qE "^  serial \| node01 booted from its iSCSI volume, run [0-9]+$" "$T_DIR/out"
check "... reported with its wall time" \
	grep -qE "the marker is on its serial console after [0-9.]+ s" "$T_DIR/out"
check "... iPXE on its console ran node01's iscsi script" \
	grep -q "serial | rackboot: node01 (52:54:00:12:34:56) boots iqn.2026-11.org.example:node01" "$T_DIR/out"
check "... and its timeline ends with its iSCSI login" \
	grep -qE "^  [0-9:]{8} iscsi-login iqn.2026-11.org.example:node01 from 10.0.0.11:" "$T_DIR/out"
check "the status page was served" grep -qE "GET /status: HTTP 200, [1-9][0-9]* bytes" "$T_DIR/out"
check "a broken reload was refused" grep -q "reload failed; still serving configuration generation 1" "$T_DIR/out"
check "a good one was taken" grep -q "configuration reloaded (generation 2)" "$T_DIR/out"
check "it stopped gracefully" grep -q "info: stopped" "$T_DIR/out"
check "its namespaces are gone" [ -z "$(ip netns list | grep '^rbdemo-')" ]
check "its virtual machine is gone" fails pgrep -f "ifname=tap1,script=no.*mac=52:54:00:12:34:56"
t_done
