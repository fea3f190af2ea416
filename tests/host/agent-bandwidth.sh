#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-bandwidth: bandwidth faults (tbf in chaoslet's tree) on this kernel, which has tbf but no sch_netem,
# measured on real TCP transfers (tcpblast):
#
#   a (192.0.2.1) --- b (192.0.2.2 + 192.0.2.3), a TCP sink in b per transfer
#
#   1mbit to .2           a 5 s transfer to .2 runs at 1 Mbit/s +- 15 %, one to .3 at full speed
#   2mbit to .3 beside    added while the first lives (a class added in place): .3 at 2 Mbit/s +- 15 %
#   recover               each cap lifts with its fault; the other stays; nothing left behind
#   bandwidth + latency   needs sch_netem: -32002 on this kernel, nothing changed

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
TCPBLAST=${TCPBLAST:-$BUILD_DIR/tests/tools/tcpblast}
[[ -x $TCPBLAST ]] || fail "tcpblast not found at $TCPBLAST"

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
agent_start
T="\"target\":{\"netns\":\"/run/netns/$A\"}"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/cl-bw-XXXXXX")
at_exit rm -rf "$OUT"
port=5200

apply_json() {
        "$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - <<<"$1"
}

# One TCP transfer of SECONDS from a to ADDR; prints the sink's Mbit/s (bytes received over accept..EOF).
blast() {
        local addr=$1 seconds=$2 out i
        port=$((port + 1))
        out=$OUT/sink-$port.json
        ns_bg b "$TCPBLAST" sink --bind "$addr:$port" --timeout 60 >"$out"
        ns_exec a "$TCPBLAST" send --to "$addr:$port" --seconds "$seconds" --sndbuf 65536 >/dev/null ||
                fail "tcpblast send to $addr:$port failed"
        for ((i = 0; i < 200; i++)); do
                [[ -s $out ]] && break
                sleep 0.05
        done
        [[ -s $out ]] || fail "the sink on $addr:$port reported nothing"
        jq -r '.bytes * 8 / .seconds / 1e6 | . * 1000 | round / 1000' "$out"
}

nothing_left() {
        local out
        out=$(ns_exec a tc qdisc show; ns_exec a tc filter show dev "$DEV"; ns_exec a ip link show
              ns_exec a bpftool net 2>/dev/null || true)
        if grep -E -q 'c4a0|c4[0-9a-f]{2}:|c5[0-9a-f]{2}:|tbf|chaoslet|clsact' <<<"$out"; then
                echo "$out" >&2
                fail "something of chaoslet's is left in namespace a ($1)"
        fi
        echo "ok: nothing of chaoslet's left in namespace a ($1)"
}

base=$(blast 192.0.2.2 1)
echo "base: $base Mbit/s to .2"
assert_between "$base" 50 1000000 "base throughput (Mbit/s)"

# --- 1mbit to .2 only -----------------------------------------------------------------------------------------
out=$(apply_json "{\"id\":\"bw2\",$T,\"bandwidth\":{\"rate\":\"1mbit\"},\"match\":{\"cidrs\":[\"192.0.2.2/32\"]}}")
assert_eq "$(jq -c .spec.bandwidth <<<"$out")" '{"rate":"1mbit"}' "the spec as given"
grep -q "^bandwidth *rate=1mbit" < <("$CHAOSLET" --socket "$AGENT_SOCKET" get bw2) || fail "chaoslet get shows no bandwidth"
capped=$(blast 192.0.2.2 5)
other=$(blast 192.0.2.3 1)
echo "1mbit to .2: .2 at $capped Mbit/s, .3 at $other Mbit/s"
assert_between "$capped" 0.85 1.15 "throughput to .2 under a 1mbit cap (Mbit/s)"
assert_between "$other" 50 1000000 "throughput to .3, not matched (Mbit/s)"
c=$(cl get bw2 | jq .counters)
(( $(jq .matched_bytes <<<"$c") > 500000 )) || fail "the fault's counters saw too little: $c"

# --- a second cap beside it, added in place ----------------------------------------------------------------------
apply_json "{\"id\":\"bw3\",$T,\"bandwidth\":{\"rate\":\"2mbit\",\"burst\":\"16kb\",\"limit\":40000},
             \"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
capped3=$(blast 192.0.2.3 4)
echo "2mbit to .3 beside 1mbit to .2: .3 at $capped3 Mbit/s"
assert_between "$capped3" 1.7 2.3 "throughput to .3 under a 2mbit cap (Mbit/s)"

# --- recover lifts each cap --------------------------------------------------------------------------------------
cl recover bw2 >/dev/null
lifted=$(blast 192.0.2.2 1)
still=$(blast 192.0.2.3 3)
echo "after recovering bw2: .2 at $lifted Mbit/s, .3 at $still Mbit/s"
assert_between "$lifted" 50 1000000 "throughput to .2 after recover (Mbit/s)"
assert_between "$still" 1.7 2.3 "throughput to .3, its cap still on (Mbit/s)"
cl recover bw3 >/dev/null
nothing_left "after recovering both"
assert_between "$(blast 192.0.2.3 1)" 50 1000000 "throughput to .3 after recover (Mbit/s)"

# --- bandwidth with netem needs sch_netem, which this kernel may lack ---------------------------------------------
if [[ $(cl info | jq .kernel.features.sch_netem) == false ]]; then
        before=$(ns_exec a tc qdisc show)
        assert_eq "$(cl_err apply --netns "/run/netns/$A" --bandwidth 1mbit --latency 10ms)" -32002 \
                "bandwidth with latency, no sch_netem"
        [[ $before == "$(ns_exec a tc qdisc show)" ]] || fail "a refused fault changed the namespace"
fi
nothing_left "at the end"
