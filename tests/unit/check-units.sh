#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check-units.sh SERVICE SOCKET CHAOSLETD SCRATCH README [MAN8 MAN1]: `systemd-analyze verify` passes the systemd
# units (packaging/systemd/) without a word, and `systemd-analyze security` scores chaosletd.service no worse than
# the exposure that README records.
#
#   - The units are copied into SCRATCH with ExecStart naming the built CHAOSLETD, so verify can check that the
#     command exists; SCRATCH must not be under /tmp: systemd-analyze 252 finds no unit file there (measured).
#   - With MAN8 and MAN1 (the built pages) and man(1) installed, Documentation=man:chaosletd(8) man:chaoslet(1)
#     is checked against them through MANPATH; without, verify runs with --man=no.
#   - A unit with an unknown key must make verify speak: the check is not vacuous.
#
# Exit 77 without systemd-analyze (package systemd).
set -euo pipefail
export LC_ALL=C

service=$1 socket=$2 chaosletd=$3 scratch=$4 readme=$5
man8=${6:+$(realpath "$6")} man1=${7:+$(realpath "$7")}
command -v systemd-analyze >/dev/null || { echo "skip: systemd-analyze not installed (package systemd)"; exit 77; }

passed=0
failed=0
ok() {
        echo "ok: $*"
        passed=$((passed + 1))
}
bad() {
        echo "FAIL: $*"
        failed=$((failed + 1))
}

rm -rf "$scratch"
mkdir -p "$scratch/units" "$scratch/man/man8" "$scratch/man/man1"
trap 'rm -rf "$scratch"' EXIT
sed "s|^ExecStart=/usr/sbin/chaosletd|ExecStart=$chaosletd|" "$service" >"$scratch/units/chaosletd.service"
cp "$socket" "$scratch/units/chaosletd.socket"
grep -qx "ExecStart=$chaosletd" "$scratch/units/chaosletd.service" || { echo "FAIL: no ExecStart=/usr/sbin/chaosletd in $service"; exit 1; }

man_opt=--man=no
if [[ -n $man8 && -n $man1 ]] && command -v man >/dev/null; then
        cp "$man8" "$scratch/man/man8/chaosletd.8"
        cp "$man1" "$scratch/man/man1/chaoslet.1"
        export MANPATH=$scratch/man
        man_opt=--man=yes
fi

verify() {
        systemd-analyze verify "$man_opt" "$@" 2>&1
}

echo "$(systemd-analyze --version | head -n1), verify $man_opt"
if out=$(verify "$scratch/units/chaosletd.service" "$scratch/units/chaosletd.socket") && [[ -z $out ]]; then
        ok "systemd-analyze verify chaosletd.service chaosletd.socket: no complaint"
else
        bad "systemd-analyze verify: $out"
fi

echo "Foo=bar" >>"$scratch/units/chaosletd.socket"
out=$(verify "$scratch/units/chaosletd.socket" || true)
grep -q "Unknown key 'Foo'" <<<"$out" && ok "verify does complain about a unit with an unknown key" ||
        bad "verify said nothing about an unknown key: $out"

# The exposure README records, such as "Overall exposure level for chaosletd.service: 2.6 OK".
recorded=$(grep -oE 'exposure level for chaosletd.service: [0-9.]+' "$readme" | head -n1 | awk '{ print $NF }')
if out=$(systemd-analyze security --offline=yes "$service" 2>&1); then
        score=$(grep -oE 'Overall exposure level for chaosletd.service: [0-9.]+' <<<"$out" | awk '{ print $NF }')
        echo "systemd-analyze security --offline=yes: $score (recorded: ${recorded:-none})"
        if [[ -z $score || -z $recorded ]]; then
                bad "no exposure score (measured '$score', recorded '$recorded' in $readme)"
        elif awk -v s="$score" -v r="$recorded" 'BEGIN { exit !(s <= r) }'; then
                ok "exposure $score, no worse than the $recorded recorded in $(basename "$readme")"
        else
                bad "exposure $score is worse than the $recorded recorded in $readme"
        fi
else
        # --offline= came with systemd 252.
        echo "systemd-analyze security --offline=yes did not run here: $(head -n1 <<<"$out")"
fi

echo "check-units: $passed passed, $failed failed"
((failed == 0))
