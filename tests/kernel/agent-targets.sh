#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kernel-agent-targets: container and pod targets, found by their cgroups as kubelet and the runtimes lay them out
# (user-mode Linux 6.1, sch_netem present), measured on UDP round trips a --- b, the fault on a's side.
#
#   systemd driver, cgroup v2      kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice/
#                                  cri-containerd-<id>.scope: by container ID and by pod UID, 90 ms = +89..95 ms
#   SIGKILL + restart              a pod target's fault adopted from the journal (same expires_at), +90 ms
#   not on this node               -32001, data.searched names /proc/*/cgroup and how many processes were read
#   replaced process               the container's process killed and replaced by another in the same cgroup and
#                                  namespace: recover removes everything; expiry too
#   restarted container            a new container (new ID) in the same pod: recover of the old ID's fault still
#                                  cleans up (the pod's other processes lead to its namespace)
#   cgroupfs driver, cgroup v2     kubepods/besteffort/pod<uid>/<id>, bare ID: +90 ms
#   cgroup v1 (cgroupfs)           a name=systemd v1 hierarchy only: by pod UID, +90 ms
#   one pod, two namespaces        -32001 naming both processes

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"
. "$(dirname "$(realpath "$0")")/../lib/cgroup.sh"

need_root
need_cmd jq jq
[[ -n ${UML_RUN:-} ]] || skip "runs inside user-mode Linux: tests/kernel/uml-run.sh (it creates cgroups)"
[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] || fail "no cgroup2 on /sys/fs/cgroup"

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a) B=$(ns_name b)
DEV=$(ns_dev a b)
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 200
ns_wait_udp a 192.0.2.2:7
agent_start
INODE=$(stat -L -c %i "/run/netns/$A")

base=$(median_ms a 192.0.2.2:7 100)
echo "base median RTT: $base ms"
assert_between "$base" 0 5 "base median RTT (ms)"

# The fault adds 89..95 ms to the median, and recovering it leaves nothing.
expect_delay() {
        local m
        m=$(median_ms_at_most a 192.0.2.2:7 60 "$(awk -v b="$base" 'BEGIN { print b + 95 }')")
        echo "with 90ms ($1): median $m ms"
        assert_between "$(awk -v m="$m" -v b="$base" 'BEGIN { printf "%.3f", m - b }')" 89 95 "added latency, $1 (ms)"
}
expect_base() {
        local m
        m=$(median_ms_at_most a 192.0.2.2:7 60 "$(awk -v b="$base" 'BEGIN { print b + 2 }')")
        assert_between "$m" 0 "$(awk -v b="$base" 'BEGIN { print b + 2 }')" "median RTT $1 (ms)"
}

# The container's process killed and replaced by a new one in cgroup $1, in namespace a.
replace_app() {
        cg_spawn "$1" "$A" sleep 1000
        kill -KILL "$app"
        wait "$app" 2>/dev/null || true
        app=$CG_PID
}

CG=/sys/fs/cgroup
PUID=$(cg_uuid) PUID_=${PUID//-/_}
PAUSE=$(cg_hex 64) CID=$(cg_hex 64) CID2=$(cg_hex 64)
POD=$CG/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$PUID_.slice
cg_mkdir "$POD/cri-containerd-$PAUSE.scope"
cg_mkdir "$POD/cri-containerd-$CID.scope"
# The pod's sandbox (pause) and one app container, both in namespace a, as a pod's are.
cg_spawn "$POD/cri-containerd-$PAUSE.scope" "$A" sleep 1000
cg_spawn "$POD/cri-containerd-$CID.scope" "$A" sleep 1000
app=$CG_PID
echo "pod $PUID: pause and container ${CID:0:12} (pid $app) in $POD"

# --- by container ID, systemd driver, cgroup v2 -------------------------------------------------------------
out=$(cl apply --id c1 --container "containerd://$CID" --latency 90ms)
assert_eq "$(jq -r .target.container <<<"$out")" "containerd://$CID" "container target echoed as given"
assert_eq "$(jq -r .target.netns_inode <<<"$out")" "$INODE" "the container's namespace is a's"
assert_eq "$(jq -r '.devices | join(",")' <<<"$out")" "$DEV" "devices"
expect_delay "container target"
cl recover c1 >/dev/null
assert_clean a "$DEV"
expect_base "after recover"

# --- by pod UID (underscores, as the systemd driver writes it) ---------------------------------------------
out=$(cl apply --id p1 --pod "$PUID_" --latency 90ms)
assert_eq "$(jq -r .target.netns_inode <<<"$out")" "$INODE" "the pod's namespace is a's"
expect_delay "pod target"
cl recover p1 >/dev/null
assert_clean a "$DEV"

# --- SIGKILL and a restart on the same --state-dir: the pod's fault is found again by its cgroups and adopted ---
exp=$(cl apply --id pk --pod "$PUID" --latency 90ms --duration 5m | jq -r .expires_at)
agent_crash
agent_start
assert_eq "$(cl get pk | jq -r .expires_at)" "$exp" "the pod's fault, adopted after SIGKILL"
expect_delay "pod target after adoption"
cl recover pk >/dev/null
assert_clean a "$DEV"

# --- not on this node ------------------------------------------------------------------------------------------
err=$("$CHAOSLET" --socket "$AGENT_SOCKET" apply --container "docker://$(cg_hex 64)" --latency 90ms 2>&1 || true)
echo "$err"
grep -q '^error -32001' <<<"$err" || fail "expected -32001 for a container not on this node: $err"
grep -q 'field: target.container' <<<"$err" || fail "the error does not name target.container: $err"
grep -Eq 'searched: /proc/\*/cgroup \([0-9]+ processes\)' <<<"$err" || fail "the error does not say what was searched: $err"
assert_eq "$(cl_err apply --pod "$(cg_uuid)" --latency 90ms)" -32001 "a pod not on this node"

# --- the container's process replaced by another in the same cgroup and namespace: recover --------------------
cl apply --id rp --container "$CID" --latency 90ms >/dev/null
expect_delay "before the process is replaced"
replace_app "$POD/cri-containerd-$CID.scope"
grep -qx "$app" "$POD/cri-containerd-$CID.scope/cgroup.procs" || fail "the replacement is not in the container's cgroup"
expect_delay "after the process is replaced"
out=$(cl recover rp)
assert_eq "$(jq -r .state <<<"$out")" recovered "recover after the process was replaced"
assert_clean a "$DEV"
expect_base "after recover of a replaced process"
grep -q 'Recovered fault rp .*namespace is gone' "$AGENT_LOG" && fail "the agent took the namespace for gone"

# ... and expiry.
cl apply --id rx --pod "$PUID" --latency 90ms --duration 3s >/dev/null
replace_app "$POD/cri-containerd-$CID.scope"
t0=$(date +%s)
while cl get rx >/dev/null 2>&1; do
        (( $(date +%s) - t0 < 8 )) || fail "the 3 s fault still lives after 8 s"
        sleep 0.1
done
grep -q 'Expired fault rx on pod:' "$AGENT_LOG" || fail "no expiry line for rx"
grep -q 'Expired fault rx .*namespace is gone' "$AGENT_LOG" && fail "expiry took the namespace for gone"
assert_clean a "$DEV"
echo "ok: expiry after a replaced process cleaned up"

# --- a restarted container: new ID, same pod; the old ID's fault is still found and removed ---------------------
cl apply --id rs --container "cri-o://$CID" --latency 90ms >/dev/null
cg_mkdir "$POD/cri-containerd-$CID2.scope"
replace_app "$POD/cri-containerd-$CID2.scope"
rmdir "$POD/cri-containerd-$CID.scope"
cl recover rs >/dev/null
assert_clean a "$DEV"
echo "ok: recover after the container restarted under a new ID"

# --- cgroupfs driver, cgroup v2: kubepods/besteffort/pod<uid>/<id>, by the bare ID ------------------------------
FUID=$(cg_uuid) FCID=$(cg_hex 64)
cg_mkdir "$CG/kubepods/besteffort/pod$FUID/$FCID"
cg_spawn "$CG/kubepods/besteffort/pod$FUID/$FCID" "$A" sleep 1000
cl apply --id fs --container "$FCID" --latency 90ms >/dev/null
expect_delay "cgroupfs layout, container ID"
cl recover fs >/dev/null
assert_clean a "$DEV"

# --- cgroup v1: a name=systemd hierarchy, cgroupfs layout, by pod UID -------------------------------------------
V1=/run/cg1
mkdir -p "$V1"
mount -t cgroup -o none,name=systemd cgroup "$V1" || fail "cannot mount a cgroup v1 hierarchy"
at_exit umount "$V1"
VUID=$(cg_uuid) VCID=$(cg_hex 64)
cg_mkdir "$V1/kubepods/burstable/pod$VUID/$VCID"
cg_spawn "$V1/kubepods/burstable/pod$VUID/$VCID" "$A" sleep 1000
grep -q "^[1-9][0-9]*:name=systemd:/kubepods/burstable/pod$VUID/$VCID\$" "/proc/$CG_PID/cgroup" ||
        fail "the process is not in the v1 cgroup: $(cat "/proc/$CG_PID/cgroup")"
grep -q "^0::/kubepods" "/proc/$CG_PID/cgroup" && fail "the v1 case must not be found through cgroup v2"
cl apply --id v1 --pod "$VUID" --latency 90ms >/dev/null
expect_delay "cgroup v1, pod UID"
cl recover v1 >/dev/null
assert_clean a "$DEV"

# --- one pod, processes in two namespaces ----------------------------------------------------------------------
SPLIT=$(cg_hex 64)
cg_mkdir "$POD/cri-containerd-$SPLIT.scope"
cg_spawn "$POD/cri-containerd-$SPLIT.scope" "$B" sleep 1000
err=$("$CHAOSLET" --socket "$AGENT_SOCKET" apply --pod "$PUID" --latency 90ms 2>&1 || true)
echo "$err"
grep -q '^error -32001.*different network namespaces' <<<"$err" || fail "expected -32001 for a split pod: $err"
assert_clean a "$DEV"
assert_clean b "$(ns_dev b a)"

agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
echo "agent log:"
agent_log
