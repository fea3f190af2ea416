#!/bin/bash
# SPDX-License-Identifier: MIT
#
# host-socket-activation: chaosletd on a listening socket it inherits as fd 3 with LISTEN_FDS=1 and LISTEN_PID (as
# chaosletd.socket passes it; tests/tools/listen-launch makes it here). The agent serves that socket and ignores
# --socket, leaves the socket's mode and inode alone, and does not unlink it on exit. A partition applied through
# it drops real packets, and its recovery lets them through again. What is not such a socket is refused before
# anything else (exit 1, a message that says what fd 3 was): not a socket, a UDP socket, an AF_UNIX datagram
# socket, a stream socket that is not listening. LISTEN_PID naming another process is ignored with a warning, as
# sd_listen_fds(3) does, and the agent binds its --socket.
#
#   a (192.0.2.1) --- b (192.0.2.2), echo on port 7

set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
need_cmd jq jq
LAUNCH=${LISTEN_LAUNCH:-$BUILD_DIR/tests/tools/listen-launch}
[[ -x $LAUNCH ]] || fail "listen-launch not found at $LAUNCH"

ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
A=$(ns_name a)
DEV=$(ns_dev a b)
ns_bg b "$(udpprobe_path)" echo --bind 192.0.2.2:7 --timeout 120
ns_wait_udp a 192.0.2.2:7

mkdir -p "$AGENT_DIR/run"
OTHER=$AGENT_DIR/run/other.sock

# Waits for an agent (AGENT_PID) to answer on AGENT_SOCKET: at most 100 x 50 ms.
wait_answer() {
        local i
        for ((i = 0; i < 100; i++)); do
                "$CHAOSLET" --socket "$AGENT_SOCKET" info >/dev/null 2>&1 && return 0
                kill -0 "$AGENT_PID" 2>/dev/null || { agent_log >&2; fail "chaosletd exited at start ($1)"; }
                sleep 0.05
        done
        agent_log >&2
        fail "chaosletd did not answer within 5 s ($1)"
}

# The socket's mode comes from our umask (0002: 0775), not one chaosletd would ever give a socket of its own.
(umask 0002; exec "$LAUNCH" unix "$AGENT_SOCKET" -- "$CHAOSLETD" --socket "$OTHER" --state-dir "$AGENT_DIR/state" \
        2>>"$AGENT_LOG") &
AGENT_PID=$!
at_exit agent_kill
wait_answer "activated"
mode=$(stat -c %a "$AGENT_SOCKET")
ino=$(stat -c %i "$AGENT_SOCKET")
assert_eq "$mode" 775 "the inherited socket's mode"
grep -q "Socket activation: serving $AGENT_SOCKET (fd 3)" "$AGENT_LOG" || fail "no socket activation line: $(agent_log)"
grep -q "started on $AGENT_SOCKET " "$AGENT_LOG" || fail "the start line does not name the inherited socket"
[[ ! -e $OTHER ]] || fail "the agent bound --socket $OTHER although it was given a socket"
echo "ok: the agent serves the socket it was given on fd 3 and ignores --socket"

lost() {
        ns_probe a 192.0.2.2:7 --count 50 --interval 5 | jq -r .lost
}
assert_eq "$(lost)" 0 "probes lost before the fault"
cl apply --id cut --netns "/run/netns/$A" --device "$DEV" --partition --direction both --cidr 192.0.2.2/32 \
        --duration 1m >/dev/null
assert_eq "$(lost)" 50 "probes lost through the partition"
cl recover cut >/dev/null
assert_eq "$(lost)" 0 "probes lost after recover"
assert_no_residue a "$DEV" "after recover"

assert_eq "$(stat -c %a.%i "$AGENT_SOCKET")" "$mode.$ino" "the socket's mode and inode while serving"
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
[[ -S $AGENT_SOCKET ]] || fail "the agent removed the socket it was given"
assert_eq "$(stat -c %a.%i "$AGENT_SOCKET")" "$mode.$ino" "the socket's mode and inode after the agent stopped"
rm -f "$AGENT_SOCKET"

# The same with systemd's own tool, where installed: it listens, and execs the agent at the first connection, which
# the agent then serves from the backlog.
if command -v systemd-socket-activate >/dev/null; then
        rm -f "$AGENT_SOCKET"
        : >"$AGENT_LOG"
        systemd-socket-activate -l "$AGENT_SOCKET" "$CHAOSLETD" --socket "$OTHER" --state-dir "$AGENT_DIR/state" \
                2>>"$AGENT_LOG" &
        AGENT_PID=$!
        for ((i = 0; i < 100; i++)); do
                [[ -S $AGENT_SOCKET ]] && break
                sleep 0.05
        done
        out=$(timeout 20 "$CHAOSLET" --socket "$AGENT_SOCKET" --json info) || { agent_log >&2; fail "systemd-socket-activate: the first client was not served"; }
        assert_eq "$(jq -r .version <<<"$out")" "$("$CHAOSLETD" --version | cut -d' ' -f2)" "the first client's agent.info version, via systemd-socket-activate"
        grep -q "Socket activation: serving $AGENT_SOCKET (fd 3)" "$AGENT_LOG" || fail "no socket activation line: $(agent_log)"
        agent_stop || fail "chaosletd (systemd-socket-activate) did not exit 0 on SIGTERM"
        [[ -S $AGENT_SOCKET ]] || fail "the agent removed the socket systemd-socket-activate made"
        echo "ok: systemd-socket-activate: the connection that started the agent was served"
else
        echo "systemd-socket-activate not installed (package systemd): that part skipped"
fi

# Refusals: exit 1 at once, before the journal or --socket is touched. KIND PATH MESSAGE.
refused() {
        local kind=$1 path=$2 want=$3 rc=0 log=$AGENT_DIR/refused-$1.log
        rm -f "$AGENT_SOCKET" "$OTHER"
        timeout 10 "$LAUNCH" "$kind" "$path" -- "$CHAOSLETD" --socket "$OTHER" --state-dir "$AGENT_DIR/state-$kind" \
                2>"$log" || rc=$?
        assert_eq "$rc" 1 "exit status with fd 3 a $kind"
        grep -qF "$want" "$log" || { cat "$log" >&2; fail "fd 3 a $kind: no message '$want'"; }
        [[ ! -e $OTHER && ! -e $AGENT_DIR/state-$kind ]] || fail "fd 3 a $kind: the agent went on to --socket or the journal"
        echo "ok: fd 3 a $kind refused: $(grep -F "$want" "$log")"
}
refused file /dev/null "Socket activation: fd 3 is not a socket"
refused udp - "Socket activation: fd 3 is not an AF_UNIX SOCK_STREAM socket"
refused dgram "$AGENT_SOCKET" "Socket activation: fd 3 is not an AF_UNIX SOCK_STREAM socket"
refused unlistened "$AGENT_SOCKET" "Socket activation: fd 3 is not listening"

# Another process's LISTEN_PID: not ours, ignored; the agent binds --socket as without socket activation.
rm -f "$AGENT_SOCKET"
: >"$AGENT_LOG"
"$LAUNCH" unix "$OTHER" --wrong-pid -- "$CHAOSLETD" --socket "$AGENT_SOCKET" --state-dir "$AGENT_DIR/state" \
        2>>"$AGENT_LOG" &
AGENT_PID=$!
wait_answer "wrong LISTEN_PID"
grep -q "Socket activation: LISTEN_PID=[0-9]* is not this process ($AGENT_PID), ignoring LISTEN_FDS" "$AGENT_LOG" ||
        fail "no warning about LISTEN_PID: $(agent_log)"
assert_eq "$(stat -c %a "$AGENT_SOCKET")" 660 "the mode of the socket the agent bound itself"
agent_stop || fail "chaosletd did not exit 0 on SIGTERM"
[[ ! -e $AGENT_SOCKET ]] || fail "the agent left its own socket behind"
echo "ok: another process's LISTEN_PID ignored with a warning; the agent bound --socket and removed it at exit"
