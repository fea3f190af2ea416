#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test-kubectl-plugin.sh PLUGIN CHAOSLET: packaging/kubernetes/kubectl-chaoslet against recorded
# `kubectl get pod -o json` output (fixtures/kubectl/, answered by fake-kubectl): the pod's node, that node's
# running agent pod (not another node's, not a failed one), the pod or container target, the spec on standard
# input, and a clear refusal for an unscheduled pod, a node without an agent, an unknown container or pod.
set -uo pipefail
export LC_ALL=C

plugin=$(realpath "$1")
export CHAOSLET=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
export FAKE_KUBECTL_DIR=$here/fixtures/kubectl KUBECTL=$here/fake-kubectl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export FAKE_KUBECTL_LOG=$tmp/log
failures=0 checks=0

check() { # DESCRIPTION, then the condition as a command
        local what=$1
        shift
        checks=$((checks + 1))
        if "$@"; then
                echo "ok: $what"
        else
                echo "FAIL: $what"
                failures=$((failures + 1))
        fi
}
logged() { grep -qF -- "$1" "$FAKE_KUBECTL_LOG"; }
run() { # EXPECTED-STATUS ARGS...: runs the plugin, output in $tmp/out
        local want=$1
        shift
        : >"$FAKE_KUBECTL_LOG"
        "$plugin" "$@" >"$tmp/out" 2>&1
        rc=$?
        [[ $rc == "$want" ]] || { echo "  exit $rc, wanted $want: $(cat "$tmp/out")"; return 1; }
}

# The pod as a whole: worker-2's running agent (chaosletd-old77 there has failed), the pod's uid, the NetworkChaos
# on standard input exactly as given. The fake runs the real CLI with those arguments: 1 = it accepted them and
# could not connect (there is no agent here), 2 would be a usage error.
check "apply -f FILE goes to worker-2's running agent with --pod UID" \
        run 1 apply -n sock-shop carts -f "$FAKE_KUBECTL_DIR/networkchaos.json" --id slow-carts
check "  the exec names chaosletd-7hd2m in namespace chaoslet" \
        logged "exec-in chaoslet/chaosletd-7hd2m: chaoslet apply --pod 6f1c2b9e-3a4d-4e8f-b2c1-9d7e5a3f1b20 --id slow-carts -f -"
check "  the spec reaches the agent unchanged" \
        logged "stdin: $(jq -c . "$FAKE_KUBECTL_DIR/networkchaos.json")"
check "  the pod was read in its namespace, the agents by node" \
        bash -c "grep -qF 'kubectl -n sock-shop get pod carts -o json' '$FAKE_KUBECTL_LOG' &&
                 grep -qF 'field-selector spec.nodeName=worker-2' '$FAKE_KUBECTL_LOG'"

check "apply -c CONTAINER targets that container's ID" \
        run 1 apply -n sock-shop carts -c istio-proxy -f - <"$FAKE_KUBECTL_DIR/networkchaos.json"
check "  --container containerd://9a8b..." \
        logged "chaoslet apply --container containerd://9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b -f -"

check "recover POD ID runs chaoslet recover on that node" run 1 recover -n sock-shop carts slow-carts
check "  chaoslet recover slow-carts" logged "exec-in chaoslet/chaosletd-7hd2m: chaoslet recover slow-carts"
check "list POD" run 1 list -n sock-shop carts
check "agent POD prints the agent and its node" run 0 agent -n sock-shop carts
check "  chaoslet/chaosletd-7hd2m on worker-2" grep -qx "chaoslet/chaosletd-7hd2m on worker-2" "$tmp/out"

# Refusals: exit 1 with a message that says what is wrong, and no exec.
refused() { # MESSAGE ARGS...
        local msg=$1
        shift
        run 1 "$@" </dev/null && grep -qF -- "$msg" "$tmp/out" && ! logged "exec-in"
}
check "an unscheduled pod is refused" refused "is not scheduled on a node yet" apply -n sock-shop orders-pending -f -
check "a node without a running agent is refused" \
        refused "no running chaoslet agent on node 'worker-3'" apply -n sock-shop catalogue-db -f -
check "an unknown container is refused, naming the pod's containers" \
        refused "has no running container 'web' (containers: carts, istio-proxy)" apply -n sock-shop carts -c web -f -
check "a pod in another namespace is not found" refused "cannot read pod 'carts'" apply -n default carts -f -
check "apply without -f is refused" refused "apply needs -f FILE" apply -n sock-shop carts
check "recover without an id is refused" refused "recover needs the pod and the fault's id" recover -n sock-shop carts
check "an unknown command is refused" refused "unknown command 'delete'" delete carts

echo "$((checks - failures)) of $checks checks passed"
((failures == 0))
