# SPDX-License-Identifier: MIT
# Sourced by the bench_*.sh scripts: a temporary folder $D, a namespace
# pair "$P-srv" (eth1) and "$P-cli" (eth0) joined by a veth pair, a cpuacct
# cgroup $CG that servers can be started in (in_cg), and one EXIT trap that
# removes all of it.  A script may define bench_on_exit for its own cleanup.
#
# bench_setup NAME SRV_CIDR CLI_CIDR
bench_setup() {
	D=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$D"
	P=$1$$
	SRV_PID=
	# The cgroup counts every process a server runs, exited children
	# included (tftpd-hpa forks per transfer and does not leave their
	# times to its parent).
	CG=/sys/fs/cgroup/cpuacct/$P
	mkdir -p "$CG" 2>/dev/null || CG=
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$P-srv" && ip netns add "$P-cli" || exit 1
	ip link add "$P"a type veth peer name "$P"b
	ip link set "$P"a netns "$P-srv" name eth1
	ip link set "$P"b netns "$P-cli" name eth0
	ip -n "$P-srv" addr add "$2" dev eth1
	ip -n "$P-cli" addr add "$3" dev eth0
	for n in srv cli; do ip -n "$P-$n" link set lo up; done
	ip -n "$P-srv" link set eth1 up
	ip -n "$P-cli" link set eth0 up
}

bench_cleanup() {
	declare -F bench_on_exit >/dev/null && bench_on_exit
	[ -n "$SRV_PID" ] && kill -KILL "$SRV_PID" 2>/dev/null
	[ -n "$CG" ] && { xargs -r kill -KILL <"$CG/tasks" 2>/dev/null || true; sleep 0.2; rmdir "$CG"; }
	for n in srv cli; do ip netns pids "$P-$n" 2>/dev/null | xargs -r kill -KILL; done
	ip netns del "$P-srv" 2>/dev/null
	ip netns del "$P-cli" 2>/dev/null
	rm -rf "$D"
}

# in_cg CMD... &: run CMD inside the accounting cgroup.  Called in the
# background, so the subshell execs and $! is the server itself.
in_cg() {
	if [ -n "$CG" ]; then
		exec sh -c 'echo $$ > "$0/tasks" && exec "$@"' "$CG" "$@"
	else
		exec "$@"
	fi
}

# The CPU the cgroup has used, in clock ticks (or, without a cgroup, the
# process's own and its reaped children's).
cpu_all() {
	if [ -n "$CG" ]; then
		awk -v hz="$(getconf CLK_TCK)" '{printf "%d", $1 / 1e9 * hz}' "$CG/cpuacct.usage"
	else
		awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0
	fi
}

stop_server() {
	kill -TERM "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
	ip -n "$P-srv" neigh flush all
}
