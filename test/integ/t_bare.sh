#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# timeout: 1800
# The README's set-up on a bare Debian 12 machine: a fresh debootstrap
# minbase root (bare_lib.sh) gets only git and make, clones the committed
# HEAD, and types `make demo` first, as a new user would: it must install
# the packages (scripts/deps.sh) and build with -Werror before anything
# needs them.  The demo itself stops after its set-up (DEMO_SETUP_ONLY:
# a chroot has no namespaces or QEMU to offer; t_demo.sh runs it whole);
# then rackboot -V and the unit tests run there.  `make test` is run for
# real by .ci/run on a fresh machine; here it is checked, before any package
# is in, to run scripts/deps.sh before it compiles anything.  Uncommitted
# changes are not tested: the root clones HEAD, or BARE_REV (a branch or
# tag: one that brings a bug back, to see this test fail).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bare_lib.sh"
t_plan 12

R=$T_DIR/root
SRC=/root/rackboot

# in_root LIMIT LOG CMD: run the shell command CMD in the root, bounded to
# LIMIT seconds, output to LOG (its end shown when it fails).
in_root() {
	local limit=$1 log=$2
	shift 2
	bare_root_exec "$R" timeout "$limit" bash -c "$*" >"$log" 2>&1 && return 0
	echo "# '$*' failed; the end of $log:" >&2
	tail -n 25 "$log" | sed 's/^/#   /' >&2
	return 1
}

# in_clone LIMIT LOG CMD: the same in the root's clone of the project.
in_clone() {
	local limit=$1 log=$2
	shift 2
	in_root "$limit" "$log" "cd $SRC && $*"
}

start_s=$SECONDS
if ! bare_root "$R"; then
	not_ok "a bare Debian 12 root (debootstrap --variant=minbase bookworm)"
	t_done
	exit
fi
ok "a bare Debian 12 root (debootstrap --variant=minbase bookworm), in $((SECONDS - start_s)) s"
check "it has no compiler, pkg-config or libuv headers yet" \
	bare_root_exec "$R" sh -c '! command -v cc && ! command -v pkg-config && [ ! -e /usr/include/uv.h ]'

check "apt-get installs git and make into it, nothing else asked for" \
	in_root 300 "$T_DIR/git-make.log" \
	'apt-get update -q && apt-get install -y -q --no-install-recommends git make'
REV=${BARE_REV:-HEAD}
git bundle create -q "$R/root/rackboot.bundle" "$REV" 2>/dev/null
check "git clones the committed $REV ($(git rev-parse --short "$REV")) there" \
	bare_root_exec "$R" timeout 60 sh -c "git clone -q --no-checkout /root/rackboot.bundle $SRC &&
		git -C $SRC -c advice.detachedHead=false checkout -q $(git rev-parse "$REV^{commit}")"
check "... and it is that commit" \
	[ "$(bare_root_exec "$R" git -C "$SRC" rev-parse HEAD)" = "$(git rev-parse "$REV")" ]

# `make -n test`'s first command that installs or compiles: it must install.
first=$(bare_root_exec "$R" timeout 60 make -C "$SRC" -n test 2>/dev/null |
	grep -m1 -E 'deps\.sh|(^| )(cc|gcc|clang) ')
check "make test would run scripts/deps.sh before it compiles anything" grep -q 'deps\.sh' <<<"$first"

start_s=$SECONDS
check "make demo, the README's first command, installs the packages and builds" \
	in_clone 1200 "$T_DIR/demo.log" DEMO_SETUP_ONLY=1 make demo
echo "# make demo's set-up took $((SECONDS - start_s)) s; apt: $(grep -m1 -E '^(Need to get|[0-9]+ upgraded)' "$T_DIR/demo.log")"
in_clone 60 "$T_DIR/deps.log" sh scripts/deps.sh
rc=$?
check "... and it did install them: scripts/deps.sh has nothing left to do" \
	test "$rc" -eq 0 -a ! -s "$T_DIR/deps.log"
check "the build compiles with -Werror" \
	in_clone 60 "$T_DIR/flags.log" 'make -n -B build/main.o | grep -q -- " -Werror "'
check "rackboot -V runs and names its version" \
	in_clone 30 "$T_DIR/version.log" 'build/rackboot -V | grep -qE "^rackboot [0-9]+\.[0-9]+\.[0-9]+"'

start_s=$SECONDS
check "make unit builds the unit tests" in_clone 900 "$T_DIR/unit-build.log" make -j2 unit
in_clone 600 "$T_DIR/unit.log" 'for t in build/test/test_*; do
	[ -x "$t" ] || continue
	echo "# suite $t"
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" || echo "not ok - $t exited with status $?"
done'
n_ok=$(grep -cE '^ok ' "$T_DIR/unit.log")
n_fail=$(grep -cE '^not ok ' "$T_DIR/unit.log")
n_suites=$(grep -c '^# suite ' "$T_DIR/unit.log")
n_plans=$(grep -cE '^1\.\.[0-9]+' "$T_DIR/unit.log")
grep -E '^not ok ' "$T_DIR/unit.log" | sed 's/^/#   /'
check "the unit tests pass there: $n_ok ok, $n_fail not ok, $n_plans of $n_suites suites ran" \
	test "$n_fail" -eq 0 -a "$n_ok" -gt 0 -a "$n_suites" -ge 20 -a "$n_plans" -eq "$n_suites"
echo "# the unit tests took $((SECONDS - start_s)) s"
t_done
