/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "log.h"
#include "macro.h"
#include "peer.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

static int peer_in_group(int fd, gid_t group) {
        _cleanup_free_ gid_t *groups = NULL;
        socklen_t len = 64 * sizeof(gid_t);

        /* The kernel answers ERANGE with the size it needs. */
        for (int tries = 0; tries < 3; tries++) {
                gid_t *n = realloc(groups, len + sizeof(gid_t));

                if (!n)
                        return -ENOMEM;
                groups = n;
                if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
                        for (size_t i = 0; i < len / sizeof(gid_t); i++)
                                if (groups[i] == group)
                                        return 1;
                        return 0;
                }
                if (errno == ENOPROTOOPT) {
                        /* Kernels before 4.13: the primary group alone decides. */
                        log_debug("SO_PEERGROUPS is not supported: checking only the peer's primary group");
                        return 0;
                }
                if (errno != ERANGE)
                        return negative_errno();
        }
        return -ERANGE;
}

int peer_check(int fd, gid_t group, PeerCred *ret) {
        struct ucred cred;
        socklen_t n = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &n) < 0)
                return negative_errno();
        *ret = (PeerCred) { .pid = cred.pid, .uid = cred.uid, .gid = cred.gid };
        if (cred.uid == 0 || cred.gid == group)
                return 1;
        return peer_in_group(fd, group);
}
