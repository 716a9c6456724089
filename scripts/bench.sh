#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: every benchmark, each side by side with its peers in one run.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "make bench needs root (network namespaces)"; exit 1; }
sh scripts/deps.sh
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kea-dhcp4-server >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends atftpd >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light wrk >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fio tgt-rbd >/dev/null
scripts/bench_dhcp.sh
scripts/bench_tftp.sh
scripts/bench_http.sh
scripts/bench_iscsi.sh
scripts/bench_rbd.sh
