#!/bin/bash
# SPDX-License-Identifier: MIT
#
# quickstart.sh: install the dependencies, build, start chaosletd on /run/chaoslet/chaoslet.sock, and show a
# 90 ms fault on a throwaway namespace pair, measured before, during and after.
#
# On a kernel without sch_netem (some distributions ship it in an extra package, such as kernel-modules-extra),
# it says so and runs the same demo inside the user-mode Linux test kernel, which has it.
set -euo pipefail
cd "$(dirname "$(realpath "$0")")/.."

if ((EUID != 0)); then
        echo "quickstart.sh: needs root (it installs packages, and the agent enters network namespaces)" >&2
        exit 1
fi

packaging/install-deps.sh
[[ -f build/build.ninja ]] || meson setup build >/dev/null
meson compile -C build >/dev/null
echo "built: build/agent/chaosletd and build/proto/chaoslet"

socket=/run/chaoslet/chaoslet.sock
pidfile=/run/chaoslet/quickstart.pid
if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill -TERM "$(cat "$pidfile")"
        sleep 0.5
fi
install -d -m 0750 /run/chaoslet
# Detached from this terminal's output, so the script ends while the agent runs on.
setsid build/agent/chaosletd --socket "$socket" </dev/null >/dev/null 2>>/run/chaoslet-quickstart.log &
echo $! >"$pidfile"
for _ in $(seq 50); do
        build/proto/chaoslet --socket "$socket" info >/dev/null 2>&1 && break
        sleep 0.1
done
echo "chaosletd is running (pid $(cat "$pidfile"), log /run/chaoslet-quickstart.log):"
build/proto/chaoslet --socket "$socket" info

if build/proto/chaoslet --socket "$socket" --json info | jq -e '.kernel.features.sch_netem' >/dev/null; then
        BUILD_DIR=$PWD/build packaging/demo.sh "$socket"
else
        echo
        echo "This kernel ($(uname -r)) has no sch_netem, so netem faults cannot run on it: chaosletd answers them"
        echo "with error -32002 {feature: sch_netem}. Running the same demo inside the user-mode Linux test kernel"
        echo "(Debian's 6.1, which has sch_netem), with its own chaosletd:"
        BUILD_DIR=$PWD/build tests/kernel/uml-run.sh --timeout 120 packaging/demo.sh
fi

echo
echo "Try it: build/proto/chaoslet info | list | apply --help. Stop the agent: kill $(cat "$pidfile")"
