#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Regenerate tests/unit/fixtures/{netem,tbf}/*.hex: the RTM_NEWQDISC message that iproute2's tc sends for each
# netem and tbf option set below, which test-netem-encode compares with netem_fill_options() by meaning and
# test-tbf-encode with tbf_fill_options() attribute by attribute.
#
# Not run by the test suite. Needs root (for a throwaway network namespace), tc and strace. The kernel does not
# need sch_netem: tc's request is refused ("Specified qdisc kind is unknown"), but strace has the bytes by then.
#
#   sudo tests/unit/capture-tc-netem.sh [OUTDIR]     (default: the fixtures directory next to this script; each
#                                                     kind goes to its own subdirectory)
#
# The fixtures depend on the tc version (6.1 puts latency/jitter in tc_netem_qopt as 64 ns ticks; later
# versions send TCA_NETEM_LATENCY64/JITTER64), on /proc/net/psched (tc converts time to ticks with it; it has
# read "000003e8 00000040 000f4240 3b9aca00", i.e. 64 ns per tick, on every kernel since 2.6.31), and on the
# distribution tables in tc's library directory. All three are recorded in each file's header.
#
# Keep the case names in sync with the tables in test-netem-encode.c and test-tbf-encode.c. tbf exists on the
# build machine's kernel, so its requests are really applied there; that is fine, the namespace is thrown away.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
outdir=${1:-$here/fixtures}

# KIND NAME|tc arguments
cases=(
        "delay|delay 100ms"
        "delay-jitter-corr|delay 90ms 10ms 25%"
        "delay-normal|delay 50ms 20ms distribution normal"
        "delay-pareto|delay 50ms 20ms distribution pareto"
        "delay-paretonormal|delay 50ms 20ms distribution paretonormal"
        "loss|loss 25%"
        "loss-corr|loss 5% 30%"
        "loss-rounding|loss 33.333333%"
        "loss-all|loss 100%"
        "duplicate|duplicate 10%"
        "corrupt|corrupt 0.1%"
        "corrupt-corr|corrupt 5% 50%"
        "reorder-gap|delay 10ms reorder 25% 50% gap 5"
        "reorder-nogap|delay 10ms reorder 25%"
        "rate|rate 10mbit"
        "rate64|rate 100gbit"
        "limit|limit 50000"
        "kitchen-sink|limit 5000 delay 80ms 20ms 30% distribution paretonormal loss 2% 10% duplicate 1% 5% corrupt 0.5% 20% reorder 10% 40% gap 3 rate 1gbit"
        "loss-gemodel|loss gemodel 2% 20% 90% 0.5%"
        "loss-gemodel-p|loss gemodel 5%"
        "loss-gemodel-pr|loss gemodel 1% 30%"
        "ecn|loss 5% ecn"
        "ecn-gemodel|loss gemodel 2% 20% ecn"
        "slot|delay 10ms slot 5ms 20ms packets 4 bytes 3000"
        "slot-min|slot 10ms"
)
cases=("${cases[@]/#/netem }")
cases+=(
        "tbf rate|rate 1mbit burst 10000 limit 22500"
        "tbf peak|rate 1mbit burst 10000 limit 22500 peakrate 2mbit mtu 2048"
        "tbf small|rate 64kbit burst 3000 limit 5000 peakrate 128kbit mtu 1514"
        "tbf fast|rate 10gbit burst 12500000 limit 137500000"
        "tbf rate64|rate 100gbit burst 1250000000 limit 2000000000 peakrate 200gbit mtu 65536"
)

for tool in tc strace ip; do
        command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "$0: needs root for a network namespace" >&2; exit 1; }

ns=chaoslet-capture-$$
work=$(mktemp -d)
cleanup() {
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
mkdir -p "$outdir/netem" "$outdir/tbf"

tc_version=$(tc -V | head -n1)
psched=$(cat /proc/net/psched)

for c in "${cases[@]}"; do
        kind=${c%% *}
        name=${c#* }
        name=${name%%|*}
        args=${c#*|}
        trace=$work/$kind-$name.strace

        # The request fails on a kernel without sch_netem; that is expected.
        # shellcheck disable=SC2086 # the arguments are meant to be split
        ip netns exec "$ns" strace -f -qq -s 0 -e trace=sendmsg -e write=all -o "$trace" \
                tc qdisc add dev lo root "$kind" $args 2>/dev/null || true
        ip netns exec "$ns" tc qdisc del dev lo root 2>/dev/null || true

        # strace prints each sendmsg call and then its buffer as "| OFFSET  hex bytes  ascii |" lines. Keep the
        # dump whose nlmsghdr type (bytes 4-5, little endian) is RTM_NEWQDISC (36), as bare hex, 16 bytes a line.
        hex=$(awk '
                / sendmsg\(/ { want = 0; next }
                /^ *[0-9]* *\| [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / {
                        line = substr($0, index($0, "|") + 8, 49)
                        gsub(/  +/, " ", line); sub(/^ /, "", line); sub(/ $/, "", line)
                        if ($0 ~ /\| 00000  /) { split(line, b, " "); want = (b[5] == "24" && b[6] == "00") }
                        if (want) print line
                }' "$trace")
        if [ -z "$hex" ]; then
                echo "$0: no RTM_NEWQDISC captured for $kind $name" >&2
                exit 1
        fi

        {
                echo "# tc qdisc add dev lo root $kind $args"
                echo "# $tc_version; /proc/net/psched: $psched"
                echo "# Whole RTM_NEWQDISC request as tc sent it (regenerate with capture-tc-netem.sh)."
                echo "$hex"
        } >"$outdir/$kind/$name.hex"
        echo "$kind $name: $(echo "$hex" | wc -w) bytes"
done
