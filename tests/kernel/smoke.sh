#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kernel-smoke: proves the user-mode Linux harness, not chaoslet. Inside the test kernel, two namespaces and a
# veth pair carry UDP probes; plain `tc` adds netem delay 90ms on the prober's side, and the measured round trip
# must follow it there and back.
#
#   tests/kernel/uml-run.sh tests/kernel/smoke.sh [PATH/TO/udpprobe]
#
# Without an argument udpprobe comes from $UDPPROBE or $BUILD_DIR/tests/tools/udpprobe.

set -euo pipefail
# shellcheck source=../lib/netns.sh
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"

need_root
need_cmd jq jq
need_cmd tc iproute2
UDPPROBE=${1:-${UDPPROBE:-}}
export UDPPROBE
udpprobe=$(udpprobe_path)

readonly COUNT=200

# One probe run from b to a's echo; checks loss and prints the JSON and the median.
probe_median() {
        local what=$1 j
        j=$(ns_probe b 192.0.2.1:7 --count "$COUNT" --interval 10 --timeout 1000)
        echo "$what: $j" >&2
        assert_eq "$(json_get "$j" lost)" 0 "$what: lost" >&2
        json_get "$j" median_ms
}

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
ns_bg a "$udpprobe" echo --bind 192.0.2.1:7 --timeout 120
ns_wait_udp b 192.0.2.1:7

base=$(probe_median "base")
assert_between "$base" 0 5 "base median ms"

dev=$(ns_dev b a)
if ! err=$(ns_exec b tc qdisc add dev "$dev" root netem delay 90ms 2>&1); then
        if [[ $err == *"qdisc kind is unknown"* && -z ${UML_RUN:-} ]]; then
                skip "this kernel has no sch_netem; run me through tests/kernel/uml-run.sh"
        fi
        fail "tc qdisc add netem: $err"
fi
delayed=$(probe_median "netem delay 90ms")
assert_between "$delayed" 89 95 "netem 90ms median ms"

ns_exec b tc qdisc del dev "$dev" root || fail "tc qdisc del"
after=$(probe_median "after delete")
assert_between "$after" 0 5 "median ms after delete"

echo "medians (ms): base $base, netem 90ms $delayed, after delete $after"
