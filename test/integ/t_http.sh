#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HTTP service against curl in a namespace: each machine's script from
# its template (three MAC spellings), only to the address leased to it, to
# its static address or to http.allow (403 and a log line for anyone else);
# the fallback for unknown machines; override files appearing, changing
# and disappearing with no restart; static files with HEAD, Range,
# If-None-Match and a 40 MiB file by checksum; the jail; /metrics parsed
# line by line; /api as JSON (jq); template errors from -t and SIGHUP; and
# `rackboot explain` printing the script HTTP serves.
. "$(dirname "$0")/lib.sh"
t_plan 80

netns srv && netns cli && netns out || exit 1
link srv eth1 cli eth0
ip -n "$NS_PREFIX-srv" addr add 198.18.0.1/24 dev eth1
# a second network rackboot does not serve (not in server.interfaces)
link srv eth2 out eth0
ip -n "$NS_PREFIX-srv" addr add 198.19.7.1/24 dev eth2
ip -n "$NS_PREFIX-out" addr add 198.19.7.2/24 dev eth0
H=$T_DIR/http
TP=$T_DIR/templates
OV=$T_DIR/overrides
mkdir -p "$H/boot" "$H/files" "$T_DIR/outside" "$TP" "$OV" "$T_DIR/state" "$T_DIR/tftp"
cp templates/*.ipxe "$TP/"
cat >"$TP/t.ipxe" <<'TPL'
#!ipxe
echo {{hostname}} {{mac}} {{mac_hyphen}} {{ip}}
{{#rack}}
set rack {{rack}}
{{/rack}}
{{^other}}
echo no-other
{{/other}}
set base {{http_base}}
set secret {{chap_secret}}
chain ${base}/next?mac=${net0/mac} {{{{literal}}
TPL
head -c $((40 << 20)) /dev/urandom >"$H/big.bin"
seq 1 1000 >"$H/files/numbers.txt"
echo kernel >"$H/boot/vmlinuz"
echo secret >"$T_DIR/outside/secret"
ln -s ../outside/secret "$H/up-link"
chmod -R a+rX "$T_DIR"
cat >"$T_DIR/c.conf" <<CONF
server: { user = "nobody"; state_dir = "$T_DIR/state"; interfaces = ["eth1"]; };
dhcp: { pools = ( { subnet = "198.18.0.0/24"; range = ["198.18.0.100", "198.18.0.150"];
                    router = "198.18.0.1"; } ); };
tftp: { root = "$T_DIR/tftp"; };
http: { root = "$H"; allow = ["198.18.0.60"]; };
ipxe: { templates = "$TP"; overrides = "$OV"; };
iscsi: { iqn_prefix = "iqn.2026-11.test.rackboot"; };
nodes = (
  { mac = "52:54:00:00:00:01"; hostname = "n1"; template = "t"; vars = { rack = "r7"; }; },
  { mac = "52:54:00:00:00:02"; hostname = "n2"; ip = "198.18.0.12"; template = "t";
    vars = { other = "x"; }; }
);
CONF
check "rackboot -t accepts the configuration and its templates" \
	"$RACKBOOT" -t -c "$T_DIR/c.conf"
L=$T_DIR/log
start srv "$L" -c "$T_DIR/c.conf"
check "rackboot serves HTTP" wait_log "$L" "http: listening on port 8080"

# n1 takes a lease with udhcpc; the address goes on cli's eth0.
lease=$(take_lease cli 52:54:00:00:00:01)
check "n1 has a lease ($lease)" test -n "$lease"
for a in 198.18.0.12 198.18.0.50 198.18.0.60; do
	ip -n "$NS_PREFIX-cli" addr add $a/24 dev eth0
done

U=http://198.18.0.1:8080
# fetch FROM PATH [CURL ARGS...]: body to $T_DIR/body, headers to
# $T_DIR/hdr; prints the status code.
fetch() {
	local from=$1 path=$2
	shift 2
	nsexec cli curl -s --path-as-is --max-time 10 --interface "$from" -D "$T_DIR/hdr" \
		-o "$T_DIR/body" -w '%{http_code}' "$@" "$U$path"
}
jqt() { jq -e "$@" >/dev/null; }
code_is() { [ "$1" = "$2" ] || { echo "# got $1, want $2" >&2; return 1; }; }
body_has() { grep -qF -- "$1" "$T_DIR/body" || { sed 's/^/#   /' "$T_DIR/body" >&2; return 1; }; }
lacks() { ! grep -qF -- "$1" "$2"; }
hdr_has() { grep -qi -- "$1" "$T_DIR/hdr" || { sed 's/^/#   /' "$T_DIR/hdr" >&2; return 1; }; }

c=$(fetch "$lease" /boot/52:54:00:00:00:01.ipxe)
check "n1's script, from its leased address: 200" code_is "$c" 200
cp "$T_DIR/body" "$T_DIR/n1.ipxe"
check "rendered: host name, MAC spellings, address" \
	body_has "echo n1 52:54:00:00:00:01 52-54-00-00-00-01 $lease"
check "a section shown for a var that is set; its tag lines leave no blank line" \
	body_has $'#!ipxe\necho n1'
check "...and the var inside it" body_has "set rack r7"
check "an inverted section for a var that is not" body_has "echo no-other"
check "http_base is the address the machine reached" body_has "set base http://198.18.0.1:8080"
check "iPXE's \${...} and the escaped braces pass through" \
	body_has 'chain ${base}/next?mac=${net0/mac} {{literal}}'
check "the CHAP secret is 16 letters and digits" grep -qE '^set secret [A-Za-z0-9]{16}$' "$T_DIR/n1.ipxe"
check "scripts are not cached" hdr_has "cache-control: no-store"
for spelling in 52-54-00-00-00-01 525400000001 52:54:00:00:00:01; do
	fetch "$lease" "/boot/$spelling.ipxe" >/dev/null
	cmp -s "$T_DIR/body" "$T_DIR/n1.ipxe" || break
done
check "the same script for aa:bb, aa-bb and aabb spellings" cmp -s "$T_DIR/body" "$T_DIR/n1.ipxe"
c=$(fetch "$lease" /boot/52:54:00:00:00:0G.ipxe)
check "a path that is not a MAC: 404" code_is "$c" 404

c=$(fetch 198.18.0.50 /boot/52:54:00:00:00:01.ipxe)
check "n1's script from another address: 403" code_is "$c" 403
check "...with a log line naming both" wait_log "$L" "http 198.18.0.50:[0-9]+: script of 52:54:00:00:00:01 refused"
check "...and no secret in the body" lacks "set secret" "$T_DIR/body"
c=$(fetch 198.18.0.60 /boot/52:54:00:00:00:01.ipxe)
check "from an address in http.allow: 200" code_is "$c" 200
c=$(fetch 198.18.0.12 /boot/52:54:00:00:00:02.ipxe)
check "n2 (static address, no lease) from that address: 200" code_is "$c" 200
check "...rendered with its own host name" body_has "echo n2 52:54:00:00:00:02"
c=$(fetch "$lease" /boot/52:54:00:00:00:02.ipxe)
check "n2's script from n1's address: 403" code_is "$c" 403
c=$(fetch 198.18.0.50 /boot/52:54:00:aa:bb:cc.ipxe)
check "an unknown machine gets the fallback, from any address" code_is "$c" 200
check "...which names its MAC" body_has "this machine (52:54:00:aa:bb:cc) is not in rackboot"

# Override files: live, no restart, no SIGHUP.
printf '#!ipxe\necho override one\n' >"$OV/52-54-00-00-00-01.ipxe"
c=$(fetch "$lease" /boot/52:54:00:00:00:01.ipxe)
check "an override file appears: served at once" body_has "echo override one"
printf '#!ipxe\necho override two\n' >"$OV/52-54-00-00-00-01.ipxe"
fetch "$lease" /boot/52:54:00:00:00:01.ipxe >/dev/null
check "edited: the next request gets the edit" body_has "echo override two"
c=$(fetch 198.18.0.50 /boot/52:54:00:00:00:01.ipxe)
check "an override is guarded like the template (403)" code_is "$c" 403
rm "$OV/52-54-00-00-00-01.ipxe"
fetch "$lease" /boot/52:54:00:00:00:01.ipxe >/dev/null
check "deleted: the template is back" cmp -s "$T_DIR/body" "$T_DIR/n1.ipxe"
printf '#!ipxe\necho ironic style\n' >"$OV/52:54:00:aa:bb:cc.conf"
fetch 198.18.0.60 /boot/52-54-00-AA-BB-CC.ipxe >/dev/null
check "an Ironic-style aa:bb:...conf override (for an unknown machine)" body_has "echo ironic style"
check "rackboot was not restarted or reloaded" test "$(count_log "$L" "reload")" -eq 0

# Static files.
c=$(fetch "$lease" /big.bin)
check "a 40 MiB file: 200" code_is "$c" 200
check "...byte for byte" cmp -s "$H/big.bin" "$T_DIR/body"
check "...with Content-Length, ETag, Last-Modified, Accept-Ranges" \
	hdr_has "content-length: $((40 << 20))"
hdr_has etag: && hdr_has last-modified: && hdr_has "accept-ranges: bytes"
check "...ETag and Last-Modified present" test $? -eq 0
etag=$(sed -n 's/^[Ee][Tt]ag: *//p' "$T_DIR/hdr" | tr -d '\r')
c=$(fetch "$lease" /big.bin -I)
check "HEAD: 200 with the length and no body" code_is "$c" 200
check "...length" hdr_has "content-length: $((40 << 20))"
check "...no body (curl -I writes just the headers)" cmp -s "$T_DIR/hdr" "$T_DIR/body"
c=$(fetch "$lease" /files/numbers.txt -H 'Range: bytes=100-199')
check "Range 100-199: 206" code_is "$c" 206
check "...the right 100 bytes" cmp -s <(tail -c +101 "$H/files/numbers.txt" | head -c 100) "$T_DIR/body"
check "...and Content-Range" hdr_has "content-range: bytes 100-199/$(stat -c %s "$H/files/numbers.txt")"
c=$(fetch "$lease" /files/numbers.txt -H 'Range: bytes=-10')
check "a suffix range: the last 10 bytes" cmp -s <(tail -c 10 "$H/files/numbers.txt") "$T_DIR/body"
c=$(fetch "$lease" /files/numbers.txt -H 'Range: bytes=99999-')
check "a range past the end: 416" code_is "$c" 416
c=$(fetch "$lease" /big.bin -H "If-None-Match: $etag")
check "If-None-Match with the ETag: 304" code_is "$c" 304
c=$(fetch "$lease" /big.bin -H 'Range: bytes=0-9' -H 'If-Range: "stale"')
check "If-Range with a stale tag: the whole file (200)" code_is "$c" 200
c=$(fetch "$lease" /boot/vmlinuz)
check "a file under /boot/ that is not a script is a static file" body_has kernel
c=$(fetch "$lease" /nope)
check "a missing file: 404" code_is "$c" 404
c=$(fetch "$lease" /../outside/secret)
check "a .. path: 403" code_is "$c" 403
c=$(fetch "$lease" /up-link)
check "a symbolic link out of http.root: 403" code_is "$c" 403
check "...logged" wait_log "$L" "http .*: /up-link refused: escape"
c=$(fetch "$lease" /big.bin -X POST)
check "POST: 405" code_is "$c" 405
c=$(fetch "$lease" /)
check "/ redirects to /status" code_is "$c" 302

# /metrics, line by line: comments, or name{labels} value.
c=$(fetch "$lease" /metrics)
check "/metrics: 200" code_is "$c" 200
check "every line is a HELP/TYPE comment or a sample" awk '
	/^# (HELP|TYPE) [a-z_]+ / { next }
	/^[a-z_][a-z0-9_]*(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+]+$/ { next }
	/^[a-z_][a-z0-9_]*(\{([a-z_]+="[^"]*",?)*\})? (\+Inf|NaN)$/ { next }
	{ print "# bad line: " $0 > "/dev/stderr"; bad = 1 }
	END { exit bad }' "$T_DIR/body"
metric() { awk -v k="$1" '$1 == k { print $2 }' "$T_DIR/body"; }
check "script requests counted (>= 8 answered 200)" \
	test "$(metric 'rackboot_http_requests_total{route="script",code="200"}')" -ge 8
check "refusals counted (3)" test "$(metric rackboot_http_scripts_refused_total)" -eq 3
check "leases in use per pool (1)" test "$(metric 'rackboot_dhcp_leases{pool="198.18.0.0/24"}')" -eq 1
check "DHCP acks counted" test "$(metric 'rackboot_dhcp_sent_total{type="ack"}')" -ge 1
check "TFTP counters are there" test -n "$(metric rackboot_tftp_requests_total)"
check "the duration histogram ends with +Inf = count" test \
	"$(metric 'rackboot_http_request_duration_seconds_bucket{le="+Inf"}')" = \
	"$(metric rackboot_http_request_duration_seconds_count)"

# The JSON API.
c=$(fetch "$lease" /api/nodes)
check "/api/nodes: valid JSON" jqt . "$T_DIR/body"
check "...n1 with its lease" jqt --arg ip "$lease" \
	'.[] | select(.hostname == "n1") | .lease.ip == $ip and .lease.state == "bound"' "$T_DIR/body"
check "...n1's timeline has DHCP and HTTP events" jqt \
	'[.[] | select(.hostname == "n1") | .timeline[].event] | (index("dhcp-ack") != null) and (index("http-script") != null)' \
	"$T_DIR/body"
check "...the unknown machine seen, marked unknown" jqt \
	'.[] | select(.mac == "52:54:00:aa:bb:cc") | .known == false' "$T_DIR/body"
fetch 198.18.0.12 /files/numbers.txt >/dev/null # n2 has a static address, no lease
c=$(fetch "$lease" /api/nodes/52-54-00-00-00-02)
check "/api/nodes/<mac>: one machine" jqt '.hostname == "n2" and .ip == "198.18.0.12"' "$T_DIR/body"
check "...a file fetched from a node's static address is in its timeline" \
	jqt '[.timeline[] | select(.event == "http-asset")] | length >= 1' "$T_DIR/body"
c=$(fetch "$lease" /api/nodes/52-54-00-99-99-99)
check "/api/nodes/<mac> for a machine never seen: 404" code_is "$c" 404
c=$(fetch "$lease" /api/leases)
check "/api/leases lists the lease" jqt --arg ip "$lease" 'any(.[]; .ip == $ip)' "$T_DIR/body"
c=$(fetch "$lease" /status)
check "/status: an HTML page naming n1" body_has "<td>n1</td>"

# explain prints what HTTP serves (same renderer): compare the script part.
RBEXPLAIN=$(nsexec srv "$RACKBOOT" -c "$T_DIR/c.conf" explain 52:54:00:00:00:02 --ipxe)
check "explain: iPXE is handed its script URL" \
	grep -qF 'file   "http://198.18.0.1:8080/boot/52:54:00:00:00:02.ipxe"' <<<"$RBEXPLAIN"
fetch 198.18.0.12 /boot/52:54:00:00:00:02.ipxe >/dev/null
check "explain: the script is what HTTP serves, byte for byte" cmp -s "$T_DIR/body" \
	<(sed -n 's/^  | //p' <<<"$RBEXPLAIN")
RBEXPLAIN=$(nsexec srv "$RACKBOOT" -c "$T_DIR/c.conf" explain 52:54:00:00:00:02 --arch 7)
check "explain: a UEFI PXE ROM is handed ipxe.efi" grep -qF 'file   "ipxe.efi"' <<<"$RBEXPLAIN"

# only the served interfaces (and loopback) get answers
check "a request over an interface not in server.interfaces gets no answer" \
	fails nsexec out curl -sf -m 5 -o /dev/null "http://198.19.7.1:8080/metrics"
check "loopback is served (a Prometheus on the host)" \
	nsexec srv curl -sf -m 5 -o "$T_DIR/lo.metrics" "http://127.0.0.1:8080/metrics"
check "... and counts the foreign connection" \
	grep -qE "^rackboot_http_foreign_connections_total [1-9]" "$T_DIR/lo.metrics"

# Template errors: -t reports file:line; SIGHUP keeps the templates it had.
printf '#!ipxe\necho {{hostname}}\n{{#rack}}\nunclosed\n' >"$TP/t.ipxe"
"$RACKBOOT" -t -c "$T_DIR/c.conf" 2>"$T_DIR/t.err"
check "-t: an unclosed section is an error (exit 1)" test $? -eq 1
check "...at file:line of the opening tag" grep -qF "$TP/t.ipxe:3:" "$T_DIR/t.err"
printf '#!ipxe\necho {{hostnme}}\n' >"$TP/t.ipxe"
"$RACKBOOT" -t -c "$T_DIR/c.conf" 2>"$T_DIR/t.err"
check "-t: an unknown variable is an error, at file:line" grep -qF "$TP/t.ipxe:2: error: unknown variable 'hostnme'" "$T_DIR/t.err"
printf '#!ipxe\necho {{#hostname}}\n' >"$TP/t.ipxe"
kill -HUP "$RB_PID"
check "SIGHUP with a broken template: reported with file:line" wait_log "$L" "$TP/t.ipxe:2: "
check "...and the templates loaded before stay" wait_log "$L" "the templates loaded before stay"
fetch "$lease" /boot/52:54:00:00:00:01.ipxe >/dev/null
check "...so n1 still gets its script" cmp -s "$T_DIR/body" "$T_DIR/n1.ipxe"
kill -TERM "$RB_PID"
wait_exit "$RB_PID"
check "stops cleanly" test "$RB_STATUS" -eq 0
t_done
