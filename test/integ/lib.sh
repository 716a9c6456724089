# SPDX-License-Identifier: MIT
# The integration harness: sourced by every test/integ/t_*.sh.
#
# It creates network namespaces named "rbt<pid>-<name>" joined by veth pairs,
# runs the real rackboot binary inside them, prints TAP, and tears everything
# down from an EXIT trap, so a failing or interrupted test leaves nothing
# behind (T_KEEP=1 keeps the test's folder, with its logs, for debugging).  Addresses come from 198.18.0.0/15 (RFC 2544, benchmarking), which
# exists only inside these namespaces.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

RACKBOOT=${RACKBOOT:-$PWD/build/rackboot}
# the rbd backend module beside the binary under test (store.c)
export RACKBOOT_MODULE_DIR=${RACKBOOT_MODULE_DIR:-$(dirname "$RACKBOOT")}
T_N=0
T_FAIL=0
T_PLAN=
T_DONE=
declare -A T_LOGPID # log file -> pid of the rackboot writing it (start)
T_NS=()
T_PIDS=()
T_DIR=$(mktemp -d /tmp/rbt.XXXXXX)
chmod 755 "$T_DIR"
NS_PREFIX="rbt$$"

# TAP goes to the suite's own standard output, saved here, even from a
# command whose output a suite sends elsewhere (wait_log ... >/dev/null
# ending the suite, and the EXIT trap after it).
exec {T_OUT}>&1
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*" >&"$T_OUT"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*" >&"$T_OUT"; }

# check DESCRIPTION CMD...: one test point from a command's status.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# fails CMD...: true when CMD fails (for check, which runs a command).
fails() {
	! "$@"
}

# t_atexit CMD: run CMD (a command line, eval'ed) at exit, before the
# harness's own cleanup (a suite's daemons of its own: tgtd, a Ceph
# cluster; bare_lib.sh's roots).  Suites add
# to the EXIT trap this way rather than replacing it.
T_ATEXIT=()
t_atexit() { T_ATEXIT+=("$1"); }

# The EXIT trap: the suite's status stays its own, except that a suite
# that ends without reaching t_done (an early exit, a "|| exit 1" when the
# daemon did not start) has not run its plan, and fails.
t_cleanup() {
	local rc=$? p ns h
	if [ -z "$T_DONE" ]; then
		not_ok "the suite ended before t_done, after $T_N of ${T_PLAN:-?} planned checks"
		[ "$rc" -ne 0 ] || rc=1
	fi
	for h in "${T_ATEXIT[@]}"; do
		eval "$h"
	done
	disown -a 2>/dev/null # no "Killed" notices for our own children
	for p in "${T_PIDS[@]}"; do
		# never 0 or -1 (kill(2): the whole process group, every process)
		[[ $p =~ ^[0-9]+$ && $p -gt 1 ]] && kill -KILL "$p" 2>/dev/null
	done
	for ns in "${T_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${T_KEEP:-}" ]; then
		echo "# T_KEEP: logs kept in $T_DIR" >&2
	elif awk -v d="$T_DIR/" 'index($5, d) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		# rm -rf would follow a bind mount into the host's own files.
		echo "# something is still mounted under $T_DIR: left in place" >&2
	else
		rm -rf "$T_DIR"
	fi
	exit "$rc"
}

# t_plan N: the suite runs N checks.  Printed first, as TAP's plan; t_done
# (and test/run.sh) fail a suite that ran another number, so a suite cut
# short (a daemon that never started, an early exit) cannot pass.
t_plan() {
	T_PLAN=$1
	echo "1..$T_PLAN" >&"$T_OUT"
}

# t_done: the end of a suite; its status is the suite's.  Fails when a
# check failed or when the number run differs from the plan.
t_done() {
	T_DONE=1
	if [ -z "$T_PLAN" ]; then
		not_ok "the suite declares its plan (t_plan N)"
		echo "1..$T_N" >&"$T_OUT"
	elif [ "$T_N" -ne "$T_PLAN" ]; then
		echo "# planned $T_PLAN checks, ran $T_N" >&"$T_OUT"
		not_ok "ran as many checks as planned ($T_PLAN)"
	fi
	[ "$T_FAIL" -eq 0 ]
}

trap t_cleanup EXIT
trap 'exit 130' INT TERM

# netns NAME: create namespace "$NS_PREFIX-NAME" with lo up; prints its name.
netns() {
	local ns="$NS_PREFIX-$1"
	ip netns add "$ns" || return 1
	T_NS+=("$ns")
	ip -n "$ns" link set lo up
}

# nsexec NAME CMD...: run a command in namespace NAME.
nsexec() {
	local ns="$NS_PREFIX-$1"
	shift
	ip netns exec "$ns" "$@"
}

# link NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
link() {
	ip link add "tmp$$a" type veth peer name "tmp$$b" || return 1
	ip link set "tmp$$a" netns "$NS_PREFIX-$1" name "$2"
	ip link set "tmp$$b" netns "$NS_PREFIX-$3" name "$4"
	ip -n "$NS_PREFIX-$1" link set "$2" up
	ip -n "$NS_PREFIX-$3" link set "$4" up
}

# conf FILE [SED-EXPR...]: the example config, made runnable in a test:
# user nobody, state under $T_DIR; extra sed expressions apply after.
conf() {
	local out=$1
	shift
	mkdir -p "$T_DIR/tftp" "$T_DIR/http" "$T_DIR/overrides"
	touch "$T_DIR/tftp/"{undionly.kpxe,ipxe-i386.efi,ipxe.efi,ipxe-arm32.efi,ipxe-arm64.efi}
	local args=(-e 's/user = "rackboot"/user = "nobody"/'
		-e "s|state_dir = \"/var/lib/rackboot\"|state_dir = \"$T_DIR/state\"|"
		-e "s|root = \"/srv/rackboot/tftp\"|root = \"$T_DIR/tftp\"|"
		-e "s|root = \"/srv/rackboot/http\"|root = \"$T_DIR/http\"|"
		-e "s|overrides = \"/etc/rackboot/nodes.d\";|overrides = \"$T_DIR/overrides\"; templates = \"$PWD/templates\";|")
	local e
	for e in "$@"; do args+=(-e "$e"); done
	sed "${args[@]}" etc/rackboot.conf >"$out"
}

# take_lease NS MAC: set eth0's MAC in namespace NS and take a lease with
# busybox udhcpc (bounded: 4 tries of 1 s); the address is added to eth0
# and printed.
take_lease() {
	cat >"$T_DIR/take_lease.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && ip addr add "$ip/24" dev "$interface" && echo "bound $ip"
exit 0
SCRIPT
	chmod +x "$T_DIR/take_lease.sh"
	ip -n "$NS_PREFIX-$1" link set eth0 address "$2"
	nsexec "$1" busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s "$T_DIR/take_lease.sh" 2>/dev/null |
		sed -n 's/^bound //p'
}

# start NS LOG ARGS...: run rackboot -f in namespace NS, stderr to LOG;
# sets RB_PID.
start() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$NS_PREFIX-$ns" "$RACKBOOT" -f "$@" >"$log" 2>&1 &
	RB_PID=$!
	T_PIDS+=("$RB_PID")
	T_LOGPID[$log]=$RB_PID
}

# wait_log LOG PATTERN [SECONDS]: wait until LOG has a line matching the
# extended regex PATTERN; bounded (default 10 s).  When LOG is a rackboot's
# (start) and that rackboot has exited without writing PATTERN, the suite
# cannot go on: it ends at once, failed (a daemon that never started, or
# crashed, does not make a suite wait out every later timeout).
wait_log() {
	local log=$1 pat=$2 limit=${3:-10} i pid=${T_LOGPID[$1]:-}
	for ((i = 0; i < limit * 20; i++)); do
		grep -qE -- "$pat" "$log" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			grep -qE -- "$pat" "$log" 2>/dev/null && return 0
			echo "# rackboot (pid $pid) exited before /$pat/ appeared in $log:" >&2
			sed 's/^/#   /' "$log" >&2
			not_ok "rackboot is running (it exited before logging /$pat/)"
			exit 1
		fi
		sleep 0.05
	done
	echo "# timed out waiting for /$pat/ in $log:" >&2
	sed 's/^/#   /' "$log" >&2
	return 1
}

# count_log LOG PATTERN: number of matching lines.
count_log() {
	grep -cE -- "$2" "$1" 2>/dev/null
}

# wait_exit PID [SECONDS]: wait for a child to exit; its status in RB_STATUS.
wait_exit() {
	local pid=$1 limit=${2:-15} i
	for ((i = 0; i < limit * 20; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			RB_STATUS=$?
			return 0
		fi
		sleep 0.05
	done
	RB_STATUS=255
	return 1
}

# cu_results OUT: iscsi-test-cu's output as "Suite.Test pass|fail|skip" lines
cu_results() {
	awk '
function flush() { if (t != "") print s "." t, r; t = "" }
/^Suite: / { flush(); s = $0; sub(/^Suite: /, "", s); gsub(/ /, "_", s); next }
/^  Test: / { flush(); t = $2; r = "pass" }
/SKIPPED/ { if (t != "" && r == "pass") r = "skip" }
/^    [0-9]+\. [^ ]+:[0-9]+ +- / { if (t != "") r = "fail" }
/^Run Summary/ { flush() }' "$1"
}
