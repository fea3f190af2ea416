#!/bin/bash
# SPDX-License-Identifier: MIT
# Inside user-mode Linux (sch_netem present): apply+recover latency through chaosletd vs `ip netns exec tc`.
set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
[[ -n ${UML_RUN:-} ]] || skip "runs inside user-mode Linux: tests/kernel/uml-run.sh"
ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
agent_start
"$BUILD_DIR/tests/bench/bench-apply" "$AGENT_SOCKET" "$(ns_name a)" "$(ns_dev a b)" "${ROUNDS:-50}"
