#!/bin/bash
# SPDX-License-Identifier: MIT
# run-fuzzer.sh HARNESS SEED-DIR WORK-DIR SECONDS: run a libFuzzer harness for a bounded time. New inputs go to
# WORK-DIR (in the build tree), never into the seed corpus in the source tree.
set -euo pipefail
harness=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/crashes"
# -error_exitcode: libFuzzer's own default is 77, which meson reads as a skip: a crash must fail the test.
exec "$harness" -error_exitcode=1 -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/" "$work/corpus" "$seeds"
