#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-inode-reuse: the kernel gives a new namespace the inode number of one that died. An agent killed with
# a fault in namespace X, X deleted, a new namespace Y made until it has X's inode: the next agent's reconcile must
# take Y for what it is, a stranger, and neither adopt X's fault onto it nor sweep it. Y carries an htb root with
# chaoslet's handle (c4a0:) that no journal explains, which a sweep of X would remove.

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq

ns_setup_pair x peer 192.0.2.101/24 192.0.2.102/24
X=$(ns_name x)
DEV=$(ns_dev x peer)
ino=$(stat -L -c %i "/run/netns/$X")
agent_start
cl apply --id old --netns "/run/netns/$X" --partition --duration 10m >/dev/null
agent_crash

# X goes (its veth with it); a new namespace takes its inode number, usually at the first try.
ip netns del "$X"
reuse=
for ((i = 0; i < 20; i++)); do
        name=cl-reuse-$$-$i
        ip netns add "$name"
        at_exit ip netns del "$name"
        if [[ $(stat -L -c %i "/run/netns/$name") == "$ino" ]]; then
                reuse=$name
                break
        fi
done
[[ -n $reuse ]] || skip "this kernel did not reuse the namespace inode $ino within 20 namespaces"
echo "ok: /run/netns/$reuse has the dead namespace's inode $ino"
ip -n "$reuse" link add "$DEV" type veth peer name reuse-peer
ip -n "$reuse" link set "$DEV" up
tc -n "$reuse" qdisc add dev "$DEV" root handle c4a0: htb default 0
before=$(tc -n "$reuse" qdisc show dev "$DEV")

agent_start
assert_eq "$(cl list | jq '.faults | length')" 0 "faults adopted onto a stranger namespace"
after=$(tc -n "$reuse" qdisc show dev "$DEV")
assert_eq "$after" "$before" "the stranger namespace's qdiscs after reconcile"
grep -q 'ended while the agent was down' "$AGENT_LOG" || fail "the old fault's end was not logged: $(agent_log)"
echo "ok: the journalled fault's namespace is taken as gone"
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
echo PASS
