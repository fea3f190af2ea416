# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# tests/lib/cgroup.sh: cgroups laid out as kubelet and the container runtimes lay them out, with processes in them,
# for the container and pod target tests. Inside user-mode Linux only: it writes to the cgroup hierarchies it is
# given. Source it after netns.sh.
#
#   cg_hex N                           N random lower-case hex digits (container IDs, pod UIDs)
#   cg_uuid                            a random pod UID, with dashes
#   cg_mkdir DIR                       mkdir -p DIR; what it created is removed (innermost first) on EXIT
#   cg_spawn DIR NS|- CMD...           run CMD in the background in cgroup DIR (its cgroup.procs), in namespace NS
#                                      (a full name, ns_name of netns.sh) or "-" for the caller's; its pid in
#                                      CG_PID; killed on EXIT
#   cg_run DIR NS|- CMD...             the same in the foreground, printing the command's output
#   cg_wait_pid DIR PID                until PID shows in DIR/cgroup.procs (bounded: 5 s)

[[ -n ${_CL_CGROUP_SH:-} ]] && return 0
_CL_CGROUP_SH=1

_cg_dirs=()
_cg_pids=()

cg_hex() {
        head -c "$(( ($1 + 1) / 2 ))" /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c "$1"
}

cg_uuid() {
        local h
        h=$(cg_hex 32)
        echo "${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}"
}

cg_mkdir() {
        local d=$1 todo=()
        while [[ ! -d $d ]]; do
                todo=("$d" "${todo[@]}")
                d=$(dirname "$d")
        done
        for d in "${todo[@]}"; do
                mkdir "$d" || fail "mkdir $d"
                _cg_dirs+=("$d")
        done
}

# The command starts only once it is in the cgroup, so every socket it opens belongs to that cgroup.
cg_spawn() {
        local dir=$1 ns=$2
        shift 2
        if [[ $ns == - ]]; then
                sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@" &
        else
                # Into the cgroup first: `ip netns exec` mounts a fresh /sys, which hides the cgroup2 mount.
                sh -c 'echo $$ >"$0/cgroup.procs" && exec ip netns exec "$@"' "$dir" "$ns" "$@" &
        fi
        CG_PID=$!
        _cg_pids+=("$CG_PID")
        cg_wait_pid "$dir" "$CG_PID"
}

# Like cg_spawn, in the foreground: the command's output, once it has finished.
cg_run() {
        local dir=$1 ns=$2
        shift 2
        if [[ $ns == - ]]; then
                sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@"
        else
                sh -c 'echo $$ >"$0/cgroup.procs" && exec ip netns exec "$@"' "$dir" "$ns" "$@"
        fi
}

cg_wait_pid() {
        local i
        for ((i = 0; i < 100; i++)); do
                grep -qx "$2" "$1/cgroup.procs" 2>/dev/null && return 0
                sleep 0.05
        done
        fail "pid $2 did not show up in $1"
}

cg_cleanup() {
        local - pid i d
        set +e
        for pid in "${_cg_pids[@]}"; do
                { kill -KILL "$pid"; wait "$pid"; } 2>/dev/null
        done
        _cg_pids=()
        # Innermost first: a cgroup with children cannot be removed.
        for ((i = ${#_cg_dirs[@]} - 1; i >= 0; i--)); do
                d=${_cg_dirs[i]}
                for _ in 1 2 3 4 5; do
                        rmdir "$d" 2>/dev/null && break
                        [[ -d $d ]] || break
                        sleep 0.05
                done
        done
        _cg_dirs=()
}
at_exit cg_cleanup
