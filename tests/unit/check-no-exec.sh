#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check-no-exec.sh CHAOSLETD: the agent never starts another program, nor forks. The binary imports none of the
# functions that would (exec*, posix_spawn*, system, popen, fork, vfork, clone): what it does not link it cannot
# call, whatever a request says. The libraries' own internals (libcap's cap_launch) are not reachable from here.
set -euo pipefail
export LC_ALL=C

bin=$1
if ! command -v nm >/dev/null; then
        echo "skip: nm (binutils) is not installed"
        exit 77
fi
imports=$(nm -D --undefined-only "$bin" | awk '{ print $NF }' | sed 's/@.*//')
[[ -n $imports ]] || { echo "no imports read from $bin"; exit 1; }
bad=$(grep -xE '(exec[lv]p?e?|execvpe|execveat|fexecve|posix_spawnp?|system|popen|fork|vfork|clone3?|__libc_fork)' \
        <<<"$imports" || true)
if [[ -n $bad ]]; then
        echo "chaosletd imports: $bad"
        exit 1
fi
echo "chaosletd imports $(wc -l <<<"$imports") symbols, none that executes or forks"
