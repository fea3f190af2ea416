#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-ended: a fault whose namespace is destroyed shows as state "ended", with its reason, for 60 s, and
# then disappears from fault.list and fault.get on its own (no request needed to make it go). It waits the real
# 60 s, so it runs in parallel with other suites: it touches only its own namespace pair and its own agent.
#
#   a (192.0.2.1) --- b (192.0.2.2)

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
agent_start

state_of() {
        cl list | jq -r --arg id "$1" '[.faults[] | select(.id == $id) | .state] | first // "absent"'
}
ms_since() {
        echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

"$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - >/dev/null <<<"{\"id\":\"doomed\",
        \"target\":{\"netns\":\"/run/netns/$A\"},\"partition\":true,\"duration\":\"10m\",
        \"match\":{\"cidrs\":[\"192.0.2.2/32\"]}}"
assert_eq "$(state_of doomed)" active "the fault before its namespace goes"
# A second fault on the same device, newer, with a class of its own: the namespace's death removes it first (its
# tree goes, so the namespace is looked for and found gone), then the partition, whose removal is a map update
# that never looks. The journal's record of the namespace must still go with the last of them.
"$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - >/dev/null <<<"{\"id\":\"keeper\",
        \"target\":{\"netns\":\"/run/netns/$A\"},\"bandwidth\":{\"rate\":\"10mbit\"},\"duration\":\"10m\"}"
records=("$AGENT_DIR"/state/netns/*)
((${#records[@]} == 1)) && [[ -e ${records[0]} ]] || fail "expected one namespace record in the journal: ${records[*]}"

ip netns del "$A"
t0=$(date +%s%N)
while [[ $(state_of doomed) != ended ]]; do
        (( $(ms_since "$t0") < 5000 )) || fail "the fault was not ended within 5 s of its namespace: $(agent_log | tail -3)"
        sleep 0.05
done
t_ended=$(date +%s%N)
echo "ended $(ms_since "$t0") ms after the namespace was deleted"
for ((i = 0; i < 100; i++)); do
        [[ $(state_of keeper) == ended ]] && break
        sleep 0.05
done
assert_eq "$(state_of keeper)" ended "the second fault on the namespace"
left=$(find "$AGENT_DIR/state/netns" -type f)
[[ -z $left ]] || fail "the journal still records the dead namespace: $left"
echo "ok: the journal's namespace record went with both faults"
assert_eq "$(cl get doomed | jq -r .reason)" "its network namespace was destroyed" "reason of the ended fault"

# Still shown just before the 60 s are up (we saw it ended at most 50 ms after the agent marked it).
while (( $(ms_since "$t_ended") < 55000 )); do sleep 0.2; done
assert_eq "$(state_of doomed)" ended "state 55 s after it ended"
assert_eq "$(cl get doomed | jq -r .state)" ended "fault.get 55 s after it ended"

# Gone at 60 s: the agent's own timer forgets it.
while (( $(ms_since "$t_ended") < 59000 )); do sleep 0.2; done
t_gone=
for ((i = 0; i < 60; i++)); do
        if [[ $(state_of doomed) == absent ]]; then
                t_gone=$(ms_since "$t_ended")
                break
        fi
        sleep 0.1
done
[[ -n $t_gone ]] || fail "the ended fault was still listed 65 s after it ended"
echo "gone from fault.list $t_gone ms after it was first seen ended"
(( t_gone >= 59000 )) || fail "the ended fault went after $t_gone ms, before its 60 s"
assert_eq "$(cl_err get doomed)" -32005 "fault.get of a forgotten fault"
ip netns add "$A" # an empty one, for the cleanup to delete
echo "ok: an ended fault is shown for 60 s, then forgotten"
