#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-agent-metrics: chaosletd --metrics-address 127.0.0.1:0 (the port it bound is in its log), scraped with
# bash's /dev/tcp, no HTTP client needed. A partition on 192.0.2.2 (not 192.0.2.3) and real probes to both:
#
#   every line is a HELP, a TYPE or a sample that parses; faults_active is 1, faults_applied_total{kind="partition"}
#   1; dropped_packets_total{id} equals the probes lost, none of them to 192.0.2.3; rpc_requests_total counts the
#   calls made since the first scrape, by method and code; every histogram's buckets are monotone and +Inf equals
#   its count; a scrape under strace runs no execve/clone/fork and opens nothing under /proc (skipped without
#   strace); a URL other than /metrics is 404; after the recover faults_active is 0 and the id's series are gone.
#
#   a (192.0.2.1) --- b (192.0.2.2, 192.0.2.3), echo on port 7 of both

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
[[ -x $CHAOSLETD ]] || fail "chaosletd not found at $CHAOSLETD (set BUILD_DIR)"
if [[ $("$CHAOSLETD" --metrics-address 127.0.0.1:0 not-an-argument 2>&1 || true) == *"built without metrics"* ]]; then
        skip "chaosletd was built without metrics (libmicrohttpd, meson -Dmetrics)"
fi
PROBES=20

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
ns_exec b ip addr add 192.0.2.3/24 dev "$(ns_dev b a)"
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 600
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.3:7 --timeout 600
ns_wait_udp a 192.0.2.2:7
ns_wait_udp a 192.0.2.3:7

agent_start --metrics-address 127.0.0.1:0
PORT=$(sed -n 's|.*Serving metrics on http://127\.0\.0\.1:\([0-9][0-9]*\)/metrics.*|\1|p' "$AGENT_LOG" | tail -n1)
[[ -n $PORT ]] || { agent_log >&2; fail "the agent did not log the port it serves metrics on"; }
echo "ok: metrics on port $PORT"

# GET PATH over HTTP/1.0 (the server closes when done): the status line to $AGENT_DIR/status, the body to stdout.
# Bounded: 5 s.
http_get() {
        local resp
        exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect to the metrics port $PORT"
        printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
        resp=$(timeout 5 cat <&3) || true
        exec 3<&-
        head -n1 <<<"$resp" | tr -d '\r' >"$AGENT_DIR/status"
        sed '1,/^\r\{0,1\}$/d' <<<"$resp"
}

scrape() {
        local body
        body=$(http_get /metrics)
        [[ $(cat "$AGENT_DIR/status") == "HTTP/1.0 200 OK" || $(cat "$AGENT_DIR/status") == "HTTP/1.1 200 OK" ]] ||
                fail "GET /metrics: $(cat "$AGENT_DIR/status")"
        printf '%s\n' "$body"
}

# The value of the sample whose name and labels are exactly $2 (0 when absent).
sample() {
        awk -v s="$2" 'index($0, s " ") == 1 { v = substr($0, length(s) + 2) } END { print v == "" ? 0 : v }' <<<"$1"
}

check_format() {
        local bad
        bad=$(grep -E -v -e '^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$' \
                -e '^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$' \
                -e '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*")*\})? -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$' \
                <<<"$1" || true)
        [[ -z $bad ]] || fail "lines that do not parse as the text format 0.0.4: $bad"
        # Each family's TYPE once, before its samples.
        awk '/^# TYPE / { if (seen[$3]++) { print "TYPE twice: " $3; exit 1 } t = $3; next }
             /^#/ { next }
             { n = $0; sub(/[{ ].*/, "", n); if (index(n, t) != 1) { print "sample outside its family: " $0; exit 1 } }' \
                <<<"$1" || fail "families out of order"
        echo "ok: $(wc -l <<<"$1") lines parse as the text format 0.0.4"
}

# Every histogram: buckets monotone in le order, +Inf equal to _count.
check_histograms() {
        awk '
        /^chaoslet_rpc_duration_seconds_bucket\{/ {
                m = $0; sub(/.*method="/, "", m); sub(/".*/, "", m)
                v = $NF + 0
                if ((m in last) && v < last[m]) { print "bucket below the one before: " $0; bad = 1 }
                last[m] = v
                if ($0 ~ /le="\+Inf"/) inf[m] = v
        }
        /^chaoslet_rpc_duration_seconds_count\{/ {
                m = $0; sub(/.*method="/, "", m); sub(/".*/, "", m)
                count[m] = $NF + 0; n++
        }
        END {
                for (m in count) if (!(m in inf) || inf[m] != count[m]) { print "+Inf != count for " m; bad = 1 }
                if (n < 5) { print "only " n " histograms"; bad = 1 }
                exit bad
        }' <<<"$1" || fail "rpc_duration_seconds histograms"
        echo "ok: every rpc_duration_seconds histogram monotone, +Inf == count"
}

m0=$(scrape)
check_format "$m0"
check_histograms "$m0"
assert_eq "$(sample "$m0" chaoslet_faults_active)" 0 "faults_active before"
grep -q '^chaoslet_build_info{version="[^"]*"} 1$' <<<"$m0" || fail "no chaoslet_build_info"
echo "ok: chaoslet_build_info"

# From here on, exactly these calls: 1 apply, 2 info, 1 get of an unknown id, 1 list, then 1 recover.
cl apply -f - >/dev/null <<<"{\"id\":\"m1\",\"target\":{\"netns\":\"/run/netns/$A\"},\"partition\":true,\"match\":{\"cidrs\":[\"192.0.2.2/32\"]}}"
lost2=$(ns_probe a 192.0.2.2:7 --count "$PROBES" --interval 2 --timeout 200 | jq .lost)
lost3=$(ns_probe a 192.0.2.3:7 --count "$PROBES" --interval 2 --timeout 200 | jq .lost)
assert_eq "$lost2" "$PROBES" "probes to 192.0.2.2 lost in the partition"
assert_eq "$lost3" 0 "probes to 192.0.2.3 lost (not matched)"
cl info >/dev/null
cl info >/dev/null
[[ $(cl_err get no-such-fault) == -32005 ]] || fail "get of an unknown fault is not -32005"
cl list >/dev/null

m1=$(scrape)
check_format "$m1"
check_histograms "$m1"
assert_eq "$(sample "$m1" chaoslet_faults_active)" 1 "faults_active"
assert_eq "$(sample "$m1" 'chaoslet_faults_applied_total{kind="partition"}')" 1 "faults_applied_total{partition}"
assert_eq "$(sample "$m1" 'chaoslet_fault_dropped_packets_total{id="m1"}')" "$((lost2 + lost3))" \
        "dropped_packets_total{m1} = probes lost"
matched=$(sample "$m1" 'chaoslet_fault_matched_packets_total{id="m1"}')
assert_between "$matched" "$((lost2 + lost3))" "$((lost2 + lost3 + 10))" "matched_packets_total{m1}"

delta() {
        local s="chaoslet_rpc_requests_total{method=\"$1\",code=\"$2\"}"
        echo $(($(sample "$m1" "$s") - $(sample "$m0" "$s")))
}
assert_eq "$(delta fault.apply 0)" 1 "rpc_requests_total{fault.apply,0} since the first scrape"
assert_eq "$(delta agent.info 0)" 2 "rpc_requests_total{agent.info,0} since the first scrape"
assert_eq "$(delta fault.get -32005)" 1 "rpc_requests_total{fault.get,-32005} since the first scrape"
assert_eq "$(delta fault.list 0)" 1 "rpc_requests_total{fault.list,0} since the first scrape"
total() {
        awk '/^chaoslet_rpc_requests_total\{/ { s += $NF } END { print s + 0 }' <<<"$1"
}
assert_eq "$(($(total "$m1") - $(total "$m0")))" 5 "rpc_requests_total, every method and code, since the first scrape"
count() {
        sample "$1" "chaoslet_rpc_duration_seconds_count{method=\"$2\"}"
}
assert_eq "$(($(count "$m1" agent.info) - $(count "$m0" agent.info)))" 2 "rpc_duration_seconds_count{agent.info}"

# A scrape starts no process and reads nothing under /proc (chaos-daemon's CPU burn, Chaos Mesh #4137).
strace_pid=
strace_stop() {
        [[ -n $strace_pid ]] || return 0
        kill "$strace_pid" 2>/dev/null || true
        wait "$strace_pid" 2>/dev/null || true
        strace_pid=
}
if command -v strace >/dev/null; then
        STRACE_OUT=$AGENT_DIR/strace.out
        strace -f -qq -p "$AGENT_PID" -o "$STRACE_OUT" \
                -e trace=%process,open,openat,openat2,accept,accept4 2>"$AGENT_DIR/strace.err" &
        strace_pid=$!
        at_exit strace_stop
        # strace attaches in the background: scrape until it sees one. Bounded: 50 x 100 ms.
        for ((i = 0; i < 50; i++)); do
                scrape >/dev/null
                grep -q accept "$STRACE_OUT" 2>/dev/null && break
                sleep 0.1
        done
        grep -q accept "$STRACE_OUT" || fail "strace saw no scrape ($(cat "$AGENT_DIR/strace.err"))"
        scrape >/dev/null
        scrape >/dev/null
        strace_stop
        if grep -E 'execve|execveat|clone|fork|open(at|at2)?\("/proc/' "$STRACE_OUT"; then
                fail "a scrape started a process or opened something under /proc"
        fi
        echo "ok: $(grep -c "accept4\{0,1\}(.*) = [0-9]" "$STRACE_OUT") scrapes under strace: no execve, clone or fork, nothing opened under /proc"
else
        echo "skip: strace not installed: the scrape's system calls are not checked"
fi

http_get /nope >/dev/null
assert_eq "$(cut -d' ' -f2 "$AGENT_DIR/status")" 404 "GET /nope"

cl recover m1 >/dev/null
m2=$(scrape)
check_format "$m2"
assert_eq "$(sample "$m2" chaoslet_faults_active)" 0 "faults_active after the recover"
! grep -q 'id="m1"' <<<"$m2" || fail "m1's series outlive it"
echo "ok: m1's series are gone with it"
assert_eq "$(sample "$m2" 'chaoslet_rpc_requests_total{method="fault.recover",code="0"}')" 1 \
        "rpc_requests_total{fault.recover,0}"

# Out of file descriptors (the soft RLIMIT_NOFILE lowered to the lowest fd the agent does not use): a scraper that
# connects is answered 503 and closed, and the agent stays idle meanwhile (libmicrohttpd's own accepting spun a
# core on the connection left in the backlog); with fds again, scrapes are served.
need_cmd prlimit util-linux
lowest=$(ls "/proc/$AGENT_PID/fd" | sort -n | awk 'BEGIN { e = 0 } $1 == e { e++ } END { print e }')
hard=$(prlimit --pid "$AGENT_PID" --nofile --noheadings --output HARD)
prlimit --pid "$AGENT_PID" --nofile="$lowest:$hard"
cpu_ticks() {
        awk '{ print $14 + $15 }' "/proc/$AGENT_PID/stat"
}
t0=$(cpu_ticks)
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
sleep 0.5
ticks=$(( $(cpu_ticks) - t0 ))
status=$(timeout 5 head -n1 <&3 | tr -d '\r') || true
exec 3<&-
echo "out of fds: $ticks ticks of CPU in the 0.5 s a scraper waited; it got: $status"
((ticks <= 5)) || fail "the agent took $ticks ticks of CPU (of $(getconf CLK_TCK) a second) out of fds"
assert_eq "$status" "HTTP/1.1 503 Service Unavailable" "a scraper while out of fds"
prlimit --pid "$AGENT_PID" --nofile="$hard:$hard"
scrape >/dev/null
echo "ok: served again once fds are free"
agent_stop
