#!/bin/bash
# SPDX-License-Identifier: MIT
#
# kernel-agent-networkchaos: a Chaos Mesh NetworkChaos handed to chaosletd unchanged (user-mode Linux 6.1, sch_netem
# present), measured on UDP round trips between two namespaces a --- b, the fault on a's side.
#
#   the documented 90 ms / 180 s delay, the whole object as kubectl prints it, through chaoslet apply -f:
#                        median RTT +89..95 ms; spec.duration 3m; selector and mode listed as ignored; recover: base
#   the spec alone over the raw protocol, direction "from" + externalTargets: 40 ms on what a receives from b
#                        (ingress, which Chaos Mesh cannot delay): +39..45 ms, and only from that address
#   action loss 100 % to one of two addresses: all lost to it, none to the other
#   bad input            -32602 naming the NetworkChaos field, nothing applied

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
[[ -n ${UML_RUN:-} ]] || skip "runs inside user-mode Linux: tests/kernel/uml-run.sh"

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
# A second address on b, so that a fault can be shown to spare the traffic it does not name.
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
# One echo per address, so that each reply leaves from the address it was sent to.
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 150
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.3:7 --timeout 150
ns_wait_udp a 192.0.2.2:7
ns_wait_udp a 192.0.2.3:7
agent_start

base=$(median_ms a 192.0.2.2:7 100)
echo "base median RTT: $base ms"
assert_between "$base" 0 5 "base median RTT (ms)"
added() { awk -v m="$1" -v b="$base" 'BEGIN { printf "%.3f", m - b }'; }

# --- the documentation's delay, as kubectl get -o json prints the object ----------------------------------------
nc=$(mktemp "${TMPDIR:-/tmp}/networkchaos-XXXXXX.json")
at_exit "rm -f $nc"
cat >"$nc" <<'JSON'
{
  "apiVersion": "chaos-mesh.org/v1alpha1",
  "kind": "NetworkChaos",
  "metadata": { "name": "delay", "namespace": "chaos-mesh" },
  "spec": {
    "action": "delay",
    "mode": "one",
    "selector": { "namespaces": ["default"], "labelSelectors": { "app": "web-show" } },
    "delay": { "latency": "90ms", "correlation": "25", "jitter": "0ms" },
    "duration": "180s"
  }
}
JSON
out=$(cl apply --netns "/run/netns/$A" --id nc-delay -f "$nc")
assert_eq "$(jq -r .spec.netem.latency <<<"$out")" 90ms "mapped latency"
assert_eq "$(jq -r .spec.duration <<<"$out")" 3m "mapped duration"
assert_eq "$(jq -r '.ignored | join(",")' <<<"$out")" networkchaos.mode,networkchaos.selector "ignored members"
"$CHAOSLET" --socket "$AGENT_SOCKET" get nc-delay | grep -qE '^ignored +networkchaos.mode, networkchaos.selector$' ||
        fail "chaoslet get does not show what was ignored"
m=$(median_ms_at_most a 192.0.2.2:7 100 "$(awk -v b="$base" 'BEGIN { print b + 95 }')")
echo "with the NetworkChaos 90 ms delay: median $m ms"
assert_between "$(added "$m")" 89 95 "added latency (ms)"
cl recover nc-delay >/dev/null
assert_clean a "$DEV"
assert_between "$(median_ms_at_most a 192.0.2.2:7 100 "$(awk -v b="$base" 'BEGIN { print b + 2 }')")" 0 \
        "$(awk -v b="$base" 'BEGIN { print b + 2 }')" "median after recover"

# --- the spec alone, over the protocol: delay what a receives from 192.0.2.3 -----------------------------------
cl rpc fault.apply "{\"id\":\"nc-from\",\"target\":{\"netns\":\"/run/netns/$A\"},\"networkchaos\":{\"action\":\"delay\",
        \"mode\":\"all\",\"selector\":{},\"direction\":\"from\",\"externalTargets\":[\"192.0.2.3\"],
        \"delay\":{\"latency\":\"40ms\"}}}" >/dev/null
m3=$(median_ms a 192.0.2.3:7 100)
m2=$(median_ms a 192.0.2.2:7 100)
echo "ingress 40 ms from 192.0.2.3: median $m3 ms to .3, $m2 ms to .2"
assert_between "$(added "$m3")" 39 45 "added latency from 192.0.2.3 (ms)"
assert_between "$(added "$m2")" -2 2 "added latency from 192.0.2.2 (ms)"
assert_eq "$(cl get nc-from | jq -r .spec.direction)" ingress "direction from"
cl recover nc-from >/dev/null
assert_clean a "$DEV"

# --- action loss, 100 %, to one of two addresses ------------------------------------------------------------------
cl rpc fault.apply "{\"id\":\"nc-loss\",\"target\":{\"netns\":\"/run/netns/$A\"},\"networkchaos\":{\"action\":\"loss\",
        \"externalTargets\":[\"192.0.2.3/32\"],\"loss\":{\"loss\":\"100\",\"correlation\":\"\"}}}" >/dev/null
l3=$(ns_probe a 192.0.2.3:7 --count 100 --interval 3 | jq -r .lost)
l2=$(ns_probe a 192.0.2.2:7 --count 100 --interval 3 | jq -r .lost)
echo "loss 100% to 192.0.2.3: lost $l3/100 to .3, $l2/100 to .2"
assert_eq "$l3" 100 "lost to the named address"
assert_eq "$l2" 0 "lost to the other address"
cl recover nc-loss >/dev/null
assert_clean a "$DEV"

# --- bad input changes nothing --------------------------------------------------------------------------------------
err=$(cl rpc fault.apply "{\"target\":{\"netns\":\"/run/netns/$A\"},\"networkchaos\":{\"action\":\"delay\",
        \"delay\":{\"latency\":\"90 ms\"}}}" 2>&1 || true)
grep -q -- '-32602' <<<"$err" && grep -q 'networkchaos.delay.latency' <<<"$err" ||
        fail "a bad latency did not get -32602 naming networkchaos.delay.latency: $err"
err=$(cl rpc fault.apply "{\"target\":{\"netns\":\"/run/netns/$A\"},\"networkchaos\":{\"action\":\"partition\",
        \"externalTargets\":[\"db.example\"]}}" 2>&1 || true)
grep -q 'networkchaos.externalTargets\[0\]' <<<"$err" || fail "a hostname was not refused: $err"
assert_eq "$(cl list | jq '.faults | length')" 0 "faults after refusals"
assert_clean a "$DEV"

agent_stop || fail "chaosletd did not exit cleanly"
echo "PASS"
