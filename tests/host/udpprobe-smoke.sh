#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-udpprobe-smoke: the measuring harness itself, on whatever kernel runs the tests. Two namespaces and a
# veth pair, udpprobe's echo in one and its prober in the other, over IPv4 and IPv6: no loss and a small round
# trip. Then a port with no echo behind it: every probe must count as lost, so a silent harness can't pass.
#
#   tests/host/udpprobe-smoke.sh [PATH/TO/udpprobe]

set -euo pipefail
# shellcheck source=../lib/netns.sh
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"

need_root
need_cmd jq jq
need_cmd ip iproute2
UDPPROBE=${1:-${UDPPROBE:-}}
export UDPPROBE
udpprobe=$(udpprobe_path)

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64 2001:db8::2/64
ns_bg a "$udpprobe" echo --bind 192.0.2.1:7 --timeout 60
ns_bg a "$udpprobe" echo --bind '[2001:db8::1]:7' --timeout 60
ns_wait_udp b 192.0.2.1:7
ns_wait_udp b '[2001:db8::1]:7'

for to in 192.0.2.1:7 '[2001:db8::1]:7'; do
        j=$(ns_probe b "$to" --count 200 --interval 5 --size 200)
        echo "$to: $j"
        assert_eq "$(json_get "$j" sent)" 200 "$to sent"
        assert_eq "$(json_get "$j" lost)" 0 "$to lost"
        assert_eq "$(json_get "$j" duplicates)" 0 "$to duplicates"
        assert_between "$(json_get "$j" median_ms)" 0 5 "$to median ms"
done

j=$(ns_probe b 192.0.2.1:9 --count 20 --interval 1 --timeout 200)
echo "no echo on port 9: $j"
assert_eq "$(json_get "$j" received)" 0 "port 9 received"
assert_eq "$(json_get "$j" lost)" 20 "port 9 lost"
assert_eq "$(json_get "$j" median_ms)" null "port 9 median"
