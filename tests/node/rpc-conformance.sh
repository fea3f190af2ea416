#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-rpc-conformance: the agent against proto/chaoslet.openrpc.json, from a client in a second language
# (rpc-conformance.mjs: Node's net plus ajv). This script gives it a namespace pair, a namespace whose device has
# a root qdisc that is not chaoslet's, and an agent of its own; then checks that nothing is left behind.
#
#   BUILD_DIR=build tests/node/rpc-conformance.sh
set -euo pipefail

dir=$(dirname "$(realpath "$0")")
. "$dir/../lib/netns.sh"
. "$dir/../lib/agent.sh"

need_root
need_cmd ip iproute2
need_cmd tc iproute2
need_cmd jq jq
"$dir/run-test.sh" --check

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24 2001:db8::1/64 2001:db8::2/64
# The foreign root qdisc: a tbf of someone else's on b's only device.
ns_exec b tc qdisc add dev "$(ns_dev b a)" root tbf rate 100mbit burst 32kb latency 50ms ||
        fail "tbf root qdisc in b"

agent_start
rc=0
"$dir/run-test.sh" rpc-conformance.mjs --socket "$AGENT_SOCKET" --netns "/run/netns/$(ns_name a)" \
        --device "$(ns_dev a b)" --peer 192.0.2.2 --foreign "/run/netns/$(ns_name b)" || rc=$?
((rc != 77)) || exit 77
((rc == 0)) || { echo "--- agent log" >&2; agent_log >&2; fail "rpc-conformance.mjs failed"; }

assert_no_residue a "$(ns_dev a b)" "after every fault was recovered"
ns_exec b tc qdisc show dev "$(ns_dev b a)" | grep -q '^qdisc tbf' || fail "the foreign tbf in b is gone"
echo "ok: the foreign tbf in b is untouched"
agent_stop || fail "chaosletd exited with status $?"
assert_old_progs_gone "after the agent stopped"
echo "ok: host-rpc-conformance"
