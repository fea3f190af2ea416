#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-test.sh SCRIPT [ARGS...]: run one of the Node tests in tests/node, or skip (exit 77) with the reason when
# node (18 or later) or the pinned packages (npm ci --prefix tests/node, as packaging/install-deps.sh does) are
# missing. run-test.sh --check: only that check, for a script that sets things up before it runs node.
# run-test.sh --plain SCRIPT: a script that needs node alone, none of the packages.
set -euo pipefail

dir=$(dirname "$(realpath "$0")")
command -v node >/dev/null || { echo "skip: node is not installed (packaging/install-deps.sh installs nodejs)"; exit 77; }
major=$(node -p 'process.versions.node.split(".")[0]')
((major >= 18)) || { echo "skip: node $(node --version) is older than 18"; exit 77; }
plain=0
[[ ${1:-} == --plain ]] && { plain=1; shift; }
((plain)) || [[ -d $dir/node_modules ]] ||
        { echo "skip: $dir/node_modules is missing (npm ci --prefix tests/node, or packaging/install-deps.sh)"; exit 77; }

[[ ${1:-} == --check ]] && exit 0
script=$1
shift
exec node "$dir/$script" "$@"
