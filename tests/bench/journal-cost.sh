#!/bin/bash
# SPDX-License-Identifier: MIT
# What the journal costs: apply+recover of a partition fault (no sch_netem needed) through the same chaosletd,
# with --state-dir on the root filesystem and on a tmpfs, interleaved in rounds. Nothing is fsynced (agent/journal.c
# says why): what is left is the file systems' own cost of a create, a rename and an unlink.
#
#   journal-cost.sh [ROUNDS]      BUILD_DIR locates the binaries; a disk directory is made under /var/tmp.
set -euo pipefail
. "$(dirname "$(realpath "$0")")/../lib/netns.sh"
. "$(dirname "$(realpath "$0")")/../lib/agent.sh"

need_root
ns_setup_pair a b 192.0.2.1/24 192.0.2.2/24
rounds=${1:-200}
disk=$(mktemp -d /var/tmp/cl-journal-XXXXXX) shm=$(mktemp -d /dev/shm/cl-journal-XXXXXX)
at_exit rm -rf "$disk" "$shm"
echo "machine: $(uname -r), $(nproc) CPUs; $(df -T /var/tmp | awk 'NR == 2 { print "/var/tmp on " $2 }')"
for where in "$disk" "$shm" "$disk" "$shm"; do
        agent_start --state-dir "$where/state"
        printf '%-40s ' "--state-dir on $(df -T "$where" | awk 'NR == 2 { print $2 }'):"
        "$BUILD_DIR/tests/bench/bench-apply" "$AGENT_SOCKET" "$(ns_name a)" "$(ns_dev a b)" "$rounds" partition
        agent_stop
done
