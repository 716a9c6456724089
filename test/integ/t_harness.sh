#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The harness itself: a test that fails, or is killed, still leaves no
# namespace, process or folder behind.
. "$(dirname "$0")/lib.sh"

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
t_done
