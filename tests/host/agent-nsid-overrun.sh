#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-nsid-overrun: a namespace's death among namespace events the agent's listener lost to an overrun is
# still seen. The agent's RTNLGRP_NSID socket gets a tiny receive buffer (CHAOSLET_TEST_NSID_RCVBUF, a test-only
# knob of the crash-points build); the agent is stopped while 300 namespaces get an nsid each and the target's
# namespace is deleted; resumed, it finds its events lost, looks at each fault's namespace, and ends the fault.
# Without that look the fault stayed "active" until its lease ran out.
#
#   a (192.0.2.1) --- b (192.0.2.2)

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 60
ns_wait_udp a 192.0.2.2:7
CHAOSLET_TEST_NSID_RCVBUF=2048 agent_start

cl apply --id cut --netns "/run/netns/$A" --partition --duration 10m >/dev/null
assert_eq "$(ns_probe a 192.0.2.2:7 --count 20 --interval 2 --timeout 100 | jq .lost)" 20 "probes lost to the partition"

many=$(mktemp -d)
prefix="cl-ovr-$$"
for ((i = 0; i < 300; i++)); do
        printf 'netns add %s-%d\nnetns set %s-%d auto\n' "$prefix" "$i" "$prefix" "$i"
done >"$many/add"
for ((i = 0; i < 300; i++)); do
        printf 'netns del %s-%d\n' "$prefix" "$i"
done >"$many/del"
at_exit ip -force -batch "$many/del" # the at_exit commands run in order
at_exit rm -rf "$many"

nsid=$(ip netns list-id | sed -n "s/^nsid \([0-9]*\) .*(iproute2 netns name: $A).*/\1/p")
[[ -n $nsid ]] || fail "no nsid for $A: $(ip netns list-id)"
kill -STOP "$AGENT_PID"
ip -batch "$many/add" >/dev/null
ip netns del "$A"
# The kernel frees the nsid, and sends RTM_DELNSID, from its asynchronous cleanup of the namespace: wait for it, so
# that the event is lost while the agent is stopped, not read after it resumes.
for ((i = 0; i < 100; i++)); do
        ip netns list-id | grep -q "^nsid $nsid " || break
        sleep 0.05
done
ip netns list-id | grep -q "^nsid $nsid " && fail "nsid $nsid of the deleted $A still listed after 5 s"
kill -CONT "$AGENT_PID"

state=
for ((i = 0; i < 100; i++)); do
        state=$(cl get cut | jq -r .state)
        [[ $state == ended ]] && break
        sleep 0.05
done
assert_eq "$state" ended "the fault after its namespace died among lost events"
agent_log | grep -q "Namespace events were lost" || fail "the agent did not notice the overrun: $(agent_log | tail -5)"
echo "ok: the overrun was noticed and the fault ended: $(cl get cut | jq -c '{state, reason}')"
ip netns add "$A" # an empty one, for the cleanup to delete
