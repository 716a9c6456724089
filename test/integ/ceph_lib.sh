# SPDX-License-Identifier: MIT
# A single-node Ceph cluster for the RBD tests and the bench, started by
# hand from Debian's packages (ceph-mon, ceph-osd, ceph-common; no systemd,
# no mgr: librbd needs none): one monitor and one BlueStore OSD on a
# sparse plain file, cephx on, every byte of state under $CEPH_DIR, on a
# private loopback address with non-default ports.  Sourced after lib.sh
# (tests) or bench_lib.sh (benchmarks).
#
#   CEPH_NS    namespace to run everything in ("" or unset: the caller's),
#              a full name as `ip netns exec` takes it
#   CEPH_DIR   state folder (default: $T_DIR/ceph, or $D/ceph)
#   CEPH_IP    address (default 127.0.88.1: loopback, never routed)
#   CEPH_SIZE  the OSD's block file, sparse (default 4G)
#
# ceph_up makes CEPH_CONF (the cluster's ceph.conf), a pool "rbd" (rbd pool
# init) and a client "client.rackboot" with the rbd profile whose keyring
# is CEPH_KEYRING (readable by anyone: rackboot runs as nobody in tests).
# Every wait is bounded; ceph_down stops the daemons by PID, mon_start and
# osd_start bring them back, osd_stop stops the OSD alone.  ceph and rbd
# commands go through cephx / rbdx (admin, bounded by timeout).
# Facts: mkfs to a usable pool takes 10 to 20 s on 2 cores.

CEPH_IP=${CEPH_IP:-127.0.88.1}
CEPH_SIZE=${CEPH_SIZE:-4G}
CEPH_MON_PID=
CEPH_OSD_PID=
CEPH_OSD_ID=0

# in_ceph_ns CMD...: run CMD in $CEPH_NS (or here).
in_ceph_ns() {
	if [ -n "${CEPH_NS:-}" ]; then ip netns exec "$CEPH_NS" "$@"; else "$@"; fi
}

# ceph_ns_cmd: the prefix that runs a command in $CEPH_NS, as an array
# (CEPH_NSX), so that "${CEPH_NSX[@]}" daemon & makes $! the daemon itself
# (a function in the background would be a subshell around it).
ceph_ns_cmd() {
	CEPH_NSX=()
	[ -z "${CEPH_NS:-}" ] || CEPH_NSX=(ip netns exec "$CEPH_NS")
}

# cephx ARGS...: the ceph tool as client.admin, at most 30 s.
cephx() {
	in_ceph_ns timeout -k 2 30 ceph -c "$CEPH_CONF" --connect-timeout 15 "$@"
}

# rbdx ARGS...: the rbd tool as client.admin, at most 60 s.
rbdx() {
	in_ceph_ns timeout -k 2 60 rbd -c "$CEPH_CONF" "$@"
}

# ceph_log MSG: to stderr, with the daemons' last words when asked.
ceph_log() {
	echo "# ceph: $*" >&2
}

ceph_tail_logs() {
	local f
	for f in "$CEPH_DIR"/log/*.log; do
		[ -f "$f" ] || continue
		echo "# --- $f" >&2
		tail -15 "$f" | sed 's/^/#   /' >&2
	done
}

# ceph_conf_write: ceph.conf and the folders.
ceph_conf_write() {
	local fsid
	fsid=$(cat /proc/sys/kernel/random/uuid)
	mkdir -p "$CEPH_DIR"/{mon,osd,log,run}
	cat >"$CEPH_CONF" <<EOF
[global]
fsid = $fsid
mon host = [v2:$CEPH_IP:13300,v1:$CEPH_IP:16789]
public addr = $CEPH_IP
ms bind port min = 17800
ms bind port max = 17899
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $CEPH_DIR/\$cluster.\$name.keyring
run dir = $CEPH_DIR/run
admin socket = $CEPH_DIR/run/\$name.\$pid.asok
log file = $CEPH_DIR/log/\$name.log
pid file = $CEPH_DIR/run/\$name.pid
crash dir = $CEPH_DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon data avail warn = 2
mon data avail crit = 1
auth allow insecure global id reclaim = false
[mon]
mon data = $CEPH_DIR/mon/\$name
mon initial members = a
[osd]
osd data = $CEPH_DIR/osd/\$id
keyring = $CEPH_DIR/osd/\$id/keyring
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $CEPH_SIZE
bluestore fsck on mkfs = false
bluestore fsck on mount = false
osd memory target = 2147483648
osd max object name len = 256
osd max object namespace len = 64
[client]
log file = $CEPH_DIR/log/\$name.\$pid.log
admin socket =
EOF
}

# ceph_wait_mon: the monitor answers (bounded: 30 s).
ceph_wait_mon() {
	local deadline=$((SECONDS + 30))
	until cephx -s >/dev/null 2>&1; do
		kill -0 "$CEPH_MON_PID" 2>/dev/null || { ceph_log "ceph-mon died"; return 1; }
		[ "$SECONDS" -lt "$deadline" ] || { ceph_log "ceph-mon does not answer"; return 1; }
		sleep 0.5
	done
}

# osd_start: start the OSD (made by ceph_up) and wait until it is up
# (bounded: 60 s).  Sets CEPH_OSD_PID.
osd_start() {
	ceph_ns_cmd
	"${CEPH_NSX[@]}" ceph-osd -f -c "$CEPH_CONF" -i "$CEPH_OSD_ID" >>"$CEPH_DIR/log/osd.stdout" 2>&1 &
	CEPH_OSD_PID=$!
	T_PIDS+=("$CEPH_OSD_PID")
	local deadline=$((SECONDS + 60))
	until cephx osd dump 2>/dev/null | grep -qE "^osd\.$CEPH_OSD_ID up +in"; do
		kill -0 "$CEPH_OSD_PID" 2>/dev/null || { ceph_log "ceph-osd died"; ceph_tail_logs; return 1; }
		[ "$SECONDS" -lt "$deadline" ] || { ceph_log "the OSD is not up in 60 s"; ceph_tail_logs; return 1; }
		sleep 0.5
	done
}

# osd_stop: stop the OSD (SIGTERM: it tells the monitor it is going down),
# wait for it to exit (bounded: 15 s, then SIGKILL).
osd_stop() {
	ceph_stop_pid "$CEPH_OSD_PID" 150
	CEPH_OSD_PID=
}

# ceph_stop_pid PID TENTHS: SIGTERM, wait up to TENTHS/10 s, then SIGKILL
# and reap.  Never fails (the bench runs under set -e, in an EXIT trap).
ceph_stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < $2; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# ceph_wait_io: an object can be written and read in the pool "rbd" (the
# placement groups are active; without a mgr there are no PG statistics to
# ask for).  Bounded: 60 s.
ceph_wait_io() {
	local deadline=$((SECONDS + 60))
	until in_ceph_ns timeout -k 1 8 rados -c "$CEPH_CONF" -p rbd put rackboot-probe "$CEPH_CONF" 2>/dev/null &&
		in_ceph_ns timeout -k 1 8 rados -c "$CEPH_CONF" -p rbd rm rackboot-probe 2>/dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || { ceph_log "the pool does not take writes in 60 s"; ceph_tail_logs; return 1; }
		sleep 0.5
	done
}

# ceph_up: make and start the cluster; the pool "rbd" ready to use.
ceph_up() {
	CEPH_DIR=${CEPH_DIR:-${T_DIR:-${D:?}}/ceph}
	CEPH_CONF=$CEPH_DIR/ceph.conf
	CEPH_KEYRING=$CEPH_DIR/ceph.client.rackboot.keyring
	local t0=$SECONDS
	for c in ceph-mon ceph-osd ceph ceph-authtool monmaptool rbd; do
		command -v "$c" >/dev/null || { ceph_log "$c is not installed (ceph-mon ceph-osd ceph-common)"; return 1; }
	done
	ceph_conf_write
	local k=$CEPH_DIR
	ceph-authtool --create-keyring "$k/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null &&
		ceph-authtool --create-keyring "$k/ceph.client.admin.keyring" --gen-key -n client.admin \
			--cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null &&
		ceph-authtool "$k/mon.keyring" --import-keyring "$k/ceph.client.admin.keyring" >/dev/null &&
		monmaptool --create --fsid "$(sed -n 's/^fsid = //p' "$CEPH_CONF")" \
			--addv a "[v2:$CEPH_IP:13300,v1:$CEPH_IP:16789]" "$k/monmap" >/dev/null &&
		ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$k/monmap" --keyring "$k/mon.keyring" \
			>"$k/log/mon-mkfs.out" 2>&1 ||
		{ ceph_log "cannot make the monitor"; cat "$k/log/mon-mkfs.out" >&2; return 1; }
	ceph_ns_cmd
	"${CEPH_NSX[@]}" ceph-mon -f -c "$CEPH_CONF" -i a >>"$k/log/mon.stdout" 2>&1 &
	CEPH_MON_PID=$!
	T_PIDS+=("$CEPH_MON_PID")
	ceph_wait_mon || { ceph_tail_logs; return 1; }
	# the OSD: an id and a key from the monitor, then mkfs on a sparse file
	local uuid secret
	uuid=$(cat /proc/sys/kernel/random/uuid)
	secret=$(ceph-authtool --gen-print-key)
	CEPH_OSD_ID=$(echo "{\"cephx_secret\": \"$secret\"}" |
		cephx osd new "$uuid" -i - 2>"$k/log/osd-new.err") ||
		{ ceph_log "ceph osd new failed: $(cat "$k/log/osd-new.err")"; return 1; }
	mkdir -p "$k/osd/$CEPH_OSD_ID"
	ceph-authtool --create-keyring "$k/osd/$CEPH_OSD_ID/keyring" --name "osd.$CEPH_OSD_ID" \
		--add-key "$secret" >/dev/null
	in_ceph_ns timeout 120 ceph-osd -c "$CEPH_CONF" -i "$CEPH_OSD_ID" --mkfs --osd-uuid "$uuid" \
		>"$k/log/osd-mkfs.out" 2>&1 ||
		{ ceph_log "ceph-osd --mkfs failed"; tail -20 "$k/log/osd-mkfs.out" >&2; return 1; }
	osd_start || return 1
	cephx osd pool create rbd 16 16 >/dev/null 2>&1 &&
		rbdx pool init rbd ||
		{ ceph_log "cannot make the pool rbd"; return 1; }
	ceph_wait_io || return 1
	cephx auth get-or-create client.rackboot mon 'profile rbd' osd 'profile rbd' \
		-o "$CEPH_KEYRING" >/dev/null 2>&1 || { ceph_log "cannot make client.rackboot"; return 1; }
	chmod 644 "$CEPH_KEYRING" "$CEPH_CONF"
	chmod 755 "$CEPH_DIR" "$CEPH_DIR/log"
	chmod 1777 "$CEPH_DIR/log" # clients running as nobody log here
	ceph_log "cluster up in $((SECONDS - t0)) s ($CEPH_IP, $CEPH_DIR)"
}

# mon_start: start the monitor made by ceph_up again (after ceph_down) and
# wait until it answers (bounded: 30 s).
mon_start() {
	ceph_ns_cmd
	"${CEPH_NSX[@]}" ceph-mon -f -c "$CEPH_CONF" -i a >>"$CEPH_DIR/log/mon.stdout" 2>&1 &
	CEPH_MON_PID=$!
	T_PIDS+=("$CEPH_MON_PID")
	ceph_wait_mon
}

# ceph_down: stop the OSD and the monitor by PID (bounded).
ceph_down() {
	osd_stop
	ceph_stop_pid "$CEPH_MON_PID" 100
	CEPH_MON_PID=
}
