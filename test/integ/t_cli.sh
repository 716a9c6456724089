#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command line: -V, -h, usage errors, -t on good and bad files.
. "$(dirname "$0")/lib.sh"
t_plan 20

out=$("$RACKBOOT" -V)
check "-V prints the version" [ "$out" = "rackboot 0.1.0" ]
"$RACKBOOT" -h >/dev/null
check "-h exits 0" [ $? -eq 0 ]
"$RACKBOOT" -x 2>/dev/null
check "an unknown option exits 2" [ $? -eq 2 ]
"$RACKBOOT" -t extra 2>/dev/null
check "an extra argument exits 2" [ $? -eq 2 ]

conf "$T_DIR/good.conf"
out=$("$RACKBOOT" -t -c "$T_DIR/good.conf" 2>"$T_DIR/err")
check "-t accepts the example configuration" [ $? -eq 0 ]
check "-t says so on stdout" [ "$out" = "$T_DIR/good.conf: configuration is valid" ]
check "-t prints nothing on stderr for a clean file" [ ! -s "$T_DIR/err" ]

cat >"$T_DIR/bad.conf" <<'CONF'
server: { user = "nobody"; };
dhcp: {
	lease_tme = 600;
	pools = ( { subnet = "10.0.0.0/24"; router = "10.0.1.1"; } );
};
CONF
"$RACKBOOT" -t -c "$T_DIR/bad.conf" >/dev/null 2>"$T_DIR/err"
check "-t rejects a bad file with status 1" [ $? -eq 1 ]
check "the error names file:line and suggests the setting" \
	grep -qF "$T_DIR/bad.conf:3: error: unknown setting 'dhcp.lease_tme'; did you mean 'lease_time'?" "$T_DIR/err"

conf "$T_DIR/user.conf" 's/user = "nobody"/user = "no-such-user-rb"/'
"$RACKBOOT" -t -c "$T_DIR/user.conf" >/dev/null 2>"$T_DIR/err"
check "-t rejects a missing user with status 1" [ $? -eq 1 ]
check "and cites the line of server.user" \
	grep -qE "user.conf:8: error: no such user: no-such-user-rb" "$T_DIR/err"

conf "$T_DIR/noroot.conf" "s|root = \"$T_DIR/tftp\"|root = \"$T_DIR/no-such-root\"|"
"$RACKBOOT" -t -c "$T_DIR/noroot.conf" >/dev/null 2>"$T_DIR/err"
check "-t rejects a tftp.root that is not a folder" [ $? -eq 1 ]
check "citing its line" grep -qE "noroot.conf:[0-9]+: error: $T_DIR/no-such-root is not a folder" "$T_DIR/err"
rm "$T_DIR/tftp/ipxe-arm64.efi"
"$RACKBOOT" -t -c "$T_DIR/good.conf" >/dev/null 2>"$T_DIR/err"
check "-t warns about a boot file missing from tftp.root, but accepts" [ $? -eq 0 ]
check "naming the setting and the file" \
	grep -q "warning: dhcp.boot.efi_arm64: ipxe-arm64.efi is not in tftp.root" "$T_DIR/err"
touch "$T_DIR/tftp/ipxe-arm64.efi"

"$RACKBOOT" -t -c "$T_DIR/nonexistent.conf" >/dev/null 2>"$T_DIR/err"
check "a missing file exits 1" [ $? -eq 1 ]
check "with a message naming it" grep -q "nonexistent.conf:0: error: cannot read the configuration" "$T_DIR/err"

# A file the service user cannot read would break SIGHUP later: say so now.
conf "$T_DIR/private.conf"
chmod 600 "$T_DIR/private.conf"
"$RACKBOOT" -t -c "$T_DIR/private.conf" >/dev/null 2>"$T_DIR/err"
check "-t still accepts a file only root can read" [ $? -eq 0 ]
check "but warns that reloads would fail" \
	grep -q "private.conf: warning: user nobody cannot read this file, so reloading on SIGHUP will fail" "$T_DIR/err"

"$RACKBOOT" -f -c "$T_DIR/bad.conf" 2>/dev/null
check "starting with a bad file exits 1" [ $? -eq 1 ]
t_done
