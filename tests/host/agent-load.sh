#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-load: 16 concurrent clients doing 1,000 operations each (apply, renew, recover, list) over 50
# namespaces (tests/tools/chaoslet-load), twice:
#
#   1. to the end: fault.list shows exactly what each client was acknowledged, a live partition drops real
#      probes, recovering everything leaves nothing in any of the 50 namespaces and an empty journal; the agent's
#      peak RSS (VmHWM) is printed;
#   2. SIGKILL at a random moment mid-load, restart on the same --state-dir: nothing lost (every acknowledged apply
#      listed, in its namespace; every acknowledged recover absent; what was in flight may be either), a listed
#      partition still drops real probes, and after recovering all, nothing left anywhere, an empty journal, and
#      no program of the killed agent still loaded.
#
# CHAOSLET_LOAD_OPS scales the operations per client (default 1000; the sanitizer build uses fewer).
#
#   aK (192.0.2.1) --- bK (192.0.2.2, echo on port 7), K = 1..25

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
LOAD=$BUILD_DIR/tests/tools/chaoslet-load
OPS=${CHAOSLET_LOAD_OPS:-1000}
PAIRS=25
[[ -x $LOAD ]] || fail "chaoslet-load not found at $LOAD"

declare -A PAIR_OF_INODE=()
NETNS_ARGS=()
for ((k = 1; k <= PAIRS; k++)); do
        ns_setup_pair "a$k" "b$k" 192.0.2.1/24 192.0.2.2/24
        for side in a b; do
                p=/run/netns/$(ns_name "$side$k")
                NETNS_ARGS+=(--netns "$p")
                PAIR_OF_INODE[$(stat -c %i "$p")]=$k
        done
        ns_bg "b$k" "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 900
done
for ((k = 1; k <= PAIRS; k++)); do
        ns_wait_udp "a$k" 192.0.2.2:7
done
echo "ok: $((2 * PAIRS)) namespaces, $PAIRS echo servers"

lost_of() {
        ns_probe "a$1" 192.0.2.2:7 --count 10 --interval 1 --timeout 200 | jq .lost
}

# A listed partition (ids ...-f0, which also match 192.0.2.0/24) drops a pair's probes; a pair without one does
# not. Checks up to three pairs of each.
check_packets() {
        local list ino k n=0 m=0 with=() without=() l
        list=$(cl list)
        declare -A has=()
        for ino in $(jq -r '.faults[] | select(.state == "active" and (.id | endswith("-f0"))) | .target.netns_inode' <<<"$list"); do
                has[${PAIR_OF_INODE[$ino]}]=1
        done
        for ((k = 1; k <= PAIRS; k++)); do
                if [[ -n ${has[$k]:-} ]]; then with+=("$k"); else without+=("$k"); fi
        done
        ((${#with[@]} > 0)) || fail "$1: no partition listed to check packets with"
        for k in "${with[@]:0:3}"; do
                l=$(lost_of "$k")
                [[ $l == 10 ]] || fail "$1: pair $k has a listed partition, but only $l/10 probes were lost"
                n=$((n + 1))
        done
        for k in "${without[@]:0:3}"; do
                l=$(lost_of "$k")
                [[ $l == 0 ]] || fail "$1: pair $k has no partition, but $l/10 probes were lost"
                m=$((m + 1))
        done
        echo "ok: $1: listed partitions drop 10/10 probes in $n pairs, 0/10 in $m pairs without one" \
             "(${#with[@]} of $PAIRS pairs partitioned)"
}

nothing_left() {
        local k side
        for ((k = 1; k <= PAIRS; k++)); do
                for side in a b; do
                        if [[ $side == a ]]; then dev=$(ns_dev "a$k" "b$k"); else dev=$(ns_dev "b$k" "a$k"); fi
                        QUIET=1 assert_no_residue "$side$k" "$dev" "$1"
                done
        done
        [[ -z $(ls "$(agent_state)/faults") ]] || fail "$1: journal entries left: $(ls "$(agent_state)/faults")"
        echo "ok: $1: nothing of chaoslet's in any of the $((2 * PAIRS)) namespaces, the journal is empty"
}

peak_rss() {
        awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$AGENT_PID/status"
}

# 1. The whole load, to the end.
agent_start
out=$("$LOAD" --socket "$AGENT_SOCKET" "${NETNS_ARGS[@]}" --clients 16 --ops "$OPS" --seed 1 \
        --expect "$AGENT_DIR/expect1") || { echo "$out"; fail "the load failed (above)"; }
echo "load: $out"
[[ $(jq .agent_gone <<<"$out") == false ]] || fail "the agent went away during the load"
assert_eq "$(jq .lost <<<"$out")" 0 "faults lost after 16 x $OPS operations"
assert_eq "$(jq .wrong <<<"$out")" 0 "faults wrongly listed after 16 x $OPS operations"
assert_eq "$(jq .unexpected_errors <<<"$out")" 0 "unexpected errors"
rss=$(peak_rss)
check_packets "after the load"
v=$("$LOAD" --socket "$AGENT_SOCKET" --verify "$AGENT_DIR/expect1" --recover) || { echo "$v"; fail "verify"; }
echo "recover: $v"
nothing_left "after the load"
agent_stop || fail "the agent did not stop cleanly"
assert_old_progs_gone "after the load"
echo "figures: 16 clients x $OPS ops over $((2 * PAIRS)) namespaces: $(jq .ops <<<"$out") ops in" \
     "$(jq .seconds <<<"$out") s ($(jq .ops_per_s <<<"$out") ops/s); apply p50 $(jq .latency_ms.apply.p50 <<<"$out") ms" \
     "p99 $(jq .latency_ms.apply.p99 <<<"$out") ms; list p50 $(jq .latency_ms.list.p50 <<<"$out") ms;" \
     "agent peak RSS (VmHWM) $rss MiB"

# 2. The same load, killed mid-way. The kill lands 20..80 % into the time phase 1 took.
ms=$(jq '.seconds * 1000 | floor' <<<"$out")
delay_ms=$((ms / 5 + RANDOM % (ms * 3 / 5 + 1)))
agent_start
"$LOAD" --socket "$AGENT_SOCKET" "${NETNS_ARGS[@]}" --clients 16 --ops "$OPS" --seed "$RANDOM" \
        --expect "$AGENT_DIR/expect2" >"$AGENT_DIR/load2.json" &
lpid=$!
sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
agent_crash
wait "$lpid" || { cat "$AGENT_DIR/load2.json"; fail "the load failed before the kill (above)"; }
out2=$(cat "$AGENT_DIR/load2.json")
echo "load until SIGKILL at ${delay_ms} ms: $out2"
[[ $(jq .agent_gone <<<"$out2") == true ]] || fail "the load ended before the kill at ${delay_ms} ms"
agent_start
v=$("$LOAD" --socket "$AGENT_SOCKET" --verify "$AGENT_DIR/expect2") || { echo "$v"; fail "faults lost or wrong after SIGKILL and restart"; }
echo "after the restart: $v"
assert_eq "$(jq .lost <<<"$v")" 0 "faults lost across SIGKILL"
assert_eq "$(jq .wrong <<<"$v")" 0 "faults wrongly listed across SIGKILL"
check_packets "after SIGKILL and restart"
v=$("$LOAD" --socket "$AGENT_SOCKET" --verify "$AGENT_DIR/expect2" --recover) || { echo "$v"; fail "verify"; }
nothing_left "after SIGKILL, restart and recover"
agent_stop || fail "the agent did not stop cleanly"
assert_old_progs_gone "after SIGKILL and restart"
echo "figures: SIGKILL after $(jq .ops <<<"$out2") ops: $(jq .live <<<"$v") acknowledged faults adopted," \
     "$(jq .in_flight <<<"$v") in flight ($(jq .in_flight_live <<<"$v") of them live); 0 lost, 0 residue"
