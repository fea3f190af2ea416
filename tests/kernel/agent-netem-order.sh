#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kernel-agent-netem-order: what chaoslet adds to netem (docs/kernel-layout.md, "netem's order and queue"),
# measured on UDP round trips between two namespaces (user-mode Linux 6.1, sch_netem present), the fault on a's
# side:
#
#   jitter keeps order   50 ms +- 10 ms, probes 1 ms apart: no probe overtakes another through chaoslet's fault;
#                        the same netem added with tc (no rate) reorders most of them (the control)
#   reorder asked        reorder 25 % still reorders: chaoslet keeps only jitter from reordering
#   queue limit          1,000 probes a second into 1 s of delay, for 3 s: none dropped, by netem or anywhere
#                        (netem's default limit of 1,000 packets is just full there: tc's netem is shown beside it);
#                        tc shows the limit chaoslet sized
set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
[[ -n ${UML_RUN:-} ]] || skip "runs inside user-mode Linux: tests/kernel/uml-run.sh"

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
# Big socket buffers (udpprobe --buffer): after a stall of user-mode Linux the prober sends what is due at once, and
# the default buffers (about 280 small datagrams) would lose that burst themselves.
BUF=8388608
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 120 --buffer $BUF
ns_wait_udp a 192.0.2.2:7
agent_start

# --- jitter, through chaoslet: in order --------------------------------------------------------------------
cl apply --id jit --netns "/run/netns/$A" --latency 50ms --jitter 10ms >/dev/null
out=$(ns_exec a tc qdisc show dev "$DEV")
echo "$out"
grep -q 'netem.*rate 100Gbit' <<<"$out" || fail "expected the order-keeping rate on the netem leaf: $out"
j=$(ns_probe a 192.0.2.2:7 --count 1000 --interval 1 --timeout 2000 --buffer $BUF)
echo "chaoslet, 50ms +- 10ms, 1 ms apart: $(jq -c '{sent, received, reordered, median_ms, stddev_ms}' <<<"$j")"
assert_eq "$(jq -r .reordered <<<"$j")" 0 "probes reordered by chaoslet's jitter"
assert_eq "$(jq -r .lost <<<"$j")" 0 "probes lost with jitter"
# Spaced wider than the jitter's spread (20 ms), no probe waits for another: the delay is netem's uniform one.
# The interquartile range, not the stddev, which one stall of a busy machine's user-mode Linux can double.
j=$(ns_probe a 192.0.2.2:7 --count 200 --interval 25 --timeout 2000 --buffer $BUF --rtts)
iqr=$(rtt_iqr "$j")
echo "chaoslet, 50ms +- 10ms, 25 ms apart: $(jq -c '{received, reordered, median_ms, stddev_ms}' <<<"$j"), IQR $iqr ms"
assert_between "$iqr" 7 13 "RTT interquartile range, probes 25 ms apart (uniform +- 10 ms: 10)"
cl recover jit >/dev/null
assert_clean a "$DEV"

# --- the same with tc: netem's tfifo reorders (the control) -------------------------------------------------
ns_exec a tc qdisc add dev "$DEV" root netem delay 50ms 10ms
j=$(ns_probe a 192.0.2.2:7 --count 1000 --interval 1 --timeout 2000 --buffer $BUF)
echo "tc netem, 50ms +- 10ms, 1 ms apart: $(jq -c '{sent, received, reordered, median_ms, stddev_ms}' <<<"$j")"
ns_exec a tc qdisc del dev "$DEV" root
r=$(jq -r .reordered <<<"$j")
((r >= 100)) || fail "the control reordered only $r of 1000 probes: is the probe fast enough here?"
echo "ok: tc's netem reordered $r of 1000"

# --- reorder asked: still reordered ----------------------------------------------------------------------
cl apply --id ro --netns "/run/netns/$A" --latency 20ms --jitter 5ms --reorder 25 >/dev/null
j=$(ns_probe a 192.0.2.2:7 --count 400 --interval 2 --timeout 2000 --buffer $BUF)
echo "chaoslet, 20ms +- 5ms, reorder 25%: $(jq -c '{sent, received, reordered}' <<<"$j")"
r=$(jq -r .reordered <<<"$j")
((r >= 20)) || fail "reorder 25% reordered only $r of 400"
echo "ok: reorder 25% reordered $r of 400"
cl recover ro >/dev/null
assert_clean a "$DEV"

# --- queue limit: 1 s of delay at 1,000 packets a second ----------------------------------------------------
cl apply --id big --netns "/run/netns/$A" --latency 1s >/dev/null
out=$(ns_exec a tc qdisc show dev "$DEV")
grep -q 'netem.*limit 100000' <<<"$out" || fail "expected netem's limit sized to 100000: $out"
j=$(ns_probe a 192.0.2.2:7 --count 3000 --interval 1 --timeout 3000 --buffer $BUF)
stats=$(ns_exec a tc -s qdisc show dev "$DEV" | grep -A1 netem | tail -n1)
echo "chaoslet, 1 s at 1,000 pps for 3 s: $(jq -c '{sent, received, lost, median_ms}' <<<"$j"); $stats"
dropped=$(sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' <<<"$stats")
assert_eq "$dropped" 0 "packets netem dropped at 1,000 pps into 1 s of delay"
assert_eq "$(jq -r .lost <<<"$j")" 0 "probes lost at 1,000 pps into 1 s of delay"
cl recover big >/dev/null
assert_clean a "$DEV"
# For comparison only (at exactly 1,000 pps the default queue is just full, so how many it drops varies): tc's netem.
ns_exec a tc qdisc add dev "$DEV" root netem delay 1s
j=$(ns_probe a 192.0.2.2:7 --count 3000 --interval 1 --timeout 3000 --buffer $BUF)
stats=$(ns_exec a tc -s qdisc show dev "$DEV" | grep -A1 netem | tail -n1)
ns_exec a tc qdisc del dev "$DEV" root
echo "for comparison, tc netem delay 1s (limit 1000): $(jq -c '{sent, received, lost}' <<<"$j"); $stats"
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
