#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test and ends with one line "N passed, N failed".
#   unit tests (cmocka) on the normal build and on the ASan+UBSan build,
#   the man page lint, the fuzz drivers over their seed corpora (when built),
#   and the integration tests in test/integ/ (need root: network namespaces).
# Each suite speaks TAP; this script counts "ok" and "not ok" lines.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
pass=0 fail=0
failed=()

# run NAME CMD...: run a TAP-speaking command, count its results.
run() {
	local name=$1 out rc n_ok n_fail
	shift
	echo "# ---- $name"
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	n_ok=$(grep -cE '^ok ' <<<"$out")
	n_fail=$(grep -cE '^not ok ' <<<"$out")
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
		run "integration $(basename "$t" .sh)" timeout "${to:-300}" bash "$t"
	done
	# Again with the sanitized daemon: an ASan or UBSan report aborts it,
	# and a leak at exit changes its status, which these tests check.
	if [ -x "$B/asan/rackboot" ]; then
		for t in cli lifecycle priv daemon dhcp dhcp_modes tftp http iscsi import; do
			RACKBOOT=$PWD/$B/asan/rackboot \
				run "integration $t (asan+ubsan daemon)" timeout 300 bash "test/integ/t_$t.sh"
		done
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
