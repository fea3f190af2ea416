# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# tests/lib/netns.sh: helpers for host and kernel test scripts. Source it; don't run it.
#
#   . "$(dirname "$(realpath "$0")")/../lib/netns.sh"
#
# Results:   fail MSG (exit 1), skip WHY (exit 77), need_root, need_cmd CMD [PACKAGE]
# Asserts:   assert_eq VALUE EXPECTED WHAT, assert_between VALUE LO HI WHAT (decimals allowed)
# JSON:      json_get JSON FIELD (jq; prints "null" for a missing field)
# Netns:     ns_setup_pair A B ADDR_A/LEN ADDR_B/LEN [ADDR6_A/LEN ADDR6_B/LEN]
#            ns_name A, ns_dev A B, ns_exec A CMD..., ns_bg A CMD..., ns_wait_udp A ADDR:PORT [TRIES]
#            ns_probe A ADDR:PORT [udpprobe probe options...] (prints udpprobe's JSON)
# Cleanup:   ns_cleanup runs on EXIT, also after a failure: it stops what ns_bg started and deletes every
#            namespace this run made. at_exit CMD... adds a command to run before it.
#
# Namespaces are named cl-<pid>-<random>-<short name>, so parallel runs and leftovers never collide. The
# device in namespace A that leads to B is called to-B: `ns_exec b tc qdisc add dev to-a root ...` shapes
# b's traffic towards a. Both ends are created inside their namespaces, never in the caller's.
#
# Test traffic stays between namespaces made here, on 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and
# 2001:db8::/32 (TEST-KERNEL.md). ns_setup_pair refuses any other address.

[[ -n ${_CL_NETNS_SH:-} ]] && return 0
_CL_NETNS_SH=1

NS_PREFIX=cl-$$-$((RANDOM % 1000))-
_ns_created=()
_ns_bg_pids=()
_at_exit=()

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

skip() {
        echo "skip: $*"
        exit 77
}

need_root() {
        ((EUID == 0)) || skip "needs root for network namespaces"
}

need_cmd() {
        command -v "$1" >/dev/null || skip "$1 not installed${2:+ (package $2)}"
}

assert_eq() {
        [[ $1 == "$2" ]] || fail "$3: got '$1', want '$2'"
        echo "ok: $3 = $1"
}

assert_between() {
        awk -v v="$1" -v lo="$2" -v hi="$3" \
                'BEGIN { exit !(v ~ /^-?[0-9]+(\.[0-9]+)?$/ && v + 0 >= lo + 0 && v + 0 <= hi + 0) }' ||
                fail "$4: got '$1', want between $2 and $3"
        echo "ok: $4 = $1 (in [$2, $3])"
}

json_get() {
        jq -r --arg f "$2" '.[$f]' <<<"$1"
}

at_exit() {
        local q
        printf -v q ' %q' "$@"
        _at_exit+=("${q# }")
}

udpprobe_path() {
        local p=${UDPPROBE:-${BUILD_DIR:+$BUILD_DIR/tests/tools/udpprobe}}
        [[ -n $p && -x $p ]] || fail "udpprobe not found: pass its path, or set UDPPROBE or BUILD_DIR"
        echo "$p"
}

ns_name() {
        echo "$NS_PREFIX$1"
}

ns_dev() {
        local d=to-$2
        echo "${d:0:15}"
}

ns_exec() {
        local ns=$1
        shift
        ip netns exec "$NS_PREFIX$ns" "$@"
}

# The pid is the command's own: `ip netns exec` execs it.
ns_bg() {
        local ns=$1
        shift
        ip netns exec "$NS_PREFIX$ns" "$@" &
        _ns_bg_pids+=($!)
}

_ns_check_addr() {
        case $1 in
        192.0.2.*/* | 198.51.100.*/* | 203.0.113.*/* | 2001:[dD][bB]8:*/* | 2001:[dD][bB]8::*/*) ;;
        *) fail "ns_setup_pair: '$1' is not ADDR/LEN in a documentation range" ;;
        esac
}

_ns_add() {
        ip netns add "$NS_PREFIX$1" || fail "could not create namespace $NS_PREFIX$1"
        _ns_created+=("$NS_PREFIX$1")
        ip -n "$NS_PREFIX$1" link set lo up || fail "lo up in $NS_PREFIX$1"
}

ns_setup_pair() {
        (($# == 4 || $# == 6)) || fail "usage: ns_setup_pair A B ADDR_A/LEN ADDR_B/LEN [ADDR6_A/LEN ADDR6_B/LEN]"
        local a=$1 b=$2 dev_a dev_b addr
        for addr in "${@:3}"; do
                _ns_check_addr "$addr"
        done
        dev_a=$(ns_dev "$a" "$b")
        dev_b=$(ns_dev "$b" "$a")

        [[ -e /run/netns/$NS_PREFIX$a ]] || _ns_add "$a"
        [[ -e /run/netns/$NS_PREFIX$b ]] || _ns_add "$b"
        ip link add "$dev_a" netns "$NS_PREFIX$a" type veth peer name "$dev_b" netns "$NS_PREFIX$b" ||
                fail "could not create veth pair $a/$b"
        ip -n "$NS_PREFIX$a" addr add "$3" dev "$dev_a" || fail "address $3 in $a"
        ip -n "$NS_PREFIX$b" addr add "$4" dev "$dev_b" || fail "address $4 in $b"
        if (($# == 6)); then
                # nodad: the address is usable at once instead of after duplicate address detection (~1 s).
                ip -n "$NS_PREFIX$a" -6 addr add "$5" dev "$dev_a" nodad || fail "address $5 in $a"
                ip -n "$NS_PREFIX$b" -6 addr add "$6" dev "$dev_b" nodad || fail "address $6 in $b"
        fi
        ip -n "$NS_PREFIX$a" link set "$dev_a" up || fail "$dev_a up in $a"
        ip -n "$NS_PREFIX$b" link set "$dev_b" up || fail "$dev_b up in $b"
}

ns_probe() {
        local ns=$1 to=$2 probe
        shift 2
        probe=$(udpprobe_path) || exit 1
        ns_exec "$ns" "$probe" probe --to "$to" --json "$@" || fail "udpprobe probe --to $to failed in $ns"
}

# Ready when one probe comes back. Bounded: TRIES probes of at most 100 ms each (default 50, so 5 s).
ns_wait_udp() {
        local ns=$1 to=$2 tries=${3:-50} probe i
        probe=$(udpprobe_path) || exit 1
        for ((i = 0; i < tries; i++)); do
                if ns_exec "$ns" "$probe" probe --to "$to" --count 1 --timeout 100 --json 2>/dev/null |
                        jq -e '.received == 1' >/dev/null; then
                        return 0
                fi
                sleep 0.1
        done
        fail "no UDP echo from $to in $ns after $tries tries"
}

ns_cleanup() {
        # Runs from the EXIT trap of scripts that use set -e: a process that is already gone must not end it.
        local - c pid ns i
        set +e
        for c in "${_at_exit[@]}"; do
                eval "$c" || true
        done
        _at_exit=()
        for pid in "${_ns_bg_pids[@]}"; do
                kill "$pid" 2>/dev/null
        done
        for pid in "${_ns_bg_pids[@]}"; do
                # Bounded: 20 x 50 ms, then KILL.
                for ((i = 0; i < 20; i++)); do
                        kill -0 "$pid" 2>/dev/null || break
                        sleep 0.05
                done
                # Reaped inside the redirection, so bash's "Killed" notice goes nowhere.
                { kill -KILL "$pid"; wait "$pid"; } 2>/dev/null
        done
        _ns_bg_pids=()
        for ns in "${_ns_created[@]}"; do
                # Anything else still running in it would keep the namespace alive after the delete.
                for pid in $(ip netns pids "$ns" 2>/dev/null); do
                        kill -KILL "$pid" 2>/dev/null
                done
                ip netns del "$ns" 2>/dev/null || echo "warning: could not delete namespace $ns" >&2
        done
        _ns_created=()
}

_ns_on_exit() {
        local rc=$?
        ns_cleanup
        exit "$rc"
}
trap _ns_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
