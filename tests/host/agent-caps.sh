#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-caps: what chaosletd does when its supervisor grants fewer capabilities than it needs.
# - Without cap_sys_ptrace (or cap_net_admin) in its bounding set it refuses to start, exit status 1, and its log
#   names the missing capability and the four it needs (before this test: "Failed to drop capabilities:
#   Operation not permitted", nothing more).
# - Without cap_bpf, but with cap_sys_admin, it loads the classifier with cap_sys_admin, as kernels before 5.8 do:
#   it says so once, agent.info lists the three capabilities it holds, and a partition of one of two addresses
#   drops every probe to it and none to the other.
#
#   a (192.0.2.1) --- b (192.0.2.2 + 192.0.2.3), echo on port 7

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
need_cmd setpriv util-linux

# --- a capability it cannot do without ---------------------------------------------------------------------------
for cap in sys_ptrace net_admin; do
        log=$AGENT_DIR/refused-$cap.log
        rc=0
        timeout 10 setpriv --bounding-set "-$cap" "$CHAOSLETD" --socket "$AGENT_DIR/refused.sock" \
                --state-dir "$AGENT_DIR/refused-state" 2>"$log" || rc=$?
        assert_eq "$rc" 1 "exit status without cap_$cap"
        grep -q "started without cap_$cap: it needs cap_net_admin, cap_sys_admin, cap_sys_ptrace and cap_bpf" "$log" ||
                fail "the log does not name the missing cap_$cap: $(cat "$log")"
        [[ ! -S $AGENT_DIR/refused.sock ]] || fail "the refusing agent left its socket behind"
done
echo "ok: without cap_sys_ptrace or cap_net_admin the agent refuses to start and names the capability"

# --- cap_bpf missing: cap_sys_admin loads the classifier ----------------------------------------------------------
ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
for addr in 192.0.2.2 192.0.2.3; do
        ns_bg b "$(udpprobe_path)" echo --bind "$addr:7" --timeout 120
done
ns_wait_udp a 192.0.2.2:7
ns_wait_udp a 192.0.2.3:7

AGENT_WRAP=(setpriv --bounding-set -bpf)
agent_start
grep -q 'cap_bpf was not granted: loading the classifier with cap_sys_admin' "$AGENT_LOG" ||
        fail "no notice about the missing cap_bpf: $(agent_log)"
assert_eq "$(cl info | jq -c '.capabilities | sort')" '["cap_net_admin","cap_sys_admin","cap_sys_ptrace"]' \
        "capabilities held without cap_bpf"
assert_eq "$(awk '/^CapBnd:/ { print $2 }' "/proc/$AGENT_PID/status")" 0000000000281000 \
        "the agent's bounding set (net_admin, sys_ptrace, sys_admin)"
cl apply --id cut --netns "/run/netns/$A" --partition --cidr 192.0.2.3/32 >/dev/null ||
        fail "apply without cap_bpf failed: $(agent_log)"
r3=$(ns_probe a 192.0.2.3:7 --count 100 --interval 1 --timeout 300)
r2=$(ns_probe a 192.0.2.2:7 --count 100 --interval 1 --timeout 300)
echo "partition of 192.0.2.3 without cap_bpf: to .3 $(jq -c '{sent, lost}' <<<"$r3"), to .2 $(jq -c '{sent, lost}' <<<"$r2")"
assert_eq "$(jq .lost <<<"$r3")" 100 "probes lost to the partitioned address"
assert_eq "$(jq .lost <<<"$r2")" 0 "probes lost to the other address"
cl recover cut >/dev/null
assert_eq "$(ns_probe a 192.0.2.3:7 --count 50 --interval 1 --timeout 300 | jq .lost)" 0 "lost after recover"
agent_stop
assert_no_residue a "$DEV" "after recover without cap_bpf"
echo "ok: without cap_bpf the classifier is loaded with cap_sys_admin and the partition acts on real packets"
