/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* A network namespace's identity: the nsfs inode behind /proc/PID/ns/net or a bind mount. Two opens name the same
 * namespace iff dev and ino agree. */
typedef struct NetnsId {
        uint64_t dev;
        uint64_t ino;
} NetnsId;

/* Open a namespace file and check it really is a network namespace. -ENOENT: no such file or process;
 * -EINVAL: not a network namespace; -EACCES/-EPERM: not permitted. */
int netns_open_path(const char *path, int *ret_fd, NetnsId *ret_id);
int netns_open_pid(pid_t pid, int *ret_fd, NetnsId *ret_id);
int netns_id_from_fd(int fd, NetnsId *ret_id);

/* Run fn inside the namespace behind netns_fd, on this thread, and always come back, whatever fn returns.
 * Sockets opened by fn stay in that namespace after we return. */
int netns_run(int netns_fd, int (*fn)(void *userdata), void *userdata);

/* Run fn in a brand-new, empty network namespace that disappears when the last socket opened in it closes. */
int netns_run_scratch(int (*fn)(void *userdata), void *userdata);
