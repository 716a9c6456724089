#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo, non-interactively: it runs, shows rackboot serving, stops it
# and removes its namespaces.
. "$(dirname "$0")/lib.sh"

DEMO_SECONDS=1 timeout 120 scripts/demo.sh </dev/null >"$T_DIR/out" 2>&1
check "the demo exits 0" [ $? -eq 0 ]
check "rackboot started in it" grep -q "rackboot 0.1.0 started with configuration" "$T_DIR/out"
check "it saw the link come up" grep -q "serving interface eth1 is up" "$T_DIR/out"
check "a broken reload was refused" grep -q "reload failed; still serving configuration generation 1" "$T_DIR/out"
check "a good one was taken" grep -q "configuration reloaded (generation 2)" "$T_DIR/out"
check "it stopped gracefully" grep -q "info: stopped" "$T_DIR/out"
check "its namespaces are gone" [ -z "$(ip netns list | grep '^rbdemo-')" ]
t_done
