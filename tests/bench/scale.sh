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
here=$(dirname "$(realpath "$0")")
BUILD_DIR=${BUILD_DIR:-${BUILD:-$here/../../build}}
BENCH=$BUILD_DIR/tests/bench/bench-scale

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
        # One write: tests/bench/run reads this through `grep -q` under pipefail.
        opts=$("$BENCH" --help | sed -n '/^  --json/p;/^  --quick/p;/^  --idle-seconds/p;/^  --faults-per-netns/p')
        cat <<EOT
Usage: scale.sh [--json FILE] [--quick] [--idle-seconds N] [--faults-per-netns N]
$opts
(makes the namespaces and starts an agent, then runs bench-scale with these options)
EOT
        exit 0
fi
. "$here/../lib/netns.sh"
. "$here/../lib/agent.sh"
need_root
need_cmd tc iproute2
[[ -x $BENCH ]] || fail "bench-scale not built in $BUILD_DIR"

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
