#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The status page in a real browser: headless Chromium (Debian's package),
# run in the client's namespace, loads /status after a machine took a lease
# and fetched its script, and the rendered DOM must show that machine with
# its address and its boot timeline.  The page must need nothing else: no
# script, no style sheet or image from anywhere.
. "$(dirname "$0")/lib.sh"
t_plan 10

command -v chromium >/dev/null || { not_ok "chromium is installed (scripts/deps.sh)"; t_done; exit 1; }
netns srv && netns cli || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
mkdir -p "$T_DIR/state" "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/ov"
chmod -R a+rX "$T_DIR"
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { pools = ( { subnet = "198.18.0.0/24"; range = ["198.18.0.100", "198.18.0.150"]; } ); };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$T_DIR/http"; };
ipxe: { templates = "$PWD/templates"; overrides = "$T_DIR/ov"; };
nodes = ( { mac = "52:54:00:00:00:01"; hostname = "web-node-1"; template = "iscsi"; } );
CONF
L=$T_DIR/log
start srv "$L" -c "$T_DIR/c.conf"
check "rackboot serves HTTP" wait_log "$L" "http: listening on port 8080"
lease=$(take_lease cli 52:54:00:00:00:01)
check "the machine has a lease ($lease)" test -n "$lease"
nsexec cli curl -s -o /dev/null --max-time 5 http://198.18.0.1:8080/boot/52:54:00:00:00:01.ipxe
# An unknown machine asks too, so the page lists one of those.
nsexec cli curl -s -o /dev/null --max-time 5 http://198.18.0.1:8080/boot/52:54:00:de:ad:01.ipxe

mkdir -p "$T_DIR/chrome"
nsexec cli env HOME="$T_DIR/chrome" timeout 60 chromium --headless --no-sandbox --disable-gpu \
	--disable-quic --no-first-run --disable-background-networking --disable-component-update \
	--disable-sync --user-data-dir="$T_DIR/chrome/profile" --virtual-time-budget=2000 \
	--dump-dom http://198.18.0.1:8080/status >"$T_DIR/dom.html" 2>"$T_DIR/chrome.err"
check "Chromium loaded /status" grep -q '<title>rackboot status</title>' "$T_DIR/dom.html"
has() { grep -qF -- "$1" "$T_DIR/dom.html" || { echo "# not in the DOM: $1" >&2; return 1; }; }
check "the known machine is listed by name and MAC" has '<td><code>52:54:00:00:00:01</code></td><td>web-node-1</td>'
check "...with its leased address" has ">$lease</span> bound"
check "...and its timeline: DHCP acknowledgement" has "dhcp-ack $lease"
check "...and the script it was served" has "http-script template iscsi"
check "the unknown machine is listed as not configured" has '<code>52:54:00:de:ad:01</code></td><td><span class="unknown">not configured</span>'
check "the page loads nothing from elsewhere (no src=, no external href)" \
	bash -c "! grep -qiE 'src=|href=\"(https?:)?//' '$T_DIR/dom.html'"
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "stops cleanly" test "$RB_STATUS" -eq 0
t_done
