#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kernel-agent-vocab: bandwidth with netem, Gilbert-Elliott loss, ECN and slots, applied by chaosletd in
# user-mode Linux 6.1 (sch_netem present) and measured on real packets between two namespaces, a --- b, the fault
# on a's egress:
#
#   latency 100 ms + bandwidth 1mbit   the UDP round trip rises by the delay, a TCP transfer runs at 1 Mbit/s +-15 %
#   gilbert_elliott p 2 r 20           lost within the stationary bounds, in runs of about 100/r = 5 packets,
#                                      where random loss at the same rate gives runs of about 1.1
#   loss 30 + ecn                      ECN-capable probes are all delivered, marked CE in binomial bounds (the echo
#                                      reports the ECN bits its probe arrived with); probes that are not ECN-capable
#                                      are lost in the same bounds, unmarked
#   slot 10..20 ms                     each lone probe waits for the next slot: 10..20 ms more, spread uniformly

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
[[ -n ${UML_RUN:-} ]] || skip "runs inside user-mode Linux: tests/kernel/uml-run.sh"
TCPBLAST=$BUILD_DIR/tests/tools/tcpblast

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 300
ns_wait_udp a 192.0.2.2:7
agent_start
OUT=$(mktemp -d "${TMPDIR:-/tmp}/cl-vocab-XXXXXX")
at_exit rm -rf "$OUT"

apply_json() {
        "$CHAOSLET" --socket "$AGENT_SOCKET" --json apply -f - <<<"{\"target\":{\"netns\":\"/run/netns/$A\"},$1}"
}
sub() {
        awk -v x="$1" -v y="$2" 'BEGIN { printf "%.3f", x - y }'
}

base=$(median_ms a 192.0.2.2:7 100)
echo "base median RTT: $base ms"

# --- bandwidth under netem's delay ---------------------------------------------------------------------------
apply_json '"id":"bwd","netem":{"latency":"100ms"},"bandwidth":{"rate":"1mbit"}' >/dev/null
out=$(ns_exec a tc qdisc show dev "$DEV")
echo "$out"
m=$(median_ms a 192.0.2.2:7 30 50)
echo "100ms + 1mbit: median RTT $m ms"
assert_between "$(sub "$m" "$base")" 99 110 "added round trip with 100 ms and 1mbit (ms)"
ns_bg b "$TCPBLAST" sink --bind 192.0.2.2:5201 --timeout 60 >"$OUT/sink.json"
ns_exec a "$TCPBLAST" send --to 192.0.2.2:5201 --seconds 6 --sndbuf 65536 >/dev/null || fail "tcpblast send failed"
for ((i = 0; i < 200; i++)); do [[ -s $OUT/sink.json ]] && break; sleep 0.05; done
mbit=$(jq -r '.bytes * 8 / .seconds / 1e6 | . * 1000 | round / 1000' "$OUT/sink.json")
echo "100ms + 1mbit: TCP at $mbit Mbit/s ($(cat "$OUT/sink.json"))"
assert_between "$mbit" 0.85 1.15 "TCP throughput under 1mbit with 100 ms of delay (Mbit/s)"
cl recover bwd >/dev/null
assert_clean a "$DEV"
ns_exec a tc qdisc show dev "$DEV" | grep -q tbf && fail "a tbf is left after recover"

# --- Gilbert-Elliott: bursty loss ------------------------------------------------------------------------------
# p 2 %, r 20 %, h 0, k 100: the Bad state loses everything and lasts 1/r = 5 packets on average; loss p/(p+r).
apply_json '"id":"ge","netem":{"loss_model":{"gilbert_elliott":{"p":2,"r":20}}}' >/dev/null
g=$(ns_probe a 192.0.2.2:7 --count 2000 --interval 2 --timeout 500)
cl recover ge >/dev/null
echo "gilbert_elliott 2/20: $(jq -c '{sent, lost, loss_runs, longest_loss_run}' <<<"$g")"
# Stationary loss 9.1 %, 182 of 2000; bursts make the count vary far more than a binomial's (about 36 runs of
# geometric length): 3 to 18 %.
assert_between "$(jq -r .lost <<<"$g")" 60 360 "lost of 2000 with Gilbert-Elliott p 2 r 20"
ge_run=$(jq -r '.lost / .loss_runs' <<<"$g")
assert_between "$ge_run" 2.2 12 "mean loss run with Gilbert-Elliott (packets; 1/r = 5)"
# The same loss rate, random: runs of 1 / (1 - 0.091) = 1.1.
apply_json '"id":"bern","netem":{"loss":9.1,"loss_correlation":0}' >/dev/null
b=$(ns_probe a 192.0.2.2:7 --count 2000 --interval 2 --timeout 500)
cl recover bern >/dev/null
echo "random 9.1 %: $(jq -c '{sent, lost, loss_runs, longest_loss_run}' <<<"$b")"
assert_between "$(jq -r '.lost / .loss_runs' <<<"$b")" 1 1.6 "mean loss run with random loss at the same rate (packets)"
assert_clean a "$DEV"

# --- ECN: marked, not dropped ------------------------------------------------------------------------------------
apply_json '"id":"ecn","netem":{"loss":30,"ecn":true}' >/dev/null
e=$(ns_probe a 192.0.2.2:7 --count 400 --interval 3 --tos 2)
n=$(ns_probe a 192.0.2.2:7 --count 400 --interval 3)
stats=$(ns_exec a tc -s qdisc show dev "$DEV" | grep -A1 netem | tail -n1)
cl recover ecn >/dev/null
echo "loss 30 % + ecn, ECT(0) probes: $(jq -c '{sent, lost, ce_marked}' <<<"$e"); not ECN-capable: $(jq -c '{sent, lost, ce_marked}' <<<"$n")"
echo "netem's stats (marks count as drops there): $stats"
# Binomial(400, 0.3): mean 120, sigma 9.2; 4.5 sigma either side.
assert_between "$(jq -r .lost <<<"$e")" 0 2 "ECN-capable probes lost"
assert_between "$(jq -r .ce_marked <<<"$e")" 79 161 "ECN-capable probes marked CE of 400 at 30 %"
assert_between "$(jq -r .lost <<<"$n")" 79 161 "probes without ECN lost of 400 at 30 %"
assert_eq "$(jq -r .ce_marked <<<"$n")" 0 "probes without ECN marked"
assert_clean a "$DEV"

# --- slots -------------------------------------------------------------------------------------------------------
# Only the probes: any other packet (an ARP probe, IPv6 neighbour discovery) would open a slot of its own, and a
# probe arriving in it would wait only for what is left of it.
apply_json '"id":"slot","netem":{"slot":{"min_delay":"10ms","max_delay":"20ms"}},"match":{"ports":[7],"protocol":"udp"}' >/dev/null
s=$(ns_probe a 192.0.2.2:7 --count 200 --interval 30 --rtts)
cl recover slot >/dev/null
echo "slot 10..20 ms, probes 30 ms apart: $(jq -c '{lost, min_ms, median_ms, p90_ms, max_ms, stddev_ms}' <<<"$s"), IQR $(rtt_iqr "$s") ms"
assert_eq "$(jq -r .lost <<<"$s")" 0 "probes lost in slots"
assert_between "$(sub "$(jq -r .min_ms <<<"$s")" "$base")" 9.5 13 "shortest added wait (ms)"
assert_between "$(sub "$(jq -r .median_ms <<<"$s")" "$base")" 13 17 "median added wait (ms; uniform 10..20: 15)"
assert_between "$(sub "$(jq -r .p90_ms <<<"$s")" "$base")" 17 21.5 "p90 of the added wait (ms; uniform: 19)"
assert_between "$(rtt_iqr "$s")" 3.5 6.5 "interquartile range of the wait (ms; uniform over 10..20 ms: 5)"
assert_clean a "$DEV"
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
