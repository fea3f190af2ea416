#!/bin/bash
# SPDX-License-Identifier: MIT
# Where chaosletd's apply+recover time goes: perf record (cpu-clock, DWARF call graphs) on an agent of its own while
# bench-apply drives ROUNDS apply+recover cycles of
#   cold: a 10mbit bandwidth fault on a device without chaoslet's tree, and
#   warm: a partition on a device where a bandwidth fault stays live,
# then each sample is charged to the innermost agent function of a few groups (netns, link dump, netlink socket,
# qdisc round trips, journal, bpf maps, logging, JSON-RPC) and the groups are printed per cycle. On-CPU time only:
# what the agent waits for (the RCU grace period of a qdisc delete, jbd2) shows as the gap to the wall-clock median.
#
#   apply-profile.sh [STATE-PARENT [ROUNDS]]     default /dev/shm (tmpfs) and 1000; /tmp for ext4. Needs perf.
#
# BUILD_DIR (or BUILD) locates the binaries (default: build). About 20 s per run; perf's data goes to a temporary
# directory that is deleted at the end.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
BUILD_DIR=${BUILD_DIR:-${BUILD:-$here/../../build}}
. "$here/../lib/netns.sh"
. "$here/../lib/agent.sh"

need_root
need_cmd perf linux-perf
parent=${1:-/dev/shm} rounds=${2:-1000}
((rounds >= 5 && rounds <= 10000)) || fail "ROUNDS: 5 to 10000"
hz=2999

ns_setup_pair s s1 192.0.2.1/30 192.0.2.2/30
ns_setup_pair s s2 192.0.2.5/30 192.0.2.6/30
work=$(mktemp -d "$parent/cl-apply-profile-XXXXXX")
at_exit rm -rf "$work"
agent_start --state-dir "$work/state"
cl rpc fault.apply "{\"id\":\"background\",\"target\":{\"netns\":\"/run/netns/$(ns_name s)\"},\"device\":\"to-s2\",
                     \"bandwidth\":{\"rate\":\"10mbit\"}}" >/dev/null
bench=$BUILD_DIR/tests/bench/bench-apply

# Reads `perf script -F ip,sym`: one block per sample, leaf first.
categorize() {
        awk -v hz="$hz" -v rounds="$rounds" '
        BEGIN {
                RS = ""
                n_groups = split("netns|link|socket|qdisc|journal|bpf|log|rpc", groups, "|")
                desc["netns"] = "target namespace: open, identify (cookie, nsid), re-open"
                pat["netns"] = "^(netns_open_path|netns_id_from_fd|target_reopen|open_if_same|target_open|nsid_get_or_assign)"
                desc["link"] = "device lookup (RTM_GETLINK by name; libnl link cache for every device)"
                pat["link"] = "^(links_resolve|links_list|rtnl_link_alloc_cache|load_cache|target_links)"
                desc["socket"] = "the rtnetlink socket of the request: adopted, or opened on a visit; closed"
                pat["socket"] = "^(rtnl_open_in_netns|rtnl_open|rtnl_adopt|rtnl_new|rtnl_netns_get|rtnl_netns_done|rtnl_free)$"
                desc["qdisc"] = "qdisc and filter install/delete round trips"
                pat["qdisc"] = "^(rtnl_batch_commit|tree_install|device_uninstall|tree_uninstall|device_sync_fault)"
                desc["journal"] = "journal: write, rename, unlink"
                pat["journal"] = "^(journal_|registry_journal_)"
                desc["bpf"] = "bpf map updates"
                pat["bpf"] = "^bpf_map_"
                desc["log"] = "logging"
                pat["log"] = "^log_internal"
                desc["rpc"] = "JSON-RPC: read, parse, reply (and waking the client)"
                pat["rpc"] = "^(client_flush|client_reply|line_buffer|cJSON_|spec_|jsonrpc_|__libc_recv$|__libc_send$)"
                desc["other"] = "the rest: event loop, scheduler, registry bookkeeping"
        }
        {
                n++
                hit = "other"
                n_lines = split($0, lines, "\n")
                for (i = 1; i <= n_lines && hit == "other"; i++) {
                        if (split(lines[i], f, " ") < 2)
                                continue
                        sym = f[2]
                        for (g = 1; g <= n_groups; g++)
                                if (sym ~ pat[groups[g]]) {
                                        hit = groups[g]
                                        break
                                }
                }
                count[hit]++
        }
        END {
                if (n == 0) {
                        print "no samples"
                        exit
                }
                printf "| on-CPU, %d samples: %.0f us per apply+recover | share | us |\n|---|---|---|\n", n,
                       n / hz / rounds * 1e6
                groups[++n_groups] = "other"
                for (g = 1; g <= n_groups; g++)
                        printf "| %s | %.1f%% | %.0f |\n", desc[groups[g]], 100 * count[groups[g]] / n,
                               count[groups[g]] / hz / rounds * 1e6
        }'
}

echo "kernel $(uname -r), $(nproc) CPUs, --state-dir on $(df -T "$work" | awk 'NR == 2 { print $2 }'), $rounds rounds"
for m in cold:to-s1:bandwidth warm:to-s2:partition; do
        IFS=: read -r name dev kind <<<"$m"
        echo
        echo "$name: $("$bench" "$AGENT_SOCKET" "$(ns_name s)" "$dev" "$rounds" "$kind") (without perf)"
        perf record -q -e cpu-clock -F "$hz" --call-graph dwarf,16384 -p "$AGENT_PID" -o "$work/$name.data" -- \
                "$bench" "$AGENT_SOCKET" "$(ns_name s)" "$dev" "$rounds" "$kind" >/dev/null
        perf script -i "$work/$name.data" -F ip,sym 2>/dev/null | categorize
done
