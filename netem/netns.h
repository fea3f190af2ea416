/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A network namespace's identity: the nsfs inode behind /proc/PID/ns/net or a bind mount. Two live namespaces are
 * the same iff dev and ino agree. Across time they are not enough: the kernel reuses a freed namespace's inode
 * number for the next one. The cookie (SO_NETNS_COOKIE, Linux 5.14) is never reused within a boot, so an identity
 * kept for later (a fault, the journal) carries it too, and a namespace found again must have the same one. */
typedef struct NetnsId {
        uint64_t dev;
        uint64_t ino;
        uint64_t cookie;        /* 0: not known (an older kernel, or found by stat() alone) */
} NetnsId;

/* Same namespace, as far as both identities tell: dev and ino, and the cookie where both have one. */
static inline bool netns_id_same(NetnsId a, NetnsId b) {
        return a.dev == b.dev && a.ino == b.ino && (a.cookie == 0 || b.cookie == 0 || a.cookie == b.cookie);
}

/* Open a namespace file and check it really is a network namespace. -ENOENT: no such file or process;
 * -EINVAL: not a network namespace; -EACCES/-EPERM: not permitted. Identifying it takes a visit (its cookie is
 * read off a socket made inside); with ret_route_fd, that socket is a NETLINK_ROUTE one bound in the namespace,
 * handed over, so that the caller's first rtnetlink talk there needs no visit of its own (links.h takes it). */
int netns_open_path(const char *path, int *ret_fd, NetnsId *ret_id, int *ret_route_fd);
int netns_open_pid(pid_t pid, int *ret_fd, NetnsId *ret_id, int *ret_route_fd);
int netns_id_from_fd(int fd, NetnsId *ret_id);

/* Run fn inside the namespace behind netns_fd, on this thread, and always come back, whatever fn returns.
 * Sockets opened by fn stay in that namespace after we return. */
int netns_run(int netns_fd, int (*fn)(void *userdata), void *userdata);

/* Run fn in a brand-new, empty network namespace that disappears when the last socket opened in it closes. */
int netns_run_scratch(int (*fn)(void *userdata), void *userdata);
