# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# tests/lib/agent.sh: run a chaosletd of the test's own and talk to it with the chaoslet CLI. Source it after
# netns.sh.
#
#   agent_start [chaosletd options...]   starts it on a private socket, waits until it answers, stops it on EXIT
#   agent_stop                           SIGTERM, wait, and return its exit status
#   agent_crash                          SIGKILL, wait; the state directory stays for the next agent_start
#   agent_reaped                         the agent died by itself (a crash point) and was waited for
#   agent_state                          the agent's --state-dir ($AGENT_DIR/state, kept across restarts)
#   assert_old_progs_gone WHAT           no eBPF program of an agent stopped or killed earlier is still loaded
#                                        (by the ids its agent.info reported, so parallel tests do not matter)
#   cl ARGS...                           chaoslet --socket ... --json ARGS...
#   cl_err ARGS...                       expect failure: prints the JSON-RPC error code the CLI reported
#   agent_log                            the agent's stderr so far
#   assert_clean NS DEV                  nothing of chaoslet's left on the device (qdisc, class, filter)
#   assert_no_residue NS DEV WHAT        nothing of chaoslet's left in the namespace: qdiscs, DEV's filters both
#                                        ways, links (IFBs), bpftool net; prints ok unless QUIET=1
#
# BUILD_DIR locates the binaries (chaosletd, chaoslet).

[[ -n ${_CL_AGENT_SH:-} ]] && return 0
_CL_AGENT_SH=1

CHAOSLETD=${CHAOSLETD:-$BUILD_DIR/agent/chaosletd}
CHAOSLET=${CHAOSLET:-$BUILD_DIR/proto/chaoslet}
AGENT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cl-agent-XXXXXX")
AGENT_SOCKET=$AGENT_DIR/run/chaoslet.sock
AGENT_LOG=$AGENT_DIR/agent.log
AGENT_PID=
AGENT_WRAP=()           # a command that execs the agent, such as setpriv with a narrower bounding set
AGENT_PROG_IDS=()       # the running agent's classifier programs, from its agent.info
_cl_old_prog_ids=()     # those of the agents stopped or killed since the last assert_old_progs_gone

agent_start() {
        [[ -x $CHAOSLETD ]] || fail "chaosletd not found at $CHAOSLETD (set BUILD_DIR)"
        "${AGENT_WRAP[@]}" "$CHAOSLETD" --socket "$AGENT_SOCKET" --state-dir "$AGENT_DIR/state" "$@" 2>>"$AGENT_LOG" &
        AGENT_PID=$!
        [[ -n ${_cl_agent_at_exit:-} ]] || at_exit agent_kill
        _cl_agent_at_exit=1
        local i
        for ((i = 0; i < 100; i++)); do
                if "$CHAOSLET" --socket "$AGENT_SOCKET" info >/dev/null 2>&1; then
                        mapfile -t AGENT_PROG_IDS < <(cl info | jq -r '.classifier.prog_ids[]?')
                        return 0
                fi
                kill -0 "$AGENT_PID" 2>/dev/null || { cat "$AGENT_LOG" >&2; fail "chaosletd exited at start"; }
                sleep 0.05
        done
        cat "$AGENT_LOG" >&2
        fail "chaosletd did not answer within 5 s"
}

agent_kill() {
        [[ -n $AGENT_PID ]] && { kill -KILL "$AGENT_PID"; wait "$AGENT_PID"; } 2>/dev/null
        AGENT_PID=
        rm -rf "$AGENT_DIR"
}

agent_crash() {
        { kill -KILL "$AGENT_PID"; wait "$AGENT_PID"; } 2>/dev/null || true
        agent_reaped
}

agent_reaped() {
        AGENT_PID=
        _cl_old_prog_ids+=("${AGENT_PROG_IDS[@]}")
        AGENT_PROG_IDS=()
}

# A program lives while an fd, a filter or a pin holds it; its release is deferred (RCU, a work queue), so wait a
# little: at most 20 x 50 ms for each.
assert_old_progs_gone() {
        local id i
        for id in "${_cl_old_prog_ids[@]}"; do
                for ((i = 0; i < 20; i++)); do
                        bpftool prog show id "$id" >/dev/null 2>&1 || continue 2
                        sleep 0.05
                done
                bpftool prog show id "$id" >&2
                fail "a dead agent's eBPF program $id is still loaded ($1)"
        done
        [[ ${QUIET:-} == 1 || ${#_cl_old_prog_ids[@]} == 0 ]] ||
                echo "ok: the ${#_cl_old_prog_ids[@]} programs of earlier agents are gone ($1)"
        _cl_old_prog_ids=()
}

agent_state() {
        echo "$AGENT_DIR/state"
}

agent_stop() {
        local rc
        kill -TERM "$AGENT_PID" || return 1
        wait "$AGENT_PID"
        rc=$?
        AGENT_PID=
        _cl_old_prog_ids+=("${AGENT_PROG_IDS[@]}")
        AGENT_PROG_IDS=()
        return $rc
}

agent_log() {
        cat "$AGENT_LOG"
}

cl() {
        "$CHAOSLET" --socket "$AGENT_SOCKET" --json "$@"
}

# The CLI prints "error CODE: ..." on stderr and exits 1 for a JSON-RPC error.
cl_err() {
        local out
        if out=$("$CHAOSLET" --socket "$AGENT_SOCKET" --json "$@" 2>&1); then
                fail "expected chaoslet $* to fail, it printed: $out"
        fi
        sed -n 's/^error \(-[0-9]*\).*/\1/p' <<<"$out" | head -n1
}

assert_clean() {
        local ns=$1 dev=$2 out
        out=$(ns_exec "$ns" tc qdisc show dev "$dev"; ns_exec "$ns" tc class show dev "$dev"
              ns_exec "$ns" tc filter show dev "$dev")
        if grep -q 'c4a0\|c4[0-9a-f][0-9a-f]:\|chaoslet' <<<"$out"; then
                echo "$out" >&2
                fail "chaoslet left something on $dev in $ns"
        fi
        echo "ok: nothing of chaoslet's on $dev in $ns"
}

assert_no_residue() {
        local ns=$1 dev=$2 out
        out=$(ns_exec "$ns" tc qdisc show; ns_exec "$ns" tc filter show dev "$dev"
              ns_exec "$ns" tc filter show dev "$dev" ingress 2>/dev/null; ns_exec "$ns" ip link show
              ns_exec "$ns" bpftool net 2>/dev/null || true)
        if grep -E -q 'c4a0|chaoslet|clsact' <<<"$out"; then
                echo "$out" >&2
                fail "something of chaoslet's is left in namespace $ns ($3)"
        fi
        [[ ${QUIET:-} == 1 ]] || echo "ok: nothing of chaoslet's left in namespace $ns ($3)"
}

# udpprobe's median RTT in ms between two namespaces: median_ms NS ADDR:PORT COUNT [INTERVAL_MS]
median_ms() {
        ns_probe "$1" "$2" --count "$3" --interval "${4:-5}" | jq -r .median_ms
}

# rtt_iqr JSON: the interquartile range of a probe run's round trips (ns_probe ... --rtts), in ms. The spread to
# check a delay distribution by: one stall of a busy machine's user-mode Linux (a probe or two 100 ms late) can
# double a standard deviation over a few hundred probes and leaves the quartiles where they are.
rtt_iqr() {
        jq '[.rtt_ms[] | select(. != null)] | sort | .[(length * 0.75 | floor)] - .[(length * 0.25 | floor)]' <<<"$1"
}

# median_ms_at_most NS ADDR:PORT COUNT MAX: median_ms, measured once more if it is above MAX. A stall of the
# user-mode kernel under host load only ever adds time (seen: a median of 85 ms over 50 probes with no qdisc of
# chaoslet's left; 117 ms for a 90 ms fault), so a median above its bound gets one more measurement and a median below
# its bound never does. A fault that really stays shows in both.
median_ms_at_most() {
        local m
        m=$(median_ms "$1" "$2" "$3")
        if awk -v m="$m" -v max="$4" 'BEGIN { exit !(m > max) }'; then
                echo "note: median $m ms above $4 ms, measuring again" >&2
                m=$(median_ms "$1" "$2" "$3")
        fi
        echo "$m"
}
