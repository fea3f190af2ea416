#!/bin/bash
# SPDX-License-Identifier: MIT
#
# chaosd-select.sh: for bench-throughput's --compare, select the same 65,536 IPv6 CIDRs as its chaoslet fault the
# way exec-based chaos daemons do (Chaos Mesh's chaos-daemon: an ipset, matched by an iptables rule, steering into
# tc), in one fresh namespace the benchmark made. None of the CIDRs covers the benchmark's traffic
# (2001:db8:0:0::/64), so what this costs is the selection itself on every packet.
#
#   chaosd-select.sh MODE NETNS DEVICE
#
# MODE:
#   drop           chaos-daemon's partition: ip6tables filter OUTPUT -o DEV -m set --match-set S dst -j DROP.
#   classify-htb   ip6tables mangle OUTPUT ... -j CLASSIFY --set-class 1:1 into an htb root like chaoslet's
#                  (default 0: unclassified traffic takes htb's direct queue). chaos-daemon uses CLASSIFY too, but
#                  into prio, which some kernels (this build machine's) lack.
#   classify-prio  chaos-daemon's own tree (pkg/chaosdaemon/tc_server.go): prio bands 4 with its priomap, sfq on
#                  bands 1-3, netem delay 90ms on band 4, and ip6tables mangle ... -j CLASSIFY --set-class 1:4.
#   mark-fw        ip6tables mangle ... -j MARK --set-mark 1, and a tc fw filter (handle 1 classid 1:1) on the
#                  htb root of classify-htb.
#   htb-only       a reference, not a selection: the htb root (and class) alone, as chaoslet's tree has it, with
#                  no filter and no set. What is left of a row's cost above this one is its selection.
#
# The set: hash:net family inet6, 2001:db8:N::/48 for N = 1..65535 and 2001:db8:0:1::/64, as the benchmark's fault.
# IP6TABLES picks the binary (default: ip6tables-legacy when installed, else ip6tables).
#
# Exit status: 0 when set up; 77 when this kernel or machine lacks a piece (the reason on stdout); 1 otherwise.
# Nothing to undo: the benchmark deletes the namespace, and the set, rules and qdiscs go with it.

set -uo pipefail

readonly SET=chaoslet-bench

skip() {
        echo "skip: chaosd-select $mode: $*"
        exit 77
}

fail() {
        echo "chaosd-select $mode: FAIL: $*" >&2
        exit 1
}

# Run in the namespace; on failure, skip with the command's own message (the kernel's, for a missing feature).
need() {
        local what=$1 out
        shift
        out=$(ip netns exec "$ns" "$@" 2>&1) || skip "$what: $(head -n 3 <<<"$out" | tr '\n' ' ')"
}

(($# == 3)) || { echo "usage: $0 drop|classify-htb|classify-prio|mark-fw|htb-only NETNS DEVICE" >&2; exit 2; }
mode=$1 ns=$2 dev=$3
case $mode in
drop | classify-htb | classify-prio | mark-fw | htb-only) ;;
*) echo "$0: unknown mode '$mode'" >&2; exit 2 ;;
esac

htb_root() {
        need "sch_htb" tc qdisc add dev "$dev" root handle 1: htb default 0
        need "sch_htb class" tc class add dev "$dev" parent 1: classid 1:1 htb rate 100gbit
}

if [[ $mode == htb-only ]]; then
        htb_root
        exit 0
fi

command -v ipset >/dev/null || skip "ipset not installed (package ipset)"
if [[ -z ${IP6TABLES:-} ]]; then
        IP6TABLES=ip6tables
        command -v ip6tables-legacy >/dev/null && IP6TABLES=ip6tables-legacy
fi
command -v "$IP6TABLES" >/dev/null || skip "$IP6TABLES not installed (package iptables)"

need "ipset hash:net for inet6" ipset create "$SET" hash:net family inet6 hashsize 65536 maxelem 131072
awk -v s="$SET" 'BEGIN {
        for (i = 1; i <= 65535; i++)
                printf "add %s 2001:db8:%x::/48\n", s, i
        printf "add %s 2001:db8:0:1::/64\n", s
}' | ip netns exec "$ns" ipset restore || fail "ipset restore"
n=$(ip netns exec "$ns" ipset list "$SET" -terse | awk -F': ' '/^Number of entries/ { print $2 }')
[[ $n == 65536 ]] || fail "the set holds '$n' entries, want 65536"

case $mode in
drop)
        need "ip6tables filter, xt_set" "$IP6TABLES" -w 5 -A OUTPUT -o "$dev" -m set --match-set "$SET" dst -j DROP
        ;;
classify-htb)
        htb_root
        need "ip6tables mangle, xt_set, xt_CLASSIFY" "$IP6TABLES" -w 5 -t mangle -A OUTPUT -o "$dev" \
                -m set --match-set "$SET" dst -j CLASSIFY --set-class 1:1
        ;;
classify-prio)
        need "sch_prio" tc qdisc add dev "$dev" root handle 1: prio bands 4 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1
        for band in 1 2 3; do
                need "sch_sfq" tc qdisc add dev "$dev" parent "1:$band" handle "$((band + 1)):" sfq
        done
        need "sch_netem" tc qdisc add dev "$dev" parent 1:4 handle 5: netem delay 90ms
        need "ip6tables mangle, xt_set, xt_CLASSIFY" "$IP6TABLES" -w 5 -t mangle -A OUTPUT -o "$dev" \
                -m set --match-set "$SET" dst -j CLASSIFY --set-class 1:4
        ;;
mark-fw)
        htb_root
        need "cls_fw" tc filter add dev "$dev" parent 1: protocol ipv6 prio 1 handle 1 fw classid 1:1
        need "ip6tables mangle, xt_set, xt_mark" "$IP6TABLES" -w 5 -t mangle -A OUTPUT -o "$dev" \
                -m set --match-set "$SET" dst -j MARK --set-mark 1
        ;;
esac
exit 0
