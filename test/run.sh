#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test and ends with one line "N passed, N failed".
#   unit tests (cmocka) on the normal build and on the ASan+UBSan build
#   (and test_store_file with TSan),
#   the man page lint, the fuzz drivers over their seed corpora (when built),
#   and the integration tests in test/integ/ (need root: network namespaces).
# Each suite speaks TAP; this script counts "ok" and "not ok" lines.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
pass=0 fail=0
failed=()

# run NAME CMD...: run a TAP-speaking command, count its results.  With
# RUN_PLANNED=1 the command must print a plan ("1..N", TAP) and run exactly
# that many tests: a suite cut short fails even if all it ran passed.
run() {
	local name=$1 out rc n_ok n_fail plan
	shift
	echo "# ---- $name"
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	# TAP test lines are numbered ("ok 3 - ..."); a tool's own "ok 0"
	# on the same output is not one
	n_ok=$(grep -cE '^ok [0-9]+ - ' <<<"$out")
	n_fail=$(grep -cE '^not ok [0-9]+ - ' <<<"$out")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' <<<"$out" | head -1)
	if [ "${RUN_PLANNED:-0}" = 1 ] && [ "$n_fail" -eq 0 ] &&
		{ [ -z "$plan" ] || [ "$((n_ok + n_fail))" -ne "$plan" ]; }; then
		n_fail=1
		echo "not ok - $name ran $n_ok tests of a plan of ${plan:-(none)}"
	fi
	if [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
		# A crash or an error outside any test still counts as a failure.
		n_fail=1
		echo "not ok - $name exited with status $rc"
	fi
	pass=$((pass + n_ok))
	fail=$((fail + n_fail))
	[ "$n_fail" -eq 0 ] || failed+=("$name")
}

export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/test/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "$B"/test/test_*; do
	[ -x "$t" ] && run "unit $(basename "$t")" "$t"
done
for t in "$B"/asan/test/test_*; do
	[ -x "$t" ] && run "unit $(basename "$t") (asan+ubsan)" "$t"
done
for t in "$B"/tsan/test/test_*; do
	[ -x "$t" ] && TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/test/tsan.supp" \
		run "unit $(basename "$t") (tsan)" "$t"
done

man_lint() {
	local n=0 f
	for f in "$B"/man/*.[58]; do
		n=$((n + 1))
		if mandoc -T lint -W warning "$f"; then echo "ok $n - mandoc lint $f"
		else echo "not ok $n - mandoc lint $f"; fi
	done
}
run "man pages" man_lint

format_check() {
	local n=0 f
	command -v clang-format >/dev/null || { echo "not ok 1 - clang-format is installed"; return; }
	for f in $(git ls-files "*.c" "*.h" 2>/dev/null || find src include test -name "*.[ch]"); do
		n=$((n + 1))
		if clang-format --dry-run -Werror "$f" 2>/dev/null; then echo "ok $n - $f is formatted"
		else echo "not ok $n - $f is formatted (make format)"; fi
	done
}
run "format" format_check

fuzz_corpora() {
	local n=0 f
	for f in "$B"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		n=$((n + 1))
		if "$f" -runs=0 "test/fuzz/corpus/$(basename "$f")" >/dev/null 2>&1; then
			echo "ok $n - $(basename "$f") replays its seed corpus"
		else
			echo "not ok $n - $(basename "$f") replays its seed corpus"
		fi
	done
	[ "$n" -gt 0 ] || echo "# no fuzz drivers built (make fuzz-build); skipped"
}
run "fuzz corpora" fuzz_corpora

if [ "$(id -u)" -eq 0 ]; then
	# Namespaces left by a run that was killed: ours all start with "rbt".
	for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^rbt[0-9]+-/ {print $1}'); do
		ip netns del "$ns"
	done
	for t in test/integ/t_*.sh; do
		# 300 s each, or what the test's "# timeout: N" line says
		to=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$t" | head -1)
		RUN_PLANNED=1 run "integration $(basename "$t" .sh)" timeout "${to:-300}" bash "$t"
	done
	# Every suite fails, and soon, when its daemon exits at once: a
	# "rackboot" that exits 1, beside the real test tools.  Not t_install
	# (it runs the binary it installs) nor t_bench (the bench scripts
	# start rackboot themselves, and wait out their own timeouts).
	dead_daemon() {
		local d n=0 t name t0 rc
		d=$(mktemp -d /tmp/rbt-dead.XXXXXX)
		printf '#!/bin/sh\nexit 1\n' >"$d/rackboot"
		chmod 755 "$d" "$d/rackboot"
		ln -s "$PWD/$B/test" "$d/test"
		for t in test/integ/t_*.sh; do
			name=$(basename "$t" .sh)
			# (t_bare, t_deb and t_readme run no rackboot of $RACKBOOT)
			case $name in t_install | t_bench | t_bare | t_deb | t_readme) continue ;; esac
			n=$((n + 1))
			t0=$SECONDS
			RACKBOOT=$d/rackboot timeout 120 bash "$t" >"$d/out" 2>&1
			rc=$?
			if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
				echo "ok $n - $name fails when rackboot exits at once ($((SECONDS - t0)) s)"
			else
				echo "not ok $n - $name fails when rackboot exits at once (status $rc)"
				sed 's/^/# /' "$d/out" | tail -20
			fi
		done
		rm -rf "$d"
	}
	run "integration suites against a daemon that exits at once" dead_daemon
	# Again with the sanitized daemon: an ASan or UBSan report aborts it,
	# and a leak at exit changes its status, which these tests check.
	if [ -x "$B/asan/rackboot" ]; then
		# (t_rbd's conformance run gets more time, T_CU_TIMEOUT: a
		# sanitized daemon is slower; the limit only bounds a hang)
		for t in cli lifecycle priv daemon dhcp dhcp_modes tftp http iscsi import rbd; do
			T_CU_TIMEOUT=450 RACKBOOT=$PWD/$B/asan/rackboot RUN_PLANNED=1 \
				run "integration $t (asan+ubsan daemon)" timeout 900 bash "test/integ/t_$t.sh"
		done
	fi
	# With ThreadSanitizer: every report (from any rackboot the suite
	# started, or a test tool built with it) lands in a file of its own,
	# and a suite that left one fails.  The folder is writable by all: the
	# daemon writes as the user it drops to.
	if [ -x "$B/tsan/rackboot" ]; then
		tsan_dir=$(mktemp -d /tmp/rbt-tsan.XXXXXX)
		chmod 1777 "$tsan_dir"
		no_tsan_report() {
			local f n=0
			for f in "$tsan_dir/$1".*; do
				[ -e "$f" ] || continue
				n=$((n + 1))
				sed 's/^/# /' "$f"
			done
			if [ "$n" -eq 0 ]; then echo "ok 1 - t_$1: no ThreadSanitizer report"
			else echo "not ok 1 - t_$1: $n ThreadSanitizer reports"; fi
		}
		# t_rbd is left to a run by hand (13 minutes here, most of CI's
		# budget): TSAN_OPTIONS as below, T_CU_TIMEOUT=600
		# RACKBOOT=$B/tsan/rackboot bash test/integ/t_rbd.sh
		for t in dhcp iscsi; do
			T_PERF_N=1000 T_PERF_RATE=250 T_CU_TIMEOUT=600 \
				TSAN_OPTIONS="halt_on_error=0 log_path=$tsan_dir/$t suppressions=$PWD/test/tsan.supp" \
				RACKBOOT=$PWD/$B/tsan/rackboot RUN_PLANNED=1 \
				run "integration $t (tsan daemon)" timeout 1500 bash "test/integ/t_$t.sh"
			run "tsan reports $t" no_tsan_report "$t"
		done
		rm -rf "$tsan_dir"
	fi
else
	echo "# integration tests need root (network namespaces); skipped"
	fail=$((fail + 1))
	failed+=("integration (not root)")
fi

echo
[ ${#failed[@]} -eq 0 ] || printf '# failed: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
