/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Who is on the other end of a Unix socket, as the kernel recorded it at connect(). */
typedef struct PeerCred {
        pid_t pid;
        uid_t uid;
        gid_t gid;
} PeerCred;

/* May this peer use the agent: uid 0, or the group in its primary or supplementary groups (SO_PEERGROUPS, also
 * recorded at connect(), so no /proc race with a pid that exits and is reused). Returns 1 (yes), 0 (no) with
 * *ret filled either way, or -errno. */
int peer_check(int fd, gid_t group, PeerCred *ret);
