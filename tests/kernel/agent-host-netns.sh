#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kernel-agent-host-netns: a hostNetwork pod, in user-mode Linux, whose init namespace plays the node's (never run
# this on the build machine: it applies faults to the namespace it runs in). The node (192.0.2.1) --- h
# (192.0.2.2, UDP echo); a pod laid out as kubelet + containerd would (systemd driver, cgroup2) with a process in
# the node's namespace.
#
#   without --allow-host-netns    the pod, a pid and /proc/1/ns/net in the node's namespace: -32004, field target,
#                                 and nothing changed (no qdisc, no nsid)
#   with it                       a partition by pod UID drops all 200 probes sent from the pod's cgroup, and none
#                                 of 200 sent from another cgroup of the same namespace; the counters agree;
#                                 direction ingress or both: -32602 field direction; a netns path or a process in
#                                 the root cgroup: -32602 field target; recover leaves nothing

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"
. "$(dirname "$(realpath "$0")")/../lib/cgroup.sh"

need_root
need_cmd jq jq
[[ -n ${UML_RUN:-} ]] || skip "runs inside user-mode Linux only: it applies faults to the namespace it runs in"
[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] || fail "no cgroup2 on /sys/fs/cgroup"

H=$(ns_name h)
ip netns add "$H" || fail "could not create $H"
at_exit ip netns del "$H"
ip link add to-h type veth peer name to-node netns "$H" || fail "veth"
at_exit ip link del to-h
ip addr add 192.0.2.1/24 dev to-h
ip link set to-h up
ip -n "$H" addr add 192.0.2.2/24 dev to-node
ip -n "$H" link set to-node up
ip -n "$H" link set lo up
ip netns exec "$H" "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 120 &
echo_pid=$!
at_exit kill "$echo_pid"

probe=$(udpprobe_path)
for ((i = 0; i < 50; i++)); do
        "$probe" probe --to 192.0.2.2:7 --count 1 --timeout 100 --json 2>/dev/null | jq -e '.received == 1' >/dev/null && break
        sleep 0.1
done

PUID=$(cg_uuid) CID=$(cg_hex 64)
POD=/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${PUID//-/_}.slice
SCOPE=$POD/cri-containerd-$CID.scope
cg_mkdir "$SCOPE"
cg_spawn "$SCOPE" - sleep 1000
podpid=$CG_PID
OTHER=/sys/fs/cgroup/system.slice/other.service
cg_mkdir "$OTHER"

state() {
        tc qdisc show dev to-h; tc filter show dev to-h; ip netns list-id
}
node_probe() {
        cg_run "$1" - "$probe" probe --to 192.0.2.2:7 --count 200 --interval 1 --timeout 300 --json
}

# --- refused without --allow-host-netns, before anything changes ------------------------------------------
agent_start
before=$(state)
for t in "--pod $PUID" "--container containerd://$CID" "--pid $podpid" "--pid 1" "--netns /proc/1/ns/net"; do
        # shellcheck disable=SC2086
        err=$("$CHAOSLET" --socket "$AGENT_SOCKET" apply $t --device to-h --partition 2>&1 || true)
        grep -q '^error -32004.*field: target: .*--allow-host-netns' <<<"$err" || fail "$t: expected -32004: $err"
        echo "ok: $t refused: $err"
done
assert_eq "$(state)" "$before" "tc and nsids of the node after the refusals"
assert_eq "$(cl info | jq .allow_host_netns)" false "agent.info allow_host_netns"
agent_stop

# --- allowed: only the pod's traffic -----------------------------------------------------------------------
agent_start --allow-host-netns
assert_eq "$(cl info | jq .allow_host_netns)" true "agent.info allow_host_netns"
assert_eq "$(cl_err apply --pod "$PUID" --device to-h --partition --direction ingress)" -32602 "ingress, node's namespace"
err=$("$CHAOSLET" --socket "$AGENT_SOCKET" apply --pod "$PUID" --device to-h --partition --direction both 2>&1 || true)
grep -q '^error -32602.*field: direction' <<<"$err" || fail "direction both: expected -32602 field direction: $err"
err=$("$CHAOSLET" --socket "$AGENT_SOCKET" apply --netns /proc/1/ns/net --device to-h --partition 2>&1 || true)
grep -q '^error -32602.*field: target' <<<"$err" || fail "netns path to the node: expected -32602 field target: $err"
assert_eq "$(cl_err apply --pid 1 --device to-h --partition)" -32602 "pid 1 (root cgroup) in the node's namespace"
assert_eq "$(state)" "$before" "tc and nsids of the node after the refusals"

out=$(cl apply --id hn --pod "$PUID" --device to-h --partition)
assert_eq "$(jq -r .target.cgroup <<<"$out")" "${POD#/sys/fs/cgroup}" "the cgroup the fault is narrowed to"
assert_eq "$(jq -r .target.cgroup_id <<<"$out")" "$(stat -c %i "$POD")" "its cgroup id (the directory's inode)"
in_pod=$(node_probe "$SCOPE") elsewhere=$(node_probe "$OTHER")
echo "from the pod: $(jq -c '{sent,lost}' <<<"$in_pod"); from another cgroup: $(jq -c '{sent,lost}' <<<"$elsewhere")"
# Some but not all lost from the other cgroup: a stall of the user-mode kernel under host load (seen once, 68 of 200).
# Probe once more; had the classifier dropped them, the counters below would not be exactly the pod's 200.
if (($(jq .lost <<<"$elsewhere") > 0 && $(jq .lost <<<"$elsewhere") < 200)); then
        echo "note: $(jq .lost <<<"$elsewhere") of 200 lost from another cgroup, probing again"
        elsewhere=$(node_probe "$OTHER")
fi
assert_eq "$(jq .lost <<<"$in_pod")" 200 "lost from the pod's cgroup"
assert_eq "$(jq .lost <<<"$elsewhere")" 0 "lost from another cgroup of the node's namespace"
c=$(cl get hn | jq -c .counters)
echo "counters: $c"
assert_eq "$(jq .dropped_packets <<<"$c")" 200 "dropped packets = the pod's probes"
assert_eq "$(jq .matched_packets <<<"$c")" 200 "matched packets = the pod's probes"
# A container of the pod, by its ID: its scope's cgroup.
out=$(cl apply --id hc --container "$CID" --device to-h --latency 1ms)
assert_eq "$(jq -r .target.cgroup <<<"$out")" "${SCOPE#/sys/fs/cgroup}" "a container's cgroup is its scope"
cl recover hc >/dev/null
cl recover hn >/dev/null
in_pod=$(node_probe "$SCOPE")
assert_eq "$(jq .lost <<<"$in_pod")" 0 "lost from the pod's cgroup after recover"
out=$(tc qdisc show dev to-h; tc filter show dev to-h)
grep -q 'c4a0\|chaoslet' <<<"$out" && fail "chaoslet left something on to-h: $out"
echo "ok: nothing of chaoslet's left on to-h"
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"

# --- as the DaemonSet runs it: hostPID, but in a network namespace of its own -----------------------------------
# The node's namespace is then PID 1's, not the agent's: refused all the same.
node_tc() { tc qdisc show; tc class show dev to-h; tc filter show dev to-h; }
tc_before=$(node_tc)
ns_setup_pair ds peer 192.0.2.81/24 192.0.2.82/24
ds_socket=$AGENT_DIR/ds.sock
# `ip netns exec` execs the agent, so $! is the agent itself.
ip netns exec "$(ns_name ds)" "$CHAOSLETD" --socket "$ds_socket" 2>"$AGENT_DIR/ds.log" &
ds_pid=$!
at_exit kill -TERM "$ds_pid"
for _ in $(seq 100); do
        "$CHAOSLET" --socket "$ds_socket" info >/dev/null 2>&1 && break
        sleep 0.05
done
err=$("$CHAOSLET" --socket "$ds_socket" apply --pod "$PUID" --device to-h --latency 90ms 2>&1 || true)
grep -q '^error -32004: .*(field: target: .*--allow-host-netns' <<<"$err" ||
        fail "an agent in its own namespace let a target in PID 1's through: $err"
echo "ok: an agent in a namespace of its own refuses the node's (PID 1's): $err"
# A pod's namespace is an ordinary target for it.
out=$("$CHAOSLET" --socket "$ds_socket" --json apply --id pod --netns "/run/netns/$(ns_name peer)" --latency 5ms)
assert_eq "$(jq -r .state <<<"$out")" active "a fault in a pod's namespace, from an agent in a namespace of its own"
"$CHAOSLET" --socket "$ds_socket" recover pod >/dev/null
assert_eq "$(node_tc)" "$tc_before" "the node's tc after the DaemonSet-like agent"
kill -TERM "$ds_pid"
wait "$ds_pid" || fail "the DaemonSet-like agent did not exit 0: $(cat "$AGENT_DIR/ds.log")"
echo PASS
