#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-journal: durable faults (--state-dir) on this kernel, with classifier faults (no sch_netem needed),
# measured on real packets:
#
#   SIGKILL + restart        the same faults (ids, expires_at) are adopted; the egress and the ingress partition
#                            still drop 200/200 to their address and 0/200 to another; recover leaves nothing
#   expired while dead       cleaned up at start, logged once, its entry gone
#   nobody recorded it       a fault whose entry was lost: its tree, IFB and hook are removed at start
#   --keep-faults-on-exit    SIGTERM leaves the faults acting; the next agent adopts them
#   plain SIGTERM            recovers everything and empties the journal
#   corrupt entries          a torn one and a wrong version: skipped, set aside, counted in agent.info
#   journal write fails      the apply is refused (-32603) and undone
#
#   a (192.0.2.1) --- b (192.0.2.2 + 192.0.2.3), echo on ports 7 and 9

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
# The echo servers the probes below talk to: .3:7 (egress partition), .2:9 (ingress partition), .2:7 (neither).
for to in 192.0.2.3:7 192.0.2.2:9 192.0.2.2:7; do
        ns_bg b "$(udpprobe_path)" echo --bind "$to" --timeout 300
        ns_wait_udp a "$to"
done
T="\"target\":{\"netns\":\"/run/netns/$A\"}"

apply_json() {
        "$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - <<<"$1"
}
lost() {
        ns_probe a "$1" --count "${2:-200}" --interval 1 --timeout 300 | jq .lost
}
nothing_left() {
        assert_no_residue a "$DEV" "$1"
}
restart() {
        local t0=$(date +%s%N)
        agent_start "$@"
        echo "restarted and reconciled in $(( ($(date +%s%N) - t0) / 1000000 )) ms (until the first answer)"
}
STATE=$(agent_state)

# --- SIGKILL with live faults, egress and ingress: adopted by the next agent -------------------------------
agent_start
apply_json "{\"id\":\"eg3\",$T,\"partition\":true,\"duration\":\"5m\",\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
apply_json "{\"id\":\"in9\",$T,\"direction\":\"ingress\",\"partition\":true,\"duration\":\"5m\",
             \"match\":{\"cidrs\":[\"192.0.2.2/32\"],\"ports\":[9]}}" >/dev/null
before=$(cl list | jq -c '[.faults[] | {id, state, expires_at, applied_at, devices}]')
assert_eq "$(ls "$STATE/faults" | sort | tr '\n' ' ')" "eg3.json in9.json " "journal entries"
assert_eq "$(jq -r .version "$STATE/faults/eg3.json")" 1 "journal format version"
agent_crash
restart
after=$(cl list | jq -c '[.faults[] | {id, state, expires_at, applied_at, devices}]')
assert_eq "$after" "$before" "fault.list after SIGKILL and restart"
grep -q 'Adopted fault eg3' "$AGENT_LOG" || fail "no adoption logged: $(agent_log)"
assert_eq "$(lost 192.0.2.3:7)" 200 "lost to the egress-partitioned address, after restart"
assert_eq "$(lost 192.0.2.2:9)" 200 "lost from the ingress-partitioned port, after restart"
assert_eq "$(lost 192.0.2.2:7)" 0 "lost to the other address and port, after restart"
assert_eq "$(cl get eg3 | jq .counters.dropped_packets)" 200 "the new agent's counters count the adopted fault"
cl recover eg3 >/dev/null
cl recover in9 >/dev/null
nothing_left "after recovering the adopted faults"
assert_eq "$(ls "$STATE/faults" | wc -l)" 0 "journal entries after recover"

# --- a fault that expired while the agent was dead: cleaned up at start, logged once -----------------------
apply_json "{\"id\":\"short\",$T,\"direction\":\"both\",\"partition\":true,\"duration\":\"2s\",
             \"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
t0=$(date +%s%N)
agent_crash
while (( $(date +%s%N) - t0 < 2200000000 )); do sleep 0.05; done
restart
assert_eq "$(grep -c 'Expired while the agent was down: fault short' "$AGENT_LOG")" 1 "expiry logged once"
assert_eq "$(cl list | jq '.faults | length')" 0 "faults after the restart"
nothing_left "after an expiry while the agent was down"
assert_eq "$(ls "$STATE/faults" | wc -l)" 0 "journal entries after the expiry"

# --- state that no entry records (as after a crash between the netlink batch and the journal) ---------------
apply_json "{\"id\":\"lostentry\",$T,\"direction\":\"both\",\"partition\":true,\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
agent_crash
rm "$STATE/faults/lostentry.json"
restart
grep -q 'Removed .* of chaoslet state that no live fault explains' "$AGENT_LOG" || fail "no sweep logged: $(agent_log)"
nothing_left "after a restart over state nobody recorded"
assert_eq "$(lost 192.0.2.3:7 50)" 0 "lost after the sweep"

# --- --keep-faults-on-exit: SIGTERM leaves the faults to the next agent ----------------------------------------
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
agent_start --keep-faults-on-exit
assert_eq "$(cl info | jq .journal.keep_faults_on_exit)" true "agent.info: keep_faults_on_exit"
apply_json "{\"id\":\"kept\",$T,\"direction\":\"both\",\"partition\":true,\"duration\":\"5m\",
             \"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
before=$(cl get kept | jq -c '{id, expires_at, applied_at}')
agent_stop || fail "chaosletd did not exit 0 on SIGTERM with --keep-faults-on-exit"
grep -q 'Leaving 1 fault to the next agent' "$AGENT_LOG" || fail "no hand-over logged"
assert_eq "$(lost 192.0.2.3:7 50)" 50 "lost with the agent stopped (kept)"
restart
assert_eq "$(cl get kept | jq -c '{id, expires_at, applied_at}')" "$before" "the kept fault, adopted"
assert_eq "$(lost 192.0.2.3:7)" 200 "lost after the adoption"
assert_eq "$(lost 192.0.2.2:7)" 0 "lost to the other address after the adoption"
# --- without it: SIGTERM recovers everything and empties the journal ------------------------------------------
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
nothing_left "after a plain SIGTERM"
assert_eq "$(ls "$STATE/faults" | wc -l)" 0 "journal entries after a plain SIGTERM"

# --- corrupt entries are skipped, set aside and counted; the agent starts ------------------------------------
agent_start
apply_json "{\"id\":\"good\",$T,\"partition\":true,\"duration\":\"5m\",\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
agent_crash
head -c 100 "$STATE/faults/good.json" >"$STATE/faults/torn.json"
jq -c '.version = 99 | .id = "future" | .params.id = "future"' "$STATE/faults/good.json" >"$STATE/faults/future.json"
restart
info=$(cl info)
echo "agent.info journal: $(jq -c .journal <<<"$info")"
assert_eq "$(jq .journal.corrupt <<<"$info")" 2 "corrupt entries counted"
assert_eq "$(jq .journal.entries <<<"$info")" 1 "entries"
assert_eq "$(ls "$STATE/faults" | sort | tr '\n' ' ')" "future.json.corrupt good.json torn.json.corrupt " "set aside"
assert_eq "$(cl list | jq -r '[.faults[].id] | join(",")')" good "the good entry adopted"
assert_eq "$(lost 192.0.2.3:7 50)" 50 "the good entry still acts"
cl recover good >/dev/null
nothing_left "at the end"

# --- a journal that cannot be written: the apply fails with -32603 and is undone (the agent holds no
# CAP_DAC_OVERRIDE, so a read-only directory stops it) ---------------------------------------------------------
chmod 500 "$STATE/faults"
out=$(apply_json "{\"id\":\"nojournal\",$T,\"direction\":\"both\",\"partition\":true,
                   \"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" 2>&1) && fail "applied without a journal entry: $out"
chmod 700 "$STATE/faults"
grep -q -- -32603 <<<"$out" || fail "expected -32603 for a journal that cannot be written: $out"
grep -q 'journal' <<<"$out" || fail "the error does not name the journal: $out"
echo "ok: refused with: $(head -c 200 <<<"$out")"
assert_eq "$(cl list | jq '.faults | length')" 0 "faults after the refused apply"
nothing_left "after an apply whose journal write failed"
assert_eq "$(lost 192.0.2.3:7 50)" 0 "lost after the refused apply"
