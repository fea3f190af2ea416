#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/bench/run's renderer on a fixed report.json must give the fixed report.md, so the driver cannot rot.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
command -v jq >/dev/null || { echo "skip: jq not installed"; exit 77; }
diff -u "$here/fixtures/report.md" <("$here/run" --render "$here/fixtures/report.json")
echo "ok: the renderer's markdown matches the fixture"
