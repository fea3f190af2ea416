#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-crash: kill -9 at every step of apply and recover (a build with -Dcrash-points=true: the agent
# aborts at the step CHAOSLET_CRASH_AT names), then a restart on the same --state-dir. After each, the fault is
# either fully live (fault.list shows it, and 200/200 probes to the partitioned address are lost, 0/200 to the
# other) or fully gone (not listed, nothing lost), and in either case nothing of chaoslet's is left once it is
# recovered. The fault is a partition both ways, so every step of the ingress path (IFB, its tree, the hook) is
# crossed too.
#
#   a (192.0.2.1) --- b (192.0.2.2 + 192.0.2.3), echo on port 7

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
ulimit -c 0 # the aborts are the point: no core files

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
for addr in 192.0.2.2 192.0.2.3; do
        ns_bg b "$(udpprobe_path)" echo --bind "$addr:7" --timeout 300
done
ns_wait_udp a 192.0.2.2:7
ns_wait_udp a 192.0.2.3:7
FAULT="{\"id\":\"c\",\"target\":{\"netns\":\"/run/netns/$A\"},\"direction\":\"both\",\"partition\":true,
        \"duration\":\"5m\",\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}"

lost() {
        ns_probe a "$1" --count "${2:-200}" --interval 1 --timeout 300 | jq .lost
}
nothing_left() {
        QUIET=1 assert_no_residue a "$DEV" "$1"
}
wait_dead() {
        local i
        for ((i = 0; i < 100; i++)); do
                kill -0 "$AGENT_PID" 2>/dev/null || { wait "$AGENT_PID" 2>/dev/null || true; agent_reaped; return 0; }
                sleep 0.05
        done
        fail "the agent did not crash at $1"
}

live=0 gone=0
check_after_restart() {
        local step=$1 state
        agent_start
        state=$(cl list | jq -r '[.faults[] | select(.id == "c") | .state] | first // "none"')
        if [[ $state == active ]]; then
                [[ $(lost 192.0.2.3:7) == 200 ]] || fail "$step: listed, but the partition does not act"
                [[ $(lost 192.0.2.2:7 50) == 0 ]] || fail "$step: listed, and the other address is hit"
                cl recover c >/dev/null
                live=$((live + 1))
                echo "ok: $step: fully live after the restart (listed, 200/200 lost, 0/50 to the other address)"
        else
                [[ $state == none ]] || fail "$step: the fault is listed as $state"
                [[ $(lost 192.0.2.3:7 50) == 0 ]] || fail "$step: not listed, but packets are still lost"
                gone=$((gone + 1))
                echo "ok: $step: fully gone after the restart (not listed, 0/50 lost)"
        fi
        nothing_left "$step"
        assert_old_progs_gone "$step: the crashed agent's"
        agent_stop || fail "$step: the agent did not stop cleanly"
        [[ -z $(ls "$(agent_state)/faults") ]] || fail "$step: journal entries left: $(ls "$(agent_state)/faults")"
}

for step in apply:after-netns-note apply:after-ifb apply:after-ingress-tree apply:after-clsact apply:after-batch apply:after-journal; do
        CHAOSLET_CRASH_AT=$step agent_start
        "$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - <<<"$FAULT" >/dev/null 2>&1 &&
                fail "$step: the apply was acknowledged by an agent that was to crash"
        wait_dead "$step"
        check_after_restart "$step"
done
for step in recover:after-unhook recover:after-batch recover:after-journal-unlink; do
        CHAOSLET_CRASH_AT=$step agent_start
        "$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - <<<"$FAULT" >/dev/null
        "$CHAOSLET" --socket "$AGENT_SOCKET" --json recover c >/dev/null 2>&1 &&
                fail "$step: the recover was acknowledged by an agent that was to crash"
        wait_dead "$step"
        check_after_restart "$step"
done
assert_old_progs_gone "after the last stop"
echo "crash points: 9 steps, $live fully live and $gone fully gone after a restart, nothing left behind"
grep -q 'Adopted fault c' "$AGENT_LOG" || fail "no step was adopted: the crash points are not compiled in?"
