#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README.md says what is true, as far as a script can tell cheaply:
#   - nothing it lists as "Not yet" is the name of an integration suite or a
#     module (the Ceph RBD backend stayed "Not yet" after store_rbd.c and
#     t_rbd.sh landed); the checker is shown to catch exactly that;
#   - every `make X` it names is a Makefile target, every rackboot(8)
#     section it quotes exists;
#   - .ci/run runs its test command, `make test`, and nothing else, so CI
#     cannot do a set-up step that the README leaves out.
. "$(dirname "$0")/lib.sh"
t_plan 15

# built NAMES... <README: the "Not yet" words of the README on stdin that are
# among NAMES, one a line.
built() {
	local names=" $* "
	tr '\n' ' ' | grep -oiE '\*\*Not yet:?\*\*:?[^.]*' | tr -cs 'A-Za-z0-9_' '\n' |
		tr 'A-Z' 'a-z' | sort -u | while read -r w; do
		case "$names" in *" $w "*) echo "$w" ;; esac
	done
}

names=$(
	for f in test/integ/t_*.sh; do f=${f##*/t_}; echo "${f%.sh}"; done
	for f in src/*.c src/*/*.c; do f=${f##*/}; echo "${f%.c}"; done
)
# shellcheck disable=SC2086
found=$(built $names <README.md)
check "nothing README.md lists as not yet done has a suite or module of its name" [ -z "$found" ]
[ -z "$found" ] || echo "# built, yet 'Not yet' in README.md: $found (test/integ/t_*.sh, src/*/*.c)"
# shellcheck disable=SC2086
check "... a check that fails on the drift it is for: '**Not yet:** the Ceph RBD backend'" \
	[ "$(echo 'boots. **Not yet:** the Ceph
RBD backend. See' | built $names)" = rbd ]

targets=$(awk -F: '/^[A-Za-z][A-Za-z0-9_. -]*:([^=]|$)/ { print $1 }' Makefile | tr ' ' '\n')
# In code: a line of a code block, or `make X` in the text.
for t in $(grep -oE '(^|`|&& )make [a-z][a-z-]*' README.md | awk '{ print $NF }' | sort -u); do
	check "README.md's 'make $t' is a Makefile target" grep -qx "$t" <<<"$targets"
done

sections=$(sed -n 's/^\.S[hs] //p' man/rackboot.8.in | tr -d '"')
n=0
while read -r s; do
	[ -n "$s" ] || continue
	n=$((n + 1))
	check "README.md's rackboot(8) section \"$s\" exists" grep -qxF "$s" <<<"$sections"
done < <(tr '\n' ' ' <README.md |
	grep -oE '"[A-Z][A-Z ]+[A-Z]" in `rackboot\(8\)`|`rackboot\(8\)`, [A-Z][A-Z ]*[A-Z]' |
	sed -E 's/^"([^"]*)".*/\1/; s/^`rackboot\(8\)`, //')
check "README.md quotes rackboot(8) sections ($n found)" [ "$n" -gt 0 ]

cmds=$(grep -vE '^[[:space:]]*(#|$|set |cd )' .ci/run)
check ".ci/run runs 'make test' and nothing else" [ "$cmds" = "make test" ]
[ "$cmds" = "make test" ] || sed 's/^/#   .ci\/run: /' <<<"$cmds"
check "README.md's set-up shows that command" grep -qE '^make test +#' README.md
t_done
