#!/bin/bash
# SPDX-License-Identifier: MIT
# The suite's `scale` benchmark on the host kernel (no sch_netem needed): one chaosletd of its own (--state-dir on
# the disk, /tmp) holding 10 selective faults in each of 100 namespaces, 50 veth pairs with the faults on both ends.
# tests/bench/bench-scale.c says what each row measures.
#
#   scale.sh [--json FILE] [--quick] [--idle-seconds N] [--faults-per-netns N]   BUILD_DIR (or BUILD) locates the binaries (default: build)
#
# About 40 s in all (setup ~2 s, two idle windows of 10 s), under 15 s with --quick (10 namespaces, 3 s windows),
# on the 2-CPU build machine.
set -euo pipefail
. "$(dirname "$(realpath "$0")")/bench-host.sh" bench-scale \
        "[--json FILE] [--quick] [--idle-seconds N] [--faults-per-netns N]" \
        "makes the namespaces and starts an agent" "$@"

pairs=50
for a in "$@"; do
        [[ $a == --quick ]] && pairs=5
done

# Pair k: namespaces kKa and kKb, one veth end each; every namespace gets its faults on its own end.
t0=$(date +%s%N)
args=()
for ((k = 1; k <= pairs; k++)); do
        ns_setup_pair "k${k}a" "k${k}b" 192.0.2.1/30 192.0.2.2/30
        args+=(--netns "$(ns_name "k${k}a"):$(ns_dev "k${k}a" "k${k}b")"
               --netns "$(ns_name "k${k}b"):$(ns_dev "k${k}b" "k${k}a")")
done
setup_ms=$((($(date +%s%N) - t0) / 1000000))
echo "setup: $((2 * pairs)) namespaces in $setup_ms ms" >&2

# agent.sh's AGENT_DIR is under /tmp: the journal is on the disk.
agent_start --max-duration 1h
"$BENCH" --socket "$AGENT_SOCKET" --agent-pid "$AGENT_PID" --setup-ms "$setup_ms" "${args[@]}" "$@"
agent_stop || fail "chaosletd did not stop cleanly"

t0=$(date +%s%N)
n=${#_ns_created[@]}
ns_cleanup
echo "cleanup: $n namespaces deleted in $((($(date +%s%N) - t0) / 1000000)) ms" >&2
