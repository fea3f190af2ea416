#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-select: selective faults decided by the classifier, on this kernel (no sch_netem needed):
# partition and classifier-side loss, by address (IPv4 and IPv6), port and protocol, egress and ingress, with
# exact counters, a deadline that holds with the agent SIGKILLed, and nothing left behind.
#
#   a (192.0.2.1, 2001:db8::1) --- b (192.0.2.2 + 192.0.2.3, 2001:db8::2 + 2001:db8::3), echo on ports 7 and 9

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64 2001:db8::2/64
A=$(ns_name a) B=$(ns_name b)
DEV=$(ns_dev a b)
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
ns_exec b ip -6 addr add 2001:db8::3/64 dev "$(ns_dev b a)" nodad
for addr in 192.0.2.2 192.0.2.3 '[2001:db8::2]' '[2001:db8::3]'; do
        for port in 7 9; do
                ns_bg b "$(udpprobe_path)" echo --bind "$addr:$port" --timeout 120
        done
done
for to in 192.0.2.2:7 192.0.2.3:7 192.0.2.2:9 '[2001:db8::2]:7' '[2001:db8::3]:7'; do
        ns_wait_udp a "$to"
done
agent_start

apply_json() {
        "$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - <<<"$1"
}
probe() {
        ns_probe a "$1" --count "${2:-200}" --interval 1 --timeout 300
}
counters() {
        cl get "$1" | jq -c .counters
}
nothing_left() {
        assert_no_residue a "$DEV" "$1"
}

# --- partition one of two addresses behind the same device ---------------------------------------------
apply_json "{\"id\":\"p3\",\"target\":{\"netns\":\"/run/netns/$A\"},\"partition\":true,
             \"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
r3=$(probe 192.0.2.3:7) r2=$(probe 192.0.2.2:7)
echo "partitioned .3: $(jq -c '{sent,lost}' <<<"$r3"); .2: $(jq -c '{sent,lost}' <<<"$r2")"
assert_eq "$(jq .lost <<<"$r3")" 200 "lost to the partitioned address"
assert_eq "$(jq .lost <<<"$r2")" 0 "lost to the other address"
c=$(counters p3)
echo "counters: $c"
assert_eq "$(jq .matched_packets <<<"$c")" 200 "matched packets = probes sent to .3"
assert_eq "$(jq .dropped_packets <<<"$c")" 200 "dropped packets"
# Each probe is a 64-byte UDP payload: IP 20 + UDP 8 + 64, plus the 14-byte Ethernet header tc sees.
assert_eq "$(jq .matched_bytes <<<"$c")" $((200 * (14 + 20 + 8 + 64))) "matched bytes"
cl recover p3 >/dev/null
nothing_left "after recovering a partition"

# --- 50 % loss on one port only ----------------------------------------------------------------------------
apply_json "{\"id\":\"l9\",\"target\":{\"netns\":\"/run/netns/$A\"},\"netem\":{\"loss\":50},
             \"match\":{\"ports\":[9],\"protocol\":\"udp\"}}" >/dev/null
r9=$(probe 192.0.2.2:9 400) r7=$(probe 192.0.2.2:7 400)
echo "50% loss on port 9: $(jq -c '{sent,lost}' <<<"$r9"); port 7: $(jq -c '{sent,lost}' <<<"$r7")"
# Binomial(400, 0.5): mean 200, sigma 10; 4.5 sigma either side.
assert_between "$(jq .lost <<<"$r9")" 155 245 "lost of 400 on port 9 at 50%"
assert_eq "$(jq .lost <<<"$r7")" 0 "lost on port 7"
c=$(counters l9)
assert_eq "$(jq .matched_packets <<<"$c")" 400 "matched packets = probes sent to port 9"
assert_eq "$(jq .dropped_packets <<<"$c")" "$(jq .lost <<<"$r9")" "dropped packets = probes lost"
cl recover l9 >/dev/null

# --- IPv6 ---------------------------------------------------------------------------------------------------
apply_json "{\"id\":\"p6\",\"target\":{\"netns\":\"/run/netns/$A\"},\"partition\":true,
             \"match\":{\"cidrs\":[\"2001:db8::3/128\"]}}" >/dev/null
r63=$(probe '[2001:db8::3]:7') r62=$(probe '[2001:db8::2]:7') r4=$(probe 192.0.2.3:7)
echo "IPv6 partition of ::3: ::3 $(jq -c '{lost}' <<<"$r63"), ::2 $(jq -c '{lost}' <<<"$r62"), 192.0.2.3 $(jq -c '{lost}' <<<"$r4")"
assert_eq "$(jq .lost <<<"$r63")" 200 "lost to 2001:db8::3"
assert_eq "$(jq .lost <<<"$r62")" 0 "lost to 2001:db8::2"
assert_eq "$(jq .lost <<<"$r4")" 0 "lost to 192.0.2.3 (IPv4: an IPv6-only fault misses)"
assert_eq "$(counters p6 | jq .matched_packets)" 200 "matched packets, IPv6"
cl recover p6 >/dev/null

# --- two faults side by side: first applied wins where both match ----------------------------------------
apply_json "{\"id\":\"wide\",\"target\":{\"netns\":\"/run/netns/$A\"},\"netem\":{\"loss\":100},
             \"match\":{\"cidrs\":[\"192.0.2.0/24\"],\"ports\":[\"9-9\"]}}" >/dev/null
apply_json "{\"id\":\"narrow\",\"target\":{\"netns\":\"/run/netns/$A\"},\"partition\":true,
             \"match\":{\"cidrs\":[\"192.0.2.3/32\"],\"protocol\":\"udp\"}}" >/dev/null
probe 192.0.2.3:9 50 >/dev/null
probe 192.0.2.3:7 50 >/dev/null
assert_eq "$(counters wide | jq .matched_packets)" 50 "the first fault takes .3:9"
assert_eq "$(counters narrow | jq .matched_packets)" 50 "the second takes only what the first left: .3:7"
cl recover narrow >/dev/null
assert_eq "$(probe 192.0.2.3:7 50 | jq .lost)" 0 "recovering one fault frees its traffic"
assert_eq "$(probe 192.0.2.3:9 50 | jq .lost)" 50 "and leaves the other acting"
cl recover wide >/dev/null
nothing_left "after two faults"

# --- ingress --------------------------------------------------------------------------------------------------
apply_json "{\"id\":\"in3\",\"target\":{\"netns\":\"/run/netns/$A\"},\"direction\":\"ingress\",\"partition\":true,
             \"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
links=$(ns_exec a ip link show)
grep -q 'chaoslet-i' <<<"$links" || fail "no chaoslet IFB in the target namespace"
r3=$(probe 192.0.2.3:7) r2=$(probe 192.0.2.2:7)
echo "ingress partition from .3: $(jq -c '{lost}' <<<"$r3"); from .2: $(jq -c '{lost}' <<<"$r2")"
assert_eq "$(jq .lost <<<"$r3")" 200 "replies from .3 dropped on ingress"
assert_eq "$(jq .lost <<<"$r2")" 0 "replies from .2 pass"
assert_eq "$(counters in3 | jq .matched_packets)" 200 "matched on ingress = replies from .3"
cl recover in3 >/dev/null
nothing_left "after an ingress fault"

# --- somebody else's clsact: refused, untouched, traffic unharmed; our clsact keeps others' filters -----------
ns_exec a tc qdisc add dev "$DEV" clsact
out=$(apply_json "{\"id\":\"inx\",\"target\":{\"netns\":\"/run/netns/$A\"},\"direction\":\"ingress\",
                   \"partition\":true,\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" 2>&1) && fail "applied over a foreign clsact"
grep -q -- -32003 <<<"$out" || fail "expected -32003 for a foreign clsact: $out"
filters=$(ns_exec a tc filter show dev "$DEV" ingress)
[[ -z $filters ]] || fail "chaoslet left a filter in somebody else's clsact: $filters"
assert_eq "$(probe 192.0.2.3:7 50 | jq .lost)" 0 "traffic through the foreign clsact"
ns_exec a tc qdisc del dev "$DEV" clsact
links=$(ns_exec a ip link show)
grep -q 'chaoslet-i' <<<"$links" && fail "the IFB of a refused ingress fault is still there"
apply_json "{\"id\":\"in4\",\"target\":{\"netns\":\"/run/netns/$A\"},\"direction\":\"ingress\",\"partition\":true,
             \"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
# Somebody else's filter in our clsact (no action: this kernel has no act_gact).
ns_exec a tc filter add dev "$DEV" egress pref 7 protocol all u32 match u32 0 0 flowid 1:1
cl recover in4 >/dev/null
filters=$(ns_exec a tc filter show dev "$DEV" egress)
grep -q 'pref 7' <<<"$filters" || fail "recover removed somebody else's filter from the clsact: $filters"
echo "ok: recover left the other filter and its clsact in place"
ns_exec a tc qdisc del dev "$DEV" clsact

# --- both directions under one id --------------------------------------------------------------------------
apply_json "{\"id\":\"b3\",\"target\":{\"netns\":\"/run/netns/$A\"},\"direction\":\"both\",\"partition\":true,
             \"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
assert_eq "$(probe 192.0.2.3:7 | jq .lost)" 200 "lost both ways"
# Egress drops every probe, so nothing comes back to be dropped on ingress.
assert_eq "$(counters b3 | jq .matched_packets)" 200 "matched (egress)"
cl recover b3 >/dev/null
nothing_left "after a both-ways fault"

# --- bad input: the field named, nothing changed -----------------------------------------------------------
before=$(ns_exec a tc qdisc show; ns_exec a ip link show)
check_err() {
        local params=$1 code=$2 field=$3 out
        out=$(apply_json "$params" 2>&1) && fail "expected an error for $params"
        grep -q -- "$code" <<<"$out" || fail "expected $code for $params: $out"
        grep -q -- "$field" <<<"$out" || fail "expected field $field for $params: $out"
        echo "ok: $code $field"
}
T="\"target\":{\"netns\":\"/run/netns/$A\"}"
check_err "{$T,\"partition\":true,\"match\":{\"cidrs\":[\"192.0.2.0/33\"]}}" -32602 'match.cidrs\[0\]'
check_err "{$T,\"partition\":true,\"match\":{\"cidrs\":[\"192.0.2.1/24\"]}}" -32602 'match.cidrs\[0\]'
check_err "{$T,\"partition\":true,\"match\":{\"ports\":[70000]}}" -32602 'match.ports\[0\]'
check_err "{$T,\"partition\":true,\"match\":{\"ports\":[80,\"9000-8000\"]}}" -32602 'match.ports\[1\]'
check_err "{$T,\"partition\":true,\"match\":{\"protocol\":\"sctp\"}}" -32602 'match.protocol'
check_err "{$T,\"partition\":true,\"direction\":\"sideways\"}" -32602 'direction'
check_err "{$T,\"partition\":true,\"netem\":{\"latency\":\"1ms\"}}" -32602 'partition'
ports=$(seq 1 17 | jq -sc .)
check_err "{$T,\"partition\":true,\"match\":{\"ports\":$ports}}" -32602 'match.ports'
# 65,536 CIDRs are accepted, one more is not. (Repeats of one documentation address, so the line stays under
# 1 MiB; distinct prefixes at that scale are the benchmark's business.)
big=$(jq -nc '[range(65537)] | map("192.0.2.9")')
check_err "{$T,\"partition\":true,\"match\":{\"cidrs\":$big}}" -32602 'match.cidrs'
ok=$(jq -nc '[range(65536)] | map("192.0.2.9")')
apply_json "{\"id\":\"many\",$T,\"partition\":true,\"match\":{\"cidrs\":$ok}}" >/dev/null || fail "65,536 CIDRs refused"
cl recover many >/dev/null
# 64 live faults per device; the 65th is refused.
for i in $(seq 1 64); do
        apply_json "{\"id\":\"f$i\",$T,\"partition\":true,\"match\":{\"ports\":[$((10000 + i))]}}" >/dev/null ||
                fail "fault $i of 64 refused"
done
check_err "{\"id\":\"f65\",$T,\"partition\":true,\"match\":{\"ports\":[20000]}}" -32602 'device'
for i in $(seq 1 64); do cl recover "f$i" >/dev/null; done
after=$(ns_exec a tc qdisc show; ns_exec a ip link show)
[[ $before == "$after" ]] || fail "bad input changed the namespace"
nothing_left "after the limits"

# --- a deadline holds with the agent SIGKILLed right after applying -----------------------------------------
apply_json "{\"id\":\"dl\",$T,\"partition\":true,\"duration\":\"3s\",\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
apply_json "{\"id\":\"dlin\",$T,\"direction\":\"ingress\",\"partition\":true,\"duration\":\"3s\",
             \"match\":{\"cidrs\":[\"198.51.100.1/32\"]}}" >/dev/null
t0=$(date +%s%N)
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
AGENT_PID=
assert_eq "$(probe 192.0.2.3:7 100 | jq .lost)" 100 "partitioned while the deadline is ahead, agent dead"
while (( $(date +%s%N) - t0 < 3000000000 )); do sleep 0.02; done
r=$(probe 192.0.2.3:7 100)
echo "right after the 3 s deadline, agent still dead: $(jq -c '{lost}' <<<"$r")"
assert_eq "$(jq .lost <<<"$r")" 0 "lost after the deadline"

# --- a new agent takes the dead one's leftovers (tree, IFB, hook) over for its own, in place -----------------
AGENT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cl-agent-XXXXXX") AGENT_SOCKET=$AGENT_DIR/run/chaoslet.sock
AGENT_LOG=$AGENT_DIR/agent.log
agent_start
apply_json "{\"id\":\"again\",$T,\"direction\":\"both\",\"partition\":true,\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null ||
        fail "apply over a dead agent's leftovers failed: $(agent_log)"
grep -q 'Took over the chaoslet tree on .* that a previous agent left' "$AGENT_LOG" ||
        fail "the stale egress tree was not recognised"
grep -q 'Took over the chaoslet IFB .* and its ingress hook on .* that a previous agent left' "$AGENT_LOG" ||
        fail "the stale IFB was not recognised"
assert_eq "$(probe 192.0.2.3:7 100 | jq .lost)" 100 "partitioned again by the new agent"
assert_eq "$(probe 192.0.2.2:7 100 | jq .lost)" 0 "the rest passes"
cl recover again >/dev/null
nothing_left "after the new agent recovered"

# --- the target's namespace is destroyed: its faults end at once (RTM_DELNSID), nothing pins it; fault.list shows
# them as "ended", with the reason, for 60 s ----------------------------------------------------------------------
apply_json "{\"id\":\"doomed\",$T,\"partition\":true,\"duration\":\"10m\",\"match\":{\"cidrs\":[\"192.0.2.3/32\"]}}" >/dev/null
assert_eq "$(cl list | jq '[.faults[] | select(.id == "doomed")] | length')" 1 "fault on the namespace about to go"
ip netns del "$A"
t0=$(date +%s%N)
while [[ $(cl list | jq -r '.faults[] | select(.id == "doomed") | .state') != ended ]]; do
        (( $(date +%s%N) - t0 < 5000000000 )) || fail "the fault outlived its namespace by 5 s: $(agent_log | tail -3)"
        sleep 0.05
done
echo "fault dropped $(( ($(date +%s%N) - t0) / 1000000 )) ms after its namespace was deleted"
grep -q 'Dropped fault doomed .*its network namespace is gone' "$AGENT_LOG" || fail "no log line for the dropped fault"
assert_eq "$(cl get doomed | jq -r .reason)" "its network namespace was destroyed" "reason of the ended fault"
assert_eq "$(cl info | jq .faults.active)" 0 "an ended fault is not active"
assert_eq "$(cl_err recover doomed)" -32005 "recover of an ended fault"
ip netns add "$A" # an empty one, for the cleanup to delete
