#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-host-netns: targets that resolve to this machine's own network namespace (a hostNetwork pod's, as far as
# chaoslet can tell) are refused by an agent without --allow-host-netns, before anything changes. Read-only on
# this machine's namespace: the checks only read tc, and every apply here is expected to be refused. (Faults in
# a node's namespace, with the flag, are tested in user-mode Linux: tests/kernel/agent-host-netns.sh.)
#
# Also: a container or pod that is not on this node is -32001, saying what was searched.

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq

# Every qdisc and filter of this namespace's devices, as text.
host_tc() {
        local dev
        tc qdisc show
        for dev in $(ls /sys/class/net); do
                tc filter show dev "$dev" 2>/dev/null
                tc filter show dev "$dev" ingress 2>/dev/null
        done
}

# Belt and braces: every apply names a device that does not exist, so even an agent that failed to refuse would
# stop at "device not found" (or at sch_netem missing) before any change to this machine's traffic control.
NODEV=cl-nodev$$
NODEV=${NODEV:0:15}
[[ ! -e /sys/class/net/$NODEV ]] || skip "a device $NODEV exists here"

agent_start
assert_eq "$(cl info | jq .allow_host_netns)" false "agent.info allow_host_netns"
before=$(host_tc)
self_ino=$(stat -L -c %i /proc/self/ns/net)
[[ $(stat -L -c %i "/proc/$AGENT_PID/ns/net") == "$self_ino" ]] || skip "the agent does not run in this namespace"

for t in "--pid 1" "--pid $AGENT_PID" "--pid $$" "--netns /proc/1/ns/net" "--netns /proc/self/ns/net"; do
        # PID 1's namespace is the node's too, even where it is not the agent's (the DaemonSet runs with hostPID,
        # not hostNetwork): refused either way. In a sandbox whose PID 1 the agent may not enter, that refusal
        # comes first. The device does not exist, so even a broken refusal changes nothing.
        # shellcheck disable=SC2086
        err=$("$CHAOSLET" --socket "$AGENT_SOCKET" apply $t --device "$NODEV" --latency 90ms 2>&1 || true)
        if [[ $t == *" /proc/1/"* || $t == "--pid 1" ]] &&
           grep -q '^error -32004: Not permitted to enter the target' <<<"$err"; then
                echo "ok: $t refused, the agent may not enter it here: $err"
                continue
        fi
        grep -q '^error -32004: .*(field: target: .*--allow-host-netns' <<<"$err" || fail "$t: expected -32004: $err"
        echo "ok: $t refused: $err"
done
after=$(host_tc)
[[ $before == "$after" ]] || { diff <(echo "$before") <(echo "$after") >&2; fail "this namespace's tc changed"; }
echo "ok: this namespace's qdiscs and filters are as they were"
grep -q 'Applied fault' "$AGENT_LOG" && fail "the agent applied a fault: $(agent_log)"
assert_eq "$(cl list | jq '.faults | length')" 0 "faults after the refusals"

# A container or pod that is not here: -32001, with what was searched. (Nothing to refuse on: no process has these.)
cid=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
err=$("$CHAOSLET" --socket "$AGENT_SOCKET" apply --container "containerd://$cid" --latency 90ms 2>&1 || true)
echo "$err"
grep -Eq "^error -32001: .*field: target.container: no process in a cgroup of container $cid; searched: /proc/\*/cgroup \([0-9]+ processes\)" <<<"$err" ||
        fail "expected -32001 with what was searched: $err"
err=$("$CHAOSLET" --socket "$AGENT_SOCKET" apply --pod 00000000_0000_4000_8000_000000000000 --latency 90ms 2>&1 || true)
grep -Eq "^error -32001: .*field: target.pod: no process in a cgroup of pod 00000000-0000-4000-8000-000000000000" <<<"$err" ||
        fail "expected -32001 for the pod: $err"
assert_eq "$(cl_err apply --container "containerd://${cid:0:12}" --latency 90ms)" -32602 "a short container ID"
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
