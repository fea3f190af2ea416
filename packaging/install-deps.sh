#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Install everything chaoslet needs to build, run and test, from Debian's packages (Debian 12 "bookworm"), and the
# Node tests' pinned npm packages (tests/node/package-lock.json).
#
#   build:   gcc, meson, ninja, pkg-config; clang + llvm + bpftool for the eBPF classifier; scdoc (the man pages);
#            libnl-3 + libnl-route-3, libmnl, libbpf, libcap, cJSON (the five libraries of the design card);
#            libmicrohttpd for chaosletd --metrics-address (optional: meson -Dmetrics=auto builds without it)
#   run:     nothing beyond those libraries' runtime packages
#   test:    iproute2 (ip, tc: test fixtures and baselines), jq (test scripts), user-mode-linux + kmod (the
#            kernel suite: a 6.1 kernel with sch_netem), libclang-rt-14-dev (libFuzzer, ASan, UBSan), systemd
#            (systemd-analyze verify and security on the units, systemd-socket-activate; nothing is started)
#            nodejs + npm (tests in a second language: the manifests against the Kubernetes API schemas, the OpenRPC
#            document and the agent against it), only when node and npm are not already on PATH; then
#            npm ci --prefix tests/node
#   bench:   ipset + iptables (the chaos-daemon way of selecting traffic, measured beside ours), ethtool
#            (throughput with offloads off)
set -euo pipefail

if ((EUID != 0)); then
        echo "install-deps.sh: needs root (apt-get install)" >&2
        exit 1
fi

packages=(
        gcc libc6-dev meson ninja-build pkg-config scdoc
        clang llvm bpftool linux-libc-dev
        libnl-3-dev libnl-route-3-dev libmnl-dev libbpf-dev libcap-dev libcjson-dev libmicrohttpd-dev
        iproute2 jq user-mode-linux kmod libclang-rt-14-dev systemd
        ipset iptables ethtool
)

# A node from elsewhere (nodesource's, nvm's) brings its own npm: Debian's npm would conflict with it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
        [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
        echo "install-deps.sh: all ${#packages[@]} packages are installed"
else
        echo "install-deps.sh: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Exactly the versions in the lock file; node_modules is never committed.
node_dir=$(dirname "$(realpath "$0")")/../tests/node
echo "install-deps.sh: npm ci in tests/node"
npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error >/dev/null
echo "install-deps.sh: done"
