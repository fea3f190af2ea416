/* SPDX-License-Identifier: MIT */
#pragma once

#include <cjson/cJSON.h>

/* Drop to exactly the capabilities chaoslet needs, in every set (bounding included), with no_new_privs:
 *   CAP_NET_ADMIN   traffic control and links, inside the targets' namespaces
 *   CAP_SYS_ADMIN   setns() into a target's network namespace, and the scratch namespace of the feature probe
 *   CAP_SYS_PTRACE  open /proc/PID/ns/net of processes owned by other users
 *   CAP_BPF         load the classifier and update its maps (kernels >= 5.8; CAP_SYS_ADMIN covers older ones)
 * A missing capability is logged by name and gives -EPERM; a missing CAP_BPF is fine when CAP_SYS_ADMIN is held.
 * Returns 0, or -errno when the drop failed (never run on with more than asked for). */
int caps_drop_to_minimum(void);

/* The effective set, as names ("cap_net_admin", ...), for agent.info. */
cJSON *caps_effective_json(void);
