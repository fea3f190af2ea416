#!/bin/bash
# SPDX-License-Identifier: MIT
#
# demo.sh [SOCKET]: a 90 ms delay on a throwaway namespace pair, measured before, during and after, through
# chaosletd. With SOCKET, uses the agent listening there; without, starts one of its own. Needs sch_netem: the
# quickstart runs this inside the user-mode Linux test kernel when the host has none.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
BUILD_DIR=${BUILD_DIR:-$here/../build}
export BUILD_DIR
. "$here/../tests/lib/netns.sh"
. "$here/../tests/lib/agent.sh"

if [[ -n ${1:-} ]]; then
        AGENT_SOCKET=$1
else
        agent_start
fi

ns_setup_pair demo-a demo-b 192.0.2.1/24 192.0.2.2/24
ns_bg demo-b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 60
ns_wait_udp demo-a 192.0.2.2:7

measure() {
        ns_probe demo-a 192.0.2.2:7 --count 100 --interval 5 | jq -r '"\(.median_ms) \(.p99_ms) \(.lost)"'
}

echo
echo "Namespaces $(ns_name demo-a) (192.0.2.1) and $(ns_name demo-b) (192.0.2.2), 100 UDP round trips each:"
read -r b_med b_p99 b_lost < <(measure)

"$CHAOSLET" --socket "$AGENT_SOCKET" apply --id demo --netns "/run/netns/$(ns_name demo-a)" --latency 90ms \
        --duration 1m
read -r d_med d_p99 d_lost < <(measure)

"$CHAOSLET" --socket "$AGENT_SOCKET" recover demo
read -r a_med a_p99 a_lost < <(measure)

printf '\n| %-28s | %10s | %8s | %4s |\n' "" "median ms" "p99 ms" "lost"
printf '|%s|%s|%s|%s|\n' "------------------------------" "------------" "----------" "------"
printf '| %-28s | %10s | %8s | %4s |\n' "before" "$b_med" "$b_p99" "$b_lost"
printf '| %-28s | %10s | %8s | %4s |\n' "with a 90 ms chaoslet fault" "$d_med" "$d_p99" "$d_lost"
printf '| %-28s | %10s | %8s | %4s |\n' "after recover" "$a_med" "$a_p99" "$a_lost"
echo
awk -v b="$b_med" -v d="$d_med" 'BEGIN { printf "added by the fault: %.1f ms (asked for 90 ms)\n", d - b }'
