#!/bin/bash
# SPDX-License-Identifier: MIT
# The suite's `expiry` benchmark on the host kernel (no sch_netem needed): how late a partition's expires_at
# reaches packets, through a chaosletd of its own, with the agent running, SIGSTOPped, and against the exec way.
# tests/bench/bench-expiry.c says what each row measures.
#
#   expiry-host.sh [--json FILE] [--quick] [--trials N] [--interval-us US]   BUILD_DIR (or BUILD) locates the binaries
#
# About 100 s at the default 50 trials of each kind, about 20 s with --quick (10), on the 2-CPU build machine.
set -euo pipefail
. "$(dirname "$(realpath "$0")")/bench-host.sh" bench-expiry "[--json FILE] [--quick] [--trials N] [--interval-us US]" \
        "sets up two namespaces and an agent" "$@"

ns_setup_pair a b 192.0.2.1/30 192.0.2.2/30
A=$(ns_name a) B=$(ns_name b) DEV=$(ns_dev a b)
# Static neighbours both ways: a probe after the partition must not wait for ARP (the tbf baseline lets ARP
# through, chaoslet's partition matches IP only, but an entry going stale mid-trial would still cost a round trip).
mac_b=$(ip -n "$B" -j link show "$(ns_dev b a)" | jq -r '.[0].address')
mac_a=$(ip -n "$A" -j link show "$DEV" | jq -r '.[0].address')
ip -n "$A" neigh replace 192.0.2.2 lladdr "$mac_b" dev "$DEV" nud permanent
ip -n "$B" neigh replace 192.0.2.1 lladdr "$mac_a" dev "$(ns_dev b a)" nud permanent

state=$(mktemp -d /tmp/cl-bench-expiry-XXXXXX)
at_exit rm -rf "$state"
agent_start --state-dir "$state/state"

"$BENCH" --socket "$AGENT_SOCKET" --agent-pid "$AGENT_PID" \
        --netns "$A" --device "$DEV" --peer-netns "$B" --to 192.0.2.2 "$@"
agent_stop
QUIET=1 assert_no_residue a "$DEV" "after the bench"
