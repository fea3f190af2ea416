# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# tests/bench/bench-host.sh: the start that the host wrappers of a C benchmark share (apply-host.sh,
# expiry-host.sh, scale.sh). Source it, after `set -euo pipefail`, with the benchmark's name, the wrapper's options
# as its usage line shows them, and what the wrapper sets up, then the wrapper's own arguments:
#
#   . "$(dirname "$(realpath "$0")")/bench-host.sh" bench-expiry "[--json FILE] [--quick]" \
#           "sets up two namespaces and an agent" "$@"
#
# BUILD_DIR (or BUILD) locates the binaries (default: the source tree's build/); BENCH is the benchmark's path.
# With -h or --help first it prints the wrapper's usage, the benchmark's own --help lines for those options, and
# exits 0. Otherwise it sources tests/lib/netns.sh and agent.sh and requires root, tc and the built benchmark.
# The wrapper's "$@" is its own again afterwards (bash restores it).
#
# Sourced, not a function: the libraries' globals stay globals.

BUILD_DIR=${BUILD_DIR:-${BUILD:-$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../../build}}
BENCH=$BUILD_DIR/tests/bench/$1

if [[ ${4:-} == -h || ${4:-} == --help ]]; then
        # One write: tests/bench/run reads this through `grep -q` under pipefail. An option's line and the lines
        # that continue it (indented deeper) are the benchmark's, for each option the usage line names.
        _bench_opts=$("$BENCH" --help | awk -v usage="$2" '
                BEGIN { n = split(usage, w, /[][ ]+/); for (i = 1; i <= n; i++) if (w[i] ~ /^--/) want[w[i]] = 1 }
                /^  --/ { keep = ($1 in want); if (keep) print; next }
                /^   / { if (keep) print; next }
                { keep = 0 }')
        printf 'Usage: %s %s\n%s\n(%s, then runs %s with these options)\n' "$(basename "$0")" "$2" "$_bench_opts" \
                "$3" "$1"
        exit 0
fi
. "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../lib/netns.sh"
. "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../lib/agent.sh"
need_root
need_cmd tc iproute2
[[ -x $BENCH ]] || fail "$1 not built in $BUILD_DIR"
