#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Inside user-mode Linux (tests/kernel/uml-run.sh): what bench-fidelity measures through. Namespaces a --- b over
# veth (192.0.2.1 and .2), a UDP echo in b, an agent of its own (state on a tmpfs), then BENCH's measuring form
# inside namespace a. bench-fidelity runs this itself; by hand:
#
#   tests/kernel/uml-run.sh tests/bench/fidelity-uml.sh build/tests/bench/bench-fidelity [--quick] [--json FILE]
set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
[[ -n ${UML_RUN:-} ]] || skip "runs inside user-mode Linux: tests/kernel/uml-run.sh $0"
(($# >= 1)) || { echo "usage: $0 BENCH [bench-fidelity options...]" >&2; exit 2; }
bench=$(realpath -e -- "$1")
shift

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 600 --buffer 8388608
ns_wait_udp a 192.0.2.2:7
agent_start
ns_exec a "$bench" --socket "$AGENT_SOCKET" --netns "/run/netns/$(ns_name a)" --device "$(ns_dev a b)" \
        --to 192.0.2.2:7 --udpprobe "$(udpprobe_path)" "$@"
