#!/bin/bash
# SPDX-License-Identifier: MIT
# The suite's `apply` benchmark on the host kernel (no sch_netem needed): apply+recover latency through two
# chaosletds of its own, one with --state-dir on a tmpfs (/dev/shm) and one on the disk (/tmp), each with a
# namespace and two devices of its own, against `ip netns exec tc` and the `tc -batch` floor on a third namespace.
# tests/bench/bench-apply.c says what each row measures. With --netem the cold fault is a 90 ms netem delay: for
# user-mode Linux (tests/bench/run runs it there as apply-netem), since this host has no sch_netem.
#
#   apply-host.sh [--json FILE] [--quick] [--rounds N] [--netem]   BUILD_DIR (or BUILD) locates the binaries (default: build)
#
# About 40 s at the default 200 rounds, under 10 s with --quick (30 rounds), on the 2-CPU build machine.
set -euo pipefail
. "$(dirname "$(realpath "$0")")/bench-host.sh" bench-apply "[--json FILE] [--quick] [--rounds N] [--netem]" \
        "sets up the namespaces and two agents" "$@"

# Each agent: namespace sN with cold device to-sN1 and warm device to-sN2; the tc baselines: namespace t, to-t1.
ns_setup_pair s1 s11 192.0.2.1/30 192.0.2.2/30
ns_setup_pair s1 s12 192.0.2.5/30 192.0.2.6/30
ns_setup_pair s2 s21 192.0.2.9/30 192.0.2.10/30
ns_setup_pair s2 s22 192.0.2.13/30 192.0.2.14/30
ns_setup_pair t t1 192.0.2.17/30 192.0.2.18/30

fstype() {
        df -T "$1" | awk 'NR == 2 { print $2 }'
}

# The first agent is agent.sh's own (--state-dir on /dev/shm); the second is started here, the same way.
shm=$(mktemp -d /dev/shm/cl-bench-apply-XXXXXX) disk=$(mktemp -d /tmp/cl-bench-apply-XXXXXX)
at_exit rm -rf "$shm" "$disk"
agent_start --state-dir "$shm/state"
sock2=$disk/chaoslet.sock
"$CHAOSLETD" --socket "$sock2" --state-dir "$disk/state" 2>>"$disk/agent.log" &
pid2=$!
stop_agent2() {
        [[ -n $pid2 ]] || return 0
        kill -TERM "$pid2" 2>/dev/null
        wait "$pid2" 2>/dev/null
        pid2=
}
at_exit stop_agent2
for ((i = 0; i < 100; i++)); do
        "$CHAOSLET" --socket "$sock2" info >/dev/null 2>&1 && break
        kill -0 "$pid2" 2>/dev/null || { cat "$disk/agent.log" >&2; fail "the second chaosletd exited at start"; }
        sleep 0.05
done
((i < 100)) || fail "the second chaosletd did not answer within 5 s"

"$BENCH" --cli "$CHAOSLET" \
        --tc-netns "$(ns_name t)" --tc-device "$(ns_dev t t1)" \
        --agent "$(fstype "$shm") /dev/shm,$AGENT_SOCKET,$(ns_name s1),$(ns_dev s1 s11),$(ns_dev s1 s12)" \
        --agent "$(fstype "$disk") /tmp,$sock2,$(ns_name s2),$(ns_dev s2 s21),$(ns_dev s2 s22)" \
        "$@"
stop_agent2
QUIET=1 assert_no_residue s1 "$(ns_dev s1 s11)" "after the bench"
QUIET=1 assert_no_residue s2 "$(ns_dev s2 s22)" "after the bench"
