#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-trials: N randomised kill -9 trials (CHAOSLET_TRIALS, default 50; 1,000 is the documented run by
# hand). In each, a client applies and recovers three faults (one both ways, so IFBs come and go) as fast as it
# can; the agent is killed at a random moment (50..550 ms in) and restarted on the same --state-dir. Then:
#
#   zero lost faults    every fault whose last acknowledged operation was an apply, with nothing in flight after
#                       it, is listed; every fault last acknowledged as recovered is not (one in flight may be
#                       either); the partition on 192.0.2.3, when listed, still drops real packets
#   zero residue        after recovering what is listed, nothing of chaoslet's is left and the journal is empty,
#                       and no program of the killed agent is still loaded (by the ids its agent.info gave)
#
#   a (192.0.2.1) --- b (192.0.2.2 + 192.0.2.3), echo on port 7

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
TRIALS=${CHAOSLET_TRIALS:-50}
((TRIALS >= 1 && TRIALS <= 10000)) || fail "CHAOSLET_TRIALS must be 1..10000"

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.3:7 --timeout 3600
ns_wait_udp a 192.0.2.3:7
IDS=(t1 t2 t3)
declare -A SPEC=(
        [t1]="\"partition\":true,\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}"
        [t2]="\"direction\":\"both\",\"partition\":true,\"match\":{\"cidrs\":[\"198.51.100.2/32\"]}"
        [t3]="\"netem\":{\"loss\":50},\"match\":{\"cidrs\":[\"203.0.113.3/32\"],\"ports\":[7]}"
)
OPS=$AGENT_DIR/ops.log

nothing_left() {
        QUIET=1 assert_no_residue a "$DEV" "$1"
}

# Apply or recover a random fault, bounded: at most 400 operations, each logged before it starts and when acked.
client() {
        local i id op
        declare -A on=()
        for ((i = 0; i < 400; i++)); do
                id=${IDS[RANDOM % 3]}
                if [[ -n ${on[$id]:-} ]]; then op=recover; else op=apply; fi
                echo "start $op $id" >>"$OPS"
                if [[ $op == apply ]]; then
                        "$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - \
                                <<<"{\"id\":\"$id\",\"target\":{\"netns\":\"/run/netns/$A\"},${SPEC[$id]}}" >/dev/null 2>&1 || return 0
                        on[$id]=1
                else
                        "$CHAOSLET" --socket "$AGENT_SOCKET" --json recover "$id" >/dev/null 2>&1 || return 0
                        on[$id]=
                fi
                echo "ack $op $id" >>"$OPS"
        done
}

# What the log says a fault must be after the restart: "live", "gone", or "either" (an operation in flight).
expected() {
        awk -v id="$1" '$3 == id { if ($1 == "ack") { state = ($2 == "apply") ? "live" : "gone"; inflight = 0 } else inflight = 1 }
                        END { if (inflight) print "either"; else print (state == "" ? "gone" : state) }' "$OPS"
}

live=0 gone=0 either=0 adopted=0
t_start=$(date +%s%N)
for ((trial = 1; trial <= TRIALS; trial++)); do
        : >"$OPS"
        agent_start
        client &
        cpid=$!
        sleep "0.$(printf '%03d' $((50 + RANDOM % 500)))"
        agent_crash
        wait "$cpid" 2>/dev/null || true
        agent_start
        listed=$(cl list | jq -r '[.faults[] | select(.state == "active") | .id] | join(" ")')
        for id in "${IDS[@]}"; do
                want=$(expected "$id")
                have=gone
                [[ " $listed " == *" $id "* ]] && have=live
                case $want in
                either) either=$((either + 1)) ;;
                "$have") [[ $have == live ]] && live=$((live + 1)) || gone=$((gone + 1)) ;;
                *) cat "$OPS" >&2; fail "trial $trial: fault $id should be $want after the restart, it is $have" ;;
                esac
                if [[ $have == live ]]; then
                        adopted=$((adopted + 1))
                        if [[ $id == t1 ]]; then
                                l=$(ns_probe a 192.0.2.3:7 --count 10 --interval 1 --timeout 200 | jq .lost)
                                [[ $l == 10 ]] || fail "trial $trial: t1 is listed, but only $l/10 probes were lost"
                        fi
                        cl recover "$id" >/dev/null
                fi
        done
        nothing_left "trial $trial"
        QUIET=1 assert_old_progs_gone "trial $trial"
        [[ -z $(ls "$(agent_state)/faults") ]] || fail "trial $trial: journal entries left: $(ls "$(agent_state)/faults")"
        agent_stop || fail "trial $trial: the agent did not stop cleanly"
done
assert_old_progs_gone "after the last stop"
secs=$(( ($(date +%s%N) - t_start) / 1000000000 ))
echo "trials: $TRIALS kill -9 in ${secs} s; fault checks: $((3 * TRIALS)) ($live live as expected, $gone gone" \
     "as expected, $either in flight at the kill), $adopted adopted; 0 lost, 0 residue"
