#!/bin/bash
# SPDX-License-Identifier: MIT
#
# uml-run.sh: run one script inside the user-mode Linux test kernel (TEST-KERNEL.md) and exit with its status.
#
#   tests/kernel/uml-run.sh [--mem 1024M] [--timeout SEC] [--env NAME=VALUE]... SCRIPT [ARGS...]
#
# Inside the kernel (hostfs: the host's / is the root, read-write, same paths):
#   - proc, sysfs, devtmpfs (/dev), tmpfs on /run (so `ip netns` gets a private /run/netns; /var/run is the
#     host's symlink to /run), bpf on /sys/fs/bpf, cgroup2 on /sys/fs/cgroup, tmpfs on /dev/shm; lo is up.
#   - tmpfs on /tmp, unless the script, its arguments, the working directory, BUILD_DIR or SRC_DIR live under
#     /tmp, which the tmpfs would hide. TMPDIR always points at a tmpfs, so mktemp never writes to the host.
#   - Modules from /usr/lib/uml/modules: ipv6, veth, ifb, dummy, and the qdiscs, classifiers and actions in
#     UML_MODULES below. One that fails to load is named in the output.
#   - The environment is empty except PATH, HOME, LANG, TMPDIR, UML_RUN=1, BUILD_DIR and SRC_DIR when the
#     caller has them set, and every --env NAME=VALUE (which wins over those).
#   - SCRIPT runs in the caller's working directory with stdin from /dev/null. It is executed directly when
#     it is executable, and with bash otherwise.
#
# Output: the script's stdout and stderr, streamed live. The kernel's console is kept and printed only when the
# kernel ends without a status (boot failure, panic, timeout).
#
# Exit status: the script's own (77 passes through as a skip); 77 when user-mode Linux is not installed;
# 1 when the kernel did not boot, did not finish, or exceeded --timeout; 2 on a usage error.
#
# Overhead: about 2.8 s end to end for an empty script; it starts 2.5 s after boot, 0.5 s of that loading modules.
# Writes to host paths inside the kernel are real writes, as the user who runs this script.

set -uo pipefail

readonly UML_KERNEL=${UML_KERNEL:-linux.uml}
readonly UML_MODULE_ROOT=/usr/lib/uml/modules
# Loaded with one `modprobe -a`, which takes the kernel's modules.dep (ipv6 needs crc-ccitt): about 0.5 s, where
# an insmod per module costs over 0.1 s each.
readonly UML_MODULES=(
        ipv6 veth ifb dummy
        sch_netem sch_prio sch_htb sch_tbf sch_fq sch_fq_codel sch_sfq sch_drr sch_ingress
        cls_bpf cls_u32 cls_matchall cls_basic cls_flower cls_fw
        act_mirred act_gact act_bpf act_skbedit act_police
)

usage() {
        echo "usage: $0 [--mem SIZE] [--timeout SEC] [--env NAME=VALUE]... SCRIPT [ARGS...]" >&2
        exit 2
}

mem=1024M
timeout_s=300
envs=()
while (($# > 0)); do
        case $1 in
        --mem) (($# >= 2)) || usage; mem=$2; shift 2 ;;
        --timeout) (($# >= 2)) || usage; timeout_s=$2; shift 2 ;;
        --env) (($# >= 2)) || usage; envs+=("$2"); shift 2 ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
        esac
done
(($# >= 1)) || usage
[[ $mem =~ ^[0-9]+[kKmMgG]?$ ]] || usage
{ [[ $timeout_s =~ ^[0-9]+$ ]] && ((timeout_s > 0)); } || usage
for e in "${envs[@]}"; do
        [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "uml-run: bad --env '$e' (want NAME=VALUE)" >&2; exit 2; }
done

if ! command -v "$UML_KERNEL" >/dev/null; then
        echo "skip: user-mode-linux not installed (packaging/install-deps.sh installs it)"
        exit 77
fi

script=$(realpath -e -- "$1") || { echo "uml-run: no such script: $1" >&2; exit 2; }
shift

# uml-launch (tests/tools) preloads uml-xstate.so into the kernel, without which UML 6.1 cannot switch its
# processes' FPU state on hosts with AVX-512 and AMX (see its header). Found in BUILD_DIR, or in build/ beside
# this tree; UML_LAUNCH overrides (uml-xstate.so must be beside it).
launcher=${UML_LAUNCH:-}
if [[ -z $launcher ]]; then
        for c in "${BUILD_DIR:-}/tests/tools/uml-launch" "$(dirname "$(realpath "$0")")/../../build/tests/tools/uml-launch"; do
                if [[ -x $c ]]; then
                        launcher=$c
                        break
                fi
        done
fi

kver=$("$UML_KERNEL" --version 2>/dev/null | sed -n '1s/^[^0-9]*//p')
moddir=$UML_MODULE_ROOT
if [[ -z $kver || ! -f $moddir/$kver/modules.dep ]]; then
        echo "uml-run: no modules for UML kernel '$kver' under $UML_MODULE_ROOT" >&2
        exit 1
fi

# The run directory holds the init script, the log, the status and UML's pid files. The init script writes the
# log and the status through fds it opens before any tmpfs is mounted, so they reach the host even when the
# directory is under /tmp.
run=$(mktemp -d "${BUILD_DIR:-${TMPDIR:-/tmp}}/uml-run.XXXXXX") || exit 1
uml_pid=
tail_pid=

cleanup() {
        if [[ -n $uml_pid ]]; then
                # timeout(1) forwards the signal to the kernel and its helpers, and KILLs them 5 s later.
                kill -TERM "$uml_pid" 2>/dev/null
                wait "$uml_pid" 2>/dev/null
        fi
        [[ -n $uml_pid ]] && kill -KILL -- "-$uml_pid" 2>/dev/null
        [[ -n $tail_pid ]] && kill "$tail_pid" 2>/dev/null
        rm -rf -- "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A tmpfs on /tmp would hide any of these from the script.
tmp_tmpfs=1
for p in "$script" "$run" "$PWD" "${BUILD_DIR:-}" "${SRC_DIR:-}" "$@"; do
        [[ -n $p && -e $p ]] || continue
        case $(realpath -- "$p") in
        /tmp | /tmp/*) tmp_tmpfs=0 ;;
        esac
done

{
        echo '#!/bin/bash'
        echo '# Generated by uml-run.sh. Runs as PID 1 inside user-mode Linux.'
        printf 'run=%q script=%q cwd=%q tmp_tmpfs=%d moddir=%q\n' "$run" "$script" "$PWD" "$tmp_tmpfs" "$moddir"
        printf 'modules=('; printf ' %q' "${UML_MODULES[@]}"; printf ' )\n'
        printf 'args=('; (($# > 0)) && printf ' %q' "$@"; printf ' )\n'
        cat <<'EOF'
# The kernel hands unrecognised command-line parameters to init as environment variables.
unset mem uml_dir TERM
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 UML_RUN=1
# UML 6.1's signal frames hold x87, SSE and AVX state only: a handler that uses AVX-512 registers would clobber
# those of the code it interrupted. Keep glibc's string functions off them (its EVEX variants use ymm16-31).
export GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD
exec 3>"$run/log" 4>"$run/status" </dev/null
exec >&3 2>&3

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
# What udev would make: bash's process substitution needs /dev/fd.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/netns /run/tmp /dev/shm
chmod 1777 /run/tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
if ((tmp_tmpfs)); then
        mount -t tmpfs -o mode=1777 tmpfs /tmp
        export TMPDIR=/tmp
else
        export TMPDIR=/run/tmp
fi
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up

# modprobe looks in DIR/lib/modules/$(uname -r); the host has no /lib/modules, so point a tmpfs one at UML's.
mkdir -p /run/uml-modroot/lib
ln -s "$moddir" /run/uml-modroot/lib/modules
if ! modprobe -q -d /run/uml-modroot -a "${modules[@]}"; then
        for m in "${modules[@]}"; do
                [[ -d /sys/module/$m ]] || echo "uml-run: warning: could not load module $m"
        done
fi
EOF
        for v in BUILD_DIR SRC_DIR; do
                [[ -n ${!v:-} ]] && printf 'export %s=%q\n' "$v" "${!v}"
        done
        for e in "${envs[@]}"; do
                printf 'export %q=%q\n' "${e%%=*}" "${e#*=}"
        done
        cat <<'EOF'

cd "$cwd" 2>/dev/null || cd /
if [[ -x $script ]]; then
        "$script" "${args[@]}" 3>&- 4>&-
else
        bash "$script" "${args[@]}" 3>&- 4>&-
fi
echo $? >&4
exec 3>&- 4>&-
poweroff -f >/dev/null 2>&1
echo o >/proc/sysrq-trigger
EOF
} >"$run/init"
chmod 0755 "$run/init"
: >"$run/log"

# quiet and loglevel=2 keep boot chatter off the console but let panics and oopses through. uml_dir keeps the
# pid and mconsole files out of $HOME. No core file if the kernel panics: UML aborts on panic.
ulimit -c 0
timeout -k 5 "$timeout_s" ${launcher:+"$launcher"} "$UML_KERNEL" mem="$mem" rootfstype=hostfs rootflags=/ rw init="$run/init" \
        con=null con0=null,fd:2 quiet loglevel=2 uml_dir="$run" \
        </dev/null >"$run/console" 2>&1 &
uml_pid=$!

# -s: tail notices the kernel has exited within 0.1 s rather than the default 1 s.
tail -n +1 -f -s 0.1 --pid="$uml_pid" "$run/log" &
tail_pid=$!

wait "$uml_pid"
uml_rc=$?
uml_pid_done=$uml_pid
uml_pid=
wait "$tail_pid"
tail_pid=
# Nothing the kernel spawned may outlive it: timeout(1) leads the kernel's process group.
kill -KILL -- "-$uml_pid_done" 2>/dev/null

status=$(cat -- "$run/status" 2>/dev/null)
if [[ $status =~ ^[0-9]+$ ]]; then
        exit "$status"
fi

if ((uml_rc == 124 || uml_rc == 137)); then
        echo "uml-run: FAIL: timed out after ${timeout_s}s" >&2
else
        echo "uml-run: FAIL: the kernel ended without the script's status (exit $uml_rc: boot failure or panic)" >&2
fi
echo "uml-run: last lines of the kernel console:" >&2
tail -n 40 "$run/console" >&2
if grep -q "ptrace set fp regs failed" "$run/console" && [[ -z $launcher ]]; then
        echo "uml-run: this host's FPU state is too large for UML 6.1: build tests/tools/uml-launch and" \
                "uml-xstate.so (meson compile -C build) and set BUILD_DIR or UML_LAUNCH" >&2
fi
exit 1
