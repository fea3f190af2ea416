#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Inside user-mode Linux (tests/kernel/uml-run.sh): bench-throughput with the chaos-daemon ways this kernel has
# and the build machine's lacks (cls_fw, sch_prio), next to chaoslet's fault and no fault, in the same run. UML
# has one CPU and no BPF JIT, so its absolute figures are low; read the ratios.
#
#   tests/kernel/uml-run.sh --timeout 560 tests/bench/throughput-uml.sh [bench-throughput options...]
#
# ROUNDS and SECONDS_PER_RUN (default 3 and 3) set the runs; extra arguments go to bench-throughput.
set -uo pipefail

skip() {
        echo "skip: $*"
        exit 77
}

((EUID == 0)) || skip "needs root for network namespaces"
[[ -n ${UML_RUN:-} ]] || skip "runs inside user-mode Linux: tests/kernel/uml-run.sh $0"
[[ -n ${BUILD_DIR:-} ]] || skip "BUILD_DIR is not set"
here=$(dirname "$(realpath "$0")")

# What uml-run.sh does not load: iptables (legacy) with ipset, CLASSIFY and MARK. modprobe takes the order from
# the UML kernel's modules.dep (ip_set needs nfnetlink; xt_set needs ip_set and x_tables; ...). uml-run.sh points
# /run/uml-modroot/lib/modules at the UML modules; make it again if a future runner stops doing so.
modroot=/run/uml-modroot
if [[ ! -e $modroot/lib/modules/$(uname -r) ]]; then
        mkdir -p "$modroot/lib"
        ln -sfn /usr/lib/uml/modules "$modroot/lib/modules"
fi
modules=(ip6_tables ip6table_filter ip6table_mangle xt_set xt_mark xt_CLASSIFY ip_set_hash_net cls_fw sch_prio
        sch_sfq sch_netem sch_htb cls_bpf)
modprobe -q -d "$modroot" -a "${modules[@]}" || true
missing=()
for m in "${modules[@]}"; do
        [[ -d /sys/module/$m ]] || missing+=("$m")
done
((${#missing[@]} == 0)) || echo "warning: modules not loaded: ${missing[*]} (their configurations will be skipped)"

exec "$BUILD_DIR/tests/bench/bench-throughput" --tcpblast "$BUILD_DIR/tests/tools/tcpblast" \
        --rounds "${ROUNDS:-3}" --seconds "${SECONDS_PER_RUN:-3}" \
        --compare "reference: htb root alone, no filter, no set=$here/chaosd-select.sh htb-only" \
        --compare "chaos-daemon partition: ipset + ip6tables DROP=$here/chaosd-select.sh drop" \
        --compare "ipset + ip6tables MARK + tc fw filter on htb=$here/chaosd-select.sh mark-fw" \
        --compare "chaos-daemon tree: ipset + CLASSIFY into prio/sfq=$here/chaosd-select.sh classify-prio" \
        "$@"
