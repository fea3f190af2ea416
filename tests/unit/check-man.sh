#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check-man.sh [CHAOSLETD CHAOSLET CHAOSLETD_MAN CHAOSLET_MAN]: the man pages stay true to the programs.
#
#   - every option that `chaosletd --help` prints, long or short, is in chaosletd.8;
#   - every option that `chaoslet --help` prints (apply's flags included) is in chaoslet.1, and every command
#     listed under "Commands:" has its own entry there (a term line `*cmd*` or `*cmd ...* ...`);
#   - every long option that either page names is an option of chaosletd or chaoslet, so a page that still
#     documents a removed option fails too. Name another program's long options in a page without the dashes.
#
# The pages are read as their scdoc(5) sources (docs/man/*.scd), so neither scdoc nor a formatter is needed.
# Without arguments it uses build/ and docs/man/ of the source tree that holds this script.
set -euo pipefail
export LC_ALL=C

root=$(dirname "$(realpath "$0")")/../..
chaosletd=${1:-$root/build/agent/chaosletd}
chaoslet=${2:-$root/build/proto/chaoslet}
chaosletd_man=${3:-$root/docs/man/chaosletd.8.scd}
chaoslet_man=${4:-$root/docs/man/chaoslet.1.scd}

passed=0
failed=0

check() {
        if "$@"; then
                passed=$((passed + 1))
        else
                failed=$((failed + 1))
        fi
}

for f in "$chaosletd" "$chaoslet"; do
        [[ -x $f ]] || { echo "check-man: $f is not an executable (build first, or pass the paths)" >&2; exit 1; }
done
for f in "$chaosletd_man" "$chaoslet_man"; do
        [[ -r $f ]] || { echo "check-man: cannot read $f" >&2; exit 1; }
done

# A page's scdoc source without its comments (";" lines) and bold markers, with \*, \_ and \\ as the characters
# they escape. Underline markers stay: '_' is no option character, so --socket in _--socket_ is still found.
page_text() {
        sed -e '/^;/d' -e 's/\\\\/\x01/g' -e 's/\\\*/\x02/g' -e 's/\\_/_/g' -e 's/\*//g' \
            -e 's/\x01/\\/g' -e 's/\x02/*/g' "$1"
}

# The long and short options a --help text names: "--socket", "-v" (from "-v, --verbose" or "apply -f FILE").
help_options() {
        grep -oE -- '--[a-z][a-z0-9-]*' <<<"$1" || true
        grep -oE -- '(^|[[:space:],|(])-[A-Za-z]([[:space:],|)]|$)' <<<"$1" | grep -oE -- '-[A-Za-z]' || true
}

# Is OPT in TEXT as a whole option, not as the prefix of a longer one (--loss vs --loss-correlation)?
has_option() {
        local text=$1 opt=$2
        grep -qE -- "(^|[^A-Za-z0-9-])${opt}([^A-Za-z0-9-]|$)" <<<"$text"
}

options_in_page() {
        local prog=$1 help=$2 page=$3 text opt
        text=$(page_text "$page")
        while read -r opt; do
                [[ -n $opt ]] || continue
                if has_option "$text" "$opt"; then
                        check true
                else
                        echo "FAIL: $prog --help prints $opt, and $(basename "$page") does not document it"
                        check false
                fi
        done < <(help_options "$help" | sort -u)
}

commands_in_page() {
        local help=$1 page=$2 cmd
        while read -r cmd; do
                [[ -n $cmd ]] || continue
                # A term: at the start of an unindented line, in bold.
                if grep -qE "^\*${cmd}( |\*)" "$page"; then
                        check true
                else
                        echo "FAIL: chaoslet --help lists the command '$cmd', and $(basename "$page") has no entry for it"
                        check false
                fi
        done < <(awk '/^Commands:/ { on = 1; next } on && /^[[:space:]]*$/ { exit } on { print $1 }' <<<"$help" |
                 sort -u)
}

# Long options a page names that neither program has any more.
no_stale_options() {
        local page=$1 known=$2 opt
        while read -r opt; do
                [[ -n $opt ]] || continue
                if grep -qxF -- "$opt" <<<"$known"; then
                        check true
                else
                        echo "FAIL: $(basename "$page") names $opt, which neither chaosletd --help nor chaoslet --help prints"
                        check false
                fi
        done < <(page_text "$page" | grep -oE -- '(^|[^A-Za-z0-9-])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' |
                 sort -u)
}

chaosletd_help=$("$chaosletd" --help) || { echo "FAIL: chaosletd --help exited with $?"; exit 1; }
chaoslet_help=$("$chaoslet" --help) || { echo "FAIL: chaoslet --help exited with $?"; exit 1; }
[[ -n $(help_options "$chaosletd_help") ]] || { echo "FAIL: chaosletd --help names no option"; exit 1; }
[[ -n $(help_options "$chaoslet_help") ]] || { echo "FAIL: chaoslet --help names no option"; exit 1; }

options_in_page chaosletd "$chaosletd_help" "$chaosletd_man"
options_in_page chaoslet "$chaoslet_help" "$chaoslet_man"
commands_in_page "$chaoslet_help" "$chaoslet_man"

known=$( (help_options "$chaosletd_help"; help_options "$chaoslet_help") | grep -- '^--' | sort -u)
no_stale_options "$chaosletd_man" "$known"
no_stale_options "$chaoslet_man" "$known"

echo "check-man: $passed passed, $failed failed"
((failed == 0))
