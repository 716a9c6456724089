#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The harness itself: a test that fails, or is killed, still leaves no
# namespace, process or folder behind; a suite that runs fewer checks than
# it planned, declares no plan, ends before t_done or loses its daemon
# fails, and fails fast.
. "$(dirname "$0")/lib.sh"
t_plan 12

# gone PID: the process is gone within 2 s (a SIGKILLed process with
# threads takes a moment to be torn down and reaped).
gone() {
	local i
	for ((i = 0; i < 40; i++)); do
		[ ! -e "/proc/$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# A child test that sets up a namespace pair and a rackboot, then fails.
cat >"$T_DIR/child.sh" <<CHILD
. "$PWD/test/integ/lib.sh"
netns a && netns b && link a x0 b y0
conf "\$T_DIR/c.conf"
start a "\$T_DIR/log" -c "\$T_DIR/c.conf"
wait_log "\$T_DIR/log" "started with configuration"
echo "\$NS_PREFIX \$RB_PID \$T_DIR" >"$T_DIR/child.info"
exit 1
CHILD
bash "$T_DIR/child.sh" >/dev/null 2>&1
check "the failing child test failed" [ $? -eq 1 ]
read -r prefix pid dir <"$T_DIR/child.info"
check "its namespaces are gone" [ -z "$(ip netns list | grep "^$prefix-")" ]
check "its rackboot is gone" gone "$pid"
check "its folder is gone" [ ! -e "$dir" ]

# The same when the child is killed by a signal mid-test.
sed -i 's/^exit 1$/sleep 30/' "$T_DIR/child.sh"
rm -f "$T_DIR/child.info"
bash "$T_DIR/child.sh" >/dev/null 2>&1 &
child=$!
for _ in $(seq 200); do [ -s "$T_DIR/child.info" ] && break; sleep 0.05; done
read -r prefix pid dir <"$T_DIR/child.info"
kill -TERM "$child"
wait "$child"
check "a killed child's namespaces are gone" [ -z "$(ip netns list | grep "^$prefix-")" ]
check "its rackboot is gone" gone "$pid"

# child BODY...: a suite of these lines after lib.sh; its output in
# $T_DIR/child.out, its status returned.
child() {
	{
		echo ". \"$PWD/test/integ/lib.sh\""
		printf '%s\n' "$@"
	} >"$T_DIR/child.sh"
	bash "$T_DIR/child.sh" >"$T_DIR/child.out" 2>&1
}
child 't_plan 3' 'check one true' 'check two true' 't_done'
check "a suite that runs 2 of its 3 planned checks fails" \
	bash -c '[ "$1" -ne 0 ] && grep -q "^not ok 3 - ran as many checks as planned (3)" "$2"' _ $? \
	"$T_DIR/child.out"
child 'check one true' 't_done'
check "a suite that declares no plan fails" \
	bash -c '[ "$1" -ne 0 ] && grep -q "declares its plan" "$2"' _ $? "$T_DIR/child.out"
child 't_plan 2' 'check one true' 'exit 0'
check "a suite that exits 0 before t_done fails" \
	bash -c '[ "$1" -ne 0 ] && grep -q "ended before t_done, after 1 of 2" "$2"' _ $? \
	"$T_DIR/child.out"
# A daemon that exits at once: the first wait_log ends the suite, failed,
# without waiting out its 10 s.
printf '#!/bin/sh\nexit 1\n' >"$T_DIR/rackboot" && chmod +x "$T_DIR/rackboot"
t0=$SECONDS
child "RACKBOOT=$T_DIR/rackboot" 't_plan 2' 'netns a || exit 1' \
	'start a "$T_DIR/log" -c /dev/null' 'check "it serves" wait_log "$T_DIR/log" "started"' \
	'check "never reached" true' 't_done'
rc=$? took=$((SECONDS - t0))
check "a suite whose daemon exits at once fails" \
	bash -c '[ "$1" -ne 0 ] && grep -q "^not ok 1 - rackboot is running" "$2" && ! grep -q "never reached" "$2"' \
	_ $rc "$T_DIR/child.out"
check "... within 3 s, not the wait's 10 ($took s)" [ "$took" -le 3 ]
child 't_plan 2' 'check one true' 'check two true' 't_done'
check "a suite that runs its plan and passes, passes" [ $? -eq 0 ]
t_done
