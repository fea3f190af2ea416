#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-adopt: a fault keeps acting while its agent is killed and another adopts it. A partition both ways of
# 192.0.2.3 only; a probe stream every millisecond to it and one to 192.0.2.2 run across RESTARTS (5) SIGKILLs,
# each followed by a new agent on the same state directory. Every probe to .3 is lost (the kernel deadline holds
# while no agent runs, and the adopting agent takes the tree, the IFB and the hook over in place), every probe to .2
# answered (the streams did run through the restarts, and removing and rebuilding the root, which deactivates the
# device for a moment, lost 2 of them a restart), the fault is listed again after each restart with its id and
# expires_at, and the log names its deadline. Then recover: nothing left.
#
#   a (192.0.2.1) --- b (192.0.2.2 + 192.0.2.3), echo on port 7

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq

RESTARTS=${RESTARTS:-5}
ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
for addr in 192.0.2.2 192.0.2.3; do
        ns_bg b "$(udpprobe_path)" echo --bind "$addr:7" --timeout 300
done
ns_wait_udp a 192.0.2.2:7
ns_wait_udp a 192.0.2.3:7

agent_start
expires=$(cl apply --id cut --netns "/run/netns/$A" --partition --direction both --cidr 192.0.2.3/32 \
        --duration 5m | jq -r .expires_at)
[[ $expires == 20* ]] || fail "apply: no expires_at"

out=$AGENT_DIR/probes
mkdir -p "$out"
total_cut=0 total_open=0
for t in $(seq 1 "$RESTARTS"); do
        # 1,500 probes at 1 ms: the kill and the restart (a few hundred ms) fall inside both streams.
        ns_exec a "$(udpprobe_path)" probe --to 192.0.2.3:7 --count 1500 --interval 1 --timeout 200 --json \
                >"$out/cut-$t.json" &
        p1=$!
        ns_exec a "$(udpprobe_path)" probe --to 192.0.2.2:7 --count 1500 --interval 1 --timeout 200 --json \
                >"$out/open-$t.json" &
        p2=$!
        sleep 0.4
        agent_crash
        agent_start
        wait "$p1" "$p2"
        cut=$(jq .received "$out/cut-$t.json")
        open_lost=$(jq .lost "$out/open-$t.json")
        echo "restart $t: partitioned address answered $cut of 1500, the other lost $open_lost of 1500"
        ((cut == 0)) || fail "restart $t: $cut probes passed the partition while the agent was replaced"
        ((open_lost == 0)) || fail "restart $t: $open_lost probes to the other address lost (the stream stalled?)"
        total_cut=$((total_cut + 1500)) total_open=$((total_open + 1500))
        got=$(cl get cut)
        [[ $(jq -r .state <<<"$got") == active && $(jq -r .expires_at <<<"$got") == "$expires" ]] ||
                fail "restart $t: fault not adopted as it was: $got"
done
agent_log | grep -q "Adopted fault cut .* until $expires" || fail "the adoption log line does not name the deadline"
# In place: the egress tree, the IFB and the hook are taken over, never removed and rebuilt.
((n = $(agent_log | grep -c "Took over the chaoslet tree on $DEV "), n == RESTARTS)) ||
        fail "the egress tree was taken over $n times in $RESTARTS restarts"
((n = $(agent_log | grep -c "Took over the chaoslet IFB .* ingress hook on $DEV "), n == RESTARTS)) ||
        fail "the IFB and hook were taken over $n times in $RESTARTS restarts"
! agent_log | grep -q "Removing a stale chaoslet" || fail "a stale tree was removed instead of taken over"
echo "ok: $total_cut probes to the partitioned address across $RESTARTS restarts, none passed; $total_open to the other, none lost"

cl recover cut >/dev/null
assert_no_residue a "$DEV" "after recover"
assert_old_progs_gone "after $RESTARTS restarts"
