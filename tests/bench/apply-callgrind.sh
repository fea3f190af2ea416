#!/bin/bash
# SPDX-License-Identifier: MIT
# Where chaosletd's user-space instructions go per apply+recover: the agent of its own runs under valgrind's
# callgrind while bench-apply drives ROUNDS cycles of
#   warm: a partition on a device where a bandwidth fault stays live, and
#   cold: a 10mbit bandwidth fault on a device without chaoslet's tree;
# the counters are zeroed before each and dumped after it, and the top inclusive costs are printed. Instructions in
# the agent's own code and its libraries only: the kernel's share (netlink, tmpfs, wake-ups) is what
# tests/bench/apply-profile.sh (perf) shows. Wall-clock figures under valgrind mean nothing.
#
#   apply-callgrind.sh [ROUNDS]      default 300. Needs valgrind. About a minute.
#
# BUILD_DIR (or BUILD) locates the binaries (default: build). The profiles go to a temporary directory that is
# deleted at the end.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
BUILD_DIR=${BUILD_DIR:-${BUILD:-$here/../../build}}
. "$here/../lib/netns.sh"
. "$here/../lib/agent.sh"

need_root
need_cmd valgrind valgrind
rounds=${1:-300}
((rounds >= 5 && rounds <= 10000)) || fail "ROUNDS: 5 to 10000"

ns_setup_pair s s1 192.0.2.1/30 192.0.2.2/30
ns_setup_pair s s2 192.0.2.5/30 192.0.2.6/30
work=$(mktemp -d /dev/shm/cl-apply-callgrind-XXXXXX)
at_exit rm -rf "$work"

# Not agent_start: under valgrind the agent takes far longer than its 5 s to answer.
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
        "$CHAOSLETD" --socket "$AGENT_SOCKET" --state-dir "$work/state" 2>>"$work/agent.log" &
AGENT_PID=$!
at_exit agent_kill
for ((i = 0; i < 600; i++)); do
        "$CHAOSLET" --socket "$AGENT_SOCKET" info >/dev/null 2>&1 && break
        kill -0 "$AGENT_PID" 2>/dev/null || { cat "$work/agent.log" >&2; fail "chaosletd exited at start"; }
        sleep 0.1
done
((i < 600)) || fail "chaosletd under valgrind did not answer within 60 s"
cl rpc fault.apply "{\"id\":\"background\",\"target\":{\"netns\":\"/run/netns/$(ns_name s)\"},\"device\":\"to-s2\",
                     \"bandwidth\":{\"rate\":\"10mbit\"}}" >/dev/null
bench=$BUILD_DIR/tests/bench/bench-apply

echo "kernel $(uname -r), $(nproc) CPUs, --state-dir on tmpfs, $rounds rounds, user-space instructions (callgrind)"
n=0
for m in warm:to-s2:partition cold:to-s1:bandwidth; do
        IFS=: read -r name dev kind <<<"$m"
        callgrind_control -z "$AGENT_PID" >/dev/null 2>&1
        "$bench" "$AGENT_SOCKET" "$(ns_name s)" "$dev" "$rounds" "$kind" >/dev/null
        callgrind_control -d "$name" "$AGENT_PID" >/dev/null 2>&1
        n=$((n + 1))
        out=$work/callgrind.out.$n
        total=$(awk '/^summary:/ { print $2 }' "$out")
        echo
        echo "$name: $kind, $((total / rounds)) instructions per apply+recover"
        callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' |
                grep -vE 'PROGRAM TOTALS|below main|libc-start|loop_run|main\.c:main|0x0000' |
                sed -E "s|$(realpath "$here/../..")/||; s|build/\.\./||; s| \[[^]]*\]$||; s|\.part\.0$||" |
                awk 'n < 25 && !seen[$NF]++ { print; n++ }'
done
